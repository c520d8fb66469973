//! sqlx backends for SQLite, PostgreSQL and MySQL/MariaDB. One generic CRUD implementation runs
//! on all of them, on a pool or inside a transaction, through the small `Runner` seam.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::mysql::{MySqlArguments, MySqlConnectOptions, MySqlPoolOptions, MySqlRow};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqlitePoolOptions, SqliteRow};
use sqlx::{MySql, Postgres, Row as _, Sqlite};
use tokio::sync::Mutex;

use super::generator::{self, Dialect, Generator, Statement};
use super::kept::{KEEP_IDLE_FOR, KeptConnections, most_to_keep, on_kept};
use super::migrate;
use super::session_checks::{Answer, SessionChecks, Statements};
use crate::adapter::{
    Adapter, MigrationPlan, MigrationReport, Query, Result, StorageError, Store, Transaction, Where,
};
use crate::schema::{Field, FieldType, Schema, Table};
use crate::value::{Row, Value, iso, parse_date};

/// The pool of each engine, with the connections kept out of it between queries.
#[derive(Clone)]
enum Pool {
    Sqlite(Arc<KeptConnections<Sqlite>>),
    Postgres(Arc<KeptConnections<Postgres>>),
    Mysql(Arc<KeptConnections<MySql>>),
}

impl Pool {
    /// Starts the reachability probe (see `kept`).
    fn suspect(&self) {
        match self {
            Pool::Sqlite(p) => p.suspect(),
            Pool::Postgres(p) => p.suspect(),
            Pool::Mysql(p) => p.suspect(),
        }
    }

    fn dialect(&self) -> Dialect {
        match self {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
            Pool::Mysql(_) => Dialect::Mysql,
        }
    }
}

/// The SQL adapter: a pool plus the schema used to decode rows.
#[derive(Clone)]
pub struct SqlAdapter {
    pool: Pool,
    schema: Arc<Schema>,
    /// The session check's statement, built once (None when the schema lacks the tables).
    session_check: Option<Arc<str>>,
    /// PostgreSQL: the session check's own connections (none on other engines, on a pool of
    /// one, or without the session tables).
    session_checks: Option<SessionChecks>,
    /// The pool's size: how many dead connections one read may have to get past.
    pool_size: u32,
    /// SQLite has one writer at a time. Transactions queue here before they take a connection,
    /// so that the queue holds no pooled connections: a transaction that also reads outside
    /// itself (or a plain statement) always finds one, instead of the pool running dry while
    /// every connection waits on the file's lock.
    sqlite_writer: Arc<tokio::sync::Semaphore>,
}

/// A PostgreSQL URL without `channel_binding`, which hosted databases (Neon) put in the URLs
/// they hand out. sqlx authenticates with SCRAM-SHA-256 but not its channel-bound variant
/// (SCRAM-SHA-256-PLUS), so the parameter cannot be honoured: it is dropped, and when it asks
/// for binding the log says that the connection rests on TLS certificate checks alone.
fn without_channel_binding(url: &str) -> Result<String> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| StorageError::UnsupportedUrl(e.to_string()))?;
    let mut binding = None;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(name, value)| {
            let is_binding = name == "channel_binding";
            if is_binding {
                binding = Some(value.to_string());
            }
            !is_binding
        })
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let Some(binding) = binding else {
        return Ok(url.to_owned());
    };
    if binding == "require" {
        tracing::warn!(
            "DATABASE_URL asks for channel_binding=require, which the PostgreSQL driver does \
             not support: the connection is protected by TLS alone; use sslmode=verify-full so \
             that the server's certificate is checked"
        );
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok(parsed.into())
}

/// A failed first connection, said so that the operator knows what to change: TLS failures
/// (an untrusted certificate, a server without TLS) are named as such.
fn connect_error(e: sqlx::Error) -> StorageError {
    match e {
        // sqlx's own TLS errors, and the handshake's, which rustls reports as invalid data.
        sqlx::Error::Tls(tls) => tls_failed(&tls),
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => tls_failed(&io),
        other => other.into(),
    }
}

fn tls_failed(e: &dyn std::fmt::Display) -> StorageError {
    StorageError::Tls(format!(
        "TLS to the database failed: {e} (does the server offer TLS, and is its certificate \
         signed by the CA in sslrootcert / ssl-ca or by a system root, for the host named?)"
    ))
}

impl SqlAdapter {
    /// Connects to `sqlite://…` (created if missing), `postgres://…`, or `mysql://…` /
    /// `mariadb://…` (the same protocol; the database must exist). On PostgreSQL,
    /// `session_check_lanes` of the pool's connections are kept for session checks (at most
    /// half the pool; 0: none).
    pub async fn connect(
        url: &str,
        pool_size: u32,
        session_check_lanes: usize,
        schema: Arc<Schema>,
    ) -> Result<Self> {
        Self::open(url, pool_size, session_check_lanes, schema, false).await
    }

    /// Connects to a database to read from, such as another Better Auth's for an import: a
    /// SQLite file must exist and is opened read-only; `schema` names what to read.
    pub async fn connect_read_only(url: &str, schema: Arc<Schema>) -> Result<Self> {
        Self::open(url, 2, 0, schema, true).await
    }

