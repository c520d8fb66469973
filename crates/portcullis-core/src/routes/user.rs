//! User endpoints: update-user, change-password, verify-password, set-password, delete-user.

use http::Method;
use portcullis_storage::{Row, Value, Where};
use serde_json::json;

use crate::audit::{self, AuditEvent};
use crate::context::AuthContext;
use crate::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use crate::error::{ApiError, codes};
use crate::lockout::Lockout;
use crate::notices::{self, Notice};
use crate::openapi::schema;
use crate::session::{self, SessionWithUser};
use crate::users;
use crate::validate::{BodyKind, BodySpec, FieldSpec, Ty};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(Method::POST, "/update-user", "updateUser", crate::handler!(update_user))
            .summary("Update the user", "Updates name, image and additional user fields. Email changes go through change-email.")
            .tag("User")
            // State-changing: checked against the database, so a revoked session cannot use a
            // still-valid cookie cache to edit the profile.
            .auth(Auth::Sensitive)
            .body(BodySpec {
                kind: BodyKind::Record,
                fields: vec![
                    FieldSpec::opt("name", Ty::String, "Display name").max_len(users::NAME_MAX_CHARS),
                    FieldSpec::opt("image", Ty::NullableString, "Profile image URL; null clears it").max_len(users::IMAGE_MAX_CHARS),
                ],
                optional: false,
            })
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/change-password", "changePassword", crate::handler!(change_password))
            .summary("Change the password", "Verifies the current password. With revokeOtherSessions every session ends and a new one is issued.")
            .tag("User")
            .auth(Auth::Sensitive)
            .body(BodySpec::object(vec![
                FieldSpec::req("newPassword", Ty::String, "New password"),
                FieldSpec::req("currentPassword", Ty::String, "Current password"),
                FieldSpec::opt("revokeOtherSessions", Ty::Boolean, "End all other sessions"),
            ]))
            .returns(schema::object(json!({
                "token": schema::nullable(schema::string("With `revokeOtherSessions`: the new session's token (also set as the cookie); else `null`")),
                "user": schema::user(),
            }))),
        Endpoint::new(Method::POST, "/verify-password", "verifyPassword", crate::handler!(verify_password))
            .summary("Verify the current password", "Checks the signed-in user's password, for example before a sensitive action. A wrong one is 400 INVALID_PASSWORD and counts toward the sign-in lockout.")
            .tag("User")
            .auth(Auth::Sensitive)
            .body(BodySpec::object(vec![FieldSpec::req("password", Ty::String, "The password to verify")]))
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/set-password", "setPassword", crate::handler!(set_password))
            .summary("Set a password", "For a user without one (for example signed up with a social provider). Requires a fresh session. Server-only in Better Auth 1.7.")
            .tag("User")
            .auth(Auth::Fresh)
            .body(BodySpec::object(vec![FieldSpec::req("newPassword", Ty::String, "New password")]))
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/delete-user", "deleteUser", crate::handler!(delete_user))
            .summary("Delete the user", "Deletes the user, their accounts and sessions. A user with a password must confirm it; otherwise the session must be fresh.")
            .tag("User")
            .auth(Auth::Sensitive)
            .body(BodySpec::optional(vec![
                FieldSpec::opt("password", Ty::String, "Current password"),
                FieldSpec::opt("callbackURL", Ty::String, ""),
                FieldSpec::opt("token", Ty::String, "Deletion confirmation token"),
            ]))
            .returns(schema::object(json!({
                "success": schema::always_true("Done"),
                "message": schema::one_of(&["User deleted", "Verification email sent"], "`Verification email sent` when deletion must be confirmed from an emailed link"),
            }))),
        Endpoint::new(Method::GET, "/delete-user/callback", "deleteUserCallback", crate::handler!(delete_user_callback))
            .summary("Confirm deletion from the emailed link", "Deletes the signed-in user when the token matches; redirects to callbackURL when given.")
            .tag("User")
            .query(&[("token", "The token from the email"), ("callbackURL", "Where to go afterwards")])
            .returns_as("Without `callbackURL`: the user is deleted", schema::object(json!({
                "success": schema::always_true("Done"),
                "message": schema::one_of(&["User deleted"], ""),
            })))
            .redirects("With `callbackURL`: to it, once the user is deleted"),
        Endpoint::new(Method::POST, "/change-email", "changeEmail", crate::handler!(change_email))
            .summary("Change the email address", "A verified address must approve the change by email first; then the new address is verified by its own link.")
            .tag("User")
            .auth(Auth::Sensitive)
            .body(BodySpec::object(vec![
                FieldSpec::req("newEmail", Ty::Email, "The new address").max_len(users::EMAIL_MAX_CHARS),
                FieldSpec::opt("callbackURL", Ty::String, "Where the links lead afterwards"),
            ]))
            .returns(schema::described(schema::status(), "The same whether or not the new address is taken")),
    ]
}

