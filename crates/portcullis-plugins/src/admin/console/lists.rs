//! What every console list reads from its query and adds to its rows, for the admin plugin's
//! sections and those other plugins bring (API keys, organizations, OAuth clients, the audit
//! log): the page size, text to look for, a user named by address or id, and users' addresses.

use std::collections::HashMap;

use portcullis_core::endpoint::AuthRequest;
use portcullis_core::{ApiError, AuthContext, users};
use portcullis_storage::{Query, Value, Where};

/// Rows per page when the caller does not say, and at most.
pub(crate) const DEFAULT_LIMIT: i64 = 25;
pub(crate) const MAX_LIMIT: i64 = 100;

/// A 400 `VALIDATION_ERROR` saying what is wrong with the query.
pub(crate) fn bad_query(message: &str) -> ApiError {
    ApiError::validation(message.to_owned())
}

/// `limit` as asked, within 1..=MAX_LIMIT; anything unreadable is a 400.
pub(crate) fn page_limit(req: &AuthRequest) -> Result<i64, ApiError> {
    match req.query_param("limit").filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| bad_query("limit must be a whole number from 1 to 100")),
    }
}

/// A query value as text to look for: at most 320 characters (an e-mail address's limit), no
/// control characters (PostgreSQL refuses a NUL in text); empty counts as absent.
pub(crate) fn text_query<'a>(
    req: &'a AuthRequest,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match req.query_param(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() <= 320 && !v.chars().any(char::is_control) => Ok(Some(v)),
        Some(_) => Err(bad_query(&format!(
            "{name} must be at most 320 characters, without control characters"
        ))),
    }
}

/// The user a filter names: an e-mail address (in any case) names whoever has it now, and
/// nobody has it gives `""`, which matches no row; anything else is taken as an id.
pub(crate) async fn user_named(ctx: &AuthContext, named: &str) -> Result<String, ApiError> {
    if !named.contains('@') {
        return Ok(named.to_owned());
    }
    Ok(users::find_user_by_email(ctx, named)
        .await?
        .and_then(|u| u.get("id").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default())
}

/// The e-mail address of each user `ids` names, by id, in one read; a deleted user is absent.
/// (A list, not any iterator: an iterator's closures held across the read would make the
/// handler's future not `Send` for every lifetime.)
pub(crate) async fn user_emails(
    ctx: &AuthContext,
    mut wanted: Vec<&str>,
) -> Result<HashMap<String, String>, ApiError> {
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = wanted.into_iter().map(Value::from).collect();
    let rows = ctx
        .adapter
        .find_many("user", &Query::filter(vec![Where::is_in("id", ids)]))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|u| {
            let id = u.get("id")?.as_str()?;
            let email = u.get("email")?.as_str()?;
            Some((id.to_owned(), email.to_owned()))
        })
        .collect())
}
