//! The front of every request. `serve` runs `MakeFront`, which makes one `Front` per
//! connection (it knows the peer's address). `Front` sends the base path, and every path a
//! plugin's root endpoint matches, straight to the engine (`engine::auth`); everything else
//! goes through the axum router (pages, assets, the outbox, health, `/metrics`), with the
//! peer as `ConnectInfo`. Both ways run inside the same `Edge`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use axum::routing::get;
use axum::serve::IncomingStream;
use tower::Service;

use super::edge::{Edge, EdgeFuture};
use super::engine::auth;
use super::health::{health, live, metrics};
use super::outbox::{dev_outbox, dev_outbox_message};
use super::pages::{Feature, asset, favicon, feature_page, page, plugin_page};
use super::responses::not_found;
use super::under_base;
use crate::app::App;

fn router(app: App, edge: Edge) -> Router {
    let mut router = Router::new();
    if app.ctx.config.metrics_enabled {
        router = router.route("/metrics", get(metrics));
    }
    router = router
        .route("/api/health", get(health))
        .route("/api/health/live", get(live))
        .route(
            "/",
            get(|s, q, v| page(s, q, v, "index.html", "page-title-index", "/")),
        )
        .route(
            "/sign-in",
            get(|s, q, v| page(s, q, v, "sign-in.html", "page-title-sign-in", "/sign-in")),
        )
        .route(
            "/sign-up",
            get(|s, q, v| page(s, q, v, "sign-up.html", "page-title-sign-up", "/sign-up")),
        )
        .route(
            "/account",
            get(|s, q, v| page(s, q, v, "account.html", "page-title-account", "/account")),
        )
        .route(
            "/forgot-password",
            get(|s, q, v| {
                feature_page(
                    s,
                    q,
                    v,
                    Feature::PasswordReset,
                    "forgot-password.html",
                    "page-title-forgot-password",
                    "/forgot-password",
                )
            }),
        )
        .route(
            "/reset-password",
            get(|s, q, v| {
                feature_page(
                    s,
                    q,
                    v,
                    Feature::PasswordReset,
                    "reset-password.html",
                    "page-title-reset-password",
                    "/reset-password",
                )
            }),
        )
        .route(
            "/verify-email",
            get(|s, q, v| {
                feature_page(
                    s,
                    q,
                    v,
                    Feature::EmailVerification,
                    "verify-email.html",
                    "page-title-verify-email",
                    "/verify-email",
                )
            }),
        )
        .route("/dev/outbox", get(dev_outbox))
        .route("/dev/outbox/{id}", get(dev_outbox_message))
        .route("/assets/{file}", get(asset))
        .route("/favicon.ico", get(favicon));
    // The plugins' pages, while their plugin is registered.
    for (i, p) in app.ui.plugin_pages().iter().enumerate() {
        router = router.route(p.path, get(move |s, q, v| plugin_page(s, q, v, i)));
    }
    router
        // The auth API never reaches this router: `Front` hands it to the engine first.
        .fallback(|State(app): State<App>, req: Request| async move { not_found(&app, &req) })
        // The edge (request id, CORS, security headers, metrics and the access log), as a layer:
        // inside the routing, so that it sees which route matched.
        .layer(edge)
        .with_state(app)
}

/// What `axum::serve` runs: one [`Front`] per connection, which knows the peer's address.
#[derive(Clone)]
pub struct MakeFront {
    app: App,
    router: Router,
    edge: Edge,
}

/// The service `serve` runs, for `app`.
pub fn make_front(app: App) -> MakeFront {
    // One edge for both ways in: around the engine in `Front`, and as the router's layer.
    let edge = Edge::new(app.ctx.clone());
    MakeFront {
        router: router(app.clone(), edge.clone()),
        edge,
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
            edge: self.edge.clone(),
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
    edge: Edge,
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
            futures::future::Either::Left(self.edge.around(req, move |req| auth(app, peer, req)))
        } else {
            req.extensions_mut().insert(ConnectInfo(self.peer));
            futures::future::Either::Right(self.router.call(req))
        }
    }
}
