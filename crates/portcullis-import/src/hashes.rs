//! Other systems' password hashes, turned into the forms `crypto::password` verifies. Nothing
//! is rehashed here (there is no password to rehash with): each is verified in its own
//! algorithm at the next sign-in, which then stores the configured hash.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use portcullis_core::crypto::imported_hash::{self, FirebaseHashConfig, Pbkdf2Digest};
use serde_json::Value as Json;

/// A bcrypt hash (`$2a$`, `$2b$`, `$2y$`), as it is.
pub fn bcrypt(hash: &str) -> Result<String, String> {
    let hash = hash.trim();
    let prefixed = ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p));
    if prefixed && hash.len() == 60 {
        Ok(hash.to_owned())
    } else {
        Err("not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)".into())
    }
}

/// An argon2 PHC string (`$argon2id$v=19$…`), as it is.
pub fn argon2(hash: &str) -> Result<String, String> {
    let hash = hash.trim();
    if ["$argon2id$", "$argon2i$", "$argon2d$"]
        .iter()
        .any(|p| hash.starts_with(p))
    {
        Ok(hash.to_owned())
    } else {
        Err("not an argon2 PHC string".into())
    }
}

/// A hash whose format names itself: bcrypt, argon2, or Django's `pbkdf2_sha256$…`.
pub fn self_describing(hash: &str) -> Result<String, String> {
    let hash = hash.trim();
    if hash.starts_with("$2") {
        return bcrypt(hash);
    }
    if hash.starts_with("$argon2") {
        return argon2(hash);
    }
    if hash.starts_with("pbkdf2_") {
        return django_pbkdf2(hash);
    }
    Err("unknown password hash format".into())
}

/// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`: the salt is text, used as its
/// bytes.
pub fn django_pbkdf2(hash: &str) -> Result<String, String> {
    let parts: Vec<&str> = hash.split('$').collect();
    let [algorithm, iterations, salt, digest] = parts.as_slice() else {
        return Err("not a Django PBKDF2 hash (algorithm$iterations$salt$hash)".into());
    };
    let digest_kind = match *algorithm {
        "pbkdf2_sha256" => Pbkdf2Digest::Sha256,
        "pbkdf2_sha1" => Pbkdf2Digest::Sha1,
        other => return Err(format!("unsupported Django hasher `{other}`")),
    };
    let iterations: u32 = iterations
        .parse()
        .map_err(|_| "the iteration count is not a number".to_owned())?;
    let digest = STANDARD
        .decode(digest)
        .map_err(|_| "the hash is not base64".to_owned())?;
    pbkdf2(digest_kind, iterations, salt.as_bytes(), &digest)
}

fn pbkdf2(
    digest: Pbkdf2Digest,
    iterations: u32,
    salt: &[u8],
    hash: &[u8],
) -> Result<String, String> {
    // PHC strings carry 4 to 48 salt bytes and 10 to 64 hash bytes.
    if !(4..=48).contains(&salt.len()) || !(10..=64).contains(&hash.len()) {
        return Err("salt or hash of an unsupported length".into());
    }
    Ok(imported_hash::pbkdf2_phc(digest, iterations, salt, hash))
}

/// A Keycloak password credential: `secretData` and `credentialData` are JSON texts inside the
/// export's JSON.
pub fn keycloak(secret_data: &str, credential_data: &str) -> Result<String, String> {
    let secret: Json =
        serde_json::from_str(secret_data).map_err(|_| "secretData is not JSON".to_owned())?;
    let data: Json = serde_json::from_str(credential_data)
        .map_err(|_| "credentialData is not JSON".to_owned())?;
    let b64 = |field: &str| {
        secret[field]
            .as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .ok_or_else(|| format!("secretData.{field} is not base64"))
    };
    let (hash, salt) = (b64("value")?, b64("salt")?);
    let algorithm = data["algorithm"].as_str().unwrap_or("pbkdf2-sha256");
    let iterations = data["hashIterations"]
        .as_u64()
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| "credentialData.hashIterations is missing".to_owned())?;
    let digest = match algorithm {
        "pbkdf2" => Pbkdf2Digest::Sha1,
        "pbkdf2-sha256" => Pbkdf2Digest::Sha256,
        "pbkdf2-sha512" => Pbkdf2Digest::Sha512,
        "argon2" => return keycloak_argon2(&data, iterations, &salt, &hash),
        other => return Err(format!("unsupported Keycloak hash algorithm `{other}`")),
    };
    pbkdf2(digest, iterations, &salt, &hash)
}

