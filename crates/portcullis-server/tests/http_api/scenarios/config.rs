//! Core endpoint behaviour under non-default configuration: each scenario starts its own extra
//! server on the same backend as the one it was given.

use chrono::Utc;
use portcullis_core::crypto::token::generate_id;
use portcullis_storage::{Row, Value as DbValue, Where};
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

const SCRYPT_HASH: &str = "00112233445566778899aabbccddeeff:73122e887cfc14f91396cdef78dfe4b9dec28d459037601c4904cedba5a637ab97b39b40c236df5d42881d0109ca8cf0f85e39dbaba2911c190915bd8f30fe85";

async fn with_config(srv: &TestServer, extra: &[(&str, &str)]) -> TestServer {
    srv.with_config(extra).await
}

/// A user with the `password123` scrypt hash, inserted directly (sign-up may be disabled).
async fn insert_user(srv: &TestServer, email: &str) -> String {
    let now = Utc::now();
    let id = generate_id(32);
    let mut user = Row::new();
    user.insert("id".into(), id.as_str().into());
    user.insert("name".into(), "Inserted".into());
    user.insert("email".into(), email.into());
    user.insert("emailVerified".into(), false.into());
    user.insert("image".into(), DbValue::Null);
    user.insert("createdAt".into(), now.into());
    user.insert("updatedAt".into(), now.into());
    srv.adapter().create("user", user).await.expect("user");
    let mut account = Row::new();
    account.insert("id".into(), generate_id(32).into());
    account.insert("accountId".into(), id.as_str().into());
    account.insert("providerId".into(), "credential".into());
    account.insert("userId".into(), id.as_str().into());
    account.insert("password".into(), SCRYPT_HASH.into());
    account.insert("createdAt".into(), now.into());
    account.insert("updatedAt".into(), now.into());
    srv.adapter()
        .create("account", account)
        .await
        .expect("account");
    id
}

/// Sign-up disabled, deletion disabled, and client addresses through a trusted proxy.
pub async fn sign_up_disabled_delete_disabled_trusted_proxy(srv: &TestServer) {
    let srv = with_config(
        srv,
        &[
            ("DISABLE_SIGN_UP", "true"),
            ("ENABLE_DELETE_USER", "false"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    let res = srv
        .send(Request::post("/api/auth/sign-up/email").json(&json!({
            "name": "N", "email": "n@example.com", "password": "password-123",
        })))
        .await;
    assert_error(
        &res,
        400,
        "EMAIL_PASSWORD_SIGN_UP_DISABLED",
        "Email and password sign up is not enabled",
    );
    assert_eq!(srv.count("user", &[]).await, 0);

    let uid = insert_user(&srv, "proxied@example.com").await;
    let sign_in = |xff: &str| {
        Request::post("/api/auth/sign-in/email")
            .header("x-forwarded-for", xff)
            .json(&json!({"email": "proxied@example.com", "password": "password123"}))
    };
    for (xff, stored) in [
        ("203.0.113.9", "203.0.113.9"),
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (
            "2001:db8:1:2:3:4:5:6",
            "2001:0db8:0001:0002:0000:0000:0000:0000",
        ),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("not-an-ip", "127.0.0.1"),
    ] {
        let res = srv.send(sign_in(xff)).await;
        assert_eq!(res.status, 200, "{xff}: {}", res.describe());
        let token = res.json()["token"].as_str().expect("token").to_owned();
        let s = srv.session_of(&token).await;
        assert_eq!(s["session"]["ipAddress"], stored, "X-Forwarded-For: {xff}");
        assert_eq!(s["user"]["id"], uid.as_str());
    }

    // Deletion disabled: 401 without a session, then an empty 404 (sent as JSON).
    assert_unauthorized(
        &srv.send(Request::post("/api/auth/delete-user").json(&json!({})))
            .await,
    );
    let mut a = srv.agent();
    a.sign_in("proxied@example.com", "password123").await;
    let res = a
        .post("/api/auth/delete-user", json!({"password": "password123"}))
        .await;
    assert_empty_json(&res, 404);
    assert_eq!(srv.count("user", &[Where::eq("id", uid.as_str())]).await, 1);
}

/// Email and password turned off entirely.
pub async fn email_password_disabled(srv: &TestServer) {
    let srv = with_config(srv, &[("ENABLE_EMAIL_AUTH", "false")]).await;
    insert_user(&srv, "off@example.com").await;
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "off@example.com", "password": "password123"})),
        )
        .await;
    assert_error(
        &res,
        400,
        "EMAIL_PASSWORD_DISABLED",
        "Email and password is not enabled",
    );
    assert_no_set_cookie(&res);
    let res = srv
        .send(Request::post("/api/auth/sign-up/email").json(&json!({
            "name": "N", "email": "new@example.com", "password": "password-123",
        })))
        .await;
    assert_error(
        &res,
        400,
        "EMAIL_PASSWORD_SIGN_UP_DISABLED",
        "Email and password sign up is not enabled",
    );
    // Schema errors still come first.
    let res = srv
        .send(Request::post("/api/auth/sign-in/email").json(&json!({})))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["code"], "VALIDATION_ERROR");
}

