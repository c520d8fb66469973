//! Session checks on PostgreSQL: a few connections of their own ("lanes"), and, when every lane
//! is busy, the checks waiting for one answered together by one query.
//!
//! The check is the hottest query: one indexed join per request. Run one at a time, PostgreSQL
//! spends most of each on what every statement costs (a round trip, a snapshot, starting and
//! ending the executor), and both processes wake up for each.
//!
//! - While the queue moves, checks use one lane ([`LANES_IN_USE`]): a check that finds no lane
//!   held runs its own query on a free one at once, in its own task (a lone check costs one
//!   round trip, as without lanes). A lane keeps its connection and never hands it back, so a
//!   check also skips the ping sqlx makes whenever a connection returns to the pool.
//! - A check that finds a lane held queues, even when other lanes are free. Nothing waits for a
//!   batch to fill, and no task of its own drives a lane: the check that finishes with a lane
//!   hands it, with the right to lead, to the oldest queued check. That check takes every check
//!   queued at that moment (up to [`MOST_PER_BATCH`]) and answers them all with one query, then
//!   hands the lane on in turn. Each check's task is woken once, for its answer or for the lane,
//!   so batching adds no wake-up. One lane answering whole queues costs PostgreSQL the least CPU
//!   per check: on two cores shared with it, 16 connections went from 30k to 45k checks a
//!   second against five lanes in use, with p99 1.3 → 0.9 ms.
//! - A check still queued after [`WAIT_BEFORE_ANOTHER_LANE`] (the queue has not moved: the
//!   lane's query is held up, its backend or worker thread waiting for a core) takes a free lane,
//!   if any, and leads the queue on it. A check still queued after [`LONGEST_WAIT_FOR_A_LANE`]
//!   leads it on a connection from the pool instead (one batch, the connection given back
//!   afterwards, or kept for the next query: see `kept`), so the queue never stalls behind
//!   lanes whose checks are held up. One batch, not each check alone: a stalled lane then costs one more backend, not dozens competing for
//!   the same cores (a 1 ms limit, which spilled more often, doubled the p99 under the sign-in
//!   flood).
//! - The batch finds each session by its token's index and its user by primary key, laterally
//!   (see `generator::sessions_with_users_sql`): its cost does not grow with the tables.
//! - Each check still reads the database after it arrived: a session revoked before the check
//!   is refused by it, exactly as when each check runs its own query.
//! - A failed query (a connection lost) drops the lane's connection (the pool tests it and
//!   closes it if it is broken) and answers `RunAlone`: each check it held runs again on the
//!   pool, as without lanes. A check whose request goes away mid-query leaves its reply on the
//!   connection, which sqlx reads past before the next query; its lane is handed on by a drop
//!   guard, and the checks it was answering run alone.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use tokio::sync::oneshot;

use super::backend::decode_pg;
use super::kept::KeptConnections;
use crate::adapter::Result;
use crate::schema::Table;
use crate::value::{Row, Value};

/// The most checks one query answers.
pub(super) const MOST_PER_BATCH: usize = 64;

/// How long a queued check waits for a lane before it leads the queue on the pool. A batch normally
/// comes within a query or two (under a millisecond); this bounds the wait when the checks
/// holding the lanes are held up (a worker thread that lost its core), so that the queue
/// cannot stall behind them.
const LONGEST_WAIT_FOR_A_LANE: std::time::Duration = std::time::Duration::from_millis(3);

/// How many lanes checks take at once while the queue moves (more are taken when it stalls).
const LANES_IN_USE: usize = 1;

/// How long a queued check waits before it takes a free lane beyond [`LANES_IN_USE`].
const WAIT_BEFORE_ANOTHER_LANE: std::time::Duration = std::time::Duration::from_millis(1);

/// A check's answer from the lanes.
#[derive(Debug)]
pub(super) enum Answer {
    /// The session with this stored token and its user, or none.
    Found(Option<(Row, Row)>),
    /// Not answered here: run the check alone, on the pool.
    RunAlone,
}

/// What a queued check is sent.
enum Reply {
    Answer(Answer),
    /// A lane, and with it the turn to answer the queue.
    Lead(LaneGuard),
}

struct Pending {
    /// Tells a queued check's entry apart from the others (see `SessionChecks::leave_queue`).
    id: u64,
    token: String,
    reply: oneshot::Sender<Reply>,
}

/// The statements a lane runs and the tables their rows are decoded with.
pub(super) struct Statements {
    pub session: Table,
    pub user: Table,
    /// One token: `= $1 LIMIT 1`.
    pub one: Arc<str>,
    /// Many tokens: one text array, each looked up by index.
    pub many: String,
}

