//! Sessions: creation, lookup by the signed cookie (with legacy plain tokens), refresh, the
//! signed `session_data` cookie cache, and the JSON shapes Better Auth returns.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use portcullis_storage::{Row, Store, Table, Value, Where};
use serde_json::json;

use crate::config::LegacyTokens;
use crate::context::AuthContext;
use crate::cookies::SetCookie;
use crate::crypto::sign;
use crate::crypto::token::{generate_id, hash_token, looks_hashed};
use crate::endpoint::AuthRequest;
use crate::error::ApiError;
use crate::row_json::{PublicRow, full_json_string};

const COOKIE_CACHE_VERSION: &str = "1";

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

/// What the session cookie led to.
pub enum Lookup {
    /// No cookie, or one whose signature does not verify: answer as signed out, set no cookies.
    Absent,
    /// A correctly signed token with no live session: clear the session cookies.
    Gone,
    Found(SessionWithUser),
}

/// JSON of a row, keeping only the fields a response may carry (`PublicRow` decides which).
pub fn public_json(table: &Table, row: &Row) -> serde_json::Value {
    public_row_value(PublicRow {
        table,
        row,
        token: None,
    })
}

pub fn user_json(ctx: &AuthContext, user: &Row) -> serde_json::Value {
    public_json(ctx.user_table(), user)
}

/// Session JSON. The stored token is a hash; the response carries the raw token where known.
pub fn session_json(
    ctx: &AuthContext,
    session: &Row,
    raw_token: Option<&str>,
) -> serde_json::Value {
    public_row_value(PublicRow {
        table: ctx.session_table(),
        row: session,
        token: raw_token,
    })
}

fn public_row_value(row: PublicRow<'_>) -> serde_json::Value {
    // Rows hold strings, numbers and JSON values only: serializing them cannot fail.
    serde_json::to_value(row).unwrap_or_default()
}

/// `session_with_user_json` written straight to JSON text (the get-session answer).
pub fn session_with_user_bytes(ctx: &AuthContext, s: &SessionWithUser) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        session: PublicRow<'a>,
        user: PublicRow<'a>,
    }
    let answer = Answer {
        session: PublicRow {
            table: ctx.session_table(),
            row: &s.session,
            token: Some(&s.token),
        },
        user: PublicRow {
            table: ctx.user_table(),
            row: &s.user,
            token: None,
        },
    };
    // Rows hold strings, numbers and JSON values only: serializing them cannot fail.
    serde_json::to_vec(&answer).unwrap_or_default()
}

pub fn session_with_user_json(ctx: &AuthContext, s: &SessionWithUser) -> serde_json::Value {
    json!({
        "session": session_json(ctx, &s.session, Some(&s.token)),
        "user": user_json(ctx, &s.user),
    })
}

/// Better Auth's stored IP form: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64
/// in expanded lower-case form.
pub fn format_ip(ip: Option<std::net::IpAddr>) -> String {
    use std::net::IpAddr;
    match ip {
        None => String::new(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!(
                    "{:04x}:{:04x}:{:04x}:{:04x}:0000:0000:0000:0000",
                    s[0], s[1], s[2], s[3]
                )
            }
        },
    }
}

/// Creates a session row in `store` and returns it with the raw token.
pub async fn create_session(
    ctx: &AuthContext,
    store: &dyn Store,
    user_id: &str,
    req: &AuthRequest,
    dont_remember: bool,
) -> Result<(Row, String), ApiError> {
    let now = ctx.now();
    let lifetime = if dont_remember {
        86_400
    } else {
        ctx.config.session.expires_in
    };
    let token = generate_id(32);
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert(
        "expiresAt".into(),
        (now + Duration::seconds(lifetime)).into(),
    );
    row.insert("token".into(), hash_token(&token).into());
    row.insert("createdAt".into(), now.into());
    row.insert("updatedAt".into(), now.into());
    row.insert("ipAddress".into(), format_ip(req.ip).into());
    row.insert("userAgent".into(), req.user_agent().into());
    row.insert("userId".into(), user_id.into());
    for f in &ctx.session_table().fields {
        if !row.contains_key(&f.name) {
            row.insert(f.name.clone(), f.default.clone().unwrap_or(Value::Null));
        }
    }
    if ctx.config.session.store_in_secondary {
        put_secondary_session(ctx, &row).await?;
        return Ok((row, token));
    }
    let row = store.create("session", row).await?;
    Ok((row, token))
}

