//! The plugin seam, end to end: a before-hook that answers or authenticates, an issue hook that
//! holds a session back, the announcement of issued sessions (login metric, audit hook), the
//! typed request state, and the movable clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use portcullis_core::issue::PendingSession;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::session::SessionWithUser;
use portcullis_core::{
    ApiError, AuthContext, AuthRequest, AuthResponse, Before, IssuedSession, Plugin,
};
use portcullis_storage::{Value, Where};
use serde_json::{Value as Json, json};

use portcullis_testkit::prelude::*;

/// A plugin written the way a real one would be, to prove what the seam lets it do.
#[derive(Default)]
struct Probe {
    issued: AtomicUsize,
    after_saw_issued: AtomicUsize,
}

/// A plugin value carried in the request state from the before-hook to the after-hook.
#[derive(Clone)]
struct SeenBefore(&'static str);

#[async_trait]
impl Plugin for Probe {
    fn id(&self) -> &'static str {
        "probe"
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            before: HookScope::Paths(&["/list-accounts", "/sign-in/email", "/sign-up/email"]),
            after: HookScope::Prefixes(&["/sign-in", "/sign-up"]),
            issue: true,
            brand: HookScope::Never,
            sessions_ended: false,
        }
    }

    async fn before(&self, ctx: &AuthContext, req: &mut AuthRequest) -> Result<Before, ApiError> {
        req.state.insert(SeenBefore("probe"));
        if req.header("x-probe-answer").is_some() {
            return Ok(Before::Respond(AuthResponse::json(
                json!({"probe": "answered"}),
            )));
        }
        // An API key standing for a user: `x-probe-user: <user id>`.
        let Some(user_id) = req.header("x-probe-user").map(str::to_owned) else {
            return Ok(Before::Continue);
        };
        let Some(user) = ctx
            .adapter
            .find_one("user", &[Where::eq("id", user_id.as_str())])
            .await?
        else {
            return Err(ApiError::unauthorized());
        };
        let mut session = portcullis_storage::Row::new();
        session.insert("id".into(), "probe-key".into());
        session.insert("userId".into(), user_id.as_str().into());
        session.insert("token".into(), "probe-key".into());
        session.insert(
            "expiresAt".into(),
            Value::Date(ctx.now() + chrono::Duration::minutes(5)),
        );
        Ok(Before::Authenticate(SessionWithUser {
            session: session.into(),
            user: user.into(),
            token: "probe-key".into(),
            from_cookie_cache: false,
        }))
    }

    async fn hold_session(
        &self,
        _ctx: &AuthContext,
        _req: &AuthRequest,
        pending: &PendingSession<'_>,
    ) -> Result<Option<AuthResponse>, ApiError> {
        let email = pending
            .user
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(email.starts_with("held-").then(|| {
            AuthResponse::json(json!({"challenge": "second-factor", "method": pending.method}))
        }))
    }

    async fn session_issued(&self, _ctx: &AuthContext, _req: &AuthRequest, _: &IssuedSession) {
        self.issued.fetch_add(1, Ordering::SeqCst);
    }

    async fn after(&self, _ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        let before = req.state.get::<SeenBefore>().map(|s| s.0);
        if let Some(issued) = req.state.issued() {
            self.after_saw_issued.fetch_add(1, Ordering::SeqCst);
            res.headers
                .push(("x-probe-issued".into(), issued.method.into()));
            res.headers
                .push(("x-probe-user".into(), issued.session.user_id().into()));
        }
        if let Some(tag) = before {
            res.headers.push(("x-probe-before".into(), tag.into()));
        }
    }
}

async fn probe_server(srv: &TestServer) -> (TestServer, Arc<Probe>) {
    let probe = Arc::new(Probe::default());
    let server = start_with_plugins(srv.backend, &[], vec![probe.clone()])
        .await
        .expect("the backend of the running test is available");
    (server, probe)
}

