//! The schema registry: tables and fields as Better Auth names them, extended by plugins and
//! by configured additional user fields, with indexes over several columns and numbered
//! migrations for what adding alone cannot do.

use crate::sql::Dialect;
use crate::value::Value;

/// The longest identifier every engine accepts: PostgreSQL's 63 bytes (MySQL takes 64
/// characters, SQLite has no limit). Index names are kept within it on every engine alike.
pub const MAX_IDENTIFIER_LEN: usize = 63;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Number,
    Boolean,
    Date,
    Json,
}

impl FieldType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => FieldType::String,
            "number" => FieldType::Number,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "json" => FieldType::Json,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Json => "json",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Logical and column name (Better Auth uses camelCase columns by default).
    pub name: String,
    pub ty: FieldType,
    pub required: bool,
    pub unique: bool,
    pub index: bool,
    /// `(table, column)`; deletes cascade, as in Better Auth.
    pub references: Option<(String, String)>,
    /// Applied by the application on create when the input leaves the field out.
    pub default: Option<Value>,
    /// `DEFAULT CURRENT_TIMESTAMP` in the DDL, where Better Auth's migrator puts it.
    pub default_now: bool,
    /// Sent in API responses.
    pub returned: bool,
    /// Settable from API input (sign-up, update-user).
    pub input: bool,
}

impl Field {
    pub fn new(name: &str, ty: FieldType) -> Self {
        Field {
            name: name.to_owned(),
            ty,
            required: false,
            unique: false,
            index: false,
            references: None,
            default: None,
            default_now: false,
            returned: true,
            input: true,
        }
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    pub fn index(mut self) -> Self {
        self.index = true;
        self
    }
    pub fn references(mut self, table: &str, column: &str) -> Self {
        self.references = Some((table.to_owned(), column.to_owned()));
        self
    }
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self
    }
    pub fn default_now(mut self) -> Self {
        self.default_now = true;
        self
    }
    pub fn hidden(mut self) -> Self {
        self.returned = false;
        self
    }
    pub fn no_input(mut self) -> Self {
        self.input = false;
        self
    }
}

/// An index over several columns of one table, unique or not (one column: see
/// [`Field::unique`] and [`Field::index`], which keep Better Auth's index names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableIndex {
    /// Column names, in index order; each must be `id` or a field of the table.
    pub columns: Vec<String>,
    pub unique: bool,
}

impl TableIndex {
    pub fn new(columns: &[&str], unique: bool) -> Self {
        TableIndex {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            unique,
        }
    }

    /// The index's name on `table`: `<table>_<col1>_<col2>_uidx` (unique) or `_idx`. Better
    /// Auth names its single-column indexes `<table>_<col>_key` / `_idx`, so a unique index
    /// never takes one of its names, and an index over two or more columns cannot either.
    /// A name longer than [`MAX_IDENTIFIER_LEN`] is cut and given a hash of the full name
    /// (`<start>_<8 hex digits>_uidx`), the same on every engine and every run.
    pub fn name(&self, table: &str) -> String {
        let suffix = if self.unique { "uidx" } else { "idx" };
        let stem = format!("{table}_{}", self.columns.join("_"));
        let full = format!("{stem}_{suffix}");
        if full.len() <= MAX_IDENTIFIER_LEN {
            return full;
        }
        let hash = fnv1a32(full.as_bytes());
        let mut keep = MAX_IDENTIFIER_LEN - (1 + 8 + 1 + suffix.len());
        while !stem.is_char_boundary(keep) {
            keep -= 1;
        }
        format!("{}_{hash:08x}_{suffix}", &stem[..keep])
    }
}

/// FNV-1a (32 bits): a hash whose value is fixed by its definition, so that a shortened index
/// name is the same with every build (std's hasher makes no such promise).
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    /// Every table has a text primary key `id`; it is not listed here.
    pub fields: Vec<Field>,
    /// Indexes over several columns (`Table::unique`, `Table::index`).
    pub indexes: Vec<TableIndex>,
}

impl Table {
    pub fn new(name: &str, fields: Vec<Field>) -> Self {
        Table {
            name: name.to_owned(),
            fields,
            indexes: Vec::new(),
        }
    }
    /// Declares a unique index over `columns` together, e.g. a member's
    /// `["organizationId", "userId"]`. Rows whose columns include a NULL never clash.
    pub fn unique(mut self, columns: &[&str]) -> Self {
        self.add_index(TableIndex::new(columns, true));
        self
    }
    /// Declares a (non-unique) index over `columns`, e.g. `["userId", "createdAt"]`.
    pub fn index(mut self, columns: &[&str]) -> Self {
        self.add_index(TableIndex::new(columns, false));
        self
    }
    fn add_index(&mut self, index: TableIndex) {
        if !self.indexes.contains(&index) {
            self.indexes.push(index);
        }
    }
    /// Whether an index over several columns covers `column` (MySQL must give it a sized type).
    pub fn in_table_index(&self, column: &str) -> bool {
        self.indexes
            .iter()
            .any(|i| i.columns.iter().any(|c| c == column))
    }
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    /// `id` followed by the declared fields.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once("id").chain(self.fields.iter().map(|f| f.name.as_str()))
    }
    pub fn field_type(&self, name: &str) -> Option<FieldType> {
        if name == "id" {
            return Some(FieldType::String);
        }
        self.field(name).map(|f| f.ty)
    }
}

