//! The admin console's "API keys" section (registered only with the admin plugin, whose roles
//! decide who may use it): every user's keys, and an operator's two acts on one. Portcullis's
//! own endpoints, not Better Auth's:
//! - `GET /admin/console/api-keys`: keyset pages of every key, newest first, each with its
//!   owner's address (read for the whole page in one query), filtered by owner (an id or an
//!   address, as Sessions and the audit log take it), by name or visible start, and by state;
//!   never the key nor its hash.
//! - `POST /admin/console/api-keys/set-enabled`: turns a key off or on (`api_key.admin_disable`,
//!   `api_key.admin_enable`).
//! - `POST /admin/console/api-keys/delete`: deletes a key (`api_key.admin_delete`).
//!
//! Each change commits with its audit event. Nothing caches a key: every use reads its row
//! (`usage.rs`), so a key turned off or deleted is refused on the next request, on every
//! instance; turning one off also moves `updatedAt`, so a use that read the row just before
//! loses its guarded claim, reads it again and is refused.
//!
//! Indexes: a listing filtered by owner reads through `referenceId`; the unfiltered listing
//! walks the `(createdAt, id)` index the table declares for it, so a page costs the same however
//! many keys there are.

use chrono::{DateTime, TimeDelta, Utc};
use http::Method;
use portcullis_core::audit::{self, AuditEvent, Severity};
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Row, Value, Where, WhereOp};
use serde_json::json;

use super::errors::{KEY_NOT_FOUND, YOU_ARE_NOT_ALLOWED_TO_MANAGE_API_KEYS};
use super::table::{self, TABLE, date, millis, text};
use crate::admin::console::lists::{
    Cursor, bad_query, newest_first, page_limit, text_query, user_emails, user_named,
};

/// Reads one page may take while skipping keys its state filter leaves out (expired keys,
/// which the cleanup job deletes, so few are ever skipped); past that the page is answered
/// short, with a cursor that goes on from where the reading stopped.
const MAX_READS: usize = 10;

/// The resource operators are granted under a custom access control (`apiKey: [list, update,
/// delete]`); under the default one, any administrator.
const RESOURCE: &str = "apiKey";

fn item_schema() -> serde_json::Value {
    let date = |d: &str| {
        schema::nullable(json!({"type": "string", "format": "date-time", "description": d}))
    };
    schema::object(json!({
        "id": schema::string("The key's id"),
        "name": schema::nullable(schema::string("Its name")),
        "start": schema::nullable(schema::string("Its first characters, to tell keys apart")),
        "prefix": schema::nullable(schema::string("Its prefix")),
        "userId": schema::string("The id of the user who owns it"),
        "userEmail": schema::nullable(schema::string("The owner's e-mail address")),
        "state": schema::one_of(&["enabled", "disabled", "expired"], "Whether it may be used now"),
        "enabled": schema::boolean("Whether it is turned on"),
        "expiresAt": date("When it expires (null: never)"),
        "createdAt": date("When it was made"),
        "lastRequest": date("Its last use"),
        "requestCount": schema::nullable(json!({"type": "number", "description": "Uses in the current rate-limit window"})),
        "permissions": schema::nullable(json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}, "description": "Access-control statements: resource → actions"})),
    }))
}

pub fn endpoints() -> Vec<Endpoint> {
    let key_id = || FieldSpec::req("keyId", Ty::String, "The key's id").non_empty();
    vec![
        Endpoint::new(
            Method::GET,
            "/admin/console/api-keys",
            "consoleListApiKeys",
            portcullis_core::handler!(list),
        )
        .tag("Admin console")
        .summary(
            "Every API key",
            "Every user's API keys, newest first, a page at a time (keyset: pass `nextCursor` \
             back as `cursor`), each with its owner's address; never the key nor its hash. \
             Needs `apiKey:list` (any administrator under the default access control).",
        )
        .query(&[
            (
                "userId",
                "Only this user's keys: an id, or an e-mail address",
            ),
            (
                "q",
                "Keys whose name contains this, or whose start or prefix begins with it",
            ),
            (
                "state",
                "`enabled`, `disabled` (and not expired) or `expired`",
            ),
            ("cursor", "`nextCursor` of the previous page"),
            ("limit", "Rows per page, 1 to 100 (25)"),
        ])
        .returns(schema::object(json!({
            "apiKeys": schema::array(item_schema()),
            "nextCursor": {"type": ["string", "null"]},
        }))),
        Endpoint::new(
            Method::POST,
            "/admin/console/api-keys/set-enabled",
            "consoleSetApiKeyEnabled",
            portcullis_core::handler!(set_enabled),
        )
        .tag("Admin console")
        .summary(
            "Turn an API key off or on",
            "Any user's key; refused on its next use, on every instance, once turned off. \
             Recorded as `api_key.admin_disable` or `api_key.admin_enable`. Needs `apiKey:update`.",
        )
        .body(BodySpec::object(vec![
            key_id(),
            FieldSpec::req("enabled", Ty::Boolean, "On (true) or off (false)"),
        ]))
        .returns(item_schema()),
        Endpoint::new(
            Method::POST,
            "/admin/console/api-keys/delete",
            "consoleDeleteApiKey",
            portcullis_core::handler!(delete),
        )
        .tag("Admin console")
        .summary(
            "Delete an API key",
            "Any user's key, at once, on every instance. Recorded as `api_key.admin_delete`. \
             Needs `apiKey:delete`.",
        )
        .body(BodySpec::object(vec![key_id()]))
        .returns(schema::success()),
    ]
}

