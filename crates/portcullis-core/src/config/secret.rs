//! The secret everything is signed with: `BETTER_AUTH_SECRET` (or `PORTCULLIS_SECRET`), checked
//! for strength in production, and outside production one kept in the data directory
//! (`Config::ensure_dev_secret`) when none is set. `Secret` never prints its value.

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

/// The configured secret, and whether it is still to be generated (`ensure_dev_secret`).
pub(super) fn load(src: &Sources, production: bool) -> Result<(Secret, bool), ConfigError> {
    Ok(
        match src.first(&["BETTER_AUTH_SECRET", "PORTCULLIS_SECRET"]) {
            Some((var, s)) => {
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
                (Secret::new(s.to_owned()), false)
            }
            None if production => {
                return Err(bad(
                    "BETTER_AUTH_SECRET",
                    "is required in production (generate one with `portcullis secret generate`)",
                ));
            }
            None => (Secret::new(String::new()), true),
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
