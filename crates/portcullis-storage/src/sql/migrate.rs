//! `migrate`: compare the schema with the live database and create what is missing.
//! It never drops, renames or alters an existing column.

use std::collections::HashSet;

use sqlx::{MySqlPool, PgPool, SqlitePool};

use super::generator::Dialect;
use crate::adapter::{MigrationReport, Result, StorageError};
use crate::schema::{Field, FieldType, Schema, Table};

fn column_ddl(d: Dialect, f: &Field, new_table: bool) -> String {
    let mut s = format!("{} {}", d.quote(&f.name), d.column_type(f, false));
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
    cols.extend(t.fields.iter().map(|f| column_ddl(d, f, true)));
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
                    column_ddl(d, f, false)
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

pub async fn run_sqlite(pool: &SqlitePool, schema: &Schema) -> Result<MigrationReport> {
    let mut report = MigrationReport::default();
    let mut tx = pool.begin().await?;
    let indexes: HashSet<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index'")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    for t in &schema.tables {
        let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(&t.name)
            .fetch_all(&mut *tx)
            .await?;
        let cols: HashSet<String> = cols.into_iter().collect();
        let existing = (!cols.is_empty()).then_some(&cols);
        for stmt in plan_table(Dialect::Sqlite, t, existing, &indexes, &mut report) {
            sqlx::query(&stmt).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(report)
}

pub async fn run_pg(pool: &PgPool, schema: &Schema) -> Result<MigrationReport> {
    let mut report = MigrationReport::default();
    let mut tx = pool.begin().await?;
    // Several instances may start at once: one migrates, the others wait and then find nothing to do.
    sqlx::query("SELECT pg_advisory_xact_lock(7270011)")
        .execute(&mut *tx)
        .await?;
    let indexes: HashSet<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()",
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for t in &schema.tables {
        let cols: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(&t.name)
        .fetch_all(&mut *tx)
        .await?;
        let cols: HashSet<String> = cols.into_iter().collect();
        let existing = (!cols.is_empty()).then_some(&cols);
        for stmt in plan_table(Dialect::Postgres, t, existing, &indexes, &mut report) {
            sqlx::query(&stmt).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(report)
}

const MYSQL_LOCK: &str = "portcullis_migrate";

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
    let mut report = MigrationReport::default();
    let indexes = mysql_names(
        conn,
        "SELECT DISTINCT index_name FROM information_schema.statistics \
         WHERE table_schema = DATABASE()",
        None,
    )
    .await?;
    for t in &schema.tables {
        let cols = mysql_names(
            conn,
            "SELECT column_name FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ?",
            Some(&t.name),
        )
        .await?;
        let existing = (!cols.is_empty()).then_some(&cols);
        // DDL commits implicitly in MySQL: there is no transaction to wrap this in. Each
        // statement is checked against the live schema first, so a rerun picks up where a
        // failed run stopped.
        for stmt in plan_table(Dialect::Mysql, t, existing, &indexes, &mut report) {
            sqlx::query(&stmt).execute(&mut *conn).await?;
        }
    }
    Ok(report)
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
    if released.is_err() {
        // Closing the session frees its locks; never hand a lock-holding connection back.
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
}
