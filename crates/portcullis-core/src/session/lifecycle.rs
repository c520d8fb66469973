//! A session row's life in its store (the database, or secondary storage with
//! `SESSION_STORE=secondary`): created, listed, refreshed, updated and ended. Each change
//! evicts the session cache's copy once it has committed.

use std::sync::Arc;

use chrono::Duration;
use portcullis_storage::{Row, Store, Value, Where};

use super::SessionWithUser;
use super::cache::{cache_put, evict_sessions, secondary_get, session_cache_key};
use super::lookup::find_session_row;
use super::secondary_store::{put_secondary_session, seconds_left, user_sessions_key};
use crate::context::AuthContext;
use crate::crypto::token::{generate_id, hash_token};
use crate::endpoint::AuthRequest;
use crate::error::ApiError;

/// Creates a session row in `store` and returns it with the raw token.
pub async fn create_session(
    ctx: &AuthContext,
    store: &dyn Store,
    user_id: &str,
    req: &AuthRequest,
    dont_remember: bool,
) -> Result<(Row, String), ApiError> {
    let options = NewSession {
        dont_remember,
        ..NewSession::default()
    };
    create_session_with(ctx, store, user_id, req, options).await
}

/// How a session other than a sign-in's is made (an administrator's impersonation).
#[derive(Debug, Default)]
pub struct NewSession {
    /// `rememberMe: false`: it lives a day at most.
    pub dont_remember: bool,
    /// Seconds it lives, if shorter than the configured lifetime.
    pub lifetime: Option<i64>,
    /// Plugin fields set on it (`impersonatedBy`).
    pub fields: Row,
}

/// Creates a session row as [`create_session`] does, with `options`.
pub async fn create_session_with(
    ctx: &AuthContext,
    store: &dyn Store,
    user_id: &str,
    req: &AuthRequest,
    options: NewSession,
) -> Result<(Row, String), ApiError> {
    let now = ctx.now();
    let cfg = &ctx.config.session;
    // Don't-remember sessions live a day, as in Better Auth, but never longer than the others.
    let lifetime = if options.dont_remember {
        86_400.min(cfg.expires_in)
    } else {
        cfg.expires_in
    };
    let lifetime = match cfg.absolute_lifetime {
        0 => lifetime,
        most => lifetime.min(most),
    };
    let lifetime = options.lifetime.map_or(lifetime, |l| l.min(lifetime));
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
    row.extend(options.fields);
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
    let all = matches!(which, Sessions::All { .. });
    if ctx.config.session.store_in_secondary {
        let members = match which {
            Sessions::One { stored_token, .. } => vec![stored_token.to_owned()],
            _ => {
                ctx.secondary
                    .set_members(&user_sessions_key(user_id))
                    .await?
            }
        };
        let mut ending = Vec::new();
        for stored in members {
            if let Sessions::AllBut {
                keep_stored_token, ..
            } = which
                && keep_stored_token == stored
            {
                continue;
            }
            // Only the plugins that follow sessions need the ids: one read each, then.
            if ctx.session_end_hooks()
                && let Some(row) =
                    secondary_get(ctx, &session_cache_key(&stored), ctx.session_table()).await?
                && let Some(id) = row.get("id").and_then(Value::as_str)
            {
                ending.push(id.to_owned());
            }
            ctx.secondary.delete(&session_cache_key(&stored)).await?;
            ctx.secondary
                .set_remove(&user_sessions_key(user_id), &stored)
                .await?;
        }
        sessions_ended(ctx, store, user_id, ending, all).await?;
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
    let ids = rows
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    sessions_ended(ctx, store, user_id, ids, all).await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.get("token").and_then(Value::as_str).map(str::to_owned))
        .collect())
}

