//! The development outbox: each message is one JSON file, newest last by name. The hosted UI
//! lists them at `/dev/outbox` so a newcomer can click their verification link without SMTP.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{DeliveryError, Email, MailTransport, Sms, SmsTransport};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutboxMessage {
    /// The file stem: sortable by time, unique.
    pub id: String,
    /// `email` or `sms`.
    pub channel: String,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The sender display name the email carried in place of the configured one (an
    /// organization's brand); absent for SMS and unbranded email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl Outbox {
    pub fn new(dir: PathBuf) -> Self {
        Outbox { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub async fn write(&self, mut msg: OutboxMessage) -> Result<OutboxMessage, DeliveryError> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let now = chrono::Utc::now();
        msg.created_at = now;
        msg.id = format!(
            "{}-{:06}",
            now.format("%Y%m%dT%H%M%S%6f"),
            rand::random::<u32>() % 1_000_000
        );
        let body = serde_json::to_vec_pretty(&msg)
            .map_err(|e| DeliveryError::Outbox(std::io::Error::other(e)))?;
        // Write then rename, so a reader never sees half a message.
        let tmp = self.dir.join(format!(".{}.tmp", msg.id));
        tokio::fs::write(&tmp, body).await?;
        tokio::fs::rename(&tmp, self.dir.join(format!("{}.json", msg.id))).await?;
        Ok(msg)
    }

    /// Messages, newest first, at most `limit`.
    pub async fn list(&self, limit: usize) -> Result<Vec<OutboxMessage>, DeliveryError> {
        let mut names = Vec::new();
        let mut rd = match tokio::fs::read_dir(&self.dir).await {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        while let Some(entry) = rd.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".json")
                && valid_id(stem)
            {
                names.push(stem.to_owned());
            }
        }
        names.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = Vec::new();
        for id in names.into_iter().take(limit) {
            if let Some(m) = self.get(&id).await? {
                out.push(m);
            }
        }
        Ok(out)
    }

    pub async fn get(&self, id: &str) -> Result<Option<OutboxMessage>, DeliveryError> {
        if !valid_id(id) {
            return Ok(None);
        }
        match tokio::fs::read(self.dir.join(format!("{id}.json"))).await {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[async_trait]
impl MailTransport for Outbox {
    fn name(&self) -> &'static str {
        "outbox"
    }
    async fn send(&self, email: &Email) -> Result<(), DeliveryError> {
        self.write(OutboxMessage {
            id: String::new(),
            channel: "email".into(),
            kind: email.kind.clone(),
            to: email.to.clone(),
            subject: email.subject.clone(),
            text: email.text.clone(),
            html: email.html.clone(),
            created_at: chrono::Utc::now(),
            from_name: email.from_name.clone(),
        })
        .await
        .map(|_| ())
    }
}

#[async_trait]
impl SmsTransport for Outbox {
    fn name(&self) -> &'static str {
        "outbox"
    }
    async fn send(&self, sms: &Sms) -> Result<(), DeliveryError> {
        self.write(OutboxMessage {
            id: String::new(),
            channel: "sms".into(),
            kind: sms.kind.clone(),
            to: sms.to.clone(),
            subject: String::new(),
            text: sms.body.clone(),
            html: String::new(),
            created_at: chrono::Utc::now(),
            from_name: None,
        })
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!(
            "portcullis-outbox-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ))
    }

    fn message(to: &str) -> OutboxMessage {
        OutboxMessage {
            id: String::new(),
            channel: "email".into(),
            kind: "verification".into(),
            to: to.into(),
            subject: "Verify".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
            created_at: chrono::Utc::now(),
            from_name: None,
        }
    }

    #[tokio::test]
    async fn write_list_get_round_trip() {
        let dir = temp_dir();
        let outbox = Outbox::new(dir.clone());
        // A missing directory is an empty outbox, not an error.
        assert!(outbox.list(10).await.unwrap().is_empty());

        let first = outbox.write(message("a@example.com")).await.unwrap();
        let second = outbox.write(message("b@example.com")).await.unwrap();
        assert!(valid_id(&first.id) && valid_id(&second.id));
        assert_ne!(first.id, second.id);

        let all = outbox.list(10).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], second, "newest first");
        assert_eq!(all[1], first);
        assert_eq!(outbox.list(1).await.unwrap(), vec![second.clone()]);

        assert_eq!(outbox.get(&first.id).await.unwrap(), Some(first));
        assert_eq!(
            outbox.get("20990101T000000000000-000000").await.unwrap(),
            None
        );
        // Ids are file stems: anything that could leave the directory is refused.
        assert_eq!(outbox.get("../etc/passwd").await.unwrap(), None);
        assert_eq!(outbox.get("").await.unwrap(), None);

        // Temporary files and strangers in the directory are not listed.
        std::fs::write(dir.join(".x.tmp"), "{}").unwrap();
        std::fs::write(dir.join("notes.txt"), "hi").unwrap();
        assert_eq!(outbox.list(10).await.unwrap().len(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn transports_write_their_channel() {
        let dir = temp_dir();
        let outbox = Outbox::new(dir.clone());
        MailTransport::send(
            &outbox,
            &Email {
                to: "a@example.com".into(),
                subject: "S".into(),
                html: "<b>h</b>".into(),
                text: "t".into(),
                kind: "welcome".into(),
                from_name: None,
            },
        )
        .await
        .unwrap();
        SmsTransport::send(
            &outbox,
            &Sms {
                to: "+14155550123".into(),
                body: "123456".into(),
                kind: "otp".into(),
            },
        )
        .await
        .unwrap();
        let all = outbox.list(10).await.unwrap();
        let sms = all.iter().find(|m| m.channel == "sms").unwrap();
        assert_eq!(
            (sms.to.as_str(), sms.text.as_str()),
            ("+14155550123", "123456")
        );
        let email = all.iter().find(|m| m.channel == "email").unwrap();
        assert_eq!(email.subject, "S");
        assert_eq!(email.html, "<b>h</b>");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
