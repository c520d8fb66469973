//! The typed state every request carries from the first hook to the last: the session issued
//! by this request, the user it created, and plugins' own values. Hooks and handlers read and
//! write it; nothing digs ids out of JSON bodies.
//!
//! Handlers see `&AuthRequest`, so the state is shared behind a lock: a handler records what
//! it issued and the after-hooks read it.

use std::sync::{Arc, Mutex, MutexGuard};

use portcullis_storage::Row;

use crate::audit::AuditEvent;
use crate::session::SessionWithUser;

/// A session this request issued, and how the user proved who they are.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub session: SessionWithUser,
    /// The first factor: `email`, `username`, `phone-number`, `magic-link`, `email-otp`,
    /// `anonymous`, `sign-up`… (the login metric's `method` label).
    pub method: &'static str,
    /// No other session of the user came from this user agent (the new-sign-in notice).
    pub new_device: bool,
    /// The user was created by this request (a registration, not a login).
    pub sign_up: bool,
}

#[derive(Default)]
struct Inner {
    issued: Option<IssuedSession>,
    found: Option<SessionWithUser>,
    created_user: Option<Arc<Row>>,
    refusals: Vec<AuditEvent>,
    values: http::Extensions,
}

/// See the module documentation. Cloning shares the state.
#[derive(Clone, Default)]
pub struct RequestState(Arc<Mutex<Inner>>);

impl std::fmt::Debug for RequestState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("RequestState")
            .field("issued", &inner.issued.as_ref().map(|i| i.method))
            .field("created_user", &inner.created_user.is_some())
            .finish_non_exhaustive()
    }
}

impl RequestState {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing holds the lock across a panic point that could leave the state half-written.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A refused attempt, recorded once the handler has answered (`audit::refused`).
    pub(crate) fn push_refusal(&self, event: AuditEvent) {
        self.lock().refusals.push(event);
    }

    pub(crate) fn take_refusals(&self) -> Vec<AuditEvent> {
        std::mem::take(&mut self.lock().refusals)
    }

    /// The session this request issued, if any.
    pub fn issued(&self) -> Option<IssuedSession> {
        self.lock().issued.clone()
    }

    pub fn set_issued(&self, issued: IssuedSession) {
        self.lock().issued = Some(issued);
    }

    /// The session a session check answered with (get-session, or a plugin answering it),
    /// for after-hooks that act on it without reading the body back.
    pub fn found_session(&self) -> Option<SessionWithUser> {
        self.lock().found.clone()
    }

    pub fn set_found_session(&self, found: SessionWithUser) {
        self.lock().found = Some(found);
    }

    /// The user this request created (sign-up, a first passwordless or anonymous sign-in).
    pub fn created_user(&self) -> Option<Arc<Row>> {
        self.lock().created_user.clone()
    }

    pub fn set_created_user(&self, user: Arc<Row>) {
        self.lock().created_user = Some(user);
    }

    /// A plugin's own value of type `T`.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.lock().values.get::<T>().cloned()
    }

    /// Stores a plugin's own value, replacing one of the same type.
    pub fn insert<T: Clone + Send + Sync + 'static>(&self, value: T) {
        self.lock().values.insert(value);
    }

    /// Takes a plugin's own value out of the state.
    pub fn take<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.lock().values.remove::<T>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Marker(u32);

    #[test]
    fn values_are_typed_and_shared_between_clones() {
        let state = RequestState::default();
        let seen_by_hook = state.clone();
        state.insert(Marker(7));
        assert_eq!(seen_by_hook.get::<Marker>(), Some(Marker(7)));
        assert_eq!(seen_by_hook.get::<String>(), None);
        assert_eq!(state.take::<Marker>(), Some(Marker(7)));
        assert_eq!(seen_by_hook.get::<Marker>(), None);
        assert!(state.issued().is_none());
        assert!(state.created_user().is_none());
    }
}
