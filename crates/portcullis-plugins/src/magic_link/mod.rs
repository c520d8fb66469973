//! `magic-link`: sign in from a single-use link sent by email.
//!
//! `POST /sign-in/magic-link` stores `magic-link:<hash of token>` → `{"email","name"}` for five
//! minutes and emails `GET /magic-link/verify?token=…&callbackURL=…`. Following the link
//! consumes the token once, creates the user if needed, signs them in and redirects.

use async_trait::async_trait;
use http::Method;
use portcullis_core::audit::{self, Refusal};
use portcullis_core::crypto::token::random_string;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::codes;
use portcullis_core::openapi::schema;
use portcullis_core::passwordless::{self, ProvenUser};
use portcullis_core::plugin_parts::{Asset, Fragment, Messages, Page, Sends, TemplateSource};
use portcullis_core::rate_limit::PathRule;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{
    ApiError, AuthContext, Config, ConfigError, Issued, Plugin, SignIn, issue_session_in, links,
    session, users, verification,
};
use portcullis_delivery::EmailTemplate;
use serde_json::{Value, json};

const PREFIX: &str = "magic-link:";
/// `templates/email-magic-link.html` and `.txt`: `url`, `token`, `expires_in_minutes`.
pub const EMAIL: EmailTemplate = EmailTemplate::named("magic-link");
/// The sign-in method's name in sessions, metrics and the audit log.
const METHOD: &str = "magic-link";

#[derive(Debug, Clone)]
pub struct MagicLinkSettings {
    /// Seconds a link stays valid (`MAGIC_LINK_EXPIRES_IN`, default 300).
    pub expires_in: i64,
    /// Only existing users may sign in by link (`MAGIC_LINK_DISABLE_SIGN_UP`).
    pub disable_sign_up: bool,
}

impl MagicLinkSettings {
    /// `None` when `ENABLE_MAGIC_LINKS` is off. Each variable may also be set as a key of
    /// `[plugins.magic_link]` (`enabled`, `expires_in`, `disable_sign_up`); the variable wins.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("magic_link");
        if !src.flag("enabled", Some("ENABLE_MAGIC_LINKS"), true)? {
            return Ok(None);
        }
        Ok(Some(MagicLinkSettings {
            expires_in: src.lifetime("expires_in", Some("MAGIC_LINK_EXPIRES_IN"), 300)?,
            disable_sign_up: src.flag(
                "disable_sign_up",
                Some("MAGIC_LINK_DISABLE_SIGN_UP"),
                false,
            )?,
        }))
    }
}

pub struct MagicLink {
    settings: MagicLinkSettings,
}

impl MagicLink {
    pub fn new(settings: MagicLinkSettings) -> Self {
        MagicLink { settings }
    }
}

/// The endpoints are plain fns; they find the plugin's settings through the context.
fn settings(ctx: &AuthContext) -> MagicLinkSettings {
    ctx.plugin::<MagicLink>()
        .map(|p| p.settings.clone())
        .unwrap_or(MagicLinkSettings {
            expires_in: 300,
            disable_sign_up: false,
        })
}

#[async_trait]
impl Plugin for MagicLink {
    fn id(&self) -> &'static str {
        "magic-link"
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

