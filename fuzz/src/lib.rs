//! What the engine targets share: one Portcullis built in-process with every plugin that has
//! endpoints (on a SQLite file in a scratch directory), a signed-in user's cookie, and a way to
//! send one request through the engine exactly as the HTTP layer hands it over.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderValue, Method};
use portcullis_core::cookies::encode_uri_component;
use portcullis_core::engine::RawRequest;
use portcullis_core::{AuthContext, Config, Sources};

const ORIGIN: &str = "http://localhost:3000";

pub struct Engine {
    runtime: tokio::runtime::Runtime,
    pub ctx: Arc<AuthContext>,
    cookie: String,
}

/// Built once per fuzzing process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::build("engine", &[], |_| {}))
}

impl Engine {
    /// One Portcullis on a SQLite file in a scratch directory named after `name` and the
    /// process, configured as the engine targets' (every plugin with endpoints) plus
    /// `extra_env`. `setup` runs before the fuzzing user signs up: a target that needs rows in
    /// place before anything else writes (fixed signing keys) puts them there.
    pub fn build(name: &str, extra_env: &[(&str, &str)], setup: impl FnOnce(&Engine)) -> Engine {
        let dir =
            std::env::temp_dir().join(format!("portcullis-fuzz-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let mut env: HashMap<String, String> = [
            (
                "BETTER_AUTH_SECRET",
                "fuzz-secret-fuzz-secret-fuzz-secret-0123456789",
            ),
            ("BETTER_AUTH_URL", ORIGIN),
            ("LOG_LEVEL", "off"),
            ("ENABLE_BEARER", "true"),
            ("ENABLE_JWT", "true"),
            ("ENABLE_API_KEY", "true"),
            ("ENABLE_TWO_FACTOR", "true"),
            ("ENABLE_ADMIN", "true"),
            ("ENABLE_ORGANIZATIONS", "true"),
            ("ORGANIZATION_TEAMS", "true"),
            ("ENABLE_ANONYMOUS", "true"),
            ("ENABLE_MULTI_SESSION", "true"),
            ("ENABLE_USERNAME", "true"),
            ("ENABLE_PHONE_AUTH", "true"),
            ("ENABLE_MAGIC_LINKS", "true"),
            ("ENABLE_EMAIL_OTP", "true"),
            ("ENABLE_PASSKEYS", "true"),
            ("PASSKEY_RP_ID", "localhost"),
            ("ENABLE_DEVICE_AUTHORIZATION", "true"),
            ("ENABLE_LAST_LOGIN_METHOD", "true"),
            ("ENABLE_AUDIT_LOG", "true"),
            ("ENABLE_WEBHOOKS", "true"),
            ("ENABLE_OIDC_PROVIDER", "true"),
            ("ENABLE_CHANGE_EMAIL", "true"),
            ("ENABLE_DELETE_USER", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        env.insert(
            "DATABASE_URL".into(),
            format!("sqlite://{}", dir.join("fuzz.db").display()),
        );
        env.insert("PORTCULLIS_DATA_DIR".into(), dir.display().to_string());
        let config = Config::load(&Sources::new(env).expect("sources")).expect("config");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let app = runtime
            .block_on(portcullis_server::build_app(config, true))
            .expect("engine");
        let mut engine = Engine {
            runtime,
            ctx: app.ctx,
            cookie: String::new(),
        };
        setup(&engine);
        let signed_up = engine.send(
            Method::POST,
            "/sign-up/email",
            "application/json",
            br#"{"name":"Fuzz","email":"fuzz@example.com","password":"fuzz-password-1"}"#.to_vec(),
            false,
        );
        assert_eq!(signed_up.status, 200, "sign-up for the fuzzing session");
        engine.cookie = signed_up
            .cookies
            .iter()
            .map(|c| format!("{}={}", c.name, encode_uri_component(&c.value)))
            .collect::<Vec<_>>()
            .join("; ");
        engine
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

/// One request as a fuzz input: which endpoint, what to put in its `:param` segments and query,
/// whether to send the session cookie, and the body.
#[derive(Arbitrary, Debug)]
pub struct Call {
    pub endpoint: u16,
    pub param: String,
    pub query: Option<String>,
    pub signed_in: bool,
    pub body: Vec<u8>,
}

impl Engine {
    pub fn send(
        &self,
        method: Method,
        relative: &str,
        content_type: &str,
        body: Vec<u8>,
        signed_in: bool,
    ) -> portcullis_core::AuthResponse {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::ORIGIN, HeaderValue::from_static(ORIGIN));
        if let Ok(v) = HeaderValue::from_str(content_type) {
            headers.insert(http::header::CONTENT_TYPE, v);
        }
        if signed_in && let Ok(v) = HeaderValue::from_str(&self.cookie) {
            headers.insert(http::header::COOKIE, v);
        }
        let (path, query) = match relative.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (relative.to_owned(), None),
        };
        let raw = RawRequest {
            method,
            path: format!("{}{path}", self.ctx.config.base_path),
            query,
            headers,
            body,
            peer: Some([127, 0, 0, 1].into()),
        };
        self.runtime.block_on(self.ctx.handle(raw))
    }

    /// Sends `call` to the endpoint it names, with `content_type`, and fails on a server error:
    /// whatever the body, an endpoint answers 2xx, 3xx or 4xx.
    pub fn check(&self, call: Call, content_type: &str) {
        let endpoints = &self.ctx.endpoints;
        if endpoints.is_empty() {
            return;
        }
        let endpoint = &endpoints[usize::from(call.endpoint) % endpoints.len()];
        let param: String = call
            .param
            .chars()
            .filter(|c| !matches!(c, '/' | '?' | '#'))
            .take(64)
            .collect();
        let mut path = endpoint
            .path
            .split('/')
            .map(|seg| {
                if seg.starts_with(':') {
                    param.as_str()
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        if let Some(q) = call.query.filter(|q| !q.contains('#')) {
            path = format!("{path}?{q}");
        }
        let res = self.send(
            endpoint.method.clone(),
            &path,
            content_type,
            call.body,
            call.signed_in,
        );
        assert!(
            res.status < 500,
            "{} {path} answered {} ({:?})",
            endpoint.method,
            res.status,
            res.body
        );
    }
}

include!(concat!(env!("OUT_DIR"), "/config_vars.rs"));

/// A scratch directory for the configuration targets' data directory: a secret generated for
/// development is written there, never into the working directory.
pub fn config_scratch() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("portcullis-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}
