//! The organization plugin's access control: Better Auth's default organization roles, and
//! roles stored per organization (dynamic roles) merged over the configured ones. The model
//! itself (statements, roles, `authorize`, loading and start-up checks) is `crate::access`,
//! shared with the admin plugin.

use std::collections::BTreeMap;

pub use crate::access::{
    AccessControl, Request, Statements, holds_all, merged, parse_statements, role_list,
};
use crate::access::{authorize, statements};

/// Better Auth's organization `defaultStatements` and `defaultRoles` (owner, admin, member).
pub fn default_access() -> AccessControl {
    const ORG: &[&str] = &["update", "delete"];
    const CUD: &[&str] = &["create", "update", "delete"];
    const INV: &[&str] = &["create", "cancel"];
    const AC: &[&str] = &["create", "read", "update", "delete"];
    let all = statements(&[
        ("organization", ORG),
        ("member", CUD),
        ("invitation", INV),
        ("team", CUD),
        ("ac", AC),
    ]);
    let admin = statements(&[
        ("organization", &["update"]),
        ("member", CUD),
        ("invitation", INV),
        ("team", CUD),
        ("ac", AC),
    ]);
    let member = statements(&[
        ("organization", &[]),
        ("member", &[]),
        ("invitation", &[]),
        ("team", &[]),
        ("ac", &["read"]),
    ]);
    AccessControl {
        roles: [
            ("owner".to_owned(), all.clone()),
            ("admin".to_owned(), admin),
            ("member".to_owned(), member),
        ]
        .into(),
        statements: all,
    }
}

/// Whether any of `roles` (a member's comma-separated roles) authorizes `request`, with
/// `dynamic` roles (stored for the organization) merged over the configured ones.
pub fn allows(
    ac: &AccessControl,
    roles: &[String],
    dynamic: &BTreeMap<String, Statements>,
    request: &Request,
) -> bool {
    roles.iter().any(|r| {
        let configured = ac.roles.get(r);
        let role = match dynamic.get(r) {
            Some(extra) => merged(configured, extra),
            None => match configured {
                Some(c) => c.clone(),
                None => return false,
            },
        };
        authorize(&role, request).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Refusal;
    use serde_json::{Value, json};

    fn req(v: Value) -> Request {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn authorize_follows_better_auth() {
        let ac = default_access();
        let admin = &ac.roles["admin"];
        assert_eq!(
            authorize(admin, &req(json!({"member": ["create"]}))),
            Ok(())
        );
        assert_eq!(
            authorize(admin, &req(json!({"organization": ["delete"]}))),
            Err(Refusal::Unauthorized("organization".into()))
        );
        assert_eq!(
            authorize(admin, &req(json!({"project": ["read"]})))
                .unwrap_err()
                .to_string(),
            "You are not allowed to access resource: project"
        );
        assert_eq!(
            authorize(admin, &req(json!({}))),
            Err(Refusal::NotAuthorized)
        );
        assert_eq!(
            authorize(
                &ac.roles["member"],
                &req(json!({"ac": {"actions": ["create", "read"], "connector": "OR"}}))
            ),
            Ok(())
        );
        assert!(authorize(&ac.roles["member"], &req(json!({"ac": []}))).is_err());
    }

    #[test]
    fn roles_split_and_dynamic_roles_merge() {
        assert_eq!(role_list(" admin, member ,,"), ["admin", "member"]);
        let ac = default_access();
        let mut dynamic = BTreeMap::new();
        dynamic.insert("member".to_owned(), statements(&[("team", &["create"])]));
        let ask = req(json!({"team": ["create"]}));
        assert!(!allows(&ac, &["member".into()], &BTreeMap::new(), &ask));
        assert!(allows(&ac, &["member".into()], &dynamic, &ask));
        assert!(!allows(&ac, &["nobody".into()], &BTreeMap::new(), &ask));
        assert!(holds_all(&ac.roles["owner"], &ac.roles["admin"]));
        assert!(!holds_all(&ac.roles["admin"], &ac.roles["owner"]));
    }
}