/// Tells the plugins that follow sessions (`hooks().sessions_ended`) which ones ended, in the
/// same store, so that what depends on a session ends with it.
async fn sessions_ended(
    ctx: &AuthContext,
    store: &dyn Store,
    user_id: &str,
    session_ids: Vec<String>,
    all: bool,
) -> Result<(), ApiError> {
    if !ctx.session_end_hooks() || (session_ids.is_empty() && !all) {
        return Ok(());
    }
    let ended = crate::plugin::EndedSessions {
        user_id,
        session_ids,
        all,
    };
    for p in ctx.plugins.iter().filter(|p| p.hooks().sessions_ended) {
        p.sessions_ended(ctx, store, &ended).await?;
    }
    Ok(())
}

/// A session field that names something being deleted (an active organization, an active
/// team), and the values that go: a session naming one of them forgets it (the field becomes
/// null, as when its owner unsets it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forget {
    pub field: String,
    pub values: Vec<String>,
}

impl Forget {
    pub fn new(field: &str, values: Vec<String>) -> Self {
        Forget {
            field: field.to_owned(),
            values,
        }
    }

    /// Whether `session` names one of the values.
    pub fn names(&self, session: &Row) -> bool {
        session
            .get(&self.field)
            .and_then(Value::as_str)
            .is_some_and(|v| self.values.iter().any(|gone| gone == v))
    }
}

/// [`Forget`] in sessions kept in the database, through `store` (the caller's transaction):
/// every session naming a value, whoever's. Returns their stored tokens, for the session cache
/// to drop once the change is durable.
pub(crate) async fn forget_in_database(
    ctx: &AuthContext,
    store: &dyn Store,
    forget: &[Forget],
) -> Result<Vec<String>, ApiError> {
    let mut changed = Vec::new();
    for f in forget.iter().filter(|f| !f.values.is_empty()) {
        let values = f.values.iter().map(|v| Value::from(v.as_str())).collect();
        let naming = [Where::is_in(&f.field, values)];
        let rows = store
            .find_many(
                "session",
                &portcullis_storage::Query::filter(naming.to_vec()),
            )
            .await?;
        if rows.is_empty() {
            continue;
        }
        let mut set = Row::new();
        set.insert(f.field.clone(), Value::Null);
        set.insert("updatedAt".into(), ctx.now().into());
        store.update_many("session", &naming, set).await?;
        changed.extend(
            rows.iter()
                .filter_map(|r| r.get("token").and_then(Value::as_str).map(str::to_owned)),
        );
    }
    Ok(changed)
}

/// [`Forget`] in sessions kept in secondary storage, which are found by user only: the live
/// sessions of `users`.
pub(crate) async fn forget_in_secondary(
    ctx: &AuthContext,
    users: &[String],
    forget: &[Forget],
) -> Result<(), ApiError> {
    for user in users {
        for stored in ctx.secondary.set_members(&user_sessions_key(user)).await? {
            let key = session_cache_key(&stored);
            let Some(mut row) = secondary_get(ctx, &key, ctx.session_table()).await? else {
                continue;
            };
            let named: Vec<&Forget> = forget.iter().filter(|f| f.names(&row)).collect();
            for f in &named {
                row.insert(f.field.clone(), Value::Null);
            }
            if !named.is_empty() {
                row.insert("updatedAt".into(), ctx.now().into());
                put_secondary_session(ctx, &row).await?;
            }
        }
    }
    Ok(())
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
    // Never past the absolute lifetime: once there, the session is not extended again.
    let mut extended = now + Duration::seconds(cfg.expires_in);
    if cfg.absolute_lifetime > 0
        && let Some(created) = s.created_at()
    {
        extended = extended.min(created + Duration::seconds(cfg.absolute_lifetime));
    }
    if extended <= expires {
        return Ok(false);
    }
    if ctx.config.session.store_in_secondary {
        let session = Arc::make_mut(&mut s.session);
        session.insert("expiresAt".into(), extended.into());
        session.insert("updatedAt".into(), now.into());
        put_secondary_session(ctx, &s.session).await?;
        return Ok(true);
    }
    let mut set = Row::new();
    set.insert("expiresAt".into(), extended.into());
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
    set.insert("updatedAt".into(), ctx.now().into());
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
