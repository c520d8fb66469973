//! Rows written by Better Auth (plain session tokens, scrypt password hashes) and rows in
//! particular states (expired, due for refresh, not fresh), inserted through the adapter.

use chrono::{Duration, Utc};
use portcullis_core::cookies::encode_uri_component;
use portcullis_core::crypto::token::{generate_id, hash_token};
use portcullis_storage::{Row, Value as DbValue, Where};
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

const GET_SESSION: &str = "/api/auth/get-session";
const SCRYPT_HASH: &str = "00112233445566778899aabbccddeeff:73122e887cfc14f91396cdef78dfe4b9dec28d459037601c4904cedba5a637ab97b39b40c236df5d42881d0109ca8cf0f85e39dbaba2911c190915bd8f30fe85";

/// Inserts a session row as Better Auth (or Portcullis) would have stored it.
async fn insert_session(
    srv: &TestServer,
    user_id: &str,
    stored_token: &str,
    expires_at: chrono::DateTime<Utc>,
    created_at: chrono::DateTime<Utc>,
) -> String {
    let id = generate_id(32);
    let mut row = Row::new();
    row.insert("id".into(), id.as_str().into());
    row.insert("expiresAt".into(), expires_at.into());
    row.insert("token".into(), stored_token.into());
    row.insert("createdAt".into(), created_at.into());
    row.insert("updatedAt".into(), created_at.into());
    row.insert("ipAddress".into(), "".into());
    row.insert("userAgent".into(), "".into());
    row.insert("userId".into(), user_id.into());
    srv.adapter()
        .create("session", row)
        .await
        .expect("insert session");
    id
}

async fn stored_token(srv: &TestServer, id: &str) -> Option<String> {
    srv.adapter()
        .find_one("session", &[Where::eq("id", id)])
        .await
        .expect("query")
        .and_then(|r| r.get("token").and_then(DbValue::as_str).map(str::to_owned))
}

pub async fn legacy_plain_token_is_upgraded(srv: &TestServer) {
    let up = srv
        .sign_up("Leg", "leg@example.com", "leg-password-1")
        .await;
    let plain = generate_id(32);
    let now = Utc::now();
    let id = insert_session(srv, &up.user_id, &plain, now + Duration::days(7), now).await;

    let res = srv
        .send(Request::get(GET_SESSION).cookie(&srv.session_cookie_for(&plain)))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["session"]["id"], id.as_str());
    assert_eq!(body["session"]["token"], plain.as_str());
    assert_eq!(body["user"]["id"], up.user_id.as_str());
    // Stored as its hash from now on, and still usable.
    assert_eq!(stored_token(srv, &id).await, Some(hash_token(&plain)));
    let again = srv.session_of(&plain).await;
    assert_eq!(again["session"]["id"], id.as_str());
    // Bearer with the plain token (the form a Better Auth client holds) works too.
    let res = srv
        .send(Request::get(GET_SESSION).bearer(&srv.signed(&plain)))
        .await;
    assert_eq!(res.json()["session"]["id"], id.as_str());

    // The stored hash itself must never authenticate: as a signed cookie or as a bearer.
    let stored = hash_token(&plain);
    let res = srv
        .send(Request::get(GET_SESSION).cookie(&srv.session_cookie_for(&stored)))
        .await;
    assert_eq!(res.text(), "null", "{}", res.describe());
    for bearer in [stored.clone(), srv.signed(&stored)] {
        let res = srv.send(Request::get(GET_SESSION).bearer(&bearer)).await;
        assert_eq!(res.text(), "null", "{}", res.describe());
    }
    let res = srv
        .send(Request::get("/api/auth/list-sessions").bearer(&stored))
        .await;
    assert_unauthorized(&res);
    // Same for the hash of a Portcullis-issued session.
    let res = srv
        .send(Request::get(GET_SESSION).bearer(&hash_token(&up.token)))
        .await;
    assert_eq!(res.text(), "null", "{}", res.describe());
    // Nothing was deleted by those attempts.
    assert_eq!(stored_token(srv, &id).await, Some(stored));
}

