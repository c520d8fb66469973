//! `POST /sign-in/email`

use http::Method;
use portcullis_storage::{Row, Value, Where};
use serde_json::json;

use crate::audit::Refusal;
use crate::context::AuthContext;
use crate::endpoint::{AuthRequest, AuthResponse, Endpoint};
use crate::error::{ApiError, codes};
use crate::issue::{Issued, SignIn, issue_session};
use crate::lockout::Lockout;
use crate::openapi::schema;
use crate::session;
use crate::users;
use crate::validate::{BodySpec, FieldSpec, Ty, is_email};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(Method::POST, "/sign-in/email", "signInEmail", crate::handler!(sign_in_email))
            .summary("Sign in with email and password", "Verifies the password and creates a session. Unknown emails take as long as wrong passwords.")
            .tag("Email and password")
            .body(BodySpec::object(vec![
                FieldSpec::req("email", Ty::String, "Email address"),
                FieldSpec::req("password", Ty::String, "Password"),
                FieldSpec::opt("callbackURL", Ty::String, "Returned as `url` with `redirect: true`"),
                FieldSpec::opt("rememberMe", Ty::Boolean, "Defaults to true; false gives a browser-session cookie and a one-day session"),
            ]))
            .form()
            .returns(schema::password_sign_in()),
    ]
}

fn invalid() -> ApiError {
    ApiError::new(401, codes::INVALID_EMAIL_OR_PASSWORD)
}

async fn sign_in_email(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    if !ctx.config.email_password_enabled {
        return Err(ApiError::bad_request(codes::EMAIL_PASSWORD_DISABLED));
    }
    let email = req.str_field("email").unwrap_or_default();
    let password = req.str_field("password").unwrap_or_default();
    if !is_email(email) {
        return Err(ApiError::bad_request(codes::INVALID_EMAIL));
    }
    if password.encode_utf16().count() > ctx.config.password_max_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_LONG));
    }
    let by_email = [Where::eq("email", users::normalize_email(email))];
    let signed = password_sign_in(ctx, req, "email", &by_email, email, password, invalid).await?;
    Ok(signed.respond(|s| s.redirect_response(req)))
}

/// A right password: signed in, or held back by a plugin (a second factor's challenge).
pub enum PasswordSignIn {
    SignedIn(SignedIn),
    Held(AuthResponse),
}

impl PasswordSignIn {
    /// The answer: built by `signed_in`, or the plugin's.
    pub fn respond(self, signed_in: impl FnOnce(SignedIn) -> AuthResponse) -> AuthResponse {
        match self {
            PasswordSignIn::SignedIn(s) => signed_in(s),
            PasswordSignIn::Held(answer) => answer,
        }
    }
}

/// A successful password sign-in: the user as the API shows it, and the new session.
pub struct SignedIn {
    pub user: serde_json::Value,
    pub token: String,
    pub cookies: Vec<crate::cookies::SetCookie>,
}

impl SignedIn {
    /// `/sign-in/email`'s answer: `{redirect, token, url?, user}`, with `location` when a
    /// `callbackURL` was given.
    pub fn redirect_response(self, req: &AuthRequest) -> AuthResponse {
        let res = match req.str_field("callbackURL").filter(|u| !u.is_empty()) {
            Some(url) => AuthResponse::json(
                json!({"redirect": true, "token": self.token, "url": url, "user": self.user}),
            )
            .header("location", url),
            None => AuthResponse::json(
                json!({"redirect": false, "token": self.token, "user": self.user}),
            ),
        };
        res.cookies(self.cookies)
    }
}

/// Whether a right password is on the breach list. An unreachable range API never stops a
/// sign-in: the check at sign-in is a second line, and an outage must not lock everyone out.
async fn listed_at_sign_in(ctx: &AuthContext, password: &str) -> bool {
    matches!(
        ctx.breach_checker.is_breached(password, &ctx.metrics).await,
        Ok(true)
    )
}

