//! Auth0: its bulk user export (NDJSON, one user per line), and the password hashes file its
//! support sends on request (NDJSON, bcrypt), matched by the database identity's id.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

use super::{json_str, read_file};
use crate::ImportError;
use crate::hashes;
use crate::person::{
    Entry, LinkedAccount, Person, Phone, name_or_local_part, normalize_email, parse_time,
    provider_id,
};

pub fn read(users: &Path, passwords: Option<&Path>) -> Result<Vec<Entry>, ImportError> {
    let hashes = match passwords {
        Some(path) => password_hashes(path)?,
        None => HashMap::new(),
    };
    let text = read_file(users)?;
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("line {}", i + 1);
        let user: Json = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                entries.push(Entry::rejected(at, format!("not valid JSON: {e}")));
                continue;
            }
        };
        let at = json_str(&user, "user_id").unwrap_or(at);
        entries.push(match person(&user, &hashes) {
            Ok(p) => Entry::Person(Box::new(p)),
            Err(reason) => Entry::rejected(at, reason),
        });
    }
    Ok(entries)
}

/// The hashes file, by the database user's id (`_id.$oid`, and `alt_id` where a migration
/// gave the user another).
fn password_hashes(path: &Path) -> Result<HashMap<String, String>, ImportError> {
    let text = read_file(path)?;
    let mut hashes = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Json = serde_json::from_str(line).map_err(|e| {
            ImportError::Input(format!(
                "{} line {}: not valid JSON: {e}",
                path.display(),
                i + 1
            ))
        })?;
        let Some(hash) = json_str(&v, "passwordHash") else {
            continue;
        };
        if let Some(oid) = v["_id"]["$oid"].as_str() {
            hashes.insert(oid.to_owned(), hash.clone());
        }
        if let Some(alt) = json_str(&v, "alt_id") {
            hashes.insert(alt, hash);
        }
    }
    Ok(hashes)
}

fn person(user: &Json, hashes: &HashMap<String, String>) -> Result<Person, String> {
    let id = json_str(user, "user_id").ok_or("no user_id")?;
    let email = json_str(user, "email")
        .map(|e| normalize_email(&e))
        .ok_or("no e-mail address")?;
    let mut p = Person {
        name: name_or_local_part(json_str(user, "name"), &email),
        email_verified: user["email_verified"].as_bool().unwrap_or(false),
        image: json_str(user, "picture"),
        created_at: json_str(user, "created_at").and_then(|t| parse_time(&t)),
        updated_at: json_str(user, "updated_at").and_then(|t| parse_time(&t)),
        username: json_str(user, "username"),
        phone: json_str(user, "phone_number").map(|number| Phone {
            number,
            verified: user["phone_verified"].as_bool().unwrap_or(false),
        }),
        banned: user["blocked"].as_bool().unwrap_or(false),
        id,
        email,
        ..Person::default()
    };
    for identity in user["identities"].as_array().into_iter().flatten() {
        let provider = json_str(identity, "provider").unwrap_or_default();
        // Numeric ids (some social connections) come as numbers.
        let their_id = match &identity["user_id"] {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            _ => continue,
        };
        match provider.as_str() {
            "auth0" => {
                if let Some(hash) = hashes.get(&their_id) {
                    match hashes::bcrypt(hash) {
                        Ok(stored) => p.password = Some(stored),
                        Err(why) => p.password_not_carried = Some(why),
                    }
                }
            }
            // Passwordless connections: the address or number is the sign-in.
            "email" | "sms" => {}
            _ => p.accounts.push(LinkedAccount {
                provider_id: provider_id(&provider),
                account_id: their_id,
                ..LinkedAccount::default()
            }),
        }
    }
    Ok(p)
}
