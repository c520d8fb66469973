//! The `/admin/*` endpoints, with Better Auth's paths, bodies, answers and error codes.
//!
//! Every endpoint but has-permission starts from [`admin`]: the caller's session checked in
//! the database (never the cookie cache; none is an empty 401, as Better Auth answers), the
//! permission the endpoint needs, and the step-up when it is on.

use http::Method;
use portcullis_core::audit::{self, AuditEvent, Severity};
use portcullis_core::crypto::sign;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::{ErrorCode, codes};
use portcullis_core::openapi::schema;
use portcullis_core::session::{self, Lookup, NewSession, SessionWithUser};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, users};
use portcullis_storage::{FieldType, Query, Row, SortDirection, Value as Cell, Where, WhereOp};
use serde_json::{Map, Value, json};

use super::{
    ADMIN_REAUTHENTICATION_REQUIRED, ADMIN_TWO_FACTOR_REQUIRED, AdminSettings, INVALID_ROLE_TYPE,
    NO_DATA_TO_UPDATE, PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER,
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL, USER_ID_CANNOT_BE_UPDATED,
    YOU_ARE_NOT_ALLOWED_TO_BAN_USERS, YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE,
    YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS, YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS,
    YOU_ARE_NOT_ALLOWED_TO_GET_USER, YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS,
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS, YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS,
    YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS, YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE,
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL, YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD,
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER, YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS,
    YOU_CANNOT_BAN_YOURSELF, YOU_CANNOT_GRANT_A_ROLE_ABOVE_YOUR_OWN, YOU_CANNOT_IMPERSONATE_ADMINS,
    YOU_CANNOT_REMOVE_YOURSELF, ban_state, banned_error, settings, unbanned,
};
use crate::access::{self, Request};

/// The cookie that keeps the administrator's own session while they impersonate someone:
/// `<admin session token>:<"true" when it was a don't-remember session, else "">`, signed.
const ADMIN_SESSION_COOKIE: &str = "admin_session";

const USER_ID: FieldSpec = FieldSpec::req("userId", Ty::Coerced, "The user's id");
const SEARCH_FIELDS: &[&str] = &["email", "name"];
const SEARCH_OPERATORS: &[&str] = &["contains", "starts_with", "ends_with"];
const FILTER_OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "contains",
    "starts_with",
    "ends_with",
];

fn user_answer() -> Value {
    schema::object(json!({"user": schema::user()}))
}

