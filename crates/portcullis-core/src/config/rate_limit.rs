//! Limits on guessing: the rate limiter (`RATE_LIMIT_*`, per client or user and path) and the
//! per-account lockout after failed sign-ins (`LOCKOUT_*`).

use super::{ConfigError, Sources, bad};

/// `RATE_LIMIT_*`. Enabled by default in production only (Better Auth's rule).
pub(super) fn load(
    src: &Sources,
    production: bool,
) -> Result<crate::rate_limit::RateLimitConfig, ConfigError> {
    use crate::rate_limit::{KeyBy, Limit, Preset, RateLimitConfig, Storage};
    let preset = match src.get("RATE_LIMIT_PRESET").map(str::to_ascii_lowercase) {
        None => Preset::BetterAuth,
        Some(p) if p == "better-auth" || p == "default" => Preset::BetterAuth,
        Some(p) if p == "strict" => Preset::Strict,
        Some(p) => {
            return Err(bad(
                "RATE_LIMIT_PRESET",
                format!("must be better-auth or strict, got `{p}`"),
            ));
        }
    };
    let global = match preset {
        Preset::BetterAuth => crate::rate_limit::DEFAULT_LIMIT,
        Preset::Strict => crate::rate_limit::STRICT_GLOBAL,
    };
    let window = positive(
        src,
        "RATE_LIMIT_WINDOW",
        global.window,
        crate::rate_limit::MAX_WINDOW,
        "a number of seconds",
    )?;
    let max = positive(
        src,
        "RATE_LIMIT_MAX_REQUESTS",
        global.max,
        u64::from(u32::MAX),
        "a number of requests",
    )?;
    let storage = match src.get("RATE_LIMIT_STORAGE") {
        None if src.get("REDIS_URL").is_some() => Storage::Secondary,
        None => Storage::Memory,
        Some(s) => Storage::parse(s).ok_or_else(|| {
            bad(
                "RATE_LIMIT_STORAGE",
                format!("must be memory, secondary or database, got `{s}`"),
            )
        })?,
    };
    let key_by = match src.get("RATE_LIMIT_KEY").map(str::to_ascii_lowercase) {
        None => KeyBy::Ip,
        Some(k) if k == "ip" => KeyBy::Ip,
        Some(k) if k == "user" => KeyBy::User,
        Some(k) => {
            return Err(bad(
                "RATE_LIMIT_KEY",
                format!("must be ip or user, got `{k}`"),
            ));
        }
    };
    let custom_rules = match src.get("RATE_LIMIT_RULES") {
        None => Vec::new(),
        Some(s) => {
            crate::rate_limit::parse_rules(s).map_err(|problem| bad("RATE_LIMIT_RULES", problem))?
        }
    };
    Ok(RateLimitConfig {
        enabled: src.flag("RATE_LIMIT_ENABLED", production)?,
        global: Limit::new(window, max),
        preset,
        storage,
        key_by,
        custom_rules,
    })
}

/// `LOCKOUT_*`: by default 5 failures within 15 minutes lock an email for 15 minutes.
pub(super) fn load_lockout(src: &Sources) -> Result<crate::lockout::LockoutConfig, ConfigError> {
    let d = crate::lockout::LockoutConfig::default();
    Ok(crate::lockout::LockoutConfig {
        max_attempts: src.parse(
            "LOCKOUT_MAX_ATTEMPTS",
            d.max_attempts,
            "a whole number (0 turns lockout off)",
        )?,
        window: positive(
            src,
            "LOCKOUT_WINDOW",
            d.window,
            crate::rate_limit::MAX_WINDOW,
            "a number of seconds",
        )?,
        duration: positive(
            src,
            "LOCKOUT_DURATION",
            d.duration,
            crate::rate_limit::MAX_WINDOW,
            "a number of seconds",
        )?,
    })
}

/// `CODE_GUESS_*`: by default 10 wrong one-time codes for one account and method within an
/// hour, however many codes were sent, lock that method for the account for 15 minutes.
/// Better Auth limits guesses per code only (3), so a fresh code reset the count.
pub(super) fn load_code_lockout(
    src: &Sources,
) -> Result<crate::lockout::LockoutConfig, ConfigError> {
    Ok(crate::lockout::LockoutConfig {
        max_attempts: src.parse(
            "CODE_GUESS_LIMIT",
            10,
            "a whole number (0 turns the budget off)",
        )?,
        window: positive(
            src,
            "CODE_GUESS_WINDOW",
            3600,
            crate::rate_limit::MAX_WINDOW,
            "a number of seconds",
        )?,
        duration: positive(
            src,
            "CODE_LOCK_DURATION",
            900,
            crate::rate_limit::MAX_WINDOW,
            "a number of seconds",
        )?,
    })
}

