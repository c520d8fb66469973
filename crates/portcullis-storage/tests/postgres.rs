//! The SQL adapter against a live PostgreSQL: the session check under concurrency.
//!
//! Runs when `PORTCULLIS_TEST_POSTGRES_URL` is set; the test creates its own database and drops
//! it. Otherwise its tests are reported as ignored; `PORTCULLIS_REQUIRE_POSTGRES=1` turns a missing
//! URL into a failure.

mod common;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Duration, Utc};
use portcullis_storage::{Adapter, Query, Row, Schema, SqlAdapter, Store, Value, Where};
use sqlx::Connection;

const URL_VAR: &str = "PORTCULLIS_TEST_POSTGRES_URL";
const REQUIRE_VAR: &str = "PORTCULLIS_REQUIRE_POSTGRES";

/// Reported as ignored when `PORTCULLIS_TEST_POSTGRES_URL` is not set, and failed under `PORTCULLIS_REQUIRE_POSTGRES=1`
/// (`harness = false` in Cargo.toml).
fn main() -> std::process::ExitCode {
    common::run_service_tests(
        URL_VAR,
        REQUIRE_VAR,
        &[
            (
                "concurrent_session_checks_each_get_their_own_session_and_see_deletions_at_once",
                2,
                || {
                    Box::pin(concurrent_session_checks_each_get_their_own_session_and_see_deletions_at_once())
                },
            ),
            (
                "session_checks_get_past_connections_the_server_dropped",
                2,
                || Box::pin(session_checks_get_past_connections_the_server_dropped()),
            ),
            (
                "queued_checks_turn_to_the_pool_and_checks_that_go_away_leave_every_lane_working",
                2,
                || {
                    Box::pin(queued_checks_turn_to_the_pool_and_checks_that_go_away_leave_every_lane_working())
                },
            ),
            (
                "queries_keep_their_connection_and_transactions_still_get_the_whole_pool",
                2,
                || {
                    Box::pin(
                        queries_keep_their_connection_and_transactions_still_get_the_whole_pool(),
                    )
                },
            ),
            (
                "failed_and_abandoned_queries_do_not_keep_their_connection",
                2,
                || Box::pin(failed_and_abandoned_queries_do_not_keep_their_connection()),
            ),
            ("composite_unique_is_enforced", 0, || {
                Box::pin(composite_unique_is_enforced())
            }),
            ("indexes_are_added_to_existing_tables_once", 0, || {
                Box::pin(indexes_are_added_to_existing_tables_once())
            }),
            ("duplicate_rows_refuse_a_unique_index_clearly", 0, || {
                Box::pin(duplicate_rows_refuse_a_unique_index_clearly())
            }),
            ("migrations_run_once_in_order", 0, || {
                Box::pin(migrations_run_once_in_order())
            }),
            ("concurrent_migrations_apply_each_version_once", 2, || {
                Box::pin(concurrent_migrations_apply_each_version_once())
            }),
        ],
    )
}

/// A fresh database, dropped (from a thread with its own runtime) when this goes away.
struct Db {
    admin: String,
    name: String,
    url: String,
}

impl Db {
    async fn create() -> Option<Db> {
        let admin = match std::env::var(URL_VAR) {
            Ok(u) if !u.trim().is_empty() => u.trim().to_owned(),
            _ if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") => {
                panic!("{REQUIRE_VAR}=1 but {URL_VAR} is not set")
            }
            _ => {
                eprintln!("skipped: {URL_VAR} is not set");
                return None;
            }
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let name = format!("portcullis_st_{}_{nanos}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("{URL_VAR} is set but PostgreSQL is unreachable: {e}"));
        // PostgreSQL refuses to copy its template while another CREATE DATABASE (a test beside
        // this one) copies it: try again shortly.
        let mut attempt = 0;
        while let Err(e) = sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
        {
            attempt += 1;
            assert!(attempt < 10, "create database: {e}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = conn.close().await;
        let mut u = url::Url::parse(&admin).expect("url");
        u.set_path(&format!("/{name}"));
        Some(Db {
            admin,
            name,
            url: u.to_string(),
        })
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut c)
                            .await;
                    let _ = c.close().await;
                }
            })
        })
        .join();
    }
}

