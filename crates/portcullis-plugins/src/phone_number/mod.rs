//! `phone-number`: an E.164 phone number on the user, verified by SMS code; sign in with it and
//! a password; reset the password by SMS.
//!
//! Codes use `portcullis_core::one_time_code` under the identifier `<number>` (verification)
//! or `<number>-request-password-reset`: six digits, five minutes, three wrong guesses.

use async_trait::async_trait;
use http::Method;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::{ErrorCode, codes};
use portcullis_core::one_time_code::{
    self, CodeAccount, CodePolicy, INVALID_OTP, OTP_EXPIRED, TOO_MANY_ATTEMPTS,
};
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::{Messages, Sends, TemplateSource};
use portcullis_core::rate_limit::PathRule;
use portcullis_core::routes::password_reset;
use portcullis_core::routes::sign_in::password_sign_in;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{
    ApiError, AuthContext, Before, Config, ConfigError, Plugin, SignIn, Writes, issue_session_in,
    session, users,
};
use portcullis_storage::{Field, FieldType, Row, Store, Table, Value, Where};
use serde_json::json;

/// `templates/sms-otp.txt`: `otp`, `expires_in_minutes`.
pub const SMS: &str = "otp";

portcullis_core::error_codes! {
    INVALID_PHONE_NUMBER => "Invalid phone number",
    PHONE_NUMBER_EXIST => "Phone number already exists",
    PHONE_NUMBER_CANNOT_BE_UPDATED => "Phone number cannot be updated",
    PHONE_NUMBER_CANNOT_BE_SET => "Phone number can only be set by verifying it",
    INVALID_PHONE_NUMBER_OR_PASSWORD => "Invalid phone number or password",
    OTP_NOT_FOUND => "OTP not found",
}

const ALL: &[ErrorCode] = &[
    INVALID_PHONE_NUMBER,
    PHONE_NUMBER_EXIST,
    PHONE_NUMBER_CANNOT_BE_UPDATED,
    PHONE_NUMBER_CANNOT_BE_SET,
    INVALID_PHONE_NUMBER_OR_PASSWORD,
    OTP_NOT_FOUND,
    OTP_EXPIRED,
    INVALID_OTP,
    TOO_MANY_ATTEMPTS,
];

/// E.164: `+`, a non-zero country digit, at most 15 digits in all.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[derive(Debug, Clone)]
pub struct PhoneNumberSettings {
    pub policy: CodePolicy,
}

impl PhoneNumberSettings {
    /// `None` unless `ENABLE_PHONE_AUTH` is on. Each variable may also be set as a key of
    /// `[plugins.phone_number]` (`enabled`, `length`, `expires_in`, `allowed_attempts`); the
    /// variable wins.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("phone_number");
        if !src.flag("enabled", Some("ENABLE_PHONE_AUTH"), false)? {
            return Ok(None);
        }
        Ok(Some(PhoneNumberSettings {
            policy: CodePolicy::load(&src, "PHONE_OTP")?,
        }))
    }
}

pub struct PhoneNumber {
    settings: PhoneNumberSettings,
}

impl PhoneNumber {
    pub fn new(settings: PhoneNumberSettings) -> Self {
        PhoneNumber { settings }
    }
}

fn policy(ctx: &AuthContext) -> CodePolicy {
    ctx.plugin::<PhoneNumber>()
        .map(|p| p.settings.policy)
        .unwrap_or_default()
}

fn reset_identifier(number: &str) -> String {
    format!("{number}-request-password-reset")
}

/// The request's `phoneNumber`, which must be E.164.
fn number_field(req: &AuthRequest) -> Result<&str, ApiError> {
    let n = req.str_field("phoneNumber").unwrap_or_default();
    if !is_e164(n) {
        return Err(ApiError::bad_request(INVALID_PHONE_NUMBER));
    }
    Ok(n)
}

/// The user with this number, read through `store` (inside a transaction, its own).
async fn find_by_number(store: &dyn Store, number: &str) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one("user", &[Where::eq("phoneNumber", number)])
        .await?)
}

#[async_trait]
impl Plugin for PhoneNumber {
    fn id(&self) -> &'static str {
        "phone-number"
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

