//! The where-clause builder, given adapter queries: any mix of fields (known or not), operators,
//! values, connectors, sorting and paging over the core tables runs on a real SQLite database.
//! It answers rows or a typed error (an unknown field, a value the column cannot hold), never a
//! panic, and never SQL the database cannot parse: every name comes from the schema and every
//! value is a parameter, so no input can change the statement's shape.
#![no_main]

use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use portcullis_storage::adapter::Connector;
use portcullis_storage::{
    Adapter, Query, Schema, SortDirection, SqlAdapter, StorageError, Store, Value, Where, WhereOp,
};

const TABLES: &[&str] = &["user", "session", "account", "verification"];
const FIELDS: &[&str] = &[
    "id",
    "email",
    "name",
    "emailVerified",
    "image",
    "createdAt",
    "updatedAt",
    "userId",
    "token",
    "expiresAt",
    "ipAddress",
    "userAgent",
    "providerId",
    "accountId",
    "password",
    "identifier",
    "value",
    "scope",
];
const OPS: &[WhereOp] = &[
    WhereOp::Eq,
    WhereOp::Ne,
    WhereOp::Lt,
    WhereOp::Lte,
    WhereOp::Gt,
    WhereOp::Gte,
    WhereOp::In,
    WhereOp::Contains,
    WhereOp::StartsWith,
    WhereOp::EndsWith,
];

#[derive(Arbitrary, Debug)]
enum FuzzValue {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    Date(i64),
}

impl FuzzValue {
    fn value(self) -> Value {
        match self {
            FuzzValue::Null => Value::Null,
            FuzzValue::Text(s) => Value::String(s),
            FuzzValue::Int(i) => Value::Int(i),
            FuzzValue::Bool(b) => Value::Bool(b),
            FuzzValue::Date(ms) => {
                chrono::DateTime::from_timestamp_millis(ms).map_or(Value::Null, Value::Date)
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Condition {
    field: u8,
    unknown_field: Option<String>,
    op: u8,
    value: FuzzValue,
    values: Vec<FuzzValue>,
    or: bool,
}

#[derive(Arbitrary, Debug)]
struct FuzzQuery {
    table: u8,
    conditions: Vec<Condition>,
    sort: Option<(u8, bool)>,
    limit: Option<i64>,
    offset: Option<i64>,
    count_instead: bool,
}

struct Db {
    runtime: tokio::runtime::Runtime,
    adapter: SqlAdapter,
}

fn db() -> &'static Db {
    static DB: OnceLock<Db> = OnceLock::new();
    DB.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("portcullis-fuzz-where-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let url = format!("sqlite://{}", dir.join("where.db").display());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let schema = Arc::new(Schema::core());
        let adapter = runtime.block_on(async {
            let adapter = SqlAdapter::connect(&url, 2, 0, schema.clone())
                .await
                .expect("sqlite");
            adapter.migrate(&schema).await.expect("migrate");
            adapter
        });
        Db { runtime, adapter }
    })
}

fuzz_target!(|q: FuzzQuery| {
    let table = TABLES[usize::from(q.table) % TABLES.len()];
    let wheres: Vec<Where> = q
        .conditions
        .into_iter()
        .take(12)
        .map(|c| {
            let field = c
                .unknown_field
                .unwrap_or_else(|| FIELDS[usize::from(c.field) % FIELDS.len()].to_owned());
            let op = OPS[usize::from(c.op) % OPS.len()];
            let mut w = Where::op(&field, op, c.value.value());
            w.values = c.values.into_iter().take(8).map(FuzzValue::value).collect();
            if c.or {
                w.connector = Connector::Or;
            }
            w
        })
        .collect();
    let query = Query {
        wheres: wheres.clone(),
        sort_by: q.sort.map(|(f, desc)| {
            let dir = if desc {
                SortDirection::Desc
            } else {
                SortDirection::Asc
            };
            (FIELDS[usize::from(f) % FIELDS.len()].to_owned(), dir)
        }),
        limit: q.limit,
        offset: q.offset,
    };
    let db = db();
    let result = db.runtime.block_on(async {
        if q.count_instead {
            db.adapter.count(table, &wheres).await.map(|_| ())
        } else {
            db.adapter.find_many(table, &query).await.map(|_| ())
        }
    });
    match result {
        Ok(()) | Err(StorageError::UnknownField { .. }) | Err(StorageError::UnknownTable(_)) => {}
        // A value the column's type cannot take is the database's to refuse; a statement it
        // cannot parse would mean input reached the SQL text.
        Err(StorageError::Database(e)) => {
            assert!(!e.contains("syntax error"), "{table}: {e}");
        }
        Err(e) => panic!("{table}: {e}"),
    }
});
