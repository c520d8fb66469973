//! The security detectors on each backend: a scripted brute force against one account raises
//! its event (severity, counter) and its e-mails, to the user and the operator; many accounts
//! tried from one address, and many failures from it, raise theirs; a sign-in from a new user
//! agent raises `security.new_device`; with MaxMind's test GeoIP file, a sign-in from London
//! then, an hour later, from Milton (WA) raises `security.impossible_travel`. Each fires once
//! per window.

use portcullis_storage::{Query, Row, Value as Cell, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::json;

const PASSWORD: &str = "detector-password-1";
const OPERATOR: &str = "soc@example.com";
const ENV: &[(&str, &str)] = &[
    ("ENABLE_AUDIT_LOG", "true"),
    ("ENABLE_SECURITY_DETECTORS", "true"),
    ("SECURITY_ALERT_EMAIL", OPERATOR),
    ("DETECT_ACCOUNT_FAILURES", "3/600"),
    ("DETECT_ACCOUNTS_PER_IP", "3/600"),
    ("DETECT_IP_FAILURES", "6/600"),
];

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("brute_force_on_one_account", |b| {
            Box::pin(brute_force_on_one_account(b))
        })
        .per_backend("wrong_codes_count_against_the_address", |b| {
            Box::pin(wrong_codes_count_against_the_address(b))
        })
        .per_backend("many_accounts_and_failures_from_one_address", |b| {
            Box::pin(many_accounts_and_failures_from_one_address(b))
        })
        .per_backend("sign_in_from_a_new_device", |b| {
            Box::pin(sign_in_from_a_new_device(b))
        })
        .per_backend("impossible_travel_with_a_geoip_file", |b| {
            Box::pin(impossible_travel_with_a_geoip_file(b))
        })
        .run()
}

async fn server(backend: Backend) -> TestServer {
    TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .start()
        .await
}

async fn events(srv: &TestServer, action: &str) -> Vec<Row> {
    srv.adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![Where::eq("action", action)]),
        )
        .await
        .expect("read the audit log")
}

fn text<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Cell::as_str)
}

async fn detections(srv: &TestServer, detector: &str) -> String {
    let res = srv.send(Request::get("/metrics")).await;
    let line = format!("auth_security_detections_total{{detector=\"{detector}\"}} ");
    res.text()
        .lines()
        .find_map(|l| l.strip_prefix(&line).map(str::to_owned))
        .unwrap_or_else(|| "0".to_owned())
}

async fn wrong(srv: &TestServer, email: &str) {
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": email, "password": "not-the-password"}),
        )
        .await;
    assert_eq!(res.status, 401);
}

async fn brute_force_on_one_account(backend: Backend) {
    let srv = server(backend).await;
    let victim = srv.sign_up("Vic", "vic@example.com", PASSWORD).await;
    for _ in 0..2 {
        wrong(&srv, "vic@example.com").await;
    }
    assert!(
        events(&srv, "security.failure_burst_account")
            .await
            .is_empty()
    );
    wrong(&srv, "vic@example.com").await;
    wrong(&srv, "vic@example.com").await;
    let found = events(&srv, "security.failure_burst_account").await;
    assert_eq!(found.len(), 1, "once per window: {found:?}");
    assert_eq!(text(&found[0], "severity"), Some("warning"));
    assert_eq!(
        text(&found[0], "targetUserId"),
        Some(victim.user_id.as_str())
    );
    assert_eq!(text(&found[0], "ipAddress"), Some("127.0.0.1"));
    assert_eq!(detections(&srv, "failure_burst_account").await, "1");

    let mail = srv.outbox().await;
    let alerts: Vec<_> = mail.iter().filter(|m| m.kind == "security-alert").collect();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    let to_user = alerts
        .iter()
        .find(|m| m.to == "vic@example.com")
        .expect("the user is told");
    assert!(to_user.text.contains("reset your password"));
    let to_operator = alerts
        .iter()
        .find(|m| m.to == OPERATOR)
        .expect("the operator is told");
    assert!(to_operator.subject.contains("failure burst account"));
    assert!(to_operator.text.contains("127.0.0.1"));
}

/// Guesses at e-mail codes are a brute force too: counted against the address (by its hash,
/// as no user is named), whichever purpose the codes were for.
async fn wrong_codes_count_against_the_address(backend: Backend) {
    let srv = server(backend).await;
    srv.sign_up("Cody", "cody@example.com", PASSWORD).await;
    srv.email_code("cody@example.com", "sign-in").await;
    let guess = async |path: &str, body: serde_json::Value| {
        let res = srv.post(path, body).await;
        assert_eq!(res.status, 400, "{}", res.describe());
    };
    let sign_in = json!({"email": "cody@example.com", "otp": "000000"});
    guess("/sign-in/email-otp", sign_in.clone()).await;
    guess("/sign-in/email-otp", sign_in).await;
    assert!(
        events(&srv, "security.failure_burst_account")
            .await
            .is_empty()
    );
    let reset = json!({"email": "cody@example.com", "otp": "000000", "password": "whatever-1234"});
    guess("/email-otp/reset-password", reset).await;
    let found = events(&srv, "security.failure_burst_account").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(detections(&srv, "failure_burst_account").await, "1");
    let mail = srv.outbox().await;
    assert!(
        mail.iter()
            .any(|m| m.kind == "security-alert" && m.to == OPERATOR),
        "the operator is told: {mail:?}"
    );
}

