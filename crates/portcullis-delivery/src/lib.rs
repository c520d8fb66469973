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
pub use queue::{Delivery, DeliveryStats, Outcome, OutcomeLog};
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

/// The most of an error the console shows.
const SHOWN_REASON_CHARS: usize = 300;

/// An error as operators may read it beside other messages' outcomes: each e-mail address left
/// in it (a provider may quote the recipient in a form [`redact`] did not match) cut to `…@`
/// and its domain, each phone number (seven digits or more) to `…` and its last two digits,
/// control characters as spaces, and at most [`SHOWN_REASON_CHARS`] characters.
pub fn shown_reason(text: &str) -> String {
    let in_word = |c: char| c.is_alphanumeric() || "._%+-@".contains(c);
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_word(c) {
            let end = rest.find(|c: char| !in_word(c)).unwrap_or(rest.len());
            out.push_str(&shown_word(&rest[..end]));
            rest = &rest[end..];
        } else {
            out.push(if c.is_control() { ' ' } else { c });
            rest = &rest[c.len_utf8()..];
        }
    }
    if out.chars().count() > SHOWN_REASON_CHARS {
        out = out.chars().take(SHOWN_REASON_CHARS - 1).collect();
        out.push('…');
    }
    out
}

fn shown_word(word: &str) -> std::borrow::Cow<'_, str> {
    let lower = word.to_ascii_lowercase();
    // An address, also percent-encoded (`bob%40example.com`): only its domain.
    let at = [
        lower.rfind('@').map(|i| i + 1),
        lower.rfind("%40").map(|i| i + 3),
    ]
    .into_iter()
    .flatten()
    .max();
    if let Some(domain) = at {
        return format!("…@{}", &word[domain..]).into();
    }
    let number = lower
        .strip_prefix('+')
        .or_else(|| lower.strip_prefix("%2b"))
        .unwrap_or(&lower);
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 7
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '.')
    {
        let last: String = digits[digits.len() - 2..].iter().collect();
        return format!("…{last}").into();
    }
    word.into()
}

#[cfg(test)]
mod tests {
    use super::shown_reason;

    #[test]
    fn shown_reasons_keep_no_address_or_number_whole() {
        assert_eq!(
            shown_reason(
                "smtp: permanent failure: 550 5.1.1 <Bob.Smith@Example.com>: no such user"
            ),
            "smtp: permanent failure: 550 5.1.1 <…@Example.com>: no such user"
        );
        assert_eq!(
            shown_reason("HTTP 400: {\"to\":\"bob%40example.com\",\"phone\":\"+14155550123\"}"),
            "HTTP 400: {\"to\":\"…@example.com\",\"phone\":\"…23\"}"
        );
        assert_eq!(
            shown_reason("invalid number %2B4415-555-0199 or 0612345678"),
            "invalid number …99 or …78"
        );
        // What is neither stays: addresses of servers, ports, status codes, short numbers.
        assert_eq!(
            shown_reason("connect 127.0.0.1:587 refused (os error 111)\r\nretry"),
            "connect 127.0.0.1:587 refused (os error 111)  retry"
        );
        let long = shown_reason(&"x".repeat(1000));
        assert_eq!(long.chars().count(), 300);
        assert!(long.ends_with('…'));
    }
}
