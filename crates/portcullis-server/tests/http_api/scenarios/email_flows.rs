//! Email verification, password reset, change of address, deletion by email, welcome and
//! new-device notices: each flow completed from the message the server sent.

use chrono::{Duration, Utc};
use portcullis_core::crypto::email_token::{self, EmailClaims};
use portcullis_storage::{Row, Where};
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

/// The path and query of an absolute link on this server.
pub fn local(srv: &TestServer, link: &str) -> String {
    link.strip_prefix(&srv.base)
        .unwrap_or_else(|| panic!("{link} is not on {}", srv.base))
        .to_owned()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("http://x{url}")))
        .ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub async fn user_row(srv: &TestServer, email: &str) -> Row {
    srv.adapter()
        .find_one("user", &[Where::eq("email", email)])
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no user {email}"))
}

pub fn verified(row: &Row) -> bool {
    row.get("emailVerified").and_then(|v| v.as_bool()) == Some(true)
}

/// Moves every pending link and code past its expiry.
pub async fn expire_verifications(srv: &TestServer) {
    let mut set = Row::new();
    set.insert(
        "expiresAt".into(),
        (Utc::now() - Duration::seconds(5)).into(),
    );
    srv.adapter()
        .update_many("verification", &[], set)
        .await
        .expect("expire verifications");
}

pub async fn email_verification_flow(srv: &TestServer) {
    let srv = srv
        .with_config(&[("REQUIRE_EMAIL_VERIFICATION", "true")])
        .await;
    let email = "verify.me@example.com";
    let res = srv
        .send(Request::post("/api/auth/sign-up/email").json(&json!({
            "name": "Vera", "email": email, "password": "vera-password-1", "callbackURL": "/welcome",
        })))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let message = srv
        .last_message(email, "verification")
        .await
        .expect("verification email");
    assert!(message.subject.contains(APP_NAME), "{}", message.subject);
    // No welcome until the address is proven.
    assert!(srv.last_message(email, "welcome").await.is_none());
    let link = srv.last_link(email, "verification").await;
    let sent = srv.outbox().await.len();

    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": email, "password": "vera-password-1"})),
        )
        .await;
    assert_error(&res, 403, "EMAIL_NOT_VERIFIED", "Email not verified");
    // The right password on an unverified account sends a fresh link.
    assert_eq!(srv.outbox().await.len(), sent + 1);

    assert_eq!(
        query_param(&link, "callbackURL").as_deref(),
        Some("/welcome")
    );
    let mut browser = srv.agent();
    let res = browser.get(&local(&srv, &link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    assert_eq!(res.header("location"), Some("/welcome"));
    assert!(verified(&user_row(&srv, email).await));
    // Signed in by the link.
    let session = browser.get("/api/auth/get-session").await.json();
    assert_eq!(session["user"]["email"], email);
    assert_eq!(session["user"]["emailVerified"], true);
    assert!(srv.last_message(email, "welcome").await.is_some());

    // Following it again still lands on the callback; the JSON form says status true.
    let res = srv.send(Request::get(&local(&srv, &link))).await;
    assert_eq!(res.status, 302);
    let token = query_param(&link, "token").expect("token");
    let res = srv
        .send(Request::get(&format!(
            "/api/auth/verify-email?token={token}"
        )))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["status"], true);

    let (_, res) = srv.sign_in(email, "vera-password-1").await;
    assert_eq!(res.status, 200);
}

