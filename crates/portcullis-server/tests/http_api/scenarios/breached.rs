//! Breached-password refusal: every endpoint where a password is chosen refuses one known from
//! breaches with Better Auth's `400 PASSWORD_COMPROMISED`, in Better Auth's order, without
//! spending the reset token or code; sign-in never checks. Then the range API (`hibp` mode)
//! against a real HTTP server started here: only the 5-character prefix leaves, with
//! `Add-Padding`, and the failure policy when that server answers 500, hangs or is down.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use portcullis_core::breached::PasswordSha1;
use portcullis_core::crypto::token::generate_id;
use portcullis_storage::{Row, Where};
use serde_json::json;

use super::email_flows::user_row;
use portcullis_testkit::prelude::*;

/// On the offline list (Django's Pwned Passwords list): the example.
const LISTED: &str = "password123456";
const COMPROMISED: &str =
    "The password you entered has been compromised. Please choose a different password.";

fn strong() -> String {
    format!("Qv-{}-strong", generate_id(16))
}

fn assert_compromised(res: &Response) {
    assert_error(res, 400, "PASSWORD_COMPROMISED", COMPROMISED);
}

fn compromised_count(srv: &TestServer) -> u64 {
    srv.app.ctx.metrics.breach_checks.get(&["compromised"])
}

/// Gives the user of `email` the listed password, as one stored before the check existed (or
/// imported) would be; answers their id.
async fn store_listed_password(srv: &TestServer, email: &str) -> String {
    let hash = srv.app.ctx.hasher.hash(LISTED).await.expect("hash");
    let user_id = user_row(srv, email)
        .await
        .get("id")
        .and_then(|v| v.as_str())
        .expect("id")
        .to_owned();
    let mut set = Row::new();
    set.insert("password".into(), hash.into());
    srv.adapter()
        .update_many("account", &[Where::eq("userId", user_id.as_str())], set)
        .await
        .expect("update");
    user_id
}

pub async fn breached_passwords_refused_at_sign_up(srv: &TestServer) {
    let body =
        |email: &str, password: &str| json!({"name": "B", "email": email, "password": password});
    let res = srv
        .post("/sign-up/email", body("breached@example.com", LISTED))
        .await;
    assert_compromised(&res);
    assert_eq!(res.set_cookies().len(), 0);
    // The other one the issue reported, and one that only NFKC (scrypt's normalisation) turns
    // into a listed password.
    for password in ["1qaz2wsx3edc", "ｐａｓｓｗｏｒｄ１２３４５６"] {
        assert_compromised(
            &srv.post("/sign-up/email", body("breached@example.com", password))
                .await,
        );
    }
    assert_eq!(
        srv.count("user", &[Where::eq("email", "breached@example.com")])
            .await,
        0
    );
    assert_eq!(compromised_count(srv), 3);

    // Better Auth's order: the length first, then an existing email (422), then the breach.
    assert_error(
        &srv.post("/sign-up/email", body("breached@example.com", "123456"))
            .await,
        400,
        "PASSWORD_TOO_SHORT",
        "Password too short",
    );
    let password = strong();
    srv.sign_up("B", "breached@example.com", &password).await;
    assert_error(
        &srv.post("/sign-up/email", body("breached@example.com", LISTED))
            .await,
        422,
        "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        "User already exists. Use another email.",
    );

    // With enumeration protection an existing email gets the same 400 as a new one.
    let quiet = srv
        .with_config(&[("REQUIRE_EMAIL_VERIFICATION", "true")])
        .await;
    let res = quiet
        .post("/sign-up/email", body("quiet@example.com", &strong()))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_compromised(
        &quiet
            .post("/sign-up/email", body("quiet@example.com", LISTED))
            .await,
    );
    assert_compromised(
        &quiet
            .post("/sign-up/email", body("unknown@example.com", LISTED))
            .await,
    );

    // Sign-in never checks: a listed password stored before the check existed still works.
    store_listed_password(srv, "breached@example.com").await;
    srv.sign_in("breached@example.com", LISTED).await;

    // Off means off.
    let off = srv.with_config(&[("PASSWORD_BREACH_CHECK", "off")]).await;
    off.sign_up("Off", "off@example.com", LISTED).await;
}

