//! axum glue: the auth API under the base path, health, hosted pages and assets, and the
//! cross-cutting layers (request id and access log, CORS for trusted origins, security headers).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, MatchedPath, Path, RawQuery, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::IncomingStream;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use portcullis_core::metrics;
use portcullis_core::origin::is_trusted_origin;
use portcullis_core::{AccessNote, AuthContext, Body as AuthBody, RawRequest};
use serde::Serialize;
use serde_json::json;
use tower::{Layer, Service};

use crate::app::App;

fn router(app: App) -> Router {
    let mut router = Router::new();
    if app.ctx.config.metrics_enabled {
        router = router.route("/metrics", get(metrics));
    }
    router = router
        .route("/api/health", get(health))
        .route("/api/health/live", get(live))
        .route("/", get(|s, q| page(s, q, "index.html", "Welcome", "/")))
        .route(
            "/sign-in",
            get(|s, q| page(s, q, "sign-in.html", "Sign in", "/sign-in")),
        )
        .route(
            "/sign-up",
            get(|s, q| page(s, q, "sign-up.html", "Create account", "/sign-up")),
        )
        .route(
            "/account",
            get(|s, q| page(s, q, "account.html", "Your account", "/account")),
        )
        .route(
            "/forgot-password",
            get(|s, q| {
                feature_page(
                    s,
                    q,
                    Feature::PasswordReset,
                    "forgot-password.html",
                    "Forgot password",
                    "/forgot-password",
                )
            }),
        )
        .route(
            "/reset-password",
            get(|s, q| {
                feature_page(
                    s,
                    q,
                    Feature::PasswordReset,
                    "reset-password.html",
                    "Choose a new password",
                    "/reset-password",
                )
            }),
        )
        .route(
            "/verify-email",
            get(|s, q| {
                feature_page(
                    s,
                    q,
                    Feature::EmailVerification,
                    "verify-email.html",
                    "Verify your email",
                    "/verify-email",
                )
            }),
        )
        .route("/dev/outbox", get(dev_outbox))
        .route("/dev/outbox/{id}", get(dev_outbox_message))
        .route("/assets/{file}", get(asset));
    // The plugins' pages, while their plugin is registered.
    for (i, p) in app.ui.plugin_pages().iter().enumerate() {
        router = router.route(p.path, get(move |s, q| plugin_page(s, q, i)));
    }
    router
        // The auth API never reaches this router: `Front` hands it to the engine first.
        .fallback(|State(app): State<App>, req: Request| async move { not_found(&app, &req) })
        // One layer for request id, CORS, security headers, metrics and the access log.
        .layer(EdgeLayer {
            ctx: app.ctx.clone(),
        })
        .with_state(app)
}

/// Whether `path` is the base path or under it (`/api/auth`, `/api/auth/…`, not `/api/authx`).
pub(crate) fn under_base(base: &str, path: &str) -> bool {
    path.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// What `axum::serve` runs: one [`Front`] per connection, which knows the peer's address.
#[derive(Clone)]
pub struct MakeFront {
    app: App,
    router: Router,
}

/// The service `serve` runs, for `app`.
pub fn make_front(app: App) -> MakeFront {
    MakeFront {
        router: router(app.clone()),
        app,
    }
}

impl<'a> Service<IncomingStream<'a, tokio::net::TcpListener>> for MakeFront {
    type Response = Front;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Front, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'a, tokio::net::TcpListener>) -> Self::Future {
        std::future::ready(Ok(Front {
            app: self.app.clone(),
            router: self.router.clone(),
            peer: *stream.remote_addr(),
        }))
    }
}

/// The front of every request. The auth API (and plugins' root endpoints) goes straight to
/// the engine, inside the edge
/// (request id, CORS, headers, metrics, access log): the engine routes it itself, so the
/// router's matching, its boxed route service and the handler's extractors would be pure
/// overhead on the hottest paths. Everything else goes through the router, whose routes have
/// the same edge as a layer.
#[derive(Clone)]
pub struct Front {
    app: App,
    router: Router,
    peer: SocketAddr,
}

impl Service<Request> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future =
        futures::future::Either<EdgeFuture, axum::routing::future::RouteFuture<Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        <Router as Service<Request>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let path = req.uri().path();
        // The base path, and the paths of plugins' root endpoints (`/.well-known/…`).
        if under_base(&self.app.ctx.config.base_path, path) || self.app.ctx.serves_root_path(path) {
            let (app, peer) = (self.app.clone(), self.peer);
            futures::future::Either::Left(edged(&self.app.ctx, req, move |req| {
                auth(app, peer, req)
            }))
        } else {
            req.extensions_mut().insert(ConnectInfo(self.peer));
            futures::future::Either::Right(self.router.call(req))
        }
    }
}