pub fn all() -> Vec<Endpoint> {
    let post = |path, op, h| Endpoint::new(Method::POST, path, op, h).tag("Admin");
    vec![
        post("/admin/set-role", "setUserRole", portcullis_core::handler!(set_role))
            .summary("Set a user's role", "Sets one role, or several (a list, stored comma-joined). Needs `user:set-role`.")
            .body(BodySpec::object(vec![
                USER_ID,
                FieldSpec::req("role", Ty::Any, "A role, or a list of roles"),
            ]))
            .returns(user_answer()),
        Endpoint::new(Method::GET, "/admin/get-user", "getUser", portcullis_core::handler!(get_user))
            .tag("Admin")
            .summary("Get a user", "Needs `user:get`.")
            .query(&[("id", "The user's id")])
            .returns(schema::user()),
        post("/admin/create-user", "createUser", portcullis_core::handler!(create_user))
            .summary("Create a user", "Without `password`, the user has no password to sign in with (magic link or social only). Needs `user:create`, and `user:set-role` to set a role.")
            .body(BodySpec::object(vec![
                FieldSpec::req("email", Ty::String, "The user's email"),
                FieldSpec::opt("password", Ty::String, "The user's password"),
                FieldSpec::req("name", Ty::String, "The user's name"),
                FieldSpec::opt("role", Ty::Any, "A role, or a list of roles"),
                FieldSpec::opt("data", Ty::Any, "More fields of the user, additional fields included"),
            ]))
            .returns(user_answer()),
        post("/admin/update-user", "adminUpdateUser", portcullis_core::handler!(update_user))
            .summary("Update a user", "Sets the fields in `data`. Roles need `user:set-role`, bans `user:ban`, the email `user:set-email`, the phone number `user:set-phone`; a password is set with set-user-password.")
            .body(BodySpec::object(vec![
                USER_ID,
                FieldSpec::req("data", Ty::Any, "The fields to set"),
            ]))
            .returns(schema::user()),
        Endpoint::new(Method::GET, "/admin/list-users", "listUsers", portcullis_core::handler!(list_users))
            .tag("Admin")
            .summary("List users", "Searches, filters, sorts and pages the users. Needs `user:list`.")
            .query(&[
                ("searchValue", "Text to search for"),
                ("searchField", "`email` (default) or `name`"),
                ("searchOperator", "`contains` (default), `starts_with` or `ends_with`"),
                ("limit", "How many users"),
                ("offset", "How many to skip"),
                ("sortBy", "A user field to sort by"),
                ("sortDirection", "`asc` (default) or `desc`"),
                ("filterField", "A user field to filter on (default `email`)"),
                ("filterValue", "The value it must have"),
                ("filterOperator", "eq (default), ne, lt, lte, gt, gte, in, contains, starts_with, ends_with"),
            ])
            .returns(schema::object_with(json!({
                "users": schema::array(schema::user()),
                "total": {"type": "number"},
                "limit": {"type": "number"},
                "offset": {"type": "number"},
            }), &["users", "total"])),
        post("/admin/list-user-sessions", "adminListUserSessions", portcullis_core::handler!(list_user_sessions))
            .summary("List a user's sessions", "Needs `session:list`.")
            .body(BodySpec::object(vec![USER_ID]))
            .returns(schema::object(json!({"sessions": schema::array(schema::session())}))),
        post("/admin/unban-user", "unbanUser", portcullis_core::handler!(unban_user))
            .summary("Unban a user", "Needs `user:ban`.")
            .body(BodySpec::object(vec![USER_ID]))
            .returns(user_answer()),
        post("/admin/ban-user", "banUser", portcullis_core::handler!(ban_user))
            .summary("Ban a user", "Ends the user's sessions; until the ban is lifted or runs out, no sign-in gives one. Needs `user:ban`.")
            .body(BodySpec::object(vec![
                USER_ID,
                FieldSpec::opt("banReason", Ty::String, "Why"),
                FieldSpec::opt("banExpiresIn", Ty::Number, "Seconds until the ban runs out; without it, it lasts"),
            ]))
            .returns(user_answer()),
        post("/admin/impersonate-user", "impersonateUser", portcullis_core::handler!(impersonate_user))
            .summary("Impersonate a user", "Signs this browser in as the user for an hour, keeping the administrator's session aside (stop-impersonating restores it). Needs `user:impersonate`, and `user:impersonate-admins` for an administrator. With step-up on, `password` or `code` confirms it.")
            .body(BodySpec::object(vec![
                USER_ID,
                FieldSpec::opt("password", Ty::String, "Step-up: the administrator's password"),
                FieldSpec::opt("code", Ty::String, "Step-up: a code from the administrator's authenticator app"),
            ]))
            .returns(schema::object(json!({"session": schema::session(), "user": schema::user()}))),
        post("/admin/stop-impersonating", "stopImpersonating", portcullis_core::handler!(stop_impersonating))
            .summary("Stop impersonating", "Ends the impersonation session and restores the administrator's own.")
            .body(BodySpec::optional(vec![]))
            .returns(schema::object(json!({"session": schema::session(), "user": schema::user()}))),
        post("/admin/revoke-user-session", "revokeUserSession", portcullis_core::handler!(revoke_user_session))
            .summary("Revoke a session", "By its token as list-user-sessions gives it. Needs `session:revoke`.")
            .body(BodySpec::object(vec![FieldSpec::req("sessionToken", Ty::String, "The session's token")]))
            .returns(schema::success()),
        post("/admin/revoke-user-sessions", "revokeUserSessions", portcullis_core::handler!(revoke_user_sessions))
            .summary("Revoke all of a user's sessions", "Needs `session:revoke`.")
            .body(BodySpec::object(vec![USER_ID]))
            .returns(schema::success()),
        post("/admin/remove-user", "removeUser", portcullis_core::handler!(remove_user))
            .summary("Delete a user", "With their sessions and accounts. Needs `user:delete`.")
            .body(BodySpec::object(vec![USER_ID]))
            .returns(schema::success()),
        post("/admin/set-user-password", "setUserPassword", portcullis_core::handler!(set_user_password))
            .summary("Set a user's password", "Needs `user:set-password`. With step-up on, `password` or `code` confirms it.")
            .body(BodySpec::object(vec![
                FieldSpec::req("newPassword", Ty::String, "The new password"),
                USER_ID,
                FieldSpec::opt("password", Ty::String, "Step-up: the administrator's password"),
                FieldSpec::opt("code", Ty::String, "Step-up: a code from the administrator's authenticator app"),
            ]))
            .returns(schema::status()),
        post("/admin/has-permission", "userHasPermission", portcullis_core::handler!(has_permission))
            .summary("Check permissions", "Whether the signed-in user's roles allow `permissions` (resource → actions).")
            .body(BodySpec::object(vec![
                FieldSpec::opt("userId", Ty::Coerced, "Another user to check (server calls)"),
                FieldSpec::opt("role", Ty::String, "A role to check (server calls)"),
                FieldSpec::opt("permission", Ty::Any, "Resource → actions"),
                FieldSpec::opt("permissions", Ty::Any, "Resource → actions"),
            ]))
            .returns(schema::object(json!({
                "error": {"type": ["string", "null"]},
                "success": {"type": "boolean"},
            }))),
    ]
}

// --- who is asking ---------------------------------------------------------------------------

