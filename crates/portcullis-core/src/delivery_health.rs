//! Each mail and SMS transport's health, shared by every instance. The delivery queue reports
//! each message's outcome here (`portcullis_delivery::OutcomeLog`), and it is kept in the
//! secondary storage (Redis when configured): per transport, its sent and failed messages by
//! hour and its last success and last failure; and the last [`RECENT`] outcomes of all. Behind
//! a load balancer, the admin console then shows the fleet's, whichever instance answers.
//!
//! Nothing here names a recipient or quotes a message: an outcome holds its channel, transport,
//! kind, attempts and the error as `portcullis_delivery::shown_reason` leaves it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portcullis_delivery::{Outcome, OutcomeLog};
use portcullis_storage::{SecondaryStorage, StorageError};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;

/// The hours counted: the current one and the ones before it.
pub const WINDOW_HOURS: i64 = 24;
/// Outcomes kept for the console's list of recent messages.
pub const RECENT: usize = 50;
/// How long a transport, its last success and failure and the recent list are kept after the
/// last message.
const KEPT: Duration = Duration::from_secs(30 * 24 * 3600);
/// An hour's count lives from its first message for as long as the window can still read it.
const HOUR_KEPT: Duration = Duration::from_secs((WINDOW_HOURS as u64 + 1) * 3600);

const TRANSPORTS: &str = "delivery-health:transports";
const RECENT_KEY: &str = "delivery-health:recent";

/// One message's outcome as kept: [`Outcome`] with the time it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptOutcome {
    #[serde(serialize_with = "iso_millis")]
    pub at: DateTime<Utc>,
    pub channel: String,
    pub transport: String,
    /// `verification`, `password-reset`, …
    pub kind: String,
    pub sent: bool,
    pub attempts: u32,
    #[serde(default)]
    pub error: Option<String>,
}

/// Written as every date the API answers: `2024-05-01T12:00:00.000Z`.
fn iso_millis<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// A transport's health over the window, across every instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportHealth {
    pub channel: String,
    pub transport: String,
    pub sent: i64,
    pub failed: i64,
    pub last_sent: Option<KeptOutcome>,
    pub last_failure: Option<KeptOutcome>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Every transport a message went through in the last [`KEPT`], by channel then name.
    pub transports: Vec<TransportHealth>,
    /// The last [`RECENT`] outcomes, oldest first.
    pub recent: Vec<KeptOutcome>,
}

/// The outcome log the engine gives the delivery queue at start-up.
pub struct DeliveryHealth {
    secondary: Arc<dyn SecondaryStorage>,
    clock: Arc<dyn Clock>,
}

impl DeliveryHealth {
    pub fn new(secondary: Arc<dyn SecondaryStorage>, clock: Arc<dyn Clock>) -> Self {
        DeliveryHealth { secondary, clock }
    }

    async fn keep(&self, outcome: &Outcome) -> Result<(), StorageError> {
        let now = chrono::SubsecRound::trunc_subsecs(self.clock.now(), 3);
        let kept = KeptOutcome {
            at: now,
            channel: outcome.channel.to_owned(),
            transport: outcome.transport.to_owned(),
            kind: outcome.kind.clone(),
            sent: outcome.sent,
            attempts: outcome.attempts,
            error: outcome.error.clone(),
        };
        let json = serde_json::to_string(&kept)
            .map_err(|e| StorageError::Unavailable(format!("delivery outcome: {e}")))?;
        let id = transport_id(outcome.channel, outcome.transport);
        let (hour_key, last_key) = (
            hour_key(&id, outcome.sent, hour(now)),
            last_key(&id, outcome.sent),
        );
        let s = self.secondary.as_ref();
        // Four writes, at once: one slow or failed write delays the others by nothing.
        let (known, counted, last, listed) = tokio::join!(
            s.set_add(TRANSPORTS, &id, KEPT),
            s.incr(&hour_key, HOUR_KEPT),
            s.set(&last_key, &json, Some(KEPT)),
            s.list_push(RECENT_KEY, &json, RECENT, KEPT),
        );
        known?;
        counted?;
        last?;
        listed
    }
}

#[async_trait]
impl OutcomeLog for DeliveryHealth {
    async fn record(&self, outcome: &Outcome) {
        if let Err(e) = self.keep(outcome).await {
            tracing::warn!(
                error = %e,
                channel = outcome.channel,
                transport = outcome.transport,
                "delivery outcome not kept for the console: secondary storage unavailable"
            );
        }
    }
}

/// `email:smtp`: channels and transport names are fixed words without a colon.
fn transport_id(channel: &str, transport: &str) -> String {
    format!("{channel}:{transport}")
}

/// Hours since 1970: the hour a count belongs to.
fn hour(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(3600)
}

fn outcome_word(sent: bool) -> &'static str {
    if sent { "sent" } else { "failed" }
}

fn hour_key(id: &str, sent: bool, hour: i64) -> String {
    format!("delivery-health:{id}:{}:{hour}", outcome_word(sent))
}

fn last_key(id: &str, sent: bool) -> String {
    format!("delivery-health:{id}:last-{}", outcome_word(sent))
}

fn parse(json: Option<&String>) -> Option<KeptOutcome> {
    json.and_then(|j| serde_json::from_str(j).ok())
}

