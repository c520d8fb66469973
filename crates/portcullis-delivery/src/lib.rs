//! Delivery of emails and text messages.
//!
//! Callers hand a message to [`Delivery`] and return at once: rendering happens in the caller
//! (so a broken template is logged where it happens), sending happens in background tasks,
//! several at once, that retry transient failures. A failed send is logged and counted, never
//! reported back to whoever triggered it, so responses cannot reveal whether an address exists
//! or works.

pub mod brand;
pub mod config;
pub mod http_api;
pub mod i18n;
pub mod outbox;
pub mod queue;
pub mod smtp;
pub mod templates;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use brand::{BrandOverlay, StoredBrand, current_brand, with_brand};
pub use config::{DeliveryConfig, MailBackend, SmsBackend};
pub use http_api::{ResendMailer, SendGridMailer, TwilioSms, WebhookSms};
pub use i18n::{Catalogs, Messages, current_language, with_language};
pub use outbox::{Outbox, OutboxMessage};
pub use queue::{Delivery, DeliveryStats, Outcome};
pub use smtp::{SmtpMailer, SmtpSettings};
pub use templates::{EmailTemplate, RenderedEmail, Templates};

/// A rendered email, ready for a transport.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// The template it came from (`verification`, `password-reset`, ...), for logs and the outbox.
    pub kind: String,
    /// The sender's display name for this message (an organization's brand), in place of the
    /// configured `EMAIL_FROM_NAME`; the address stays the configured one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
}

/// A text message, ready for a transport.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Sms {
    /// E.164, e.g. `+14155550123`.
    pub to: String,
    pub body: String,
    pub kind: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("template {name}: {reason}")]
    Template { name: String, reason: String },
    /// A message asked for a template file that nothing provides.
    #[error(
        "no template {name}: not built in, not brought by a plugin, and not in PORTCULLIS_TEMPLATES_DIR"
    )]
    UnknownTemplate { name: String },
    /// Worth another try later (connection refused, timeout, 5xx, 429).
    #[error("{transport}: temporary failure: {reason}")]
    Temporary {
        transport: &'static str,
        reason: String,
    },
    /// Retrying will not help (rejected recipient, 4xx, bad credentials).
    #[error("{transport}: permanent failure: {reason}")]
    Permanent {
        transport: &'static str,
        reason: String,
    },
    #[error("outbox: {0}")]
    Outbox(#[from] std::io::Error),
    #[error("delivery configuration: {0}")]
    Config(String),
}

impl DeliveryError {
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            DeliveryError::Temporary { .. } | DeliveryError::Outbox(_)
        )
    }
}

#[async_trait]
pub trait MailTransport: Send + Sync {
    /// A short name for logs and metrics: `smtp`, `resend`, `sendgrid`, `outbox`.
    fn name(&self) -> &'static str;
    async fn send(&self, email: &Email) -> Result<(), DeliveryError>;
}

#[async_trait]
pub trait SmsTransport: Send + Sync {
    /// `twilio`, `webhook`, `outbox`.
    fn name(&self) -> &'static str;
    async fn send(&self, sms: &Sms) -> Result<(), DeliveryError>;
}

/// Replaces each non-empty secret (recipient, password, token) in `text`: transport errors
/// often quote what the server said, and these strings end up in logs.
pub(crate) fn redact(text: String, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text, |t, s| t.replace(s, "[redacted]"))
}
