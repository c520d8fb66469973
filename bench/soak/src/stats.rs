//! What the virtual users report: requests, errors and latencies per step, cycles, late starts.
//! The sampler takes the counts every few seconds, so each sample covers one interval.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One kind of request in a cycle. Each is counted and timed on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    SignUp,
    GetSession,
    UpdateUser,
    SignOut,
    SignIn,
    ListSessions,
    RevokeSession,
    RevokeOtherSessions,
    /// get-session with a signed-out or revoked session: it must answer `null`.
    RevokedCheck,
}

pub const STEP_COUNT: usize = 9;

pub const STEPS: [Step; STEP_COUNT] = [
    Step::SignUp,
    Step::GetSession,
    Step::UpdateUser,
    Step::SignOut,
    Step::SignIn,
    Step::ListSessions,
    Step::RevokeSession,
    Step::RevokeOtherSessions,
    Step::RevokedCheck,
];

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::SignUp => "sign-up",
            Step::GetSession => "get-session",
            Step::UpdateUser => "update-user",
            Step::SignOut => "sign-out",
            Step::SignIn => "sign-in",
            Step::ListSessions => "list-sessions",
            Step::RevokeSession => "revoke-session",
            Step::RevokeOtherSessions => "revoke-other-sessions",
            Step::RevokedCheck => "get-session-revoked",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Default, Clone)]
pub struct StepCounts {
    pub requests: u64,
    pub errors: u64,
    /// Microseconds of every answered request (transport failures have no latency).
    pub lat_us: Vec<u32>,
}

/// Everything counted between two samples.
#[derive(Default, Clone)]
pub struct Interval {
    pub steps: [StepCounts; STEP_COUNT],
    pub cycles_started: u64,
    pub cycles_completed: u64,
    pub cycles_failed: u64,
    /// Cycles that started more than the late threshold after their scheduled time.
    pub late_starts: u64,
    pub max_late_ms: f64,
    /// The longest wait for a free client connection: shows when the client, not the server,
    /// was the bottleneck.
    pub max_lane_wait_ms: f64,
}

impl Interval {
    pub fn requests(&self) -> u64 {
        self.steps.iter().map(|s| s.requests).sum()
    }

    pub fn errors(&self) -> u64 {
        self.steps.iter().map(|s| s.errors).sum()
    }

    pub fn step(&self, step: Step) -> &StepCounts {
        &self.steps[step.index()]
    }

    pub fn merge(&mut self, other: &Interval) {
        for (a, b) in self.steps.iter_mut().zip(other.steps.iter()) {
            a.requests += b.requests;
            a.errors += b.errors;
            a.lat_us.extend_from_slice(&b.lat_us);
        }
        self.cycles_started += other.cycles_started;
        self.cycles_completed += other.cycles_completed;
        self.cycles_failed += other.cycles_failed;
        self.late_starts += other.late_starts;
        self.max_late_ms = self.max_late_ms.max(other.max_late_ms);
        self.max_lane_wait_ms = self.max_lane_wait_ms.max(other.max_lane_wait_ms);
    }
}

/// One unexpected answer, kept for the report (the first few of each step).
#[derive(Clone)]
pub struct ErrorRecord {
    pub phase: &'static str,
    pub t_s: f64,
    pub step: Step,
    pub status: Option<u16>,
    pub detail: String,
    pub body: String,
}

pub const KEEP_ERRORS_PER_STEP: usize = 3;

pub struct Recorder {
    interval: Mutex<Interval>,
    errors: Mutex<Vec<ErrorRecord>>,
    phase: Mutex<(&'static str, Instant)>,
    pub in_flight: AtomicU64,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            interval: Mutex::new(Interval::default()),
            errors: Mutex::new(Vec::new()),
            phase: Mutex::new(("start", Instant::now())),
            in_flight: AtomicU64::new(0),
        }
    }
}

// A poisoned lock only means another task panicked mid-update; the counts are still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

impl Recorder {
    pub fn set_phase(&self, phase: &'static str, start: Instant) {
        *lock(&self.phase) = (phase, start);
    }

    pub fn ok(&self, step: Step, latency: Duration, lane_wait: Duration) {
        let mut iv = lock(&self.interval);
        let s = &mut iv.steps[step.index()];
        s.requests += 1;
        s.lat_us.push(micros(latency));
        iv.max_lane_wait_ms = iv.max_lane_wait_ms.max(lane_wait.as_secs_f64() * 1000.0);
    }

    /// An unexpected answer (with its latency) or a transport failure (without).
    pub fn fail(
        &self,
        step: Step,
        latency: Option<Duration>,
        status: Option<u16>,
        detail: String,
        body: String,
    ) {
        {
            let mut iv = lock(&self.interval);
            let s = &mut iv.steps[step.index()];
            s.requests += 1;
            s.errors += 1;
            if let Some(l) = latency {
                s.lat_us.push(micros(l));
            }
        }
        let (phase, start) = *lock(&self.phase);
        let mut kept = lock(&self.errors);
        if kept.iter().filter(|e| e.step == step).count() < KEEP_ERRORS_PER_STEP {
            kept.push(ErrorRecord {
                phase,
                t_s: start.elapsed().as_secs_f64(),
                step,
                status,
                detail,
                body,
            });
        }
    }

    pub fn cycle_started(&self, lateness: Duration, late_threshold: Duration) {
        let mut iv = lock(&self.interval);
        iv.cycles_started += 1;
        if lateness > late_threshold {
            iv.late_starts += 1;
        }
        iv.max_late_ms = iv.max_late_ms.max(lateness.as_secs_f64() * 1000.0);
    }

    pub fn cycle_done(&self, ok: bool) {
        let mut iv = lock(&self.interval);
        iv.cycles_completed += 1;
        if !ok {
            iv.cycles_failed += 1;
        }
    }

    /// The counts since the last call.
    pub fn take(&self) -> Interval {
        std::mem::take(&mut *lock(&self.interval))
    }

    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub fn first_errors(&self) -> Vec<ErrorRecord> {
        lock(&self.errors).clone()
    }
}

/// Nearest-rank percentile in milliseconds of unsorted microsecond latencies.
pub fn percentile_ms(lat_us: &[u32], p: f64) -> Option<f64> {
    if lat_us.is_empty() {
        return None;
    }
    let mut v = lat_us.to_vec();
    v.sort_unstable();
    Some(rank(&v, p))
}

/// p50, p99 and max in milliseconds, sorting once.
pub fn summary_ms(lat_us: &[u32]) -> Option<(f64, f64, f64)> {
    if lat_us.is_empty() {
        return None;
    }
    let mut v = lat_us.to_vec();
    v.sort_unstable();
    let max = v.last().map_or(0.0, |&m| f64::from(m) / 1000.0);
    Some((rank(&v, 0.50), rank(&v, 0.99), max))
}

fn rank(sorted: &[u32], p: f64) -> f64 {
    let n = sorted.len();
    // ceil(p·n) is at most n for p ≤ 1, so the cast cannot truncate a meaningful value
    let r = ((p * n as f64).ceil() as usize).clamp(1, n);
    f64::from(sorted[r - 1]) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile_ms(&v, 0.5), Some(50.0));
        assert_eq!(percentile_ms(&v, 0.99), Some(99.0));
        assert_eq!(summary_ms(&v), Some((50.0, 99.0, 100.0)));
        assert_eq!(percentile_ms(&[], 0.5), None);
        assert_eq!(percentile_ms(&[7000], 0.99), Some(7.0));
    }
}
