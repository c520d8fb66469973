//! The `account` rows of linked providers, and Better Auth 1.7's rules for signing in and
//! linking with a provider's profile (`handleOAuthUserInfo`, `linkOAuthAccount`).
//!
//! Tokens are sealed at rest (`symmetric::seal`); a plain token from a Better Auth database
//! still reads, and is sealed on its next write.

use chrono::{DateTime, Utc};
use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::crypto::symmetric;
use portcullis_core::crypto::token::generate_id;
use portcullis_core::{ApiError, AuthContext, Writes, users};
use portcullis_storage::{Query, Row, Store, Value, Where};

use super::provider::{Tokens, UserInfo};
use super::settings::LinkingSettings;

/// Better Auth's `?error=` values for the callback (`OAUTH_CALLBACK_ERROR_CODES` and the
/// `result.error` strings with their spaces made underscores).
pub mod callback_errors {
    pub const UNABLE_TO_LINK_ACCOUNT: &str = "unable_to_link_account";
    pub const EMAIL_DOES_NOT_MATCH: &str = "email_does_not_match";
    pub const ACCOUNT_ALREADY_LINKED: &str = "account_already_linked_to_different_user";
    pub const ACCOUNT_NOT_LINKED: &str = "account_not_linked";
    pub const SIGNUP_DISABLED: &str = "signup_disabled";
    pub const UNABLE_TO_CREATE_USER: &str = "unable_to_create_user";
}
use callback_errors as ce;

/// Seals a token for the `account` table.
pub fn seal(ctx: &AuthContext, token: &str) -> String {
    symmetric::seal(ctx.sealing_keys(), token)
}

/// Reads a stored token: sealed by Portcullis (or by Better Auth with `encryptOAuthTokens`),
/// else kept as Better Auth wrote it by default, in plain.
pub fn open(ctx: &AuthContext, stored: &str) -> String {
    symmetric::open(ctx.sealing_keys(), stored).unwrap_or_else(|_| stored.to_owned())
}

pub fn stored_token(ctx: &AuthContext, row: &Row, field: &str) -> Option<String> {
    row.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| open(ctx, s))
}

/// The token columns of a write, sealed; absent tokens are left out (kept as they are).
pub fn token_fields(ctx: &AuthContext, tokens: &Tokens, row: &mut Row) {
    if let Some(t) = &tokens.access_token {
        row.insert("accessToken".into(), seal(ctx, t).into());
    }
    if let Some(t) = &tokens.refresh_token {
        row.insert("refreshToken".into(), seal(ctx, t).into());
    }
    if let Some(t) = &tokens.id_token {
        row.insert("idToken".into(), seal(ctx, t).into());
    }
    if let Some(at) = tokens.access_token_expires_at {
        row.insert("accessTokenExpiresAt".into(), at.into());
    }
}

pub fn scope_string(scopes: &[String]) -> Option<String> {
    (!scopes.is_empty()).then(|| scopes.join(","))
}

/// Better Auth's `mergeScopes`: the stored ones, then the new ones not already there.
fn merge_scopes(stored: Option<&str>, new: &[String]) -> Option<String> {
    let mut all: Vec<String> = stored
        .unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    for s in new {
        if !all.contains(s) {
            all.push(s.clone());
        }
    }
    scope_string(&all)
}

fn new_account_row(
    ctx: &AuthContext,
    provider_id: &str,
    account_id: &str,
    user_id: &str,
    tokens: &Tokens,
    scope: Option<String>,
) -> Row {
    let now = ctx.now();
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("accountId".into(), account_id.into());
    row.insert("providerId".into(), provider_id.into());
    row.insert("userId".into(), user_id.into());
    row.insert("scope".into(), scope.into());
    row.insert("createdAt".into(), now.into());
    row.insert("updatedAt".into(), now.into());
    token_fields(ctx, tokens, &mut row);
    row
}

pub async fn find_by_key(
    store: &dyn Store,
    provider_id: &str,
    account_id: &str,
) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one(
            "account",
            &[
                Where::eq("providerId", provider_id),
                Where::eq("accountId", account_id),
            ],
        )
        .await?)
}

pub async fn user_accounts(ctx: &AuthContext, user_id: &str) -> Result<Vec<Row>, ApiError> {
    Ok(ctx
        .adapter
        .find_many(
            "account",
            &Query::filter(vec![Where::eq("userId", user_id)]),
        )
        .await?)
}

async fn update_account(
    ctx: &AuthContext,
    store: &dyn Store,
    id: &str,
    mut set: Row,
) -> Result<(), ApiError> {
    set.insert("updatedAt".into(), ctx.now().into());
    store.update("account", &[Where::eq("id", id)], set).await?;
    Ok(())
}

fn str_of<'a>(row: &'a Row, k: &str) -> &'a str {
    row.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn email_verified(user: &Row) -> bool {
    user.get("emailVerified").and_then(Value::as_bool) == Some(true)
}

