//! Access and refresh tokens (Better Auth's `oauthAccessToken` and `oauthRefreshToken`), and
//! ID tokens.
//!
//! Access and refresh tokens are opaque random strings stored as base64url(SHA-256), as Better
//! Auth's `storeTokens: "hashed"`: a copy of the tables cannot be replayed. A refresh rotates:
//! the old token is marked `revoked` and a new one issued; presenting a revoked one again means
//! two parties hold it, so the whole family (every token of that client for that user) is
//! revoked (OAuth 2.0 Security BCP §4.14.2).

use chrono::{DateTime, Duration, Utc};
use portcullis_core::crypto::token::{generate_id, hash_token};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Row, Store, Value, Where};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256, Sha512};

use super::clients::json_strings;
use super::{issuer, plugin};
use crate::jwt::KeyAlgorithm;

pub const ACCESS: &str = "oauthAccessToken";
pub const REFRESH: &str = "oauthRefreshToken";

/// Who a token was issued to and for what.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue<'a> {
    pub client_id: &'a str,
    /// `None` for the client-credentials grant: the client acts for itself.
    pub user_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub scopes: &'a [String],
    pub authorization_code_id: Option<&'a str>,
    pub auth_time: Option<i64>,
}

/// A stored token found by its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub id: String,
    pub client_id: String,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
    /// Revoked by a refresh that replaced it (a second use is a replay), not by a revocation.
    pub rotated: bool,
    pub auth_time: Option<i64>,
    pub authorization_code_id: Option<String>,
}

impl Stored {
    fn from_row(row: &Row) -> Option<Self> {
        let text = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
        let scopes = super::clients::strings(row.get("scopes")).unwrap_or_default();
        Some(Stored {
            id: text("id")?,
            client_id: text("clientId")?,
            user_id: text("userId"),
            session_id: text("sessionId"),
            scopes,
            created_at: row.get("createdAt").and_then(Value::as_date)?,
            expires_at: row.get("expiresAt").and_then(Value::as_date)?,
            revoked: row.get("revoked").and_then(Value::as_date).is_some(),
            rotated: row.get("rotatedAt").and_then(Value::as_date).is_some(),
            auth_time: row
                .get("authTime")
                .and_then(Value::as_date)
                .map(|d| d.timestamp()),
            authorization_code_id: text("authorizationCodeId"),
        })
    }

    pub fn active(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.expires_at > now
    }

    /// Active, and, unless `OIDC_TOKENS_OUTLIVE_SESSIONS`, the session it was issued under still
    /// lives: a session that expired (and was never ended, so no hook ran) takes its tokens with
    /// it the moment they are next used (ASVS V3.3.1). Sessions kept only in secondary storage
    /// cannot be looked up by id; there, ending a session is what ends its tokens.
    pub async fn live(&self, ctx: &AuthContext) -> Result<bool, ApiError> {
        let now = ctx.now();
        if !self.active(now) {
            return Ok(false);
        }
        let Some(session_id) = &self.session_id else {
            return Ok(true);
        };
        if plugin(ctx).settings.tokens_outlive_sessions || ctx.config.session.store_in_secondary {
            return Ok(true);
        }
        let session = ctx
            .adapter
            .find_one("session", &[Where::eq("id", session_id.as_str())])
            .await?;
        Ok(session
            .and_then(|s| s.get("expiresAt").and_then(Value::as_date))
            .is_some_and(|expires| expires > now))
    }
}

pub async fn find(store: &dyn Store, table: &str, token: &str) -> Result<Option<Stored>, ApiError> {
    Ok(store
        .find_one(table, &[Where::eq("token", hash_token(token))])
        .await?
        .as_ref()
        .and_then(Stored::from_row))
}

fn base_row(ctx: &AuthContext, issue: &Issue<'_>, token: &str, ttl: i64) -> Row {
    let now = ctx.now();
    let opt = |v: Option<&str>| v.map_or(Value::Null, Value::from);
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("token".into(), hash_token(token).into());
    row.insert("clientId".into(), issue.client_id.into());
    row.insert("sessionId".into(), opt(issue.session_id));
    row.insert("userId".into(), opt(issue.user_id));
    row.insert(
        "authorizationCodeId".into(),
        opt(issue.authorization_code_id),
    );
    row.insert("scopes".into(), json_strings(issue.scopes));
    row.insert("createdAt".into(), now.into());
    row.insert("expiresAt".into(), (now + Duration::seconds(ttl)).into());
    row
}

