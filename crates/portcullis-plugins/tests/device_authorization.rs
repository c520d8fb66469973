//! The device authorization plugin (RFC 8628) on each backend: the code's answer and how it is
//! stored (hashed), Better Auth's exact error bodies, the happy path to a bearer session,
//! `slow_down` and its growing interval, expiry by moving the clock (and the cleanup job),
//! denial, a code used twice, a code approved by one user that another user cannot answer and
//! another client cannot take, the allowed-client list, the audit events, and the public
//! `redeem` an OpenID provider's token endpoint calls.

use chrono::Duration;
use portcullis_core::endpoint::AuthRequest;
use portcullis_plugins::device_authorization::{self, ApprovedDevice, DeviceGrantError};
use portcullis_storage::{Value as Cell, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const PASSWORD: &str = "device-password-1";
const ON: &[(&str, &str)] = &[("ENABLE_DEVICE_AUTHORIZATION", "true")];

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("code_answer_and_refusals", |b| {
            Box::pin(code_answer_and_refusals(b))
        })
        .per_backend("approved_code_gives_a_bearer_session_once", |b| {
            Box::pin(approved_code_gives_a_bearer_session_once(b))
        })
        .per_backend("polling_too_fast_slows_down_by_five_seconds", |b| {
            Box::pin(polling_too_fast_slows_down_by_five_seconds(b))
        })
        .per_backend("codes_expire_with_the_clock_and_are_cleaned_up", |b| {
            Box::pin(codes_expire_with_the_clock_and_are_cleaned_up(b))
        })
        .per_backend("denied_code_answers_access_denied_once", |b| {
            Box::pin(denied_code_answers_access_denied_once(b))
        })
        .per_backend(
            "only_the_claimer_answers_and_only_its_client_redeems",
            |b| Box::pin(only_the_claimer_answers_and_only_its_client_redeems(b)),
        )
        .per_backend("allowed_client_list", |b| Box::pin(allowed_client_list(b)))
        .per_backend("redeem_for_another_token_endpoint", |b| {
            Box::pin(redeem_for_another_token_endpoint(b))
        })
        .per_backend("concurrent_polls_get_one_session", |b| {
            Box::pin(concurrent_polls_get_one_session(b))
        })
        .per_backend("rate_limits", |b| Box::pin(rate_limits(b)))
        .per_backend("better_auth_rows_keep_working", |b| {
            Box::pin(better_auth_rows_keep_working(b))
        })
        .run()
}

async fn server(backend: Backend, env: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .envs(ON.iter().chain(env).copied())
        .start()
        .await
}

async fn user<'a>(srv: &'a TestServer, email: &str) -> (Agent<'a>, String) {
    let mut agent = srv.agent();
    let (_, id) = agent.sign_up("Device Owner", email, PASSWORD).await;
    (agent, id)
}

/// A fresh code for `client_id`: the whole answer.
async fn new_code(srv: &TestServer, client_id: &str, scope: Option<&str>) -> Value {
    let mut body = json!({"client_id": client_id});
    if let Some(scope) = scope {
        body["scope"] = json!(scope);
    }
    let res = srv.post("/device/code", body).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()
}

fn code_of(answer: &Value, key: &str) -> String {
    answer[key].as_str().expect(key).to_owned()
}

async fn poll(srv: &TestServer, device_code: &str, client_id: &str) -> Response {
    srv.post(
        "/device/token",
        json!({"grant_type": GRANT, "device_code": device_code, "client_id": client_id}),
    )
    .await
}

/// An RFC 8628 error body, exactly, never cached.
#[track_caller]
fn assert_oauth_error(res: &Response, status: u16, error: &str, description: &str) {
    assert_json(
        res,
        status,
        json!({"error": error, "error_description": description}),
    );
    assert_eq!(
        res.text(),
        serde_json::to_string(&json!({"error": error, "error_description": description}))
            .expect("json"),
        "key order"
    );
}

