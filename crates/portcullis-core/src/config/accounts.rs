//! Accounts: the password rules (`PASSWORD_MIN_LENGTH`, `_MAX_LENGTH`), how passwords are
//! hashed (`PASSWORD_HASH`, `PASSWORD_HASH_CONCURRENCY`), and which account flows are on
//! (email and password, sign-up, required email verification, deletion).

use super::{ConfigError, Sources, bad};
use crate::crypto::password::HashAlgorithm;

pub(super) struct Accounts {
    pub(super) password_min_length: usize,
    pub(super) password_max_length: usize,
    pub(super) password_hash: HashAlgorithm,
    pub(super) password_hash_concurrency: usize,
    pub(super) require_email_verification: bool,
    pub(super) email_password_enabled: bool,
    pub(super) sign_up_enabled: bool,
    pub(super) delete_user_enabled: bool,
}

pub(super) fn load(src: &Sources) -> Result<Accounts, ConfigError> {
    let password_min_length: usize = src.parse("PASSWORD_MIN_LENGTH", 8, "a positive integer")?;
    let password_max_length: usize = src.parse("PASSWORD_MAX_LENGTH", 128, "a positive integer")?;
    if password_min_length == 0 || password_min_length > password_max_length {
        return Err(bad(
            "PASSWORD_MIN_LENGTH",
            "must be at least 1 and not above PASSWORD_MAX_LENGTH",
        ));
    }
    if password_max_length > 4096 {
        return Err(bad("PASSWORD_MAX_LENGTH", "must be at most 4096"));
    }
    let password_hash = match src.get("PASSWORD_HASH") {
        None => HashAlgorithm::Argon2id,
        Some(s) => HashAlgorithm::parse(s).ok_or_else(|| {
            bad(
                "PASSWORD_HASH",
                format!("must be argon2id or scrypt, got `{s}`"),
            )
        })?,
    };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let password_hash_concurrency: usize =
        src.parse("PASSWORD_HASH_CONCURRENCY", cores, "a positive integer")?;
    if password_hash_concurrency == 0 {
        return Err(bad("PASSWORD_HASH_CONCURRENCY", "must be at least 1"));
    }

    Ok(Accounts {
        password_min_length,
        password_max_length,
        password_hash,
        password_hash_concurrency,
        require_email_verification: src.flag("REQUIRE_EMAIL_VERIFICATION", false)?,
        email_password_enabled: src.flag("ENABLE_EMAIL_AUTH", true)?,
        sign_up_enabled: !src.flag("DISABLE_SIGN_UP", false)?,
        delete_user_enabled: src.flag("ENABLE_DELETE_USER", true)?,
    })
}
