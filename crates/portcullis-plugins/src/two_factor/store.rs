//! A user's `twoFactor` row: its TOTP secret, backup codes, the last TOTP step used, and the
//! per-account failure budget (Better Auth's `failedVerificationCount` and `lockedUntil`):
//! failed TOTP, e-mailed and backup codes all count, across challenges, and the budget spent
//! locks the second factor for a while (NIST SP 800-63B §5.2.2).

use chrono::{DateTime, Duration, Utc};
use portcullis_core::crypto::symmetric;
use portcullis_core::security_event::{self, SecurityEvent};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Row, Store, Value, Where, WhereOp};

use super::{ACCOUNT_TEMPORARILY_LOCKED, TABLE, TwoFactorSettings, totp};

/// The parts of a `twoFactor` row the plugin reads.
#[derive(Debug, Clone)]
pub struct TwoFactorRow {
    pub id: String,
    pub user_id: String,
    pub secret: String,
    pub backup_codes: String,
    /// `false` while TOTP enrolment waits for its first code.
    pub verified: bool,
    pub failed: Option<i64>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_step: Option<i64>,
}

impl TwoFactorRow {
    fn from_row(row: &Row) -> Option<Self> {
        let s = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(TwoFactorRow {
            id: s("id")?,
            user_id: s("userId")?,
            secret: s("secret").unwrap_or_default(),
            backup_codes: s("backupCodes").unwrap_or_default(),
            // Better Auth's rule: only an explicit `false` is unverified.
            verified: row.get("verified").and_then(Value::as_bool) != Some(false),
            failed: row.get("failedVerificationCount").and_then(Value::as_int),
            locked_until: row.get("lockedUntil").and_then(Value::as_date),
            last_step: row.get("lastTotpStep").and_then(Value::as_int),
        })
    }

    /// The TOTP key: the decrypted secret's bytes (Better Auth's own rows read in place).
    pub fn totp_key(&self, ctx: &AuthContext) -> Result<Vec<u8>, ApiError> {
        symmetric::open(ctx.sealing_keys(), &self.secret)
            .ok()
            .and_then(|plain| totp::key_of(&plain))
            .ok_or_else(|| {
                tracing::warn!("a TOTP secret does not decrypt with this server's secret");
                ApiError::internal()
            })
    }
}

pub async fn find(store: &dyn Store, user_id: &str) -> Result<Option<TwoFactorRow>, ApiError> {
    Ok(store
        .find_one(TABLE, &[Where::eq("userId", user_id)])
        .await?
        .as_ref()
        .and_then(TwoFactorRow::from_row))
}

/// Refuses a locked account with Better Auth's 429, and clears a lock that has run out.
pub async fn assert_not_locked(
    ctx: &AuthContext,
    settings: &TwoFactorSettings,
    row: &TwoFactorRow,
) -> Result<(), ApiError> {
    if settings.max_failed_attempts == 0 {
        return Ok(());
    }
    let Some(until) = row.locked_until else {
        return Ok(());
    };
    if until > ctx.now() {
        return Err(ApiError::new(429, ACCOUNT_TEMPORARILY_LOCKED));
    }
    let mut set = Row::new();
    set.insert("failedVerificationCount".into(), 0i64.into());
    set.insert("lockedUntil".into(), Value::Null);
    ctx.adapter
        .update_many(
            TABLE,
            &[
                Where::eq("id", row.id.as_str()),
                Where::op("lockedUntil", WhereOp::Lte, ctx.now()),
            ],
            set,
        )
        .await?;
    Ok(())
}

/// Counts one failed code against the account's budget; the failure that spends it locks the
/// factor. Each count is a compare-and-set on the value read, retried, so concurrent failures
/// are all counted.
pub async fn record_failure(ctx: &AuthContext, settings: &TwoFactorSettings, row: &TwoFactorRow) {
    if settings.max_failed_attempts == 0 {
        return;
    }
    if let Err(e) = count_failure(ctx, settings, row).await {
        tracing::warn!(error = ?e, "a failed two-factor code could not be counted");
    }
}

async fn count_failure(
    ctx: &AuthContext,
    settings: &TwoFactorSettings,
    row: &TwoFactorRow,
) -> Result<(), ApiError> {
    let max = i64::from(settings.max_failed_attempts);
    for _ in 0..8 {
        let Some(current) = find(ctx.adapter.as_ref(), &row.user_id).await? else {
            return Ok(());
        };
        let before = current.failed;
        let after = before.unwrap_or(0) + 1;
        let mut set = Row::new();
        set.insert("failedVerificationCount".into(), after.into());
        if after >= max {
            set.insert(
                "lockedUntil".into(),
                (ctx.now() + Duration::seconds(settings.lock_duration)).into(),
            );
        }
        let guard = match before {
            Some(n) => Where::eq("failedVerificationCount", n),
            None => Where::eq("failedVerificationCount", Value::Null),
        };
        let updated = ctx
            .adapter
            .update_many(TABLE, &[Where::eq("id", current.id.as_str()), guard], set)
            .await?;
        if updated == 0 {
            continue;
        }
        if after == max {
            let event = SecurityEvent::CodeGuessesExhausted {
                method: "two-factor",
                account_hash: portcullis_core::lockout::email_hash(&row.user_id),
                attempts: after,
                duration: settings.lock_duration.unsigned_abs(),
            };
            security_event::emit(ctx, event).await;
        }
        return Ok(());
    }
    Ok(())
}

/// A right code: the budget starts again.
pub async fn reset_failures(ctx: &AuthContext, row: &TwoFactorRow) -> Result<(), ApiError> {
    let mut set = Row::new();
    set.insert("failedVerificationCount".into(), 0i64.into());
    set.insert("lockedUntil".into(), Value::Null);
    ctx.adapter
        .update_many(TABLE, &[Where::eq("id", row.id.as_str())], set)
        .await?;
    Ok(())
}

/// Records `step` as used, only if it is later than the last one: false when another request
/// used this step (or a later one) first.
pub async fn claim_step(
    ctx: &AuthContext,
    row: &TwoFactorRow,
    step: i64,
) -> Result<bool, ApiError> {
    let mut set = Row::new();
    set.insert("lastTotpStep".into(), step.into());
    let updated = ctx
        .adapter
        .update_many(
            TABLE,
            &[
                Where::eq("id", row.id.as_str()),
                Where::op("lastTotpStep", WhereOp::Lt, step).or(),
                Where::eq("lastTotpStep", Value::Null).or(),
            ],
            set,
        )
        .await?;
    Ok(updated == 1)
}

/// Replaces the backup codes only if they are still `expected` (a code used by a concurrent
/// request must not come back).
pub async fn swap_backup_codes(
    ctx: &AuthContext,
    row: &TwoFactorRow,
    expected: &str,
    replacement: String,
) -> Result<bool, ApiError> {
    let mut set = Row::new();
    set.insert("backupCodes".into(), replacement.into());
    let updated = ctx
        .adapter
        .update_many(
            TABLE,
            &[
                Where::eq("id", row.id.as_str()),
                Where::eq("backupCodes", expected),
            ],
            set,
        )
        .await?;
    Ok(updated == 1)
}
