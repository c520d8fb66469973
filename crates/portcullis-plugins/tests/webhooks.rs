//! Webhooks on each backend, received by a Python receiver that verifies every request with
//! the `standardwebhooks` package (`tests/webhooks/receiver.py`, pinned in
//! `.ci/requirements.txt`): events written to the outbox with their change (none when it rolls
//! back), signed, retried with backoff while the receiver fails and delivered once it recovers;
//! endpoints from `[[webhooks]]` and the admin API with their filters, the delivery log (a
//! page at a time, deliveries of one instant split across pages) and redelivery; three days of failures end in `failed`; two instances on one database send
//! each event once; a sender that dies holding a claim loses nothing.

mod common;

use chrono::Duration;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_plugins::webhooks::{Endpoint, deliver, store};
use portcullis_storage::{Query, Row, Value as Cell, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use portcullis_testkit::webhook_receiver::WebhookReceiver;
use serde_json::{Value, json};

const PASSWORD: &str = "webhook-password-1";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The job's own runs stay out of the way: each test runs deliveries itself, by the clock.
const ENV: &[(&str, &str)] = &[("ENABLE_ADMIN", "true"), ("WEBHOOK_INTERVAL", "3600")];

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("signed_retried_and_verified", |b| {
            Box::pin(signed_retried_and_verified(b))
        })
        .per_backend("admin_api_filters_log_and_redelivery", |b| {
            Box::pin(admin_api_filters_log_and_redelivery(b))
        })
        .per_backend("the_delivery_log_pages_newest_first", |b| {
            Box::pin(the_delivery_log_pages_newest_first(b))
        })
        .per_backend("endpoints_are_cached_and_a_gone_one_fails_at_once", |b| {
            Box::pin(endpoints_are_cached_and_a_gone_one_fails_at_once(b))
        })
        .per_backend("three_days_of_failures_end_in_failed", |b| {
            Box::pin(three_days_of_failures_end_in_failed(b))
        })
        .per_backend("two_instances_send_each_event_once", |b| {
            Box::pin(two_instances_send_each_event_once(b))
        })
        .per_backend("a_sender_that_dies_loses_nothing", |b| {
            Box::pin(a_sender_that_dies_loses_nothing(b))
        })
        .run()
}

/// A TOML file removed when dropped.
struct TempToml(std::path::PathBuf);

impl TempToml {
    fn new(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "portcullis-webhooks-{}.toml",
            rand::random::<u64>()
        ));
        std::fs::write(&path, text).expect("write the configuration");
        TempToml(path)
    }
}

impl Drop for TempToml {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn config_for(url: &str, events: &str) -> TempToml {
    TempToml::new(&format!(
        "[[webhooks]]\nid = \"receiver\"\nurl = \"{url}\"\nsecret = \"{SECRET}\"\nevents = [{events}]\n"
    ))
}

async fn server(backend: Backend, file: &TempToml, extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .env("PORTCULLIS_CONFIG", file.0.display().to_string())
        .envs(ENV.iter().copied())
        .envs(extra.iter().copied())
        .start()
        .await
}

async fn deliveries(srv: &TestServer) -> Vec<Row> {
    srv.adapter()
        .find_many("webhookDelivery", &Query::default())
        .await
        .expect("read the outbox")
}

fn text<'a>(row: &'a Row, name: &str) -> &'a str {
    row.get(name).and_then(Cell::as_str).unwrap_or_default()
}

async fn run(srv: &TestServer) -> usize {
    deliver::deliver_due(&srv.app.ctx)
        .await
        .expect("a delivery run")
}