/// Every transport's health over the [`WINDOW_HOURS`] hours up to `now`, and the recent
/// outcomes: three reads, whatever the number of transports.
pub async fn read(
    secondary: &dyn SecondaryStorage,
    now: DateTime<Utc>,
) -> Result<Health, StorageError> {
    let mut ids = secondary.set_members(TRANSPORTS).await?;
    ids.sort();
    let this_hour = hour(now);
    let hours: Vec<i64> = (0..WINDOW_HOURS).map(|h| this_hour - h).collect();
    // Per transport: its sent hours, its failed hours, its last success and last failure.
    let per_transport = 2 * hours.len() + 2;
    let mut keys = Vec::with_capacity(ids.len() * per_transport);
    for id in &ids {
        for sent in [true, false] {
            keys.extend(hours.iter().map(|&h| hour_key(id, sent, h)));
        }
        keys.push(last_key(id, true));
        keys.push(last_key(id, false));
    }
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let values = secondary.get_many(&key_refs).await?;
    let count = |values: &[Option<String>]| -> i64 {
        values
            .iter()
            .flatten()
            .filter_map(|v| v.parse::<i64>().ok())
            .sum()
    };
    let transports = ids
        .iter()
        .zip(values.chunks(per_transport))
        .map(|(id, v)| {
            let (channel, transport) = id.split_once(':').unwrap_or((id, ""));
            let (sent, rest) = v.split_at(hours.len());
            let (failed, last) = rest.split_at(hours.len());
            TransportHealth {
                channel: channel.to_owned(),
                transport: transport.to_owned(),
                sent: count(sent),
                failed: count(failed),
                last_sent: parse(last.first().and_then(Option::as_ref)),
                last_failure: parse(last.get(1).and_then(Option::as_ref)),
            }
        })
        .collect();
    let mut recent: Vec<KeptOutcome> = secondary
        .list_values(RECENT_KEY)
        .await?
        .iter()
        .filter_map(|j| serde_json::from_str(j).ok())
        .collect();
    recent.reverse();
    Ok(Health { transports, recent })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::MovableClock;
    use portcullis_storage::{MemoryStorage, RedisStorage};

    fn outcome(channel: &'static str, transport: &'static str, sent: bool) -> Outcome {
        Outcome {
            channel,
            transport,
            kind: "verification".into(),
            sent,
            attempts: if sent { 1 } else { 3 },
            error: (!sent).then(|| "smtp: permanent failure: 550 no such user".to_owned()),
        }
    }

    #[tokio::test]
    async fn outcomes_are_counted_per_transport_within_the_window() {
        let secondary: Arc<dyn SecondaryStorage> = Arc::new(MemoryStorage::new());
        let clock = Arc::new(MovableClock::new());
        let health = DeliveryHealth::new(secondary.clone(), clock.clone());
        health.record(&outcome("email", "smtp", true)).await;
        health.record(&outcome("email", "smtp", false)).await;
        clock.advance(chrono::Duration::hours(WINDOW_HOURS - 1));
        health.record(&outcome("email", "smtp", true)).await;
        health.record(&outcome("sms", "twilio", true)).await;

        let now = clock.now();
        let read_now = read(secondary.as_ref(), now).await.expect("read");
        let [smtp, twilio] = &read_now.transports[..] else {
            panic!("{:?}", read_now.transports)
        };
        assert_eq!(
            (
                smtp.channel.as_str(),
                smtp.transport.as_str(),
                smtp.sent,
                smtp.failed
            ),
            ("email", "smtp", 2, 1)
        );
        let failure = smtp.last_failure.as_ref().expect("last failure");
        assert_eq!(failure.attempts, 3);
        assert_eq!(
            failure.error.as_deref(),
            Some("smtp: permanent failure: 550 no such user")
        );
        assert!(failure.at < now - chrono::Duration::hours(WINDOW_HOURS - 2));
        let at = serde_json::to_value(failure).expect("json")["at"].clone();
        assert_eq!(
            at.as_str().map(|a| (a.len(), a.ends_with('Z'))),
            Some((24, true)),
            "as every date the API answers: {at}"
        );
        assert_eq!(
            smtp.last_sent.as_ref().map(|o| o.at),
            read_now.recent.get(2).map(|o| o.at)
        );
        assert_eq!(
            (twilio.transport.as_str(), twilio.sent, twilio.failed),
            ("twilio", 1, 0)
        );
        let sent: Vec<bool> = read_now.recent.iter().map(|o| o.sent).collect();
        assert_eq!(sent, [true, false, true, true], "oldest first");

        // A day on, the first hour has left the window; the last failure is still shown.
        let later = read(secondary.as_ref(), now + chrono::Duration::hours(1))
            .await
            .expect("read");
        assert_eq!(
            (later.transports[0].sent, later.transports[0].failed),
            (1, 0)
        );
        assert!(later.transports[0].last_failure.is_some());
    }

    #[tokio::test]
    async fn an_unreachable_storage_loses_the_outcome_and_nothing_else() {
        // Nothing listens on port 1: every write fails at once.
        let secondary: Arc<dyn SecondaryStorage> =
            Arc::new(RedisStorage::new("redis://127.0.0.1:1/", "t:", None).expect("client"));
        let health = DeliveryHealth::new(secondary.clone(), Arc::new(MovableClock::new()));
        let started = std::time::Instant::now();
        health.record(&outcome("email", "smtp", true)).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(read(secondary.as_ref(), Utc::now()).await.is_err());
    }
}
