//! The secret everything is signed with: `BETTER_AUTH_SECRET` (or `PORTCULLIS_SECRET`), checked
//! for strength in production, and outside production one kept in the data directory
//! (`Config::ensure_dev_secret`) when none is set. `Secret` never prints its value.
//!
//! `BETTER_AUTH_SECRETS` (`<version>:<secret>,...`, newest first) is Better Auth 1.7's secret
//! rotation, read as it reads it: the first entry signs and encrypts (in a `$ba$<version>$`
//! envelope), every entry decrypts what its version encrypted, and `BETTER_AUTH_SECRET`, when set
//! beside it, decrypts the bare values written before rotation began.

use std::fmt;

use super::{Config, ConfigError, Sources, bad};

/// A secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Secret(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// `BETTER_AUTH_SECRETS`: the versions that decrypt, the one that encrypts, and the secret of
/// values written before versions were used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVersions {
    /// The first entry's version: it encrypts, and its secret signs.
    pub current: u32,
    pub keys: Vec<(u32, Secret)>,
    /// `BETTER_AUTH_SECRET` beside the versions: decrypts bare (envelope-less) values.
    pub legacy: Option<Secret>,
}

impl SecretVersions {
    pub fn key(&self, version: u32) -> Option<&Secret> {
        self.keys
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, s)| s)
    }
}

/// Better Auth's built-in fallback, which it never treats as a legacy secret.
const BETTER_AUTH_DEFAULT_SECRET: &str = "better-auth-secret-12345678901234567890";

fn check_strength(var: &str, s: &str, production: bool) -> Result<(), ConfigError> {
    if s.len() < 32 && production {
        return Err(bad(var, "must be at least 32 characters in production"));
    }
    if production
        && (s.starts_with("better-auth-secret")
            || s.chars().all(|c| c == s.chars().next().unwrap_or('x')))
    {
        return Err(bad(
            var,
            "is a default or trivial value; generate one with `portcullis secret generate`",
        ));
    }
    Ok(())
}

/// `BETTER_AUTH_SECRETS`, parsed and checked as Better Auth checks it (versions are distinct
/// non-negative integers, no value is empty); the current secret must pass the strength check.
fn load_versions(src: &Sources, production: bool) -> Result<Option<SecretVersions>, ConfigError> {
    const VAR: &str = "BETTER_AUTH_SECRETS";
    let Some(list) = src.get(VAR) else {
        return Ok(None);
    };
    let mut keys: Vec<(u32, Secret)> = Vec::new();
    for (i, entry) in list.split(',').map(str::trim).enumerate() {
        let Some((version, value)) = entry.split_once(':') else {
            return Err(bad(
                VAR,
                format!("entry {} must be <version>:<secret>", i + 1),
            ));
        };
        let version: u32 = version.trim().parse().map_err(|_| {
            bad(
                VAR,
                format!(
                    "entry {}: the version must be a non-negative integer",
                    i + 1
                ),
            )
        })?;
        let value = value.trim();
        if value.is_empty() {
            return Err(bad(VAR, format!("version {version} has an empty secret")));
        }
        if keys.iter().any(|(v, _)| *v == version) {
            return Err(bad(VAR, format!("version {version} appears twice")));
        }
        keys.push((version, Secret::new(value.to_owned())));
    }
    let Some((current, current_secret)) = keys.first() else {
        return Err(bad(VAR, "must name at least one secret"));
    };
    check_strength(VAR, current_secret.expose(), production)?;
    let legacy = src
        .first(&["BETTER_AUTH_SECRET", "PORTCULLIS_SECRET"])
        .map(|(_, s)| s)
        .filter(|s| *s != BETTER_AUTH_DEFAULT_SECRET)
        .map(|s| Secret::new(s.to_owned()));
    Ok(Some(SecretVersions {
        current: *current,
        keys,
        legacy,
    }))
}

/// The signing secret, whether it is still to be generated (`ensure_dev_secret`), and the
/// versioned secrets when `BETTER_AUTH_SECRETS` is set (its first entry then signs).
pub(super) fn load(
    src: &Sources,
    production: bool,
) -> Result<(Secret, bool, Option<SecretVersions>), ConfigError> {
    if let Some(versions) = load_versions(src, production)? {
        let signing = versions.key(versions.current).cloned();
        return Ok((
            signing.unwrap_or_else(|| Secret::new(String::new())),
            false,
            Some(versions),
        ));
    }
    Ok(
        match src.first(&["BETTER_AUTH_SECRET", "PORTCULLIS_SECRET"]) {
            Some((var, s)) => {
                check_strength(var, s, production)?;
                (Secret::new(s.to_owned()), false, None)
            }
            None if production => {
                return Err(bad(
                    "BETTER_AUTH_SECRET",
                    "is required in production (generate one with `portcullis secret generate`)",
                ));
            }
            None => (Secret::new(String::new()), true, None),
        },
    )
}

impl Config {
    /// Fills in a development secret: read from the data directory, or generated and kept there.
    pub fn ensure_dev_secret(&mut self) -> Result<(), ConfigError> {
        if !self.secret_generated {
            return Ok(());
        }
        let path = self.data_dir.join("secret");
        let var = "BETTER_AUTH_SECRET";
        if let Ok(s) = std::fs::read_to_string(&path) {
            let s = s.trim().to_owned();
            if s.len() >= 32 {
                self.secret = Secret::new(s);
                return Ok(());
            }
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            bad(
                var,
                format!(
                    "is unset and the data directory {} cannot be created: {e}",
                    self.data_dir.display()
                ),
            )
        })?;
        let s = crate::crypto::token::generate_id(48);
        write_private(&path, &s).map_err(|e| {
            bad(
                var,
                format!("is unset and {} cannot be written: {e}", path.display()),
            )
        })?;
        self.secret = Secret::new(s);
        Ok(())
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, s: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(s.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, s: &str) -> std::io::Result<()> {
    std::fs::write(path, s)
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;

    /// ASVS 2.10.2: production refuses Better Auth's built-in secret and a trivial one.
    #[test]
    fn production_refuses_better_auths_default_and_trivial_secrets() {
        let trivial = "x".repeat(48);
        for secret in [super::BETTER_AUTH_DEFAULT_SECRET, trivial.as_str()] {
            let e = load(&[
                ("NODE_ENV", "production"),
                ("BETTER_AUTH_URL", "https://auth.example.com"),
                ("BETTER_AUTH_SECRET", secret),
            ])
            .expect_err(secret);
            assert_eq!(e.var, "BETTER_AUTH_SECRET");
            assert!(e.to_string().contains("default or trivial"), "{e}");
            // Outside production, development keeps working with them.
            load(&[("BETTER_AUTH_SECRET", secret)]).expect("development");
        }
        let strong = load(&[
            ("NODE_ENV", "production"),
            ("BETTER_AUTH_URL", "https://auth.example.com"),
            ("BETTER_AUTH_SECRET", "k3J9x2LmQp8vR4tY7wZ1aB6cD0eF5gH3nM"),
        ]);
        if let Err(e) = strong {
            assert_ne!(e.var, "BETTER_AUTH_SECRET", "{e}");
        }
    }
}
