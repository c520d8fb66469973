//! The magic-link plugin: the link from the email signs in, once, before it expires.

use serde_json::json;

use super::email_flows::{expire_verifications, local, query_param, user_row, verified};
use portcullis_testkit::prelude::*;

async fn request_link(srv: &TestServer, body: serde_json::Value) {
    let res = srv
        .send(Request::post("/api/auth/sign-in/magic-link").json(&body))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json(), json!({"status": true}));
}

pub async fn magic_link_signs_in_new_and_existing_users(srv: &TestServer) {
    let email = "mia.link@example.com";
    request_link(
        srv,
        json!({"email": "Mia.Link@Example.com", "name": "Mia", "callbackURL": "/dash", "newUserCallbackURL": "/welcome"}),
    )
    .await;
    let message = srv
        .last_message(email, "magic-link")
        .await
        .expect("magic link email");
    assert!(message.subject.contains(APP_NAME), "{}", message.subject);
    let link = srv.last_link(email, "magic-link").await;
    assert!(
        link.starts_with(&format!("{}/api/auth/magic-link/verify?token=", srv.base)),
        "{link}"
    );
    let token = query_param(&link, "token").expect("token");
    assert_eq!(token.len(), 32);
    assert_eq!(query_param(&link, "callbackURL").as_deref(), Some("/dash"));
    // The table holds only a hash of the token.
    let rows = srv
        .adapter()
        .find_many("verification", &Default::default())
        .await
        .expect("rows");
    assert!(rows.iter().all(|r| !format!("{r:?}").contains(&token)));

    let mut browser = srv.agent();
    let res = browser.get(&local(srv, &link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    assert_eq!(
        res.header("location"),
        Some(format!("{}/welcome", srv.base).as_str())
    );
    let session = browser.get("/api/auth/get-session").await.json();
    assert_eq!(session["user"]["email"], email);
    assert_eq!(session["user"]["name"], "Mia");
    assert_eq!(session["user"]["emailVerified"], true);

    // Single use: the second click lands on the callback with the error.
    let res = srv.send(Request::get(&local(srv, &link))).await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.header("location"),
        Some(format!("{}/dash?error=INVALID_TOKEN", srv.base).as_str())
    );

    // An existing user: no newUserCallbackURL detour; without callbackURL the answer is JSON.
    srv.sign_up("Old", "old.link@example.com", "old-password-1")
        .await;
    request_link(
        srv,
        json!({"email": "old.link@example.com", "newUserCallbackURL": "/welcome"}),
    )
    .await;
    let link = srv.last_link("old.link@example.com", "magic-link").await;
    assert_eq!(query_param(&link, "callbackURL").as_deref(), Some("/"));
    let token = query_param(&link, "token").expect("token");
    let res = srv
        .send(Request::get(&format!(
            "/api/auth/magic-link/verify?token={token}"
        )))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["user"]["email"], "old.link@example.com");
    assert_eq!(body["session"]["token"], body["token"]);
    let doc = openapi_document(srv).await;
    assert_matches_openapi(&doc, "GET", "/magic-link/verify", 200, &body);
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    let me = srv.session_of(body["token"].as_str().expect("token")).await;
    assert_eq!(me["user"]["email"], "old.link@example.com");
}

pub async fn magic_link_expiry_errors_and_takeover(srv: &TestServer) {
    // Expired: lands on errorCallbackURL.
    request_link(
        srv,
        json!({"email": "late@example.com", "callbackURL": "/dash", "errorCallbackURL": "/oops"}),
    )
    .await;
    let link = srv.last_link("late@example.com", "magic-link").await;
    expire_verifications(srv).await;
    let res = srv.send(Request::get(&local(srv, &link))).await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.header("location"),
        Some(format!("{}/oops?error=INVALID_TOKEN", srv.base).as_str())
    );
    assert_eq!(
        srv.count(
            "user",
            &[portcullis_storage::Where::eq("email", "late@example.com")]
        )
        .await,
        0
    );

    // Unknown token and no URLs: the site root.
    let res = srv
        .send(Request::get("/api/auth/magic-link/verify?token=nonsense"))
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.header("location"),
        Some(format!("{}/?error=INVALID_TOKEN", srv.base).as_str())
    );

    // Redirects must stay on trusted origins, in the request and in a crafted link.
    let res =
        srv.send(Request::post("/api/auth/sign-in/magic-link").json(
            &json!({"email": "x@example.com", "errorCallbackURL": "https://evil.example/x"}),
        ))
        .await;
    assert_error(
        &res,
        403,
        "INVALID_ERROR_CALLBACK_URL",
        "Invalid errorCallbackURL",
    );
    let res = srv
        .send(Request::get(
            "/api/auth/magic-link/verify?token=a&errorCallbackURL=https%3A%2F%2Fevil.example%2F",
        ))
        .await;
    assert_error(
        &res,
        403,
        "INVALID_ERROR_CALLBACK_URL",
        "Invalid errorCallbackURL",
    );
    let res = srv
        .send(Request::post("/api/auth/sign-in/magic-link").json(&json!({"email": "not-an-email"})))
        .await;
    assert_validation(&res, "[body.email] Invalid email address");

    // Someone signed up with this address but never verified it: the owner's link removes
    // their password and sessions.
    let squatter = srv
        .sign_up("Squatter", "owner@example.com", "squatter-pass-1")
        .await;
    request_link(
        srv,
        json!({"email": "owner@example.com", "callbackURL": "/dash"}),
    )
    .await;
    let link = srv.last_link("owner@example.com", "magic-link").await;
    let res = srv.send(Request::get(&local(srv, &link))).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    assert!(verified(&user_row(srv, "owner@example.com").await));
    assert!(srv.session_of(&squatter.token).await.is_null());
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "owner@example.com", "password": "squatter-pass-1"})),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
}

pub async fn magic_link_without_sign_up(srv: &TestServer) {
    let srv = srv
        .with_config(&[("MAGIC_LINK_DISABLE_SIGN_UP", "true")])
        .await;
    request_link(&srv, json!({"email": "stranger@example.com"})).await;
    assert!(
        srv.last_message("stranger@example.com", "magic-link")
            .await
            .is_none()
    );
    srv.sign_up("Member", "member@example.com", "member-pass-1")
        .await;
    request_link(
        &srv,
        json!({"email": "member@example.com", "callbackURL": "/in"}),
    )
    .await;
    let link = srv.last_link("member@example.com", "magic-link").await;
    let res = srv.send(Request::get(&local(&srv, &link))).await;
    assert_eq!(
        res.header("location"),
        Some(format!("{}/in", srv.base).as_str())
    );

    let off = srv.with_config(&[("ENABLE_MAGIC_LINKS", "false")]).await;
    let res = off
        .send(
            Request::post("/api/auth/sign-in/magic-link")
                .json(&json!({"email": "member@example.com"})),
        )
        .await;
    assert_empty_404(&res);
}
