//! `migrate`: compare the schema with the live database and create what is missing, then run
//! the schema's numbered migrations that have not run yet. Adding never drops, renames or alters
//! an existing column; only a numbered migration, written for the purpose, changes what exists.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::Utc;
use sqlx::{MySqlPool, PgPool, Row as _, SqlitePool};

use super::backend::{bind_mysql, bind_pg, bind_sqlite};
use super::generator::{self, Dialect, Generator, SCHEMA_VERSION_TABLE, Statement};
use crate::adapter::{AppliedMigration, MigrationPlan, MigrationReport, Result, StorageError};
use crate::schema::{Field, FieldType, Migration, MigrationStep, Schema, Table, TableIndex};

fn column_ddl(d: Dialect, t: &Table, f: &Field, new_table: bool) -> String {
    let mut s = format!("{} {}", d.quote(&f.name), d.table_column_type(t, f, false));
    // Columns added to an existing table stay nullable: its old rows have no value for them.
    let not_null = f.required && new_table;
    if not_null {
        s.push_str(" NOT NULL");
    } else if d == Dialect::Mysql && f.ty == FieldType::Date {
        // Spelled out: where explicit_defaults_for_timestamp is off, a bare TIMESTAMP is NOT NULL.
        s.push_str(" NULL");
    }
    if f.default_now {
        // MySQL wants the default's precision to match the column's, timestamp(3).
        s.push_str(match d {
            Dialect::Mysql => " DEFAULT CURRENT_TIMESTAMP(3)",
            _ => " DEFAULT CURRENT_TIMESTAMP",
        });
    }
    if f.unique && new_table {
        s.push_str(" UNIQUE");
    }
    // MySQL before 9.0 parses and silently ignores column-level REFERENCES: MySQL gets
    // table-level FOREIGN KEY clauses instead (see `create_table_ddl`).
    if let (Some((rt, rc)), true, false) = (&f.references, new_table, d == Dialect::Mysql) {
        s.push_str(&format!(
            " REFERENCES {} ({}) ON DELETE CASCADE",
            d.quote(rt),
            d.quote(rc)
        ));
    }
    s
}

fn create_table_ddl(d: Dialect, t: &Table) -> String {
    let id = Field::new("id", crate::schema::FieldType::String);
    let mut cols = vec![format!(
        "{} {} NOT NULL PRIMARY KEY",
        d.quote("id"),
        d.column_type(&id, true)
    )];
    cols.extend(t.fields.iter().map(|f| column_ddl(d, t, f, true)));
    if d != Dialect::Mysql {
        return format!("CREATE TABLE {} ({})", d.quote(&t.name), cols.join(", "));
    }
    for f in &t.fields {
        if let Some((rt, rc)) = &f.references {
            cols.push(format!(
                "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE CASCADE",
                d.quote(&f.name),
                d.quote(rt),
                d.quote(rc)
            ));
        }
    }
    // utf8mb4_bin: byte-exact, case-sensitive comparisons and unique keys on tokens, ids and
    // emails, as on PostgreSQL and SQLite (the server default collation is usually `_ci`).
    format!(
        "CREATE TABLE {} ({}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        d.quote(&t.name),
        cols.join(", ")
    )
}

/// Index names as Better Auth's migrator gives them: `<table>_<column>_idx` / `_key`.
fn index_ddl(d: Dialect, t: &Table, f: &Field, unique: bool) -> (String, String) {
    let name = if unique {
        format!("{}_{}_key", t.name, f.name)
    } else {
        format!("{}_{}_idx", t.name, f.name)
    };
    // MySQL 8 has no `CREATE INDEX IF NOT EXISTS` (MariaDB has): the caller checks existence
    // first, and the migration lock keeps another instance from racing it.
    let sql = format!(
        "CREATE {}INDEX {}{} ON {} ({})",
        if unique { "UNIQUE " } else { "" },
        if d == Dialect::Mysql {
            ""
        } else {
            "IF NOT EXISTS "
        },
        d.quote(&name),
        d.quote(&t.name),
        d.quote(&f.name)
    );
    (name, sql)
}

