//! Which providers are configured, and the account-linking rules.
//!
//! Built-in providers are on when their client id and secret are set (`GITHUB_CLIENT_ID` and
//! `GITHUB_CLIENT_SECRET`, or `[plugins.oauth.github]` keys `client_id`, `client_secret`); each
//! endpoint URL may be overridden (`GOOGLE_AUTHORIZATION_URL`, `…_TOKEN_URL`, `…_USERINFO_URL`,
//! `…_JWKS_URL`, `…_ISSUER`) for self-hosted instances and tests. Generic providers are
//! `[[generic_oauth]]` tables.

use portcullis_core::config::TableSource;
use portcullis_core::{Config, ConfigError};
use url::Url;

/// How a provider's profile is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// OpenID Connect: an ID token (verified against the issuer's JWKS), then userinfo.
    Oidc,
    /// GitHub: `/user`, and `/user/emails` for the primary verified address.
    GitHub,
    /// Plain OAuth 2.0: the userinfo endpoint's JSON, read through the claim mapping.
    OAuth2,
}

/// Which profile claim fills which user field.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimMap {
    pub id: String,
    pub email: String,
    pub email_verified: String,
    pub name: String,
    pub image: String,
    /// Additional user fields: (field, claim).
    pub extra: Vec<(String, String)>,
}

impl Default for ClaimMap {
    fn default() -> Self {
        ClaimMap {
            id: "sub".into(),
            email: "email".into(),
            email_verified: "email_verified".into(),
            name: "name".into(),
            image: "picture".into(),
            extra: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSettings {
    pub id: String,
    /// Shown on the hosted pages: "Continue with {label}".
    pub label: String,
    pub kind: Kind,
    pub client_id: String,
    pub client_secret: String,
    /// Discovery document (`…/.well-known/openid-configuration`); endpoints given explicitly
    /// win over what it lists.
    pub discovery_url: Option<Url>,
    pub issuer: Option<String>,
    pub authorization_url: Option<Url>,
    pub token_url: Option<Url>,
    pub userinfo_url: Option<Url>,
    pub jwks_url: Option<Url>,
    /// GitHub's `/user/emails`.
    pub emails_url: Option<Url>,
    pub scopes: Vec<String>,
    pub pkce: bool,
    /// Extra authorization parameters (Google's `include_granted_scopes=true`).
    pub authorization_params: Vec<(String, String)>,
    pub claims: ClaimMap,
    /// Refuse sign-up through this provider (sign-in and linking still work).
    pub disable_sign_up: bool,
    /// Sign-up only when the client asks for it (`requestSignUp`).
    pub disable_implicit_sign_up: bool,
    /// Replace the user's name and image from the profile at each sign-in.
    pub override_user_info: bool,
}

/// Better Auth's `account.accountLinking` options, with its defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkingSettings {
    pub enabled: bool,
    pub trusted_providers: Vec<String>,
    pub allow_different_emails: bool,
    pub update_user_info_on_link: bool,
    pub allow_unlinking_all: bool,
    /// Implicit linking needs the local user's e-mail verified too (Better Auth 1.7's default).
    pub require_local_email_verified: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OAuthSettings {
    pub providers: Vec<ProviderSettings>,
    pub linking: LinkingSettings,
}

fn url(src: &TableSource<'_>, key: &str, env: Option<&str>) -> Result<Option<Url>, ConfigError> {
    match src.get(key, env)? {
        None => Ok(None),
        Some((var, s)) => match Url::parse(&s) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(Some(u)),
            _ => Err(ConfigError::new(
                &var,
                format!("must be an http(s) URL, got `{s}`"),
            )),
        },
    }
}

fn fixed(s: &str) -> Option<Url> {
    Url::parse(s).ok()
}

/// The built-in providers' defaults: (id, label, kind, authorization, token, userinfo, jwks,
/// issuer, scopes).
struct BuiltIn {
    id: &'static str,
    label: &'static str,
    env: &'static str,
    kind: Kind,
    authorization: &'static str,
    token: &'static str,
    userinfo: &'static str,
    jwks: &'static str,
    issuer: &'static str,
    scopes: &'static [&'static str],
    params: &'static [(&'static str, &'static str)],
}

const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        id: "github",
        label: "GitHub",
        env: "GITHUB",
        kind: Kind::GitHub,
        authorization: "https://github.com/login/oauth/authorize",
        token: "https://github.com/login/oauth/access_token",
        userinfo: "https://api.github.com/user",
        jwks: "",
        issuer: "",
        scopes: &["read:user", "user:email"],
        params: &[],
    },
    BuiltIn {
        id: "google",
        label: "Google",
        env: "GOOGLE",
        kind: Kind::Oidc,
        authorization: "https://accounts.google.com/o/oauth2/v2/auth",
        token: "https://oauth2.googleapis.com/token",
        userinfo: "https://openidconnect.googleapis.com/v1/userinfo",
        jwks: "https://www.googleapis.com/oauth2/v3/certs",
        issuer: "https://accounts.google.com",
        scopes: &["email", "profile", "openid"],
        params: &[("include_granted_scopes", "true")],
    },
    BuiltIn {
        id: "microsoft",
        label: "Microsoft",
        env: "MICROSOFT",
        kind: Kind::Oidc,
        // `{tenant}` is replaced by MICROSOFT_TENANT_ID (default `common`).
        authorization: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        token: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        userinfo: "https://graph.microsoft.com/oidc/userinfo",
        jwks: "https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys",
        issuer: "https://login.microsoftonline.com/{tenant}/v2.0",
        scopes: &["openid", "profile", "email", "User.Read", "offline_access"],
        params: &[],
    },
];