/// The cookies that carry a session: the signed token, `dont_remember`, and the cookie cache.
pub fn session_cookies(
    ctx: &AuthContext,
    s: &SessionWithUser,
    dont_remember: bool,
) -> Vec<SetCookie> {
    let jar = &ctx.cookies;
    let secret = ctx.secret();
    let max_age = (!dont_remember).then_some(ctx.config.session.expires_in);
    let mut out = vec![jar.make("session_token", sign::sign(secret, &s.token), max_age)];
    if dont_remember {
        out.push(jar.make("dont_remember", sign::sign(secret, "true"), None));
    }
    let cache_age = ctx.config.session.cookie_cache_max_age;
    if cache_age > 0 {
        let value = encode_cookie_cache(ctx, s, if dont_remember { 60 } else { cache_age });
        out.push(jar.make("session_data", value, (!dont_remember).then_some(cache_age)));
    }
    out
}

/// `compact` cookie cache: base64url(JSON{session: data, expiresAt, signature}).
fn encode_cookie_cache(ctx: &AuthContext, s: &SessionWithUser, age: i64) -> String {
    let now = ctx.now();
    let expires_at = (now + Duration::seconds(age)).timestamp_millis();
    let data = json!({
        "session": session_json(ctx, &s.session, Some(&s.token)),
        "user": user_json(ctx, &s.user),
        "updatedAt": now.timestamp_millis(),
        "version": COOKIE_CACHE_VERSION,
    });
    let mut signed = data.clone();
    signed["expiresAt"] = expires_at.into();
    let signature = sign::hmac_base64url(ctx.secret(), &signed.to_string());
    let payload = json!({"session": data, "expiresAt": expires_at, "signature": signature});
    URL_SAFE_NO_PAD.encode(payload.to_string())
}

/// Reads the cookie cache if it is valid for `token`; anything doubtful falls back to the DB.
///
/// The signature covers the `session` object's JSON with `expiresAt` appended, as
/// `JSON.stringify({...data, expiresAt})` writes it. That text is rebuilt from the object's
/// own bytes in the cookie, so nothing is parsed until the signature has verified.
fn decode_cookie_cache(ctx: &AuthContext, raw: &str, token: &str) -> Option<SessionWithUser> {
    #[derive(serde::Deserialize)]
    struct Payload<'a> {
        #[serde(borrow)]
        session: &'a serde_json::value::RawValue,
        #[serde(rename = "expiresAt")]
        expires_at: i64,
        signature: String,
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
    let payload: Payload = serde_json::from_slice(&bytes).ok()?;
    let data = payload.session.get();
    let body = data.strip_prefix('{')?.strip_suffix('}')?;
    let mut signed = String::with_capacity(data.len() + 32);
    signed.push('{');
    signed.push_str(body);
    if !body.trim().is_empty() {
        signed.push(',');
    }
    signed.push_str("\"expiresAt\":");
    signed.push_str(&payload.expires_at.to_string());
    signed.push('}');
    if !sign::verify_base64url(ctx.secret(), &signed, &payload.signature) {
        return None;
    }
    let now = ctx.now();
    if payload.expires_at <= now.timestamp_millis() {
        return None;
    }
    // Decoded before from this very text: its version and token were checked then.
    if let Some((session, user)) = ctx.decoded_rows.get(token, &[data]) {
        if session.get("expiresAt").and_then(Value::as_date)? <= now {
            return None;
        }
        return Some(SessionWithUser {
            session,
            user,
            token: token.to_owned(),
            from_cookie_cache: true,
        });
    }
    let mut de = serde_json::Deserializer::from_str(data);
    let cached = serde::de::DeserializeSeed::deserialize(
        crate::row_json::CookieCacheSeed {
            session_table: ctx.session_table(),
            user_table: ctx.user_table(),
        },
        &mut de,
    )
    .ok()?;
    if cached.version.as_deref() != Some(COOKIE_CACHE_VERSION) {
        return None;
    }
    let cached_token = cached.session.get("token").and_then(Value::as_str)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        cached_token.as_bytes(),
        token.as_bytes(),
    )) {
        return None;
    }
    if cached.session.get("expiresAt").and_then(Value::as_date)? <= now {
        return None;
    }
    let (session, user) = (Arc::new(cached.session), Arc::new(cached.user));
    ctx.decoded_rows
        .put(token, &[data], session.clone(), user.clone());
    Some(SessionWithUser {
        session,
        user,
        token: token.to_owned(),
        from_cookie_cache: true,
    })
}