    async fn open(
        url: &str,
        pool_size: u32,
        session_check_lanes: usize,
        schema: Arc<Schema>,
        read_only: bool,
    ) -> Result<Self> {
        // Connections kept between queries: fewer than the lanes leave to the pool.
        let kept = |dialect: Dialect| {
            most_to_keep(
                pool_size.max(1),
                lanes_to_keep(dialect, pool_size, session_check_lanes),
            )
        };
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StorageError::UnsupportedUrl(e.to_string()))?;
            let opts = if read_only {
                // Another system's database: opened as it is, never created or switched to WAL.
                opts.read_only(true)
            } else {
                opts.create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    // FULL: a committed write survives a crash of the process or the machine.
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
                    .foreign_keys(true)
            }
            .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(pool_size.max(1))
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            Pool::Sqlite(Arc::new(KeptConnections::new(
                pool,
                kept(Dialect::Sqlite),
                KEEP_IDLE_FOR,
            )))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(&without_channel_binding(url)?)
                .map_err(|e| StorageError::UnsupportedUrl(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(pool_size.max(1))
                .acquire_timeout(Duration::from_secs(3))
                // sqlx pings a connection when it goes back to the pool and, by default, again
                // before handing it out: three round trips for a one-query statement. The ping
                // on release already closes a broken connection, so the second is dropped (and
                // connections kept between queries skip the first: see `kept`).
                .test_before_acquire(false)
                .connect_with(opts)
                .await
                .map_err(connect_error)?;
            Pool::Postgres(Arc::new(KeptConnections::new(
                pool,
                kept(Dialect::Postgres),
                KEEP_IDLE_FOR,
            )))
        } else if let Some(rest) = url
            .strip_prefix("mysql:")
            .or_else(|| url.strip_prefix("mariadb:"))
        {
            let opts = MySqlConnectOptions::from_str(&format!("mysql:{rest}"))
                .map_err(|e| StorageError::UnsupportedUrl(e.to_string()))?
                .charset("utf8mb4")
                // MySQL stores TIMESTAMP/DATETIME without a zone and converts TIMESTAMP from the
                // session's zone: pin every connection to UTC (whatever the URL or server says)
                // so dates are written and read back as UTC.
                .timezone(Some("+00:00".to_owned()));
            let pool = MySqlPoolOptions::new()
                .max_connections(pool_size.max(1))
                .acquire_timeout(Duration::from_secs(3))
                // As for PostgreSQL: the ping on release is enough.
                .test_before_acquire(false)
                // PostgreSQL's level. InnoDB's default, REPEATABLE READ, locks the gaps next to
                // the rows a delete scans: two sign-ins that end other sessions then deadlock
                // on each other's session inserts. Single-use values stay single-use either
                // way: the one delete that removes a row wins.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::Executor::execute(
                            conn,
                            "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                        )
                        .await
                        .map(|_| ())
                    })
                })
                .connect_with(opts)
                .await
                .map_err(connect_error)?;
            Pool::Mysql(Arc::new(KeptConnections::new(
                pool,
                kept(Dialect::Mysql),
                KEEP_IDLE_FOR,
            )))
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StorageError::UnsupportedUrl(format!(
                "scheme `{scheme}` (expected sqlite://, postgres://, mysql:// or mariadb://)"
            )));
        };
        let dialect = pool.dialect();
        let tables = (schema.table("session"), schema.table("user"));
        let session_check: Option<Arc<str>> = match tables {
            (Some(s), Some(u)) => Some(generator::session_with_user_sql(dialect, s, u).into()),
            _ => None,
        };
        let lanes = lanes_to_keep(dialect, pool_size, session_check_lanes);
        let session_checks = match (&pool, &session_check, tables) {
            (Pool::Postgres(pg), Some(one), (Some(s), Some(u))) if lanes > 0 => {
                let statements = Statements {
                    one: one.clone(),
                    many: generator::sessions_with_users_sql(s, u),
                    session: s.clone(),
                    user: u.clone(),
                };
                Some(SessionChecks::new(pg.clone(), lanes, statements))
            }
            _ => None,
        };
        Ok(SqlAdapter {
            session_checks,
            sqlite_writer: Arc::new(tokio::sync::Semaphore::new(1)),
            pool_size: pool_size.max(1),
            pool,
            schema,
            session_check,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// Session-check lanes that no check holds now (PostgreSQL; 0 elsewhere). For diagnostics
    /// and tests: once no check runs, every lane is free.
    pub fn free_session_check_lanes(&self) -> usize {
        self.session_checks
            .as_ref()
            .map_or(0, SessionChecks::free_lanes)
    }

    /// Connections kept between queries now, out of the pool. For diagnostics and tests.
    pub fn kept_connections(&self) -> usize {
        match &self.pool {
            Pool::Sqlite(p) => p.kept(),
            Pool::Postgres(p) => p.kept(),
            Pool::Mysql(p) => p.kept(),
        }
    }
}

fn table<'s>(schema: &'s Schema, name: &str) -> Result<&'s Table> {
    schema
        .table(name)
        .ok_or_else(|| StorageError::UnknownTable(name.to_owned()))
}

// ---- binding -------------------------------------------------------------------------------

pub(super) fn bind_sqlite<'q>(
    mut q: sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>,
    params: &'q [(Value, FieldType)],
) -> sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>> {
    for (v, ty) in params {
        q = match (v, ty) {
            (Value::Null, _) => q.bind(Option::<String>::None),
            (Value::String(s), _) => q.bind(s.as_str()),
            (Value::Int(i), _) => q.bind(*i),
            (Value::Bool(b), _) => q.bind(i64::from(*b)),
            // Better Auth's SQLite databases hold dates as ISO strings; keep that format so
            // string comparison orders them correctly.
            (Value::Date(d), _) => q.bind(iso(d)),
            (Value::Json(j), _) => q.bind(j.to_string()),
        };
    }
    q
}

