//! Session endpoints: get-session, update-session, sign-out, list-sessions, revoke-session(s).

use http::Method;
use portcullis_storage::Value;
use serde_json::json;

use crate::audit::{self, AuditEvent};
use crate::context::AuthContext;
use crate::endpoint::{Auth, AuthRequest, AuthResponse, Body, Endpoint, ResponseBody};
use crate::error::{ApiError, codes};
use crate::openapi::schema;
use crate::session::{self, Lookup, SessionWithUser};
use crate::users;
use crate::validate::{BodyKind, BodySpec, FieldSpec, Ty};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(Method::GET, "/get-session", "getSession", crate::handler!(get_session))
            .summary("Get the current session", "Returns `{session, user}` or `null`. Extends the session when it is older than the update age.")
            .tag("Session")
            .query(&[("disableCookieCache", "Any non-empty value skips the signed cookie cache"), ("disableRefresh", "Any non-empty value skips extending the session")])
            .returns(schema::described(
                schema::nullable(schema::object(json!({"session": schema::session(), "user": schema::user()}))),
                "The session and its user, or `null` without a valid session",
            )),
        Endpoint::new(Method::POST, "/get-session", "getSessionPost", crate::handler!(get_session_post))
            .summary("Deferred session refresh", "Not enabled: answers 405 as Better Auth does without `deferSessionRefresh`.")
            .tag("Session")
            .response(405, "Always: deferred session refresh is not enabled (`METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED`)", ResponseBody::Json(schema::component("Error"))),
        Endpoint::new(Method::POST, "/update-session", "updateSession", crate::handler!(update_session))
            .summary("Update the session", "Sets additional session fields (SESSION_ADDITIONAL_FIELDS) whose input is allowed; answers `{session}`.")
            .tag("Session")
            .auth(Auth::Session)
            .body(BodySpec {
                kind: BodyKind::Record,
                fields: Vec::new(),
                optional: false,
            })
            .returns(schema::object(json!({"session": schema::session()}))),
        Endpoint::new(Method::POST, "/sign-out", "signOut", crate::handler!(sign_out))
            .summary("Sign out", "Deletes the current session and clears the session cookies. Works without a session.")
            .tag("Session")
            .body(BodySpec::optional(vec![
                FieldSpec::opt("callbackURL", Ty::String, "Where the provider sends the browser after its own logout (RP-initiated logout)"),
                FieldSpec::opt("disableRedirect", Ty::Boolean, "Answer the provider's logout URL without a Location header"),
                FieldSpec::opt("state", Ty::String, "Passed to the provider's logout endpoint"),
            ]))
            .returns(schema::success()),
        Endpoint::new(Method::GET, "/list-sessions", "listSessions", crate::handler!(list_sessions))
            .summary("List the user's sessions", "Active sessions of the signed-in user. Requires a fresh session.")
            .tag("Session")
            .auth(Auth::Fresh)
            .returns(schema::array(schema::session())),
        Endpoint::new(Method::POST, "/revoke-session", "revokeSession", crate::handler!(revoke_session))
            .summary("Revoke one session", "Deletes the caller's session with that token (as returned by list-sessions).")
            .tag("Session")
            .auth(Auth::Sensitive)
            .body(BodySpec::object(vec![
                FieldSpec::req("token", Ty::String, "Session token from list-sessions"),
                FieldSpec::opt("password", Ty::String, REAUTH_PASSWORD),
            ]))
            .returns(schema::described(schema::status(), "Also when no session of the user has that token")),
        Endpoint::new(Method::POST, "/revoke-sessions", "revokeSessions", crate::handler!(revoke_sessions))
            .summary("Revoke all sessions", "Deletes every session of the user, this one included.")
            .tag("Session")
            .auth(Auth::Sensitive)
            .body(BodySpec::optional(vec![FieldSpec::opt("password", Ty::String, REAUTH_PASSWORD)]))
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/revoke-other-sessions", "revokeOtherSessions", crate::handler!(revoke_other_sessions))
            .summary("Revoke other sessions", "Deletes every session of the user except this one.")
            .tag("Session")
            .auth(Auth::Sensitive)
            .body(BodySpec::optional(vec![FieldSpec::opt("password", Ty::String, REAUTH_PASSWORD)]))
            .returns(schema::status()),
    ]
}

const REAUTH_PASSWORD: &str = "The user's password, asked again when SESSION_REVOKE_REAUTHENTICATION is on (unless the session signed in within SESSION_REVOKE_REAUTHENTICATION_AGE)";

