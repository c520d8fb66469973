//! Backup codes: ten single-use codes in Better Auth's visible form (`xxxxx-xxxxx`, from
//! `[a-zA-Z0-9]`), stored salted and hashed in `twoFactor.backupCodes`.
//!
//! Stored form: `pc1:` (with `BETTER_AUTH_SECRETS`, `pc1:v<version>|`, naming the secret) then
//! one `<salt>.<mac>` per unused code, comma-separated, where `mac` is base64url HMAC-SHA256
//! under that server secret of the salt and the code. A copy of the table alone reveals no
//! code, and a code cannot be tried offline without the secret; a rotation keeps old codes
//! working while their version still opens.
//!
//! Better Auth stores them encrypted (its `symmetricEncrypt` of a JSON array, bare or in a
//! `$ba$<version>$` envelope), or as a plain JSON array with `storeBackupCodes: "plain"`. Both
//! are read in place; the first use rewrites the rest in the hashed form.

use portcullis_core::crypto::sign::hmac_base64url;
use portcullis_core::crypto::symmetric::{self, SealingKeys};
use portcullis_core::crypto::token::generate_id;
use subtle::ConstantTimeEq;

const HASHED_PREFIX: &str = "pc1:";
pub const COUNT: usize = 10;

/// Fresh codes, as shown to the user once.
pub fn generate() -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let raw = generate_id(10);
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect()
}

fn mac(secret: &[u8], salt: &str, code: &str) -> String {
    hmac_base64url(secret, &format!("two-factor-backup-code:{salt}:{code}"))
}

fn hash_one(secret: &[u8], code: &str) -> String {
    let salt = generate_id(16);
    format!("{salt}.{}", mac(secret, &salt, code))
}

/// The key new codes are hashed under, and the version that names it (`None`: the single
/// `BETTER_AUTH_SECRET`).
fn current_key(keys: SealingKeys<'_>) -> (&[u8], Option<u32>) {
    match keys {
        SealingKeys::Single(secret) => (secret, None),
        SealingKeys::Versioned(v) => (
            v.key(v.current).map(|s| s.bytes()).unwrap_or_default(),
            Some(v.current),
        ),
    }
}

/// The key a stored version names, if this server still has it.
fn key_of(keys: SealingKeys<'_>, version: Option<u32>) -> Option<&[u8]> {
    match (keys, version) {
        (SealingKeys::Single(secret), None) => Some(secret),
        (SealingKeys::Single(_), Some(_)) => None,
        (SealingKeys::Versioned(v), Some(n)) => v.key(n).map(|s| s.bytes()),
        (SealingKeys::Versioned(v), None) => v.legacy.as_ref().map(|s| s.bytes()),
    }
}

fn header(version: Option<u32>) -> String {
    match version {
        Some(n) => format!("{HASHED_PREFIX}v{n}|"),
        None => HASHED_PREFIX.to_owned(),
    }
}

/// The stored form of `codes`.
pub fn store(keys: SealingKeys<'_>, codes: &[String]) -> String {
    let (secret, version) = current_key(keys);
    let entries: Vec<String> = codes.iter().map(|c| hash_one(secret, c)).collect();
    format!("{}{}", header(version), entries.join(","))
}

/// What a row holds.
enum Stored<'k> {
    /// Ours: the key's version and the key, and `(salt, mac)` per unused code.
    Hashed {
        version: Option<u32>,
        secret: &'k [u8],
        entries: Vec<(String, String)>,
    },
    /// Better Auth's, decrypted: the unused codes themselves.
    Plain(Vec<String>),
}

