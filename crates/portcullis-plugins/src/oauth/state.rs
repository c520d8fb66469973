//! The OAuth `state`, as Better Auth 1.7 keeps it: a random value sent to the provider, a
//! `verification` row (10 minutes) holding what the callback needs (PKCE verifier, nonce,
//! callback URLs, a link's user), and the signed cookie `better-auth.state` (5 minutes) that
//! binds the flow to the browser that started it. The callback takes the row once.
//!
//! Unlike Better Auth, the row's identifier holds the state hashed (`auth-state:<hash>`), as
//! every one-time value here: a copy of the table cannot finish someone else's flow.

use portcullis_core::cookies::SetCookie;
use portcullis_core::crypto::sign;
use portcullis_core::crypto::token::random_string;
use portcullis_core::endpoint::AuthRequest;
use portcullis_core::{ApiError, AuthContext, verification};
use serde::{Deserialize, Serialize};

/// The verification row lives this long; Better Auth's 10 minutes.
const STATE_TTL_SECS: i64 = 600;
/// The cookie's Max-Age, as Better Auth sets it.
const COOKIE_MAX_AGE: i64 = 300;
const COOKIE: &str = "state";
const PREFIX: &str = "auth-state:";

/// The user a link flow adds the account to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub email: String,
    pub user_id: String,
    /// The session that started the link: it must still be live at the callback.
    #[serde(default)]
    pub session_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateData {
    #[serde(rename = "callbackURL")]
    pub callback_url: String,
    pub code_verifier: String,
    #[serde(rename = "errorURL", default, skip_serializing_if = "Option::is_none")]
    pub error_url: Option<String>,
    #[serde(
        rename = "newUserURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub new_user_url: Option<String>,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
    pub oauth_state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_sign_up: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_nonce: Option<String>,
}

/// A new flow: the state to send, the PKCE verifier, and the cookie to set.
pub struct Started {
    pub state: String,
    pub code_verifier: String,
    pub nonce: Option<String>,
    pub cookie: SetCookie,
}

/// What the sign-in or link request asked for.
pub struct Start<'a> {
    pub callback_url: Option<&'a str>,
    pub error_url: Option<&'a str>,
    pub new_user_url: Option<&'a str>,
    pub request_sign_up: Option<bool>,
    pub link: Option<Link>,
    pub with_nonce: bool,
}

pub async fn generate(ctx: &AuthContext, start: Start<'_>) -> Result<Started, ApiError> {
    let state = random_string(32);
    let code_verifier = random_string(128);
    let nonce = start.with_nonce.then(|| random_string(32));
    let base = ctx
        .config
        .base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let data = StateData {
        callback_url: start
            .callback_url
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or(base),
        code_verifier: code_verifier.clone(),
        error_url: start.error_url.filter(|s| !s.is_empty()).map(str::to_owned),
        new_user_url: start
            .new_user_url
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        expires_at: (ctx.now() + chrono::Duration::seconds(STATE_TTL_SECS)).timestamp_millis(),
        oauth_state: state.clone(),
        link: start.link,
        request_sign_up: start.request_sign_up,
        id_token_nonce: nonce.clone(),
    };
    let value = serde_json::to_string(&data).map_err(|_| ApiError::internal())?;
    verification::create(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(PREFIX, &state),
        &value,
        STATE_TTL_SECS,
    )
    .await?;
    let cookie = ctx.cookies.make(
        COOKIE,
        sign::sign(ctx.secret(), &state),
        Some(COOKIE_MAX_AGE),
    );
    Ok(Started {
        state,
        code_verifier,
        nonce,
        cookie,
    })
}

/// Why a callback's state was refused: Better Auth's `?error=` value, and the flow's own
/// error URL when the state could be read.
#[derive(Debug)]
pub struct Refused {
    pub code: &'static str,
    pub error_url: Option<String>,
}

/// Takes the state named by the callback: the row must exist and be live, and the browser's
/// state cookie must name it. The row is deleted (single use) and the cookie cleared.
pub async fn take(
    ctx: &AuthContext,
    req: &AuthRequest,
    state: &str,
) -> Result<(StateData, SetCookie), Refused> {
    let refused = |code, error_url: Option<String>| Refused { code, error_url };
    let found = verification::find(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(PREFIX, state),
    )
    .await
    .map_err(|_| refused("internal_server_error", None))?
    .ok_or_else(|| refused("state_mismatch", None))?;
    let data: StateData =
        serde_json::from_str(&found.value).map_err(|_| refused("state_mismatch", None))?;
    let error_url = data.error_url.clone();
    if data.oauth_state != state {
        return Err(refused("state_mismatch", error_url));
    }
    let cookie_name = ctx.cookies.name(COOKIE);
    let from_cookie = req
        .cookie(&cookie_name)
        .and_then(|c| sign::unsign(ctx.secret(), c));
    if from_cookie.as_deref() != Some(state) {
        return Err(refused("state_mismatch", error_url));
    }
    // Only the request whose delete removed the row goes on: a replay finds nothing.
    if !verification::delete(ctx.adapter.as_ref(), &found.id)
        .await
        .unwrap_or(false)
    {
        return Err(refused("state_mismatch", error_url));
    }
    if found.expired || data.expires_at < ctx.now().timestamp_millis() {
        return Err(refused("state_mismatch", error_url));
    }
    Ok((data, ctx.cookies.delete(COOKIE)))
}
