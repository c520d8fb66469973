//! `ENABLE_PASSKEYS` and the relying party: `PASSKEY_RP_ID`, `PASSKEY_RP_NAME`,
//! `PASSKEY_ORIGIN` (or `[plugins.passkey]` `enabled`, `rp_id`, `rp_name`, `origin`).
//!
//! Defaults are Better Auth's: the base URL's host, `APP_NAME`, the base URL's origin. A value
//! that cannot work stops start-up naming its variable: an RP ID that is not the origin's host
//! or a parent domain of it (no browser would create a credential for it), an origin that is not
//! a bare `scheme://host[:port]`, or plain http anywhere but localhost (WebAuthn needs a secure
//! context).

use portcullis_core::{Config, ConfigError};
use url::Url;

#[derive(Debug, Clone)]
pub struct PasskeySettings {
    /// The relying party ID credentials are bound to. Changing it orphans every passkey.
    pub rp_id: String,
    /// Shown by the browser while creating a passkey.
    pub rp_name: String,
    /// The origins a ceremony may come from (`PASSKEY_ORIGIN`, comma-separated).
    pub origins: Vec<Url>,
}

impl PasskeySettings {
    /// `None` when `ENABLE_PASSKEYS` is off (the default).
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("passkey");
        if !src.flag("enabled", Some("ENABLE_PASSKEYS"), false)? {
            return Ok(None);
        }
        let default_id = config.base_url.host_str().unwrap_or("localhost").to_owned();
        let (id_var, rp_id) = match src.get("rp_id", Some("PASSKEY_RP_ID"))? {
            Some((var, v)) => (var, v),
            None => ("PASSKEY_RP_ID".to_owned(), default_id),
        };
        let rp_name = src.string("rp_name", Some("PASSKEY_RP_NAME"), &config.brand.name)?;
        let default_origin = config.base_url.origin().ascii_serialization();
        let (origin_var, origin_text) = match src.get("origin", Some("PASSKEY_ORIGIN"))? {
            Some((var, v)) => (var, v),
            None => ("PASSKEY_ORIGIN".to_owned(), default_origin),
        };
        let settings = Self::build(&rp_id, rp_name, &origin_text).map_err(|(which, problem)| {
            ConfigError::new(
                match which {
                    Which::RpId => &id_var,
                    Which::Origin => &origin_var,
                },
                problem,
            )
        })?;
        Ok(Some(settings))
    }

    /// Checks and assembles the relying party; the error says which value is wrong and why.
    fn build(rp_id: &str, rp_name: String, origins: &str) -> Result<Self, (Which, String)> {
        let rp_id = rp_id.trim().to_ascii_lowercase();
        let id_ok = !rp_id.is_empty()
            && !rp_id.starts_with('.')
            && !rp_id.ends_with('.')
            && rp_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !id_ok {
            return Err((
                Which::RpId,
                format!("must be a domain name such as example.com, got `{rp_id}`"),
            ));
        }
        let mut parsed = Vec::new();
        for text in origins.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let url = Url::parse(text).map_err(|_| {
                (
                    Which::Origin,
                    format!("must be origins such as https://example.com, got `{text}`"),
                )
            })?;
            let bare = url.path() == "/"
                && url.query().is_none()
                && url.fragment().is_none()
                && url.username().is_empty()
                && !text.trim_end_matches('/').contains(['?', '#'])
                && text.trim_end_matches('/').matches('/').count() == 2;
            if !bare || url.host_str().is_none() {
                return Err((
                    Which::Origin,
                    format!("must be origins (scheme://host[:port], no path), got `{text}`"),
                ));
            }
            let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
            let local = host == "localhost" || host.ends_with(".localhost");
            if url.scheme() != "https" && !(url.scheme() == "http" && local) {
                return Err((
                    Which::Origin,
                    format!("must use https (plain http only on localhost), got `{text}`"),
                ));
            }
            if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
                return Err((
                    Which::RpId,
                    format!(
                        "must be the host of every passkey origin or a parent domain of it: `{rp_id}` does not cover `{text}`"
                    ),
                ));
            }
            parsed.push(url);
        }
        if parsed.is_empty() {
            return Err((Which::Origin, "must name at least one origin".to_owned()));
        }
        Ok(PasskeySettings {
            rp_id,
            rp_name,
            origins: parsed,
        })
    }
}

enum Which {
    RpId,
    Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(id: &str, origins: &str) -> Result<PasskeySettings, String> {
        PasskeySettings::build(id, "App".into(), origins).map_err(|(_, p)| p)
    }

    #[test]
    fn relying_party_is_checked_against_its_origins() {
        let s = build(
            "example.com",
            "https://auth.example.com, https://example.com",
        )
        .unwrap();
        assert_eq!(s.rp_id, "example.com");
        assert_eq!(s.origins.len(), 2);
        assert!(build("localhost", "http://localhost:3000").is_ok());
        assert!(
            build("example.com", "http://example.com")
                .unwrap_err()
                .contains("https")
        );
        assert!(
            build("other.com", "https://example.com")
                .unwrap_err()
                .contains("does not cover")
        );
        // A suffix that is not a parent domain does not count.
        assert!(build("ample.com", "https://example.com").is_err());
        assert!(
            build("example.com", "https://example.com/app")
                .unwrap_err()
                .contains("no path")
        );
        assert!(build("exa mple.com", "https://example.com").is_err());
        assert!(build("example.com", " , ").is_err());
    }
}
