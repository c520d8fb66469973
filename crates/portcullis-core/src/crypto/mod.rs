//! Cryptography built on RustCrypto: password hashing, random tokens, HMAC signing, encryption
//! at rest.

pub mod email_token;
pub mod hash_memory;
pub mod imported_hash;
pub mod password;
pub mod sign;
pub mod symmetric;
pub mod token;
