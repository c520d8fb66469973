//! The admin API for webhooks, under `/webhooks/*`: endpoints made, listed, changed and
//! deleted; the delivery log; redelivery. Each needs `webhook:manage` (under the default access
//! control, an administrator role), through `admin::operator`.

use http::Method;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint as Route};
use portcullis_core::openapi::schema;
use portcullis_core::session::SessionWithUser;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Row, Value, Where};
use serde_json::{Value as Json, json};

use super::store::{self, DELIVERY, ENDPOINT};
use super::{
    INVALID_WEBHOOK_ENDPOINT, WEBHOOK_DELIVERY_NOT_FOUND, WEBHOOK_ENDPOINT_NOT_FOUND, Webhooks,
    YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS, sign, valid_url,
};
use crate::admin::console::lists::{Cursor, newest_first};

fn endpoint_schema() -> Json {
    schema::object(json!({
        "id": {"type": "string"},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "description": {"type": ["string", "null"]},
        "enabled": {"type": "boolean"},
        "source": {"type": "string", "enum": ["config", "api"]},
    }))
}

pub fn all() -> Vec<Route> {
    let post = |path, op, h| Route::new(Method::POST, path, op, h).tag("Webhooks");
    let get = |path, op, h| Route::new(Method::GET, path, op, h).tag("Webhooks");
    vec![
        post("/webhooks/create-endpoint", "createWebhookEndpoint", portcullis_core::handler!(create))
            .summary("Add a webhook endpoint", "Answers the signing secret (`whsec_…`) once. `events` filters by action: `*`, `user.*`, `admin.ban_user`. Needs `webhook:manage`.")
            .body(BodySpec::object(vec![
                FieldSpec::req("url", Ty::String, "Where events are posted (http or https)"),
                FieldSpec::opt("events", Ty::Any, "Action filters (a list; `*` when absent)"),
                FieldSpec::opt("description", Ty::String, "A note"),
            ]))
            .returns(schema::object(json!({"endpoint": endpoint_schema(), "secret": {"type": "string"}}))),
        get("/webhooks/list-endpoints", "listWebhookEndpoints", portcullis_core::handler!(list))
            .summary("List webhook endpoints", "Those of the configuration file and those added here; never a secret. Needs `webhook:manage`.")
            .returns(schema::object(json!({"endpoints": {"type": "array", "items": endpoint_schema()}}))),
        post("/webhooks/update-endpoint", "updateWebhookEndpoint", portcullis_core::handler!(update))
            .summary("Change a webhook endpoint", "Its URL, filters, description, or whether it is on. Endpoints of the configuration file are changed there. Needs `webhook:manage`.")
            .body(BodySpec::object(vec![
                FieldSpec::req("id", Ty::String, "The endpoint's id"),
                FieldSpec::opt("url", Ty::String, "A new URL"),
                FieldSpec::opt("events", Ty::Any, "New action filters"),
                FieldSpec::opt("description", Ty::String, "A new note"),
                FieldSpec::opt("enabled", Ty::Boolean, "Whether events are sent to it"),
            ]))
            .returns(schema::object(json!({"endpoint": endpoint_schema()}))),
        post("/webhooks/delete-endpoint", "deleteWebhookEndpoint", portcullis_core::handler!(delete))
            .summary("Delete a webhook endpoint", "Its pending deliveries are then failed. Needs `webhook:manage`.")
            .body(BodySpec::object(vec![FieldSpec::req("id", Ty::String, "The endpoint's id")]))
            .returns(schema::success()),
        get("/webhooks/list-deliveries", "listWebhookDeliveries", portcullis_core::handler!(deliveries))
            .summary("The delivery log", "Newest first: each event sent (or to send) to an endpoint, its attempts and last answer, a page at a time (keyset: pass `nextCursor` back as `cursor`; it is null on the last page). Needs `webhook:manage`.")
            .query(&[
                ("endpointId", "Only this endpoint's"),
                ("status", "`pending`, `delivered` or `failed`"),
                ("cursor", "`nextCursor` of the previous page"),
                ("limit", "At most this many (1 to 1000, 100)"),
            ])
            .returns(schema::object(json!({
                "deliveries": {"type": "array", "items": {"type": "object"}},
                "nextCursor": {"type": ["string", "null"]},
            }))),
        post("/webhooks/redeliver", "redeliverWebhook", portcullis_core::handler!(redeliver))
            .summary("Send a delivery again", "Queues it at once, with the same `webhook-id`, whatever its status. Needs `webhook:manage`.")
            .body(BodySpec::object(vec![FieldSpec::req("deliveryId", Ty::String, "The delivery's id")]))
            .returns(schema::success()),
    ]
}