/// The statements that bring one table up to the schema, given what exists.
fn plan_table(
    d: Dialect,
    t: &Table,
    existing_columns: Option<&HashSet<String>>,
    existing_indexes: &HashSet<String>,
    report: &mut MigrationReport,
) -> Vec<String> {
    let mut stmts = Vec::new();
    match existing_columns {
        None => {
            stmts.push(create_table_ddl(d, t));
            report.created_tables.push(t.name.clone());
        }
        Some(cols) => {
            for f in t.fields.iter().filter(|f| !cols.contains(&f.name)) {
                stmts.push(format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    d.quote(&t.name),
                    column_ddl(d, t, f, false)
                ));
                report.added_columns.push(format!("{}.{}", t.name, f.name));
                if f.unique {
                    let (name, sql) = index_ddl(d, t, f, true);
                    stmts.push(sql);
                    report.created_indexes.push(name);
                }
            }
        }
    }
    for f in t.fields.iter().filter(|f| f.index && !f.unique) {
        let (name, sql) = index_ddl(d, t, f, false);
        if !existing_indexes.contains(&name) {
            stmts.push(sql);
            report.created_indexes.push(name);
        }
    }
    stmts
}

/// Checks what the schema declares before anything runs: index columns and backfilled columns
/// exist, and each component's migration versions are distinct and start at 1.
fn check(schema: &Schema) -> Result<()> {
    for t in &schema.tables {
        for index in &t.indexes {
            generator::create_index_sql(Dialect::Sqlite, t, index)?;
        }
    }
    let mut seen = HashSet::new();
    for m in &schema.migrations {
        if m.component.is_empty() {
            return Err(StorageError::InvalidSchema(format!(
                "migration {} (`{}`) names no component",
                m.version, m.description
            )));
        }
        if m.version < 1 {
            return Err(StorageError::InvalidSchema(format!(
                "migration {} {} (`{}`): versions start at 1",
                m.component, m.version, m.description
            )));
        }
        if !seen.insert((m.component.as_str(), m.version)) {
            return Err(StorageError::InvalidSchema(format!(
                "two migrations of {} have version {}",
                m.component, m.version
            )));
        }
        for step in &m.steps {
            if let MigrationStep::Backfill { table, column, .. } = step {
                let t = schema
                    .table(table)
                    .ok_or_else(|| StorageError::UnknownTable(table.clone()))?;
                if t.field_type(column).is_none() {
                    return Err(StorageError::UnknownField {
                        table: table.clone(),
                        field: column.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// The migrations still to run, given each component's recorded version: components in the
/// order their first migration was added to the schema, each one's in version order.
fn pending_migrations<'m>(
    migrations: &'m [Migration],
    versions: &HashMap<String, i64>,
) -> Vec<&'m Migration> {
    let mut components: Vec<&str> = Vec::new();
    for m in migrations {
        if !components.contains(&m.component.as_str()) {
            components.push(&m.component);
        }
    }
    let mut pending = Vec::new();
    for component in components {
        let done = versions.get(component).copied().unwrap_or(0);
        let mut theirs: Vec<&Migration> = migrations
            .iter()
            .filter(|m| m.component == component && m.version > done)
            .collect();
        theirs.sort_by_key(|m| m.version);
        pending.extend(theirs);
    }
    pending
}

fn duplicate_rows(t: &Table, index: &TableIndex, name: &str) -> StorageError {
    StorageError::DuplicateRows {
        table: t.name.clone(),
        columns: index.columns.clone(),
        index: name.to_owned(),
    }
}

/// The connection `migrate` works on, holding the migration lock. On PostgreSQL and SQLite it
/// is inside the one transaction of the whole run.
#[async_trait]
pub(super) trait MigrateConn: Send {
    const DIALECT: Dialect;
    /// One statement, without parameters.
    async fn run(&mut self, sql: &str) -> Result<()>;
    /// A migration's own SQL, sent as text without parameters (not prepared), so it may hold
    /// several statements.
    async fn run_script(&mut self, sql: &str) -> Result<()>;
    async fn run_statement(&mut self, stmt: &Statement) -> Result<u64>;
    async fn count(&mut self, sql: &str) -> Result<i64>;
    /// The columns of `table`; empty when it does not exist.
    async fn columns(&mut self, table: &str) -> Result<HashSet<String>>;
    /// Every index name of the database (of the current schema on PostgreSQL).
    async fn index_names(&mut self) -> Result<HashSet<String>>;
    /// Each component's recorded migration version.
    async fn versions(&mut self) -> Result<HashMap<String, i64>>;
    /// Where a migration runs in a transaction of its own (MySQL), its start and end.
    async fn begin_migration(&mut self) -> Result<()> {
        Ok(())
    }
    async fn commit_migration(&mut self) -> Result<()> {
        Ok(())
    }
    async fn abort_migration(&mut self) {}
}

fn version_decode(field: &str, e: impl ToString) -> StorageError {
    StorageError::Decode {
        table: SCHEMA_VERSION_TABLE.to_owned(),
        field: field.to_owned(),
        reason: e.to_string(),
    }
}

/// A `MigrateConn` impl: the statements every engine runs alike (only the connection type and
/// its bind function differ), then the engine's own catalogue reads.
macro_rules! migrate_conn {
    ($conn:ty, $dialect:expr, $bind:ident, { $($own:tt)* }) => {
        #[async_trait]
        impl MigrateConn for $conn {
            const DIALECT: Dialect = $dialect;
            async fn run(&mut self, sql: &str) -> Result<()> {
                sqlx::query(sql).execute(&mut *self).await?;
                Ok(())
            }
            async fn run_script(&mut self, sql: &str) -> Result<()> {
                sqlx::Executor::execute(&mut *self, sql).await?;
                Ok(())
            }
            async fn run_statement(&mut self, stmt: &Statement) -> Result<u64> {
                Ok($bind(sqlx::query(&stmt.sql), &stmt.params)
                    .execute(&mut *self)
                    .await?
                    .rows_affected())
            }
            async fn count(&mut self, sql: &str) -> Result<i64> {
                Ok(sqlx::query_scalar(sql).fetch_one(&mut *self).await?)
            }
            $($own)*
        }
    };
}

migrate_conn!(sqlx::SqliteConnection, Dialect::Sqlite, bind_sqlite, {
    async fn columns(&mut self, table: &str) -> Result<HashSet<String>> {
        let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(table)
            .fetch_all(&mut *self)
            .await?;
        Ok(cols.into_iter().collect())
    }
    async fn index_names(&mut self) -> Result<HashSet<String>> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index'")
                .fetch_all(&mut *self)
                .await?;
        Ok(names.into_iter().collect())
    }
    async fn versions(&mut self) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query(&generator::schema_versions_sql(Self::DIALECT))
            .fetch_all(&mut *self)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>(0)
                        .map_err(|e| version_decode("component", e))?,
                    r.try_get::<i64, _>(1)
                        .map_err(|e| version_decode("version", e))?,
                ))
            })
            .collect()
    }
});

