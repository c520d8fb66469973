//! The admin console's Branding section: the server's brand (`APP_*`) edited at run time.
//!
//! What an administrator saves is stored (one `consoleBrand` row) and wins over the
//! configuration on every page and e-mail, on every instance, until it is reset. It is an
//! overlay in the delivery crate's `StoredBrand`, under any other brand (an organization's), so
//! a branded organization still shows its own name, logo and colour. Each instance reads the
//! row with the plugin switches (`console::apply_stored`).
//!
//! The preview renders the sign-in page or an e-mail with the values being edited, before
//! they are saved, as a document for a sandboxed frame (no script runs in it).
//!
//! The secondary colour reaches pages through the brand colour stylesheet
//! (`/assets/brand-<primary>-<secondary>.css`), the icon through `<link rel="icon">` and
//! `/favicon.ico`, and the domain through e-mail footers and SMS codes.

use http::Method;
use portcullis_core::audit;
use portcullis_core::branding::{
    BrandOverlay, is_hex_color, is_host_name, is_logo_url, is_sender_name,
};
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint, ResponseBody};
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::JobError;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_delivery::EmailTemplate;
use portcullis_delivery::brand::{is_email_address, is_link, is_plain_text};
use portcullis_storage::{Field, FieldType, Query, Row, Table, Value as Cell, Where};
use serde_json::{Map, Value, json};

use super::super::YOU_ARE_NOT_ALLOWED_TO_UPDATE_BRANDING;
use super::super::endpoints::{event, operator};
use super::lists::bad_query;

pub const TABLE: &str = "consoleBrand";
/// The one row's id: the server's brand.
const SERVER: &str = "server";

/// What a page's preview may load: this server's own files (as the page itself would) and a
/// logo from anywhere a logo may be, framed by this origin only. The console frames it
/// sandboxed, so its scripts do not run there. An e-mail's preview has the Email templates
/// section's policy (inline styles, as e-mail needs them, and nothing else).
const PAGE_PREVIEW_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; font-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/// The preview's query: the page, then each value being edited (as in `FIELDS`).
const PREVIEW_QUERY: &[(&str, &str)] = &[
    ("page", "`sign-in` (default) or `email`"),
    ("name", "Instead of APP_NAME"),
    ("tagline", "Instead of APP_TAGLINE"),
    ("description", "Instead of APP_DESCRIPTION"),
    ("companyName", "Instead of APP_COMPANY_NAME"),
    ("logoUrl", "Instead of APP_LOGO_URL"),
    ("primaryColor", "Instead of APP_PRIMARY_COLOR"),
    ("secondaryColor", "Instead of APP_SECONDARY_COLOR"),
    ("favicon", "Instead of APP_FAVICON"),
    ("domain", "Instead of APP_DOMAIN"),
    ("senderName", "Instead of EMAIL_FROM_NAME"),
    ("supportEmail", "Instead of APP_SUPPORT_EMAIL"),
    ("supportUrl", "Instead of APP_SUPPORT_URL"),
    ("privacyUrl", "Instead of APP_PRIVACY_URL"),
    ("termsUrl", "Instead of APP_TERMS_URL"),
];

/// How a value is checked.
#[derive(Clone, Copy)]
enum Rule {
    Name,
    Text,
    Logo,
    Color,
    Sender,
    Email,
    Link,
    Host,
}

/// Each editable value: its JSON key, the variable it stands in for, and its rule.
const FIELDS: &[(&str, &str, Rule)] = &[
    ("name", "APP_NAME", Rule::Name),
    ("tagline", "APP_TAGLINE", Rule::Text),
    ("description", "APP_DESCRIPTION", Rule::Text),
    ("companyName", "APP_COMPANY_NAME", Rule::Text),
    ("logoUrl", "APP_LOGO_URL", Rule::Logo),
    ("primaryColor", "APP_PRIMARY_COLOR", Rule::Color),
    ("secondaryColor", "APP_SECONDARY_COLOR", Rule::Color),
    ("favicon", "APP_FAVICON", Rule::Logo),
    ("domain", "APP_DOMAIN", Rule::Host),
    ("senderName", "EMAIL_FROM_NAME", Rule::Sender),
    ("supportEmail", "APP_SUPPORT_EMAIL", Rule::Email),
    ("supportUrl", "APP_SUPPORT_URL", Rule::Link),
    ("privacyUrl", "APP_PRIVACY_URL", Rule::Link),
    ("termsUrl", "APP_TERMS_URL", Rule::Link),
];

impl Rule {
    fn accepts(self, v: &str) -> bool {
        match self {
            Rule::Name => is_plain_text(v) && v.chars().count() <= 100,
            Rule::Text => is_plain_text(v),
            Rule::Logo => is_logo_url(v),
            Rule::Color => is_hex_color(v),
            Rule::Sender => is_sender_name(v),
            Rule::Email => is_email_address(v),
            Rule::Link => is_link(v),
            Rule::Host => is_host_name(v),
        }
    }

