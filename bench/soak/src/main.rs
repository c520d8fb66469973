//! bench-soak: drives a running Portcullis with mixed Better Auth traffic (sign-up, get-session,
//! update-user, sign-out, sign-in, list-sessions, revocations; see cycle.rs) and watches the
//! server's RSS, descriptors and connections.
//!
//! Two phases, in one run or alone:
//!  - `--find-max SECONDS`: a closed loop of `--concurrency` virtual users, each starting its
//!    next cycle as soon as the last one ends; it measures the cycles per second the server
//!    sustains (password hashing dominates).
//!  - `--duration SECONDS` at `--rate R` cycles/s (or `--rate-fraction` of the measured max):
//!    an open loop that starts cycles on a fixed schedule whatever the answers, so a slow server
//!    meets more work, not less. A cycle that cannot start on time starts late and is counted.
//!
//! Every 5 s it samples the counts of the interval and the server's resources. It writes a JSON
//! file (and optionally Markdown) and exits 0 when the run passed, 1 when it failed (an error, the
//! rate not held, or RSS or a connection count not flat), 2 when it could not run.
//! See bench/README.md, "Soak", for the definitions.

mod cycle;
mod http;
mod probe;
mod report;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::cycle::Cycle;
use crate::http::{Api, Lanes};
use crate::probe::{Probe, RssWatch};
use crate::report::{FindMax, RawSample, Report, Rules, Soak};
use crate::stats::Recorder;

#[derive(Parser, Debug)]
#[command(
    name = "bench-soak",
    about = "Soak a running Portcullis with mixed Better Auth traffic"
)]
struct Args {
    /// The server's base URL, e.g. http://127.0.0.1:3000 (the API is under /api/auth).
    #[arg(long)]
    base: String,
    /// The Origin header sent with every request (default: the base URL, which the server trusts).
    #[arg(long)]
    origin: Option<String>,
    /// The server's process id, whose RSS, descriptors and connections are sampled.
    #[arg(long)]
    server_pid: u32,
    /// psql connection URL used to count the server's database sessions (pg_stat_activity);
    /// connect it to another database than --db-name, so that psql's own session is not counted.
    #[arg(long, requires = "db_name")]
    db_admin_url: Option<String>,
    /// The server's database name in pg_stat_activity.
    #[arg(long, requires = "db_admin_url")]
    db_name: Option<String>,
    /// The database's port: the server's established sockets to it are its database connections.
    #[arg(long, default_value_t = 5432)]
    db_port: u16,
    /// Run the closed-loop phase for this many seconds first and measure the maximum.
    #[arg(long, value_name = "SECONDS")]
    find_max: Option<f64>,
    /// Virtual users in the closed loop.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Cycles started per second in the soak (default: --rate-fraction × the measured max).
    #[arg(long)]
    rate: Option<f64>,
    /// The soak's rate as a fraction of the maximum --find-max measured.
    #[arg(long, default_value_t = 0.8)]
    rate_fraction: f64,
    /// Seconds of soak (0: find-max only).
    #[arg(long, default_value_t = 600.0)]
    duration: f64,
    /// Seconds between the two phases, so that the closed loop's last cycles are out of the way.
    #[arg(long, default_value_t = 5.0)]
    pause: f64,
    /// Client connections (lanes), each used for one request at a time and kept open.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Cycles in flight at most; the next start waits (and is counted late) beyond that.
    #[arg(long, default_value_t = 2000)]
    max_in_flight: usize,
    /// A cycle is late when it starts more than this many ms after its scheduled time.
    #[arg(long, default_value_t = 1000.0)]
    late_ms: f64,
    /// The rate counts as held when at most this percentage of cycles started late.
    #[arg(long, default_value_t = 1.0)]
    max_late_pct: f64,
    /// The server keeps up when, over the flatness window, it completes at least this
    /// percentage of the cycles started in it (else the work in flight grows without end).
    #[arg(long, default_value_t = 95.0)]
    min_completed_pct: f64,
    /// Seconds the cycles still running at the end of the soak get to finish.
    #[arg(long, default_value_t = 60.0)]
    drain_timeout: f64,
    /// Seconds per request before it counts as an error.
    #[arg(long, default_value_t = 30.0)]
    request_timeout: f64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 5.0)]
    sample_seconds: f64,
    /// Flatness is judged over the soak's last this-many seconds (or its last 80 % when shorter).
    #[arg(long, default_value_t = 480.0)]
    flat_window: f64,
    /// RSS: the least-squares trend over the window must stay below this percentage of the mean.
    #[arg(long, default_value_t = 5.0)]
    rss_growth_pct: f64,
    /// RSS: max − min over the window at most this percentage of the mean.
    #[arg(long, default_value_t = 10.0)]
    rss_range_pct: f64,
    /// Counts (descriptors, connections): max − min at most this percentage of the max …
    #[arg(long, default_value_t = 10.0)]
    count_tolerance_pct: f64,
    /// … or this many, whichever is larger.
    #[arg(long, default_value_t = 2.0)]
    count_tolerance_min: f64,
    /// Part of every soak user's email (soak-<run-id>-<n>@bench.test); unique per run.
    #[arg(long)]
    run_id: Option<String>,
    /// The session cookie's name.
    #[arg(long, default_value = "better-auth.session_token")]
    cookie_name: String,
    /// A JSON object (machine, commit, server settings…) copied into the outputs.
    #[arg(long)]
    meta: Option<PathBuf>,
    /// Where to write the JSON results.
    #[arg(long)]
    out: PathBuf,
    /// Where to write the Markdown report (may be repeated).
    #[arg(long)]
    markdown: Vec<PathBuf>,
}

