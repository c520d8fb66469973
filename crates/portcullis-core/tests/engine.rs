//! Engine tests: the pipeline called in-process (no HTTP server) on a temporary SQLite database.

use std::collections::HashMap;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue, Method};
use portcullis_core::cookies::SetCookie;
use portcullis_core::engine::{self, EngineParts};
use portcullis_core::{AuthContext, AuthResponse, Body, Config, RawRequest, Sources};
use portcullis_storage::{Adapter, MemoryStorage, SqlAdapter};
use serde_json::{Value, json};

const ORIGIN: &str = "http://127.0.0.1:9";

struct Harness {
    ctx: Arc<AuthContext>,
    dir: std::path::PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn harness(extra: &[(&str, &str)]) -> Harness {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-engine-{}",
        portcullis_core::crypto::token::generate_id(10)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut env: HashMap<String, String> = [
        ("BETTER_AUTH_URL", ORIGIN.to_owned()),
        (
            "BETTER_AUTH_SECRET",
            "engine-test-secret-engine-test-secret-0123".to_owned(),
        ),
        ("DATABASE_URL", format!("sqlite://{}/p.db", dir.display())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::load(&Sources::new(env).expect("sources")).expect("config");
    let schema = Arc::new(engine::schema_for(&config, &[]));
    let adapter = SqlAdapter::connect(&config.database_url, 2, 1, schema.clone())
        .await
        .expect("connect");
    adapter.migrate(&schema).await.expect("migrate");
    let ctx = engine::build(
        EngineParts {
            config,
            adapter: Arc::new(adapter),
            secondary: Arc::new(MemoryStorage::new()),
            plugins: vec![],
            renderer: None,
            delivery: portcullis_delivery::Delivery::start(
                portcullis_delivery::DeliveryConfig::outbox(dir.join("outbox")),
            )
            .expect("delivery"),
            clock: Arc::new(portcullis_core::clock::SystemClock),
        },
        schema,
    )
    .expect("engine");
    Harness { ctx, dir }
}

fn request(method: Method, path: &str, body: Option<Value>, cookies: &[SetCookie]) -> RawRequest {
    let mut headers = HeaderMap::new();
    if body.is_some() {
        headers.insert("content-type", HeaderValue::from_static("application/json"));
    }
    if !cookies.is_empty() {
        let jar: Vec<String> = cookies
            .iter()
            .filter(|c| !c.is_deletion())
            .map(|c| {
                format!(
                    "{}={}",
                    c.name,
                    portcullis_core::cookies::encode_uri_component(&c.value)
                )
            })
            .collect();
        headers.insert(
            "cookie",
            HeaderValue::from_str(&jar.join("; ")).expect("cookie header"),
        );
        headers.insert("origin", HeaderValue::from_static(ORIGIN));
    }
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (path, None),
    };
    RawRequest {
        method,
        path: format!("/api/auth{path}"),
        query,
        headers,
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        peer: Some("127.0.0.1".parse().expect("ip")),
    }
}

fn json_of(res: &AuthResponse) -> Value {
    match &res.body {
        Body::Json(v) => v.clone(),
        Body::JsonBytes(b) => serde_json::from_slice(b).expect("valid JSON"),
        other => panic!("expected JSON, got {other:?}"),
    }
}

async fn sign_up(h: &Harness, email: &str) -> AuthResponse {
    let res = h
        .ctx
        .handle(request(
            Method::POST,
            "/sign-up/email",
            Some(json!({"name": "Eve", "email": email, "password": "eve-pass-5521"})),
            &[],
        ))
        .await;
    assert_eq!(res.status, 200, "{:?}", res.body);
    res
}

#[tokio::test]
async fn sign_up_then_session_then_sign_out() {
    let h = harness(&[]).await;
    let res = sign_up(&h, "Eve@Example.com").await;
    let body = json_of(&res);
    assert_eq!(body["user"]["email"], "eve@example.com");
    let token = body["token"].as_str().expect("token").to_owned();
    let names: Vec<_> = res.cookies.iter().map(|c| c.name.as_str()).collect();
    // No cookie cache by default: a revoked session must not answer from a cookie.
    assert_eq!(names, vec!["better-auth.session_token"]);

    let got = h
        .ctx
        .handle(request(
            Method::GET,
            "/get-session?disableCookieCache=1",
            None,
            &res.cookies,
        ))
        .await;
    assert_eq!(json_of(&got)["session"]["token"], token.as_str());
    assert!(
        got.headers
            .iter()
            .any(|(k, v)| k == "cache-control" && v == "no-store")
    );

    let out = h
        .ctx
        .handle(request(
            Method::POST,
            "/sign-out",
            Some(json!({})),
            &res.cookies,
        ))
        .await;
    assert_eq!(json_of(&out), json!({"success": true}));
    assert!(out.cookies.iter().all(SetCookie::is_deletion));

    // The session row is gone: the signed cookie now gets null and clearing cookies.
    let after = h
        .ctx
        .handle(request(
            Method::GET,
            "/get-session?disableCookieCache=1",
            None,
            &res.cookies,
        ))
        .await;
    assert_eq!(json_of(&after), Value::Null);
    assert_eq!(after.cookies.len(), 3);
}

#[tokio::test]
async fn cookie_cache_answers_until_disabled() {
    let h = harness(&[("SESSION_COOKIE_CACHE_MAX_AGE", "300")]).await;
    let res = sign_up(&h, "cache@example.com").await;
    // Delete every session behind the cache's back.
    h.ctx
        .adapter
        .delete_many("session", &[])
        .await
        .expect("delete");
    let cached = h
        .ctx
        .handle(request(Method::GET, "/get-session", None, &res.cookies))
        .await;
    assert_eq!(
        json_of(&cached)["user"]["email"],
        "cache@example.com",
        "signed cache answers without the DB"
    );
    let fresh = h
        .ctx
        .handle(request(
            Method::GET,
            "/get-session?disableCookieCache=true",
            None,
            &res.cookies,
        ))
        .await;
    assert_eq!(json_of(&fresh), Value::Null);
    // Sensitive endpoints never trust the cache.
    let revoke = h
        .ctx
        .handle(request(
            Method::POST,
            "/revoke-sessions",
            Some(json!({})),
            &res.cookies,
        ))
        .await;
    assert_eq!(revoke.status, 401);
}

#[tokio::test]
async fn cache_off_means_no_session_data_cookie() {
    let h = harness(&[("SESSION_COOKIE_CACHE_MAX_AGE", "0")]).await;
    let res = sign_up(&h, "nocache@example.com").await;
    assert!(
        res.cookies
            .iter()
            .all(|c| c.name != "better-auth.session_data")
    );
}

#[tokio::test]
async fn pipeline_order_matches_better_auth() {
    let h = harness(&[]).await;
    let res = sign_up(&h, "order@example.com").await;
    // With a Cookie header, a foreign origin is refused before validation.
    let mut req = request(Method::POST, "/update-user", Some(json!([])), &res.cookies);
    req.headers
        .insert("origin", HeaderValue::from_static("https://evil.example"));
    let r = h.ctx.handle(req).await;
    assert_eq!(
        (r.status, json_of(&r)["code"].clone()),
        (403, json!("INVALID_ORIGIN"))
    );
    // Without a session, an invalid body still gets 400 (validation precedes the session check).
    let r = h
        .ctx
        .handle(request(Method::POST, "/update-user", Some(json!([])), &[]))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        json_of(&r)["message"],
        "[body] Invalid input: expected record, received array"
    );
    // Unknown path and wrong method: 404 with an empty body.
    let r = h
        .ctx
        .handle(request(Method::GET, "/sign-in/email", None, &[]))
        .await;
    assert_eq!((r.status, r.body), (404, Body::Empty));
}

#[tokio::test]
async fn short_sessions_for_remember_me_false() {
    let h = harness(&[]).await;
    sign_up(&h, "short@example.com").await;
    let res = h
        .ctx
        .handle(request(Method::POST, "/sign-in/email", Some(json!({"email": "short@example.com", "password": "eve-pass-5521", "rememberMe": false})), &[]))
        .await;
    assert_eq!(res.status, 200);
    let token = res
        .cookies
        .iter()
        .find(|c| c.name == "better-auth.session_token")
        .expect("session cookie");
    assert_eq!(token.max_age, None);
    assert!(
        res.cookies
            .iter()
            .any(|c| c.name == "better-auth.dont_remember")
    );
    let expires = json_of(
        &h.ctx
            .handle(request(
                Method::GET,
                "/get-session?disableCookieCache=1",
                None,
                &res.cookies,
            ))
            .await,
    )["session"]["expiresAt"]
        .as_str()
        .map(str::to_owned)
        .expect("expiresAt");
    let expires = chrono::DateTime::parse_from_rfc3339(&expires).expect("date");
    assert!(expires.with_timezone(&chrono::Utc) <= chrono::Utc::now() + chrono::Duration::days(1));
}

#[tokio::test]
async fn sessions_older_than_update_age_are_extended() {
    let h = harness(&[
        ("SESSION_UPDATE_AGE", "0"),
        ("SESSION_COOKIE_CACHE_MAX_AGE", "0"),
    ])
    .await;
    let res = sign_up(&h, "refresh@example.com").await;
    let first = json_of(
        &h.ctx
            .handle(request(
                Method::GET,
                "/get-session?disableRefresh=1",
                None,
                &res.cookies,
            ))
            .await,
    );
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let refreshed = h
        .ctx
        .handle(request(Method::GET, "/get-session", None, &res.cookies))
        .await;
    let cookie = refreshed
        .cookies
        .iter()
        .find(|c| c.name == "better-auth.session_token")
        .expect("cookie re-set on refresh");
    assert_eq!(cookie.max_age, Some(604_800));
    let second = json_of(&refreshed);
    assert!(second["session"]["expiresAt"].as_str() > first["session"]["expiresAt"].as_str());
    assert_eq!(
        second["session"]["token"], first["session"]["token"],
        "same token after refresh"
    );
}

#[tokio::test]
async fn https_base_url_uses_secure_prefixed_cookies() {
    let h = harness(&[
        ("BETTER_AUTH_URL", "https://auth.example.com"),
        ("ALLOWED_ORIGINS", ORIGIN),
    ])
    .await;
    let res = sign_up(&h, "secure@example.com").await;
    let c = res
        .cookies
        .iter()
        .find(|c| c.name.ends_with("session_token"))
        .expect("cookie");
    assert_eq!(c.name, "__Secure-better-auth.session_token");
    assert!(c.header_value().contains("; Secure; SameSite=Lax"));
}

fn header<'a>(res: &'a AuthResponse, name: &str) -> Option<&'a str> {
    res.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Memory windows are aligned to multiples of their length: keep clear of a boundary.
