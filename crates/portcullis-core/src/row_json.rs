//! Rows to and from JSON without an intermediate `serde_json::Value`.
//!
//! Every cached session check reads two rows from JSON (the session cache, the cookie cache) and
//! writes two as the response. Going through `serde_json::Value` built a map per row and hashed
//! every key twice; these read and write the rows directly.

use std::fmt;

use portcullis_storage::{FieldType, Row, Table, Value};
use serde::Serialize;
use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};

/// A row's typed value from its JSON form (dates come back from ISO strings).
pub(crate) fn typed_value(field: Option<FieldType>, v: serde_json::Value) -> Option<Value> {
    Some(match (field, v) {
        (_, serde_json::Value::Null) => Value::Null,
        (Some(FieldType::Date), serde_json::Value::String(s)) => {
            Value::Date(portcullis_storage::value::parse_date(&s)?)
        }
        (_, serde_json::Value::String(s)) => Value::String(s),
        (_, serde_json::Value::Bool(b)) => Value::Bool(b),
        (_, serde_json::Value::Number(n)) => Value::Int(n.as_i64()?),
        (_, other) => Value::Json(other),
    })
}

/// Reads a typed row straight from JSON text.
pub(crate) fn row_from_str(table: &Table, json: &str) -> Option<Row> {
    let mut de = serde_json::Deserializer::from_str(json);
    let row = RowSeed(table).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(row)
}

/// Deserializes one JSON object as a row of `table`.
#[derive(Clone, Copy)]
pub(crate) struct RowSeed<'t>(pub &'t Table);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Row;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Row, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Row;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} row", self.0.name)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
        let mut row = Row::with_capacity(map.size_hint().unwrap_or(12));
        while let Some(key) = map.next_key::<String>()? {
            let raw: serde_json::Value = map.next_value()?;
            let value = typed_value(self.0.field_type(&key), raw)
                .ok_or_else(|| A::Error::custom(format!("bad value for {key}")))?;
            row.insert(key, value);
        }
        Ok(row)
    }
}

/// A row as a response shows it: `id` and the fields marked `returned`, in row order. With
/// `token`, the session's raw token stands in for the stored hash (appended when the stored
/// token is not a returned field).
pub struct PublicRow<'a> {
    pub table: &'a Table,
    pub row: &'a Row,
    pub token: Option<&'a str>,
}

impl Serialize for PublicRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        let mut token_written = false;
        for (k, v) in self.row {
            if k != "id" && !self.table.field(k).is_some_and(|f| f.returned) {
                continue;
            }
            match self.token {
                Some(t) if k == "token" => {
                    map.serialize_entry(k, t)?;
                    token_written = true;
                }
                _ => map.serialize_entry(k, v)?,
            }
        }
        if let (Some(t), false) = (self.token, token_written) {
            map.serialize_entry("token", t)?;
        }
        map.end()
    }
}

/// Every field, hidden ones included: what the session cache keeps in place of the row.
pub(crate) fn full_json_string(row: &Row) -> String {
    serde_json::to_string(row).unwrap_or_default()
}

/// The `session` object of a cookie cache: both rows and the format version.
pub(crate) struct CookieCacheData {
    pub session: Row,
    pub user: Row,
    pub version: Option<String>,
}

pub(crate) struct CookieCacheSeed<'t> {
    pub session_table: &'t Table,
    pub user_table: &'t Table,
}

impl<'de> DeserializeSeed<'de> for CookieCacheSeed<'_> {
    type Value = CookieCacheData;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<CookieCacheData, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CookieCacheSeed<'_> {
    type Value = CookieCacheData;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("cookie cache data")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CookieCacheData, A::Error> {
        let (mut session, mut user, mut version) = (None, None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "session" => session = Some(map.next_value_seed(RowSeed(self.session_table))?),
                "user" => user = Some(map.next_value_seed(RowSeed(self.user_table))?),
                "version" => version = map.next_value::<Option<String>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(CookieCacheData {
            session: session.ok_or_else(|| A::Error::missing_field("session"))?,
            user: user.ok_or_else(|| A::Error::missing_field("user"))?,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_storage::Schema;
    use serde_json::json;

    /// Rebuilds a typed row from a JSON object, moving every string into the row.
    fn row_from_value(table: &Table, v: serde_json::Value) -> Option<Row> {
        let serde_json::Value::Object(obj) = v else {
            return None;
        };
        let mut row = Row::with_capacity(obj.len());
        for (k, val) in obj {
            let value = typed_value(table.field_type(&k), val)?;
            row.insert(k, value);
        }
        Some(row)
    }

    fn sample() -> (Schema, serde_json::Value) {
        let schema = Schema::core();
        let json = json!({
            "id": "s1",
            "expiresAt": "2030-01-02T03:04:05.678Z",
            "token": "stored-hash",
            "createdAt": "2026-01-02T03:04:05.000Z",
            "updatedAt": "2026-01-02T03:04:05.000Z",
            "ipAddress": "127.0.0.1",
            "userAgent": null,
            "userId": "u1"
        });
        (schema, json)
    }

    #[test]
    fn text_and_value_give_the_same_row() {
        let (schema, json) = sample();
        let table = schema.table("session").expect("session table");
        let from_text = row_from_str(table, &json.to_string()).expect("parses");
        let from_value = row_from_value(table, json).expect("converts");
        assert_eq!(from_text, from_value);
        assert!(matches!(from_text.get("expiresAt"), Some(Value::Date(_))));
        assert_eq!(from_text.get("userAgent"), Some(&Value::Null));
        assert!(row_from_str(table, "{\"expiresAt\": \"soon\"}").is_none());
        assert!(row_from_str(table, "[]").is_none());
        assert!(row_from_str(table, "{} trailing").is_none());
    }

    #[test]
    fn public_row_keeps_returned_fields_in_order() {
        let (schema, json) = sample();
        let table = schema.table("session").expect("session table");
        let row = row_from_value(table, json).expect("converts");
        let direct = serde_json::to_value(PublicRow {
            table,
            row: &row,
            token: Some("raw"),
        })
        .expect("serializes");
        assert_eq!(
            direct,
            json!({
                "id": "s1",
                "expiresAt": "2030-01-02T03:04:05.678Z",
                "token": "raw",
                "createdAt": "2026-01-02T03:04:05.000Z",
                "updatedAt": "2026-01-02T03:04:05.000Z",
                "ipAddress": "127.0.0.1",
                "userAgent": null,
                "userId": "u1"
            })
        );
        assert_eq!(
            direct
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>()),
            Some(
                [
                    "id",
                    "expiresAt",
                    "token",
                    "createdAt",
                    "updatedAt",
                    "ipAddress",
                    "userAgent",
                    "userId"
                ]
                .map(String::from)
                .to_vec()
            ),
            "row order, the raw token in the stored token's place"
        );
        assert_eq!(direct["token"], "raw");
        assert_eq!(direct["expiresAt"], "2030-01-02T03:04:05.678Z");
        // The full form keeps everything and reads back to the same row.
        assert_eq!(row_from_str(table, &full_json_string(&row)), Some(row));
    }
}