pub(super) fn bind_pg<'q>(
    mut q: sqlx::query::Query<'q, Postgres, PgArguments>,
    params: &'q [(Value, FieldType)],
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    for (v, ty) in params {
        q = match (v, ty) {
            (Value::Null, FieldType::String) => q.bind(Option::<String>::None),
            (Value::Null, FieldType::Number) => q.bind(Option::<i64>::None),
            (Value::Null, FieldType::Boolean) => q.bind(Option::<bool>::None),
            (Value::Null, FieldType::Date) => q.bind(Option::<DateTime<Utc>>::None),
            (Value::Null, FieldType::Json) => {
                q.bind(Option::<sqlx::types::Json<serde_json::Value>>::None)
            }
            (Value::Date(d), _) => q.bind(*d),
            (Value::String(s), FieldType::Date) => q.bind(parse_date(s)),
            (Value::String(s), _) => q.bind(s.as_str()),
            (Value::Int(i), _) => q.bind(*i),
            (Value::Bool(b), _) => q.bind(*b),
            (Value::Json(j), FieldType::Json) => q.bind(sqlx::types::Json(j.clone())),
            (Value::Json(j), _) => q.bind(j.to_string()),
        };
    }
    q
}

/// MySQL's `timestamp(3)` keeps milliseconds and *rounds* anything finer; truncate first so the
/// stored value is the one `iso()` shows (and equal to what PostgreSQL and SQLite give back).
fn mysql_millis(d: &DateTime<Utc>) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(d.timestamp_millis()).unwrap_or(*d)
}

pub(super) fn bind_mysql<'q>(
    mut q: sqlx::query::Query<'q, MySql, MySqlArguments>,
    params: &'q [(Value, FieldType)],
) -> sqlx::query::Query<'q, MySql, MySqlArguments> {
    for (v, ty) in params {
        q = match (v, ty) {
            (Value::Null, FieldType::Number) => q.bind(Option::<i64>::None),
            (Value::Null, FieldType::Boolean) => q.bind(Option::<bool>::None),
            (Value::Null, FieldType::Date) => q.bind(Option::<DateTime<Utc>>::None),
            (Value::Null, _) => q.bind(Option::<String>::None),
            // The session time zone is UTC (see `connect`): the naive UTC time is what is stored.
            (Value::Date(d), _) => q.bind(mysql_millis(d)),
            (Value::String(s), FieldType::Date) => q.bind(parse_date(s).map(|d| mysql_millis(&d))),
            (Value::String(s), _) => q.bind(s.as_str()),
            (Value::Int(i), _) => q.bind(*i),
            (Value::Bool(b), _) => q.bind(*b),
            // JSON travels as text; MySQL's `json` column (MariaDB: checked longtext) parses it.
            (Value::Json(j), _) => q.bind(j.to_string()),
        };
    }
    q
}

// ---- decoding ------------------------------------------------------------------------------

fn decode_err(t: &Table, field: &str, reason: impl ToString) -> StorageError {
    StorageError::Decode {
        table: t.name.clone(),
        field: field.to_owned(),
        reason: reason.to_string(),
    }
}

fn sqlite_date(row: &SqliteRow, i: usize) -> std::result::Result<Value, String> {
    match row.try_get::<Option<String>, _>(i) {
        Ok(None) => Ok(Value::Null),
        Ok(Some(s)) => parse_date(&s)
            .map(Value::Date)
            .ok_or_else(|| format!("not a date: {s}")),
        // Some writers store epoch milliseconds.
        Err(_) => row
            .try_get::<Option<i64>, _>(i)
            .map(|o| o.and_then(DateTime::<Utc>::from_timestamp_millis).into())
            .map_err(|e| e.to_string()),
    }
}

fn json_from_text(o: Option<String>) -> Value {
    match o {
        None => Value::Null,
        Some(s) => Value::Json(serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))),
    }
}

/// `t`'s columns, read from `row` starting at column `start`.
fn decode_sqlite(t: &Table, row: &SqliteRow, start: usize) -> Result<Row> {
    let mut out = Row::with_capacity(t.fields.len() + 1);
    for (i, name) in (start..).zip(t.column_names()) {
        let ty = t.field_type(name).unwrap_or(FieldType::String);
        let v = match ty {
            FieldType::String => row
                .try_get::<Option<String>, _>(i)
                .map(Value::from)
                .map_err(|e| e.to_string()),
            FieldType::Number => row
                .try_get::<Option<i64>, _>(i)
                .map(Value::from)
                .map_err(|e| e.to_string()),
            FieldType::Boolean => row
                .try_get::<Option<i64>, _>(i)
                .map(|o| o.map(|n| n != 0).into())
                .map_err(|e| e.to_string()),
            FieldType::Date => sqlite_date(row, i),
            FieldType::Json => row
                .try_get::<Option<String>, _>(i)
                .map(json_from_text)
                .map_err(|e| e.to_string()),
        }
        .map_err(|e| decode_err(t, name, e))?;
        out.insert(name.to_owned(), v);
    }
    Ok(out)
}

