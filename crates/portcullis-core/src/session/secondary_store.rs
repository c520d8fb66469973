//! Sessions kept only in secondary storage (`SESSION_STORE=secondary`).
//!
//! Better Auth's `secondaryStorage` without `storeSessionInDatabase`: the session row lives at
//! `session:<stored token>` until it expires, and `active-sessions:<user id>` is the set of the
//! user's stored tokens, for listing and revoking them all.

use portcullis_storage::{Row, Value};

use super::cache::session_cache_key;
use crate::context::AuthContext;
use crate::error::ApiError;
use crate::row_json::full_json_string;

pub(super) fn user_sessions_key(user_id: &str) -> String {
    format!("active-sessions:{user_id}")
}

pub(super) fn seconds_left(row: &Row) -> Option<std::time::Duration> {
    let expires = row.get("expiresAt").and_then(Value::as_date)?;
    let left = (expires - chrono::Utc::now()).num_seconds();
    (left > 0).then(|| std::time::Duration::from_secs(left.unsigned_abs()))
}

pub(super) async fn put_secondary_session(ctx: &AuthContext, row: &Row) -> Result<(), ApiError> {
    let (Some(stored), Some(uid), Some(ttl)) = (
        row.get("token").and_then(Value::as_str),
        row.get("userId").and_then(Value::as_str),
        seconds_left(row),
    ) else {
        return Ok(());
    };
    ctx.secondary
        .set(
            &session_cache_key(stored),
            &full_json_string(row),
            Some(ttl),
        )
        .await?;
    ctx.secondary
        .set_add(&user_sessions_key(uid), stored, ttl)
        .await?;
    Ok(())
}
