//! Secondary storage: short-lived values and counters shared by the instances that use the
//! same backend. In memory by default; Redis plugs in behind the same trait.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::adapter::{Result, StorageError};

#[async_trait]
pub trait SecondaryStorage: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<String>>;
    /// The values at `keys`, in order. Backends across a network read them in one round trip.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get(k).await?);
        }
        Ok(out)
    }
    /// The value at `key` and, when that value is a JSON object whose `field` is a string, the
    /// value at `then_prefix` + that string: an entry and the entry it points at (a cached
    /// session and its user). Backends across a network answer both in one round trip.
    async fn get_linked(
        &self,
        key: &str,
        field: &str,
        then_prefix: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        let Some(first) = self.get(key).await? else {
            return Ok((None, None));
        };
        let second = match string_field(&first, field) {
            Some(id) => self.get(&format!("{then_prefix}{id}")).await?,
            None => None,
        };
        Ok((Some(first), second))
    }
    /// Stores `value`; with `ttl`, the value disappears after it.
    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()>;
    async fn delete(&self, key: &str) -> Result<()>;
    /// Stores `value` only if `key` is absent (a lease); true when it was stored.
    async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> Result<bool>;
    /// Atomically adds one and returns the new count; the first increment starts the `ttl`.
    async fn incr(&self, key: &str, ttl: Duration) -> Result<i64>;
    /// Adds `member` to the set at `key`; the set lives at least `ttl` from now.
    async fn set_add(&self, key: &str, member: &str, ttl: Duration) -> Result<()>;
    async fn set_remove(&self, key: &str, member: &str) -> Result<()>;
    async fn set_members(&self, key: &str) -> Result<Vec<String>>;
    /// Puts `value` at the head of the list at `key`, keeps only its `keep` newest values
    /// (at least one), and makes the list live `ttl` from now: a log of the last few events.
    async fn list_push(&self, key: &str, value: &str, keep: usize, ttl: Duration) -> Result<()>;
    /// The values of the list at `key`, newest first; none when there is no list.
    async fn list_values(&self, key: &str) -> Result<Vec<String>>;
    async fn ping(&self) -> Result<()>;
    fn backend_name(&self) -> &'static str;
}

/// The string at `field` of a JSON object, reading past every other value without building it.
pub fn string_field(json: &str, field: &str) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Find<'f>(&'f str);
    impl<'de> Visitor<'de> for Find<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == self.0 {
                    found = map.next_value::<Option<String>>().ok().flatten();
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    impl<'de> DeserializeSeed<'de> for Find<'_> {
        type Value = Option<String>;
        fn deserialize<D: Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    let mut de = serde_json::Deserializer::from_str(json);
    Find(field).deserialize(&mut de).ok().flatten()
}

struct Entry {
    value: String,
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|e| e > now)
    }
}

/// The in-process backend. Expired entries are dropped lazily and by a sweep every 1024 writes.
#[derive(Default)]
pub struct MemoryStorage {
    map: Mutex<(HashMap<String, Entry>, u32)>,
}

impl MemoryStorage {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>, Instant) -> T) -> Result<T> {
        let mut guard = self
            .map
            .lock()
            .map_err(|_| StorageError::Unavailable("memory storage lock poisoned".into()))?;
        let now = Instant::now();
        let (map, writes) = &mut *guard;
        *writes = writes.wrapping_add(1);
        if *writes % 1024 == 0 {
            map.retain(|_, e| e.live(now));
        }
        Ok(f(map, now))
    }
}

#[async_trait]
impl SecondaryStorage for MemoryStorage {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        self.with(|m, now| m.get(key).filter(|e| e.live(now)).map(|e| e.value.clone()))
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        self.with(|m, now| {
            m.insert(
                key.to_owned(),
                Entry {
                    value: value.to_owned(),
                    expires: ttl.map(|t| now + t),
                },
            );
        })
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.with(|m, _| {
            m.remove(key);
        })
    }

    async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> Result<bool> {
        self.with(|m, now| {
            if m.get(key).is_some_and(|e| e.live(now)) {
                return false;
            }
            m.insert(
                key.to_owned(),
                Entry {
                    value: value.to_owned(),
                    expires: Some(now + ttl),
                },
            );
            true
        })
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<i64> {
        self.with(|m, now| {
            let entry = m
                .entry(key.to_owned())
                .and_modify(|e| {
                    if !e.live(now) {
                        e.value = "0".into();
                        e.expires = Some(now + ttl);
                    }
                })
                .or_insert_with(|| Entry {
                    value: "0".into(),
                    expires: Some(now + ttl),
                });
            let n = entry.value.parse::<i64>().unwrap_or(0) + 1;
            entry.value = n.to_string();
            n
        })
    }

    // Sets are kept as newline-separated members; members never contain a newline.
    async fn set_add(&self, key: &str, member: &str, ttl: Duration) -> Result<()> {
        self.with(|m, now| {
            let e = m.entry(key.to_owned()).or_insert_with(|| Entry {
                value: String::new(),
                expires: Some(now + ttl),
            });
            if !e.live(now) {
                e.value.clear();
            }
            if !e.value.lines().any(|l| l == member) {
                if !e.value.is_empty() {
                    e.value.push('\n');
                }
                e.value.push_str(member);
            }
            e.expires = Some(e.expires.map_or(now + ttl, |x| x.max(now + ttl)));
        })
    }

    async fn set_remove(&self, key: &str, member: &str) -> Result<()> {
        self.with(|m, _| {
            if let Some(e) = m.get_mut(key) {
                e.value = e
                    .value
                    .lines()
                    .filter(|l| *l != member)
                    .collect::<Vec<_>>()
                    .join("\n");
            }
        })
    }

    async fn set_members(&self, key: &str) -> Result<Vec<String>> {
        self.with(|m, now| {
            m.get(key)
                .filter(|e| e.live(now))
                .map(|e| {
                    e.value
                        .lines()
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    // Lists are kept as a JSON array of strings, newest first (their values may hold newlines).
    async fn list_push(&self, key: &str, value: &str, keep: usize, ttl: Duration) -> Result<()> {
        self.with(|m, now| {
            let mut values: Vec<String> = m
                .get(key)
                .filter(|e| e.live(now))
                .and_then(|e| serde_json::from_str(&e.value).ok())
                .unwrap_or_default();
            values.insert(0, value.to_owned());
            values.truncate(keep.max(1));
            m.insert(
                key.to_owned(),
                Entry {
                    value: serde_json::Value::from(values).to_string(),
                    expires: Some(now + ttl),
                },
            );
        })
    }

    async fn list_values(&self, key: &str) -> Result<Vec<String>> {
        self.with(|m, now| {
            m.get(key)
                .filter(|e| e.live(now))
                .and_then(|e| serde_json::from_str(&e.value).ok())
                .unwrap_or_default()
        })
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}

// The behaviour every backend shares (expiry, leases, counters, sets, lists, get_many, get_linked) is
// one contract run against MemoryStorage and RedisStorage: tests/secondary_contract.rs.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_field_reads_a_top_level_string() {
        assert_eq!(
            string_field(r#"{"a":{"userId":"inner"},"userId":"outer"}"#, "userId").as_deref(),
            Some("outer")
        );
        assert_eq!(string_field(r#"{"userId":null}"#, "userId"), None);
        assert_eq!(string_field("[]", "userId"), None);
    }
}
