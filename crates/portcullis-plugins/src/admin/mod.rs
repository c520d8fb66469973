//! `admin`: user management for administrators, as Better Auth's `admin` plugin.
//!
//! - Fields: `user.role` (comma-joined roles), `user.banned`, `user.banReason`,
//!   `user.banExpires`, and `session.impersonatedBy`.
//! - Endpoints under `/admin/*` (`endpoints.rs`): create, list, get, update and remove users,
//!   set roles and passwords, ban and unban, list and revoke a user's sessions, impersonate
//!   and stop, and has-permission. Each checks the caller's roles against the access-control
//!   statements (`settings.rs`, shared model in `crate::access`).
//! - Hooks: a banned user gets no session on any path (`hold_session`, before two-factor's
//!   challenge); a new user gets the default role (`prepare_user`); `/list-sessions` hides the
//!   impersonation sessions an administrator opened (`after`).
//! - Step-up (`ADMIN_STEP_UP`, on with `SECURITY_PRESET=strict`): admin endpoints need a fresh
//!   session of an administrator with two-factor on, and impersonation and set-user-password
//!   need their password or authenticator code again (ASVS 4.3.1, 4.3.3).
//! - `console/`: the admin console at `/admin` (a gated page, its sections, and the endpoints
//!   behind them under `/admin/console/*`), the runtime plugin switches (`/admin/plugins`,
//!   the `pluginSwitch` table) and the stored brand (`consoleBrand`), which every instance
//!   reads every 2 seconds.
//! - `cli.rs`: `portcullis user create|set-role|ban|list`, so the first administrator needs no SQL.
//!
//! Settings: `ENABLE_ADMIN` (off by default) and the `ADMIN_*` variables (README).

pub mod cli;
pub(crate) mod console;
mod endpoints;
mod settings;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Body, Endpoint};
use portcullis_core::error::ErrorCode;
use portcullis_core::issue::PendingSession;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::Messages;
use portcullis_core::{ApiError, AuthContext, Plugin};
use portcullis_storage::{Field, FieldType, Row, Table, Value, Where};

pub(crate) use endpoints::operator;
pub use settings::{AdminSettings, BANNED_USER_MESSAGE, StepUp, default_access};

portcullis_core::error_codes! {
    FAILED_TO_CREATE_USER => "Failed to create user",
    USER_ALREADY_EXISTS => "User already exists.",
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL => "User already exists. Use another email.",
    YOU_CANNOT_BAN_YOURSELF => "You cannot ban yourself",
    YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE => "You are not allowed to change users role",
    YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS => "You are not allowed to create users",
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS => "You are not allowed to list users",
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS => "You are not allowed to list users sessions",
    YOU_ARE_NOT_ALLOWED_TO_BAN_USERS => "You are not allowed to ban users",
    YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS => "You are not allowed to impersonate users",
    YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS => "You are not allowed to revoke users sessions",
    YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS => "You are not allowed to delete users",
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD => "You are not allowed to set users password",
    BANNED_USER => "You have been banned from this application",
    YOU_ARE_NOT_ALLOWED_TO_GET_USER => "You are not allowed to get user",
    NO_DATA_TO_UPDATE => "No data to update",
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS => "You are not allowed to update users",
    YOU_CANNOT_REMOVE_YOURSELF => "You cannot remove yourself",
    YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE => "You are not allowed to set a non-existent role value",
    YOU_CANNOT_IMPERSONATE_ADMINS => "You cannot impersonate admins",
    INVALID_ROLE_TYPE => "Invalid role type",
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL => "You are not allowed to update users email",
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER => "You are not allowed to update users phone number",
    PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER => "Password cannot be updated through update-user. Use the set-user-password endpoint instead",
    USER_ID_CANNOT_BE_UPDATED => "User id cannot be updated",
    // Portcullis's own: a role granting more than its giver holds, and step-up.
    YOU_CANNOT_GRANT_A_ROLE_ABOVE_YOUR_OWN => "You cannot give a role that can do more than yours",
    ADMIN_TWO_FACTOR_REQUIRED => "Administrators must turn on two-factor authentication and sign in with it",
    ADMIN_REAUTHENTICATION_REQUIRED => "Confirm this action with your password or a code from your authenticator app",
    YOU_ARE_NOT_ALLOWED_TO_READ_INTEGRATIONS => "You are not allowed to see how mail, text messages and sign-in providers are set up",
    YOU_ARE_NOT_ALLOWED_TO_SWITCH_PLUGINS => "You are not allowed to see or switch plugins",
    PLUGIN_NOT_FOUND => "No plugin with this id is registered",
    PLUGIN_CANNOT_BE_SWITCHED => "This plugin is set by configuration only: turning it off while the server runs could let someone in on less or lose records",
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_BRANDING => "You are not allowed to change the server's branding",
}

