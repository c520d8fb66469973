//! The endpoints, at Better Auth's paths with its bodies, answers and errors.

use portcullis_core::audit::{self, AuditEvent, Refusal};
use std::sync::Arc;

use http::Method;
use portcullis_core::cookies::SetCookie;
use portcullis_core::crypto::symmetric;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::codes;
use portcullis_core::one_time_code;
use portcullis_core::openapi::schema;
use portcullis_core::session::{self, SessionWithUser, Sessions};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, Writes, users, verification};
use portcullis_storage::{Row, Value, Where};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::challenge::{self, Subject};
use super::notices::{self, Change};
use super::store::{self, TwoFactorRow};
use super::{
    BACKUP_CODES_NOT_ENABLED, INVALID_BACKUP_CODE, INVALID_CODE, OTP_EMAIL, OTP_HAS_EXPIRED,
    OTP_NOT_CONFIGURED, OTP_SMS, TABLE, TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE, TOTP_ALREADY_ENABLED,
    TOTP_NOT_ENABLED, TWO_FACTOR_NOT_ENABLED, TotpCheck, backup_codes, enabled_for, issuer,
    settings, totp,
};

const TAG: &str = "Two factor";

pub fn all() -> Vec<Endpoint> {
    let password = || FieldSpec::req("password", Ty::String, "The user's password");
    let code = || FieldSpec::req("code", Ty::String, "The code to verify, e.g. \"012345\"");
    let trust = || {
        FieldSpec::opt(
            "trustDevice",
            Ty::Boolean,
            "Trust this device for 30 days: later sign-ins from it skip the second step",
        )
    };
    let token_and_user = || {
        schema::object(json!({
            "token": schema::string("The session's token (also set as the cookie)"),
            "user": schema::user(),
        }))
    };
    vec![
        Endpoint::new(Method::POST, "/two-factor/enable", "enableTwoFactor", portcullis_core::handler!(enable))
            .summary("Enable two factor authentication", "`method: \"totp\"` (the default) starts TOTP enrolment: it answers the `otpauth://` URI and ten backup codes, and two-factor is on once `/two-factor/verify-totp` accepts a first code. `method: \"otp\"` turns on codes by e-mail at once and replaces the session.")
            .tag(TAG)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                password(),
                FieldSpec::opt("method", Ty::OneOf(&["otp", "totp"]), "totp (authenticator app) or otp (codes by e-mail)"),
                FieldSpec::opt("issuer", Ty::String, "The issuer shown in the authenticator app (default APP_NAME)"),
            ]))
            .returns(schema::object_with(json!({
                "method": schema::one_of(&["otp", "totp"], "The method enabled"),
                "totpURI": schema::string("With totp: the otpauth:// URI for the authenticator app"),
                "backupCodes": schema::array(schema::string("A backup code, shown once")),
            }), &["method"])),
        Endpoint::new(Method::POST, "/two-factor/disable", "disableTwoFactor", portcullis_core::handler!(disable))
            .summary("Disable two factor authentication", "Removes TOTP and backup codes, replaces the session and forgets this device's trust.")
            .tag(TAG)
            .auth(Auth::Sensitive)
            .body(BodySpec::object(vec![password()]))
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/two-factor/get-totp-uri", "getTOTPURI", portcullis_core::handler!(get_totp_uri))
            .summary("Get the TOTP URI", "The otpauth:// URI of the enrolled secret, for adding it to another app.")
            .tag(TAG)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![password()]))
            .returns(schema::object(json!({"totpURI": schema::string("The otpauth:// URI")}))),
        Endpoint::new(Method::POST, "/two-factor/verify-totp", "verifyTOTP", portcullis_core::handler!(verify_totp))
            .summary("Verify a TOTP code", "With the `two_factor` cookie: the second step of a sign-in, which issues the session. With a session: completes TOTP enrolment (the session is replaced). Each code is accepted once.")
            .tag(TAG)
            .body(BodySpec::object(vec![code(), trust()]))
            .returns(token_and_user()),
        Endpoint::new(Method::POST, "/two-factor/send-otp", "sendTwoFactorOTP", portcullis_core::handler!(send_otp))
            .summary("Send a one-time code", "E-mails a code to the user (and texts it to a verified phone number when the phone-number plugin is on).")
            .tag(TAG)
            .body(BodySpec::optional(vec![trust()]))
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/two-factor/verify-otp", "verifyTwoFactorOTP", portcullis_core::handler!(verify_otp))
            .summary("Verify a one-time code", "The second step of a sign-in with an e-mailed code, or, with a session, turning codes by e-mail on.")
            .tag(TAG)
            .body(BodySpec::object(vec![code(), trust()]))
            .returns(token_and_user()),
        Endpoint::new(Method::POST, "/two-factor/verify-backup-code", "verifyBackupCode", portcullis_core::handler!(verify_backup_code))
            .summary("Verify a backup code", "Each backup code works once. `disableSession: true` checks the code without issuing a session.")
            .tag(TAG)
            .body(BodySpec::object(vec![
                code(),
                FieldSpec::opt("disableSession", Ty::Boolean, "Check the code without setting the session cookie"),
                trust(),
            ]))
            .returns(schema::object_with(json!({
                "token": schema::string("The session's token"),
                "user": schema::user(),
            }), &["user"])),
        Endpoint::new(Method::POST, "/two-factor/generate-backup-codes", "generateBackupCodes", portcullis_core::handler!(generate_backup_codes))
            .summary("Generate new backup codes", "Replaces every backup code; the new ones are shown once.")
            .tag(TAG)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![password()]))
            .returns(schema::object(json!({
                "status": schema::always_true("Done"),
                "backupCodes": schema::array(schema::string("A backup code")),
            }))),
        Endpoint::new(Method::POST, "/two-factor/qr-code", "twoFactorQrCode", portcullis_core::handler!(qr_code))
            .summary("Draw a TOTP URI as a QR code", "Portcullis's own: an SVG of the `otpauth://totp/` URI `enable` answered, for the account page to show. Nothing is read or stored.")
            .tag(TAG)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![FieldSpec::req("totpURI", Ty::String, "The otpauth://totp/ URI").max_len(2048)]))
            .returns(schema::object(json!({"svg": schema::string("An SVG document")}))),
    ]
}

