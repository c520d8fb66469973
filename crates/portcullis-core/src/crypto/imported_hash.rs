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
//!
//! A PBKDF2 hash under 100,000 iterations or a bcrypt hash under cost 10 is too cheap to guess
//! against (ASVS V2.4.3, V2.4.4), and its owner may never sign in to have it replaced. The
//! import wraps it (`wrap_if_weak`): argon2id over the weak hash's output,
//! `$wrapped$<the weak hash without its output><argon2id PHC>`. A guess must then pay for the
//! weak hash and for argon2id; the next sign-in replaces the wrapped hash with a plain one.

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

/// The least PBKDF2 iterations and bcrypt cost an imported hash keeps unwrapped (ASVS V2.4.3,
/// V2.4.4).
pub const MIN_PBKDF2_ITERATIONS: u32 = 100_000;
pub const MIN_BCRYPT_COST: u32 = 10;

const WRAPPED: &str = "$wrapped$";

/// A weak hash split into what recomputes its output from a password and that output.
enum Weak<'a> {
    Pbkdf2 { params: &'a str, output: Vec<u8> },
    Bcrypt { params: &'a str, output: &'a str },
}

fn weak(stored: &str) -> Option<Weak<'_>> {
    if stored.starts_with("$pbkdf2-") {
        let parsed = PasswordHash::new(stored).ok()?;
        if parsed.params.get_decimal("i")? >= MIN_PBKDF2_ITERATIONS {
            return None;
        }
        let output = parsed.hash?.as_bytes().to_vec();
        let (params, _) = stored.rsplit_once('$')?;
        return Some(Weak::Pbkdf2 { params, output });
    }
    if stored.len() == 60
        && (stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$"))
    {
        let cost: u32 = stored.get(4..6)?.parse().ok()?;
        if cost >= MIN_BCRYPT_COST {
            return None;
        }
        // `$2b$08$` + 22 characters of salt, then 31 of output.
        return Some(Weak::Bcrypt {
            params: stored.get(..29)?,
            output: stored.get(29..)?,
        });
    }
    None
}

/// argon2id at the parameters new passwords get, over `input`.
fn argon2id() -> argon2::Argon2<'static> {
    // Constant parameters within the documented ranges.
    let params = argon2::Params::new(19 * 1024, 2, 1, None)
        .unwrap_or_else(|_| unreachable!("valid argon2 params"));
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// `stored` wrapped in argon2id when it is a weak PBKDF2 or bcrypt hash, else `None`.
pub fn wrap_if_weak(stored: &str) -> Option<String> {
    use argon2::PasswordHasher as _;
    let (params, output): (&str, Vec<u8>) = match weak(stored)? {
        Weak::Pbkdf2 { params, output } => (params, output),
        Weak::Bcrypt { params, output } => (params, output.as_bytes().to_vec()),
    };
    let salt = argon2::password_hash::SaltString::generate(&mut rand::rngs::OsRng);
    let outer = argon2id().hash_password(&output, &salt).ok()?;
    Some(format!("{WRAPPED}{params}{outer}"))
}

/// A wrapped hash: the weak hash's output recomputed from `password`, then checked against the
/// argon2id hash of it.
fn verify_wrapped(password: &str, rest: &str) -> Option<bool> {
    use argon2::PasswordVerifier as _;
    let at = rest.find("$argon2id$")?;
    let (params, outer) = (&rest[..at], &rest[at..]);
    let output: Vec<u8> = if params.starts_with("$pbkdf2-") {
        let parsed = PasswordHash::new(params).ok()?;
        let length = usize::try_from(parsed.params.get_decimal("l")?).ok()?;
        if !(16..=64).contains(&length) {
            return None;
        }
        // Recomputed by the PBKDF2 check itself: an output of this length with this salt.
        let mut derived = vec![0u8; length];
        pbkdf2_into(password, &parsed, &mut derived)?;
        derived
    } else if params.starts_with("$2") {
        let parts: bcrypt::HashParts = format!("{params}{}", "a".repeat(31)).parse().ok()?;
        let salt: [u8; 16] = {
            use base64::Engine as _;
            bcrypt::BASE_64
                .decode(parts.get_salt())
                .ok()?
                .try_into()
                .ok()?
        };
        let again = bcrypt::hash_with_salt(password, parts.get_cost(), salt).ok()?;
        again
            .format_for_version(bcrypt::Version::TwoB)
            .get(29..)?
            .as_bytes()
            .to_vec()
    } else {
        return None;
    };
    let outer = PasswordHash::new(outer).ok()?;
    Some(argon2id().verify_password(&output, &outer).is_ok())
}

