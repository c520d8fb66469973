//! Providers reached over HTTPS: Resend and SendGrid for email, Twilio and a signed webhook
//! for text messages. One small client wrapper classifies every answer the same way, so the
//! four transports only differ in how they shape their request.

use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use reqwest::{RequestBuilder, StatusCode, Url};
use serde_json::json;
use sha2::Sha256;

use crate::config::Credential;
use crate::{DeliveryError, Email, MailTransport, Sms, SmsTransport, redact};

/// How much of a provider's error body goes into the error: enough to diagnose, not a dump.
const BODY_EXCERPT: usize = 300;

/// A reqwest client tagged with the transport name used in errors.
struct Http {
    client: reqwest::Client,
    transport: &'static str,
}

impl Http {
    fn new(transport: &'static str, timeout: Duration) -> Result<Self, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
            // A redirected POST would turn into a GET and lose the message; treat it as an error.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| DeliveryError::Config(format!("{transport}: HTTP client: {e}")))?;
        Ok(Http { client, transport })
    }

    /// POSTs an email as JSON with a bearer API key (Resend and SendGrid).
    async fn post_email_json(
        &self,
        url: &Url,
        api_key: &Credential,
        body: &serde_json::Value,
        to: &str,
    ) -> Result<(), DeliveryError> {
        let req = self
            .client
            .post(url.clone())
            .bearer_auth(api_key.expose())
            .json(body);
        self.send(req, &[to, api_key.expose()]).await
    }

    /// Sends the request; 2xx is success, 408/429/5xx and network trouble are temporary, any
    /// other answer is permanent. `secrets` are scrubbed from whatever the error quotes.
    async fn send(&self, req: RequestBuilder, secrets: &[&str]) -> Result<(), DeliveryError> {
        let transport = self.transport;
        let resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => {
                let permanent = e.is_builder();
                // The URL may carry a token (webhooks often do): leave it out.
                let reason = redact(error_chain(&e.without_url()), secrets);
                return Err(if permanent {
                    DeliveryError::Permanent { transport, reason }
                } else {
                    DeliveryError::Temporary { transport, reason }
                });
            }
        };
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = resp.text().await.unwrap_or_default();
        let excerpt: String = body
            .chars()
            .take(BODY_EXCERPT)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let reason = redact(format!("HTTP {status}: {}", excerpt.trim()), secrets);
        if status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
            || status.is_server_error()
        {
            Err(DeliveryError::Temporary { transport, reason })
        } else {
            Err(DeliveryError::Permanent { transport, reason })
        }
    }
}

/// `Display` of an error and its sources: reqwest's top level says only "error sending request".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// `base` (trailing slash or not) plus `path`, checked once at start-up.
fn api_url(transport: &str, base: &str, path: &str) -> Result<Url, DeliveryError> {
    let raw = format!("{}{path}", base.trim_end_matches('/'));
    let url = Url::parse(&raw)
        .map_err(|e| DeliveryError::Config(format!("{transport}: invalid endpoint: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(DeliveryError::Config(format!(
            "{transport}: endpoint must be http(s)"
        )));
    }
    Ok(url)
}

/// Resend: `POST {endpoint}/emails` with a bearer key.
pub struct ResendMailer {
    http: Http,
    url: Url,
    api_key: Credential,
    from: Mailbox,
}

impl ResendMailer {
    pub fn new(
        api_key: Credential,
        endpoint: &str,
        from: &Mailbox,
        timeout: Duration,
    ) -> Result<Self, DeliveryError> {
        Ok(ResendMailer {
            http: Http::new("resend", timeout)?,
            url: api_url("resend", endpoint, "/emails")?,
            api_key,
            from: from.clone(),
        })
    }
}

