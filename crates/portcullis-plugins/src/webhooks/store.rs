//! The webhook tables: `webhookEndpoint` (endpoints made through the admin API; those from the
//! configuration file live in memory) and `webhookDelivery`, the outbox and delivery log: one
//! row per event and endpoint, written in the transaction of the change, then sent by the job.

use chrono::{DateTime, Utc};
use portcullis_core::AuthContext;
use portcullis_core::crypto::symmetric;
use portcullis_core::crypto::token::generate_id;
use portcullis_storage::{
    Field, FieldType, Query, Row, SortDirection, StorageError, Store, Table, Value, Where, WhereOp,
};
use serde_json::{Value as Json, json};

pub const ENDPOINT: &str = "webhookEndpoint";
pub const DELIVERY: &str = "webhookDelivery";

pub fn schema() -> Vec<Table> {
    use FieldType::*;
    vec![
        Table::new(
            ENDPOINT,
            vec![
                Field::new("url", String).required().no_input(),
                // Sealed with the server's secret: signing needs the secret itself.
                Field::new("secret", String).required().hidden().no_input(),
                // Comma-joined action filters (`*`, `user.*`, `admin.ban_user`).
                Field::new("events", String).required().no_input(),
                Field::new("description", String).no_input(),
                Field::new("enabled", Boolean).default(true).no_input(),
                Field::new("createdAt", Date).required().no_input(),
                Field::new("updatedAt", Date).required().no_input(),
            ],
        ),
        Table::new(
            DELIVERY,
            vec![
                Field::new("endpointId", String)
                    .required()
                    .index()
                    .no_input(),
                Field::new("eventType", String).required().no_input(),
                // The exact body sent, signed as stored.
                Field::new("payload", String).required().no_input(),
                Field::new("status", String).required().no_input(),
                Field::new("attempts", Number).default(0i64).no_input(),
                Field::new("nextAttemptAt", Date).required().no_input(),
                // Claimed by an instance until then; a crashed sender's claim runs out.
                Field::new("leaseUntil", Date).required().no_input(),
                Field::new("lastStatusCode", Number).no_input(),
                Field::new("lastError", String).no_input(),
                Field::new("createdAt", Date).required().index().no_input(),
                Field::new("deliveredAt", Date).no_input(),
            ],
        )
        // The job's query: pending rows due now.
        .index(&["status", "nextAttemptAt"]),
    ]
}

/// An endpoint, from the file or the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    /// From the configuration file: not changed or deleted through the API.
    pub configured: bool,
}

impl Endpoint {
    /// Whether `action` passes the filters: `*`, an exact action, or a prefix ending in `.*`.
    pub fn wants(&self, action: &str) -> bool {
        self.enabled
            && self.events.iter().any(|f| {
                f == "*"
                    || f == action
                    || f.strip_suffix('*')
                        .is_some_and(|p| p.ends_with('.') && action.starts_with(p))
            })
    }

    /// As answered: never the secret.
    pub fn json(&self) -> Json {
        json!({
            "id": self.id,
            "url": self.url,
            "events": self.events,
            "description": self.description,
            "enabled": self.enabled,
            "source": if self.configured { "config" } else { "api" },
        })
    }
}

fn text(row: &Row, name: &str) -> Option<String> {
    row.get(name).and_then(Value::as_str).map(str::to_owned)
}

pub fn split_events(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The table's endpoints; one whose secret cannot be opened (the server secret changed) is
/// skipped with a warning.
pub async fn stored_endpoints(
    ctx: &AuthContext,
    store: &dyn Store,
) -> Result<Vec<Endpoint>, StorageError> {
    let rows = store
        .find_many(
            ENDPOINT,
            &Query::default().sort("createdAt", SortDirection::Asc),
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = text(r, "id")?;
            let secret = match symmetric::open(ctx.sealing_keys(), &text(r, "secret")?) {
                Ok(s) => s,
                Err(_) => {
                    tracing::warn!(endpoint = %id, "webhook endpoint secret cannot be opened");
                    return None;
                }
            };
            Some(Endpoint {
                id,
                url: text(r, "url")?,
                secret,
                events: split_events(&text(r, "events").unwrap_or_default()),
                description: text(r, "description"),
                enabled: r.get("enabled").and_then(Value::as_bool) != Some(false),
                configured: false,
            })
        })
        .collect())
}