impl OAuthSettings {
    /// `None` when no provider is configured, or `ENABLE_OAUTH` is off.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("oauth");
        if !src.flag("enabled", Some("ENABLE_OAUTH"), true)? {
            return Ok(None);
        }
        let mut providers = Vec::new();
        for b in BUILT_IN {
            if let Some(p) = load_built_in(config, b)? {
                providers.push(p);
            }
        }
        for (i, g) in config
            .sources
            .table_sources("generic_oauth")
            .iter()
            .enumerate()
        {
            let p = load_generic(g)?;
            if providers.iter().any(|q: &ProviderSettings| q.id == p.id) {
                return Err(ConfigError::new(
                    &format!("generic_oauth[{i}].provider_id"),
                    format!("`{}` is configured twice", p.id),
                ));
            }
            providers.push(p);
        }
        if providers.is_empty() {
            return Ok(None);
        }
        let linking = LinkingSettings {
            enabled: src.flag("account_linking", Some("ACCOUNT_LINKING_ENABLED"), true)?,
            trusted_providers: src.list(
                "trusted_providers",
                Some("ACCOUNT_LINKING_TRUSTED_PROVIDERS"),
            )?,
            allow_different_emails: src.flag(
                "allow_different_emails",
                Some("ACCOUNT_LINKING_ALLOW_DIFFERENT_EMAILS"),
                false,
            )?,
            update_user_info_on_link: src.flag(
                "update_user_info_on_link",
                Some("ACCOUNT_LINKING_UPDATE_USER_INFO_ON_LINK"),
                false,
            )?,
            allow_unlinking_all: src.flag(
                "allow_unlinking_all",
                Some("ACCOUNT_LINKING_ALLOW_UNLINKING_ALL"),
                false,
            )?,
            require_local_email_verified: src.flag(
                "require_local_email_verified",
                Some("ACCOUNT_LINKING_REQUIRE_LOCAL_EMAIL_VERIFIED"),
                true,
            )?,
        };
        Ok(Some(OAuthSettings { providers, linking }))
    }
}

