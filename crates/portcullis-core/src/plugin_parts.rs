//! What a plugin brings besides endpoints, hooks and tables, as plain data: message templates
//! and the messages it sends. The engine only carries these; the delivery crate and the server
//! consume them at start-up, so core stays free of templates.

/// A plugin's message catalog file (`Plugin::messages`).
pub use portcullis_delivery::Messages;

use portcullis_delivery::EmailTemplate;

/// A template file a plugin brings: its file name and its source (usually `include_str!`).
///
/// Message templates are named as the delivery crate names its own: `email-<name>.html` plus
/// `email-<name>.txt` (the text part defines `{% block subject %}`), or `sms-<name>.txt`. They
/// may extend the core layouts (`email-base.html`, `email-base.txt`), and an operator overrides
/// them by file name from `PORTCULLIS_TEMPLATES_DIR`, like the core ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateSource {
    pub file: &'static str,
    pub source: &'static str,
}

impl TemplateSource {
    pub const fn new(file: &'static str, source: &'static str) -> Self {
        TemplateSource { file, source }
    }
}

/// `TemplateSource` for a file in the calling crate's `<dir>/`, embedded at compile time:
/// `template_source!("src/magic_link/templates", "email-magic-link.html")`.
#[macro_export]
macro_rules! template_source {
    ($dir:literal, $file:literal) => {
        $crate::plugin_parts::TemplateSource::new(
            $file,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", $file)),
        )
    };
}

/// A message a plugin sends. Start-up checks that its templates exist (built in, from a plugin
/// or in `PORTCULLIS_TEMPLATES_DIR`) and compile, so a missing one stops the server rather than
/// failing at the first send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sends {
    /// `email-<name>.html` and `email-<name>.txt`.
    Email(EmailTemplate),
    /// `sms-<name>.txt`, sent with `ctx.delivery.send_sms(to, name, vars)`.
    Sms(&'static str),
}

/// A hosted page a plugin brings: served at `path` (outside the base path, e.g. `/magic-link`)
/// while the plugin is registered, rendered from `template` inside the core layout
/// (`{% extends "base.html" %}`), under the same CSP as every page (no inline scripts: a page's
/// script is an [`Asset`]). It sees what core pages see (`brand`, `base_path`, `config`,
/// `features`, `query` {error, has_token}, `slots`) plus `context`.
#[derive(Debug, Clone)]
pub struct Page {
    pub path: &'static str,
    pub template: TemplateSource,
    /// The `<title>`, before the brand name.
    pub title: &'static str,
    /// Extra values for the template, merged over the rest.
    pub context: serde_json::Value,
    /// Who may see the page at all (see [`PageGate`]); `None`: anyone.
    pub gate: Option<PageGate>,
}

/// Decides, on the server, whether a signed-in visitor may see a gated page: `Err` carries
/// what the refused visitor is told (a sentence saying what to do next). A visitor without a
/// session is sent to the sign-in page first, and comes back after signing in; a refused one
/// gets a 403 page. Either way nothing of the page is sent, so a page's data never depends on
/// its script being the only guard (its JSON endpoints check again).
pub type PageGate =
    fn(&crate::AuthContext, &crate::session::SessionWithUser) -> Result<(), &'static str>;

impl Page {
    pub fn new(path: &'static str, template: TemplateSource, title: &'static str) -> Self {
        Page {
            path,
            template,
            title,
            context: serde_json::Value::Null,
            gate: None,
        }
    }

    pub fn context(mut self, context: serde_json::Value) -> Self {
        self.context = context;
        self
    }

    /// Only visitors `gate` lets in see the page.
    pub fn gated(mut self, gate: PageGate) -> Self {
        self.gate = Some(gate);
        self
    }
}

/// A piece of a core page a plugin fills: `template` is rendered where the page has `slot`,
/// with the page's own context, after the fragments of plugins registered earlier. The slots:
/// - `sign-in.buttons`: other ways to sign in, each an `<li>` in the sign-in page's list
///   (give it `data-login-method="<method id>"` so the page can mark the one used last);
/// - `sign-up.fields`: more fields in the sign-up form (use the `ui.field` macro of
///   `macros.html`); a filled input is sent in the sign-up body under its `name`;
/// - `sign-up.buttons`: other ways to sign up, each an `<li>` under the form;
/// - `account.notices`: `<section class="card">`s at the top of the account page, under its
///   heading (what the user should know first);
/// - `account.sections`: a whole section of the account area, with its entry in the side
///   navigation: made with [`Fragment::account_section`], after the core sections (Profile,
///   Email, Security, Sessions and devices);
/// - `account.security`: a `<section class="subsection">` inside the Security section, after
///   the password (two-factor, passkeys).
/// - `admin.sections`: a whole section of the admin console (`/admin`), made with
///   [`Fragment::admin_section`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    pub slot: &'static str,
    pub template: TemplateSource,
    /// For `account.sections`: the section's `id` (its address is `/account#<id>`; the
    /// template's `<section>` carries it) and its label in the navigation.
    pub section: Option<AccountSection>,
}

