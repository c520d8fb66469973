//! Clerk: the dashboard's user export (CSV, the only export with password digests and TOTP
//! secrets) and/or users as the Backend API lists them (a JSON array, which adds creation
//! times, images and social accounts). Several files are joined by user id, in the order
//! users first appear.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

use super::{json_str, read_file};
use crate::ImportError;
use crate::hashes;
use crate::person::{
    Entry, LinkedAccount, Person, Phone, full_name, millis, name_or_local_part, normalize_email,
    provider_id,
};

/// What the files say about one user, before it becomes a [`Person`].
#[derive(Default)]
struct ClerkUser {
    at: String,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
    email: Option<String>,
    verified_emails: Vec<String>,
    phone: Option<String>,
    verified_phones: Vec<String>,
    totp_secret: Option<String>,
    digest: Option<String>,
    hasher: Option<String>,
    image: Option<String>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
    banned: bool,
    accounts: Vec<LinkedAccount>,
}

pub fn read(inputs: &[String]) -> Result<Vec<Entry>, ImportError> {
    let mut order: Vec<String> = Vec::new();
    let mut users: HashMap<String, ClerkUser> = HashMap::new();
    let mut entries = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        let text = read_file(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| input.clone());
        if text.trim_start().starts_with(['[', '{']) {
            read_json(&text, &name, &mut order, &mut users, &mut entries)?;
        } else {
            read_csv(&text, &name, &mut order, &mut users, &mut entries)?;
        }
    }
    for id in order {
        if let Some(user) = users.remove(&id) {
            let at = user.at.clone();
            entries.push(match person(id, user) {
                Ok(p) => Entry::Person(Box::new(p)),
                Err(reason) => Entry::rejected(at, reason),
            });
        }
    }
    Ok(entries)
}

fn user_entry<'u>(
    id: &str,
    at: String,
    order: &mut Vec<String>,
    users: &'u mut HashMap<String, ClerkUser>,
) -> &'u mut ClerkUser {
    users.entry(id.to_owned()).or_insert_with(|| {
        order.push(id.to_owned());
        ClerkUser {
            at,
            ..ClerkUser::default()
        }
    })
}

fn list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or_default()
        .split(['|', ',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn read_csv(
    text: &str,
    name: &str,
    order: &mut Vec<String>,
    users: &mut HashMap<String, ClerkUser>,
    entries: &mut Vec<Entry>,
) -> Result<(), ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Input(format!("{name}: no CSV header: {e}")))?
        .clone();
    if !headers.iter().any(|h| h == "id") {
        return Err(ImportError::Input(format!(
            "{name}: no `id` column (expected Clerk's user export)"
        )));
    }
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let at = format!("{name} line {}", i + 2);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                entries.push(Entry::rejected(at, format!("malformed CSV row: {e}")));
                continue;
            }
        };
        let field = |column: &str| {
            headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let Some(id) = field("id") else {
            entries.push(Entry::rejected(at, "no id"));
            continue;
        };
        let user = user_entry(id, at.clone(), order, users);
        let owned = |column: &str| field(column).map(str::to_owned);
        user.first_name = owned("first_name").or(user.first_name.take());
        user.last_name = owned("last_name").or(user.last_name.take());
        user.username = owned("username").or(user.username.take());
        user.email = owned("primary_email_address").or(user.email.take());
        user.verified_emails
            .extend(list(field("verified_email_addresses")));
        user.phone = owned("primary_phone_number").or(user.phone.take());
        user.verified_phones
            .extend(list(field("verified_phone_numbers")));
        user.totp_secret = owned("totp_secret").or(user.totp_secret.take());
        user.digest = owned("password_digest").or(user.digest.take());
        user.hasher = owned("password_hasher").or(user.hasher.take());
    }
    Ok(())
}

