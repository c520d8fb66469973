//! Session issuance, in one place. Every first factor ends here before a session exists:
//! password sign-in of every kind, sign-up, magic link, e-mail and phone codes, anonymous
//! sign-in, and later OAuth callbacks.
//!
//! 1. Each plugin whose `hooks().issue` is set may hold the session back and answer instead
//!    (two-factor answers with its challenge): nothing is created, nothing is announced.
//! 2. The new-device check reads the user's sessions before the new one exists.
//! 3. The session is created (in the caller's transaction, if it has one), its cookies built,
//!    and the request's state records it.
//! 4. Only once the handler has answered with success does the engine announce it (`announce`):
//!    the login metric, the new-sign-in notice, and plugins' `session_issued` hooks (the audit
//!    log). A handler that fails after issuing, or a transaction that rolls back, announces
//!    nothing.

use portcullis_storage::{Row, Value, Where};
use serde_json::json;

use crate::context::AuthContext;
use crate::cookies::SetCookie;
use crate::endpoint::{AuthRequest, AuthResponse};
use crate::error::{ApiError, codes};
use crate::request_state::IssuedSession;
use crate::session::{self, SessionWithUser};
use crate::writes::Writes;

/// A first factor that has succeeded: who, how, and for how long.
pub struct SignIn {
    pub user: Row,
    /// The login metric's `method` label, e.g. `email`, `magic-link`.
    pub method: &'static str,
    /// `rememberMe: false`: a one-day session whose cookie ends with the browser.
    pub dont_remember: bool,
    /// The user was created by this request: it has no other session to compare the device
    /// with, and its session is a registration, not a login.
    pub sign_up: bool,
    /// This one step proved two factors (a passkey with user verification: something held
    /// and something known or being): a second-factor plugin lets it through.
    pub both_factors: bool,
}

impl SignIn {
    pub fn new(user: Row, method: &'static str) -> Self {
        SignIn {
            user,
            method,
            dont_remember: false,
            sign_up: false,
            both_factors: false,
        }
    }

    /// The first session of a user created by this request.
    pub fn sign_up(user: Row, method: &'static str) -> Self {
        SignIn {
            sign_up: true,
            ..SignIn::new(user, method)
        }
    }

    pub fn dont_remember(mut self, dont_remember: bool) -> Self {
        self.dont_remember = dont_remember;
        self
    }

    pub fn both_factors(mut self, both_factors: bool) -> Self {
        self.both_factors = both_factors;
        self
    }
}

/// What a plugin's issue hook sees: the session about to be created.
pub struct PendingSession<'a> {
    pub user: &'a Row,
    pub method: &'static str,
    pub dont_remember: bool,
    /// See [`SignIn::both_factors`].
    pub both_factors: bool,
    /// The issuing writes' store: a hook reads and writes through it (a challenge's row), since
    /// inside the caller's transaction a second connection could wait for the one it holds
    /// (SQLite's single writer), and a held first factor commits with its challenge.
    pub store: &'a dyn portcullis_storage::Store,
}