async fn signed_retried_and_verified(backend: Backend) {
    let receiver = WebhookReceiver::start(SECRET, 2, 0);
    let file = config_for(&receiver.url(), "\"user.*\"");
    let srv = server(backend, &file, &[]).await;
    srv.sign_up("Wes Hook", "wes@example.com", PASSWORD).await;
    let queued = deliveries(&srv).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    let id = text(&queued[0], "id").to_owned();
    assert_eq!(text(&queued[0], "eventType"), "user.sign_up");

    // Written with its change: a transaction that rolls back leaves no delivery either.
    {
        let tx = srv.app.ctx.begin().await.expect("begin");
        audit::record(&srv.app.ctx, tx.store(), AuditEvent::new("user.rename"))
            .await
            .expect("record");
    }
    assert_eq!(deliveries(&srv).await.len(), 1);

    // The receiver fails twice: each answer is kept and the next try waits 5 s, then 10 s.
    assert_eq!(run(&srv).await, 1);
    assert_eq!(run(&srv).await, 0, "not due before its backoff");
    srv.clock.advance(Duration::seconds(5));
    assert_eq!(run(&srv).await, 1);
    let row = deliveries(&srv).await.remove(0);
    assert_eq!(text(&row, "status"), "pending");
    assert_eq!(row.get("attempts").and_then(Cell::as_int), Some(2));
    assert_eq!(row.get("lastStatusCode").and_then(Cell::as_int), Some(500));
    srv.clock.advance(Duration::seconds(5));
    assert_eq!(run(&srv).await, 0, "the second wait is 10 s");
    srv.clock.advance(Duration::seconds(5));
    assert_eq!(run(&srv).await, 1);
    let row = deliveries(&srv).await.remove(0);
    assert_eq!(text(&row, "status"), "delivered");
    assert_eq!(row.get("attempts").and_then(Cell::as_int), Some(3));

    let got = receiver.received().await;
    assert_eq!(got.len(), 3, "{got:?}");
    for (n, r) in got.iter().enumerate() {
        assert_eq!(
            r["verified"], true,
            "standardwebhooks verified request {n}: {r}"
        );
        assert_eq!(r["id"], id.as_str(), "the same webhook-id on every attempt");
        assert_eq!(r["type"], "user.sign_up");
    }
    assert_eq!(got[2]["answered"], 204);
    assert_eq!(run(&srv).await, 0, "nothing left");
    let counted = |result: &str| {
        format!("portcullis_webhook_deliveries_total{{endpoint=\"receiver\",result=\"{result}\"}}")
    };
    let metrics = srv.send(Request::get("/metrics")).await.text();
    assert!(
        metrics.contains(&format!("{} 2", counted("retrying"))),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("{} 1", counted("delivered"))),
        "{metrics}"
    );
}