    fn endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint::new(Method::POST, "/sign-in/magic-link", "signInMagicLink", portcullis_core::handler!(send_link))
                .summary("Email a sign-in link", "Sends a single-use link that signs the address in (creating the account unless sign-up by link is off). Always answers `{status: true}`.")
                .tag("Magic link")
                .body(BodySpec::object(vec![
                    FieldSpec::req("email", Ty::Email, "The address to send the link to").max_len(users::EMAIL_MAX_CHARS),
                    FieldSpec::opt("name", Ty::String, "The name of a new user").max_len(users::NAME_MAX_CHARS),
                    FieldSpec::opt("callbackURL", Ty::String, "Where the link lands after signing in (default /)"),
                    FieldSpec::opt("newUserCallbackURL", Ty::String, "Where a newly created user lands"),
                    FieldSpec::opt("errorCallbackURL", Ty::String, "Where a failed link lands, with ?error="),
                    FieldSpec::opt("metadata", Ty::Any, "Accepted for compatibility; not stored"),
                ]))
                .form()
                .returns(schema::described(schema::status(), "The same whether or not the address has an account")),
            Endpoint::new(Method::GET, "/magic-link/verify", "magicLinkVerify", portcullis_core::handler!(verify))
                .summary("Follow a sign-in link", "Consumes the token, signs in and redirects to `callbackURL` (or answers `{token, user, session}` without one). Failures redirect with `?error=INVALID_TOKEN`, `new_user_signup_disabled`, `failed_to_create_user` or `failed_to_create_session`.")
                .tag("Magic link")
                .query(&[
                    ("token", "The token from the email"),
                    ("callbackURL", "Where to land after signing in"),
                    ("newUserCallbackURL", "Where a new user lands"),
                    ("errorCallbackURL", "Where a failure lands"),
                ])
                .returns_as("Signed in, without `callbackURL`", schema::object(json!({
                    "token": schema::string("The new session's token (also set as the session cookie)"),
                    "user": schema::user(),
                    "session": schema::session(),
                })))
                .redirects("Signed in: to `newUserCallbackURL` for a new user, else `callbackURL`. Failed: to `errorCallbackURL` (else `callbackURL`, else `/`) with `?error=`"),
        ]
    }

    fn rate_limit_rules(&self) -> Vec<PathRule> {
        vec![PathRule::exact("/sign-in/magic-link", 60, 5)]
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!("src/magic_link/templates", "email-magic-link.html"),
            portcullis_core::template_source!("src/magic_link/templates", "email-magic-link.txt"),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(EMAIL)]
    }

    fn pages(&self) -> Vec<Page> {
        vec![Page::new(
            "/magic-link",
            portcullis_core::template_source!("src/magic_link/templates", "magic-link.html"),
            "magic-link-title",
        )]
    }

    fn fragments(&self) -> Vec<Fragment> {
        vec![Fragment::new(
            "sign-in.buttons",
            portcullis_core::template_source!(
                "src/magic_link/templates",
                "magic-link-sign-in-button.html"
            ),
        )]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![portcullis_core::asset!(
            "src/magic_link/assets",
            "magic-link.js",
            "text/javascript; charset=utf-8"
        )]
    }
}

async fn send_link(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let email = users::normalize_email(req.str_field("email").unwrap_or_default());
    let name = req.str_field("name").map(str::to_owned);
    let mut query = vec![(
        "callbackURL",
        req.str_field("callbackURL")
            .filter(|c| !c.is_empty())
            .unwrap_or("/")
            .to_owned(),
    )];
    for field in ["newUserCallbackURL", "errorCallbackURL"] {
        if let Some(v) = req.str_field(field).filter(|c| !c.is_empty()) {
            query.push((field, v.to_owned()));
        }
    }
    // Whether the address has an account must not show in the time to answer: the lookup
    // and everything after it happen once the answer is out.
    ctx.defer("magic-link", Some(email.clone()), move |ctx| async move {
        email_link(&ctx, &email, name.as_deref(), &query).await
    });
    Ok(AuthResponse::json(json!({"status": true})))
}

