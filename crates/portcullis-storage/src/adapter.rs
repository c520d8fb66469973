//! The storage adapter: a small CRUD surface in Better Auth's spirit, plus transactions.

use async_trait::async_trait;

use crate::schema::Schema;
use crate::value::{Row, Value};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unknown table `{0}`")]
    UnknownTable(String),
    #[error("unknown field `{field}` on table `{table}`")]
    UnknownField { table: String, field: String },
    #[error("unique constraint violated")]
    UniqueViolation,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The connection broke under the statement (the server restarted, or a proxy or firewall
    /// dropped the connection while it sat idle in the pool). Another connection may work.
    #[error("database connection lost: {0}")]
    ConnectionLost(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("unsupported database url: {0}")]
    UnsupportedUrl(String),
    /// A TLS connection that cannot be made as configured (an untrusted certificate, a server
    /// without TLS), found at start-up.
    #[error("{0}")]
    Tls(String),
    #[error("bad stored value in {table}.{field}: {reason}")]
    Decode {
        table: String,
        field: String,
        reason: String,
    },
    /// `migrate` would create a unique index over columns whose existing rows repeat.
    #[error(
        "cannot create unique index `{index}` on {table} ({}): existing rows share the same \
         values in these columns; remove or merge the duplicates, then migrate again",
        .columns.join(", ")
    )]
    DuplicateRows {
        table: String,
        columns: Vec<String>,
        index: String,
    },
    /// The schema declares something `migrate` cannot apply (an index without columns, two
    /// migrations with the same version, a version below 1).
    #[error("invalid schema: {0}")]
    InvalidSchema(String),
    /// A numbered migration failed; nothing of it was recorded as applied.
    #[error("migration {component} {version} ({description}) failed: {source}")]
    MigrationFailed {
        component: String,
        version: i64,
        description: String,
        source: Box<StorageError>,
    },
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::UniqueViolation,
            // PostgreSQL's "terminating connection" (57P01 admin shutdown, 57P02 crash, 57P03
            // not accepting connections yet): the connection ends with the error.
            sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P0")) => {
                StorageError::ConnectionLost(e.to_string())
            }
            sqlx::Error::Io(_) => StorageError::ConnectionLost(e.to_string()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
                StorageError::Unavailable(e.to_string())
            }
            _ => StorageError::Database(e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhereOp {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    In,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connector {
    #[default]
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    pub field: String,
    pub op: WhereOp,
    /// For `In`, a `Value::Json` array is not used: the list goes in `values`.
    pub value: Value,
    pub values: Vec<Value>,
    pub connector: Connector,
}

impl Where {
    pub fn eq(field: &str, value: impl Into<Value>) -> Self {
        Self::op(field, WhereOp::Eq, value)
    }
    pub fn op(field: &str, op: WhereOp, value: impl Into<Value>) -> Self {
        Where {
            field: field.to_owned(),
            op,
            value: value.into(),
            values: Vec::new(),
            connector: Connector::And,
        }
    }
    pub fn is_in(field: &str, values: Vec<Value>) -> Self {
        Where {
            field: field.to_owned(),
            op: WhereOp::In,
            value: Value::Null,
            values,
            connector: Connector::And,
        }
    }
    pub fn or(mut self) -> Self {
        self.connector = Connector::Or;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub wheres: Vec<Where>,
    pub sort_by: Option<(String, SortDirection)>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Query {
    pub fn filter(wheres: Vec<Where>) -> Self {
        Query {
            wheres,
            ..Default::default()
        }
    }
    pub fn sort(mut self, field: &str, dir: SortDirection) -> Self {
        self.sort_by = Some((field.to_owned(), dir));
        self
    }
    pub fn limit(mut self, n: i64) -> Self {
        self.limit = Some(n);
        self
    }
}

/// The CRUD surface shared by a pooled adapter and an open transaction.
#[async_trait]
pub trait Store: Send + Sync {
    /// Inserts `row` (which must carry `id`) and returns it as stored.
    async fn create(&self, table: &str, row: Row) -> Result<Row>;
    async fn find_one(&self, table: &str, wheres: &[Where]) -> Result<Option<Row>>;
    async fn find_many(&self, table: &str, query: &Query) -> Result<Vec<Row>>;
    async fn count(&self, table: &str, wheres: &[Where]) -> Result<i64>;
    /// How many rows match `wheres`, for each value of the text column `field` (one grouped
    /// query: a page of organizations and their member counts). Rows whose `field` is NULL are
    /// left out; a value no row has is absent.
    async fn count_by(
        &self,
        table: &str,
        field: &str,
        wheres: &[Where],
    ) -> Result<Vec<(String, i64)>>;
    /// Updates the matching rows and returns one of them as updated, if any matched.
    async fn update(&self, table: &str, wheres: &[Where], set: Row) -> Result<Option<Row>>;
    async fn update_many(&self, table: &str, wheres: &[Where], set: Row) -> Result<u64>;
    async fn delete_many(&self, table: &str, wheres: &[Where]) -> Result<u64>;

    /// The session whose stored `token` equals `stored_token`, with its user: the hot path of
    /// every session check. Backends answer it in one round trip where they can.
    async fn find_session_and_user(&self, stored_token: &str) -> Result<Option<(Row, Row)>> {
        let Some(session) = self
            .find_one("session", &[Where::eq("token", stored_token)])
            .await?
        else {
            return Ok(None);
        };
        let user_id = session.get("userId").cloned().unwrap_or(Value::Null);
        Ok(self
            .find_one("user", &[Where::eq("id", user_id)])
            .await?
            .map(|user| (session, user)))
    }

    /// The user matching `wheres`, with its account of `provider_id` if it has one: the
    /// password sign-in's lookup. Backends answer it in one round trip where they can.
    async fn find_user_and_account(
        &self,
        wheres: &[Where],
        provider_id: &str,
    ) -> Result<Option<(Row, Option<Row>)>> {
        let Some(user) = self.find_one("user", wheres).await? else {
            return Ok(None);
        };
        let user_id = user.get("id").cloned().unwrap_or(Value::Null);
        let account = self
            .find_one(
                "account",
                &[
                    Where::eq("userId", user_id),
                    Where::eq("providerId", provider_id),
                ],
            )
            .await?;
        Ok(Some((user, account)))
    }
}

/// A transaction: the same surface, made durable only by `commit`. Dropping it rolls back.
#[async_trait]
pub trait Transaction: Store {
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// A numbered migration `migrate` applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    pub component: String,
    pub version: i64,
    pub description: String,
}

impl std::fmt::Display for AppliedMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.component, self.version, self.description
        )
    }
}

/// What `migrate` would change ([`Adapter::plan_migration`]): the report it would give and the
/// statements it would run, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MigrationPlan {
    pub report: MigrationReport,
    pub statements: Vec<String>,
}