#[async_trait]
impl MailTransport for ResendMailer {
    fn name(&self) -> &'static str {
        self.http.transport
    }

    async fn send(&self, email: &Email) -> Result<(), DeliveryError> {
        let body = json!({
            "from": crate::smtp::sender(&self.from, email).to_string(),
            "to": [email.to],
            "subject": email.subject,
            "html": email.html,
            "text": email.text,
        });
        self.http
            .post_email_json(&self.url, &self.api_key, &body, &email.to)
            .await
    }
}

/// SendGrid v3: `POST {endpoint}/v3/mail/send` with a bearer key.
pub struct SendGridMailer {
    http: Http,
    url: Url,
    api_key: Credential,
    from: serde_json::Value,
}

impl SendGridMailer {
    pub fn new(
        api_key: Credential,
        endpoint: &str,
        from: &Mailbox,
        timeout: Duration,
    ) -> Result<Self, DeliveryError> {
        let mut from_json = json!({ "email": from.email.to_string() });
        if let Some(name) = from.name.as_deref().filter(|n| !n.is_empty()) {
            from_json["name"] = json!(name);
        }
        Ok(SendGridMailer {
            http: Http::new("sendgrid", timeout)?,
            url: api_url("sendgrid", endpoint, "/v3/mail/send")?,
            api_key,
            from: from_json,
        })
    }
}

#[async_trait]
impl MailTransport for SendGridMailer {
    fn name(&self) -> &'static str {
        self.http.transport
    }

    async fn send(&self, email: &Email) -> Result<(), DeliveryError> {
        // SendGrid wants text/plain before text/html.
        let mut from = self.from.clone();
        if let Some(name) = email
            .from_name
            .as_deref()
            .map(str::trim)
            .filter(|n| crate::brand::is_sender_name(n))
        {
            from["name"] = json!(name);
        }
        let body = json!({
            "personalizations": [{ "to": [{ "email": email.to }] }],
            "from": from,
            "subject": email.subject,
            "content": [
                { "type": "text/plain", "value": email.text },
                { "type": "text/html", "value": email.html },
            ],
        });
        self.http
            .post_email_json(&self.url, &self.api_key, &body, &email.to)
            .await
    }
}

/// Twilio Messages API: a form POST with HTTP basic auth `sid:token`.
pub struct TwilioSms {
    http: Http,
    url: Url,
    account_sid: String,
    auth_token: Credential,
    from: String,
}

impl TwilioSms {
    pub fn new(
        account_sid: &str,
        auth_token: Credential,
        from: &str,
        endpoint: &str,
        timeout: Duration,
    ) -> Result<Self, DeliveryError> {
        // The SID goes into the URL path: refuse anything that could change the path.
        if account_sid.is_empty() || !account_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DeliveryError::Config(
                "twilio: account SID must be letters and digits".into(),
            ));
        }
        let path = format!("/2010-04-01/Accounts/{account_sid}/Messages.json");
        Ok(TwilioSms {
            http: Http::new("twilio", timeout)?,
            url: api_url("twilio", endpoint, &path)?,
            account_sid: account_sid.to_owned(),
            auth_token,
            from: from.to_owned(),
        })
    }
}

#[async_trait]
impl SmsTransport for TwilioSms {
    fn name(&self) -> &'static str {
        self.http.transport
    }

    async fn send(&self, sms: &Sms) -> Result<(), DeliveryError> {
        let form = [
            ("To", sms.to.as_str()),
            ("From", self.from.as_str()),
            ("Body", sms.body.as_str()),
        ];
        let req = self
            .http
            .client
            .post(self.url.clone())
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(&form);
        self.http
            .send(req, &[&sms.to, &sms.body, self.auth_token.expose()])
            .await
    }
}

/// A JSON POST per message to an operator's endpoint, signed so the receiver can check that
/// it came from this server and is fresh.
pub struct WebhookSms {
    http: Http,
    url: Url,
    secret: Credential,
}