/// The caller's session, checked in the database rather than the cookie cache (a revoked role
/// must not linger): an empty 401 without one, as Better Auth answers.
async fn caller(ctx: &AuthContext, req: &AuthRequest) -> Result<SessionWithUser, ApiError> {
    if let Some(s) = &req.session {
        return Ok(s.clone());
    }
    match session::lookup(ctx, req, false).await? {
        Lookup::Found(s) => Ok(s),
        Lookup::Absent | Lookup::Gone => Err(ApiError::empty(401)),
    }
}

fn role_of(user: &Row) -> Option<&str> {
    user.get("role").and_then(Cell::as_str)
}

fn permission(resource: &str, action: &str) -> Request {
    let mut ask = Map::new();
    ask.insert(resource.to_owned(), json!([action]));
    ask
}

pub(super) fn may(s: &AdminSettings, me: &SessionWithUser, resource: &str, action: &str) -> bool {
    s.allows(
        me.user_id(),
        role_of(&me.user),
        &permission(resource, action),
    )
}

/// The caller, allowed `resource:action` (else 403 with `refusal`) and stepped up when that is
/// required.
pub(super) async fn admin(
    ctx: &AuthContext,
    req: &AuthRequest,
    resource: &str,
    action: &str,
    refusal: ErrorCode,
) -> Result<SessionWithUser, ApiError> {
    let me = caller(ctx, req).await?;
    let s = settings(ctx);
    if !may(s, &me, resource, action) {
        return Err(ApiError::new(403, refusal));
    }
    stepped_up(ctx, s, &me)?;
    Ok(me)
}

/// The caller, if they may do `resource:action` of a Portcullis plugin that Better Auth's
/// statements do not know (`audit:list`, `webhook:manage`): granted by a custom access
/// control, or under Better Auth's default one (which has no such statement) to any
/// administrator; stepped up when that is required.
pub(crate) async fn operator(
    ctx: &AuthContext,
    req: &AuthRequest,
    resource: &str,
    action: &str,
    refusal: ErrorCode,
) -> Result<SessionWithUser, ApiError> {
    let me = caller(ctx, req).await?;
    let s = settings(ctx);
    let allowed = may(s, &me, resource, action)
        || (!s.roles_configured && s.is_admin(me.user_id(), role_of(&me.user)));
    if !allowed {
        return Err(ApiError::new(403, refusal));
    }
    stepped_up(ctx, s, &me)?;
    Ok(me)
}

/// With step-up on: a second factor and a fresh session.
pub(super) fn stepped_up(
    ctx: &AuthContext,
    s: &AdminSettings,
    me: &SessionWithUser,
) -> Result<(), ApiError> {
    if let Some(step_up) = s.step_up {
        if !crate::two_factor::enabled_for(&me.user) {
            return Err(ApiError::new(403, ADMIN_TWO_FACTOR_REQUIRED));
        }
        let fresh = me
            .created_at()
            .is_some_and(|c| (ctx.now() - c).num_seconds() < step_up.fresh_age);
        if !fresh {
            return Err(ApiError::new(403, codes::SESSION_NOT_FRESH));
        }
    }
    Ok(())
}

/// With step-up on, the most sensitive actions need the administrator's password or a code
/// from their authenticator again (ASVS 4.3.3).
async fn reauthenticate(
    ctx: &AuthContext,
    req: &AuthRequest,
    me: &SessionWithUser,
) -> Result<(), ApiError> {
    if settings(ctx).step_up.is_none() {
        return Ok(());
    }
    if let Some(password) = req.str_field("password")
        && users::verify_user_password(ctx, me.user_id(), password).await? == Some(true)
    {
        return Ok(());
    }
    if let Some(code) = req.str_field("code")
        && crate::two_factor::confirm_totp(ctx, req, &me.user, code).await?
    {
        return Ok(());
    }
    Err(ApiError::new(403, ADMIN_REAUTHENTICATION_REQUIRED))
}

// --- reading the request ---------------------------------------------------------------------