const ALL_CODES: &[ErrorCode] = &[
    FAILED_TO_CREATE_USER,
    USER_ALREADY_EXISTS,
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL,
    YOU_CANNOT_BAN_YOURSELF,
    YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE,
    YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS,
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS,
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS,
    YOU_ARE_NOT_ALLOWED_TO_BAN_USERS,
    YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS,
    YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS,
    YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS,
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD,
    BANNED_USER,
    YOU_ARE_NOT_ALLOWED_TO_GET_USER,
    NO_DATA_TO_UPDATE,
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS,
    YOU_CANNOT_REMOVE_YOURSELF,
    YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE,
    YOU_CANNOT_IMPERSONATE_ADMINS,
    INVALID_ROLE_TYPE,
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL,
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER,
    PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER,
    USER_ID_CANNOT_BE_UPDATED,
    YOU_CANNOT_GRANT_A_ROLE_ABOVE_YOUR_OWN,
    ADMIN_TWO_FACTOR_REQUIRED,
    ADMIN_REAUTHENTICATION_REQUIRED,
    YOU_ARE_NOT_ALLOWED_TO_READ_INTEGRATIONS,
    YOU_ARE_NOT_ALLOWED_TO_SWITCH_PLUGINS,
    PLUGIN_NOT_FOUND,
    PLUGIN_CANNOT_BE_SWITCHED,
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_BRANDING,
];

pub struct Admin {
    settings: AdminSettings,
}

impl Admin {
    pub fn new(settings: AdminSettings) -> Self {
        Admin { settings }
    }

    pub fn settings(&self) -> &AdminSettings {
        &self.settings
    }
}

/// The registered plugin's settings (handlers are plain functions, registered only with it).
fn settings(ctx: &AuthContext) -> &AdminSettings {
    match ctx.plugin::<Admin>() {
        Some(p) => &p.settings,
        None => unreachable!("admin handlers run only with the admin plugin registered"),
    }
}

/// A ban in force on `user` at `now`: `Some(false)` when it has run out (and should be lifted).
fn ban_state(user: &Row, now: DateTime<Utc>) -> Option<bool> {
    if user.get("banned").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    Some(
        user.get("banExpires")
            .and_then(Value::as_date)
            .is_none_or(|until| until >= now),
    )
}

/// Whether a ban is in force on `user` now (for other ways in, such as the OpenID provider's
/// token endpoint, that never issue a session).
pub(crate) fn is_banned(user: &Row, now: DateTime<Utc>) -> bool {
    ban_state(user, now) == Some(true)
}

/// The fields that lift a ban.
fn unbanned() -> Row {
    let mut set = Row::new();
    set.insert("banned".into(), false.into());
    set.insert("banReason".into(), Value::Null);
    set.insert("banExpires".into(), Value::Null);
    set
}

/// Better Auth's refusal of a banned user's session: 403 with the configured message.
fn banned_error(s: &AdminSettings) -> ApiError {
    ApiError::with_message(403, BANNED_USER, s.banned_user_message.clone())
}

