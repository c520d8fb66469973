//! Firebase Auth: the JSON `firebase auth:export` writes. Password hashes are Firebase's scrypt
//! variant, checked with the project's hash parameters (its console's "Password hash
//! parameters": signer key, salt separator, rounds, memory cost).

use std::path::Path;

use portcullis_core::crypto::imported_hash::FirebaseHashConfig;
use serde_json::Value as Json;

use super::{json_str, read_file};
use crate::ImportError;
use crate::hashes;
use crate::person::{
    Entry, LinkedAccount, Person, Phone, name_or_local_part, normalize_email, parse_time,
    provider_id,
};

pub fn read(path: &Path, config: Option<&FirebaseHashConfig>) -> Result<Vec<Entry>, ImportError> {
    let text = read_file(path)?;
    let export: Json = serde_json::from_str(&text)
        .map_err(|e| ImportError::Input(format!("{}: not valid JSON: {e}", path.display())))?;
    let users = export["users"].as_array().ok_or_else(|| {
        ImportError::Input(format!(
            "{}: no \"users\" array (expected the JSON `firebase auth:export` writes)",
            path.display()
        ))
    })?;
    let has_passwords = users.iter().any(|u| u.get("passwordHash").is_some());
    if has_passwords && config.is_none() {
        return Err(ImportError::Input(
            "the export has password hashes: give the project's parameters with --hash-key, \
             --salt-separator, --rounds and --mem-cost (Firebase console: Authentication, \
             Users, Password hash parameters)"
                .into(),
        ));
    }
    Ok(users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let at = json_str(user, "localId").unwrap_or_else(|| format!("user {}", i + 1));
            match person(user, config) {
                Ok(p) => Entry::Person(Box::new(p)),
                Err(reason) => Entry::rejected(at, reason),
            }
        })
        .collect())
}

fn person(user: &Json, config: Option<&FirebaseHashConfig>) -> Result<Person, String> {
    let id = json_str(user, "localId").ok_or("no localId")?;
    let email = json_str(user, "email")
        .map(|e| normalize_email(&e))
        .ok_or("no e-mail address (a phone-only or anonymous user): Portcullis users need one")?;
    // Times are milliseconds, written as strings.
    let time = |field: &str| match &user[field] {
        Json::String(s) => parse_time(s),
        Json::Number(n) => n.as_i64().and_then(crate::person::millis),
        _ => None,
    };
    let mut p = Person {
        name: name_or_local_part(json_str(user, "displayName"), &email),
        email_verified: user["emailVerified"].as_bool().unwrap_or(false),
        image: json_str(user, "photoUrl"),
        created_at: time("createdAt"),
        phone: json_str(user, "phoneNumber").map(|number| Phone {
            number,
            // Firebase signs phone users in only through a code sent to the number.
            verified: true,
        }),
        banned: user["disabled"].as_bool().unwrap_or(false),
        id,
        email,
        ..Person::default()
    };
    if let (Some(hash), Some(config)) = (json_str(user, "passwordHash"), config) {
        let salt = json_str(user, "salt").unwrap_or_default();
        match hashes::firebase(config, &hash, &salt) {
            Ok(stored) => p.password = Some(stored),
            Err(why) => p.password_not_carried = Some(why),
        }
    }
    for info in user["providerUserInfo"].as_array().into_iter().flatten() {
        let provider = json_str(info, "providerId").unwrap_or_default();
        if matches!(provider.as_str(), "password" | "phone" | "") {
            continue;
        }
        if let Some(raw_id) = json_str(info, "rawId") {
            p.accounts.push(LinkedAccount {
                provider_id: provider_id(&provider),
                account_id: raw_id,
                ..LinkedAccount::default()
            });
        }
    }
    Ok(p)
}