/// Better Auth's `validatePassword`: too long is `PASSWORD_TOO_LONG`; wrong, or no password
/// at all, is `INVALID_PASSWORD`.
async fn check_password(
    ctx: &AuthContext,
    req: &AuthRequest,
    user_id: &str,
) -> Result<(), ApiError> {
    let password = req.str_field("password").unwrap_or_default();
    if password.encode_utf16().count() > ctx.config.password_max_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_LONG));
    }
    match users::verify_user_password(ctx, user_id, password).await? {
        Some(true) => Ok(()),
        _ => Err(ApiError::bad_request(codes::INVALID_PASSWORD)),
    }
}

fn user_id(user: &Row) -> &str {
    user.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// Replaces the caller's session with a new one for `user`, in `tx` (Better Auth does this
/// whenever two-factor is turned on or off): the cookies carry the new user.
async fn replace_session(
    ctx: &AuthContext,
    req: &AuthRequest,
    tx: &mut Writes<'_>,
    current: &SessionWithUser,
    user: Row,
) -> Result<(String, Vec<SetCookie>), ApiError> {
    let dont_remember = session::dont_remember(ctx, req);
    let id = user_id(&user).to_owned();
    let (row, token) = session::create_session(ctx, tx.store(), &id, req, dont_remember).await?;
    let stored = current
        .session
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    tx.delete_sessions(Sessions::One {
        stored_token: &stored,
        user_id: &id,
    })
    .await?;
    let s = SessionWithUser {
        session: Arc::new(row),
        user: Arc::new(user),
        token: token.clone(),
        from_cookie_cache: false,
    };
    Ok((token, session::session_cookies(ctx, &s, dont_remember)))
}

/// A wrong second-factor code, in the audit log (never the code itself).
fn code_refused(ctx: &AuthContext, req: &AuthRequest, user_id: &str, method: &'static str) {
    let refusal = Refusal::new("two_factor.verify", method, "invalid_code").user(Some(user_id));
    audit::refused(ctx, req, refusal);
}

/// Sets `twoFactorEnabled` and replaces the session, in one transaction.
async fn switch(
    ctx: &AuthContext,
    req: &AuthRequest,
    current: &SessionWithUser,
    on: bool,
    method: &'static str,
) -> Result<(Row, String, Vec<SetCookie>), ApiError> {
    let id = current.user_id().to_owned();
    let mut tx = ctx.begin().await?;
    if !on {
        tx.delete_many(TABLE, &[Where::eq("userId", id.as_str())])
            .await?;
    }
    let mut set = Row::new();
    set.insert("twoFactorEnabled".into(), on.into());
    let user = tx
        .update_user(&id, set)
        .await?
        .ok_or_else(|| ApiError::bad_request(codes::USER_NOT_FOUND))?;
    let (token, cookies) = replace_session(ctx, req, &mut tx, current, user.clone()).await?;
    let e = AuditEvent::new(if on {
        "two_factor.enable"
    } else {
        "two_factor.disable"
    })
    .from_request(req)
    .by(current)
    .own()
    .detail("method", method);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    Ok((user, token, cookies))
}

async fn enable(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    let me = req.session()?;
    check_password(ctx, req, me.user_id()).await?;
    if req.str_field("method") == Some("otp") {
        if !s.otp_enabled {
            return Err(ApiError::bad_request(OTP_NOT_CONFIGURED));
        }
        let (user, _, cookies) = switch(ctx, req, me, true, "otp").await?;
        notices::send(ctx, req, &user, Change::OtpAdded);
        return Ok(AuthResponse::json(json!({"method": "otp"})).cookies(cookies));
    }
    let existing = store::find(ctx.adapter.as_ref(), me.user_id()).await?;
    if existing.as_ref().is_some_and(|r| r.verified) {
        return Err(ApiError::bad_request(TOTP_ALREADY_ENABLED));
    }
    let codes = backup_codes::generate();
    let secret = totp::new_secret();
    let mut row = Row::new();
    row.insert(
        "secret".into(),
        symmetric::seal(ctx.sealing_keys(), &secret).into(),
    );
    row.insert(
        "backupCodes".into(),
        backup_codes::store(ctx.sealing_keys(), &codes).into(),
    );
    row.insert("verified".into(), false.into());
    row.insert("failedVerificationCount".into(), 0i64.into());
    row.insert("lockedUntil".into(), Value::Null);
    row.insert("lastTotpStep".into(), Value::Null);
    match existing {
        // An enrolment never confirmed: a new secret replaces it.
        Some(old) => {
            ctx.adapter
                .update_many(TABLE, &[Where::eq("id", old.id.as_str())], row)
                .await?;
        }
        None => {
            row.insert(
                "id".into(),
                portcullis_core::crypto::token::generate_id(32).into(),
            );
            row.insert("userId".into(), me.user_id().into());
            ctx.adapter.create(TABLE, row).await?;
        }
    }
    let shown_issuer = req
        .str_field("issuer")
        .filter(|i| !i.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| issuer(ctx, &s));
    let email = me
        .user
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(AuthResponse::json(json!({
        "method": "totp",
        "totpURI": totp::uri(secret.as_bytes(), &shown_issuer, email),
        "backupCodes": codes,
    })))
}

async fn disable(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    check_password(ctx, req, me.user_id()).await?;
    let (user, _, mut cookies) = switch(ctx, req, me, false, "all").await?;
    if let Some(expired) = challenge::forget_trust(ctx, req).await? {
        cookies.push(expired);
    }
    notices::send(ctx, req, &user, Change::Removed);
    Ok(AuthResponse::json(json!({"status": true})).cookies(cookies))
}

async fn get_totp_uri(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let row = store::find(ctx.adapter.as_ref(), me.user_id())
        .await?
        .ok_or_else(|| ApiError::bad_request(TOTP_NOT_ENABLED))?;
    let key = row.totp_key(ctx)?;
    check_password(ctx, req, me.user_id()).await?;
    let email = me
        .user
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(AuthResponse::json(json!({
        "totpURI": totp::uri(&key, &issuer(ctx, &settings(ctx)), email),
    })))
}

/// The caller's `twoFactor` row, refused with `missing` when there is none; while signing in,
/// also refused while the account's budget is spent.
async fn row_for(
    ctx: &AuthContext,
    subject: &Subject,
    missing: portcullis_core::ErrorCode,
) -> Result<TwoFactorRow, ApiError> {
    let row = store::find(ctx.adapter.as_ref(), subject.user_id())
        .await?
        .ok_or_else(|| ApiError::bad_request(missing))?;
    if matches!(subject, Subject::SigningIn { .. }) {
        store::assert_not_locked(ctx, &settings(ctx), &row).await?;
    }
    Ok(row)
}

async fn verify_totp(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    let subject = challenge::subject(ctx, req).await?;
    let row = store::find(ctx.adapter.as_ref(), subject.user_id())
        .await?
        .ok_or_else(|| ApiError::bad_request(TOTP_NOT_ENABLED))?;
    let signing_in = matches!(subject, Subject::SigningIn { .. });
    if signing_in && !row.verified {
        return Err(ApiError::bad_request(TOTP_NOT_ENABLED));
    }
    if signing_in {
        store::assert_not_locked(ctx, &s, &row).await?;
    }
    let attempt = match &subject {
        Subject::SigningIn { challenge, .. } => Some(challenge::begin(ctx, challenge, true).await?),
        Subject::SignedIn(_) => None,
    };
    let key = match row.totp_key(ctx) {
        Ok(k) => k,
        Err(e) => {
            if let Some(a) = attempt {
                a.restore(ctx).await?;
            }
            return Err(e);
        }
    };
    let code = req.str_field("code").unwrap_or_default();
    let check = super::check_totp(ctx, &row, &key, code).await?;
    if check != TotpCheck::Accepted {
        if let Some(a) = attempt {
            a.failed(ctx).await?;
        }
        if signing_in {
            store::record_failure(ctx, &s, &row).await;
        }
        if check == TotpCheck::Replayed {
            let refusal =
                Refusal::new("two_factor.verify", "totp", "replayed_code").user(Some(&row.user_id));
            audit::refused(ctx, req, refusal);
            super::totp_replayed(ctx, req, subject.user()).await;
        } else {
            code_refused(ctx, req, &row.user_id, "totp");
        }
        return Err(ApiError::new(401, INVALID_CODE));
    }
    if signing_in {
        store::reset_failures(ctx, &row).await?;
    }
    match (subject, attempt) {
        (Subject::SigningIn { user, .. }, Some(a)) => a.complete(ctx, req, user, &s).await,
        (Subject::SignedIn(me), _) => finish_enrolment(ctx, req, &me, &row).await,
        (Subject::SigningIn { .. }, None) => Err(ApiError::internal()),
    }
}

/// A first right TOTP code with a session: the secret is confirmed and, if two-factor was off,
/// turned on with a new session. Answers the new session's token and the updated user (Better
/// Auth answers the deleted session's token and the old user: wire spec §2.1).
async fn finish_enrolment(
    ctx: &AuthContext,
    req: &AuthRequest,
    me: &SessionWithUser,
    row: &TwoFactorRow,
) -> Result<AuthResponse, ApiError> {
    if row.verified {
        return Ok(signed_in_answer(ctx, me));
    }
    let mut set = Row::new();
    set.insert("verified".into(), true.into());
    if enabled_for(&me.user) {
        // Two-factor was on already (by e-mail codes): an authenticator is added.
        let w = audit::writes(ctx).await?;
        w.update_many(TABLE, &[Where::eq("id", row.id.as_str())], set)
            .await?;
        let e = AuditEvent::new("two_factor.totp_added")
            .from_request(req)
            .by(me)
            .own();
        audit::record(ctx, w.store(), e).await?;
        w.commit().await?;
        notices::send(ctx, req, &me.user, Change::TotpAdded);
        return Ok(signed_in_answer(ctx, me));
    }
    ctx.adapter
        .update_many(TABLE, &[Where::eq("id", row.id.as_str())], set)
        .await?;
    let (user, token, cookies) = switch(ctx, req, me, true, "totp").await?;
    notices::send(ctx, req, &user, Change::TotpAdded);
    Ok(
        AuthResponse::json(json!({"token": token, "user": session::user_json(ctx, &user)}))
            .cookies(cookies),
    )
}

fn signed_in_answer(ctx: &AuthContext, me: &SessionWithUser) -> AuthResponse {
    AuthResponse::json(json!({"token": me.token, "user": session::user_json(ctx, &me.user)}))
}

fn otp_identifier(subject: &Subject) -> String {
    format!("2fa-otp-{}", subject.otp_key())
}

async fn send_otp(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    if !s.otp_enabled {
        // Better Auth's message here is not its table's.
        return Err(ApiError::with_message(
            400,
            OTP_NOT_CONFIGURED,
            "otp isn't configured",
        ));
    }
    let subject = challenge::subject(ctx, req).await?;
    let policy = one_time_code::CodePolicy {
        digits: s.otp.digits,
        expires_in: s.otp.expires_in,
        allowed_attempts: s.otp.allowed_attempts,
    };
    let code = one_time_code::issue(ctx, &otp_identifier(&subject), policy).await?;
    let user = subject.user();
    let vars = json!({
        "otp": code,
        "expires_in_minutes": (s.otp.expires_in + 59) / 60,
    });
    if let Some(email) = user.get("email").and_then(Value::as_str) {
        ctx.delivery.send_email(email, OTP_EMAIL, vars.clone());
    }
    // A verified number, while the phone-number plugin is on, gets the code by SMS as well.
    if ctx.plugin::<crate::phone_number::PhoneNumber>().is_some()
        && user.get("phoneNumberVerified").and_then(Value::as_bool) == Some(true)
        && let Some(number) = user.get("phoneNumber").and_then(Value::as_str)
    {
        ctx.delivery.send_sms(number, OTP_SMS, vars);
    }
    Ok(AuthResponse::json(json!({"status": true})))
}

async fn verify_otp(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    let subject = challenge::subject(ctx, req).await?;
    let row = match &subject {
        Subject::SigningIn { .. } => {
            let row = store::find(ctx.adapter.as_ref(), subject.user_id()).await?;
            if let Some(r) = &row {
                store::assert_not_locked(ctx, &s, r).await?;
            }
            row
        }
        Subject::SignedIn(_) => None,
    };
    let identifier = otp_identifier(&subject);
    let store_ = ctx.adapter.as_ref();
    let found = verification::find(ctx, store_, &identifier)
        .await?
        .filter(|f| !f.expired);
    let Some(found) = found else {
        return Err(ApiError::bad_request(OTP_HAS_EXPIRED));
    };
    // Taken for the check: concurrent guesses cannot try more codes than allowed.
    if !verification::take(store_, &found).await? {
        return Err(ApiError::bad_request(OTP_HAS_EXPIRED));
    }
    let (hash, attempts) = found.value.rsplit_once(':').unwrap_or((&found.value, "0"));
    let attempts: u32 = attempts.parse().unwrap_or(u32::MAX);
    if attempts >= s.otp.allowed_attempts {
        return Err(ApiError::bad_request(TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE));
    }
    let code = req.str_field("code").unwrap_or_default().trim();
    let expected = one_time_code::keyed_hash(ctx, &identifier, code);
    if !bool::from(expected.as_bytes().ct_eq(hash.as_bytes())) {
        if let Some(expires_at) = found.expires_at {
            verification::create_until(
                ctx,
                store_,
                &identifier,
                &format!("{hash}:{}", attempts + 1),
                expires_at,
            )
            .await?;
        }
        if let Some(r) = &row {
            store::record_failure(ctx, &s, r).await;
            code_refused(ctx, req, &r.user_id, "otp");
        }
        return Err(ApiError::new(401, INVALID_CODE));
    }
    if let Some(r) = &row {
        store::reset_failures(ctx, r).await?;
    }
    match subject {
        Subject::SignedIn(me) if !enabled_for(&me.user) => {
            let (user, token, cookies) = switch(ctx, req, &me, true, "otp").await?;
            notices::send(ctx, req, &user, Change::OtpAdded);
            Ok(
                AuthResponse::json(json!({"token": token, "user": session::user_json(ctx, &user)}))
                    .cookies(cookies),
            )
        }
        Subject::SignedIn(me) => Ok(signed_in_answer(ctx, &me)),
        Subject::SigningIn { challenge, user } if enabled_for(&user) => {
            challenge::take_and_complete(ctx, req, &challenge, user, &s).await
        }
        // A challenge is only made for a user with two-factor on; it was turned off since.
        Subject::SigningIn { .. } => Err(ApiError::bad_request(codes::FAILED_TO_CREATE_SESSION)),
    }
}

async fn verify_backup_code(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    let subject = challenge::subject(ctx, req).await?;
    let row = row_for(ctx, &subject, BACKUP_CODES_NOT_ENABLED).await?;
    let signing_in = matches!(subject, Subject::SigningIn { .. });
    let attempt = match &subject {
        Subject::SigningIn { challenge, .. } => Some(challenge::begin(ctx, challenge, true).await?),
        Subject::SignedIn(_) => None,
    };
    let code = req.str_field("code").unwrap_or_default();
    let (remaining, left) = match backup_codes::check(ctx.sealing_keys(), &row.backup_codes, code) {
        backup_codes::Checked::Used { remaining, left } => (remaining, left),
        backup_codes::Checked::Wrong | backup_codes::Checked::Unreadable => {
            if let Some(a) = attempt {
                a.failed(ctx).await?;
            }
            if signing_in {
                store::record_failure(ctx, &s, &row).await;
            }
            code_refused(ctx, req, &row.user_id, "backup-code");
            return Err(ApiError::new(401, INVALID_BACKUP_CODE));
        }
    };
    if !store::swap_backup_codes(ctx, &row, &row.backup_codes, remaining).await? {
        if let Some(a) = attempt {
            a.restore(ctx).await?;
        }
        return Err(ApiError::message_only(
            409,
            "Failed to verify backup code. Please try again.",
        ));
    }
    if signing_in {
        store::reset_failures(ctx, &row).await?;
    }
    notices::send(ctx, req, subject.user(), Change::BackupCodeUsed { left });
    let disable_session = req.bool_field("disableSession") == Some(true);
    match (subject, attempt) {
        (Subject::SigningIn { user, .. }, Some(a)) if disable_session => {
            // The code is spent, but no session: the challenge stays for another step.
            a.restore(ctx).await?;
            Ok(AuthResponse::json(
                json!({"user": session::user_json(ctx, &user)}),
            ))
        }
        (Subject::SigningIn { user, .. }, Some(a)) => a.complete(ctx, req, user, &s).await,
        (Subject::SignedIn(me), _) => Ok(signed_in_answer(ctx, &me)),
        (Subject::SigningIn { .. }, None) => Err(ApiError::internal()),
    }
}

async fn generate_backup_codes(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    if !enabled_for(&me.user) {
        return Err(ApiError::bad_request(TWO_FACTOR_NOT_ENABLED));
    }
    check_password(ctx, req, me.user_id()).await?;
    let row = store::find(ctx.adapter.as_ref(), me.user_id())
        .await?
        .ok_or_else(|| ApiError::bad_request(TWO_FACTOR_NOT_ENABLED))?;
    let codes = backup_codes::generate();
    let mut set = Row::new();
    set.insert(
        "backupCodes".into(),
        backup_codes::store(ctx.sealing_keys(), &codes).into(),
    );
    ctx.adapter
        .update_many(TABLE, &[Where::eq("id", row.id.as_str())], set)
        .await?;
    notices::send(ctx, req, &me.user, Change::BackupCodesRegenerated);
    Ok(AuthResponse::json(
        json!({"status": true, "backupCodes": codes}),
    ))
}

async fn qr_code(_ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let uri = req.str_field("totpURI").unwrap_or_default();
    if !uri.starts_with("otpauth://totp/") {
        return Err(ApiError::validation(
            "[body.totpURI] Invalid input: expected an otpauth://totp/ URI".into(),
        ));
    }
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|_| ApiError::validation("[body.totpURI] Too long for a QR code".into()))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // The XML declaration is for files; the page puts the element in its document.
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    };
    Ok(AuthResponse::json(json!({"svg": svg})))
}
