//! `jwt`: JSON Web Tokens for the current session, and the key set that verifies them, as
//! Better Auth's `jwt` plugin. A backend that is not JavaScript checks a user locally: it takes
//! the token from `GET /token` (or the `set-auth-jwt` header of get-session) and verifies it
//! against `GET /jwks`, without calling back.
//!
//! - Payload, as Better Auth: `iat`, the user's fields (all, or those `JWT_CLAIMS` names),
//!   `sub` (the user id), `exp` (15 minutes), `iss` and `aud` (the base URL unless set).
//! - Keys: EdDSA (Ed25519) unless `JWT_ALGORITHM` says ES256, RS256 or PS256. Kept in Better
//!   Auth's `jwks` table with the private key encrypted, so a Better Auth database's keys keep
//!   signing and verifying. Rotation, its grace period and caching: `key_ring`.
//! - `portcullis jwks rotate` rotates on demand; the `jwt-keys` job on schedule.

pub mod key_ring;
pub mod keys;
mod recent_tokens;
pub mod settings;

use async_trait::async_trait;
use http::Method;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{Job, JobError};
use portcullis_core::session::{SessionWithUser, user_json};
use portcullis_core::{ApiError, AuthContext, Plugin};
use portcullis_storage::{Field, FieldType, Table};
use serde_json::{Map, Value, json};

pub use key_ring::KeyRing;
pub use keys::KeyAlgorithm;
pub use settings::JwtSettings;

pub struct Jwt {
    settings: JwtSettings,
    /// The configured key-set path, kept for the life of the process (endpoints name
    /// `'static` paths).
    jwks_path: &'static str,
    keys: KeyRing,
    recent: recent_tokens::RecentTokens,
}

impl Jwt {
    pub fn new(settings: JwtSettings) -> Self {
        let jwks_path: &'static str = Box::leak(settings.jwks_path.clone().into_boxed_str());
        Jwt {
            settings,
            jwks_path,
            keys: KeyRing::default(),
            recent: recent_tokens::RecentTokens::default(),
        }
    }

    /// A token for `user` (its public JSON, as get-session shows it): one signed for the same
    /// claims and key within `JWT_REUSE_WINDOW` seconds, or a new one (`recent_tokens`).
    pub async fn sign_for(
        &self,
        ctx: &AuthContext,
        user: &Map<String, Value>,
    ) -> Result<String, ApiError> {
        let key = self.keys.signing_key(ctx, &self.settings).await?;
        let now = ctx.now().timestamp();
        let window = self.settings.reuse_secs;
        let reuse_key = match serde_json::to_vec(user) {
            Ok(claims) if window > 0 => Some(recent_tokens::key_of(&key.kid, &claims)),
            _ => None,
        };
        if let Some(token) = reuse_key.and_then(|k| self.recent.get(&k, now, window)) {
            return Ok(token);
        }
        let claims = payload(ctx, &self.settings, user, now);
        let mut header = jsonwebtoken::Header::new(key.algorithm.jwt());
        // Better Auth's protected header is exactly {alg, kid}.
        header.typ = None;
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.key).map_err(|e| {
            tracing::error!(error = %e, "jwt: signing failed");
            ApiError::internal()
        })?;
        if let Some(k) = reuse_key {
            self.recent.put(k, now, token.clone(), window);
        }
        Ok(token)
    }

    /// Signs other claims with the same key ring (the OpenID provider's ID tokens, so that one
    /// key set verifies everything this server signs). `typ` is the header's, if any.
    /// Answers the token and the algorithm it was signed with.
    pub async fn sign_claims(
        &self,
        ctx: &AuthContext,
        claims: &Value,
        typ: Option<&str>,
    ) -> Result<(String, KeyAlgorithm), ApiError> {
        let key = self.keys.signing_key(ctx, &self.settings).await?;
        let mut header = jsonwebtoken::Header::new(key.algorithm.jwt());
        header.typ = typ.map(str::to_owned);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, claims, &key.key).map_err(|e| {
            tracing::error!(error = %e, "jwt: signing failed");
            ApiError::internal()
        })?;
        Ok((token, key.algorithm))
    }

    /// The claims of a token this server signed with a key still in its key set, whatever
    /// its expiry (an ID token given back as a hint may be old). `None` for anything else.
    pub async fn verify_own(&self, ctx: &AuthContext, token: &str) -> Option<Map<String, Value>> {
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        let stored = key_ring::all_keys(ctx).await.ok()?;
        let jwk_json = stored
            .iter()
            .find(|k| k.id == kid && k.published(&self.settings, ctx.now()))?
            .jwk(&self.settings)?;
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk_json).ok()?;
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).ok()?;
        let alg = jwk
            .common
            .key_algorithm
            .and_then(|a| a.to_string().parse().ok())?;
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .ok()
            .map(|d| d.claims)
    }

    /// A token for the user of `s`, as get-session shows that user.
    pub async fn token_for(
        &self,
        ctx: &AuthContext,
        s: &SessionWithUser,
    ) -> Result<String, ApiError> {
        let Value::Object(user) = user_json(ctx, &s.user) else {
            return Err(ApiError::internal());
        };
        self.sign_for(ctx, &user).await
    }

    /// Retires the signing keys and makes a new one (`portcullis jwks rotate`). Answers the new
    /// key's id.
    pub async fn rotate(&self, ctx: &AuthContext) -> Result<String, ApiError> {
        Ok(self.keys.rotate(ctx, &self.settings).await?.kid.clone())
    }

    pub fn settings(&self) -> &JwtSettings {
        &self.settings
    }
}

