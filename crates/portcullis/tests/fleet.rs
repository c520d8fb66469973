//! A fleet: three `portcullis` processes share PostgreSQL and Redis. A session made on one works
//! on all; a revocation on one is seen by the others on the next request; a rate limit holds
//! across the three together.
//!
//! Needs `PORTCULLIS_TEST_POSTGRES_URL` (an admin URL; the test creates its own database) and
//! `PORTCULLIS_TEST_REDIS_URL`; `PORTCULLIS_REQUIRE_POSTGRES=1` / `PORTCULLIS_REQUIRE_REDIS=1`
//! turn a missing service into a failure.

mod support;

use support::client::Request;
use support::{Database, Instance};

use portcullis_testkit::Suite;
use portcullis_testkit::runner::{Flavor, Service};

/// Ignored when PostgreSQL or Redis was not asked for, failed when one asked for is missing.
const NEEDS: &[Service] = &[Service::POSTGRES, Service::REDIS];
const FLAVOR: Flavor = Flavor::MultiThread { workers: 2 };

fn main() -> std::process::ExitCode {
    Suite::new()
        .test_needing(
            "three_instances_share_sessions_revocations_and_limits",
            NEEDS,
            FLAVOR,
            || Box::pin(three_instances_share_sessions_revocations_and_limits()),
        )
        .test_needing(
            "sessions_kept_only_in_redis_work_across_instances",
            NEEDS,
            FLAVOR,
            || Box::pin(sessions_kept_only_in_redis_work_across_instances()),
        )
        .run()
}

