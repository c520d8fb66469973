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
use std::sync::Arc;

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

/// An email by name: `email-<name>.html` and `email-<name>.txt`. Core's own are the constants
/// below; a plugin names its own with [`EmailTemplate::named`] and brings the two files through
/// `Plugin::templates`. The variables each core one receives, besides `brand`, `base_url`, `to`
/// and (when known) `user` `{name, email}`, are listed on each constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EmailTemplate(&'static str);

// The constants keep the names the call sites have always used (`EmailTemplate::Welcome`).
#[allow(non_upper_case_globals)]
impl EmailTemplate {
    /// `url`, `expires_in_minutes`
    pub const Verification: EmailTemplate = EmailTemplate("verification");
    /// `url`, `expires_in_minutes`
    pub const PasswordReset: EmailTemplate = EmailTemplate("password-reset");
    /// Sent to the current address to approve a change: `url`, `new_email`, `expires_in_minutes`
    pub const ChangeEmail: EmailTemplate = EmailTemplate("change-email");
    /// `url`, `expires_in_minutes`
    pub const DeleteAccount: EmailTemplate = EmailTemplate("delete-account");
    /// `url` (where to sign in)
    pub const Welcome: EmailTemplate = EmailTemplate("welcome");
    /// The request's details (below), `url` (account page), `reset_url`
    pub const NewSignIn: EmailTemplate = EmailTemplate("new-sign-in");
    /// Security notice after change-password or set-password: the request's details,
    /// `first_password` (set-password), `reset_url`, `account_url`
    pub const PasswordChanged: EmailTemplate = EmailTemplate("password-changed");
    /// Security notice after a reset (link, email code or SMS code): the request's details,
    /// `sessions_ended`, `reset_url`, `account_url`
    pub const PasswordWasReset: EmailTemplate = EmailTemplate("password-was-reset");
    /// Security notice to the old address after a change of address: the request's details,
    /// `new_email`
    pub const EmailChanged: EmailTemplate = EmailTemplate("email-changed");
    /// To the owner of an address someone tried to sign up with: the request's details,
    /// `sign_in_url`, `reset_url`
    pub const SignUpAttempt: EmailTemplate = EmailTemplate("sign-up-attempt");

    /// The emails core sends, whose templates are embedded here. Those that describe a request
    /// (the notices and the new-sign-in alert) get `time` (`2026-12-05 07:49:03 UTC`), `ip`,
    /// `device` (`Firefox 121 on Linux`) and `user_agent` (raw; the embedded templates print
    /// `device` instead), laid out by `email-request-details.html` / `.txt`.
    pub const CORE: [EmailTemplate; 10] = [
        EmailTemplate::Verification,
        EmailTemplate::PasswordReset,
        EmailTemplate::ChangeEmail,
        EmailTemplate::DeleteAccount,
        EmailTemplate::Welcome,
        EmailTemplate::NewSignIn,
        EmailTemplate::PasswordChanged,
        EmailTemplate::PasswordWasReset,
        EmailTemplate::EmailChanged,
        EmailTemplate::SignUpAttempt,
    ];

    /// A template by name (`magic-link` for `email-magic-link.html` and `.txt`).
    pub const fn named(name: &'static str) -> EmailTemplate {
        EmailTemplate(name)
    }

    /// The name: `email-<kind>.html`, and the `kind` of the sent message.
    pub fn kind(self) -> &'static str {
        self.0
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
    embed!("email-change-email.html"),
    embed!("email-change-email.txt"),
    embed!("email-delete-account.html"),
    embed!("email-delete-account.txt"),
    embed!("email-welcome.html"),
    embed!("email-welcome.txt"),
    embed!("email-new-sign-in.html"),
    embed!("email-new-sign-in.txt"),
    embed!("email-password-changed.html"),
    embed!("email-password-changed.txt"),
    embed!("email-password-was-reset.html"),
    embed!("email-password-was-reset.txt"),
    embed!("email-email-changed.html"),
    embed!("email-email-changed.txt"),
    embed!("email-sign-up-attempt.html"),
    embed!("email-sign-up-attempt.txt"),
    // Partials the notices include.
    embed!("email-request-details.html"),
    embed!("email-request-details.txt"),
    embed!("email-contact-support.html"),
    embed!("email-contact-support.txt"),
];

