//! The hosted UI: minijinja pages embedded in the binary (each overridable from
//! `PORTCULLIS_TEMPLATES_DIR` by file name), static assets, and the brand stylesheet. Plugins
//! add pages, fragments of core pages (by slot) and assets (`Plugin::pages`, `fragments`,
//! `assets`), checked here at start-up.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Environment;
use portcullis_core::plugin_parts::Page;
use portcullis_core::{Config, PageRenderer, Plugin};
use serde_json::{Value, json};

use crate::app::StartError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../ui/templates/base.html")),
    ("macros.html", include_str!("../ui/templates/macros.html")),
    (
        "account-profile.html",
        include_str!("../ui/templates/account-profile.html"),
    ),
    (
        "account-email.html",
        include_str!("../ui/templates/account-email.html"),
    ),
    (
        "account-security.html",
        include_str!("../ui/templates/account-security.html"),
    ),
    (
        "account-sessions.html",
        include_str!("../ui/templates/account-sessions.html"),
    ),
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
        "forbidden.html",
        include_str!("../ui/templates/forbidden.html"),
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
        "dev-outbox.html",
        include_str!("../ui/templates/dev-outbox.html"),
    ),
    (
        "dev-outbox-message.html",
        include_str!("../ui/templates/dev-outbox-message.html"),
    ),
];

/// The hosted pages' and their scripts' message catalog, one file per shipped language.
pub const MESSAGES: &[(&str, portcullis_delivery::Messages)] = &[
    (
        "core pages",
        portcullis_delivery::Messages::new("en", include_str!("../ui/messages/en.ftl")),
    ),
    (
        "core pages",
        portcullis_delivery::Messages::new("fr", include_str!("../ui/messages/fr.ftl")),
    ),
    (
        "core scripts",
        portcullis_delivery::Messages::new("en", include_str!("../ui/messages/scripts-en.ftl")),
    ),
    (
        "core scripts",
        portcullis_delivery::Messages::new("fr", include_str!("../ui/messages/scripts-fr.ftl")),
    ),
    (
        "core errors",
        portcullis_delivery::Messages::new("en", include_str!("../ui/messages/errors-en.ftl")),
    ),
    (
        "core errors",
        portcullis_delivery::Messages::new("fr", include_str!("../ui/messages/errors-fr.ftl")),
    ),
];

/// Every message catalog: the core e-mails', the core pages', then each plugin's, with the
/// language `APP_LANGUAGE` forces. A catalog that does not fit stops start-up, named.
pub fn catalogs(
    config: &Config,
    plugins: &[Arc<dyn Plugin>],
) -> Result<Arc<portcullis_delivery::Catalogs>, StartError> {
    let mut sources: Vec<(&'static str, portcullis_delivery::Messages)> =
        portcullis_delivery::templates::EMAIL_MESSAGES.to_vec();
    sources.extend_from_slice(MESSAGES);
    for p in plugins {
        sources.extend(p.messages().into_iter().map(|m| (p.id(), m)));
    }
    portcullis_delivery::Catalogs::new(&sources, config.brand.language)
        .map(Arc::new)
        .map_err(|e| match plugins.iter().find(|p| p.id() == e.origin) {
            Some(p) => StartError::Plugin {
                plugin: p.id(),
                problem: e.to_string(),
            },
            None => StartError::Delivery(portcullis_delivery::DeliveryError::Config(e.to_string())),
        })
}

/// `(file name, content type, body)`. The zxcvbn-ts files are vendored from npm at pinned
/// versions (`ui/vendor/README.md`), loaded only by pages with a new password.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "portcullis.css",
        "text/css; charset=utf-8",
        include_bytes!("../ui/static/portcullis.css"),
    ),
    (
        "favicon.ico",
        "image/x-icon",
        include_bytes!("../ui/static/favicon.ico"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/api.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/i18n.js"),
    ),
    (
        "shell.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/shell.js"),
    ),
    (
        "forms.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/forms.js"),
    ),
    (
        "strength.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/strength.js"),
    ),
    (
        "devices.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/devices.js"),
    ),
    (
        "last-method.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/last-method.js"),
    ),
    (
        "index.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/index.js"),
    ),
    (
        "sign-in.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/sign-in.js"),
    ),
    (
        "sign-up.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/sign-up.js"),
    ),
    (
        "account.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/account.js"),
    ),
    (
        "theme.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/theme.js"),
    ),
    (
        "paged-list.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/paged-list.js"),
    ),
    (
        "sections.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/sections.js"),
    ),
    (
        "forgot-password.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/forgot-password.js"),
    ),
    (
        "reset-password.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/reset-password.js"),
    ),
    (
        "verify-email.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/verify-email.js"),
    ),
    (
        "dev-outbox.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/dev-outbox.js"),
    ),
    (
        "zxcvbn-ts-core.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/vendor/zxcvbn-ts/zxcvbn-ts-core.js"),
    ),
    (
        "zxcvbn-ts-language-common.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/vendor/zxcvbn-ts/zxcvbn-ts-language-common.js"),
    ),
    (
        "reference.css",
        "text/css; charset=utf-8",
        include_bytes!("../ui/static/reference.css"),
    ),
    (
        "reference.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/static/reference.js"),
    ),
];

