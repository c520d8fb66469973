//! Using a key: Better Auth's `validateApiKey`. Every use reads the row (no cache, so a key
//! deleted, disabled or expired on one instance is refused on the next request everywhere),
//! checks it, and claims one use with a guarded update.
//!
//! The claim (one fewer `remaining`, or a refill; the rate-limit count and `lastRequest`) is
//! one `UPDATE .. WHERE` the row still holds the values it was read with, `updatedAt` among
//! them, which every claim moves strictly forward. Of concurrent uses only one can match a
//! given state; the others read the row again and retry, so `remaining` is never overspent and
//! a window never serves more than its maximum, on every engine and across instances.

use chrono::{DateTime, TimeDelta, Utc};
use portcullis_core::{ApiError, AuthContext, AuthResponse};
use portcullis_storage::{Row, Value, Where};
use serde_json::json;

use super::errors;
use super::permissions::{Statements, authorize, stored_statements};
use super::settings::ApiKeySettings;
use super::table::{self, TABLE, date, int, millis};

/// How often a claim may lose to a concurrent one before the request is answered 503: far
/// more than a burst on one key produces, and bounded.
const MAX_CLAIM_ATTEMPTS: usize = 64;

/// Why a key was refused, with Better Auth's status, code and message for each.
#[derive(Debug)]
pub enum KeyRefusal {
    Invalid,
    Disabled,
    Expired,
    /// Lacks the requested permissions (Better Auth answers "API Key not found").
    NotPermitted,
    UsageExceeded,
    RateLimited {
        try_again_in_ms: i64,
    },
    Failed(ApiError),
}

impl From<ApiError> for KeyRefusal {
    fn from(e: ApiError) -> Self {
        KeyRefusal::Failed(e)
    }
}

impl From<portcullis_storage::StorageError> for KeyRefusal {
    fn from(e: portcullis_storage::StorageError) -> Self {
        KeyRefusal::Failed(e.into())
    }
}

impl KeyRefusal {
    fn code(&self) -> Option<portcullis_core::ErrorCode> {
        Some(match self {
            KeyRefusal::Invalid => errors::INVALID_API_KEY,
            KeyRefusal::Disabled => errors::KEY_DISABLED,
            KeyRefusal::Expired => errors::KEY_EXPIRED,
            KeyRefusal::NotPermitted => errors::KEY_NOT_FOUND,
            KeyRefusal::UsageExceeded => errors::USAGE_EXCEEDED,
            KeyRefusal::RateLimited { .. } => errors::RATE_LIMITED,
            KeyRefusal::Failed(_) => return None,
        })
    }

    pub fn status(&self) -> u16 {
        match self {
            KeyRefusal::UsageExceeded | KeyRefusal::RateLimited { .. } => 429,
            KeyRefusal::Failed(e) => e.status,
            _ => 401,
        }
    }

    /// Better Auth's error body: `{message, code}`, and for a rate limit
    /// `details: {tryAgainIn}` (milliseconds).
    pub fn body(&self) -> serde_json::Value {
        match (self, self.code()) {
            (KeyRefusal::RateLimited { try_again_in_ms }, Some(c)) => json!({
                "message": c.message, "code": c.code, "details": {"tryAgainIn": try_again_in_ms},
            }),
            (_, Some(c)) => json!({"message": c.message, "code": c.code}),
            (KeyRefusal::Failed(e), None) => e.body().unwrap_or_default(),
            _ => serde_json::Value::Null,
        }
    }

    /// The refusal as an HTTP answer. A rate limit also says when to come back in
    /// `Retry-After` (whole seconds), which Better Auth leaves out; clients may ignore it.
    pub fn into_response(self) -> Result<AuthResponse, ApiError> {
        if let KeyRefusal::Failed(e) = self {
            return Err(e);
        }
        let mut res = AuthResponse::json(self.body());
        res.status = self.status();
        if let KeyRefusal::RateLimited { try_again_in_ms } = self {
            let secs = (try_again_in_ms.max(0) + 999) / 1000;
            res = res.header("retry-after", secs.max(1).to_string());
        }
        Ok(res)
    }
}

/// What one use changes, worked out from the row as read.
struct Claim {
    set: Row,
}

