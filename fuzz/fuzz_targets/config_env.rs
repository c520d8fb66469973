//! The environment configuration loader: any values for any of the variables it reads load or
//! fail with a `ConfigError` naming a variable, never a panic.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use portcullis_core::{Config, Sources};
use portcullis_fuzz::{CONFIG_VARS, config_scratch};

fuzz_target!(|pairs: Vec<(u16, String)>| {
    let mut env: HashMap<String, String> = pairs
        .into_iter()
        .take(32)
        .map(|(i, v)| {
            (
                CONFIG_VARS[usize::from(i) % CONFIG_VARS.len()].to_owned(),
                v,
            )
        })
        .collect();
    // The TOML target fuzzes the file; here it would only name paths to read.
    env.remove("PORTCULLIS_CONFIG");
    env.insert(
        "PORTCULLIS_DATA_DIR".into(),
        config_scratch().display().to_string(),
    );
    if let Ok(sources) = Sources::new(env)
        && let Err(e) = Config::load(&sources)
    {
        assert!(!e.var.is_empty(), "an error that names no variable: {e}");
    }
});
