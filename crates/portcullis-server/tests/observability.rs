//! Observability and background jobs against the real server: `/metrics` (content, token)
//! and the expired-row cleanup job. The access log has its own binary (`access_log.rs`).
//! Runs on SQLite, and on PostgreSQL when `PORTCULLIS_TEST_POSTGRES_URL` is set (reported as
//! ignored when it is not; a failure under `PORTCULLIS_REQUIRE_POSTGRES=1`). Its own `main`
//! (`harness = false`): a `portcullis_testkit::Suite`.

#[allow(dead_code)]
#[path = "http_api/seam_plugin.rs"]
mod seam_plugin;

use chrono::{Duration, Utc};
use portcullis_core::crypto::token::generate_id;
use portcullis_server::jobs::{self, CLEANUP_LEASE_KEY, CleanupOutcome, CleanupReport};
use portcullis_storage::{Row, Where, WhereOp};
use serde_json::json;

use portcullis_testkit::{Backend, Suite, TestServer, client::Request};

const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
const PASSWORD: &str = "Obs3rvab1lity-Passw0rd!";

async fn scrape(srv: &TestServer) -> String {
    let res = srv.send(Request::get("/metrics")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = res.text();
    assert_exposition_format(&text);
    text
}

/// Every line is a `# HELP`, a `# TYPE` (before its family's samples) or a sample
/// `name{labels} value` with a number for value: what a Prometheus 0.0.4 parser needs.
#[track_caller]
fn assert_exposition_format(text: &str) {
    assert!(text.ends_with('\n'), "{text}");
    let mut typed: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            assert!(rest.split_once(' ').is_some(), "bad HELP `{line}`");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE has a kind");
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "bad TYPE `{line}`"
            );
            typed.push(name);
        } else {
            let (series, value) = line.rsplit_once(' ').expect("sample has a value");
            assert!(
                value == "+Inf" || value.parse::<f64>().is_ok(),
                "bad value in `{line}`"
            );
            let name = series.split('{').next().unwrap_or_default();
            let family = typed.last().copied().unwrap_or_default();
            assert!(
                name == family
                    || ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|s| name.strip_suffix(s) == Some(family)),
                "`{line}` is not in the family of the last TYPE ({family})"
            );
        }
    }
}

#[track_caller]
fn assert_line(text: &str, line: &str) {
    assert!(
        text.lines().any(|l| l == line),
        "missing line `{line}` in:\n{text}"
    );
}

/// The value of the single sample named exactly `series` (name plus labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics_count_auth_events_with_bounded_labels(srv: &TestServer) {
    let mut a = srv.agent();
    let (_, user_id) = a.sign_up("Obs", "obs@example.com", PASSWORD).await;
    assert!(!user_id.is_empty());
    a.sign_in("obs@example.com", PASSWORD).await;
    // Every way in is counted where its session is issued, under its own method.
    let named = srv
        .send(Request::post("/api/auth/sign-up/email").json(&json!({
            "name": "Named", "email": "named@example.com", "password": PASSWORD,
            "username": "obs_named",
        })))
        .await;
    assert_eq!(named.status, 200, "{}", named.describe());
    for password in [PASSWORD, "wrong-password-1", "wrong-password-2"] {
        srv.send(
            Request::post("/api/auth/sign-in/username")
                .json(&json!({"username": "obs_named", "password": password})),
        )
        .await;
    }
    let bad = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "obs@example.com", "password": "wrong-password-1"})),
        )
        .await;
    assert_eq!(bad.status, 401, "{}", bad.describe());
    assert_eq!(a.get("/api/auth/get-session").await.status, 200);
    let out = a.post("/api/auth/sign-out", json!({})).await;
    assert_eq!(out.status, 200, "{}", out.describe());
    // Raw paths must never become labels.
    srv.send(Request::get("/api/auth/reset-password/PATHSECRET123"))
        .await;
    srv.send(Request::get("/no/such/PATHSECRET456")).await;
    srv.send(Request::get("/sign-in")).await;
    srv.send(Request::get("/assets/app.css")).await;
    srv.send(Request::get("/api/health")).await;

    let text = scrape(srv).await;
    for line in [
        "# TYPE http_requests_total counter",
        r#"http_requests_total{route="/api/auth/sign-up/email",method="POST",status="200"} 2"#,
        r#"http_requests_total{route="/api/auth/sign-in/email",method="POST",status="200"} 1"#,
        r#"http_requests_total{route="/api/auth/sign-in/email",method="POST",status="401"} 1"#,
        r#"http_requests_total{route="/api/auth/get-session",method="GET",status="200"} 1"#,
        r#"http_requests_total{route="/api/auth/sign-out",method="POST",status="200"} 1"#,
        r#"http_requests_total{route="/api/health",method="GET",status="200"} 1"#,
        r#"http_requests_total{route="page",method="GET",status="200"} 1"#,
        r#"http_request_duration_seconds_count{route="/api/auth/sign-in/email"} 2"#,
        r#"auth_registrations_total{method="email"} 2"#,
        r#"auth_login_attempts_total{method="email",status="success"} 1"#,
        r#"auth_login_attempts_total{method="email",status="failure"} 1"#,
        r#"auth_login_attempts_total{method="username",status="success"} 1"#,
        r#"auth_login_attempts_total{method="username",status="failure"} 2"#,
        "# TYPE auth_session_duration_seconds histogram",
        r#"auth_session_duration_seconds_bucket{le="60"} 1"#,
        r#"auth_session_duration_seconds_bucket{le="+Inf"} 1"#,
        "auth_session_duration_seconds_count 1",
        // The sign-ups' sessions and the username sign-in's are live; the email sign-in's was
        // ended by sign-out.
        "auth_active_sessions 3",
        "db_pool_healthy 1",
        "secondary_storage_healthy 1",
    ] {
        assert_line(&text, line);
    }
    assert!(
        sample(&text, "process_resident_memory_bytes").is_some_and(|b| b > 1_000_000.0),
        "{text}"
    );
    assert!(
        text.contains(r#"route="asset""#) && text.contains(r#"route="other""#),
        "{text}"
    );
    assert!(!text.contains("PATHSECRET"), "raw path in labels:\n{text}");
    // The scrape itself is counted on the next one.
    let again = scrape(srv).await;
    assert_line(
        &again,
        r#"http_requests_total{route="/metrics",method="GET",status="200"} 1"#,
    );
}

