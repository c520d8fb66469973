//! The HTTP face of Portcullis: builds the engine from configuration, mounts it under the base
//! path with the security layers, serves health, the hosted UI and its assets.

pub mod app;
pub mod brand_css;
pub mod http;
pub mod jobs;
pub mod plugin_seams;
pub mod ui;

pub use app::{App, AppOptions, StartError, build_app, build_app_with, serve};
pub use http::outbox::dev_outbox_url;

/// The old path of `http` (it was one file, `http_layer.rs`), kept so that code
/// written against it still builds.
pub use self::http as http_layer;
