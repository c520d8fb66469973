//! update-user, change-password, verify-password, set-password, delete-user, list-accounts.

use portcullis_storage::Where;
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

pub async fn update_user(srv: &TestServer) {
    const PATH: &str = "/api/auth/update-user";
    // Unauthenticated: 401; but an invalid body is reported first.
    assert_unauthorized(
        &srv.send(Request::post(PATH).json(&json!({"name": "x"})))
            .await,
    );
    assert_validation(
        &srv.send(Request::post(PATH).json(&json!([]))).await,
        "[body] Invalid input: expected record, received array",
    );

    let mut a = srv.agent();
    let (token, uid) = a.sign_up("Vic", "vic@example.com", "vic-password-1").await;
    let before = srv.session_of(&token).await["user"].clone();

    let res = a
        .post(
            PATH,
            json!({"name": "Victoria", "image": "https://img.example/v.png"}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    // The same token again, so set-auth-token too.
    let signed = srv.signed(&token);
    assert_eq!(res.header("set-auth-token"), Some(signed.as_str()));
    // Visible through get-session, with and without the cookie cache bypassed.
    let cached = a.get("/api/auth/get-session").await.json();
    assert_eq!(cached["user"]["name"], "Victoria");
    let fresh = a
        .get("/api/auth/get-session?disableCookieCache=true")
        .await
        .json();
    assert_eq!(fresh["user"]["name"], "Victoria");
    assert_eq!(fresh["user"]["image"], "https://img.example/v.png");
    assert_eq!(fresh["user"]["email"], "vic@example.com");
    assert_eq!(fresh["user"]["createdAt"], before["createdAt"]);
    assert!(
        parse_date(&fresh["user"]["updatedAt"]) >= parse_date(&before["updatedAt"]),
        "updatedAt moves forward"
    );

    // image: null clears it; name "" is accepted.
    let res = a.post(PATH, json!({"image": null})).await;
    assert_json(&res, 200, json!({"status": true}));
    let res = a.post(PATH, json!({"name": ""})).await;
    assert_json(&res, 200, json!({"status": true}));
    let fresh = srv.session_of(&token).await;
    assert_eq!(fresh["user"]["image"], Value::Null);
    assert_eq!(fresh["user"]["name"], "");

    // Bad input.
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"name": 123}),
            "[body.name] Invalid input: expected string, received number",
        ),
        (
            json!({"name": null}),
            "[body.name] Invalid input: expected string, received null",
        ),
        (
            json!({"image": false}),
            "[body.image] Invalid input: expected string, received boolean",
        ),
        (
            json!({"name": ["x"], "image": {}}),
            "[body.name] Invalid input: expected string, received array; [body.image] Invalid input: expected string, received object",
        ),
        (
            json!([]),
            "[body] Invalid input: expected record, received array",
        ),
        (
            Value::Null,
            "[body] Invalid input: expected record, received null",
        ),
        (
            json!("name"),
            "[body] Invalid input: expected record, received string",
        ),
    ];
    for (b, message) in cases {
        let res = a.post(PATH, b).await;
        assert_validation(&res, message);
    }
    let res = a.send(Request::post(PATH)).await;
    assert_validation(
        &res,
        "[body] Invalid input: expected record, received undefined",
    );
    let res = a
        .post(PATH, json!({"email": "new@example.com", "name": "X"}))
        .await;
    assert_error(
        &res,
        400,
        "EMAIL_CAN_NOT_BE_UPDATED",
        "Email can not be updated",
    );
    for b in [
        json!({}),
        json!({"unknownField": 1}),
        json!({"emailVerified": true, "id": "x", "createdAt": "2020-01-01T00:00:00.000Z"}),
    ] {
        let res = a.post(PATH, b).await;
        assert_json(&res, 400, json!({"message": "No fields to update"}));
        assert_eq!(res.text(), r#"{"message":"No fields to update"}"#);
    }
    let res = a.send(Request::post(PATH).form(&[("name", "Form")])).await;
    assert_error(
        &res,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Content-Type \"application/x-www-form-urlencoded\" is not allowed. Allowed types: application/json",
    );

    let fresh = srv.session_of(&token).await;
    assert_eq!(fresh["user"]["name"], "");
    assert_eq!(fresh["user"]["email"], "vic@example.com");
    assert_eq!(fresh["user"]["emailVerified"], false);
    assert_eq!(fresh["user"]["id"], uid.as_str());
}

