//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): `GET|POST /oauth2/end-session`.
//!
//! The client sends the browser here with the ID token it was given (`id_token_hint`). Only a
//! hint this server signed identifies the client, and so the registered
//! `post_logout_redirect_uri` the browser may be sent to; without one nobody is signed out,
//! since any site could otherwise sign a user out by linking here.

use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::routes::session::end_browser_session;
use portcullis_core::{ApiError, AuthContext};
use serde_json::Value as Json;

use super::authorize::{Params, browser_session, error_url};
use super::clients;

fn error_page(ctx: &AuthContext, description: &str) -> AuthResponse {
    AuthResponse::redirect(&error_url(ctx, "invalid_request", description))
}

pub async fn end_session(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let params: Params = match (&req.method, &req.body) {
        (&http::Method::POST, Some(Json::Object(m))) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
            .collect(),
        _ => req.query.clone(),
    };
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let Some(hint) = get("id_token_hint") else {
        return Ok(error_page(
            ctx,
            "id_token_hint is required. To sign out, use Sign out on your account page.",
        ));
    };
    let Some(jwt) = ctx.plugin::<crate::jwt::Jwt>() else {
        return Err(ApiError::internal());
    };
    let Some(claims) = jwt.verify_own(ctx, hint).await else {
        return Ok(error_page(
            ctx,
            "id_token_hint is not an ID token this server issued",
        ));
    };
    let audience = match claims.get("aud") {
        Some(Json::String(a)) => Some(a.as_str()),
        Some(Json::Array(a)) => a.first().and_then(Json::as_str),
        _ => None,
    };
    let Some(client_id) = audience else {
        return Ok(error_page(ctx, "id_token_hint names no client"));
    };
    if get("client_id").is_some_and(|c| c != client_id) {
        return Ok(error_page(
            ctx,
            "client_id differs from the ID token's audience",
        ));
    }
    let Some(client) = clients::find(ctx.adapter.as_ref(), client_id).await? else {
        return Ok(error_page(ctx, "unknown client"));
    };
    let back = match get("post_logout_redirect_uri") {
        Some(uri) if client.post_logout_redirect_uris.iter().any(|u| u == uri) => Some(uri),
        Some(_) => {
            return Ok(error_page(
                ctx,
                "post_logout_redirect_uri is not registered for this client",
            ));
        }
        None => None,
    };
    // Sign out the browser's session when it belongs to the user the ID token was for.
    let sub = claims.get("sub").and_then(Json::as_str);
    let mut res = match back {
        Some(uri) => {
            let mut to = url::Url::parse(uri).map_err(|_| ApiError::internal())?;
            if let Some(state) = get("state") {
                to.query_pairs_mut().append_pair("state", state);
            }
            AuthResponse::redirect(to.as_str())
        }
        None => AuthResponse::redirect(&format!(
            "{}?signed_out=1",
            super::plugin(ctx).settings.login_page
        )),
    };
    if let Some(s) = browser_session(ctx, req).await?
        && Some(s.user_id()) == sub
    {
        end_browser_session(ctx, req).await?;
        res = res.cookies(ctx.cookies.clear_session());
    }
    Ok(res)
}
