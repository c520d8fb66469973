//! Configuration from environment variables and an optional TOML file (`PORTCULLIS_CONFIG`).
//! Every variable has a TOML key: its name in lower case. The environment wins.
//! A bad value stops start-up with one line naming the variable.
//!
//! Each section has its own module and loader, `load(src) -> Result<Section, ConfigError>`,
//! which `Config::load` calls in turn and gathers into the one flat `Config`:
//! - `sources`: `Sources`, the environment over the TOML file, and the readers every loader
//!   (and every plugin's settings) uses;
//! - `environment`: development, test or production;
//! - `server`: port and host, base URL and path, trusted origins and proxies, the body limit,
//!   cookies;
//! - `secret`: the signing secret, and the development secret kept in the data directory;
//! - `database`: the database, its pool and migration, and Redis;
//! - `session`: session lifetimes, the cookie cache, the session store and the session cache;
//! - `accounts`: password rules, the breached-password check and hashing, and which account
//!   flows are on;
//! - `fields`: the user and session tables' additional fields;
//! - `operations`: the log, `/metrics` and the cleanup job;
//! - `brand`: what the hosted pages and emails show;
//! - `delivery`: email and SMS transports; `email`: the email-driven account flows;
//! - `rate_limit`: the rate limiter and the per-account lockout;
//! - `preset`: `SECURITY_PRESET`, defaults for many of the above at once;
//! - `tables`: nested TOML tables for plugins (`Sources::plugin`, `Sources::table_sources`).

use std::path::PathBuf;

use portcullis_storage::Field;
use url::Url;

use crate::crypto::password::HashAlgorithm;

mod accounts;
mod brand;
mod database;
mod delivery;
mod email;
mod environment;
mod fields;
mod operations;
pub mod preset;
mod rate_limit;
mod secret;
mod server;
mod session;
mod sources;
mod tables;

pub use brand::Brand;
pub use email::EmailFlows;
pub use environment::Environment;
pub use portcullis_delivery::DeliveryConfig;
pub use secret::{Secret, SecretVersions};
pub use session::{LegacyTokens, SessionConfig};
pub use sources::Sources;
pub use tables::TableSource;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var} {problem}")]
pub struct ConfigError {
    pub var: String,
    pub problem: String,
}

impl ConfigError {
    /// A bad value of `var`, for settings read outside this module (plugins).
    pub fn new(var: &str, problem: impl Into<String>) -> Self {
        bad(var, problem)
    }
}

