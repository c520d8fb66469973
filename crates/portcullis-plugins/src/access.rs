//! Access control as configuration: Better Auth's `createAccessControl` model, shared by the
//! plugins that check permissions (admin, organization).
//!
//! - *Statements* name every resource and the actions it has (`project: [create, read]`).
//! - A *role* is a set of statements: the actions it may take on each resource.
//! - A request (`{"user": ["ban"]}`) is authorized by a role as Better Auth's `role.authorize`
//!   does: every requested resource must be known to the role and every requested action held
//!   (or, with `{"actions": [..], "connector": "OR"}`, any one of them).
//!
//! A plugin reads its model from a table of the TOML file, or from a JSON file that names it,
//! and checks it at start-up ([`AccessControl::load`]): a role that names a resource or action
//! the statements lack stops it, naming the setting.

use std::collections::BTreeMap;

use portcullis_core::ConfigError;
use portcullis_core::config::TableSource;
use serde_json::{Map, Value};

/// Resource → actions, in the order they were declared.
pub type Statements = BTreeMap<String, Vec<String>>;

/// The statements and the roles built from them.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessControl {
    pub statements: Statements,
    pub roles: BTreeMap<String, Statements>,
}

/// Statements from `(resource, actions)` pairs, for a plugin's built-in defaults.
pub fn statements(pairs: &[(&str, &[&str])]) -> Statements {
    pairs
        .iter()
        .map(|(r, a)| ((*r).to_owned(), a.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

/// Why a request was refused, in Better Auth's words (`authorize`'s `error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownResource(String),
    Unauthorized(String),
    NotAuthorized,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::UnknownResource(r) => write!(f, "You are not allowed to access resource: {r}"),
            Refusal::Unauthorized(r) => write!(f, "unauthorized to access resource \"{r}\""),
            Refusal::NotAuthorized => f.write_str("Not authorized"),
        }
    }
}

/// A permission request as clients send it: resource → `[actions]` (all needed) or
/// `{actions, connector}`.
pub type Request = Map<String, Value>;

/// Better Auth's `role(statements).authorize(request, "AND")`.
pub fn authorize(role: &Statements, request: &Request) -> Result<(), Refusal> {
    let mut any = false;
    for (resource, asked) in request {
        let Some(allowed) = role.get(resource) else {
            return Err(Refusal::UnknownResource(resource.clone()));
        };
        let (actions, or) = match asked {
            Value::Array(a) => (a.as_slice(), false),
            Value::Object(o) => (
                o.get("actions")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
                o.get("connector").and_then(Value::as_str) == Some("OR"),
            ),
            _ => (&[][..], false),
        };
        let held = |a: &Value| a.as_str().is_some_and(|a| allowed.iter().any(|x| x == a));
        let ok = !actions.is_empty()
            && if or {
                actions.iter().any(held)
            } else {
                actions.iter().all(held)
            };
        if !ok {
            return Err(Refusal::Unauthorized(resource.clone()));
        }
        any = true;
    }
    if any {
        Ok(())
    } else {
        Err(Refusal::NotAuthorized)
    }
}

/// Whether `role` holds every action of `wanted` (a role being made or changed must not grant
/// more than its maker holds).
pub fn holds_all(role: &Statements, wanted: &Statements) -> bool {
    wanted.iter().all(|(resource, actions)| {
        actions
            .iter()
            .all(|a| role.get(resource).is_some_and(|held| held.contains(a)))
    })
}

/// `base` with the actions of `extra` added (a stored role over a configured one of the same
/// name, or the union of several roles).
pub fn merged(base: Option<&Statements>, extra: &Statements) -> Statements {
    let mut out = base.cloned().unwrap_or_default();
    for (resource, actions) in extra {
        let list = out.entry(resource.clone()).or_default();
        for a in actions {
            if !list.contains(a) {
                list.push(a.clone());
            }
        }
    }
    out
}

/// Reads `{resource: [action, ..]}`; `what` names the setting in the error.
pub fn parse_statements(v: &Value, what: &str) -> Result<Statements, String> {
    let Some(obj) = v.as_object() else {
        return Err(format!(
            "{what} must map each resource to a list of actions"
        ));
    };
    let mut out = Statements::new();
    for (resource, actions) in obj {
        let Some(list) = actions.as_array() else {
            return Err(format!("{what}.{resource} must be a list of actions"));
        };
        let mut acts = Vec::with_capacity(list.len());
        for a in list {
            match a.as_str() {
                Some(s) if !s.trim().is_empty() => acts.push(s.trim().to_owned()),
                _ => return Err(format!("{what}.{resource} must hold action names")),
            }
        }
        out.insert(resource.clone(), acts);
    }
    Ok(out)
}