/// Following the link while signed in: as Better Auth, cookies only with auto sign-in and only
/// when the link verified the address (the caller's own session is set again, so its cookie
/// cache shows emailVerified). Without auto sign-in, no cookie at all.
pub async fn verify_email_when_signed_in(srv: &TestServer) {
    async fn link_for(srv: &TestServer, me: &mut Agent<'_>, email: &str) -> String {
        let res = me
            .post(
                "/api/auth/send-verification-email",
                json!({"email": email, "callbackURL": "/verified"}),
            )
            .await;
        assert_json(&res, 200, json!({"status": true}));
        let link = srv
            .last_link_with(email, "verification", "callbackURL=%2Fverified")
            .await;
        local(srv, &link)
    }

    // Auto sign-in off: no cookie, whoever is signed in.
    let off = srv
        .with_config(&[("EMAIL_VERIFICATION_AUTO_SIGN_IN", "false")])
        .await;
    let mut me = off.agent();
    let (token, _) = me
        .sign_up("Otto", "otto@example.com", "otto-password-1")
        .await;
    let link = link_for(&off, &mut me, "otto@example.com").await;
    let res = me.get(&link).await;
    assert_empty_json(&res, 302);
    assert_eq!(res.header("location"), Some("/verified"));
    assert!(res.set_cookies().is_empty(), "{}", res.describe());
    assert_eq!(res.header("set-auth-token"), None);
    assert!(verified(&user_row(&off, "otto@example.com").await));
    assert_eq!(off.session_of(&token).await["user"]["emailVerified"], true);

    // Auto sign-in on (the default): the caller's own session is set again, same token.
    let mut me = srv.agent();
    let (token, _) = me.sign_up("Una", "una@example.com", "una-password-1").await;
    let link = link_for(srv, &mut me, "una@example.com").await;
    let res = me.get(&link).await;
    assert_empty_json(&res, 302);
    let cookie = res.set_cookie(SESSION_COOKIE).expect("session cookie");
    assert_eq!(
        cookie.value,
        portcullis_core::cookies::encode_uri_component(&srv.signed(&token))
    );
    assert!(
        res.set_cookie(DATA_COOKIE).is_none(),
        "no cookie cache by default"
    );
    let cached = me.get("/api/auth/get-session").await.json();
    assert_eq!(cached["session"]["token"], token.as_str());
    assert_eq!(cached["user"]["emailVerified"], true);
    assert_eq!(srv.count("session", &[]).await, 1);
    // Already verified: nothing is set.
    let res = me.get(&link).await;
    assert_empty_json(&res, 302);
    assert!(res.set_cookies().is_empty(), "{}", res.describe());

    // Signed in as someone else: a session for the verified user.
    let mut other = srv.agent();
    let (other_token, _) = other
        .sign_up("Ivo", "ivo@example.com", "ivo-password-1")
        .await;
    let link = link_for(srv, &mut other, "ivo@example.com").await;
    let mut stranger = srv.agent();
    stranger
        .sign_up("Sal", "sal@example.com", "sal-password-1")
        .await;
    let res = stranger.get(&link).await;
    assert_empty_json(&res, 302);
    assert!(
        res.set_cookie(SESSION_COOKIE).is_some(),
        "{}",
        res.describe()
    );
    let now = stranger.get("/api/auth/get-session").await.json();
    assert_eq!(now["user"]["email"], "ivo@example.com");
    assert_ne!(now["session"]["token"], other_token.as_str());
}

