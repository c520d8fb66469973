//! The example app against the real Portcullis, in-process on each backend: its routes take
//! users by session cookie, bearer session token, JWT and API key; missing, bad, expired and
//! tampered credentials get 401; a signed-out session stops working within the client's cache
//! TTL; an unknown `kid` fetches the key set again, at most once per interval.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use portcullis_client::{Authenticator, Clock, Config};
use portcullis_plugins::jwt::Jwt;
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "client-password-123";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("cookie_bearer_and_jwt_reach_the_routes", |b| {
            Box::pin(cookie_bearer_and_jwt_reach_the_routes(b))
        })
        .per_backend("bad_expired_and_tampered_credentials_get_401", |b| {
            Box::pin(bad_expired_and_tampered_credentials_get_401(b))
        })
        .per_backend(
            "a_signed_out_session_stops_working_within_the_cache_ttl",
            |b| Box::pin(a_signed_out_session_stops_working_within_the_cache_ttl(b)),
        )
        .per_backend(
            "an_unknown_kid_fetches_the_key_set_at_most_once_per_interval",
            |b| Box::pin(an_unknown_kid_fetches_the_key_set_at_most_once_per_interval(b)),
        )
        .test("an_unreachable_server_is_503_not_401", || {
            Box::pin(an_unreachable_server_is_503_not_401())
        })
        .per_backend("an_api_key_reaches_the_routes_until_it_is_deleted", |b| {
            Box::pin(an_api_key_reaches_the_routes_until_it_is_deleted(b))
        })
        .run()
}

async fn portcullis(backend: Backend, extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .env("ENABLE_JWT", "true")
        .envs(extra.iter().copied())
        .start()
        .await
}

/// The example app, served in-process on a random port, trusting `srv`.
struct App {
    addr: SocketAddr,
    http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for App {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Reply {
    status: u16,
    www_authenticate: Option<String>,
    body: Value,
}

impl App {
    async fn start(config: Config) -> App {
        let auth = Authenticator::new(config).expect("client settings");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let router = portcullis_example_axum::router(&auth);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                eprintln!("example app stopped: {e}");
            }
        });
        App {
            addr,
            http: reqwest::Client::new(),
            task,
        }
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.get(format!("http://{}{path}", self.addr));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("the example app answers");
        let status = res.status().as_u16();
        let www_authenticate = res
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.json().await.expect("a JSON answer");
        Reply {
            status,
            www_authenticate,
            body,
        }
    }
}

#[track_caller]
fn assert_refused(reply: &Reply, code: &str) {
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.body["code"], code, "{}", reply.body);
    assert!(reply.body["message"].is_string(), "{}", reply.body);
    assert_eq!(reply.www_authenticate.as_deref(), Some("Bearer"));
}

/// A JWT for the agent's session, from `GET /api/auth/token`.
async fn jwt(agent: &mut Agent<'_>) -> String {
    let res = agent.get("/api/auth/token").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()["token"].as_str().expect("token").to_owned()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn cookie_bearer_and_jwt_reach_the_routes(backend: Backend) {
    let srv = portcullis(backend, &[]).await;
    let app = App::start(Config::new(&srv.base)).await;
    let signed_up = srv.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let cookie = srv.session_cookie_for(&signed_up.token);
    let session_id = srv.session_of(&signed_up.token).await["session"]["id"].clone();

    let by_cookie = app.get("/me", &[("cookie", &cookie)]).await;
    assert_eq!(by_cookie.status, 200, "{}", by_cookie.body);
    assert_eq!(
        by_cookie.body,
        json!({"id": signed_up.user_id, "email": "ada@example.com", "name": "Ada",
               "method": "session-cookie", "sessionId": session_id})
    );
    let session = app.get("/session", &[("cookie", &cookie)]).await;
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.body["sessionId"], session_id);
    assert_eq!(session.body["userId"], signed_up.user_id.as_str());

    let by_bearer = app
        .get("/me", &[("authorization", &bearer(&signed_up.bearer))])
        .await;
    assert_eq!(by_bearer.status, 200, "{}", by_bearer.body);
    assert_eq!(by_bearer.body["method"], "bearer-token");
    assert_eq!(by_bearer.body["id"], signed_up.user_id.as_str());
    assert_eq!(by_bearer.body["sessionId"], session_id);

    let mut agent = srv.agent();
    agent.sign_in("ada@example.com", PASSWORD).await;
    let token = jwt(&mut agent).await;
    let by_jwt = app.get("/me", &[("authorization", &bearer(&token))]).await;
    assert_eq!(by_jwt.status, 200, "{}", by_jwt.body);
    assert_eq!(
        by_jwt.body,
        json!({"id": signed_up.user_id, "email": "ada@example.com", "name": "Ada",
               "method": "jwt", "sessionId": null})
    );
    // A JWT names a user, not a session.
    let no_session = app
        .get("/session", &[("authorization", &bearer(&token))])
        .await;
    assert_refused(&no_session, "SESSION_REQUIRED");

    // The public page greets whoever it is, and a guest.
    let home = app.get("/", &[("authorization", &bearer(&token))]).await;
    assert_eq!(
        home.body,
        json!({"signedIn": true, "greeting": "Hello, Ada"})
    );
    let guest = app.get("/", &[]).await;
    assert_eq!(guest.status, 200);
    assert_eq!(guest.body["signedIn"], false);

    // The layer itself guards the reports.
    assert_refused(&app.get("/reports/daily", &[]).await, "UNAUTHORIZED");
    let report = app.get("/reports/daily", &[("cookie", &cookie)]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.body["report"], "daily");
}