/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the timestamp is signed too, so
/// a captured request cannot be replayed later with a new timestamp.
pub fn webhook_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl WebhookSms {
    pub fn new(url: &str, secret: Credential, timeout: Duration) -> Result<Self, DeliveryError> {
        Ok(WebhookSms {
            http: Http::new("webhook", timeout)?,
            url: api_url("webhook", url, "")?,
            secret,
        })
    }
}

#[async_trait]
impl SmsTransport for WebhookSms {
    fn name(&self) -> &'static str {
        self.http.transport
    }

    async fn send(&self, sms: &Sms) -> Result<(), DeliveryError> {
        let timestamp = chrono::Utc::now().timestamp();
        let body = serde_json::to_vec(&json!({
            "to": sms.to,
            "body": sms.body,
            "kind": sms.kind,
            "timestamp": timestamp,
        }))
        .map_err(|e| DeliveryError::Permanent {
            transport: self.http.transport,
            reason: format!("cannot encode: {e}"),
        })?;
        // Signed over the exact bytes sent, hence a pre-serialised body.
        let signature = webhook_signature(self.secret.expose().as_bytes(), timestamp, &body);
        let req = self
            .http
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Portcullis-Timestamp", timestamp.to_string())
            .header("X-Portcullis-Signature", signature)
            .body(body);
        self.http
            .send(req, &[&sms.to, &sms.body, self.secret.expose()])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, Method, StatusCode as AxStatus, Uri};

    #[derive(Debug, Clone)]
    struct Captured {
        method: Method,
        path: String,
        headers: HeaderMap,
        body: Bytes,
    }

    #[derive(Clone)]
    struct Fake {
        status: AxStatus,
        answer: &'static str,
        seen: Arc<Mutex<Vec<Captured>>>,
    }

    async fn record(
        State(f): State<Fake>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> (AxStatus, &'static str) {
        f.seen.lock().unwrap().push(Captured {
            method,
            path: uri.path().to_owned(),
            headers,
            body,
        });
        (f.status, f.answer)
    }

    /// A provider stand-in on 127.0.0.1:0 answering every request with `status`.
    async fn provider(status: u16, answer: &'static str) -> (String, Arc<Mutex<Vec<Captured>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new().fallback(record).with_state(Fake {
            status: AxStatus::from_u16(status).unwrap(),
            answer,
            seen: seen.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}"), seen)
    }

    fn only(seen: &Arc<Mutex<Vec<Captured>>>) -> Captured {
        let v = seen.lock().unwrap();
        assert_eq!(v.len(), 1, "exactly one request");
        v[0].clone()
    }

    fn header<'a>(c: &'a Captured, name: &str) -> &'a str {
        c.headers.get(name).unwrap().to_str().unwrap()
    }

    fn from() -> Mailbox {
        Mailbox::new(Some("Acme".into()), "no-reply@acme.test".parse().unwrap())
    }

    fn email() -> Email {
        Email {
            to: "bob@example.com".into(),
            subject: "Verify your email for Acme".into(),
            html: "<p>hi</p>".into(),
            text: "hi".into(),
            kind: "verification".into(),
            from_name: None,
        }
    }

    fn sms() -> Sms {
        Sms {
            to: "+14155550123".into(),
            body: "123456 is your Acme code".into(),
            kind: "otp".into(),
        }
    }

    const T: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn resend_request_shape() {
        let (base, seen) = provider(200, r#"{"id":"x"}"#).await;
        // A trailing slash on the endpoint must not double up.
        let m =
            ResendMailer::new(Credential::new("re_key"), &format!("{base}/"), &from(), T).unwrap();
        assert_eq!(m.name(), "resend");
        m.send(&email()).await.unwrap();
        let c = only(&seen);
        assert_eq!(c.method, Method::POST);
        assert_eq!(c.path, "/emails");
        assert_eq!(header(&c, "authorization"), "Bearer re_key");
        assert!(header(&c, "content-type").starts_with("application/json"));
        let v: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(
            v,
            json!({
                "from": "Acme <no-reply@acme.test>",
                "to": ["bob@example.com"],
                "subject": "Verify your email for Acme",
                "html": "<p>hi</p>",
                "text": "hi",
            })
        );
    }

    #[tokio::test]
    async fn a_message_sender_name_replaces_the_configured_one() {
        let branded = Email {
            from_name: Some("Globex Support".into()),
            ..email()
        };
        let (base, seen) = provider(200, r#"{"id":"x"}"#).await;
        let m = ResendMailer::new(Credential::new("re_key"), &base, &from(), T).unwrap();
        m.send(&branded).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&only(&seen).body).unwrap();
        assert_eq!(v["from"], "Globex Support <no-reply@acme.test>");
        let (base, seen) = provider(202, "").await;
        let m = SendGridMailer::new(Credential::new("SG.key"), &base, &from(), T).unwrap();
        m.send(&branded).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&only(&seen).body).unwrap();
        assert_eq!(
            v["from"],
            json!({ "email": "no-reply@acme.test", "name": "Globex Support" })
        );
        // A name that could break the header is never used: the configured one is.
        let (base, seen) = provider(200, r#"{"id":"x"}"#).await;
        let m = ResendMailer::new(Credential::new("re_key"), &base, &from(), T).unwrap();
        let evil = Email {
            from_name: Some("Evil\r\nBcc: x@evil.test".into()),
            ..email()
        };
        m.send(&evil).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&only(&seen).body).unwrap();
        assert_eq!(v["from"], "Acme <no-reply@acme.test>");
    }

    #[tokio::test]
    async fn sendgrid_request_shape() {
        let (base, seen) = provider(202, "").await;
        let m = SendGridMailer::new(Credential::new("SG.key"), &base, &from(), T).unwrap();
        m.send(&email()).await.unwrap();
        let c = only(&seen);
        assert_eq!(c.method, Method::POST);
        assert_eq!(c.path, "/v3/mail/send");
        assert_eq!(header(&c, "authorization"), "Bearer SG.key");
        let v: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(
            v,
            json!({
                "personalizations": [{ "to": [{ "email": "bob@example.com" }] }],
                "from": { "email": "no-reply@acme.test", "name": "Acme" },
                "subject": "Verify your email for Acme",
                "content": [
                    { "type": "text/plain", "value": "hi" },
                    { "type": "text/html", "value": "<p>hi</p>" },
                ],
            })
        );
    }

    #[tokio::test]
    async fn twilio_request_shape() {
        let (base, seen) = provider(201, r#"{"sid":"SM1"}"#).await;
        let t = TwilioSms::new("AC123", Credential::new("tok"), "+15005550006", &base, T).unwrap();
        assert_eq!(t.name(), "twilio");
        t.send(&sms()).await.unwrap();
        let c = only(&seen);
        assert_eq!(c.method, Method::POST);
        assert_eq!(c.path, "/2010-04-01/Accounts/AC123/Messages.json");
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode("AC123:tok");
        assert_eq!(header(&c, "authorization"), format!("Basic {basic}"));
        assert_eq!(
            header(&c, "content-type"),
            "application/x-www-form-urlencoded"
        );
        let form: Vec<(String, String)> =
            url::form_urlencoded::parse(&c.body).into_owned().collect();
        assert_eq!(
            form,
            vec![
                ("To".into(), "+14155550123".into()),
                ("From".into(), "+15005550006".into()),
                ("Body".into(), "123456 is your Acme code".into()),
            ]
        );
    }

    #[test]
    fn twilio_refuses_odd_sid() {
        let r = TwilioSms::new(
            "../x",
            Credential::new("t"),
            "+1",
            "https://api.twilio.com",
            T,
        );
        assert!(matches!(r, Err(DeliveryError::Config(_))));
    }

    #[tokio::test]
    async fn webhook_is_signed() {
        let (base, seen) = provider(204, "").await;
        let w = WebhookSms::new(&format!("{base}/hooks/sms"), Credential::new("whsec"), T).unwrap();
        let before = chrono::Utc::now().timestamp();
        w.send(&sms()).await.unwrap();
        let c = only(&seen);
        assert_eq!(c.method, Method::POST);
        assert_eq!(c.path, "/hooks/sms");
        assert!(header(&c, "content-type").starts_with("application/json"));
        let ts: i64 = header(&c, "x-portcullis-timestamp").parse().unwrap();
        assert!(ts >= before && ts <= chrono::Utc::now().timestamp());
        let v: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(
            v,
            json!({ "to": "+14155550123", "body": "123456 is your Acme code", "kind": "otp", "timestamp": ts })
        );
        // Verify the way a receiver would, with hmac directly.
        let sig = header(&c, "x-portcullis-signature");
        let hex_sig = sig.strip_prefix("sha256=").unwrap();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"whsec").unwrap();
        mac.update(format!("{ts}.").as_bytes());
        mac.update(&c.body);
        mac.verify_slice(&hex::decode(hex_sig).unwrap()).unwrap();
        // And a wrong secret does not verify.
        let mut bad = <Hmac<Sha256> as Mac>::new_from_slice(b"other").unwrap();
        bad.update(format!("{ts}.").as_bytes());
        bad.update(&c.body);
        assert!(bad.verify_slice(&hex::decode(hex_sig).unwrap()).is_err());
    }

    #[tokio::test]
    async fn server_errors_and_throttling_are_temporary() {
        for status in [500, 503, 429] {
            let (base, _) = provider(status, "busy").await;
            let m = ResendMailer::new(Credential::new("re_key"), &base, &from(), T).unwrap();
            let err = m.send(&email()).await.unwrap_err();
            assert!(
                matches!(err, DeliveryError::Temporary { .. }),
                "{status}: {err}"
            );
            assert!(err.to_string().contains(&status.to_string()));
        }
    }

    #[tokio::test]
    async fn client_errors_are_permanent_and_scrubbed() {
        // Providers like to quote the rejected address back.
        let (base, _) =
            provider(400, r#"{"message":"bad to: bob@example.com (key re_key)"}"#).await;
        let m = ResendMailer::new(Credential::new("re_key"), &base, &from(), T).unwrap();
        let err = m.send(&email()).await.unwrap_err();
        assert!(matches!(err, DeliveryError::Permanent { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("400"), "{text}");
        assert!(!text.contains("bob@example.com"), "{text}");
        assert!(!text.contains("re_key"), "{text}");

        let (base, _) = provider(401, "").await;
        let t = TwilioSms::new("AC1", Credential::new("tok"), "+1", &base, T).unwrap();
        assert!(matches!(
            t.send(&sms()).await,
            Err(DeliveryError::Permanent { .. })
        ));
        let (base, _) = provider(502, "").await;
        let w = WebhookSms::new(&base, Credential::new("s"), T).unwrap();
        assert!(matches!(
            w.send(&sms()).await,
            Err(DeliveryError::Temporary { .. })
        ));
    }

    #[tokio::test]
    async fn unreachable_is_temporary_without_url() {
        let port = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap().port()
        };
        let w = WebhookSms::new(
            &format!("http://127.0.0.1:{port}/hook?token=sekrit"),
            Credential::new("s"),
            T,
        )
        .unwrap();
        let err = w.send(&sms()).await.unwrap_err();
        assert!(matches!(err, DeliveryError::Temporary { .. }), "{err}");
        assert!(!err.to_string().contains("sekrit"), "{err}");
    }

    #[test]
    fn bad_endpoint_is_a_config_error() {
        assert!(matches!(
            ResendMailer::new(Credential::new("k"), "not a url", &from(), T),
            Err(DeliveryError::Config(_))
        ));
        assert!(matches!(
            WebhookSms::new("ftp://x/y", Credential::new("k"), T),
            Err(DeliveryError::Config(_))
        ));
    }
}
