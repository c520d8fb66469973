//! The email-OTP plugin: codes by email to sign in, verify the address and reset the password;
//! wrong codes counted, expiry, reuse and unknown addresses.

use portcullis_storage::Where;
use serde_json::json;

use super::email_flows::{expire_verifications, user_row, verified};
use portcullis_testkit::prelude::*;

async fn send_code(srv: &TestServer, email: &str, otp_type: &str) {
    let res = srv
        .post(
            "/email-otp/send-verification-otp",
            json!({"email": email, "type": otp_type}),
        )
        .await;
    assert_json(&res, 200, json!({"success": true}));
}

/// Any six digits other than `code`.
fn wrong(code: &str) -> String {
    if code == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}

pub async fn email_otp_sign_in(srv: &TestServer) {
    let email = "otto@example.com";
    send_code(srv, "Otto@Example.com", "sign-in").await;
    let code = srv.last_code(email, "email-otp").await;
    let stored = srv
        .adapter()
        .find_one(
            "verification",
            &[Where::eq("identifier", "sign-in-otp-otto@example.com")],
        )
        .await
        .expect("query")
        .expect("row");
    let value = stored
        .get("value")
        .and_then(|v| v.as_str())
        .expect("value")
        .to_owned();
    assert!(value.ends_with(":0") && !value.contains(&code), "{value}");

    let res = srv
        .post(
            "/sign-in/email-otp",
            json!({"email": email, "otp": wrong(&code)}),
        )
        .await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    let res = srv
        .post("/sign-in/email-otp", json!({"email": email, "otp": code}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(keys(&body), ["token", "user"]);
    assert_eq!(body["user"]["email"], email);
    assert_eq!(body["user"]["name"], "");
    assert_eq!(body["user"]["emailVerified"], true);
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    assert_eq!(
        srv.session_of(body["token"].as_str().expect("token")).await["user"]["email"],
        email
    );
    // Used up.
    let res = srv
        .post("/sign-in/email-otp", json!({"email": email, "otp": code}))
        .await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
}

pub async fn email_otp_attempts_expiry_and_bad_input(srv: &TestServer) {
    let email = "guess@example.com";
    send_code(srv, email, "sign-in").await;
    let code = srv.last_code(email, "email-otp").await;
    for _ in 0..3 {
        let res = srv
            .post(
                "/sign-in/email-otp",
                json!({"email": email, "otp": wrong(&code)}),
            )
            .await;
        assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    }
    // Three wrong guesses burn the code, even for the right one.
    let res = srv
        .post("/sign-in/email-otp", json!({"email": email, "otp": code}))
        .await;
    assert_error(&res, 403, "TOO_MANY_ATTEMPTS", "Too many attempts");
    let res = srv
        .post("/sign-in/email-otp", json!({"email": email, "otp": code}))
        .await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    assert_eq!(srv.count("user", &[Where::eq("email", email)]).await, 0);

    // A new code replaces the old one; an expired one is refused and removed.
    send_code(srv, email, "sign-in").await;
    let code = srv.last_code(email, "email-otp").await;
    expire_verifications(srv).await;
    let res = srv
        .post("/sign-in/email-otp", json!({"email": email, "otp": code}))
        .await;
    assert_error(&res, 400, "OTP_EXPIRED", "OTP expired");
    assert_eq!(srv.count("verification", &[]).await, 0);

    // A type outside the schema's list is zod's enum error, whatever was sent instead.
    let bad_type = r#"[body.type] Invalid option: expected one of "email-verification"|"sign-in"|"forget-password"|"change-email""#;
    for body in [
        json!({"email": email, "type": "bogus"}),
        json!({"email": email, "type": 5}),
        json!({"email": email, "type": null}),
        json!({"email": email}),
    ] {
        let mut check = body.clone();
        check["otp"] = "123456".into();
        let res = srv.post("/email-otp/send-verification-otp", body).await;
        assert_validation(&res, bad_type);
        let res = srv.post("/email-otp/check-verification-otp", check).await;
        assert_validation(&res, bad_type);
    }
    let res = srv
        .post("/email-otp/send-verification-otp", json!({"type": "bogus"}))
        .await;
    assert_validation(
        &res,
        &format!("[body.email] Invalid input: expected string, received undefined; {bad_type}"),
    );
    // change-email passes the schema, but its codes come from other endpoints.
    let res = srv
        .post(
            "/email-otp/send-verification-otp",
            json!({"email": email, "type": "change-email"}),
        )
        .await;
    assert_json(&res, 400, json!({"message": "Invalid OTP type"}));
    srv.sign_up("Typ", "otp-type@example.com", "typ-password-1")
        .await;
    let res = srv
        .post(
            "/email-otp/check-verification-otp",
            json!({"email": "otp-type@example.com", "type": "change-email", "otp": "123456"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    let res = srv
        .post(
            "/email-otp/send-verification-otp",
            json!({"email": "nope", "type": "sign-in"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_EMAIL", "Invalid email");
    let res = srv
        .post("/sign-in/email-otp", json!({"email": email}))
        .await;
    assert_validation(
        &res,
        "[body.otp] Invalid input: expected string, received undefined",
    );

    // Unknown addresses get the same answer and no email for verification and reset codes.
    let sent = srv.outbox().await.len();
    send_code(srv, "nobody@example.com", "email-verification").await;
    send_code(srv, "nobody@example.com", "forget-password").await;
    let res = srv
        .post(
            "/email-otp/request-password-reset",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_json(&res, 200, json!({"success": true}));
    assert_eq!(srv.outbox().await.len(), sent);
}

pub async fn email_otp_verify_email_and_reset_password(srv: &TestServer) {
    let email = "vera.otp@example.com";
    srv.sign_up("Vera", email, "vera-password-1").await;
    send_code(srv, email, "email-verification").await;
    let code = srv.last_code(email, "email-otp").await;
    // Checking does not use the code up.
    let res = srv
        .post(
            "/email-otp/check-verification-otp",
            json!({"email": email, "type": "email-verification", "otp": code}),
        )
        .await;
    assert_json(&res, 200, json!({"success": true}));
    // A code of one type does not work for another.
    let res = srv
        .post("/sign-in/email-otp", json!({"email": email, "otp": code}))
        .await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    let res = srv
        .post(
            "/email-otp/verify-email",
            json!({"email": email, "otp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["status"], true);
    assert_eq!(body["user"]["emailVerified"], true);
    assert!(body["token"].is_string());
    assert!(verified(&user_row(srv, email).await));
    let doc = openapi_document(srv).await;
    assert_matches_openapi(&doc, "POST", "/email-otp/verify-email", 200, &body);

    let (old_session, _) = srv.sign_in(email, "vera-password-1").await;
    let res = srv
        .post("/email-otp/request-password-reset", json!({"email": email}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let code = srv.last_code(email, "email-otp").await;
    let res = srv
        .post(
            "/email-otp/reset-password",
            json!({"email": email, "otp": code, "password": "short"}),
        )
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_SHORT", "Password too short");
    let res = srv
        .post(
            "/email-otp/reset-password",
            json!({"email": email, "otp": code, "password": "vera-new-password"}),
        )
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let res = srv
        .post(
            "/email-otp/reset-password",
            json!({"email": email, "otp": code, "password": "vera-other-password"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    assert!(srv.session_of(&old_session).await.is_null());
    srv.sign_in(email, "vera-new-password").await;

    // Checking a code needs an account.
    let res = srv
        .post(
            "/email-otp/check-verification-otp",
            json!({"email": "nobody@example.com", "type": "sign-in", "otp": "123456"}),
        )
        .await;
    assert_error(&res, 400, "USER_NOT_FOUND", "User not found");

    // The old path sends a reset code too.
    let res = srv
        .post("/forget-password/email-otp", json!({"email": email}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let code = srv.last_code(email, "email-otp").await;
    let res = srv
        .post(
            "/email-otp/check-verification-otp",
            json!({"email": email, "type": "forget-password", "otp": code}),
        )
        .await;
    assert_json(&res, 200, json!({"success": true}));
}
