//! Tells who a request is: reads its credential, then asks Portcullis's get-session (cached
//! briefly) or verifies a JWT against the cached key set.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::HeaderMap;
use http::header::{AUTHORIZATION, COOKIE, HeaderName, HeaderValue};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::config::{Clock, Config};
use crate::error::{AuthError, ConfigError};
use crate::types::{Identity, Method, SessionAndUser, User};

/// Authenticates requests against one Portcullis server. Cheap to clone (shared caches); make
/// one per process and hand it to [`AuthLayer`](crate::AuthLayer).
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
    api_key_header: HeaderName,
    sessions: SessionCache,
    keys: KeySet,
}

/// A credential as a request carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// `name=value` of the session cookie, value as sent (still URL-encoded).
    Cookie {
        name: String,
        value: String,
    },
    /// A bearer session token (`token.signature`).
    Bearer(String),
    Jwt(String),
    ApiKey(String),
}

impl Credential {
    fn method(&self) -> Method {
        match self {
            Credential::Cookie { .. } => Method::SessionCookie,
            Credential::Bearer(_) => Method::BearerToken,
            Credential::Jwt(_) => Method::Jwt,
            Credential::ApiKey(_) => Method::ApiKey,
        }
    }

    fn cache_key(&self) -> String {
        match self {
            Credential::Cookie { value, .. } => format!("c:{value}"),
            Credential::Bearer(t) => format!("b:{t}"),
            Credential::Jwt(t) => format!("j:{t}"),
            Credential::ApiKey(k) => format!("k:{k}"),
        }
    }
}

