//! A local copy of the Redis entries the session check reads, kept true by Redis itself.
//!
//! This is Redis's client-side caching. Reads go over their own RESP3 connection with
//! `CLIENT TRACKING ON`, so Redis remembers which keys this instance has read and pushes an
//! invalidation on that same connection when any instance changes, deletes or expires one of
//! them. A copy is dropped when its invalidation arrives, when this instance writes the key
//! itself, when its own time to live (the key's, read with it) runs out, and all copies are
//! dropped when the connection is lost, because invalidations sent meanwhile would be missed.
//!
//! Why a copy may be trusted: Redis answers one connection in order, so a reply on the tracking
//! connection comes after every invalidation for a write Redis processed before it. Copies are
//! therefore used only while that connection has answered within [`TRUST_FOR`]; past that the
//! next read goes to Redis, which both refreshes the copies and proves the connection is alive.
//! A connection that dies without a word can so leave a copy in use for at most that long.
//!
//! A read that was in flight when its key was invalidated must not store what it read: each
//! read marks its keys with a token first, and stores a value only if the mark survived.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long copies are used after the tracking connection last answered.
pub(crate) const TRUST_FOR: Duration = Duration::from_millis(250);
/// The longest a copy lives, whatever the key's own time to live: a bound on the damage of an
/// invalidation lost to a bug, not something correctness leans on.
const HOLD_AT_MOST: Duration = Duration::from_secs(60);
/// Copies held at most; past it, expired copies go first, then an arbitrary eighth.
pub(crate) const HOLD_AT_MOST_ENTRIES: usize = 10_000;

enum Entry {
    /// A read is under way; only the read holding this token may store the value.
    Reading(u64),
    Held {
        value: String,
        until: Instant,
    },
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<String, Entry>,
    next_token: u64,
}

/// The copies, keyed by the full Redis key.
pub(crate) struct Mirror {
    entries: Mutex<Entries>,
    /// When the tracking connection last answered, in ms since `epoch`; i64::MIN when never.
    last_answer_ms: AtomicI64,
    epoch: Instant,
    capacity: usize,
    /// Lookups answered from copies.
    hits: AtomicU64,
}