/// Emails `email` a sign-in link, unless it has no account and links may not create one.
async fn email_link(
    ctx: &AuthContext,
    email: &str,
    name: Option<&str>,
    callbacks: &[(&'static str, String)],
) -> Result<(), ApiError> {
    let s = settings(ctx);
    // Without sign-up by link, an unknown address gets the same answer and no email.
    let known = users::find_user_by_email(ctx, email).await?;
    if known.is_none() && (s.disable_sign_up || !ctx.config.sign_up_enabled) {
        return Ok(());
    }
    let token = random_string(32);
    let mut value = json!({"type": "magic-link", "email": email});
    if let Some(name) = name {
        value["name"] = Value::String(name.to_owned());
    }
    verification::create(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(PREFIX, &token),
        &value.to_string(),
        s.expires_in,
    )
    .await?;
    let mut query = vec![("token", token.as_str())];
    query.extend(callbacks.iter().map(|(k, v)| (*k, v.as_str())));
    let url = links::api_url(ctx, "/magic-link/verify", &query);
    ctx.delivery.send_email(
        email,
        EMAIL,
        json!({
            "url": url,
            "token": token,
            "user": known.as_ref().map(|u| session::user_json(ctx, u)),
            "expires_in_minutes": (s.expires_in + 59) / 60,
        }),
    );
    Ok(())
}

async fn verify(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let callback = req.query_param("callbackURL").filter(|c| !c.is_empty());
    let error_target = req
        .query_param("errorCallbackURL")
        .filter(|c| !c.is_empty())
        .or(callback)
        .unwrap_or("/");
    let redirect_error = |code: &str| {
        AuthResponse::redirect(&links::resolve_with(ctx, error_target, &[("error", code)]))
    };
    // A failure is a refused sign-in, recorded with its code (the address when known).
    let fail_for = |code: &str, email: Option<&str>| {
        let reason = code.to_lowercase();
        let mut refusal = Refusal::sign_in(METHOD, &reason);
        refusal.identity = email;
        audit::refused(ctx, req, refusal);
        redirect_error(code)
    };
    let fail = |code: &str| fail_for(code, None);

    let token = req.query_param("token").unwrap_or_default();
    // Looked at here, taken below in the transaction that signs in: a failure on the way
    // leaves the link usable.
    let found = if token.is_empty() {
        None
    } else {
        verification::find(
            ctx,
            ctx.adapter.as_ref(),
            &verification::identifier(PREFIX, token),
        )
        .await?
        .filter(|f| !f.expired)
    };
    let Some(found) = found else {
        return Ok(fail("INVALID_TOKEN"));
    };
    let Ok(claims) = serde_json::from_str::<Value>(&found.value) else {
        return Ok(fail("INVALID_TOKEN"));
    };
    let Some(email) = claims.get("email").and_then(Value::as_str) else {
        return Ok(fail("INVALID_TOKEN"));
    };
    let name = claims.get("name").and_then(Value::as_str);
    let sign_up = !settings(ctx).disable_sign_up;
    let mut tx = ctx.begin().await?;
    if !verification::take(tx.store(), &found).await? {
        return Ok(fail("INVALID_TOKEN"));
    }
    let proven =
        passwordless::user_for_proven_email(ctx, &mut tx, req, email, name, None, sign_up).await;
    let (user, created) = match proven {
        Ok(ProvenUser::Existing(u)) => (u, false),
        Ok(ProvenUser::Created(u)) => (u, true),
        Ok(ProvenUser::SignUpRefused) => {
            // The link is spent, as Better Auth spends it: it can never create the account.
            tx.commit().await?;
            return Ok(fail_for("new_user_signup_disabled", Some(email)));
        }
        Err(e) if e.code.as_deref() == Some(codes::FIELD_NOT_ALLOWED.code) => {
            return Ok(fail_for("failed_to_create_user", Some(email)));
        }
        Err(e) => return Err(e),
    };
    let user_json = session::user_json(ctx, &user);
    let sign_in = if created {
        SignIn::sign_up(user, METHOD)
    } else {
        SignIn::new(user, METHOD)
    };
    let (s, cookies) = match issue_session_in(ctx, req, &mut tx, sign_in).await {
        Ok(Issued::Session { session, cookies }) => (session, cookies),
        Ok(Issued::Held(answer)) => {
            tx.commit().await?;
            return Ok(answer);
        }
        // Issuing records its own refusals (a ban).
        Err(_) => return Ok(redirect_error("failed_to_create_session")),
    };
    tx.commit().await?;
    let target = match (
        callback,
        req.query_param("newUserCallbackURL")
            .filter(|c| !c.is_empty()),
    ) {
        (_, Some(new_user)) if created => Some(new_user),
        (Some(cb), _) => Some(cb),
        (None, _) => None,
    };
    let res = match target {
        Some(t) => AuthResponse::redirect(&links::resolve_with(ctx, t, &[])),
        None => AuthResponse::json(json!({
            "token": s.token,
            "user": user_json,
            "session": session::session_json(ctx, &s.session, Some(&s.token)),
        })),
    };
    Ok(res.cookies(cookies))
}
