//! `POST /oauth2/token`: the authorization code (with PKCE), refresh (with rotation), client
//! credentials and device code grants.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis_core::audit::{self, AuditEvent, Severity};
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::{ApiError, AuthContext, users};
use portcullis_storage::Row;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::authorize::redeem_code;
use super::clients::{
    self, Client, GRANT_AUTHORIZATION_CODE, GRANT_CLIENT_CREDENTIALS, GRANT_DEVICE_CODE,
    GRANT_REFRESH_TOKEN,
};
use super::errors::{Failure, OAuthError, answer};
use super::plugin;
use super::tokens::{self, IdTokenFor, Issue, REFRESH};

pub async fn token(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    answer(grant(ctx, req).await)
}

fn field<'a>(req: &'a AuthRequest, name: &str) -> Option<&'a str> {
    req.str_field(name).filter(|s| !s.is_empty())
}

async fn grant(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, Failure> {
    let grant_type = field(req, "grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if ![
        GRANT_AUTHORIZATION_CODE,
        GRANT_REFRESH_TOKEN,
        GRANT_CLIENT_CREDENTIALS,
        GRANT_DEVICE_CODE,
    ]
    .contains(&grant_type)
    {
        return Err(OAuthError::new(
            400,
            "unsupported_grant_type",
            "this grant type is not offered",
        )
        .into());
    }
    let client = clients::authenticate(ctx, req).await.inspect_err(|e| {
        if matches!(e, Failure::OAuth(o) if o.error == "invalid_client") {
            audit::refused(
                ctx,
                req,
                audit::Refusal::new("oauth.token", "oauth_client", "invalid_client")
                    .identity(field(req, "client_id").unwrap_or_default()),
            );
        }
    })?;
    if !client.allows_grant(grant_type) {
        return Err(
            OAuthError::unauthorized_client("this client may not use this grant type").into(),
        );
    }
    let res = match grant_type {
        GRANT_AUTHORIZATION_CODE => authorization_code(ctx, req, &client).await?,
        GRANT_REFRESH_TOKEN => refresh(ctx, req, &client).await?,
        GRANT_CLIENT_CREDENTIALS => client_credentials(ctx, req, &client).await?,
        _ => device_code(ctx, req, &client).await?,
    };
    Ok(AuthResponse::json(res).no_store())
}

/// The user a grant is for: present and not banned.
async fn live_user(ctx: &AuthContext, user_id: &str) -> Result<Row, Failure> {
    let user = users::find_user(ctx, user_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists"))?;
    if crate::admin::is_banned(&user, ctx.now()) {
        return Err(OAuthError::invalid_grant("the user is banned").into());
    }
    Ok(user)
}

fn pkce_holds(verifier: &str, challenge: &str) -> bool {
    // RFC 7636 §4.1: 43-128 unreserved characters.
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    shaped && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// Issues the tokens of a grant for a user, with its audit event, in one transaction; and the
/// ID token when `openid` was granted.
async fn for_user(
    ctx: &AuthContext,
    req: &AuthRequest,
    client: &Client,
    issue: Issue<'_>,
    user: &Row,
    nonce: Option<&str>,
    action: &'static str,
) -> Result<serde_json::Value, Failure> {
    let settings = &plugin(ctx).settings;
    let offline = issue.scopes.iter().any(|s| s == "offline_access")
        && client.allows_grant(GRANT_REFRESH_TOKEN);
    let w = audit::writes(ctx).await?;
    let (access, refresh) = tokens::issue(ctx, w.store(), &issue, offline).await?;
    let e = AuditEvent::new(action)
        .from_request(req)
        .actor(issue.user_id.unwrap_or_default())
        .own()
        .target("oauthClient", client.client_id.clone())
        .detail("scopes", issue.scopes.join(" "));
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    let id_token = if issue.scopes.iter().any(|s| s == "openid") {
        Some(
            tokens::id_token(
                ctx,
                IdTokenFor {
                    client_id: &client.client_id,
                    user,
                    scopes: issue.scopes,
                    nonce,
                    auth_time: issue.auth_time,
                    session_id: client
                        .enable_end_session
                        .then_some(issue.session_id)
                        .flatten(),
                    access_token: &access,
                },
            )
            .await?,
        )
    } else {
        None
    };
    Ok(tokens::token_response(
        ctx.now().timestamp(),
        &access,
        settings.access_token_ttl,
        issue.scopes,
        refresh.as_deref(),
        id_token.as_deref(),
    ))
}

async fn authorization_code(
    ctx: &AuthContext,
    req: &AuthRequest,
    client: &Client,
) -> Result<serde_json::Value, Failure> {
    let code = field(req, "code").ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let redirect_uri = field(req, "redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("redirect_uri is required"))?;
    let (code_id, grant) = redeem_code(ctx, code).await?;
    if grant.client_id != client.client_id {
        return Err(OAuthError::invalid_grant("the code was issued to another client").into());
    }
    if grant.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request",
        )
        .into());
    }
    match (&grant.code_challenge, field(req, "code_verifier")) {
        (Some(challenge), Some(verifier)) if pkce_holds(verifier, challenge) => {}
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_grant("code_verifier does not match").into());
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant("code_verifier is required").into());
        }
        (None, Some(_)) => {
            return Err(
                OAuthError::invalid_grant("code_verifier sent, but no code_challenge was").into(),
            );
        }
        (None, None) => {}
    }
    let user = live_user(ctx, &grant.user_id).await?;
    let issue = Issue {
        client_id: &client.client_id,
        user_id: Some(&grant.user_id),
        session_id: Some(&grant.session_id),
        scopes: &grant.scopes,
        authorization_code_id: Some(&code_id),
        auth_time: Some(grant.auth_time),
    };
    for_user(
        ctx,
        req,
        client,
        issue,
        &user,
        grant.nonce.as_deref(),
        "oauth.token_grant",
    )
    .await
}

