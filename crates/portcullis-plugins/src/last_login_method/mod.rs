//! `last-login-method`: remembers how a browser last signed in, as Better Auth 1.7's
//! `lastLoginMethod` plugin does, so a sign-in page can put that way first.
//!
//! - The method comes from the request's path, exactly as Better Auth resolves it
//!   ([`resolve`]): `email` for `/sign-in/email` and `/sign-up/email`, `magic-link` for
//!   `/magic-link/verify`, `email-otp` for `/sign-in/email-otp`, the provider id for
//!   `/callback/:id`, `google` for `/one-tap/callback`, `siwe` and `passkey`. Other ways in
//!   (username, phone number, a guest, an e-mail verification link or code) record nothing,
//!   as in Better Auth: the cookie keeps naming the way used before.
//! - After such a request, when the answer sets or clears the session cookie (Better Auth's
//!   test, which a first factor that a second one holds back also passes), the after-hook adds
//!   the cookie `better-auth.last_used_login_method=<method>`: a fixed name that the cookie
//!   prefix does not change, the session cookie's attributes (domain, `Secure`), `Max-Age`
//!   30 days, and not `HttpOnly`, so the page's script can read it.
//! - With `store_in_database`, the user gets a `lastLoginMethod` column (returned, not input):
//!   set on a user created by such a request (`prepare_user`), and written on every session
//!   one issues (`session_issued`). As in Better Auth, the sign-in's own answer shows the user
//!   as it was before; get-session shows the new value.
//! - The hosted pages get the cookie's name as the template global `last_login_method_cookie`.
//!
//! Settings (variables, or keys of `[plugins.last_login_method]`): `ENABLE_LAST_LOGIN_METHOD`
//! (`enabled`, default on), `LAST_LOGIN_METHOD_STORE_IN_DATABASE` (`store_in_database`, off),
//! `LAST_LOGIN_METHOD_COOKIE_NAME` (`cookie_name`), `LAST_LOGIN_METHOD_MAX_AGE` (`max_age`,
//! seconds) and `LAST_LOGIN_METHOD_SET_COOKIE` (`set_cookie`, default on; off keeps the method
//! in the database only, Better Auth's `beforeStoreCookie: () => false`).

use std::collections::HashMap;

use async_trait::async_trait;
use portcullis_core::cookies::SetCookie;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::request_state::IssuedSession;
use portcullis_core::{AuthContext, AuthRequest, AuthResponse, Config, ConfigError, Plugin};
use portcullis_storage::{Field, FieldType, Row, Table};
use serde_json::json;

/// Better Auth's default cookie name (`cookieName`).
pub const DEFAULT_COOKIE_NAME: &str = "better-auth.last_used_login_method";
/// Better Auth's default `maxAge`: 30 days.
pub const DEFAULT_MAX_AGE: i64 = 30 * 86_400;
/// The longest `Max-Age` Better Auth (and browsers) accept: 400 days.
const MAX_MAX_AGE: i64 = 400 * 86_400;
/// The user column `storeInDatabase` adds.
pub const FIELD: &str = "lastLoginMethod";
/// The hosted pages' template global that names the cookie.
pub const PAGE_GLOBAL: &str = "last_login_method_cookie";

/// The paths [`resolve`] can name a method for: the after-hook runs only there.
const RESOLVING_PATHS: &[&str] = &[
    "/callback/",
    "/one-tap/callback",
    "/sign-in/email",
    "/sign-up/email",
    "/siwe",
    "/passkey/verify-authentication",
    "/magic-link/verify",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastLoginMethodSettings {
    pub cookie_name: String,
    /// Seconds the cookie lives.
    pub max_age: i64,
    /// Keep the method on the user too (`lastLoginMethod`).
    pub store_in_database: bool,
    /// Set the cookie (off: the database only).
    pub set_cookie: bool,
}

impl Default for LastLoginMethodSettings {
    fn default() -> Self {
        LastLoginMethodSettings {
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            max_age: DEFAULT_MAX_AGE,
            store_in_database: false,
            set_cookie: true,
        }
    }
}

/// A cookie name as RFC 6265 allows it: a token, no separators or spaces.
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

/// Whether `name` is one of the cookies a session uses, under any of its prefixes.
fn is_session_cookie(prefix: &str, name: &str) -> bool {
    let bare = name
        .strip_prefix("__Secure-")
        .or_else(|| name.strip_prefix("__Host-"))
        .unwrap_or(name);
    ["session_token", "session_data", "dont_remember"]
        .iter()
        .any(|short| bare == format!("{prefix}.{short}"))
}

impl LastLoginMethodSettings {
    /// `None` when `ENABLE_LAST_LOGIN_METHOD` is off. Each variable may also be a key of
    /// `[plugins.last_login_method]`; the variable wins.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("last_login_method");
        if !src.flag("enabled", Some("ENABLE_LAST_LOGIN_METHOD"), true)? {
            return Ok(None);
        }
        let cookie_name = match src.get("cookie_name", Some("LAST_LOGIN_METHOD_COOKIE_NAME"))? {
            None => DEFAULT_COOKIE_NAME.to_owned(),
            Some((var, name)) if !is_cookie_name(&name) => {
                return Err(ConfigError::new(
                    &var,
                    "must be a cookie name: letters, digits and !#$%&'*+-.^_`|~ only",
                ));
            }
            // It would overwrite the session's own cookies.
            Some((var, name)) if is_session_cookie(&config.cookie_prefix, &name) => {
                return Err(ConfigError::new(
                    &var,
                    format!("must not be one of the session's cookies ({name})"),
                ));
            }
            Some((_, name)) => name,
        };
        let max_age_var = src
            .get("max_age", Some("LAST_LOGIN_METHOD_MAX_AGE"))?
            .map(|(var, _)| var)
            .unwrap_or_else(|| src.var("max_age"));
        let max_age: i64 = src.parse(
            "max_age",
            Some("LAST_LOGIN_METHOD_MAX_AGE"),
            DEFAULT_MAX_AGE,
            "a number of seconds",
        )?;
        if !(1..=MAX_MAX_AGE).contains(&max_age) {
            return Err(ConfigError::new(
                &max_age_var,
                "must be between 1 and 34560000 seconds (400 days)",
            ));
        }
        Ok(Some(LastLoginMethodSettings {
            cookie_name,
            max_age,
            store_in_database: src.flag(
                "store_in_database",
                Some("LAST_LOGIN_METHOD_STORE_IN_DATABASE"),
                false,
            )?,
            set_cookie: src.flag("set_cookie", Some("LAST_LOGIN_METHOD_SET_COOKIE"), true)?,
        }))
    }
}

