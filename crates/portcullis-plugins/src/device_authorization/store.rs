//! The `deviceCode` table as Better Auth declares it, the codes themselves, and the look-ups.

use portcullis_core::crypto::token::{generate_id, hash_token, looks_hashed};
use portcullis_storage::{Field, FieldType, Row, Store, Table, Value, Where};
use rand::Rng;

pub const TABLE: &str = "deviceCode";

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const DENIED: &str = "denied";

/// RFC 8628 §6.1's alphabet: consonants only, without vowels (no words) and without
/// characters that look alike (0/O, 1/I/L are all absent or unambiguous in upper case).
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
/// 20^8 ≈ 2.6·10^10 codes: with a code's life and the rate limit on `/device`, guessing a
/// live one is hopeless.
const USER_CODE_LENGTH: usize = 8;
/// Better Auth's `deviceCodeLength`: 40 characters from `[a-zA-Z0-9]`, about 238 bits.
const DEVICE_CODE_LENGTH: usize = 40;
/// Better Auth's `DEVICE_AUTHORIZATION_CODE_MAX_LENGTH`: longer input is no code of ours.
const MAX_CODE_CHARS: usize = 191;

/// Better Auth's columns. `deviceCode` holds the SHA-256 of the code (`hash_token`), never the
/// code; `userCode` holds the eight letters without the dash, as Better Auth stores its codes.
pub fn schema() -> Table {
    use FieldType::*;
    Table::new(
        TABLE,
        vec![
            Field::new("deviceCode", String)
                .required()
                .unique()
                .hidden()
                .no_input(),
            Field::new("userCode", String)
                .required()
                .unique()
                .no_input(),
            Field::new("userId", String).no_input(),
            Field::new("expiresAt", Date).required().index().no_input(),
            Field::new("status", String).required().no_input(),
            Field::new("lastPolledAt", Date).no_input(),
            Field::new("pollingInterval", Number).no_input(),
            Field::new("clientId", String).no_input(),
            Field::new("scope", String).no_input(),
        ],
    )
}

pub fn new_device_code() -> String {
    generate_id(DEVICE_CODE_LENGTH)
}

/// Eight letters from the alphabet, drawn uniformly from a CSPRNG, as stored (no dash).
pub fn new_user_code() -> String {
    let mut rng = portcullis_core::crypto::token::csprng();
    (0..USER_CODE_LENGTH)
        .map(|_| USER_CODE_ALPHABET[rng.gen_range(0..USER_CODE_ALPHABET.len())] as char)
        .collect()
}

/// `BCDF-GHJK`: how a stored code is shown, so it is read and typed in two halves.
pub fn display_user_code(stored: &str) -> String {
    if stored.len() == USER_CODE_LENGTH && stored.is_ascii() {
        format!("{}-{}", &stored[..4], &stored[4..])
    } else {
        stored.to_owned()
    }
}

/// A typed code as stored: dashes, spaces and anything else not a letter or digit dropped,
/// upper case (Better Auth's `normalizeUserCode`). `None` for what can be no code.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    if typed.chars().count() > MAX_CODE_CHARS {
        return None;
    }
    let code: std::string::String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!code.is_empty()).then_some(code)
}

/// The row of a typed user code, whatever its case and dashes.
pub async fn find_by_user_code(
    store: &dyn Store,
    typed: &str,
) -> Result<Option<Row>, portcullis_storage::StorageError> {
    let Some(code) = normalize_user_code(typed) else {
        return Ok(None);
    };
    store.find_one(TABLE, &[Where::eq("userCode", code)]).await
}

/// The row of a device code: by its hash, or, for a code Better Auth issued before this
/// server took over its database, by the plain value (never for a value shaped like a hash,
/// so a leaked stored hash is no code).
pub async fn find_by_device_code(
    store: &dyn Store,
    device_code: &str,
) -> Result<Option<Row>, portcullis_storage::StorageError> {
    if device_code.is_empty() || device_code.chars().count() > MAX_CODE_CHARS {
        return Ok(None);
    }
    let hashed = hash_token(device_code);
    if let Some(row) = store
        .find_one(TABLE, &[Where::eq("deviceCode", hashed)])
        .await?
    {
        return Ok(Some(row));
    }
    if looks_hashed(device_code) {
        return Ok(None);
    }
    store
        .find_one(TABLE, &[Where::eq("deviceCode", device_code)])
        .await
}

pub fn text<'a>(row: &'a Row, column: &str) -> Option<&'a str> {
    row.get(column).and_then(Value::as_str)
}

pub fn id(row: &Row) -> &str {
    text(row, "id").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_eight_unambiguous_letters_shown_in_halves() {
        for _ in 0..200 {
            let code = new_user_code();
            assert_eq!(code.len(), 8);
            assert!(
                code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)),
                "{code}"
            );
            let shown = display_user_code(&code);
            assert_eq!(shown.len(), 9);
            assert_eq!(&shown[4..5], "-");
            assert_eq!(normalize_user_code(&shown).as_deref(), Some(code.as_str()));
        }
        for forbidden in ["A", "E", "I", "O", "U", "Y", "0", "1", "5"] {
            assert!(!USER_CODE_ALPHABET.contains(&forbidden.as_bytes()[0]));
        }
    }

    #[test]
    fn typed_codes_match_in_any_case_with_or_without_the_dash() {
        assert_eq!(
            normalize_user_code("bcdf-ghjk").as_deref(),
            Some("BCDFGHJK")
        );
        assert_eq!(
            normalize_user_code(" BCDF GHJK ").as_deref(),
            Some("BCDFGHJK")
        );
        assert_eq!(normalize_user_code("BcDfGhJk").as_deref(), Some("BCDFGHJK"));
        assert_eq!(normalize_user_code("--"), None);
        assert_eq!(normalize_user_code(&"B".repeat(192)), None);
    }

    #[test]
    fn device_codes_are_long_and_random() {
        let a = new_device_code();
        assert_eq!(a.len(), 40);
        assert_ne!(a, new_device_code());
    }
}
