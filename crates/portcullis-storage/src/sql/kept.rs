//! Pooled connections kept between queries, so that a query does not pay for sqlx's release
//! ping.
//!
//! sqlx 0.8 pings every connection that goes back to its pool (a `Sync` on PostgreSQL, a
//! `COM_PING` on MySQL, a message to the worker thread on SQLite): each one-statement query
//! costs two round trips, and both processes wake up twice. A connection whose query completed
//! is at rest (nothing left to read, no transaction open), so it is kept here instead and
//! handed to the next query as it is. A connection whose query failed, or whose request went
//! away mid-query, goes back to the pool as before, where the ping reads past what was left on
//! it and closes it if it is broken.
//!
//! Kept connections are idle connections the pool cannot see, so they are bounded: at most
//! `most` (fewer than the connections the session-check lanes leave to the pool), and one is
//! kept only while the pool could still serve someone else at once (it has an idle connection,
//! or room to open one). Whoever takes connections from the pool directly (a transaction) first
//! hands one kept connection back. And they are kept only briefly ([`KEEP_IDLE_FOR`]): one idle
//! longer goes back to the pool, whose idle timeout and ping deal with connections a database
//! or a proxy closes after a quiet night, instead of a request finding it dead.
//!
//! The pool is also where an outage shows first, so the gate lives here too ([`Reach`]). While
//! the database refuses connections, sqlx's acquire retries until its timeout (3 s), and every
//! request would wait that long for its 503. A failure that could mean the database is gone
//! (an acquire that timed out, a broken connection) starts one probe, which opens a fresh
//! connection outside the pool. If that fails, the database is marked unreachable: requests
//! get 503 at once, acquires already waiting are abandoned, and the probe tries again every
//! [`PROBE_EVERY`] until a connection opens. A busy pool's timeout finds the probe succeeding
//! and changes nothing.
//!
//! Measured side by side (three rounds; two cores shared with PostgreSQL and wrk): per
//! sign-in, besides its hash, PostgreSQL's CPU 0.75–0.82 → 0.57–0.62 ms and the server's
//! 0.69–0.76 → 0.52–0.57 ms, so sign-in went from 90–93 % to 94–95 % of the raw argon2id rate;
//! list-sessions 10.0–11.0k → 11.7–12.1k req/s, update-user 5.4–5.7k → 5.6–6.0k.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{ConnectOptions, Connection, Database, Pool};
use tokio::sync::watch;

use crate::adapter::StorageError;

/// How often the probe tries to connect while the database is unreachable.
pub(super) const PROBE_EVERY: Duration = Duration::from_millis(250);
/// How long the probe waits for one connection to open.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a connection is kept without a query. Under load the next query comes within a
/// millisecond; a connection idle longer goes back to the pool.
pub(super) const KEEP_IDLE_FOR: Duration = Duration::from_secs(10);

/// The pool, and the connections kept out of it between queries (each with when it was kept).
pub(super) struct KeptConnections<DB: Database> {
    pool: Pool<DB>,
    idle: Mutex<Vec<(PoolConnection<DB>, Instant)>>,
    most: usize,
    idle_for: Duration,
    reach: Arc<Reach>,
}

/// Whether the database accepts connections, as far as this process knows.
pub(super) struct Reach {
    /// True while the probe cannot connect; acquires waiting on the pool watch it.
    unreachable: watch::Sender<bool>,
    /// One probe at a time.
    probing: AtomicBool,
}

fn unreachable() -> StorageError {
    StorageError::Unavailable("the database does not accept connections".into())
}

impl<DB: Database> KeptConnections<DB> {
    /// Keeps at most `most` connections of `pool` between queries, each for at most
    /// `idle_for` without a query.
    pub(super) fn new(pool: Pool<DB>, most: usize, idle_for: Duration) -> Self {
        KeptConnections {
            pool,
            idle: Mutex::new(Vec::new()),
            most,
            idle_for,
            reach: Arc::new(Reach {
                unreachable: watch::Sender::new(false),
                probing: AtomicBool::new(false),
            }),
        }
    }