impl Authenticator {
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let api_key_header = HeaderName::from_str(&config.api_key_header)
            .map_err(|_| ConfigError::HeaderName(config.api_key_header.clone()))?;
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(ConfigError::BaseUrl(config.base_url.clone()));
        }
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            // get-session answers are read, never followed elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("portcullis-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        Ok(Authenticator {
            inner: Arc::new(Inner {
                sessions: SessionCache::new(
                    config.session_cache_ttl,
                    config.session_cache_capacity,
                    config.clock.clone(),
                ),
                keys: KeySet::default(),
                api_key_header,
                http,
                config,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Who the request with these headers is: its API key, else its bearer credential (a JWT
    /// or a session token, told apart by shape), else its session cookie.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Identity, AuthError> {
        let credential = self.credential(headers)?.ok_or(AuthError::Missing)?;
        self.authenticate_credential(credential).await
    }

    /// Whether the headers carry a credential at all (a well-formed one or not).
    pub fn has_credential(&self, headers: &HeaderMap) -> bool {
        !matches!(self.credential(headers), Ok(None))
    }

    pub(crate) fn credential(&self, headers: &HeaderMap) -> Result<Option<Credential>, AuthError> {
        let cfg = &self.inner.config;
        if let Some(v) = headers.get(&self.inner.api_key_header) {
            let key = v.to_str().map_err(|_| AuthError::Invalid(Method::ApiKey))?;
            return Ok(Some(Credential::ApiKey(key.trim().to_owned())));
        }
        if let Some(v) = headers.get(AUTHORIZATION) {
            let value = v
                .to_str()
                .map_err(|_| AuthError::Invalid(Method::BearerToken))?;
            if let Some((scheme, token)) = value.trim().split_once(' ')
                && scheme.eq_ignore_ascii_case("bearer")
            {
                let token = token.trim();
                return Ok(Some(if looks_like_jwt(token) {
                    Credential::Jwt(token.to_owned())
                } else {
                    Credential::Bearer(token.to_owned())
                }));
            }
        }
        let plain = format!("{}.session_token", cfg.cookie_prefix);
        let secure = format!("__Secure-{plain}");
        for header in headers.get_all(COOKIE) {
            let Ok(header) = header.to_str() else {
                continue;
            };
            for pair in header.split(';') {
                if let Some((name, value)) = pair.trim().split_once('=')
                    && (name == plain || name == secure)
                    && !value.is_empty()
                {
                    return Ok(Some(Credential::Cookie {
                        name: name.to_owned(),
                        value: value.to_owned(),
                    }));
                }
            }
        }
        Ok(None)
    }

    pub(crate) async fn authenticate_credential(
        &self,
        credential: Credential,
    ) -> Result<Identity, AuthError> {
        if let Credential::Jwt(token) = &credential {
            return self.verify_jwt(token).await;
        }
        let method = credential.method();
        let key = credential.cache_key();
        if let Some(cached) = self.inner.sessions.get(&key) {
            return cached
                .map(|i| (*i).clone())
                .ok_or(AuthError::Invalid(method));
        }
        let found = self.get_session(&credential).await?;
        let found = found.map(|s| {
            Arc::new(Identity {
                user: s.user,
                session: Some(s.session),
                method,
                claims: None,
            })
        });
        self.inner.sessions.put(key, found.clone());
        found
            .map(|i| (*i).clone())
            .ok_or(AuthError::Invalid(method))
    }

    /// get-session for the credential, read from the database (`disableCookieCache`, and
    /// only the session cookie is forwarded, never the cookie cache): `None` when Portcullis
    /// does not know it.
    async fn get_session(
        &self,
        credential: &Credential,
    ) -> Result<Option<SessionAndUser>, AuthError> {
        let inner = &self.inner;
        let method = credential.method();
        let header = |v: String| HeaderValue::from_str(&v).map_err(|_| AuthError::Invalid(method));
        let mut req = inner
            .http
            .get(inner.config.auth_url("/get-session"))
            .query(&[("disableCookieCache", "true")]);
        req = match credential {
            Credential::Cookie { name, value } => {
                req.header(COOKIE, header(format!("{name}={value}"))?)
            }
            Credential::Bearer(t) => req.header(AUTHORIZATION, header(format!("Bearer {t}"))?),
            Credential::ApiKey(k) => req.header(inner.api_key_header.clone(), header(k.clone())?),
            Credential::Jwt(_) => return Err(AuthError::Invalid(method)),
        };
        let res = req
            .send()
            .await
            .map_err(|e| AuthError::Unavailable(format!("get-session: {e}")))?;
        let status = res.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(AuthError::RateLimited);
        }
        if status.is_server_error() {
            return Err(AuthError::Unavailable(format!(
                "get-session answered {status}"
            )));
        }
        // 401/403 for an unknown, expired or disabled API key, 400 for a malformed one: not
        // this request's user.
        if !status.is_success() {
            return Ok(None);
        }
        let body: Value = res
            .json()
            .await
            .map_err(|e| AuthError::Unavailable(format!("get-session body: {e}")))?;
        if body.is_null() {
            return Ok(None);
        }
        serde_json::from_value(body)
            .map(Some)
            .map_err(|e| AuthError::Unavailable(format!("get-session body: {e}")))
    }

    /// Verifies a JWT locally: its `kid` in the key set (fetched again for an unknown one, at
    /// most once per `jwks_refetch_interval`), its signature with the key's algorithm, `exp`,
    /// `iss` and `aud`.
    async fn verify_jwt(&self, token: &str) -> Result<Identity, AuthError> {
        let invalid = AuthError::Invalid(Method::Jwt);
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid.clone())?;
        let kid = header.kid.ok_or(invalid.clone())?;
        let key = self
            .inner
            .keys
            .find(&kid, self)
            .await?
            .ok_or(invalid.clone())?;
        // The key decides the algorithm; a header naming another one is refused.
        if key.algorithm.is_some_and(|a| a != header.alg) {
            return Err(invalid);
        }
        let cfg = &self.inner.config;
        let mut validation = Validation::new(header.alg);
        let issuer = cfg.jwt_issuer.as_deref().unwrap_or(&cfg.base_url);
        let audience = cfg.jwt_audience.as_deref().unwrap_or(&cfg.base_url);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = cfg.jwt_leeway.as_secs();
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "portcullis-client: JWT refused");
                invalid.clone()
            })?;
        let (user, claims) = user_from_claims(data.claims).ok_or(invalid)?;
        Ok(Identity {
            user,
            session: None,
            method: Method::Jwt,
            claims: Some(claims),
        })
    }

    async fn fetch_key_set(&self) -> Result<HashMap<String, Arc<VerifyingKey>>, AuthError> {
        let inner = &self.inner;
        let url = inner.config.auth_url(&inner.config.jwks_path);
        let res = inner
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| AuthError::Unavailable(format!("jwks: {e}")))?;
        if !res.status().is_success() {
            return Err(AuthError::Unavailable(format!(
                "jwks answered {}",
                res.status()
            )));
        }
        let body: Value = res
            .json()
            .await
            .map_err(|e| AuthError::Unavailable(format!("jwks body: {e}")))?;
        let listed = body
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| AuthError::Unavailable("jwks body has no keys".into()))?;
        // A key this client cannot use (another kty, a symmetric key) is skipped, not fatal.
        Ok(listed
            .iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
            .filter_map(|jwk| {
                if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
                    return None;
                }
                let kid = jwk.common.key_id.clone()?;
                let algorithm = match jwk.common.key_algorithm {
                    Some(a) => Some(Algorithm::from_str(&a.to_string()).ok()?),
                    None => None,
                };
                let key = DecodingKey::from_jwk(&jwk).ok()?;
                Some((kid, Arc::new(VerifyingKey { key, algorithm })))
            })
            .collect())
    }
}

