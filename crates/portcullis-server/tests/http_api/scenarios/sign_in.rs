//! `POST /sign-in/email`.

use chrono::Utc;
use portcullis_core::cookies::encode_uri_component;
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

const PATH: &str = "/api/auth/sign-in/email";

pub async fn sign_in_success_shape(srv: &TestServer) {
    let up = srv
        .sign_up("Bob", "bob@example.com", "bob-password-1")
        .await;
    let mut agent = srv.agent();
    let res = agent
        .post(
            PATH,
            json!({"email": "BOB@Example.com", "password": "bob-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(keys(&body), ["redirect", "token", "user"]);
    assert_eq!(body["redirect"], false);
    let token = body["token"].as_str().expect("token");
    assert_ne!(token, up.token, "a new session");
    assert_eq!(body["user"]["id"], up.user_id.as_str());
    assert_eq!(body["user"]["email"], "bob@example.com");
    assert_eq!(res.header("location"), None);
    let signed = srv.signed(token);
    assert_eq!(
        res.set_cookie(SESSION_COOKIE).expect("cookie").raw,
        format!(
            "{SESSION_COOKIE}={}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
            encode_uri_component(&signed)
        )
    );
    assert!(res.set_cookie(DONT_REMEMBER_COOKIE).is_none());
    assert_eq!(res.header("set-auth-token"), Some(signed.as_str()));

    // The agent's cookies now authenticate.
    let s = agent.get("/api/auth/get-session").await.json();
    assert_eq!(s["session"]["token"], token);
    assert_eq!(s["user"]["id"], up.user_id.as_str());
    let expires = parse_date(&s["session"]["expiresAt"]);
    let expected = Utc::now() + chrono::Duration::seconds(604_800);
    assert!((expires - expected).num_seconds().abs() < 120, "{expires}");
}

pub async fn sign_in_callback_url_redirects(srv: &TestServer) {
    srv.sign_up("Cal", "cal@example.com", "cal-password-1")
        .await;
    let sign_in = |cb: Value| {
        Request::post(PATH).json(&json!({
            "email": "cal@example.com", "password": "cal-password-1", "callbackURL": cb,
        }))
    };
    let res = srv.send(sign_in(json!("/dash"))).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(keys(&body), ["redirect", "token", "url", "user"]);
    assert_eq!(body["redirect"], true);
    assert_eq!(body["url"], "/dash");
    assert_eq!(res.header("location"), Some("/dash"));
    assert!(res.set_cookie(SESSION_COOKIE).is_some());

    let url = format!("{TRUSTED_EXTRA_ORIGIN}/after");
    let res = srv.send(sign_in(json!(url))).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["url"], url.as_str());
    assert_eq!(res.header("location"), Some(url.as_str()));

    for bad in ["//evil.com", "https://evil.com/after", "/%2F%2Fevil.com"] {
        let res = srv.send(sign_in(json!(bad))).await;
        assert_error(&res, 403, "INVALID_CALLBACK_URL", "Invalid callbackURL");
        assert_no_set_cookie(&res);
    }
    let res = srv.send(sign_in(json!(false))).await;
    assert_json(
        &res,
        400,
        json!({"message": "Invalid callbackURL: expected a string"}),
    );
}

pub async fn sign_in_remember_me_false(srv: &TestServer) {
    srv.sign_up("Rem", "rem@example.com", "rem-password-1")
        .await;
    let mut agent = srv.agent();
    let res = agent
        .post(
            PATH,
            json!({"email": "rem@example.com", "password": "rem-password-1", "rememberMe": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let token = res.json()["token"].as_str().expect("token").to_owned();
    // A browser-session cookie: no Max-Age.
    assert_eq!(
        res.set_cookie(SESSION_COOKIE).expect("cookie").raw,
        format!(
            "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax",
            encode_uri_component(&srv.signed(&token))
        )
    );
    assert_eq!(
        res.set_cookie(DONT_REMEMBER_COOKIE)
            .expect("dont_remember")
            .raw,
        format!(
            "{DONT_REMEMBER_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax",
            encode_uri_component(&srv.signed("true"))
        )
    );
    if let Some(data) = res.set_cookie(DATA_COOKIE) {
        assert_eq!(data.max_age, None, "cookie cache is a session cookie too");
    }
    // A one-day session.
    let s = agent
        .get("/api/auth/get-session?disableCookieCache=true")
        .await;
    assert_eq!(s.status, 200);
    let s = s.json();
    assert_eq!(s["session"]["token"], token.as_str());
    let expires = parse_date(&s["session"]["expiresAt"]);
    let expected = Utc::now() + chrono::Duration::days(1);
    assert!((expires - expected).num_seconds().abs() < 120, "{expires}");
}

pub async fn sign_in_failures(srv: &TestServer) {
    srv.sign_up("Fay", "fay@example.com", "fay-password-1")
        .await;
    let attempt = |b: Value| Request::post(PATH).json(&b);
    let invalid = |res: &Response| {
        assert_error(
            res,
            401,
            "INVALID_EMAIL_OR_PASSWORD",
            "Invalid email or password",
        );
        assert_no_set_cookie(res);
        assert_eq!(res.header("set-auth-token"), None);
    };
    invalid(
        &srv.send(attempt(
            json!({"email": "fay@example.com", "password": "wrong-password"}),
        ))
        .await,
    );
    invalid(
        &srv.send(attempt(
            json!({"email": "nobody@example.com", "password": "fay-password-1"}),
        ))
        .await,
    );
    invalid(
        &srv.send(attempt(json!({"email": "fay@example.com", "password": ""})))
            .await,
    );
    let res = srv
        .send(attempt(
            json!({"email": "not-an-email", "password": "fay-password-1"}),
        ))
        .await;
    assert_error(&res, 400, "INVALID_EMAIL", "Invalid email");
    let res = srv
        .send(attempt(
            json!({"email": "fay@example.com", "password": "p".repeat(129)}),
        ))
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_LONG", "Password too long");

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"email": 1, "password": true}),
            "[body.email] Invalid input: expected string, received number; [body.password] Invalid input: expected string, received boolean",
        ),
        (
            json!({}),
            "[body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined",
        ),
        (
            json!({"email": "fay@example.com", "password": "fay-password-1", "rememberMe": "no"}),
            "[body.rememberMe] Invalid input: expected boolean, received string",
        ),
        (
            json!({"email": "fay@example.com", "password": "fay-password-1", "callbackURL": null}),
            "[body.callbackURL] Invalid input: expected string, received null",
        ),
        (
            Value::Null,
            "[body] Invalid input: expected object, received null",
        ),
        (
            json!([1, 2]),
            "[body] Invalid input: expected object, received array",
        ),
    ];
    for (b, message) in cases {
        let res = srv.send(attempt(b)).await;
        assert_validation(&res, message);
        assert_no_set_cookie(&res);
    }
    let res = srv.send(Request::post(PATH)).await;
    assert_validation(
        &res,
        "[body] Invalid input: expected object, received undefined",
    );
    let res = srv
        .send(Request::post(PATH).raw(
            Some("text/plain"),
            r#"{"email":"fay@example.com","password":"fay-password-1"}"#,
        ))
        .await;
    assert_error(
        &res,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Content-Type \"text/plain\" is not allowed. Allowed types: application/x-www-form-urlencoded, application/json",
    );
    let res = srv
        .send(Request::post(PATH).raw(Some("application/json"), "{not json"))
        .await;
    assert_error(&res, 400, "BAD_REQUEST", "Invalid JSON in request body");
    assert_eq!(
        srv.count("session", &[]).await,
        1,
        "only the sign-up session"
    );
}

pub async fn sign_in_origin_rules(srv: &TestServer) {
    srv.sign_up("Ori", "ori@example.com", "ori-password-1")
        .await;
    let creds = json!({"email": "ori@example.com", "password": "ori-password-1"});
    let res = srv
        .send(
            Request::post(PATH)
                .origin("https://evil.example")
                .json(&creds),
        )
        .await;
    assert_error(&res, 403, "INVALID_ORIGIN", "Invalid origin");
    let res = srv
        .send(Request::post(PATH).cookie("a=b").json(&creds))
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
                .header("sec-fetch-site", "cross-site")
                .header("sec-fetch-mode", "navigate")
                .header("sec-fetch-dest", "document")
                .json(&creds),
        )
        .await;
    assert_error(
        &res,
        403,
        "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
        "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
    );
    assert_eq!(
        srv.count("session", &[]).await,
        1,
        "only the sign-up session"
    );
    // Cross-site but not a navigation, from a trusted origin: allowed.
    let res = srv
        .send(
            Request::post(PATH)
                .header("sec-fetch-site", "cross-site")
                .header("sec-fetch-mode", "cors")
                .origin(TRUSTED_EXTRA_ORIGIN)
                .json(&creds),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some(TRUSTED_EXTRA_ORIGIN)
    );
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
}

pub async fn sign_in_form_urlencoded(srv: &TestServer) {
    let up = srv
        .sign_up("Form", "form@example.com", "form-password-1")
        .await;
    let res = srv
        .send(Request::post(PATH).form(&[
            ("email", "Form@Example.com"),
            ("password", "form-password-1"),
        ]))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["id"], up.user_id.as_str());
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    let res = srv
        .send(Request::post(PATH).form(&[
            ("email", "form@example.com"),
            ("password", "nope-nope-nope"),
        ]))
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
}
