//! Short numeric codes sent by email or SMS (email OTP, phone verification).
//!
//! A code lives in the `verification` table under a readable identifier such as
//! `sign-in-otp-ada@example.com`, with the value `<keyed hash of the code>:<failed attempts>`.
//! The hash is an HMAC under the server secret bound to the identifier, so a copy of the table
//! reveals no code and a six-digit code cannot be recovered from it by trying all million.
//! Wrong guesses are counted; once the limit is reached the code is gone.

use rand::Rng;
use subtle::ConstantTimeEq;

use crate::audit::Refusal;
use crate::config::{ConfigError, TableSource};
use crate::context::AuthContext;
use crate::crypto::sign::hmac_base64url;
use crate::endpoint::AuthRequest;
use crate::error::{ApiError, ErrorCode};
use crate::lockout::Lockout;
use crate::verification;
use crate::writes::Writes;
use portcullis_storage::Store;

crate::error_codes! {
    OTP_EXPIRED => "OTP expired",
    INVALID_OTP => "Invalid OTP",
    TOO_MANY_ATTEMPTS => "Too many attempts",
}

/// How codes are made and checked.
#[derive(Debug, Clone, Copy)]
pub struct CodePolicy {
    pub digits: u32,
    pub expires_in: i64,
    /// Wrong guesses allowed; the next check after them fails with `TOO_MANY_ATTEMPTS`.
    pub allowed_attempts: u32,
}

impl Default for CodePolicy {
    fn default() -> Self {
        CodePolicy {
            digits: 6,
            expires_in: 300,
            allowed_attempts: 3,
        }
    }
}

impl CodePolicy {
    /// Reads `<prefix>_LENGTH` (4–10), `<prefix>_EXPIRES_IN` (seconds) and
    /// `<prefix>_ALLOWED_ATTEMPTS` (≥ 1), each defaulting to Better Auth's value.
    /// Reads `length`, `expires_in` and `allowed_attempts` from a plugin's table, each
    /// overridden by `<prefix>_LENGTH`, `<prefix>_EXPIRES_IN` and `<prefix>_ALLOWED_ATTEMPTS`.
    pub fn load(src: &TableSource<'_>, prefix: &str) -> Result<Self, ConfigError> {
        let d = CodePolicy::default();
        // The name a bad value is reported under: the variable if set, else the table key.
        let reported = |key: &str, env: &str| -> Result<String, ConfigError> {
            Ok(src
                .get(key, Some(env))?
                .map(|(var, _)| var)
                .unwrap_or_else(|| src.var(key)))
        };
        let length_var = format!("{prefix}_LENGTH");
        let digits: u32 = src.parse("length", Some(&length_var), d.digits, "a number of digits")?;
        if !(4..=10).contains(&digits) {
            return Err(ConfigError::new(
                &reported("length", &length_var)?,
                "must be between 4 and 10",
            ));
        }
        let attempts_var = format!("{prefix}_ALLOWED_ATTEMPTS");
        let allowed_attempts: u32 = src.parse(
            "allowed_attempts",
            Some(&attempts_var),
            d.allowed_attempts,
            "a number of attempts",
        )?;
        if allowed_attempts == 0 {
            return Err(ConfigError::new(
                &reported("allowed_attempts", &attempts_var)?,
                "must be at least 1",
            ));
        }
        Ok(CodePolicy {
            digits,
            expires_in: src.lifetime(
                "expires_in",
                Some(&format!("{prefix}_EXPIRES_IN")),
                d.expires_in,
            )?,
            allowed_attempts,
        })
    }
}

/// Why a code was refused, with the errors each plugin answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// No code was issued for this identifier (or it was used up).
    NotFound,
    /// A wrong code.
    Invalid,
    Expired,
    TooManyAttempts,
}

impl CodeError {
    /// Why, for the audit log.
    pub fn reason(self) -> &'static str {
        match self {
            CodeError::NotFound => "no_code",
            CodeError::Invalid => "invalid_code",
            CodeError::Expired => "expired",
            CodeError::TooManyAttempts => "too_many_attempts",
        }
    }

    /// `not_found` is what the plugin answers for a missing code (email OTP: `INVALID_OTP`,
    /// phone number: `OTP_NOT_FOUND`).
    pub fn api_error(self, not_found: ErrorCode) -> ApiError {
        match self {
            CodeError::NotFound => ApiError::bad_request(not_found),
            CodeError::Invalid => ApiError::bad_request(INVALID_OTP),
            CodeError::Expired => ApiError::bad_request(OTP_EXPIRED),
            CodeError::TooManyAttempts => ApiError::new(403, TOO_MANY_ATTEMPTS),
        }
    }
}