async fn verify(agent: &mut Agent<'_>, user_code: &str) -> Response {
    agent
        .get(&format!(
            "/api/auth/device?user_code={}",
            urlencoding(user_code)
        ))
        .await
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A JSON object's keys in the order the answer has them.
fn fields(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

async fn stored_row(srv: &TestServer, user_code: &str) -> Option<portcullis_storage::Row> {
    let stored: String = user_code.chars().filter(|c| *c != '-').collect();
    srv.adapter()
        .find_one("deviceCode", &[Where::eq("userCode", stored)])
        .await
        .expect("read")
}

async fn code_answer_and_refusals(backend: Backend) {
    let srv = server(backend, &[]).await;
    let res = srv
        .post(
            "/device/code",
            json!({"client_id": "tv", "scope": "openid profile"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("pragma"), Some("no-cache"));
    let answer = res.json();
    assert_eq!(
        fields(&answer),
        [
            "device_code",
            "user_code",
            "verification_uri",
            "verification_uri_complete",
            "expires_in",
            "interval"
        ]
    );
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");
    assert_eq!(device_code.len(), 40);
    assert!(device_code.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(user_code.len(), 9, "{user_code}");
    assert_eq!(&user_code[4..5], "-");
    assert!(
        user_code
            .chars()
            .filter(|c| *c != '-')
            .all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)),
        "{user_code}"
    );
    let base = srv.base.trim_end_matches('/');
    assert_eq!(answer["verification_uri"], json!(format!("{base}/device")));
    assert_eq!(
        answer["verification_uri_complete"],
        json!(format!("{base}/device?user_code={user_code}"))
    );
    assert_eq!(answer["expires_in"], json!(1800));
    assert_eq!(answer["interval"], json!(5));

    // Stored as its SHA-256 only; the user code without the dash, as Better Auth stores it.
    let row = stored_row(&srv, &user_code).await.expect("row");
    let stored = row
        .get("deviceCode")
        .and_then(Cell::as_str)
        .expect("deviceCode");
    assert_eq!(
        stored,
        portcullis_core::crypto::token::hash_token(&device_code)
    );
    for (column, v) in &row {
        assert_ne!(v.as_str(), Some(device_code.as_str()), "{column}");
    }
    assert_eq!(row.get("status").and_then(Cell::as_str), Some("pending"));
    assert_eq!(
        row.get("pollingInterval").and_then(Cell::as_int),
        Some(5000)
    );
    assert_eq!(row.get("clientId").and_then(Cell::as_str), Some("tv"));
    assert_eq!(
        row.get("scope").and_then(Cell::as_str),
        Some("openid profile")
    );
    assert!(row.get("userId").is_none_or(Cell::is_null));
    // The hash is no device code.
    let res = poll(&srv, stored, "tv").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Invalid device code");

    // RFC 8628's form body works too.
    let res = srv
        .send(Request::post("/api/auth/device/code").form(&[("client_id", "cli")]))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());

    // Better Auth's refusals, word for word.
    let res = srv.post("/device/code", json!({})).await;
    assert_oauth_error(
        &res,
        400,
        "invalid_request",
        "[body.client_id] Invalid input: expected string, received undefined",
    );
    let res = srv.post("/device/code", json!({"client_id": ""})).await;
    assert_oauth_error(&res, 400, "invalid_request", "client_id is required");
    let res = srv.post("/device/token", json!({})).await;
    assert_validation(
        &res,
        &format!(
            "[body.grant_type] Invalid input: expected \"{GRANT}\"; [body.device_code] Invalid input: expected string, received undefined; [body.client_id] Invalid input: expected string, received undefined"
        ),
    );
    let res = srv
        .post(
            "/device/token",
            json!({"grant_type": "password", "device_code": "x", "client_id": "tv"}),
        )
        .await;
    assert_validation(
        &res,
        &format!("[body.grant_type] Invalid input: expected \"{GRANT}\""),
    );
    let res = poll(&srv, "no-such-code", "tv").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Invalid device code");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let res = srv.send(Request::get("/api/auth/device")).await;
    assert_validation(
        &res,
        "[query.user_code] Invalid input: expected string, received undefined",
    );
    let mut visitor = srv.agent();
    let res = verify(&mut visitor, "ZZZZ-ZZZZ").await;
    assert_oauth_error(&res, 400, "invalid_request", "Invalid user code");
    let res = visitor
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_oauth_error(&res, 401, "unauthorized", "Authentication required");
    let (mut owner, _) = user(&srv, "refusals@example.com").await;
    let res = owner.post("/api/auth/device/approve", json!({})).await;
    assert_validation(
        &res,
        "[body.userCode] Invalid input: expected string, received undefined",
    );
    // Approving needs the code claimed by a signed-in check first.
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_oauth_error(
        &res,
        400,
        "invalid_request",
        "Device code has not been claimed by a verifying session; call `GET /device` with the `user_code` while signed in before approving or denying",
    );
    // Signed out, the status only.
    let res = verify(&mut visitor, &user_code).await;
    assert_json(
        &res,
        200,
        json!({"user_code": user_code, "status": "pending"}),
    );
}

async fn approved_code_gives_a_bearer_session_once(backend: Backend) {
    let srv = server(backend, &[("ENABLE_AUDIT_LOG", "true")]).await;
    let (mut owner, owner_id) = user(&srv, "owner@example.com").await;
    let doc = openapi_document(&srv).await;
    let answer = new_code(&srv, "tv", Some("openid profile")).await;
    assert_matches_openapi(&doc, "post", "/device/code", 200, &answer);
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");

    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "authorization_pending", "Authorization pending");
    assert_matches_openapi(&doc, "post", "/device/token", 400, &res.json());

    // Typed in lower case without the dash: the same code, echoed as typed.
    let typed = user_code.replace('-', "").to_lowercase();
    let res = verify(&mut owner, &typed).await;
    assert_json(
        &res,
        200,
        json!({"user_code": typed, "status": "pending", "client_id": "tv", "scope": "openid profile"}),
    );
    assert_matches_openapi(&doc, "get", "/device", 200, &res.json());
    let row = stored_row(&srv, &user_code).await.expect("row");
    assert_eq!(
        row.get("userId").and_then(Cell::as_str),
        Some(owner_id.as_str())
    );

    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_oauth_error(
        &res,
        400,
        "invalid_request",
        "Device code already processed",
    );
    let res = verify(&mut owner, &user_code).await;
    assert_eq!(res.json()["status"], json!("approved"));

    srv.clock.advance(Duration::seconds(5));
    let res = poll(&srv, &device_code, "tv").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!(res.set_cookies().is_empty(), "a device gets no cookie");
    let grant = res.json();
    assert_matches_openapi(&doc, "post", "/device/token", 200, &grant);
    assert_eq!(
        fields(&grant),
        ["access_token", "token_type", "expires_in", "scope"]
    );
    assert_eq!(grant["token_type"], json!("Bearer"));
    assert_eq!(grant["scope"], json!("openid profile"));
    let expires_in = grant["expires_in"].as_i64().expect("expires_in");
    assert!((604_790..=604_800).contains(&expires_in), "{expires_in}");
    let token = code_of(&grant, "access_token");

    // The access token is a session of the approving user, as a bearer token.
    let res = srv
        .send(Request::get("/api/auth/get-session").bearer(&token))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["id"], json!(owner_id));

    // Used once: the row is gone and a second redemption is refused.
    assert!(stored_row(&srv, &user_code).await.is_none());
    srv.clock.advance(Duration::seconds(5));
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Invalid device code");

    srv.settle().await;
    for action in ["device_authorization.approve", "device_authorization.grant"] {
        let n = srv
            .count(
                "auditEvent",
                &[
                    Where::eq("action", action),
                    Where::eq("targetUserId", owner_id.as_str()),
                ],
            )
            .await;
        assert_eq!(n, 1, "{action}");
    }
}

