//! Rate limiting as Better Auth does it (`src/api/rate-limiter`): one bucket per client and
//! path, checked first in the pipeline, before route matching.
//!
//! Rules, later stages overriding earlier ones for the paths they match:
//! 1. the global default (`RATE_LIMIT_WINDOW` / `RATE_LIMIT_MAX_REQUESTS`, 10 s / 100);
//! 2. Better Auth's built-in stricter rules (sign-in, sign-up, password and email changes,
//!    reset and verification emails);
//! 3. plugin rules (`Plugin::rate_limit_rules`; the first matching plugin rule wins);
//! 4. the `strict` preset's rules (seed 003), when `RATE_LIMIT_PRESET=strict`;
//! 5. custom rules from `RATE_LIMIT_RULES` (exact path or `*` / `**` pattern; `off` disables).
//!
//! Buckets are keyed `ratelimit:<ip>|<path>` (the path relative to the base path; no client
//! address gives the shared `no-trusted-ip` bucket), or by the signed-in user with
//! `RATE_LIMIT_KEY=user`. In memory or secondary storage they are fixed windows aligned to
//! multiples of the window length, counted with one atomic `incr` whose TTL ends the window,
//! so the count holds across instances sharing Redis. The `database` storage keeps Better
//! Auth's `rateLimit` rows (`key`, `count`, `lastRequest` in ms) with Better Auth's algorithm,
//! updated by compare-and-set so that concurrent instances never lose a count.
//!
//! A storage failure lets the request through (and logs a warning): the limiter must not take
//! sign-in down with it.

use std::sync::Arc;
use std::time::Duration;

use http::header::COOKIE;
use portcullis_storage::{
    Adapter, Field, FieldType, MemoryStorage, Row, SecondaryStorage, StorageError, Table, Value,
    Where,
};
use serde_json::json;

use crate::context::AuthContext;
use crate::cookies::parse_cookie_header;
use crate::endpoint::{AuthRequest, AuthResponse, Body};
use crate::engine::RawRequest;
use crate::session::{self, Lookup};

/// Better Auth's 429 message (sent without a code).
pub const MESSAGE: &str = "Too many requests. Please try again later.";
/// The bucket of requests whose client address is unknown.
pub const NO_IP: &str = "no-trusted-ip";
/// Better Auth's table for `storage: "database"`.
pub const TABLE: &str = "rateLimit";
/// Better Auth's default window and maximum.
pub const DEFAULT_LIMIT: Limit = Limit::new(10, 100);
/// Seed 003's global limit in the `strict` preset: 100 per 15 minutes.
pub const STRICT_GLOBAL: Limit = Limit::new(900, 100);
/// The longest window (and lockout period) accepted: 366 days.
pub const MAX_WINDOW: u64 = 366 * 86_400;

/// At most `max` requests per `window` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub window: u64,
    pub max: u64,
}

impl Limit {
    pub const fn new(window: u64, max: u64) -> Self {
        Limit { window, max }
    }
}

/// Which paths a rule covers (relative to the base path, e.g. `/sign-in/email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    Exact(String),
    Prefix(String),
    /// `*` matches within one path segment, `**` across segments.
    Pattern(String),
}

impl PathMatch {
    /// A configured path: a pattern when it holds `*`, else exact.
    pub fn parse(s: &str) -> Self {
        if s.contains('*') {
            PathMatch::Pattern(s.to_owned())
        } else {
            PathMatch::Exact(s.to_owned())
        }
    }

    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Exact(p) => p == path,
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
            PathMatch::Pattern(p) => wildcard_match(p, path),
        }
    }
}

enum Token {
    Byte(u8),
    Star,
    DoubleStar,
}

