//! What `portcullis serve` tells a newcomer when it starts: where the development outbox is, in
//! a log that stays plain text when it goes to a file. And `portcullis jwks rotate` beside a
//! running server: a new key that the server publishes beside the old one.

mod support;

use portcullis_testkit::client::Request;
use support::{Instance, SECRET};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_names_the_outbox_and_writes_no_colour_codes_to_a_file() {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-start-up-{}",
        portcullis_core::crypto::token::generate_id(10)
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
    let db = format!("sqlite://{}/p.db", dir.display());
    let instance = Instance::start(&[("LOG_LEVEL", "info".into()), ("DATABASE_URL", db)]).await;
    let log = instance.log();
    let port = instance.addr.port();
    assert!(
        log.contains(&format!("outbox=http://localhost:{port}/dev/outbox")),
        "the outbox's address is printed: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no ANSI escapes in a file: {log:?}"
    );
    drop(instance);
    let _ = std::fs::remove_dir_all(dir);
}

fn temp_dir(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-{label}-{}",
        portcullis_core::crypto::token::generate_id(10)
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
    dir
}

async fn published_kids(instance: &Instance) -> Vec<String> {
    let res = instance.send(Request::get("/api/auth/jwks")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `portcullis jwks rotate` with the server's own settings.
fn rotate(db: &str, data: &std::path::Path, jwt_on: bool) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"));
    cmd.args(["jwks", "rotate"])
        .env_clear()
        .env("DATABASE_URL", db)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env("PORTCULLIS_DATA_DIR", data)
        .env("LOG_LEVEL", "warn");
    if jwt_on {
        cmd.env("ENABLE_JWT", "true");
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("run portcullis jwks rotate: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_rotate_makes_a_key_the_running_server_publishes_beside_the_old_one() {
    let dir = temp_dir("jwks-rotate");
    let db = format!("sqlite://{}/p.db", dir.display());
    let instance =
        Instance::start(&[("DATABASE_URL", db.clone()), ("ENABLE_JWT", "true".into())]).await;
    let before = published_kids(&instance).await;
    assert_eq!(before.len(), 1, "the first key is made on first use");

    let out = rotate(&db, &dir.join("cli-data"), true);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rotate: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new_kid = stdout
        .trim()
        .strip_prefix("new signing key ")
        .unwrap_or_else(|| panic!("rotate says which key: {stdout}"))
        .to_owned();
    let after = published_kids(&instance).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(
        after.contains(&before[0]),
        "the retired key is still published"
    );
    assert!(after.contains(&new_kid), "the new key is published at once");

    // Without the plugin there is nothing to rotate: one line that names the switch.
    let off = rotate(&db, &dir.join("cli-data"), false);
    assert!(!off.status.success());
    let stderr = String::from_utf8_lossy(&off.stderr);
    assert!(stderr.contains("ENABLE_JWT"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    drop(instance);
    let _ = std::fs::remove_dir_all(dir);
}
