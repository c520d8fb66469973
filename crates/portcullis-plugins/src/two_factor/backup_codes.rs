//! Backup codes: ten single-use codes in Better Auth's visible form (`xxxxx-xxxxx`, from
//! `[a-zA-Z0-9]`), stored salted and hashed in `twoFactor.backupCodes`.
//!
//! Stored form: `pc1:` then one `<salt>.<mac>` per unused code, comma-separated, where `mac` is
//! base64url HMAC-SHA256 under the server secret of the salt and the code. A copy of the table
//! alone reveals no code, and a code cannot be tried offline without the secret.
//!
//! Better Auth stores them encrypted (its `symmetricEncrypt` of a JSON array), or as a plain
//! JSON array with `storeBackupCodes: "plain"`. Both are read in place; the first use rewrites
//! the rest in the hashed form.

use portcullis_core::crypto::sign::hmac_base64url;
use portcullis_core::crypto::symmetric;
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

/// The stored form of `codes`.
pub fn store(secret: &[u8], codes: &[String]) -> String {
    let entries: Vec<String> = codes.iter().map(|c| hash_one(secret, c)).collect();
    format!("{HASHED_PREFIX}{}", entries.join(","))
}

/// What a row holds.
enum Stored {
    /// Ours: `(salt, mac)` per unused code.
    Hashed(Vec<(String, String)>),
    /// Better Auth's, decrypted: the unused codes themselves.
    Plain(Vec<String>),
}

fn read(secret: &[u8], stored: &str) -> Option<Stored> {
    if let Some(rest) = stored.strip_prefix(HASHED_PREFIX) {
        let entries = rest
            .split(',')
            .filter(|e| !e.is_empty())
            .filter_map(|e| e.split_once('.'))
            .map(|(s, m)| (s.to_owned(), m.to_owned()))
            .collect();
        return Some(Stored::Hashed(entries));
    }
    let json = match symmetric::decrypt(secret, stored) {
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
pub fn check(secret: &[u8], stored: &str, code: &str) -> Checked {
    let code = code.trim();
    let Some(read) = read(secret, stored) else {
        return Checked::Unreadable;
    };
    match read {
        Stored::Hashed(entries) => {
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
                remaining: format!("{HASHED_PREFIX}{}", left.join(",")),
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
                remaining: store(secret, &left),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"better-auth-secret-12345678901234567890";

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
    fn each_code_works_once_and_nothing_readable_is_stored() {
        let codes = generate();
        let stored = store(SECRET, &codes);
        for c in &codes {
            assert!(!stored.contains(c.as_str()));
        }
        let Checked::Used { remaining, left } = check(SECRET, &stored, &codes[3]) else {
            panic!("the code should work");
        };
        assert_eq!(left, 9);
        assert_eq!(check(SECRET, &remaining, &codes[3]), Checked::Wrong);
        assert!(matches!(
            check(SECRET, &remaining, &codes[4]),
            Checked::Used { left: 8, .. }
        ));
        assert_eq!(check(SECRET, &stored, "aaaaa-bbbbb"), Checked::Wrong);
        // Another secret cannot tell right from wrong.
        assert_eq!(check(b"another-secret", &stored, &codes[0]), Checked::Wrong);
    }

    #[test]
    fn better_auths_encrypted_and_plain_codes_are_read_and_upgraded() {
        let codes = vec!["AbCde-12345".to_owned(), "fGhIj-67890".to_owned()];
        let json = serde_json::to_string(&codes).expect("json");
        for stored in [symmetric::encrypt(SECRET, &json), json.clone()] {
            let Checked::Used { remaining, left } = check(SECRET, &stored, "fGhIj-67890") else {
                panic!("Better Auth's code should work");
            };
            assert_eq!(left, 1);
            assert!(remaining.starts_with(HASHED_PREFIX));
            assert!(!remaining.contains("AbCde-12345"));
            assert!(matches!(
                check(SECRET, &remaining, "AbCde-12345"),
                Checked::Used { left: 0, .. }
            ));
            assert_eq!(check(SECRET, &remaining, "fGhIj-67890"), Checked::Wrong);
        }
        assert_eq!(check(SECRET, "garbage", "x"), Checked::Unreadable);
    }
}
