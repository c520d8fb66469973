//! `SECURITY_PRESET`: one variable for a set of stricter defaults. A preset only supplies
//! values: each of its variables can still be set, in the environment or the file, and that
//! value wins. `Sources` consults the preset last.
//!
//! `strict` sets what OWASP ASVS 4.0.3 Level 2 asks beyond Better Auth's defaults, where Better
//! Auth compatibility keeps them out of the default: see the README's "Security presets".

use std::collections::HashMap;

use super::{ConfigError, Sources, bad};

/// The variables `SECURITY_PRESET=strict` sets, and their values.
pub const STRICT: &[(&str, &str)] = &[
    // ASVS 2.1.1: at least 12 characters.
    ("PASSWORD_MIN_LENGTH", "12"),
    // ASVS 2.1.7: breached passwords refused (on by default too; the preset pins it).
    ("PASSWORD_BREACH_CHECK", "offline"),
    // ... and at sign-in: a listed password signs in no more; its owner is mailed a reset link.
    ("PASSWORD_BREACH_CHECK_AT_SIGN_IN", "true"),
    // ASVS 3.3.1/3.3.2: a 30-minute idle and a 12-hour absolute session lifetime. An idle
    // session is extended at most once a minute.
    ("SESSION_EXPIRES_IN", "1800"),
    ("SESSION_UPDATE_AGE", "60"),
    ("SESSION_ABSOLUTE_LIFETIME", "43200"),
    // ASVS 3.3.1: revocation at once, so no cookie cache.
    ("SESSION_COOKIE_CACHE_MAX_AGE", "0"),
    // ASVS 3.3.4: ending sessions needs the password again (or a sign-in in the last five
    // minutes).
    ("SESSION_REVOKE_REAUTHENTICATION", "true"),
    // ASVS 2.2.1: strict rate limits, on in every environment.
    ("RATE_LIMIT_ENABLED", "true"),
    ("RATE_LIMIT_PRESET", "strict"),
    // ASVS 2.5 / 3.x: sign-up answers alike for new and existing addresses (no session until
    // the address is proven), and the existing owner is e-mailed instead.
    ("REQUIRE_EMAIL_VERIFICATION", "true"),
    // ASVS 2.2.2: a mailbox alone is not a sign-in. Magic links and e-mailed sign-in codes are
    // off, and following the verification link proves the address without signing in; that
    // link lives 10 minutes (ASVS 2.7.2).
    ("ENABLE_MAGIC_LINKS", "false"),
    ("ENABLE_EMAIL_OTP", "false"),
    ("EMAIL_VERIFICATION_AUTO_SIGN_IN", "false"),
    ("EMAIL_VERIFICATION_EXPIRES_IN", "600"),
    // ASVS 3.4.4: `__Host-` cookies over https, at the root path and without a Domain.
    ("COOKIE_HOST_PREFIX", "true"),
    // ASVS 4.3.1/4.3.3: administrators use a second factor and a fresh session, and confirm
    // impersonation and password changes again (admin plugin; needs two-factor on).
    ("ADMIN_STEP_UP", "true"),
    // ASVS 7.1/7.2: security-relevant actions are recorded (audit plugin).
    ("ENABLE_AUDIT_LOG", "true"),
    // ASVS 7.2 / the enterprise guide: attacks noticed as they happen (detectors plugin).
    ("ENABLE_SECURITY_DETECTORS", "true"),
];

/// The preset's values, or an error naming `SECURITY_PRESET`.
pub(super) fn values(src: &Sources) -> Result<HashMap<String, String>, ConfigError> {
    let chosen = match src.get("SECURITY_PRESET").map(str::to_ascii_lowercase) {
        None => return Ok(HashMap::new()),
        Some(p) if p == "default" || p == "better-auth" => &[][..],
        Some(p) if p == "strict" => STRICT,
        Some(p) => {
            return Err(bad(
                "SECURITY_PRESET",
                format!("must be default or strict, got `{p}`"),
            ));
        }
    };
    Ok(chosen
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;

    #[test]
    fn strict_sets_its_rules_and_each_can_be_overridden() {
        let c = load(&[("SECURITY_PRESET", "strict")]).expect("strict");
        assert_eq!(c.password_min_length, 12);
        assert!(c.breach_check.at_sign_in);
        assert_eq!(c.session.expires_in, 1800);
        assert_eq!(c.session.update_age, 60);
        assert_eq!(c.session.absolute_lifetime, 43_200);
        assert_eq!(c.session.cookie_cache_max_age, 0);
        assert_eq!(c.session.revoke_reauthentication, Some(300));
        assert!(c.rate_limit.enabled);
        assert_eq!(c.rate_limit.preset, crate::rate_limit::Preset::Strict);
        assert!(c.require_email_verification);
        assert!(c.cookie_host_prefix);
        assert!(!c.email.auto_sign_in_after_verification);
        assert_eq!(c.email.verification_expires_in, 600);

        let c = load(&[
            ("SECURITY_PRESET", "strict"),
            ("PASSWORD_MIN_LENGTH", "16"),
            ("SESSION_EXPIRES_IN", "900"),
            ("RATE_LIMIT_ENABLED", "false"),
        ])
        .expect("overridden");
        assert_eq!(c.password_min_length, 16);
        assert_eq!(c.session.expires_in, 900);
        assert!(!c.rate_limit.enabled);
        assert_eq!(c.session.absolute_lifetime, 43_200, "the rest still strict");

        let e = load(&[("SECURITY_PRESET", "paranoid")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SECURITY_PRESET must be default or strict, got `paranoid`"
        );
        let plain = load(&[]).expect("defaults");
        assert_eq!(plain.password_min_length, 8);
        assert_eq!(plain.session.absolute_lifetime, 0);
        assert!(!plain.cookie_host_prefix);
    }
}
