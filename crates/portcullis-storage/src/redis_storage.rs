//! Redis secondary storage, shared by every instance that points at the same server.
//!
//! Redis is an accelerator, never a single point of failure: every command has a short
//! timeout, a failure answers `StorageError::Unavailable` (callers fall back to the database
//! or to local state), and the connection is re-established in the background of later
//! calls, so Redis is used again as soon as it returns, without a restart.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tokio::sync::RwLock;

use crate::adapter::{Result, StorageError};
use crate::secondary::SecondaryStorage;

const COMMAND_TIMEOUT: Duration = Duration::from_millis(500);
const RECONNECT_EVERY_MS: i64 = 1000;

pub struct RedisStorage {
    client: redis::Client,
    conn: RwLock<Option<ConnectionManager>>,
    /// Keys are namespaced so one Redis can serve several deployments.
    prefix: String,
    last_attempt_ms: AtomicI64,
    healthy: AtomicBool,
}

fn unavailable(e: impl std::fmt::Display) -> StorageError {
    StorageError::Unavailable(format!("redis: {e}"))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl RedisStorage {
    /// Parses the URL; connecting happens on first use, so start-up never waits on Redis.
    pub fn new(url: &str, prefix: &str) -> Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| StorageError::UnsupportedUrl(format!("REDIS_URL: {e}")))?;
        Ok(RedisStorage {
            client,
            conn: RwLock::new(None),
            prefix: prefix.to_owned(),
            last_attempt_ms: AtomicI64::new(0),
            healthy: AtomicBool::new(false),
        })
    }

    fn key(&self, k: &str) -> String {
        format!("{}{k}", self.prefix)
    }

    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    fn mark(&self, ok: bool) {
        let was = self.healthy.swap(ok, Ordering::Relaxed);
        if was && !ok {
            tracing::warn!("redis unavailable: falling back to the database and local state");
        } else if !was && ok {
            tracing::info!("redis connected");
        }
    }

    async fn connection(&self) -> Result<ConnectionManager> {
        if let Some(c) = self.conn.read().await.as_ref() {
            return Ok(c.clone());
        }
        // Connect at most once a second while Redis is away, so requests don't queue on it.
        let now = now_ms();
        let last = self.last_attempt_ms.load(Ordering::Relaxed);
        if now - last < RECONNECT_EVERY_MS {
            return Err(unavailable("not connected"));
        }
        self.last_attempt_ms.store(now, Ordering::Relaxed);
        let mut guard = self.conn.write().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(COMMAND_TIMEOUT)
            .set_response_timeout(COMMAND_TIMEOUT)
            .set_number_of_retries(0);
        let c = tokio::time::timeout(
            COMMAND_TIMEOUT * 2,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| unavailable("connect timed out"))
        .and_then(|r| r.map_err(unavailable));
        match c {
            Ok(c) => {
                *guard = Some(c.clone());
                Ok(c)
            }
            Err(e) => {
                // The back-off runs from the end of a failed attempt, not its start.
                self.last_attempt_ms.store(now_ms(), Ordering::Relaxed);
                self.mark(false);
                Err(e)
            }
        }
    }

    /// Runs one command with a timeout, tracking health.
    async fn run<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection().await?;
        match tokio::time::timeout(COMMAND_TIMEOUT, f(conn)).await {
            Ok(Ok(v)) => {
                self.mark(true);
                Ok(v)
            }
            Ok(Err(e)) => {
                self.mark(false);
                Err(unavailable(e))
            }
            Err(_) => {
                self.mark(false);
                Err(unavailable("command timed out"))
            }
        }
    }
}

fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait]
impl SecondaryStorage for RedisStorage {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let k = self.key(key);
        self.run(|mut c| async move { c.get::<_, Option<String>>(k).await })
            .await
    }

    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<String>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        // MGET answers a list even for one key (a plain GET would not).
        self.run(|mut c| async move {
            redis::cmd("MGET")
                .arg(&keys)
                .query_async::<Vec<Option<String>>>(&mut c)
                .await
        })
        .await
    }

    async fn get_linked(
        &self,
        key: &str,
        field: &str,
        then_prefix: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        let (k, field, then) = (self.key(key), field.to_owned(), self.key(then_prefix));
        // Both reads in one round trip. The second key is computed inside the script, so this
        // needs the entries on one node (a standalone Redis or one shard), as every key of one
        // deployment is.
        static SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "local v = redis.call('GET', KEYS[1]) \
                 if not v then return {} end \
                 local ok, obj = pcall(cjson.decode, v) \
                 if not ok or type(obj) ~= 'table' or type(obj[ARGV[1]]) ~= 'string' then return {v} end \
                 local w = redis.call('GET', ARGV[2] .. obj[ARGV[1]]) \
                 if not w then return {v} end \
                 return {v, w}",
            )
        });
        self.run(|mut c| async move {
            let found: Vec<String> = SCRIPT
                .key(k)
                .arg(field)
                .arg(then)
                .invoke_async(&mut c)
                .await?;
            let mut found = found.into_iter();
            Ok((found.next(), found.next()))
        })
        .await
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        let (k, v) = (self.key(key), value.to_owned());
        self.run(|mut c| async move {
            match ttl {
                Some(t) => c.pset_ex::<_, _, ()>(k, v, ttl_ms(t)).await,
                None => c.set::<_, _, ()>(k, v).await,
            }
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let k = self.key(key);
        self.run(|mut c| async move { c.del::<_, ()>(k).await })
            .await
    }

    async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> Result<bool> {
        let (k, v) = (self.key(key), value.to_owned());
        self.run(|mut c| async move {
            let r: Option<String> = redis::cmd("SET")
                .arg(k)
                .arg(v)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms(ttl))
                .query_async(&mut c)
                .await?;
            Ok(r.is_some())
        })
        .await
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<i64> {
        let k = self.key(key);
        // INCR and the first PEXPIRE in one atomic round trip: the window starts at the first hit.
        self.run(|mut c| async move {
            redis::Script::new(
                "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n",
            )
            .key(k)
            .arg(ttl_ms(ttl))
            .invoke_async::<i64>(&mut c)
            .await
        })
        .await
    }

    async fn set_add(&self, key: &str, member: &str, ttl: Duration) -> Result<()> {
        let (k, m) = (self.key(key), member.to_owned());
        // SADD, then extend (never shorten) the set's lifetime, atomically.
        self.run(|mut c| async move {
            redis::Script::new(
                "redis.call('SADD', KEYS[1], ARGV[1]) local t = redis.call('PTTL', KEYS[1]) if t < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 1",
            )
            .key(k)
            .arg(m)
            .arg(ttl_ms(ttl))
            .invoke_async::<i64>(&mut c)
            .await
            .map(|_| ())
        })
        .await
    }

    async fn set_remove(&self, key: &str, member: &str) -> Result<()> {
        let (k, m) = (self.key(key), member.to_owned());
        self.run(|mut c| async move { c.srem::<_, _, ()>(k, m).await })
            .await
    }

    async fn set_members(&self, key: &str) -> Result<Vec<String>> {
        let k = self.key(key);
        self.run(|mut c| async move { c.smembers::<_, Vec<String>>(k).await })
            .await
    }

    async fn ping(&self) -> Result<()> {
        self.run(|mut c| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut c)
                .await
                .map(|_| ())
        })
        .await
    }

    fn backend_name(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs against the local Redis when `PORTCULLIS_TEST_REDIS_URL` is set; with
    /// `PORTCULLIS_REQUIRE_REDIS=1` a missing or unreachable Redis fails the test.
    fn redis_url() -> Option<String> {
        let url = std::env::var("PORTCULLIS_TEST_REDIS_URL").ok();
        if url.is_none() && std::env::var("PORTCULLIS_REQUIRE_REDIS").as_deref() == Ok("1") {
            panic!("PORTCULLIS_REQUIRE_REDIS=1 but PORTCULLIS_TEST_REDIS_URL is not set");
        }
        url
    }

    #[tokio::test]
    async fn round_trips_counters_and_leases_on_real_redis() {
        let Some(url) = redis_url() else { return };
        let prefix = format!("portcullis-test-{}:", now_ms());
        let r = RedisStorage::new(&url, &prefix).expect("client");
        r.ping().await.expect("redis answers");
        assert!(r.is_healthy());
        r.set("a", "1", Some(Duration::from_millis(200)))
            .await
            .expect("set");
        assert_eq!(r.get("a").await.expect("get").as_deref(), Some("1"));
        assert_eq!(r.incr("n", Duration::from_secs(5)).await.expect("incr"), 1);
        assert_eq!(r.incr("n", Duration::from_secs(5)).await.expect("incr"), 2);
        assert!(
            r.set_nx("lease", "x", Duration::from_secs(5))
                .await
                .expect("nx")
        );
        assert!(
            !r.set_nx("lease", "y", Duration::from_secs(5))
                .await
                .expect("nx")
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(r.get("a").await.expect("get"), None, "expired");
        r.set_add("set", "x", Duration::from_secs(5))
            .await
            .expect("sadd");
        r.set_add("set", "y", Duration::from_secs(5))
            .await
            .expect("sadd");
        r.set_remove("set", "y").await.expect("srem");
        assert_eq!(
            r.set_members("set").await.expect("smembers"),
            vec!["x".to_string()]
        );
        for k in ["n", "lease", "set"] {
            r.delete(k).await.expect("delete");
        }
    }

    #[tokio::test]
    async fn linked_entries_come_back_in_one_script() {
        let Some(url) = redis_url() else { return };
        let prefix = format!("portcullis-test-linked-{}:", now_ms());
        let r = RedisStorage::new(&url, &prefix).expect("client");
        crate::secondary::check_get_linked(&r).await;
    }

    #[tokio::test]
    async fn unreachable_redis_answers_unavailable_quickly() {
        let r = RedisStorage::new("redis://127.0.0.1:1/", "t:").expect("client");
        let started = std::time::Instant::now();
        assert!(matches!(
            r.get("k").await,
            Err(StorageError::Unavailable(_))
        ));
        // Within the reconnect back-off, calls fail at once without touching the network.
        assert!(matches!(
            r.get("k").await,
            Err(StorageError::Unavailable(_))
        ));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
        assert!(!r.is_healthy());
    }
}
