//! What every source is read into: one person per user of the other system, with what
//! Portcullis keeps of them, or the raw rows of another Better Auth database.

use chrono::{DateTime, TimeZone, Utc};
use portcullis_storage::Row;
use sha2::{Digest, Sha256};

/// One entry of the input, in the input's order.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A user of another system, converted.
    Person(Box<Person>),
    /// A row of another Better Auth database, copied as it is.
    Row { table: String, row: Row },
    /// An entry that cannot be read: reported with where it is, never stopping the rest.
    Rejected { at: String, reason: String },
}

impl Entry {
    pub fn rejected(at: impl Into<String>, reason: impl Into<String>) -> Self {
        Entry::Rejected {
            at: at.into(),
            reason: reason.into(),
        }
    }

    /// What identifies the entry in the input, for the run's fingerprint.
    pub fn key(&self) -> String {
        match self {
            Entry::Person(p) => format!("user:{}", p.id),
            Entry::Row { table, row } => format!(
                "{table}:{}",
                row.get("id").and_then(|v| v.as_str()).unwrap_or_default()
            ),
            Entry::Rejected { at, .. } => format!("rejected:{at}"),
        }
    }
}

/// A user of another system, as Portcullis will keep them.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// The source's own id, kept, so that an application's tables that point at its users
    /// still do.
    pub id: String,
    /// Lower-case, as Better Auth keeps addresses.
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub image: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The password hash in a form `crypto::password` verifies.
    pub password: Option<String>,
    /// Why a password the source has was not carried over (an unknown hash format).
    pub password_not_carried: Option<String>,
    pub accounts: Vec<LinkedAccount>,
    /// The TOTP key's bytes (the HMAC key, not its base32).
    pub totp_key: Option<Vec<u8>>,
    /// Why a second factor the source has was not carried over.
    pub totp_not_carried: Option<String>,
    pub username: Option<String>,
    pub phone: Option<Phone>,
    /// Disabled or blocked in the source.
    pub banned: bool,
}

/// A sign-in with a social or OAuth provider.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkedAccount {
    /// Better Auth's provider id (`google`, `github`, …).
    pub provider_id: String,
    /// The provider's id for the user: what the provider's next sign-in matches on.
    pub account_id: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub scope: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phone {
    pub number: String,
    pub verified: bool,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// "First Last", or whichever of the two there is.
pub fn full_name(first: Option<String>, last: Option<String>) -> String {
    [first, last]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name for a user the source gave none: the address's local part, as Better Auth's own
/// sign-up forms suggest.
pub fn name_or_local_part(name: Option<String>, email: &str) -> String {
    match name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
        Some(n) => n,
        None => email.split('@').next().unwrap_or(email).to_owned(),
    }
}

/// Better Auth's id for a provider other systems name differently.
pub fn provider_id(theirs: &str) -> String {
    let ours = match theirs {
        "google.com" | "google-oauth2" | "oauth_google" => "google",
        "github.com" | "oauth_github" => "github",
        "facebook.com" | "oauth_facebook" => "facebook",
        "apple.com" | "oauth_apple" => "apple",
        "twitter.com" | "oauth_twitter" | "oauth_x" => "twitter",
        "microsoft.com" | "windowslive" | "oauth_microsoft" => "microsoft",
        "gitlab.com" | "oauth_gitlab" => "gitlab",
        "oauth_discord" => "discord",
        "oauth_linkedin" | "oauth_linkedin_oidc" | "linkedin" => "linkedin",
        other => other.strip_prefix("oauth_").unwrap_or(other),
    };
    ours.to_owned()
}

/// A row id that is the same on every run for the same thing: what makes a rerun, or a run
/// resumed after an interruption, write the same rows.
pub fn derived_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

/// Dates as other systems write them: RFC 3339, SQL's `2024-03-01 10:00:00+00`, or
/// milliseconds since the epoch.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(ms) = s.parse::<i64>() {
        return millis(ms);
    }
    if let Some(d) = portcullis_storage::value::parse_date(s) {
        return Some(d);
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z"] {
        if let Ok(d) = DateTime::parse_from_str(s, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    None
}

pub fn millis(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_the_forms_sources_write() {
        let want = Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).single();
        for s in [
            "2024-03-01T10:00:00Z",
            "2024-03-01T10:00:00.000Z",
            "2024-03-01 10:00:00+00",
            "2024-03-01 11:00:00+01:00",
            "2024-03-01 10:00:00",
            "1709287200000",
        ] {
            assert_eq!(parse_time(s), want, "{s}");
        }
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn providers_get_better_auths_names() {
        assert_eq!(provider_id("google.com"), "google");
        assert_eq!(provider_id("google-oauth2"), "google");
        assert_eq!(provider_id("oauth_google"), "google");
        assert_eq!(provider_id("oauth_custom-idp"), "custom-idp");
        assert_eq!(provider_id("keycloak-alias"), "keycloak-alias");
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_id(&["a", "b"]), derived_id(&["a", "b"]));
        assert_ne!(derived_id(&["a", "b"]), derived_id(&["ab", ""]));
        assert_eq!(derived_id(&["x"]).len(), 32);
    }
}
