//! `organization`: Better Auth 1.7's organization plugin, wire for wire, with its access-control
//! model as configuration.
//!
//! - `store.rs`: the tables (`organization`, `member`, `invitation`, `organizationRole`,
//!   `session.activeOrganizationId`), their JSON, and the shared look-ups. Rights are read from
//!   the database on every request, never from a session cache or cookie cache.
//! - `access.rs`: statements and roles (`createAccessControl`), read from the TOML file or a
//!   JSON file it names, checked at start-up (`settings.rs`).
//! - `orgs.rs`, `members.rs`, `invitations.rs`: the endpoints, with Better Auth's paths, bodies,
//!   answers and error codes (`errors.rs`); `roles.rs`, the dynamic roles
//!   (`ORGANIZATION_DYNAMIC_ROLES`) in `organizationRole`; `teams.rs`, the teams
//!   (`ORGANIZATION_TEAMS`).
//! - `branding.rs`: per-organization branding (Portcullis's own): logo, colour, sender name and
//!   an administrator-set domain, used by the hosted pages and e-mails through `Plugin::brand`.
//! - `console.rs`: with the admin plugin, the admin console's "Organizations" section: every
//!   organization listed and opened, branded (with a live preview) or deleted by an
//!   administrator who need not be a member.
//!
//! Settings: `ENABLE_ORGANIZATIONS` and the rest in `settings.rs`, or `[plugins.organization]`.

mod access;
pub mod branding;
mod console;
mod errors;
mod invitations;
mod members;
mod orgs;
mod roles;
mod schemas;
pub mod settings;
mod store;
mod teams;

pub use access::{AccessControl, Statements};
pub use invitations::EMAIL as INVITATION_EMAIL;
pub use settings::OrganizationSettings;

use async_trait::async_trait;
use portcullis_core::endpoint::Endpoint;
use portcullis_core::error::ErrorCode;
use portcullis_core::plugin_parts::{Asset, Fragment, Messages, Page, Sends, TemplateSource};
use portcullis_core::validate::{FieldSpec, Ty};
use portcullis_core::{AuthContext, Plugin};
use portcullis_storage::Table;

/// The `organizationId` most endpoints may name in the body: the active organization when it
/// is absent.
const ORGANIZATION_ID: FieldSpec = FieldSpec::opt(
    "organizationId",
    Ty::String,
    "Default: the active organization",
);
/// The same, as a query parameter.
const ORGANIZATION_ID_QUERY: (&str, &str) = ("organizationId", "Default: the active organization");

pub struct Organization {
    settings: OrganizationSettings,
    /// Organizations by domain, for branding by host.
    brands: branding::BrandCache,
    /// The admin console's section is served only with the admin plugin, whose roles decide
    /// who may use it.
    with_admin: bool,
}

impl Organization {
    pub fn new(settings: OrganizationSettings, with_admin: bool) -> Self {
        Organization {
            settings,
            brands: branding::BrandCache::default(),
            with_admin,
        }
    }
}

fn brand_cache(ctx: &AuthContext) -> &branding::BrandCache {
    match ctx.plugin::<Organization>() {
        Some(p) => &p.brands,
        None => {
            unreachable!("organization handlers run only with the organization plugin registered")
        }
    }
}

fn settings(ctx: &AuthContext) -> &OrganizationSettings {
    // Handlers are registered only with the plugin, so it is there.
    match ctx.plugin::<Organization>() {
        Some(p) => &p.settings,
        None => {
            unreachable!("organization handlers run only with the organization plugin registered")
        }
    }
}

#[async_trait]
impl Plugin for Organization {
    fn id(&self) -> &'static str {
        "organization"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        let mut tables = store::schema();
        if self.settings.teams.is_some() {
            tables.extend(teams::schema());
        }
        tables
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        errors::ALL
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let mut all = orgs::endpoints();
        all.extend(branding::endpoints());
        all.extend(members::endpoints());
        all.extend(invitations::endpoints());
        if self.settings.teams.is_some() {
            all.extend(teams::endpoints());
        }
        if self.settings.dynamic_roles {
            all.extend(roles::endpoints());
        }
        if self.with_admin {
            all.extend(console::endpoints());
        }
        all
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!(
                "src/organization/templates",
                "email-organization-invitation.html"
            ),
            portcullis_core::template_source!(
                "src/organization/templates",
                "email-organization-invitation.txt"
            ),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(invitations::EMAIL)]
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn pages(&self) -> Vec<Page> {
        vec![Page::new(
            invitations::LANDING_PAGE,
            portcullis_core::template_source!(
                "src/organization/templates",
                "organization-invitation.html"
            ),
            "organization-invitation-title",
        )]
    }

    fn assets(&self) -> Vec<Asset> {
        let mut v = vec![
            portcullis_core::asset!(
                "src/organization/assets",
                "organization-invitation.js",
                "text/javascript; charset=utf-8"
            ),
            portcullis_core::asset!(
                "src/organization/assets",
                "organizations.js",
                "text/javascript; charset=utf-8"
            ),
        ];
        if self.with_admin {
            v.push(portcullis_core::asset!(
                "src/organization/assets",
                "admin-organizations.js",
                "text/javascript; charset=utf-8"
            ));
        }
        v
    }

    /// The account page's "Organizations"; with the admin plugin, the admin console's.
    fn fragments(&self) -> Vec<Fragment> {
        let mut v = vec![Fragment::account_section(
            "organizations",
            "organization-section-label",
            portcullis_core::template_source!(
                "src/organization/templates",
                "account-organizations.html"
            ),
        )];
        if self.with_admin {
            v.push(Fragment::admin_section(
                "organizations",
                "organization-console-label",
                portcullis_core::template_source!(
                    "src/organization/templates",
                    "admin-organizations.html"
                ),
            ));
        }
        v
    }

    fn hooks(&self) -> portcullis_core::plugin::Hooks {
        portcullis_core::plugin::Hooks {
            brand: portcullis_core::plugin::HookScope::Prefixes(branding::EMAILING_PREFIXES),
            ..Default::default()
        }
    }

    async fn brand(
        &self,
        ctx: &AuthContext,
        on: &portcullis_core::branding::BrandRequest,
    ) -> Result<Option<portcullis_core::branding::BrandOverlay>, portcullis_core::ApiError> {
        branding::brand_for(ctx, &self.brands, on).await
    }

    fn page_globals(&self) -> serde_json::Value {
        serde_json::json!({
            "organization_roles": self.settings.access.roles.keys().collect::<Vec<_>>(),
            "organization_teams": self.settings.teams.is_some(),
            "organization_deletion": !self.settings.disable_deletion,
        })
    }
}
