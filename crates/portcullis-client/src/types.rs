//! What a handler is given: Better Auth's user and session, as get-session shows them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Better Auth user. The fields of every deployment are typed; what plugins and
/// `additionalFields` add (`role`, `banned`, `phoneNumber`, `isAnonymous`, ...) is kept in
/// `extra`. A JWT whose claims were trimmed (`JWT_CLAIMS`) leaves the missing fields at their
/// defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Better Auth session. For an API key, the session get-session makes up for the key's
/// owner. `token` is the session's own secret: `Debug` does not show it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub user_id: String,
    #[serde(default)]
    pub token: String,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("ip_address", &self.ip_address)
            .field("user_agent", &self.user_agent)
            .field("extra", &self.extra)
            .finish()
    }
}

/// get-session's answer: `{session, user}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SessionAndUser {
    pub session: Session,
    pub user: User,
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The session cookie, checked with get-session.
    SessionCookie,
    /// `Authorization: Bearer <session token>` (the bearer plugin), checked with get-session.
    BearerToken,
    /// `Authorization: Bearer <JWT>`, verified here against the key set. A JWT stays valid
    /// until it expires, whatever happens to the session it was made from.
    Jwt,
    /// An API key header, checked with get-session (`API_KEY_ENABLE_SESSIONS=true`).
    ApiKey,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::SessionCookie => "session-cookie",
            Method::BearerToken => "bearer-token",
            Method::Jwt => "jwt",
            Method::ApiKey => "api-key",
        }
    }
}

/// Who a request is. `session` is `None` for a JWT, which names a user, not a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub user: User,
    pub session: Option<Session>,
    pub method: Method,
    /// A JWT's claims besides the user's fields (`iat`, `exp`, `iss`, `aud`, `sub`, ...).
    pub claims: Option<Map<String, Value>>,
}
