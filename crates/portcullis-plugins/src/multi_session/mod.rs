//! `multi-session`: several accounts signed in on one browser, as Better Auth 1.7's
//! `multiSession` plugin.
//!
//! - Every answer that sets the session cookie (a sign-in or sign-up, a refresh, update-user,
//!   a switch) also sets `<session cookie name>_multi-<token, lower-cased>`, signed like the
//!   session cookie, with its attributes and always `Max-Age` = the session lifetime, unless the
//!   request already carries that cookie. None is added once the browser would hold more than
//!   the maximum.
//! - Same-user replacement: a new session replaces the sessions of the same user that the
//!   browser's multi cookies name. They are deleted and their cookies expired in the same
//!   answer, so one browser holds at most one session per user.
//! - `GET /multi-session/list-device-sessions`: `[{session, user}]` for the validly signed multi
//!   cookies whose sessions are live, the first per user; no session needed.
//! - `POST /multi-session/set-active {sessionToken}`: makes the session of the matching multi
//!   cookie the browser's session; `POST /multi-session/revoke {sessionToken}` (signed in)
//!   deletes it and, when it was the current one, switches to another live multi session or
//!   signs the browser out. A missing or forged cookie, or a dead session, is
//!   `401 INVALID_SESSION_TOKEN`.
//! - `/sign-out` also expires every validly signed multi cookie and deletes those sessions.
//!
//! Sessions end through `session::delete_by_token`, the core path that keeps the session
//! cache true. The value of a multi cookie is checked against the secret before anything is
//! looked up, and a request's multi cookies are read at most [`MAX_COOKIES_READ`] at a time.
//!
//! Hosted: an account section, "Accounts on this browser" (`templates/`, `assets/accounts.js`).
//!
//! Settings: `ENABLE_MULTI_SESSION` (off by default) and `MULTI_SESSION_MAXIMUM` (default 5),
//! or `enabled` and `maximum` in `[plugins.multi_session]`; the variable wins.

use async_trait::async_trait;
use http::Method;
use portcullis_core::cookies::SetCookie;
use portcullis_core::crypto::sign;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::ErrorCode;
use portcullis_core::openapi::schema;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{Asset, Fragment, Messages};
use portcullis_core::session::{self, SessionWithUser};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, Config, ConfigError, Plugin};
use serde_json::json;

portcullis_core::error_codes! {
    INVALID_SESSION_TOKEN => "Invalid session token",
}

const ALL_CODES: &[ErrorCode] = &[INVALID_SESSION_TOKEN];

/// Better Auth's default `maximumSessions`.
pub const DEFAULT_MAXIMUM: usize = 5;
/// Browsers keep about 50 cookies per site at least; more sessions than that cannot be kept.
const MAX_MAXIMUM: usize = 50;
/// What marks a multi-session cookie, as Better Auth tests it (`key.includes("_multi-")`).
const MARK: &str = "_multi-";
/// At most this many multi cookies of one request are verified and looked up: far more than
/// any maximum, so a request stuffed with cookies cannot make one request cost hundreds of
/// lookups.
pub const MAX_COOKIES_READ: usize = 2 * MAX_MAXIMUM;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiSessionSettings {
    /// How many sessions one browser may hold (Better Auth's `maximumSessions`).
    pub maximum: usize,
}

impl Default for MultiSessionSettings {
    fn default() -> Self {
        MultiSessionSettings {
            maximum: DEFAULT_MAXIMUM,
        }
    }
}

impl MultiSessionSettings {
    /// `None` unless `ENABLE_MULTI_SESSION` (or `enabled` in `[plugins.multi_session]`) is on.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("multi_session");
        if !src.flag("enabled", Some("ENABLE_MULTI_SESSION"), false)? {
            return Ok(None);
        }
        let var = src
            .get("maximum", Some("MULTI_SESSION_MAXIMUM"))?
            .map(|(var, _)| var)
            .unwrap_or_else(|| src.var("maximum"));
        let maximum: usize = src.parse(
            "maximum",
            Some("MULTI_SESSION_MAXIMUM"),
            DEFAULT_MAXIMUM,
            "a number of sessions",
        )?;
        if !(1..=MAX_MAXIMUM).contains(&maximum) {
            return Err(ConfigError::new(&var, "must be between 1 and 50 sessions"));
        }
        Ok(Some(MultiSessionSettings { maximum }))
    }
}