    fn schema(&self) -> Vec<Table> {
        vec![Table::new(
            "user",
            vec![
                Field::new("phoneNumber", FieldType::String).unique(),
                Field::new("phoneNumberVerified", FieldType::Boolean).no_input(),
            ],
        )]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let number = || {
            FieldSpec::req(
                "phoneNumber",
                Ty::String,
                "E.164 phone number, e.g. +14155550123",
            )
        };
        vec![
            Endpoint::new(Method::POST, "/sign-in/phone-number", "signInPhoneNumber", portcullis_core::handler!(sign_in))
                .summary("Sign in with phone number and password", "Answers `{token, user}` with the session cookie.")
                .tag("Phone number")
                .body(BodySpec::object(vec![
                    number(),
                    FieldSpec::req("password", Ty::String, "Password"),
                    FieldSpec::opt("rememberMe", Ty::Boolean, "Defaults to true"),
                ]))
                .returns(schema::token_and_user()),
            Endpoint::new(Method::POST, "/phone-number/send-otp", "sendPhoneNumberOTP", portcullis_core::handler!(send_otp))
                .summary("Text a verification code", "Sends a six-digit code to the number.")
                .tag("Phone number")
                .body(BodySpec::object(vec![number()]))
                .returns(schema::object(json!({"message": schema::one_of(&["code sent"], "")}))),
            Endpoint::new(Method::POST, "/phone-number/verify", "verifyPhoneNumber", portcullis_core::handler!(verify))
                .summary("Verify a phone number with its code", "Marks the number verified and signs its user in; with `updatePhoneNumber`, sets it on the signed-in user instead.")
                .tag("Phone number")
                .body(BodySpec::object(vec![
                    number(),
                    FieldSpec::req("code", Ty::String, "The code from the SMS"),
                    FieldSpec::opt("disableSession", Ty::Boolean, "Do not sign in"),
                    FieldSpec::opt("updatePhoneNumber", Ty::Boolean, "Set the number on the signed-in user"),
                ]))
                .returns(schema::object(json!({
                    "status": schema::always_true("Done"),
                    "token": schema::nullable(schema::string("The session's token when one was issued (also set as the cookie), or the caller's with `updatePhoneNumber`; `null` with `disableSession`")),
                    "user": schema::user(),
                }))),
            Endpoint::new(Method::POST, "/phone-number/request-password-reset", "requestPasswordResetPhoneNumber", portcullis_core::handler!(request_password_reset))
                .summary("Text a password-reset code", "Same answer whether the number has an account or not.")
                .tag("Phone number")
                .body(BodySpec::object(vec![number()]))
                .returns(schema::status()),
            Endpoint::new(Method::POST, "/phone-number/reset-password", "resetPasswordPhoneNumber", portcullis_core::handler!(reset_password))
                .summary("Set a new password with a texted code", "The code works once.")
                .tag("Phone number")
                .body(BodySpec::object(vec![
                    number(),
                    FieldSpec::req("otp", Ty::String, "The code from the SMS"),
                    FieldSpec::req("newPassword", Ty::String, "The new password"),
                ]))
                .returns(schema::status()),
        ]
    }

    fn rate_limit_rules(&self) -> Vec<PathRule> {
        vec![
            PathRule::prefix("/phone-number/", 60, 10),
            PathRule::exact("/phone-number/send-otp", 60, 3),
            PathRule::exact("/phone-number/request-password-reset", 60, 3),
        ]
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![portcullis_core::template_source!(
            "src/phone_number/templates",
            "sms-otp.txt"
        )]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Sms(SMS)]
    }

    /// A number reaches a user only through a verified code, as in Better Auth 1.7: sign-up
    /// and update-user may not carry one.
    fn hooks(&self) -> portcullis_core::plugin::Hooks {
        portcullis_core::plugin::Hooks {
            before: portcullis_core::plugin::HookScope::Paths(&["/sign-up/email", "/update-user"]),
            ..Default::default()
        }
    }

    fn prepare_user(&self, _ctx: &AuthContext, req: &AuthRequest, user: &mut Row) {
        if req.state.get::<FalsyNumberGiven>().is_some() {
            user.insert("phoneNumberVerified".into(), Value::Bool(false));
        }
    }

    async fn before(&self, _ctx: &AuthContext, req: &mut AuthRequest) -> Result<Before, ApiError> {
        let Some(body) = req.body.as_mut().and_then(|b| b.as_object_mut()) else {
            return Ok(Before::Continue);
        };
        let Some(number) = body.get("phoneNumber").filter(|v| !v.is_null()) else {
            return Ok(Before::Continue);
        };
        match req.path.as_str() {
            "/update-user" => Err(ApiError::bad_request(PHONE_NUMBER_CANNOT_BE_UPDATED)),
            "/sign-up/email" if truthy(number) => {
                Err(ApiError::bad_request(PHONE_NUMBER_CANNOT_BE_SET))
            }
            "/sign-up/email" => {
                // Better Auth stores no number for a falsy one ("", 0, false), and marks the
                // user's number unverified (`prepare_user`); an empty string would also collide
                // in the unique column.
                body.remove("phoneNumber");
                req.state.insert(FalsyNumberGiven);
                Ok(Before::Continue)
            }
            _ => Ok(Before::Continue),
        }
    }
}