pub async fn verify_email_bad_tokens(srv: &TestServer) {
    let su = srv
        .sign_up("Tok", "tok@example.com", "tok-password-1")
        .await;
    let res = srv
        .send(Request::get(
            "/api/auth/verify-email?token=nonsense&callbackURL=/done",
        ))
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(res.header("location"), Some("/done?error=INVALID_TOKEN"));
    let res = srv
        .send(Request::get("/api/auth/verify-email?token=nonsense"))
        .await;
    assert_error(&res, 401, "INVALID_TOKEN", "Invalid token");

    let expired = EmailClaims {
        iat: Utc::now().timestamp() - 7200,
        exp: Utc::now().timestamp() - 3600,
        ..EmailClaims::new("tok@example.com", &su.user_id, 3600, chrono::Utc::now())
    };
    let t = email_token::sign(SECRET.as_bytes(), &expired).expect("sign");
    let res = srv
        .send(Request::get(&format!("/api/auth/verify-email?token={t}")))
        .await;
    assert_error(&res, 401, "TOKEN_EXPIRED", "Token expired");

    // Signed with another secret.
    let forged = email_token::sign(
        b"not-the-server-secret-not-the-server-secret",
        &EmailClaims::new("tok@example.com", &su.user_id, 3600, chrono::Utc::now()),
    )
    .expect("sign");
    let res = srv
        .send(Request::get(&format!(
            "/api/auth/verify-email?token={forged}"
        )))
        .await;
    assert_error(&res, 401, "INVALID_TOKEN", "Invalid token");
    assert!(!verified(&user_row(srv, "tok@example.com").await));

    // A token for a user id that is not the address's owner.
    let wrong_user = email_token::sign(
        SECRET.as_bytes(),
        &EmailClaims::new("tok@example.com", "someone-else", 3600, chrono::Utc::now()),
    )
    .expect("sign");
    let res = srv
        .send(Request::get(&format!(
            "/api/auth/verify-email?token={wrong_user}"
        )))
        .await;
    assert_error(&res, 401, "INVALID_TOKEN", "Invalid token");
    let gone = email_token::sign(
        SECRET.as_bytes(),
        &EmailClaims::new("nobody@example.com", "x", 3600, chrono::Utc::now()),
    )
    .expect("sign");
    let res = srv
        .send(Request::get(&format!(
            "/api/auth/verify-email?token={gone}"
        )))
        .await;
    assert_error(&res, 401, "USER_NOT_FOUND", "User not found");
}