/// The core e-mails' message catalog, one file per shipped language.
pub const EMAIL_MESSAGES: &[(&str, crate::Messages)] = &[
    (
        "core e-mails",
        crate::Messages::new("en", include_str!("../templates/messages/en.ftl")),
    ),
    (
        "core e-mails",
        crate::Messages::new("fr", include_str!("../templates/messages/fr.ftl")),
    ),
];

/// The core e-mails' catalog alone, with `forced` as `APP_LANGUAGE`: what delivery uses
/// until the server gives it every catalog.
pub fn email_catalogs(forced: Option<&'static str>) -> Arc<crate::Catalogs> {
    match crate::Catalogs::new(EMAIL_MESSAGES, forced) {
        Ok(c) => Arc::new(c),
        Err(e) => unreachable!("the core e-mail catalog is checked by its tests: {e}"),
    }
}

/// Used when the configuration gives no `brand.name` or a colour that is not one.
const DEFAULT_BRAND_NAME: &str = "Portcullis";

pub struct Templates {
    env: Environment<'static>,
    globals: Value,
    dir: Option<PathBuf>,
    /// The embedded core templates, then those plugins brought: (file name, source).
    sources: Arc<Vec<(&'static str, &'static str)>>,
    /// The brand an administrator stored, under any other overlay (`StoredBrand`).
    stored: Arc<crate::brand::StoredBrand>,
    catalogs: Arc<crate::Catalogs>,
}

