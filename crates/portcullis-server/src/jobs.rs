//! Background jobs, started by `serve`: every `CLEANUP_INTERVAL` seconds, delete expired
//! `session` and `verification` rows and the expired rows of the tables plugins name
//! (`Plugin::expiring_tables`); and each plugin's own periodic jobs (`Plugin::jobs`), under the
//! same lease discipline.
//!
//! Many instances may share one database. Each run first takes a lease in the secondary storage
//! (`set_nx` with a TTL just under the interval), so with Redis one instance cleans per interval.
//! The deletes are safe without the lease too — with in-memory secondary storage every instance
//! holds its own lease — because each batch is "delete these ids if still expired", which two
//! instances can run at once: the second simply deletes nothing.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use portcullis_core::AuthContext;
use portcullis_core::plugin_parts::{ExpiringTable, Job};
use portcullis_storage::{Adapter, Query, StorageError, Value, Where, WhereOp};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The secondary-storage key of the cleanup lease; its value names the instance holding it.
pub const CLEANUP_LEASE_KEY: &str = "portcullis:lease:cleanup";
/// Core tables whose expired rows the job deletes (both have `expiresAt`).
pub const CLEANED_TABLES: [&str; 2] = ["session", "verification"];
/// The secondary-storage key of a plugin job's lease: this prefix and the job's name.
pub const JOB_LEASE_PREFIX: &str = "portcullis:lease:job:";
/// Upper bound on batches per table and run, so that one run always ends.
const MAX_BATCHES_PER_RUN: usize = 1000;
/// The longest the first run waits after start-up (scaled down for shorter intervals).
const MAX_FIRST_DELAY: Duration = Duration::from_secs(60);

/// Rows deleted by one cleanup run, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    pub sessions: u64,
    pub verifications: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanupOutcome {
    Ran(CleanupReport),
    /// Another instance holds the lease for this interval.
    Skipped,
}

/// Deletes rows of `table` whose `expiresAt` is before `now`, `batch` rows per statement.
/// Idempotent and safe to run concurrently with itself: each batch re-checks the expiry.
pub async fn delete_expired(
    adapter: &dyn Adapter,
    table: &str,
    now: DateTime<Utc>,
    batch: usize,
) -> Result<u64, StorageError> {
    delete_expired_by(adapter, table, "expiresAt", now, batch).await
}

/// Deletes rows of `table` whose date `column` is before `now`, `batch` rows per statement,
/// as [`delete_expired`] does with `expiresAt`.
pub async fn delete_expired_by(
    adapter: &dyn Adapter,
    table: &str,
    column: &str,
    now: DateTime<Utc>,
    batch: usize,
) -> Result<u64, StorageError> {
    let batch = batch.max(1);
    let limit = i64::try_from(batch).unwrap_or(i64::MAX);
    let mut total = 0;
    for _ in 0..MAX_BATCHES_PER_RUN {
        let rows = adapter
            .find_many(
                table,
                &Query::filter(vec![Where::op(column, WhereOp::Lt, now)]).limit(limit),
            )
            .await?;
        let ids: Vec<Value> = rows.iter().filter_map(|r| r.get("id").cloned()).collect();
        if ids.is_empty() {
            break;
        }
        total += adapter
            .delete_many(
                table,
                &[Where::is_in("id", ids), Where::op(column, WhereOp::Lt, now)],
            )
            .await?;
        if rows.len() < batch {
            break;
        }
        tokio::task::yield_now().await;
    }
    Ok(total)
}

/// Every table the cleanup job deletes expired rows from: core's, then each plugin's.
pub fn expiring_tables(ctx: &AuthContext) -> Vec<ExpiringTable> {
    CLEANED_TABLES
        .iter()
        .map(|t| ExpiringTable::new(t, "expiresAt"))
        .chain(ctx.plugins.iter().flat_map(|p| p.expiring_tables()))
        .collect()
}