/// Name and image from the profile (`updateUserInfoOnLink`, `overrideUserInfoOnSignIn`).
async fn update_user_info(
    writes: &mut Writes<'_>,
    user_id: &str,
    info: &UserInfo,
) -> Result<Option<Row>, ApiError> {
    let mut set = Row::new();
    if !info.name.is_empty() {
        set.insert("name".into(), info.name.clone().into());
    }
    if let Some(image) = &info.image {
        set.insert("image".into(), image.clone().into());
    }
    if set.is_empty() {
        return Ok(None);
    }
    Ok(writes.update_user(user_id, set).await?)
}

/// A sign-in with this profile: who it is, and whether the request created them.
pub struct Resolved {
    pub user: Row,
    pub is_register: bool,
    /// An existing user gained this provider (implicit linking): they get a notice.
    pub linked: bool,
}

pub struct SignInInput<'a> {
    pub provider_id: &'a str,
    pub info: &'a UserInfo,
    /// The profile's address, lower-cased.
    pub email: &'a str,
    pub tokens: &'a Tokens,
    pub disable_sign_up: bool,
    pub override_user_info: bool,
}

/// Finds or creates the user for a provider's profile, inside `writes` (the session is issued
/// in the same transaction). `Err(Ok(code))` is a refusal with Better Auth's error value.
pub async fn resolve_user(
    ctx: &AuthContext,
    req: &portcullis_core::AuthRequest,
    writes: &mut Writes<'_>,
    linking: &LinkingSettings,
    input: SignInInput<'_>,
) -> Result<Result<Resolved, &'static str>, ApiError> {
    let SignInInput {
        provider_id,
        info,
        email,
        tokens,
        disable_sign_up,
        override_user_info,
    } = input;
    let store = writes.store();
    if let Some(account) = find_by_key(store, provider_id, &info.id).await? {
        let user_id = str_of(&account, "userId").to_owned();
        let Some(mut user) = store
            .find_one("user", &[Where::eq("id", user_id.as_str())])
            .await?
        else {
            // An account whose user is gone: Better Auth refuses it until repaired.
            return Ok(Err(ce::UNABLE_TO_LINK_ACCOUNT));
        };
        // Fresh tokens on every sign-in (`updateAccountOnSignIn`); the scope changes only by
        // linking.
        let mut set = Row::new();
        token_fields(ctx, tokens, &mut set);
        if !set.is_empty() {
            update_account(ctx, store, str_of(&account, "id"), set).await?;
        }
        if info.email_verified && !email_verified(&user) && email == str_of(&user, "email") {
            let mut set = Row::new();
            set.insert("emailVerified".into(), true.into());
            if let Some(u) = writes.update_user(&user_id, set).await? {
                user = u;
            }
        }
        if override_user_info && let Some(u) = update_user_info(writes, &user_id, info).await? {
            user = u;
        }
        return Ok(Ok(Resolved {
            user,
            is_register: false,
            linked: false,
        }));
    }
    if let Some(mut user) = users::find_user_by_email_in(store, email).await? {
        let trusted = linking.trusted_providers.iter().any(|p| p == provider_id);
        if (!trusted && !info.email_verified)
            || (linking.require_local_email_verified && !email_verified(&user))
            || !linking.enabled
        {
            return Ok(Err(ce::ACCOUNT_NOT_LINKED));
        }
        let user_id = str_of(&user, "id").to_owned();
        let row = new_account_row(
            ctx,
            provider_id,
            &info.id,
            &user_id,
            tokens,
            scope_string(&tokens.scopes),
        );
        store.create("account", row).await?;
        if info.email_verified && !email_verified(&user) && email == str_of(&user, "email") {
            let mut set = Row::new();
            set.insert("emailVerified".into(), true.into());
            if let Some(u) = writes.update_user(&user_id, set).await? {
                user = u;
            }
        }
        if linking.update_user_info_on_link
            && let Some(u) = update_user_info(writes, &user_id, info).await?
        {
            user = u;
        }
        return Ok(Ok(Resolved {
            user,
            is_register: false,
            linked: true,
        }));
    }
    if disable_sign_up {
        return Ok(Err(ce::SIGNUP_DISABLED));
    }
    let mut row =
        match users::new_user_row(ctx, &info.name, email, info.image.as_deref(), &info.extra) {
            Ok(row) => row,
            Err(_) => return Ok(Err(ce::UNABLE_TO_CREATE_USER)),
        };
    row.insert("emailVerified".into(), info.email_verified.into());
    users::prepare_user(ctx, req, &mut row);
    let user = store.create("user", row).await?;
    let user_id = str_of(&user, "id").to_owned();
    let account = new_account_row(
        ctx,
        provider_id,
        &info.id,
        &user_id,
        tokens,
        scope_string(&tokens.scopes),
    );
    store.create("account", account).await?;
    req.state
        .set_created_user(std::sync::Arc::new(user.clone()));
    Ok(Ok(Resolved {
        user,
        is_register: true,
        linked: false,
    }))
}

/// Who a link flow adds the account to.
pub struct LinkTarget<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub session_id: Option<&'a str>,
}

