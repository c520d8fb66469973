//! The username plugin: usernames on sign-up and update-user, sign-in by username, availability.

use portcullis_storage::Where;
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

pub async fn username_sign_up_and_sign_in(srv: &TestServer) {
    let res = srv.post("/sign-up/email",
        json!({"name": "Bob", "email": "bob@example.com", "password": "bob-password-1", "username": "Bobby_1"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let user = &res.json()["user"];
    assert_eq!(user["username"], "bobby_1");
    assert_eq!(user["displayUsername"], "Bobby_1");

    let res = srv
        .post(
            "/sign-in/username",
            json!({"username": "BOBBY_1", "password": "bob-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(keys(&body), ["redirect", "token", "user"]);
    assert_eq!(body["redirect"], false);
    assert_eq!(body["user"]["email"], "bob@example.com");
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    let res = srv
        .post(
            "/sign-in/username",
            json!({"username": "bobby_1", "password": "bob-password-1", "callbackURL": "/home"}),
        )
        .await;
    assert_eq!(res.json()["url"], "/home");

    let invalid = |res: &Response| {
        assert_error(
            res,
            401,
            "INVALID_USERNAME_OR_PASSWORD",
            "Invalid username or password",
        )
    };
    invalid(
        &srv.post(
            "/sign-in/username",
            json!({"username": "bobby_1", "password": "wrong-password"}),
        )
        .await,
    );
    invalid(
        &srv.post(
            "/sign-in/username",
            json!({"username": "nobody_here", "password": "bob-password-1"}),
        )
        .await,
    );
    invalid(
        &srv.post(
            "/sign-in/username",
            json!({"username": "", "password": "x"}),
        )
        .await,
    );
    let res = srv
        .post(
            "/sign-in/username",
            json!({"username": "ab", "password": "bob-password-1"}),
        )
        .await;
    assert_error(&res, 422, "USERNAME_TOO_SHORT", "Username is too short");
    let res = srv
        .post(
            "/sign-in/username",
            json!({"username": "bob by", "password": "bob-password-1"}),
        )
        .await;
    assert_error(&res, 422, "INVALID_USERNAME", "Username is invalid");
    let res = srv
        .post("/sign-in/username", json!({"password": "x"}))
        .await;
    assert_validation(
        &res,
        "[body.username] Invalid input: expected string, received undefined",
    );

    let res = srv
        .post("/is-username-available", json!({"username": "BOBBY_1"}))
        .await;
    assert_json(&res, 200, json!({"available": false}));
    let res = srv
        .post("/is-username-available", json!({"username": "free.name"}))
        .await;
    assert_json(&res, 200, json!({"available": true}));
    let res = srv
        .post(
            "/is-username-available",
            json!({"username": "x".repeat(31)}),
        )
        .await;
    assert_error(&res, 422, "USERNAME_TOO_LONG", "Username is too long");
    let res = srv
        .post("/is-username-available", json!({"username": ""}))
        .await;
    assert_error(&res, 422, "INVALID_USERNAME", "Username is invalid");
    let res = srv
        .post("/is-username-available", json!({"username": "ab"}))
        .await;
    assert_error(&res, 422, "USERNAME_TOO_SHORT", "Username is too short");
}

pub async fn username_rules_on_sign_up_and_update(srv: &TestServer) {
    let res = srv.post("/sign-up/email",
        json!({"name": "Ann", "email": "ann@example.com", "password": "ann-password-1", "username": "ann.one"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let ann_bearer = res.header("set-auth-token").expect("bearer").to_owned();

    let sign_up = |username: Value, email: &str| json!({"name": "X", "email": email, "password": "x-password-123", "username": username});
    let res = srv
        .post(
            "/sign-up/email",
            sign_up(json!("ANN.ONE"), "x1@example.com"),
        )
        .await;
    assert_error(
        &res,
        400,
        "USERNAME_IS_ALREADY_TAKEN",
        "Username is already taken. Please try another.",
    );
    let res = srv
        .post("/sign-up/email", sign_up(json!("a"), "x2@example.com"))
        .await;
    assert_error(&res, 400, "USERNAME_TOO_SHORT", "Username is too short");
    let res = srv
        .post(
            "/sign-up/email",
            sign_up(json!("no spaces"), "x3@example.com"),
        )
        .await;
    assert_error(&res, 400, "INVALID_USERNAME", "Username is invalid");
    // A display username that is a valid username becomes the username.
    let res = srv.post("/sign-up/email",
        json!({"name": "Cy", "email": "cy@example.com", "password": "cy-password-12", "displayUsername": "Cy.Sees"}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["username"], "cy.sees");
    assert_eq!(res.json()["user"]["displayUsername"], "Cy.Sees");
    // No body still gets the schema's 400, not a crash.
    let res = srv
        .send(Request::post("/api/auth/sign-up/email").raw(Some("application/json"), "null"))
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());

    // update-user: one's own username is fine by bearer too; someone else's is taken.
    let update = |body: Value| {
        Request::post("/api/auth/update-user")
            .bearer(&ann_bearer)
            .json(&body)
    };
    let res = srv.send(update(json!({"username": "ann.one"}))).await;
    assert_json(&res, 200, json!({"status": true}));
    let res = srv.send(update(json!({"username": "cy.sees"}))).await;
    assert_error(
        &res,
        400,
        "USERNAME_IS_ALREADY_TAKEN",
        "Username is already taken. Please try another.",
    );
    let res = srv.send(update(json!({"username": "Ann.Two"}))).await;
    assert_json(&res, 200, json!({"status": true}));
    let me = srv
        .send(Request::get("/api/auth/get-session").bearer(&ann_bearer))
        .await
        .json();
    assert_eq!(me["user"]["username"], "ann.two");
    assert_eq!(me["user"]["displayUsername"], "ann.one");
    let res = srv
        .post(
            "/sign-in/username",
            json!({"username": "ann.two", "password": "ann-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());

    let off = srv.with_config(&[("ENABLE_USERNAME", "false")]).await;
    assert_empty_404(
        &off.send(
            Request::post("/api/auth/sign-in/username")
                .json(&json!({"username": "ann.two", "password": "x"})),
        )
        .await,
    );
}

/// A `username` that is not a string fails where Better Auth's create hook fails on it: 422
/// FAILED_TO_CREATE_USER, after the sign-up's own checks. An empty one is too short.
pub async fn username_that_is_not_a_string(srv: &TestServer) {
    let body = |username: Value, email: &str| json!({"name": "N", "email": email, "password": "n-password-123", "username": username});
    for (i, username) in [
        json!(12345),
        json!(12),
        json!(true),
        json!(0),
        json!(false),
        json!({}),
        json!(["abc"]),
    ]
    .into_iter()
    .enumerate()
    {
        let email = format!("num{i}@example.com");
        let res = srv
            .post("/sign-up/email", body(username.clone(), &email))
            .await;
        assert_error(&res, 422, "FAILED_TO_CREATE_USER", "Failed to create user");
        assert!(
            res.set_cookies().is_empty(),
            "{username}: {}",
            res.describe()
        );
        assert_eq!(
            srv.count("user", &[Where::eq("email", email.as_str())])
                .await,
            0,
            "{username}"
        );
    }
    // Not promoted over by a display username.
    let res = srv
        .post("/sign-up/email",
            json!({"name": "N", "email": "num-d@example.com", "password": "n-password-123", "username": 123, "displayUsername": "valid.name"}),
        )
        .await;
    assert_error(&res, 422, "FAILED_TO_CREATE_USER", "Failed to create user");
    // The sign-up's own errors come first.
    let res = srv
        .post(
            "/sign-up/email",
            json!({"email": "num-s@example.com", "password": "n-password-123", "username": 123}),
        )
        .await;
    assert_validation(
        &res,
        "[body.name] Invalid input: expected string, received undefined",
    );
    let res = srv
        .post("/sign-up/email",
            json!({"name": "N", "email": "num-s@example.com", "password": "short", "username": 123}),
        )
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_SHORT", "Password too short");
    srv.sign_up("Taken", "num-taken@example.com", "n-password-123")
        .await;
    let res = srv
        .post("/sign-up/email", body(json!(123), "num-taken@example.com"))
        .await;
    assert_error(
        &res,
        422,
        "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        "User already exists. Use another email.",
    );
    // null is no username; "" is a username, and too short.
    let res = srv
        .post("/sign-up/email", body(Value::Null, "num-null@example.com"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["username"], Value::Null);
    let bearer = res.header("set-auth-token").expect("bearer").to_owned();
    let res = srv
        .post("/sign-up/email", body(json!(""), "num-empty@example.com"))
        .await;
    assert_error(&res, 400, "USERNAME_TOO_SHORT", "Username is too short");
    let res = srv
        .send(
            Request::post("/api/auth/update-user")
                .bearer(&bearer)
                .json(&json!({"username": ""})),
        )
        .await;
    assert_error(&res, 400, "USERNAME_TOO_SHORT", "Username is too short");

    // With enumeration protection, a taken and a new address answer alike.
    let guarded = srv
        .with_config(&[("REQUIRE_EMAIL_VERIFICATION", "true")])
        .await;
    let res = guarded
        .post("/sign-up/email", body(Value::Null, "num-taken@example.com"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    for email in ["num-taken@example.com", "num-new@example.com"] {
        let res = guarded
            .post("/sign-up/email", body(json!(123), email))
            .await;
        assert_error(&res, 422, "FAILED_TO_CREATE_USER", "Failed to create user");
    }
}
