//! The development outbox (`/dev/outbox`, outside production): the messages delivered to the
//! outbox listed newest first, and one message with its links, under a policy of their own.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

use super::pages::Features;
use super::responses::{html, not_found_page};
use crate::app::App;

/// The outbox pages' own policy: as strict as the others, except that the message shown in the
/// sandboxed `srcdoc` frame (which inherits this policy) may use inline styles, as emails do.
const OUTBOX_CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

/// The outbox, when `/dev/outbox` is served at all.
/// The outbox's page on this server (`<base URL>/dev/outbox`) when it is served, for the
/// start-up log.
pub fn dev_outbox_url(app: &App) -> Option<String> {
    dev_outbox_of(app)?;
    Some(portcullis_core::links::page_url(&app.ctx, "/dev/outbox"))
}

fn dev_outbox_of(app: &App) -> Option<&portcullis_delivery::Outbox> {
    if !app.ctx.config.dev_outbox_ui {
        return None;
    }
    app.ctx.delivery.outbox()
}

fn outbox_page(
    app: &App,
    template: &str,
    title: &str,
    path: &str,
    extra: serde_json::Value,
) -> Response {
    let mut ctx = json!({"features": Features::of(app)});
    if let (Some(m), serde_json::Value::Object(extra)) = (ctx.as_object_mut(), extra) {
        m.extend(extra);
    }
    let mut res = match app.ui.page_with(template, title, path, ctx) {
        Some(body) => html(StatusCode::OK, body),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(OUTBOX_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

fn outbox_time(m: &portcullis_delivery::OutboxMessage) -> (String, String) {
    (
        m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        portcullis_storage::value::iso(&m.created_at),
    )
}

/// `GET /dev/outbox`: every message delivered to the outbox, newest first.
pub(super) async fn dev_outbox(State(app): State<App>) -> Response {
    let Some(outbox) = dev_outbox_of(&app) else {
        return not_found_page(&app, "/dev/outbox");
    };
    let messages = match outbox.list(500).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let rows: Vec<_> = messages
        .iter()
        .map(|m| {
            let (time, iso) = outbox_time(m);
            json!({
                "id": m.id, "channel": m.channel, "kind": m.kind, "to": m.to,
                "subject": m.subject, "time": time, "iso": iso,
            })
        })
        .collect();
    outbox_page(
        &app,
        "dev-outbox.html",
        "page-title-dev-outbox",
        "/dev/outbox",
        json!({"messages": rows, "outbox_dir": outbox.dir().display().to_string()}),
    )
}

/// Outbox ids are file stems written by the outbox: `20261123T105500123456-004217`.
fn valid_outbox_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The `http(s)://` links in a plain-text message, in order, without repeats.
fn links_in(text: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'')) {
        let Some(start) = word.find("http://").or_else(|| word.find("https://")) else {
            continue;
        };
        let link = word[start..].trim_end_matches(['.', ',', ')', ';', ':', '!', '?']);
        if url::Url::parse(link).is_ok() && !links.iter().any(|l| l == link) {
            links.push(link.to_owned());
        }
    }
    links
}

/// `GET /dev/outbox/{id}`: one message, its HTML body in a sandboxed frame.
pub(super) async fn dev_outbox_message(State(app): State<App>, Path(id): Path<String>) -> Response {
    let path = format!("/dev/outbox/{id}");
    let Some(outbox) = dev_outbox_of(&app) else {
        return not_found_page(&app, &path);
    };
    if !valid_outbox_id(&id) {
        return not_found_page(&app, &path);
    }
    let message = match outbox.get(&id).await {
        Ok(Some(m)) => m,
        Ok(None) => return not_found_page(&app, &path),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let (time, iso) = outbox_time(&message);
    outbox_page(
        &app,
        "dev-outbox-message.html",
        // The template's <title> is the subject; this message id when there is none.
        "page-title-dev-outbox-message",
        "/dev/outbox",
        json!({
            "message": {
                "id": message.id, "channel": message.channel, "kind": message.kind,
                "to": message.to, "subject": message.subject, "text": message.text,
                "html": message.html, "time": time, "iso": iso, "from_name": message.from_name,
            },
            "links": links_in(&message.text),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::{links_in, valid_outbox_id};

    #[test]
    fn outbox_ids_and_links() {
        assert!(valid_outbox_id("20261123T105500123456-004217"));
        for bad in [
            "",
            "../x",
            "a.json",
            "a/b",
            "a%2Fb",
            "a\\b",
            &"a".repeat(65),
        ] {
            assert!(!valid_outbox_id(bad), "{bad}");
        }
        assert_eq!(
            links_in(
                "Reset: https://a.test/r/T?x=1.\n(see http://b.test/p) https://a.test/r/T?x=1 <https://c.test/\">x"
            ),
            vec![
                "https://a.test/r/T?x=1",
                "http://b.test/p",
                "https://c.test/"
            ]
        );
        assert!(links_in("no links, javascript:alert(1) ftp://x").is_empty());
    }
}
