//! The verdict (errors, the rate held, flatness) and the two outputs: JSON and Markdown.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::cycle::{HASHES_PER_CYCLE, REQUESTS_PER_CYCLE};
use crate::probe::Resources;
use crate::stats::{ErrorRecord, Interval, STEPS, Step, percentile_ms, summary_ms};

/// One sample: the counts of the interval that ends at `t_s`, and the server's resources then.
pub struct RawSample {
    pub phase: &'static str,
    /// Seconds since the start of its phase.
    pub t_s: f64,
    pub interval_s: f64,
    pub iv: Interval,
    pub in_flight: u64,
    pub res: Resources,
}

impl RawSample {
    fn to_json(&self) -> Value {
        let mut steps = Map::new();
        for step in STEPS {
            let s = self.iv.step(step);
            steps.insert(
                step.name().to_owned(),
                json!({
                    "requests": s.requests, "errors": s.errors,
                    "p50_ms": percentile_ms(&s.lat_us, 0.50).map(round2),
                    "p99_ms": percentile_ms(&s.lat_us, 0.99).map(round2),
                }),
            );
        }
        json!({
            "phase": self.phase, "t_s": round2(self.t_s), "interval_s": round2(self.interval_s),
            "requests": self.iv.requests(), "errors": self.iv.errors(),
            "cycles_started": self.iv.cycles_started, "cycles_completed": self.iv.cycles_completed,
            "cycles_failed": self.iv.cycles_failed, "late_starts": self.iv.late_starts,
            "max_late_ms": round2(self.iv.max_late_ms), "max_lane_wait_ms": round2(self.iv.max_lane_wait_ms),
            "in_flight": self.in_flight,
            "server": self.res.to_json(),
            "steps": steps,
        })
    }
}

pub struct FindMax {
    pub seconds: f64,
    pub concurrency: usize,
    pub cycles_completed: u64,
    /// Cycles completed from `counted_from_s` to the end: the ramp-up is left out of the rate.
    pub counted_from_s: f64,
    pub counted: u64,
    pub cycles_per_s: f64,
}

pub struct Soak {
    pub rate: f64,
    pub rate_note: String,
    pub duration_s: f64,
    pub scheduled: u64,
    pub late_threshold_ms: f64,
    pub late_starts: u64,
    pub max_late_ms: f64,
    pub late_p99_ms: f64,
    pub max_late_pct: f64,
    pub min_completed_pct: f64,
    pub drain_s: f64,
    /// Cycles still running when the drain timed out: each is an error.
    pub unfinished: u64,
}

/// A row of the per-minute table: the minute's counts, its last sample, its RSS peak.
struct Minute<'a> {
    label: String,
    iv: Interval,
    last: &'a RawSample,
    rss_peak_kb: Option<u64>,
}