/// With `SESSION_REVOKE_REAUTHENTICATION` (ASVS V3.3.4), ending sessions needs the password
/// again, or a sign-in that recent: a stolen session alone cannot shut its owner out. A user
/// without a password signs in again instead.
async fn reauthenticated(
    ctx: &AuthContext,
    req: &AuthRequest,
    me: &SessionWithUser,
) -> Result<(), ApiError> {
    let Some(window) = ctx.config.session.revoke_reauthentication else {
        return Ok(());
    };
    if let Some(password) = req.str_field("password") {
        return crate::routes::user::confirm_password(ctx, me, password).await;
    }
    let recent = me
        .created_at()
        .is_some_and(|c| (ctx.now() - c).num_seconds() < window);
    if recent {
        Ok(())
    } else {
        Err(ApiError::new(403, codes::REAUTHENTICATION_REQUIRED))
    }
}

/// zod's `coerce.boolean` on a query string: any non-empty value is true.
fn query_flag(req: &AuthRequest, name: &str) -> bool {
    req.query_param(name).is_some_and(|v| !v.is_empty())
}

async fn get_session(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let use_cache = !query_flag(req, "disableCookieCache");
    let res = match session::lookup(ctx, req, use_cache).await? {
        Lookup::Absent => AuthResponse::json(serde_json::Value::Null),
        Lookup::Gone => {
            AuthResponse::json(serde_json::Value::Null).cookies(ctx.cookies.clear_session())
        }
        Lookup::Found(mut s) => {
            let dont_remember = session::dont_remember(ctx, req);
            let mut cookies = Vec::new();
            if !s.from_cookie_cache
                && !dont_remember
                && !query_flag(req, "disableRefresh")
                && session::refresh_if_due(ctx, &mut s).await?
            {
                cookies = session::session_cookies(ctx, &s, false);
            } else if !s.from_cookie_cache && ctx.config.session.cookie_cache_max_age > 0 {
                // Warm the cookie cache so the next check needs no database round trip.
                cookies = session::session_cookies(ctx, &s, dont_remember)
                    .into_iter()
                    .filter(|c| c.name == ctx.cookies.session_data())
                    .collect();
            }
            let mut res = AuthResponse::new(
                200,
                Body::JsonBytes(session::session_with_user_bytes(ctx, &s)),
            )
            .cookies(cookies);
            res.log.user_id = Some(s.user_id().to_owned());
            req.state.set_found_session(s);
            res
        }
    };
    Ok(res.no_store())
}

async fn get_session_post(
    _ctx: &AuthContext,
    _req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    Ok(AuthResponse::from_error(ApiError::new(
        405,
        codes::METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED,
    ))
    .no_store())
}

/// Better Auth's update-session: only additional session fields are input; core fields and
/// unknown keys are ignored, and nothing left to set is a 400 without a code.
async fn update_session(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut s = req.session()?.clone();
    let body = req
        .body
        .as_ref()
        .and_then(|b| b.as_object())
        .cloned()
        .unwrap_or_default();
    let set = users::additional_input(
        ctx.session_table(),
        session::CORE_SESSION_FIELDS,
        &body,
        false,
    )?;
    if set.is_empty() {
        return Err(ApiError::message_only(400, "No fields to update"));
    }
    if !session::update_fields(ctx, &mut s, set).await? {
        return Err(ApiError::new(401, codes::FAILED_TO_GET_SESSION)
            .with_cookies(ctx.cookies.clear_session()));
    }
    let dont_remember = session::dont_remember(ctx, req);
    // The same token again, with a cookie cache that carries the new fields.
    Ok(AuthResponse::json(
        json!({"session": session::session_json(ctx, &s.session, Some(&s.token))}),
    )
    .cookies(session::session_cookies(ctx, &s, dont_remember)))
}

async fn sign_out(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    end_browser_session(ctx, req).await?;
    Ok(AuthResponse::json(json!({"success": true})).cookies(ctx.cookies.clear_session()))
}

