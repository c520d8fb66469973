//! Values that cross the adapter boundary, independent of the backend's wire types.

use chrono::{DateTime, SecondsFormat, Utc};
use indexmap::IndexMap;

/// One row, keyed by logical field name, in schema order.
pub type Row = IndexMap<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    String(String),
    Int(i64),
    Bool(bool),
    Date(DateTime<Utc>),
    Json(serde_json::Value),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_date(&self) -> Option<DateTime<Utc>> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// JSON the way Better Auth serialises it: dates as ISO-8601 with milliseconds and `Z`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Date(d) => serde_json::Value::String(iso(d)),
            Value::Json(j) => j.clone(),
        }
    }

    /// As `to_json`, moving strings instead of copying them.
    pub fn into_json(self) -> serde_json::Value {
        match self {
            Value::String(s) => serde_json::Value::String(s),
            Value::Json(j) => j,
            other => other.to_json(),
        }
    }
}

/// `2026-08-23T10:11:12.345Z`, the format JSON.stringify gives a JS Date.
pub fn iso(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses the date strings found in SQLite databases written by us or by Better Auth.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    // SQLite's CURRENT_TIMESTAMP form: "2026-08-23 10:11:12"
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(d: DateTime<Utc>) -> Self {
        Value::Date(d)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map(Into::into).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_has_millis_and_z() {
        let d = parse_date("2026-08-23T10:11:12.345Z").expect("parses");
        assert_eq!(iso(&d), "2026-08-23T10:11:12.345Z");
        let d = parse_date("2026-08-23 10:11:12").expect("sqlite form");
        assert_eq!(iso(&d), "2026-08-23T10:11:12.000Z");
        assert!(parse_date("yesterday").is_none());
    }
}