async fn bad_expired_and_tampered_credentials_get_401(backend: Backend) {
    let srv = portcullis(backend, &[]).await;
    let app = App::start(Config::new(&srv.base)).await;
    srv.sign_up("Bo", "bo@example.com", PASSWORD).await;

    assert_refused(&app.get("/me", &[]).await, "UNAUTHORIZED");
    assert_refused(&app.get("/session", &[]).await, "UNAUTHORIZED");
    // A cookie the server never issued, and one whose signature is wrong.
    let unknown = srv.session_cookie_for("NoSuchSessionTokenNoSuchSession0");
    assert_refused(
        &app.get("/me", &[("cookie", &unknown)]).await,
        "INVALID_SESSION",
    );
    assert_refused(
        &app.get(
            "/me",
            &[("cookie", &format!("{SESSION_COOKIE}=forged.c2ln"))],
        )
        .await,
        "INVALID_SESSION",
    );
    assert_refused(
        &app.get("/me", &[("authorization", "Bearer forged.c2ln")])
            .await,
        "INVALID_SESSION",
    );
    // A stale cookie on a public page is a guest, not an error.
    let home = app.get("/", &[("cookie", &unknown)]).await;
    assert_eq!(home.status, 200);
    assert_eq!(home.body["signedIn"], false);

    let mut agent = srv.agent();
    agent.sign_in("bo@example.com", PASSWORD).await;
    let token = jwt(&mut agent).await;
    assert_eq!(
        app.get("/me", &[("authorization", &bearer(&token))])
            .await
            .status,
        200
    );
    // Another payload under the same signature.
    let parts: Vec<&str> = token.split('.').collect();
    let other = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": "someone-else"}),
        &jsonwebtoken::EncodingKey::from_secret(b"x"),
    )
    .expect("a token");
    let other_payload = other.split('.').nth(1).expect("payload");
    let tampered = format!("{}.{other_payload}.{}", parts[0], parts[2]);
    assert_refused(
        &app.get("/me", &[("authorization", &bearer(&tampered))])
            .await,
        "INVALID_TOKEN",
    );
    // Forgeries that keep the real key's `kid` and the real claims (ASVS V3.5.3): no
    // signature (`alg: none`), an HMAC keyed with the published public key, and a header
    // naming an algorithm other than the key's. And a `kid` the key set does not have.
    let b64 = |v: &Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let kid = jsonwebtoken::decode_header(&token)
        .expect("header")
        .kid
        .expect("kid");
    let payload = parts[1];
    let none = format!(
        "{}.{payload}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": kid}))
    );
    let other_alg = format!(
        "{}.{payload}.{}",
        b64(&json!({"alg": "ES256", "typ": "JWT", "kid": kid})),
        parts[2]
    );
    let unknown_kid = format!(
        "{}.{payload}.{}",
        b64(&json!({"alg": "EdDSA", "typ": "JWT", "kid": "not-a-key-of-the-set"})),
        parts[2]
    );
    let jwks = srv.send(Request::get("/api/auth/jwks")).await.json();
    let public = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid.as_str()))
        .expect("the token's key is published")
        .clone();
    // With its empty signature, the `none` token is not even taken for a JWT: it is tried as a
    // session token, and refused as one.
    assert_refused(
        &app.get("/me", &[("authorization", &bearer(&none))]).await,
        "INVALID_SESSION",
    );
    let mut forgeries = vec![other_alg, unknown_kid];
    // HS256 under the public key, as its JWK text and as its raw `x`.
    for secret in [
        public.to_string(),
        public["x"].as_str().unwrap_or("x").to_owned(),
    ] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(kid.clone());
        let claims: Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .expect("payload"),
        )
        .expect("claims");
        forgeries.push(
            jsonwebtoken::encode(
                &header,
                &claims,
                &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
            )
            .expect("an HMAC token"),
        );
    }
    for forged in &forgeries {
        assert_refused(
            &app.get("/me", &[("authorization", &bearer(forged))]).await,
            "INVALID_TOKEN",
        );
    }
    // The same token for a client expecting another audience.
    let elsewhere = App::start(Config::new(&srv.base).jwt_audience("https://other.example")).await;
    assert_refused(
        &elsewhere
            .get("/me", &[("authorization", &bearer(&token))])
            .await,
        "INVALID_TOKEN",
    );
    // A token issued 20 minutes ago expired 5 minutes ago (15-minute life).
    srv.clock.advance(Span::minutes(-20));
    let expired = jwt(&mut agent).await;
    srv.clock.advance(Span::minutes(20));
    assert_refused(
        &app.get("/me", &[("authorization", &bearer(&expired))])
            .await,
        "INVALID_TOKEN",
    );
}

