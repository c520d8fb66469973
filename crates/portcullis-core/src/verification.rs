//! One-time values in Better Auth's `verification` table: reset-password and delete-account
//! tokens, magic links, one-time codes.
//!
//! The random part of an identifier is stored hashed (`hash_token`), so a copy of the table
//! cannot be replayed. Consuming is atomic: the row is deleted, and only the request whose
//! delete removed it may use it. A redemption takes its row in the same transaction as its
//! effect, so a failure rolls the delete back and leaves the token usable.

use chrono::{DateTime, Duration, Utc};
use portcullis_storage::{Row, Store, Value, Where};

use crate::context::AuthContext;
use crate::crypto::token::{generate_id, hash_token};
use crate::error::ApiError;

/// `prefix` + the stored form of `token`, e.g. `reset-password:<hash>`.
pub fn identifier(prefix: &str, token: &str) -> String {
    format!("{prefix}{}", hash_token(token))
}

/// Inserts a verification row that expires after `expires_in` seconds.
pub async fn create(
    ctx: &AuthContext,
    store: &dyn Store,
    identifier: &str,
    value: &str,
    expires_in: i64,
) -> Result<(), ApiError> {
    create_until(
        ctx,
        store,
        identifier,
        value,
        ctx.now() + Duration::seconds(expires_in),
    )
    .await
}

/// Inserts a verification row that expires at `expires_at`.
pub async fn create_until(
    ctx: &AuthContext,
    store: &dyn Store,
    identifier: &str,
    value: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let now = ctx.now();
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("identifier".into(), identifier.into());
    row.insert("value".into(), value.into());
    row.insert("expiresAt".into(), expires_at.into());
    row.insert("createdAt".into(), now.into());
    row.insert("updatedAt".into(), now.into());
    store.create("verification", row).await?;
    Ok(())
}

/// Replaces every row for `identifier` by a new one (a fresh code cancels the previous one).
pub async fn replace(
    ctx: &AuthContext,
    store: &dyn Store,
    identifier: &str,
    value: &str,
    expires_in: i64,
) -> Result<(), ApiError> {
    store
        .delete_many("verification", &[Where::eq("identifier", identifier)])
        .await?;
    create(ctx, store, identifier, value, expires_in).await
}

/// A live row: its value and row id.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: String,
    pub value: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub expired: bool,
}

fn found(row: &Row, now: DateTime<Utc>) -> Option<Found> {
    let id = row.get("id").and_then(Value::as_str)?.to_owned();
    let value = row.get("value").and_then(Value::as_str)?.to_owned();
    let expires_at = row.get("expiresAt").and_then(Value::as_date);
    let expired = expires_at.is_none_or(|at| at <= now);
    Some(Found {
        id,
        value,
        expires_at,
        expired,
    })
}

/// The newest row for `identifier`, expired or not.
pub async fn find(
    ctx: &AuthContext,
    store: &dyn Store,
    identifier: &str,
) -> Result<Option<Found>, ApiError> {
    let rows = store
        .find_many(
            "verification",
            &portcullis_storage::Query::filter(vec![Where::eq("identifier", identifier)])
                .sort("createdAt", portcullis_storage::SortDirection::Desc)
                .limit(1),
        )
        .await?;
    Ok(rows.first().and_then(|r| found(r, ctx.now())))
}

/// Deletes the row with this id; true only for the one caller whose delete removed it.
pub async fn delete(store: &dyn Store, id: &str) -> Result<bool, ApiError> {
    Ok(store
        .delete_many("verification", &[Where::eq("id", id)])
        .await?
        == 1)
}

/// Takes a row found earlier (by `find`), usually in the transaction that applies its effect:
/// true only for the one caller whose delete removed it. Concurrent takers of the same row wait
/// for the first one's transaction and then find nothing to delete.
pub async fn take(store: &dyn Store, found: &Found) -> Result<bool, ApiError> {
    delete(store, &found.id).await
}
