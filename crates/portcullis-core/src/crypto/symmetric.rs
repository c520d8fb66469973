//! Encryption at rest in Better Auth's `symmetricEncrypt` format, so that what Better Auth
//! encrypted (TOTP secrets, backup codes, JWKS private keys, OAuth tokens) is read in place and
//! what Portcullis writes Better Auth can read back.
//!
//! Key: SHA-256 of the secret's UTF-8 bytes. Cipher: XChaCha20-Poly1305 with a random 24-byte
//! nonce. Stored: lowercase hex of `nonce ‖ ciphertext ‖ tag`.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SymmetricError {
    /// Not hex, too short, or a versioned envelope (`$ba$<n>$…`) this server has no key for.
    #[error("the encrypted value is malformed")]
    Malformed,
    /// The tag does not verify: another secret encrypted it, or it was altered.
    #[error("the encrypted value does not decrypt with this secret")]
    WrongKey,
    #[error("the decrypted value is not UTF-8")]
    NotText,
}

fn cipher(secret: &[u8]) -> XChaCha20Poly1305 {
    let key = Sha256::digest(secret);
    XChaCha20Poly1305::new(&key)
}

/// Encrypts `plain` under `secret`; the answer is hex.
pub fn encrypt(secret: &[u8], plain: &str) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    // Encryption into a Vec cannot fail for inputs under the cipher's 256 GiB limit.
    let sealed = cipher(secret)
        .encrypt(&nonce, plain.as_bytes())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    hex::encode(out)
}

/// Decrypts what [`encrypt`] (or Better Auth's `symmetricEncrypt` with a single secret) wrote.
pub fn decrypt(secret: &[u8], stored: &str) -> Result<String, SymmetricError> {
    if stored.starts_with("$ba$") {
        // Versioned secrets (BETTER_AUTH_SECRETS) are not supported: say so rather than guess.
        return Err(SymmetricError::Malformed);
    }
    let bytes = hex::decode(stored.trim()).map_err(|_| SymmetricError::Malformed)?;
    if bytes.len() < NONCE_LEN + TAG_LEN {
        return Err(SymmetricError::Malformed);
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let plain = cipher(secret)
        .decrypt(XNonce::from_slice(nonce), sealed)
        .map_err(|_| SymmetricError::WrongKey)?;
    String::from_utf8(plain).map_err(|_| SymmetricError::NotText)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"better-auth-secret-12345678901234567890";

    #[test]
    fn round_trips_and_uses_a_fresh_nonce() {
        let a = encrypt(SECRET, "JBSWY3DPEHPK3PXP");
        let b = encrypt(SECRET, "JBSWY3DPEHPK3PXP");
        assert_ne!(a, b);
        assert_eq!(a.len(), 2 * (NONCE_LEN + 16 + TAG_LEN));
        assert_eq!(decrypt(SECRET, &a).as_deref(), Ok("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn reads_what_better_auth_encrypted() {
        // better-auth 1.7.25's symmetricEncrypt({key: SECRET, data: "JBSWY3DPEHPK3PXP"}).
        let stored = "f1500bb55e88c51bfa81109ad6c4845dbb879af679516bf676f09f953bf01b9cfb0b5f8a83069f916266eef020594933a8f2b7745e555a33";
        assert_eq!(decrypt(SECRET, stored).as_deref(), Ok("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn refuses_another_secret_tampering_and_garbage() {
        let a = encrypt(SECRET, "x");
        assert_eq!(
            decrypt(b"another-secret", &a),
            Err(SymmetricError::WrongKey)
        );
        let mut tampered = a.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).unwrap_or_default();
        assert_eq!(decrypt(SECRET, &tampered), Err(SymmetricError::WrongKey));
        assert_eq!(decrypt(SECRET, "zz"), Err(SymmetricError::Malformed));
        assert_eq!(decrypt(SECRET, "00"), Err(SymmetricError::Malformed));
        assert_eq!(decrypt(SECRET, "$ba$1$00"), Err(SymmetricError::Malformed));
    }
}
