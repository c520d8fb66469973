//! Accounts: the password rules (`PASSWORD_MIN_LENGTH`, `_MAX_LENGTH`), the breached-password
//! check (`PASSWORD_BREACH_CHECK`, `HIBP_*`), how passwords are hashed (`PASSWORD_HASH`,
//! `PASSWORD_HASH_CONCURRENCY`), and which account flows are on (email and password, sign-up,
//! required email verification, deletion).

use std::time::Duration;

use url::Url;

use super::{ConfigError, Sources, bad};
use crate::breached::{BreachCheckConfig, BreachCheckMode, OnRangeError};
use crate::crypto::password::HashAlgorithm;

pub(super) struct Accounts {
    pub(super) password_min_length: usize,
    pub(super) password_max_length: usize,
    pub(super) breach_check: BreachCheckConfig,
    pub(super) password_hash: HashAlgorithm,
    pub(super) password_hash_concurrency: usize,
    pub(super) password_pepper: Option<super::secret::Secret>,
    pub(super) require_email_verification: bool,
    pub(super) email_password_enabled: bool,
    pub(super) sign_up_enabled: bool,
    pub(super) delete_user_enabled: bool,
}

pub(super) fn load(src: &Sources) -> Result<Accounts, ConfigError> {
    let password_min_length: usize = src.parse("PASSWORD_MIN_LENGTH", 8, "a positive integer")?;
    let password_max_length: usize = src.parse("PASSWORD_MAX_LENGTH", 128, "a positive integer")?;
    if password_min_length == 0 || password_min_length > password_max_length {
        return Err(bad(
            "PASSWORD_MIN_LENGTH",
            "must be at least 1 and not above PASSWORD_MAX_LENGTH",
        ));
    }
    if password_max_length > 4096 {
        return Err(bad("PASSWORD_MAX_LENGTH", "must be at most 4096"));
    }
    let breach_check = load_breach_check(src)?;
    let password_hash = match src.get("PASSWORD_HASH") {
        None => HashAlgorithm::Argon2id,
        Some(s) => HashAlgorithm::parse(s).ok_or_else(|| {
            bad(
                "PASSWORD_HASH",
                format!("must be argon2id or scrypt, got `{s}`"),
            )
        })?,
    };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let password_hash_concurrency: usize =
        src.parse("PASSWORD_HASH_CONCURRENCY", cores, "a positive integer")?;
    if password_hash_concurrency == 0 {
        return Err(bad("PASSWORD_HASH_CONCURRENCY", "must be at least 1"));
    }

    // ASVS V2.4.5. Argon2id only: Better Auth's scrypt has no secret input, and Better Auth
    // itself cannot verify peppered hashes.
    let password_pepper = match src.get("PASSWORD_PEPPER") {
        None => None,
        Some(_) if password_hash != HashAlgorithm::Argon2id => {
            return Err(bad(
                "PASSWORD_PEPPER",
                "needs PASSWORD_HASH=argon2id (scrypt hashes take no pepper)",
            ));
        }
        Some(p) if p.chars().count() < 32 => {
            return Err(bad("PASSWORD_PEPPER", "must be at least 32 characters"));
        }
        Some(p) => Some(super::secret::Secret::new(p.to_owned())),
    };

    Ok(Accounts {
        password_pepper,
        password_min_length,
        password_max_length,
        breach_check,
        password_hash,
        password_hash_concurrency,
        require_email_verification: src.flag("REQUIRE_EMAIL_VERIFICATION", false)?,
        email_password_enabled: src.flag("ENABLE_EMAIL_AUTH", true)?,
        sign_up_enabled: !src.flag("DISABLE_SIGN_UP", false)?,
        delete_user_enabled: src.flag("ENABLE_DELETE_USER", true)?,
    })
}

/// `PASSWORD_BREACH_CHECK`, and the range API's settings. These are read (and checked) in every
/// mode, so that a typo does not wait for the day someone switches to `hibp`.
fn load_breach_check(src: &Sources) -> Result<BreachCheckConfig, ConfigError> {
    let default = BreachCheckConfig::default();
    let mode = match src.get("PASSWORD_BREACH_CHECK") {
        None => default.mode,
        Some(s) => BreachCheckMode::parse(s).ok_or_else(|| {
            bad(
                "PASSWORD_BREACH_CHECK",
                format!("must be offline, hibp or off, got `{s}`"),
            )
        })?,
    };
    let api_url = match src.get("HIBP_API_URL") {
        None => default.api_url,
        Some(s) => range_api_url(s)?,
    };
    let timeout_ms: u64 = src.parse(
        "HIBP_TIMEOUT_MS",
        default.timeout.as_millis() as u64,
        "a number of milliseconds",
    )?;
    if !(100..=30_000).contains(&timeout_ms) {
        return Err(bad("HIBP_TIMEOUT_MS", "must be between 100 and 30000"));
    }
    let on_error = match src.get("HIBP_ON_ERROR") {
        None => default.on_error,
        Some(s) => OnRangeError::parse(s).ok_or_else(|| {
            bad(
                "HIBP_ON_ERROR",
                format!("must be offline or refuse, got `{s}`"),
            )
        })?,
    };
    Ok(BreachCheckConfig {
        mode,
        api_url,
        timeout: Duration::from_millis(timeout_ms),
        on_error,
        at_sign_in: src.flag("PASSWORD_BREACH_CHECK_AT_SIGN_IN", default.at_sign_in)?,
    })
}

