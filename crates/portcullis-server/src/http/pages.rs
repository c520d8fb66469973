//! The hosted UI: the core pages (some only while their flow is offered, see `Features`), the
//! plugins' pages, and the assets they use. Pages render through `Ui` with the features and
//! what they may learn from the query string.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, Method, StatusCode, header};
use serde::Serialize;
use serde_json::json;

use super::responses::{html, not_found_page};
use crate::app::App;

/// The optional core hosted flows this server offers, decided from the engine's registered
/// endpoints and the configuration. A plugin's flows are its own pages and fragments, present
/// exactly while it is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Features {
    /// `POST /request-password-reset` with email and password sign-in on.
    pub password_reset: bool,
    /// `GET /verify-email`.
    pub email_verification: bool,
    /// `/dev/outbox`: outside production, with messages delivered to the outbox.
    pub dev_outbox: bool,
    /// `POST /sign-in/username` (the username plugin): the sign-in form takes a username too.
    pub username_sign_in: bool,
    /// `POST /change-email` with `ENABLE_CHANGE_EMAIL`.
    pub change_email: bool,
    /// `POST /send-verification-email`: the account page offers to send the link again.
    pub send_verification_email: bool,
    /// `POST /set-password`: an account without a password may set one.
    pub set_password: bool,
    /// `POST /delete-user` with `ENABLE_DELETE_USER`.
    pub delete_user: bool,
}

impl Features {
    pub fn of(app: &App) -> Features {
        let has = |method: Method, path: &str| app.ctx.serves(&method, path);
        let config = &app.ctx.config;
        Features {
            password_reset: config.email_password_enabled
                && has(Method::POST, "/request-password-reset")
                && has(Method::POST, "/reset-password"),
            email_verification: has(Method::GET, "/verify-email"),
            dev_outbox: config.dev_outbox_ui && app.ctx.delivery.outbox().is_some(),
            username_sign_in: has(Method::POST, "/sign-in/username"),
            change_email: config.email.change_email_enabled && has(Method::POST, "/change-email"),
            send_verification_email: has(Method::POST, "/send-verification-email"),
            set_password: config.email_password_enabled && has(Method::POST, "/set-password"),
            delete_user: config.delete_user_enabled && has(Method::POST, "/delete-user"),
        }
    }

    fn has(&self, feature: Feature) -> bool {
        match feature {
            Feature::PasswordReset => self.password_reset,
            Feature::EmailVerification => self.email_verification,
        }
    }
}

/// A hosted page that only exists while its flow is offered.
#[derive(Debug, Clone, Copy)]
pub(super) enum Feature {
    PasswordReset,
    EmailVerification,
}

/// What a page may learn from its query string: `error`, limited to an error code
/// (`[A-Za-z0-9_]`, else `UNKNOWN`), `status` (`[a-z-]`, else nothing), and whether a `token`
/// is present. Tokens themselves are
/// never rendered; the page scripts read them from the address.
fn query_context(query: Option<&str>) -> serde_json::Value {
    let mut error = None;
    let mut status = None;
    let mut has_token = false;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "error" if error.is_none() && !v.is_empty() => {
                let code =
                    if v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                        v.into_owned()
                    } else {
                        "UNKNOWN".to_owned()
                    };
                error = Some(code);
            }
            // A word from a fixed set the pages know; anything else is dropped.
            "status"
                if status.is_none()
                    && (1..=32).contains(&v.len())
                    && v.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') =>
            {
                status = Some(v.into_owned());
            }
            "token" if !v.is_empty() => has_token = true,
            _ => {}
        }
    }
    json!({"error": error, "status": status, "has_token": has_token})
}

/// Who asks for a page, as branding needs it: the headers (`Host`, and
/// `X-Organization-Domain` when the peer is a trusted proxy) and the peer's address.
pub(super) struct Visitor {
    headers: HeaderMap,
    peer: Option<IpAddr>,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Visitor {
            headers: parts.headers.clone(),
            peer: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        })
    }
}

