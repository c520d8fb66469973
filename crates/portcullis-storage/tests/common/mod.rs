//! Scenarios for indexes over several columns and numbered migrations, run on each engine by
//! `tests/sqlite.rs`, `tests/postgres.rs` and `tests/mysql.rs` against a fresh database URL.

#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use portcullis_storage::{
    Adapter, DialectSql, Field, FieldType, Migration, MigrationReport, Query, Row, Schema,
    SqlAdapter, StorageError, Store, Table, Value, Where,
};

pub const MEMBER_UNIQUE: &str = "member_organizationId_userId_uidx";
pub const MEMBER_INDEX: &str = "member_userId_createdAt_idx";

/// A plugin's table as its first release declared it: no index over several columns.
fn member_table() -> Table {
    Table::new(
        "member",
        vec![
            Field::new("organizationId", FieldType::String),
            Field::new("userId", FieldType::String).references("user", "id"),
            Field::new("role", FieldType::String),
            Field::new("score", FieldType::Number),
            Field::new("createdAt", FieldType::Date),
        ],
    )
}

/// Core plus the member table, with its indexes over several columns when `indexes`.
pub fn schema(indexes: bool, migrations: Vec<Migration>) -> Arc<Schema> {
    let mut s = Schema::core();
    let mut member = member_table();
    if indexes {
        member = member
            .unique(&["organizationId", "userId"])
            .index(&["userId", "createdAt"]);
    }
    s.extend(member);
    s.add_migrations(migrations);
    Arc::new(s)
}

/// The member table's first release made `organizationId` a `text` column on MySQL, which
/// MySQL cannot index: the release adding the unique index alters it first, on MySQL only.
pub fn organization_id_to_varchar() -> Migration {
    Migration::new(
        "organization",
        1,
        "organizationId becomes indexable on MySQL",
    )
    .sql(
        DialectSql::default()
            .mysql("ALTER TABLE `member` MODIFY `organizationId` varchar(255) NULL"),
    )
}

pub async fn connect(url: &str, s: &Arc<Schema>) -> SqlAdapter {
    SqlAdapter::connect(url, 3, 0, s.clone())
        .await
        .expect("connect")
}

fn row(fields: &[(&str, Value)]) -> Row {
    let mut r = Row::new();
    for (k, v) in fields {
        r.insert((*k).into(), v.clone());
    }
    r
}

pub async fn add_user(a: &SqlAdapter, id: &str) {
    let now = Utc::now();
    a.create(
        "user",
        row(&[
            ("id", id.into()),
            ("name", id.into()),
            ("email", format!("{id}@example.com").as_str().into()),
            ("emailVerified", false.into()),
            ("createdAt", now.into()),
            ("updatedAt", now.into()),
        ]),
    )
    .await
    .expect("user");
}

pub async fn add_member(
    a: &SqlAdapter,
    id: &str,
    org: Option<&str>,
    user: &str,
) -> Result<Row, StorageError> {
    a.create(
        "member",
        row(&[
            ("id", id.into()),
            ("organizationId", org.map_or(Value::Null, Value::from)),
            ("userId", user.into()),
            ("createdAt", Utc::now().into()),
        ]),
    )
    .await
}

fn applied(report: &MigrationReport) -> Vec<(String, i64)> {
    report
        .applied_migrations
        .iter()
        .map(|m| (m.component.clone(), m.version))
        .collect()
}

