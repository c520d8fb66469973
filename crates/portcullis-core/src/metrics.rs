//! Portcullis' metrics, on the `prometheus-client` crate: counters and histograms with bounded
//! label sets, a few gauges refreshed at scrape time, rendered in the Prometheus text format
//! (version 0.0.4, [`CONTENT_TYPE`]).
//!
//! Label values come from fixed sets (endpoint path templates, HTTP methods, status codes), never
//! from raw request data. As a second guard every labelled family keeps at most
//! [`MAX_SERIES`] series; anything beyond lands in one `"other"` series.
//!
//! The crate's `Family` has no such cap and takes an owned label set for every lookup, which on
//! the request path would mean copying the route label each time. So the labelled families here
//! ([`CounterVec`], [`HistogramVec`]) keep the crate's `Counter`s and `Histogram`s in a capped
//! map that is searched with the caller's `&[&str]` as is, and encode through the crate as a
//! `Family` does. Recording into an existing series takes a read lock, one hash of the label
//! values, and the crate's atomic add or histogram update: no allocation
//! (`tests/metrics_hot_path.rs` checks that).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use indexmap::{Equivalent, IndexMap};
use portcullis_storage::{StorageError, Where, WhereOp};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabel, EncodeLabelSet, EncodeMetric, LabelSetEncoder, MetricEncoder,
    prometheus_text,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::{self, ConstGauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use rustc_hash::FxBuildHasher;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::context::AuthContext;

/// The `Content-Type` of [`Metrics::render`]'s output: the Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

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

// The data behind the locks is plain numbers and label strings: a panic elsewhere cannot leave
// it inconsistent, so a poisoned lock is used as is.
fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// The registry appends a period to every help text; ours are written as sentences already.
fn help_text(help: &'static str) -> &'static str {
    help.strip_suffix('.').unwrap_or(help)
}

/// The label values of one series, with its family's label names for encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Labels {
    names: &'static [&'static str],
    values: Box<[Box<str>]>,
}

impl Labels {
    fn new(names: &'static [&'static str], values: &[&str]) -> Self {
        Labels {
            names,
            values: values.iter().map(|v| Box::from(*v)).collect(),
        }
    }
}

/// The one hash of label values, for the stored [`Labels`] and the borrowed [`Lookup`] alike.
fn hash_values<'a, H: Hasher>(values: impl ExactSizeIterator<Item = &'a str>, state: &mut H) {
    state.write_usize(values.len());
    for v in values {
        v.hash(state);
    }
}

impl Hash for Labels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_values(self.values.iter().map(|v| &**v), state);
    }
}

impl EncodeLabelSet for Labels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> fmt::Result {
        for (name, value) in self.names.iter().zip(self.values.iter()) {
            (*name, &**value).encode(encoder.encode_label())?;
        }
        Ok(())
    }
}

/// The caller's label values, used as a map key without copying them.
struct Lookup<'a>(&'a [&'a str]);

impl Hash for Lookup<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_values(self.0.iter().copied(), state);
    }
}

impl Equivalent<Labels> for Lookup<'_> {
    fn equivalent(&self, key: &Labels) -> bool {
        self.0.len() == key.values.len()
            && self
                .0
                .iter()
                .zip(key.values.iter())
                .all(|(a, b)| *a == &**b)
    }
}

/// The series of one labelled family, capped at [`MAX_SERIES`] (plus the `"other"` series).
#[derive(Debug)]
struct Series<M> {
    names: &'static [&'static str],
    /// `"other"` for every label: where label sets beyond the cap are counted.
    other: Box<[&'static str]>,
    map: RwLock<IndexMap<Labels, M, FxBuildHasher>>,
}