async fn many_accounts_and_failures_from_one_address(backend: Backend) {
    let srv = server(backend).await;
    for n in 0..2 {
        wrong(&srv, &format!("nobody{n}@example.com")).await;
    }
    assert!(
        events(&srv, "security.many_accounts_from_ip")
            .await
            .is_empty()
    );
    // The same account again does not count twice.
    wrong(&srv, "nobody0@example.com").await;
    assert!(
        events(&srv, "security.many_accounts_from_ip")
            .await
            .is_empty()
    );
    wrong(&srv, "nobody2@example.com").await;
    let found = events(&srv, "security.many_accounts_from_ip").await;
    assert_eq!(found.len(), 1);
    assert_eq!(text(&found[0], "severity"), Some("critical"));
    assert_eq!(detections(&srv, "many_accounts_from_ip").await, "1");
    // Six failures in all from the address.
    assert!(events(&srv, "security.failure_burst_ip").await.is_empty());
    wrong(&srv, "nobody3@example.com").await;
    wrong(&srv, "nobody4@example.com").await;
    let found = events(&srv, "security.failure_burst_ip").await;
    assert_eq!(found.len(), 1);
    assert_eq!(detections(&srv, "failure_burst_ip").await, "1");
    let mail = srv.outbox().await;
    let to_operator = mail
        .iter()
        .filter(|m| m.kind == "security-alert" && m.to == OPERATOR)
        .count();
    assert_eq!(to_operator, 2);
}

async fn sign_in_from_a_new_device(backend: Backend) {
    let srv = server(backend).await;
    let user = srv.sign_up("Dev", "dev@example.com", PASSWORD).await;
    // The same user agent again: not new.
    srv.sign_in("dev@example.com", PASSWORD).await;
    assert!(events(&srv, "security.new_device").await.is_empty());
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .header("user-agent", "Another Browser/2.0")
                .json(&json!({"email": "dev@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let found = events(&srv, "security.new_device").await;
    assert_eq!(found.len(), 1);
    assert_eq!(text(&found[0], "targetUserId"), Some(user.user_id.as_str()));
    assert_eq!(text(&found[0], "userAgent"), Some("Another Browser/2.0"));
    assert_eq!(detections(&srv, "new_device").await, "1");
}

async fn sign_in_from(srv: &TestServer, ip: &str) {
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .header("x-forwarded-for", ip)
                .json(&json!({"email": "trav@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
}

async fn impossible_travel_with_a_geoip_file(backend: Backend) {
    let geoip = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/geoip/GeoIP2-City-Test.mmdb"
    );
    let srv = TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .env("GEOIP_DATABASE", geoip)
        .env("TRUSTED_PROXIES", "127.0.0.1")
        .env("DETECT_NEW_DEVICE", "false")
        .start()
        .await;
    let user = srv.sign_up("Trav", "trav@example.com", PASSWORD).await;
    // London, then Milton (WA) an hour later: about 7,700 km in an hour.
    sign_in_from(&srv, "81.2.69.142").await;
    srv.clock.advance(chrono::Duration::hours(1));
    assert!(events(&srv, "security.impossible_travel").await.is_empty());
    sign_in_from(&srv, "216.160.83.56").await;
    let found = events(&srv, "security.impossible_travel").await;
    assert_eq!(found.len(), 1);
    assert_eq!(text(&found[0], "severity"), Some("critical"));
    assert_eq!(text(&found[0], "targetUserId"), Some(user.user_id.as_str()));
    assert_eq!(text(&found[0], "ipAddress"), Some("216.160.83.56"));
    assert_eq!(detections(&srv, "impossible_travel").await, "1");
    let mail = srv.outbox().await;
    assert!(
        mail.iter()
            .any(|m| m.kind == "security-alert" && m.to == "trav@example.com"),
        "the user is told"
    );
    // Back to London a day later: 320 km/h, a flight; nothing more.
    srv.clock.advance(chrono::Duration::hours(24));
    sign_in_from(&srv, "81.2.69.142").await;
    assert_eq!(events(&srv, "security.impossible_travel").await.len(), 1);
    // Addresses the file does not know are left alone.
    sign_in_from(&srv, "10.0.0.1").await;
    assert_eq!(events(&srv, "security.impossible_travel").await.len(), 1);
}