impl Mirror {
    pub(crate) fn new(capacity: usize) -> Self {
        Mirror {
            entries: Mutex::new(Entries::default()),
            last_answer_ms: AtomicI64::new(i64::MIN),
            epoch: Instant::now(),
            capacity,
            hits: AtomicU64::new(0),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves at worst a missing copy: keep going.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn ms_since_epoch(&self, at: Instant) -> i64 {
        i64::try_from(at.saturating_duration_since(self.epoch).as_millis()).unwrap_or(i64::MAX)
    }

    /// Records that the tracking connection answered: every invalidation sent before has arrived.
    pub(crate) fn heard_at(&self, at: Instant) {
        self.last_answer_ms
            .fetch_max(self.ms_since_epoch(at), Ordering::Relaxed);
    }

    fn trusted(&self, now: Instant) -> bool {
        let last = self.last_answer_ms.load(Ordering::Relaxed);
        last != i64::MIN
            && self.ms_since_epoch(now).saturating_sub(last)
                <= i64::try_from(TRUST_FOR.as_millis()).unwrap_or(i64::MAX)
    }

    /// Every value, when this instance holds a live copy of each key; else `None`.
    pub(crate) fn lookup(&self, keys: &[String]) -> Option<Vec<Option<String>>> {
        let now = Instant::now();
        if !self.trusted(now) {
            return None;
        }
        let entries = self.entries();
        let values = keys
            .iter()
            .map(|k| match entries.by_key.get(k) {
                Some(Entry::Held { value, until }) if *until > now => Some(Some(value.clone())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(values)
    }

    #[cfg(test)]
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Marks `keys` as being read and returns the token [`Mirror::store`] needs.
    pub(crate) fn begin_read(&self, keys: &[String]) -> u64 {
        let mut entries = self.entries();
        entries.next_token += 1;
        let token = entries.next_token;
        for k in keys {
            entries.by_key.insert(k.clone(), Entry::Reading(token));
        }
        token
    }

    /// Stores what the read with `token` found, for each key whose mark survived. `ttls_ms`
    /// are the keys' remaining lives as `PTTL` gives them (-1: none, -2: no key).
    pub(crate) fn store(
        &self,
        token: u64,
        keys: &[String],
        values: &[Option<String>],
        ttls_ms: &[i64],
        read_at: Instant,
    ) {
        let mut entries = self.entries();
        for ((key, value), ttl) in keys.iter().zip(values).zip(ttls_ms) {
            let ours = matches!(entries.by_key.get(key), Some(Entry::Reading(t)) if *t == token);
            if !ours {
                continue;
            }
            let life = match *ttl {
                -1 => Some(HOLD_AT_MOST),
                t if t > 0 => Some(Duration::from_millis(t.unsigned_abs()).min(HOLD_AT_MOST)),
                _ => None,
            };
            match (value, life) {
                (Some(value), Some(life)) => {
                    entries.by_key.insert(
                        key.clone(),
                        Entry::Held {
                            value: value.clone(),
                            until: read_at + life,
                        },
                    );
                }
                _ => {
                    entries.by_key.remove(key);
                }
            }
        }
        if entries.by_key.len() > self.capacity {
            make_room(&mut entries.by_key, self.capacity);
        }
    }

    /// Drops the copy of `key` and cancels any read of it under way.
    pub(crate) fn forget(&self, key: &str) {
        self.entries().by_key.remove(key);
    }

    /// Drops every copy and cancels every read under way; copies are not trusted again until
    /// the tracking connection answers anew.
    pub(crate) fn forget_all(&self) {
        self.last_answer_ms.store(i64::MIN, Ordering::Relaxed);
        self.entries().by_key.clear();
    }

    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.entries()
            .by_key
            .values()
            .filter(|e| matches!(e, Entry::Held { .. }))
            .count()
    }
}

fn make_room(by_key: &mut HashMap<String, Entry>, capacity: usize) {
    let now = Instant::now();
    by_key.retain(|_, e| !matches!(e, Entry::Held { until, .. } if *until <= now));
    if by_key.len() > capacity {
        let mut drop = by_key.len() - capacity + capacity / 8;
        by_key.retain(|_, _| {
            if drop == 0 {
                return true;
            }
            drop -= 1;
            false
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn read(m: &Mirror, names: &[&str], values: &[Option<&str>], ttls: &[i64]) {
        let ks = keys(names);
        let token = m.begin_read(&ks);
        let values: Vec<Option<String>> = values.iter().map(|v| v.map(str::to_owned)).collect();
        m.store(token, &ks, &values, ttls, Instant::now());
        m.heard_at(Instant::now());
    }

    #[test]
    fn a_read_stores_its_values_and_the_next_lookup_answers_from_them() {
        let m = Mirror::new(100);
        assert_eq!(m.lookup(&keys(&["s", "u"])), None);
        read(
            &m,
            &["s", "u"],
            &[Some("session"), Some("user")],
            &[-1, 5_000],
        );
        assert_eq!(
            m.lookup(&keys(&["s", "u"])),
            Some(vec![Some("session".into()), Some("user".into())])
        );
        // One key not held: the whole lookup goes to Redis.
        assert_eq!(m.lookup(&keys(&["s", "other"])), None);
    }

    #[test]
    fn missing_and_expiring_keys_are_not_held() {
        let m = Mirror::new(100);
        read(&m, &["gone", "dying"], &[None, Some("v")], &[-2, 0]);
        assert_eq!(m.held(), 0);
    }

    #[test]
    fn a_copy_lives_no_longer_than_its_key() {
        let m = Mirror::new(100);
        read(&m, &["k"], &[Some("v")], &[30]);
        assert!(m.lookup(&keys(&["k"])).is_some());
        std::thread::sleep(Duration::from_millis(60));
        m.heard_at(Instant::now());
        assert_eq!(m.lookup(&keys(&["k"])), None);
    }

    #[test]
    fn an_invalidation_during_a_read_keeps_the_read_from_storing() {
        let m = Mirror::new(100);
        let ks = keys(&["k"]);
        let token = m.begin_read(&ks);
        m.forget("k");
        m.store(token, &ks, &[Some("stale".into())], &[-1], Instant::now());
        m.heard_at(Instant::now());
        assert_eq!(m.lookup(&ks), None);
        assert_eq!(m.held(), 0);
    }

    #[test]
    fn a_newer_read_wins_over_an_older_one() {
        let m = Mirror::new(100);
        let ks = keys(&["k"]);
        let older = m.begin_read(&ks);
        let newer = m.begin_read(&ks);
        m.store(older, &ks, &[Some("old".into())], &[-1], Instant::now());
        m.store(newer, &ks, &[Some("new".into())], &[-1], Instant::now());
        m.heard_at(Instant::now());
        assert_eq!(m.lookup(&ks), Some(vec![Some("new".into())]));
    }

    #[test]
    fn copies_are_trusted_only_while_the_connection_answers() {
        let m = Mirror::new(100);
        read(&m, &["k"], &[Some("v")], &[-1]);
        assert!(m.lookup(&keys(&["k"])).is_some());
        std::thread::sleep(TRUST_FOR + Duration::from_millis(30));
        assert_eq!(m.lookup(&keys(&["k"])), None, "silent connection");
        m.heard_at(Instant::now());
        assert!(m.lookup(&keys(&["k"])).is_some());
        m.forget_all();
        assert_eq!(m.held(), 0);
        read(&m, &["k"], &[Some("v")], &[-1]);
        assert!(m.lookup(&keys(&["k"])).is_some());
    }

    #[test]
    fn the_mirror_stays_within_its_capacity() {
        let m = Mirror::new(16);
        for i in 0..100 {
            let name = format!("k{i}");
            read(&m, &[name.as_str()], &[Some("v")], &[-1]);
            assert!(m.held() <= 16, "{} held", m.held());
        }
        assert!(m.held() >= 16 - 16 / 8 - 1);
    }
}
