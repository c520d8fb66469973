//! Sessions: their lifetimes (`SESSION_EXPIRES_IN`, `_UPDATE_AGE`, `_FRESH_AGE`), the cookie
//! cache (`SESSION_COOKIE_CACHE_MAX_AGE`), where sessions live (`SESSION_STORE`), the session
//! cache (`SESSION_CACHE`, `SESSION_CACHE_TTL`) and Better Auth's plain tokens
//! (`LEGACY_SESSION_TOKENS`). The session table's additional fields are in `fields`.

use super::{ConfigError, Sources, bad};

/// What to do with plain session tokens found in a Better Auth `session` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyTokens {
    /// Accept them and replace the stored token by its hash on first use.
    Upgrade,
    /// Accept them and leave the row as it is (a Better Auth server still shares the table).
    Accept,
    Reject,
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub expires_in: i64,
    pub update_age: i64,
    /// The longest a session lives from its creation, however often it is extended; 0: no
    /// limit beyond `expires_in` (`SESSION_ABSOLUTE_LIFETIME`).
    pub absolute_lifetime: i64,
    pub fresh_age: i64,
    /// Ending sessions (`/revoke-session`, `/revoke-sessions`, `/revoke-other-sessions`) needs
    /// the password again, or a sign-in at most this many seconds old (ASVS V3.3.4;
    /// `SESSION_REVOKE_REAUTHENTICATION`, window `SESSION_REVOKE_REAUTHENTICATION_AGE`). `None`:
    /// off, as Better Auth.
    pub revoke_reauthentication: Option<i64>,
    /// 0 (the default, as Better Auth's with a database) turns the signed `session_data`
    /// cookie cache off: while on, a revoked session answers from it until it expires.
    pub cookie_cache_max_age: i64,
    pub legacy_tokens: LegacyTokens,
    /// Seconds a looked-up session stays in secondary storage; 0 = no session cache.
    /// On by default with Redis (shared by every instance) and with SQLite (one process owns
    /// the file). Off by default on PostgreSQL and MySQL without Redis: several instances may
    /// share that database, and a per-process cache could outlive a revocation made on another.
    pub cache_ttl: i64,
    /// `SESSION_STORE=secondary`: sessions live only in secondary storage (Redis), as Better
    /// Auth's `secondaryStorage` without `storeSessionInDatabase`.
    pub store_in_secondary: bool,
}

pub(super) fn load(src: &Sources) -> Result<SessionConfig, ConfigError> {
    let secs = |var: &str, default: i64| -> Result<i64, ConfigError> {
        let v: i64 = src.parse(var, default, "a number of seconds")?;
        if v < 0 {
            return Err(bad(var, "must not be negative"));
        }
        Ok(v)
    };
    let session = SessionConfig {
        expires_in: secs("SESSION_EXPIRES_IN", 604_800)?,
        update_age: secs("SESSION_UPDATE_AGE", 86_400)?,
        absolute_lifetime: secs("SESSION_ABSOLUTE_LIFETIME", 0)?,
        fresh_age: secs("SESSION_FRESH_AGE", 86_400)?,
        revoke_reauthentication: if src.flag("SESSION_REVOKE_REAUTHENTICATION", false)? {
            Some(secs("SESSION_REVOKE_REAUTHENTICATION_AGE", 300)?)
        } else {
            None
        },
        cookie_cache_max_age: secs("SESSION_COOKIE_CACHE_MAX_AGE", 0)?,
        store_in_secondary: match src.get("SESSION_STORE").unwrap_or("database") {
            "database" => false,
            "secondary" | "redis" if src.get("REDIS_URL").is_some() => true,
            "secondary" | "redis" => {
                return Err(bad(
                    "SESSION_STORE",
                    "=secondary needs REDIS_URL: in process memory, sessions would not survive a restart",
                ));
            }
            other => {
                return Err(bad(
                    "SESSION_STORE",
                    format!("must be database or secondary, got `{other}`"),
                ));
            }
        },
        cache_ttl: match src.get("SESSION_CACHE").unwrap_or("auto") {
            "auto" if src.get("REDIS_URL").is_some() || single_process_database(src) => {
                secs("SESSION_CACHE_TTL", 300)?
            }
            "auto" | "off" => 0,
            "on" => secs("SESSION_CACHE_TTL", 300)?,
            other => {
                return Err(bad(
                    "SESSION_CACHE",
                    format!("must be auto, on or off, got `{other}`"),
                ));
            }
        },
        legacy_tokens: match src.get("LEGACY_SESSION_TOKENS").unwrap_or("upgrade") {
            "upgrade" => LegacyTokens::Upgrade,
            "accept" => LegacyTokens::Accept,
            "reject" => LegacyTokens::Reject,
            other => {
                return Err(bad(
                    "LEGACY_SESSION_TOKENS",
                    format!("must be upgrade, accept or reject, got `{other}`"),
                ));
            }
        },
    };
    if session.expires_in == 0 {
        return Err(bad("SESSION_EXPIRES_IN", "must be at least 1 second"));
    }
    if session.expires_in > 400 * 86_400 {
        return Err(bad(
            "SESSION_EXPIRES_IN",
            "must be at most 400 days (browsers cap cookie lifetimes)",
        ));
    }

    if session.absolute_lifetime != 0 && session.absolute_lifetime < 60 {
        return Err(bad(
            "SESSION_ABSOLUTE_LIFETIME",
            "must be 0 (no limit) or at least 60 seconds",
        ));
    }

    Ok(session)
}

/// SQLite: the database is a file that one process serves, so a cache in that process sees
/// every revocation.
fn single_process_database(src: &Sources) -> bool {
    src.get("DATABASE_URL")
        .is_none_or(|url| url.starts_with("sqlite:"))
}
