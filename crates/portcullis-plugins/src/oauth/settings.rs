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
    /// Discord: `/users/@me`, its avatar hash made into a CDN URL.
    Discord,
    /// Facebook: the Graph API's `/me` (its e-mail is never said to be verified); ID tokens
    /// of its Limited Login are verified against its JWKS.
    Facebook,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAuth {
    /// `client_secret_basic`: the Authorization header.
    Basic,
    /// `client_secret_post`: `client_id` and `client_secret` in the form. Better Auth's
    /// default, and the only one Facebook, Twitch, LinkedIn and Apple accept.
    Post,
}

/// Apple's client secret: not a fixed string but a JWT that Portcullis signs with ES256 from
/// the `.p8` key Apple issues, and renews before it expires.
#[derive(Clone, PartialEq)]
pub struct SigningKey {
    pub team_id: String,
    pub key_id: String,
    /// The PKCS#8 PEM, checked at start-up.
    pub pem: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself.
        f.debug_struct("SigningKey")
            .field("team_id", &self.team_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
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
    pub token_auth: TokenAuth,
    /// The provider answers the callback with a form post (`response_mode=form_post`: Apple).
    pub form_post: bool,
    /// Apple: the client secret is a JWT signed with this key.
    pub signing_key: Option<SigningKey>,
    /// Audiences an ID token may name besides the client id (Apple's app bundle identifier,
    /// for tokens from a native app).
    pub extra_audiences: Vec<String>,
    /// Apple's native apps send the nonce's SHA-256 (hex) to Apple: either form is accepted.
    pub hashed_nonce: bool,
    /// RP-initiated logout (generic providers, as Better Auth's): `/sign-out` answers the
    /// provider's end-session URL, from discovery or `end_session_url`.
    pub provider_logout: bool,
    pub end_session_url: Option<Url>,
    /// Where the provider sends the browser after its logout, unless sign-out names one.
    pub post_logout_redirect_uri: Option<String>,
    /// A `[[generic_oauth]]` provider (its profile answers carry Better Auth's generic fields).
    pub generic: bool,
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
    /// The claim that holds the user's name (Twitch: `preferred_username`).
    name_claim: &'static str,
    pkce: bool,
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
        name_claim: "name",
        pkce: true,
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
        name_claim: "name",
        pkce: true,
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
        name_claim: "name",
        pkce: true,
    },
    BuiltIn {
        id: "gitlab",
        label: "GitLab",
        env: "GITLAB",
        kind: Kind::Oidc,
        // `{base}` is GITLAB_BASE_URL (default https://gitlab.com): a self-hosted instance.
        authorization: "{base}/oauth/authorize",
        token: "{base}/oauth/token",
        userinfo: "{base}/oauth/userinfo",
        jwks: "{base}/oauth/discovery/keys",
        issuer: "{base}",
        scopes: &["openid", "profile", "email"],
        params: &[],
        name_claim: "name",
        pkce: true,
    },
    BuiltIn {
        id: "linkedin",
        label: "LinkedIn",
        env: "LINKEDIN",
        kind: Kind::Oidc,
        authorization: "https://www.linkedin.com/oauth/v2/authorization",
        token: "https://www.linkedin.com/oauth/v2/accessToken",
        userinfo: "https://api.linkedin.com/v2/userinfo",
        jwks: "https://www.linkedin.com/oauth/openid/jwks",
        issuer: "https://www.linkedin.com/oauth",
        scopes: &["openid", "profile", "email"],
        params: &[],
        name_claim: "name",
        pkce: true,
    },
    BuiltIn {
        id: "slack",
        label: "Slack",
        env: "SLACK",
        kind: Kind::Oidc,
        authorization: "https://slack.com/openid/connect/authorize",
        token: "https://slack.com/api/openid.connect.token",
        userinfo: "https://slack.com/api/openid.connect.userInfo",
        jwks: "https://slack.com/openid/connect/keys",
        issuer: "https://slack.com",
        scopes: &["openid", "profile", "email"],
        params: &[],
        name_claim: "name",
        pkce: true,
    },
    BuiltIn {
        id: "discord",
        label: "Discord",
        env: "DISCORD",
        kind: Kind::Discord,
        authorization: "https://discord.com/api/oauth2/authorize",
        token: "https://discord.com/api/oauth2/token",
        userinfo: "https://discord.com/api/users/@me",
        jwks: "",
        issuer: "",
        scopes: &["identify", "email"],
        // Better Auth's default: no consent screen again for an app already authorized.
        params: &[("prompt", "none")],
        name_claim: "global_name",
        pkce: true,
    },
    BuiltIn {
        id: "facebook",
        label: "Facebook",
        env: "FACEBOOK",
        kind: Kind::Facebook,
        authorization: "https://www.facebook.com/v24.0/dialog/oauth",
        token: "https://graph.facebook.com/v24.0/oauth/access_token",
        userinfo: "https://graph.facebook.com/me?fields=id,name,email,picture",
        // Limited Login's ID tokens.
        jwks: "https://limited.facebook.com/.well-known/oauth/openid/jwks/",
        issuer: "https://www.facebook.com",
        scopes: &["email", "public_profile"],
        params: &[],
        name_claim: "name",
        pkce: true,
    },
    BuiltIn {
        id: "twitch",
        label: "Twitch",
        env: "TWITCH",
        kind: Kind::Oidc,
        authorization: "https://id.twitch.tv/oauth2/authorize",
        token: "https://id.twitch.tv/oauth2/token",
        userinfo: "https://id.twitch.tv/oauth2/userinfo",
        jwks: "https://id.twitch.tv/oauth2/keys",
        issuer: "https://id.twitch.tv/oauth2",
        scopes: &["openid", "user:read:email"],
        // Twitch puts these in the ID token only when they are asked for by name.
        params: &[(
            "claims",
            r#"{"id_token":{"email":null,"email_verified":null,"preferred_username":null,"picture":null}}"#,
        )],
        name_claim: "preferred_username",
        pkce: true,
    },
    BuiltIn {
        id: "apple",
        label: "Apple",
        env: "APPLE",
        kind: Kind::Oidc,
        authorization: "https://appleid.apple.com/auth/authorize",
        token: "https://appleid.apple.com/auth/token",
        userinfo: "",
        jwks: "https://appleid.apple.com/auth/keys",
        issuer: "https://appleid.apple.com",
        scopes: &["openid", "name", "email"],
        // Apple posts the callback when a name or e-mail is asked for.
        params: &[("response_mode", "form_post")],
        name_claim: "name",
        // Apple documents no PKCE; the nonce binds its ID token to the flow.
        pkce: false,
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
    // Apple: a signing key stands in for the secret.
    let signing_key = match b.id {
        "apple" => apple_signing_key(&src)?,
        _ => None,
    };
    let client_secret = match (client_secret, &signing_key) {
        (None, Some(_)) => Some((secret_var.clone(), String::new())),
        (s, _) => s,
    };
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
    let base = match url(&src, "base_url", Some(&env("BASE_URL")))? {
        Some(u) => u.as_str().trim_end_matches('/').to_owned(),
        None => "https://gitlab.com".to_owned(),
    };
    let t = |s: &str| s.replace("{tenant}", &tenant).replace("{base}", &base);
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
        pkce: b.pkce,
        authorization_params: b
            .params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        claims: ClaimMap {
            name: b.name_claim.to_owned(),
            ..ClaimMap::default()
        },
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
        // Better Auth's default for every provider; each built-in one accepts it.
        token_auth: TokenAuth::Post,
        form_post: b.params.contains(&("response_mode", "form_post")),
        extra_audiences: match b.id {
            "apple" => src
                .get("app_bundle_identifier", Some(&env("APP_BUNDLE_IDENTIFIER")))?
                .map(|(_, v)| vec![v])
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        hashed_nonce: b.id == "apple",
        signing_key,
        // Better Auth's built-in providers have no provider logout.
        provider_logout: false,
        end_session_url: None,
        post_logout_redirect_uri: None,
        generic: false,
    }))
}

