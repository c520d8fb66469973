//! The test kit every Portcullis test suite, and every plugin's tests, are written with:
//!
//! - [`TestServer`]: the real server (`build_app_with` + `serve`) in-process on a random port,
//!   on SQLite, PostgreSQL or MariaDB with a fresh database dropped afterwards (even on panic),
//!   with the configured plugins plus extras or exactly a given list, and a [`MovableClock`]
//!   (`srv.clock.advance(..)`) to expire what a test needs expired without waiting;
//! - [`client`]: a raw HTTP/1.1 client that sends and shows every byte, and [`Agent`], a
//!   browser-like client with a cookie jar and sign-up, sign-in, get-session and sign-out;
//! - [`MailSink`]: a real SMTP server a test points the server's `SMTP_*` settings at, then
//!   reads messages, links and codes from;
//! - [`runner`] and [`per_backend!`]: a test binary whose per-backend tests report a backend
//!   that was not asked for as *ignored* (with the reason), and fail when one that was asked for
//!   (`PORTCULLIS_REQUIRE_*=1`) is missing. Such a binary sets `harness = false`;
//! - [`openapi`]: checks a real answer against the schema the OpenAPI document gives for it;
//! - [`webhook_receiver`]: a webhook receiver that verifies signatures with `standardwebhooks`.
//!
//! [`MovableClock`]: portcullis_core::clock::MovableClock

pub mod agent;
pub mod assert;
pub mod backend;
pub mod client;
pub mod mail;
pub mod openapi;
pub mod runner;
pub mod server;
pub mod webhook_receiver;

pub use agent::Agent;
pub use backend::{Availability, Backend, Resource, fresh_database, service_availability};
pub use mail::{Mail, MailSink};
pub use runner::Suite;
pub use server::{ServerBuilder, SignedUp, TestServer, start, start_with, start_with_plugins};

/// Everything a scenario usually needs, for `use portcullis_testkit::prelude::*`.
pub mod prelude {
    pub use crate::agent::Agent;
    pub use crate::assert::*;
    pub use crate::backend::Backend;
    pub use crate::client::{Request, Response, SetCookie};
    pub use crate::mail::{Mail, MailSink};
    pub use crate::openapi::{assert_matches_openapi, openapi_document};
    pub use crate::server::{
        APP_NAME, DATA_COOKIE, DONT_REMEMBER_COOKIE, SECRET, SESSION_COOKIE, ServerBuilder,
        SignedUp, TRUSTED_EXTRA_ORIGIN, TestServer, USER_AGENT, start, start_with,
        start_with_plugins,
    };
}

/// Why the kit could not set something up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The backend's URL is not set (the reason says which variable).
    #[error("{backend} is not available: {reason}")]
    NotConfigured { backend: Backend, reason: String },
    /// The backend's URL is set but the server does not answer: always a failure, never a skip.
    #[error("{reason}")]
    Unreachable { backend: Backend, reason: String },
    #[error("{var} is not a URL: {reason}")]
    BadUrl { var: &'static str, reason: String },
    #[error("CREATE DATABASE {name} failed: {source}")]
    CreateDatabase { name: String, source: sqlx::Error },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("configuration: {0}")]
    Config(#[from] portcullis_core::ConfigError),
    #[error("build_app: {0}")]
    Start(#[from] portcullis_server::StartError),
}
