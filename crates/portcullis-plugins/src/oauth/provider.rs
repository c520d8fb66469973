//! One configured provider: its authorization URL, code exchange, refresh, and profile.
//!
//! The protocol is the `openidconnect` crate's (discovery, code exchange with PKCE, ID-token
//! validation against the issuer's JWKS: signature, `iss`, `aud`, `exp`, `nonce`) and, for
//! providers that are not OpenID (GitHub, plain OAuth 2.0), the `oauth2` crate's. Only the
//! profile requests (userinfo, GitHub's `/user/emails`) are plain JSON GETs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use oauth2::basic::{BasicClient, BasicTokenResponse};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreJwsSigningAlgorithm, CoreTokenResponse,
};
use openidconnect::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndSessionUrl,
    EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKeySetUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, RefreshToken, Scope, TokenResponse, TokenUrl,
};
use serde_json::{Map, Value};
use tokio::sync::Mutex;
use url::Url;

use super::settings::{Kind, ProviderSettings, SigningKey, TokenAuth};

type OidcClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
>;
type PlainClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// How long discovery and the JWKS are kept before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// Apple's signed client secret lives a day and is signed again after half of it: short-lived
/// (Apple allows six months), and never sent within hours of its expiry.
const SIGNED_SECRET_LIFETIME_SECS: i64 = 86_400;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("provider configuration: {0}")]
    Config(String),
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("token request failed: {0}")]
    Token(String),
    #[error("ID token invalid: {0}")]
    IdToken(String),
    #[error("profile request failed: {0}")]
    Profile(String),
}

/// Tokens from a code exchange or a refresh.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

/// Who the provider says the user is, mapped to user fields.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    pub id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: String,
    pub image: Option<String>,
    /// Additional user fields from the claim mapping.
    pub extra: Map<String, Value>,
    /// The whole profile, as `/account-info` answers it.
    pub raw: Map<String, Value>,
}

enum Client {
    Oidc(Box<OidcClient>),
    Plain(Box<PlainClient>),
}

struct Resolved {
    client: Client,
    /// The signing keys the discovery document pointed at.
    keys: Option<CoreJsonWebKeySet>,
    /// The issuer ID tokens and the callback's `iss` must name (OpenID providers).
    issuer: Option<String>,
    userinfo: Option<Url>,
    /// RP-initiated logout's endpoint: configured, else discovered.
    end_session: Option<Url>,
    fetched: Instant,
}

pub struct Provider {
    pub settings: ProviderSettings,
    redirect_uri: String,
    http: reqwest::Client,
    resolved: Mutex<Option<Arc<Resolved>>>,
    /// Keys fetched from `jwks_url`, with when (by the context's clock).
    keys: Mutex<Option<(DateTime<Utc>, CoreJsonWebKeySet)>>,
    /// Apple's signed client secret and when it was signed.
    signed_secret: std::sync::Mutex<Option<(DateTime<Utc>, String)>>,
}

/// What the authorization URL carries besides the client's own values.
pub struct AuthorizationRequest<'a> {
    pub state: &'a str,
    pub code_verifier: &'a str,
    pub nonce: Option<&'a str>,
    pub scopes: &'a [String],
    pub login_hint: Option<&'a str>,
}

fn err<E: std::fmt::Display>(wrap: fn(String) -> ProviderError) -> impl Fn(E) -> ProviderError {
    move |e| wrap(e.to_string())
}

