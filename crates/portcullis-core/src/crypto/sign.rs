//! HMAC-SHA256 signing of cookie values: `value.base64(HMAC(secret, value))`, as better-call does.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

pub fn hmac_base64(secret: &[u8], value: &str) -> String {
    let mut m = mac(secret);
    m.update(value.as_bytes());
    STANDARD.encode(m.finalize().into_bytes())
}

pub fn hmac_base64url(secret: &[u8], value: &str) -> String {
    let mut m = mac(secret);
    m.update(value.as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// `value.signature` (not yet URL-encoded).
pub fn sign(secret: &[u8], value: &str) -> String {
    format!("{value}.{}", hmac_base64(secret, value))
}

/// Verifies a signed value in constant time. Returns the value, or `None` when the shape is
/// wrong (Better Auth's rule: split at the last `.`, a 44-character padded signature) or the
/// signature does not match.
pub fn unsign(secret: &[u8], signed: &str) -> Option<String> {
    let idx = signed.rfind('.')?;
    if idx < 1 {
        return None;
    }
    let (value, sig) = (&signed[..idx], &signed[idx + 1..]);
    if sig.len() != 44 || !sig.ends_with('=') {
        return None;
    }
    let sig = STANDARD.decode(sig).ok()?;
    let mut m = mac(secret);
    m.update(value.as_bytes());
    m.verify_slice(&sig).ok()?;
    Some(value.to_owned())
}

/// Constant-time check of a base64url HMAC.
pub fn verify_base64url(secret: &[u8], value: &str, signature: &str) -> bool {
    let Ok(sig) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let mut m = mac(secret);
    m.update(value.as_bytes());
    m.verify_slice(&sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"better-auth-secret-12345678901234567890";
    const TOKEN: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";

    #[test]
    fn matches_the_better_auth_test_vector() {
        assert_eq!(
            sign(SECRET, TOKEN),
            "AbCdEfGhIjKlMnOpQrStUvWxYz012345.Ti/xeH4hFO5G4Kofpp9E9KCgaAEDRZ5hrYLoq0FI2L8="
        );
        assert_eq!(
            crate::cookies::encode_uri_component(&sign(SECRET, TOKEN)),
            "AbCdEfGhIjKlMnOpQrStUvWxYz012345.Ti%2FxeH4hFO5G4Kofpp9E9KCgaAEDRZ5hrYLoq0FI2L8%3D"
        );
    }

    #[test]
    fn rejects_tampering_and_bad_shapes() {
        let signed = sign(SECRET, TOKEN);
        assert_eq!(unsign(SECRET, &signed).as_deref(), Some(TOKEN));
        assert_eq!(unsign(b"another-secret", &signed), None);
        assert_eq!(unsign(SECRET, &signed.replacen('A', "B", 1)), None);
        assert_eq!(unsign(SECRET, TOKEN), None);
        assert_eq!(
            unsign(SECRET, ".Ti/xeH4hFO5G4Kofpp9E9KCgaAEDRZ5hrYLoq0FI2L8="),
            None
        );
        let urlsafe = format!("{TOKEN}.{}", hmac_base64url(SECRET, TOKEN));
        assert_eq!(unsign(SECRET, &urlsafe), None);
        assert!(verify_base64url(
            SECRET,
            TOKEN,
            &hmac_base64url(SECRET, TOKEN)
        ));
    }
}