async fn polling_too_fast_slows_down_by_five_seconds(backend: Backend) {
    let srv = server(backend, &[]).await;
    let answer = new_code(&srv, "tv", None).await;
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");
    let interval = |row: portcullis_storage::Row| row.get("pollingInterval").and_then(Cell::as_int);

    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "authorization_pending", "Authorization pending");
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "slow_down", "Polling too frequently");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(
        interval(stored_row(&srv, &user_code).await.expect("row")),
        Some(10_000)
    );
    // Six seconds on is within the longer interval: slowed down again, and longer again.
    srv.clock.advance(Duration::seconds(6));
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "slow_down", "Polling too frequently");
    assert_eq!(
        interval(stored_row(&srv, &user_code).await.expect("row")),
        Some(15_000)
    );
    // A slowed-down poll is no poll: fifteen seconds after the last one that counted is fine.
    srv.clock.advance(Duration::seconds(9));
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "authorization_pending", "Authorization pending");
    srv.clock.advance(Duration::seconds(14));
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "slow_down", "Polling too frequently");
}

async fn codes_expire_with_the_clock_and_are_cleaned_up(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut owner, _) = user(&srv, "late@example.com").await;
    let answer = new_code(&srv, "tv", None).await;
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");
    let res = verify(&mut owner, &user_code).await;
    assert_json(
        &res,
        200,
        json!({"user_code": user_code, "status": "pending", "client_id": "tv", "scope": null}),
    );

    srv.clock
        .advance(Duration::minutes(30) + Duration::seconds(1));
    let res = verify(&mut owner, &user_code).await;
    assert_oauth_error(&res, 400, "expired_token", "User code has expired");
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_oauth_error(&res, 400, "expired_token", "User code has expired");
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "expired_token", "Device code has expired");
    // The dead code is gone at once.
    assert!(stored_row(&srv, &user_code).await.is_none());
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Invalid device code");

    // Codes nobody polls are deleted by the cleanup job once expired.
    let forgotten = new_code(&srv, "tv", None).await;
    let kept = code_of(&new_code(&srv, "tv", None).await, "user_code");
    srv.clock.advance(Duration::minutes(29));
    let fresh = code_of(&new_code(&srv, "tv", None).await, "user_code");
    srv.clock.advance(Duration::minutes(2));
    portcullis_server::jobs::cleanup_expired(&srv.app.ctx)
        .await
        .expect("cleanup");
    assert!(
        stored_row(&srv, &code_of(&forgotten, "user_code"))
            .await
            .is_none()
    );
    assert!(stored_row(&srv, &kept).await.is_none());
    assert!(stored_row(&srv, &fresh).await.is_some());
}

