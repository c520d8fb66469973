//! `portcullis user …`: managing users from the command line, so that the first administrator
//! needs no SQL. Each command works on the database the configuration names, through the same
//! checks and writes as the admin endpoints (password rules, the role list, ending a banned
//! user's sessions).

use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::session::Sessions;
use portcullis_core::{ApiError, AuthContext, users};
use portcullis_storage::{Query, Row, SortDirection, Value};

use super::{Admin, unbanned};

#[derive(Debug, thiserror::Error)]
pub enum UserCommandError {
    #[error("no user has the email {0}")]
    NoSuchUser(String),
    #[error("a user with the email {0} exists already")]
    Exists(String),
    #[error("`{0}` is not an email address")]
    BadEmail(String),
    #[error("role `{role}` is not defined; roles: {known}")]
    UnknownRole { role: String, known: String },
    #[error("roles need the admin plugin: set ENABLE_ADMIN=true")]
    AdminOff,
    #[error("{0}")]
    Refused(String),
}

impl From<ApiError> for UserCommandError {
    fn from(e: ApiError) -> Self {
        let what = e
            .message
            .as_deref()
            .or(e.code.as_deref())
            .unwrap_or("the database refused the change")
            .to_owned();
        UserCommandError::Refused(what)
    }
}

impl From<portcullis_storage::StorageError> for UserCommandError {
    fn from(e: portcullis_storage::StorageError) -> Self {
        UserCommandError::Refused(e.to_string())
    }
}

/// One user as `user list` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserLine {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub banned: bool,
}

impl UserLine {
    fn of(row: &Row) -> Self {
        let text = |k: &str| {
            row.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        UserLine {
            id: text("id"),
            email: text("email"),
            name: text("name"),
            role: text("role"),
            banned: row.get("banned").and_then(Value::as_bool) == Some(true),
        }
    }
}

fn checked_role(ctx: &AuthContext, role: &str) -> Result<String, UserCommandError> {
    let admin = ctx.plugin::<Admin>().ok_or(UserCommandError::AdminOff)?;
    let roles = crate::access::role_list(role);
    let known = &admin.settings.access.roles;
    if let Some(unknown) = roles.iter().find(|r| !known.contains_key(*r)) {
        return Err(UserCommandError::UnknownRole {
            role: unknown.clone(),
            known: known.keys().cloned().collect::<Vec<_>>().join(", "),
        });
    }
    Ok(roles.join(","))
}

async fn user_by_email(ctx: &AuthContext, email: &str) -> Result<Row, UserCommandError> {
    users::find_user_by_email(ctx, &users::normalize_email(email))
        .await?
        .ok_or_else(|| UserCommandError::NoSuchUser(email.to_owned()))
}

fn id_of(user: &Row) -> String {
    user.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// An operator's command on `user_id`: no actor, `details.via` says it was the command line.
fn operator(action: &'static str, user_id: &str) -> AuditEvent {
    AuditEvent::new(action)
        .target_user(user_id)
        .detail("via", "cli")
}

/// `user create`: a user with a password, and a role when one is given, in one transaction.
pub async fn create_user(
    ctx: &AuthContext,
    email: &str,
    name: &str,
    password: &str,
    role: Option<&str>,
) -> Result<UserLine, UserCommandError> {
    let email = users::normalize_email(email);
    if !portcullis_core::validate::is_email(&email) {
        return Err(UserCommandError::BadEmail(email));
    }
    let role = role.map(|r| checked_role(ctx, r)).transpose()?;
    users::check_password_length(ctx, password)?;
    if users::find_user_by_email(ctx, &email).await?.is_some() {
        return Err(UserCommandError::Exists(email));
    }
    users::refuse_breached_password(ctx, password).await?;
    let hash = ctx
        .hasher
        .hash(password)
        .await
        .map_err(|e| UserCommandError::Refused(e.to_string()))?;
    let mut row = users::new_user_row(ctx, name, &email, None, &serde_json::Map::new())?;
    // Made by the operator, who vouches for the address.
    row.insert("emailVerified".into(), true.into());
    if let Some(role) = role {
        row.insert("role".into(), role.into());
    }
    let req = portcullis_core::endpoint::AuthRequest::default();
    users::prepare_user(ctx, &req, &mut row);
    let tx = ctx.begin().await?;
    let user = tx.create("user", row).await?;
    tx.create(
        "account",
        users::credential_account_row(ctx, &id_of(&user), hash),
    )
    .await?;
    let e = operator("admin.create_user", &id_of(&user)).detail(
        "role",
        user.get("role").and_then(Value::as_str).unwrap_or_default(),
    );
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    Ok(UserLine::of(&user))
}

/// `user set-role`.
pub async fn set_role(
    ctx: &AuthContext,
    email: &str,
    role: &str,
) -> Result<UserLine, UserCommandError> {
    let role = checked_role(ctx, role)?;
    let user = user_by_email(ctx, email).await?;
    let mut set = Row::new();
    set.insert("role".into(), role.clone().into());
    let mut w = audit::writes(ctx).await?;
    let updated = w
        .update_user(&id_of(&user), set)
        .await?
        .ok_or_else(|| UserCommandError::NoSuchUser(email.to_owned()))?;
    let e = operator("admin.set_role", &id_of(&user)).detail("role", role);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(UserLine::of(&updated))
}

/// `user ban`: banned until unbanned, with every session ended in the same transaction.
pub async fn ban(
    ctx: &AuthContext,
    email: &str,
    reason: Option<&str>,
) -> Result<UserLine, UserCommandError> {
    let admin = ctx.plugin::<Admin>().ok_or(UserCommandError::AdminOff)?;
    let user = user_by_email(ctx, email).await?;
    let id = id_of(&user);
    let mut set = unbanned();
    set.insert("banned".into(), true.into());
    set.insert(
        "banReason".into(),
        reason.unwrap_or(&admin.settings.default_ban_reason).into(),
    );
    let mut tx = ctx.begin().await?;
    let updated = tx
        .update_user(&id, set)
        .await?
        .ok_or_else(|| UserCommandError::NoSuchUser(email.to_owned()))?;
    tx.delete_sessions(Sessions::All { user_id: &id }).await?;
    let e = operator("admin.ban_user", &id)
        .severity(audit::Severity::Warning)
        .detail(
            "reason",
            reason.unwrap_or(&admin.settings.default_ban_reason),
        );
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    Ok(UserLine::of(&updated))
}

/// `user list`: every user, oldest first.
pub async fn list(ctx: &AuthContext) -> Result<Vec<UserLine>, UserCommandError> {
    let rows = ctx
        .adapter
        .find_many(
            "user",
            &Query::default().sort("createdAt", SortDirection::Asc),
        )
        .await?;
    Ok(rows.iter().map(UserLine::of).collect())
}
