//! The hosted UI: the core pages (some only while their flow is offered, see `Features`), the
//! plugins' pages, and the assets they use. Pages render through `Ui` with the features and
//! what they may learn from the query string.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, header};
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
        let has = |method: Method, path: &str| {
            app.ctx
                .endpoints
                .iter()
                .any(|e| e.method == method && e.path == path)
        };
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

fn render_page(
    app: &App,
    query: Option<&str>,
    template: &str,
    title: &str,
    path: &str,
) -> Response {
    render_page_with(app, query, template, title, path, serde_json::Value::Null)
}

/// `render_page` with the page's own values merged over the rest (a plugin page's context).
fn render_page_with(
    app: &App,
    query: Option<&str>,
    template: &str,
    title: &str,
    path: &str,
    context: serde_json::Value,
) -> Response {
    let mut extra = json!({"features": Features::of(app), "query": query_context(query)});
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
    template: &'static str,
    title: &'static str,
    path: &'static str,
) -> Response {
    render_page(&app, query.as_deref(), template, title, path)
}

/// A plugin's page (`Plugin::pages`), by its index in `Ui::plugin_pages`.
pub(super) async fn plugin_page(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    index: usize,
) -> Response {
    let Some(p) = app.ui.plugin_pages().get(index) else {
        return not_found_page(&app, "");
    };
    render_page_with(
        &app,
        query.as_deref(),
        p.template.file,
        p.title,
        p.path,
        p.context.clone(),
    )
}

/// Like `page`, but the not-found page (404) while `feature` is off.
pub(super) async fn feature_page(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    feature: Feature,
    template: &'static str,
    title: &'static str,
    path: &'static str,
) -> Response {
    if !Features::of(&app).has(feature) {
        return not_found_page(&app, path);
    }
    render_page(&app, query.as_deref(), template, title, path)
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
    match app.ui.asset(&file) {
        Some((ct, body)) => ([(header::CONTENT_TYPE, ct), cache], body).into_response(),
        None => not_found_page(&app, &format!("/assets/{file}")),
    }
}

/// `/favicon.ico`, which browsers ask for on their own: the brand's icon (`APP_FAVICON`) when
/// one is set, else the built-in one.
pub(super) async fn favicon(State(app): State<App>) -> Response {
    let brand = &app.ctx.config.brand.favicon;
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
