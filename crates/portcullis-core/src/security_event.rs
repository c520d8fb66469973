//! Security events: what an audit log records. Each is logged once as a structured warning
//! (`event = "<name>"`, identities only as hashes) and handed to every plugin's
//! `security_event` hook, where an audit-log or webhook plugin takes it.

use crate::audit::{AuditEvent, Severity};
use crate::context::AuthContext;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityEvent {
    /// Password sign-ins for an address are locked after repeated failures.
    AccountLocked {
        email_hash: String,
        attempts: i64,
        duration: u64,
    },
    /// One-time codes of `method` are locked for an account: its guess budget ran out.
    CodeGuessesExhausted {
        method: &'static str,
        account_hash: String,
        attempts: i64,
        duration: u64,
    },
    /// A passkey answered with a signature counter that did not move forward: a copy of its
    /// key is in use. The sign-in was refused; the stored passkey is unchanged.
    PasskeyCounterRegressed {
        passkey_id: String,
        stored_counter: i64,
    },
    /// A right authenticator (TOTP) code was entered again after it had been used: refused,
    /// but unlike a typo it means the code was seen, or sent twice (ASVS V2.8.5).
    TotpCodeReplayed { user_id: String },
}

impl SecurityEvent {
    /// The event's name in logs and audit records.
    pub fn name(&self) -> &'static str {
        match self {
            SecurityEvent::AccountLocked { .. } => "account_locked",
            SecurityEvent::CodeGuessesExhausted { .. } => "code_guesses_exhausted",
            SecurityEvent::PasskeyCounterRegressed { .. } => "passkey_counter_regressed",
            SecurityEvent::TotpCodeReplayed { .. } => "totp_code_replayed",
        }
    }

    /// The audit event it is recorded as: a warning, or critical for a cloned passkey. An
    /// account appears only by hash, as in the log.
    pub fn audit_event(&self) -> AuditEvent {
        let e = AuditEvent::new(match self {
            SecurityEvent::AccountLocked { .. } => "security.account_locked",
            SecurityEvent::CodeGuessesExhausted { .. } => "security.code_guesses_exhausted",
            SecurityEvent::PasskeyCounterRegressed { .. } => "security.passkey_counter_regressed",
            SecurityEvent::TotpCodeReplayed { .. } => "security.totp_code_replayed",
        })
        .severity(Severity::Warning);
        match self {
            SecurityEvent::AccountLocked {
                email_hash,
                attempts,
                duration,
            } => e
                .detail("emailHash", email_hash.as_str())
                .detail("attempts", *attempts)
                .detail("durationSeconds", *duration),
            SecurityEvent::CodeGuessesExhausted {
                method,
                account_hash,
                attempts,
                duration,
            } => e
                .detail("method", *method)
                .detail("accountHash", account_hash.as_str())
                .detail("attempts", *attempts)
                .detail("durationSeconds", *duration),
            SecurityEvent::PasskeyCounterRegressed {
                passkey_id,
                stored_counter,
            } => e
                .target("passkey", passkey_id.as_str())
                .detail("storedCounter", *stored_counter)
                .severity(Severity::Critical),
            SecurityEvent::TotpCodeReplayed { user_id } => e.target("user", user_id.as_str()),
        }
    }
}

/// Logs `event`, records it in the audit log, and hands it to every plugin.
pub async fn emit(ctx: &AuthContext, event: SecurityEvent) {
    match &event {
        SecurityEvent::AccountLocked {
            email_hash,
            attempts,
            duration,
        } => tracing::warn!(
            event = event.name(),
            email_hash = %email_hash,
            attempts,
            duration,
            "account locked after repeated failed sign-ins"
        ),
        SecurityEvent::CodeGuessesExhausted {
            method,
            account_hash,
            attempts,
            duration,
        } => tracing::warn!(
            event = event.name(),
            method,
            account_hash = %account_hash,
            attempts,
            duration,
            "one-time codes locked for an account after repeated wrong guesses"
        ),
        SecurityEvent::PasskeyCounterRegressed {
            passkey_id,
            stored_counter,
        } => tracing::warn!(
            event = event.name(),
            passkey_id = %passkey_id,
            stored_counter,
            "passkey sign-in refused: its signature counter did not move forward (a cloned key)"
        ),
        SecurityEvent::TotpCodeReplayed { user_id } => tracing::warn!(
            event = event.name(),
            user_id = %user_id,
            "an authenticator code that was already used was entered again and refused"
        ),
    }
    crate::audit::record_now(ctx, event.audit_event()).await;
    for plugin in ctx.plugins.iter() {
        plugin.security_event(ctx, &event).await;
    }
}
