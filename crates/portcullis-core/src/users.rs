//! User and account helpers shared by the core routes and plugins.

use portcullis_storage::{FieldType, Row, Store, Table, Value, Where};
use serde_json::Map;
use unicode_normalization::UnicodeNormalization;

use crate::context::AuthContext;
use crate::crypto::token::generate_id;
use crate::error::{ApiError, codes};
use crate::validate::received;

/// Better Auth stores emails lower-cased; 1.7.25 also NFC-normalises them.
pub fn normalize_email(email: &str) -> String {
    email.trim().nfc().collect::<String>().to_lowercase()
}

pub async fn find_user_by_email(ctx: &AuthContext, email: &str) -> Result<Option<Row>, ApiError> {
    find_user_by_email_in(ctx.adapter.as_ref(), email).await
}

/// `find_user_by_email` through `store`: inside a transaction, its own connection.
pub async fn find_user_by_email_in(
    store: &dyn portcullis_storage::Store,
    email: &str,
) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one("user", &[Where::eq("email", normalize_email(email))])
        .await?)
}

pub async fn find_user(ctx: &AuthContext, id: &str) -> Result<Option<Row>, ApiError> {
    Ok(ctx.adapter.find_one("user", &[Where::eq("id", id)]).await?)
}

/// The `providerId` of the account that holds a user's password.
pub const CREDENTIAL_PROVIDER: &str = "credential";

/// The `credential` account (email and password) of a user.
pub async fn credential_account(store: &dyn Store, user_id: &str) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one(
            "account",
            &[
                Where::eq("userId", user_id),
                Where::eq("providerId", CREDENTIAL_PROVIDER),
            ],
        )
        .await?)
}

pub fn check_password_length(ctx: &AuthContext, password: &str) -> Result<(), ApiError> {
    if length_for_minimum(password) < ctx.config.password_min_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_SHORT));
    }
    // Better Auth counts JS string length (UTF-16 units).
    if password.encode_utf16().count() > ctx.config.password_max_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_LONG));
    }
    Ok(())
}

/// A password's length as the minimum sees it: UTF-16 units as Better Auth counts, but with every
/// run of whitespace counted once (ASVS V2.1.1), so twelve spaces do not make a long password.
fn length_for_minimum(password: &str) -> usize {
    let mut len = 0;
    let mut in_space = false;
    for c in password.chars() {
        let space = c.is_whitespace();
        if !(space && in_space) {
            len += c.len_utf16();
        }
        in_space = space;
    }
    len
}

/// Refuses a new password known from breaches (`PASSWORD_BREACH_CHECK`): `400
/// PASSWORD_COMPROMISED`, or `503 PASSWORD_CHECK_UNAVAILABLE` when the range API is down and
/// `HIBP_ON_ERROR=refuse`. Every place a password is chosen calls it where Better Auth's plugin
/// would refuse it, that is where Better Auth hashes the new password: after the length checks,
/// before anything is written or a reset token or code is spent. Sign-in never calls it.
pub async fn refuse_breached_password(ctx: &AuthContext, password: &str) -> Result<(), ApiError> {
    match ctx.breach_checker.is_breached(password, &ctx.metrics).await {
        Ok(false) => Ok(()),
        Ok(true) => Err(ApiError::bad_request(codes::PASSWORD_COMPROMISED)),
        Err(_) => Err(ApiError::new(503, codes::PASSWORD_CHECK_UNAVAILABLE)),
    }
}

