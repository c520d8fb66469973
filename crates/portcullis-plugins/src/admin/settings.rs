//! The admin plugin's settings: variables, or keys of `[plugins.admin]` (the variable wins).

use portcullis_core::{Config, ConfigError};

use crate::access::{AccessControl, statements};

/// Better Auth's `bannedUserMessage` default.
pub const BANNED_USER_MESSAGE: &str = "You have been banned from this application. Please contact support if you believe this is an error.";

#[derive(Debug, Clone, PartialEq)]
pub struct AdminSettings {
    /// The role a new user gets (`defaultRole`).
    pub default_role: String,
    /// Roles that make a user an administrator (`adminRoles`): impersonating one needs
    /// `user:impersonate-admins`.
    pub admin_roles: Vec<String>,
    /// Users who may do everything, whatever their role (`adminUserIds`).
    pub admin_user_ids: Vec<String>,
    /// Seconds an impersonation session lives (`impersonationSessionDuration`).
    pub impersonation_lifetime: i64,
    /// Whether any administrator may impersonate another (`allowImpersonatingAdmins`).
    pub allow_impersonating_admins: bool,
    pub banned_user_message: String,
    /// The reason a ban without one records (`defaultBanReason`).
    pub default_ban_reason: String,
    /// Seconds a ban without an expiry lasts (`defaultBanExpiresIn`); `None`: for ever.
    pub default_ban_expires_in: Option<i64>,
    /// The roles and what each may do (`ac` and `roles`).
    pub access: AccessControl,
    /// Whether `access` was configured: only then are roles outside it refused (as Better
    /// Auth checks set roles only against configured `roles`).
    pub roles_configured: bool,
    /// Step-up for administrators (ASVS 4.3.1, 4.3.3); `None` when off.
    pub step_up: Option<StepUp>,
}

/// What an administrator must have proved before an admin endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepUp {
    /// Seconds since sign-in after which the session is no longer fresh enough.
    pub fresh_age: i64,
}

/// Better Auth's admin `defaultStatements` and `defaultRoles` (`admin`, `user`).
pub fn default_access() -> AccessControl {
    const USER: &[&str] = &[
        "create",
        "list",
        "set-role",
        "ban",
        "impersonate",
        "impersonate-admins",
        "delete",
        "set-password",
        "set-email",
        "set-phone",
        "get",
        "update",
    ];
    const SESSION: &[&str] = &["list", "revoke", "delete"];
    let admin_user: Vec<&str> = USER
        .iter()
        .copied()
        .filter(|a| *a != "impersonate-admins")
        .collect();
    AccessControl {
        statements: statements(&[("user", USER), ("session", SESSION)]),
        roles: [
            (
                "admin".to_owned(),
                statements(&[("user", &admin_user), ("session", SESSION)]),
            ),
            (
                "user".to_owned(),
                statements(&[("user", &[]), ("session", &[])]),
            ),
        ]
        .into(),
    }
}

impl AdminSettings {
    /// `None` unless `ENABLE_ADMIN` is on. `step_up_needs_two_factor` is whether the two-factor
    /// plugin is on: step-up cannot be met without it, so asking for it alone stops start-up.
    pub fn load(config: &Config, two_factor_on: bool) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("admin");
        if !src.flag("enabled", Some("ENABLE_ADMIN"), false)? {
            return Ok(None);
        }
        let configured = AccessControl::load(&src, "ADMIN_ACCESS_CONTROL_FILE")?;
        let roles_configured = configured.is_some();
        let access = configured.unwrap_or_else(default_access);
        let mut admin_roles = src.list("admin_roles", Some("ADMIN_ROLES"))?;
        if admin_roles.is_empty() {
            admin_roles.push("admin".to_owned());
        }
        if let Some(unknown) = admin_roles.iter().find(|r| !access.roles.contains_key(*r)) {
            let var = src
                .get("admin_roles", Some("ADMIN_ROLES"))?
                .map_or_else(|| src.var("admin_roles"), |(var, _)| var);
            return Err(ConfigError::new(
                &var,
                format!("names role `{unknown}`, which the access control does not define"),
            ));
        }
        let default_ban_expires_in = match src.get(
            "default_ban_expires_in",
            Some("ADMIN_DEFAULT_BAN_EXPIRES_IN"),
        )? {
            None => None,
            Some((var, v)) => match v.parse::<i64>() {
                Ok(s) if s > 0 => Some(s),
                _ => {
                    return Err(ConfigError::new(
                        &var,
                        "must be a number of seconds above 0",
                    ));
                }
            },
        };
        let impersonation_lifetime = src.parse(
            "impersonation_session_duration",
            Some("ADMIN_IMPERSONATION_SESSION_DURATION"),
            3600_i64,
            "a number of seconds",
        )?;
        if !(60..=86_400).contains(&impersonation_lifetime) {
            return Err(ConfigError::new(
                &reported(
                    &src,
                    "impersonation_session_duration",
                    "ADMIN_IMPERSONATION_SESSION_DURATION",
                )?,
                "must be between 60 and 86400 seconds",
            ));
        }
        let step_up = if src.flag("step_up", Some("ADMIN_STEP_UP"), false)? {
            if !two_factor_on {
                return Err(ConfigError::new(
                    &reported(&src, "step_up", "ADMIN_STEP_UP")?,
                    "needs the two-factor plugin (ENABLE_TWO_FACTOR=true): administrators step up with a second factor",
                ));
            }
            Some(StepUp {
                fresh_age: src.lifetime(
                    "step_up_fresh_age",
                    Some("ADMIN_STEP_UP_FRESH_AGE"),
                    900,
                )?,
            })
        } else {
            None
        };
        Ok(Some(AdminSettings {
            default_role: src.string("default_role", Some("ADMIN_DEFAULT_ROLE"), "user")?,
            admin_roles,
            admin_user_ids: src.list("admin_user_ids", Some("ADMIN_USER_IDS"))?,
            impersonation_lifetime,
            allow_impersonating_admins: src.flag(
                "allow_impersonating_admins",
                Some("ADMIN_ALLOW_IMPERSONATING_ADMINS"),
                false,
            )?,
            banned_user_message: src.string(
                "banned_user_message",
                Some("ADMIN_BANNED_USER_MESSAGE"),
                BANNED_USER_MESSAGE,
            )?,
            default_ban_reason: src.string(
                "default_ban_reason",
                Some("ADMIN_DEFAULT_BAN_REASON"),
                "No reason",
            )?,
            default_ban_expires_in,
            access,
            roles_configured,
            step_up,
        }))
    }

    /// Better Auth's `hasPermission`: an `adminUserIds` user may do anything; otherwise any of
    /// the user's roles (or the default role) must authorize `request`.
    pub fn allows(
        &self,
        user_id: &str,
        role: Option<&str>,
        request: &crate::access::Request,
    ) -> bool {
        if self.admin_user_ids.iter().any(|id| id == user_id) {
            return true;
        }
        let roles =
            crate::access::role_list(role.filter(|r| !r.is_empty()).unwrap_or(&self.default_role));
        self.access.allows(&roles, request)
    }

    /// Whether a user with `role` is an administrator (impersonating one needs more).
    pub fn is_admin(&self, user_id: &str, role: Option<&str>) -> bool {
        self.admin_user_ids.iter().any(|id| id == user_id)
            || crate::access::role_list(
                role.filter(|r| !r.is_empty()).unwrap_or(&self.default_role),
            )
            .iter()
            .any(|r| self.admin_roles.contains(r))
    }
}