fn json_response(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

async fn auth(app: App, peer: SocketAddr, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let limit = app.ctx.config.max_body_bytes;
    // Most requests (every GET) carry no body: nothing to collect.
    let body = if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        Vec::new()
    } else if let Ok(bytes) = to_bytes(body, limit).await {
        bytes.to_vec()
    } else {
        return json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"message": "Request body is too large", "code": "PAYLOAD_TOO_LARGE"}),
        );
    };
    let raw = RawRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        peer: Some(peer.ip()),
    };
    // Boxed: the engine's future spans every endpoint's state and is large; on the heap it is
    // written once instead of being moved through each layer's future.
    let res = Box::pin(app.ctx.handle(raw)).await;
    let (content_type, body) = match res.body {
        // Straight to bytes: `to_string` would go through the `fmt` machinery.
        AuthBody::Json(v) => (
            Some(APPLICATION_JSON),
            Body::from(serde_json::to_vec(&v).unwrap_or_default()),
        ),
        AuthBody::JsonBytes(b) => (Some(APPLICATION_JSON), Body::from(b)),
        AuthBody::Html(h) => (Some(TEXT_HTML), Body::from(h)),
        AuthBody::EmptyJson => (Some(APPLICATION_JSON), Body::empty()),
        AuthBody::Empty => (None, Body::empty()),
    };
    // Built in place rather than through `Response::builder`, which checks each step.
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(res.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (k, v) in &res.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            headers.append(k, v);
        }
    }
    for c in &res.cookies {
        if let Ok(v) = HeaderValue::try_from(c.header_value()) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    if let Some(ct) = content_type {
        headers
            .entry(header::CONTENT_TYPE)
            .or_insert(HeaderValue::from_static(ct));
    }
    // For the edge's log line and metrics; outside an edge (never in the server) it is dropped.
    let _ = ACCESS_NOTE.try_with(|note| *note.borrow_mut() = res.log);
    response
}

tokio::task_local! {
    /// What the engine told the edge about the request it is answering (`AccessNote`). A
    /// request-scoped slot rather than a response extension, which would allocate a map for
    /// every response.
    static ACCESS_NOTE: std::cell::RefCell<AccessNote>;
}

const APPLICATION_JSON: &str = "application/json";
const TEXT_HTML: &str = "text/html; charset=utf-8";

