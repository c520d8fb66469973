//! The `apikey` table exactly as Better Auth's api-key plugin declares it, the keys themselves
//! (made, hashed, shown), and the JSON a key record is answered with.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use portcullis_storage::{Field, FieldType, Row, Table, Value};
use rand::Rng;
use serde_json::{Map, json};

use super::settings::ApiKeySettings;

pub const TABLE: &str = "apikey";

/// Better Auth's columns, in its order. `permissions` and `metadata` hold JSON text, as
/// Better Auth stores them, so a Better Auth database's keys read the same.
pub fn schema(settings: &ApiKeySettings) -> Table {
    use FieldType::*;
    Table::new(
        TABLE,
        vec![
            Field::new("configId", String)
                .required()
                .default("default")
                .index()
                .no_input(),
            Field::new("name", String).no_input(),
            Field::new("start", String).no_input(),
            Field::new("referenceId", String)
                .required()
                .index()
                .no_input(),
            Field::new("prefix", String).no_input(),
            // The SHA-256 of the key, never the key; never answered.
            Field::new("key", String)
                .required()
                .index()
                .hidden()
                .no_input(),
            Field::new("refillInterval", Number).no_input(),
            Field::new("refillAmount", Number).no_input(),
            Field::new("lastRefillAt", Date).no_input(),
            Field::new("enabled", Boolean).default(true).no_input(),
            Field::new("rateLimitEnabled", Boolean)
                .default(true)
                .no_input(),
            Field::new("rateLimitTimeWindow", Number)
                .default(settings.rate_limit_window_ms)
                .no_input(),
            Field::new("rateLimitMax", Number)
                .default(settings.rate_limit_max)
                .no_input(),
            Field::new("requestCount", Number).default(0i64).no_input(),
            Field::new("remaining", Number).no_input(),
            Field::new("lastRequest", Date).no_input(),
            Field::new("expiresAt", Date).no_input(),
            Field::new("createdAt", Date).required().no_input(),
            Field::new("updatedAt", Date).required().no_input(),
            Field::new("permissions", String).no_input(),
            Field::new("metadata", String),
        ],
    )
    // The admin console's newest-first pages (`console.rs`) read keys in this order.
    .index(&["createdAt", "id"])
}

/// Better Auth's default key: the prefix, then `length` letters `[a-zA-Z]` from a CSPRNG
/// (`rand`'s thread generator, ChaCha seeded from the OS): 64 letters are 365 bits.
pub fn generate_key(prefix: Option<&str>, length: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = portcullis_core::crypto::token::csprng();
    let mut key = String::with_capacity(prefix.map_or(0, str::len) + length);
    key.push_str(prefix.unwrap_or_default());
    key.extend((0..length).map(|_| LETTERS[rng.gen_range(0..LETTERS.len())] as char));
    key
}

/// How a key is stored: base64url without padding of its SHA-256, Better Auth's
/// `defaultKeyHasher`, so keys made by Better Auth keep working.
pub fn hash_key(key: &str) -> String {
    portcullis_core::crypto::token::hash_token(key)
}

/// The leading characters kept in `start`, so a user can tell keys apart.
pub fn start_of(key: &str, length: usize) -> Option<String> {
    (length > 0).then(|| key.chars().take(length).collect())
}

/// Time as Better Auth writes it: JavaScript dates have milliseconds, and every engine then
/// stores and returns exactly what was written (compared in guarded updates).
pub fn millis(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(t)
}

pub fn int(row: &Row, field: &str) -> Option<i64> {
    row.get(field).and_then(Value::as_int)
}

pub fn date(row: &Row, field: &str) -> Option<DateTime<Utc>> {
    row.get(field).and_then(Value::as_date)
}

pub fn text<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

/// A JSON text column parsed (`permissions`, `metadata`), or null.
pub fn parsed_json(row: &Row, field: &str) -> serde_json::Value {
    text(row, field)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The answered columns that are plain values, in Better Auth's order (`list` sorts by these
/// and `id`).
pub const SCALAR_FIELDS: &[&str] = &[
    "configId",
    "name",
    "start",
    "referenceId",
    "prefix",
    "refillInterval",
    "refillAmount",
    "lastRefillAt",
    "enabled",
    "rateLimitEnabled",
    "rateLimitTimeWindow",
    "rateLimitMax",
    "requestCount",
    "remaining",
    "lastRequest",
    "expiresAt",
    "createdAt",
    "updatedAt",
];

/// A key record as Better Auth answers it: every column but `key` in its order, then `id`,
/// with `permissions` and `metadata` parsed from their JSON text.
pub fn record_json(row: &Row) -> serde_json::Value {
    let mut m = Map::new();
    for field in SCALAR_FIELDS.iter().copied() {
        let v = row.get(field).map(Value::to_json).unwrap_or_default();
        m.insert(field.into(), v);
    }
    if m.get("configId").is_none_or(serde_json::Value::is_null) {
        // Keys made before Better Auth had configurations belong to the default one.
        m.insert("configId".into(), json!("default"));
    }
    m.insert("permissions".into(), parsed_json(row, "permissions"));
    m.insert("metadata".into(), parsed_json(row, "metadata"));
    m.insert(
        "id".into(),
        row.get("id").map(Value::to_json).unwrap_or_default(),
    );
    serde_json::Value::Object(m)
}

/// As [`record_json`], with the plaintext key: the create answer, the only time it is shown.
pub fn created_json(row: &Row, key: &str) -> serde_json::Value {
    let mut v = record_json(row);
    if let Some(m) = v.as_object_mut() {
        // Better Auth's order: the key follows the prefix.
        let mut ordered = Map::new();
        for (k, val) in std::mem::take(m) {
            let after_prefix = k == "prefix";
            ordered.insert(k, val);
            if after_prefix {
                ordered.insert("key".into(), json!(key));
            }
        }
        *m = ordered;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_letters_and_hash_as_better_auth() {
        let k = generate_key(Some("sk_"), 64);
        assert_eq!(k.len(), 67);
        assert!(k.starts_with("sk_"));
        assert!(k[3..].bytes().all(|b| b.is_ascii_alphabetic()));
        assert_ne!(generate_key(None, 64), generate_key(None, 64));
        // Node: crypto.createHash("sha256").update("abc").digest("base64url")
        assert_eq!(
            hash_key("abc"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
        assert_eq!(start_of("sk_abcdef", 6).as_deref(), Some("sk_abc"));
        assert_eq!(start_of("sk_abcdef", 0), None);
    }
}
