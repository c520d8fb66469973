//! `email-otp`: six-digit codes by email to verify an address, sign in, or reset a password.
//!
//! A code is stored under `<type>-otp-<email>` (see `portcullis_core::one_time_code`): five
//! minutes, three wrong guesses. Sending answers the same whether the address has an account
//! or not.

use async_trait::async_trait;
use http::Method;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::{ErrorCode, codes};
use portcullis_core::one_time_code::{
    self, CodeAccount, CodePolicy, INVALID_OTP, OTP_EXPIRED, TOO_MANY_ATTEMPTS,
};
use portcullis_core::openapi::schema;
use portcullis_core::passwordless::{self, ProvenUser};
use portcullis_core::plugin_parts::{Asset, Fragment, Messages, Page, Sends, TemplateSource};
use portcullis_core::rate_limit::PathRule;
use portcullis_core::routes::{email_verification, password_reset};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty, is_email};
use portcullis_core::{
    ApiError, AuthContext, Config, ConfigError, Plugin, SignIn, Writes, issue_session_in, session,
    users,
};
use portcullis_delivery::EmailTemplate;

/// `templates/email-email-otp.html` and `.txt`: `otp`, `otp_type` (`sign-in`,
/// `email-verification`, `forget-password`, `change-email`), `expires_in_minutes`.
pub const EMAIL: EmailTemplate = EmailTemplate::named("email-otp");
use portcullis_storage::{Row, Value};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct EmailOtpSettings {
    pub policy: CodePolicy,
    /// Only existing users may sign in with a code (`EMAIL_OTP_DISABLE_SIGN_UP`).
    pub disable_sign_up: bool,
}

impl EmailOtpSettings {
    /// `None` when `ENABLE_EMAIL_OTP` is off. Each variable may also be set as a key of
    /// `[plugins.email_otp]` (`enabled`, `length`, `expires_in`, `allowed_attempts`,
    /// `disable_sign_up`); the variable wins.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("email_otp");
        if !src.flag("enabled", Some("ENABLE_EMAIL_OTP"), true)? {
            return Ok(None);
        }
        Ok(Some(EmailOtpSettings {
            policy: CodePolicy::load(&src, "EMAIL_OTP")?,
            disable_sign_up: src.flag(
                "disable_sign_up",
                Some("EMAIL_OTP_DISABLE_SIGN_UP"),
                false,
            )?,
        }))
    }
}

pub struct EmailOtp {
    settings: EmailOtpSettings,
}

impl EmailOtp {
    pub fn new(settings: EmailOtpSettings) -> Self {
        EmailOtp { settings }
    }
}

fn settings(ctx: &AuthContext) -> EmailOtpSettings {
    ctx.plugin::<EmailOtp>()
        .map(|p| p.settings.clone())
        .unwrap_or(EmailOtpSettings {
            policy: CodePolicy::default(),
            disable_sign_up: false,
        })
}

/// What a code is for; part of its identifier, so a sign-in code cannot reset a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OtpType {
    EmailVerification,
    SignIn,
    ForgetPassword,
}

impl OtpType {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "email-verification" => Some(OtpType::EmailVerification),
            "sign-in" => Some(OtpType::SignIn),
            "forget-password" => Some(OtpType::ForgetPassword),
            _ => None,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            OtpType::EmailVerification => "email-verification",
            OtpType::SignIn => "sign-in",
            OtpType::ForgetPassword => "forget-password",
        }
    }
    /// The deferred send's name in metrics and logs.
    fn kind(self) -> &'static str {
        match self {
            OtpType::EmailVerification => "email-otp-email-verification",
            OtpType::SignIn => "email-otp-sign-in",
            OtpType::ForgetPassword => "email-otp-forget-password",
        }
    }
    fn identifier(self, email: &str) -> String {
        format!("{}-otp-{email}", self.as_str())
    }
}

/// Better Auth's OTP types, as its schema lists them. `change-email` passes the schema, but
/// codes of that type come only from the email-change endpoints (not offered here).
const OTP_TYPES: &[&str] = &[
    "email-verification",
    "sign-in",
    "forget-password",
    "change-email",
];

fn invalid_type() -> ApiError {
    ApiError::message_only(400, "Invalid OTP type")
}

/// The request's `email`, lower-cased; a malformed one is `400 INVALID_EMAIL`.
fn email_field(req: &AuthRequest) -> Result<String, ApiError> {
    let email = req.str_field("email").unwrap_or_default();
    if !is_email(email) {
        return Err(ApiError::bad_request(codes::INVALID_EMAIL));
    }
    Ok(users::normalize_email(email))
}

