//! `GET /ok` and the `GET /error` page.

use http::Method;
use serde_json::json;

use crate::context::AuthContext;
use crate::endpoint::{AuthRequest, AuthResponse, Endpoint};
use crate::error::ApiError;
use crate::openapi::schema;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(Method::GET, "/ok", "ok", crate::handler!(ok))
            .summary("Liveness of the auth API", "Always `{ok: true}`.")
            .tag("Default")
            .returns(schema::object(json!({"ok": schema::always_true("The auth API answers")}))),
        Endpoint::new(Method::GET, "/error", "error", crate::handler!(error_page))
            .summary("Error page", "Where failed browser flows land, with `error` and `error_description` in the query.")
            .tag("Default")
            .query(&[("error", "Error code"), ("error_description", "Human-readable description")])
            .returns_html("The error page, showing the code and the description"),
    ]
}

async fn ok(_ctx: &AuthContext, _req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    // The same bytes every time: no map to build (the liveness probe is called often).
    Ok(AuthResponse::new(
        200,
        crate::endpoint::Body::JsonBytes(br#"{"ok":true}"#.to_vec()),
    ))
}

/// Better Auth's sanitising: `[A-Za-z0-9_'-]+`, else `UNKNOWN`.
fn sanitize_code(s: Option<&str>) -> String {
    match s {
        Some(s)
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c)) =>
        {
            s.to_owned()
        }
        _ => "UNKNOWN".to_owned(),
    }
}

/// Text made safe inside HTML text and quoted attributes.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn error_page(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let code = sanitize_code(req.query_param("error"));
    let description = req.query_param("error_description").unwrap_or_default();
    if let Some(html) = ctx
        .renderer
        .as_ref()
        .and_then(|r| r.render("auth-error.html", json!({"error": code, "error_description": description, "page_title": "page-title-auth-error"})))
    {
        return Ok(AuthResponse::html(html));
    }
    Ok(AuthResponse::html(format!(
        "<!doctype html><meta charset=utf-8><title>Error</title><h1>Something went wrong</h1><p><code>{}</code></p><p>{}</p>",
        escape_html(&code),
        escape_html(description)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_sanitised() {
        assert_eq!(sanitize_code(Some("state_mismatch")), "state_mismatch");
        assert_eq!(sanitize_code(Some("<script>")), "UNKNOWN");
        assert_eq!(sanitize_code(None), "UNKNOWN");
        assert_eq!(escape_html("<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
    }
}
