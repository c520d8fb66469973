//! The plugin seam. A plugin adds tables and fields, endpoints, error codes, and hooks:
//! - `before`, after routing and the origin check: rewrite the request, answer it at once, or
//!   give it a session (an API key or service token that stands for a user);
//! - `hold_session` and `session_issued`, around the one place sessions are issued
//!   (`issue.rs`): hold a session back with a challenge, or act once it is really issued;
//! - `after`, after the handler: read the request's typed state, change the response;
//! - `brand`, a brand over the configured one for a request's pages and e-mails
//!   (`branding.rs`), asked on the paths `hooks().brand` covers and by the hosted pages.

use async_trait::async_trait;
use portcullis_storage::Table;

use crate::context::AuthContext;
use crate::endpoint::{AuthRequest, AuthResponse, Endpoint};
use crate::error::{ApiError, ErrorCode};
use crate::issue::PendingSession;
use crate::request_state::IssuedSession;
use crate::session::SessionWithUser;

/// What a `before` hook decided.
#[derive(Debug)]
pub enum Before {
    /// Go on with the pipeline (the hook may have changed the request).
    Continue,
    /// Answer now with this response; the handler does not run, the after-hooks do.
    Respond(AuthResponse),
    /// Go on, with this session standing for the caller: the endpoint's session rule is met by
    /// it instead of a cookie lookup (an API key, a service token).
    Authenticate(SessionWithUser),
}

#[async_trait]
pub trait Plugin: Send + Sync {
    fn id(&self) -> &'static str;

    /// `Some(self)` for a plugin whose endpoints read its settings back through
    /// `AuthContext::plugin` (endpoint handlers are plain functions).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }

    /// Whether an administrator may turn this plugin off while the server runs
    /// (`crate::switches`). Only for a plugin whose absence fails closed: off, it must not let
    /// anyone in on less, nor lose a record. It must not replace an endpoint of core or of
    /// another plugin (off, that path would answer 404 instead of the one it replaced).
    fn switchable(&self) -> bool {
        false
    }

    /// Tables this plugin adds, or fields it adds to existing tables.
    fn schema(&self) -> Vec<Table> {
        Vec::new()
    }

    /// Numbered migrations that alter or backfill this plugin's tables, run once each, in
    /// order, by `migrate` (component = the plugin's id).
    fn migrations(&self) -> Vec<portcullis_storage::Migration> {
        Vec::new()
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        Vec::new()
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        &[]
    }

    /// Rate-limit rules for this plugin's paths, as Better Auth plugins declare `rateLimit`.
    /// They override the built-in rules; configured custom rules override them.
    fn rate_limit_rules(&self) -> Vec<crate::rate_limit::PathRule> {
        Vec::new()
    }

    /// Which of `before` and `after` this plugin implements, and on which paths. The engine
    /// calls only those: each call is a boxed future.
    fn hooks(&self) -> Hooks {
        Hooks::default()
    }

    /// After routing and the origin check, before body validation and the session check.
    /// Runs only where `hooks().before` covers the request's path. An error answers the
    /// request with it.
    async fn before(&self, _ctx: &AuthContext, _req: &mut AuthRequest) -> Result<Before, ApiError> {
        Ok(Before::Continue)
    }

    /// Before any session is created, on every path that issues one (`hooks().issue`):
    /// `Some(answer)` holds it back and answers instead (two-factor's challenge).
    async fn hold_session(
        &self,
        _ctx: &AuthContext,
        _req: &AuthRequest,
        _pending: &PendingSession<'_>,
    ) -> Result<Option<AuthResponse>, ApiError> {
        Ok(None)
    }

    /// Once a session is really issued: the handler answered with success, after its writes
    /// committed (`hooks().issue`). For audit events and notices.
    async fn session_issued(
        &self,
        _ctx: &AuthContext,
        _req: &AuthRequest,
        _issued: &IssuedSession,
    ) {
    }

