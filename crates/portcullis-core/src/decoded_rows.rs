//! Rows already decoded from cached text, so that a cached session check does not parse the
//! same JSON again on every request.
//!
//! A session check that hits the session cache (in memory or in Redis) or the signed cookie
//! cache reads the session and its user as JSON text and used to parse both into rows each
//! time: most of the check's work. This keeps the rows decoded from recent texts, keyed by the
//! session's token. An entry only answers when every text it was decoded from is byte for byte
//! the text just read, so the cache's own entry (or the verified cookie) stays the truth: a
//! revoked session or an updated user has a new text, or none, and is decoded afresh.
//!
//! Bounded by two generations: when the current one is full it becomes the previous one and
//! the oldest is dropped, so recently used sessions stay and memory stays within about
//! `2 × capacity` entries.

use std::sync::{Arc, Mutex};

use portcullis_storage::Row;
use rustc_hash::FxHashMap;

/// Sessions kept per generation. An entry holds its texts and rows, a few KiB.
const CAPACITY: usize = 1024;

struct Decoded {
    texts: Box<[Box<str>]>,
    session: Arc<Row>,
    user: Arc<Row>,
}

impl Decoded {
    fn decoded_from(&self, texts: &[&str]) -> bool {
        self.texts.len() == texts.len() && self.texts.iter().zip(texts).all(|(a, b)| **a == **b)
    }
}

#[derive(Default)]
struct Generations {
    current: FxHashMap<Box<str>, Decoded>,
    previous: FxHashMap<Box<str>, Decoded>,
}

/// Decoded session and user rows by session token, valid for the texts they came from.
pub struct DecodedRows {
    generations: Mutex<Generations>,
    capacity: usize,
}

impl Default for DecodedRows {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl DecodedRows {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            generations: Mutex::new(Generations::default()),
            capacity: capacity.max(1),
        }
    }

    /// The rows decoded earlier from exactly `texts` for the session `key`, if kept.
    pub fn get(&self, key: &str, texts: &[&str]) -> Option<(Arc<Row>, Arc<Row>)> {
        let mut g = self.generations.lock().ok()?;
        if let Some(d) = g.current.get(key) {
            return d
                .decoded_from(texts)
                .then(|| (d.session.clone(), d.user.clone()));
        }
        // Used again: back into the current generation.
        let d = g.previous.remove(key)?;
        if !d.decoded_from(texts) {
            return None;
        }
        let rows = (d.session.clone(), d.user.clone());
        self.insert(&mut g, key, d);
        Some(rows)
    }

    /// The user id of the session `key`, if its rows are kept: a session's user never changes,
    /// so its user's entry can be read by name alongside the session's.
    pub fn user_id(&self, key: &str) -> Option<String> {
        let g = self.generations.lock().ok()?;
        let d = g.current.get(key).or_else(|| g.previous.get(key))?;
        d.session
            .get("userId")
            .and_then(portcullis_storage::Value::as_str)
            .map(str::to_owned)
    }

    /// Keeps the rows decoded from `texts` for the session `key`.
    pub fn put(&self, key: &str, texts: &[&str], session: Arc<Row>, user: Arc<Row>) {
        let Ok(mut g) = self.generations.lock() else {
            return;
        };
        let d = Decoded {
            texts: texts.iter().map(|t| Box::<str>::from(*t)).collect(),
            session,
            user,
        };
        g.previous.remove(key);
        self.insert(&mut g, key, d);
    }

    fn insert(&self, g: &mut Generations, key: &str, d: Decoded) {
        if g.current.len() >= self.capacity && !g.current.contains_key(key) {
            g.previous = std::mem::take(&mut g.current);
        }
        g.current.insert(key.into(), d);
    }

    /// Entries kept, in both generations (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.generations
            .lock()
            .map(|g| g.current.len() + g.previous.len())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_storage::Value;

    fn row(id: &str) -> Arc<Row> {
        let mut r = Row::default();
        r.insert("id".into(), Value::String(id.into()));
        Arc::new(r)
    }

    #[test]
    fn answers_only_for_the_exact_texts() {
        let memo = DecodedRows::default();
        memo.put("t1", &["{s}", "{u}"], row("s1"), row("u1"));
        assert_eq!(memo.user_id("t1"), None, "no userId in these rows");
        let (s, u) = memo.get("t1", &["{s}", "{u}"]).expect("kept");
        assert_eq!(s.get("id"), Some(&Value::String("s1".into())));
        assert_eq!(u.get("id"), Some(&Value::String("u1".into())));
        // The user's entry changed (an update): decode again.
        assert!(memo.get("t1", &["{s}", "{u2}"]).is_none());
        assert!(memo.get("t1", &["{s}"]).is_none());
        assert!(memo.get("t2", &["{s}", "{u}"]).is_none());
    }

    #[test]
    fn names_the_user_of_a_kept_session() {
        let memo = DecodedRows::default();
        let mut session = Row::default();
        session.insert("userId".into(), Value::String("u9".into()));
        memo.put("session:t9", &["{s}", "{u}"], Arc::new(session), row("u9"));
        assert_eq!(memo.user_id("session:t9").as_deref(), Some("u9"));
        assert_eq!(memo.user_id("session:other"), None);
    }

    #[test]
    fn stays_within_two_generations_and_keeps_what_is_used() {
        let memo = DecodedRows::with_capacity(4);
        for i in 0..4 {
            memo.put(&format!("t{i}"), &["x"], row("s"), row("u"));
        }
        // t0 is used again while t1..t3 are not, then four more arrive.
        for i in 4..8 {
            assert!(memo.get("t0", &["x"]).is_some());
            memo.put(&format!("t{i}"), &["x"], row("s"), row("u"));
        }
        assert!(memo.len() <= 8);
        assert!(memo.get("t0", &["x"]).is_some(), "a used entry survives");
        for i in 9..20 {
            memo.put(&format!("t{i}"), &["x"], row("s"), row("u"));
        }
        assert!(memo.len() <= 8);
        assert!(memo.get("t1", &["x"]).is_none(), "an unused entry goes");
    }
}
