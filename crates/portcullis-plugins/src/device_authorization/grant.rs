//! Redeeming a device code (RFC 8628 §3.4-3.5): the polling state machine and the one-time
//! claim, in one place. `/device/token` uses it, and so may another token endpoint (an OpenID
//! provider's `/oauth2/token` with `grant_type=urn:ietf:params:oauth:grant-type:device_code`)
//! through [`redeem`].

use chrono::Duration;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Row, StorageError, Store, Value, Where, WhereOp};
use serde_json::json;

use super::store::{self, APPROVED, DENIED, PENDING, TABLE};

/// RFC 8628 §3.5: each `slow_down` adds 5 seconds to the interval the client must keep.
const SLOW_DOWN_STEP_MS: i64 = 5_000;

/// Why a device code gave no grant, as RFC 8628 §3.5 (and RFC 6749 §5.2) names it.
#[derive(Debug, thiserror::Error)]
pub enum DeviceGrantError {
    /// The user has not approved or denied yet: poll again after the interval.
    #[error("Authorization pending")]
    AuthorizationPending,
    /// Polled sooner than the interval allows; the interval is now 5 s longer.
    #[error("Polling too frequently")]
    SlowDown,
    /// The code outlived its lifetime; the device must start over.
    #[error("Device code has expired")]
    ExpiredToken,
    /// The user denied the request.
    #[error("Access denied")]
    AccessDenied,
    /// No such code, or it was already used.
    #[error("Invalid device code")]
    InvalidDeviceCode,
    /// The code was issued to another client.
    #[error("Client ID mismatch")]
    ClientMismatch,
    /// The client may not use the flow (`client_ids` in the settings).
    #[error("Invalid client ID")]
    InvalidClient,
    /// The row says neither pending, approved nor denied (never written by this server).
    #[error("Invalid device code status")]
    InvalidStatus,
    /// The database or the audit log failed; the code is left as it was.
    #[error("{0}")]
    Server(ApiError),
}

impl DeviceGrantError {
    /// The RFC 8628 `error` string.
    pub fn code(&self) -> &'static str {
        match self {
            DeviceGrantError::AuthorizationPending => "authorization_pending",
            DeviceGrantError::SlowDown => "slow_down",
            DeviceGrantError::ExpiredToken => "expired_token",
            DeviceGrantError::AccessDenied => "access_denied",
            DeviceGrantError::InvalidDeviceCode | DeviceGrantError::ClientMismatch => {
                "invalid_grant"
            }
            DeviceGrantError::InvalidClient => "invalid_client",
            DeviceGrantError::InvalidStatus | DeviceGrantError::Server(_) => "server_error",
        }
    }

    /// The HTTP status of the error answer: 400 for every RFC 8628 error, as Better Auth.
    pub fn status(&self) -> u16 {
        match self {
            DeviceGrantError::InvalidStatus => 500,
            DeviceGrantError::Server(e) => e.status,
            _ => 400,
        }
    }

    /// `{error, error_description}`, never cached.
    pub fn to_response(&self) -> AuthResponse {
        let description = match self {
            // The database's own words stay in the log.
            DeviceGrantError::Server(e) => e
                .message
                .as_deref()
                .unwrap_or("Internal server error")
                .to_owned(),
            other => other.to_string(),
        };
        rfc_error(self.status(), self.code(), &description)
    }
}

impl From<StorageError> for DeviceGrantError {
    fn from(e: StorageError) -> Self {
        DeviceGrantError::Server(e.into())
    }
}

impl From<ApiError> for DeviceGrantError {
    fn from(e: ApiError) -> Self {
        DeviceGrantError::Server(e)
    }
}

/// An OAuth error body, as Better Auth's device endpoints answer: `{error, error_description}`.
pub fn rfc_error(status: u16, error: &str, description: &str) -> AuthResponse {
    let mut res = AuthResponse::json(json!({"error": error, "error_description": description}));
    res.status = status;
    res.no_store()
}

/// What an approved device code grants: whose it is and the scopes asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedDevice {
    pub user_id: String,
    pub scope: Vec<String>,
}

/// A code that passed every check and may now be claimed (`consume_in`).
pub(crate) struct Claimable {
    row: Row,
    pub user: Row,
}

/// Redeems `device_code` for `client_id`: the RFC 8628 answers while it is pending, too early,
/// expired or denied, and once approved, the grant. The code is used up in that same call
/// (one transaction with its audit event), so of two concurrent redemptions one wins and the
/// other gets `invalid_grant`.
pub async fn redeem(
    ctx: &AuthContext,
    req: &AuthRequest,
    device_code: &str,
    client_id: &str,
) -> Result<ApprovedDevice, DeviceGrantError> {
    let claimable = check(ctx, device_code, client_id).await?;
    let writes = audit::writes(ctx).await?;
    let approved = consume_in(ctx, req, writes.store(), &claimable, client_id).await?;
    writes.commit().await?;
    Ok(approved)
}

