//! Starts the real server (build_app + serve) on a random port against a fresh database, and
//! tears everything down again — server task, temp directory, PostgreSQL or MySQL database —
//! even when the test panics.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use portcullis_core::cookies::encode_uri_component;
use portcullis_core::crypto::sign;
use portcullis_server::App;
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::client::{self, Request, Response};

pub const SECRET: &str = "it-secret-0123456789abcdefghijklmnopqrstuvwxyz";
pub const APP_NAME: &str = "Zanzibar Gatehouse QA";
pub const TRUSTED_EXTRA_ORIGIN: &str = "http://trusted.example:3000";
pub const USER_AGENT: &str = "portcullis-it/1.0";
pub const SESSION_COOKIE: &str = "better-auth.session_token";
pub const DATA_COOKIE: &str = "better-auth.session_data";
pub const DONT_REMEMBER_COOKIE: &str = "better-auth.dont_remember";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

const PG_URL_VAR: &str = "PORTCULLIS_TEST_POSTGRES_URL";
const PG_REQUIRE_VAR: &str = "PORTCULLIS_REQUIRE_POSTGRES";
const MYSQL_URL_VAR: &str = "PORTCULLIS_TEST_MYSQL_URL";
const MYSQL_REQUIRE_VAR: &str = "PORTCULLIS_REQUIRE_MYSQL";

/// CREATE DATABASE copies template1 and fails while another CREATE DATABASE uses it, so the
/// tests of one binary create their databases one at a time.
static PG_CREATE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn random_lower(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(|b| (b as char).to_ascii_lowercase())
        .collect()
}

/// What a test run needs to clean up.
enum Resource {
    TempDir(PathBuf),
    PgDatabase { admin_url: String, name: String },
    MysqlDatabase { admin_url: String, name: String },
}

/// Runs `work` to completion on a thread with its own runtime: Drop runs inside the test's
/// runtime, which cannot be blocked on. Failures only warn; a test's verdict is already made.
fn run_on_own_runtime<F, Fut>(work: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let res = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(work())
    })
    .join();
    match res {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: could not drop test database {e}"),
        Err(_) => eprintln!("warning: dropping the test database panicked"),
    }
}

fn drop_pg_database(admin_url: String, name: String) {
    run_on_own_runtime(move || async move {
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let _ = conn.close().await;
        Ok(())
    });
}

