//! The SQL adapter against a live MySQL/MariaDB: what the HTTP suite does not pin down directly
//! (types, precision, collation, LIKE escaping, migration idempotence and locking).
//!
//! Runs when `PORTCULLIS_TEST_MYSQL_URL` is set (e.g. `mysql://root@127.0.0.1:3306/test`); each
//! test creates its own database and drops it. Otherwise its tests are reported as ignored;
//! `PORTCULLIS_REQUIRE_MYSQL=1` turns a missing URL into a failure.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{TimeZone, Utc};
use portcullis_storage::{
    Adapter, Field, FieldType, Query, Row, Schema, SqlAdapter, StorageError, Store, Table, Value,
    Where, WhereOp,
};
use sqlx::Connection;

const URL_VAR: &str = "PORTCULLIS_TEST_MYSQL_URL";
const REQUIRE_VAR: &str = "PORTCULLIS_REQUIRE_MYSQL";

/// Reported as ignored when `PORTCULLIS_TEST_MYSQL_URL` is not set, and failed under `PORTCULLIS_REQUIRE_MYSQL=1`
/// (`harness = false` in Cargo.toml).
fn main() -> std::process::ExitCode {
    common::run_service_tests(
        URL_VAR,
        REQUIRE_VAR,
        &[
            ("values_round_trip_with_utc_millisecond_dates", 0, || {
                Box::pin(values_round_trip_with_utc_millisecond_dates())
            }),
            (
                "unique_violations_are_typed_and_comparisons_are_case_sensitive",
                0,
                || Box::pin(unique_violations_are_typed_and_comparisons_are_case_sensitive()),
            ),
            (
                "like_patterns_escape_wildcards_and_offset_works_without_limit",
                0,
                || Box::pin(like_patterns_escape_wildcards_and_offset_works_without_limit()),
            ),
            (
                "migrations_are_idempotent_serialised_and_cascade_deletes",
                0,
                || Box::pin(migrations_are_idempotent_serialised_and_cascade_deletes()),
            ),
            ("transactions_commit_or_roll_back", 0, || {
                Box::pin(transactions_commit_or_roll_back())
            }),
            (
                "reads_get_past_pooled_connections_that_died_while_idle",
                0,
                || Box::pin(reads_get_past_pooled_connections_that_died_while_idle()),
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

fn admin_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().replacen("mariadb:", "mysql:", 1)),
        _ if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") => {
            panic!("{REQUIRE_VAR}=1 but {URL_VAR} is not set")
        }
        _ => {
            eprintln!("skipped: {URL_VAR} is not set");
            None
        }
    }
}

/// A fresh database, dropped (from a thread with its own runtime) when this goes away.
struct Db {
    admin: String,
    name: String,
    url: String,
}

impl Db {
    async fn create(admin: &str) -> Db {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        // Tests run in parallel threads and the clock can tick coarsely: the counter keeps two
        // databases created in the same instant apart.
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("portcullis_st_{}_{nanos}_{n}", std::process::id());
        let mut conn = sqlx::MySqlConnection::connect(admin)
            .await
            .unwrap_or_else(|e| panic!("{URL_VAR} is set but MySQL is unreachable: {e}"));
        sqlx::query(&format!("CREATE DATABASE `{name}`"))
            .execute(&mut conn)
            .await
            .expect("create database");
        let _ = conn.close().await;
        let mut u = url::Url::parse(admin).expect("url");
        u.set_path(&format!("/{name}"));
        Db {
            admin: admin.to_owned(),
            name,
            url: u.to_string(),
        }
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
                if let Ok(mut c) = sqlx::MySqlConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
                        .execute(&mut c)
                        .await;
                    let _ = c.close().await;
                }
            })
        })
        .join();
    }
}

fn schema() -> Arc<Schema> {
    let mut s = Schema::core();
    s.extend(Table::new(
        "user",
        vec![
            Field::new("loginCount", FieldType::Number),
            Field::new("prefs", FieldType::Json),
        ],
    ));
    Arc::new(s)
}

async fn setup() -> Option<(Db, SqlAdapter)> {
    let admin = admin_url()?;
    let db = Db::create(&admin).await;
    let s = schema();
    let a = SqlAdapter::connect(&db.url, 4, 0, s.clone())
        .await
        .expect("connect");
    let report = a.migrate(&s).await.expect("migrate");
    assert_eq!(report.created_tables.len(), 4, "{report:?}");
    Some((db, a))
}

fn user(id: &str, email: &str) -> Row {
    let mut r = Row::new();
    r.insert("id".into(), id.into());
    r.insert("name".into(), "Zoë 🦀".into());
    r.insert("email".into(), email.into());
    r.insert("emailVerified".into(), false.into());
    // Sub-millisecond part: MySQL would round it, the adapter truncates.
    let d = Utc
        .timestamp_opt(1_787_000_000, 123_987_000)
        .single()
        .expect("date");
    r.insert("createdAt".into(), d.into());
    r.insert("updatedAt".into(), d.into());
    r
}

