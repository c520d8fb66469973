//! The anonymous plugin: a guest session, linking on a later real sign-in or sign-up, and the
//! guest's own deletion.

use portcullis_storage::Where;
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

const ON: &[(&str, &str)] = &[("ENABLE_ANONYMOUS", "true")];

pub async fn anonymous_sign_in_and_link_on_sign_up(srv: &TestServer) {
    // Off unless configured.
    assert_empty_404(&srv.post("/sign-in/anonymous", json!({})).await);
    let page = srv.send(Request::get("/sign-in")).await.text();
    assert!(
        !page.contains("anonymous-sign-in"),
        "no guest button while off"
    );
    let srv = srv.with_config(ON).await;

    // The hosted sign-in page offers it, with its script.
    let page = srv.send(Request::get("/sign-in")).await;
    assert_html(&page);
    let html = page.text();
    assert!(html.contains(r#"id="anonymous-sign-in""#), "{html}");
    assert!(html.contains(r#"src="/assets/anonymous.js""#));
    let script = srv.send(Request::get("/assets/anonymous.js")).await;
    assert_eq!(script.status, 200);
    assert!(script.text().contains("/sign-in/anonymous"));

    let mut guest = srv.agent();
    let res = guest.post("/api/auth/sign-in/anonymous", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(keys(&body), ["token", "user"]);
    let doc = openapi_document(&srv).await;
    assert_matches_openapi(&doc, "POST", "/sign-in/anonymous", 200, &body);
    let user = &body["user"];
    assert_eq!(user["name"], "Anonymous");
    assert_eq!(user["isAnonymous"], true);
    assert_eq!(user["emailVerified"], false);
    let email = user["email"].as_str().expect("email");
    assert!(email.ends_with("@anonymous.placeholder.invalid"), "{email}");
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    let guest_id = user["id"].as_str().expect("id").to_owned();

    // The field is the plugin's: input may not set it. Sign-up takes its default instead, as
    // Better Auth does for a field with a default; update-user refuses it.
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Sly", "email": "sly@example.com", "password": "sly-password-1", "isAnonymous": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["isAnonymous"], false);
    let sly = res
        .header("set-auth-token")
        .expect("set-auth-token")
        .to_owned();
    let res = srv
        .send(
            Request::post("/api/auth/update-user")
                .bearer(&sly)
                .json(&json!({"isAnonymous": true})),
        )
        .await;
    assert_error(
        &res,
        400,
        "FIELD_NOT_ALLOWED",
        "isAnonymous is not allowed to be set",
    );

    // A guest cannot become a second guest.
    let res = guest.post("/api/auth/sign-in/anonymous", json!({})).await;
    assert_error(
        &res,
        400,
        "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY",
        "Anonymous users cannot sign in again anonymously",
    );

    // Signing up for real from the guest's browser replaces the guest.
    let res = guest
        .post(
            "/api/auth/sign-up/email",
            json!({"name": "Real", "email": "real@example.com", "password": "real-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["isAnonymous"], false);
    assert_eq!(
        srv.count("user", &[Where::eq("id", guest_id.as_str())])
            .await,
        0
    );
    assert_eq!(
        srv.count("session", &[Where::eq("userId", guest_id.as_str())])
            .await,
        0
    );
    // The new session works; the guest's is gone.
    let me = guest.get("/api/auth/get-session").await.json();
    assert_eq!(me["user"]["email"], "real@example.com");

    // A real user cannot use the guests' exit.
    let res = guest
        .post("/api/auth/delete-anonymous-user", json!({}))
        .await;
    assert_error(&res, 403, "USER_IS_NOT_ANONYMOUS", "User is not anonymous");
}

pub async fn anonymous_link_on_sign_in_and_delete(srv: &TestServer) {
    let srv = srv.with_config(ON).await;
    srv.sign_up("Owner", "owner@example.com", "owner-password-1")
        .await;

    // A guest who signs in to an existing account: the guest is deleted.
    let mut guest = srv.agent();
    let res = guest.post("/api/auth/sign-in/anonymous", json!({})).await;
    let guest_id = res.json()["user"]["id"].as_str().expect("id").to_owned();
    let res = guest
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "owner@example.com", "password": "owner-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        srv.count("user", &[Where::eq("id", guest_id.as_str())])
            .await,
        0
    );

    // A failed sign-in leaves the guest alone.
    let mut other = srv.agent();
    let res = other.post("/api/auth/sign-in/anonymous", json!({})).await;
    let other_id = res.json()["user"]["id"].as_str().expect("id").to_owned();
    let res = other
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "owner@example.com", "password": "wrong-password-1"}),
        )
        .await;
    assert_eq!(res.status, 401);
    assert_eq!(
        srv.count("user", &[Where::eq("id", other_id.as_str())])
            .await,
        1
    );

    // The guest leaves: user and sessions gone, cookies cleared.
    let res = other
        .post("/api/auth/delete-anonymous-user", json!({}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    assert_clears_session(&res);
    assert_eq!(
        srv.count("user", &[Where::eq("id", other_id.as_str())])
            .await,
        0
    );
    assert_eq!(
        srv.count("session", &[Where::eq("userId", other_id.as_str())])
            .await,
        0
    );
    assert_eq!(
        other.get("/api/auth/get-session").await.text(),
        "null",
        "signed out"
    );

    // With deletion on link turned off, the guest stays after a real sign-in.
    let keep = srv
        .with_config(&[
            ("ENABLE_ANONYMOUS", "true"),
            ("ANONYMOUS_DELETE_ON_LINK", "false"),
        ])
        .await;
    keep.sign_up("Keeper", "keeper@example.com", "keeper-password-1")
        .await;
    let mut guest = keep.agent();
    let res = guest.post("/api/auth/sign-in/anonymous", json!({})).await;
    let kept_id = res.json()["user"]["id"].as_str().expect("id").to_owned();
    let res = guest
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "keeper@example.com", "password": "keeper-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        keep.count("user", &[Where::eq("id", kept_id.as_str())])
            .await,
        1
    );
    let _: Value = res.json();
}