migrate_conn!(sqlx::PgConnection, Dialect::Postgres, bind_pg, {
    async fn columns(&mut self, table: &str) -> Result<HashSet<String>> {
        let cols: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(table)
        .fetch_all(&mut *self)
        .await?;
        Ok(cols.into_iter().collect())
    }
    async fn index_names(&mut self) -> Result<HashSet<String>> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()",
        )
        .fetch_all(&mut *self)
        .await?;
        Ok(names.into_iter().collect())
    }
    async fn versions(&mut self) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query(&generator::schema_versions_sql(Self::DIALECT))
            .fetch_all(&mut *self)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>(0)
                        .map_err(|e| version_decode("component", e))?,
                    r.try_get::<i64, _>(1)
                        .map_err(|e| version_decode("version", e))?,
                ))
            })
            .collect()
    }
});

/// Decodes a MySQL string as bytes: information_schema columns come back flagged BINARY on
/// some servers, which `String` refuses.
async fn mysql_names(
    conn: &mut sqlx::MySqlConnection,
    sql: &str,
    bind: Option<&str>,
) -> Result<HashSet<String>> {
    let mut q = sqlx::query_scalar::<_, Vec<u8>>(sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect())
}

migrate_conn!(sqlx::MySqlConnection, Dialect::Mysql, bind_mysql, {
    async fn columns(&mut self, table: &str) -> Result<HashSet<String>> {
        mysql_names(
            self,
            "SELECT column_name FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ?",
            Some(table),
        )
        .await
    }
    async fn index_names(&mut self) -> Result<HashSet<String>> {
        mysql_names(
            self,
            "SELECT DISTINCT index_name FROM information_schema.statistics \
             WHERE table_schema = DATABASE()",
            None,
        )
        .await
    }
    async fn versions(&mut self) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query(&generator::schema_versions_sql(Self::DIALECT))
            .fetch_all(&mut *self)
            .await?;
        rows.iter()
            .map(|r| {
                // `_bin` collations come back flagged BINARY: read bytes, check UTF-8.
                let component = r
                    .try_get::<Vec<u8>, _>(0)
                    .map_err(|e| version_decode("component", e))
                    .and_then(|b| {
                        String::from_utf8(b).map_err(|e| version_decode("component", e))
                    })?;
                let version = r
                    .try_get::<i64, _>(1)
                    .map_err(|e| version_decode("version", e))?;
                Ok((component, version))
            })
            .collect()
    }
    // DDL commits implicitly in MySQL, so a migration's DDL is not undone if a later step
    // fails; its data changes and the version it records commit together.
    async fn begin_migration(&mut self) -> Result<()> {
        sqlx::Executor::execute(&mut *self, "BEGIN").await?;
        Ok(())
    }
    async fn commit_migration(&mut self) -> Result<()> {
        sqlx::Executor::execute(&mut *self, "COMMIT").await?;
        Ok(())
    }
    async fn abort_migration(&mut self) {
        // The caller closes the connection after a failed run, which rolls back as well.
        let _ = sqlx::Executor::execute(&mut *self, "ROLLBACK").await;
    }
});