pub async fn send_verification_email_rules(srv: &TestServer) {
    let before = srv.outbox().await.len();
    let res = srv
        .send(
            Request::post("/api/auth/send-verification-email")
                .json(&json!({"email": "unknown@example.com"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json(), json!({"status": true}));
    assert_eq!(
        srv.outbox().await.len(),
        before,
        "nothing sent to an unknown address"
    );

    let mut me = srv.agent();
    me.sign_up("Sven", "sven@example.com", "sven-password-1")
        .await;
    let res = me
        .post(
            "/api/auth/send-verification-email",
            json!({"email": "other@example.com"}),
        )
        .await;
    assert_error(&res, 400, "EMAIL_MISMATCH", "Email mismatch");
    let res = me
        .post(
            "/api/auth/send-verification-email",
            json!({"email": "Sven@Example.com", "callbackURL": "/x"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link("sven@example.com", "verification").await;
    let res = me.get(&local(srv, &link)).await;
    assert_eq!(res.status, 302);
    let res = me
        .post(
            "/api/auth/send-verification-email",
            json!({"email": "sven@example.com"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "EMAIL_ALREADY_VERIFIED",
        "Email is already verified",
    );
    let res = me
        .post(
            "/api/auth/send-verification-email",
            json!({"email": "sven@example.com", "callbackURL": "https://evil.example/"}),
        )
        .await;
    assert_error(&res, 403, "INVALID_CALLBACK_URL", "Invalid callbackURL");
    let res = srv
        .send(Request::post("/api/auth/send-verification-email").json(&json!({"email": "nope"})))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["code"], "VALIDATION_ERROR");
}

pub async fn password_reset_flow(srv: &TestServer) {
    let email = "reset.me@example.com";
    let su = srv.sign_up("Rita", email, "rita-password-1").await;
    let before = srv.outbox().await.len();
    let unknown = srv
        .send(
            Request::post("/api/auth/request-password-reset")
                .json(&json!({"email": "ghost@example.com", "redirectTo": "/reset"})),
        )
        .await;
    assert_eq!(srv.outbox().await.len(), before);
    let known = srv
        .send(
            Request::post("/api/auth/request-password-reset")
                .json(&json!({"email": email, "redirectTo": "/reset"})),
        )
        .await;
    assert_eq!(known.status, 200);
    assert_eq!(
        known.json(),
        unknown.json(),
        "same answer for known and unknown"
    );
    assert_eq!(
        known.json()["message"],
        "If this email exists in our system, check your email for the reset link"
    );

    let link = srv.last_link(email, "password-reset").await;
    let res = srv.send(Request::get(&local(srv, &link))).await;
    assert_eq!(res.status, 302);
    let location = res.header("location").expect("location").to_owned();
    assert!(
        location.starts_with(&format!("{}/reset?token=", srv.base)),
        "{location}"
    );
    let token = query_param(&location, "token").expect("token");
    // Only a hash is stored.
    let rows = srv
        .adapter()
        .find_many("verification", &portcullis_storage::Query::default())
        .await
        .expect("rows");
    assert!(rows.iter().all(|r| !format!("{r:?}").contains(&token)));

    let res = srv
        .send(
            Request::post("/api/auth/reset-password")
                .json(&json!({"newPassword": "short", "token": token})),
        )
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_SHORT", "Password too short");
    let res = srv
        .send(
            Request::post("/api/auth/reset-password")
                .json(&json!({"newPassword": "brand-new-password", "token": "wrong-token"})),
        )
        .await;
    assert_error(&res, 400, "INVALID_TOKEN", "Invalid token");
    let res = srv
        .send(
            Request::post("/api/auth/reset-password")
                .json(&json!({"newPassword": "brand-new-password", "token": token})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json(), json!({"status": true}));
    // Every session ended; the new password works, the old one does not.
    assert_eq!(srv.session_of(&su.token).await, Value::Null);
    srv.sign_in(email, "brand-new-password").await;
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": email, "password": "rita-password-1"})),
        )
        .await;
    assert_eq!(res.status, 401);
    // Single use.
    let res = srv
        .send(
            Request::post(&format!("/api/auth/reset-password?token={token}"))
                .json(&json!({"newPassword": "another-password-1"})),
        )
        .await;
    assert_error(&res, 400, "INVALID_TOKEN", "Invalid token");
    let res = srv.send(Request::get(&local(srv, &link))).await;
    assert_eq!(
        res.header("location"),
        Some(format!("{}/reset?error=INVALID_TOKEN", srv.base).as_str())
    );
}

pub async fn password_reset_expiry_and_old_path(srv: &TestServer) {
    let email = "old.path@example.com";
    srv.sign_up("Otto", email, "otto-password-1").await;
    let res = srv
        .send(Request::post("/api/auth/forget-password").json(&json!({"email": email})))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link(email, "password-reset").await;
    // Without redirectTo the link leads to the hosted reset page.
    let res = srv.send(Request::get(&local(srv, &link))).await;
    let location = res.header("location").expect("location").to_owned();
    assert!(
        location.starts_with(&format!("{}/reset-password?token=", srv.base)),
        "{location}"
    );
    let token = query_param(&location, "token").expect("token");

    let mut set = Row::new();
    set.insert(
        "expiresAt".into(),
        (Utc::now() - Duration::seconds(1)).into(),
    );
    srv.adapter()
        .update_many("verification", &[], set)
        .await
        .expect("expire");
    let res = srv.send(Request::get(&local(srv, &link))).await;
    assert!(
        res.header("location")
            .is_some_and(|l| l.ends_with("/reset-password?error=INVALID_TOKEN")),
        "{}",
        res.describe()
    );
    let res = srv
        .send(
            Request::post("/api/auth/reset-password")
                .json(&json!({"newPassword": "brand-new-password", "token": token})),
        )
        .await;
    assert_error(&res, 400, "INVALID_TOKEN", "Invalid token");
    let res = srv
        .send(
            Request::post("/api/auth/request-password-reset")
                .json(&json!({"email": email, "redirectTo": "https://evil.example/x"})),
        )
        .await;
    assert_error(&res, 403, "INVALID_REDIRECT_URL", "Invalid redirectURL");
}

pub async fn change_email_flow(srv: &TestServer) {
    // An unverified address changes after the new one is verified.
    let mut me = srv.agent();
    me.sign_up("Cora", "cora@example.com", "cora-password-1")
        .await;
    let res = me
        .post(
            "/api/auth/change-email",
            json!({"newEmail": "cora@example.com"}),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["message"], "Email is the same");
    let res = me
        .post(
            "/api/auth/change-email",
            json!({"newEmail": "Cora.New@example.com", "callbackURL": "/settings"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        srv.last_message("cora@example.com", "change-email")
            .await
            .is_none()
    );
    let link = srv.last_link("cora.new@example.com", "verification").await;
    let res = me.get(&local(srv, &link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    let session = me.get("/api/auth/get-session").await.json();
    assert_eq!(session["user"]["email"], "cora.new@example.com");
    // As Better Auth: an unverified account stays unverified (it never proved the address it
    // was created with) until the new address is verified on its own.
    assert_eq!(session["user"]["emailVerified"], false);
    assert!(!verified(&user_row(srv, "cora.new@example.com").await));
    let res = me
        .post(
            "/api/auth/send-verification-email",
            json!({"email": "cora.new@example.com"}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let link = srv.last_link("cora.new@example.com", "verification").await;
    let res = me.get(&local(srv, &link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    let session = me.get("/api/auth/get-session").await.json();
    assert_eq!(session["user"]["emailVerified"], true);

    // A verified address approves first, then the new one is verified.
    let res = me
        .post(
            "/api/auth/change-email",
            json!({"newEmail": "cora.third@example.com"}),
        )
        .await;
    assert_eq!(res.status, 200);
    let approval = srv.last_link("cora.new@example.com", "change-email").await;
    let message = srv
        .last_message("cora.new@example.com", "change-email")
        .await
        .expect("approval");
    assert!(
        message.text.contains("cora.third@example.com"),
        "{}",
        message.text
    );
    assert_eq!(
        srv.last_message("cora.third@example.com", "verification")
            .await,
        None,
        "nothing goes to the new address before approval"
    );
    let res = me.get(&local(srv, &approval)).await;
    assert_eq!(res.status, 302);
    let link = srv
        .last_link("cora.third@example.com", "verification")
        .await;
    let res = srv
        .send(Request::get(
            &local(srv, &link).replace("callbackURL=%2Fverify-email", "x="),
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["email"], "cora.third@example.com");
    // A verified account stays verified.
    assert_eq!(res.json()["user"]["emailVerified"], true);

    // A taken address answers the same and sends nothing.
    srv.sign_up("Taken", "taken@example.com", "taken-password-1")
        .await;
    let before = srv.outbox().await.len();
    let res = me
        .post(
            "/api/auth/change-email",
            json!({"newEmail": "taken@example.com"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json(), json!({"status": true}));
    assert_eq!(srv.outbox().await.len(), before);
    let res = srv
        .send(Request::post("/api/auth/change-email").json(&json!({"newEmail": "x@example.com"})))
        .await;
    assert_eq!(res.status, 401);

    let off = srv.with_config(&[("ENABLE_CHANGE_EMAIL", "false")]).await;
    let mut u = off.agent();
    u.sign_up("Off", "off@example.com", "off-password-1").await;
    let res = u
        .post(
            "/api/auth/change-email",
            json!({"newEmail": "off2@example.com"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "CHANGE_EMAIL_DISABLED",
        "Change email is disabled",
    );
}

pub async fn delete_user_by_email(srv: &TestServer) {
    let srv = srv
        .with_config(&[("DELETE_USER_EMAIL_CONFIRMATION", "true")])
        .await;
    let mut me = srv.agent();
    me.sign_up("Dora", "dora@example.com", "dora-password-1")
        .await;
    let res = me
        .post(
            "/api/auth/delete-user",
            json!({"password": "wrong-password"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    let res = me
        .post(
            "/api/auth/delete-user",
            json!({"password": "dora-password-1", "callbackURL": "/bye"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        res.json(),
        json!({"success": true, "message": "Verification email sent"})
    );
    assert_eq!(srv.count("user", &[]).await, 1, "not deleted yet");
    let link = srv.last_link("dora@example.com", "delete-account").await;
    let path = local(&srv, &link);

    // Someone else, or nobody, cannot use the link.
    let res = srv.send(Request::get(&path)).await;
    assert_error(
        &res,
        404,
        "FAILED_TO_GET_USER_INFO",
        "Failed to get user info",
    );
    let mut other = srv.agent();
    other
        .sign_up("Eve", "eve@example.com", "eve-password-1")
        .await;
    let res = other.get(&path).await;
    assert_error(&res, 404, "INVALID_TOKEN", "Invalid token");
    let res = me.get("/api/auth/delete-user/callback?token=wrong").await;
    assert_error(&res, 404, "INVALID_TOKEN", "Invalid token");

    let res = me.get(&path).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    assert_eq!(res.header("location"), Some("/bye"));
    assert_eq!(
        srv.count("user", &[Where::eq("email", "dora@example.com")])
            .await,
        0
    );
    assert_eq!(me.get("/api/auth/get-session").await.json(), Value::Null);
}

pub async fn welcome_and_new_device_notices(srv: &TestServer) {
    let email = "nora@example.com";
    let mut laptop = srv.agent();
    laptop.sign_up("Nora", email, "nora-password-1").await;
    // The welcome waits for the address: sign-up sent the link that proves it.
    assert!(srv.last_message(email, "welcome").await.is_none());
    let link = srv.last_link(email, "verification").await;
    laptop.get(&local(srv, &link)).await;
    let welcome = srv.last_message(email, "welcome").await.expect("welcome");
    assert!(welcome.html.contains(APP_NAME));
    // Same device again: no notice.
    laptop.sign_in(email, "nora-password-1").await;
    assert!(srv.last_message(email, "new-sign-in").await.is_none());
    // Another device.
    const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) \
        AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .header("user-agent", PHONE)
                .json(&json!({"email": email, "password": "nora-password-1"})),
        )
        .await;
    assert_eq!(res.status, 200);
    let notice = srv
        .last_message(email, "new-sign-in")
        .await
        .expect("new device notice");
    // Described as the security notices describe a request: a named browser, never the raw
    // header, the address and the time.
    for part in [&notice.text, &notice.html] {
        assert!(part.contains("Safari 17 on iPhone"), "{part}");
        assert!(part.contains("127.0.0.1"), "{part}");
        assert!(part.contains(" UTC"), "{part}");
        assert!(!part.contains("Mozilla/5.0"), "{part}");
        assert!(!part.contains("nora-password-1"));
    }
    let notices = |outbox: Vec<portcullis_delivery::OutboxMessage>| {
        outbox
            .iter()
            .filter(|m| m.to == email && m.kind == "new-sign-in")
            .count()
    };
    assert_eq!(notices(srv.outbox().await), 1);
    // The phone again, now one of two devices with sessions: no second notice.
    let sign_in_from = |agent: &'static str| {
        Request::post("/api/auth/sign-in/email")
            .header("user-agent", agent)
            .json(&json!({"email": email, "password": "nora-password-1"}))
    };
    assert_eq!(srv.send(sign_in_from(PHONE)).await.status, 200);
    assert_eq!(notices(srv.outbox().await), 1);
    // Every session revoked: a sign-in from yet another device has nothing to be new against.
    let res = laptop.post("/api/auth/revoke-sessions", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(srv.send(sign_in_from("SomeTablet/1.0")).await.status, 200);
    assert_eq!(notices(srv.outbox().await), 1);

    let quiet = srv
        .with_config(&[
            ("EMAIL_WELCOME", "false"),
            ("EMAIL_NEW_SIGN_IN_ALERT", "false"),
            ("EMAIL_VERIFICATION_ON_SIGN_UP", "false"),
        ])
        .await;
    quiet.sign_up("Q", "q@example.com", "q-password-123").await;
    assert!(quiet.outbox().await.is_empty());
}