/// SQL written for each engine. An engine left without text skips the step: the change is
/// not needed there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialectSql {
    pub sqlite: Option<String>,
    pub postgres: Option<String>,
    pub mysql: Option<String>,
}

impl DialectSql {
    /// The same text on every engine.
    pub fn all(sql: &str) -> Self {
        DialectSql {
            sqlite: Some(sql.to_owned()),
            postgres: Some(sql.to_owned()),
            mysql: Some(sql.to_owned()),
        }
    }
    pub fn sqlite(mut self, sql: &str) -> Self {
        self.sqlite = Some(sql.to_owned());
        self
    }
    pub fn postgres(mut self, sql: &str) -> Self {
        self.postgres = Some(sql.to_owned());
        self
    }
    pub fn mysql(mut self, sql: &str) -> Self {
        self.mysql = Some(sql.to_owned());
        self
    }
    /// The text for `dialect`, if that engine runs the step.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<&str> {
        match dialect {
            Dialect::Sqlite => self.sqlite.as_deref(),
            Dialect::Postgres => self.postgres.as_deref(),
            Dialect::Mysql => self.mysql.as_deref(),
        }
    }
}

/// One step of a [`Migration`], rendered by the SQL generator for the engine at hand.
#[derive(Debug, Clone, PartialEq)]
pub enum MigrationStep {
    /// SQL per engine, run as written (several statements separated by `;` are allowed).
    Sql(DialectSql),
    /// `UPDATE <table> SET <column> = <value> WHERE <column> IS NULL`. The table and column
    /// must be in the schema; the value is bound as a parameter typed by the column.
    Backfill {
        table: String,
        column: String,
        value: Value,
    },
}

/// A numbered change to the database of one component (`core` or a plugin id) that adding
/// tables, columns and indexes cannot express: altering, backfilling, cleaning up. `migrate`
/// runs each once, in version order, after adding missing tables and columns and before
/// creating indexes over several columns, and records the version it reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    pub component: String,
    /// 1, 2, 3 …: versions only ever grow; a version at or below the recorded one never runs.
    pub version: i64,
    pub description: String,
    pub steps: Vec<MigrationStep>,
}

