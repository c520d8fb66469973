//! `portcullis import`: users from another auth system into this server's database, with
//! their password hashes (verified in their own algorithm, then rehashed at the next
//! sign-in), linked social accounts (so the provider's next sign-in finds them), verified
//! flags, names, images, creation times and TOTP secrets.
//!
//! Safe to repeat and to interrupt: users keep their source ids, and every other row gets an id
//! derived from what it is, so a second run finds everything present and writes nothing. Entries
//! go in batches, each in one transaction with the run's position, so a run killed halfway
//! resumes after its last committed batch. Entries that cannot be read, addresses already
//! taken, and what could not be carried are reported with their line or id; none stops the
//! rest.

mod hashes;
mod person;
mod report;
mod sources;
mod writer;

use indicatif::{ProgressBar, ProgressStyle};
use portcullis_core::AuthContext;
use portcullis_storage::StorageError;
use sha2::{Digest, Sha256};

pub use person::{Entry, LinkedAccount, Person, Phone};
pub use portcullis_core::crypto::imported_hash::FirebaseHashConfig;
pub use report::{Issue, Report};
pub use sources::{SourceKind, SourceOptions};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input (or a required option) cannot be used at all.
    #[error("{0}")]
    Input(String),
    #[error("database: {0}")]
    Storage(#[from] StorageError),
}

/// One `portcullis import` run.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub source: SourceKind,
    /// Files, or a database URL.
    pub inputs: Vec<String>,
    pub source_options: SourceOptions,
    /// Read and check everything, write nothing.
    pub dry_run: bool,
    /// Entries per transaction.
    pub batch_size: usize,
    /// Draw a progress bar (on a terminal only).
    pub progress: bool,
}

/// Imports into `ctx`'s database and reports what happened.
pub async fn run(ctx: &AuthContext, options: &ImportOptions) -> Result<Report, ImportError> {
    let source = options.source.name();
    let entries = sources::read(
        options.source,
        &options.inputs,
        &options.source_options,
        &ctx.schema,
        ctx.now(),
    )
    .await?;
    let total = entries.len() as u64;
    let source_secret = options
        .source_options
        .source_secret
        .as_ref()
        .map(|s| s.as_bytes().to_vec());
    let mut writer = writer::Writer::open(
        ctx,
        run_id(source, &entries),
        source_secret,
        options.dry_run,
    )
    .await?;
    let links_anything = entries
        .iter()
        .any(|e| matches!(e, Entry::Person(p) if !p.accounts.is_empty()));
    if links_anything {
        writer.read_links().await?;
    }
    let (start, mut report) = match writer.checkpoint().await? {
        Some(c) if !c.finished && !options.dry_run && c.position <= total => {
            let mut report = c.report;
            report.resumed_at = Some(c.position);
            (c.position, report)
        }
        _ => {
            let report = Report::new(source, total, options.dry_run);
            writer.begin_run(source, &report).await?;
            (0, report)
        }
    };

    let bar = progress_bar(options.progress, total, start);
    let batch_size = options.batch_size.max(1);
    let mut position = start;
    for batch in entries[usize::try_from(start)
        .unwrap_or(usize::MAX)
        .min(entries.len())..]
        .chunks(batch_size)
    {
        position += batch.len() as u64;
        writer.write_batch(batch, position, &mut report).await?;
        bar.set_position(position);
        bar.set_message(format!(
            "{} imported, {} present, {} skipped, {} conflicts",
            report.imported,
            report.already_present,
            report.skipped.len(),
            report.conflicts.len()
        ));
    }
    bar.finish_and_clear();
    writer.finish_run(position, &report).await?;
    Ok(report)
}

/// The same input gives the same id: a rerun finds the run it continues.
fn run_id(source: &str, entries: &[Entry]) -> String {
    let mut h = Sha256::new();
    h.update(source.as_bytes());
    for entry in entries {
        h.update([0]);
        h.update(entry.key().as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

fn progress_bar(enabled: bool, total: u64, start: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    // Drawn on standard error, and only when it is a terminal.
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30} {pos}/{len} entries, {per_sec}, about {eta} left\n{msg}",
    ) {
        bar.set_style(style);
    }
    bar.set_position(start);
    bar
}
