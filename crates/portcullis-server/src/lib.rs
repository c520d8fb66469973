//! The HTTP face of Portcullis: builds the engine from configuration, mounts it under the base
//! path with the security layers, serves health, the hosted UI and its assets.

pub mod app;
pub mod http_layer;
pub mod jobs;
pub mod plugin_seams;
pub mod ui;

pub use app::{App, AppOptions, StartError, build_app, build_app_with, serve};