    /// Sessions are being ended (sign-out, a revocation, a ban, a password reset), in
    /// `store`: the deleting transaction when there is one, so what the plugin ends with them
    /// commits or rolls back together. Only plugins whose `hooks().sessions_ended` is set.
    async fn sessions_ended(
        &self,
        _ctx: &AuthContext,
        _store: &dyn portcullis_storage::Store,
        _ended: &EndedSessions<'_>,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// A security event (an account locked, a code budget spent), once, for audit logs and
    /// alerts. Rare, so every plugin is called.
    async fn security_event(
        &self,
        _ctx: &AuthContext,
        _event: &crate::security_event::SecurityEvent,
    ) {
    }

    /// Whether this plugin keeps audit events: `audit::record` calls only those.
    fn records_audit(&self) -> bool {
        false
    }

    /// Keeps an audit event, through `store`: the transaction of the change it records, when
    /// the caller has one (`crate::audit::record`). An error fails that change.
    async fn audit(
        &self,
        _ctx: &AuthContext,
        _store: &dyn portcullis_storage::Store,
        _event: &crate::audit::AuditEvent,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// A brand for a request (`crate::branding`): an organization's name, logo, colour and
    /// sender, chosen by host, by a trusted proxy's `X-Organization-Domain`, or by the
    /// invitation a page is about. Asked by the engine before the handler on the paths
    /// `hooks().brand` covers (its e-mails then carry the brand), and by the hosted pages when
    /// that scope is not `Never`. Must be cheap when nothing is branded: pages ask on every
    /// render. An error is logged and taken as no brand.
    async fn brand(
        &self,
        _ctx: &AuthContext,
        _on: &crate::branding::BrandRequest,
    ) -> Result<Option<crate::branding::BrandOverlay>, ApiError> {
        Ok(None)
    }

    /// After the handler (or its error), in plugin order. Runs only where `hooks().after` covers
    /// the request's path. `req.state` says what the request issued or created.
    async fn after(&self, _ctx: &AuthContext, _req: &AuthRequest, _res: &mut AuthResponse) {}

    /// Better Auth's `databaseHooks.user.create.before` as `/sign-up/email` meets it: called
    /// with the request body once the sign-up's own checks have passed (password length, input
    /// fields, an existing email), just before the user is built. An error fails the sign-up.
    fn check_sign_up(
        &self,
        _body: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// Better Auth's `databaseHooks.user.create.before` returning data: fields to set on a user
    /// this request is about to create (sign-up, a first sign-in by link or code, a guest),
    /// once core has built the row and just before it is written. Not called for the made-up
    /// user sign-up answers with when enumeration protection hides a taken address.
    fn prepare_user(
        &self,
        _ctx: &AuthContext,
        _req: &AuthRequest,
        _user: &mut portcullis_storage::Row,
    ) {
    }

    /// Values this plugin adds to every hosted page's template globals (a JSON object; `null`
    /// adds nothing), such as the name of a cookie a page's script reads. A key that core or
    /// another plugin already uses stops start-up.
    fn page_globals(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// Email and SMS templates this plugin brings (`email-<name>.html` + `email-<name>.txt`,
    /// `sms-<name>.txt`), registered with the core ones at start-up and overridable from
    /// `PORTCULLIS_TEMPLATES_DIR` by file name.
    fn templates(&self) -> Vec<crate::plugin_parts::TemplateSource> {
        Vec::new()
    }

    /// The plugin's message catalog: one Fluent file per shipped language, beside its code
    /// (`messages/en.ftl`, `messages/fr.ftl`), for its pages, scripts and e-mails (`t()`). An
    /// id another catalog defines stops start-up.
    fn messages(&self) -> Vec<portcullis_delivery::Messages> {
        Vec::new()
    }

    /// The emails and text messages this plugin sends; start-up fails, naming the file, if one
    /// has no template.
    fn sends(&self) -> Vec<crate::plugin_parts::Sends> {
        Vec::new()
    }

    /// Hosted pages this plugin brings, served outside the base path while it is registered.
    fn pages(&self) -> Vec<crate::plugin_parts::Page> {
        Vec::new()
    }

    /// Pieces of core pages this plugin fills (`sign-in.buttons`, `account.sections`, ...).
    fn fragments(&self) -> Vec<crate::plugin_parts::Fragment> {
        Vec::new()
    }

    /// Static files this plugin brings, served at `/assets/<file>`.
    fn assets(&self) -> Vec<crate::plugin_parts::Asset> {
        Vec::new()
    }

    /// Tables whose expired rows the cleanup job deletes, besides core's `session` and
    /// `verification`.
    fn expiring_tables(&self) -> Vec<crate::plugin_parts::ExpiringTable> {
        Vec::new()
    }

    /// Periodic jobs, run by the server under a lease like the cleanup job.
    fn jobs(&self) -> Vec<crate::plugin_parts::Job> {
        Vec::new()
    }

    /// Endpoints at absolute paths outside the base path (`/.well-known/jwks.json`), served
    /// through the same pipeline as the others; hook scopes and rate-limit rules name them by
    /// that whole path.
    fn root_endpoints(&self) -> Vec<Endpoint> {
        Vec::new()
    }
}

/// The request hooks a plugin implements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hooks {
    pub before: HookScope,
    pub after: HookScope,
    /// Whether `hold_session` and `session_issued` run (on every session issued).
    pub issue: bool,
    /// The endpoint paths whose requests `brand` is asked about (those that send e-mail); any
    /// scope but `Never` also has the hosted pages ask.
    pub brand: HookScope,
    /// Whether `sessions_ended` runs (on every session deleted).
    pub sessions_ended: bool,
}

/// Sessions of one user that are ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedSessions<'a> {
    pub user_id: &'a str,
    /// The ids of the sessions ending (known to exist just before).
    pub session_ids: Vec<String>,
    /// Every session of the user ends ("sign out everywhere", a ban, a password reset): what
    /// outlives a single session (offline grants) ends too.
    pub all: bool,
}

/// The requests a hook runs on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HookScope {
    #[default]
    Never,
    Always,
    /// Only these endpoint paths (relative to the base path, as `AuthRequest::path`).
    Paths(&'static [&'static str]),
    /// Paths that start with one of these (`/sign-in` covers `/sign-in/email`).
    Prefixes(&'static [&'static str]),
}

