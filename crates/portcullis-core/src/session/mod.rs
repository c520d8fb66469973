//! Sessions: creation, lookup by the signed cookie (with legacy plain tokens), refresh, the
//! signed `session_data` cookie cache, and the JSON shapes Better Auth returns.
//!
//! One job per module:
//! - `lookup`: the session a request carries, looked up in order: the cookie cache, the
//!   session cache, then the database (or secondary storage with `SESSION_STORE=secondary`);
//! - `cookie_cache`: the signed `session_data` cookie, encoded and decoded;
//! - `cache`: the session cache in secondary storage, and `DecodedRows` for its entries;
//! - `secondary_store`: sessions kept only in secondary storage (`SESSION_STORE=secondary`);
//! - `lifecycle`: session rows created, listed, refreshed, updated and ended;
//! - `cookies`: the cookies that carry a session, written and read back;
//! - `json`: the JSON shapes Better Auth returns for sessions and users.
//!
//! Everything public is re-exported here, so callers keep writing `session::lookup`,
//! `session::SessionWithUser`, `session::create_session` and so on.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use portcullis_storage::{Row, Value};

mod cache;
mod cookie_cache;
mod cookies;
mod json;
mod lifecycle;
mod lookup;
mod secondary_store;

pub(crate) use cache::{evict_sessions, evict_user};
pub use cookies::{dont_remember, session_cookies, token_from_cookies};
pub use json::{
    public_json, session_json, session_with_user_bytes, session_with_user_json, user_json,
};
pub use lifecycle::{
    Forget, NewSession, Sessions, create_session, create_session_with, delete_by_token, format_ip,
    list_user_sessions, refresh_if_due, update_fields,
};
pub(crate) use lifecycle::{delete_sessions, forget_in_database, forget_in_secondary};
pub use lookup::{Lookup, find_live, find_session_row, find_stored_session_row, lookup};

/// Whose session `/sign-out` just ended, in the request's state for after-hooks (a provider's
/// logout URL is built for that user's accounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOut {
    pub user_id: String,
}

/// Better Auth's own session fields: never set from API input (`/update-session` ignores them).
pub const CORE_SESSION_FIELDS: &[&str] = &[
    "expiresAt",
    "token",
    "createdAt",
    "updatedAt",
    "ipAddress",
    "userAgent",
    "userId",
];

/// A live session with its user. `token` is the raw token the client holds. The rows are
/// shared: a cached check hands out the rows it decoded earlier without copying them, and a
/// change (a refresh, an update) replaces or copies on write (`Arc::make_mut`).
#[derive(Debug, Clone)]
pub struct SessionWithUser {
    pub session: Arc<Row>,
    pub user: Arc<Row>,
    pub token: String,
    pub from_cookie_cache: bool,
}

impl SessionWithUser {
    pub fn id(&self) -> &str {
        self.session
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
    pub fn user_id(&self) -> &str {
        self.user
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.session.get("createdAt").and_then(Value::as_date)
    }
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.session.get("expiresAt").and_then(Value::as_date)
    }
}
