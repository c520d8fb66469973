//! The hosted UI: minijinja pages embedded in the binary (each overridable from
//! `PORTCULLIS_TEMPLATES_DIR` by file name), static assets, and the brand stylesheet.

use std::sync::Arc;

use minijinja::Environment;
use portcullis_core::{Config, PageRenderer};
use serde_json::{Value, json};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../ui/templates/base.html")),
    ("index.html", include_str!("../ui/templates/index.html")),
    ("sign-in.html", include_str!("../ui/templates/sign-in.html")),
    ("sign-up.html", include_str!("../ui/templates/sign-up.html")),
    ("account.html", include_str!("../ui/templates/account.html")),
    (
        "auth-error.html",
        include_str!("../ui/templates/auth-error.html"),
    ),
    (
        "reference.html",
        include_str!("../ui/templates/reference.html"),
    ),
    (
        "not-found.html",
        include_str!("../ui/templates/not-found.html"),
    ),
    (
        "forgot-password.html",
        include_str!("../ui/templates/forgot-password.html"),
    ),
    (
        "reset-password.html",
        include_str!("../ui/templates/reset-password.html"),
    ),
    (
        "verify-email.html",
        include_str!("../ui/templates/verify-email.html"),
    ),
    (
        "magic-link.html",
        include_str!("../ui/templates/magic-link.html"),
    ),
    (
        "email-otp.html",
        include_str!("../ui/templates/email-otp.html"),
    ),
    (
        "dev-outbox.html",
        include_str!("../ui/templates/dev-outbox.html"),
    ),
    (
        "dev-outbox-message.html",
        include_str!("../ui/templates/dev-outbox-message.html"),
    ),
];

/// `(file name, content type, body)`
pub const ASSETS: &[(&str, &str, &str)] = &[
    (
        "portcullis.css",
        "text/css; charset=utf-8",
        include_str!("../ui/static/portcullis.css"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/api.js"),
    ),
    (
        "index.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/index.js"),
    ),
    (
        "sign-in.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/sign-in.js"),
    ),
    (
        "sign-up.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/sign-up.js"),
    ),
    (
        "account.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/account.js"),
    ),
    (
        "forgot-password.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/forgot-password.js"),
    ),
    (
        "reset-password.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/reset-password.js"),
    ),
    (
        "verify-email.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/verify-email.js"),
    ),
    (
        "magic-link.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/magic-link.js"),
    ),
    (
        "email-otp.js",
        "text/javascript; charset=utf-8",
        include_str!("../ui/static/email-otp.js"),
    ),
];

pub struct Ui {
    env: Environment<'static>,
    globals: Value,
    pub brand_css: String,
}

impl Ui {
    pub fn new(config: &Config) -> Arc<Ui> {
        let mut env = Environment::new();
        let dir = config.templates_dir.clone();
        env.set_loader(move |name| {
            portcullis_delivery::templates::load_override(dir.as_deref(), TEMPLATES, name)
        });
        let b = &config.brand;
        let mut globals = b.globals(&config.base_url);
        if let Some(m) = globals.as_object_mut() {
            m.insert("base_path".into(), json!(config.base_path));
            m.insert(
                "config".into(),
                json!({
                    "min_password_length": config.password_min_length,
                    "max_password_length": config.password_max_length,
                }),
            );
        }
        // Colours were validated as hex at start-up, so they are safe inside CSS.
        let brand_css = format!(
            ":root{{--pc-primary:{};--pc-secondary:{};}}\n",
            b.primary_color, b.secondary_color
        );
        Arc::new(Ui {
            env,
            globals,
            brand_css,
        })
    }

    pub fn page(&self, template: &str, title: &str, request_path: &str) -> Option<String> {
        self.page_with(template, title, request_path, json!({}))
    }

    /// A page with extra context (`features`, `query`, page data) merged over the globals.
    pub fn page_with(
        &self,
        template: &str,
        title: &str,
        request_path: &str,
        extra: Value,
    ) -> Option<String> {
        let mut ctx = json!({"page_title": title, "request_path": request_path});
        if let (Some(m), Value::Object(extra)) = (ctx.as_object_mut(), extra) {
            m.extend(extra);
        }
        self.render(template, ctx)
    }
}

impl PageRenderer for Ui {
    fn render(&self, template: &str, ctx: Value) -> Option<String> {
        let mut merged = self.globals.clone();
        if let (Some(m), Value::Object(extra)) = (merged.as_object_mut(), ctx) {
            m.extend(extra);
        }
        let tpl = self
            .env
            .get_template(template)
            .map_err(|e| tracing::error!(error = %e, template, "template not found"))
            .ok()?;
        tpl.render(merged)
            .map_err(|e| tracing::error!(error = %e, template, "template failed to render"))
            .ok()
    }
}
