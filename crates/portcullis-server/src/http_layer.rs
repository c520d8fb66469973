//! axum glue: the auth API under the base path, health, hosted pages and assets, and the
//! cross-cutting layers (request id and access log, CORS for trusted origins, security headers).

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, MatchedPath, Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use portcullis_core::metrics;
use portcullis_core::origin::is_trusted_origin;
use portcullis_core::{Body as AuthBody, RawRequest};
use serde_json::json;

use crate::app::App;

pub fn router(app: App) -> Router {
    let base = app.ctx.config.base_path.clone();
    let mut router = Router::new();
    if app.ctx.config.metrics_enabled {
        router = router.route("/metrics", get(metrics));
    }
    router
        .route("/api/health", get(health))
        .route("/api/health/live", get(live))
        .route("/", get(|s| page(s, "index.html", "Welcome", "/")))
        .route(
            "/sign-in",
            get(|s| page(s, "sign-in.html", "Sign in", "/sign-in")),
        )
        .route(
            "/sign-up",
            get(|s| page(s, "sign-up.html", "Create account", "/sign-up")),
        )
        .route(
            "/account",
            get(|s| page(s, "account.html", "Your account", "/account")),
        )
        .route("/assets/{file}", get(asset))
        .route(&format!("{base}/{{*rest}}"), axum::routing::any(auth))
        .route(&base, axum::routing::any(auth))
        .route(&format!("{base}/"), axum::routing::any(auth))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), cors))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(app.clone(), access_log))
        .with_state(app)
}

fn json_response(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

async fn auth(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let limit = app.ctx.config.max_body_bytes;
    let Ok(bytes) = to_bytes(body, limit).await else {
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
        body: bytes.to_vec(),
        peer: Some(peer.ip()),
    };
    let res = app.ctx.handle(raw).await;
    let mut builder = Response::builder().status(res.status);
    let mut labels = EngineLabels::default();
    for (k, v) in &res.headers {
        // The engine's notes for the access log never leave the process.
        if k.starts_with(metrics::INTERNAL_HEADER_PREFIX) {
            match k.as_str() {
                metrics::ROUTE_HEADER => labels.route = Some(v.clone()),
                metrics::USER_HEADER => labels.user_id = Some(v.clone()),
                _ => {}
            }
            continue;
        }
        if let (Ok(k), Ok(v)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            builder = builder.header(k, v);
        }
    }
    for c in &res.cookies {
        if let Ok(v) = HeaderValue::try_from(c.header_value()) {
            builder = builder.header(header::SET_COOKIE, v);
        }
    }
    let body = match res.body {
        AuthBody::Json(v) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        AuthBody::Html(h) => {
            builder = builder.header(header::CONTENT_TYPE, "text/html; charset=utf-8");
            Body::from(h)
        }
        AuthBody::Empty => Body::empty(),
    };
    builder
        .extension(labels)
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

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
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
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

async fn page(
    State(app): State<App>,
    template: &'static str,
    title: &'static str,
    path: &'static str,
) -> Response {
    match app.ui.page(template, title, path) {
        Some(body) => html(StatusCode::OK, body),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
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
    match crate::ui::ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, ct, body)) => ([(header::CONTENT_TYPE, *ct), cache], *body).into_response(),
        None => not_found_page(&app),
    }
}

fn not_found_page(app: &App) -> Response {
    match app.ui.page("not-found.html", "Not found", "") {
        Some(body) => html(StatusCode::NOT_FOUND, body),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn not_found(State(app): State<App>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"message": "Not found", "code": "NOT_FOUND"}),
        );
    }
    not_found_page(&app)
}

/// CORS with credentials, for trusted origins only. Preflights from them get 204; others get
/// no CORS headers at all, so the browser blocks the call.
async fn cors(State(app): State<App>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let trusted = origin
        .as_deref()
        .filter(|o| is_trusted_origin(&app.ctx.config, o));
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight && trusted.is_some() {
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
    } else {
        next.run(req).await
    };
    if let Some(o) = trusted
        && let Ok(v) = HeaderValue::from_str(o)
    {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    if origin.is_some() {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Origin"));
    }
    res
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"))
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_html(h) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
            ),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    } else if !h.contains_key(header::CACHE_CONTROL) && h.contains_key(header::SET_COOKIE) {
        // Anything that sets a session cookie carries a token: never cache it.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// What the engine reported about an auth request: the endpoint's path template and the user
/// id, when known. Carried from `auth` to `access_log` in the response extensions.
#[derive(Debug, Clone, Default)]
pub struct EngineLabels {
    pub route: Option<String>,
    pub user_id: Option<String>,
}

/// The `route` label and log field: an endpoint path template, a fixed word (`page`, `asset`,
/// `other`) or another route's template — never a raw path, which may carry a token
/// (`/reset-password/:token`) and would make the label set unbounded.
pub fn route_label(base: &str, matched: Option<&str>, engine_route: Option<&str>) -> String {
    if let Some(r) = engine_route {
        return format!("{base}{r}");
    }
    match matched {
        None => "other".to_owned(),
        Some(m) if m == base || m.starts_with(&format!("{base}/")) => "other".to_owned(),
        Some("/assets/{file}") => "asset".to_owned(),
        Some(m) if m.starts_with("/api/") || m == "/metrics" => m.to_owned(),
        Some(_) => "page".to_owned(),
    }
}

/// One log line per request: request id, route template, method, status, latency and the user
/// id when the engine knows it. Never the raw path, query, cookies, tokens or bodies. Also feeds
/// `http_requests_total` and `http_request_duration_seconds`.
async fn access_log(State(app): State<App>, mut req: Request, next: Next) -> Response {
    // A proxy's id (nginx's $request_id) is kept so that both logs correlate; anything that
    // does not look like an id is replaced.
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| portcullis_core::crypto::token::generate_id(16));
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v);
    }
    let method = req.method().clone();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let start = Instant::now();
    let mut res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    let labels = res
        .extensions_mut()
        .remove::<EngineLabels>()
        .unwrap_or_default();
    let route = route_label(
        &app.ctx.config.base_path,
        matched.as_deref(),
        labels.route.as_deref(),
    );
    app.ctx
        .metrics
        .observe_request(&route, &method, status, elapsed.as_secs_f64());
    tracing::info!(
        request_id = %id,
        route = %route,
        method = %method,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        user_id = labels.user_id.as_deref(),
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::route_label;

    #[test]
    fn route_labels_are_templates_or_fixed_words() {
        let base = "/api/auth";
        assert_eq!(
            route_label(
                base,
                Some("/api/auth/{*rest}"),
                Some("/reset-password/:token")
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