async fn denied_code_answers_access_denied_once(backend: Backend) {
    let srv = server(backend, &[("ENABLE_AUDIT_LOG", "true")]).await;
    let (mut owner, owner_id) = user(&srv, "deny@example.com").await;
    let answer = new_code(&srv, "tv", Some("email")).await;
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");
    assert_eq!(verify(&mut owner, &user_code).await.status, 200);
    let res = owner
        .post("/api/auth/device/deny", json!({"userCode": user_code}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_oauth_error(
        &res,
        400,
        "invalid_request",
        "Device code already processed",
    );
    let res = verify(&mut owner, &user_code).await;
    assert_eq!(res.json()["status"], json!("denied"));

    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "access_denied", "Access denied");
    assert!(stored_row(&srv, &user_code).await.is_none());
    srv.clock.advance(Duration::seconds(5));
    let res = poll(&srv, &device_code, "tv").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Invalid device code");
    let n = srv
        .count(
            "auditEvent",
            &[
                Where::eq("action", "device_authorization.deny"),
                Where::eq("actorUserId", owner_id.as_str()),
            ],
        )
        .await;
    assert_eq!(n, 1);
}

async fn only_the_claimer_answers_and_only_its_client_redeems(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut owner, owner_id) = user(&srv, "claimer@example.com").await;
    let (mut other, _) = user(&srv, "other@example.com").await;
    let answer = new_code(&srv, "tv", Some("openid")).await;
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");

    assert_eq!(verify(&mut owner, &user_code).await.status, 200);
    // Another signed-in user sees the status only, and cannot answer.
    let res = verify(&mut other, &user_code).await;
    assert_json(
        &res,
        200,
        json!({"user_code": user_code, "status": "pending"}),
    );
    let res = other
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_oauth_error(
        &res,
        403,
        "access_denied",
        "You are not authorized to approve this device authorization",
    );
    let res = other
        .post("/api/auth/device/deny", json!({"userCode": user_code}))
        .await;
    assert_oauth_error(
        &res,
        403,
        "access_denied",
        "You are not authorized to deny this device authorization",
    );
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_json(&res, 200, json!({"success": true}));

    // Another client cannot take the approved code, and trying does not spend it.
    let res = poll(&srv, &device_code, "attacker").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Client ID mismatch");
    let res = poll(&srv, &device_code, "attacker").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Client ID mismatch");
    let res = poll(&srv, &device_code, "tv").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let token = code_of(&res.json(), "access_token");
    let res = srv
        .send(Request::get("/api/auth/get-session").bearer(&token))
        .await;
    assert_eq!(res.json()["user"]["id"], json!(owner_id));
}

