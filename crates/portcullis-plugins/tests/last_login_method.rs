//! The last-login-method plugin on each backend, with the registry as configured (the plugin
//! is on by default): which ways in set the cookie and to what, its exact attributes, failures
//! that set nothing, the cookie settings, `storeInDatabase`, and the hosted pages' global.

use portcullis_storage::Where;
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const COOKIE: &str = "better-auth.last_used_login_method";
const PASSWORD: &str = "lastlogin-password-1";
/// Every way in Portcullis has, and its guest and phone plugins, on.
const ALL_WAYS: &[(&str, &str)] = &[("ENABLE_PHONE_AUTH", "true"), ("ENABLE_ANONYMOUS", "true")];

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("each_way_in_sets_better_auths_value", |b| {
            Box::pin(each_way_in_sets_better_auths_value(b))
        })
        .per_backend("failures_and_other_answers_set_nothing", |b| {
            Box::pin(failures_and_other_answers_set_nothing(b))
        })
        .per_backend("cookie_settings_and_secure_cookies", |b| {
            Box::pin(cookie_settings_and_secure_cookies(b))
        })
        .per_backend("store_in_database_follows_each_sign_in", |b| {
            Box::pin(store_in_database_follows_each_sign_in(b))
        })
        .per_backend("off_sets_nothing_and_hosted_pages_get_the_name", |b| {
            Box::pin(off_sets_nothing_and_hosted_pages_get_the_name(b))
        })
        .run()
}

/// The method a response recorded, asserting Better Auth's exact cookie: after the session
/// cookie, 30 days, `Path=/`, `SameSite=Lax`, readable by scripts.
#[track_caller]
fn recorded(res: &Response) -> Option<String> {
    let cookies = res.set_cookies();
    let at = cookies.iter().position(|c| c.name == COOKIE)?;
    assert_eq!(
        cookies.iter().filter(|c| c.name == COOKIE).count(),
        1,
        "{}",
        res.describe()
    );
    let session = cookies
        .iter()
        .position(|c| c.name == SESSION_COOKIE)
        .unwrap_or_else(|| panic!("no session cookie beside it: {}", res.describe()));
    assert!(session < at, "after the session cookie: {}", res.describe());
    let c = &cookies[at];
    assert_eq!(
        c.raw,
        format!(
            "{COOKIE}={}; Max-Age=2592000; Path=/; SameSite=Lax",
            c.value
        ),
        "Better Auth's attributes"
    );
    Some(c.value.clone())
}

#[track_caller]
fn records(res: &Response, method: &str) {
    assert!(res.status < 400, "{}", res.describe());
    assert_eq!(recorded(res).as_deref(), Some(method), "{}", res.describe());
}

#[track_caller]
fn records_nothing(res: &Response) {
    assert_eq!(res.set_cookie(COOKIE), None, "{}", res.describe());
}

