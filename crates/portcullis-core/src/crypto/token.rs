//! Random identifiers and the one-way form in which tokens are stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};

/// Better Auth's `generateId`: `len` characters from `[a-zA-Z0-9]`, from a CSPRNG.
pub fn generate_id(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), len)
}

/// Better Auth's `generateRandomString` alphabet `a-z0-9A-Z-_`.
pub fn random_string(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// How a session or verification token is stored: base64url(SHA-256(token)), 43 characters.
/// Tokens carry ≥190 bits of entropy, so an unsalted fast hash is enough to make a leaked
/// table useless without slowing every request.
pub fn hash_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// True for values shaped like `hash_token` output, which must never be accepted as tokens.
pub fn looks_hashed(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_better_auth_shape() {
        let id = generate_id(32);
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(generate_id(32), id);
        assert_eq!(random_string(20).len(), 20);
    }

    #[test]
    fn hashed_tokens_are_recognisable_and_stable() {
        let h = hash_token("AbCdEfGhIjKlMnOpQrStUvWxYz012345");
        assert_eq!(h, hash_token("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
        assert!(looks_hashed(&h));
        assert!(!looks_hashed("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
    }
}