/// `t`'s columns, read from `row` starting at column `start`.
pub(super) fn decode_pg(t: &Table, row: &PgRow, start: usize) -> Result<Row> {
    let mut out = Row::with_capacity(t.fields.len() + 1);
    for (i, name) in (start..).zip(t.column_names()) {
        let ty = t.field_type(name).unwrap_or(FieldType::String);
        let v = match ty {
            FieldType::String => row.try_get::<Option<String>, _>(i).map(Value::from),
            FieldType::Number => row
                .try_get::<Option<i64>, _>(i)
                .or_else(|_| row.try_get::<Option<i32>, _>(i).map(|o| o.map(i64::from)))
                .or_else(|_| {
                    row.try_get::<Option<f64>, _>(i)
                        .map(|o| o.map(|f| f as i64))
                })
                .map(Value::from),
            FieldType::Boolean => row.try_get::<Option<bool>, _>(i).map(Value::from),
            FieldType::Date => row
                .try_get::<Option<DateTime<Utc>>, _>(i)
                .or_else(|_| {
                    row.try_get::<Option<NaiveDateTime>, _>(i)
                        .map(|o| o.map(|n| n.and_utc()))
                })
                .map(Value::from),
            FieldType::Json => row
                .try_get::<Option<serde_json::Value>, _>(i)
                .map(|o| o.map(Value::Json).unwrap_or(Value::Null))
                .or_else(|_| row.try_get::<Option<String>, _>(i).map(json_from_text)),
        }
        .map_err(|e| decode_err(t, name, e))?;
        out.insert(name.to_owned(), v);
    }
    Ok(out)
}