/// The sign-in method Better Auth 1.7.25's `defaultResolveMethod` names for a request to `path`
/// (relative to the base path) with these route parameters, or `None`.
pub fn resolve<'a>(path: &'a str, params: &'a HashMap<String, String>) -> Option<&'a str> {
    if path.starts_with("/callback/") {
        // `ctx.params.id || path.split("/").pop()`; an empty one names nothing.
        return params
            .get("id")
            .map(String::as_str)
            .filter(|id| !id.is_empty())
            .or_else(|| path.rsplit('/').next())
            .filter(|id| !id.is_empty());
    }
    match path {
        "/one-tap/callback" => return Some("google"),
        "/sign-in/email" | "/sign-up/email" => return Some("email"),
        _ => {}
    }
    if path.contains("siwe") {
        return Some("siwe");
    }
    if path.contains("/passkey/verify-authentication") {
        return Some("passkey");
    }
    if path.starts_with("/magic-link/verify") {
        return Some("magic-link");
    }
    (path == "/sign-in/email-otp").then_some("email-otp")
}

pub struct LastLoginMethod {
    settings: LastLoginMethodSettings,
}

impl LastLoginMethod {
    pub fn new(settings: LastLoginMethodSettings) -> Self {
        LastLoginMethod { settings }
    }

    /// The cookie for `method`: the session cookie's domain and `Secure`, this plugin's
    /// `Max-Age`, readable by scripts. A `__Secure-` or `__Host-` name gets what the browser
    /// requires of it, as better-call does.
    fn cookie(&self, ctx: &AuthContext, method: &str) -> SetCookie {
        let name = &self.settings.cookie_name;
        let lower = name.to_ascii_lowercase();
        let host = lower.starts_with("__host-");
        SetCookie {
            name: name.clone(),
            value: method.to_owned(),
            max_age: Some(self.settings.max_age),
            domain: ctx.cookies.domain.clone().filter(|_| !host),
            secure: ctx.cookies.secure || host || lower.starts_with("__secure-"),
            http_only: false,
        }
    }
}