async fn fresh_window(window_secs: u64) {
    let w = i64::try_from(window_secs * 1000).expect("ms");
    let left = w - chrono::Utc::now().timestamp_millis() % w;
    if left < 10_000 {
        tokio::time::sleep(std::time::Duration::from_millis(
            u64::try_from(left).expect("ms") + 50,
        ))
        .await;
    }
}

#[tokio::test]
async fn rate_limiter_runs_before_routing_with_database_storage() {
    let h = harness(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_STORAGE", "database"),
        ("RATE_LIMIT_RULES", "/no-such-path=1/3600"),
    ])
    .await;
    let first = h
        .ctx
        .handle(request(Method::GET, "/no-such-path", None, &[]))
        .await;
    assert_eq!(first.status, 404);
    assert_eq!(header(&first, "ratelimit-limit"), Some("1"));
    assert_eq!(header(&first, "ratelimit-remaining"), Some("0"));
    let second = h
        .ctx
        .handle(request(Method::GET, "/no-such-path", None, &[]))
        .await;
    assert_eq!(second.status, 429);
    assert_eq!(
        json_of(&second),
        json!({"message": "Too many requests. Please try again later."})
    );
    let retry: u64 = header(&second, "x-retry-after")
        .expect("x-retry-after")
        .parse()
        .expect("seconds");
    assert!((3595..=3600).contains(&retry), "{retry}");
    let rows = h
        .ctx
        .adapter
        .count("rateLimit", &[])
        .await
        .expect("rateLimit table");
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn rate_limit_by_user_falls_back_to_ip() {
    let h = harness(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_KEY", "user"),
        ("RATE_LIMIT_RULES", "/get-session=1/3600"),
    ])
    .await;
    fresh_window(3600).await;
    let a = sign_up(&h, "a@example.com").await;
    let b = sign_up(&h, "b@example.com").await;
    let get = |cookies: &[SetCookie]| request(Method::GET, "/get-session", None, cookies);
    assert_eq!(h.ctx.handle(get(&a.cookies)).await.status, 200);
    assert_eq!(h.ctx.handle(get(&a.cookies)).await.status, 429);
    // Same address, another user: another bucket.
    assert_eq!(h.ctx.handle(get(&b.cookies)).await.status, 200);
    // No session: the address's bucket.
    assert_eq!(h.ctx.handle(get(&[])).await.status, 200);
    assert_eq!(h.ctx.handle(get(&[])).await.status, 429);
}

