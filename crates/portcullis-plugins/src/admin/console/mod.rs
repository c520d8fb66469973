//! The admin console at `/admin`: a gated page (administrators only, step-up applies) with a
//! side navigation and one section at a time, like the account area. This plugin brings the
//! Users and Sessions sections; another plugin brings its own section through
//! `Fragment::admin_section` (the audit plugin's Audit log).
//!
//! The sections' scripts call Better Auth's admin endpoints for every action (ban, unban,
//! impersonate, set role, revoke, remove), so each is checked and audited exactly as it is for
//! any client, and these read-only endpoints of Portcullis's own:
//! - `GET /admin/console/users`: keyset pages of users by e-mail, searched by an address's
//!   start or an exact id. Better Auth's `/admin/list-users` pages by offset and counts every
//!   match, which at a million users is a scan per page.
//! - `GET /admin/console/user`: one user with what an operator needs to judge them: sessions,
//!   linked accounts (never their tokens), factors and organizations.
//! - `GET /admin/console/sessions`: keyset pages of live sessions, with their users' addresses.
//! - `GET /admin/console/stats`: the overview's totals (users, live sessions, accounts by way
//!   of signing in), read from counters a job keeps, never counted on the request
//!   (`counts.rs`).
//! - `POST /admin/console/send-reset-link`: mails the user a password reset link, audited as
//!   the administrator's action.

mod branding;
mod counts;
mod email_preview;
mod integrations;
pub(crate) mod lists;
mod plugins;

/// The console's tables: the plugin switches, the stored brand, the overview's counts (and
/// the index those read on `account`).
pub fn tables() -> Vec<portcullis_storage::Table> {
    vec![
        plugins::table(),
        branding::table(),
        counts::table(),
        counts::account_index(),
    ]
}

pub fn migrations() -> Vec<portcullis_storage::Migration> {
    counts::migrations()
}

/// Counts the overview's totals afresh (see `counts.rs`).
pub fn counts_job() -> portcullis_core::plugin_parts::Job {
    counts::job()
}

/// Every instance follows what administrators stored (plugin switches, the brand) every 2
/// seconds, and once before it listens.
pub fn settings_job() -> portcullis_core::plugin_parts::Job {
    portcullis_core::plugin_parts::Job::new(
        "console-settings",
        plugins::REFRESH,
        portcullis_core::job!(apply_stored),
    )
    .on_every_instance()
}

/// Writes row `id` of a console table (one row per stored setting): updated where it exists,
/// else created.
async fn put_row(
    store: &dyn portcullis_storage::Store,
    table: &str,
    id: &str,
    set: Row,
) -> Result<Row, ApiError> {
    match store
        .update(table, &[Where::eq("id", id)], set.clone())
        .await?
    {
        Some(row) => Ok(row),
        None => {
            let mut row = set;
            row.insert("id".into(), id.into());
            Ok(store.create(table, row).await?)
        }
    }
}

async fn apply_stored(ctx: &AuthContext) -> Result<(), portcullis_core::plugin_parts::JobError> {
    plugins::apply_stored(ctx).await?;
    branding::apply_stored(ctx).await
}

use http::Method;
use portcullis_core::audit;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::{Asset, Fragment, Page, Sends, TemplateSource};
use portcullis_core::session::{self, SessionWithUser};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, users};
use portcullis_storage::{Query, Row, SortDirection, Value as Cell, Where, WhereOp};
use serde_json::{Value, json};

use self::lists::{bad_query, page_limit, text_query, user_emails, user_named};
use super::endpoints::{admin, event, existing_user, may, stepped_up};
use super::{
    ADMIN_TWO_FACTOR_REQUIRED, YOU_ARE_NOT_ALLOWED_TO_GET_USER, YOU_ARE_NOT_ALLOWED_TO_LIST_USERS,
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS, YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD,
    settings,
};

/// Linked accounts, factors and memberships shown per user: far more than anyone has.
const DETAIL_ROWS: i64 = 100;

pub fn page() -> Page {
    Page::new(
        "/admin",
        portcullis_core::template_source!("src/admin/console/templates", "admin-console.html"),
        "admin-console-title",
    )
    .gated(gate)
}

/// The test message's templates.
pub fn templates() -> Vec<TemplateSource> {
    vec![
        portcullis_core::template_source!("src/admin/console/templates", "email-admin-test.html"),
        portcullis_core::template_source!("src/admin/console/templates", "email-admin-test.txt"),
        portcullis_core::template_source!("src/admin/console/templates", "sms-admin-test.txt"),
    ]
}