async fn allowed_client_list(backend: Backend) {
    let srv = server(backend, &[("DEVICE_AUTHORIZATION_CLIENT_IDS", "tv,cli")]).await;
    let res = srv
        .post("/device/code", json!({"client_id": "toaster"}))
        .await;
    assert_oauth_error(&res, 400, "invalid_client", "Invalid client ID");
    let answer = new_code(&srv, "cli", None).await;
    let res = poll(&srv, &code_of(&answer, "device_code"), "toaster").await;
    assert_oauth_error(&res, 400, "invalid_client", "Invalid client ID");
    let res = poll(&srv, &code_of(&answer, "device_code"), "cli").await;
    assert_oauth_error(&res, 400, "authorization_pending", "Authorization pending");
}

async fn redeem_for_another_token_endpoint(backend: Backend) {
    let srv = server(backend, &[]).await;
    let ctx = &srv.app.ctx;
    let req = AuthRequest::default();
    let (mut owner, owner_id) = user(&srv, "oidc@example.com").await;
    let answer = new_code(&srv, "oidc-client", Some("openid  email")).await;
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");

    let err = device_authorization::redeem(ctx, &req, &device_code, "oidc-client")
        .await
        .expect_err("pending");
    assert!(matches!(err, DeviceGrantError::AuthorizationPending));
    assert_eq!(err.code(), "authorization_pending");
    let err = device_authorization::redeem(ctx, &req, &device_code, "oidc-client")
        .await
        .expect_err("too soon");
    assert_eq!(err.code(), "slow_down");

    assert_eq!(verify(&mut owner, &user_code).await.status, 200);
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_eq!(res.status, 200);
    srv.clock.advance(Duration::seconds(10));
    let err = device_authorization::redeem(ctx, &req, &device_code, "someone-else")
        .await
        .expect_err("other client");
    assert_eq!(err.code(), "invalid_grant");
    let approved = device_authorization::redeem(ctx, &req, &device_code, "oidc-client")
        .await
        .expect("approved");
    assert_eq!(
        approved,
        ApprovedDevice {
            user_id: owner_id,
            scope: vec!["openid".to_owned(), "email".to_owned()],
        }
    );
    srv.clock.advance(Duration::seconds(10));
    let err = device_authorization::redeem(ctx, &req, &device_code, "oidc-client")
        .await
        .expect_err("used");
    assert!(matches!(err, DeviceGrantError::InvalidDeviceCode));
    assert_eq!(err.code(), "invalid_grant");
}

