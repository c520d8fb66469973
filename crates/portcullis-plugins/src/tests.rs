//! The plugins' own message templates, rendered as delivery renders them at run time (moved
//! here from the delivery crate with the templates).

use std::collections::HashMap;
use std::sync::Arc;

use portcullis_core::plugin_parts::Sends;
use portcullis_core::{Config, Plugin, Sources};
use portcullis_delivery::Templates;
use serde_json::{Value, json};

/// Every plugin of the registry, those off by default switched on.
pub(crate) fn every_plugin() -> Vec<Arc<dyn Plugin>> {
    let env = HashMap::from(
        [
            ("ENABLE_PHONE_AUTH", "true"),
            ("ENABLE_ANONYMOUS", "true"),
            ("ENABLE_MULTI_SESSION", "true"),
            ("ENABLE_JWT", "true"),
            ("ENABLE_API_KEY", "true"),
            ("ENABLE_TWO_FACTOR", "true"),
            ("ENABLE_PASSKEYS", "true"),
            ("ENABLE_ORGANIZATIONS", "true"),
            ("ENABLE_DEVICE_AUTHORIZATION", "true"),
            ("ORGANIZATION_TEAMS", "true"),
            ("ORGANIZATION_DYNAMIC_ROLES", "true"),
            ("ENABLE_OIDC_PROVIDER", "true"),
            ("OIDC_DYNAMIC_REGISTRATION", "true"),
            ("ENABLE_SECURITY_DETECTORS", "true"),
            ("ENABLE_WEBHOOKS", "true"),
            ("ENABLE_ADMIN", "true"),
            ("ENABLE_AUDIT_LOG", "true"),
            ("GITHUB_CLIENT_ID", "gh-client"),
            ("GITHUB_CLIENT_SECRET", "gh-secret-that-is-long-enough"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let config = Config::load(&Sources::new(env).expect("sources")).expect("config");
    crate::registry(&config).expect("registry")
}

fn templates() -> (Templates, Vec<Sends>) {
    let plugins = every_plugin();
    let sources: Vec<(&'static str, &'static str)> = plugins
        .iter()
        .flat_map(|p| p.templates())
        .map(|t| (t.file, t.source))
        .collect();
    portcullis_delivery::templates::check_plugin_templates(&sources).expect("well-formed");
    let sends = plugins.iter().flat_map(|p| p.sends()).collect();
    let globals = json!({
        "brand": {
            "name": "Acme", "company_name": "Acme Inc.", "domain": "acme.test",
            "logo_url": "https://acme.test/logo.png", "primary_color": "#ff5500",
            "support_email": "help@acme.test", "privacy_url": "https://acme.test/privacy",
            "terms_url": "https://acme.test/terms",
        },
        "base_url": "https://auth.acme.test",
    });
    let catalogs = std::sync::Arc::new(crate::messages_tests::catalogs(&plugins));
    (
        Templates::with_plugin_templates(None, globals, &sources, catalogs),
        sends,
    )
}

fn vars(user_name: &str) -> Value {
    json!({
        "to": "bob@example.com",
        "user": { "name": user_name, "email": "bob@example.com" },
        "url": "https://auth.acme.test/x?token=abc&next=%2F",
        "expires_in_minutes": 60,
        "otp": "482913",
        "otp_type": "sign-in",
    })
}

#[test]
fn every_plugin_message_has_its_templates() {
    let (t, sends) = templates();
    assert!(sends.contains(&Sends::Email(crate::magic_link::EMAIL)));
    assert!(sends.contains(&Sends::Email(crate::email_otp::EMAIL)));
    assert!(sends.contains(&Sends::Sms(crate::phone_number::SMS)));
    assert!(sends.contains(&Sends::Email(crate::two_factor::NOTICE_EMAIL)));
    assert!(sends.contains(&Sends::Sms(crate::two_factor::OTP_SMS)));
    assert!(sends.contains(&Sends::Email(crate::passkey::notices::EMAIL)));
    assert!(sends.contains(&Sends::Email(crate::organization::INVITATION_EMAIL)));
    for s in sends {
        match s {
            Sends::Email(e) => t.check_email(e).unwrap_or_else(|err| panic!("{err}")),
            Sends::Sms(name) => t.check_sms(name).unwrap_or_else(|err| panic!("{err}")),
        }
    }
}

#[test]
fn plugin_emails_render() {
    let (t, _) = templates();
    let link = crate::magic_link::EMAIL;
    let otp = crate::email_otp::EMAIL;
    for kind in [link, otp] {
        let r = t
            .render_email(kind, vars("Bob"))
            .unwrap_or_else(|e| panic!("{}: {e}", kind.kind()));
        assert!(r.subject.contains("Acme"), "{}: {}", kind.kind(), r.subject);
        assert!(!r.subject.contains('\n'));
        assert!(r.text.contains("Hi Bob,") && r.html.contains("Hi Bob,"));
        assert!(r.html.contains("Acme Inc.") && r.html.contains("mailto:help@acme.test"));
        assert!(!r.text.contains("\n\n\n"), "{}:\n{}", kind.kind(), r.text);
        let escaped = t
            .render_email(kind, vars("<script>alert(1)</script>"))
            .unwrap();
        assert!(!escaped.html.contains("<script>") && escaped.html.contains("&lt;script&gt;"));
        // No brand, no user, no expiry: still renders.
        let bare = Templates::new(None, json!({}));
        assert!(
            bare.render_email(kind, json!({})).is_err(),
            "not without the plugin"
        );
    }
    let r = t.render_email(otp, vars("Bob")).unwrap();
    assert_eq!(r.subject, "Your Acme code: 482913");
    assert!(r.text.contains("482913") && r.html.contains("482913"));
    assert!(r.text.contains("to sign in") && r.text.contains("1 hour"));
    let r = t.render_email(link, vars("Bob")).unwrap();
    assert!(
        r.text
            .contains("https://auth.acme.test/x?token=abc&next=%2F")
    );
    let escaped = "https://auth.acme.test/x?token=abc&amp;next=%2F";
    assert_eq!(r.html.matches(escaped).count(), 3);
    assert!(r.html.contains("background-color:#ff5500"));
}

#[test]
fn passkey_notices_render_added_and_removed() {
    let (t, _) = templates();
    let mut v = vars("Bob");
    v["added"] = json!(true);
    v["passkey_name"] = json!("Work <laptop>");
    v["time"] = json!("2026-12-05 07:49:03 UTC");
    v["ip"] = json!("203.0.113.9");
    v["device"] = json!("Chrome 120 on Linux");
    v["account_url"] = json!("https://auth.acme.test/account#security");
    v["reset_url"] = json!("https://auth.acme.test/forgot-password");
    let r = t
        .render_email(crate::passkey::notices::EMAIL, v.clone())
        .unwrap();
    assert_eq!(r.subject, "A passkey was added to your Acme account");
    assert!(r.text.contains("\"Work <laptop>\"") && r.text.contains("203.0.113.9"));
    assert!(r.html.contains("Work &lt;laptop&gt;") && !r.html.contains("Work <laptop>"));
    assert!(r.html.contains("Chrome 120 on Linux"));
    v["added"] = json!(false);
    v["passkey_name"] = json!(null);
    let r = t.render_email(crate::passkey::notices::EMAIL, v).unwrap();
    assert_eq!(r.subject, "A passkey was removed from your Acme account");
    assert!(r.text.contains("A passkey was just removed") && !r.text.contains("named"));
}

/// The relying party from variables or `[plugins.passkey]`, Better Auth's defaults, and a bad
/// value named by its variable.
#[test]
fn passkey_relying_party_settings() {
    use crate::passkey::PasskeySettings;
    let off = config_of(&[]).expect("config");
    assert!(
        PasskeySettings::load(&off).expect("valid").is_none(),
        "off by default"
    );
    let on = config_of(&[
        ("ENABLE_PASSKEYS", "true"),
        ("BETTER_AUTH_URL", "https://auth.acme.test/base"),
        ("APP_NAME", "Acme"),
    ])
    .expect("config");
    let s = PasskeySettings::load(&on).expect("valid").expect("on");
    assert_eq!(
        (s.rp_id.as_str(), s.rp_name.as_str()),
        ("auth.acme.test", "Acme")
    );
    assert_eq!(s.origins[0].as_str(), "https://auth.acme.test/");
    let parent = config_of(&[
        ("ENABLE_PASSKEYS", "true"),
        ("BETTER_AUTH_URL", "https://auth.acme.test"),
        ("PASSKEY_RP_ID", "acme.test"),
        (
            "PASSKEY_ORIGIN",
            "https://auth.acme.test,https://app.acme.test",
        ),
    ])
    .expect("config");
    let s = PasskeySettings::load(&parent).expect("valid").expect("on");
    assert_eq!(s.rp_id, "acme.test");
    assert_eq!(s.origins.len(), 2);
    for (env, var) in [
        (vec![("PASSKEY_RP_ID", "other.test")], "PASSKEY_RP_ID"),
        (
            vec![("PASSKEY_ORIGIN", "https://auth.acme.test/path")],
            "PASSKEY_ORIGIN",
        ),
        (
            vec![("PASSKEY_ORIGIN", "http://auth.acme.test")],
            "PASSKEY_ORIGIN",
        ),
    ] {
        let mut pairs = vec![
            ("ENABLE_PASSKEYS", "true"),
            ("BETTER_AUTH_URL", "https://auth.acme.test"),
        ];
        pairs.extend(env);
        let err = PasskeySettings::load(&config_of(&pairs).expect("config")).unwrap_err();
        assert_eq!(err.var, var, "{err}");
    }
    // An IP address cannot be a relying party: start-up says which variable to set.
    let ip = config_of(&[
        ("ENABLE_PASSKEYS", "true"),
        ("BETTER_AUTH_URL", "http://127.0.0.1:8787"),
    ])
    .expect("config");
    let err = crate::registry(&ip).err().expect("refused");
    assert_eq!(err.var, "PASSKEY_ORIGIN", "{err}");
    let table = config_from(
        &[("BETTER_AUTH_URL", "https://auth.acme.test")],
        "[plugins.passkey]\nenabled = true\nrp_id = \"elsewhere.test\"\n",
    )
    .expect("config");
    let err = PasskeySettings::load(&table).unwrap_err();
    assert_eq!(err.var, "plugins.passkey.rp_id", "{err}");
}

#[test]
fn sms_otp_renders() {
    let (t, _) = templates();
    let body = t
        .render_sms(
            crate::phone_number::SMS,
            json!({ "otp": "123456", "expires_in_minutes": 5 }),
        )
        .unwrap();
    assert!(body.starts_with("123456 is your Acme code."), "{body}");
    assert!(body.contains("5 min"));
    assert!(body.ends_with("@acme.test #123456"), "{body}");
    assert!(t.render_sms("nope", json!({})).is_err());
}

/// The configuration of `pairs` as variables, with a test secret: what a plugin's settings
/// tests load from.
pub(crate) fn config_of(pairs: &[(&str, &str)]) -> Result<Config, portcullis_core::ConfigError> {
    let env = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([("BETTER_AUTH_SECRET".to_owned(), "x".repeat(40))])
        .collect();
    Config::load(&Sources::new(env)?)
}

pub(crate) fn config_from(
    env: &[(&str, &str)],
    toml: &str,
) -> Result<Config, portcullis_core::ConfigError> {
    let file = std::env::temp_dir().join(format!(
        "portcullis-plugins-{}-{}.toml",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::write(&file, toml).expect("write");
    let mut env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    env.insert("PORTCULLIS_CONFIG".into(), file.display().to_string());
    let config = Sources::new(env).and_then(|s| Config::load(&s));
    let _ = std::fs::remove_file(file);
    config
}

fn ids(config: &Config) -> Vec<&'static str> {
    crate::registry(config)
        .expect("registry")
        .iter()
        .map(|p| p.id())
        .collect()
}

/// Plugin settings from `[plugins.<id>]`, the variables winning, a bad value named by its key.
#[test]
fn plugin_settings_from_nested_tables() {
    let on = config_from(&[], "").expect("config");
    assert!(ids(&on).contains(&"bearer") && ids(&on).contains(&"magic-link"));
    let file = "[plugins.bearer]\nenabled = false\n[plugins.magic_link]\nexpires_in = 600\ndisable_sign_up = true\n";
    let off = config_from(&[], file).expect("config");
    assert!(!ids(&off).contains(&"bearer"));
    let s = crate::magic_link::MagicLinkSettings::load(&off)
        .expect("valid")
        .expect("on");
    assert_eq!((s.expires_in, s.disable_sign_up), (600, true));
    // ENABLE_BEARER still works, and wins over the table.
    let env_on = config_from(&[("ENABLE_BEARER", "true")], file).expect("config");
    assert!(ids(&env_on).contains(&"bearer"));
    let env_off = config_from(&[("ENABLE_BEARER", "false")], "").expect("config");
    assert!(!ids(&env_off).contains(&"bearer"));
    let flat_off = config_from(&[], "enable_bearer = false\n").expect("config");
    assert!(
        !ids(&flat_off).contains(&"bearer"),
        "the flat file key as before"
    );

    let bad = config_from(&[], "[plugins.bearer]\nenabled = \"sometimes\"\n").expect("config");
    let err = crate::registry(&bad).err().expect("refused");
    assert_eq!(
        err.to_string(),
        "plugins.bearer.enabled must be true or false, got `sometimes`"
    );
    let bad = config_from(&[], "[plugins.magic_link]\nexpires_in = 5\n").expect("config");
    let err = crate::registry(&bad).err().expect("refused");
    assert_eq!(err.var, "plugins.magic_link.expires_in");
}

/// `[plugins.last_login_method]`: every key, the variables winning, bad values named.
#[test]
fn last_login_method_from_its_table() {
    use crate::last_login_method::LastLoginMethodSettings;
    let file = "[plugins.last_login_method]\nstore_in_database = true\ncookie_name = \"acme.last\"\nmax_age = 3600\nset_cookie = false\n";
    let config = config_from(&[], file).expect("config");
    let s = LastLoginMethodSettings::load(&config)
        .expect("valid")
        .expect("on");
    assert_eq!(
        s,
        LastLoginMethodSettings {
            cookie_name: "acme.last".into(),
            max_age: 3600,
            store_in_database: true,
            set_cookie: false,
        }
    );
    let config = config_from(&[("LAST_LOGIN_METHOD_MAX_AGE", "60")], file).expect("config");
    let s = LastLoginMethodSettings::load(&config)
        .expect("valid")
        .expect("on");
    assert_eq!(s.max_age, 60, "the variable wins");
    let off = config_from(&[], "[plugins.last_login_method]\nenabled = false\n").expect("config");
    assert!(!ids(&off).contains(&"last-login-method"));
    assert!(ids(&config_from(&[], "").expect("config")).contains(&"last-login-method"));
    let bad = config_from(&[], "[plugins.last_login_method]\nmax_age = 0\n").expect("config");
    let err = crate::registry(&bad).err().expect("refused");
    assert_eq!(err.var, "plugins.last_login_method.max_age");
    let bad =
        config_from(&[], "[plugins.last_login_method]\ncookie_name = \"a b\"\n").expect("config");
    let err = crate::registry(&bad).err().expect("refused");
    assert_eq!(err.var, "plugins.last_login_method.cookie_name");
}

/// `[plugins.multi_session]`: `enabled` and `maximum`, the variables winning, bad values named.
#[test]
fn multi_session_from_its_table() {
    use crate::multi_session::MultiSessionSettings;
    assert!(!ids(&config_from(&[], "").expect("config")).contains(&"multi-session"));
    let file = "[plugins.multi_session]\nenabled = true\nmaximum = 3\n";
    let config = config_from(&[], file).expect("config");
    assert!(ids(&config).contains(&"multi-session"));
    let s = MultiSessionSettings::load(&config)
        .expect("valid")
        .expect("on");
    assert_eq!(s.maximum, 3);
    let config = config_from(&[("MULTI_SESSION_MAXIMUM", "7")], file).expect("config");
    let s = MultiSessionSettings::load(&config)
        .expect("valid")
        .expect("on");
    assert_eq!(s.maximum, 7, "the variable wins");
    let off = config_from(&[("ENABLE_MULTI_SESSION", "false")], file).expect("config");
    assert!(!ids(&off).contains(&"multi-session"));
    let bad = config_from(
        &[],
        "[plugins.multi_session]\nenabled = true\nmaximum = 0\n",
    )
    .expect("config");
    let err = crate::registry(&bad).err().expect("refused");
    assert_eq!(err.var, "plugins.multi_session.maximum");
}

#[test]
fn two_factor_messages_render() {
    let (t, _) = templates();
    let code = t
        .render_email(crate::two_factor::OTP_EMAIL, vars("Bob"))
        .expect("code");
    assert_eq!(code.subject, "Your Acme sign-in code: 482913");
    assert!(code.text.contains("482913") && code.html.contains("482913"));
    for (change, left, says) in [
        ("totp-added", 0, "authenticator app was set up"),
        ("otp-added", 0, "emailed codes was turned on"),
        ("removed", 0, "turned off"),
        ("backup-codes-regenerated", 0, "The old ones no longer work"),
        ("backup-code-used", 1, "1 unused code left"),
    ] {
        let mut v = vars("Bob");
        v["change"] = json!(change);
        v["codes_left"] = json!(left);
        v["time"] = json!("2026-12-05 07:49:03 UTC");
        v["account_url"] = json!("https://auth.acme.test/account");
        v["reset_url"] = json!("https://auth.acme.test/forgot-password");
        let r = t
            .render_email(crate::two_factor::NOTICE_EMAIL, v)
            .unwrap_or_else(|e| panic!("{change}: {e}"));
        assert!(r.text.contains(says), "{change}: {}", r.text);
        assert!(r.html.contains(says), "{change}: {}", r.html);
        assert!(r.text.contains("2026-12-05 07:49:03 UTC"), "{change}: when");
        assert!(!r.subject.contains('\n'));
    }
    let sms = t
        .render_sms(crate::two_factor::OTP_SMS, vars("Bob"))
        .expect("sms");
    assert!(
        sms.starts_with("482913 is your Acme sign-in code."),
        "{sms}"
    );
}

#[test]
fn organization_invitation_renders_with_the_organization_and_inviter() {
    let (t, _) = templates();
    let mut v = vars("Bob");
    v["organization"] = json!({"name": "Rocket <Labs>", "slug": "rocket"});
    v["inviter"] = json!({"name": "Ada", "email": "ada@example.com"});
    v["role"] = json!("admin");
    v["expires_in_hours"] = json!(48);
    let r = t
        .render_email(crate::organization::INVITATION_EMAIL, v)
        .expect("render");
    assert_eq!(r.subject, "Ada invited you to join Rocket <Labs>");
    assert!(r.text.contains("as admin") && r.text.contains("48 hours"));
    assert!(
        r.text
            .contains("https://auth.acme.test/x?token=abc&next=%2F")
    );
    assert!(r.html.contains("Rocket &lt;Labs&gt;") && !r.html.contains("<Labs>"));
    assert!(r.html.contains("Acme Inc."));
}

#[test]
fn organization_access_control_from_toml_and_file_stops_start_up_when_wrong() {
    use crate::organization::OrganizationSettings;
    let file = r#"
[plugins.organization]
enabled = true

[plugins.organization.access_control.statements]
project = ["create", "read"]

[plugins.organization.access_control.roles.owner]
project = ["create", "read"]

[plugins.organization.access_control.roles.viewer]
project = ["read"]
"#;
    let config = config_from(&[], file).expect("config");
    let s = OrganizationSettings::load(&config)
        .expect("valid")
        .expect("enabled");
    assert_eq!(s.access.roles["viewer"]["project"], ["read"]);
    assert!(
        crate::registry(&config)
            .expect("registry")
            .iter()
            .any(|p| p.id() == "organization")
    );

    // A role naming an action its resource lacks: one line naming the setting.
    let bad = file.replace(r#"project = ["read"]"#, r#"project = ["launch"]"#);
    let config = config_from(&[], &bad).expect("config");
    let e = OrganizationSettings::load(&config).expect_err("refused");
    assert_eq!(e.var, "plugins.organization.access_control");
    assert!(e.problem.contains("`launch`"), "{}", e.problem);

    // A creator role the roles lack.
    let config = config_from(&[("ORGANIZATION_CREATOR_ROLE", "founder")], file).expect("config");
    let e = OrganizationSettings::load(&config).expect_err("refused");
    assert_eq!(e.var, "ORGANIZATION_CREATOR_ROLE");

    // The shipped example file loads; a missing file is named.
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/organization-access-control.json"
    );
    let config = config_from(
        &[
            ("ENABLE_ORGANIZATIONS", "true"),
            ("ORGANIZATION_ACCESS_CONTROL_FILE", example),
        ],
        "",
    )
    .expect("config");
    let s = OrganizationSettings::load(&config)
        .expect("valid")
        .expect("enabled");
    assert_eq!(s.access.roles.len(), 5);
    let permissions: usize = ["users", "teams", "org", "security", "analytics"]
        .iter()
        .map(|r| s.access.statements[*r].len())
        .sum();
    assert_eq!(
        permissions, 17,
        "the enterprise guide's seventeen permissions"
    );
    let config = config_from(
        &[
            ("ENABLE_ORGANIZATIONS", "true"),
            ("ORGANIZATION_ACCESS_CONTROL_FILE", "/nonexistent.json"),
        ],
        "",
    )
    .expect("config");
    let e = OrganizationSettings::load(&config).expect_err("refused");
    assert_eq!(e.var, "ORGANIZATION_ACCESS_CONTROL_FILE");
}

/// `SECURITY_PRESET=strict` reaches the plugins' own settings: administrators step up (ASVS
/// V4.3.1, V4.3.3), the audit log and the detectors are on (V7), and a mailbox alone no longer
/// signs in (V2.2.2). Each still yields to its own variable.
#[test]
fn strict_preset_sets_the_plugins_rules() {
    use crate::{admin, audit, detectors, email_otp, magic_link};
    let load = |pairs: &[(&str, &str)]| config_of(pairs).expect("config");
    let strict = load(&[("SECURITY_PRESET", "strict"), ("ENABLE_ADMIN", "true")]);
    let admin = admin::AdminSettings::load(&strict, true)
        .expect("admin")
        .expect("on");
    assert!(admin.step_up.is_some(), "administrators step up");
    assert!(
        audit::AuditSettings::load(&strict)
            .expect("audit")
            .is_some()
    );
    assert!(
        detectors::DetectorSettings::load(&strict)
            .expect("detectors")
            .is_some()
    );
    assert!(
        magic_link::MagicLinkSettings::load(&strict)
            .expect("magic")
            .is_none()
    );
    assert!(
        email_otp::EmailOtpSettings::load(&strict)
            .expect("otp")
            .is_none()
    );

    let plain = load(&[("ENABLE_ADMIN", "true")]);
    let admin = admin::AdminSettings::load(&plain, true)
        .expect("admin")
        .expect("on");
    assert!(admin.step_up.is_none());
    assert!(audit::AuditSettings::load(&plain).expect("audit").is_none());
    assert!(
        magic_link::MagicLinkSettings::load(&plain)
            .expect("magic")
            .is_some()
    );
    assert!(
        email_otp::EmailOtpSettings::load(&plain)
            .expect("otp")
            .is_some()
    );

    let chosen = load(&[
        ("SECURITY_PRESET", "strict"),
        ("ENABLE_MAGIC_LINKS", "true"),
    ]);
    assert!(
        magic_link::MagicLinkSettings::load(&chosen)
            .expect("magic")
            .is_some()
    );
}
