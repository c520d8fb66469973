//! The jwt plugin's settings, from variables or `[plugins.jwt]`.

use portcullis_core::{Config, ConfigError};

use super::keys::KeyAlgorithm;

/// How long a signing key's cache is trusted before the table is read again: the longest
/// another instance keeps signing with a key after it was rotated.
pub const KEY_REFRESH_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq)]
pub struct JwtSettings {
    pub algorithm: KeyAlgorithm,
    /// `iss`; the base URL when unset, as Better Auth.
    pub issuer: Option<String>,
    /// `aud`; the base URL when unset.
    pub audience: Option<String>,
    /// Seconds from `iat` to `exp` (Better Auth's `15m`).
    pub expiration_secs: i64,
    /// The user fields copied into the payload; all of them when `None`.
    pub claims: Option<Vec<String>>,
    /// Where the key set is served, under the base path (`/jwks`).
    pub jwks_path: String,
    /// A key signs for this long, then a new one takes over; `None` never rotates.
    pub rotation_secs: Option<i64>,
    /// How long a retired key stays in the key set after it stopped signing.
    pub grace_secs: i64,
    /// `set-auth-jwt` on get-session.
    pub set_header: bool,
    /// A token signed this many seconds ago or less, for the same claims and key, is handed out
    /// again instead of signing anew; 0 signs every time.
    pub reuse_secs: i64,
}

const DAY: i64 = 86_400;

impl JwtSettings {
    /// `None` unless `ENABLE_JWT` is on. Each variable may also be a key of `[plugins.jwt]`.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("jwt");
        if !src.flag("enabled", Some("ENABLE_JWT"), false)? {
            return Ok(None);
        }
        let algorithm = match src.get("algorithm", Some("JWT_ALGORITHM"))? {
            None => KeyAlgorithm::EdDsa,
            Some((var, name)) => KeyAlgorithm::parse(&name)
                .ok_or_else(|| ConfigError::new(&var, "must be EdDSA, ES256, RS256 or PS256"))?,
        };
        let optional = |key: &str, var: &str| -> Result<Option<String>, ConfigError> {
            Ok(src.get(key, Some(var))?.map(|(_, v)| v))
        };
        let seconds = |key: &str, var: &str, default: i64, min: i64, max: i64| {
            let v: i64 = src.parse(key, Some(var), default, "a number of seconds")?;
            if !(min..=max).contains(&v) {
                return Err(ConfigError::new(
                    var,
                    format!("must be between {min} and {max} seconds"),
                ));
            }
            Ok(v)
        };
        let expiration_secs = seconds("expiration", "JWT_EXPIRATION", 900, 60, DAY)?;
        let rotation = seconds(
            "rotation_interval",
            "JWT_ROTATION_INTERVAL",
            30 * DAY,
            0,
            3650 * DAY,
        )?;
        // A retired key must outlive every token it signed, including those another instance
        // signed before it noticed the rotation.
        let min_grace = expiration_secs + KEY_REFRESH_SECS;
        let grace_secs = seconds(
            "grace_period",
            "JWT_KEY_GRACE_PERIOD",
            30 * DAY,
            min_grace,
            3650 * DAY,
        )?;
        // At most a tenth of a token's life is lost to reuse.
        let reuse_secs = seconds(
            "reuse_window",
            "JWT_REUSE_WINDOW",
            30.min(expiration_secs / 10),
            0,
            expiration_secs / 10,
        )?;
        let claims = match src.get("claims", Some("JWT_CLAIMS"))? {
            None => None,
            Some(_) => Some(src.list("claims", Some("JWT_CLAIMS"))?),
        };
        let jwks_path = src.string("jwks_path", Some("JWKS_PATH"), "/jwks")?;
        if !jwks_path.starts_with('/') || jwks_path.contains("..") || jwks_path.len() < 2 {
            return Err(ConfigError::new(
                "JWKS_PATH",
                "must start with / and not contain ..",
            ));
        }
        Ok(Some(JwtSettings {
            algorithm,
            issuer: optional("issuer", "JWT_ISSUER")?,
            audience: optional("audience", "JWT_AUDIENCE")?,
            expiration_secs,
            claims,
            jwks_path,
            rotation_secs: (rotation > 0).then_some(rotation),
            grace_secs,
            set_header: src.flag("set_header", Some("JWT_SET_HEADER"), true)?,
            reuse_secs,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::config_of;

    #[test]
    fn off_by_default_and_better_auths_defaults_when_on() {
        assert_eq!(JwtSettings::load(&config_of(&[]).unwrap()).unwrap(), None);
        let s = JwtSettings::load(&config_of(&[("ENABLE_JWT", "true")]).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(s.algorithm, KeyAlgorithm::EdDsa);
        assert_eq!(s.expiration_secs, 900);
        assert_eq!(s.jwks_path, "/jwks");
        assert_eq!(s.rotation_secs, Some(30 * DAY));
        assert_eq!(s.grace_secs, 30 * DAY);
        assert_eq!(s.claims, None);
        assert!(s.set_header);
        assert_eq!(s.reuse_secs, 30);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = |pairs: &[(&str, &str)]| {
            let mut all = vec![("ENABLE_JWT", "true")];
            all.extend_from_slice(pairs);
            JwtSettings::load(&config_of(&all).unwrap())
                .unwrap_err()
                .to_string()
        };
        assert!(err(&[("JWT_ALGORITHM", "HS256")]).contains("JWT_ALGORITHM"));
        assert!(err(&[("JWT_EXPIRATION", "10")]).contains("JWT_EXPIRATION"));
        // The grace period must cover a token's whole life.
        assert!(err(&[("JWT_KEY_GRACE_PERIOD", "600")]).contains("JWT_KEY_GRACE_PERIOD"));
        assert!(err(&[("JWKS_PATH", "jwks")]).contains("JWKS_PATH"));
        // Reuse may cost a token at most a tenth of its life.
        assert!(err(&[("JWT_REUSE_WINDOW", "91")]).contains("JWT_REUSE_WINDOW"));
    }

    #[test]
    fn claims_and_rotation_can_be_chosen() {
        let s = JwtSettings::load(
            &config_of(&[
                ("ENABLE_JWT", "true"),
                ("JWT_ALGORITHM", "ES256"),
                ("JWT_CLAIMS", "email, role"),
                ("JWT_ROTATION_INTERVAL", "0"),
            ])
            .unwrap(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.algorithm, KeyAlgorithm::Es256);
        assert_eq!(s.claims, Some(vec!["email".to_owned(), "role".to_owned()]));
        assert_eq!(s.rotation_secs, None);
    }
}