/// The password check every identifier-based sign-in shares (email, username, phone number):
/// lockout, equal work for unknown users, rehash on an old hash, the verification requirement,
/// then a session. The user is the one matching `user_wheres`, found with its credential
/// account in one lookup. `method` is the login metric's label; `lockout_key` is the identifier
/// as typed; `invalid` is the route's 401.
pub async fn password_sign_in(
    ctx: &AuthContext,
    req: &AuthRequest,
    method: &'static str,
    user_wheres: &[Where],
    lockout_key: &str,
    password: &str,
    invalid: fn() -> ApiError,
) -> Result<PasswordSignIn, ApiError> {
    let hash_failed = |_| ApiError::internal();
    // Counted, and recorded with why (the user only when one exists).
    let refused = |reason: &str, user: Option<&Row>| -> ApiError {
        ctx.metrics.login_attempt(method, false);
        let user_id = user.and_then(|u| u.get("id")).and_then(Value::as_str);
        let refusal = Refusal::sign_in(method, reason)
            .identity(lockout_key)
            .user(user_id);
        crate::audit::refused(ctx, req, refusal);
        invalid()
    };
    // A locked identifier answers like a wrong password, after the same hashing work.
    let lockout = Lockout::new(ctx, lockout_key);
    let found = ctx
        .adapter
        .find_user_and_account(user_wheres, users::CREDENTIAL_PROVIDER)
        .await?;
    let locked = lockout.is_locked().await;
    let Some((user, account)) = found.filter(|_| !locked) else {
        ctx.hasher
            .verify_dummy(password)
            .await
            .map_err(hash_failed)?;
        lockout.failed().await;
        let reason = if locked { "locked" } else { "unknown_user" };
        return Err(refused(reason, None));
    };
    let stored = account
        .as_ref()
        .and_then(|a| a.get("password"))
        .and_then(Value::as_str);
    let Some(stored) = stored else {
        ctx.hasher
            .verify_dummy(password)
            .await
            .map_err(hash_failed)?;
        lockout.failed().await;
        return Err(refused("no_password", Some(&user)));
    };
    let verified = ctx
        .hasher
        .verify(password, stored)
        .await
        .map_err(hash_failed)?;
    if !verified.ok {
        lockout.failed().await;
        return Err(refused("invalid_password", Some(&user)));
    }
    lockout.succeeded().await;
    if verified.needs_rehash
        && let Some(id) = account
            .as_ref()
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str)
    {
        users::rehash_password(ctx, id, password).await;
    }
    if ctx.config.require_email_verification
        && user.get("emailVerified").and_then(Value::as_bool) != Some(true)
    {
        // The password was right: help the owner finish verifying.
        crate::routes::email_verification::send_verification(
            ctx,
            &user,
            req.str_field("callbackURL"),
        )?;
        // Counted and recorded as a refusal; answered with its own code.
        let _ = refused("email_not_verified", Some(&user));
        return Err(ApiError::new(403, codes::EMAIL_NOT_VERIFIED));
    }
    if ctx.config.breach_check.at_sign_in && listed_at_sign_in(ctx, password).await {
        // The password was right but is known from breaches: no session until it is replaced,
        // and the owner gets the link to do so (ASVS V2.1.7).
        if let Some(email) = user.get("email").and_then(Value::as_str) {
            crate::routes::password_reset::send_reset_link(ctx, email, None).await?;
        }
        let _ = refused("password_compromised", Some(&user));
        return Err(ApiError::with_message(
            403,
            codes::PASSWORD_COMPROMISED,
            "The password you entered has been compromised. We have e-mailed you a link to choose a new one.",
        ));
    }

    let dont_remember = req.bool_field("rememberMe") == Some(false);
    let user_json = session::user_json(ctx, &user);
    let sign_in = SignIn::new(user, method).dont_remember(dont_remember);
    Ok(match issue_session(ctx, req, sign_in).await? {
        Issued::Session { session, cookies } => PasswordSignIn::SignedIn(SignedIn {
            user: user_json,
            token: session.token,
            cookies,
        }),
        Issued::Held(answer) => PasswordSignIn::Held(answer),
    })
}