async fn three_instances_share_sessions_revocations_and_limits() {
    let Some((pg, redis)) = support::postgres_and_redis() else {
        return;
    };
    let db = Database::create(&pg).await;
    let public = "http://127.0.0.1:8787".to_owned();
    const LIMIT: usize = 12;
    let env = vec![
        ("DATABASE_URL", db.url.clone()),
        ("REDIS_URL", redis.clone()),
        // A namespace of its own: counters from other runs must not leak in.
        (
            "REDIS_KEY_PREFIX",
            format!("fleet-{}:", portcullis_core::crypto::token::generate_id(8)),
        ),
        ("BETTER_AUTH_URL", public.clone()),
        ("SESSION_COOKIE_CACHE_MAX_AGE", "0".to_owned()),
        ("RATE_LIMIT_ENABLED", "true".to_owned()),
        ("RATE_LIMIT_STORAGE", "secondary".to_owned()),
        ("RATE_LIMIT_MAX_REQUESTS", "1000".to_owned()),
        ("RATE_LIMIT_RULES", format!("/ok={LIMIT}/60")),
        (
            "SESSION_ADDITIONAL_FIELDS",
            r#"{"theme":{"type":"string"}}"#.to_owned(),
        ),
    ];
    // The first instance migrates; the others find the schema in place.
    let a = Instance::start(&env).await;
    let b = Instance::start(&env).await;
    let c = Instance::start(&env).await;
    let fleet = [&a, &b, &c];

    // A session created on A works on B and C.
    let email = format!(
        "fleet-{}@example.com",
        portcullis_core::crypto::token::generate_id(8).to_lowercase()
    );
    let token = support::sign_up(&a, &public, &email).await;
    for i in fleet {
        assert_eq!(
            support::session_user(i, &token).await.as_deref(),
            Some(email.as_str()),
            "session on {}",
            i.addr
        );
    }

    // Renamed on C: A and B, which hold the session and its user cached (and decoded), answer
    // with the new name on their next check, twice in a row.
    let renamed = c
        .send(
            Request::post("/api/auth/update-user")
                .bearer(&token)
                .json(&serde_json::json!({"name": "Renamed On C"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "update-user: {}", renamed.describe());
    for i in [&a, &b, &a, &b] {
        let res = i
            .send(Request::get("/api/auth/get-session").bearer(&token))
            .await;
        assert_eq!(
            res.json()["user"]["name"],
            "Renamed On C",
            "stale user on {}",
            i.addr
        );
    }

    // A session field set on A: B and C, which hold the session cached, see it next time.
    let updated = a
        .send(
            Request::post("/api/auth/update-session")
                .bearer(&token)
                .json(&serde_json::json!({"theme": "dark"})),
        )
        .await;
    assert_eq!(
        updated.status,
        200,
        "update-session: {}",
        updated.describe()
    );
    for i in [&b, &c, &b, &c] {
        let res = i
            .send(Request::get("/api/auth/get-session").bearer(&token))
            .await;
        assert_eq!(
            res.json()["session"]["theme"],
            "dark",
            "stale session on {}",
            i.addr
        );
    }

    // Revoked on B (sign-out): A and C see it on their next request, though they had it cached.
    let out = b
        .send(
            Request::post("/api/auth/sign-out")
                .bearer(&token)
                .json(&serde_json::json!({})),
        )
        .await;
    assert_eq!(out.status, 200);
    for i in [&a, &c] {
        assert_eq!(
            support::session_user(i, &token).await,
            None,
            "revoked session still alive on {}",
            i.addr
        );
    }

    // One limit of LIMIT per minute for /ok, enforced across the three together.
    let mut served = [0usize; 3];
    let mut limited = 0usize;
    for n in 0..(LIMIT * 3) {
        let i = n % 3;
        let r = fleet[i]
            .send(Request::get("/api/auth/ok").header("x-forwarded-for", "198.51.100.7"))
            .await;
        match r.status {
            200 => served[i] += 1,
            429 => {
                limited += 1;
                assert!(
                    r.header("x-retry-after").is_some(),
                    "429 without X-Retry-After"
                );
            }
            s => panic!("unexpected {s}: {}", r.describe()),
        }
    }
    eprintln!(
        "fleet figures: limit {LIMIT}/60s, requests {}, served per instance {served:?}, 429s {limited}",
        LIMIT * 3
    );
    assert_eq!(
        served.iter().sum::<usize>(),
        LIMIT,
        "exactly the limit is served across the fleet"
    );
    assert_eq!(limited, LIMIT * 2);
    assert!(
        served.iter().all(|&s| s > 0),
        "every instance served: {served:?}"
    );
}

/// `SESSION_STORE=secondary`: sessions live only in Redis (Better Auth's `secondaryStorage`
/// without `storeSessionInDatabase`) and still work, list and revoke across the fleet.
async fn sessions_kept_only_in_redis_work_across_instances() {
    let Some((pg, redis)) = support::postgres_and_redis() else {
        return;
    };
    let db = Database::create(&pg).await;
    let public = "http://127.0.0.1:8787".to_owned();
    let env = vec![
        ("DATABASE_URL", db.url.clone()),
        ("REDIS_URL", redis),
        (
            "REDIS_KEY_PREFIX",
            format!("fleet-{}:", portcullis_core::crypto::token::generate_id(8)),
        ),
        ("SESSION_STORE", "secondary".to_owned()),
        ("BETTER_AUTH_URL", public.clone()),
        ("SESSION_COOKIE_CACHE_MAX_AGE", "0".to_owned()),
        (
            "SESSION_ADDITIONAL_FIELDS",
            r#"{"theme":{"type":"string"}}"#.to_owned(),
        ),
    ];
    let a = Instance::start(&env).await;
    let b = Instance::start(&env).await;
    let email = format!(
        "redis-only-{}@example.com",
        portcullis_core::crypto::token::generate_id(8).to_lowercase()
    );
    let first = support::sign_up(&a, &public, &email).await;
    let second = {
        let r = b
            .send(
                Request::post("/api/auth/sign-in/email")
                    .json(&serde_json::json!({"email": email, "password": "fleet-password-1"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.describe());
        r.header("set-auth-token")
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert_eq!(
        support::session_user(&b, &first).await.as_deref(),
        Some(email.as_str())
    );

    // No session row reaches the database.
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("connect");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(rows, 0, "sessions must live only in Redis");

    // Both sessions are listed, and revoking the other one from A ends it on B.
    let list = a
        .send(Request::get("/api/auth/list-sessions").bearer(&first))
        .await;
    assert_eq!(list.status, 200, "{}", list.describe());
    let listed = list.json();
    let listed = listed.as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let other = listed
        .iter()
        .filter_map(|s| s["token"].as_str())
        .find(|t| !first.starts_with(&format!("{t}.")))
        .expect("the other session")
        .to_owned();
    let r = a
        .send(
            Request::post("/api/auth/revoke-session")
                .bearer(&first)
                .json(&serde_json::json!({"token": other})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        support::session_user(&b, &second).await,
        None,
        "revoked in Redis, gone everywhere"
    );
    assert_eq!(
        support::session_user(&b, &first).await.as_deref(),
        Some(email.as_str())
    );

    // A session field set on A is in Redis for B.
    let updated = a
        .send(
            Request::post("/api/auth/update-session")
                .bearer(&first)
                .json(&serde_json::json!({"theme": "dark"})),
        )
        .await;
    assert_eq!(
        updated.status,
        200,
        "update-session: {}",
        updated.describe()
    );
    assert_eq!(updated.json()["session"]["theme"], "dark");
    let res = b
        .send(Request::get("/api/auth/get-session").bearer(&first))
        .await;
    assert_eq!(res.json()["session"]["theme"], "dark", "{}", res.describe());

    // Sign-out removes the last one.
    let out = b
        .send(
            Request::post("/api/auth/sign-out")
                .bearer(&first)
                .json(&serde_json::json!({})),
        )
        .await;
    assert_eq!(out.status, 200);
    assert_eq!(support::session_user(&a, &first).await, None);
}
