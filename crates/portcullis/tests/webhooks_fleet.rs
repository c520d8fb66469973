//! Webhooks across real processes on one PostgreSQL database: an instance killed with SIGKILL
//! while it posts an event loses nothing (its claim runs out and another instance sends the
//! event, with the same `webhook-id`), and two instances running the delivery job together
//! send every other event exactly once. The receiver verifies each request with the
//! `standardwebhooks` Python package (`tests/webhooks/receiver.py`).
//!
//! Needs `PORTCULLIS_TEST_POSTGRES_URL` (an admin URL; the test creates its own database).

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Database, Instance};

use portcullis_testkit::Suite;
use portcullis_testkit::runner::{Flavor, Service};
use portcullis_testkit::webhook_receiver::WebhookReceiver;

const NEEDS: &[Service] = &[Service::POSTGRES];
const FLAVOR: Flavor = Flavor::MultiThread { workers: 2 };
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn main() -> std::process::ExitCode {
    Suite::new()
        .test_needing(
            "a_killed_sender_loses_nothing_and_two_send_each_once",
            NEEDS,
            FLAVOR,
            || Box::pin(a_killed_sender_loses_nothing_and_two_send_each_once()),
        )
        .run()
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn a_killed_sender_loses_nothing_and_two_send_each_once() {
    let Some(pg) = support::service_url(
        "PORTCULLIS_TEST_POSTGRES_URL",
        "PORTCULLIS_REQUIRE_POSTGRES",
    ) else {
        return;
    };
    let db = Database::create(&pg).await;
    let receiver = WebhookReceiver::start(SECRET, 0, 1);
    let config = std::env::temp_dir().join(format!(
        "portcullis-webhooks-fleet-{}.toml",
        rand::random::<u64>()
    ));
    std::fs::write(
        &config,
        format!(
            "[[webhooks]]\nurl = \"{}\"\nsecret = \"{SECRET}\"\nevents = [\"user.sign_up\"]\n",
            receiver.url()
        ),
    )
    .expect("write the configuration");
    let public = "http://127.0.0.1:8787".to_owned();
    let env = vec![
        ("DATABASE_URL", db.url.clone()),
        ("BETTER_AUTH_URL", public.clone()),
        ("PORTCULLIS_CONFIG", config.display().to_string()),
        ("WEBHOOK_INTERVAL", "1".to_owned()),
        // A two-second request limit: a claim then lasts 12 s.
        ("WEBHOOK_TIMEOUT", "2".to_owned()),
    ];
    let email = |n: usize| format!("wh-{n}-{}@example.com", rand::random::<u32>());

    // A sends the first event; the receiver holds the request open; A is killed (SIGKILL:
    // `Child::kill`, run by the instance's drop) before any answer.
    let a = Instance::start(&env).await;
    support::sign_up(&a, &public, &email(0)).await;
    wait_until("the first request", Duration::from_secs(20), async || {
        !receiver.received().await.is_empty()
    })
    .await;
    drop(a);
    let first = receiver.received().await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["answered"], Value::Null, "killed mid-delivery");
    let first_id = first[0]["id"].as_str().expect("id").to_owned();

    // Two instances take over, and more events come in through both.
    let b = Instance::start(&env).await;
    let c = Instance::start(&env).await;
    for n in 1..=10 {
        let via = if n % 2 == 0 { &b } else { &c };
        support::sign_up(via, &public, &email(n)).await;
    }
    wait_until("eleven deliveries", Duration::from_secs(60), async || {
        receiver
            .received()
            .await
            .iter()
            .filter(|r| r["answered"] == 204)
            .count()
            >= 11
    })
    .await;
    // Every row delivered: none can be claimed again, so what the receiver has is final.
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("connect");
    let open: i64 =
        sqlx::query_scalar(r#"SELECT COUNT(*) FROM "webhookDelivery" WHERE status <> 'delivered'"#)
            .fetch_one(&mut conn)
            .await
            .expect("count");
    assert_eq!(open, 0);
    let delivered: i64 = sqlx::query_scalar(r#"SELECT COUNT(*) FROM "webhookDelivery""#)
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(delivered, 11);
    let got = receiver.received().await;
    let _ = std::fs::remove_file(&config);
    assert!(got.iter().all(|r| r["verified"] == true), "{got:?}");
    assert!(got.iter().all(|r| r["type"] == "user.sign_up"));
    let answered: Vec<&str> = got
        .iter()
        .filter(|r| r["answered"] == 204)
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let mut unique = answered.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(answered.len(), 11, "each event delivered once: {got:?}");
    assert_eq!(unique.len(), 11, "no event sent twice: {got:?}");
    assert!(
        answered.contains(&first_id.as_str()),
        "the killed sender's event was sent by another instance"
    );
    assert_eq!(
        got.len(),
        12,
        "the killed attempt and eleven deliveries: {got:?}"
    );
}
