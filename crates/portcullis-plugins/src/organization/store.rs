//! The organization tables as Better Auth declares them, the rows' JSON as Better Auth answers
//! with it, and the look-ups every endpoint shares.
//!
//! Rights are never cached: every check reads the caller's `member` row (and the organization's
//! stored roles) from the database, so a removed member or a changed role is seen by the next
//! request on every instance. The session carries only which organization is active.

use std::collections::BTreeMap;

use portcullis_core::cookies::SetCookie;
use portcullis_core::endpoint::AuthRequest;
use portcullis_core::session::{self, SessionWithUser};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Field, FieldType, Query, Row, Store, Table, Value, Where};
use serde_json::{Map, json};

use super::access::{self, Statements, parse_statements};
use super::errors::*;
use super::settings;

pub const ORGANIZATION: &str = "organization";
pub const MEMBER: &str = "member";
pub const INVITATION: &str = "invitation";
pub const ROLE: &str = "organizationRole";

/// Better Auth's tables and the session field; `organizationRole` always exists so a Better
/// Auth database with dynamic roles is served in place.
pub fn schema() -> Vec<Table> {
    use FieldType::*;
    vec![
        Table::new(
            ORGANIZATION,
            vec![
                Field::new("name", String).required(),
                Field::new("slug", String).required().unique(),
                Field::new("logo", String),
                Field::new("createdAt", Date).required(),
                Field::new("metadata", String),
            ]
            .into_iter()
            .chain(super::branding::fields())
            .collect(),
        ),
        Table::new(
            MEMBER,
            vec![
                Field::new("organizationId", String)
                    .required()
                    .references(ORGANIZATION, "id")
                    .index(),
                Field::new("userId", String)
                    .required()
                    .references("user", "id")
                    .index(),
                Field::new("role", String).required().default("member"),
                Field::new("createdAt", Date).required(),
            ],
        ),
        Table::new(
            INVITATION,
            vec![
                Field::new("organizationId", String)
                    .required()
                    .references(ORGANIZATION, "id")
                    .index(),
                Field::new("email", String).required().index(),
                Field::new("role", String),
                Field::new("status", String).required().default("pending"),
                Field::new("expiresAt", Date).required(),
                Field::new("createdAt", Date).required().default_now(),
                Field::new("inviterId", String)
                    .required()
                    .references("user", "id"),
            ],
        ),
        Table::new(
            ROLE,
            vec![
                Field::new("organizationId", String)
                    .required()
                    .references(ORGANIZATION, "id")
                    .index(),
                Field::new("role", String).required().index(),
                Field::new("permission", String).required(),
                Field::new("createdAt", Date).required(),
                Field::new("updatedAt", Date),
            ],
        ),
        Table::new(
            "session",
            vec![Field::new("activeOrganizationId", String).no_input()],
        ),
    ]
}

pub fn text<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

fn put(m: &mut Map<String, serde_json::Value>, row: &Row, field: &str) {
    m.insert(
        field.to_owned(),
        row.get(field).map(Value::to_json).unwrap_or_default(),
    );
}

/// The row's fields, in this order, as a JSON object.
pub fn ordered(row: &Row, fields: &[&str]) -> Map<String, serde_json::Value> {
    let mut m = Map::new();
    for f in fields {
        put(&mut m, row, f);
    }
    m
}

/// An organization as `list`, `set-active` and `get-full-organization` answer it: `metadata`
/// as the stored JSON text.
pub fn org_json(row: &Row) -> serde_json::Value {
    serde_json::Value::Object(ordered(
        row,
        &["name", "slug", "logo", "createdAt", "metadata", "id"],
    ))
}

/// As `create` and `update` answer it: `metadata` parsed back into an object.
pub fn org_json_parsed(row: &Row) -> serde_json::Value {
    let mut v = org_json(row);
    if let Some(t) = v.get("metadata").and_then(serde_json::Value::as_str) {
        v["metadata"] = serde_json::from_str(t).unwrap_or(serde_json::Value::Null);
    }
    v
}

pub fn member_json(row: &Row) -> serde_json::Value {
    serde_json::Value::Object(ordered(
        row,
        &["organizationId", "userId", "role", "createdAt", "id"],
    ))
}

/// A member with the `{id, name, email, image}` of its user.
pub fn member_with_user(row: &Row, user: &Row) -> serde_json::Value {
    let mut v = member_json(row);
    v["user"] = serde_json::Value::Object(ordered(user, &["id", "name", "email", "image"]));
    v
}

