//! OAuth clients: Better Auth's `oauthClient` table, how a client proves who it is at the token
//! endpoint, and what it may ask for.
//!
//! Secrets are stored as base64url(SHA-256), as Better Auth's `storeClientSecret: "hashed"`
//! (its default beside the jwt plugin), so a Better Auth database's clients keep working and a
//! copy of the table gives no secret away. A secret has 285 bits, so a fast hash is enough.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use portcullis_core::crypto::token::{generate_id, hash_token};
use portcullis_core::endpoint::AuthRequest;
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Row, Store, Value, Where};
use serde_json::{Map, Value as Json, json};
use subtle::ConstantTimeEq;

use super::errors::{INVALID_CLIENT_METADATA, INVALID_REDIRECT_URI, OAuthError};

pub const TABLE: &str = "oauthClient";

/// `token_endpoint_auth_method` of a client without a secret (a browser or native app).
pub const PUBLIC_AUTH: &str = "none";
/// RFC 7523 §2.2: the client signs a JWT with a key it registered (`jwks`); no shared secret.
pub const PRIVATE_KEY_JWT: &str = "private_key_jwt";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";
pub const GRANT_REFRESH_TOKEN: &str = "refresh_token";
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";
pub const GRANT_DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    PRIVATE_KEY_JWT,
    PUBLIC_AUTH,
];
const GRANTS: &[&str] = &[
    GRANT_AUTHORIZATION_CODE,
    GRANT_REFRESH_TOKEN,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_DEVICE_CODE,
];

/// One row of `oauthClient`.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub id: String,
    pub client_id: String,
    secret_hash: Option<String>,
    pub disabled: bool,
    /// A trusted first-party client: no consent page.
    pub skip_consent: bool,
    pub enable_end_session: bool,
    /// Scopes it may ask for; `None` means every scope the server offers.
    pub scopes: Option<Vec<String>>,
    pub client_credentials_scopes: Option<Vec<String>>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub uri: Option<String>,
    pub icon: Option<String>,
    pub contacts: Option<Vec<String>>,
    pub tos: Option<String>,
    pub policy: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: String,
    pub application_type: Option<String>,
    pub grant_types: Option<Vec<String>>,
    pub require_pkce: Option<bool>,
    pub created_at: Option<DateTime<Utc>>,
    /// The public keys a `private_key_jwt` client signs its assertions with (a JWK Set).
    jwks: Option<String>,
}