pub fn sends() -> Vec<Sends> {
    integrations::sends()
}

pub fn fragments() -> Vec<Fragment> {
    vec![
        Fragment::admin_section(
            "overview",
            "admin-section-overview",
            portcullis_core::template_source!("src/admin/console/templates", "admin-overview.html"),
        ),
        Fragment::admin_section(
            "users",
            "admin-section-users",
            portcullis_core::template_source!("src/admin/console/templates", "admin-users.html"),
        ),
        Fragment::admin_section(
            "sessions",
            "admin-section-sessions",
            portcullis_core::template_source!("src/admin/console/templates", "admin-sessions.html"),
        ),
        Fragment::admin_section(
            "integrations",
            "admin-section-integrations",
            portcullis_core::template_source!(
                "src/admin/console/templates",
                "admin-integrations.html"
            ),
        ),
        Fragment::admin_section(
            "email-templates",
            "admin-section-email-templates",
            portcullis_core::template_source!(
                "src/admin/console/templates",
                "admin-email-templates.html"
            ),
        ),
        Fragment::admin_section(
            "branding",
            "admin-section-branding",
            portcullis_core::template_source!("src/admin/console/templates", "admin-branding.html"),
        ),
        Fragment::admin_section(
            "plugins",
            "admin-section-plugins",
            portcullis_core::template_source!("src/admin/console/templates", "admin-plugins.html"),
        ),
        // While an administrator is signed in as someone: the way back.
        Fragment::new(
            "account.notices",
            portcullis_core::template_source!(
                "src/admin/console/templates",
                "admin-impersonation-notice.html"
            ),
        ),
    ]
}

pub fn assets() -> Vec<Asset> {
    vec![
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-console.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-overview.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-users.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-sessions.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-console.css",
            "text/css; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-integrations.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-email-templates.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-impersonation.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-plugins.js",
            "text/javascript; charset=utf-8"
        ),
        portcullis_core::asset!(
            "src/admin/console/assets",
            "admin-branding.js",
            "text/javascript; charset=utf-8"
        ),
    ]
}

/// Who may open the console: whoever may list users (an administrator under the default
/// access control), stepped up when `ADMIN_STEP_UP` asks for it. A refusal is a message id.
fn gate(ctx: &AuthContext, viewer: &SessionWithUser) -> Result<(), &'static str> {
    let s = settings(ctx);
    if !may(s, viewer, "user", "list") {
        return Err("admin-gate-not-admin");
    }
    match stepped_up(ctx, s, viewer) {
        Ok(()) => Ok(()),
        Err(e) if e.code.as_deref() == Some(ADMIN_TWO_FACTOR_REQUIRED.code) => {
            Err("admin-gate-two-factor")
        }
        Err(_) => Err("admin-gate-recent-sign-in"),
    }
}