/// The brand this page shows over the configured one, as values to merge over the page's
/// context: a plugin's (an organization's) over the one an administrator stored. Nothing is
/// looked up when no plugin brands pages.
async fn page_brand(
    app: &App,
    visitor: &Visitor,
    query: Option<&str>,
    path: &str,
) -> Option<serde_json::Value> {
    let ctx = &app.ctx;
    let plugins = if ctx.brands_requests() {
        let mut on = portcullis_core::branding::BrandRequest::from_headers(
            &ctx.config,
            &visitor.headers,
            visitor.peer,
        );
        on.page = Some(portcullis_core::branding::PageVisit {
            path: path.to_owned(),
            query: url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        });
        ctx.brand_for(None, &on).await
    } else {
        None
    };
    let brand = ctx
        .delivery
        .templates()
        .stored_brand()
        .layered(plugins.as_deref())?;
    Some(app.ui.branded(&brand))
}

async fn render_page(
    app: &App,
    visitor: &Visitor,
    query: Option<&str>,
    template: &str,
    title: &str,
    path: &str,
) -> Response {
    render_page_with(
        app,
        visitor,
        query,
        template,
        title,
        path,
        serde_json::Value::Null,
    )
    .await
}

/// `render_page` with the page's own values merged over the rest (a plugin page's context).
async fn render_page_with(
    app: &App,
    visitor: &Visitor,
    query: Option<&str>,
    template: &str,
    title: &str,
    path: &str,
    context: serde_json::Value,
) -> Response {
    let mut extra = json!({"features": Features::of(app), "query": query_context(query)});
    // Fragments of plugins an administrator switched off leave the page.
    if let (Some(m), Some(serde_json::Value::Object(shown))) = (
        extra.as_object_mut(),
        app.ui
            .without_switched_off(|plugin| app.ctx.switches.is_on(plugin)),
    ) {
        m.extend(shown);
    }
    if let (Some(m), Some(serde_json::Value::Object(brand))) = (
        extra.as_object_mut(),
        page_brand(app, visitor, query, path).await,
    ) {
        m.extend(brand);
    }
    if let (Some(m), serde_json::Value::Object(own)) = (extra.as_object_mut(), context) {
        m.extend(own);
    }
    match app.ui.page_with(template, title, path, extra) {
        Some(body) => html(StatusCode::OK, body),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub(super) async fn page(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    visitor: Visitor,
    template: &'static str,
    title: &'static str,
    path: &'static str,
) -> Response {
    render_page(&app, &visitor, query.as_deref(), template, title, path).await
}

/// A plugin's page (`Plugin::pages`), by its index in `Ui::plugin_pages`.
pub(super) async fn plugin_page(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    visitor: Visitor,
    index: usize,
) -> Response {
    let Some(p) = app.ui.plugin_pages().get(index) else {
        return not_found_page(&app, "");
    };
    // A plugin switched off has no pages, as if never registered.
    if app
        .ui
        .page_owner(index)
        .is_some_and(|plugin| !app.ctx.switches.is_on(plugin))
    {
        return not_found_page(&app, p.path);
    }
    let mut context = p.context.clone();
    if let Some(gate) = p.gate {
        let Some(viewer) = app
            .ctx
            .page_session(&visitor.headers, visitor.peer)
            .await
            .ok()
            .flatten()
        else {
            // Signed out (or a lookup that failed): sign in, then come back here.
            let to = format!(
                "/sign-in?redirect={}",
                url::form_urlencoded::byte_serialize(p.path.as_bytes()).collect::<String>()
            );
            return no_store(axum::response::Redirect::to(&to).into_response());
        };
        if let Err(reason) = gate(&app.ctx, &viewer) {
            let body = app.ui.page_with(
                "forbidden.html",
                "page-title-forbidden",
                p.path,
                json!({"reason": reason}),
            );
            return no_store(match body {
                Some(body) => html(StatusCode::FORBIDDEN, body),
                None => StatusCode::FORBIDDEN.into_response(),
            });
        }
        // Who is looking, for the page's header (its data comes from its JSON endpoints).
        let who = json!({"viewer": {
            "id": viewer.user_id(),
            "email": viewer.user.get("email").and_then(|v| v.as_str()),
            "name": viewer.user.get("name").and_then(|v| v.as_str()),
        }});
        context = match (who, context) {
            (serde_json::Value::Object(mut m), serde_json::Value::Object(own)) => {
                m.extend(own);
                serde_json::Value::Object(m)
            }
            (who, _) => who,
        };
    }
    let page = render_page_with(
        &app,
        &visitor,
        query.as_deref(),
        p.template.file,
        p.title,
        p.path,
        context,
    )
    .await;
    // A gated page's answer is the visitor's own.
    if p.gate.is_some() {
        no_store(page)
    } else {
        page
    }
}

/// Never kept by a shared cache or the browser.
fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    res
}

/// Like `page`, but the not-found page (404) while `feature` is off.
pub(super) async fn feature_page(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    visitor: Visitor,
    feature: Feature,
    template: &'static str,
    title: &'static str,
    path: &'static str,
) -> Response {
    if !Features::of(&app).has(feature) {
        return not_found_page(&app, path);
    }
    render_page(&app, &visitor, query.as_deref(), template, title, path).await
}

pub(super) async fn asset(State(app): State<App>, Path(file): Path<String>) -> Response {
    let cache = (header::CACHE_CONTROL, "public, max-age=300");
    if file == "brand.css" {
        return (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8"), cache],
            app.ui.brand_css.clone(),
        )
            .into_response();
    }
    // An organization's colour: made from the name alone, so it never changes and may be
    // cached for long.
    if let Some(css) = crate::brand_css::colors_of_file(&file)
        .and_then(|(p, s)| crate::brand_css::stylesheet(&p, s.as_deref()))
    {
        return (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
            ],
            css,
        )
            .into_response();
    }
    // The page scripts' messages of a language: named by a hash of their content.
    if let Some(script) = app
        .ctx
        .delivery
        .templates()
        .catalogs()
        .script_of_file(&file)
    {
        return (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
            ],
            script.to_owned(),
        )
            .into_response();
    }
    match app.ui.asset(&file) {
        Some((ct, body)) => ([(header::CONTENT_TYPE, ct), cache], body).into_response(),
        None => not_found_page(&app, &format!("/assets/{file}")),
    }
}

