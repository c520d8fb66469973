//! Configuration from environment variables and an optional TOML file (`PORTCULLIS_CONFIG`).
//! Every variable has a TOML key: its name in lower case. The environment wins.
//! A bad value stops start-up with one line naming the variable.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use portcullis_storage::{Field, FieldType, Value};
use serde::Deserialize;
use url::Url;

use crate::crypto::password::HashAlgorithm;

mod delivery;
mod tables;
pub use delivery::EmailFlows;
pub use portcullis_delivery::DeliveryConfig;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

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
    pub fresh_age: i64,
    /// 0 turns the signed `session_data` cookie cache off.
    pub cookie_cache_max_age: i64,
    pub legacy_tokens: LegacyTokens,
    /// Seconds a looked-up session stays in secondary storage; 0 = no session cache.
    /// On by default only with Redis: a per-process cache could outlive a revocation made on
    /// another instance.
    pub cache_ttl: i64,
    /// `SESSION_STORE=secondary`: sessions live only in secondary storage (Redis), as Better
    /// Auth's `secondaryStorage` without `storeSessionInDatabase`.
    pub store_in_secondary: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Brand {
    pub name: String,
    pub description: String,
    pub tagline: String,
    pub company_name: String,
    pub domain: String,
    pub logo_url: String,
    pub favicon: String,
    pub primary_color: String,
    pub secondary_color: String,
    pub support_email: String,
    pub support_url: String,
    pub privacy_url: String,
    pub terms_url: String,
}

impl Brand {
    /// The `brand` object pages and emails see, with the public base URL.
    pub fn globals(&self, base_url: &Url) -> serde_json::Value {
        serde_json::json!({
            "brand": {
                "name": self.name, "description": self.description, "tagline": self.tagline,
                "company_name": self.company_name, "domain": self.domain, "logo_url": self.logo_url,
                "favicon": self.favicon, "primary_color": self.primary_color,
                "secondary_color": self.secondary_color, "support_email": self.support_email,
                "support_url": self.support_url, "privacy_url": self.privacy_url,
                "terms_url": self.terms_url,
            },
            "base_url": base_url.as_str().trim_end_matches('/'),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub env: Environment,
    pub secret: Secret,
    /// True when the secret was generated and kept in the data directory.
    pub secret_generated: bool,
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
    /// Namespace for every key this deployment writes to Redis.
    pub redis_key_prefix: String,
    pub trusted_origins: Vec<String>,
    pub session: SessionConfig,
    pub cookie_prefix: String,
    pub cookie_domain: Option<String>,
    pub secure_cookies: bool,
    pub password_min_length: usize,
    pub password_max_length: usize,
    pub password_hash: HashAlgorithm,
    pub password_hash_concurrency: usize,
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
    /// Serve `GET /metrics` (`METRICS_ENABLED`, default true).
    pub metrics_enabled: bool,
    /// When set, `/metrics` needs `Authorization: Bearer <token>` (`METRICS_TOKEN`).
    pub metrics_token: Option<Secret>,
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

/// A Better Auth `additionalFields` entry, from TOML `[user.additional_fields.<name>]` or the
/// `USER_ADDITIONAL_FIELDS` JSON object (likewise `session` and `SESSION_ADDITIONAL_FIELDS`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AdditionalField {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: bool,
    #[serde(default, alias = "default_value", alias = "default")]
    default_value: Option<serde_json::Value>,
    #[serde(default = "yes")]
    input: bool,
    #[serde(default = "yes")]
    returned: bool,
    #[serde(default)]
    unique: bool,
}

fn yes() -> bool {
    true
}

/// Which table's additional fields are being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldsOf {
    User,
    Session,
}

impl FieldsOf {
    fn name(self) -> &'static str {
        match self {
            FieldsOf::User => "user",
            FieldsOf::Session => "session",
        }
    }
    fn core(self) -> &'static [&'static str] {
        match self {
            FieldsOf::User => crate::users::CORE_USER_FIELDS,
            FieldsOf::Session => crate::session::CORE_SESSION_FIELDS,
        }
    }
}