impl Migration {
    pub fn new(component: &str, version: i64, description: &str) -> Self {
        Migration {
            component: component.to_owned(),
            version,
            description: description.to_owned(),
            steps: Vec::new(),
        }
    }
    pub fn step(mut self, step: MigrationStep) -> Self {
        self.steps.push(step);
        self
    }
    /// Adds a step running `sql` (per engine).
    pub fn sql(self, sql: DialectSql) -> Self {
        self.step(MigrationStep::Sql(sql))
    }
    /// Adds a step setting `table.column` to `value` wherever it is NULL.
    pub fn backfill(self, table: &str, column: &str, value: impl Into<Value>) -> Self {
        self.step(MigrationStep::Backfill {
            table: table.to_owned(),
            column: column.to_owned(),
            value: value.into(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    pub tables: Vec<Table>,
    /// Numbered migrations of every component, run by `migrate` (see [`Migration`]).
    pub migrations: Vec<Migration>,
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Adds a table, or merges new fields and indexes into an existing one (plugins extend
    /// `user`, `session`).
    pub fn extend(&mut self, table: Table) {
        match self.tables.iter_mut().find(|t| t.name == table.name) {
            Some(existing) => {
                for f in table.fields {
                    match existing.fields.iter_mut().find(|e| e.name == f.name) {
                        Some(e) => *e = f,
                        None => existing.fields.push(f),
                    }
                }
                for i in table.indexes {
                    existing.add_index(i);
                }
            }
            None => self.tables.push(table),
        }
    }

    /// Adds migrations (a plugin's, or core's). Their order does not matter: `migrate` runs
    /// each component's in version order.
    pub fn add_migrations(&mut self, migrations: impl IntoIterator<Item = Migration>) {
        self.migrations.extend(migrations);
    }

    /// Better Auth's four core tables, with its column names, types and constraints.
    pub fn core() -> Schema {
        use FieldType::*;
        let user = Table::new(
            "user",
            vec![
                Field::new("name", String).required(),
                Field::new("email", String).required().unique(),
                Field::new("emailVerified", Boolean)
                    .required()
                    .default(false)
                    .no_input(),
                Field::new("image", String),
                Field::new("createdAt", Date)
                    .required()
                    .default_now()
                    .no_input(),
                Field::new("updatedAt", Date)
                    .required()
                    .default_now()
                    .no_input(),
            ],
        );
        let session = Table::new(
            "session",
            vec![
                // Indexed for the expiry sweep and the active-session count.
                Field::new("expiresAt", Date).required().index(),
                Field::new("token", String).required().unique(),
                Field::new("createdAt", Date).required().default_now(),
                Field::new("updatedAt", Date).required(),
                Field::new("ipAddress", String),
                Field::new("userAgent", String),
                Field::new("userId", String)
                    .required()
                    .index()
                    .references("user", "id"),
            ],
        );
        let account = Table::new(
            "account",
            vec![
                Field::new("accountId", String).required(),
                Field::new("providerId", String).required(),
                Field::new("userId", String)
                    .required()
                    .index()
                    .references("user", "id"),
                Field::new("accessToken", String).hidden(),
                Field::new("refreshToken", String).hidden(),
                Field::new("idToken", String).hidden(),
                Field::new("accessTokenExpiresAt", Date).hidden(),
                Field::new("refreshTokenExpiresAt", Date).hidden(),
                Field::new("scope", String),
                Field::new("password", String).hidden(),
                Field::new("createdAt", Date).required().default_now(),
                Field::new("updatedAt", Date).required(),
            ],
        );
        let verification = Table::new(
            "verification",
            vec![
                Field::new("identifier", String).required().index(),
                Field::new("value", String).required(),
                Field::new("expiresAt", Date).required().index(),
                Field::new("createdAt", Date).required().default_now(),
                Field::new("updatedAt", Date).required().default_now(),
            ],
        );
        Schema {
            tables: vec![user, session, account, verification],
            migrations: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_merges_fields_into_existing_tables() {
        let mut s = Schema::core();
        s.extend(Table::new(
            "user",
            vec![
                Field::new("role", FieldType::String)
                    .default("user")
                    .no_input(),
            ],
        ));
        let user = s.table("user").expect("user table");
        assert_eq!(user.fields.last().map(|f| f.name.as_str()), Some("role"));
        assert_eq!(s.tables.len(), 4);
        assert_eq!(user.column_names().next(), Some("id"));
    }

    #[test]
    fn extend_merges_table_indexes_without_duplicates() {
        let mut s = Schema::core();
        s.extend(
            Table::new("member", vec![])
                .unique(&["organizationId", "userId"])
                .unique(&["organizationId", "userId"]),
        );
        s.extend(
            Table::new("member", vec![])
                .unique(&["organizationId", "userId"])
                .index(&["userId", "createdAt"]),
        );
        let member = s.table("member").expect("member");
        assert_eq!(
            member.indexes,
            vec![
                TableIndex::new(&["organizationId", "userId"], true),
                TableIndex::new(&["userId", "createdAt"], false),
            ]
        );
        assert!(member.in_table_index("createdAt"));
        assert!(!member.in_table_index("role"));
    }

    #[test]
    fn index_names_are_deterministic_and_fit_every_engine() {
        let unique = TableIndex::new(&["organizationId", "userId"], true);
        assert_eq!(unique.name("member"), "member_organizationId_userId_uidx");
        let plain = TableIndex::new(&["userId", "createdAt"], false);
        assert_eq!(plain.name("session"), "session_userId_createdAt_idx");

        let long = TableIndex::new(&["oauthApplicationId", "clientIdentifier", "userId"], true);
        let name = long.name("oauthAccessToken");
        assert_eq!(name.len(), MAX_IDENTIFIER_LEN, "{name}");
        assert!(
            name.starts_with("oauthAccessToken_oauthApplicationId_clientIdent"),
            "{name}"
        );
        assert!(name.ends_with("_uidx"), "{name}");
        assert_eq!(name, long.name("oauthAccessToken"));
        // Two long names that share their start differ by their hash.
        let other = TableIndex::new(&["oauthApplicationId", "clientIdentifier", "scope"], true);
        assert_ne!(name, other.name("oauthAccessToken"));
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
    }

    #[test]
    fn migrations_are_collected_and_dialect_sql_picks_per_engine() {
        let mut s = Schema::core();
        s.add_migrations([Migration::new("organization", 1, "default role")
            .backfill("member", "role", "member")
            .sql(DialectSql::all("SELECT 1").mysql("DO 1"))]);
        assert_eq!(s.migrations.len(), 1);
        let MigrationStep::Sql(sql) = &s.migrations[0].steps[1] else {
            panic!("second step is SQL")
        };
        assert_eq!(sql.for_dialect(Dialect::Mysql), Some("DO 1"));
        assert_eq!(sql.for_dialect(Dialect::Sqlite), Some("SELECT 1"));
        assert_eq!(
            DialectSql::default()
                .postgres("x")
                .for_dialect(Dialect::Sqlite),
            None
        );
    }
}
