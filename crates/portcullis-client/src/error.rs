//! Why a request was not authenticated, and the JSON answer each reason gives.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{HeaderValue, WWW_AUTHENTICATE};
use serde_json::json;

use crate::types::Method;

/// Why a request has no identity. As a response: 401 (429 when Portcullis rate-limits, 503
/// when it could not be asked) with a `{code, message}` body.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials")]
    Missing,
    #[error("the {} is not valid", .0.as_str())]
    Invalid(Method),
    /// The route needs a session, and the request proved itself with a JWT.
    #[error("a session is needed, not a JWT")]
    SessionRequired,
    /// Portcullis answered 429: the API key's own rate limit, or Portcullis's limit on this
    /// backend's calls. Not cached; the caller may retry later.
    #[error("rate limited by the auth server")]
    RateLimited,
    /// Portcullis could not be asked (down, timing out, answering 5xx).
    #[error("the auth server is unavailable: {0}")]
    Unavailable(String),
    /// An extractor ran on a route without [`AuthLayer`](crate::AuthLayer).
    #[error("portcullis_client::AuthLayer is not installed on this route")]
    NotInstalled,
}

impl AuthError {
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Missing | AuthError::Invalid(_) | AuthError::SessionRequired => {
                StatusCode::UNAUTHORIZED
            }
            AuthError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::NotInstalled => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `code` of the JSON answer.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "UNAUTHORIZED",
            AuthError::Invalid(Method::SessionCookie | Method::BearerToken) => "INVALID_SESSION",
            AuthError::Invalid(Method::Jwt) => "INVALID_TOKEN",
            AuthError::Invalid(Method::ApiKey) => "INVALID_API_KEY",
            AuthError::SessionRequired => "SESSION_REQUIRED",
            AuthError::RateLimited => "TOO_MANY_REQUESTS",
            AuthError::Unavailable(_) => "AUTH_UNAVAILABLE",
            AuthError::NotInstalled => "INTERNAL_SERVER_ERROR",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            AuthError::Missing => "Sign in, or send a session token, a JWT or an API key.",
            AuthError::Invalid(Method::SessionCookie | Method::BearerToken) => {
                "The session has expired or was signed out. Sign in again."
            }
            AuthError::Invalid(Method::Jwt) => {
                "The token is expired or not valid. Get a new one from /token."
            }
            AuthError::Invalid(Method::ApiKey) => "The API key is not valid.",
            AuthError::SessionRequired => {
                "This needs a session cookie or session token, not a JWT."
            }
            AuthError::RateLimited => "Too many requests. Try again later.",
            AuthError::Unavailable(_) => "The auth server could not be reached. Try again shortly.",
            AuthError::NotInstalled => "Internal server error.",
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        match &self {
            AuthError::Unavailable(detail) => {
                tracing::warn!(%detail, "portcullis-client: auth server unavailable");
            }
            AuthError::NotInstalled => tracing::error!("{self}"),
            _ => {}
        }
        let status = self.status();
        let mut res = (
            status,
            Json(json!({"code": self.code(), "message": self.message()})),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// A setting the [`Authenticator`](crate::Authenticator) cannot work with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0:?} is not an http(s) URL")]
    BaseUrl(String),
    #[error("{0:?} is not a header name")]
    HeaderName(String),
    #[error("HTTP client: {0}")]
    Http(String),
}
