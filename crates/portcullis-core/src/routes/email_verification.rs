//! Email verification: `POST /send-verification-email` and `GET /verify-email`, including the
//! two steps of a change of address.

use http::Method;
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Row, Value};
use serde_json::json;

use crate::context::AuthContext;
use crate::crypto::email_token::{self, EmailClaims, TokenError};
use crate::endpoint::{AuthRequest, AuthResponse, Endpoint};
use crate::error::{ApiError, ErrorCode, codes};
use crate::issue::{Issued, SignIn, issue_session};
use crate::notices::{self, Notice};
use crate::openapi::schema;
use crate::session::{self, Lookup};
use crate::validate::{BodySpec, FieldSpec, Ty};
use crate::{links, users};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(Method::POST, "/send-verification-email", "sendVerificationEmail", crate::handler!(send_verification_email))
            .summary("Send the verification email", "Sends a link that verifies the address. Without a session the answer is the same whether the address exists or not.")
            .tag("Email verification")
            .body(BodySpec::object(vec![
                FieldSpec::req("email", Ty::Email, "The address to verify"),
                FieldSpec::opt("callbackURL", Ty::String, "Where the link leads after verifying"),
            ]))
            .returns(schema::described(schema::status(), "The same whether or not the address has an account")),
        Endpoint::new(Method::GET, "/verify-email", "verifyEmail", crate::handler!(verify_email))
            .summary("Verify an email address", "The link from the verification email. Redirects to `callbackURL` (with `?error=CODE` on failure), or answers JSON without one.")
            .tag("Email verification")
            .query(&[("token", "The token from the email"), ("callbackURL", "Where to go afterwards")])
            .returns_as("Without `callbackURL`", schema::object_with(json!({
                "status": schema::always_true("Done"),
                "user": schema::described(schema::nullable(schema::user()), "`null` for a verification; for a change of address, absent after its first link and the updated user after its second"),
            }), &["status"]))
            .redirects("With `callbackURL`: to it, with `?error=CODE` when the token is bad, expired or used"),
    ]
}

fn user_str<'a>(user: &'a Row, field: &str) -> &'a str {
    user.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn minutes(secs: i64) -> i64 {
    (secs + 59) / 60
}

/// Emails `to` a link carrying `claims`.
fn send_link(
    ctx: &AuthContext,
    to: &str,
    template: EmailTemplate,
    claims: &EmailClaims,
    callback_url: Option<&str>,
    user: &Row,
) -> Result<(), ApiError> {
    let token = email_token::sign(ctx.secret(), claims)
        .map_err(|_| ApiError::bad_request(codes::FAILED_TO_CREATE_VERIFICATION))?;
    let url = links::api_url(
        ctx,
        "/verify-email",
        &[
            ("token", token.as_str()),
            (
                "callbackURL",
                callback_url
                    .filter(|c| !c.is_empty())
                    .unwrap_or(HOSTED_VERIFY_PAGE),
            ),
        ],
    );
    ctx.delivery.send_email(
        to,
        template,
        json!({
            "url": url,
            "new_email": claims.update_to,
            "user": session::user_json(ctx, user),
            "expires_in_minutes": minutes(ctx.config.email.verification_expires_in),
        }),
    );
    Ok(())
}

/// Sends `user` the link that verifies their current address.
pub fn send_verification(
    ctx: &AuthContext,
    user: &Row,
    callback_url: Option<&str>,
) -> Result<(), ApiError> {
    let email = user_str(user, "email");
    let claims = EmailClaims::new(
        email,
        user_str(user, "id"),
        ctx.config.email.verification_expires_in,
        ctx.now(),
    );
    send_link(
        ctx,
        email,
        EmailTemplate::Verification,
        &claims,
        callback_url,
        user,
    )
}

/// Starts a change of address: approval by the old address when it is verified, else a
/// verification link to the new one.
pub fn send_change_email(
    ctx: &AuthContext,
    user: &Row,
    new_email: &str,
    callback_url: Option<&str>,
) -> Result<(), ApiError> {
    let email = user_str(user, "email");
    let mut claims = EmailClaims::new(
        email,
        user_str(user, "id"),
        ctx.config.email.verification_expires_in,
        ctx.now(),
    );
    claims.update_to = Some(new_email.to_owned());
    if user.get("emailVerified").and_then(Value::as_bool) == Some(true) {
        claims.request_type = Some("change-email-confirmation".into());
        send_link(
            ctx,
            email,
            EmailTemplate::ChangeEmail,
            &claims,
            callback_url,
            user,
        )
    } else {
        claims.request_type = Some("change-email-verification".into());
        send_link(
            ctx,
            new_email,
            EmailTemplate::Verification,
            &claims,
            callback_url,
            user,
        )
    }
}