/// A `z.coerce.string()` field as text (a number or a boolean is taken as its text).
fn coerced(req: &AuthRequest, name: &str) -> String {
    match req.field(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A role value as sent (a string or a list of strings), as its names: `None` when it is
/// neither.
fn role_names(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(r) => Some(vec![r.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// Roles being given: only roles the configured access control defines (when it was
/// configured, as Better Auth checks), and none that can do more than the giver's own.
fn check_grant(s: &AdminSettings, me: &SessionWithUser, roles: &[String]) -> Result<(), ApiError> {
    if s.roles_configured && roles.iter().any(|r| !s.access.roles.contains_key(r)) {
        return Err(ApiError::bad_request(
            YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE,
        ));
    }
    if s.admin_user_ids.iter().any(|id| id == me.user_id()) {
        return Ok(());
    }
    let mine = s.access.held(&access::role_list(
        role_of(&me.user).unwrap_or(&s.default_role),
    ));
    for role in roles {
        if let Some(grants) = s.access.roles.get(role)
            && !access::holds_all(&mine, grants)
        {
            return Err(ApiError::new(403, YOU_CANNOT_GRANT_A_ROLE_ABOVE_YOUR_OWN));
        }
    }
    Ok(())
}

pub(super) async fn existing_user(ctx: &AuthContext, id: &str) -> Result<Row, ApiError> {
    users::find_user(ctx, id)
        .await?
        .ok_or_else(|| ApiError::new(404, codes::USER_NOT_FOUND))
}

fn user_json(ctx: &AuthContext, user: &Row) -> Value {
    session::user_json(ctx, user)
}

/// `{user}`, the answer of most admin endpoints.
fn user_answer_of(ctx: &AuthContext, user: &Row) -> AuthResponse {
    AuthResponse::json(json!({"user": user_json(ctx, user)}))
}

/// Sets `set` on the user and records `event` with it, answering 404 when there is none.
async fn update(
    ctx: &AuthContext,
    user_id: &str,
    set: Row,
    event: AuditEvent,
) -> Result<Row, ApiError> {
    let mut w = audit::writes(ctx).await?;
    let user = w
        .update_user(user_id, set)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "admin update of a user failed");
            ApiError::internal()
        })?
        .ok_or_else(|| ApiError::new(404, codes::USER_NOT_FOUND))?;
    audit::record(ctx, w.store(), event).await?;
    w.commit().await?;
    Ok(user)
}

/// An administrator's action on `user_id`, as its audit event.
pub(super) fn event(
    req: &AuthRequest,
    me: &SessionWithUser,
    action: &'static str,
    user_id: &str,
) -> AuditEvent {
    AuditEvent::new(action)
        .from_request(req)
        .by(me)
        .target_user(user_id)
}

// --- users -----------------------------------------------------------------------------------

async fn set_role(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "user",
        "set-role",
        YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE,
    )
    .await?;
    let s = settings(ctx);
    let roles = req
        .field("role")
        .and_then(role_names)
        .ok_or_else(|| ApiError::validation("[body.role] Invalid input".into()))?;
    check_grant(s, &me, &roles)?;
    let user_id = coerced(req, "userId");
    existing_user(ctx, &user_id).await?;
    let mut set = Row::new();
    set.insert("role".into(), roles.join(",").into());
    let e = event(req, &me, "admin.set_role", &user_id).detail("role", roles.join(","));
    let user = update(ctx, &user_id, set, e).await?;
    Ok(user_answer_of(ctx, &user))
}

async fn get_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let Some(id) = req.query_param("id") else {
        return Err(ApiError::validation(
            "[query.id] Invalid input: expected string, received undefined".into(),
        ));
    };
    admin(ctx, req, "user", "get", YOU_ARE_NOT_ALLOWED_TO_GET_USER).await?;
    let user = existing_user(ctx, id).await?;
    Ok(AuthResponse::json(user_json(ctx, &user)))
}

async fn create_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "user",
        "create",
        YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS,
    )
    .await?;
    let s = settings(ctx);
    let mut data = match req.field("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(d)) => d.clone(),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "[body.data] Invalid input: expected record, received {}",
                portcullis_core::validate::received(Some(other))
            )));
        }
    };
    let data_role = data.remove("role");
    let requested = req.field("role").or(data_role.as_ref());
    let roles = match requested {
        None => None,
        Some(v) => {
            if !may(s, &me, "user", "set-role") {
                return Err(ApiError::new(403, YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE));
            }
            let roles = role_names(v).ok_or_else(|| ApiError::bad_request(INVALID_ROLE_TYPE))?;
            check_grant(s, &me, &roles)?;
            Some(roles)
        }
    };
    if ["banned", "banReason", "banExpires"]
        .iter()
        .any(|k| data.contains_key(*k))
        && !may(s, &me, "user", "ban")
    {
        return Err(ApiError::new(403, YOU_ARE_NOT_ALLOWED_TO_BAN_USERS));
    }
    let email = users::normalize_email(req.str_field("email").unwrap_or_default());
    if !portcullis_core::validate::is_email(&email) {
        return Err(ApiError::bad_request(codes::INVALID_EMAIL));
    }
    let password = req.str_field("password").filter(|p| !p.is_empty());
    if let Some(p) = password {
        users::check_password_length(ctx, p)?;
    }
    if users::find_user_by_email(ctx, &email).await?.is_some() {
        return Err(ApiError::bad_request(USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL));
    }
    if let Some(p) = password {
        users::refuse_breached_password(ctx, p).await?;
    }
    let hash = match password {
        Some(p) => Some(ctx.hasher.hash(p).await.map_err(|_| ApiError::internal())?),
        None => None,
    };
    let name = req.str_field("name").unwrap_or_default();
    let mut row = users::new_user_row(ctx, name, &email, None, &Map::new())?;
    row.extend(users::admin_input(ctx.user_table(), &data)?);
    // The request's own fields win over `data`'s.
    row.insert("email".into(), email.clone().into());
    row.insert("name".into(), name.into());
    if let Some(roles) = roles {
        row.insert("role".into(), roles.join(",").into());
    }
    users::prepare_user(ctx, req, &mut row);
    let tx = ctx.begin().await?;
    let user = tx.create("user", row).await.map_err(|e| {
        tracing::warn!(error = %e, "admin create-user failed");
        ApiError::new(500, super::FAILED_TO_CREATE_USER)
    })?;
    let user_id = user.get("id").and_then(Cell::as_str).unwrap_or_default();
    if let Some(hash) = hash {
        tx.create("account", users::credential_account_row(ctx, user_id, hash))
            .await?;
    }
    let role = user.get("role").and_then(Cell::as_str).unwrap_or_default();
    let e = event(req, &me, "admin.create_user", user_id).detail("role", role);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    ctx.metrics.registration("admin");
    Ok(user_answer_of(ctx, &user))
}

