//! What the admin console reads from the audit log (administrators, with the admin plugin):
//!
//! - `GET /audit/stats`: sign-ins, failed sign-ins and sign-ups per hour (the last day) or per
//!   day (the last 7 or 30), each bucket one count over the time-ordered id's range, so the
//!   primary key's index answers it whatever the table's size.
//! - `GET /audit/feed`: the live activity feed, as Server-Sent Events for the browser's
//!   `EventSource`. A first request gets the newest events at once; the browser then
//!   reconnects with `Last-Event-ID`, and that request is held until a newer event is
//!   recorded (checked each second, for up to 15 s), then answered with it. Events are read
//!   from the database every instance writes to, so the feed covers all of them.

use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use http::Method;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint, ResponseBody};
use portcullis_core::openapi::schema;
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Query, SortDirection, Where, WhereOp};
use serde_json::{Value, json};

use super::endpoints::{bad, may_list};
use super::store::{self, TABLE, id_floor};

/// How long a reconnecting feed request waits for something new, and how often it looks.
const FEED_HOLD: Duration = Duration::from_secs(15);
const FEED_POLL: Duration = Duration::from_secs(1);
/// Events a first feed request starts with, and at most per answer.
const FEED_FIRST: i64 = 20;
const FEED_MAX: i64 = 100;

/// (name in the answer, action, outcome) of each series.
const SERIES: &[(&str, &str, &str)] = &[
    ("signIns", "user.sign_in", "success"),
    ("failedSignIns", "user.sign_in", "failure"),
    ("signUps", "user.sign_up", "success"),
];

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            Method::GET,
            "/audit/stats",
            "auditStats",
            portcullis_core::handler!(stats),
        )
        .tag("Audit")
        .summary(
            "Sign-ins over time",
            "Sign-ins, failed sign-ins and sign-ups per hour over the last day (`days=1`) or per day over the last 7 (default) or 30, oldest first, from the audit log. Needs `audit:list`.",
        )
        .query(&[("days", "1, 7 or 30 (7)")])
        .returns(schema::object(json!({
            "bucket": {"type": "string", "enum": ["hour", "day"]},
            "points": schema::array(schema::object(json!({
                "start": {"type": "string", "format": "date-time"},
                "signIns": {"type": "integer"},
                "failedSignIns": {"type": "integer"},
                "signUps": {"type": "integer"},
            }))),
        }))),
        Endpoint::new(
            Method::GET,
            "/audit/feed",
            "auditFeed",
            portcullis_core::handler!(feed),
        )
        .tag("Audit")
        .summary(
            "Live activity feed",
            "Audit events as Server-Sent Events (`event: audit`, `data`: the event as `/audit/list` gives it, `id`: its id), oldest first. Without `Last-Event-ID` the newest 20 come at once; with it (as `EventSource` sends on reconnecting) the request waits up to 15 s for newer events. `after` asks for the events after an id without waiting. Needs `audit:list`.",
        )
        .query(&[("after", "Only events after this id, answered at once")])
        .response(
            200,
            "The events, then the id to go on from",
            ResponseBody::EventStream,
        ),
    ]
}

async fn stats(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let (step, buckets, bucket) = match req.query_param("days").unwrap_or("7") {
        "1" => (TimeDelta::hours(1), 24, "hour"),
        "7" | "" => (TimeDelta::days(1), 7, "day"),
        "30" => (TimeDelta::days(1), 30, "day"),
        _ => return Err(bad("days must be 1, 7 or 30")),
    };
    may_list(ctx, req).await?;
    // The current hour or day is the last bucket.
    let now = ctx.now();
    let last = now.duration_trunc(step).unwrap_or(now);
    let mut points = Vec::with_capacity(buckets);
    for i in (0..buckets).rev() {
        let start: DateTime<Utc> = last - step * i32::try_from(i).unwrap_or(0);
        let end = start + step;
        let mut point = json!({"start": start});
        for (name, action, outcome) in SERIES {
            let n = ctx
                .adapter
                .count(
                    TABLE,
                    &[
                        Where::op("id", WhereOp::Gte, id_floor(start)),
                        Where::op("id", WhereOp::Lt, id_floor(end)),
                        Where::eq("action", *action),
                        Where::eq("outcome", *outcome),
                    ],
                )
                .await?;
            point[*name] = n.into();
        }
        points.push(point);
    }
    Ok(AuthResponse::json(json!({"bucket": bucket, "points": points})).no_store())
}

/// An id as the log writes them: a cursor is one of those or nothing.
fn event_id(v: &str) -> Result<&str, ApiError> {
    if v.is_empty() || v.len() > 64 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad(
            "an event id is letters and digits, as the feed gave it",
        ));
    }
    Ok(v)
}

async fn newer_than(ctx: &AuthContext, after: &str) -> Result<Vec<Value>, ApiError> {
    let rows = ctx
        .adapter
        .find_many(
            TABLE,
            &Query::filter(vec![Where::op("id", WhereOp::Gt, after)])
                .sort("id", SortDirection::Asc)
                .limit(FEED_MAX),
        )
        .await?;
    Ok(rows.iter().map(store::event_json).collect())
}

async fn feed(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let resume = req
        .header("last-event-id")
        .filter(|v| !v.is_empty())
        .map(event_id)
        .transpose()?;
    let after = req
        .query_param("after")
        .filter(|v| !v.is_empty())
        .map(event_id)
        .transpose()?;
    may_list(ctx, req).await?;
    let events = match (resume, after) {
        (_, Some(after)) => newer_than(ctx, after).await?,
        (Some(resume), None) => {
            // Held until something newer is recorded, or FEED_HOLD has passed.
            let mut waited = Duration::ZERO;
            loop {
                let events = newer_than(ctx, resume).await?;
                if !events.is_empty() || waited >= FEED_HOLD {
                    break events;
                }
                tokio::time::sleep(FEED_POLL).await;
                waited += FEED_POLL;
            }
        }
        (None, None) => {
            let mut newest = store::list(
                ctx.adapter.as_ref(),
                &store::Filter {
                    user_id: None,
                    action: None,
                    outcome: None,
                    organization_id: None,
                    from: None,
                    to: None,
                    cursor: None,
                    limit: FEED_FIRST,
                },
            )
            .await?;
            newest.reverse();
            newest.iter().map(store::event_json).collect()
        }
    };
    // Where the next request goes on from: the last event sent, else where this one started
    // (or now, on a first request to an empty log).
    let next = events
        .last()
        .and_then(|e| e["id"].as_str())
        .map(str::to_owned)
        .or_else(|| resume.or(after).map(str::to_owned))
        .unwrap_or_else(|| id_floor(ctx.now()));
    let mut body = String::from("retry: 1000\n\n");
    for e in &events {
        let id = e["id"].as_str().unwrap_or_default();
        body.push_str(&format!("id: {id}\nevent: audit\ndata: {e}\n\n"));
    }
    body.push_str(&format!("id: {next}\n\n"));
    Ok(AuthResponse::html(body)
        .header("content-type", "text/event-stream; charset=utf-8")
        .no_store())
}
