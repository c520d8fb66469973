//! Password reset: request a link, follow it, set the new password.

use http::Method;
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Row, Value, Where};
use serde_json::json;

use crate::context::AuthContext;
use crate::crypto::token::generate_id;
use crate::endpoint::{AuthRequest, AuthResponse, Endpoint};
use crate::error::{ApiError, codes};
use crate::openapi::schema;
use crate::validate::{BodySpec, FieldSpec, Ty};
use crate::writes::Writes;
use crate::{links, session, users, verification};

const PREFIX: &str = "reset-password:";

pub fn endpoints() -> Vec<Endpoint> {
    let request_body = || {
        BodySpec::object(vec![
            FieldSpec::req("email", Ty::Email, "The account's email address"),
            FieldSpec::opt(
                "redirectTo",
                Ty::String,
                "The page that asks for the new password; the link adds ?token=",
            ),
        ])
    };
    let requested = || {
        schema::described(
            schema::object(json!({
                "status": schema::always_true("Done"),
                "message": schema::string("If this email exists in our system, check your email for the reset link"),
            })),
            "The same whether or not the address has an account",
        )
    };
    vec![
        Endpoint::new(Method::POST, "/request-password-reset", "requestPasswordReset", crate::handler!(request_password_reset))
            .summary("Request a password reset", "Emails a single-use link. The answer is the same whether the address exists or not.")
            .tag("Password reset")
            .body(request_body())
            .returns(requested()),
        Endpoint::new(Method::POST, "/forget-password", "forgetPassword", crate::handler!(request_password_reset))
            .summary("Request a password reset (old path)", "The path Better Auth used before 1.4; same as `/request-password-reset`.")
            .tag("Password reset")
            .body(request_body())
            .returns(requested()),
        Endpoint::new(Method::GET, "/reset-password/:token", "resetPasswordCallback", crate::handler!(reset_password_callback))
            .summary("Follow a reset link", "Redirects to `callbackURL` with `?token=`, or `?error=INVALID_TOKEN` when the link is unknown, used or expired.")
            .tag("Password reset")
            .query(&[("callbackURL", "The page that asks for the new password")])
            .redirects("To `callbackURL` (default: the hosted reset page) with `?token=`, or `?error=INVALID_TOKEN`"),
        Endpoint::new(Method::POST, "/reset-password", "resetPassword", crate::handler!(reset_password))
            .summary("Set a new password with a reset token", "The token works once. By default every session of the user ends.")
            .tag("Password reset")
            .body(BodySpec::object(vec![
                FieldSpec::req("newPassword", Ty::String, "The new password"),
                FieldSpec::opt("token", Ty::String, "The token from the link (or `?token=`)"),
            ]))
            .returns(schema::status()),
    ]
}

async fn request_password_reset(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    if !ctx.config.email_password_enabled {
        return Err(ApiError::bad_request(codes::RESET_PASSWORD_DISABLED));
    }
    let email = req.str_field("email").unwrap_or_default().to_owned();
    let redirect_to = req
        .str_field("redirectTo")
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    // Whether the address has an account must not show in the time to answer: the lookup
    // and everything after it happen once the answer is out.
    ctx.defer(
        "password-reset",
        Some(email.clone()),
        move |ctx| async move { send_reset_link(&ctx, &email, redirect_to.as_deref()).await },
    );
    Ok(AuthResponse::json(json!({
        "status": true,
        "message": "If this email exists in our system, check your email for the reset link",
    })))
}

/// Emails the account with this address, if any, a reset link.
pub async fn send_reset_link(
    ctx: &AuthContext,
    email: &str,
    redirect_to: Option<&str>,
) -> Result<(), ApiError> {
    let Some(user) = users::find_user_by_email(ctx, email).await? else {
        return Ok(());
    };
    let user_id = user.get("id").and_then(Value::as_str).unwrap_or_default();
    let token = generate_id(24);
    let expires_in = ctx.config.email.reset_password_expires_in;
    verification::create(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(PREFIX, &token),
        user_id,
        expires_in,
    )
    .await?;
    let default_page = links::page_url(ctx, "/reset-password");
    let callback = redirect_to.unwrap_or(&default_page);
    let url = links::api_url(
        ctx,
        &format!("/reset-password/{token}"),
        &[("callbackURL", callback)],
    );
    ctx.delivery.send_email(
        email,
        EmailTemplate::PasswordReset,
        json!({
            "url": url,
            "token": token,
            "user": session::user_json(ctx, &user),
            "expires_in_minutes": (expires_in + 59) / 60,
        }),
    );
    Ok(())
}

