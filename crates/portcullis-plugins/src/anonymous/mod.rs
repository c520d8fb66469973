//! `anonymous`: a session without any personal data, as Better Auth's `anonymous` plugin.
//!
//! - `POST /sign-in/anonymous` creates a user marked `isAnonymous`, with a placeholder address
//!   that can never receive mail (`<id>@anonymous.placeholder.invalid`, RFC 6761), and issues
//!   its session through the one issuance path.
//! - When that user later signs in or up for real, the after-hook sees the session the request
//!   issued (`req.state`) beside the anonymous session its cookie still names, and deletes the
//!   anonymous user, its sessions and accounts (unless configured not to).
//! - `POST /delete-anonymous-user` lets an anonymous user leave.
//!
//! - The hosted sign-in page offers "Continue as a guest" (a `sign-in.buttons` fragment and its
//!   script); the account page tells a guest how to keep the account.
//!
//! Settings: `ENABLE_ANONYMOUS` (off by default), `ANONYMOUS_EMAIL_DOMAIN` (addresses become
//! `temp-<id>@<domain>`), `ANONYMOUS_NAME` (default `Anonymous`),
//! `ANONYMOUS_DELETE_ON_LINK` (default true), `ANONYMOUS_ALLOW_DELETE` (default true).

use async_trait::async_trait;
use http::Method;
use portcullis_core::crypto::token::generate_id;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::ErrorCode;
use portcullis_core::openapi::schema;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{Asset, Fragment, Messages};
use portcullis_core::session::{self, Lookup, SessionWithUser};
use portcullis_core::{
    ApiError, AuthContext, Config, ConfigError, Plugin, SignIn, issue_session, users,
};
use portcullis_storage::{Field, FieldType, Table, Value};
use serde_json::json;

portcullis_core::error_codes! {
    INVALID_EMAIL_FORMAT => "Email was not generated in a valid format",
    FAILED_TO_CREATE_USER => "Failed to create user",
    COULD_NOT_CREATE_SESSION => "Could not create session",
    ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY => "Anonymous users cannot sign in again anonymously",
    FAILED_TO_DELETE_ANONYMOUS_USER => "Failed to delete anonymous user",
    FAILED_TO_DELETE_ANONYMOUS_USER_SESSIONS => "Failed to delete anonymous user sessions",
    USER_IS_NOT_ANONYMOUS => "User is not anonymous",
    DELETE_ANONYMOUS_USER_DISABLED => "Deleting anonymous users is disabled",
}

const ALL_CODES: &[ErrorCode] = &[
    INVALID_EMAIL_FORMAT,
    FAILED_TO_CREATE_USER,
    COULD_NOT_CREATE_SESSION,
    ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY,
    FAILED_TO_DELETE_ANONYMOUS_USER,
    FAILED_TO_DELETE_ANONYMOUS_USER_SESSIONS,
    USER_IS_NOT_ANONYMOUS,
    DELETE_ANONYMOUS_USER_DISABLED,
];

/// The paths after which Better Auth links an anonymous user: every way a real sign-in or
/// sign-up can end.
const LINKING_PATHS: &[&str] = &[
    "/sign-in",
    "/sign-up",
    "/callback",
    "/magic-link/verify",
    "/email-otp/verify-email",
    "/one-tap/callback",
    "/passkey/verify-authentication",
    "/phone-number/verify",
    "/verify-email",
];

/// The namespace and reserved domain of Better Auth's placeholder addresses.
const PLACEHOLDER_DOMAIN: &str = "anonymous.placeholder.invalid";

#[derive(Debug, Clone, PartialEq)]
pub struct AnonymousSettings {
    /// `temp-<id>@<domain>` when set; `<id>@anonymous.placeholder.invalid` otherwise.
    pub email_domain: Option<String>,
    pub name: String,
    /// Delete the anonymous user once it has signed in for real.
    pub delete_on_link: bool,
    /// Whether `/delete-anonymous-user` may be used.
    pub allow_delete: bool,
}