impl<'a> Minute<'a> {
    fn new(label: String, s: &'a RawSample) -> Minute<'a> {
        Minute {
            label,
            iv: s.iv.clone(),
            last: s,
            rss_peak_kb: s.res.rss_peak_kb,
        }
    }

    fn add(&mut self, s: &'a RawSample) {
        self.iv.merge(&s.iv);
        self.last = s;
        self.rss_peak_kb = self.rss_peak_kb.max(s.res.rss_peak_kb);
    }
}

/// Reads one count from a sample.
type Getter = fn(&Resources) -> Option<u64>;

/// Flatness over the window, of one metric.
pub struct Check {
    pub metric: &'static str,
    pub pass: bool,
    pub line: String,
    pub detail: Value,
}

pub struct Rules {
    pub window_s: f64,
    pub rss_growth_pct: f64,
    pub rss_range_pct: f64,
    pub count_tolerance_pct: f64,
    pub count_tolerance_min: f64,
}

pub struct Report {
    pub settings: Value,
    pub meta: Value,
    pub find_max: Option<FindMax>,
    pub soak: Option<Soak>,
    pub samples: Vec<RawSample>,
    pub first_errors: Vec<ErrorRecord>,
    pub rules: Rules,
    pub has_db: bool,
}

pub struct Verdict {
    pub pass: bool,
    pub lines: Vec<(bool, String)>,
    pub checks: Vec<Check>,
    pub window_from_s: Option<f64>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// 1234567 → "1,234,567"
pub fn commas(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Least-squares slope of y over x, None with fewer than two distinct x.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    Some(points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |x| format!("{x:.1}"))
}

fn opt_n(v: Option<u64>) -> String {
    v.map_or_else(|| "–".to_owned(), |x| x.to_string())
}

fn mib(kb: Option<u64>) -> String {
    kb.map_or_else(|| "–".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
}

/// RSS is judged on the peak of each minute of the window, or of each quarter of a window
/// shorter than four minutes (a trial), so that there are always at least four peaks.
pub fn rss_bucket_s(window_s: f64) -> f64 {
    if window_s >= 240.0 {
        60.0
    } else {
        window_s / 4.0
    }
}

/// The soak's flatness window: the last `window_s` seconds, or the last 80 % of a shorter soak
/// (its first fifth is the warm-up where pools fill and the allocator grows).
pub fn window_from(duration_s: f64, window_s: f64) -> f64 {
    duration_s - window_s.min(0.8 * duration_s)
}

impl Report {
    fn soak_samples(&self) -> impl Iterator<Item = &RawSample> {
        self.samples.iter().filter(|s| s.phase == "soak")
    }

    /// Every interval of the soak and its drain, merged.
    fn soak_totals(&self) -> Interval {
        let mut total = Interval::default();
        for s in self
            .samples
            .iter()
            .filter(|s| s.phase == "soak" || s.phase == "drain")
        {
            total.merge(&s.iv);
        }
        total
    }

    fn phase_errors(&self, phase: &str) -> (u64, u64) {
        self.samples
            .iter()
            .filter(|s| s.phase == phase)
            .fold((0, 0), |(r, e), s| (r + s.iv.requests(), e + s.iv.errors()))
    }

    pub fn verdict(&self) -> Verdict {
        let mut lines = Vec::new();
        let (fm_req, fm_err) = self.phase_errors("find-max");
        let (soak_req, soak_err) = self.phase_errors("soak");
        let (drain_req, drain_err) = self.phase_errors("drain");
        let unfinished = self.soak.as_ref().map_or(0, |s| s.unfinished);
        let errors = fm_err + soak_err + drain_err + unfinished;
        let requests = fm_req + soak_req + drain_req;
        let mut line = format!(
            "errors: {} in {} requests (find-max {}, soak {}, drain {}",
            commas(errors),
            commas(requests),
            commas(fm_err),
            commas(soak_err),
            commas(drain_err)
        );
        if unfinished > 0 {
            let _ = write!(line, ", {unfinished} cycles unfinished after the drain");
        }
        line.push(')');
        lines.push((errors == 0, line));

        let problems: Vec<&String> = self
            .samples
            .iter()
            .flat_map(|s| s.res.problems.iter())
            .collect();
        if !problems.is_empty() {
            lines.push((
                false,
                format!(
                    "server resources unreadable in {} reading(s), first: {}",
                    problems.len(),
                    problems[0]
                ),
            ));
        }

        let mut checks = Vec::new();
        let mut window = None;
        if let Some(soak) = self.soak.as_ref().filter(|s| s.duration_s > 0.0) {
            let allowed = (soak.scheduled as f64 * soak.max_late_pct / 100.0).floor() as u64;
            lines.push((
                soak.late_starts <= allowed,
                format!(
                    "rate held: {} of {} cycles started more than {:.0} ms late (at most {} allowed, {} %); latest start {:.0} ms late, p99 {:.0} ms",
                    commas(soak.late_starts),
                    commas(soak.scheduled),
                    soak.late_threshold_ms,
                    commas(allowed),
                    soak.max_late_pct,
                    soak.max_late_ms,
                    soak.late_p99_ms
                ),
            ));
            let from = window_from(soak.duration_s, self.rules.window_s);
            window = Some(from);
            // Starts are on time by construction in an open loop; whether the server kept up
            // shows in the completions, and in the cycles left in flight.
            let (started, completed) = self
                .soak_samples()
                .filter(|s| s.t_s - s.interval_s >= from - 1e-3)
                .fold((0, 0), |(a, b), s| {
                    (a + s.iv.cycles_started, b + s.iv.cycles_completed)
                });
            let pct = if started == 0 {
                0.0
            } else {
                completed as f64 / started as f64 * 100.0
            };
            let in_flight_end = self.soak_samples().last().map_or(0, |s| s.in_flight);
            lines.push((
                started > 0 && pct >= soak.min_completed_pct,
                format!(
                    "the server kept up: {} cycles completed for {} started from {from:.0} s to the end ({pct:.1} %, bound ≥ {:.0} %); {} in flight at the end, drained in {:.1} s",
                    commas(completed),
                    commas(started),
                    soak.min_completed_pct,
                    commas(in_flight_end),
                    soak.drain_s
                ),
            ));
            checks = self.flat_checks(from, soak.duration_s);
            for c in &checks {
                lines.push((c.pass, c.line.clone()));
            }
        }
        Verdict {
            pass: lines.iter().all(|(ok, _)| *ok),
            lines,
            checks,
            window_from_s: window,
        }
    }

    fn flat_checks(&self, from: f64, to: f64) -> Vec<Check> {
        let in_window: Vec<&RawSample> = self
            .soak_samples()
            .filter(|s| s.t_s >= from - 1e-3)
            .collect();
        let span = format!("{:.0}–{:.0} s", from, to);
        let too_few = |metric: &'static str| Check {
            metric,
            pass: false,
            line: format!(
                "{metric}: not judged: {} sample(s) in the window {span}, 3 needed",
                in_window.len()
            ),
            detail: json!({"samples": in_window.len()}),
        };
        let mut out = Vec::new();

        // RSS: the peaks of consecutive buckets of the window show no trend and a narrow band
        // (a leak raises every peak; the hash threads' working memory, which comes and goes, does
        // not move them)
        let bucket = rss_bucket_s(to - from);
        let last_bucket = ((to - from) / bucket).round() - 1.0;
        let mut peaks: Vec<(f64, f64)> = Vec::new();
        let mut missing = in_window.len() < 3;
        for s in &in_window {
            let Some(kb) = s.res.rss_peak_kb else {
                missing = true;
                continue;
            };
            // the peak covers the sample's interval: it goes to the bucket of the interval's
            // middle, and an interval that mostly precedes the window is left out
            let at = s.t_s - s.interval_s / 2.0;
            if at < from {
                continue;
            }
            let i = ((at - from) / bucket).floor().clamp(0.0, last_bucket);
            let mid = from + (i + 0.5) * bucket;
            match peaks.last_mut() {
                Some(last) if (last.0 - mid).abs() < 1e-6 => last.1 = last.1.max(kb as f64),
                _ => peaks.push((mid, kb as f64)),
            }
        }
        if missing || peaks.len() < 3 {
            out.push(too_few("RSS"));
        } else {
            let mean = peaks.iter().map(|p| p.1).sum::<f64>() / peaks.len() as f64;
            let (min, max) = peaks.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
                (lo.min(p.1), hi.max(p.1))
            });
            let growth = slope(&peaks).unwrap_or(0.0) * (to - from) / mean * 100.0;
            let range = (max - min) / mean * 100.0;
            let pass = growth < self.rules.rss_growth_pct && range <= self.rules.rss_range_pct;
            let (lo_now, hi_now) = in_window
                .iter()
                .filter_map(|s| s.res.rss_kb)
                .fold((u64::MAX, 0), |(lo, hi), k| (lo.min(k), hi.max(k)));
            out.push(Check {
                metric: "RSS",
                pass,
                line: format!(
                    "RSS flat over {span}: the peaks of {} buckets of {bucket:.0} s trend {growth:+.1} % over the window (bound < {:.0} %), max − min {range:.1} % of their mean (bound ≤ {:.0} %); peaks {:.1}–{:.1} MiB (samples {:.1}–{:.1} MiB)",
                    peaks.len(),
                    self.rules.rss_growth_pct,
                    self.rules.rss_range_pct,
                    min / 1024.0,
                    max / 1024.0,
                    lo_now as f64 / 1024.0,
                    hi_now as f64 / 1024.0,
                ),
                detail: json!({
                    "bucket_s": bucket,
                    "peaks_kb": peaks.iter().map(|p| json!({"mid_s": round2(p.0), "kb": p.1})).collect::<Vec<_>>(),
                    "mean_kb": mean.round(), "min_kb": min, "max_kb": max,
                    "trend_pct": round2(growth), "range_pct": round2(range),
                }),
            });
        }