/// A whole number of seconds (or requests) from 1 to `max`, `default` when unset.
fn positive(
    src: &Sources,
    var: &str,
    default: u64,
    max: u64,
    what: &str,
) -> Result<u64, ConfigError> {
    let v: u64 = src.parse(var, default, what)?;
    if v == 0 {
        return Err(bad(var, "must be at least 1"));
    }
    if v > max {
        return Err(bad(var, format!("must be at most {max}")));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;

    #[test]
    fn rate_limit_and_lockout_settings() {
        use crate::rate_limit::{KeyBy, Limit, Preset, Storage};
        let c = load(&[]).expect("defaults");
        assert!(!c.rate_limit.enabled, "off outside production");
        assert_eq!(c.rate_limit.global, Limit::new(10, 100));
        assert_eq!(c.rate_limit.storage, Storage::Memory);
        assert_eq!(c.rate_limit.key_by, KeyBy::Ip);
        assert_eq!(c.rate_limit.preset, Preset::BetterAuth);
        assert!(c.rate_limit.custom_rules.is_empty());
        assert_eq!(c.lockout, crate::lockout::LockoutConfig::default());
        assert_eq!(
            (c.lockout.max_attempts, c.lockout.window, c.lockout.duration),
            (5, 900, 900)
        );

        let c = load(&[
            ("PORTCULLIS_ENV", "production"),
            ("BETTER_AUTH_URL", "https://a.example"),
            ("BETTER_AUTH_SECRET", "k3J9x2LmQp8vR4tY7wZ1aB6cD0eF5gH3"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
        ])
        .expect("production");
        assert!(c.rate_limit.enabled, "on in production");
        assert_eq!(c.rate_limit.storage, Storage::Secondary);

        let c = load(&[
            ("RATE_LIMIT_ENABLED", "true"),
            ("RATE_LIMIT_PRESET", "strict"),
            ("RATE_LIMIT_MAX_REQUESTS", "50"),
            ("RATE_LIMIT_STORAGE", "database"),
            ("RATE_LIMIT_KEY", "user"),
            ("RATE_LIMIT_RULES", "/sign-in/email=5/900,/ok=off"),
            ("LOCKOUT_MAX_ATTEMPTS", "0"),
            ("LOCKOUT_WINDOW", "60"),
            ("LOCKOUT_DURATION", "120"),
        ])
        .expect("custom");
        assert!(c.rate_limit.enabled);
        assert_eq!(c.rate_limit.preset, Preset::Strict);
        assert_eq!(c.rate_limit.global, Limit::new(900, 50));
        assert_eq!(c.rate_limit.storage, Storage::Database);
        assert_eq!(c.rate_limit.key_by, KeyBy::User);
        assert_eq!(c.rate_limit.custom_rules.len(), 2);
        assert_eq!(
            (c.lockout.max_attempts, c.lockout.window, c.lockout.duration),
            (0, 60, 120)
        );

        for (var, value) in [
            ("RATE_LIMIT_ENABLED", "maybe"),
            ("RATE_LIMIT_WINDOW", "0"),
            ("RATE_LIMIT_WINDOW", "ten"),
            ("RATE_LIMIT_MAX_REQUESTS", "-1"),
            ("RATE_LIMIT_PRESET", "paranoid"),
            ("RATE_LIMIT_STORAGE", "disk"),
            ("RATE_LIMIT_KEY", "email"),
            ("RATE_LIMIT_RULES", "/sign-in/email=5"),
            ("LOCKOUT_MAX_ATTEMPTS", "five"),
            ("LOCKOUT_WINDOW", "0"),
            ("LOCKOUT_DURATION", "-5"),
            ("LOCKOUT_DURATION", "99999999999"),
            ("RATE_LIMIT_WINDOW", "31622401"),
        ] {
            let e = load(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}: {e}");
        }
        let e = load(&[("RATE_LIMIT_RULES", "sign-in=5/10")]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("RATE_LIMIT_RULES has path `sign-in`"),
            "{e}"
        );
    }
}
