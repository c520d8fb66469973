//! The offline list: the most common breached passwords, compiled into the binary as a sorted
//! array of 8-byte keys (the first 8 bytes of each password's SHA-1), binary-searched.
//!
//! `data/breached/` holds the file, where it comes from and the script that regenerates it.
//! The array lives in the executable's read-only data, so it costs no heap: an idle process
//! maps it without reading it, and a lookup touches about 17 of its pages. With about 10^5
//! keys of 64 bits, an unrelated password matches one by chance with odds near 10^-14.

use super::PasswordSha1;

/// Bytes per key.
pub const KEY_BYTES: usize = 8;

static KEYS: &[u8] = include_bytes!("../../data/breached/passwords.bin");

const _: () = assert!(
    KEYS.len().is_multiple_of(KEY_BYTES),
    "passwords.bin holds whole keys"
);

fn keys() -> &'static [[u8; KEY_BYTES]] {
    // `as_chunks` leaves no remainder: the length is a multiple of the key size (above).
    KEYS.as_chunks::<KEY_BYTES>().0
}

/// The number of passwords on the list.
pub fn len() -> usize {
    keys().len()
}

/// Whether the password with this SHA-1 is on the list. Keys compare as byte arrays, which is
/// the order the regeneration script sorts them in (big-endian numbers).
pub fn contains(sha1: &PasswordSha1) -> bool {
    keys().binary_search(&sha1.list_key()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(password: &str) -> bool {
        contains(&PasswordSha1::of(password))
    }

    #[test]
    fn the_list_is_large_sorted_and_without_duplicates() {
        assert!(len() >= 100_000, "only {} passwords", len());
        // ~105k keys of 8 bytes: about 840 KB in the binary.
        assert!(KEYS.len() <= 1_000_000, "{} bytes", KEYS.len());
        assert!(
            keys().windows(2).all(|w| w[0] < w[1]),
            "keys must be strictly ascending"
        );
    }

    #[test]
    fn known_breached_passwords_are_found() {
        for password in [
            // The most common of all, in both sources.
            "123456",
            "password",
            "12345678",
            "qwerty123",
            // In both: the two the issue reported as accepted.
            "1qaz2wsx3edc",
            // From the Xato/SecLists top 100,000 only.
            "zxcvbzxcvb",
            "012345678910",
            // From Django's list (Pwned Passwords by count) only.
            "password123456",
            // Rank 100,000 of the Xato list: the last one taken.
            "070162",
        ] {
            assert!(listed(password), "{password} should be listed");
        }
    }

    #[test]
    fn matching_is_exact() {
        // As Have I Been Pwned: no case folding, no trimming.
        assert!(listed("password123456"));
        assert!(!listed("Password123456x"));
        assert!(!listed("password123456 "));
        assert!(!listed(" password123456"));
        // Rank 100,001 of the Xato list, past the cut.
        assert!(!listed("07012006"));
    }

    #[test]
    fn random_strings_are_not_found() {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        for _ in 0..2_000 {
            let len = rng.gen_range(8..=40);
            let candidate: String = (0..len)
                .map(|_| char::from(rng.gen_range(b'!'..=b'~')))
                .collect();
            assert!(!listed(&candidate), "{candidate} should not be listed");
        }
    }
}
