//! The client side: a fixed set of keep-alive connections ("lanes") and one checked request.
//!
//! Each lane is a reqwest client that sends one request at a time and keeps one connection, and
//! lanes are taken in turn. The load generator therefore holds exactly `lanes` connections to the
//! server once they are all warm, so the server's count of HTTP connections is flat by
//! construction, and any drift in it is the server's doing (a connection it closed or leaked).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, ORIGIN, SET_COOKIE, USER_AGENT};
use reqwest::{Client, Method};
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::stats::{Recorder, Step};

pub struct Lanes {
    free: Arc<Semaphore>,
    clients: Mutex<VecDeque<Client>>,
}

/// A lane in use; it goes back to the end of the queue when dropped, also when a request fails.
struct Lane<'a> {
    lanes: &'a Lanes,
    client: Option<Client>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lane<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            self.lanes
                .clients
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(c);
        }
    }
}

impl Lanes {
    pub fn new(count: usize, timeout: Duration) -> Result<Lanes, String> {
        let mut clients = VecDeque::with_capacity(count);
        for _ in 0..count {
            let c = Client::builder()
                // one connection per lane, kept for the whole run
                .pool_max_idle_per_host(1)
                .pool_idle_timeout(None)
                .tcp_nodelay(true)
                .http1_only()
                .timeout(timeout)
                // every answer is checked as it is; a redirect is an unexpected answer
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| format!("building the HTTP client: {e}"))?;
            clients.push_back(c);
        }
        Ok(Lanes {
            free: Arc::new(Semaphore::new(count)),
            clients: Mutex::new(clients),
        })
    }

    async fn take(&self) -> Result<Lane<'_>, String> {
        let permit = Arc::clone(&self.free)
            .acquire_owned()
            .await
            .map_err(|_| "the lane semaphore was closed".to_owned())?;
        let client = self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
            .ok_or_else(|| "no free lane although a permit was granted".to_owned())?;
        Ok(Lane {
            lanes: self,
            client: Some(client),
            _permit: permit,
        })
    }
}

/// How a request proves who it is.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    /// The whole `name=value` pair for the Cookie header.
    Cookie(&'a str),
    /// The `set-auth-token` value.
    Bearer(&'a str),
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("body is not JSON: {e}"))
    }

    /// The value a Set-Cookie header gives the cookie NAME, unless it clears it.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(SET_COOKIE).iter().find_map(|h| {
            let s = h.to_str().ok()?;
            let (n, v) = s.split(';').next()?.split_once('=')?;
            let clears = s.to_ascii_lowercase().contains("max-age=0");
            (n.trim() == name && !v.is_empty() && !clears).then(|| v.to_owned())
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The start of the body, for the report.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut s: String = text.chars().take(400).collect();
        if text.chars().count() > 400 {
            s.push('…');
        }
        s
    }
}

/// One request of a cycle: its step (for the counts), where it goes, who sends it.
pub struct Req<'a> {
    pub step: Step,
    pub method: Method,
    /// Under /api/auth.
    pub path: &'a str,
    pub auth: Auth<'a>,
    /// Names the virtual user's device in the User-Agent, so its sessions differ as a user's do.
    pub device: &'a str,
    pub body: Option<Value>,
}

impl<'a> Req<'a> {
    pub fn get(step: Step, path: &'a str, auth: Auth<'a>, device: &'a str) -> Req<'a> {
        Req {
            step,
            method: Method::GET,
            path,
            auth,
            device,
            body: None,
        }
    }

    /// A POST without a body.
    pub fn post_bare(step: Step, path: &'a str, auth: Auth<'a>, device: &'a str) -> Req<'a> {
        Req {
            method: Method::POST,
            ..Req::get(step, path, auth, device)
        }
    }

    pub fn post(
        step: Step,
        path: &'a str,
        auth: Auth<'a>,
        device: &'a str,
        body: Value,
    ) -> Req<'a> {
        Req {
            step,
            method: Method::POST,
            path,
            auth,
            device,
            body: Some(body),
        }
    }
}

pub struct Api {
    lanes: Lanes,
    base: String,
    origin: String,
    pub rec: Arc<Recorder>,
}

impl Api {
    pub fn new(lanes: Lanes, base: &str, origin: &str, rec: Arc<Recorder>) -> Api {
        Api {
            lanes,
            base: base.trim_end_matches('/').to_owned(),
            origin: origin.trim_end_matches('/').to_owned(),
            rec,
        }
    }