/// The PKCS#8 DER of a P-256 private key in PEM (Apple's `.p8`), if it is one.
pub fn apple_key_der(pem: &str) -> Option<Vec<u8>> {
    use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
    let key = p256::SecretKey::from_pkcs8_pem(pem.trim()).ok()?;
    Some(key.to_pkcs8_der().ok()?.as_bytes().to_vec())
}

/// `APPLE_TEAM_ID`, `APPLE_KEY_ID` and `APPLE_PRIVATE_KEY_FILE` (the `.p8` file, or
/// `APPLE_PRIVATE_KEY` with its PEM text): all three or none. The key is checked here, so
/// that a wrong file stops start-up instead of the first sign-in.
fn apple_signing_key(src: &TableSource<'_>) -> Result<Option<SigningKey>, ConfigError> {
    let team = src.get("team_id", Some("APPLE_TEAM_ID"))?;
    let key_id = src.get("key_id", Some("APPLE_KEY_ID"))?;
    let pem = match src.get("private_key_file", Some("APPLE_PRIVATE_KEY_FILE"))? {
        Some((var, path)) => Some((
            var.clone(),
            std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::new(&var, format!("cannot read `{path}`: {e}")))?,
        )),
        None => src.get("private_key", Some("APPLE_PRIVATE_KEY"))?,
    };
    let (team, key_id, (pem_var, pem)) = match (team, key_id, pem) {
        (None, None, None) => return Ok(None),
        (Some((_, t)), Some((_, k)), Some(p)) => (t, k, p),
        (None, _, _) => {
            return Err(ConfigError::new(
                "APPLE_TEAM_ID",
                "is required with an Apple signing key",
            ));
        }
        (_, None, _) => {
            return Err(ConfigError::new(
                "APPLE_KEY_ID",
                "is required with an Apple signing key",
            ));
        }
        (_, _, None) => {
            return Err(ConfigError::new(
                "APPLE_PRIVATE_KEY_FILE",
                "is required with APPLE_TEAM_ID and APPLE_KEY_ID",
            ));
        }
    };
    if apple_key_der(&pem).is_none() {
        return Err(ConfigError::new(
            &pem_var,
            "is not an EC private key in PEM (the .p8 file Apple issues)",
        ));
    }
    Ok(Some(SigningKey {
        team_id: team,
        key_id,
        pem,
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
        token_auth: match src.string("authentication", None, "post")?.as_str() {
            "basic" => TokenAuth::Basic,
            "post" => TokenAuth::Post,
            other => {
                return Err(ConfigError::new(
                    &src.var("authentication"),
                    format!("must be `basic` or `post`, got `{other}`"),
                ));
            }
        },
        form_post: false,
        signing_key: None,
        extra_audiences: Vec::new(),
        hashed_nonce: false,
        provider_logout: !src.flag("disable_provider_logout", None, false)?,
        end_session_url: url(src, "end_session_url", None)?,
        post_logout_redirect_uri: src.get("post_logout_redirect_uri", None)?.map(|(_, v)| v),
        generic: true,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Option<OAuthSettings>, ConfigError> {
        OAuthSettings::load(&crate::tests::config_of(pairs)?)
    }

    fn apple(s: &OAuthSettings) -> Option<&ProviderSettings> {
        s.providers.iter().find(|p| p.id == "apple")
    }

    #[test]
    fn apple_takes_a_signing_key_instead_of_a_secret() {
        use p256::pkcs8::{EncodePrivateKey as _, LineEnding};
        let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let pem = key.to_pkcs8_pem(LineEnding::LF).expect("pem").to_string();
        let pem = pem.as_str();
        let body: String = pem
            .lines()
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take(24)
            .collect();
        let s = load(&[
            ("APPLE_CLIENT_ID", "com.example.web"),
            ("APPLE_TEAM_ID", "TEAM"),
            ("APPLE_KEY_ID", "KEY"),
            ("APPLE_PRIVATE_KEY", pem),
        ])
        .expect("load")
        .expect("on");
        let a = apple(&s).expect("apple");
        assert_eq!(a.token_auth, TokenAuth::Post);
        assert!(a.form_post && a.hashed_nonce && !a.pkce);
        let key = a.signing_key.as_ref().expect("key");
        assert_eq!(key.key_id, "KEY");
        // The key never shows in debug output (logs).
        assert!(!format!("{a:?}").contains(&body));

        let err = load(&[
            ("APPLE_CLIENT_ID", "c"),
            ("APPLE_TEAM_ID", "TEAM"),
            ("APPLE_KEY_ID", "KEY"),
            ("APPLE_PRIVATE_KEY", "not a key"),
        ])
        .expect_err("a bad key stops start-up");
        assert!(err.to_string().contains("APPLE_PRIVATE_KEY"), "{err}");
        let err = load(&[
            ("APPLE_CLIENT_ID", "c"),
            ("APPLE_KEY_ID", "KEY"),
            ("APPLE_PRIVATE_KEY", pem),
        ])
        .expect_err("a key without its team");
        assert!(err.to_string().contains("APPLE_TEAM_ID"), "{err}");
        let err = load(&[
            ("APPLE_CLIENT_ID", "c"),
            ("APPLE_TEAM_ID", "TEAM"),
            ("APPLE_KEY_ID", "KEY"),
            ("APPLE_PRIVATE_KEY_FILE", "/nonexistent/AuthKey.p8"),
        ])
        .expect_err("a missing file");
        assert!(err.to_string().contains("APPLE_PRIVATE_KEY_FILE"), "{err}");
        // Without a key, Apple needs a ready-made secret, like every provider.
        let err = load(&[("APPLE_CLIENT_ID", "c")]).expect_err("no secret");
        assert!(err.to_string().contains("APPLE_CLIENT_SECRET"), "{err}");
    }

    #[test]
    fn providers_send_the_secret_in_the_form_unless_told() {
        let mut pairs = Vec::new();
        let names = [
            "GITHUB", "GOOGLE", "DISCORD", "FACEBOOK", "TWITCH", "LINKEDIN",
        ];
        let vars: Vec<(String, String)> = names
            .iter()
            .flat_map(|n| {
                [
                    (format!("{n}_CLIENT_ID"), "id".to_owned()),
                    (format!("{n}_CLIENT_SECRET"), "secret".to_owned()),
                ]
            })
            .collect();
        for (k, v) in &vars {
            pairs.push((k.as_str(), v.as_str()));
        }
        let s = load(&pairs).expect("load").expect("on");
        assert!(s.providers.iter().all(|p| p.token_auth == TokenAuth::Post));
        let twitch = s
            .providers
            .iter()
            .find(|p| p.id == "twitch")
            .expect("twitch");
        assert_eq!(twitch.claims.name, "preferred_username");
        let facebook = s
            .providers
            .iter()
            .find(|p| p.id == "facebook")
            .expect("facebook");
        assert!(facebook.issuer.is_some() && facebook.jwks_url.is_some());
    }
}
