//! The JSON access log (as `LOG_FORMAT=json` writes it) has request id, route, method, status,
//! latency and user id, and none of: password, session token, cookie, query string, raw path,
//! email address (deferred work that fails logs the address's hash).
//!
//! Its own test binary with a single test: tracing caches a callsite's interest globally, and
//! with only one (thread-scoped) subscriber in the process another test thread could cache
//! "never" for the access-log callsite.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use portcullis_testkit::client::Request;
use portcullis_testkit::{Backend, TestServer};

const PASSWORD: &str = "Obs3rvab1lity-Passw0rd!";
const DEFERRED_ADDRESS: &str = "deferred-secret@example.com";

/// Collects everything a tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// A current-thread runtime keeps the server's tasks on this thread, under this subscriber.
#[tokio::test]
async fn json_access_log_has_fields_and_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let srv = TestServer::start(Backend::Sqlite).await;
    let mut a = srv.agent();
    let (signup_token, user_id) = a.sign_up("Logs", "logs@example.com", PASSWORD).await;
    let signin_token = a.sign_in("logs@example.com", PASSWORD).await;
    let cookie = a.cookie_header();
    let res = a
        .get("/api/auth/get-session?disableCookieCache=QUERYSECRET789")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .header("x-request-id", "nginx-req-0001")
                .json(&json!({"email": "logs@example.com", "password": "Wrong-Passw0rd-Secret"})),
        )
        .await;
    assert_eq!(res.status, 401);
    assert_eq!(res.header("x-request-id"), Some("nginx-req-0001"));
    srv.send(Request::get("/api/auth/reset-password/PATHSECRET123"))
        .await;
    // Work done after the answer: a reset link for the account, and a job that fails. Its
    // failure is logged by kind and the address's hash, never the address.
    let res = srv
        .send(
            Request::post("/api/auth/request-password-reset")
                .json(&json!({"email": "logs@example.com"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.app.ctx.defer(
        "log-check",
        Some(DEFERRED_ADDRESS.to_owned()),
        |_ctx| async { Err(portcullis_core::ApiError::internal()) },
    );
    srv.settle().await;
    drop(srv);

    let text = captured.text();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    let find = |route: &str, status: u64| {
        access
            .iter()
            .find(|l| l["route"] == route && l["status"] == status)
            .unwrap_or_else(|| panic!("no access line for {route} {status} in:\n{text}"))
    };
    let sign_in = find("/api/auth/sign-in/email", 200);
    assert_eq!(sign_in["method"], "POST");
    assert_eq!(sign_in["user_id"], user_id.as_str());
    assert_eq!(sign_in["level"], "INFO");
    assert!(sign_in["latency_ms"].as_f64().is_some(), "{sign_in}");
    assert_eq!(sign_in["request_id"].as_str().map(str::len), Some(16));
    assert_eq!(
        find("/api/auth/sign-up/email", 200)["user_id"],
        user_id.as_str()
    );
    assert_eq!(
        find("/api/auth/get-session", 200)["user_id"],
        user_id.as_str()
    );
    let failed = find("/api/auth/sign-in/email", 401);
    assert_eq!(failed["request_id"], "nginx-req-0001");
    assert!(failed.get("user_id").is_none(), "{failed}");
    assert!(
        access.iter().all(|l| l.get("path").is_none()),
        "raw paths are not logged"
    );

    let failed_job = lines
        .iter()
        .find(|l| l["kind"] == "log-check")
        .unwrap_or_else(|| panic!("no log line for the failed job in:\n{text}"));
    assert_eq!(failed_job["level"], "WARN");
    assert_eq!(
        failed_job["about_sha256"],
        portcullis_core::lockout::email_hash(DEFERRED_ADDRESS).as_str()
    );
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "password-reset" && l["message"] == "message sent"),
        "the reset link went out: {text}"
    );

    for secret in [
        DEFERRED_ADDRESS,
        "logs@example.com",
        PASSWORD,
        "Wrong-Passw0rd-Secret",
        signup_token.as_str(),
        signin_token.as_str(),
        cookie.as_str(),
        "QUERYSECRET789",
        "PATHSECRET123",
        "session_token",
    ] {
        assert!(!text.contains(secret), "log contains `{secret}`:\n{text}");
    }
}
