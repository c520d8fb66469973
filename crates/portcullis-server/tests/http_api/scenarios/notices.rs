//! Security notices over real SMTP (the test kit's `MailSink`): after a password change, set or
//! reset (link, email code, SMS code), after a change of address (to the old address), and to
//! the owner of an address someone signs up with. Each says when (the server's clock), from
//! where (the client address through `TRUSTED_PROXIES`) and on what (a named browser), holds no
//! token or password, and is never sent for a change that failed.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde_json::json;

use super::email_flows::query_param;
use portcullis_core::clock::Clock;
use portcullis_testkit::prelude::*;

/// The browser the changes come from, and how a notice names it.
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
const FIREFOX_NAMED: &str = "Firefox 121 on Linux";
/// The client's address, as the trusted proxy (the test, on 127.0.0.1) forwards it.
const CLIENT_IP: &str = "203.0.113.7";
/// How far the server's clock is moved: a notice's time must come from it, not the system's.
const CLOCK_AHEAD_DAYS: i64 = 40;
const PHONE: &str = "+14155550188";

/// A server that mails `sink`, trusts the test as its proxy, and runs 40 days ahead.
async fn notice_server(srv: &TestServer, sink: &MailSink, extra: &[(&str, &str)]) -> TestServer {
    let server = TestServer::builder(srv.backend)
        .envs(sink.env())
        .env("TRUSTED_PROXIES", "127.0.0.1")
        .envs(extra.iter().copied())
        .start()
        .await;
    server.clock.advance(Duration::days(CLOCK_AHEAD_DAYS));
    server
}

/// `req` as the Firefox user behind the proxy sends it.
fn from_firefox(req: Request) -> Request {
    req.header("user-agent", FIREFOX)
        .header("x-forwarded-for", CLIENT_IP)
}

/// The messages to `to` whose subject contains `subject`, once everything asked for was sent.
async fn mails(srv: &TestServer, sink: &MailSink, to: &str, subject: &str) -> Vec<Mail> {
    srv.settle().await;
    sink.messages_to(to)
        .into_iter()
        .filter(|m| m.subject.contains(subject))
        .collect()
}

/// The one message to `to` whose subject contains `subject`.
async fn only_mail(srv: &TestServer, sink: &MailSink, to: &str, subject: &str) -> Mail {
    let found = mails(srv, sink, to, subject).await;
    assert_eq!(
        found.len(),
        1,
        "messages to {to} with {subject:?}: {:?}",
        sink.messages()
            .iter()
            .map(|m| (&m.envelope_to, &m.subject))
            .collect::<Vec<_>>()
    );
    found.into_iter().next().expect("one message")
}

/// Checks that `mail` says when (between `before` and `after` on the server's clock, to the
/// second), from where and on what, in both parts, and repeats none of `secrets`.
fn assert_describes_request(
    mail: &Mail,
    before: DateTime<Utc>,
    after: DateTime<Utc>,
    secrets: &[&str],
) {
    let when = mail
        .text
        .lines()
        .find_map(|l| l.trim().strip_prefix("When:"))
        .unwrap_or_else(|| panic!("no time in:\n{}", mail.text))
        .trim();
    let at = NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M:%S UTC")
        .unwrap_or_else(|e| panic!("time {when:?}: {e}"))
        .and_utc();
    let floor = before - Duration::seconds(1);
    assert!(
        floor <= at && at <= after,
        "{at} is not between {before} and {after}"
    );
    assert!(
        at > Utc::now() + Duration::days(CLOCK_AHEAD_DAYS - 1),
        "{at} is not the server's clock"
    );
    for (part, body) in [("text", &mail.text), ("html", &mail.html)] {
        for shown in [when, CLIENT_IP, FIREFOX_NAMED] {
            assert!(body.contains(shown), "{part} lacks {shown}:\n{body}");
        }
        // The raw header is the client's text; the proxy's own address is not the client's.
        assert!(!body.contains("Mozilla/5.0"), "{part}: raw user agent");
        for secret in secrets {
            assert!(!body.contains(secret), "{part} holds {secret}:\n{body}");
        }
    }
    assert!(mail.subject.contains(APP_NAME), "{}", mail.subject);
}