fn drop_mysql_database(admin_url: String, name: String) {
    run_on_own_runtime(move || async move {
        let mut conn = sqlx::MySqlConnection::connect(&admin_url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let _ = conn.close().await;
        Ok(())
    });
}

impl Drop for Resource {
    fn drop(&mut self) {
        match self {
            Resource::TempDir(p) => {
                let _ = std::fs::remove_dir_all(p);
            }
            Resource::PgDatabase { admin_url, name } => {
                drop_pg_database(admin_url.clone(), name.clone());
            }
            Resource::MysqlDatabase { admin_url, name } => {
                drop_mysql_database(admin_url.clone(), name.clone());
            }
        }
    }
}

/// A running server. Dropping it stops the server and removes its database.
pub struct TestServer {
    pub backend: Backend,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`: the server's own (trusted) origin.
    pub base: String,
    pub app: App,
    /// The engine's clock: `advance` it to expire sessions, codes and tokens without waiting.
    pub clock: std::sync::Arc<portcullis_core::clock::MovableClock>,
    task: tokio::task::JoinHandle<()>,
    // Order matters: the temp dir (holding the data dir and SQLite file) goes last.
    _db: Option<Resource>,
    _dir: Resource,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn pg_admin_url() -> Option<String> {
    let required = std::env::var(PG_REQUIRE_VAR).is_ok_and(|v| v == "1");
    match std::env::var(PG_URL_VAR) {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().to_owned()),
        _ if required => {
            panic!("{PG_REQUIRE_VAR}=1 but {PG_URL_VAR} is not set: the PostgreSQL tests must run")
        }
        _ => None,
    }
}

fn mysql_admin_url() -> Option<String> {
    let required = std::env::var(MYSQL_REQUIRE_VAR).is_ok_and(|v| v == "1");
    match std::env::var(MYSQL_URL_VAR) {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().to_owned()),
        _ if required => {
            panic!("{MYSQL_REQUIRE_VAR}=1 but {MYSQL_URL_VAR} is not set: the MySQL tests must run")
        }
        _ => None,
    }
}

fn with_database(var: &str, admin_url: &str, name: &str) -> String {
    let mut u = url::Url::parse(admin_url).unwrap_or_else(|e| panic!("{var} is not a URL ({e})"));
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// Creates a fresh database; the returned guard drops it.
async fn create_pg_database(admin_url: &str) -> (String, Resource) {
    let name = format!("portcullis_it_{}", random_lower(12));
    let _lock = PG_CREATE_LOCK.lock().await;
    let mut conn = match tokio::time::timeout(
        std::time::Duration::from_secs(10),
        sqlx::PgConnection::connect(admin_url),
    )
    .await
    {
        Ok(Ok(c)) => c,
        // A URL that was given but does not answer is a failure, never a skip.
        Ok(Err(e)) => panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"),
        Err(_) => panic!("{PG_URL_VAR} is set but PostgreSQL did not answer within 10 s"),
    };
    let mut attempt = 0;
    loop {
        match sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 10 && e.to_string().contains("accessed by other users") => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(e) => panic!("CREATE DATABASE {name} failed: {e}"),
        }
    }
    let _ = conn.close().await;
    let guard = Resource::PgDatabase {
        admin_url: admin_url.to_owned(),
        name: name.clone(),
    };
    (with_database(PG_URL_VAR, admin_url, &name), guard)
}

/// Creates a fresh MySQL/MariaDB database; the returned guard drops it. `mariadb://` URLs are
/// accepted as the server accepts them.
async fn create_mysql_database(admin_url: &str) -> (String, Resource) {
    let name = format!("portcullis_it_{}", random_lower(12));
    let connect_url = match admin_url.strip_prefix("mariadb:") {
        Some(rest) => format!("mysql:{rest}"),
        None => admin_url.to_owned(),
    };
    let mut conn = match tokio::time::timeout(
        std::time::Duration::from_secs(10),
        sqlx::MySqlConnection::connect(&connect_url),
    )
    .await
    {
        Ok(Ok(c)) => c,
        // A URL that was given but does not answer is a failure, never a skip.
        Ok(Err(e)) => panic!("{MYSQL_URL_VAR} is set but MySQL is unreachable: {e}"),
        Err(_) => panic!("{MYSQL_URL_VAR} is set but MySQL did not answer within 10 s"),
    };
    sqlx::query(&format!("CREATE DATABASE `{name}`"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
    let _ = conn.close().await;
    let guard = Resource::MysqlDatabase {
        admin_url: connect_url,
        name: name.clone(),
    };
    (with_database(MYSQL_URL_VAR, admin_url, &name), guard)
}

/// Starts a server on `backend`. `None` means: PostgreSQL or MySQL was not asked for, skip.
pub async fn start(backend: Backend) -> Option<TestServer> {
    start_with(backend, &[]).await
}

/// Like `start`, with extra configuration variables.
pub async fn start_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestServer> {
    start_with_plugins(backend, extra, Vec::new()).await
}

/// Like `start_with`, with test plugins registered after the configured ones.
pub async fn start_with_plugins(
    backend: Backend,
    extra: &[(&str, &str)],
    test_plugins: Vec<std::sync::Arc<dyn portcullis_core::Plugin>>,
) -> Option<TestServer> {
    let admin = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match pg_admin_url() {
            Some(u) => Some(u),
            None => {
                eprintln!("skipped: {PG_URL_VAR} is not set");
                return None;
            }
        },
        Backend::Mysql => match mysql_admin_url() {
            Some(u) => Some(u),
            None => {
                eprintln!("skipped: {MYSQL_URL_VAR} is not set");
                return None;
            }
        },
    };
    let dir = std::env::temp_dir().join(format!("portcullis-it-{}", random_lower(12)));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let dir_guard = Resource::TempDir(dir.clone());
    let (db_url, db_guard) = match admin {
        None => (format!("sqlite://{}/p.db", dir.display()), None),
        Some(admin) if backend == Backend::Mysql => {
            let (url, guard) = create_mysql_database(&admin).await;
            (url, Some(guard))
        }
        Some(admin) => {
            let (url, guard) = create_pg_database(&admin).await;
            (url, Some(guard))
        }
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let base = format!("http://127.0.0.1:{}", addr.port());
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".to_owned(), db_url),
        ("DATABASE_POOL_SIZE".to_owned(), "4".to_owned()),
        ("BETTER_AUTH_SECRET".to_owned(), SECRET.to_owned()),
        ("BETTER_AUTH_URL".to_owned(), base.clone()),
        (
            "PORTCULLIS_DATA_DIR".to_owned(),
            dir.join("data").display().to_string(),
        ),
        ("APP_NAME".to_owned(), APP_NAME.to_owned()),
        (
            "ALLOWED_ORIGINS".to_owned(),
            TRUSTED_EXTRA_ORIGIN.to_owned(),
        ),
    ]);
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let sources = portcullis_core::Sources::new(env).expect("config sources");
    let config = portcullis_core::Config::load(&sources).expect("config");
    let clock = std::sync::Arc::new(portcullis_core::clock::MovableClock::new());
    let options = portcullis_server::AppOptions {
        clock: Some(clock.clone()),
        extra_plugins: test_plugins,
    };
    let app = portcullis_server::build_app_with(config, true, options)
        .await
        .unwrap_or_else(|e| panic!("build_app on {backend:?}: {e}"));
    let served = app.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = portcullis_server::serve(served, listener).await {
            eprintln!("server stopped: {e}");
        }
    });
    Some(TestServer {
        backend,
        addr,
        base,
        app,
        clock,
        task,
        _db: db_guard,
        _dir: dir_guard,
    })
}

