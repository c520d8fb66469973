//! Where the server listens and how it faces browsers and proxies: `PORT` and `HOST`, the base
//! URL and base path, trusted origins, `TRUSTED_PROXIES`, `MAX_BODY_BYTES`, and the cookies'
//! prefix, domain and `Secure` flag.

use url::Url;

use super::{ConfigError, Sources, bad};

pub(super) struct Server {
    pub(super) port: u16,
    pub(super) host: String,
    pub(super) base_url: Url,
    pub(super) base_path: String,
    pub(super) trusted_origins: Vec<String>,
    pub(super) secure_cookies: bool,
    pub(super) cookie_prefix: String,
    pub(super) cookie_domain: Option<String>,
    pub(super) cookie_host_prefix: bool,
    pub(super) trusted_proxies: Vec<ipnet::IpNet>,
    pub(super) max_body_bytes: usize,
}

pub(super) fn load(src: &Sources, production: bool) -> Result<Server, ConfigError> {
    let port: u16 = src.parse("PORT", 8787, "a port number (0-65535)")?;
    let host = src.string("HOST", "127.0.0.1");

    let (url_var, base_url_str) = src
        .first(&["BETTER_AUTH_URL", "PORTCULLIS_URL"])
        .map(|(v, s)| (v, s.to_owned()))
        .unwrap_or(("BETTER_AUTH_URL", format!("http://localhost:{port}")));
    let mut base_url = Url::parse(&base_url_str).map_err(|_| {
        bad(
            url_var,
            format!("must be an absolute http(s) URL, got `{base_url_str}`"),
        )
    })?;
    if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
        return Err(bad(url_var, "must be an absolute http(s) URL"));
    }
    if production && base_url.scheme() != "https" && !src.flag("ALLOW_INSECURE_BASE_URL", false)? {
        return Err(bad(
            url_var,
            "must use https in production (set ALLOW_INSECURE_BASE_URL=true to override)",
        ));
    }
    // Better Auth: a URL without a path gets the base path appended.
    let base_path = match base_url.path() {
        "" | "/" => "/api/auth".to_owned(),
        p => p.trim_end_matches('/').to_owned(),
    };
    base_url.set_path("");
    base_url.set_query(None);

    let mut trusted_origins = vec![origin_of(&base_url)];
    // In development, localhost and 127.0.0.1 on the same port are the same machine: trust
    // both, as the Better Auth reference does, so either address works in a browser.
    if !production {
        let twin = match base_url.host_str() {
            Some("localhost") => Some("127.0.0.1"),
            Some("127.0.0.1") => Some("localhost"),
            _ => None,
        };
        if let Some(twin) = twin {
            let mut u = base_url.clone();
            if u.set_host(Some(twin)).is_ok() {
                trusted_origins.push(origin_of(&u));
            }
        }
    }
    for var in [
        "ALLOWED_ORIGINS",
        "TRUSTED_ORIGINS",
        "BETTER_AUTH_TRUSTED_ORIGINS",
    ] {
        if let Some(list) = src.get(var) {
            for o in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                if o == "*" && production {
                    return Err(bad(
                        var,
                        "cannot be `*` in production: credentials need explicit origins",
                    ));
                }
                if !o.contains('*') && o != "*" {
                    let u = Url::parse(o)
                        .map_err(|_| bad(var, format!("has an invalid origin `{o}`")))?;
                    trusted_origins.push(origin_of(&u));
                } else {
                    trusted_origins.push(o.to_owned());
                }
            }
        }
    }
    trusted_origins.dedup();

    let secure_cookies = match src.get("USE_SECURE_COOKIES") {
        Some(_) => src.flag("USE_SECURE_COOKIES", false)?,
        None => base_url.scheme() == "https" || production,
    };

    let mut trusted_proxies = Vec::new();
    if let Some(list) = src.get("TRUSTED_PROXIES") {
        for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            trusted_proxies.push(parse_proxy(p).ok_or_else(|| {
                bad(
                    "TRUSTED_PROXIES",
                    format!("has an invalid address or CIDR `{p}`"),
                )
            })?);
        }
    }

    let max_body_bytes: usize = src.parse("MAX_BODY_BYTES", 1_048_576, "a number of bytes")?;

    Ok(Server {
        port,
        host,
        base_url,
        base_path,
        trusted_origins,
        secure_cookies,
        cookie_prefix: src.string("COOKIE_PREFIX", "better-auth"),
        cookie_domain: src.get("COOKIE_DOMAIN").map(str::to_owned),
        cookie_host_prefix: host_prefix(src)?,
        trusted_proxies,
        max_body_bytes,
    })
}

fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Just enough CIDR matching for trusted proxies.
/// One `TRUSTED_PROXIES` entry: a network in CIDR form, or a bare address meaning that one
/// host (/32 or /128). The network may have host bits set (`10.1.2.3/8` is `10.0.0.0/8`).
///
/// The address part must also be one the standard parser accepts: `ipnet`'s own parser takes
/// IPv4 octets with leading zeros (`010.0.0.0/8`), which some resolvers read as octal, and an
/// ambiguous proxy range is refused rather than guessed.
fn parse_proxy(s: &str) -> Option<ipnet::IpNet> {
    match s.split_once('/') {
        Some((addr, _)) => {
            addr.parse::<std::net::IpAddr>().ok()?;
            s.parse().ok()
        }
        None => s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from),
    }
}

/// `COOKIE_HOST_PREFIX`: `__Host-` names, which browsers accept only without a Domain.
fn host_prefix(src: &Sources) -> Result<bool, ConfigError> {
    let on = src.flag("COOKIE_HOST_PREFIX", false)?;
    if on && src.get("COOKIE_DOMAIN").is_some() {
        return Err(bad(
            "COOKIE_HOST_PREFIX",
            "cannot be used with COOKIE_DOMAIN: browsers refuse __Host- cookies with a Domain (set COOKIE_HOST_PREFIX=false to share cookies across subdomains)",
        ));
    }
    Ok(on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::load;

    #[test]
    fn trusted_proxy_networks() {
        let net = |s: &str| parse_proxy(s).expect(s);
        let ip = |s: &str| -> std::net::IpAddr { s.parse().expect(s) };
        let c = net("10.0.0.0/8");
        assert!(c.contains(&ip("10.1.2.3")));
        assert!(!c.contains(&ip("11.0.0.1")));
        assert!(
            net("10.9.9.9/8").contains(&ip("10.1.2.3")),
            "host bits are ignored"
        );
        assert!(net("0.0.0.0/0").contains(&ip("203.0.113.7")));
        // A bare address is that one host.
        assert_eq!(net("192.0.2.1").prefix_len(), 32);
        assert!(net("192.0.2.1").contains(&ip("192.0.2.1")));
        assert!(!net("192.0.2.1").contains(&ip("192.0.2.2")));
        assert_eq!(net("::1").prefix_len(), 128);
        assert!(net("::1").contains(&ip("::1")));
        assert!(net("fd00::/8").contains(&ip("fd12::1")));
        assert!(!net("fd00::/8").contains(&ip("fe80::1")));
        // IPv4-mapped IPv6 addresses are IPv6: an IPv4 network does not contain them, nor does
        // an IPv6 network contain a plain IPv4 address; ::ffff:0:0/96 matches the mapped form.
        assert!(!c.contains(&ip("::ffff:10.1.2.3")));
        assert!(!net("::/0").contains(&ip("10.1.2.3")));
        assert!(net("::ffff:10.0.0.0/104").contains(&ip("::ffff:10.1.2.3")));
        assert!(!net("::ffff:10.0.0.0/104").contains(&ip("10.1.2.3")));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0/8",
            "010.0.0.0/8",
            "010.0.0.1",
            "10.0.0.1/8/8",
            "fe80::1%eth0",
            "example.com",
            "",
        ] {
            assert!(parse_proxy(bad).is_none(), "`{bad}` accepted");
        }
    }

    #[test]
    fn trusted_proxies_setting() {
        let c = load(&[("TRUSTED_PROXIES", " 10.0.0.0/8, ::1 ,,192.0.2.1")]).expect("ok");
        let shown: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "::1/128", "192.0.2.1/32"]);
        let e = load(&[("TRUSTED_PROXIES", "10.0.0.0/8,10.0.0.0/33")]).unwrap_err();
        assert_eq!(e.var, "TRUSTED_PROXIES");
        assert_eq!(
            e.to_string(),
            "TRUSTED_PROXIES has an invalid address or CIDR `10.0.0.0/33`"
        );
    }
}
