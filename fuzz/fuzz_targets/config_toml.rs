//! The TOML configuration loader (`PORTCULLIS_CONFIG`): any file loads or fails with a
//! `ConfigError`, never a panic.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use portcullis_core::{Config, Sources};
use portcullis_fuzz::config_scratch;

fuzz_target!(|data: &[u8]| {
    let path = config_scratch().join("portcullis.toml");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let env: HashMap<String, String> = [
        ("PORTCULLIS_CONFIG".to_owned(), path.display().to_string()),
        (
            "PORTCULLIS_DATA_DIR".to_owned(),
            config_scratch().display().to_string(),
        ),
    ]
    .into();
    if let Ok(sources) = Sources::new(env) {
        let _ = Config::load(&sources);
    }
});
