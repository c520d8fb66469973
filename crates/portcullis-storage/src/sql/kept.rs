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
//! hands one kept connection back.
//!
//! Measured side by side (three rounds; two cores shared with PostgreSQL and wrk): per
//! sign-in, besides its hash, PostgreSQL's CPU 0.75–0.82 → 0.57–0.62 ms and the server's
//! 0.69–0.76 → 0.52–0.57 ms, so sign-in went from 90–93 % to 94–95 % of the raw argon2id rate;
//! list-sessions 10.0–11.0k → 11.7–12.1k req/s, update-user 5.4–5.7k → 5.6–6.0k.

use std::sync::{Mutex, MutexGuard, PoisonError};

use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool};

/// The pool, and the connections kept out of it between queries.
pub(super) struct KeptConnections<DB: Database> {
    pool: Pool<DB>,
    idle: Mutex<Vec<PoolConnection<DB>>>,
    most: usize,
}

impl<DB: Database> KeptConnections<DB> {
    /// Keeps at most `most` connections of `pool` between queries.
    pub(super) fn new(pool: Pool<DB>, most: usize) -> Self {
        KeptConnections {
            pool,
            idle: Mutex::new(Vec::new()),
            most,
        }
    }

    /// The pool itself, for what takes its connections directly (transactions, migrations).
    pub(super) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    fn idle(&self) -> MutexGuard<'_, Vec<PoolConnection<DB>>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A kept connection, or one from the pool.
    pub(super) async fn take(&self) -> Result<PoolConnection<DB>, sqlx::Error> {
        let kept = self.idle().pop();
        match kept {
            Some(conn) => Ok(conn),
            None => self.pool.acquire().await,
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
                idle.push(conn);
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
    use super::most_to_keep;

    #[test]
    fn one_connection_the_lanes_leave_is_never_kept() {
        assert_eq!(most_to_keep(10, 5), 4);
        assert_eq!(most_to_keep(10, 0), 9);
        assert_eq!(most_to_keep(2, 1), 0);
        assert_eq!(most_to_keep(1, 0), 0);
        assert_eq!(most_to_keep(0, 0), 0);
    }
}