async fn update_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let data = match req.field("data") {
        Some(Value::Object(d)) => d.clone(),
        other => {
            return Err(ApiError::validation(format!(
                "[body.data] Invalid input: expected record, received {}",
                portcullis_core::validate::received(other)
            )));
        }
    };
    let me = admin(
        ctx,
        req,
        "user",
        "update",
        YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS,
    )
    .await?;
    let s = settings(ctx);
    let user_id = coerced(req, "userId");
    if data.is_empty() {
        return Err(ApiError::bad_request(NO_DATA_TO_UPDATE));
    }
    if data.contains_key("password") {
        return Err(ApiError::bad_request(
            PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER,
        ));
    }
    if data.contains_key("id") {
        return Err(ApiError::bad_request(USER_ID_CANNOT_BE_UPDATED));
    }
    let mut fields = data.clone();
    let role = fields.remove("role");
    let mut set = users::admin_input(ctx.user_table(), &fields)?;
    if let Some(v) = &role {
        if !may(s, &me, "user", "set-role") {
            return Err(ApiError::new(403, YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE));
        }
        let roles = role_names(v).ok_or_else(|| ApiError::bad_request(INVALID_ROLE_TYPE))?;
        check_grant(s, &me, &roles)?;
        set.insert("role".into(), roles.join(",").into());
    }
    let banning = data.get("banned") == Some(&Value::Bool(true));
    if ["banned", "banReason", "banExpires"]
        .iter()
        .any(|k| data.contains_key(*k))
    {
        if !may(s, &me, "user", "ban") {
            return Err(ApiError::new(403, YOU_ARE_NOT_ALLOWED_TO_BAN_USERS));
        }
        if banning && user_id == me.user_id() {
            return Err(ApiError::bad_request(YOU_CANNOT_BAN_YOURSELF));
        }
    }
    if data.contains_key("email") || data.contains_key("emailVerified") {
        if !may(s, &me, "user", "set-email") {
            return Err(ApiError::new(403, YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL));
        }
        if let Some(v) = data.get("email") {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let email = users::normalize_email(&text);
            if !portcullis_core::validate::is_email(&email) {
                return Err(ApiError::bad_request(codes::INVALID_EMAIL));
            }
            if let Some(other) = users::find_user_by_email(ctx, &email).await?
                && other.get("id").and_then(Cell::as_str) != Some(user_id.as_str())
            {
                return Err(ApiError::bad_request(USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL));
            }
            set.insert("email".into(), email.into());
        }
    }
    if (data.contains_key("phoneNumber") || data.contains_key("phoneNumberVerified"))
        && !may(s, &me, "user", "set-phone")
    {
        return Err(ApiError::new(
            403,
            YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER,
        ));
    }
    let before = existing_user(ctx, &user_id).await?;
    let mut tx = ctx.begin().await?;
    let user = tx
        .update_user(&user_id, set)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "admin update-user failed");
            ApiError::internal()
        })?
        .ok_or_else(|| ApiError::new(404, codes::USER_NOT_FOUND))?;
    if banning {
        tx.delete_sessions(session::Sessions::All { user_id: &user_id })
            .await?;
    }
    // Which fields changed, not their values (a name is not the log's to keep), but an
    // address, as for the user's own change: it decides who can take the account over.
    let fields: Vec<Value> = data.keys().map(|k| Value::from(k.as_str())).collect();
    let mut e = event(req, &me, "admin.update_user", &user_id).detail("fields", fields);
    let email = |u: &Row| {
        u.get("email")
            .and_then(Cell::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if email(&before) != email(&user) {
        e = e
            .detail("previousEmail", email(&before))
            .detail("newEmail", email(&user));
    }
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    Ok(AuthResponse::json(user_json(ctx, &user)))
}

/// A `list-users` query value that must be one of `options`: zod's enum message otherwise.
fn one_of<'a>(
    req: &'a AuthRequest,
    name: &str,
    options: &[&str],
) -> Result<Option<&'a str>, ApiError> {
    match req.query_param(name) {
        None => Ok(None),
        Some(v) if options.contains(&v) => Ok(Some(v)),
        Some(_) => {
            let expected: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
            Err(ApiError::validation(format!(
                "[query.{name}] Invalid option: expected one of {}",
                expected.join("|")
            )))
        }
    }
}

