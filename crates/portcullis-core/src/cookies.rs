//! Cookies exactly as Better Auth writes and reads them: names, attributes, their order, and
//! `encodeURIComponent`-encoded values.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What `encodeURIComponent` leaves alone: `A–Z a–z 0–9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

pub fn encode_uri_component(s: &str) -> String {
    utf8_percent_encode(s, URI_COMPONENT).to_string()
}

/// One `Set-Cookie` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    pub name: String,
    /// Raw value; encoded when serialised.
    pub value: String,
    /// `None` makes a browser-session cookie.
    pub max_age: Option<i64>,
    pub domain: Option<String>,
    pub secure: bool,
    pub http_only: bool,
}

impl SetCookie {
    /// Serialises in Better Auth's attribute order:
    /// `name=value; Max-Age=N; Domain=…; Path=/; HttpOnly; Secure; SameSite=Lax`.
    pub fn header_value(&self) -> String {
        let mut s = format!("{}={}", self.name, encode_uri_component(&self.value));
        if let Some(age) = self.max_age {
            s.push_str(&format!("; Max-Age={age}"));
        }
        if let Some(d) = &self.domain {
            s.push_str(&format!("; Domain={d}"));
        }
        s.push_str("; Path=/");
        if self.http_only {
            s.push_str("; HttpOnly");
        }
        if self.secure {
            s.push_str("; Secure");
        }
        s.push_str("; SameSite=Lax");
        s
    }

    pub fn is_deletion(&self) -> bool {
        self.max_age == Some(0)
    }
}

/// Cookie names and shared attributes, derived once from the configuration.
#[derive(Debug, Clone)]
pub struct CookieJarConfig {
    pub prefix: String,
    pub secure: bool,
    /// `__Host-` instead of `__Secure-` (only ever with `secure` and no domain).
    pub host_prefix: bool,
    pub domain: Option<String>,
    /// The names every request looks for, built once.
    session_token: String,
    session_data: String,
    dont_remember: String,
}

impl CookieJarConfig {
    pub fn new(prefix: String, secure: bool, domain: Option<String>) -> Self {
        let mut jar = CookieJarConfig {
            prefix,
            secure,
            host_prefix: false,
            domain,
            session_token: String::new(),
            session_data: String::new(),
            dont_remember: String::new(),
        };
        jar.session_token = jar.name("session_token");
        jar.session_data = jar.name("session_data");
        jar.dont_remember = jar.name("dont_remember");
        jar
    }

    /// `__Host-` names over https: the browser then refuses the cookie from any other host or
    /// path, or without `Secure` (ASVS 3.4.4). Needs no domain.
    pub fn with_host_prefix(mut self, on: bool) -> Self {
        self.host_prefix = on && self.secure && self.domain.is_none();
        self.session_token = self.name("session_token");
        self.session_data = self.name("session_data");
        self.dont_remember = self.name("dont_remember");
        self
    }

    /// `[__Secure-|__Host-]better-auth.<name>`
    pub fn name(&self, short: &str) -> String {
        if self.host_prefix {
            format!("__Host-{}.{short}", self.prefix)
        } else if self.secure {
            format!("__Secure-{}.{short}", self.prefix)
        } else {
            format!("{}.{short}", self.prefix)
        }
    }
    pub fn session_token(&self) -> &str {
        &self.session_token
    }
    pub fn session_data(&self) -> &str {
        &self.session_data
    }
    pub fn dont_remember(&self) -> &str {
        &self.dont_remember
    }

    pub fn make(&self, short: &str, value: String, max_age: Option<i64>) -> SetCookie {
        SetCookie {
            name: self.name(short),
            value,
            max_age,
            domain: self.domain.clone(),
            secure: self.secure,
            http_only: true,
        }
    }

    pub fn delete(&self, short: &str) -> SetCookie {
        self.make(short, String::new(), Some(0))
    }

    /// The three cookies Better Auth clears when a session ends or is not found.
    pub fn clear_session(&self) -> Vec<SetCookie> {
        vec![
            self.delete("session_token"),
            self.delete("session_data"),
            self.delete("dont_remember"),
        ]
    }
}

/// Parses a `Cookie` header: first occurrence of a name wins; values holding `%` are decoded.
pub fn parse_cookie_header(header: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in header.split(';') {
        let Some((name, value)) = part.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        let value = value.trim().trim_matches('"');
        let value = if value.contains('%') {
            percent_decode_str(value).decode_utf8_lossy().into_owned()
        } else {
            value.to_owned()
        };
        out.push((name.to_owned(), value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_matches_better_auth_order_and_encoding() {
        let jar = CookieJarConfig::new("better-auth".into(), false, None);
        let c = jar.make("session_token", "abc.x/y+z=".into(), Some(604800));
        assert_eq!(
            c.header_value(),
            "better-auth.session_token=abc.x%2Fy%2Bz%3D; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
        );
        let secure = CookieJarConfig::new(jar.prefix, true, Some("example.com".into()));
        assert_eq!(
            secure.delete("session_data").header_value(),
            "__Secure-better-auth.session_data=; Max-Age=0; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax"
        );
    }

    #[test]
    fn host_prefix_only_over_https_without_a_domain() {
        let jar = CookieJarConfig::new("better-auth".into(), true, None).with_host_prefix(true);
        assert_eq!(jar.session_token(), "__Host-better-auth.session_token");
        assert_eq!(
            jar.make("session_token", "v".into(), None).header_value(),
            "__Host-better-auth.session_token=v; Path=/; HttpOnly; Secure; SameSite=Lax"
        );
        let http = CookieJarConfig::new("better-auth".into(), false, None).with_host_prefix(true);
        assert_eq!(http.session_token(), "better-auth.session_token");
    }

    #[test]
    fn cookie_header_first_wins_and_decodes() {
        let c = parse_cookie_header("a=1; b=x%2Fy; a=2; junk; =v");
        assert_eq!(
            c,
            vec![("a".into(), "1".into()), ("b".into(), "x/y".into())]
        );
    }
}
