//! A real SMTP server for tests: point the server's `SMTP_*` settings at it ([`MailSink::env`]),
//! then read what arrived, with the links and codes in it.
//!
//! The protocol (EHLO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, QUIT,
//! reply codes and sequencing) is the `mailin` crate's state machine; this module only carries
//! its lines over a tokio socket, one task per connection, and parses each message (MIME,
//! quoted-printable, base64) with `mail-parser`. It listens on 127.0.0.1 only, offers no TLS
//! (the server is set to `SMTP_TLS=none`, as for a local relay), and stops when dropped.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{Action, AuthMechanism, Handler, Response, SessionBuilder, response};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::Error;
use crate::backend::random_lower;

/// How long the readers wait for a message before they fail.
const WAIT: Duration = Duration::from_secs(10);
/// The sender address the sink's `env()` gives the server.
pub const FROM_ADDRESS: &str = "auth@portcullis.test";

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope sender (`MAIL FROM`).
    pub envelope_from: String,
    /// The envelope recipients (`RCPT TO`).
    pub envelope_to: Vec<String>,
    /// The `From` header, as written.
    pub from: String,
    /// The `To` header, as written.
    pub to: String,
    pub subject: String,
    /// The text/plain part, decoded.
    pub text: String,
    /// The text/html part, decoded.
    pub html: String,
    /// The user the client authenticated as, if it did.
    pub authenticated_as: Option<String>,
    /// The message as sent after DATA (headers and body, dot-unstuffed).
    pub raw: Vec<u8>,
}

impl Mail {
    /// Whether `address` is one of the envelope recipients.
    pub fn is_to(&self, address: &str) -> bool {
        self.envelope_to
            .iter()
            .any(|a| a.eq_ignore_ascii_case(address))
    }

    /// The first `http(s)://` link in the text part.
    pub fn link(&self) -> Option<String> {
        first_link(&self.text)
    }

    /// The first run of exactly six digits in the subject or the text part.
    pub fn code(&self) -> Option<String> {
        first_code(&format!("{} {}", self.subject, self.text))
    }
}

/// The first `http(s)://` link in `text`, up to whitespace, `>` or `)`.
pub fn first_link(text: &str) -> Option<String> {
    let start = text.find("http")?;
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '>' || c == ')')
        .next()
        .map(str::to_owned)
}

/// The first run of exactly six digits in `text`.
pub fn first_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5))
        .find(|&i| {
            bytes[i..i + 6].iter().all(u8::is_ascii_digit)
                && (i == 0 || !bytes[i - 1].is_ascii_digit())
                && bytes.get(i + 6).is_none_or(|b| !b.is_ascii_digit())
        })
        .map(|i| text[i..i + 6].to_owned())
}

#[derive(Default)]
struct Inbox {
    messages: Mutex<Vec<Mail>>,
    arrived: Notify,
}

impl Inbox {
    fn snapshot(&self) -> Vec<Mail> {
        self.messages
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// A running SMTP sink. Dropping it stops the listener and every connection.
pub struct MailSink {
    addr: SocketAddr,
    credentials: Option<(String, String)>,
    inbox: Arc<Inbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MailSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MailSink {
    /// A sink on a random port that requires AUTH (PLAIN or LOGIN) with fresh credentials, as a
    /// real relay would; [`MailSink::env`] hands them to the server.
    pub async fn start() -> MailSink {
        Self::try_start(true)
            .await
            .unwrap_or_else(|e| panic!("mail sink: {e}"))
    }

    /// A sink that takes mail without AUTH (for a server configured without `SMTP_USER`).
    pub async fn start_without_auth() -> MailSink {
        Self::try_start(false)
            .await
            .unwrap_or_else(|e| panic!("mail sink: {e}"))
    }

    pub async fn try_start(require_auth: bool) -> Result<MailSink, Error> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|source| Error::Io {
                what: "mail sink: bind 127.0.0.1:0".into(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            what: "mail sink: local address".into(),
            source,
        })?;
        let credentials =
            require_auth.then(|| (format!("sink-{}", random_lower(8)), random_lower(24)));
        let mut builder = SessionBuilder::new("portcullis-testkit");
        if credentials.is_some() {
            // Plain-text AUTH is what a local relay without TLS takes; this one is on loopback.
            builder
                .enable_auth(AuthMechanism::Plain)
                .enable_auth(AuthMechanism::Login)
                .insecure_enable_plaintext_auth();
        }
        let inbox = Arc::new(Inbox::default());
        let (accept_inbox, accept_credentials) = (inbox.clone(), credentials.clone());
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Receiver {
                    inbox: accept_inbox.clone(),
                    credentials: accept_credentials.clone(),
                    ..Receiver::default()
                };
                let builder = builder.clone();
                connections.spawn(async move {
                    // A client that goes away mid-session loses only its own message.
                    let _ = serve_connection(stream, &builder, handler).await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(MailSink {
            addr,
            credentials,
            inbox,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration variables that send the server's email here: `SMTP_HOST`, `SMTP_PORT`,
    /// `SMTP_TLS=none`, `SMTP_USER` and `SMTP_PASSWORD` (when AUTH is required), and
    /// `EMAIL_FROM_ADDRESS`. Give them to [`crate::ServerBuilder::envs`].
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("SMTP_HOST".to_owned(), self.addr.ip().to_string()),
            ("SMTP_PORT".to_owned(), self.addr.port().to_string()),
            ("SMTP_TLS".to_owned(), "none".to_owned()),
            ("EMAIL_FROM_ADDRESS".to_owned(), FROM_ADDRESS.to_owned()),
        ];
        if let Some((user, password)) = &self.credentials {
            env.push(("SMTP_USER".to_owned(), user.clone()));
            env.push(("SMTP_PASSWORD".to_owned(), password.clone()));
        }
        env
    }

    /// The user the server must authenticate as, when AUTH is required.
    pub fn user(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(u, _)| u.as_str())
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        self.inbox.snapshot()
    }

    /// Every message received so far for `to`, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|m| m.is_to(to))
            .collect()
    }

    /// The newest message that satisfies `matches`, waiting up to `timeout` for one to arrive.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        matches: impl Fn(&Mail) -> bool,
    ) -> Option<Mail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so a message that lands in between still wakes us.
            let arrived = self.inbox.arrived.notified();
            if let Some(m) = self.messages().into_iter().rev().find(|m| matches(m)) {
                return Some(m);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return None;
            }
        }
    }