/// The slots core pages render plugin fragments into.
pub const SLOTS: &[&str] = &[
    "sign-in.buttons",
    "sign-up.fields",
    "sign-up.buttons",
    "account.notices",
    "account.sections",
    "account.security",
    "admin.sections",
];

/// The account area's own sections, before the plugins': `(id, navigation label's message id,
/// template)`.
const CORE_ACCOUNT_SECTIONS: &[(&str, &str, &str)] = &[
    ("profile", "account-section-profile", "account-profile.html"),
    ("email", "account-section-email", "account-email.html"),
    (
        "security",
        "account-section-security",
        "account-security.html",
    ),
    (
        "sessions",
        "account-section-sessions",
        "account-sessions.html",
    ),
];

/// Paths the server itself answers outside the base path: no plugin page may take them.
pub const RESERVED_PATHS: &[&str] = &[
    "/",
    "/sign-in",
    "/sign-up",
    "/account",
    "/forgot-password",
    "/reset-password",
    "/verify-email",
    "/metrics",
    "/favicon.ico",
];

/// Path prefixes the server keeps for itself.
pub const RESERVED_PREFIXES: &[&str] = &["/assets/", "/api/", "/dev/"];

pub struct Ui {
    env: Environment<'static>,
    globals: Value,
    pub brand_css: String,
    /// `(file name, content type, body)`: the core assets, then the plugins'.
    assets: Vec<(&'static str, &'static str, &'static [u8])>,
    /// The plugins' pages, served by the router while their plugin is registered.
    pages: Vec<Page>,
    /// By page: the index of the plugin that brought it (for the runtime switches).
    page_owners: Vec<usize>,
    /// Each fragment's template file and the index of the plugin that brought it.
    fragment_owners: Vec<(&'static str, usize)>,
    catalogs: Arc<portcullis_delivery::Catalogs>,
    /// The brand an administrator stored (the delivery's templates hold the same one), laid
    /// under the brand of the work running on every render that does not bring its own.
    stored_brand: Arc<portcullis_delivery::StoredBrand>,
    /// `APP_PRIMARY_COLOR`, for a stored brand that changes the secondary colour alone.
    configured_primary: String,
}

/// A plain file name: what `PORTCULLIS_TEMPLATES_DIR` overrides by, and what `/assets/` serves.
fn plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A fixed page path: `/` and segments of `[A-Za-z0-9._-]`, none empty, `.` or `..`.
fn plain_page_path(path: &str) -> bool {
    path.strip_prefix('/').is_some_and(|rest| {
        rest.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && plain_file_name(seg.trim_start_matches('.'))
        })
    })
}

impl Ui {
    /// The core pages and assets only.
    pub fn new(config: &Config) -> Arc<Ui> {
        // Nothing a plugin brings can fail when there is none; core's catalogs are tested.
        catalogs(config, &[])
            .and_then(|c| Ui::with_plugins(config, &[], c, Default::default()))
            .unwrap_or_else(|_| unreachable!("no plugin to refuse"))
    }