    /// Runs `op`, something that takes a connection from the pool (an acquire, a `BEGIN`),
    /// unless the database is known to refuse connections: then, or when that becomes known
    /// while `op` waits, it answers `Unavailable` at once. A failure that could mean the
    /// database is gone starts the probe.
    pub(super) async fn gated<T>(
        &self,
        op: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StorageError> {
        if *self.reach.unreachable.borrow() {
            return Err(unreachable());
        }
        let mut watching = self.reach.unreachable.subscribe();
        let out = tokio::select! {
            out = op => out,
            _ = watching.wait_for(|down| *down) => return Err(unreachable()),
        };
        out.map_err(|e| match e {
            // What the database itself answered (a refused login, too many connections).
            sqlx::Error::Database(_) => StorageError::from(e),
            // A dead pooled connection: `ConnectionLost`, tried again on another.
            sqlx::Error::Io(_) => {
                self.suspect();
                StorageError::from(e)
            }
            // No connection could be had: timed out, or one being opened failed on the way
            // (a proxy with nothing behind it, a broken TLS negotiation).
            other => {
                self.suspect();
                StorageError::Unavailable(other.to_string())
            }
        })
    }

    /// Starts the probe, unless one runs: it connects outside the pool and, while it cannot,
    /// marks the database unreachable and tries again every [`PROBE_EVERY`].
    pub(super) fn suspect(&self) {
        if self.reach.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (pool, reach) = (self.pool.clone(), self.reach.clone());
        tokio::spawn(async move {
            loop {
                let options = pool.connect_options();
                let attempt = tokio::time::timeout(PROBE_TIMEOUT, options.connect()).await;
                if let Ok(Ok(conn)) = attempt {
                    let _ = conn.close().await;
                    if reach.unreachable.send_replace(false) {
                        tracing::info!("the database accepts connections again");
                    }
                    break;
                }
                if !reach.unreachable.send_replace(true) {
                    tracing::warn!(
                        "the database does not accept connections: answering 503 at once until it does"
                    );
                }
                tokio::time::sleep(PROBE_EVERY).await;
            }
            reach.probing.store(false, Ordering::Release);
        });
    }

    /// The pool itself, for what takes its connections directly (transactions, migrations).
    pub(super) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    fn idle(&self) -> MutexGuard<'_, Vec<(PoolConnection<DB>, Instant)>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection kept last, or one from the pool. Connections kept too long go back to
    /// the pool on the way (the ones below the last were kept earlier still).
    pub(super) async fn take(&self) -> Result<PoolConnection<DB>, StorageError> {
        let (fresh, stale) = {
            let mut idle = self.idle();
            match idle.pop() {
                Some((conn, at)) if at.elapsed() <= self.idle_for => (Some(conn), Vec::new()),
                Some((conn, _)) => {
                    let mut stale: Vec<_> = idle.drain(..).map(|(c, _)| c).collect();
                    stale.push(conn);
                    (None, stale)
                }
                None => (None, Vec::new()),
            }
        };
        // Dropped outside the lock: sqlx pings each and puts it back in the pool.
        drop(stale);
        match fresh {
            Some(conn) => Ok(conn),
            None => self.gated(self.pool.acquire()).await,
        }
    }

    /// Takes back a connection whose query completed: kept for the next query, or given back
    /// to the pool when enough are kept or the pool has nothing left to hand out.
    pub(super) fn keep(&self, conn: PoolConnection<DB>) {
        let pool_can_serve = self.pool.num_idle() > 0
            || self.pool.size() < self.pool.options().get_max_connections();
        let given_back = {
            let mut idle = self.idle();
            if idle.len() < self.most && pool_can_serve {
                idle.push((conn, Instant::now()));
                None
            } else {
                Some(conn)
            }
        };
        // Dropped outside the lock: sqlx pings it and puts it back in the pool.
        drop(given_back);
    }

    /// Gives one kept connection back to the pool, before taking one from the pool directly.
    pub(super) fn give_one_back(&self) {
        let given_back = self.idle().pop();
        drop(given_back);
    }

    /// How many connections are kept now.
    pub(super) fn kept(&self) -> usize {
        self.idle().len()
    }
}

/// How many connections to keep: all but one of those the lanes leave to the pool, so that
/// the pool always has one that is never kept idle.
pub(super) fn most_to_keep(pool_size: u32, lanes: usize) -> usize {
    usize::try_from(pool_size)
        .unwrap_or(usize::MAX)
        .saturating_sub(lanes)
        .saturating_sub(1)
}

/// Runs `$body` with `$conn` bound to a kept connection of `$kept` (a `KeptConnections`), as
/// an async block of type `$ty` (a `Result`); the connection is kept again when the body
/// succeeded, and goes back to the pool otherwise (also when the future is dropped mid-query).
macro_rules! on_kept {
    ($kept:expr, $ty:ty, |$conn:ident| $body:expr) => {{
        let mut held = $kept.take().await?;
        let out: $ty = async {
            let $conn = &mut *held;
            $body
        }
        .await;
        if out.is_ok() {
            $kept.keep(held);
        }
        out
    }};
}
pub(super) use on_kept;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::temp_sqlite::TempSqlite;

    /// A pool of four on a SQLite file of its own.
    async fn small_pool() -> (TempSqlite, sqlx::SqlitePool) {
        let file = TempSqlite::new("kept");
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(4)
            .connect(&file.url())
            .await
            .expect("sqlite pool");
        (file, pool)
    }

    #[tokio::test]
    async fn connections_are_kept_briefly_and_up_to_the_most() {
        let (_file, pool) = small_pool().await;
        let kept = KeptConnections::new(pool.clone(), 2, Duration::from_millis(50));
        let mut taken = Vec::new();
        for _ in 0..3 {
            taken.push(kept.take().await.expect("connection"));
        }
        for conn in taken {
            kept.keep(conn);
        }
        assert_eq!(kept.kept(), 2, "at most two are kept");
        let again = kept.take().await.expect("kept one");
        assert_eq!(kept.kept(), 1);
        kept.keep(again);
        assert_eq!(kept.kept(), 2);

        tokio::time::sleep(Duration::from_millis(80)).await;
        // Both kept longer than 50 ms: back to the pool, and the query gets a pooled one.
        let pooled = kept.take().await.expect("pooled");
        assert_eq!(kept.kept(), 0, "stale connections went back to the pool");
        drop(pooled);

        kept.keep(kept.take().await.expect("one more"));
        assert_eq!(kept.kept(), 1);
        kept.give_one_back();
        assert_eq!(kept.kept(), 0);
    }

    #[test]
    fn one_connection_the_lanes_leave_is_never_kept() {
        assert_eq!(most_to_keep(10, 5), 4);
        assert_eq!(most_to_keep(10, 0), 9);
        assert_eq!(most_to_keep(2, 1), 0);
        assert_eq!(most_to_keep(1, 0), 0);
        assert_eq!(most_to_keep(0, 0), 0);
    }
}