pub async fn password_change_and_set_notices(srv: &TestServer) {
    let sink = MailSink::start().await;
    let srv = notice_server(srv, &sink, &[]).await;
    let email = "pia@example.com";
    let mut me = srv.agent();
    let (token, _) = me.sign_up("Pia", email, "pia-password-1").await;
    let change = |current: &str, new: &str| {
        from_firefox(Request::post("/api/auth/change-password").json(&json!({
            "currentPassword": current, "newPassword": new, "revokeOtherSessions": true,
        })))
    };

    // A wrong current password changes nothing and tells nobody.
    let res = me.send(change("wrong-password-1", "pia-password-2")).await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    assert!(mails(&srv, &sink, email, "password").await.is_empty());

    let before = srv.clock.now();
    let res = me.send(change("pia-password-1", "pia-password-2")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let after = srv.clock.now();
    let new_token = res.json()["token"].as_str().expect("token").to_owned();
    let notice = only_mail(&srv, &sink, email, "password was changed").await;
    assert!(notice.is_to(email));
    assert_describes_request(
        &notice,
        before,
        after,
        &["pia-password-1", "pia-password-2", &token, &new_token],
    );
    assert!(
        notice
            .text
            .contains(&format!("{}/forgot-password", srv.base)),
        "{}",
        notice.text
    );

    // set-password: a user who signed in with an email code has no password yet.
    let email = "sol@example.com";
    let res = srv
        .post(
            "/email-otp/send-verification-otp",
            json!({"email": email, "type": "sign-in"}),
        )
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let code = sink.last_code(email).await;
    let mut sol = srv.agent();
    let res = sol
        .post(
            "/api/auth/sign-in/email-otp",
            json!({"email": email, "otp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = sol
        .send(from_firefox(
            Request::post("/api/auth/set-password").json(&json!({"newPassword": "short"})),
        ))
        .await;
    assert_error(&res, 400, "PASSWORD_TOO_SHORT", "Password too short");
    assert!(mails(&srv, &sink, email, "password").await.is_empty());
    let before = srv.clock.now();
    let res = sol
        .send(from_firefox(
            Request::post("/api/auth/set-password").json(&json!({"newPassword": "sol-password-1"})),
        ))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let after = srv.clock.now();
    let notice = only_mail(&srv, &sink, email, "A password was added").await;
    assert_describes_request(&notice, before, after, &["sol-password-1", &code]);
}

pub async fn password_reset_notices(srv: &TestServer) {
    let sink = MailSink::start().await;
    let srv = notice_server(srv, &sink, &[("ENABLE_PHONE_AUTH", "true")]).await;
    let email = "rita@example.com";
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Rita", "email": email, "password": "rita-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.set_verified_phone(email, PHONE).await;
    let reset_notices = || mails(&srv, &sink, email, "password was reset");

    // By link: a bad token sends nothing; the right one, one notice.
    let res = srv
        .post("/request-password-reset", json!({"email": email}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = only_mail(&srv, &sink, email, "Reset your").await.link();
    let link = link.expect("reset link");
    let token = link
        .split("/reset-password/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .expect("token in the link")
        .to_owned();
    assert!(query_param(&link, "callbackURL").is_some());
    let reset = |token: &str, password: &str| {
        from_firefox(
            Request::post("/api/auth/reset-password")
                .json(&json!({"token": token, "newPassword": password})),
        )
    };
    let res = srv.send(reset("not-a-token", "rita-password-2")).await;
    assert_error(&res, 400, "INVALID_TOKEN", "Invalid token");
    assert!(reset_notices().await.is_empty());
    let before = srv.clock.now();
    let res = srv.send(reset(&token, "rita-password-2")).await;
    assert_json(&res, 200, json!({"status": true}));
    let after = srv.clock.now();
    let notices = reset_notices().await;
    assert_eq!(notices.len(), 1);
    assert_describes_request(&notices[0], before, after, &[&token, "rita-password-2"]);
    assert!(
        notices[0].text.contains("signed out"),
        "sessions ended: {}",
        notices[0].text
    );

    // By email code.
    let res = srv
        .post("/email-otp/request-password-reset", json!({"email": email}))
        .await;
    assert_json(&res, 200, json!({"success": true}));
    let code = only_mail(&srv, &sink, email, "code").await.code();
    let code = code.expect("code");
    let reset = |otp: &str, password: &str| {
        from_firefox(
            Request::post("/api/auth/email-otp/reset-password")
                .json(&json!({"email": email, "otp": otp, "password": password})),
        )
    };
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let res = srv.send(reset(wrong, "rita-password-3")).await;
    assert_error(&res, 400, "INVALID_OTP", "Invalid OTP");
    assert_eq!(reset_notices().await.len(), 1);
    let before = srv.clock.now();
    let res = srv.send(reset(&code, "rita-password-3")).await;
    assert_json(&res, 200, json!({"success": true}));
    let after = srv.clock.now();
    let notices = reset_notices().await;
    assert_eq!(notices.len(), 2);
    assert_describes_request(&notices[1], before, after, &[&code, "rita-password-3"]);

    // By SMS code (texts go to the outbox): the notice still goes to the account's email.
    let res = srv
        .post(
            "/phone-number/request-password-reset",
            json!({"phoneNumber": PHONE}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let code = srv.last_code(PHONE, "otp").await;
    let reset = |otp: &str| {
        from_firefox(
            Request::post("/api/auth/phone-number/reset-password")
                .json(&json!({"phoneNumber": PHONE, "otp": otp, "newPassword": "rita-password-4"})),
        )
    };
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let res = srv.send(reset(wrong)).await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(reset_notices().await.len(), 2);
    let before = srv.clock.now();
    let res = srv.send(reset(&code)).await;
    assert_json(&res, 200, json!({"status": true}));
    let after = srv.clock.now();
    let notices = reset_notices().await;
    assert_eq!(notices.len(), 3);
    assert_describes_request(&notices[2], before, after, &[&code, "rita-password-4"]);
    let (_, res) = srv.sign_in(email, "rita-password-4").await;
    assert_eq!(res.status, 200);
}

pub async fn email_change_notice_goes_to_the_old_address(srv: &TestServer) {
    let sink = MailSink::start().await;
    let srv = notice_server(srv, &sink, &[]).await;
    let (old, new) = ("olga@example.com", "olga.new@example.com");
    let mut me = srv.agent();
    me.sign_up("Olga", old, "olga-password-1").await;
    // Unverified: the new address gets the link that makes the change.
    let res = me
        .post(
            "/api/auth/change-email",
            json!({"newEmail": new, "callbackURL": "/account"}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let link = only_mail(&srv, &sink, new, "Verify your email")
        .await
        .link()
        .expect("link");
    let token = query_param(&link, "token").expect("token");

    // A broken link changes nothing and tells nobody.
    let res = me
        .send(from_firefox(Request::get(
            "/api/auth/verify-email?token=not.a.token",
        )))
        .await;
    assert_error(&res, 401, "INVALID_TOKEN", "Invalid token");
    assert!(mails(&srv, &sink, old, "was changed").await.is_empty());

    let before = srv.clock.now();
    let res = me
        .send(from_firefox(Request::get(&srv.local_path(&link))))
        .await;
    assert_eq!(res.status, 302, "{}", res.describe());
    let after = srv.clock.now();
    assert_eq!(me.session_email().await.as_deref(), Some(new));
    let notice = only_mail(&srv, &sink, old, "email address").await;
    assert!(notice.is_to(old) && !notice.is_to(new));
    assert_describes_request(&notice, before, after, &[&token, "olga-password-1"]);
    assert!(
        notice.text.contains(&format!("from {old} to {new}")),
        "{}",
        notice.text
    );
    assert!(mails(&srv, &sink, new, "email address").await.is_empty());
}

pub async fn sign_up_attempt_notice_goes_to_the_owner(srv: &TestServer) {
    let sink = MailSink::start().await;
    let srv = notice_server(srv, &sink, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let email = "owen@example.com";
    let sign_up = |password: &str| {
        from_firefox(Request::post("/api/auth/sign-up/email").json(&json!({
            "name": "Owen", "email": email, "password": password,
        })))
    };
    let res = srv.send(sign_up("owen-password-1")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(mails(&srv, &sink, email, "tried").await.is_empty());

    // The same address again: the answer of a new sign-up, and the owner hears of it.
    let before = srv.clock.now();
    let res = srv.send(sign_up("intruder-password-1")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["token"], serde_json::Value::Null);
    let after = srv.clock.now();
    let notice = only_mail(&srv, &sink, email, "Someone tried to sign up").await;
    assert_describes_request(
        &notice,
        before,
        after,
        &["intruder-password-1", "owen-password-1"],
    );
    for page in ["/sign-in", "/forgot-password"] {
        let url = format!("{}{page}", srv.base);
        assert!(notice.text.contains(&url), "{url}: {}", notice.text);
        assert!(notice.html.contains(&format!("href=\"{url}\"")), "{url}");
    }
}

pub async fn notices_can_be_turned_off(srv: &TestServer) {
    let sink = MailSink::start().await;
    let quiet = notice_server(srv, &sink, &[("SECURITY_NOTICES", "false")]).await;
    let email = "quinn@example.com";
    let mut me = quiet.agent();
    me.sign_up("Quinn", email, "quinn-password-1").await;
    let res = me
        .post(
            "/api/auth/change-password",
            json!({"currentPassword": "quinn-password-1", "newPassword": "quinn-password-2"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = quiet
        .post("/request-password-reset", json!({"email": email}))
        .await;
    assert_eq!(res.status, 200);
    let link = only_mail(&quiet, &sink, email, "Reset your").await.link();
    let token = link
        .as_deref()
        .and_then(|l| l.split("/reset-password/").nth(1))
        .and_then(|rest| rest.split('?').next())
        .expect("token")
        .to_owned();
    let res = quiet
        .post(
            "/reset-password",
            json!({"token": token, "newPassword": "quinn-password-3"}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let subjects: Vec<String> = mails(&quiet, &sink, email, "")
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(
        subjects.len(),
        2,
        "welcome and the reset link: {subjects:?}"
    );

    // NOTIFY_EXISTING_SIGN_UP follows SECURITY_NOTICES unless set.
    for extra in [
        &[("SECURITY_NOTICES", "false")][..],
        &[("NOTIFY_EXISTING_SIGN_UP", "false")],
    ] {
        let sink = MailSink::start().await;
        let mut env = vec![("REQUIRE_EMAIL_VERIFICATION", "true")];
        env.extend_from_slice(extra);
        let srv = notice_server(srv, &sink, &env).await;
        for _ in 0..2 {
            let res = srv
                .post(
                    "/sign-up/email",
                    json!({"name": "Una", "email": "una@example.com", "password": "una-password-1"}),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.describe());
        }
        let subjects: Vec<String> = mails(&srv, &sink, "una@example.com", "")
            .await
            .into_iter()
            .map(|m| m.subject)
            .collect();
        assert_eq!(
            subjects.len(),
            1,
            "{extra:?}: only the verification: {subjects:?}"
        );
    }
}