/// Finds the live session row for a raw token, accepting legacy plain tokens as configured.
pub async fn find_session_row(ctx: &AuthContext, token: &str) -> Result<Option<Row>, ApiError> {
    if ctx.config.session.store_in_secondary {
        return secondary_get(
            ctx,
            &session_cache_key(&hash_token(token)),
            ctx.session_table(),
        )
        .await;
    }
    if let Some(row) = ctx
        .adapter
        .find_one("session", &[Where::eq("token", hash_token(token))])
        .await?
    {
        return Ok(Some(row));
    }
    find_legacy_session_row(ctx, token).await
}

/// A session stored with its plain token, as Better Auth stores them; upgraded to the hash on
/// first use when configured.
async fn find_legacy_session_row(ctx: &AuthContext, token: &str) -> Result<Option<Row>, ApiError> {
    // A stored hash must never work as a token, whatever the legacy setting.
    if ctx.config.session.legacy_tokens == LegacyTokens::Reject || looks_hashed(token) {
        return Ok(None);
    }
    let adapter = &ctx.adapter;
    let Some(row) = adapter
        .find_one("session", &[Where::eq("token", token)])
        .await?
    else {
        return Ok(None);
    };
    if ctx.config.session.legacy_tokens == LegacyTokens::Upgrade {
        let mut set = Row::new();
        set.insert("token".into(), hash_token(token).into());
        let id = row.get("id").cloned().unwrap_or(Value::Null);
        return Ok(adapter
            .update("session", &[Where::eq("id", id)], set)
            .await?);
    }
    Ok(Some(row))
}

/// The signed session token from the request's cookies, if its signature verifies.
pub fn token_from_cookies(ctx: &AuthContext, req: &AuthRequest) -> Option<String> {
    let raw = req.cookie(ctx.cookies.session_token())?;
    sign::unsign(ctx.secret(), raw)
}

pub fn dont_remember(ctx: &AuthContext, req: &AuthRequest) -> bool {
    req.cookie(ctx.cookies.dont_remember())
        .and_then(|v| sign::unsign(ctx.secret(), v))
        .is_some_and(|v| v == "true")
}

// ---- session cache (secondary storage) ------------------------------------------------------
//
// With a shared secondary storage (Redis), a looked-up session and its user are kept there so
// that later checks on any instance skip the database. Every change evicts: revocation and
// sign-out evict the session, user updates evict the user. Redis errors count as misses.

fn session_cache_key(stored_token: &str) -> String {
    format!("session:{stored_token}")
}

const USER_CACHE_PREFIX: &str = "user:";

fn user_cache_key(user_id: &str) -> String {
    format!("{USER_CACHE_PREFIX}{user_id}")
}

/// A row kept in secondary storage; storage errors propagate (503), bad entries read as absent.
async fn secondary_get(
    ctx: &AuthContext,
    key: &str,
    table: &Table,
) -> Result<Option<Row>, ApiError> {
    let Some(raw) = ctx.secondary.get(key).await? else {
        return Ok(None);
    };
    Ok(crate::row_json::row_from_str(table, &raw))
}

async fn cache_get(ctx: &AuthContext, key: &str, table: &Table) -> Option<Row> {
    secondary_get(ctx, key, table).await.ok().flatten()
}

