//! The HTTP face of the server, one job per module:
//! - `front`: what `serve` runs. `Front` sends the auth API (and plugins' root endpoints)
//!   straight to the engine and everything else through the axum router, both inside the one
//!   `Edge`;
//! - `edge`: what every request passes through, whatever answers it: request id, CORS,
//!   security headers, metrics and the access log;
//! - `engine`: the auth API's request handed to the engine as a `RawRequest`, and its
//!   `AuthResponse` turned back into a response;
//! - `pages`: the hosted UI's pages and assets;
//! - `outbox`: the development outbox pages (`/dev/outbox`);
//! - `health`: `/api/health`, `/api/health/live` and `/metrics`;
//! - `responses`: the plain answers those share (JSON, HTML, not found).

mod edge;
mod engine;
mod front;
mod health;
pub mod outbox;
mod pages;
mod responses;

pub use edge::{EdgeFuture, route_label};
pub use front::{Front, MakeFront, make_front};
pub use pages::Features;

/// Whether `path` is the base path or under it (`/api/auth`, `/api/auth/…`, not `/api/authx`).
pub(crate) fn under_base(base: &str, path: &str) -> bool {
    path.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}