/// The whole of `migrate` once the lock is held: missing tables and columns (with Better
/// Auth's single-column indexes), then pending numbered migrations, then missing indexes over
/// several columns (after the migrations, which may first have to clean up duplicates).
async fn migrate_locked<C: MigrateConn>(c: &mut C, schema: &Schema) -> Result<MigrationReport> {
    check(schema)?;
    let mut report = MigrationReport::default();
    let mut indexes = c.index_names().await?;
    for t in &schema.tables {
        let cols = c.columns(&t.name).await?;
        let existing = (!cols.is_empty()).then_some(&cols);
        // MySQL: DDL commits implicitly, so each statement is checked against the live schema
        // first, and a rerun picks up where a failed run stopped.
        for stmt in plan_table(C::DIALECT, t, existing, &indexes, &mut report) {
            c.run(&stmt).await?;
        }
    }
    if run_migrations(c, schema, &mut report).await? > 0 {
        // A migration may have created or dropped indexes of its own.
        indexes = c.index_names().await?;
    }
    for t in &schema.tables {
        create_table_indexes(c, t, &indexes, &mut report).await?;
    }
    Ok(report)
}

/// Runs the migrations not yet recorded and records each; returns how many ran. The version
/// table is created with the first migration a schema declares, not before.
async fn run_migrations<C: MigrateConn>(
    c: &mut C,
    schema: &Schema,
    report: &mut MigrationReport,
) -> Result<usize> {
    if schema.migrations.is_empty() {
        return Ok(0);
    }
    if c.columns(SCHEMA_VERSION_TABLE).await?.is_empty() {
        c.run(&generator::schema_version_table_sql(C::DIALECT))
            .await?;
        report.created_tables.push(SCHEMA_VERSION_TABLE.to_owned());
    }
    let mut versions = c.versions().await?;
    let pending = pending_migrations(&schema.migrations, &versions);
    for m in &pending {
        c.begin_migration().await?;
        let recorded = versions.contains_key(&m.component);
        if let Err(e) = apply_migration(c, schema, m, recorded).await {
            c.abort_migration().await;
            return Err(StorageError::MigrationFailed {
                component: m.component.clone(),
                version: m.version,
                description: m.description.clone(),
                source: Box::new(e),
            });
        }
        c.commit_migration().await?;
        versions.insert(m.component.clone(), m.version);
        tracing::info!(component = %m.component, version = m.version, description = %m.description, "migration applied");
        report.applied_migrations.push(AppliedMigration {
            component: m.component.clone(),
            version: m.version,
            description: m.description.clone(),
        });
    }
    Ok(pending.len())
}

/// `m`'s steps, then its version recorded (an update when the component has a row).
async fn apply_migration<C: MigrateConn>(
    c: &mut C,
    schema: &Schema,
    m: &Migration,
    recorded: bool,
) -> Result<()> {
    for step in &m.steps {
        match step {
            MigrationStep::Sql(sql) => {
                if let Some(text) = sql.for_dialect(C::DIALECT) {
                    c.run_script(text).await?;
                }
            }
            MigrationStep::Backfill {
                table,
                column,
                value,
            } => {
                let t = schema
                    .table(table)
                    .ok_or_else(|| StorageError::UnknownTable(table.clone()))?;
                let stmt = Generator::new(C::DIALECT, t).backfill(column, value.clone())?;
                c.run_statement(&stmt).await?;
            }
        }
    }
    let record =
        generator::record_schema_version(C::DIALECT, &m.component, m.version, Utc::now(), recorded);
    c.run_statement(&record).await?;
    Ok(())
}

