//! The cookie cache: the signed `session_data` cookie, in Better Auth's `compact` strategy.
//! `session_cookies` writes it beside the session token, and `lookup` reads it before any
//! storage on endpoints that allow it. Kept apart because its format is Better Auth's wire
//! format, signature included, and nothing from it is trusted before that signature verifies.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use portcullis_storage::Value;
use serde_json::json;

use super::SessionWithUser;
use super::json::{session_json, user_json};
use crate::context::AuthContext;
use crate::crypto::sign;

const COOKIE_CACHE_VERSION: &str = "1";

/// `compact` cookie cache: base64url(JSON{session: data, expiresAt, signature}).
pub(super) fn encode_cookie_cache(ctx: &AuthContext, s: &SessionWithUser, age: i64) -> String {
    let now = ctx.now();
    let expires_at = (now + Duration::seconds(age)).timestamp_millis();
    let data = json!({
        "session": session_json(ctx, &s.session, Some(&s.token)),
        "user": user_json(ctx, &s.user),
        "updatedAt": now.timestamp_millis(),
        "version": COOKIE_CACHE_VERSION,
    });
    let mut signed = data.clone();
    signed["expiresAt"] = expires_at.into();
    let signature = sign::hmac_base64url(ctx.secret(), &signed.to_string());
    let payload = json!({"session": data, "expiresAt": expires_at, "signature": signature});
    URL_SAFE_NO_PAD.encode(payload.to_string())
}

/// Reads the cookie cache if it is valid for `token`; anything doubtful falls back to the DB.
///
/// The signature covers the `session` object's JSON with `expiresAt` appended, as
/// `JSON.stringify({...data, expiresAt})` writes it. That text is rebuilt from the object's
/// own bytes in the cookie, so nothing is parsed until the signature has verified.
pub(super) fn decode_cookie_cache(
    ctx: &AuthContext,
    raw: &str,
    token: &str,
) -> Option<SessionWithUser> {
    #[derive(serde::Deserialize)]
    struct Payload<'a> {
        #[serde(borrow)]
        session: &'a serde_json::value::RawValue,
        #[serde(rename = "expiresAt")]
        expires_at: i64,
        signature: String,
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
    let payload: Payload = serde_json::from_slice(&bytes).ok()?;
    let data = payload.session.get();
    let body = data.strip_prefix('{')?.strip_suffix('}')?;
    let mut signed = String::with_capacity(data.len() + 32);
    signed.push('{');
    signed.push_str(body);
    if !body.trim().is_empty() {
        signed.push(',');
    }
    signed.push_str("\"expiresAt\":");
    signed.push_str(&payload.expires_at.to_string());
    signed.push('}');
    if !sign::verify_base64url(ctx.secret(), &signed, &payload.signature) {
        return None;
    }
    let now = ctx.now();
    if payload.expires_at <= now.timestamp_millis() {
        return None;
    }
    // Decoded before from this very text: its version and token were checked then.
    if let Some((session, user)) = ctx.decoded_rows.get(token, &[data]) {
        if session.get("expiresAt").and_then(Value::as_date)? <= now {
            return None;
        }
        return Some(SessionWithUser {
            session,
            user,
            token: token.to_owned(),
            from_cookie_cache: true,
        });
    }
    let mut de = serde_json::Deserializer::from_str(data);
    let cached = serde::de::DeserializeSeed::deserialize(
        crate::row_json::CookieCacheSeed {
            session_table: ctx.session_table(),
            user_table: ctx.user_table(),
        },
        &mut de,
    )
    .ok()?;
    if cached.version.as_deref() != Some(COOKIE_CACHE_VERSION) {
        return None;
    }
    let cached_token = cached.session.get("token").and_then(Value::as_str)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        cached_token.as_bytes(),
        token.as_bytes(),
    )) {
        return None;
    }
    if cached.session.get("expiresAt").and_then(Value::as_date)? <= now {
        return None;
    }
    let (session, user) = (Arc::new(cached.session), Arc::new(cached.user));
    ctx.decoded_rows
        .put(token, &[data], session.clone(), user.clone());
    Some(SessionWithUser {
        session,
        user,
        token: token.to_owned(),
        from_cookie_cache: true,
    })
}
