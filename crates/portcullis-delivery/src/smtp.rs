//! SMTP through lettre's pooled async transport, TLS by rustls (no OpenSSL on the host).

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Credential, SmtpTls};
use crate::{DeliveryError, Email, MailTransport, redact};

const NAME: &str = "smtp";

/// Where and how to reach the SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<Credential>,
    pub tls: SmtpTls,
    pub timeout: Duration,
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Kept only to scrub it from server replies that might echo it.
    password: Option<Credential>,
}

impl SmtpMailer {
    pub fn new(settings: SmtpSettings, from: Mailbox) -> Result<Self, DeliveryError> {
        let tls_params = || {
            TlsParameters::new(settings.host.clone())
                .map_err(|e| DeliveryError::Config(format!("SMTP TLS for {}: {e}", settings.host)))
        };
        let tls = match settings.tls {
            SmtpTls::Wrapper => Tls::Wrapper(tls_params()?),
            SmtpTls::StartTls => Tls::Required(tls_params()?),
            SmtpTls::Opportunistic => Tls::Opportunistic(tls_params()?),
            SmtpTls::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        if let Some(user) = &settings.user {
            let password = settings
                .password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
            password: settings.password,
        })
    }

    fn message(&self, email: &Email) -> Result<Message, DeliveryError> {
        let permanent = |reason: String| DeliveryError::Permanent {
            transport: NAME,
            reason,
        };
        // The address itself stays out of the error: errors end up in logs.
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| permanent("invalid recipient address".into()))?;
        Message::builder()
            .from(sender(&self.from, email))
            .to(to)
            .subject(email.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| permanent(format!("cannot build message: {e}")))
    }

    fn classify(&self, e: &lettre::transport::smtp::Error, email: &Email) -> DeliveryError {
        let mut secrets = vec![email.to.as_str()];
        if let Some(p) = &self.password {
            secrets.push(p.expose());
        }
        let reason = redact(e.to_string(), &secrets);
        // 5xx and client-side refusals (no usable AUTH mechanism, STARTTLS missing) will fail
        // the same way next time; 4xx, network trouble, timeouts and TLS hiccups may not.
        if e.is_permanent() || e.is_client() {
            DeliveryError::Permanent {
                transport: NAME,
                reason,
            }
        } else {
            DeliveryError::Temporary {
                transport: NAME,
                reason,
            }
        }
    }
}

/// The configured sender, under the message's own display name when it has one (an
/// organization's brand); the address is always the configured one.
pub(crate) fn sender(from: &Mailbox, email: &Email) -> Mailbox {
    match email.from_name.as_deref().map(str::trim) {
        Some(name) if crate::brand::is_sender_name(name) => {
            Mailbox::new(Some(name.to_owned()), from.email.clone())
        }
        _ => from.clone(),
    }
}

