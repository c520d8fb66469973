//! Breached-password refusal: a new password (sign-up, change, set, every reset) that is known
//! from data breaches is refused with Better Auth's `haveIBeenPwned` error,
//! `400 PASSWORD_COMPROMISED`. Sign-in never checks.
//!
//! `PASSWORD_BREACH_CHECK` chooses how:
//! - `offline` (the default): the list compiled into the binary (`list`), no network;
//! - `hibp`: that list, then Have I Been Pwned's range API (`range_api`) for the rest. When the
//!   API fails, `HIBP_ON_ERROR` decides: `offline` keeps the list's answer (logged and counted),
//!   `refuse` answers 503 so that no password goes unchecked;
//! - `off`.
//!
//! The password is matched exactly, as Have I Been Pwned matches it. Scrypt hashes the NFKC
//! form of a password (Better Auth's rule), so a password whose NFKC form differs is checked in
//! both forms: under scrypt, the two sign in alike.

pub mod list;
pub mod range_api;

use std::time::Duration;

use sha1::{Digest, Sha1};
use unicode_normalization::UnicodeNormalization;
use url::Url;

use crate::metrics::Metrics;
use range_api::{RangeApi, RangeError};

/// Where new passwords are looked up (`PASSWORD_BREACH_CHECK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachCheckMode {
    Off,
    /// The compiled-in list only.
    Offline,
    /// The compiled-in list, then the range API.
    Hibp,
}

impl BreachCheckMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "off" => Some(Self::Off),
            "offline" => Some(Self::Offline),
            "hibp" => Some(Self::Hibp),
            _ => None,
        }
    }
}

/// What a failed range API call means (`HIBP_ON_ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRangeError {
    /// The compiled-in list's answer stands: the most common breached passwords are still
    /// refused, and sign-up and password resets keep working through an outage.
    Offline,
    /// `503 PASSWORD_CHECK_UNAVAILABLE`: no new password until the API answers.
    Refuse,
}

impl OnRangeError {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "offline" => Some(Self::Offline),
            "refuse" => Some(Self::Refuse),
            _ => None,
        }
    }
}

/// The breached-password settings: one plain value, so that a preset can replace it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachCheckConfig {
    pub mode: BreachCheckMode,
    /// The range API's base URL (`HIBP_API_URL`); requests go to `<base>/range/<prefix>`.
    pub api_url: Url,
    /// The most a range API call may take, connection included (`HIBP_TIMEOUT_MS`).
    pub timeout: Duration,
    pub on_error: OnRangeError,
    /// Check the password at every password sign-in too, and hold a listed one until it is
    /// replaced (`PASSWORD_BREACH_CHECK_AT_SIGN_IN`; ASVS V2.1.7). Off by default, as Better
    /// Auth, where a listed password keeps signing in.
    pub at_sign_in: bool,
}

/// Have I Been Pwned's own range API.
pub const DEFAULT_API_URL: &str = "https://api.pwnedpasswords.com";

impl Default for BreachCheckConfig {
    fn default() -> Self {
        BreachCheckConfig {
            mode: BreachCheckMode::Offline,
            // A constant that parses: covered by `the_default_is_the_offline_list`.
            api_url: Url::parse(DEFAULT_API_URL)
                .unwrap_or_else(|_| unreachable!("valid default URL")),
            timeout: Duration::from_millis(2_000),
            on_error: OnRangeError::Offline,
            at_sign_in: false,
        }
    }
}

/// The SHA-1 of a password's UTF-8 bytes: the list's key and the range API's hash.
pub struct PasswordSha1([u8; 20]);

impl PasswordSha1 {
    pub fn of(password: &str) -> Self {
        PasswordSha1(Sha1::digest(password.as_bytes()).into())
    }

    /// The list's key: the first 8 bytes.
    fn list_key(&self) -> [u8; list::KEY_BYTES] {
        let mut key = [0u8; list::KEY_BYTES];
        key.copy_from_slice(&self.0[..list::KEY_BYTES]);
        key
    }

    /// Upper-case hex, as the range API names hashes.
    pub fn upper_hex(&self) -> String {
        hex::encode_upper(self.0)
    }
}