impl<M> Series<M> {
    fn new(names: &'static [&'static str]) -> Self {
        Series {
            names,
            other: vec!["other"; names.len()].into(),
            map: RwLock::new(IndexMap::default()),
        }
    }

    /// Runs `f` on the series for `values`, made by `new` when absent, or on the `"other"`
    /// series once the family holds [`MAX_SERIES`]. An existing series is found under the read
    /// lock without allocating; only a new series takes the write lock.
    fn with<R>(&self, values: &[&str], new: impl FnOnce() -> M, f: impl FnOnce(&M) -> R) -> R {
        {
            let map = read(&self.map);
            if let Some(m) = map.get(&Lookup(values)) {
                return f(m);
            }
            if map.len() >= MAX_SERIES
                && let Some(m) = map.get(&Lookup(&self.other))
            {
                return f(m);
            }
        }
        let mut map = write(&self.map);
        let values = if map.len() < MAX_SERIES || map.contains_key(&Lookup(values)) {
            values
        } else {
            &self.other
        };
        let i = match map.get_index_of(&Lookup(values)) {
            Some(i) => i,
            None => map.insert_full(Labels::new(self.names, values), new()).0,
        };
        f(&map[i])
    }

    fn get<R>(&self, values: &[&str], f: impl FnOnce(&M) -> R) -> Option<R> {
        read(&self.map).get(&Lookup(values)).map(f)
    }

    /// Encodes every series as the crate's `Family` would, in label-value order.
    fn encode(&self, mut encoder: MetricEncoder) -> fmt::Result
    where
        M: EncodeMetric,
    {
        let map = read(&self.map);
        let mut series: Vec<(&Labels, &M)> = map.iter().collect();
        series.sort_unstable_by(|a, b| a.0.values.cmp(&b.0.values));
        for (labels, metric) in series {
            metric.encode(encoder.encode_family(labels)?)?;
        }
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        read(&self.map).len()
    }
}

/// A counter family with fixed label names. Clones share the series (the registry holds one).
#[derive(Clone, Debug)]
pub struct CounterVec {
    name: &'static str,
    help: &'static str,
    series: Arc<Series<Counter>>,
}

impl CounterVec {
    /// `name` is the exported name, `_total` included.
    pub fn new(
        name: &'static str,
        help: &'static str,
        label_names: &'static [&'static str],
    ) -> Self {
        CounterVec {
            name,
            help,
            series: Arc::new(Series::new(label_names)),
        }
    }

    /// Declares a series at zero so that it is exported before the first event.
    fn declare(self, values: &[&str]) -> Self {
        self.series.with(values, Counter::default, |_| ());
        self
    }

    pub fn inc(&self, values: &[&str]) {
        self.inc_by(values, 1);
    }

    pub fn inc_by(&self, values: &[&str], n: u64) {
        self.series.with(values, Counter::default, |c| {
            c.inc_by(n);
        });
    }

    /// The value of one series (0 if absent).
    pub fn get(&self, values: &[&str]) -> u64 {
        self.series.get(values, Counter::get).unwrap_or(0)
    }

    fn register(&self, registry: &mut Registry) {
        // The crate adds `_total` to a counter's name when it encodes it.
        let name = self.name.strip_suffix("_total").unwrap_or(self.name);
        registry.register(name, help_text(self.help), self.clone());
    }
}

impl EncodeMetric for CounterVec {
    fn encode(&self, encoder: MetricEncoder) -> fmt::Result {
        self.series.encode(encoder)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Counter
    }
}

/// A histogram family with fixed buckets and fixed label names. Clones share the series.
#[derive(Clone, Debug)]
pub struct HistogramVec {
    name: &'static str,
    help: &'static str,
    bounds: &'static [f64],
    series: Arc<Series<Histogram>>,
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
            bounds,
            series: Arc::new(Series::new(label_names)),
        }
    }

    /// Records `v` (ignored unless finite).
    pub fn observe(&self, values: &[&str], v: f64) {
        if !v.is_finite() {
            return;
        }
        let bounds = self.bounds;
        self.series.with(
            values,
            || Histogram::new(bounds.iter().copied()),
            |h| h.observe(v),
        );
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(self.name, help_text(self.help), self.clone());
    }
}