/// With rate limiting on: Better Auth's five user-code checks per address and code lifetime,
/// ten codes a minute, sixty polls a minute. Counted in the database, Better Auth's window
/// from the last request, so no window boundary falls inside the test.
async fn rate_limits(backend: Backend) {
    let srv = server(
        backend,
        &[
            ("RATE_LIMIT_ENABLED", "true"),
            ("RATE_LIMIT_STORAGE", "database"),
        ],
    )
    .await;
    for i in 0..10 {
        let res = srv.post("/device/code", json!({"client_id": "tv"})).await;
        assert_eq!(res.status, 200, "code {i}: {}", res.describe());
    }
    let res = srv.post("/device/code", json!({"client_id": "tv"})).await;
    assert_eq!(res.status, 429, "{}", res.describe());
    for i in 0..5 {
        let res = srv
            .send(Request::get("/api/auth/device?user_code=BBBB-BBBB"))
            .await;
        assert_eq!(res.status, 400, "check {i}: {}", res.describe());
    }
    let res = srv
        .send(Request::get("/api/auth/device?user_code=BBBB-BBBB"))
        .await;
    assert_eq!(res.status, 429, "{}", res.describe());
    for i in 0..60 {
        let res = poll(&srv, "no-such-code", "tv").await;
        assert_eq!(res.status, 400, "poll {i}: {}", res.describe());
    }
    let res = poll(&srv, "no-such-code", "tv").await;
    assert_eq!(res.status, 429, "{}", res.describe());
}

/// A row as Better Auth writes it (the device code in the clear, a user code of `A-Z2-9`
/// without a dash), left by a Better Auth server whose database Portcullis now serves.
async fn better_auth_rows_keep_working(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut owner, owner_id) = user(&srv, "inherited@example.com").await;
    let plain = "eLLcEIlAyR72hlmeNruByvhRvPxZO49iIBTlbdpX";
    let row = portcullis_storage::Row::from([
        ("id".to_owned(), Cell::from("ba-device-row-1")),
        ("deviceCode".to_owned(), Cell::from(plain)),
        ("userCode".to_owned(), Cell::from("MGSB2VN4")),
        ("userId".to_owned(), Cell::from(owner_id.as_str())),
        (
            "expiresAt".to_owned(),
            Cell::Date(chrono::Utc::now() + Duration::minutes(20)),
        ),
        ("status".to_owned(), Cell::from("pending")),
        ("lastPolledAt".to_owned(), Cell::Null),
        ("pollingInterval".to_owned(), Cell::Int(5000)),
        ("clientId".to_owned(), Cell::from("tv")),
        ("scope".to_owned(), Cell::from("openid")),
    ]);
    srv.adapter()
        .create("deviceCode", row)
        .await
        .expect("a Better Auth row");
    let res = verify(&mut owner, "mgsb-2vn4").await;
    assert_json(
        &res,
        200,
        json!({"user_code": "mgsb-2vn4", "status": "pending", "client_id": "tv", "scope": "openid"}),
    );
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": "MGSB2VN4"}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let res = poll(&srv, plain, "tv").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["scope"], json!("openid"));
    srv.clock.advance(Duration::seconds(5));
    let res = poll(&srv, plain, "tv").await;
    assert_oauth_error(&res, 400, "invalid_grant", "Invalid device code");
}

/// Four devices' polls of one approved code at once: exactly one gets a session.
async fn concurrent_polls_get_one_session(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut owner, owner_id) = user(&srv, "race@example.com").await;
    let answer = new_code(&srv, "tv", None).await;
    let device_code = code_of(&answer, "device_code");
    let user_code = code_of(&answer, "user_code");
    assert_eq!(verify(&mut owner, &user_code).await.status, 200);
    let res = owner
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let sessions_before = srv
        .count("session", &[Where::eq("userId", owner_id.as_str())])
        .await;
    let (a, b, c, d) = tokio::join!(
        poll(&srv, &device_code, "tv"),
        poll(&srv, &device_code, "tv"),
        poll(&srv, &device_code, "tv"),
        poll(&srv, &device_code, "tv"),
    );
    let answers = [a, b, c, d];
    let granted = answers.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        granted,
        1,
        "{:?}",
        answers.iter().map(Response::text).collect::<Vec<_>>()
    );
    for r in answers.iter().filter(|r| r.status != 200) {
        assert_eq!(r.status, 400, "{}", r.describe());
        let error = r.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(
            ["invalid_grant", "slow_down"].contains(&error.as_str()),
            "{}",
            r.describe()
        );
    }
    let sessions_after = srv
        .count("session", &[Where::eq("userId", owner_id.as_str())])
        .await;
    assert_eq!(sessions_after, sessions_before + 1);
}
