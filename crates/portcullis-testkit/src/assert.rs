//! Assertions on responses, in Better Auth's exact shapes (status, content type, bytes).

use serde_json::{Value, json};

use crate::client::Response;
use crate::server::{DATA_COOKIE, DONT_REMEMBER_COOKIE, SESSION_COOKIE};

/// A hosted HTML page: 200, text/html, with the CSP that forbids framing.
#[track_caller]
pub fn assert_html(res: &Response) {
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{}",
        res.describe()
    );
    let csp = res
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP: {}", res.describe()));
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

/// Status, JSON content type, and the exact body.
#[track_caller]
pub fn assert_json(res: &Response, status: u16, body: Value) {
    assert_eq!(res.status, status, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "content-type: {}",
        res.describe()
    );
    assert_eq!(res.json(), body, "{}", res.describe());
}

/// Better Auth's `{message, code}` error, keys in that order on the wire.
#[track_caller]
pub fn assert_error(res: &Response, status: u16, code: &str, message: &str) {
    assert_json(res, status, json!({"message": message, "code": code}));
    let expected =
        serde_json::to_string(&json!({"message": message, "code": code})).expect("serialise");
    assert_eq!(res.text(), expected, "key order / exact bytes");
}

#[track_caller]
pub fn assert_validation(res: &Response, message: &str) {
    assert_error(res, 400, "VALIDATION_ERROR", message);
}

#[track_caller]
pub fn assert_unauthorized(res: &Response) {
    assert_error(res, 401, "UNAUTHORIZED", "Unauthorized");
}

/// 404 with an empty body and no content type, as Better Auth's router answers.
#[track_caller]
pub fn assert_empty_404(res: &Response) {
    assert_eq!(res.status, 404, "{}", res.describe());
    assert!(res.body.is_empty(), "{}", res.describe());
    assert_eq!(res.header("content-type"), None, "{}", res.describe());
}

/// An endpoint's answer with nothing to say (an error without a body, a redirect): a
/// zero-length body still sent as `application/json`, as Better Auth's endpoints send it.
#[track_caller]
pub fn assert_empty_json(res: &Response, status: u16) {
    assert_eq!(res.status, status, "{}", res.describe());
    assert!(res.body.is_empty(), "{}", res.describe());
    assert_eq!(
        res.header("content-type"),
        Some("application/json"),
        "{}",
        res.describe()
    );
}

/// The three cookies Better Auth clears when a session ends or is not found.
#[track_caller]
pub fn assert_clears_session(res: &Response) {
    for name in [SESSION_COOKIE, DATA_COOKIE, DONT_REMEMBER_COOKIE] {
        let c = res
            .set_cookie(name)
            .unwrap_or_else(|| panic!("{name} not cleared: {}", res.describe()));
        assert_eq!(
            c.raw,
            format!("{name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"),
            "{}",
            res.describe()
        );
    }
}

#[track_caller]
pub fn assert_no_set_cookie(res: &Response) {
    assert!(
        res.headers_named("set-cookie").is_empty(),
        "unexpected Set-Cookie: {}",
        res.describe()
    );
}

/// `2026-08-23T10:11:12.345Z`
#[track_caller]
pub fn assert_iso_date(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("not a date string: {v}"));
    let b = s.as_bytes();
    let ok = s.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok();
    assert!(ok, "not an ISO date with milliseconds and Z: {s}");
}

pub fn parse_date(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("date string"))
        .expect("rfc3339")
        .with_timezone(&chrono::Utc)
}

/// Sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}
