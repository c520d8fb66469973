//! A brand that stands in for the configured one (`APP_*`) for some messages: an
//! organization's name, logo, colour and sender name (the organization plugin's branding).
//!
//! The brand travels with the work that sends: [`with_brand`] runs a future with it, and
//! [`Delivery::send_email`](crate::Delivery::send_email) renders and addresses every email sent
//! inside that future with it. The engine wraps a request's handler this way, and deferred work
//! carries the brand of the request that queued it, so a verification, reset, magic-link or
//! code e-mail sent for a branded host is branded without each sender knowing.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// What a brand overrides; each `None` keeps the configured value. Values are validated where
/// they are stored (the organization plugin); [`BrandOverlay::is_safe`] checks them again
/// before they reach a page or a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandOverlay {
    /// What it belongs to (an organization's id), for logs and caches.
    pub key: String,
    /// Shown instead of `APP_NAME`.
    pub name: Option<String>,
    /// An `https://` URL or a path on this server.
    pub logo_url: Option<String>,
    /// A hex colour, as `APP_PRIMARY_COLOR`.
    pub primary_color: Option<String>,
    /// The e-mails' sender display name (`From: <name> <configured address>`).
    pub sender_name: Option<String>,
    /// Instead of `APP_TAGLINE`, `APP_DESCRIPTION` and `APP_COMPANY_NAME` (plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Instead of `APP_SUPPORT_EMAIL`: an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_email: Option<String>,
    /// Instead of `APP_SUPPORT_URL`, `APP_PRIVACY_URL` and `APP_TERMS_URL`: `https://` URLs or
    /// paths on this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_url: Option<String>,
    /// Instead of `APP_SECONDARY_COLOR`: a hex colour (the brand mark's second colour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_color: Option<String>,
    /// Instead of `APP_FAVICON`: an `https://` URL or a path on this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favicon: Option<String>,
    /// Instead of `APP_DOMAIN`: the host name e-mail footers and SMS codes name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// Longest plain text kept (a tagline, a description, a company name).
pub const TEXT_MAX: usize = 500;

/// Plain text a page or an e-mail may show: not blank, no control characters, at most
/// [`TEXT_MAX`] characters (templates escape it; this keeps headers and layouts sane).
pub fn is_plain_text(v: &str) -> bool {
    !v.trim().is_empty() && v.chars().count() <= TEXT_MAX && !v.chars().any(char::is_control)
}

/// An address for "contact support": one `@` between a local part and a domain with a dot,
/// no spaces, quotes, angle brackets or control characters, at most 254 characters.
pub fn is_email_address(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    v.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(|c| {
            c.is_control() || c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\\' | ',' | ';')
        })
        && v.matches('@').count() == 1
}

/// A link a page may hold: an `https://` URL with a host, or a path on this server, with the
/// same refusals as a logo's address.
pub fn is_link(v: &str) -> bool {
    is_logo_url(v)
}