/// The name a key's value is reported under: its variable when that is set, else the table key.
fn reported(
    src: &portcullis_core::config::TableSource<'_>,
    key: &str,
    var: &str,
) -> Result<String, ConfigError> {
    Ok(src
        .get(key, Some(var))?
        .map_or_else(|| src.var(key), |(v, _)| v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(
        pairs: &[(&str, &str)],
        two_factor: bool,
    ) -> Result<Option<AdminSettings>, ConfigError> {
        AdminSettings::load(&crate::tests::config_of(pairs)?, two_factor)
    }

    fn ask(v: serde_json::Value) -> crate::access::Request {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn off_unless_enabled_with_better_auth_defaults() {
        assert_eq!(load(&[], false).expect("load"), None);
        let s = load(&[("ENABLE_ADMIN", "true")], false)
            .expect("load")
            .expect("on");
        assert_eq!(s.default_role, "user");
        assert_eq!(s.admin_roles, ["admin"]);
        assert_eq!(s.impersonation_lifetime, 3600);
        assert_eq!(s.banned_user_message, BANNED_USER_MESSAGE);
        assert!(!s.roles_configured && s.step_up.is_none());
        assert!(s.allows("u1", Some("admin"), &ask(json!({"user": ["ban"]}))));
        assert!(!s.allows(
            "u1",
            Some("admin"),
            &ask(json!({"user": ["impersonate-admins"]}))
        ));
        assert!(!s.allows("u1", None, &ask(json!({"user": ["list"]}))));
        assert!(s.allows(
            "u1",
            Some("user,admin"),
            &ask(json!({"session": ["revoke"]}))
        ));
        assert!(s.is_admin("u1", Some("user,admin")) && !s.is_admin("u1", Some("user")));
    }

    #[test]
    fn admin_ids_roles_and_step_up_are_checked() {
        let s = load(
            &[("ENABLE_ADMIN", "true"), ("ADMIN_USER_IDS", "root-id")],
            false,
        )
        .expect("load")
        .expect("on");
        assert!(s.allows(
            "root-id",
            Some("user"),
            &ask(json!({"user": ["impersonate-admins"]}))
        ));
        assert!(s.is_admin("root-id", None));
        let e = load(
            &[
                ("ENABLE_ADMIN", "true"),
                ("ADMIN_ROLES", "admin,superadmin"),
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(e.var, "ADMIN_ROLES");
        let e = load(
            &[("ENABLE_ADMIN", "true"), ("ADMIN_STEP_UP", "true")],
            false,
        )
        .unwrap_err();
        assert_eq!(e.var, "ADMIN_STEP_UP");
        let s = load(&[("ENABLE_ADMIN", "true"), ("ADMIN_STEP_UP", "true")], true)
            .expect("load")
            .expect("on");
        assert_eq!(s.step_up, Some(StepUp { fresh_age: 900 }));
        let e = load(
            &[
                ("ENABLE_ADMIN", "true"),
                ("ADMIN_IMPERSONATION_SESSION_DURATION", "5"),
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(e.var, "ADMIN_IMPERSONATION_SESSION_DURATION");
    }
}