        // counts: a narrow band each
        let mut metrics: Vec<(&'static str, Getter)> = vec![
            ("open file descriptors", |r| r.fds),
            ("HTTP connections", |r| r.tcp_http),
            ("database TCP connections", |r| r.tcp_db),
        ];
        if self.has_db {
            metrics.push(("database sessions (pg_stat_activity)", |r| r.db_sessions));
        }
        for (metric, get) in metrics {
            let values: Vec<u64> = in_window.iter().filter_map(|s| get(&s.res)).collect();
            if values.len() < 3 || values.len() < in_window.len() {
                out.push(too_few(metric));
                continue;
            }
            let min = values.iter().copied().min().unwrap_or(0);
            let max = values.iter().copied().max().unwrap_or(0);
            let tolerance = (self.rules.count_tolerance_pct / 100.0 * max as f64)
                .ceil()
                .max(self.rules.count_tolerance_min) as u64;
            let pass = max - min <= tolerance;
            out.push(Check {
                metric,
                pass,
                line: format!(
                    "{metric} flat over {span}: {min}–{max}, max − min {} (bound ≤ {tolerance})",
                    max - min
                ),
                detail: json!({"samples": values.len(), "min": min, "max": max, "tolerance": tolerance}),
            });
        }
        out
    }

    /// Per-minute rows of the soak (and one for the drain when it did anything).
    fn minutes(&self) -> Vec<Minute<'_>> {
        let mut rows: Vec<Minute<'_>> = Vec::new();
        let mut current: Option<i64> = None;
        // a sample belongs to the minute of its interval's middle (the sample that ends a
        // minute is taken a little after it)
        let last_minute = self
            .soak
            .as_ref()
            .map_or(0.0, |s| (s.duration_s / 60.0).ceil() - 1.0);
        for s in self.soak_samples() {
            let mid = s.t_s - s.interval_s / 2.0;
            let minute = (mid / 60.0).floor().clamp(0.0, last_minute.max(0.0)) as i64;
            match rows.last_mut() {
                Some(row) if current == Some(minute) => row.add(s),
                _ => {
                    current = Some(minute);
                    rows.push(Minute::new(format!("{}–{}", minute, minute + 1), s));
                }
            }
        }
        let mut drain: Option<Minute<'_>> = None;
        for s in self.samples.iter().filter(|s| s.phase == "drain") {
            match drain.as_mut() {
                Some(d) => d.add(s),
                None => drain = Some(Minute::new("drain".to_owned(), s)),
            }
        }
        rows.extend(drain.filter(|d| d.iv.requests() > 0));
        rows
    }

    pub fn to_json(&self, v: &Verdict) -> Value {
        let totals = self.soak_totals();
        let mut steps = Map::new();
        for step in STEPS {
            let s = totals.step(step);
            let sum = summary_ms(&s.lat_us);
            steps.insert(
                step.name().to_owned(),
                json!({
                    "requests": s.requests, "errors": s.errors,
                    "p50_ms": sum.map(|x| round2(x.0)), "p99_ms": sum.map(|x| round2(x.1)),
                    "max_ms": sum.map(|x| round2(x.2)),
                }),
            );
        }
        let minutes: Vec<Value> = self
            .minutes()
            .iter()
            .map(|m| {
                let (label, iv, last) = (&m.label, &m.iv, m.last);
                let gs = iv.step(Step::GetSession);
                let si = iv.step(Step::SignIn);
                json!({
                    "minute": label, "cycles_started": iv.cycles_started,
                    "cycles_completed": iv.cycles_completed, "requests": iv.requests(),
                    "errors": iv.errors(),
                    "get_session_p50_ms": percentile_ms(&gs.lat_us, 0.5).map(round2),
                    "get_session_p99_ms": percentile_ms(&gs.lat_us, 0.99).map(round2),
                    "sign_in_p50_ms": percentile_ms(&si.lat_us, 0.5).map(round2),
                    "sign_in_p99_ms": percentile_ms(&si.lat_us, 0.99).map(round2),
                    "in_flight_at_end": last.in_flight,
                    "rss_peak_kb": m.rss_peak_kb,
                    "server_at_end": last.res.to_json(),
                })
            })
            .collect();
        let checks: Vec<Value> = v
            .checks
            .iter()
            .map(
                |c| json!({"metric": c.metric, "pass": c.pass, "line": c.line, "detail": c.detail}),
            )
            .collect();
        json!({
            "tool": "bench-soak",
            "meta": self.meta,
            "settings": self.settings,
            "find_max": self.find_max.as_ref().map(|f| json!({
                "seconds": f.seconds, "concurrency": f.concurrency, "cycles_completed": f.cycles_completed,
                "counted_from_s": round2(f.counted_from_s), "counted": f.counted,
                "cycles_per_s": round2(f.cycles_per_s),
            })),
            "soak": self.soak.as_ref().map(|s| json!({
                "rate_cycles_per_s": round2(s.rate), "rate_from": s.rate_note, "duration_s": s.duration_s,
                "cycles_scheduled": s.scheduled, "late_threshold_ms": s.late_threshold_ms,
                "late_starts": s.late_starts, "max_late_ms": round2(s.max_late_ms),
                "late_p99_ms": round2(s.late_p99_ms), "min_completed_pct": s.min_completed_pct,
                "drain_s": round2(s.drain_s),
                "unfinished": s.unfinished,
                "cycles_completed": totals.cycles_completed, "cycles_failed": totals.cycles_failed,
                "requests": totals.requests(), "errors": totals.errors(),
                "steps": steps,
            })),
            "flat": {
                "window_from_s": v.window_from_s, "window_s": self.rules.window_s,
                "rss_growth_pct_bound": self.rules.rss_growth_pct, "rss_range_pct_bound": self.rules.rss_range_pct,
                "count_tolerance_pct": self.rules.count_tolerance_pct,
                "count_tolerance_min": self.rules.count_tolerance_min,
                "checks": checks,
            },
            "verdict": {
                "pass": v.pass,
                "lines": v.lines.iter().map(|(ok, l)| json!({"pass": ok, "line": l})).collect::<Vec<_>>(),
            },
            "first_errors": self.first_errors.iter().map(|e| json!({
                "phase": e.phase, "t_s": round2(e.t_s), "step": e.step.name(), "status": e.status,
                "detail": e.detail, "body": e.body,
            })).collect::<Vec<_>>(),
            "minutes": minutes,
            "samples": self.samples.iter().map(RawSample::to_json).collect::<Vec<_>>(),
        })
    }

    pub fn markdown(&self, v: &Verdict) -> String {
        let mut md = String::new();
        let date = self.meta.get("date").and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(md, "# Soak: Portcullis under mixed traffic {date}\n");
        let _ = writeln!(
            md,
            "**Verdict: {}**\n",
            if v.pass { "PASS" } else { "FAIL" }
        );
        for (ok, line) in &v.lines {
            let _ = writeln!(md, "- {} {line}", if *ok { "✅" } else { "❌" });
        }
        md.push('\n');

        md.push_str("## Run\n\n");
        if let Some(meta) = self.meta.as_object() {
            for (k, val) in meta {
                let text = val.as_str().map_or_else(|| val.to_string(), str::to_owned);
                let _ = writeln!(md, "- {k}: {text}");
            }
        }
        if let Some(s) = self.settings.as_object() {
            let parts: Vec<String> = s.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
            let _ = writeln!(md, "- bench-soak: {}", parts.join(", "));
        }
        if let Some(f) = &self.find_max {
            let _ = writeln!(
                md,
                "- Measured max: **{:.1} cycles/s** (about {:.0} requests/s and {:.0} password hashes/s): \
                 a closed loop of {} virtual users for {:.0} s, {} cycles completed, {} of them after the first {:.0} s counted",
                f.cycles_per_s,
                f.cycles_per_s * REQUESTS_PER_CYCLE,
                f.cycles_per_s * HASHES_PER_CYCLE,
                f.concurrency,
                f.seconds,
                commas(f.cycles_completed),
                commas(f.counted),
                f.counted_from_s
            );
        }
        if let Some(s) = &self.soak {
            let totals = self.soak_totals();
            let _ = writeln!(
                md,
                "- Soak: **{:.2} cycles/s** ({}) for {:.0} s, open loop: {} cycles scheduled, {} completed, {} failed; {} requests ({:.0}/s); drain {:.1} s",
                s.rate,
                s.rate_note,
                s.duration_s,
                commas(s.scheduled),
                commas(totals.cycles_completed),
                commas(totals.cycles_failed),
                commas(totals.requests()),
                totals.requests() as f64 / s.duration_s.max(1.0),
                s.drain_s
            );
        }
        md.push('\n');

        md.push_str("## Per minute\n\n");
        md.push_str(
            "Latencies in ms; RSS peak: the highest of the minute's readings (one a second); the cycles in flight and the server's RSS, descriptors and connections at the end of the minute.\n\n",
        );
        md.push_str("| minute | cycles | requests | errors | get-session p50 / p99 | sign-in p50 / p99 | in flight | RSS peak MiB | RSS MiB | fds | HTTP conns | DB TCP conns | DB sessions |\n");
        md.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for m in self.minutes() {
            let (label, iv, last) = (&m.label, &m.iv, m.last);
            let gs = iv.step(Step::GetSession);
            let si = iv.step(Step::SignIn);
            let _ = writeln!(
                md,
                "| {label} | {} | {} | {} | {} / {} | {} / {} | {} | {} | {} | {} | {} | {} | {} |",
                commas(iv.cycles_started),
                commas(iv.requests()),
                commas(iv.errors()),
                opt_ms(percentile_ms(&gs.lat_us, 0.5)),
                opt_ms(percentile_ms(&gs.lat_us, 0.99)),
                opt_ms(percentile_ms(&si.lat_us, 0.5)),
                opt_ms(percentile_ms(&si.lat_us, 0.99)),
                commas(last.in_flight),
                mib(m.rss_peak_kb),
                mib(last.res.rss_kb),
                opt_n(last.res.fds),
                opt_n(last.res.tcp_http),
                opt_n(last.res.tcp_db),
                opt_n(last.res.db_sessions),
            );
        }
        md.push('\n');

        md.push_str("## Per step, whole soak\n\n");
        md.push_str("| step | requests | errors | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
        let totals = self.soak_totals();
        for step in STEPS {
            let s = totals.step(step);
            let sum = summary_ms(&s.lat_us);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                step.name(),
                commas(s.requests),
                commas(s.errors),
                opt_ms(sum.map(|x| x.0)),
                opt_ms(sum.map(|x| x.1)),
                opt_ms(sum.map(|x| x.2)),
            );
        }
        md.push('\n');

        if !self.first_errors.is_empty() {
            md.push_str("## First errors\n\n");
            for e in &self.first_errors {
                let status = e
                    .status
                    .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
                let _ = writeln!(
                    md,
                    "- {} at {:.1} s, {}: {status}: {}",
                    e.phase,
                    e.t_s,
                    e.step.name(),
                    e.detail
                );
                if !e.body.is_empty() {
                    let _ = writeln!(md, "  `{}`", e.body.replace('`', "'").replace('\n', " "));
                }
            }
            md.push('\n');
        }
        md.push_str(
            "Every sample (each 5 s: requests, errors and p50/p99 per step, RSS, descriptors, connections) is in the JSON file beside this one.\n",
        );
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 600 s soak sampled every 5 s (plus the sample at its end, a little late).
    fn soak_report(sample: impl Fn(f64) -> RawSample) -> Report {
        let mut samples: Vec<RawSample> = (1..=120).map(|i| sample(f64::from(i) * 5.0)).collect();
        let mut end = sample(600.2);
        end.interval_s = 0.2;
        samples.push(end);
        Report {
            settings: json!({}),
            meta: json!({"date": "test"}),
            find_max: None,
            soak: Some(Soak {
                rate: 20.0,
                rate_note: "given".into(),
                duration_s: 600.0,
                scheduled: 12_000,
                late_threshold_ms: 1000.0,
                late_starts: 0,
                max_late_ms: 3.0,
                late_p99_ms: 1.0,
                max_late_pct: 1.0,
                min_completed_pct: 95.0,
                drain_s: 0.5,
                unfinished: 0,
            }),
            samples,
            first_errors: Vec::new(),
            rules: Rules {
                window_s: 480.0,
                rss_growth_pct: 5.0,
                rss_range_pct: 10.0,
                count_tolerance_pct: 10.0,
                count_tolerance_min: 2.0,
            },
            has_db: true,
        }
    }

    fn steady(t: f64) -> RawSample {
        // every third reading lands between hashes, without the hash threads' working memory
        let now = if ((t / 5.0) as u64).is_multiple_of(3) {
            51 << 10
        } else {
            70 << 10
        };
        RawSample {
            phase: "soak",
            t_s: t,
            interval_s: 5.0,
            iv: Interval {
                cycles_started: 100,
                cycles_completed: 100,
                ..Interval::default()
            },
            in_flight: 3,
            res: Resources {
                rss_kb: Some(now),
                rss_peak_kb: Some(70 << 10),
                fds: Some(86),
                sockets: Some(76),
                tcp_http: Some(64),
                tcp_db: Some(10),
                tcp_close_wait: Some(0),
                db_sessions: Some(10),
                ..Resources::default()
            },
        }
    }

    fn failed(v: &Verdict) -> Vec<&str> {
        v.lines
            .iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, l)| l.as_str())
            .collect()
    }

    #[test]
    fn a_steady_soak_passes_and_has_ten_minutes() {
        let r = soak_report(steady);
        let v = r.verdict();
        assert!(v.pass, "{:?}", failed(&v));
        let minutes = r.minutes();
        assert_eq!(minutes.len(), 10);
        assert!(
            minutes.iter().all(|m| m.iv.cycles_started == 1200
                || (m.label == "9–10" && m.iv.cycles_started == 1300))
        );
        let rss = v
            .checks
            .iter()
            .find(|c| c.metric == "RSS")
            .expect("an RSS check");
        assert_eq!(rss.detail["peaks_kb"].as_array().map(Vec::len), Some(8));
        assert!(r.markdown(&v).contains("**Verdict: PASS**"));
    }

    #[test]
    fn a_slow_leak_fails_on_rss() {
        // +6 MiB over the 8-minute window on 60 MiB: 10 %
        let v = soak_report(|t| {
            let mut s = steady(t);
            s.res.rss_peak_kb = Some((60 << 10) + (t * 6.0 * 1024.0 / 480.0) as u64);
            s
        })
        .verdict();
        assert!(!v.pass);
        assert!(
            failed(&v).iter().all(|l| l.starts_with("RSS")),
            "{:?}",
            failed(&v)
        );
    }

    #[test]
    fn growing_descriptors_fail() {
        let v = soak_report(|t| {
            let mut s = steady(t);
            s.res.fds = Some(86 + (t / 10.0) as u64);
            s
        })
        .verdict();
        assert_eq!(failed(&v).len(), 1);
        assert!(failed(&v)[0].starts_with("open file descriptors"));
    }

    #[test]
    fn falling_behind_fails() {
        let v = soak_report(|t| {
            let mut s = steady(t);
            s.iv.cycles_completed = 90;
            s.in_flight = (t * 2.0) as u64;
            s
        })
        .verdict();
        assert_eq!(failed(&v).len(), 1);
        assert!(failed(&v)[0].starts_with("the server kept up"));
    }

    #[test]
    fn least_squares_slope() {
        let pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 3.0 + 2.0 * i as f64)).collect();
        let s = slope(&pts).expect("a slope");
        assert!((s - 2.0).abs() < 1e-9);
        assert_eq!(slope(&[(1.0, 1.0)]), None);
        assert_eq!(slope(&[(1.0, 1.0), (1.0, 2.0)]), None);
    }

    #[test]
    fn window_is_the_last_eight_minutes_or_four_fifths() {
        assert_eq!(window_from(600.0, 480.0), 120.0);
        assert_eq!(window_from(1200.0, 480.0), 720.0);
        assert!((window_from(60.0, 480.0) - 12.0).abs() < 1e-9);
    }

    #[test]
    fn rss_buckets() {
        assert_eq!(rss_bucket_s(480.0), 60.0);
        assert_eq!(rss_bucket_s(240.0), 60.0);
        assert_eq!(rss_bucket_s(48.0), 12.0);
    }

    #[test]
    fn thousands() {
        assert_eq!(commas(0), "0");
        assert_eq!(commas(999), "999");
        assert_eq!(commas(1000), "1,000");
        assert_eq!(commas(1_234_567), "1,234,567");
    }
}
