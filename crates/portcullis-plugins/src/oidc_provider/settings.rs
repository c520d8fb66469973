//! The OpenID provider's settings: `ENABLE_OIDC_PROVIDER` and the keys of
//! `[plugins.oidc_provider]` (a variable wins over its key).

use portcullis_core::{Config, ConfigError};

/// The scopes a client may ask for unless it is given its own list.
pub const DEFAULT_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

#[derive(Debug, Clone, PartialEq)]
pub struct OidcProviderSettings {
    /// Seconds an authorization code lives (Better Auth: 600; OAuth 2.1 asks for short).
    pub code_ttl: i64,
    /// Seconds an access token lives.
    pub access_token_ttl: i64,
    /// Seconds a refresh token lives; each refresh starts a new one.
    pub refresh_token_ttl: i64,
    /// Seconds an ID token lives.
    pub id_token_ttl: i64,
    /// The scopes the server offers; a client's own list must be among them.
    pub scopes: Vec<String>,
    /// RFC 7591 registration at `/oauth2/register`, without an account. Off by default: an open
    /// registration endpoint lets anyone make clients that look like the real ones.
    pub dynamic_registration: bool,
    /// The hosted pages the browser is sent to.
    pub login_page: String,
    pub consent_page: String,
    /// Access and refresh tokens live on after the session they were issued under ends, as
    /// Better Auth's (`OIDC_TOKENS_OUTLIVE_SESSIONS`). Off by default: a sign-out, a revoked
    /// session, a ban or a password reset ends the relying parties' tokens too (ASVS V3.3.1,
    /// V3.3.3).
    pub tokens_outlive_sessions: bool,
}

impl Default for OidcProviderSettings {
    fn default() -> Self {
        OidcProviderSettings {
            code_ttl: 600,
            access_token_ttl: 3600,
            refresh_token_ttl: 30 * 24 * 3600,
            id_token_ttl: 3600,
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            dynamic_registration: false,
            login_page: "/sign-in".into(),
            consent_page: super::CONSENT_PAGE.into(),
            tokens_outlive_sessions: false,
        }
    }
}

impl OidcProviderSettings {
    /// `None` unless `ENABLE_OIDC_PROVIDER` is on. The provider signs ID tokens with the jwt
    /// plugin's keys, so it needs that plugin.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("oidc_provider");
        if !src.flag("enabled", Some("ENABLE_OIDC_PROVIDER"), false)? {
            return Ok(None);
        }
        if crate::jwt::JwtSettings::load(config)?.is_none() {
            return Err(ConfigError::new(
                "ENABLE_OIDC_PROVIDER",
                "needs the jwt plugin for its signing keys: set ENABLE_JWT=true",
            ));
        }
        let d = OidcProviderSettings::default();
        let positive = |key: &str, env: &str, default: i64| -> Result<i64, ConfigError> {
            let v = src.lifetime(key, Some(env), default)?;
            if v <= 0 {
                return Err(ConfigError::new(
                    env,
                    "must be a positive number of seconds",
                ));
            }
            Ok(v)
        };
        let code_ttl = positive("code_ttl", "OIDC_CODE_TTL", d.code_ttl)?;
        if code_ttl > 600 {
            // RFC 6749 §4.1.2: a code lives at most ten minutes.
            return Err(ConfigError::new(
                "OIDC_CODE_TTL",
                "must be at most 600 seconds",
            ));
        }
        // Commas or spaces, as a scope parameter is written.
        let mut scopes: Vec<String> = src
            .list("scopes", Some("OIDC_SCOPES"))?
            .iter()
            .flat_map(|s| s.split_whitespace().map(str::to_owned))
            .collect();
        if scopes.is_empty() {
            scopes = d.scopes.clone();
        }
        if !scopes.iter().any(|s| s == "openid") {
            return Err(ConfigError::new("OIDC_SCOPES", "must include openid"));
        }
        if let Some(bad) = scopes.iter().find(|s| !is_scope_token(s)) {
            return Err(ConfigError::new(
                "OIDC_SCOPES",
                format!(
                    "`{bad}` is not a scope (RFC 6749 §3.3: printable ASCII, no spaces or quotes)"
                ),
            ));
        }
        Ok(Some(OidcProviderSettings {
            code_ttl,
            access_token_ttl: positive(
                "access_token_ttl",
                "OIDC_ACCESS_TOKEN_TTL",
                d.access_token_ttl,
            )?,
            refresh_token_ttl: positive(
                "refresh_token_ttl",
                "OIDC_REFRESH_TOKEN_TTL",
                d.refresh_token_ttl,
            )?,
            id_token_ttl: positive("id_token_ttl", "OIDC_ID_TOKEN_TTL", d.id_token_ttl)?,
            scopes,
            dynamic_registration: src.flag(
                "dynamic_registration",
                Some("OIDC_DYNAMIC_REGISTRATION"),
                false,
            )?,
            login_page: d.login_page,
            consent_page: d.consent_page,
            tokens_outlive_sessions: src.flag(
                "tokens_outlive_sessions",
                Some("OIDC_TOKENS_OUTLIVE_SESSIONS"),
                d.tokens_outlive_sessions,
            )?,
        }))
    }
}

/// RFC 6749 §3.3 `scope-token`: `%x21 / %x23-5B / %x5D-7E`, at least one.
pub fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}
