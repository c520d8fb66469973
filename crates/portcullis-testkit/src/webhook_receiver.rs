//! The Python webhook receiver (`tests/webhooks/receiver.py`), which checks every request it
//! gets with the `standardwebhooks` package (pinned in `.ci/requirements.txt`). Stopped when
//! dropped, also when a test fails.

use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::client::{self, Request};

/// The interpreter with `standardwebhooks` (`scripts/test` names it), else `python3`.
pub fn python() -> String {
    std::env::var("PORTCULLIS_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

pub struct WebhookReceiver {
    child: Child,
    port: u16,
}

impl WebhookReceiver {
    /// A receiver that verifies with `secret` (`whsec_…`), answers 500 to the first
    /// `fail_first` requests and holds the next `hang_first` without answering, then 204s.
    pub fn start(secret: &str, fail_first: u32, hang_first: u32) -> WebhookReceiver {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/webhooks/receiver.py"
        );
        for _ in 0..50 {
            let port = 42_000 + (rand::random::<u16>() % 1000);
            // Free now; the receiver binds it next (another test taking it in between fails
            // the bind, and the next port is tried).
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                continue;
            }
            let mut child = Command::new(python())
                .args([
                    script,
                    &port.to_string(),
                    secret,
                    &fail_first.to_string(),
                    &hang_first.to_string(),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start python3 receiver.py");
            // It prints `ready` once listening, or exits (its stdout then ends).
            let mut line = String::new();
            if let Some(out) = child.stdout.take() {
                use std::io::BufRead;
                let _ = std::io::BufReader::new(out).read_line(&mut line);
            }
            if line.trim() == "ready" {
                return WebhookReceiver { child, port };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("no free port for the receiver in 42000-42999 (is standardwebhooks installed?)");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// What it received: `{id, type, verified, answered}` per request.
    pub async fn received(&self) -> Vec<Value> {
        let addr = ([127, 0, 0, 1], self.port).into();
        let res = client::send(addr, &Request::get("/received")).await;
        res.json().as_array().cloned().unwrap_or_default()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
