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
    let mut out = String::with_capacity(24);
    write_iso(d, &mut out);
    out
}

/// Appends `iso(d)`. Every date in every session response goes through here, so the common
/// case (years 0–9999, no leap second) is written digit by digit rather than through `fmt`.
pub fn write_iso(d: &DateTime<Utc>, out: &mut String) {
    use chrono::{Datelike, Timelike};
    let millis = d.timestamp_subsec_millis();
    let Ok(year) = u32::try_from(d.year()) else {
        out.push_str(&d.to_rfc3339_opts(SecondsFormat::Millis, true));
        return;
    };
    if year > 9999 || millis > 999 {
        out.push_str(&d.to_rfc3339_opts(SecondsFormat::Millis, true));
        return;
    }
    let parts = [
        (year, 4, '-'),
        (d.month(), 2, '-'),
        (d.day(), 2, 'T'),
        (d.hour(), 2, ':'),
        (d.minute(), 2, ':'),
        (d.second(), 2, '.'),
        (millis, 3, 'Z'),
    ];
    for (n, width, then) in parts {
        for i in (0..width).rev() {
            let digit = n / 10u32.pow(i) % 10;
            out.push(char::from_digit(digit, 10).unwrap_or('0'));
        }
        out.push(then);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly (what `iso` writes), without the general parser.
fn parse_iso_millis(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    let time = date.and_hms_milli_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?)?;
    Some(time.and_utc())
}

/// Parses the date strings found in SQLite databases written by us or by Better Auth.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Some(d) = parse_iso_millis(s) {
        return Some(d);
    }
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
/// As `to_json` would give, without building the `serde_json::Value`.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::String(v) => s.serialize_str(v),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Date(d) => s.serialize_str(&iso(d)),
            Value::Json(j) => j.serialize(s),
        }
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

    #[test]
    fn fast_paths_agree_with_chrono() {
        let mut t: i64 = -62_135_596_800_000; // 0001-01-01
        while t < 253_402_300_799_000 {
            // 9999-12-31
            let d = DateTime::from_timestamp_millis(t).expect("in range");
            let ours = iso(&d);
            assert_eq!(ours, d.to_rfc3339_opts(SecondsFormat::Millis, true));
            assert_eq!(parse_date(&ours), Some(d), "{ours}");
            t += 7_777_777_777_123;
        }
        let far = DateTime::from_timestamp_millis(300_000_000_000_000).expect("in range");
        assert_eq!(iso(&far), far.to_rfc3339_opts(SecondsFormat::Millis, true));
        for bad in [
            "2026-02-30T10:11:12.345Z",
            "2026-08-23T24:11:12.345Z",
            "2026-08-23T10:11:12.3a5Z",
            "2026-08-23T10:11:12+345Z",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        assert_eq!(
            parse_date("2026-08-23T12:11:12.345+02:00").map(|d| iso(&d)),
            Some("2026-08-23T10:11:12.345Z".to_owned())
        );
    }
}
