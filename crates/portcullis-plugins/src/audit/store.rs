//! The `auditEvent` table: one row per recorded action, and the newest-first query over it.

use chrono::{DateTime, Utc};
use portcullis_core::AuthContext;
use portcullis_core::audit::AuditEvent;
use portcullis_storage::{
    Field, FieldType, Query, Row, SortDirection, StorageError, Store, Table, Value, Where, WhereOp,
};
use rand::Rng;
use serde_json::{Value as Json, json};

pub const TABLE: &str = "auditEvent";

pub fn schema() -> Table {
    use FieldType::*;
    Table::new(
        TABLE,
        vec![
            // The retention sweep reads by it.
            Field::new("createdAt", Date).required().index().no_input(),
            Field::new("action", String).required().index().no_input(),
            Field::new("outcome", String).required().no_input(),
            Field::new("severity", String).required().no_input(),
            Field::new("actorUserId", String).index().no_input(),
            Field::new("impersonatorUserId", String).no_input(),
            Field::new("targetUserId", String).index().no_input(),
            Field::new("targetType", String).no_input(),
            Field::new("targetId", String).no_input(),
            Field::new("organizationId", String).index().no_input(),
            Field::new("sessionId", String).no_input(),
            Field::new("ipAddress", String).no_input(),
            Field::new("userAgent", String).no_input(),
            Field::new("details", Json).no_input(),
        ],
    )
}

/// An id that sorts by time: 14 hex digits of microseconds since the epoch, then 18 random hex
/// digits. Lower-case hex only, so every database and collation orders ids alike, and a
/// listing pages by `id` alone (keyset) without a tie-breaker.
pub fn time_ordered_id(at: DateTime<Utc>) -> String {
    let micros = u64::try_from(at.timestamp_micros()).unwrap_or(0);
    let random: u128 = portcullis_core::crypto::token::csprng().r#gen();
    format!("{micros:014x}{:018x}", random & ((1u128 << 72) - 1))
}

/// The smallest id of an event at or after `at` (a `from` bound on ids).
pub fn id_floor(at: DateTime<Utc>) -> String {
    let micros = u64::try_from(at.timestamp_micros()).unwrap_or(0);
    format!("{micros:014x}")
}

fn text(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

pub async fn insert(
    ctx: &AuthContext,
    store: &dyn Store,
    e: &AuditEvent,
) -> Result<(), StorageError> {
    let now = ctx.now();
    let mut row = Row::new();
    row.insert("id".into(), time_ordered_id(now).into());
    row.insert("createdAt".into(), Value::Date(now));
    row.insert("action".into(), e.action.into());
    row.insert("outcome".into(), e.outcome.as_str().into());
    row.insert("severity".into(), e.severity.as_str().into());
    row.insert("actorUserId".into(), text(&e.actor_user_id));
    row.insert("impersonatorUserId".into(), text(&e.impersonator_user_id));
    row.insert("targetUserId".into(), text(&e.target_user_id));
    row.insert(
        "targetType".into(),
        e.target_type.map_or(Value::Null, Value::from),
    );
    row.insert("targetId".into(), text(&e.target_id));
    row.insert("organizationId".into(), text(&e.organization_id));
    row.insert("sessionId".into(), text(&e.session_id));
    row.insert("ipAddress".into(), text(&e.ip_address));
    row.insert("userAgent".into(), text(&e.user_agent));
    row.insert(
        "details".into(),
        Value::Json(Json::Object(e.details.clone())),
    );
    store.create(TABLE, row).await?;
    Ok(())
}

/// What a listing asks for; every part optional.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Events where this user acted or was acted on.
    pub user_id: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<&'static str>,
    pub organization_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The last id of the previous page: this page starts just after it.
    pub cursor: Option<String>,
    pub limit: i64,
}