pub struct MultiSession {
    settings: MultiSessionSettings,
}

impl MultiSession {
    pub fn new(settings: MultiSessionSettings) -> Self {
        MultiSession { settings }
    }
}

/// `<session cookie name>_multi-<token lower-cased>`: `__Secure-` or `__Host-` when the
/// session cookie has it.
fn cookie_name(ctx: &AuthContext, token: &str) -> String {
    format!(
        "{}{MARK}{}",
        ctx.cookies.session_token(),
        token.to_lowercase()
    )
}

/// A multi cookie with the session cookie's attributes (`Max-Age` as given).
fn multi_cookie(ctx: &AuthContext, name: String, value: String, max_age: i64) -> SetCookie {
    SetCookie {
        name,
        value,
        max_age: Some(max_age),
        domain: ctx.cookies.domain.clone(),
        secure: ctx.cookies.secure,
        http_only: true,
    }
}

fn expire(ctx: &AuthContext, name: &str) -> SetCookie {
    multi_cookie(ctx, name.to_owned(), String::new(), 0)
}

fn invalid_token() -> ApiError {
    ApiError::new(401, INVALID_SESSION_TOKEN)
}

/// The request's multi cookies (name, raw value), in the order sent.
fn multi_cookies(req: &AuthRequest) -> impl Iterator<Item = &(String, String)> {
    req.cookies
        .iter()
        .filter(|(name, _)| name.contains(MARK))
        .take(MAX_COOKIES_READ)
}

/// The tokens of the request's validly signed multi cookies, with the cookies' names.
fn signed_tokens(ctx: &AuthContext, req: &AuthRequest) -> Vec<(String, String)> {
    multi_cookies(req)
        .filter_map(|(name, value)| Some((name.clone(), sign::unsign(ctx.secret(), value)?)))
        .collect()
}