fn say(msg: &str) {
    eprintln!("[bench-soak] {msg}");
}

fn secs(s: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(s).map_err(|e| format!("bad duration {s}: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("bench-soak: {e}");
            ExitCode::from(2)
        }
    }
}

/// Shared by the phases.
struct Ctx {
    api: Arc<Api>,
    rec: Arc<Recorder>,
    probe: Arc<Probe>,
    rss: Arc<RssWatch>,
    run_id: Arc<str>,
    cookie_name: Arc<str>,
    /// The next cycle's number: unique across phases, so every sign-up is a new user.
    next: Arc<AtomicU64>,
    sample_every: Duration,
}

impl Ctx {
    async fn one_cycle(api: &Api, run_id: &str, cookie_name: &str, rec: &Recorder, n: u64) -> bool {
        rec.in_flight.fetch_add(1, Ordering::Relaxed);
        let ok = Cycle {
            api,
            run_id,
            cookie_name,
        }
        .run(n)
        .await;
        rec.cycle_done(ok);
        rec.in_flight.fetch_sub(1, Ordering::Relaxed);
        ok
    }

    /// Samples every `sample_every` from START until STOP turns true, then once more.
    fn sampler(
        &self,
        phase: &'static str,
        start: Instant,
        soak_len: Option<f64>,
        mut stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<Vec<RawSample>> {
        let (rec, probe, rss, every) = (
            Arc::clone(&self.rec),
            Arc::clone(&self.probe),
            Arc::clone(&self.rss),
            self.sample_every,
        );
        tokio::spawn(async move {
            let mut out = Vec::new();
            let mut tick = tokio::time::interval_at((start + every).into(), every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut prev = 0.0;
            loop {
                let last = tokio::select! {
                    _ = tick.tick() => false,
                    _ = stop.wait_for(|s| *s) => true,
                };
                let t = start.elapsed().as_secs_f64();
                let iv = rec.take();
                let res = probe.sample(Some(&rss)).await;
                let label = match soak_len {
                    Some(len) if t > len + 0.5 => "drain",
                    _ => phase,
                };
                let s = RawSample {
                    phase: label,
                    t_s: t,
                    interval_s: t - prev,
                    in_flight: rec.in_flight(),
                    iv,
                    res,
                };
                prev = t;
                say(&format!(
                    "{label:>8} {t:6.0} s: {:6.0} req/s, {} errors, {} cycles started, {} in flight, RSS {} MiB, fds {}, HTTP {}, DB TCP {}, DB sessions {}",
                    s.iv.requests() as f64 / s.interval_s.max(1e-3),
                    s.iv.errors(),
                    s.iv.cycles_started,
                    s.in_flight,
                    s.res
                        .rss_kb
                        .map_or_else(|| "?".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0)),
                    show(s.res.fds),
                    show(s.res.tcp_http),
                    show(s.res.tcp_db),
                    show(s.res.db_sessions),
                ));
                out.push(s);
                if last {
                    break;
                }
            }
            out
        })
    }

    async fn find_max(
        &self,
        seconds: f64,
        concurrency: usize,
    ) -> Result<(FindMax, Vec<RawSample>), String> {
        say(&format!(
            "find-max: {concurrency} virtual users in a closed loop for {seconds:.0} s"
        ));
        let start = Instant::now();
        self.rec.set_phase("find-max", start);
        let end = start + secs(seconds)?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let sampler = self.sampler("find-max", start, None, stop_rx);
        let done_at: Arc<Mutex<Vec<f64>>> = Arc::default();
        let mut vus = JoinSet::new();
        for _ in 0..concurrency {
            let (api, rec, next) = (
                Arc::clone(&self.api),
                Arc::clone(&self.rec),
                Arc::clone(&self.next),
            );
            let (run_id, cookie_name, done_at) = (
                Arc::clone(&self.run_id),
                Arc::clone(&self.cookie_name),
                Arc::clone(&done_at),
            );
            vus.spawn(async move {
                while Instant::now() < end {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    rec.cycle_started(Duration::ZERO, Duration::MAX);
                    Ctx::one_cycle(&api, &run_id, &cookie_name, &rec, n).await;
                    let now = Instant::now();
                    if now <= end {
                        done_at
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((now - start).as_secs_f64());
                    }
                }
            });
        }
        while let Some(r) = vus.join_next().await {
            r.map_err(|e| format!("a virtual user failed: {e}"))?;
        }
        let _ = stop_tx.send(true);
        let samples = sampler
            .await
            .map_err(|e| format!("the sampler failed: {e}"))?;
        let times = done_at.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // The first quarter is the ramp-up: every user's first cycle is still running.
        let from = seconds / 4.0;
        let counted = times.iter().filter(|&&t| t >= from).count() as u64;
        let rate = counted as f64 / (seconds - from);
        say(&format!(
            "find-max: {rate:.2} cycles/s ({counted} cycles completed after {from:.0} s)"
        ));
        Ok((
            FindMax {
                seconds,
                concurrency,
                cycles_completed: times.len() as u64,
                counted_from_s: from,
                counted,
                cycles_per_s: rate,
            },
            samples,
        ))
    }

    async fn soak(
        &self,
        rate: f64,
        rate_note: String,
        args: &Args,
    ) -> Result<(Soak, Vec<RawSample>), String> {
        say(&format!(
            "soak: {rate:.2} cycles/s for {:.0} s, open loop",
            args.duration
        ));
        let start = Instant::now();
        self.rec.set_phase("soak", start);
        let (stop_tx, stop_rx) = watch::channel(false);
        let sampler = self.sampler("soak", start, Some(args.duration), stop_rx);
        let permits = Arc::new(Semaphore::new(args.max_in_flight));
        let late_threshold = secs(args.late_ms / 1000.0)?;
        let mut lateness_ms: Vec<u32> = Vec::new();
        let mut k: u64 = 0;
        loop {
            // Each start is due at k / rate from the beginning, so a late start does not shift
            // the ones after it: the schedule catches up rather than dropping work.
            let offset = k as f64 / rate;
            if offset >= args.duration {
                break;
            }
            let due = start + secs(offset)?;
            tokio::time::sleep_until(due.into()).await;
            let permit = Arc::clone(&permits)
                .acquire_owned()
                .await
                .map_err(|e| format!("in-flight limit: {e}"))?;
            let late = Instant::now().saturating_duration_since(due);
            self.rec.cycle_started(late, late_threshold);
            lateness_ms.push(u32::try_from(late.as_millis()).unwrap_or(u32::MAX));
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            let (api, rec) = (Arc::clone(&self.api), Arc::clone(&self.rec));
            let (run_id, cookie_name) = (Arc::clone(&self.run_id), Arc::clone(&self.cookie_name));
            tokio::spawn(async move {
                Ctx::one_cycle(&api, &run_id, &cookie_name, &rec, n).await;
                drop(permit);
            });
            k += 1;
        }
        // Wait for the cycles in flight: every permit back means every cycle has ended.
        let drain_start = Instant::now();
        let all = u32::try_from(args.max_in_flight).map_err(|_| "--max-in-flight is too large")?;
        let drained = tokio::time::timeout(secs(args.drain_timeout)?, permits.acquire_many(all))
            .await
            .is_ok();
        let unfinished = if drained { 0 } else { self.rec.in_flight() };
        let drain_s = drain_start.elapsed().as_secs_f64();
        let _ = stop_tx.send(true);
        let samples = sampler
            .await
            .map_err(|e| format!("the sampler failed: {e}"))?;
        lateness_ms.sort_unstable();
        let late_p99_ms = if lateness_ms.is_empty() {
            0.0
        } else {
            let i = ((0.99 * lateness_ms.len() as f64).ceil() as usize).clamp(1, lateness_ms.len());
            f64::from(lateness_ms[i - 1])
        };
        let late_starts = lateness_ms
            .iter()
            .filter(|&&ms| f64::from(ms) > args.late_ms)
            .count() as u64;
        Ok((
            Soak {
                rate,
                rate_note,
                duration_s: args.duration,
                scheduled: k,
                late_threshold_ms: args.late_ms,
                late_starts,
                max_late_ms: lateness_ms.last().map_or(0.0, |&m| f64::from(m)),
                late_p99_ms,
                max_late_pct: args.max_late_pct,
                min_completed_pct: args.min_completed_pct,
                drain_s,
                unfinished,
            },
            samples,
        ))
    }
}

fn show(v: Option<u64>) -> String {
    v.map_or_else(|| "?".to_owned(), |x| x.to_string())
}

fn default_run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}", (nanos as u64) ^ u64::from(std::process::id()))
}

