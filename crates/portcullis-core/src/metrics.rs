//! A small Prometheus registry: counters and histograms with bounded label sets, a few gauges
//! refreshed at scrape time, and the text exposition format (version 0.0.4).
//!
//! Label values come from fixed sets (endpoint path templates, HTTP methods, status codes), never
//! from raw request data. As a second guard every labelled family keeps at most
//! [`MAX_SERIES`] series; anything beyond lands in one `"other"` series.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use portcullis_storage::{StorageError, Where, WhereOp};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::context::AuthContext;

/// Most series one labelled family keeps before folding new label sets into `"other"`.
pub const MAX_SERIES: usize = 512;

/// Seed 003's buckets for `auth_session_duration_seconds`.
pub const SESSION_DURATION_BUCKETS: &[f64] = &[60.0, 300.0, 900.0, 3600.0, 86400.0];
/// Prometheus' default latency buckets.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How long `auth_active_sessions` may be served from the last count.
pub const ACTIVE_SESSIONS_MAX_AGE: Duration = Duration::from_secs(30);
/// Time allowed for each dependency ping during a scrape.
const SCRAPE_PING_TIMEOUT: Duration = Duration::from_secs(1);
const COUNT_TIMEOUT: Duration = Duration::from_secs(3);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The data is plain numbers: a panic elsewhere cannot leave it inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Escapes a label value for the text format.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(names: &[&str], key: &str, extra: Option<(&str, &str)>) -> String {
    let mut parts: Vec<String> = names
        .iter()
        .zip(key.split(KEY_SEPARATOR))
        .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
        .collect();
    if let Some((n, v)) = extra {
        parts.push(format!("{n}=\"{}\"", escape(v)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn fmt_f64(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Joins label values into one series key. One string rather than a `Vec<String>`: a
/// lookup on every request then costs one allocation and one comparison per tree level.
/// Label values are route templates, methods, statuses and fixed words, never this character.
const KEY_SEPARATOR: char = '\u{1f}';

fn join_into(key: &mut String, values: &[&str]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            key.push(KEY_SEPARATOR);
        }
        key.push_str(v);
    }
}

fn owned(values: &[&str]) -> String {
    let mut key = String::with_capacity(values.iter().map(|v| v.len() + 1).sum());
    join_into(&mut key, values);
    key
}

/// The series for `values`, created when new, or the `"other"` series once the family holds
/// [`MAX_SERIES`]. Finding an existing series allocates nothing: its key is joined in a buffer
/// each thread reuses. Every request records three series, so this is on the hot path.
fn series_entry<'m, V>(
    series: &'m mut BTreeMap<String, V>,
    values: &[&str],
    new: impl FnOnce() -> V,
) -> Option<&'m mut V> {
    thread_local! {
        static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    KEY.with(move |buf| {
        let mut key = buf.borrow_mut();
        key.clear();
        join_into(&mut key, values);
        if series.contains_key(key.as_str()) {
            return series.get_mut(key.as_str());
        }
        let k = if series.len() < MAX_SERIES {
            key.clone()
        } else {
            owned(&vec!["other"; values.len()])
        };
        Some(series.entry(k).or_insert_with(new))
    })
}

/// A counter family with fixed label names.
pub struct CounterVec {
    name: &'static str,
    help: &'static str,
    label_names: &'static [&'static str],
    series: Mutex<BTreeMap<String, u64>>,
}

impl CounterVec {
    pub fn new(
        name: &'static str,
        help: &'static str,
        label_names: &'static [&'static str],
    ) -> Self {
        CounterVec {
            name,
            help,
            label_names,
            series: Mutex::new(BTreeMap::new()),
        }
    }

    /// Declares a series at zero so that it is exported before the first event.
    fn declare(self, values: &[&str]) -> Self {
        lock(&self.series).entry(owned(values)).or_insert(0);
        self
    }

    pub fn inc(&self, values: &[&str]) {
        self.inc_by(values, 1);
    }

    pub fn inc_by(&self, values: &[&str], n: u64) {
        if let Some(count) = series_entry(&mut lock(&self.series), values, || 0) {
            *count += n;
        }
    }

    /// The value of one series (0 if absent).
    pub fn get(&self, values: &[&str]) -> u64 {
        lock(&self.series).get(&owned(values)).copied().unwrap_or(0)
    }

    fn render(&self, out: &mut String) {
        header(out, self.name, "counter", self.help);
        for (values, n) in lock(&self.series).iter() {
            let _ = writeln!(
                out,
                "{}{} {n}",
                self.name,
                labels(self.label_names, values, None)
            );
        }
    }
}

