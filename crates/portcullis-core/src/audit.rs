//! The audit seam: one function, [`record`], that core and every plugin call for each
//! security-relevant action. Core cannot depend on the plugins crate, so the event type and
//! the call live here and the store lives in a plugin (`audit`) that implements
//! `Plugin::audit`. `record` writes through the caller's store: inside a transaction
//! (`Writes::begin`) the event commits or rolls back with the change it records.
//!
//! No secret and no token is ever put in an event: callers pass ids, never credentials.

use portcullis_storage::Store;
use serde_json::{Map, Value as Json};

use crate::context::AuthContext;
use crate::endpoint::AuthRequest;
use crate::error::ApiError;
use crate::session::SessionWithUser;

/// Whether the action happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            _ => None,
        }
    }
}

/// How much an operator should care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One audited action. Build it with [`AuditEvent::new`] and the setters; `from_request`
/// fills the client address, user agent, session and actor (and who is impersonating).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// A dotted name: `user.sign_in`, `admin.ban_user`, `api_key.create` (see README).
    pub action: &'static str,
    pub outcome: Outcome,
    pub severity: Severity,
    /// Who acted: the signed-in user (for an impersonation session, the user shown).
    pub actor_user_id: Option<String>,
    /// The administrator behind an impersonation session, if the actor is being impersonated.
    pub impersonator_user_id: Option<String>,
    /// The user the action was done to (the actor themselves for their own changes).
    pub target_user_id: Option<String>,
    /// What else the action was done to: `session`, `apiKey`, `passkey`, `member`...
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    pub organization_id: Option<String>,
    pub session_id: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// Anything else worth keeping (a reason, a method, a role), never a secret.
    pub details: Map<String, Json>,
}

impl AuditEvent {
    pub fn new(action: &'static str) -> Self {
        AuditEvent {
            action,
            outcome: Outcome::Success,
            severity: Severity::Info,
            actor_user_id: None,
            impersonator_user_id: None,
            target_user_id: None,
            target_type: None,
            target_id: None,
            organization_id: None,
            session_id: None,
            ip_address: None,
            user_agent: None,
            details: Map::new(),
        }
    }

    /// The client's address and user agent, and the signed-in session's user as actor.
    pub fn from_request(mut self, req: &AuthRequest) -> Self {
        self.ip_address = req.ip.map(|ip| ip.to_string());
        let ua = req.user_agent();
        if !ua.is_empty() {
            // Bounded: a client chooses its user agent.
            self.user_agent = Some(ua.chars().take(512).collect());
        }
        match &req.session {
            Some(s) => self.by(s),
            None => self,
        }
    }

    /// `session` acted: its user, the session, and the administrator impersonating them.
    pub fn by(mut self, s: &SessionWithUser) -> Self {
        self.actor_user_id = Some(s.user_id().to_owned());
        self.session_id = Some(s.id().to_owned());
        self.impersonator_user_id = s
            .session
            .get("impersonatedBy")
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        self
    }

