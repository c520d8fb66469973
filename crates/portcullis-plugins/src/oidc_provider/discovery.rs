//! Provider metadata: OpenID Connect Discovery 1.0 and RFC 8414. Served at the issuer
//! (`{issuer}/.well-known/openid-configuration`, the base path) and, for clients that look at
//! the root, at `/.well-known/openid-configuration` and RFC 8414's
//! `/.well-known/oauth-authorization-server{base path}`.

use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::{ApiError, AuthContext};
use serde_json::{Value as Json, json};

use super::{issuer, plugin};

/// What a `private_key_jwt` assertion may be signed with (`clients::verify_assertion`).
const ASSERTION_ALGS: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];

pub fn metadata(ctx: &AuthContext) -> Json {
    let p = plugin(ctx);
    let iss = issuer(ctx);
    let jwt = ctx.plugin::<crate::jwt::Jwt>();
    let alg = jwt.map_or("EdDSA", |j| match j.settings().algorithm.jwt() {
        jsonwebtoken::Algorithm::ES256 => "ES256",
        jsonwebtoken::Algorithm::RS256 => "RS256",
        jsonwebtoken::Algorithm::PS256 => "PS256",
        _ => "EdDSA",
    });
    let jwks_path = jwt.map_or("/jwks", |j| j.settings().jwks_path.as_str());
    let mut grants = vec!["authorization_code", "refresh_token", "client_credentials"];
    let device = super::device_grant_offered(ctx);
    if device {
        grants.push(super::clients::GRANT_DEVICE_CODE);
    }
    let mut m = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": format!("{iss}/oauth2/token"),
        "userinfo_endpoint": format!("{iss}/oauth2/userinfo"),
        "jwks_uri": format!("{iss}{jwks_path}"),
        "introspection_endpoint": format!("{iss}/oauth2/introspect"),
        "revocation_endpoint": format!("{iss}/oauth2/revoke"),
        "end_session_endpoint": format!("{iss}/oauth2/end-session"),
        "scopes_supported": p.settings.scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": grants,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [alg],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid",
            "name", "given_name", "family_name", "picture", "preferred_username",
            "email", "email_verified"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": false,
    });
    if p.settings.dynamic_registration {
        m["registration_endpoint"] = format!("{iss}/oauth2/register").into();
    }
    if device {
        m["device_authorization_endpoint"] = format!("{iss}/device/code").into();
    }
    m
}

pub async fn openid_configuration(
    ctx: &AuthContext,
    _req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    Ok(AuthResponse::json(metadata(ctx)).header("cache-control", "public, max-age=300"))
}