/// A string-array column (scopes, redirect URIs, grant types): JSON (Better Auth's `string[]`
/// on every database), or the comma- or space-separated list older rows hold.
pub fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    let list = |j: &Json| {
        j.as_array().map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    match v? {
        Value::Json(j) => list(j),
        Value::String(s) => match serde_json::from_str::<Json>(s) {
            Ok(j) if j.is_array() => list(&j),
            _ => Some(
                s.split([',', ' '])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
        },
        _ => None,
    }
}

pub fn json_strings(list: &[String]) -> Value {
    Value::Json(Json::Array(
        list.iter().cloned().map(Json::String).collect(),
    ))
}

impl Client {
    pub fn from_row(row: &Row) -> Option<Self> {
        let text = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
        let flag = |k: &str| row.get(k).and_then(Value::as_bool);
        Some(Client {
            id: text("id")?,
            client_id: text("clientId")?,
            secret_hash: text("clientSecret").filter(|s| !s.is_empty()),
            disabled: flag("disabled").unwrap_or(false),
            skip_consent: flag("skipConsent").unwrap_or(false),
            enable_end_session: flag("enableEndSession").unwrap_or(false),
            scopes: strings(row.get("scopes")),
            client_credentials_scopes: strings(row.get("clientCredentialsScopes")),
            user_id: text("userId"),
            name: text("name"),
            uri: text("uri"),
            icon: text("icon"),
            contacts: strings(row.get("contacts")),
            tos: text("tos"),
            policy: text("policy"),
            redirect_uris: strings(row.get("redirectUris")).unwrap_or_default(),
            post_logout_redirect_uris: strings(row.get("postLogoutRedirectUris"))
                .unwrap_or_default(),
            token_endpoint_auth_method: text("tokenEndpointAuthMethod")
                .unwrap_or_else(|| "client_secret_basic".into()),
            application_type: text("applicationType"),
            grant_types: strings(row.get("grantTypes")),
            require_pkce: flag("requirePKCE"),
            created_at: row.get("createdAt").and_then(Value::as_date),
            jwks: text("jwks"),
        })
    }

    /// A client with no secret: a browser or native app, which must use PKCE.
    pub fn is_public(&self) -> bool {
        self.token_endpoint_auth_method == PUBLIC_AUTH
            || (self.secret_hash.is_none() && self.token_endpoint_auth_method != PRIVATE_KEY_JWT)
    }

    /// Whether it may use `grant`. Without a list: the code grant and refresh, and the device
    /// grant (Better Auth's defaults); the client-credentials grant must be granted by name.
    pub fn allows_grant(&self, grant: &str) -> bool {
        match &self.grant_types {
            Some(list) => list.iter().any(|g| g == grant),
            None => grant != GRANT_CLIENT_CREDENTIALS,
        }
    }

    /// PKCE is always required of a public client; of a confidential one unless it was
    /// registered with `require_pkce: false` (Better Auth's default is to require it).
    pub fn requires_pkce(&self) -> bool {
        self.is_public() || self.require_pkce != Some(false)
    }

    /// The scopes it may ask for, within what the server offers.
    pub fn allowed_scopes<'a>(&'a self, offered: &'a [String]) -> Vec<&'a str> {
        match &self.scopes {
            Some(own) => own
                .iter()
                .filter(|s| offered.contains(s))
                .map(String::as_str)
                .collect(),
            None => offered.iter().map(String::as_str).collect(),
        }
    }

    /// An exactly registered redirect URI. A native app's loopback URI may differ only in its
    /// port (RFC 8252 §7.3): the app listens on whatever port it gets.
    pub fn redirect_uri_matches(&self, asked: &str) -> bool {
        self.redirect_uris.iter().any(|r| {
            r == asked
                || (|| {
                    let (reg, req) = (url::Url::parse(r).ok()?, url::Url::parse(asked).ok()?);
                    let loopback = matches!(reg.host_str(), Some("127.0.0.1") | Some("[::1]"));
                    Some(
                        loopback
                            && reg.scheme() == "http"
                            && req.scheme() == "http"
                            && reg.host_str() == req.host_str()
                            && reg.path() == req.path()
                            && reg.query() == req.query(),
                    )
                })()
                .unwrap_or(false)
        })
    }

    /// True when `secret` is this client's, compared in constant time.
    fn secret_is(&self, secret: &str) -> bool {
        match &self.secret_hash {
            Some(stored) => bool::from(hash_token(secret).as_bytes().ct_eq(stored.as_bytes())),
            None => false,
        }
    }

    /// The RFC 7591 metadata, as Better Auth answers it. Never the secret (only its creation
    /// and rotation show it, once).
    pub fn metadata(&self) -> Json {
        let mut m = Map::new();
        m.insert("client_id".into(), self.client_id.clone().into());
        let opt = |m: &mut Map<String, Json>, k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        };
        opt(&mut m, "client_name", &self.name);
        opt(&mut m, "client_uri", &self.uri);
        opt(&mut m, "logo_uri", &self.icon);
        opt(&mut m, "tos_uri", &self.tos);
        opt(&mut m, "policy_uri", &self.policy);
        if let Some(c) = &self.contacts {
            m.insert("contacts".into(), json!(c));
        }
        m.insert("redirect_uris".into(), json!(self.redirect_uris));
        if !self.post_logout_redirect_uris.is_empty() {
            m.insert(
                "post_logout_redirect_uris".into(),
                json!(self.post_logout_redirect_uris),
            );
        }
        m.insert(
            "token_endpoint_auth_method".into(),
            self.token_endpoint_auth_method.clone().into(),
        );
        m.insert(
            "grant_types".into(),
            json!(self.grant_types.clone().unwrap_or_else(|| vec![
                GRANT_AUTHORIZATION_CODE.into(),
                GRANT_REFRESH_TOKEN.into()
            ])),
        );
        m.insert("response_types".into(), json!(["code"]));
        if let Some(s) = &self.scopes {
            m.insert("scope".into(), s.join(" ").into());
        }
        // Better Auth's defaults where nothing was stored.
        m.insert(
            "application_type".into(),
            self.application_type
                .clone()
                .unwrap_or_else(|| "web".into())
                .into(),
        );
        m.insert("disabled".into(), self.disabled.into());
        m.insert("dpop_bound_access_tokens".into(), false.into());
        if self.skip_consent {
            m.insert("skip_consent".into(), true.into());
        }
        if let Some(p) = self.require_pkce {
            m.insert("require_pkce".into(), p.into());
        }
        if let Some(u) = &self.user_id {
            m.insert("user_id".into(), u.clone().into());
        }
        if let Some(at) = self.created_at {
            m.insert("client_id_issued_at".into(), at.timestamp().into());
        }
        if let Some(j) = self
            .jwks
            .as_deref()
            .and_then(|j| serde_json::from_str::<Json>(j).ok())
        {
            m.insert("jwks".into(), j);
        }
        if self.secret_hash.is_some() {
            // The secret never expires unless rotated.
            m.insert("client_secret_expires_at".into(), 0.into());
        }
        Json::Object(m)
    }

    /// What anyone may see: the consent page shows it before the user decides.
    pub fn public_json(&self) -> Json {
        json!({
            "client_id": self.client_id,
            "client_name": self.name,
            "client_uri": self.uri,
            "logo_uri": self.icon,
            "tos_uri": self.tos,
            "policy_uri": self.policy,
            "contacts": self.contacts,
        })
    }
}

