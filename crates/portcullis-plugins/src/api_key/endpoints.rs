//! The routes of `@better-auth/api-key` 1.7: create, get, update, delete, list, and verify.
//!
//! Better Auth lets only its server-side `auth.api` set a key's limits and permissions, act for
//! a `userId`, and verify keys. A standalone server has no such caller in-process, so
//! Portcullis takes two over HTTP (README, "Differences from Better Auth, on purpose"):
//! - a *server call*: a request carrying the configured `API_KEY_SERVER_SECRET` in
//!   `x-portcullis-server-secret` is treated as `auth.api` called without headers;
//! - `POST /api-key/verify` also answers a service whose own key (in the key header) has the
//!   permission `{"apiKey": ["verify"]}`; that use counts against the service key's limits.

use chrono::TimeDelta;
use http::Method;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::crypto::token::{generate_id, hash_token};
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::session::{self, Lookup, SessionWithUser};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Row, Value, Where};
use serde_json::{Map, json};
use subtle::ConstantTimeEq;

use super::errors::*;
use super::input::{Issues, coerced_string, truthy};
use super::permissions::{Statements, VERIFY_ACTION, VERIFY_RESOURCE, parse_statements};
use super::settings;
use super::settings::ApiKeySettings;
use super::table::{self, TABLE, millis, record_json};
use super::usage::{self, KeyRefusal, config_matches};

/// The header a trusted backend sends the server secret in.
pub const SERVER_SECRET_HEADER: &str = "x-portcullis-server-secret";

fn record_schema(with_key: bool) -> serde_json::Value {
    let n = |d: &str| schema::nullable(json!({"type": "number", "description": d}));
    let date = |d: &str| {
        schema::nullable(json!({"type": "string", "format": "date-time", "description": d}))
    };
    let mut props = json!({
        "id": schema::string("The key's id"),
        "configId": schema::string("Its configuration (`default`)"),
        "name": schema::nullable(schema::string("Its name")),
        "start": schema::nullable(schema::string("Its first characters, to tell keys apart")),
        "referenceId": schema::string("The id of the user who owns it"),
        "prefix": schema::nullable(schema::string("Its prefix")),
        "refillInterval": n("Milliseconds between refills of `remaining`"),
        "refillAmount": n("What `remaining` is refilled to"),
        "lastRefillAt": date("The last refill"),
        "enabled": schema::boolean("Whether it may be used"),
        "rateLimitEnabled": schema::boolean("Whether its rate limit applies"),
        "rateLimitTimeWindow": n("The rate limit's window in milliseconds"),
        "rateLimitMax": n("Uses allowed in a window"),
        "requestCount": json!({"type": "number", "description": "Uses in the current window"}),
        "remaining": n("Uses left (null: unlimited)"),
        "lastRequest": date("Its last use"),
        "expiresAt": date("When it expires (null: never)"),
        "createdAt": json!({"type": "string", "format": "date-time"}),
        "updatedAt": json!({"type": "string", "format": "date-time"}),
        "permissions": schema::nullable(json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}, "description": "Access-control statements: resource → actions"})),
        "metadata": json!({"description": "Free-form metadata (null when none)"}),
    });
    if with_key {
        props["key"] = schema::string("The key itself: shown this once, never again");
    }
    schema::object(props)
}

fn body_fields_create() -> Vec<FieldSpec> {
    vec![
        FieldSpec::opt("configId", Ty::String, "The configuration (only `default`)"),
        FieldSpec::opt("name", Ty::String, "A name for the key"),
        FieldSpec::opt(
            "expiresIn",
            Ty::Any,
            "Seconds until it expires, or null for never (number ≥ 1)",
        ),
        FieldSpec::opt("prefix", Ty::String, "Put before the key, e.g. `sk_`"),
        FieldSpec::opt(
            "remaining",
            Ty::Any,
            "Uses allowed (server call only; number ≥ 0 or null)",
        ),
        FieldSpec::opt(
            "metadata",
            Ty::Any,
            "Free-form JSON object (when metadata is enabled)",
        ),
        FieldSpec::opt(
            "refillAmount",
            Ty::Any,
            "Refill `remaining` to this (server call only; number ≥ 1)",
        ),
        FieldSpec::opt(
            "refillInterval",
            Ty::Any,
            "Milliseconds between refills (server call only)",
        ),
        FieldSpec::opt(
            "rateLimitTimeWindow",
            Ty::Any,
            "Rate-limit window in milliseconds (server call only)",
        ),
        FieldSpec::opt(
            "rateLimitMax",
            Ty::Any,
            "Uses allowed per window (server call only)",
        ),
        FieldSpec::opt(
            "rateLimitEnabled",
            Ty::Boolean,
            "Whether the rate limit applies (server call only)",
        ),
        FieldSpec::opt(
            "permissions",
            Ty::Any,
            "Access-control statements, e.g. {\"files\":[\"read\"]} (server call only)",
        ),
        FieldSpec::opt("userId", Ty::Any, "The owner (server call only)"),
        FieldSpec::opt(
            "organizationId",
            Ty::Any,
            "Organization-owned keys are not supported",
        ),
    ]
}