pub async fn change_password(srv: &TestServer) {
    const PATH: &str = "/api/auth/change-password";
    assert_unauthorized(
        &srv.send(Request::post(PATH).json(&json!({
            "newPassword": "new-password-1", "currentPassword": "old-password-1",
        })))
        .await,
    );
    let mut a1 = srv.agent();
    let (old_token, uid) = a1.sign_up("Wes", "wes@example.com", "old-password-1").await;
    let mut a2 = srv.agent();
    let t2 = a2.sign_in("wes@example.com", "old-password-1").await;
    let other = srv
        .sign_up("Xia", "xia@example.com", "xia-password-1")
        .await;

    let res = a1
        .post(
            PATH,
            json!({"newPassword": "new-password-1", "currentPassword": "wrong-password"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    let res = a1
        .post(
            PATH,
            json!({"newPassword": "short", "currentPassword": "old-password-1"}),
        )
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_SHORT", "Password too short");
    let res = a1
        .post(
            PATH,
            json!({"newPassword": "n".repeat(129), "currentPassword": "old-password-1"}),
        )
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_LONG", "Password too long");
    let res = a1
        .post(
            PATH,
            json!({"newPassword": "new-password-1", "currentPassword": "c".repeat(129)}),
        )
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_LONG", "Password too long");
    let res = a1.post(PATH, json!({})).await;
    assert_validation(
        &res,
        "[body.newPassword] Invalid input: expected string, received undefined; [body.currentPassword] Invalid input: expected string, received undefined",
    );
    let res = a1
        .post(
            PATH,
            json!({"newPassword": "new-password-1", "currentPassword": "old-password-1", "revokeOtherSessions": "yes"}),
        )
        .await;
    assert_validation(
        &res,
        "[body.revokeOtherSessions] Invalid input: expected boolean, received string",
    );
    // None of that changed anything.
    srv.sign_in("wes@example.com", "old-password-1").await;

    let res = a1
        .post(
            PATH,
            json!({"newPassword": "new-password-1", "currentPassword": "old-password-1", "revokeOtherSessions": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(keys(&body), ["token", "user"]);
    assert_eq!(body["user"]["id"], uid.as_str());
    let new_token = body["token"].as_str().expect("new token").to_owned();
    assert_ne!(new_token, old_token);
    let signed = srv.signed(&new_token);
    assert_eq!(res.header("set-auth-token"), Some(signed.as_str()));
    assert!(res.set_cookie(SESSION_COOKIE).is_some());

    assert_eq!(
        srv.session_of(&old_token).await,
        Value::Null,
        "old token dead"
    );
    assert_eq!(srv.session_of(&t2).await, Value::Null, "other device dead");
    assert_eq!(
        a2.get("/api/auth/get-session?disableCookieCache=true")
            .await
            .text(),
        "null"
    );
    let s = a1.get("/api/auth/get-session").await.json();
    assert_eq!(s["session"]["token"], new_token.as_str());
    assert_eq!(
        srv.count("session", &[Where::eq("userId", uid.as_str())])
            .await,
        1
    );
    assert!(
        srv.session_of(&other.token).await.is_object(),
        "other user untouched"
    );

    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "wes@example.com", "password": "old-password-1"})),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    srv.sign_in("wes@example.com", "new-password-1").await;

    // Without revokeOtherSessions: token null, no new cookie, sessions kept.
    let res = a1
        .post(
            PATH,
            json!({"newPassword": "third-password-1", "currentPassword": "new-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["token"], Value::Null);
    assert!(
        res.set_cookie(SESSION_COOKIE).is_none(),
        "{}",
        res.describe()
    );
    assert_eq!(res.header("set-auth-token"), None);
    assert!(srv.session_of(&new_token).await.is_object());
    srv.sign_in("wes@example.com", "third-password-1").await;
}

pub async fn verify_password(srv: &TestServer) {
    // With the cookie cache on: a revoked session must be refused even while its cache lives.
    let srv = &srv
        .with_config(&[("SESSION_COOKIE_CACHE_MAX_AGE", "300")])
        .await;
    const PATH: &str = "/api/auth/verify-password";
    // Without a session: 401, but an invalid body is reported first.
    assert_unauthorized(
        &srv.send(Request::post(PATH).json(&json!({"password": "x"})))
            .await,
    );
    assert_validation(
        &srv.send(Request::post(PATH).json(&json!({}))).await,
        "[body.password] Invalid input: expected string, received undefined",
    );

    let mut a = srv.agent();
    a.sign_up("Vera", "vp@example.com", "vp-password-1").await;
    let res = a.post(PATH, json!({"password": "vp-password-1"})).await;
    assert_json(&res, 200, json!({"status": true}));
    assert!(res.set_cookies().is_empty(), "{}", res.describe());
    assert_eq!(res.header("set-auth-token"), None);
    for wrong in ["vp-password-2", ""] {
        let res = a.post(PATH, json!({"password": wrong})).await;
        assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    }
    let res = a.post(PATH, json!({"password": "x".repeat(129)})).await;
    assert_error(&res, 400, "PASSWORD_TOO_LONG", "Password too long");
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"password": 5}),
            "[body.password] Invalid input: expected string, received number",
        ),
        (
            json!([]),
            "[body] Invalid input: expected object, received array",
        ),
    ];
    for (b, message) in cases {
        assert_validation(&a.post(PATH, b).await, message);
    }
    assert_validation(
        &a.send(Request::post(PATH)).await,
        "[body] Invalid input: expected object, received undefined",
    );
    // By bearer too.
    let bob = srv
        .sign_up("Bob", "vp-bob@example.com", "bob-password-1")
        .await;
    let res = srv
        .send(
            Request::post(PATH)
                .bearer(&bob.bearer)
                .json(&json!({"password": "bob-password-1"})),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    // A user without a password has nothing to verify.
    let mut set = portcullis_storage::Row::new();
    set.insert("password".into(), portcullis_storage::Value::Null);
    srv.adapter()
        .update_many("account", &[Where::eq("userId", bob.user_id.as_str())], set)
        .await
        .expect("drop the password");
    let res = srv
        .send(
            Request::post(PATH)
                .bearer(&bob.bearer)
                .json(&json!({"password": "bob-password-1"})),
        )
        .await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");

    // Wrong guesses count toward the sign-in lockout (5 by default): then even the right
    // password is refused here, and sign-in is locked too.
    for _ in 0..4 {
        let res = a.post(PATH, json!({"password": "guess-password"})).await;
        assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    }
    let res = a.post(PATH, json!({"password": "vp-password-1"})).await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "vp@example.com", "password": "vp-password-1"})),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    // A revoked session is refused, even with a cookie cache that is still valid.
    let cookies = a.cookie_header();
    assert!(cookies.contains(DATA_COOKIE), "{cookies}");
    let res = a.post("/api/auth/revoke-sessions", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .send(
            Request::post(PATH)
                .cookie(&cookies)
                .origin(&srv.base)
                .json(&json!({"password": "vp-password-1"})),
        )
        .await;
    assert_unauthorized(&res);
}

pub async fn set_password(srv: &TestServer) {
    const PATH: &str = "/api/auth/set-password";
    assert_unauthorized(
        &srv.send(Request::post(PATH).json(&json!({"newPassword": "another-password-1"})))
            .await,
    );
    let mut a = srv.agent();
    a.sign_up("Yan", "yan@example.com", "yan-password-1").await;
    let res = a
        .post(PATH, json!({"newPassword": "another-password-1"}))
        .await;
    assert_error(
        &res,
        400,
        "PASSWORD_ALREADY_SET",
        "User already has a password set",
    );
    let res = a.post(PATH, json!({"newPassword": 1})).await;
    assert_validation(
        &res,
        "[body.newPassword] Invalid input: expected string, received number",
    );
    // The password is unchanged.
    srv.sign_in("yan@example.com", "yan-password-1").await;
}

pub async fn delete_user(srv: &TestServer) {
    const PATH: &str = "/api/auth/delete-user";
    assert_unauthorized(&srv.send(Request::post(PATH).json(&json!({}))).await);
    let keep = srv
        .sign_up("Keep", "keep@example.com", "keep-password-1")
        .await;
    let mut a = srv.agent();
    let (token, uid) = a.sign_up("Zed", "zed@example.com", "zed-password-1").await;
    let (t2, _) = srv.sign_in("zed@example.com", "zed-password-1").await;

    let res = a.post(PATH, json!({})).await;
    assert_error(
        &res,
        400,
        "USER_ALREADY_HAS_PASSWORD",
        "User already has a password. Provide that to delete the account.",
    );
    let res = a.send(Request::post(PATH)).await;
    assert_error(
        &res,
        400,
        "USER_ALREADY_HAS_PASSWORD",
        "User already has a password. Provide that to delete the account.",
    );
    let res = a.post(PATH, json!({"password": "wrong-password"})).await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    let res = a.post(PATH, json!({"password": 5})).await;
    assert_validation(
        &res,
        "[body.password] Invalid input: expected string, received number",
    );
    let res = a.post(PATH, json!({"callbackURL": "//evil.com"})).await;
    assert_error(&res, 403, "INVALID_CALLBACK_URL", "Invalid callbackURL");
    assert!(srv.session_of(&token).await.is_object(), "still there");

    let res = a.post(PATH, json!({"password": "zed-password-1"})).await;
    assert_json(
        &res,
        200,
        json!({"success": true, "message": "User deleted"}),
    );
    assert_clears_session(&res);
    // Only the last-login-method cookie stays: it outlives sessions, to be read at the
    // next sign-in.
    assert!(
        a.jar
            .iter()
            .all(|(name, _)| name == "better-auth.last_used_login_method"),
        "{:?}",
        a.jar
    );
    assert_eq!(srv.count("user", &[Where::eq("id", uid.as_str())]).await, 0);
    assert_eq!(
        srv.count("account", &[Where::eq("userId", uid.as_str())])
            .await,
        0
    );
    assert_eq!(
        srv.count("session", &[Where::eq("userId", uid.as_str())])
            .await,
        0
    );
    assert_eq!(srv.session_of(&token).await, Value::Null);
    assert_eq!(srv.session_of(&t2).await, Value::Null);
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .json(&json!({"email": "zed@example.com", "password": "zed-password-1"})),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    assert!(
        srv.session_of(&keep.token).await.is_object(),
        "others untouched"
    );
    // The email is free again.
    srv.sign_up("Zed again", "zed@example.com", "zed-password-2")
        .await;
}

pub async fn list_accounts(srv: &TestServer) {
    const PATH: &str = "/api/auth/list-accounts";
    assert_unauthorized(&srv.send(Request::get(PATH)).await);
    let mut a = srv.agent();
    let (_, uid) = a.sign_up("Ann", "ann@example.com", "ann-password-1").await;
    let res = a.get(PATH).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let list = res.json();
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1, "{list:?}");
    let acc = &list[0];
    assert_eq!(
        keys(acc),
        [
            "accountId",
            "createdAt",
            "id",
            "providerId",
            "scopes",
            "updatedAt",
            "userId"
        ]
    );
    assert_eq!(acc["providerId"], "credential");
    assert_eq!(acc["accountId"], uid.as_str());
    assert_eq!(acc["userId"], uid.as_str());
    assert_eq!(acc["scopes"], json!([]));
    assert_iso_date(&acc["createdAt"]);
    assert_iso_date(&acc["updatedAt"]);
    assert!(!res.text().contains("argon2"), "no password hash");
}