/// A JWT is three base64url parts; a session token is `token.signature`.
fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The registered claims JWTs carry besides the user's fields.
const REGISTERED: [&str; 7] = ["iat", "exp", "nbf", "iss", "aud", "sub", "jti"];

/// Splits a verified payload into the user (its fields, `id` from `sub`) and the registered
/// claims. `None` when a claimed `id` is not the subject.
fn user_from_claims(mut payload: Map<String, Value>) -> Option<(User, Map<String, Value>)> {
    let mut registered = Map::new();
    for name in REGISTERED {
        if let Some(v) = payload.remove(name) {
            registered.insert(name.to_owned(), v);
        }
    }
    let sub = registered.get("sub")?.as_str()?.to_owned();
    match payload.get("id") {
        Some(Value::String(id)) if *id != sub => return None,
        _ => {}
    }
    payload.insert("id".to_owned(), Value::String(sub));
    let user = serde_json::from_value(Value::Object(payload)).ok()?;
    Some((user, registered))
}

struct VerifyingKey {
    key: DecodingKey,
    algorithm: Option<Algorithm>,
}

#[derive(Default)]
struct KeySet {
    state: tokio::sync::RwLock<KeySetState>,
    /// One fetch at a time; others wait for it and read what it brought.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct KeySetState {
    keys: HashMap<String, Arc<VerifyingKey>>,
    /// When the set was last fetched successfully.
    fetched_at: Option<Instant>,
    /// When a fetch was last tried (successful or not): the refetch limit counts from it.
    tried_at: Option<Instant>,
}

impl KeySet {
    async fn find(
        &self,
        kid: &str,
        auth: &Authenticator,
    ) -> Result<Option<Arc<VerifyingKey>>, AuthError> {
        let cfg = &auth.inner.config;
        let clock = &cfg.clock;
        {
            let state = self.state.read().await;
            let fresh = state
                .fetched_at
                .is_some_and(|t| clock.since(t) < cfg.jwks_max_age);
            if fresh && let Some(k) = state.keys.get(kid) {
                return Ok(Some(k.clone()));
            }
        }
        let _fetching = self.fetching.lock().await;
        let mut state = self.state.write().await;
        let fresh = state
            .fetched_at
            .is_some_and(|t| clock.since(t) < cfg.jwks_max_age);
        let known = state.keys.get(kid).cloned();
        if fresh && known.is_some() {
            return Ok(known);
        }
        let may_fetch = state
            .tried_at
            .is_none_or(|t| clock.since(t) >= cfg.jwks_refetch_interval);
        if !may_fetch {
            // A stale set still answers for a key it has; an unknown kid waits its turn.
            return Ok(known);
        }
        state.tried_at = Some(clock.now());
        match auth.fetch_key_set().await {
            Ok(keys) => {
                state.keys = keys;
                state.fetched_at = Some(clock.now());
                Ok(state.keys.get(kid).cloned())
            }
            Err(e) if state.fetched_at.is_some() => {
                tracing::warn!(error = %e, "portcullis-client: key set refresh failed; keeping the old one");
                Ok(known)
            }
            Err(e) => Err(e),
        }
    }
}

/// When get-session answered, and what: the identity, or `None` for an unknown credential.
type CachedAnswer = (Instant, Option<Arc<Identity>>);

/// get-session answers (and "unknown") for a short time, keyed by credential.
struct SessionCache {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, CachedAnswer>>,
    clock: Clock,
}

