//! Whether the instance is fit to serve: `/api/health` (database and secondary storage),
//! `/api/health/live` (the process answers) and `/metrics` (Prometheus, optionally behind a
//! bearer token).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use portcullis_core::metrics;
use serde_json::json;

use super::responses::json_response;
use crate::app::App;

/// `{status, timestamp, services: {database, redis}}`, 200 when every configured service answers.
pub(super) async fn health(State(app): State<App>) -> Response {
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
pub(super) async fn metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    let tokens = &app.ctx.config.metrics_tokens;
    if !tokens.is_empty() {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // Every token is compared, so the time to answer does not tell which one matched.
        let matched = tokens.iter().fold(false, |any, t| {
            metrics::bearer_matches(t.expose(), given) | any
        });
        if !matched {
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
pub(super) async fn live() -> Response {
    json_response(StatusCode::OK, json!({"status": "alive"}))
}
