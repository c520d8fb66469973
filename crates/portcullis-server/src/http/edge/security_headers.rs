//! Security headers on every response: `nosniff` everywhere; on HTML, a CSP (unless the page
//! brings its own), `X-Frame-Options` (likewise) and `Referrer-Policy`; elsewhere, `no-store` on anything
//! that sets a cookie.

use http::{HeaderMap, HeaderValue, header};

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"))
}

pub(super) fn apply_security_headers(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_html(h) {
        // A page may bring a policy of its own (the dev outbox); every other gets this one.
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
            ),
        );
        }
        // Likewise a frame policy: a preview the console frames allows its own origin.
        if !h.contains_key(header::X_FRAME_OPTIONS) {
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    } else if !h.contains_key(header::CACHE_CONTROL) && h.contains_key(header::SET_COOKIE) {
        // Anything that sets a session cookie carries a token: never cache it.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