/// `{status, timestamp, services: {database, redis}}`, 200 when every configured service answers.
async fn health(State(app): State<App>) -> Response {
    let db = match tokio::time::timeout(std::time::Duration::from_secs(3), app.ctx.adapter.ping())
        .await
    {
        Ok(Ok(())) => json!({"status": "healthy"}),
        Ok(Err(e)) => json!({"status": "unhealthy", "error": e.to_string()}),
        Err(_) => json!({"status": "unhealthy", "error": "timed out"}),
    };
    // Without REDIS_URL the shared state lives in process memory: report it, never fail on it.
    let backend = app.ctx.secondary.backend_name();
    let secondary = match app.ctx.secondary.ping().await {
        Ok(()) if backend == "memory" => json!({"status": "not_configured", "backend": backend}),
        Ok(()) => json!({"status": "healthy", "backend": backend}),
        Err(e) => json!({"status": "unhealthy", "backend": backend, "error": e.to_string()}),
    };
    // The database is required: without it, 503. Redis only accelerates and shares state:
    // without it requests still succeed from the database, so the instance stays in rotation
    // and reports itself degraded.
    let (overall, status) = if db["status"] != "healthy" {
        ("unhealthy", StatusCode::SERVICE_UNAVAILABLE)
    } else if secondary["status"] == "unhealthy" {
        ("degraded", StatusCode::OK)
    } else {
        ("healthy", StatusCode::OK)
    };
    let body = json!({
        "status": overall,
        "timestamp": portcullis_storage::value::iso(&chrono::Utc::now()),
        "services": {"database": db, "redis": secondary},
    });
    let mut res = json_response(status, body);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Prometheus text format. With `METRICS_TOKEN` set, only `Authorization: Bearer <token>` may
/// read it.
async fn metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(token) = &app.ctx.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !metrics::bearer_matches(token.expose(), given) {
            let mut res = json_response(
                StatusCode::UNAUTHORIZED,
                json!({"message": "Unauthorized", "code": "UNAUTHORIZED"}),
            );
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"metrics\""),
            );
            return res;
        }
    }
    let body = metrics::scrape(&app.ctx).await;
    (
        [
            // The type `render` encodes: Prometheus text format 0.0.4.
            (header::CONTENT_TYPE, metrics::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Liveness: the process answers; no dependency is checked.
async fn live() -> Response {
    json_response(StatusCode::OK, json!({"status": "alive"}))
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The optional core hosted flows this server offers, decided from the engine's registered
/// endpoints and the configuration. A plugin's flows are its own pages and fragments, present
/// exactly while it is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Features {
    /// `POST /request-password-reset` with email and password sign-in on.
    pub password_reset: bool,
    /// `GET /verify-email`.
    pub email_verification: bool,
    /// `/dev/outbox`: outside production, with messages delivered to the outbox.
    pub dev_outbox: bool,
}

impl Features {
    pub fn of(app: &App) -> Features {
        let has = |method: Method, path: &str| {
            app.ctx
                .endpoints
                .iter()
                .any(|e| e.method == method && e.path == path)
        };
        let config = &app.ctx.config;
        Features {
            password_reset: config.email_password_enabled
                && has(Method::POST, "/request-password-reset")
                && has(Method::POST, "/reset-password"),
            email_verification: has(Method::GET, "/verify-email"),
            dev_outbox: config.dev_outbox_ui && app.ctx.delivery.outbox().is_some(),
        }
    }

    fn has(&self, feature: Feature) -> bool {
        match feature {
            Feature::PasswordReset => self.password_reset,
            Feature::EmailVerification => self.email_verification,
        }
    }
}

/// A hosted page that only exists while its flow is offered.
#[derive(Debug, Clone, Copy)]
enum Feature {
    PasswordReset,
    EmailVerification,
}

/// What a page may learn from its query string: `error`, limited to an error code
/// (`[A-Za-z0-9_]`, else `UNKNOWN`), and whether a `token` is present. Tokens themselves are
/// never rendered; the page scripts read them from the address.
fn query_context(query: Option<&str>) -> serde_json::Value {
    let mut error = None;
    let mut has_token = false;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "error" if error.is_none() && !v.is_empty() => {
                let code =
                    if v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                        v.into_owned()
                    } else {
                        "UNKNOWN".to_owned()
                    };
                error = Some(code);
            }
            "token" if !v.is_empty() => has_token = true,
            _ => {}
        }
    }
    json!({"error": error, "has_token": has_token})
}

fn render_page(
    app: &App,
    query: Option<&str>,
    template: &str,
    title: &str,
    path: &str,
) -> Response {
    render_page_with(app, query, template, title, path, serde_json::Value::Null)
}

