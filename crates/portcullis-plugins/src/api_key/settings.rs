//! The api-key plugin's settings: Better Auth's `apiKey({..})` options, as variables or keys
//! of `[plugins.api_key]` (the variable wins).

use portcullis_core::{Config, ConfigError};

use super::permissions::{Statements, parse_statements};

/// Better Auth's defaults: 64 random letters, the first 6 characters kept, 10 uses a day.
pub const DEFAULT_KEY_LENGTH: usize = 64;
pub const DEFAULT_START_LENGTH: usize = 6;
pub const DEFAULT_RATE_LIMIT_WINDOW_MS: i64 = 86_400_000;
pub const DEFAULT_RATE_LIMIT_MAX: i64 = 10;

/// The shortest server secret accepted: it stands for the whole server, so it must not be
/// guessable (128 bits of hex, or more).
const MIN_SERVER_SECRET_CHARS: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeySettings {
    /// The request header that carries a key (`x-api-key`), lower case.
    pub header: String,
    /// Put before every generated key when the request names no prefix.
    pub default_prefix: Option<String>,
    /// Random characters in a key (after the prefix); a presented key shorter than this is
    /// refused at once, as Better Auth does.
    pub key_length: usize,
    /// How many leading characters are kept in `start` (0: none are).
    pub start_length: usize,
    /// Whether per-key rate limits apply at all (Better Auth's `rateLimit.enabled`).
    pub rate_limit_enabled: bool,
    /// A new key's window (ms) and maximum uses in it.
    pub rate_limit_window_ms: i64,
    pub rate_limit_max: i64,
    /// Better Auth's `enableSessionForAPIKeys`: the header stands for its owner's session.
    pub enable_sessions: bool,
    pub enable_metadata: bool,
    pub require_name: bool,
    pub min_name_length: usize,
    pub max_name_length: usize,
    pub min_prefix_length: usize,
    pub max_prefix_length: usize,
    /// Seconds until a new key expires when the request names none.
    pub default_expires_in: Option<i64>,
    pub disable_custom_expires_in: bool,
    /// Bounds of `expiresIn`, in days, as Better Auth's `keyExpiration`.
    pub min_expires_in_days: f64,
    pub max_expires_in_days: f64,
    /// Permissions every new key gets unless the server sets others.
    pub default_permissions: Option<Statements>,
    /// The secret a trusted backend sends in `x-portcullis-server-secret` to act as Better
    /// Auth's server-side `auth.api` (server-only properties, `userId`, verify). Off when unset.
    /// `API_KEY_SERVER_SECRET`, comma-separated: any of them is accepted, so services can move
    /// to a new secret before the old one is dropped (ASVS V2.10.1).
    pub server_secrets: Vec<String>,
    /// Days before a key expires that its owner is mailed (`API_KEY_EXPIRY_NOTICE_DAYS`;
    /// ASVS V2.3.3); 0 sends no notice.
    pub expiry_notice_days: i64,
}

impl Default for ApiKeySettings {
    fn default() -> Self {
        ApiKeySettings {
            header: "x-api-key".into(),
            default_prefix: None,
            key_length: DEFAULT_KEY_LENGTH,
            start_length: DEFAULT_START_LENGTH,
            rate_limit_enabled: true,
            rate_limit_window_ms: DEFAULT_RATE_LIMIT_WINDOW_MS,
            rate_limit_max: DEFAULT_RATE_LIMIT_MAX,
            enable_sessions: false,
            enable_metadata: false,
            require_name: false,
            min_name_length: 1,
            max_name_length: 32,
            min_prefix_length: 1,
            max_prefix_length: 32,
            default_expires_in: None,
            disable_custom_expires_in: false,
            min_expires_in_days: 1.0,
            max_expires_in_days: 365.0,
            default_permissions: None,
            server_secrets: Vec::new(),
            expiry_notice_days: 7,
        }
    }
}

