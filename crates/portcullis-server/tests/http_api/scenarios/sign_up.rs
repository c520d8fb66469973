//! `POST /sign-up/email`: success shape and cookies, every kind of bad input, origin/CSRF rules,
//! callback URLs, and concurrent duplicates.

use portcullis_core::cookies::encode_uri_component;
use portcullis_core::crypto::token::hash_token;
use portcullis_storage::{Value as DbValue, Where};
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

const PATH: &str = "/api/auth/sign-up/email";

fn body(email: &str) -> Value {
    json!({"name": "Test User", "email": email, "password": "password-123"})
}

async fn user_count(srv: &TestServer, email: &str) -> i64 {
    srv.count("user", &[Where::eq("email", email)]).await
}

pub async fn sign_up_success_shape_and_cookies(srv: &TestServer) {
    let res = srv
        .send(
            Request::post(PATH)
                .header("user-agent", USER_AGENT)
                // Not a trusted proxy: the forwarded address must be ignored.
                .header("x-forwarded-for", "1.2.3.4")
                .json(&json!({
                    "name": "Alice Smith",
                    "email": "Alice.Smith@Example.COM",
                    "password": "correct horse 1",
                })),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let body = res.json();
    assert_eq!(keys(&body), ["token", "user"]);
    let token = body["token"].as_str().expect("token");
    assert_eq!(token.len(), 32, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));

    let user = &body["user"];
    assert_eq!(
        keys(user),
        [
            "createdAt",
            "displayUsername",
            "email",
            "emailVerified",
            "id",
            "image",
            "name",
            "updatedAt",
            "username"
        ]
    );
    // Plugin fields are present, as null when not given (the username plugin is on by default).
    assert_eq!(user["username"], Value::Null);
    assert_eq!(user["email"], "alice.smith@example.com");
    assert_eq!(user["name"], "Alice Smith");
    assert_eq!(user["emailVerified"], false);
    assert_eq!(user["image"], Value::Null);
    let user_id = user["id"].as_str().expect("id");
    assert_eq!(user_id.len(), 32);
    assert_iso_date(&user["createdAt"]);
    assert_iso_date(&user["updatedAt"]);
    assert!(!res.text().contains("argon2"), "no password hash leaks");

    // Cookie: signed `token.base64sig`, URL-encoded, Better Auth's attributes and their order.
    let signed = srv.signed(token);
    let cookie = res.set_cookie(SESSION_COOKIE).expect("session cookie");
    assert_eq!(
        cookie.raw,
        format!(
            "{SESSION_COOKIE}={}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
            encode_uri_component(&signed)
        )
    );
    assert!(
        cookie.value.ends_with("%3D"),
        "padding is encoded: {}",
        cookie.value
    );
    assert!(res.set_cookie(DONT_REMEMBER_COOKIE).is_none());
    assert_eq!(res.header("set-auth-token"), Some(signed.as_str()));
    let expose = res
        .header("access-control-expose-headers")
        .expect("expose headers");
    assert!(
        expose
            .split(',')
            .any(|h| h.trim().eq_ignore_ascii_case("set-auth-token")),
        "{expose}"
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));

    // The session works and records the peer address and user agent.
    let s = srv.session_of(token).await;
    assert_eq!(s["user"]["id"], user_id);
    assert_eq!(s["session"]["token"], token);
    assert_eq!(s["session"]["userId"], user_id);
    assert_eq!(s["session"]["ipAddress"], "127.0.0.1");
    assert_eq!(s["session"]["userAgent"], USER_AGENT);

    // Stored: a credential account with an argon2id hash; the session token only as a hash.
    let account = srv
        .adapter()
        .find_one("account", &[Where::eq("userId", user_id)])
        .await
        .expect("query")
        .expect("credential account");
    assert_eq!(account["providerId"], DbValue::from("credential"));
    assert_eq!(account["accountId"], DbValue::from(user_id));
    let hash = account["password"].as_str().expect("password hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let session = srv
        .adapter()
        .find_one("session", &[Where::eq("userId", user_id)])
        .await
        .expect("query")
        .expect("session row");
    assert_eq!(session["token"], DbValue::from(hash_token(token)));
}

