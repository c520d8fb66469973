//! `detectors`: the enterprise guide's security detectors, reading the audit events as they are
//! recorded (`Plugin::audit`, through the same seam as the audit log and webhooks):
//!
//! - `failure_burst_ip`: many failed sign-ins from one address in a window;
//! - `failure_burst_account`: many failed sign-ins against one account in a window;
//! - `many_accounts_from_ip`: many different accounts tried from one address in a window
//!   (credential stuffing; accounts counted by the hash of the identifier typed);
//! - `new_device`: a sign-in from a user agent none of the user's sessions had.
//!
//! Each detection is recorded as a `security.<detector>` audit event with a severity, counted
//! in `auth_security_detections_total{detector}`, and e-mailed (`email-security-alert.*`) to
//! the operator address when one is set, and to the user for an attack on their account.
//! Counts live in the secondary storage (Redis when configured, so shared by instances), each
//! key expiring with its window; a detector fires once per window, when its count reaches the
//! threshold.
//!
//! - `impossible_travel`, only with a MaxMind GeoIP City file (`GEOIP_DATABASE`, read at
//!   start-up, never fetched): two sign-ins of one user whose places are farther apart than
//!   `DETECT_TRAVEL_KMH` allows in the time between them.

use std::time::Duration;

use async_trait::async_trait;
use portcullis_core::audit::{self, AuditEvent, Outcome, Severity};
use portcullis_core::plugin_parts::{Messages, Sends, TemplateSource};
use portcullis_core::{ApiError, AuthContext, Config, ConfigError, Plugin};
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Store, Value};
use serde_json::json;

pub const ALERT_EMAIL: EmailTemplate = EmailTemplate::named("security-alert");

/// A count and its window: fires when `count` is reached within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    pub count: i64,
    pub window: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetectorSettings {
    pub ip_failures: Option<Threshold>,
    pub account_failures: Option<Threshold>,
    pub accounts_per_ip: Option<Threshold>,
    pub new_device: bool,
    /// Where every detection is e-mailed (`SECURITY_ALERT_EMAIL`).
    pub operator_email: Option<String>,
    /// Whether the user hears of an attack on their account.
    pub notify_user: bool,
    /// The most km/h a user may travel between sign-ins (with a GeoIP file).
    pub travel_kmh: f64,
}

/// `<count>/<seconds>`, or `off`.
fn threshold(
    src: &portcullis_core::config::TableSource<'_>,
    key: &str,
    var: &str,
    default: &str,
) -> Result<Option<Threshold>, ConfigError> {
    let (name, text) = src
        .get(key, Some(var))?
        .unwrap_or_else(|| (var.to_owned(), default.to_owned()));
    if text == "off" || text == "0" {
        return Ok(None);
    }
    let parsed = text.split_once('/').and_then(|(c, w)| {
        let count = c
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|c| (2..=100_000).contains(c))?;
        let secs = w
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=86_400).contains(s))?;
        Some(Threshold {
            count,
            window: Duration::from_secs(secs),
        })
    });
    parsed.map(Some).ok_or_else(|| {
        ConfigError::new(
            &name,
            "must be <count>/<seconds> (count 2 to 100000, at most a day) or off",
        )
    })
}

impl DetectorSettings {
    /// `None` unless `ENABLE_SECURITY_DETECTORS` is on.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("detectors");
        if !src.flag("enabled", Some("ENABLE_SECURITY_DETECTORS"), false)? {
            return Ok(None);
        }
        let operator_email = src
            .get("alert_email", Some("SECURITY_ALERT_EMAIL"))?
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty());
        if let Some(e) = &operator_email
            && !portcullis_core::validate::is_email(e)
        {
            return Err(ConfigError::new(
                "SECURITY_ALERT_EMAIL",
                "must be an e-mail address",
            ));
        }
        Ok(Some(DetectorSettings {
            ip_failures: threshold(&src, "ip_failures", "DETECT_IP_FAILURES", "20/600")?,
            account_failures: threshold(
                &src,
                "account_failures",
                "DETECT_ACCOUNT_FAILURES",
                "5/600",
            )?,
            accounts_per_ip: threshold(&src, "accounts_per_ip", "DETECT_ACCOUNTS_PER_IP", "5/600")?,
            new_device: src.flag("new_device", Some("DETECT_NEW_DEVICE"), true)?,
            operator_email,
            notify_user: src.flag("notify_user", Some("SECURITY_ALERT_NOTIFY_USER"), true)?,
            travel_kmh: src.parse(
                "travel_kmh",
                Some("DETECT_TRAVEL_KMH"),
                1000.0_f64,
                "a speed in km/h",
            )?,
        }))
    }
}

