//! `webhooks`: audit events sent to other systems, signed by the Standard Webhooks
//! specification.
//!
//! - The outbox: the plugin keeps audit events (`Plugin::audit`, like the `audit` plugin, with
//!   or without it), and writes one `webhookDelivery` row per event and interested endpoint
//!   through the caller's store, so a change and its deliveries commit together.
//! - `deliver.rs`: the `webhooks-deliver` job sends them (claimed one by one with a lease, so
//!   several instances share the work), retrying with exponential backoff for three days.
//! - Endpoints come from `[[webhooks]]` tables in the configuration file and from the admin
//!   API (`endpoints.rs`: create, list, update, delete, the delivery log, redelivery).
//! - In-process: an embedding Rust app registers its own plugin with `records_audit()` and
//!   gets every event in `Plugin::audit`, in the transaction of the change.
//! - With the admin plugin, the admin console's "Webhooks" section (`templates/`, `assets/`)
//!   is built on that API: endpoints added, changed, turned off and deleted, the signing secret
//!   shown once, and the delivery log with "Send again".
//!
//! Settings: `ENABLE_WEBHOOKS` (on by itself when `[[webhooks]]` is present),
//! `WEBHOOK_INTERVAL` (seconds between delivery runs, 5) and `WEBHOOK_TIMEOUT` (seconds a
//! request may take, 10; a claim lasts six times that).

pub mod deliver;
mod endpoints;
pub mod sign;
pub mod store;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portcullis_core::audit::AuditEvent;
use portcullis_core::endpoint::Endpoint as Route;
use portcullis_core::error::ErrorCode;
use portcullis_core::plugin_parts::{Asset, ExpiringTable, Fragment, Job, Messages};
use portcullis_core::{ApiError, AuthContext, Config, ConfigError, Plugin};
use portcullis_storage::{StorageError, Store, Table};
use serde_json::json;

pub use store::Endpoint;

portcullis_core::error_codes! {
    YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS => "You are not allowed to manage webhooks",
    WEBHOOK_ENDPOINT_NOT_FOUND => "Webhook endpoint not found",
    WEBHOOK_DELIVERY_NOT_FOUND => "Webhook delivery not found",
    INVALID_WEBHOOK_ENDPOINT => "Invalid webhook endpoint",
}

const ALL_CODES: &[ErrorCode] = &[
    YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS,
    WEBHOOK_ENDPOINT_NOT_FOUND,
    WEBHOOK_DELIVERY_NOT_FOUND,
    INVALID_WEBHOOK_ENDPOINT,
];

/// The delivery log is kept this long after each event.
const LOG_DAYS: u64 = 30;

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSettings {
    /// Endpoints from `[[webhooks]]`.
    pub configured: Vec<Endpoint>,
    pub interval: std::time::Duration,
    /// One request's limit; a claim lasts six times as long (`lease`).
    pub timeout: std::time::Duration,
}

impl WebhookSettings {
    /// How long a claimed delivery is held: well past a request's limit, so a slow answer is
    /// never sent twice; a sender that died lets it go once it runs out.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.timeout * 6).unwrap_or(chrono::Duration::seconds(60))
    }
}

/// Whether `url` is an absolute http(s) URL.
pub fn valid_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

impl WebhookSettings {
    /// `None` unless `ENABLE_WEBHOOKS` is on or `[[webhooks]]` tables are present.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let tables = config.sources.table_sources("webhooks");
        let src = config.sources.plugin("webhooks");
        if !src.flag("enabled", Some("ENABLE_WEBHOOKS"), !tables.is_empty())? {
            return Ok(None);
        }
        let mut configured = Vec::new();
        for (i, t) in tables.iter().enumerate() {
            let name = |key: &str| format!("webhooks[{i}].{key}");
            let id = t.string("id", None, &format!("config-{i}"))?;
            let url = t.required("url", None)?;
            if !valid_url(&url) {
                return Err(ConfigError::new(
                    &name("url"),
                    "must be an http or https URL",
                ));
            }
            let secret = t.required("secret", None)?;
            if sign::key_of(&secret).is_none() {
                return Err(ConfigError::new(
                    &name("secret"),
                    "must be whsec_ followed by base64 of 24 to 64 bytes",
                ));
            }
            let mut events = t.list("events", None)?;
            if events.is_empty() {
                events.push("*".to_owned());
            }
            if configured.iter().any(|e: &Endpoint| e.id == id) {
                return Err(ConfigError::new(
                    &name("id"),
                    format!("`{id}` is used twice"),
                ));
            }
            configured.push(Endpoint {
                id,
                url,
                secret,
                events,
                description: None,
                enabled: true,
                configured: true,
            });
        }
        let interval = src.parse(
            "interval",
            Some("WEBHOOK_INTERVAL"),
            5_u64,
            "a number of seconds",
        )?;
        let timeout = src.parse(
            "timeout",
            Some("WEBHOOK_TIMEOUT"),
            10_u64,
            "a number of seconds",
        )?;
        if !(1..=60).contains(&timeout) {
            let var = src
                .get("timeout", Some("WEBHOOK_TIMEOUT"))?
                .map_or_else(|| src.var("timeout"), |(v, _)| v);
            return Err(ConfigError::new(&var, "must be between 1 and 60 seconds"));
        }
        Ok(Some(WebhookSettings {
            configured,
            interval: std::time::Duration::from_secs(interval.max(1)),
            timeout: std::time::Duration::from_secs(timeout),
        }))
    }
}

