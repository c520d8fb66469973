//! Crashes and outages under load, with the real binary.
//! - `kill -9` while sign-ups and profile updates are in flight, on SQLite and on PostgreSQL:
//!   after a restart, every write that was answered 200 is there, and nothing is half-written
//!   (every user has their credential account; every answered session still works).
//! - A PostgreSQL restart under load (a private server the test starts, stops and starts
//!   again): requests fail fast with 503 while it is down, and succeed again once it is back,
//!   without restarting Portcullis.
//! - A Redis restart under load: requests keep succeeding from the database, and Redis is used
//!   again once it is back.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis_testkit::Suite;
use portcullis_testkit::client::{Request, try_send_within};
use portcullis_testkit::runner::{Flavor, Service};
use serde_json::{Value, json};
use support::services::{APP_PASSWORD, Scratch, start_postgres, start_redis};
use support::{Database, Instance, SECRET};

const ORIGIN: &str = "http://localhost:3000";
const PASSWORD: &str = "crash-test-password-1";
const FLAVOR: Flavor = Flavor::MultiThread { workers: 2 };
/// Concurrent clients writing while the server is killed.
const WRITERS: usize = 12;

fn main() -> std::process::ExitCode {
    Suite::new()
        .test_needing(
            "sqlite_kill_9_under_writes_loses_nothing_answered",
            &[],
            FLAVOR,
            || Box::pin(sqlite_kill_9()),
        )
        .test_needing(
            "postgres_kill_9_under_writes_loses_nothing_answered",
            &[Service::POSTGRES],
            FLAVOR,
            || Box::pin(postgres_kill_9()),
        )
        .test_needing(
            "postgres_restart_under_load_fails_fast_then_recovers",
            &[Service::POSTGRES],
            FLAVOR,
            || Box::pin(postgres_restart_under_load()),
        )
        .test_needing(
            "redis_restart_under_load_is_survived",
            &[Service::POSTGRES, Service::REDIS],
            FLAVOR,
            || Box::pin(redis_restart_under_load()),
        )
        .run()
}

fn server_env(database_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", database_url.to_owned()),
        ("BETTER_AUTH_URL", ORIGIN.to_owned()),
        ("ENABLE_BEARER", "true".to_owned()),
    ]
}

/// What the writers were told succeeded.
#[derive(Default)]
struct Answered {
    /// E-mail → the session token its sign-up answered with.
    sign_ups: BTreeMap<String, String>,
    /// E-mail → the highest profile version an update-user answered 200 for.
    names: BTreeMap<String, u32>,
    /// Anything but 200 that came back while the server was up: there should be none.
    unexpected: Vec<String>,
}

fn sign_up_request(email: &str) -> Request {
    Request::post("/api/auth/sign-up/email")
        .origin(ORIGIN)
        .json(&json!({"name": "v0", "email": email, "password": PASSWORD}))
}

/// One writer: signs a new user up, then updates their name three times (`v1`, `v2`, `v3`),
/// over and over, until a request finds the server gone.
async fn writer(addr: std::net::SocketAddr, id: usize, answered: Arc<Mutex<Answered>>) {
    for n in 0.. {
        let email = format!("w{id}-{n}@crash.example");
        let Ok(res) =
            try_send_within(addr, &sign_up_request(&email), Duration::from_secs(30)).await
        else {
            return;
        };
        let token = match (res.status, res.header("set-auth-token")) {
            (200, Some(token)) => token.to_owned(),
            _ => {
                let mut a = answered.lock().expect("answered");
                a.unexpected.push(format!("sign-up: {}", res.describe()));
                return;
            }
        };
        answered
            .lock()
            .expect("answered")
            .sign_ups
            .insert(email.clone(), token.clone());
        for version in 1..=3u32 {
            let update = Request::post("/api/auth/update-user")
                .origin(ORIGIN)
                .bearer(&token)
                .json(&json!({"name": format!("v{version}")}));
            let Ok(res) = try_send_within(addr, &update, Duration::from_secs(30)).await else {
                return;
            };
            let mut a = answered.lock().expect("answered");
            if res.status != 200 {
                a.unexpected
                    .push(format!("update-user: {}", res.describe()));
                return;
            }
            a.names.insert(email.clone(), version);
        }
    }
}

/// The users `portcullis export` finds, with their accounts' provider ids.
fn exported_users(database_url: &str) -> BTreeMap<String, Vec<String>> {
    let dir = Scratch::new("crash-export");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("export")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env("PORTCULLIS_DATA_DIR", &dir.0)
        .env("LOG_LEVEL", "warn")
        .output()
        .unwrap_or_else(|e| panic!("portcullis export: {e}"));
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let email = v["user"]["email"].as_str().unwrap_or_default().to_owned();
            let providers = v["accounts"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|acc| acc["providerId"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (email, providers)
        })
        .collect()
}