/// A section of a sectioned page (the account area, the admin console): its id (`[a-z0-9-]`)
/// and its navigation label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AccountSection {
    pub id: &'static str,
    pub label: &'static str,
}

impl Fragment {
    pub const fn new(slot: &'static str, template: TemplateSource) -> Self {
        Fragment {
            slot,
            template,
            section: None,
        }
    }

    /// A section of the account area (slot `account.sections`): `template` renders
    /// `<section id="{id}" class="account-section" data-section aria-labelledby=..>`.
    pub const fn account_section(
        id: &'static str,
        label: &'static str,
        template: TemplateSource,
    ) -> Self {
        Fragment {
            slot: "account.sections",
            template,
            section: Some(AccountSection { id, label }),
        }
    }

    /// A section of the admin console at `/admin` (slot `admin.sections`), shown to
    /// administrators only: `template` renders `<section id="{id}" class="account-section card"
    /// data-section aria-labelledby=..>`, after the admin plugin's own sections (Users,
    /// Sessions). Its script calls the plugin's JSON endpoints, which check the caller's role
    /// again.
    pub const fn admin_section(
        id: &'static str,
        label: &'static str,
        template: TemplateSource,
    ) -> Self {
        Fragment {
            slot: "admin.sections",
            template,
            section: Some(AccountSection { id, label }),
        }
    }
}

/// A static file a plugin brings, served at `/assets/<file>` like the core ones (a page's
/// script, a stylesheet, an image).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub file: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// An [`Asset`] for a file in the calling crate's `<dir>/`, embedded at compile time:
/// `asset!("src/magic_link/assets", "magic-link.js", "text/javascript; charset=utf-8")`.
#[macro_export]
macro_rules! asset {
    ($dir:literal, $file:literal, $content_type:expr) => {
        $crate::plugin_parts::Asset {
            file: $file,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", $file)),
        }
    };
}

/// A table whose rows the cleanup job deletes once `column` (a date) is in the past, as it
/// does for core's `session` and `verification` (`expiresAt`): in batches of
/// `CLEANUP_BATCH_SIZE`, each "these ids, if still expired", under the cleanup lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiringTable {
    pub table: &'static str,
    pub column: &'static str,
    /// How long after `column` a row is kept: zero for an expiry, a retention period for a
    /// creation time (the audit log's `createdAt`).
    pub kept_for: std::time::Duration,
}

impl ExpiringTable {
    pub const fn new(table: &'static str, column: &'static str) -> Self {
        ExpiringTable {
            table,
            column,
            kept_for: std::time::Duration::ZERO,
        }
    }

    /// Rows are deleted once `column` is more than `kept_for` in the past.
    pub const fn kept_for(mut self, kept_for: std::time::Duration) -> Self {
        self.kept_for = kept_for;
        self
    }
}

/// Why a run of a plugin's job failed; logged, and the job runs again at its next interval.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Storage(#[from] portcullis_storage::StorageError),
    #[error("{0}")]
    Failed(String),
}

/// One run of a job: `async fn(&AuthContext) -> Result<(), JobError>`, wrapped by [`job!`].
pub type JobFn = for<'a> fn(
    &'a crate::context::AuthContext,
) -> futures::future::BoxFuture<'a, Result<(), JobError>>;

/// Wraps `async fn run(ctx: &AuthContext) -> Result<(), JobError>` as a [`JobFn`].
#[macro_export]
macro_rules! job {
    ($f:path) => {{
        fn run<'a>(
            ctx: &'a $crate::context::AuthContext,
        ) -> ::futures::future::BoxFuture<'a, Result<(), $crate::plugin_parts::JobError>> {
            Box::pin($f(ctx))
        }
        run as $crate::plugin_parts::JobFn
    }};
}

/// A periodic job a plugin runs, with the cleanup job's discipline: every `interval` (the
/// first run after a random 50-100 % of `min(interval, 60 s)`), only by the instance that takes
/// the lease `portcullis:lease:job:<name>` in secondary storage (a TTL a tenth shorter than the
/// interval; without an answer from the storage it runs anyway, so a run must be safe to
/// repeat), and stopped with the server after the requests have drained. A job of a plugin
/// that is switched off does not run.
///
/// A job made [`Job::on_every_instance`] is different: it keeps this instance's own state in
/// step with the database (settings an administrator stored), so it takes no lease, every
/// instance runs it, once before the server starts listening and then every `interval`.
#[derive(Clone, Copy)]
pub struct Job {
    /// `[a-z0-9_-]`, unique across plugins: names the lease and the log lines.
    pub name: &'static str,
    pub interval: std::time::Duration,
    pub run: JobFn,
    /// Run by every instance, without a lease, and once at start-up.
    pub every_instance: bool,
}

impl Job {
    pub const fn new(name: &'static str, interval: std::time::Duration, run: JobFn) -> Self {
        Job {
            name,
            interval,
            run,
            every_instance: false,
        }
    }

    /// Every instance runs it (see [`Job`]).
    pub const fn on_every_instance(mut self) -> Self {
        self.every_instance = true;
        self
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("interval", &self.interval)
            .field("every_instance", &self.every_instance)
            .finish_non_exhaustive()
    }
}
