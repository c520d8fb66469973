//! The schema registry: tables and fields as Better Auth names them, extended by plugins and
//! by configured additional user fields.

use crate::value::Value;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    /// Every table has a text primary key `id`; it is not listed here.
    pub fields: Vec<Field>,
}

impl Table {
    pub fn new(name: &str, fields: Vec<Field>) -> Self {
        Table {
            name: name.to_owned(),
            fields,
        }
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    pub tables: Vec<Table>,
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Adds a table, or merges new fields into an existing one (plugins extend `user`, `session`).
    pub fn extend(&mut self, table: Table) {
        match self.tables.iter_mut().find(|t| t.name == table.name) {
            Some(existing) => {
                for f in table.fields {
                    match existing.fields.iter_mut().find(|e| e.name == f.name) {
                        Some(e) => *e = f,
                        None => existing.fields.push(f),
                    }
                }
            }
            None => self.tables.push(table),
        }
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
}