/// An invitation; `teamId` is there when the table has it (teams on).
pub fn invitation_json(row: &Row) -> serde_json::Value {
    const WITH_TEAM: &[&str] = &[
        "organizationId",
        "email",
        "role",
        "teamId",
        "status",
        "expiresAt",
        "createdAt",
        "inviterId",
        "id",
    ];
    let fields: Vec<&str> = WITH_TEAM
        .iter()
        .copied()
        .filter(|f| *f != "teamId" || row.contains_key("teamId"))
        .collect();
    serde_json::Value::Object(ordered(row, &fields))
}

pub async fn find_by_id(store: &dyn Store, table: &str, id: &str) -> Result<Option<Row>, ApiError> {
    Ok(store.find_one(table, &[Where::eq("id", id)]).await?)
}

pub async fn org_by_slug(store: &dyn Store, slug: &str) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one(ORGANIZATION, &[Where::eq("slug", slug)])
        .await?)
}

/// The member row of `user_id` in `org_id`, read from the database every time.
pub async fn member_of(
    store: &dyn Store,
    user_id: &str,
    org_id: &str,
) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one(
            MEMBER,
            &[
                Where::eq("userId", user_id),
                Where::eq("organizationId", org_id),
            ],
        )
        .await?)
}

/// The member row of whoever has `email` in `org_id`, with the user.
pub async fn member_by_email(
    store: &dyn Store,
    email: &str,
    org_id: &str,
) -> Result<Option<(Row, Row)>, ApiError> {
    let Some(user) = store
        .find_one("user", &[Where::eq("email", email.to_lowercase())])
        .await?
    else {
        return Ok(None);
    };
    let uid = text(&user, "id").unwrap_or_default().to_owned();
    Ok(member_of(store, &uid, org_id).await?.map(|m| (m, user)))
}

pub async fn user_of(store: &dyn Store, member: &Row) -> Result<Option<Row>, ApiError> {
    find_by_id(store, "user", text(member, "userId").unwrap_or_default()).await
}

/// The members of `org_id` (all, or a page), each with its user, in one query for the users.
pub async fn members_with_users(
    store: &dyn Store,
    query: Query,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let members = store.find_many(MEMBER, &query).await?;
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let ids = members
        .iter()
        .filter_map(|m| m.get("userId").cloned())
        .collect();
    let users = store
        .find_many("user", &Query::filter(vec![Where::is_in("id", ids)]))
        .await?;
    let by_id: BTreeMap<&str, &Row> = users
        .iter()
        .filter_map(|u| Some((text(u, "id")?, u)))
        .collect();
    Ok(members
        .iter()
        .filter_map(|m| Some(member_with_user(m, by_id.get(text(m, "userId")?)?)))
        .collect())
}

/// The organizations `user_id` belongs to.
pub async fn orgs_of(store: &dyn Store, user_id: &str) -> Result<Vec<Row>, ApiError> {
    let members = store
        .find_many(MEMBER, &Query::filter(vec![Where::eq("userId", user_id)]))
        .await?;
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let ids = members
        .iter()
        .filter_map(|m| m.get("organizationId").cloned())
        .collect();
    Ok(store
        .find_many(ORGANIZATION, &Query::filter(vec![Where::is_in("id", ids)]))
        .await?)
}

pub async fn count_members(store: &dyn Store, org_id: &str) -> Result<u64, ApiError> {
    let n = store
        .count(MEMBER, &[Where::eq("organizationId", org_id)])
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// How many members of `org_id` hold `role`.
pub async fn count_holding(store: &dyn Store, org_id: &str, role: &str) -> Result<usize, ApiError> {
    let members = store
        .find_many(
            MEMBER,
            &Query::filter(vec![Where::eq("organizationId", org_id)]),
        )
        .await?;
    Ok(members.iter().filter(|m| holds_role(m, role)).count())
}

pub fn roles_of(member: &Row) -> Vec<String> {
    access::role_list(text(member, "role").unwrap_or_default())
}

pub fn holds_role(member: &Row, role: &str) -> bool {
    roles_of(member).iter().any(|r| r == role)
}

/// The roles stored for `org_id` (`organizationRole`), merged over the configured ones when a
/// permission is checked. A stored role that cannot be read is refused, never widened.
pub async fn dynamic_roles(
    store: &dyn Store,
    org_id: &str,
) -> Result<BTreeMap<String, Statements>, ApiError> {
    let rows = store
        .find_many(
            ROLE,
            &Query::filter(vec![Where::eq("organizationId", org_id)]),
        )
        .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (Some(name), Some(p)) = (text(&row, "role"), text(&row, "permission")) else {
            continue;
        };
        let parsed = serde_json::from_str(p)
            .map_err(|e| e.to_string())
            .and_then(|v| parse_statements(&v, "permission"));
        match parsed {
            Ok(st) => {
                out.insert(name.to_owned(), st);
            }
            Err(e) => {
                tracing::error!(role = name, error = %e, "organization role has unreadable permissions");
                return Err(ApiError::message_only(
                    500,
                    format!("Invalid permissions for role {name}"),
                ));
            }
        }
    }
    Ok(out)
}

