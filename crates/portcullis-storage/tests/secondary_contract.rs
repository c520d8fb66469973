//! The contract every `SecondaryStorage` keeps, run against each backend: `memory::<case>` on
//! `MemoryStorage`, `redis::<case>` on `RedisStorage` through `PORTCULLIS_TEST_REDIS_URL`, each
//! Redis case under a key prefix of its own (its keys are deleted afterwards).
//!
//! The Redis cases are reported as ignored when the URL is not set, and fail when
//! `PORTCULLIS_REQUIRE_REDIS=1` asks for Redis without one. libtest can only decide `#[ignore]`
//! at compile time, so this binary has its own `main` (`harness = false`) on libtest-mimic,
//! with libtest's command line and output. (The test kit has the same runner for the server
//! suites; it depends on this crate, so this crate's tests cannot depend on it.)

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use portcullis_storage::{MemoryStorage, RedisStorage, SecondaryStorage};

type Storage = Arc<dyn SecondaryStorage>;
type Case = fn(Storage) -> Pin<Box<dyn Future<Output = ()>>>;

const REDIS_URL_VAR: &str = "PORTCULLIS_TEST_REDIS_URL";
const REDIS_REQUIRE_VAR: &str = "PORTCULLIS_REQUIRE_REDIS";

/// Every case of the contract, by name.
const CASES: &[(&str, Case)] = &[
    ("get_set_and_delete", |s| Box::pin(get_set_and_delete(s))),
    ("values_expire_after_their_ttl", |s| {
        Box::pin(values_expire_after_their_ttl(s))
    }),
    ("set_nx_is_a_lease", |s| Box::pin(set_nx_is_a_lease(s))),
    (
        "incr_counts_from_one_and_the_first_increment_starts_the_ttl",
        |s| {
            Box::pin(incr_counts_from_one_and_the_first_increment_starts_the_ttl(
                s,
            ))
        },
    ),
    ("incr_is_atomic", |s| Box::pin(incr_is_atomic(s))),
    ("get_many_answers_in_order", |s| {
        Box::pin(get_many_answers_in_order(s))
    }),
    ("get_linked_follows_a_string_field", |s| {
        Box::pin(get_linked_follows_a_string_field(s))
    }),
    ("sets_add_remove_and_list_members", |s| {
        Box::pin(sets_add_remove_and_list_members(s))
    }),
    ("a_set_lives_at_least_its_longest_ttl", |s| {
        Box::pin(a_set_lives_at_least_its_longest_ttl(s))
    }),
    ("lists_keep_their_newest_values", |s| {
        Box::pin(lists_keep_their_newest_values(s))
    }),
    ("a_list_lives_its_ttl_from_the_last_push", |s| {
        Box::pin(a_list_lives_its_ttl_from_the_last_push(s))
    }),
    ("ping_answers", |s| Box::pin(ping_answers(s))),
];

fn main() -> std::process::ExitCode {
    let mut trials = Vec::new();
    for &(name, case) in CASES {
        trials.push(Trial::test(format!("memory::{name}"), move || {
            run(async move { case(Arc::new(MemoryStorage::new())).await })
        }));
    }
    let required = std::env::var(REDIS_REQUIRE_VAR).is_ok_and(|v| v == "1");
    let url = std::env::var(REDIS_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty());
    for &(name, case) in CASES {
        let full = format!("redis::{name}");
        trials.push(match url.clone() {
            Some(url) => Trial::test(full, move || run(on_redis(url, name, case))),
            None if required => Trial::test(full, || {
                Err(format!("{REDIS_REQUIRE_VAR}=1 but {REDIS_URL_VAR} is not set").into())
            }),
            None => Trial::ignorable_test(full, || {
                Ok(Completion::ignored_with(format!(
                    "{REDIS_URL_VAR} is not set"
                )))
            }),
        });
    }
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

/// Runs a case on its own current-thread runtime, as `#[tokio::test]` would.
fn run(case: impl Future<Output = ()>) -> Result<(), Failed> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failed::from(e.to_string()))?
        .block_on(case);
    Ok(())
}

