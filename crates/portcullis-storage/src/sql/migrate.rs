//! `migrate`: compare the schema with the live database and create what is missing.
//! It never drops, renames or alters an existing column.

use std::collections::HashSet;

use sqlx::{PgPool, SqlitePool};

use super::generator::Dialect;
use crate::adapter::{MigrationReport, Result};
use crate::schema::{Field, Schema, Table};

fn column_ddl(d: Dialect, f: &Field, new_table: bool) -> String {
    let mut s = format!("{} {}", d.quote(&f.name), d.column_type(f, false));
    // Columns added to an existing table stay nullable: its old rows have no value for them.
    if f.required && new_table {
        s.push_str(" NOT NULL");
    }
    if f.default_now {
        s.push_str(" DEFAULT CURRENT_TIMESTAMP");
    }
    if f.unique && new_table {
        s.push_str(" UNIQUE");
    }
    if let (Some((rt, rc)), true) = (&f.references, new_table) {
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
    format!("CREATE TABLE {} ({})", d.quote(&t.name), cols.join(", "))
}

/// Index names as Better Auth's migrator gives them: `<table>_<column>_idx` / `_key`.
fn index_ddl(d: Dialect, t: &Table, f: &Field, unique: bool) -> (String, String) {
    let name = if unique {
        format!("{}_{}_key", t.name, f.name)
    } else {
        format!("{}_{}_idx", t.name, f.name)
    };
    let sql = format!(
        "CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
        if unique { "UNIQUE " } else { "" },
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
}
