//! The multi-session plugin on each backend, registered as configured
//! (`ENABLE_MULTI_SESSION=true`): the multi cookies and their exact attributes, listing,
//! switching, revoking, the maximum, same-user replacement, sign-out, and forged cookies.

use portcullis_core::cookies::encode_uri_component;
use portcullis_core::crypto::sign;
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const ON: (&str, &str) = ("ENABLE_MULTI_SESSION", "true");
const PASSWORD: &str = "multi-session-pw-1";
const WEEK: i64 = 604_800;

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("two_users_on_one_browser_are_listed_and_switched", |b| {
            Box::pin(two_users_on_one_browser_are_listed_and_switched(b))
        })
        .per_backend("revoking_the_current_session_switches_or_signs_out", |b| {
            Box::pin(revoking_the_current_session_switches_or_signs_out(b))
        })
        .per_backend("the_maximum_is_enforced", |b| {
            Box::pin(the_maximum_is_enforced(b))
        })
        .per_backend("signing_in_again_replaces_the_same_users_session", |b| {
            Box::pin(signing_in_again_replaces_the_same_users_session(b))
        })
        .per_backend("sign_out_ends_every_session_of_the_browser", |b| {
            Box::pin(sign_out_ends_every_session_of_the_browser(b))
        })
        .per_backend("forged_unsigned_and_dead_cookies_are_refused", |b| {
            Box::pin(forged_unsigned_and_dead_cookies_are_refused(b))
        })
        .per_backend("secure_cookies_and_bearer_clients", |b| {
            Box::pin(secure_cookies_and_bearer_clients(b))
        })
        .per_backend("off_by_default", |b| Box::pin(off_by_default(b)))
        .run()
}

/// The answer matches the schema its endpoint declares in the OpenAPI document.
async fn conforms(srv: &TestServer, method: &str, path: &str, res: &Response) {
    let doc = openapi_document(srv).await;
    assert_matches_openapi(&doc, method, path, res.status, &res.json());
}

fn multi_name(token: &str) -> String {
    format!("{SESSION_COOKIE}_multi-{}", token.to_lowercase())
}

/// The cookie value the server signs for `token`, URL-encoded as a `Cookie` header carries it.
fn signed(token: &str) -> String {
    encode_uri_component(&sign::sign(SECRET.as_bytes(), token))
}

/// Asserts the response sets `token`'s multi cookie exactly as Better Auth does: the session
/// cookie's value and attributes, always a week.
#[track_caller]
fn sets_multi(res: &Response, token: &str) {
    let name = multi_name(token);
    let c = res
        .set_cookie(&name)
        .unwrap_or_else(|| panic!("no {name}: {}", res.describe()));
    assert_eq!(
        c.raw,
        format!(
            "{name}={}; Max-Age={WEEK}; Path=/; HttpOnly; SameSite=Lax",
            signed(token)
        ),
        "{}",
        res.describe()
    );
}

#[track_caller]
fn expires_multi(res: &Response, token: &str) {
    let name = multi_name(token);
    let c = res
        .set_cookie(&name)
        .unwrap_or_else(|| panic!("{name} not expired: {}", res.describe()));
    assert_eq!(
        c.raw,
        format!("{name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"),
        "{}",
        res.describe()
    );
}

#[track_caller]
fn no_multi_cookie(res: &Response) {
    let multi: Vec<_> = res
        .set_cookies()
        .into_iter()
        .filter(|c| c.name.contains("_multi-"))
        .collect();
    assert!(multi.is_empty(), "{multi:?}: {}", res.describe());
}

async fn start(backend: Backend, extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .env(ON.0, ON.1)
        .envs(extra.iter().copied())
        .start()
        .await
}

/// The emails `list-device-sessions` answers with, in order, checking each entry's shape.
#[track_caller]
fn listed(res: &Response) -> Vec<String> {
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let list = res.json();
    let list = list.as_array().expect("an array");
    list.iter()
        .map(|e| {
            assert_eq!(keys(e), vec!["session", "user"], "{e}");
            assert_eq!(e["session"]["userId"], e["user"]["id"]);
            assert_eq!(e["session"]["token"].as_str().map(str::len), Some(32));
            e["user"]["email"].as_str().expect("email").to_owned()
        })
        .collect()
}

