//! Portcullis plugins. Each lives in its own folder and is registered in `registry`.

pub mod bearer;
pub mod open_api;

use std::sync::Arc;

use portcullis_core::{Config, ConfigError, Plugin};

/// The one list of plugins, in hook order. Configuration decides which are on; a plugin's own
/// settings are read from `config.sources` and a bad one stops start-up.
pub fn registry(config: &Config) -> Result<Vec<Arc<dyn Plugin>>, ConfigError> {
    let mut plugins: Vec<Arc<dyn Plugin>> = Vec::new();
    if config.enable_bearer {
        plugins.push(Arc::new(bearer::Bearer));
    }
    plugins.push(Arc::new(open_api::OpenApi));
    Ok(plugins)
}