/// The polling state machine, Better Auth's order: the code, its client, the interval (a poll
/// too soon answers `slow_down`, lengthens the interval and does not count as a poll), the
/// poll recorded, then expiry, pending, denied. Its writes (the poll, the deletion of a dead
/// code) stand whatever the answer, so they are made directly, before any transaction.
pub(crate) async fn check(
    ctx: &AuthContext,
    device_code: &str,
    client_id: &str,
) -> Result<Claimable, DeviceGrantError> {
    let db = ctx.adapter.as_ref();
    let Some(row) = store::find_by_device_code(db, device_code).await? else {
        return Err(DeviceGrantError::InvalidDeviceCode);
    };
    let id = store::id(&row).to_owned();
    if let Some(issued_to) = store::text(&row, "clientId")
        && issued_to != client_id
    {
        return Err(DeviceGrantError::ClientMismatch);
    }
    let now = ctx.now();
    let interval_ms = row.get("pollingInterval").and_then(Value::as_int);
    if let (Some(last), Some(interval)) = (
        row.get("lastPolledAt").and_then(Value::as_date),
        interval_ms,
    ) && now - last < Duration::milliseconds(interval)
    {
        let longer = Row::from([(
            "pollingInterval".to_owned(),
            Value::Int(interval.saturating_add(SLOW_DOWN_STEP_MS)),
        )]);
        // Guarded by the interval read, so two early polls add 5 s each, not one over the other.
        db.update_many(
            TABLE,
            &[
                Where::eq("id", id.as_str()),
                Where::eq("pollingInterval", interval),
            ],
            longer,
        )
        .await?;
        return Err(DeviceGrantError::SlowDown);
    }
    db.update_many(
        TABLE,
        &[Where::eq("id", id.as_str())],
        Row::from([("lastPolledAt".to_owned(), Value::Date(now))]),
    )
    .await?;
    let expired = row
        .get("expiresAt")
        .and_then(Value::as_date)
        .is_none_or(|at| at < now);
    if expired {
        db.delete_many(TABLE, &[Where::eq("id", id.as_str())])
            .await?;
        return Err(DeviceGrantError::ExpiredToken);
    }
    match store::text(&row, "status") {
        Some(PENDING) => return Err(DeviceGrantError::AuthorizationPending),
        Some(DENIED) => {
            db.delete_many(TABLE, &[Where::eq("id", id.as_str())])
                .await?;
            return Err(DeviceGrantError::AccessDenied);
        }
        Some(APPROVED) => {}
        _ => return Err(DeviceGrantError::InvalidStatus),
    }
    let Some(user_id) = store::text(&row, "userId") else {
        return Err(DeviceGrantError::InvalidStatus);
    };
    let Some(user) = db.find_one("user", &[Where::eq("id", user_id)]).await? else {
        // The approving account was deleted since: nobody is left to grant.
        db.delete_many(TABLE, &[Where::eq("id", id.as_str())])
            .await?;
        return Err(DeviceGrantError::InvalidDeviceCode);
    };
    Ok(Claimable { row, user })
}

/// Uses the checked code up, through `store` (the caller's transaction), with its audit
/// event: only the request whose delete removed the row gets the grant.
pub(crate) async fn consume_in(
    ctx: &AuthContext,
    req: &AuthRequest,
    store: &dyn Store,
    claimable: &Claimable,
    client_id: &str,
) -> Result<ApprovedDevice, DeviceGrantError> {
    let row = &claimable.row;
    let id = store::id(row);
    let mut guard = vec![Where::eq("id", id), Where::eq("status", APPROVED)];
    if store::text(row, "clientId").is_some() {
        guard.push(Where::eq("clientId", client_id));
    }
    guard.push(Where::op("expiresAt", WhereOp::Gte, ctx.now()));
    if store.delete_many(TABLE, &guard).await? == 0 {
        return Err(DeviceGrantError::InvalidDeviceCode);
    }
    let user_id = store::text(row, "userId").unwrap_or_default().to_owned();
    let scope: Vec<String> = store::text(row, "scope")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if audit::enabled(ctx) {
        // The device asks on the user's behalf: the user who approved is the actor.
        let event = AuditEvent::new("device_authorization.grant")
            .from_request(req)
            .actor(user_id.as_str())
            .target_user(user_id.as_str())
            .target("deviceCode", id)
            .detail("clientId", client_id)
            .detail("scope", scope.join(" "));
        audit::record(ctx, store, event).await?;
    }
    Ok(ApprovedDevice { user_id, scope })
}
