//! Encryption at rest in Better Auth's `symmetricEncrypt` format, so that what Better Auth
//! encrypted (TOTP secrets, backup codes, JWKS private keys, OAuth tokens) is read in place and
//! what Portcullis writes Better Auth can read back.
//!
//! Key: SHA-256 of the secret's UTF-8 bytes. Cipher: XChaCha20-Poly1305 with a random 24-byte
//! nonce. Stored: lowercase hex of `nonce ‖ ciphertext ‖ tag`; with versioned secrets
//! (`BETTER_AUTH_SECRETS`), `$ba$<version>$<hex>`, as Better Auth 1.7 writes it.
//!
//! Features call [`seal`] and [`open`] with `AuthContext::sealing_keys`; [`encrypt`] and
//! [`decrypt`] are the single-secret primitive beneath them.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

use crate::config::SecretVersions;

const ENVELOPE: &str = "$ba$";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SymmetricError {
    /// Not hex, too short, or a broken envelope.
    #[error("the encrypted value is malformed")]
    Malformed,
    /// A `$ba$<version>$` envelope whose version `BETTER_AUTH_SECRETS` no longer lists.
    #[error("no secret of version {0} is configured (BETTER_AUTH_SECRETS)")]
    RetiredVersion(u32),
    /// A bare value under versioned secrets, without `BETTER_AUTH_SECRET` to open it.
    #[error("a value written before BETTER_AUTH_SECRETS needs BETTER_AUTH_SECRET beside it")]
    NoLegacySecret,
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
/// An envelope is not opened here: that takes [`open`] and the versioned secrets.
pub fn decrypt(secret: &[u8], stored: &str) -> Result<String, SymmetricError> {
    if stored.starts_with(ENVELOPE) {
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

/// The secrets encryption at rest uses (`AuthContext::sealing_keys`).
#[derive(Debug, Clone, Copy)]
pub enum SealingKeys<'a> {
    /// `BETTER_AUTH_SECRET`: bare hex.
    Single(&'a [u8]),
    /// `BETTER_AUTH_SECRETS`: an envelope under the current version.
    Versioned(&'a SecretVersions),
}

/// Encrypts `plain` as Better Auth's `symmetricEncrypt` does with these keys.
pub fn seal(keys: SealingKeys<'_>, plain: &str) -> String {
    match keys {
        SealingKeys::Single(secret) => encrypt(secret, plain),
        SealingKeys::Versioned(v) => {
            // Config guarantees the current version is among the keys.
            let secret = v.key(v.current).map(|s| s.bytes()).unwrap_or_default();
            format!("{ENVELOPE}{}${}", v.current, encrypt(secret, plain))
        }
    }
}

/// Decrypts what [`seal`] or Better Auth's `symmetricEncrypt` wrote: an envelope with its
/// version's secret; a bare value with the single secret, or with the legacy one beside versions.
pub fn open(keys: SealingKeys<'_>, stored: &str) -> Result<String, SymmetricError> {
    let stored = stored.trim();
    match (keys, stored.strip_prefix(ENVELOPE)) {
        (SealingKeys::Single(secret), None) => decrypt(secret, stored),
        (SealingKeys::Single(_), Some(_)) => {
            Err(SymmetricError::RetiredVersion(envelope(stored)?.0))
        }
        (SealingKeys::Versioned(v), Some(_)) => {
            let (version, hex) = envelope(stored)?;
            let secret = v
                .key(version)
                .ok_or(SymmetricError::RetiredVersion(version))?;
            decrypt(secret.bytes(), hex)
        }
        (SealingKeys::Versioned(v), None) => match &v.legacy {
            Some(legacy) => decrypt(legacy.bytes(), stored),
            None => Err(SymmetricError::NoLegacySecret),
        },
    }
}

/// `$ba$<version>$<hex>` → (version, hex).
fn envelope(stored: &str) -> Result<(u32, &str), SymmetricError> {
    let rest = stored
        .strip_prefix(ENVELOPE)
        .ok_or(SymmetricError::Malformed)?;
    let (version, hex) = rest.split_once('$').ok_or(SymmetricError::Malformed)?;
    let version = version.parse().map_err(|_| SymmetricError::Malformed)?;
    Ok((version, hex))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

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
        assert_eq!(
            open(SealingKeys::Single(SECRET), "$ba$1$00"),
            Err(SymmetricError::RetiredVersion(1))
        );
    }

    fn versions(legacy: Option<&str>) -> SecretVersions {
        SecretVersions {
            current: 2,
            keys: vec![
                (
                    2,
                    Secret::new("second-secret-second-secret-0123456789".into()),
                ),
                (
                    1,
                    Secret::new("first-secret-first-secret-0123456789ab".into()),
                ),
            ],
            legacy: legacy.map(|s| Secret::new(s.into())),
        }
    }

    #[test]
    fn versioned_secrets_seal_under_the_current_and_open_every_listed_version() {
        let v = versions(Some(std::str::from_utf8(SECRET).unwrap()));
        let keys = SealingKeys::Versioned(&v);
        let sealed = seal(keys, "totp-secret");
        assert!(sealed.starts_with("$ba$2$"), "{sealed}");
        assert_eq!(open(keys, &sealed).as_deref(), Ok("totp-secret"));
        // Written under version 1 before the rotation.
        let old = format!(
            "$ba$1${}",
            encrypt(b"first-secret-first-secret-0123456789ab", "old")
        );
        assert_eq!(open(keys, &old).as_deref(), Ok("old"));
        // Written before versions were used: the legacy secret opens it.
        assert_eq!(open(keys, &encrypt(SECRET, "bare")).as_deref(), Ok("bare"));
        // A retired version, or a bare value with no legacy secret, says so.
        let retired = format!("$ba$0${}", encrypt(b"zero", "x"));
        assert_eq!(open(keys, &retired), Err(SymmetricError::RetiredVersion(0)));
        let without_legacy = versions(None);
        assert_eq!(
            open(
                SealingKeys::Versioned(&without_legacy),
                &encrypt(SECRET, "bare")
            ),
            Err(SymmetricError::NoLegacySecret)
        );
        assert_eq!(open(keys, "$ba$x$00"), Err(SymmetricError::Malformed));
        // A single secret never opens an envelope, and names its version.
        assert_eq!(
            open(SealingKeys::Single(SECRET), &sealed),
            Err(SymmetricError::RetiredVersion(2))
        );
    }

    #[test]
    fn reads_what_better_auth_sealed_with_versioned_secrets() {
        // better-auth 1.7.25's symmetricEncrypt({key: {keys: {2: "second-…", 1: "first-…"},
        // currentVersion: 2}, data: "JBSWY3DPEHPK3PXP"}).
        let stored = "$ba$2$bd03a8f3a18cb40c3ef35d925cb9882b5e169d5041ebcb0eff65149eb65af0df1ca8612542b4122b23c4075792bc190a45abe884f7b7ca1f";
        let v = versions(None);
        assert_eq!(
            open(SealingKeys::Versioned(&v), stored).as_deref(),
            Ok("JBSWY3DPEHPK3PXP")
        );
    }
}
