//! Writes that keep the caches true. User and session changes go through `Writes`, which evicts
//! the session cache (and with it the Redis mirror's copies; decoded rows are keyed by the
//! cached text, so they go stale with it) once the change is durable: at once for a direct
//! write, after `commit` for a transaction. No handler evicts by hand.
//!
//! A transaction also takes after-commit effects of its own (`after_commit`): a plugin's
//! notice or job that must not run for a write that rolled back.

use futures::future::BoxFuture;
use portcullis_storage::{Row, StorageError, Store, Transaction, Value, Where};

use crate::context::AuthContext;
use crate::error::ApiError;
use crate::session::{self, Sessions};

/// An effect that needs the context, run after commit.
pub type Effect = Box<dyn for<'a> FnOnce(&'a AuthContext) -> BoxFuture<'a, ()> + Send>;

/// Something to do once the writes it follows are durable.
pub enum AfterCommit {
    /// The user's cached row is stale.
    EvictUser(String),
    /// These sessions (by stored token) are gone.
    EvictSessions(Vec<String>),
    /// Any other effect, given the context.
    Run(Effect),
}

impl AfterCommit {
    async fn apply(self, ctx: &AuthContext) {
        match self {
            AfterCommit::EvictUser(id) => session::evict_user(ctx, &id).await,
            AfterCommit::EvictSessions(tokens) => session::evict_sessions(ctx, &tokens).await,
            AfterCommit::Run(f) => f(ctx).await,
        }
    }
}

enum Mode {
    /// Each statement commits on its own, and its effects run at once.
    Direct,
    /// Statements in one transaction; effects wait for `commit`. Dropped uncommitted, the
    /// transaction rolls back and its effects are discarded.
    Transaction(Box<dyn Transaction>),
}

/// User and session writes, direct or in one transaction.
pub struct Writes<'c> {
    ctx: &'c AuthContext,
    mode: Mode,
    pending: Vec<AfterCommit>,
}

impl AuthContext {
    /// Writes that commit one statement at a time.
    pub fn writes(&self) -> Writes<'_> {
        Writes {
            ctx: self,
            mode: Mode::Direct,
            pending: Vec::new(),
        }
    }

    /// Writes in one transaction: nothing is evicted or run after it until `commit`.
    pub async fn begin(&self) -> Result<Writes<'_>, ApiError> {
        Ok(Writes {
            ctx: self,
            mode: Mode::Transaction(self.adapter.begin().await?),
            pending: Vec::new(),
        })
    }
}

impl<'c> Writes<'c> {
    /// The store these writes go to, for rows that need no eviction (accounts, verification
    /// values, a plugin's own tables).
    pub fn store(&self) -> &(dyn Store + 'static) {
        match &self.mode {
            Mode::Direct => self.ctx.adapter.as_ref(),
            Mode::Transaction(tx) => tx.as_ref(),
        }
    }

    /// Runs `effect` once the writes so far are durable: now for direct writes, after `commit`
    /// in a transaction.
    pub async fn after_commit(&mut self, effect: AfterCommit) {
        match self.mode {
            Mode::Direct => effect.apply(self.ctx).await,
            Mode::Transaction(_) => self.pending.push(effect),
        }
    }

    /// Sets fields of one user (and `updatedAt`), returning the updated row (`None`: no such
    /// user). The storage error is kept, so a caller can tell a taken unique value apart.
    pub async fn update_user(
        &mut self,
        user_id: &str,
        mut set: Row,
    ) -> Result<Option<Row>, StorageError> {
        set.entry("updatedAt".into())
            .or_insert_with(|| Value::Date(self.ctx.now()));
        let updated = self
            .store()
            .update("user", &[Where::eq("id", user_id)], set)
            .await;
        // Evict even when the update failed midway: a stale entry costs a read, never a lie.
        self.after_commit(AfterCommit::EvictUser(user_id.to_owned()))
            .await;
        updated
    }

    /// Deletes a user; the database cascades to its sessions and accounts, and both are evicted.
    pub async fn delete_user(&mut self, user_id: &str) -> Result<(), ApiError> {
        self.delete_sessions(Sessions::All { user_id }).await?;
        self.store()
            .delete_many("user", &[Where::eq("id", user_id)])
            .await?;
        self.after_commit(AfterCommit::EvictUser(user_id.to_owned()))
            .await;
        Ok(())
    }

    /// Ends sessions, and evicts them from the session cache once that is durable. Returns the
    /// stored tokens of the sessions ended.
    pub async fn delete_sessions(&mut self, which: Sessions<'_>) -> Result<Vec<String>, ApiError> {
        let gone = session::delete_sessions(self.ctx, self.store(), which).await?;
        self.after_commit(AfterCommit::EvictSessions(gone.clone()))
            .await;
        Ok(gone)
    }

    /// Sessions that name something being deleted forget it ([`session::Forget`]). In the
    /// database: every session naming it, in these writes, and out of the session cache once
    /// durable. In secondary storage (`SESSION_STORE=secondary`), where sessions are found by
    /// user only: the sessions of `users`, once the writes are durable (a failure there is
    /// logged: the session keeps a name that no longer finds anything).
    pub async fn forget_in_sessions(
        &mut self,
        users: Vec<String>,
        forget: Vec<session::Forget>,
    ) -> Result<(), ApiError> {
        if self.ctx.config.session.store_in_secondary {
            let effect: Effect = Box::new(move |ctx| {
                Box::pin(async move {
                    if let Err(e) = session::forget_in_secondary(ctx, &users, &forget).await {
                        tracing::warn!(error = %e, "sessions in secondary storage still name what was deleted");
                    }
                })
            });
            self.after_commit(AfterCommit::Run(effect)).await;
            return Ok(());
        }
        let changed = session::forget_in_database(self.ctx, self.store(), &forget).await?;
        self.after_commit(AfterCommit::EvictSessions(changed)).await;
        Ok(())
    }

    /// Commits (a no-op for direct writes), then runs the effects that waited for it.
    pub async fn commit(self) -> Result<(), ApiError> {
        let Writes { ctx, mode, pending } = self;
        if let Mode::Transaction(tx) = mode {
            tx.commit().await?;
        }
        for effect in pending {
            effect.apply(ctx).await;
        }
        Ok(())
    }
}

impl std::ops::Deref for Writes<'_> {
    type Target = dyn Store;

    fn deref(&self) -> &Self::Target {
        self.store()
    }
}