impl HookScope {
    pub fn covers(self, path: &str) -> bool {
        match self {
            HookScope::Never => false,
            HookScope::Always => true,
            HookScope::Paths(paths) => paths.contains(&path),
            HookScope::Prefixes(prefixes) => prefixes.iter().any(|p| path.starts_with(p)),
        }
    }
}

/// Renders hosted pages for engine endpoints that answer with HTML (`/error`, `/reference`).
/// Provided by the server layer, so the engine stays free of templates.
pub trait PageRenderer: Send + Sync {
    fn render(&self, template: &str, ctx: serde_json::Value) -> Option<String>;
}

#[cfg(test)]
mod tests {
    use super::HookScope;

    #[test]
    fn hook_scopes_cover_their_paths_only() {
        let only = HookScope::Paths(&["/sign-up/email", "/update-user"]);
        assert!(only.covers("/sign-up/email"));
        assert!(only.covers("/update-user"));
        assert!(!only.covers("/ok"));
        assert!(!only.covers("/sign-up/email/"));
        assert!(HookScope::Always.covers("/anything"));
        assert!(!HookScope::Never.covers("/sign-up/email"));
        assert_eq!(HookScope::default(), HookScope::Never);
        let prefixed = HookScope::Prefixes(&["/sign-in"]);
        assert!(prefixed.covers("/sign-in/email"));
        assert!(prefixed.covers("/sign-in/anonymous"));
        assert!(!prefixed.covers("/sign-up/email"));
    }
}