#[tokio::test]
async fn limiter_is_off_by_default_outside_production() {
    let h = harness(&[]).await;
    for _ in 0..5 {
        let res = h
            .ctx
            .handle(request(
                Method::POST,
                "/sign-in/email",
                Some(json!({"email": "x@example.com", "password": "eve-pass-5521"})),
                &[],
            ))
            .await;
        assert_eq!(res.status, 401);
        assert_eq!(header(&res, "ratelimit-limit"), None);
    }
}

/// `ctx.defer`: work runs after the call returns, on a fixed number of workers; a full queue
/// drops (and counts) rather than grows; failures and panics are counted and end only their
/// own job; `flush` waits for what was queued, and gives up at its timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_work_is_bounded_counted_and_flushable() {
    use portcullis_core::deferred::{QUEUE_CAPACITY, WORKERS};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    let h = harness(&[]).await;
    let ctx = &h.ctx;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let count = |kind: &str, result: &str| ctx.metrics.deferred_jobs.get(&[kind, result]);
    let blocked = || {
        let (gate, started, done) = (gate.clone(), started.clone(), done.clone());
        move |_ctx: Arc<AuthContext>| async move {
            started.fetch_add(1, Ordering::SeqCst);
            let _permit = gate
                .acquire()
                .await
                .map_err(|_| portcullis_core::ApiError::internal())?;
            done.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    };

    // Every worker held by a job that waits for the gate, then a full queue behind them.
    for _ in 0..WORKERS {
        ctx.defer("test", None, blocked());
    }
    tokio::time::timeout(Duration::from_secs(10), async {
        while started.load(Ordering::SeqCst) < WORKERS {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("every worker took a job");
    for _ in 0..QUEUE_CAPACITY {
        ctx.defer("test", None, blocked());
    }
    assert_eq!(ctx.deferred.pending(), WORKERS + QUEUE_CAPACITY);
    ctx.defer("test", Some("dropped@example.com".into()), blocked());
    assert_eq!(count("test", "dropped"), 1);
    assert_eq!(ctx.deferred.pending(), WORKERS + QUEUE_CAPACITY);
    assert!(!ctx.deferred.flush(Duration::from_millis(50)).await);
    assert_eq!(
        started.load(Ordering::SeqCst),
        WORKERS,
        "only the workers' jobs started"
    );
    assert_eq!(done.load(Ordering::SeqCst), 0, "nothing ran past the gate");

    gate.add_permits(WORKERS + QUEUE_CAPACITY);
    assert!(ctx.deferred.flush(Duration::from_secs(30)).await);
    assert_eq!(done.load(Ordering::SeqCst), WORKERS + QUEUE_CAPACITY);
    assert_eq!(count("test", "ok") as usize, WORKERS + QUEUE_CAPACITY);

    // A failure and a panic are counted, and the workers go on.
    ctx.defer(
        "failing",
        Some("someone@example.com".into()),
        |_ctx| async { Err(portcullis_core::ApiError::internal()) },
    );
    ctx.defer("panicking", None, |_ctx| async {
        if true {
            panic!("a bug in deferred work");
        }
        Ok(())
    });
    for _ in 0..2 * WORKERS {
        ctx.defer("test", None, blocked());
    }
    gate.add_permits(2 * WORKERS);
    assert!(ctx.deferred.flush(Duration::from_secs(10)).await);
    assert_eq!(count("failing", "error"), 1);
    assert_eq!(count("panicking", "error"), 1);
    assert_eq!(
        done.load(Ordering::SeqCst),
        WORKERS + QUEUE_CAPACITY + 2 * WORKERS
    );
    let metrics = ctx.metrics.render();
    assert!(
        metrics.contains(r#"portcullis_deferred_total{kind="test",result="dropped"} 1"#),
        "{metrics}"
    );
}
