//! The session a request carries. `lookup` verifies the signed token, then tries, in order:
//! the cookie cache (where the endpoint allows it), the session cache, then the database (one
//! joined query for the token's hash, the legacy plain token only on a miss) or, with
//! `SESSION_STORE=secondary`, secondary storage. A row found expired is deleted.

use portcullis_storage::{Row, Value, Where};

use super::SessionWithUser;
use super::cache::{
    cache_get, cache_lookup, cache_put, secondary_get, session_cache_key, user_cache_key,
};
use super::cookie_cache::decode_cookie_cache;
use super::cookies::token_from_cookies;
use super::lifecycle::{Sessions, delete_sessions};
use super::secondary_store::seconds_left;
use crate::config::LegacyTokens;
use crate::context::AuthContext;
use crate::crypto::token::{hash_token, looks_hashed};
use crate::endpoint::AuthRequest;
use crate::error::ApiError;
use crate::row_json::full_json_string;

/// What the session cookie led to.
pub enum Lookup {
    /// No cookie, or one whose signature does not verify: answer as signed out, set no cookies.
    Absent,
    /// A correctly signed token with no live session: clear the session cookies.
    Gone,
    Found(SessionWithUser),
}

/// Resolves the request's session. `use_cache` lets a valid cookie cache answer without the DB.
pub async fn lookup(
    ctx: &AuthContext,
    req: &AuthRequest,
    use_cache: bool,
) -> Result<Lookup, ApiError> {
    let Some(token) = token_from_cookies(ctx, req) else {
        return Ok(Lookup::Absent);
    };
    if use_cache
        && ctx.config.session.cookie_cache_max_age > 0
        && let Some(cached) = req
            .cookie(ctx.cookies.session_data())
            .and_then(|raw| decode_cookie_cache(ctx, raw, &token))
    {
        return Ok(Lookup::Found(cached));
    }
    lookup_token(ctx, token).await
}

/// The live session a raw token names (a multi-session cookie's, say), with its user: the
/// session cache, then the database or secondary storage, as [`lookup`] after the cookie cache.
/// `None` for an unknown or expired token (an expired row is deleted).
pub async fn find_live(
    ctx: &AuthContext,
    token: &str,
) -> Result<Option<SessionWithUser>, ApiError> {
    match lookup_token(ctx, token.to_owned()).await? {
        Lookup::Found(s) => Ok(Some(s)),
        Lookup::Absent | Lookup::Gone => Ok(None),
    }
}

async fn lookup_token(ctx: &AuthContext, token: String) -> Result<Lookup, ApiError> {
    if let Some((session, user)) = cache_lookup(ctx, &token).await {
        return Ok(Lookup::Found(SessionWithUser {
            session,
            user,
            token,
            from_cookie_cache: false,
        }));
    }
    if ctx.config.session.store_in_secondary {
        return lookup_in_secondary(ctx, token).await;
    }
    // One indexed join for hashed tokens; the legacy plain-token path only on a miss.
    let found = match ctx
        .adapter
        .find_session_and_user(&hash_token(&token))
        .await?
    {
        Some(pair) => Some(pair),
        None => match find_legacy_session_row(ctx, &token).await? {
            Some(session) => {
                let user_id = session.get("userId").cloned().unwrap_or(Value::Null);
                ctx.adapter
                    .find_one("user", &[Where::eq("id", user_id)])
                    .await?
                    .map(|user| (session, user))
            }
            None => None,
        },
    };
    let Some((session, user)) = found else {
        return Ok(Lookup::Gone);
    };
    let expires = session.get("expiresAt").and_then(Value::as_date);
    if expires.is_none_or(|e| e <= ctx.now()) {
        let id = session.get("id").cloned().unwrap_or(Value::Null);
        ctx.adapter
            .delete_many("session", &[Where::eq("id", id)])
            .await?;
        return Ok(Lookup::Gone);
    }
    if ctx.config.session.cache_ttl > 0 {
        cache_put(ctx, &session, &user).await;
    }
    Ok(Lookup::Found(SessionWithUser {
        session: session.into(),
        user: user.into(),
        token,
        from_cookie_cache: false,
    }))
}

async fn lookup_in_secondary(ctx: &AuthContext, token: String) -> Result<Lookup, ApiError> {
    let stored = hash_token(&token);
    let Some(session) =
        secondary_get(ctx, &session_cache_key(&stored), ctx.session_table()).await?
    else {
        return Ok(Lookup::Gone);
    };
    let Some(user_id) = session
        .get("userId")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Ok(Lookup::Gone);
    };
    if seconds_left(&session).is_none() {
        let one = Sessions::One {
            stored_token: &stored,
            user_id: &user_id,
        };
        delete_sessions(ctx, ctx.adapter.as_ref(), one).await?;
        return Ok(Lookup::Gone);
    }
    let user = match cache_get(ctx, &user_cache_key(&user_id), ctx.user_table()).await {
        Some(u) => u,
        None => {
            let Some(u) = ctx
                .adapter
                .find_one("user", &[Where::eq("id", user_id.as_str())])
                .await?
            else {
                return Ok(Lookup::Gone);
            };
            let ttl =
                std::time::Duration::from_secs(ctx.config.session.cache_ttl.max(60).unsigned_abs());
            let _ = ctx
                .secondary
                .set(&user_cache_key(&user_id), &full_json_string(&u), Some(ttl))
                .await;
            u
        }
    };
    Ok(Lookup::Found(SessionWithUser {
        session: session.into(),
        user: user.into(),
        token,
        from_cookie_cache: false,
    }))
}

/// Finds the live session row for a raw token, accepting legacy plain tokens as configured.
pub async fn find_session_row(ctx: &AuthContext, token: &str) -> Result<Option<Row>, ApiError> {
    if ctx.config.session.store_in_secondary {
        return secondary_get(
            ctx,
            &session_cache_key(&hash_token(token)),
            ctx.session_table(),
        )
        .await;
    }
    if let Some(row) = ctx
        .adapter
        .find_one("session", &[Where::eq("token", hash_token(token))])
        .await?
    {
        return Ok(Some(row));
    }
    find_legacy_session_row(ctx, token).await
}

/// The session row with this *stored* token (the identifier list-sessions gives for sessions
/// other than the caller's), for revocation by an administrator.
pub async fn find_stored_session_row(
    ctx: &AuthContext,
    stored: &str,
) -> Result<Option<Row>, ApiError> {
    if ctx.config.session.store_in_secondary {
        return secondary_get(ctx, &session_cache_key(stored), ctx.session_table()).await;
    }
    Ok(ctx
        .adapter
        .find_one("session", &[Where::eq("token", stored)])
        .await?)
}

/// A session stored with its plain token, as Better Auth stores them; upgraded to the hash on
/// first use when configured.
async fn find_legacy_session_row(ctx: &AuthContext, token: &str) -> Result<Option<Row>, ApiError> {
    // A stored hash must never work as a token, whatever the legacy setting.
    if ctx.config.session.legacy_tokens == LegacyTokens::Reject || looks_hashed(token) {
        return Ok(None);
    }
    let adapter = &ctx.adapter;
    let Some(row) = adapter
        .find_one("session", &[Where::eq("token", token)])
        .await?
    else {
        return Ok(None);
    };
    if ctx.config.session.legacy_tokens == LegacyTokens::Upgrade {
        let mut set = Row::new();
        set.insert("token".into(), hash_token(token).into());
        let id = row.get("id").cloned().unwrap_or(Value::Null);
        return Ok(adapter
            .update("session", &[Where::eq("id", id)], set)
            .await?);
    }
    Ok(Some(row))
}