pub async fn find(store: &dyn Store, client_id: &str) -> Result<Option<Client>, ApiError> {
    Ok(store
        .find_one(TABLE, &[Where::eq("clientId", client_id)])
        .await?
        .as_ref()
        .and_then(Client::from_row))
}

/// A new secret and its stored form.
pub fn new_secret() -> (String, String) {
    let secret = generate_id(48);
    let stored = hash_token(&secret);
    (secret, stored)
}

/// A redirect or post-logout URI a client may register: absolute, no fragment, https unless
/// on a loopback address (RFC 8252) or a private-use scheme of a native app (`com.example:/cb`).
pub fn valid_redirect_uri(uri: &str, native: bool) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    if u.fragment().is_some() || uri.len() > 2000 {
        return false;
    }
    match u.scheme() {
        "https" => u.host_str().is_some(),
        "http" => matches!(
            u.host_str(),
            Some("127.0.0.1") | Some("[::1]") | Some("localhost")
        ),
        // A private-use scheme is reverse-DNS (RFC 8252 §7.1); only native apps have them.
        s => native && s.contains('.') && !matches!(s, "javascript" | "data" | "file"),
    }
}

/// What a client is registered with, read from RFC 7591 metadata (`create-client`,
/// `register`, the CLI). Checked here, once, for all three.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewClient {
    pub name: Option<String>,
    /// `client_secret_basic` (the default), `client_secret_post` or `none`.
    pub auth_method: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub skip_consent: bool,
    pub enable_end_session: bool,
    pub scopes: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub uri: Option<String>,
    pub icon: Option<String>,
    pub tos: Option<String>,
    pub policy: Option<String>,
    pub contacts: Option<Vec<String>>,
    pub application_type: Option<String>,
    pub require_pkce: Option<bool>,
    pub user_id: Option<String>,
    /// A `private_key_jwt` client's public keys, as JSON text.
    pub jwks: Option<String>,
}