/// Each audited action reads the endpoints from a cache: a change made here is seen at once,
/// one made by another instance within 5 s (by the context's clock). A delivery queued for an
/// endpoint deleted meanwhile fails at once instead of retrying for three days.
async fn endpoints_are_cached_and_a_gone_one_fails_at_once(backend: Backend) {
    let receiver = WebhookReceiver::start(SECRET, 0, 0);
    let file = config_for("http://127.0.0.1:9/unused", "\"organization.*\"");
    let srv = server(backend, &file, &[("ENABLE_AUDIT_LOG", "true")]).await;
    let (mut admin, admin_id) = common::administrator(&srv, "root@example.com", PASSWORD).await;
    let res = admin
        .post(
            "/api/auth/webhooks/create-endpoint",
            json!({"url": receiver.url(), "events": ["user.sign_up"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let endpoint_id = res.json()["endpoint"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The change is audited, by whom and on what, never with the secret.
    let made = srv
        .adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![Where::eq("action", "webhook.endpoint_create")]),
        )
        .await
        .expect("read");
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(text(&made[0], "actorUserId"), admin_id);
    assert_eq!(text(&made[0], "targetId"), endpoint_id);
    let secret = res.json()["secret"].as_str().expect("secret").to_owned();
    assert!(!format!("{made:?}").contains(&secret));

    let for_endpoint = async || {
        deliveries(&srv)
            .await
            .into_iter()
            .filter(|d| text(d, "endpointId") == endpoint_id)
            .count()
    };
    srv.sign_up("One", "one@example.com", PASSWORD).await;
    assert_eq!(for_endpoint().await, 1);
    // Another instance deletes it (straight in the database): not seen here for 5 s.
    srv.adapter()
        .delete_many("webhookEndpoint", &[Where::eq("id", endpoint_id.as_str())])
        .await
        .expect("delete");
    srv.sign_up("Two", "two@example.com", PASSWORD).await;
    assert_eq!(for_endpoint().await, 2, "the cached list still has it");
    srv.clock.advance(Duration::seconds(5));
    srv.sign_up("Three", "three@example.com", PASSWORD).await;
    assert_eq!(for_endpoint().await, 2, "read again after 5 s");

    assert_eq!(run(&srv).await, 2);
    for d in deliveries(&srv).await {
        assert_eq!(text(&d, "status"), "failed", "{d:?}");
        assert_eq!(text(&d, "lastError"), "the endpoint no longer exists");
    }
    assert!(receiver.received().await.is_empty());
    let metrics = srv.send(Request::get("/metrics")).await.text();
    let line = format!(
        "portcullis_webhook_deliveries_total{{endpoint=\"{endpoint_id}\",result=\"failed\"}} 2"
    );
    assert!(metrics.contains(&line), "{metrics}");
}

async fn admin_api_filters_log_and_redelivery(backend: Backend) {
    let first = WebhookReceiver::start(SECRET, 0, 0);
    // The configured endpoint wants nothing this test does.
    let file = config_for("http://127.0.0.1:9/unused", "\"organization.*\"");
    let srv = server(backend, &file, &[]).await;
    let (mut admin, _) = common::administrator(&srv, "root@example.com", PASSWORD).await;
    let mut plain = srv.agent();
    let (_, plain_id) = plain.sign_up("Pat", "pat@example.com", PASSWORD).await;

    let res = plain
        .post(
            "/api/auth/webhooks/create-endpoint",
            json!({"url": first.url()}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS",
        "You are not allowed to manage webhooks",
    );
    let res = admin
        .post(
            "/api/auth/webhooks/create-endpoint",
            json!({"url": "ftp://example.com"}),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["code"], "INVALID_WEBHOOK_ENDPOINT");
    let res = admin
        .post(
            "/api/auth/webhooks/create-endpoint",
            json!({"url": first.url(), "events": ["admin.*"], "description": "bans"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    let secret = body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    let endpoint_id = body["endpoint"]["id"].as_str().expect("id").to_owned();
    assert_eq!(body["endpoint"]["events"], json!(["admin.*"]));
    let stored = srv
        .adapter()
        .find_one("webhookEndpoint", &[Where::eq("id", endpoint_id.as_str())])
        .await
        .expect("read")
        .expect("stored");
    assert_ne!(text(&stored, "secret"), secret, "sealed at rest");
    // A receiver that holds the new secret, and the endpoint pointed at it.
    let receiver = WebhookReceiver::start(&secret, 0, 0);
    let res = admin
        .post(
            "/api/auth/webhooks/update-endpoint",
            json!({"id": endpoint_id, "url": receiver.url()}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["endpoint"]["url"], receiver.url().as_str());

    let res = admin.get("/api/auth/webhooks/list-endpoints").await;
    let listed = res.json()["endpoints"].as_array().expect("list").clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["source"], "config");
    assert_eq!(listed[1]["source"], "api");
    assert!(!res.text().contains(&secret) && !res.text().contains(SECRET));

    // Filters: a sign-in is not queued for `admin.*`; a ban is.
    plain.sign_in("pat@example.com", PASSWORD).await;
    assert!(deliveries(&srv).await.is_empty());
    let res = admin
        .post("/api/auth/admin/ban-user", json!({"userId": plain_id}))
        .await;
    assert_eq!(res.status, 200);
    let queued = deliveries(&srv).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(text(&queued[0], "eventType"), "admin.ban_user");
    assert_eq!(text(&queued[0], "endpointId"), endpoint_id);
    let payload: Value = serde_json::from_str(text(&queued[0], "payload")).expect("payload");
    assert_eq!(payload["type"], "admin.ban_user");
    assert_eq!(payload["data"]["targetUserId"], plain_id.as_str());

    assert_eq!(run(&srv).await, 1);
    let got = receiver.received().await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["verified"], true,
        "signed with the endpoint's own secret"
    );
    assert!(first.received().await.is_empty());
    let res = admin
        .get(&format!(
            "/api/auth/webhooks/list-deliveries?endpointId={endpoint_id}"
        ))
        .await;
    let log = res.json()["deliveries"].as_array().expect("log").clone();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["payload"]["type"], "admin.ban_user");

    // Redelivery: the same message again, with the same id.
    let delivery_id = log[0]["id"].as_str().expect("id").to_owned();
    let res = admin
        .post(
            "/api/auth/webhooks/redeliver",
            json!({"deliveryId": delivery_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(run(&srv).await, 1);
    let got = receiver.received().await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1]["id"], delivery_id.as_str());
    assert_eq!(got[1]["verified"], true);
    let res = admin
        .post(
            "/api/auth/webhooks/redeliver",
            json!({"deliveryId": "nope"}),
        )
        .await;
    assert_eq!(res.status, 404);

    // Turned off: nothing more is queued for it; the configured one cannot be changed here.
    let res = admin
        .post(
            "/api/auth/webhooks/update-endpoint",
            json!({"id": endpoint_id, "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["endpoint"]["enabled"], false);
    admin
        .post("/api/auth/admin/unban-user", json!({"userId": plain_id}))
        .await;
    assert_eq!(deliveries(&srv).await.len(), 1);
    let res = admin
        .post(
            "/api/auth/webhooks/update-endpoint",
            json!({"id": "receiver", "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 400);
    let res = admin
        .post(
            "/api/auth/webhooks/delete-endpoint",
            json!({"id": endpoint_id}),
        )
        .await;
    assert_eq!(res.status, 200);
    let res = admin.get("/api/auth/webhooks/list-endpoints").await;
    assert_eq!(res.json()["endpoints"].as_array().map(Vec::len), Some(1));
}

/// Every page of the log through `admin`, `limit` deliveries at a time, following `nextCursor`
/// (after `query`, e.g. `&status=failed`): every full page but the last says where to go on.
async fn whole_log(admin: &mut Agent<'_>, query: &str, limit: usize) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let mut path = format!("/api/auth/webhooks/list-deliveries?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let res = admin.get(&path).await;
        assert_eq!(res.status, 200, "{}", res.describe());
        let body = res.json();
        let page = body["deliveries"].as_array().expect("deliveries").clone();
        cursor = body["nextCursor"].as_str().map(str::to_owned);
        assert!(
            !page.is_empty() || all.is_empty(),
            "a cursor led to an empty page"
        );
        if cursor.is_some() {
            assert_eq!(page.len(), limit, "a page followed by more is full");
        } else {
            assert!(page.len() <= limit);
            assert!(body["nextCursor"].is_null(), "{body}");
        }
        all.extend(page);
        if cursor.is_none() {
            return all;
        }
    }
    panic!("the log never ended");
}

/// The ids of `log`, checked to be newest first, each once.
fn ids_newest_first(log: &[Value]) -> Vec<String> {
    let at = |d: &Value| d["createdAt"].as_str().expect("createdAt").to_owned();
    for pair in log.windows(2) {
        assert!(at(&pair[0]) >= at(&pair[1]), "newest first: {pair:?}");
    }
    let mut ids: Vec<String> = log
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_owned())
        .collect();
    let listed = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), listed, "no delivery listed twice");
    ids
}

/// The log pages by (`createdAt`, `id`): whatever the page size, the pages hold every matching
/// delivery once, newest first, even when deliveries of one instant (one event's endpoints)
/// fall on both sides of a page's end; filters hold on every page; a redelivery comes first.
async fn the_delivery_log_pages_newest_first(backend: Backend) {
    // The configured endpoint wants nothing this test does: only the rows written here count.
    let file = config_for("http://127.0.0.1:9/unused", "\"organization.*\"");
    let srv = server(backend, &file, &[]).await;
    let (mut admin, _) = common::administrator(&srv, "root@example.com", PASSWORD).await;
    let res = admin
        .post(
            "/api/auth/webhooks/create-endpoint",
            json!({"url": "http://127.0.0.1:9/other", "events": ["organization.*"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let added = res.json()["endpoint"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let endpoint = |id: &str| Endpoint {
        id: id.to_owned(),
        url: "http://127.0.0.1:9/unused".to_owned(),
        secret: SECRET.to_owned(),
        events: vec!["*".to_owned()],
        description: None,
        enabled: true,
        configured: false,
    };
    let (configured, api) = (endpoint("receiver"), endpoint(&added));
    // Instants a second apart, each with several deliveries (as one event's endpoints get).
    let start = srv.app.ctx.now() - Duration::minutes(10);
    let mut written = 0;
    for (n, count) in [3, 1, 4, 2, 5, 1].into_iter().enumerate() {
        let at = start + Duration::seconds(n as i64);
        for k in 0..count {
            let to = if k % 2 == 0 { &configured } else { &api };
            store::enqueue(srv.adapter(), at, to, &format!("user.event_{n}"), "{}")
                .await
                .expect("enqueue");
            written += 1;
        }
    }
    let rows = deliveries(&srv).await;
    assert_eq!(rows.len(), written);
    let mut every: Vec<String> = rows.iter().map(|r| text(r, "id").to_owned()).collect();
    every.sort_unstable();
    let mut of_api: Vec<String> = rows
        .iter()
        .filter(|r| text(r, "endpointId") == added)
        .map(|r| text(r, "id").to_owned())
        .collect();
    of_api.sort_unstable();

    for limit in [1, 2, 3, 4, 7, 100] {
        let log = whole_log(&mut admin, "", limit).await;
        assert_eq!(ids_newest_first(&log), every, "pages of {limit}");
        let log = whole_log(&mut admin, &format!("&endpointId={added}"), limit).await;
        assert_eq!(
            ids_newest_first(&log),
            of_api,
            "one endpoint's, pages of {limit}"
        );
    }
    let first = whole_log(&mut admin, "", 100).await;
    assert_eq!(first[0]["eventType"], "user.event_5", "the newest first");

    // Status filters hold across pages.
    let mut delivered: Vec<String> = every.iter().step_by(3).cloned().collect();
    for id in &delivered {
        let mut set = Row::new();
        set.insert("status".into(), "delivered".into());
        srv.adapter()
            .update_many("webhookDelivery", &[Where::eq("id", id.as_str())], set)
            .await
            .expect("update");
    }
    delivered.sort_unstable();
    let log = whole_log(&mut admin, "&status=delivered", 2).await;
    assert!(log.iter().all(|d| d["status"] == "delivered"));
    assert_eq!(ids_newest_first(&log), delivered);
    let log = whole_log(&mut admin, "&status=pending", 2).await;
    assert_eq!(log.len(), written - delivered.len());

    // Sent again, a delivery is queued now: it heads the log.
    let oldest = first.last().expect("a delivery")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let res = admin
        .post(
            "/api/auth/webhooks/redeliver",
            json!({"deliveryId": oldest}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = admin
        .get("/api/auth/webhooks/list-deliveries?limit=1")
        .await;
    assert_eq!(res.json()["deliveries"][0]["id"], oldest.as_str());
    assert!(res.json()["nextCursor"].is_string());

    for bad in [
        "nope",
        "12.",
        "x.msg_1",
        "-5.msg_1",
        "999999999999999999.msg_1",
        "99999999999999999999.msg_1",
    ] {
        let res = admin
            .get(&format!("/api/auth/webhooks/list-deliveries?cursor={bad}"))
            .await;
        assert_eq!(res.status, 400, "{bad}: {}", res.describe());
        assert_eq!(res.json()["code"], "INVALID_WEBHOOK_ENDPOINT");
    }
}

async fn three_days_of_failures_end_in_failed(backend: Backend) {
    // Nothing listens on the discard port: every attempt fails to connect.
    let file = config_for("http://127.0.0.1:9/hook", "\"*\"");
    let srv = server(backend, &file, &[]).await;
    srv.sign_up("Fay", "fay@example.com", PASSWORD).await;
    let mut attempts = 0;
    for _ in 0..200 {
        attempts += run(&srv).await;
        let row = deliveries(&srv).await.remove(0);
        if text(&row, "status") == "failed" {
            break;
        }
        srv.clock.advance(Duration::hours(1));
    }
    let row = deliveries(&srv).await.remove(0);
    assert_eq!(text(&row, "status"), "failed");
    assert!(
        text(&row, "lastError").starts_with("request failed"),
        "{row:?}"
    );
    assert_eq!(
        row.get("attempts").and_then(Cell::as_int),
        i64::try_from(attempts).ok()
    );
    assert!(
        (10..40).contains(&attempts),
        "{attempts} attempts over three days"
    );
    let created = row
        .get("createdAt")
        .and_then(Cell::as_date)
        .expect("created");
    let last = row
        .get("nextAttemptAt")
        .and_then(Cell::as_date)
        .expect("next");
    assert!(last - created > Duration::days(3));
    srv.clock.advance(Duration::days(1));
    assert_eq!(run(&srv).await, 0, "a failed delivery is not tried again");
}

async fn two_instances_send_each_event_once(backend: Backend) {
    let receiver = WebhookReceiver::start(SECRET, 0, 0);
    let file = config_for(&receiver.url(), "\"*\"");
    let one = server(backend, &file, &[]).await;
    // A second instance on the same database and clock.
    let two = TestServer::builder(backend)
        .env("PORTCULLIS_CONFIG", file.0.display().to_string())
        .envs(ENV.iter().copied())
        .env("DATABASE_URL", one.app.ctx.config.database_url.clone())
        .clock(one.clock.clone())
        .start()
        .await;
    for n in 0..12 {
        let srv = if n % 2 == 0 { &one } else { &two };
        srv.sign_up("Many", &format!("m{n}@example.com"), PASSWORD)
            .await;
    }
    let queued = deliveries(&one).await;
    assert_eq!(queued.len(), 12);
    let mut claimed = 0;
    for _ in 0..5 {
        let (a, b) = tokio::join!(run(&one), run(&two));
        claimed += a + b;
    }
    assert_eq!(claimed, 12, "each claimed once between them");
    let got = receiver.received().await;
    assert_eq!(got.len(), 12, "{got:?}");
    let mut ids: Vec<&str> = got.iter().map(|r| r["id"].as_str().expect("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no event sent twice");
    assert!(got.iter().all(|r| r["verified"] == true));
    assert!(
        deliveries(&one)
            .await
            .iter()
            .all(|d| text(d, "status") == "delivered")
    );
}

async fn a_sender_that_dies_loses_nothing(backend: Backend) {
    let receiver = WebhookReceiver::start(SECRET, 0, 0);
    let file = config_for(&receiver.url(), "\"*\"");
    let srv = server(backend, &file, &[]).await;
    srv.sign_up("Kim", "kim@example.com", PASSWORD).await;
    let row = deliveries(&srv).await.remove(0);
    let id = text(&row, "id").to_owned();
    // Another instance claimed it and was killed before it recorded the answer: its claim
    // stands for a minute, and no one sends the event meanwhile.
    let now = srv.app.ctx.now();
    let took = store::claim(srv.adapter(), &id, now, now + Duration::seconds(60))
        .await
        .expect("claim");
    assert!(took);
    assert_eq!(run(&srv).await, 0);
    srv.clock.advance(Duration::seconds(61));
    assert_eq!(run(&srv).await, 1);
    let got = receiver.received().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["id"], id.as_str());
    assert_eq!(got[0]["verified"], true);
    assert_eq!(text(&deliveries(&srv).await[0], "status"), "delivered");
}
