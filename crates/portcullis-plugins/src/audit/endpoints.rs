//! `GET /audit/list` (administrators) and `GET /audit/mine` (the signed-in user).
//!
//! Both answer newest first, `limit` at a time (50 by default, at most 1000), with
//! `nextCursor` to pass back as `cursor` for the next page (keyset: the last id seen).
//! `format=jsonl` or `format=csv` answers the page as JSON lines or CSV instead, the cursor
//! then in the `x-next-cursor` header.

use http::Method;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::value::parse_date;
use serde_json::{Value, json};

use super::store::{self, Filter};
use super::{INVALID_AUDIT_QUERY, YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 1000;

const COMMON_QUERY: &[(&str, &str)] = &[
    ("action", "Only this action, e.g. `user.sign_in`"),
    ("outcome", "`success` or `failure`"),
    ("from", "Only events at or after this time (ISO 8601)"),
    ("to", "Only events at or before this time (ISO 8601)"),
    ("cursor", "`nextCursor` of the previous page"),
    ("limit", "Events per page, 1 to 1000 (50)"),
    ("format", "`json` (default), `jsonl` or `csv`"),
];

const LIST_QUERY: &[(&str, &str)] = &[
    (
        "userId",
        "Only events this user did or underwent: an id, or an e-mail address",
    ),
    ("organizationId", "Only events in this organization"),
    ("action", "Only this action, e.g. `user.sign_in`"),
    ("outcome", "`success` or `failure`"),
    ("from", "Only events at or after this time (ISO 8601)"),
    ("to", "Only events at or before this time (ISO 8601)"),
    ("cursor", "`nextCursor` of the previous page"),
    ("limit", "Events per page, 1 to 1000 (50)"),
    ("format", "`json` (default), `jsonl` or `csv`"),
];

fn event_schema() -> Value {
    schema::object(json!({
        "id": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"},
        "action": {"type": "string"},
        "outcome": {"type": "string", "enum": ["success", "failure"]},
        "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
        "actorUserId": {"type": ["string", "null"]},
        "impersonatorUserId": {"type": ["string", "null"]},
        "targetUserId": {"type": ["string", "null"]},
        "targetType": {"type": ["string", "null"]},
        "targetId": {"type": ["string", "null"]},
        "organizationId": {"type": ["string", "null"]},
        "sessionId": {"type": ["string", "null"]},
        "ipAddress": {"type": ["string", "null"]},
        "userAgent": {"type": ["string", "null"]},
        "details": {"type": "object"},
    }))
}

fn page_schema() -> Value {
    schema::object(json!({
        "events": {"type": "array", "items": event_schema()},
        "nextCursor": {"type": ["string", "null"]},
    }))
}

/// `/audit/list`'s page: with the addresses of the users it names, for people to read.
fn list_page_schema() -> Value {
    schema::object(json!({
        "events": {"type": "array", "items": event_schema()},
        "nextCursor": {"type": ["string", "null"]},
        "users": {
            "type": "object",
            "description": "The e-mail address of each user the page's events name (actor, target, impersonator), by id; a deleted user is absent",
            "additionalProperties": {"type": "string"},
        },
    }))
}

pub fn all(with_admin: bool) -> Vec<Endpoint> {
    let mut v = vec![
        Endpoint::new(
            Method::GET,
            "/audit/mine",
            "listMyAuditEvents",
            portcullis_core::handler!(mine),
        )
        .tag("Audit")
        .auth(Auth::Sensitive)
        .summary(
            "Your security history",
            "Events you did or underwent: sign-ins and failures, password and e-mail changes, sessions ended, factors added and removed.",
        )
        .query(COMMON_QUERY)
        .returns(page_schema()),
    ];
    if with_admin {
        v.push(
            Endpoint::new(
                Method::GET,
                "/audit/list",
                "listAuditEvents",
                portcullis_core::handler!(list),
            )
            .tag("Audit")
            .summary(
                "List audit events",
                "Every recorded event, filtered, newest first. Needs `audit:list` (under the default access control, an administrator role).",
            )
            .query(LIST_QUERY)
            .returns(list_page_schema()),
        );
    }
    v
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Lines,
    Csv,
}

pub(super) fn bad(message: &str) -> ApiError {
    ApiError::with_message(400, INVALID_AUDIT_QUERY, message.to_owned())
}

fn nonempty(req: &AuthRequest, name: &str) -> Option<String> {
    req.query_param(name)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The filter and format every listing shares, from the query.
fn common(req: &AuthRequest) -> Result<(Filter, Format), ApiError> {
    let format = match req.query_param("format").unwrap_or("json") {
        "json" | "" => Format::Json,
        "jsonl" => Format::Lines,
        "csv" => Format::Csv,
        _ => return Err(bad("format must be json, jsonl or csv")),
    };
    let outcome = match req.query_param("outcome").filter(|v| !v.is_empty()) {
        None => None,
        Some("success") => Some("success"),
        Some("failure") => Some("failure"),
        Some(_) => return Err(bad("outcome must be success or failure")),
    };
    let date = |name: &str| -> Result<_, ApiError> {
        match req.query_param(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => parse_date(v)
                .map(Some)
                .ok_or_else(|| bad(&format!("{name} must be an ISO 8601 time"))),
        }
    };
    let limit = match req.query_param("limit").filter(|v| !v.is_empty()) {
        None => DEFAULT_LIMIT,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err(bad("limit must be a number from 1 to 1000")),
        },
    };
    let cursor = nonempty(req, "cursor");
    if cursor
        .as_deref()
        .is_some_and(|c| c.len() > 64 || !c.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(bad("cursor is not one this server gave"));
    }
    Ok((
        Filter {
            user_id: None,
            action: nonempty(req, "action"),
            outcome,
            organization_id: None,
            from: date("from")?,
            to: date("to")?,
            cursor,
            limit,
        },
        format,
    ))
}

/// The e-mail addresses of the users `events` name, by id, in one read.
async fn addresses(ctx: &AuthContext, events: &[Value]) -> Result<Value, ApiError> {
    let ids: Vec<&str> = events
        .iter()
        .flat_map(|e| ["actorUserId", "targetUserId", "impersonatorUserId"].map(|k| e[k].as_str()))
        .flatten()
        .collect();
    let by_id = crate::admin::console::lists::user_emails(ctx, ids).await?;
    Ok(json!(by_id))
}

/// A page of events in `format`; `with_addresses` adds the named users' addresses (for
/// administrators only: a user's own history does not reveal who acted on it by address).
async fn answer(
    ctx: &AuthContext,
    mut filter: Filter,
    format: Format,
    with_addresses: bool,
) -> Result<AuthResponse, ApiError> {
    let limit = filter.limit;
    // One more than asked: whether a next page exists, without a count.
    filter.limit = limit + 1;
    let mut rows = store::list(ctx.adapter.as_ref(), &filter).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if more {
        rows.last()
            .and_then(|r| r.get("id"))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    } else {
        None
    };
    let events: Vec<Value> = rows.iter().map(store::event_json).collect();
    let res = match format {
        Format::Json => {
            let mut page = json!({"events": events, "nextCursor": next});
            if with_addresses {
                page["users"] = addresses(ctx, &events).await?;
            }
            return Ok(AuthResponse::json(page).no_store());
        }
        Format::Lines => {
            let mut out = String::new();
            for e in &events {
                out.push_str(&e.to_string());
                out.push('\n');
            }
            AuthResponse::html(out).header("content-type", "application/jsonl; charset=utf-8")
        }
        Format::Csv => {
            let mut out = store::CSV_COLUMNS.join(",");
            out.push_str("\r\n");
            for e in &events {
                store::csv_line(e, &mut out);
            }
            AuthResponse::html(out)
                .header("content-type", "text/csv; charset=utf-8")
                .header("content-disposition", "attachment; filename=\"audit.csv\"")
        }
    };
    let res = match next {
        Some(c) => res.header("x-next-cursor", c),
        None => res,
    };
    Ok(res.no_store())
}

/// The caller may read the whole log (`audit:list`; under the default access control, an
/// administrator), else 403.
pub(super) async fn may_list(ctx: &AuthContext, req: &AuthRequest) -> Result<(), ApiError> {
    crate::admin::operator(
        ctx,
        req,
        "audit",
        "list",
        YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS,
    )
    .await
    .map(|_| ())
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    may_list(ctx, req).await?;
    let (mut filter, format) = common(req)?;
    filter.user_id = match nonempty(req, "userId") {
        Some(v) => Some(crate::admin::console::lists::user_named(ctx, &v).await?),
        None => None,
    };
    filter.organization_id = nonempty(req, "organizationId");
    answer(ctx, filter, format, true).await
}

async fn mine(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?.user_id().to_owned();
    let (mut filter, format) = common(req)?;
    filter.user_id = Some(me);
    answer(ctx, filter, format, false).await
}