    /// Sends one request of STEP under /api/auth and checks the answer with CHECK. Counts it;
    /// an unexpected answer or a transport failure is an error of STEP, kept for the report, and
    /// gives None (the cycle stops there, as a client would).
    pub async fn call<T>(
        &self,
        req: Req<'_>,
        check: impl FnOnce(&Reply) -> Result<T, String>,
    ) -> Option<T> {
        let Req {
            step,
            method,
            path,
            auth,
            device,
            body,
        } = req;
        let asked = Instant::now();
        let lane = match self.lanes.take().await {
            Ok(l) => l,
            Err(e) => {
                self.rec.fail(step, None, None, e, String::new());
                return None;
            }
        };
        let lane_wait = asked.elapsed();
        let Some(client) = lane.client.as_ref() else {
            let e = "a lane without a client".to_owned();
            self.rec.fail(step, None, None, e, String::new());
            return None;
        };
        let mut rb = client
            .request(method, format!("{}/api/auth{path}", self.base))
            // the server's own origin, which it trusts, as a browser on its pages sends
            .header(ORIGIN, &self.origin)
            .header(USER_AGENT, format!("portcullis-bench-soak ({device})"));
        match auth {
            Auth::None => {}
            Auth::Cookie(c) => rb = rb.header(COOKIE, c),
            Auth::Bearer(t) => rb = rb.header(AUTHORIZATION, format!("Bearer {t}")),
        }
        if let Some(b) = &body {
            rb = rb.json(b);
        }
        let started = Instant::now();
        let reply = match rb.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                match res.bytes().await {
                    Ok(b) => Reply {
                        status,
                        headers,
                        body: b.to_vec(),
                    },
                    Err(e) => {
                        self.rec.fail(
                            step,
                            None,
                            Some(status),
                            format!("reading the body: {e}"),
                            String::new(),
                        );
                        return None;
                    }
                }
            }
            Err(e) => {
                self.rec
                    .fail(step, None, None, transport_error(&e), String::new());
                return None;
            }
        };
        let latency = started.elapsed();
        drop(lane);
        match check(&reply) {
            Ok(v) => {
                self.rec.ok(step, latency, lane_wait);
                Some(v)
            }
            Err(what) => {
                self.rec.fail(
                    step,
                    Some(latency),
                    Some(reply.status),
                    what,
                    reply.snippet(),
                );
                None
            }
        }
    }

    /// GET /api/auth/ok once, before anything else: a wrong URL fails early and readably.
    pub async fn probe(&self) -> Result<(), String> {
        let lane = self.lanes.take().await?;
        let client = lane.client.as_ref().ok_or("no client in the lane")?;
        let url = format!("{}/api/auth/ok", self.base);
        let res = client
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("GET {url}: {}", transport_error(&e)))?;
        let status = res.status().as_u16();
        let body = res.text().await.map_err(|e| format!("GET {url}: {e}"))?;
        if status != 200 || !body.contains("\"ok\":true") {
            return Err(format!(
                "GET {url} answered {status} {}",
                body.chars().take(200).collect::<String>()
            ));
        }
        Ok(())
    }
}

/// reqwest's Display hides the cause (e.g. "connection reset"); the chain names it.
fn transport_error(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    if e.is_timeout() {
        s.push_str(" (timeout)");
    }
    s
}
