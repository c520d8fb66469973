//! A tiny HTTP/1.1 client over `tokio::net::TcpStream`: one request per connection
//! (`Connection: close`), full control over every header and byte of the body, so that the
//! tests can send exactly the malformed requests a browser or an attacker might. Every response
//! is checked for `X-Content-Type-Options: nosniff`, which Portcullis sends on every route.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request to send; `path` includes the query string.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    pub fn new(method: &str, path: &str) -> Self {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }
    pub fn post(path: &str) -> Self {
        Self::new("POST", path)
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    }
    /// `Content-Type: application/json` and the serialised value.
    pub fn json(self, v: &Value) -> Self {
        self.raw(Some("application/json"), v.to_string())
    }
    /// A body with the given Content-Type (or none at all).
    pub fn raw(mut self, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        if let Some(ct) = content_type {
            self = self.header("content-type", ct);
        }
        self.body = Some(body.into());
        self
    }
    /// `application/x-www-form-urlencoded` body from pairs.
    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.raw(Some("application/x-www-form-urlencoded"), body)
    }
    pub fn cookie(self, cookie: &str) -> Self {
        self.header("cookie", cookie)
    }
    pub fn origin(self, origin: &str) -> Self {
        self.header("origin", origin)
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
}

fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One parsed `Set-Cookie` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    pub raw: String,
    pub name: String,
    /// As sent (still URL-encoded).
    pub value: String,
    pub max_age: Option<i64>,
}

impl SetCookie {
    pub fn parse(raw: &str) -> SetCookie {
        let mut parts = raw.split(';');
        let first = parts.next().unwrap_or_default();
        let (name, value) = first.split_once('=').unwrap_or((first, ""));
        let max_age = parts.find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.eq_ignore_ascii_case("max-age")
                .then(|| v.trim().parse().ok())
                .flatten()
        });
        SetCookie {
            raw: raw.to_owned(),
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
            max_age,
        }
    }
    pub fn is_deletion(&self) -> bool {
        self.max_age == Some(0)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response (status {}) is not JSON ({e}): {:?}",
                self.status,
                self.text()
            )
        })
    }
    pub fn set_cookies(&self) -> Vec<SetCookie> {
        self.headers_named("set-cookie")
            .into_iter()
            .map(SetCookie::parse)
            .collect()
    }
    pub fn set_cookie(&self, name: &str) -> Option<SetCookie> {
        self.set_cookies().into_iter().find(|c| c.name == name)
    }
    /// A readable description for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "status {} headers {:?} body {:?}",
            self.status,
            self.headers,
            self.text()
        )
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

fn decode_chunked(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_str = String::from_utf8_lossy(&data[..line_end]);
        let size_str = size_str.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_str, 16) else {
            break;
        };
        data = &data[line_end + 2..];
        if size == 0 || data.len() < size {
            out.extend_from_slice(&data[..size.min(data.len())]);
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
    out
}

fn parse_response(raw: &[u8], head_request: bool) -> Response {
    let head_end = find_head_end(raw).unwrap_or_else(|| {
        panic!(
            "incomplete HTTP response: {:?}",
            String::from_utf8_lossy(raw)
        )
    });
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[head_end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if head_request {
        Vec::new()
    } else if chunked {
        decode_chunked(rest)
    } else if let Some(len) = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        rest[..len.min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    Response {
        status,
        headers,
        body,
    }
}

/// Sends one request and reads the whole response. Writing and reading run concurrently, so a
/// server that answers before reading the whole body (413) is still heard.
pub async fn send(addr: SocketAddr, req: &Request) -> Response {
    let res = try_send(addr, req)
        .await
        .unwrap_or_else(|e| panic!("{} {}: {e}", req.method, req.path));
    // Every response the server gives, whatever the route, carries nosniff.
    assert_eq!(
        res.header("x-content-type-options"),
        Some("nosniff"),
        "{} {}: missing x-content-type-options: {}",
        req.method,
        req.path,
        res.describe()
    );
    res
}

/// As [`send`], but a connection refused, reset or closed before a whole response head arrived
/// (or no answer within `timeout`) is an `Err`: for tests that stop the server, or what it
/// depends on, under load.
pub async fn try_send_within(
    addr: SocketAddr,
    req: &Request,
    timeout: Duration,
) -> Result<Response, String> {
    let fut = async {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let (mut rd, mut wr) = stream.into_split();
        // A request may name its own host (a test of branding by host); else the address.
        let host = if req.has_header("host") {
            String::new()
        } else {
            format!("host: {addr}\r\n")
        };
        let mut head = format!(
            "{} {} HTTP/1.1\r\n{host}connection: close\r\n",
            req.method, req.path
        );
        for (k, v) in &req.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = &req.body {
            head.push_str(&format!("content-length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if let Some(b) = &req.body {
            bytes.extend_from_slice(b);
        }
        let write = async move {
            // The server may close early (e.g. 413); the response is what matters.
            let _ = wr.write_all(&bytes).await;
            let _ = wr.flush().await;
            wr
        };
        let read = async {
            let mut buf = Vec::new();
            let res = rd.read_to_end(&mut buf).await;
            (buf, res)
        };
        let (_wr, (buf, read)) = tokio::join!(write, read);
        if find_head_end(&buf).is_none() {
            return Err(match read {
                Err(e) => format!("reading the response failed before its head arrived: {e}"),
                Ok(_) => format!(
                    "incomplete HTTP response: {:?}",
                    String::from_utf8_lossy(&buf)
                ),
            });
        }
        Ok(parse_response(&buf, req.method == "HEAD"))
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| format!("no answer within {timeout:?}"))?
}

/// [`try_send_within`] a minute.
pub async fn try_send(addr: SocketAddr, req: &Request) -> Result<Response, String> {
    try_send_within(addr, req, Duration::from_secs(60)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chunked_and_set_cookie() {
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=b%2F; Max-Age=0; Path=/\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            false,
        );
        assert_eq!(r.body, b"abcde");
        let c = r.set_cookie("a").expect("cookie");
        assert_eq!(c.value, "b%2F");
        assert!(c.is_deletion());
        assert_eq!(form_encode("a b&c"), "a+b%26c");
    }
}