/// The rule `APP_PRIMARY_COLOR` follows: `#` and 3, 6 or 8 hex digits.
pub fn is_hex_color(v: &str) -> bool {
    v.starts_with('#')
        && matches!(v.len(), 4 | 7 | 9)
        && v[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Longest sender name kept: display names past this are unreadable in mail clients anyway.
pub const SENDER_NAME_MAX: usize = 64;

/// A display name that cannot break out of a `From` header or a JSON field: no control
/// characters (CR, LF), quotes, angle brackets or backslashes, at most [`SENDER_NAME_MAX`]
/// characters, not blank.
pub fn is_sender_name(v: &str) -> bool {
    !v.trim().is_empty()
        && v.chars().count() <= SENDER_NAME_MAX
        && !v
            .chars()
            .any(|c| c.is_control() || matches!(c, '"' | '<' | '>' | '\\'))
}

/// A host name as stored for an organization or the server's brand: lower-case labels of
/// `[a-z0-9-]` (no leading or trailing `-`) joined by dots, at most 253 characters. A port and
/// a trailing dot are dropped; anything else (an address in brackets, a user, spaces) is not a
/// host name.
pub fn domain_name(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let host = match raw.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => raw,
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    ok.then_some(host)
}

/// A host name exactly as [`domain_name`] would store it.
pub fn is_host_name(v: &str) -> bool {
    domain_name(v).is_some_and(|d| d == v)
}

/// Longest logo URL kept.
pub const LOGO_URL_MAX: usize = 2048;

/// A logo the pages' CSP (`img-src 'self' https: data:`) shows and nothing can abuse: an
/// `https://` URL with a host, or a path on this server (`/logo.svg`, not `//host`), without
/// spaces, quotes, angle brackets or backslashes.
pub fn is_logo_url(v: &str) -> bool {
    if v.is_empty() || v.len() > LOGO_URL_MAX {
        return false;
    }
    if v.chars().any(|c| {
        c.is_control() || c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')
    }) {
        return false;
    }
    if let Some(rest) = v.strip_prefix("https://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        return !host.is_empty() && !host.contains('@');
    }
    v.starts_with('/') && !v.starts_with("//")
}

impl BrandOverlay {
    /// Whether every value present passes its rule (a row written around the plugin is not
    /// trusted blindly).
    pub fn is_safe(&self) -> bool {
        self.primary_color.as_deref().is_none_or(is_hex_color)
            && self.sender_name.as_deref().is_none_or(is_sender_name)
            && self.logo_url.as_deref().is_none_or(is_logo_url)
            && self
                .name
                .as_deref()
                .is_none_or(|n| !n.chars().any(char::is_control))
            && self.texts().all(|(_, v)| v.is_none_or(is_plain_text))
            && self.support_email.as_deref().is_none_or(is_email_address)
            && self.links().all(|(_, v)| v.is_none_or(is_link))
            && self.secondary_color.as_deref().is_none_or(is_hex_color)
            && self.domain.as_deref().is_none_or(is_host_name)
    }

    /// The overlay without any value that fails its rule.
    pub fn sanitized(mut self) -> Self {
        self.primary_color = self.primary_color.filter(|c| is_hex_color(c));
        self.sender_name = self.sender_name.filter(|n| is_sender_name(n));
        self.logo_url = self.logo_url.filter(|l| is_logo_url(l));
        self.name = self
            .name
            .filter(|n| !n.trim().is_empty() && !n.chars().any(char::is_control));
        for v in [
            &mut self.tagline,
            &mut self.description,
            &mut self.company_name,
        ] {
            *v = v.take().filter(|t| is_plain_text(t));
        }
        self.support_email = self.support_email.filter(|e| is_email_address(e));
        for v in [
            &mut self.support_url,
            &mut self.privacy_url,
            &mut self.terms_url,
        ] {
            *v = v.take().filter(|l| is_link(l));
        }
        self.secondary_color = self.secondary_color.filter(|c| is_hex_color(c));
        self.favicon = self.favicon.filter(|f| is_logo_url(f));
        self.domain = self.domain.filter(|d| is_host_name(d));
        self
    }

    /// The plain-text values, by their `brand` key.
    fn texts(&self) -> impl Iterator<Item = (&'static str, Option<&str>)> {
        [
            ("tagline", self.tagline.as_deref()),
            ("description", self.description.as_deref()),
            ("company_name", self.company_name.as_deref()),
        ]
        .into_iter()
    }

    /// The links and the icon, by their `brand` key: paths are made absolute for e-mails.
    fn links(&self) -> impl Iterator<Item = (&'static str, Option<&str>)> {
        [
            ("support_url", self.support_url.as_deref()),
            ("privacy_url", self.privacy_url.as_deref()),
            ("terms_url", self.terms_url.as_deref()),
            ("favicon", self.favicon.as_deref()),
        ]
        .into_iter()
    }

    /// `self` with `over`'s values where it has them: an organization's brand over the one
    /// an administrator stored for the whole server. The key is `over`'s.
    pub fn under(&self, over: &BrandOverlay) -> BrandOverlay {
        let pick = |o: &Option<String>, base: &Option<String>| o.clone().or_else(|| base.clone());
        BrandOverlay {
            key: over.key.clone(),
            name: pick(&over.name, &self.name),
            logo_url: pick(&over.logo_url, &self.logo_url),
            primary_color: pick(&over.primary_color, &self.primary_color),
            sender_name: pick(&over.sender_name, &self.sender_name),
            tagline: pick(&over.tagline, &self.tagline),
            description: pick(&over.description, &self.description),
            company_name: pick(&over.company_name, &self.company_name),
            support_email: pick(&over.support_email, &self.support_email),
            support_url: pick(&over.support_url, &self.support_url),
            privacy_url: pick(&over.privacy_url, &self.privacy_url),
            terms_url: pick(&over.terms_url, &self.terms_url),
            secondary_color: pick(&over.secondary_color, &self.secondary_color),
            favicon: pick(&over.favicon, &self.favicon),
            domain: pick(&over.domain, &self.domain),
        }
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self
            == BrandOverlay {
                key: self.key.clone(),
                ..Default::default()
            }
    }

    /// Writes the overlay over a `brand` object of template globals. `base_url` makes a
    /// relative logo absolute, as an e-mail needs it.
    pub fn apply(
        &self,
        brand: &mut serde_json::Map<String, serde_json::Value>,
        base_url: Option<&str>,
    ) {
        if let Some(n) = &self.name {
            brand.insert("name".into(), n.clone().into());
        }
        if let Some(l) = &self.logo_url {
            let url = match base_url {
                Some(base) if l.starts_with('/') => format!("{}{l}", base.trim_end_matches('/')),
                _ => l.clone(),
            };
            brand.insert("logo_url".into(), url.into());
        }
        if let Some(c) = &self.primary_color {
            brand.insert("primary_color".into(), c.clone().into());
        }
        if let Some(e) = &self.support_email {
            brand.insert("support_email".into(), e.clone().into());
        }
        if let Some(c) = &self.secondary_color {
            brand.insert("secondary_color".into(), c.clone().into());
        }
        if let Some(d) = &self.domain {
            brand.insert("domain".into(), d.clone().into());
        }
        for (key, value) in self.texts() {
            if let Some(v) = value {
                brand.insert(key.into(), v.into());
            }
        }
        for (key, value) in self.links() {
            if let Some(l) = value {
                let url = match base_url {
                    Some(base) if l.starts_with('/') => {
                        format!("{}{l}", base.trim_end_matches('/'))
                    }
                    _ => l.to_owned(),
                };
                brand.insert(key.into(), url.into());
            }
        }
    }
}

/// The brand an administrator stored for the whole server, over the configured one and under
/// any other (an organization's): set by the admin console, read by every render.
#[derive(Debug, Default)]
pub struct StoredBrand(std::sync::RwLock<Option<Arc<BrandOverlay>>>);

impl StoredBrand {
    pub fn get(&self) -> Option<Arc<BrandOverlay>> {
        // A poisoned lock still holds a whole value: a write is one assignment.
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Sets it (`None` or an empty overlay: the configuration alone); whether that changed it.
    pub fn set(&self, brand: Option<BrandOverlay>) -> bool {
        let brand = brand
            .map(BrandOverlay::sanitized)
            .filter(|b| !b.is_empty())
            .map(Arc::new);
        let mut g = match self.0.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let changed = *g != brand;
        *g = brand;
        changed
    }

    /// The brand a message or page gets: `over` (an organization's) over the stored one.
    pub fn layered(&self, over: Option<&BrandOverlay>) -> Option<BrandOverlay> {
        match (self.get(), over) {
            (Some(base), Some(o)) => Some(base.under(o)),
            (Some(base), None) => Some((*base).clone()),
            (None, Some(o)) => Some(o.clone()),
            (None, None) => None,
        }
    }
}

tokio::task_local! {
    static CURRENT: Option<Arc<BrandOverlay>>;
}

/// Runs `fut` with `brand` as the brand of every email it sends.
pub async fn with_brand<F: std::future::Future>(
    brand: Option<Arc<BrandOverlay>>,
    fut: F,
) -> F::Output {
    CURRENT.scope(brand, fut).await
}

/// The brand of the work running now, if any (see [`with_brand`]).
pub fn current_brand() -> Option<Arc<BrandOverlay>> {
    CURRENT.try_with(Clone::clone).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_their_rules() {
        assert!(is_hex_color("#4f46e5") && is_hex_color("#fff") && is_hex_color("#11223344"));
        assert!(!is_hex_color("4f46e5") && !is_hex_color("#4f46e") && !is_hex_color("red"));
        assert!(!is_hex_color("#ff;x:y"));
        assert!(is_sender_name("Acme Support"));
        for bad in ["", "  ", "A\r\nBcc: x@y", "\"Acme\"", "Acme <x@y>", "a\\b"] {
            assert!(!is_sender_name(bad), "{bad:?}");
        }
        assert!(!is_sender_name(&"a".repeat(SENDER_NAME_MAX + 1)));
        assert!(is_sender_name(&"é".repeat(SENDER_NAME_MAX)));
        assert!(is_logo_url("https://cdn.acme.test/logo.svg"));
        assert!(is_logo_url("/assets/logo.png"));
        for bad in [
            "http://acme.test/logo.png",
            "//evil.test/x.png",
            "javascript:alert(1)",
            "data:image/svg+xml,<svg>",
            "https://",
            "https://user@evil.test/x",
            "/a b.png",
            "/a\".png",
            "logo.png",
        ] {
            assert!(!is_logo_url(bad), "{bad:?}");
        }
    }

    #[test]
    fn sanitized_drops_what_fails_and_apply_overrides() {
        let o = BrandOverlay {
            key: "org".into(),
            name: Some("Acme".into()),
            logo_url: Some("/logo.svg".into()),
            primary_color: Some("red;x".into()),
            sender_name: Some("Acme\r\nBcc: x".into()),
            ..Default::default()
        };
        assert!(!o.is_safe());
        let o = o.sanitized();
        assert!(o.is_safe());
        assert_eq!(o.primary_color, None);
        assert_eq!(o.sender_name, None);
        let mut brand = serde_json::Map::new();
        brand.insert("name".into(), "Portcullis".into());
        brand.insert("primary_color".into(), "#4f46e5".into());
        o.apply(&mut brand, Some("https://auth.acme.test/"));
        assert_eq!(brand["name"], "Acme");
        assert_eq!(brand["logo_url"], "https://auth.acme.test/logo.svg");
        assert_eq!(brand["primary_color"], "#4f46e5");
    }

    #[tokio::test]
    async fn the_brand_is_seen_inside_its_scope_only() {
        assert_eq!(current_brand(), None);
        let b = Arc::new(BrandOverlay {
            key: "k".into(),
            ..Default::default()
        });
        let seen = with_brand(Some(b.clone()), async { current_brand() }).await;
        assert_eq!(seen, Some(b));
        assert_eq!(current_brand(), None);
    }
}
