//! Faults: the database connection is cut under light load (Portcullis answers 503, then
//! recovers without a restart), and Redis goes away (requests keep succeeding from the database).
//! A TCP proxy between Portcullis and each service does the cutting, so the machine's shared
//! services are never stopped.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::client::Request;
use support::{Database, Instance, Proxy};

use portcullis_testkit::Suite;
use portcullis_testkit::runner::{Flavor, Service};

/// Ignored when PostgreSQL or Redis was not asked for, failed when one asked for is missing.
const NEEDS: &[Service] = &[Service::POSTGRES, Service::REDIS];
const FLAVOR: Flavor = Flavor::MultiThread { workers: 2 };

fn main() -> std::process::ExitCode {
    Suite::new()
        .test_needing(
            "database_outage_gives_503_then_recovers_and_redis_outage_is_survived",
            NEEDS,
            FLAVOR,
            || Box::pin(database_outage_gives_503_then_recovers_and_redis_outage_is_survived()),
        )
        .run()
}

fn socket_of(url: &str, default_port: u16) -> SocketAddr {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host_port = after_scheme
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(after_scheme);
    let host_port = host_port.split('/').next().unwrap_or(host_port);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().unwrap_or(default_port)),
        None => (host_port, default_port),
    };
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{port}")
        .parse()
        .unwrap_or_else(|e| panic!("service address {host}:{port}: {e}"))
}

async fn wait_for(what: &str, timeout: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn database_outage_gives_503_then_recovers_and_redis_outage_is_survived() {
    let Some((pg, redis)) = support::postgres_and_redis() else {
        return;
    };
    let db = Database::create(&pg).await;
    let pg_proxy = Proxy::start(socket_of(&db.url, 5432)).await;
    let redis_proxy = Proxy::start(socket_of(&redis, 6379)).await;
    let public = "http://127.0.0.1:8787".to_owned();
    let server = Instance::start(&[
        ("DATABASE_URL", db.url_via(pg_proxy.addr)),
        ("REDIS_URL", format!("redis://{}", redis_proxy.addr)),
        ("BETTER_AUTH_URL", public.clone()),
        ("SESSION_COOKIE_CACHE_MAX_AGE", "0".to_owned()),
        ("SESSION_CACHE", "off".to_owned()),
    ])
    .await;
    let email = format!(
        "fault-{}@example.com",
        portcullis_core::crypto::token::generate_id(8).to_lowercase()
    );
    let token = support::sign_up(&server, &public, &email).await;

    // Light load in the background for the whole test: session checks every 50 ms.
    let load_addr = server.addr;
    let load_token = token.clone();
    let load = tokio::spawn(async move {
        let mut seen = std::collections::BTreeMap::<u16, usize>::new();
        for _ in 0..400 {
            let r = support::client::send(
                load_addr,
                &Request::get("/api/auth/get-session").bearer(&load_token),
            )
            .await;
            *seen.entry(r.status).or_default() += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        seen
    });

    // Database away: health and session checks answer 503, never 500, and the process stays up.
    pg_proxy.cut();
    wait_for(
        "503 from /api/health",
        Duration::from_secs(15),
        async || server.send(Request::get("/api/health")).await.status == 503,
    )
    .await;
    let r = server
        .send(Request::get("/api/auth/get-session").bearer(&token))
        .await;
    assert_eq!(
        r.status,
        503,
        "session check while the database is away: {}\nserver log:\n{}",
        r.describe(),
        server.log()
    );
    assert_eq!(r.json()["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(
        server.send(Request::get("/api/health/live")).await.status,
        200,
        "liveness ignores dependencies"
    );

    // Database back: the pool reconnects by itself.
    pg_proxy.restore();
    wait_for(
        "recovery after the database returns",
        Duration::from_secs(20),
        async || {
            // 503 until the pool's probe sees the database again (within a quarter second).
            let r = server
                .send(Request::get("/api/auth/get-session").bearer(&token))
                .await;
            assert!(matches!(r.status, 200 | 503), "{}", r.describe());
            r.status == 200 && r.json()["user"]["email"] == email.as_str()
        },
    )
    .await;

    // Redis away: requests keep succeeding from the database; health reports it.
    redis_proxy.cut();
    for _ in 0..5 {
        let r = server
            .send(Request::get("/api/auth/get-session").bearer(&token))
            .await;
        assert_eq!(
            r.status,
            200,
            "session check with Redis away: {}\nserver log:\n{}",
            r.describe(),
            server.log()
        );
        assert_eq!(r.json()["user"]["email"], email.as_str());
    }
    let h = server.send(Request::get("/api/health")).await;
    assert_eq!(
        h.json()["services"]["redis"]["status"],
        "unhealthy",
        "{}",
        h.describe()
    );
    // Redis back: used again without a restart.
    redis_proxy.restore();
    wait_for("redis healthy again", Duration::from_secs(15), async || {
        server.send(Request::get("/api/health")).await.json()["services"]["redis"]["status"]
            == "healthy"
    })
    .await;

    let seen = load.await.unwrap_or_default();
    eprintln!("fault test: statuses seen under load {seen:?}");
    assert!(
        !seen.contains_key(&500),
        "no 500 under faults: {seen:?}\nserver log:\n{}",
        server.log()
    );
    drop(server);
}