pub fn endpoint_row(
    ctx: &AuthContext,
    url: &str,
    secret: &str,
    events: &[String],
    description: Option<&str>,
) -> Row {
    let now = ctx.now();
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("url".into(), url.into());
    row.insert(
        "secret".into(),
        symmetric::seal(ctx.sealing_keys(), secret).into(),
    );
    row.insert("events".into(), events.join(",").into());
    row.insert(
        "description".into(),
        description.map_or(Value::Null, Value::from),
    );
    row.insert("enabled".into(), true.into());
    row.insert("createdAt".into(), now.into());
    row.insert("updatedAt".into(), now.into());
    row
}

/// Queues `payload` (an event of `event_type`) for `endpoint`, through `store`.
pub async fn enqueue(
    store: &dyn Store,
    now: DateTime<Utc>,
    endpoint: &Endpoint,
    event_type: &str,
    payload: &str,
) -> Result<(), StorageError> {
    let mut row = Row::new();
    // The message id, the same on every attempt: receivers drop repeats by it.
    row.insert("id".into(), format!("msg_{}", generate_id(28)).into());
    row.insert("endpointId".into(), endpoint.id.as_str().into());
    row.insert("eventType".into(), event_type.into());
    row.insert("payload".into(), payload.into());
    row.insert("status".into(), "pending".into());
    row.insert("attempts".into(), 0i64.into());
    row.insert("nextAttemptAt".into(), now.into());
    // In the past: free to claim.
    row.insert("leaseUntil".into(), now.into());
    row.insert("createdAt".into(), now.into());
    store.create(DELIVERY, row).await?;
    Ok(())
}

/// Pending deliveries due at `now` and not claimed, oldest first.
pub async fn due(
    store: &dyn Store,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Row>, StorageError> {
    store
        .find_many(
            DELIVERY,
            &Query::filter(vec![
                Where::eq("status", "pending"),
                Where::op("nextAttemptAt", WhereOp::Lte, now),
                Where::op("leaseUntil", WhereOp::Lte, now),
            ])
            .sort("nextAttemptAt", SortDirection::Asc)
            .limit(limit),
        )
        .await
}

/// Claims one delivery until `until`: true when this caller got it. One conditional UPDATE,
/// so of several instances (or runs) that try at once exactly one succeeds.
pub async fn claim(
    store: &dyn Store,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let mut set = Row::new();
    set.insert("leaseUntil".into(), until.into());
    let n = store
        .update_many(
            DELIVERY,
            &[
                Where::eq("id", id),
                Where::eq("status", "pending"),
                Where::op("leaseUntil", WhereOp::Lte, now),
            ],
            set,
        )
        .await?;
    Ok(n == 1)
}

/// A delivery as answered in the log.
pub fn delivery_json(row: &Row) -> Json {
    let cell = |name: &str| {
        row.get(name).map_or(Json::Null, |v| match v {
            Value::Date(d) => json!(portcullis_storage::value::iso(d)),
            other => other.to_json(),
        })
    };
    json!({
        "id": cell("id"),
        "endpointId": cell("endpointId"),
        "eventType": cell("eventType"),
        "status": cell("status"),
        "attempts": cell("attempts"),
        "nextAttemptAt": cell("nextAttemptAt"),
        "lastStatusCode": cell("lastStatusCode"),
        "lastError": cell("lastError"),
        "createdAt": cell("createdAt"),
        "deliveredAt": cell("deliveredAt"),
        "payload": row.get("payload").and_then(Value::as_str).and_then(|p| serde_json::from_str::<Json>(p).ok()).unwrap_or(Json::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_exact_prefix_and_all() {
        let e = |events: &[&str]| Endpoint {
            id: "e".into(),
            url: "http://x".into(),
            secret: String::new(),
            events: events.iter().map(|s| (*s).to_owned()).collect(),
            description: None,
            enabled: true,
            configured: false,
        };
        assert!(e(&["*"]).wants("user.sign_in"));
        assert!(e(&["user.*"]).wants("user.sign_in"));
        assert!(!e(&["user.*"]).wants("admin.ban_user"));
        assert!(
            !e(&["use*"]).wants("user.sign_in"),
            "a prefix ends at a dot"
        );
        assert!(e(&["admin.ban_user", "x"]).wants("admin.ban_user"));
        let mut off = e(&["*"]);
        off.enabled = false;
        assert!(!off.wants("user.sign_in"));
    }
}