fn main() -> std::process::ExitCode {
    Suite::new()
        .scenario_on(&BACKENDS, "metrics_endpoint", |srv| {
            Box::pin(metrics_count_auth_events_with_bounded_labels(srv))
        })
        .test("metrics_token_and_switch", || {
            Box::pin(metrics_token_and_switch())
        })
        .per_backend_on(&BACKENDS, "cleanup_job", |backend| {
            Box::pin(cleanup_job(backend))
        })
        .test("rate_limit_hits_are_counted", || {
            Box::pin(rate_limit_hits_are_counted())
        })
        .test("cleanup_loop_runs_and_stops", || {
            Box::pin(cleanup_loop_runs_and_stops())
        })
        .per_backend_on(&BACKENDS, "plugin_tables_and_jobs", |backend| {
            Box::pin(plugin_tables_and_jobs(backend))
        })
        .run()
}

/// A SQLite server with extra configuration.
async fn sqlite_with(extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(Backend::Sqlite)
        .envs(extra.iter().copied())
        .start()
        .await
}

async fn metrics_token_and_switch() {
    let token = "scrape-token-0123456789abcdef";
    let srv = sqlite_with(&[("METRICS_TOKEN", token)]).await;
    for auth in [None, Some("Bearer wrong-token-0123456789abc"), Some(token)] {
        let mut req = Request::get("/metrics");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let res = srv.send(req).await;
        assert_eq!(res.status, 401, "{auth:?}: {}", res.describe());
        assert_eq!(
            res.header("www-authenticate"),
            Some(r#"Bearer realm="metrics""#)
        );
        assert!(!res.text().contains("http_requests_total"));
    }
    let res = srv
        .send(Request::get("/metrics").header("authorization", &format!("Bearer {token}")))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.text()
            .contains("# TYPE auth_login_attempts_total counter")
    );

    // While a new token replaces the old one, both open it.
    let old = "old-scrape-token-0123456789abcdef";
    let rotating = sqlite_with(&[("METRICS_TOKEN", &format!("{token},{old}"))]).await;
    for t in [token, old] {
        let res = rotating
            .send(Request::get("/metrics").header("authorization", &format!("Bearer {t}")))
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }

    let off = sqlite_with(&[("METRICS_ENABLED", "false")]).await;
    let res = off.send(Request::get("/metrics")).await;
    assert_eq!(res.status, 404, "{}", res.describe());
}

async fn insert_row(srv: &TestServer, table: &str, mut row: Row) {
    let now = Utc::now();
    row.insert("id".into(), generate_id(32).into());
    row.insert("createdAt".into(), now.into());
    row.insert("updatedAt".into(), now.into());
    srv.adapter().create(table, row).await.expect("insert");
}

