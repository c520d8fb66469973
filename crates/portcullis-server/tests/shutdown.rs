//! SIGTERM drains in-flight requests: the server stops accepting connections, finishes the
//! request it is serving, then `serve` returns. This is its own test binary (one process, one
//! test) because the signal goes to the whole process.

#![cfg(unix)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests() {
    // Installs tokio's SIGTERM handler before anything is sent, so the default action (exit)
    // can never hit the test process.
    let mut own = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("signal handler");

    let dir = std::env::temp_dir().join(format!(
        "portcullis-shutdown-{}",
        portcullis_core::crypto::token::generate_id(10)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let env = [
        ("DATABASE_URL", format!("sqlite://{}/p.db", dir.display())),
        (
            "BETTER_AUTH_SECRET",
            "shutdown-test-secret-0123456789abcdefghij".to_owned(),
        ),
        ("BETTER_AUTH_URL", format!("http://{addr}")),
        (
            "PORTCULLIS_DATA_DIR",
            dir.join("data").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = portcullis_core::Config::load(&portcullis_core::Sources::new(env).expect("env"))
        .expect("config");
    let app = portcullis_server::build_app(config, true)
        .await
        .expect("build_app");
    let server = tokio::spawn(portcullis_server::serve(app, listener));

    // A sign-up whose body is only half sent: the handler is waiting for the rest.
    let body = r#"{"name":"Drain","email":"drain@example.com","password":"drain-password-1"}"#;
    let (head, tail) = body.split_at(20);
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST /api/auth/sign-up/email HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        body.len()
    );
    conn.write_all(request.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(5), own.recv())
        .await
        .expect("SIGTERM delivered");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Draining: no new connections are accepted, the server is still running.
    let refused = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await;
    assert!(
        matches!(refused, Ok(Err(_))),
        "a new connection was accepted after SIGTERM"
    );
    assert!(
        !server.is_finished(),
        "serve returned before the request finished"
    );

    // The in-flight request completes normally.
    conn.write_all(tail.as_bytes()).await.expect("write rest");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut response))
        .await
        .expect("response within 10 s")
        .expect("read");
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "in-flight request was not served: {response}"
    );
    assert!(response.contains("drain@example.com"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "keep-alive is turned off while draining: {response}"
    );

    // Then serve returns cleanly.
    let served = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns after draining")
        .expect("join");
    assert!(served.is_ok(), "{served:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
