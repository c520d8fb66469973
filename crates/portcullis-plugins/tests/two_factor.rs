//! The two-factor plugin on each backend, with the configured plugins (`ENABLE_TWO_FACTOR`,
//! and the phone-number plugin on): TOTP codes made by Debian's `oathtool` at the server's
//! clock enrol and sign in; a code works once, only within one step of now, and wrong codes of
//! every kind spend one budget that locks the account; backup codes work once; trusted
//! devices; e-mailed codes expire; and no first factor (password by e-mail, username or phone,
//! magic link, e-mail code, SMS code) gets a session before the second step.

use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use portcullis_core::crypto::symmetric;
use portcullis_storage::{Row, Value as DbValue, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "Tw0-factor-pw-9";
const TWO_FACTOR_COOKIE: &str = "better-auth.two_factor";
const TRUST_COOKIE: &str = "better-auth.trust_device";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("oathtool_codes_enrol_and_sign_in_once_each", |b| {
            Box::pin(oathtool_codes_enrol_and_sign_in_once_each(b))
        })
        .per_backend("a_code_outside_one_step_is_refused", |b| {
            Box::pin(a_code_outside_one_step_is_refused(b))
        })
        .per_backend("wrong_codes_of_every_kind_lock_the_account", |b| {
            Box::pin(wrong_codes_of_every_kind_lock_the_account(b))
        })
        .per_backend("backup_codes_work_once_and_can_be_replaced", |b| {
            Box::pin(backup_codes_work_once_and_can_be_replaced(b))
        })
        .per_backend("a_trusted_device_skips_the_second_step_for_30_days", |b| {
            Box::pin(a_trusted_device_skips_the_second_step_for_30_days(b))
        })
        .per_backend("emailed_codes_sign_in_and_expire", |b| {
            Box::pin(emailed_codes_sign_in_and_expire(b))
        })
        .per_backend("no_first_factor_skips_the_second", |b| {
            Box::pin(no_first_factor_skips_the_second(b))
        })
        .per_backend("disable_needs_the_password_and_ends_the_challenge", |b| {
            Box::pin(disable_needs_the_password_and_ends_the_challenge(b))
        })
        .per_backend("a_password_reset_leaves_the_second_factor_in_place", |b| {
            Box::pin(a_password_reset_leaves_the_second_factor_in_place(b))
        })
        .per_backend("better_auth_rows_are_read_and_upgraded", |b| {
            Box::pin(better_auth_rows_are_read_and_upgraded(b))
        })
        .run()
}

async fn server(backend: Backend) -> TestServer {
    TestServer::builder(backend)
        .envs([("ENABLE_TWO_FACTOR", "true"), ("ENABLE_PHONE_AUTH", "true")])
        .start()
        .await
}

/// `oathtool --totp` for the base32 `secret` at `at`: an implementation apart from the
/// server's.
fn oathtool(secret: &str, at: DateTime<Utc>) -> String {
    let out = Command::new("oathtool")
        .args(["--totp", "-b", secret, "--now"])
        .arg(at.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .output()
        .expect("oathtool runs (apt-get install oathtool)");
    assert!(out.status.success(), "oathtool: {out:?}");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn server_now(srv: &TestServer) -> DateTime<Utc> {
    Utc::now() + srv.clock.offset()
}

/// A code of the next step: the clock moves 30 s first, so the step is later than any used.
fn next_code(srv: &TestServer, secret: &str) -> String {
    srv.clock.advance(Duration::seconds(30));
    oathtool(secret, server_now(srv))
}

fn secret_of(totp_uri: &str) -> String {
    let query = totp_uri.split_once('?').expect("query").1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix("secret="))
        .expect("secret")
        .to_owned()
}

struct Enrolled<'a> {
    agent: Agent<'a>,
    email: String,
    user_id: String,
    secret: String,
    backup_codes: Vec<String>,
}