fn otp_type_field(req: &AuthRequest) -> Result<OtpType, ApiError> {
    OtpType::parse(req.str_field("type").unwrap_or_default()).ok_or_else(invalid_type)
}

#[async_trait]
impl Plugin for EmailOtp {
    fn id(&self) -> &'static str {
        "email-otp"
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
        &[OTP_EXPIRED, INVALID_OTP, TOO_MANY_ATTEMPTS]
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let email = || FieldSpec::req("email", Ty::String, "Email address");
        let otp = || FieldSpec::req("otp", Ty::String, "The code from the email");
        let otp_type = || {
            FieldSpec::req(
                "type",
                Ty::OneOf(OTP_TYPES),
                "email-verification, sign-in or forget-password (change-email is refused)",
            )
        };
        let request_reset_body = || BodySpec::object(vec![email()]);
        vec![
            Endpoint::new(Method::POST, "/email-otp/send-verification-otp", "sendVerificationOTP", portcullis_core::handler!(send_verification_otp))
                .summary("Email a one-time code", "Sends a code for verifying the address, signing in, or resetting the password. The answer is `{success: true}` whether or not the address has an account.")
                .tag("Email OTP")
                .body(BodySpec::object(vec![email(), otp_type()]))
                .form()
                .returns(schema::success()),
            Endpoint::new(Method::POST, "/email-otp/check-verification-otp", "checkVerificationOTP", portcullis_core::handler!(check_verification_otp))
                .summary("Check a code without using it", "A wrong code counts as an attempt.")
                .tag("Email OTP")
                .body(BodySpec::object(vec![email(), otp_type(), otp()]))
                .returns(schema::success()),
            Endpoint::new(Method::POST, "/email-otp/verify-email", "verifyEmailOTP", portcullis_core::handler!(verify_email))
                .summary("Verify an email address with a code", "Marks the address verified and, when auto sign-in is on, signs in.")
                .tag("Email OTP")
                .body(BodySpec::object(vec![email(), otp()]))
                .returns(schema::object(json!({
                    "status": schema::always_true("Done"),
                    "token": schema::nullable(schema::string("With auto sign-in after verification: the new session's token (also set as the cookie); else `null`")),
                    "user": schema::user(),
                }))),
            Endpoint::new(Method::POST, "/sign-in/email-otp", "signInEmailOTP", portcullis_core::handler!(sign_in))
                .summary("Sign in with a code", "Creates the account on first use unless sign-up by code is off.")
                .tag("Email OTP")
                .body(BodySpec::object(vec![
                    email(),
                    otp(),
                    FieldSpec::opt("name", Ty::String, "The name of a new user").max_len(users::NAME_MAX_CHARS),
                    FieldSpec::opt("image", Ty::String, "The image of a new user").max_len(users::IMAGE_MAX_CHARS),
                ]))
                .returns(schema::token_and_user()),
            Endpoint::new(Method::POST, "/email-otp/request-password-reset", "requestPasswordResetEmailOTP", portcullis_core::handler!(request_password_reset))
                .summary("Email a password-reset code", "Same answer whether the address has an account or not.")
                .tag("Email OTP")
                .body(request_reset_body())
                .returns(schema::success()),
            Endpoint::new(Method::POST, "/forget-password/email-otp", "forgetPasswordEmailOTP", portcullis_core::handler!(request_password_reset))
                .summary("Email a password-reset code (old path)", "Same as `/email-otp/request-password-reset`.")
                .tag("Email OTP")
                .body(request_reset_body())
                .returns(schema::success()),
            Endpoint::new(Method::POST, "/email-otp/reset-password", "resetPasswordEmailOTP", portcullis_core::handler!(reset_password))
                .summary("Set a new password with a code", "Proves the mailbox, so an unverified address becomes verified.")
                .tag("Email OTP")
                .body(BodySpec::object(vec![
                    email(),
                    otp(),
                    FieldSpec::req("password", Ty::String, "The new password"),
                ]))
                .returns(schema::success()),
        ]
    }

    fn rate_limit_rules(&self) -> Vec<PathRule> {
        vec![
            PathRule::prefix("/email-otp/", 60, 3),
            PathRule::exact("/sign-in/email-otp", 60, 3),
            PathRule::exact("/forget-password/email-otp", 60, 3),
        ]
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!("src/email_otp/templates", "email-email-otp.html"),
            portcullis_core::template_source!("src/email_otp/templates", "email-email-otp.txt"),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(EMAIL)]
    }

    fn pages(&self) -> Vec<Page> {
        vec![
            Page::new(
                "/email-otp",
                portcullis_core::template_source!("src/email_otp/templates", "email-otp.html"),
                "email-otp-title",
            )
            .context(json!({
                "code_length": self.settings.policy.digits,
                "expires_in": self.settings.policy.expires_in,
            })),
        ]
    }

    fn fragments(&self) -> Vec<Fragment> {
        vec![Fragment::new(
            "sign-in.buttons",
            portcullis_core::template_source!(
                "src/email_otp/templates",
                "email-otp-sign-in-button.html"
            ),
        )]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![portcullis_core::asset!(
            "src/email_otp/assets",
            "email-otp.js",
            "text/javascript; charset=utf-8"
        )]
    }
}