/// Checks `key` and claims one use of it: the row after the claim, or why it was refused.
/// `permissions`, when given, must be granted by the key; `config_id`, when given, must be
/// the key's configuration.
pub async fn use_key(
    ctx: &AuthContext,
    settings: &ApiKeySettings,
    key: &str,
    permissions: Option<&Statements>,
    config_id: Option<&str>,
) -> Result<Row, KeyRefusal> {
    let hashed = table::hash_key(key);
    let found = ctx
        .adapter
        .find_one(TABLE, &[Where::eq("key", hashed.as_str())])
        .await?;
    let Some(mut row) = found else {
        return Err(KeyRefusal::Invalid);
    };
    if let Some(expected) = config_id
        && !config_matches(table::text(&row, "configId"), expected)
    {
        return Err(KeyRefusal::Invalid);
    }
    for _ in 0..MAX_CLAIM_ATTEMPTS {
        let now = millis(ctx.now());
        check(ctx, &row, permissions, now).await?;
        let claim = claim_for(settings, &row, now)?;
        let id = table::text(&row, "id").unwrap_or_default().to_owned();
        let guard = guard_of(&row);
        let changed = ctx
            .adapter
            .update_many(TABLE, &guard, claim.set.clone())
            .await?;
        if changed == 1 {
            for (k, v) in claim.set {
                row.insert(k, v);
            }
            return Ok(row);
        }
        // Another use got in first: read what it left and decide again.
        match ctx.adapter.find_one(TABLE, &[Where::eq("id", id)]).await? {
            Some(fresh) => row = fresh,
            None => return Err(KeyRefusal::Invalid),
        }
    }
    Err(KeyRefusal::Failed(ApiError::new(
        503,
        portcullis_core::error::codes::SERVICE_UNAVAILABLE,
    )))
}

/// Better Auth treats a missing configuration id as the default one.
pub fn config_matches(key_config: Option<&str>, expected: &str) -> bool {
    let is_default = |c: Option<&str>| c.is_none_or(|c| c.is_empty() || c == "default");
    (is_default(key_config) && is_default(Some(expected))) || key_config == Some(expected)
}

/// The refusals that come before any use is claimed, in Better Auth's order. An expired key,
/// and one whose uses are spent for good, is deleted as Better Auth deletes it.
async fn check(
    ctx: &AuthContext,
    row: &Row,
    permissions: Option<&Statements>,
    now: DateTime<Utc>,
) -> Result<(), KeyRefusal> {
    if row.get("enabled").and_then(Value::as_bool) == Some(false) {
        return Err(KeyRefusal::Disabled);
    }
    if date(row, "expiresAt").is_some_and(|e| now > e) {
        delete(ctx, row).await?;
        return Err(KeyRefusal::Expired);
    }
    if let Some(requested) = permissions {
        let granted = stored_statements(table::text(row, "permissions"));
        if !granted.is_some_and(|g| authorize(&g, requested)) {
            return Err(KeyRefusal::NotPermitted);
        }
    }
    if int(row, "remaining") == Some(0) && int(row, "refillAmount").is_none() {
        delete(ctx, row).await?;
        return Err(KeyRefusal::UsageExceeded);
    }
    Ok(())
}

async fn delete(ctx: &AuthContext, row: &Row) -> Result<(), KeyRefusal> {
    let id = table::text(row, "id").unwrap_or_default();
    ctx.adapter
        .delete_many(TABLE, &[Where::eq("id", id)])
        .await?;
    Ok(())
}

/// The row must still hold what this claim was decided on.
fn guard_of(row: &Row) -> Vec<Where> {
    [
        "id",
        "updatedAt",
        "remaining",
        "requestCount",
        "lastRequest",
        "lastRefillAt",
    ]
    .into_iter()
    .map(|f| Where::eq(f, row.get(f).cloned().unwrap_or(Value::Null)))
    .collect()
}

/// JavaScript's truthiness of a number column: null and 0 are false.
fn truthy(v: Option<i64>) -> Option<i64> {
    v.filter(|n| *n != 0)
}