async fn allowed(ctx: &AuthContext, req: &AuthRequest) -> Result<SessionWithUser, ApiError> {
    crate::admin::operator(
        ctx,
        req,
        "webhook",
        "manage",
        YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS,
    )
    .await
}

/// An endpoint change, for the audit log: by whom, on which endpoint (never its secret).
fn change(req: &AuthRequest, me: &SessionWithUser, action: &'static str, id: &str) -> AuditEvent {
    AuditEvent::new(action)
        .from_request(req)
        .by(me)
        .target("webhookEndpoint", id)
}

fn plugin(ctx: &AuthContext) -> &Webhooks {
    match ctx.plugin::<Webhooks>() {
        Some(p) => p,
        None => unreachable!("webhook handlers run only with the webhooks plugin registered"),
    }
}

fn invalid(message: &str) -> ApiError {
    ApiError::with_message(400, INVALID_WEBHOOK_ENDPOINT, message.to_owned())
}

/// `events` as sent: a list of filters, each `*`, an action, or a prefix ending in `.*`.
fn events_of(req: &AuthRequest) -> Result<Option<Vec<String>>, ApiError> {
    let Some(v) = req.field("events").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let list: Option<Vec<String>> = v
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or(None);
    let list = list.ok_or_else(|| invalid("events must be a list of strings"))?;
    let plain = |f: &str| {
        !f.is_empty()
            && f.len() <= 100
            && f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'*'))
            && !f.contains(',')
    };
    if list.is_empty() || !list.iter().all(|f| plain(f)) {
        return Err(invalid("events must be action names, `*` or `<area>.*`"));
    }
    Ok(Some(list))
}

async fn create(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = allowed(ctx, req).await?;
    let url = req.str_field("url").unwrap_or_default();
    if !valid_url(url) {
        return Err(invalid("url must be an http or https URL"));
    }
    let events = events_of(req)?.unwrap_or_else(|| vec!["*".to_owned()]);
    let secret = sign::new_secret();
    let row = store::endpoint_row(ctx, url, &secret, &events, req.str_field("description"));
    let w = audit::writes(ctx).await?;
    let created = w.create(ENDPOINT, row).await?;
    let id = created
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let e = change(req, &me, "webhook.endpoint_create", id).detail("url", url);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    plugin(ctx).forget_endpoints();
    let endpoint = store::stored_endpoints(ctx, ctx.adapter.as_ref())
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(ApiError::internal)?;
    Ok(AuthResponse::json(json!({"endpoint": endpoint.json(), "secret": secret})).no_store())
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    allowed(ctx, req).await?;
    let all = plugin(ctx).endpoints(ctx, ctx.adapter.as_ref()).await?;
    let list: Vec<Json> = all.iter().map(store::Endpoint::json).collect();
    Ok(AuthResponse::json(json!({"endpoints": list})).no_store())
}

/// A stored endpoint by `id`; one of the configuration file is refused (it is changed there).
async fn stored(ctx: &AuthContext, id: &str) -> Result<Row, ApiError> {
    if plugin(ctx).settings.configured.iter().any(|e| e.id == id) {
        return Err(invalid("this endpoint comes from the configuration file"));
    }
    ctx.adapter
        .find_one(ENDPOINT, &[Where::eq("id", id)])
        .await?
        .ok_or_else(|| ApiError::new(404, WEBHOOK_ENDPOINT_NOT_FOUND))
}