/// The range API's base: http(s), and nothing a request could not append `/range/<prefix>` to.
fn range_api_url(s: &str) -> Result<Url, ConfigError> {
    let url =
        Url::parse(s).map_err(|_| bad("HIBP_API_URL", format!("must be a URL, got `{s}`")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("HIBP_API_URL", "must be an http(s) URL with a host"));
    }
    // The configuration prints in debug output; a URL is no place for a secret.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("HIBP_API_URL", "must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "HIBP_API_URL",
            "must have no query or fragment: requests go to <url>/range/<prefix>",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::breached::{BreachCheckMode, OnRangeError};
    use crate::config::tests::load;

    #[test]
    fn a_pepper_is_long_and_only_for_argon2id() {
        let pepper = "a-pepper-of-at-least-32-characters!";
        let c = load(&[("PASSWORD_PEPPER", pepper)]).expect("pepper");
        assert_eq!(c.password_pepper.as_ref().map(|p| p.expose()), Some(pepper));
        assert!(!format!("{c:?}").contains(pepper));
        assert!(load(&[]).expect("default").password_pepper.is_none());
        let e = load(&[("PASSWORD_PEPPER", "short")]).unwrap_err();
        assert_eq!(e.var, "PASSWORD_PEPPER");
        let e = load(&[("PASSWORD_PEPPER", pepper), ("PASSWORD_HASH", "scrypt")]).unwrap_err();
        assert_eq!(e.var, "PASSWORD_PEPPER");
    }

    #[test]
    fn the_breach_check_defaults_to_the_offline_list() {
        let c = load(&[]).expect("defaults");
        assert_eq!(c.breach_check.mode, BreachCheckMode::Offline);
        assert_eq!(
            c.breach_check.api_url.as_str(),
            "https://api.pwnedpasswords.com/"
        );
        assert_eq!(c.breach_check.timeout, Duration::from_secs(2));
        assert_eq!(c.breach_check.on_error, OnRangeError::Offline);
    }

    #[test]
    fn the_breach_check_settings_are_read() {
        let c = load(&[
            ("PASSWORD_BREACH_CHECK", "HIBP"),
            ("HIBP_API_URL", "http://127.0.0.1:9999/hibp/"),
            ("HIBP_TIMEOUT_MS", "750"),
            ("HIBP_ON_ERROR", "refuse"),
        ])
        .expect("config");
        assert_eq!(c.breach_check.mode, BreachCheckMode::Hibp);
        assert_eq!(
            c.breach_check.api_url.as_str(),
            "http://127.0.0.1:9999/hibp/"
        );
        assert_eq!(c.breach_check.timeout, Duration::from_millis(750));
        assert_eq!(c.breach_check.on_error, OnRangeError::Refuse);
        let c = load(&[("PASSWORD_BREACH_CHECK", "off")]).expect("config");
        assert_eq!(c.breach_check.mode, BreachCheckMode::Off);
    }

    #[test]
    fn bad_breach_check_settings_name_their_variable() {
        for (var, value, message) in [
            (
                "PASSWORD_BREACH_CHECK",
                "online",
                "PASSWORD_BREACH_CHECK must be offline, hibp or off, got `online`",
            ),
            (
                "HIBP_API_URL",
                "api.pwnedpasswords.com",
                "HIBP_API_URL must be a URL, got `api.pwnedpasswords.com`",
            ),
            (
                "HIBP_API_URL",
                "ftp://mirror.example/hibp",
                "HIBP_API_URL must be an http(s) URL with a host",
            ),
            (
                "HIBP_API_URL",
                "https://user:pass@mirror.example/",
                "HIBP_API_URL must not carry credentials",
            ),
            (
                "HIBP_API_URL",
                "https://mirror.example/?key=1",
                "HIBP_API_URL must have no query or fragment: requests go to <url>/range/<prefix>",
            ),
            (
                "HIBP_TIMEOUT_MS",
                "2s",
                "HIBP_TIMEOUT_MS must be a number of milliseconds, got `2s`",
            ),
            (
                "HIBP_TIMEOUT_MS",
                "60000",
                "HIBP_TIMEOUT_MS must be between 100 and 30000",
            ),
            (
                "HIBP_ON_ERROR",
                "ignore",
                "HIBP_ON_ERROR must be offline or refuse, got `ignore`",
            ),
        ] {
            let e = load(&[(var, value)]).expect_err(value);
            assert_eq!(e.var, var);
            assert_eq!(e.to_string(), message);
        }
    }
}
