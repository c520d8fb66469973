//! Turns adapter calls into SQL text plus typed parameters, for each dialect.

use chrono::{DateTime, Utc};

use crate::adapter::{Connector, Query, Result, SortDirection, StorageError, Where, WhereOp};
use crate::schema::{Field, FieldType, Table, TableIndex};
use crate::value::{Row, Value};

/// Where `migrate` records the migration version each component (`core`, a plugin id) has
/// reached: `component` (primary key), `version`, `appliedAt`. A table of Portcullis's own,
/// created only once a schema declares a migration; Better Auth never reads it.
pub const SCHEMA_VERSION_TABLE: &str = "portcullis_schema_version";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

/// SQL text with its parameters; each parameter carries the column type so NULLs bind typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<(Value, FieldType)>,
}

impl Dialect {
    pub fn quote(self, ident: &str) -> String {
        match self {
            Dialect::Mysql => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        }
    }

    /// The LIKE escape character. Not `\` on MySQL: there a backslash inside a string literal
    /// is itself an escape (unless NO_BACKSLASH_ESCAPES), so `'\'` would not even parse.
    fn like_escape(self) -> char {
        match self {
            Dialect::Mysql => '!',
            _ => '\\',
        }
    }

    pub fn supports_returning(self) -> bool {
        !matches!(self, Dialect::Mysql)
    }

    /// Column type as Better Auth's migrator writes it for each engine.
    pub fn column_type(self, field: &Field, is_key: bool) -> &'static str {
        let indexed = field.unique || field.index || field.references.is_some();
        match (self, field.ty) {
            (Dialect::Sqlite, FieldType::String) => "text",
            (Dialect::Sqlite, FieldType::Number) => "integer",
            (Dialect::Sqlite, FieldType::Boolean) => "integer",
            (Dialect::Sqlite, FieldType::Date) => "date",
            (Dialect::Sqlite, FieldType::Json) => "text",
            (Dialect::Postgres, FieldType::String) => "text",
            (Dialect::Postgres, FieldType::Number) => "bigint",
            (Dialect::Postgres, FieldType::Boolean) => "boolean",
            (Dialect::Postgres, FieldType::Date) => "timestamptz",
            (Dialect::Postgres, FieldType::Json) => "jsonb",
            (Dialect::Mysql, FieldType::String) if is_key || field.references.is_some() => {
                "varchar(36)"
            }
            (Dialect::Mysql, FieldType::String) if indexed => "varchar(255)",
            (Dialect::Mysql, FieldType::String) => "text",
            (Dialect::Mysql, FieldType::Number) => "bigint",
            (Dialect::Mysql, FieldType::Boolean) => "boolean",
            (Dialect::Mysql, FieldType::Date) => "timestamp(3)",
            (Dialect::Mysql, FieldType::Json) => "json",
        }
    }

    /// [`Dialect::column_type`] for `field` of `table`, where an index over several columns
    /// also counts: MySQL cannot index a `text` column, so a string column such an index
    /// covers is `varchar(255)` there, as Better Auth makes indexed strings.
    pub fn table_column_type(self, table: &Table, field: &Field, is_key: bool) -> &'static str {
        if self == Dialect::Mysql
            && field.ty == FieldType::String
            && !is_key
            && field.references.is_none()
            && table.in_table_index(&field.name)
        {
            return "varchar(255)";
        }
        self.column_type(field, is_key)
    }
}

/// Builds statements against one table of the schema.
pub struct Generator<'a> {
    pub dialect: Dialect,
    pub table: &'a Table,
}

impl<'a> Generator<'a> {
    pub fn new(dialect: Dialect, table: &'a Table) -> Self {
        Generator { dialect, table }
    }

    fn q(&self, ident: &str) -> String {
        self.dialect.quote(ident)
    }

    fn field_type(&self, name: &str) -> Result<FieldType> {
        self.table
            .field_type(name)
            .ok_or_else(|| StorageError::UnknownField {
                table: self.table.name.clone(),
                field: name.to_owned(),
            })
    }