async fn reset_password_callback(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let token = req
        .params
        .get("token")
        .map(String::as_str)
        .unwrap_or_default();
    let default_page = links::page_url(ctx, "/reset-password");
    let callback = req
        .query_param("callbackURL")
        .filter(|c| !c.is_empty())
        .unwrap_or(&default_page);
    let live = verification::find(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(PREFIX, token),
    )
    .await?
    .is_some_and(|f| !f.expired);
    let target = if live {
        links::resolve_with(ctx, callback, &[("token", token)])
    } else {
        links::resolve_with(ctx, callback, &[("error", "INVALID_TOKEN")])
    };
    Ok(AuthResponse::redirect(&target))
}

async fn reset_password(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let token = req
        .str_field("token")
        .or_else(|| req.query_param("token"))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_request(codes::INVALID_TOKEN))?;
    let new_password = req.str_field("newPassword").unwrap_or_default();
    users::check_password_length(ctx, new_password)?;
    let identifier = verification::identifier(PREFIX, token);
    // Looked at first: a dead token is refused before the password is looked at (as Better
    // Auth), costs no hash, and a breached password leaves the token unspent. It is taken only
    // below, in the transaction that changes the password, so that a failure leaves it usable.
    let found = verification::find(ctx, ctx.adapter.as_ref(), &identifier)
        .await?
        .filter(|f| !f.expired)
        .ok_or_else(|| ApiError::bad_request(codes::INVALID_TOKEN))?;
    users::refuse_breached_password(ctx, new_password).await?;
    let user = users::find_user(ctx, &found.value)
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::USER_NOT_FOUND))?;
    let hash = hash_new_password(ctx, new_password).await?;
    let mut tx = ctx.begin().await?;
    if !verification::take(tx.store(), &found).await? {
        // A concurrent request used it first.
        return Err(ApiError::bad_request(codes::INVALID_TOKEN));
    }
    replace_password(ctx, req, &mut tx, &found.value, hash).await?;
    tx.commit().await?;
    password_was_reset(ctx, req, &user).await;
    Ok(AuthResponse::json(json!({"status": true})))
}

/// Hashes a new password; the caller has checked its length and refused a breached one
/// (`users::refuse_breached_password`).
pub async fn hash_new_password(ctx: &AuthContext, new_password: &str) -> Result<String, ApiError> {
    ctx.hasher
        .hash(new_password)
        .await
        .map_err(|_| ApiError::internal())
}

/// Replaces (or creates) the user's password after a proven reset, ending their sessions when
/// configured, in the caller's transaction: the one that also takes the token or code that
/// proved it.
pub async fn replace_password(
    ctx: &AuthContext,
    req: &AuthRequest,
    tx: &mut Writes<'_>,
    user_id: &str,
    hash: String,
) -> Result<(), ApiError> {
    match users::credential_account(tx.store(), user_id).await? {
        Some(account) => {
            let mut set = Row::new();
            set.insert("password".into(), hash.into());
            set.insert("updatedAt".into(), ctx.now().into());
            let id = account.get("id").cloned().unwrap_or(Value::Null);
            tx.update_many("account", &[Where::eq("id", id)], set)
                .await?;
        }
        None => {
            tx.create("account", users::credential_account_row(ctx, user_id, hash))
                .await?;
        }
    }
    let revoke = ctx.config.email.revoke_sessions_on_password_reset;
    if revoke {
        tx.delete_sessions(session::Sessions::All { user_id })
            .await?;
    }
    // Whoever proved the token or code acted for the user, signed in or not.
    let event = crate::audit::AuditEvent::new("user.reset_password")
        .from_request(req)
        .actor(user_id)
        .target_user(user_id)
        .detail("sessionsRevoked", revoke);
    crate::audit::record(ctx, tx.store(), event).await
}

/// Once a reset committed: the user gets the reset notice, describing `req`; and whoever reset
/// the password owns the mailbox (or phone), so a sign-in lockout on the address is lifted.
pub async fn password_was_reset(ctx: &AuthContext, req: &AuthRequest, user: &Row) {
    crate::notices::send_to_user(ctx, req, user, crate::notices::Notice::PasswordReset);
    if let Some(email) = user.get("email").and_then(Value::as_str) {
        crate::lockout::Lockout::new(ctx, email).succeeded().await;
    }
}