/// Emails a fresh code of `otp_type` to `email`.
async fn send_code(ctx: &AuthContext, email: &str, otp_type: OtpType) -> Result<(), ApiError> {
    let policy = settings(ctx).policy;
    let code = one_time_code::issue(ctx, &otp_type.identifier(email), policy).await?;
    ctx.delivery.send_email(
        email,
        EMAIL,
        json!({
            "otp": code,
            "otp_type": otp_type.as_str(),
            "expires_in_minutes": (policy.expires_in + 59) / 60,
        }),
    );
    Ok(())
}

/// The budget a wrong code counts against: every code type for one address.
fn account(email: &str, otp_type: OtpType) -> CodeAccount<'_> {
    CodeAccount {
        method: "email-otp",
        identity: email,
        action: match otp_type {
            OtpType::SignIn => "user.sign_in",
            OtpType::EmailVerification => "user.verify_email",
            OtpType::ForgetPassword => "user.reset_password",
        },
    }
}

/// Checks the request's `otp` without using it up, answering Better Auth's errors.
async fn check_code(
    ctx: &AuthContext,
    req: &AuthRequest,
    email: &str,
    otp_type: OtpType,
) -> Result<(), ApiError> {
    let otp = req.str_field("otp").unwrap_or_default();
    one_time_code::check(
        ctx,
        req,
        &otp_type.identifier(email),
        otp,
        settings(ctx).policy,
        account(email, otp_type),
    )
    .await?
    .map_err(|e| e.api_error(INVALID_OTP))
}

/// Takes the request's `otp`, answering Better Auth's errors; the code's effect goes in the
/// transaction returned, which uses the code up when it commits.
async fn redeem_code<'c>(
    ctx: &'c AuthContext,
    req: &AuthRequest,
    email: &str,
    otp_type: OtpType,
) -> Result<Writes<'c>, ApiError> {
    let otp = req.str_field("otp").unwrap_or_default();
    one_time_code::redeem(
        ctx,
        req,
        &otp_type.identifier(email),
        otp,
        settings(ctx).policy,
        account(email, otp_type),
    )
    .await?
    .map_err(|e| e.api_error(INVALID_OTP))
}

fn success() -> AuthResponse {
    AuthResponse::json(json!({"success": true}))
}

async fn send_verification_otp(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let email = email_field(req)?;
    let otp_type = otp_type_field(req)?;
    // Whether the address has an account must not show in the time to answer: the lookup
    // and everything after it happen once the answer is out.
    ctx.defer(
        otp_type.kind(),
        Some(email.clone()),
        move |ctx| async move {
            let known = users::find_user_by_email(&ctx, &email).await?.is_some();
            let send = match otp_type {
                // A code that could create an account is sent only when sign-up is possible.
                OtpType::SignIn => {
                    known || (!settings(&ctx).disable_sign_up && ctx.config.sign_up_enabled)
                }
                OtpType::EmailVerification | OtpType::ForgetPassword => known,
            };
            if send {
                send_code(&ctx, &email, otp_type).await?;
            }
            Ok(())
        },
    );
    Ok(success())
}

async fn check_verification_otp(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let email = email_field(req)?;
    // As Better Auth: a code is only checked for an existing account.
    if users::find_user_by_email(ctx, &email).await?.is_none() {
        return Err(ApiError::bad_request(codes::USER_NOT_FOUND));
    }
    // No code of another type (change-email) is ever issued here: it cannot match.
    let Ok(otp_type) = otp_type_field(req) else {
        return Err(ApiError::bad_request(INVALID_OTP));
    };
    check_code(ctx, req, &email, otp_type).await?;
    Ok(success())
}

