//! `two-factor`: Better Auth 1.7's `twoFactor` plugin. TOTP (authenticator apps), one-time codes
//! by e-mail (and SMS to a verified number), backup codes, and trusted devices.
//!
//! The second step comes after every first factor: the plugin's `hold_session` (core's one
//! place of issuance, `portcullis_core::issue`) holds back the session of a user with
//! `twoFactorEnabled` and answers with the challenge instead, `{twoFactorRedirect: true,
//! twoFactorMethods}` and the signed `two_factor` cookie (a redirect to the hosted challenge page
//! for a first factor that is a link followed in the browser). Better Auth holds only the
//! password sign-ins; here a magic link, an e-mail or SMS code and e-mail verification's sign-in
//! are held as well. A first step that proved two factors (a passkey with user verification)
//! passes.
//!
//! Storage is Better Auth's (`user.twoFactorEnabled`, the `twoFactor` table, the `verification`
//! rows of challenges and trusted devices), with these differences (README, "Differences from
//! Better Auth, on purpose"): backup codes are stored salted and hashed (`backup_codes`), each
//! TOTP step is accepted once (`twoFactor.lastTotpStep`), one-time codes and the random parts of
//! challenge and trust identifiers are stored hashed.

mod backup_codes;
mod challenge;
mod endpoints;
mod notices;
mod settings;
mod store;
mod totp;

use async_trait::async_trait;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::ErrorCode;
use portcullis_core::issue::PendingSession;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{Asset, Fragment, Messages, Page, Sends, TemplateSource};
use portcullis_core::rate_limit::PathRule;
use portcullis_core::security_event::{self, SecurityEvent};
use portcullis_core::{ApiError, AuthContext, Plugin};
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Field, FieldType, Row, Table, Value};
use serde_json::json;

pub use settings::{OtpPolicy, TwoFactorSettings};

/// Better Auth's table.
pub const TABLE: &str = "twoFactor";

/// `templates/email-two-factor-otp.*` and `sms-two-factor-otp.txt`: `otp`, `expires_in_minutes`.
pub const OTP_EMAIL: EmailTemplate = EmailTemplate::named("two-factor-otp");
pub const OTP_SMS: &str = "two-factor-otp";
/// `templates/email-two-factor-changed.*`: `change` (`totp-added`, `otp-added`, `removed`,
/// `backup-codes-regenerated`, `backup-code-used`), `codes_left`, and the request's origin.
pub const NOTICE_EMAIL: EmailTemplate = EmailTemplate::named("two-factor-changed");

portcullis_core::error_codes! {
    OTP_NOT_ENABLED => "OTP not enabled",
    OTP_NOT_CONFIGURED => "OTP is not available",
    OTP_HAS_EXPIRED => "OTP has expired",
    TOTP_NOT_ENABLED => "TOTP not enabled",
    TOTP_ALREADY_ENABLED => "TOTP is already enabled",
    TOTP_NOT_CONFIGURED => "TOTP is not available",
    TWO_FACTOR_NOT_ENABLED => "Two factor isn't enabled",
    BACKUP_CODES_NOT_ENABLED => "Backup codes aren't enabled",
    INVALID_BACKUP_CODE => "Invalid backup code",
    INVALID_CODE => "Invalid code",
    TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE => "Too many attempts. Please request a new code.",
    ACCOUNT_TEMPORARILY_LOCKED => "Too many failed verification attempts. Your account is temporarily locked. Please try again later.",
    INVALID_TWO_FACTOR_COOKIE => "Invalid two factor cookie",
}

const ALL: &[ErrorCode] = &[
    OTP_NOT_ENABLED,
    OTP_NOT_CONFIGURED,
    OTP_HAS_EXPIRED,
    TOTP_NOT_ENABLED,
    TOTP_ALREADY_ENABLED,
    TOTP_NOT_CONFIGURED,
    TWO_FACTOR_NOT_ENABLED,
    BACKUP_CODES_NOT_ENABLED,
    INVALID_BACKUP_CODE,
    INVALID_CODE,
    TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE,
    ACCOUNT_TEMPORARILY_LOCKED,
    INVALID_TWO_FACTOR_COOKIE,
];

