//! The real server (`build_app_with` + `serve`) in-process on a random port, against a fresh
//! database, with the plugins a test chooses and a movable clock. Everything it made (the server
//! task, the temporary directory, the PostgreSQL or MySQL database) goes away when it is dropped,
//! also when the test panics.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use portcullis_core::Plugin;
use portcullis_core::clock::MovableClock;
use portcullis_core::cookies::encode_uri_component;
use portcullis_core::crypto::sign;
use portcullis_server::App;
use serde_json::{Value, json};

use crate::Error;
use crate::agent::Agent;
use crate::backend::{Backend, Resource, fresh_database};
use crate::client::{self, Request, Response};

pub const SECRET: &str = "it-secret-0123456789abcdefghijklmnopqrstuvwxyz";
pub const APP_NAME: &str = "Zanzibar Gatehouse QA";
pub const TRUSTED_EXTRA_ORIGIN: &str = "http://trusted.example:3000";
pub const USER_AGENT: &str = "portcullis-it/1.0";
pub const SESSION_COOKIE: &str = "better-auth.session_token";
pub const DATA_COOKIE: &str = "better-auth.session_data";
pub const DONT_REMEMBER_COOKIE: &str = "better-auth.dont_remember";

/// Which plugins a test server runs.
#[derive(Clone)]
enum PluginSet {
    /// The registry built from the configuration, then these.
    Configured { extra: Vec<Arc<dyn Plugin>> },
    /// Exactly these, in this order.
    Exactly(Vec<Arc<dyn Plugin>>),
}

/// Builds a [`TestServer`]: a backend, configuration variables, plugins and a clock.
///
/// ```no_run
/// # async fn f(plugin: std::sync::Arc<dyn portcullis_core::Plugin>) {
/// use portcullis_testkit::{Backend, TestServer};
/// let srv = TestServer::builder(Backend::Postgres)
///     .env("REQUIRE_EMAIL_VERIFICATION", "true")
///     .only_plugins(vec![plugin])
///     .start()
///     .await;
/// # }
/// ```
#[must_use = "a builder does nothing until `start`"]
pub struct ServerBuilder {
    backend: Backend,
    env: Vec<(String, String)>,
    plugins: PluginSet,
    clock: Option<Arc<MovableClock>>,
}

impl ServerBuilder {
    /// One configuration variable, as the process environment would give it. Later values win.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Several configuration variables (`&[("K", "v")]`, or a sink's `env()`).
    pub fn envs<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// A plugin registered after the configured ones (or after those given to `only_plugins`).
    pub fn plugin(mut self, plugin: Arc<dyn Plugin>) -> Self {
        match &mut self.plugins {
            PluginSet::Configured { extra } => extra.push(plugin),
            PluginSet::Exactly(list) => list.push(plugin),
        }
        self
    }

    /// Plugins registered after the configured ones.
    pub fn plugins(self, plugins: impl IntoIterator<Item = Arc<dyn Plugin>>) -> Self {
        plugins.into_iter().fold(self, |b, p| b.plugin(p))
    }

    /// Exactly these plugins, in this order, instead of the registry the configuration builds.
    pub fn only_plugins(mut self, plugins: impl IntoIterator<Item = Arc<dyn Plugin>>) -> Self {
        self.plugins = PluginSet::Exactly(plugins.into_iter().collect());
        self
    }

