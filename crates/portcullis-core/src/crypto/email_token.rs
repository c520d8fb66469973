//! Email-verification tokens: Better Auth's HS256 JWTs signed with the server secret, so a
//! link issued by either server verifies on the other. They need no database row.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailClaims {
    /// The address the token was issued for, lower-case.
    pub email: String,
    /// Change email: the new address.
    #[serde(rename = "updateTo", default, skip_serializing_if = "Option::is_none")]
    pub update_to: Option<String>,
    /// `change-email-confirmation` (sent to the old address) or `change-email-verification`.
    #[serde(
        rename = "requestType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_type: Option<String>,
    #[serde(rename = "userId", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("invalid token")]
    Invalid,
}

impl EmailClaims {
    /// Claims issued at `now` (the context's clock) for `expires_in` seconds.
    pub fn new(
        email: &str,
        user_id: &str,
        expires_in: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let now = now.timestamp();
        EmailClaims {
            email: email.to_lowercase(),
            update_to: None,
            request_type: None,
            user_id: Some(user_id.to_owned()),
            iat: now,
            exp: now + expires_in,
        }
    }
}

pub fn sign(secret: &[u8], claims: &EmailClaims) -> Result<String, TokenError> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|_| TokenError::Invalid)
}

/// Verifies the signature, then the expiry against `now` (the context's clock, so that tests can
/// move it; the crate's own check would read the system's).
pub fn verify(
    secret: &[u8],
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<EmailClaims, TokenError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.set_required_spec_claims(&["exp"]);
    let claims = jsonwebtoken::decode::<EmailClaims>(token, &DecodingKey::from_secret(secret), &v)
        .map(|d| d.claims)
        .map_err(|_| TokenError::Invalid)?;
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"email-token-test-secret-0123456789abcdef";

    #[test]
    fn round_trip_expiry_and_tampering() {
        let mut c = EmailClaims::new("A@Example.com", "u1", 60, chrono::Utc::now());
        c.update_to = Some("b@example.com".into());
        let t = sign(SECRET, &c).expect("sign");
        let back = verify(SECRET, &t, chrono::Utc::now()).expect("verify");
        assert_eq!(back.email, "a@example.com");
        assert_eq!(back.update_to.as_deref(), Some("b@example.com"));
        assert_eq!(
            verify(
                b"another-secret-another-secret-000000",
                &t,
                chrono::Utc::now()
            ),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            verify(SECRET, &format!("{t}x"), chrono::Utc::now()),
            Err(TokenError::Invalid)
        );
        let old = EmailClaims {
            iat: 1,
            exp: 2,
            ..EmailClaims::new("a@example.com", "u1", 60, chrono::Utc::now())
        };
        assert_eq!(
            verify(
                SECRET,
                &sign(SECRET, &old).expect("sign"),
                chrono::Utc::now()
            ),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn reads_better_auth_shaped_tokens() {
        // Header {"alg":"HS256"} without `typ`, as Better Auth's jose signs them.
        use base64::Engine as _;
        use hmac::Mac as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let exp = chrono::Utc::now().timestamp() + 600;
        let head = b64.encode(br#"{"alg":"HS256"}"#);
        let body = b64.encode(format!(
            r#"{{"email":"x@example.com","userId":"u9","iat":1,"exp":{exp}}}"#
        ));
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).expect("key");
        mac.update(format!("{head}.{body}").as_bytes());
        let sig = b64.encode(mac.finalize().into_bytes());
        let c =
            verify(SECRET, &format!("{head}.{body}.{sig}"), chrono::Utc::now()).expect("verify");
        assert_eq!(c.email, "x@example.com");
        assert_eq!(c.user_id.as_deref(), Some("u9"));
    }
}