pub struct Webhooks {
    settings: WebhookSettings,
    client: reqwest::Client,
    /// `/webhooks/*` and the console section are served only with the admin plugin, whose
    /// roles decide who may use them.
    with_admin: bool,
    /// Every endpoint as last read, and when (the context's clock): each audited action needs
    /// them, and reading the table and opening each secret every time is work for nothing.
    /// Dropped when this instance changes an endpoint; another instance's change is seen
    /// within `ENDPOINTS_FRESH_FOR`.
    cached: std::sync::Mutex<Option<ReadEndpoints>>,
}

/// The endpoints as read, and when.
type ReadEndpoints = (DateTime<Utc>, Arc<Vec<Endpoint>>);

/// How long a read of the endpoints serves the outbox.
const ENDPOINTS_FRESH_FOR: chrono::Duration = chrono::Duration::seconds(5);

impl Webhooks {
    pub fn new(settings: WebhookSettings, with_admin: bool) -> Self {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            // A receiver's redirect is not followed: the signed body goes where it was sent.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Webhooks {
            settings,
            client,
            with_admin,
            cached: std::sync::Mutex::new(None),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Option<ReadEndpoints>> {
        // Only whole values are stored under the lock: a panic cannot leave half of one.
        self.cached.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every endpoint, from the cache while it is fresh (`ENDPOINTS_FRESH_FOR`).
    pub async fn endpoints_cached(
        &self,
        ctx: &AuthContext,
        store: &dyn Store,
    ) -> Result<Arc<Vec<Endpoint>>, StorageError> {
        let now = ctx.now();
        if let Some((read_at, all)) = self.cache().as_ref()
            && now >= *read_at
            && now - *read_at < ENDPOINTS_FRESH_FOR
        {
            return Ok(all.clone());
        }
        let all = Arc::new(self.endpoints(ctx, store).await?);
        *self.cache() = Some((now, all.clone()));
        Ok(all)
    }

    /// An endpoint was created, changed or deleted here: the next event reads them again.
    pub fn forget_endpoints(&self) {
        *self.cache() = None;
    }

    /// Every endpoint: the configured ones, then the stored ones.
    pub async fn endpoints(
        &self,
        ctx: &AuthContext,
        store: &dyn Store,
    ) -> Result<Vec<Endpoint>, StorageError> {
        let mut all = self.settings.configured.clone();
        all.extend(store::stored_endpoints(ctx, store).await?);
        Ok(all)
    }
}

/// The body sent for an event.
fn payload(ctx: &AuthContext, e: &AuditEvent) -> String {
    json!({
        "type": e.action,
        "timestamp": portcullis_storage::value::iso(&ctx.now()),
        "data": {
            "action": e.action,
            "outcome": e.outcome.as_str(),
            "severity": e.severity.as_str(),
            "actorUserId": e.actor_user_id,
            "impersonatorUserId": e.impersonator_user_id,
            "targetUserId": e.target_user_id,
            "targetType": e.target_type,
            "targetId": e.target_id,
            "organizationId": e.organization_id,
            "sessionId": e.session_id,
            "ipAddress": e.ip_address,
            "userAgent": e.user_agent,
            "details": e.details,
        },
    })
    .to_string()
}

#[async_trait]
impl Plugin for Webhooks {
    fn id(&self) -> &'static str {
        "webhooks"
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        store::schema()
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL_CODES
    }

    fn endpoints(&self) -> Vec<Route> {
        if self.with_admin {
            endpoints::all()
        } else {
            Vec::new()
        }
    }

    /// With the admin plugin, the admin console's "Webhooks" section, from `/webhooks/*`.
    fn fragments(&self) -> Vec<Fragment> {
        if !self.with_admin {
            return Vec::new();
        }
        vec![Fragment::admin_section(
            "webhooks",
            "webhooks-console-title",
            portcullis_core::template_source!("src/webhooks/templates", "admin-webhooks.html"),
        )]
    }

    fn assets(&self) -> Vec<Asset> {
        if !self.with_admin {
            return Vec::new();
        }
        vec![portcullis_core::asset!(
            "src/webhooks/assets",
            "admin-webhooks.js",
            "text/javascript; charset=utf-8"
        )]
    }

    fn expiring_tables(&self) -> Vec<ExpiringTable> {
        vec![
            ExpiringTable::new(store::DELIVERY, "createdAt")
                .kept_for(std::time::Duration::from_secs(LOG_DAYS * 86_400)),
        ]
    }

    fn jobs(&self) -> Vec<Job> {
        vec![Job::new(
            "webhooks-deliver",
            self.settings.interval,
            portcullis_core::job!(deliver::run),
        )]
    }

    fn records_audit(&self) -> bool {
        true
    }

    /// The outbox: one delivery per interested endpoint, in the caller's transaction.
    async fn audit(
        &self,
        ctx: &AuthContext,
        store: &dyn Store,
        event: &AuditEvent,
    ) -> Result<(), ApiError> {
        let endpoints = self.endpoints_cached(ctx, store).await?;
        let wanted: Vec<&Endpoint> = endpoints.iter().filter(|e| e.wants(event.action)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let body = payload(ctx, event);
        for e in wanted {
            store::enqueue(store, ctx.now(), e, event.action, &body).await?;
        }
        Ok(())
    }
}
