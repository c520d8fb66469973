//! A browser-like client: a cookie jar, this server's Origin on POSTs, a user agent.

use serde_json::{Value, json};

use crate::client::{Request, Response};
use crate::server::{TestServer, USER_AGENT};

/// A cookie-keeping client (`srv.agent()`). POSTs carry `Origin` (the server's own, unless
/// changed) and every request a user agent.
pub struct Agent<'a> {
    pub srv: &'a TestServer,
    /// (name, value as sent by the server, still URL-encoded)
    pub jar: Vec<(String, String)>,
    pub origin: Option<String>,
}

impl Agent<'_> {
    pub fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn absorb(&mut self, res: &Response) {
        for c in res.set_cookies() {
            self.jar.retain(|(n, _)| *n != c.name);
            if !c.is_deletion() {
                self.jar.push((c.name, c.value));
            }
        }
    }

    pub async fn send(&mut self, mut req: Request) -> Response {
        if !self.jar.is_empty() && !req.has_header("cookie") {
            req = req.cookie(&self.cookie_header());
        }
        if req.method != "GET"
            && !req.has_header("origin")
            && let Some(o) = &self.origin
        {
            req = req.origin(o);
        }
        if !req.has_header("user-agent") {
            req = req.header("user-agent", USER_AGENT);
        }
        let res = self.srv.send(req).await;
        self.absorb(&res);
        res
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send(Request::get(path)).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Response {
        self.send(Request::post(path).json(&body)).await
    }

    /// Signs in through this agent; returns the raw token.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> String {
        let res = self
            .post(
                "/api/auth/sign-in/email",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status, 200, "sign-in {email}: {}", res.describe());
        res.json()["token"].as_str().expect("token").to_owned()
    }

    /// Signs up through this agent; returns (raw token, user id).
    pub async fn sign_up(&mut self, name: &str, email: &str, password: &str) -> (String, String) {
        let res = self
            .post(
                "/api/auth/sign-up/email",
                json!({"name": name, "email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status, 200, "sign-up {email}: {}", res.describe());
        let body = res.json();
        (
            body["token"].as_str().expect("token").to_owned(),
            body["user"]["id"].as_str().expect("id").to_owned(),
        )
    }

    /// `GET /api/auth/get-session` through this agent (its cookies, the cookie cache allowed):
    /// the `{session, user}` body, or `None` when the server answers `null`.
    pub async fn get_session(&mut self) -> Option<Value> {
        let res = self.get("/api/auth/get-session").await;
        assert_eq!(res.status, 200, "get-session: {}", res.describe());
        Some(res.json()).filter(|v| !v.is_null())
    }

    /// The signed-in user's email, read with get-session from the database (no cookie cache).
    pub async fn session_email(&mut self) -> Option<String> {
        let res = self
            .get("/api/auth/get-session?disableCookieCache=true")
            .await;
        assert_eq!(res.status, 200, "get-session: {}", res.describe());
        res.json()["user"]["email"].as_str().map(str::to_owned)
    }

    /// `POST /api/auth/sign-out` through this agent; its cookies are cleared.
    pub async fn sign_out(&mut self) {
        let res = self.post("/api/auth/sign-out", json!({})).await;
        assert_eq!(res.status, 200, "sign-out: {}", res.describe());
    }
}
