//! Have I Been Pwned's Pwned Passwords range API, as Better Auth's `haveIBeenPwned` plugin
//! asks it: `GET <base>/range/<first 5 hex of the upper-case SHA-1>` with `Add-Padding: true`,
//! answered by `SUFFIX:COUNT` lines for every hash sharing the prefix (k-anonymity: only the
//! prefix leaves the server). Padding lines carry a count of 0 and never match a real
//! password. Neither the password nor more than the prefix of its hash is ever logged.

use std::time::Duration;

use url::Url;

use super::PasswordSha1;

/// The most a range answer may weigh. A real one is about 1,000 lines of 40 bytes (padded
/// answers vary between 800 and 1,000 lines); anything far larger is not a range answer.
const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    /// No answer: connection refused or reset, DNS, TLS, or the timeout.
    #[error("range API unreachable: {0}")]
    Unreachable(String),
    #[error("range API answered HTTP {0}")]
    Status(u16),
    #[error("range API answer larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("range API answer is not text")]
    NotText,
    /// The line for this suffix has a count that is not a plain non-negative integer.
    #[error("range API answer has a malformed count")]
    MalformedCount,
}

/// A client for one range API base URL.
pub struct RangeApi {
    client: reqwest::Client,
    /// `<base>/range/`, so that a request appends only the prefix.
    range_url: String,
}

impl RangeApi {
    pub fn new(base: &Url, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
            // The API never redirects; a redirect would be someone else answering.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let range_url = format!("{}/range/", base.as_str().trim_end_matches('/'));
        Ok(RangeApi { client, range_url })
    }

    /// How often the password with this SHA-1 appears in the corpus (0: never).
    pub async fn count(&self, sha1: &PasswordSha1) -> Result<u64, RangeError> {
        let hex = sha1.upper_hex();
        let (prefix, suffix) = hex.split_at(5);
        let mut res = self
            .client
            .get(format!("{}{prefix}", self.range_url))
            .header("Add-Padding", "true")
            .send()
            .await
            // The URL names the prefix: leave it out of anything that may be logged.
            .map_err(|e| RangeError::Unreachable(error_chain(&e.without_url())))?;
        let status = res.status();
        if !status.is_success() {
            return Err(RangeError::Status(status.as_u16()));
        }
        if res
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(RangeError::TooLarge);
        }
        let mut body = Vec::with_capacity(48 * 1024);
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| RangeError::Unreachable(error_chain(&e.without_url())))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(RangeError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let text = std::str::from_utf8(&body).map_err(|_| RangeError::NotText)?;
        count_in_range(text, suffix)
    }
}

/// The count on the first line of a range answer whose hash suffix is `suffix` (compared
/// without case), or 0 when no line has it. As Better Auth reads it: lines end in `\n` or
/// `\r\n`; lines for other suffixes are skipped whatever their shape; the count on the
/// matching line must be a plain decimal integer (no sign, no leading zero, at most 2^53 - 1),
/// or the answer is malformed.
pub fn count_in_range(body: &str, suffix: &str) -> Result<u64, RangeError> {
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some((line_suffix, count)) = line.split_once(':') else {
            continue;
        };
        if !line_suffix.eq_ignore_ascii_case(suffix) {
            continue;
        }
        return parse_count(count).ok_or(RangeError::MalformedCount);
    }
    Ok(0)
}

/// JavaScript's `Number.isSafeInteger(n) && n >= 0 && String(n) === text`.
fn parse_count(text: &str) -> Option<u64> {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse::<u64>().ok().filter(|n| *n <= MAX_SAFE_INTEGER)
}

/// An error with its causes, for the log (reqwest's own text stops at the first level).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUFFIX: &str = "1E4C9B93F3F0682250B6CF8331B7EE68FD8";

    #[test]
    fn finds_the_count_of_the_matching_suffix() {
        let body = format!(
            "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n{SUFFIX}:3861493\r\n011053FD0102E94D6AE2F8B83D76FAF94F6:1"
        );
        assert_eq!(count_in_range(&body, SUFFIX).ok(), Some(3_861_493));
        // Bare `\n` line ends, and a lower-case suffix in the answer.
        let body = format!("AAAA:1\n{}:12\n", SUFFIX.to_ascii_lowercase());
        assert_eq!(count_in_range(&body, SUFFIX).ok(), Some(12));
    }

    #[test]
    fn an_absent_suffix_counts_zero() {
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n011053FD0102E94D6AE2F8B83D76FAF94F6:4";
        assert_eq!(count_in_range(body, SUFFIX).ok(), Some(0));
        assert_eq!(count_in_range("", SUFFIX).ok(), Some(0));
    }

    #[test]
    fn padding_entries_count_zero() {
        // With Add-Padding, made-up suffixes come with a count of 0: even when one collides
        // with ours it means "not found".
        let body = format!("0000000000000000000000000000000000A:0\r\n{SUFFIX}:0\r\n");
        assert_eq!(count_in_range(&body, SUFFIX).ok(), Some(0));
    }

    #[test]
    fn malformed_lines_for_other_suffixes_are_skipped() {
        let body = format!("garbage\r\n:\r\nABC:not-a-number\r\n\r\n{SUFFIX}:7");
        assert_eq!(count_in_range(&body, SUFFIX).ok(), Some(7));
    }

    #[test]
    fn a_malformed_count_on_the_matching_line_is_an_error() {
        for count in [
            "",
            "-1",
            "+1",
            "01",
            "1.5",
            "1e3",
            " 1",
            "1 ",
            "abc",
            "9007199254740992",
        ] {
            let body = format!("{SUFFIX}:{count}");
            assert!(
                matches!(
                    count_in_range(&body, SUFFIX),
                    Err(RangeError::MalformedCount)
                ),
                "count {count:?} should be malformed"
            );
        }
        let body = format!("{SUFFIX}:9007199254740991");
        assert_eq!(
            count_in_range(&body, SUFFIX).ok(),
            Some(9_007_199_254_740_991)
        );
    }

    #[test]
    fn the_first_matching_line_wins() {
        let body = format!("{SUFFIX}:0\r\n{SUFFIX}:5");
        assert_eq!(count_in_range(&body, SUFFIX).ok(), Some(0));
    }

    #[test]
    fn a_suffix_is_matched_whole() {
        // A line whose hash merely starts with ours is another hash.
        let body = format!("{SUFFIX}0:9\r\n{}:9", &SUFFIX[..SUFFIX.len() - 1]);
        assert_eq!(count_in_range(&body, SUFFIX).ok(), Some(0));
    }
}
