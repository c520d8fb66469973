//! The benchmark floor: the least an HTTP server on this machine can do for the two requests the
//! benchmark cares about most.
//!
//! - `GET /ok` answers `{"ok":true}`, like `/api/auth/ok`.
//! - `GET /session` reads the `better-auth.session_token` cookie (`<token>.<anything>`), looks the
//!   token up in an in-memory map and answers the session and its user as JSON, in the shape of
//!   Better Auth's get-session. An unknown or missing token is a 401, so that a load generator
//!   counts it as an error.
//!
//! The map is seeded at start with `FLOOR_SESSIONS` sessions (default 10000) whose tokens are
//! `floor` followed by the session number, zero-padded to 32 characters (see [`token`]).
//! Env: `HOST` (127.0.0.1), `PORT` (8788), `FLOOR_SESSIONS`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde::Serialize;

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    id: String,
    expires_at: String,
    token: String,
    created_at: String,
    updated_at: String,
    ip_address: String,
    user_agent: String,
    user_id: String,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct User {
    id: String,
    name: String,
    email: String,
    email_verified: bool,
    image: Option<String>,
    created_at: String,
    updated_at: String,
}

#[derive(Clone, Serialize)]
struct SessionWithUser {
    session: Session,
    user: User,
}

/// Sessions by token. A lock, because a real cache is written as well as read.
type Sessions = Arc<RwLock<HashMap<String, SessionWithUser>>>;

const COOKIE: &str = "better-auth.session_token";

/// The token of session number `i`: 32 characters, as Better Auth's are.
fn token(i: usize) -> String {
    format!("floor{i:027}")
}

fn seed(n: usize) -> HashMap<String, SessionWithUser> {
    let stamp = "2025-01-01T00:00:00.000Z".to_owned();
    let expires = "2099-01-01T00:00:00.000Z".to_owned();
    (0..n)
        .map(|i| {
            let user_id = format!("user{i:028}");
            let entry = SessionWithUser {
                session: Session {
                    id: format!("sess{i:028}"),
                    expires_at: expires.clone(),
                    token: token(i),
                    created_at: stamp.clone(),
                    updated_at: stamp.clone(),
                    ip_address: "127.0.0.1".to_owned(),
                    user_agent: "wrk".to_owned(),
                    user_id: user_id.clone(),
                },
                user: User {
                    id: user_id,
                    name: format!("Bench User {i}"),
                    email: format!("user{i}@bench.test"),
                    email_verified: false,
                    image: None,
                    created_at: stamp.clone(),
                    updated_at: stamp.clone(),
                },
            };
            (token(i), entry)
        })
        .collect()
}

/// The token part of the session cookie, if the request has one.
fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.split('.').next().unwrap_or(value))
}

async fn ok() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

async fn session(State(sessions): State<Sessions>, headers: HeaderMap) -> Response {
    let found = session_token(&headers).and_then(|t| {
        sessions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(t)
            .cloned()
    });
    match found {
        Some(s) => Json(s).into_response(),
        None => (StatusCode::UNAUTHORIZED, Json(serde_json::Value::Null)).into_response(),
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| {
            eprintln!("bench-floor: {name} is not valid: {v}");
            std::process::exit(2)
        }),
        Err(_) => default,
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let host: String = env_or("HOST", "127.0.0.1".to_owned());
    let port: u16 = env_or("PORT", 8788);
    let n: usize = env_or("FLOOR_SESSIONS", 10_000);
    let sessions: Sessions = Arc::new(RwLock::new(seed(n)));
    let app = Router::new()
        .route("/ok", get(ok))
        .route("/session", get(session))
        .with_state(sessions);
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
    eprintln!(
        "bench-floor on http://{} with {n} sessions",
        listener.local_addr()?
    );
    axum::serve(listener, app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_characters() {
        assert_eq!(token(0).len(), 32);
        assert_eq!(token(123_456).len(), 32);
    }

    #[test]
    fn reads_the_token_from_the_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=b; better-auth.session_token=floor1.sig%3D; c=d"
                .parse()
                .unwrap(),
        );
        assert_eq!(session_token(&h), Some("floor1"));
        assert_eq!(session_token(&HeaderMap::new()), None);
    }
}