impl NewClient {
    /// Reads RFC 7591 metadata. `trusted` (an administrator) may set `skip_consent`.
    pub fn from_metadata(body: &Json, trusted: bool) -> Result<Self, ApiError> {
        let bad = || ApiError::new(400, INVALID_CLIENT_METADATA);
        let text = |k: &str| -> Result<Option<String>, ApiError> {
            match body.get(k) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::String(s)) if s.len() <= 2000 => Ok(Some(s.trim().to_owned())),
                _ => Err(bad()),
            }
        };
        let list = |k: &str| -> Result<Option<Vec<String>>, ApiError> {
            match body.get(k) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::Array(a)) => a
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                _ => Err(bad()),
            }
        };
        let flag = |k: &str| -> Result<Option<bool>, ApiError> {
            match body.get(k) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::Bool(b)) => Ok(Some(*b)),
                _ => Err(bad()),
            }
        };
        let application_type = text("application_type")?;
        let native = application_type.as_deref() == Some("native");
        if application_type
            .as_deref()
            .is_some_and(|t| t != "web" && t != "native")
        {
            return Err(bad());
        }
        let method = text("token_endpoint_auth_method")?;
        if method
            .as_deref()
            .is_some_and(|m| !AUTH_METHODS.contains(&m))
        {
            return Err(ApiError::with_message(
                400,
                INVALID_CLIENT_METADATA,
                "token_endpoint_auth_method must be client_secret_basic, client_secret_post or none",
            ));
        }
        let redirect_uris = list("redirect_uris")?.unwrap_or_default();
        let post_logout_redirect_uris = list("post_logout_redirect_uris")?.unwrap_or_default();
        if redirect_uris.is_empty()
            || redirect_uris
                .iter()
                .chain(&post_logout_redirect_uris)
                .any(|u| !valid_redirect_uri(u, native))
        {
            return Err(ApiError::new(400, INVALID_REDIRECT_URI));
        }
        let grant_types = list("grant_types")?;
        if let Some(g) = &grant_types
            && (g.is_empty() || g.iter().any(|g| !GRANTS.contains(&g.as_str())))
        {
            return Err(ApiError::with_message(
                400,
                INVALID_CLIENT_METADATA,
                "grant_types may hold authorization_code, refresh_token, client_credentials and the device code grant",
            ));
        }
        if let Some(r) = list("response_types")?
            && r.iter().any(|t| t != "code")
        {
            return Err(ApiError::with_message(
                400,
                INVALID_CLIENT_METADATA,
                "only the code response type is offered",
            ));
        }
        let public = method.as_deref() == Some(PUBLIC_AUTH);
        // A private_key_jwt client registers the keys it signs with; each must be usable.
        let jwks = match body.get("jwks") {
            None | Some(Json::Null) => None,
            Some(set) => {
                let keys = set
                    .get("keys")
                    .and_then(Json::as_array)
                    .filter(|k| !k.is_empty());
                let usable = keys.is_some_and(|keys| {
                    keys.iter().all(|k| {
                        k.as_object()
                            .is_some_and(|k| crate::jwt::keys::decoding_key(k).is_ok())
                    })
                });
                if !usable {
                    return Err(ApiError::with_message(
                        400,
                        INVALID_CLIENT_METADATA,
                        "jwks must be a JWK Set of public keys (OKP, EC or RSA)",
                    ));
                }
                Some(set.to_string())
            }
        };
        if (method.as_deref() == Some(PRIVATE_KEY_JWT)) != jwks.is_some() {
            return Err(ApiError::with_message(
                400,
                INVALID_CLIENT_METADATA,
                "private_key_jwt needs jwks, and jwks is only for private_key_jwt",
            ));
        }
        if public
            && grant_types
                .as_ref()
                .is_some_and(|g| g.iter().any(|g| g == GRANT_CLIENT_CREDENTIALS))
        {
            return Err(ApiError::with_message(
                400,
                INVALID_CLIENT_METADATA,
                "a public client cannot use the client_credentials grant",
            ));
        }
        let scopes = match text("scope")? {
            Some(s) => {
                let v: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
                if v.iter().any(|s| !super::settings::is_scope_token(s)) {
                    return Err(bad());
                }
                Some(v)
            }
            None => None,
        };
        let require_pkce = flag("require_pkce")?;
        if public && require_pkce == Some(false) {
            return Err(ApiError::with_message(
                400,
                INVALID_CLIENT_METADATA,
                "a public client must use PKCE",
            ));
        }
        let skip_consent = flag("skip_consent")?.unwrap_or(false);
        if skip_consent && !trusted {
            return Err(ApiError::with_message(
                400,
                INVALID_CLIENT_METADATA,
                "only an administrator may mark a client trusted (skip_consent)",
            ));
        }
        for k in ["client_uri", "logo_uri", "tos_uri", "policy_uri"] {
            if let Some(u) = text(k)?
                && !matches!(
                    url::Url::parse(&u)
                        .map(|u| u.scheme().to_owned())
                        .as_deref(),
                    Ok("https") | Ok("http")
                )
            {
                return Err(ApiError::with_message(
                    400,
                    INVALID_CLIENT_METADATA,
                    format!("{k} must be an http(s) URL"),
                ));
            }
        }
        Ok(NewClient {
            auth_method: method.unwrap_or_else(|| "client_secret_basic".into()),
            name: text("client_name")?,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            skip_consent,
            enable_end_session: flag("enable_end_session")?.unwrap_or(false),
            scopes,
            grant_types,
            uri: text("client_uri")?,
            icon: text("logo_uri")?,
            tos: text("tos_uri")?,
            policy: text("policy_uri")?,
            contacts: list("contacts")?,
            application_type,
            require_pkce,
            user_id: None,
            jwks,
        })
    }

    /// Writes the client; answers it and, for a confidential one, its secret (shown once).
    pub async fn create(
        self,
        ctx: &AuthContext,
        store: &dyn Store,
    ) -> Result<(Client, Option<String>), ApiError> {
        let now = ctx.now();
        let client_id = generate_id(32);
        let (secret, stored) = if self.public || self.jwks.is_some() {
            (None, None)
        } else {
            let (s, h) = new_secret();
            (Some(s), Some(h))
        };
        let mut row = Row::new();
        row.insert("id".into(), generate_id(32).into());
        row.insert("clientId".into(), client_id.into());
        row.insert(
            "clientSecret".into(),
            stored.map_or(Value::Null, Value::from),
        );
        row.insert("disabled".into(), false.into());
        row.insert("skipConsent".into(), self.skip_consent.into());
        row.insert("enableEndSession".into(), self.enable_end_session.into());
        let opt_list = |l: &Option<Vec<String>>| l.as_deref().map_or(Value::Null, json_strings);
        let opt_text = |t: &Option<String>| t.clone().map_or(Value::Null, Value::from);
        row.insert("scopes".into(), opt_list(&self.scopes));
        row.insert("userId".into(), opt_text(&self.user_id));
        row.insert("createdAt".into(), now.into());
        row.insert("updatedAt".into(), now.into());
        row.insert("name".into(), opt_text(&self.name));
        row.insert("uri".into(), opt_text(&self.uri));
        row.insert("icon".into(), opt_text(&self.icon));
        row.insert("contacts".into(), opt_list(&self.contacts));
        row.insert("tos".into(), opt_text(&self.tos));
        row.insert("policy".into(), opt_text(&self.policy));
        row.insert("redirectUris".into(), json_strings(&self.redirect_uris));
        row.insert(
            "postLogoutRedirectUris".into(),
            if self.post_logout_redirect_uris.is_empty() {
                Value::Null
            } else {
                json_strings(&self.post_logout_redirect_uris)
            },
        );
        row.insert(
            "tokenEndpointAuthMethod".into(),
            self.auth_method.as_str().into(),
        );
        row.insert("applicationType".into(), opt_text(&self.application_type));
        row.insert("grantTypes".into(), opt_list(&self.grant_types));
        row.insert("responseTypes".into(), json_strings(&["code".to_owned()]));
        row.insert(
            "requirePKCE".into(),
            self.require_pkce.map_or(Value::Null, Value::from),
        );
        row.insert("jwks".into(), opt_text(&self.jwks));
        let created = store.create(TABLE, row).await?;
        let client = Client::from_row(&created).ok_or_else(ApiError::internal)?;
        Ok((client, secret))
    }
}