impl SessionCache {
    fn new(ttl: Duration, capacity: usize, clock: Clock) -> Self {
        SessionCache {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// `Some(answer)` on a hit, `None` on a miss.
    fn get(&self, key: &str) -> Option<Option<Arc<Identity>>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (at, value) = entries.get(key)?;
        (self.clock.since(*at) < self.ttl).then(|| value.clone())
    }

    fn put(&self, key: String, value: Option<Arc<Identity>>) {
        if self.ttl.is_zero() || self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let (ttl, clock) = (self.ttl, &self.clock);
            entries.retain(|_, (at, _)| clock.since(*at) < ttl);
            if entries.len() >= self.capacity {
                return;
            }
        }
        entries.insert(key, (self.clock.now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Authenticator {
        Authenticator::new(Config::new("http://127.0.0.1:1/")).expect("config")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn tells_a_jwt_from_a_session_token() {
        assert!(looks_like_jwt(
            "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln_-"
        ));
        assert!(!looks_like_jwt(
            "Qm9sZC1zZXNzaW9uLXRva2VuLTMy.c2lnbmF0dXJl%2Bpad%3D"
        ));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a..c"));
        assert!(!looks_like_jwt("a.b+c.d"));
    }

    #[test]
    fn reads_each_credential_and_prefers_api_key_then_bearer_then_cookie() {
        let a = auth();
        let cookie = "other=1; better-auth.session_token=tok.sig%3D; better-auth.session_data=x";
        assert_eq!(
            a.credential(&headers(&[("cookie", cookie)])).expect("ok"),
            Some(Credential::Cookie {
                name: "better-auth.session_token".into(),
                value: "tok.sig%3D".into()
            })
        );
        assert_eq!(
            a.credential(&headers(&[(
                "cookie",
                "__Secure-better-auth.session_token=t.s"
            )]))
            .expect("ok"),
            Some(Credential::Cookie {
                name: "__Secure-better-auth.session_token".into(),
                value: "t.s".into()
            })
        );
        let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln";
        assert_eq!(
            a.credential(&headers(&[
                ("cookie", cookie),
                ("authorization", &format!("Bearer {jwt}"))
            ]))
            .expect("ok"),
            Some(Credential::Jwt(jwt.into()))
        );
        assert_eq!(
            a.credential(&headers(&[("authorization", "bearer tok.sig")]))
                .expect("ok"),
            Some(Credential::Bearer("tok.sig".into()))
        );
        assert_eq!(
            a.credential(&headers(&[
                ("authorization", "Bearer tok.sig"),
                ("x-api-key", "pk_123")
            ]))
            .expect("ok"),
            Some(Credential::ApiKey("pk_123".into()))
        );
        // Another scheme, or a cookie of another name, is no credential.
        assert_eq!(
            a.credential(&headers(&[
                ("authorization", "Basic dTpw"),
                ("cookie", "session_token=x")
            ]))
            .expect("ok"),
            None
        );
    }

    #[test]
    fn claims_become_a_user_whose_id_is_the_subject() {
        let payload = serde_json::json!({
            "iat": 1, "id": "u1", "name": "Jay", "email": "j@example.com",
            "emailVerified": true, "image": null, "role": "admin",
            "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
            "sub": "u1", "exp": 2, "iss": "i", "aud": "a",
        });
        let Value::Object(map) = payload else {
            unreachable!()
        };
        let (user, claims) = user_from_claims(map.clone()).expect("a user");
        assert_eq!(user.id, "u1");
        assert_eq!(user.extra.get("role"), Some(&Value::from("admin")));
        assert!(!user.extra.contains_key("exp"));
        assert_eq!(claims.get("aud"), Some(&Value::from("a")));
        let mut other = map;
        other.insert("id".into(), "u2".into());
        assert!(user_from_claims(other).is_none(), "id must be the subject");
    }

    #[test]
    fn the_session_cache_expires_and_stays_bounded() {
        let cache = SessionCache::new(Duration::from_secs(60), 2, Clock::default());
        cache.put("a".into(), None);
        cache.put("b".into(), None);
        cache.put("c".into(), None);
        assert!(cache.get("a").is_some());
        assert!(cache.get("c").is_none(), "full: not cached");
        let off = SessionCache::new(Duration::ZERO, 10, Clock::default());
        off.put("a".into(), None);
        assert!(off.get("a").is_none(), "a zero TTL caches nothing");
    }
}
