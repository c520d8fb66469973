//! Email and SMS templates: minijinja, embedded defaults, each overridable by file name from
//! `PORTCULLIS_TEMPLATES_DIR`.
//!
//! An email is two files, `email-<kind>.html` and `email-<kind>.txt`. The text file defines
//! `{% block subject %}`; both see the globals (`brand`, `base_url`) and the caller's variables.
//! The embedded ones extend `email-base.html` / `email-base.txt`, which draw the button, the
//! plain link under it and the footer from variables the child sets (`action_url`,
//! `action_label`, `ignore_notice`).
//!
//! An override should extend a layout, as the embedded ones do: in a template that extends
//! nothing, the subject block would also be printed where it stands.
//!
//! Besides the caller's variables every template gets `expires_in` (`expires_in_minutes` in
//! words: "15 minutes", "1 hour"), and `brand.name` is never empty. Undefined values are
//! chainable (`user.name` with no `user` is just empty), so an override template that uses an
//! optional value does not fail when it is missing.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Output, State, Value as MjValue};
use serde_json::Value;

use crate::DeliveryError;

/// `(file name, contents)` of a file in `templates/`.
macro_rules! embed {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)),
        )
    };
}

/// Every email the server sends. The variables each one receives, besides `brand`, `base_url`,
/// `to` and (when known) `user` `{name, email}`:
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTemplate {
    /// `url`, `expires_in_minutes`
    Verification,
    /// `url`, `expires_in_minutes`
    PasswordReset,
    /// `url`, `expires_in_minutes`
    MagicLink,
    /// `otp`, `otp_type` (`sign-in`, `email-verification`, `forget-password`, `change-email`),
    /// `expires_in_minutes`
    EmailOtp,
    /// Sent to the current address to approve a change: `url`, `new_email`, `expires_in_minutes`
    ChangeEmail,
    /// `url`, `expires_in_minutes`
    DeleteAccount,
    /// `url` (where to sign in)
    Welcome,
    /// `ip`, `user_agent`, `time` (RFC 3339, UTC), `url` (account page)
    NewSignIn,
}

impl EmailTemplate {
    pub const ALL: [EmailTemplate; 8] = [
        EmailTemplate::Verification,
        EmailTemplate::PasswordReset,
        EmailTemplate::MagicLink,
        EmailTemplate::EmailOtp,
        EmailTemplate::ChangeEmail,
        EmailTemplate::DeleteAccount,
        EmailTemplate::Welcome,
        EmailTemplate::NewSignIn,
    ];

    pub fn kind(self) -> &'static str {
        match self {
            EmailTemplate::Verification => "verification",
            EmailTemplate::PasswordReset => "password-reset",
            EmailTemplate::MagicLink => "magic-link",
            EmailTemplate::EmailOtp => "email-otp",
            EmailTemplate::ChangeEmail => "change-email",
            EmailTemplate::DeleteAccount => "delete-account",
            EmailTemplate::Welcome => "welcome",
            EmailTemplate::NewSignIn => "new-sign-in",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Embedded defaults: (file name, source).
const EMBEDDED: &[(&str, &str)] = &[
    embed!("email-base.html"),
    embed!("email-base.txt"),
    embed!("email-verification.html"),
    embed!("email-verification.txt"),
    embed!("email-password-reset.html"),
    embed!("email-password-reset.txt"),
    embed!("email-magic-link.html"),
    embed!("email-magic-link.txt"),
    embed!("email-email-otp.html"),
    embed!("email-email-otp.txt"),
    embed!("email-change-email.html"),
    embed!("email-change-email.txt"),
    embed!("email-delete-account.html"),
    embed!("email-delete-account.txt"),
    embed!("email-welcome.html"),
    embed!("email-welcome.txt"),
    embed!("email-new-sign-in.html"),
    embed!("email-new-sign-in.txt"),
    embed!("sms-otp.txt"),
];

/// Used when the configuration gives no `brand.name` or a colour that is not one.
const DEFAULT_BRAND_NAME: &str = "Portcullis";

pub struct Templates {
    env: Environment<'static>,
    globals: Value,
}

/// A template by file name: the file in the override directory (`PORTCULLIS_TEMPLATES_DIR`) if
/// there is one, else the embedded default from `embedded`. Also serves the hosted UI's pages.
pub fn load_override(
    dir: Option<&Path>,
    embedded: &[(&str, &str)],
    name: &str,
) -> Result<Option<String>, minijinja::Error> {
    // Only plain file names: an override directory must not be escaped with `../`.
    let plain = !name.contains('/') && !name.contains('\\') && !name.starts_with('.');
    if let (Some(dir), true) = (dir, plain) {
        let path = dir.join(name);
        if path.is_file() {
            return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("cannot read template {name}: {e}"),
                )
            });
        }
    }
    Ok(embedded
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| (*s).to_owned()))
}

