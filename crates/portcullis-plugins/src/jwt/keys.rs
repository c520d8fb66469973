//! Signing keys: generated with RustCrypto, kept as JWKs in Better Auth's `jwks` table format,
//! and turned into `jsonwebtoken` keys for signing.
//!
//! A row holds the public JWK as JSON text (without `kid` or `alg`) and the private JWK as
//! JSON text encrypted with the server secret (`symmetric::seal`), itself stored as a JSON
//! string (`"<hex>"`), exactly as Better Auth writes it. Rows written by Better Auth with
//! `disablePrivateKeyEncryption` (a bare JWK object) are read too.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use portcullis_core::crypto::symmetric::{self, SealingKeys};
use rand::rngs::OsRng;
use serde_json::{Map, Value, json};

/// The signing algorithms offered: Better Auth's default and the three common alternatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// Ed25519 (Better Auth's default).
    EdDsa,
    /// ECDSA over P-256 with SHA-256.
    Es256,
    /// RSA 2048, PKCS #1 v1.5 with SHA-256.
    Rs256,
    /// RSA 2048, PSS with SHA-256.
    Ps256,
}

impl KeyAlgorithm {
    pub const ALL: [KeyAlgorithm; 4] = [Self::EdDsa, Self::Es256, Self::Rs256, Self::Ps256];

    pub fn name(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    pub fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::EdDsa => jsonwebtoken::Algorithm::EdDSA,
            Self::Es256 => jsonwebtoken::Algorithm::ES256,
            Self::Rs256 => jsonwebtoken::Algorithm::RS256,
            Self::Ps256 => jsonwebtoken::Algorithm::PS256,
        }
    }

    /// The curve Better Auth records in the row's `crv` column.
    pub fn curve(self) -> Option<&'static str> {
        match self {
            Self::EdDsa => Some("Ed25519"),
            Self::Es256 => Some("P-256"),
            Self::Rs256 | Self::Ps256 => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the private key does not decrypt: {0} (was BETTER_AUTH_SECRET changed?)")]
    Decrypt(#[from] symmetric::SymmetricError),
    #[error("the stored key is not a JWK this server can use: {0}")]
    Malformed(String),
    #[error("could not encode the key: {0}")]
    Encode(String),
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn b64_field(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, KeyError> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| KeyError::Malformed(format!("`{name}` is missing")))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| KeyError::Malformed(format!("`{name}` is not base64url")))
}

