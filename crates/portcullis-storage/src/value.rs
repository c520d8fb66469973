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

/// Appends `iso(d)`.
pub fn write_iso(d: &DateTime<Utc>, out: &mut String) {
    match iso_common(d) {
        Some(buf) => out.push_str(std::str::from_utf8(&buf).unwrap_or_default()),
        None => out.push_str(&d.to_rfc3339_opts(SecondsFormat::Millis, true)),
    }
}

/// `iso(d)` for years 0–9999 without a leap second, into a stack buffer. Every date in every
/// session response goes through here, so it is written by arithmetic rather than through
/// `fmt` or a growing `String`.
fn iso_common(d: &DateTime<Utc>) -> Option<[u8; 24]> {
    use chrono::{Datelike, Timelike};
    let naive = d.naive_utc();
    let year = u32::try_from(naive.year()).ok().filter(|y| *y <= 9999)?;
    let millis = naive.nanosecond() / 1_000_000;
    if millis > 999 {
        return None;
    }
    let mut buf = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            // n % 10 < 10: the cast cannot truncate.
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, naive.month());
    put(8, 2, naive.day());
    put(11, 2, naive.hour());
    put(14, 2, naive.minute());
    put(17, 2, naive.second());
    put(20, 3, millis);
    Some(buf)
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
            Value::Date(d) => match iso_common(d) {
                Some(buf) => s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default()),
                None => s.serialize_str(&iso(d)),
            },
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
        let d = DateTime::from_timestamp_millis(1_787_479_872_345).expect("in range");
        assert_eq!(
            serde_json::to_string(&Value::Date(d)).expect("serializes"),
            format!("\"{}\"", d.to_rfc3339_opts(SecondsFormat::Millis, true))
        );
        let far = DateTime::from_timestamp_millis(300_000_000_000_000).expect("in range");
        assert_eq!(
            serde_json::to_string(&Value::Date(far)).expect("serializes"),
            format!("\"{}\"", far.to_rfc3339_opts(SecondsFormat::Millis, true))
        );
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