    /// What to do about a value that fails.
    fn expects(self) -> &'static str {
        match self {
            Rule::Name => "plain text of at most 100 characters",
            Rule::Text => "plain text of at most 500 characters, on one line",
            Rule::Logo | Rule::Link => {
                "an https:// address or a path on this server, such as /assets/logo.svg"
            }
            Rule::Color => "a hex colour such as #4f46e5",
            Rule::Sender => {
                "a name of at most 64 characters, without quotes, angle brackets or backslashes"
            }
            Rule::Email => "an e-mail address such as support@example.com",
            Rule::Host => "a host name in lower case, such as auth.example.com",
        }
    }
}

pub fn table() -> Table {
    Table::new(
        TABLE,
        vec![
            Field::new("value", FieldType::String).required(),
            Field::new("updatedAt", FieldType::Date).required(),
            Field::new("updatedBy", FieldType::String),
        ],
    )
}

fn values_schema() -> Value {
    let props: Map<String, Value> = FIELDS
        .iter()
        .map(|(key, var, _)| {
            (
                (*key).to_owned(),
                json!({"type": ["string", "null"], "description": format!("Instead of {var}")}),
            )
        })
        .collect();
    json!({"type": "object", "properties": props, "additionalProperties": false})
}

pub fn endpoints() -> Vec<Endpoint> {
    let state = schema::object(json!({
        "configured": values_schema(),
        "stored": {"anyOf": [values_schema(), {"type": "null"}]},
        "updatedAt": {"type": ["string", "null"], "format": "date-time"},
        "updatedBy": {"type": ["string", "null"]},
    }));
    let body = BodySpec::object(
        FIELDS
            .iter()
            .map(|(key, var, _)| FieldSpec::opt(key, Ty::NullableString, var))
            .collect(),
    );
    vec![
        Endpoint::new(
            Method::GET,
            "/admin/console/branding",
            "consoleBranding",
            portcullis_core::handler!(get),
        )
        .tag("Admin console")
        .summary(
            "The server's brand",
            "The configured values (`APP_*`) and the ones an administrator stored over them, which every page and e-mail shows until they are reset. Needs `branding:update`.",
        )
        .returns(state.clone()),
        Endpoint::new(
            Method::POST,
            "/admin/console/branding",
            "consoleUpdateBranding",
            portcullis_core::handler!(update),
        )
        .tag("Admin console")
        .summary(
            "Store the server's brand",
            "Replaces the stored values: a string overrides its variable, `null` or an absent key leaves the configured one. Followed by every instance within seconds; recorded as `admin.update_branding`. Needs `branding:update`.",
        )
        .body(body)
        .returns(state.clone()),
        Endpoint::new(
            Method::POST,
            "/admin/console/branding/reset",
            "consoleResetBranding",
            portcullis_core::handler!(reset),
        )
        .tag("Admin console")
        .summary(
            "Back to the configured brand",
            "Deletes the stored values; recorded as `admin.reset_branding`. Needs `branding:update`.",
        )
        .returns(state),
        Endpoint::new(
            Method::GET,
            "/admin/console/branding/preview",
            "consoleBrandingPreview",
            portcullis_core::handler!(preview),
        )
        .tag("Admin console")
        .summary(
            "Preview a brand",
            "The sign-in page or an e-mail with the given values over the stored and configured ones, as a document for a sandboxed frame. Nothing is stored. Needs `branding:update`.",
        )
        .query(PREVIEW_QUERY)
        .response(200, "The page or e-mail as HTML", ResponseBody::Html),
    ]
}

async fn may(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<portcullis_core::session::SessionWithUser, ApiError> {
    operator(
        ctx,
        req,
        "branding",
        "update",
        YOU_ARE_NOT_ALLOWED_TO_UPDATE_BRANDING,
    )
    .await
}

/// The overlay's value for a field.
fn value_of<'a>(o: &'a BrandOverlay, key: &str) -> Option<&'a str> {
    match key {
        "name" => o.name.as_deref(),
        "tagline" => o.tagline.as_deref(),
        "description" => o.description.as_deref(),
        "companyName" => o.company_name.as_deref(),
        "logoUrl" => o.logo_url.as_deref(),
        "primaryColor" => o.primary_color.as_deref(),
        "senderName" => o.sender_name.as_deref(),
        "supportEmail" => o.support_email.as_deref(),
        "supportUrl" => o.support_url.as_deref(),
        "privacyUrl" => o.privacy_url.as_deref(),
        "termsUrl" => o.terms_url.as_deref(),
        "secondaryColor" => o.secondary_color.as_deref(),
        "favicon" => o.favicon.as_deref(),
        "domain" => o.domain.as_deref(),
        _ => None,
    }
}