pub struct Detectors {
    settings: DetectorSettings,
    geoip: Option<maxminddb::Reader<Vec<u8>>>,
}

/// The part of a GeoIP City record read here.
#[derive(serde::Deserialize)]
struct City {
    location: Option<Location>,
}

#[derive(serde::Deserialize)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// Great-circle distance in km.
fn distance_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

/// `GEOIP_DATABASE`, opened at start-up: a bad file stops start-up, naming the variable.
pub fn load_geoip(config: &Config) -> Result<Option<maxminddb::Reader<Vec<u8>>>, ConfigError> {
    let Some(path) = config
        .sources
        .get("GEOIP_DATABASE")
        .filter(|p| !p.is_empty())
    else {
        return Ok(None);
    };
    maxminddb::Reader::open_readfile(path)
        .map(Some)
        .map_err(|e| ConfigError::new("GEOIP_DATABASE", format!("cannot be read: {e}")))
}

impl Detectors {
    pub fn new(settings: DetectorSettings, geoip: Option<maxminddb::Reader<Vec<u8>>>) -> Self {
        Detectors { settings, geoip }
    }

    /// Where an address is, by the GeoIP file.
    fn place(&self, ip: &str) -> Option<(f64, f64)> {
        let reader = self.geoip.as_ref()?;
        let ip: std::net::IpAddr = ip.parse().ok()?;
        let city: City = reader.lookup(ip).ok()?.decode().ok()??;
        let loc = city.location?;
        Some((loc.latitude?, loc.longitude?))
    }

    /// Compares this sign-in's place and time with the user's last, then keeps this one. Too
    /// fast: the summary, and its numbers for the alert's message (`km`, `hours`, `kmh`).
    async fn travelled_too_fast(
        &self,
        ctx: &AuthContext,
        user: &str,
        ip: &str,
    ) -> Option<(String, serde_json::Value)> {
        let here = self.place(ip)?;
        let now = ctx.now().timestamp();
        let key = format!("detect:last-place:{user}");
        let last = ctx.secondary.get(&key).await.ok().flatten();
        let value = format!("{},{},{now}", here.0, here.1);
        if let Err(e) = ctx
            .secondary
            .set(&key, &value, Some(Duration::from_secs(30 * 86_400)))
            .await
        {
            tracing::warn!(error = %e, "impossible-travel detector could not keep the place");
        }
        let last = last?;
        let mut parts = last.splitn(3, ',');
        let there = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
        let then: i64 = parts.next()?.parse().ok()?;
        let km = distance_km(there, here);
        // A minute at least: two sign-ins in the same second are not infinitely fast.
        let hours = ((now - then).max(60) as f64) / 3600.0;
        (km > 500.0 && km / hours > self.settings.travel_kmh).then(|| {
            let kmh = self.settings.travel_kmh;
            (
                format!(
                    "Two sign-ins {km:.0} km apart came {hours:.1} hours apart: faster than {kmh:.0} km/h."
                ),
                json!({
                    "km": format!("{km:.0}"),
                    "hours": format!("{hours:.1}"),
                    "kmh": format!("{kmh:.0}"),
                }),
            )
        })
    }

    /// Counts one more in `key` for the window: true once, when the count reaches the
    /// threshold. A storage error counts as nothing (logged): detection must not fail sign-ins.
    async fn reached(ctx: &AuthContext, key: &str, t: Threshold) -> bool {
        match ctx.secondary.incr(key, t.window).await {
            Ok(n) => n == t.count,
            Err(e) => {
                tracing::warn!(error = %e, "security detector count failed");
                false
            }
        }
    }

