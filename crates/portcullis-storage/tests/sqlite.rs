//! The SQL adapter on SQLite: indexes over several columns and numbered migrations (the shared
//! scenarios in `common`). Each test works on its own file in the temporary directory.

mod common;

use std::path::PathBuf;

/// A SQLite file for one test, removed with its WAL files when the test ends.
struct TempDb(PathBuf);

impl TempDb {
    fn new(prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        TempDb(std::env::temp_dir().join(format!(
            "portcullis-st-{prefix}-{}-{nanos}.db",
            std::process::id()
        )))
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

#[tokio::test]
async fn composite_unique_is_enforced() {
    let db = TempDb::new("composite-unique");
    common::composite_unique_is_enforced(&db.url()).await;
}

#[tokio::test]
async fn indexes_are_added_to_existing_tables_once() {
    let db = TempDb::new("existing-indexes");
    common::indexes_are_added_to_existing_tables_once(&db.url()).await;
}

#[tokio::test]
async fn duplicate_rows_refuse_a_unique_index_clearly() {
    let db = TempDb::new("duplicates");
    common::duplicate_rows_refuse_a_unique_index_clearly(&db.url()).await;
}

#[tokio::test]
async fn migrations_run_once_in_order() {
    let db = TempDb::new("migrations");
    common::migrations_run_once_in_order(&db.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_each_version_once() {
    let db = TempDb::new("concurrent");
    common::concurrent_migrations_apply_each_version_once(&db.url(), 3).await;
}