fn read<'k>(keys: SealingKeys<'k>, stored: &str) -> Option<Stored<'k>> {
    if let Some(rest) = stored.strip_prefix(HASHED_PREFIX) {
        let (version, rest) = match rest.strip_prefix('v').and_then(|r| r.split_once('|')) {
            Some((n, rest)) => (Some(n.parse().ok()?), rest),
            None => (None, rest),
        };
        let entries = rest
            .split(',')
            .filter(|e| !e.is_empty())
            .filter_map(|e| e.split_once('.'))
            .map(|(s, m)| (s.to_owned(), m.to_owned()))
            .collect();
        return Some(Stored::Hashed {
            version,
            secret: key_of(keys, version)?,
            entries,
        });
    }
    let json = match symmetric::open(keys, stored) {
        Ok(plain) => plain,
        // `storeBackupCodes: "plain"`: the JSON array itself.
        Err(_) => stored.to_owned(),
    };
    serde_json::from_str::<Vec<String>>(&json)
        .ok()
        .map(Stored::Plain)
}

/// The outcome of trying a code against a row's codes.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// Right: the stored form of the codes left, in the hashed form.
    Used {
        remaining: String,
        left: usize,
    },
    Wrong,
    /// The column cannot be read (another secret, or damaged).
    Unreadable,
}