#[async_trait]
impl Plugin for Admin {
    fn id(&self) -> &'static str {
        "admin"
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        vec![
            Table::new(
                "user",
                vec![
                    Field::new("role", FieldType::String).no_input(),
                    Field::new("banned", FieldType::Boolean)
                        .default(false)
                        .no_input(),
                    Field::new("banReason", FieldType::String).no_input(),
                    Field::new("banExpires", FieldType::Date).no_input(),
                ],
            ),
            Table::new(
                "session",
                vec![Field::new("impersonatedBy", FieldType::String).no_input()],
            ),
        ]
        .into_iter()
        .chain(console::tables())
        .collect()
    }

    fn migrations(&self) -> Vec<portcullis_storage::Migration> {
        console::migrations()
    }

    fn jobs(&self) -> Vec<portcullis_core::plugin_parts::Job> {
        vec![console::settings_job(), console::counts_job()]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL_CODES
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let mut all = endpoints::all();
        all.extend(console::endpoints());
        all
    }

    fn templates(&self) -> Vec<portcullis_core::plugin_parts::TemplateSource> {
        console::templates()
    }

    fn sends(&self) -> Vec<portcullis_core::plugin_parts::Sends> {
        console::sends()
    }

    fn pages(&self) -> Vec<portcullis_core::plugin_parts::Page> {
        vec![console::page()]
    }

    /// An operator's own ban message (`ADMIN_BANNED_USER_MESSAGE`) is shown as they wrote it:
    /// the pages' scripts say the server's words for the codes listed here instead of their
    /// catalog's.
    fn page_globals(&self) -> serde_json::Value {
        if self.settings.banned_user_message == BANNED_USER_MESSAGE {
            return serde_json::Value::Null;
        }
        serde_json::json!({"operator_error_codes": [BANNED_USER.code]})
    }

    fn fragments(&self) -> Vec<portcullis_core::plugin_parts::Fragment> {
        console::fragments()
    }

    fn assets(&self) -> Vec<portcullis_core::plugin_parts::Asset> {
        console::assets()
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            after: HookScope::Paths(&["/list-sessions"]),
            issue: true,
            ..Hooks::default()
        }
    }

    /// A banned user gets no session, whichever way they signed in; a ban that has run out
    /// is lifted instead.
    async fn hold_session(
        &self,
        ctx: &AuthContext,
        _req: &AuthRequest,
        pending: &PendingSession<'_>,
    ) -> Result<Option<AuthResponse>, ApiError> {
        match ban_state(pending.user, ctx.now()) {
            None => Ok(None),
            Some(true) => Err(banned_error(&self.settings)),
            Some(false) => {
                // Through the issuing writes' store: the sign-in may hold a transaction. A
                // cached copy of the user still saying `banned` reads as run out all the same.
                let mut set = unbanned();
                set.insert("updatedAt".into(), ctx.now().into());
                pending
                    .store
                    .update("user", &[Where::eq("id", pending.user_id())], set)
                    .await?;
                Ok(None)
            }
        }
    }

    /// A new user gets the default role unless the request set one (admin create-user).
    fn prepare_user(&self, _ctx: &AuthContext, _req: &AuthRequest, user: &mut Row) {
        let has_role = user
            .get("role")
            .and_then(Value::as_str)
            .is_some_and(|r| !r.is_empty());
        if !has_role {
            user.insert("role".into(), self.settings.default_role.clone().into());
        }
    }

    /// The user's own session list leaves out sessions an administrator opened as them.
    async fn after(&self, _ctx: &AuthContext, _req: &AuthRequest, res: &mut AuthResponse) {
        if res.status != 200 {
            return;
        }
        if let Body::Json(serde_json::Value::Array(sessions)) = &mut res.body {
            sessions.retain(|s| {
                s.get("impersonatedBy")
                    .is_none_or(|by| by.is_null() || by.as_str() == Some(""))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bans_run_out() {
        let now = Utc::now();
        let mut user = Row::new();
        assert_eq!(ban_state(&user, now), None);
        user.insert("banned".into(), true.into());
        assert_eq!(ban_state(&user, now), Some(true), "no expiry: for ever");
        user.insert(
            "banExpires".into(),
            (now + chrono::Duration::hours(1)).into(),
        );
        assert_eq!(ban_state(&user, now), Some(true));
        user.insert(
            "banExpires".into(),
            (now - chrono::Duration::seconds(1)).into(),
        );
        assert_eq!(ban_state(&user, now), Some(false));
        user.insert("banned".into(), false.into());
        assert_eq!(ban_state(&user, now), None);
    }
}