fn slot<'a>(o: &'a mut BrandOverlay, key: &str) -> Option<&'a mut Option<String>> {
    Some(match key {
        "name" => &mut o.name,
        "tagline" => &mut o.tagline,
        "description" => &mut o.description,
        "companyName" => &mut o.company_name,
        "logoUrl" => &mut o.logo_url,
        "primaryColor" => &mut o.primary_color,
        "senderName" => &mut o.sender_name,
        "supportEmail" => &mut o.support_email,
        "supportUrl" => &mut o.support_url,
        "privacyUrl" => &mut o.privacy_url,
        "termsUrl" => &mut o.terms_url,
        "secondaryColor" => &mut o.secondary_color,
        "favicon" => &mut o.favicon,
        "domain" => &mut o.domain,
        _ => return None,
    })
}

fn values_json(o: &BrandOverlay) -> Value {
    let m: Map<String, Value> = FIELDS
        .iter()
        .map(|(key, _, _)| ((*key).to_owned(), json!(value_of(o, key))))
        .collect();
    Value::Object(m)
}

/// An overlay from values a caller gave (`given(key)`: absent, blank or a string); a value
/// that fails its rule is a 400 naming the field and what it takes.
fn overlay_from(given: impl Fn(&str) -> Option<String>) -> Result<BrandOverlay, ApiError> {
    let mut o = BrandOverlay {
        key: SERVER.to_owned(),
        ..Default::default()
    };
    for (key, _, rule) in FIELDS {
        let Some(v) = given(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        if !rule.accepts(&v) {
            return Err(bad_query(&format!("{key} must be {}", rule.expects())));
        }
        if let Some(s) = slot(&mut o, key) {
            *s = Some(v);
        }
    }
    Ok(o)
}

/// The configured values, as the form shows them beside the stored ones.
fn configured(ctx: &AuthContext) -> Value {
    let b = &ctx.config.brand;
    let o = BrandOverlay {
        key: String::new(),
        name: Some(b.name.clone()),
        logo_url: Some(b.logo_url.clone()),
        primary_color: Some(b.primary_color.clone()),
        sender_name: Some(ctx.config.delivery.from_name.clone()),
        tagline: Some(b.tagline.clone()),
        description: Some(b.description.clone()),
        company_name: Some(b.company_name.clone()),
        support_email: Some(b.support_email.clone()),
        support_url: Some(b.support_url.clone()),
        privacy_url: Some(b.privacy_url.clone()),
        terms_url: Some(b.terms_url.clone()),
        secondary_color: Some(b.secondary_color.clone()),
        favicon: Some(b.favicon.clone()),
        domain: Some(b.domain.clone()),
    };
    values_json(&o)
}

async fn stored_row(ctx: &AuthContext) -> Result<Option<Row>, ApiError> {
    Ok(ctx
        .adapter
        .find_one(TABLE, &[Where::eq("id", SERVER)])
        .await?)
}

fn overlay_of_row(row: &Row) -> Option<BrandOverlay> {
    let text = row.get("value").and_then(Cell::as_str)?;
    match serde_json::from_str::<BrandOverlay>(text) {
        Ok(o) => Some(o.sanitized()),
        Err(e) => {
            tracing::warn!(error = %e, "the stored brand does not read; the configured one stands");
            None
        }
    }
}

fn state(ctx: &AuthContext, row: Option<&Row>) -> Value {
    let stored = row.and_then(overlay_of_row);
    let date = row
        .and_then(|r| r.get("updatedAt"))
        .and_then(Cell::as_date)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    json!({
        "configured": configured(ctx),
        "stored": stored.as_ref().map(values_json),
        "updatedAt": date,
        "updatedBy": row.and_then(|r| r.get("updatedBy")).and_then(Cell::as_str),
    })
}

/// This instance follows the stored brand (with the plugin switches' job).
pub async fn apply_stored(ctx: &AuthContext) -> Result<(), JobError> {
    let rows = ctx
        .adapter
        .find_many(TABLE, &Query::filter(vec![Where::eq("id", SERVER)]))
        .await?;
    let stored = rows.first().and_then(overlay_of_row);
    if ctx.delivery.templates().stored_brand().set(stored) {
        tracing::info!("the stored brand changed");
    }
    Ok(())
}

async fn get(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    may(ctx, req).await?;
    let row = stored_row(ctx).await?;
    Ok(AuthResponse::json(state(ctx, row.as_ref())).no_store())
}

async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = may(ctx, req).await?;
    let body = match &req.body {
        Some(Value::Object(m)) => m.clone(),
        None => Map::new(),
        Some(_) => return Err(bad_query("the body must be an object of values")),
    };
    if let Some(unknown) = body
        .keys()
        .find(|k| !FIELDS.iter().any(|(f, _, _)| *f == k.as_str()))
    {
        return Err(bad_query(&format!("{unknown} is not a brand value")));
    }
    for (key, v) in &body {
        if !(v.is_null() || v.is_string()) {
            return Err(bad_query(&format!("{key} must be a string or null")));
        }
    }
    let overlay = overlay_from(|k| body.get(k).and_then(Value::as_str).map(str::to_owned))?;
    let text = serde_json::to_string(&overlay).map_err(|_| ApiError::internal())?;
    let mut set = Row::new();
    set.insert("value".into(), text.into());
    set.insert("updatedAt".into(), ctx.now().into());
    set.insert("updatedBy".into(), me.user_id().into());
    let tx = ctx.begin().await?;
    let row = super::put_row(tx.store(), TABLE, SERVER, set).await?;
    let changed: Vec<Value> = FIELDS
        .iter()
        .filter(|(k, _, _)| value_of(&overlay, k).is_some())
        .map(|(k, _, _)| json!(k))
        .collect();
    let e = event(req, &me, "admin.update_branding", me.user_id()).detail("fields", changed);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    ctx.delivery.templates().stored_brand().set(Some(overlay));
    Ok(AuthResponse::json(state(ctx, Some(&row))).no_store())
}

