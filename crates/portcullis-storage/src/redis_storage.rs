//! Redis secondary storage, shared by every instance that points at the same server.
//!
//! Redis is an accelerator, never a single point of failure: every command has a short
//! timeout, a failure answers `StorageError::Unavailable` (callers fall back to the database
//! or to local state), and the connection is re-established in the background of later
//! calls, so Redis is used again as soon as it returns, without a restart.
//!
//! `get_many`, the session check's read, answers from a local copy that Redis keeps true by
//! invalidation (client-side caching, see [`crate::redis_mirror`]), over a second connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::{AsyncCommands, PushInfo, PushKind};
use tokio::sync::RwLock;

use crate::adapter::{Result, StorageError};
use crate::redis_mirror::{HOLD_AT_MOST_ENTRIES, Mirror};
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
    tracking: Tracking,
}

/// The RESP3 connection with `CLIENT TRACKING ON` that `get_many` reads over, and the copies
/// Redis keeps true through it.
struct Tracking {
    client: redis::Client,
    conn: RwLock<Option<TrackedConnection>>,
    mirror: Arc<Mirror>,
    /// Set when the server refuses RESP3 or tracking (before Redis 6): reads go the plain way.
    unsupported: AtomicBool,
    /// When the tracking connection last failed to open or to answer: a new one is tried at
    /// most once a second after that, as for the main connection.
    last_failure_ms: AtomicI64,
}

#[derive(Clone)]
struct TrackedConnection {
    conn: MultiplexedConnection,
    /// Cleared by the push handler when the connection is lost.
    alive: Arc<AtomicBool>,
    #[cfg_attr(not(test), allow(dead_code))]
    client_id: i64,
}

/// Applies what Redis pushes on the tracking connection. It runs on the connection's own task,
/// before any reply that follows the push in the stream is handed to its reader.
fn on_push(mirror: &Mirror, alive: &AtomicBool, push: PushInfo) {
    match push.kind {
        PushKind::Invalidate => match push.data.first() {
            Some(redis::Value::Array(keys)) => {
                for key in keys {
                    match key {
                        redis::Value::BulkString(bytes) => {
                            mirror.forget(&String::from_utf8_lossy(bytes))
                        }
                        redis::Value::SimpleString(s) => mirror.forget(s),
                        // A key this instance cannot name: forget everything rather than guess.
                        _ => mirror.forget_all(),
                    }
                }
            }
            // A null list: the whole database was flushed.
            _ => mirror.forget_all(),
        },
        PushKind::Disconnection => {
            alive.store(false, Ordering::Relaxed);
            mirror.forget_all();
        }
        _ => {}
    }
}