/// How a code is stored under `identifier`: an HMAC under the server secret bound to the
/// identifier. Public for a plugin that checks codes against its own budget (two-factor).
pub fn keyed_hash(ctx: &AuthContext, identifier: &str, code: &str) -> String {
    hmac_base64url(ctx.secret(), &format!("{identifier}:{code}"))
}

/// A uniformly random code of `digits` digits, leading zeros kept.
pub fn random_code(digits: u32) -> String {
    let n = crate::crypto::token::csprng().gen_range(0..10u64.pow(digits));
    format!("{n:0width$}", width = digits as usize)
}

/// Issues a fresh code for `identifier`, replacing any earlier one, and returns it.
pub async fn issue(
    ctx: &AuthContext,
    identifier: &str,
    policy: CodePolicy,
) -> Result<String, ApiError> {
    let code = random_code(policy.digits);
    let value = format!("{}:0", keyed_hash(ctx, identifier, &code));
    verification::replace(
        ctx,
        ctx.adapter.as_ref(),
        identifier,
        &value,
        policy.expires_in,
    )
    .await?;
    Ok(code)
}

/// Whose code it is: wrong guesses also count against this account's budget for the method,
/// across fresh codes (`Lockout::codes`).
#[derive(Debug, Clone, Copy)]
pub struct CodeAccount<'a> {
    /// `email-otp` or `phone-otp`.
    pub method: &'static str,
    /// The e-mail address or phone number the codes go to.
    pub identity: &'a str,
    /// What a refused code is recorded as: `user.sign_in`, `user.verify_email`,
    /// `user.reset_password`.
    pub action: &'static str,
}

/// A refused code, in the audit log with why (never the code).
fn refused(ctx: &AuthContext, req: &AuthRequest, account: CodeAccount<'_>, error: CodeError) {
    let refusal =
        Refusal::new(account.action, account.method, error.reason()).identity(account.identity);
    crate::audit::refused(ctx, req, refusal);
}

/// Checks `code` without using it up (Better Auth's check-verification-otp). A wrong code
/// counts an attempt.
pub async fn check(
    ctx: &AuthContext,
    req: &AuthRequest,
    identifier: &str,
    code: &str,
    policy: CodePolicy,
    account: CodeAccount<'_>,
) -> Result<Result<(), CodeError>, ApiError> {
    let tx = ctx.begin().await?;
    let checked = check_in(ctx, tx.store(), identifier, code, policy, account, false).await?;
    tx.commit().await?;
    if let Err(e) = checked {
        refused(ctx, req, account, e);
    }
    Ok(checked)
}

/// Checks `code` in a new transaction and, when it is right, hands that transaction back for
/// the code's effect: the code is used up only if the effect commits with it, so a failure
/// leaves it usable. A wrong code's counted attempt is committed before the error returns.
pub async fn redeem<'c>(
    ctx: &'c AuthContext,
    req: &AuthRequest,
    identifier: &str,
    code: &str,
    policy: CodePolicy,
    account: CodeAccount<'_>,
) -> Result<Result<Writes<'c>, CodeError>, ApiError> {
    let tx = ctx.begin().await?;
    match check_in(ctx, tx.store(), identifier, code, policy, account, true).await? {
        Ok(()) => Ok(Ok(tx)),
        Err(e) => {
            tx.commit().await?;
            refused(ctx, req, account, e);
            Ok(Err(e))
        }
    }
}