fn where_op(op: &str) -> WhereOp {
    match op {
        "ne" => WhereOp::Ne,
        "lt" => WhereOp::Lt,
        "lte" => WhereOp::Lte,
        "gt" => WhereOp::Gt,
        "gte" => WhereOp::Gte,
        "in" => WhereOp::In,
        "contains" => WhereOp::Contains,
        "starts_with" => WhereOp::StartsWith,
        "ends_with" => WhereOp::EndsWith,
        _ => WhereOp::Eq,
    }
}

/// A query value as the field's type: `None` when it cannot be one (no user matches it).
fn typed(ty: FieldType, text: &str) -> Option<Cell> {
    Some(match ty {
        FieldType::Boolean => Cell::Bool(text.parse().ok()?),
        FieldType::Number => Cell::Int(text.parse().ok()?),
        FieldType::Date => Cell::Date(
            chrono::DateTime::parse_from_rfc3339(text)
                .ok()?
                .with_timezone(&chrono::Utc),
        ),
        FieldType::String | FieldType::Json => Cell::String(text.to_owned()),
    })
}

/// Better Auth's `Number(x) || undefined`: a positive whole number, or nothing.
fn page_number(req: &AuthRequest, name: &str) -> Option<i64> {
    req.query_param(name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map(|n| n.trunc() as i64)
}

async fn list_users(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let search_field = one_of(req, "searchField", SEARCH_FIELDS)?.unwrap_or("email");
    let search_op = one_of(req, "searchOperator", SEARCH_OPERATORS)?.unwrap_or("contains");
    let direction = one_of(req, "sortDirection", &["asc", "desc"])?;
    let filter_op = one_of(req, "filterOperator", FILTER_OPERATORS)?.unwrap_or("eq");
    admin(ctx, req, "user", "list", YOU_ARE_NOT_ALLOWED_TO_LIST_USERS).await?;
    let table = ctx.user_table();
    let nothing = || AuthResponse::json(json!({"users": [], "total": 0}));
    let mut wheres = Vec::new();
    if let Some(v) = req.query_param("searchValue").filter(|v| !v.is_empty()) {
        wheres.push(Where::op(search_field, where_op(search_op), v));
    }
    if let Some(v) = req.query_param("filterValue") {
        let field = req.query_param("filterField").unwrap_or("email");
        // Better Auth answers an empty list when the database refuses the filter.
        let Some(ty) = table.field_type(field) else {
            return Ok(nothing());
        };
        let filter = if filter_op == "in" {
            let items: Option<Vec<Cell>> = req
                .query
                .iter()
                .filter(|(n, _)| n == "filterValue")
                .flat_map(|(_, v)| v.split(','))
                .map(|item| typed(ty, item.trim()))
                .collect();
            match items {
                Some(items) => Where::is_in(field, items),
                None => return Ok(nothing()),
            }
        } else {
            match typed(ty, v) {
                Some(value) => Where::op(field, where_op(filter_op), value),
                None => return Ok(nothing()),
            }
        };
        wheres.push(filter);
    }
    let limit = page_number(req, "limit");
    let offset = page_number(req, "offset");
    let mut query = Query::filter(wheres.clone());
    if let Some(field) = req.query_param("sortBy") {
        if table.field_type(field).is_none() {
            return Ok(nothing());
        }
        let dir = match direction {
            Some("desc") => SortDirection::Desc,
            _ => SortDirection::Asc,
        };
        query = query.sort(field, dir);
    }
    query.limit = limit;
    query.offset = offset;
    let rows = ctx.adapter.find_many("user", &query).await?;
    let total = ctx.adapter.count("user", &wheres).await?;
    let mut answer = json!({
        "users": rows.iter().map(|u| user_json(ctx, u)).collect::<Vec<_>>(),
        "total": total,
    });
    if let Some(l) = limit {
        answer["limit"] = l.into();
    }
    if let Some(o) = offset {
        answer["offset"] = o.into();
    }
    Ok(AuthResponse::json(answer).no_store())
}

// --- bans ------------------------------------------------------------------------------------

async fn ban_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(ctx, req, "user", "ban", YOU_ARE_NOT_ALLOWED_TO_BAN_USERS).await?;
    let s = settings(ctx);
    let user_id = coerced(req, "userId");
    existing_user(ctx, &user_id).await?;
    if user_id == me.user_id() {
        return Err(ApiError::bad_request(YOU_CANNOT_BAN_YOURSELF));
    }
    let reason = req
        .str_field("banReason")
        .filter(|r| !r.is_empty())
        .unwrap_or(&s.default_ban_reason);
    let expires_in = req
        .field("banExpiresIn")
        .and_then(Value::as_f64)
        .filter(|n| *n > 0.0)
        .map(|n| n as i64)
        .or(s.default_ban_expires_in);
    let mut set = Row::new();
    set.insert("banned".into(), true.into());
    set.insert("banReason".into(), reason.into());
    set.insert(
        "banExpires".into(),
        expires_in.map_or(Cell::Null, |secs| {
            Cell::Date(ctx.now() + chrono::Duration::seconds(secs))
        }),
    );
    // The ban and the end of the user's sessions land together.
    let mut tx = ctx.begin().await?;
    let user = tx
        .update_user(&user_id, set)
        .await
        .map_err(|_| ApiError::internal())?
        .ok_or_else(|| ApiError::new(404, codes::USER_NOT_FOUND))?;
    tx.delete_sessions(session::Sessions::All { user_id: &user_id })
        .await?;
    let e = event(req, &me, "admin.ban_user", &user_id)
        .severity(Severity::Warning)
        .detail("reason", reason)
        .detail("expiresIn", expires_in);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    Ok(user_answer_of(ctx, &user))
}

