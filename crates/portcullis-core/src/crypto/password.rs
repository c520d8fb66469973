//! Password hashing: argon2id (OWASP parameters) by default; Better Auth's scrypt as an option
//! and for verifying imported hashes; bcrypt for verifying. Hashing runs on a bounded pool of
//! blocking threads so that a sign-in flood cannot starve the async workers.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing worker stopped")]
    Worker,
}

/// Which hash new passwords get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// argon2id, m = 19 MiB, t = 2, p = 1 (OWASP's first recommendation).
    Argon2id,
    /// Better Auth's scrypt: N = 16384, r = 16, p = 1, 64-byte key, hex salt used as text.
    Scrypt,
}

impl HashAlgorithm {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "argon2id" | "argon2" => Some(Self::Argon2id),
            "scrypt" => Some(Self::Scrypt),
            _ => None,
        }
    }
}

const ARGON2_M_KIB: u32 = 19 * 1024;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

fn argon2() -> Argon2<'static> {
    // Constant parameters within the documented ranges: construction cannot fail.
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)
        .unwrap_or_else(|_| unreachable!("valid argon2 params"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn scrypt_params() -> scrypt::Params {
    scrypt::Params::new(14, 16, 1, 64).unwrap_or_else(|_| unreachable!("valid scrypt params"))
}

fn nfkc(password: &str) -> String {
    password.nfkc().collect()
}

fn hash_sync(algo: HashAlgorithm, password: &str) -> Result<String, PasswordError> {
    match algo {
        HashAlgorithm::Argon2id => {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| PasswordError::Hash(e.to_string()))
        }
        HashAlgorithm::Scrypt => {
            let mut salt = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut salt);
            let salt_hex = hex::encode(salt);
            let key = scrypt_key(password, &salt_hex)?;
            Ok(format!("{salt_hex}:{}", hex::encode(key)))
        }
    }
}

fn scrypt_key(password: &str, salt_hex: &str) -> Result<[u8; 64], PasswordError> {
    let mut out = [0u8; 64];
    scrypt::scrypt(
        nfkc(password).as_bytes(),
        salt_hex.as_bytes(),
        &scrypt_params(),
        &mut out,
    )
    .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(out)
}

/// The outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub ok: bool,
    /// The stored hash is not in the current default form and should be replaced.
    pub needs_rehash: bool,
}

fn verify_sync(algo: HashAlgorithm, password: &str, stored: &str) -> Verified {
    let fail = Verified {
        ok: false,
        needs_rehash: false,
    };
    if stored.starts_with("$argon2") {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return fail;
        };
        let ok = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        let current = parsed.algorithm.as_str() == "argon2id"
            && parsed.params.get_decimal("m") == Some(ARGON2_M_KIB)
            && parsed.params.get_decimal("t") == Some(ARGON2_T)
            && parsed.params.get_decimal("p") == Some(ARGON2_P);
        return Verified {
            ok,
            needs_rehash: ok && (algo != HashAlgorithm::Argon2id || !current),
        };
    }
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        let ok = bcrypt::verify(password, stored).unwrap_or(false);
        return Verified {
            ok,
            needs_rehash: ok,
        };
    }
    if let Some((salt_hex, key_hex)) = stored.split_once(':') {
        let Ok(expected) = hex::decode(key_hex) else {
            return fail;
        };
        let Ok(key) = scrypt_key(password, salt_hex) else {
            return fail;
        };
        let ok = expected.len() == key.len() && bool::from(key.ct_eq(expected.as_slice()));
        return Verified {
            ok,
            needs_rehash: ok && algo != HashAlgorithm::Scrypt,
        };
    }
    fail
}

/// Hashes and verifies on a bounded pool of blocking threads.
#[derive(Clone)]
pub struct PasswordHasher {
    algo: HashAlgorithm,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified when the account does not exist so that both
    /// paths cost the same.
    dummy: Arc<String>,
}

impl PasswordHasher {
    pub fn new(algo: HashAlgorithm, concurrency: usize) -> Result<Self, PasswordError> {
        let dummy = hash_sync(algo, &crate::crypto::token::generate_id(24))?;
        Ok(PasswordHasher {
            algo,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::new(dummy),
        })
    }

    pub fn algorithm(&self) -> HashAlgorithm {
        self.algo
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Worker)?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|_| PasswordError::Worker)
    }

    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let (algo, pw) = (self.algo, password.to_owned());
        self.run(move || hash_sync(algo, &pw)).await?
    }

    pub async fn verify(&self, password: &str, stored: &str) -> Result<Verified, PasswordError> {
        let (algo, pw, stored) = (self.algo, password.to_owned(), stored.to_owned());
        self.run(move || verify_sync(algo, &pw, &stored)).await
    }

    /// Spends the time of a real verification, for accounts that do not exist.
    pub async fn verify_dummy(&self, password: &str) -> Result<(), PasswordError> {
        let dummy = self.dummy.clone();
        let (algo, pw) = (self.algo, password.to_owned());
        self.run(move || verify_sync(algo, &pw, &dummy)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_the_better_auth_scrypt_vector() {
        let stored = "00112233445566778899aabbccddeeff:73122e887cfc14f91396cdef78dfe4b9dec28d459037601c4904cedba5a637ab97b39b40c236df5d42881d0109ca8cf0f85e39dbaba2911c190915bd8f30fe85";
        let v = verify_sync(HashAlgorithm::Argon2id, "password123", stored);
        assert_eq!(
            v,
            Verified {
                ok: true,
                needs_rehash: true
            }
        );
        let v = verify_sync(HashAlgorithm::Scrypt, "password123", stored);
        assert_eq!(
            v,
            Verified {
                ok: true,
                needs_rehash: false
            }
        );
        assert!(!verify_sync(HashAlgorithm::Argon2id, "password124", stored).ok);
    }

    #[test]
    fn argon2id_round_trip_uses_owasp_parameters() {
        let h = hash_sync(HashAlgorithm::Argon2id, "correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            verify_sync(HashAlgorithm::Argon2id, "correct horse", &h),
            Verified {
                ok: true,
                needs_rehash: false
            }
        );
        assert!(!verify_sync(HashAlgorithm::Argon2id, "wrong horse", &h).ok);
        // Switching the default to scrypt marks argon2 hashes for rehash.
        assert!(verify_sync(HashAlgorithm::Scrypt, "correct horse", &h).needs_rehash);
    }

    #[test]
    fn scrypt_hashes_have_better_auths_format() {
        let h = hash_sync(HashAlgorithm::Scrypt, "pässwörd").expect("hash");
        let (salt, key) = h.split_once(':').expect("colon");
        assert_eq!((salt.len(), key.len()), (32, 128));
        assert!(verify_sync(HashAlgorithm::Scrypt, "pässwörd", &h).ok);
    }

    #[test]
    fn bcrypt_verifies_and_asks_for_rehash() {
        let h = bcrypt::hash("hunter22", 4).expect("bcrypt");
        assert_eq!(
            verify_sync(HashAlgorithm::Argon2id, "hunter22", &h),
            Verified {
                ok: true,
                needs_rehash: true
            }
        );
        assert!(!verify_sync(HashAlgorithm::Argon2id, "hunter23", &h).ok);
        assert!(!verify_sync(HashAlgorithm::Argon2id, "x", "garbage").ok);
    }
}
