//! Managing clients: the admin API (`/oauth2/create-client`, `get-client`, `get-clients`,
//! `update-client`, `client/rotate-secret`, `delete-client`), the public view the consent page
//! shows (`/oauth2/public-client`), RFC 7591 registration (`/oauth2/register`, off by default),
//! and the same operations for `portcullis oauth-client`.
//!
//! Better Auth lets any signed-in user make clients; here only an administrator may (the
//! admin plugin's roles, `oauth_client:manage` under a custom access control), because a
//! client's name and logo are shown on the consent page as if the server vouched for them.

use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::session::SessionWithUser;
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Query, Row, SortDirection, Store, Value, Where};
use serde_json::{Value as Json, json};

use super::clients::{self, Client, NewClient, json_strings};
use super::consents;
use super::errors::{
    INVALID_REDIRECT_URI, OAUTH_CLIENT_NOT_FOUND, OAuthError,
    YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS,
};
use super::tokens::{ACCESS, REFRESH};

pub(super) async fn administrator(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<SessionWithUser, ApiError> {
    if ctx.plugin::<crate::admin::Admin>().is_none() {
        return Err(ApiError::new(
            403,
            YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS,
        ));
    }
    crate::admin::operator(
        ctx,
        req,
        "oauth_client",
        "manage",
        YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS,
    )
    .await
}

/// A client's metadata, with its secret when one was just made (the only time it is shown).
pub fn with_secret(client: &Client, secret: Option<String>) -> Json {
    let mut m = client.metadata();
    if let Some(s) = secret {
        m["client_secret"] = s.into();
    }
    m
}

async fn client_or_404(store: &dyn Store, client_id: &str) -> Result<Client, ApiError> {
    clients::find(store, client_id)
        .await?
        .ok_or_else(|| ApiError::new(404, OAUTH_CLIENT_NOT_FOUND))
}

fn change(
    req: &AuthRequest,
    me: Option<&SessionWithUser>,
    action: &'static str,
    client_id: &str,
) -> AuditEvent {
    let e = AuditEvent::new(action)
        .from_request(req)
        .target("oauthClient", client_id.to_owned());
    match me {
        Some(me) => e.by(me),
        None => e,
    }
}

/// Creates a client with its audit event in one transaction (also the CLI's and registration's).
pub async fn create(
    ctx: &AuthContext,
    new: NewClient,
    event: impl FnOnce(&str) -> AuditEvent,
) -> Result<(Client, Option<String>), ApiError> {
    let w = audit::writes(ctx).await?;
    let (client, secret) = new.create(ctx, w.store()).await?;
    audit::record(ctx, w.store(), event(&client.client_id)).await?;
    w.commit().await?;
    Ok((client, secret))
}

pub async fn create_client(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = administrator(ctx, req).await?;
    let mut new = NewClient::from_metadata(req.body.as_ref().unwrap_or(&Json::Null), true)?;
    new.user_id = Some(me.user_id().to_owned());
    let (client, secret) = create(ctx, new, |id| {
        change(req, Some(&me), "oauth.client_create", id)
    })
    .await?;
    // 201, as RFC 7591 and Better Auth answer a new client.
    let mut res = AuthResponse::json(with_secret(&client, secret)).no_store();
    res.status = 201;
    Ok(res)
}

pub async fn get_client(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    administrator(ctx, req).await?;
    let id = req.query_param("client_id").unwrap_or_default();
    Ok(AuthResponse::json(
        client_or_404(ctx.adapter.as_ref(), id).await?.metadata(),
    ))
}

pub async fn list(ctx: &AuthContext) -> Result<Vec<Client>, ApiError> {
    Ok(ctx
        .adapter
        .find_many(
            clients::TABLE,
            &Query::filter(vec![])
                .sort("createdAt", SortDirection::Asc)
                .limit(1000),
        )
        .await?
        .iter()
        .filter_map(Client::from_row)
        .collect())
}

pub async fn get_clients(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    administrator(ctx, req).await?;
    Ok(AuthResponse::json(Json::Array(
        list(ctx).await?.iter().map(Client::metadata).collect(),
    )))
}

/// `{client_id, update: {...}}`: the metadata given replaces what is stored; checked as a new
/// client's is.
pub async fn update_client(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = administrator(ctx, req).await?;
    let client_id = req.str_field("client_id").unwrap_or_default();
    let client = client_or_404(ctx.adapter.as_ref(), client_id).await?;
    let Some(Json::Object(update)) = req.field("update") else {
        return Err(ApiError::new(400, super::errors::INVALID_CLIENT_METADATA));
    };
    let mut merged = client.metadata();
    for (k, v) in update {
        merged[k.as_str()] = v.clone();
    }
    // The authentication method is fixed at creation: a secret cannot appear or vanish here.
    merged["token_endpoint_auth_method"] = client.token_endpoint_auth_method.clone().into();
    let checked = NewClient::from_metadata(&merged, true)?;
    let opt_text = |t: &Option<String>| t.clone().map_or(Value::Null, Value::from);
    let mut set = Row::new();
    set.insert("name".into(), opt_text(&checked.name));
    set.insert("uri".into(), opt_text(&checked.uri));
    set.insert("icon".into(), opt_text(&checked.icon));
    set.insert("tos".into(), opt_text(&checked.tos));
    set.insert("policy".into(), opt_text(&checked.policy));
    set.insert("redirectUris".into(), json_strings(&checked.redirect_uris));
    set.insert(
        "postLogoutRedirectUris".into(),
        json_strings(&checked.post_logout_redirect_uris),
    );
    set.insert(
        "scopes".into(),
        checked.scopes.as_deref().map_or(Value::Null, json_strings),
    );
    set.insert(
        "grantTypes".into(),
        checked
            .grant_types
            .as_deref()
            .map_or(Value::Null, json_strings),
    );
    set.insert("skipConsent".into(), checked.skip_consent.into());
    set.insert("enableEndSession".into(), checked.enable_end_session.into());
    if let Some(d) = update.get("disabled").and_then(Json::as_bool) {
        set.insert("disabled".into(), d.into());
    }
    set.insert("updatedAt".into(), ctx.now().into());
    let w = audit::writes(ctx).await?;
    let row = w
        .store()
        .update(clients::TABLE, &[Where::eq("id", client.id.as_str())], set)
        .await?
        .ok_or_else(|| ApiError::new(404, OAUTH_CLIENT_NOT_FOUND))?;
    audit::record(
        ctx,
        w.store(),
        change(req, Some(&me), "oauth.client_update", client_id),
    )
    .await?;
    w.commit().await?;
    let updated = Client::from_row(&row).ok_or_else(ApiError::internal)?;
    Ok(AuthResponse::json(updated.metadata()))
}

/// A new secret for a confidential client; the old one stops working at once.
pub async fn rotate(
    ctx: &AuthContext,
    client_id: &str,
    event: AuditEvent,
) -> Result<(Client, Option<String>), ApiError> {
    let client = client_or_404(ctx.adapter.as_ref(), client_id).await?;
    if client.is_public() {
        return Err(ApiError::with_message(
            400,
            super::errors::INVALID_CLIENT_METADATA,
            "a public client has no secret to rotate",
        ));
    }
    let w = audit::writes(ctx).await?;
    let secret = clients::rotate_secret(ctx, w.store(), &client).await?;
    audit::record(ctx, w.store(), event).await?;
    w.commit().await?;
    Ok((client, secret))
}

pub async fn rotate_secret(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = administrator(ctx, req).await?;
    let client_id = req.str_field("client_id").unwrap_or_default();
    let (client, secret) = rotate(
        ctx,
        client_id,
        change(req, Some(&me), "oauth.client_rotate_secret", client_id),
    )
    .await?;
    Ok(AuthResponse::json(with_secret(&client, secret)).no_store())
}

/// Deletes a client and everything granted to it (consents, tokens), in one transaction.
pub async fn delete(ctx: &AuthContext, client_id: &str, event: AuditEvent) -> Result<(), ApiError> {
    let client = client_or_404(ctx.adapter.as_ref(), client_id).await?;
    let w = audit::writes(ctx).await?;
    let s = w.store();
    let whose = [Where::eq("clientId", client.client_id.as_str())];
    s.delete_many(ACCESS, &whose).await?;
    s.delete_many(REFRESH, &whose).await?;
    s.delete_many(consents::TABLE, &whose).await?;
    s.delete_many(clients::TABLE, &[Where::eq("id", client.id.as_str())])
        .await?;
    audit::record(ctx, s, event).await?;
    w.commit().await?;
    Ok(())
}

pub async fn delete_client(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = administrator(ctx, req).await?;
    let client_id = req.str_field("client_id").unwrap_or_default();
    delete(
        ctx,
        client_id,
        change(req, Some(&me), "oauth.client_delete", client_id),
    )
    .await?;
    Ok(AuthResponse::json(json!({ "success": true })))
}

/// What the consent page shows: name, logo and links, never the configuration.
pub async fn public_client(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let id = req.query_param("client_id").unwrap_or_default();
    let client = clients::find(ctx.adapter.as_ref(), id)
        .await?
        .filter(|c| !c.disabled)
        .ok_or_else(|| ApiError::new(404, OAUTH_CLIENT_NOT_FOUND))?;
    Ok(AuthResponse::json(client.public_json()))
}

/// RFC 7591 registration, when `OIDC_DYNAMIC_REGISTRATION` is on: anyone may register a client,
/// never a trusted one. Errors are RFC 7591 §3.2.2's.
pub async fn register(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let new = match NewClient::from_metadata(req.body.as_ref().unwrap_or(&Json::Null), false) {
        Ok(n) => n,
        Err(e) => {
            let error = if e.code.as_deref() == Some(INVALID_REDIRECT_URI.code) {
                "invalid_redirect_uri"
            } else {
                "invalid_client_metadata"
            };
            let description = e.message.clone().unwrap_or_default();
            return Ok(OAuthError::new(400, error, description).response());
        }
    };
    let (client, secret) = create(ctx, new, |id| {
        change(req, None, "oauth.client_register", id)
    })
    .await?;
    let mut res = AuthResponse::json(with_secret(&client, secret)).no_store();
    res.status = 201;
    Ok(res)
}