async fn insert_session(srv: &TestServer, user_id: &str, expires: chrono::DateTime<Utc>) {
    let mut row = Row::new();
    row.insert("expiresAt".into(), expires.into());
    row.insert("token".into(), generate_id(32).into());
    row.insert("ipAddress".into(), "".into());
    row.insert("userAgent".into(), "".into());
    row.insert("userId".into(), user_id.into());
    insert_row(srv, "session", row).await;
}

async fn insert_verification(srv: &TestServer, expires: chrono::DateTime<Utc>) {
    let mut row = Row::new();
    row.insert(
        "identifier".into(),
        format!("reset:{}", generate_id(8)).into(),
    );
    row.insert("value".into(), generate_id(16).into());
    row.insert("expiresAt".into(), expires.into());
    insert_row(srv, "verification", row).await;
}

async fn expired(srv: &TestServer, table: &str) -> i64 {
    srv.count(table, &[Where::op("expiresAt", WhereOp::Lt, Utc::now())])
        .await
}

async fn cleanup_deletes_expired_rows_only(srv: &TestServer) {
    let ctx = srv.app.ctx.clone();
    let up = srv.sign_up("Clean", "clean@example.com", PASSWORD).await;
    let now = Utc::now();
    for _ in 0..5 {
        insert_session(srv, &up.user_id, now - Duration::hours(1)).await;
    }
    for _ in 0..2 {
        insert_session(srv, &up.user_id, now + Duration::hours(1)).await;
    }
    for _ in 0..3 {
        insert_verification(srv, now - Duration::minutes(5)).await;
    }
    insert_verification(srv, now + Duration::minutes(5)).await;

    // Batches of 2 (CLEANUP_BATCH_SIZE) still reach every expired row.
    let lease = std::time::Duration::from_secs(60);
    let out = jobs::run_cleanup(&ctx, "instance-a", lease)
        .await
        .expect("cleanup");
    assert_eq!(
        out,
        CleanupOutcome::Ran(CleanupReport {
            sessions: 5,
            verifications: 3
        })
    );
    assert_eq!(srv.count("session", &[]).await, 3, "sign-up's + 2 live");
    assert_eq!(srv.count("verification", &[]).await, 1);
    assert_eq!(expired(srv, "session").await, 0);
    // The signed-up user's session still works.
    assert!(srv.session_of(&up.token).await["user"]["id"] == up.user_id.as_str());

    // Another instance within the lease skips; the lease names its holder.
    assert_eq!(
        jobs::run_cleanup(&ctx, "instance-b", lease)
            .await
            .expect("cleanup"),
        CleanupOutcome::Skipped
    );
    assert_eq!(
        ctx.secondary
            .get(CLEANUP_LEASE_KEY)
            .await
            .expect("get")
            .as_deref(),
        Some("instance-a")
    );

    // Without the lease (in-memory storage on many instances) two runs at once are safe.
    for _ in 0..7 {
        insert_session(srv, &up.user_id, now - Duration::seconds(1)).await;
    }
    let (a, b) = tokio::join!(jobs::cleanup_expired(&ctx), jobs::cleanup_expired(&ctx));
    let (a, b) = (a.expect("run a"), b.expect("run b"));
    assert_eq!(a.sessions + b.sessions, 7, "{a:?} {b:?}");
    assert_eq!(expired(srv, "session").await, 0);
    assert_eq!(srv.count("session", &[]).await, 3);

    let m = &ctx.metrics;
    assert_eq!(m.cleanup_deleted.get(&["session"]), 12);
    assert_eq!(m.cleanup_deleted.get(&["verification"]), 3);
    assert_eq!(m.cleanup_runs.get(&["ok"]), 1);
    assert_eq!(m.cleanup_runs.get(&["skipped"]), 1);
    assert_eq!(m.active_sessions.get(), Some(3));
    // Nothing left to do: a run deletes nothing and fails on nothing.
    let r = jobs::cleanup_expired(&ctx).await.expect("idle run");
    assert_eq!(r, CleanupReport::default());
}

async fn cleanup_job(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs([("CLEANUP_BATCH_SIZE", "2"), ("CLEANUP_INTERVAL", "0")])
        .start()
        .await;
    cleanup_deletes_expired_rows_only(&srv).await;
}