impl EncodeMetric for HistogramVec {
    fn encode(&self, encoder: MetricEncoder) -> fmt::Result {
        self.series.encode(encoder)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// A gauge that is not exported until it is first set. Clones share the value.
#[derive(Clone, Debug)]
pub struct Gauge {
    name: &'static str,
    help: &'static str,
    value: gauge::Gauge<i64, AtomicI64>,
}

impl Gauge {
    /// "Never measured".
    const UNSET: i64 = i64::MIN;

    pub fn new(name: &'static str, help: &'static str) -> Self {
        let value = gauge::Gauge::default();
        value.set(Self::UNSET);
        Gauge { name, help, value }
    }
    pub fn set(&self, v: i64) {
        self.value.set(v);
    }
    pub fn get(&self) -> Option<i64> {
        Some(self.value.get()).filter(|v| *v != Self::UNSET)
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(self.name, help_text(self.help), self.clone());
    }
}

impl EncodeMetric for Gauge {
    fn encode(&self, encoder: MetricEncoder) -> fmt::Result {
        match self.get() {
            Some(v) => ConstGauge::new(v).encode(encoder),
            None => Ok(()),
        }
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }

    fn is_empty(&self) -> bool {
        self.get().is_none()
    }
}

/// The gauges read when a scrape is encoded: resident memory (Linux) and the build version.
#[derive(Debug)]
struct ProcessCollector;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        if let Some(rss) = resident_memory_bytes() {
            let rss = ConstGauge::new(rss);
            rss.encode(encoder.encode_descriptor(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                None,
                MetricType::Gauge,
            )?)?;
        }
        let mut build = encoder.encode_descriptor(
            "portcullis_build_info",
            "Always 1; the version is a label.",
            None,
            MetricType::Gauge,
        )?;
        let version = [("version", env!("CARGO_PKG_VERSION"))];
        ConstGauge::new(1_i64).encode(build.encode_family(&version)?)
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
    pub breach_checks: CounterVec,
    pub deferred_jobs: CounterVec,
    /// Attacks noticed by the security detectors, by detector.
    pub security_detections: CounterVec,
    /// Webhook delivery attempts, by endpoint id and result.
    pub webhook_deliveries: CounterVec,
    pub active_sessions: Gauge,
    pub db_healthy: Gauge,
    pub secondary_healthy: Gauge,
    /// Unix milliseconds of the last `auth_active_sessions` count (0: never).
    active_sessions_at: AtomicU64,
    /// Everything above (shared handles), in export order, then [`ProcessCollector`].
    registry: Registry,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let http_requests = CounterVec::new(
            "http_requests_total",
            "HTTP requests by route template, method and status.",
            &["route", "method", "status"],
        );
        let http_duration = HistogramVec::new(
            "http_request_duration_seconds",
            "HTTP request latency by route template.",
            &["route"],
            LATENCY_BUCKETS,
        );
        let login_attempts = CounterVec::new(
            "auth_login_attempts_total",
            "Sign-in attempts by method and outcome.",
            &["method", "status"],
        )
        .declare(&["email", "failure"])
        .declare(&["email", "success"]);
        let security_detections = CounterVec::new(
            "auth_security_detections_total",
            "Attacks noticed by the security detectors, by detector.",
            &["detector"],
        );
        let webhook_deliveries = CounterVec::new(
            "portcullis_webhook_deliveries_total",
            "Webhook delivery attempts by endpoint and result: delivered, retrying (to be tried \
             again) or failed (given up after three days).",
            &["endpoint", "result"],
        );
        let registrations = CounterVec::new(
            "auth_registrations_total",
            "Accounts created, by method.",
            &["method"],
        )
        .declare(&["email"]);
        let session_duration = HistogramVec::new(
            "auth_session_duration_seconds",
            "Age of sessions when they end by sign-out.",
            &[],
            SESSION_DURATION_BUCKETS,
        );
        let rate_limit_hits = CounterVec::new(
            "rate_limit_hits_total",
            "Requests refused by the rate limiter, by route.",
            &["route"],
        );
        let cleanup_deleted = CounterVec::new(
            "portcullis_cleanup_deleted_total",
            "Expired rows deleted by the cleanup job, by table.",
            &["table"],
        );
        let cleanup_runs = CounterVec::new(
            "portcullis_cleanup_runs_total",
            "Cleanup job runs: ok, skipped (another instance holds the lease) or error.",
            &["result"],
        );
        let breach_checks = CounterVec::new(
            "portcullis_breached_password_checks_total",
            "New passwords checked against breaches: clear, compromised (refused), or api_error \
             (the range API failed; HIBP_ON_ERROR decides what follows).",
            &["result"],
        )
        .declare(&["clear"])
        .declare(&["compromised"]);
        let deferred_jobs = CounterVec::new(
            "portcullis_deferred_total",
            "Work done after the answer (ctx.defer), by kind and result: ok, error or dropped \
             (the queue was full).",
            &["kind", "result"],
        );
        let active_sessions = Gauge::new(
            "auth_active_sessions",
            "Unexpired sessions (counted at most every 30 s).",
        );
        let db_healthy = Gauge::new(
            "db_pool_healthy",
            "1 when the database answered a ping at scrape time, else 0.",
        );
        let secondary_healthy = Gauge::new(
            "secondary_storage_healthy",
            "1 when the secondary storage answered a ping at scrape time, else 0.",
        );

        let mut registry = Registry::default();
        http_requests.register(&mut registry);
        http_duration.register(&mut registry);
        login_attempts.register(&mut registry);
        registrations.register(&mut registry);
        session_duration.register(&mut registry);
        rate_limit_hits.register(&mut registry);
        cleanup_deleted.register(&mut registry);
        cleanup_runs.register(&mut registry);
        breach_checks.register(&mut registry);
        deferred_jobs.register(&mut registry);
        security_detections.register(&mut registry);
        webhook_deliveries.register(&mut registry);
        active_sessions.register(&mut registry);
        db_healthy.register(&mut registry);
        secondary_healthy.register(&mut registry);
        registry.register_collector(Box::new(ProcessCollector));

        Metrics {
            http_requests,
            http_duration,
            login_attempts,
            registrations,
            session_duration,
            rate_limit_hits,
            cleanup_deleted,
            cleanup_runs,
            breach_checks,
            deferred_jobs,
            security_detections,
            webhook_deliveries,
            active_sessions,
            db_healthy,
            secondary_healthy,
            active_sessions_at: AtomicU64::new(0),
            registry,
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

    /// One sign-in attempt by `method` (`email`, `username`, …), counted where the outcome is
    /// known: a session issued is a success.
    pub fn login_attempt(&self, method: &str, success: bool) {
        let status = if success { "success" } else { "failure" };
        self.login_attempts.inc(&[method, status]);
    }

    /// One breached-password check: `clear`, `compromised` or `api_error`.
    pub fn breach_check(&self, result: &'static str) {
        self.breach_checks.inc(&[result]);
    }

    /// One deferred job ended (`ok`, `error`) or was dropped from a full queue. `kind` is one
    /// of the fixed names callers give `ctx.defer`.
    pub fn deferred(&self, kind: &str, result: &str) {
        self.deferred_jobs.inc(&[kind, result]);
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

    /// What the engine counts for one routed auth request (after plugin hooks). Nothing at
    /// present: sign-in attempts are counted through [`Metrics::login_attempt`] where sessions
    /// are issued, for every sign-in method, rather than by endpoint path here.
    pub fn observe_endpoint(&self, _endpoint_path: &str, _status: u16) {}

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

    /// The exposition text ([`CONTENT_TYPE`]) of everything recorded so far, plus the process
    /// gauges.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8192);
        // Writing into a `String` cannot fail, and no metric here returns an error.
        if let Err(e) = prometheus_text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "metrics: cannot encode the registry");
        }
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
        m.login_attempt("email", false);
        m.login_attempt("email", true);
        m.login_attempt("username", true);
        m.registration("email");
        m.session_ended(120.0);
        m.session_ended(100_000.0);
        m.rate_limited("/sign-in/email");
        let text = m.render();
        for line in [
            "# HELP http_requests_total HTTP requests by route template, method and status.",
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
            "auth_login_attempts_total{method=\"username\",status=\"success\"} 1",
            "auth_registrations_total{method=\"email\"} 1",
            "# HELP auth_session_duration_seconds Age of sessions when they end by sign-out.",
            "auth_session_duration_seconds_bucket{le=\"60\"} 0",
            "auth_session_duration_seconds_bucket{le=\"300\"} 1",
            "auth_session_duration_seconds_bucket{le=\"86400\"} 1",
            "auth_session_duration_seconds_bucket{le=\"+Inf\"} 2",
            "auth_session_duration_seconds_sum 100120.0",
            "auth_session_duration_seconds_count 2",
            "rate_limit_hits_total{route=\"/sign-in/email\"} 1",
            // Families without a series yet still say what they are.
            "# TYPE portcullis_cleanup_runs_total counter",
            "# HELP portcullis_build_info Always 1; the version is a label.",
            "# TYPE portcullis_build_info gauge",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in:\n{text}"
            );
        }
        assert!(
            text.contains("\nportcullis_build_info{version=\""),
            "{text}"
        );
        assert!(
            !text.contains("_total_total") && !text.contains(".."),
            "{text}"
        );
        // Series come out in label order, whatever order they were made in.
        let routes: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("http_requests_total{"))
            .collect();
        assert!(routes[0].contains("/api/auth/") && routes[1].contains("page"));
        // Gauges never measured are not exported.
        assert!(!text.contains("db_pool_healthy"), "{text}");
        m.db_healthy.set(1);
        m.db_healthy.set(0);
        let text = m.render();
        assert!(text.contains("\n# TYPE db_pool_healthy gauge\ndb_pool_healthy 0\n"));
        #[cfg(target_os = "linux")]
        assert!(text.contains("\n# TYPE process_resident_memory_bytes gauge\n"));
        assert!(text.ends_with(&format!(
            "portcullis_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        )));
    }

    #[test]
    fn one_family_renders_byte_for_byte() {
        let mut registry = Registry::default();
        let c = CounterVec::new("t_total", "A test counter.", &["route", "method"]);
        c.register(&mut registry);
        c.inc(&["/b", "GET"]);
        c.inc_by(&["/a", "POST"], 3);
        let h = HistogramVec::new("t_seconds", "A test histogram.", &[], &[0.5, 1.0]);
        h.register(&mut registry);
        h.observe(&[], 0.25);
        h.observe(&[], f64::NAN);
        h.observe(&[], 2.0);
        let mut out = String::new();
        prometheus_text::encode(&mut out, &registry).expect("encode");
        assert_eq!(
            out,
            "# HELP t_total A test counter.\n\
             # TYPE t_total counter\n\
             t_total{route=\"/a\",method=\"POST\"} 3\n\
             t_total{route=\"/b\",method=\"GET\"} 1\n\
             # HELP t_seconds A test histogram.\n\
             # TYPE t_seconds histogram\n\
             t_seconds_bucket{le=\"0.5\"} 1\n\
             t_seconds_bucket{le=\"1\"} 1\n\
             t_seconds_bucket{le=\"+Inf\"} 2\n\
             t_seconds_sum 2.25\n\
             t_seconds_count 2\n"
        );
    }

    #[test]
    fn endpoints_no_longer_count_sign_ins_by_path() {
        let m = Metrics::new();
        m.observe_endpoint("/sign-in/email", 200);
        m.observe_endpoint("/sign-in/email", 401);
        assert_eq!(m.login_attempts.get(&["email", "success"]), 0);
        assert_eq!(m.login_attempts.get(&["email", "failure"]), 0);
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
        assert_eq!(m.rate_limit_hits.series.len(), MAX_SERIES + 1);
        // The same for a histogram family, and for several labels.
        for i in 0..(MAX_SERIES + 5) {
            m.observe_request(&format!("/y/{i}"), &http::Method::GET, 200, 0.1);
        }
        assert_eq!(m.http_duration.series.len(), MAX_SERIES + 1);
        assert_eq!(m.http_requests.series.len(), MAX_SERIES + 1);
        assert_eq!(m.http_requests.get(&["other", "other", "other"]), 5);
        let text = m.render();
        assert!(text.contains("\nhttp_request_duration_seconds_count{route=\"other\"} 5\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        let mut registry = Registry::default();
        let c = CounterVec::new("t_total", "t", &["route"]);
        c.register(&mut registry);
        c.inc(&["a\"b\\c\nd"]);
        let mut out = String::new();
        prometheus_text::encode(&mut out, &registry).expect("encode");
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