/// minijinja's default output, except that HTML escaping leaves `/` alone: only `& < > " '`
/// need escaping, and links written `https:&#x2f;&#x2f;` are unreadable in a message's source
/// and confuse some mail scanners.
fn formatter(out: &mut Output, state: &State, value: &MjValue) -> Result<(), minijinja::Error> {
    let html = matches!(state.auto_escape(), AutoEscape::Html);
    match value.as_str() {
        Some(s) if html && !value.is_safe() => {
            let mut escaped = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#x27;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped).map_err(|_| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write output")
            })
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa` or a named colour.
fn is_color(c: &str) -> bool {
    match c.strip_prefix('#') {
        Some(hex) => {
            matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|ch| ch.is_ascii_hexdigit())
        }
        None => !c.is_empty() && c.len() <= 32 && c.chars().all(|ch| ch.is_ascii_alphabetic()),
    }
}

/// "1 minute", "15 minutes", "1 hour", "24 hours", "2 days"; whole units only.
fn duration_words(minutes: u64) -> String {
    let (n, unit) = if minutes >= 2 * 1440 && minutes.is_multiple_of(1440) {
        (minutes / 1440, "day")
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

impl Templates {
    pub fn new(dir: Option<PathBuf>, globals: Value) -> Self {
        let mut env = Environment::new();
        env.set_loader(move |name| load_override(dir.as_deref(), EMBEDDED, name));
        // Block tags on their own line leave no blank line behind: the text parts stay tidy.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(formatter);
        Templates { env, globals }
    }

    fn context(&self, vars: Value) -> Value {
        let mut merged = match &self.globals {
            Value::Object(_) => self.globals.clone(),
            _ => Value::Object(Default::default()),
        };
        if let (Some(m), Value::Object(extra)) = (merged.as_object_mut(), vars) {
            m.extend(extra);
        }
        if let Some(m) = merged.as_object_mut() {
            let brand = m
                .entry("brand")
                .or_insert_with(|| Value::Object(Default::default()));
            if !brand.is_object() {
                *brand = Value::Object(Default::default());
            }
            if let Some(b) = brand.as_object_mut() {
                if b.get("name")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    b.insert("name".into(), DEFAULT_BRAND_NAME.into());
                }
                // Colours land in style attributes, where HTML escaping does not stop CSS
                // injection: keep only values that are plainly colours.
                for key in ["primary_color", "secondary_color"] {
                    if b.get(key)
                        .and_then(Value::as_str)
                        .is_some_and(|c| !is_color(c))
                    {
                        b.remove(key);
                    }
                }
            }
            if let Some(minutes) = m.get("expires_in_minutes").and_then(Value::as_u64) {
                m.insert("expires_in".into(), duration_words(minutes).into());
            }
        }
        merged
    }

    pub fn render_email(
        &self,
        template: EmailTemplate,
        vars: Value,
    ) -> Result<RenderedEmail, DeliveryError> {
        let ctx = self.context(vars);
        let err = |name: &str, e: minijinja::Error| DeliveryError::Template {
            name: name.to_owned(),
            reason: e.to_string(),
        };
        let text_name = format!("email-{}.txt", template.kind());
        let html_name = format!("email-{}.html", template.kind());
        let text_tpl = self
            .env
            .get_template(&text_name)
            .map_err(|e| err(&text_name, e))?;
        let mut captured = text_tpl
            .render_captured(&ctx)
            .map_err(|e| err(&text_name, e))?;
        let subject = captured
            .with_state_mut(|state| state.render_block("subject"))
            .map_err(|e| err(&text_name, e))?;
        let text = captured.into_output();
        let html = self
            .env
            .get_template(&html_name)
            .and_then(|t| t.render(&ctx))
            .map_err(|e| err(&html_name, e))?;
        Ok(RenderedEmail {
            subject: subject.trim().replace(['\r', '\n'], " "),
            html,
            text: text.trim().to_owned(),
        })
    }

    /// `sms-otp.txt` with `otp`, `expires_in_minutes`.
    pub fn render_sms(&self, name: &str, vars: Value) -> Result<String, DeliveryError> {
        let file = format!("sms-{name}.txt");
        self.env
            .get_template(&file)
            .and_then(|t| t.render(self.context(vars)))
            .map(|s| s.trim().to_owned())
            .map_err(|e| DeliveryError::Template {
                name: file,
                reason: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn brand() -> Value {
        json!({
            "brand": {
                "name": "Acme",
                "description": "Acme makes things.",
                "tagline": "Things, made.",
                "company_name": "Acme Inc.",
                "domain": "acme.test",
                "logo_url": "https://acme.test/logo.png",
                "favicon": "https://acme.test/favicon.ico",
                "primary_color": "#ff5500",
                "secondary_color": "#222222",
                "support_email": "help@acme.test",
                "support_url": "https://acme.test/help",
                "privacy_url": "https://acme.test/privacy",
                "terms_url": "https://acme.test/terms",
            },
            "base_url": "https://auth.acme.test",
        })
    }

    fn vars(t: EmailTemplate, user_name: &str) -> Value {
        let mut v = json!({
            "to": "bob@example.com",
            "user": { "name": user_name, "email": "bob@example.com" },
            "url": "https://auth.acme.test/x?token=abc&next=%2F",
            "expires_in_minutes": 60,
        });
        match t {
            EmailTemplate::EmailOtp => {
                v["otp"] = json!("482913");
                v["otp_type"] = json!("sign-in");
            }
            EmailTemplate::ChangeEmail => v["new_email"] = json!("new@example.com"),
            EmailTemplate::NewSignIn => {
                v["ip"] = json!("203.0.113.9");
                v["user_agent"] = json!("Firefox on Linux");
                v["time"] = json!("2026-01-02T03:04:05Z");
            }
            _ => {}
        }
        v
    }

    #[test]
    fn every_email_renders() {
        let t = Templates::new(None, brand());
        for kind in EmailTemplate::ALL {
            let r = t
                .render_email(kind, vars(kind, "Bob"))
                .unwrap_or_else(|e| panic!("{}: {e}", kind.kind()));
            assert!(!r.subject.is_empty(), "{}", kind.kind());
            assert!(!r.subject.contains('\n'), "{}", kind.kind());
            assert!(r.subject.contains("Acme"), "{}: {}", kind.kind(), r.subject);
            assert!(r.text.contains("Hi Bob,"), "{}", kind.kind());
            assert!(r.html.contains("Hi Bob,"), "{}", kind.kind());
            assert!(r.html.contains("Acme Inc."), "{}", kind.kind());
            assert!(r.html.contains("https://acme.test/logo.png"));
            assert!(r.html.contains("mailto:help@acme.test"));
            assert!(r.html.contains("https://acme.test/privacy"));
            assert!(r.html.contains("https://acme.test/terms"));
            assert!(r.text.contains("help@acme.test"));
            if kind == EmailTemplate::EmailOtp {
                assert_eq!(r.subject, "Your Acme code: 482913");
                assert!(r.text.contains("482913"));
                assert!(r.html.contains("482913"));
                assert!(r.text.contains("to sign in"));
                assert!(r.text.contains("1 hour"));
            } else {
                // The raw link in the text part, the escaped one twice in the HTML (button and
                // the plain link below it), with the brand colour on the button.
                assert!(
                    r.text
                        .contains("https://auth.acme.test/x?token=abc&next=%2F"),
                    "{}",
                    kind.kind()
                );
                let escaped = "https://auth.acme.test/x?token=abc&amp;next=%2F";
                assert_eq!(r.html.matches(escaped).count(), 3, "{}", kind.kind());
                assert!(r.html.contains("background-color:#ff5500"));
            }
            assert!(!r.text.contains("\n\n\n"), "{}:\n{}", kind.kind(), r.text);
        }
        let v = t
            .render_email(
                EmailTemplate::Verification,
                vars(EmailTemplate::Verification, "Bob"),
            )
            .unwrap();
        assert_eq!(v.subject, "Verify your email for Acme");
        assert!(
            v.text
                .contains("If you didn't request this, you can ignore this email.")
        );
        assert!(v.text.contains("expires in 1 hour"));
    }

    #[test]
    fn html_escapes_user_values() {
        let t = Templates::new(None, brand());
        for kind in EmailTemplate::ALL {
            let r = t
                .render_email(kind, vars(kind, "<script>alert(1)</script>"))
                .unwrap();
            assert!(!r.html.contains("<script>"), "{}", kind.kind());
            assert!(r.html.contains("&lt;script&gt;"), "{}", kind.kind());
            // The text part is plain text: nothing to escape.
            assert!(r.text.contains("<script>alert(1)</script>"));
        }
    }

    #[test]
    fn optional_values_may_be_missing() {
        // No brand at all, no user, no expiry: still renders, with a default name.
        let t = Templates::new(None, json!({}));
        for kind in EmailTemplate::ALL {
            let r = t
                .render_email(kind, json!({ "url": "https://x.test/a", "otp": "1" }))
                .unwrap_or_else(|e| panic!("{}: {e}", kind.kind()));
            assert!(r.subject.contains("Portcullis"), "{}", r.subject);
            assert!(r.text.starts_with("Hi,"), "{}", r.text);
            assert!(!r.html.contains("<img"));
            assert!(!r.html.contains("mailto:"));
        }
    }

    #[test]
    fn bad_colours_are_dropped() {
        let mut g = brand();
        g["brand"]["primary_color"] = json!("red;background:url(https://evil.test/)");
        let t = Templates::new(None, g);
        let r = t
            .render_email(EmailTemplate::Welcome, vars(EmailTemplate::Welcome, "Bob"))
            .unwrap();
        assert!(!r.html.contains("evil.test"));
        assert!(r.html.contains("#2563eb"));
        assert!(is_color("#abc") && is_color("#A1B2C3") && is_color("teal"));
        assert!(!is_color("#12345") && !is_color("1px solid") && !is_color(""));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(1), "1 minute");
        assert_eq!(duration_words(15), "15 minutes");
        assert_eq!(duration_words(60), "1 hour");
        assert_eq!(duration_words(90), "90 minutes");
        assert_eq!(duration_words(1440), "24 hours");
        assert_eq!(duration_words(4320), "3 days");
    }

    #[test]
    fn sms_otp_renders() {
        let t = Templates::new(None, brand());
        let body = t
            .render_sms("otp", json!({ "otp": "123456", "expires_in_minutes": 5 }))
            .unwrap();
        assert!(body.starts_with("123456 is your Acme code."), "{body}");
        assert!(body.contains("5 min"));
        assert!(body.ends_with("@acme.test #123456"), "{body}");
        assert!(t.render_sms("nope", json!({})).is_err());
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "portcullis-templates-{tag}-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn override_dir_replaces_by_file_name() {
        let dir = temp_dir("override");
        std::fs::write(
            dir.join("email-welcome.txt"),
            "{% extends 'email-base.txt' %}\n\
             {% block subject %}Hello from {{ brand.name }}{% endblock %}\n\
             {% block content %}Custom {{ url }}{% endblock %}",
        )
        .unwrap();
        let t = Templates::new(Some(dir.clone()), brand());
        let r = t
            .render_email(EmailTemplate::Welcome, vars(EmailTemplate::Welcome, "Bob"))
            .unwrap();
        assert_eq!(r.subject, "Hello from Acme");
        assert!(
            r.text
                .contains("Hi Bob,\n\nCustom https://auth.acme.test/x?token=abc&next=%2F"),
            "{}",
            r.text
        );
        // The HTML part was not overridden: still the embedded one.
        assert!(r.html.contains("Welcome to Acme"));
        // Other kinds are untouched.
        let v = t
            .render_email(
                EmailTemplate::Verification,
                vars(EmailTemplate::Verification, "Bob"),
            )
            .unwrap();
        assert_eq!(v.subject, "Verify your email for Acme");
        // Replacing the layout changes every email that extends it.
        std::fs::write(
            dir.join("email-base.html"),
            "<div>{% block content %}{% endblock %}</div>",
        )
        .unwrap();
        let t = Templates::new(Some(dir.clone()), brand());
        let r = t
            .render_email(
                EmailTemplate::MagicLink,
                vars(EmailTemplate::MagicLink, "Bob"),
            )
            .unwrap();
        assert!(r.html.starts_with("<div>"), "{}", r.html);
        assert!(!r.html.contains("<table"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn parent_paths_are_refused() {
        let root = temp_dir("escape");
        let dir = root.join("templates");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(root.join("secret.txt"), "TOP SECRET").unwrap();
        std::fs::write(
            dir.join("email-welcome.txt"),
            "{% block subject %}s{% endblock %}{% include '../secret.txt' %}",
        )
        .unwrap();
        assert!(
            load_override(Some(&dir), EMBEDDED, "../secret.txt")
                .unwrap()
                .is_none()
        );
        assert!(
            load_override(Some(&dir), EMBEDDED, "..\\secret.txt")
                .unwrap()
                .is_none()
        );
        assert!(
            load_override(Some(&dir), EMBEDDED, ".hidden")
                .unwrap()
                .is_none()
        );
        let t = Templates::new(Some(dir), brand());
        let err = t
            .render_email(EmailTemplate::Welcome, vars(EmailTemplate::Welcome, "Bob"))
            .unwrap_err();
        assert!(matches!(err, DeliveryError::Template { .. }));
        assert!(!err.to_string().contains("TOP SECRET"));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn embedded_list_is_complete() {
        for kind in EmailTemplate::ALL {
            for ext in ["html", "txt"] {
                let name = format!("email-{}.{ext}", kind.kind());
                assert!(EMBEDDED.iter().any(|(n, _)| *n == name), "{name}");
            }
        }
    }
}
