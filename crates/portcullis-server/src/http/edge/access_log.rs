//! What the access log (and the HTTP metrics) say about a request: the `route` label, and the
//! engine's `AccessNote` (endpoint and user id) handed over in a request-scoped slot.

use portcullis_core::AccessNote;

use crate::http::under_base;

tokio::task_local! {
    /// What the engine told the edge about the request it is answering (`AccessNote`). A
    /// request-scoped slot rather than a response extension, which would allocate a map for
    /// every response.
    pub(crate) static ACCESS_NOTE: std::cell::RefCell<AccessNote>;
}

/// The `route` label and log field: an endpoint path template, a fixed word (`page`, `asset`,
/// `other`) or another route's template — never a raw path, which may carry a token
/// (`/reset-password/:token`) and would make the label set unbounded.
pub fn route_label<'a>(
    base: &str,
    matched: Option<&'a str>,
    engine_label: Option<&'a str>,
) -> &'a str {
    if let Some(label) = engine_label {
        return label;
    }
    match matched {
        None => "other",
        Some(m) if under_base(base, m) => "other",
        Some("/assets/{file}") => "asset",
        Some(m) if m.starts_with("/api/") || m == "/metrics" => m,
        Some(_) => "page",
    }
}

#[cfg(test)]
mod tests {
    use super::route_label;

    #[test]
    fn route_labels_are_templates_or_fixed_words() {
        let base = "/api/auth";
        assert_eq!(
            route_label(
                base,
                Some("/api/auth/{*rest}"),
                Some("/api/auth/reset-password/:token")
            ),
            "/api/auth/reset-password/:token"
        );
        // Under the base path but no endpoint answered: never the raw path.
        assert_eq!(route_label(base, Some("/api/auth/{*rest}"), None), "other");
        assert_eq!(route_label(base, Some("/api/auth"), None), "other");
        assert_eq!(route_label(base, Some("/assets/{file}"), None), "asset");
        assert_eq!(route_label(base, Some("/sign-in"), None), "page");
        assert_eq!(route_label(base, Some("/"), None), "page");
        assert_eq!(route_label(base, Some("/api/health"), None), "/api/health");
        assert_eq!(route_label(base, Some("/metrics"), None), "/metrics");
        assert_eq!(route_label(base, None, None), "other");
    }
}
