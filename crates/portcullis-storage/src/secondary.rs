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

/// What every backend's `get_linked` must answer, for the backend tests.
#[cfg(test)]
pub(crate) async fn check_get_linked(s: &dyn SecondaryStorage) {
    s.set(
        "session:t1",
        r#"{"id":"s1","userId":"u1","n":[1,{"x":2}]}"#,
        None,
    )
    .await
    .expect("set");
    s.set("user:u1", r#"{"id":"u1"}"#, None).await.expect("set");
    s.set("session:t2", r#"{"id":"s2","userId":"gone"}"#, None)
        .await
        .expect("set");
    s.set("session:t3", r#"{"id":"s3","userId":7}"#, None)
        .await
        .expect("set");
    s.set("session:t4", "not json", None).await.expect("set");
    let get = |k: &'static str| s.get_linked(k, "userId", "user:");
    assert_eq!(
        get("session:t1").await.expect("both"),
        (
            Some(r#"{"id":"s1","userId":"u1","n":[1,{"x":2}]}"#.to_owned()),
            Some(r#"{"id":"u1"}"#.to_owned())
        )
    );
    assert_eq!(get("session:t2").await.expect("dangling").1, None);
    assert!(get("session:t2").await.expect("dangling").0.is_some());
    assert_eq!(get("session:t3").await.expect("not a string").1, None);
    assert_eq!(get("session:t4").await.expect("not json").1, None);
    assert_eq!(get("session:none").await.expect("absent"), (None, None));
    assert_eq!(
        s.get_many(&["user:u1", "session:none", "session:t2"])
            .await
            .expect("many"),
        vec![
            Some(r#"{"id":"u1"}"#.to_owned()),
            None,
            Some(r#"{"id":"s2","userId":"gone"}"#.to_owned())
        ]
    );
    assert!(s.get_many(&[]).await.expect("none").is_empty());
    for k in [
        "session:t1",
        "user:u1",
        "session:t2",
        "session:t3",
        "session:t4",
    ] {
        s.delete(k).await.expect("delete");
    }
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

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn linked_entries_come_back_together() {
        check_get_linked(&MemoryStorage::new()).await;
        assert_eq!(
            string_field(r#"{"a":{"userId":"inner"},"userId":"outer"}"#, "userId").as_deref(),
            Some("outer")
        );
        assert_eq!(string_field(r#"{"userId":null}"#, "userId"), None);
        assert_eq!(string_field("[]", "userId"), None);
    }

    #[tokio::test]
    async fn values_expire_and_counters_restart() {
        let s = MemoryStorage::new();
        s.set("a", "1", Some(Duration::from_millis(30)))
            .await
            .expect("set");
        s.set("b", "2", None).await.expect("set");
        assert_eq!(s.get("a").await.expect("get").as_deref(), Some("1"));
        assert_eq!(
            s.incr("c", Duration::from_millis(30)).await.expect("incr"),
            1
        );
        assert_eq!(
            s.incr("c", Duration::from_millis(30)).await.expect("incr"),
            2
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(s.get("a").await.expect("get"), None);
        assert_eq!(s.get("b").await.expect("get").as_deref(), Some("2"));
        assert_eq!(
            s.incr("c", Duration::from_millis(30)).await.expect("incr"),
            1
        );
        s.delete("b").await.expect("delete");
        assert!(
            s.set_nx("lease", "a", Duration::from_millis(30))
                .await
                .expect("nx")
        );
        assert!(
            !s.set_nx("lease", "b", Duration::from_millis(30))
                .await
                .expect("nx")
        );
        assert_eq!(s.get("lease").await.expect("get").as_deref(), Some("a"));
        s.set_add("set", "x", Duration::from_secs(5))
            .await
            .expect("add");
        s.set_add("set", "y", Duration::from_secs(5))
            .await
            .expect("add");
        s.set_add("set", "x", Duration::from_secs(5))
            .await
            .expect("add");
        s.set_remove("set", "y").await.expect("remove");
        assert_eq!(
            s.set_members("set").await.expect("members"),
            vec!["x".to_string()]
        );
        assert_eq!(s.get("b").await.expect("get"), None);
    }
}
