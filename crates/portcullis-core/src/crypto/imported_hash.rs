//! Password hashes brought from other systems by `portcullis import`, kept in their own
//! algorithm and verified as they are until the user's next sign-in replaces them with the
//! configured hash:
//!
//! - PBKDF2 (Keycloak's `pbkdf2`, `pbkdf2-sha256`, `pbkdf2-sha512`; Django-style digests) as a
//!   PHC string, `$pbkdf2-sha256$i=27500,l=32$<salt>$<hash>` (PHC's unpadded base64);
//! - Firebase's scrypt variant: scrypt(password, salt ‖ separator) keys AES-256-CTR, which
//!   encrypts the project's signer key; the result is the stored hash. Its parameters are
//!   per project, so each stored value carries them:
//!   `$firebase-scrypt$<mem_cost>$<rounds>$<salt>$<separator>$<signer key>$<hash>`
//!   (standard padded base64, which never contains `$`).
//!
//! bcrypt and argon2 hashes need no conversion: they verify in `password` as they come.

use aes::Aes256;
use argon2::password_hash::PasswordHash;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ctr::cipher::{KeyIvInit, StreamCipher};
use subtle::ConstantTimeEq;

/// More rounds than any real export uses: a stored value cannot make one check take minutes.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// scrypt's N = 2^mem_cost; Firebase uses 14. Above 20 one check would need a gigabyte.
const MAX_FIREBASE_MEM_COST: u8 = 20;
const MAX_FIREBASE_ROUNDS: u32 = 64;

/// The digest under a PBKDF2 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pbkdf2Digest {
    Sha1,
    Sha256,
    Sha512,
}

impl Pbkdf2Digest {
    fn ident(self) -> &'static str {
        match self {
            Pbkdf2Digest::Sha1 => "pbkdf2-sha1",
            Pbkdf2Digest::Sha256 => "pbkdf2-sha256",
            Pbkdf2Digest::Sha512 => "pbkdf2-sha512",
        }
    }

    fn from_ident(ident: &str) -> Option<Self> {
        match ident {
            "pbkdf2-sha1" => Some(Pbkdf2Digest::Sha1),
            "pbkdf2-sha256" => Some(Pbkdf2Digest::Sha256),
            "pbkdf2-sha512" => Some(Pbkdf2Digest::Sha512),
            _ => None,
        }
    }
}

/// A PBKDF2 hash as Portcullis stores it. The length of `hash` is the derived key's length,
/// which differs between Keycloak versions (32 or 64 bytes for SHA-256).
pub fn pbkdf2_phc(digest: Pbkdf2Digest, iterations: u32, salt: &[u8], hash: &[u8]) -> String {
    format!(
        "${}$i={iterations},l={}${}${}",
        digest.ident(),
        hash.len(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    )
}

/// A Firebase project's password hash parameters (its console's "hash_config").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirebaseHashConfig {
    pub signer_key: Vec<u8>,
    pub salt_separator: Vec<u8>,
    pub rounds: u32,
    pub mem_cost: u8,
}

/// A Firebase scrypt hash as Portcullis stores it.
pub fn firebase_scrypt(config: &FirebaseHashConfig, salt: &[u8], hash: &[u8]) -> String {
    format!(
        "$firebase-scrypt${}${}${}${}${}${}",
        config.mem_cost,
        config.rounds,
        STANDARD.encode(salt),
        STANDARD.encode(&config.salt_separator),
        STANDARD.encode(&config.signer_key),
        STANDARD.encode(hash)
    )
}

/// Verifies `password` against a hash of one of these formats: `None` when `stored` is not
/// one of them, else whether it matches. Comparisons are constant-time.
pub fn verify(password: &str, stored: &str) -> Option<bool> {
    if stored.starts_with("$pbkdf2-") {
        return Some(verify_pbkdf2(password, stored).unwrap_or(false));
    }
    if let Some(rest) = stored.strip_prefix("$firebase-scrypt$") {
        return Some(verify_firebase(password, rest).unwrap_or(false));
    }
    None
}

fn verify_pbkdf2(password: &str, stored: &str) -> Option<bool> {
    let parsed = PasswordHash::new(stored).ok()?;
    let digest = Pbkdf2Digest::from_ident(parsed.algorithm.as_str())?;
    let iterations = parsed.params.get_decimal("i")?;
    if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS {
        return None;
    }
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let expected = parsed.hash?;
    let mut derived = vec![0u8; expected.len()];
    let pw = password.as_bytes();
    match digest {
        Pbkdf2Digest::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, iterations, &mut derived),
        Pbkdf2Digest::Sha256 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, iterations, &mut derived)
        }
        Pbkdf2Digest::Sha512 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, salt, iterations, &mut derived)
        }
    }
    Some(bool::from(derived.ct_eq(expected.as_bytes())))
}

