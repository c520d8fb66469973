//! Keycloak: a realm export (`kc.sh export`, or the admin console's partial export with users),
//! or one of the `<realm>-users-<n>.json` files a directory export writes. Passwords are
//! PBKDF2 (or argon2 from Keycloak 24); OTP credentials carry the TOTP key.

use std::path::Path;

use serde_json::Value as Json;

use super::{json_str, read_file};
use crate::ImportError;
use crate::hashes;
use crate::person::{
    Entry, LinkedAccount, Person, full_name, millis, name_or_local_part, normalize_email,
};

pub fn read(path: &Path) -> Result<Vec<Entry>, ImportError> {
    let text = read_file(path)?;
    let export: Json = serde_json::from_str(&text)
        .map_err(|e| ImportError::Input(format!("{}: not valid JSON: {e}", path.display())))?;
    let users = export["users"]
        .as_array()
        .or_else(|| export.as_array())
        .ok_or_else(|| {
            ImportError::Input(format!(
                "{}: no \"users\" array (export the realm with its users)",
                path.display()
            ))
        })?;
    Ok(users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let at = json_str(user, "id").unwrap_or_else(|| format!("user {}", i + 1));
            match person(user) {
                Ok(p) => Entry::Person(Box::new(p)),
                Err(reason) => Entry::rejected(at, reason),
            }
        })
        .collect())
}

fn person(user: &Json) -> Result<Person, String> {
    let id = json_str(user, "id").ok_or("no id")?;
    if json_str(user, "serviceAccountClientId").is_some() {
        return Err("a client's service account, not a person".into());
    }
    let email = json_str(user, "email")
        .map(|e| normalize_email(&e))
        .ok_or("no e-mail address: Portcullis users need one")?;
    let mut p = Person {
        name: name_or_local_part(
            Some(full_name(
                json_str(user, "firstName"),
                json_str(user, "lastName"),
            )),
            &email,
        ),
        email_verified: user["emailVerified"].as_bool().unwrap_or(false),
        created_at: user["createdTimestamp"].as_i64().and_then(millis),
        username: json_str(user, "username"),
        banned: user["enabled"].as_bool() == Some(false),
        id,
        email,
        ..Person::default()
    };
    for credential in user["credentials"].as_array().into_iter().flatten() {
        let secret = json_str(credential, "secretData").unwrap_or_default();
        let data = json_str(credential, "credentialData").unwrap_or_default();
        match credential["type"].as_str() {
            Some("password") => match hashes::keycloak(&secret, &data) {
                Ok(stored) => p.password = Some(stored),
                Err(why) => p.password_not_carried = Some(why),
            },
            Some("otp") => match totp_key(&secret, &data) {
                Ok(key) => p.totp_key = Some(key),
                Err(why) => p.totp_not_carried = Some(why),
            },
            _ => {}
        }
    }
    for identity in user["federatedIdentities"].as_array().into_iter().flatten() {
        if let (Some(provider), Some(their_id)) = (
            json_str(identity, "identityProvider"),
            json_str(identity, "userId"),
        ) {
            p.accounts.push(LinkedAccount {
                provider_id: provider,
                account_id: their_id,
                ..LinkedAccount::default()
            });
        }
    }
    Ok(p)
}

/// The HMAC key of an OTP credential: its `value` is text whose UTF-8 bytes are the key, or
/// base32 when `secretEncoding` says so. Portcullis's TOTP is SHA-1, six digits, 30 seconds.
fn totp_key(secret_data: &str, credential_data: &str) -> Result<Vec<u8>, String> {
    let not_carried = |why: &str| format!("has an OTP credential, not imported: {why}");
    let secret: Json =
        serde_json::from_str(secret_data).map_err(|_| not_carried("secretData is not JSON"))?;
    let data: Json = serde_json::from_str(credential_data)
        .map_err(|_| not_carried("credentialData is not JSON"))?;
    if data["subType"].as_str() != Some("totp") {
        return Err(not_carried("counter-based (HOTP) codes are not supported"));
    }
    let digits = data["digits"].as_u64().unwrap_or(6);
    let period = data["period"].as_u64().unwrap_or(30);
    let algorithm = data["algorithm"].as_str().unwrap_or("HmacSHA1");
    if digits != 6 || period != 30 || algorithm != "HmacSHA1" {
        return Err(not_carried(&format!(
            "{digits} digits every {period} s with {algorithm}; Portcullis uses 6 digits, 30 s, SHA-1"
        )));
    }
    let value = json_str(&secret, "value").ok_or_else(|| not_carried("no secret value"))?;
    if data["secretEncoding"].as_str() == Some("BASE32") {
        return totp_rs::Secret::Encoded(value.to_uppercase())
            .to_bytes()
            .map_err(|_| not_carried("the base32 secret does not decode"));
    }
    Ok(value.into_bytes())
}