/// A connection holding the session table locked (in an open transaction), so that session
/// checks wait inside PostgreSQL until [`unlock`].
async fn lock_session_table(db: &Db) -> sqlx::PgConnection {
    let mut locker = sqlx::PgConnection::connect(&db.url).await.expect("locker");
    sqlx::query("BEGIN")
        .execute(&mut locker)
        .await
        .expect("begin");
    sqlx::query("LOCK TABLE \"session\" IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .expect("lock");
    locker
}

/// Ends `locker`'s transaction, and with it the lock.
async fn unlock(locker: &mut sqlx::PgConnection) {
    sqlx::query("COMMIT").execute(locker).await.expect("unlock");
}

/// The adapter on `db`, migrated to Better Auth's core tables, with a pool of 10 (5 lanes).
async fn connect(db: &Db) -> Arc<SqlAdapter> {
    connect_with_pool(db, 10).await
}

/// The adapter on `db`, migrated, with a pool of `pool_size` and 5 lanes.
async fn connect_with_pool(db: &Db, pool_size: u32) -> Arc<SqlAdapter> {
    let schema = Arc::new(Schema::core());
    let a = SqlAdapter::connect(&db.url, pool_size, 5, schema.clone())
        .await
        .expect("connect");
    a.migrate(&schema).await.expect("migrate");
    Arc::new(a)
}

/// User `u{i}` and its session `s{i}`, whose stored token is `t{i}`, valid for a day.
async fn add_user_with_session(a: &SqlAdapter, i: usize) {
    let now = Utc::now();
    let id = format!("u{i}");
    a.create(
        "user",
        row(&[
            ("id", id.as_str().into()),
            ("name", format!("User {i}").as_str().into()),
            ("email", format!("u{i}@example.com").as_str().into()),
            ("emailVerified", false.into()),
            ("createdAt", now.into()),
            ("updatedAt", now.into()),
        ]),
    )
    .await
    .expect("user");
    a.create(
        "session",
        row(&[
            ("id", format!("s{i}").as_str().into()),
            ("token", format!("t{i}").as_str().into()),
            ("userId", id.as_str().into()),
            ("expiresAt", (now + Duration::days(1)).into()),
            ("createdAt", now.into()),
            ("updatedAt", now.into()),
        ]),
    )
    .await
    .expect("session");
}

fn row(fields: &[(&str, Value)]) -> Row {
    let mut r = Row::new();
    for (k, v) in fields {
        r.insert((*k).into(), v.clone());
    }
    r
}

async fn concurrent_session_checks_each_get_their_own_session_and_see_deletions_at_once() {
    let Some(db) = Db::create().await else {
        return;
    };
    let a = connect(&db).await;
    let users = 40;
    for i in 0..users {
        add_user_with_session(&a, i).await;
    }

    // Far more checks at once than there are lanes, so some run on lanes and the rest on the
    // pool; many of the same token at once, some of tokens that do not exist. Twice: the lanes
    // take their connections from the pool's idle ones, which the first round leaves behind.
    for _ in 0..2 {
        let checks: Vec<_> = (0..400)
            .map(|n| {
                let a = a.clone();
                tokio::spawn(async move {
                    let token = format!("t{}", n % (users + 5));
                    let found = a.find_session_and_user(&token).await.expect("check");
                    (token, found)
                })
            })
            .collect();
        for check in checks {
            let (token, found) = check.await.expect("task");
            let i: usize = token[1..].parse().expect("number");
            match found {
                Some((session, user)) => {
                    assert!(i < users, "{token} does not exist, yet was found");
                    assert_eq!(session.get("token"), Some(&Value::from(token.as_str())));
                    assert_eq!(user.get("id"), Some(&Value::from(format!("u{i}").as_str())));
                    assert_eq!(session.get("userId"), user.get("id"));
                }
                None => assert!(i >= users, "{token} exists, yet was not found"),
            }
        }
    }

    // A session deleted is refused by the very next check.
    a.delete_many("session", &[portcullis_storage::Where::eq("token", "t3")])
        .await
        .expect("delete");
    assert_eq!(a.find_session_and_user("t3").await.expect("check"), None);
    assert!(
        a.find_session_and_user("t4")
            .await
            .expect("check")
            .is_some()
    );
}

async fn session_checks_get_past_connections_the_server_dropped() {
    let Some(db) = Db::create().await else {
        return;
    };
    let a = connect(&db).await;
    add_user_with_session(&a, 1).await;
    // Checks held up behind a lock, arriving one after another, so that they take every lane
    // (the check's own connections) and spill onto the pool: both hold several connections.
    let mut locker = lock_session_table(&db).await;
    let mut checks = Vec::new();
    for _ in 0..40 {
        let a = a.clone();
        checks.push(tokio::spawn(
            async move { a.find_session_and_user("t1").await },
        ));
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    unlock(&mut locker).await;
    let _ = locker.close().await;
    for c in checks {
        assert!(c.await.expect("task").expect("check").is_some());
    }
    // The server ends every one of them, as a restart or a failover would.
    let mut admin = sqlx::PgConnection::connect(&db.admin).await.expect("admin");
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&db.name)
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    assert!(ended.len() >= 2, "connections ended: {}", ended.len());
    let _ = admin.close().await;
    // Every check after that still answers: none is lost to a connection that died.
    for _ in 0..20 {
        let found = a.find_session_and_user("t1").await;
        assert!(found.expect("check after the restart").is_some());
    }
}

async fn queued_checks_turn_to_the_pool_and_checks_that_go_away_leave_every_lane_working() {
    let Some(db) = Db::create().await else {
        return;
    };
    // A pool far larger than the lanes, so that checks each running alone would show as
    // dozens of backends.
    let a = connect_with_pool(&db, 40).await;
    for i in 0..4 {
        add_user_with_session(&a, i).await;
    }
    let lanes = a.free_session_check_lanes();
    assert_eq!(lanes, 5, "5 lanes were asked for");
    let ms = std::time::Duration::from_millis;
    let spawn_check = |n: usize| {
        let a = a.clone();
        tokio::spawn(async move {
            let token = format!("t{}", n % 5);
            (token.clone(), a.find_session_and_user(&token).await)
        })
    };

    // The session table locked: checks wait in PostgreSQL, so the first five hold the lanes
    // (their queries running) and the rest queue, then turn to the pool.
    let mut locker = lock_session_table(&db).await;
    // One check takes one lane; each check queued behind a lane that does not move takes
    // another after a millisecond, until every lane is held.
    let mut leaders = Vec::new();
    for n in 0..lanes {
        leaders.push(spawn_check(n));
        tokio::time::sleep(ms(30)).await;
        assert_eq!(
            a.free_session_check_lanes(),
            lanes - n - 1,
            "lanes held after {n} checks"
        );
    }
    tokio::time::sleep(ms(200)).await;
    assert_eq!(a.free_session_check_lanes(), 0, "every lane is busy");
    let queued: Vec<_> = (lanes..100).map(spawn_check).collect();
    tokio::time::sleep(ms(200)).await;
    // Queued checks do not wait behind lanes that are held up: after a few milliseconds they
    // leave the queue and answer it on the rest of the pool, so more checks reach the database
    // than there are lanes. They go as a few batches (95 checks, at most 64 a batch, a couple
    // more where two checks time out at once), not one backend per check.
    let mut watcher = sqlx::PgConnection::connect(&db.admin)
        .await
        .expect("watcher");
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
    )
    .bind(&db.name)
    .fetch_one(&mut watcher)
    .await
    .expect("activity");
    let _ = watcher.close().await;
    let lanes_i64 = i64::try_from(lanes).expect("lanes");
    assert!(
        waiting > lanes_i64 && waiting <= lanes_i64 + 8,
        "{waiting} backends wait for the lock: the {lanes} lanes and a few spilled batches"
    );
    // Requests that go away: the oldest queued checks (each would be handed a lane next) and
    // every third after them, then every check holding a lane, mid-query.
    let mut kept = Vec::new();
    for (i, check) in queued.into_iter().enumerate() {
        if i < 20 || i % 3 == 0 {
            check.abort();
        } else {
            kept.push(check);
        }
    }
    tokio::time::sleep(ms(100)).await;
    for check in leaders {
        check.abort();
    }
    tokio::time::sleep(ms(100)).await;
    unlock(&mut locker).await;

    for check in kept {
        let (token, found) = tokio::time::timeout(std::time::Duration::from_secs(20), check)
            .await
            .expect("a check that stays is answered")
            .expect("task");
        let found = found.expect("check");
        assert_eq!(found.is_some(), token != "t4", "{token}: {found:?}");
    }
    // Every lane came back: none was lost with a check that went away.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while a.free_session_check_lanes() < lanes && std::time::Instant::now() < deadline {
        tokio::time::sleep(ms(20)).await;
    }
    assert_eq!(a.free_session_check_lanes(), lanes);
    // And they answer: more checks at once than there are lanes.
    let checks: Vec<_> = (0..lanes * 3).map(spawn_check).collect();
    for c in checks {
        let (token, found) = c.await.expect("task");
        assert_eq!(found.expect("check").is_some(), token != "t4");
    }
}