// ---- sessions kept only in secondary storage (SESSION_STORE=secondary) -----------------------
//
// Better Auth's `secondaryStorage` without `storeSessionInDatabase`: the session row lives at
// `session:<stored token>` until it expires, and `active-sessions:<user id>` is the set of the
// user's stored tokens, for listing and revoking them all.

fn user_sessions_key(user_id: &str) -> String {
    format!("active-sessions:{user_id}")
}

fn seconds_left(row: &Row) -> Option<std::time::Duration> {
    let expires = row.get("expiresAt").and_then(Value::as_date)?;
    let left = (expires - chrono::Utc::now()).num_seconds();
    (left > 0).then(|| std::time::Duration::from_secs(left.unsigned_abs()))
}

async fn put_secondary_session(ctx: &AuthContext, row: &Row) -> Result<(), ApiError> {
    let (Some(stored), Some(uid), Some(ttl)) = (
        row.get("token").and_then(Value::as_str),
        row.get("userId").and_then(Value::as_str),
        seconds_left(row),
    ) else {
        return Ok(());
    };
    ctx.secondary
        .set(
            &session_cache_key(stored),
            &full_json_string(row),
            Some(ttl),
        )
        .await?;
    ctx.secondary
        .set_add(&user_sessions_key(uid), stored, ttl)
        .await?;
    Ok(())
}

/// The user's live sessions, oldest first, from the database or from secondary storage.
pub async fn list_user_sessions(ctx: &AuthContext, user_id: &str) -> Result<Vec<Row>, ApiError> {
    let now = ctx.now();
    let mut rows = if ctx.config.session.store_in_secondary {
        let mut rows = Vec::new();
        for stored in ctx
            .secondary
            .set_members(&user_sessions_key(user_id))
            .await?
        {
            match secondary_get(ctx, &session_cache_key(&stored), ctx.session_table()).await? {
                Some(row) => rows.push(row),
                // Expired entries leave the set here.
                None => {
                    ctx.secondary
                        .set_remove(&user_sessions_key(user_id), &stored)
                        .await?
                }
            }
        }
        rows
    } else {
        ctx.adapter
            .find_many(
                "session",
                &portcullis_storage::Query::filter(vec![
                    Where::eq("userId", user_id),
                    Where::op("expiresAt", portcullis_storage::WhereOp::Gt, now),
                ]),
            )
            .await?
    };
    rows.retain(|r| {
        r.get("expiresAt")
            .and_then(Value::as_date)
            .is_some_and(|e| e > now)
    });
    rows.sort_by_key(|r| r.get("createdAt").and_then(Value::as_date));
    Ok(rows)
}

/// Which sessions to end.
#[derive(Clone, Copy)]
pub enum Sessions<'a> {
    /// One session of this user, by its stored token.
    One {
        stored_token: &'a str,
        user_id: &'a str,
    },
    All {
        user_id: &'a str,
    },
    AllBut {
        user_id: &'a str,
        keep_stored_token: &'a str,
    },
}

/// Ends sessions. Returns the stored tokens to evict from the session cache once the
/// surrounding transaction (if any) has committed.
pub(crate) async fn delete_sessions(
    ctx: &AuthContext,
    store: &dyn Store,
    which: Sessions<'_>,
) -> Result<Vec<String>, ApiError> {
    let user_id = match which {
        Sessions::One { user_id, .. }
        | Sessions::All { user_id }
        | Sessions::AllBut { user_id, .. } => user_id,
    };
    if ctx.config.session.store_in_secondary {
        let members = match which {
            Sessions::One { stored_token, .. } => vec![stored_token.to_owned()],
            _ => {
                ctx.secondary
                    .set_members(&user_sessions_key(user_id))
                    .await?
            }
        };
        for stored in members {
            if let Sessions::AllBut {
                keep_stored_token, ..
            } = which
                && keep_stored_token == stored
            {
                continue;
            }
            ctx.secondary.delete(&session_cache_key(&stored)).await?;
            ctx.secondary
                .set_remove(&user_sessions_key(user_id), &stored)
                .await?;
        }
        return Ok(Vec::new());
    }
    let mut wheres = vec![Where::eq("userId", user_id)];
    match which {
        Sessions::One { stored_token, .. } => wheres.push(Where::eq("token", stored_token)),
        Sessions::AllBut {
            keep_stored_token, ..
        } => wheres.push(Where::op(
            "token",
            portcullis_storage::WhereOp::Ne,
            keep_stored_token,
        )),
        Sessions::All { .. } => {}
    }
    let rows = store
        .find_many(
            "session",
            &portcullis_storage::Query::filter(wheres.clone()),
        )
        .await?;
    store.delete_many("session", &wheres).await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.get("token").and_then(Value::as_str).map(str::to_owned))
        .collect())
}