/// `render_page` with the page's own values merged over the rest (a plugin page's context).
fn render_page_with(
    app: &App,
    query: Option<&str>,
    template: &str,
    title: &str,
    path: &str,
    context: serde_json::Value,
) -> Response {
    let mut extra = json!({"features": Features::of(app), "query": query_context(query)});
    if let (Some(m), serde_json::Value::Object(own)) = (extra.as_object_mut(), context) {
        m.extend(own);
    }
    match app.ui.page_with(template, title, path, extra) {
        Some(body) => html(StatusCode::OK, body),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn page(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    template: &'static str,
    title: &'static str,
    path: &'static str,
) -> Response {
    render_page(&app, query.as_deref(), template, title, path)
}

/// A plugin's page (`Plugin::pages`), by its index in `Ui::plugin_pages`.
async fn plugin_page(State(app): State<App>, RawQuery(query): RawQuery, index: usize) -> Response {
    let Some(p) = app.ui.plugin_pages().get(index) else {
        return not_found_page(&app);
    };
    render_page_with(
        &app,
        query.as_deref(),
        p.template.file,
        p.title,
        p.path,
        p.context.clone(),
    )
}

/// Like `page`, but the not-found page (404) while `feature` is off.
async fn feature_page(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    feature: Feature,
    template: &'static str,
    title: &'static str,
    path: &'static str,
) -> Response {
    if !Features::of(&app).has(feature) {
        return not_found_page(&app);
    }
    render_page(&app, query.as_deref(), template, title, path)
}

/// The outbox pages' own policy: as strict as the others, except that the message shown in the
/// sandboxed `srcdoc` frame (which inherits this policy) may use inline styles, as emails do.
const OUTBOX_CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

/// The outbox, when `/dev/outbox` is served at all.
fn dev_outbox_of(app: &App) -> Option<&portcullis_delivery::Outbox> {
    if !app.ctx.config.dev_outbox_ui {
        return None;
    }
    app.ctx.delivery.outbox()
}

fn outbox_page(
    app: &App,
    template: &str,
    title: &str,
    path: &str,
    extra: serde_json::Value,
) -> Response {
    let mut ctx = json!({"features": Features::of(app)});
    if let (Some(m), serde_json::Value::Object(extra)) = (ctx.as_object_mut(), extra) {
        m.extend(extra);
    }
    let mut res = match app.ui.page_with(template, title, path, ctx) {
        Some(body) => html(StatusCode::OK, body),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(OUTBOX_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

fn outbox_time(m: &portcullis_delivery::OutboxMessage) -> (String, String) {
    (
        m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        portcullis_storage::value::iso(&m.created_at),
    )
}

/// `GET /dev/outbox`: every message delivered to the outbox, newest first.
async fn dev_outbox(State(app): State<App>) -> Response {
    let Some(outbox) = dev_outbox_of(&app) else {
        return not_found_page(&app);
    };
    let messages = match outbox.list(500).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let rows: Vec<_> = messages
        .iter()
        .map(|m| {
            let (time, iso) = outbox_time(m);
            json!({
                "id": m.id, "channel": m.channel, "kind": m.kind, "to": m.to,
                "subject": m.subject, "time": time, "iso": iso,
            })
        })
        .collect();
    outbox_page(
        &app,
        "dev-outbox.html",
        "Outbox",
        "/dev/outbox",
        json!({"messages": rows, "outbox_dir": outbox.dir().display().to_string()}),
    )
}

/// Outbox ids are file stems written by the outbox: `20261123T105500123456-004217`.
fn valid_outbox_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The `http(s)://` links in a plain-text message, in order, without repeats.
fn links_in(text: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'')) {
        let Some(start) = word.find("http://").or_else(|| word.find("https://")) else {
            continue;
        };
        let link = word[start..].trim_end_matches(['.', ',', ')', ';', ':', '!', '?']);
        if url::Url::parse(link).is_ok() && !links.iter().any(|l| l == link) {
            links.push(link.to_owned());
        }
    }
    links
}

/// `GET /dev/outbox/{id}`: one message, its HTML body in a sandboxed frame.
async fn dev_outbox_message(State(app): State<App>, Path(id): Path<String>) -> Response {
    let Some(outbox) = dev_outbox_of(&app) else {
        return not_found_page(&app);
    };
    if !valid_outbox_id(&id) {
        return not_found_page(&app);
    }
    let message = match outbox.get(&id).await {
        Ok(Some(m)) => m,
        Ok(None) => return not_found_page(&app),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let (time, iso) = outbox_time(&message);
    let title = if message.subject.is_empty() {
        "Message".to_owned()
    } else {
        message.subject.clone()
    };
    outbox_page(
        &app,
        "dev-outbox-message.html",
        &title,
        "/dev/outbox",
        json!({
            "message": {
                "id": message.id, "channel": message.channel, "kind": message.kind,
                "to": message.to, "subject": message.subject, "text": message.text,
                "html": message.html, "time": time, "iso": iso,
            },
            "links": links_in(&message.text),
        }),
    )
}

async fn asset(State(app): State<App>, Path(file): Path<String>) -> Response {
    let cache = (header::CACHE_CONTROL, "public, max-age=300");
    if file == "brand.css" {
        return (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8"), cache],
            app.ui.brand_css.clone(),
        )
            .into_response();
    }
    match app.ui.asset(&file) {
        Some((ct, body)) => ([(header::CONTENT_TYPE, ct), cache], body).into_response(),
        None => not_found_page(&app),
    }
}

fn not_found_page(app: &App) -> Response {
    match app.ui.page("not-found.html", "Not found", "") {
        Some(body) => html(StatusCode::NOT_FOUND, body),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn not_found(app: &App, req: &Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"message": "Not found", "code": "NOT_FOUND"}),
        );
    }
    not_found_page(app)
}

/// CORS with credentials, for trusted origins only. Preflights from them get 204; others get
/// no CORS headers at all, so the browser blocks the call.
/// A CORS preflight from a trusted origin, answered without routing.
fn preflight_response() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, authorization, x-requested-with"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    r
}

/// CORS response headers: only a trusted origin is echoed, with credentials.
fn apply_cors(h: &mut HeaderMap, origin: Option<&str>, trusted: bool) {
    let Some(origin) = origin else { return };
    if trusted && let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"))
}

fn apply_security_headers(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_html(h) {
        // A page may bring a policy of its own (the dev outbox); every other gets this one.
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
            ),
        );
        }
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    } else if !h.contains_key(header::CACHE_CONTROL) && h.contains_key(header::SET_COOKIE) {
        // Anything that sets a session cookie carries a token: never cache it.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The `route` label and log field: an endpoint path template, a fixed word (`page`, `asset`,
/// `other`) or another route's template — never a raw path, which may carry a token
/// (`/reset-password/:token`) and would make the label set unbounded.
pub fn route_label<'a>(
    base: &str,
    matched: Option<&'a str>,
    engine_label: Option<&'a str>,
) -> &'a str {
    if let Some(label) = engine_label {
        return label;
    }
    match matched {
        None => "other",
        Some(m) if under_base(base, m) => "other",
        Some("/assets/{file}") => "asset",
        Some(m) if m.starts_with("/api/") || m == "/metrics" => m,
        Some(_) => "page",
    }
}