/// Creates `t`'s indexes over several columns that the database lacks (by name). A unique one
/// is refused with [`StorageError::DuplicateRows`] when existing rows already repeat.
async fn create_table_indexes<C: MigrateConn>(
    c: &mut C,
    t: &Table,
    existing: &HashSet<String>,
    report: &mut MigrationReport,
) -> Result<()> {
    for index in &t.indexes {
        let (name, sql) = generator::create_index_sql(C::DIALECT, t, index)?;
        if existing.contains(&name) || report.created_indexes.contains(&name) {
            continue;
        }
        // Counted first: PostgreSQL's own error would abort the transaction and names only
        // one duplicated key, and each engine words it differently.
        if index.unique
            && c.count(&generator::duplicate_groups_sql(C::DIALECT, t, index)?)
                .await?
                > 0
        {
            return Err(duplicate_rows(t, index, &name));
        }
        c.run(&sql).await.map_err(|e| match e {
            // A duplicate written since the count.
            StorageError::UniqueViolation if index.unique => duplicate_rows(t, index, &name),
            StorageError::Database(reason) => StorageError::Database(format!(
                "cannot create index `{name}` on {} ({}): {reason}{}",
                t.name,
                index.columns.join(", "),
                if reason.contains("BLOB/TEXT") {
                    " (MySQL indexes only sized string columns: a column created before the \
                     index was declared is `text`; a numbered migration can alter it to \
                     varchar(255) first)"
                } else {
                    ""
                }
            )),
            other => other,
        })?;
        report.created_indexes.push(name);
    }
    Ok(())
}

/// `migrate` against the live schema, with its changes written down instead of made.
struct DryRun<'c, C> {
    conn: &'c mut C,
    statements: Vec<String>,
}

#[async_trait]
impl<C: MigrateConn> MigrateConn for DryRun<'_, C> {
    const DIALECT: Dialect = C::DIALECT;
    async fn run(&mut self, sql: &str) -> Result<()> {
        self.statements.push(sql.to_owned());
        Ok(())
    }
    async fn run_script(&mut self, sql: &str) -> Result<()> {
        self.statements.push(sql.trim().to_owned());
        Ok(())
    }
    async fn run_statement(&mut self, stmt: &Statement) -> Result<u64> {
        let params: Vec<String> = stmt.params.iter().map(|(v, _)| format!("{v:?}")).collect();
        self.statements
            .push(format!("{} -- parameters: {}", stmt.sql, params.join(", ")));
        Ok(0)
    }
    async fn count(&mut self, sql: &str) -> Result<i64> {
        // A duplicate check reads the live rows; a table the plan would create has none (its
        // query fails, outside any transaction, harming nothing).
        Ok(self.conn.count(sql).await.unwrap_or(0))
    }
    async fn columns(&mut self, table: &str) -> Result<HashSet<String>> {
        self.conn.columns(table).await
    }
    async fn index_names(&mut self) -> Result<HashSet<String>> {
        self.conn.index_names().await
    }
    async fn versions(&mut self) -> Result<HashMap<String, i64>> {
        if self.conn.columns(SCHEMA_VERSION_TABLE).await?.is_empty() {
            return Ok(HashMap::new());
        }
        self.conn.versions().await
    }
}

/// What `migrate` would do on `conn` now: read the live schema, change nothing.
pub(super) async fn plan<C: MigrateConn>(conn: &mut C, schema: &Schema) -> Result<MigrationPlan> {
    let mut dry = DryRun {
        conn,
        statements: Vec::new(),
    };
    let report = migrate_locked(&mut dry, schema).await?;
    Ok(MigrationPlan {
        report,
        statements: dry.statements,
    })
}

/// The columns `table` has; empty when it does not exist.
pub(super) async fn columns<C: MigrateConn>(conn: &mut C, table: &str) -> Result<HashSet<String>> {
    conn.columns(table).await
}