/// The paths that issue sessions, where a trusted device's rotated cookie is added to the
/// answer (the after-hook): every first factor's endpoint.
const ISSUING_PREFIXES: &[&str] = &[
    "/sign-in",
    "/magic-link/",
    "/email-otp/",
    "/phone-number/",
    "/verify-email",
];

pub struct TwoFactor {
    settings: TwoFactorSettings,
    /// The trusted origins without wildcards: where the challenge page may send the browser
    /// after the second step when a sign-in link named an absolute `callbackURL`.
    callback_origins: Vec<String>,
}

impl TwoFactor {
    pub fn new(settings: TwoFactorSettings, trusted_origins: &[String]) -> Self {
        let callback_origins = trusted_origins
            .iter()
            .filter(|o| !o.contains('*'))
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        TwoFactor {
            settings,
            callback_origins,
        }
    }
}

/// The registered plugin's settings (handlers are plain functions).
fn settings(ctx: &AuthContext) -> TwoFactorSettings {
    ctx.plugin::<TwoFactor>()
        .map(|p| p.settings.clone())
        .unwrap_or_default()
}

/// A signed-in user proving their second factor again (an administrator stepping up before
/// a sensitive action): whether `code` is their authenticator's current code. Each step counts
/// once, and a wrong code counts toward the factor's lock, as at sign-in.
pub async fn confirm_totp(
    ctx: &AuthContext,
    req: &AuthRequest,
    user: &Row,
    code: &str,
) -> Result<bool, ApiError> {
    if !enabled_for(user) {
        return Ok(false);
    }
    let user_id = user.get("id").and_then(Value::as_str).unwrap_or_default();
    let Some(row) = store::find(ctx.adapter.as_ref(), user_id).await? else {
        return Ok(false);
    };
    if !row.verified {
        return Ok(false);
    }
    let s = settings(ctx);
    store::assert_not_locked(ctx, &s, &row).await?;
    let key = row.totp_key(ctx)?;
    let accepted = match check_totp(ctx, &row, &key, code).await? {
        TotpCheck::Accepted => true,
        TotpCheck::Replayed => {
            totp_replayed(ctx, req, user).await;
            false
        }
        TotpCheck::Wrong => false,
    };
    if accepted {
        store::reset_failures(ctx, &row).await?;
    } else {
        store::record_failure(ctx, &s, &row).await;
    }
    Ok(accepted)
}

/// What a TOTP code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TotpCheck {
    /// Right, and its step is now used.
    Accepted,
    /// Right, but its step (or a later one) was used already: seen, or sent twice.
    Replayed,
    Wrong,
}

/// Checks `code` against the authenticator's key and, when right, claims its step: a step is
/// used once, and a right code of a used step is told apart from a wrong one (ASVS V2.8.5).
pub(crate) async fn check_totp(
    ctx: &AuthContext,
    row: &store::TwoFactorRow,
    key: &[u8],
    code: &str,
) -> Result<TotpCheck, ApiError> {
    let now = u64::try_from(ctx.now().timestamp()).unwrap_or_default();
    let Some(step) = totp::matching_step(key, code, now).and_then(|st| i64::try_from(st).ok())
    else {
        return Ok(TotpCheck::Wrong);
    };
    if row.last_step.is_some_and(|last| step <= last) {
        return Ok(TotpCheck::Replayed);
    }
    // Claimed only if still later than the last used step: a concurrent request with the same
    // code loses here and is a replay too.
    Ok(if store::claim_step(ctx, row, step).await? {
        TotpCheck::Accepted
    } else {
        TotpCheck::Replayed
    })
}

/// A replayed code: refused like a wrong one (and counted against the guess budget), but also
/// recorded as a security event and told to the owner.
pub(crate) async fn totp_replayed(ctx: &AuthContext, req: &AuthRequest, user: &Row) {
    let user_id = user.get("id").and_then(Value::as_str).unwrap_or_default();
    security_event::emit(
        ctx,
        SecurityEvent::TotpCodeReplayed {
            user_id: user_id.to_owned(),
        },
    )
    .await;
    notices::send(ctx, req, user, notices::Change::TotpReplayed);
}

/// Whether the user row says two-factor is on: read from the row the first factor already
/// has, so a user without it costs the sign-in no query.
pub fn enabled_for(user: &Row) -> bool {
    user.get("twoFactorEnabled").and_then(Value::as_bool) == Some(true)
}