/// The edge of every request: request id, CORS, security headers, metrics and the access log.
/// A hand-written layer rather than `middleware::from_fn`, which clones the inner service and
/// boxes two futures per request: the request side runs before the inner service is called,
/// so that service is called in place, and only the response side is one boxed future.
#[derive(Clone)]
struct EdgeLayer {
    ctx: Arc<AuthContext>,
}

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;
    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            ctx: self.ctx.clone(),
        }
    }
}

#[derive(Clone)]
struct Edge<S> {
    inner: S,
    ctx: Arc<AuthContext>,
}

/// What the request side of the edge hands to the response side.
struct EdgeRequest {
    /// The request id (only ever built from `[A-Za-z0-9_-]`, so always a valid header value).
    id: HeaderValue,
    method: Method,
    matched: Option<MatchedPath>,
    origin: Option<HeaderValue>,
    trusted: bool,
    start: Instant,
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EdgeFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let inner = &mut self.inner;
        edged(&self.ctx, req, move |req| {
            let future = inner.call(req);
            async move {
                match future.await {
                    Ok(res) => res,
                    Err(never) => match never {},
                }
            }
        })
    }
}

/// A request's whole way through the edge, in one allocation.
pub type EdgeFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// Runs `answer` for `req` inside the edge: a trusted CORS preflight is answered here, without
/// it; everything else gets the edge's headers, metrics and log line around its response.
fn edged<F>(ctx: &Arc<AuthContext>, req: Request, answer: impl FnOnce(Request) -> F) -> EdgeFuture
where
    F: Future<Output = Response> + Send + 'static,
{
    let edge = edge_request(ctx, &req);
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let inner = (!(preflight && edge.trusted)).then(|| answer(req));
    let ctx = ctx.clone();
    Box::pin(ACCESS_NOTE.scope(Default::default(), async move {
        let res = match inner {
            Some(future) => future.await,
            None => preflight_response(),
        };
        let note = ACCESS_NOTE.with(|note| note.take());
        Ok(edge_response(&ctx, edge, note, res))
    }))
}

fn edge_request(ctx: &AuthContext, req: &Request) -> EdgeRequest {
    // A proxy's id (nginx's $request_id) is kept so that both logs correlate; anything that
    // does not look like an id is replaced.
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .filter(|v| {
            let v = v.as_bytes();
            !v.is_empty()
                && v.len() <= 64
                && v.iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        })
        .cloned()
        .unwrap_or_else(new_request_id);
    let origin = req.headers().get(header::ORIGIN).cloned();
    let trusted = origin
        .as_ref()
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| is_trusted_origin(&ctx.config, o));
    EdgeRequest {
        id,
        method: req.method().clone(),
        matched: req.extensions().get::<MatchedPath>().cloned(),
        origin,
        trusted,
        start: Instant::now(),
    }
}