/// One use: Better Auth's `consumeRemaining` (a due refill wins over the decrement) and
/// `evaluateRateLimit` (a window counted from the last request).
fn claim_for(
    settings: &ApiKeySettings,
    row: &Row,
    now: DateTime<Utc>,
) -> Result<Claim, KeyRefusal> {
    let mut set = Row::new();
    if let Some(remaining) = int(row, "remaining") {
        let refill = truthy(int(row, "refillInterval")).zip(truthy(int(row, "refillAmount")));
        let due = refill.and_then(|(interval, amount)| {
            let last = date(row, "lastRefillAt").or_else(|| date(row, "createdAt"))?;
            ((now - last).num_milliseconds() > interval).then_some(amount)
        });
        match due {
            Some(amount) => {
                set.insert("remaining".into(), Value::Int(amount - 1));
                set.insert("lastRefillAt".into(), Value::Date(now));
            }
            None if remaining > 0 => {
                set.insert("remaining".into(), Value::Int(remaining - 1));
            }
            None => return Err(KeyRefusal::UsageExceeded),
        }
    }
    let window = int(row, "rateLimitTimeWindow");
    let max = int(row, "rateLimitMax");
    let key_limited = row.get("rateLimitEnabled").and_then(Value::as_bool) != Some(false);
    if !settings.rate_limit_enabled || !key_limited {
        set.insert("lastRequest".into(), Value::Date(now));
    } else if let (Some(window), Some(max)) = (window, max) {
        match date(row, "lastRequest") {
            None => {
                set.insert("requestCount".into(), Value::Int(1));
                set.insert("lastRequest".into(), Value::Date(now));
            }
            Some(last) => {
                let since = (now - last).num_milliseconds();
                let count = int(row, "requestCount").unwrap_or(0);
                if since > window {
                    set.insert("requestCount".into(), Value::Int(1));
                } else if count >= max {
                    return Err(KeyRefusal::RateLimited {
                        try_again_in_ms: window - since,
                    });
                } else {
                    set.insert("requestCount".into(), Value::Int(count + 1));
                }
                set.insert("lastRequest".into(), Value::Date(now));
            }
        }
    }
    // Strictly later than the state read, so two claims in one millisecond cannot both match.
    let updated = match date(row, "updatedAt") {
        Some(prev) if prev >= now => prev + TimeDelta::milliseconds(1),
        _ => now,
    };
    set.insert("updatedAt".into(), Value::Date(updated));
    Ok(Claim { set })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, Value)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).expect("date")
    }

    #[test]
    fn rate_limit_counts_from_the_last_request() {
        let s = ApiKeySettings::default();
        let base = [
            ("rateLimitTimeWindow", Value::Int(1000)),
            ("rateLimitMax", Value::Int(2)),
            ("updatedAt", Value::Date(at(0))),
        ];
        let first = claim_for(&s, &row(&base), at(0)).expect("first").set;
        assert_eq!(first.get("requestCount"), Some(&Value::Int(1)));
        let mut full = row(&base);
        full.insert("requestCount".into(), Value::Int(2));
        full.insert("lastRequest".into(), Value::Date(at(400)));
        match claim_for(&s, &full, at(500)) {
            Err(KeyRefusal::RateLimited { try_again_in_ms }) => assert_eq!(try_again_in_ms, 900),
            _ => panic!("the third use in the window is refused"),
        }
        let later = claim_for(&s, &full, at(1401)).expect("a new window").set;
        assert_eq!(later.get("requestCount"), Some(&Value::Int(1)));
        // Same millisecond as the last claim: updatedAt still moves forward.
        let mut same = row(&base);
        same.insert("updatedAt".into(), Value::Date(at(5)));
        let c = claim_for(&s, &same, at(5)).expect("claim").set;
        assert_eq!(c.get("updatedAt"), Some(&Value::Date(at(6))));
    }

    #[test]
    fn remaining_runs_out_then_refills() {
        let s = ApiKeySettings::default();
        let spent = row(&[
            ("remaining", Value::Int(0)),
            ("refillInterval", Value::Int(1000)),
            ("refillAmount", Value::Int(5)),
            ("createdAt", Value::Date(at(0))),
        ]);
        assert!(matches!(
            claim_for(&s, &spent, at(1000)),
            Err(KeyRefusal::UsageExceeded)
        ));
        let refilled = claim_for(&s, &spent, at(1001)).expect("refill").set;
        assert_eq!(refilled.get("remaining"), Some(&Value::Int(4)));
        assert_eq!(refilled.get("lastRefillAt"), Some(&Value::Date(at(1001))));
    }

    #[test]
    fn default_configurations_match() {
        assert!(config_matches(None, "default"));
        assert!(config_matches(Some("default"), "default"));
        assert!(!config_matches(Some("other"), "default"));
        assert!(config_matches(Some("other"), "other"));
    }
}
