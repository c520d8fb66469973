//! Account lockout: after `LOCKOUT_MAX_ATTEMPTS` failed sign-ins for one email within
//! `LOCKOUT_WINDOW`, sign-ins for that email fail for `LOCKOUT_DURATION`, whatever the IP and
//! even with the right password. A locked attempt answers exactly like a wrong password and
//! still spends one password-hash verification, and unknown emails are counted the same way,
//! so the lockout reveals nothing about which accounts exist.
//!
//! State lives in the secondary storage (Redis when configured, so it holds across instances)
//! under `lockout:<sha256(normalized email)>` (the failure counter) and `…:locked` (the lock);
//! raw emails are never used as keys or logged. A storage failure lets the attempt through.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::context::AuthContext;
use crate::users::normalize_email;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutConfig {
    /// Failures that lock the account; 0 turns lockout off.
    pub max_attempts: u32,
    /// Seconds over which failures are counted.
    pub window: u64,
    /// Seconds a locked account stays locked.
    pub duration: u64,
}

impl Default for LockoutConfig {
    fn default() -> Self {
        LockoutConfig {
            max_attempts: 5,
            window: 900,
            duration: 900,
        }
    }
}

/// Hex SHA-256 of the normalized email: the identity used in keys and logs.
pub fn email_hash(email: &str) -> String {
    hex::encode(Sha256::digest(normalize_email(email).as_bytes()))
}

/// The lockout state of one email for one sign-in attempt.
pub struct Lockout<'a> {
    ctx: &'a AuthContext,
    /// `None` when lockout is off.
    hash: Option<String>,
}

impl<'a> Lockout<'a> {
    pub fn new(ctx: &'a AuthContext, email: &str) -> Self {
        let hash = (ctx.config.lockout.max_attempts > 0).then(|| email_hash(email));
        Lockout { ctx, hash }
    }

    fn counter_key(hash: &str) -> String {
        format!("lockout:{hash}")
    }

    fn lock_key(hash: &str) -> String {
        format!("lockout:{hash}:locked")
    }

    pub async fn is_locked(&self) -> bool {
        let Some(h) = &self.hash else { return false };
        match self.ctx.secondary.get(&Self::lock_key(h)).await {
            Ok(v) => v.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, "lockout check failed; attempt allowed");
                false
            }
        }
    }

    /// Counts a failed attempt; the one that reaches the limit locks the account.
    pub async fn failed(&self) {
        let Some(h) = &self.hash else { return };
        let cfg = self.ctx.config.lockout;
        let store = &self.ctx.secondary;
        let n = match store
            .incr(&Self::counter_key(h), Duration::from_secs(cfg.window))
            .await
        {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "lockout counter failed");
                return;
            }
        };
        if n < i64::from(cfg.max_attempts) {
            return;
        }
        let locked = store
            .set(
                &Self::lock_key(h),
                "1",
                Some(Duration::from_secs(cfg.duration)),
            )
            .await;
        let _ = store.delete(&Self::counter_key(h)).await;
        match locked {
            // Exactly one increment reaches the limit, so the event is logged once.
            Ok(()) if n == i64::from(cfg.max_attempts) => tracing::warn!(
                event = "account_locked",
                email_hash = %h,
                attempts = n,
                duration = cfg.duration,
                "account locked after repeated failed sign-ins"
            ),
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "lockout could not be stored"),
        }
    }

    /// A correct password: the failure count starts again.
    pub async fn succeeded(&self) {
        let Some(h) = &self.hash else { return };
        if let Err(e) = self.ctx.secondary.delete(&Self::counter_key(h)).await {
            tracing::warn!(error = %e, "lockout counter reset failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_hash_is_of_the_normalized_email() {
        assert_eq!(
            email_hash(" Ada@Example.COM "),
            email_hash("ada@example.com")
        );
        assert_eq!(email_hash("ada@example.com").len(), 64);
        assert!(!email_hash("ada@example.com").contains("ada"));
    }
}