fn read_json(
    text: &str,
    name: &str,
    order: &mut Vec<String>,
    users: &mut HashMap<String, ClerkUser>,
    entries: &mut Vec<Entry>,
) -> Result<(), ImportError> {
    let doc: Json = serde_json::from_str(text)
        .map_err(|e| ImportError::Input(format!("{name}: not valid JSON: {e}")))?;
    // The Backend API's list is an array; paginated responses wrap it in `data`.
    let list = doc
        .as_array()
        .or_else(|| doc["data"].as_array())
        .ok_or_else(|| ImportError::Input(format!("{name}: expected an array of users")))?;
    for (i, u) in list.iter().enumerate() {
        let at = format!("{name} user {}", i + 1);
        let Some(id) = json_str(u, "id") else {
            entries.push(Entry::rejected(at, "no id"));
            continue;
        };
        let user = user_entry(&id, at, order, users);
        user.first_name = user.first_name.take().or(json_str(u, "first_name"));
        user.last_name = user.last_name.take().or(json_str(u, "last_name"));
        user.username = user.username.take().or(json_str(u, "username"));
        let (verified, primary) = identifications(
            u,
            "email_addresses",
            "email_address",
            "primary_email_address_id",
        );
        user.verified_emails.extend(verified);
        user.email = user.email.take().or(primary);
        let (verified, primary) = identifications(
            u,
            "phone_numbers",
            "phone_number",
            "primary_phone_number_id",
        );
        user.verified_phones.extend(verified);
        user.phone = user.phone.take().or(primary);
        // `has_image: false` means Clerk's generated default avatar, not the user's picture.
        if u["has_image"].as_bool() != Some(false) {
            user.image = user.image.take().or(json_str(u, "image_url"));
        }
        user.created_at = user.created_at.or(u["created_at"].as_i64());
        user.updated_at = user.updated_at.or(u["updated_at"].as_i64());
        user.banned |= u["banned"].as_bool().unwrap_or(false);
        user.digest = user.digest.take().or(json_str(u, "password_digest"));
        user.hasher = user.hasher.take().or(json_str(u, "password_hasher"));
        user.totp_secret = user.totp_secret.take().or(json_str(u, "totp_secret"));
        for external in u["external_accounts"].as_array().into_iter().flatten() {
            let (Some(provider), Some(their_id)) = (
                json_str(external, "provider"),
                json_str(external, "provider_user_id"),
            ) else {
                continue;
            };
            let linked = LinkedAccount {
                provider_id: provider_id(&provider),
                account_id: their_id,
                scope: json_str(external, "approved_scopes"),
                ..LinkedAccount::default()
            };
            if !user
                .accounts
                .iter()
                .any(|a| a.provider_id == linked.provider_id && a.account_id == linked.account_id)
            {
                user.accounts.push(linked);
            }
        }
    }
    Ok(())
}

/// A Backend API user's addresses or numbers (`list` of objects with `field`): the verified
/// ones, and the one `primary_field` names.
fn identifications(
    user: &Json,
    list: &str,
    field: &str,
    primary_field: &str,
) -> (Vec<String>, Option<String>) {
    let primary_id = json_str(user, primary_field);
    let (mut verified, mut primary) = (Vec::new(), None);
    for item in user[list].as_array().into_iter().flatten() {
        let Some(value) = json_str(item, field) else {
            continue;
        };
        if item["verification"]["status"].as_str() == Some("verified") {
            verified.push(value.clone());
        }
        if primary_id.is_some() && json_str(item, "id") == primary_id {
            primary = Some(value);
        }
    }
    (verified, primary)
}

fn person(id: String, user: ClerkUser) -> Result<Person, String> {
    let email = user
        .email
        .as_deref()
        .or(user.verified_emails.first().map(String::as_str))
        .map(normalize_email)
        .ok_or("no e-mail address: Portcullis users need one")?;
    let email_verified = user
        .verified_emails
        .iter()
        .any(|e| normalize_email(e) == email);
    let mut p = Person {
        name: name_or_local_part(Some(full_name(user.first_name, user.last_name)), &email),
        email_verified,
        image: user.image,
        created_at: user.created_at.and_then(millis),
        updated_at: user.updated_at.and_then(millis),
        phone: user.phone.map(|number| Phone {
            verified: user.verified_phones.contains(&number),
            number,
        }),
        username: user.username,
        banned: user.banned,
        accounts: user.accounts,
        id,
        email,
        ..Person::default()
    };
    if let Some(digest) = user.digest {
        let hasher = user.hasher.unwrap_or_else(|| "bcrypt".into());
        let converted = match hasher.as_str() {
            "bcrypt" => hashes::bcrypt(&digest),
            "argon2i" | "argon2id" => hashes::argon2(&digest),
            "pbkdf2_sha256" | "pbkdf2_sha256_django" | "pbkdf2_sha1" => {
                hashes::django_pbkdf2(&digest)
            }
            other => Err(format!("password hash format `{other}` is not supported")),
        };
        match converted {
            Ok(stored) => p.password = Some(stored),
            Err(why) => p.password_not_carried = Some(why),
        }
    }
    if let Some(secret) = user.totp_secret {
        match totp_rs::Secret::Encoded(secret.to_uppercase()).to_bytes() {
            Ok(key) => p.totp_key = Some(key),
            Err(_) => {
                p.totp_not_carried =
                    Some("has a TOTP secret that is not base32; not imported".into())
            }
        }
    }
    Ok(p)
}