/// The check could not be made and the configuration says to refuse rather than guess.
#[derive(Debug, thiserror::Error)]
#[error("breached-password check unavailable: {0}")]
pub struct CheckUnavailable(#[source] RangeError);

/// The configured check, built once at start-up.
pub struct BreachChecker {
    mode: BreachCheckMode,
    on_error: OnRangeError,
    /// Present in `hibp` mode.
    range_api: Option<RangeApi>,
}

impl BreachChecker {
    pub fn new(config: &BreachCheckConfig) -> Result<Self, reqwest::Error> {
        let range_api = match config.mode {
            BreachCheckMode::Hibp => Some(RangeApi::new(&config.api_url, config.timeout)?),
            BreachCheckMode::Off | BreachCheckMode::Offline => None,
        };
        Ok(BreachChecker {
            mode: config.mode,
            on_error: config.on_error,
            range_api,
        })
    }

    /// Whether `password` is known from breaches. `Err` only in `hibp` mode with
    /// `HIBP_ON_ERROR=refuse`, when the range API could not answer.
    pub async fn is_breached(
        &self,
        password: &str,
        metrics: &Metrics,
    ) -> Result<bool, CheckUnavailable> {
        if self.mode == BreachCheckMode::Off {
            return Ok(false);
        }
        let exact = PasswordSha1::of(password);
        // ASCII is its own NFKC form: only other passwords pay for normalising.
        let normalized = (!password.is_ascii())
            .then(|| password.nfkc().collect::<String>())
            .filter(|n| n != password)
            .map(|n| PasswordSha1::of(&n));
        let forms = std::iter::once(&exact).chain(normalized.as_ref());

        let mut breached = forms.clone().any(list::contains);
        if !breached && let Some(api) = &self.range_api {
            for sha1 in forms {
                match api.count(sha1).await {
                    Ok(0) => {}
                    Ok(_) => {
                        breached = true;
                        break;
                    }
                    Err(e) => {
                        metrics.breach_check("api_error");
                        match self.on_error {
                            OnRangeError::Offline => {
                                tracing::warn!(error = %e, "breached-password range API failed; the offline list's answer stands");
                                break;
                            }
                            OnRangeError::Refuse => {
                                tracing::warn!(error = %e, "breached-password range API failed; the new password is refused for now");
                                return Err(CheckUnavailable(e));
                            }
                        }
                    }
                }
            }
        }
        metrics.breach_check(if breached { "compromised" } else { "clear" });
        Ok(breached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_offline_list() {
        let c = BreachCheckConfig::default();
        assert_eq!(c.mode, BreachCheckMode::Offline);
        assert_eq!(c.api_url.as_str(), "https://api.pwnedpasswords.com/");
        assert_eq!(c.on_error, OnRangeError::Offline);
    }

    #[test]
    fn sha1_is_of_the_exact_utf8_bytes() {
        // Have I Been Pwned's example: SHA-1("P@ssw0rd").
        assert_eq!(
            PasswordSha1::of("P@ssw0rd").upper_hex(),
            "21BD12DC183F740EE76F27B78EB39C8AD972A757"
        );
    }

    #[tokio::test]
    async fn offline_mode_refuses_listed_passwords_and_their_nfkc_forms() {
        let checker = BreachChecker::new(&BreachCheckConfig::default()).expect("checker");
        let metrics = Metrics::new();
        for (password, breached) in [
            ("password123456", true),
            ("1qaz2wsx3edc", true),
            // Full-width forms: NFKC turns them into the listed password, which scrypt would
            // then hash.
            ("ｐａｓｓｗｏｒｄ１２３４５６", true),
            ("vR7#kq!Lz2@wP9$e", false),
            ("ｖR7#kq!Lz2@wP9$e", false),
        ] {
            assert_eq!(
                checker.is_breached(password, &metrics).await.ok(),
                Some(breached),
                "{password}"
            );
        }
        let off = BreachChecker::new(&BreachCheckConfig {
            mode: BreachCheckMode::Off,
            ..BreachCheckConfig::default()
        })
        .expect("checker");
        assert_eq!(
            off.is_breached("password123456", &metrics).await.ok(),
            Some(false)
        );
    }
}