async fn unban_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(ctx, req, "user", "ban", YOU_ARE_NOT_ALLOWED_TO_BAN_USERS).await?;
    let user_id = coerced(req, "userId");
    existing_user(ctx, &user_id).await?;
    let e = event(req, &me, "admin.unban_user", &user_id);
    let user = update(ctx, &user_id, unbanned(), e).await?;
    Ok(user_answer_of(ctx, &user))
}

// --- impersonation ---------------------------------------------------------------------------

async fn impersonate_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "user",
        "impersonate",
        YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS,
    )
    .await?;
    let s = settings(ctx);
    let target_id = coerced(req, "userId");
    let target = existing_user(ctx, &target_id).await?;
    if s.is_admin(&target_id, role_of(&target))
        && !(s.allow_impersonating_admins || may(s, &me, "user", "impersonate-admins"))
    {
        return Err(ApiError::new(403, YOU_CANNOT_IMPERSONATE_ADMINS));
    }
    reauthenticate(ctx, req, &me).await?;
    match ban_state(&target, ctx.now()) {
        Some(true) => return Err(banned_error(s)),
        Some(false) => {
            let e = event(req, &me, "admin.unban_user", &target_id).detail("reason", "ban_expired");
            update(ctx, &target_id, unbanned(), e).await?;
        }
        None => {}
    }
    let mut fields = Row::new();
    fields.insert("impersonatedBy".into(), me.user_id().into());
    let options = NewSession {
        dont_remember: true,
        lifetime: Some(s.impersonation_lifetime),
        fields,
    };
    let w = audit::writes(ctx).await?;
    let (row, token) =
        session::create_session_with(ctx, w.store(), &target_id, req, options).await?;
    let mut e = event(req, &me, "admin.impersonate_start", &target_id)
        .severity(Severity::Warning)
        .detail("lifetimeSeconds", s.impersonation_lifetime);
    if let Some(id) = row.get("id").and_then(Cell::as_str) {
        e = e.target("session", id);
    }
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    let admin_dont_remember = session::dont_remember(ctx, req);
    let kept = format!(
        "{}:{}",
        me.token,
        if admin_dont_remember { "true" } else { "" }
    );
    // As Better Auth: the administrator's session cookies cleared, theirs kept aside, the new
    // session's set (a browser applies them in order).
    let mut cookies = ctx.cookies.clear_session();
    cookies.push(ctx.cookies.make(
        ADMIN_SESSION_COOKIE,
        sign::sign(ctx.secret(), &kept),
        Some(ctx.config.session.expires_in),
    ));
    let impersonation = SessionWithUser {
        session: row.into(),
        user: target.into(),
        token,
        from_cookie_cache: false,
    };
    cookies.extend(session::session_cookies(ctx, &impersonation, true));
    Ok(AuthResponse::json(session::session_with_user_json(ctx, &impersonation)).cookies(cookies))
}