/// Names that the TOML file's `[user.additional_fields]` (or `[session.additional_fields]`)
/// and the env var both accept.
fn parse_additional_fields(
    var: &str,
    of: FieldsOf,
    fields: HashMap<String, AdditionalField>,
) -> Result<Vec<Field>, ConfigError> {
    let mut names: Vec<_> = fields.into_iter().collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, f) in names {
        if name == "id" || of.core().contains(&name.as_str()) {
            return Err(bad(
                var,
                format!("cannot redefine the core {} field `{name}`", of.name()),
            ));
        }
        // Sessions are created without input: a required field must have a value to start with.
        if of == FieldsOf::Session && f.required && f.default_value.is_none() {
            return Err(bad(
                var,
                format!("field `{name}` is required, so it needs a default_value"),
            ));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad(
                var,
                format!("field name `{name}` must be letters, digits or _"),
            ));
        }
        let ty = FieldType::parse(&f.ty)
            .ok_or_else(|| bad(var, format!("field `{name}` has unknown type `{}`", f.ty)))?;
        let mut field = Field::new(&name, ty);
        field.required = f.required;
        field.unique = f.unique;
        field.input = f.input;
        field.returned = f.returned;
        if let Some(d) = f.default_value {
            field.default = Some(match (ty, d) {
                (FieldType::String, serde_json::Value::String(s)) => Value::String(s),
                (FieldType::Boolean, serde_json::Value::Bool(b)) => Value::Bool(b),
                (FieldType::Number, serde_json::Value::Number(n)) if n.is_i64() => {
                    Value::Int(n.as_i64().unwrap_or_default())
                }
                (FieldType::Json, v) => Value::Json(v),
                _ => {
                    return Err(bad(
                        var,
                        format!("field `{name}` has a default that is not a {}", ty.name()),
                    ));
                }
            });
        }
        out.push(field);
    }
    Ok(out)
}

/// Additional fields from the env var `var` (a JSON object), else from the TOML file's
/// `[<table>.additional_fields]`.
fn load_additional_fields(
    src: &Sources,
    var: &str,
    file: Option<&toml::Value>,
    of: FieldsOf,
) -> Result<Vec<Field>, ConfigError> {
    if let Some(json) = src.get(var) {
        let map: HashMap<String, AdditionalField> = serde_json::from_str(json)
            .map_err(|e| bad(var, format!("is not a valid JSON object of fields: {e}")))?;
        return parse_additional_fields(var, of, map);
    }
    let Some(v) = file else {
        return Ok(Vec::new());
    };
    let key = format!("{}.additional_fields", of.name());
    let map: HashMap<String, AdditionalField> = v
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| bad(&key, format!("is invalid: {}", e.message())))?;
    parse_additional_fields(&key, of, map)
}

/// Where values come from: the environment first, then the TOML file.
#[derive(Clone)]
pub struct Sources {
    env: HashMap<String, String>,
    file: HashMap<String, String>,
    file_user_fields: Option<toml::Value>,
    file_session_fields: Option<toml::Value>,
    /// `[plugins.<id>]` tables and top-level arrays of tables, for plugins (`tables.rs`).
    file_tables: toml::Table,
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show only how many there are.
        write!(
            f,
            "Sources({} env, {} file)",
            self.env.len(),
            self.file.len()
        )
    }
}

impl Sources {
    /// Reads the process environment and the TOML file named by `PORTCULLIS_CONFIG`.
    pub fn from_process() -> Result<Self, ConfigError> {
        Self::new(std::env::vars().collect())
    }