/// A new key pair as JWK objects, in the member order `jose`'s `exportJWK` gives.
pub struct GeneratedKey {
    pub public_jwk: Map<String, Value>,
    pub private_jwk: Map<String, Value>,
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn generate(alg: KeyAlgorithm) -> Result<GeneratedKey, KeyError> {
    match alg {
        KeyAlgorithm::EdDsa => {
            let key = ed25519_dalek::SigningKey::generate(&mut OsRng);
            let x = b64(key.verifying_key().as_bytes());
            Ok(GeneratedKey {
                public_jwk: object(json!({"crv": "Ed25519", "x": x, "kty": "OKP"})),
                private_jwk: object(json!({
                    "crv": "Ed25519", "d": b64(&key.to_bytes()), "x": x, "kty": "OKP"
                })),
            })
        }
        KeyAlgorithm::Es256 => {
            let key = p256::SecretKey::random(&mut OsRng);
            let private: Value = serde_json::from_str(&key.to_jwk_string())
                .map_err(|e| KeyError::Encode(e.to_string()))?;
            let mut public = object(private.clone());
            public.remove("d");
            Ok(GeneratedKey {
                public_jwk: public,
                private_jwk: object(private),
            })
        }
        KeyAlgorithm::Rs256 | KeyAlgorithm::Ps256 => {
            use rsa::traits::{PrivateKeyParts, PublicKeyParts};
            let key = rsa::RsaPrivateKey::new(&mut OsRng, 2048)
                .map_err(|e| KeyError::Encode(e.to_string()))?;
            let n = b64(&key.n().to_bytes_be());
            let e = b64(&key.e().to_bytes_be());
            let [p, q] = match key.primes() {
                [p, q] => [p, q],
                _ => return Err(KeyError::Encode("expected two primes".into())),
            };
            let part = |v: Option<&rsa::BigUint>| v.map(|v| b64(&v.to_bytes_be()));
            let qi = key.crt_coefficient().map(|v| b64(&v.to_bytes_be()));
            Ok(GeneratedKey {
                public_jwk: object(json!({"kty": "RSA", "n": n, "e": e})),
                private_jwk: object(json!({
                    "kty": "RSA", "n": n, "e": e,
                    "d": b64(&key.d().to_bytes_be()),
                    "p": b64(&p.to_bytes_be()), "q": b64(&q.to_bytes_be()),
                    "dp": part(key.dp()), "dq": part(key.dq()), "qi": qi,
                })),
            })
        }
    }
}

/// The stored form of a private JWK: encrypted, as a JSON string.
pub fn seal_private(keys: SealingKeys<'_>, private_jwk: &Map<String, Value>) -> String {
    let plain = Value::Object(private_jwk.clone()).to_string();
    Value::String(symmetric::seal(keys, &plain)).to_string()
}

/// The private JWK a row's `privateKey` holds.
pub fn open_private(keys: SealingKeys<'_>, stored: &str) -> Result<Map<String, Value>, KeyError> {
    let stored = stored.trim();
    let plain = if stored.starts_with('{') {
        stored.to_owned()
    } else {
        let hex: String = serde_json::from_str(stored)
            .map_err(|_| KeyError::Malformed("privateKey is neither a JWK nor a string".into()))?;
        symmetric::open(keys, &hex)?
    };
    match serde_json::from_str(&plain) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(KeyError::Malformed(
            "the private key is not a JSON object".into(),
        )),
    }
}

/// The key `jsonwebtoken` signs with, from a private JWK.
pub fn encoding_key(
    alg: KeyAlgorithm,
    private_jwk: &Map<String, Value>,
) -> Result<EncodingKey, KeyError> {
    let kty = private_jwk.get("kty").and_then(Value::as_str).unwrap_or("");
    match (alg, kty) {
        (KeyAlgorithm::EdDsa, "OKP") => {
            use ed25519_dalek::pkcs8::EncodePrivateKey;
            let seed: [u8; 32] = b64_field(private_jwk, "d")?
                .try_into()
                .map_err(|_| KeyError::Malformed("`d` is not 32 bytes".into()))?;
            let der = ed25519_dalek::SigningKey::from_bytes(&seed)
                .to_pkcs8_der()
                .map_err(|e| KeyError::Encode(e.to_string()))?;
            Ok(EncodingKey::from_ed_der(der.as_bytes()))
        }
        (KeyAlgorithm::Es256, "EC") => {
            use p256::pkcs8::EncodePrivateKey;
            let text = Value::Object(private_jwk.clone()).to_string();
            let key = p256::SecretKey::from_jwk_str(&text)
                .map_err(|_| KeyError::Malformed("not a P-256 private key".into()))?;
            let der = key
                .to_pkcs8_der()
                .map_err(|e| KeyError::Encode(e.to_string()))?;
            Ok(EncodingKey::from_ec_der(der.as_bytes()))
        }
        (KeyAlgorithm::Rs256 | KeyAlgorithm::Ps256, "RSA") => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            let int =
                |name: &str| b64_field(private_jwk, name).map(|b| rsa::BigUint::from_bytes_be(&b));
            let key = rsa::RsaPrivateKey::from_components(
                int("n")?,
                int("e")?,
                int("d")?,
                vec![int("p")?, int("q")?],
            )
            .map_err(|_| KeyError::Malformed("not a consistent RSA private key".into()))?;
            let der = key
                .to_pkcs1_der()
                .map_err(|e| KeyError::Encode(e.to_string()))?;
            Ok(EncodingKey::from_rsa_der(der.as_bytes()))
        }
        _ => Err(KeyError::Malformed(format!(
            "a `{kty}` key cannot sign {}",
            alg.name()
        ))),
    }
}

