//! JWT and JWKS parsing, wherever a token or a key set comes from outside:
//!
//! - `portcullis-client`: the key set it fetches (`/jwks`, every key read, the unusable skipped)
//!   and the bearer JWTs it verifies against it (`Authenticator::authenticate`);
//! - the jwt plugin: `Jwt::verify_own` (an `id_token_hint` given back), the `jwks` rows it
//!   stores and loads back (`StoredKey::jwk`, `keys::open_private`, `encoding_key`,
//!   `decoding_key`);
//! - social sign-in with `idToken` (`/sign-in/social`, `/link-social`) against a provider whose
//!   key set is served here, and the provider's own key-set fetch and ID-token check
//!   (`Provider::verify_id_token`) given any key set;
//! - the OpenID provider: `private_key_jwt` client assertions at `/oauth2/token`, and
//!   `id_token_hint` at `/oauth2/end-session`;
//! - e-mail verification tokens (`email_token::verify`, `/verify-email`).
//!
//! Tokens are built from the input (header, claims and signature each chosen or raw, then
//! possibly tampered with) and signed with fixed keys (RFC 8037's Ed25519 example key and an
//! RSA key below), so a seed that verified once verifies on every run. The key set a verifier
//! fetches is served from a loopback listener in this process.
//!
//! Fails on a panic, a 5xx, or a token accepted although its signature is not the real key's
//! over exactly its header and payload (alg `none`, HS256 keyed with a public key, a payload
//! changed after signing, a key set holding a symmetric key).
#![no_main]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue, Method};
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;
use portcullis_client::{Authenticator, Config as ClientConfig};
use portcullis_core::crypto::email_token;
use portcullis_core::crypto::symmetric::SealingKeys;
use portcullis_core::endpoint::Body;
use portcullis_fuzz::Engine;
use portcullis_plugins::jwt::key_ring::{StoredKey, TABLE as JWKS_TABLE};
use portcullis_plugins::jwt::keys::{self, KeyAlgorithm};
use portcullis_plugins::jwt::{Jwt, JwtSettings};
use portcullis_plugins::oauth::provider::{Provider, parse_id_token};
use portcullis_plugins::oauth::settings::{ClaimMap, Kind, ProviderSettings, TokenAuth};
use portcullis_plugins::oidc_provider::clients::NewClient;
use serde_json::{Map, Value, json};

const ORIGIN: &str = "http://localhost:3000";
/// The engine's secret (`portcullis_fuzz`): it signs e-mail verification tokens.
const SECRET: &str = "fuzz-secret-fuzz-secret-fuzz-secret-0123456789";
const ED_KID: &str = "fuzz-ed25519";
const RSA_KID: &str = "fuzz-rsa";
/// RFC 8037 A.1's Ed25519 key.
const ED_PRIVATE: &str = r#"{"crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kty":"OKP"}"#;
/// An RSA 2048 key made for this target (fixed, so RS256 signatures and the seeds stay valid).
const RSA_PRIVATE: &str = r#"{"kty":"RSA","n":"xS1PYJLbWK-RN7BlheU9RPKFIBkbu5FtKkiEfHK1wJ31sVMIy8QOjnXPkkd4pIxDcblRMQvdU0vEbUMTHre21wxBsYV_EK0nCoZDIFuCukeDwYdveqiPtAGH_SOMkU3Yajl8Ly7lw1uwYJXVaxjmk5vQNP-YeYrcEFBMrZL4yolaIVOx5FmmyTR_uX5x8GbmLjgU2uNq2NLkkie8xv-Nzns3TNAiA8HWxrP2jBpPD0sZzEuc4imblNvqLxV22lauNbPwx2ZRPHyTc3cbZ13xQWOe_VgV98yp2m7szrADTImhslCzENDIPuOQEAmrfNDdjhIWr8B_22n5kvb6TKfrWQ","e":"AQAB","d":"PzW-0B1ULxKdcaZdbXanVR6QGdGix9cfkWINAt49MOISnQWa-MPBzN6sq964qLuEdYUsp5X_nk_YSRSrIPpRJZB60N-Uc_KmZOPUyh88Ad6iONzjmoVGCDVDdJ28VuqHOcpy6qdUpfOTT-tIrxwc8u4M6aiUp0YiNSKg6jYHBtpARurk6ZJtnaTNWVso18aW1uE0KbtDJf01KY5sjXGaiJho081Xl7x1XyMm8d2Iv4QCVuKxdaLg3vJX0gpijtcGJj3uCsQq5e59XPJe-ryxd2evJrvU2aP6tigf161WpVUJfwc3rXdxSGubCYI8JWc9PfD-PSN3nq3DBGSMqrDGtw","p":"6ED9IPWqowoJMW8DzucETfl3X6__0dzAsT52h8903wnohbkm6uZ7Krh8EnNeJv119nRdvNcBudbTBlq-yg8tK5qAQbK_mPLKzrNspXA3Qgz3rJOeAbu_tLk-MACvLf02wjHUND7-KJ2G3XBcp2-dEBABiKUT4MR6bFOitpIwD3s","q":"2VY4MOvdYdmw1Ci7kW-vUNbP8DkGRwgX45dlnCza6jQlNOQ-g0mnMBjDnW-Qtzrt5-BEMHK5Tyvo99tax7UbOsKuIhxFOEoqNp0DKCUUidtOGvKA2GHjEtKfrO-rCPQo4THfVlnieq_rHCsiskIhD3pYa2kRlsikiFptfiiQ7js","dp":"AmRg9wzws_svew3cqS3h8nemThr-9IdkiK7PA7kUSBPPDEmK6BJ1pEwAIySDDL3BkEdEi-RfBS38QG2A143udiuCNKsFpCqkAhsA_Hc6ani9uE5Q602mvNLHnDD1nPCltrxSpjMb5QkyUWeN3L-ei4LOsTyaBs-fPyxhWaYJzq8","dq":"ptf4pR28wuyCQizO6XRKqw1tbiXousjsxewotf79Q8QqN_NsRg9ZyKOKMCdAellD37kbv_GibrPv0a7UfvF6aN6hHVCElxTgWTKqBLyKitYPnMJDxVlIH-APcow-yc3eQBqwMDMqmTLJk8NNjHkVtjMfA74SIaYAISkCW1I7CJc","qi":"fsfizZYGlwyJPGFmc_GCCynWqxHGKDHgqlcwYjjrEsSCkYqZRAiaAKOYrE80MqjPVvNCdGD2yYRe3wwvWoZ7iZ7LRYnNn0I-VlOjOLOhZKwdGsw_n9eYDw5vM8XTM32dYaxkeHQw1NBDOD8T-ZFpd4dw_hTncDSZXMP2EG3Xr_I"}"#;
const GOOGLE_CLIENT: &str = "fuzz-google-client";
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const PROVIDER_CLIENT: &str = "fuzz-provider-client";
const PROVIDER_ISSUER: &str = "https://issuer.example.com";
const NONCE: &str = "fuzz-nonce";
/// Social sign-in signs up (then in) this address: another user than the engine's own.
const SOCIAL_EMAIL: &str = "social@example.com";
const USER_EMAIL: &str = "fuzz@example.com";