    pub fn new(env: HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut s = Sources {
            env,
            file: HashMap::new(),
            file_user_fields: None,
            file_session_fields: None,
            file_tables: toml::Table::new(),
        };
        if let Some(path) = s.env.get("PORTCULLIS_CONFIG").cloned() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| bad("PORTCULLIS_CONFIG", format!("cannot read {path}: {e}")))?;
            s.load_toml(&text)?;
        }
        Ok(s)
    }

    fn load_toml(&mut self, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            bad(
                "PORTCULLIS_CONFIG",
                format!("is not valid TOML: {}", e.message()),
            )
        })?;
        for (k, v) in table {
            if tables::keep_table(&mut self.file_tables, &k, &v)? {
                continue;
            }
            match (k.as_str(), v) {
                ("user", toml::Value::Table(t)) => {
                    self.file_user_fields = t.get("additional_fields").cloned();
                }
                ("session", toml::Value::Table(t)) => {
                    self.file_session_fields = t.get("additional_fields").cloned();
                }
                (_, toml::Value::String(s)) => {
                    self.file.insert(k.to_uppercase(), s);
                }
                (_, toml::Value::Integer(i)) => {
                    self.file.insert(k.to_uppercase(), i.to_string());
                }
                (_, toml::Value::Boolean(b)) => {
                    self.file.insert(k.to_uppercase(), b.to_string());
                }
                (_, toml::Value::Array(a)) => {
                    let items: Vec<String> = a
                        .into_iter()
                        .map(|v| match v {
                            toml::Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect();
                    self.file.insert(k.to_uppercase(), items.join(","));
                }
                (key, _) => {
                    return Err(bad(
                        &key.to_uppercase(),
                        "in the config file must be a string, number, boolean or list",
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, var: &str) -> Option<&str> {
        self.env
            .get(var)
            .or_else(|| self.file.get(var))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The first of several names that is set, with the name that supplied it.
    pub fn first<'a>(&'a self, vars: &[&'a str]) -> Option<(&'a str, &'a str)> {
        vars.iter().find_map(|v| self.get(v).map(|val| (*v, val)))
    }

    pub fn parse<T: std::str::FromStr>(
        &self,
        var: &str,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(s) => s
                .parse()
                .map_err(|_| bad(var, format!("must be {what}, got `{s}`"))),
        }
    }

    pub fn flag(&self, var: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var).map(|s| s.to_ascii_lowercase()) {
            None => Ok(default),
            Some(s) if ["1", "true", "yes", "on"].contains(&s.as_str()) => Ok(true),
            Some(s) if ["0", "false", "no", "off"].contains(&s.as_str()) => Ok(false),
            Some(s) => Err(bad(var, format!("must be true or false, got `{s}`"))),
        }
    }

    /// A lifetime in seconds, between one minute and 30 days.
    pub fn lifetime(&self, var: &str, default: i64) -> Result<i64, ConfigError> {
        let v: i64 = self.parse(var, default, "a number of seconds")?;
        if !(60..=30 * 86_400).contains(&v) {
            return Err(bad(var, "must be between 60 and 2592000 seconds"));
        }
        Ok(v)
    }

    pub fn string(&self, var: &str, default: &str) -> String {
        self.get(var).unwrap_or(default).to_owned()
    }
}

fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

impl Config {
    pub fn load(src: &Sources) -> Result<Config, ConfigError> {
        let env = match src.first(&["PORTCULLIS_ENV", "NODE_ENV"]) {
            None => Environment::Development,
            Some((_, "production")) => Environment::Production,
            Some((_, "development" | "dev")) => Environment::Development,
            Some((_, "test")) => Environment::Test,
            Some((var, other)) => {
                return Err(bad(
                    var,
                    format!("must be development, test or production, got `{other}`"),
                ));
            }
        };
        let production = env == Environment::Production;

        let port: u16 = src.parse("PORT", 8787, "a port number (0-65535)")?;
        let host = src.string("HOST", "127.0.0.1");

        let (url_var, base_url_str) = src
            .first(&["BETTER_AUTH_URL", "PORTCULLIS_URL"])
            .map(|(v, s)| (v, s.to_owned()))
            .unwrap_or(("BETTER_AUTH_URL", format!("http://localhost:{port}")));
        let mut base_url = Url::parse(&base_url_str).map_err(|_| {
            bad(
                url_var,
                format!("must be an absolute http(s) URL, got `{base_url_str}`"),
            )
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
            return Err(bad(url_var, "must be an absolute http(s) URL"));
        }
        if production
            && base_url.scheme() != "https"
            && !src.flag("ALLOW_INSECURE_BASE_URL", false)?
        {
            return Err(bad(
                url_var,
                "must use https in production (set ALLOW_INSECURE_BASE_URL=true to override)",
            ));
        }
        // Better Auth: a URL without a path gets the base path appended.
        let base_path = match base_url.path() {
            "" | "/" => "/api/auth".to_owned(),
            p => p.trim_end_matches('/').to_owned(),
        };
        base_url.set_path("");
        base_url.set_query(None);

        let data_dir = PathBuf::from(src.string("PORTCULLIS_DATA_DIR", ".portcullis"));

        let (secret, secret_generated) = match src
            .first(&["BETTER_AUTH_SECRET", "PORTCULLIS_SECRET"])
        {
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
        };

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

        let mut trusted_origins = vec![origin_of(&base_url)];
        // In development, localhost and 127.0.0.1 on the same port are the same machine: trust
        // both, as the Better Auth reference does, so either address works in a browser.
        if !production {
            let twin = match base_url.host_str() {
                Some("localhost") => Some("127.0.0.1"),
                Some("127.0.0.1") => Some("localhost"),
                _ => None,
            };
            if let Some(twin) = twin {
                let mut u = base_url.clone();
                if u.set_host(Some(twin)).is_ok() {
                    trusted_origins.push(origin_of(&u));
                }
            }
        }
        for var in [
            "ALLOWED_ORIGINS",
            "TRUSTED_ORIGINS",
            "BETTER_AUTH_TRUSTED_ORIGINS",
        ] {
            if let Some(list) = src.get(var) {
                for o in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                    if o == "*" && production {
                        return Err(bad(
                            var,
                            "cannot be `*` in production: credentials need explicit origins",
                        ));
                    }
                    if !o.contains('*') && o != "*" {
                        let u = Url::parse(o)
                            .map_err(|_| bad(var, format!("has an invalid origin `{o}`")))?;
                        trusted_origins.push(origin_of(&u));
                    } else {
                        trusted_origins.push(o.to_owned());
                    }
                }
            }
        }
        trusted_origins.dedup();

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
            fresh_age: secs("SESSION_FRESH_AGE", 86_400)?,
            cookie_cache_max_age: secs("SESSION_COOKIE_CACHE_MAX_AGE", 300)?,
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
                "auto" if src.get("REDIS_URL").is_some() => secs("SESSION_CACHE_TTL", 300)?,
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

        let secure_cookies = match src.get("USE_SECURE_COOKIES") {
            Some(_) => src.flag("USE_SECURE_COOKIES", false)?,
            None => base_url.scheme() == "https" || production,
        };

        let password_min_length: usize =
            src.parse("PASSWORD_MIN_LENGTH", 8, "a positive integer")?;
        let password_max_length: usize =
            src.parse("PASSWORD_MAX_LENGTH", 128, "a positive integer")?;
        if password_min_length == 0 || password_min_length > password_max_length {
            return Err(bad(
                "PASSWORD_MIN_LENGTH",
                "must be at least 1 and not above PASSWORD_MAX_LENGTH",
            ));
        }
        if password_max_length > 4096 {
            return Err(bad("PASSWORD_MAX_LENGTH", "must be at most 4096"));
        }
        let password_hash = match src.get("PASSWORD_HASH") {
            None => HashAlgorithm::Argon2id,
            Some(s) => HashAlgorithm::parse(s).ok_or_else(|| {
                bad(
                    "PASSWORD_HASH",
                    format!("must be argon2id or scrypt, got `{s}`"),
                )
            })?,
        };
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let password_hash_concurrency: usize =
            src.parse("PASSWORD_HASH_CONCURRENCY", cores, "a positive integer")?;
        if password_hash_concurrency == 0 {
            return Err(bad("PASSWORD_HASH_CONCURRENCY", "must be at least 1"));
        }

        let mut trusted_proxies = Vec::new();
        if let Some(list) = src.get("TRUSTED_PROXIES") {
            for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                trusted_proxies.push(parse_proxy(p).ok_or_else(|| {
                    bad(
                        "TRUSTED_PROXIES",
                        format!("has an invalid address or CIDR `{p}`"),
                    )
                })?);
            }
        }

        let additional_user_fields = load_additional_fields(
            src,
            "USER_ADDITIONAL_FIELDS",
            src.file_user_fields.as_ref(),
            FieldsOf::User,
        )?;
        let additional_session_fields = load_additional_fields(
            src,
            "SESSION_ADDITIONAL_FIELDS",
            src.file_session_fields.as_ref(),
            FieldsOf::Session,
        )?;

        let log_level = src.string("LOG_LEVEL", "info");
        let log_json = match src.get("LOG_FORMAT") {
            None => production,
            Some("json") => true,
            Some("pretty" | "text") => false,
            Some(other) => {
                return Err(bad(
                    "LOG_FORMAT",
                    format!("must be json or pretty, got `{other}`"),
                ));
            }
        };
        let max_body_bytes: usize = src.parse("MAX_BODY_BYTES", 1_048_576, "a number of bytes")?;

        let metrics_token = match src.get("METRICS_TOKEN") {
            None => None,
            Some(t) if t.len() < 16 => {
                return Err(bad("METRICS_TOKEN", "must be at least 16 characters"));
            }
            Some(t) if !t.chars().all(|c| c.is_ascii_graphic()) => {
                return Err(bad(
                    "METRICS_TOKEN",
                    "must be printable ASCII without spaces (it is sent in a header)",
                ));
            }
            Some(t) => Some(Secret::new(t.to_owned())),
        };
        let cleanup_interval: u64 =
            src.parse("CLEANUP_INTERVAL", 300, "a number of seconds (0 disables)")?;
        if cleanup_interval > 7 * 86_400 {
            return Err(bad("CLEANUP_INTERVAL", "must be at most 604800 (7 days)"));
        }
        let cleanup_batch_size: usize =
            src.parse("CLEANUP_BATCH_SIZE", 1000, "a positive integer")?;
        if !(1..=100_000).contains(&cleanup_batch_size) {
            return Err(bad("CLEANUP_BATCH_SIZE", "must be between 1 and 100000"));
        }

        let color = |var: &str, default: &str| -> Result<String, ConfigError> {
            let v = src.string(var, default);
            let ok = v.starts_with('#')
                && matches!(v.len(), 4 | 7 | 9)
                && v[1..].chars().all(|c| c.is_ascii_hexdigit());
            if ok {
                Ok(v)
            } else {
                Err(bad(
                    var,
                    format!("must be a hex colour like #4f46e5, got `{v}`"),
                ))
            }
        };
        let brand = Brand {
            name: src.string("APP_NAME", "Portcullis"),
            description: src.string(
                "APP_DESCRIPTION",
                "Accounts and sign-in for your apps, run on your own servers.",
            ),
            tagline: src.string("APP_TAGLINE", "Your users, your sessions, your data."),
            company_name: src.string("APP_COMPANY_NAME", ""),
            domain: src.string("APP_DOMAIN", base_url.host_str().unwrap_or_default()),
            logo_url: src.string("APP_LOGO_URL", ""),
            favicon: src.string("APP_FAVICON", ""),
            primary_color: color("APP_PRIMARY_COLOR", "#4f46e5")?,
            secondary_color: color("APP_SECONDARY_COLOR", "#0f766e")?,
            support_email: src.string("APP_SUPPORT_EMAIL", ""),
            support_url: src.string("APP_SUPPORT_URL", ""),
            privacy_url: src.string("APP_PRIVACY_URL", ""),
            terms_url: src.string("APP_TERMS_URL", ""),
        };

        let require_email_verification = src.flag("REQUIRE_EMAIL_VERIFICATION", false)?;
        let delivery =
            delivery::load_delivery(src, &data_dir, production, brand.globals(&base_url))?;
        Ok(Config {
            env,
            secret,
            secret_generated,
            base_path,
            host,
            port,
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
            trusted_origins,
            session,
            cookie_prefix: src.string("COOKIE_PREFIX", "better-auth"),
            cookie_domain: src.get("COOKIE_DOMAIN").map(str::to_owned),
            secure_cookies,
            password_min_length,
            password_max_length,
            password_hash,
            password_hash_concurrency,
            email_password_enabled: src.flag("ENABLE_EMAIL_AUTH", true)?,
            sign_up_enabled: !src.flag("DISABLE_SIGN_UP", false)?,
            require_email_verification,
            email: delivery::load_email_flows(src, require_email_verification)?,
            delivery,
            dev_outbox_ui: !production,
            sources: std::sync::Arc::new(src.clone()),
            delete_user_enabled: src.flag("ENABLE_DELETE_USER", true)?,
            auto_migrate: !src.flag("PORTCULLIS_NO_AUTO_MIGRATE", false)?,
            max_body_bytes,
            trusted_proxies,
            additional_user_fields,
            additional_session_fields,
            brand,
            log_level,
            log_json,
            data_dir,
            templates_dir: src.get("PORTCULLIS_TEMPLATES_DIR").map(PathBuf::from),
            rate_limit: load_rate_limit(src, production)?,
            lockout: load_lockout(src)?,
            metrics_enabled: src.flag("METRICS_ENABLED", true)?,
            metrics_token,
            cleanup_interval,
            cleanup_batch_size,
            base_url,
        })
    }

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

/// A whole number of seconds (or requests) from 1 to `max`, `default` when unset.
fn positive(
    src: &Sources,
    var: &str,
    default: u64,
    max: u64,
    what: &str,
) -> Result<u64, ConfigError> {
    let v: u64 = src.parse(var, default, what)?;
    if v == 0 {
        return Err(bad(var, "must be at least 1"));
    }
    if v > max {
        return Err(bad(var, format!("must be at most {max}")));
    }
    Ok(v)
}

/// `RATE_LIMIT_*`. Enabled by default in production only (Better Auth's rule).
fn load_rate_limit(
    src: &Sources,
    production: bool,
) -> Result<crate::rate_limit::RateLimitConfig, ConfigError> {
    use crate::rate_limit::{KeyBy, Limit, Preset, RateLimitConfig, Storage};
    let preset = match src.get("RATE_LIMIT_PRESET").map(str::to_ascii_lowercase) {
        None => Preset::BetterAuth,
        Some(p) if p == "better-auth" || p == "default" => Preset::BetterAuth,
        Some(p) if p == "strict" => Preset::Strict,
        Some(p) => {
            return Err(bad(
                "RATE_LIMIT_PRESET",
                format!("must be better-auth or strict, got `{p}`"),
            ));
        }
    };
    let global = match preset {
        Preset::BetterAuth => crate::rate_limit::DEFAULT_LIMIT,
        Preset::Strict => crate::rate_limit::STRICT_GLOBAL,
    };
    let window = positive(
        src,
        "RATE_LIMIT_WINDOW",
        global.window,
        crate::rate_limit::MAX_WINDOW,
        "a number of seconds",
    )?;
    let max = positive(
        src,
        "RATE_LIMIT_MAX_REQUESTS",
        global.max,
        u64::from(u32::MAX),
        "a number of requests",
    )?;
    let storage = match src.get("RATE_LIMIT_STORAGE") {
        None if src.get("REDIS_URL").is_some() => Storage::Secondary,
        None => Storage::Memory,
        Some(s) => Storage::parse(s).ok_or_else(|| {
            bad(
                "RATE_LIMIT_STORAGE",
                format!("must be memory, secondary or database, got `{s}`"),
            )
        })?,
    };
    let key_by = match src.get("RATE_LIMIT_KEY").map(str::to_ascii_lowercase) {
        None => KeyBy::Ip,
        Some(k) if k == "ip" => KeyBy::Ip,
        Some(k) if k == "user" => KeyBy::User,
        Some(k) => {
            return Err(bad(
                "RATE_LIMIT_KEY",
                format!("must be ip or user, got `{k}`"),
            ));
        }
    };
    let custom_rules = match src.get("RATE_LIMIT_RULES") {
        None => Vec::new(),
        Some(s) => {
            crate::rate_limit::parse_rules(s).map_err(|problem| bad("RATE_LIMIT_RULES", problem))?
        }
    };
    Ok(RateLimitConfig {
        enabled: src.flag("RATE_LIMIT_ENABLED", production)?,
        global: Limit::new(window, max),
        preset,
        storage,
        key_by,
        custom_rules,
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

/// `LOCKOUT_*`: by default 5 failures within 15 minutes lock an email for 15 minutes.
fn load_lockout(src: &Sources) -> Result<crate::lockout::LockoutConfig, ConfigError> {
    let d = crate::lockout::LockoutConfig::default();
    Ok(crate::lockout::LockoutConfig {
        max_attempts: src.parse(
            "LOCKOUT_MAX_ATTEMPTS",
            d.max_attempts,
            "a whole number (0 turns lockout off)",
        )?,
        window: positive(
            src,
            "LOCKOUT_WINDOW",
            d.window,
            crate::rate_limit::MAX_WINDOW,
            "a number of seconds",
        )?,
        duration: positive(
            src,
            "LOCKOUT_DURATION",
            d.duration,
            crate::rate_limit::MAX_WINDOW,
            "a number of seconds",
        )?,
    })
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

/// Just enough CIDR matching for trusted proxies.
/// One `TRUSTED_PROXIES` entry: a network in CIDR form, or a bare address meaning that one
/// host (/32 or /128). The network may have host bits set (`10.1.2.3/8` is `10.0.0.0/8`).
///
/// The address part must also be one the standard parser accepts: `ipnet`'s own parser takes
/// IPv4 octets with leading zeros (`010.0.0.0/8`), which some resolvers read as octal, and an
/// ambiguous proxy range is refused rather than guessed.
fn parse_proxy(s: &str) -> Option<ipnet::IpNet> {
    match s.split_once('/') {
        Some((addr, _)) => {
            addr.parse::<std::net::IpAddr>().ok()?;
            s.parse().ok()
        }
        None => s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
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
        assert_eq!(c.session.cookie_cache_max_age, 300);
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
    fn additional_fields_from_json_and_toml() {
        let c = load(&[("USER_ADDITIONAL_FIELDS", r#"{"role":{"type":"string","defaultValue":"user","input":false},"displayName":{"type":"string","defaultValue":""}}"#)]).expect("ok");
        let names: Vec<_> = c
            .additional_user_fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, vec!["displayName", "role"]);
        assert!(!c.additional_user_fields[1].input);

        let mut s = Sources::new(HashMap::new()).expect("sources");
        s.load_toml("port = 9000\nallowed_origins = [\"http://app.test\"]\n[user.additional_fields.preferences]\ntype = \"string\"\ndefault_value = \"{}\"\n").expect("toml");
        let c = Config::load(&s).expect("ok");
        assert_eq!(c.port, 9000);
        assert!(c.trusted_origins.contains(&"http://app.test".to_string()));
        assert_eq!(
            c.additional_user_fields[0].default,
            Some(Value::String("{}".into()))
        );

        let e = load(&[("USER_ADDITIONAL_FIELDS", r#"{"email":{"type":"string"}}"#)]).unwrap_err();
        assert_eq!(e.var, "USER_ADDITIONAL_FIELDS");
    }

    #[test]
    fn additional_session_fields() {
        let c = load(&[("SESSION_ADDITIONAL_FIELDS", r#"{"theme":{"type":"string"},"tier":{"type":"number","required":true,"defaultValue":1,"input":false}}"#)]).expect("ok");
        let names: Vec<_> = c
            .additional_session_fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, vec!["theme", "tier"]);
        assert!(c.additional_user_fields.is_empty());

        let mut s = Sources::new(HashMap::new()).expect("sources");
        s.load_toml("[session.additional_fields.theme]\ntype = \"string\"\n")
            .expect("toml");
        let c = Config::load(&s).expect("ok");
        assert_eq!(c.additional_session_fields[0].name, "theme");

        for bad in [
            r#"{"token":{"type":"string"}}"#,
            r#"{"id":{"type":"string"}}"#,
            r#"{"tier":{"type":"number","required":true}}"#,
        ] {
            let e = load(&[("SESSION_ADDITIONAL_FIELDS", bad)]).unwrap_err();
            assert_eq!(e.var, "SESSION_ADDITIONAL_FIELDS", "{bad}");
        }
    }

    #[test]
    fn rate_limit_and_lockout_settings() {
        use crate::rate_limit::{KeyBy, Limit, Preset, Storage};
        let c = load(&[]).expect("defaults");
        assert!(!c.rate_limit.enabled, "off outside production");
        assert_eq!(c.rate_limit.global, Limit::new(10, 100));
        assert_eq!(c.rate_limit.storage, Storage::Memory);
        assert_eq!(c.rate_limit.key_by, KeyBy::Ip);
        assert_eq!(c.rate_limit.preset, Preset::BetterAuth);
        assert!(c.rate_limit.custom_rules.is_empty());
        assert_eq!(c.lockout, crate::lockout::LockoutConfig::default());
        assert_eq!(
            (c.lockout.max_attempts, c.lockout.window, c.lockout.duration),
            (5, 900, 900)
        );

        let c = load(&[
            ("PORTCULLIS_ENV", "production"),
            ("BETTER_AUTH_URL", "https://a.example"),
            ("BETTER_AUTH_SECRET", "k3J9x2LmQp8vR4tY7wZ1aB6cD0eF5gH3"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
        ])
        .expect("production");
        assert!(c.rate_limit.enabled, "on in production");
        assert_eq!(c.rate_limit.storage, Storage::Secondary);

        let c = load(&[
            ("RATE_LIMIT_ENABLED", "true"),
            ("RATE_LIMIT_PRESET", "strict"),
            ("RATE_LIMIT_MAX_REQUESTS", "50"),
            ("RATE_LIMIT_STORAGE", "database"),
            ("RATE_LIMIT_KEY", "user"),
            ("RATE_LIMIT_RULES", "/sign-in/email=5/900,/ok=off"),
            ("LOCKOUT_MAX_ATTEMPTS", "0"),
            ("LOCKOUT_WINDOW", "60"),
            ("LOCKOUT_DURATION", "120"),
        ])
        .expect("custom");
        assert!(c.rate_limit.enabled);
        assert_eq!(c.rate_limit.preset, Preset::Strict);
        assert_eq!(c.rate_limit.global, Limit::new(900, 50));
        assert_eq!(c.rate_limit.storage, Storage::Database);
        assert_eq!(c.rate_limit.key_by, KeyBy::User);
        assert_eq!(c.rate_limit.custom_rules.len(), 2);
        assert_eq!(
            (c.lockout.max_attempts, c.lockout.window, c.lockout.duration),
            (0, 60, 120)
        );

        for (var, value) in [
            ("RATE_LIMIT_ENABLED", "maybe"),
            ("RATE_LIMIT_WINDOW", "0"),
            ("RATE_LIMIT_WINDOW", "ten"),
            ("RATE_LIMIT_MAX_REQUESTS", "-1"),
            ("RATE_LIMIT_PRESET", "paranoid"),
            ("RATE_LIMIT_STORAGE", "disk"),
            ("RATE_LIMIT_KEY", "email"),
            ("RATE_LIMIT_RULES", "/sign-in/email=5"),
            ("LOCKOUT_MAX_ATTEMPTS", "five"),
            ("LOCKOUT_WINDOW", "0"),
            ("LOCKOUT_DURATION", "-5"),
            ("LOCKOUT_DURATION", "99999999999"),
            ("RATE_LIMIT_WINDOW", "31622401"),
        ] {
            let e = load(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}: {e}");
        }
        let e = load(&[("RATE_LIMIT_RULES", "sign-in=5/10")]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("RATE_LIMIT_RULES has path `sign-in`"),
            "{e}"
        );
    }

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
    fn trusted_proxy_networks() {
        let net = |s: &str| parse_proxy(s).expect(s);
        let ip = |s: &str| -> std::net::IpAddr { s.parse().expect(s) };
        let c = net("10.0.0.0/8");
        assert!(c.contains(&ip("10.1.2.3")));
        assert!(!c.contains(&ip("11.0.0.1")));
        assert!(
            net("10.9.9.9/8").contains(&ip("10.1.2.3")),
            "host bits are ignored"
        );
        assert!(net("0.0.0.0/0").contains(&ip("203.0.113.7")));
        // A bare address is that one host.
        assert_eq!(net("192.0.2.1").prefix_len(), 32);
        assert!(net("192.0.2.1").contains(&ip("192.0.2.1")));
        assert!(!net("192.0.2.1").contains(&ip("192.0.2.2")));
        assert_eq!(net("::1").prefix_len(), 128);
        assert!(net("::1").contains(&ip("::1")));
        assert!(net("fd00::/8").contains(&ip("fd12::1")));
        assert!(!net("fd00::/8").contains(&ip("fe80::1")));
        // IPv4-mapped IPv6 addresses are IPv6: an IPv4 network does not contain them, nor does
        // an IPv6 network contain a plain IPv4 address; ::ffff:0:0/96 matches the mapped form.
        assert!(!c.contains(&ip("::ffff:10.1.2.3")));
        assert!(!net("::/0").contains(&ip("10.1.2.3")));
        assert!(net("::ffff:10.0.0.0/104").contains(&ip("::ffff:10.1.2.3")));
        assert!(!net("::ffff:10.0.0.0/104").contains(&ip("10.1.2.3")));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0/8",
            "010.0.0.0/8",
            "010.0.0.1",
            "10.0.0.1/8/8",
            "fe80::1%eth0",
            "example.com",
            "",
        ] {
            assert!(parse_proxy(bad).is_none(), "`{bad}` accepted");
        }
    }

    #[test]
    fn trusted_proxies_setting() {
        let c = load(&[("TRUSTED_PROXIES", " 10.0.0.0/8, ::1 ,,192.0.2.1")]).expect("ok");
        let shown: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "::1/128", "192.0.2.1/32"]);
        let e = load(&[("TRUSTED_PROXIES", "10.0.0.0/8,10.0.0.0/33")]).unwrap_err();
        assert_eq!(e.var, "TRUSTED_PROXIES");
        assert_eq!(
            e.to_string(),
            "TRUSTED_PROXIES has an invalid address or CIDR `10.0.0.0/33`"
        );
    }

    #[test]
    fn metrics_and_cleanup_settings() {
        let c = load(&[]).expect("defaults");
        assert!(c.metrics_enabled);
        assert!(c.metrics_token.is_none());
        assert_eq!(c.cleanup_interval, 300);
        assert_eq!(c.cleanup_batch_size, 1000);

        let c = load(&[
            ("METRICS_ENABLED", "false"),
            ("METRICS_TOKEN", "scrape-token-0123456789"),
            ("CLEANUP_INTERVAL", "0"),
            ("CLEANUP_BATCH_SIZE", "50"),
        ])
        .expect("ok");
        assert!(!c.metrics_enabled);
        assert_eq!(
            c.metrics_token.as_ref().map(Secret::expose),
            Some("scrape-token-0123456789")
        );
        assert!(!format!("{c:?}").contains("scrape-token"), "token redacted");
        assert_eq!(c.cleanup_interval, 0);
        assert_eq!(c.cleanup_batch_size, 50);

        for (pairs, var) in [
            (&[("METRICS_TOKEN", "short")][..], "METRICS_TOKEN"),
            (
                &[("METRICS_TOKEN", "has a space in it 0123")][..],
                "METRICS_TOKEN",
            ),
            (&[("METRICS_ENABLED", "maybe")][..], "METRICS_ENABLED"),
            (&[("CLEANUP_INTERVAL", "-5")][..], "CLEANUP_INTERVAL"),
            (&[("CLEANUP_INTERVAL", "5m")][..], "CLEANUP_INTERVAL"),
            (&[("CLEANUP_INTERVAL", "999999999")][..], "CLEANUP_INTERVAL"),
            (&[("CLEANUP_BATCH_SIZE", "0")][..], "CLEANUP_BATCH_SIZE"),
            (
                &[("CLEANUP_BATCH_SIZE", "1000000")][..],
                "CLEANUP_BATCH_SIZE",
            ),
        ] {
            let e = load(pairs).expect_err(var);
            assert_eq!(e.var, var, "{e}");
        }
        let e = load(&[("CLEANUP_INTERVAL", "5m")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "CLEANUP_INTERVAL must be a number of seconds (0 disables), got `5m`"
        );
    }
}