/// Bucket counts (not cumulative), sum and count of one histogram series.
#[derive(Clone)]
struct HistogramData {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl HistogramData {
    fn new(buckets: usize) -> Self {
        HistogramData {
            counts: vec![0; buckets],
            sum: 0.0,
            count: 0,
        }
    }
}

/// A histogram family with fixed buckets and fixed label names.
pub struct HistogramVec {
    name: &'static str,
    help: &'static str,
    label_names: &'static [&'static str],
    bounds: &'static [f64],
    series: Mutex<BTreeMap<String, HistogramData>>,
}

impl HistogramVec {
    pub fn new(
        name: &'static str,
        help: &'static str,
        label_names: &'static [&'static str],
        bounds: &'static [f64],
    ) -> Self {
        HistogramVec {
            name,
            help,
            label_names,
            bounds,
            series: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn observe(&self, values: &[&str], v: f64) {
        if !v.is_finite() {
            return;
        }
        let mut s = lock(&self.series);
        let Some(data) = series_entry(&mut s, values, || HistogramData::new(self.bounds.len()))
        else {
            return;
        };
        if let Some(i) = self.bounds.iter().position(|b| v <= *b) {
            data.counts[i] += 1;
        }
        data.sum += v;
        data.count += 1;
    }

    /// (cumulative bucket counts, sum, count) of one series.
    pub fn snapshot(&self, values: &[&str]) -> Option<(Vec<u64>, f64, u64)> {
        lock(&self.series).get(&owned(values)).map(|d| {
            let mut acc = 0;
            let cumulative = d
                .counts
                .iter()
                .map(|c| {
                    acc += c;
                    acc
                })
                .collect();
            (cumulative, d.sum, d.count)
        })
    }

    fn render(&self, out: &mut String) {
        header(out, self.name, "histogram", self.help);
        let series: Vec<(String, HistogramData)> = lock(&self.series)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (values, d) in series {
            let mut acc = 0;
            for (bound, c) in self.bounds.iter().zip(&d.counts) {
                acc += c;
                let _ = writeln!(
                    out,
                    "{}_bucket{} {acc}",
                    self.name,
                    labels(self.label_names, &values, Some(("le", &fmt_f64(*bound))))
                );
            }
            let _ = writeln!(
                out,
                "{}_bucket{} {}",
                self.name,
                labels(self.label_names, &values, Some(("le", "+Inf"))),
                d.count
            );
            let l = labels(self.label_names, &values, None);
            let _ = writeln!(out, "{}_sum{l} {}", self.name, fmt_f64(d.sum));
            let _ = writeln!(out, "{}_count{l} {}", self.name, d.count);
        }
    }
}

/// A gauge; `i64::MIN` means "never measured" and is not exported.
pub struct Gauge {
    name: &'static str,
    help: &'static str,
    value: AtomicI64,
}

impl Gauge {
    const UNSET: i64 = i64::MIN;

    pub fn new(name: &'static str, help: &'static str) -> Self {
        Gauge {
            name,
            help,
            value: AtomicI64::new(Self::UNSET),
        }
    }
    pub fn set(&self, v: i64) {
        self.value.store(v, Ordering::Relaxed);
    }
    pub fn get(&self) -> Option<i64> {
        Some(self.value.load(Ordering::Relaxed)).filter(|v| *v != Self::UNSET)
    }
    fn render(&self, out: &mut String) {
        if let Some(v) = self.get() {
            header(out, self.name, "gauge", self.help);
            let _ = writeln!(out, "{} {v}", self.name);
        }
    }
}

/// Every metric Portcullis exports. One per process, shared through `AuthContext`.
pub struct Metrics {
    pub http_requests: CounterVec,
    pub http_duration: HistogramVec,
    pub login_attempts: CounterVec,
    pub registrations: CounterVec,
    pub session_duration: HistogramVec,
    pub rate_limit_hits: CounterVec,
    pub cleanup_deleted: CounterVec,
    pub cleanup_runs: CounterVec,
    pub active_sessions: Gauge,
    pub db_healthy: Gauge,
    pub secondary_healthy: Gauge,
    /// Unix milliseconds of the last `auth_active_sessions` count (0: never).
    active_sessions_at: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        Metrics {
            http_requests: CounterVec::new(
                "http_requests_total",
                "HTTP requests by route template, method and status.",
                &["route", "method", "status"],
            ),
            http_duration: HistogramVec::new(
                "http_request_duration_seconds",
                "HTTP request latency by route template.",
                &["route"],
                LATENCY_BUCKETS,
            ),
            login_attempts: CounterVec::new(
                "auth_login_attempts_total",
                "Sign-in attempts by method and outcome.",
                &["method", "status"],
            )
            .declare(&["email", "failure"])
            .declare(&["email", "success"]),
            registrations: CounterVec::new(
                "auth_registrations_total",
                "Accounts created, by method.",
                &["method"],
            )
            .declare(&["email"]),
            session_duration: HistogramVec::new(
                "auth_session_duration_seconds",
                "Age of sessions when they end by sign-out.",
                &[],
                SESSION_DURATION_BUCKETS,
            ),
            rate_limit_hits: CounterVec::new(
                "rate_limit_hits_total",
                "Requests refused by the rate limiter, by route.",
                &["route"],
            ),
            cleanup_deleted: CounterVec::new(
                "portcullis_cleanup_deleted_total",
                "Expired rows deleted by the cleanup job, by table.",
                &["table"],
            ),
            cleanup_runs: CounterVec::new(
                "portcullis_cleanup_runs_total",
                "Cleanup job runs: ok, skipped (another instance holds the lease) or error.",
                &["result"],
            ),
            active_sessions: Gauge::new(
                "auth_active_sessions",
                "Unexpired sessions (counted at most every 30 s).",
            ),
            db_healthy: Gauge::new(
                "db_pool_healthy",
                "1 when the database answered a ping at scrape time, else 0.",
            ),
            secondary_healthy: Gauge::new(
                "secondary_storage_healthy",
                "1 when the secondary storage answered a ping at scrape time, else 0.",
            ),
            active_sessions_at: AtomicU64::new(0),
        }
    }

    /// One finished HTTP request. `route` must come from a fixed set (a path template).
    pub fn observe_request(&self, route: &str, method: &http::Method, status: u16, secs: f64) {
        let method = match *method {
            http::Method::GET => "GET",
            http::Method::POST => "POST",
            http::Method::PUT => "PUT",
            http::Method::PATCH => "PATCH",
            http::Method::DELETE => "DELETE",
            http::Method::HEAD => "HEAD",
            http::Method::OPTIONS => "OPTIONS",
            _ => "other",
        };
        let status = http::StatusCode::from_u16(status);
        let status = status.as_ref().map_or("other", http::StatusCode::as_str);
        self.http_requests.inc(&[route, method, status]);
        self.http_duration.observe(&[route], secs);
    }

    pub fn login_attempt(&self, method: &str, success: bool) {
        let status = if success { "success" } else { "failure" };
        self.login_attempts.inc(&[method, status]);
    }

    pub fn registration(&self, method: &str) {
        self.registrations.inc(&[method]);
    }

    /// A session ended by sign-out after `age_secs`.
    pub fn session_ended(&self, age_secs: f64) {
        self.session_duration.observe(&[], age_secs.max(0.0));
    }

    /// A request was refused by the rate limiter. `path` should be the endpoint's path
    /// template (the family is capped at [`MAX_SERIES`] series either way).
    pub fn rate_limited(&self, path: &str) {
        self.rate_limit_hits.inc(&[path]);
    }

    /// What the engine counts for one routed auth request (after plugin hooks).
    pub fn observe_endpoint(&self, endpoint_path: &str, status: u16) {
        if endpoint_path == "/sign-in/email" {
            self.login_attempt("email", status == 200);
        }
    }

    pub fn set_active_sessions(&self, n: i64) {
        self.active_sessions.set(n);
        self.active_sessions_at
            .store(now_millis().max(1), Ordering::Relaxed);
    }

    /// True when the active-session count is older than `max_age` (or was never taken), and
    /// claims the refresh so that concurrent scrapes do not all count.
    fn claim_active_sessions_refresh(&self, max_age: Duration) -> bool {
        let now = now_millis();
        let last = self.active_sessions_at.load(Ordering::Relaxed);
        let max_age = u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX);
        if last != 0 && now.saturating_sub(last) < max_age {
            return false;
        }
        self.active_sessions_at
            .compare_exchange(last, now.max(1), Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// The exposition text of everything recorded so far, plus the process gauges.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8192);
        self.http_requests.render(&mut out);
        self.http_duration.render(&mut out);
        self.login_attempts.render(&mut out);
        self.registrations.render(&mut out);
        self.session_duration.render(&mut out);
        self.rate_limit_hits.render(&mut out);
        self.cleanup_deleted.render(&mut out);
        self.cleanup_runs.render(&mut out);
        self.active_sessions.render(&mut out);
        self.db_healthy.render(&mut out);
        self.secondary_healthy.render(&mut out);
        if let Some(rss) = resident_memory_bytes() {
            header(
                &mut out,
                "process_resident_memory_bytes",
                "gauge",
                "Resident memory size in bytes.",
            );
            let _ = writeln!(out, "process_resident_memory_bytes {rss}");
        }
        header(
            &mut out,
            "portcullis_build_info",
            "gauge",
            "Always 1; the version is a label.",
        );
        let _ = writeln!(
            out,
            "portcullis_build_info{{version=\"{}\"}} 1",
            escape(env!("CARGO_PKG_VERSION"))
        );
        out
    }
}

