//! Permissions as Better Auth's access-control statements: `{resource: [actions]}`, stored as
//! JSON text in `apikey.permissions`, and checked as `role(statements).authorize(request)`.

use std::collections::BTreeMap;

use serde_json::Value;

/// Resources and the actions allowed on each.
pub type Statements = BTreeMap<String, Vec<String>>;

/// The permission a service's own key needs to call `POST /api-key/verify`.
pub const VERIFY_RESOURCE: &str = "apiKey";
pub const VERIFY_ACTION: &str = "verify";

/// `{resource: [action, ..]}`; anything else is `None`.
pub fn parse_statements(v: &Value) -> Option<Statements> {
    let obj = v.as_object()?;
    let mut out = Statements::new();
    for (resource, actions) in obj {
        let actions = actions
            .as_array()?
            .iter()
            .map(|a| a.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?;
        out.insert(resource.clone(), actions);
    }
    Some(out)
}

/// The statements stored in a key's `permissions` column (JSON text), if any parse.
pub fn stored_statements(text: Option<&str>) -> Option<Statements> {
    let v: Value = serde_json::from_str(text?).ok()?;
    parse_statements(&v)
}

/// Better Auth's `role(granted).authorize(requested)` with its default `AND` connector: every
/// requested resource must be granted, with every requested action, and at least one resource
/// must be asked for (an empty request authorizes nothing).
pub fn authorize(granted: &Statements, requested: &Statements) -> bool {
    let mut any = false;
    for (resource, actions) in requested {
        let Some(allowed) = granted.get(resource) else {
            return false;
        };
        if actions.is_empty() || !actions.iter().all(|a| allowed.contains(a)) {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn st(v: Value) -> Statements {
        parse_statements(&v).expect("statements")
    }

    #[test]
    fn authorizes_as_better_auths_role() {
        let granted = st(json!({"files": ["read", "write"], "apiKey": ["verify"]}));
        assert!(authorize(&granted, &st(json!({"files": ["read"]}))));
        assert!(authorize(
            &granted,
            &st(json!({"files": ["read", "write"], "apiKey": ["verify"]}))
        ));
        assert!(!authorize(&granted, &st(json!({"files": ["delete"]}))));
        assert!(!authorize(
            &granted,
            &st(json!({"files": ["read", "delete"]}))
        ));
        assert!(!authorize(&granted, &st(json!({"users": ["read"]}))));
        assert!(!authorize(&granted, &st(json!({"files": []}))));
        assert!(!authorize(&granted, &st(json!({}))));
    }

    #[test]
    fn only_lists_of_strings_are_statements() {
        assert!(parse_statements(&json!({"files": "read"})).is_none());
        assert!(parse_statements(&json!({"files": [1]})).is_none());
        assert!(parse_statements(&json!(["files"])).is_none());
        assert_eq!(
            stored_statements(Some("{\"a\":[\"b\"]}")).map(|s| s.len()),
            Some(1)
        );
        assert!(stored_statements(Some("not json")).is_none());
        assert!(stored_statements(None).is_none());
    }
}