fn is_prefix(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl ApiKeySettings {
    /// `None` unless `ENABLE_API_KEY` is on (or `ENABLE_API_KEYS`, the name the design
    /// documents use).
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("api_key");
        let on = match config.sources.get("ENABLE_API_KEYS") {
            Some(_) if config.sources.get("ENABLE_API_KEY").is_none() => {
                config.sources.flag("ENABLE_API_KEYS", false)?
            }
            _ => src.flag("enabled", Some("ENABLE_API_KEY"), false)?,
        };
        if !on {
            return Ok(None);
        }
        let d = ApiKeySettings::default();
        // Where a value came from, for messages: the variable when it is set.
        let name_of = |key: &str, env: &str| -> Result<String, ConfigError> {
            Ok(src
                .get(key, Some(env))?
                .map(|(var, _)| var)
                .unwrap_or_else(|| src.var(key)))
        };
        let header = src
            .string("header", Some("API_KEY_HEADER"), &d.header)?
            .to_ascii_lowercase();
        if http::HeaderName::from_bytes(header.as_bytes()).is_err() {
            return Err(ConfigError::new(
                &name_of("header", "API_KEY_HEADER")?,
                "must be a header name, e.g. x-api-key",
            ));
        }
        let default_prefix = match src.get("default_prefix", Some("API_KEY_DEFAULT_PREFIX"))? {
            None => None,
            Some((var, p)) if !is_prefix(&p) || p.len() > d.max_prefix_length => {
                return Err(ConfigError::new(
                    &var,
                    "must be 1-32 letters, digits, `_` or `-`",
                ));
            }
            Some((_, p)) => Some(p),
        };
        let key_length: usize = src.parse(
            "key_length",
            Some("API_KEY_LENGTH"),
            d.key_length,
            "a number",
        )?;
        if !(32..=256).contains(&key_length) {
            // Fewer than 32 letters would fall under 180 bits.
            return Err(ConfigError::new(
                &name_of("key_length", "API_KEY_LENGTH")?,
                "must be between 32 and 256",
            ));
        }
        let start_length: usize = src.parse(
            "start_length",
            Some("API_KEY_START_LENGTH"),
            d.start_length,
            "a number",
        )?;
        if start_length > 12 {
            // More would give away a real part of the secret.
            return Err(ConfigError::new(
                &name_of("start_length", "API_KEY_START_LENGTH")?,
                "must be between 0 and 12",
            ));
        }
        let rate_limit_window_ms: i64 = src.parse(
            "rate_limit_window_ms",
            Some("API_KEY_RATE_LIMIT_WINDOW_MS"),
            d.rate_limit_window_ms,
            "a number of milliseconds",
        )?;
        let rate_limit_max: i64 = src.parse(
            "rate_limit_max",
            Some("API_KEY_RATE_LIMIT_MAX"),
            d.rate_limit_max,
            "a number",
        )?;
        if rate_limit_window_ms < 1 || rate_limit_max < 1 {
            return Err(ConfigError::new(
                &name_of("rate_limit_max", "API_KEY_RATE_LIMIT_MAX")?,
                "the window and the maximum must be at least 1",
            ));
        }
        let default_expires_in =
            match src.get("default_expires_in", Some("API_KEY_DEFAULT_EXPIRES_IN"))? {
                None => None,
                Some((var, s)) => match s.parse::<i64>() {
                    Ok(n) if n >= 60 => Some(n),
                    _ => {
                        return Err(ConfigError::new(
                            &var,
                            "must be a number of seconds, at least 60",
                        ));
                    }
                },
            };
        let min_expires_in_days: f64 = src.parse(
            "min_expires_in_days",
            Some("API_KEY_MIN_EXPIRES_IN_DAYS"),
            d.min_expires_in_days,
            "a number of days",
        )?;
        let max_expires_in_days: f64 = src.parse(
            "max_expires_in_days",
            Some("API_KEY_MAX_EXPIRES_IN_DAYS"),
            d.max_expires_in_days,
            "a number of days",
        )?;
        if !(min_expires_in_days >= 0.0 && max_expires_in_days >= min_expires_in_days) {
            return Err(ConfigError::new(
                &name_of("max_expires_in_days", "API_KEY_MAX_EXPIRES_IN_DAYS")?,
                "must be at least min_expires_in_days, both at least 0",
            ));
        }
        let default_permissions =
            match src.get("default_permissions", Some("API_KEY_DEFAULT_PERMISSIONS"))? {
                None => None,
                Some((var, s)) => {
                    let v: serde_json::Value = serde_json::from_str(&s).map_err(|_| {
                        ConfigError::new(&var, "must be JSON such as {\"files\":[\"read\"]}")
                    })?;
                    Some(parse_statements(&v).ok_or_else(|| {
                        ConfigError::new(&var, "must map resources to lists of actions")
                    })?)
                }
            };
        let mut server_secrets = Vec::new();
        if let Some((var, listed)) = src.get("server_secret", Some("API_KEY_SERVER_SECRET"))? {
            for secret in listed.split(',').map(str::trim) {
                if secret.chars().count() < MIN_SERVER_SECRET_CHARS {
                    return Err(ConfigError::new(
                        &var,
                        "must be at least 32 characters, each when several are listed (portcullis secret generate makes one)",
                    ));
                }
                server_secrets.push(secret.to_owned());
            }
        }
        Ok(Some(ApiKeySettings {
            header,
            default_prefix,
            key_length,
            start_length,
            rate_limit_enabled: src.flag(
                "rate_limit_enabled",
                Some("API_KEY_RATE_LIMIT_ENABLED"),
                true,
            )?,
            rate_limit_window_ms,
            rate_limit_max,
            enable_sessions: src.flag("enable_sessions", Some("API_KEY_ENABLE_SESSIONS"), false)?,
            enable_metadata: src.flag("enable_metadata", Some("API_KEY_ENABLE_METADATA"), false)?,
            require_name: src.flag("require_name", Some("API_KEY_REQUIRE_NAME"), false)?,
            default_expires_in,
            disable_custom_expires_in: src.flag(
                "disable_custom_expires_in",
                Some("API_KEY_DISABLE_CUSTOM_EXPIRES_IN"),
                false,
            )?,
            min_expires_in_days,
            max_expires_in_days,
            default_permissions,
            server_secrets,
            expiry_notice_days: {
                let days: i64 = src.parse(
                    "expiry_notice_days",
                    Some("API_KEY_EXPIRY_NOTICE_DAYS"),
                    d.expiry_notice_days,
                    "a number of days",
                )?;
                if !(0..=90).contains(&days) {
                    return Err(ConfigError::new(
                        &name_of("expiry_notice_days", "API_KEY_EXPIRY_NOTICE_DAYS")?,
                        "must be between 0 (no notice) and 90",
                    ));
                }
                days
            },
            ..d
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_from(pairs: &[(&str, &str)]) -> Result<Option<ApiKeySettings>, ConfigError> {
        ApiKeySettings::load(&crate::tests::config_of(pairs)?)
    }

    #[test]
    fn off_unless_enabled_with_better_auths_defaults() {
        assert_eq!(settings_from(&[]).expect("load"), None);
        let on = settings_from(&[("ENABLE_API_KEY", "true")])
            .expect("load")
            .expect("on");
        assert_eq!(on, ApiKeySettings::default());
        assert_eq!(on.header, "x-api-key");
        assert!(!on.enable_sessions && on.server_secrets.is_empty());
    }

    #[test]
    fn the_design_documents_name_also_switches_it() {
        assert!(
            settings_from(&[("ENABLE_API_KEYS", "true")])
                .expect("load")
                .is_some()
        );
        assert!(
            settings_from(&[("ENABLE_API_KEYS", "false")])
                .expect("load")
                .is_none()
        );
        // The plugin's own name wins when both are set.
        let both = [("ENABLE_API_KEYS", "true"), ("ENABLE_API_KEY", "false")];
        assert!(settings_from(&both).expect("load").is_none());
        assert!(settings_from(&[("ENABLE_API_KEYS", "maybe")]).is_err());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("API_KEY_LENGTH", "8"),
            ("API_KEY_DEFAULT_PREFIX", "sk live"),
            ("API_KEY_SERVER_SECRET", "short"),
            ("API_KEY_DEFAULT_PERMISSIONS", "{\"files\":\"read\"}"),
            ("API_KEY_START_LENGTH", "40"),
            ("API_KEY_ENABLE_SESSIONS", "maybe"),
        ] {
            let e = settings_from(&[("ENABLE_API_KEY", "true"), (var, value)]).expect_err(var);
            assert_eq!(e.var, var, "{value}");
        }
        let s = settings_from(&[
            ("ENABLE_API_KEY", "true"),
            ("API_KEY_HEADER", "X-Service-Key"),
            ("API_KEY_DEFAULT_PREFIX", "sk_"),
            ("API_KEY_DEFAULT_PERMISSIONS", "{\"files\":[\"read\"]}"),
            ("API_KEY_ENABLE_SESSIONS", "true"),
        ])
        .expect("load")
        .expect("on");
        assert_eq!(s.header, "x-service-key");
        assert_eq!(s.default_prefix.as_deref(), Some("sk_"));
        assert!(s.enable_sessions);
        assert_eq!(
            s.default_permissions,
            Some(Statements::from([(
                "files".to_owned(),
                vec!["read".to_owned()]
            )]))
        );
    }
}