impl AccessControl {
    /// Reads `{statements: {..}, roles: {role: {..}}}` and checks each role against the
    /// statements. `setting` names where it came from, for the one-line start-up error.
    pub fn from_json(v: &Value, setting: &str) -> Result<Self, ConfigError> {
        let bad = |problem: String| ConfigError::new(setting, problem);
        let statements = parse_statements(
            v.get("statements")
                .ok_or_else(|| bad("needs a `statements` table".into()))?,
            "statements",
        )
        .map_err(bad)?;
        let roles_v = v
            .get("roles")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("needs a `roles` table: role → statements".into()))?;
        let mut roles = BTreeMap::new();
        for (name, st) in roles_v {
            if name.contains(',') || name.trim().is_empty() {
                return Err(bad(format!("role `{name}` must be a name without commas")));
            }
            let st = parse_statements(st, &format!("roles.{name}")).map_err(bad)?;
            for (resource, actions) in &st {
                let Some(known) = statements.get(resource) else {
                    return Err(bad(format!(
                        "roles.{name} names resource `{resource}`, which `statements` lacks"
                    )));
                };
                if let Some(a) = actions.iter().find(|a| !known.contains(a)) {
                    return Err(bad(format!(
                        "roles.{name}.{resource} names action `{a}`, which statements.{resource} lacks"
                    )));
                }
            }
            roles.insert(name.clone(), st);
        }
        if roles.is_empty() {
            return Err(bad("needs at least one role".into()));
        }
        Ok(AccessControl { statements, roles })
    }

    /// A plugin's model: the `access_control` table of its settings, or the JSON file that
    /// `access_control_file` (or the variable `file_var`) names; `None` when neither is given.
    pub fn load(src: &TableSource<'_>, file_var: &str) -> Result<Option<Self>, ConfigError> {
        if let Some((var, path)) = src.get("access_control_file", Some(file_var))? {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::new(&var, format!("cannot read `{path}`: {e}")))?;
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| ConfigError::new(&var, format!("`{path}` is not JSON: {e}")))?;
            return Self::from_json(&v, &var).map(Some);
        }
        let Some(table) = src.table().and_then(|t| t.get("access_control")) else {
            return Ok(None);
        };
        let setting = src.var("access_control");
        let v = serde_json::to_value(table)
            .map_err(|e| ConfigError::new(&setting, format!("cannot be read: {e}")))?;
        Self::from_json(&v, &setting).map(Some)
    }

    /// Everything `roles` may do together: the union of their statements.
    pub fn held(&self, roles: &[String]) -> Statements {
        roles
            .iter()
            .filter_map(|r| self.roles.get(r))
            .fold(Statements::new(), |all, role| merged(Some(&all), role))
    }

    /// Whether any of `roles` authorizes `request`.
    pub fn allows(&self, roles: &[String], request: &Request) -> bool {
        roles.iter().any(|r| {
            self.roles
                .get(r)
                .is_some_and(|role| authorize(role, request).is_ok())
        })
    }
}

/// Better Auth's `parseRoleList`: a role value as its trimmed, non-empty names.
pub fn role_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> Request {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn authorize_follows_better_auth() {
        let role = statements(&[("user", &["ban", "list"]), ("session", &[])]);
        assert_eq!(authorize(&role, &req(json!({"user": ["ban"]}))), Ok(()));
        assert_eq!(
            authorize(&role, &req(json!({"user": ["ban", "delete"]}))),
            Err(Refusal::Unauthorized("user".into()))
        );
        assert_eq!(
            authorize(&role, &req(json!({"project": ["read"]})))
                .unwrap_err()
                .to_string(),
            "You are not allowed to access resource: project"
        );
        assert_eq!(
            authorize(&role, &req(json!({}))),
            Err(Refusal::NotAuthorized)
        );
        assert_eq!(
            authorize(
                &role,
                &req(json!({"user": {"actions": ["delete", "list"], "connector": "OR"}}))
            ),
            Ok(())
        );
        assert!(authorize(&role, &req(json!({"session": []}))).is_err());
        assert!(holds_all(&role, &statements(&[("user", &["list"])])));
        assert!(!holds_all(&role, &statements(&[("session", &["list"])])));
    }

    #[test]
    fn configuration_is_checked_against_its_statements() {
        let ok = json!({"statements": {"project": ["read", "write"]},
                        "roles": {"viewer": {"project": ["read"]}}});
        let ac = AccessControl::from_json(&ok, "x").expect("valid");
        assert!(ac.allows(&["viewer".into()], &req(json!({"project": ["read"]}))));
        assert!(!ac.allows(&["viewer".into()], &req(json!({"project": ["write"]}))));
        assert!(!ac.allows(&["nobody".into()], &req(json!({"project": ["read"]}))));
        let bad_action = json!({"statements": {"project": ["read"]},
                                "roles": {"viewer": {"project": ["fly"]}}});
        let e = AccessControl::from_json(&bad_action, "plugins.admin.access_control").unwrap_err();
        assert_eq!(e.var, "plugins.admin.access_control");
        assert!(e.problem.contains("`fly`"), "{}", e.problem);
        let bad_resource = json!({"statements": {}, "roles": {"viewer": {"project": []}}});
        assert!(AccessControl::from_json(&bad_resource, "x").is_err());
        assert!(AccessControl::from_json(&json!({"statements": {}}), "x").is_err());
        assert_eq!(role_list(" admin, user ,,"), ["admin", "user"]);
    }
}