fn unavailable(e: impl std::fmt::Display) -> StorageError {
    StorageError::Unavailable(format!("redis: {e}"))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl RedisStorage {
    /// Parses the URL; connecting happens on first use, so start-up never waits on Redis.
    /// A `rediss://` URL connects over TLS, trusting the system's roots or, when given,
    /// `ca_pem` (the PEM of a private CA) instead.
    pub fn new(url: &str, prefix: &str, ca_pem: Option<Vec<u8>>) -> Result<Self> {
        let bad_url =
            |e: redis::RedisError| StorageError::UnsupportedUrl(format!("REDIS_URL: {e}"));
        let info = redis::IntoConnectionInfo::into_connection_info(url).map_err(bad_url)?;
        let mut resp3 = info.clone();
        resp3.redis.protocol = redis::ProtocolVersion::RESP3;
        let open = |info: redis::ConnectionInfo| match &ca_pem {
            Some(pem) => redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            ),
            None => redis::Client::open(info),
        };
        let client = open(info).map_err(bad_url)?;
        let tracking_client = open(resp3).map_err(bad_url)?;
        Ok(RedisStorage {
            client,
            conn: RwLock::new(None),
            prefix: prefix.to_owned(),
            last_attempt_ms: AtomicI64::new(0),
            healthy: AtomicBool::new(false),
            tracking: Tracking {
                client: tracking_client,
                conn: RwLock::new(None),
                mirror: Arc::new(Mirror::new(HOLD_AT_MOST_ENTRIES)),
                unsupported: AtomicBool::new(false),
                last_failure_ms: AtomicI64::new(0),
            },
        })
    }

    /// For a `rediss://` Redis, opens one connection at start-up, so that a certificate the
    /// trusted roots do not vouch for, or a server that does not speak TLS, stops start-up
    /// instead of leaving every instance quietly on its fallback. A Redis that does not accept
    /// TCP connections (down, unreachable) is not an error here: it is used once it answers,
    /// as without TLS. One that accepts them but fails TLS is misconfigured.
    pub async fn check_tls_at_start(&self) -> Result<()> {
        let redis::ConnectionAddr::TcpTls { host, port, .. } =
            &self.client.get_connection_info().addr
        else {
            return Ok(());
        };
        let reachable = tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect((host.as_str(), *port)),
        )
        .await;
        if !matches!(reachable, Ok(Ok(_))) {
            tracing::warn!("Redis does not answer at start-up; it is used once it does");
            return Ok(());
        }
        // A server without TLS reads the handshake as the start of a command and waits for
        // the rest: no answer within the time is as telling as a refusal.
        let attempt = tokio::time::timeout(
            Duration::from_secs(5),
            self.client.get_multiplexed_async_connection(),
        )
        .await;
        let problem = match attempt {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no TLS handshake within 5 s".to_owned(),
        };
        Err(StorageError::Tls(format!(
            "REDIS_URL: cannot connect to Redis at {host}:{port} over TLS: {problem} (does the \
             server speak TLS on that port, and is its certificate for that host and signed by \
             REDIS_CA_FILE or a system root?)"
        )))
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

    /// The tracking connection, opened (with `CLIENT TRACKING ON`) when there is none or the
    /// last one was lost. `None` when there is none to use now: the server does not support
    /// tracking, another request is opening it, or the last attempt failed under a second ago.
    async fn tracked_connection(&self) -> Result<Option<TrackedConnection>> {
        let t = &self.tracking;
        if t.unsupported.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if let Some(c) = t.conn.read().await.as_ref()
            && c.alive.load(Ordering::Relaxed)
        {
            return Ok(Some(c.clone()));
        }
        // A new connection is tried at most once a second after a failure, and by one request
        // at a time; the others read the plain way meanwhile (which fails fast on its own
        // back-off when Redis is away).
        if now_ms() - t.last_failure_ms.load(Ordering::Relaxed) < RECONNECT_EVERY_MS {
            return Ok(None);
        }
        let Ok(mut guard) = t.conn.try_write() else {
            return Ok(None);
        };
        if let Some(c) = guard.as_ref()
            && c.alive.load(Ordering::Relaxed)
        {
            return Ok(Some(c.clone()));
        }
        *guard = None;
        let alive = Arc::new(AtomicBool::new(true));
        let (mirror, flag) = (t.mirror.clone(), alive.clone());
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(COMMAND_TIMEOUT)
            .set_response_timeout(COMMAND_TIMEOUT)
            .set_push_sender(move |push: PushInfo| {
                on_push(&mirror, &flag, push);
                Ok::<(), std::convert::Infallible>(())
            });
        let opened = tokio::time::timeout(COMMAND_TIMEOUT * 2, async {
            let mut conn = t
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            let client_id: i64 = redis::cmd("CLIENT")
                .arg("ID")
                .query_async(&mut conn)
                .await?;
            redis::cmd("CLIENT")
                .arg("TRACKING")
                .arg("ON")
                .query_async::<()>(&mut conn)
                .await?;
            Ok::<_, redis::RedisError>((conn, client_id))
        })
        .await
        .map_err(|_| {
            t.last_failure_ms.store(now_ms(), Ordering::Relaxed);
            unavailable("tracking connect timed out")
        })?;
        match opened {
            Ok((conn, client_id)) => {
                let c = TrackedConnection {
                    conn,
                    alive,
                    client_id,
                };
                *guard = Some(c.clone());
                Ok(Some(c))
            }
            // The server answered, and refused: an older Redis, or a proxy without RESP3.
            Err(e) if e.kind() == redis::ErrorKind::ResponseError => {
                tracing::warn!(
                    "redis refused client tracking ({e}); session checks read Redis every time"
                );
                t.unsupported.store(true, Ordering::Relaxed);
                Ok(None)
            }
            Err(e) => {
                t.last_failure_ms.store(now_ms(), Ordering::Relaxed);
                Err(unavailable(e))
            }
        }
    }

    /// Reads `keys` over the tracking connection, with their remaining lives, and keeps copies.
    async fn read_tracked(
        &self,
        mut c: TrackedConnection,
        keys: &[String],
    ) -> Result<Vec<Option<String>>> {
        let mirror = &self.tracking.mirror;
        let token = mirror.begin_read(keys);
        let sent_at = Instant::now();
        let mut pipe = redis::pipe();
        pipe.cmd("MGET").arg(keys);
        for k in keys {
            pipe.cmd("PTTL").arg(k);
        }
        let reply = within_timeout(pipe.query_async::<Vec<redis::Value>>(&mut c.conn))
            .await
            .and_then(|mut replies| {
                if replies.len() != keys.len() + 1 {
                    return Err(unavailable("tracked read: unexpected reply"));
                }
                let ttls = replies
                    .split_off(1)
                    .iter()
                    .map(redis::from_redis_value::<i64>)
                    .collect::<redis::RedisResult<Vec<i64>>>()
                    .map_err(unavailable)?;
                let values = redis::from_redis_value::<Vec<Option<String>>>(&replies[0])
                    .map_err(unavailable)?;
                Ok((values, ttls))
            });
        match reply {
            Ok((values, ttls)) => {
                self.mark(true);
                mirror.store(token, keys, &values, &ttls, sent_at);
                mirror.heard_at(sent_at);
                Ok(values)
            }
            Err(e) => {
                // Whatever became of the connection, copies are not trusted past this point.
                c.alive.store(false, Ordering::Relaxed);
                self.tracking
                    .last_failure_ms
                    .store(now_ms(), Ordering::Relaxed);
                mirror.forget_all();
                self.mark(false);
                Err(e)
            }
        }
    }

    /// Runs a write of `key`. Its copy is dropped before (cancelling reads under way, which may
    /// see the old value) and after (a read begun meanwhile may have been answered first).
    async fn write<T, F, Fut>(&self, key: &str, f: F) -> Result<T>
    where
        F: FnOnce(ConnectionManager, String) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let k = self.key(key);
        self.tracking.mirror.forget(&k);
        let written = self.run(|c| f(c, k.clone())).await;
        self.tracking.mirror.forget(&k);
        written
    }

    /// Runs one command with a timeout, tracking health.
    async fn run<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection().await?;
        let done = within_timeout(f(conn)).await;
        self.mark(done.is_ok());
        done
    }
}

