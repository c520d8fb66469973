//! Where the data lives: `DATABASE_URL` and its pool (with PostgreSQL's session-check lanes),
//! whether to migrate at start-up, and the secondary storage (`REDIS_URL` and its key prefix).

use super::{ConfigError, Sources, bad};

pub(super) struct Database {
    pub(super) database_url: String,
    pub(super) database_pool_size: u32,
    pub(super) database_session_check_lanes: usize,
    pub(super) auto_migrate: bool,
    pub(super) redis_url: Option<String>,
    pub(super) redis_key_prefix: String,
}

pub(super) fn load(src: &Sources) -> Result<Database, ConfigError> {
    let database_url = src.string("DATABASE_URL", "sqlite://portcullis.db");
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres:")
        || database_url.starts_with("postgresql:")
        || database_url.starts_with("mysql:")
        || database_url.starts_with("mariadb:"))
    {
        let scheme = database_url.split(':').next().unwrap_or_default();
        return Err(bad(
            "DATABASE_URL",
            format!(
                "has unsupported scheme `{scheme}` (use sqlite://, postgres://, mysql:// or mariadb://)"
            ),
        ));
    }
    let database_pool_size: u32 = src.parse("DATABASE_POOL_SIZE", 10, "a positive integer")?;
    if database_pool_size == 0 {
        return Err(bad("DATABASE_POOL_SIZE", "must be at least 1"));
    }
    let database_session_check_lanes = session_check_lanes(src, database_pool_size)?;

    Ok(Database {
        database_url,
        database_pool_size,
        database_session_check_lanes,
        redis_key_prefix: src.string("REDIS_KEY_PREFIX", "portcullis:"),
        redis_url: match src.get("REDIS_URL") {
            Some(u) if !u.starts_with("redis://") => {
                return Err(bad(
                    "REDIS_URL",
                    "must start with redis:// (TLS to Redis is not supported yet)",
                ));
            }
            other => other.map(str::to_owned),
        },
        auto_migrate: !src.flag("PORTCULLIS_NO_AUTO_MIGRATE", false)?,
    })
}

/// `DATABASE_SESSION_CHECK_LANES`: the most of the pool's connections kept for session checks
/// on PostgreSQL. Each lane is one database backend. Checks use one lane while it keeps up, and
/// the checks waiting behind it are answered together in one query, so a single lane carries
/// tens of thousands of checks a second; another is taken only when the queue stalls. By
/// default half the pool; the rest serves everything else. At most half.
fn session_check_lanes(src: &Sources, pool_size: u32) -> Result<usize, ConfigError> {
    let half_the_pool = usize::try_from(pool_size / 2).unwrap_or(usize::MAX);
    match src.get("DATABASE_SESSION_CHECK_LANES") {
        None => Ok(half_the_pool),
        Some(_) => {
            let lanes: usize = src.parse(
                "DATABASE_SESSION_CHECK_LANES",
                0,
                "a whole number (0: no lanes)",
            )?;
            if lanes > half_the_pool {
                return Err(bad(
                    "DATABASE_SESSION_CHECK_LANES",
                    format!(
                        "must be at most half of DATABASE_POOL_SIZE ({pool_size}), got {lanes}"
                    ),
                ));
            }
            Ok(lanes)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;

    #[test]
    fn session_check_lanes_default_to_half_the_pool_and_fit_in_it() {
        let c = load(&[]).expect("defaults");
        assert_eq!(c.database_session_check_lanes, 5);
        let c = load(&[("DATABASE_POOL_SIZE", "2")]).expect("small pool");
        assert_eq!(c.database_session_check_lanes, 1);
        let c = load(&[("DATABASE_POOL_SIZE", "1")]).expect("pool of one");
        assert_eq!(c.database_session_check_lanes, 0);
        let c = load(&[("DATABASE_SESSION_CHECK_LANES", "3")]).expect("three lanes");
        assert_eq!(c.database_session_check_lanes, 3);
        let c = load(&[("DATABASE_SESSION_CHECK_LANES", "0")]).expect("no lanes");
        assert_eq!(c.database_session_check_lanes, 0);
        for (value, says) in [
            ("6", "at most half of DATABASE_POOL_SIZE (10)"),
            ("two", "`two`"),
        ] {
            let e = load(&[("DATABASE_SESSION_CHECK_LANES", value)]).unwrap_err();
            let line = e.to_string();
            assert!(
                line.contains("DATABASE_SESSION_CHECK_LANES") && line.contains(says),
                "{line}"
            );
        }
    }
}
