//! Another Better Auth database (or another Portcullis's): every table this server knows that
//! the source also has is copied row by row, parents before children, with the columns both
//! have. Sessions survive, since their tokens are copied as they are; short-lived rows
//! (verification codes, rate-limit counters) are left behind.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use portcullis_storage::{Adapter, Query, Schema, SortDirection, SqlAdapter, Store, Table};

use crate::ImportError;
use crate::person::Entry;

/// Tables not worth carrying: their rows expire within minutes.
const LEFT_BEHIND: &[&str] = &["verification", "rateLimit"];

pub async fn read(url: &str, schema: &Schema) -> Result<Vec<Entry>, ImportError> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let file = path.split('?').next().unwrap_or(path);
        if !Path::new(file).exists() {
            return Err(ImportError::Input(format!(
                "{file}: no such SQLite database"
            )));
        }
    }
    let probe = SqlAdapter::connect_read_only(url, Arc::new(Schema::default())).await?;
    let mut source = Schema::default();
    for table in parents_first(schema) {
        if LEFT_BEHIND.contains(&table.name.as_str()) {
            continue;
        }
        let columns = probe.table_columns(&table.name).await?;
        if columns.is_empty() {
            continue;
        }
        let mut theirs = table.clone();
        theirs.fields.retain(|f| columns.contains(&f.name));
        theirs.indexes.clear();
        source.tables.push(theirs);
    }
    if source.table("user").is_none() {
        return Err(ImportError::Input(
            "the source database has no Better Auth `user` table".into(),
        ));
    }
    let db = SqlAdapter::connect_read_only(url, Arc::new(source.clone())).await?;
    let mut entries = Vec::new();
    for table in &source.tables {
        let rows = db
            .find_many(
                &table.name,
                &Query::filter(Vec::new()).sort("id", SortDirection::Asc),
            )
            .await?;
        entries.extend(rows.into_iter().map(|row| Entry::Row {
            table: table.name.clone(),
            row,
        }));
    }
    Ok(entries)
}

/// The schema's tables, each after the tables it references (users before their sessions,
/// organizations before their members).
fn parents_first(schema: &Schema) -> Vec<&Table> {
    let mut placed: HashSet<&str> = HashSet::new();
    let mut ordered = Vec::new();
    let mut left: Vec<&Table> = schema.tables.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = t.fields.iter().all(|f| match &f.references {
                Some((parent, _)) => parent == &t.name || placed.contains(parent.as_str()),
                None => true,
            });
            if ready {
                placed.insert(t.name.as_str());
                ordered.push(*t);
            }
            !ready
        });
        if left.len() == before {
            // A cycle: the rest in schema order.
            ordered.append(&mut left);
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_come_before_what_points_at_them() {
        let mut schema = Schema::core();
        // Declared before `user` on purpose.
        schema.tables.insert(
            0,
            Table::new(
                "member",
                vec![
                    portcullis_storage::Field::new("userId", portcullis_storage::FieldType::String)
                        .references("user", "id"),
                ],
            ),
        );
        let order: Vec<&str> = parents_first(&schema)
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let at = |name: &str| order.iter().position(|n| *n == name);
        assert!(at("user") < at("member"), "{order:?}");
        assert!(at("user") < at("session"), "{order:?}");
    }
}