/// One cleanup pass over every table, without a lease. Updates the metrics
/// (`portcullis_cleanup_deleted_total{table}`, plugin tables included) and logs what a plugin
/// table lost; the report counts core's two tables.
pub async fn cleanup_expired(ctx: &AuthContext) -> Result<CleanupReport, StorageError> {
    let now = ctx.now();
    let batch = ctx.config.cleanup_batch_size;
    let adapter = ctx.adapter.as_ref();
    let mut report = CleanupReport::default();
    for t in expiring_tables(ctx) {
        let before = chrono::Duration::from_std(t.kept_for)
            .ok()
            .and_then(|kept| now.checked_sub_signed(kept))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let deleted = delete_expired_by(adapter, t.table, t.column, before, batch).await?;
        ctx.metrics.cleanup_deleted.inc_by(&[t.table], deleted);
        match t.table {
            "session" => report.sessions += deleted,
            "verification" => report.verifications += deleted,
            table if deleted > 0 => {
                tracing::info!(table, deleted, "cleanup: deleted expired rows");
            }
            _ => {}
        }
    }
    Ok(report)
}

/// The lease length for an interval: a little shorter, so that the holder's own next tick is
/// never blocked by its previous lease.
pub fn lease_ttl(interval: Duration) -> Duration {
    interval
        .saturating_sub(interval / 10)
        .max(Duration::from_secs(1))
}

/// Takes the lease and, if this instance got it, cleans up. If the secondary storage cannot be
/// reached, cleans up anyway: the deletes are idempotent.
pub async fn run_cleanup(
    ctx: &AuthContext,
    instance: &str,
    lease: Duration,
) -> Result<CleanupOutcome, StorageError> {
    let m = &ctx.metrics;
    match ctx
        .secondary
        .set_nx(CLEANUP_LEASE_KEY, instance, lease)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            m.cleanup_runs.inc(&["skipped"]);
            return Ok(CleanupOutcome::Skipped);
        }
        Err(e) => {
            tracing::warn!(error = %e, "cleanup: lease unavailable; cleaning up without it");
        }
    }
    match cleanup_expired(ctx).await {
        Ok(report) => {
            m.cleanup_runs.inc(&["ok"]);
            if let Err(e) = portcullis_core::metrics::refresh_active_sessions(ctx).await {
                tracing::debug!(error = %e, "cleanup: cannot count active sessions");
            }
            Ok(CleanupOutcome::Ran(report))
        }
        Err(e) => {
            m.cleanup_runs.inc(&["error"]);
            Err(e)
        }
    }
}

/// A random fraction in [0, 1), different in every process (no RNG dependency needed).
fn random_fraction() -> f64 {
    let bits = RandomState::new().build_hasher().finish() >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// Handle on the running jobs; `stop` ends them (dropping it does too, at the next wake-up).
pub struct Jobs {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    /// The plugins' jobs, by name.
    plugin_tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Jobs {
    /// Asks the jobs to stop and waits (up to 10 s in all) for runs in progress to finish.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        if let Some(task) = self.task.take()
            && tokio::time::timeout_at(deadline, task).await.is_err()
        {
            tracing::warn!("cleanup job did not stop within 10 s");
        }
        for (job, task) in self.plugin_tasks.drain(..) {
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                tracing::warn!(job, "job did not stop within 10 s");
            }
        }
    }

    /// The names of the plugin jobs running.
    pub fn plugin_jobs(&self) -> Vec<&'static str> {
        self.plugin_tasks.iter().map(|(name, _)| *name).collect()
    }
}

/// What one tick of a plugin job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Ran,
    /// Another instance holds the job's lease for this interval.
    Skipped,
}

/// Takes the job's lease (`portcullis:lease:job:<name>`) and, if this instance got it or the
/// storage does not answer, runs the job once. A job on every instance takes no lease.
pub async fn run_job(
    ctx: &AuthContext,
    job: &Job,
    instance: &str,
) -> Result<JobOutcome, portcullis_core::plugin_parts::JobError> {
    if job.every_instance {
        return (job.run)(ctx).await.map(|()| JobOutcome::Ran);
    }
    let key = format!("{JOB_LEASE_PREFIX}{}", job.name);
    match ctx
        .secondary
        .set_nx(&key, instance, lease_ttl(job.interval))
        .await
    {
        Ok(true) => {}
        Ok(false) => return Ok(JobOutcome::Skipped),
        Err(e) => {
            tracing::warn!(job = job.name, error = %e, "job: lease unavailable; running without it");
        }
    }
    (job.run)(ctx).await.map(|()| JobOutcome::Ran)
}