/// A member table created with its indexes refuses a second row for the same organization
/// and user, on create and on update, with the same error as a single-column unique.
pub async fn composite_unique_is_enforced(url: &str) {
    let s = schema(true, vec![]);
    let a = connect(url, &s).await;
    let report = a.migrate(&s).await.expect("migrate");
    assert!(
        report.created_tables.contains(&"member".to_owned()),
        "{report:?}"
    );
    for name in [MEMBER_UNIQUE, MEMBER_INDEX] {
        assert!(
            report.created_indexes.contains(&name.to_owned()),
            "{report:?}"
        );
    }
    // No migration declared: no version table.
    assert!(report.applied_migrations.is_empty());
    assert!(
        !report
            .created_tables
            .contains(&portcullis_storage::SCHEMA_VERSION_TABLE.to_owned()),
        "{report:?}"
    );

    add_user(&a, "u1").await;
    add_user(&a, "u2").await;
    add_member(&a, "m1", Some("o1"), "u1").await.expect("m1");
    add_member(&a, "m2", Some("o1"), "u2")
        .await
        .expect("same org, other user");
    add_member(&a, "m3", Some("o2"), "u1")
        .await
        .expect("same user, other org");
    let err = add_member(&a, "m4", Some("o1"), "u1").await.unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation), "{err:?}");
    let mut set = Row::new();
    set.insert("organizationId".into(), "o1".into());
    let err = a
        .update("member", &[Where::eq("id", "m3")], set)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation), "{err:?}");
    // In a transaction as well.
    let tx = a.begin().await.expect("begin");
    let err = tx
        .create(
            "member",
            row(&[
                ("id", "m5".into()),
                ("organizationId", "o2".into()),
                ("userId", "u1".into()),
            ]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation), "{err:?}");
    drop(tx);
    // Rows with a NULL in the key never clash.
    add_member(&a, "m6", None, "u1").await.expect("null org");
    add_member(&a, "m7", None, "u1")
        .await
        .expect("null org again");
    assert_eq!(a.count("member", &[]).await.expect("count"), 5);

    assert!(a.migrate(&s).await.expect("again").is_empty());
}

/// A later release declares the indexes on a table that already holds rows: migrate creates
/// them once, and finds them the next time.
pub async fn indexes_are_added_to_existing_tables_once(url: &str) {
    let v1 = schema(false, vec![]);
    let a = connect(url, &v1).await;
    a.migrate(&v1).await.expect("migrate v1");
    add_user(&a, "u1").await;
    add_member(&a, "m1", Some("o1"), "u1").await.expect("m1");
    add_member(&a, "m2", Some("o1"), "u1")
        .await
        .expect("no unique index yet");
    a.delete_many("member", &[Where::eq("id", "m2")])
        .await
        .expect("delete");

    let v2 = schema(true, vec![organization_id_to_varchar()]);
    let b = connect(url, &v2).await;
    let report = b.migrate(&v2).await.expect("migrate v2");
    assert!(report.added_columns.is_empty(), "{report:?}");
    assert_eq!(
        report.created_indexes,
        vec![MEMBER_UNIQUE.to_owned(), MEMBER_INDEX.to_owned()],
        "{report:?}"
    );
    let err = add_member(&b, "m3", Some("o1"), "u1").await.unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation), "{err:?}");

    let again = b.migrate(&v2).await.expect("again");
    assert!(again.is_empty(), "{again:?}");
}

