//! `portcullis import`, `migrate --dry-run`, `migrate status` and `export`, run as the binary.
//!
//! Each source's fixture (tests/import: written by `make_fixtures.py` in the source's own
//! format, hashes made by the algorithms' reference libraries) is imported into a fresh
//! database; then a `portcullis serve` over it signs its users in with their old passwords over
//! HTTP (and with their old TOTP key), and their hash is found rehashed to argon2id. The
//! report names the fixture's malformed entries, conflicts and passwords not carried, and a
//! second run creates nothing. A run killed with SIGKILL halfway resumes to the same rows as
//! one that was never interrupted.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use portcullis_testkit::Suite;
use portcullis_testkit::client::Request;
use portcullis_testkit::runner::{Flavor, Service};
use serde_json::{Value, json};
use sqlx::{Connection, Row as _};
use support::{Database, Instance, SECRET};

const ORIGIN: &str = "http://localhost:3000";
const FLAVOR: Flavor = Flavor::MultiThread { workers: 2 };

fn main() -> std::process::ExitCode {
    let pg = [Service::POSTGRES];
    Suite::new()
        .test("import_better_auth", || {
            Box::pin(import_then_sign_in("better-auth"))
        })
        .test("import_clerk", || Box::pin(import_then_sign_in("clerk")))
        .test("import_auth0", || Box::pin(import_then_sign_in("auth0")))
        .test("import_firebase", || {
            Box::pin(import_then_sign_in("firebase"))
        })
        .test("import_keycloak", || {
            Box::pin(import_then_sign_in("keycloak"))
        })
        .test_needing("import_authjs", &pg, FLAVOR, || {
            Box::pin(import_then_sign_in("authjs"))
        })
        .test_needing("import_supabase", &pg, FLAVOR, || {
            Box::pin(import_then_sign_in("supabase"))
        })
        .test_needing(
            "import_into_postgres_and_mariadb",
            &[Service::POSTGRES, Service::MYSQL],
            FLAVOR,
            || Box::pin(import_into_postgres_and_mariadb()),
        )
        .test("an_interrupted_import_resumes_to_the_same_rows", || {
            Box::pin(an_interrupted_import_resumes_to_the_same_rows())
        })
        .test("a_dry_run_writes_nothing", || {
            Box::pin(a_dry_run_writes_nothing())
        })
        .test("migrate_dry_run_and_status", || {
            Box::pin(migrate_dry_run_and_status())
        })
        .test("export_writes_users_with_their_accounts", || {
            Box::pin(export_writes_users_with_their_accounts())
        })
        .run()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/import/fixtures")
}

fn expected(source: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json"))
        .unwrap_or_else(|e| panic!("expected.json: {e}"));
    let all: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("expected.json: {e}"));
    all["sources"][source].clone()
}

/// A directory removed on drop, with a SQLite database in it for the server.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(label: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "portcullis-import-{label}-{}",
            portcullis_core::crypto::token::generate_id(10)
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn db_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.path(name).display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server's plugins for these tests: second factors, usernames and bans get imported too.
fn server_env(database_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", database_url.to_owned()),
        ("BETTER_AUTH_URL", ORIGIN.to_owned()),
        ("ENABLE_TWO_FACTOR", "true".to_owned()),
        ("ENABLE_USERNAME", "true".to_owned()),
        ("ENABLE_ADMIN", "true".to_owned()),
        ("ENABLE_BEARER", "true".to_owned()),
    ]
}

/// Runs the binary to the end.
fn portcullis(args: &[String], env: &[(&str, String)], data_dir: &Path) -> Output {
    let mut cmd = command(args, env, data_dir);
    cmd.output()
        .unwrap_or_else(|e| panic!("run portcullis {args:?}: {e}"))
}

