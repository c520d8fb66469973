//! Where the data lives: `DATABASE_URL` and its pool (with PostgreSQL's session-check lanes),
//! whether to migrate at start-up, and the secondary storage (`REDIS_URL` and its key prefix).
//!
//! TLS is set in the URLs, as each engine's own clients take it: `sslmode`/`sslrootcert` for
//! PostgreSQL (as libpq), `ssl-mode`/`ssl-ca` for MySQL, `rediss://` for Redis (with
//! `REDIS_CA_FILE` for a private CA). Here they are checked, so that a typo or a missing CA
//! file stops start-up naming the variable instead of surfacing as a failed handshake.

use std::path::PathBuf;

use super::{ConfigError, Sources, bad};

pub(super) struct Database {
    pub(super) database_url: String,
    pub(super) database_pool_size: u32,
    pub(super) database_session_check_lanes: usize,
    pub(super) auto_migrate: bool,
    pub(super) redis_url: Option<String>,
    pub(super) redis_ca_file: Option<PathBuf>,
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
    check_database_tls(&database_url)?;
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
            Some(u) if !(u.starts_with("redis://") || u.starts_with("rediss://")) => {
                return Err(bad(
                    "REDIS_URL",
                    "must start with redis:// or, for TLS, rediss://",
                ));
            }
            other => other.map(str::to_owned),
        },
        redis_ca_file: redis_ca_file(src)?,
        auto_migrate: !src.flag("PORTCULLIS_NO_AUTO_MIGRATE", false)?,
    })
}

/// The TLS parameters of a PostgreSQL or MySQL URL: a known mode, and CA, certificate and key
/// files that can be read. The driver reads the files again on every connection; a file that
/// is missing at start-up is a configuration mistake, reported here.
fn check_database_tls(database_url: &str) -> Result<(), ConfigError> {
    let (modes, files): (&[&str], &[&str]) =
        if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
            (
                &[
                    "disable",
                    "allow",
                    "prefer",
                    "require",
                    "verify-ca",
                    "verify-full",
                ],
                &["sslrootcert", "sslcert", "sslkey"],
            )
        } else if database_url.starts_with("mysql:") || database_url.starts_with("mariadb:") {
            (
                &[
                    "disabled",
                    "preferred",
                    "required",
                    "verify_ca",
                    "verify_identity",
                ],
                &["ssl-ca", "ssl-cert", "ssl-key"],
            )
        } else {
            return Ok(());
        };
    let url = url::Url::parse(database_url)
        .map_err(|e| bad("DATABASE_URL", format!("is not a URL: {e}")))?;
    for (name, value) in url.query_pairs() {
        let name = name.as_ref();
        if matches!(name, "sslmode" | "ssl-mode") {
            let known = modes.iter().any(|m| m.eq_ignore_ascii_case(&value));
            if !known {
                return Err(bad(
                    "DATABASE_URL",
                    format!("has {name}={value}; use one of {}", modes.join(", ")),
                ));
            }
        } else if files.contains(&name)
            && let Err(e) = std::fs::metadata(value.as_ref())
        {
            return Err(bad(
                "DATABASE_URL",
                format!("names {name}={value}, which cannot be read: {e}"),
            ));
        }
    }
    Ok(())
}

/// `REDIS_CA_FILE`: the PEM file of the CA that signed the Redis server's certificate, trusted
/// instead of the system's roots. Only with `rediss://`.
fn redis_ca_file(src: &Sources) -> Result<Option<PathBuf>, ConfigError> {
    let Some(path) = src.get("REDIS_CA_FILE") else {
        return Ok(None);
    };
    if !src
        .get("REDIS_URL")
        .is_some_and(|u| u.starts_with("rediss://"))
    {
        return Err(bad(
            "REDIS_CA_FILE",
            "is only used with a rediss:// REDIS_URL (TLS)",
        ));
    }
    match std::fs::read_to_string(path) {
        Ok(pem) if pem.contains("-----BEGIN CERTIFICATE-----") => Ok(Some(PathBuf::from(path))),
        Ok(_) => Err(bad(
            "REDIS_CA_FILE",
            format!("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
        )),
        Err(e) => Err(bad("REDIS_CA_FILE", format!("cannot read {path}: {e}"))),
    }
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

    #[test]
    fn tls_settings_in_the_urls_are_checked_and_bad_ones_name_their_variable() {
        let dir =
            std::env::temp_dir().join(format!("portcullis-tls-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ca = dir.join("ca.pem");
        std::fs::write(
            &ca,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .expect("ca");
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "hello").expect("file");
        let missing = dir.join("missing.pem");
        let (ca, not_pem, missing) = (ca.display(), not_pem.display(), missing.display());

        for url in [
            format!("postgres://u@db/app?sslmode=verify-full&sslrootcert={ca}"),
            "postgresql://u:p@ep-x.neon.tech/app?sslmode=require&channel_binding=require".into(),
            format!("mysql://u@db/app?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
            "mariadb://u@db/app?ssl-mode=required".into(),
        ] {
            load(&[("DATABASE_URL", &url)]).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
        for (url, says) in [
            (
                "postgres://u@db/app?sslmode=verify_full".to_owned(),
                "sslmode=verify_full; use one of",
            ),
            (
                format!("postgres://u@db/app?sslmode=verify-ca&sslrootcert={missing}"),
                "cannot be read",
            ),
            (
                "mysql://u@db/app?ssl-mode=verify-full".to_owned(),
                "ssl-mode=verify-full; use one of",
            ),
            (format!("mysql://u@db/app?ssl-ca={missing}"), "ssl-ca="),
        ] {
            let e = load(&[("DATABASE_URL", &url)]).expect_err(&url);
            assert_eq!(e.var, "DATABASE_URL");
            assert!(e.to_string().contains(says), "{url}: {e}");
        }

        let c = load(&[
            ("REDIS_URL", "rediss://cache:6380/0"),
            ("REDIS_CA_FILE", &ca.to_string()),
        ])
        .expect("rediss with a CA file");
        assert_eq!(c.redis_url.as_deref(), Some("rediss://cache:6380/0"));
        assert!(c.redis_ca_file.is_some());
        for (vars, var, says) in [
            (
                vec![("REDIS_URL", "http://cache")],
                "REDIS_URL",
                "rediss://",
            ),
            (
                vec![
                    ("REDIS_URL", "redis://cache"),
                    ("REDIS_CA_FILE", &*ca.to_string()),
                ],
                "REDIS_CA_FILE",
                "only used with a rediss://",
            ),
            (
                vec![
                    ("REDIS_URL", "rediss://cache"),
                    ("REDIS_CA_FILE", &*missing.to_string()),
                ],
                "REDIS_CA_FILE",
                "cannot read",
            ),
            (
                vec![
                    ("REDIS_URL", "rediss://cache"),
                    ("REDIS_CA_FILE", &*not_pem.to_string()),
                ],
                "REDIS_CA_FILE",
                "no PEM certificate",
            ),
        ] {
            let e = load(&vars).expect_err(var);
            assert_eq!(e.var, var);
            assert!(e.to_string().contains(says), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