/// With email verification required, sign-up issues no session and does not reveal whether an
/// email is taken; sign-in of an unverified user is refused.
pub async fn email_verification_required(srv: &TestServer) {
    let srv = with_config(srv, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let body = json!({"name": "Ver", "email": "Ver@Example.com", "password": "ver-password-1"});
    let res = srv
        .send(Request::post("/api/auth/sign-up/email").json(&body))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let first = res.json();
    assert_eq!(first["token"], Value::Null);
    assert_eq!(first["user"]["email"], "ver@example.com");
    assert_eq!(first["user"]["emailVerified"], false);
    assert_no_set_cookie(&res);
    assert_eq!(res.header("set-auth-token"), None);
    assert_eq!(srv.count("session", &[]).await, 0);

    // The same email again: the same 200 shape, a different (synthetic) user.
    let res = srv
        .send(Request::post("/api/auth/sign-up/email").json(&body))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let second = res.json();
    assert_eq!(keys(&second), keys(&first));
    assert_eq!(second["token"], Value::Null);
    assert_ne!(second["user"]["id"], first["user"]["id"]);
    assert_eq!(srv.count("user", &[]).await, 1);

    let attempt = |password: &str| {
        Request::post("/api/auth/sign-in/email")
            .json(&json!({"email": "ver@example.com", "password": password}))
    };
    let res = srv.send(attempt("wrong-password")).await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    let res = srv.send(attempt("ver-password-1")).await;
    assert_error(&res, 403, "EMAIL_NOT_VERIFIED", "Email not verified");
    assert_no_set_cookie(&res);
    assert_eq!(srv.count("session", &[]).await, 0);
}

/// `USER_ADDITIONAL_FIELDS`: Better Auth's additionalFields input rules on sign-up and update-user.
pub async fn additional_user_fields(srv: &TestServer) {
    let srv = with_config(
        srv,
        &[(
            "USER_ADDITIONAL_FIELDS",
            r#"{"role":{"type":"string","defaultValue":"user","input":false},"banned":{"type":"boolean","defaultValue":false,"input":false},"tier":{"type":"string","input":false},"nickname":{"type":"string"},"age":{"type":"number"}}"#,
        )],
    )
    .await;
    let sign_up = |extra: Value| {
        let mut b =
            json!({"name": "Add", "email": "add@example.com", "password": "add-password-1"});
        if let (Some(o), Value::Object(e)) = (b.as_object_mut(), extra) {
            o.extend(e);
        }
        Request::post("/api/auth/sign-up/email").json(&b)
    };
    // An input:false field without a default refuses a truthy value on create.
    let res = srv.send(sign_up(json!({"tier": "gold"}))).await;
    assert_error(
        &res,
        400,
        "FIELD_NOT_ALLOWED",
        "tier is not allowed to be set",
    );
    let res = srv.send(sign_up(json!({"nickname": 5}))).await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(res.json()["code"], "VALIDATION_ERROR");
    assert!(
        res.json()["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("[body.nickname] Invalid input: expected string")),
        "{}",
        res.describe()
    );
    assert_eq!(srv.count("user", &[]).await, 0);

    // On create, an input:false field with a default takes it whatever was sent (Better Auth's
    // parseInputData), and a falsy value for one without a default is ignored.
    let res = srv
        .send(sign_up(
            json!({"role": "admin", "banned": true, "tier": "", "nickname": "addy", "age": 41}),
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let user = &res.json()["user"];
    assert_eq!(user["role"], "user");
    assert_eq!(user["banned"], false);
    assert_eq!(user["nickname"], "addy");
    assert_eq!(user["age"], 41);
    let token = res.json()["token"].as_str().expect("token").to_owned();

    let mut a = srv.agent();
    a.jar.push((
        SESSION_COOKIE.to_owned(),
        srv.session_cookie_for(&token)
            .split_once('=')
            .expect("cookie")
            .1
            .to_owned(),
    ));
    let res = a
        .post("/api/auth/update-user", json!({"role": "admin"}))
        .await;
    assert_error(
        &res,
        400,
        "FIELD_NOT_ALLOWED",
        "role is not allowed to be set",
    );
    // Falsy values for input:false fields are ignored, never stored: a banned user cannot
    // unban themselves with `banned: false`, nor blank their role.
    let uid = res_user_id(&srv, &token).await;
    let mut set = Row::new();
    set.insert("banned".into(), true.into());
    srv.adapter()
        .update_many("user", &[Where::eq("id", uid.as_str())], set)
        .await
        .expect("ban");
    for b in [
        json!({"banned": false}),
        json!({"role": ""}),
        json!({"role": null, "banned": 0}),
    ] {
        let res = a.post("/api/auth/update-user", b.clone()).await;
        assert_json(&res, 400, json!({"message": "No fields to update"}));
    }
    let res = a
        .post(
            "/api/auth/update-user",
            json!({"banned": false, "nickname": "still-banned"}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let s = srv.session_of(&token).await;
    assert_eq!(s["user"]["banned"], true, "{s}");
    assert_eq!(s["user"]["role"], "user", "{s}");
    let res = a.post("/api/auth/update-user", json!({"age": "old"})).await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(res.json()["code"], "VALIDATION_ERROR");
    let res = a
        .post(
            "/api/auth/update-user",
            json!({"nickname": "ad", "age": 42}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let s = srv.session_of(&token).await;
    assert_eq!(s["user"]["nickname"], "ad");
    assert_eq!(s["user"]["age"], 42);
    assert_eq!(s["user"]["role"], "user");
}

async fn res_user_id(srv: &TestServer, token: &str) -> String {
    srv.session_of(token).await["user"]["id"]
        .as_str()
        .expect("user id")
        .to_owned()
}

/// `LEGACY_SESSION_TOKENS=accept` leaves Better Auth's plain tokens as they are; `reject`
/// refuses them. Neither lets a stored hash authenticate.
pub async fn legacy_session_token_modes(srv: &TestServer) {
    for (mode, accepted) in [("accept", true), ("reject", false)] {
        let srv = with_config(srv, &[("LEGACY_SESSION_TOKENS", mode)]).await;
        let uid = insert_user(&srv, "legacy@example.com").await;
        let plain = generate_id(32);
        let now = Utc::now();
        let id = generate_id(32);
        let mut row = Row::new();
        row.insert("id".into(), id.as_str().into());
        row.insert("expiresAt".into(), (now + chrono::Duration::days(7)).into());
        row.insert("token".into(), plain.as_str().into());
        row.insert("createdAt".into(), now.into());
        row.insert("updatedAt".into(), now.into());
        row.insert("ipAddress".into(), "".into());
        row.insert("userAgent".into(), "".into());
        row.insert("userId".into(), uid.as_str().into());
        srv.adapter().create("session", row).await.expect("session");

        let s = srv.session_of(&plain).await;
        if accepted {
            assert_eq!(s["session"]["id"], id.as_str(), "{mode}: {s}");
            assert_eq!(s["session"]["token"], plain.as_str());
        } else {
            assert_eq!(s, Value::Null, "{mode}");
        }
        let stored = srv
            .adapter()
            .find_one("session", &[Where::eq("id", id.as_str())])
            .await
            .expect("query")
            .expect("row kept");
        assert_eq!(
            stored["token"],
            DbValue::from(plain.as_str()),
            "{mode}: the row is left as Better Auth wrote it"
        );
    }
}
