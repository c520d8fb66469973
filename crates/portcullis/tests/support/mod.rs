//! Shared by the multi-process tests: real `portcullis` processes on loopback ports, a private
//! PostgreSQL database, and a TCP proxy that can cut a connection to a dependency on demand.
//! Everything started here is stopped by a drop guard, also when a test fails.

#![allow(dead_code)]

pub mod services;

pub use portcullis_testkit::client;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::Connection;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub const SECRET: &str = "fleet-test-secret-fleet-test-secret-0123456789";

/// An environment variable naming a service, or `None` when it is not set. The tests' `main`
/// (the test kit's runner) has already reported such a test as ignored, or failed it when the
/// service was required, before it runs.
pub fn service_url(var: &str, require: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var(require).as_deref() == Ok("1") => {
            panic!("{require}=1 but {var} is not set")
        }
        _ => {
            eprintln!("skipping: {var} is not set");
            None
        }
    }
}

/// The PostgreSQL admin URL and the Redis URL these tests need, or `None` to skip.
pub fn postgres_and_redis() -> Option<(String, String)> {
    let pg = service_url(
        "PORTCULLIS_TEST_POSTGRES_URL",
        "PORTCULLIS_REQUIRE_POSTGRES",
    )?;
    let redis = service_url("PORTCULLIS_TEST_REDIS_URL", "PORTCULLIS_REQUIRE_REDIS")?;
    Some((pg, redis))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// A fresh PostgreSQL database, dropped on drop.
pub struct Database {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl Database {
    pub async fn create(admin_url: &str) -> Database {
        let name = format!(
            "portcullis_fleet_{}",
            portcullis_core::crypto::token::generate_id(8).to_lowercase()
        );
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("create database: {e}"));
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(admin_url);
        Database {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub fn url_via(&self, proxy: SocketAddr) -> String {
        // postgres://user@host:port/db → same user and database through the proxy.
        let (scheme_user, _) = self
            .url
            .split_once('@')
            .unwrap_or(("postgres://postgres", ""));
        format!("{scheme_user}@{proxy}/{}", self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside the test's runtime: use a small one of our own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

/// One `portcullis serve` process; killed on drop.
pub struct Instance {
    pub addr: SocketAddr,
    child: Child,
    dir: std::path::PathBuf,
}

impl Instance {
    /// Starts the binary with `env` and waits until `/api/health/live` answers.
    pub async fn start(env: &[(&str, String)]) -> Instance {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!(
            "portcullis-fleet-{}",
            portcullis_core::crypto::token::generate_id(10)
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("PORTCULLIS_DATA_DIR", &dir)
            .env("BETTER_AUTH_SECRET", SECRET)
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("log")).unwrap_or_else(|e| panic!("log file: {e}")),
            ));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn portcullis: {e}"));
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let instance = Instance { addr, child, dir };
        for _ in 0..150 {
            if TcpStream::connect(addr).await.is_ok() {
                let r = client::send(addr, &client::Request::get("/api/health/live")).await;
                if r.status == 200 {
                    return instance;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("portcullis on {addr} did not start:\n{}", instance.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// SIGKILL, as a crash: nothing of the process runs after it.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub async fn send(&self, req: client::Request) -> client::Response {
        client::send(self.addr, &req).await
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TCP proxy in front of a dependency. `cut()` closes every connection and refuses new ones
/// (as if the service went down); `restore()` lets traffic through again.
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("proxy bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("proxy addr: {e}"));
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(Notify::new());
        let (up2, cut2) = (up.clone(), cut.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let cut = cut2.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        Proxy {
            addr,
            up,
            cut,
            task,
        }
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Signs up through `instance` and returns the `set-auth-token` value.
pub async fn sign_up(instance: &Instance, origin: &str, email: &str) -> String {
    let res = instance
        .send(
            client::Request::post("/api/auth/sign-up/email")
                .origin(origin)
                .json(&serde_json::json!({"name": "Fleet", "email": email, "password": "fleet-password-1"})),
        )
        .await;
    assert_eq!(res.status, 200, "sign-up: {}", res.describe());
    res.header("set-auth-token")
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no set-auth-token: {}", res.describe()))
}

pub async fn session_user(instance: &Instance, token: &str) -> Option<String> {
    let res = instance
        .send(client::Request::get("/api/auth/get-session").bearer(token))
        .await;
    assert_eq!(res.status, 200, "get-session: {}", res.describe());
    res.json()["user"]["email"].as_str().map(str::to_owned)
}