fn now_millis() -> u64 {
    let ms = chrono::Utc::now().timestamp_millis();
    u64::try_from(ms).unwrap_or(0)
}

/// Resident set size on Linux, `None` elsewhere. Read from `VmRSS` in `/proc/self/status`,
/// which is `/proc/self/statm`'s resident page count already multiplied by the page size (the
/// page size itself is not readable without libc, and is not 4 KiB on every arm64 kernel).
pub fn resident_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_rss(&status)
}

/// `VmRSS:     1234 kB` → bytes.
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut parts = line.split_whitespace().skip(1);
    let n: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") | None => n.checked_mul(1024),
        Some(_) => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CountError {
    #[error("timed out")]
    Timeout,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Counts unexpired sessions and stores the result in `auth_active_sessions`.
pub async fn refresh_active_sessions(ctx: &AuthContext) -> Result<i64, CountError> {
    let live = [Where::op("expiresAt", WhereOp::Gt, ctx.now())];
    let count = ctx.adapter.count("session", &live);
    let n = tokio::time::timeout(COUNT_TIMEOUT, count)
        .await
        .map_err(|_| CountError::Timeout)??;
    ctx.metrics.set_active_sessions(n);
    Ok(n)
}

/// Refreshes the scrape-time gauges (pings with a short timeout, the active-session count when
/// older than 30 s) and renders the exposition text.
pub async fn scrape(ctx: &AuthContext) -> String {
    let m = &ctx.metrics;
    let db = tokio::time::timeout(SCRAPE_PING_TIMEOUT, ctx.adapter.ping()).await;
    m.db_healthy.set(i64::from(matches!(db, Ok(Ok(())))));
    let sec = tokio::time::timeout(SCRAPE_PING_TIMEOUT, ctx.secondary.ping()).await;
    m.secondary_healthy
        .set(i64::from(matches!(sec, Ok(Ok(())))));
    if m.claim_active_sessions_refresh(ACTIVE_SESSIONS_MAX_AGE)
        && let Err(e) = refresh_active_sessions(ctx).await
    {
        tracing::warn!(error = %e, "metrics: cannot count active sessions");
    }
    m.render()
}

/// Checks an `Authorization` header against `METRICS_TOKEN` in constant time (the comparison
/// is on SHA-256 digests, so neither content nor length leaks through timing).
pub fn bearer_matches(expected: &str, authorization: Option<&str>) -> bool {
    let Some(given) = authorization
        .map(str::trim)
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
    else {
        return false;
    };
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_in_text_format() {
        let m = Metrics::new();
        m.observe_request("/api/auth/sign-in/email", &http::Method::POST, 200, 0.02);
        m.observe_request("/api/auth/sign-in/email", &http::Method::POST, 200, 0.2);
        m.observe_request(
            "page",
            &http::Method::from_bytes(b"BREW").expect("m"),
            404,
            0.001,
        );
        m.observe_endpoint("/sign-in/email", 401);
        m.observe_endpoint("/sign-in/email", 200);
        m.observe_endpoint("/sign-up/email", 200);
        m.registration("email");
        m.session_ended(120.0);
        m.session_ended(100_000.0);
        m.rate_limited("/sign-in/email");
        let text = m.render();
        for line in [
            "# TYPE http_requests_total counter",
            "http_requests_total{route=\"/api/auth/sign-in/email\",method=\"POST\",status=\"200\"} 2",
            "http_requests_total{route=\"page\",method=\"other\",status=\"404\"} 1",
            "# TYPE http_request_duration_seconds histogram",
            "http_request_duration_seconds_bucket{route=\"/api/auth/sign-in/email\",le=\"0.025\"} 1",
            "http_request_duration_seconds_bucket{route=\"/api/auth/sign-in/email\",le=\"0.25\"} 2",
            "http_request_duration_seconds_bucket{route=\"/api/auth/sign-in/email\",le=\"+Inf\"} 2",
            "http_request_duration_seconds_count{route=\"/api/auth/sign-in/email\"} 2",
            "auth_login_attempts_total{method=\"email\",status=\"failure\"} 1",
            "auth_login_attempts_total{method=\"email\",status=\"success\"} 1",
            "auth_registrations_total{method=\"email\"} 1",
            "auth_session_duration_seconds_bucket{le=\"60\"} 0",
            "auth_session_duration_seconds_bucket{le=\"300\"} 1",
            "auth_session_duration_seconds_bucket{le=\"86400\"} 1",
            "auth_session_duration_seconds_bucket{le=\"+Inf\"} 2",
            "auth_session_duration_seconds_sum 100120",
            "auth_session_duration_seconds_count 2",
            "rate_limit_hits_total{route=\"/sign-in/email\"} 1",
            "portcullis_build_info{version=",
        ] {
            assert!(text.contains(line), "missing `{line}` in:\n{text}");
        }
        // Gauges never measured are not exported.
        assert!(!text.contains("db_pool_healthy"), "{text}");
        m.db_healthy.set(1);
        assert!(m.render().contains("db_pool_healthy 1"));
    }

    #[test]
    fn zero_series_are_declared_and_label_sets_are_capped() {
        let m = Metrics::new();
        let text = m.render();
        assert!(text.contains("auth_login_attempts_total{method=\"email\",status=\"success\"} 0"));
        assert!(text.contains("auth_registrations_total{method=\"email\"} 0"));
        for i in 0..(MAX_SERIES + 50) {
            m.rate_limited(&format!("/x/{i}"));
        }
        m.rate_limited("/x/0");
        assert_eq!(
            m.rate_limit_hits.get(&["/x/0"]),
            2,
            "known series still counts"
        );
        assert_eq!(m.rate_limit_hits.get(&["other"]), 50);
        assert_eq!(lock(&m.rate_limit_hits.series).len(), MAX_SERIES + 1);
    }

    #[test]
    fn label_values_are_escaped() {
        let c = CounterVec::new("t_total", "t", &["route"]);
        c.inc(&["a\"b\\c\nd"]);
        let mut out = String::new();
        c.render(&mut out);
        assert!(out.contains(r#"t_total{route="a\"b\\c\nd"} 1"#), "{out}");
    }

    #[test]
    fn bearer_token_check() {
        assert!(bearer_matches(
            "s3cret-token-123456",
            Some("Bearer s3cret-token-123456")
        ));
        assert!(bearer_matches(
            "s3cret-token-123456",
            Some("bearer  s3cret-token-123456 ")
        ));
        assert!(!bearer_matches(
            "s3cret-token-123456",
            Some("Bearer s3cret-token-12345")
        ));
        assert!(!bearer_matches(
            "s3cret-token-123456",
            Some("Basic s3cret-token-123456")
        ));
        assert!(!bearer_matches(
            "s3cret-token-123456",
            Some("s3cret-token-123456")
        ));
        assert!(!bearer_matches("s3cret-token-123456", None));
    }

    #[test]
    fn vm_rss_parsing_and_active_session_refresh_claims() {
        assert_eq!(
            parse_vm_rss("Name:\tx\nVmRSS:\t   2048 kB\nVmSwap: 0 kB\n"),
            Some(2048 * 1024)
        );
        assert_eq!(parse_vm_rss("Name: x\n"), None);
        #[cfg(target_os = "linux")]
        assert!(resident_memory_bytes().is_some_and(|b| b > 0));

        let m = Metrics::new();
        assert!(m.claim_active_sessions_refresh(ACTIVE_SESSIONS_MAX_AGE));
        assert!(!m.claim_active_sessions_refresh(ACTIVE_SESSIONS_MAX_AGE));
        m.set_active_sessions(3);
        assert!(!m.claim_active_sessions_refresh(ACTIVE_SESSIONS_MAX_AGE));
        assert!(m.claim_active_sessions_refresh(Duration::ZERO));
        assert!(m.render().contains("auth_active_sessions 3"));
    }
}