    /// Adds `member` to the set `key` for the window: true once, when it reaches the threshold.
    async fn reached_distinct(ctx: &AuthContext, key: &str, member: &str, t: Threshold) -> bool {
        let s = &ctx.secondary;
        let before = s.set_members(key).await.map(|m| m.len()).unwrap_or(0);
        if s.set_add(key, member, t.window).await.is_err() {
            return false;
        }
        let after = s.set_members(key).await.map(|m| m.len()).unwrap_or(0);
        let count = usize::try_from(t.count).unwrap_or(usize::MAX);
        before < count && after >= count
    }

    #[allow(clippy::too_many_arguments)]
    async fn detected(
        &self,
        ctx: &AuthContext,
        store: &dyn Store,
        detector: &'static str,
        severity: Severity,
        cause: &AuditEvent,
        summary: String,
        facts: serde_json::Value,
        user_email: Option<String>,
    ) -> Result<(), ApiError> {
        let action = match detector {
            "failure_burst_ip" => "security.failure_burst_ip",
            "failure_burst_account" => "security.failure_burst_account",
            "many_accounts_from_ip" => "security.many_accounts_from_ip",
            "impossible_travel" => "security.impossible_travel",
            _ => "security.new_device",
        };
        let mut e = AuditEvent::new(action)
            .severity(severity)
            .detail("detector", detector);
        e.ip_address = cause.ip_address.clone();
        e.user_agent = cause.user_agent.clone();
        e.target_user_id = cause.target_user_id.clone();
        e.session_id = cause.session_id.clone();
        audit::record(ctx, store, e).await?;
        ctx.metrics.security_detections.inc(&[detector]);
        tracing::warn!(event = action, ip = ?cause.ip_address, "security detection");
        // `title` and `summary` in English, for override templates; the embedded ones say them
        // in the recipient's language from `detector` and the summary's numbers (`facts`).
        let vars = |for_user: bool| {
            let mut v = json!({
                "detector": detector,
                "title": detector.replace('_', " "),
                "summary": summary,
                "when": portcullis_storage::value::iso(&ctx.now()),
                "ip": cause.ip_address,
                "account": user_email,
                "for_user": for_user,
            });
            if let (Some(map), Some(facts)) = (v.as_object_mut(), facts.as_object()) {
                map.extend(facts.clone());
            }
            v
        };
        if let Some(op) = &self.settings.operator_email {
            ctx.delivery.send_email(op, ALERT_EMAIL, vars(false));
        }
        if self.settings.notify_user
            && let Some(to) = &user_email
            && matches!(detector, "failure_burst_account" | "impossible_travel")
        {
            ctx.delivery.send_email(to, ALERT_EMAIL, vars(true));
        }
        Ok(())
    }
}

async fn email_of(ctx: &AuthContext, user_id: &str) -> Option<String> {
    portcullis_core::users::find_user(ctx, user_id)
        .await
        .ok()
        .flatten()
        .and_then(|u| u.get("email").and_then(Value::as_str).map(str::to_owned))
}

/// The refusals that are guesses at a credential: a password, a link, a code, a key.
const GUESSES: &[&str] = &[
    "user.sign_in",
    "two_factor.verify",
    "user.reset_password",
    "user.verify_email",
    "user.change_password",
];