/// `/favicon.ico`, which browsers ask for on their own: the brand's icon (the stored one, else
/// `APP_FAVICON`) when one is set, else the built-in one.
pub(super) async fn favicon(State(app): State<App>) -> Response {
    let stored = app.ctx.delivery.templates().stored_brand().get();
    let brand = stored
        .as_ref()
        .and_then(|b| b.favicon.as_deref())
        .unwrap_or(&app.ctx.config.brand.favicon);
    if !brand.is_empty() && brand != "/favicon.ico" {
        return axum::response::Redirect::temporary(brand).into_response();
    }
    asset(State(app), Path("favicon.ico".to_owned())).await
}

#[cfg(test)]
mod tests {
    use super::query_context;
    use serde_json::json;

    #[test]
    fn query_context_keeps_error_codes_only() {
        assert_eq!(
            query_context(Some("error=INVALID_TOKEN&token=abc")),
            json!({"error": "INVALID_TOKEN", "status": null, "has_token": true})
        );
        assert_eq!(
            query_context(Some("error=%3Cscript%3E")),
            json!({"error": "UNKNOWN", "status": null, "has_token": false})
        );
        assert_eq!(
            query_context(Some(&format!("error={}", "A".repeat(65)))),
            json!({"error": "UNKNOWN", "status": null, "has_token": false})
        );
        assert_eq!(
            query_context(Some("error=&token=")),
            json!({"error": null, "status": null, "has_token": false})
        );
        assert_eq!(
            query_context(Some("status=already-verified&status=verified")),
            json!({"error": null, "status": "already-verified", "has_token": false})
        );
        assert_eq!(
            query_context(Some("status=%3Cb%3E")),
            json!({"error": null, "status": null, "has_token": false})
        );
        assert_eq!(
            query_context(None),
            json!({"error": null, "status": null, "has_token": false})
        );
    }
}
