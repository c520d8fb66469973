//! Running the service: the log (`LOG_LEVEL`, `LOG_FORMAT`), `/metrics` (`METRICS_ENABLED`,
//! `METRICS_TOKEN`) and the cleanup job (`CLEANUP_INTERVAL`, `CLEANUP_BATCH_SIZE`).

use super::{ConfigError, Secret, Sources, bad};

pub(super) struct Operations {
    pub(super) log_level: String,
    pub(super) log_json: bool,
    pub(super) metrics_tokens: Vec<Secret>,
    pub(super) cleanup_interval: u64,
    pub(super) cleanup_batch_size: usize,
    pub(super) metrics_enabled: bool,
}

pub(super) fn load(src: &Sources, production: bool) -> Result<Operations, ConfigError> {
    let log_level = src.string("LOG_LEVEL", "info");
    let log_json = match src.get("LOG_FORMAT") {
        None => production,
        Some("json") => true,
        Some("pretty" | "text") => false,
        Some(other) => {
            return Err(bad(
                "LOG_FORMAT",
                format!("must be json or pretty, got `{other}`"),
            ));
        }
    };

    // Comma-separated: every listed token is accepted, so a new one can be put in place in the
    // scraper before the old one is dropped (ASVS V2.10.1).
    let mut metrics_tokens = Vec::new();
    for t in src
        .get("METRICS_TOKEN")
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
    {
        if t.len() < 16 {
            return Err(bad(
                "METRICS_TOKEN",
                "must be at least 16 characters (each, when several are listed)",
            ));
        }
        if !t.chars().all(|c| c.is_ascii_graphic()) {
            return Err(bad(
                "METRICS_TOKEN",
                "must be printable ASCII without spaces (it is sent in a header)",
            ));
        }
        metrics_tokens.push(Secret::new(t.to_owned()));
    }
    let cleanup_interval: u64 =
        src.parse("CLEANUP_INTERVAL", 300, "a number of seconds (0 disables)")?;
    if cleanup_interval > 7 * 86_400 {
        return Err(bad("CLEANUP_INTERVAL", "must be at most 604800 (7 days)"));
    }
    let cleanup_batch_size: usize = src.parse("CLEANUP_BATCH_SIZE", 1000, "a positive integer")?;
    if !(1..=100_000).contains(&cleanup_batch_size) {
        return Err(bad("CLEANUP_BATCH_SIZE", "must be between 1 and 100000"));
    }

    Ok(Operations {
        log_level,
        log_json,
        metrics_tokens,
        cleanup_interval,
        cleanup_batch_size,
        metrics_enabled: src.flag("METRICS_ENABLED", true)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::load;

    #[test]
    fn metrics_and_cleanup_settings() {
        let c = load(&[]).expect("defaults");
        assert!(c.metrics_enabled);
        assert!(c.metrics_tokens.is_empty());
        assert_eq!(c.cleanup_interval, 300);
        assert_eq!(c.cleanup_batch_size, 1000);

        let c = load(&[
            ("METRICS_ENABLED", "false"),
            ("METRICS_TOKEN", "scrape-token-0123456789"),
            ("CLEANUP_INTERVAL", "0"),
            ("CLEANUP_BATCH_SIZE", "50"),
        ])
        .expect("ok");
        assert!(!c.metrics_enabled);
        assert_eq!(
            c.metrics_tokens
                .iter()
                .map(Secret::expose)
                .collect::<Vec<_>>(),
            ["scrape-token-0123456789"]
        );
        let rotating = load(&[(
            "METRICS_TOKEN",
            "new-scrape-token-0123456789, old-scrape-token-0123456789",
        )])
        .expect("two tokens");
        assert_eq!(rotating.metrics_tokens.len(), 2);
        let e = load(&[("METRICS_TOKEN", "a-long-enough-token-01,short")]).unwrap_err();
        assert_eq!(e.var, "METRICS_TOKEN");
        assert!(!format!("{c:?}").contains("scrape-token"), "token redacted");
        assert_eq!(c.cleanup_interval, 0);
        assert_eq!(c.cleanup_batch_size, 50);

        for (pairs, var) in [
            (&[("METRICS_TOKEN", "short")][..], "METRICS_TOKEN"),
            (
                &[("METRICS_TOKEN", "has a space in it 0123")][..],
                "METRICS_TOKEN",
            ),
            (&[("METRICS_ENABLED", "maybe")][..], "METRICS_ENABLED"),
            (&[("CLEANUP_INTERVAL", "-5")][..], "CLEANUP_INTERVAL"),
            (&[("CLEANUP_INTERVAL", "5m")][..], "CLEANUP_INTERVAL"),
            (&[("CLEANUP_INTERVAL", "999999999")][..], "CLEANUP_INTERVAL"),
            (&[("CLEANUP_BATCH_SIZE", "0")][..], "CLEANUP_BATCH_SIZE"),
            (
                &[("CLEANUP_BATCH_SIZE", "1000000")][..],
                "CLEANUP_BATCH_SIZE",
            ),
        ] {
            let e = load(pairs).expect_err(var);
            assert_eq!(e.var, var, "{e}");
        }
        let e = load(&[("CLEANUP_INTERVAL", "5m")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "CLEANUP_INTERVAL must be a number of seconds (0 disables), got `5m`"
        );
    }
}
