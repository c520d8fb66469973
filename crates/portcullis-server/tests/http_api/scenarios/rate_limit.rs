//! Rate limiting (Better Auth's rules and 429, plus the IETF `RateLimit-*` headers) and
//! per-account lockout. Each scenario starts its own server on the given backend: the suite's
//! default servers run in development mode, where the limiter is off.

use std::time::Duration;

use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

const SIGN_IN: &str = "/api/auth/sign-in/email";
const BODY_429: &str = r#"{"message":"Too many requests. Please try again later."}"#;

async fn with_config(srv: &TestServer, extra: &[(&str, &str)]) -> TestServer {
    srv.with_config(extra).await
}

/// Windows are aligned to multiples of their length: wait until the current one has at least
/// `margin` left, so that a test's requests all land in one window.
async fn fresh_window(window_secs: u64, margin: Duration) {
    let w = u128::from(window_secs) * 1000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    let left = w - now % w;
    if left < margin.as_millis() {
        tokio::time::sleep(Duration::from_millis(u64::try_from(left).expect("ms") + 50)).await;
    }
}

fn header_num(res: &Response, name: &str) -> u64 {
    res.header(name)
        .unwrap_or_else(|| panic!("no {name}: {}", res.describe()))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number: {}", res.describe()))
}

/// Better Auth's 429: exact body, JSON, `X-Retry-After`, plus `Retry-After` and `RateLimit-*`.
#[track_caller]
fn assert_429(res: &Response, limit: u64, window: u64) {
    assert_eq!(res.status, 429, "{}", res.describe());
    assert_eq!(res.text(), BODY_429, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{}",
        res.describe()
    );
    let retry = header_num(res, "x-retry-after");
    assert!((1..=window).contains(&retry), "{}", res.describe());
    assert_eq!(header_num(res, "retry-after"), retry);
    assert_eq!(header_num(res, "ratelimit-reset"), retry);
    assert_eq!(header_num(res, "ratelimit-limit"), limit);
    assert_eq!(header_num(res, "ratelimit-remaining"), 0);
    assert_no_set_cookie(res);
}

fn sign_in_req(email: &str, password: &str) -> Request {
    Request::post(SIGN_IN).json(&json!({"email": email, "password": password}))
}

