//! TOTP as Better Auth's `@better-auth/utils/otp` makes it: RFC 6238 through `totp-rs`, HMAC-SHA-1,
//! 6 digits, 30-second steps, one step either side. The secret is a 32-character random string
//! whose UTF-8 bytes are the HMAC key; authenticator apps get them in base32.
//!
//! Unlike Better Auth, a code is accepted once: the step it belongs to must be later than the
//! last step the account used (`twoFactor.lastTotpStep`), so a code seen over a shoulder or in
//! a log cannot be replayed within its 90-second window.

use totp_rs::{Algorithm, TOTP};

use portcullis_core::cookies::encode_uri_component;

pub const DIGITS: usize = 6;
pub const PERIOD: u64 = 30;

/// A new secret: Better Auth's `generateRandomString(32)`.
pub fn new_secret() -> String {
    portcullis_core::crypto::token::random_string(32)
}

/// The HMAC key of a stored secret's plain text. Better Auth 1.7.25 stores secrets imported
/// from elsewhere as `base32:<secret>`; the rest are used as their bytes.
pub fn key_of(plain: &str) -> Option<Vec<u8>> {
    match plain.strip_prefix("base32:") {
        Some(b32) => totp_rs::Secret::Encoded(b32.to_uppercase()).to_bytes().ok(),
        None => Some(plain.as_bytes().to_vec()),
    }
}

fn totp(key: Vec<u8>) -> TOTP {
    // `new_unchecked`: Better Auth accepts imported secrets shorter than RFC 4226's 128 bits.
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, PERIOD, key)
}

/// `otpauth://totp/<issuer>:<email>?secret=…&issuer=…&digits=6&period=30`, byte for byte as
/// Better Auth writes it (the label `encodeURIComponent`-ed, the query form-encoded).
pub fn uri(key: &[u8], issuer: &str, account: &str) -> String {
    let secret = totp_rs::Secret::Raw(key.to_vec()).to_encoded().to_string();
    let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&digits={DIGITS}&period={PERIOD}",
        encode_uri_component(issuer),
        encode_uri_component(account),
        secret.trim_end_matches('='),
        form(issuer),
    )
}

/// The step a right `code` belongs to (now, one before or one after), or `None`. Each candidate
/// is compared in constant time (`totp-rs`'s `check`), and all three are always computed.
pub fn matching_step(key: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(key.to_vec());
    let now = unix_seconds / PERIOD;
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        if t.check(code, step * PERIOD) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A code for `key` at `unix_seconds`, for the tests.
#[cfg(test)]
pub fn code_at(key: &[u8], unix_seconds: u64) -> String {
    totp(key.to_vec()).generate(unix_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
        let key = b"12345678901234567890".to_vec();
        assert_eq!(code_at(&key, 59), "287082");
        assert_eq!(code_at(&key, 1_111_111_109), "081804");
        assert_eq!(code_at(&key, 1_234_567_890), "005924");
    }

    #[test]
    fn one_step_either_side_and_no_further() {
        let key = b"12345678901234567890".to_vec();
        let t = 1_234_567_890;
        let step = t / PERIOD;
        assert_eq!(matching_step(&key, &code_at(&key, t), t), Some(step));
        assert_eq!(
            matching_step(&key, &code_at(&key, t - 30), t),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(&key, &code_at(&key, t + 30), t),
            Some(step + 1)
        );
        assert_eq!(matching_step(&key, &code_at(&key, t - 60), t), None);
        assert_eq!(matching_step(&key, &code_at(&key, t + 60), t), None);
        assert_eq!(matching_step(&key, "12345", t), None);
        assert_eq!(matching_step(&key, "abcdef", t), None);
    }

    #[test]
    fn the_uri_is_better_auths() {
        let key = b"12345678901234567890".to_vec();
        assert_eq!(
            uri(&key, "Better Auth", "tfa@example.com"),
            "otpauth://totp/Better%20Auth:tfa%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Better+Auth&digits=6&period=30"
        );
        // A 32-character secret is 52 base32 characters, unpadded.
        let secret = new_secret();
        let u = uri(secret.as_bytes(), "X", "a@b.c");
        let b32 = u.split("secret=").nth(1).and_then(|s| s.split('&').next());
        assert_eq!(b32.map(str::len), Some(52));
    }

    #[test]
    fn imported_base32_secrets_are_decoded() {
        assert_eq!(
            key_of("base32:gezdgnbvgy3tqojqgezdgnbvgy3tqojq").as_deref(),
            Some(&b"12345678901234567890"[..])
        );
        assert_eq!(key_of("plain").as_deref(), Some(&b"plain"[..]));
    }
}
