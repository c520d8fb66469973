//! The admin console's Email templates section: every e-mail this server can send (core's and
//! each registered plugin's), rendered as it would be sent, with the brand and sample values.
//! The HTML is answered as its own document for a sandboxed frame, under a policy of its own:
//! inline styles (e-mail needs them) and nothing else, framable by this origin only.

use http::Method;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint, ResponseBody};
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::Sends;
use portcullis_core::{ApiError, AuthContext};
use portcullis_delivery::EmailTemplate;
use serde_json::{Value, json};

use super::integrations::may_read;
use super::lists::bad_query;

/// What a framed preview may do: show the e-mail's own styles and images, nothing more.
pub(super) const PREVIEW_CSP: &str = "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            Method::GET,
            "/admin/console/email-templates",
            "consoleEmailTemplates",
            portcullis_core::handler!(list),
        )
        .tag("Admin console")
        .summary(
            "E-mail templates",
            "The e-mails this server sends (core's, then each plugin's), by name. Needs `integration:read`.",
        )
        .returns(schema::object(json!({
            "templates": schema::array(schema::string("A template's name, e.g. `verification`")),
        }))),
        Endpoint::new(
            Method::GET,
            "/admin/console/email-preview",
            "consoleEmailPreview",
            portcullis_core::handler!(preview),
        )
        .tag("Admin console")
        .summary(
            "Preview an e-mail",
            "The named template rendered with the brand and sample values: its HTML as a document for a sandboxed frame (`format=html`, the default), or `{subject, text}` (`format=json`). Needs `integration:read`.",
        )
        .query(&[
            ("template", "A name from /admin/console/email-templates"),
            ("format", "`html` (default) or `json`"),
        ])
        .returns_as(
            "format=json",
            schema::object(json!({
                "subject": {"type": "string"},
                "text": {"type": "string"},
            })),
        )
        .response(200, "format=html: the e-mail's HTML", ResponseBody::Html),
    ]
}

/// Every e-mail a registered part sends, core's first.
fn names(ctx: &AuthContext) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = EmailTemplate::CORE.iter().map(|t| t.kind()).collect();
    for p in ctx.plugins.iter() {
        for sends in p.sends() {
            if let Sends::Email(t) = sends
                && !names.contains(&t.kind())
            {
                names.push(t.kind());
            }
        }
    }
    names
}

/// Values every template may use, made up but plausible, so each renders as it would be sent.
fn sample(ctx: &AuthContext) -> Value {
    let page = |path: &str| portcullis_core::links::page_url(ctx, path);
    json!({
        "url": page("/example-link?token=sample"),
        "token": "sample-token",
        "otp": "123456",
        "code_length": 6,
        "expires_in": 15,
        "expires_in_minutes": 15,
        "expires_in_hours": 24,
        "expires_at": "2026-12-31 12:00 UTC",
        "days_left": 7,
        "new_email": "new.address@example.com",
        "first_password": false,
        "sessions_ended": 2,
        "time": "2026-12-06 09:30:00 UTC",
        "when": "2026-12-06 09:30:00 UTC",
        "ip": "203.0.113.7",
        "device": "Firefox 121 on Linux",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "reset_url": page("/forgot-password"),
        "account_url": page("/account"),
        "sign_in_url": page("/sign-in"),
        "user": {"name": "Sam Sample", "email": "sam@example.com"},
        "key_name": "deploy bot",
        "key_start": "pcAbCd",
        "codes_left": 3,
        "passkey_name": "Work laptop",
        "provider": "GitHub",
        "role": "member",
        "organization": {"name": "Example Inc."},
        "inviter": {"name": "Ada Admin", "email": "ada@example.com"},
    })
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    may_read(ctx, req).await?;
    Ok(AuthResponse::json(json!({"templates": names(ctx)})).no_store())
}

async fn preview(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let wanted = req.query_param("template").unwrap_or_default();
    let json_format = match req.query_param("format").unwrap_or("html") {
        "html" | "" => false,
        "json" => true,
        _ => return Err(bad_query("format must be html or json")),
    };
    may_read(ctx, req).await?;
    let Some(name) = names(ctx).into_iter().find(|n| *n == wanted) else {
        return Err(bad_query(
            "template must be one of the names /admin/console/email-templates lists",
        ));
    };
    let mut vars = sample(ctx);
    vars["to"] = json!("sam@example.com");
    let email = ctx
        .delivery
        .templates()
        .render_email(EmailTemplate::named(name), vars)
        .map_err(|e| {
            // An operator's override that does not render: say so, as start-up would.
            ApiError::with_message(
                422,
                portcullis_core::error::codes::VALIDATION_ERROR,
                format!("the {name} template does not render with sample values: {e}"),
            )
        })?;
    if json_format {
        return Ok(
            AuthResponse::json(json!({"subject": email.subject, "text": email.text})).no_store(),
        );
    }
    Ok(AuthResponse::html(email.html)
        .header("content-security-policy", PREVIEW_CSP)
        .header("x-frame-options", "SAMEORIGIN")
        .no_store())
}
