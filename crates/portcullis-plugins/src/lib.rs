//! Portcullis plugins. Each lives in its own folder and is registered in `registry`.

pub mod bearer;
pub mod open_api;

use std::sync::Arc;

use portcullis_core::{Config, Plugin};

/// The one list of plugins, in hook order. Configuration decides which are on.
pub fn registry(config: &Config) -> Vec<Arc<dyn Plugin>> {
    let mut plugins: Vec<Arc<dyn Plugin>> = Vec::new();
    if config.enable_bearer {
        plugins.push(Arc::new(bearer::Bearer));
    }
    plugins.push(Arc::new(open_api::OpenApi));
    plugins
}
