//! The admin console's Plugins section: runtime switches (`portcullis_core::switches`).
//!
//! - `GET /admin/plugins`: every registered plugin, whether it is on and whether it can be
//!   switched at all.
//! - `POST /admin/plugins` `{id, enabled}`: stores the switch in `pluginSwitch` and the audit
//!   event in one transaction, then applies it on this instance at once.
//! - The job `console-settings` (`console::settings_job`) runs on every instance every 2
//!   seconds (and once before the server listens), reading `pluginSwitch` and applying what it
//!   says, so every instance follows a change within that interval, with Redis or without:
//!   the database is what all instances share.

use std::collections::HashMap;

use http::Method;
use portcullis_core::audit;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::JobError;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, Plugin};
use portcullis_storage::{Field, FieldType, Query, Row, StorageError, Store, Table, Value};
use serde_json::json;

use super::super::endpoints::{event, operator};
use super::super::{
    PLUGIN_CANNOT_BE_SWITCHED, PLUGIN_NOT_FOUND, YOU_ARE_NOT_ALLOWED_TO_SWITCH_PLUGINS,
};

/// One row per plugin an administrator has switched: its id is the plugin's.
pub const TABLE: &str = "pluginSwitch";

/// How often each instance reads the stored switches: well inside the 5 seconds a change may
/// take to reach every instance.
pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

pub fn table() -> Table {
    Table::new(
        TABLE,
        vec![
            Field::new("enabled", FieldType::Boolean).required(),
            Field::new("updatedAt", FieldType::Date).required(),
            Field::new("updatedBy", FieldType::String),
        ],
    )
}

pub fn endpoints() -> Vec<Endpoint> {
    let entry = schema::object_with(
        json!({
            "id": {"type": "string"},
            "enabled": {"type": "boolean"},
            "switchable": {"type": "boolean", "description": "Whether it can be turned off while the server runs"},
            "updatedAt": {"type": ["string", "null"], "format": "date-time"},
            "updatedBy": {"type": ["string", "null"], "description": "The id of the administrator who last switched it"},
        }),
        &["id", "enabled", "switchable"],
    );
    vec![
        Endpoint::new(
            Method::GET,
            "/admin/plugins",
            "adminListPlugins",
            portcullis_core::handler!(list),
        )
        .tag("Admin console")
        .summary(
            "Plugins and their switches",
            "Every plugin configuration registered, in hook order: whether it is on and whether it may be switched off while the server runs. Off, a plugin's endpoints and pages answer 404 as if it were never enabled. Needs `plugin:list`.",
        )
        .returns(schema::object(json!({"plugins": schema::array(entry.clone())}))),
        Endpoint::new(
            Method::POST,
            "/admin/plugins",
            "adminSwitchPlugin",
            portcullis_core::handler!(switch),
        )
        .tag("Admin console")
        .summary(
            "Turn a plugin on or off",
            "Stored in the database and followed by every instance within a few seconds. Two-factor, admin, audit, bearer and the other plugins whose absence would let someone in on less or lose records cannot be switched (400). Needs `plugin:update`.",
        )
        .body(BodySpec::object(vec![
            FieldSpec::req("id", Ty::String, "The plugin's id, as `GET /admin/plugins` lists it"),
            FieldSpec::req("enabled", Ty::Boolean, "On or off"),
        ]))
        .returns(entry),
    ]
}

/// The stored switches by plugin id.
async fn stored(store: &dyn Store) -> Result<HashMap<String, Row>, StorageError> {
    let rows = store.find_many(TABLE, &Query::default()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let id = r.get("id").and_then(Value::as_str)?.to_owned();
            Some((id, r))
        })
        .collect())
}

fn stored_enabled(row: Option<&Row>) -> bool {
    row.and_then(|r| r.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// The job: this instance follows what is stored. A plugin no longer switchable (a new
/// version) stays on whatever its row says.
pub async fn apply_stored(ctx: &AuthContext) -> Result<(), JobError> {
    let stored = stored(ctx.adapter.as_ref()).await?;
    for p in ctx.plugins.iter().filter(|p| p.switchable()) {
        let on = stored_enabled(stored.get(p.id()));
        // Only switchable, registered plugins are asked for: neither refusal can happen.
        let _ = ctx.switch_plugin(p.id(), on);
    }
    Ok(())
}

fn entry(p: &dyn Plugin, row: Option<&Row>) -> serde_json::Value {
    let date = |name: &str| {
        row.and_then(|r| r.get(name))
            .and_then(Value::as_date)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    };
    json!({
        "id": p.id(),
        "enabled": !p.switchable() || stored_enabled(row),
        "switchable": p.switchable(),
        "updatedAt": date("updatedAt"),
        "updatedBy": row.and_then(|r| r.get("updatedBy")).and_then(Value::as_str),
    })
}

async fn may(
    ctx: &AuthContext,
    req: &AuthRequest,
    action: &str,
) -> Result<portcullis_core::session::SessionWithUser, ApiError> {
    operator(
        ctx,
        req,
        "plugin",
        action,
        YOU_ARE_NOT_ALLOWED_TO_SWITCH_PLUGINS,
    )
    .await
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    may(ctx, req, "list").await?;
    let stored = stored(ctx.adapter.as_ref()).await?;
    let plugins: Vec<serde_json::Value> = ctx
        .plugins
        .iter()
        .map(|p| entry(p.as_ref(), stored.get(p.id())))
        .collect();
    Ok(AuthResponse::json(json!({"plugins": plugins})).no_store())
}

async fn switch(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = may(ctx, req, "update").await?;
    let id = req.str_field("id").unwrap_or_default();
    let enabled = req.bool_field("enabled").unwrap_or(true);
    let Some(plugin) = ctx.plugins.iter().find(|p| p.id() == id) else {
        return Err(ApiError::new(404, PLUGIN_NOT_FOUND));
    };
    if !plugin.switchable() {
        return Err(ApiError::new(400, PLUGIN_CANNOT_BE_SWITCHED));
    }
    let mut set = Row::new();
    set.insert("enabled".into(), enabled.into());
    set.insert("updatedAt".into(), ctx.now().into());
    set.insert("updatedBy".into(), me.user_id().into());
    let tx = ctx.begin().await?;
    let row = super::put_row(tx.store(), TABLE, id, set).await?;
    let e = event(req, &me, "admin.switch_plugin", me.user_id())
        .detail("plugin", id)
        .detail("enabled", enabled);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    // This instance at once, the others at their next refresh. Checked above: registered and
    // switchable, so it cannot be refused.
    let _ = ctx.switch_plugin(id, enabled);
    Ok(AuthResponse::json(entry(plugin.as_ref(), Some(&row))).no_store())
}