/// The response side of the edge: CORS and security headers, the request id, and one log line
/// per request (request id, route template, method, status, latency and the user id when the
/// engine knows it; never the raw path, query, cookies, tokens or bodies). Also feeds
/// `http_requests_total` and `http_request_duration_seconds`.
fn edge_response(
    ctx: &AuthContext,
    edge: EdgeRequest,
    labels: AccessNote,
    mut res: Response,
) -> Response {
    let origin = edge.origin.as_ref().and_then(|o| o.to_str().ok());
    apply_cors(res.headers_mut(), origin, edge.trusted);
    apply_security_headers(res.headers_mut());
    let elapsed = edge.start.elapsed();
    let status = res.status().as_u16();
    let route = route_label(
        &ctx.config.base_path,
        edge.matched.as_ref().map(MatchedPath::as_str),
        labels
            .endpoint
            .and_then(|i| ctx.route_labels.get(i))
            .map(|label| &**label),
    );
    ctx.metrics
        .observe_request(route, &edge.method, status, elapsed.as_secs_f64());
    tracing::info!(
        request_id = edge.id.to_str().unwrap_or_default(),
        route = %route,
        method = %edge.method,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        user_id = labels.user_id.as_deref(),
        "request"
    );
    res.headers_mut().insert(X_REQUEST_ID.clone(), edge.id);
    res
}

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id: a random prefix per process and a counter. Unique across instances without
/// asking the CSPRNG on every request; an id labels log lines, it is not a secret.
fn new_request_id() -> HeaderValue {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| portcullis_core::crypto::token::generate_id(10));
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(6);
    let mut id = String::with_capacity(prefix.len() + 16);
    id.push_str(prefix);
    for i in (0..digits).rev() {
        let nibble = (n >> (i * 4)) & 0xf;
        id.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
    }
    // The prefix is an id (`[A-Za-z0-9]`) and the rest hex digits: always a valid value, taken
    // without a copy.
    HeaderValue::from_maybe_shared(bytes::Bytes::from(id))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid-request-id"))
}

#[cfg(test)]
mod tests {
    use super::{links_in, new_request_id, query_context, route_label, valid_outbox_id};
    use serde_json::json;

    #[test]
    fn query_context_keeps_error_codes_only() {
        assert_eq!(
            query_context(Some("error=INVALID_TOKEN&token=abc")),
            json!({"error": "INVALID_TOKEN", "has_token": true})
        );
        assert_eq!(
            query_context(Some("error=%3Cscript%3E")),
            json!({"error": "UNKNOWN", "has_token": false})
        );
        assert_eq!(
            query_context(Some(&format!("error={}", "A".repeat(65)))),
            json!({"error": "UNKNOWN", "has_token": false})
        );
        assert_eq!(
            query_context(Some("error=&token=")),
            json!({"error": null, "has_token": false})
        );
        assert_eq!(
            query_context(None),
            json!({"error": null, "has_token": false})
        );
    }

    #[test]
    fn request_ids_are_unique_and_pass_our_own_filter() {
        let ids: Vec<String> = (0..1000)
            .map(|_| new_request_id().to_str().expect("ascii").to_owned())
            .collect();
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        for id in &ids {
            assert!(id.len() >= 16 && id.len() <= 64, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        }
        assert_eq!(ids[0][..10], ids[999][..10], "one prefix per process");
    }

    #[test]
    fn outbox_ids_and_links() {
        assert!(valid_outbox_id("20261123T105500123456-004217"));
        for bad in [
            "",
            "../x",
            "a.json",
            "a/b",
            "a%2Fb",
            "a\\b",
            &"a".repeat(65),
        ] {
            assert!(!valid_outbox_id(bad), "{bad}");
        }
        assert_eq!(
            links_in(
                "Reset: https://a.test/r/T?x=1.\n(see http://b.test/p) https://a.test/r/T?x=1 <https://c.test/\">x"
            ),
            vec![
                "https://a.test/r/T?x=1",
                "http://b.test/p",
                "https://c.test/"
            ]
        );
        assert!(links_in("no links, javascript:alert(1) ftp://x").is_empty());
    }

    #[test]
    fn route_labels_are_templates_or_fixed_words() {
        let base = "/api/auth";
        assert_eq!(
            route_label(
                base,
                Some("/api/auth/{*rest}"),
                Some("/api/auth/reset-password/:token")
            ),
            "/api/auth/reset-password/:token"
        );
        // Under the base path but no endpoint answered: never the raw path.
        assert_eq!(route_label(base, Some("/api/auth/{*rest}"), None), "other");
        assert_eq!(route_label(base, Some("/api/auth"), None), "other");
        assert_eq!(route_label(base, Some("/assets/{file}"), None), "asset");
        assert_eq!(route_label(base, Some("/sign-in"), None), "page");
        assert_eq!(route_label(base, Some("/"), None), "page");
        assert_eq!(route_label(base, Some("/api/health"), None), "/api/health");
        assert_eq!(route_label(base, Some("/metrics"), None), "/metrics");
        assert_eq!(route_label(base, None, None), "other");
    }
}
