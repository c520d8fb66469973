//! The client's settings: where Portcullis is, and how long what it answered may be reused.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the client reads the time: the monotonic clock, unless a test gives one it can move
/// (cache and key-set expiry are then tested without sleeping).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Instant + Send + Sync>);

impl Clock {
    pub fn new(now: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> Instant {
        (self.0)()
    }

    /// How long ago `then` was, by this clock.
    pub fn since(&self, then: Instant) -> Duration {
        self.now().saturating_duration_since(then)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new(Instant::now)
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// Settings for an [`Authenticator`](crate::Authenticator). `Config::new(url)` gives the
/// defaults; each setter documents its own.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) base_url: String,
    pub(crate) base_path: String,
    pub(crate) session_cache_ttl: Duration,
    pub(crate) session_cache_capacity: usize,
    pub(crate) jwks_path: String,
    pub(crate) jwt_issuer: Option<String>,
    pub(crate) jwt_audience: Option<String>,
    pub(crate) jwt_leeway: Duration,
    pub(crate) jwks_refetch_interval: Duration,
    pub(crate) jwks_max_age: Duration,
    pub(crate) cookie_prefix: String,
    pub(crate) api_key_header: String,
    pub(crate) request_timeout: Duration,
    pub(crate) clock: Clock,
}

impl Config {
    /// `base_url` is Portcullis's `BETTER_AUTH_URL` (e.g. `https://auth.example.com`).
    pub fn new(base_url: impl Into<String>) -> Self {
        Config {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            base_path: "/api/auth".to_owned(),
            session_cache_ttl: Duration::from_secs(5),
            session_cache_capacity: 10_000,
            jwks_path: "/jwks".to_owned(),
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway: Duration::from_secs(5),
            jwks_refetch_interval: Duration::from_secs(10),
            jwks_max_age: Duration::from_secs(3600),
            cookie_prefix: "better-auth".to_owned(),
            api_key_header: "x-api-key".to_owned(),
            request_timeout: Duration::from_secs(5),
            clock: Clock::default(),
        }
    }

    /// The clock the caches read (default: the monotonic clock). Tests give one they move.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Where the auth routes are mounted (`BASE_PATH`); default `/api/auth`.
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = path.into().trim_end_matches('/').to_owned();
        self
    }

    /// How long get-session's answer for a cookie, bearer token or API key is reused: the
    /// longest a signed-out session or revoked key keeps working here. Default 5 s; zero asks
    /// Portcullis on every request.
    pub fn session_cache_ttl(mut self, ttl: Duration) -> Self {
        self.session_cache_ttl = ttl;
        self
    }

    /// How many answers the session cache holds at most (default 10 000). When it is full, new
    /// answers are not cached until old ones expire.
    pub fn session_cache_capacity(mut self, entries: usize) -> Self {
        self.session_cache_capacity = entries;
        self
    }

    /// The key set's path under the base path (`JWKS_PATH`); default `/jwks`.
    pub fn jwks_path(mut self, path: impl Into<String>) -> Self {
        self.jwks_path = path.into();
        self
    }

    /// The `iss` a JWT must carry (`JWT_ISSUER`); default the base URL.
    pub fn jwt_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.jwt_issuer = Some(issuer.into());
        self
    }

    /// The `aud` a JWT must carry (`JWT_AUDIENCE`); default the base URL.
    pub fn jwt_audience(mut self, audience: impl Into<String>) -> Self {
        self.jwt_audience = Some(audience.into());
        self
    }

    /// Clock skew allowed on `exp` and `nbf`; default 5 s.
    pub fn jwt_leeway(mut self, leeway: Duration) -> Self {
        self.jwt_leeway = leeway;
        self
    }

    /// The least time between two fetches of the key set caused by an unknown `kid`, so that
    /// tokens with made-up key ids cannot make this client hammer Portcullis. Default 10 s.
    pub fn jwks_refetch_interval(mut self, interval: Duration) -> Self {
        self.jwks_refetch_interval = interval;
        self
    }

    /// How long a fetched key set is used before the next JWT fetches it again (so a key
    /// Portcullis withdrew stops verifying here too). If that fetch fails, the old set stays in
    /// use. Default one hour.
    pub fn jwks_max_age(mut self, age: Duration) -> Self {
        self.jwks_max_age = age;
        self
    }

    /// The session cookie's prefix (Better Auth's `advanced.cookiePrefix`); default
    /// `better-auth`. Both `<prefix>.session_token` and `__Secure-<prefix>.session_token`
    /// are read.
    pub fn cookie_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.cookie_prefix = prefix.into();
        self
    }

    /// The header carrying an API key (the api-key plugin's header setting); default
    /// `x-api-key`.
    pub fn api_key_header(mut self, name: impl Into<String>) -> Self {
        self.api_key_header = name.into().to_ascii_lowercase();
        self
    }

    /// How long a call to Portcullis may take; default 5 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub(crate) fn auth_url(&self, path: &str) -> String {
        format!("{}{}{}", self.base_url, self.base_path, path)
    }
}