impl PendingSession<'_> {
    pub fn user_id(&self) -> &str {
        self.user
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// The outcome of issuance.
pub enum Issued {
    /// The session exists; send these cookies.
    Session {
        session: SessionWithUser,
        cookies: Vec<SetCookie>,
    },
    /// A plugin held the session back: answer with this instead (a challenge).
    Held(AuthResponse),
}

impl Issued {
    /// The handler's answer: built by `signed_in` from the session and its cookies, or the
    /// plugin's answer when one held the session back.
    pub fn respond(
        self,
        signed_in: impl FnOnce(SessionWithUser, Vec<SetCookie>) -> AuthResponse,
    ) -> AuthResponse {
        match self {
            Issued::Session { session, cookies } => signed_in(session, cookies),
            Issued::Held(answer) => answer,
        }
    }
}

/// Issues a session for `sign_in`, committing it at once.
pub async fn issue_session(
    ctx: &AuthContext,
    req: &AuthRequest,
    sign_in: SignIn,
) -> Result<Issued, ApiError> {
    let mut writes = ctx.writes();
    issue_session_in(ctx, req, &mut writes, sign_in).await
}

/// Issues a session inside the caller's writes (sign-up creates the user, its account and the
/// session in one transaction).
pub async fn issue_session_in(
    ctx: &AuthContext,
    req: &AuthRequest,
    writes: &mut Writes<'_>,
    sign_in: SignIn,
) -> Result<Issued, ApiError> {
    let pending = PendingSession {
        user: &sign_in.user,
        method: sign_in.method,
        dont_remember: sign_in.dont_remember,
        both_factors: sign_in.both_factors,
        store: writes.store(),
    };
    for p in ctx.live_plugins().filter(|p| p.hooks().issue) {
        match p.hold_session(ctx, req, &pending).await {
            Ok(Some(answer)) => return Ok(Issued::Held(answer)),
            Ok(None) => {}
            Err(refused) => {
                // Refused after the proof was right (a ban): one record for every method.
                let reason = refused.code.as_deref().unwrap_or("refused").to_lowercase();
                let refusal = crate::audit::Refusal::sign_in(sign_in.method, &reason)
                    .user(Some(pending.user_id()));
                crate::audit::refused(ctx, req, refusal);
                return Err(refused);
            }
        }
    }
    let user_id = pending.user_id().to_owned();
    let alert = ctx.config.email.new_sign_in_alert;
    let audited = crate::audit::enabled(ctx);
    // Looked up for the alert, and for the audit event (the new-device detector reads it).
    let device_new = !sign_in.sign_up
        && (alert || audited)
        && matches!(
            is_new_device(ctx, writes.store(), &user_id, req.user_agent()).await,
            Ok(true)
        );
    let new_device = alert && device_new;
    let (row, token) =
        session::create_session(ctx, writes.store(), &user_id, req, sign_in.dont_remember)
            .await
            .map_err(|e| {
                // The database is away: 503, as every other request answers meanwhile, so
                // that clients retry instead of reporting a failed sign-in.
                if e.status == 503 {
                    return e;
                }
                tracing::warn!(error = ?e, "session could not be created");
                ApiError::new(401, codes::FAILED_TO_CREATE_SESSION)
            })?;
    let session = SessionWithUser {
        session: row.into(),
        user: sign_in.user.into(),
        token,
        from_cookie_cache: false,
    };
    // With the session, in the issuing writes: a sign-up's event commits with its user.
    if crate::audit::enabled(ctx) {
        let event = crate::audit::AuditEvent::new(if sign_in.sign_up {
            "user.sign_up"
        } else {
            "user.sign_in"
        })
        .from_request(req)
        .actor(user_id.as_str())
        .target_user(user_id.as_str())
        .session(session.id())
        .detail("method", sign_in.method)
        .detail("newDevice", device_new);
        crate::audit::record(ctx, writes.store(), event).await?;
    }
    let cookies = session::session_cookies(ctx, &session, sign_in.dont_remember);
    req.state.set_issued(IssuedSession {
        session: session.clone(),
        method: sign_in.method,
        new_device,
        sign_up: sign_in.sign_up,
    });
    Ok(Issued::Session { session, cookies })
}

/// Run by the engine after a handler answered with success: the effects of the session the
/// request issued, if any.
pub(crate) async fn announce(ctx: &AuthContext, req: &AuthRequest) {
    let Some(issued) = req.state.issued() else {
        return;
    };
    if !issued.sign_up {
        ctx.metrics.login_attempt(issued.method, true);
    }
    if issued.new_device {
        notify_new_device(ctx, &issued.session.user, req);
    }
    for p in ctx.live_plugins().filter(|p| p.hooks().issue) {
        p.session_issued(ctx, req, &issued).await;
    }
}

fn notify_new_device(ctx: &AuthContext, user: &Row, req: &AuthRequest) {
    let Some(email) = user.get("email").and_then(Value::as_str) else {
        return;
    };
    let mut vars = json!({
        "user": session::user_json(ctx, user),
        "url": crate::links::page_url(ctx, "/account"),
        "reset_url": crate::links::page_url(ctx, "/forgot-password"),
    });
    // Described as the security notices describe a request (`notices.rs`).
    crate::notices::RequestOrigin::of(ctx, req).insert_into(&mut vars);
    ctx.delivery
        .send_email(email, portcullis_delivery::EmailTemplate::NewSignIn, vars);
}

/// Whether `user_id` has live sessions and none from `agent`. In the database this is one or
/// two indexed lookups of a single row, not a read of every session: a user who signs in often
/// (a script, a test account) gathers sessions, and each sign-in would otherwise cost as much as
/// listing them all (it was a tenth of a sign-in's CPU, beside the password hash, in the bench).
///
/// Read through `store`, the issuing writes: inside a transaction, a second connection could
/// wait for a pool that transactions like this one hold.
async fn is_new_device(
    ctx: &AuthContext,
    store: &dyn portcullis_storage::Store,
    user_id: &str,
    agent: &str,
) -> Result<bool, ApiError> {
    if ctx.config.session.store_in_secondary {
        let sessions = session::list_user_sessions(ctx, user_id).await?;
        let known = sessions
            .iter()
            .any(|s| s.get("userAgent").and_then(Value::as_str) == Some(agent));
        return Ok(!sessions.is_empty() && !known);
    }
    let live = [
        Where::eq("userId", user_id),
        Where::op("expiresAt", portcullis_storage::WhereOp::Gt, ctx.now()),
    ];
    let from_agent = [live.as_slice(), &[Where::eq("userAgent", agent)]].concat();
    if store.find_one("session", &from_agent).await?.is_some() {
        return Ok(false);
    }
    Ok(store.find_one("session", &live).await?.is_some())
}
