//! The clock seam. Everything that stamps or compares a time reads `AuthContext::now`, so a test
//! can move time forward (an expired session, code, invitation or token) instead of sleeping.
//!
//! Secondary-storage TTLs (rate-limit windows, lockouts, leases) are kept by the storage itself
//! (Redis, or the in-memory map's `Instant`s) and do not follow this clock.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Where the engine reads the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock: the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system's clock moved by an offset a test sets. Time keeps flowing (so the order of
/// writes and refresh windows behave as in production); `advance` jumps it forward.
#[derive(Debug, Default)]
pub struct MovableClock {
    offset_ms: AtomicI64,
}

impl MovableClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// How far this clock is ahead of the system's.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

impl Clock for MovableClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_movable_clock_moves_and_keeps_flowing() {
        let clock = MovableClock::new();
        let before = Utc::now();
        clock.advance(Duration::days(8));
        let moved = clock.now();
        assert!(moved >= before + Duration::days(8));
        assert!(moved < Utc::now() + Duration::days(8) + Duration::seconds(1));
        clock.advance(Duration::days(-8));
        assert!(clock.now() - Utc::now() < Duration::seconds(1));
    }
}
