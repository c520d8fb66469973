//! `PORTCULLIS_ENV` (or `NODE_ENV`): development, test or production. Production is what
//! several sections' defaults and checks depend on, so it is read first.

use super::{ConfigError, Sources, bad};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

pub(super) fn load(src: &Sources) -> Result<Environment, ConfigError> {
    Ok(match src.first(&["PORTCULLIS_ENV", "NODE_ENV"]) {
        None => Environment::Development,
        Some((_, "production")) => Environment::Production,
        Some((_, "development" | "dev")) => Environment::Development,
        Some((_, "test")) => Environment::Test,
        Some((var, other)) => {
            return Err(bad(
                var,
                format!("must be development, test or production, got `{other}`"),
            ));
        }
    })
}
