//! The session cache in secondary storage.
//!
//! With a shared secondary storage (Redis), a looked-up session and its user are kept there so
//! that later checks on any instance skip the database. Every change evicts: revocation and
//! sign-out evict the session, user updates evict the user. Redis errors count as misses. The
//! rows decoded from an entry are kept in `DecodedRows` while the entry's text is unchanged.
//!
//! The keys (`session:<stored token>`, `user:<id>`) are also where sessions kept only in
//! secondary storage live (`secondary_store`), so they are defined here once.

use std::sync::Arc;

use portcullis_storage::{Row, Table, Value};

use crate::context::AuthContext;
use crate::crypto::token::hash_token;
use crate::error::ApiError;
use crate::row_json::full_json_string;

pub(super) fn session_cache_key(stored_token: &str) -> String {
    format!("session:{stored_token}")
}

const USER_CACHE_PREFIX: &str = "user:";

pub(super) fn user_cache_key(user_id: &str) -> String {
    format!("{USER_CACHE_PREFIX}{user_id}")
}

/// A row kept in secondary storage; storage errors propagate (503), bad entries read as absent.
pub(super) async fn secondary_get(
    ctx: &AuthContext,
    key: &str,
    table: &Table,
) -> Result<Option<Row>, ApiError> {
    let Some(raw) = ctx.secondary.get(key).await? else {
        return Ok(None);
    };
    Ok(crate::row_json::row_from_str(table, &raw))
}

pub(super) async fn cache_get(ctx: &AuthContext, key: &str, table: &Table) -> Option<Row> {
    secondary_get(ctx, key, table).await.ok().flatten()
}

pub(super) async fn cache_put(ctx: &AuthContext, session: &Row, user: &Row) {
    let ttl = ctx.config.session.cache_ttl;
    let (Some(stored), Some(expires)) = (
        session.get("token").and_then(Value::as_str),
        session.get("expiresAt").and_then(Value::as_date),
    ) else {
        return;
    };
    let left = (expires - ctx.now()).num_seconds().min(ttl);
    if left <= 0 {
        return;
    }
    let ttl = Some(std::time::Duration::from_secs(left.unsigned_abs()));
    let uid = user.get("id").and_then(Value::as_str).unwrap_or_default();
    // User first: a session entry never points at a user entry that was not written.
    if ctx
        .secondary
        .set(&user_cache_key(uid), &full_json_string(user), ttl)
        .await
        .is_ok()
    {
        let _ = ctx
            .secondary
            .set(&session_cache_key(stored), &full_json_string(session), ttl)
            .await;
    }
}

/// The cached session and user for a raw token, if both are cached and the session is live.
/// Storage errors count as misses.
pub(super) async fn cache_lookup(ctx: &AuthContext, token: &str) -> Option<(Arc<Row>, Arc<Row>)> {
    if ctx.config.session.cache_ttl == 0 {
        return None;
    }
    let key = session_cache_key(&hash_token(token));
    let (session_text, user_text) = match ctx.decoded_rows.user_id(&key) {
        // Seen before: both entries by name in one plain read. Cheaper for Redis than the
        // script that finds the user through the session's entry.
        Some(user_id) => {
            let user_key = user_cache_key(&user_id);
            let mut found = ctx
                .secondary
                .get_many(&[&key, &user_key])
                .await
                .ok()?
                .into_iter();
            (found.next().flatten()?, found.next().flatten()?)
        }
        None => match ctx
            .secondary
            .get_linked(&key, "userId", USER_CACHE_PREFIX)
            .await
            .ok()?
        {
            (Some(session), Some(user)) => (session, user),
            _ => return None,
        },
    };
    let texts = [session_text.as_str(), user_text.as_str()];
    let (session, user) = match ctx.decoded_rows.get(&key, &texts) {
        Some(rows) => rows,
        None => {
            let session = crate::row_json::row_from_str(ctx.session_table(), &session_text)?;
            let user = crate::row_json::row_from_str(ctx.user_table(), &user_text)?;
            // The entries are written user first and evicted independently: check they
            // still agree.
            if user.get("id") != session.get("userId") {
                return None;
            }
            let (session, user) = (Arc::new(session), Arc::new(user));
            ctx.decoded_rows
                .put(&key, &texts, session.clone(), user.clone());
            (session, user)
        }
    };
    if session.get("expiresAt").and_then(Value::as_date)? <= ctx.now() {
        return None;
    }
    Some((session, user))
}

/// Removes sessions (by their stored token values) from the cache.
pub(crate) async fn evict_sessions(ctx: &AuthContext, stored_tokens: &[String]) {
    if ctx.config.session.cache_ttl == 0 {
        return;
    }
    for t in stored_tokens {
        if let Err(e) = ctx.secondary.delete(&session_cache_key(t)).await {
            tracing::warn!(error = %e, "session cache eviction failed; the entry expires within SESSION_CACHE_TTL");
        }
    }
}

pub(crate) async fn evict_user(ctx: &AuthContext, user_id: &str) {
    // Sessions kept in secondary storage always cache their user there.
    if ctx.config.session.cache_ttl == 0 && !ctx.config.session.store_in_secondary {
        return;
    }
    if let Err(e) = ctx.secondary.delete(&user_cache_key(user_id)).await {
        tracing::warn!(error = %e, "user cache eviction failed; the entry expires within SESSION_CACHE_TTL");
    }
}