fn truthy(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => false,
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        serde_json::Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Converts API input for a schema field, with zod-style messages on a wrong type.
fn input_value(field: &str, ty: FieldType, v: &serde_json::Value) -> Result<Value, ApiError> {
    let wrong = |expected: &str| {
        ApiError::validation(format!(
            "[body.{field}] Invalid input: expected {expected}, received {}",
            received(Some(v))
        ))
    };
    Ok(match (ty, v) {
        (_, serde_json::Value::Null) => Value::Null,
        (FieldType::String, serde_json::Value::String(s)) => {
            if crate::validate::longer_than(s, ADDITIONAL_STRING_MAX_CHARS) {
                return Err(ApiError::validation(crate::validate::too_big(
                    &format!("[body.{field}]"),
                    ADDITIONAL_STRING_MAX_CHARS,
                )));
            }
            Value::String(s.clone())
        }
        (FieldType::String, _) => return Err(wrong("string")),
        (FieldType::Boolean, serde_json::Value::Bool(b)) => Value::Bool(*b),
        (FieldType::Boolean, _) => return Err(wrong("boolean")),
        (FieldType::Number, serde_json::Value::Number(n)) => {
            Value::Int(n.as_i64().ok_or_else(|| wrong("integer"))?)
        }
        (FieldType::Number, _) => return Err(wrong("number")),
        (FieldType::Date, serde_json::Value::String(s)) => {
            Value::Date(portcullis_storage::value::parse_date(s).ok_or_else(|| wrong("date"))?)
        }
        (FieldType::Date, _) => return Err(wrong("date")),
        (FieldType::Json, other) => {
            if other.to_string().len() > ADDITIONAL_JSON_MAX_BYTES {
                return Err(ApiError::validation(format!(
                    "[body.{field}] Too big: expected JSON of at most {ADDITIONAL_JSON_MAX_BYTES} bytes"
                )));
            }
            Value::Json(other.clone())
        }
    })
}

fn field_not_allowed(name: &str) -> ApiError {
    ApiError::with_message(
        400,
        codes::FIELD_NOT_ALLOWED,
        format!("{name} is not allowed to be set"),
    )
}

/// Better Auth's first input rule alone, on create: a truthy value for an `input:false` non-core
/// field is refused (`FIELD_NOT_ALLOWED`), unless the field has a default, which then silently
/// wins (Better Auth's `parseInputData`: `isAnonymous`, `twoFactorEnabled`, `banned`).
/// `additional_input` applies it too.
pub fn check_input_allowed(
    table: &Table,
    core: &[&str],
    body: &Map<String, serde_json::Value>,
) -> Result<(), ApiError> {
    for f in table
        .fields
        .iter()
        .filter(|f| !f.input && f.default.is_none() && !core.contains(&f.name.as_str()))
    {
        if body.get(&f.name).is_some_and(truthy) {
            return Err(field_not_allowed(&f.name));
        }
    }
    Ok(())
}

/// Applies Better Auth's input rules for the non-core fields of a table: a truthy value for an
/// `input:false` field is refused (on create, only where the field has no default: the default
/// is taken instead); unknown keys are ignored; values are type-checked.
pub fn additional_input(
    table: &Table,
    core: &[&str],
    body: &Map<String, serde_json::Value>,
    creating: bool,
) -> Result<Row, ApiError> {
    let mut row = Row::new();
    for f in table
        .fields
        .iter()
        .filter(|f| !core.contains(&f.name.as_str()))
    {
        match body.get(&f.name) {
            Some(_) if !f.input && creating && f.default.is_some() => {}
            Some(v) if !f.input && truthy(v) => return Err(field_not_allowed(&f.name)),
            Some(_) if !f.input => {}
            Some(v) => {
                let value = input_value(&f.name, f.ty, v)?;
                if value.is_null() && f.required {
                    return Err(ApiError::validation(format!(
                        "[body.{}] Invalid input: expected {}, received null",
                        f.name,
                        f.ty.name()
                    )));
                }
                row.insert(f.name.clone(), value);
            }
            None => {}
        }
        if creating && !row.contains_key(&f.name) {
            match &f.default {
                Some(d) => {
                    row.insert(f.name.clone(), d.clone());
                }
                None if f.required => {
                    return Err(ApiError::validation(format!(
                        "[body.{}] Invalid input: expected {}, received undefined",
                        f.name,
                        f.ty.name()
                    )));
                }
                None => {
                    row.insert(f.name.clone(), Value::Null);
                }
            }
        }
    }
    Ok(row)
}

/// An administrator's values for a user's fields (admin create-user `data`, update-user): any
/// field of the user table but `id`, `createdAt` and `updatedAt`, typed as sign-up input is,
/// with the `input:false` rule lifted (an administrator sets roles and bans). Unknown keys are
/// ignored, as Better Auth's adapter ignores them.
pub fn admin_input(table: &Table, body: &Map<String, serde_json::Value>) -> Result<Row, ApiError> {
    let mut row = Row::new();
    for f in &table.fields {
        if matches!(f.name.as_str(), "id" | "createdAt" | "updatedAt") {
            continue;
        }
        let Some(v) = body.get(&f.name) else {
            continue;
        };
        let value = input_value(&f.name, f.ty, v)?;
        if value.is_null() && f.required {
            return Err(ApiError::validation(format!(
                "[body.{}] Invalid input: expected {}, received null",
                f.name,
                f.ty.name()
            )));
        }
        row.insert(f.name.clone(), value);
    }
    Ok(row)
}

/// The most characters a user's `name` may have. Keycloak's profile fields allow 255; the
/// cookie cache and e-mail templates stay small with it.
pub const NAME_MAX_CHARS: usize = 256;
/// The most characters of a user's `image` URL (what browsers and CDNs reliably accept).
pub const IMAGE_MAX_CHARS: usize = 2048;
/// The most characters of an e-mail address (RFC 5321's path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// The most characters of an additional string field, for the user or the session.
pub const ADDITIONAL_STRING_MAX_CHARS: usize = 1024;
/// The most bytes of an additional JSON field, serialised.
pub const ADDITIONAL_JSON_MAX_BYTES: usize = 4096;

pub const CORE_USER_FIELDS: &[&str] = &[
    "name",
    "email",
    "emailVerified",
    "image",
    "createdAt",
    "updatedAt",
];

/// A new user row from sign-up input.
pub fn new_user_row(
    ctx: &AuthContext,
    name: &str,
    email: &str,
    image: Option<&str>,
    body: &Map<String, serde_json::Value>,
) -> Result<Row, ApiError> {
    let extra = additional_input(ctx.user_table(), CORE_USER_FIELDS, body, true)?;
    let now = ctx.now();
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("name".into(), name.into());
    row.insert("email".into(), normalize_email(email).into());
    row.insert("emailVerified".into(), false.into());
    row.insert("image".into(), image.map(str::to_owned).into());
    row.insert("createdAt".into(), now.into());
    row.insert("updatedAt".into(), now.into());
    row.extend(extra);
    Ok(row)
}

/// Lets each plugin fill fields of a user this request is about to create (`Plugin::prepare_user`).
pub fn prepare_user(ctx: &AuthContext, req: &crate::endpoint::AuthRequest, user: &mut Row) {
    for p in ctx.plugins.iter() {
        p.prepare_user(ctx, req, user);
    }
}

pub fn credential_account_row(ctx: &AuthContext, user_id: &str, password_hash: String) -> Row {
    let now = ctx.now();
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("accountId".into(), user_id.into());
    row.insert("providerId".into(), "credential".into());
    row.insert("userId".into(), user_id.into());
    row.insert("password".into(), password_hash.into());
    row.insert("createdAt".into(), now.into());
    row.insert("updatedAt".into(), now.into());
    row
}

/// Replaces a verified password's stored hash with the current default, best effort.
pub async fn rehash_password(ctx: &AuthContext, account_id: &str, password: &str) {
    let Ok(hash) = ctx.hasher.hash(password).await else {
        return;
    };
    let mut set = Row::new();
    set.insert("password".into(), hash.into());
    if let Err(e) = ctx
        .adapter
        .update_many("account", &[Where::eq("id", account_id)], set)
        .await
    {
        tracing::warn!(error = %e, "password rehash failed");
    }
}

/// Verifies a user's password against their credential account. `Ok(None)` when they have none.
pub async fn verify_user_password(
    ctx: &AuthContext,
    user_id: &str,
    password: &str,
) -> Result<Option<bool>, ApiError> {
    let Some(account) = credential_account(ctx.adapter.as_ref(), user_id).await? else {
        return Ok(None);
    };
    let Some(stored) = account.get("password").and_then(Value::as_str) else {
        return Ok(None);
    };
    let v = ctx
        .hasher
        .verify(password, stored)
        .await
        .map_err(|_| ApiError::internal())?;
    if v.ok
        && v.needs_rehash
        && let Some(id) = account.get("id").and_then(Value::as_str)
    {
        rehash_password(ctx, id, password).await;
    }
    Ok(Some(v.ok))
}

#[cfg(test)]
mod tests {
    use super::length_for_minimum;

    #[test]
    fn runs_of_spaces_count_once_toward_the_minimum() {
        assert_eq!(length_for_minimum("correct horse"), 13);
        assert_eq!(length_for_minimum(&format!("a{}", " ".repeat(11))), 2);
        assert_eq!(length_for_minimum("a  b\t\n c"), 5);
        // Characters outside the BMP count as two units, as in JavaScript.
        assert_eq!(length_for_minimum("😀😀"), 4);
    }
}
