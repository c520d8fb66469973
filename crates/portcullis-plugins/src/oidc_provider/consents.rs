//! Consents: Better Auth's `oauthConsent` rows, one per user and client, holding the scopes the
//! user granted. The account page lists them; revoking one also ends what the client holds
//! (its refresh and access tokens for that user), since a consent that is gone must not go on
//! working through a refresh token.

use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::crypto::token::generate_id;
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Query, Row, SortDirection, Store, Value, Where};
use serde_json::{Value as Json, json};

use super::clients::json_strings;
use super::errors::CONSENT_NOT_FOUND;

pub const TABLE: &str = "oauthConsent";

fn scopes_of(row: &Row) -> Vec<String> {
    super::clients::strings(row.get("scopes")).unwrap_or_default()
}

async fn find(store: &dyn Store, client_id: &str, user_id: &str) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one(
            TABLE,
            &[
                Where::eq("clientId", client_id),
                Where::eq("userId", user_id),
            ],
        )
        .await?)
}

/// Whether the user has granted this client every one of `scopes`.
pub async fn covers(
    store: &dyn Store,
    client_id: &str,
    user_id: &str,
    scopes: &[String],
) -> Result<bool, ApiError> {
    Ok(match find(store, client_id, user_id).await? {
        Some(row) => {
            let granted = scopes_of(&row);
            scopes.iter().all(|s| granted.contains(s))
        }
        None => false,
    })
}

/// Records (or widens) a consent, with its audit event, in one transaction.
pub async fn grant(
    ctx: &AuthContext,
    req: &AuthRequest,
    client_id: &str,
    user_id: &str,
    scopes: &[String],
) -> Result<(), ApiError> {
    let now = ctx.now();
    let w = audit::writes(ctx).await?;
    let store = w.store();
    match find(store, client_id, user_id).await? {
        Some(row) => {
            let mut all = scopes_of(&row);
            for s in scopes {
                if !all.contains(s) {
                    all.push(s.clone());
                }
            }
            let mut set = Row::new();
            set.insert("scopes".into(), json_strings(&all));
            set.insert("updatedAt".into(), now.into());
            let id = row.get("id").and_then(Value::as_str).unwrap_or_default();
            store
                .update_many(TABLE, &[Where::eq("id", id)], set)
                .await?;
        }
        None => {
            let mut row = Row::new();
            row.insert("id".into(), generate_id(32).into());
            row.insert("clientId".into(), client_id.into());
            row.insert("userId".into(), user_id.into());
            row.insert("scopes".into(), json_strings(scopes));
            row.insert("createdAt".into(), now.into());
            row.insert("updatedAt".into(), now.into());
            store.create(TABLE, row).await?;
        }
    }
    let e = AuditEvent::new("oauth.consent")
        .from_request(req)
        .own()
        .target("oauthClient", client_id.to_owned())
        .detail("scopes", scopes.join(" "));
    audit::record(ctx, store, e).await?;
    w.commit().await?;
    Ok(())
}

fn consent_json(row: &Row) -> Json {
    let text = |k: &str| row.get(k).and_then(Value::as_str);
    let date = |k: &str| {
        row.get(k)
            .and_then(Value::as_date)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    };
    json!({
        "id": text("id"),
        "clientId": text("clientId"),
        "userId": text("userId"),
        "referenceId": text("referenceId"),
        "resources": row.get("resources").and_then(|v| match v {
            Value::Json(j) => Some(j.clone()),
            _ => None,
        }),
        "requestedUserInfoClaims": match row.get("requestedUserInfoClaims") {
            Some(Value::Json(j)) => j.clone(),
            _ => json!([]),
        },
        "scopes": scopes_of(row),
        "createdAt": date("createdAt"),
        "updatedAt": date("updatedAt"),
    })
}

async fn own(ctx: &AuthContext, req: &AuthRequest, id: &str) -> Result<Row, ApiError> {
    let s = req.session()?;
    ctx.adapter
        .find_one(
            TABLE,
            &[Where::eq("id", id), Where::eq("userId", s.user_id())],
        )
        .await?
        .ok_or_else(|| ApiError::new(404, CONSENT_NOT_FOUND))
}

/// `GET /oauth2/get-consents`: the signed-in user's consents, newest first.
pub async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let rows = ctx
        .adapter
        .find_many(
            TABLE,
            &Query::filter(vec![Where::eq("userId", s.user_id())])
                .sort("updatedAt", SortDirection::Desc)
                .limit(500),
        )
        .await?;
    Ok(AuthResponse::json(Json::Array(
        rows.iter().map(consent_json).collect(),
    )))
}

/// `GET /oauth2/get-consent?id=`.
pub async fn get(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let id = req.query_param("id").unwrap_or_default();
    Ok(AuthResponse::json(consent_json(&own(ctx, req, id).await?)))
}

/// `POST /oauth2/update-consent {id, update: {scopes}}`: the user narrows what a client may
/// do; it cannot widen it here (that takes the consent page, which shows the client).
pub async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let id = req.str_field("id").unwrap_or_default();
    let row = own(ctx, req, id).await?;
    let granted = scopes_of(&row);
    let asked: Vec<String> = req
        .field("update")
        .and_then(|u| u.get("scopes"))
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if asked.is_empty() || asked.iter().any(|s| !granted.contains(s)) {
        return Err(ApiError::with_message(
            400,
            CONSENT_NOT_FOUND,
            "scopes may only be narrowed to ones already granted",
        ));
    }
    let mut set = Row::new();
    set.insert("scopes".into(), json_strings(&asked));
    set.insert("updatedAt".into(), ctx.now().into());
    let updated = ctx
        .adapter
        .update(TABLE, &[Where::eq("id", id)], set)
        .await?
        .ok_or_else(|| ApiError::new(404, CONSENT_NOT_FOUND))?;
    Ok(AuthResponse::json(consent_json(&updated)))
}

/// `POST /oauth2/delete-consent {id}`: the consent and every token the client holds for this
/// user, in one transaction.
pub async fn delete(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let id = req.str_field("id").unwrap_or_default();
    let row = own(ctx, req, id).await?;
    let client_id = row
        .get("clientId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let user_id = req.session()?.user_id().to_owned();
    let w = audit::writes(ctx).await?;
    w.store().delete_many(TABLE, &[Where::eq("id", id)]).await?;
    super::tokens::revoke_family(ctx, w.store(), &client_id, &user_id).await?;
    let e = AuditEvent::new("oauth.consent_revoke")
        .from_request(req)
        .own()
        .target("oauthClient", client_id);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({ "success": true })))
}