// ---------------------------------------------------------------------------------------------
// The input: a byte stream read one choice at a time. Each read has a matching write, so the
// seeds are written as the values they mean (`write_seeds`) and decoded back to check.

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn choice(&mut self, n: u8) -> u8 {
        self.byte() % n
    }
    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    fn bytes(&mut self) -> Vec<u8> {
        let n = usize::from(self.byte()).min(self.0.len());
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        taken.to_vec()
    }
    fn text(&mut self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }
    fn int(&mut self) -> i64 {
        i64::from(i32::from_le_bytes([
            self.byte(),
            self.byte(),
            self.byte(),
            self.byte(),
        ]))
    }
    fn list<T>(&mut self, max: u8, item: impl Fn(&mut Self) -> T) -> Vec<T> {
        let n = self.choice(max + 1);
        (0..n).map(|_| item(self)).collect()
    }
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    fn flag(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }
    fn bytes(&mut self, b: &[u8]) {
        let n = u8::try_from(b.len()).expect("a seed field under 256 bytes");
        self.0.push(n);
        self.0.extend_from_slice(b);
    }
    fn text(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn int(&mut self, v: i64) {
        let v = i32::try_from(v).expect("a seed integer fits 32 bits");
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn list<T>(&mut self, items: &[T], item: impl Fn(&mut Self, &T)) {
        self.byte(u8::try_from(items.len()).expect("a short seed list"));
        for i in items {
            item(self, i);
        }
    }
}

/// Read and written the same way.
trait Wire: Sized {
    fn read(r: &mut Reader) -> Self;
    fn write(&self, w: &mut Writer);
}

#[derive(Debug, Clone, PartialEq)]
enum Leaf {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
    Object,
}

impl Wire for Leaf {
    fn read(r: &mut Reader) -> Self {
        match r.choice(6) {
            0 => Leaf::Null,
            1 => Leaf::Bool(r.flag()),
            2 => Leaf::Int(r.int()),
            3 => Leaf::Text(r.text()),
            4 => Leaf::List(r.list(3, Reader::text)),
            _ => Leaf::Object,
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            Leaf::Null => w.byte(0),
            Leaf::Bool(b) => {
                w.byte(1);
                w.flag(*b);
            }
            Leaf::Int(i) => {
                w.byte(2);
                w.int(*i);
            }
            Leaf::Text(s) => {
                w.byte(3);
                w.text(s);
            }
            Leaf::List(l) => {
                w.byte(4);
                w.list(l, |w, s| w.text(s));
            }
            Leaf::Object => w.byte(5),
        }
    }
}

impl Leaf {
    fn json(&self) -> Value {
        match self {
            Leaf::Null => Value::Null,
            Leaf::Bool(b) => (*b).into(),
            Leaf::Int(i) => (*i).into(),
            Leaf::Text(s) => s.clone().into(),
            Leaf::List(l) => l.clone().into(),
            Leaf::Object => json!({}),
        }
    }
}

/// A header's `alg` (or a JWK's).
#[derive(Debug, Clone, PartialEq)]
enum Alg {
    EdDsa,
    Rs256,
    Ps256,
    Es256,
    Hs256,
    NoneLower,
    NoneUpper,
    Other(String),
    Missing,
    NotText(Leaf),
}

impl Wire for Alg {
    fn read(r: &mut Reader) -> Self {
        match r.choice(10) {
            0 => Alg::EdDsa,
            1 => Alg::Rs256,
            2 => Alg::Ps256,
            3 => Alg::Es256,
            4 => Alg::Hs256,
            5 => Alg::NoneLower,
            6 => Alg::NoneUpper,
            7 => Alg::Other(r.text()),
            8 => Alg::Missing,
            _ => Alg::NotText(Leaf::read(r)),
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            Alg::EdDsa => w.byte(0),
            Alg::Rs256 => w.byte(1),
            Alg::Ps256 => w.byte(2),
            Alg::Es256 => w.byte(3),
            Alg::Hs256 => w.byte(4),
            Alg::NoneLower => w.byte(5),
            Alg::NoneUpper => w.byte(6),
            Alg::Other(s) => {
                w.byte(7);
                w.text(s);
            }
            Alg::Missing => w.byte(8),
            Alg::NotText(l) => {
                w.byte(9);
                l.write(w);
            }
        }
    }
}

impl Alg {
    fn json(&self) -> Option<Value> {
        Some(match self {
            Alg::EdDsa => "EdDSA".into(),
            Alg::Rs256 => "RS256".into(),
            Alg::Ps256 => "PS256".into(),
            Alg::Es256 => "ES256".into(),
            Alg::Hs256 => "HS256".into(),
            Alg::NoneLower => "none".into(),
            Alg::NoneUpper => "NONE".into(),
            Alg::Other(s) => s.clone().into(),
            Alg::Missing => return None,
            Alg::NotText(l) => l.json(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kid {
    Ed,
    Rsa,
    Other(String),
    Missing,
    NotText(Leaf),
}

impl Wire for Kid {
    fn read(r: &mut Reader) -> Self {
        match r.choice(5) {
            0 => Kid::Ed,
            1 => Kid::Rsa,
            2 => Kid::Other(r.text()),
            3 => Kid::Missing,
            _ => Kid::NotText(Leaf::read(r)),
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            Kid::Ed => w.byte(0),
            Kid::Rsa => w.byte(1),
            Kid::Other(s) => {
                w.byte(2);
                w.text(s);
            }
            Kid::Missing => w.byte(3),
            Kid::NotText(l) => {
                w.byte(4);
                l.write(w);
            }
        }
    }
}

impl Kid {
    fn json(&self) -> Option<Value> {
        Some(match self {
            Kid::Ed => ED_KID.into(),
            Kid::Rsa => RSA_KID.into(),
            Kid::Other(s) => s.clone().into(),
            Kid::Missing => return None,
            Kid::NotText(l) => l.json(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
struct HeaderSpec {
    alg: Alg,
    kid: Kid,
    typ: Option<String>,
    extra: Vec<(String, Leaf)>,
}

impl Wire for HeaderSpec {
    fn read(r: &mut Reader) -> Self {
        HeaderSpec {
            alg: Alg::read(r),
            kid: Kid::read(r),
            typ: r.flag().then(|| r.text()),
            extra: r.list(3, |r| (r.text(), Leaf::read(r))),
        }
    }
    fn write(&self, w: &mut Writer) {
        self.alg.write(w);
        self.kid.write(w);
        w.flag(self.typ.is_some());
        if let Some(t) = &self.typ {
            w.text(t);
        }
        w.list(&self.extra, |w, (k, v)| {
            w.text(k);
            v.write(w);
        });
    }
}

impl HeaderSpec {
    fn json(&self) -> Value {
        let mut m = Map::new();
        if let Some(a) = self.alg.json() {
            m.insert("alg".into(), a);
        }
        if let Some(k) = self.kid.json() {
            m.insert("kid".into(), k);
        }
        if let Some(t) = &self.typ {
            m.insert("typ".into(), t.clone().into());
        }
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.json());
        }
        Value::Object(m)
    }
}

const CLAIM_NAMES: [&str; 13] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "nbf",
    "iat",
    "email",
    "email_verified",
    "id",
    "name",
    "nonce",
    "jti",
    "updateTo",
];

#[derive(Debug, Clone, PartialEq)]
enum ClaimValue {
    /// What the verifier expects for this claim (its issuer, audience, subject...).
    Expected,
    /// Now plus this many seconds.
    Now(i64),
    Leaf(Leaf),
    /// The expected value and another, as a list (an `aud` with two audiences).
    ExpectedAndOther(String),
}

impl Wire for ClaimValue {
    fn read(r: &mut Reader) -> Self {
        match r.choice(4) {
            0 => ClaimValue::Expected,
            1 => ClaimValue::Now(r.int()),
            2 => ClaimValue::Leaf(Leaf::read(r)),
            _ => ClaimValue::ExpectedAndOther(r.text()),
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            ClaimValue::Expected => w.byte(0),
            ClaimValue::Now(i) => {
                w.byte(1);
                w.int(*i);
            }
            ClaimValue::Leaf(l) => {
                w.byte(2);
                l.write(w);
            }
            ClaimValue::ExpectedAndOther(s) => {
                w.byte(3);
                w.text(s);
            }
        }
    }
}

/// A claim: one of `CLAIM_NAMES` (by index) or another name.
#[derive(Debug, Clone, PartialEq)]
struct Claim {
    name: Result<u8, String>,
    value: ClaimValue,
}

impl Wire for Claim {
    fn read(r: &mut Reader) -> Self {
        let i = r.byte();
        let name = if usize::from(i) % (CLAIM_NAMES.len() + 1) == CLAIM_NAMES.len() {
            Err(r.text())
        } else {
            Ok(i % CLAIM_NAMES.len() as u8)
        };
        Claim {
            name,
            value: ClaimValue::read(r),
        }
    }
    fn write(&self, w: &mut Writer) {
        match &self.name {
            Ok(i) => w.byte(*i),
            Err(s) => {
                w.byte(CLAIM_NAMES.len() as u8);
                w.text(s);
            }
        }
        self.value.write(w);
    }
}

fn claim(name: &str, value: ClaimValue) -> Claim {
    let i = CLAIM_NAMES.iter().position(|n| *n == name);
    Claim {
        name: i.map(|i| i as u8).ok_or_else(|| name.to_owned()),
        value,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Part<T> {
    Built(T),
    Raw(Vec<u8>),
}

impl<T: Wire> Wire for Part<T> {
    fn read(r: &mut Reader) -> Self {
        if r.choice(4) == 3 {
            Part::Raw(r.bytes())
        } else {
            Part::Built(T::read(r))
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            Part::Built(t) => {
                w.byte(0);
                t.write(w);
            }
            Part::Raw(b) => {
                w.byte(3);
                w.bytes(b);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Claims(Vec<Claim>);

impl Wire for Claims {
    fn read(r: &mut Reader) -> Self {
        Claims(r.list(15, Claim::read))
    }
    fn write(&self, w: &mut Writer) {
        w.list(&self.0, |w, c| c.write(w));
    }
}

/// Which public key an HS256 signature is keyed with (the algorithm-confusion attack).
const PUBLIC_AS_SECRET: u8 = 5;

#[derive(Debug, Clone, PartialEq)]
enum Signer {
    Ed,
    Rs256,
    Ps256,
    /// HS256 with the server secret (what e-mail tokens are signed with).
    ServerSecret,
    /// HS256 keyed with a public key, in one of `PUBLIC_AS_SECRET` forms.
    PublicKey(u8),
    Hmac(Vec<u8>),
    Empty,
    Bytes(Vec<u8>),
}

impl Wire for Signer {
    fn read(r: &mut Reader) -> Self {
        match r.choice(8) {
            0 => Signer::Ed,
            1 => Signer::Rs256,
            2 => Signer::Ps256,
            3 => Signer::ServerSecret,
            4 => Signer::PublicKey(r.choice(PUBLIC_AS_SECRET)),
            5 => Signer::Hmac(r.bytes()),
            6 => Signer::Empty,
            _ => Signer::Bytes(r.bytes()),
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            Signer::Ed => w.byte(0),
            Signer::Rs256 => w.byte(1),
            Signer::Ps256 => w.byte(2),
            Signer::ServerSecret => w.byte(3),
            Signer::PublicKey(f) => {
                w.byte(4);
                w.byte(*f);
            }
            Signer::Hmac(b) => {
                w.byte(5);
                w.bytes(b);
            }
            Signer::Empty => w.byte(6),
            Signer::Bytes(b) => {
                w.byte(7);
                w.bytes(b);
            }
        }
    }
}

/// What is done to the token after it was signed.
#[derive(Debug, Clone, PartialEq)]
enum Tamper {
    None,
    Payload(Claims),
    RawPayload(Vec<u8>),
    /// The header rebuilt with another `alg` (a built header only).
    HeaderAlg(Alg),
    FlipBit(u8, u8),
    PadSignature,
    ExtraDot,
    Whitespace,
    Whole(String),
}

impl Wire for Tamper {
    fn read(r: &mut Reader) -> Self {
        match r.choice(9) {
            0 => Tamper::None,
            1 => Tamper::Payload(Claims::read(r)),
            2 => Tamper::RawPayload(r.bytes()),
            3 => Tamper::HeaderAlg(Alg::read(r)),
            4 => Tamper::FlipBit(r.byte(), r.byte()),
            5 => Tamper::PadSignature,
            6 => Tamper::ExtraDot,
            7 => Tamper::Whitespace,
            _ => Tamper::Whole(r.text()),
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            Tamper::None => w.byte(0),
            Tamper::Payload(c) => {
                w.byte(1);
                c.write(w);
            }
            Tamper::RawPayload(b) => {
                w.byte(2);
                w.bytes(b);
            }
            Tamper::HeaderAlg(a) => {
                w.byte(3);
                a.write(w);
            }
            Tamper::FlipBit(i, b) => {
                w.byte(4);
                w.byte(*i);
                w.byte(*b);
            }
            Tamper::PadSignature => w.byte(5),
            Tamper::ExtraDot => w.byte(6),
            Tamper::Whitespace => w.byte(7),
            Tamper::Whole(s) => {
                w.byte(8);
                w.text(s);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct TokenSpec {
    header: Part<HeaderSpec>,
    claims: Part<Claims>,
    signer: Signer,
    tamper: Tamper,
}

impl Wire for TokenSpec {
    fn read(r: &mut Reader) -> Self {
        TokenSpec {
            header: Part::read(r),
            claims: Part::read(r),
            signer: Signer::read(r),
            tamper: Tamper::read(r),
        }
    }
    fn write(&self, w: &mut Writer) {
        self.header.write(w);
        self.claims.write(w);
        self.signer.write(w);
        self.tamper.write(w);
    }
}

/// Who verifies the token.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Consumer {
    /// `portcullis-client` against the engine's key set.
    Client,
    /// `Jwt::verify_own`.
    VerifyOwn,
    /// `/oauth2/end-session?id_token_hint=`.
    EndSession,
    /// `/sign-in/social` with `idToken` (the "google" provider, its key set served here).
    SocialSignIn,
    /// `/link-social` with `idToken`, signed in.
    LinkSocial,
    /// `/oauth2/token` with a `private_key_jwt` client's assertion.
    ClientAssertion,
    /// `email_token::verify`.
    EmailToken,
    /// `/verify-email?token=`.
    VerifyEmail,
    /// `Provider::verify_id_token` with whatever key set the input serves (key-set cases).
    Provider,
}

const CONSUMERS: [Consumer; 8] = [
    Consumer::Client,
    Consumer::VerifyOwn,
    Consumer::EndSession,
    Consumer::SocialSignIn,
    Consumer::LinkSocial,
    Consumer::ClientAssertion,
    Consumer::EmailToken,
    Consumer::VerifyEmail,
];

/// The JWK a key-set entry or a stored key starts from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum JwkBase {
    EdPublic,
    RsaPublic,
    EdPrivate,
    RsaPrivate,
    Empty,
}

const JWK_FIELDS: [&str; 17] = [
    "kty", "kid", "alg", "use", "key_ops", "crv", "x", "y", "n", "e", "d", "p", "q", "dp", "dq",
    "qi", "k",
];

#[derive(Debug, Clone, PartialEq)]
enum Edit {
    Remove,
    Leaf(Leaf),
    Base64(Vec<u8>),
    /// The same member of the real Ed25519 or RSA private key.
    FromReal(bool),
}

#[derive(Debug, Clone, PartialEq)]
struct JwkSpec {
    base: JwkBase,
    /// Member (index into `JWK_FIELDS`, or another name) and what becomes of it.
    edits: Vec<(Result<u8, String>, Edit)>,
}

impl Wire for JwkSpec {
    fn read(r: &mut Reader) -> Self {
        let base = match r.choice(5) {
            0 => JwkBase::EdPublic,
            1 => JwkBase::RsaPublic,
            2 => JwkBase::EdPrivate,
            3 => JwkBase::RsaPrivate,
            _ => JwkBase::Empty,
        };
        let edits = r.list(6, |r| {
            let i = r.byte();
            let field = if usize::from(i) % (JWK_FIELDS.len() + 1) == JWK_FIELDS.len() {
                Err(r.text())
            } else {
                Ok(i % JWK_FIELDS.len() as u8)
            };
            let edit = match r.choice(4) {
                0 => Edit::Remove,
                1 => Edit::Leaf(Leaf::read(r)),
                2 => Edit::Base64(r.bytes()),
                _ => Edit::FromReal(r.flag()),
            };
            (field, edit)
        });
        JwkSpec { base, edits }
    }
    fn write(&self, w: &mut Writer) {
        w.byte(match self.base {
            JwkBase::EdPublic => 0,
            JwkBase::RsaPublic => 1,
            JwkBase::EdPrivate => 2,
            JwkBase::RsaPrivate => 3,
            JwkBase::Empty => 4,
        });
        w.list(&self.edits, |w, (field, edit)| {
            match field {
                Ok(i) => w.byte(*i),
                Err(s) => {
                    w.byte(JWK_FIELDS.len() as u8);
                    w.text(s);
                }
            }
            match edit {
                Edit::Remove => w.byte(0),
                Edit::Leaf(l) => {
                    w.byte(1);
                    l.write(w);
                }
                Edit::Base64(b) => {
                    w.byte(2);
                    w.bytes(b);
                }
                Edit::FromReal(rsa) => {
                    w.byte(3);
                    w.flag(*rsa);
                }
            }
        });
    }
}

fn field_index(name: &str) -> Result<u8, String> {
    JWK_FIELDS
        .iter()
        .position(|f| *f == name)
        .map(|i| i as u8)
        .ok_or_else(|| name.to_owned())
}

#[derive(Debug, Clone, PartialEq)]
enum KeyEntry {
    Jwk(JwkSpec),
    /// A symmetric key: keyed with the token's own HMAC secret, or these bytes.
    Oct {
        kid: Kid,
        alg: Alg,
        secret: Option<Vec<u8>>,
    },
    Leaf(Leaf),
}

impl Wire for KeyEntry {
    fn read(r: &mut Reader) -> Self {
        match r.choice(3) {
            0 => KeyEntry::Jwk(JwkSpec::read(r)),
            1 => KeyEntry::Oct {
                kid: Kid::read(r),
                alg: Alg::read(r),
                secret: r.flag().then(|| r.bytes()),
            },
            _ => KeyEntry::Leaf(Leaf::read(r)),
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            KeyEntry::Jwk(j) => {
                w.byte(0);
                j.write(w);
            }
            KeyEntry::Oct { kid, alg, secret } => {
                w.byte(1);
                kid.write(w);
                alg.write(w);
                w.flag(secret.is_some());
                if let Some(s) = secret {
                    w.bytes(s);
                }
            }
            KeyEntry::Leaf(l) => {
                w.byte(2);
                l.write(w);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum KeySetDoc {
    Keys(Vec<KeyEntry>),
    KeysNotAList(Leaf),
    Raw(Vec<u8>),
}

impl Wire for KeySetDoc {
    fn read(r: &mut Reader) -> Self {
        match r.choice(4) {
            0 | 1 => KeySetDoc::Keys(r.list(4, KeyEntry::read)),
            2 => KeySetDoc::KeysNotAList(Leaf::read(r)),
            _ => KeySetDoc::Raw(r.bytes()),
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            KeySetDoc::Keys(k) => {
                w.byte(0);
                w.list(k, |w, e| e.write(w));
            }
            KeySetDoc::KeysNotAList(l) => {
                w.byte(2);
                l.write(w);
            }
            KeySetDoc::Raw(b) => {
                w.byte(3);
                w.bytes(b);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Case {
    /// A token against the real key set.
    Token { consumer: u8, token: TokenSpec },
    /// A key set served to the client (or to a provider), then a token checked against it.
    KeySet {
        provider: bool,
        doc: KeySetDoc,
        token: TokenSpec,
    },
    /// A `jwks` row as the jwt plugin reads it back.
    Stored {
        public: Part<JwkSpec>,
        private: Part<JwkSpec>,
        sealed: bool,
        alg: Option<String>,
        crv: Option<String>,
        algorithm: u8,
    },
}

impl Wire for Case {
    fn read(r: &mut Reader) -> Self {
        match r.choice(3) {
            0 => Case::Token {
                consumer: r.choice(CONSUMERS.len() as u8),
                token: TokenSpec::read(r),
            },
            1 => Case::KeySet {
                provider: r.flag(),
                doc: KeySetDoc::read(r),
                token: TokenSpec::read(r),
            },
            _ => Case::Stored {
                public: Part::read(r),
                private: Part::read(r),
                sealed: r.flag(),
                alg: r.flag().then(|| r.text()),
                crv: r.flag().then(|| r.text()),
                algorithm: r.choice(KeyAlgorithm::ALL.len() as u8),
            },
        }
    }
    fn write(&self, w: &mut Writer) {
        match self {
            Case::Token { consumer, token } => {
                w.byte(0);
                w.byte(*consumer);
                token.write(w);
            }
            Case::KeySet {
                provider,
                doc,
                token,
            } => {
                w.byte(1);
                w.flag(*provider);
                doc.write(w);
                token.write(w);
            }
            Case::Stored {
                public,
                private,
                sealed,
                alg,
                crv,
                algorithm,
            } => {
                w.byte(2);
                public.write(w);
                private.write(w);
                w.flag(*sealed);
                for o in [alg, crv] {
                    w.flag(o.is_some());
                    if let Some(s) = o {
                        w.text(s);
                    }
                }
                w.byte(*algorithm);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The fixture, made once per process.

struct Fixture {
    engine: Engine,
    ed_private: Map<String, Value>,
    rsa_private: Map<String, Value>,
    ed_key: EncodingKey,
    rsa_key: EncodingKey,
    /// The engine's `/jwks` answer, as served to the verifiers.
    real_jwks: Value,
    /// What the loopback listener serves, by path.
    served: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    client: Authenticator,
    /// A client that fetches the key set for every token (the key-set cases change it).
    fresh_client: Authenticator,
    provider: Provider,
    /// The `private_key_jwt` client registered with the real key set.
    oauth_client_id: String,
    jwt_settings: JwtSettings,
    jti: AtomicU64,
    /// Moves the provider's clock on, so that every key-set case fetches the key set again.
    provider_calls: AtomicU64,
}

fn body_json(body: &Body) -> Option<Value> {
    match body {
        Body::Json(v) => Some(v.clone()),
        Body::JsonBytes(b) => serde_json::from_slice(b).ok(),
        _ => None,
    }
}

fn object(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => panic!("a JWK constant"),
    }
}

/// A tiny HTTP/1.1 server on the loopback address: each path answers what `served` holds for
/// it, or 404. Connections are kept alive, as reqwest's pool expects.
fn serve(listener: TcpListener, served: Arc<Mutex<HashMap<String, Vec<u8>>>>) {
    for stream in listener.incoming().flatten() {
        let served = served.clone();
        std::thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            let Ok(read_half) = stream.try_clone() else {
                return;
            };
            let mut reader = BufReader::new(read_half);
            let mut stream = stream;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                let path = path.split('?').next().unwrap_or("").to_owned();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 {
                        return;
                    }
                    if h == "\r\n" || h == "\n" {
                        break;
                    }
                }
                let body = served
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&path)
                    .cloned();
                let (status, body) = match body {
                    Some(b) => ("200 OK", b),
                    None => ("404 Not Found", b"{}".to_vec()),
                };
                // One write: a head and a body sent apart wait out the peer's delayed ACK.
                let mut answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                answer.extend_from_slice(&body);
                if stream.write_all(&answer).is_err() {
                    return;
                }
            }
        });
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let served: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        {
            let served = served.clone();
            std::thread::spawn(move || serve(listener, served));
        }
        let ed_private = object(ED_PRIVATE);
        let rsa_private = object(RSA_PRIVATE);
        let real_jwks_url = format!("{base}/real/jwks");
        let unused = format!("{base}/unused");
        let env = [
            ("RATE_LIMIT_ENABLED", "false"),
            ("GOOGLE_CLIENT_ID", GOOGLE_CLIENT),
            ("GOOGLE_CLIENT_SECRET", "fuzz-google-secret"),
            ("GOOGLE_JWKS_URL", real_jwks_url.as_str()),
            // Nothing leaves this machine: every other endpoint is the listener's 404.
            ("GOOGLE_AUTHORIZATION_URL", unused.as_str()),
            ("GOOGLE_TOKEN_URL", unused.as_str()),
            ("GOOGLE_USERINFO_URL", unused.as_str()),
        ];
        let engine = Engine::build("jwt", &env, |engine| {
            // The fixed keys are in the table before anything signs, so the plugin never makes
            // a random one and the key set is the same on every run.
            let ctx = &engine.ctx;
            let now = Utc::now();
            for (kid, alg, crv, private) in [
                (ED_KID, "EdDSA", Some("Ed25519"), &ed_private),
                (RSA_KID, "RS256", None, &rsa_private),
            ] {
                let public: Map<String, Value> = private
                    .iter()
                    .filter(|(k, _)| matches!(k.as_str(), "kty" | "crv" | "x" | "n" | "e"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut row = portcullis_storage::Row::new();
                row.insert("id".into(), kid.into());
                row.insert("publicKey".into(), Value::Object(public).to_string().into());
                row.insert(
                    "privateKey".into(),
                    keys::seal_private(ctx.sealing_keys(), private).into(),
                );
                row.insert("createdAt".into(), now.into());
                row.insert("expiresAt".into(), portcullis_storage::Value::Null);
                row.insert("alg".into(), alg.into());
                row.insert(
                    "crv".into(),
                    crv.map_or(portcullis_storage::Value::Null, Into::into),
                );
                engine
                    .block_on(ctx.adapter.create(JWKS_TABLE, row))
                    .expect("a fixed signing key");
            }
        });
        let jwks = engine.send(Method::GET, "/jwks", "application/json", Vec::new(), false);
        assert_eq!(jwks.status, 200, "the engine's key set");
        let real_jwks = body_json(&jwks.body).expect("the key set is JSON");
        let kids: Vec<&str> = real_jwks["keys"]
            .as_array()
            .map(|k| k.iter().filter_map(|k| k["kid"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(kids.len(), 2, "only the fixed keys: {real_jwks}");
        served
            .lock()
            .expect("served")
            .insert("/real/jwks".into(), real_jwks.to_string().into_bytes());
        let ctx = &engine.ctx;
        let metadata = json!({
            "redirect_uris": ["https://app.example.com/callback"],
            "post_logout_redirect_uris": ["https://app.example.com/bye"],
            "token_endpoint_auth_method": "private_key_jwt",
            "grant_types": ["client_credentials"],
            "jwks": real_jwks,
            "enable_end_session": true,
        });
        let new_client = NewClient::from_metadata(&metadata, true).expect("client metadata");
        let (oauth_client, _) = engine
            .block_on(new_client.create(ctx, ctx.adapter.as_ref()))
            .expect("a private_key_jwt client");
        let client_config = |path: &str| {
            ClientConfig::new(base.clone())
                .base_path(path)
                .jwt_issuer(ORIGIN)
                .jwt_audience(ORIGIN)
        };
        let client = Authenticator::new(client_config("/real")).expect("client");
        let fresh_client = Authenticator::new(
            client_config("/fuzz")
                .jwks_max_age(std::time::Duration::ZERO)
                .jwks_refetch_interval(std::time::Duration::ZERO),
        )
        .expect("client");
        let url = |p: &str| url::Url::parse(&format!("{base}{p}")).expect("url");
        let provider = Provider::new(
            ProviderSettings {
                id: "fuzz".into(),
                label: "Fuzz".into(),
                kind: Kind::Oidc,
                client_id: PROVIDER_CLIENT.into(),
                client_secret: "fuzz-provider-secret".into(),
                discovery_url: None,
                issuer: Some(PROVIDER_ISSUER.into()),
                authorization_url: Some(url("/unused")),
                token_url: Some(url("/unused")),
                userinfo_url: None,
                jwks_url: Some(url("/fuzz/jwks")),
                emails_url: None,
                scopes: vec!["openid".into()],
                pkce: true,
                authorization_params: Vec::new(),
                claims: ClaimMap::default(),
                disable_sign_up: false,
                disable_implicit_sign_up: false,
                override_user_info: false,
                token_auth: TokenAuth::Post,
                form_post: false,
                signing_key: None,
                extra_audiences: Vec::new(),
                hashed_nonce: false,
                provider_logout: false,
                end_session_url: None,
                post_logout_redirect_uri: None,
                generic: true,
            },
            format!("{ORIGIN}/api/auth/callback/fuzz"),
        );
        let jwt_settings = ctx
            .plugin::<Jwt>()
            .expect("the jwt plugin")
            .settings()
            .clone();
        let ed_key = keys::encoding_key(KeyAlgorithm::EdDsa, &ed_private).expect("Ed25519 key");
        let rsa_key = keys::encoding_key(KeyAlgorithm::Rs256, &rsa_private).expect("RSA key");
        let fixture = Fixture {
            engine,
            ed_private,
            rsa_private,
            ed_key,
            rsa_key,
            real_jwks,
            served,
            client,
            fresh_client,
            provider,
            oauth_client_id: oauth_client.client_id,
            jwt_settings,
            jti: AtomicU64::new(0),
            provider_calls: AtomicU64::new(1),
        };
        if let Some(dir) = std::env::var_os("JWT_JWKS_WRITE_SEEDS") {
            write_seeds(&fixture, std::path::Path::new(&dir));
        }
        fixture
    })
}

// ---------------------------------------------------------------------------------------------
// Building a token.

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads base64url however it is padded, with or without trailing bits: two encodings of the
/// same signature are the same signature.
fn lenient_b64(text: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    LENIENT
        .decode(text.replace('+', "-").replace('/', "_"))
        .ok()
}

fn sign(input: &str, key: &EncodingKey, alg: Algorithm) -> Vec<u8> {
    jsonwebtoken::crypto::sign(input.as_bytes(), key, alg)
        .ok()
        .and_then(|s| lenient_b64(&s))
        .unwrap_or_default()
}

impl Fixture {
    fn expected(&self, consumer: Consumer, name: &str, now: i64) -> Value {
        let (iss, aud, sub, email): (&str, &str, &str, &str) = match consumer {
            Consumer::Client | Consumer::VerifyOwn | Consumer::EndSession => (
                ORIGIN,
                if consumer == Consumer::Client {
                    ORIGIN
                } else {
                    &self.oauth_client_id
                },
                "fuzz-user",
                USER_EMAIL,
            ),
            Consumer::SocialSignIn => (GOOGLE_ISSUER, GOOGLE_CLIENT, "google-user", SOCIAL_EMAIL),
            // Linking needs the signed-in user's address, and an account no one else holds.
            Consumer::LinkSocial => (GOOGLE_ISSUER, GOOGLE_CLIENT, "google-linked", USER_EMAIL),
            Consumer::Provider => (
                PROVIDER_ISSUER,
                PROVIDER_CLIENT,
                "provider-user",
                SOCIAL_EMAIL,
            ),
            Consumer::ClientAssertion => (
                &self.oauth_client_id,
                "http://localhost:3000/api/auth",
                &self.oauth_client_id,
                USER_EMAIL,
            ),
            Consumer::EmailToken | Consumer::VerifyEmail => (ORIGIN, ORIGIN, "", USER_EMAIL),
        };
        match name {
            "iss" => iss.into(),
            "aud" => aud.into(),
            "sub" | "id" => sub.into(),
            "email" => email.into(),
            "exp" => (now + 600).into(),
            "nbf" | "iat" => now.into(),
            "email_verified" => true.into(),
            "name" => "Fuzz".into(),
            "nonce" => NONCE.into(),
            // A fresh one each time: an assertion is refused the second time its jti is seen.
            "jti" => format!("jti-{}", self.jti.fetch_add(1, Ordering::Relaxed)).into(),
            _ => Value::Null,
        }
    }

    fn claims_json(&self, claims: &Claims, consumer: Consumer, now: i64) -> Value {
        let mut m = Map::new();
        for c in &claims.0 {
            let name = match &c.name {
                Ok(i) => CLAIM_NAMES[usize::from(*i)].to_owned(),
                Err(s) => s.clone(),
            };
            let value = match &c.value {
                ClaimValue::Expected => self.expected(consumer, &name, now),
                ClaimValue::Now(offset) => (now + offset).into(),
                ClaimValue::Leaf(l) => l.json(),
                ClaimValue::ExpectedAndOther(other) => {
                    json!([self.expected(consumer, &name, now), other])
                }
            };
            m.insert(name, value);
        }
        Value::Object(m)
    }

    /// The secret an HS256 signature is keyed with when a public key stands in for it.
    fn public_as_secret(&self, form: u8) -> Vec<u8> {
        let field = |m: &Map<String, Value>, k: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .and_then(lenient_b64)
                .unwrap_or_default()
        };
        match form % PUBLIC_AS_SECRET {
            0 => field(&self.ed_private, "x"),
            1 => self.real_jwks["keys"][0].to_string().into_bytes(),
            2 => self.real_jwks.to_string().into_bytes(),
            3 => field(&self.rsa_private, "n"),
            _ => self.ed_private["x"]
                .as_str()
                .unwrap_or_default()
                .as_bytes()
                .to_vec(),
        }
    }

    /// The compact token `spec` describes, for `consumer`, and the PS256 signatures made for
    /// it (randomised: only this record tells them apart from forgeries).
    fn token(&self, spec: &TokenSpec, consumer: Consumer) -> (String, Vec<(String, Vec<u8>)>) {
        let now = Utc::now().timestamp();
        let header_json = match &spec.header {
            Part::Built(h) => Some(h.json()),
            Part::Raw(_) => None,
        };
        let header = match (&spec.header, &header_json) {
            (_, Some(h)) => b64(h.to_string().as_bytes()),
            (Part::Raw(b), None) => b64(b),
            (Part::Built(h), None) => b64(h.json().to_string().as_bytes()),
        };
        let payload = match &spec.claims {
            Part::Built(c) => b64(self.claims_json(c, consumer, now).to_string().as_bytes()),
            Part::Raw(b) => b64(b),
        };
        let input = format!("{header}.{payload}");
        let mut made = Vec::new();
        let signature = match &spec.signer {
            Signer::Ed => sign(&input, &self.ed_key, Algorithm::EdDSA),
            Signer::Rs256 => sign(&input, &self.rsa_key, Algorithm::RS256),
            Signer::Ps256 => {
                let s = sign(&input, &self.rsa_key, Algorithm::PS256);
                made.push((input.clone(), s.clone()));
                s
            }
            Signer::ServerSecret => sign(
                &input,
                &EncodingKey::from_secret(SECRET.as_bytes()),
                Algorithm::HS256,
            ),
            Signer::PublicKey(form) => sign(
                &input,
                &EncodingKey::from_secret(&self.public_as_secret(*form)),
                Algorithm::HS256,
            ),
            Signer::Hmac(secret) => {
                sign(&input, &EncodingKey::from_secret(secret), Algorithm::HS256)
            }
            Signer::Empty => Vec::new(),
            Signer::Bytes(b) => b.clone(),
        };
        let (mut header, mut payload, mut signature) = (header, payload, b64(&signature));
        let mut token = None;
        match &spec.tamper {
            Tamper::None => {}
            Tamper::Payload(c) => {
                payload = b64(self.claims_json(c, consumer, now).to_string().as_bytes())
            }
            Tamper::RawPayload(b) => payload = b64(b),
            Tamper::HeaderAlg(alg) => {
                if let Some(Value::Object(mut h)) = header_json {
                    match alg.json() {
                        Some(a) => h.insert("alg".into(), a),
                        None => h.remove("alg"),
                    };
                    header = b64(Value::Object(h).to_string().as_bytes());
                }
            }
            Tamper::FlipBit(i, bit) => {
                let mut s = lenient_b64(&signature).unwrap_or_default();
                if !s.is_empty() {
                    let i = usize::from(*i) % s.len();
                    s[i] ^= 1 << (bit % 8);
                }
                signature = b64(&s);
            }
            Tamper::PadSignature => signature.push_str("=="),
            Tamper::ExtraDot => signature.push('.'),
            Tamper::Whitespace => header.insert(0, ' '),
            Tamper::Whole(s) => token = Some(s.clone()),
        }
        let token = token.unwrap_or_else(|| format!("{header}.{payload}.{signature}"));
        (token, made)
    }

    /// Whether `token` carries a real signature over exactly its header and payload: by one of
    /// `signers` (and, when `kid_must_match`, by the key its header names, if it names one).
    fn genuine(
        &self,
        token: &str,
        signers: &[Signer],
        kid_must_match: bool,
        made: &[(String, Vec<u8>)],
    ) -> bool {
        let parts: Vec<&str> = token.trim().split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return false;
        };
        let Some(signature) = lenient_b64(signature) else {
            return false;
        };
        let input = format!("{header}.{payload}");
        let kid = lenient_b64(header)
            .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
            .and_then(|h| h.get("kid").and_then(Value::as_str).map(str::to_owned));
        let named = |k: &str| !kid_must_match || kid.as_deref().is_none_or(|kid| kid == k);
        signers.iter().any(|s| match s {
            Signer::Ed => {
                named(ED_KID) && signature == sign(&input, &self.ed_key, Algorithm::EdDSA)
            }
            Signer::Rs256 => {
                named(RSA_KID)
                    && (signature == sign(&input, &self.rsa_key, Algorithm::RS256)
                        || made.iter().any(|(i, s)| *i == input && *s == signature))
            }
            Signer::ServerSecret => {
                signature
                    == sign(
                        &input,
                        &EncodingKey::from_secret(SECRET.as_bytes()),
                        Algorithm::HS256,
                    )
            }
            _ => false,
        })
    }

    /// The key-set document a case serves.
    fn key_set(&self, doc: &KeySetDoc, token: &TokenSpec) -> Vec<u8> {
        let entries = match doc {
            KeySetDoc::Raw(b) => return b.clone(),
            KeySetDoc::KeysNotAList(l) => {
                return json!({ "keys": l.json() }).to_string().into_bytes();
            }
            KeySetDoc::Keys(entries) => entries,
        };
        let keys: Vec<Value> = entries
            .iter()
            .map(|e| match e {
                KeyEntry::Jwk(spec) => Value::Object(self.jwk(spec)),
                KeyEntry::Oct { kid, alg, secret } => {
                    let secret = match (secret, &token.signer) {
                        (Some(s), _) => s.clone(),
                        (None, Signer::Hmac(s)) => s.clone(),
                        (None, Signer::PublicKey(f)) => self.public_as_secret(*f),
                        (None, _) => SECRET.as_bytes().to_vec(),
                    };
                    let mut m = Map::new();
                    m.insert("kty".into(), "oct".into());
                    m.insert("k".into(), b64(&secret).into());
                    if let Some(k) = kid.json() {
                        m.insert("kid".into(), k);
                    }
                    if let Some(a) = alg.json() {
                        m.insert("alg".into(), a);
                    }
                    Value::Object(m)
                }
                KeyEntry::Leaf(l) => l.json(),
            })
            .collect();
        json!({ "keys": keys }).to_string().into_bytes()
    }

    fn jwk(&self, spec: &JwkSpec) -> Map<String, Value> {
        let public = |private: &Map<String, Value>, kid: &str, alg: &str| {
            let mut m: Map<String, Value> = private
                .iter()
                .filter(|(k, _)| matches!(k.as_str(), "kty" | "crv" | "x" | "n" | "e"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            m.insert("kid".into(), kid.into());
            m.insert("alg".into(), alg.into());
            m
        };
        let mut m = match spec.base {
            JwkBase::EdPublic => public(&self.ed_private, ED_KID, "EdDSA"),
            JwkBase::RsaPublic => public(&self.rsa_private, RSA_KID, "RS256"),
            JwkBase::EdPrivate => self.ed_private.clone(),
            JwkBase::RsaPrivate => self.rsa_private.clone(),
            JwkBase::Empty => Map::new(),
        };
        for (field, edit) in &spec.edits {
            let name = match field {
                Ok(i) => JWK_FIELDS[usize::from(*i) % JWK_FIELDS.len()].to_owned(),
                Err(s) => s.clone(),
            };
            match edit {
                Edit::Remove => {
                    m.remove(&name);
                }
                Edit::Leaf(l) => {
                    m.insert(name, l.json());
                }
                Edit::Base64(b) => {
                    m.insert(name, b64(b).into());
                }
                Edit::FromReal(rsa) => {
                    let from = if *rsa {
                        &self.rsa_private
                    } else {
                        &self.ed_private
                    };
                    if let Some(v) = from.get(&name) {
                        m.insert(name, v.clone());
                    }
                }
            }
        }
        m
    }

    // -----------------------------------------------------------------------------------------
    // Verifying.

    /// Runs one case; answers whether a token was accepted (for the seeds' report).
    fn run(&self, case: &Case) -> bool {
        match case {
            Case::Token { consumer, token } => {
                let consumer = CONSUMERS[usize::from(*consumer) % CONSUMERS.len()];
                self.check_token(consumer, token)
            }
            Case::KeySet {
                provider,
                doc,
                token,
            } => self.check_key_set(*provider, doc, token),
            Case::Stored {
                public,
                private,
                sealed,
                alg,
                crv,
                algorithm,
            } => {
                self.check_stored(public, private, *sealed, alg, crv, *algorithm);
                false
            }
        }
    }

    fn authenticate(&self, client: &Authenticator, token: &str) -> bool {
        let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}")) else {
            return false;
        };
        let mut headers = HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, value);
        self.engine.block_on(client.authenticate(&headers)).is_ok()
    }

    fn check_token(&self, consumer: Consumer, spec: &TokenSpec) -> bool {
        let (token, made) = self.token(spec, consumer);
        let e = &self.engine;
        let form = |pairs: &[(&str, &str)]| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        };
        let accepted = match consumer {
            Consumer::Client => self.authenticate(&self.client, &token),
            Consumer::VerifyOwn => {
                let jwt = e.ctx.plugin::<Jwt>().expect("the jwt plugin");
                e.block_on(jwt.verify_own(&e.ctx, &token)).is_some()
            }
            Consumer::EmailToken => {
                email_token::verify(SECRET.as_bytes(), &token, Utc::now()).is_ok()
            }
            Consumer::EndSession | Consumer::VerifyEmail => {
                let path = match consumer {
                    Consumer::EndSession => {
                        format!("/oauth2/end-session?{}", form(&[("id_token_hint", &token)]))
                    }
                    _ => format!("/verify-email?{}", form(&[("token", &token)])),
                };
                let res = e.send(Method::GET, &path, "application/json", Vec::new(), false);
                assert!(res.status < 500, "{path} answered {}", res.status);
                match consumer {
                    // Every refusal is a redirect to the error page.
                    Consumer::EndSession => res
                        .headers
                        .iter()
                        .any(|(k, v)| k.eq_ignore_ascii_case("location") && !v.contains("error=")),
                    _ => body_json(&res.body).is_some_and(|v| v["status"] == json!(true)),
                }
            }
            Consumer::SocialSignIn | Consumer::LinkSocial => {
                let with_nonce = matches!(&spec.claims, Part::Built(c)
                    if c.0.iter().any(|c| c.name == Ok(10)));
                let mut id_token = json!({ "token": token });
                if with_nonce {
                    id_token["nonce"] = NONCE.into();
                }
                let body = json!({ "provider": "google", "idToken": id_token });
                let (path, signed_in) = match consumer {
                    Consumer::SocialSignIn => ("/sign-in/social", false),
                    _ => ("/link-social", true),
                };
                let res = e.send(
                    Method::POST,
                    path,
                    "application/json",
                    body.to_string().into_bytes(),
                    signed_in,
                );
                assert!(
                    res.status < 500,
                    "{path} answered {}: {:?}",
                    res.status,
                    res.body
                );
                res.status == 200
            }
            Consumer::ClientAssertion => {
                let body = form(&[
                    ("grant_type", "client_credentials"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &token),
                ]);
                let res = e.send(
                    Method::POST,
                    "/oauth2/token",
                    "application/x-www-form-urlencoded",
                    body.into_bytes(),
                    false,
                );
                assert!(res.status < 500, "/oauth2/token answered {}", res.status);
                res.status == 200
            }
            Consumer::Provider => unreachable!("key-set cases only"),
        };
        let signers: &[Signer] = match consumer {
            Consumer::EmailToken | Consumer::VerifyEmail => &[Signer::ServerSecret],
            _ => &[Signer::Ed, Signer::Rs256],
        };
        assert!(
            !accepted || self.genuine(&token, signers, true, &made),
            "{consumer:?} accepted a token the real key did not sign: {token}"
        );
        accepted
    }

    fn check_key_set(&self, provider: bool, doc: &KeySetDoc, spec: &TokenSpec) -> bool {
        let document = self.key_set(doc, spec);
        self.served
            .lock()
            .expect("served")
            .insert("/fuzz/jwks".into(), document);
        let consumer = if provider {
            Consumer::Provider
        } else {
            Consumer::Client
        };
        let (token, made) = self.token(spec, consumer);
        let accepted = if provider {
            // Two hours on per call: past the provider's cache of an hour, so it fetches.
            let calls = self.provider_calls.fetch_add(1, Ordering::Relaxed);
            let now: DateTime<Utc> =
                Utc::now() + chrono::Duration::hours(2 * i64::try_from(calls).unwrap_or(0));
            match parse_id_token(&token) {
                Some(t) => self
                    .engine
                    .block_on(self.provider.verify_id_token(&t, None, now))
                    .is_ok(),
                None => false,
            }
        } else {
            // A set that does not load leaves the client on the one before (the previous
            // case's, as a client keeps its last good set): the check below holds for any set,
            // but a finding through that path may need the case before it to reproduce.
            self.authenticate(&self.fresh_client, &token)
        };
        // Whatever keys the set lists, only the real private keys can have signed a token it
        // accepts: a symmetric key in a public key set must never verify anything.
        assert!(
            !accepted || self.genuine(&token, &[Signer::Ed, Signer::Rs256], false, &made),
            "{consumer:?} accepted, with this key set, a token the real key did not sign: {token}"
        );
        accepted
    }

    fn check_stored(
        &self,
        public: &Part<JwkSpec>,
        private: &Part<JwkSpec>,
        sealed: bool,
        alg: &Option<String>,
        crv: &Option<String>,
        algorithm: u8,
    ) {
        let text = |p: &Part<JwkSpec>| match p {
            Part::Built(spec) => Value::Object(self.jwk(spec)).to_string(),
            Part::Raw(b) => String::from_utf8_lossy(b).into_owned(),
        };
        let sealing = SealingKeys::Single(SECRET.as_bytes());
        let private_text = text(private);
        let stored_private = match (sealed, serde_json::from_str::<Value>(&private_text)) {
            (true, Ok(Value::Object(m))) => {
                let sealed = keys::seal_private(sealing, &m);
                let opened = keys::open_private(sealing, &sealed).expect("a sealed key opens");
                assert_eq!(opened, m, "a sealed key opens to itself");
                sealed
            }
            _ => private_text,
        };
        let row = StoredKey {
            id: "fuzz-stored".into(),
            public_key: text(public),
            private_key: stored_private,
            created_at: Utc::now(),
            expires_at: None,
            alg: alg.clone(),
            crv: crv.clone(),
        };
        // The key-set entry, as `/jwks` would publish it, and as a verifier reads it.
        if let Some(entry) = row.jwk(&self.jwt_settings) {
            if let Ok(jwk) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(entry.clone()) {
                let _ = jsonwebtoken::DecodingKey::from_jwk(&jwk);
            }
            if let Value::Object(m) = &entry {
                let _ = keys::decoding_key(m);
            }
        }
        let _ = row.algorithm(&self.jwt_settings);
        // The signing key, as the key ring loads it.
        let algorithm = KeyAlgorithm::ALL[usize::from(algorithm) % KeyAlgorithm::ALL.len()];
        if let Ok(m) = keys::open_private(sealing, &row.private_key)
            && let Ok(key) = keys::encoding_key(algorithm, &m)
        {
            let _ = jsonwebtoken::crypto::sign(b"fuzz", &key, algorithm.jwt());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Seeds: `JWT_JWKS_WRITE_SEEDS=<dir>` writes them (fuzz/README.md), each decoded back first.

fn valid_claims(names: &[&str]) -> Claims {
    Claims(
        names
            .iter()
            .map(|n| claim(n, ClaimValue::Expected))
            .collect(),
    )
}

fn header(alg: Alg, kid: Kid) -> Part<HeaderSpec> {
    Part::Built(HeaderSpec {
        alg,
        kid,
        typ: None,
        extra: Vec::new(),
    })
}

fn write_seeds(f: &Fixture, dir: &std::path::Path) {
    let client_claims = valid_claims(&["iat", "name", "email", "sub", "exp", "iss", "aud"]);
    let social_claims = valid_claims(&[
        "iss",
        "aud",
        "sub",
        "email",
        "email_verified",
        "name",
        "iat",
        "exp",
    ]);
    let assertion_claims = valid_claims(&["iss", "sub", "aud", "jti", "exp", "iat"]);
    let email_claims = valid_claims(&["email", "iat", "exp"]);
    let token = |alg, kid, claims: &Claims, signer, tamper| TokenSpec {
        header: header(alg, kid),
        claims: Part::Built(claims.clone()),
        signer,
        tamper,
    };
    let consumer = |c: Consumer| CONSUMERS.iter().position(|x| *x == c).unwrap_or(0) as u8;
    let on = |c: Consumer, t: TokenSpec| Case::Token {
        consumer: consumer(c),
        token: t,
    };
    let ed_valid = |claims: &Claims| token(Alg::EdDsa, Kid::Ed, claims, Signer::Ed, Tamper::None);
    let mut other_sub = client_claims.clone();
    other_sub.0[3] = claim("sub", ClaimValue::Leaf(Leaf::Text("admin".into())));
    let seeds: Vec<(&str, Case)> = vec![
        (
            "client-ed-valid",
            on(Consumer::Client, ed_valid(&client_claims)),
        ),
        (
            "client-rs256-valid",
            on(
                Consumer::Client,
                token(
                    Alg::Rs256,
                    Kid::Rsa,
                    &client_claims,
                    Signer::Rs256,
                    Tamper::None,
                ),
            ),
        ),
        (
            "client-alg-none",
            on(
                Consumer::Client,
                token(
                    Alg::NoneLower,
                    Kid::Ed,
                    &client_claims,
                    Signer::Empty,
                    Tamper::None,
                ),
            ),
        ),
        (
            "client-hs256-public-key",
            on(
                Consumer::Client,
                token(
                    Alg::Hs256,
                    Kid::Ed,
                    &client_claims,
                    Signer::PublicKey(1),
                    Tamper::None,
                ),
            ),
        ),
        (
            "client-changed-payload",
            on(
                Consumer::Client,
                token(
                    Alg::EdDsa,
                    Kid::Ed,
                    &client_claims,
                    Signer::Ed,
                    Tamper::Payload(other_sub),
                ),
            ),
        ),
        (
            "client-unknown-kid",
            on(
                Consumer::Client,
                token(
                    Alg::EdDsa,
                    Kid::Other("rotated-away".into()),
                    &client_claims,
                    Signer::Ed,
                    Tamper::None,
                ),
            ),
        ),
        (
            "client-expired",
            on(
                Consumer::Client,
                ed_valid(&Claims(
                    client_claims
                        .0
                        .iter()
                        .map(|c| match c.name {
                            Ok(3) => claim("exp", ClaimValue::Now(-3600)),
                            _ => c.clone(),
                        })
                        .collect(),
                )),
            ),
        ),
        (
            "verify-own-valid",
            on(Consumer::VerifyOwn, ed_valid(&client_claims)),
        ),
        (
            "verify-own-rs256-as-ps256",
            on(
                Consumer::VerifyOwn,
                token(
                    Alg::Ps256,
                    Kid::Rsa,
                    &client_claims,
                    Signer::Ps256,
                    Tamper::None,
                ),
            ),
        ),
        (
            "end-session-valid",
            on(Consumer::EndSession, ed_valid(&client_claims)),
        ),
        (
            "social-valid",
            on(Consumer::SocialSignIn, ed_valid(&social_claims)),
        ),
        (
            "social-alg-none",
            on(
                Consumer::SocialSignIn,
                token(
                    Alg::NoneLower,
                    Kid::Ed,
                    &social_claims,
                    Signer::Empty,
                    Tamper::None,
                ),
            ),
        ),
        (
            "social-hs256-public-key",
            on(
                Consumer::SocialSignIn,
                token(
                    Alg::Hs256,
                    Kid::Missing,
                    &social_claims,
                    Signer::PublicKey(0),
                    Tamper::None,
                ),
            ),
        ),
        (
            "link-social-valid",
            on(Consumer::LinkSocial, ed_valid(&social_claims)),
        ),
        (
            "assertion-valid",
            on(
                Consumer::ClientAssertion,
                token(
                    Alg::Rs256,
                    Kid::Rsa,
                    &assertion_claims,
                    Signer::Rs256,
                    Tamper::None,
                ),
            ),
        ),
        (
            "assertion-header-alg-changed",
            on(
                Consumer::ClientAssertion,
                token(
                    Alg::Rs256,
                    Kid::Missing,
                    &assertion_claims,
                    Signer::Rs256,
                    Tamper::HeaderAlg(Alg::Ps256),
                ),
            ),
        ),
        (
            "email-token-valid",
            on(
                Consumer::EmailToken,
                token(
                    Alg::Hs256,
                    Kid::Missing,
                    &email_claims,
                    Signer::ServerSecret,
                    Tamper::None,
                ),
            ),
        ),
        (
            "verify-email-valid",
            on(
                Consumer::VerifyEmail,
                token(
                    Alg::Hs256,
                    Kid::Missing,
                    &email_claims,
                    Signer::ServerSecret,
                    Tamper::None,
                ),
            ),
        ),
        (
            "verify-email-wrong-secret",
            on(
                Consumer::VerifyEmail,
                token(
                    Alg::Hs256,
                    Kid::Missing,
                    &email_claims,
                    Signer::Hmac(b"not-the-secret".to_vec()),
                    Tamper::None,
                ),
            ),
        ),
        (
            "key-set-client-valid",
            Case::KeySet {
                provider: false,
                doc: KeySetDoc::Keys(vec![KeyEntry::Jwk(JwkSpec {
                    base: JwkBase::EdPublic,
                    edits: Vec::new(),
                })]),
                token: ed_valid(&client_claims),
            },
        ),
        (
            "key-set-client-oct",
            Case::KeySet {
                provider: false,
                doc: KeySetDoc::Keys(vec![KeyEntry::Oct {
                    kid: Kid::Ed,
                    alg: Alg::Hs256,
                    secret: None,
                }]),
                token: token(
                    Alg::Hs256,
                    Kid::Ed,
                    &client_claims,
                    Signer::Hmac(b"shared".to_vec()),
                    Tamper::None,
                ),
            },
        ),
        (
            "key-set-client-rsa-no-alg",
            Case::KeySet {
                provider: false,
                doc: KeySetDoc::Keys(vec![
                    KeyEntry::Leaf(Leaf::Text("not a key".into())),
                    KeyEntry::Jwk(JwkSpec {
                        base: JwkBase::RsaPublic,
                        edits: vec![(field_index("alg"), Edit::Remove)],
                    }),
                ]),
                token: token(
                    Alg::Rs256,
                    Kid::Rsa,
                    &client_claims,
                    Signer::Rs256,
                    Tamper::None,
                ),
            },
        ),
        (
            "key-set-provider-valid",
            Case::KeySet {
                provider: true,
                doc: KeySetDoc::Keys(vec![KeyEntry::Jwk(JwkSpec {
                    base: JwkBase::EdPublic,
                    edits: Vec::new(),
                })]),
                token: ed_valid(&social_claims),
            },
        ),
        (
            "key-set-provider-oct",
            Case::KeySet {
                provider: true,
                doc: KeySetDoc::Keys(vec![KeyEntry::Oct {
                    kid: Kid::Missing,
                    alg: Alg::Hs256,
                    secret: None,
                }]),
                token: token(
                    Alg::Hs256,
                    Kid::Missing,
                    &social_claims,
                    Signer::Hmac(b"shared".to_vec()),
                    Tamper::None,
                ),
            },
        ),
        (
            "key-set-raw",
            Case::KeySet {
                provider: false,
                doc: KeySetDoc::Raw(br#"{"keys":[{"kty":"EC","crv":"P-256"}]}"#.to_vec()),
                token: ed_valid(&client_claims),
            },
        ),
        (
            "stored-ed",
            Case::Stored {
                public: Part::Built(JwkSpec {
                    base: JwkBase::EdPublic,
                    edits: vec![
                        (field_index("kid"), Edit::Remove),
                        (field_index("alg"), Edit::Remove),
                    ],
                }),
                private: Part::Built(JwkSpec {
                    base: JwkBase::EdPrivate,
                    edits: Vec::new(),
                }),
                sealed: true,
                alg: Some("EdDSA".into()),
                crv: Some("Ed25519".into()),
                algorithm: 0,
            },
        ),
        (
            "stored-rsa-unsealed",
            Case::Stored {
                public: Part::Built(JwkSpec {
                    base: JwkBase::RsaPublic,
                    edits: Vec::new(),
                }),
                private: Part::Built(JwkSpec {
                    base: JwkBase::RsaPrivate,
                    edits: vec![(field_index("q"), Edit::FromReal(false))],
                }),
                sealed: false,
                alg: Some("RS256".into()),
                crv: None,
                algorithm: 2,
            },
        ),
        (
            "stored-raw",
            Case::Stored {
                public: Part::Raw(b"[]".to_vec()),
                private: Part::Raw(b"\"00ff\"".to_vec()),
                sealed: false,
                alg: None,
                crv: None,
                algorithm: 1,
            },
        ),
    ];
    std::fs::create_dir_all(dir).expect("seed directory");
    for (name, case) in seeds {
        let mut w = Writer::default();
        case.write(&mut w);
        let back = Case::read(&mut Reader(&w.0));
        assert_eq!(back, case, "{name}: the seed decodes to what was written");
        let accepted = f.run(&case);
        eprintln!("seed {name}: {} bytes, accepted: {accepted}", w.0.len());
        std::fs::write(dir.join(name), &w.0).expect("seed file");
    }
}

fuzz_target!(|data: &[u8]| {
    let case = Case::read(&mut Reader(data));
    fixture().run(&case);
});