/// A query keeps its connection for the next one (no release ping), and a transaction first
/// hands a kept connection back: with a pool of 4 (2 lanes, unused here, so 1 kept at most),
/// four transactions still open at once.
async fn queries_keep_their_connection_and_transactions_still_get_the_whole_pool() {
    let Some(db) = Db::create().await else { return };
    let a = connect_with_pool(&db, 4).await;
    add_user_with_session(&a, 1).await;
    assert!(
        a.find_one("user", &[Where::eq("id", "u1")])
            .await
            .expect("find")
            .is_some()
    );
    assert_eq!(a.kept_connections(), 1);

    let mut open = Vec::new();
    for i in 0..4 {
        let tx = tokio::time::timeout(std::time::Duration::from_secs(2), a.begin())
            .await
            .unwrap_or_else(|_| panic!("transaction {i} waited for a kept connection"))
            .expect("begin");
        open.push(tx);
    }
    assert_eq!(a.kept_connections(), 0);
    for tx in &open {
        assert_eq!(tx.count("user", &[]).await.expect("count in tx"), 1);
    }
    drop(open);
    assert_eq!(a.count("session", &[]).await.expect("count"), 1);
}

/// Only a connection whose query completed is kept. One whose statement failed, or whose
/// caller went away mid-query, goes back to the pool (which reads past what was left on it),
/// and the queries after it get their own answers.
async fn failed_and_abandoned_queries_do_not_keep_their_connection() {
    let Some(db) = Db::create().await else { return };
    let a = connect(&db).await;
    add_user_with_session(&a, 1).await;
    add_user_with_session(&a, 2).await;
    assert_eq!(a.kept_connections(), 1);

    let duplicate = row(&[
        ("id", "u1".into()),
        ("name", "Again".into()),
        ("email", "again@example.com".into()),
        ("emailVerified", false.into()),
        ("createdAt", Utc::now().into()),
        ("updatedAt", Utc::now().into()),
    ]);
    assert!(a.create("user", duplicate).await.is_err());
    assert_eq!(a.kept_connections(), 0);
    assert_eq!(a.count("user", &[]).await.expect("count"), 2);
    assert_eq!(a.kept_connections(), 1);

    let mut locker = lock_session_table(&db).await;
    let abandoned = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        a.find_many("session", &Query::default()),
    )
    .await;
    assert!(abandoned.is_err(), "the locked table answered");
    assert_eq!(a.kept_connections(), 0);
    unlock(&mut locker).await;
    for i in [2, 1, 2] {
        let user = a
            .find_one("user", &[Where::eq("id", format!("u{i}"))])
            .await
            .expect("find user")
            .expect("user");
        assert_eq!(
            user.get("email"),
            Some(&Value::from(format!("u{i}@example.com")))
        );
        let sessions = a
            .find_many(
                "session",
                &Query::filter(vec![Where::eq("userId", format!("u{i}"))]),
            )
            .await
            .expect("sessions");
        assert_eq!(sessions.len(), 1);
        assert_eq!(
            sessions[0].get("token"),
            Some(&Value::from(format!("t{i}")))
        );
    }
}

// ---- indexes over several columns and numbered migrations (scenarios in `common`) ----------

async fn composite_unique_is_enforced() {
    let Some(db) = Db::create().await else {
        return;
    };
    common::composite_unique_is_enforced(&db.url).await;
}

async fn indexes_are_added_to_existing_tables_once() {
    let Some(db) = Db::create().await else {
        return;
    };
    common::indexes_are_added_to_existing_tables_once(&db.url).await;
}

async fn duplicate_rows_refuse_a_unique_index_clearly() {
    let Some(db) = Db::create().await else {
        return;
    };
    common::duplicate_rows_refuse_a_unique_index_clearly(&db.url).await;
}

async fn migrations_run_once_in_order() {
    let Some(db) = Db::create().await else {
        return;
    };
    common::migrations_run_once_in_order(&db.url).await;
}

/// Four instances start at once: the advisory lock lets exactly one apply each version.
async fn concurrent_migrations_apply_each_version_once() {
    let Some(db) = Db::create().await else {
        return;
    };
    common::concurrent_migrations_apply_each_version_once(&db.url, 4).await;
}
