//! The WebAuthn ceremonies, done by `webauthn-rs-core` (the webauthn-rs project's ceremony
//! crate): challenges, client data, authenticator data, attestation, COSE keys and signatures
//! are all parsed and checked there. This module only moves values between that crate and
//! Better Auth's `passkey` rows and JSON.
//!
//! `webauthn-rs`'s high-level `Webauthn` cannot be used: it requires user verification for
//! every passkey, and `@better-auth/passkey` asks for it as `preferred` and accepts a credential
//! without it (a security key with no PIN). Portcullis does too, and counts such a sign-in as a
//! first factor only.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AttestationFormat, AuthenticationResult, AuthenticationState,
    AuthenticatorAttachment, COSEAlgorithm, COSEKey, Credential, CredentialID, ParsedAttestation,
    PublicKeyCredential, RegisterPublicKeyCredential, RegisteredExtensions, Registration,
    RegistrationState, UserVerificationPolicy,
};

use super::settings::PasskeySettings;

/// What the browser is told to wait for, in milliseconds (SimpleWebAuthn's default, which
/// Better Auth sends). The challenge itself lives five minutes.
pub const TIMEOUT_MS: u64 = 60_000;

/// SimpleWebAuthn's default algorithms, in its order: Ed25519, P-256, RSA PKCS#1 v1.5.
const ALGORITHMS: [COSEAlgorithm; 3] = [
    COSEAlgorithm::EDDSA,
    COSEAlgorithm::ES256,
    COSEAlgorithm::RS256,
];

/// Why a stored passkey row cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoredKeyError {
    #[error("credentialID is not base64url")]
    CredentialId,
    #[error("publicKey is not base64")]
    PublicKeyEncoding,
    #[error("publicKey is not a COSE key: {0}")]
    PublicKey(String),
}

/// A credential a registration has just proven, in the row's terms.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// base64url without padding, as SimpleWebAuthn writes `credentialID`.
    pub credential_id: String,
    /// base64 of the COSE key, as Better Auth writes `publicKey`.
    pub public_key: String,
    pub counter: u32,
    /// `multiDevice` when the authenticator may back the key up (BE flag), else `singleDevice`.
    pub device_type: &'static str,
    pub backed_up: bool,
    /// The authenticator model, as a UUID (all zeros when the authenticator keeps it private).
    pub aaguid: String,
}

/// One relying party, built once from the settings.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    core: WebauthnCore,
    pub rp_id: String,
    pub rp_name: String,
}

impl RelyingParty {
    pub fn new(settings: &PasskeySettings) -> Self {
        RelyingParty {
            core: WebauthnCore::new_unsafe_experts_only(
                &settings.rp_name,
                &settings.rp_id,
                settings.origins.clone(),
                Duration::from_millis(TIMEOUT_MS),
                Some(false),
                Some(false),
            ),
            rp_id: settings.rp_id.clone(),
            rp_name: settings.rp_name.clone(),
        }
    }

    /// A registration challenge (base64url) and the state that checks its answer.
    pub fn start_registration(
        &self,
        user_handle: &[u8],
        user_name: &str,
        display_name: &str,
        exclude: Vec<CredentialID>,
        attachment: Option<AuthenticatorAttachment>,
    ) -> Result<(String, RegistrationState), WebauthnError> {
        let builder = self
            .core
            .new_challenge_register_builder(user_handle, user_name, display_name)?
            .attestation(AttestationConveyancePreference::None)
            .user_verification_policy(UserVerificationPolicy::Preferred)
            .credential_algorithms(ALGORITHMS.to_vec())
            .exclude_credentials((!exclude.is_empty()).then_some(exclude))
            .authenticator_attachment(attachment);
        let (options, state) = self.core.generate_challenge_register(builder)?;
        Ok((encode_id(&options.public_key.challenge), state))
    }

    /// Checks a registration answer (`navigator.credentials.create()` as JSON) against its
    /// challenge: client data, origin, RP ID hash, user presence, attestation, algorithm.
    pub fn finish_registration(
        &self,
        response: &serde_json::Value,
        state: &RegistrationState,
    ) -> Result<NewCredential, RegistrationError> {
        let parsed: RegisterPublicKeyCredential = serde_json::from_value(response.clone())
            .map_err(|e| RegistrationError::Malformed(e.to_string()))?;
        let credential = self
            .core
            .register_credential(&parsed, state, None)
            .map_err(RegistrationError::Refused)?;
        // The COSE key exactly as the authenticator encoded it is what Better Auth stores; the
        // credential above holds it parsed, so it is read from the authenticator data again
        // (by the same crate's parser) and written back as CBOR.
        let (cose, aaguid) = attested_key(parsed.response.attestation_object.as_slice())
            .ok_or_else(|| RegistrationError::Malformed("no attested credential data".into()))?;
        Ok(NewCredential {
            credential_id: encode_id(&credential.cred_id),
            public_key: STANDARD.encode(cose),
            counter: credential.counter,
            device_type: if credential.backup_eligible {
                "multiDevice"
            } else {
                "singleDevice"
            },
            backed_up: credential.backup_state,
            aaguid: uuid_text(&aaguid),
        })
    }

