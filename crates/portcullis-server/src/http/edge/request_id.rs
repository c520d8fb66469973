//! Request ids: a proxy's well-formed `X-Request-Id` is kept (see `edge_request`), otherwise
//! one is made here; either way it is echoed on the response and names the log line.

use http::{HeaderName, HeaderValue};

pub(super) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id: a random prefix per process and a counter. Unique across instances without
/// asking the CSPRNG on every request; an id labels log lines, it is not a secret.
pub(super) fn new_request_id() -> HeaderValue {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| portcullis_core::crypto::token::generate_id(10));
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(6);
    let mut id = String::with_capacity(prefix.len() + 16);
    id.push_str(prefix);
    for i in (0..digits).rev() {
        let nibble = (n >> (i * 4)) & 0xf;
        id.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
    }
    // The prefix is an id (`[A-Za-z0-9]`) and the rest hex digits: always a valid value, taken
    // without a copy.
    HeaderValue::from_maybe_shared(bytes::Bytes::from(id))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid-request-id"))
}

#[cfg(test)]
mod tests {
    use super::new_request_id;

    #[test]
    fn request_ids_are_unique_and_pass_our_own_filter() {
        let ids: Vec<String> = (0..1000)
            .map(|_| new_request_id().to_str().expect("ascii").to_owned())
            .collect();
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        for id in &ids {
            assert!(id.len() >= 16 && id.len() <= 64, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        }
        assert_eq!(ids[0][..10], ids[999][..10], "one prefix per process");
    }
}