/// A lane's connection, taken from the pool when the lane is first used or after a failure.
type Lane = Option<PoolConnection<Postgres>>;

struct Queue {
    waiting: VecDeque<Pending>,
    free: Vec<Lane>,
    /// Lanes in all, free or held.
    lanes: usize,
    /// The next queued check's id.
    next_id: u64,
}

impl Queue {
    /// Takes queued check `id` out of the queue; false when it is no longer there.
    fn remove_waiting(&mut self, id: u64) -> bool {
        match self.waiting.iter().position(|p| p.id == id) {
            Some(at) => self.waiting.remove(at).is_some(),
            None => false,
        }
    }
}

struct Shared {
    queue: Mutex<Queue>,
    /// Where lanes and spilled batches get their connections.
    connections: Arc<KeptConnections<Postgres>>,
    statements: Statements,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        // The lock is only held to move entries; a panic cannot leave the queue half-changed.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Passes a lane to the oldest queued check that is still waiting, or frees it.
    fn hand_on(self: &Arc<Self>, mut lane: Lane) {
        loop {
            let next = {
                let mut q = self.queue();
                match q.waiting.pop_front() {
                    Some(next) => next,
                    None => {
                        q.free.push(lane);
                        return;
                    }
                }
            };
            match next.reply.send(Reply::Lead(LaneGuard::new(self, lane))) {
                Ok(()) => return,
                // That check's request went away: take the lane back, try the next.
                Err(Reply::Lead(mut guard)) => lane = guard.take_back(),
                Err(Reply::Answer(_)) => return,
            }
        }
    }
}

/// A lane held by the check leading it. Dropped, on any path, it hands the lane on.
struct LaneGuard {
    lane: Lane,
    /// Where to hand the lane on; `None` once taken back.
    shared: Option<Arc<Shared>>,
}

impl LaneGuard {
    fn new(shared: &Arc<Shared>, lane: Lane) -> Self {
        LaneGuard {
            lane,
            shared: Some(shared.clone()),
        }
    }

    /// The lane, without handing it on.
    fn take_back(&mut self) -> Lane {
        self.shared = None;
        self.lane.take()
    }
}

impl Drop for LaneGuard {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.hand_on(self.lane.take());
        }
    }
}

/// PostgreSQL's session-check lanes. Cheap to share: clones see the same lanes and queue.
#[derive(Clone)]
pub(super) struct SessionChecks {
    shared: Arc<Shared>,
}

impl SessionChecks {
    /// `lanes` lanes on `pool`; none of them holds a connection until it is first used.
    pub(super) fn new(
        connections: Arc<KeptConnections<Postgres>>,
        lanes: usize,
        statements: Statements,
    ) -> Self {
        let queue = Queue {
            waiting: VecDeque::new(),
            free: (0..lanes).map(|_| None).collect(),
            lanes,
            next_id: 0,
        };
        SessionChecks {
            shared: Arc::new(Shared {
                queue: Mutex::new(queue),
                connections,
                statements,
            }),
        }
    }

    /// Lanes no check holds now.
    pub(super) fn free_lanes(&self) -> usize {
        self.shared.queue().free.len()
    }

    /// The session with `stored_token` and its user.
    pub(super) async fn check(&self, stored_token: &str) -> Answer {
        let queued = {
            let mut q = self.shared.queue();
            let held = q.lanes - q.free.len();
            if held < LANES_IN_USE
                && q.waiting.is_empty()
                && let Some(lane) = q.free.pop()
            {
                Err(lane)
            } else {
                let (reply, answer) = oneshot::channel();
                let id = q.next_id;
                q.next_id = q.next_id.wrapping_add(1);
                q.waiting.push_back(Pending {
                    id,
                    token: stored_token.to_owned(),
                    reply,
                });
                Ok((id, answer))
            }
        };
        let mut guard = match queued {
            Err(lane) => LaneGuard::new(&self.shared, lane),
            Ok((id, answer)) => match self.wait_in_queue(id, answer, stored_token).await {
                Reply::Lead(guard) => guard,
                Reply::Answer(answer) => return answer,
            },
        };
        let answer = self.lead(&mut guard.lane, stored_token).await;
        drop(guard);
        answer
    }