async fn cache_put(ctx: &AuthContext, session: &Row, user: &Row) {
    let ttl = ctx.config.session.cache_ttl;
    let (Some(stored), Some(expires)) = (
        session.get("token").and_then(Value::as_str),
        session.get("expiresAt").and_then(Value::as_date),
    ) else {
        return;
    };
    let left = (expires - ctx.now()).num_seconds().min(ttl);
    if left <= 0 {
        return;
    }
    let ttl = Some(std::time::Duration::from_secs(left.unsigned_abs()));
    let uid = user.get("id").and_then(Value::as_str).unwrap_or_default();
    // User first: a session entry never points at a user entry that was not written.
    if ctx
        .secondary
        .set(&user_cache_key(uid), &full_json_string(user), ttl)
        .await
        .is_ok()
    {
        let _ = ctx
            .secondary
            .set(&session_cache_key(stored), &full_json_string(session), ttl)
            .await;
    }
}

/// The cached session and user for a raw token, if both are cached and the session is live.
/// Storage errors count as misses.
async fn cache_lookup(ctx: &AuthContext, token: &str) -> Option<(Arc<Row>, Arc<Row>)> {
    if ctx.config.session.cache_ttl == 0 {
        return None;
    }
    let key = session_cache_key(&hash_token(token));
    let (session_text, user_text) = match ctx.decoded_rows.user_id(&key) {
        // Seen before: both entries by name in one plain read. Cheaper for Redis than the
        // script that finds the user through the session's entry.
        Some(user_id) => {
            let user_key = user_cache_key(&user_id);
            let mut found = ctx
                .secondary
                .get_many(&[&key, &user_key])
                .await
                .ok()?
                .into_iter();
            (found.next().flatten()?, found.next().flatten()?)
        }
        None => match ctx
            .secondary
            .get_linked(&key, "userId", USER_CACHE_PREFIX)
            .await
            .ok()?
        {
            (Some(session), Some(user)) => (session, user),
            _ => return None,
        },
    };
    let texts = [session_text.as_str(), user_text.as_str()];
    let (session, user) = match ctx.decoded_rows.get(&key, &texts) {
        Some(rows) => rows,
        None => {
            let session = crate::row_json::row_from_str(ctx.session_table(), &session_text)?;
            let user = crate::row_json::row_from_str(ctx.user_table(), &user_text)?;
            // The entries are written user first and evicted independently: check they
            // still agree.
            if user.get("id") != session.get("userId") {
                return None;
            }
            let (session, user) = (Arc::new(session), Arc::new(user));
            ctx.decoded_rows
                .put(&key, &texts, session.clone(), user.clone());
            (session, user)
        }
    };
    if session.get("expiresAt").and_then(Value::as_date)? <= ctx.now() {
        return None;
    }
    Some((session, user))
}

/// Removes sessions (by their stored token values) from the cache.
pub(crate) async fn evict_sessions(ctx: &AuthContext, stored_tokens: &[String]) {
    if ctx.config.session.cache_ttl == 0 {
        return;
    }
    for t in stored_tokens {
        if let Err(e) = ctx.secondary.delete(&session_cache_key(t)).await {
            tracing::warn!(error = %e, "session cache eviction failed; the entry expires within SESSION_CACHE_TTL");
        }
    }
}

