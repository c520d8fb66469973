//! The configuration targets pick variable names from those the configuration reads: every
//! upper-case string literal in `portcullis-core`'s config module, gathered at build time so
//! that a new setting is fuzzed without touching this crate.

use std::collections::BTreeSet;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/portcullis-core/src/config");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("config sources").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for literal in text.split('"').skip(1).step_by(2) {
            let is_name = literal.len() >= 4
                && literal.starts_with(|c: char| c.is_ascii_uppercase())
                && literal
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if is_name {
                names.insert(literal.to_owned());
            }
        }
    }
    let list: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("config_vars.rs");
    std::fs::write(
        out,
        format!("pub const CONFIG_VARS: &[&str] = &[{}];\n", list.join(", ")),
    )
    .expect("config_vars.rs");
}
