//! The api-key plugin on each backend: create, get, update, delete and list with Better Auth's
//! bodies; keys stored only as their hash; the per-key rate limit (429, then allowed once the
//! window has passed); remaining uses that run out and refill; verify and permissions; expiry;
//! the key header as a session (on and off); concurrent uses that never overspend; and a key
//! deleted on one instance refused at once by another (PostgreSQL and Redis). With the admin
//! plugin, the admin console's API keys: every key listed a page at a time (newest first, keys
//! made in the same instant included, no repeats), filtered by owner, name or start and state,
//! never with the key or its hash; a key turned off is refused at once and works again once
//! turned on; a deleted key is gone; each act is audited; only operators may do any of it, and
//! bad input is a 4xx with a code.

mod common;

use std::sync::Arc;

use chrono::Duration;
use portcullis_storage::{Value as Cell, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use portcullis_testkit::runner::{Flavor, Service};
use serde_json::{Value, json};

const SECRET_HEADER: &str = "x-portcullis-server-secret";
const SERVER_SECRET: &str = "server-secret-for-tests-0123456789abcdef";
const PASSWORD: &str = "api-key-password-1";
const BASE_ENV: &[(&str, &str)] = &[
    ("ENABLE_API_KEY", "true"),
    ("API_KEY_SERVER_SECRET", SERVER_SECRET),
];
const WITH_SESSIONS: &[(&str, &str)] = &[
    ("ENABLE_API_KEY", "true"),
    ("API_KEY_SERVER_SECRET", SERVER_SECRET),
    ("API_KEY_ENABLE_SESSIONS", "true"),
];

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("create_get_update_delete_list", |b| {
            Box::pin(create_get_update_delete_list(b))
        })
        .per_backend("keys_are_stored_hashed", |b| {
            Box::pin(keys_are_stored_hashed(b))
        })
        .per_backend("server_only_properties_need_the_server_secret", |b| {
            Box::pin(server_only_properties_need_the_server_secret(b))
        })
        .per_backend("per_key_rate_limit_then_allowed_after_the_window", |b| {
            Box::pin(per_key_rate_limit_then_allowed_after_the_window(b))
        })
        .per_backend("remaining_runs_out_then_refills", |b| {
            Box::pin(remaining_runs_out_then_refills(b))
        })
        .per_backend("verify_checks_permissions_and_who_asks", |b| {
            Box::pin(verify_checks_permissions_and_who_asks(b))
        })
        .per_backend("expired_and_disabled_keys_are_refused", |b| {
            Box::pin(expired_and_disabled_keys_are_refused(b))
        })
        .per_backend("header_as_session_on_and_off", |b| {
            Box::pin(header_as_session_on_and_off(b))
        })
        .per_backend("owners_are_told_once_before_a_key_expires", |b| {
            Box::pin(owners_are_told_once_before_a_key_expires(b))
        })
        .per_backend("concurrent_uses_never_overspend", |b| {
            Box::pin(concurrent_uses_never_overspend(b))
        })
        .per_backend("admin_console_lists_every_key_a_page_at_a_time", |b| {
            Box::pin(admin_console_lists_every_key_a_page_at_a_time(b))
        })
        .per_backend(
            "admin_console_turns_keys_off_and_on_and_deletes_them",
            |b| Box::pin(admin_console_turns_keys_off_and_on_and_deletes_them(b)),
        )
        .per_backend("admin_console_is_for_operators_and_checks_its_input", |b| {
            Box::pin(admin_console_is_for_operators_and_checks_its_input(b))
        })
        .test_needing(
            "deleted_key_is_refused_at_once_on_another_instance",
            &[Service::POSTGRES, Service::REDIS],
            Flavor::MultiThread { workers: 2 },
            || Box::pin(deleted_key_is_refused_at_once_on_another_instance()),
        )
        .run()
}

async fn server(backend: Backend, env: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .envs(env.iter().copied())
        .start()
        .await
}

/// A signed-up user's cookie jar.
async fn user<'a>(srv: &'a TestServer, email: &str) -> (Agent<'a>, String) {
    let mut agent = srv.agent();
    let (_, id) = agent.sign_up("Key Holder", email, PASSWORD).await;
    (agent, id)
}

