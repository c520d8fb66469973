//! OAuth 2.0 Form Post Response Mode: the answer is a page that posts the parameters to the
//! client. Pages allow no inline script, so a small asset submits the form; without scripts,
//! the user presses the button.

use portcullis_core::endpoint::AuthResponse;
use portcullis_core::routes::escape_html as escape;
use portcullis_delivery::Catalogs;

/// The origin a form may post to, for the page's `form-action`.
fn origin_of(action: &str) -> String {
    url::Url::parse(action)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "'none'".into())
}

/// The page, in the request's language (its words are in `messages/*.ftl`).
pub fn page(catalogs: &Catalogs, action: &str, fields: &[(String, String)]) -> AuthResponse {
    let language = catalogs.current();
    let text = |id: &str| escape(&catalogs.text(language, id, None));
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let html = format!(
        "<!doctype html><html lang=\"{language}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body>\
         <form id=\"form-post\" method=\"post\" action=\"{}\">{inputs}\
         <p>{}</p>\
         <button type=\"submit\">{}</button></form>\
         <script src=\"/assets/oidc-form-post.js\"></script></body></html>",
        text("oidc-provider-form-post-title"),
        escape(action),
        text("oidc-provider-form-post-text"),
        text("oidc-provider-form-post-continue"),
    );
    AuthResponse::html(html)
        .header(
            "content-security-policy",
            format!(
                "default-src 'none'; script-src 'self'; form-action {}; frame-ancestors 'none'; base-uri 'none'",
                origin_of(action)
            ),
        )
        .no_store()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::endpoint::Body;

    fn catalogs() -> Catalogs {
        let en = portcullis_delivery::Messages::new("en", include_str!("messages/en.ftl"));
        match Catalogs::new(&[("oidc-provider", en)], None) {
            Ok(c) => c,
            Err(e) => panic!("the plugin's catalog: {e}"),
        }
    }

    #[test]
    fn fields_are_escaped_and_the_form_may_post_only_to_the_client() {
        let res = page(
            &catalogs(),
            "https://app.example.com/cb",
            &[("state".into(), "\"><script>x</script>".into())],
        );
        let Body::Html(html) = &res.body else {
            panic!("an HTML page")
        };
        assert!(html.contains("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
        assert!(!html.contains("<script>x"));
        assert!(html.contains("<title>Returning to the application</title>"));
        assert!(html.contains("<p>Returning you to the application…</p>"));
        let csp = res
            .headers
            .iter()
            .find(|(k, _)| k == "content-security-policy")
            .map(|(_, v)| v.as_str());
        assert!(csp.is_some_and(|c| c.contains("form-action https://app.example.com;")));
    }
}
