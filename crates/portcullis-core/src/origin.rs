//! Better Auth's origin and CSRF rules, and client IP resolution through trusted proxies.

use std::net::IpAddr;

use http::header::{self, HeaderName};
use url::Url;

use crate::config::Config;
use crate::endpoint::AuthRequest;
use crate::error::{ApiError, ErrorCode, codes};

static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
static SEC_FETCH_MODE: HeaderName = HeaderName::from_static("sec-fetch-mode");
static SEC_FETCH_DEST: HeaderName = HeaderName::from_static("sec-fetch-dest");

fn glob_match(pattern: &str, s: &str) -> bool {
    // `*` matches any run, `?` one character.
    fn rec(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => rec(&p[1..], s) || (!s.is_empty() && rec(p, &s[1..])),
            (Some(b'?'), Some(_)) => rec(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => rec(&p[1..], &s[1..]),
            _ => false,
        }
    }
    rec(pattern.as_bytes(), s.as_bytes())
}

/// Is `origin` (scheme://host[:port], trailing `/` tolerated) one of the trusted origins?
pub fn is_trusted_origin(config: &Config, origin: &str) -> bool {
    let Ok(url) = Url::parse(origin.trim()) else {
        return false;
    };
    let candidate = url.origin().ascii_serialization();
    config.trusted_origins.iter().any(|t| {
        if t.contains('*') || t.contains('?') {
            if t.contains("://") {
                glob_match(t, &candidate)
            } else {
                url.host_str().is_some_and(|h| glob_match(t, h))
            }
        } else {
            *t == candidate
        }
    })
}

/// The request's origin: `Origin`, else the origin of `Referer`.
fn request_origin(req: &AuthRequest) -> Option<String> {
    let origin = req
        .header(header::ORIGIN)
        .or_else(|| req.header(header::REFERER))?;
    if origin == "null" {
        // Better Auth 1.7.25: `Origin: null` from the same origin counts as the request's own.
        return None;
    }
    Some(origin.to_owned())
}

/// Rejects requests from untrusted origins: 403 MISSING_OR_NULL_ORIGIN or INVALID_ORIGIN.
pub fn check_origin(config: &Config, req: &AuthRequest) -> Result<(), ApiError> {
    match request_origin(req) {
        None if req.header(header::ORIGIN) == Some("null")
            && req.header(&SEC_FETCH_SITE) == Some("same-origin") =>
        {
            Ok(())
        }
        None => Err(ApiError::new(403, codes::MISSING_OR_NULL_ORIGIN)),
        Some(o) if is_trusted_origin(config, &o) => Ok(()),
        Some(_) => Err(ApiError::new(403, codes::INVALID_ORIGIN)),
    }
}

/// A relative path Better Auth accepts as a callback: `/path?query`, never `//host` or
/// encoded slashes.
fn is_safe_relative(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('/') else {
        return false;
    };
    let lower = rest.to_ascii_lowercase();
    if rest.starts_with('/')
        || rest.starts_with('\\')
        || lower.starts_with("%2f")
        || lower.starts_with("%5c")
    {
        return false;
    }
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path_ok = path
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || "-.+/@".contains(c));
    let query_ok = query.is_none_or(|q| {
        q.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || "-.+/=&%@".contains(c))
    });
    path_ok && query_ok
}

/// The longest callback or redirect URL accepted.
pub const URL_MAX_BYTES: usize = 2048;

/// Checks the URL fields a request may carry against the trusted origins.
pub fn check_callback_urls(config: &Config, req: &AuthRequest) -> Result<(), ApiError> {
    let fields: [(&str, &str, ErrorCode); 4] = [
        ("callbackURL", "callbackURL", codes::INVALID_CALLBACK_URL),
        ("redirectTo", "redirectURL", codes::INVALID_REDIRECT_URL),
        (
            "errorCallbackURL",
            "errorCallbackURL",
            codes::INVALID_ERROR_CALLBACK_URL,
        ),
        (
            "newUserCallbackURL",
            "newUserCallbackURL",
            codes::INVALID_NEW_USER_CALLBACK_URL,
        ),
    ];
    for (field, label, code) in fields {
        let value = match req.field(field) {
            Some(v) => Some(v.clone()),
            // Links carry their redirects in the query (magic-link/verify, verify-email).
            None => req
                .query_param(field)
                .map(|s| serde_json::Value::String(s.to_owned())),
        };
        let Some(value) = value else { continue };
        if value.is_null() {
            continue;
        }
        let Some(s) = value.as_str() else {
            return Err(ApiError::message_only(
                400,
                format!("Invalid {label}: expected a string"),
            ));
        };
        // A redirect target longer than this would make a Location header some clients refuse.
        if s.len() > URL_MAX_BYTES {
            return Err(ApiError::new(403, code));
        }
        if s.is_empty() || is_safe_relative(s) || is_trusted_origin(config, s) {
            continue;
        }
        return Err(ApiError::new(403, code));
    }
    Ok(())
}