/// `*` within a segment, `**` across segments; O(pattern × path), whatever the input.
fn wildcard_match(pattern: &str, path: &str) -> bool {
    let p = pattern.as_bytes();
    let mut tokens = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'*' {
            if p.get(i + 1) == Some(&b'*') {
                tokens.push(Token::DoubleStar);
                i += 2;
            } else {
                tokens.push(Token::Star);
                i += 1;
            }
        } else {
            tokens.push(Token::Byte(p[i]));
            i += 1;
        }
    }
    let s = path.as_bytes();
    let n = s.len();
    // next[j]: the tokens after the current one match s[j..].
    let mut next: Vec<bool> = (0..=n).map(|j| j == n).collect();
    for t in tokens.iter().rev() {
        let mut cur = vec![false; n + 1];
        for j in (0..=n).rev() {
            cur[j] = match t {
                Token::Byte(c) => j < n && s[j] == *c && next[j + 1],
                Token::DoubleStar => next[j] || (j < n && cur[j + 1]),
                Token::Star => next[j] || (j < n && s[j] != b'/' && cur[j + 1]),
            };
        }
        next = cur;
    }
    next[0]
}

/// A limit for some paths; `limit: None` turns limiting off for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    pub path: PathMatch,
    pub limit: Option<Limit>,
}

impl PathRule {
    pub fn exact(path: &str, window: u64, max: u64) -> Self {
        PathRule {
            path: PathMatch::Exact(path.to_owned()),
            limit: Some(Limit::new(window, max)),
        }
    }
    pub fn prefix(path: &str, window: u64, max: u64) -> Self {
        PathRule {
            path: PathMatch::Prefix(path.to_owned()),
            limit: Some(Limit::new(window, max)),
        }
    }
    pub fn pattern(path: &str, window: u64, max: u64) -> Self {
        PathRule {
            path: PathMatch::Pattern(path.to_owned()),
            limit: Some(Limit::new(window, max)),
        }
    }
    pub fn off(path: PathMatch) -> Self {
        PathRule { path, limit: None }
    }
}

/// Better Auth's special rules: 3 per 10 s on sign-in, sign-up and password/email changes;
/// 3 per 60 s on the endpoints that send email.
pub fn builtin_rules() -> Vec<PathRule> {
    let mut v: Vec<PathRule> = ["/sign-in", "/sign-up", "/change-password", "/change-email"]
        .iter()
        .map(|p| PathRule::prefix(p, 10, 3))
        .collect();
    v.push(PathRule::exact("/request-password-reset", 60, 3));
    v.push(PathRule::exact("/send-verification-email", 60, 3));
    v.push(PathRule::prefix("/forget-password", 60, 3));
    v.push(PathRule::exact("/email-otp/send-verification-otp", 60, 3));
    v.push(PathRule::exact("/email-otp/request-password-reset", 60, 3));
    v
}

/// Seed 003's per-route preset: sign-in 5 per 15 min, sign-up 3 per hour, password reset
/// 3 per hour, verification email 5 per hour.
pub fn strict_rules() -> Vec<PathRule> {
    vec![
        PathRule::prefix("/sign-in", 900, 5),
        PathRule::prefix("/sign-up", 3600, 3),
        PathRule::exact("/request-password-reset", 3600, 3),
        PathRule::prefix("/forget-password", 3600, 3),
        PathRule::exact("/email-otp/request-password-reset", 3600, 3),
        PathRule::exact("/send-verification-email", 3600, 5),
        PathRule::exact("/email-otp/send-verification-otp", 3600, 5),
    ]
}