/// Sign-up named a falsy `phoneNumber`: the new user's `phoneNumberVerified` is `false`.
#[derive(Clone)]
struct FalsyNumberGiven;

/// JavaScript's truthiness, which Better Auth's check uses (`if (ctx.body.phoneNumber)`).
fn truthy(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => false,
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        serde_json::Value::String(s) => !s.is_empty(),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => true,
    }
}

async fn send_code(ctx: &AuthContext, number: &str, identifier: &str) -> Result<(), ApiError> {
    let policy = policy(ctx);
    let code = one_time_code::issue(ctx, identifier, policy).await?;
    ctx.delivery.send_sms(
        number,
        SMS,
        json!({"otp": code, "expires_in_minutes": (policy.expires_in + 59) / 60}),
    );
    Ok(())
}

/// Whose codes these are: wrong ones count against the number's budget, whichever code they
/// were for.
/// `action` is what a refused code is recorded as.
fn account<'a>(number: &'a str, action: &'static str) -> CodeAccount<'a> {
    CodeAccount {
        method: "phone-otp",
        identity: number,
        action,
    }
}

/// A code that signs in or proves a number (`/phone-number/verify`).
const VERIFY: &str = "user.sign_in";
/// A password-reset code.
const RESET: &str = "user.reset_password";

/// Checks `code` and keeps it, answering Better Auth's errors.
async fn check_code(
    ctx: &AuthContext,
    req: &AuthRequest,
    code_for: CodeAccount<'_>,
    identifier: &str,
    code: &str,
) -> Result<(), ApiError> {
    one_time_code::check(ctx, req, identifier, code, policy(ctx), code_for)
        .await?
        .map_err(|e| e.api_error(OTP_NOT_FOUND))
}

/// Takes `code`, answering Better Auth's errors; the code's effect goes in the transaction
/// returned, which uses the code up when it commits.
async fn redeem_code<'c>(
    ctx: &'c AuthContext,
    req: &AuthRequest,
    code_for: CodeAccount<'_>,
    identifier: &str,
    code: &str,
) -> Result<Writes<'c>, ApiError> {
    one_time_code::redeem(ctx, req, identifier, code, policy(ctx), code_for)
        .await?
        .map_err(|e| e.api_error(OTP_NOT_FOUND))
}

async fn sign_in(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let number = number_field(req)?;
    let password = req.str_field("password").unwrap_or_default();
    if password.encode_utf16().count() > ctx.config.password_max_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_LONG));
    }
    let by_number = [Where::eq("phoneNumber", number)];
    let invalid = || ApiError::new(401, INVALID_PHONE_NUMBER_OR_PASSWORD);
    let signed = password_sign_in(
        ctx,
        req,
        "phone-number",
        &by_number,
        number,
        password,
        invalid,
    )
    .await?;
    Ok(signed.respond(|s| {
        AuthResponse::json(json!({"token": s.token, "user": s.user})).cookies(s.cookies)
    }))
}

async fn send_otp(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let number = number_field(req)?;
    send_code(ctx, number, number).await?;
    Ok(AuthResponse::json(json!({"message": "code sent"})))
}

async fn verify(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let number = number_field(req)?;
    let code = req.str_field("code").unwrap_or_default();
    if req.bool_field("updatePhoneNumber") == Some(true) {
        return update_number(ctx, req, number, code).await;
    }
    let mut tx = redeem_code(ctx, req, account(number, VERIFY), number, code).await?;
    let user = find_by_number(tx.store(), number)
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::USER_NOT_FOUND))?;
    let user = mark_verified(ctx, &mut tx, user, number).await?;
    let user_json = session::user_json(ctx, &user);
    if req.bool_field("disableSession") == Some(true) {
        tx.commit().await?;
        return Ok(AuthResponse::json(
            json!({"status": true, "token": null, "user": user_json}),
        ));
    }
    let issued = issue_session_in(ctx, req, &mut tx, SignIn::new(user, "phone-number")).await?;
    tx.commit().await?;
    Ok(issued.respond(|s, cookies| {
        AuthResponse::json(json!({"status": true, "token": s.token, "user": user_json}))
            .cookies(cookies)
    }))
}