#[async_trait]
impl Plugin for LastLoginMethod {
    fn id(&self) -> &'static str {
        "last-login-method"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn schema(&self) -> Vec<Table> {
        if !self.settings.store_in_database {
            return Vec::new();
        }
        vec![Table::new(
            "user",
            vec![Field::new(FIELD, FieldType::String).no_input()],
        )]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            after: if self.settings.set_cookie {
                HookScope::Prefixes(RESOLVING_PATHS)
            } else {
                HookScope::Never
            },
            issue: self.settings.store_in_database,
            ..Hooks::default()
        }
    }

    /// Better Auth's `user.create.before`: a user created by a sign-in that names its method
    /// starts with it.
    fn prepare_user(&self, _ctx: &AuthContext, req: &AuthRequest, user: &mut Row) {
        if !self.settings.store_in_database {
            return;
        }
        if let Some(method) = resolve(&req.path, &req.params) {
            user.insert(FIELD.into(), method.into());
        }
    }

    /// Better Auth's `session.create.after`: the user's column follows every session such a
    /// sign-in issues. A failure is logged; the sign-in stands.
    async fn session_issued(&self, ctx: &AuthContext, req: &AuthRequest, issued: &IssuedSession) {
        if !self.settings.store_in_database {
            return;
        }
        let Some(method) = resolve(&req.path, &req.params) else {
            return;
        };
        let mut set = Row::new();
        set.insert(FIELD.into(), method.into());
        if let Err(e) = ctx
            .writes()
            .update_user(issued.session.user_id(), set)
            .await
        {
            tracing::error!(error = %e, "could not store the last login method");
        }
    }

    /// Better Auth's after-hook: the cookie goes with any answer of a resolving path that sets
    /// (or clears) the session cookie.
    async fn after(&self, ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        let Some(method) = resolve(&req.path, &req.params) else {
            return;
        };
        let session_cookie = ctx.cookies.session_token();
        if !res.cookies.iter().any(|c| c.name == session_cookie) {
            return;
        }
        let cookie = self.cookie(ctx, method);
        res.cookies.push(cookie);
    }

    fn page_globals(&self) -> serde_json::Value {
        if !self.settings.set_cookie {
            return serde_json::Value::Null;
        }
        json!({ PAGE_GLOBAL: self.settings.cookie_name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_from(
        pairs: &[(&str, &str)],
    ) -> Result<Option<LastLoginMethodSettings>, ConfigError> {
        LastLoginMethodSettings::load(&crate::tests::config_of(pairs)?)
    }

    #[test]
    fn on_by_default_with_better_auths_cookie() {
        let on = settings_from(&[]).expect("load").expect("on");
        assert_eq!(on, LastLoginMethodSettings::default());
        assert_eq!(on.cookie_name, "better-auth.last_used_login_method");
        assert_eq!(on.max_age, 2_592_000);
        assert!(!on.store_in_database && on.set_cookie);
        assert_eq!(
            settings_from(&[("ENABLE_LAST_LOGIN_METHOD", "false")]).expect("load"),
            None
        );
        let custom = settings_from(&[
            ("LAST_LOGIN_METHOD_COOKIE_NAME", "my-app.last_method"),
            ("LAST_LOGIN_METHOD_MAX_AGE", "86400"),
            ("LAST_LOGIN_METHOD_STORE_IN_DATABASE", "true"),
            ("LAST_LOGIN_METHOD_SET_COOKIE", "false"),
        ])
        .expect("load")
        .expect("on");
        assert_eq!(
            custom,
            LastLoginMethodSettings {
                cookie_name: "my-app.last_method".into(),
                max_age: 86_400,
                store_in_database: true,
                set_cookie: false,
            }
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("LAST_LOGIN_METHOD_COOKIE_NAME", "two words"),
            ("LAST_LOGIN_METHOD_COOKIE_NAME", "a;b"),
            ("LAST_LOGIN_METHOD_MAX_AGE", "0"),
            ("LAST_LOGIN_METHOD_MAX_AGE", "34560001"),
            ("LAST_LOGIN_METHOD_MAX_AGE", "a month"),
            ("LAST_LOGIN_METHOD_STORE_IN_DATABASE", "maybe"),
            ("ENABLE_LAST_LOGIN_METHOD", "sometimes"),
            ("LAST_LOGIN_METHOD_COOKIE_NAME", "better-auth.session_token"),
            (
                "LAST_LOGIN_METHOD_COOKIE_NAME",
                "__Secure-better-auth.session_data",
            ),
        ] {
            let err = settings_from(&[(var, value)]).expect_err(value);
            assert_eq!(err.var, var, "{value}: {err}");
        }
    }

    #[test]
    fn methods_resolve_from_the_path_as_better_auth_does() {
        let none = HashMap::new();
        let cases = [
            ("/sign-in/email", Some("email")),
            ("/sign-up/email", Some("email")),
            ("/magic-link/verify", Some("magic-link")),
            ("/sign-in/email-otp", Some("email-otp")),
            ("/one-tap/callback", Some("google")),
            ("/siwe/verify", Some("siwe")),
            ("/passkey/verify-authentication", Some("passkey")),
            ("/callback/github", Some("github")),
            ("/callback/", None),
            // Ways in that Better Auth does not record.
            ("/sign-in/username", None),
            ("/sign-in/phone-number", None),
            ("/phone-number/verify", None),
            ("/sign-in/anonymous", None),
            ("/email-otp/verify-email", None),
            ("/verify-email", None),
            ("/sign-in/social", None),
            ("/sign-in/magic-link", None),
            ("/get-session", None),
            ("", None),
        ];
        for (path, want) in cases {
            assert_eq!(resolve(path, &none), want, "{path}");
            // Every path that names a method is one the after-hook runs on.
            assert_eq!(
                HookScope::Prefixes(RESOLVING_PATHS).covers(path),
                want.is_some() || path == "/callback/",
                "{path}"
            );
        }
        let params = HashMap::from([("id".to_owned(), "local-oidc".to_owned())]);
        assert_eq!(resolve("/callback/local-oidc", &params), Some("local-oidc"));
    }

    #[test]
    fn cookie_names_are_tokens() {
        assert!(is_cookie_name(DEFAULT_COOKIE_NAME));
        assert!(is_cookie_name("__Secure-x"));
        for bad in ["", "a b", "a=b", "a;b", "é", "a\"b"] {
            assert!(!is_cookie_name(bad), "{bad}");
        }
    }
}