/// Text from any MySQL string column. `try_get::<String>` refuses columns flagged BINARY, which
/// includes every `_bin` collation (ours, and MariaDB's `json`), so read the bytes and check UTF-8.
fn mysql_text(row: &MySqlRow, i: usize) -> std::result::Result<Option<String>, String> {
    match row.try_get::<Option<Vec<u8>>, _>(i) {
        Ok(None) => Ok(None),
        Ok(Some(b)) => String::from_utf8(b)
            .map(Some)
            .map_err(|_| "not valid UTF-8".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// `t`'s columns, read from `row` starting at column `start`.
fn decode_mysql(t: &Table, row: &MySqlRow, start: usize) -> Result<Row> {
    let mut out = Row::with_capacity(t.fields.len() + 1);
    for (i, name) in (start..).zip(t.column_names()) {
        let ty = t.field_type(name).unwrap_or(FieldType::String);
        let v = match ty {
            FieldType::String => mysql_text(row, i).map(Value::from),
            FieldType::Number => row
                .try_get::<Option<i64>, _>(i)
                .or_else(|_| {
                    row.try_get::<Option<u64>, _>(i)
                        .map(|o| o.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
                })
                .or_else(|_| {
                    row.try_get::<Option<f64>, _>(i)
                        .map(|o| o.map(|f| f as i64))
                })
                .map(Value::from)
                .map_err(|e| e.to_string()),
            // `boolean` is `tinyint(1)`.
            FieldType::Boolean => row
                .try_get::<Option<bool>, _>(i)
                .map(Value::from)
                .map_err(|e| e.to_string()),
            // timestamp/datetime hold UTC (the session zone is +00:00).
            FieldType::Date => row
                .try_get::<Option<DateTime<Utc>>, _>(i)
                .or_else(|_| {
                    row.try_get::<Option<NaiveDateTime>, _>(i)
                        .map(|o| o.map(|n| n.and_utc()))
                })
                .map(Value::from)
                .or_else(|e| match mysql_text(row, i) {
                    Ok(None) => Ok(Value::Null),
                    Ok(Some(s)) => parse_date(&s)
                        .map(Value::Date)
                        .ok_or_else(|| format!("not a date: {s}")),
                    Err(_) => Err(e.to_string()),
                }),
            // MySQL's native `json` type first; MariaDB's json is text.
            FieldType::Json => row
                .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(i)
                .map(|o| o.map(|j| Value::Json(j.0)).unwrap_or(Value::Null))
                .or_else(|_| mysql_text(row, i).map(json_from_text)),
        }
        .map_err(|e| decode_err(t, name, e))?;
        out.insert(name.to_owned(), v);
    }
    Ok(out)
}

// ---- running -------------------------------------------------------------------------------

/// What differs between a pool and an open transaction: where statements run.
#[async_trait]
trait Runner: Send + Sync {
    fn dialect(&self) -> Dialect;
    fn schema(&self) -> &Schema;
    fn session_check_sql(&self) -> Option<&str>;
    /// The first row of a join, split into `first`'s columns and then `second`'s.
    async fn fetch_joined(
        &self,
        first: &Table,
        second: &Table,
        sql: &str,
        params: &[(Value, FieldType)],
    ) -> Result<Option<(Row, Row)>>;
    /// The session check's join: `fetch_joined`, unless the runner has a connection for it.
    async fn fetch_session_check(
        &self,
        session: &Table,
        user: &Table,
        sql: &str,
        params: &[(Value, FieldType)],
    ) -> Result<Option<(Row, Row)>> {
        self.fetch_joined(session, user, sql, params).await
    }
    async fn fetch(&self, t: &Table, stmt: &Statement) -> Result<Vec<Row>>;
    async fn fetch_count(&self, stmt: &Statement) -> Result<i64>;
    async fn execute(&self, stmt: &Statement) -> Result<u64>;
}

macro_rules! run_on {
    ($exec:expr, sqlite, fetch, $t:expr, $stmt:expr) => {{
        let rows = bind_sqlite(sqlx::query(&$stmt.sql), &$stmt.params)
            .fetch_all($exec)
            .await?;
        rows.iter().map(|r| decode_sqlite($t, r, 0)).collect()
    }};
    ($exec:expr, pg, fetch, $t:expr, $stmt:expr) => {{
        let rows = bind_pg(sqlx::query(&$stmt.sql), &$stmt.params)
            .fetch_all($exec)
            .await?;
        rows.iter().map(|r| decode_pg($t, r, 0)).collect()
    }};
    ($exec:expr, mysql, fetch, $t:expr, $stmt:expr) => {{
        let rows = bind_mysql(sqlx::query(&$stmt.sql), &$stmt.params)
            .fetch_all($exec)
            .await?;
        rows.iter().map(|r| decode_mysql($t, r, 0)).collect()
    }};
    ($exec:expr, sqlite, count, $stmt:expr) => {{
        let row = bind_sqlite(sqlx::query(&$stmt.sql), &$stmt.params)
            .fetch_one($exec)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }};
    ($exec:expr, pg, count, $stmt:expr) => {{
        let row = bind_pg(sqlx::query(&$stmt.sql), &$stmt.params)
            .fetch_one($exec)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }};
    ($exec:expr, mysql, count, $stmt:expr) => {{
        let row = bind_mysql(sqlx::query(&$stmt.sql), &$stmt.params)
            .fetch_one($exec)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }};
    ($exec:expr, sqlite, execute, $stmt:expr) => {{
        Ok(bind_sqlite(sqlx::query(&$stmt.sql), &$stmt.params)
            .execute($exec)
            .await?
            .rows_affected())
    }};
    ($exec:expr, pg, execute, $stmt:expr) => {{
        Ok(bind_pg(sqlx::query(&$stmt.sql), &$stmt.params)
            .execute($exec)
            .await?
            .rows_affected())
    }};
    ($exec:expr, mysql, execute, $stmt:expr) => {{
        Ok(bind_mysql(sqlx::query(&$stmt.sql), &$stmt.params)
            .execute($exec)
            .await?
            .rows_affected())
    }};
}

/// The first row of a join, decoded as `first`'s columns followed by `second`'s.
macro_rules! run_joined {
    ($exec:expr, $bind:ident, $decode:ident, $first:expr, $second:expr, $sql:expr, $params:expr) => {{
        match $bind(sqlx::query($sql), $params)
            .fetch_optional($exec)
            .await?
        {
            None => Ok(None),
            Some(r) => Ok(Some((
                $decode($first, &r, 0)?,
                $decode($second, &r, $first.column_names().count())?,
            ))),
        }
    }};
}

/// How many lanes answer session checks: as many as asked for, on PostgreSQL only, and at most
/// half the pool (the rest serves everything else, and the checks a failed lane hands back).
fn lanes_to_keep(dialect: Dialect, pool_size: u32, wanted: usize) -> usize {
    match dialect {
        Dialect::Postgres => wanted.min(usize::try_from(pool_size / 2).unwrap_or(0)),
        _ => 0,
    }
}

impl SqlAdapter {
    /// Runs a read, or the start of a transaction, again when the pooled connection it got
    /// turns out to be dead. After the database or the network to it has been away, the pool
    /// can still hold connections that broke while idle (the pool does not ping before handing
    /// one out: see `connect`). Nothing reached the database over a dead connection, and the
    /// pool closes it when it comes back, so the next try gets another connection, or a fresh
    /// one: at most one try more than the pool holds. Writes are never run twice.
    async fn again_past_dead_connections<T, Fut>(&self, mut op: impl FnMut() -> Fut) -> Result<T>
    where
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut left = self.pool_size;
        loop {
            match op().await {
                Err(StorageError::ConnectionLost(e)) if left > 0 => {
                    tracing::debug!(error = %e, "dead pooled connection; trying another");
                    // The database may have gone: the probe finds out (see `kept`).
                    self.pool.suspect();
                    left -= 1;
                }
                done => return done,
            }
        }
    }
}

#[async_trait]
impl Runner for SqlAdapter {
    fn dialect(&self) -> Dialect {
        SqlAdapter::dialect(self)
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn session_check_sql(&self) -> Option<&str> {
        self.session_check.as_deref()
    }
    async fn fetch_joined(
        &self,
        first: &Table,
        second: &Table,
        sql: &str,
        params: &[(Value, FieldType)],
    ) -> Result<Option<(Row, Row)>> {
        self.again_past_dead_connections(|| async {
            match &self.pool {
                Pool::Sqlite(p) => {
                    on_kept!(p, Result<Option<(Row, Row)>>, |c| run_joined!(
                        c,
                        bind_sqlite,
                        decode_sqlite,
                        first,
                        second,
                        sql,
                        params
                    ))
                }
                Pool::Postgres(p) => {
                    on_kept!(p, Result<Option<(Row, Row)>>, |c| run_joined!(
                        c, bind_pg, decode_pg, first, second, sql, params
                    ))
                }
                Pool::Mysql(p) => {
                    on_kept!(p, Result<Option<(Row, Row)>>, |c| run_joined!(
                        c,
                        bind_mysql,
                        decode_mysql,
                        first,
                        second,
                        sql,
                        params
                    ))
                }
            }
        })
        .await
    }
    async fn fetch_session_check(
        &self,
        session: &Table,
        user: &Table,
        sql: &str,
        params: &[(Value, FieldType)],
    ) -> Result<Option<(Row, Row)>> {
        if let Some(checks) = &self.session_checks
            && let [(Value::String(token), _)] = params
            && let Answer::Found(found) = checks.check(token).await
        {
            return Ok(found);
        }
        self.fetch_joined(session, user, sql, params).await
    }
    async fn fetch(&self, t: &Table, stmt: &Statement) -> Result<Vec<Row>> {
        self.again_past_dead_connections(|| async {
            match &self.pool {
                Pool::Sqlite(p) => {
                    on_kept!(p, Result<Vec<Row>>, |c| run_on!(c, sqlite, fetch, t, stmt))
                }
                Pool::Postgres(p) => {
                    on_kept!(p, Result<Vec<Row>>, |c| run_on!(c, pg, fetch, t, stmt))
                }
                Pool::Mysql(p) => {
                    on_kept!(p, Result<Vec<Row>>, |c| run_on!(c, mysql, fetch, t, stmt))
                }
            }
        })
        .await
    }
    async fn fetch_count(&self, stmt: &Statement) -> Result<i64> {
        self.again_past_dead_connections(|| async {
            match &self.pool {
                Pool::Sqlite(p) => on_kept!(p, Result<i64>, |c| run_on!(c, sqlite, count, stmt)),
                Pool::Postgres(p) => on_kept!(p, Result<i64>, |c| run_on!(c, pg, count, stmt)),
                Pool::Mysql(p) => on_kept!(p, Result<i64>, |c| run_on!(c, mysql, count, stmt)),
            }
        })
        .await
    }
    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        match &self.pool {
            Pool::Sqlite(p) => on_kept!(p, Result<u64>, |c| run_on!(c, sqlite, execute, stmt)),
            Pool::Postgres(p) => on_kept!(p, Result<u64>, |c| run_on!(c, pg, execute, stmt)),
            Pool::Mysql(p) => on_kept!(p, Result<u64>, |c| run_on!(c, mysql, execute, stmt)),
        }
    }
}

enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
    Mysql(sqlx::Transaction<'static, MySql>),
}

/// An open transaction; rolled back if dropped without `commit`.
pub struct SqlTransaction {
    tx: Mutex<Option<Tx>>,
    dialect: Dialect,
    schema: Arc<Schema>,
    session_check: Option<Arc<str>>,
    /// SQLite: the writer's turn, given back when the transaction ends (commit or drop).
    _writer: Option<tokio::sync::OwnedSemaphorePermit>,
}

fn tx_gone() -> StorageError {
    StorageError::Database("transaction already finished".into())
}

#[async_trait]
impl Runner for SqlTransaction {
    fn dialect(&self) -> Dialect {
        self.dialect
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn session_check_sql(&self) -> Option<&str> {
        self.session_check.as_deref()
    }
    async fn fetch_joined(
        &self,
        first: &Table,
        second: &Table,
        sql: &str,
        params: &[(Value, FieldType)],
    ) -> Result<Option<(Row, Row)>> {
        let mut guard = self.tx.lock().await;
        match guard.as_mut().ok_or_else(tx_gone)? {
            Tx::Sqlite(tx) => run_joined!(
                &mut **tx,
                bind_sqlite,
                decode_sqlite,
                first,
                second,
                sql,
                params
            ),
            Tx::Postgres(tx) => {
                run_joined!(&mut **tx, bind_pg, decode_pg, first, second, sql, params)
            }
            Tx::Mysql(tx) => run_joined!(
                &mut **tx,
                bind_mysql,
                decode_mysql,
                first,
                second,
                sql,
                params
            ),
        }
    }
    async fn fetch(&self, t: &Table, stmt: &Statement) -> Result<Vec<Row>> {
        let mut guard = self.tx.lock().await;
        match guard.as_mut().ok_or_else(tx_gone)? {
            Tx::Sqlite(tx) => run_on!(&mut **tx, sqlite, fetch, t, stmt),
            Tx::Postgres(tx) => run_on!(&mut **tx, pg, fetch, t, stmt),
            Tx::Mysql(tx) => run_on!(&mut **tx, mysql, fetch, t, stmt),
        }
    }
    async fn fetch_count(&self, stmt: &Statement) -> Result<i64> {
        let mut guard = self.tx.lock().await;
        match guard.as_mut().ok_or_else(tx_gone)? {
            Tx::Sqlite(tx) => run_on!(&mut **tx, sqlite, count, stmt),
            Tx::Postgres(tx) => run_on!(&mut **tx, pg, count, stmt),
            Tx::Mysql(tx) => run_on!(&mut **tx, mysql, count, stmt),
        }
    }
    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        let mut guard = self.tx.lock().await;
        match guard.as_mut().ok_or_else(tx_gone)? {
            Tx::Sqlite(tx) => run_on!(&mut **tx, sqlite, execute, stmt),
            Tx::Postgres(tx) => run_on!(&mut **tx, pg, execute, stmt),
            Tx::Mysql(tx) => run_on!(&mut **tx, mysql, execute, stmt),
        }
    }
}

#[async_trait]
impl<R: Runner> Store for R {
    async fn create(&self, table_name: &str, row: Row) -> Result<Row> {
        let t = table(self.schema(), table_name)?;
        let stmt = Generator::new(self.dialect(), t).insert(&row)?;
        if self.dialect().supports_returning() {
            let mut rows = self.fetch(t, &stmt).await?;
            rows.pop()
                .ok_or_else(|| StorageError::Database("insert returned no row".into()))
        } else {
            self.execute(&stmt).await?;
            // Without RETURNING, read the row back by id (same connection or transaction) so the
            // caller sees what was stored: defaults, NULL columns, dates at the column's precision.
            match row.get("id").filter(|id| !id.is_null()).cloned() {
                Some(id) => Ok(self
                    .find_one(table_name, &[Where::eq("id", id)])
                    .await?
                    .unwrap_or(row)),
                None => Ok(row),
            }
        }
    }

    async fn find_one(&self, table_name: &str, wheres: &[Where]) -> Result<Option<Row>> {
        let t = table(self.schema(), table_name)?;
        let q = Query {
            wheres: wheres.to_vec(),
            limit: Some(1),
            ..Default::default()
        };
        let stmt = Generator::new(self.dialect(), t).select(&q)?;
        Ok(self.fetch(t, &stmt).await?.pop())
    }

    async fn find_many(&self, table_name: &str, query: &Query) -> Result<Vec<Row>> {
        let t = table(self.schema(), table_name)?;
        let stmt = Generator::new(self.dialect(), t).select(query)?;
        self.fetch(t, &stmt).await
    }

    async fn count(&self, table_name: &str, wheres: &[Where]) -> Result<i64> {
        let t = table(self.schema(), table_name)?;
        let stmt = Generator::new(self.dialect(), t).count(wheres)?;
        self.fetch_count(&stmt).await
    }

    async fn count_by(
        &self,
        table_name: &str,
        field: &str,
        wheres: &[Where],
    ) -> Result<Vec<(String, i64)>> {
        let t = table(self.schema(), table_name)?;
        let stmt = Generator::new(self.dialect(), t).count_by(field, wheres)?;
        // The answer's shape, read as rows are: the group's value in the first (`id`) column,
        // then its count.
        let shape = Table::new(table_name, vec![Field::new("count", FieldType::Number)]);
        let rows = self.fetch(&shape, &stmt).await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let value = r.get("id")?.as_str()?.to_owned();
                Some((value, r.get("count")?.as_int()?))
            })
            .collect())
    }

    async fn update(&self, table_name: &str, wheres: &[Where], set: Row) -> Result<Option<Row>> {
        let t = table(self.schema(), table_name)?;
        let g = Generator::new(self.dialect(), t);
        if self.dialect().supports_returning() {
            let stmt = g.update(wheres, &set, true)?;
            return Ok(self.fetch(t, &stmt).await?.into_iter().next());
        }
        // Without RETURNING: pin the row by id first so a changed key cannot lose it.
        let Some(found) = self.find_one(table_name, wheres).await? else {
            return Ok(None);
        };
        let id = found.get("id").cloned().unwrap_or(Value::Null);
        let by_id = [Where::eq("id", id)];
        self.execute(&g.update(&by_id, &set, false)?).await?;
        self.find_one(table_name, &by_id).await
    }

    async fn update_many(&self, table_name: &str, wheres: &[Where], set: Row) -> Result<u64> {
        let t = table(self.schema(), table_name)?;
        let stmt = Generator::new(self.dialect(), t).update(wheres, &set, false)?;
        self.execute(&stmt).await
    }

    async fn find_session_and_user(&self, stored_token: &str) -> Result<Option<(Row, Row)>> {
        let schema = self.schema();
        let (session, user) = (table(schema, "session")?, table(schema, "user")?);
        let sql = self
            .session_check_sql()
            .ok_or_else(|| StorageError::UnknownTable("session".to_owned()))?;
        let params = [(Value::String(stored_token.to_owned()), FieldType::String)];
        self.fetch_session_check(session, user, sql, &params).await
    }

    async fn find_user_and_account(
        &self,
        wheres: &[Where],
        provider_id: &str,
    ) -> Result<Option<(Row, Option<Row>)>> {
        let schema = self.schema();
        let (user, account) = (table(schema, "user")?, table(schema, "account")?);
        let one_user = Query {
            wheres: wheres.to_vec(),
            limit: Some(1),
            ..Default::default()
        };
        let Statement { sql, mut params } =
            Generator::new(self.dialect(), user).select(&one_user)?;
        let sql =
            generator::user_with_account_sql(self.dialect(), &sql, user, account, params.len() + 1);
        params.push((Value::from(provider_id), FieldType::String));
        Ok(self
            .fetch_joined(user, account, &sql, &params)
            .await?
            // No account: the left join's columns are all NULL.
            .map(|(u, a)| (u, a.get("id").is_some_and(|id| !id.is_null()).then_some(a))))
    }

    async fn delete_many(&self, table_name: &str, wheres: &[Where]) -> Result<u64> {
        let t = table(self.schema(), table_name)?;
        let stmt = Generator::new(self.dialect(), t).delete(wheres)?;
        self.execute(&stmt).await
    }
}