pub fn endpoints() -> Vec<Endpoint> {
    let get = |path, op, h| Endpoint::new(Method::GET, path, op, h).tag("Admin console");
    let mut all = integrations::endpoints();
    all.extend(email_preview::endpoints());
    all.extend(plugins::endpoints());
    all.extend(branding::endpoints());
    all.extend([
        get("/admin/console/users", "consoleListUsers", portcullis_core::handler!(list_users))
            .summary(
                "Find users",
                "Users ordered by e-mail address, a page at a time (keyset: pass `nextCursor` back as `cursor`). `search` matches the start of an address, or a user id exactly; `status=banned` lists banned users only, `status=unverified` those who have not verified their address; `role` those with that role. Needs `user:list`.",
            )
            .query(&[
                ("search", "The start of an e-mail address, or a user id"),
                ("status", "`all` (default), `banned` or `unverified`"),
                ("role", "Only users whose role is exactly this, such as `admin`"),
                ("cursor", "`nextCursor` of the previous page"),
                ("limit", "Rows per page, 1 to 100 (25)"),
            ])
            .returns(schema::object(json!({
                "users": schema::array(schema::user()),
                "nextCursor": {"type": ["string", "null"]},
            }))),
        get("/admin/console/user", "consoleGetUser", portcullis_core::handler!(get_user))
            .summary(
                "A user in full",
                "The user, their live sessions, linked accounts (provider and account id, never tokens), factors and organizations. Needs `user:get`.",
            )
            .query(&[("userId", "The user's id")])
            .returns(schema::object(json!({
                "user": schema::user(),
                "sessions": schema::array(schema::session()),
                "accounts": schema::array(schema::object(json!({
                    "id": {"type": "string"},
                    "providerId": {"type": "string"},
                    "accountId": {"type": "string"},
                    "createdAt": {"type": ["string", "null"], "format": "date-time"},
                }))),
                "factors": schema::object(json!({
                    "password": {"type": "boolean"},
                    "twoFactor": {"type": "boolean"},
                    "passkeys": {"type": ["integer", "null"]},
                })),
                "organizations": {"type": ["array", "null"], "items": schema::object(json!({
                    "id": {"type": "string"},
                    "name": {"type": ["string", "null"]},
                    "slug": {"type": ["string", "null"]},
                    "role": {"type": ["string", "null"]},
                }))},
            }))),
        get("/admin/console/sessions", "consoleListSessions", portcullis_core::handler!(list_sessions))
            .summary(
                "Live sessions",
                "Sessions that have not expired, a page at a time (keyset), each with its user's address; `userId` keeps one user's (by id or address), `impersonated=true` those an administrator opened as someone. With `SESSION_STORE=secondary` only one user's can be listed. Needs `session:list`.",
            )
            .query(&[
                ("userId", "Only this user's sessions: an id, or an e-mail address"),
                ("impersonated", "`true`: only sessions an administrator opened as the user"),
                ("cursor", "`nextCursor` of the previous page"),
                ("limit", "Rows per page, 1 to 100 (25)"),
            ])
            .returns(schema::object(json!({
                "sessions": schema::array(schema::object_with(json!({
                    "id": {"type": "string"},
                    "token": {"type": "string", "description": "The stored identifier revoke-user-session takes"},
                    "userId": {"type": "string"},
                    "userEmail": {"type": ["string", "null"]},
                    "createdAt": {"type": "string", "format": "date-time"},
                    "expiresAt": {"type": "string", "format": "date-time"},
                    "ipAddress": {"type": ["string", "null"]},
                    "userAgent": {"type": ["string", "null"]},
                    "impersonatedBy": {"type": ["string", "null"]},
                }), &["id", "token", "userId", "userEmail", "createdAt", "expiresAt"])),
                "nextCursor": {"type": ["string", "null"]},
            }))),
        get("/admin/console/stats", "consoleStats", portcullis_core::handler!(stats))
            .summary(
                "Totals for the overview",
                "Users, live sessions, and accounts by way of signing in (`credential` is e-mail and password; each OAuth provider; passkeys), from counters: a job counts them every 15 minutes (`countedAt` says when), and the users' total adds what the audit log recorded since (`usersLive`: true when it does). Needs `user:list`.",
            )
            .returns(schema::object(json!({
                "users": {"type": "integer"},
                "usersLive": {"type": "boolean", "description": "true when the total includes the audit log's events since countedAt"},
                "activeSessions": {"type": ["integer", "null"], "description": "null with SESSION_STORE=secondary"},
                "methods": schema::array(schema::object(json!({
                    "method": {"type": "string"},
                    "accounts": {"type": "integer"},
                }))),
                "countedAt": {"type": "string", "format": "date-time"},
            }))),
        Endpoint::new(
            Method::POST,
            "/admin/console/send-reset-link",
            "consoleSendResetLink",
            portcullis_core::handler!(send_reset_link),
        )
        .tag("Admin console")
        .summary(
            "Mail a password reset link",
            "Sends the user the same reset link `/request-password-reset` would, and records it as this administrator's action. Needs `user:set-password`.",
        )
        .body(BodySpec::object(vec![FieldSpec::req(
            "userId",
            Ty::String,
            "The user's id",
        )]))
        .returns(schema::status()),
    ]);
    all
}

/// The least string greater than every string starting with `prefix` (its last character
/// moved one code point on), so that a prefix search is a range the e-mail index answers on
/// every database, rather than a `LIKE` a prepared statement's generic plan cannot use.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next code point, skipping the surrogate gap; U+10FFFF has none: drop it and
        // move the one before on instead.
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn text<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Cell::as_str)
}

