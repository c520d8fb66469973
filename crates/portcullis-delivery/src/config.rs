//! What the delivery layer needs to know. The engine's configuration loader fills this in from
//! environment variables (SMTP_*, RESEND_API_KEY, TWILIO_*, SMS_WEBHOOK_URL, ...).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A credential that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential(String);

impl Credential {
    pub fn new(s: impl Into<String>) -> Self {
        Credential(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (port 465).
    Wrapper,
    /// STARTTLS, required (port 587).
    StartTls,
    /// STARTTLS when the server offers it.
    Opportunistic,
    /// Plain text: only for a local relay or a test sink.
    None,
}

#[derive(Debug, Clone)]
pub enum MailBackend {
    Smtp {
        host: String,
        port: u16,
        user: Option<String>,
        password: Option<Credential>,
        tls: SmtpTls,
    },
    Resend {
        api_key: Credential,
        /// `https://api.resend.com` unless overridden (regional endpoints, tests).
        endpoint: String,
    },
    SendGrid {
        api_key: Credential,
        endpoint: String,
    },
    /// Files in `DeliveryConfig::outbox_dir`: the development default.
    Outbox,
}

#[derive(Debug, Clone)]
pub enum SmsBackend {
    Twilio {
        account_sid: String,
        auth_token: Credential,
        from: String,
        endpoint: String,
    },
    /// A JSON POST per message, signed with HMAC-SHA256 over the body.
    Webhook {
        url: String,
        secret: Credential,
    },
    Outbox,
}

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub mail: MailBackend,
    pub sms: SmsBackend,
    pub from_address: String,
    pub from_name: String,
    pub outbox_dir: PathBuf,
    /// Overrides for email templates, by file name (`email-verification.html`, ...).
    pub templates_dir: Option<PathBuf>,
    /// Sends tried per message before it is counted as failed.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one.
    pub retry_delay: Duration,
    /// Per-attempt network timeout.
    pub timeout: Duration,
    /// Values every template sees: `brand` (APP_* values), `base_url`.
    pub globals: serde_json::Value,
    /// Templates plugins bring, `(file name, source)`: `email-<name>.html` and `.txt`,
    /// `sms-<name>.txt`. Set by the server from `Plugin::templates`; overridable from
    /// `templates_dir` like the built-in ones.
    pub plugin_templates: Vec<(&'static str, &'static str)>,
    /// Every message catalog (core's and the plugins'), with the language `APP_LANGUAGE`
    /// forces; set by the server. The core e-mails' own catalog until then.
    pub catalogs: std::sync::Arc<crate::Catalogs>,
}

impl DeliveryConfig {
    /// Everything into the outbox at `dir`: the development default, and what tests use.
    pub fn outbox(dir: PathBuf) -> Self {
        DeliveryConfig {
            mail: MailBackend::Outbox,
            sms: SmsBackend::Outbox,
            from_address: "no-reply@localhost".into(),
            from_name: "Portcullis".into(),
            outbox_dir: dir,
            templates_dir: None,
            max_attempts: 4,
            retry_delay: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
            globals: serde_json::json!({}),
            plugin_templates: Vec::new(),
            catalogs: crate::templates::email_catalogs(None),
        }
    }

    /// `from_name <from_address>`, checked once so a typo fails at start-up, not per message.
    pub fn from_mailbox(&self) -> Result<lettre::message::Mailbox, crate::DeliveryError> {
        let email = self.from_address.parse().map_err(|e| {
            crate::DeliveryError::Config(format!(
                "invalid from address {:?}: {e}",
                self.from_address
            ))
        })?;
        let name = Some(self.from_name.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(lettre::message::Mailbox::new(name, email))
    }

    pub fn uses_outbox(&self) -> bool {
        matches!(self.mail, MailBackend::Outbox) || matches!(self.sms, SmsBackend::Outbox)
    }
}
