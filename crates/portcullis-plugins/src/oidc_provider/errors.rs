//! OAuth 2.0 errors as the protocol sends them: `{error, error_description}` (RFC 6749 §5.2),
//! not Portcullis's `{code, message}`, because relying-party libraries read `error`.

use std::borrow::Cow;

use portcullis_core::endpoint::{AuthResponse, Body};
use portcullis_core::{ApiError, ErrorCode};
use serde_json::json;

/// A refusal a client is told about in the protocol's own terms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: Cow<'static, str>,
}

impl OAuthError {
    pub fn new(
        status: u16,
        error: &'static str,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }
    pub fn invalid_request(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, "invalid_request", d)
    }
    pub fn invalid_grant(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, "invalid_grant", d)
    }
    /// 401: the client failed to authenticate (RFC 6749 §5.2).
    pub fn invalid_client(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(401, "invalid_client", d)
    }
    pub fn invalid_scope(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, "invalid_scope", d)
    }
    pub fn unauthorized_client(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, "unauthorized_client", d)
    }
    /// 401 at a protected resource (RFC 6750 §3.1).
    pub fn invalid_token(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(401, "invalid_token", d)
    }

    /// The JSON answer, never cached (RFC 6749 §5.1). An `invalid_client` or `invalid_token`
    /// names its scheme in `WWW-Authenticate`.
    pub fn response(&self) -> AuthResponse {
        let mut res = AuthResponse::new(
            self.status,
            // Better Auth's member order.
            Body::Json(json!({ "error_description": self.description, "error": self.error })),
        )
        .no_store();
        if self.status == 401 {
            let scheme = if self.error == "invalid_client" {
                "Basic"
            } else {
                "Bearer"
            };
            res = res.header(
                "www-authenticate",
                format!("{scheme} error=\"{}\"", self.error),
            );
        }
        res
    }
}

/// What a provider handler can fail with: a protocol error for the client, or an ordinary one
/// (storage, a 5xx) that the engine answers as usual.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error("{0:?}")]
    Api(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<portcullis_storage::StorageError> for Failure {
    fn from(e: portcullis_storage::StorageError) -> Self {
        Failure::Api(e.into())
    }
}

/// Answers a protocol error as its JSON, and lets any other error through.
pub fn answer(result: Result<AuthResponse, Failure>) -> Result<AuthResponse, ApiError> {
    match result {
        Ok(res) => Ok(res),
        Err(Failure::OAuth(e)) => Ok(e.response()),
        Err(Failure::Api(e)) => Err(e),
    }
}

// The `{code, message}` errors of the management endpoints (clients and consents), which the
// better-auth client reads as usual.
pub const OAUTH_CLIENT_NOT_FOUND: ErrorCode = ErrorCode {
    code: "OAUTH_CLIENT_NOT_FOUND",
    message: "OAuth client not found",
};
pub const INVALID_REDIRECT_URI: ErrorCode = ErrorCode {
    code: "INVALID_REDIRECT_URI",
    message: "Redirect URIs must be absolute https URLs, or http on a loopback address, without a fragment",
};
pub const INVALID_CLIENT_METADATA: ErrorCode = ErrorCode {
    code: "INVALID_CLIENT_METADATA",
    message: "The client metadata is not valid",
};
pub const CONSENT_NOT_FOUND: ErrorCode = ErrorCode {
    code: "CONSENT_NOT_FOUND",
    message: "Consent not found",
};
pub const YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS: ErrorCode = ErrorCode {
    code: "YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS",
    message: "Only an administrator may manage OAuth clients",
};
pub const INVALID_OAUTH_QUERY: ErrorCode = ErrorCode {
    code: "INVALID_OAUTH_QUERY",
    message: "The authorization request is missing, altered or expired. Start again from the application.",
};
pub const DYNAMIC_REGISTRATION_DISABLED: ErrorCode = ErrorCode {
    code: "DYNAMIC_REGISTRATION_DISABLED",
    message: "Dynamic client registration is not enabled",
};

pub const ALL: &[ErrorCode] = &[
    OAUTH_CLIENT_NOT_FOUND,
    INVALID_REDIRECT_URI,
    INVALID_CLIENT_METADATA,
    CONSENT_NOT_FOUND,
    YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS,
    INVALID_OAUTH_QUERY,
    DYNAMIC_REGISTRATION_DISABLED,
];