async fn a_signed_out_session_stops_working_within_the_cache_ttl(backend: Backend) {
    let srv = portcullis(backend, &[]).await;
    let cached =
        App::start(Config::new(&srv.base).session_cache_ttl(Duration::from_secs(600))).await;
    let uncached = App::start(Config::new(&srv.base).session_cache_ttl(Duration::ZERO)).await;
    // The brief cache's clock is the test's: moving it expires answers without sleeping.
    let moved = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let offset = moved.clone();
    let clock = Clock::new(move || start + Duration::from_millis(offset.load(Ordering::SeqCst)));
    let brief = App::start(
        Config::new(&srv.base)
            .session_cache_ttl(Duration::from_secs(30))
            .clock(clock),
    )
    .await;
    let mut agent = srv.agent();
    agent.sign_up("Cy", "cy@example.com", PASSWORD).await;
    let cookie = agent.cookie_header();
    let mut issued_jwt = srv.agent();
    issued_jwt.sign_in("cy@example.com", PASSWORD).await;
    let token = jwt(&mut issued_jwt).await;
    issued_jwt.sign_out().await;
    for app in [&cached, &uncached, &brief] {
        let me = app.get("/me", &[("cookie", &cookie)]).await;
        assert_eq!(me.status, 200, "{}", me.body);
    }

    agent.sign_out().await;
    // With no cache the sign-out is seen at once ...
    assert_refused(
        &uncached.get("/me", &[("cookie", &cookie)]).await,
        "INVALID_SESSION",
    );
    // ... with a cache, once the answer is older than its TTL (and not before).
    assert_eq!(cached.get("/me", &[("cookie", &cookie)]).await.status, 200);
    moved.fetch_add(29_000, Ordering::SeqCst);
    assert_eq!(
        brief.get("/me", &[("cookie", &cookie)]).await.status,
        200,
        "29 s: still cached"
    );
    moved.fetch_add(2_000, Ordering::SeqCst);
    assert_refused(
        &brief.get("/me", &[("cookie", &cookie)]).await,
        "INVALID_SESSION",
    );
    // A JWT is not revoked by signing out: it is valid until it expires.
    let by_jwt = uncached
        .get("/me", &[("authorization", &bearer(&token))])
        .await;
    assert_eq!(by_jwt.status, 200, "{}", by_jwt.body);
}

async fn an_unreachable_server_is_503_not_401() {
    // A port nothing listens on any more.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let app = App::start(Config::new(format!("http://127.0.0.1:{port}"))).await;
    let cookie = format!("{SESSION_COOKIE}=token.c2ln");
    for path in ["/me", "/"] {
        let reply = app.get(path, &[("cookie", &cookie)]).await;
        assert_eq!(reply.status, 503, "{path}: {}", reply.body);
        assert_eq!(reply.body["code"], "AUTH_UNAVAILABLE");
    }
    let token = junk_kid_token(0);
    let reply = app.get("/me", &[("authorization", &bearer(&token))]).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    // No credential needs no server.
    assert_refused(&app.get("/me", &[]).await, "UNAUTHORIZED");
}