/// A new access token, and for a user with `offline_access` a refresh token: (access, refresh).
pub async fn issue(
    ctx: &AuthContext,
    store: &dyn Store,
    issue: &Issue<'_>,
    with_refresh: bool,
) -> Result<(String, Option<String>), ApiError> {
    let settings = &plugin(ctx).settings;
    let mut refresh_id = None;
    let refresh = if with_refresh && issue.user_id.is_some() {
        let token = generate_id(48);
        let mut row = base_row(ctx, issue, &token, settings.refresh_token_ttl);
        row.insert(
            "authTime".into(),
            issue
                .auth_time
                .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                .map_or(Value::Null, Value::from),
        );
        refresh_id = row.get("id").cloned();
        store.create(REFRESH, row).await?;
        Some(token)
    } else {
        None
    };
    let access = generate_id(48);
    let mut row = base_row(ctx, issue, &access, settings.access_token_ttl);
    row.insert("refreshId".into(), refresh_id.unwrap_or(Value::Null));
    store.create(ACCESS, row).await?;
    Ok((access, refresh))
}

/// Marks a refresh token used, once: true only for the one request whose update changed it.
pub async fn rotate_out(ctx: &AuthContext, store: &dyn Store, id: &str) -> Result<bool, ApiError> {
    let now = ctx.now();
    let mut set = Row::new();
    set.insert("revoked".into(), now.into());
    set.insert("rotatedAt".into(), now.into());
    Ok(store
        .update_many(
            REFRESH,
            &[Where::eq("id", id), Where::eq("revoked", Value::Null)],
            set,
        )
        .await?
        == 1)
}

fn revoked_now(ctx: &AuthContext) -> Row {
    let mut set = Row::new();
    set.insert("revoked".into(), ctx.now().into());
    set
}

/// Revokes every token a client holds for a user.
pub async fn revoke_family(
    ctx: &AuthContext,
    store: &dyn Store,
    client_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let whose = [
        Where::eq("clientId", client_id),
        Where::eq("userId", user_id),
    ];
    store.update_many(REFRESH, &whose, revoked_now(ctx)).await?;
    store.update_many(ACCESS, &whose, revoked_now(ctx)).await?;
    Ok(())
}

/// Revokes the tokens issued under sessions that ended, or, when all of the user's sessions
/// ended, every token of the user: a sign-out everywhere, a ban or a password reset leaves no
/// relying party signed in.
pub async fn revoke_for_sessions(
    ctx: &AuthContext,
    store: &dyn Store,
    ended: &portcullis_core::plugin::EndedSessions<'_>,
) -> Result<(), ApiError> {
    let live = Where::eq("revoked", Value::Null);
    let which = if ended.all {
        vec![Where::eq("userId", ended.user_id), live]
    } else {
        let ids: Vec<Value> = ended
            .session_ids
            .iter()
            .map(|id| Value::from(id.as_str()))
            .collect();
        vec![Where::is_in("sessionId", ids), live]
    };
    store.update_many(REFRESH, &which, revoked_now(ctx)).await?;
    store.update_many(ACCESS, &which, revoked_now(ctx)).await?;
    Ok(())
}

/// Revokes what an authorization code issued (it was replayed).
pub async fn revoke_for_code(ctx: &AuthContext, code_id: &str) -> Result<(), ApiError> {
    let store = ctx.adapter.as_ref();
    let which = [Where::eq("authorizationCodeId", code_id)];
    store.update_many(REFRESH, &which, revoked_now(ctx)).await?;
    store.update_many(ACCESS, &which, revoked_now(ctx)).await?;
    Ok(())
}

/// Revokes one token; a refresh token takes the access tokens it issued with it.
pub async fn revoke(
    ctx: &AuthContext,
    store: &dyn Store,
    table: &str,
    id: &str,
) -> Result<(), ApiError> {
    store
        .update_many(table, &[Where::eq("id", id)], revoked_now(ctx))
        .await?;
    if table == REFRESH {
        store
            .update_many(ACCESS, &[Where::eq("refreshId", id)], revoked_now(ctx))
            .await?;
    }
    Ok(())
}