fn body_fields_update() -> Vec<FieldSpec> {
    vec![
        FieldSpec::opt("configId", Ty::String, "The configuration (only `default`)"),
        FieldSpec::req("keyId", Ty::String, "The key's id"),
        FieldSpec::opt("userId", Ty::Any, "The owner (server call only)"),
        FieldSpec::opt("name", Ty::String, "A new name"),
        FieldSpec::opt("enabled", Ty::Boolean, "Turn the key on or off"),
        FieldSpec::opt(
            "remaining",
            Ty::Any,
            "Uses left (server call only; number ≥ 1)",
        ),
        FieldSpec::opt("refillAmount", Ty::Any, "Refill amount (server call only)"),
        FieldSpec::opt(
            "refillInterval",
            Ty::Any,
            "Refill interval in ms (server call only)",
        ),
        FieldSpec::opt(
            "metadata",
            Ty::Any,
            "Free-form JSON object (when metadata is enabled)",
        ),
        FieldSpec::opt(
            "expiresIn",
            Ty::Any,
            "Seconds until it expires, or null for never",
        ),
        FieldSpec::opt(
            "rateLimitEnabled",
            Ty::Boolean,
            "Whether the rate limit applies (server call only)",
        ),
        FieldSpec::opt(
            "rateLimitTimeWindow",
            Ty::Any,
            "Rate-limit window in ms (server call only)",
        ),
        FieldSpec::opt(
            "rateLimitMax",
            Ty::Any,
            "Uses allowed per window (server call only)",
        ),
        FieldSpec::opt(
            "permissions",
            Ty::Any,
            "Access-control statements (server call only), or null",
        ),
    ]
}