/// A unique index over rows that already repeat is refused with an error naming the table and
/// its columns; once the duplicates are gone, it is created.
pub async fn duplicate_rows_refuse_a_unique_index_clearly(url: &str) {
    let v1 = schema(false, vec![]);
    let a = connect(url, &v1).await;
    a.migrate(&v1).await.expect("migrate v1");
    add_user(&a, "u1").await;
    add_member(&a, "m1", Some("o1"), "u1").await.expect("m1");
    add_member(&a, "m2", Some("o1"), "u1").await.expect("m2");
    // NULLs may repeat under a unique index on every engine: these do not count.
    add_member(&a, "m3", None, "u1").await.expect("m3");
    add_member(&a, "m4", None, "u1").await.expect("m4");

    let v2 = schema(true, vec![organization_id_to_varchar()]);
    let b = connect(url, &v2).await;
    let err = b.migrate(&v2).await.unwrap_err();
    match &err {
        StorageError::DuplicateRows {
            table,
            columns,
            index,
        } => {
            assert_eq!(table, "member");
            assert_eq!(columns, &["organizationId", "userId"]);
            assert_eq!(index, MEMBER_UNIQUE);
        }
        other => panic!("expected DuplicateRows, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("on member (organizationId, userId)"),
        "{message}"
    );
    assert!(message.contains("duplicates"), "{message}");

    a.delete_many("member", &[Where::eq("id", "m2")])
        .await
        .expect("delete");
    let report = b.migrate(&v2).await.expect("migrate after the clean-up");
    assert!(
        report.created_indexes.contains(&MEMBER_UNIQUE.to_owned()),
        "{report:?}"
    );
}

/// Migration 1 sets `score` to 1 where NULL, migration 2 multiplies it by 10: a row ends at 10
/// only if they ran in order, at NULL or 1 if 2 ran first, and at 100 if 2 ran twice.
fn score_migrations() -> Vec<Migration> {
    vec![
        // Declared out of order on purpose.
        // Two statements in one step: both must run (5 would mean only the first did).
        Migration::new("ranking", 2, "scores count in tens").sql(DialectSql::all(
            "UPDATE member SET score = score * 5; UPDATE member SET score = score * 2",
        )),
        Migration::new("ranking", 1, "members have a score").backfill("member", "score", 1),
    ]
}

async fn scores(a: &SqlAdapter) -> Vec<Value> {
    a.find_many(
        "member",
        &Query::default().sort("id", portcullis_storage::SortDirection::Asc),
    )
    .await
    .expect("members")
    .into_iter()
    .map(|m| m.get("score").cloned().unwrap_or(Value::Null))
    .collect()
}

async fn roles(a: &SqlAdapter) -> Vec<Value> {
    a.find_many(
        "member",
        &Query::default().sort("id", portcullis_storage::SortDirection::Asc),
    )
    .await
    .expect("members")
    .into_iter()
    .map(|m| m.get("role").cloned().unwrap_or(Value::Null))
    .collect()
}

/// Numbered migrations run once each, in version order per component, components in the order
/// they were declared; a failed one is not recorded and runs again once fixed.
pub async fn migrations_run_once_in_order(url: &str) {
    let v1 = schema(false, vec![]);
    let a = connect(url, &v1).await;
    a.migrate(&v1).await.expect("migrate v1");
    add_user(&a, "u1").await;
    add_member(&a, "m1", Some("o1"), "u1").await.expect("m1");
    add_member(&a, "m2", Some("o2"), "u1").await.expect("m2");
    let mut set = Row::new();
    set.insert("role".into(), "owner".into());
    a.update("member", &[Where::eq("id", "m2")], set)
        .await
        .expect("owner");

    let mut migrations = score_migrations();
    migrations.push(
        Migration::new("audit", 1, "a step on PostgreSQL only")
            .sql(DialectSql::default().postgres("SELECT 1")),
    );
    let v2 = schema(false, migrations.clone());
    let report = a.migrate(&v2).await.expect("migrate v2");
    assert_eq!(
        applied(&report),
        vec![
            ("ranking".to_owned(), 1),
            ("ranking".to_owned(), 2),
            ("audit".to_owned(), 1),
        ],
        "{report:?}"
    );
    assert_eq!(
        report.created_tables,
        vec![portcullis_storage::SCHEMA_VERSION_TABLE.to_owned()]
    );
    assert_eq!(
        report.applied_migrations[1].to_string(),
        "ranking 2: scores count in tens"
    );
    assert_eq!(scores(&a).await, vec![Value::Int(10), Value::Int(10)]);

    // Nothing runs twice, from this adapter or another.
    assert!(a.migrate(&v2).await.expect("again").is_empty());
    let b = connect(url, &v2).await;
    assert!(b.migrate(&v2).await.expect("other instance").is_empty());
    assert_eq!(scores(&a).await, vec![Value::Int(10), Value::Int(10)]);

    // Version 3 fails half-way: its backfill is undone and the version is not recorded.
    let mut broken = migrations.clone();
    broken.push(
        Migration::new("ranking", 3, "members have a role")
            .backfill("member", "role", "member")
            .sql(DialectSql::all("UPDATE no_such_table SET x = 1")),
    );
    let err = a.migrate(&schema(false, broken)).await.unwrap_err();
    match &err {
        StorageError::MigrationFailed {
            component, version, ..
        } => assert_eq!((component.as_str(), *version), ("ranking", 3)),
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
    assert!(err.to_string().contains("members have a role"), "{err}");
    assert_eq!(roles(&a).await, vec![Value::Null, Value::from("owner")]);

    // Fixed, it runs (alone), and the backfill leaves the value already set alone.
    let mut fixed = migrations;
    fixed.push(
        Migration::new("ranking", 3, "members have a role").backfill("member", "role", "member"),
    );
    let v3 = schema(false, fixed);
    let report = a.migrate(&v3).await.expect("migrate v3");
    assert_eq!(
        applied(&report),
        vec![("ranking".to_owned(), 3)],
        "{report:?}"
    );
    assert_eq!(
        roles(&a).await,
        vec![Value::from("member"), Value::from("owner")]
    );
    assert!(a.migrate(&v3).await.expect("again").is_empty());
}

/// Several instances start at once on a database with pending migrations: the migration lock
/// lets each version be applied by exactly one of them.
pub async fn concurrent_migrations_apply_each_version_once(url: &str, instances: usize) {
    let v1 = schema(false, vec![]);
    let a = connect(url, &v1).await;
    a.migrate(&v1).await.expect("migrate v1");
    add_user(&a, "u1").await;
    add_member(&a, "m1", Some("o1"), "u1").await.expect("m1");
    add_member(&a, "m2", Some("o2"), "u1").await.expect("m2");

    let v2 = schema(true, {
        let mut m = score_migrations();
        m.push(organization_id_to_varchar());
        m
    });
    let mut adapters = Vec::new();
    for _ in 0..instances {
        adapters.push(Arc::new(connect(url, &v2).await));
    }
    let runs: Vec<_> = adapters
        .iter()
        .map(|a| {
            let (a, s) = (a.clone(), v2.clone());
            tokio::spawn(async move { a.migrate(&s).await })
        })
        .collect();
    let mut all_applied = Vec::new();
    let mut all_indexes = Vec::new();
    let mut version_tables = 0;
    for run in runs {
        let report = run.await.expect("task").expect("migrate");
        all_applied.extend(applied(&report));
        all_indexes.extend(report.created_indexes);
        version_tables += report
            .created_tables
            .iter()
            .filter(|t| *t == portcullis_storage::SCHEMA_VERSION_TABLE)
            .count();
    }
    let distinct: HashSet<_> = all_applied.iter().cloned().collect();
    assert_eq!(all_applied.len(), 3, "{all_applied:?}");
    assert_eq!(distinct.len(), 3, "{all_applied:?}");
    all_indexes.sort();
    assert_eq!(
        all_indexes,
        vec![MEMBER_UNIQUE.to_owned(), MEMBER_INDEX.to_owned()]
    );
    assert_eq!(version_tables, 1);
    assert_eq!(scores(&a).await, vec![Value::Int(10), Value::Int(10)]);
}

/// A test of a binary whose tests need one service (PostgreSQL or MySQL): its name, its
/// runtime's worker threads (0: a current-thread runtime, as `#[tokio::test]`), and its body.
pub type ServiceTest = (
    &'static str,
    usize,
    fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
);

/// The `main` of such a binary (`harness = false`), on libtest-mimic: each test runs when
/// `url_var` is set, fails when `require_var=1` and it is not, and is otherwise reported as
/// ignored with the reason, never as passed. (libtest decides `#[ignore]` when the binary is
/// compiled; the URL is known when it runs.)
pub fn run_service_tests(
    url_var: &'static str,
    require_var: &'static str,
    tests: &[ServiceTest],
) -> std::process::ExitCode {
    use libtest_mimic::{Arguments, Completion, Failed, Trial};
    let set = std::env::var(url_var).is_ok_and(|u| !u.trim().is_empty());
    let required = std::env::var(require_var).is_ok_and(|v| v == "1");
    let trials = tests
        .iter()
        .map(|&(name, workers, test)| {
            if set {
                Trial::test(name, move || {
                    let mut builder = if workers == 0 {
                        tokio::runtime::Builder::new_current_thread()
                    } else {
                        let mut b = tokio::runtime::Builder::new_multi_thread();
                        b.worker_threads(workers);
                        b
                    };
                    let rt = builder
                        .enable_all()
                        .build()
                        .map_err(|e| Failed::from(e.to_string()))?;
                    rt.block_on(test());
                    Ok(())
                })
            } else if required {
                Trial::test(name, move || {
                    Err(format!("{require_var}=1 but {url_var} is not set").into())
                })
            } else {
                Trial::ignorable_test(name, move || {
                    Ok(Completion::ignored_with(format!("{url_var} is not set")))
                })
            }
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}