pub(crate) async fn evict_user(ctx: &AuthContext, user_id: &str) {
    // Sessions kept in secondary storage always cache their user there.
    if ctx.config.session.cache_ttl == 0 && !ctx.config.session.store_in_secondary {
        return;
    }
    if let Err(e) = ctx.secondary.delete(&user_cache_key(user_id)).await {
        tracing::warn!(error = %e, "user cache eviction failed; the entry expires within SESSION_CACHE_TTL");
    }
}

/// Resolves the request's session. `use_cache` lets a valid cookie cache answer without the DB.
pub async fn lookup(
    ctx: &AuthContext,
    req: &AuthRequest,
    use_cache: bool,
) -> Result<Lookup, ApiError> {
    let Some(token) = token_from_cookies(ctx, req) else {
        return Ok(Lookup::Absent);
    };
    if use_cache
        && ctx.config.session.cookie_cache_max_age > 0
        && let Some(cached) = req
            .cookie(ctx.cookies.session_data())
            .and_then(|raw| decode_cookie_cache(ctx, raw, &token))
    {
        return Ok(Lookup::Found(cached));
    }
    if let Some((session, user)) = cache_lookup(ctx, &token).await {
        return Ok(Lookup::Found(SessionWithUser {
            session,
            user,
            token,
            from_cookie_cache: false,
        }));
    }
    if ctx.config.session.store_in_secondary {
        return lookup_in_secondary(ctx, token).await;
    }
    // One indexed join for hashed tokens; the legacy plain-token path only on a miss.
    let found = match ctx
        .adapter
        .find_session_and_user(&hash_token(&token))
        .await?
    {
        Some(pair) => Some(pair),
        None => match find_legacy_session_row(ctx, &token).await? {
            Some(session) => {
                let user_id = session.get("userId").cloned().unwrap_or(Value::Null);
                ctx.adapter
                    .find_one("user", &[Where::eq("id", user_id)])
                    .await?
                    .map(|user| (session, user))
            }
            None => None,
        },
    };
    let Some((session, user)) = found else {
        return Ok(Lookup::Gone);
    };
    let expires = session.get("expiresAt").and_then(Value::as_date);
    if expires.is_none_or(|e| e <= ctx.now()) {
        let id = session.get("id").cloned().unwrap_or(Value::Null);
        ctx.adapter
            .delete_many("session", &[Where::eq("id", id)])
            .await?;
        return Ok(Lookup::Gone);
    }
    if ctx.config.session.cache_ttl > 0 {
        cache_put(ctx, &session, &user).await;
    }
    Ok(Lookup::Found(SessionWithUser {
        session: session.into(),
        user: user.into(),
        token,
        from_cookie_cache: false,
    }))
}

async fn lookup_in_secondary(ctx: &AuthContext, token: String) -> Result<Lookup, ApiError> {
    let stored = hash_token(&token);
    let Some(session) =
        secondary_get(ctx, &session_cache_key(&stored), ctx.session_table()).await?
    else {
        return Ok(Lookup::Gone);
    };
    let Some(user_id) = session
        .get("userId")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Ok(Lookup::Gone);
    };
    if seconds_left(&session).is_none() {
        let one = Sessions::One {
            stored_token: &stored,
            user_id: &user_id,
        };
        delete_sessions(ctx, ctx.adapter.as_ref(), one).await?;
        return Ok(Lookup::Gone);
    }
    let user = match cache_get(ctx, &user_cache_key(&user_id), ctx.user_table()).await {
        Some(u) => u,
        None => {
            let Some(u) = ctx
                .adapter
                .find_one("user", &[Where::eq("id", user_id.as_str())])
                .await?
            else {
                return Ok(Lookup::Gone);
            };
            let ttl =
                std::time::Duration::from_secs(ctx.config.session.cache_ttl.max(60).unsigned_abs());
            let _ = ctx
                .secondary
                .set(&user_cache_key(&user_id), &full_json_string(&u), Some(ttl))
                .await;
            u
        }
    };
    Ok(Lookup::Found(SessionWithUser {
        session: session.into(),
        user: user.into(),
        token,
        from_cookie_cache: false,
    }))
}