impl AnonymousSettings {
    /// `None` unless `ENABLE_ANONYMOUS` is on. Each variable may also be set as a key of
    /// `[plugins.anonymous]` (`enabled`, `email_domain`, `name`, `delete_on_link`,
    /// `allow_delete`); the variable wins.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("anonymous");
        if !src.flag("enabled", Some("ENABLE_ANONYMOUS"), false)? {
            return Ok(None);
        }
        let email_domain = match src.get("email_domain", Some("ANONYMOUS_EMAIL_DOMAIN"))? {
            None => None,
            Some((var, d)) => {
                // The address must pass the same email rules as any other.
                if !portcullis_core::validate::is_email(&format!("temp-x@{d}")) {
                    return Err(ConfigError::new(
                        &var,
                        "must be a domain name, e.g. guests.example.com",
                    ));
                }
                Some(d.to_ascii_lowercase())
            }
        };
        let name = src.string("name", Some("ANONYMOUS_NAME"), "Anonymous")?;
        Ok(Some(AnonymousSettings {
            email_domain,
            name,
            delete_on_link: src.flag("delete_on_link", Some("ANONYMOUS_DELETE_ON_LINK"), true)?,
            allow_delete: src.flag("allow_delete", Some("ANONYMOUS_ALLOW_DELETE"), true)?,
        }))
    }

    fn placeholder_email(&self) -> String {
        let id = generate_id(32);
        match &self.email_domain {
            Some(domain) => format!("temp-{id}@{domain}"),
            None => format!("{id}@{PLACEHOLDER_DOMAIN}").to_ascii_lowercase(),
        }
    }
}

pub struct Anonymous {
    settings: AnonymousSettings,
}

impl Anonymous {
    pub fn new(settings: AnonymousSettings) -> Self {
        Anonymous { settings }
    }
}

fn settings(ctx: &AuthContext) -> &AnonymousSettings {
    // Handlers are registered only with the plugin, so it is there.
    match ctx.plugin::<Anonymous>() {
        Some(p) => &p.settings,
        None => unreachable!("anonymous handlers run only with the anonymous plugin registered"),
    }
}

fn is_anonymous(s: &SessionWithUser) -> bool {
    s.user.get("isAnonymous").and_then(Value::as_bool) == Some(true)
}

/// The session the request's cookie names, if it is an anonymous user's. Never refreshed here.
async fn anonymous_session(ctx: &AuthContext, req: &AuthRequest) -> Option<SessionWithUser> {
    match session::lookup(ctx, req, false).await {
        Ok(Lookup::Found(s)) if is_anonymous(&s) => Some(s),
        _ => None,
    }
}

#[async_trait]
impl Plugin for Anonymous {
    fn id(&self) -> &'static str {
        "anonymous"
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        vec![Table::new(
            "user",
            vec![
                Field::new("isAnonymous", FieldType::Boolean)
                    .default(false)
                    .no_input(),
            ],
        )]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL_CODES
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint::new(
                Method::POST,
                "/sign-in/anonymous",
                "signInAnonymous",
                portcullis_core::handler!(sign_in_anonymous),
            )
            .summary(
                "Sign in anonymously",
                "Creates a user without personal data and signs it in. A later real sign-in \
                 or sign-up from the same browser replaces it.",
            )
            .tag("Anonymous")
            .returns(schema::token_and_user()),
            Endpoint::new(
                Method::POST,
                "/delete-anonymous-user",
                "deleteAnonymousUser",
                portcullis_core::handler!(delete_anonymous_user),
            )
            .summary(
                "Delete an anonymous user",
                "Deletes the signed-in anonymous user, its sessions and accounts.",
            )
            .tag("Anonymous")
            .auth(Auth::Sensitive)
            .returns(schema::success()),
        ]
    }

    /// "Continue as a guest" on the hosted sign-in page; on the account page, a notice for
    /// guests on how to keep their account.
    fn fragments(&self) -> Vec<Fragment> {
        vec![
            Fragment::new(
                "sign-in.buttons",
                portcullis_core::template_source!(
                    "src/anonymous/templates",
                    "anonymous-sign-in-button.html"
                ),
            ),
            Fragment::new(
                "account.notices",
                portcullis_core::template_source!(
                    "src/anonymous/templates",
                    "anonymous-account-notice.html"
                ),
            ),
        ]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![
            portcullis_core::asset!(
                "src/anonymous/assets",
                "anonymous.js",
                "text/javascript; charset=utf-8"
            ),
            portcullis_core::asset!(
                "src/anonymous/assets",
                "anonymous-account.js",
                "text/javascript; charset=utf-8"
            ),
        ]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            after: HookScope::Prefixes(LINKING_PATHS),
            ..Hooks::default()
        }
    }

    /// A real sign-in replaced an anonymous session: delete the anonymous user.
    async fn after(&self, ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        let Some(issued) = req.state.issued() else {
            return;
        };
        if res.status >= 400 || !self.settings.delete_on_link {
            return;
        }
        let Some(anonymous) = anonymous_session(ctx, req).await else {
            return;
        };
        if issued.session.user_id() == anonymous.user_id() || is_anonymous(&issued.session) {
            return;
        }
        if let Err(e) = delete_audited(ctx, req, anonymous.user_id(), "linked").await {
            // Better Auth logs and answers the sign-in anyway: the new session is valid.
            tracing::error!(error = %e.status, "could not delete the anonymous user after linking");
        }
    }
}

