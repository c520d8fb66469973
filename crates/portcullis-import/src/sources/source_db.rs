//! Another system's SQL database, read as text: each column is cast to text by the database
//! itself, so one reader serves PostgreSQL, MySQL and SQLite whatever the column types. SQLite
//! files are opened read-only; nothing is ever written to a source.

use std::collections::HashSet;
use std::str::FromStr;

use sqlx::mysql::MySqlPoolOptions;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{MySqlPool, PgPool, SqlitePool};

use crate::ImportError;

enum Pool {
    Postgres(PgPool),
    Mysql(MySqlPool),
    Sqlite(SqlitePool),
}

pub struct SourceDb {
    pool: Pool,
}

/// One row, every column as text (NULL as `None`).
pub type TextRow = Vec<Option<String>>;

/// Column `i` of `row`, an empty text counting as absent.
pub fn column(row: &TextRow, i: usize) -> Option<String> {
    row.get(i).cloned().flatten().filter(|s| !s.is_empty())
}

fn source_error(e: sqlx::Error) -> ImportError {
    ImportError::Input(format!("the source database: {e}"))
}

impl SourceDb {
    pub async fn connect(url: &str) -> Result<Self, ImportError> {
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(source_error)?
                .read_only(true);
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts)
                    .await
                    .map_err(source_error)?,
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(2)
                    .connect(url)
                    .await
                    .map_err(source_error)?,
            )
        } else if let Some(rest) = url
            .strip_prefix("mysql:")
            .or_else(|| url.strip_prefix("mariadb:"))
        {
            Pool::Mysql(
                MySqlPoolOptions::new()
                    .max_connections(2)
                    .connect(&format!("mysql:{rest}"))
                    .await
                    .map_err(source_error)?,
            )
        } else {
            return Err(ImportError::Input(
                "the source must be a database URL: postgres://, mysql:// or sqlite://".into(),
            ));
        };
        Ok(SourceDb { pool })
    }

    pub fn quote(&self, ident: &str) -> String {
        match self.pool {
            Pool::Mysql(_) => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// `column` of `table` (a quoted name) as text, or NULL when `column` is `None`.
    pub fn text(&self, column: Option<&str>) -> String {
        match column {
            None => "NULL".into(),
            Some(c) => match self.pool {
                Pool::Mysql(_) => format!("CAST({} AS CHAR)", self.quote(c)),
                _ => format!("CAST({} AS TEXT)", self.quote(c)),
            },
        }
    }

    /// `schema.table` or `table`, quoted.
    pub fn table(&self, schema: Option<&str>, table: &str) -> String {
        match schema {
            Some(s) => format!("{}.{}", self.quote(s), self.quote(table)),
            None => self.quote(table),
        }
    }

    /// The columns of `table` (in `schema`, else the connection's own); empty when it does not
    /// exist.
    pub async fn columns(
        &self,
        schema: Option<&str>,
        table: &str,
    ) -> Result<HashSet<String>, ImportError> {
        let names: Vec<Vec<u8>> = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_scalar("SELECT CAST(name AS BLOB) FROM pragma_table_info(?)")
                    .bind(table)
                    .fetch_all(p)
                    .await
                    .map_err(source_error)?
            }
            Pool::Postgres(p) => sqlx::query_scalar(
                "SELECT convert_to(column_name::text, 'UTF8') FROM information_schema.columns \
                 WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2",
            )
            .bind(schema)
            .bind(table)
            .fetch_all(p)
            .await
            .map_err(source_error)?,
            Pool::Mysql(p) => sqlx::query_scalar(
                "SELECT CAST(column_name AS BINARY) FROM information_schema.columns \
                 WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
            )
            .bind(schema)
            .bind(table)
            .fetch_all(p)
            .await
            .map_err(source_error)?,
        };
        Ok(names
            .into_iter()
            .map(|n| String::from_utf8_lossy(&n).into_owned())
            .collect())
    }

    /// Runs `sql`, whose every column is text (see [`SourceDb::text`]).
    pub async fn rows(&self, sql: &str) -> Result<Vec<TextRow>, ImportError> {
        /// Every column of every row as `T`, made a string.
        fn collect<R, T>(rows: Vec<R>, to_string: impl Fn(T) -> String) -> Vec<TextRow>
        where
            R: sqlx::Row,
            T: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            usize: sqlx::ColumnIndex<R>,
        {
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.try_get::<Option<T>, _>(i).ok().flatten().map(&to_string))
                        .collect()
                })
                .collect()
        }
        let text = |s: String| s;
        Ok(match &self.pool {
            Pool::Sqlite(p) => collect(
                sqlx::query(sql).fetch_all(p).await.map_err(source_error)?,
                text,
            ),
            Pool::Postgres(p) => collect(
                sqlx::query(sql).fetch_all(p).await.map_err(source_error)?,
                text,
            ),
            // `_bin` collations and CAST … AS CHAR can come back flagged binary: read bytes.
            Pool::Mysql(p) => collect(
                sqlx::query(sql).fetch_all(p).await.map_err(source_error)?,
                |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned(),
            ),
        })
    }
}