/// The first wait before a loop's first run: a random 50-100 % of `min(interval, 60 s)`.
fn first_delay(interval: Duration) -> Duration {
    let first = interval.min(MAX_FIRST_DELAY);
    first / 2 + first.mul_f64(random_fraction() / 2.0)
}

/// Runs every job that each instance runs (`Job::on_every_instance`) once, before the server
/// listens: the instance starts with what was stored (a plugin switched off stays off). A
/// failure is logged; the job's loop tries again.
pub async fn run_every_instance_jobs(ctx: &AuthContext) {
    for job in ctx
        .plugins
        .iter()
        .flat_map(|p| p.jobs())
        .filter(|j| j.every_instance)
    {
        if let Err(e) = (job.run)(ctx).await {
            tracing::warn!(job = job.name, error = %e, "job failed at start-up; retrying");
        }
    }
}

fn spawn_plugin_job(
    ctx: Arc<AuthContext>,
    plugin: usize,
    job: Job,
    instance: String,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let interval = job.interval.max(Duration::from_secs(1));
    // One already ran at start-up.
    let mut delay = if job.every_instance {
        interval
    } else {
        first_delay(interval)
    };
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                // A stop request, or the handle was dropped.
                _ = stopped.changed() => break,
            }
            delay = interval;
            if !ctx.switches.is_on(plugin) {
                tracing::debug!(job = job.name, "job: its plugin is switched off");
                continue;
            }
            match run_job(&ctx, &job, &instance).await {
                Ok(JobOutcome::Ran) => tracing::debug!(job = job.name, "job ran"),
                Ok(JobOutcome::Skipped) => {
                    tracing::debug!(job = job.name, "job: another instance holds the lease");
                }
                Err(e) => {
                    tracing::warn!(job = job.name, error = %e, "job failed; retrying next interval");
                }
            }
        }
    })
}

/// Starts the cleanup loop unless `CLEANUP_INTERVAL` is 0. The first run waits a random part of
/// a minute (less for short intervals), so that instances started together do not all race.
pub fn spawn(ctx: Arc<AuthContext>) -> Jobs {
    let (stop, mut stopped) = watch::channel(false);
    let instance = portcullis_core::crypto::token::generate_id(16);
    let plugin_tasks = ctx
        .plugins
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.jobs().into_iter().map(move |job| (i, job)))
        .map(|(plugin, job)| {
            let task =
                spawn_plugin_job(ctx.clone(), plugin, job, instance.clone(), stop.subscribe());
            (job.name, task)
        })
        .collect();
    let interval = Duration::from_secs(ctx.config.cleanup_interval);
    if interval.is_zero() {
        tracing::info!("cleanup job disabled (CLEANUP_INTERVAL=0)");
        return Jobs {
            stop,
            task: None,
            plugin_tasks,
        };
    }
    let lease = lease_ttl(interval);
    let mut delay = first_delay(interval);
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                // A stop request, or the handle was dropped.
                _ = stopped.changed() => break,
            }
            delay = interval;
            match run_cleanup(&ctx, &instance, lease).await {
                Ok(CleanupOutcome::Ran(r)) if r.sessions + r.verifications > 0 => {
                    tracing::info!(
                        sessions = r.sessions,
                        verifications = r.verifications,
                        "cleanup: deleted expired rows"
                    );
                }
                Ok(CleanupOutcome::Ran(_)) => tracing::debug!("cleanup: nothing expired"),
                Ok(CleanupOutcome::Skipped) => {
                    tracing::debug!("cleanup: another instance holds the lease");
                }
                Err(e) => tracing::warn!(error = %e, "cleanup failed; retrying next interval"),
            }
        }
    });
    Jobs {
        stop,
        task: Some(task),
        plugin_tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_is_shorter_than_the_interval_and_jitter_is_a_fraction() {
        assert_eq!(
            lease_ttl(Duration::from_secs(300)),
            Duration::from_secs(270)
        );
        assert_eq!(lease_ttl(Duration::from_secs(1)), Duration::from_secs(1));
        for _ in 0..100 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f), "{f}");
        }
    }
}