/// Verifies `password` against a hash of one of these formats: `None` when `stored` is not
/// one of them, else whether it matches. Comparisons are constant-time.
pub fn verify(password: &str, stored: &str) -> Option<bool> {
    if let Some(rest) = stored.strip_prefix(WRAPPED) {
        return Some(verify_wrapped(password, rest).unwrap_or(false));
    }
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
    let expected = parsed.hash?;
    let mut derived = vec![0u8; expected.len()];
    pbkdf2_into(password, &parsed, &mut derived)?;
    Some(bool::from(derived.ct_eq(expected.as_bytes())))
}

/// PBKDF2 of `password` with the digest, iterations and salt `parsed` names, filling `derived`.
fn pbkdf2_into(password: &str, parsed: &PasswordHash<'_>, derived: &mut [u8]) -> Option<()> {
    let digest = Pbkdf2Digest::from_ident(parsed.algorithm.as_str())?;
    let iterations = parsed.params.get_decimal("i")?;
    if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS {
        return None;
    }
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let pw = password.as_bytes();
    match digest {
        Pbkdf2Digest::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, iterations, derived),
        Pbkdf2Digest::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, iterations, derived),
        Pbkdf2Digest::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, salt, iterations, derived),
    }
    Some(())
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
    fn weak_hashes_are_wrapped_and_still_verify() {
        // ASVS V2.4.3: Keycloak's old default, 27,500 iterations.
        let weak = pbkdf2_phc(Pbkdf2Digest::Sha256, 27_500, b"0123456789abcdef", &{
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"hunter22", b"0123456789abcdef", 27_500, &mut out);
            out
        });
        let wrapped = wrap_if_weak(&weak).expect("wrapped");
        assert!(
            wrapped.starts_with("$wrapped$$pbkdf2-sha256$i=27500,l=32$"),
            "{wrapped}"
        );
        assert!(
            wrapped.contains("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{wrapped}"
        );
        // The weak output is not in the stored value: a copy of the table must pay argon2id.
        let output = weak.rsplit_once('$').expect("output").1;
        assert!(!wrapped.contains(output));
        assert_eq!(verify("hunter22", &wrapped), Some(true));
        assert_eq!(verify("hunter23", &wrapped), Some(false));
        // ASVS V2.4.4: bcrypt under cost 10.
        let bcrypt_weak = bcrypt::hash("hunter22", 6).expect("bcrypt");
        let wrapped = wrap_if_weak(&bcrypt_weak).expect("wrapped");
        assert!(wrapped.starts_with(&format!("$wrapped${}$argon2id$", &bcrypt_weak[..29])));
        assert!(!wrapped.contains(&bcrypt_weak[29..]));
        assert_eq!(verify("hunter22", &wrapped), Some(true));
        assert_eq!(verify("hunter23", &wrapped), Some(false));
        // Strong enough ones are kept as they are.
        let strong = pbkdf2_phc(
            Pbkdf2Digest::Sha256,
            100_000,
            b"0123456789abcdef",
            &[7u8; 32],
        );
        assert_eq!(wrap_if_weak(&strong), None);
        assert_eq!(wrap_if_weak(&bcrypt::hash("x", 10).expect("bcrypt")), None);
        assert_eq!(
            wrap_if_weak("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            None
        );
        // Malformed wrapped values never match.
        for bad in [
            "$wrapped$",
            "$wrapped$$pbkdf2-sha256$i=1,l=32$c2FsdA",
            "$wrapped$$2b$05$x$argon2id$",
        ] {
            assert_eq!(verify("hunter22", bad), Some(false), "{bad}");
        }
    }

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