fn verify_firebase(password: &str, fields: &str) -> Option<bool> {
    let parts: Vec<&str> = fields.split('$').collect();
    let [mem_cost, rounds, salt, separator, signer_key, hash] = parts.as_slice() else {
        return None;
    };
    let mem_cost: u8 = mem_cost.parse().ok()?;
    let rounds: u32 = rounds.parse().ok()?;
    if !(1..=MAX_FIREBASE_MEM_COST).contains(&mem_cost)
        || !(1..=MAX_FIREBASE_ROUNDS).contains(&rounds)
    {
        return None;
    }
    let mut salted = STANDARD.decode(salt).ok()?;
    salted.extend(STANDARD.decode(separator).ok()?);
    let mut block = STANDARD.decode(signer_key).ok()?;
    let expected = STANDARD.decode(hash).ok()?;
    let params = scrypt::Params::new(mem_cost, rounds, 1, 32).ok()?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password.as_bytes(), &salted, &params, &mut key).ok()?;
    let mut cipher = ctr::Ctr128BE::<Aes256>::new(&key.into(), &[0u8; 16].into());
    cipher.apply_keystream(&mut block);
    Some(bool::from(block.ct_eq(expected.as_slice())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector Firebase publishes with its scrypt tool (github.com/firebase/scrypt).
    fn firebase_vector() -> (FirebaseHashConfig, Vec<u8>, Vec<u8>) {
        let b64 = |s: &str| STANDARD.decode(s).expect("vector base64");
        (
            FirebaseHashConfig {
                signer_key: b64(
                    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
                ),
                salt_separator: b64("Bw=="),
                rounds: 8,
                mem_cost: 14,
            },
            b64("42xEC+ixf3L2lw=="),
            b64(
                "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
            ),
        )
    }

    #[test]
    fn firebase_published_vector_verifies() {
        let (config, salt, hash) = firebase_vector();
        let stored = firebase_scrypt(&config, &salt, &hash);
        assert_eq!(verify("user1password", &stored), Some(true));
        assert_eq!(verify("user1passwore", &stored), Some(false));
        let mut other_key = config.clone();
        other_key.signer_key[0] ^= 1;
        assert_eq!(
            verify("user1password", &firebase_scrypt(&other_key, &salt, &hash)),
            Some(false)
        );
    }

    #[test]
    fn firebase_values_out_of_range_or_malformed_never_match() {
        let (mut config, salt, hash) = firebase_vector();
        config.mem_cost = 30;
        assert_eq!(
            verify("user1password", &firebase_scrypt(&config, &salt, &hash)),
            Some(false)
        );
        assert_eq!(verify("x", "$firebase-scrypt$14$8$only-three"), Some(false));
    }

    /// RFC 6070's PBKDF2-HMAC-SHA1 vector ("password", "salt", 4096 rounds), and the SHA-256
    /// and SHA-512 answers for the same input (Python's `hashlib.pbkdf2_hmac` gives the same).
    #[test]
    fn pbkdf2_known_answers() {
        let cases = [
            (
                Pbkdf2Digest::Sha1,
                "4b007901b765489abead49d926f721d065a429c1",
            ),
            (
                Pbkdf2Digest::Sha256,
                "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
            ),
            (
                Pbkdf2Digest::Sha512,
                "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5",
            ),
        ];
        for (digest, hex_hash) in cases {
            let hash = hex::decode(hex_hash).expect("hex");
            let stored = pbkdf2_phc(digest, 4096, b"salt", &hash);
            assert_eq!(verify("password", &stored), Some(true), "{stored}");
            assert_eq!(verify("passwore", &stored), Some(false), "{stored}");
        }
    }

    #[test]
    fn other_formats_are_not_claimed() {
        assert_eq!(verify("x", "$2b$10$abc"), None);
        assert_eq!(verify("x", "abcd:ef01"), None);
        assert_eq!(
            verify("x", "$pbkdf2-md5$i=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"),
            Some(false)
        );
        assert_eq!(
            verify("x", "$pbkdf2-sha256$i=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"),
            Some(false)
        );
    }
}