impl TestServer {
    /// Another server on the same backend, with extra configuration.
    pub async fn with_config(&self, extra: &[(&str, &str)]) -> TestServer {
        start_with(self.backend, extra)
            .await
            .expect("the backend of the running test is available")
    }

    /// Another server on the same backend, with extra configuration and plugins.
    pub async fn with_plugins(
        &self,
        extra: &[(&str, &str)],
        plugins: Vec<std::sync::Arc<dyn portcullis_core::Plugin>>,
    ) -> TestServer {
        start_with_plugins(self.backend, extra, plugins)
            .await
            .expect("the backend of the running test is available")
    }

    /// Every message sent so far (the test server delivers to its outbox), newest first.
    pub async fn outbox(&self) -> Vec<portcullis_delivery::OutboxMessage> {
        let delivery = &self.app.ctx.delivery;
        assert!(
            delivery.flush(std::time::Duration::from_secs(10)).await,
            "delivery queue did not drain"
        );
        delivery
            .outbox()
            .expect("test servers deliver to the outbox")
            .list(1000)
            .await
            .expect("read outbox")
    }

    /// The newest message to `to` of `kind` (`verification`, `password-reset`, `email-otp`,
    /// `magic-link`, `otp` for SMS, ...), if any.
    pub async fn last_message(
        &self,
        to: &str,
        kind: &str,
    ) -> Option<portcullis_delivery::OutboxMessage> {
        self.outbox()
            .await
            .into_iter()
            .find(|m| m.to == to && m.kind == kind)
    }

