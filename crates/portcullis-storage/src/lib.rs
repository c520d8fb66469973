//! Storage for Portcullis: the schema registry, the adapter trait with its SQL backends
//! (SQLite, PostgreSQL, MySQL/MariaDB) built on one SQL generator, migrations that add what is
//! missing and run numbered migrations once, and secondary storage (short-lived values,
//! counters, caches).

pub mod adapter;
mod redis_mirror;
pub mod redis_storage;
pub mod schema;
pub mod secondary;
pub mod sql;
pub mod value;

pub use adapter::{
    Adapter, AppliedMigration, MigrationPlan, MigrationReport, Query, SortDirection, StorageError,
    Store, Transaction, Where, WhereOp,
};
pub use redis_storage::RedisStorage;
pub use schema::{
    DialectSql, Field, FieldType, Migration, MigrationStep, Schema, Table, TableIndex,
};
pub use secondary::{MemoryStorage, SecondaryStorage};
pub use sql::{Dialect, SCHEMA_VERSION_TABLE, SqlAdapter};
pub use value::{Row, Value};