#[async_trait]
impl Transaction for SqlTransaction {
    async fn commit(self: Box<Self>) -> Result<()> {
        let tx = self.tx.lock().await.take().ok_or_else(tx_gone)?;
        match tx {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
            Tx::Mysql(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

#[async_trait]
impl Adapter for SqlAdapter {
    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let writer =
            match self.pool {
                Pool::Sqlite(_) => Some(self.sqlite_writer.clone().acquire_owned().await.map_err(
                    |_| StorageError::Unavailable("the SQLite writer queue closed".into()),
                )?),
                _ => None,
            };
        let tx = self
            .again_past_dead_connections(|| async {
                Ok(match &self.pool {
                    Pool::Sqlite(p) => {
                        p.give_one_back();
                        // IMMEDIATE takes the write lock now, waiting for it under the busy
                        // timeout. A deferred transaction that reads and then writes fails
                        // at once with "database is locked" when another write got in between.
                        Tx::Sqlite(p.gated(p.pool().begin_with("BEGIN IMMEDIATE")).await?)
                    }
                    Pool::Postgres(p) => {
                        p.give_one_back();
                        Tx::Postgres(p.gated(p.pool().begin()).await?)
                    }
                    Pool::Mysql(p) => {
                        p.give_one_back();
                        Tx::Mysql(p.gated(p.pool().begin()).await?)
                    }
                })
            })
            .await?;
        Ok(Box::new(SqlTransaction {
            tx: Mutex::new(Some(tx)),
            dialect: self.dialect(),
            schema: self.schema.clone(),
            session_check: self.session_check.clone(),
            _writer: writer,
        }))
    }

    async fn migrate(&self, schema: &Schema) -> Result<MigrationReport> {
        match &self.pool {
            Pool::Sqlite(p) => migrate::run_sqlite(p.pool(), schema).await,
            Pool::Postgres(p) => migrate::run_pg(p.pool(), schema).await,
            Pool::Mysql(p) => migrate::run_mysql(p.pool(), schema).await,
        }
    }

    async fn plan_migration(&self, schema: &Schema) -> Result<MigrationPlan> {
        match &self.pool {
            Pool::Sqlite(p) => migrate::plan(&mut *p.pool().acquire().await?, schema).await,
            Pool::Postgres(p) => migrate::plan(&mut *p.pool().acquire().await?, schema).await,
            Pool::Mysql(p) => migrate::plan(&mut *p.pool().acquire().await?, schema).await,
        }
    }

    async fn table_columns(&self, table: &str) -> Result<std::collections::HashSet<String>> {
        match &self.pool {
            Pool::Sqlite(p) => migrate::columns(&mut *p.pool().acquire().await?, table).await,
            Pool::Postgres(p) => migrate::columns(&mut *p.pool().acquire().await?, table).await,
            Pool::Mysql(p) => migrate::columns(&mut *p.pool().acquire().await?, table).await,
        }
    }

    async fn ping(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => p
                .gated(sqlx::query("SELECT 1").execute(p.pool()))
                .await
                .map(|_| ()),
            Pool::Postgres(p) => p
                .gated(sqlx::query("SELECT 1").execute(p.pool()))
                .await
                .map(|_| ()),
            Pool::Mysql(p) => p
                .gated(sqlx::query("SELECT 1").execute(p.pool()))
                .await
                .map(|_| ()),
        }
    }

    fn backend_name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
            Pool::Mysql(_) => "mysql",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::temp_sqlite::TempSqlite;

    #[test]
    fn only_postgres_gets_lanes_and_at_most_half_the_pool() {
        assert_eq!(lanes_to_keep(Dialect::Postgres, 10, 1), 1);
        assert_eq!(lanes_to_keep(Dialect::Postgres, 10, 9), 5);
        assert_eq!(lanes_to_keep(Dialect::Postgres, 10, 0), 0);
        assert_eq!(lanes_to_keep(Dialect::Postgres, 1, 1), 0);
        assert_eq!(lanes_to_keep(Dialect::Mysql, 10, 5), 0);
        assert_eq!(lanes_to_keep(Dialect::Sqlite, 10, 5), 0);
    }

    fn row(fields: &[(&str, Value)]) -> Row {
        let mut r = Row::new();
        for (k, v) in fields {
            r.insert((*k).into(), v.clone());
        }
        r
    }

    #[tokio::test]
    async fn a_user_is_found_with_its_account_of_one_provider_in_one_lookup() {
        let db = TempSqlite::new("user-account");
        let schema = Arc::new(Schema::core());
        let a = SqlAdapter::connect(&db.url(), 2, 0, schema.clone())
            .await
            .expect("connect");
        a.migrate(&schema).await.expect("migrate");
        let now = Utc::now();
        for (id, email) in [("u1", "one@example.com"), ("u2", "two@example.com")] {
            let user = row(&[
                ("id", id.into()),
                ("name", id.into()),
                ("email", email.into()),
                ("emailVerified", true.into()),
                ("createdAt", now.into()),
                ("updatedAt", now.into()),
            ]);
            a.create("user", user).await.expect("user");
        }
        for (id, user, provider, password) in [
            ("a1", "u1", "github", None),
            ("a2", "u1", "credential", Some("stored-hash")),
            ("a3", "u2", "github", None),
        ] {
            let mut account = row(&[
                ("id", id.into()),
                ("accountId", user.into()),
                ("providerId", provider.into()),
                ("userId", user.into()),
                ("createdAt", now.into()),
                ("updatedAt", now.into()),
            ]);
            if let Some(p) = password {
                account.insert("password".into(), p.into());
            }
            a.create("account", account).await.expect("account");
        }
        let find = |email: &'static str, provider: &'static str| {
            let a = &a;
            async move {
                a.find_user_and_account(&[Where::eq("email", email)], provider)
                    .await
                    .expect("lookup")
            }
        };

        let (user, account) = find("one@example.com", "credential").await.expect("u1");
        assert_eq!(user.get("id"), Some(&Value::from("u1")));
        assert_eq!(user.get("email"), Some(&Value::from("one@example.com")));
        let account = account.expect("u1's credential account");
        assert_eq!(account.get("id"), Some(&Value::from("a2")));
        assert_eq!(account.get("password"), Some(&Value::from("stored-hash")));

        let (user, account) = find("two@example.com", "credential").await.expect("u2");
        assert_eq!(user.get("id"), Some(&Value::from("u2")));
        assert!(account.is_none(), "u2 has only a github account");
        let (_, account) = find("two@example.com", "github").await.expect("u2");
        assert_eq!(
            account.and_then(|a| a.get("id").cloned()),
            Some(Value::from("a3"))
        );

        assert!(find("nobody@example.com", "credential").await.is_none());
    }
}