/// Tries `code` against `stored`. Every stored code is compared, in constant time.
pub fn check(keys: SealingKeys<'_>, stored: &str, code: &str) -> Checked {
    let code = code.trim();
    let Some(read) = read(keys, stored) else {
        return Checked::Unreadable;
    };
    match read {
        Stored::Hashed {
            version,
            secret,
            entries,
        } => {
            let mut hit = None;
            for (i, (salt, want)) in entries.iter().enumerate() {
                let got = mac(secret, salt, code);
                if bool::from(got.as_bytes().ct_eq(want.as_bytes())) && hit.is_none() {
                    hit = Some(i);
                }
            }
            let Some(hit) = hit else {
                return Checked::Wrong;
            };
            let left: Vec<String> = entries
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != hit)
                .map(|(_, (s, m))| format!("{s}.{m}"))
                .collect();
            Checked::Used {
                left: left.len(),
                remaining: format!("{}{}", header(version), left.join(",")),
            }
        }
        Stored::Plain(codes) => {
            let mut hit = None;
            for (i, c) in codes.iter().enumerate() {
                if bool::from(c.as_bytes().ct_eq(code.as_bytes())) && hit.is_none() {
                    hit = Some(i);
                }
            }
            let Some(hit) = hit else {
                return Checked::Wrong;
            };
            let left: Vec<String> = codes
                .into_iter()
                .enumerate()
                .filter(|(i, _)| *i != hit)
                .map(|(_, c)| c)
                .collect();
            Checked::Used {
                left: left.len(),
                remaining: store(keys, &left),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"better-auth-secret-12345678901234567890";
    const KEYS: SealingKeys<'static> = SealingKeys::Single(SECRET);

    #[test]
    fn codes_have_better_auths_visible_form() {
        let codes = generate();
        assert_eq!(codes.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 11, "{c}");
            assert_eq!(&c[5..6], "-");
            assert!(
                c.replace('-', "")
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric())
            );
        }
    }

    #[test]
    fn every_stored_code_has_its_own_random_salt() {
        // ASVS V2.6.2: codes of about 59.5 bits must be salted (32 bits or more) and hashed.
        // The same code stored twice gives two different entries, and every salt is 16
        // characters of [A-Za-z0-9] (about 95 bits) that no other entry shares.
        let code = "abcde-12345";
        assert_ne!(hash_one(SECRET, code), hash_one(SECRET, code));
        let mut salts = std::collections::HashSet::new();
        for _ in 0..200 {
            let stored = store(KEYS, &generate());
            let body = stored.strip_prefix(HASHED_PREFIX).expect("the hashed form");
            let entries: Vec<&str> = body.split(',').collect();
            assert_eq!(entries.len(), 10);
            for entry in entries {
                let (salt, mac) = entry.split_once('.').expect("salt.mac");
                assert_eq!(salt.len(), 16);
                assert!(salt.bytes().all(|b| b.is_ascii_alphanumeric()));
                assert_eq!(mac.len(), 43, "base64url HMAC-SHA256");
                assert!(salts.insert(salt.to_owned()), "a salt repeated");
            }
        }
    }

    #[test]
    fn each_code_works_once_and_nothing_readable_is_stored() {
        let codes = generate();
        let stored = store(KEYS, &codes);
        for c in &codes {
            assert!(!stored.contains(c.as_str()));
        }
        let Checked::Used { remaining, left } = check(KEYS, &stored, &codes[3]) else {
            panic!("the code should work");
        };
        assert_eq!(left, 9);
        assert_eq!(check(KEYS, &remaining, &codes[3]), Checked::Wrong);
        assert!(matches!(
            check(KEYS, &remaining, &codes[4]),
            Checked::Used { left: 8, .. }
        ));
        assert_eq!(check(KEYS, &stored, "aaaaa-bbbbb"), Checked::Wrong);
        // Another secret cannot tell right from wrong.
        assert_eq!(
            check(SealingKeys::Single(b"another-secret"), &stored, &codes[0]),
            Checked::Wrong
        );
    }

    #[test]
    fn better_auths_encrypted_and_plain_codes_are_read_and_upgraded() {
        let codes = vec!["AbCde-12345".to_owned(), "fGhIj-67890".to_owned()];
        let json = serde_json::to_string(&codes).expect("json");
        for stored in [symmetric::encrypt(SECRET, &json), json.clone()] {
            let Checked::Used { remaining, left } = check(KEYS, &stored, "fGhIj-67890") else {
                panic!("Better Auth's code should work");
            };
            assert_eq!(left, 1);
            assert!(remaining.starts_with(HASHED_PREFIX));
            assert!(!remaining.contains("AbCde-12345"));
            assert!(matches!(
                check(KEYS, &remaining, "AbCde-12345"),
                Checked::Used { left: 0, .. }
            ));
            assert_eq!(check(KEYS, &remaining, "fGhIj-67890"), Checked::Wrong);
        }
        assert_eq!(check(KEYS, "garbage", "x"), Checked::Unreadable);
    }

    #[test]
    fn codes_name_their_secret_version_and_survive_a_rotation() {
        use portcullis_core::config::{Secret, SecretVersions};
        let version = |n: u32| {
            (
                n,
                Secret::new(format!("secret-version-{n}-0123456789abcdef")),
            )
        };
        let before = SecretVersions {
            current: 1,
            keys: vec![version(1)],
            legacy: Some(Secret::new("legacy-secret-0123456789abcdefghij".into())),
        };
        let codes = generate();
        let stored = store(SealingKeys::Versioned(&before), &codes);
        assert!(stored.starts_with("pc1:v1|"), "{stored}");
        // Version 2 now signs; version 1 still opens, so the codes still work.
        let after = SecretVersions {
            current: 2,
            keys: vec![version(2), version(1)],
            legacy: before.legacy.clone(),
        };
        let Checked::Used { remaining, .. } =
            check(SealingKeys::Versioned(&after), &stored, &codes[0])
        else {
            panic!("a code hashed under version 1 works while it opens");
        };
        assert!(remaining.starts_with("pc1:v1|"), "{remaining}");
        // Once version 1 is gone, they cannot be checked.
        let retired = SecretVersions {
            current: 2,
            keys: vec![version(2)],
            legacy: None,
        };
        assert_eq!(
            check(SealingKeys::Versioned(&retired), &stored, &codes[1]),
            Checked::Unreadable
        );
        // Codes made with the single secret are read with it beside the versions (legacy).
        let single = store(
            SealingKeys::Single(b"legacy-secret-0123456789abcdefghij"),
            &codes,
        );
        assert!(matches!(
            check(SealingKeys::Versioned(&after), &single, &codes[2]),
            Checked::Used { .. }
        ));
    }
}