async fn send_verification_email(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let email = users::normalize_email(req.str_field("email").unwrap_or_default());
    let callback = req.str_field("callbackURL");
    if let Lookup::Found(s) = session::lookup(ctx, req, false).await? {
        if user_str(&s.user, "email") != email {
            return Err(ApiError::bad_request(codes::EMAIL_MISMATCH));
        }
        if s.user.get("emailVerified").and_then(Value::as_bool) == Some(true) {
            return Err(ApiError::bad_request(codes::EMAIL_ALREADY_VERIFIED));
        }
        send_verification(ctx, &s.user, callback)?;
        return Ok(AuthResponse::json(json!({"status": true})));
    }
    // Without a session, the answer never says whether the address is known or verified, not
    // even by its timing: the lookup and the send happen once the answer is out.
    let callback = callback.map(str::to_owned);
    ctx.defer(
        "verification-email",
        Some(email.clone()),
        move |ctx| async move {
            if let Some(user) = users::find_user_by_email(&ctx, &email).await?
                && user.get("emailVerified").and_then(Value::as_bool) != Some(true)
            {
                send_verification(&ctx, &user, callback.as_deref())?;
            }
            Ok(())
        },
    );
    Ok(AuthResponse::json(json!({"status": true})))
}

/// A failure: to `callbackURL?error=CODE` when there is one, else JSON 401.
fn fail(req: &AuthRequest, code: ErrorCode) -> Result<AuthResponse, ApiError> {
    match req.query_param("callbackURL").filter(|c| !c.is_empty()) {
        Some(cb) => Ok(AuthResponse::redirect(&links::append_error(cb, code.code))),
        None => Err(ApiError::new(401, code)),
    }
}

/// The hosted page a link leads to when the request that sent it named no `callbackURL`
/// (Better Auth sends such links to `/`, where nothing would say what happened).
const HOSTED_VERIFY_PAGE: &str = "/verify-email";

/// What a link did, told to the hosted verify page only: every other callback gets exactly the
/// address it asked for, as in Better Auth.
#[derive(Clone, Copy)]
enum Outcome {
    Verified,
    AlreadyVerified,
    ChangeApproved,
    EmailChanged,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::AlreadyVerified => "already-verified",
            Outcome::ChangeApproved => "change-approved",
            Outcome::EmailChanged => "email-changed",
        }
    }
}

fn done(
    ctx: &AuthContext,
    req: &AuthRequest,
    outcome: Outcome,
    body: serde_json::Value,
) -> AuthResponse {
    match req.query_param("callbackURL").filter(|c| !c.is_empty()) {
        Some(cb) if is_hosted_verify_page(ctx, cb) => AuthResponse::redirect(&links::resolve_with(
            ctx,
            cb,
            &[("status", outcome.as_str())],
        )),
        Some(cb) => AuthResponse::redirect(cb),
        None => AuthResponse::json(body),
    }
}

/// `/verify-email` on this server, relative or absolute.
fn is_hosted_verify_page(ctx: &AuthContext, target: &str) -> bool {
    ctx.config
        .base_url
        .join(target)
        .is_ok_and(|u| u.origin() == ctx.config.base_url.origin() && u.path() == HOSTED_VERIFY_PAGE)
}