/// The text of an error and its causes: the `oauth2` crate's errors say little on their own.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl Provider {
    pub fn new(settings: ProviderSettings, redirect_uri: String) -> Self {
        // Never follow redirects: a token or profile endpoint that redirects is refused
        // (as the `oauth2` crate asks, against server-side request forgery).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent("Portcullis")
            .build()
            .unwrap_or_default();
        Provider {
            settings,
            redirect_uri,
            http,
            resolved: Mutex::new(None),
            keys: Mutex::new(None),
            signed_secret: std::sync::Mutex::new(None),
        }
    }

    pub fn id(&self) -> &str {
        &self.settings.id
    }

    /// Where the provider sends the browser back (`{baseURL}{basePath}/callback/{id}`).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn is_oidc(&self) -> bool {
        self.settings.kind == Kind::Oidc
    }

    /// Whether a client's ID token can be verified: an OpenID provider, or one with a known
    /// issuer and key set (Facebook's Limited Login).
    pub fn verifies_id_tokens(&self) -> bool {
        self.is_oidc() || (self.settings.issuer.is_some() && self.settings.jwks_url.is_some())
    }

    /// The client secret for a token request made at `now`: the configured one, or for Apple
    /// a JWT signed with its key, kept until half its lifetime has passed.
    fn client_secret_at(&self, now: DateTime<Utc>) -> Result<Option<ClientSecret>, ProviderError> {
        let Some(key) = &self.settings.signing_key else {
            return Ok(None);
        };
        let mut slot = self
            .signed_secret
            .lock()
            .map_err(|_| ProviderError::Config("the signed secret's lock is poisoned".into()))?;
        if let Some((signed, jwt)) = slot.as_ref()
            && (now - *signed).num_seconds() < SIGNED_SECRET_LIFETIME_SECS / 2
            && *signed <= now
        {
            return Ok(Some(ClientSecret::new(jwt.clone())));
        }
        let jwt = sign_client_secret(key, &self.settings.client_id, now)?;
        *slot = Some((now, jwt.clone()));
        Ok(Some(ClientSecret::new(jwt)))
    }

    /// The client, discovered (or its JWKS fetched) on first use and again after an hour.
    async fn client(&self) -> Result<Arc<Resolved>, ProviderError> {
        let mut slot = self.resolved.lock().await;
        if let Some(r) = slot.as_ref().filter(|r| r.fetched.elapsed() < METADATA_TTL) {
            return Ok(r.clone());
        }
        let r = Arc::new(self.build_client().await?);
        *slot = Some(r.clone());
        Ok(r)
    }

    async fn build_client(&self) -> Result<Resolved, ProviderError> {
        let s = &self.settings;
        let client_id = ClientId::new(s.client_id.clone());
        let secret =
            (!s.client_secret.is_empty()).then(|| ClientSecret::new(s.client_secret.clone()));
        let redirect =
            RedirectUrl::new(self.redirect_uri.clone()).map_err(err(ProviderError::Config))?;
        let missing = || ProviderError::Config("authorization and token URLs are required".into());
        match s.kind {
            Kind::Oidc => {
                // Discovered values, each overridden by the one set explicitly.
                let (issuer, auth, token, userinfo, jwks, end_session) =
                    if let Some(discovery) = &s.discovery_url {
                        let issuer = discovery
                            .as_str()
                            .trim_end_matches("/.well-known/openid-configuration")
                            .to_owned();
                        let issuer = IssuerUrl::new(issuer).map_err(err(ProviderError::Config))?;
                        let meta = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
                            .await
                            .map_err(|e| ProviderError::Discovery(chain(&e)))?;
                        (
                            meta.issuer().clone(),
                            s.authorization_url
                                .clone()
                                .map(AuthUrl::from_url)
                                .unwrap_or_else(|| meta.authorization_endpoint().clone()),
                            s.token_url
                                .clone()
                                .map(TokenUrl::from_url)
                                .or_else(|| meta.token_endpoint().cloned())
                                .ok_or_else(missing)?,
                            s.userinfo_url
                                .clone()
                                .or_else(|| meta.userinfo_endpoint().map(|u| u.url().clone())),
                            meta.jwks().clone(),
                            s.end_session_url.clone().or_else(|| {
                                meta.additional_metadata()
                                    .end_session_endpoint
                                    .as_ref()
                                    .map(|u| u.url().clone())
                            }),
                        )
                    } else {
                        let (Some(auth), Some(token)) = (&s.authorization_url, &s.token_url) else {
                            return Err(missing());
                        };
                        let issuer = s
                            .issuer
                            .clone()
                            .unwrap_or_else(|| auth.origin().ascii_serialization());
                        let issuer = IssuerUrl::new(issuer).map_err(err(ProviderError::Config))?;
                        // Fetched when an ID token is first verified, not here: building an
                        // authorization URL needs no keys.
                        let jwks = CoreJsonWebKeySet::new(Vec::new());
                        (
                            issuer,
                            AuthUrl::from_url(auth.clone()),
                            TokenUrl::from_url(token.clone()),
                            s.userinfo_url.clone(),
                            jwks,
                            s.end_session_url.clone(),
                        )
                    };
                let issuer_text = issuer.to_string();
                let keys = (!jwks.keys().is_empty()).then_some(jwks);
                let c = CoreClient::new(client_id, issuer, CoreJsonWebKeySet::new(Vec::new()))
                    .set_auth_uri(auth)
                    .set_token_uri(token)
                    .set_redirect_uri(redirect)
                    .set_auth_type(auth_type(s.token_auth));
                let c = match secret {
                    Some(secret) => c.set_client_secret(secret),
                    None => c,
                };
                Ok(Resolved {
                    client: Client::Oidc(Box::new(c)),
                    keys,
                    issuer: Some(issuer_text),
                    userinfo,
                    end_session,
                    fetched: Instant::now(),
                })
            }
            Kind::GitHub | Kind::OAuth2 | Kind::Discord | Kind::Facebook => {
                let (Some(auth), Some(token)) = (&s.authorization_url, &s.token_url) else {
                    return Err(missing());
                };
                let c = BasicClient::new(client_id)
                    .set_auth_uri(AuthUrl::from_url(auth.clone()))
                    .set_token_uri(TokenUrl::from_url(token.clone()))
                    .set_redirect_uri(redirect)
                    .set_auth_type(auth_type(s.token_auth));
                let c = match secret {
                    Some(secret) => c.set_client_secret(secret),
                    None => c,
                };
                Ok(Resolved {
                    client: Client::Plain(Box::new(c)),
                    keys: None,
                    // Facebook's Limited Login tokens name it; its callback carries no `iss`.
                    issuer: None,
                    userinfo: s.userinfo_url.clone(),
                    end_session: s.end_session_url.clone(),
                    fetched: Instant::now(),
                })
            }
        }
    }

    /// RP-initiated logout: the provider's end-session URL for an account, with its ID token as
    /// the hint; with a post-logout redirect (absolute) also the client id and `state`. `None` when the provider has no logout, or logout
    /// is turned off.
    pub async fn logout_url(
        &self,
        id_token: Option<&str>,
        post_logout_redirect: Option<String>,
        state: Option<&str>,
    ) -> Option<String> {
        if !self.settings.provider_logout {
            return None;
        }
        let end = self.client().await.ok()?.end_session.clone()?;
        let mut req = LogoutRequest::from(EndSessionUrl::from_url(end));
        let hint = id_token.and_then(parse_id_token);
        if let Some(t) = &hint {
            req = req.set_id_token_hint(t);
        }
        let client_id = || ClientId::new(self.settings.client_id.clone());
        match post_logout_redirect {
            Some(to) => {
                req = req
                    .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(to).ok()?)
                    .set_client_id(client_id());
                if let Some(st) = state {
                    req = req.set_state(CsrfToken::new(st.to_owned()));
                }
            }
            None if hint.is_none() => req = req.set_client_id(client_id()),
            None => {}
        }
        Some(req.http_get_url().to_string())
    }

    /// The issuer an ID token and the callback's `iss` must name, once known.
    pub async fn issuer(&self) -> Option<String> {
        self.client().await.ok()?.issuer.clone()
    }

    /// The scopes asked for: the provider's, then the request's.
    pub fn scopes(&self, extra: &[String]) -> Vec<String> {
        let mut all = self.settings.scopes.clone();
        for s in extra {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        all
    }

    pub async fn authorization_url(
        &self,
        r: AuthorizationRequest<'_>,
    ) -> Result<String, ProviderError> {
        let resolved = self.client().await?;
        let state = r.state.to_owned();
        let challenge = self.settings.pkce.then(|| {
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
                r.code_verifier.to_owned(),
            ))
        });
        let scopes = self.scopes(r.scopes);
        let mut extra: Vec<(String, String)> = Vec::new();
        if let Some(h) = r.login_hint.filter(|h| !h.is_empty()) {
            extra.push(("login_hint".into(), h.to_owned()));
        }
        extra.extend(self.settings.authorization_params.iter().cloned());
        let url = match &resolved.client {
            Client::Oidc(c) => {
                let nonce = r.nonce.unwrap_or_default().to_owned();
                let mut q = c.authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    move || CsrfToken::new(state),
                    move || Nonce::new(nonce),
                );
                // `openid` is added by the crate.
                for s in scopes.iter().filter(|s| s.as_str() != "openid") {
                    q = q.add_scope(Scope::new(s.clone()));
                }
                if let Some(ch) = challenge {
                    q = q.set_pkce_challenge(ch);
                }
                for (k, v) in &extra {
                    q = q.add_extra_param(k.clone(), v.clone());
                }
                q.url().0
            }
            Client::Plain(c) => {
                let mut q = c.authorize_url(move || CsrfToken::new(state));
                for s in &scopes {
                    q = q.add_scope(Scope::new(s.clone()));
                }
                if let Some(ch) = challenge {
                    q = q.set_pkce_challenge(ch);
                }
                for (k, v) in &extra {
                    q = q.add_extra_param(k.clone(), v.clone());
                }
                q.url().0
            }
        };
        Ok(url.to_string())
    }

    /// Exchanges the callback's code (with the PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
        now: DateTime<Utc>,
    ) -> Result<(Tokens, Option<CoreIdToken>), ProviderError> {
        let resolved = self.client().await?;
        let code = AuthorizationCode::new(code.to_owned());
        let verifier = PkceCodeVerifier::new(code_verifier.to_owned());
        let secret = self.client_secret_at(now)?;
        match &resolved.client {
            Client::Oidc(c) => {
                let c = with_secret(c.as_ref(), secret);
                let mut q = c.exchange_code(code);
                if self.settings.pkce {
                    q = q.set_pkce_verifier(verifier);
                }
                let res: CoreTokenResponse = q
                    .request_async(&self.http)
                    .await
                    .map_err(|e| ProviderError::Token(chain(&e)))?;
                let id_token = res.id_token().cloned();
                Ok((oidc_tokens(&res, now), id_token))
            }
            Client::Plain(c) => {
                let c = with_secret(c.as_ref(), secret);
                let mut q = c.exchange_code(code);
                if self.settings.pkce {
                    q = q.set_pkce_verifier(verifier);
                }
                let res: BasicTokenResponse = q
                    .request_async(&self.http)
                    .await
                    .map_err(|e| ProviderError::Token(chain(&e)))?;
                Ok((plain_tokens(&res, now), None))
            }
        }
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<Tokens, ProviderError> {
        let resolved = self.client().await?;
        let rt = RefreshToken::new(refresh_token.to_owned());
        let secret = self.client_secret_at(now)?;
        match &resolved.client {
            Client::Oidc(c) => {
                let res: CoreTokenResponse = with_secret(c.as_ref(), secret)
                    .exchange_refresh_token(&rt)
                    .request_async(&self.http)
                    .await
                    .map_err(|e| ProviderError::Token(chain(&e)))?;
                Ok(oidc_tokens(&res, now))
            }
            Client::Plain(c) => {
                let res: BasicTokenResponse = with_secret(c.as_ref(), secret)
                    .exchange_refresh_token(&rt)
                    .request_async(&self.http)
                    .await
                    .map_err(|e| ProviderError::Token(chain(&e)))?;
                Ok(plain_tokens(&res, now))
            }
        }
    }

    /// Verifies an ID token: signature against the JWKS, `iss`, `aud` (this client, or one of
    /// the extra audiences configured), `exp`, and, when one is expected, `nonce`. Answers
    /// its claims.
    pub async fn verify_id_token(
        &self,
        token: &CoreIdToken,
        expected_nonce: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Map<String, Value>, ProviderError> {
        if !self.verifies_id_tokens() {
            return Err(ProviderError::IdToken(
                "this provider issues no ID tokens".into(),
            ));
        }
        let kid = key_id_of(token);
        let mut resolved = self.client().await?;
        // A key id the cached set lacks: the provider rotated its keys. Discovery (and with it
        // the key set) is fetched again, at most once a minute.
        if self.settings.jwks_url.is_none()
            && let (Some(kid), Some(keys)) = (&kid, &resolved.keys)
            && !holds_key(keys, kid)
            && resolved.fetched.elapsed() >= REFETCH_AFTER
        {
            *self.resolved.lock().await = None;
            resolved = self.client().await?;
        }
        let Some(issuer) = resolved
            .issuer
            .clone()
            .or_else(|| self.settings.issuer.clone())
        else {
            return Err(ProviderError::IdToken("the issuer is not known".into()));
        };
        let keys = match (&self.settings.jwks_url, &resolved.keys) {
            (Some(url), _) => self.fetched_keys(url, kid.as_deref(), now).await?,
            (None, Some(keys)) => keys.clone(),
            (None, None) => {
                return Err(ProviderError::IdToken("no signing keys are known".into()));
            }
        };
        let issuer = IssuerUrl::new(issuer).map_err(err(ProviderError::Config))?;
        let audiences =
            std::iter::once(&self.settings.client_id).chain(&self.settings.extra_audiences);
        let mut last = ProviderError::IdToken("no audience".into());
        for audience in audiences {
            // A public-client verifier: any asymmetric algorithm the key set holds, never a MAC
            // keyed by the client secret.
            let verifier = CoreIdTokenVerifier::new_public_client(
                ClientId::new(audience.clone()),
                issuer.clone(),
                keys.clone(),
            )
            .set_allowed_algs(ASYMMETRIC_ALGS);
            let hashed = self.settings.hashed_nonce;
            let claims = match expected_nonce {
                Some(n) => token.claims(&verifier, |got: Option<&Nonce>| {
                    nonce_matches(got, n, hashed)
                }),
                // No nonce was sent (an ID token obtained without one): none is required.
                None => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
            };
            match claims {
                // Verified: its claims as the provider wrote them (the crate's own form would
                // turn a single `aud` into a list).
                Ok(claims) => {
                    return match (jwt_part(token, 1), serde_json::to_value(claims)) {
                        (Some(Value::Object(m)), _) | (None, Ok(Value::Object(m))) => Ok(m),
                        _ => Err(ProviderError::IdToken("claims are not an object".into())),
                    };
                }
                Err(e) => last = ProviderError::IdToken(chain(&e)),
            }
        }
        Err(last)
    }

    /// The keys at `url`, fetched on first use, again after an hour, and again when a token
    /// names a key id the set lacks (at most once a minute: a forged kid cannot make every
    /// request fetch).
    async fn fetched_keys(
        &self,
        url: &Url,
        kid: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CoreJsonWebKeySet, ProviderError> {
        let mut slot = self.keys.lock().await;
        if let Some((at, keys)) = slot.as_ref() {
            let age = (now - *at).to_std().unwrap_or_default();
            if age < METADATA_TTL && (kid.is_none_or(|k| holds_key(keys, k)) || age < REFETCH_AFTER)
            {
                return Ok(keys.clone());
            }
        }
        let keys =
            CoreJsonWebKeySet::fetch_async(&JsonWebKeySetUrl::from_url(url.clone()), &self.http)
                .await
                .map_err(|e| ProviderError::Discovery(chain(&e)))?;
        *slot = Some((now, keys.clone()));
        Ok(keys)
    }

    /// The profile behind these tokens: the verified ID token's claims, completed by the
    /// userinfo endpoint when they lack the e-mail; for GitHub, `/user` and `/user/emails`.
    pub async fn user_info(
        &self,
        tokens: &Tokens,
        id_token: Option<&CoreIdToken>,
        expected_nonce: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<UserInfo, ProviderError> {
        let mut profile = match id_token {
            Some(t) => self.verify_id_token(t, expected_nonce, now).await?,
            None => Map::new(),
        };
        let access = tokens.access_token.as_deref();
        let claims = &self.settings.claims;
        match self.settings.kind {
            Kind::GitHub => {
                let access =
                    access.ok_or_else(|| ProviderError::Profile("no access token".into()))?;
                profile = self
                    .get_json_object(self.settings.userinfo_url.as_ref(), access)
                    .await?;
                let emails = self
                    .get_json(self.settings.emails_url.as_ref(), access)
                    .await
                    .ok();
                let primary = emails
                    .as_ref()
                    .and_then(Value::as_array)
                    .and_then(|list| {
                        list.iter()
                            .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                            .or_else(|| list.first())
                    })
                    .cloned();
                let profile_email = profile
                    .get("email")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let (email, verified) = match (&profile_email, &primary) {
                    (Some(e), _) => {
                        // The profile's public address is verified when /user/emails says so.
                        let verified = emails
                            .as_ref()
                            .and_then(Value::as_array)
                            .and_then(|l| {
                                l.iter()
                                    .find(|x| x.get("email").and_then(Value::as_str) == Some(e))
                            })
                            .and_then(|x| x.get("verified").and_then(Value::as_bool))
                            .unwrap_or(false);
                        (Some(e.clone()), verified)
                    }
                    (None, Some(p)) => (
                        p.get("email").and_then(Value::as_str).map(str::to_owned),
                        p.get("verified").and_then(Value::as_bool).unwrap_or(false),
                    ),
                    (None, None) => (None, false),
                };
                let id = match profile.get("id") {
                    Some(Value::Number(n)) => n.to_string(),
                    Some(Value::String(s)) => s.clone(),
                    _ => return Err(ProviderError::Profile("the profile has no id".into())),
                };
                let name = profile
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .or_else(|| profile.get("login").and_then(Value::as_str))
                    .unwrap_or_default()
                    .to_owned();
                let image = profile
                    .get("avatar_url")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                return Ok(UserInfo {
                    id,
                    email,
                    email_verified: verified,
                    name,
                    image,
                    extra: Map::new(),
                    raw: profile,
                });
            }
            Kind::Discord | Kind::Facebook => {
                let access =
                    access.ok_or_else(|| ProviderError::Profile("no access token".into()))?;
                let profile = self
                    .get_json_object(self.settings.userinfo_url.as_ref(), access)
                    .await?;
                return if self.settings.kind == Kind::Discord {
                    discord_profile(profile)
                } else {
                    facebook_profile(profile)
                };
            }
            Kind::Oidc | Kind::OAuth2 => {
                let wants_userinfo = !profile.contains_key(&claims.email)
                    || claims.extra.iter().any(|(_, c)| !profile.contains_key(c));
                if let (true, Some(url), Some(access)) =
                    (wants_userinfo, self.userinfo_url().await, access)
                {
                    let info = self.get_json_object(Some(&url), access).await?;
                    // The userinfo answer must be about the ID token's subject.
                    if let (Some(a), Some(b)) = (profile.get("sub"), info.get("sub"))
                        && a != b
                    {
                        return Err(ProviderError::Profile(
                            "userinfo names another subject".into(),
                        ));
                    }
                    for (k, v) in info {
                        profile.entry(k).or_insert(v);
                    }
                }
            }
        }
        map_profile(profile, claims)
    }

    async fn userinfo_url(&self) -> Option<Url> {
        self.client().await.ok()?.userinfo.clone()
    }

    async fn get_json(&self, url: Option<&Url>, access: &str) -> Result<Value, ProviderError> {
        let url = url.ok_or_else(|| ProviderError::Profile("no profile endpoint".into()))?;
        let res = self
            .http
            .get(url.clone())
            .bearer_auth(access)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| ProviderError::Profile(chain(&e)))?;
        if !res.status().is_success() {
            return Err(ProviderError::Profile(format!(
                "{url} answered {}",
                res.status()
            )));
        }
        res.json()
            .await
            .map_err(|e| ProviderError::Profile(chain(&e)))
    }

    async fn get_json_object(
        &self,
        url: Option<&Url>,
        access: &str,
    ) -> Result<Map<String, Value>, ProviderError> {
        match self.get_json(url, access).await? {
            Value::Object(m) => Ok(m),
            _ => Err(ProviderError::Profile(
                "the profile is not a JSON object".into(),
            )),
        }
    }

    /// What a profile answers now, for `/account-info`: the stored ID token's claims (as
    /// Better Auth reads them), completed by userinfo; the userinfo endpoint alone when there is
    /// no ID token or it no longer verifies (it expired).
    pub async fn current_profile(
        &self,
        access: &str,
        id_token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<UserInfo, ProviderError> {
        let tokens = Tokens {
            access_token: Some(access.to_owned()),
            ..Tokens::default()
        };
        if let Some(t) = id_token
            .filter(|_| self.verifies_id_tokens())
            .and_then(parse_id_token)
            && let Ok(info) = self.user_info(&tokens, Some(&t), None, now).await
        {
            return Ok(info);
        }
        self.user_info(&tokens, None, None, now).await
    }
}

/// The shortest wait before a key set is fetched again for an unknown key id.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

fn holds_key(keys: &CoreJsonWebKeySet, kid: &str) -> bool {
    use openidconnect::JsonWebKey as _;
    keys.keys()
        .iter()
        .any(|k| k.key_id().is_some_and(|id| id.as_str() == kid))
}

/// The JSON of a token's header (0) or payload (1), read without verifying: only to choose
/// when to fetch keys again, or to answer claims the crate has verified in their own form.
fn jwt_part(token: &CoreIdToken, index: usize) -> Option<Value> {
    use base64::Engine as _;
    let Ok(Value::String(jwt)) = serde_json::to_value(token) else {
        return None;
    };
    let part = jwt.split('.').nth(index)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `kid` in a token's header (the signature is verified by the crate, against whatever
/// key set results).
fn key_id_of(token: &CoreIdToken) -> Option<String> {
    jwt_part(token, 0)?.get("kid")?.as_str().map(str::to_owned)
}

const ASYMMETRIC_ALGS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// The token's nonce against the one expected, compared in constant time; with `hashed`, its
/// SHA-256 in hex is accepted too (Apple's native apps send Apple the hash).
fn nonce_matches(got: Option<&Nonce>, expected: &str, hashed: bool) -> Result<(), String> {
    use sha2::Digest as _;
    use subtle::ConstantTimeEq as _;
    let Some(got) = got.map(|n| n.secret().as_bytes()) else {
        return Err("the ID token has no nonce".into());
    };
    let plain: bool = got.ct_eq(expected.as_bytes()).into();
    let digest: String = sha2::Sha256::digest(expected.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let as_hash: bool = hashed && bool::from(got.ct_eq(digest.as_bytes()));
    if plain || as_hash {
        Ok(())
    } else {
        Err("the nonce does not match".into())
    }
}

fn auth_type(a: TokenAuth) -> AuthType {
    match a {
        TokenAuth::Basic => AuthType::BasicAuth,
        TokenAuth::Post => AuthType::RequestBody,
    }
}

/// Clients whose secret can be replaced for one request.
trait WithSecret: Clone {
    fn set_secret(self, secret: ClientSecret) -> Self;
}

impl WithSecret for OidcClient {
    fn set_secret(self, secret: ClientSecret) -> Self {
        self.set_client_secret(secret)
    }
}

impl WithSecret for PlainClient {
    fn set_secret(self, secret: ClientSecret) -> Self {
        self.set_client_secret(secret)
    }
}

/// The client as it is, or a copy holding this request's secret (Apple's, signed for it).
fn with_secret<C: WithSecret>(c: &C, secret: Option<ClientSecret>) -> std::borrow::Cow<'_, C> {
    match secret {
        Some(secret) => std::borrow::Cow::Owned(c.clone().set_secret(secret)),
        None => std::borrow::Cow::Borrowed(c),
    }
}

/// Apple's client secret: an ES256 JWT naming the team (`iss`), the client (`sub`) and Apple
/// (`aud`), signed with the key Apple issued (`kid`).
fn sign_client_secret(
    key: &SigningKey,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<String, ProviderError> {
    let encoding = super::settings::apple_key_der(&key.pem)
        .map(|der| jsonwebtoken::EncodingKey::from_ec_der(&der))
        .ok_or_else(|| ProviderError::Config("the Apple signing key is not readable".into()))?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(key.key_id.clone());
    let iat = now.timestamp();
    let claims = serde_json::json!({
        "iss": key.team_id,
        "iat": iat,
        "exp": iat + SIGNED_SECRET_LIFETIME_SECS,
        "aud": "https://appleid.apple.com",
        "sub": client_id,
    });
    jsonwebtoken::encode(&header, &claims, &encoding)
        .map_err(|e| ProviderError::Config(format!("signing the Apple client secret: {e}")))
}

/// `email_verified` may be a boolean or the strings "true"/"false" (some providers).
fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a profile through the claim mapping.
pub fn map_profile(
    profile: Map<String, Value>,
    claims: &super::settings::ClaimMap,
) -> Result<UserInfo, ProviderError> {
    let id = text(profile.get(&claims.id))
        .ok_or_else(|| ProviderError::Profile(format!("the profile has no `{}`", claims.id)))?;
    let extra = claims
        .extra
        .iter()
        .filter_map(|(field, claim)| Some((field.clone(), profile.get(claim)?.clone())))
        .collect();
    Ok(UserInfo {
        id,
        email: text(profile.get(&claims.email)),
        email_verified: truthy(profile.get(&claims.email_verified)),
        name: text(profile.get(&claims.name)).unwrap_or_default(),
        image: text(profile.get(&claims.image)),
        extra,
        raw: profile,
    })
}

/// Discord's `/users/@me`: the display name or else the username; the avatar hash made into
/// its CDN address (animated ones as GIF), or the default avatar Discord would show.
fn discord_profile(mut profile: Map<String, Value>) -> Result<UserInfo, ProviderError> {
    let id = text(profile.get("id"))
        .ok_or_else(|| ProviderError::Profile("the profile has no id".into()))?;
    let image = match profile.get("avatar").and_then(Value::as_str) {
        Some(hash) => {
            let format = if hash.starts_with("a_") { "gif" } else { "png" };
            format!("https://cdn.discordapp.com/avatars/{id}/{hash}.{format}")
        }
        None => {
            // Users of the new username system (discriminator "0") by their id's timestamp
            // bits, others by their discriminator, as Discord assigns default avatars.
            let n = match profile.get("discriminator").and_then(Value::as_str) {
                Some("0") | None => id.parse::<u64>().map(|i| (i >> 22) % 6).unwrap_or(0),
                Some(d) => d.parse::<u64>().map(|d| d % 5).unwrap_or(0),
            };
            format!("https://cdn.discordapp.com/embed/avatars/{n}.png")
        }
    };
    profile.insert("image_url".into(), Value::String(image.clone()));
    let name = text(profile.get("global_name"))
        .or_else(|| text(profile.get("username")))
        .unwrap_or_default();
    Ok(UserInfo {
        id,
        email: text(profile.get("email")),
        email_verified: truthy(profile.get("verified")),
        name,
        image: Some(image),
        extra: Map::new(),
        raw: profile,
    })
}

/// The Graph API's `/me`: Facebook never says an address is verified, so it is not (unless
/// the provider is trusted for linking).
fn facebook_profile(profile: Map<String, Value>) -> Result<UserInfo, ProviderError> {
    let id = text(profile.get("id"))
        .ok_or_else(|| ProviderError::Profile("the profile has no id".into()))?;
    let image = profile
        .get("picture")
        .and_then(|p| p.pointer("/data/url"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(UserInfo {
        id,
        email: text(profile.get("email")),
        email_verified: truthy(profile.get("email_verified")),
        name: text(profile.get("name")).unwrap_or_default(),
        image,
        extra: Map::new(),
        raw: profile,
    })
}

fn expires_at(now: DateTime<Utc>, d: Option<Duration>) -> Option<DateTime<Utc>> {
    d.and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| now + d)
}

fn oidc_tokens(res: &CoreTokenResponse, now: DateTime<Utc>) -> Tokens {
    Tokens {
        access_token: Some(res.access_token().secret().clone()),
        refresh_token: res.refresh_token().map(|t| t.secret().clone()),
        id_token: res.id_token().and_then(|t| match serde_json::to_value(t) {
            Ok(Value::String(s)) => Some(s),
            _ => None,
        }),
        access_token_expires_at: expires_at(now, res.expires_in()),
        scopes: res
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

fn plain_tokens(res: &BasicTokenResponse, now: DateTime<Utc>) -> Tokens {
    Tokens {
        access_token: Some(res.access_token().secret().clone()),
        refresh_token: res.refresh_token().map(|t| t.secret().clone()),
        id_token: None,
        access_token_expires_at: expires_at(now, res.expires_in()),
        scopes: res
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// Parses an ID token sent by a client (`idToken.token`).
pub fn parse_id_token(s: &str) -> Option<CoreIdToken> {
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn profile_is_read_through_the_claim_mapping() {
        let claims = super::super::settings::ClaimMap {
            id: "uid".into(),
            extra: vec![("department".into(), "dept".into())],
            ..Default::default()
        };
        let Value::Object(p) = json!({"uid": 42, "email": "a@b.c", "email_verified": "true", "name": "A", "dept": "x"})
        else {
            unreachable!()
        };
        let u = map_profile(p, &claims).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.id, "42");
        assert!(u.email_verified);
        assert_eq!(u.extra.get("department"), Some(&json!("x")));
        let Value::Object(p) = json!({"email": "a@b.c"}) else {
            unreachable!()
        };
        assert!(map_profile(p, &claims).is_err());
    }
}