async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = allowed(ctx, req).await?;
    let id = req.str_field("id").unwrap_or_default();
    stored(ctx, id).await?;
    let mut set = Row::new();
    if let Some(url) = req.str_field("url") {
        if !valid_url(url) {
            return Err(invalid("url must be an http or https URL"));
        }
        set.insert("url".into(), url.into());
    }
    if let Some(events) = events_of(req)? {
        set.insert("events".into(), events.join(",").into());
    }
    if let Some(d) = req.str_field("description") {
        set.insert("description".into(), d.into());
    }
    if let Some(on) = req.bool_field("enabled") {
        set.insert("enabled".into(), on.into());
    }
    let fields: Vec<Json> = set.keys().map(|k| Json::from(k.as_str())).collect();
    set.insert("updatedAt".into(), ctx.now().into());
    let w = audit::writes(ctx).await?;
    w.update_many(ENDPOINT, &[Where::eq("id", id)], set).await?;
    let e = change(req, &me, "webhook.endpoint_update", id).detail("fields", fields);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    plugin(ctx).forget_endpoints();
    let endpoint = store::stored_endpoints(ctx, ctx.adapter.as_ref())
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::new(404, WEBHOOK_ENDPOINT_NOT_FOUND))?;
    Ok(AuthResponse::json(json!({"endpoint": endpoint.json()})))
}

async fn delete(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = allowed(ctx, req).await?;
    let id = req.str_field("id").unwrap_or_default();
    stored(ctx, id).await?;
    let tx = ctx.begin().await?;
    tx.delete_many(ENDPOINT, &[Where::eq("id", id)]).await?;
    let mut set = Row::new();
    set.insert("status".into(), "failed".into());
    set.insert("lastError".into(), "the endpoint was deleted".into());
    tx.update_many(
        DELIVERY,
        &[Where::eq("endpointId", id), Where::eq("status", "pending")],
        set,
    )
    .await?;
    let e = change(req, &me, "webhook.endpoint_delete", id);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    plugin(ctx).forget_endpoints();
    Ok(AuthResponse::json(json!({"success": true})))
}

async fn deliveries(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    allowed(ctx, req).await?;
    let mut wheres = Vec::new();
    if let Some(e) = req.query_param("endpointId").filter(|v| !v.is_empty()) {
        wheres.push(Where::eq("endpointId", e));
    }
    match req.query_param("status").filter(|v| !v.is_empty()) {
        None => {}
        Some(s @ ("pending" | "delivered" | "failed")) => wheres.push(Where::eq("status", s)),
        Some(_) => return Err(invalid("status must be pending, delivered or failed")),
    }
    let limit = match req.query_param("limit").filter(|v| !v.is_empty()) {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(invalid("limit must be a number from 1 to 1000")),
        },
    };
    let after = match req.query_param("cursor").filter(|v| !v.is_empty()) {
        None => None,
        Some(c) => Some(
            Cursor::parse(c)
                .ok_or_else(|| invalid("cursor must be the nextCursor of a previous page"))?,
        ),
    };
    // Deliveries share an instant (one event's, for several endpoints): the log pages by
    // (`createdAt`, `id`).
    let db = ctx.adapter.as_ref();
    let (rows, next) =
        newest_first(db, DELIVERY, "createdAt", &wheres, after.as_ref(), limit).await?;
    let list: Vec<Json> = rows.iter().map(store::delivery_json).collect();
    let next = next.map(|c| c.encode());
    Ok(AuthResponse::json(json!({"deliveries": list, "nextCursor": next})).no_store())
}

async fn redeliver(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = allowed(ctx, req).await?;
    let id = req.str_field("deliveryId").unwrap_or_default();
    let now = ctx.now();
    let mut set = Row::new();
    set.insert("status".into(), "pending".into());
    set.insert("nextAttemptAt".into(), now.into());
    // A new three days from now: the retry schedule counts from `createdAt`.
    set.insert("createdAt".into(), now.into());
    set.insert("deliveredAt".into(), Value::Null);
    let w = audit::writes(ctx).await?;
    let n = w.update_many(DELIVERY, &[Where::eq("id", id)], set).await?;
    if n == 0 {
        return Err(ApiError::new(404, WEBHOOK_DELIVERY_NOT_FOUND));
    }
    let e = AuditEvent::new("webhook.redeliver")
        .from_request(req)
        .by(&me)
        .target("webhookDelivery", id);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"success": true})))
}
