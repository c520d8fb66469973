//! The `passkey` table exactly as `@better-auth/passkey` declares it, so rows stay readable both
//! ways: `publicKey` is base64 of the COSE key, `credentialID` base64url, `transports` a comma
//! list, `deviceType` `singleDevice`/`multiDevice` (the backup-eligible flag), `backedUp` the
//! backup state.

use portcullis_storage::{Field, FieldType, Row, Table, Value};
use serde_json::Map;

pub const TABLE: &str = "passkey";

pub fn schema() -> Table {
    use FieldType::*;
    Table::new(
        TABLE,
        vec![
            Field::new("name", String).no_input(),
            Field::new("publicKey", String).required().no_input(),
            Field::new("userId", String)
                .required()
                .references("user", "id")
                .index()
                .no_input(),
            Field::new("credentialID", String)
                .required()
                .index()
                .no_input(),
            Field::new("counter", Number).required().no_input(),
            Field::new("deviceType", String).required().no_input(),
            Field::new("backedUp", Boolean).required().no_input(),
            Field::new("transports", String).no_input(),
            Field::new("createdAt", Date).no_input(),
            Field::new("aaguid", String).no_input(),
        ],
    )
}

/// The fields a passkey is answered with, in the order Better Auth's adapter returns them.
const FIELDS: &[&str] = &[
    "id",
    "name",
    "publicKey",
    "userId",
    "credentialID",
    "counter",
    "deviceType",
    "backedUp",
    "transports",
    "createdAt",
    "aaguid",
];

/// A passkey as Better Auth answers it. Absent optional columns are left out, as its adapter
/// leaves out what it did not store; `counter` is a number and `backedUp` a boolean on every
/// engine.
pub fn passkey_json(row: &Row) -> serde_json::Value {
    let mut m = Map::new();
    for field in FIELDS.iter().copied() {
        match row.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => {
                m.insert(field.into(), (*b).into());
            }
            // MySQL keeps booleans as TINYINT.
            Some(Value::Int(i)) if field == "backedUp" => {
                m.insert(field.into(), (*i != 0).into());
            }
            Some(v) => {
                m.insert(field.into(), v.to_json());
            }
        }
    }
    serde_json::Value::Object(m)
}

pub fn text<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

pub fn flag(row: &Row, field: &str) -> bool {
    row.get(field).and_then(Value::as_bool).unwrap_or(false)
}

pub fn int(row: &Row, field: &str) -> i64 {
    row.get(field).and_then(Value::as_int).unwrap_or(0)
}