/// Marks the user's address verified in `tx`; returns the updated row.
async fn mark_verified(
    ctx: &AuthContext,
    tx: &mut Writes<'_>,
    mut user: Row,
) -> Result<Row, ApiError> {
    if user.get("emailVerified").and_then(Value::as_bool) == Some(true) {
        return Ok(user);
    }
    let id = user
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let now = ctx.now();
    let mut set = Row::new();
    set.insert("emailVerified".into(), true.into());
    set.insert("updatedAt".into(), now.into());
    tx.update_user(&id, set).await?;
    user.insert("emailVerified".into(), true.into());
    user.insert("updatedAt".into(), now.into());
    Ok(user)
}

async fn verify_email(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let email = email_field(req)?;
    let mut tx = redeem_code(ctx, req, &email, OtpType::EmailVerification).await?;
    let user = users::find_user_by_email_in(tx.store(), &email)
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::USER_NOT_FOUND))?;
    let was_verified = user.get("emailVerified").and_then(Value::as_bool) == Some(true);
    let user = mark_verified(ctx, &mut tx, user).await?;
    let user_json = session::user_json(ctx, &user);
    let issued = if ctx.config.email.auto_sign_in_after_verification {
        Some(issue_session_in(ctx, req, &mut tx, SignIn::new(user.clone(), "email-otp")).await?)
    } else {
        None
    };
    tx.commit().await?;
    if !was_verified && ctx.config.email.welcome_email {
        email_verification::send_welcome(ctx, &user);
    }
    let Some(issued) = issued else {
        return Ok(AuthResponse::json(
            json!({"status": true, "token": null, "user": user_json}),
        ));
    };
    Ok(issued.respond(|s, cookies| {
        AuthResponse::json(json!({"status": true, "token": s.token, "user": user_json}))
            .cookies(cookies)
    }))
}

async fn sign_in(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let email = email_field(req)?;
    let mut tx = redeem_code(ctx, req, &email, OtpType::SignIn).await?;
    let sign_up = !settings(ctx).disable_sign_up;
    let sign_in = match passwordless::user_for_proven_email(
        ctx,
        &mut tx,
        req,
        &email,
        req.str_field("name"),
        req.str_field("image"),
        sign_up,
    )
    .await?
    {
        ProvenUser::Existing(u) => SignIn::new(u, "email-otp"),
        ProvenUser::Created(u) => SignIn::sign_up(u, "email-otp"),
        ProvenUser::SignUpRefused => return Err(ApiError::bad_request(codes::USER_NOT_FOUND)),
    };
    let user_json = session::user_json(ctx, &sign_in.user);
    let issued = issue_session_in(ctx, req, &mut tx, sign_in).await?;
    tx.commit().await?;
    Ok(issued.respond(|s, cookies| {
        AuthResponse::json(json!({"token": s.token, "user": user_json})).cookies(cookies)
    }))
}

async fn request_password_reset(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let email = email_field(req)?;
    // As send-verification-otp: the lookup and the send happen once the answer is out.
    ctx.defer(
        OtpType::ForgetPassword.kind(),
        Some(email.clone()),
        move |ctx| async move {
            if users::find_user_by_email(&ctx, &email).await?.is_some() {
                send_code(&ctx, &email, OtpType::ForgetPassword).await?;
            }
            Ok(())
        },
    );
    Ok(success())
}

async fn reset_password(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let email = email_field(req)?;
    let password = req.str_field("password").unwrap_or_default();
    users::check_password_length(ctx, password)?;
    // As Better Auth: the code is checked and kept, then the password, then the code is spent,
    // in the transaction that sets the password. A breached password costs the user neither
    // the code nor an attempt.
    check_code(ctx, req, &email, OtpType::ForgetPassword).await?;
    users::refuse_breached_password(ctx, password).await?;
    let hash = password_reset::hash_new_password(ctx, password).await?;
    let mut tx = redeem_code(ctx, req, &email, OtpType::ForgetPassword).await?;
    let user = users::find_user_by_email_in(tx.store(), &email)
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::USER_NOT_FOUND))?;
    let user_id = user.get("id").and_then(Value::as_str).unwrap_or_default();
    password_reset::replace_password(ctx, req, &mut tx, user_id, hash).await?;
    // The code came to this mailbox: it is proven.
    let user = mark_verified(ctx, &mut tx, user).await?;
    tx.commit().await?;
    password_reset::password_was_reset(ctx, req, &user).await;
    Ok(success())
}