/// Replaces a confidential client's secret; answers the new one (shown once).
pub async fn rotate_secret(
    ctx: &AuthContext,
    store: &dyn Store,
    client: &Client,
) -> Result<Option<String>, ApiError> {
    if client.is_public() {
        return Ok(None);
    }
    let (secret, stored) = new_secret();
    let mut set = Row::new();
    set.insert("clientSecret".into(), stored.into());
    set.insert("updatedAt".into(), ctx.now().into());
    store
        .update_many(TABLE, &[Where::eq("id", client.id.as_str())], set)
        .await?;
    Ok(Some(secret))
}

/// The credentials a request to the token, introspection or revocation endpoint carries:
/// HTTP Basic (RFC 6749 §2.3.1, each part form-encoded) or the body.
struct Presented {
    client_id: String,
    secret: Option<String>,
    /// Whether they came as HTTP Basic.
    basic: bool,
    /// A `private_key_jwt` client's signed assertion (RFC 7523), not yet verified.
    assertion: Option<String>,
}

/// The `iss` an assertion claims, read without verifying it: only to find the client whose
/// keys then verify it.
fn claimed_issuer(jwt: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1)?).ok()?;
    let claims: Json = serde_json::from_slice(&payload).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

fn presented(req: &AuthRequest) -> Result<Presented, OAuthError> {
    let body_id = req.str_field("client_id").filter(|s| !s.is_empty());
    let body_secret = req.str_field("client_secret").filter(|s| !s.is_empty());
    if let Some(kind) = req.str_field("client_assertion_type") {
        let assertion = req
            .str_field("client_assertion")
            .filter(|a| kind == ASSERTION_TYPE && !a.is_empty())
            .ok_or_else(|| {
                OAuthError::invalid_request(
                    "client_assertion_type must be jwt-bearer, with a client_assertion",
                )
            })?;
        if body_secret.is_some() || req.header(http::header::AUTHORIZATION).is_some() {
            return Err(OAuthError::invalid_request(
                "use one way of client authentication, not two",
            ));
        }
        let client_id = match (body_id, claimed_issuer(assertion)) {
            (Some(b), Some(iss)) if b != iss => {
                return Err(OAuthError::invalid_request(
                    "client_id differs from the assertion's issuer",
                ));
            }
            (Some(b), _) => b.to_owned(),
            (None, Some(iss)) => iss,
            (None, None) => return Err(OAuthError::invalid_request("client_id is required")),
        };
        return Ok(Presented {
            client_id,
            secret: None,
            basic: false,
            assertion: Some(assertion.to_owned()),
        });
    }
    let basic = req.header(http::header::AUTHORIZATION).and_then(|h| {
        h.strip_prefix("Basic ")
            .or_else(|| h.strip_prefix("basic "))
    });
    if let Some(encoded) = basic {
        if body_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "use one way of client authentication, not two",
            ));
        }
        let bad = || OAuthError::invalid_client("malformed Basic credentials");
        let raw = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| bad())
        };
        let (id, secret) = (decode(id)?, decode(secret)?);
        if body_id.is_some_and(|b| b != id) {
            return Err(OAuthError::invalid_request(
                "client_id differs from the Basic credentials",
            ));
        }
        return Ok(Presented {
            client_id: id,
            secret: Some(secret).filter(|s| !s.is_empty()),
            basic: true,
            assertion: None,
        });
    }
    let client_id = body_id
        .ok_or_else(|| OAuthError::invalid_request("client_id is required"))?
        .to_owned();
    Ok(Presented {
        client_id,
        secret: body_secret.map(str::to_owned),
        basic: false,
        assertion: None,
    })
}