    /// The first `http(s)://` link in the newest `kind` message to `to`.
    pub async fn last_link(&self, to: &str, kind: &str) -> String {
        let m = self
            .last_message(to, kind)
            .await
            .unwrap_or_else(|| panic!("no {kind} message to {to}"));
        let start = m
            .text
            .find("http")
            .unwrap_or_else(|| panic!("no link in {kind} message: {}", m.text));
        m.text[start..]
            .split(|c: char| c.is_whitespace() || c == '>' || c == ')')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first run of six digits in the newest `kind` message to `to`.
    pub async fn last_code(&self, to: &str, kind: &str) -> String {
        let m = self
            .last_message(to, kind)
            .await
            .unwrap_or_else(|| panic!("no {kind} message to {to}"));
        let text = format!("{} {}", m.subject, m.text);
        let bytes = text.as_bytes();
        (0..bytes.len().saturating_sub(5))
            .find(|&i| {
                bytes[i..i + 6].iter().all(u8::is_ascii_digit)
                    && (i == 0 || !bytes[i - 1].is_ascii_digit())
                    && bytes.get(i + 6).is_none_or(|b| !b.is_ascii_digit())
            })
            .map(|i| text[i..i + 6].to_owned())
            .unwrap_or_else(|| panic!("no code in {kind} message: {text}"))
    }

    /// `POST /api/auth<path>` with a JSON body, no cookies, no Origin.
    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(Request::post(&format!("/api/auth{path}")).json(&body))
            .await
    }

    pub async fn send(&self, req: Request) -> Response {
        client::send(self.addr, &req).await
    }

    /// A browser-like client with its own cookie jar, sending this server's Origin on POSTs.
    pub fn agent(&self) -> Agent<'_> {
        Agent {
            srv: self,
            jar: Vec::new(),
            origin: Some(self.base.clone()),
        }
    }

    /// `better-auth.session_token=<encodeURIComponent(token.sig)>` for a raw token.
    pub fn session_cookie_for(&self, token: &str) -> String {
        format!(
            "{SESSION_COOKIE}={}",
            encode_uri_component(&sign::sign(SECRET.as_bytes(), token))
        )
    }

    pub fn signed(&self, value: &str) -> String {
        sign::sign(SECRET.as_bytes(), value)
    }

    pub fn adapter(&self) -> &dyn portcullis_storage::Adapter {
        self.app.ctx.adapter.as_ref()
    }

    /// Signs up a fresh user (no cookies, no Origin) and returns what the tests need.
    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> SignedUp {
        let res = self
            .send(Request::post("/api/auth/sign-up/email").json(&json!({
                "name": name, "email": email, "password": password,
            })))
            .await;
        assert_eq!(res.status, 200, "sign-up {email}: {}", res.describe());
        let body = res.json();
        let token = body["token"].as_str().expect("token").to_owned();
        SignedUp {
            user_id: body["user"]["id"].as_str().expect("user id").to_owned(),
            bearer: res
                .header("set-auth-token")
                .expect("set-auth-token")
                .to_owned(),
            token,
        }
    }

    /// Signs in (no cookies, no Origin) and returns the raw token and the response.
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, Response) {
        let res = self
            .send(
                Request::post("/api/auth/sign-in/email")
                    .json(&json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(res.status, 200, "sign-in {email}: {}", res.describe());
        let token = res.json()["token"].as_str().expect("token").to_owned();
        (token, res)
    }

    /// get-session straight from the database for a raw token, with no cookie cache.
    pub async fn session_of(&self, token: &str) -> Value {
        let res = self
            .send(
                Request::get("/api/auth/get-session?disableCookieCache=true")
                    .cookie(&self.session_cookie_for(token)),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        res.json()
    }

    pub async fn count(&self, table: &str, wheres: &[portcullis_storage::Where]) -> i64 {
        self.adapter().count(table, wheres).await.expect("count")
    }
}

pub struct SignedUp {
    pub user_id: String,
    /// Raw session token (as in the JSON body).
    pub token: String,
    /// `token.signature` as sent in `set-auth-token`.
    pub bearer: String,
}

/// A cookie-keeping client. POSTs carry `Origin` (the server's own, unless changed).
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
}

// ---- assertions ---------------------------------------------------------------------------

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