fn load_built_in(config: &Config, b: &BuiltIn) -> Result<Option<ProviderSettings>, ConfigError> {
    let src = config.sources.plugin("oauth").child(b.id);
    let env = |suffix: &str| format!("{}_{suffix}", b.env);
    let id_var = env("CLIENT_ID");
    let secret_var = env("CLIENT_SECRET");
    let client_id = src.get("client_id", Some(&id_var))?;
    let client_secret = src.get("client_secret", Some(&secret_var))?;
    let (client_id, client_secret) = match (client_id, client_secret) {
        (None, None) => return Ok(None),
        (Some((_, id)), Some((_, secret))) => (id, secret),
        (Some(_), None) => {
            return Err(ConfigError::new(
                &secret_var,
                "is required when the client id is set",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                &id_var,
                "is required when the client secret is set",
            ));
        }
    };
    let tenant = src.string("tenant_id", Some(&env("TENANT_ID")), "common")?;
    let t = |s: &str| s.replace("{tenant}", &tenant);
    let pick = |key: &str, suffix: &str, default: &str| -> Result<Option<Url>, ConfigError> {
        Ok(url(&src, key, Some(&env(suffix)))?.or_else(|| fixed(&t(default))))
    };
    let issuer = src.get("issuer", Some(&env("ISSUER")))?.map(|(_, v)| v);
    let issuer = issuer.or_else(|| (!b.issuer.is_empty()).then(|| t(b.issuer)));
    let mut scopes: Vec<String> = b.scopes.iter().map(|s| (*s).to_owned()).collect();
    for s in src.list("scopes", Some(&env("SCOPES")))? {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    Ok(Some(ProviderSettings {
        id: b.id.to_owned(),
        label: b.label.to_owned(),
        kind: b.kind,
        client_id,
        client_secret,
        discovery_url: None,
        issuer,
        authorization_url: pick("authorization_url", "AUTHORIZATION_URL", b.authorization)?,
        token_url: pick("token_url", "TOKEN_URL", b.token)?,
        userinfo_url: pick("userinfo_url", "USERINFO_URL", b.userinfo)?,
        jwks_url: pick("jwks_url", "JWKS_URL", b.jwks)?,
        emails_url: match b.kind {
            Kind::GitHub => pick(
                "emails_url",
                "EMAILS_URL",
                "https://api.github.com/user/emails",
            )?,
            _ => None,
        },
        scopes,
        pkce: true,
        authorization_params: b
            .params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        claims: ClaimMap::default(),
        disable_sign_up: src.flag("disable_sign_up", Some(&env("DISABLE_SIGN_UP")), false)?,
        disable_implicit_sign_up: src.flag(
            "disable_implicit_sign_up",
            Some(&env("DISABLE_IMPLICIT_SIGN_UP")),
            false,
        )?,
        override_user_info: src.flag(
            "override_user_info_on_sign_in",
            Some(&env("OVERRIDE_USER_INFO")),
            false,
        )?,
    }))
}

fn load_generic(src: &TableSource<'_>) -> Result<ProviderSettings, ConfigError> {
    let id = src.required("provider_id", None)?;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ConfigError::new(
            &src.var("provider_id"),
            "must be letters, digits, `-` or `_`",
        ));
    }
    let discovery_url = url(src, "discovery_url", None)?;
    let authorization_url = url(src, "authorization_url", None)?;
    let token_url = url(src, "token_url", None)?;
    if discovery_url.is_none() && (authorization_url.is_none() || token_url.is_none()) {
        return Err(ConfigError::new(
            &src.var("discovery_url"),
            "is required unless authorization_url and token_url are both set",
        ));
    }
    let userinfo_url = url(src, "userinfo_url", None)?;
    let jwks_url = url(src, "jwks_url", None)?;
    let mut scopes = src.list("scopes", None)?;
    if scopes.is_empty() {
        scopes = vec!["openid".into(), "profile".into(), "email".into()];
    }
    let oidc =
        discovery_url.is_some() || jwks_url.is_some() || scopes.iter().any(|s| s == "openid");
    let mut claims = ClaimMap::default();
    if let Some(t) = src
        .table()
        .and_then(|t| t.get("claims"))
        .and_then(toml::Value::as_table)
    {
        for (field, claim) in t {
            let Some(claim) = claim.as_str() else {
                return Err(ConfigError::new(
                    &src.var(&format!("claims.{field}")),
                    "must be a claim name",
                ));
            };
            let claim = claim.to_owned();
            match field.as_str() {
                "id" => claims.id = claim,
                "email" => claims.email = claim,
                "email_verified" | "emailVerified" => claims.email_verified = claim,
                "name" => claims.name = claim,
                "image" => claims.image = claim,
                other => claims.extra.push((other.to_owned(), claim)),
            }
        }
    }
    let label = src.string("name", None, &id)?;
    Ok(ProviderSettings {
        label,
        kind: if oidc { Kind::Oidc } else { Kind::OAuth2 },
        client_id: src.required("client_id", None)?,
        client_secret: src.string("client_secret", None, "")?,
        discovery_url,
        issuer: src.get("issuer", None)?.map(|(_, v)| v),
        authorization_url,
        token_url,
        userinfo_url,
        jwks_url,
        emails_url: None,
        scopes,
        pkce: src.flag("pkce", None, true)?,
        authorization_params: Vec::new(),
        claims,
        disable_sign_up: src.flag("disable_sign_up", None, false)?,
        disable_implicit_sign_up: src.flag("disable_implicit_sign_up", None, false)?,
        override_user_info: src.flag("override_user_info", None, false)?,
        id,
    })
}