/// Extends the session when more than `updateAge` has passed since the last extension.
/// Returns true when it did (the caller then re-sets the cookies).
pub async fn refresh_if_due(ctx: &AuthContext, s: &mut SessionWithUser) -> Result<bool, ApiError> {
    let cfg = &ctx.config.session;
    let Some(expires) = s.expires_at() else {
        return Ok(false);
    };
    let now = ctx.now();
    let last_extended = expires - Duration::seconds(cfg.expires_in);
    if last_extended + Duration::seconds(cfg.update_age) > now {
        return Ok(false);
    }
    if ctx.config.session.store_in_secondary {
        let session = Arc::make_mut(&mut s.session);
        session.insert(
            "expiresAt".into(),
            (now + Duration::seconds(cfg.expires_in)).into(),
        );
        session.insert("updatedAt".into(), now.into());
        put_secondary_session(ctx, &s.session).await?;
        return Ok(true);
    }
    let mut set = Row::new();
    set.insert(
        "expiresAt".into(),
        (now + Duration::seconds(cfg.expires_in)).into(),
    );
    set.insert("updatedAt".into(), now.into());
    let id = Value::from(s.id());
    if let Some(updated) = ctx
        .adapter
        .update("session", &[Where::eq("id", id)], set)
        .await?
    {
        s.session = updated.into();
        if ctx.config.session.cache_ttl > 0 {
            cache_put(ctx, &s.session, &s.user).await;
        }
    }
    Ok(true)
}

/// Writes `set` (with a new `updatedAt`) to the session `s` holds and takes the updated row into
/// `s`. Returns false when the session no longer exists (revoked meanwhile, or only the cookie
/// cache still knew it).
pub async fn update_fields(
    ctx: &AuthContext,
    s: &mut SessionWithUser,
    mut set: Row,
) -> Result<bool, ApiError> {
    set.insert("updatedAt".into(), Utc::now().into());
    if ctx.config.session.store_in_secondary {
        let key = session_cache_key(&hash_token(&s.token));
        let Some(mut row) = secondary_get(ctx, &key, ctx.session_table()).await? else {
            return Ok(false);
        };
        if seconds_left(&row).is_none() {
            return Ok(false);
        }
        row.extend(set);
        put_secondary_session(ctx, &row).await?;
        s.session = row.into();
        return Ok(true);
    }
    let Some(updated) = ctx
        .adapter
        .update("session", &[Where::eq("id", s.id())], set)
        .await?
    else {
        return Ok(false);
    };
    // The cached copy is stale now; the next check reads the row again.
    if let Some(t) = updated.get("token").and_then(Value::as_str) {
        evict_sessions(ctx, &[t.to_owned()]).await;
    }
    s.session = updated.into();
    s.from_cookie_cache = false;
    Ok(true)
}

/// Deletes the session a raw token names, under the same rules as a lookup: a stored hash
/// presented as a token names nothing.
pub async fn delete_by_token(ctx: &AuthContext, token: &str) -> Result<(), ApiError> {
    let mut gone = vec![hash_token(token)];
    if let Some(row) = find_session_row(ctx, token).await? {
        let (stored, uid) = (
            row.get("token").and_then(Value::as_str).unwrap_or_default(),
            row.get("userId")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        let one = Sessions::One {
            stored_token: stored,
            user_id: uid,
        };
        gone.extend(delete_sessions(ctx, ctx.adapter.as_ref(), one).await?);
    }
    // Evict even when the row was already gone: a cached copy must not outlive a sign-out.
    evict_sessions(ctx, &gone).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_formats_match_better_auth() {
        let f = |s: &str| format_ip(Some(s.parse().expect("ip")));
        assert_eq!(f("1.2.3.4"), "1.2.3.4");
        assert_eq!(f("::ffff:1.2.3.4"), "1.2.3.4");
        assert_eq!(
            f("2001:db8:1:2:3:4:5:6"),
            "2001:0db8:0001:0002:0000:0000:0000:0000"
        );
        assert_eq!(f("::1"), "0000:0000:0000:0000:0000:0000:0000:0000");
        assert_eq!(format_ip(None), "");
    }
}