/// Writes under load, SIGKILL, restart, and checks that everything answered is there.
async fn kill_9_under_writes(database_url: &str) {
    let env = server_env(database_url);
    let mut server = Instance::start(&env).await;
    let answered = Arc::new(Mutex::new(Answered::default()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|id| tokio::spawn(writer(server.addr, id, answered.clone())))
        .collect();
    // Long enough for many commits; the kill lands on writes in every stage.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.kill_9();
    for w in writers {
        w.await.expect("writer task");
    }
    let answered = std::mem::take(&mut *answered.lock().expect("answered"));
    assert!(
        answered.unexpected.is_empty(),
        "answers other than 200 before the kill: {:?}",
        answered.unexpected
    );
    assert!(
        answered.sign_ups.len() >= 20,
        "only {} sign-ups were answered before the kill: too few to mean anything",
        answered.sign_ups.len()
    );
    drop(server);

    // Nothing half-written: every user the database holds has their credential account, and
    // every answered sign-up is among them.
    let users = exported_users(database_url);
    for (email, providers) in &users {
        assert_eq!(
            providers,
            &vec!["credential".to_owned()],
            "{email} has accounts {providers:?}"
        );
    }
    for email in answered.sign_ups.keys() {
        assert!(
            users.contains_key(email),
            "answered sign-up {email} is lost"
        );
    }

    // Every answered session works after the restart, with at least the answered name.
    let server = Instance::start(&env).await;
    for (email, token) in &answered.sign_ups {
        let res = server
            .send(Request::get("/api/auth/get-session").bearer(token))
            .await;
        assert_eq!(res.status, 200, "{email}: {}", res.describe());
        let body = res.json();
        assert_eq!(body["user"]["email"], email.as_str(), "{}", res.describe());
        let stored: u32 = body["user"]["name"]
            .as_str()
            .and_then(|n| n.strip_prefix('v'))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{email}: name {}", body["user"]["name"]));
        let acknowledged = answered.names.get(email).copied().unwrap_or(0);
        assert!(
            stored >= acknowledged,
            "{email}: update to v{acknowledged} was answered, the database has v{stored}"
        );
    }
    // And their passwords sign them in.
    for email in answered.sign_ups.keys().take(5) {
        let res = server
            .send(
                Request::post("/api/auth/sign-in/email")
                    .origin(ORIGIN)
                    .json(&json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(res.status, 200, "{email}: {}", res.describe());
    }
    eprintln!(
        "kill -9: {} sign-ups and {} updates answered before the kill, {} users in the database",
        answered.sign_ups.len(),
        answered.names.values().sum::<u32>(),
        users.len()
    );
}

async fn sqlite_kill_9() {
    let dir = Scratch::new("crash-sqlite");
    kill_9_under_writes(&format!("sqlite://{}", dir.path("portcullis.db").display())).await;
}

/// A fresh database on the machine's PostgreSQL, or `None` when it was not asked for.
async fn postgres_database() -> Option<Database> {
    let admin = support::service_url(
        "PORTCULLIS_TEST_POSTGRES_URL",
        "PORTCULLIS_REQUIRE_POSTGRES",
    )?;
    Some(Database::create(&admin).await)
}

async fn postgres_kill_9() {
    let Some(db) = postgres_database().await else {
        return;
    };
    kill_9_under_writes(&db.url).await;
}

/// One request's outcome under load: when it started and ended (from the load's start), and
/// its status, or `None` when no answer came.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    started: Duration,
    took: Duration,
    status: Option<u16>,
}

/// Clients that repeat `requests` (round robin) until stopped, recording every outcome.
struct Load {
    stop: Arc<AtomicBool>,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    start: Instant,
}

impl Load {
    fn start(addr: std::net::SocketAddr, clients: usize, requests: Vec<Request>) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let requests = Arc::new(requests);
        let tasks = (0..clients)
            .map(|c| {
                let (stop, outcomes, requests) = (stop.clone(), outcomes.clone(), requests.clone());
                tokio::spawn(async move {
                    let mut i = c;
                    while !stop.load(Ordering::Relaxed) {
                        let req = &requests[i % requests.len()];
                        i += 1;
                        let began = Instant::now();
                        let res = try_send_within(addr, req, Duration::from_secs(20)).await;
                        let outcome = Outcome {
                            started: began - start,
                            took: began.elapsed(),
                            status: res.ok().map(|r| r.status),
                        };
                        outcomes.lock().expect("outcomes").push(outcome);
                        if outcome.status != Some(200) {
                            // Do not spin on failures.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                })
            })
            .collect();
        Load {
            stop,
            outcomes,
            tasks,
            start,
        }
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    async fn finish(self) -> Vec<Outcome> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            t.await.expect("load task");
        }
        std::mem::take(&mut *self.outcomes.lock().expect("outcomes"))
    }
}

fn statuses(outcomes: &[&Outcome]) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for o in outcomes {
        let key = o.status.map_or("no answer".to_owned(), |s| s.to_string());
        *seen.entry(key).or_default() += 1;
    }
    seen
}

fn slowest(outcomes: &[&Outcome]) -> Duration {
    outcomes.iter().map(|o| o.took).max().unwrap_or_default()
}

async fn wait_for_200(server: &Instance, req: &Request, within: Duration) -> Duration {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Ok(r) = try_send_within(server.addr, req, Duration::from_secs(5)).await
            && r.status == 200
        {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no 200 within {within:?}:\n{}", server.log());
}

/// The mixed load for the outage tests: session checks, and sign-ins (a hash each).
fn mixed_requests(email: &str, token: &str) -> Vec<Request> {
    let check = Request::get("/api/auth/get-session").bearer(token);
    let sign_in = Request::post("/api/auth/sign-in/email")
        .origin(ORIGIN)
        .json(&json!({"email": email, "password": PASSWORD}));
    vec![
        check.clone(),
        check.clone(),
        check.clone(),
        check.clone(),
        check,
        sign_in,
    ]
}

async fn sign_up(server: &Instance, email: &str) -> String {
    let res = server.send(sign_up_request(email)).await;
    assert_eq!(res.status, 200, "sign-up: {}", res.describe());
    res.header("set-auth-token")
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no set-auth-token: {}", res.describe()))
}

async fn postgres_restart_under_load() {
    let mut pg = start_postgres(None);
    let url = format!("postgres://app:{APP_PASSWORD}@127.0.0.1:{}/app", pg.port);
    let mut env = server_env(&url);
    // Every check reaches the database, so the outage is seen by each one.
    env.push(("SESSION_CACHE", "off".to_owned()));
    let server = Instance::start(&env).await;
    let email = "restart@crash.example";
    let token = sign_up(&server, email).await;
    let load = Load::start(server.addr, 6, mixed_requests(email, &token));

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stopping = load.now();
    // The server processes are driven synchronously; the load runs on the other worker.
    tokio::task::block_in_place(|| pg.stop());
    let down = load.now();
    let health = server.send(Request::get("/api/health")).await;
    assert_eq!(health.status, 503, "{}", health.describe());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let starting = load.now();
    tokio::task::block_in_place(|| pg.start());
    let up = load.now();
    let recovered_after = wait_for_200(
        &server,
        &Request::get("/api/auth/get-session").bearer(&token),
        Duration::from_secs(15),
    )
    .await;
    let recovered = load.now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let outcomes = load.finish().await;

    let before: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.started + o.took < stopping)
        .collect();
    let while_down: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.started > down && o.started + o.took < starting)
        .collect();
    let after: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.started > recovered + Duration::from_millis(500))
        .collect();
    eprintln!(
        "PostgreSQL restart: before {:?}; down {:?}, slowest {:?}; back after {recovered_after:?} \
         (database up at {up:?}); after {:?}; everything {:?}",
        statuses(&before),
        statuses(&while_down),
        slowest(&while_down),
        statuses(&after),
        statuses(&outcomes.iter().collect::<Vec<_>>()),
    );
    assert!(
        before.iter().all(|o| o.status == Some(200)),
        "before: {:?}",
        statuses(&before)
    );
    assert!(
        while_down.len() >= 20,
        "too few requests while the database was down: {}",
        while_down.len()
    );
    assert!(
        while_down.iter().all(|o| o.status == Some(503)),
        "while down, every request is answered 503: {:?}",
        statuses(&while_down)
    );
    assert!(
        slowest(&while_down) < Duration::from_millis(1000),
        "while down, 503 comes fast; the slowest took {:?}",
        slowest(&while_down)
    );
    assert!(
        outcomes.iter().all(|o| matches!(o.status, Some(200 | 503))),
        "only 200 and 503, and always an answer: {:?}\n{}",
        statuses(&outcomes.iter().collect::<Vec<_>>()),
        server.log()
    );
    assert!(
        !after.is_empty() && after.iter().all(|o| o.status == Some(200)),
        "after: {:?}",
        statuses(&after)
    );
}

async fn redis_restart_under_load() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let mut redis = start_redis(None);
    let mut env = server_env(&db.url);
    env.push(("REDIS_URL", format!("redis://127.0.0.1:{}/", redis.port)));
    let server = Instance::start(&env).await;
    let email = "redis-restart@crash.example";
    let token = sign_up(&server, email).await;
    let load = Load::start(server.addr, 6, mixed_requests(email, &token));

    tokio::time::sleep(Duration::from_millis(1500)).await;
    tokio::task::block_in_place(|| redis.stop());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let health = server.send(Request::get("/api/health")).await;
    assert_eq!(
        health.json()["services"]["redis"]["status"],
        "unhealthy",
        "{}",
        health.describe()
    );
    tokio::task::block_in_place(|| redis.start());
    let start = Instant::now();
    while server.send(Request::get("/api/health")).await.json()["services"]["redis"]["status"]
        != "healthy"
    {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "Redis not used again within 15 s:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let outcomes = load.finish().await;
    let all: Vec<&Outcome> = outcomes.iter().collect();
    eprintln!(
        "Redis restart: {:?}, slowest {:?}",
        statuses(&all),
        slowest(&all)
    );
    assert!(
        all.iter().all(|o| o.status == Some(200)),
        "Redis is an accelerator: every request succeeds through its restart: {:?}\n{}",
        statuses(&all),
        server.log()
    );
    // Used again: the session checks since the restart put keys back.
    let keys = std::process::Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "DBSIZE"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    assert_ne!(keys, "0", "Redis holds nothing after its restart");
}