/// The client a request authenticates as (`client_secret_basic`, `client_secret_post`, or
/// `none` for a public client). A public client that sends a secret is refused: it has none,
/// so whatever it sent is a mistake worth failing loudly.
pub async fn authenticate(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<Client, super::errors::Failure> {
    let p = presented(req)?;
    // RFC 6749 §5.2: 401 when the client tried HTTP authentication; otherwise 400, as Better
    // Auth answers.
    let refuse = |d: &'static str| -> super::errors::Failure {
        let mut e = OAuthError::invalid_client(d);
        if !p.basic {
            e.status = 400;
        }
        e.into()
    };
    let client = find(ctx.adapter.as_ref(), &p.client_id)
        .await?
        .filter(|c| !c.disabled)
        .ok_or_else(|| refuse("client not found"))?;
    if client.token_endpoint_auth_method == PRIVATE_KEY_JWT || p.assertion.is_some() {
        let Some(jwt) = p
            .assertion
            .as_deref()
            .filter(|_| client.token_endpoint_auth_method == PRIVATE_KEY_JWT)
        else {
            return Err(refuse(
                "this client must authenticate with private_key_jwt, and only it",
            ));
        };
        return match verify_assertion(ctx, &client, jwt).await? {
            true => Ok(client),
            false => Err(refuse("invalid client assertion")),
        };
    }
    match (&p.secret, client.is_public()) {
        (Some(_), true) => Err(refuse("a public client has no secret")),
        (None, false) => Err(refuse("missing required credentials")),
        (Some(secret), false) if !client.secret_is(secret) => {
            Err(refuse("invalid client credentials"))
        }
        // A client uses the method it registered (RFC 7591 §2), as Better Auth insists.
        (Some(_), false)
            if client.token_endpoint_auth_method == "client_secret_post" && p.basic =>
        {
            Err(refuse(
                "client registered for client_secret_post cannot use client_secret_basic",
            ))
        }
        (Some(_), false)
            if client.token_endpoint_auth_method == "client_secret_basic" && !p.basic =>
        {
            Err(refuse(
                "client registered for client_secret_basic cannot use client_secret_post",
            ))
        }
        _ => Ok(client),
    }
}

