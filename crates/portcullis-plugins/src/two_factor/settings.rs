//! The two-factor plugin's settings: variables, or keys of `[plugins.two_factor]` (the
//! variable wins).

use portcullis_core::config::TableSource;
use portcullis_core::{Config, ConfigError};

/// How e-mailed (and texted) one-time codes are made and checked: Better Auth's `otpOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpPolicy {
    pub digits: u32,
    /// Seconds a code lives (Better Auth: 3 minutes).
    pub expires_in: i64,
    /// Wrong codes allowed per code; the next try answers `TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE`.
    pub allowed_attempts: u32,
}

impl Default for OtpPolicy {
    fn default() -> Self {
        OtpPolicy {
            digits: 6,
            expires_in: 180,
            allowed_attempts: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoFactorSettings {
    /// The TOTP issuer shown in authenticator apps; empty means `APP_NAME`.
    pub issuer: String,
    /// Whether one-time codes by e-mail (and SMS) are offered (`send-otp`, `method: "otp"`).
    pub otp_enabled: bool,
    pub otp: OtpPolicy,
    /// Seconds a sign-in challenge (the `two_factor` cookie) lives.
    pub challenge_max_age: i64,
    /// Seconds a trusted device skips the challenge (the `trust_device` cookie).
    pub trust_device_max_age: i64,
    /// Failed codes of any kind, per account, that lock the second factor; 0 turns it off.
    pub max_failed_attempts: u32,
    /// Seconds the second factor stays locked.
    pub lock_duration: i64,
}

impl Default for TwoFactorSettings {
    fn default() -> Self {
        TwoFactorSettings {
            issuer: String::new(),
            otp_enabled: true,
            otp: OtpPolicy::default(),
            challenge_max_age: 600,
            trust_device_max_age: 2_592_000,
            max_failed_attempts: 10,
            lock_duration: 900,
        }
    }
}

impl TwoFactorSettings {
    /// `None` unless `ENABLE_TWO_FACTOR` is on (or `ENABLE_2FA`, the name the design
    /// documents use).
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("two_factor");
        let on = match config.sources.get("ENABLE_2FA") {
            Some(_) if config.sources.get("ENABLE_TWO_FACTOR").is_none() => {
                config.sources.flag("ENABLE_2FA", false)?
            }
            _ => src.flag("enabled", Some("ENABLE_TWO_FACTOR"), false)?,
        };
        if !on {
            return Ok(None);
        }
        let d = TwoFactorSettings::default();
        Ok(Some(TwoFactorSettings {
            issuer: src.string("issuer", Some("TWO_FACTOR_ISSUER"), "")?,
            otp_enabled: src.flag("otp", Some("TWO_FACTOR_OTP"), d.otp_enabled)?,
            otp: load_otp(&src)?,
            challenge_max_age: src.lifetime(
                "challenge_max_age",
                Some("TWO_FACTOR_CHALLENGE_MAX_AGE"),
                d.challenge_max_age,
            )?,
            trust_device_max_age: src.lifetime(
                "trust_device_max_age",
                Some("TWO_FACTOR_TRUST_DEVICE_MAX_AGE"),
                d.trust_device_max_age,
            )?,
            max_failed_attempts: src.parse(
                "max_failed_attempts",
                Some("TWO_FACTOR_MAX_FAILED_ATTEMPTS"),
                d.max_failed_attempts,
                "a number of attempts (0 turns the lock off)",
            )?,
            lock_duration: src.lifetime(
                "lock_duration",
                Some("TWO_FACTOR_LOCK_DURATION"),
                d.lock_duration,
            )?,
        }))
    }
}

fn load_otp(src: &TableSource<'_>) -> Result<OtpPolicy, ConfigError> {
    let d = OtpPolicy::default();
    let digits: u32 = src.parse(
        "otp_length",
        Some("TWO_FACTOR_OTP_LENGTH"),
        d.digits,
        "a number of digits",
    )?;
    if !(6..=10).contains(&digits) {
        return Err(ConfigError::new(
            &reported(src, "otp_length", "TWO_FACTOR_OTP_LENGTH")?,
            "must be between 6 and 10",
        ));
    }
    let allowed_attempts: u32 = src.parse(
        "otp_allowed_attempts",
        Some("TWO_FACTOR_OTP_ALLOWED_ATTEMPTS"),
        d.allowed_attempts,
        "a number of attempts",
    )?;
    if allowed_attempts == 0 {
        return Err(ConfigError::new(
            &reported(
                src,
                "otp_allowed_attempts",
                "TWO_FACTOR_OTP_ALLOWED_ATTEMPTS",
            )?,
            "must be at least 1",
        ));
    }
    Ok(OtpPolicy {
        digits,
        expires_in: src.lifetime(
            "otp_expires_in",
            Some("TWO_FACTOR_OTP_EXPIRES_IN"),
            d.expires_in,
        )?,
        allowed_attempts,
    })
}

/// The name a bad value is reported under: the variable when it is set, else the table key.
fn reported(src: &TableSource<'_>, key: &str, var: &str) -> Result<String, ConfigError> {
    Ok(src
        .get(key, Some(var))?
        .map(|(name, _)| name)
        .unwrap_or_else(|| src.var(key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::config_of as config;

    #[test]
    fn off_by_default_and_better_auths_defaults_when_on() {
        assert_eq!(
            TwoFactorSettings::load(&config(&[]).expect("config")).expect("load"),
            None
        );
        let on = config(&[("ENABLE_TWO_FACTOR", "true")]).expect("config");
        assert_eq!(
            TwoFactorSettings::load(&on).expect("load"),
            Some(TwoFactorSettings::default())
        );
        let design = config(&[("ENABLE_2FA", "true")]).expect("config");
        assert!(TwoFactorSettings::load(&design).expect("load").is_some());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (var, value) in [
            ("TWO_FACTOR_OTP_LENGTH", "4"),
            ("TWO_FACTOR_OTP_ALLOWED_ATTEMPTS", "0"),
            ("TWO_FACTOR_MAX_FAILED_ATTEMPTS", "many"),
            ("TWO_FACTOR_LOCK_DURATION", "soon"),
            ("TWO_FACTOR_OTP", "maybe"),
        ] {
            let cfg = config(&[("ENABLE_TWO_FACTOR", "true"), (var, value)]).expect("config");
            let e = TwoFactorSettings::load(&cfg).expect_err(var);
            assert_eq!(e.var, var);
        }
    }
}