/// The key that checks signatures, from a public JWK (what a verifier builds from the JWKS).
pub fn decoding_key(public_jwk: &Map<String, Value>) -> Result<DecodingKey, KeyError> {
    let field = |name: &str| {
        public_jwk
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| KeyError::Malformed(format!("`{name}` is missing")))
    };
    let bad = |e: jsonwebtoken::errors::Error| KeyError::Malformed(e.to_string());
    match public_jwk.get("kty").and_then(Value::as_str) {
        Some("OKP") => DecodingKey::from_ed_components(field("x")?).map_err(bad),
        Some("EC") => DecodingKey::from_ec_components(field("x")?, field("y")?).map_err(bad),
        Some("RSA") => DecodingKey::from_rsa_components(field("n")?, field("e")?).map_err(bad),
        other => Err(KeyError::Malformed(format!("unknown key type {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"better-auth-secret-12345678901234567890";

    fn sign_and_verify(alg: KeyAlgorithm, generated: &GeneratedKey) {
        let stored = seal_private(SealingKeys::Single(SECRET), &generated.private_jwk);
        assert!(stored.starts_with('"'), "stored as a JSON string: {stored}");
        let private = open_private(SealingKeys::Single(SECRET), &stored).expect("opens");
        let encoding = encoding_key(alg, &private).expect("encoding key");
        let mut header = jsonwebtoken::Header::new(alg.jwt());
        header.kid = Some("k1".into());
        let claims = json!({"sub": "u1", "exp": 4_000_000_000u64});
        let token = jsonwebtoken::encode(&header, &claims, &encoding).expect("signs");
        let decoding = decoding_key(&generated.public_jwk).expect("decoding key");
        let mut v = jsonwebtoken::Validation::new(alg.jwt());
        v.validate_aud = false;
        let data = jsonwebtoken::decode::<Value>(&token, &decoding, &v).expect("verifies");
        assert_eq!(data.claims["sub"], "u1");
        // Another key of the same kind does not verify it.
        let other = generate(alg).expect("generates");
        let other = decoding_key(&other.public_jwk).expect("decoding key");
        assert!(jsonwebtoken::decode::<Value>(&token, &other, &v).is_err());
    }

    #[test]
    fn every_algorithm_generates_signs_and_verifies() {
        for alg in KeyAlgorithm::ALL {
            let generated = generate(alg).expect("generates");
            assert!(
                !generated.public_jwk.contains_key("d"),
                "{alg:?} public has no d"
            );
            sign_and_verify(alg, &generated);
        }
    }

    #[test]
    fn reads_a_key_better_auth_stored() {
        // RFC 8037's example key, in the member order jose exports (the compatibility check
        // in tests/compat signs with a key Better Auth itself generated and encrypted).
        let private = json!({
            "crv": "Ed25519",
            "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "kty": "OKP"
        });
        let stored = seal_private(SealingKeys::Single(SECRET), &object(private.clone()));
        assert_eq!(
            Value::Object(open_private(SealingKeys::Single(SECRET), &stored).unwrap()),
            private
        );
        // Unencrypted rows (disablePrivateKeyEncryption) are read as they are.
        assert_eq!(
            Value::Object(open_private(SealingKeys::Single(SECRET), &private.to_string()).unwrap()),
            private
        );
        assert!(matches!(
            open_private(SealingKeys::Single(b"another secret"), &stored),
            Err(KeyError::Decrypt(_))
        ));
        // The seed signs for exactly this public key.
        let public = object(json!({"crv": "Ed25519", "x": private["x"], "kty": "OKP"}));
        sign_and_verify(
            KeyAlgorithm::EdDsa,
            &GeneratedKey {
                public_jwk: public,
                private_jwk: object(private),
            },
        );
    }

    #[test]
    fn a_key_of_another_kind_is_refused() {
        let ed = generate(KeyAlgorithm::EdDsa).unwrap();
        assert!(matches!(
            encoding_key(KeyAlgorithm::Rs256, &ed.private_jwk),
            Err(KeyError::Malformed(_))
        ));
    }
}