pub async fn sign_up_duplicate_email_is_422(srv: &TestServer) {
    srv.sign_up("First", "dup@example.com", "password-123")
        .await;
    for email in ["dup@example.com", "DUP@Example.com"] {
        let res = srv.send(Request::post(PATH).json(&body(email))).await;
        assert_error(
            &res,
            422,
            "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
            "User already exists. Use another email.",
        );
        assert_no_set_cookie(&res);
        assert_eq!(res.header("set-auth-token"), None);
    }
    assert_eq!(user_count(srv, "dup@example.com").await, 1);
}

pub async fn sign_up_password_length_rules(srv: &TestServer) {
    let send = |email: &str, password: String| {
        Request::post(PATH).json(&json!({"name": "P", "email": email, "password": password}))
    };
    let res = srv.send(send("short@example.com", "1234567".into())).await;
    assert_error(&res, 400, "PASSWORD_TOO_SHORT", "Password too short");
    let res = srv.send(send("long@example.com", "x".repeat(129))).await;
    assert_error(&res, 400, "PASSWORD_TOO_LONG", "Password too long");
    // JS string length: 65 emoji are 130 UTF-16 units.
    let res = srv.send(send("emoji@example.com", "😀".repeat(65))).await;
    assert_error(&res, 400, "PASSWORD_TOO_LONG", "Password too long");
    let res = srv.send(send("empty@example.com", String::new())).await;
    assert_validation(
        &res,
        "[body.password] Too small: expected string to have >=1 characters",
    );
    for email in [
        "short@example.com",
        "long@example.com",
        "emoji@example.com",
        "empty@example.com",
    ] {
        assert_eq!(user_count(srv, email).await, 0, "{email}");
    }
    // The bounds themselves are accepted.
    // (Eight characters that are on no breached-password list.)
    let res = srv.send(send("eight@example.com", "k8#Qz!p2".into())).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv.send(send("max@example.com", "y".repeat(128))).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.sign_in("max@example.com", &"y".repeat(128)).await;
}

pub async fn sign_up_schema_errors(srv: &TestServer) {
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"name": "X", "email": "not-an-email", "password": "password-123"}),
            "[body.email] Invalid email address",
        ),
        (
            json!({"email": "x@example.com"}),
            "[body.name] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined",
        ),
        (
            json!({}),
            "[body.name] Invalid input: expected string, received undefined; [body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined",
        ),
        (
            json!({"name": 1, "email": "x@example.com", "password": "password-123", "image": 5, "rememberMe": "yes"}),
            "[body.name] Invalid input: expected string, received number; [body.image] Invalid input: expected string, received number; [body.rememberMe] Invalid input: expected boolean, received string",
        ),
        (
            json!({"name": null, "email": true, "password": ["a"]}),
            "[body.name] Invalid input: expected string, received null; [body.email] Invalid input: expected string, received boolean; [body.password] Invalid input: expected string, received array",
        ),
        (
            Value::Null,
            "[body] Invalid input: expected object, received null; [body] Invalid input: expected record, received null",
        ),
        (
            json!([]),
            "[body] Invalid input: expected object, received array; [body] Invalid input: expected record, received array",
        ),
        (
            json!("hello"),
            "[body] Invalid input: expected object, received string; [body] Invalid input: expected record, received string",
        ),
    ];
    for (body, message) in cases {
        let res = srv.send(Request::post(PATH).json(&body)).await;
        assert_validation(&res, message);
        assert_no_set_cookie(&res);
    }
    assert_eq!(srv.count("user", &[]).await, 0);
}