/// Better Auth's `appName` for the TOTP issuer, unless `TWO_FACTOR_ISSUER` names another.
fn issuer(ctx: &AuthContext, settings: &TwoFactorSettings) -> String {
    if settings.issuer.is_empty() {
        ctx.config.brand.name.clone()
    } else {
        settings.issuer.clone()
    }
}

#[async_trait]
impl Plugin for TwoFactor {
    fn id(&self) -> &'static str {
        "two-factor"
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        use FieldType::*;
        vec![
            Table::new(
                "user",
                vec![
                    Field::new("twoFactorEnabled", Boolean)
                        .default(false)
                        .no_input(),
                ],
            ),
            Table::new(
                TABLE,
                vec![
                    Field::new("secret", String).required().hidden().index(),
                    Field::new("backupCodes", String).required().hidden(),
                    Field::new("userId", String)
                        .required()
                        .hidden()
                        .references("user", "id")
                        .index(),
                    Field::new("verified", Boolean).default(true).no_input(),
                    Field::new("failedVerificationCount", Number)
                        .default(0i64)
                        .no_input()
                        .hidden(),
                    Field::new("lockedUntil", Date).no_input().hidden(),
                    // Portcullis's: the last TOTP step accepted, so each code works once.
                    Field::new("lastTotpStep", Number).no_input().hidden(),
                ],
            ),
        ]
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        endpoints::all()
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL
    }

    fn rate_limit_rules(&self) -> Vec<PathRule> {
        vec![PathRule::prefix("/two-factor/", 10, 3)]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            after: HookScope::Prefixes(ISSUING_PREFIXES),
            issue: true,
            ..Hooks::default()
        }
    }

    async fn hold_session(
        &self,
        ctx: &AuthContext,
        req: &AuthRequest,
        pending: &PendingSession<'_>,
    ) -> Result<Option<AuthResponse>, ApiError> {
        if pending.both_factors || !enabled_for(pending.user) {
            return Ok(None);
        }
        challenge::hold(ctx, req, pending, &self.settings).await
    }

    async fn after(&self, _ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        if let Some(challenge::RotatedTrust(cookie)) = req.state.take::<challenge::RotatedTrust>()
            && res.status < 400
        {
            res.cookies.push(cookie);
        }
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!(
                "src/two_factor/templates",
                "email-two-factor-otp.html"
            ),
            portcullis_core::template_source!(
                "src/two_factor/templates",
                "email-two-factor-otp.txt"
            ),
            portcullis_core::template_source!("src/two_factor/templates", "sms-two-factor-otp.txt"),
            portcullis_core::template_source!(
                "src/two_factor/templates",
                "email-two-factor-changed.html"
            ),
            portcullis_core::template_source!(
                "src/two_factor/templates",
                "email-two-factor-changed.txt"
            ),
        ]
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![
            Sends::Email(OTP_EMAIL),
            Sends::Sms(OTP_SMS),
            Sends::Email(NOTICE_EMAIL),
        ]
    }

    fn pages(&self) -> Vec<Page> {
        vec![
            Page::new(
                challenge::PAGE,
                portcullis_core::template_source!("src/two_factor/templates", "two-factor.html"),
                "two-factor-title",
            )
            .context(json!({
                "otp_enabled": self.settings.otp_enabled,
                "trust_days": self.settings.trust_device_max_age / 86_400,
                "callback_origins": self.callback_origins,
            })),
        ]
    }

    fn fragments(&self) -> Vec<Fragment> {
        vec![Fragment::new(
            "account.security",
            portcullis_core::template_source!(
                "src/two_factor/templates",
                "account-two-factor.html"
            ),
        )]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![
            portcullis_core::asset!(
                "src/two_factor/assets",
                "two-factor.js",
                "text/javascript; charset=utf-8"
            ),
            portcullis_core::asset!(
                "src/two_factor/assets",
                "two-factor-account.js",
                "text/javascript; charset=utf-8"
            ),
            portcullis_core::asset!(
                "src/two_factor/assets",
                "two-factor.css",
                "text/css; charset=utf-8"
            ),
        ]
    }
}