/// A stored hash (e.g. from a leaked backup) must not be able to end someone's session either.
pub async fn stored_hash_cannot_sign_out_a_session(srv: &TestServer) {
    let up = srv
        .sign_up("Hash", "hash@example.com", "hash-password-1")
        .await;
    let stored = hash_token(&up.token);
    let res = srv
        .send(Request::post("/api/auth/sign-out").bearer(&stored))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        srv.session_of(&up.token).await.is_object(),
        "POST /sign-out with `Authorization: Bearer <stored hash>` deleted the session"
    );
}

pub async fn better_auth_scrypt_hash_signs_in_and_is_upgraded(srv: &TestServer) {
    let now = Utc::now();
    let user_id = generate_id(32);
    let mut user = Row::new();
    user.insert("id".into(), user_id.as_str().into());
    user.insert("name".into(), "Imported".into());
    user.insert("email".into(), "imported@example.com".into());
    user.insert("emailVerified".into(), true.into());
    user.insert("image".into(), DbValue::Null);
    user.insert("createdAt".into(), now.into());
    user.insert("updatedAt".into(), now.into());
    srv.adapter().create("user", user).await.expect("user");
    let account_id = generate_id(32);
    let mut account = Row::new();
    account.insert("id".into(), account_id.as_str().into());
    account.insert("accountId".into(), user_id.as_str().into());
    account.insert("providerId".into(), "credential".into());
    account.insert("userId".into(), user_id.as_str().into());
    account.insert("password".into(), SCRYPT_HASH.into());
    account.insert("createdAt".into(), now.into());
    account.insert("updatedAt".into(), now.into());
    srv.adapter()
        .create("account", account)
        .await
        .expect("account");
    let stored = || async {
        srv.adapter()
            .find_one("account", &[Where::eq("id", account_id.as_str())])
            .await
            .expect("query")
            .and_then(|r| {
                r.get("password")
                    .and_then(DbValue::as_str)
                    .map(str::to_owned)
            })
            .expect("password")
    };

    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "imported@example.com", "password": "password124"})),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    assert_eq!(
        stored().await,
        SCRYPT_HASH,
        "a failed sign-in changes nothing"
    );

    let (_, res) = srv.sign_in("Imported@Example.com", "password123").await;
    assert_eq!(res.json()["user"]["id"], user_id.as_str());
    assert_eq!(res.json()["user"]["emailVerified"], true);
    let upgraded = stored().await;
    assert!(upgraded.starts_with("$argon2id$"), "{upgraded}");
    // And the upgraded hash verifies.
    srv.sign_in("imported@example.com", "password123").await;
}

pub async fn expired_session_is_cleared_and_deleted(srv: &TestServer) {
    let up = srv
        .sign_up("Exp", "exp@example.com", "exp-password-1")
        .await;
    let raw = generate_id(32);
    let now = Utc::now();
    let id = insert_session(
        srv,
        &up.user_id,
        &hash_token(&raw),
        now - Duration::minutes(1),
        now - Duration::days(8),
    )
    .await;
    let res = srv
        .send(Request::get(GET_SESSION).cookie(&srv.session_cookie_for(&raw)))
        .await;
    assert_eq!(res.text(), "null", "{}", res.describe());
    assert_clears_session(&res);
    assert_eq!(stored_token(srv, &id).await, None, "expired row deleted");
    // An expired row is never listed.
    let raw2 = generate_id(32);
    insert_session(
        srv,
        &up.user_id,
        &hash_token(&raw2),
        now - Duration::seconds(1),
        now - Duration::days(7),
    )
    .await;
    let res = srv
        .send(Request::get("/api/auth/list-sessions").bearer(&up.bearer))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        res.json().as_array().map(Vec::len),
        Some(1),
        "{}",
        res.describe()
    );
    // Session-only endpoints answer 401 (with the clearing cookies) for it.
    let res = srv
        .send(Request::get("/api/auth/list-accounts").bearer(&raw))
        .await;
    assert_unauthorized(&res);
    assert_clears_session(&res);
}