/// OIDC Core §5.4: the claims each scope releases, from the user row.
pub fn user_claims(user: &Row, scopes: &[String]) -> Map<String, Json> {
    let text = |k: &str| user.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut c = Map::new();
    c.insert("sub".into(), text("id").unwrap_or_default().into());
    if scopes.iter().any(|s| s == "profile") {
        if let Some(name) = text("name").filter(|n| !n.is_empty()) {
            let parts: Vec<&str> = name.split_whitespace().collect();
            if parts.len() > 1 {
                c.insert(
                    "given_name".into(),
                    parts[..parts.len() - 1].join(" ").into(),
                );
                c.insert("family_name".into(), parts[parts.len() - 1].into());
            }
            c.insert("name".into(), name.into());
        }
        if let Some(image) = text("image") {
            c.insert("picture".into(), image.into());
        }
        if let Some(username) = text("username") {
            c.insert("preferred_username".into(), username.into());
        }
    }
    if scopes.iter().any(|s| s == "email") {
        if let Some(email) = text("email") {
            c.insert("email".into(), email.into());
        }
        c.insert(
            "email_verified".into(),
            user.get("emailVerified")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                .into(),
        );
    }
    c
}

/// OIDC Core §3.1.3.6: the left half of the access token's hash, by the signing algorithm's
/// hash (SHA-512 for Ed25519).
fn at_hash(access_token: &str, alg: KeyAlgorithm) -> String {
    use base64::Engine as _;
    let digest: Vec<u8> = match alg {
        KeyAlgorithm::EdDsa => Sha512::digest(access_token.as_bytes()).to_vec(),
        _ => Sha256::digest(access_token.as_bytes()).to_vec(),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// What an ID token says beyond the user's claims.
pub struct IdTokenFor<'a> {
    pub client_id: &'a str,
    pub user: &'a Row,
    pub scopes: &'a [String],
    pub nonce: Option<&'a str>,
    pub auth_time: Option<i64>,
    pub session_id: Option<&'a str>,
    pub access_token: &'a str,
}

/// An ID token signed with the jwt plugin's current key.
pub async fn id_token(ctx: &AuthContext, f: IdTokenFor<'_>) -> Result<String, ApiError> {
    let settings = &plugin(ctx).settings;
    let jwt = ctx
        .plugin::<crate::jwt::Jwt>()
        .ok_or_else(ApiError::internal)?;
    let now = ctx.now().timestamp();
    let mut claims = user_claims(f.user, f.scopes);
    claims.insert("iss".into(), issuer(ctx).into());
    claims.insert("aud".into(), f.client_id.into());
    claims.insert("azp".into(), f.client_id.into());
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + settings.id_token_ttl).into());
    if let Some(t) = f.auth_time {
        claims.insert("auth_time".into(), t.into());
    }
    if let Some(n) = f.nonce {
        claims.insert("nonce".into(), n.into());
    }
    if let Some(sid) = f.session_id {
        claims.insert("sid".into(), sid.into());
    }
    // The key ring signs only with keys of the configured algorithm, so at_hash is computed
    // for that one.
    let alg = jwt.settings().algorithm;
    claims.insert("at_hash".into(), at_hash(f.access_token, alg).into());
    let (token, used) = jwt
        .sign_claims(ctx, &Json::Object(claims), Some("JWT"))
        .await?;
    debug_assert_eq!(used, alg);
    Ok(token)
}

/// The token endpoint's answer (RFC 6749 §5.1).
pub fn token_response(
    now: i64,
    access: &str,
    expires_in: i64,
    scopes: &[String],
    refresh: Option<&str>,
    id_token: Option<&str>,
) -> Json {
    let mut m = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        // Better Auth also says when, as unix seconds.
        "expires_at": now + expires_in,
        "scope": scopes.join(" "),
    });
    if let Some(r) = refresh {
        m["refresh_token"] = r.into();
    }
    if let Some(i) = id_token {
        m["id_token"] = i.into();
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_spec_example() {
        // OIDC Core's example is for RS256: the left half of SHA-256, base64url.
        assert_eq!(
            at_hash(
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
                KeyAlgorithm::Rs256
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn claims_follow_the_scopes() {
        let mut u = Row::new();
        u.insert("id".into(), "u1".into());
        u.insert("name".into(), "Ada King Lovelace".into());
        u.insert("email".into(), "ada@example.com".into());
        u.insert("emailVerified".into(), true.into());
        let only_openid = user_claims(&u, &["openid".into()]);
        assert_eq!(Json::Object(only_openid), json!({"sub": "u1"}));
        let all = user_claims(&u, &["openid".into(), "profile".into(), "email".into()]);
        assert_eq!(all["given_name"], "Ada King");
        assert_eq!(all["family_name"], "Lovelace");
        assert_eq!(all["email_verified"], true);
    }
}