const DELETE_PREFIX: &str = "delete-account-";

async fn change_email(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    if !ctx.config.email.change_email_enabled {
        return Err(ApiError::bad_request(codes::CHANGE_EMAIL_DISABLED));
    }
    let me = req.session()?;
    let new_email = users::normalize_email(req.str_field("newEmail").unwrap_or_default());
    let current = me
        .user
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if new_email == current {
        return Err(ApiError::message_only(400, "Email is the same"));
    }
    // A taken address answers the same, so the endpoint cannot probe for accounts, not even by
    // its timing: the lookup and the send happen once the answer is out.
    let user = me.user.clone();
    let callback = req.str_field("callbackURL").map(str::to_owned);
    ctx.defer(
        "change-email",
        Some(new_email.clone()),
        move |ctx| async move {
            if users::find_user_by_email(&ctx, &new_email).await?.is_none() {
                crate::routes::email_verification::send_change_email(
                    &ctx,
                    &user,
                    &new_email,
                    callback.as_deref(),
                )?;
            }
            Ok(())
        },
    );
    Ok(AuthResponse::json(json!({"status": true})))
}

async fn update_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let body = req
        .body
        .as_ref()
        .and_then(|b| b.as_object())
        .cloned()
        .unwrap_or_default();
    if body
        .get("email")
        .is_some_and(|v| !v.is_null() && v != "" && v != false)
    {
        return Err(ApiError::bad_request(codes::EMAIL_CAN_NOT_BE_UPDATED));
    }
    let mut set: Row =
        users::additional_input(ctx.user_table(), users::CORE_USER_FIELDS, &body, false)?;
    if let Some(name) = req.str_field("name") {
        set.insert("name".into(), name.into());
    }
    match req.field("image") {
        Some(serde_json::Value::String(s)) => {
            set.insert("image".into(), s.as_str().into());
        }
        Some(serde_json::Value::Null) => {
            set.insert("image".into(), Value::Null);
        }
        _ => {}
    }
    if set.is_empty() {
        return Err(ApiError::message_only(400, "No fields to update"));
    }
    set.insert("updatedAt".into(), ctx.now().into());
    let user = ctx
        .writes()
        .update_user(me.user_id(), set)
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::USER_NOT_FOUND))?;
    let dont_remember = session::dont_remember(ctx, req);
    let s = SessionWithUser {
        user: user.into(),
        ..me.clone()
    };
    // The same token again, with a fresh cookie cache carrying the new user data.
    Ok(
        AuthResponse::json(json!({"status": true})).cookies(session::session_cookies(
            ctx,
            &s,
            dont_remember,
        )),
    )
}

async fn change_password(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let new_password = req.str_field("newPassword").unwrap_or_default();
    let current = req.str_field("currentPassword").unwrap_or_default();
    users::check_password_length(ctx, new_password)?;
    if current.encode_utf16().count() > ctx.config.password_max_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_LONG));
    }
    let account = users::credential_account(ctx.adapter.as_ref(), me.user_id())
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::CREDENTIAL_ACCOUNT_NOT_FOUND))?;
    let stored = account
        .get("password")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request(codes::CREDENTIAL_ACCOUNT_NOT_FOUND))?;
    // Better Auth hashes (and so checks) the new password before it verifies the current one.
    users::refuse_breached_password(ctx, new_password).await?;
    let ok = ctx
        .hasher
        .verify(current, stored)
        .await
        .map_err(|_| ApiError::internal())?
        .ok;
    if !ok {
        let event = AuditEvent::new("user.change_password")
            .from_request(req)
            .own()
            .failure("invalid_password");
        audit::record_now(ctx, event).await;
        return Err(ApiError::bad_request(codes::INVALID_PASSWORD));
    }
    let hash = ctx
        .hasher
        .hash(new_password)
        .await
        .map_err(|_| ApiError::internal())?;
    let revoke = req.bool_field("revokeOtherSessions") == Some(true);

    let mut tx = ctx.begin().await?;
    let mut set = Row::new();
    set.insert("password".into(), hash.into());
    set.insert("updatedAt".into(), ctx.now().into());
    let account_id = account.get("id").cloned().unwrap_or(Value::Null);
    tx.update_many("account", &[Where::eq("id", account_id)], set)
        .await?;
    // A replacement for the caller's own session, not a new sign-in: no issuance hooks.
    let new_session = if revoke {
        tx.delete_sessions(session::Sessions::All {
            user_id: me.user_id(),
        })
        .await?;
        Some(
            session::create_session(
                ctx,
                tx.store(),
                me.user_id(),
                req,
                session::dont_remember(ctx, req),
            )
            .await?,
        )
    } else {
        None
    };
    let event = AuditEvent::new("user.change_password")
        .from_request(req)
        .own()
        .detail("sessionsRevoked", revoke);
    audit::record(ctx, tx.store(), event).await?;
    tx.commit().await?;
    notices::send_to_user(ctx, req, &me.user, Notice::PasswordChanged);

    let user_json = session::user_json(ctx, &me.user);
    match new_session {
        None => Ok(AuthResponse::json(
            json!({"token": null, "user": user_json}),
        )),
        Some((row, token)) => {
            let dont_remember = session::dont_remember(ctx, req);
            let s = SessionWithUser {
                session: row.into(),
                user: me.user.clone(),
                token: token.clone(),
                from_cookie_cache: false,
            };
            Ok(
                AuthResponse::json(json!({"token": token, "user": user_json}))
                    .cookies(session::session_cookies(ctx, &s, dont_remember)),
            )
        }
    }
}

