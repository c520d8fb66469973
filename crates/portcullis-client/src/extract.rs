//! axum extractors: `Identity`, `User` and `Session` (401 without a valid credential), and
//! `Option<..>` of each (`None` for an anonymous request). They read what [`AuthLayer`]
//! found, so the layer must wrap the route.
//!
//! [`AuthLayer`]: crate::AuthLayer

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use crate::error::AuthError;
use crate::layer::AuthOutcome;
use crate::types::{Identity, Session, User};

fn outcome(parts: &Parts) -> Result<&AuthOutcome, AuthError> {
    parts
        .extensions
        .get::<AuthOutcome>()
        .ok_or(AuthError::NotInstalled)
}

fn required(parts: &Parts) -> Result<Identity, AuthError> {
    match outcome(parts)? {
        AuthOutcome::Authenticated(i) => Ok((**i).clone()),
        AuthOutcome::Refused(e) => Err(e.clone()),
    }
}

/// An anonymous request (no credential, or one that is no longer valid: a stale cookie should
/// not break a public page) is `None`; Portcullis being unreachable is still an error.
fn optional(parts: &Parts) -> Result<Option<Identity>, AuthError> {
    match outcome(parts)? {
        AuthOutcome::Authenticated(i) => Ok(Some((**i).clone())),
        AuthOutcome::Refused(AuthError::Missing | AuthError::Invalid(_)) => Ok(None),
        AuthOutcome::Refused(e) => Err(e.clone()),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        required(parts)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        optional(parts)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        required(parts).map(|i| i.user)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for User {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        optional(parts).map(|i| i.map(|i| i.user))
    }
}

/// A session: a JWT names no session, so a route taking `Session` refuses one
/// (`SESSION_REQUIRED`).
impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        required(parts)?.session.ok_or(AuthError::SessionRequired)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        optional(parts).map(|i| i.and_then(|i| i.session))
    }
}
