//! The plain answers the routes share: JSON with a status, an HTML page that is never cached,
//! and not found (the page, or JSON under `/api/`).

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde_json::json;

use crate::app::App;

pub(super) fn json_response(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

/// A page, in the request's language (the edge chose it from `Accept-Language`).
pub(super) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::VARY, "Accept-Language"),
            (
                header::CONTENT_LANGUAGE,
                portcullis_delivery::current_language()
                    .unwrap_or(portcullis_delivery::i18n::DEFAULT_LANGUAGE),
            ),
        ],
        body,
    )
        .into_response()
}

/// The not-found page, naming the address that was asked for (shortened if long; the template
/// escapes it).
pub(super) fn not_found_page(app: &App, path: &str) -> Response {
    let shown: String = if path.chars().count() > 120 {
        path.chars().take(120).chain("…".chars()).collect()
    } else {
        path.to_owned()
    };
    match app
        .ui
        .page("not-found.html", "page-title-not-found", &shown)
    {
        Some(body) => html(StatusCode::NOT_FOUND, body),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub(super) fn not_found(app: &App, req: &Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"message": "Not found", "code": "NOT_FOUND"}),
        );
    }
    not_found_page(app, req.uri().path())
}
