//! The edge: what every request passes through, whatever answers it. Request side: the request
//! id, whether the `Origin` is trusted, a trusted CORS preflight answered at once. Response
//! side: CORS and security headers, the request id echoed, the HTTP metrics and one access-log
//! line.
//!
//! There is one way to apply it, [`Edge::around`], and one `Edge` per server, made by
//! `make_front`: `Front` runs the auth API inside it, and the router's routes get it as a
//! layer whose service calls that same function. So the two ways in cannot drift apart.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use http::{HeaderValue, Method, header};
use portcullis_core::origin::is_trusted_origin;
use portcullis_core::{AccessNote, AuthContext};
use tower::{Layer, Service};

mod access_log;
mod cors;
mod request_id;
mod security_headers;

pub(crate) use access_log::ACCESS_NOTE;
pub use access_log::route_label;
use cors::{apply_cors, preflight_response};
use request_id::{X_REQUEST_ID, new_request_id};
use security_headers::apply_security_headers;

/// The edge of every request: request id, CORS, security headers, metrics and the access log.
/// A hand-written layer rather than `middleware::from_fn`, which clones the inner service and
/// boxes two futures per request: the request side runs before the inner service is called,
/// so that service is called in place, and only the response side is one boxed future.
#[derive(Clone)]
pub(crate) struct Edge {
    ctx: Arc<AuthContext>,
}

impl Edge {
    pub(crate) fn new(ctx: Arc<AuthContext>) -> Edge {
        Edge { ctx }
    }

    /// Runs `answer` for `req` inside the edge: a trusted CORS preflight is answered here,
    /// without it; everything else gets the edge's headers, metrics and log line around its
    /// response.
    pub(crate) fn around<F>(&self, req: Request, answer: impl FnOnce(Request) -> F) -> EdgeFuture
    where
        F: Future<Output = Response> + Send + 'static,
    {
        let ctx = &self.ctx;
        let edge = edge_request(ctx, &req);
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        // The language of everything the request renders: pages, e-mails, deferred work.
        let language = ctx.delivery.templates().catalogs().negotiate(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let inner = (!(preflight && edge.trusted)).then(|| answer(req));
        let ctx = ctx.clone();
        Box::pin(portcullis_delivery::with_language(
            language,
            ACCESS_NOTE.scope(Default::default(), async move {
                let res = match inner {
                    Some(future) => future.await,
                    None => preflight_response(),
                };
                let note = ACCESS_NOTE.with(|note| note.take());
                Ok(edge_response(&ctx, edge, note, res))
            }),
        ))
    }
}

impl<S> Layer<S> for Edge {
    type Service = Edged<S>;
    fn layer(&self, inner: S) -> Edged<S> {
        Edged {
            inner,
            edge: self.clone(),
        }
    }
}

/// A router's route inside the edge: [`Edge::around`] with the route as the answer.
#[derive(Clone)]
pub(crate) struct Edged<S> {
    inner: S,
    edge: Edge,
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

impl<S> Service<Request> for Edged<S>
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
        self.edge.around(req, move |req| {
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
