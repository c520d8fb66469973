//! Better Auth's `enableSessionForAPIKeys`: a request carrying a key in the key header is its
//! owner's, on every endpoint. The key is checked and one use claimed (limits apply) on each
//! request, straight from the database, so a revoked key stops at once on every instance.
//! `get-session` answers with the session the key stands for, as Better Auth's hook does.

use std::sync::Arc;

use chrono::TimeDelta;
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::session::{SessionWithUser, format_ip};
use portcullis_core::{ApiError, AuthContext, Before, users};
use portcullis_storage::{Row, Value};
use serde_json::json;

use super::errors::{INVALID_API_KEY, INVALID_REFERENCE_ID_FROM_API_KEY};
use super::settings::ApiKeySettings;
use super::table::{self, millis};
use super::usage::{self, KeyRefusal};

pub async fn before(
    ctx: &AuthContext,
    settings: &ApiKeySettings,
    req: &mut AuthRequest,
) -> Result<Before, ApiError> {
    // verify checks the caller's key itself; counting it here too would spend two uses.
    if req.path == "/api-key/verify" {
        return Ok(Before::Continue);
    }
    let Some(key) = req.header(settings.header.as_str()).map(str::to_owned) else {
        return Ok(Before::Continue);
    };
    if key.chars().count() < settings.key_length {
        return Err(ApiError::new(403, INVALID_API_KEY));
    }
    let row = match usage::use_key(ctx, settings, &key, None, None).await {
        Ok(row) => row,
        Err(KeyRefusal::Failed(e)) => return Err(e),
        Err(refusal) => return refusal.into_response().map(Before::Respond),
    };
    let owner = table::text(&row, "referenceId").unwrap_or_default();
    let Some(user) = users::find_user(ctx, owner).await? else {
        return Err(ApiError::new(401, INVALID_REFERENCE_ID_FROM_API_KEY));
    };
    let now = millis(ctx.now());
    let expires_at = table::date(&row, "expiresAt")
        .unwrap_or_else(|| now + TimeDelta::seconds(ctx.config.session.expires_in));
    let mut session = Row::new();
    session.insert("id".into(), row.get("id").cloned().unwrap_or(Value::Null));
    session.insert("token".into(), key.clone().into());
    session.insert("userId".into(), owner.into());
    session.insert(
        "userAgent".into(),
        req.header(http::header::USER_AGENT)
            .map(Value::from)
            .unwrap_or(Value::Null),
    );
    session.insert(
        "ipAddress".into(),
        req.ip
            .map(|ip| Value::from(format_ip(Some(ip))))
            .unwrap_or(Value::Null),
    );
    session.insert("createdAt".into(), Value::Date(now));
    session.insert("updatedAt".into(), Value::Date(now));
    session.insert("expiresAt".into(), Value::Date(expires_at));
    let standing = SessionWithUser {
        session: Arc::new(session),
        user: Arc::new(user),
        token: key,
        from_cookie_cache: false,
    };
    if req.path == "/get-session" {
        // Better Auth's hook answers get-session itself: the session the key stands for,
        // with the caller's own key as its token; no cookie is set.
        let s = &standing.session;
        let field = |f: &str| s.get(f).map(Value::to_json).unwrap_or_default();
        let body = json!({
            "session": {
                "id": field("id"),
                "token": field("token"),
                "userId": field("userId"),
                "userAgent": field("userAgent"),
                "ipAddress": field("ipAddress"),
                "createdAt": field("createdAt"),
                "updatedAt": field("updatedAt"),
                "expiresAt": field("expiresAt"),
            },
            "user": portcullis_core::session::user_json(ctx, &standing.user),
        });
        req.state.set_found_session(standing);
        return Ok(Before::Respond(AuthResponse::json(body).no_store()));
    }
    Ok(Before::Authenticate(standing))
}