/// The live sessions the request's signed multi cookies name, oldest first.
async fn live_sessions(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<Vec<SessionWithUser>, ApiError> {
    let now = ctx.now();
    let mut found: Vec<SessionWithUser> = Vec::new();
    for (_, token) in signed_tokens(ctx, req) {
        if found.iter().any(|s| s.token == token) {
            continue;
        }
        if let Some(s) = session::find_live(ctx, &token).await?
            && s.expires_at().is_some_and(|e| e > now)
        {
            found.push(s);
        }
    }
    found.sort_by_key(SessionWithUser::created_at);
    Ok(found)
}

/// The session `cookie` names for set-active and revoke: the multi cookie that matches
/// `sessionToken` (compared lower-cased, as the cookie's name is), verified.
fn chosen_token(ctx: &AuthContext, req: &AuthRequest) -> Result<(String, String), ApiError> {
    let name = cookie_name(ctx, req.str_field("sessionToken").unwrap_or_default());
    let token = req
        .cookie(&name)
        .and_then(|v| sign::unsign(ctx.secret(), v))
        .ok_or_else(invalid_token)?;
    Ok((name, token))
}

#[async_trait]
impl Plugin for MultiSession {
    fn id(&self) -> &'static str {
        "multi-session"
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL_CODES
    }

    /// The account area's "Accounts on this browser": switch, sign one out, add one.
    fn fragments(&self) -> Vec<Fragment> {
        vec![Fragment::account_section(
            "accounts",
            "multi-session-title",
            portcullis_core::template_source!(
                "src/multi_session/templates",
                "account-accounts.html"
            ),
        )]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![portcullis_core::asset!(
            "src/multi_session/assets",
            "accounts.js",
            "text/javascript; charset=utf-8"
        )]
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let token_body = |what: &'static str| {
            BodySpec::object(vec![FieldSpec::req("sessionToken", Ty::String, what)])
        };
        vec![
            Endpoint::new(
                Method::GET,
                "/multi-session/list-device-sessions",
                "listDeviceSessions",
                portcullis_core::handler!(list_device_sessions),
            )
            .summary(
                "List the browser's sessions",
                "The live sessions this browser holds, one per user, each with its user. \
                 Needs no session: an empty list when there are none.",
            )
            .tag("Multi-session")
            .returns(schema::array(schema::object(json!({
                "session": schema::session(),
                "user": schema::user(),
            })))),
            Endpoint::new(
                Method::POST,
                "/multi-session/set-active",
                "setActiveSession",
                portcullis_core::handler!(set_active),
            )
            .summary(
                "Switch the browser's session",
                "Makes another of the browser's sessions (by its token, as listed) the \
                 current one.",
            )
            .tag("Multi-session")
            .body(token_body("The session token to set as active"))
            .returns(schema::object(json!({
                "session": schema::session(),
                "user": schema::user(),
            }))),
            Endpoint::new(
                Method::POST,
                "/multi-session/revoke",
                "revokeDeviceSession",
                portcullis_core::handler!(revoke),
            )
            .summary(
                "Revoke one of the browser's sessions",
                "Deletes the session; when it was the current one, the browser switches to \
                 another of its sessions, or is signed out.",
            )
            .tag("Multi-session")
            .auth(Auth::Sensitive)
            .body(token_body("The session token to revoke"))
            .returns(schema::status()),
        ]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            // Any answer may set the session cookie (a refresh, update-user, a switch).
            after: HookScope::Always,
            ..Hooks::default()
        }
    }

    async fn after(&self, ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        if req.path == "/sign-out" {
            // Only a sign-out that went through (not one refused by the origin check).
            if res.status < 400 {
                sign_out_all(ctx, req, res).await;
            }
            return;
        }
        if res.cookies.is_empty() {
            return;
        }
        if let Err(e) = self.remember_new_session(ctx, req, res).await {
            // The answer stands, as in Better Auth; the browser just lacks the multi cookie.
            tracing::error!(error = %e.status, "multi-session: could not record the session");
        }
    }
}

impl MultiSession {
    /// Better Auth's after-hook: a response that sets the session cookie also sets its multi
    /// cookie, replacing the same user's other sessions in this browser, up to the maximum.
    async fn remember_new_session(
        &self,
        ctx: &AuthContext,
        req: &AuthRequest,
        res: &mut AuthResponse,
    ) -> Result<(), ApiError> {
        let session_cookie = ctx.cookies.session_token();
        let Some(signed) = res
            .cookies
            .iter()
            .find(|c| c.name == session_cookie && !c.value.is_empty() && !c.is_deletion())
            .map(|c| c.value.clone())
        else {
            return Ok(());
        };
        let Some(token) = sign::unsign(ctx.secret(), &signed) else {
            return Ok(());
        };
        let name = cookie_name(ctx, &token);
        if res.cookies.iter().any(|c| c.name == name) || req.cookie(&name).is_some() {
            return Ok(());
        }
        let held: Vec<(String, String)> = multi_cookies(req).cloned().collect();
        let mut replaced = 0;
        if !held.is_empty() {
            let Some(user_id) = user_of(ctx, req, &token).await? else {
                return Ok(());
            };
            for (key, value) in &held {
                let Some(other) = sign::unsign(ctx.secret(), value) else {
                    continue;
                };
                // A cookie under another spelling of this name must not delete the new session.
                if other == token {
                    continue;
                }
                let same_user = session::find_live(ctx, &other)
                    .await?
                    .is_some_and(|s| s.user_id() == user_id);
                if same_user {
                    session::delete_by_token(ctx, &other).await?;
                    res.cookies.push(expire(ctx, key));
                    replaced += 1;
                }
            }
        }
        // Better Auth counts every multi cookie the browser sent, and the new session.
        if held.len() - replaced + 1 > self.settings.maximum {
            return Ok(());
        }
        let max_age = ctx.config.session.expires_in;
        res.cookies.push(multi_cookie(ctx, name, signed, max_age));
        Ok(())
    }
}