/// Whether a key may be used now, as `usage::check` decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Enabled,
    Disabled,
    Expired,
}

impl State {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "enabled" => Some(State::Enabled),
            "disabled" => Some(State::Disabled),
            "expired" => Some(State::Expired),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            State::Enabled => "enabled",
            State::Disabled => "disabled",
            State::Expired => "expired",
        }
    }

    fn of(row: &Row, now: DateTime<Utc>) -> Self {
        if date(row, "expiresAt").is_some_and(|e| now > e) {
            State::Expired
        } else if row.get("enabled").and_then(Value::as_bool) == Some(false) {
            State::Disabled
        } else {
            State::Enabled
        }
    }
}

/// The listing's query, checked before anything is read.
struct Filters<'a> {
    limit: i64,
    user: Option<&'a str>,
    search: Option<&'a str>,
    state: Option<State>,
    cursor: Option<Cursor>,
}

impl<'a> Filters<'a> {
    fn from(req: &'a AuthRequest) -> Result<Self, ApiError> {
        let state = match text_query(req, "state")? {
            None => None,
            Some(s) => Some(
                State::parse(s)
                    .ok_or_else(|| bad_query("state must be enabled, disabled or expired"))?,
            ),
        };
        let cursor = match text_query(req, "cursor")? {
            None => None,
            Some(c) => Some(
                Cursor::parse(c)
                    .ok_or_else(|| bad_query("cursor must be a nextCursor this listing gave"))?,
            ),
        };
        Ok(Filters {
            limit: page_limit(req)?,
            user: text_query(req, "userId")?,
            search: text_query(req, "q")?,
            state,
            cursor,
        })
    }
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    crate::admin::operator(
        ctx,
        req,
        RESOURCE,
        "list",
        YOU_ARE_NOT_ALLOWED_TO_MANAGE_API_KEYS,
    )
    .await?;
    let f = Filters::from(req)?;
    let now = ctx.now();
    let mut wheres = Vec::new();
    if let Some(named) = f.user {
        // An address nobody has names no one: `""`, which owns no key.
        let owner = user_named(ctx, named).await?;
        wheres.push(Where::eq("referenceId", owner));
    }
    if let Some(q) = f.search {
        wheres.push(Where::op("name", WhereOp::Contains, q).or());
        wheres.push(Where::op("start", WhereOp::StartsWith, q).or());
        wheres.push(Where::op("prefix", WhereOp::StartsWith, q).or());
    }
    // "Not expired" is two conditions joined by OR, and a query holds one OR group (the
    // search's): enabled and disabled keys are told from expired ones as they are read.
    match f.state {
        Some(State::Enabled) => wheres.push(Where::eq("enabled", true)),
        Some(State::Disabled) => wheres.push(Where::eq("enabled", false)),
        Some(State::Expired) => wheres.push(Where::op("expiresAt", WhereOp::Lt, now)),
        None => {}
    }
    let keep = |row: &Row| f.state.is_none_or(|s| State::of(row, now) == s);

    // Each read takes one more than the page, to know whether another kept key follows.
    let limit = usize::try_from(f.limit).unwrap_or(1);
    let mut page: Vec<Row> = Vec::new();
    let mut position = f.cursor.clone();
    let mut more = false;
    let store = ctx.adapter.as_ref();
    'reads: for read in 1..=MAX_READS {
        let (batch, next) = newest_first(
            store,
            TABLE,
            "createdAt",
            &wheres,
            position.as_ref(),
            limit + 1,
        )
        .await?;
        for row in batch {
            let kept = keep(&row);
            if kept && page.len() == limit {
                more = true;
                break 'reads;
            }
            if let Some(p) = Cursor::after(&row, "createdAt") {
                position = Some(p);
            }
            if kept {
                page.push(row);
            }
        }
        if next.is_none() {
            break;
        }
        if read == MAX_READS {
            // Short of a page after many skipped keys: the next request goes on from here.
            more = true;
        }
    }
    let next = if more {
        position.map(|p| p.encode())
    } else {
        None
    };

    let owner_ids: Vec<&str> = page.iter().filter_map(|r| text(r, "referenceId")).collect();
    let owners = user_emails(ctx, owner_ids).await?;
    let keys: Vec<serde_json::Value> = page.iter().map(|r| item(r, &owners, now)).collect();
    Ok(AuthResponse::json(json!({"apiKeys": keys, "nextCursor": next})).no_store())
}