pub async fn sign_up_body_encodings(srv: &TestServer) {
    let undefined = "[body] Invalid input: expected object, received undefined; [body] Invalid input: expected record, received undefined";
    // No Content-Type: treated as no body at all (Better Auth behind Node).
    let res = srv
        .send(Request::post(PATH).raw(None, body("a@example.com").to_string()))
        .await;
    assert_validation(&res, undefined);
    // No body at all, and an empty JSON body.
    let res = srv.send(Request::post(PATH)).await;
    assert_validation(&res, undefined);
    let res = srv
        .send(Request::post(PATH).raw(Some("application/json"), ""))
        .await;
    assert_validation(&res, undefined);
    // A type that is not allowed.
    let res = srv
        .send(Request::post(PATH).raw(Some("text/plain"), body("a@example.com").to_string()))
        .await;
    assert_error(
        &res,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Content-Type \"text/plain\" is not allowed. Allowed types: application/x-www-form-urlencoded, application/json",
    );
    // Malformed JSON.
    let res = srv
        .send(Request::post(PATH).raw(Some("application/json"), "{\"name\": \"x\","))
        .await;
    assert_error(&res, 400, "BAD_REQUEST", "Invalid JSON in request body");
    assert_eq!(
        res.text(),
        r#"{"message":"Invalid JSON in request body","code":"BAD_REQUEST"}"#
    );
    // Over the 1 MiB limit.
    let big = json!({"name": "n".repeat(1_100_000), "email": "big@example.com", "password": "password-123"});
    let res = srv.send(Request::post(PATH).json(&big)).await;
    assert_eq!(res.status, 413, "{}", res.describe());
    assert_eq!(
        res.json()["code"],
        "PAYLOAD_TOO_LARGE",
        "{}",
        res.describe()
    );
    assert_eq!(srv.count("user", &[]).await, 0);

    // Form-urlencoded sign-up works, as in Better Auth.
    let res = srv
        .send(Request::post(PATH).form(&[
            ("name", "Form User"),
            ("email", "Form.User@Example.com"),
            ("password", "password-123"),
        ]))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["email"], "form.user@example.com");
    assert_eq!(res.json()["user"]["name"], "Form User");
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    // A charset parameter on JSON is fine.
    let res = srv
        .send(Request::post(PATH).raw(
            Some("application/json; charset=utf-8"),
            body("charset@example.com").to_string(),
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
}

pub async fn sign_up_origin_and_csrf_rules(srv: &TestServer) {
    let evil = "https://evil.example";
    // Any Cookie header makes the origin check run first, whatever the body.
    let res = srv
        .send(
            Request::post(PATH)
                .cookie("theme=dark")
                .origin(evil)
                .json(&body("o1@example.com")),
        )
        .await;
    assert_error(&res, 403, "INVALID_ORIGIN", "Invalid origin");
    let res = srv
        .send(
            Request::post(PATH)
                .cookie("theme=dark")
                .origin(evil)
                .json(&json!([])),
        )
        .await;
    assert_error(&res, 403, "INVALID_ORIGIN", "Invalid origin");
    let res = srv
        .send(
            Request::post(PATH)
                .cookie("theme=dark")
                .json(&body("o2@example.com")),
        )
        .await;
    assert_error(
        &res,
        403,
        "MISSING_OR_NULL_ORIGIN",
        "Missing or null Origin",
    );
    let res = srv
        .send(
            Request::post(PATH)
                .cookie("theme=dark")
                .origin("null")
                .json(&body("o3@example.com")),
        )
        .await;
    assert_error(
        &res,
        403,
        "MISSING_OR_NULL_ORIGIN",
        "Missing or null Origin",
    );
    // Referer stands in for a missing Origin.
    let res = srv
        .send(
            Request::post(PATH)
                .cookie("theme=dark")
                .header("referer", "https://evil.example/page")
                .json(&body("o4@example.com")),
        )
        .await;
    assert_error(&res, 403, "INVALID_ORIGIN", "Invalid origin");

    // Form-CSRF without cookies: a cross-site navigation is blocked.
    let res = srv
        .send(
            Request::post(PATH)
                .header("sec-fetch-site", "cross-site")
                .header("sec-fetch-mode", "navigate")
                .json(&body("o5@example.com")),
        )
        .await;
    assert_error(
        &res,
        403,
        "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
        "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
    );
    // Fetch metadata without Origin (Node's fetch sends Sec-Fetch-Mode: cors).
    let res = srv
        .send(
            Request::post(PATH)
                .header("sec-fetch-mode", "cors")
                .json(&body("o6@example.com")),
        )
        .await;
    assert_error(
        &res,
        403,
        "MISSING_OR_NULL_ORIGIN",
        "Missing or null Origin",
    );
    // A foreign Origin without cookies: forced check (1.7.25) ...
    let res = srv
        .send(
            Request::post(PATH)
                .origin(evil)
                .json(&body("o7@example.com")),
        )
        .await;
    assert_error(&res, 403, "INVALID_ORIGIN", "Invalid origin");
    // ... but it runs after schema validation.
    let res = srv
        .send(
            Request::post(PATH)
                .origin(evil)
                .json(&json!({"email": "o8@example.com"})),
        )
        .await;
    assert_validation(
        &res,
        "[body.name] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined",
    );
    assert_eq!(
        srv.count("user", &[]).await,
        0,
        "no blocked request created a user"
    );

    // Allowed: trusted origins with cookies, a trusted Referer, and plain server-to-server calls.
    let res = srv
        .send(
            Request::post(PATH)
                .cookie("theme=dark")
                .origin(TRUSTED_EXTRA_ORIGIN)
                .json(&body("o1@example.com")),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .send(
            Request::post(PATH)
                .cookie("theme=dark")
                .header("referer", &format!("{}/sign-up", srv.base))
                .json(&body("o4@example.com")),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .send(
            Request::post(PATH)
                .header("sec-fetch-site", "same-origin")
                .header("sec-fetch-mode", "cors")
                .origin(&srv.base)
                .json(&body("o5@example.com")),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(srv.count("user", &[]).await, 3);
}

pub async fn sign_up_callback_url_rules(srv: &TestServer) {
    let with_cb = |email: &str, cb: Value| {
        let mut b = body(email);
        b["callbackURL"] = cb;
        Request::post(PATH).json(&b)
    };
    for bad in [
        "//evil.com",
        "https://evil.com/x",
        "/\\evil.com",
        "javascript:alert(1)",
    ] {
        let res = srv.send(with_cb("cb1@example.com", json!(bad))).await;
        assert_error(&res, 403, "INVALID_CALLBACK_URL", "Invalid callbackURL");
    }
    let res = srv.send(with_cb("cb1@example.com", json!(123))).await;
    assert_json(
        &res,
        400,
        json!({"message": "Invalid callbackURL: expected a string"}),
    );
    assert_eq!(
        res.text(),
        r#"{"message":"Invalid callbackURL: expected a string"}"#
    );
    // The query string is checked too.
    let res = srv
        .send(
            Request::post(&format!("{PATH}?callbackURL=%2F%2Fevil.com"))
                .json(&body("cb1@example.com")),
        )
        .await;
    assert_error(&res, 403, "INVALID_CALLBACK_URL", "Invalid callbackURL");
    assert_eq!(user_count(srv, "cb1@example.com").await, 0);

    // Accepted: a safe relative path; the body never has redirect/url.
    let res = srv
        .send(with_cb("cb2@example.com", json!("/welcome?x=1")))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(keys(&res.json()), ["token", "user"]);
    assert_eq!(res.header("location"), None);
    let res = srv
        .send(with_cb(
            "cb3@example.com",
            json!(format!("{TRUSTED_EXTRA_ORIGIN}/done")),
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
}

pub async fn sign_up_concurrent_duplicates(srv: &TestServer) {
    let email = "race@example.com";
    let futures = (0..5).map(|_| srv.send(Request::post(PATH).json(&body(email))));
    let results = futures::future::join_all(futures).await;
    let ok: Vec<_> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        ok.len(),
        1,
        "exactly one sign-up wins: {:?}",
        results.iter().map(|r| r.describe()).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 200) {
        assert_error(
            r,
            422,
            "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
            "User already exists. Use another email.",
        );
        assert_no_set_cookie(r);
    }
    assert_eq!(user_count(srv, email).await, 1);
    let user_id = ok[0].json()["user"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        srv.count("account", &[Where::eq("userId", user_id.as_str())])
            .await,
        1
    );
    assert_eq!(srv.count("account", &[]).await, 1, "no orphan accounts");
    assert_eq!(srv.count("session", &[]).await, 1, "no orphan sessions");
}

pub async fn sign_up_ignores_protected_fields_and_remember_me(srv: &TestServer) {
    let res = srv
        .send(Request::post(PATH).json(&json!({
            "name": "Mallory",
            "email": "mallory@example.com",
            "password": "password-123",
            "image": "https://img.example/m.png",
            "emailVerified": true,
            "id": "attacker-chosen-id",
            "createdAt": "2000-01-01T00:00:00.000Z",
            "somethingElse": {"nested": true},
            "rememberMe": false,
        })))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let user = &res.json()["user"];
    assert_eq!(user["emailVerified"], false);
    assert_ne!(user["id"], "attacker-chosen-id");
    assert_ne!(user["createdAt"], "2000-01-01T00:00:00.000Z");
    assert_eq!(user["image"], "https://img.example/m.png");
    assert!(user.get("somethingElse").is_none());
    assert_eq!(
        srv.count("user", &[Where::eq("id", "attacker-chosen-id")])
            .await,
        0
    );
    // rememberMe:false on sign-up too: a browser-session cookie plus dont_remember.
    let token = res.json()["token"].as_str().expect("token").to_owned();
    assert_eq!(
        res.set_cookie(SESSION_COOKIE).expect("cookie").raw,
        format!(
            "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax",
            encode_uri_component(&srv.signed(&token))
        )
    );
    assert!(res.set_cookie(DONT_REMEMBER_COOKIE).is_some());
    // (Read from the database: a get-session without the dont_remember cookie would extend it.)
    let row = srv
        .adapter()
        .find_one("session", &[Where::eq("token", hash_token(&token))])
        .await
        .expect("query")
        .expect("session row");
    let expires = row["expiresAt"].as_date().expect("date");
    let expected = chrono::Utc::now() + chrono::Duration::days(1);
    assert!((expires - expected).num_seconds().abs() < 120, "{expires}");
}

/// Pathological JSON must be refused cleanly, not crash the server.
pub async fn sign_up_pathological_json(srv: &TestServer) {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let res = srv
        .send(Request::post(PATH).raw(Some("application/json"), deep))
        .await;
    assert_error(&res, 400, "BAD_REQUEST", "Invalid JSON in request body");
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let res = srv
        .send(Request::post(PATH).raw(Some("application/json"), deep_obj))
        .await;
    assert_error(&res, 400, "BAD_REQUEST", "Invalid JSON in request body");
    for junk in [
        &b"\xff\xfe\x00garbage"[..],
        b"{\"name\": \"\\ud800\"}",
        b"NaN",
        b"{'single': 'quotes'}",
        b"{\"a\":1}{\"b\":2}",
    ] {
        let res = srv
            .send(Request::post(PATH).raw(Some("application/json"), junk.to_vec()))
            .await;
        assert_eq!(res.status, 400, "{:?}: {}", junk, res.describe());
    }
    // Unicode that is valid goes through, and email matching is case-insensitive.
    let res = srv
        .send(Request::post(PATH).json(&json!({
            "name": "Zoë 🚀 <b>", "email": "ZOE@example.com", "password": "pässwörd-ñ-1",
        })))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["name"], "Zoë 🚀 <b>");
    srv.sign_in("zoe@EXAMPLE.com", "pässwörd-ñ-1").await;
    // The server is still healthy.
    assert_eq!(srv.send(Request::get("/api/auth/ok")).await.status, 200);
}