pub fn endpoints() -> Vec<Endpoint> {
    let verify_answer = schema::object(json!({
        "valid": schema::boolean("Whether the key may be used"),
        "error": schema::nullable(schema::object_with(json!({
            "message": schema::string("Why not"),
            "code": schema::string("Better Auth's error code"),
        }), &["message", "code"])),
        "key": schema::nullable(record_schema(false)),
    }));
    vec![
        Endpoint::new(
            Method::POST,
            "/api-key/create",
            "createApiKey",
            portcullis_core::handler!(create),
        )
        .summary(
            "Create an API key",
            "Creates a key for the signed-in user and answers with it: the `key` field is \
                 shown this once and stored only as its SHA-256. Limits, permissions and \
                 `userId` are for server calls (`x-portcullis-server-secret`).",
        )
        .tag("API keys")
        .body(BodySpec::object(body_fields_create()))
        .returns(record_schema(true)),
        Endpoint::new(
            Method::GET,
            "/api-key/get",
            "getApiKey",
            portcullis_core::handler!(get),
        )
        .summary(
            "Get an API key",
            "One of the signed-in user's keys, without the key itself.",
        )
        .tag("API keys")
        .auth(Auth::Session)
        .query(&[
            ("id", "The key's id"),
            ("configId", "The configuration (only `default`)"),
        ])
        .returns(record_schema(false)),
        Endpoint::new(
            Method::POST,
            "/api-key/update",
            "updateApiKey",
            portcullis_core::handler!(update),
        )
        .summary(
            "Update an API key",
            "Renames, turns on or off, or changes the expiry of one of the signed-in \
                 user's keys; limits and permissions only in a server call.",
        )
        .tag("API keys")
        .body(BodySpec::object(body_fields_update()))
        .returns(record_schema(false)),
        Endpoint::new(
            Method::POST,
            "/api-key/delete",
            "deleteApiKey",
            portcullis_core::handler!(delete),
        )
        .summary(
            "Delete an API key",
            "Revokes one of the signed-in user's keys at once, on every instance.",
        )
        .tag("API keys")
        .auth(Auth::Sensitive)
        .body(BodySpec::object(vec![
            FieldSpec::opt("configId", Ty::String, "The configuration (only `default`)"),
            FieldSpec::req("keyId", Ty::String, "The key's id"),
        ]))
        .returns(schema::success()),
        Endpoint::new(
            Method::GET,
            "/api-key/list",
            "listApiKeys",
            portcullis_core::handler!(list),
        )
        .summary(
            "List API keys",
            "The signed-in user's keys, without the keys themselves.",
        )
        .tag("API keys")
        .auth(Auth::Session)
        .query(&[
            ("configId", "Only keys of this configuration"),
            ("limit", "At most this many"),
            ("offset", "Skip this many"),
            (
                "sortBy",
                "A field to sort by (createdAt, name, expiresAt, …)",
            ),
            ("sortDirection", "asc or desc"),
        ])
        .returns(schema::object_with(
            json!({
                "apiKeys": schema::array(record_schema(false)),
                "total": json!({"type": "number", "description": "Keys in all"}),
                "limit": json!({"type": "number"}),
                "offset": json!({"type": "number"}),
            }),
            &["apiKeys", "total"],
        )),
        Endpoint::new(
            Method::POST,
            "/api-key/verify",
            "verifyApiKey",
            portcullis_core::handler!(verify),
        )
        .summary(
            "Verify an API key",
            "For services: checks a key (and, if asked, its permissions) and counts one use \
                 of it. The caller sends the server secret in `x-portcullis-server-secret`, or \
                 its own key, with the permission {\"apiKey\":[\"verify\"]}, in the key header.",
        )
        .tag("API keys")
        .body(BodySpec::object(vec![
            FieldSpec::opt("configId", Ty::String, "Only keys of this configuration"),
            FieldSpec::req("key", Ty::String, "The key to verify"),
            FieldSpec::opt("permissions", Ty::Any, "Permissions the key must have"),
        ]))
        .returns(verify_answer),
    ]
}

/// Whether the request is a server call. A wrong secret is refused, never taken for a user's
/// call; the secrets are compared as SHA-256 digests, in constant time.
fn server_call(settings: &ApiKeySettings, req: &AuthRequest) -> Result<bool, ApiError> {
    let Some(given) = req.header(SERVER_SECRET_HEADER) else {
        return Ok(false);
    };
    // Every listed secret is compared, so the time to answer does not tell which one matched.
    let given = hash_token(given);
    let matches = settings.server_secrets.iter().fold(false, |any, secret| {
        bool::from(given.as_bytes().ct_eq(hash_token(secret).as_bytes())) | any
    });
    if matches {
        Ok(true)
    } else {
        Err(ApiError::new(401, INVALID_SERVER_SECRET))
    }
}