async fn reset(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = may(ctx, req).await?;
    let tx = ctx.begin().await?;
    tx.store()
        .delete_many(TABLE, &[Where::eq("id", SERVER)])
        .await?;
    let e = event(req, &me, "admin.reset_branding", me.user_id());
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    ctx.delivery.templates().stored_brand().set(None);
    Ok(AuthResponse::json(state(ctx, None)).no_store())
}

async fn preview(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let page = req.query_param("page").unwrap_or("sign-in");
    if !matches!(page, "sign-in" | "email") {
        return Err(bad_query("page must be sign-in or email"));
    }
    may(ctx, req).await?;
    let candidate = overlay_from(|k| req.query_param(k).map(str::to_owned))?;
    let (html, policy) = if page == "email" {
        let vars = json!({
            "to": "sam@example.com",
            "url": portcullis_core::links::page_url(ctx, "/verify-email?token=sample"),
            "user": {"name": "Sam Sample", "email": "sam@example.com"},
            "expires_in_minutes": 60,
        });
        let html = ctx
            .delivery
            .templates()
            .render_email_branded(EmailTemplate::Verification, vars, Some(&candidate))
            .map_err(|e| {
                ApiError::with_message(
                    422,
                    portcullis_core::error::codes::VALIDATION_ERROR,
                    format!("the verification e-mail does not render: {e}"),
                )
            })?;
        (html.html, super::email_preview::PREVIEW_CSP)
    } else {
        // The renderer lays the stored brand under the one of the work running (as it does
        // for every page), so the candidate is rendered as an organization's brand would be.
        let context = json!({
            "page_title": "nav-sign-in",
            "request_path": "/sign-in",
            "features": {},
            "query": {},
            "preview": true,
        });
        let renderer = ctx.renderer.as_ref().ok_or_else(ApiError::internal)?;
        let html = portcullis_delivery::with_brand(Some(std::sync::Arc::new(candidate)), async {
            renderer.render("sign-in.html", context)
        })
        .await
        .ok_or_else(ApiError::internal)?;
        (html, PAGE_PREVIEW_CSP)
    };
    Ok(AuthResponse::html(html)
        .header("content-security-policy", policy)
        .header("x-frame-options", "SAMEORIGIN")
        .no_store())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_their_rules() {
        let given = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let o = overlay_from(given(&[
            ("name", " Acme "),
            ("primaryColor", "#0f766e"),
            ("supportEmail", "help@acme.test"),
            ("termsUrl", "https://acme.test/terms"),
            ("tagline", ""),
        ]))
        .expect("valid");
        assert_eq!(o.name.as_deref(), Some("Acme"));
        assert_eq!(o.tagline, None, "blank: the configured one");
        assert_eq!(o.terms_url.as_deref(), Some("https://acme.test/terms"));
        for (key, bad) in [
            ("primaryColor", "red"),
            ("logoUrl", "http://acme.test/logo.png"),
            ("supportEmail", "not an address"),
            ("privacyUrl", "javascript:alert(1)"),
            ("senderName", "Acme <x@y>"),
            ("tagline", "two\nlines"),
        ] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(vec![(key, bad)].into_boxed_slice());
            let e = overlay_from(given(pairs)).expect_err(bad);
            assert!(
                e.message.as_deref().is_some_and(|m| m.starts_with(key)),
                "{key}: {:?}",
                e.message
            );
        }
    }
}