/// RFC 7523 §3: signed by one of the client's registered keys, `iss` and `sub` the client,
/// `aud` this server (its issuer or token endpoint), not expired, and its `jti` never seen
/// before (kept until the assertion's `exp`, so a replay within its life is refused).
async fn verify_assertion(ctx: &AuthContext, client: &Client, jwt: &str) -> Result<bool, ApiError> {
    use jsonwebtoken::{Algorithm, Validation};
    let Ok(header) = jsonwebtoken::decode_header(jwt) else {
        return Ok(false);
    };
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::EdDSA
    ) {
        return Ok(false);
    }
    let keys: Vec<Json> = client
        .jwks
        .as_deref()
        .and_then(|j| serde_json::from_str::<Json>(j).ok())
        .and_then(|j| j.get("keys").and_then(Json::as_array).cloned())
        .unwrap_or_default();
    let issuer = super::issuer(ctx);
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[issuer.clone(), format!("{issuer}/oauth2/token")]);
    validation.set_issuer(&[client.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.leeway = 30;
    let candidates = keys.iter().filter_map(Json::as_object).filter(|k| {
        header.kid.is_none() || k.get("kid").and_then(Json::as_str) == header.kid.as_deref()
    });
    let mut claims = None;
    for jwk in candidates {
        let Ok(key) = crate::jwt::keys::decoding_key(jwk) else {
            continue;
        };
        if let Ok(data) = jsonwebtoken::decode::<Map<String, Json>>(jwt, &key, &validation) {
            claims = Some(data.claims);
            break;
        }
    }
    let Some(claims) = claims else {
        return Ok(false);
    };
    let (Some(sub), Some(jti), Some(exp)) = (
        claims.get("sub").and_then(Json::as_str),
        claims.get("jti").and_then(Json::as_str),
        claims.get("exp").and_then(Json::as_i64),
    ) else {
        return Ok(false);
    };
    if sub != client.client_id || exp > ctx.now().timestamp() + 3600 {
        // An assertion meant to live longer than an hour is not a client authentication.
        return Ok(false);
    }
    // One use per jti: the row's insert is the claim (the identifier is unique per client).
    let identifier = portcullis_core::verification::identifier(
        "oidc-jti:",
        &format!("{}:{jti}", client.client_id),
    );
    let store = ctx.adapter.as_ref();
    if portcullis_core::verification::find(ctx, store, &identifier)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let until = DateTime::<Utc>::from_timestamp(exp, 0).unwrap_or_else(|| ctx.now());
    portcullis_core::verification::create_until(ctx, store, &identifier, "", until).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_registered_must_be_safe() {
        assert!(valid_redirect_uri("https://app.example.com/cb", false));
        assert!(valid_redirect_uri("http://127.0.0.1:8080/cb", false));
        assert!(!valid_redirect_uri("http://app.example.com/cb", false));
        assert!(!valid_redirect_uri("https://app.example.com/cb#x", false));
        assert!(!valid_redirect_uri("javascript:alert(1)", true));
        assert!(valid_redirect_uri("com.example.app:/cb", true));
        assert!(!valid_redirect_uri("com.example.app:/cb", false));
        assert!(!valid_redirect_uri("/relative", false));
    }

    fn client(uris: &[&str]) -> Client {
        let mut row = Row::new();
        row.insert("id".into(), "r".into());
        row.insert("clientId".into(), "c".into());
        row.insert(
            "redirectUris".into(),
            json_strings(&uris.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()),
        );
        Client::from_row(&row).expect("a client row")
    }

    #[test]
    fn redirect_uri_matching_is_exact_except_a_loopback_port() {
        let c = client(&["https://app.example.com/cb", "http://127.0.0.1/native"]);
        assert!(c.redirect_uri_matches("https://app.example.com/cb"));
        assert!(!c.redirect_uri_matches("https://app.example.com/cb/"));
        assert!(!c.redirect_uri_matches("https://app.example.com/cb?x=1"));
        assert!(!c.redirect_uri_matches("https://evil.example.com/cb"));
        assert!(c.redirect_uri_matches("http://127.0.0.1:53412/native"));
        assert!(!c.redirect_uri_matches("http://127.0.0.1:53412/other"));
        assert!(c.is_public(), "no secret stored: public");
    }

    #[test]
    fn comma_lists_of_older_rows_are_read() {
        assert_eq!(
            strings(Some(&Value::String("https://a/cb, https://b/cb".into()))),
            Some(vec!["https://a/cb".to_owned(), "https://b/cb".to_owned()])
        );
        assert_eq!(
            strings(Some(&Value::String("[\"x\"]".into()))),
            Some(vec!["x".to_owned()])
        );
    }
}
