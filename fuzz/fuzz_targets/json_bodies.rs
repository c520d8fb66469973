//! JSON bodies of every endpoint, through the engine in-process: never a 5xx.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_fuzz::{Call, engine};

fuzz_target!(|call: Call| {
    engine().check(call, "application/json");
});