/// Whether a session is live, asked with only its session cookie and never the cookie cache.
async fn is_live(srv: &TestServer, token: &str) -> bool {
    let res = srv
        .send(
            Request::get("/api/auth/get-session?disableCookieCache=true")
                .cookie(&format!("{SESSION_COOKIE}={}", signed(token))),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    !res.json().is_null()
}

async fn sign_up(browser: &mut Agent<'_>, name: &str, email: &str) -> (String, Response) {
    let res = browser
        .post(
            "/api/auth/sign-up/email",
            json!({"name": name, "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let token = res.json()["token"].as_str().expect("token").to_owned();
    (token, res)
}

async fn two_users_on_one_browser_are_listed_and_switched(backend: Backend) {
    let srv = start(backend, &[]).await;
    let plugins: Vec<&str> = srv.app.ctx.plugins.iter().map(|p| p.id()).collect();
    assert!(plugins.contains(&"multi-session"), "{plugins:?}");

    // No cookies, or none of ours: an empty list, no session needed.
    let res = srv
        .send(Request::get("/api/auth/multi-session/list-device-sessions"))
        .await;
    assert_json(&res, 200, json!([]));

    let mut browser = srv.agent();
    let (ann, res) = sign_up(&mut browser, "Ann", "ann@example.com").await;
    sets_multi(&res, &ann);
    let (bob, res) = sign_up(&mut browser, "Bob", "bob@example.com").await;
    sets_multi(&res, &bob);
    no_multi_cookie_for(&res, &ann);

    let res = browser
        .get("/api/auth/multi-session/list-device-sessions")
        .await;
    assert_eq!(listed(&res), ["ann@example.com", "bob@example.com"]);
    assert_eq!(res.json()[0]["session"]["token"], ann.as_str());
    conforms(&srv, "GET", "/multi-session/list-device-sessions", &res).await;
    assert_eq!(
        browser.session_email().await.as_deref(),
        Some("bob@example.com")
    );

    // Switch to Ann: the session cookie changes; her multi cookie is already there.
    let res = browser
        .post(
            "/api/auth/multi-session/set-active",
            json!({"sessionToken": ann}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["user"]["email"], "ann@example.com");
    assert_eq!(body["session"]["token"], ann.as_str());
    let cookie = res.set_cookie(SESSION_COOKIE).expect("session cookie");
    assert_eq!(cookie.value, signed(&ann));
    assert_eq!(cookie.max_age, Some(WEEK));
    no_multi_cookie(&res);
    conforms(&srv, "POST", "/multi-session/set-active", &res).await;
    assert_eq!(
        browser.session_email().await.as_deref(),
        Some("ann@example.com")
    );

    // The token is matched against the cookie's name, lower-cased.
    let res = browser
        .post(
            "/api/auth/multi-session/set-active",
            json!({"sessionToken": bob.to_uppercase()}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["email"], "bob@example.com");

    // A token this browser holds no cookie for, a missing or mistyped one.
    let res = browser
        .post(
            "/api/auth/multi-session/set-active",
            json!({"sessionToken": "nope"}),
        )
        .await;
    assert_error(&res, 401, "INVALID_SESSION_TOKEN", "Invalid session token");
    let res = browser
        .post("/api/auth/multi-session/set-active", json!({}))
        .await;
    assert_validation(
        &res,
        "[body.sessionToken] Invalid input: expected string, received undefined",
    );
    let res = browser
        .post(
            "/api/auth/multi-session/set-active",
            json!({"sessionToken": 5}),
        )
        .await;
    assert_validation(
        &res,
        "[body.sessionToken] Invalid input: expected string, received number",
    );
    // A cookie-carrying POST from elsewhere is refused before anything else.
    let res = browser
        .send(
            Request::post("/api/auth/multi-session/set-active")
                .json(&json!({"sessionToken": ann}))
                .origin("https://evil.example"),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
}

#[track_caller]
fn no_multi_cookie_for(res: &Response, token: &str) {
    assert!(
        res.set_cookie(&multi_name(token)).is_none(),
        "{}",
        res.describe()
    );
}

async fn revoking_the_current_session_switches_or_signs_out(backend: Backend) {
    let srv = start(backend, &[]).await;
    let mut browser = srv.agent();
    let (ann, _) = sign_up(&mut browser, "Ann", "ann@example.com").await;
    let (bob, _) = sign_up(&mut browser, "Bob", "bob@example.com").await;
    let (cy, _) = sign_up(&mut browser, "Cy", "cy@example.com").await;

    // Not the current one: only that session ends.
    let res = browser
        .post(
            "/api/auth/multi-session/revoke",
            json!({"sessionToken": ann}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    expires_multi(&res, &ann);
    assert!(
        res.set_cookie(SESSION_COOKIE).is_none(),
        "{}",
        res.describe()
    );
    conforms(&srv, "POST", "/multi-session/revoke", &res).await;
    assert!(!is_live(&srv, &ann).await);
    let res = browser
        .get("/api/auth/multi-session/list-device-sessions")
        .await;
    assert_eq!(listed(&res), ["bob@example.com", "cy@example.com"]);

    // The current one (Cy): the browser switches to another of its sessions.
    let res = browser
        .post(
            "/api/auth/multi-session/revoke",
            json!({"sessionToken": cy}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    expires_multi(&res, &cy);
    assert_eq!(
        res.set_cookie(SESSION_COOKIE).expect("switched").value,
        signed(&bob)
    );
    assert!(!is_live(&srv, &cy).await);
    assert_eq!(
        browser.session_email().await.as_deref(),
        Some("bob@example.com")
    );

    // The last one: signed out.
    let res = browser
        .post(
            "/api/auth/multi-session/revoke",
            json!({"sessionToken": bob}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    expires_multi(&res, &bob);
    assert_clears_session(&res);
    assert!(!is_live(&srv, &bob).await);
    assert_eq!(browser.get_session().await, None);

    // Revoking needs a session.
    let res = browser
        .post(
            "/api/auth/multi-session/revoke",
            json!({"sessionToken": bob}),
        )
        .await;
    assert_unauthorized(&res);
    // With one, a token the browser holds no cookie for.
    let (_dee, _) = sign_up(&mut browser, "Dee", "dee@example.com").await;
    let res = browser
        .post(
            "/api/auth/multi-session/revoke",
            json!({"sessionToken": "x"}),
        )
        .await;
    assert_error(&res, 401, "INVALID_SESSION_TOKEN", "Invalid session token");
}

async fn the_maximum_is_enforced(backend: Backend) {
    let srv = start(backend, &[("MULTI_SESSION_MAXIMUM", "2")]).await;
    let mut browser = srv.agent();
    let (ann, res) = sign_up(&mut browser, "Ann", "ann@example.com").await;
    sets_multi(&res, &ann);
    let (bob, res) = sign_up(&mut browser, "Bob", "bob@example.com").await;
    sets_multi(&res, &bob);
    // A third user signs in, but the browser keeps no multi cookie for the session.
    let (cy, res) = sign_up(&mut browser, "Cy", "cy@example.com").await;
    assert!(res.set_cookie(SESSION_COOKIE).is_some());
    no_multi_cookie(&res);
    assert_eq!(
        browser.session_email().await.as_deref(),
        Some("cy@example.com")
    );
    let res = browser
        .get("/api/auth/multi-session/list-device-sessions")
        .await;
    assert_eq!(listed(&res), ["ann@example.com", "bob@example.com"]);
    assert!(is_live(&srv, &cy).await);

    // With room again (Ann revoked), a new sign-in is kept.
    let res = browser
        .post(
            "/api/auth/multi-session/revoke",
            json!({"sessionToken": ann}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let token = browser.sign_in("cy@example.com", PASSWORD).await;
    let res = browser
        .get("/api/auth/multi-session/list-device-sessions")
        .await;
    assert_eq!(listed(&res), ["bob@example.com", "cy@example.com"]);
    assert_eq!(res.json()[1]["session"]["token"], token.as_str());
}

async fn signing_in_again_replaces_the_same_users_session(backend: Backend) {
    let srv = start(backend, &[]).await;
    let mut browser = srv.agent();
    let (first, _) = sign_up(&mut browser, "Ann", "ann@example.com").await;
    let (bob, _) = sign_up(&mut browser, "Bob", "bob@example.com").await;

    // Ann again, as a browser session: her earlier session goes, in the same answer.
    let res = browser
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "ann@example.com", "password": PASSWORD, "rememberMe": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let second = res.json()["token"].as_str().expect("token").to_owned();
    expires_multi(&res, &first);
    // Always a week, even for a browser session.
    assert_eq!(
        res.set_cookie(SESSION_COOKIE).expect("cookie").max_age,
        None
    );
    sets_multi(&res, &second);
    no_multi_cookie_for(&res, &bob);
    assert!(!is_live(&srv, &first).await, "the replaced session ended");
    assert!(is_live(&srv, &bob).await, "another user's session stays");
    let res = browser
        .get("/api/auth/multi-session/list-device-sessions")
        .await;
    assert_eq!(listed(&res), ["bob@example.com", "ann@example.com"]);

    // A client that keeps only the session cookie keeps both of Ann's sessions.
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "ann@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let third = res.json()["token"].as_str().expect("token").to_owned();
    sets_multi(&res, &third);
    assert!(is_live(&srv, &second).await && is_live(&srv, &third).await);

    // Re-setting the cookie of a session the browser already holds changes nothing.
    let res = browser
        .post("/api/auth/update-user", json!({"name": "Ann B."}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    no_multi_cookie(&res);
    assert!(is_live(&srv, &second).await && is_live(&srv, &bob).await);
}

async fn sign_out_ends_every_session_of_the_browser(backend: Backend) {
    let srv = start(backend, &[]).await;
    let mut browser = srv.agent();
    let (ann, _) = sign_up(&mut browser, "Ann", "ann@example.com").await;
    let (bob, _) = sign_up(&mut browser, "Bob", "bob@example.com").await;
    // Another browser of Ann's is not touched.
    let mut other = srv.agent();
    let elsewhere = other.sign_in("ann@example.com", PASSWORD).await;

    let res = browser.post("/api/auth/sign-out", json!({})).await;
    assert_json(&res, 200, json!({"success": true}));
    assert_clears_session(&res);
    expires_multi(&res, &ann);
    expires_multi(&res, &bob);
    assert!(!is_live(&srv, &ann).await && !is_live(&srv, &bob).await);
    assert!(is_live(&srv, &elsewhere).await);
    assert!(
        !browser
            .jar
            .iter()
            .any(|(name, _)| name.contains("session_token")),
        "{:?}",
        browser.jar
    );
    let res = srv
        .send(
            Request::get("/api/auth/multi-session/list-device-sessions").cookie(&format!(
                "{}={}",
                multi_name(&ann),
                signed(&ann)
            )),
        )
        .await;
    assert_json(&res, 200, json!([]));

    // A sign-out from another origin is refused, and ends nothing.
    let res = srv
        .send(
            Request::post("/api/auth/sign-out")
                .json(&json!({}))
                .origin("https://evil.example")
                .cookie(&format!(
                    "{}={}",
                    multi_name(&elsewhere),
                    signed(&elsewhere)
                )),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
    no_multi_cookie(&res);
    assert!(is_live(&srv, &elsewhere).await);

    // Sign-out without a session still ends the sessions its multi cookies name.
    let res = srv
        .send(
            Request::post("/api/auth/sign-out")
                .json(&json!({}))
                .origin(&srv.base)
                .cookie(&format!(
                    "{}={}",
                    multi_name(&elsewhere),
                    signed(&elsewhere)
                )),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    expires_multi(&res, &elsewhere);
    assert!(!is_live(&srv, &elsewhere).await);
}

async fn forged_unsigned_and_dead_cookies_are_refused(backend: Backend) {
    let srv = start(backend, &[]).await;
    let mut victim = srv.agent();
    let (bob, _) = sign_up(&mut victim, "Bob", "bob@example.com").await;
    let mut browser = srv.agent();
    let (ann, _) = sign_up(&mut browser, "Ann", "ann@example.com").await;

    // Bob's token in the attacker's jar, unsigned, signed with another secret, or tampered.
    let other_secret = encode_uri_component(&sign::sign(b"another-secret-0123456789abcdef", &bob));
    let tampered = {
        let mut s = signed(&bob);
        s.replace_range(0..1, if s.starts_with('A') { "B" } else { "A" });
        s
    };
    for value in [bob.clone(), other_secret, tampered] {
        let jar = format!("{}; {}={value}", browser.cookie_header(), multi_name(&bob));
        let res = browser
            .send(
                Request::post("/api/auth/multi-session/set-active")
                    .json(&json!({"sessionToken": bob}))
                    .cookie(&jar),
            )
            .await;
        assert_error(&res, 401, "INVALID_SESSION_TOKEN", "Invalid session token");
        assert!(
            res.set_cookie(SESSION_COOKIE).is_none(),
            "{}",
            res.describe()
        );
        let res = browser
            .send(
                Request::post("/api/auth/multi-session/revoke")
                    .json(&json!({"sessionToken": bob}))
                    .cookie(&jar),
            )
            .await;
        assert_error(&res, 401, "INVALID_SESSION_TOKEN", "Invalid session token");
        let res = browser
            .send(Request::get("/api/auth/multi-session/list-device-sessions").cookie(&jar))
            .await;
        assert_eq!(listed(&res), ["ann@example.com"]);
        // Sign-out leaves a session a forged cookie names alone, and its cookie too.
        let res = srv
            .send(
                Request::post("/api/auth/sign-out")
                    .json(&json!({}))
                    .origin(&srv.base)
                    .cookie(&format!("{}={value}", multi_name(&bob))),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        no_multi_cookie(&res);
        assert!(is_live(&srv, &bob).await);
    }

    // A validly signed cookie whose session has ended: refused, and the cookie expired.
    let res = browser.post("/api/auth/revoke-sessions", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .send(
            Request::post("/api/auth/multi-session/set-active")
                .json(&json!({"sessionToken": ann}))
                .origin(&srv.base)
                .cookie(&format!("{}={}", multi_name(&ann), signed(&ann))),
        )
        .await;
    assert_error(&res, 401, "INVALID_SESSION_TOKEN", "Invalid session token");
    expires_multi(&res, &ann);

    // One that has expired: the same.
    srv.clock.advance(chrono::Duration::days(8));
    let res = victim
        .post(
            "/api/auth/multi-session/set-active",
            json!({"sessionToken": bob}),
        )
        .await;
    assert_error(&res, 401, "INVALID_SESSION_TOKEN", "Invalid session token");
    expires_multi(&res, &bob);
    let res = srv
        .send(
            Request::get("/api/auth/multi-session/list-device-sessions").cookie(&format!(
                "{}={}",
                multi_name(&bob),
                signed(&bob)
            )),
        )
        .await;
    assert_json(&res, 200, json!([]));
}

async fn secure_cookies_and_bearer_clients(backend: Backend) {
    let srv = start(backend, &[("USE_SECURE_COOKIES", "true")]).await;
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Ann", "email": "ann@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let ann = res.json()["token"].as_str().expect("token").to_owned();
    let name = format!("__Secure-{SESSION_COOKIE}_multi-{}", ann.to_lowercase());
    let c = res
        .set_cookie(&name)
        .unwrap_or_else(|| panic!("{}", res.describe()));
    assert_eq!(
        c.raw,
        format!(
            "{name}={}; Max-Age={WEEK}; Path=/; HttpOnly; Secure; SameSite=Lax",
            signed(&ann)
        )
    );
    let res = srv
        .send(
            Request::post("/api/auth/sign-out")
                .json(&json!({}))
                .origin(&srv.base)
                .cookie(&format!("{name}={}", signed(&ann))),
        )
        .await;
    let c = res
        .set_cookie(&name)
        .unwrap_or_else(|| panic!("{}", res.describe()));
    assert_eq!(
        c.raw,
        format!("{name}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax")
    );

    // A bearer client keeps no cookies: each answer that re-sets its session cookie carries the
    // multi cookie again, and nothing of its is deleted.
    let srv = start(backend, &[]).await;
    let mut browser = srv.agent();
    let (ann, _) = sign_up(&mut browser, "Ann", "ann@example.com").await;
    let res = srv
        .send(
            Request::post("/api/auth/update-user")
                .json(&json!({"name": "Ann B."}))
                .bearer(&ann),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    sets_multi(&res, &ann);
    assert!(res.header("set-auth-token").is_some());
    let body: Value = res.json();
    assert_eq!(body, json!({"status": true}));
}

async fn off_by_default(backend: Backend) {
    let srv = TestServer::builder(backend).start().await;
    let mut browser = srv.agent();
    let (_, res) = sign_up(&mut browser, "Ann", "ann@example.com").await;
    no_multi_cookie(&res);
    let res = browser
        .get("/api/auth/multi-session/list-device-sessions")
        .await;
    assert_eq!(res.status, 404, "{}", res.describe());
}
