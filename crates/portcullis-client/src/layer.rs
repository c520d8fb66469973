//! The tower layer: authenticates each request that carries a credential and leaves the
//! outcome in its extensions, for the extractors and for any tower service to read.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use http::Request;
use tower::{Layer, Service};

use crate::authenticator::Authenticator;
use crate::error::AuthError;
use crate::types::Identity;

/// What [`AuthLayer`] found, in the request's extensions.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    Authenticated(Box<Identity>),
    /// No credential, or one that is not valid (the error says which).
    Refused(AuthError),
}

impl AuthOutcome {
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            AuthOutcome::Authenticated(i) => Some(i),
            AuthOutcome::Refused(_) => None,
        }
    }
}

/// Authenticates requests with an [`Authenticator`]. By default a request without a valid
/// credential goes on (handlers decide, with `Identity` or `Option<Identity>`);
/// [`required`](AuthLayer::required) answers it 401 itself. An outcome already in the
/// extensions (an outer `AuthLayer`) is reused, not computed again.
#[derive(Clone)]
pub struct AuthLayer {
    auth: Authenticator,
    required: bool,
}

impl AuthLayer {
    pub fn new(auth: Authenticator) -> Self {
        AuthLayer {
            auth,
            required: false,
        }
    }

    /// Requests without a valid credential get 401 (503 if Portcullis cannot be asked).
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

impl Authenticator {
    /// An [`AuthLayer`] with this authenticator.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.clone())
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
            required: self.required,
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    auth: Authenticator,
    required: bool,
}

impl<S, B> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The ready service goes to the future; a fresh clone stays for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        let required = self.required;
        Box::pin(async move {
            let outcome = match req.extensions().get::<AuthOutcome>() {
                Some(o) => o.clone(),
                None => {
                    let o = match auth.authenticate(req.headers()).await {
                        Ok(identity) => AuthOutcome::Authenticated(Box::new(identity)),
                        Err(e) => AuthOutcome::Refused(e),
                    };
                    req.extensions_mut().insert(o.clone());
                    o
                }
            };
            if required && let AuthOutcome::Refused(e) = outcome {
                return Ok(e.into_response());
            }
            inner.call(req).await
        })
    }
}