    /// The newest message to `to`, waiting up to 10 s for one; panics if none comes.
    pub async fn last_to(&self, to: &str) -> Mail {
        self.wait_for(WAIT, |m| m.is_to(to))
            .await
            .unwrap_or_else(|| {
                panic!(
                    "no message to {to} within {WAIT:?}; received: {:?}",
                    self.summary()
                )
            })
    }

    /// The newest message to `to` whose subject contains `subject`, waiting up to 10 s.
    pub async fn last_with_subject(&self, to: &str, subject: &str) -> Mail {
        self.wait_for(WAIT, |m| m.is_to(to) && m.subject.contains(subject))
            .await
            .unwrap_or_else(|| {
                panic!(
                    "no message to {to} with {subject:?} in its subject within {WAIT:?}; received: {:?}",
                    self.summary()
                )
            })
    }

    /// The first link in the newest message to `to` (waiting up to 10 s for one).
    pub async fn last_link(&self, to: &str) -> String {
        let m = self.last_to(to).await;
        m.link()
            .unwrap_or_else(|| panic!("no link in the message to {to}: {}", m.text))
    }

    /// The six-digit code in the newest message to `to` (waiting up to 10 s for one).
    pub async fn last_code(&self, to: &str) -> String {
        let m = self.last_to(to).await;
        m.code()
            .unwrap_or_else(|| panic!("no code in the message to {to}: {} {}", m.subject, m.text))
    }

    /// (recipients, subject) of every message, for failure messages.
    fn summary(&self) -> Vec<(Vec<String>, String)> {
        self.messages()
            .into_iter()
            .map(|m| (m.envelope_to, m.subject))
            .collect()
    }
}

/// One SMTP session's handler: collects the envelope and data, files the message at the end.
#[derive(Default)]
struct Receiver {
    inbox: Arc<Inbox>,
    credentials: Option<(String, String)>,
    authenticated_as: Option<String>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Receiver {
    fn check(&mut self, user: &str, password: &str) -> Response {
        match &self.credentials {
            Some((u, p)) if u == user && p == password => {
                self.authenticated_as = Some(user.to_owned());
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

impl Handler for Receiver {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let raw = std::mem::take(&mut self.data);
        let Some(parsed) = mail_parser::MessageParser::default().parse(&raw) else {
            return response::TRANSACTION_FAILED;
        };
        let header = |name: &str| {
            parsed
                .header_raw(name)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let mail = Mail {
            envelope_from: self.from.clone(),
            envelope_to: self.to.clone(),
            from: header("From"),
            to: header("To"),
            subject: parsed.subject().unwrap_or_default().to_owned(),
            text: parsed
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: parsed
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            authenticated_as: self.authenticated_as.clone(),
            raw: raw.clone(),
        };
        self.inbox
            .messages
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(mail);
        self.inbox.arrived.notify_waiters();
        response::OK
    }

    fn auth_plain(
        &mut self,
        _authorization_id: &str,
        authentication_id: &str,
        password: &str,
    ) -> Response {
        self.check(authentication_id, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        self.check(username, password)
    }
}

/// Carries one connection's lines to the session and its replies back.
async fn serve_connection(
    stream: TcpStream,
    builder: &SessionBuilder,
    handler: Receiver,
) -> io::Result<()> {
    let peer = stream.peer_addr()?.ip();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut session = builder.build(peer, handler);
    write.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let reply = session.process(&line);
        match reply.action {
            Action::Reply => write.write_all(&reply.buffer()?).await?,
            Action::Close => {
                write.write_all(&reply.buffer()?).await?;
                return Ok(());
            }
            // STARTTLS is never offered, so never agreed to.
            Action::UpgradeTls => return Ok(()),
            Action::NoReply => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_codes() {
        assert_eq!(
            first_link("Open <http://a.test/x?y=1> now").as_deref(),
            Some("http://a.test/x?y=1")
        );
        assert_eq!(
            first_code("Code 1234567 or 123456.").as_deref(),
            Some("123456")
        );
        assert_eq!(first_code("12345"), None);
    }
}