/// Keycloak's argon2 credential, as a PHC string: its parameters are lists of strings under
/// `additionalParameters`.
fn keycloak_argon2(
    data: &Json,
    iterations: u32,
    salt: &[u8],
    hash: &[u8],
) -> Result<String, String> {
    let param = |name: &str, default: &str| -> String {
        data["additionalParameters"][name][0]
            .as_str()
            .unwrap_or(default)
            .to_owned()
    };
    let variant = match param("type", "id").as_str() {
        "id" => "argon2id",
        "i" => "argon2i",
        "d" => "argon2d",
        other => return Err(format!("unknown argon2 type `{other}`")),
    };
    let version = match param("version", "1.3").as_str() {
        "1.3" => 19,
        "1.0" => 16,
        other => return Err(format!("unknown argon2 version `{other}`")),
    };
    let memory: u32 = param("memory", "7168")
        .parse()
        .map_err(|_| "argon2 memory is not a number".to_owned())?;
    let parallelism: u32 = param("parallelism", "1")
        .parse()
        .map_err(|_| "argon2 parallelism is not a number".to_owned())?;
    Ok(format!(
        "${variant}$v={version}$m={memory},t={iterations},p={parallelism}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    ))
}

/// A Firebase user's `passwordHash` and `salt` (base64), with the project's parameters.
pub fn firebase(
    config: &FirebaseHashConfig,
    hash_b64: &str,
    salt_b64: &str,
) -> Result<String, String> {
    let hash = STANDARD
        .decode(hash_b64)
        .map_err(|_| "passwordHash is not base64".to_owned())?;
    let salt = STANDARD
        .decode(salt_b64)
        .map_err(|_| "salt is not base64".to_owned())?;
    Ok(imported_hash::firebase_scrypt(config, &salt, &hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_describing_hashes_are_recognised() {
        let bcrypt_hash = "$2a$10$4kFSJb54/8SLPJMt6hLvyelrL4pWg8l7H4tAVdDPbbfJ6P9SDtWHW";
        assert_eq!(self_describing(bcrypt_hash).as_deref(), Ok(bcrypt_hash));
        assert!(self_describing("e2e22690bdd42caae5af1bd42211b762").is_err());
        assert!(bcrypt("$2a$10$short").is_err());
        // "password" with the salt "seasalt" at 30000 iterations, as Django's hasher (and
        // Python's hashlib.pbkdf2_hmac) writes it.
        let django = "pbkdf2_sha256$30000$seasalt$+Y7WALRrRcrC/MMfgPBevuT7day6j7XitHiZzksoVJA=";
        let phc = self_describing(django).expect("django pbkdf2");
        assert!(phc.starts_with("$pbkdf2-sha256$i=30000,l=32$"), "{phc}");
        assert_eq!(imported_hash::verify("password", &phc), Some(true));
        assert_eq!(imported_hash::verify("passwore", &phc), Some(false));
    }

    #[test]
    fn keycloak_argon2_becomes_a_phc_string() {
        let data = r#"{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}"#;
        let secret = r#"{"value":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","salt":"AAAAAAAAAAAAAAAAAAAAAA==","additionalParameters":{}}"#;
        let phc = keycloak(secret, data).expect("argon2");
        assert!(phc.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{phc}");
        let unknown = r#"{"hashIterations":1,"algorithm":"sha1-custom"}"#;
        let err = keycloak(secret, unknown).expect_err("unknown algorithm");
        assert!(err.contains("sha1-custom"), "{err}");
    }
}