async fn list_users(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let limit = page_limit(req)?;
    // Each filter as the column it keeps and the value it wants.
    let mut kept: Vec<(&str, Cell)> = Vec::new();
    match req.query_param("status").unwrap_or("all") {
        "all" | "" => {}
        "banned" => kept.push(("banned", Cell::Bool(true))),
        "unverified" => kept.push(("emailVerified", Cell::Bool(false))),
        _ => return Err(bad_query("status must be all, banned or unverified")),
    }
    if let Some(role) = text_query(req, "role")?
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        kept.push(("role", Cell::String(role.to_owned())));
    }
    admin(ctx, req, "user", "list", YOU_ARE_NOT_ALLOWED_TO_LIST_USERS).await?;
    let search = text_query(req, "search")?
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let cursor = text_query(req, "cursor")?;
    let mut users: Vec<Row> = Vec::new();
    // An exact id first: support staff are often handed one.
    if let Some(id) = search
        && cursor.is_none()
        && let Some(user) = users::find_user(ctx, id).await?
        && kept.iter().all(|(column, want)| match want {
            // An unset flag reads as false, as the column's default.
            Cell::Bool(b) => user.get(*column).and_then(Cell::as_bool).unwrap_or(false) == *b,
            other => user.get(*column).and_then(Cell::as_str) == other.as_str(),
        })
    {
        users.push(user);
    }
    let mut wheres = Vec::new();
    if let Some(prefix) = search.map(str::to_lowercase) {
        if let Some(end) = prefix_end(&prefix) {
            wheres.push(Where::op("email", WhereOp::Lt, end));
        }
        wheres.push(Where::op("email", WhereOp::Gte, prefix));
    }
    if let Some(after) = cursor {
        wheres.push(Where::op("email", WhereOp::Gt, after.to_owned()));
    }
    for (column, want) in &kept {
        wheres.push(Where::eq(column, want.clone()));
    }
    let mut query = Query::filter(wheres).sort("email", SortDirection::Asc);
    query.limit = Some(limit + 1);
    let rows = ctx.adapter.find_many("user", &query).await?;
    let more = rows.len() as i64 > limit;
    let page: Vec<Row> = rows.into_iter().take(limit as usize).collect();
    let next = if more {
        page.last()
            .and_then(|u| text(u, "email"))
            .map(str::to_owned)
    } else {
        None
    };
    for row in page {
        if !users.iter().any(|u| text(u, "id") == text(&row, "id")) {
            users.push(row);
        }
    }
    let users: Vec<Value> = users.iter().map(|u| session::user_json(ctx, u)).collect();
    Ok(AuthResponse::json(json!({"users": users, "nextCursor": next})).no_store())
}

async fn get_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let user_id = text_query(req, "userId")?.unwrap_or_default().to_owned();
    admin(ctx, req, "user", "get", YOU_ARE_NOT_ALLOWED_TO_GET_USER).await?;
    let user = existing_user(ctx, &user_id).await?;
    let sessions: Vec<Value> = session::list_user_sessions(ctx, &user_id)
        .await?
        .iter()
        .map(|r| session::session_json(ctx, r, None))
        .collect();
    let owned = |table: &str| {
        let mut q = Query::filter(vec![Where::eq("userId", user_id.as_str())]);
        q.limit = Some(DETAIL_ROWS);
        let table = table.to_owned();
        async move { ctx.adapter.find_many(&table, &q).await }
    };
    let account_rows = owned("account").await?;
    let accounts: Vec<Value> = account_rows
        .iter()
        .map(|a| {
            json!({
                "id": text(a, "id"),
                "providerId": text(a, "providerId"),
                "accountId": text(a, "accountId"),
                "createdAt": a.get("createdAt").and_then(Cell::as_date),
            })
        })
        .collect();
    let password = account_rows.iter().any(|a| {
        text(a, "providerId") == Some("credential")
            && text(a, "password").is_some_and(|p| !p.is_empty())
    });
    // Parts other plugins own, read only while their tables exist.
    let passkeys = if ctx.schema.table("passkey").is_some() {
        Some(
            ctx.adapter
                .count("passkey", &[Where::eq("userId", user_id.as_str())])
                .await?,
        )
    } else {
        None
    };
    let organizations =
        if ctx.schema.table("member").is_some() && ctx.schema.table("organization").is_some() {
            let members = owned("member").await?;
            let ids: Vec<Cell> = members
                .iter()
                .filter_map(|m| text(m, "organizationId"))
                .map(|id| Cell::String(id.to_owned()))
                .collect();
            let orgs = if ids.is_empty() {
                Vec::new()
            } else {
                ctx.adapter
                    .find_many(
                        "organization",
                        &Query::filter(vec![Where::is_in("id", ids)]),
                    )
                    .await?
            };
            Some(
                members
                    .iter()
                    .filter_map(|m| {
                        let id = text(m, "organizationId")?;
                        let org = orgs.iter().find(|o| text(o, "id") == Some(id));
                        Some(json!({
                            "id": id,
                            "name": org.and_then(|o| text(o, "name")),
                            "slug": org.and_then(|o| text(o, "slug")),
                            "role": text(m, "role"),
                        }))
                    })
                    .collect::<Vec<_>>(),
            )
        } else {
            None
        };
    Ok(AuthResponse::json(json!({
        "user": session::user_json(ctx, &user),
        "sessions": sessions,
        "accounts": accounts,
        "factors": {
            "password": password,
            "twoFactor": crate::two_factor::enabled_for(&user),
            "passkeys": passkeys,
        },
        "organizations": organizations,
    }))
    .no_store())
}

