//! `api-key`: Better Auth's `@better-auth/api-key` 1.7, wire for wire.
//!
//! - `table.rs`: the `apikey` table, every column as Better Auth declares it; keys are a
//!   prefix and 64 random letters, stored as base64url(SHA-256), with only `start` (the first
//!   6 characters) ever shown again.
//! - `endpoints.rs`: create, get, update, delete, list, and verify (offered to services: see
//!   there for who may call it and who may set limits and permissions).
//! - `usage.rs`: checking a key and claiming one use of it (expiry, remaining uses with
//!   refills, the per-key rate limit), atomically against concurrent uses.
//! - `permissions.rs`: access-control statements and Better Auth's `authorize`.
//! - `session_hook.rs`: the key header standing for its owner's session
//!   (`API_KEY_ENABLE_SESSIONS`), through the `Before::Authenticate` seam.
//! - `settings.rs`: `ENABLE_API_KEY` and the rest, or `[plugins.api_key]`.
//! - `expiry_notice.rs`: the job that mails an owner a week before their key expires.
//! - The account page's "API keys" section and the notice's e-mail (`templates/`, `assets/`).
//! - `console.rs`: with the admin plugin, the admin console's "API keys" section: every user's
//!   keys, turned off or on and deleted by an operator, each act audited.
//!
//! Expired keys are deleted by the cleanup job, and when a use meets one.

mod console;
pub mod endpoints;
pub mod errors;
pub mod expiry_notice;
mod input;
pub mod permissions;
mod session_hook;
pub mod settings;
pub mod table;
pub mod usage;

use async_trait::async_trait;
use portcullis_core::endpoint::{AuthRequest, Endpoint};
use portcullis_core::error::ErrorCode;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{
    Asset, ExpiringTable, Fragment, Job, Messages, Sends, TemplateSource,
};
use portcullis_core::{ApiError, AuthContext, Before, Plugin};
use portcullis_storage::Table;

pub use settings::ApiKeySettings;

pub struct ApiKey {
    settings: ApiKeySettings,
    /// The admin console's section and its endpoints are served only with the admin plugin,
    /// whose roles decide who may use them.
    with_admin: bool,
}

impl ApiKey {
    pub fn new(settings: ApiKeySettings, with_admin: bool) -> Self {
        ApiKey {
            settings,
            with_admin,
        }
    }
}

fn settings(ctx: &AuthContext) -> &ApiKeySettings {
    // Handlers are registered only with the plugin, so it is there.
    match ctx.plugin::<ApiKey>() {
        Some(p) => &p.settings,
        None => unreachable!("api-key handlers run only with the api-key plugin registered"),
    }
}

#[async_trait]
impl Plugin for ApiKey {
    fn id(&self) -> &'static str {
        "api-key"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        vec![table::schema(&self.settings)]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        errors::ALL
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let mut all = endpoints::endpoints();
        if self.with_admin {
            all.extend(console::endpoints());
        }
        all
    }

    fn expiring_tables(&self) -> Vec<ExpiringTable> {
        vec![ExpiringTable::new(table::TABLE, "expiresAt")]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            before: if self.settings.enable_sessions {
                HookScope::Always
            } else {
                HookScope::Never
            },
            ..Hooks::default()
        }
    }

    async fn before(&self, ctx: &AuthContext, req: &mut AuthRequest) -> Result<Before, ApiError> {
        session_hook::before(ctx, &self.settings, req).await
    }

    fn jobs(&self) -> Vec<Job> {
        if self.settings.expiry_notice_days == 0 {
            return Vec::new();
        }
        vec![Job::new(
            "api-key-expiry-notices",
            std::time::Duration::from_secs(3600),
            portcullis_core::job!(expiry_notice::run),
        )]
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!(
                "src/api_key/templates",
                "email-api-key-expiring.html"
            ),
            portcullis_core::template_source!(
                "src/api_key/templates",
                "email-api-key-expiring.txt"
            ),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(expiry_notice::EMAIL)]
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    /// "API keys" on the account page; with the admin plugin, the admin console's "API keys".
    fn fragments(&self) -> Vec<Fragment> {
        let mut v = vec![Fragment::account_section(
            "api-keys",
            "api-key-section-label",
            portcullis_core::template_source!("src/api_key/templates", "account-api-keys.html"),
        )];
        if self.with_admin {
            v.push(Fragment::admin_section(
                "api-keys",
                "api-key-console-section-label",
                portcullis_core::template_source!("src/api_key/templates", "admin-api-keys.html"),
            ));
        }
        v
    }

    fn assets(&self) -> Vec<Asset> {
        let mut v = vec![portcullis_core::asset!(
            "src/api_key/assets",
            "api-keys.js",
            "text/javascript; charset=utf-8"
        )];
        if self.with_admin {
            v.push(portcullis_core::asset!(
                "src/api_key/assets",
                "admin-api-keys.js",
                "text/javascript; charset=utf-8"
            ));
        }
        v
    }
}