    /// An authentication challenge (base64url) for any discoverable credential; the stored
    /// credential is chosen when the answer names it.
    pub fn start_authentication(&self) -> Result<(String, AuthenticationState), WebauthnError> {
        let builder = self.core.new_challenge_authenticate_builder(
            Vec::new(),
            Some(UserVerificationPolicy::Preferred),
        )?;
        let (options, state) = self.core.generate_challenge_authenticate(builder)?;
        Ok((encode_id(&options.public_key.challenge), state))
    }

    /// Checks an assertion against its challenge and the stored credential: client data,
    /// origin, RP ID hash, user presence, signature, and a counter that must move forward.
    pub fn finish_authentication(
        &self,
        response: &PublicKeyCredential,
        mut state: AuthenticationState,
        stored: Credential,
    ) -> Result<AuthenticationResult, WebauthnError> {
        state.set_allowed_credentials(vec![stored]);
        self.core.authenticate_credential(response, &state)
    }
}

/// Why a registration answer was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("malformed registration response: {0}")]
    Malformed(String),
    #[error("registration refused: {0:?}")]
    Refused(WebauthnError),
}

/// The credential's COSE key (as CBOR) and AAGUID from an attestation object.
fn attested_key(attestation_object: &[u8]) -> Option<(Vec<u8>, [u8; 16])> {
    let object: serde_cbor_2::Value = serde_cbor_2::from_slice(attestation_object).ok()?;
    let serde_cbor_2::Value::Map(entries) = object else {
        return None;
    };
    let auth_data = entries.iter().find_map(|(k, v)| match (k, v) {
        (serde_cbor_2::Value::Text(name), serde_cbor_2::Value::Bytes(bytes))
            if name == "authData" =>
        {
            Some(bytes)
        }
        _ => None,
    })?;
    let data = AuthenticatorData::<Registration>::try_from(auth_data.as_slice()).ok()?;
    let acd = data.acd?;
    let cose = serde_cbor_2::to_vec(&acd.credential_pk).ok()?;
    Some((cose, acd.aaguid))
}

/// A stored row's credential, for webauthn-rs: the COSE key decoded by the crate, the counter,
/// and the backup flags Better Auth recorded (`deviceType`, `backedUp`). User verification was
/// never required of it (Better Auth asks for it as preferred).
pub fn stored_credential(
    credential_id: &str,
    public_key: &str,
    counter: i64,
    device_type: &str,
    backed_up: bool,
) -> Result<Credential, StoredKeyError> {
    let id = decode_id(credential_id).ok_or(StoredKeyError::CredentialId)?;
    let key_bytes = decode_any_base64(public_key).ok_or(StoredKeyError::PublicKeyEncoding)?;
    let value: serde_cbor_2::Value = serde_cbor_2::from_slice(&key_bytes)
        .map_err(|e| StoredKeyError::PublicKey(e.to_string()))?;
    let key = COSEKey::try_from(&value).map_err(|e| StoredKeyError::PublicKey(format!("{e:?}")))?;
    Ok(Credential {
        cred_id: id.into(),
        cred: key,
        counter: u32::try_from(counter.max(0)).unwrap_or(u32::MAX),
        transports: None,
        user_verified: false,
        backup_eligible: device_type == "multiDevice",
        backup_state: backed_up,
        registration_policy: UserVerificationPolicy::Preferred,
        extensions: RegisteredExtensions::none(),
        attestation: ParsedAttestation::default(),
        attestation_format: AttestationFormat::None,
    })
}

/// base64url without padding.
pub fn encode_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A credential ID as clients send it: base64url, padded or not.
pub fn decode_id(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// base64 in either alphabet, padded or not (Better Auth writes standard with padding).
fn decode_any_base64(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed))
        .ok()
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, as SimpleWebAuthn writes an AAGUID.
fn uuid_text(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_aaguids_read_as_simplewebauthn_writes_them() {
        assert_eq!(decode_id("AQID"), Some(vec![1, 2, 3]));
        assert_eq!(decode_id("AQID="), Some(vec![1, 2, 3]));
        assert_eq!(decode_id("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_any_base64("+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_any_base64("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(uuid_text(&[0; 16]), "00000000-0000-0000-0000-000000000000");
        let mut b = [0u8; 16];
        b[0] = 0xea;
        b[15] = 0xd4;
        assert_eq!(uuid_text(&b), "ea000000-0000-0000-0000-0000000000d4");
    }

    #[test]
    fn a_row_that_is_not_a_cose_key_is_refused_not_panicked_on() {
        assert!(matches!(
            stored_credential("AQID", "not base64!", 0, "singleDevice", false),
            Err(StoredKeyError::PublicKeyEncoding)
        ));
        assert!(matches!(
            stored_credential("AQID", "AQID", 0, "singleDevice", false),
            Err(StoredKeyError::PublicKey(_))
        ));
        assert!(matches!(
            stored_credential("%%", "AQID", 0, "singleDevice", false),
            Err(StoredKeyError::CredentialId)
        ));
    }
}
