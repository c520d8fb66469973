//! What `portcullis serve` tells a newcomer when it starts: where the development outbox is, in
//! a log that stays plain text when it goes to a file.

mod support;

use support::Instance;

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