async fn verify_password(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let password = req.str_field("password").unwrap_or_default();
    confirm_password(ctx, me, password).await?;
    Ok(AuthResponse::json(json!({"status": true})))
}

/// The signed-in user's password, checked again: `400 INVALID_PASSWORD` unless it is right.
pub(crate) async fn confirm_password(
    ctx: &AuthContext,
    me: &SessionWithUser,
    password: &str,
) -> Result<(), ApiError> {
    if password.encode_utf16().count() > ctx.config.password_max_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_LONG));
    }
    let wrong = || ApiError::bad_request(codes::INVALID_PASSWORD);
    // Sign-in's lockout, under the account's email: a stolen session cannot guess the password
    // here without limit, and a locked account answers like a wrong password after the same
    // hashing work.
    let email = me
        .user
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let lockout = Lockout::new(ctx, email);
    if lockout.is_locked().await {
        ctx.hasher
            .verify_dummy(password)
            .await
            .map_err(|_| ApiError::internal())?;
        return Err(wrong());
    }
    match users::verify_user_password(ctx, me.user_id(), password).await? {
        Some(true) => {
            lockout.succeeded().await;
            Ok(())
        }
        Some(false) => {
            lockout.failed().await;
            Err(wrong())
        }
        // No password to guess: Better Auth answers the same.
        None => Err(wrong()),
    }
}

async fn set_password(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let new_password = req.str_field("newPassword").unwrap_or_default();
    users::check_password_length(ctx, new_password)?;
    let existing = users::credential_account(ctx.adapter.as_ref(), me.user_id()).await?;
    if existing
        .as_ref()
        .and_then(|a| a.get("password"))
        .is_some_and(|p| !p.is_null())
    {
        return Err(ApiError::bad_request(codes::PASSWORD_ALREADY_SET));
    }
    users::refuse_breached_password(ctx, new_password).await?;
    let hash = ctx
        .hasher
        .hash(new_password)
        .await
        .map_err(|_| ApiError::internal())?;
    let w = audit::writes(ctx).await?;
    match existing {
        Some(a) => {
            let mut set = Row::new();
            set.insert("password".into(), hash.into());
            set.insert("updatedAt".into(), ctx.now().into());
            w.update_many(
                "account",
                &[Where::eq("id", a.get("id").cloned().unwrap_or(Value::Null))],
                set,
            )
            .await?;
        }
        None => {
            w.create(
                "account",
                users::credential_account_row(ctx, me.user_id(), hash),
            )
            .await?;
        }
    }
    let event = AuditEvent::new("user.set_password").from_request(req).own();
    audit::record(ctx, w.store(), event).await?;
    w.commit().await?;
    notices::send_to_user(ctx, req, &me.user, Notice::PasswordSet);
    Ok(AuthResponse::json(json!({"status": true})))
}