async fn values_round_trip_with_utc_millisecond_dates() {
    let Some((_db, a)) = setup().await else {
        return;
    };
    let mut row = user("u1", "zoe@example.com");
    row.insert("loginCount".into(), Value::Int(i64::MAX));
    row.insert(
        "prefs".into(),
        Value::Json(serde_json::json!({"theme": "dark", "n": [1, 2]})),
    );
    let created = a.create("user", row).await.expect("create");
    // Read back from the database, not echoed: every column, dates at millisecond precision.
    assert_eq!(created.get("image"), Some(&Value::Null));
    let want = Utc
        .timestamp_opt(1_787_000_000, 123_000_000)
        .single()
        .expect("date");
    assert_eq!(created.get("createdAt"), Some(&Value::Date(want)));
    let found = a
        .find_one("user", &[Where::eq("id", "u1")])
        .await
        .expect("find")
        .expect("row");
    assert_eq!(found, created);
    assert_eq!(found.get("name"), Some(&Value::from("Zoë 🦀")));
    assert_eq!(found.get("emailVerified"), Some(&Value::Bool(false)));
    assert_eq!(found.get("loginCount"), Some(&Value::Int(i64::MAX)));
    assert_eq!(
        found.get("prefs"),
        Some(&Value::Json(
            serde_json::json!({"theme": "dark", "n": [1, 2]})
        ))
    );

    let mut set = Row::new();
    set.insert("emailVerified".into(), true.into());
    set.insert("email".into(), "zoe2@example.com".into());
    let updated = a
        .update("user", &[Where::eq("email", "zoe@example.com")], set)
        .await
        .expect("update")
        .expect("row");
    assert_eq!(updated.get("emailVerified"), Some(&Value::Bool(true)));
    assert_eq!(updated.get("email"), Some(&Value::from("zoe2@example.com")));

    // Date comparisons bind UTC too.
    let n = a
        .count("user", &[Where::op("createdAt", WhereOp::Gte, want)])
        .await
        .expect("count");
    assert_eq!(n, 1);
}

async fn unique_violations_are_typed_and_comparisons_are_case_sensitive() {
    let Some((_db, a)) = setup().await else {
        return;
    };
    a.create("user", user("u1", "a@example.com"))
        .await
        .expect("first");
    let err = a
        .create("user", user("u2", "a@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation), "{err:?}");
    // utf8mb4_bin: a different case is a different value (tokens are case-sensitive).
    a.create("user", user("u3", "A@example.com"))
        .await
        .expect("other case is another value");
    let found = a
        .find_many(
            "user",
            &Query::filter(vec![Where::eq("email", "a@example.com")]),
        )
        .await
        .expect("find");
    assert_eq!(found.len(), 1);
}

async fn like_patterns_escape_wildcards_and_offset_works_without_limit() {
    let Some((_db, a)) = setup().await else {
        return;
    };
    for (i, email) in ["50%_off!\\@x.com", "50ab_off@x.com", "c@x.com"]
        .iter()
        .enumerate()
    {
        a.create("user", user(&format!("u{i}"), email))
            .await
            .expect("create");
    }
    let hits = a
        .find_many(
            "user",
            &Query::filter(vec![Where::op("email", WhereOp::StartsWith, "50%_off!\\")]),
        )
        .await
        .expect("like");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].get("id"), Some(&Value::from("u0")));
    let q = Query {
        sort_by: Some(("email".into(), portcullis_storage::SortDirection::Asc)),
        offset: Some(1),
        ..Default::default()
    };
    let rest = a.find_many("user", &q).await.expect("offset");
    assert_eq!(rest.len(), 2);
}