/// Whether the member may do what `request` asks in `org_id` (`hasPermission`).
pub async fn may(
    ctx: &AuthContext,
    member: &Row,
    org_id: &str,
    request: serde_json::Value,
) -> Result<bool, ApiError> {
    let s = settings(ctx);
    let dynamic = dynamic_roles(ctx.adapter.as_ref(), org_id).await?;
    let req = request.as_object().cloned().unwrap_or_default();
    Ok(access::allows(&s.access, &roles_of(member), &dynamic, &req))
}

/// The caller's membership of `org_id` when it may update the organization (`organization:
/// [update]`): 400 when they are not a member, 403 when their role may not.
pub async fn member_who_may_update(
    ctx: &AuthContext,
    user_id: &str,
    org_id: &str,
) -> Result<Row, ApiError> {
    let member = member_of(ctx.adapter.as_ref(), user_id, org_id)
        .await?
        .ok_or_else(|| bad(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION))?;
    if !may(ctx, &member, org_id, json!({"organization": ["update"]})).await? {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION));
    }
    Ok(member)
}

/// Sets (or clears) the session's active organization. The session cache is evicted by
/// `update_fields`; when a cookie cache is in use (or `always` asks, as set-active does) the
/// cookies are re-set so the cache carries the new value.
pub async fn set_active(
    ctx: &AuthContext,
    req: &AuthRequest,
    s: &mut SessionWithUser,
    org_id: Option<&str>,
    always: bool,
) -> Result<Vec<SetCookie>, ApiError> {
    let mut set = Row::new();
    set.insert(
        "activeOrganizationId".into(),
        org_id.map(Value::from).unwrap_or(Value::Null),
    );
    set_session_fields(ctx, req, s, set, always).await
}

/// Writes session fields as [`set_active`] does.
pub async fn set_session_fields(
    ctx: &AuthContext,
    req: &AuthRequest,
    s: &mut SessionWithUser,
    set: Row,
    always: bool,
) -> Result<Vec<SetCookie>, ApiError> {
    if !session::update_fields(ctx, s, set).await? {
        return Ok(Vec::new());
    }
    if always || ctx.config.session.cookie_cache_max_age > 0 {
        Ok(session::session_cookies(
            ctx,
            s,
            session::dont_remember(ctx, req),
        ))
    } else {
        Ok(Vec::new())
    }
}

/// The caller's session read again when writes not made through it changed it: `forgotten`
/// (an organization deleted, `delete_with_dependents`) named in it. With a cookie cache in use,
/// the cookies that carry it as it is now, so that this device's cached copy forgets too.
pub async fn reread_if_forgotten(
    ctx: &AuthContext,
    req: &AuthRequest,
    s: &mut SessionWithUser,
    forgotten: &[session::Forget],
) -> Result<Vec<SetCookie>, ApiError> {
    if !forgotten.iter().any(|f| f.names(&s.session)) {
        return Ok(Vec::new());
    }
    let Some(row) = session::find_session_row(ctx, &s.token).await? else {
        return Ok(Vec::new());
    };
    s.session = row.into();
    s.from_cookie_cache = false;
    if ctx.config.session.cookie_cache_max_age > 0 {
        Ok(session::session_cookies(
            ctx,
            s,
            session::dont_remember(ctx, req),
        ))
    } else {
        Ok(Vec::new())
    }
}

/// The caller's session for endpoints that answer without one in their own way (Better Auth's
/// `getSessionFromCtx`).
pub async fn optional_session(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<Option<SessionWithUser>, ApiError> {
    if let Some(s) = &req.session {
        return Ok(Some(s.clone()));
    }
    Ok(match session::lookup(ctx, req, false).await? {
        session::Lookup::Found(s) => Some(s),
        _ => None,
    })
}

pub fn active_org(s: &SessionWithUser) -> Option<String> {
    s.session
        .get("activeOrganizationId")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// `{"message","code"}` errors of this plugin.
pub fn bad(code: portcullis_core::ErrorCode) -> ApiError {
    ApiError::new(400, code)
}

pub fn forbidden(code: portcullis_core::ErrorCode) -> ApiError {
    ApiError::new(403, code)
}

/// An organization to serve, or 400 `ORGANIZATION_NOT_FOUND`.
pub async fn org_or_404(store: &dyn Store, id: &str) -> Result<Row, ApiError> {
    find_by_id(store, ORGANIZATION, id)
        .await?
        .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))
}

pub fn json_ok(v: serde_json::Value) -> portcullis_core::endpoint::AuthResponse {
    portcullis_core::endpoint::AuthResponse::json(v)
}

pub fn null() -> serde_json::Value {
    json!(null)
}
