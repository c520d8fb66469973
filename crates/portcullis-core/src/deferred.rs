//! Work done after the answer. An endpoint whose answer must not reveal whether an account
//! exists (a reset request, a verification email without a session, a magic link, an email or
//! SMS code) validates its input, hands everything that depends on the account to
//! `ctx.defer(..)` (the lookup, the verification row, the rendering and the send) and answers
//! at once, so known and unknown accounts take the same time to answer.
//!
//! The queue is bounded: [`QUEUE_CAPACITY`] jobs wait at most, and [`WORKERS`] tasks run them.
//! A full queue drops the new job (counted, logged once per spell) rather than grow memory.
//! Jobs are counted in `portcullis_deferred_total{kind,result}`. A failed job is logged with its
//! kind and the SHA-256 of the address it was for (`lockout::email_hash`), never the address,
//! and never reaches the requester. The server waits for the queue (`flush`) when it shuts down,
//! after the requests have drained and before the delivery queue does; the test kit's
//! `TestServer::settle` waits for it too.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::{mpsc, watch};

use crate::context::AuthContext;
use crate::error::ApiError;

/// Jobs waiting beyond this are dropped: a stalled database must not grow memory without bound.
pub const QUEUE_CAPACITY: usize = 4096;

/// Jobs running at once: enough to keep up with a burst of requests, few enough to leave the
/// database pool to the requests themselves.
pub const WORKERS: usize = 4;

/// A job starts no sooner than this after it was queued. A worker on another core would
/// otherwise start at once, while the request that queued it is still writing its answer, and
/// the work only a known account causes (a row written, a message rendered) would slow that
/// answer down after all (by up to 0.25 ms in some runs of `tests/equal_timing.rs`). An answer
/// takes well under a millisecond; a few more milliseconds before a message goes out matter to
/// nobody.
pub const START_DELAY: Duration = Duration::from_millis(5);

/// The work, given the context once a worker takes it.
type Work = Box<dyn FnOnce(Arc<AuthContext>) -> BoxFuture<'static, Result<(), ApiError>> + Send>;

struct Job {
    queued_at: tokio::time::Instant,
    /// What it is (`password-reset`, `magic-link`, …): the metric's `kind` label and the log's.
    kind: &'static str,
    /// The address or number it is for, logged only as a hash.
    about: Option<String>,
    work: Work,
}

/// The queue of deferred work, one per `AuthContext`.
pub struct Deferred {
    tx: mpsc::Sender<Job>,
    /// Taken by `start`, shared by the workers.
    rx: Mutex<Option<mpsc::Receiver<Job>>>,
    /// Jobs queued or running, for `flush`.
    pending: watch::Sender<usize>,
    /// Set by the first drop of a spell of full queue, cleared when the queue empties.
    warned_full: AtomicBool,
}

impl Default for Deferred {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        Deferred {
            tx,
            rx: Mutex::new(Some(rx)),
            pending: watch::Sender::new(0),
            warned_full: AtomicBool::new(false),
        }
    }
}

/// Counts a job as pending from enqueue to its end, however it ends.
struct PendingGuard<'a>(&'a watch::Sender<usize>);

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Deferred {
    /// Starts the workers on the current tokio runtime. They hold the context weakly: once it
    /// is dropped, the channel closes and they end.
    pub fn start(&self, ctx: Weak<AuthContext>) {
        let taken = self.rx.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(rx) = taken else {
            return;
        };
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..WORKERS {
            tokio::spawn(work(rx.clone(), ctx.clone()));
        }
    }

    fn push(&self, ctx: &AuthContext, job: Job) {
        let kind = job.kind;
        self.pending.send_modify(|n| *n += 1);
        if self.tx.try_send(job).is_err() {
            self.pending.send_modify(|n| *n = n.saturating_sub(1));
            ctx.metrics.deferred(kind, "dropped");
            if !self.warned_full.swap(true, Ordering::Relaxed) {
                tracing::error!(
                    kind,
                    capacity = QUEUE_CAPACITY,
                    "deferred-work queue full: work dropped (counted in portcullis_deferred_total)"
                );
            }
        }
    }

    /// Waits until every job queued so far has run, or `timeout` passes. False on timeout.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let mut pending = self.pending.subscribe();
        matches!(
            tokio::time::timeout(timeout, pending.wait_for(|n| *n == 0)).await,
            Ok(Ok(_))
        )
    }

    /// Jobs queued or running now.
    pub fn pending(&self) -> usize {
        *self.pending.borrow()
    }
}

/// One worker: takes jobs until the channel closes (the context is gone).
async fn work(rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>, ctx: Weak<AuthContext>) {
    loop {
        let job = rx.lock().await.recv().await;
        let Some(job) = job else {
            return;
        };
        tokio::time::sleep_until(job.queued_at + START_DELAY).await;
        let Some(ctx) = ctx.upgrade() else {
            return;
        };
        run(&ctx, job).await;
    }
}

async fn run(ctx: &Arc<AuthContext>, job: Job) {
    let deferred = &ctx.deferred;
    let _pending = PendingGuard(&deferred.pending);
    let Job {
        kind, about, work, ..
    } = job;
    // A panic ends this job, not the worker.
    let outcome = std::panic::AssertUnwindSafe(work(ctx.clone()))
        .catch_unwind()
        .await;
    let about = || {
        about
            .as_deref()
            .map(crate::lockout::email_hash)
            .unwrap_or_default()
    };
    match outcome {
        Ok(Ok(())) => ctx.metrics.deferred(kind, "ok"),
        Ok(Err(e)) => {
            ctx.metrics.deferred(kind, "error");
            tracing::warn!(kind, about_sha256 = %about(), error = %e, "deferred work failed");
        }
        Err(_) => {
            ctx.metrics.deferred(kind, "error");
            tracing::error!(kind, about_sha256 = %about(), "deferred work panicked");
        }
    }
    if deferred.pending() <= 1 {
        deferred.warned_full.store(false, Ordering::Relaxed);
    }
}

impl AuthContext {
    /// Runs `work` after the answer, on the deferred-work queue (see the module). `kind` names
    /// it in metrics and logs (a fixed string); `about` is the address or number it is for,
    /// which logs show only as a SHA-256. Errors are logged, never answered.
    pub fn defer<F, Fut>(&self, kind: &'static str, about: Option<String>, work: F)
    where
        F: FnOnce(Arc<AuthContext>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        // The work sends its e-mails with the brand and language of the request that queued it.
        let brand = portcullis_delivery::current_brand();
        let language = portcullis_delivery::current_language();
        let job = Job {
            queued_at: tokio::time::Instant::now(),
            kind,
            about,
            work: Box::new(move |ctx| {
                let work = match brand {
                    Some(b) => portcullis_delivery::with_brand(Some(b), work(ctx)).boxed(),
                    None => work(ctx).boxed(),
                };
                match language {
                    Some(l) => portcullis_delivery::with_language(l, work).boxed(),
                    None => work,
                }
            }),
        };
        self.deferred.push(self, job);
    }
}