/// The user of the session `token` names: the one this request issued or authenticated with,
/// else looked up.
async fn user_of(
    ctx: &AuthContext,
    req: &AuthRequest,
    token: &str,
) -> Result<Option<String>, ApiError> {
    if let Some(issued) = req.state.issued()
        && issued.session.token == token
    {
        return Ok(Some(issued.session.user_id().to_owned()));
    }
    if let Some(s) = req.session.as_ref().filter(|s| s.token == token) {
        return Ok(Some(s.user_id().to_owned()));
    }
    Ok(session::find_live(ctx, token)
        .await?
        .map(|s| s.user_id().to_owned()))
}

/// Sign-out ends every session the browser's validly signed multi cookies name, and expires
/// those cookies (by the names the browser sent).
async fn sign_out_all(ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
    for (name, token) in signed_tokens(ctx, req) {
        res.cookies.push(expire(ctx, &name));
        if let Err(e) = session::delete_by_token(ctx, &token).await {
            tracing::error!(error = %e.status, "multi-session: could not end a session at sign-out");
        }
    }
}

async fn list_device_sessions(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let mut seen_users: Vec<String> = Vec::new();
    let mut list = Vec::new();
    for s in live_sessions(ctx, req).await? {
        if seen_users.iter().any(|u| u == s.user_id()) {
            continue;
        }
        seen_users.push(s.user_id().to_owned());
        list.push(session::session_with_user_json(ctx, &s));
    }
    Ok(AuthResponse::json(serde_json::Value::Array(list)).no_store())
}

async fn set_active(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let (name, token) = chosen_token(ctx, req)?;
    let now = ctx.now();
    let Some(s) = session::find_live(ctx, &token)
        .await?
        .filter(|s| s.expires_at().is_some_and(|e| e > now))
    else {
        return Err(invalid_token().with_cookies(vec![expire(ctx, &name)]));
    };
    let cookies = session::session_cookies(ctx, &s, session::dont_remember(ctx, req));
    Ok(AuthResponse::json(session::session_with_user_json(ctx, &s)).cookies(cookies))
}

async fn revoke(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let (name, token) = chosen_token(ctx, req)?;
    session::delete_by_token(ctx, &token).await?;
    let mut res = AuthResponse::json(json!({"status": true})).cookies(vec![expire(ctx, &name)]);
    if me.token != token {
        return Ok(res);
    }
    // The current session went: switch to another of the browser's sessions, or sign out.
    let next = live_sessions(ctx, req).await?.into_iter().next();
    res = match next {
        Some(s) => res.cookies(session::session_cookies(
            ctx,
            &s,
            session::dont_remember(ctx, req),
        )),
        None => res.cookies(ctx.cookies.clear_session()),
    };
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_from(pairs: &[(&str, &str)]) -> Result<Option<MultiSessionSettings>, ConfigError> {
        MultiSessionSettings::load(&crate::tests::config_of(pairs)?)
    }

    #[test]
    fn off_unless_enabled_with_better_auths_maximum() {
        assert_eq!(settings_from(&[]).expect("load"), None);
        let on = settings_from(&[("ENABLE_MULTI_SESSION", "true")])
            .expect("load")
            .expect("on");
        assert_eq!(on, MultiSessionSettings { maximum: 5 });
        let three = settings_from(&[
            ("ENABLE_MULTI_SESSION", "true"),
            ("MULTI_SESSION_MAXIMUM", "3"),
        ])
        .expect("load")
        .expect("on");
        assert_eq!(three.maximum, 3);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("MULTI_SESSION_MAXIMUM", "0"),
            ("MULTI_SESSION_MAXIMUM", "51"),
            ("MULTI_SESSION_MAXIMUM", "-1"),
            ("MULTI_SESSION_MAXIMUM", "many"),
            ("ENABLE_MULTI_SESSION", "sometimes"),
        ] {
            let err =
                settings_from(&[("ENABLE_MULTI_SESSION", "true"), (var, value)]).expect_err(value);
            assert_eq!(err.var, var, "{value}: {err}");
        }
    }
}