/// A case on Redis under a fresh prefix; the prefix's keys are deleted afterwards, also when the
/// case panics.
async fn on_redis(url: String, name: &str, case: Case) {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let prefix = format!(
        "portcullis-contract-{}-{nanos}-{}-{name}:",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let storage = RedisStorage::new(&url, &prefix, None).expect("REDIS_URL");
    storage
        .ping()
        .await
        .unwrap_or_else(|e| panic!("{REDIS_URL_VAR} is set but Redis does not answer: {e}"));
    let _cleanup = DeletePrefix {
        url: url.clone(),
        prefix,
    };
    case(Arc::new(storage)).await;
}

/// Deletes every key under a prefix when dropped (on a thread of its own: drop runs inside the
/// case's runtime, which cannot be blocked on).
struct DeletePrefix {
    url: String,
    prefix: String,
}

impl Drop for DeletePrefix {
    fn drop(&mut self) {
        let (url, pattern) = (self.url.clone(), format!("{}*", self.prefix));
        let _ = std::thread::spawn(move || -> redis::RedisResult<()> {
            let mut conn = redis::Client::open(url)?.get_connection()?;
            let keys: Vec<String> = redis::cmd("KEYS").arg(&pattern).query(&mut conn)?;
            if !keys.is_empty() {
                redis::cmd("DEL").arg(keys).query::<()>(&mut conn)?;
            }
            Ok(())
        })
        .join();
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

async fn get(s: &Storage, key: &str) -> Option<String> {
    s.get(key).await.expect("get")
}

async fn get_set_and_delete(s: Storage) {
    assert_eq!(get(&s, "k").await, None);
    s.set("k", "v1", None).await.expect("set");
    assert_eq!(get(&s, "k").await.as_deref(), Some("v1"));
    s.set("k", "v2", None).await.expect("overwrite");
    assert_eq!(get(&s, "k").await.as_deref(), Some("v2"));
    s.set("unicode", "é ✓ {\"a\":1}\n", None)
        .await
        .expect("set");
    assert_eq!(get(&s, "unicode").await.as_deref(), Some("é ✓ {\"a\":1}\n"));
    s.delete("k").await.expect("delete");
    assert_eq!(get(&s, "k").await, None);
    s.delete("k").await.expect("deleting an absent key is fine");
    s.delete("unicode").await.expect("delete");
}

async fn values_expire_after_their_ttl(s: Storage) {
    s.set("short", "1", Some(ms(200))).await.expect("set");
    s.set("long", "2", Some(secs(30))).await.expect("set");
    // A value set again without a TTL keeps no TTL from before.
    s.set("kept", "3", Some(ms(200))).await.expect("set");
    s.set("kept", "4", None).await.expect("set");
    assert_eq!(get(&s, "short").await.as_deref(), Some("1"));
    tokio::time::sleep(ms(450)).await;
    assert_eq!(get(&s, "short").await, None, "expired");
    assert_eq!(
        s.get_many(&["short"]).await.expect("get_many"),
        vec![None],
        "expired for get_many too"
    );
    assert_eq!(get(&s, "long").await.as_deref(), Some("2"));
    assert_eq!(get(&s, "kept").await.as_deref(), Some("4"));
    // An expired key can be set again.
    s.set("short", "5", None).await.expect("set");
    assert_eq!(get(&s, "short").await.as_deref(), Some("5"));
    for k in ["short", "long", "kept"] {
        s.delete(k).await.expect("delete");
    }
}

async fn set_nx_is_a_lease(s: Storage) {
    assert!(s.set_nx("lease", "a", ms(300)).await.expect("nx"), "free");
    assert!(!s.set_nx("lease", "b", ms(300)).await.expect("nx"), "held");
    assert_eq!(get(&s, "lease").await.as_deref(), Some("a"), "holder kept");
    tokio::time::sleep(ms(550)).await;
    assert!(
        s.set_nx("lease", "c", secs(30)).await.expect("nx"),
        "an expired lease is free"
    );
    assert_eq!(get(&s, "lease").await.as_deref(), Some("c"));
    s.delete("lease").await.expect("release");
    assert!(
        s.set_nx("lease", "d", secs(30)).await.expect("nx"),
        "a released lease is free"
    );
    // A plain value also holds the key.
    s.set("taken", "x", None).await.expect("set");
    assert!(!s.set_nx("taken", "y", secs(30)).await.expect("nx"));
    for k in ["lease", "taken"] {
        s.delete(k).await.expect("delete");
    }
}

async fn incr_counts_from_one_and_the_first_increment_starts_the_ttl(s: Storage) {
    let ttl = ms(1000);
    assert_eq!(s.incr("n", ttl).await.expect("incr"), 1);
    tokio::time::sleep(ms(100)).await;
    // Later increments do not push the expiry back: the window runs from the first.
    assert_eq!(s.incr("n", ttl).await.expect("incr"), 2);
    assert_eq!(get(&s, "n").await.as_deref(), Some("2"), "readable as text");
    tokio::time::sleep(ms(1100)).await;
    assert_eq!(get(&s, "n").await, None, "expired a TTL after the first");
    assert_eq!(s.incr("n", ttl).await.expect("incr"), 1, "a new window");
    // Counters are per key.
    assert_eq!(s.incr("m", ttl).await.expect("incr"), 1);
    assert_eq!(s.incr("n", ttl).await.expect("incr"), 2);
}

async fn incr_is_atomic(s: Storage) {
    const N: i64 = 40;
    let counts = futures_join_all((0..N).map(|_| {
        let s = s.clone();
        async move { s.incr("hits", secs(30)).await.expect("incr") }
    }))
    .await;
    let mut sorted = counts;
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=N).collect::<Vec<_>>(), "each count once");
    assert_eq!(get(&s, "hits").await, Some(N.to_string()));
    s.delete("hits").await.expect("delete");
}

/// Runs the futures concurrently (as concurrent requests would) and collects their outputs.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let handles: Vec<_> = futures.map(tokio::task::spawn_local).collect();
            let mut out = Vec::with_capacity(handles.len());
            for h in handles {
                out.push(h.await.expect("task"));
            }
            out
        })
        .await
}