fn command(args: &[String], env: &[(&str, String)], data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env("LOG_LEVEL", "warn")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn ok(out: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn sqlite(url: &str) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Where the source's input is: its files, or a database loaded from its SQL script.
struct Source {
    inputs: Vec<String>,
    _pg: Option<Database>,
}

async fn materialize(source: &str, spec: &Value, scratch: &Scratch) -> Source {
    let files: Vec<String> = spec["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let script = |name: &str| {
        std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    match spec["load"].as_str() {
        Some("sqlite") => {
            let url = format!(
                "{}?mode=rwc",
                scratch.db_url(&format!("{source}-source.db"))
            );
            let mut conn = sqlite(&url).await;
            sqlx::raw_sql(&script(&files[0]))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("load {}: {e}", files[0]));
            conn.close().await.ok();
            Source {
                inputs: vec![scratch.db_url(&format!("{source}-source.db"))],
                _pg: None,
            }
        }
        Some("postgres") => {
            let admin = support::service_url(
                "PORTCULLIS_TEST_POSTGRES_URL",
                "PORTCULLIS_REQUIRE_POSTGRES",
            )
            .unwrap_or_else(|| panic!("{source} needs PORTCULLIS_TEST_POSTGRES_URL"));
            let db = Database::create(&admin).await;
            let mut conn = sqlx::PgConnection::connect(&db.url)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", db.url));
            sqlx::raw_sql(&script(&files[0]))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("load {}: {e}", files[0]));
            conn.close().await.ok();
            Source {
                inputs: vec![db.url.clone()],
                _pg: Some(db),
            }
        }
        _ => Source {
            inputs: files
                .iter()
                .map(|f| fixtures().join(f).display().to_string())
                .collect(),
            _pg: None,
        },
    }
}

fn import_args(source: &str, spec: &Value, inputs: &[String], report: &Path) -> Vec<String> {
    let dir = fixtures().display().to_string();
    let mut args = vec!["import".to_owned(), source.to_owned()];
    args.extend(inputs.iter().cloned());
    args.extend(
        spec["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|a| a.replace("{dir}", &dir)),
    );
    args.extend([
        "--no-progress".to_owned(),
        "--report".to_owned(),
        report.display().to_string(),
    ]);
    args
}

fn read_report(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("report: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("report: {e}"))
}

fn issues_mention(report: &Value, kind: &str, at: &str, reason: &str) -> bool {
    report[kind].as_array().into_iter().flatten().any(|i| {
        i["at"].as_str().is_some_and(|a| a.contains(at))
            && i["reason"].as_str().is_some_and(|r| r.contains(reason))
    })
}

async fn counts(conn: &mut sqlx::SqliteConnection) -> (i64, i64, i64) {
    let mut one = async |sql: &str| -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    (
        one("SELECT COUNT(*) FROM \"user\"").await,
        one("SELECT COUNT(*) FROM account").await,
        one("SELECT COUNT(*) FROM session").await,
    )
}

async fn stored_password(conn: &mut sqlx::SqliteConnection, user_id: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT password FROM account WHERE \"userId\" = ? AND \"providerId\" = 'credential'",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await
    .unwrap_or_else(|e| panic!("password of {user_id}: {e}"))
    .flatten()
}

/// A TOTP code from Debian's oathtool, an implementation apart from ours, for a key given in
/// base32 or (`hex:`…) in hex.
fn oathtool(key: &str) -> String {
    let args = match key.strip_prefix("hex:") {
        Some(hex) => vec!["--totp", hex],
        None => vec!["--totp", "-b", key],
    };
    let out = Command::new("oathtool")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("oathtool (apt-get install oathtool): {e}"));
    assert!(out.status.success(), "oathtool: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn cookie_header(res: &support::client::Response) -> String {
    res.set_cookies()
        .iter()
        .filter(|c| !c.is_deletion())
        .map(|c| format!("{}={}", c.name, c.value))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn sign_in(server: &Instance, email: &str, password: &str) -> support::client::Response {
    server
        .send(
            Request::post("/api/auth/sign-in/email")
                .origin(ORIGIN)
                .json(&json!({ "email": email, "password": password })),
        )
        .await
}

/// Signs `user` in with `password`, answering the TOTP challenge (a code from oathtool) when
/// the fixture gives them a key; returns the signed-in user as the server answers it.
async fn sign_in_with_factor(server: &Instance, user: &Value, password: &str, what: &str) -> Value {
    let email = user["email"].as_str().unwrap_or_default();
    let res = sign_in(server, email, password).await;
    assert_eq!(res.status, 200, "{what} {email}: {}", res.describe());
    let Some(key) = user["totpBase32"].as_str() else {
        return res.json()["user"].clone();
    };
    assert_eq!(res.json()["twoFactorRedirect"], true, "{}", res.describe());
    let verified = server
        .send(
            Request::post("/api/auth/two-factor/verify-totp")
                .origin(ORIGIN)
                .cookie(&cookie_header(&res))
                .json(&json!({ "code": oathtool(key) })),
        )
        .await;
    assert_eq!(
        verified.status,
        200,
        "{what} {email} TOTP: {}",
        verified.describe()
    );
    verified.json()["user"].clone()
}

/// A PBKDF2 hash under 100,000 iterations or a bcrypt hash under cost 10, as stored.
fn weak_as_stored(stored: &str) -> bool {
    if let Some(rest) = stored.strip_prefix("$pbkdf2-") {
        let iterations = rest
            .split(['$', ','])
            .find_map(|p| p.strip_prefix("i="))
            .and_then(|i| i.parse::<u32>().ok());
        return iterations.is_some_and(|i| i < 100_000);
    }
    let bcrypt_cost = ["$2a$", "$2b$", "$2y$"]
        .iter()
        .find_map(|p| stored.strip_prefix(p))
        .and_then(|rest| rest.get(..2))
        .and_then(|c| c.parse::<u32>().ok());
    bcrypt_cost.is_some_and(|c| c < 10)
}

async fn import_then_sign_in(source: &'static str) {
    let spec = expected(source);
    let scratch = Scratch::new(source);
    let target = scratch.db_url("portcullis.db");
    let env = server_env(&target);
    let mut spec = spec;
    let input = materialize(source, &spec, &scratch).await;
    let mut extra = Vec::new();
    if source == "better-auth" {
        extra = seal_a_second_factor_with_the_source_secret(&input.inputs[0], &mut spec).await;
    }
    let report_path = scratch.path("report.json");
    let mut args = import_args(source, &spec, &input.inputs, &report_path);
    args.extend(extra.iter().cloned());
    let printed = ok(&portcullis(&args, &env, &scratch.dir), "import");
    let report = read_report(&report_path);

    let users = spec["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        report["imported"].as_u64(),
        Some(users.len() as u64),
        "{source}: {printed}"
    );
    // Each expected issue (its entry, and a word of its reason) in the report's list for it.
    for (expected_kind, at_field, why_field, kind) in [
        ("skipped", "ref", "reason", "skipped"),
        ("conflicts", "id", "email", "conflicts"),
        ("withoutPassword", "id", "reason", "warnings"),
    ] {
        for issue in spec[expected_kind].as_array().into_iter().flatten() {
            let (at, why) = (
                issue[at_field].as_str().unwrap_or_default(),
                issue[why_field].as_str().unwrap_or_default(),
            );
            assert!(
                issues_mention(&report, kind, at, why),
                "{source}: {at} is among the {kind} for {why}: {printed}"
            );
        }
    }

    let mut db = sqlite(&target).await;
    for user in &users {
        let id = user["id"].as_str().unwrap_or_default();
        let row = sqlx::query(
            "SELECT email, name, \"emailVerified\", image, CAST(\"createdAt\" AS TEXT) \
             FROM \"user\" WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut db)
        .await
        .unwrap_or_else(|e| panic!("user {id}: {e}"))
        .unwrap_or_else(|| panic!("{source}: user {id} was imported under its own id"));
        let email: String = row.get(0);
        assert_eq!(
            Some(email.as_str()),
            user["email"].as_str(),
            "{source} {id}"
        );
        let name: String = row.get(1);
        assert_eq!(Some(name.as_str()), user["name"].as_str(), "{source} {id}");
        let verified: bool = row.get(2);
        assert_eq!(
            Some(verified),
            user["emailVerified"].as_bool(),
            "{source} {id}"
        );
        let image: Option<String> = row.get(3);
        assert_eq!(image.as_deref(), user["image"].as_str(), "{source} {id}");
        if let Some(created) = user["createdAt"].as_str() {
            let stored: String = row.get(4);
            let want = &created[..19];
            assert!(
                stored.replace(' ', "T").starts_with(want),
                "{source} {id}: {stored} {created}"
            );
        }
        for linked in user["accounts"].as_array().into_iter().flatten() {
            let found: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM account WHERE \"userId\" = ? AND \"providerId\" = ? \
                 AND \"accountId\" = ?",
            )
            .bind(id)
            .bind(linked["providerId"].as_str())
            .bind(linked["accountId"].as_str())
            .fetch_one(&mut db)
            .await
            .unwrap_or_else(|e| panic!("accounts: {e}"));
            assert_eq!(found, 1, "{source} {id}: {linked} is linked");
        }
        if let Some(username) = user["username"].as_str() {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT \"displayUsername\" FROM \"user\" WHERE id = ?")
                    .bind(id)
                    .fetch_one(&mut db)
                    .await
                    .unwrap_or_else(|e| panic!("username: {e}"));
            assert_eq!(stored.as_deref(), Some(username), "{source} {id}");
        }
        if user["password"].is_null() && !user["totpBase32"].is_string() {
            assert_eq!(stored_password(&mut db, id).await, None, "{source} {id}");
        }
    }
    for conflict in spec["conflicts"].as_array().into_iter().flatten() {
        let id = conflict["id"].as_str().unwrap_or_default();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM \"user\" WHERE id = ?")
            .bind(id)
            .fetch_one(&mut db)
            .await
            .unwrap_or_else(|e| panic!("conflict: {e}"));
        assert_eq!(n, 0, "{source}: the conflicting {id} was not created");
    }
    let before = counts(&mut db).await;

    // Over HTTP: old passwords work, a wrong one does not, and a right one is rehashed.
    let server = Instance::start(&env).await;
    let mut wrapped = 0;
    for user in &users {
        let (Some(email), Some(password)) = (user["email"].as_str(), user["password"].as_str())
        else {
            continue;
        };
        let id = user["id"].as_str().unwrap_or_default();
        let wrong = sign_in(&server, email, &format!("{password}-not")).await;
        assert_eq!(wrong.status, 401, "{source} {email}: {}", wrong.describe());
        let old_hash = stored_password(&mut db, id).await.unwrap_or_default();
        assert!(
            !old_hash.starts_with("$argon2id$v=19$m=19456"),
            "{source}: {old_hash}"
        );
        // ASVS V2.4.3, V2.4.4: a weak hash is never stored as it came, but wrapped in argon2id.
        assert!(
            !weak_as_stored(&old_hash),
            "{source} {email}: stored weak: {old_hash}"
        );
        wrapped += usize::from(old_hash.starts_with("$wrapped$"));
        let user_json = sign_in_with_factor(&server, user, password, source).await;
        assert_eq!(user_json["id"], id, "{source} {email}");
        let new_hash = stored_password(&mut db, id).await.unwrap_or_default();
        assert!(
            new_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{source} {email}: rehashed after sign-in, got {new_hash}"
        );
    }
    if source == "keycloak" {
        // Keycloak's default before 24: PBKDF2-SHA256 with 27,500 iterations.
        assert!(wrapped > 0, "keycloak: its weak hashes were wrapped");
    }
    for user in &users {
        if let Some(token) = user["sessionToken"].as_str() {
            let res = server
                .send(Request::get("/api/auth/get-session").bearer(token))
                .await;
            assert_eq!(
                res.json()["user"]["email"],
                user["email"],
                "{source}: a session from the source still works: {}",
                res.describe()
            );
        }
    }
    drop(server);

    // Again: everything is present, nothing is created twice.
    let again = scratch.path("again.json");
    let mut args = import_args(source, &spec, &input.inputs, &again);
    args.extend(extra);
    ok(&portcullis(&args, &env, &scratch.dir), "second import");
    let second = read_report(&again);
    assert_eq!(second["imported"], 0, "{source}: {second}");
    assert_eq!(
        second["alreadyPresent"].as_u64(),
        Some(users.len() as u64),
        "{source}: {second}"
    );
    let mut db = sqlite(&target).await;
    let after = counts(&mut db).await;
    // Sign-ins added sessions; users and accounts are as they were.
    assert_eq!((after.0, after.1), (before.0, before.1), "{source}");
}

/// The source's own `BETTER_AUTH_SECRET`, unlike the server's: what it sealed must be opened
/// with it and sealed again.
const SOURCE_SECRET: &str = "the-other-better-auth-secret-0123456789abcdef";
/// Better Auth uses its TOTP secret's text as the HMAC key.
const SOURCE_TOTP_KEY: &str = "BetterAuthTotpKey-0001";

/// Gives the fixture's first user a TOTP factor sealed by the source as Better Auth seals it
/// (XChaCha20-Poly1305 under the source's secret); returns the option that names that secret.
async fn seal_a_second_factor_with_the_source_secret(url: &str, spec: &mut Value) -> Vec<String> {
    use portcullis_core::crypto::symmetric::encrypt;
    let user = &mut spec["users"][0];
    let id = user["id"].as_str().unwrap_or_default().to_owned();
    let key_hex: String = SOURCE_TOTP_KEY
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    user["totpBase32"] = format!("hex:{key_hex}").into();
    let mut conn = sqlite(url).await;
    sqlx::query(
        "INSERT INTO \"twoFactor\" (id, secret, \"backupCodes\", \"userId\", verified) \
         VALUES ('tf-alice', ?, ?, ?, 1)",
    )
    .bind(encrypt(SOURCE_SECRET.as_bytes(), SOURCE_TOTP_KEY))
    .bind(encrypt(SOURCE_SECRET.as_bytes(), "[\"code-one\"]"))
    .bind(&id)
    .execute(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("twoFactor row: {e}"));
    sqlx::query("UPDATE \"user\" SET \"twoFactorEnabled\" = 1 WHERE id = ?")
        .bind(&id)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("twoFactorEnabled: {e}"));
    conn.close().await.ok();
    vec!["--source-secret".into(), SOURCE_SECRET.into()]
}

/// An Auth0 export of `n` users (one bcrypt hash for all: the import never checks it).
fn synthetic_auth0(path: &Path, n: usize) {
    use std::io::Write as _;
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    );
    for i in 0..n {
        let line = json!({
            "user_id": format!("auth0|{i:024x}"),
            "email": format!("user{i}@bulk.example"),
            "email_verified": i % 2 == 0,
            "name": format!("User {i}"),
            "created_at": "2024-01-01T00:00:00.000Z",
            "identities": [{"provider": "google-oauth2", "user_id": format!("g{i}"), "isSocial": true}],
        });
        writeln!(file, "{line}").unwrap_or_else(|e| panic!("write: {e}"));
    }
}