/// Refused requests count in `rate_limit_hits_total` and, with their route, in
/// `http_requests_total` (status 429).
async fn rate_limit_hits_are_counted() {
    let srv = sqlite_with(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_RULES", "/sign-in/email=1/86400"),
    ])
    .await;
    let attempt = || {
        Request::post("/api/auth/sign-in/email")
            .json(&json!({"email": "nobody@example.com", "password": "wrong-password-1"}))
    };
    assert_eq!(srv.send(attempt()).await.status, 401);
    assert_eq!(srv.send(attempt()).await.status, 429);
    let text = scrape(&srv).await;
    assert_line(
        &text,
        r#"rate_limit_hits_total{route="/api/auth/sign-in/email"} 1"#,
    );
    assert_line(
        &text,
        r#"http_requests_total{route="/api/auth/sign-in/email",method="POST",status="429"} 1"#,
    );
    // The 401 was a login attempt; the refused one never reached sign-in.
    assert_line(
        &text,
        r#"auth_login_attempts_total{method="email",status="failure"} 1"#,
    );
}

/// The loop itself: with a 1 s interval the first run comes within a second and deletes.
async fn cleanup_loop_runs_and_stops() {
    let srv = sqlite_with(&[("CLEANUP_INTERVAL", "1")]).await;
    let up = srv.sign_up("Loop", "loop@example.com", PASSWORD).await;
    insert_session(&srv, &up.user_id, Utc::now() - Duration::hours(1)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while expired(&srv, "session").await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the cleanup loop did not run"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(srv.count("session", &[]).await, 1);
    let handle = jobs::spawn(srv.app.ctx.clone());
    tokio::time::timeout(std::time::Duration::from_secs(5), handle.stop())
        .await
        .expect("stop returns promptly");
}

/// A plugin's expiring table is cleaned with core's, and its job runs under its own lease and
/// stops with the others.
async fn plugin_tables_and_jobs(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs([("CLEANUP_BATCH_SIZE", "2"), ("CLEANUP_INTERVAL", "0")])
        .plugin(std::sync::Arc::new(seam_plugin::Seam))
        .start()
        .await;
    let ctx = srv.app.ctx.clone();
    let now = Utc::now();
    for (expires, n) in [
        (now - Duration::minutes(5), 5),
        (now + Duration::minutes(5), 2),
    ] {
        for _ in 0..n {
            let mut row = Row::new();
            row.insert("value".into(), generate_id(8).into());
            row.insert("expiresAt".into(), expires.into());
            insert_row(&srv, seam_plugin::TABLE, row).await;
        }
    }
    let tables: Vec<_> = jobs::expiring_tables(&ctx)
        .iter()
        .map(|t| t.table)
        .collect();
    assert_eq!(tables, ["session", "verification", seam_plugin::TABLE]);
    let out = jobs::run_cleanup(&ctx, "instance-a", std::time::Duration::from_secs(60))
        .await
        .expect("cleanup");
    assert_eq!(out, CleanupOutcome::Ran(CleanupReport::default()));
    assert_eq!(srv.count(seam_plugin::TABLE, &[]).await, 2, "{backend:?}");
    assert_eq!(expired(&srv, seam_plugin::TABLE).await, 0);
    assert_eq!(ctx.metrics.cleanup_deleted.get(&[seam_plugin::TABLE]), 5);
    let text = scrape(&srv).await;
    assert_line(
        &text,
        r#"portcullis_cleanup_deleted_total{table="seamToken"} 5"#,
    );

    // The job: run by the server's loop (first run within a second), under its lease.
    let ticks = || async {
        ctx.secondary
            .get(seam_plugin::TICKS_KEY)
            .await
            .expect("get")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ticks().await == 0 {
        assert!(std::time::Instant::now() < deadline, "the job did not run");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let lease = format!("{}seam-tick", jobs::JOB_LEASE_PREFIX);
    assert!(ctx.secondary.get(&lease).await.expect("get").is_some());
    let job = ctx
        .plugins
        .iter()
        .flat_map(|p| p.jobs())
        .next()
        .expect("job");
    assert_eq!(
        jobs::run_job(&ctx, &job, "another-instance")
            .await
            .expect("run"),
        jobs::JobOutcome::Skipped,
        "the lease is held"
    );

    // A handle of its own starts the job too, and stops promptly.
    ctx.secondary.delete(&lease).await.expect("delete");
    let handle = jobs::spawn(ctx.clone());
    assert_eq!(handle.plugin_jobs(), ["seam-tick"]);
    tokio::time::timeout(std::time::Duration::from_secs(5), handle.stop())
        .await
        .expect("stop returns promptly");
}