async fn delete_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    if !ctx.config.delete_user_enabled {
        return Err(ApiError::empty(404));
    }
    let me = req.session()?;
    match req.str_field("password") {
        Some(password) => match users::verify_user_password(ctx, me.user_id(), password).await? {
            None => return Err(ApiError::bad_request(codes::CREDENTIAL_ACCOUNT_NOT_FOUND)),
            Some(false) => return Err(ApiError::bad_request(codes::INVALID_PASSWORD)),
            Some(true) => {}
        },
        None => {
            let has_password = users::credential_account(ctx.adapter.as_ref(), me.user_id())
                .await?
                .is_some_and(|a| a.get("password").is_some_and(|p| !p.is_null()));
            if has_password {
                return Err(ApiError::bad_request(codes::USER_ALREADY_HAS_PASSWORD));
            }
            let fresh = me
                .created_at()
                .is_some_and(|c| (ctx.now() - c).num_seconds() < ctx.config.session.fresh_age);
            if !fresh {
                return Err(ApiError::bad_request(codes::SESSION_EXPIRED));
            }
        }
    }
    let uid = me.user_id();
    if let Some(token) = req.str_field("token") {
        return confirm_deletion(ctx, req, uid, token, None).await;
    }
    if ctx.config.email.delete_user_confirmation {
        let token = crate::crypto::token::generate_id(32).to_lowercase();
        let expires_in = ctx.config.email.delete_user_expires_in;
        crate::verification::create(
            ctx,
            ctx.adapter.as_ref(),
            &crate::verification::identifier(DELETE_PREFIX, &token),
            uid,
            expires_in,
        )
        .await?;
        let callback = req.str_field("callbackURL").unwrap_or("/");
        let url = crate::links::api_url(
            ctx,
            "/delete-user/callback",
            &[("token", token.as_str()), ("callbackURL", callback)],
        );
        if let Some(email) = me.user.get("email").and_then(Value::as_str) {
            ctx.delivery.send_email(
                email,
                portcullis_delivery::EmailTemplate::DeleteAccount,
                json!({
                    "url": url,
                    "user": session::user_json(ctx, &me.user),
                    "expires_in_minutes": (expires_in + 59) / 60,
                }),
            );
        }
        return Ok(AuthResponse::json(
            json!({"success": true, "message": "Verification email sent"}),
        ));
    }
    delete_now(ctx, req, uid, None).await?;
    Ok(
        AuthResponse::json(json!({"success": true, "message": "User deleted"}))
            .cookies(ctx.cookies.clear_session()),
    )
}

/// Deletes the user, their accounts and sessions in one transaction, which also takes the
/// confirmation token when there is one. Err(INVALID_TOKEN) when another request took it.
async fn delete_now(
    ctx: &AuthContext,
    req: &AuthRequest,
    uid: &str,
    token: Option<&crate::verification::Found>,
) -> Result<(), ApiError> {
    let mut tx = ctx.begin().await?;
    if let Some(token) = token
        && !crate::verification::take(tx.store(), token).await?
    {
        return Err(ApiError::new(404, codes::INVALID_TOKEN));
    }
    tx.delete_many("account", &[Where::eq("userId", uid)])
        .await?;
    tx.delete_user(uid).await?;
    let event = AuditEvent::new("user.delete")
        .from_request(req)
        .actor(uid)
        .target_user(uid);
    audit::record(ctx, tx.store(), event).await?;
    tx.commit().await
}

/// Deletes `uid` when `token` is their unused deletion token.
async fn confirm_deletion(
    ctx: &AuthContext,
    req: &AuthRequest,
    uid: &str,
    token: &str,
    callback: Option<&str>,
) -> Result<AuthResponse, ApiError> {
    let identifier = crate::verification::identifier(DELETE_PREFIX, token);
    let owner = crate::verification::find(ctx, ctx.adapter.as_ref(), &identifier).await?;
    let Some(owner) = owner.filter(|f| !f.expired && f.value == uid) else {
        return Err(ApiError::new(404, codes::INVALID_TOKEN));
    };
    delete_now(ctx, req, uid, Some(&owner)).await?;
    let res = match callback.filter(|c| !c.is_empty()) {
        Some(cb) => AuthResponse::redirect(cb),
        None => AuthResponse::json(json!({"success": true, "message": "User deleted"})),
    };
    Ok(res.cookies(ctx.cookies.clear_session()))
}

async fn delete_user_callback(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    if !ctx.config.delete_user_enabled {
        return Err(ApiError::new(404, codes::NOT_FOUND));
    }
    let session::Lookup::Found(me) = session::lookup(ctx, req, false).await? else {
        return Err(ApiError::new(404, codes::FAILED_TO_GET_USER_INFO));
    };
    let token = req.query_param("token").unwrap_or_default();
    confirm_deletion(
        ctx,
        req,
        me.user_id(),
        token,
        req.query_param("callbackURL"),
    )
    .await
}
