//! Email and SMS delivery (`SMTP_*`, `RESEND_*`, `SENDGRID_*`, `TWILIO_*`, `SMS_WEBHOOK_*`,
//! `EMAIL_FROM_*`, `MAIL_*`): one mail provider and one SMS provider, else the outbox. Which
//! emails the account flows send is `email`.

use std::path::Path;
use std::time::Duration;

use portcullis_delivery::config::{Credential, SmtpTls};
use portcullis_delivery::{DeliveryConfig, MailBackend, SmsBackend};

use super::{ConfigError, Sources, bad};

/// A provider's API address. In production it must be https: the requests carry sign-in links
/// and codes (ASVS V2.5.1, V2.7.4); plain http stays possible for a local test double.
fn endpoint(
    src: &Sources,
    var: &str,
    default: &str,
    production: bool,
) -> Result<String, ConfigError> {
    let v = src.get(var).unwrap_or(default).trim_end_matches('/');
    let parsed = url::Url::parse(v).map_err(|_| bad(var, format!("must be a URL, got `{v}`")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if !production => {}
        "http" => {
            return Err(bad(
                var,
                "must be an https URL in production: it carries sign-in links and codes",
            ));
        }
        _ => return Err(bad(var, "must be an http(s) URL")),
    }
    Ok(v.to_owned())
}

fn credential(src: &Sources, var: &str) -> Option<Credential> {
    src.get(var).map(Credential::new)
}

pub(super) fn load(
    src: &Sources,
    data_dir: &Path,
    production: bool,
    globals: serde_json::Value,
) -> Result<DeliveryConfig, ConfigError> {
    let providers: Vec<&str> = ["SMTP_HOST", "RESEND_API_KEY", "SENDGRID_API_KEY"]
        .into_iter()
        .filter(|v| src.get(v).is_some())
        .collect();
    if providers.len() > 1 {
        return Err(bad(
            providers[1],
            format!(
                "is set together with {}: choose one mail provider",
                providers[0]
            ),
        ));
    }
    let mail = if let Some(host) = src.get("SMTP_HOST") {
        let port: u16 = src.parse("SMTP_PORT", 587, "a port number")?;
        // In production mail never falls back to clear text (ASVS V2.5.1, V2.7.4): on ports
        // other than 465 STARTTLS is required, and `opportunistic` and `none` are refused.
        let tls = match src.get("SMTP_TLS") {
            None if port == 465 => SmtpTls::Wrapper,
            None if port == 587 || production => SmtpTls::StartTls,
            None => SmtpTls::Opportunistic,
            Some("tls") => SmtpTls::Wrapper,
            Some("starttls") => SmtpTls::StartTls,
            Some(weak @ ("opportunistic" | "none")) if production => {
                return Err(bad(
                    "SMTP_TLS",
                    format!(
                        "cannot be {weak} in production: mail carries sign-in links; use tls or starttls"
                    ),
                ));
            }
            Some("opportunistic") => SmtpTls::Opportunistic,
            Some("none") => SmtpTls::None,
            Some(other) => {
                return Err(bad(
                    "SMTP_TLS",
                    format!("must be tls, starttls, opportunistic or none, got `{other}`"),
                ));
            }
        };
        let user = src.get("SMTP_USER").map(str::to_owned);
        let password = credential(src, "SMTP_PASSWORD");
        if user.is_some() != password.is_some() {
            return Err(bad(
                if user.is_some() {
                    "SMTP_PASSWORD"
                } else {
                    "SMTP_USER"
                },
                "must be set together with its pair (SMTP_USER and SMTP_PASSWORD)",
            ));
        }
        MailBackend::Smtp {
            host: host.to_owned(),
            port,
            user,
            password,
            tls,
        }
    } else if let Some(key) = credential(src, "RESEND_API_KEY") {
        MailBackend::Resend {
            api_key: key,
            endpoint: endpoint(src, "RESEND_API_URL", "https://api.resend.com", production)?,
        }
    } else if let Some(key) = credential(src, "SENDGRID_API_KEY") {
        MailBackend::SendGrid {
            api_key: key,
            endpoint: endpoint(
                src,
                "SENDGRID_API_URL",
                "https://api.sendgrid.com",
                production,
            )?,
        }
    } else {
        MailBackend::Outbox
    };

    let twilio = [
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_PHONE_NUMBER",
    ];
    let twilio_set = twilio.iter().filter(|v| src.get(v).is_some()).count();
    let sms = if twilio_set > 0 {
        if let Some(missing) = twilio.iter().find(|v| src.get(v).is_none()) {
            return Err(bad(
                missing,
                "is required when any TWILIO_* variable is set",
            ));
        }
        if src.get("SMS_WEBHOOK_URL").is_some() {
            return Err(bad(
                "SMS_WEBHOOK_URL",
                "is set together with TWILIO_ACCOUNT_SID: choose one SMS provider",
            ));
        }
        SmsBackend::Twilio {
            account_sid: src.get("TWILIO_ACCOUNT_SID").unwrap_or_default().to_owned(),
            auth_token: credential(src, "TWILIO_AUTH_TOKEN").unwrap_or_else(|| Credential::new("")),
            from: src
                .get("TWILIO_PHONE_NUMBER")
                .unwrap_or_default()
                .to_owned(),
            endpoint: endpoint(src, "TWILIO_API_URL", "https://api.twilio.com", production)?,
        }
    } else if src.get("SMS_WEBHOOK_URL").is_some() {
        let secret = credential(src, "SMS_WEBHOOK_SECRET").ok_or_else(|| {
            bad(
                "SMS_WEBHOOK_SECRET",
                "is required with SMS_WEBHOOK_URL (it signs each request)",
            )
        })?;
        if secret.expose().len() < 16 {
            return Err(bad("SMS_WEBHOOK_SECRET", "must be at least 16 characters"));
        }
        SmsBackend::Webhook {
            url: endpoint(src, "SMS_WEBHOOK_URL", "", production)?,
            secret,
        }
    } else {
        SmsBackend::Outbox
    };

    let from_address = match src.get("EMAIL_FROM_ADDRESS") {
        Some(a) if !crate::validate::is_email(a) => {
            return Err(bad(
                "EMAIL_FROM_ADDRESS",
                format!("must be an email address, got `{a}`"),
            ));
        }
        Some(a) => a.to_owned(),
        None if production && !matches!(mail, MailBackend::Outbox) => {
            return Err(bad(
                "EMAIL_FROM_ADDRESS",
                "is required in production when a mail provider is set",
            ));
        }
        None => "no-reply@localhost".into(),
    };
    let max_attempts: u32 = src.parse("MAIL_MAX_ATTEMPTS", 5, "a positive integer")?;
    if !(1..=20).contains(&max_attempts) {
        return Err(bad("MAIL_MAX_ATTEMPTS", "must be between 1 and 20"));
    }
    let brand_name = globals["brand"]["name"]
        .as_str()
        .unwrap_or("Portcullis")
        .to_owned();
    Ok(DeliveryConfig {
        mail,
        sms,
        from_name: src
            .get("EMAIL_FROM_NAME")
            .map(str::to_owned)
            .unwrap_or(brand_name),
        from_address,
        outbox_dir: src
            .get("MAIL_OUTBOX_DIR")
            .map(Into::into)
            .unwrap_or_else(|| data_dir.join("outbox")),
        templates_dir: src.get("PORTCULLIS_TEMPLATES_DIR").map(Into::into),
        max_attempts,
        retry_delay: Duration::from_secs(1),
        timeout: Duration::from_secs(15),
        globals,
        plugin_templates: Vec::new(),
        catalogs: portcullis_delivery::templates::email_catalogs(None),
    })
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;
    use portcullis_delivery::MailBackend;
    use portcullis_delivery::config::SmtpTls;

    const PRODUCTION: [(&str, &str); 4] = [
        ("PORTCULLIS_ENV", "production"),
        ("BETTER_AUTH_URL", "https://auth.example"),
        ("BETTER_AUTH_SECRET", "k3J9x2LmQp8vR4tY7wZ1aB6cD0eF5gH3"),
        ("EMAIL_FROM_ADDRESS", "auth@example.com"),
    ];

    fn production(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        PRODUCTION.iter().chain(extra).copied().collect()
    }

    fn smtp_tls(pairs: &[(&str, &str)]) -> SmtpTls {
        match load(pairs).expect("config").delivery.mail {
            MailBackend::Smtp { tls, .. } => tls,
            other => panic!("not SMTP: {other:?}"),
        }
    }

    #[test]
    fn production_mail_and_sms_never_fall_back_to_clear_text() {
        // ASVS V2.5.1, V2.7.4: each weak transport is refused, naming its variable.
        for (pairs, var) in [
            (vec![("SMTP_HOST", "mx"), ("SMTP_TLS", "none")], "SMTP_TLS"),
            (
                vec![("SMTP_HOST", "mx"), ("SMTP_TLS", "opportunistic")],
                "SMTP_TLS",
            ),
            (
                vec![
                    ("RESEND_API_KEY", "re_x"),
                    ("RESEND_API_URL", "http://mail"),
                ],
                "RESEND_API_URL",
            ),
            (
                vec![
                    ("SENDGRID_API_KEY", "SG.x"),
                    ("SENDGRID_API_URL", "http://mail"),
                ],
                "SENDGRID_API_URL",
            ),
            (
                vec![
                    ("TWILIO_ACCOUNT_SID", "AC1"),
                    ("TWILIO_AUTH_TOKEN", "t"),
                    ("TWILIO_PHONE_NUMBER", "+15550100"),
                    ("TWILIO_API_URL", "http://sms"),
                ],
                "TWILIO_API_URL",
            ),
            (
                vec![
                    ("SMS_WEBHOOK_URL", "http://sms/send"),
                    ("SMS_WEBHOOK_SECRET", "0123456789abcdef"),
                ],
                "SMS_WEBHOOK_URL",
            ),
        ] {
            let e = load(&production(&pairs)).unwrap_err();
            assert_eq!(e.var, var, "{pairs:?}: {e}");
            // Outside production the same settings load: a local test double.
            load(&pairs).unwrap_or_else(|e| panic!("{pairs:?} outside production: {e}"));
        }
        // On a port other than 465 and 587, production requires STARTTLS; elsewhere it is
        // opportunistic, as before.
        let port_25 = [("SMTP_HOST", "mx"), ("SMTP_PORT", "25")];
        assert_eq!(smtp_tls(&production(&port_25)), SmtpTls::StartTls);
        assert_eq!(smtp_tls(&port_25), SmtpTls::Opportunistic);
        assert_eq!(
            smtp_tls(&production(&[("SMTP_HOST", "mx"), ("SMTP_PORT", "465")])),
            SmtpTls::Wrapper
        );
        // https provider addresses load in production.
        load(&production(&[
            ("SMS_WEBHOOK_URL", "https://sms.example/send"),
            ("SMS_WEBHOOK_SECRET", "0123456789abcdef"),
        ]))
        .expect("https is fine");
    }
}
