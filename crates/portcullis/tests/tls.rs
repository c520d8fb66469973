//! TLS to every backing service. Each test starts its own PostgreSQL, MariaDB or Redis from the
//! machine's binaries, with TLS on and a certificate the test makes (a private CA and a server
//! certificate for `localhost`), on a free port; a drop guard stops it, also when the test
//! fails. The real binary then:
//! - works over verified TLS (verify-full, verify_identity, rediss:// with the CA), on servers
//!   that refuse anything but TLS;
//! - stops at start-up with one line naming the variable when the CA is not the one that signed
//!   the server's certificate, or the host is not the one it names;
//! - refuses a server without TLS when TLS is required.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use portcullis_testkit::Suite;
use portcullis_testkit::runner::{Flavor, Service};
use support::services::{
    APP_PASSWORD, Pki, Scratch, psql_admin, redis_keys, spawn_logged, start_mariadb,
    start_postgres, start_redis,
};
use support::{Instance, SECRET, free_port};

const ORIGIN: &str = "http://localhost:3000";
const FLAVOR: Flavor = Flavor::MultiThread { workers: 2 };

fn main() -> std::process::ExitCode {
    Suite::new()
        .test_needing(
            "postgres_over_verified_tls",
            &[Service::POSTGRES],
            FLAVOR,
            || Box::pin(postgres_over_verified_tls()),
        )
        .test_needing(
            "mariadb_over_verified_tls",
            &[Service::MYSQL],
            FLAVOR,
            || Box::pin(mariadb_over_verified_tls()),
        )
        .test_needing("redis_over_verified_tls", &[Service::REDIS], FLAVOR, || {
            Box::pin(redis_over_verified_tls())
        })
        .run()
}

// --- The binary -------------------------------------------------------------------------------

/// Runs `portcullis serve` expecting it to refuse to start: it must exit on its own, non-zero,
/// with a last line that names `var` and says `says`.
fn refuses_to_start(env: &[(&str, String)], var: &str, says: &str) {
    let data = Scratch::new("refused");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOST", "127.0.0.1")
        .env("PORT", free_port().to_string())
        .env("PORTCULLIS_DATA_DIR", &data.0)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env("LOG_LEVEL", "warn")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let log = data.path("log");
    let mut child = spawn_logged(&mut cmd, &log, "portcullis serve");
    let until = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "portcullis started with {env:?}; it should have refused:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let last = output.lines().last().unwrap_or_default();
    assert!(!status.success(), "exit status {status}:\n{output}");
    assert!(
        last.starts_with("portcullis: ") && last.contains(var) && last.contains(says),
        "the last line should name {var} and say `{says}`:\n{output}"
    );
    assert!(
        !output.contains(APP_PASSWORD),
        "the database password reached the output:\n{output}"
    );
}

fn env_with(pairs: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut env = vec![("BETTER_AUTH_URL", ORIGIN.to_owned())];
    env.extend(pairs.iter().cloned());
    env
}

/// Signs a new user up through `server` and reads their session back.
async fn sign_up_and_read_the_session(server: &Instance, label: &str) {
    let email = format!("{label}-{}@example.com", free_port());
    let token = support::sign_up(server, ORIGIN, &email).await;
    assert_eq!(
        support::session_user(server, &token).await.as_deref(),
        Some(email.as_str()),
        "{}",
        server.log()
    );
}

async fn postgres_over_verified_tls() {
    let certs = Scratch::new("pg-pki");
    let pki = Pki::make(&certs);
    let pg = start_postgres(Some(&pki));
    let url = |host: &str, query: &str| {
        format!(
            "postgres://app:{APP_PASSWORD}@{host}:{}/app?{query}",
            pg.port
        )
    };
    let ca = pki.ca.display().to_string();

    // verify-full: the CA signed the certificate, which names the host.
    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "pg").await;
    let over_tls = psql_admin(
        &pg,
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.usename = 'app' AND s.ssl",
    );
    assert_ne!(over_tls, "0", "no TLS connection from the app");
    drop(server);

    // The server takes nothing but TLS over TCP, so the success above was over TLS.
    refuses_to_start(
        &env_with(&[("DATABASE_URL", url("localhost", "sslmode=disable"))]),
        "DATABASE_URL",
        "no encryption",
    );
    // A CA that did not sign the server's certificate.
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={}", pki.other_ca.display()),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    // verify-full checks the name: the certificate is for localhost, not 127.0.0.1.
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "127.0.0.1",
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    // verify-ca checks the CA. (sqlx 0.8 with today's rustls checks the name too: see the
    // README's TLS section.)
    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url("localhost", &format!("sslmode=verify-ca&sslrootcert={ca}")),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "pg-verify-ca").await;
    drop(server);

    // A Neon-style URL: sslmode=require (encrypted, certificate not checked) with
    // channel_binding=require, which the driver cannot do: it connects, and the log says so.
    let neon = format!(
        "postgresql://app:{APP_PASSWORD}@localhost:{}/app?sslmode=require&channel_binding=require",
        pg.port
    );
    let server = Instance::start(&env_with(&[("DATABASE_URL", neon)])).await;
    sign_up_and_read_the_session(&server, "pg-neon").await;
    let log = server.log();
    assert!(
        log.contains("channel_binding=require") && log.contains("sslmode=verify-full"),
        "the log should say that channel binding is not done:\n{log}"
    );
    drop(server);
    drop(pg);

    // sslmode=require against a server without TLS.
    let plain = start_postgres(None);
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            format!(
                "postgres://app:{APP_PASSWORD}@localhost:{}/app?sslmode=require",
                plain.port
            ),
        )]),
        "DATABASE_URL",
        "does not support TLS",
    );
}

