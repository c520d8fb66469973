//! The auth API's way to the engine and back: the body read up to `MAX_BODY_BYTES` (413
//! beyond), a `RawRequest` built from the request and the peer's address, and the engine's
//! `AuthResponse` mapped back (each cookie its own `Set-Cookie`). Its `AccessNote` goes to the
//! edge through `ACCESS_NOTE`, never to the client.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode, header};
use portcullis_core::{Body as AuthBody, RawRequest};
use serde_json::json;

use super::edge::ACCESS_NOTE;
use super::responses::json_response;
use crate::app::App;

pub(super) async fn auth(app: App, peer: SocketAddr, req: Request) -> Response {
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

const APPLICATION_JSON: &str = "application/json";
const TEXT_HTML: &str = "text/html; charset=utf-8";