    /// The clock the engine reads; by default a new [`MovableClock`] at the system's time.
    /// Sharing one lets two servers of a test move together.
    pub fn clock(mut self, clock: Arc<MovableClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts the server, or panics with the reason it could not.
    pub async fn start(self) -> TestServer {
        let backend = self.backend;
        self.try_start()
            .await
            .unwrap_or_else(|e| panic!("test server on {backend}: {e}"))
    }

    /// Starts the server: a fresh database (created and migrated), a random port on 127.0.0.1.
    pub async fn try_start(self) -> Result<TestServer, Error> {
        let backend = self.backend;
        let (dir, dir_guard) = Resource::temp_dir("portcullis-it")?;
        let (db_url, db_guard) = fresh_database(backend, &dir).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|source| Error::Io {
                what: "bind 127.0.0.1:0".into(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            what: "local address".into(),
            source,
        })?;
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
        env.extend(self.env);
        let sources = portcullis_core::Sources::new(env)?;
        let config = portcullis_core::Config::load(&sources)?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(MovableClock::new()));
        let (plugins, extra_plugins) = match self.plugins {
            PluginSet::Configured { extra } => (None, extra),
            PluginSet::Exactly(list) => (Some(list), Vec::new()),
        };
        let options = portcullis_server::AppOptions {
            clock: Some(clock.clone()),
            extra_plugins,
            plugins,
        };
        let app = portcullis_server::build_app_with(config, true, options).await?;
        let served = app.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = portcullis_server::serve(served, listener).await {
                eprintln!("server stopped: {e}");
            }
        });
        Ok(TestServer {
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
}

/// A running server. Dropping it stops the server and removes its database.
pub struct TestServer {
    pub backend: Backend,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`: the server's own (trusted) origin.
    pub base: String,
    pub app: App,
    /// The engine's clock: `advance` it to expire sessions, codes and tokens without waiting.
    pub clock: Arc<MovableClock>,
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

/// Starts a server on `backend` with the configured plugins. `None` when the backend was not
/// asked for (its URL is not set); a backend that was asked for but cannot be used panics.
pub async fn start(backend: Backend) -> Option<TestServer> {
    start_with(backend, &[]).await
}

/// Like [`start`], with extra configuration variables.
pub async fn start_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestServer> {
    start_with_plugins(backend, extra, Vec::new()).await
}

/// Like [`start_with`], with test plugins registered after the configured ones.
pub async fn start_with_plugins(
    backend: Backend,
    extra: &[(&str, &str)],
    test_plugins: Vec<Arc<dyn Plugin>>,
) -> Option<TestServer> {
    match TestServer::builder(backend)
        .envs(extra.iter().copied())
        .plugins(test_plugins)
        .try_start()
        .await
    {
        Ok(srv) => Some(srv),
        Err(Error::NotConfigured { reason, .. })
            if matches!(
                backend.availability(),
                crate::Availability::NotConfigured(_)
            ) =>
        {
            eprintln!("skipped: {reason}");
            None
        }
        Err(e) => panic!("test server on {backend}: {e}"),
    }
}

impl TestServer {
    /// A builder for a server on `backend`: configuration, plugins, clock.
    pub fn builder(backend: Backend) -> ServerBuilder {
        ServerBuilder {
            backend,
            env: Vec::new(),
            plugins: PluginSet::Configured { extra: Vec::new() },
            clock: None,
        }
    }

    /// A server on `backend` with the default test configuration and the configured plugins.
    pub async fn start(backend: Backend) -> TestServer {
        TestServer::builder(backend).start().await
    }

    /// Another server on the same backend (a database of its own), with extra configuration.
    pub async fn with_config(&self, extra: &[(&str, &str)]) -> TestServer {
        TestServer::builder(self.backend)
            .envs(extra.iter().copied())
            .start()
            .await
    }

    /// Another server on the same backend, with extra configuration and plugins registered
    /// after the configured ones.
    pub async fn with_plugins(
        &self,
        extra: &[(&str, &str)],
        plugins: Vec<Arc<dyn Plugin>>,
    ) -> TestServer {
        TestServer::builder(self.backend)
            .envs(extra.iter().copied())
            .plugins(plugins)
            .start()
            .await
    }

    /// Runs the plugin job of this name once, as the scheduler would (without its lease).
    pub async fn run_job(&self, name: &str) {
        let ctx = &self.app.ctx;
        let job = ctx
            .plugins
            .iter()
            .flat_map(|p| p.jobs())
            .find(|j| j.name == name)
            .unwrap_or_else(|| panic!("no job {name}"));
        (job.run)(ctx).await.expect("the job runs");
    }

    /// Waits until the work the requests so far left behind has run (`ctx.defer`: the lookups
    /// and sends done after the answer) and every message it and they asked for has been
    /// handed to its transport (the outbox, or a [`crate::MailSink`], which has it once this
    /// returns): a test can then check that a request sent nothing.
    pub async fn settle(&self) {
        assert!(
            self.app
                .ctx
                .deferred
                .flush(std::time::Duration::from_secs(10))
                .await,
            "deferred work did not finish"
        );
        let delivery = &self.app.ctx.delivery;
        assert!(
            delivery.flush(std::time::Duration::from_secs(10)).await,
            "delivery queue did not drain"
        );
    }

    /// Every message sent so far (the test server delivers to its outbox), newest first.
    pub async fn outbox(&self) -> Vec<portcullis_delivery::OutboxMessage> {
        self.settle().await;
        let delivery = &self.app.ctx.delivery;
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
        crate::mail::first_link(&m.text)
            .unwrap_or_else(|| panic!("no link in {kind} message: {}", m.text))
    }

    /// The first link of the newest `kind` message to `to` whose link contains `needle`: the
    /// one a request asked for when another message of that kind went out at about the same
    /// time (sign-up sends a verification link too), since the two may be written in either
    /// order.
    pub async fn last_link_with(&self, to: &str, kind: &str, needle: &str) -> String {
        self.outbox()
            .await
            .into_iter()
            .filter(|m| m.to == to && m.kind == kind)
            .filter_map(|m| crate::mail::first_link(&m.text))
            .find(|link| link.contains(needle))
            .unwrap_or_else(|| panic!("no {kind} message to {to} with a link containing {needle}"))
    }

    /// Asks the email-otp plugin for a code of `otp_type` (`sign-in`, `email-verification`,
    /// `forget-password`) for `email`, and returns it once it has been sent.
    pub async fn email_code(&self, email: &str, otp_type: &str) -> String {
        let res = self
            .post(
                "/email-otp/send-verification-otp",
                json!({"email": email, "type": otp_type}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        self.last_code(email, "email-otp").await
    }

    /// The first run of six digits in the newest `kind` message to `to`.
    pub async fn last_code(&self, to: &str, kind: &str) -> String {
        let m = self
            .last_message(to, kind)
            .await
            .unwrap_or_else(|| panic!("no {kind} message to {to}"));
        let text = format!("{} {}", m.subject, m.text);
        crate::mail::first_code(&text)
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

    /// The path and query of a link to this server (from an email), to send with the client.
    pub fn local_path(&self, link: &str) -> String {
        link.strip_prefix(&self.base)
            .unwrap_or_else(|| panic!("{link} is not on {}", self.base))
            .to_owned()
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

    /// Gives the user with `email` a verified phone number, straight in the table: over HTTP
    /// only a code sent to the number may set one (phone-number plugin), which costs a test an
    /// SMS and a round trip it is not about.
    pub async fn set_verified_phone(&self, email: &str, phone: &str) {
        let mut set = portcullis_storage::Row::new();
        set.insert("phoneNumber".into(), phone.into());
        set.insert("phoneNumberVerified".into(), true.into());
        self.adapter()
            .update(
                "user",
                &[portcullis_storage::Where::eq("email", email)],
                set,
            )
            .await
            .expect("set the phone number")
            .expect("a user with that email");
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

    /// The `verification` rows whose identifier starts with `prefix`: what a test reads to
    /// prove a token or code is stored hashed (no row holds it in the clear).
    pub async fn verification_rows(&self, prefix: &str) -> Vec<portcullis_storage::Row> {
        use portcullis_storage::{Query, Where, WhereOp};
        self.adapter()
            .find_many(
                "verification",
                &Query::filter(vec![Where::op("identifier", WhereOp::StartsWith, prefix)]),
            )
            .await
            .expect("read verification rows")
    }
}
/// What [`TestServer::sign_up`] returns.
pub struct SignedUp {
    pub user_id: String,
    /// Raw session token (as in the JSON body).
    pub token: String,
    /// `token.signature` as sent in `set-auth-token`.
    pub bearer: String,
}