async fn run(args: Args) -> Result<bool, String> {
    if args.find_max.is_none() && args.rate.is_none() {
        return Err("give --find-max SECONDS, --rate R, or both".to_owned());
    }
    if args.concurrency == 0 || args.connections == 0 || args.max_in_flight == 0 {
        return Err("--concurrency, --connections and --max-in-flight must be at least 1".into());
    }
    if let Some(name) = &args.db_name
        && !probe::valid_db_name(name)
    {
        return Err(format!("unexpected database name {name:?}"));
    }
    let base = args.base.trim_end_matches('/').to_owned();
    let http_port = reqwest::Url::parse(&base)
        .map_err(|e| format!("--base {base}: {e}"))?
        .port_or_known_default()
        .ok_or("--base has no port")?;
    let meta: Value = match &args.meta {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => json!({}),
    };

    let rec = Arc::new(Recorder::default());
    let lanes = Lanes::new(args.connections, secs(args.request_timeout)?)?;
    let origin = args.origin.clone().unwrap_or_else(|| base.clone());
    let api = Arc::new(Api::new(lanes, &base, &origin, Arc::clone(&rec)));
    let probe = Arc::new(Probe {
        pid: args.server_pid,
        http_port,
        db_port: args.db_port,
        db: args.db_admin_url.clone().zip(args.db_name.clone()),
    });
    // Fail before any load when the server or its process cannot be read.
    api.probe().await?;
    let first = probe.sample(None).await;
    if let Some(p) = first.problems.first() {
        return Err(format!("cannot sample the server: {p}"));
    }
    let ctx = Ctx {
        api,
        rec: Arc::clone(&rec),
        rss: RssWatch::start(args.server_pid),
        probe,
        run_id: Arc::from(args.run_id.clone().unwrap_or_else(default_run_id)),
        cookie_name: Arc::from(args.cookie_name.as_str()),
        next: Arc::new(AtomicU64::new(0)),
        sample_every: secs(args.sample_seconds)?,
    };

    let mut samples = Vec::new();
    let mut find_max = None;
    if let Some(seconds) = args.find_max {
        let (f, s) = ctx.find_max(seconds, args.concurrency).await?;
        samples.extend(s);
        find_max = Some(f);
    }
    let rate = match (args.rate, &find_max) {
        (Some(r), _) => Some((r, "given".to_owned())),
        (None, Some(f)) => Some((
            f.cycles_per_s * args.rate_fraction,
            format!(
                "{:.0} % of the measured {:.2}",
                args.rate_fraction * 100.0,
                f.cycles_per_s
            ),
        )),
        (None, None) => None,
    };
    let mut soak = None;
    if let Some((r, note)) = rate
        && args.duration > 0.0
    {
        if !(r > 0.0 && r.is_finite()) {
            return Err(format!("the soak's rate is {r}: nothing to run"));
        }
        if find_max.is_some() {
            tokio::time::sleep(secs(args.pause)?).await;
        }
        let (s, smp) = ctx.soak(r, note, &args).await?;
        samples.extend(smp);
        soak = Some(s);
    }

    let settings = json!({
        "base": base, "connections": args.connections, "concurrency": args.concurrency,
        "rate_fraction": args.rate_fraction, "sample_seconds": args.sample_seconds,
        "late_ms": args.late_ms, "max_late_pct": args.max_late_pct,
        "min_completed_pct": args.min_completed_pct,
        "request_timeout_s": args.request_timeout, "run_id": &*ctx.run_id,
    });
    let report = Report {
        settings,
        meta,
        find_max,
        soak,
        samples,
        first_errors: rec.first_errors(),
        rules: Rules {
            window_s: args.flat_window,
            rss_growth_pct: args.rss_growth_pct,
            rss_range_pct: args.rss_range_pct,
            count_tolerance_pct: args.count_tolerance_pct,
            count_tolerance_min: args.count_tolerance_min,
        },
        has_db: args.db_admin_url.is_some(),
    };
    let verdict = report.verdict();
    let json = report.to_json(&verdict);
    let text = serde_json::to_string_pretty(&json).map_err(|e| format!("JSON: {e}"))?;
    std::fs::write(&args.out, text + "\n").map_err(|e| format!("{}: {e}", args.out.display()))?;
    let md = report.markdown(&verdict);
    for p in &args.markdown {
        std::fs::write(p, &md).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    say(&format!(
        "verdict: {}",
        if verdict.pass { "PASS" } else { "FAIL" }
    ));
    for (ok, line) in &verdict.lines {
        say(&format!("  {} {line}", if *ok { "ok  " } else { "FAIL" }));
    }
    Ok(verdict.pass)
}