    pub fn failure(mut self, reason: &str) -> Self {
        self.outcome = Outcome::Failure;
        self.details.insert("reason".into(), reason.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn actor(mut self, user_id: impl Into<String>) -> Self {
        self.actor_user_id = Some(user_id.into());
        self
    }

    pub fn session(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    pub fn target_user(mut self, user_id: impl Into<String>) -> Self {
        self.target_user_id = Some(user_id.into());
        self
    }

    /// The actor is also the target (their own password, their own passkey).
    pub fn own(mut self) -> Self {
        self.target_user_id = self.actor_user_id.clone();
        self
    }

    pub fn target(mut self, kind: &'static str, id: impl Into<String>) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id.into());
        self
    }

    pub fn organization(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    pub fn detail(mut self, key: &str, value: impl Into<Json>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

/// Records `event` through `store`, the caller's transaction where it has one, with every
/// plugin that keeps audit events (`Plugin::records_audit`). An error fails the caller: a
/// change that cannot be recorded is not made.
pub async fn record(
    ctx: &AuthContext,
    store: &dyn Store,
    event: AuditEvent,
) -> Result<(), ApiError> {
    for p in ctx.plugins.iter().filter(|p| p.records_audit()) {
        p.audit(ctx, store, &event).await?;
    }
    Ok(())
}

/// Records an event that has no change to go with (a refused sign-in): committed at once, and
/// a failure to record is logged rather than turning the caller's answer into a 500.
pub async fn record_now(ctx: &AuthContext, event: AuditEvent) {
    if !ctx.plugins.iter().any(|p| p.records_audit()) {
        return;
    }
    let action = event.action;
    if let Err(e) = record(ctx, ctx.adapter.as_ref(), event).await {
        tracing::warn!(action, error = ?e, "audit event could not be recorded");
    }
}

/// Whether any plugin keeps audit events: callers skip building an event otherwise.
pub fn enabled(ctx: &AuthContext) -> bool {
    ctx.plugins.iter().any(|p| p.records_audit())
}

/// The writes for a change that is audited: one transaction when events are kept (the change
/// and its event commit together), else direct writes, which cost no BEGIN and COMMIT.
pub async fn writes(ctx: &AuthContext) -> Result<crate::writes::Writes<'_>, ApiError> {
    if enabled(ctx) {
        ctx.begin().await
    } else {
        Ok(ctx.writes())
    }
}

/// A refused attempt to prove who one is: a sign-in (`user.sign_in`), or a code checked for
/// something else (`user.verify_email`, `user.reset_password`, `two_factor.verify`), with
/// why. The identity (address, number or name as given) only by hash: enough for the
/// detectors to count the accounts one address tries, and nothing an operator could read back.
#[derive(Debug, Clone, Copy)]
pub struct Refusal<'a> {
    pub action: &'static str,
    /// How: `email`, `magic-link`, `email-otp`, `passkey`...
    pub method: &'static str,
    /// Why, in snake case: `invalid_password`, `invalid_code`, `expired`, `banned_user`...
    pub reason: &'a str,
    pub identity: Option<&'a str>,
    /// The account it was tried on, when one is known.
    pub user_id: Option<&'a str>,
}

impl<'a> Refusal<'a> {
    pub fn new(action: &'static str, method: &'static str, reason: &'a str) -> Self {
        Refusal {
            action,
            method,
            reason,
            identity: None,
            user_id: None,
        }
    }

    pub fn sign_in(method: &'static str, reason: &'a str) -> Self {
        Self::new("user.sign_in", method, reason)
    }

    pub fn identity(mut self, identity: &'a str) -> Self {
        self.identity = Some(identity);
        self
    }

    pub fn user(mut self, user_id: Option<&'a str>) -> Self {
        self.user_id = user_id;
        self
    }
}

/// Records `refusal` for `req` when audit events are kept; costs nothing otherwise. The event
/// is written once the handler has answered (`flush_refusals`): a refusal often happens
/// inside a transaction that then rolls back, and it must outlive it, and a second writer
/// beside an open SQLite transaction would wait on it.
pub fn refused(ctx: &AuthContext, req: &AuthRequest, refusal: Refusal<'_>) {
    if !enabled(ctx) {
        return;
    }
    let mut event = AuditEvent::new(refusal.action)
        .from_request(req)
        .failure(refusal.reason)
        .detail("method", refusal.method);
    if let Some(identity) = refusal.identity {
        event = event.detail("identifierHash", crate::lockout::email_hash(identity));
    }
    if let Some(id) = refusal.user_id {
        event = event.target_user(id);
    }
    req.state.push_refusal(event);
}

/// Writes the refusals `req` collected; the engine calls it after the handler.
pub(crate) async fn flush_refusals(ctx: &AuthContext, req: &AuthRequest) {
    for event in req.state.take_refusals() {
        record_now(ctx, event).await;
    }
}