fn bad(var: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var: var.to_owned(),
        problem: problem.into(),
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub env: Environment,
    pub secret: Secret,
    /// True when the secret was generated and kept in the data directory.
    pub secret_generated: bool,
    /// `BETTER_AUTH_SECRETS`, when set: `secret` is then its current version's.
    pub secret_versions: Option<SecretVersions>,
    pub base_url: Url,
    pub base_path: String,
    pub host: String,
    pub port: u16,
    pub database_url: String,
    pub database_pool_size: u32,
    /// PostgreSQL: the most connections kept for session checks (see
    /// `DATABASE_SESSION_CHECK_LANES`).
    pub database_session_check_lanes: usize,
    pub redis_url: Option<String>,
    /// `REDIS_CA_FILE`: the CA to trust for a `rediss://` Redis instead of the system's roots.
    pub redis_ca_file: Option<PathBuf>,
    /// Namespace for every key this deployment writes to Redis.
    pub redis_key_prefix: String,
    pub trusted_origins: Vec<String>,
    pub session: SessionConfig,
    pub cookie_prefix: String,
    pub cookie_domain: Option<String>,
    pub secure_cookies: bool,
    /// `__Host-` cookie names over https (`COOKIE_HOST_PREFIX`).
    pub cookie_host_prefix: bool,
    pub password_min_length: usize,
    pub password_max_length: usize,
    /// Breached-password refusal for new passwords (`PASSWORD_BREACH_CHECK`, `HIBP_*`).
    pub breach_check: crate::breached::BreachCheckConfig,
    pub password_hash: HashAlgorithm,
    pub password_hash_concurrency: usize,
    /// `PASSWORD_PEPPER`: Argon2's secret input for new hashes (ASVS V2.4.5); off by default.
    pub password_pepper: Option<secret::Secret>,
    pub email_password_enabled: bool,
    pub sign_up_enabled: bool,
    pub require_email_verification: bool,
    pub delete_user_enabled: bool,
    pub auto_migrate: bool,
    pub max_body_bytes: usize,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub additional_user_fields: Vec<Field>,
    /// Better Auth's `session.additionalFields`: columns on the session table, settable through
    /// `/update-session` when `input` allows.
    pub additional_session_fields: Vec<Field>,
    pub brand: Brand,
    pub log_level: String,
    pub log_json: bool,
    pub data_dir: PathBuf,
    pub templates_dir: Option<PathBuf>,
    /// Rate limiting: Better Auth's rules, the `strict` preset, custom and plugin rules.
    pub rate_limit: crate::rate_limit::RateLimitConfig,
    /// Per-account lockout after repeated failed sign-ins.
    pub lockout: crate::lockout::LockoutConfig,
    /// Per-account guess budget of one-time codes, across fresh codes (`CODE_GUESS_*`).
    pub code_lockout: crate::lockout::LockoutConfig,
    /// Serve `GET /metrics` (`METRICS_ENABLED`, default true).
    pub metrics_enabled: bool,
    /// When set, `/metrics` needs `Authorization: Bearer <token>` (`METRICS_TOKEN`).
    /// `METRICS_TOKEN`: any of these opens `/metrics` (several while one replaces another).
    pub metrics_tokens: Vec<Secret>,
    /// Seconds between expired-row cleanups; 0 turns the job off (`CLEANUP_INTERVAL`).
    pub cleanup_interval: u64,
    /// Rows deleted per statement by the cleanup job (`CLEANUP_BATCH_SIZE`).
    pub cleanup_batch_size: usize,
    /// Mail and SMS transports, the outbox, templates.
    pub delivery: DeliveryConfig,
    /// Verification, password reset, change email, account deletion by email.
    pub email: EmailFlows,
    /// Serve the development outbox at `/dev/outbox` (never in production).
    pub dev_outbox_ui: bool,
    /// The raw settings, for plugins that read their own variables.
    pub sources: std::sync::Arc<Sources>,
}

