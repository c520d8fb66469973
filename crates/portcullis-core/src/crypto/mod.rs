//! Cryptography built on RustCrypto: password hashing, random tokens, HMAC signing.

pub mod email_token;
pub mod hash_memory;
pub mod password;
pub mod sign;
pub mod token;