async fn table_dump(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut conn = sqlite(url).await;
    let rows = sqlx::query(sql)
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.get::<Option<String>, _>(i))
                .collect()
        })
        .collect()
}

async fn an_interrupted_import_resumes_to_the_same_rows() {
    const USERS: usize = 30_000;
    let scratch = Scratch::new("resume");
    let input = scratch.path("users.ndjson");
    synthetic_auth0(&input, USERS);
    let args = |report: &str| -> Vec<String> {
        vec![
            "import".into(),
            "auth0".into(),
            input.display().to_string(),
            "--no-progress".into(),
            "--batch-size".into(),
            "100".into(),
            "--report".into(),
            scratch.path(report).display().to_string(),
        ]
    };

    let whole = scratch.db_url("whole.db");
    ok(
        &portcullis(&args("whole.json"), &server_env(&whole), &scratch.dir),
        "uninterrupted import",
    );

    let cut = scratch.db_url("cut.db");
    let env = server_env(&cut);
    let mut child = command(&args("cut.json"), &env, &scratch.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn import: {e}"));
    // SIGKILL as soon as some batches are committed and before the end.
    let started = Instant::now();
    let mut seen = 0i64;
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if let Ok(mut conn) = sqlx::SqliteConnection::connect(&cut).await {
            seen = sqlx::query_scalar("SELECT COUNT(*) FROM \"user\"")
                .fetch_one(&mut conn)
                .await
                .unwrap_or(0);
            conn.close().await.ok();
            if seen >= 500 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut conn = sqlite(&cut).await;
    let (partial, accounts, _) = counts(&mut conn).await;
    conn.close().await.ok();
    assert!(
        partial > 0 && partial < USERS as i64,
        "killed halfway: {partial} of {USERS} users (saw {seen})"
    );
    // Nothing half-written: every user has their Google account, and whole batches only.
    assert_eq!(accounts, partial, "each user committed with their account");
    assert_eq!(partial % 100, 0, "whole batches only");

    let out = ok(
        &portcullis(&args("resumed.json"), &env, &scratch.dir),
        "resumed import",
    );
    let resumed = read_report(&scratch.path("resumed.json"));
    assert_eq!(resumed["resumedAt"].as_i64(), Some(partial), "{out}");
    assert!(out.contains("resumed an interrupted import"), "{out}");
    assert_eq!(
        resumed["imported"].as_u64(),
        Some(USERS as u64),
        "{resumed}"
    );

    for sql in [
        "SELECT id, name, email, CAST(\"emailVerified\" AS TEXT), image, CAST(\"createdAt\" AS TEXT), \
         CAST(\"updatedAt\" AS TEXT) FROM \"user\" ORDER BY id",
        "SELECT id, \"accountId\", \"providerId\", \"userId\", password, CAST(\"createdAt\" AS TEXT) \
         FROM account ORDER BY id",
    ] {
        let (a, b) = (table_dump(&whole, sql).await, table_dump(&cut, sql).await);
        assert_eq!(a.len(), b.len(), "{sql}");
        assert!(
            a == b,
            "the resumed import's rows equal the uninterrupted one's: {sql}"
        );
    }
}

async fn a_dry_run_writes_nothing() {
    let scratch = Scratch::new("dry-run");
    let target = scratch.db_url("portcullis.db");
    let env = server_env(&target);
    let spec = expected("keycloak");
    ok(
        &portcullis(&["migrate".into()], &env, &scratch.dir),
        "migrate",
    );
    let input = fixtures().join("keycloak-realm.json").display().to_string();
    let mut args = import_args("keycloak", &spec, &[input], &scratch.path("dry.json"));
    args.push("--dry-run".into());
    let printed = ok(&portcullis(&args, &env, &scratch.dir), "dry run");
    let report = read_report(&scratch.path("dry.json"));
    let users = spec["users"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(report["imported"].as_u64(), Some(users), "{printed}");
    assert_eq!(report["dryRun"], true);
    assert!(printed.contains("would import"), "{printed}");
    let mut db = sqlite(&target).await;
    assert_eq!(counts(&mut db).await, (0, 0, 0), "a dry run writes nothing");
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'portcullisImport'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap_or_else(|e| panic!("tables: {e}"));
    assert_eq!(tables, 0, "not even the checkpoint table");
}

async fn migrate_dry_run_and_status() {
    let scratch = Scratch::new("migrate");
    let target = scratch.db_url("portcullis.db");
    let core_only = vec![("DATABASE_URL", target.clone())];

    let status = portcullis(
        &["migrate".into(), "status".into()],
        &core_only,
        &scratch.dir,
    );
    let printed = String::from_utf8_lossy(&status.stdout);
    assert_eq!(
        status.status.code(),
        Some(1),
        "status on an empty database: {printed}"
    );
    assert!(printed.contains("missing table user (core)"), "{printed}");

    let dry = ok(
        &portcullis(
            &["migrate".into(), "--dry-run".into()],
            &core_only,
            &scratch.dir,
        ),
        "migrate --dry-run",
    );
    assert!(dry.contains("CREATE TABLE \"user\""), "{dry}");
    assert!(dry.contains("CREATE INDEX"), "{dry}");
    let mut db = sqlite(&format!("{target}?mode=rwc")).await;
    let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&mut db)
        .await
        .unwrap_or_else(|e| panic!("tables: {e}"));
    assert_eq!(tables, 0, "a dry run creates nothing: {dry}");
    db.close().await.ok();

    ok(
        &portcullis(&["migrate".into()], &core_only, &scratch.dir),
        "migrate",
    );
    let up_to_date = ok(
        &portcullis(
            &["migrate".into(), "status".into()],
            &core_only,
            &scratch.dir,
        ),
        "status after migrate",
    );
    assert!(up_to_date.contains("up to date"), "{up_to_date}");

    // A plugin switched on: status names what it lacks, and whose it is.
    let with_plugin = server_env(&target);
    let status = portcullis(
        &["migrate".into(), "status".into()],
        &with_plugin,
        &scratch.dir,
    );
    let printed = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("missing table twoFactor (two-factor)"),
        "{printed}"
    );
    assert!(
        printed.contains("missing column user.twoFactorEnabled (two-factor)"),
        "{printed}"
    );
    assert!(
        printed.contains("missing column user.banned (admin)"),
        "{printed}"
    );
}

async fn export_writes_users_with_their_accounts() {
    let scratch = Scratch::new("export");
    let target = scratch.db_url("portcullis.db");
    let env = server_env(&target);
    let spec = expected("auth0");
    let input = fixtures().join("auth0-users.ndjson").display().to_string();
    let args = import_args("auth0", &spec, &[input], &scratch.path("r.json"));
    ok(&portcullis(&args, &env, &scratch.dir), "import");
    let file = scratch.path("users.jsonl");
    ok(
        &portcullis(
            &[
                "export".into(),
                "--output".into(),
                file.display().to_string(),
            ],
            &env,
            &scratch.dir,
        ),
        "export",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("export file: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only its owner reads the export: {mode:o}");
    }
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("export: {e}"));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let users = spec["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), users.len(), "{text}");
    for user in &users {
        let line = lines
            .iter()
            .find(|l| l["user"]["id"] == user["id"])
            .unwrap_or_else(|| panic!("{} exported: {text}", user["id"]));
        assert_eq!(line["user"]["email"], user["email"]);
        let accounts = line["accounts"].as_array().cloned().unwrap_or_default();
        if user["password"].is_string() {
            assert!(
                accounts.iter().any(|a| a["providerId"] == "credential"
                    && a["password"]
                        .as_str()
                        .is_some_and(|p| p.starts_with("$2b$"))),
                "{line}"
            );
        }
        for linked in user["accounts"].as_array().into_iter().flatten() {
            assert!(
                accounts
                    .iter()
                    .any(|a| a["providerId"] == linked["providerId"]
                        && a["accountId"] == linked["accountId"]),
                "{line}"
            );
        }
    }
}

/// The credential hash of `user_id`, read through `portcullis export` (any database).
fn exported_password(env: &[(&str, String)], dir: &Path, user_id: &str) -> Option<String> {
    let text = ok(&portcullis(&["export".into()], env, dir), "export");
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["user"]["id"] == user_id)?["accounts"]
        .as_array()?
        .iter()
        .find(|a| a["providerId"] == "credential")?["password"]
        .as_str()
        .map(str::to_owned)
}

