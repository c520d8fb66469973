//! `audit`: the audit log. Core and every plugin record through `portcullis_core::audit::record`
//! (the seam); this plugin keeps what they record in the `auditEvent` table, through the
//! caller's store so an event commits or rolls back with its change.
//!
//! - Table `auditEvent` (`store.rs`): time-ordered ids, so the newest-first listing pages by id.
//! - `GET /audit/list` for administrators (needs the admin plugin: `audit:list`, or an admin
//!   role under the default access control), filters and cursor paging, JSON, JSON lines or
//!   CSV. `GET /audit/mine`: the signed-in user's own history.
//! - Security events (`security_event::emit`: lockouts, a cloned passkey) arrive through the
//!   same seam: core records each as an event of severity warning or critical.
//! - Retention: the cleanup job deletes events older than `AUDIT_RETENTION_DAYS`.
//! - The account page's "Recent security activity" section (`templates/`, `assets/`) reads
//!   `/audit/mine`; with the admin plugin, the admin console's "Audit log" section reads
//!   `/audit/list` and exports what it filters as CSV or JSON lines, and its Overview reads
//!   `/audit/stats` (sign-ins over time) and `/audit/feed` (the live feed, `console.rs`).
//!
//! Settings: `ENABLE_AUDIT_LOG` (off by default, on with `SECURITY_PRESET=strict`) and
//! `AUDIT_RETENTION_DAYS` (365).

mod console;
mod endpoints;
mod store;

use async_trait::async_trait;
use portcullis_core::audit::AuditEvent;
use portcullis_core::endpoint::Endpoint;
use portcullis_core::error::ErrorCode;
use portcullis_core::plugin_parts::{Asset, ExpiringTable, Fragment, Messages};
use portcullis_core::{ApiError, AuthContext, Config, ConfigError, Plugin};
use portcullis_storage::{Store, Table};

pub use store::TABLE;

portcullis_core::error_codes! {
    YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS => "You are not allowed to list audit events",
    INVALID_AUDIT_QUERY => "Invalid audit query",
}

const ALL_CODES: &[ErrorCode] = &[
    YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS,
    INVALID_AUDIT_QUERY,
];

/// How many events of any of `actions` succeeded at or after `since`: one count per action over
/// the time-ordered id's range, which the primary key answers. `None` when the log is not kept.
/// For whoever keeps totals from the log (the admin console's overview).
pub async fn successes_since(
    ctx: &AuthContext,
    actions: &[&str],
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Option<i64>, portcullis_storage::StorageError> {
    use portcullis_storage::{Where, WhereOp};
    if ctx.plugin::<Audit>().is_none() {
        return Ok(None);
    }
    let mut total = 0;
    for action in actions {
        total += ctx
            .adapter
            .count(
                TABLE,
                &[
                    Where::op("id", WhereOp::Gte, store::id_floor(since)),
                    Where::eq("action", *action),
                    Where::eq("outcome", "success"),
                ],
            )
            .await?;
    }
    Ok(Some(total))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    /// Days an event is kept; the cleanup job deletes older ones.
    pub retention_days: u32,
}

impl AuditSettings {
    /// `None` unless `ENABLE_AUDIT_LOG` is on.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("audit");
        if !src.flag("enabled", Some("ENABLE_AUDIT_LOG"), false)? {
            return Ok(None);
        }
        let retention_days = src.parse(
            "retention_days",
            Some("AUDIT_RETENTION_DAYS"),
            365_u32,
            "a number of days",
        )?;
        if !(1..=36_500).contains(&retention_days) {
            let var = src
                .get("retention_days", Some("AUDIT_RETENTION_DAYS"))?
                .map_or_else(|| src.var("retention_days"), |(v, _)| v);
            return Err(ConfigError::new(&var, "must be between 1 and 36500 days"));
        }
        Ok(Some(AuditSettings { retention_days }))
    }
}

pub struct Audit {
    settings: AuditSettings,
    /// `/audit/list` is served only with the admin plugin, whose roles decide who may read it.
    with_admin: bool,
}

impl Audit {
    pub fn new(settings: AuditSettings, with_admin: bool) -> Self {
        Audit {
            settings,
            with_admin,
        }
    }
}

#[async_trait]
impl Plugin for Audit {
    fn id(&self) -> &'static str {
        "audit"
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
        vec![store::schema()]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL_CODES
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let mut all = endpoints::all(self.with_admin);
        if self.with_admin {
            all.extend(console::endpoints());
        }
        all
    }

    /// "Recent security activity" on the account page, from `/audit/mine`; with the admin
    /// plugin, the admin console's "Audit log", from `/audit/list`.
    fn fragments(&self) -> Vec<Fragment> {
        let mut v = vec![Fragment::account_section(
            "security-activity",
            "audit-activity-section",
            portcullis_core::template_source!(
                "src/audit/templates",
                "account-security-activity.html"
            ),
        )];
        if self.with_admin {
            v.push(Fragment::admin_section(
                "audit-log",
                "audit-log-title",
                portcullis_core::template_source!("src/audit/templates", "admin-audit-log.html"),
            ));
        }
        v
    }

    fn assets(&self) -> Vec<Asset> {
        let mut v = vec![portcullis_core::asset!(
            "src/audit/assets",
            "security-activity.js",
            "text/javascript; charset=utf-8"
        )];
        if self.with_admin {
            v.push(portcullis_core::asset!(
                "src/audit/assets",
                "admin-audit-log.js",
                "text/javascript; charset=utf-8"
            ));
        }
        v
    }

    fn expiring_tables(&self) -> Vec<ExpiringTable> {
        let days = u64::from(self.settings.retention_days);
        vec![
            ExpiringTable::new(TABLE, "createdAt")
                .kept_for(std::time::Duration::from_secs(days * 86_400)),
        ]
    }

    fn records_audit(&self) -> bool {
        true
    }

    async fn audit(
        &self,
        ctx: &AuthContext,
        store: &dyn Store,
        event: &AuditEvent,
    ) -> Result<(), ApiError> {
        store::insert(ctx, store, event).await.map_err(|e| {
            tracing::warn!(action = event.action, error = %e, "audit event not written");
            ApiError::internal()
        })
    }
}