/// Checks `code` in `store`. On success the code is used up when `consume` is set; a wrong code
/// counts an attempt, for the code and for the account's budget.
///
/// The row is taken (deleted) before the code is compared, and put back with the attempt
/// counted (or unchanged, for a right code that is not consumed). Of concurrent guesses only
/// the one that took the row is compared; the others are refused. So a flood of parallel
/// guesses cannot try more codes than the attempt limit allows.
async fn check_in(
    ctx: &AuthContext,
    store: &dyn Store,
    identifier: &str,
    code: &str,
    policy: CodePolicy,
    account: CodeAccount<'_>,
    consume: bool,
) -> Result<Result<(), CodeError>, ApiError> {
    let budget = Lockout::codes(ctx, account.method, account.identity);
    if budget.is_locked().await {
        return Ok(Err(CodeError::TooManyAttempts));
    }
    let Some(found) = verification::find(ctx, store, identifier).await? else {
        return Ok(Err(CodeError::NotFound));
    };
    let (Some(expires_at), false) = (found.expires_at, found.expired) else {
        verification::delete(store, &found.id).await?;
        return Ok(Err(CodeError::Expired));
    };
    let (hash, attempts) = found.value.rsplit_once(':').unwrap_or((&found.value, "0"));
    let attempts: u32 = attempts.parse().unwrap_or(u32::MAX);
    if attempts >= policy.allowed_attempts {
        verification::delete(store, &found.id).await?;
        return Ok(Err(CodeError::TooManyAttempts));
    }
    if !verification::delete(store, &found.id).await? {
        // Another request holds it right now.
        return Ok(Err(CodeError::Invalid));
    }
    let expected = keyed_hash(ctx, identifier, code.trim());
    let right = bool::from(expected.as_bytes().ct_eq(hash.as_bytes()));
    let put_back = match (right, consume) {
        (true, true) => None,
        (true, false) => Some(found.value.clone()),
        (false, _) => Some(format!("{hash}:{}", attempts + 1)),
    };
    if let Some(value) = put_back {
        verification::create_until(ctx, store, identifier, &value, expires_at).await?;
    }
    if !right {
        budget.failed().await;
    }
    Ok(if right {
        Ok(())
    } else {
        Err(CodeError::Invalid)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_requested_digits() {
        for _ in 0..200 {
            let c = random_code(6);
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(random_code(8).len(), 8);
    }

    fn sources(pairs: &[(&str, &str)]) -> crate::config::Sources {
        let env = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        crate::config::Sources::new(env).expect("sources")
    }

    #[test]
    fn policy_settings_name_the_bad_variable() {
        let p = CodePolicy::load(&sources(&[]).plugin("email_otp"), "EMAIL_OTP").expect("defaults");
        assert_eq!((p.digits, p.expires_in, p.allowed_attempts), (6, 300, 3));
        let p = CodePolicy::load(
            &sources(&[("PHONE_OTP_LENGTH", "8")]).plugin("phone_number"),
            "PHONE_OTP",
        )
        .expect("eight digits");
        assert_eq!(p.digits, 8);
        for (var, value) in [
            ("EMAIL_OTP_LENGTH", "3"),
            ("EMAIL_OTP_ALLOWED_ATTEMPTS", "0"),
            ("EMAIL_OTP_EXPIRES_IN", "5"),
            ("EMAIL_OTP_EXPIRES_IN", "soon"),
        ] {
            let src = sources(&[(var, value)]);
            let e = CodePolicy::load(&src.plugin("email_otp"), "EMAIL_OTP").expect_err("bad value");
            assert_eq!(e.var, var);
        }
    }

    #[test]
    fn policy_settings_from_the_plugin_table_name_the_key() {
        let dir = std::env::temp_dir().join(format!("pc-otp-{}", random_code(8)));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("portcullis.toml");
        std::fs::write(
            &file,
            "[plugins.email_otp]\nlength = 8\nallowed_attempts = 0\n",
        )
        .expect("write");
        let path = file.display().to_string();
        let src = sources(&[("PORTCULLIS_CONFIG", path.as_str())]);
        let e = CodePolicy::load(&src.plugin("email_otp"), "EMAIL_OTP").expect_err("zero");
        assert_eq!(e.var, "plugins.email_otp.allowed_attempts");
        // The variable wins over the table.
        let src = sources(&[
            ("PORTCULLIS_CONFIG", path.as_str()),
            ("EMAIL_OTP_ALLOWED_ATTEMPTS", "5"),
        ]);
        let p = CodePolicy::load(&src.plugin("email_otp"), "EMAIL_OTP").expect("table + variable");
        assert_eq!((p.digits, p.allowed_attempts), (8, 5));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