/// A command's reply, or `Unavailable` when it fails or takes longer than `COMMAND_TIMEOUT`.
async fn within_timeout<T>(
    command: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T> {
    match tokio::time::timeout(COMMAND_TIMEOUT, command).await {
        Ok(reply) => reply.map_err(unavailable),
        Err(_) => Err(unavailable("command timed out")),
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
        if let Some(values) = self.tracking.mirror.lookup(&keys) {
            return Ok(values);
        }
        if let Some(c) = self.tracked_connection().await? {
            return self.read_tracked(c, &keys).await;
        }
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
        let v = value.to_owned();
        self.write(key, |mut c, k| async move {
            match ttl {
                Some(t) => c.pset_ex::<_, _, ()>(k, v, ttl_ms(t)).await,
                None => c.set::<_, _, ()>(k, v).await,
            }
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.write(key, |mut c, k| async move { c.del::<_, ()>(k).await })
            .await
    }

    async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> Result<bool> {
        let v = value.to_owned();
        self.write(key, |mut c, k| async move {
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
        // INCR and the first PEXPIRE in one atomic round trip: the window starts at the first hit.
        self.write(key, |mut c, k| async move {
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
        let m = member.to_owned();
        // SADD, then extend (never shorten) the set's lifetime, atomically.
        self.write(key, |mut c, k| async move {
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
        let m = member.to_owned();
        self.write(
            key,
            |mut c, k| async move { c.srem::<_, _, ()>(k, m).await },
        )
        .await
    }

    async fn set_members(&self, key: &str) -> Result<Vec<String>> {
        let k = self.key(key);
        self.run(|mut c| async move { c.smembers::<_, Vec<String>>(k).await })
            .await
    }

    async fn list_push(&self, key: &str, value: &str, keep: usize, ttl: Duration) -> Result<()> {
        // LPUSH, LTRIM and PEXPIRE in one atomic round trip.
        static SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "redis.call('LPUSH', KEYS[1], ARGV[1]) \
                 redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1) \
                 redis.call('PEXPIRE', KEYS[1], ARGV[3]) return 1",
            )
        });
        let v = value.to_owned();
        let keep = keep.max(1);
        self.write(key, |mut c, k| async move {
            SCRIPT
                .key(k)
                .arg(v)
                .arg(keep)
                .arg(ttl_ms(ttl))
                .invoke_async::<i64>(&mut c)
                .await
                .map(|_| ())
        })
        .await
    }

    async fn list_values(&self, key: &str) -> Result<Vec<String>> {
        let k = self.key(key);
        self.run(|mut c| async move { c.lrange::<_, Vec<String>>(k, 0, -1).await })
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

    // What every backend does (values, TTLs, leases, counters, sets, get_many, get_linked) is
    // tests/secondary_contract.rs; here is what only Redis has: the copies kept by tracking.

    /// Two instances of one deployment, as two servers behind a load balancer.
    fn two_instances(url: &str, name: &str) -> (RedisStorage, RedisStorage) {
        let prefix = format!("portcullis-test-{name}-{}:", now_ms());
        let a = RedisStorage::new(url, &prefix, None).expect("client");
        let b = RedisStorage::new(url, &prefix, None).expect("client");
        (a, b)
    }

    async fn read(r: &RedisStorage, key: &str) -> Option<String> {
        let mut v = r.get_many(&[key]).await.expect("get_many");
        v.pop().flatten()
    }

    /// Waits (at most a second) until `r` holds no copy: only Redis's invalidation, a write by
    /// `r` itself or a lost connection drops one, never a read or the passing of time.
    async fn copies_dropped(r: &RedisStorage) {
        let started = Instant::now();
        while r.tracking.mirror.held() > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "copies still held"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    #[tokio::test]
    async fn copies_answer_until_another_instance_changes_or_deletes_the_entry() {
        let Some(url) = redis_url() else { return };
        let (a, b) = two_instances(&url, "mirror");
        b.set("s", "v1", Some(Duration::from_secs(30)))
            .await
            .expect("set");
        assert_eq!(read(&a, "s").await.as_deref(), Some("v1"));
        let hits = a.tracking.mirror.hits();
        assert_eq!(read(&a, "s").await.as_deref(), Some("v1"));
        assert_eq!(a.tracking.mirror.hits(), hits + 1, "answered from the copy");

        b.set("s", "v2", Some(Duration::from_secs(30)))
            .await
            .expect("set");
        copies_dropped(&a).await;
        assert_eq!(read(&a, "s").await.as_deref(), Some("v2"));
        assert_eq!(a.tracking.mirror.held(), 1);
        b.delete("s").await.expect("delete");
        copies_dropped(&a).await;
        assert_eq!(read(&a, "s").await, None);
    }

    #[tokio::test]
    async fn an_instance_reads_its_own_writes_at_once() {
        let Some(url) = redis_url() else { return };
        let (a, _) = two_instances(&url, "own-writes");
        a.set("s", "v1", None).await.expect("set");
        assert_eq!(read(&a, "s").await.as_deref(), Some("v1"));
        assert_eq!(read(&a, "s").await.as_deref(), Some("v1"));
        a.set("s", "v2", None).await.expect("set");
        assert_eq!(read(&a, "s").await.as_deref(), Some("v2"));
        a.delete("s").await.expect("delete");
        assert_eq!(read(&a, "s").await, None);
    }

    #[tokio::test]
    async fn a_copy_lives_no_longer_than_its_entry() {
        let Some(url) = redis_url() else { return };
        let (a, b) = two_instances(&url, "mirror-ttl");
        b.set("s", "v", Some(Duration::from_millis(150)))
            .await
            .expect("set");
        assert_eq!(read(&a, "s").await.as_deref(), Some("v"));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(read(&a, "s").await, None);
    }

    #[tokio::test]
    async fn a_lost_tracking_connection_drops_every_copy_and_reads_go_to_redis_again() {
        let Some(url) = redis_url() else { return };
        let (a, b) = two_instances(&url, "mirror-lost");
        b.set("s", "v1", None).await.expect("set");
        assert_eq!(read(&a, "s").await.as_deref(), Some("v1"));
        let killed = a
            .tracking
            .conn
            .read()
            .await
            .as_ref()
            .map(|c| c.client_id)
            .expect("tracking connection");
        let admin = redis::Client::open(url.as_str()).expect("client");
        let mut admin = admin
            .get_multiplexed_async_connection()
            .await
            .expect("admin connection");
        redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(killed)
            .query_async::<()>(&mut admin)
            .await
            .expect("client kill");
        copies_dropped(&a).await;
        // Redis could not tell this instance about this write: it must read it anyway.
        b.set("s", "v2", None).await.expect("set");
        assert_eq!(read(&a, "s").await.as_deref(), Some("v2"));
        let reopened = a.tracking.conn.read().await.as_ref().map(|c| c.client_id);
        assert!(reopened.is_some_and(|id| id != killed));
        // And the new connection tracks again.
        assert_eq!(a.tracking.mirror.held(), 1);
        b.set("s", "v3", None).await.expect("set");
        copies_dropped(&a).await;
        assert_eq!(read(&a, "s").await.as_deref(), Some("v3"));
        b.delete("s").await.expect("delete");
    }

    #[tokio::test]
    async fn unreachable_redis_answers_unavailable_quickly() {
        let r = RedisStorage::new("redis://127.0.0.1:1/", "t:", None).expect("client");
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