/// Ends the session the request's cookie names, audited, as sign-out does (also the OpenID
/// provider's RP-initiated logout). The caller clears the cookies in its answer.
pub async fn end_browser_session(ctx: &AuthContext, req: &AuthRequest) -> Result<(), ApiError> {
    if let Some(token) = session::token_from_cookies(ctx, req) {
        // The session's age feeds auth_session_duration_seconds; the delete goes through
        // delete_by_token so that any session cache is invalidated with it.
        let row = session::find_session_row(ctx, &token).await?;
        let created = row
            .as_ref()
            .and_then(|row| row.get("createdAt").and_then(Value::as_date));
        if audit::enabled(ctx) {
            sign_out_audited(ctx, req, &token).await?;
        } else {
            session::delete_by_token(ctx, &token).await?;
        }
        // For after-hooks: the oauth plugin's RP-initiated logout reads whose session it was.
        if let Some(user_id) = row
            .as_ref()
            .and_then(|r| r.get("userId"))
            .and_then(Value::as_str)
        {
            req.state.insert(session::SignedOut {
                user_id: user_id.to_owned(),
            });
        }
        if let Some(created) = created {
            let age = (ctx.now() - created).num_milliseconds() as f64 / 1000.0;
            ctx.metrics.session_ended(age);
        }
    }
    Ok(())
}

/// Sign-out with its audit event, in one transaction.
async fn sign_out_audited(
    ctx: &AuthContext,
    req: &AuthRequest,
    token: &str,
) -> Result<(), ApiError> {
    let Some(row) = session::find_session_row(ctx, token).await? else {
        // Already gone: nothing ended, nothing to record; a cached copy still goes.
        return session::delete_by_token(ctx, token).await;
    };
    let text = |name: &str| row.get(name).and_then(Value::as_str).unwrap_or_default();
    let (stored, user_id, id) = (text("token"), text("userId"), text("id"));
    let mut tx = ctx.begin().await?;
    tx.delete_sessions(session::Sessions::One {
        stored_token: stored,
        user_id,
    })
    .await?;
    let event = AuditEvent::new("user.sign_out")
        .from_request(req)
        .actor(user_id)
        .own()
        .session(id);
    audit::record(ctx, tx.store(), event).await?;
    // Commit evicts the ended session from the session cache.
    tx.commit().await
}

async fn list_sessions(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let rows = session::list_user_sessions(ctx, me.user_id()).await?;
    let list: Vec<_> = rows
        .iter()
        .map(|r| {
            let current = r.get("id").and_then(Value::as_str) == Some(me.id());
            // Only the caller's own raw token is known; other sessions carry their stored
            // (hashed) identifier, which revoke-session accepts.
            session::session_json(ctx, r, current.then_some(me.token.as_str()))
        })
        .collect();
    Ok(AuthResponse::json(serde_json::Value::Array(list)).no_store())
}

async fn revoke_session(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    reauthenticated(ctx, req, me).await?;
    let token = req.str_field("token").unwrap_or_default();
    // The caller's raw token, or the identifier list-sessions gave for another of their sessions.
    let hashed = crate::crypto::token::hash_token(token);
    let target = session::list_user_sessions(ctx, me.user_id())
        .await?
        .into_iter()
        .find(|r| {
            r.get("token")
                .and_then(Value::as_str)
                .is_some_and(|t| t == hashed || t == token)
        });
    let mut res = AuthResponse::json(json!({"status": true}));
    if let Some(target) = target {
        let stored = target
            .get("token")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let one = session::Sessions::One {
            stored_token: stored,
            user_id: me.user_id(),
        };
        let mut w = audit::writes(ctx).await?;
        w.delete_sessions(one).await?;
        let mut event = AuditEvent::new("session.revoke").from_request(req).own();
        if let Some(id) = target.get("id").and_then(Value::as_str) {
            event = event.target("session", id);
        }
        audit::record(ctx, w.store(), event).await?;
        w.commit().await?;
        if target.get("id").and_then(Value::as_str) == Some(me.id()) {
            res = res.cookies(ctx.cookies.clear_session());
        }
    }
    Ok(res)
}

async fn revoke_sessions(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    reauthenticated(ctx, req, me).await?;
    let all = session::Sessions::All {
        user_id: me.user_id(),
    };
    let mut w = audit::writes(ctx).await?;
    let gone = w.delete_sessions(all).await?;
    let event = AuditEvent::new("session.revoke_all")
        .from_request(req)
        .own()
        .detail("count", gone.len());
    audit::record(ctx, w.store(), event).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"status": true})).cookies(ctx.cookies.clear_session()))
}

async fn revoke_other_sessions(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    reauthenticated(ctx, req, me).await?;
    let stored = me
        .session
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let others = session::Sessions::AllBut {
        user_id: me.user_id(),
        keep_stored_token: stored,
    };
    let mut w = audit::writes(ctx).await?;
    let gone = w.delete_sessions(others).await?;
    let event = AuditEvent::new("session.revoke_others")
        .from_request(req)
        .own()
        .detail("count", gone.len());
    audit::record(ctx, w.store(), event).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"status": true})))
}
