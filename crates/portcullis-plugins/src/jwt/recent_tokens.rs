//! Tokens signed in the last few seconds, handed out again instead of signing anew.
//!
//! A token carries the user, not the session (Better Auth's payload has no session id), so two
//! requests for the same user's claims within the window would get tokens that differ only in
//! `iat` and `exp`. Answering the second with the first costs a map lookup instead of a
//! signature, which is most of a `/token` request and of a get-session that sends
//! `set-auth-jwt` (clients call it constantly). The reused token's `exp` is unchanged, so it
//! lives at most `JWT_REUSE_WINDOW` seconds less than a fresh one, and key rotation's grace
//! period, which counts from `exp`, still covers it.
//!
//! Keyed by a SHA-256 of the signing key's id and the exact claims: a changed name, role or key
//! misses and signs anew. Bounded: past `CAPACITY` entries the stale ones go, then all.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Entries kept at most; the map is cleared of stale tokens, then emptied, when it grows past.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct RecentTokens {
    entries: Mutex<HashMap<[u8; 32], Recent>>,
}

struct Recent {
    /// Seconds since the epoch, as the token's `iat`.
    signed_at: i64,
    token: String,
}

/// What a token is signed over, apart from its times.
pub fn key_of(kid: &str, claims_without_times: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(kid.as_bytes());
    hash.update([0]);
    hash.update(claims_without_times);
    hash.finalize().into()
}

impl RecentTokens {
    /// The token signed for `key` no more than `window` seconds before `now`, if any.
    pub fn get(&self, key: &[u8; 32], now: i64, window: i64) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|r| (0..=window).contains(&(now - r.signed_at)))
            .map(|r| r.token.clone())
    }

    pub fn put(&self, key: [u8; 32], signed_at: i64, token: String, window: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, r| (0..=window).contains(&(signed_at - r.signed_at)));
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, Recent { signed_at, token });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_reused_within_its_window_only() {
        let recent = RecentTokens::default();
        let key = key_of("kid-1", br#"{"id":"u1"}"#);
        recent.put(key, 1_000, "t1".into(), 30);
        assert_eq!(recent.get(&key, 1_000, 30).as_deref(), Some("t1"));
        assert_eq!(recent.get(&key, 1_030, 30).as_deref(), Some("t1"));
        assert_eq!(recent.get(&key, 1_031, 30), None);
        // A clock moved back never hands out a token "from the future".
        assert_eq!(recent.get(&key, 999, 30), None);
        assert_eq!(recent.get(&key, 1_000, 0).as_deref(), Some("t1"));
    }

    #[test]
    fn another_key_or_other_claims_miss() {
        let recent = RecentTokens::default();
        recent.put(key_of("kid-1", b"{}"), 1_000, "t1".into(), 30);
        assert_eq!(recent.get(&key_of("kid-2", b"{}"), 1_000, 30), None);
        assert_eq!(recent.get(&key_of("kid-1", b"{ }"), 1_000, 30), None);
        // The separator keeps "ab"+"c" apart from "a"+"bc".
        assert_ne!(key_of("ab", b"c"), key_of("a", b"bc"));
    }

    #[test]
    fn the_map_stays_bounded() {
        let recent = RecentTokens::default();
        for i in 0..CAPACITY as i64 {
            recent.put(key_of("k", &i.to_le_bytes()), 0, "old".into(), 30);
        }
        recent.put(key_of("k", b"new"), 100, "new".into(), 30);
        let len = recent.entries.lock().unwrap().len();
        assert_eq!(len, 1, "stale entries are dropped when the map is full");
    }
}