    /// The core pages and assets, and those the plugins bring: each page template and fragment
    /// a plain `.html` file name that nothing else uses, each page path free (not a core page,
    /// not under the base path, `/assets/`, `/api/` or `/dev/`, not another plugin's), each
    /// fragment in a known slot, each asset a new plain file name. A plugin that breaks one of
    /// these stops start-up, named.
    /// Messages come from `catalogs` (see [`catalogs`]).
    pub fn with_plugins(
        config: &Config,
        plugins: &[Arc<dyn Plugin>],
        catalogs: Arc<portcullis_delivery::Catalogs>,
        stored_brand: Arc<portcullis_delivery::StoredBrand>,
    ) -> Result<Arc<Ui>, StartError> {
        let mut templates: Vec<(&'static str, &'static str)> = TEMPLATES.to_vec();
        let mut assets: Vec<(&'static str, &'static str, &'static [u8])> = ASSETS
            .iter()
            .map(|(name, ct, body)| (*name, *ct, *body))
            .collect();
        let mut pages: Vec<Page> = Vec::new();
        let mut page_owners: Vec<usize> = Vec::new();
        let mut fragment_owners: Vec<(&'static str, usize)> = Vec::new();
        let mut slots: BTreeMap<&'static str, Vec<&'static str>> =
            SLOTS.iter().map(|s| (*s, Vec::new())).collect();
        let mut account_sections: Vec<Value> = CORE_ACCOUNT_SECTIONS
            .iter()
            .map(|(id, label, template)| json!({"id": id, "label": label, "template": template}))
            .collect();
        // The admin console's sections: the admin plugin's, then the others in registry order.
        let mut admin_sections: Vec<Value> = Vec::new();
        let mut admin_sections_of_admin = 0;
        for (plugin_index, p) in plugins.iter().enumerate() {
            let refuse = |problem: String| StartError::Plugin {
                plugin: p.id(),
                problem,
            };
            let mut add_template =
                |file: &'static str, source: &'static str| -> Result<(), StartError> {
                    if !plain_file_name(file) || !file.ends_with(".html") {
                        return Err(refuse(format!(
                            "page template {file}: must be a plain file name ending in .html"
                        )));
                    }
                    if templates.iter().any(|(n, _)| *n == file) {
                        return Err(refuse(format!("page template {file} is defined twice")));
                    }
                    templates.push((file, source));
                    Ok(())
                };
            for page in p.pages() {
                add_template(page.template.file, page.template.source)?;
                let path = page.path;
                let taken = RESERVED_PATHS.contains(&path)
                    || RESERVED_PREFIXES
                        .iter()
                        .any(|pre| path.starts_with(pre) || path == pre.trim_end_matches('/'))
                    || crate::http::under_base(&config.base_path, path)
                    || pages.iter().any(|q| q.path == path);
                if !plain_page_path(path) || taken {
                    return Err(refuse(format!(
                        "page {path}: must be a free fixed path such as /my-page"
                    )));
                }
                pages.push(page);
                page_owners.push(plugin_index);
            }
            for fragment in p.fragments() {
                add_template(fragment.template.file, fragment.template.source)?;
                fragment_owners.push((fragment.template.file, plugin_index));
                let Some(list) = slots.get_mut(fragment.slot) else {
                    return Err(refuse(format!(
                        "fragment {}: no slot {:?} (slots: {})",
                        fragment.template.file,
                        fragment.slot,
                        SLOTS.join(", ")
                    )));
                };
                list.push(fragment.template.file);
                let (sections, kind, maker) = match fragment.slot {
                    "account.sections" => (
                        &mut account_sections,
                        "account",
                        "Fragment::account_section",
                    ),
                    "admin.sections" => (&mut admin_sections, "admin", "Fragment::admin_section"),
                    _ if fragment.section.is_some() => {
                        return Err(refuse(format!(
                            "fragment {}: only slots account.sections and admin.sections take a section",
                            fragment.template.file
                        )));
                    }
                    _ => continue,
                };
                let Some(section) = fragment.section else {
                    return Err(refuse(format!(
                        "fragment {}: an {kind} section is made with {maker}",
                        fragment.template.file
                    )));
                };
                let plain = !section.id.is_empty()
                    && section
                        .id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !plain || section.label.trim().is_empty() {
                    return Err(refuse(format!(
                        "{kind} section {:?}: needs an id of [a-z0-9-] and a label",
                        section.id
                    )));
                }
                if sections.iter().any(|s| s["id"] == section.id) {
                    return Err(refuse(format!(
                        "{kind} section {:?} is defined twice",
                        section.id
                    )));
                }
                let entry = json!({
                    "id": section.id,
                    "label": section.label,
                    "template": fragment.template.file,
                });
                // The console's own sections (the admin plugin's: Users, Sessions) lead,
                // whichever plugin the registry lists first.
                if kind == "admin" && p.id() == "admin" {
                    let own = admin_sections_of_admin;
                    admin_sections_of_admin += 1;
                    sections.insert(own, entry);
                } else {
                    sections.push(entry);
                }
            }
            for asset in p.assets() {
                if !plain_file_name(asset.file)
                    || asset.file == "brand.css"
                    || crate::brand_css::colors_of_file(asset.file).is_some()
                    || assets.iter().any(|(n, _, _)| *n == asset.file)
                {
                    return Err(refuse(format!(
                        "asset {}: must be a plain file name nothing else serves",
                        asset.file
                    )));
                }
                assets.push((asset.file, asset.content_type, asset.body));
            }
        }
        let mut env = Environment::new();
        let dir = config.templates_dir.clone();
        env.set_loader(move |name| {
            portcullis_delivery::templates::load_override(dir.as_deref(), &templates, name)
        });
        catalogs.install(&mut env);
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
            m.insert("slots".into(), json!(slots));
            m.insert("account_sections".into(), Value::Array(account_sections));
            m.insert("admin_sections".into(), Value::Array(admin_sections));
            m.insert("production".into(), json!(config.is_production()));
            for p in plugins {
                let refuse = |problem: String| StartError::Plugin {
                    plugin: p.id(),
                    problem,
                };
                let added = match p.page_globals() {
                    Value::Null => continue,
                    Value::Object(added) => added,
                    _ => {
                        return Err(refuse("page globals: must be a JSON object or null".into()));
                    }
                };
                for (key, value) in added {
                    if m.contains_key(&key) {
                        return Err(refuse(format!("page global {key:?} is already defined")));
                    }
                    m.insert(key, value);
                }
            }
        }
        // Colours were validated as hex at start-up, so they are safe inside CSS.
        let brand_css = format!(
            ":root{{--pc-primary:{};--pc-secondary:{};}}\n",
            b.primary_color, b.secondary_color
        );
        Ok(Arc::new(Ui {
            env,
            globals,
            brand_css,
            assets,
            pages,
            page_owners,
            fragment_owners,
            catalogs,
            stored_brand,
            configured_primary: b.primary_color.clone(),
        }))
    }

    /// The plugin that brought page `index` of `plugin_pages`.
    pub fn page_owner(&self, index: usize) -> Option<usize> {
        self.page_owners.get(index).copied()
    }

    /// Page globals without the fragments of plugins switched off (`on` says which plugin
    /// index is on): `slots` and the account and admin sections, to merge over a page's
    /// context. `None` when every plugin with a fragment is on.
    pub fn without_switched_off(&self, on: impl Fn(usize) -> bool) -> Option<Value> {
        let hidden: Vec<&str> = self
            .fragment_owners
            .iter()
            .filter(|(_, plugin)| !on(*plugin))
            .map(|(file, _)| *file)
            .collect();
        if hidden.is_empty() {
            return None;
        }
        let shown = |v: &Value| v.as_str().is_none_or(|f| !hidden.contains(&f));
        let mut out = serde_json::Map::new();
        if let Some(Value::Object(slots)) = self.globals.get("slots") {
            let slots: serde_json::Map<String, Value> = slots
                .iter()
                .map(|(slot, files)| {
                    let files = files.as_array().into_iter().flatten().filter(|f| shown(f));
                    (slot.clone(), Value::Array(files.cloned().collect()))
                })
                .collect();
            out.insert("slots".into(), Value::Object(slots));
        }
        for key in ["account_sections", "admin_sections"] {
            if let Some(Value::Array(sections)) = self.globals.get(key) {
                let kept = sections.iter().filter(|s| shown(&s["template"]));
                out.insert(key.into(), Value::Array(kept.cloned().collect()));
            }
        }
        Some(Value::Object(out))
    }

    /// A static asset by file name: `(content type, body)`.
    pub fn asset(&self, file: &str) -> Option<(&'static str, &'static [u8])> {
        self.assets
            .iter()
            .find(|(name, _, _)| *name == file)
            .map(|(_, ct, body)| (*ct, *body))
    }

    /// The `brand` page global with `overlay` over it, and the colours' stylesheet
    /// (`/assets/brand-<hex>[-<hex>].css`) when it brings a colour: values to merge over a
    /// page's context.
    pub fn branded(&self, overlay: &portcullis_core::branding::BrandOverlay) -> Value {
        let mut brand = self
            .globals
            .get("brand")
            .cloned()
            .unwrap_or_else(|| json!({}));
        if let Some(b) = brand.as_object_mut() {
            overlay.apply(b, None);
        }
        // A secondary colour alone still names the configured primary one: one sheet holds both.
        let secondary = overlay.secondary_color.as_deref();
        let stylesheet = match (overlay.primary_color.as_deref(), secondary) {
            (None, None) => None,
            (primary, _) => crate::brand_css::file_of_colors(
                primary.unwrap_or(&self.configured_primary),
                secondary,
            ),
        }
        .map(|f| format!("/assets/{f}"));
        json!({"brand": brand, "brand_stylesheet": stylesheet})
    }

    /// The pages plugins bring.
    pub fn plugin_pages(&self) -> &[Page] {
        &self.pages
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
            // The request's language (`<html lang>`, `t()`), unless the page says its own.
            m.entry("lang")
                .or_insert_with(|| self.catalogs.current().into());
            // A page that says no brand of its own (the engine's error page, the API
            // reference) gets the one every hosted page gets.
            if !m.contains_key("brand_stylesheet")
                && let Some(b) = self
                    .stored_brand
                    .layered(portcullis_delivery::current_brand().as_deref())
                && let Value::Object(branded) = self.branded(&b)
            {
                m.extend(branded);
            }
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use portcullis_core::plugin_parts::{Asset, Fragment, Page, TemplateSource};

    use super::*;

    /// A plugin bringing exactly the given pages, fragments and assets.
    struct Brings(Vec<Page>, Vec<Fragment>, Vec<Asset>);

    impl Plugin for Brings {
        fn id(&self) -> &'static str {
            "brings"
        }
        fn pages(&self) -> Vec<Page> {
            self.0.clone()
        }
        fn fragments(&self) -> Vec<Fragment> {
            self.1.clone()
        }
        fn assets(&self) -> Vec<Asset> {
            self.2.clone()
        }
    }

    fn config(extra: &[(&str, &str)]) -> Config {
        let env = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<HashMap<_, _>>();
        Config::load(&portcullis_core::Sources::new(env).unwrap()).unwrap()
    }

    fn page(path: &'static str, file: &'static str) -> Page {
        Page::new(
            path,
            TemplateSource::new(
                file,
                "{% extends 'base.html' %}{% block content %}<p id=x>{{ greeting }}</p>{% endblock %}",
            ),
            "Hello",
        )
        .context(json!({"greeting": "hi there"}))
    }

    /// The UI for `plugins`, with their catalogs.
    fn ui_of(config: &Config, plugins: &[Arc<dyn Plugin>]) -> Result<Arc<Ui>, StartError> {
        Ui::with_plugins(
            config,
            plugins,
            catalogs(config, plugins)?,
            Default::default(),
        )
    }

    fn build_ui(brings: Brings, extra: &[(&str, &str)]) -> Result<Arc<Ui>, StartError> {
        ui_of(&config(extra), &[Arc::new(brings)])
    }

    #[test]
    fn core_pages_say_their_words_in_every_language() {
        use portcullis_delivery::i18n::{self, LANGUAGES};
        let all = catalogs(&config(&[]), &[]).expect("core catalogs");
        let mut problems = Vec::new();
        for origin in ["core pages", "core scripts", "core errors"] {
            let files: Vec<_> = MESSAGES
                .iter()
                .filter(|(o, _)| *o == origin)
                .map(|(_, m)| *m)
                .collect();
            problems.extend(
                i18n::mismatches(&files)
                    .into_iter()
                    .map(|m| format!("{origin}: {m}")),
            );
        }
        let scripts = ASSETS
            .iter()
            .filter(|(_, ct, _)| ct.starts_with("text/javascript"))
            .filter(|(file, _, _)| !file.starts_with("zxcvbn"))
            .map(|(file, _, body)| (*file, std::str::from_utf8(body).unwrap_or_default()));
        for (file, source) in TEMPLATES.iter().copied().chain(scripts) {
            for id in i18n::ids_used(source) {
                for language in LANGUAGES {
                    if !all.defines(language, &id) {
                        problems.push(format!("{file}: t({id:?}) is not defined in {language}"));
                    }
                }
            }
        }
        for (id, label, _) in CORE_ACCOUNT_SECTIONS {
            for language in LANGUAGES {
                if !all.defines(language, label) {
                    problems.push(format!("account section {id}: {label:?} is not a message"));
                }
            }
        }
        for code in portcullis_core::error::codes::ALL {
            if !all.defines("fr", &format!("js-error-{}", code.code)) {
                problems.push(format!("error code {} has no French", code.code));
            }
        }
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    #[test]
    fn pages_render_in_the_language_asked_for() {
        let ui = Ui::new(&config(&[]));
        let features = json!({"features": {
            "password_reset": true, "email_verification": true, "dev_outbox": false,
            "username_sign_in": false, "change_email": false, "send_verification_email": true,
            "set_password": true, "delete_user": false,
        }, "query": {"error": null, "status": null, "has_token": false}});
        let page = |ui: &Ui, lang: Option<&str>| {
            let mut ctx = features.clone();
            if let Some(lang) = lang {
                ctx["lang"] = json!(lang);
            }
            ui.page_with("sign-in.html", "page-title-sign-in", "/sign-in", ctx)
                .unwrap()
        };
        let fr = page(&ui, Some("fr"));
        assert!(fr.contains("<html lang=\"fr\""), "{fr}");
        assert!(fr.contains("Aller au contenu"), "{fr}");
        assert!(fr.contains("<script src=\"/assets/messages-fr-"), "{fr}");
        assert!(fr.contains("<title>Connexion"), "{fr}");
        let en = page(&ui, None);
        assert!(
            en.contains("<html lang=\"en\"") && en.contains("Skip to content"),
            "{en}"
        );
        assert!(en.contains("<title>Sign in"), "{en}");
        let forced = page(&Ui::new(&config(&[("APP_LANGUAGE", "fr")])), None);
        assert!(forced.contains("<html lang=\"fr\""), "{forced}");
    }

    #[test]
    fn plugin_pages_fragments_and_assets_render_and_override() {
        let button = Fragment::new(
            "sign-in.buttons",
            TemplateSource::new("x-button.html", "<li id=\"x-button\">{{ brand.name }}</li>"),
        );
        let asset = Asset {
            file: "x.js",
            content_type: "text/javascript; charset=utf-8",
            body: b"export {};",
        };
        let make = || Brings(vec![page("/x", "x.html")], vec![button], vec![asset]);
        let ui = build_ui(make(), &[("APP_NAME", "Acme")]).unwrap();
        assert_eq!(ui.plugin_pages().len(), 1);
        assert_eq!(
            ui.asset("x.js"),
            Some(("text/javascript; charset=utf-8", &b"export {};"[..]))
        );
        assert!(ui.asset("api.js").is_some() && ui.asset("nope.js").is_none());
        let p = &ui.plugin_pages()[0];
        let html = ui
            .page_with(p.template.file, p.title, p.path, p.context.clone())
            .unwrap();
        assert!(html.contains("<p id=x>hi there</p>") && html.contains("Hello · Acme"));
        let sign_in_page = |ui: &Ui| {
            ui.page_with(
                "sign-in.html",
                "Sign in",
                "/sign-in",
                json!({"features": {}}),
            )
            .unwrap()
        };
        let sign_in = sign_in_page(&ui);
        assert!(
            sign_in.contains("<li id=\"x-button\">Acme</li>"),
            "{sign_in}"
        );
        assert!(sign_in.contains("Other ways to sign in"));
        // Switched off at run time: its fragment leaves the page, its page has an owner.
        assert_eq!(ui.page_owner(0), Some(0));
        assert_eq!(ui.without_switched_off(|_| true), None, "all on");
        let off = ui.without_switched_off(|plugin| plugin != 0).unwrap();
        assert_eq!(off["slots"]["sign-in.buttons"], json!([]));
        let sign_in = ui
            .page_with("sign-in.html", "Sign in", "/sign-in", {
                let mut extra = off.clone();
                extra["features"] = json!({});
                extra
            })
            .unwrap();
        assert!(!sign_in.contains("x-button"), "{sign_in}");
        // Without the plugin: no list at all.
        let bare = Ui::new(&config(&[]));
        let sign_in = sign_in_page(&bare);
        assert!(!sign_in.contains("auth-options"));
        assert!(bare.asset("x.js").is_none());

        // PORTCULLIS_TEMPLATES_DIR overrides a plugin's page and fragment by file name.
        let dir = std::env::temp_dir().join(format!("portcullis-ui-{}", rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("x-button.html"), "<li id=\"mine\"></li>").unwrap();
        std::fs::write(dir.join("x.html"), "own page").unwrap();
        let ui = build_ui(
            make(),
            &[("PORTCULLIS_TEMPLATES_DIR", dir.to_str().unwrap())],
        )
        .unwrap();
        let sign_in = sign_in_page(&ui);
        assert!(sign_in.contains("<li id=\"mine\"></li>") && !sign_in.contains("x-button"));
        assert_eq!(ui.page("x.html", "", "/x").as_deref(), Some("own page"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn plugins_that_do_not_fit_stop_start_up() {
        let frag = |slot, file| Fragment::new(slot, TemplateSource::new(file, ""));
        let asset = |file| Asset {
            file,
            content_type: "text/plain",
            body: b"",
        };
        let cases = [
            (
                Brings(vec![page("/sign-in", "a.html")], vec![], vec![]),
                "page /sign-in",
            ),
            (
                Brings(vec![page("/api/auth/x", "a.html")], vec![], vec![]),
                "page /api/auth/x",
            ),
            (
                Brings(vec![page("/assets/a", "a.html")], vec![], vec![]),
                "page /assets/a",
            ),
            (
                Brings(vec![page("/a/{id}", "a.html")], vec![], vec![]),
                "page /a/{id}",
            ),
            (
                Brings(vec![page("/a/../b", "a.html")], vec![], vec![]),
                "page /a/../b",
            ),
            (
                Brings(
                    vec![page("/a", "a.html"), page("/a", "b.html")],
                    vec![],
                    vec![],
                ),
                "page /a",
            ),
            (
                Brings(vec![page("/a", "sign-in.html")], vec![], vec![]),
                "sign-in.html is defined twice",
            ),
            (
                Brings(vec![page("/a", "../a.html")], vec![], vec![]),
                "page template ../a.html",
            ),
            (
                Brings(vec![], vec![frag("nowhere", "f.html")], vec![]),
                "no slot \"nowhere\"",
            ),
            (
                Brings(vec![], vec![frag("account.sections", "s.html")], vec![]),
                "an account section is made with Fragment::account_section",
            ),
            (
                Brings(
                    vec![],
                    vec![Fragment::account_section(
                        "Two Words",
                        "Mine",
                        TemplateSource::new("s.html", ""),
                    )],
                    vec![],
                ),
                "account section \"Two Words\": needs an id of [a-z0-9-]",
            ),
            (
                Brings(
                    vec![],
                    vec![Fragment::account_section(
                        "profile",
                        "Mine",
                        TemplateSource::new("s.html", ""),
                    )],
                    vec![],
                ),
                "account section \"profile\" is defined twice",
            ),
            (
                Brings(vec![], vec![frag("admin.sections", "s.html")], vec![]),
                "an admin section is made with Fragment::admin_section",
            ),
            (
                Brings(
                    vec![],
                    vec![
                        Fragment::admin_section("log", "Log", TemplateSource::new("a.html", "")),
                        Fragment::admin_section("log", "Log", TemplateSource::new("b.html", "")),
                    ],
                    vec![],
                ),
                "admin section \"log\" is defined twice",
            ),
            (
                Brings(
                    vec![],
                    vec![Fragment {
                        slot: "sign-in.buttons",
                        ..Fragment::admin_section("x", "X", TemplateSource::new("s.html", ""))
                    }],
                    vec![],
                ),
                "only slots account.sections and admin.sections take a section",
            ),
            (
                Brings(vec![], vec![], vec![asset("api.js")]),
                "asset api.js",
            ),
            (
                Brings(vec![], vec![], vec![asset("brand.css")]),
                "asset brand.css",
            ),
            (
                Brings(vec![], vec![], vec![asset("a/b.js")]),
                "asset a/b.js",
            ),
        ];
        for (brings, want) in cases {
            let err = build_ui(brings, &[]).err().expect(want).to_string();
            assert!(
                err.starts_with("plugin brings: ") && err.contains(want),
                "{err}"
            );
        }
    }

    /// A plugin adding exactly these page globals, and a page that shows one.
    struct Globals(&'static str, Value);

    impl Plugin for Globals {
        fn id(&self) -> &'static str {
            self.0
        }
        fn page_globals(&self) -> Value {
            self.1.clone()
        }
        fn pages(&self) -> Vec<Page> {
            let file = if self.0 == "pie" {
                "pie.html"
            } else {
                "other.html"
            };
            let path = if self.0 == "pie" { "/pie" } else { "/other" };
            vec![Page::new(
                path,
                TemplateSource::new(file, "{{ pie_cookie }}|{{ config.min_password_length }}"),
                "",
            )]
        }
    }

    #[test]
    fn plugins_add_page_globals_without_taking_a_name() {
        let with = |plugins: Vec<Arc<dyn Plugin>>| ui_of(&config(&[]), &plugins);
        let ui = with(vec![
            Arc::new(Globals("pie", json!({"pie_cookie": "pie.last"}))),
            Arc::new(Globals("none", Value::Null)),
        ])
        .unwrap();
        assert_eq!(
            ui.page("pie.html", "", "/pie").as_deref(),
            Some("pie.last|8"),
            "the plugin's global beside core's"
        );
        assert_eq!(
            Ui::new(&config(&[])).globals.get("pie_cookie"),
            None,
            "only while the plugin is registered"
        );

        for (plugins, want) in [
            (
                vec![Arc::new(Globals("pie", json!({"base_path": "/x"}))) as Arc<dyn Plugin>],
                "plugin pie: page global \"base_path\" is already defined",
            ),
            (
                vec![
                    Arc::new(Globals("pie", json!({"k": 1}))) as Arc<dyn Plugin>,
                    Arc::new(Globals("tart", json!({"k": 2}))),
                ],
                "plugin tart: page global \"k\" is already defined",
            ),
            (
                vec![Arc::new(Globals("pie", json!(["k"]))) as Arc<dyn Plugin>],
                "plugin pie: page globals: must be a JSON object or null",
            ),
        ] {
            let err = with(plugins).err().expect(want).to_string();
            assert_eq!(err, want);
        }
    }
}