/// A key made by a server call (limits, permissions, `userId`): its id and plaintext.
async fn server_key(srv: &TestServer, body: Value) -> (String, String) {
    let res = srv
        .send(
            Request::post("/api/auth/api-key/create")
                .header(SECRET_HEADER, SERVER_SECRET)
                .json(&body),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let v = res.json();
    (
        v["id"].as_str().expect("id").to_owned(),
        v["key"].as_str().expect("key").to_owned(),
    )
}

async fn verify(srv: &TestServer, body: Value) -> Value {
    let res = srv
        .send(
            Request::post("/api/auth/api-key/verify")
                .header(SECRET_HEADER, SERVER_SECRET)
                .json(&body),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()
}

async fn get_session_with_key(srv: &TestServer, key: &str) -> Response {
    srv.send(Request::get("/api/auth/get-session").header("x-api-key", key))
        .await
}

/// A JSON object's keys in the order the answer has them.
fn fields(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn record_keys() -> Vec<&'static str> {
    vec![
        "configId",
        "name",
        "start",
        "referenceId",
        "prefix",
        "refillInterval",
        "refillAmount",
        "lastRefillAt",
        "enabled",
        "rateLimitEnabled",
        "rateLimitTimeWindow",
        "rateLimitMax",
        "requestCount",
        "remaining",
        "lastRequest",
        "expiresAt",
        "createdAt",
        "updatedAt",
        "permissions",
        "metadata",
        "id",
    ]
}

async fn expiry_notices(srv: &TestServer, email: &str) -> Vec<portcullis_delivery::OutboxMessage> {
    srv.outbox()
        .await
        .into_iter()
        .filter(|m| m.to == email && m.kind == "api-key-expiring")
        .collect()
}

/// ASVS V2.3.3: a week before a key expires its owner is mailed, once, naming the key; a key
/// further out, or already told about, gets no mail.
async fn owners_are_told_once_before_a_key_expires(backend: Backend) {
    let srv = server(backend, BASE_ENV).await;
    let email = "expiring@example.com";
    let (mut me, _) = user(&srv, email).await;
    for (name, days) in [("deploy-bot", 10), ("nightly", 30)] {
        let res = me
            .post(
                "/api/auth/api-key/create",
                json!({"name": name, "expiresIn": days * 86_400}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }
    srv.run_job("api-key-expiry-notices").await;
    assert!(
        expiry_notices(&srv, email).await.is_empty(),
        "ten days out: not yet"
    );

    // Four days later the first key is six days from expiry.
    srv.clock.advance(Duration::days(4));
    srv.run_job("api-key-expiry-notices").await;
    srv.run_job("api-key-expiry-notices").await;
    let sent = expiry_notices(&srv, email).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].subject.contains("deploy-bot"),
        "{}",
        sent[0].subject
    );
    assert!(
        sent[0].subject.contains("in 5 days") || sent[0].subject.contains("in 6 days"),
        "{}",
        sent[0].subject
    );
    assert!(sent[0].text.contains("/account"), "{}", sent[0].text);

    // With notices off, nothing is scheduled.
    let quiet = server(
        backend,
        &[
            ("ENABLE_API_KEY", "true"),
            ("API_KEY_EXPIRY_NOTICE_DAYS", "0"),
        ],
    )
    .await;
    assert!(
        quiet
            .app
            .ctx
            .plugins
            .iter()
            .flat_map(|p| p.jobs())
            .all(|j| j.name != "api-key-expiry-notices")
    );
}

async fn create_get_update_delete_list(backend: Backend) {
    let srv = server(backend, BASE_ENV).await;
    let (mut me, my_id) = user(&srv, "crud@example.com").await;

    let res = me
        .post(
            "/api/auth/api-key/create",
            json!({"name": "ci", "prefix": "pk_", "expiresIn": 86400}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let created = res.json();
    let mut expected = record_keys();
    expected.insert(5, "key");
    assert_eq!(
        fields(&created),
        expected,
        "Better Auth's fields, in its order"
    );
    let key = created["key"].as_str().expect("key");
    assert!(key.starts_with("pk_") && key.len() == 67, "{key}");
    assert!(key[3..].bytes().all(|b| b.is_ascii_alphabetic()), "{key}");
    assert_eq!(created["start"], json!(&key[..6]));
    assert_eq!(created["referenceId"], json!(my_id));
    assert_eq!(created["rateLimitTimeWindow"], json!(86_400_000));
    assert_eq!(created["rateLimitMax"], json!(10));
    assert_eq!(created["remaining"], Value::Null);
    assert_eq!(created["permissions"], Value::Null);
    let expires = parse_date(&created["expiresAt"]) - parse_date(&created["createdAt"]);
    assert_eq!(expires, Duration::days(1));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let id = created["id"].as_str().expect("id").to_owned();

    // Better Auth's refusals, word for word.
    let res = me
        .post("/api/auth/api-key/create", json!({"metadata": {"a": 1}}))
        .await;
    assert_error(&res, 400, "METADATA_DISABLED", "Metadata is disabled.");
    let res = me
        .post("/api/auth/api-key/create", json!({"expiresIn": 60}))
        .await;
    assert_error(
        &res,
        400,
        "EXPIRES_IN_IS_TOO_SMALL",
        "The expiresIn is smaller than the predefined minimum value.",
    );
    let res = me
        .post("/api/auth/api-key/create", json!({"prefix": "no spaces"}))
        .await;
    assert_validation(
        &res,
        "[body.prefix] Invalid prefix format, must be alphanumeric and contain only underscores and hyphens.",
    );
    let res = srv
        .send(Request::post("/api/auth/api-key/create").json(&json!({})))
        .await;
    assert_error(
        &res,
        401,
        "UNAUTHORIZED_SESSION",
        "Unauthorized or invalid session",
    );

    let got = me.get(&format!("/api/auth/api-key/get?id={id}")).await;
    assert_eq!(got.status, 200, "{}", got.describe());
    assert_eq!(fields(&got.json()), record_keys(), "no key in a read");
    let res = me.get("/api/auth/api-key/get?id=nope").await;
    assert_error(&res, 404, "KEY_NOT_FOUND", "API Key not found");
    let res = me.get("/api/auth/api-key/get").await;
    assert_validation(
        &res,
        "[query.id] Invalid input: expected string, received undefined",
    );

    // Another user's key is "not found" to me, everywhere.
    let (mut other, _) = user(&srv, "other@example.com").await;
    let theirs = other
        .post("/api/auth/api-key/create", json!({"name": "theirs"}))
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for res in [
        me.get(&format!("/api/auth/api-key/get?id={theirs}")).await,
        me.post(
            "/api/auth/api-key/update",
            json!({"keyId": theirs, "name": "x"}),
        )
        .await,
        me.post("/api/auth/api-key/delete", json!({"keyId": theirs}))
            .await,
    ] {
        assert_error(&res, 404, "KEY_NOT_FOUND", "API Key not found");
    }

    let res = me
        .post(
            "/api/auth/api-key/update",
            json!({"keyId": id, "name": "renamed", "enabled": false, "expiresIn": null}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let updated = res.json();
    assert_eq!(updated["name"], json!("renamed"));
    assert_eq!(updated["enabled"], json!(false));
    assert_eq!(updated["expiresAt"], Value::Null);
    let res = me
        .post("/api/auth/api-key/update", json!({"keyId": id}))
        .await;
    assert_error(&res, 400, "NO_VALUES_TO_UPDATE", "No values to update.");
    let res = me
        .post(
            "/api/auth/api-key/update",
            json!({"keyId": id, "name": "x".repeat(33)}),
        )
        .await;
    assert_error(
        &res,
        400,
        "INVALID_NAME_LENGTH",
        "The name length is either too large or too small.",
    );
    let res = me
        .post(
            "/api/auth/api-key/update",
            json!({"keyId": id, "remaining": 3}),
        )
        .await;
    assert_error(
        &res,
        400,
        "SERVER_ONLY_PROPERTY",
        "The property you're trying to set can only be set from the server auth instance only.",
    );

    for name in ["b", "c"] {
        let res = me
            .post("/api/auth/api-key/create", json!({"name": name}))
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }
    let res = me
        .get("/api/auth/api-key/list?sortBy=name&sortDirection=desc&limit=2&offset=1")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let listed = res.json();
    assert_eq!(listed["total"], json!(3));
    assert_eq!(listed["limit"], json!(2));
    assert_eq!(listed["offset"], json!(1));
    let names: Vec<&str> = listed["apiKeys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["c", "b"],
        "sorted by name, descending, after the first"
    );
    let all = me.get("/api/auth/api-key/list").await.json();
    assert_eq!(
        fields(&all),
        ["apiKeys", "total"],
        "no limit or offset unless asked"
    );
    let res = me
        .get("/api/auth/api-key/list?limit=-1&sortDirection=up")
        .await;
    assert_validation(
        &res,
        "[query.limit] Too small: expected number to be >=0; [query.sortDirection] Invalid option: expected one of \"asc\"|\"desc\"",
    );

    let res = me
        .post("/api/auth/api-key/delete", json!({"keyId": id}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let res = me
        .post("/api/auth/api-key/delete", json!({"keyId": id}))
        .await;
    assert_error(&res, 404, "KEY_NOT_FOUND", "API Key not found");
    let res = srv
        .send(Request::post("/api/auth/api-key/delete").json(&json!({"keyId": id})))
        .await;
    assert_unauthorized(&res);
    assert_eq!(
        me.get("/api/auth/api-key/list").await.json()["total"],
        json!(2)
    );
}

async fn keys_are_stored_hashed(backend: Backend) {
    let srv = server(backend, BASE_ENV).await;
    let (mut me, _) = user(&srv, "hashed@example.com").await;
    let created = me
        .post("/api/auth/api-key/create", json!({"name": "stored"}))
        .await
        .json();
    let key = created["key"].as_str().expect("key");
    let row = srv
        .adapter()
        .find_one(
            "apikey",
            &[Where::eq("id", created["id"].as_str().expect("id"))],
        )
        .await
        .expect("read")
        .expect("row");
    let stored = row.get("key").and_then(Cell::as_str).expect("key column");
    assert_ne!(stored, key);
    assert_eq!(stored, portcullis_core::crypto::token::hash_token(key));
    assert_eq!(stored.len(), 43, "base64url SHA-256 without padding");
    assert_eq!(row.get("start").and_then(Cell::as_str), Some(&key[..6]));
    assert_eq!(row.get("configId").and_then(Cell::as_str), Some("default"));
    // The plaintext is nowhere in the row.
    for (field, v) in &row {
        assert_ne!(v.as_str(), Some(key), "{field}");
    }
}

async fn server_only_properties_need_the_server_secret(backend: Backend) {
    let srv = server(backend, BASE_ENV).await;
    let (mut me, my_id) = user(&srv, "server@example.com").await;
    let res = me
        .post(
            "/api/auth/api-key/create",
            json!({"permissions": {"files": ["read"]}}),
        )
        .await;
    assert_error(
        &res,
        400,
        "SERVER_ONLY_PROPERTY",
        "The property you're trying to set can only be set from the server auth instance only.",
    );
    let res = me
        .post("/api/auth/api-key/create", json!({"userId": my_id}))
        .await;
    assert_error(
        &res,
        401,
        "UNAUTHORIZED_SESSION",
        "Unauthorized or invalid session",
    );
    let res = srv
        .send(
            Request::post("/api/auth/api-key/create")
                .header(SECRET_HEADER, "not-the-secret-not-the-secret-not-the")
                .json(&json!({"userId": my_id, "remaining": 3})),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_SERVER_SECRET",
        "The server secret is not valid.",
    );
    // While services move to a new secret, the old and the new one both work.
    let next = "next-server-secret-for-tests-0123456789";
    let rotating = server(
        backend,
        &[
            ("ENABLE_API_KEY", "true"),
            ("API_KEY_SERVER_SECRET", &format!("{next},{SERVER_SECRET}")),
        ],
    )
    .await;
    let (_, their_id) = user(&rotating, "rotating@example.com").await;
    for secret in [next, SERVER_SECRET] {
        let res = rotating
            .send(
                Request::post("/api/auth/api-key/create")
                    .header(SECRET_HEADER, secret)
                    .json(&json!({"userId": their_id})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }
    // A server call without a user has no owner for the key.
    let res = srv
        .send(
            Request::post("/api/auth/api-key/create")
                .header(SECRET_HEADER, SERVER_SECRET)
                .json(&json!({})),
        )
        .await;
    assert_error(
        &res,
        401,
        "UNAUTHORIZED_SESSION",
        "Unauthorized or invalid session",
    );
    let (id, _) = server_key(
        &srv,
        json!({
            "userId": my_id, "name": "svc", "remaining": 3, "rateLimitMax": 50,
            "rateLimitTimeWindow": 1000, "permissions": {"files": ["read", "write"]},
        }),
    )
    .await;
    let got = me
        .get(&format!("/api/auth/api-key/get?id={id}"))
        .await
        .json();
    assert_eq!(got["referenceId"], json!(my_id));
    assert_eq!(got["remaining"], json!(3));
    assert_eq!(got["rateLimitMax"], json!(50));
    assert_eq!(got["permissions"], json!({"files": ["read", "write"]}));
    let res = srv
        .send(
            Request::post("/api/auth/api-key/update")
                .header(SECRET_HEADER, SERVER_SECRET)
                .json(&json!({"keyId": id, "userId": my_id, "remaining": 9, "permissions": null})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["remaining"], json!(9));
    assert_eq!(res.json()["permissions"], Value::Null);
    // Refill needs both halves.
    let res = srv
        .send(
            Request::post("/api/auth/api-key/create")
                .header(SECRET_HEADER, SERVER_SECRET)
                .json(&json!({"userId": my_id, "refillAmount": 5})),
        )
        .await;
    assert_error(
        &res,
        400,
        "REFILL_AMOUNT_AND_INTERVAL_REQUIRED",
        "refillAmount is required when refillInterval is provided",
    );
}

async fn per_key_rate_limit_then_allowed_after_the_window(backend: Backend) {
    let srv = server(backend, WITH_SESSIONS).await;
    let (_, my_id) = user(&srv, "limited@example.com").await;
    let (_, key) = server_key(
        &srv,
        json!({"userId": my_id, "rateLimitMax": 2, "rateLimitTimeWindow": 60_000}),
    )
    .await;
    for _ in 0..2 {
        let res = get_session_with_key(&srv, &key).await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }
    srv.clock.advance(Duration::seconds(10));
    let res = get_session_with_key(&srv, &key).await;
    assert_eq!(res.status, 429, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["code"], json!("RATE_LIMITED"));
    assert_eq!(body["message"], json!("Rate limit exceeded."));
    // The window runs from the last use: 50 s of it are left.
    let wait = body["details"]["tryAgainIn"].as_i64().expect("tryAgainIn");
    assert!((49_000..=50_000).contains(&wait), "{wait}");
    assert_eq!(res.header("retry-after"), Some("50"));
    // Refused uses do not move the window.
    srv.clock
        .advance(Duration::seconds(50) + Duration::milliseconds(1));
    let res = get_session_with_key(&srv, &key).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    // Verify counts against the same limit.
    let v = verify(&srv, json!({"key": key})).await;
    assert_eq!(v["valid"], json!(true));
    let v = verify(&srv, json!({"key": key})).await;
    assert_eq!(v["valid"], json!(false));
    assert_eq!(v["error"]["code"], json!("RATE_LIMITED"));
    assert_eq!(v["key"], Value::Null);
}

async fn remaining_runs_out_then_refills(backend: Backend) {
    let srv = server(backend, BASE_ENV).await;
    let (_, my_id) = user(&srv, "remaining@example.com").await;
    let (id, key) = server_key(
        &srv,
        json!({
            "userId": my_id, "remaining": 2, "refillAmount": 3, "refillInterval": 3_600_000,
            "rateLimitEnabled": false,
        }),
    )
    .await;
    let first = verify(&srv, json!({"key": key})).await;
    assert_eq!(first["valid"], json!(true), "{first}");
    assert_eq!(first["key"]["remaining"], json!(1));
    assert_eq!(
        verify(&srv, json!({"key": key})).await["key"]["remaining"],
        json!(0)
    );
    let spent = verify(&srv, json!({"key": key})).await;
    assert_eq!(
        spent,
        json!({"valid": false, "error": {"message": "API Key has reached its usage limit", "code": "USAGE_EXCEEDED"}, "key": null})
    );
    srv.clock.advance(Duration::hours(1) + Duration::seconds(1));
    let refilled = verify(&srv, json!({"key": key})).await;
    assert_eq!(refilled["valid"], json!(true), "{refilled}");
    assert_eq!(
        refilled["key"]["remaining"],
        json!(2),
        "refilled to 3, one used"
    );
    assert!(refilled["key"]["lastRefillAt"].is_string());

    // Without a refill, the last use spends the key for good, and Better Auth deletes it.
    let (once, once_key) = server_key(&srv, json!({"userId": my_id, "remaining": 1})).await;
    assert_eq!(
        verify(&srv, json!({"key": once_key})).await["valid"],
        json!(true)
    );
    let gone = verify(&srv, json!({"key": once_key})).await;
    assert_eq!(gone["error"]["code"], json!("USAGE_EXCEEDED"));
    assert_eq!(
        srv.count("apikey", &[Where::eq("id", once.as_str())]).await,
        0
    );
    assert_eq!(
        srv.count("apikey", &[Where::eq("id", id.as_str())]).await,
        1
    );
}

async fn verify_checks_permissions_and_who_asks(backend: Backend) {
    let srv = server(backend, BASE_ENV).await;
    let (_, my_id) = user(&srv, "verify@example.com").await;
    let (_, key) = server_key(
        &srv,
        json!({"userId": my_id, "permissions": {"files": ["read", "write"], "users": ["read"]}}),
    )
    .await;
    let ok = verify(
        &srv,
        json!({"key": key, "permissions": {"files": ["read"], "users": ["read"]}}),
    )
    .await;
    assert_eq!(ok["valid"], json!(true), "{ok}");
    assert_eq!(ok["error"], Value::Null);
    assert_eq!(fields(&ok["key"]), record_keys());
    for asked in [
        json!({"files": ["delete"]}),
        json!({"files": ["read"], "billing": ["read"]}),
        json!({}),
    ] {
        let no = verify(&srv, json!({"key": key, "permissions": asked})).await;
        assert_eq!(
            no,
            json!({"valid": false, "error": {"message": "API Key not found", "code": "KEY_NOT_FOUND"}, "key": null}),
            "{asked}"
        );
    }
    let bad = verify(&srv, json!({"key": "not-a-key"})).await;
    assert_eq!(bad["error"]["code"], json!("INVALID_API_KEY"));
    assert_eq!(bad["error"]["message"], json!("Invalid API key."));

    // A service verifies with its own key, if that key may verify.
    let (_, service) = server_key(
        &srv,
        json!({"userId": my_id, "permissions": {"apiKey": ["verify"]}}),
    )
    .await;
    let res = srv
        .send(
            Request::post("/api/auth/api-key/verify")
                .header("x-api-key", &service)
                .json(&json!({"key": key, "permissions": {"files": ["write"]}})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["valid"], json!(true));
    // The key being verified may not verify others.
    let res = srv
        .send(
            Request::post("/api/auth/api-key/verify")
                .header("x-api-key", &key)
                .json(&json!({"key": service})),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert_eq!(res.json()["code"], json!("VERIFY_PERMISSION_REQUIRED"));
    let res = srv
        .send(Request::post("/api/auth/api-key/verify").json(&json!({"key": key})))
        .await;
    assert_eq!(res.status, 401, "{}", res.describe());
    let res = srv
        .send(
            Request::post("/api/auth/api-key/verify")
                .header(
                    "x-api-key",
                    "unknown-key-unknown-key-unknown-key-unknown-key-unknown-key-unkn",
                )
                .json(&json!({"key": key})),
        )
        .await;
    assert_error(&res, 401, "INVALID_API_KEY", "Invalid API key.");
}

async fn expired_and_disabled_keys_are_refused(backend: Backend) {
    let srv = server(backend, WITH_SESSIONS).await;
    let (mut me, _) = user(&srv, "expiry@example.com").await;
    let created = me
        .post(
            "/api/auth/api-key/create",
            json!({"name": "short", "expiresIn": 86_400}),
        )
        .await
        .json();
    let key = created["key"].as_str().expect("key").to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(get_session_with_key(&srv, &key).await.status, 200);
    srv.clock.advance(Duration::days(1) + Duration::seconds(1));
    let res = get_session_with_key(&srv, &key).await;
    assert_error(&res, 401, "KEY_EXPIRED", "API Key has expired");
    assert_eq!(
        srv.count("apikey", &[Where::eq("id", id.as_str())]).await,
        0,
        "deleted"
    );

    let created = me
        .post("/api/auth/api-key/create", json!({"name": "off"}))
        .await
        .json();
    let key = created["key"].as_str().expect("key").to_owned();
    let res = me
        .post(
            "/api/auth/api-key/update",
            json!({"keyId": created["id"], "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = get_session_with_key(&srv, &key).await;
    assert_error(&res, 401, "KEY_DISABLED", "API Key is disabled");
}

async fn header_as_session_on_and_off(backend: Backend) {
    let srv = server(backend, WITH_SESSIONS).await;
    let (mut me, my_id) = user(&srv, "header@example.com").await;
    let created = me
        .post("/api/auth/api-key/create", json!({"name": "session"}))
        .await
        .json();
    let key = created["key"].as_str().expect("key").to_owned();
    let res = srv
        .send(
            Request::get("/api/auth/get-session")
                .header("x-api-key", &key)
                .header("user-agent", "svc/1"),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_no_set_cookie(&res);
    let s = res.json();
    assert_eq!(
        fields(&s["session"]),
        [
            "id",
            "token",
            "userId",
            "userAgent",
            "ipAddress",
            "createdAt",
            "updatedAt",
            "expiresAt"
        ]
    );
    assert_eq!(s["session"]["id"], created["id"]);
    assert_eq!(s["session"]["token"], json!(key));
    assert_eq!(s["session"]["userId"], json!(my_id));
    assert_eq!(s["session"]["userAgent"], json!("svc/1"));
    assert_eq!(s["user"]["email"], json!("header@example.com"));
    // No expiry on the key: the session's own lifetime (7 days).
    let lifetime = parse_date(&s["session"]["expiresAt"]) - parse_date(&s["session"]["createdAt"]);
    assert_eq!(lifetime, Duration::days(7));

    // The key acts for its owner on any endpoint (through Before::Authenticate).
    let res = srv
        .send(
            Request::post("/api/auth/update-user")
                .header("x-api-key", &key)
                .json(&json!({"name": "Renamed by key"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        srv.session_of(&me_token(&mut me).await).await["user"]["name"],
        json!("Renamed by key")
    );
    let listed = srv
        .send(Request::get("/api/auth/api-key/list").header("x-api-key", &key))
        .await;
    assert_eq!(listed.json()["total"], json!(1));
    // Too short to be a key: refused before any lookup, as Better Auth does.
    let res = get_session_with_key(&srv, "short").await;
    assert_error(&res, 403, "INVALID_API_KEY", "Invalid API key.");
    let res = get_session_with_key(&srv, &"x".repeat(64)).await;
    assert_error(&res, 401, "INVALID_API_KEY", "Invalid API key.");

    // Off (the default): the header is not a session.
    let off = server(backend, BASE_ENV).await;
    let (mut owner, _) = user(&off, "header-off@example.com").await;
    let key = owner
        .post("/api/auth/api-key/create", json!({}))
        .await
        .json()["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let res = get_session_with_key(&off, &key).await;
    assert_json(&res, 200, Value::Null);
    let res = off
        .send(Request::get("/api/auth/api-key/list").header("x-api-key", &key))
        .await;
    assert_unauthorized(&res);
}

/// The raw session token of an agent's cookie.
async fn me_token(agent: &mut Agent<'_>) -> String {
    agent.get_session().await.expect("signed in")["session"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

async fn concurrent_uses_never_overspend(backend: Backend) {
    let srv = Arc::new(server(backend, BASE_ENV).await);
    let (_, my_id) = user(&srv, "burst@example.com").await;
    let (_, key) = server_key(
        &srv,
        json!({"userId": my_id, "remaining": 5, "rateLimitMax": 8, "rateLimitTimeWindow": 600_000}),
    )
    .await;
    let uses = (0..16).map(|_| {
        let srv = srv.clone();
        let key = key.clone();
        async move { verify(&srv, json!({"key": key})).await }
    });
    let answers = futures::future::join_all(uses).await;
    let valid = answers.iter().filter(|a| a["valid"] == json!(true)).count();
    assert_eq!(valid, 5, "{answers:?}");
    for a in answers.iter().filter(|a| a["valid"] != json!(true)) {
        // The use that spends the last one deletes the key, as Better Auth does.
        let code = a["error"]["code"].as_str();
        assert!(
            matches!(code, Some("USAGE_EXCEEDED" | "INVALID_API_KEY")),
            "{a}"
        );
    }
}

async fn deleted_key_is_refused_at_once_on_another_instance() {
    let redis = std::env::var("PORTCULLIS_TEST_REDIS_URL").expect("redis url");
    let prefix = format!(
        "it-apikey-{}:",
        portcullis_core::crypto::token::generate_id(8)
    );
    let shared: Vec<(&str, &str)> = WITH_SESSIONS
        .iter()
        .copied()
        .chain([
            ("REDIS_URL", redis.as_str()),
            ("REDIS_KEY_PREFIX", prefix.as_str()),
        ])
        .collect();
    let first = server(Backend::Postgres, &shared).await;
    let db = first.app.ctx.config.database_url.clone();
    let mut on_second: Vec<(&str, &str)> = shared.clone();
    on_second.push(("DATABASE_URL", db.as_str()));
    let second = server(Backend::Postgres, &on_second).await;

    let (mut me, _) = user(&first, "fleet@example.com").await;
    let created = me
        .post("/api/auth/api-key/create", json!({"name": "fleet"}))
        .await
        .json();
    let key = created["key"].as_str().expect("key").to_owned();
    for srv in [&first, &second, &first, &second] {
        let res = get_session_with_key(srv, &key).await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }
    let res = me
        .post("/api/auth/api-key/delete", json!({"keyId": created["id"]}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    for srv in [&second, &first] {
        let res = get_session_with_key(srv, &key).await;
        assert_error(&res, 401, "INVALID_API_KEY", "Invalid API key.");
    }
    // A key turned off on the second instance is refused by the first on its next request.
    let created = me
        .post("/api/auth/api-key/create", json!({"name": "fleet-2"}))
        .await
        .json();
    let key = created["key"].as_str().expect("key").to_owned();
    assert_eq!(get_session_with_key(&first, &key).await.status, 200);
    let res = second
        .send(
            Request::post("/api/auth/api-key/update")
                .header("x-api-key", &key)
                .json(&json!({"keyId": created["id"], "enabled": false})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = get_session_with_key(&first, &key).await;
    assert_error(&res, 401, "KEY_DISABLED", "API Key is disabled");
}

// --- the admin console's API keys ------------------------------------------------------------

const CONSOLE: &str = "/api/auth/admin/console/api-keys";
const WITH_CONSOLE: &[(&str, &str)] = &[
    ("ENABLE_API_KEY", "true"),
    ("API_KEY_SERVER_SECRET", SERVER_SECRET),
    ("API_KEY_ENABLE_SESSIONS", "true"),
    ("ENABLE_ADMIN", "true"),
    ("ENABLE_AUDIT_LOG", "true"),
];

/// The fields of a key in the console's list, in order.
const CONSOLE_FIELDS: &[&str] = &[
    "id",
    "name",
    "start",
    "prefix",
    "userId",
    "userEmail",
    "state",
    "enabled",
    "expiresAt",
    "createdAt",
    "lastRequest",
    "requestCount",
    "permissions",
];

/// A key made by `agent` for its user: its id and plaintext.
async fn own_key(agent: &mut Agent<'_>, body: Value) -> (String, String) {
    let res = agent.post("/api/auth/api-key/create", body).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let v = res.json();
    (
        v["id"].as_str().expect("id").to_owned(),
        v["key"].as_str().expect("key").to_owned(),
    )
}

/// Every page of the console's list for `query`, `limit` at a time, following `nextCursor`:
/// the keys in the order given, and the raw text of every page.
async fn every_console_page(
    admin: &mut Agent<'_>,
    query: &str,
    limit: usize,
) -> (Vec<Value>, String) {
    let mut keys = Vec::new();
    let mut raw = String::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut path = format!("{CONSOLE}?limit={limit}&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", c.replace(':', "%3A")));
        }
        let res = admin.get(&path).await;
        assert_eq!(res.status, 200, "{path}: {}", res.describe());
        assert_eq!(res.header("cache-control"), Some("no-store"));
        raw.push_str(&res.text());
        let page = res.json();
        let rows = page["apiKeys"].as_array().expect("apiKeys");
        assert!(rows.len() <= limit, "{page}");
        keys.extend(rows.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(c) => {
                assert_eq!(rows.len(), limit, "only a full page has a next one");
                cursor = Some(c.to_owned());
            }
            None => return (keys, raw),
        }
    }
    panic!("the listing never ends");
}

fn ids_of(keys: &[Value]) -> Vec<String> {
    keys.iter()
        .map(|k| k["id"].as_str().expect("id").to_owned())
        .collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The one audit event of `action` about key `key_id`.
async fn console_event(admin: &mut Agent<'_>, action: &str, key_id: &str) -> Value {
    let res = admin
        .get(&format!("/api/auth/audit/list?action={action}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let events: Vec<Value> = res.json()["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["targetId"] == json!(key_id))
        .cloned()
        .collect();
    assert_eq!(events.len(), 1, "{action} for {key_id}: {events:?}");
    events[0].clone()
}

async fn admin_console_lists_every_key_a_page_at_a_time(backend: Backend) {
    let srv = server(backend, WITH_CONSOLE).await;
    let (mut admin, _) = common::administrator(&srv, "root@example.com", PASSWORD).await;
    let (mut ann, ann_id) = user(&srv, "ann@example.com").await;
    let (mut bob, bob_id) = user(&srv, "bob@example.com").await;

    let mut plaintexts = Vec::new();
    let mut anns = Vec::new();
    for i in 0..5 {
        let (id, key) = own_key(
            &mut ann,
            json!({"name": format!("ann-tool-{i}"), "prefix": "an_"}),
        )
        .await;
        anns.push(id);
        plaintexts.push(key);
    }
    let mut bobs = Vec::new();
    for name in ["bob-ci", "deploy"] {
        let (id, key) = own_key(&mut bob, json!({"name": name, "prefix": "bo_"})).await;
        bobs.push(id);
        plaintexts.push(key);
    }
    // Keys made in one instant: four of Ann's share the first one's creation time exactly.
    let first = srv
        .adapter()
        .find_one("apikey", &[Where::eq("id", anns[0].as_str())])
        .await
        .expect("read")
        .expect("row");
    let mut set = portcullis_storage::Row::new();
    set.insert(
        "createdAt".into(),
        first.get("createdAt").cloned().expect("createdAt"),
    );
    let same: Vec<Cell> = anns[..4].iter().map(|i| Cell::from(i.as_str())).collect();
    let changed = srv
        .adapter()
        .update_many("apikey", &[Where::is_in("id", same)], set)
        .await
        .expect("one instant");
    assert_eq!(changed, 4);
    // The newest key, a second later: it comes first.
    srv.clock.advance(Duration::seconds(1));
    let (latest, key) = own_key(&mut bob, json!({"name": "latest"})).await;
    bobs.push(latest.clone());
    plaintexts.push(key);

    let every: Vec<String> = anns.iter().chain(&bobs).cloned().collect();
    for limit in [1, 2, 3, 100] {
        let (keys, raw) = every_console_page(&mut admin, "", limit).await;
        let ids = ids_of(&keys);
        assert_eq!(
            sorted(ids.clone()),
            sorted(every.clone()),
            "limit {limit}: every key once, none twice"
        );
        assert_eq!(ids[0], latest, "newest first");
        let times: Vec<_> = keys.iter().map(|k| parse_date(&k["createdAt"])).collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "limit {limit}: newest first: {times:?}"
        );
        for k in &plaintexts {
            assert!(!raw.contains(k.as_str()), "never a key");
            let hash = portcullis_core::crypto::token::hash_token(k);
            assert!(!raw.contains(&hash), "never a key's hash");
        }
    }
    let (keys, _) = every_console_page(&mut admin, "", 100).await;
    for k in &keys {
        assert_eq!(fields(k), CONSOLE_FIELDS, "{k}");
        let owner = k["userId"].as_str().expect("userId");
        let email = if owner == ann_id {
            "ann@example.com"
        } else {
            assert_eq!(owner, bob_id);
            "bob@example.com"
        };
        assert_eq!(k["userEmail"], json!(email));
        assert_eq!(k["state"], json!("enabled"));
        assert_eq!(k["enabled"], json!(true));
    }
    let anns_newest = keys
        .iter()
        .find(|k| k["id"] == json!(anns[4]))
        .expect("listed");
    assert_eq!(anns_newest["name"], json!("ann-tool-4"));
    assert_eq!(anns_newest["prefix"], json!("an_"));
    assert_eq!(anns_newest["start"], json!(&plaintexts[4][..6]));
    assert_eq!(anns_newest["requestCount"], json!(0));
    assert_eq!(anns_newest["lastRequest"], Value::Null);
    let res = admin.get(&format!("{CONSOLE}?limit=2")).await;
    assert_matches_openapi(
        &openapi_document(&srv).await,
        "GET",
        "/admin/console/api-keys",
        200,
        &res.json(),
    );

    // By owner: an id, or an address.
    let (keys, _) = every_console_page(&mut admin, &format!("userId={ann_id}"), 2).await;
    assert_eq!(sorted(ids_of(&keys)), sorted(anns.clone()));
    let (keys, _) = every_console_page(&mut admin, "userId=Bob%40Example.com", 2).await;
    assert_eq!(sorted(ids_of(&keys)), sorted(bobs.clone()));
    let (keys, _) = every_console_page(&mut admin, "userId=nobody%40example.com", 2).await;
    assert!(keys.is_empty());

    // By name, prefix or first characters.
    let (keys, _) = every_console_page(&mut admin, "q=tool-3", 2).await;
    assert_eq!(ids_of(&keys), [anns[3].clone()]);
    let (keys, _) = every_console_page(&mut admin, "q=bo_", 2).await;
    assert_eq!(sorted(ids_of(&keys)), sorted(bobs[..2].to_vec()));
    let start = &plaintexts[1][..6];
    let (keys, _) = every_console_page(&mut admin, &format!("q={start}"), 2).await;
    assert_eq!(ids_of(&keys), [anns[1].clone()]);
    let (keys, _) = every_console_page(&mut admin, &format!("q=deploy&userId={ann_id}"), 2).await;
    assert!(keys.is_empty(), "filters combine");

    // By state: one key turned off, one expired.
    let res = admin
        .post(
            &format!("{CONSOLE}/set-enabled"),
            json!({"keyId": bobs[0], "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = admin
        .post(
            &format!("{CONSOLE}/set-enabled"),
            json!({"keyId": anns[2], "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let (short, _) = own_key(
        &mut ann,
        json!({"name": "short-lived", "expiresIn": 86_400}),
    )
    .await;
    srv.clock.advance(Duration::days(1) + Duration::seconds(1));
    // Turning an expired key on does not make it usable: it stays expired.
    let res = admin
        .post(
            &format!("{CONSOLE}/set-enabled"),
            json!({"keyId": short, "enabled": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["state"], json!("expired"));
    let (keys, _) = every_console_page(&mut admin, "state=expired", 2).await;
    assert_eq!(ids_of(&keys), [short]);
    let (keys, _) = every_console_page(&mut admin, "state=disabled", 1).await;
    assert_eq!(
        sorted(ids_of(&keys)),
        sorted(vec![bobs[0].clone(), anns[2].clone()])
    );
    assert!(keys.iter().all(|k| k["state"] == json!("disabled")));
    let (keys, _) = every_console_page(&mut admin, "state=enabled", 2).await;
    let on: Vec<String> = every
        .iter()
        .filter(|i| **i != bobs[0] && **i != anns[2])
        .cloned()
        .collect();
    assert_eq!(sorted(ids_of(&keys)), sorted(on));
    let (keys, _) = every_console_page(
        &mut admin,
        &format!("state=disabled&q=ann-&userId={ann_id}"),
        2,
    )
    .await;
    assert_eq!(ids_of(&keys), [anns[2].clone()]);
}

async fn admin_console_turns_keys_off_and_on_and_deletes_them(backend: Backend) {
    let srv = server(backend, WITH_CONSOLE).await;
    let (mut admin, admin_id) = common::administrator(&srv, "root@example.com", PASSWORD).await;
    let (mut owner, owner_id) = user(&srv, "owner@example.com").await;
    let (id, key) = own_key(&mut owner, json!({"name": "nightly"})).await;
    assert_eq!(get_session_with_key(&srv, &key).await.status, 200);

    // Off: refused on the very next request, as a session and when verified.
    let res = admin
        .post(
            &format!("{CONSOLE}/set-enabled"),
            json!({"keyId": id, "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let off = res.json();
    assert_eq!(off["enabled"], json!(false));
    assert_eq!(off["state"], json!("disabled"));
    assert_eq!(off["userEmail"], json!("owner@example.com"));
    assert_matches_openapi(
        &openapi_document(&srv).await,
        "POST",
        "/admin/console/api-keys/set-enabled",
        200,
        &off,
    );
    let res = get_session_with_key(&srv, &key).await;
    assert_error(&res, 401, "KEY_DISABLED", "API Key is disabled");
    let v = verify(&srv, json!({"key": key})).await;
    assert_eq!(v["valid"], json!(false));
    assert_eq!(v["error"]["code"], json!("KEY_DISABLED"));
    let e = console_event(&mut admin, "api_key.admin_disable", &id).await;
    assert_eq!(e["actorUserId"], json!(admin_id));
    assert_eq!(e["targetUserId"], json!(owner_id));
    assert_eq!(e["targetType"], json!("apiKey"));
    assert_eq!(e["details"]["owner"], json!(owner_id));
    assert_eq!(e["details"]["name"], json!("nightly"));

    // On again: it works again.
    let res = admin
        .post(
            &format!("{CONSOLE}/set-enabled"),
            json!({"keyId": id, "enabled": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["state"], json!("enabled"));
    let res = get_session_with_key(&srv, &key).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["id"], json!(owner_id));
    assert_eq!(
        verify(&srv, json!({"key": key})).await["valid"],
        json!(true)
    );
    let e = console_event(&mut admin, "api_key.admin_enable", &id).await;
    assert_eq!(e["targetUserId"], json!(owner_id));
    // Its uses show in the list.
    let listed = admin
        .get(&format!("{CONSOLE}?userId={owner_id}"))
        .await
        .json();
    assert_eq!(listed["apiKeys"][0]["requestCount"], json!(3));
    assert!(listed["apiKeys"][0]["lastRequest"].is_string());

    // Deleted: gone, refused, recorded; a second delete finds nothing.
    let res = admin
        .post(&format!("{CONSOLE}/delete"), json!({"keyId": id}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    assert_eq!(
        srv.count("apikey", &[Where::eq("id", id.as_str())]).await,
        0
    );
    let res = get_session_with_key(&srv, &key).await;
    assert_error(&res, 401, "INVALID_API_KEY", "Invalid API key.");
    let e = console_event(&mut admin, "api_key.admin_delete", &id).await;
    assert_eq!(e["actorUserId"], json!(admin_id));
    assert_eq!(e["targetUserId"], json!(owner_id));
    assert_eq!(e["severity"], json!("warning"));
    let res = admin
        .post(&format!("{CONSOLE}/delete"), json!({"keyId": id}))
        .await;
    assert_error(&res, 404, "KEY_NOT_FOUND", "API Key not found");
    let listed = admin
        .get(&format!("{CONSOLE}?userId={owner_id}"))
        .await
        .json();
    assert_eq!(listed, json!({"apiKeys": [], "nextCursor": null}));
    // The owner's own list agrees.
    assert_eq!(
        owner.get("/api/auth/api-key/list").await.json()["total"],
        json!(0)
    );
}

async fn admin_console_is_for_operators_and_checks_its_input(backend: Backend) {
    let srv = server(backend, WITH_CONSOLE).await;
    let (mut admin, _) = common::administrator(&srv, "root@example.com", PASSWORD).await;
    let (mut someone, _) = user(&srv, "someone@example.com").await;
    let (id, key) = own_key(&mut someone, json!({"name": "mine"})).await;

    // A user, even for their own key, and no one signed out.
    let calls = [
        ("GET", CONSOLE.to_owned(), Value::Null),
        (
            "POST",
            format!("{CONSOLE}/set-enabled"),
            json!({"keyId": id, "enabled": false}),
        ),
        ("POST", format!("{CONSOLE}/delete"), json!({"keyId": id})),
    ];
    for (method, path, body) in &calls {
        let res = if *method == "GET" {
            someone.get(path).await
        } else {
            someone.post(path, body.clone()).await
        };
        assert_error(
            &res,
            403,
            "YOU_ARE_NOT_ALLOWED_TO_MANAGE_API_KEYS",
            "You are not allowed to see or manage other users' API keys",
        );
        let req = if *method == "GET" {
            Request::get(path)
        } else {
            Request::post(path).json(body)
        };
        let res = srv.send(req).await;
        assert_eq!(res.status, 401, "{path} signed out: {}", res.describe());
    }
    assert_eq!(
        get_session_with_key(&srv, &key).await.status,
        200,
        "untouched"
    );

    // Bad input: a 400 or 404 with a code, never a 500.
    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "state=on",
        "cursor=somewhere",
        "cursor=2026-01-01T00%3A00%3A00Z_",
        "q=a%00b",
        "userId=a%01",
    ] {
        let res = admin.get(&format!("{CONSOLE}?{query}")).await;
        assert_eq!(res.status, 400, "{query}: {}", res.describe());
        assert_eq!(res.json()["code"], json!("VALIDATION_ERROR"), "{query}");
    }
    for (path, body) in [
        ("set-enabled", json!({"enabled": false})),
        ("set-enabled", json!({"keyId": id})),
        ("set-enabled", json!({"keyId": id, "enabled": "no"})),
        ("set-enabled", json!({"keyId": "", "enabled": false})),
        ("set-enabled", json!({"keyId": 7, "enabled": false})),
        ("delete", json!({})),
        ("delete", json!({"keyId": "a\u{0}b"})),
    ] {
        let res = admin.post(&format!("{CONSOLE}/{path}"), body.clone()).await;
        assert_eq!(res.status, 400, "{path} {body}: {}", res.describe());
        assert_eq!(
            res.json()["code"],
            json!("VALIDATION_ERROR"),
            "{path} {body}"
        );
    }
    for (path, body) in [
        (
            "set-enabled",
            json!({"keyId": "no-such-key", "enabled": false}),
        ),
        ("delete", json!({"keyId": "no-such-key"})),
    ] {
        let res = admin.post(&format!("{CONSOLE}/{path}"), body).await;
        assert_error(&res, 404, "KEY_NOT_FOUND", "API Key not found");
    }
    assert_eq!(get_session_with_key(&srv, &key).await.status, 200);

    // Without the admin plugin there is no console, nor these endpoints.
    let plain = server(backend, WITH_SESSIONS).await;
    let res = plain.send(Request::get(CONSOLE)).await;
    assert_eq!(res.status, 404, "{}", res.describe());
    let res = plain
        .send(Request::post(&format!("{CONSOLE}/delete")).json(&json!({"keyId": id})))
        .await;
    assert_eq!(res.status, 404, "{}", res.describe());
}