/// The caller's session: the one a key header stands for, else the cookie's (never the cookie
/// cache, as Better Auth's `disableCookieCache`).
async fn caller_session(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<Option<SessionWithUser>, ApiError> {
    if let Some(s) = &req.session {
        return Ok(Some(s.clone()));
    }
    Ok(match session::lookup(ctx, req, false).await? {
        Lookup::Found(s) => Some(s),
        _ => None,
    })
}

fn body(req: &AuthRequest) -> Map<String, serde_json::Value> {
    req.body
        .as_ref()
        .and_then(serde_json::Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn num(body: &Map<String, serde_json::Value>, field: &str) -> Option<i64> {
    body.get(field).and_then(serde_json::Value::as_i64)
}

/// Characters as JavaScript counts `length` for the names and prefixes people type.
fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn check_expires_in(s: &ApiKeySettings, expires_in: i64) -> Result<(), ApiError> {
    if s.disable_custom_expires_in {
        return Err(ApiError::bad_request(KEY_DISABLED_EXPIRATION));
    }
    let days = expires_in as f64 / 86_400.0;
    if s.min_expires_in_days > days {
        return Err(ApiError::bad_request(EXPIRES_IN_IS_TOO_SMALL));
    }
    if s.max_expires_in_days < days {
        return Err(ApiError::bad_request(EXPIRES_IN_IS_TOO_LARGE));
    }
    Ok(())
}

fn check_name(s: &ApiKeySettings, name: &str) -> Result<(), ApiError> {
    let len = js_len(name);
    if len < s.min_name_length || len > s.max_name_length {
        return Err(ApiError::bad_request(INVALID_NAME_LENGTH));
    }
    Ok(())
}

/// Metadata as Better Auth takes it: any object (arrays too: `typeof [] === "object"`).
fn check_metadata(s: &ApiKeySettings, metadata: &serde_json::Value) -> Result<(), ApiError> {
    if !s.enable_metadata {
        return Err(ApiError::bad_request(METADATA_DISABLED));
    }
    if !(metadata.is_object() || metadata.is_array()) {
        return Err(ApiError::bad_request(INVALID_METADATA_TYPE));
    }
    Ok(())
}

const SERVER_ONLY: &[&str] = &[
    "refillAmount",
    "refillInterval",
    "rateLimitMax",
    "rateLimitTimeWindow",
    "rateLimitEnabled",
    "permissions",
];

async fn create(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    let body = body(req);
    let mut issues = Issues::default();
    issues.number(&body, "expiresIn", Some(1), true);
    issues.prefix(&body);
    issues.number(&body, "remaining", Some(0), true);
    issues.number(&body, "refillAmount", Some(1), false);
    issues.number(&body, "refillInterval", None, false);
    issues.number(&body, "rateLimitTimeWindow", None, false);
    issues.number(&body, "rateLimitMax", None, false);
    issues.statements(&body, "permissions", false);
    issues.finish()?;

    let server = server_call(s, req)?;
    let session = if server {
        None
    } else {
        caller_session(ctx, req).await?
    };
    let remaining = num(&body, "remaining");
    if !server {
        if SERVER_ONLY.iter().any(|f| body.contains_key(*f)) || remaining.is_some() {
            return Err(ApiError::bad_request(SERVER_ONLY_PROPERTY));
        }
        if body.contains_key("userId") {
            return Err(ApiError::new(401, UNAUTHORIZED_SESSION));
        }
    }
    if truthy(body.get("organizationId")) {
        return Err(ApiError::bad_request(ORGANIZATION_PLUGIN_REQUIRED));
    }
    let reference_id = match (&session, coerced_string(body.get("userId"))) {
        (Some(s), _) => s.user_id().to_owned(),
        (None, Some(user_id)) if server && !user_id.is_empty() => user_id,
        _ => return Err(ApiError::new(401, UNAUTHORIZED_SESSION)),
    };
    if let Some(metadata) = body.get("metadata").filter(|m| truthy(Some(m))) {
        check_metadata(s, metadata)?;
    }
    let refill_amount = num(&body, "refillAmount");
    let refill_interval = num(&body, "refillInterval");
    if refill_amount.is_some_and(|a| a != 0) && refill_interval.is_none_or(|i| i == 0) {
        return Err(ApiError::bad_request(REFILL_AMOUNT_AND_INTERVAL_REQUIRED));
    }
    if refill_interval.is_some_and(|i| i != 0) && refill_amount.is_none_or(|a| a == 0) {
        return Err(ApiError::bad_request(REFILL_INTERVAL_AND_AMOUNT_REQUIRED));
    }
    let expires_in = num(&body, "expiresIn");
    if let Some(e) = expires_in {
        check_expires_in(s, e)?;
    }
    let prefix = body
        .get("prefix")
        .and_then(serde_json::Value::as_str)
        .filter(|p| !p.is_empty());
    if let Some(p) = prefix {
        let len = js_len(p);
        if len < s.min_prefix_length || len > s.max_prefix_length {
            return Err(ApiError::bad_request(INVALID_PREFIX_LENGTH));
        }
    }
    let name = body
        .get("name")
        .and_then(serde_json::Value::as_str)
        .filter(|n| !n.is_empty());
    match name {
        Some(n) => check_name(s, n)?,
        None if s.require_name => return Err(ApiError::bad_request(NAME_REQUIRED)),
        None => {}
    }

    let prefix = prefix
        .map(str::to_owned)
        .or_else(|| s.default_prefix.clone());
    let key = table::generate_key(prefix.as_deref(), s.key_length);
    let permissions = match body.get("permissions") {
        Some(p) => Some(p.to_string()),
        None => s
            .default_permissions
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok()),
    };
    let now = millis(ctx.now());
    let expires_at = match expires_in {
        Some(e) => Some(now + TimeDelta::seconds(e)),
        None => s.default_expires_in.map(|e| now + TimeDelta::seconds(e)),
    };
    let opt_int = |v: Option<i64>| v.map(Value::Int).unwrap_or(Value::Null);
    let opt_str = |v: Option<String>| v.map(Value::String).unwrap_or(Value::Null);
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("configId".into(), "default".into());
    row.insert("name".into(), opt_str(name.map(str::to_owned)));
    row.insert(
        "start".into(),
        opt_str(table::start_of(&key, s.start_length)),
    );
    row.insert("referenceId".into(), reference_id.clone().into());
    row.insert("prefix".into(), opt_str(prefix));
    row.insert("key".into(), table::hash_key(&key).into());
    row.insert("refillInterval".into(), opt_int(refill_interval));
    row.insert("refillAmount".into(), opt_int(refill_amount));
    row.insert("lastRefillAt".into(), Value::Null);
    row.insert("enabled".into(), true.into());
    row.insert(
        "rateLimitEnabled".into(),
        body.get("rateLimitEnabled")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(s.rate_limit_enabled)
            .into(),
    );
    row.insert(
        "rateLimitTimeWindow".into(),
        Value::Int(num(&body, "rateLimitTimeWindow").unwrap_or(s.rate_limit_window_ms)),
    );
    row.insert(
        "rateLimitMax".into(),
        Value::Int(num(&body, "rateLimitMax").unwrap_or(s.rate_limit_max)),
    );
    row.insert("requestCount".into(), Value::Int(0));
    row.insert("remaining".into(), opt_int(remaining));
    row.insert("lastRequest".into(), Value::Null);
    row.insert(
        "expiresAt".into(),
        expires_at.map(Value::Date).unwrap_or(Value::Null),
    );
    row.insert("createdAt".into(), Value::Date(now));
    row.insert("updatedAt".into(), Value::Date(now));
    row.insert("permissions".into(), opt_str(permissions));
    let metadata = body.get("metadata").filter(|m| truthy(Some(m)));
    row.insert("metadata".into(), opt_str(metadata.map(|m| m.to_string())));
    let w = audit::writes(ctx).await?;
    let created = w.create(TABLE, row).await?;
    // The key's id and its shown start, never the key.
    let mut e = AuditEvent::new("api_key.create")
        .from_request(req)
        .target_user(reference_id.as_str());
    if let Some(s) = &session {
        e = e.by(s);
    }
    if let Some(id) = table::text(&created, "id") {
        e = e.target("apiKey", id);
    }
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(table::created_json(&created, &key)).no_store())
}

/// A key the caller owns, by id and configuration; anything else is "not found".
async fn owned_key(
    ctx: &AuthContext,
    id: &str,
    config_id: Option<&str>,
    owner: &str,
) -> Result<Row, ApiError> {
    let found = ctx.adapter.find_one(TABLE, &[Where::eq("id", id)]).await?;
    match found {
        Some(row)
            if config_matches(
                table::text(&row, "configId"),
                config_id.unwrap_or("default"),
            ) && table::text(&row, "referenceId") == Some(owner) =>
        {
            Ok(row)
        }
        _ => Err(ApiError::new(404, KEY_NOT_FOUND)),
    }
}

async fn get(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let Some(id) = req.query_param("id") else {
        return Err(ApiError::validation(
            "[query.id] Invalid input: expected string, received undefined".into(),
        ));
    };
    let me = req.session()?;
    let row = owned_key(ctx, id, req.query_param("configId"), me.user_id()).await?;
    Ok(AuthResponse::json(record_json(&row)))
}

async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    let body = body(req);
    let mut issues = Issues::default();
    issues.number(&body, "remaining", Some(1), false);
    issues.number(&body, "refillAmount", None, false);
    issues.number(&body, "refillInterval", None, false);
    issues.number(&body, "expiresIn", Some(1), true);
    issues.number(&body, "rateLimitTimeWindow", None, false);
    issues.number(&body, "rateLimitMax", None, false);
    issues.statements(&body, "permissions", true);
    issues.finish()?;

    let server = server_call(s, req)?;
    let session = if server {
        None
    } else {
        caller_session(ctx, req).await?
    };
    let body_user = coerced_string(body.get("userId"));
    let user_id = match (&session, &body_user) {
        (Some(s), Some(u)) if s.user_id() != u => {
            return Err(ApiError::new(401, UNAUTHORIZED_SESSION));
        }
        (Some(s), _) => s.user_id().to_owned(),
        (None, Some(u)) if server && !u.is_empty() => u.clone(),
        _ => return Err(ApiError::new(401, UNAUTHORIZED_SESSION)),
    };
    if !server
        && (SERVER_ONLY.iter().any(|f| body.contains_key(*f)) || body.contains_key("remaining"))
    {
        return Err(ApiError::bad_request(SERVER_ONLY_PROPERTY));
    }
    let key_id = req.str_field("keyId").unwrap_or_default();
    let row = owned_key(ctx, key_id, req.str_field("configId"), &user_id).await?;

    let mut set = Row::new();
    if let Some(name) = req.str_field("name") {
        check_name(s, name)?;
        set.insert("name".into(), name.into());
    }
    if let Some(enabled) = req.bool_field("enabled") {
        set.insert("enabled".into(), enabled.into());
    }
    if let Some(expires_in) = body.get("expiresIn") {
        let expires_in = expires_in.as_i64();
        if s.disable_custom_expires_in {
            return Err(ApiError::bad_request(KEY_DISABLED_EXPIRATION));
        }
        if let Some(e) = expires_in {
            check_expires_in(s, e)?;
        }
        let at = expires_in.map(|e| Value::Date(millis(ctx.now()) + TimeDelta::seconds(e)));
        set.insert("expiresAt".into(), at.unwrap_or(Value::Null));
    }
    // Better Auth ignores metadata when it is disabled, rather than refusing it here.
    if let Some(metadata) = body.get("metadata").filter(|_| s.enable_metadata) {
        if !(metadata.is_object() || metadata.is_array()) {
            return Err(ApiError::bad_request(INVALID_METADATA_TYPE));
        }
        set.insert("metadata".into(), metadata.to_string().into());
    }
    if let Some(remaining) = num(&body, "remaining") {
        set.insert("remaining".into(), Value::Int(remaining));
    }
    match (num(&body, "refillAmount"), num(&body, "refillInterval")) {
        (None, None) => {}
        (Some(_), None) => return Err(ApiError::bad_request(REFILL_AMOUNT_AND_INTERVAL_REQUIRED)),
        (None, Some(_)) => return Err(ApiError::bad_request(REFILL_INTERVAL_AND_AMOUNT_REQUIRED)),
        (Some(amount), Some(interval)) => {
            set.insert("refillAmount".into(), Value::Int(amount));
            set.insert("refillInterval".into(), Value::Int(interval));
        }
    }
    if let Some(enabled) = req.bool_field("rateLimitEnabled") {
        set.insert("rateLimitEnabled".into(), enabled.into());
    }
    for field in ["rateLimitTimeWindow", "rateLimitMax"] {
        if let Some(v) = num(&body, field) {
            set.insert(field.into(), Value::Int(v));
        }
    }
    if let Some(p) = body.get("permissions") {
        let text = (!p.is_null()).then(|| p.to_string());
        set.insert(
            "permissions".into(),
            text.map(Value::String).unwrap_or(Value::Null),
        );
    }
    if set.is_empty() {
        return Err(ApiError::bad_request(NO_VALUES_TO_UPDATE));
    }
    let id = table::text(&row, "id").unwrap_or_default();
    let updated = ctx
        .adapter
        .update(TABLE, &[Where::eq("id", id)], set)
        .await?
        .ok_or_else(|| ApiError::new(404, KEY_NOT_FOUND))?;
    Ok(AuthResponse::json(record_json(&updated)))
}