/// Checks the templates plugins bring: plain `email-<name>.html`, `email-<name>.txt` or
/// `sms-<name>.txt` file names, none twice and none replacing a core one (an operator replaces
/// templates through `PORTCULLIS_TEMPLATES_DIR`, not a plugin).
pub fn check_plugin_templates(
    plugin: &[(&'static str, &'static str)],
) -> Result<(), DeliveryError> {
    for (i, (name, _)) in plugin.iter().enumerate() {
        let shaped = (name.starts_with("email-")
            && (name.ends_with(".html") || name.ends_with(".txt")))
            || (name.starts_with("sms-") && name.ends_with(".txt"));
        if !shaped || name.contains(['/', '\\']) {
            return Err(DeliveryError::Config(format!(
                "plugin template {name}: must be named email-<name>.html, email-<name>.txt or sms-<name>.txt"
            )));
        }
        if EMBEDDED.iter().any(|(n, _)| n == name) || plugin[..i].iter().any(|(n, _)| n == name) {
            return Err(DeliveryError::Config(format!(
                "plugin template {name} is defined twice"
            )));
        }
    }
    Ok(())
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
            let escaped = crate::i18n::escape_html(s, true);
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

/// "1 minute", "15 minutes", "1 hour", "24 hours", "2 days" (in `language`); whole units only.
fn duration_words(catalogs: &crate::Catalogs, language: &str, minutes: u64) -> String {
    let (n, unit) = if minutes >= 2 * 1440 && minutes.is_multiple_of(1440) {
        (minutes / 1440, "duration-days")
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        (minutes / 60, "duration-hours")
    } else {
        (minutes, "duration-minutes")
    };
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("n", n);
    catalogs.text(language, unit, Some(&args))
}

impl Templates {
    /// The embedded core templates, each overridable from `dir`.
    pub fn new(dir: Option<PathBuf>, globals: Value) -> Self {
        Templates::with_plugin_templates(dir, globals, &[], email_catalogs(None))
    }

    /// The core templates and those plugins bring (`(file name, source)`; see
    /// [`check_plugin_templates`]), each overridable from `dir` by file name. A name already
    /// known keeps its first source. Messages come from `catalogs` (`t()`).
    pub fn with_plugin_templates(
        dir: Option<PathBuf>,
        globals: Value,
        plugin: &[(&'static str, &'static str)],
        catalogs: Arc<crate::Catalogs>,
    ) -> Self {
        let mut sources = EMBEDDED.to_vec();
        for t in plugin {
            if !sources.iter().any(|(n, _)| *n == t.0) {
                sources.push(*t);
            }
        }
        let sources = Arc::new(sources);
        let mut env = Environment::new();
        let (loader_dir, loader_sources) = (dir.clone(), sources.clone());
        env.set_loader(move |name| load_override(loader_dir.as_deref(), &loader_sources, name));
        // Block tags on their own line leave no blank line behind: the text parts stay tidy.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(formatter);
        catalogs.install(&mut env);
        Templates {
            env,
            globals,
            dir,
            sources,
            stored: Default::default(),
            catalogs,
        }
    }

    /// Whether a template file exists: built in, from a plugin, or in the override directory.
    fn exists(&self, file: &str) -> bool {
        self.sources.iter().any(|(n, _)| *n == file)
            || self.dir.as_deref().is_some_and(|d| {
                !file.contains(['/', '\\']) && !file.starts_with('.') && d.join(file).is_file()
            })
    }

    /// `file`, loaded and compiled; a missing one is [`DeliveryError::UnknownTemplate`].
    fn template(&self, file: &str) -> Result<minijinja::Template<'_, '_>, DeliveryError> {
        if !self.exists(file) {
            return Err(DeliveryError::UnknownTemplate {
                name: file.to_owned(),
            });
        }
        self.env
            .get_template(file)
            .map_err(|e| DeliveryError::Template {
                name: file.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Start-up check for an email something will send: both files exist and compile.
    pub fn check_email(&self, template: EmailTemplate) -> Result<(), DeliveryError> {
        for ext in ["html", "txt"] {
            self.template(&format!("email-{}.{ext}", template.kind()))?;
        }
        Ok(())
    }

    /// Start-up check for a text message something will send: `sms-<name>.txt` exists and
    /// compiles.
    pub fn check_sms(&self, name: &str) -> Result<(), DeliveryError> {
        self.template(&format!("sms-{name}.txt")).map(|_| ())
    }

    fn context(&self, vars: Value, overlay: Option<&crate::BrandOverlay>) -> Value {
        let mut merged = match &self.globals {
            Value::Object(_) => self.globals.clone(),
            _ => Value::Object(Default::default()),
        };
        if let (Some(m), Value::Object(extra)) = (merged.as_object_mut(), vars) {
            m.extend(extra);
        }
        if let Some(m) = merged.as_object_mut() {
            let base_url = m.get("base_url").and_then(Value::as_str).map(str::to_owned);
            let brand = m
                .entry("brand")
                .or_insert_with(|| Value::Object(Default::default()));
            if !brand.is_object() {
                *brand = Value::Object(Default::default());
            }
            if let Some(b) = brand.as_object_mut() {
                if let Some(o) = self.stored.layered(overlay) {
                    o.apply(b, base_url.as_deref());
                }
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
            let language = self.catalogs.current();
            if let Some(minutes) = m.get("expires_in_minutes").and_then(Value::as_u64) {
                let words = duration_words(&self.catalogs, language, minutes);
                m.insert("expires_in".into(), words.into());
            }
            m.insert("lang".into(), language.into());
        }
        merged
    }

    /// Every message catalog, and the language policy (`APP_LANGUAGE`).
    pub fn catalogs(&self) -> &Arc<crate::Catalogs> {
        &self.catalogs
    }

    /// The brand an administrator stored for every message and page (`None`: the
    /// configuration's); the hosted pages' renderer holds the same one.
    pub fn stored_brand(&self) -> &Arc<crate::brand::StoredBrand> {
        &self.stored
    }

    pub fn render_email(
        &self,
        template: EmailTemplate,
        vars: Value,
    ) -> Result<RenderedEmail, DeliveryError> {
        self.render_email_branded(template, vars, None)
    }

    /// [`Templates::render_email`] with a brand over the configured one (its name, logo and
    /// colour; a relative logo made absolute with `base_url`).
    pub fn render_email_branded(
        &self,
        template: EmailTemplate,
        vars: Value,
        overlay: Option<&crate::BrandOverlay>,
    ) -> Result<RenderedEmail, DeliveryError> {
        let ctx = self.context(vars, overlay);
        let err = |name: &str, e: minijinja::Error| DeliveryError::Template {
            name: name.to_owned(),
            reason: e.to_string(),
        };
        let text_name = format!("email-{}.txt", template.kind());
        let html_name = format!("email-{}.html", template.kind());
        let text_tpl = self.template(&text_name)?;
        let mut captured = text_tpl
            .render_captured(&ctx)
            .map_err(|e| err(&text_name, e))?;
        let subject = captured
            .with_state_mut(|state| state.render_block("subject"))
            .map_err(|e| err(&text_name, e))?;
        let text = captured.into_output();
        let html = self
            .template(&html_name)?
            .render(&ctx)
            .map_err(|e| err(&html_name, e))?;
        Ok(RenderedEmail {
            subject: subject.trim().replace(['\r', '\n'], " "),
            html,
            text: text.trim().to_owned(),
        })
    }

    /// `sms-<name>.txt` (the phone-number plugin's `sms-otp.txt` gets `otp`,
    /// `expires_in_minutes`).
    pub fn render_sms(&self, name: &str, vars: Value) -> Result<String, DeliveryError> {
        let file = format!("sms-{name}.txt");
        self.template(&file)?
            .render(self.context(vars, crate::current_brand().as_deref()))
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
            EmailTemplate::ChangeEmail => v["new_email"] = json!("new@example.com"),
            EmailTemplate::NewSignIn => {
                v["ip"] = json!("203.0.113.9");
                v["device"] = json!("Firefox 121 on Linux");
                v["time"] = json!("2026-01-02 03:04:05 UTC");
            }
            _ if NOTICES.contains(&t) => notice_vars(&mut v, t),
            _ => {}
        }
        v
    }

    /// The security notices: they describe a request and lead to pages, not to a token link.
    const NOTICES: [EmailTemplate; 4] = [
        EmailTemplate::PasswordChanged,
        EmailTemplate::PasswordWasReset,
        EmailTemplate::EmailChanged,
        EmailTemplate::SignUpAttempt,
    ];

    /// What `portcullis_core::notices` gives a notice (`url` is not among it).
    fn notice_vars(v: &mut Value, t: EmailTemplate) {
        if let Some(m) = v.as_object_mut() {
            m.remove("url");
            m.remove("expires_in_minutes");
        }
        v["time"] = json!("2026-01-02 03:04:05 UTC");
        v["ip"] = json!("203.0.113.9");
        v["device"] = json!("Firefox 121 on Linux");
        v["user_agent"] = json!("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Firefox/121.0");
        v["reset_url"] = json!("https://auth.acme.test/forgot-password");
        v["account_url"] = json!("https://auth.acme.test/account");
        v["sign_in_url"] = json!("https://auth.acme.test/sign-in");
        match t {
            EmailTemplate::EmailChanged => v["new_email"] = json!("new@example.com"),
            EmailTemplate::PasswordWasReset => v["sessions_ended"] = json!(true),
            _ => {}
        }
    }

    #[test]
    fn every_email_renders() {
        let t = Templates::new(None, brand());
        for kind in EmailTemplate::CORE {
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
            assert!(!r.text.contains("\n\n\n"), "{}:\n{}", kind.kind(), r.text);
            if NOTICES.contains(&kind) {
                continue;
            }
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

    /// Each notice says what happened, when, from where and on what, and what to do, in both
    /// parts; it never prints the raw User-Agent (the client's own text).
    #[test]
    fn notices_describe_the_request_and_what_to_do() {
        let t = Templates::new(None, brand());
        for kind in NOTICES {
            let r = t
                .render_email(kind, vars(kind, "Bob"))
                .unwrap_or_else(|e| panic!("{}: {e}", kind.kind()));
            for (part, body) in [("text", &r.text), ("html", &r.html)] {
                let what = format!("{} {part}", kind.kind());
                for shown in [
                    "2026-01-02 03:04:05 UTC",
                    "203.0.113.9",
                    "Firefox 121 on Linux",
                    "help@acme.test",
                ] {
                    assert!(body.contains(shown), "{what} lacks {shown}:\n{body}");
                }
                assert!(
                    !body.contains("Mozilla/5.0"),
                    "{what} prints the raw User-Agent"
                );
                assert!(body.contains("If it wasn"), "{what}: no advice");
            }
            let action = match kind {
                EmailTemplate::SignUpAttempt => "https://auth.acme.test/sign-in",
                EmailTemplate::EmailChanged => "https://acme.test/help",
                _ => "https://auth.acme.test/forgot-password",
            };
            assert!(r.text.contains(action), "{}: {}", kind.kind(), r.text);
            assert!(
                r.html.contains(&format!("href=\"{action}\"")),
                "{}",
                kind.kind()
            );
        }
        let changed = t
            .render_email(
                EmailTemplate::EmailChanged,
                vars(EmailTemplate::EmailChanged, "Bob"),
            )
            .unwrap();
        assert!(
            changed
                .text
                .contains("from bob@example.com to new@example.com")
        );
        let set = t
            .render_email(
                EmailTemplate::PasswordChanged,
                json!({"first_password": true, "to": "bob@example.com"}),
            )
            .unwrap();
        assert_eq!(set.subject, "A password was added to your Acme account");
        let changed = t
            .render_email(
                EmailTemplate::PasswordChanged,
                json!({"to": "bob@example.com"}),
            )
            .unwrap();
        assert_eq!(changed.subject, "Your Acme password was changed");

        // Without a support address or page, the change of address says whom to contact and
        // offers no button.
        let mut g = brand();
        g["brand"]["support_email"] = json!("");
        g["brand"]["support_url"] = json!("");
        let t = Templates::new(None, g);
        let r = t
            .render_email(
                EmailTemplate::EmailChanged,
                vars(EmailTemplate::EmailChanged, "Bob"),
            )
            .unwrap();
        assert!(
            r.text.contains("Contact the Acme team right away"),
            "{}",
            r.text
        );
        assert!(!r.text.contains("Contact support"), "{}", r.text);
        assert!(!r.html.contains("Contact support"));
    }

    #[test]
    fn html_escapes_user_values() {
        let t = Templates::new(None, brand());
        for kind in EmailTemplate::CORE {
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
        for kind in EmailTemplate::CORE {
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
    fn core_emails_say_their_words_in_every_language() {
        use crate::i18n::{self, LANGUAGES};
        let files: Vec<_> = EMAIL_MESSAGES.iter().map(|(_, m)| *m).collect();
        let mut problems = i18n::mismatches(&files);
        let c = email_catalogs(None);
        for (file, source) in EMBEDDED {
            for id in i18n::ids_used(source) {
                for language in LANGUAGES {
                    if !c.defines(language, &id) {
                        problems.push(format!("{file}: t({id:?}) is not defined in {language}"));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[tokio::test]
    async fn emails_are_written_in_the_language_of_the_request() {
        let t = Templates::new(None, brand());
        let vars = || {
            json!({"user": {"name": "Bob"}, "url": "https://auth.acme.test/r?token=abc",
                "expires_in_minutes": 60, "to": "bob@example.com"})
        };
        let en = t
            .render_email(EmailTemplate::PasswordReset, vars())
            .unwrap();
        let fr = crate::with_language("fr", async {
            t.render_email(EmailTemplate::PasswordReset, vars())
        })
        .await
        .unwrap();
        assert!(en.html.contains("<html lang=\"en\""), "{}", en.html);
        assert!(fr.html.contains("<html lang=\"fr\""), "{}", fr.html);
        assert_ne!(en.subject, fr.subject);
        assert!(fr.text.contains("1 heure"), "{}", fr.text);
        assert!(en.text.contains("1 hour"), "{}", en.text);
        // APP_LANGUAGE: French with no request to ask.
        let forced =
            Templates::with_plugin_templates(None, brand(), &[], email_catalogs(Some("fr")));
        let r = forced
            .render_email(EmailTemplate::PasswordReset, vars())
            .unwrap();
        assert_eq!(r.subject, fr.subject);
    }

    #[test]
    fn durations_read_naturally() {
        let c = email_catalogs(None);
        let words = |language, minutes| duration_words(&c, language, minutes);
        assert_eq!(words("en", 1), "1 minute");
        assert_eq!(words("en", 15), "15 minutes");
        assert_eq!(words("en", 60), "1 hour");
        assert_eq!(words("en", 90), "90 minutes");
        assert_eq!(words("en", 1440), "24 hours");
        assert_eq!(words("en", 4320), "3 days");
        assert_eq!(words("fr", 1), "1 minute");
        assert_eq!(words("fr", 15), "15 minutes");
        assert_eq!(words("fr", 60), "1 heure");
        assert_eq!(words("fr", 1440), "24 heures");
        assert_eq!(words("fr", 4320), "3 jours");
    }

    #[test]
    fn unknown_names_are_refused() {
        let t = Templates::new(None, brand());
        assert!(matches!(
            t.render_sms("nope", json!({})),
            Err(DeliveryError::UnknownTemplate { .. })
        ));
        let err = t
            .render_email(EmailTemplate::named("nope"), json!({}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no template email-nope.txt: not built in, not brought by a plugin, and not in PORTCULLIS_TEMPLATES_DIR"
        );
        assert!(t.check_email(EmailTemplate::named("nope")).is_err());
        assert!(t.check_sms("otp").is_err());
        for kind in EmailTemplate::CORE {
            t.check_email(kind).unwrap();
        }
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
                EmailTemplate::PasswordReset,
                vars(EmailTemplate::PasswordReset, "Bob"),
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

    /// A plugin's own template (here an SMS and an email extending the core layout) renders
    /// like a core one, and `PORTCULLIS_TEMPLATES_DIR` overrides it by file name.
    #[test]
    fn plugin_templates_render_and_are_overridable() {
        const PLUGIN: &[(&str, &str)] = &[
            ("sms-ping.txt", "Ping {{ code }} from {{ brand.name }}"),
            (
                "email-ping.txt",
                "{% extends 'email-base.txt' %}{% block subject %}Ping for {{ brand.name }}{% endblock %}{% block content %}Code {{ code }}{% endblock %}",
            ),
            (
                "email-ping.html",
                "{% extends 'email-base.html' %}{% block content %}<p>Code {{ code }}</p>{% endblock %}",
            ),
        ];
        check_plugin_templates(PLUGIN).unwrap();
        let ping = EmailTemplate::named("ping");
        let t = Templates::with_plugin_templates(None, brand(), PLUGIN, email_catalogs(None));
        t.check_email(ping).unwrap();
        t.check_sms("ping").unwrap();
        assert_eq!(
            t.render_sms("ping", json!({"code": "42"})).unwrap(),
            "Ping 42 from Acme"
        );
        let r = t
            .render_email(ping, json!({"code": "42", "user": {"name": "Bob"}}))
            .unwrap();
        assert_eq!(r.subject, "Ping for Acme");
        assert!(
            r.text.contains("Hi Bob,") && r.text.contains("Code 42"),
            "{}",
            r.text
        );
        assert!(r.html.contains("<p>Code 42</p>") && r.html.contains("Acme Inc."));

        let dir = temp_dir("plugin");
        std::fs::write(dir.join("sms-ping.txt"), "Overridden {{ code }}").unwrap();
        let t = Templates::with_plugin_templates(
            Some(dir.clone()),
            brand(),
            PLUGIN,
            email_catalogs(None),
        );
        assert_eq!(
            t.render_sms("ping", json!({"code": "42"})).unwrap(),
            "Overridden 42"
        );
        // An override directory may also add a name nothing built in has.
        std::fs::write(dir.join("sms-extra.txt"), "Extra").unwrap();
        t.check_sms("extra").unwrap();
        std::fs::remove_dir_all(dir).unwrap();

        // A plugin may not replace a core template, bring one twice or misname one.
        for bad in [
            &[("email-welcome.txt", "")][..],
            &[("sms-a.txt", ""), ("sms-a.txt", "")],
            &[("page.html", "")],
            &[("sms-a.html", "")],
        ] {
            assert!(check_plugin_templates(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn embedded_list_is_complete() {
        for kind in EmailTemplate::CORE {
            for ext in ["html", "txt"] {
                let name = format!("email-{}.{ext}", kind.kind());
                assert!(EMBEDDED.iter().any(|(n, _)| *n == name), "{name}");
            }
        }
    }
}