/// Report of what `migrate` changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MigrationReport {
    pub created_tables: Vec<String>,
    pub added_columns: Vec<String>,
    pub created_indexes: Vec<String>,
    /// Numbered migrations applied by this run, in the order they ran.
    pub applied_migrations: Vec<AppliedMigration>,
}

impl MigrationReport {
    pub fn is_empty(&self) -> bool {
        self.created_tables.is_empty()
            && self.added_columns.is_empty()
            && self.created_indexes.is_empty()
            && self.applied_migrations.is_empty()
    }
}

#[async_trait]
pub trait Adapter: Store {
    async fn begin(&self) -> Result<Box<dyn Transaction>>;
    /// Creates missing tables, columns and indexes (never dropping or altering what exists),
    /// then runs the schema's numbered migrations not yet recorded, once each, in order.
    async fn migrate(&self, schema: &Schema) -> Result<MigrationReport>;
    /// What `migrate` would do now, without doing it: its report and its statements.
    async fn plan_migration(&self, schema: &Schema) -> Result<MigrationPlan>;
    /// The columns `table` has in the live database; empty when it does not exist.
    async fn table_columns(&self, table: &str) -> Result<std::collections::HashSet<String>>;
    /// A cheap round trip for health checks.
    async fn ping(&self) -> Result<()>;
    fn backend_name(&self) -> &'static str;
}