    /// What queued check `id` gets: its answer, or a lane to lead the queue on.
    async fn wait_in_queue(
        &self,
        id: u64,
        mut answer: oneshot::Receiver<Reply>,
        own: &str,
    ) -> Reply {
        let reply = match tokio::time::timeout(WAIT_BEFORE_ANOTHER_LANE, &mut answer).await {
            Ok(reply) => reply.ok(),
            Err(_) => {
                // The queue has not moved: lead it on another lane, if one is free.
                if let Some(lane) = self.take_free_lane(id) {
                    return Reply::Lead(LaneGuard::new(&self.shared, lane));
                }
                let rest = LONGEST_WAIT_FOR_A_LANE - WAIT_BEFORE_ANOTHER_LANE;
                match tokio::time::timeout(rest, &mut answer).await {
                    Ok(reply) => reply.ok(),
                    // Still queued: the lanes are held up. Lead the queue on a connection from
                    // the pool instead, given back afterwards.
                    Err(_) if self.leave_queue(id) => {
                        let mut borrowed = None;
                        let answer = self.lead(&mut borrowed, own).await;
                        // Its batch succeeded (`lead` drops a failed connection): kept for
                        // the next query rather than pinged back into the pool.
                        if let Some(conn) = borrowed {
                            self.shared.connections.keep(conn);
                        }
                        return Reply::Answer(answer);
                    }
                    // Already in a batch, or handed a lane just now: its answer is coming.
                    Err(_) => answer.await.ok(),
                }
            }
        };
        // None: whoever held the check dropped it unanswered.
        reply.unwrap_or(Reply::Answer(Answer::RunAlone))
    }

    /// A free lane for queued check `id`, taken out of the queue; none when every lane is held
    /// or the check is no longer queued.
    fn take_free_lane(&self, id: u64) -> Option<Lane> {
        let mut q = self.shared.queue();
        if q.free.is_empty() || !q.remove_waiting(id) {
            return None;
        }
        q.free.pop()
    }

    /// Takes queued check `id` out of the queue; false when it is no longer there.
    fn leave_queue(&self, id: u64) -> bool {
        self.shared.queue().remove_waiting(id)
    }

    /// Answers this check and every check queued now (up to the batch's size) on `lane`: a
    /// lane's connection, or none to take one from the pool for this batch only.
    async fn lead(&self, lane: &mut Lane, own: &str) -> Answer {
        let mut batch: Vec<Pending> = {
            let mut q = self.shared.queue();
            let n = q.waiting.len().min(MOST_PER_BATCH - 1);
            q.waiting.drain(..n).collect()
        };
        // Requests that went away need no answer.
        batch.retain(|p| !p.reply.is_closed());
        let found = self.run(lane, own, &batch).await;
        if found.is_err() {
            *lane = None;
        }
        match found {
            Ok(found) => {
                for p in batch {
                    let _ = p
                        .reply
                        .send(Reply::Answer(Answer::Found(pick(&found, &p.token))));
                }
                Answer::Found(pick(&found, own))
            }
            Err(e) => {
                tracing::debug!(error = %e, "session check failed on its lane; each check runs alone");
                for p in batch {
                    let _ = p.reply.send(Reply::Answer(Answer::RunAlone));
                }
                Answer::RunAlone
            }
        }
    }

    /// Runs one check, or a batch, on the lane's connection (taken from the pool if it has none).
    async fn run(&self, lane: &mut Lane, own: &str, batch: &[Pending]) -> Result<Vec<(Row, Row)>> {
        let conn = match lane {
            Some(conn) => conn,
            None => lane.insert(self.shared.connections.take().await?),
        };
        let st = &self.shared.statements;
        let rows: Vec<PgRow> = if batch.is_empty() {
            sqlx::query(&st.one)
                .bind(own)
                .fetch_optional(&mut **conn)
                .await?
                .into_iter()
                .collect()
        } else {
            let tokens: Vec<&str> = std::iter::once(own)
                .chain(batch.iter().map(|p| p.token.as_str()))
                .collect();
            sqlx::query(&st.many)
                .bind(tokens)
                .fetch_all(&mut **conn)
                .await?
        };
        let user_starts = st.session.column_names().count();
        rows.iter()
            .map(|r| {
                Ok((
                    decode_pg(&st.session, r, 0)?,
                    decode_pg(&st.user, r, user_starts)?,
                ))
            })
            .collect()
    }
}

/// The session with `token`, and its user, among the rows a query found.
fn pick(found: &[(Row, Row)], token: &str) -> Option<(Row, Row)> {
    found
        .iter()
        .find(|(s, _)| matches!(s.get("token"), Some(Value::String(t)) if t == token))
        .cloned()
}