pub async fn run_sqlite(pool: &SqlitePool, schema: &Schema) -> Result<MigrationReport> {
    // IMMEDIATE takes the write lock at once: two processes starting on one file take turns
    // (the busy timeout waits) rather than both reading the versions and one failing later.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let report = migrate_locked(&mut *tx, schema).await?;
    tx.commit().await?;
    Ok(report)
}

pub async fn run_pg(pool: &PgPool, schema: &Schema) -> Result<MigrationReport> {
    let mut tx = pool.begin().await?;
    // Several instances may start at once: one migrates, the others wait and then find nothing
    // to do (each reads the live schema and the recorded versions only once it holds the lock).
    sqlx::query("SELECT pg_advisory_xact_lock(7270011)")
        .execute(&mut *tx)
        .await?;
    let report = migrate_locked(&mut *tx, schema).await?;
    tx.commit().await?;
    Ok(report)
}

const MYSQL_LOCK: &str = "portcullis_migrate";

async fn migrate_mysql_locked(
    conn: &mut sqlx::MySqlConnection,
    schema: &Schema,
) -> Result<MigrationReport> {
    let db: Option<Vec<u8>> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *conn)
        .await?;
    if db.is_none() {
        return Err(StorageError::UnsupportedUrl(
            "a MySQL DATABASE_URL must name a database (mysql://user@host:3306/<database>)".into(),
        ));
    }
    // Where this is off (MySQL 5.7, MariaDB before 10.10), the first `timestamp NOT NULL` column
    // of a table silently gets `DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP`, which
    // would rewrite e.g. `session.expiresAt` on every update.
    let explicit: Option<i64> =
        sqlx::query_scalar("SELECT CAST(@@SESSION.explicit_defaults_for_timestamp AS SIGNED)")
            .fetch_one(&mut *conn)
            .await?;
    if explicit != Some(1) {
        sqlx::query("SET SESSION explicit_defaults_for_timestamp = 1")
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                StorageError::Database(format!(
                    "explicit_defaults_for_timestamp is off and cannot be set for this session \
                     ({e}); turn it on in the server configuration"
                ))
            })?;
    }
    // DDL commits implicitly in MySQL: there is no transaction around the whole run (each
    // numbered migration gets its own, for its data changes and its recorded version).
    migrate_locked(conn, schema).await
}