async fn refresh(
    ctx: &AuthContext,
    req: &AuthRequest,
    client: &Client,
) -> Result<serde_json::Value, Failure> {
    let token = field(req, "refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let store = ctx.adapter.as_ref();
    let stored = tokens::find(store, REFRESH, token)
        .await?
        .filter(|t| t.client_id == client.client_id)
        .ok_or_else(|| OAuthError::invalid_grant("unknown refresh token"))?;
    let user_id = stored
        .user_id
        .clone()
        .ok_or_else(|| OAuthError::invalid_grant("unknown refresh token"))?;
    if stored.rotated {
        // Used before: someone else holds a copy. End the whole family.
        tokens::revoke_family(ctx, store, &client.client_id, &user_id).await?;
        audit::record_now(
            ctx,
            AuditEvent::new("oauth.refresh_reuse")
                .from_request(req)
                .severity(Severity::Critical)
                .failure("refresh_token_reused")
                .target_user(user_id.clone())
                .target("oauthClient", client.client_id.clone()),
        )
        .await;
        return Err(OAuthError::invalid_grant(
            "the refresh token was already used; its family is revoked",
        )
        .into());
    }
    if !stored.live(ctx).await? {
        return Err(OAuthError::invalid_grant(
            "the refresh token has expired or was revoked, or its session has ended",
        )
        .into());
    }
    let scopes: Vec<String> = match field(req, "scope") {
        Some(s) => {
            let asked: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
            if asked.iter().any(|a| !stored.scopes.contains(a)) {
                return Err(
                    OAuthError::invalid_scope("a refresh cannot widen the scopes granted").into(),
                );
            }
            asked
        }
        None => stored.scopes.clone(),
    };
    let user = live_user(ctx, &user_id).await?;
    if !tokens::rotate_out(ctx, store, &stored.id).await? {
        return Err(OAuthError::invalid_grant("the refresh token was already used").into());
    }
    // The new refresh token keeps the grant's scopes (a narrower request narrows this answer's
    // access token only, RFC 6749 §6), so it is issued with the stored ones.
    let mut with_refresh = scopes.clone();
    if !with_refresh.iter().any(|s| s == "offline_access") {
        with_refresh.push("offline_access".into());
    }
    let issue = Issue {
        client_id: &client.client_id,
        user_id: Some(&user_id),
        session_id: stored.session_id.as_deref(),
        scopes: &with_refresh,
        authorization_code_id: stored.authorization_code_id.as_deref(),
        auth_time: stored.auth_time,
    };
    let mut res = for_user(ctx, req, client, issue, &user, None, "oauth.token_refresh").await?;
    res["scope"] = scopes.join(" ").into();
    Ok(res)
}

async fn client_credentials(
    ctx: &AuthContext,
    req: &AuthRequest,
    client: &Client,
) -> Result<serde_json::Value, Failure> {
    if client.is_public() {
        return Err(
            OAuthError::unauthorized_client("a public client cannot act for itself").into(),
        );
    }
    let settings = &plugin(ctx).settings;
    // Scopes that stand for a user make no sense without one.
    let allowed: Vec<&str> = match &client.client_credentials_scopes {
        Some(own) => own.iter().map(String::as_str).collect(),
        None => client.allowed_scopes(&settings.scopes),
    }
    .into_iter()
    .filter(|s| !matches!(*s, "openid" | "profile" | "email" | "offline_access"))
    .collect();
    let scopes: Vec<String> = match field(req, "scope") {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => allowed.iter().map(|s| (*s).to_owned()).collect(),
    };
    if let Some(bad) = scopes.iter().find(|s| !allowed.contains(&s.as_str())) {
        return Err(OAuthError::invalid_scope(format!("this client may not ask for {bad}")).into());
    }
    let issue = Issue {
        client_id: &client.client_id,
        user_id: None,
        session_id: None,
        scopes: &scopes,
        authorization_code_id: None,
        auth_time: None,
    };
    let w = audit::writes(ctx).await?;
    let (access, _) = tokens::issue(ctx, w.store(), &issue, false).await?;
    let e = AuditEvent::new("oauth.token_grant")
        .from_request(req)
        .target("oauthClient", client.client_id.clone())
        .detail("grant", GRANT_CLIENT_CREDENTIALS)
        .detail("scopes", scopes.join(" "));
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(tokens::token_response(
        ctx.now().timestamp(),
        &access,
        settings.access_token_ttl,
        &scopes,
        None,
        None,
    ))
}

/// RFC 8628 §3.4 at this endpoint: the device plugin's polling rules and one-time claim
/// (`device_authorization::redeem`), then OAuth tokens for the user who allowed the device.
async fn device_code(
    ctx: &AuthContext,
    req: &AuthRequest,
    client: &Client,
) -> Result<serde_json::Value, Failure> {
    use crate::device_authorization::{self, DeviceGrantError};
    if ctx
        .plugin::<device_authorization::DeviceAuthorization>()
        .is_none()
    {
        return Err(OAuthError::new(
            400,
            "unsupported_grant_type",
            "device authorization is not enabled",
        )
        .into());
    }
    let code = field(req, "device_code")
        .ok_or_else(|| OAuthError::invalid_request("device_code is required"))?;
    let approved = device_authorization::redeem(ctx, req, code, &client.client_id)
        .await
        .map_err(|e| match e {
            DeviceGrantError::Server(api) => Failure::Api(api),
            other => OAuthError::new(other.status(), other.code(), other.to_string()).into(),
        })?;
    let settings = &plugin(ctx).settings;
    let allowed = client.allowed_scopes(&settings.scopes);
    // What the device asked for, within what this client may have; nothing asked: all of it.
    let scopes: Vec<String> = if approved.scope.is_empty() {
        allowed.iter().map(|s| (*s).to_owned()).collect()
    } else {
        approved
            .scope
            .iter()
            .filter(|s| allowed.contains(&s.as_str()))
            .cloned()
            .collect()
    };
    let user = live_user(ctx, &approved.user_id).await?;
    let issue = Issue {
        client_id: &client.client_id,
        user_id: Some(&approved.user_id),
        session_id: None,
        scopes: &scopes,
        authorization_code_id: None,
        auth_time: Some(ctx.now().timestamp()),
    };
    for_user(ctx, req, client, issue, &user, None, "oauth.token_grant").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_the_rfc_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_holds(verifier, challenge));
        assert!(!pkce_holds(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            challenge
        ));
        assert!(!pkce_holds("short", challenge));
    }
}