async fn get_many_answers_in_order(s: Storage) {
    s.set("a", "1", None).await.expect("set");
    s.set("c", "3", Some(secs(30))).await.expect("set");
    assert_eq!(
        s.get_many(&["c", "b", "a", "c"]).await.expect("get_many"),
        vec![
            Some("3".to_owned()),
            None,
            Some("1".to_owned()),
            Some("3".to_owned())
        ]
    );
    assert!(s.get_many(&[]).await.expect("none").is_empty());
    // A read after a write sees the write, also through any copy a backend keeps.
    s.set("a", "1b", None).await.expect("set");
    assert_eq!(
        s.get_many(&["a"]).await.expect("get_many"),
        vec![Some("1b".to_owned())]
    );
    s.delete("a").await.expect("delete");
    assert_eq!(s.get_many(&["a"]).await.expect("get_many"), vec![None]);
    s.delete("c").await.expect("delete");
}

async fn get_linked_follows_a_string_field(s: Storage) {
    let session = r#"{"id":"s1","userId":"u1","n":[1,{"userId":"inner"}]}"#;
    s.set("session:t1", session, None).await.expect("set");
    s.set("user:u1", r#"{"id":"u1"}"#, None).await.expect("set");
    s.set("session:t2", r#"{"id":"s2","userId":"gone"}"#, None)
        .await
        .expect("set");
    s.set("session:t3", r#"{"id":"s3","userId":7}"#, None)
        .await
        .expect("set");
    s.set("session:t4", "not json", None).await.expect("set");
    let linked = |k: &'static str| {
        let s = s.clone();
        async move {
            s.get_linked(k, "userId", "user:")
                .await
                .expect("get_linked")
        }
    };
    assert_eq!(
        linked("session:t1").await,
        (Some(session.to_owned()), Some(r#"{"id":"u1"}"#.to_owned()))
    );
    let (first, second) = linked("session:t2").await;
    assert!(first.is_some(), "the entry without what it points at");
    assert_eq!(second, None, "dangling");
    assert_eq!(linked("session:t3").await.1, None, "not a string");
    assert_eq!(
        linked("session:t4").await,
        (Some("not json".to_owned()), None),
        "not JSON"
    );
    assert_eq!(linked("session:none").await, (None, None), "absent");
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

async fn members(s: &Storage, key: &str) -> Vec<String> {
    let mut m = s.set_members(key).await.expect("members");
    m.sort();
    m
}

async fn sets_add_remove_and_list_members(s: Storage) {
    assert!(members(&s, "set").await.is_empty(), "absent set");
    for m in ["x", "y", "x", "z"] {
        s.set_add("set", m, secs(30)).await.expect("add");
    }
    assert_eq!(members(&s, "set").await, ["x", "y", "z"], "no duplicates");
    s.set_remove("set", "y").await.expect("remove");
    s.set_remove("set", "absent")
        .await
        .expect("removing a non-member");
    s.set_remove("no-set", "x")
        .await
        .expect("removing from no set");
    assert_eq!(members(&s, "set").await, ["x", "z"]);
    s.set_remove("set", "x").await.expect("remove");
    s.set_remove("set", "z").await.expect("remove");
    assert!(members(&s, "set").await.is_empty(), "emptied");
    s.set_add("set", "again", secs(30)).await.expect("add");
    assert_eq!(members(&s, "set").await, ["again"]);
    s.delete("set").await.expect("delete");
    assert!(members(&s, "set").await.is_empty(), "deleted");
}

async fn a_set_lives_at_least_its_longest_ttl(s: Storage) {
    // A longer TTL extends the set...
    s.set_add("grown", "a", ms(200)).await.expect("add");
    s.set_add("grown", "b", secs(30)).await.expect("add");
    // ...and a shorter one never shortens it.
    s.set_add("kept", "a", secs(30)).await.expect("add");
    s.set_add("kept", "b", ms(200)).await.expect("add");
    s.set_add("short", "a", ms(200)).await.expect("add");
    tokio::time::sleep(ms(450)).await;
    assert_eq!(members(&s, "grown").await, ["a", "b"]);
    assert_eq!(members(&s, "kept").await, ["a", "b"]);
    assert!(members(&s, "short").await.is_empty(), "expired");
    // An expired set starts again empty.
    s.set_add("short", "b", secs(30)).await.expect("add");
    assert_eq!(members(&s, "short").await, ["b"]);
    for k in ["grown", "kept", "short"] {
        s.delete(k).await.expect("delete");
    }
}

async fn list(s: &Storage, key: &str) -> Vec<String> {
    s.list_values(key).await.expect("list_values")
}

async fn lists_keep_their_newest_values(s: Storage) {
    assert!(list(&s, "log").await.is_empty(), "absent list");
    for v in ["one", "two\nlines", "three", "three", "{\"a\":[1]}"] {
        s.list_push("log", v, 4, secs(30)).await.expect("push");
    }
    assert_eq!(
        list(&s, "log").await,
        ["{\"a\":[1]}", "three", "three", "two\nlines"],
        "newest first, the oldest dropped, repeats kept"
    );
    // Keeping fewer trims what is there; keeping none still keeps the newest.
    s.list_push("log", "four", 2, secs(30)).await.expect("push");
    assert_eq!(list(&s, "log").await, ["four", "{\"a\":[1]}"]);
    s.list_push("log", "five", 0, secs(30)).await.expect("push");
    assert_eq!(list(&s, "log").await, ["five"]);
    // Lists are per key.
    s.list_push("other", "x", 4, secs(30)).await.expect("push");
    assert_eq!(list(&s, "other").await, ["x"]);
    assert_eq!(list(&s, "log").await, ["five"]);
    for k in ["log", "other"] {
        s.delete(k).await.expect("delete");
    }
    assert!(list(&s, "log").await.is_empty(), "deleted");
}

async fn a_list_lives_its_ttl_from_the_last_push(s: Storage) {
    s.list_push("renewed", "a", 10, ms(600))
        .await
        .expect("push");
    s.list_push("short", "a", 10, ms(600)).await.expect("push");
    tokio::time::sleep(ms(400)).await;
    s.list_push("renewed", "b", 10, ms(600))
        .await
        .expect("push");
    tokio::time::sleep(ms(400)).await;
    assert_eq!(list(&s, "renewed").await, ["b", "a"], "renewed by the push");
    assert!(list(&s, "short").await.is_empty(), "expired");
    // An expired list starts again empty.
    s.list_push("short", "b", 10, secs(30)).await.expect("push");
    assert_eq!(list(&s, "short").await, ["b"]);
    for k in ["renewed", "short"] {
        s.delete(k).await.expect("delete");
    }
}

async fn ping_answers(s: Storage) {
    s.ping().await.expect("ping");
    assert!(["memory", "redis"].contains(&s.backend_name()));
}