pub async fn session_refresh_after_update_age(srv: &TestServer) {
    let up = srv
        .sign_up("Ref", "ref@example.com", "ref-password-1")
        .await;
    let raw = generate_id(32);
    let now = Utc::now();
    // Last extended two days ago (updateAge is one day).
    let old_expiry = now + Duration::days(5);
    let id = insert_session(
        srv,
        &up.user_id,
        &hash_token(&raw),
        old_expiry,
        now - Duration::days(2),
    )
    .await;
    let cookie = srv.session_cookie_for(&raw);

    // disableRefresh: answered, not extended.
    let res = srv
        .send(Request::get(&format!("{GET_SESSION}?disableRefresh=true")).cookie(&cookie))
        .await;
    assert_eq!(
        res.json()["session"]["id"],
        id.as_str(),
        "{}",
        res.describe()
    );
    assert!(
        res.set_cookie(SESSION_COOKIE).is_none(),
        "{}",
        res.describe()
    );
    let expires = parse_date(&res.json()["session"]["expiresAt"]);
    assert!((expires - old_expiry).num_seconds().abs() < 2);

    // A don't-remember session is never extended.
    let dont = format!(
        "{cookie}; {DONT_REMEMBER_COOKIE}={}",
        encode_uri_component(&srv.signed("true"))
    );
    let res = srv.send(Request::get(GET_SESSION).cookie(&dont)).await;
    assert_eq!(res.json()["session"]["id"], id.as_str());
    assert!(
        res.set_cookie(SESSION_COOKIE).is_none(),
        "{}",
        res.describe()
    );

    // Otherwise get-session extends it and re-sets the cookie with the same token.
    let res = srv.send(Request::get(GET_SESSION).cookie(&cookie)).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["session"]["token"], raw.as_str());
    let expires = parse_date(&body["session"]["expiresAt"]);
    let expected = Utc::now() + Duration::days(7);
    assert!((expires - expected).num_seconds().abs() < 120, "{expires}");
    let signed = srv.signed(&raw);
    assert_eq!(
        res.set_cookie(SESSION_COOKIE)
            .expect("refreshed cookie")
            .raw,
        format!(
            "{SESSION_COOKIE}={}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
            encode_uri_component(&signed)
        )
    );
    assert_eq!(res.header("set-auth-token"), Some(signed.as_str()));
    let row = srv
        .adapter()
        .find_one("session", &[Where::eq("id", id.as_str())])
        .await
        .expect("query")
        .expect("row");
    let stored_expiry = row["expiresAt"].as_date().expect("date");
    assert!((stored_expiry - expected).num_seconds().abs() < 120);
    assert_eq!(row["token"], DbValue::from(hash_token(&raw)), "same token");

    // Two days old: not fresh for list-sessions.
    let res = srv
        .send(Request::get("/api/auth/list-sessions").cookie(&cookie))
        .await;
    assert_error(&res, 403, "SESSION_NOT_FRESH", "Session is not fresh");
    // Session-guarded but not freshness-guarded endpoints still work.
    let res = srv
        .send(Request::get("/api/auth/list-accounts").cookie(&cookie))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let list: Value = res.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