pub async fn breached_passwords_refused_on_change_and_set(srv: &TestServer) {
    let current = strong();
    let mut a = srv.agent();
    a.sign_up("Cy", "cy@example.com", &current).await;
    let change = |current: &str, new: &str| json!({"currentPassword": current, "newPassword": new, "revokeOtherSessions": true});
    // Better Auth's order: the new password is hashed (and checked) before the current one is
    // verified.
    assert_compromised(
        &a.post(
            "/api/auth/change-password",
            change("wrong-password-1", LISTED),
        )
        .await,
    );
    let res = a
        .post(
            "/api/auth/change-password",
            change("wrong-password-1", &strong()),
        )
        .await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    let res = a
        .post("/api/auth/change-password", change(&current, LISTED))
        .await;
    assert_compromised(&res);
    assert_eq!(res.set_cookies().len(), 0);
    // Nothing changed: the session lives and the old password still signs in.
    assert!(a.get_session().await.is_some());
    srv.sign_in("cy@example.com", &current).await;
    let new = strong();
    let res = a
        .post("/api/auth/change-password", change(&current, &new))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.sign_in("cy@example.com", &new).await;

    // set-password, for a user who signed in by email code and has no password yet.
    let email = "nopass@example.com";
    let mut p = srv.agent();
    let code = srv.email_code(email, "sign-in").await;
    let res = p
        .post(
            "/api/auth/sign-in/email-otp",
            json!({"email": email, "otp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = p
        .post("/api/auth/set-password", json!({"newPassword": LISTED}))
        .await;
    assert_compromised(&res);
    let password = strong();
    let res = p
        .post("/api/auth/set-password", json!({"newPassword": password}))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    srv.sign_in(email, &password).await;
}

pub async fn breached_passwords_refused_on_every_reset(srv: &TestServer) {
    // By link.
    let email = "rene@example.com";
    srv.sign_up("Rene", email, &strong()).await;
    let res = srv
        .post(
            "/request-password-reset",
            json!({"email": email, "redirectTo": "/reset"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link(email, "password-reset").await;
    let token = link
        .rsplit('/')
        .next()
        .and_then(|t| t.split('?').next())
        .expect("token")
        .to_owned();
    let reset = |token: &str, password: &str| json!({"token": token, "newPassword": password});
    // A dead token is refused before the password is looked at.
    assert_error(
        &srv.post("/reset-password", reset("not-a-token", LISTED))
            .await,
        400,
        "INVALID_TOKEN",
        "Invalid token",
    );
    assert_compromised(&srv.post("/reset-password", reset(&token, LISTED)).await);
    // The token was not spent: another password goes through with it.
    let password = strong();
    let res = srv.post("/reset-password", reset(&token, &password)).await;
    assert_json(&res, 200, json!({"status": true}));
    srv.sign_in(email, &password).await;

    // By email code.
    let email = "otto.reset@example.com";
    srv.sign_up("Otto", email, &strong()).await;
    let res = srv
        .post("/email-otp/request-password-reset", json!({"email": email}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let code = srv.last_code(email, "email-otp").await;
    let reset =
        |otp: &str, password: &str| json!({"email": email, "otp": otp, "password": password});
    assert_compromised(
        &srv.post("/email-otp/reset-password", reset(&code, LISTED))
            .await,
    );
    // Neither the code nor an attempt was spent: three more refusals, then success.
    for _ in 0..3 {
        assert_compromised(
            &srv.post("/email-otp/reset-password", reset(&code, "1qaz2wsx3edc"))
                .await,
        );
    }
    let password = strong();
    let res = srv
        .post("/email-otp/reset-password", reset(&code, &password))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    srv.sign_in(email, &password).await;
    assert_error(
        &srv.post("/email-otp/reset-password", reset(&code, &strong()))
            .await,
        400,
        "INVALID_OTP",
        "Invalid OTP",
    );

    // By text message.
    let srv = srv.with_config(&[("ENABLE_PHONE_AUTH", "true")]).await;
    let phone = "+14155550188";
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Pat", "email": "pat.reset@example.com", "password": strong()}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.set_verified_phone("pat.reset@example.com", phone).await;
    let res = srv
        .post(
            "/phone-number/request-password-reset",
            json!({"phoneNumber": phone}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let code = srv.last_code(phone, "otp").await;
    let reset = |otp: &str, password: &str| json!({"phoneNumber": phone, "otp": otp, "newPassword": password});
    for _ in 0..4 {
        assert_compromised(
            &srv.post("/phone-number/reset-password", reset(&code, LISTED))
                .await,
        );
    }
    let password = strong();
    let res = srv
        .post("/phone-number/reset-password", reset(&code, &password))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    srv.sign_in("pat.reset@example.com", &password).await;
}

/// What the range server does with the next requests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeMode {
    Answer,
    Fail,
    Hang,
    MalformedCount,
}

/// A Have I Been Pwned range server: the passwords it knows, every request it saw.
#[derive(Clone)]
struct RangeServer {
    pwned: Arc<Vec<String>>,
    mode: Arc<Mutex<RangeMode>>,
    seen: Arc<Mutex<Vec<(String, HeaderMap)>>>,
}

async fn range(
    State(server): State<RangeServer>,
    Path(prefix): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> impl IntoResponse {
    server
        .seen
        .lock()
        .expect("lock")
        .push((uri.to_string(), headers));
    let mode = *server.mode.lock().expect("lock");
    match mode {
        RangeMode::Fail => return (StatusCode::INTERNAL_SERVER_ERROR, String::new()),
        RangeMode::Hang => tokio::time::sleep(Duration::from_secs(2)).await,
        RangeMode::Answer | RangeMode::MalformedCount => {}
    }
    let count = if mode == RangeMode::MalformedCount {
        "12.0"
    } else {
        "4211"
    };
    let mut lines: Vec<String> = server
        .pwned
        .iter()
        .map(|p| PasswordSha1::of(p).upper_hex())
        .filter(|h| h.starts_with(&prefix))
        .map(|h| format!("{}:{count}", &h[5..]))
        .collect();
    // Padding, as `Add-Padding: true` brings: made-up suffixes with a count of 0.
    lines.extend((0..5).map(|i| format!("{:035X}:0", i * 7919)));
    (StatusCode::OK, lines.join("\r\n"))
}

/// A range server on a random port: its base URL, its state, and the sender that stops it
/// (connections and all) and the task that ends once it has.
async fn start_range_server(
    pwned: &[&str],
) -> (
    String,
    RangeServer,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let server = RangeServer {
        pwned: Arc::new(pwned.iter().map(|p| p.to_string()).collect()),
        mode: Arc::new(Mutex::new(RangeMode::Answer)),
        seen: Arc::new(Mutex::new(Vec::new())),
    };
    let app = axum::Router::new()
        .route("/hibp/range/{prefix}", axum::routing::get(range))
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hibp", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // A graceful shutdown also closes the kept-alive connections: down means down.
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (url, server, stop, task)
}

/// A sign-up with a fresh address.
async fn sign_up(srv: &TestServer, password: &str) -> Response {
    let email = format!("h-{}@example.com", generate_id(8));
    srv.post(
        "/sign-up/email",
        json!({"name": "H", "email": email, "password": password}),
    )
    .await
}

pub async fn range_api_k_anonymity_and_failure_policy(srv: &TestServer) {
    // Breached, yet on no offline list: only the range API knows them.
    let pwned = "correct horse battery staple";
    let also_pwned = "Tr0ub4dor&3-but-longer";
    let (url, range_server, stop, task) = start_range_server(&[pwned, also_pwned]).await;
    let hibp = srv
        .with_config(&[
            ("PASSWORD_BREACH_CHECK", "hibp"),
            ("HIBP_API_URL", url.as_str()),
            ("HIBP_TIMEOUT_MS", "300"),
        ])
        .await;
    // The offline list does not know it; its own answer does not count yet.
    assert!(!portcullis_core::breached::list::contains(
        &PasswordSha1::of(pwned)
    ));

    assert_compromised(&sign_up(&hibp, pwned).await);
    let seen = std::mem::take(&mut *range_server.seen.lock().expect("lock"));
    let hex = PasswordSha1::of(pwned).upper_hex();
    assert_eq!(seen.len(), 1, "one request per check");
    let (uri, headers) = &seen[0];
    // k-anonymity: the upper-case 5-character prefix is all that leaves, with padding asked.
    assert_eq!(uri, &format!("/hibp/range/{}", &hex[..5]));
    assert_eq!(
        headers.get("add-padding").and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let sent = format!("{uri} {headers:?}").to_ascii_uppercase();
    assert!(!sent.contains(&hex[5..]), "the suffix never leaves: {sent}");
    assert!(!sent.contains(&pwned.to_ascii_uppercase()), "{sent}");

    // A password the range server does not know passes, padding lines and all.
    let clean = strong();
    let res = sign_up(&hibp, &clean).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    // A listed one is refused from the offline list, without asking.
    range_server.seen.lock().expect("lock").clear();
    assert_compromised(&sign_up(&hibp, LISTED).await);
    assert!(range_server.seen.lock().expect("lock").is_empty());
    // Change-password goes through the same check.
    let mut a = hibp.agent();
    let current = strong();
    a.sign_up("H", "h-change@example.com", &current).await;
    let res = a
        .post(
            "/api/auth/change-password",
            json!({"currentPassword": current, "newPassword": also_pwned}),
        )
        .await;
    assert_compromised(&res);

    // The range server fails: by default the offline list's answer stands (logged, counted).
    *range_server.mode.lock().expect("lock") = RangeMode::Fail;
    let res = sign_up(&hibp, &strong()).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_compromised(&sign_up(&hibp, LISTED).await);
    assert!(hibp.app.ctx.metrics.breach_checks.get(&["api_error"]) >= 1);
    // A malformed count for this very hash is a failure too, not a pass or a refusal by guess.
    *range_server.mode.lock().expect("lock") = RangeMode::MalformedCount;
    let res = sign_up(&hibp, pwned).await;
    assert_eq!(res.status, 200, "{}", res.describe());

    // With HIBP_ON_ERROR=refuse no new password goes through unchecked: 503 until it answers.
    let strict = srv
        .with_config(&[
            ("PASSWORD_BREACH_CHECK", "hibp"),
            ("HIBP_API_URL", url.as_str()),
            ("HIBP_TIMEOUT_MS", "300"),
            ("HIBP_ON_ERROR", "refuse"),
        ])
        .await;
    let unavailable = |res: &Response| {
        assert_error(
            res,
            503,
            "PASSWORD_CHECK_UNAVAILABLE",
            "Failed to check password. Please try again later.",
        )
    };
    *range_server.mode.lock().expect("lock") = RangeMode::Fail;
    unavailable(&sign_up(&strict, &strong()).await);
    *range_server.mode.lock().expect("lock") = RangeMode::MalformedCount;
    unavailable(&sign_up(&strict, pwned).await);
    // A range server that hangs: the timeout ends the wait.
    *range_server.mode.lock().expect("lock") = RangeMode::Hang;
    let started = Instant::now();
    unavailable(&sign_up(&strict, &strong()).await);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The offline list still answers first.
    assert_compromised(&sign_up(&strict, LISTED).await);
    // Back up: answers again.
    *range_server.mode.lock().expect("lock") = RangeMode::Answer;
    let res = sign_up(&strict, &strong()).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_compromised(&sign_up(&strict, pwned).await);

    // The range server is down: nothing listens on its port any more.
    let _ = stop.send(());
    task.await.expect("range server stopped");
    unavailable(&sign_up(&strict, &strong()).await);
    let res = sign_up(&hibp, &strong()).await;
    assert_eq!(res.status, 200, "{}", res.describe());
}

/// ASVS V2.1.7 with `PASSWORD_BREACH_CHECK_AT_SIGN_IN` (on under strict): a right password that
/// is on the list signs in no more. The answer is `403 PASSWORD_COMPROMISED` with no session,
/// and the owner is mailed a reset link; the new password then signs in. A wrong password still
/// gets the plain 401, so the check tells nothing to someone who does not know the password.
pub async fn breached_password_held_at_sign_in(srv: &TestServer) {
    let srv = &srv
        .with_config(&[("PASSWORD_BREACH_CHECK_AT_SIGN_IN", "true")])
        .await;
    let email = "held@example.com";
    srv.sign_up("Held", email, &strong()).await;
    // A listed password stored before the check existed (or imported).
    let user_id = store_listed_password(srv, email).await;

    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": email, "password": "not-the-password-1"}),
        )
        .await;
    assert_error(
        &res,
        401,
        "INVALID_EMAIL_OR_PASSWORD",
        "Invalid email or password",
    );
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": email, "password": LISTED}),
        )
        .await;
    assert_error(
        &res,
        403,
        "PASSWORD_COMPROMISED",
        "The password you entered has been compromised. We have e-mailed you a link to choose a new one.",
    );
    assert!(res.set_cookies().is_empty(), "{}", res.describe());
    assert_eq!(
        srv.count("session", &[Where::eq("userId", user_id.as_str())])
            .await,
        1,
        "only the sign-up's session"
    );

    // The mailed link replaces it, and the new password signs in.
    let link = srv.last_link(email, "password-reset").await;
    let res = srv.send(Request::get(&srv.local_path(&link))).await;
    let location = res.header("location").expect("location").to_owned();
    let token = super::email_flows::query_param(&location, "token").expect("token");
    let new_password = strong();
    let res = srv
        .post(
            "/reset-password",
            json!({"newPassword": new_password, "token": token}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.sign_in(email, &new_password).await;
}