async fn list_sessions(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let limit = page_limit(req)?;
    admin(
        ctx,
        req,
        "session",
        "list",
        YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS,
    )
    .await?;
    let impersonated = match req.query_param("impersonated").unwrap_or("false") {
        "false" | "" => false,
        "true" => true,
        _ => return Err(bad_query("impersonated must be true or false")),
    };
    let named = match text_query(req, "userId")? {
        Some(v) => Some(user_named(ctx, v).await?),
        None => None,
    };
    let user_id = named.as_deref();
    let cursor = text_query(req, "cursor")?;
    let mut rows: Vec<Row> = if ctx.config.session.store_in_secondary {
        // Sessions live in the secondary storage, listed per user only.
        let Some(user_id) = user_id else {
            return Err(bad_query(
                "with SESSION_STORE=secondary, sessions are listed one user at a time: pass userId",
            ));
        };
        let mut rows = session::list_user_sessions(ctx, user_id).await?;
        rows.sort_by(|a, b| text(a, "id").cmp(&text(b, "id")));
        rows.retain(|r| cursor.is_none_or(|c| text(r, "id").is_some_and(|id| id > c)));
        rows.truncate(limit as usize + 1);
        rows
    } else {
        let mut wheres = vec![Where::op("expiresAt", WhereOp::Gt, ctx.now())];
        if let Some(u) = user_id {
            wheres.push(Where::eq("userId", u));
        }
        if impersonated {
            wheres.push(Where::op("impersonatedBy", WhereOp::Ne, Cell::Null));
        }
        if let Some(c) = cursor {
            wheres.push(Where::op("id", WhereOp::Gt, c.to_owned()));
        }
        let mut query = Query::filter(wheres).sort("id", SortDirection::Asc);
        query.limit = Some(limit + 1);
        ctx.adapter.find_many("session", &query).await?
    };
    if impersonated {
        // The secondary store's rows, filtered here (the database filtered its own).
        rows.retain(|r| text(r, "impersonatedBy").is_some());
    }
    let more = rows.len() as i64 > limit;
    let page: Vec<Row> = rows.into_iter().take(limit as usize).collect();
    let next = if more {
        page.last().and_then(|s| text(s, "id")).map(str::to_owned)
    } else {
        None
    };
    let owners: Vec<&str> = page.iter().filter_map(|s| text(s, "userId")).collect();
    let emails = user_emails(ctx, owners).await?;
    let sessions: Vec<Value> = page
        .iter()
        .map(|s| {
            let mut v = session::session_json(ctx, s, None);
            v["userEmail"] = json!(text(s, "userId").and_then(|id| emails.get(id)));
            v
        })
        .collect();
    Ok(AuthResponse::json(json!({"sessions": sessions, "nextCursor": next})).no_store())
}

async fn stats(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    admin(ctx, req, "user", "list", YOU_ARE_NOT_ALLOWED_TO_LIST_USERS).await?;
    Ok(AuthResponse::json(counts::overview(ctx).await?).no_store())
}

async fn send_reset_link(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = admin(
        ctx,
        req,
        "user",
        "set-password",
        YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD,
    )
    .await?;
    let user_id = req.str_field("userId").unwrap_or_default();
    if user_id.chars().any(char::is_control) {
        return Err(bad_query("userId is an id, without control characters"));
    }
    let user = existing_user(ctx, user_id).await?;
    let email = text(&user, "email").unwrap_or_default();
    portcullis_core::routes::password_reset::send_reset_link(ctx, email, None).await?;
    audit::record(
        ctx,
        ctx.adapter.as_ref(),
        event(req, &me, "admin.send_reset_link", user_id),
    )
    .await?;
    Ok(AuthResponse::json(json!({"status": true})).no_store())
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn a_prefix_becomes_a_range() {
        assert_eq!(prefix_end("ann").as_deref(), Some("ano"));
        assert_eq!(prefix_end("a@").as_deref(), Some("aA"));
        assert_eq!(prefix_end("z").as_deref(), Some("{"));
        assert_eq!(prefix_end("\u{d7ff}").as_deref(), Some("\u{e000}"));
        assert_eq!(prefix_end("a\u{10ffff}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10ffff}"), None);
        assert_eq!(prefix_end(""), None);
    }
}