async fn delete(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    if me.user.get("banned").and_then(Value::as_bool) == Some(true) {
        return Err(ApiError::new(401, USER_BANNED));
    }
    let key_id = req.str_field("keyId").unwrap_or_default();
    let row = owned_key(ctx, key_id, req.str_field("configId"), me.user_id()).await?;
    let id = table::text(&row, "id").unwrap_or_default();
    // Every use reads the row, so once this commits no instance accepts the key.
    let w = audit::writes(ctx).await?;
    w.delete_many(TABLE, &[Where::eq("id", id)]).await?;
    let e = AuditEvent::new("api_key.revoke")
        .from_request(req)
        .own()
        .target("apiKey", id);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"success": true})))
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut issues = Issues::default();
    let limit = issues.query_count("limit", req.query_param("limit"));
    let offset = issues.query_count("offset", req.query_param("offset"));
    let direction = req.query_param("sortDirection");
    issues.query_one_of("sortDirection", direction, &["asc", "desc"]);
    let sort_by = req.query_param("sortBy");
    if let Some(field) = sort_by
        && field != "id"
        && !table::SCALAR_FIELDS.contains(&field)
    {
        // Better Auth hands an unknown field to the database and answers 500.
        issues.push(format!(
            "[query.sortBy] Invalid option: expected one of id|{}",
            table::SCALAR_FIELDS.join("|")
        ));
    }
    issues.finish()?;
    if req
        .query_param("organizationId")
        .is_some_and(|o| !o.is_empty())
    {
        return Err(ApiError::bad_request(ORGANIZATION_PLUGIN_REQUIRED));
    }
    let me = req.session()?;
    let mut query = portcullis_storage::Query::filter(vec![Where::eq("referenceId", me.user_id())]);
    if let Some(field) = sort_by {
        let dir = match direction {
            Some("desc") => portcullis_storage::SortDirection::Desc,
            _ => portcullis_storage::SortDirection::Asc,
        };
        query = query.sort(field, dir);
    }
    let rows = ctx.adapter.find_many(TABLE, &query).await?;
    let config_id = req.query_param("configId");
    let keys: Vec<&Row> = rows
        .iter()
        .filter(|r| config_id.is_none_or(|c| config_matches(table::text(r, "configId"), c)))
        .collect();
    let total = keys.len();
    let page: Vec<serde_json::Value> = keys
        .into_iter()
        .skip(offset.unwrap_or(0).try_into().unwrap_or(usize::MAX))
        .take(limit.map_or(usize::MAX, |l| l.try_into().unwrap_or(usize::MAX)))
        .map(record_json)
        .collect();
    let mut answer = json!({"apiKeys": page, "total": total});
    if let Some(l) = limit {
        answer["limit"] = json!(l);
    }
    if let Some(o) = offset {
        answer["offset"] = json!(o);
    }
    Ok(AuthResponse::json(answer))
}

