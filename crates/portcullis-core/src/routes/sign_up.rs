//! `POST /sign-up/email`

use http::Method;
use serde_json::json;

use crate::context::AuthContext;
use crate::endpoint::{AuthRequest, AuthResponse, Endpoint};
use crate::error::{ApiError, codes};
use crate::issue::{SignIn, issue_session_in};
use crate::notices::{self, Notice};
use crate::openapi::schema;
use crate::session;
use crate::users;
use crate::validate::{BodyKind, BodySpec, FieldSpec, Ty};
use portcullis_storage::StorageError;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(Method::POST, "/sign-up/email", "signUpEmail", crate::handler!(sign_up_email))
            .summary("Sign up with email and password", "Creates a user with a credential account and, unless email verification is required, signs them in.")
            .tag("Email and password")
            .fails_with(422, "The user cannot be created: the e-mail address (or username) is taken, or a field cannot be stored")
            .body(BodySpec {
                kind: BodyKind::ObjectAndRecord,
                fields: vec![
                    FieldSpec::req("name", Ty::String, "Display name").max_len(users::NAME_MAX_CHARS),
                    FieldSpec::req("email", Ty::Email, "Email address; stored lower-cased").max_len(users::EMAIL_MAX_CHARS),
                    FieldSpec::req("password", Ty::String, "Password").non_empty(),
                    FieldSpec::opt("image", Ty::String, "Profile image URL").max_len(users::IMAGE_MAX_CHARS),
                    FieldSpec::opt("callbackURL", Ty::String, "Where the verification email link leads"),
                    FieldSpec::opt("rememberMe", Ty::Boolean, "false gives a browser-session cookie"),
                ],
                optional: false,
            })
            .form()
            .returns(schema::object(json!({
                "token": schema::nullable(schema::string("The new session's token (also set as the session cookie); `null` when no session is issued: email verification is required, or the address is taken and enumeration protection answers as for a new one")),
                "user": schema::user(),
            }))),
    ]
}

async fn sign_up_email(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let cfg = &ctx.config;
    if !cfg.email_password_enabled || !cfg.sign_up_enabled {
        return Err(ApiError::bad_request(
            codes::EMAIL_PASSWORD_SIGN_UP_DISABLED,
        ));
    }
    let body = req
        .body
        .as_ref()
        .and_then(|b| b.as_object())
        .ok_or_else(|| ApiError::validation("[body] Invalid input".into()))?;
    let name = req.str_field("name").unwrap_or_default();
    let email = req.str_field("email").unwrap_or_default();
    let password = req.str_field("password").unwrap_or_default();
    users::check_password_length(ctx, password)?;
    users::check_input_allowed(ctx.user_table(), users::CORE_USER_FIELDS, body)?;
    let existing = users::find_user_by_email(ctx, email).await?;
    let exists = existing.is_some();
    if exists && !cfg.require_email_verification {
        return Err(ApiError::new(
            422,
            codes::USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL,
        ));
    }
    // Better Auth refuses a breached password when it hashes it: after the existing-email
    // check, before the user-create hooks. With enumeration protection it hashes for an
    // existing email too, so both answer the same 400.
    users::refuse_breached_password(ctx, password).await?;
    // Better Auth's user-create hooks run here, after the existing-email check. With
    // enumeration protection they run for an existing email too, so that they answer the same.
    for p in ctx.plugins.iter() {
        p.check_sign_up(body)?;
    }
    let mut user_row = users::new_user_row(ctx, name, email, req.str_field("image"), body)?;
    let dont_remember = req.bool_field("rememberMe") == Some(false);
    if let Some(owner) = existing {
        // The password is hashed all the same: a new sign-up's answer waits for its hash, and
        // one that skipped it would tell a taken address by its speed.
        ctx.hasher
            .hash(password)
            .await
            .map_err(|_| ApiError::new(422, codes::FAILED_TO_CREATE_USER))?;
        // Enumeration protection, as Better Auth does when no session is issued. The answer
        // cannot tell the owner anything, so the mailbox does: sign in or reset instead. It is
        // rendered and sent after the answer, like every send that depends on an account.
        if Notice::SignUpAttempt.enabled(ctx) {
            let origin = notices::RequestOrigin::of(ctx, req);
            ctx.defer(
                "sign-up-attempt-notice",
                Some(email.to_owned()),
                move |ctx| async move {
                    let to = owner
                        .get("email")
                        .and_then(portcullis_storage::Value::as_str)
                        .unwrap_or_default();
                    notices::send(&ctx, to, &owner, &origin, Notice::SignUpAttempt);
                    Ok(())
                },
            );
        }
        return Ok(AuthResponse::json(
            json!({"token": null, "user": session::user_json(ctx, &user_row)}),
        ));
    }

    let hash = ctx
        .hasher
        .hash(password)
        .await
        .map_err(|_| ApiError::new(422, codes::FAILED_TO_CREATE_USER))?;
    let user_id = user_row
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();

    // Plugins fill the real user's fields; the made-up one above has only the defaults, as in
    // Better Auth.
    users::prepare_user(ctx, req, &mut user_row);
    // User, credential account and session belong together: one transaction.
    let mut tx = ctx.begin().await?;
    let user = match tx.create("user", user_row).await {
        Ok(u) => u,
        Err(StorageError::UniqueViolation) => {
            return Err(ApiError::new(
                422,
                codes::USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    tx.create(
        "account",
        users::credential_account_row(ctx, &user_id, hash),
    )
    .await?;
    req.state
        .set_created_user(std::sync::Arc::new(user.clone()));
    let issued = if cfg.require_email_verification {
        // No session, so `issue` records nothing: the sign-up's event, with its user.
        if crate::audit::enabled(ctx) {
            let event = crate::audit::AuditEvent::new("user.sign_up")
                .from_request(req)
                .actor(user_id.as_str())
                .target_user(user_id.as_str())
                .detail("method", "email")
                .detail("verified", false);
            crate::audit::record(ctx, tx.store(), event).await?;
        }
        None
    } else {
        let sign_in = SignIn::sign_up(user.clone(), "email").dont_remember(dont_remember);
        Some(issue_session_in(ctx, req, &mut tx, sign_in).await?)
    };
    tx.commit().await?;
    ctx.metrics.registration("email");
    if cfg.email.send_verification_on_sign_up {
        crate::routes::email_verification::send_verification(
            ctx,
            &user,
            req.str_field("callbackURL"),
        )?;
    }
    if cfg.email.welcome_email && !cfg.email.send_verification_on_sign_up {
        crate::routes::email_verification::send_welcome(ctx, &user);
    }

    let user_json = session::user_json(ctx, &user);
    let Some(issued) = issued else {
        return Ok(AuthResponse::json(
            json!({"token": null, "user": user_json}),
        ));
    };
    Ok(issued.respond(|s, cookies| {
        AuthResponse::json(json!({"token": s.token, "user": user_json})).cookies(cookies)
    }))
}
