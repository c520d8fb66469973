//! Account lockout: after `LOCKOUT_MAX_ATTEMPTS` failed sign-ins for one email within
//! `LOCKOUT_WINDOW`, sign-ins for that email fail for `LOCKOUT_DURATION`, whatever the IP and
//! even with the right password. A locked attempt answers exactly like a wrong password and
//! still spends one password-hash verification, and unknown emails are counted the same way,
//! so the lockout reveals nothing about which accounts exist.
//!
//! The same counter is the guess budget of one-time codes (`Lockout::codes`): wrong codes for
//! one account and method (`email-otp`, `phone-otp`) are counted across fresh codes, since a
//! new code does not reset it, and `CODE_GUESS_LIMIT` of them within `CODE_GUESS_WINDOW` lock
//! that method for the account for `CODE_LOCK_DURATION`.
//!
//! State lives in the secondary storage (Redis when configured, so it holds across instances)
//! under `lockout:<sha256(normalized email)>` (sign-in) or `lockout:<method>:<sha256>` (codes)
//! for the failure counter and `…:locked` for the lock; raw emails and numbers are never used
//! as keys or logged. A storage failure lets the attempt through. Reaching the limit is a
//! security event (`security_event`), so an audit log can record it.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::context::AuthContext;
use crate::security_event::SecurityEvent;
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

/// What is locked: password sign-ins, or one method of one-time codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guarded {
    SignIn,
    Codes(&'static str),
}

/// The lockout state of one account for one attempt.
pub struct Lockout<'a> {
    ctx: &'a AuthContext,
    guarded: Guarded,
    cfg: LockoutConfig,
    /// The failure counter's key, `lockout:[<method>:]<hash>`, which the lock's key extends;
    /// `None` when this lockout is off.
    stem: Option<String>,
    hash: String,
}

impl<'a> Lockout<'a> {
    /// Password sign-ins for `email`.
    pub fn new(ctx: &'a AuthContext, email: &str) -> Self {
        Self::build(ctx, Guarded::SignIn, ctx.config.lockout, email)
    }

    /// The guess budget of one-time codes of `method` (`email-otp`, `phone-otp`) for the
    /// account `identity` (its e-mail address or phone number).
    pub fn codes(ctx: &'a AuthContext, method: &'static str, identity: &str) -> Self {
        Self::build(
            ctx,
            Guarded::Codes(method),
            ctx.config.code_lockout,
            identity,
        )
    }

    fn build(ctx: &'a AuthContext, guarded: Guarded, cfg: LockoutConfig, identity: &str) -> Self {
        let hash = email_hash(identity);
        let stem = (cfg.max_attempts > 0).then(|| match guarded {
            Guarded::SignIn => format!("lockout:{hash}"),
            Guarded::Codes(method) => format!("lockout:{method}:{hash}"),
        });
        Lockout {
            ctx,
            guarded,
            cfg,
            stem,
            hash,
        }
    }

    fn lock_key(stem: &str) -> String {
        format!("{stem}:locked")
    }

    pub async fn is_locked(&self) -> bool {
        let Some(h) = &self.stem else { return false };
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
        let Some(h) = &self.stem else { return };
        let cfg = self.cfg;
        let store = &self.ctx.secondary;
        let n = match store.incr(h, Duration::from_secs(cfg.window)).await {
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
        let _ = store.delete(h).await;
        match locked {
            // Exactly one increment reaches the limit, so the event is emitted once.
            Ok(()) if n == i64::from(cfg.max_attempts) => {
                let event = match self.guarded {
                    Guarded::SignIn => SecurityEvent::AccountLocked {
                        email_hash: self.hash.clone(),
                        attempts: n,
                        duration: cfg.duration,
                    },
                    Guarded::Codes(method) => SecurityEvent::CodeGuessesExhausted {
                        method,
                        account_hash: self.hash.clone(),
                        attempts: n,
                        duration: cfg.duration,
                    },
                };
                crate::security_event::emit(self.ctx, event).await;
            }
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "lockout could not be stored"),
        }
    }

    /// A correct password: the failure count starts again. (Not used for codes: their budget
    /// spans fresh codes, so only time restores it.)
    pub async fn succeeded(&self) {
        let Some(h) = &self.stem else { return };
        if let Err(e) = self.ctx.secondary.delete(h).await {
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