#[async_trait]
impl MailTransport for SmtpMailer {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, email: &Email) -> Result<(), DeliveryError> {
        let message = self.message(email)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| self.classify(&e, email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;

    /// What the fake server should answer to RCPT TO.
    #[derive(Clone, Copy)]
    enum Rcpt {
        Accept,
        Reply(&'static str),
    }

    #[derive(Debug, Default)]
    struct Session {
        commands: Vec<String>,
        data: String,
    }

    /// Just enough SMTP for lettre: EHLO offering AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT.
    async fn fake_server(rcpt: Rcpt) -> (u16, mpsc::UnboundedReceiver<Session>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let mut s = Session::default();
                    w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                    let mut in_data = false;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if line == "." {
                                in_data = false;
                                w.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                            } else {
                                s.data.push_str(&line);
                                s.data.push('\n');
                            }
                            continue;
                        }
                        s.commands.push(line.clone());
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("AUTH PLAIN") {
                            b"235 2.7.0 ok\r\n"
                        } else if upper.starts_with("MAIL") {
                            b"250 ok\r\n"
                        } else if upper.starts_with("RCPT") {
                            match rcpt {
                                Rcpt::Accept => b"250 ok\r\n",
                                Rcpt::Reply(r) => r.as_bytes(),
                            }
                        } else if upper == "DATA" {
                            in_data = true;
                            b"354 go ahead\r\n"
                        } else if upper == "QUIT" {
                            w.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        } else {
                            // RSET, NOOP
                            b"250 ok\r\n"
                        };
                        w.write_all(reply).await.unwrap();
                    }
                    let _ = tx.send(s);
                });
            }
        });
        (port, rx)
    }

    fn mailer(port: u16, user: Option<&str>) -> SmtpMailer {
        SmtpMailer::new(
            SmtpSettings {
                host: "127.0.0.1".into(),
                port,
                user: user.map(str::to_owned),
                password: user.map(|_| Credential::new("hunter2-secret")),
                tls: SmtpTls::None,
                timeout: Duration::from_secs(5),
            },
            Mailbox::new(
                Some("Acme Auth".into()),
                "no-reply@acme.test".parse().unwrap(),
            ),
        )
        .unwrap()
    }

    fn email() -> Email {
        Email {
            to: "bob@example.com".into(),
            subject: "Verify your email for Acme".into(),
            html: "<p>Hello <b>Bob</b></p>".into(),
            text: "Hello Bob, plain part".into(),
            kind: "verification".into(),
            from_name: None,
        }
    }

    #[tokio::test]
    async fn sends_multipart_with_auth() {
        let (port, mut rx) = fake_server(Rcpt::Accept).await;
        let m = mailer(port, Some("mailer"));
        m.send(&email()).await.unwrap();
        // The pooled connection stays open; dropping the transport closes it.
        drop(m);
        let s = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let auth = s
            .commands
            .iter()
            .find(|c| c.to_ascii_uppercase().starts_with("AUTH PLAIN"))
            .expect("AUTH PLAIN sent");
        let b64 = auth.rsplit(' ').next().unwrap();
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(decoded, b"\0mailer\0hunter2-secret");
        assert!(
            s.commands
                .iter()
                .any(|c| c.contains("MAIL FROM:<no-reply@acme.test>"))
        );
        assert!(
            s.commands
                .iter()
                .any(|c| c.contains("RCPT TO:<bob@example.com>"))
        );
        assert!(
            s.data.contains("Subject: Verify your email for Acme"),
            "{}",
            s.data
        );
        assert!(
            s.data.contains("From: \"Acme Auth\" <no-reply@acme.test>"),
            "{}",
            s.data
        );
        assert!(s.data.contains("To: bob@example.com"), "{}", s.data);
        assert!(s.data.contains("multipart/alternative"));
        assert!(s.data.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(s.data.contains("Content-Type: text/html; charset=utf-8"));
        assert!(s.data.contains("Hello Bob, plain part"));
        assert!(s.data.contains("<p>Hello <b>Bob</b></p>"));
    }

    #[tokio::test]
    async fn a_branded_sender_name_goes_on_the_from_line() {
        let (port, mut rx) = fake_server(Rcpt::Accept).await;
        let m = mailer(port, None);
        let branded = Email {
            from_name: Some("Globex Support".into()),
            ..email()
        };
        m.send(&branded).await.unwrap();
        drop(m);
        let s = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        // The address (envelope and header) stays the configured one.
        assert!(
            s.commands
                .iter()
                .any(|c| c.contains("MAIL FROM:<no-reply@acme.test>"))
        );
        assert!(
            s.data
                .contains("From: \"Globex Support\" <no-reply@acme.test>"),
            "{}",
            s.data
        );
        assert!(!s.data.contains("Acme Auth"), "{}", s.data);
    }

    #[tokio::test]
    async fn rejected_recipient_is_permanent_and_scrubbed() {
        let (port, _rx) =
            fake_server(Rcpt::Reply("550 5.1.1 <bob@example.com> unknown user\r\n")).await;
        let err = mailer(port, Some("mailer"))
            .send(&email())
            .await
            .unwrap_err();
        assert!(matches!(err, DeliveryError::Permanent { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("550"), "{text}");
        assert!(!text.contains("bob@example.com"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[tokio::test]
    async fn greylisting_is_temporary() {
        let (port, _rx) = fake_server(Rcpt::Reply("451 4.7.1 try again later\r\n")).await;
        let err = mailer(port, None).send(&email()).await.unwrap_err();
        assert!(matches!(err, DeliveryError::Temporary { .. }), "{err}");
        assert!(err.is_temporary());
    }

    #[tokio::test]
    async fn connection_refused_is_temporary() {
        // Bind then drop to get a port nobody listens on.
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap().port()
        };
        let err = mailer(port, None).send(&email()).await.unwrap_err();
        assert!(matches!(err, DeliveryError::Temporary { .. }), "{err}");
    }

    #[tokio::test]
    async fn invalid_recipient_is_permanent() {
        let mut e = email();
        e.to = "not an address".into();
        let err = mailer(1, None).send(&e).await.unwrap_err();
        assert!(matches!(err, DeliveryError::Permanent { .. }), "{err}");
        assert!(!err.to_string().contains("not an address"));
    }
}