/// A key as the console lists it: what tells it apart and how it is used, never the key nor
/// its hash.
fn item(
    row: &Row,
    owners: &std::collections::HashMap<String, String>,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let field = |f: &str| row.get(f).map(Value::to_json).unwrap_or_default();
    let owner = text(row, "referenceId");
    let email = owner.and_then(|id| owners.get(id));
    json!({
        "id": field("id"),
        "name": field("name"),
        "start": field("start"),
        "prefix": field("prefix"),
        "userId": owner,
        "userEmail": email,
        "state": State::of(row, now).as_str(),
        "enabled": row.get("enabled").and_then(Value::as_bool) != Some(false),
        "expiresAt": field("expiresAt"),
        "createdAt": field("createdAt"),
        "lastRequest": field("lastRequest"),
        "requestCount": field("requestCount"),
        "permissions": table::parsed_json(row, "permissions"),
    })
}

/// The key named by the body's `keyId`, or 404.
async fn named_key(ctx: &AuthContext, req: &AuthRequest) -> Result<Row, ApiError> {
    let id = req.str_field("keyId").unwrap_or_default();
    if id.is_empty() || id.chars().any(char::is_control) {
        return Err(bad_query("keyId is a key's id, without control characters"));
    }
    ctx.adapter
        .find_one(TABLE, &[Where::eq("id", id)])
        .await?
        .ok_or_else(|| ApiError::new(404, KEY_NOT_FOUND))
}

/// The event of an operator's act on a key: the key is its target, its owner the user acted on.
fn event(
    req: &AuthRequest,
    me: &portcullis_core::session::SessionWithUser,
    action: &'static str,
    key: &Row,
) -> AuditEvent {
    let owner = text(key, "referenceId").unwrap_or_default();
    let mut e = AuditEvent::new(action)
        .from_request(req)
        .by(me)
        .target("apiKey", text(key, "id").unwrap_or_default())
        .target_user(owner)
        .detail("owner", owner);
    if let Some(name) = text(key, "name") {
        e = e.detail("name", name);
    }
    e
}

async fn set_enabled(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = crate::admin::operator(
        ctx,
        req,
        RESOURCE,
        "update",
        YOU_ARE_NOT_ALLOWED_TO_MANAGE_API_KEYS,
    )
    .await?;
    let Some(enabled) = req.bool_field("enabled") else {
        return Err(bad_query("enabled must be true or false"));
    };
    let key = named_key(ctx, req).await?;
    let id = text(&key, "id").unwrap_or_default();
    let now = millis(ctx.now());
    // Strictly later than what any use in flight read, so its guarded claim cannot match.
    let updated_at = match date(&key, "updatedAt") {
        Some(prev) if prev >= now => prev + TimeDelta::milliseconds(1),
        _ => now,
    };
    let mut set = Row::new();
    set.insert("enabled".into(), enabled.into());
    set.insert("updatedAt".into(), Value::Date(updated_at));
    let action = if enabled {
        "api_key.admin_enable"
    } else {
        "api_key.admin_disable"
    };
    let w = audit::writes(ctx).await?;
    let updated = w
        .store()
        .update(TABLE, &[Where::eq("id", id)], set)
        .await?
        .ok_or_else(|| ApiError::new(404, KEY_NOT_FOUND))?;
    audit::record(ctx, w.store(), event(req, &me, action, &key)).await?;
    w.commit().await?;
    let owner: Vec<&str> = text(&updated, "referenceId").into_iter().collect();
    let owners = user_emails(ctx, owner).await?;
    Ok(AuthResponse::json(item(&updated, &owners, ctx.now())).no_store())
}

async fn delete(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = crate::admin::operator(
        ctx,
        req,
        RESOURCE,
        "delete",
        YOU_ARE_NOT_ALLOWED_TO_MANAGE_API_KEYS,
    )
    .await?;
    let key = named_key(ctx, req).await?;
    let id = text(&key, "id").unwrap_or_default();
    let w = audit::writes(ctx).await?;
    let deleted = w.store().delete_many(TABLE, &[Where::eq("id", id)]).await?;
    if deleted == 0 {
        // Gone meanwhile (its owner, or its last use): nothing was done, nothing is recorded.
        return Err(ApiError::new(404, KEY_NOT_FOUND));
    }
    let e = event(req, &me, "api_key.admin_delete", &key).severity(Severity::Warning);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"success": true})).no_store())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_state_is_what_a_use_would_meet() {
        let now = Utc::now();
        let mut row = Row::new();
        assert_eq!(State::of(&row, now), State::Enabled);
        row.insert("enabled".into(), false.into());
        assert_eq!(State::of(&row, now), State::Disabled);
        row.insert("expiresAt".into(), Value::Date(now));
        assert_eq!(
            State::of(&row, now),
            State::Disabled,
            "expires after this instant"
        );
        row.insert("expiresAt".into(), Value::Date(now - TimeDelta::seconds(1)));
        assert_eq!(State::of(&row, now), State::Expired);
        assert_eq!(State::parse("expired"), Some(State::Expired));
        assert_eq!(State::parse("Expired"), None);
    }
}
