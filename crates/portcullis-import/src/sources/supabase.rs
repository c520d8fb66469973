//! Supabase Auth (GoTrue): `auth.users` (bcrypt `encrypted_password`), `auth.identities` (one
//! row per sign-in method; `provider_id` is the provider's id for the user, `id` before 2023)
//! and `auth.mfa_factors` (TOTP secrets in base32).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use super::json_str;
use super::source_db::{SourceDb, column};
use crate::ImportError;
use crate::hashes;
use crate::person::{
    Entry, LinkedAccount, Person, Phone, name_or_local_part, normalize_email, parse_time,
    provider_id,
};

const AUTH: Option<&str> = Some("auth");

/// `now` decides which bans are still running.
pub async fn read(url: &str, now: DateTime<Utc>) -> Result<Vec<Entry>, ImportError> {
    let db = SourceDb::connect(url).await?;
    let ucols = db.columns(AUTH, "users").await?;
    if ucols.is_empty() {
        return Err(ImportError::Input(
            "no auth.users table in the source database (give the Supabase project's \
             PostgreSQL URL)"
                .into(),
        ));
    }
    let select = |name: &str| db.text(ucols.contains(name).then_some(name));
    let user_sql = format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM {} ORDER BY {}, {}",
        select("id"),
        select("email"),
        select("encrypted_password"),
        select("email_confirmed_at"),
        select("raw_user_meta_data"),
        select("created_at"),
        select("updated_at"),
        select("phone"),
        select("phone_confirmed_at"),
        select("banned_until"),
        select("deleted_at"),
        select("is_anonymous"),
        db.table(AUTH, "users"),
        db.quote("created_at"),
        db.quote("id"),
    );

    let mut accounts: HashMap<String, Vec<LinkedAccount>> = HashMap::new();
    let icols = db.columns(AUTH, "identities").await?;
    if !icols.is_empty() {
        let their_id = if icols.contains("provider_id") {
            "provider_id"
        } else {
            "id"
        };
        let sql = format!(
            "SELECT {}, {}, {} FROM {} ORDER BY {}",
            db.text(Some("user_id")),
            db.text(Some("provider")),
            db.text(Some(their_id)),
            db.table(AUTH, "identities"),
            db.quote("created_at"),
        );
        for row in db.rows(&sql).await? {
            let field = |i: usize| column(&row, i);
            let (Some(user_id), Some(provider), Some(their_id)) = (field(0), field(1), field(2))
            else {
                continue;
            };
            // The e-mail and phone identities are the user's own address and number.
            if matches!(provider.as_str(), "email" | "phone") {
                continue;
            }
            accounts.entry(user_id).or_default().push(LinkedAccount {
                provider_id: provider_id(&provider),
                account_id: their_id,
                ..LinkedAccount::default()
            });
        }
    }

    let mut totp: HashMap<String, String> = HashMap::new();
    if !db.columns(AUTH, "mfa_factors").await?.is_empty() {
        let sql = format!(
            "SELECT {}, {} FROM {} WHERE {} = 'totp' AND {} = 'verified'",
            db.text(Some("user_id")),
            db.text(Some("secret")),
            db.table(AUTH, "mfa_factors"),
            db.text(Some("factor_type")),
            db.text(Some("status")),
        );
        for row in db.rows(&sql).await? {
            if let (Some(Some(user)), Some(Some(secret))) = (row.first(), row.get(1)) {
                totp.insert(user.clone(), secret.clone());
            }
        }
    }

    let mut entries = Vec::new();
    for row in db.rows(&user_sql).await? {
        let field = |i: usize| column(&row, i);
        let Some(id) = field(0) else {
            continue;
        };
        if field(10).is_some() {
            entries.push(Entry::rejected(id, "deleted in Supabase"));
            continue;
        }
        if field(11).as_deref() == Some("true") {
            entries.push(Entry::rejected(id, "an anonymous user"));
            continue;
        }
        let Some(email) = field(1).map(|e| normalize_email(&e)) else {
            entries.push(Entry::rejected(
                id,
                "no e-mail address: Portcullis users need one",
            ));
            continue;
        };
        let meta: Json = field(4)
            .and_then(|m| serde_json::from_str(&m).ok())
            .unwrap_or(Json::Null);
        let name = json_str(&meta, "full_name").or_else(|| json_str(&meta, "name"));
        let mut p = Person {
            name: name_or_local_part(name, &email),
            email_verified: field(3).is_some(),
            image: json_str(&meta, "avatar_url").or_else(|| json_str(&meta, "picture")),
            created_at: field(5).and_then(|t| parse_time(&t)),
            updated_at: field(6).and_then(|t| parse_time(&t)),
            phone: field(7).map(|number| Phone {
                number: if number.starts_with('+') {
                    number
                } else {
                    format!("+{number}")
                },
                verified: field(8).is_some(),
            }),
            // A ban until a date still to come; Portcullis's ban has no end date here.
            banned: field(9)
                .and_then(|t| parse_time(&t))
                .is_some_and(|t| t > now),
            accounts: accounts.remove(&id).unwrap_or_default(),
            email,
            ..Person::default()
        };
        if let Some(hash) = field(2) {
            match hashes::bcrypt(&hash) {
                Ok(stored) => p.password = Some(stored),
                Err(why) => p.password_not_carried = Some(why),
            }
        }
        if let Some(secret) = totp.remove(&id) {
            match totp_rs::Secret::Encoded(secret.to_uppercase()).to_bytes() {
                Ok(key) => p.totp_key = Some(key),
                Err(_) => {
                    p.totp_not_carried =
                        Some("has a TOTP factor whose secret is not base32; not imported".into())
                }
            }
        }
        p.id = id;
        entries.push(Entry::Person(Box::new(p)));
    }
    Ok(entries)
}