/// Parses `RATE_LIMIT_RULES`: `"/sign-in/email=5/900,/sign-up/*=3/3600,/ok=off"`, each
/// `<path>=<max>/<window seconds>`, or `0` / `off` to disable the path.
pub fn parse_rules(s: &str) -> Result<Vec<PathRule>, String> {
    let mut out = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((path, spec)) = item.rsplit_once('=') else {
            return Err(format!(
                "has `{item}`; expected <path>=<max>/<window seconds>, or <path>=off"
            ));
        };
        let (path, spec) = (path.trim(), spec.trim());
        if !path.starts_with('/') || path.chars().any(char::is_whitespace) {
            return Err(format!(
                "has path `{path}`; paths start with / and are relative to the base path"
            ));
        }
        let matcher = PathMatch::parse(path);
        if matches!(spec.to_ascii_lowercase().as_str(), "0" | "off" | "false") {
            out.push(PathRule::off(matcher));
            continue;
        }
        let parsed = spec
            .split_once('/')
            .and_then(|(m, w)| Some((m.trim().parse::<u64>().ok()?, w.trim().parse::<u64>().ok()?)))
            .filter(|(m, w)| *m > 0 && *w > 0 && *w <= MAX_WINDOW);
        let Some((max, window)) = parsed else {
            return Err(format!(
                "has `{item}`; expected <max>/<window seconds> (both at least 1, the window at most {MAX_WINDOW}), or off"
            ));
        };
        out.push(PathRule {
            path: matcher,
            limit: Some(Limit::new(window, max)),
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Process-local: each instance counts alone.
    Memory,
    /// The context's secondary storage (Redis when configured): shared by instances.
    Secondary,
    /// Better Auth's `rateLimit` table.
    Database,
}

impl Storage {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "memory" => Some(Storage::Memory),
            "secondary" | "secondary-storage" | "redis" => Some(Storage::Secondary),
            "database" | "db" => Some(Storage::Database),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyBy {
    Ip,
    /// The signed-in user when the session cookie verifies, else the IP.
    User,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Better Auth's built-in rules only.
    BetterAuth,
    /// Seed 003's stricter per-route limits on top of them.
    Strict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Default: on in production only, as in Better Auth.
    pub enabled: bool,
    pub global: Limit,
    pub preset: Preset,
    pub storage: Storage,
    pub key_by: KeyBy,
    pub custom_rules: Vec<PathRule>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            enabled: false,
            global: DEFAULT_LIMIT,
            preset: Preset::BetterAuth,
            storage: Storage::Memory,
            key_by: KeyBy::Ip,
            custom_rules: Vec::new(),
        }
    }
}

/// Better Auth's `rateLimit` table, added to the schema only with `RATE_LIMIT_STORAGE=database`.
pub fn table() -> Table {
    Table::new(
        TABLE,
        vec![
            Field::new("key", FieldType::String).required().unique(),
            Field::new("count", FieldType::Number).required(),
            Field::new("lastRequest", FieldType::Number).required(),
        ],
    )
}

/// The outcome of one check, with what the response headers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub key: String,
    pub limit: Limit,
    pub allowed: bool,
    pub remaining: u64,
    /// Seconds until the bucket resets (for a refused request: until a retry can succeed).
    pub reset: u64,
}

impl Decision {
    /// `RateLimit-Limit`, `-Remaining`, `-Reset` and `-Policy` (IETF draft).
    pub fn headers(&self) -> Vec<(String, String)> {
        vec![
            ("ratelimit-limit".into(), self.limit.max.to_string()),
            ("ratelimit-remaining".into(), self.remaining.to_string()),
            ("ratelimit-reset".into(), self.reset.to_string()),
            (
                "ratelimit-policy".into(),
                format!("{};w={}", self.limit.max, self.limit.window),
            ),
        ]
    }

    /// Adds the `RateLimit-*` headers to an allowed request's response.
    pub fn apply(&self, res: &mut AuthResponse) {
        res.headers.extend(self.headers());
    }

    /// Better Auth's 429: `{"message": …}` without a code, `X-Retry-After`, plus the IETF
    /// `Retry-After` and `RateLimit-*` headers.
    pub fn too_many_requests(&self) -> AuthResponse {
        let mut res = AuthResponse::new(429, Body::Json(json!({ "message": MESSAGE })))
            .header("x-retry-after", self.reset.to_string())
            .header("retry-after", self.reset.to_string());
        self.apply(&mut res);
        res
    }
}

/// A fixed window aligned to multiples of its length: (time to its end, whole seconds left).
fn fixed_window(now_ms: u64, window_secs: u64) -> (Duration, u64) {
    let w = window_secs.max(1).saturating_mul(1000);
    let left = w - now_ms % w;
    (Duration::from_millis(left), left.div_ceil(1000).max(1))
}