#[track_caller]
fn assert_invalid_credentials(res: &Response) {
    assert_error(
        res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    assert_no_set_cookie(res);
    assert_eq!(res.header("set-auth-token"), None);
}

/// Better Auth's built-in 3 per 10 s on sign-in: three answers with `RateLimit-*` headers,
/// then 429; other paths keep their own buckets and the global 100 per 10 s.
pub async fn rate_limit_builtin_sign_in_rule(srv: &TestServer) {
    let srv = with_config(srv, &[("RATE_LIMIT_ENABLED", "true")]).await;
    fresh_window(10, Duration::from_secs(4)).await;
    for remaining in [2, 1, 0] {
        let res = srv
            .send(sign_in_req("nobody@example.com", "wrong-password"))
            .await;
        assert_invalid_credentials(&res);
        assert_eq!(header_num(&res, "ratelimit-limit"), 3);
        assert_eq!(header_num(&res, "ratelimit-remaining"), remaining);
        assert!((1..=10).contains(&header_num(&res, "ratelimit-reset")));
        assert_eq!(res.header("x-retry-after"), None);
    }
    let res = srv
        .send(sign_in_req("nobody@example.com", "wrong-password"))
        .await;
    assert_429(&res, 3, 10);
    // Refused before routing and validation: any body, any method on the path.
    let res = srv.send(Request::post(SIGN_IN).json(&json!({}))).await;
    assert_429(&res, 3, 10);

    // Another path has its own bucket.
    let res = srv
        .send(Request::post("/api/auth/sign-up/email").json(&json!({})))
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(header_num(&res, "ratelimit-limit"), 3);
    let res = srv.send(Request::get("/api/auth/ok")).await;
    assert_json(&res, 200, json!({"ok": true}));
    assert_eq!(header_num(&res, "ratelimit-limit"), 100);
    assert_eq!(header_num(&res, "ratelimit-remaining"), 99);
}

/// Buckets are per client address, resolved through trusted proxies.
pub async fn rate_limit_buckets_per_client_ip(srv: &TestServer) {
    let srv = with_config(
        srv,
        &[
            ("RATE_LIMIT_ENABLED", "true"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("RATE_LIMIT_RULES", "/sign-in/email=2/3600"),
        ],
    )
    .await;
    fresh_window(3600, Duration::from_secs(30)).await;
    let from = |ip: &str| {
        sign_in_req("nobody@example.com", "wrong-password").header("x-forwarded-for", ip)
    };
    for _ in 0..2 {
        assert_invalid_credentials(&srv.send(from("203.0.113.1")).await);
    }
    assert_429(&srv.send(from("203.0.113.1")).await, 2, 3600);
    // A proxy chain ending in the same client shares its bucket.
    assert_429(&srv.send(from("198.51.100.7, 203.0.113.1")).await, 2, 3600);
    // Another client, and the proxy itself, have their own.
    let res = srv.send(from("203.0.113.2")).await;
    assert_invalid_credentials(&res);
    assert_eq!(header_num(&res, "ratelimit-remaining"), 1);
    let res = srv
        .send(sign_in_req("nobody@example.com", "wrong-password"))
        .await;
    assert_invalid_credentials(&res);
    assert_eq!(header_num(&res, "ratelimit-remaining"), 1);
}

/// `RATE_LIMIT_RULES`: a custom limit on one path, another path turned off, a wildcard.
pub async fn rate_limit_custom_rules(srv: &TestServer) {
    let srv = with_config(
        srv,
        &[
            ("RATE_LIMIT_ENABLED", "true"),
            (
                "RATE_LIMIT_RULES",
                "/get-session=2/3600,/sign-in/email=off,/list-*=1/3600",
            ),
        ],
    )
    .await;
    fresh_window(3600, Duration::from_secs(30)).await;
    for remaining in [1, 0] {
        let res = srv.send(Request::get("/api/auth/get-session")).await;
        assert_eq!(res.status, 200, "{}", res.describe());
        assert_eq!(header_num(&res, "ratelimit-limit"), 2);
        assert_eq!(header_num(&res, "ratelimit-remaining"), remaining);
        assert_eq!(res.header("ratelimit-policy"), Some("2;w=3600"));
    }
    assert_429(
        &srv.send(Request::get("/api/auth/get-session")).await,
        2,
        3600,
    );

    for _ in 0..5 {
        let res = srv
            .send(sign_in_req("nobody@example.com", "wrong-password"))
            .await;
        assert_invalid_credentials(&res);
        assert_eq!(res.header("ratelimit-limit"), None, "{}", res.describe());
    }

    let res = srv.send(Request::get("/api/auth/list-sessions")).await;
    assert_unauthorized(&res);
    assert_eq!(header_num(&res, "ratelimit-limit"), 1);
    assert_429(
        &srv.send(Request::get("/api/auth/list-sessions")).await,
        1,
        3600,
    );
    // The wildcard stays within one path segment: /list-accounts has its own bucket.
    let res = srv.send(Request::get("/api/auth/list-accounts")).await;
    assert_unauthorized(&res);
}

/// `RATE_LIMIT_STORAGE=database`: Better Auth's `rateLimit` table, on either backend.
pub async fn rate_limit_database_storage(srv: &TestServer) {
    let srv = with_config(
        srv,
        &[
            ("RATE_LIMIT_ENABLED", "true"),
            ("RATE_LIMIT_STORAGE", "database"),
            ("RATE_LIMIT_RULES", "/get-session=3/3600"),
        ],
    )
    .await;
    let sends = (0..3).map(|_| srv.send(Request::get("/api/auth/get-session")));
    for res in futures::future::join_all(sends).await {
        assert_eq!(res.status, 200, "{}", res.describe());
    }
    assert_429(
        &srv.send(Request::get("/api/auth/get-session")).await,
        3,
        3600,
    );
    let rows = srv
        .adapter()
        .find_many("rateLimit", &portcullis_storage::Query::default())
        .await
        .expect("rateLimit rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0].get("key").and_then(|v| v.as_str()),
        Some("127.0.0.1|/get-session")
    );
    assert_eq!(rows[0].get("count").and_then(|v| v.as_int()), Some(3));
    // Another path, another row.
    let res = srv.send(Request::get("/api/auth/ok")).await;
    assert_eq!(header_num(&res, "ratelimit-remaining"), 99);
    assert_eq!(srv.count("rateLimit", &[]).await, 2);
}

/// Five failures lock an email, whatever the IP: then even the right password gets the
/// wrong-password answer. Unknown emails lock the same way. Success resets the count.
pub async fn account_lockout(srv: &TestServer) {
    let srv = with_config(
        srv,
        &[("TRUSTED_PROXIES", "127.0.0.1"), ("LOCKOUT_DURATION", "3")],
    )
    .await;
    let password = "lock-password-1";
    srv.sign_up("Lock", "lock@example.com", password).await;
    srv.sign_up("Reset", "reset@example.com", password).await;

    for i in 0..5 {
        let res = srv
            .send(
                sign_in_req("Lock@Example.com", "wrong-password")
                    .header("x-forwarded-for", &format!("203.0.113.{i}")),
            )
            .await;
        assert_invalid_credentials(&res);
    }
    let locked = srv.send(sign_in_req("lock@example.com", password)).await;
    assert_invalid_credentials(&locked);
    let wrong = srv
        .send(sign_in_req("lock@example.com", "wrong-password"))
        .await;
    assert_eq!(locked.text(), wrong.text());
    assert_eq!(locked.header("content-type"), wrong.header("content-type"));

    // An unknown email: the same five failures, the same answer after them.
    for _ in 0..6 {
        assert_invalid_credentials(&srv.send(sign_in_req("ghost@example.com", password)).await);
    }

    // A success before the limit starts the count again.
    for _ in 0..2 {
        for _ in 0..4 {
            assert_invalid_credentials(
                &srv.send(sign_in_req("reset@example.com", "wrong-password"))
                    .await,
            );
        }
        srv.sign_in("reset@example.com", password).await;
    }

    // The lock ends after LOCKOUT_DURATION.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let (token, _) = srv.sign_in("lock@example.com", password).await;
    assert!(!token.is_empty());
}

/// `LOCKOUT_MAX_ATTEMPTS=0` turns lockout off.
pub async fn account_lockout_disabled(srv: &TestServer) {
    let srv = with_config(srv, &[("LOCKOUT_MAX_ATTEMPTS", "0")]).await;
    let password = "open-password-1";
    srv.sign_up("Open", "open@example.com", password).await;
    for _ in 0..7 {
        assert_invalid_credentials(
            &srv.send(sign_in_req("open@example.com", "wrong-password"))
                .await,
        );
    }
    let (_, res) = srv.sign_in("open@example.com", password).await;
    assert_eq!(res.json()["user"]["email"], Value::from("open@example.com"));
}

/// Plugins bring Better Auth's limits for their paths: 5 magic links and 3 email codes per
/// minute from one client.
pub async fn rate_limit_plugin_rules(srv: &TestServer) {
    let srv = with_config(srv, &[("RATE_LIMIT_ENABLED", "true")]).await;
    fresh_window(60, Duration::from_secs(5)).await;
    let link = || {
        Request::post("/api/auth/sign-in/magic-link").json(&json!({"email": "link@example.com"}))
    };
    for _ in 0..5 {
        let res = srv.send(link()).await;
        assert_json(&res, 200, json!({"status": true}));
        assert_eq!(header_num(&res, "ratelimit-limit"), 5);
    }
    assert_429(&srv.send(link()).await, 5, 60);

    let code = || {
        Request::post("/api/auth/email-otp/send-verification-otp")
            .json(&json!({"email": "code@example.com", "type": "sign-in"}))
    };
    for _ in 0..3 {
        assert_json(&srv.send(code()).await, 200, json!({"success": true}));
    }
    assert_429(&srv.send(code()).await, 3, 60);
}