async fn import_into_postgres_and_mariadb() {
    use portcullis_testkit::backend::{Backend, fresh_database};
    let spec = expected("keycloak");
    let users = spec["users"].as_array().cloned().unwrap_or_default();
    for backend in [Backend::Postgres, Backend::Mysql] {
        let scratch = Scratch::new(backend.name());
        let (url, _guard) = fresh_database(backend, &scratch.dir)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
        let env = server_env(&url);
        let input = fixtures().join("keycloak-realm.json").display().to_string();
        let report = scratch.path("r.json");
        let args = import_args("keycloak", &spec, std::slice::from_ref(&input), &report);
        let printed = ok(&portcullis(&args, &env, &scratch.dir), "import");
        assert_eq!(
            read_report(&report)["imported"].as_u64(),
            Some(users.len() as u64),
            "{}: {printed}",
            backend.name()
        );
        let server = Instance::start(&env).await;
        for user in &users {
            let (Some(email), Some(password), Some(id)) = (
                user["email"].as_str(),
                user["password"].as_str(),
                user["id"].as_str(),
            ) else {
                continue;
            };
            // Keycloak's PBKDF2, kept, or wrapped in argon2id when it is weak (27,500
            // iterations is).
            let before = exported_password(&env, &scratch.dir, id).unwrap_or_default();
            assert!(
                before.starts_with("$pbkdf2-sha") || before.starts_with("$wrapped$$pbkdf2-sha"),
                "{}: {before}",
                backend.name()
            );
            let user_json = sign_in_with_factor(&server, user, password, backend.name()).await;
            assert_eq!(user_json["id"], id, "{} {email}", backend.name());
            let after = exported_password(&env, &scratch.dir, id).unwrap_or_default();
            assert!(
                after.starts_with("$argon2id$"),
                "{}: {after}",
                backend.name()
            );
        }
        drop(server);
        let again = scratch.path("again.json");
        let args = import_args("keycloak", &spec, &[input], &again);
        ok(&portcullis(&args, &env, &scratch.dir), "second import");
        assert_eq!(read_report(&again)["imported"], 0, "{}", backend.name());
    }
}
