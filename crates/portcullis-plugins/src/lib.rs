//! Portcullis plugins. Each lives in its own folder and is registered in `registry`.

pub mod access;
pub mod admin;
pub mod anonymous;
pub mod api_key;
pub mod audit;
pub mod bearer;
pub mod detectors;
pub mod device_authorization;
pub mod email_otp;
pub mod jwt;
pub mod last_login_method;
pub mod magic_link;
pub mod multi_session;
pub mod oauth;
pub mod oidc_provider;
pub mod open_api;
pub mod organization;
pub mod passkey;
pub mod phone_number;
pub mod two_factor;
pub mod username;
pub mod webhooks;

use std::sync::Arc;

use portcullis_core::{Config, ConfigError, Plugin};

/// The one list of plugins, in hook order. Configuration decides which are on; a plugin's own
/// settings are read from `config.sources` and a bad one stops start-up.
pub fn registry(config: &Config) -> Result<Vec<Arc<dyn Plugin>>, ConfigError> {
    let mut plugins: Vec<Arc<dyn Plugin>> = Vec::new();
    if bearer::BearerSettings::load(config)?.is_some() {
        plugins.push(Arc::new(bearer::Bearer));
    }
    if let Some(s) = magic_link::MagicLinkSettings::load(config)? {
        plugins.push(Arc::new(magic_link::MagicLink::new(s)));
    }
    if let Some(s) = email_otp::EmailOtpSettings::load(config)? {
        plugins.push(Arc::new(email_otp::EmailOtp::new(s)));
    }
    // After bearer: its hook sees the session a bearer token carries.
    if config.sources.flag("ENABLE_USERNAME", true)? {
        plugins.push(Arc::new(username::Username));
    }
    if let Some(s) = phone_number::PhoneNumberSettings::load(config)? {
        plugins.push(Arc::new(phone_number::PhoneNumber::new(s)));
    }
    if let Some(s) = anonymous::AnonymousSettings::load(config)? {
        plugins.push(Arc::new(anonymous::Anonymous::new(s)));
    }
    let two_factor = two_factor::TwoFactorSettings::load(config)?;
    // Before passkey and two-factor: a banned user is refused before any challenge.
    let admin = admin::AdminSettings::load(config, two_factor.is_some())?;
    // Plugins that bring a section of the admin console (and its endpoints) only with it.
    let with_admin = admin.is_some();
    // Records through the seam wherever it sits; its `/audit/list` needs admin's roles.
    if let Some(s) = audit::AuditSettings::load(config)? {
        plugins.push(Arc::new(audit::Audit::new(s, with_admin)));
    }
    if let Some(s) = detectors::DetectorSettings::load(config)? {
        let geoip = detectors::load_geoip(config)?;
        plugins.push(Arc::new(detectors::Detectors::new(s, geoip)));
    }
    // The outbox: written through the same seam, in the transaction of each change.
    if let Some(s) = webhooks::WebhookSettings::load(config)? {
        plugins.push(Arc::new(webhooks::Webhooks::new(s, with_admin)));
    }
    if let Some(s) = admin {
        plugins.push(Arc::new(admin::Admin::new(s)));
    }
    if let Some(s) = passkey::PasskeySettings::load(config)? {
        plugins.push(Arc::new(passkey::Passkey::new(s)));
    }
    if let Some(s) = oauth::OAuthSettings::load(config)? {
        plugins.push(Arc::new(oauth::OAuth::new(s, &config.auth_url())));
    }
    // Its issue hook holds back the sessions every first factor above issues, until the second
    // step; before multi-session, whose after-hook then sees no session cookie on a challenge.
    if let Some(s) = two_factor {
        plugins.push(Arc::new(two_factor::TwoFactor::new(
            s,
            &config.trusted_origins,
        )));
    }
    // After every plugin that issues or re-sets a session: its after-hook reads the session
    // cookie the answer sets.
    if let Some(s) = multi_session::MultiSessionSettings::load(config)? {
        plugins.push(Arc::new(multi_session::MultiSession::new(s)));
    }
    // Last of those that answer sign-ins: its after-hook sees every cookie they set.
    if let Some(s) = last_login_method::LastLoginMethodSettings::load(config)? {
        plugins.push(Arc::new(last_login_method::LastLoginMethod::new(s)));
    }
    // After bearer: a bearer session and a key header are both seen; a key counts only once.
    if let Some(s) = api_key::ApiKeySettings::load(config)? {
        plugins.push(Arc::new(api_key::ApiKey::new(s, with_admin)));
    }
    // After every plugin that changes a user: the token carries the user get-session answers.
    if let Some(s) = jwt::JwtSettings::load(config)? {
        plugins.push(Arc::new(jwt::Jwt::new(s)));
    }
    // After jwt: it signs ID tokens with that plugin's keys.
    if let Some(s) = oidc_provider::OidcProviderSettings::load(config)? {
        plugins.push(Arc::new(oidc_provider::OidcProvider::new(
            s,
            &config.base_path,
            with_admin,
        )));
    }
    if let Some(s) = organization::OrganizationSettings::load(config)? {
        plugins.push(Arc::new(organization::Organization::new(s, with_admin)));
    }
    if let Some(s) = device_authorization::DeviceAuthorizationSettings::load(config)? {
        plugins.push(Arc::new(device_authorization::DeviceAuthorization::new(s)));
    }
    plugins.push(Arc::new(open_api::OpenApi));
    Ok(plugins)
}

#[cfg(test)]
mod messages_tests;
#[cfg(test)]
mod tests;