/// Deletes an anonymous user with its audit event (`reason`: `linked` or `asked`), together:
/// the log's totals count every user removed.
async fn delete_audited(
    ctx: &AuthContext,
    req: &AuthRequest,
    user_id: &str,
    reason: &str,
) -> Result<(), ApiError> {
    let mut writes = portcullis_core::audit::writes(ctx).await?;
    writes.delete_user(user_id).await?;
    let event = portcullis_core::audit::AuditEvent::new("anonymous.delete")
        .from_request(req)
        .actor(user_id)
        .target_user(user_id)
        .detail("reason", reason);
    portcullis_core::audit::record(ctx, writes.store(), event).await?;
    writes.commit().await
}

async fn sign_in_anonymous(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    if anonymous_session(ctx, req).await.is_some() {
        return Err(ApiError::bad_request(
            ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY,
        ));
    }
    let s = settings(ctx);
    let email = s.placeholder_email();
    let mut row = users::new_user_row(ctx, &s.name, &email, None, &serde_json::Map::new())
        .map_err(|_| ApiError::bad_request(INVALID_EMAIL_FORMAT))?;
    row.insert("isAnonymous".into(), true.into());
    row.insert("emailVerified".into(), false.into());
    users::prepare_user(ctx, req, &mut row);
    let user = ctx
        .adapter
        .create("user", row)
        .await
        .map_err(|_| ApiError::new(500, FAILED_TO_CREATE_USER))?;
    req.state
        .set_created_user(std::sync::Arc::new(user.clone()));
    ctx.metrics.registration("anonymous");
    let user_json = session::user_json(ctx, &user);
    let issued = issue_session(ctx, req, SignIn::sign_up(user, "anonymous"))
        .await
        .map_err(|_| ApiError::bad_request(COULD_NOT_CREATE_SESSION))?;
    Ok(issued.respond(|s, cookies| {
        AuthResponse::json(json!({"token": s.token, "user": user_json})).cookies(cookies)
    }))
}

async fn delete_anonymous_user(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    if !settings(ctx).allow_delete {
        return Err(ApiError::bad_request(DELETE_ANONYMOUS_USER_DISABLED));
    }
    if !is_anonymous(me) {
        return Err(ApiError::new(403, USER_IS_NOT_ANONYMOUS));
    }
    delete_audited(ctx, req, me.user_id(), "asked")
        .await
        .map_err(|_| ApiError::new(500, FAILED_TO_DELETE_ANONYMOUS_USER))?;
    Ok(AuthResponse::json(json!({"success": true})).cookies(ctx.cookies.clear_session()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_from(pairs: &[(&str, &str)]) -> Result<Option<AnonymousSettings>, ConfigError> {
        AnonymousSettings::load(&crate::tests::config_of(pairs)?)
    }

    #[test]
    fn off_unless_enabled_and_bad_domains_name_the_variable() {
        assert_eq!(settings_from(&[]).expect("load"), None);
        let on = settings_from(&[("ENABLE_ANONYMOUS", "true")])
            .expect("load")
            .expect("on");
        assert_eq!(on.name, "Anonymous");
        assert!(on.delete_on_link && on.allow_delete);
        let email = on.placeholder_email();
        assert!(email.ends_with("@anonymous.placeholder.invalid"), "{email}");
        let with_domain = settings_from(&[
            ("ENABLE_ANONYMOUS", "true"),
            ("ANONYMOUS_EMAIL_DOMAIN", "Guests.Example.com"),
        ])
        .expect("load")
        .expect("on");
        assert!(with_domain.placeholder_email().starts_with("temp-"));
        assert!(
            with_domain
                .placeholder_email()
                .ends_with("@guests.example.com")
        );
        let bad = settings_from(&[
            ("ENABLE_ANONYMOUS", "true"),
            ("ANONYMOUS_EMAIL_DOMAIN", "not a domain"),
        ])
        .expect_err("bad domain");
        assert_eq!(bad.var, "ANONYMOUS_EMAIL_DOMAIN");
    }
}