async fn verify_email(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let token = req.query_param("token").unwrap_or_default();
    let claims = match email_token::verify(ctx.secret(), token, ctx.now()) {
        Ok(c) => c,
        Err(TokenError::Expired) => return fail(req, codes::TOKEN_EXPIRED),
        Err(TokenError::Invalid) => return fail(req, codes::INVALID_TOKEN),
    };
    let Some(user) = users::find_user_by_email(ctx, &claims.email).await? else {
        return fail(req, codes::USER_NOT_FOUND);
    };
    let user_id = user_str(&user, "id").to_owned();
    if claims.user_id.as_deref().is_some_and(|id| id != user_id) {
        return fail(req, codes::INVALID_TOKEN);
    }
    if let Some(new_email) = claims.update_to.as_deref() {
        return change_email_step(ctx, req, &claims, &user, new_email).await;
    }

    let was_verified = user.get("emailVerified").and_then(Value::as_bool) == Some(true);
    let user = if was_verified {
        user
    } else {
        let mut set = Row::new();
        set.insert("emailVerified".into(), true.into());
        set.insert("updatedAt".into(), ctx.now().into());
        let updated = ctx
            .writes()
            .update_user(&user_id, set)
            .await?
            .ok_or_else(|| ApiError::new(401, codes::USER_NOT_FOUND))?;
        // The welcome waits for the address when sign-up sent a link to prove it.
        if ctx.config.email.welcome_email && ctx.config.email.send_verification_on_sign_up {
            send_welcome(ctx, &updated);
        }
        updated
    };

    let outcome = if was_verified {
        Outcome::AlreadyVerified
    } else {
        Outcome::Verified
    };
    let res = done(ctx, req, outcome, json!({"status": true, "user": null}));
    // As Better Auth: cookies only with auto sign-in, and only when this link verified the
    // address. The caller's own session is set again (its cookie cache then shows
    // emailVerified); anyone else gets a new session for this user.
    if !ctx.config.email.auto_sign_in_after_verification || was_verified {
        return Ok(res);
    }
    let cookies = match session::lookup(ctx, req, false).await? {
        Lookup::Found(mut s) if s.user_id() == user_id => {
            s.user = user.into();
            let dont_remember = session::dont_remember(ctx, req);
            session::session_cookies(ctx, &s, dont_remember)
        }
        _ => match issue_session(ctx, req, SignIn::new(user, "email-verification")).await? {
            Issued::Session { cookies, .. } => cookies,
            Issued::Held(answer) => return Ok(answer),
        },
    };
    Ok(res.cookies(cookies))
}

/// Steps two and three of a change of address.
async fn change_email_step(
    ctx: &AuthContext,
    req: &AuthRequest,
    claims: &EmailClaims,
    user: &Row,
    new_email: &str,
) -> Result<AuthResponse, ApiError> {
    match claims.request_type.as_deref() {
        Some("change-email-confirmation") => {
            // The old address approved: now prove the new one.
            let mut next = claims.clone();
            next.request_type = Some("change-email-verification".into());
            let now = ctx.now().timestamp();
            next.iat = now;
            next.exp = now + ctx.config.email.verification_expires_in;
            send_link(
                ctx,
                new_email,
                EmailTemplate::Verification,
                &next,
                req.query_param("callbackURL"),
                user,
            )?;
            Ok(done(
                ctx,
                req,
                Outcome::ChangeApproved,
                json!({"status": true}),
            ))
        }
        Some("change-email-verification") => {
            if users::find_user_by_email(ctx, new_email).await?.is_some() {
                return fail(req, codes::USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL);
            }
            let user_id = user_str(user, "id");
            let mut set = Row::new();
            set.insert("email".into(), users::normalize_email(new_email).into());
            // As Better Auth, emailVerified stays as it was. An unverified account stays
            // unverified: whoever created it has not proven the address it was created with,
            // so it must not become a verified account for the new one either (which would
            // spare it the clean-up a proven mailbox's passwordless sign-in does).
            set.insert("updatedAt".into(), ctx.now().into());
            let mut w = crate::audit::writes(ctx).await?;
            let updated = match w.update_user(user_id, set).await {
                Ok(Some(u)) => u,
                Ok(None) => return fail(req, codes::USER_NOT_FOUND),
                Err(portcullis_storage::StorageError::UniqueViolation) => {
                    return fail(req, codes::USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL);
                }
                Err(e) => return Err(e.into()),
            };
            // The link proved the user's mailboxes: they acted, signed in or not.
            let event = crate::audit::AuditEvent::new("user.change_email")
                .from_request(req)
                .actor(user_id)
                .target_user(user_id)
                .detail("previousEmail", user_str(user, "email"))
                .detail("newEmail", user_str(&updated, "email"));
            crate::audit::record(ctx, w.store(), event).await?;
            w.commit().await?;
            // To the address the account had: whoever lost it must hear of it there.
            notices::send_to_user(ctx, req, user, Notice::EmailChanged { new_email });
            let mut res = done(
                ctx,
                req,
                Outcome::EmailChanged,
                json!({"status": true, "user": session::user_json(ctx, &updated)}),
            );
            if let Lookup::Found(mut s) = session::lookup(ctx, req, false).await?
                && s.user_id() == user_id
            {
                s.user = updated.into();
                let dont_remember = session::dont_remember(ctx, req);
                res = res.cookies(session::session_cookies(ctx, &s, dont_remember));
            }
            Ok(res)
        }
        _ => fail(req, codes::INVALID_TOKEN),
    }
}

/// Greets a new user.
pub fn send_welcome(ctx: &AuthContext, user: &Row) {
    ctx.delivery.send_email(
        user_str(user, "email"),
        EmailTemplate::Welcome,
        json!({"user": session::user_json(ctx, user), "url": links::page_url(ctx, "/sign-in")}),
    );
}
