//! The email-driven account flows (`EMAIL_VERIFICATION_*`, `RESET_PASSWORD_TOKEN_EXPIRES_IN`,
//! `ENABLE_CHANGE_EMAIL`, `DELETE_USER_*`, `EMAIL_WELCOME`, `EMAIL_NEW_SIGN_IN_ALERT`,
//! `SECURITY_NOTICES`, `NOTIFY_EXISTING_SIGN_UP`): which are on and how long their links live.
//! How mail is sent is `delivery`.

use super::{ConfigError, Sources};

/// Email-driven account flows.
#[derive(Debug, Clone)]
pub struct EmailFlows {
    /// Send the verification email after sign-up (`EMAIL_VERIFICATION_ON_SIGN_UP`; default:
    /// whether verification is required).
    pub send_verification_on_sign_up: bool,
    /// Sign the user in when they follow the verification link (`EMAIL_VERIFICATION_AUTO_SIGN_IN`).
    pub auto_sign_in_after_verification: bool,
    /// Lifetime of the verification link, seconds (`EMAIL_VERIFICATION_EXPIRES_IN`).
    pub verification_expires_in: i64,
    /// Lifetime of a password-reset link, seconds (`RESET_PASSWORD_TOKEN_EXPIRES_IN`).
    pub reset_password_expires_in: i64,
    /// End every session of the user on a password reset (`REVOKE_SESSIONS_ON_PASSWORD_RESET`).
    pub revoke_sessions_on_password_reset: bool,
    /// `/change-email` (`ENABLE_CHANGE_EMAIL`).
    pub change_email_enabled: bool,
    /// `/delete-user` sends a confirmation link instead of deleting at once
    /// (`DELETE_USER_EMAIL_CONFIRMATION`).
    pub delete_user_confirmation: bool,
    /// Lifetime of the deletion link, seconds (`DELETE_USER_TOKEN_EXPIRES_IN`).
    pub delete_user_expires_in: i64,
    /// Greet new users (`EMAIL_WELCOME`).
    pub welcome_email: bool,
    /// Tell the user about a sign-in from a device none of their sessions used
    /// (`EMAIL_NEW_SIGN_IN_ALERT`).
    pub new_sign_in_alert: bool,
    /// Email the user after their password is changed, set or reset and (to the old address)
    /// after their address changes (`SECURITY_NOTICES`).
    pub security_notices: bool,
    /// Email the owner when someone signs up with their address and gets the answer of a new
    /// sign-up (`NOTIFY_EXISTING_SIGN_UP`; default: `SECURITY_NOTICES`).
    pub notify_existing_sign_up: bool,
}

pub(super) fn load(src: &Sources) -> Result<EmailFlows, ConfigError> {
    let lifetime = |var: &str, default: i64| src.lifetime(var, default);
    let security_notices = src.flag("SECURITY_NOTICES", true)?;
    Ok(EmailFlows {
        // On by default: an address nobody proved cannot be trusted with sign-in links or
        // notices, and the user should not have to go looking for the link.
        send_verification_on_sign_up: src.flag("EMAIL_VERIFICATION_ON_SIGN_UP", true)?,
        auto_sign_in_after_verification: src.flag("EMAIL_VERIFICATION_AUTO_SIGN_IN", true)?,
        verification_expires_in: lifetime("EMAIL_VERIFICATION_EXPIRES_IN", 3600)?,
        reset_password_expires_in: lifetime("RESET_PASSWORD_TOKEN_EXPIRES_IN", 3600)?,
        revoke_sessions_on_password_reset: src.flag("REVOKE_SESSIONS_ON_PASSWORD_RESET", true)?,
        change_email_enabled: src.flag("ENABLE_CHANGE_EMAIL", true)?,
        delete_user_confirmation: src.flag("DELETE_USER_EMAIL_CONFIRMATION", false)?,
        delete_user_expires_in: lifetime("DELETE_USER_TOKEN_EXPIRES_IN", 86_400)?,
        welcome_email: src.flag("EMAIL_WELCOME", true)?,
        new_sign_in_alert: src.flag("EMAIL_NEW_SIGN_IN_ALERT", true)?,
        security_notices,
        notify_existing_sign_up: src.flag("NOTIFY_EXISTING_SIGN_UP", security_notices)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;

    #[test]
    fn security_notices_default_on_and_the_sign_up_notice_follows_them() {
        let c = load(&[]).expect("defaults");
        assert!(c.email.security_notices && c.email.notify_existing_sign_up);
        let c = load(&[("SECURITY_NOTICES", "false")]).expect("off");
        assert!(!c.email.security_notices && !c.email.notify_existing_sign_up);
        let c = load(&[
            ("SECURITY_NOTICES", "false"),
            ("NOTIFY_EXISTING_SIGN_UP", "true"),
        ])
        .expect("sign-up notice alone");
        assert!(!c.email.security_notices && c.email.notify_existing_sign_up);
        let c = load(&[("NOTIFY_EXISTING_SIGN_UP", "no")]).expect("sign-up notice off");
        assert!(c.email.security_notices && !c.email.notify_existing_sign_up);
        let e = load(&[("SECURITY_NOTICES", "sometimes")]).unwrap_err();
        assert_eq!(e.var, "SECURITY_NOTICES");
    }
}