pub async fn run_mysql(pool: &MySqlPool, schema: &Schema) -> Result<MigrationReport> {
    let mut conn = pool.acquire().await?;
    // Several instances may start at once: one migrates, the others wait and then find nothing
    // to do. GET_LOCK belongs to this connection; it is released below whatever happens.
    let got: Option<i64> = sqlx::query_scalar("SELECT CAST(GET_LOCK(?, 30) AS SIGNED)")
        .bind(MYSQL_LOCK)
        .fetch_one(&mut *conn)
        .await?;
    if got != Some(1) {
        return Err(StorageError::Database(format!(
            "timed out after 30 s waiting for the migration lock `{MYSQL_LOCK}` \
             (another instance is migrating)"
        )));
    }
    let res = migrate_mysql_locked(&mut conn, schema).await;
    let released = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(MYSQL_LOCK)
        .execute(&mut *conn)
        .await;
    if released.is_err() || res.is_err() {
        // Closing the session frees its locks and ends any transaction a failed migration left
        // open; never hand such a connection back to the pool.
        let _ = conn.close().await;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_table_matches_better_auth_names() {
        let s = Schema::core();
        let t = s.table("session").expect("session");
        let ddl = create_table_ddl(Dialect::Postgres, t);
        assert!(ddl.starts_with("CREATE TABLE \"session\" (\"id\" text NOT NULL PRIMARY KEY"));
        assert!(ddl.contains("\"token\" text NOT NULL UNIQUE"));
        assert!(
            ddl.contains("\"userId\" text NOT NULL REFERENCES \"user\" (\"id\") ON DELETE CASCADE")
        );
        assert!(ddl.contains("\"expiresAt\" timestamptz NOT NULL"));
    }

    #[test]
    fn existing_tables_only_gain_missing_nullable_columns() {
        let s = Schema::core();
        let t = s.table("user").expect("user");
        let cols: HashSet<String> = [
            "id",
            "name",
            "email",
            "emailVerified",
            "createdAt",
            "updatedAt",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        let mut report = MigrationReport::default();
        let stmts = plan_table(
            Dialect::Sqlite,
            t,
            Some(&cols),
            &HashSet::new(),
            &mut report,
        );
        assert_eq!(
            stmts,
            vec!["ALTER TABLE \"user\" ADD COLUMN \"image\" text".to_string()]
        );
        assert_eq!(report.added_columns, vec!["user.image".to_string()]);
    }

    #[test]
    fn mysql_create_table_uses_sized_keys_table_level_fks_and_a_binary_collation() {
        let s = Schema::core();
        let t = s.table("session").expect("session");
        let ddl = create_table_ddl(Dialect::Mysql, t);
        assert!(
            ddl.starts_with("CREATE TABLE `session` (`id` varchar(36) NOT NULL PRIMARY KEY, "),
            "{ddl}"
        );
        assert!(ddl.contains("`expiresAt` timestamp(3) NOT NULL, "), "{ddl}");
        assert!(
            ddl.contains("`token` varchar(255) NOT NULL UNIQUE, "),
            "{ddl}"
        );
        assert!(
            ddl.contains("`createdAt` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), "),
            "{ddl}"
        );
        assert!(ddl.contains("`ipAddress` text, "), "{ddl}");
        // No column-level REFERENCES (MySQL < 9 ignores it): a table-level FOREIGN KEY.
        assert!(ddl.contains("`userId` varchar(36) NOT NULL, "), "{ddl}");
        assert!(
            ddl.ends_with(
                ", FOREIGN KEY (`userId`) REFERENCES `user` (`id`) ON DELETE CASCADE) \
                 ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
            ),
            "{ddl}"
        );
        let account = s.table("account").expect("account");
        let ddl = create_table_ddl(Dialect::Mysql, account);
        assert!(
            ddl.contains("`accessTokenExpiresAt` timestamp(3) NULL, "),
            "{ddl}"
        );
        let user = s.table("user").expect("user");
        let ddl = create_table_ddl(Dialect::Mysql, user);
        assert!(ddl.contains("`emailVerified` boolean NOT NULL, "), "{ddl}");
        assert!(!ddl.contains("FOREIGN KEY"), "{ddl}");
    }

    #[test]
    fn mysql_indexes_have_no_if_not_exists_and_are_skipped_when_present() {
        let s = Schema::core();
        let t = s.table("session").expect("session");
        let mut report = MigrationReport::default();
        let stmts = plan_table(Dialect::Mysql, t, None, &HashSet::new(), &mut report);
        assert_eq!(stmts.len(), 3);
        assert!(
            stmts
                .contains(&"CREATE INDEX `session_userId_idx` ON `session` (`userId`)".to_string()),
            "{stmts:?}"
        );
        assert_eq!(
            report.created_indexes,
            vec![
                "session_expiresAt_idx".to_string(),
                "session_userId_idx".to_string()
            ]
        );

        let existing: HashSet<String> = [
            "session_expiresAt_idx".to_string(),
            "session_userId_idx".to_string(),
        ]
        .into();
        let cols: HashSet<String> = t.column_names().map(str::to_owned).collect();
        let mut report = MigrationReport::default();
        let stmts = plan_table(Dialect::Mysql, t, Some(&cols), &existing, &mut report);
        assert!(stmts.is_empty(), "{stmts:?}");
        assert!(report.is_empty());
    }

    #[test]
    fn mysql_added_columns_are_nullable_and_unique_ones_get_an_index() {
        let mut s = Schema::core();
        s.extend(Table::new(
            "user",
            vec![
                Field::new("username", FieldType::String).unique(),
                Field::new("banExpires", FieldType::Date),
            ],
        ));
        let t = s.table("user").expect("user");
        let mut cols: HashSet<String> = t.column_names().map(str::to_owned).collect();
        cols.remove("username");
        cols.remove("banExpires");
        let mut report = MigrationReport::default();
        let stmts = plan_table(Dialect::Mysql, t, Some(&cols), &HashSet::new(), &mut report);
        assert_eq!(
            stmts,
            vec![
                "ALTER TABLE `user` ADD COLUMN `username` varchar(255)".to_string(),
                "CREATE UNIQUE INDEX `user_username_key` ON `user` (`username`)".to_string(),
                "ALTER TABLE `user` ADD COLUMN `banExpires` timestamp(3) NULL".to_string(),
            ]
        );
    }

    fn member() -> Table {
        Table::new(
            "member",
            vec![
                Field::new("organizationId", FieldType::String).required(),
                Field::new("userId", FieldType::String)
                    .required()
                    .references("user", "id"),
                Field::new("role", FieldType::String),
                Field::new("createdAt", FieldType::Date).required(),
            ],
        )
        .unique(&["organizationId", "userId"])
        .index(&["userId", "createdAt"])
    }

    #[test]
    fn mysql_sizes_string_columns_that_a_table_index_covers() {
        let ddl = create_table_ddl(Dialect::Mysql, &member());
        assert!(
            ddl.contains("`organizationId` varchar(255) NOT NULL, "),
            "{ddl}"
        );
        assert!(ddl.contains("`userId` varchar(36) NOT NULL, "), "{ddl}");
        assert!(ddl.contains("`role` text, "), "{ddl}");
        // The indexes are separate statements, with their own names.
        assert!(!ddl.contains("UNIQUE"), "{ddl}");
        let pg = create_table_ddl(Dialect::Postgres, &member());
        assert!(pg.contains("\"organizationId\" text NOT NULL, "), "{pg}");

        // A column added later to a table where an index covers it is sized as well.
        let t = member();
        let cols: HashSet<String> = ["id", "userId", "role", "createdAt"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let mut report = MigrationReport::default();
        let stmts = plan_table(
            Dialect::Mysql,
            &t,
            Some(&cols),
            &HashSet::new(),
            &mut report,
        );
        assert_eq!(
            stmts,
            vec!["ALTER TABLE `member` ADD COLUMN `organizationId` varchar(255)".to_string()]
        );
    }

    #[test]
    fn pending_migrations_follow_components_then_versions_and_skip_recorded_ones() {
        let migrations = vec![
            Migration::new("organization", 2, "b"),
            Migration::new("core", 1, "c1"),
            Migration::new("organization", 1, "a"),
            Migration::new("organization", 3, "c"),
            Migration::new("two-factor", 1, "t"),
        ];
        let order = |versions: &HashMap<String, i64>| {
            pending_migrations(&migrations, versions)
                .iter()
                .map(|m| format!("{}{}", m.component, m.version))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            order(&HashMap::new()),
            [
                "organization1",
                "organization2",
                "organization3",
                "core1",
                "two-factor1"
            ]
        );
        let recorded: HashMap<String, i64> =
            [("organization".to_owned(), 2), ("core".to_owned(), 1)].into();
        assert_eq!(order(&recorded), ["organization3", "two-factor1"]);
        // A database ahead of this build (a newer release ran): nothing to do.
        let ahead: HashMap<String, i64> = [
            ("organization".to_owned(), 9),
            ("core".to_owned(), 9),
            ("two-factor".to_owned(), 9),
        ]
        .into();
        assert!(order(&ahead).is_empty());
    }

    #[test]
    fn invalid_declarations_fail_before_anything_runs() {
        let with = |migrations: Vec<Migration>| {
            let mut s = Schema::core();
            s.extend(member());
            s.add_migrations(migrations);
            check(&s)
        };
        assert!(with(vec![Migration::new("org", 1, "a")]).is_ok());
        let err = with(vec![
            Migration::new("org", 1, "a"),
            Migration::new("org", 1, "b"),
        ])
        .unwrap_err();
        assert!(matches!(err, StorageError::InvalidSchema(_)), "{err:?}");
        let err = with(vec![Migration::new("org", 0, "a")]).unwrap_err();
        assert!(matches!(err, StorageError::InvalidSchema(_)), "{err:?}");
        let err = with(vec![Migration::new("", 1, "a")]).unwrap_err();
        assert!(matches!(err, StorageError::InvalidSchema(_)), "{err:?}");
        let err = with(vec![
            Migration::new("org", 1, "a").backfill("member", "nope", 1),
        ])
        .unwrap_err();
        assert!(matches!(err, StorageError::UnknownField { .. }), "{err:?}");
        let err = with(vec![Migration::new("org", 1, "a").backfill("nope", "x", 1)]).unwrap_err();
        assert!(matches!(err, StorageError::UnknownTable(_)), "{err:?}");

        let mut s = Schema::core();
        s.extend(member().unique(&["organizationId", "team\" OR 1=1"]));
        let err = check(&s).unwrap_err();
        assert!(matches!(err, StorageError::UnknownField { .. }), "{err:?}");
        let mut s = Schema::core();
        s.extend(member().index(&[]));
        assert!(matches!(check(&s), Err(StorageError::InvalidSchema(_))));
    }
}