/// How many times the key set was fetched, from Portcullis's own metrics.
async fn key_set_fetches(srv: &TestServer) -> u64 {
    let res = srv.send(Request::get("/metrics")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.text()
        .lines()
        .filter(|l| l.starts_with("http_requests_total") && l.contains("/jwks"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// A well-formed JWT under a key id Portcullis never had.
fn junk_kid_token(n: usize) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(format!("made-up-{n}"));
    jsonwebtoken::encode(
        &header,
        &json!({"sub": "x", "exp": 4_000_000_000u64}),
        &jsonwebtoken::EncodingKey::from_secret(b"junk"),
    )
    .expect("a token")
}

async fn an_unknown_kid_fetches_the_key_set_at_most_once_per_interval(backend: Backend) {
    let srv = portcullis(backend, &[]).await;
    let patient =
        App::start(Config::new(&srv.base).jwks_refetch_interval(Duration::from_secs(3600))).await;
    let eager = App::start(Config::new(&srv.base).jwks_refetch_interval(Duration::ZERO)).await;
    let mut agent = srv.agent();
    agent.sign_up("Di", "di@example.com", PASSWORD).await;
    let first = jwt(&mut agent).await;
    let before = key_set_fetches(&srv).await;
    for app in [&patient, &eager] {
        let me = app.get("/me", &[("authorization", &bearer(&first))]).await;
        assert_eq!(me.status, 200, "{}", me.body);
    }
    assert_eq!(key_set_fetches(&srv).await, before + 2, "one fetch each");

    // Made-up key ids: refused, and the patient client does not ask again.
    for n in 0..5 {
        let junk = bearer(&junk_kid_token(n));
        assert_refused(
            &patient.get("/me", &[("authorization", &junk)]).await,
            "INVALID_TOKEN",
        );
    }
    assert_eq!(key_set_fetches(&srv).await, before + 2, "no fetch for junk");
    // Known keys keep verifying from the cache.
    let me = patient
        .get("/me", &[("authorization", &bearer(&first))])
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(key_set_fetches(&srv).await, before + 2);

    // After a rotation, a token under the new key makes the eager client fetch the set again,
    // and both tokens verify.
    let new_kid = srv
        .app
        .ctx
        .plugin::<Jwt>()
        .expect("the jwt plugin is on")
        .rotate(&srv.app.ctx)
        .await
        .expect("rotates");
    let second = jwt(&mut agent).await;
    assert_eq!(
        jsonwebtoken::decode_header(&second).expect("header").kid,
        Some(new_kid)
    );
    for token in [&second, &first] {
        let me = eager.get("/me", &[("authorization", &bearer(token))]).await;
        assert_eq!(me.status, 200, "{}", me.body);
    }
    assert_eq!(key_set_fetches(&srv).await, before + 3);
    // The patient client waits out its interval before it learns the new key.
    assert_refused(
        &patient
            .get("/me", &[("authorization", &bearer(&second))])
            .await,
        "INVALID_TOKEN",
    );
    assert_eq!(key_set_fetches(&srv).await, before + 3);
}

/// The api-key plugin's wire contract: with `API_KEY_ENABLE_SESSIONS=true`, get-session with
/// `x-api-key: <key>` answers the key owner's `{session, user}`.
async fn an_api_key_reaches_the_routes_until_it_is_deleted(backend: Backend) {
    let srv = portcullis(
        backend,
        &[
            ("ENABLE_API_KEY", "true"),
            ("API_KEY_ENABLE_SESSIONS", "true"),
        ],
    )
    .await;
    let app = App::start(Config::new(&srv.base).session_cache_ttl(Duration::ZERO)).await;
    let mut agent = srv.agent();
    let (_, user_id) = agent.sign_up("Eve", "eve@example.com", PASSWORD).await;
    let created = agent
        .post("/api/auth/api-key/create", json!({"name": "reports"}))
        .await;
    assert_eq!(created.status, 200, "{}", created.describe());
    let key = created.json()["key"].as_str().expect("key").to_owned();
    let key_id = created.json()["id"].as_str().expect("id").to_owned();

    let me = app.get("/me", &[("x-api-key", &key)]).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["method"], "api-key");
    assert_eq!(me.body["id"], user_id.as_str());
    assert_refused(
        &app.get("/me", &[("x-api-key", "not-a-key")]).await,
        "INVALID_API_KEY",
    );

    let deleted = agent
        .post("/api/auth/api-key/delete", json!({"keyId": key_id}))
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.describe());
    assert_refused(
        &app.get("/me", &[("x-api-key", &key)]).await,
        "INVALID_API_KEY",
    );
}
