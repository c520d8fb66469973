//! The end of an import: what was imported, what was skipped and why, and what conflicted.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One entry the report names: where it is in the input (a line, or the source's id) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub at: String,
    pub reason: String,
}

/// Counts and issues of a run. A resumed run carries on the counts of the run it resumes, so
/// its report is the whole import's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub source: String,
    /// Entries in the input.
    pub entries: u64,
    /// Users created.
    pub imported: u64,
    /// Rows created per table (a Better Auth database: sessions, accounts, factors, …).
    pub rows: BTreeMap<String, u64>,
    /// Entries already in this database under the same id: an earlier run imported them.
    pub already_present: u64,
    /// Entries not imported, and why (malformed, no e-mail address, …).
    pub skipped: Vec<Issue>,
    /// Entries not imported because this database has the same e-mail address under another
    /// id, or the same provider account linked to someone else.
    pub conflicts: Vec<Issue>,
    /// Users imported without something the source had (a password in an unknown hash
    /// format, a second factor Portcullis cannot use, a username already taken).
    pub warnings: Vec<Issue>,
    /// Where this run started, when it resumed an interrupted one.
    pub resumed_at: Option<u64>,
    pub dry_run: bool,
}

impl Report {
    pub fn new(source: &str, entries: u64, dry_run: bool) -> Self {
        Report {
            source: source.to_owned(),
            entries,
            dry_run,
            ..Report::default()
        }
    }

    pub(crate) fn created(&mut self, table: &str) {
        *self.rows.entry(table.to_owned()).or_default() += 1;
        if table == "user" {
            self.imported += 1;
        }
    }

    pub(crate) fn skip(&mut self, at: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Issue {
            at: at.into(),
            reason: reason.into(),
        });
    }

    pub(crate) fn conflict(&mut self, at: impl Into<String>, reason: impl Into<String>) {
        self.conflicts.push(Issue {
            at: at.into(),
            reason: reason.into(),
        });
    }

    pub(crate) fn warn(&mut self, at: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(Issue {
            at: at.into(),
            reason: reason.into(),
        });
    }
}

/// Issues printed per kind; `--report FILE` writes them all.
const SHOWN: usize = 50;

fn issues(f: &mut fmt::Formatter<'_>, title: &str, list: &[Issue]) -> fmt::Result {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(f, "{title} ({}):", list.len())?;
    for issue in list.iter().take(SHOWN) {
        writeln!(f, "  {}: {}", issue.at, issue.reason)?;
    }
    if list.len() > SHOWN {
        writeln!(
            f,
            "  … and {} more (--report FILE lists them all)",
            list.len() - SHOWN
        )?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        writeln!(
            f,
            "{}: {} entries; {verb} {} users",
            self.source, self.entries, self.imported
        )?;
        if let Some(at) = self.resumed_at {
            writeln!(f, "resumed an interrupted import at entry {at}")?;
        }
        let others: Vec<String> = self
            .rows
            .iter()
            .filter(|(table, _)| *table != "user")
            .map(|(table, n)| format!("{table} {n}"))
            .collect();
        if !others.is_empty() {
            writeln!(f, "rows: {}", others.join(", "))?;
        }
        if self.already_present > 0 {
            writeln!(
                f,
                "already present (same id, left as they are): {}",
                self.already_present
            )?;
        }
        issues(f, "skipped", &self.skipped)?;
        issues(f, "conflicts", &self.conflicts)?;
        issues(f, "imported with warnings", &self.warnings)?;
        if self.dry_run {
            writeln!(f, "dry run: nothing was written")?;
        }
        Ok(())
    }
}
