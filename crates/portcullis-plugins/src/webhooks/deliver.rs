//! Sending the outbox. Each run takes the deliveries due, claims each with one conditional
//! UPDATE (`store::claim`: several instances share the work and none sends a claimed row),
//! posts it signed, and records the answer: delivered on a 2xx, else retried with exponential
//! backoff until three days after the event, then failed. A sender that dies after claiming
//! loses nothing: its claim runs out (`WebhookSettings::lease`) and another run sends it
//! again, with the same `webhook-id` for the receiver to drop a repeat by.

use chrono::{DateTime, Duration, Utc};
use portcullis_core::AuthContext;
use portcullis_core::plugin_parts::JobError;
use portcullis_storage::{Row, Value, Where};

use super::sign;
use super::store::{self, DELIVERY, Endpoint};

/// Deliveries taken per run.
const BATCH: i64 = 100;
/// Retries stop this long after the event.
pub const GIVE_UP_AFTER: i64 = 3 * 24 * 3600;

/// The wait before attempt `attempts + 1`: 5 s doubled per failure, at most 6 hours.
pub fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::seconds((5_i64 << exp).min(6 * 3600))
}

/// One run of the delivery job.
pub async fn run(ctx: &AuthContext) -> Result<(), JobError> {
    deliver_due(ctx).await.map(|_| ())
}

/// Sends what is due now; returns how many deliveries this run claimed.
pub async fn deliver_due(ctx: &AuthContext) -> Result<usize, JobError> {
    let Some(plugin) = ctx.plugin::<super::Webhooks>() else {
        return Ok(0);
    };
    let store = ctx.adapter.as_ref();
    let now = ctx.now();
    let rows = store::due(store, now, BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let endpoints = plugin.endpoints(ctx, store).await?;
    let mut claimed = 0;
    for row in rows {
        let Some(id) = row.get("id").and_then(Value::as_str) else {
            continue;
        };
        if !store::claim(store, id, now, now + plugin.settings.lease()).await? {
            continue;
        }
        claimed += 1;
        let endpoint_id = row
            .get("endpointId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let outcome = match endpoints.iter().find(|e| e.id == endpoint_id) {
            Some(e) => send(ctx, &plugin.client, e, id, &row).await,
            // Queued from another instance's cached list just as the endpoint was deleted.
            None => Err(Failed::Gone),
        };
        let result = finish(ctx, id, &row, outcome).await?;
        ctx.metrics.webhook_deliveries.inc(&[endpoint_id, result]);
    }
    Ok(claimed)
}

/// Why an attempt did not deliver.
enum Failed {
    /// Worth another try: the status, if any, and why.
    Attempt(Option<u16>, String),
    /// The endpoint no longer exists: never.
    Gone,
}

/// Posts one delivery: `Ok(status)` for a 2xx, else the status (if any) and why.
async fn send(
    ctx: &AuthContext,
    client: &reqwest::Client,
    endpoint: &Endpoint,
    id: &str,
    row: &Row,
) -> Result<u16, Failed> {
    let body = row
        .get("payload")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let key = sign::key_of(&endpoint.secret).ok_or_else(|| {
        Failed::Attempt(
            None,
            "the endpoint's secret is not a whsec_ secret".to_owned(),
        )
    })?;
    let timestamp = ctx.now().timestamp();
    let res = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            sign::signature(&key, id, timestamp, body),
        )
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| Failed::Attempt(None, format!("request failed: {e}")))?;
    let status = res.status().as_u16();
    if res.status().is_success() {
        Ok(status)
    } else {
        Err(Failed::Attempt(Some(status), format!("answered {status}")))
    }
}

/// Records an attempt: delivered, retried later, or failed for good (the metric's label).
async fn finish(
    ctx: &AuthContext,
    id: &str,
    row: &Row,
    outcome: Result<u16, Failed>,
) -> Result<&'static str, JobError> {
    let now = ctx.now();
    let attempts = row.get("attempts").and_then(Value::as_int).unwrap_or(0) + 1;
    let mut set = Row::new();
    set.insert("attempts".into(), attempts.into());
    set.insert("leaseUntil".into(), now.into());
    let result = match outcome {
        Ok(status) => {
            set.insert("status".into(), "delivered".into());
            set.insert("lastStatusCode".into(), i64::from(status).into());
            set.insert("lastError".into(), Value::Null);
            set.insert("deliveredAt".into(), now.into());
            "delivered"
        }
        Err(failed) => {
            let created: DateTime<Utc> =
                row.get("createdAt").and_then(Value::as_date).unwrap_or(now);
            let next = now + backoff(attempts);
            let (status, why, gave_up) = match failed {
                Failed::Attempt(status, why) => {
                    let late = next > created + Duration::seconds(GIVE_UP_AFTER);
                    (status, why, late)
                }
                Failed::Gone => (None, "the endpoint no longer exists".to_owned(), true),
            };
            set.insert(
                "status".into(),
                if gave_up { "failed" } else { "pending" }.into(),
            );
            set.insert("nextAttemptAt".into(), next.into());
            set.insert(
                "lastStatusCode".into(),
                status.map_or(Value::Null, |s| i64::from(s).into()),
            );
            set.insert(
                "lastError".into(),
                why.chars().take(500).collect::<String>().into(),
            );
            tracing::info!(delivery = id, attempts, gave_up, error = %why, "webhook delivery failed");
            if gave_up { "failed" } else { "retrying" }
        }
    };
    ctx.adapter
        .update_many(DELIVERY, &[Where::eq("id", id)], set)
        .await?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_six_hours_and_three_days_end_it() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(5), Duration::seconds(80));
        assert_eq!(backoff(30), Duration::hours(6));
        // Attempts until three days have passed: the schedule ends, it does not run for ever.
        let mut elapsed = Duration::zero();
        let mut attempts = 0;
        while elapsed <= Duration::seconds(GIVE_UP_AFTER) {
            attempts += 1;
            elapsed += backoff(attempts);
        }
        assert!((15..40).contains(&attempts), "{attempts}");
    }
}