async fn stop_impersonating(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = caller(ctx, req).await?;
    let Some(admin_id) = me
        .session
        .get("impersonatedBy")
        .and_then(Cell::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
    else {
        return Err(ApiError::message_only(
            400,
            "You are not impersonating anyone",
        ));
    };
    // Better Auth answers 500 here; nothing is wrong with the server, the admin session is gone.
    let lost = || ApiError::message_only(400, "Failed to find admin session");
    let kept = req
        .cookie(&ctx.cookies.name(ADMIN_SESSION_COOKIE))
        .and_then(|raw| sign::unsign(ctx.secret(), raw))
        .ok_or_else(lost)?;
    let (admin_token, dont_remember) = kept.split_once(':').unwrap_or((kept.as_str(), ""));
    let admin_session = session::find_live(ctx, admin_token)
        .await?
        .filter(|s| s.user_id() == admin_id)
        .ok_or_else(lost)?;
    if audit::enabled(ctx) {
        let mut tx = ctx.begin().await?;
        let stored = me
            .session
            .get("token")
            .and_then(Cell::as_str)
            .unwrap_or_default();
        tx.delete_sessions(session::Sessions::One {
            stored_token: stored,
            user_id: me.user_id(),
        })
        .await?;
        // The administrator acted, through the session they are leaving.
        let e = event(req, &admin_session, "admin.impersonate_stop", me.user_id())
            .target("session", me.id());
        audit::record(ctx, tx.store(), e).await?;
        tx.commit().await?;
    } else {
        session::delete_by_token(ctx, &me.token).await?;
    }
    let remembered = dont_remember.is_empty();
    let mut cookies = session::session_cookies(ctx, &admin_session, !remembered);
    if remembered {
        // The impersonation's don't-remember mark must not outlive it.
        cookies.push(ctx.cookies.delete("dont_remember"));
    }
    cookies.push(ctx.cookies.delete(ADMIN_SESSION_COOKIE));
    Ok(AuthResponse::json(session::session_with_user_json(ctx, &admin_session)).cookies(cookies))
}

// --- sessions --------------------------------------------------------------------------------

async fn list_user_sessions(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    admin(
        ctx,
        req,
        "session",
        "list",
        YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS,
    )
    .await?;
    let user_id = coerced(req, "userId");
    let rows = session::list_user_sessions(ctx, &user_id).await?;
    // Only stored identifiers are known here; revoke-user-session takes them.
    let sessions: Vec<Value> = rows
        .iter()
        .map(|r| session::session_json(ctx, r, None))
        .collect();
    Ok(AuthResponse::json(json!({"sessions": sessions})).no_store())
}

async fn revoke_user_session(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "session",
        "revoke",
        YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS,
    )
    .await?;
    let token = req.str_field("sessionToken").unwrap_or_default();
    // The identifier list-user-sessions gave, or a raw token.
    let row = match session::find_stored_session_row(ctx, token).await? {
        Some(row) => Some(row),
        None => session::find_session_row(ctx, token).await?,
    };
    if let Some(row) = row {
        let stored = row.get("token").and_then(Cell::as_str).unwrap_or_default();
        let user_id = row.get("userId").and_then(Cell::as_str).unwrap_or_default();
        let mut w = audit::writes(ctx).await?;
        w.delete_sessions(session::Sessions::One {
            stored_token: stored,
            user_id,
        })
        .await?;
        let mut e = event(req, &me, "admin.revoke_user_session", user_id);
        if let Some(id) = row.get("id").and_then(Cell::as_str) {
            e = e.target("session", id);
        }
        audit::record(ctx, w.store(), e).await?;
        w.commit().await?;
    }
    Ok(AuthResponse::json(json!({"success": true})))
}

async fn revoke_user_sessions(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "session",
        "revoke",
        YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS,
    )
    .await?;
    let user_id = coerced(req, "userId");
    let mut w = audit::writes(ctx).await?;
    let gone = w
        .delete_sessions(session::Sessions::All { user_id: &user_id })
        .await?;
    let e = event(req, &me, "admin.revoke_user_sessions", &user_id).detail("count", gone.len());
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"success": true})))
}

async fn remove_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "user",
        "delete",
        YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS,
    )
    .await?;
    let user_id = coerced(req, "userId");
    if user_id == me.user_id() {
        return Err(ApiError::bad_request(YOU_CANNOT_REMOVE_YOURSELF));
    }
    existing_user(ctx, &user_id).await?;
    let mut tx = ctx.begin().await?;
    tx.delete_user(&user_id).await?;
    let e = event(req, &me, "admin.remove_user", &user_id).severity(Severity::Warning);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    Ok(AuthResponse::json(json!({"success": true})))
}

async fn set_user_password(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "user",
        "set-password",
        YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD,
    )
    .await?;
    let new_password = req.str_field("newPassword").unwrap_or_default();
    users::check_password_length(ctx, new_password)?;
    let user_id = coerced(req, "userId");
    existing_user(ctx, &user_id).await?;
    reauthenticate(ctx, req, &me).await?;
    users::refuse_breached_password(ctx, new_password).await?;
    let hash = ctx
        .hasher
        .hash(new_password)
        .await
        .map_err(|_| ApiError::internal())?;
    let w = audit::writes(ctx).await?;
    let store = w.store();
    match users::credential_account(store, &user_id).await? {
        Some(account) => {
            let id = account.get("id").and_then(Cell::as_str).unwrap_or_default();
            let mut set = Row::new();
            set.insert("password".into(), hash.into());
            set.insert("updatedAt".into(), ctx.now().into());
            store
                .update_many("account", &[Where::eq("id", id)], set)
                .await?;
        }
        None => {
            store
                .create(
                    "account",
                    users::credential_account_row(ctx, &user_id, hash),
                )
                .await?;
        }
    }
    let e = event(req, &me, "admin.set_user_password", &user_id).severity(Severity::Warning);
    audit::record(ctx, store, e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"status": true})))
}

// --- permissions -----------------------------------------------------------------------------

async fn has_permission(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    // Better Auth reads only `permissions`, whichever of the two names the body used.
    let Some(Value::Object(asked)) = req.field("permissions") else {
        return Err(ApiError::message_only(
            400,
            "invalid permission check. no permission(s) were passed.",
        ));
    };
    // Over HTTP there is always a caller: `userId` and `role` are for server calls.
    let me = caller(ctx, req).await?;
    let s = settings(ctx);
    let success = s.allows(me.user_id(), role_of(&me.user), asked);
    Ok(AuthResponse::json(
        json!({"error": null, "success": success}),
    ))
}
