//! The `Cookie` header parser and the signed-value verifier: any header parses without a panic;
//! no value verifies unless it was signed with the secret; a value signed verifies to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::cookies::parse_cookie_header;
use portcullis_core::crypto::sign::{sign, unsign};

const SECRET: &[u8] = b"fuzz-secret-fuzz-secret-fuzz-secret-0123";

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    for (name, value) in parse_cookie_header(header) {
        assert!(!name.is_empty());
        if let Some(verified) = unsign(SECRET, &value) {
            // Only a value signed with the secret gets through, and as what was signed.
            assert_eq!(sign(SECRET, &verified), value);
        }
    }
    let signed = sign(SECRET, header);
    // Better Auth's rule: a signed value has something before its last `.`.
    let expected = (!header.is_empty()).then_some(header);
    assert_eq!(unsign(SECRET, &signed).as_deref(), expected);
    assert_eq!(
        unsign(b"another-secret-another-secret-0123456", &signed),
        None
    );
});