async fn mariadb_over_verified_tls() {
    let certs = Scratch::new("mariadb-pki");
    let pki = Pki::make(&certs);
    let db = start_mariadb(Some(&pki));
    let url = |host: &str, query: &str| {
        format!("mysql://app:{APP_PASSWORD}@{host}:{}/app?{query}", db.port)
    };
    let ca = pki.ca.display().to_string();

    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url(
            "localhost",
            &format!("ssl-mode=verify_identity&ssl-ca={ca}"),
        ),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "mariadb").await;
    drop(server);

    // require_secure_transport: without TLS the server refuses the same user and password
    // (MariaDB says "Access denied" for it), so the success above was over TLS.
    refuses_to_start(
        &env_with(&[("DATABASE_URL", url("localhost", "ssl-mode=disabled"))]),
        "DATABASE_URL",
        "Access denied for user 'app'",
    );
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "localhost",
                &format!("ssl-mode=verify_identity&ssl-ca={}", pki.other_ca.display()),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            url(
                "127.0.0.1",
                &format!("ssl-mode=verify_identity&ssl-ca={ca}"),
            ),
        )]),
        "DATABASE_URL",
        "TLS to the database failed",
    );
    let server = Instance::start(&env_with(&[(
        "DATABASE_URL",
        url("localhost", &format!("ssl-mode=verify_ca&ssl-ca={ca}")),
    )]))
    .await;
    sign_up_and_read_the_session(&server, "mariadb-verify-ca").await;
    drop(server);
    drop(db);

    let plain = start_mariadb(None);
    refuses_to_start(
        &env_with(&[(
            "DATABASE_URL",
            format!(
                "mysql://app:{APP_PASSWORD}@localhost:{}/app?ssl-mode=required",
                plain.port
            ),
        )]),
        "DATABASE_URL",
        "TLS",
    );
}

async fn redis_over_verified_tls() {
    let certs = Scratch::new("redis-pki");
    let pki = Pki::make(&certs);
    let redis = start_redis(Some(&pki));
    let data = Scratch::new("redis-db");
    let sqlite = format!("sqlite://{}", data.path("portcullis.db").display());
    let ca = pki.ca.display().to_string();
    let rediss = format!("rediss://localhost:{}/", redis.port);

    let server = Instance::start(&env_with(&[
        ("DATABASE_URL", sqlite.clone()),
        ("REDIS_URL", rediss.clone()),
        ("REDIS_CA_FILE", ca.clone()),
    ]))
    .await;
    assert_eq!(redis_keys(&redis, &pki), 0);
    sign_up_and_read_the_session(&server, "redis").await;
    // The session (and the rate limiter's counts) went to Redis, over TLS: it has no other port.
    assert!(redis_keys(&redis, &pki) > 0, "{}", server.log());
    drop(server);

    // The system's roots do not know the test's CA, and another CA did not sign the certificate.
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite.clone()),
            ("REDIS_URL", rediss.clone()),
        ]),
        "REDIS_URL",
        "over TLS",
    );
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite.clone()),
            ("REDIS_URL", rediss.clone()),
            ("REDIS_CA_FILE", pki.other_ca.display().to_string()),
        ]),
        "REDIS_URL",
        "over TLS",
    );
    // The certificate names localhost, not 127.0.0.1.
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite.clone()),
            ("REDIS_URL", format!("rediss://127.0.0.1:{}/", redis.port)),
            ("REDIS_CA_FILE", ca.clone()),
        ]),
        "REDIS_URL",
        "over TLS",
    );
    drop(redis);

    // rediss:// to a Redis without TLS.
    let plain = start_redis(None);
    refuses_to_start(
        &env_with(&[
            ("DATABASE_URL", sqlite),
            ("REDIS_URL", format!("rediss://localhost:{}/", plain.port)),
            ("REDIS_CA_FILE", ca),
        ]),
        "REDIS_URL",
        "over TLS",
    );
}