/// Adds the provider's account to a signed-in user (the callback of `/link-social`).
/// `Ok(Ok(true))` when the account is new to the user (not a refresh of one already linked).
pub async fn link_account(
    ctx: &AuthContext,
    req: &portcullis_core::AuthRequest,
    linking: &LinkingSettings,
    target: LinkTarget<'_>,
    provider_id: &str,
    info: &UserInfo,
    tokens: &Tokens,
) -> Result<Result<bool, &'static str>, ApiError> {
    if let Some(sid) = target.session_id {
        let live = ctx
            .adapter
            .find_one(
                "session",
                &[
                    Where::eq("id", sid),
                    Where::eq("userId", target.user_id),
                    Where::op("expiresAt", portcullis_storage::WhereOp::Gt, ctx.now()),
                ],
            )
            .await?
            .is_some();
        if !live && !ctx.config.session.store_in_secondary {
            return Ok(Err(ce::UNABLE_TO_LINK_ACCOUNT));
        }
    }
    let trusted = linking.trusted_providers.iter().any(|p| p == provider_id);
    if (!trusted && !info.email_verified) || !linking.enabled {
        return Ok(Err(ce::UNABLE_TO_LINK_ACCOUNT));
    }
    let email = info.email.as_deref().map(users::normalize_email);
    if email.as_deref() != Some(&users::normalize_email(target.email))
        && !linking.allow_different_emails
    {
        return Ok(Err(ce::EMAIL_DOES_NOT_MATCH));
    }
    let store = ctx.adapter.as_ref();
    let created = match find_by_key(store, provider_id, &info.id).await? {
        Some(existing) if str_of(&existing, "userId") != target.user_id => {
            return Ok(Err(ce::ACCOUNT_ALREADY_LINKED));
        }
        Some(existing) => {
            let mut set = Row::new();
            token_fields(ctx, tokens, &mut set);
            if let Some(scope) = merge_scopes(
                existing.get("scope").and_then(Value::as_str),
                &tokens.scopes,
            ) {
                set.insert("scope".into(), scope.into());
            }
            update_account(ctx, store, str_of(&existing, "id"), set).await?;
            false
        }
        None => {
            let row = new_account_row(
                ctx,
                provider_id,
                &info.id,
                target.user_id,
                tokens,
                scope_string(&tokens.scopes),
            );
            let w = audit::writes(ctx).await?;
            let account = w.create("account", row).await?;
            // The link flow's callback may come without the session's cookie read: the
            // target says who acted.
            let mut e = AuditEvent::new("oauth.link")
                .from_request(req)
                .actor(target.user_id)
                .target_user(target.user_id)
                .detail("providerId", provider_id);
            if let Some(sid) = target.session_id {
                e = e.session(sid);
            }
            if let Some(id) = account.get("id").and_then(Value::as_str) {
                e = e.target("account", id);
            }
            audit::record(ctx, w.store(), e).await?;
            w.commit().await?;
            true
        }
    };
    if linking.update_user_info_on_link {
        let mut writes = ctx.writes();
        update_user_info(&mut writes, target.user_id, info).await?;
        writes.commit().await?;
    }
    Ok(Ok(created))
}

/// Tells the user a provider now signs them in (ASVS 2.5.x, as the other security notices).
pub fn notify_linked(
    ctx: &AuthContext,
    req: &portcullis_core::AuthRequest,
    user: &Row,
    label: &str,
) {
    if !ctx.config.email.security_notices {
        return;
    }
    let Some(to) = user.get("email").and_then(Value::as_str) else {
        return;
    };
    let mut vars = serde_json::json!({
        "user": portcullis_core::session::user_json(ctx, user),
        "provider": label,
        "account_url": portcullis_core::links::page_url(ctx, "/account"),
        "reset_url": portcullis_core::links::page_url(ctx, "/forgot-password"),
    });
    portcullis_core::notices::RequestOrigin::of(ctx, req).insert_into(&mut vars);
    ctx.delivery.send_email(to, super::LINKED_EMAIL, vars);
}

/// Writes refreshed tokens; a refresh token the provider did not rotate is kept.
pub async fn store_refreshed(
    ctx: &AuthContext,
    account_id: &str,
    tokens: &Tokens,
) -> Result<(), ApiError> {
    let mut set = Row::new();
    token_fields(ctx, tokens, &mut set);
    update_account(ctx, ctx.adapter.as_ref(), account_id, set).await
}

/// When the account row last changed (its creation when never updated).
pub fn updated_at(row: &Row) -> Option<DateTime<Utc>> {
    date_field(row, "updatedAt").or_else(|| date_field(row, "createdAt"))
}

/// A date column of an account row (an expiry, a change).
pub fn date_field(row: &Row, k: &str) -> Option<DateTime<Utc>> {
    row.get(k).and_then(Value::as_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_merge_without_repeats() {
        assert_eq!(
            merge_scopes(Some("openid,email"), &["email".into(), "repo".into()]).as_deref(),
            Some("openid,email,repo")
        );
        assert_eq!(merge_scopes(None, &[]), None);
    }
}