async fn migrations_are_idempotent_serialised_and_cascade_deletes() {
    let Some((db, a)) = setup().await else {
        return;
    };
    let s = schema();
    // Two more instances at once: the lock serialises them and both find nothing to do.
    let b = SqlAdapter::connect(&db.url, 2, 0, s.clone())
        .await
        .expect("connect");
    let (r1, r2) = tokio::join!(a.migrate(&s), b.migrate(&s));
    assert!(r1.expect("migrate a").is_empty());
    assert!(r2.expect("migrate b").is_empty());

    // A plugin adds a column later: it is added, nullable, with its unique index.
    let mut s2 = (*s).clone();
    s2.extend(Table::new(
        "user",
        vec![Field::new("username", FieldType::String).unique()],
    ));
    let report = a.migrate(&s2).await.expect("migrate more");
    assert_eq!(report.added_columns, vec!["user.username".to_string()]);
    assert_eq!(
        report.created_indexes,
        vec!["user_username_key".to_string()]
    );
    assert!(a.migrate(&s2).await.expect("again").is_empty());

    // Foreign keys are real: deleting a user deletes its sessions.
    a.create("user", user("u1", "fk@example.com"))
        .await
        .expect("user");
    let mut session = Row::new();
    session.insert("id".into(), "s1".into());
    session.insert("token".into(), "t1".into());
    session.insert("userId".into(), "u1".into());
    session.insert("expiresAt".into(), Utc::now().into());
    session.insert("updatedAt".into(), Utc::now().into());
    let created = a.create("session", session).await.expect("session");
    assert!(matches!(created.get("createdAt"), Some(Value::Date(_))));
    a.delete_many("user", &[Where::eq("id", "u1")])
        .await
        .expect("delete");
    assert_eq!(a.count("session", &[]).await.expect("count"), 0);
    // And a session for a user that does not exist is refused.
    let mut orphan = Row::new();
    orphan.insert("id".into(), "s2".into());
    orphan.insert("token".into(), "t2".into());
    orphan.insert("userId".into(), "nobody".into());
    orphan.insert("expiresAt".into(), Utc::now().into());
    orphan.insert("updatedAt".into(), Utc::now().into());
    assert!(a.create("session", orphan).await.is_err());
}

async fn transactions_commit_or_roll_back() {
    let Some((_db, a)) = setup().await else {
        return;
    };
    let tx = a.begin().await.expect("begin");
    tx.create("user", user("u1", "t1@example.com"))
        .await
        .expect("create in tx");
    assert_eq!(tx.count("user", &[]).await.expect("count in tx"), 1);
    drop(tx);
    assert_eq!(a.count("user", &[]).await.expect("count"), 0);
    let tx = a.begin().await.expect("begin");
    let row = tx
        .create("user", user("u2", "t2@example.com"))
        .await
        .expect("create in tx");
    assert_eq!(row.get("id"), Some(&Value::from("u2")));
    tx.commit().await.expect("commit");
    assert_eq!(a.count("user", &[]).await.expect("count"), 1);
}

async fn reads_get_past_pooled_connections_that_died_while_idle() {
    let Some((db, a)) = setup().await else {
        return;
    };
    a.create("user", user("u1", "idle@example.com"))
        .await
        .expect("create");
    let everyone = Query::default();
    // Several reads at once leave several connections idle in the pool.
    let read = || a.find_many("user", &everyone);
    let (r1, r2, r3, r4) = tokio::join!(read(), read(), read(), read());
    for r in [r1, r2, r3, r4] {
        assert_eq!(r.expect("read").len(), 1);
    }
    // The server drops every one of them, as a restart or a firewall's idle timeout would.
    let mut admin = sqlx::MySqlConnection::connect(&db.admin)
        .await
        .expect("admin");
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
    )
    .bind(&db.name)
    .fetch_all(&mut admin)
    .await
    .expect("processlist");
    assert!(ids.len() >= 2, "idle connections: {ids:?}");
    for id in ids {
        sqlx::query(&format!("KILL {id}"))
            .execute(&mut admin)
            .await
            .expect("kill");
    }
    let _ = admin.close().await;
    for _ in 0..5 {
        let found = a.find_many("user", &everyone).await;
        assert_eq!(found.expect("read after the kill").len(), 1);
    }
}

// ---- indexes over several columns and numbered migrations (scenarios in `common`) ----------

/// A fresh, empty database (no tables yet).
async fn empty_db() -> Option<Db> {
    let admin = admin_url()?;
    Some(Db::create(&admin).await)
}

async fn composite_unique_is_enforced() {
    let Some(db) = empty_db().await else {
        return;
    };
    common::composite_unique_is_enforced(&db.url).await;
}

async fn indexes_are_added_to_existing_tables_once() {
    let Some(db) = empty_db().await else {
        return;
    };
    common::indexes_are_added_to_existing_tables_once(&db.url).await;
}

async fn duplicate_rows_refuse_a_unique_index_clearly() {
    let Some(db) = empty_db().await else {
        return;
    };
    common::duplicate_rows_refuse_a_unique_index_clearly(&db.url).await;
}

async fn migrations_run_once_in_order() {
    let Some(db) = empty_db().await else {
        return;
    };
    common::migrations_run_once_in_order(&db.url).await;
}

/// Three instances start at once: GET_LOCK lets exactly one apply each version.
async fn concurrent_migrations_apply_each_version_once() {
    let Some(db) = empty_db().await else {
        return;
    };
    common::concurrent_migrations_apply_each_version_once(&db.url, 3).await;
}
