//! Per-request branding: a plugin (the organization plugin) may put a brand of its own over the
//! configured one (`APP_*`) for a request, chosen by what the request says about itself.
//!
//! - [`BrandRequest`] is what a request offers: its host name, the `X-Organization-Domain`
//!   header when a trusted proxy (`TRUSTED_PROXIES`) sent it (never otherwise), and, for a
//!   hosted page, its path and query (the invitation landing page names its invitation).
//! - `Plugin::brand` answers with a [`BrandOverlay`] or nothing. The engine asks the plugins
//!   whose `hooks().brand` covers the endpoint's path, and runs the handler (and the sign-in
//!   notice) inside `portcullis_delivery::with_brand`, so every e-mail the request sends,
//!   including deferred ones, carries the brand. The hosted pages ask too (`portcullis-server`).
//! - Links in e-mails are still built from the configured base URL: the brand changes names,
//!   logo, colour and sender, never where a link points.

use std::net::IpAddr;
use std::sync::Arc;

use http::HeaderMap;

pub use portcullis_delivery::BrandOverlay;
pub use portcullis_delivery::brand::{
    LOGO_URL_MAX, SENDER_NAME_MAX, domain_name, is_hex_color, is_host_name, is_logo_url,
    is_sender_name,
};

use crate::config::Config;
use crate::context::AuthContext;

/// The header a trusted proxy names the organization's domain in.
pub const ORGANIZATION_DOMAIN_HEADER: &str = "x-organization-domain";

/// What a request offers to choose a brand by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandRequest {
    /// The `Host` header's name: lower-cased, without port or trailing dot.
    pub host: Option<String>,
    /// `X-Organization-Domain`, normalised the same way, only when the peer is a trusted proxy.
    pub forwarded_domain: Option<String>,
    /// A hosted page being rendered: its path and query parameters (`None` for API calls).
    pub page: Option<PageVisit>,
}

/// The hosted page a brand is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageVisit {
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl PageVisit {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl BrandRequest {
    /// From a request's headers and the address it came from (the TCP peer, not the
    /// forwarded client address: only the proxy itself is trusted to name a domain).
    pub fn from_headers(config: &Config, headers: &HeaderMap, peer: Option<IpAddr>) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(domain_name)
        };
        let forwarded_domain = if peer.is_some_and(|p| crate::origin::is_trusted_proxy(config, p)) {
            header(ORGANIZATION_DOMAIN_HEADER)
        } else {
            None
        };
        BrandRequest {
            host: header(http::header::HOST.as_str()),
            forwarded_domain,
            page: None,
        }
    }
}

impl AuthContext {
    /// The brand the first plugin that has one gives `on`, asking only the plugins whose
    /// `hooks().brand` covers `path` (`None`: every branding plugin, as pages do). A plugin's
    /// error is logged and taken as no brand: branding never fails a request.
    pub async fn brand_for(
        &self,
        path: Option<&str>,
        on: &BrandRequest,
    ) -> Option<Arc<BrandOverlay>> {
        for p in self.live_plugins() {
            let scope = p.hooks().brand;
            let asked = match path {
                Some(path) => scope.covers(path),
                None => scope != crate::plugin::HookScope::Never,
            };
            if !asked {
                continue;
            }
            match p.brand(self, on).await {
                Ok(Some(b)) => return Some(Arc::new(b.sanitized())),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(plugin = p.id(), error = %e, "brand look-up failed");
                }
            }
        }
        None
    }

    /// Whether any plugin brands requests at all: when none does, pages and the engine skip
    /// the look-up entirely.
    pub fn brands_requests(&self) -> bool {
        self.live_plugins()
            .any(|p| p.hooks().brand != crate::plugin::HookScope::Never)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_are_normalised_or_refused() {
        assert_eq!(
            domain_name("Acme.Example.COM"),
            Some("acme.example.com".into())
        );
        assert_eq!(domain_name("acme.test:8443"), Some("acme.test".into()));
        assert_eq!(domain_name("acme.test."), Some("acme.test".into()));
        assert_eq!(domain_name("localhost"), Some("localhost".into()));
        for bad in [
            "",
            "[::1]:80",
            "a b.test",
            "-a.test",
            "a..test",
            "user@a.test",
            "a_b.test",
        ] {
            assert_eq!(domain_name(bad), None, "{bad:?}");
        }
        assert_eq!(domain_name(&format!("{}.test", "a".repeat(64))), None);
    }
}
