//! `Seam`: a test plugin that brings one of each thing a plugin can bring, so the suites can
//! check that the server picks each up from the plugin alone: a message template it sends, a
//! page, fragments, an asset, an expiring table, a job and endpoints outside the base path.

use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{
    Asset, ExpiringTable, Fragment, Job, JobError, Page, Sends, TemplateSource,
};
use portcullis_core::rate_limit::PathRule;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, AuthRequest, AuthResponse, Endpoint, Plugin};
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Field, FieldType, Table};
use serde_json::json;

/// The plugin's table; the cleanup job deletes its rows once `expiresAt` has passed.
pub const TABLE: &str = "seamToken";
/// Counts the runs of the plugin's job, in secondary storage.
pub const TICKS_KEY: &str = "seam:ticks";
/// `seam/email-seam.html` and `.txt`.
pub const EMAIL: EmailTemplate = EmailTemplate::named("seam");
/// The discovery document, outside the base path.
pub const CONFIGURATION: &str = "/.well-known/seam-configuration";

pub struct Seam;

async fn tick(ctx: &AuthContext) -> Result<(), JobError> {
    ctx.secondary
        .incr(TICKS_KEY, Duration::from_secs(3600))
        .await?;
    Ok(())
}

async fn configuration(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    Ok(AuthResponse::json(json!({
        "issuer": ctx.config.auth_url(),
        "path": req.path,
    })))
}

async fn key(_ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    Ok(AuthResponse::json(
        json!({"kid": req.params.get("kid"), "user": req.session.as_ref().map(|s| s.user_id().to_owned())}),
    ))
}

async fn mail(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let to = req.str_field("email").unwrap_or_default();
    ctx.delivery
        .send_email(to, EMAIL, json!({"code": "SEAM-42"}));
    Ok(AuthResponse::json(json!({"status": true})))
}

macro_rules! seam_file {
    ($file:literal) => {
        TemplateSource::new(
            $file,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/http_api/seam/",
                $file
            )),
        )
    };
}

#[async_trait]
impl Plugin for Seam {
    fn id(&self) -> &'static str {
        "seam"
    }

    fn schema(&self) -> Vec<Table> {
        vec![Table::new(
            TABLE,
            vec![
                Field::new("value", FieldType::String).required(),
                Field::new("expiresAt", FieldType::Date).required().index(),
                Field::new("createdAt", FieldType::Date).required(),
                Field::new("updatedAt", FieldType::Date).required(),
            ],
        )]
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint::new(
                Method::POST,
                "/seam/mail",
                "seamMail",
                portcullis_core::handler!(mail),
            )
            .body(BodySpec::object(vec![FieldSpec::req(
                "email",
                Ty::Email,
                "To",
            )])),
        ]
    }

    fn root_endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint::new(
                Method::GET,
                CONFIGURATION,
                "seamConfiguration",
                portcullis_core::handler!(configuration),
            )
            // Markup in a description is shown as text on the reference page; backticks are code.
            .summary(
                "Seam discovery",
                "A document outside the base path: `{issuer, path}`. <b>Not markup</b>",
            )
            .returns(portcullis_core::openapi::schema::object(json!({
                "issuer": portcullis_core::openapi::schema::string("The auth URL"),
                "path": portcullis_core::openapi::schema::string("The path asked for"),
            }))),
            Endpoint::new(
                Method::GET,
                "/.well-known/seam/:kid",
                "seamKey",
                portcullis_core::handler!(key),
            )
            .auth(portcullis_core::Auth::Session),
        ]
    }

    fn rate_limit_rules(&self) -> Vec<PathRule> {
        vec![PathRule::exact(CONFIGURATION, 60, 3)]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            before: HookScope::Never,
            after: HookScope::Paths(&[CONFIGURATION]),
            issue: false,
            brand: HookScope::Never,
            sessions_ended: false,
        }
    }

    async fn after(&self, _ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        res.headers.push(("x-seam-after".into(), req.path.clone()));
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![seam_file!("email-seam.html"), seam_file!("email-seam.txt")]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(EMAIL)]
    }

    fn pages(&self) -> Vec<Page> {
        vec![
            Page::new("/seam", seam_file!("seam.html"), "Seam")
                .context(json!({"motto": "Sewn in"})),
        ]
    }

    fn fragments(&self) -> Vec<Fragment> {
        vec![
            Fragment::new("sign-in.buttons", seam_file!("seam-sign-in-button.html")),
            Fragment::account_section(
                "seam-section",
                "Seams",
                seam_file!("seam-account-section.html"),
            ),
        ]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![Asset {
            file: "seam.js",
            content_type: "text/javascript; charset=utf-8",
            body: b"// seam\n",
        }]
    }

    fn expiring_tables(&self) -> Vec<ExpiringTable> {
        vec![ExpiringTable::new(TABLE, "expiresAt")]
    }

    fn jobs(&self) -> Vec<Job> {
        vec![Job::new(
            "seam-tick",
            Duration::from_secs(1),
            portcullis_core::job!(tick),
        )]
    }
}
