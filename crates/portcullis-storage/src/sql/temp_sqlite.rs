//! A SQLite file for one unit test, in the temporary directory, removed with its WAL files
//! when the test ends (whether it passes or not).

use std::path::PathBuf;

pub(super) struct TempSqlite(PathBuf);

impl TempSqlite {
    /// A fresh path named after `prefix`, the process and the time: no two tests share one.
    pub(super) fn new(prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        TempSqlite(std::env::temp_dir().join(format!(
            "portcullis-{prefix}-{}-{nanos}.db",
            std::process::id()
        )))
    }

    /// The `sqlite://` URL of the file, created on first connection.
    pub(super) fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}
