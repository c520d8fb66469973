//! The phone-number plugin: SMS codes to verify a number, sign-in by number and password,
//! password reset by SMS.

use serde_json::{Value, json};

use super::email_flows::expire_verifications;
use portcullis_testkit::prelude::*;

const PHONE: &str = "+14155550123";

async fn send_otp(srv: &TestServer, number: &str) -> String {
    let res = srv
        .post("/phone-number/send-otp", json!({"phoneNumber": number}))
        .await;
    assert_json(&res, 200, json!({"message": "code sent"}));
    srv.last_code(number, "otp").await
}

pub async fn phone_number_verify_sign_in_and_reset(srv: &TestServer) {
    let srv = srv.with_config(&[("ENABLE_PHONE_AUTH", "true")]).await;
    let srv = &srv;
    // A number reaches an account only through a code (Better Auth 1.7): sign-up refuses one,
    // whether well-formed or not, and ignores a falsy one.
    for number in [json!(PHONE), json!("555-0123"), json!(true)] {
        let res = srv.post("/sign-up/email",
            json!({"name": "Dup", "email": "dup@example.com", "password": "dup-password-1", "phoneNumber": number}),
        )
        .await;
        assert_error(
            &res,
            400,
            "PHONE_NUMBER_CANNOT_BE_SET",
            "Phone number can only be set by verifying it",
        );
    }
    for (i, falsy) in [json!(""), json!(false), json!(0)].into_iter().enumerate() {
        let res = srv.post("/sign-up/email",
            json!({"name": "Nil", "email": format!("nil-{i}@example.com"), "password": "nil-password-1", "phoneNumber": falsy}),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        assert_eq!(res.json()["user"]["phoneNumber"], Value::Null);
        assert_eq!(
            res.json()["user"]["phoneNumberVerified"],
            false,
            "as Better Auth"
        );
    }
    let pat = srv
        .sign_up("Pat", "pat@example.com", "pat-password-1")
        .await;
    let code = send_otp(srv, PHONE).await;
    let res = srv
        .send(
            Request::post("/api/auth/phone-number/verify")
                .bearer(&pat.bearer)
                .json(&json!({"phoneNumber": PHONE, "code": code, "updatePhoneNumber": true})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["phoneNumber"], PHONE);

    let code = send_otp(srv, PHONE).await;
    let res = srv
        .post(
            "/phone-number/verify",
            json!({"phoneNumber": PHONE, "code": "000000x"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    let res = srv
        .post(
            "/phone-number/verify",
            json!({"phoneNumber": PHONE, "code": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["status"], true);
    assert_eq!(body["user"]["phoneNumberVerified"], true);
    assert!(body["token"].is_string());
    let doc = openapi_document(srv).await;
    assert_matches_openapi(&doc, "POST", "/phone-number/verify", 200, &body);
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    let res = srv
        .post(
            "/phone-number/verify",
            json!({"phoneNumber": PHONE, "code": code}),
        )
        .await;
    assert_error(&res, 400, "OTP_NOT_FOUND", "OTP not found");

    let res = srv
        .post(
            "/sign-in/phone-number",
            json!({"phoneNumber": PHONE, "password": "pat-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(keys(&res.json()), ["token", "user"]);
    assert_matches_openapi(&doc, "POST", "/sign-in/phone-number", 200, &res.json());
    let res = srv
        .post(
            "/sign-in/phone-number",
            json!({"phoneNumber": PHONE, "password": "wrong-password"}),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_PHONE_NUMBER_OR_PASSWORD",
        "Invalid phone number or password",
    );
    let res = srv
        .post(
            "/sign-in/phone-number",
            json!({"phoneNumber": "+15005550006", "password": "pat-password-1"}),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_PHONE_NUMBER_OR_PASSWORD",
        "Invalid phone number or password",
    );
    let res = srv
        .post(
            "/sign-in/phone-number",
            json!({"phoneNumber": "4155550123", "password": "x"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_PHONE_NUMBER", "Invalid phone number");

    // Reset by SMS: no code yet, then a wrong one three times, then expiry, then success.
    let reset = |otp: &str, password: &str| json!({"phoneNumber": PHONE, "otp": otp, "newPassword": password});
    let res = srv
        .post(
            "/phone-number/reset-password",
            reset("123456", "pat-new-password"),
        )
        .await;
    assert_error(&res, 400, "OTP_NOT_FOUND", "OTP not found");
    let res = srv
        .post(
            "/phone-number/request-password-reset",
            json!({"phoneNumber": PHONE}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let code = srv.last_code(PHONE, "otp").await;
    let other = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..3 {
        let res = srv
            .post(
                "/phone-number/reset-password",
                reset(other, "pat-new-password"),
            )
            .await;
        assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    }
    let res = srv
        .post(
            "/phone-number/reset-password",
            reset(&code, "pat-new-password"),
        )
        .await;
    assert_error(&res, 403, "TOO_MANY_ATTEMPTS", "Too many attempts");
    srv.post(
        "/phone-number/request-password-reset",
        json!({"phoneNumber": PHONE}),
    )
    .await;
    let code = srv.last_code(PHONE, "otp").await;
    expire_verifications(srv).await;
    let res = srv
        .post(
            "/phone-number/reset-password",
            reset(&code, "pat-new-password"),
        )
        .await;
    assert_error(&res, 400, "OTP_EXPIRED", "OTP expired");
    srv.post(
        "/phone-number/request-password-reset",
        json!({"phoneNumber": PHONE}),
    )
    .await;
    let code = srv.last_code(PHONE, "otp").await;
    let res = srv
        .post(
            "/phone-number/reset-password",
            reset(&code, "pat-new-password"),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let res = srv
        .post(
            "/sign-in/phone-number",
            json!({"phoneNumber": PHONE, "password": "pat-new-password"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());

    // Unknown numbers get the same answer and no SMS.
    let sent = srv.outbox().await.len();
    let res = srv
        .post(
            "/phone-number/request-password-reset",
            json!({"phoneNumber": "+15005550006"}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    assert_eq!(srv.outbox().await.len(), sent);
}

pub async fn phone_number_update_on_own_account(srv: &TestServer) {
    let srv = srv.with_config(&[("ENABLE_PHONE_AUTH", "true")]).await;
    let srv = &srv;
    let kim = srv
        .sign_up("Kim", "kim@example.com", "kim-password-1")
        .await;
    let res = srv
        .send(
            Request::post("/api/auth/update-user")
                .bearer(&kim.bearer)
                .json(&json!({"phoneNumber": PHONE})),
        )
        .await;
    assert_error(
        &res,
        400,
        "PHONE_NUMBER_CANNOT_BE_UPDATED",
        "Phone number cannot be updated",
    );

    let code = send_otp(srv, PHONE).await;
    let verify = json!({"phoneNumber": PHONE, "code": code, "updatePhoneNumber": true});
    assert_unauthorized(&srv.post("/phone-number/verify", verify.clone()).await);
    let res = srv
        .send(
            Request::post("/api/auth/phone-number/verify")
                .bearer(&kim.bearer)
                .json(&verify),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["phoneNumber"], PHONE);
    assert_eq!(res.json()["token"], kim.token.as_str());
    let me = srv.session_of(&kim.token).await;
    assert_eq!(me["user"]["phoneNumber"], PHONE);
    assert_eq!(me["user"]["phoneNumberVerified"], true);

    // Someone else cannot take it.
    let lee = srv
        .sign_up("Lee", "lee@example.com", "lee-password-1")
        .await;
    let code = send_otp(srv, PHONE).await;
    let res = srv
        .send(
            Request::post("/api/auth/phone-number/verify")
                .bearer(&lee.bearer)
                .json(&json!({"phoneNumber": PHONE, "code": code, "updatePhoneNumber": true})),
        )
        .await;
    assert_error(
        &res,
        400,
        "PHONE_NUMBER_EXIST",
        "Phone number already exists",
    );
    // Off by default.
    let off = srv.with_config(&[]).await;
    assert_empty_404(
        &off.post("/phone-number/send-otp", json!({"phoneNumber": PHONE}))
            .await,
    );
}
