//! Session checks on PostgreSQL, answered in batches.
//!
//! The check is the hottest query: one indexed join per request. Run one at a time, PostgreSQL
//! spends most of each on what every statement costs (a round trip, a snapshot, starting and
//! ending the executor) and both processes wake up for each. `SessionChecks` keeps a few
//! connections to itself ("lanes"), each driven by a task that takes every check waiting at
//! that moment (up to [`MOST_PER_BATCH`]) and answers them all with one `token = ANY($1)`
//! query. Nothing waits for a batch to fill: a free lane takes the first check at once, so a
//! lone check costs what it did; batches only form while every lane is busy, which is when
//! they help. Each check still reads the database after it arrived, so a session revoked
//! before the check is refused by it, exactly as when each check runs its own query.
//!
//! A lane holds its connection and never hands it back, so a check also skips the ping sqlx
//! makes whenever a connection returns to the pool. A lane never waits for the pool: without
//! an idle connection to take, and when a batch fails (a connection lost), the checks it holds
//! are handed back and each runs alone on the pool, as without lanes; a failed lane drops its
//! connection (the pool tests it and closes it if it is broken).

use std::sync::Arc;

use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgRow};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::adapter::Result;
use crate::schema::Table;
use crate::value::{Row, Value};

/// The most checks one query answers.
pub(super) const MOST_PER_BATCH: usize = 64;

/// What a lane answers a check.
#[derive(Debug)]
pub(super) enum Answer {
    /// The session with this stored token and its user, or none.
    Found(Option<(Row, Row)>),
    /// Not answered here: run the check alone.
    RunAlone,
}

struct Pending {
    token: String,
    reply: oneshot::Sender<Answer>,
}

/// The two tables a check reads and the batch statement.
struct Statement {
    session: Table,
    user: Table,
    sql: String,
}

pub(super) struct SessionChecks {
    queue: mpsc::UnboundedSender<Pending>,
}

impl SessionChecks {
    /// Starts `lanes` lane tasks on the current runtime. They end when this is dropped.
    pub(super) fn start(
        pool: PgPool,
        lanes: usize,
        session: Table,
        user: Table,
        sql: String,
    ) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        let waiting = Arc::new(Mutex::new(waiting));
        let statement = Arc::new(Statement { session, user, sql });
        for _ in 0..lanes {
            tokio::spawn(lane(pool.clone(), waiting.clone(), statement.clone()));
        }
        SessionChecks { queue }
    }

    /// The session with `stored_token` and its user, as a lane answers it.
    pub(super) async fn check(&self, stored_token: &str) -> Answer {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            token: stored_token.to_owned(),
            reply,
        };
        if self.queue.send(pending).is_err() {
            return Answer::RunAlone;
        }
        // A lane that ended drops what it held unanswered: run alone then too.
        answer.await.unwrap_or(Answer::RunAlone)
    }
}

async fn lane(
    pool: PgPool,
    waiting: Arc<Mutex<mpsc::UnboundedReceiver<Pending>>>,
    statement: Arc<Statement>,
) {
    let mut conn: Option<PoolConnection<Postgres>> = None;
    let mut batch: Vec<Pending> = Vec::with_capacity(MOST_PER_BATCH);
    loop {
        {
            // One lane at a time waits for the next check and takes whatever else is queued.
            let mut waiting = waiting.lock().await;
            let Some(first) = waiting.recv().await else {
                return;
            };
            batch.push(first);
            while batch.len() < MOST_PER_BATCH {
                match waiting.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(_) => break,
                }
            }
        }
        // Requests that went away need no answer.
        batch.retain(|p| !p.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        if conn.is_none() {
            conn = pool.try_acquire();
        }
        let found = match conn.as_mut() {
            Some(c) => run_batch(c, &statement, &batch).await,
            None => {
                for p in batch.drain(..) {
                    let _ = p.reply.send(Answer::RunAlone);
                }
                continue;
            }
        };
        match found {
            Ok(found) => {
                for p in batch.drain(..) {
                    let rows = found
                        .iter()
                        .find(|(s, _)| matches!(s.get("token"), Some(Value::String(t)) if *t == p.token))
                        .cloned();
                    let _ = p.reply.send(Answer::Found(rows));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "batched session check failed; each check runs alone");
                conn = None;
                for p in batch.drain(..) {
                    let _ = p.reply.send(Answer::RunAlone);
                }
            }
        }
    }
}

async fn run_batch(
    conn: &mut PoolConnection<Postgres>,
    statement: &Statement,
    batch: &[Pending],
) -> Result<Vec<(Row, Row)>> {
    let tokens: Vec<&str> = batch.iter().map(|p| p.token.as_str()).collect();
    let rows: Vec<PgRow> = sqlx::query(&statement.sql)
        .bind(tokens)
        .fetch_all(&mut **conn)
        .await?;
    let user_starts = statement.session.column_names().count();
    rows.iter()
        .map(|r| {
            Ok((
                super::backend::decode_pg(&statement.session, r, 0)?,
                super::backend::decode_pg(&statement.user, r, user_starts)?,
            ))
        })
        .collect()
}