async fn each_way_in_sets_better_auths_value(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs(ALL_WAYS.iter().copied())
        .start()
        .await;
    let plugins: Vec<&str> = srv.app.ctx.plugins.iter().map(|p| p.id()).collect();
    assert!(
        plugins.contains(&"last-login-method"),
        "on by default: {plugins:?}"
    );

    // Sign-up and sign-in with email and password: `email`.
    let mut browser = srv.agent();
    let res = browser
        .post(
            "/api/auth/sign-up/email",
            json!({"name": "Lee", "email": "lee@example.com", "password": PASSWORD,
                   "username": "lee_l"}),
        )
        .await;
    records(&res, "email");
    assert!(
        res.json()["user"].get("lastLoginMethod").is_none(),
        "no user field without storeInDatabase"
    );
    assert_eq!(browser.cookie(COOKIE), Some("email"));
    let res = browser
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "lee@example.com", "password": PASSWORD, "rememberMe": false}),
        )
        .await;
    records(&res, "email");
    assert!(
        res.set_cookie(DONT_REMEMBER_COOKIE).is_some(),
        "a browser-session sign-in too"
    );

    // Ways Better Auth does not record: the cookie keeps naming the way used before. (The
    // address is verified by code here, before a link or code signs in: one would otherwise
    // take the unverified account over and drop its password.)
    let res = browser
        .post(
            "/api/auth/sign-in/username",
            json!({"username": "lee_l", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    records_nothing(&res);
    let res = srv
        .post(
            "/phone-number/send-otp",
            json!({"phoneNumber": "+15555550101"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let sms = srv.last_code("+15555550101", "otp").await;
    let res = browser
        .post(
            "/api/auth/phone-number/verify",
            json!({"phoneNumber": "+15555550101", "code": sms, "updatePhoneNumber": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    records_nothing(&res);
    let res = browser
        .post(
            "/api/auth/sign-in/phone-number",
            json!({"phoneNumber": "+15555550101", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    records_nothing(&res);
    let res = srv
        .post(
            "/phone-number/send-otp",
            json!({"phoneNumber": "+15555550101"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let sms = srv.last_code("+15555550101", "otp").await;
    let res = browser
        .post(
            "/api/auth/phone-number/verify",
            json!({"phoneNumber": "+15555550101", "code": sms}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    records_nothing(&res);
    let code = srv
        .email_code("lee@example.com", "email-verification")
        .await;
    let res = browser
        .post(
            "/api/auth/email-otp/verify-email",
            json!({"email": "lee@example.com", "otp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    records_nothing(&res);
    let mut guest = srv.agent();
    let res = guest.post("/api/auth/sign-in/anonymous", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    records_nothing(&res);
    assert_eq!(
        browser.cookie(COOKIE),
        Some("email"),
        "still the way used before"
    );

    // A magic link, redirected or answered with JSON: `magic-link`.
    let res = srv
        .post(
            "/sign-in/magic-link",
            json!({"email": "lee@example.com", "callbackURL": "/welcome"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    records_nothing(&res);
    let link = srv.last_link("lee@example.com", "magic-link").await;
    let res = browser.get(&srv.local_path(&link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    records(&res, "magic-link");
    let res = srv
        .post(
            "/sign-in/magic-link",
            json!({"email": "new-by-link@example.com"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link("new-by-link@example.com", "magic-link").await;
    let link = link
        .split("&callbackURL")
        .next()
        .unwrap_or(&link)
        .to_owned();
    let res = srv.send(Request::get(&srv.local_path(&link))).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    records(&res, "magic-link");

    // An email code: `email-otp`.
    let code = srv.email_code("lee@example.com", "sign-in").await;
    let res = browser
        .post(
            "/api/auth/sign-in/email-otp",
            json!({"email": "lee@example.com", "otp": code}),
        )
        .await;
    records(&res, "email-otp");
    assert_eq!(
        browser.cookie(COOKIE),
        Some("email-otp"),
        "the newest way wins"
    );

    // A verification link that signs a new browser in: not recorded either.
    let mut fresh = srv.agent();
    fresh.sign_up("Vic", "vic@example.com", PASSWORD).await;
    let res = srv
        .post(
            "/send-verification-email",
            json!({"email": "vic@example.com"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link("vic@example.com", "verification").await;
    let res = srv.send(Request::get(&srv.local_path(&link))).await;
    assert!(res.status < 400, "{}", res.describe());
    assert!(
        res.set_cookie(SESSION_COOKIE).is_some(),
        "{}",
        res.describe()
    );
    records_nothing(&res);
}

async fn failures_and_other_answers_set_nothing(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let mut browser = srv.agent();
    browser.sign_up("Fay", "fay@example.com", PASSWORD).await;

    let res = browser
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "fay@example.com", "password": "not-the-password"}),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    assert_no_set_cookie(&res);
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Fay", "email": "fay@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.describe());
    assert_no_set_cookie(&res);
    let res = srv
        .post(
            "/sign-in/email-otp",
            json!({"email": "fay@example.com", "otp": "000000"}),
        )
        .await;
    assert!(res.status >= 400, "{}", res.describe());
    assert_no_set_cookie(&res);
    let res = srv
        .send(Request::get(
            "/api/auth/magic-link/verify?token=not-a-token&callbackURL=/welcome",
        ))
        .await;
    assert_eq!(res.status, 302, "{}", res.describe());
    assert_no_set_cookie(&res);
    // A session kept alive or ended is no sign-in.
    let res = browser.get("/api/auth/get-session").await;
    records_nothing(&res);
    let res = browser.post("/api/auth/sign-out", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    records_nothing(&res);

    // With verification required, a sign-up issues no session: no cookie.
    let srv = srv
        .with_config(&[("REQUIRE_EMAIL_VERIFICATION", "true")])
        .await;
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Una", "email": "una@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["token"], Value::Null);
    assert_no_set_cookie(&res);
}

async fn cookie_settings_and_secure_cookies(backend: Backend) {
    // Its own name and age; the cookie prefix renames the session cookie, not this one.
    let srv = TestServer::builder(backend)
        .envs([
            ("LAST_LOGIN_METHOD_COOKIE_NAME", "my-app.last_method"),
            ("LAST_LOGIN_METHOD_MAX_AGE", "86400"),
            ("COOKIE_PREFIX", "my-app"),
        ])
        .start()
        .await;
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Cy", "email": "cy@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(res.set_cookie("my-app.session_token").is_some());
    assert_eq!(res.set_cookie(COOKIE), None);
    let c = res.set_cookie("my-app.last_method").expect("cookie");
    assert_eq!(
        c.raw,
        "my-app.last_method=email; Max-Age=86400; Path=/; SameSite=Lax"
    );

    // The session cookie's domain and Secure flag, never HttpOnly; the default name does not
    // take the session cookie's `__Secure-` prefix.
    let srv = srv
        .with_config(&[
            ("USE_SECURE_COOKIES", "true"),
            ("COOKIE_DOMAIN", "example.test"),
        ])
        .await;
    let (_, res) = {
        srv.sign_up("Sue", "sue@example.com", PASSWORD).await;
        srv.sign_in("sue@example.com", PASSWORD).await
    };
    assert!(
        res.set_cookie("__Secure-better-auth.session_token")
            .is_some()
    );
    let c = res.set_cookie(COOKIE).expect("cookie");
    assert_eq!(
        c.raw,
        format!(
            "{COOKIE}=email; Max-Age=2592000; Domain=example.test; Path=/; Secure; SameSite=Lax"
        )
    );

    // `__Host-` session cookies: Secure, no domain, same name here.
    let srv = srv
        .with_config(&[
            ("USE_SECURE_COOKIES", "true"),
            ("COOKIE_HOST_PREFIX", "true"),
        ])
        .await;
    srv.sign_up("Hal", "hal@example.com", PASSWORD).await;
    let (_, res) = srv.sign_in("hal@example.com", PASSWORD).await;
    let names: Vec<String> = res.set_cookies().iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, ["__Host-better-auth.session_token", COOKIE]);
    assert_eq!(
        res.set_cookie(COOKIE).expect("cookie").raw,
        format!("{COOKIE}=email; Max-Age=2592000; Path=/; Secure; SameSite=Lax")
    );
}

/// get-session's user, from the database.
async fn stored_user(browser: &mut Agent<'_>) -> Value {
    let res = browser
        .get("/api/auth/get-session?disableCookieCache=true")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()["user"].clone()
}

async fn store_in_database_follows_each_sign_in(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs(ALL_WAYS.iter().copied())
        .env("LAST_LOGIN_METHOD_STORE_IN_DATABASE", "true")
        .start()
        .await;

    // A new user starts with the way it signed up; the answer shows it.
    let mut browser = srv.agent();
    let res = browser
        .post(
            "/api/auth/sign-up/email",
            json!({"name": "Dee", "email": "dee@example.com", "password": PASSWORD, "username": "dee_d"}),
        )
        .await;
    records(&res, "email");
    let signed_up = res.json()["user"].clone();
    assert_eq!(signed_up["lastLoginMethod"], "email");
    let user_id = signed_up["id"].as_str().expect("id").to_owned();
    assert_eq!(stored_user(&mut browser).await["lastLoginMethod"], "email");
    // Verified by code (not recorded), so that signing in by code later keeps the password.
    let code = srv
        .email_code("dee@example.com", "email-verification")
        .await;
    let res = browser
        .post(
            "/api/auth/email-otp/verify-email",
            json!({"email": "dee@example.com", "otp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["lastLoginMethod"], "email");

    // A later sign-in answers with the user as it was, and stores the new way (and updatedAt).
    srv.clock.advance(chrono::Duration::minutes(5));
    let code = srv.email_code("dee@example.com", "sign-in").await;
    let res = browser
        .post(
            "/api/auth/sign-in/email-otp",
            json!({"email": "dee@example.com", "otp": code}),
        )
        .await;
    records(&res, "email-otp");
    assert_eq!(res.json()["user"]["lastLoginMethod"], "email", "as it was");
    let after = stored_user(&mut browser).await;
    assert_eq!(after["lastLoginMethod"], "email-otp");
    assert!(
        parse_date(&after["updatedAt"]) > parse_date(&signed_up["updatedAt"]),
        "{after}"
    );
    let res = browser
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "dee@example.com", "password": PASSWORD}),
        )
        .await;
    records(&res, "email");
    assert_eq!(res.json()["user"]["lastLoginMethod"], "email-otp");
    assert_eq!(stored_user(&mut browser).await["lastLoginMethod"], "email");

    // Unrecorded ways and failures leave it.
    let link = {
        let res = srv
            .post("/sign-in/magic-link", json!({"email": "dee@example.com"}))
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        srv.last_link("dee@example.com", "magic-link").await
    };
    let res = browser
        .post(
            "/api/auth/sign-in/username",
            json!({"username": "dee_d", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = browser
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "dee@example.com", "password": "wrong-password-1"}),
        )
        .await;
    assert_eq!(res.status, 401, "{}", res.describe());
    assert_eq!(stored_user(&mut browser).await["lastLoginMethod"], "email");
    let res = browser.get(&srv.local_path(&link)).await;
    records(&res, "magic-link");
    assert_eq!(
        stored_user(&mut browser).await["lastLoginMethod"],
        "magic-link"
    );
    let row = srv
        .adapter()
        .find_one("user", &[Where::eq("id", user_id.as_str())])
        .await
        .expect("read")
        .expect("user");
    assert_eq!(
        row.get("lastLoginMethod").and_then(|v| v.as_str()),
        Some("magic-link"),
        "in the user table itself"
    );

    // Users created by a link or code start with that way; a guest and a hidden taken address
    // with none.
    let res = srv
        .post(
            "/sign-in/magic-link",
            json!({"email": "new-link@example.com"}),
        )
        .await;
    assert_eq!(res.status, 200);
    let link = srv.last_link("new-link@example.com", "magic-link").await;
    let link = link
        .split("&callbackURL")
        .next()
        .unwrap_or(&link)
        .to_owned();
    let res = srv.send(Request::get(&srv.local_path(&link))).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["lastLoginMethod"], "magic-link");
    let code = srv.email_code("new-code@example.com", "sign-in").await;
    let res = srv
        .post(
            "/sign-in/email-otp",
            json!({"email": "new-code@example.com", "otp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["lastLoginMethod"], "email-otp");
    let res = srv.post("/sign-in/anonymous", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["lastLoginMethod"], Value::Null);

    // The field is the server's: input may not set it.
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Sly", "email": "sly@example.com", "password": PASSWORD, "lastLoginMethod": "google"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "FIELD_NOT_ALLOWED",
        "lastLoginMethod is not allowed to be set",
    );

    // Database only (Better Auth's `beforeStoreCookie: () => false`).
    let srv = srv
        .with_config(&[
            ("LAST_LOGIN_METHOD_STORE_IN_DATABASE", "true"),
            ("LAST_LOGIN_METHOD_SET_COOKIE", "false"),
            ("REQUIRE_EMAIL_VERIFICATION", "true"),
        ])
        .await;
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Oz", "email": "oz@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_no_set_cookie(&res);
    assert_eq!(
        res.json()["user"]["lastLoginMethod"],
        "email",
        "no session, still created with it"
    );
    // Enumeration protection's made-up user has none, as in Better Auth.
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Oz", "email": "oz@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["lastLoginMethod"], Value::Null);
    let code = srv.email_code("oz@example.com", "sign-in").await;
    let mut oz = srv.agent();
    let res = oz
        .post(
            "/api/auth/sign-in/email-otp",
            json!({"email": "oz@example.com", "otp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    records_nothing(&res);
    assert_eq!(stored_user(&mut oz).await["lastLoginMethod"], "email-otp");
}

async fn off_sets_nothing_and_hosted_pages_get_the_name(backend: Backend) {
    // The hosted pages see the cookie's name as `last_login_method_cookie` (a template that
    // prints it stands in for the sign-in page here).
    let dir = std::env::temp_dir().join(format!("portcullis-llm-{}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("sign-in.html"),
        "cookie=[{{ last_login_method_cookie }}]",
    )
    .expect("template");
    let templates = [(
        "PORTCULLIS_TEMPLATES_DIR",
        dir.to_str().expect("utf-8 path"),
    )];
    let srv = TestServer::builder(backend).envs(templates).start().await;
    let page = srv.send(Request::get("/sign-in")).await;
    assert_eq!(page.text(), format!("cookie=[{COOKIE}]"));
    let named = srv
        .with_config(&[
            templates[0],
            ("LAST_LOGIN_METHOD_COOKIE_NAME", "acme_last_way"),
        ])
        .await;
    let page = named.send(Request::get("/sign-in")).await;
    assert_eq!(page.text(), "cookie=[acme_last_way]");

    // Off: no cookie, no global, no user field.
    let off = srv
        .with_config(&[templates[0], ("ENABLE_LAST_LOGIN_METHOD", "false")])
        .await;
    let page = off.send(Request::get("/sign-in")).await;
    assert_eq!(page.text(), "cookie=[]");
    let res = off
        .post(
            "/sign-up/email",
            json!({"name": "Ned", "email": "ned@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    records_nothing(&res);
    assert!(res.json()["user"].get("lastLoginMethod").is_none());
    let ids: Vec<&str> = off.app.ctx.plugins.iter().map(|p| p.id()).collect();
    assert!(!ids.contains(&"last-login-method"), "{ids:?}");
    std::fs::remove_dir_all(dir).expect("cleanup");
}