fn plugin(ctx: &AuthContext) -> &Jwt {
    match ctx.plugin::<Jwt>() {
        Some(p) => p,
        None => unreachable!("jwt handlers run only with the jwt plugin registered"),
    }
}

/// The base URL as Better Auth's `baseURL` option string: without a trailing slash.
fn base_url(ctx: &AuthContext) -> String {
    ctx.config
        .base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned()
}

/// The claims, in Better Auth's order: `iat`, the user's fields, `sub`, `exp`, `iss`, `aud`.
fn payload(
    ctx: &AuthContext,
    settings: &JwtSettings,
    user: &Map<String, Value>,
    iat: i64,
) -> Value {
    let mut claims = Map::new();
    claims.insert("iat".into(), iat.into());
    for (name, value) in user {
        let chosen = settings
            .claims
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name));
        if chosen {
            claims.insert(name.clone(), value.clone());
        }
    }
    claims.insert("sub".into(), user.get("id").cloned().unwrap_or(Value::Null));
    claims.insert("exp".into(), (iat + settings.expiration_secs).into());
    claims.insert(
        "iss".into(),
        settings
            .issuer
            .clone()
            .unwrap_or_else(|| base_url(ctx))
            .into(),
    );
    claims.insert(
        "aud".into(),
        settings
            .audience
            .clone()
            .unwrap_or_else(|| base_url(ctx))
            .into(),
    );
    Value::Object(claims)
}

async fn get_token(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let token = plugin(ctx).token_for(ctx, req.session()?).await?;
    Ok(AuthResponse::json(json!({ "token": token })))
}

async fn get_jwks(ctx: &AuthContext, _req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let p = plugin(ctx);
    let now = ctx.now();
    let mut stored = key_ring::all_keys(ctx).await?;
    if !stored.iter().any(|k| k.published(&p.settings, now)) {
        // Better Auth makes the first key when the key set is first asked for.
        p.keys.signing_key(ctx, &p.settings).await?;
        stored = key_ring::all_keys(ctx).await?;
    }
    let keys: Vec<Value> = stored
        .iter()
        .filter(|k| k.published(&p.settings, now))
        .filter_map(|k| k.jwk(&p.settings))
        .collect();
    Ok(AuthResponse::json(json!({ "keys": keys })))
}