/// Better Auth's form-CSRF rule for sign-in and sign-up.
pub fn check_form_csrf(config: &Config, req: &AuthRequest) -> Result<(), ApiError> {
    if req.had_cookie_header {
        return check_origin(config, req);
    }
    let fetch_meta = [&SEC_FETCH_SITE, &SEC_FETCH_MODE, &SEC_FETCH_DEST]
        .into_iter()
        .any(|h| req.header(h).is_some_and(|v| !v.is_empty()));
    if fetch_meta {
        if req.header(&SEC_FETCH_SITE) == Some("cross-site")
            && req.header(&SEC_FETCH_MODE) == Some("navigate")
        {
            return Err(ApiError::new(
                403,
                codes::CROSS_SITE_NAVIGATION_LOGIN_BLOCKED,
            ));
        }
        return check_origin(config, req);
    }
    if req.header(header::ORIGIN).is_some() || req.header(header::REFERER).is_some() {
        return check_origin(config, req);
    }
    Ok(())
}

/// Whether `peer` is one of `TRUSTED_PROXIES`: what such a peer says in forwarding headers
/// (`X-Forwarded-For`, `X-Organization-Domain`) is believed.
pub fn is_trusted_proxy(config: &Config, peer: IpAddr) -> bool {
    config.trusted_proxies.iter().any(|c| c.contains(&peer))
}

/// The client address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` hop that is not itself a trusted proxy.
pub fn client_ip(config: &Config, peer: Option<IpAddr>, xff: Option<&str>) -> Option<IpAddr> {
    let peer = peer?;
    let trusted = |ip: IpAddr| is_trusted_proxy(config, ip);
    if !trusted(peer) {
        return Some(peer);
    }
    let Some(xff) = xff else { return Some(peer) };
    let mut hops = xff
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .rev();
    for hop in hops.by_ref() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            return Some(peer);
        };
        if !trusted(ip) {
            return Some(ip);
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Sources};

    fn config(extra: &[(&str, &str)]) -> Config {
        let mut env: std::collections::HashMap<String, String> =
            [("BETTER_AUTH_URL", "http://127.0.0.1:4000")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::load(&Sources::new(env).expect("sources")).expect("config")
    }

    #[test]
    fn trusted_origins_and_patterns() {
        let c = config(&[(
            "ALLOWED_ORIGINS",
            "https://app.example.com, *.preview.example.com",
        )]);
        assert!(is_trusted_origin(&c, "http://127.0.0.1:4000"));
        assert!(is_trusted_origin(&c, "http://127.0.0.1:4000/"));
        assert!(!is_trusted_origin(&c, "http://127.0.0.1:4001"));
        assert!(is_trusted_origin(&c, "https://app.example.com"));
        assert!(is_trusted_origin(&c, "https://pr-1.preview.example.com"));
        assert!(!is_trusted_origin(&c, "https://evil.com"));
        assert!(!is_trusted_origin(&c, "garbage"));
    }

    #[test]
    fn callback_paths() {
        assert!(is_safe_relative("/dashboard"));
        assert!(is_safe_relative("/path?x=1&y=%20"));
        assert!(!is_safe_relative("//evil.com"));
        assert!(!is_safe_relative("/\\evil.com"));
        assert!(!is_safe_relative("/%2F%2Fevil.com"));
        assert!(!is_safe_relative("https://evil.com"));
        assert!(!is_safe_relative("/<script>"));
    }

    #[test]
    fn forwarded_for_only_through_trusted_proxies() {
        let c = config(&[("TRUSTED_PROXIES", "10.0.0.0/8")]);
        let peer: IpAddr = "10.0.0.5".parse().expect("ip");
        let outside: IpAddr = "203.0.113.9".parse().expect("ip");
        assert_eq!(
            client_ip(&c, Some(peer), Some("198.51.100.1, 203.0.113.9, 10.0.0.7")),
            Some(outside)
        );
        assert_eq!(client_ip(&c, Some(outside), Some("1.1.1.1")), Some(outside));
        assert_eq!(client_ip(&c, Some(peer), Some("garbage")), Some(peer));
    }
}