pub async fn issuance_is_held_or_announced_once(srv: &TestServer) {
    let (srv, probe) = probe_server(srv).await;

    // A user whose session the plugin holds back: sign-up creates the user, not the session.
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Held", "email": "held-one@example.com", "password": "held-password-1"}),
        )
        .await;
    assert_json(
        &res,
        200,
        json!({"challenge": "second-factor", "method": "email"}),
    );
    assert_no_set_cookie(&res);
    assert_eq!(
        srv.count("user", &[Where::eq("email", "held-one@example.com")])
            .await,
        1
    );
    assert_eq!(srv.count("session", &[]).await, 0, "no session was created");
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "held-one@example.com", "password": "held-password-1"}),
        )
        .await;
    assert_json(
        &res,
        200,
        json!({"challenge": "second-factor", "method": "email"}),
    );
    assert_eq!(srv.count("session", &[]).await, 0);
    assert_eq!(probe.issued.load(Ordering::SeqCst), 0, "nothing announced");

    // An ordinary user: issued once at sign-up, once at sign-in; the after-hook reads the
    // typed state (the issued session and the before-hook's value), not the JSON body.
    let up = srv
        .sign_up("Free", "free@example.com", "free-password-1")
        .await;
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "free@example.com", "password": "free-password-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("x-probe-issued"), Some("email"));
    assert_eq!(res.header("x-probe-user"), Some(up.user_id.as_str()));
    assert_eq!(res.header("x-probe-before"), Some("probe"));
    assert_eq!(probe.issued.load(Ordering::SeqCst), 2);
    assert_eq!(probe.after_saw_issued.load(Ordering::SeqCst), 2);

    // A wrong password issues nothing and announces nothing.
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "free@example.com", "password": "wrong-password-1"}),
        )
        .await;
    assert_eq!(res.status, 401);
    assert_eq!(res.header("x-probe-issued"), None);
    assert_eq!(probe.issued.load(Ordering::SeqCst), 2);

    // The login metric counts the way in, once per session really issued.
    let metrics = srv.app.ctx.metrics.render();
    assert!(
        metrics.contains(r#"auth_login_attempts_total{method="email",status="success"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"auth_login_attempts_total{method="email",status="failure"} 1"#),
        "{metrics}"
    );
}

pub async fn before_hooks_answer_or_authenticate(srv: &TestServer) {
    let (srv, _probe) = probe_server(srv).await;
    let up = srv
        .sign_up("Keyed", "keyed@example.com", "keyed-password-1")
        .await;

    // Answered by the hook: the handler never runs.
    let res = srv
        .send(Request::get("/api/auth/list-accounts").header("x-probe-answer", "1"))
        .await;
    assert_json(&res, 200, json!({"probe": "answered"}));

    // Authenticated by the hook, without any cookie: the endpoint's session rule is met.
    let res = srv
        .send(Request::get("/api/auth/list-accounts").header("x-probe-user", &up.user_id))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let accounts = res.json();
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
    assert_eq!(accounts[0]["providerId"], "credential");
    assert_eq!(accounts[0]["userId"], Json::from(up.user_id.as_str()));

    // A hook error answers the request.
    let res = srv
        .send(Request::get("/api/auth/list-accounts").header("x-probe-user", "nobody"))
        .await;
    assert_unauthorized(&res);
    // And without the hook's header, no session at all.
    assert_unauthorized(&srv.send(Request::get("/api/auth/list-accounts")).await);
}

pub async fn the_clock_expires_sessions_without_waiting(srv: &TestServer) {
    let up = srv
        .sign_up("Clock", "clock@example.com", "clock-password-1")
        .await;
    let cookie = srv.session_cookie_for(&up.token);
    let session =
        || srv.send(Request::get("/api/auth/get-session?disableCookieCache=true").cookie(&cookie));
    let first = session().await.json();
    assert_eq!(first["user"]["id"], Json::from(up.user_id.as_str()));
    let expires = parse_date(&first["session"]["expiresAt"]);
    // Six days on, the session is still live (seven by default) and, older than a day, its
    // expiry is pushed out from the moved clock.
    srv.clock.advance(chrono::Duration::days(6));
    let later = session().await.json();
    assert_eq!(
        later["user"]["id"],
        Json::from(up.user_id.as_str()),
        "{later}"
    );
    let refreshed = parse_date(&later["session"]["expiresAt"]);
    assert!(
        refreshed >= expires + chrono::Duration::days(6),
        "{expires} -> {refreshed}"
    );
    // Past its new expiry it is gone, its row deleted, and the browser told to forget it.
    srv.clock.advance(chrono::Duration::days(8));
    let res = session().await;
    assert_eq!(res.text(), "null", "{}", res.describe());
    assert_clears_session(&res);
    assert_eq!(
        srv.count("session", &[Where::eq("userId", up.user_id.as_str())])
            .await,
        0
    );
}