/// The rotation job: a new key once the newest has signed for the rotation interval, and
/// retired keys deleted after their grace period.
async fn rotate_on_schedule(ctx: &AuthContext) -> Result<(), JobError> {
    let p = plugin(ctx);
    let fail = |e: key_ring::KeyRingError| JobError::Failed(e.to_string());
    p.keys.signing_key(ctx, &p.settings).await.map_err(fail)?;
    let deleted = key_ring::delete_expired(ctx, &p.settings)
        .await
        .map_err(fail)?;
    if deleted > 0 {
        tracing::info!(deleted, "jwt: deleted keys past their grace period");
    }
    Ok(())
}

#[async_trait]
impl Plugin for Jwt {
    fn id(&self) -> &'static str {
        "jwt"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        vec![Table::new(
            key_ring::TABLE,
            vec![
                Field::new("publicKey", FieldType::String).required(),
                Field::new("privateKey", FieldType::String)
                    .required()
                    .hidden(),
                Field::new("createdAt", FieldType::Date).required(),
                Field::new("expiresAt", FieldType::Date),
                Field::new("alg", FieldType::String),
                Field::new("crv", FieldType::String),
            ],
        )]
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let key = schema::object_with(
            json!({
                "kid": schema::string("Key ID: the `kid` of the tokens it verifies"),
                "kty": schema::string("Key type: `OKP`, `EC` or `RSA`"),
                "alg": schema::string("`EdDSA`, `ES256`, `RS256` or `PS256`"),
                "crv": schema::string("Curve, for `OKP` and `EC` keys"),
                "x": schema::string("Public key (OKP) or X coordinate (EC), base64url"),
                "y": schema::string("Y coordinate (EC), base64url"),
                "n": schema::string("Modulus (RSA), base64url"),
                "e": schema::string("Exponent (RSA), base64url"),
            }),
            &["kid", "kty", "alg"],
        );
        vec![
            Endpoint::new(
                Method::GET,
                self.jwks_path,
                "getJSONWebKeySet",
                portcullis_core::handler!(get_jwks),
            )
            .summary(
                "Get the JSON Web Key Set",
                "The public keys that verify this server's JWTs: the key that signs now, and \
                 keys retired less than the grace period ago. Verifiers cache it and fetch it \
                 again when a token names an unknown `kid`.",
            )
            .tag("JWT")
            .returns(schema::object(json!({ "keys": schema::array(key) }))),
            Endpoint::new(
                Method::GET,
                "/token",
                "getJSONWebToken",
                portcullis_core::handler!(get_token),
            )
            .summary(
                "Get a JWT for the session",
                "A JWT carrying the signed-in user, signed with the current key; it lives \
                 15 minutes unless configured otherwise and stays valid until then even if \
                 the session ends.",
            )
            .tag("JWT")
            .auth(Auth::Session)
            .returns(schema::object(json!({
                "token": schema::string("The JWT (header `{alg, kid}`)")
            }))),
        ]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            after: if self.settings.set_header {
                HookScope::Paths(&["/get-session"])
            } else {
                HookScope::Never
            },
            ..Hooks::default()
        }
    }

    /// A session check that found a session carries a fresh JWT in `set-auth-jwt`.
    async fn after(&self, ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        if res.status != 200 {
            return;
        }
        let Some(found) = req.state.found_session() else {
            return;
        };
        match self.token_for(ctx, &found).await {
            Ok(token) => res.push_exposed_header("set-auth-jwt", token),
            Err(_) => tracing::warn!("jwt: get-session answered without set-auth-jwt"),
        }
    }

    fn jobs(&self) -> Vec<Job> {
        // Often enough that a due key is replaced well within a tenth of its interval.
        let interval = self
            .settings
            .rotation_secs
            .map_or(3600, |r| (r / 10).clamp(60, 3600));
        vec![Job::new(
            "jwt-keys",
            std::time::Duration::from_secs(interval as u64),
            portcullis_core::job!(rotate_on_schedule),
        )]
    }
}
