//! One SQL generator with a dialect per engine, and the sqlx backends that run its output.

mod backend;
mod generator;
mod kept;
mod migrate;
mod session_checks;
#[cfg(test)]
mod temp_sqlite;

pub use backend::SqlAdapter;
pub use generator::{Dialect, SCHEMA_VERSION_TABLE, Statement};