    fn columns(&self) -> String {
        self.table
            .column_names()
            .map(|c| self.q(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn push_param(&self, params: &mut Vec<(Value, FieldType)>, v: Value, ty: FieldType) -> String {
        params.push((v, ty));
        self.dialect.placeholder(params.len())
    }

    fn where_clause(
        &self,
        wheres: &[Where],
        params: &mut Vec<(Value, FieldType)>,
    ) -> Result<String> {
        if wheres.is_empty() {
            return Ok(String::new());
        }
        let mut and = Vec::new();
        let mut or = Vec::new();
        // The AND conditions first, then the OR group, as the SQL is written: positional
        // placeholders (`?`) take their values in that order.
        let ordered = wheres
            .iter()
            .filter(|w| matches!(w.connector, Connector::And))
            .chain(
                wheres
                    .iter()
                    .filter(|w| matches!(w.connector, Connector::Or)),
            );
        for w in ordered {
            let ty = self.field_type(&w.field)?;
            let col = self.q(&w.field);
            let clause = match (w.op, &w.value) {
                (WhereOp::Eq, Value::Null) => format!("{col} IS NULL"),
                (WhereOp::Ne, Value::Null) => format!("{col} IS NOT NULL"),
                (WhereOp::In, _) => {
                    if w.values.is_empty() {
                        "1 = 0".to_owned()
                    } else {
                        let ph: Vec<String> = w
                            .values
                            .iter()
                            .map(|v| self.push_param(params, v.clone(), ty))
                            .collect();
                        format!("{col} IN ({})", ph.join(", "))
                    }
                }
                (WhereOp::Contains | WhereOp::StartsWith | WhereOp::EndsWith, v) => {
                    let esc = self.dialect.like_escape();
                    let s = escape_like(v.as_str().unwrap_or_default(), esc);
                    let pattern = match w.op {
                        WhereOp::Contains => format!("%{s}%"),
                        WhereOp::StartsWith => format!("{s}%"),
                        _ => format!("%{s}"),
                    };
                    let p = self.push_param(params, Value::String(pattern), FieldType::String);
                    format!("{col} LIKE {p} ESCAPE '{esc}'")
                }
                (op, v) => {
                    let sym = match op {
                        WhereOp::Eq => "=",
                        WhereOp::Ne => "<>",
                        WhereOp::Lt => "<",
                        WhereOp::Lte => "<=",
                        WhereOp::Gt => ">",
                        _ => ">=",
                    };
                    let p = self.push_param(params, v.clone(), ty);
                    format!("{col} {sym} {p}")
                }
            };
            match w.connector {
                Connector::And => and.push(clause),
                Connector::Or => or.push(clause),
            }
        }
        let mut parts = and;
        if !or.is_empty() {
            parts.push(format!("({})", or.join(" OR ")));
        }
        Ok(format!(" WHERE {}", parts.join(" AND ")))
    }

    pub fn insert(&self, row: &Row) -> Result<Statement> {
        let mut params = Vec::new();
        let mut cols = Vec::new();
        let mut phs = Vec::new();
        for (k, v) in row {
            let ty = self.field_type(k)?;
            cols.push(self.q(k));
            phs.push(self.push_param(&mut params, v.clone(), ty));
        }
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.q(&self.table.name),
            cols.join(", "),
            phs.join(", ")
        );
        if self.dialect.supports_returning() {
            sql.push_str(&format!(" RETURNING {}", self.columns()));
        }
        Ok(Statement { sql, params })
    }

    pub fn select(&self, query: &Query) -> Result<Statement> {
        let mut params = Vec::new();
        let mut sql = format!(
            "SELECT {} FROM {}",
            self.columns(),
            self.q(&self.table.name)
        );
        sql.push_str(&self.where_clause(&query.wheres, &mut params)?);
        if let Some((field, dir)) = &query.sort_by {
            self.field_type(field)?;
            let d = match dir {
                SortDirection::Asc => "ASC",
                SortDirection::Desc => "DESC",
            };
            sql.push_str(&format!(" ORDER BY {} {d}", self.q(field)));
        }
        match (query.limit, query.offset) {
            (Some(l), Some(o)) => sql.push_str(&format!(" LIMIT {} OFFSET {}", l.max(0), o.max(0))),
            (Some(l), None) => sql.push_str(&format!(" LIMIT {}", l.max(0))),
            // SQLite and MySQL need a LIMIT before OFFSET; -1 / a huge number means "no limit".
            (None, Some(o)) => sql.push_str(&format!(" LIMIT {} OFFSET {}", i64::MAX, o.max(0))),
            (None, None) => {}
        }
        Ok(Statement { sql, params })
    }

    pub fn count(&self, wheres: &[Where]) -> Result<Statement> {
        let mut params = Vec::new();
        let mut sql = format!("SELECT COUNT(*) FROM {}", self.q(&self.table.name));
        sql.push_str(&self.where_clause(wheres, &mut params)?);
        Ok(Statement { sql, params })
    }

    /// `SELECT field, COUNT(*) … GROUP BY field`: the text column `field` first, then its count.
    pub fn count_by(&self, field: &str, wheres: &[Where]) -> Result<Statement> {
        if self.field_type(field)? != FieldType::String {
            return Err(StorageError::InvalidSchema(format!(
                "{}.{field}: rows are counted by a text column only",
                self.table.name
            )));
        }
        let mut params = Vec::new();
        let col = self.q(field);
        let mut sql = format!("SELECT {col}, COUNT(*) FROM {}", self.q(&self.table.name));
        sql.push_str(&self.where_clause(wheres, &mut params)?);
        sql.push_str(&format!(" GROUP BY {col}"));
        Ok(Statement { sql, params })
    }

    pub fn update(&self, wheres: &[Where], set: &Row, returning: bool) -> Result<Statement> {
        let mut params = Vec::new();
        let mut sets = Vec::new();
        for (k, v) in set {
            let ty = self.field_type(k)?;
            let p = self.push_param(&mut params, v.clone(), ty);
            sets.push(format!("{} = {p}", self.q(k)));
        }
        let mut sql = format!(
            "UPDATE {} SET {}",
            self.q(&self.table.name),
            sets.join(", ")
        );
        sql.push_str(&self.where_clause(wheres, &mut params)?);
        if returning && self.dialect.supports_returning() {
            sql.push_str(&format!(" RETURNING {}", self.columns()));
        }
        Ok(Statement { sql, params })
    }

    /// A backfill: `column` set to `value` in every row where it is NULL.
    pub fn backfill(&self, column: &str, value: Value) -> Result<Statement> {
        let ty = self.field_type(column)?;
        let mut params = Vec::new();
        let p = self.push_param(&mut params, value, ty);
        let col = self.q(column);
        let sql = format!(
            "UPDATE {} SET {col} = {p} WHERE {col} IS NULL",
            self.q(&self.table.name)
        );
        Ok(Statement { sql, params })
    }

    pub fn delete(&self, wheres: &[Where]) -> Result<Statement> {
        let mut params = Vec::new();
        let mut sql = format!("DELETE FROM {}", self.q(&self.table.name));
        sql.push_str(&self.where_clause(wheres, &mut params)?);
        Ok(Statement { sql, params })
    }
}

/// One indexed query for a session check: the session by stored token (the only parameter),
/// joined to its user. The session's columns come first, then the user's, each in
/// `Table::column_names` order. Built once per adapter: the schema does not change while it runs.
pub fn session_with_user_sql(dialect: Dialect, session: &Table, user: &Table) -> String {
    let q = |i: &str| dialect.quote(i);
    format!(
        "SELECT {} FROM {} s JOIN {} u ON u.{} = s.{} WHERE s.{} = {} LIMIT 1",
        session_and_user_columns(dialect, session, user),
        q(&session.name),
        q(&user.name),
        q("id"),
        q("userId"),
        q("token"),
        dialect.placeholder(1),
    )
}

/// The session check for many stored tokens at once (PostgreSQL: one text array), with the same
/// columns as [`session_with_user_sql`]. Each token finds its session laterally, by the token's
/// unique index, and each session its user by primary key, so a batch costs one index lookup
/// per token whatever the tables hold. `token = ANY($1)` let the planner scan the whole session
/// table once it held a few hundred rows, and a plain join let it hash the whole user table.
pub fn sessions_with_users_sql(session: &Table, user: &Table) -> String {
    let q = |i: &str| Dialect::Postgres.quote(i);
    format!(
        "SELECT {} FROM unnest($1::text[]) wanted(token) \
         CROSS JOIN LATERAL (SELECT * FROM {} WHERE {} = wanted.token LIMIT 1) s \
         CROSS JOIN LATERAL (SELECT * FROM {} WHERE {} = s.{} LIMIT 1) u",
        session_and_user_columns(Dialect::Postgres, session, user),
        q(&session.name),
        q("token"),
        q(&user.name),
        q("id"),
        q("userId"),
    )
}

/// The user found by `user_select` (a `SELECT` of every user column, limited to one row), with
/// its account whose `providerId` is the parameter at `provider_at`, or NULL account columns
/// when it has none. The user's own conditions stay inside the subquery, unqualified.
pub fn user_with_account_sql(
    dialect: Dialect,
    user_select: &str,
    user: &Table,
    account: &Table,
    provider_at: usize,
) -> String {
    let q = |i: &str| dialect.quote(i);
    format!(
        "SELECT {} FROM ({user_select}) u LEFT JOIN {} a ON a.{} = u.{} AND a.{} = {} LIMIT 1",
        joined_columns(dialect, ("u", user), ("a", account)),
        q(&account.name),
        q("userId"),
        q("id"),
        q("providerId"),
        dialect.placeholder(provider_at),
    )
}

/// Every session column (as `s.…`), then every user column (as `u.…`).
fn session_and_user_columns(dialect: Dialect, session: &Table, user: &Table) -> String {
    joined_columns(dialect, ("s", session), ("u", user))
}

/// Every column of the first table under its alias, then every column of the second: the
/// order in which a joined row is decoded.
fn joined_columns(dialect: Dialect, first: (&str, &Table), second: (&str, &Table)) -> String {
    let q = |i: &str| dialect.quote(i);
    let cols: Vec<String> = [first, second]
        .iter()
        .flat_map(|(alias, t)| t.column_names().map(move |c| format!("{alias}.{}", q(c))))
        .collect();
    cols.join(", ")
}

/// `index`'s columns, quoted, once each is known to be `id` or a field of `table`.
fn index_columns(dialect: Dialect, table: &Table, index: &TableIndex) -> Result<Vec<String>> {
    if index.columns.is_empty() {
        return Err(StorageError::InvalidSchema(format!(
            "an index on `{}` has no columns",
            table.name
        )));
    }
    index
        .columns
        .iter()
        .map(|c| match table.field_type(c) {
            Some(_) => Ok(dialect.quote(c)),
            None => Err(StorageError::UnknownField {
                table: table.name.clone(),
                field: c.clone(),
            }),
        })
        .collect()
}

/// The name and the `CREATE [UNIQUE] INDEX` statement of an index over several columns (see
/// [`TableIndex::name`]). MySQL 8 has no `CREATE INDEX IF NOT EXISTS` (MariaDB has): there
/// `migrate` checks the live index names first, under its lock.
pub fn create_index_sql(
    dialect: Dialect,
    table: &Table,
    index: &TableIndex,
) -> Result<(String, String)> {
    let cols = index_columns(dialect, table, index)?;
    let name = index.name(&table.name);
    let sql = format!(
        "CREATE {}INDEX {}{} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        if dialect == Dialect::Mysql {
            ""
        } else {
            "IF NOT EXISTS "
        },
        dialect.quote(&name),
        dialect.quote(&table.name),
        cols.join(", ")
    );
    Ok((name, sql))
}

/// How many groups of rows share the same values in all of `index`'s columns, none NULL: the
/// rows a unique index over them would refuse (each engine lets NULLs repeat).
pub fn duplicate_groups_sql(dialect: Dialect, table: &Table, index: &TableIndex) -> Result<String> {
    let cols = index_columns(dialect, table, index)?;
    let not_null: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    Ok(format!(
        "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {} WHERE {} GROUP BY {} HAVING COUNT(*) > 1) dups",
        dialect.quote(&table.name),
        not_null.join(" AND "),
        cols.join(", ")
    ))
}

/// The migration version table (see [`SCHEMA_VERSION_TABLE`]), with column types as the
/// schema's own tables get them on each engine.
pub fn schema_version_table_sql(dialect: Dialect) -> String {
    let q = |i: &str| dialect.quote(i);
    let (key, number, date, options) = match dialect {
        Dialect::Sqlite => ("text", "integer", "date", ""),
        Dialect::Postgres => ("text", "bigint", "timestamptz", ""),
        Dialect::Mysql => (
            "varchar(255)",
            "bigint",
            "timestamp(3)",
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        ),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({} {key} NOT NULL PRIMARY KEY, {} {number} NOT NULL, \
         {} {date} NOT NULL){options}",
        q(SCHEMA_VERSION_TABLE),
        q("component"),
        q("version"),
        q("appliedAt"),
    )
}

/// Every component's recorded version: `component`, `version`.
pub fn schema_versions_sql(dialect: Dialect) -> String {
    format!(
        "SELECT {}, {} FROM {}",
        dialect.quote("component"),
        dialect.quote("version"),
        dialect.quote(SCHEMA_VERSION_TABLE)
    )
}

/// Records that `component` reached `version` at `at`: an update of its row when it has one
/// (`exists`), else an insert.
pub fn record_schema_version(
    dialect: Dialect,
    component: &str,
    version: i64,
    at: DateTime<Utc>,
    exists: bool,
) -> Statement {
    let q = |i: &str| dialect.quote(i);
    let ph = |n| dialect.placeholder(n);
    let component = (Value::from(component), FieldType::String);
    let version = (Value::Int(version), FieldType::Number);
    let at = (Value::Date(at), FieldType::Date);
    if exists {
        Statement {
            sql: format!(
                "UPDATE {} SET {} = {}, {} = {} WHERE {} = {}",
                q(SCHEMA_VERSION_TABLE),
                q("version"),
                ph(1),
                q("appliedAt"),
                ph(2),
                q("component"),
                ph(3)
            ),
            params: vec![version, at, component],
        }
    } else {
        Statement {
            sql: format!(
                "INSERT INTO {} ({}, {}, {}) VALUES ({}, {}, {})",
                q(SCHEMA_VERSION_TABLE),
                q("component"),
                q("version"),
                q("appliedAt"),
                ph(1),
                ph(2),
                ph(3)
            ),
            params: vec![component, version, at],
        }
    }
}

fn escape_like(s: &str, esc: char) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '%' || c == '_' || c == esc {
            out.push(esc);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;

    fn session() -> Table {
        Schema::core().table("session").cloned().expect("session")
    }

    #[test]
    fn select_with_and_or_groups_per_dialect() {
        let t = session();
        let q = Query::filter(vec![
            Where::eq("userId", "u1"),
            Where::eq("token", "a").or(),
            Where::eq("token", "b").or(),
        ])
        .sort("createdAt", SortDirection::Desc)
        .limit(10);
        let pg = Generator::new(Dialect::Postgres, &t)
            .select(&q)
            .expect("sql");
        assert!(pg.sql.ends_with(
            "FROM \"session\" WHERE \"userId\" = $1 AND (\"token\" = $2 OR \"token\" = $3) ORDER BY \"createdAt\" DESC LIMIT 10"
        ), "{}", pg.sql);
        assert_eq!(pg.params.len(), 3);
        let my = Generator::new(Dialect::Mysql, &t).select(&q).expect("sql");
        assert!(
            my.sql
                .contains("WHERE `userId` = ? AND (`token` = ? OR `token` = ?)")
        );
    }

    /// An OR condition given before an AND one: the values follow the SQL's order, as
    /// positional placeholders (`?`) need them.
    #[test]
    fn values_follow_the_written_order_whatever_order_conditions_come_in() {
        let t = session();
        let q = Query::filter(vec![
            Where::eq("token", "a").or(),
            Where::eq("userId", "u1"),
            Where::eq("token", "b").or(),
        ]);
        for dialect in [Dialect::Sqlite, Dialect::Mysql, Dialect::Postgres] {
            let s = Generator::new(dialect, &t).select(&q).expect("sql");
            let values: Vec<&Value> = s.params.iter().map(|(v, _)| v).collect();
            assert_eq!(
                values,
                [&Value::from("u1"), &Value::from("a"), &Value::from("b")],
                "{}",
                s.sql
            );
        }
        let pg = Generator::new(Dialect::Postgres, &t)
            .select(&q)
            .expect("sql");
        assert!(
            pg.sql
                .ends_with("WHERE \"userId\" = $1 AND (\"token\" = $2 OR \"token\" = $3)"),
            "{}",
            pg.sql
        );
    }

    #[test]
    fn counts_by_a_text_column_only() {
        let t = session();
        let pg = Generator::new(Dialect::Postgres, &t)
            .count_by(
                "userId",
                &[Where::is_in("userId", vec!["a".into(), "b".into()])],
            )
            .expect("sql");
        assert_eq!(
            pg.sql,
            "SELECT \"userId\", COUNT(*) FROM \"session\" WHERE \"userId\" IN ($1, $2) GROUP BY \"userId\""
        );
        assert!(
            Generator::new(Dialect::Postgres, &t)
                .count_by("expiresAt", &[])
                .is_err()
        );
    }

    #[test]
    fn nulls_in_and_like_are_rendered_safely() {
        let t = session();
        let g = Generator::new(Dialect::Sqlite, &t);
        let s = g
            .select(&Query::filter(vec![
                Where::eq("ipAddress", Value::Null),
                Where::is_in("token", vec![]),
                Where::op("userAgent", WhereOp::Contains, "50%_off"),
            ]))
            .expect("sql");
        assert!(
            s.sql
                .contains("\"ipAddress\" IS NULL AND 1 = 0 AND \"userAgent\" LIKE ? ESCAPE '\\'")
        );
        assert_eq!(s.params[0].0, Value::String("%50\\%\\_off%".into()));
        let my = Generator::new(Dialect::Mysql, &t)
            .select(&Query::filter(vec![Where::op(
                "userAgent",
                WhereOp::StartsWith,
                "a!b%c\\",
            )]))
            .expect("sql");
        assert!(
            my.sql.ends_with("WHERE `userAgent` LIKE ? ESCAPE '!'"),
            "{}",
            my.sql
        );
        assert_eq!(my.params[0].0, Value::String("a!!b!%c\\%".into()));
    }

    #[test]
    fn session_check_is_one_join() {
        let s = Schema::core();
        let (session, user) = (
            s.table("session").expect("session"),
            s.table("user").expect("user"),
        );
        let sql = session_with_user_sql(Dialect::Postgres, session, user);
        assert!(sql.starts_with("SELECT s.\"id\", s.\"expiresAt\""), "{sql}");
        assert!(sql.ends_with(
            "FROM \"session\" s JOIN \"user\" u ON u.\"id\" = s.\"userId\" WHERE s.\"token\" = $1 LIMIT 1"
        ), "{sql}");
        assert_eq!(
            sql.matches(", ").count() + 1,
            session.column_names().count() + user.column_names().count()
        );
        let many = sessions_with_users_sql(session, user);
        assert!(
            many.ends_with(
                "FROM unnest($1::text[]) wanted(token) \
                 CROSS JOIN LATERAL (SELECT * FROM \"session\" WHERE \"token\" = wanted.token LIMIT 1) s \
                 CROSS JOIN LATERAL (SELECT * FROM \"user\" WHERE \"id\" = s.\"userId\" LIMIT 1) u"
            ),
            "{many}"
        );
        assert_eq!(many.split(" FROM ").next(), sql.split(" FROM ").next());
    }

    #[test]
    fn unknown_fields_are_rejected_not_interpolated() {
        let t = session();
        let g = Generator::new(Dialect::Postgres, &t);
        let err = g.count(&[Where::eq("token\" OR 1=1 --", "x")]).unwrap_err();
        assert!(matches!(err, StorageError::UnknownField { .. }));
    }

    #[test]
    fn update_returns_rows_where_supported() {
        let t = session();
        let mut set = Row::new();
        set.insert("userAgent".into(), Value::from("x"));
        let pg = Generator::new(Dialect::Postgres, &t)
            .update(&[Where::eq("id", "1")], &set, true)
            .expect("sql");
        assert!(
            pg.sql.starts_with(
                "UPDATE \"session\" SET \"userAgent\" = $1 WHERE \"id\" = $2 RETURNING"
            )
        );
        let my = Generator::new(Dialect::Mysql, &t)
            .update(&[Where::eq("id", "1")], &set, true)
            .expect("sql");
        assert!(!my.sql.contains("RETURNING"));
    }

    fn member() -> Table {
        Table::new(
            "member",
            vec![
                Field::new("organizationId", FieldType::String).required(),
                Field::new("userId", FieldType::String).references("user", "id"),
                Field::new("role", FieldType::String),
                Field::new("createdAt", FieldType::Date),
            ],
        )
        .unique(&["organizationId", "userId"])
        .index(&["userId", "createdAt"])
    }

    #[test]
    fn table_indexes_per_dialect() {
        let t = member();
        let (unique, plain) = (&t.indexes[0], &t.indexes[1]);
        let (name, sql) = create_index_sql(Dialect::Sqlite, &t, unique).expect("sql");
        assert_eq!(name, "member_organizationId_userId_uidx");
        assert_eq!(
            sql,
            "CREATE UNIQUE INDEX IF NOT EXISTS \"member_organizationId_userId_uidx\" \
             ON \"member\" (\"organizationId\", \"userId\")"
        );
        let (_, pg) = create_index_sql(Dialect::Postgres, &t, plain).expect("sql");
        assert_eq!(
            pg,
            "CREATE INDEX IF NOT EXISTS \"member_userId_createdAt_idx\" \
             ON \"member\" (\"userId\", \"createdAt\")"
        );
        let (_, my) = create_index_sql(Dialect::Mysql, &t, unique).expect("sql");
        assert_eq!(
            my,
            "CREATE UNIQUE INDEX `member_organizationId_userId_uidx` \
             ON `member` (`organizationId`, `userId`)"
        );

        let dups = duplicate_groups_sql(Dialect::Mysql, &t, unique).expect("sql");
        assert_eq!(
            dups,
            "SELECT COUNT(*) FROM (SELECT 1 AS one FROM `member` \
             WHERE `organizationId` IS NOT NULL AND `userId` IS NOT NULL \
             GROUP BY `organizationId`, `userId` HAVING COUNT(*) > 1) dups"
        );
        let dups = duplicate_groups_sql(Dialect::Postgres, &t, unique).expect("sql");
        assert!(
            dups.contains("GROUP BY \"organizationId\", \"userId\" HAVING COUNT(*) > 1"),
            "{dups}"
        );

        let bad = TableIndex::new(&["organizationId", "x\"); DROP TABLE user; --"], true);
        assert!(matches!(
            create_index_sql(Dialect::Postgres, &t, &bad),
            Err(StorageError::UnknownField { .. })
        ));
        assert!(matches!(
            create_index_sql(Dialect::Postgres, &t, &TableIndex::new(&[], false)),
            Err(StorageError::InvalidSchema(_))
        ));
    }

    #[test]
    fn mysql_column_type_counts_table_indexes() {
        let t = member();
        let field = |n: &str| t.field(n).expect("field");
        let my = Dialect::Mysql;
        assert_eq!(
            my.table_column_type(&t, field("organizationId"), false),
            "varchar(255)"
        );
        assert_eq!(my.column_type(field("organizationId"), false), "text");
        assert_eq!(
            my.table_column_type(&t, field("userId"), false),
            "varchar(36)"
        );
        assert_eq!(my.table_column_type(&t, field("role"), false), "text");
        assert_eq!(
            my.table_column_type(&t, field("createdAt"), false),
            "timestamp(3)"
        );
        let pg = Dialect::Postgres;
        assert_eq!(
            pg.table_column_type(&t, field("organizationId"), false),
            "text"
        );
    }

    #[test]
    fn backfill_sets_only_nulls_with_a_typed_parameter() {
        let t = member();
        let pg = Generator::new(Dialect::Postgres, &t)
            .backfill("role", Value::from("member"))
            .expect("sql");
        assert_eq!(
            pg.sql,
            "UPDATE \"member\" SET \"role\" = $1 WHERE \"role\" IS NULL"
        );
        assert_eq!(pg.params, vec![(Value::from("member"), FieldType::String)]);
        let my = Generator::new(Dialect::Mysql, &t)
            .backfill("createdAt", Value::Null)
            .expect("sql");
        assert_eq!(
            my.sql,
            "UPDATE `member` SET `createdAt` = ? WHERE `createdAt` IS NULL"
        );
        assert_eq!(my.params, vec![(Value::Null, FieldType::Date)]);
        let sqlite = Generator::new(Dialect::Sqlite, &t)
            .backfill("role", Value::from("x"))
            .expect("sql");
        assert_eq!(
            sqlite.sql,
            "UPDATE \"member\" SET \"role\" = ? WHERE \"role\" IS NULL"
        );
        assert!(matches!(
            Generator::new(Dialect::Sqlite, &t).backfill("nope", Value::Null),
            Err(StorageError::UnknownField { .. })
        ));
    }

    #[test]
    fn schema_version_table_per_dialect() {
        assert_eq!(
            schema_version_table_sql(Dialect::Sqlite),
            "CREATE TABLE IF NOT EXISTS \"portcullis_schema_version\" (\"component\" text NOT NULL \
             PRIMARY KEY, \"version\" integer NOT NULL, \"appliedAt\" date NOT NULL)"
        );
        assert_eq!(
            schema_version_table_sql(Dialect::Postgres),
            "CREATE TABLE IF NOT EXISTS \"portcullis_schema_version\" (\"component\" text NOT NULL \
             PRIMARY KEY, \"version\" bigint NOT NULL, \"appliedAt\" timestamptz NOT NULL)"
        );
        assert_eq!(
            schema_version_table_sql(Dialect::Mysql),
            "CREATE TABLE IF NOT EXISTS `portcullis_schema_version` (`component` varchar(255) \
             NOT NULL PRIMARY KEY, `version` bigint NOT NULL, `appliedAt` timestamp(3) NOT NULL) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        );
        assert_eq!(
            schema_versions_sql(Dialect::Mysql),
            "SELECT `component`, `version` FROM `portcullis_schema_version`"
        );

        let at = Utc::now();
        let insert = record_schema_version(Dialect::Postgres, "organization", 2, at, false);
        assert_eq!(
            insert.sql,
            "INSERT INTO \"portcullis_schema_version\" (\"component\", \"version\", \"appliedAt\") \
             VALUES ($1, $2, $3)"
        );
        assert_eq!(
            insert.params,
            vec![
                (Value::from("organization"), FieldType::String),
                (Value::Int(2), FieldType::Number),
                (Value::Date(at), FieldType::Date),
            ]
        );
        let update = record_schema_version(Dialect::Mysql, "organization", 3, at, true);
        assert_eq!(
            update.sql,
            "UPDATE `portcullis_schema_version` SET `version` = ?, `appliedAt` = ? \
             WHERE `component` = ?"
        );
        assert_eq!(update.params[0], (Value::Int(3), FieldType::Number));
        assert_eq!(
            update.params[2],
            (Value::from("organization"), FieldType::String)
        );
    }
}