/// A user who signed up and turned TOTP on with a first code from oathtool.
async fn enrolled<'a>(srv: &'a TestServer, name: &str) -> Enrolled<'a> {
    let email = format!("{name}@example.com");
    let mut agent = srv.agent();
    let (old_token, user_id) = agent.sign_up(name, &email, PASSWORD).await;
    let res = agent
        .post("/api/auth/two-factor/enable", json!({"password": PASSWORD}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["method"], "totp");
    let uri = body["totpURI"].as_str().expect("totpURI");
    assert!(
        uri.starts_with("otpauth://totp/Zanzibar%20Gatehouse%20QA:"),
        "issuer is APP_NAME: {uri}"
    );
    assert!(
        uri.ends_with("&issuer=Zanzibar+Gatehouse+QA&digits=6&period=30"),
        "{uri}"
    );
    let secret = secret_of(uri);
    assert_eq!(secret.len(), 52);
    let backup_codes: Vec<String> = body["backupCodes"]
        .as_array()
        .expect("backupCodes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(backup_codes.len(), 10);
    // Not on until a first code confirms it.
    assert_eq!(
        agent.get_session().await.expect("session")["user"]["twoFactorEnabled"],
        false
    );

    let code = oathtool(&secret, server_now(srv));
    let res = verify(&mut agent, "totp", &code).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    // The new session's token and the updated user (Better Auth answers the old ones).
    let token = body["token"].as_str().expect("token");
    assert_ne!(token, old_token);
    assert_eq!(body["user"]["twoFactorEnabled"], true);
    assert!(
        res.set_cookie(SESSION_COOKIE)
            .is_some_and(|c| !c.is_deletion())
    );
    let me = agent.get_session().await.expect("the new session works");
    assert_eq!(me["session"]["token"], token);
    assert_eq!(me["user"]["twoFactorEnabled"], true);
    let old = srv
        .send(
            Request::get("/api/auth/get-session?disableCookieCache=true")
                .cookie(&srv.session_cookie_for(&old_token)),
        )
        .await;
    assert_eq!(old.json(), Value::Null, "the old session is gone");
    Enrolled {
        agent,
        email,
        user_id,
        secret,
        backup_codes,
    }
}

/// `POST /two-factor/verify-<kind>` with `{code}`.
async fn verify(agent: &mut Agent<'_>, kind: &str, code: &str) -> Response {
    agent
        .post(
            &format!("/api/auth/two-factor/verify-{kind}"),
            json!({"code": code}),
        )
        .await
}

/// Signs in with the password through `agent` and asserts the challenge, exactly.
async fn held_password_sign_in(agent: &mut Agent<'_>, email: &str) {
    let res = agent
        .post(
            "/api/auth/sign-in/email",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_held(&res);
    assert_eq!(
        agent.get_session().await,
        None,
        "no session before the second step"
    );
}

#[track_caller]
fn assert_held(res: &Response) {
    assert_json(
        res,
        200,
        json!({"twoFactorRedirect": true, "twoFactorMethods": ["totp", "otp"]}),
    );
    let c = res
        .set_cookie(TWO_FACTOR_COOKIE)
        .unwrap_or_else(|| panic!("no two_factor cookie: {}", res.describe()));
    assert!(
        c.raw
            .ends_with("; Max-Age=600; Path=/; HttpOnly; SameSite=Lax"),
        "{}",
        c.raw
    );
    assert!(c.value.starts_with("2fa-"), "{}", c.raw);
    for name in [SESSION_COOKIE, DATA_COOKIE] {
        assert!(
            res.set_cookie(name).is_some_and(|c| c.is_deletion()),
            "{name} is expired: {}",
            res.describe()
        );
    }
    assert!(res.header("set-auth-token").is_none(), "{}", res.describe());
}

/// The second step passed: `{token, user}`, a working session, the challenge cookie expired.
#[track_caller]
fn assert_signed_in(res: &Response, email: &str) -> String {
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["user"]["email"], email);
    assert!(
        res.set_cookie(TWO_FACTOR_COOKIE)
            .is_some_and(|c| c.is_deletion())
    );
    assert!(
        res.set_cookie(SESSION_COOKIE)
            .is_some_and(|c| !c.is_deletion())
    );
    body["token"].as_str().expect("token").to_owned()
}

async fn oathtool_codes_enrol_and_sign_in_once_each(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs([("ENABLE_TWO_FACTOR", "true"), ("ENABLE_AUDIT_LOG", "true")])
        .start()
        .await;
    let mut u = enrolled(&srv, "totp-once").await;
    // The code that confirmed enrolment cannot be used again, even while it is current.
    let same = oathtool(&u.secret, server_now(&srv));
    let res = verify(&mut u.agent, "totp", &same).await;
    assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    // A replay is not a typo (ASVS V2.8.5): the wire answer is the same, but it is recorded as
    // a security event and its owner is told, once per replay.
    assert_eq!(replays(&srv, &u.email).await, (1, 1));
    let typo = if same == "000000" { "111111" } else { "000000" };
    let res = verify(&mut u.agent, "totp", typo).await;
    assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    assert_eq!(
        replays(&srv, &u.email).await,
        (1, 1),
        "a wrong code is no replay"
    );

    u.agent.sign_out().await;
    held_password_sign_in(&mut u.agent, &u.email).await;
    let res = verify(&mut u.agent, "totp", &same).await;
    assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    let code = next_code(&srv, &u.secret);
    let res = verify(&mut u.agent, "totp", &code).await;
    let token = assert_signed_in(&res, &u.email);
    let me = u.agent.get_session().await.expect("signed in");
    assert_eq!(me["session"]["token"], token);
    // The challenge is spent, and the code too.
    let res = verify(&mut u.agent, "totp", &code).await;
    assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    assert_eq!(
        replays(&srv, &u.email).await,
        (3, 3),
        "the sign-in's replay too"
    );
    let mut other = srv.agent();
    let res = verify(&mut other, "totp", &code).await;
    assert_error(
        &res,
        401,
        "INVALID_TWO_FACTOR_COOKIE",
        "Invalid two factor cookie",
    );

    // get-totp-uri needs the password, and gives the same secret.
    let res = u
        .agent
        .post(
            "/api/auth/two-factor/get-totp-uri",
            json!({"password": "wrong-password-1"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    let res = u
        .agent
        .post(
            "/api/auth/two-factor/get-totp-uri",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        secret_of(res.json()["totpURI"].as_str().expect("uri")),
        u.secret
    );
    // Enabling again is refused while TOTP is on.
    let res = u
        .agent
        .post("/api/auth/two-factor/enable", json!({"password": PASSWORD}))
        .await;
    assert_error(&res, 400, "TOTP_ALREADY_ENABLED", "TOTP is already enabled");
    // The secret is stored encrypted, in Better Auth's format.
    let row = srv
        .adapter()
        .find_one("twoFactor", &[Where::eq("userId", u.user_id.as_str())])
        .await
        .expect("read")
        .expect("row");
    let stored = row.get("secret").and_then(DbValue::as_str).expect("secret");
    let plain = symmetric::decrypt(SECRET.as_bytes(), stored).expect("decrypts");
    assert_eq!(plain.len(), 32);
    assert!(!stored.contains(&plain));
    // A notice said a factor was added.
    let notices = srv.outbox().await;
    assert!(
        notices.iter().any(|m| m.to == u.email
            && m.kind == "two-factor-changed"
            && m.text.contains("authenticator app was set up")),
        "{notices:?}"
    );
}

/// ASVS V2.5.6: recovery by e-mail replaces the password and nothing more. The reset ends every
/// session and issues none, so the next sign-in with the new password is still held for the
/// authenticator, and its code completes it.
async fn a_password_reset_leaves_the_second_factor_in_place(backend: Backend) {
    let srv = server(backend).await;
    let mut u = enrolled(&srv, "totp-reset").await;
    let res = srv
        .post("/request-password-reset", json!({"email": u.email}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link(&u.email, "password-reset").await;
    let res = srv.send(Request::get(&srv.local_path(&link))).await;
    let location = res.header("location").expect("location").to_owned();
    let token = url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .expect("token");
    let new_password = "totp-reset-new-password-9";
    let res = srv
        .post(
            "/reset-password",
            json!({"newPassword": new_password, "token": token}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.set_cookies().is_empty(),
        "no session: {}",
        res.describe()
    );
    assert_eq!(u.agent.get_session().await, None, "the reset ended it");

    let res = u
        .agent
        .post(
            "/api/auth/sign-in/email",
            json!({"email": u.email, "password": new_password}),
        )
        .await;
    assert_held(&res);
    assert_eq!(u.agent.get_session().await, None);
    let code = next_code(&srv, &u.secret);
    let res = verify(&mut u.agent, "totp", &code).await;
    assert_signed_in(&res, &u.email);
}

/// Replayed authenticator codes so far: `security.totp_code_replayed` events for the user, and
/// notices of them mailed to `email`.
async fn replays(srv: &TestServer, email: &str) -> (usize, usize) {
    let mailed = srv
        .outbox()
        .await
        .into_iter()
        .filter(|m| {
            m.to == email
                && m.kind == "two-factor-changed"
                && m.text.contains("had already been used was entered again")
        })
        .count();
    let events = srv
        .adapter()
        .find_many(
            "auditEvent",
            &portcullis_storage::Query::filter(vec![Where::eq(
                "action",
                "security.totp_code_replayed",
            )]),
        )
        .await
        .expect("read the audit log")
        .len();
    (events, mailed)
}

async fn a_code_outside_one_step_is_refused(backend: Backend) {
    let srv = server(backend).await;
    let mut u = enrolled(&srv, "totp-window").await;
    u.agent.sign_out().await;
    held_password_sign_in(&mut u.agent, &u.email).await;
    srv.clock.advance(Duration::seconds(30));
    let now = server_now(&srv);
    // Two steps ahead, and two behind: outside the window.
    for at in [now + Duration::seconds(75), now - Duration::seconds(75)] {
        let code = oathtool(&u.secret, at);
        let res = verify(&mut u.agent, "totp", &code).await;
        assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    }
    // Move the server's clock to where the early code belongs: now it is accepted.
    let early = oathtool(&u.secret, now + Duration::seconds(75));
    srv.clock.advance(Duration::seconds(75));
    let res = verify(&mut u.agent, "totp", &early).await;
    assert_signed_in(&res, &u.email);
}

async fn wrong_codes_of_every_kind_lock_the_account(backend: Backend) {
    let srv = server(backend).await;
    let mut u = enrolled(&srv, "totp-lock").await;
    u.agent.sign_out().await;

    // First challenge: 3 wrong TOTP codes and 2 wrong backup codes, then it is used up.
    held_password_sign_in(&mut u.agent, &u.email).await;
    for _ in 0..3 {
        let res = verify(&mut u.agent, "totp", "000000").await;
        assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    }
    for _ in 0..2 {
        let res = verify(&mut u.agent, "backup-code", "aaaaa-bbbbb").await;
        assert_error(&res, 401, "INVALID_BACKUP_CODE", "Invalid backup code");
    }
    let code = next_code(&srv, &u.secret);
    let res = verify(&mut u.agent, "totp", &code).await;
    assert_error(
        &res,
        400,
        "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE",
        "Too many attempts. Please request a new code.",
    );
    assert!(
        res.set_cookie(TWO_FACTOR_COOKIE)
            .is_some_and(|c| c.is_deletion())
    );

    // Second challenge: 3 wrong e-mailed codes and 2 wrong TOTP codes spend the budget of 10.
    held_password_sign_in(&mut u.agent, &u.email).await;
    let res = u
        .agent
        .post("/api/auth/two-factor/send-otp", json!({}))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    for _ in 0..3 {
        let res = verify(&mut u.agent, "otp", "000000").await;
        assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    }
    for _ in 0..2 {
        let res = verify(&mut u.agent, "totp", "000000").await;
        assert_error(&res, 401, "INVALID_CODE", "Invalid code");
    }
    // Locked: even right codes of every kind are refused.
    let locked = "Too many failed verification attempts. Your account is temporarily locked. Please try again later.";
    let code = next_code(&srv, &u.secret);
    let res = verify(&mut u.agent, "totp", &code).await;
    assert_error(&res, 429, "ACCOUNT_TEMPORARILY_LOCKED", locked);
    let res = verify(&mut u.agent, "backup-code", &u.backup_codes[0]).await;
    assert_error(&res, 429, "ACCOUNT_TEMPORARILY_LOCKED", locked);
    let otp = srv.last_code(&u.email, "two-factor-otp").await;
    let res = verify(&mut u.agent, "otp", &otp).await;
    assert_error(&res, 429, "ACCOUNT_TEMPORARILY_LOCKED", locked);

    // After the lock (15 minutes), a new sign-in passes with a right code.
    srv.clock.advance(Duration::minutes(16));
    held_password_sign_in(&mut u.agent, &u.email).await;
    let code = next_code(&srv, &u.secret);
    let res = verify(&mut u.agent, "totp", &code).await;
    assert_signed_in(&res, &u.email);
}

async fn backup_codes_work_once_and_can_be_replaced(backend: Backend) {
    let srv = server(backend).await;
    let mut u = enrolled(&srv, "backup-codes").await;
    let row = srv
        .adapter()
        .find_one("twoFactor", &[Where::eq("userId", u.user_id.as_str())])
        .await
        .expect("read")
        .expect("row");
    let stored = row
        .get("backupCodes")
        .and_then(DbValue::as_str)
        .expect("stored")
        .to_owned();
    assert!(stored.starts_with("pc1:"), "{stored}");
    for c in &u.backup_codes {
        assert!(!stored.contains(c.as_str()), "stored hashed, not as {c}");
    }
    u.agent.sign_out().await;

    held_password_sign_in(&mut u.agent, &u.email).await;
    let res = verify(&mut u.agent, "backup-code", &u.backup_codes[0]).await;
    assert_signed_in(&res, &u.email);
    let notice = srv
        .last_message(&u.email, "two-factor-changed")
        .await
        .expect("notice");
    assert!(
        notice.text.contains("9 unused codes left"),
        "{}",
        notice.text
    );
    u.agent.sign_out().await;

    held_password_sign_in(&mut u.agent, &u.email).await;
    let res = verify(&mut u.agent, "backup-code", &u.backup_codes[0]).await;
    assert_error(&res, 401, "INVALID_BACKUP_CODE", "Invalid backup code");
    let res = verify(&mut u.agent, "backup-code", &u.backup_codes[1]).await;
    assert_signed_in(&res, &u.email);

    // New codes replace every old one.
    let res = u
        .agent
        .post(
            "/api/auth/two-factor/generate-backup-codes",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let fresh: Vec<String> = res.json()["backupCodes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(fresh.len(), 10);
    assert_eq!(res.json()["status"], true);
    u.agent.sign_out().await;
    held_password_sign_in(&mut u.agent, &u.email).await;
    let res = verify(&mut u.agent, "backup-code", &u.backup_codes[2]).await;
    assert_error(&res, 401, "INVALID_BACKUP_CODE", "Invalid backup code");
    let res = verify(&mut u.agent, "backup-code", &fresh[0]).await;
    assert_signed_in(&res, &u.email);
}

async fn a_trusted_device_skips_the_second_step_for_30_days(backend: Backend) {
    let srv = server(backend).await;
    let mut u = enrolled(&srv, "trusted").await;
    u.agent.sign_out().await;
    held_password_sign_in(&mut u.agent, &u.email).await;
    let code = next_code(&srv, &u.secret);
    let res = u
        .agent
        .post(
            "/api/auth/two-factor/verify-totp",
            json!({"code": code, "trustDevice": true}),
        )
        .await;
    assert_signed_in(&res, &u.email);
    let trust = res.set_cookie(TRUST_COOKIE).expect("trust_device cookie");
    assert!(
        trust
            .raw
            .ends_with("; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax"),
        "{}",
        trust.raw
    );
    u.agent.sign_out().await;

    // This device signs in with the password alone; its trust is renewed.
    let res = u
        .agent
        .post(
            "/api/auth/sign-in/email",
            json!({"email": u.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(res.json()["token"].is_string(), "{}", res.describe());
    let renewed = res.set_cookie(TRUST_COOKIE).expect("renewed");
    assert_ne!(renewed.value, trust.value);
    assert!(u.agent.get_session().await.is_some());
    u.agent.sign_out().await;

    // Another device is still asked.
    let mut other = srv.agent();
    held_password_sign_in(&mut other, &u.email).await;
    // The old cookie was replaced: a copy of it no longer counts.
    let mut copy = srv.agent();
    copy.jar
        .push((TRUST_COOKIE.to_owned(), trust.value.clone()));
    let res = copy
        .post(
            "/api/auth/sign-in/email",
            json!({"email": u.email, "password": PASSWORD}),
        )
        .await;
    assert_held(&res);
    assert!(
        res.set_cookie(TRUST_COOKIE)
            .is_some_and(|c| c.is_deletion())
    );

    // After 30 days the trust is gone.
    srv.clock.advance(Duration::days(31));
    held_password_sign_in(&mut u.agent, &u.email).await;
}

async fn emailed_codes_sign_in_and_expire(backend: Backend) {
    let srv = server(backend).await;
    let mut u = enrolled(&srv, "otp-mail").await;
    u.agent.sign_out().await;
    held_password_sign_in(&mut u.agent, &u.email).await;
    // Without a code sent, there is none to check.
    let res = verify(&mut u.agent, "otp", "123456").await;
    assert_error(&res, 400, "OTP_HAS_EXPIRED", "OTP has expired");
    let res = u
        .agent
        .post("/api/auth/two-factor/send-otp", json!({}))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let first = srv.last_code(&u.email, "two-factor-otp").await;
    // Three minutes later it has expired.
    srv.clock.advance(Duration::seconds(181));
    let res = verify(&mut u.agent, "otp", &first).await;
    assert_error(&res, 400, "OTP_HAS_EXPIRED", "OTP has expired");
    let res = u
        .agent
        .post("/api/auth/two-factor/send-otp", json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let code = srv.last_code(&u.email, "two-factor-otp").await;
    let res = verify(&mut u.agent, "otp", &code).await;
    assert_signed_in(&res, &u.email);
    // Stored hashed: no row holds the code.
    let rows = srv.verification_rows("2fa-otp-").await;
    for r in rows {
        let v = r.get("value").and_then(DbValue::as_str).unwrap_or_default();
        assert!(!v.contains(&first) && !v.contains(&code), "{v}");
    }
}

/// A user with a username, a verified phone number and TOTP on.
async fn everything_enrolled(srv: &TestServer) -> (Enrolled<'_>, String) {
    let mut u = enrolled(srv, "all-ways").await;
    let number = "+14155550142";
    let res = u
        .agent
        .post("/api/auth/update-user", json!({"username": "all_ways"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = u
        .agent
        .post(
            "/api/auth/phone-number/send-otp",
            json!({"phoneNumber": number}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let code = srv.last_code(number, "otp").await;
    let res = u
        .agent
        .post(
            "/api/auth/phone-number/verify",
            json!({"phoneNumber": number, "code": code, "updatePhoneNumber": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    (u, number.to_owned())
}

/// A first factor (`POST path` with `body`) in a fresh browser: held, then passed with TOTP.
async fn held_then_passed(srv: &TestServer, path: &str, body: Value, secret: &str, email: &str) {
    let mut agent = srv.agent();
    let res = agent.post(path, body).await;
    assert_held(&res);
    second_step(srv, &mut agent, secret, email).await;
}

/// Finishes a held sign-in with the next TOTP code and checks the session is this user's.
async fn second_step(srv: &TestServer, agent: &mut Agent<'_>, u_secret: &str, email: &str) {
    assert_eq!(
        agent.get_session().await,
        None,
        "nothing before the second step"
    );
    let code = next_code(srv, u_secret);
    let res = verify(agent, "totp", &code).await;
    assert_signed_in(&res, email);
    let me = agent.get_session().await.expect("a session after it");
    assert_eq!(me["user"]["email"], email);
}

async fn no_first_factor_skips_the_second(backend: Backend) {
    let srv = server(backend).await;
    let (mut u, number) = everything_enrolled(&srv).await;
    u.agent.sign_out().await;
    let email = u.email.clone();
    let secret = u.secret.clone();

    // Passwords: by e-mail, username and phone number.
    for (path, body) in [
        (
            "/api/auth/sign-in/email",
            json!({"email": email, "password": PASSWORD}),
        ),
        (
            "/api/auth/sign-in/username",
            json!({"username": "all_ways", "password": PASSWORD}),
        ),
        (
            "/api/auth/sign-in/phone-number",
            json!({"phoneNumber": number, "password": PASSWORD}),
        ),
    ] {
        held_then_passed(&srv, path, body, &secret, &email).await;
    }

    // E-mail verification's sign-in (the link sign-up sent): verified, but held.
    let mut agent = srv.agent();
    let link = srv.last_link(&email, "verification").await;
    let res = agent.get(&srv.local_path(&link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    let location = res.header("location").expect("location");
    assert!(
        location.starts_with(&format!(
            "{}/two-factor?methods=totp%2Cotp&callbackURL=",
            srv.base
        )),
        "{location}"
    );
    assert!(
        res.set_cookie(TWO_FACTOR_COOKIE)
            .is_some_and(|c| !c.is_deletion())
    );
    second_step(&srv, &mut agent, &secret, &email).await;
    let me = agent.get_session().await.expect("signed in");
    assert_eq!(me["user"]["emailVerified"], true);

    // An e-mailed sign-in code.
    let code = srv.email_code(&email, "sign-in").await;
    let body = json!({"email": email, "otp": code});
    held_then_passed(&srv, "/api/auth/sign-in/email-otp", body, &secret, &email).await;

    // A code by SMS.
    let res = srv
        .post("/phone-number/send-otp", json!({"phoneNumber": number}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let code = srv.last_code(&number, "otp").await;
    let body = json!({"phoneNumber": number, "code": code});
    held_then_passed(&srv, "/api/auth/phone-number/verify", body, &secret, &email).await;

    // A magic link, followed in the browser: on to the challenge page, keeping the callback.
    let mut agent = srv.agent();
    let res = srv
        .post(
            "/sign-in/magic-link",
            json!({"email": email, "callbackURL": "/dash"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link(&email, "magic-link").await;
    let res = agent.get(&srv.local_path(&link)).await;
    assert_eq!(res.status, 302, "{}", res.describe());
    let location = res.header("location").expect("location");
    assert_eq!(
        location,
        format!(
            "{}/two-factor?methods=totp%2Cotp&callbackURL=%2Fdash",
            srv.base
        )
    );
    assert!(
        res.set_cookie(TWO_FACTOR_COOKIE)
            .is_some_and(|c| !c.is_deletion())
    );
    assert!(
        res.set_cookie(SESSION_COOKIE)
            .is_some_and(|c| c.is_deletion())
    );
    second_step(&srv, &mut agent, &secret, &email).await;
    // The page it goes to is served.
    let page = srv.send(Request::get("/two-factor?methods=totp")).await;
    assert_html(&page);
    assert!(page.text().contains("Two-step verification"));

    // A verified number gets the e-mailed code by SMS as well.
    let mut agent = srv.agent();
    held_password_sign_in(&mut agent, &email).await;
    let res = agent.post("/api/auth/two-factor/send-otp", json!({})).await;
    assert_json(&res, 200, json!({"status": true}));
    let by_mail = srv.last_code(&email, "two-factor-otp").await;
    assert_eq!(srv.last_code(&number, "two-factor-otp").await, by_mail);
    let res = verify(&mut agent, "otp", &by_mail).await;
    assert_signed_in(&res, &email);

    // The second step's session counts the first factor's way in.
    let res = srv.send(Request::get("/metrics")).await;
    let metrics = res.text();
    for method in [
        "email",
        "username",
        "phone-number",
        "email-otp",
        "magic-link",
    ] {
        assert!(
            metrics.contains(&format!(
                "auth_login_attempts_total{{method=\"{method}\",status=\"success\"}}"
            )),
            "{method}: {metrics}"
        );
    }
}

async fn disable_needs_the_password_and_ends_the_challenge(backend: Backend) {
    let srv = server(backend).await;
    let mut u = enrolled(&srv, "disable").await;
    let res = u
        .agent
        .post(
            "/api/auth/two-factor/disable",
            json!({"password": "wrong-password-1"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    let before = u.agent.get_session().await.expect("session")["session"]["token"].clone();
    let res = u
        .agent
        .post(
            "/api/auth/two-factor/disable",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let me = u.agent.get_session().await.expect("a new session");
    assert_ne!(me["session"]["token"], before);
    assert_eq!(me["user"]["twoFactorEnabled"], false);
    assert_eq!(
        srv.count("twoFactor", &[Where::eq("userId", u.user_id.as_str())])
            .await,
        0
    );
    let notice = srv
        .last_message(&u.email, "two-factor-changed")
        .await
        .expect("notice");
    assert!(notice.text.contains("turned off"), "{}", notice.text);
    u.agent.sign_out().await;
    let token = u.agent.sign_in(&u.email, PASSWORD).await;
    assert!(!token.is_empty());
    // Only the plugin turns it on, not update-user.
    let res = u
        .agent
        .post("/api/auth/update-user", json!({"twoFactorEnabled": true}))
        .await;
    assert_error(
        &res,
        400,
        "FIELD_NOT_ALLOWED",
        "twoFactorEnabled is not allowed to be set",
    );
    // Backup codes need two-factor on.
    let res = u
        .agent
        .post(
            "/api/auth/two-factor/generate-backup-codes",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_error(
        &res,
        400,
        "TWO_FACTOR_NOT_ENABLED",
        "Two factor isn't enabled",
    );
}

/// A `twoFactor` row as Better Auth 1.7 writes it: the secret and the backup codes each
/// `symmetricEncrypt`-ed under the server secret.
async fn better_auth_rows_are_read_and_upgraded(backend: Backend) {
    let srv = server(backend).await;
    let email = "ba-row@example.com";
    let mut agent = srv.agent();
    let (_, user_id) = agent.sign_up("BA row", email, PASSWORD).await;
    agent.sign_out().await;
    let secret = "abcdefghijklmnopqrstuvwxyz012345";
    let codes = ["AbCde-12345", "fGhIj-67890"];
    let mut row = Row::new();
    row.insert("id".into(), "ba-two-factor-row-1".into());
    row.insert("userId".into(), user_id.as_str().into());
    row.insert(
        "secret".into(),
        symmetric::encrypt(SECRET.as_bytes(), secret).into(),
    );
    row.insert(
        "backupCodes".into(),
        symmetric::encrypt(SECRET.as_bytes(), &json!(codes).to_string()).into(),
    );
    row.insert("verified".into(), true.into());
    srv.adapter()
        .create("twoFactor", row)
        .await
        .expect("insert");
    let mut set = Row::new();
    set.insert("twoFactorEnabled".into(), true.into());
    srv.adapter()
        .update_many("user", &[Where::eq("id", user_id.as_str())], set)
        .await
        .expect("enable");

    // The backup code Better Auth encrypted signs in, and the rest are stored hashed.
    held_password_sign_in(&mut agent, email).await;
    let res = verify(&mut agent, "backup-code", codes[1]).await;
    assert_signed_in(&res, email);
    let stored = srv
        .adapter()
        .find_one("twoFactor", &[Where::eq("userId", user_id.as_str())])
        .await
        .expect("read")
        .expect("row");
    let backup = stored
        .get("backupCodes")
        .and_then(DbValue::as_str)
        .expect("codes");
    assert!(
        backup.starts_with("pc1:") && !backup.contains(codes[0]),
        "{backup}"
    );
    agent.sign_out().await;

    // The secret Better Auth encrypted gives oathtool's codes.
    let b32 = totp_rs::Secret::Raw(secret.as_bytes().to_vec())
        .to_encoded()
        .to_string()
        .trim_end_matches('=')
        .to_owned();
    held_password_sign_in(&mut agent, email).await;
    let code = next_code(&srv, &b32);
    let res = verify(&mut agent, "totp", &code).await;
    assert_signed_in(&res, email);
    agent.sign_out().await;
    held_password_sign_in(&mut agent, email).await;
    let res = verify(&mut agent, "backup-code", codes[0]).await;
    assert_signed_in(&res, email);
}