/// Newest first. Time bounds go through both `createdAt` and the id (whose prefix is the
/// time), so the id index serves them.
pub async fn list(store: &dyn Store, f: &Filter) -> Result<Vec<Row>, StorageError> {
    let mut wheres = Vec::new();
    if let Some(a) = &f.action {
        wheres.push(Where::eq("action", a.as_str()));
    }
    if let Some(o) = f.outcome {
        wheres.push(Where::eq("outcome", o));
    }
    if let Some(org) = &f.organization_id {
        wheres.push(Where::eq("organizationId", org.as_str()));
    }
    if let Some(from) = f.from {
        wheres.push(Where::op("createdAt", WhereOp::Gte, from));
        wheres.push(Where::op("id", WhereOp::Gte, id_floor(from)));
    }
    if let Some(to) = f.to {
        wheres.push(Where::op("createdAt", WhereOp::Lte, to));
    }
    if let Some(c) = &f.cursor {
        wheres.push(Where::op("id", WhereOp::Lt, c.as_str()));
    }
    if let Some(u) = &f.user_id {
        // The one OR group: (actor = u OR target = u), ANDed with the rest.
        wheres.push(Where::eq("actorUserId", u.as_str()).or());
        wheres.push(Where::eq("targetUserId", u.as_str()).or());
    }
    store
        .find_many(
            TABLE,
            &Query::filter(wheres)
                .sort("id", SortDirection::Desc)
                .limit(f.limit),
        )
        .await
}

fn cell(row: &Row, name: &str) -> Json {
    row.get(name).map_or(Json::Null, |v| match v {
        Value::Date(d) => json!(portcullis_storage::value::iso(d)),
        other => other.to_json(),
    })
}

/// An event as answered: every column, `details` as an object.
pub fn event_json(row: &Row) -> Json {
    let details = match row.get("details") {
        Some(Value::Json(j)) => j.clone(),
        // A backend that hands JSON back as text.
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Json::Null),
        _ => Json::Null,
    };
    json!({
        "id": cell(row, "id"),
        "createdAt": cell(row, "createdAt"),
        "action": cell(row, "action"),
        "outcome": cell(row, "outcome"),
        "severity": cell(row, "severity"),
        "actorUserId": cell(row, "actorUserId"),
        "impersonatorUserId": cell(row, "impersonatorUserId"),
        "targetUserId": cell(row, "targetUserId"),
        "targetType": cell(row, "targetType"),
        "targetId": cell(row, "targetId"),
        "organizationId": cell(row, "organizationId"),
        "sessionId": cell(row, "sessionId"),
        "ipAddress": cell(row, "ipAddress"),
        "userAgent": cell(row, "userAgent"),
        "details": details,
    })
}

/// CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "createdAt",
    "action",
    "outcome",
    "severity",
    "actorUserId",
    "impersonatorUserId",
    "targetUserId",
    "targetType",
    "targetId",
    "organizationId",
    "sessionId",
    "ipAddress",
    "userAgent",
    "details",
];

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field that
/// a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) gets a leading `'`.
pub fn csv_field(s: &str, out: &mut String) {
    let guarded = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = guarded || s.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

pub fn csv_line(event: &Json, out: &mut String) {
    for (i, col) in CSV_COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match event.get(*col) {
            None | Some(Json::Null) => {}
            Some(Json::String(s)) => csv_field(s, out),
            Some(other) => csv_field(&other.to_string(), out),
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_fit_a_mysql_id() {
        let t = Utc::now();
        let a = time_ordered_id(t);
        let b = time_ordered_id(t + chrono::Duration::microseconds(1));
        assert_eq!(a.len(), 32);
        assert!(a < b, "{a} < {b}");
        assert!(id_floor(t) <= a && a.starts_with(&id_floor(t)));
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut out = String::new();
        csv_field("plain", &mut out);
        out.push('|');
        csv_field("a,\"b\"", &mut out);
        out.push('|');
        csv_field("=HYPERLINK(1)", &mut out);
        assert_eq!(out, "plain|\"a,\"\"b\"\"\"|\"'=HYPERLINK(1)\"");
    }
}