#[async_trait]
impl Plugin for Detectors {
    fn id(&self) -> &'static str {
        "detectors"
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!(
                "src/detectors/templates",
                "email-security-alert.html"
            ),
            portcullis_core::template_source!(
                "src/detectors/templates",
                "email-security-alert.txt"
            ),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(ALERT_EMAIL)]
    }

    fn records_audit(&self) -> bool {
        true
    }

    /// Reads each sign-in event as it is recorded; its own `security.*` events pass through.
    async fn audit(
        &self,
        ctx: &AuthContext,
        store: &dyn Store,
        event: &AuditEvent,
    ) -> Result<(), ApiError> {
        let failed = event.outcome == Outcome::Failure;
        let watched = if failed {
            GUESSES.contains(&event.action)
        } else {
            event.action == "user.sign_in"
        };
        if !watched {
            return Ok(());
        }
        let s = &self.settings;
        let ip = event.ip_address.as_deref().unwrap_or("unknown");
        if failed {
            if let Some(t) = s.ip_failures
                && Self::reached(ctx, &format!("detect:ip-failures:{ip}"), t).await
            {
                let summary = format!(
                    "{} failed sign-ins came from {ip} within {} seconds.",
                    t.count,
                    t.window.as_secs()
                );
                self.detected(
                    ctx,
                    store,
                    "failure_burst_ip",
                    Severity::Warning,
                    event,
                    summary,
                    json!({"count": t.count, "seconds": t.window.as_secs()}),
                    None,
                )
                .await?;
            }
            // The account by id, else by the hashed address or number a code went to.
            let user = event.target_user_id.as_deref();
            let account = user.or_else(|| event.details.get("identifierHash")?.as_str());
            if let (Some(t), Some(account)) = (s.account_failures, account)
                && Self::reached(ctx, &format!("detect:account-failures:{account}"), t).await
            {
                let summary = format!(
                    "{} failed sign-ins or wrong codes were tried on the account within {} seconds.",
                    t.count,
                    t.window.as_secs()
                );
                let email = match user {
                    Some(user) => email_of(ctx, user).await,
                    None => None,
                };
                self.detected(
                    ctx,
                    store,
                    "failure_burst_account",
                    Severity::Warning,
                    event,
                    summary,
                    json!({"count": t.count, "seconds": t.window.as_secs()}),
                    email,
                )
                .await?;
            }
            if let (Some(t), Some(account)) = (
                s.accounts_per_ip,
                event.details.get("identifierHash").and_then(|v| v.as_str()),
            ) && Self::reached_distinct(ctx, &format!("detect:accounts:{ip}"), account, t).await
            {
                let summary = format!(
                    "{} different accounts were tried from {ip} within {} seconds.",
                    t.count,
                    t.window.as_secs()
                );
                self.detected(
                    ctx,
                    store,
                    "many_accounts_from_ip",
                    Severity::Critical,
                    event,
                    summary,
                    json!({"count": t.count, "seconds": t.window.as_secs()}),
                    None,
                )
                .await?;
            }
        } else {
            if s.new_device
                && event.details.get("newDevice").and_then(|v| v.as_bool()) == Some(true)
            {
                let summary =
                    "A sign-in came from a device (user agent) not seen on the account.".to_owned();
                self.detected(
                    ctx,
                    store,
                    "new_device",
                    Severity::Info,
                    event,
                    summary,
                    json!({}),
                    None,
                )
                .await?;
            }
            if let (Some(user), Some(ip)) =
                (event.target_user_id.as_deref(), event.ip_address.as_deref())
                && let Some((summary, facts)) = self.travelled_too_fast(ctx, user, ip).await
            {
                let email = email_of(ctx, user).await;
                self.detected(
                    ctx,
                    store,
                    "impossible_travel",
                    Severity::Critical,
                    event,
                    summary,
                    facts,
                    email,
                )
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_great_circle_km() {
        let london = (51.5142, -0.0931);
        let milton = (47.2513, -122.3149);
        let d = distance_km(london, milton);
        assert!((7600.0..7800.0).contains(&d), "{d}");
        assert!(distance_km(london, london) < 1e-6);
    }

    #[test]
    fn thresholds_parse_or_name_their_variable() {
        let cfg = |pairs: &[(&str, &str)]| crate::tests::config_of(pairs).expect("config");
        let on = [("ENABLE_SECURITY_DETECTORS", "true")];
        let s = DetectorSettings::load(&cfg(&on))
            .expect("load")
            .expect("on");
        assert_eq!(
            s.account_failures,
            Some(Threshold {
                count: 5,
                window: Duration::from_secs(600)
            })
        );
        let off = [
            ("ENABLE_SECURITY_DETECTORS", "true"),
            ("DETECT_IP_FAILURES", "off"),
        ];
        assert_eq!(
            DetectorSettings::load(&cfg(&off))
                .expect("load")
                .expect("on")
                .ip_failures,
            None
        );
        let bad = [
            ("ENABLE_SECURITY_DETECTORS", "true"),
            ("DETECT_ACCOUNTS_PER_IP", "1/x"),
        ];
        let e = DetectorSettings::load(&cfg(&bad)).unwrap_err();
        assert_eq!(e.var, "DETECT_ACCOUNTS_PER_IP");
        let missing = [("GEOIP_DATABASE", "/nonexistent/GeoIP.mmdb")];
        assert_eq!(
            load_geoip(&cfg(&missing)).unwrap_err().var,
            "GEOIP_DATABASE"
        );
    }
}
