//! The overview's totals, kept as counters so that a page's request never counts a table.
//!
//! The `console-counts` job (one instance at a time, every [`RECOUNT_EVERY`]) counts users,
//! live sessions and accounts per way of signing in, and stores each total as a row of
//! `consoleCount` with the time it started counting. The overview reads those rows and adds
//! what the audit log recorded since to the users' total (sign-ups and creations, minus
//! deletions: a count over the time-ordered id's range), so that total is live while the others
//! are as of the count. The job's count corrects what the log cannot see (an import, the writes
//! in flight while it counted, a time the log was off), so the two never drift for long.
//!
//! The job's counts read indexes: `user`'s primary key, `session.expiresAt`, and
//! `account.providerId`, which this plugin indexes (with a numbered migration that sizes the
//! column on MySQL first, for databases made before).

use chrono::{DateTime, Utc};
use portcullis_core::plugin_parts::{Job, JobError};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{
    DialectSql, Field, FieldType, Migration, Query, Row, StorageError, Table, Value, Where, WhereOp,
};
use serde_json::{Value as Json, json};

const TABLE: &str = "consoleCount";
/// How often the totals are counted afresh.
pub const RECOUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

const USERS: &str = "users";
const ACTIVE_SESSIONS: &str = "activeSessions";
/// A method's row is named `method:<method>`.
const METHOD: &str = "method:";

/// Audited actions that make a user, and those that remove one.
const USER_MADE: &[&str] = &["user.sign_up", "admin.create_user"];
const USER_REMOVED: &[&str] = &["user.delete", "admin.remove_user", "anonymous.delete"];

/// One row per total: its name as id, the value, and when counting started.
pub fn table() -> Table {
    Table::new(
        TABLE,
        vec![
            Field::new("value", FieldType::Number).required(),
            Field::new("countedAt", FieldType::Date).required(),
        ],
    )
}

/// The index the per-method counts read. Better Auth's `account` table has none on
/// `providerId`.
pub fn account_index() -> Table {
    Table::new("account", Vec::new()).index(&["providerId"])
}

/// On MySQL a column made by Better Auth (or by Portcullis before the index) is `text`, which
/// cannot be indexed whole: sized first, as a new database makes it. Other engines need nothing.
pub fn migrations() -> Vec<Migration> {
    vec![
        Migration::new("admin", 1, "account.providerId sized for its index").sql(DialectSql {
            mysql: Some("ALTER TABLE `account` MODIFY `providerId` varchar(255) NOT NULL".into()),
            ..DialectSql::default()
        }),
    ]
}

pub fn job() -> Job {
    Job::new(
        "console-counts",
        RECOUNT_EVERY,
        portcullis_core::job!(run_recount),
    )
}

async fn run_recount(ctx: &AuthContext) -> Result<(), JobError> {
    recount(ctx).await?;
    Ok(())
}

/// The ways of signing in the overview splits users by, in its order.
fn methods(ctx: &AuthContext) -> Vec<String> {
    let mut providers: Vec<String> = Vec::new();
    if ctx.config.email_password_enabled {
        providers.push("credential".into());
    }
    if let Some(oauth) = ctx.plugin::<crate::oauth::OAuth>() {
        providers.extend(oauth.provider_ids().map(str::to_owned));
    }
    if ctx.schema.table("passkey").is_some() {
        providers.push("passkey".into());
    }
    providers
}

/// Counts every total and replaces the stored ones, together.
async fn recount(ctx: &AuthContext) -> Result<Vec<Row>, StorageError> {
    let started = ctx.now();
    let mut totals: Vec<(String, i64)> =
        vec![(USERS.into(), ctx.adapter.count("user", &[]).await?)];
    if !ctx.config.session.store_in_secondary {
        let live = ctx
            .adapter
            .count("session", &[Where::op("expiresAt", WhereOp::Gt, started)])
            .await?;
        totals.push((ACTIVE_SESSIONS.into(), live));
    }
    for method in methods(ctx) {
        let n = if method == "passkey" {
            ctx.adapter.count("passkey", &[]).await?
        } else {
            ctx.adapter
                .count("account", &[Where::eq("providerId", method.as_str())])
                .await?
        };
        totals.push((format!("{METHOD}{method}"), n));
    }
    let tx = ctx.adapter.begin().await?;
    tx.delete_many(TABLE, &[]).await?;
    let mut rows = Vec::with_capacity(totals.len());
    for (name, value) in totals {
        let mut row = Row::new();
        row.insert("id".into(), name.into());
        row.insert("value".into(), Value::from(value));
        row.insert("countedAt".into(), started.into());
        rows.push(tx.create(TABLE, row).await?);
    }
    tx.commit().await?;
    Ok(rows)
}

fn value_of(rows: &[Row], name: &str) -> Option<i64> {
    rows.iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(name))
        .and_then(|r| r.get("value"))
        .and_then(Value::as_int)
}

/// The overview's totals: the stored counts (counted now on a database never counted before),
/// with the users' total brought up to date from the audit log.
pub async fn overview(ctx: &AuthContext) -> Result<Json, ApiError> {
    let mut rows = ctx.adapter.find_many(TABLE, &Query::default()).await?;
    if value_of(&rows, USERS).is_none() {
        rows = recount(ctx).await?;
    }
    let counted_at: Option<DateTime<Utc>> = rows
        .iter()
        .find_map(|r| r.get("countedAt").and_then(Value::as_date));
    let mut users = value_of(&rows, USERS).unwrap_or(0);
    let mut live = false;
    if let Some(since) = counted_at {
        let made = crate::audit::successes_since(ctx, USER_MADE, since).await?;
        let removed = crate::audit::successes_since(ctx, USER_REMOVED, since).await?;
        if let (Some(made), Some(removed)) = (made, removed) {
            users = (users + made - removed).max(0);
            live = true;
        }
    }
    let methods: Vec<Json> = methods(ctx)
        .into_iter()
        .map(|m| {
            let accounts = value_of(&rows, &format!("{METHOD}{m}")).unwrap_or(0);
            json!({"method": m, "accounts": accounts})
        })
        .collect();
    Ok(json!({
        "users": users,
        "usersLive": live,
        "activeSessions": value_of(&rows, ACTIVE_SESSIONS),
        "methods": methods,
        "countedAt": counted_at,
    }))
}