impl Config {
    pub fn load(src: &Sources) -> Result<Config, ConfigError> {
        // Section by section; with several bad values, the first section's is the one reported.
        let env = environment::load(src)?;
        let production = env == Environment::Production;
        let server = server::load(src, production)?;
        let data_dir = PathBuf::from(src.string("PORTCULLIS_DATA_DIR", ".portcullis"));
        let (secret, secret_generated, secret_versions) = secret::load(src, production)?;
        let database = database::load(src)?;
        let session = session::load(src)?;
        let accounts = accounts::load(src)?;
        let fields = fields::load(src)?;
        let operations = operations::load(src, production)?;
        let brand = brand::load(src, &server.base_url)?;
        let delivery = delivery::load(src, &data_dir, production, brand.globals(&server.base_url))?;
        Ok(Config {
            env,
            secret,
            secret_generated,
            secret_versions,
            base_path: server.base_path,
            host: server.host,
            port: server.port,
            database_url: database.database_url,
            database_pool_size: database.database_pool_size,
            database_session_check_lanes: database.database_session_check_lanes,
            redis_key_prefix: database.redis_key_prefix,
            redis_url: database.redis_url,
            redis_ca_file: database.redis_ca_file,
            trusted_origins: server.trusted_origins,
            session,
            cookie_prefix: server.cookie_prefix,
            cookie_domain: server.cookie_domain,
            secure_cookies: server.secure_cookies,
            cookie_host_prefix: server.cookie_host_prefix,
            password_min_length: accounts.password_min_length,
            password_max_length: accounts.password_max_length,
            breach_check: accounts.breach_check,
            password_hash: accounts.password_hash,
            password_hash_concurrency: accounts.password_hash_concurrency,
            password_pepper: accounts.password_pepper,
            email_password_enabled: accounts.email_password_enabled,
            sign_up_enabled: accounts.sign_up_enabled,
            require_email_verification: accounts.require_email_verification,
            email: email::load(src)?,
            delivery,
            dev_outbox_ui: !production,
            sources: std::sync::Arc::new(src.clone()),
            delete_user_enabled: accounts.delete_user_enabled,
            auto_migrate: database.auto_migrate,
            max_body_bytes: server.max_body_bytes,
            trusted_proxies: server.trusted_proxies,
            additional_user_fields: fields.user,
            additional_session_fields: fields.session,
            brand,
            log_level: operations.log_level,
            log_json: operations.log_json,
            data_dir,
            templates_dir: src.get("PORTCULLIS_TEMPLATES_DIR").map(PathBuf::from),
            rate_limit: rate_limit::load(src, production)?,
            lockout: rate_limit::load_lockout(src)?,
            code_lockout: rate_limit::load_code_lockout(src)?,
            metrics_enabled: operations.metrics_enabled,
            metrics_tokens: operations.metrics_tokens,
            cleanup_interval: operations.cleanup_interval,
            cleanup_batch_size: operations.cleanup_batch_size,
            base_url: server.base_url,
        })
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    /// `http://host:port/api/auth`
    pub fn auth_url(&self) -> String {
        format!(
            "{}{}",
            self.base_url.as_str().trim_end_matches('/'),
            self.base_path
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(&Sources::new(env)?)
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = load(&[]).expect("defaults");
        assert_eq!(c.port, 8787);
        assert_eq!(c.base_url.as_str(), "http://localhost:8787/");
        assert_eq!(c.auth_url(), "http://localhost:8787/api/auth");
        assert_eq!(c.database_url, "sqlite://portcullis.db");
        assert_eq!(c.session.expires_in, 604_800);
        assert_eq!(
            c.session.cookie_cache_max_age, 0,
            "off, as Better Auth with a database"
        );
        assert_eq!(
            c.session.cache_ttl, 300,
            "SQLite: a session cache in process memory"
        );
        assert_eq!(
            c.trusted_origins,
            vec![
                "http://localhost:8787".to_string(),
                "http://127.0.0.1:8787".to_string()
            ]
        );
        assert!(!c.secure_cookies);
        assert!(c.secret_generated);
        assert!(
            !format!("{:?}", c.secret).contains(c.secret.expose()) || c.secret.expose().is_empty()
        );
    }

    #[test]
    fn secrets_can_come_from_files_and_never_show() {
        let dir = std::env::temp_dir().join(format!(
            "portcullis-secret-files-{}",
            crate::crypto::token::generate_id(8)
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let secret = "k3J9x2LmQp8vR4tY7wZ1aB6cD0eF5gH3-from-a-file";
        let file = dir.join("better-auth-secret");
        std::fs::write(&file, format!("{secret}\n")).expect("write");
        let path = file.to_string_lossy().into_owned();
        let c = load(&[("BETTER_AUTH_SECRET_FILE", &path)]).expect("loads");
        assert_eq!(c.secret.expose(), secret, "one trailing newline dropped");
        assert!(!c.secret_generated);
        assert!(!format!("{c:?}").contains(secret), "Debug shows no secret");

        let e = load(&[
            ("BETTER_AUTH_SECRET_FILE", &path),
            ("BETTER_AUTH_SECRET", "another-secret-of-32-characters!!"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "BETTER_AUTH_SECRET_FILE");
        let missing = dir.join("missing").to_string_lossy().into_owned();
        let e = load(&[("SMTP_PASSWORD_FILE", &missing)]).unwrap_err();
        assert_eq!(e.var, "SMTP_PASSWORD_FILE");
        let empty = dir.join("empty");
        std::fs::write(&empty, "").expect("write");
        let e = load(&[("METRICS_TOKEN_FILE", &*empty.to_string_lossy())]).unwrap_err();
        assert_eq!(e.var, "METRICS_TOKEN_FILE");
        // A URL with a password too; other `_FILE` variables are paths of their own.
        let url = dir.join("database-url");
        std::fs::write(&url, "sqlite://from-a-file.db").expect("write");
        let c = load(&[("DATABASE_URL_FILE", &*url.to_string_lossy())]).expect("loads");
        assert_eq!(c.database_url, "sqlite://from-a-file.db");
        assert!(!sources::may_come_from_a_file("REDIS_CA"));
        assert!(!sources::may_come_from_a_file("ADMIN_ACCESS_CONTROL"));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn production_refuses_weak_settings_naming_the_variable() {
        let e = load(&[
            ("PORTCULLIS_ENV", "production"),
            ("BETTER_AUTH_URL", "https://a.example"),
            ("BETTER_AUTH_SECRET", "short"),
        ])
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "BETTER_AUTH_SECRET must be at least 32 characters in production"
        );
        let e = load(&[
            ("NODE_ENV", "production"),
            ("BETTER_AUTH_SECRET", "k3J9x2LmQp8vR4tY7wZ1aB6cD0eF5gH3"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "BETTER_AUTH_URL");
        let e = load(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "PORT must be a port number (0-65535), got `eighty`"
        );
        let e = load(&[("DATABASE_URL", "mongodb://x")]).unwrap_err();
        assert_eq!(e.var, "DATABASE_URL");
        assert!(e.to_string().contains("mysql:// or mariadb://"), "{e}");
        for url in [
            "mysql://root@127.0.0.1:3306/auth",
            "mariadb://root@127.0.0.1:3306/auth",
        ] {
            let c = load(&[("DATABASE_URL", url)]).expect("mysql url accepted");
            assert_eq!(c.database_url, url);
        }
        let e = load(&[("APP_PRIMARY_COLOR", "blue")]).unwrap_err();
        assert_eq!(e.var, "APP_PRIMARY_COLOR");
    }

    #[test]
    fn https_base_url_means_secure_cookies_and_secret_is_redacted() {
        let c = load(&[
            ("BETTER_AUTH_URL", "https://auth.example.com"),
            ("BETTER_AUTH_SECRET", "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"),
        ])
        .expect("ok");
        assert!(c.secure_cookies);
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn versioned_secrets_sign_with_the_first_and_keep_the_legacy_one() {
        let c = load(&[
            (
                "BETTER_AUTH_SECRETS",
                "3:current-current-current-current-01, 1:older-older-older-older-older-012",
            ),
            ("BETTER_AUTH_SECRET", "legacy-legacy-legacy-legacy-legacy-0"),
        ])
        .expect("ok");
        assert_eq!(c.secret.expose(), "current-current-current-current-01");
        assert!(!c.secret_generated);
        let v = c.secret_versions.as_ref().expect("versions");
        assert_eq!(v.current, 3);
        assert_eq!(
            v.key(1).map(Secret::expose),
            Some("older-older-older-older-older-012")
        );
        assert_eq!(
            v.legacy.as_ref().map(Secret::expose),
            Some("legacy-legacy-legacy-legacy-legacy-0")
        );
        assert!(!format!("{c:?}").contains("current-current"));
        // Better Auth's built-in fallback is never a legacy secret.
        let c = load(&[
            (
                "BETTER_AUTH_SECRETS",
                "1:current-current-current-current-01",
            ),
            (
                "BETTER_AUTH_SECRET",
                "better-auth-secret-12345678901234567890",
            ),
        ])
        .expect("ok");
        assert_eq!(c.secret_versions.and_then(|v| v.legacy), None);
        for bad in ["x", "a:secret", "-1:secret", "1:", "1:a,1:b", " , "] {
            let e = load(&[("BETTER_AUTH_SECRETS", bad)]).unwrap_err();
            assert_eq!(e.var, "BETTER_AUTH_SECRETS", "{bad}: {e}");
        }
        let e = load(&[
            ("PORTCULLIS_ENV", "production"),
            ("BETTER_AUTH_URL", "https://a.example"),
            ("BETTER_AUTH_SECRETS", "1:short"),
        ])
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "BETTER_AUTH_SECRETS must be at least 32 characters in production"
        );
    }
}
