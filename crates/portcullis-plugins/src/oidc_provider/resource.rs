//! What a client does with its tokens: `userinfo` (OIDC Core §5.3), `introspect` (RFC 7662)
//! and `revoke` (RFC 7009).

use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::{ApiError, AuthContext, users};
use serde_json::{Value as Json, json};

use super::clients;
use super::errors::{Failure, OAuthError, answer};
use super::issuer;
use super::tokens::{self, ACCESS, REFRESH, Stored};

/// The bearer token of a request: the `Authorization` header, or for a POST the
/// `access_token` form field (RFC 6750 §2.2), never both.
fn bearer(req: &AuthRequest) -> Result<&str, OAuthError> {
    let header = req
        .header(http::header::AUTHORIZATION)
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let body = req.str_field("access_token").filter(|t| !t.is_empty());
    match (header, body) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "send the access token one way, not two",
        )),
        (Some(t), None) | (None, Some(t)) => Ok(t),
        // RFC 6750 §3.1 wants no error code here; Better Auth says invalid_request.
        (None, None) => Err(OAuthError::new(
            401,
            "invalid_request",
            "access token not found",
        )),
    }
}

pub async fn userinfo(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    answer(userinfo_for(ctx, req).await)
}

async fn userinfo_for(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, Failure> {
    let token = bearer(req)?;
    let unknown = || OAuthError::invalid_token("the access token is unknown, expired or revoked");
    let stored = tokens::find(ctx.adapter.as_ref(), ACCESS, token)
        .await?
        .ok_or_else(unknown)?;
    if !stored.live(ctx).await? {
        return Err(unknown().into());
    }
    let user_id = stored
        .user_id
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_token("this token stands for no user"))?;
    if !stored.scopes.iter().any(|s| s == "openid") {
        return Err(
            OAuthError::new(403, "insufficient_scope", "userinfo needs the openid scope").into(),
        );
    }
    let user = users::find_user(ctx, user_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the user no longer exists"))?;
    // A ban ends what the user's tokens do at once, as it ends their sessions.
    if crate::admin::is_banned(&user, ctx.now()) {
        return Err(OAuthError::invalid_token("the user is banned").into());
    }
    Ok(AuthResponse::json(Json::Object(tokens::user_claims(&user, &stored.scopes))).no_store())
}

/// Looks a token up as the hint says first, then as the other kind (RFC 7009 §2.1).
async fn find_any(
    ctx: &AuthContext,
    token: &str,
    hint: Option<&str>,
) -> Result<Option<(&'static str, Stored)>, ApiError> {
    let order = if hint == Some("refresh_token") {
        [REFRESH, ACCESS]
    } else {
        [ACCESS, REFRESH]
    };
    for table in order {
        if let Some(t) = tokens::find(ctx.adapter.as_ref(), table, token).await? {
            return Ok(Some((table, t)));
        }
    }
    Ok(None)
}

pub async fn introspect(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    answer(introspect_for(ctx, req).await)
}

/// Introspection and revocation need a client: with no credentials at all, 401 (as Better
/// Auth answers), before anything else is read.
async fn calling_client(ctx: &AuthContext, req: &AuthRequest) -> Result<clients::Client, Failure> {
    if req.header(http::header::AUTHORIZATION).is_none() && req.str_field("client_id").is_none() {
        return Err(OAuthError::invalid_client("missing required credentials").into());
    }
    clients::authenticate(ctx, req).await
}

async fn introspect_for(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, Failure> {
    let client = calling_client(ctx, req).await?;
    let token = req
        .str_field("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let found = find_any(ctx, token, req.str_field("token_type_hint")).await?;
    let inactive = || Ok(AuthResponse::json(json!({ "active": false })).no_store());
    let Some((table, t)) = found else {
        return inactive();
    };
    // A refresh token is only ever its own client's business; an access token may be checked
    // by any client, since resource servers are clients of their own.
    if (table == REFRESH && t.client_id != client.client_id) || !t.live(ctx).await? {
        return inactive();
    }
    let mut m = json!({
        "active": true,
        "client_id": t.client_id,
        "scope": t.scopes.join(" "),
        "iat": t.created_at.timestamp(),
        "exp": t.expires_at.timestamp(),
        "iss": issuer(ctx),
        "azp": t.client_id,
    });
    if table == ACCESS {
        m["token_type"] = "Bearer".into();
    }
    if let Some(sub) = &t.user_id {
        let user = users::find_user(ctx, sub).await?;
        if user.is_none_or(|u| crate::admin::is_banned(&u, ctx.now())) {
            return inactive();
        }
        m["sub"] = sub.clone().into();
    }
    if let Some(sid) = &t.session_id {
        m["sid"] = sid.clone().into();
    }
    Ok(AuthResponse::json(m).no_store())
}

pub async fn revoke(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    answer(revoke_for(ctx, req).await)
}

async fn revoke_for(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, Failure> {
    let client = calling_client(ctx, req).await?;
    let token = req
        .str_field("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    // RFC 7009 §2.2: an unknown token, or another client's, is answered as revoked.
    if let Some((table, t)) = find_any(ctx, token, req.str_field("token_type_hint")).await?
        && t.client_id == client.client_id
    {
        let w = audit::writes(ctx).await?;
        tokens::revoke(ctx, w.store(), table, &t.id).await?;
        let mut e = AuditEvent::new("oauth.token_revoke")
            .from_request(req)
            .target("oauthClient", client.client_id.clone())
            .detail(
                "tokenType",
                if table == REFRESH {
                    "refresh_token"
                } else {
                    "access_token"
                },
            );
        if let Some(u) = &t.user_id {
            e = e.target_user(u.clone());
        }
        audit::record(ctx, w.store(), e).await?;
        w.commit().await?;
    }
    // RFC 7009 §2.2: 200, the body ignored; Better Auth sends none.
    Ok(AuthResponse::new(200, portcullis_core::endpoint::Body::EmptyJson).no_store())
}