/// The decision for the `count`-th request of a fixed window.
fn counter_decision(key: String, limit: Limit, count: i64, reset: u64) -> Decision {
    let count = u64::try_from(count).unwrap_or(0);
    Decision {
        key,
        limit,
        allowed: count <= limit.max,
        remaining: limit.max.saturating_sub(count),
        reset,
    }
}

/// One step of Better Auth's database algorithm for a row `(count, lastRequest)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DbStep {
    /// No row: create it with count 1.
    Create,
    /// Store `count` and `lastRequest = now` (1 after the window passed, else one more).
    Store { count: i64 },
    /// Refuse; a retry succeeds after `retry` seconds.
    Refuse { retry: u64 },
}

fn db_step(row: Option<(i64, i64)>, now_ms: i64, limit: Limit) -> DbStep {
    let window_ms = i64::try_from(limit.window.saturating_mul(1000)).unwrap_or(i64::MAX);
    let max = i64::try_from(limit.max).unwrap_or(i64::MAX);
    match row {
        None => DbStep::Create,
        Some((_, last)) if now_ms.saturating_sub(last) >= window_ms => DbStep::Store { count: 1 },
        Some((count, last)) if count >= max => {
            let left = last.saturating_add(window_ms).saturating_sub(now_ms).max(0);
            DbStep::Refuse {
                retry: u64::try_from(left).unwrap_or(0).div_ceil(1000).max(1),
            }
        }
        Some((count, _)) => DbStep::Store { count: count + 1 },
    }
}

const DB_ATTEMPTS: usize = 8;

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

/// The limiter: rules resolved once at start-up, and where the counts live.
pub struct RateLimiter {
    enabled: bool,
    global: Limit,
    /// Built-in, plugin, preset, custom: a later stage overrides an earlier one.
    stages: Vec<Vec<PathRule>>,
    storage: Storage,
    key_by: KeyBy,
    /// The process-local counters of `Storage::Memory`.
    memory: Arc<MemoryStorage>,
}