/// The `{valid, error, key}` answer of Better Auth's verify.
fn verify_answer(result: Result<Row, KeyRefusal>) -> Result<AuthResponse, ApiError> {
    Ok(AuthResponse::json(match result {
        Ok(row) => json!({"valid": true, "error": null, "key": record_json(&row)}),
        Err(KeyRefusal::Failed(e)) => return Err(e),
        Err(refusal) => json!({"valid": false, "error": refusal.body(), "key": null}),
    }))
}

async fn verify(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = settings(ctx);
    let body = body(req);
    let mut issues = Issues::default();
    issues.statements(&body, "permissions", false);
    issues.finish()?;
    if !server_call(s, req)? {
        let Some(own) = req.header(s.header.as_str()) else {
            return Err(ApiError::new(401, VERIFY_PERMISSION_REQUIRED));
        };
        let need = Statements::from([(VERIFY_RESOURCE.to_owned(), vec![VERIFY_ACTION.to_owned()])]);
        match usage::use_key(ctx, s, own, Some(&need), None).await {
            Ok(_) => {}
            Err(KeyRefusal::NotPermitted) => {
                return Err(ApiError::new(403, VERIFY_PERMISSION_REQUIRED));
            }
            Err(refusal) => return refusal.into_response(),
        }
    }
    let key = req.str_field("key").unwrap_or_default();
    let permissions = body.get("permissions").and_then(parse_statements);
    let result = usage::use_key(ctx, s, key, permissions.as_ref(), req.str_field("configId")).await;
    verify_answer(result)
}