/// A user without a password (e.g. signed up with a social provider), with a session inserted
/// directly: set-password, change-password and delete-user take the no-password paths.
pub async fn passwordless_user_flows(srv: &TestServer) {
    let now = Utc::now();
    let insert_user = |email: &'static str| async move {
        let id = generate_id(32);
        let mut user = Row::new();
        user.insert("id".into(), id.as_str().into());
        user.insert("name".into(), "Social".into());
        user.insert("email".into(), email.into());
        user.insert("emailVerified".into(), true.into());
        user.insert("image".into(), DbValue::Null);
        user.insert("createdAt".into(), now.into());
        user.insert("updatedAt".into(), now.into());
        srv.adapter().create("user", user).await.expect("user");
        id
    };
    let fresh_session = |uid: String, created: chrono::DateTime<Utc>| async move {
        let raw = generate_id(32);
        insert_session(
            srv,
            &uid,
            &hash_token(&raw),
            now + Duration::days(5),
            created,
        )
        .await;
        raw
    };

    // 1. set-password creates the credential account.
    let u1 = insert_user("social1@example.com").await;
    let t1 = fresh_session(u1.clone(), now).await;
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "social1@example.com", "password": "anything-at-all"})),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    let set = |t: &str, pw: &str| {
        Request::post("/api/auth/set-password")
            .bearer(t)
            .json(&json!({"newPassword": pw}))
    };
    let res = srv.send(set(&t1, "short")).await;
    assert_error(&res, 400, "PASSWORD_TOO_SHORT", "Password too short");
    let res = srv.send(set(&t1, "social-password-1")).await;
    assert_json(&res, 200, json!({"status": true}));
    assert_eq!(
        srv.count(
            "account",
            &[
                Where::eq("userId", u1.as_str()),
                Where::eq("providerId", "credential")
            ]
        )
        .await,
        1
    );
    srv.sign_in("social1@example.com", "social-password-1")
        .await;
    let res = srv.send(set(&t1, "social-password-2")).await;
    assert_error(
        &res,
        400,
        "PASSWORD_ALREADY_SET",
        "User already has a password set",
    );

    // 2. No credential account: change-password and delete-user-with-password say so;
    //    delete-user without a password works on a fresh session.
    let u2 = insert_user("social2@example.com").await;
    let t2 = fresh_session(u2.clone(), now).await;
    let res = srv
        .send(
            Request::post("/api/auth/change-password")
                .bearer(&t2)
                .json(&json!({"newPassword": "new-password-1", "currentPassword": "whatever-1"})),
        )
        .await;
    assert_error(
        &res,
        400,
        "CREDENTIAL_ACCOUNT_NOT_FOUND",
        "Credential account not found",
    );
    let res = srv
        .send(
            Request::post("/api/auth/delete-user")
                .bearer(&t2)
                .json(&json!({"password": "whatever-1"})),
        )
        .await;
    assert_error(
        &res,
        400,
        "CREDENTIAL_ACCOUNT_NOT_FOUND",
        "Credential account not found",
    );
    let res = srv
        .send(
            Request::post("/api/auth/delete-user")
                .bearer(&t2)
                .json(&json!({})),
        )
        .await;
    assert_json(
        &res,
        200,
        json!({"success": true, "message": "User deleted"}),
    );
    assert_eq!(srv.count("user", &[Where::eq("id", u2.as_str())]).await, 0);

    // 3. A stale session (two days old): deletion without a password needs a fresh one,
    //    and set-password is freshness-guarded.
    let u3 = insert_user("social3@example.com").await;
    let t3 = fresh_session(u3.clone(), now - Duration::days(2)).await;
    let res = srv
        .send(
            Request::post("/api/auth/delete-user")
                .bearer(&t3)
                .json(&json!({})),
        )
        .await;
    assert_error(
        &res,
        400,
        "SESSION_EXPIRED",
        "Session expired. Re-authenticate to perform this action.",
    );
    let res = srv.send(set(&t3, "social-password-3")).await;
    assert_error(&res, 403, "SESSION_NOT_FRESH", "Session is not fresh");
    assert_eq!(srv.count("user", &[Where::eq("id", u3.as_str())]).await, 1);
    assert_eq!(
        srv.count("account", &[Where::eq("userId", u3.as_str())])
            .await,
        0
    );
}