/// `updatePhoneNumber`: the signed-in user proves the number and takes it.
async fn update_number(
    ctx: &AuthContext,
    req: &AuthRequest,
    number: &str,
    code: &str,
) -> Result<AuthResponse, ApiError> {
    let s = match session::lookup(ctx, req, false).await? {
        session::Lookup::Found(s) => s,
        _ => return Err(ApiError::new(401, codes::UNAUTHORIZED)),
    };
    if let Some(owner) = find_by_number(ctx.adapter.as_ref(), number).await?
        && owner.get("id").and_then(Value::as_str) != Some(s.user_id())
    {
        return Err(ApiError::bad_request(PHONE_NUMBER_EXIST));
    }
    let mut tx = redeem_code(ctx, req, account(number, VERIFY), number, code).await?;
    // A number taken meanwhile fails the unique index: PHONE_NUMBER_EXIST, code still usable.
    let user = mark_verified(ctx, &mut tx, Row::clone(&s.user), number).await?;
    tx.commit().await?;
    Ok(AuthResponse::json(json!({
        "status": true,
        "token": s.token,
        "user": session::user_json(ctx, &user),
    })))
}

/// Sets the number on the user and marks it verified, in `tx`; returns the updated row.
async fn mark_verified(
    ctx: &AuthContext,
    tx: &mut Writes<'_>,
    mut user: Row,
    number: &str,
) -> Result<Row, ApiError> {
    let id = user
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut set = Row::new();
    set.insert("phoneNumber".into(), number.into());
    set.insert("phoneNumberVerified".into(), true.into());
    set.insert("updatedAt".into(), ctx.now().into());
    user.extend(set.clone());
    match tx.update_user(&id, set).await {
        Ok(_) => Ok(user),
        Err(portcullis_storage::StorageError::UniqueViolation) => {
            Err(ApiError::bad_request(PHONE_NUMBER_EXIST))
        }
        Err(e) => Err(e.into()),
    }
}

async fn request_password_reset(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let number = number_field(req)?.to_owned();
    // Whether the number has an account must not show in the time to answer: the lookup and
    // the text happen once the answer is out.
    ctx.defer(
        "phone-password-reset",
        Some(number.clone()),
        move |ctx| async move {
            if find_by_number(ctx.adapter.as_ref(), &number)
                .await?
                .is_some()
            {
                send_code(&ctx, &number, &reset_identifier(&number)).await?;
            }
            Ok(())
        },
    );
    Ok(AuthResponse::json(json!({"status": true})))
}

async fn reset_password(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let number = number_field(req)?;
    let new_password = req.str_field("newPassword").unwrap_or_default();
    users::check_password_length(ctx, new_password)?;
    let identifier = reset_identifier(number);
    let code = req.str_field("otp").unwrap_or_default();
    // As Better Auth: the code is checked and kept, then the password, then the code is spent,
    // in the transaction that sets the password. A breached password costs the user neither
    // the code nor an attempt.
    check_code(ctx, req, account(number, RESET), &identifier, code).await?;
    users::refuse_breached_password(ctx, new_password).await?;
    let hash = password_reset::hash_new_password(ctx, new_password).await?;
    let mut tx = redeem_code(ctx, req, account(number, RESET), &identifier, code).await?;
    let user = find_by_number(tx.store(), number)
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::USER_NOT_FOUND))?;
    let user_id = user.get("id").and_then(Value::as_str).unwrap_or_default();
    password_reset::replace_password(ctx, req, &mut tx, user_id, hash).await?;
    tx.commit().await?;
    password_reset::password_was_reset(ctx, req, &user).await;
    Ok(AuthResponse::json(json!({"status": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers() {
        assert!(is_e164("+14155550123"));
        assert!(is_e164("+447911123456"));
        assert!(!is_e164("14155550123"));
        assert!(!is_e164("+0123456789"));
        assert!(!is_e164("+1415555012345678"));
        assert!(!is_e164("+1 415 555 0123"));
        assert!(!is_e164("+1234"));
        assert!(!is_e164(""));
    }
}
