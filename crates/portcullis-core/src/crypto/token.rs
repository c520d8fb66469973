//! Random identifiers and the one-way form in which tokens are stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::distributions::{Alphanumeric, DistString};
use rand::{CryptoRng, Rng, RngCore};
use sha2::{Digest, Sha256};

/// The one generator behind every token, id, code and salt drawn here: ChaCha12 reseeded from
/// the operating system. The `CryptoRng` bound is the point: swapping in a generator that is not
/// cryptographically secure stops the build (ASVS V2.7.6, V3.2.4).
pub fn csprng() -> impl RngCore + CryptoRng {
    rand::thread_rng()
}

/// Better Auth's `generateId`: `len` characters from `[a-zA-Z0-9]`, from a CSPRNG.
pub fn generate_id(len: usize) -> String {
    Alphanumeric.sample_string(&mut csprng(), len)
}

/// Better Auth's `generateRandomString` alphabet `a-z0-9A-Z-_`.
pub fn random_string(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
    let mut rng = csprng();
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

    fn needs_a_crypto_rng<R: RngCore + CryptoRng>(_: &mut R) {}

    #[test]
    fn tokens_come_from_a_crypto_rng_and_do_not_repeat() {
        // Compiles only while `csprng` is a `CryptoRng` (ASVS V3.2.4).
        needs_a_crypto_rng(&mut csprng());
        // 100,000 session-sized tokens, no repeat: 190 bits each make a collision impossible
        // unless the generator is broken (V3.2.2).
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100_000 {
            assert!(seen.insert(generate_id(32)), "a token repeated");
        }
        // Every character of the alphabet turns up in roughly equal share: a stuck or
        // biased generator fails this (62 symbols, 3.2M draws, ±10 % of the mean).
        let mut counts = std::collections::HashMap::new();
        for token in &seen {
            for c in token.chars() {
                *counts.entry(c).or_insert(0u32) += 1;
            }
        }
        assert_eq!(counts.len(), 62);
        let mean = 3_200_000 / 62;
        for (c, n) in counts {
            assert!(
                n.abs_diff(mean) < mean / 10,
                "{c} drawn {n} times, mean {mean}"
            );
        }
    }

    #[test]
    fn hashed_tokens_are_recognisable_and_stable() {
        let h = hash_token("AbCdEfGhIjKlMnOpQrStUvWxYz012345");
        assert_eq!(h, hash_token("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
        assert!(looks_hashed(&h));
        assert!(!looks_hashed("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
    }
}