impl RateLimiter {
    pub fn new(config: &RateLimitConfig, plugin_rules: Vec<PathRule>) -> Self {
        let preset = match config.preset {
            Preset::BetterAuth => Vec::new(),
            Preset::Strict => strict_rules(),
        };
        RateLimiter {
            enabled: config.enabled,
            global: config.global,
            stages: vec![
                builtin_rules(),
                plugin_rules,
                preset,
                config.custom_rules.clone(),
            ],
            storage: config.storage,
            key_by: config.key_by,
            memory: Arc::new(MemoryStorage::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The limit for a relative path; `None` when a rule turns limiting off there.
    pub fn limit_for(&self, path: &str) -> Option<Limit> {
        let mut limit = Some(self.global);
        for stage in &self.stages {
            if let Some(rule) = stage.iter().find(|r| r.path.matches(path)) {
                limit = rule.limit;
            }
        }
        limit
    }

    /// Checks (and counts) a request. `None`: not limited (off, disabled path, outside the
    /// base path, or storage trouble).
    pub async fn check(&self, ctx: &AuthContext, raw: &RawRequest) -> Option<Decision> {
        if !self.enabled {
            return None;
        }
        let rel = ctx.rate_limited_path(&raw.path)?;
        let limit = self.limit_for(rel)?;
        let subject = self.subject(ctx, raw).await;
        let key = format!("{subject}|{rel}");
        let decision = match self.storage {
            Storage::Memory => self.count_in(self.memory.as_ref(), key, limit).await,
            Storage::Secondary => self.count_in(ctx.secondary.as_ref(), key, limit).await,
            Storage::Database => count_in_database(ctx.adapter.as_ref(), key, limit).await,
        };
        match decision {
            Ok(d) => {
                if !d.allowed {
                    tracing::warn!(
                        event = "rate_limit_exceeded",
                        key = %d.key,
                        path = %rel,
                        limit = d.limit.max,
                        window = d.limit.window,
                        retry_after = d.reset,
                        "rate limit exceeded"
                    );
                }
                Some(d)
            }
            Err(e) => {
                tracing::warn!(error = %e, path = %rel, "rate limiter storage failed; request allowed");
                None
            }
        }
    }

    /// Who is counted: the client address (Better Auth's form), or the signed-in user.
    async fn subject(&self, ctx: &AuthContext, raw: &RawRequest) -> String {
        if self.key_by == KeyBy::User && raw.headers.contains_key(COOKIE) {
            let header = raw
                .headers
                .get_all(COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join("; ");
            let req = AuthRequest {
                cookies: parse_cookie_header(&header),
                ..Default::default()
            };
            if let Ok(Lookup::Found(s)) = session::lookup(ctx, &req, true).await {
                return format!("user:{}", s.user_id());
            }
        }
        let xff = raw
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        match crate::origin::client_ip(&ctx.config, raw.peer, xff) {
            Some(ip) => session::format_ip(Some(ip)),
            None => NO_IP.to_owned(),
        }
    }

    async fn count_in(
        &self,
        store: &dyn SecondaryStorage,
        key: String,
        limit: Limit,
    ) -> Result<Decision, StorageError> {
        let (ttl, reset) = fixed_window(now_ms(), limit.window);
        let count = store.incr(&format!("ratelimit:{key}"), ttl).await?;
        Ok(counter_decision(
            format!("ratelimit:{key}"),
            limit,
            count,
            reset,
        ))
    }
}

/// Better Auth's algorithm on its `rateLimit` table, each write a compare-and-set on the row
/// as read (a lost race is retried), so instances sharing the database never lose a count.
async fn count_in_database(
    adapter: &dyn Adapter,
    key: String,
    limit: Limit,
) -> Result<Decision, StorageError> {
    let int = |r: &Row, f: &str| r.get(f).and_then(Value::as_int);
    for _ in 0..DB_ATTEMPTS {
        let now = i64::try_from(now_ms()).unwrap_or(i64::MAX);
        let row = adapter
            .find_one(TABLE, &[Where::eq("key", key.as_str())])
            .await?;
        let current = row.as_ref().map(|r| {
            (
                int(r, "count").unwrap_or(0),
                int(r, "lastRequest").unwrap_or(0),
            )
        });
        let allowed = |count: i64| {
            let count = u64::try_from(count).unwrap_or(0);
            Decision {
                key: key.clone(),
                limit,
                allowed: true,
                remaining: limit.max.saturating_sub(count),
                reset: limit.window,
            }
        };
        match db_step(current, now, limit) {
            DbStep::Create => {
                let mut r = Row::new();
                r.insert("id".into(), crate::crypto::token::generate_id(32).into());
                r.insert("key".into(), key.as_str().into());
                r.insert("count".into(), Value::Int(1));
                r.insert("lastRequest".into(), Value::Int(now));
                match adapter.create(TABLE, r).await {
                    Ok(_) => return Ok(allowed(1)),
                    Err(StorageError::UniqueViolation) => continue,
                    Err(e) => return Err(e),
                }
            }
            DbStep::Refuse { retry } => {
                return Ok(Decision {
                    key,
                    limit,
                    allowed: false,
                    remaining: 0,
                    reset: retry,
                });
            }
            DbStep::Store { count } => {
                let Some(r) = row else { continue };
                let mut wheres = vec![Where::eq("id", r.get("id").cloned().unwrap_or(Value::Null))];
                for f in ["count", "lastRequest"] {
                    if let Some(v) = r.get(f).filter(|v| !v.is_null()) {
                        wheres.push(Where::eq(f, v.clone()));
                    }
                }
                let mut set = Row::new();
                set.insert("count".into(), Value::Int(count));
                set.insert("lastRequest".into(), Value::Int(now));
                if adapter.update_many(TABLE, &wheres, set).await? > 0 {
                    return Ok(allowed(count));
                }
            }
        }
    }
    // The row kept changing under us: a burst on one key. Refuse rather than count nothing.
    Ok(Decision {
        key,
        limit,
        allowed: false,
        remaining: 0,
        reset: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(config: RateLimitConfig, plugin: Vec<PathRule>) -> RateLimiter {
        RateLimiter::new(
            &RateLimitConfig {
                enabled: true,
                ..config
            },
            plugin,
        )
    }

    #[test]
    fn better_auth_builtin_rules_and_the_global_default() {
        let l = limiter(RateLimitConfig::default(), vec![]);
        let ten3 = Some(Limit::new(10, 3));
        let sixty3 = Some(Limit::new(60, 3));
        assert_eq!(l.limit_for("/sign-in/email"), ten3);
        assert_eq!(l.limit_for("/sign-in/social"), ten3);
        assert_eq!(l.limit_for("/sign-up/email"), ten3);
        assert_eq!(l.limit_for("/change-password"), ten3);
        assert_eq!(l.limit_for("/change-email"), ten3);
        assert_eq!(l.limit_for("/request-password-reset"), sixty3);
        assert_eq!(l.limit_for("/send-verification-email"), sixty3);
        assert_eq!(l.limit_for("/forget-password"), sixty3);
        assert_eq!(l.limit_for("/forget-password/email-otp"), sixty3);
        assert_eq!(l.limit_for("/email-otp/send-verification-otp"), sixty3);
        assert_eq!(l.limit_for("/email-otp/request-password-reset"), sixty3);
        assert_eq!(l.limit_for("/get-session"), Some(DEFAULT_LIMIT));
        assert_eq!(l.limit_for("/update-user"), Some(DEFAULT_LIMIT));
    }

    #[test]
    fn plugin_preset_and_custom_rules_override_in_order() {
        let custom =
            parse_rules("/sign-in/email=5/900, /two-factor/*=off, /admin/**=50/60").expect("rules");
        let l = limiter(
            RateLimitConfig {
                custom_rules: custom,
                ..RateLimitConfig::default()
            },
            vec![
                PathRule::pattern("/two-factor/*", 10, 3),
                PathRule::exact("/sign-in/magic-link", 60, 5),
                PathRule::exact("/sign-in/magic-link", 1, 1),
            ],
        );
        assert_eq!(l.limit_for("/sign-in/email"), Some(Limit::new(900, 5)));
        assert_eq!(l.limit_for("/sign-in/magic-link"), Some(Limit::new(60, 5)));
        assert_eq!(l.limit_for("/sign-in/username"), Some(Limit::new(10, 3)));
        assert_eq!(l.limit_for("/two-factor/verify-totp"), None);
        assert_eq!(l.limit_for("/admin/list-users"), Some(Limit::new(60, 50)));
        assert_eq!(l.limit_for("/admin/a/b"), Some(Limit::new(60, 50)));

        let strict = limiter(
            RateLimitConfig {
                global: STRICT_GLOBAL,
                preset: Preset::Strict,
                ..RateLimitConfig::default()
            },
            vec![PathRule::exact("/sign-in/magic-link", 60, 5)],
        );
        assert_eq!(strict.limit_for("/sign-in/email"), Some(Limit::new(900, 5)));
        assert_eq!(
            strict.limit_for("/sign-in/magic-link"),
            Some(Limit::new(900, 5))
        );
        assert_eq!(
            strict.limit_for("/sign-up/email"),
            Some(Limit::new(3600, 3))
        );
        assert_eq!(
            strict.limit_for("/request-password-reset"),
            Some(Limit::new(3600, 3))
        );
        assert_eq!(
            strict.limit_for("/send-verification-email"),
            Some(Limit::new(3600, 5))
        );
        assert_eq!(
            strict.limit_for("/change-password"),
            Some(Limit::new(10, 3))
        );
        assert_eq!(strict.limit_for("/get-session"), Some(Limit::new(900, 100)));
    }

    #[test]
    fn wildcards_stay_within_segments_unless_doubled() {
        assert!(wildcard_match("/two-factor/*", "/two-factor/verify-totp"));
        assert!(!wildcard_match("/two-factor/*", "/two-factor/a/b"));
        assert!(wildcard_match("/two-factor/**", "/two-factor/a/b"));
        assert!(wildcard_match("/sign-*/email", "/sign-in/email"));
        assert!(!wildcard_match("/sign-*/email", "/sign-in/emails"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("/a", "/ab"));
        // Linear-time: a long path against many stars answers at once.
        let long = format!("/{}", "a/".repeat(4000));
        assert!(!wildcard_match("/**/**/**/**/**/x", &long));
    }

    #[test]
    fn rule_strings_parse_or_name_the_problem() {
        let r = parse_rules("/sign-in/email=5/900,/sign-up/email=3/3600,/ok=0,/x/*=OFF,")
            .expect("rules");
        assert_eq!(r.len(), 4);
        assert_eq!(r[0], PathRule::exact("/sign-in/email", 900, 5));
        assert_eq!(r[1], PathRule::exact("/sign-up/email", 3600, 3));
        assert_eq!(r[2], PathRule::off(PathMatch::Exact("/ok".into())));
        assert_eq!(r[3], PathRule::off(PathMatch::Pattern("/x/*".into())));
        for bad in [
            "sign-in=5/10",
            "/sign-in",
            "/sign-in=5",
            "/sign-in=0/10",
            "/sign-in=5/0",
            "/sign-in=a/b",
            "/sign-in=5/99999999999",
        ] {
            assert!(parse_rules(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fixed_windows_align_and_report_whole_seconds() {
        assert_eq!(fixed_window(0, 10), (Duration::from_millis(10_000), 10));
        assert_eq!(fixed_window(12_345, 10), (Duration::from_millis(7_655), 8));
        assert_eq!(fixed_window(19_999, 10), (Duration::from_millis(1), 1));
        let d = counter_decision("k".into(), Limit::new(10, 3), 3, 4);
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        let d = counter_decision("k".into(), Limit::new(10, 3), 4, 4);
        assert!(!d.allowed);
        assert_eq!(d.remaining, 0);
    }

    #[test]
    fn database_steps_follow_better_auth() {
        let l = Limit::new(10, 3);
        assert_eq!(db_step(None, 1_000, l), DbStep::Create);
        assert_eq!(
            db_step(Some((1, 1_000)), 2_000, l),
            DbStep::Store { count: 2 }
        );
        assert_eq!(
            db_step(Some((3, 1_000)), 2_500, l),
            DbStep::Refuse { retry: 9 }
        );
        assert_eq!(
            db_step(Some((3, 1_000)), 11_000, l),
            DbStep::Store { count: 1 }
        );
    }

    #[test]
    fn headers_and_the_429_body() {
        let d = Decision {
            key: "ratelimit:1.2.3.4|/sign-in/email".into(),
            limit: Limit::new(10, 3),
            allowed: false,
            remaining: 0,
            reset: 7,
        };
        let res = d.too_many_requests();
        assert_eq!(res.status, 429);
        assert_eq!(
            res.body,
            Body::Json(json!({"message": "Too many requests. Please try again later."}))
        );
        let h = |n: &str| {
            res.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(h("x-retry-after"), Some("7"));
        assert_eq!(h("retry-after"), Some("7"));
        assert_eq!(h("ratelimit-limit"), Some("3"));
        assert_eq!(h("ratelimit-remaining"), Some("0"));
        assert_eq!(h("ratelimit-reset"), Some("7"));
        assert_eq!(h("ratelimit-policy"), Some("3;w=10"));
    }

    #[tokio::test]
    async fn memory_counts_are_atomic_per_key() {
        let l = limiter(RateLimitConfig::default(), vec![]);
        let limit = Limit::new(60, 3);
        let mut allowed = 0;
        for _ in 0..5 {
            let d = l
                .count_in(l.memory.as_ref(), "1.2.3.4|/sign-in/email".into(), limit)
                .await
                .expect("count");
            allowed += usize::from(d.allowed);
        }
        assert_eq!(allowed, 3);
        let other = l
            .count_in(l.memory.as_ref(), "1.2.3.5|/sign-in/email".into(), limit)
            .await
            .expect("count");
        assert!(other.allowed);
        assert_eq!(other.remaining, 2);
        assert_eq!(other.key, "ratelimit:1.2.3.5|/sign-in/email");
    }
}
