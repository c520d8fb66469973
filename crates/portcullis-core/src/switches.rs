//! Runtime plugin switches: an administrator turns a registered plugin off (and on again)
//! while the server runs. Off, the plugin is as if never enabled: its endpoints and pages
//! answer 404, its fragments leave the hosted pages, its request hooks (`before`, `after`,
//! the issue hooks, `brand`) and its jobs do not run, and the OpenAPI document leaves it out.
//!
//! What keeps stored data consistent still runs while a plugin is off (`check_sign_up`,
//! `prepare_user`, `sessions_ended`, `audit`, `security_event`, expiring tables), so a row
//! written meanwhile is valid when the plugin comes back.
//!
//! Only a plugin that says so (`Plugin::switchable`) can be turned off: one whose absence fails
//! closed. Two-factor, admin, audit and bearer cannot: off, the first would let its users in
//! on a password alone, and the others would lose control or records.
//!
//! A switch is one atomic flag per plugin, read on every route match; whether anything is off
//! at all is a single flag, so the usual case costs one relaxed load. Where the switches are
//! kept and how instances learn of a change is the admin console's part (`pluginSwitch`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::context::AuthContext;
use crate::plugin::Plugin;

/// Each registered plugin's switch, and which plugin brought each endpoint.
pub struct PluginSwitches {
    /// By plugin index (registry order).
    on: Vec<AtomicBool>,
    /// Whether any plugin is off: the common case checks only this.
    any_off: AtomicBool,
    /// By endpoint index: the plugin that brought it (`None`: core).
    endpoint_owner: Vec<Option<usize>>,
}

/// Why a switch was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SwitchRefused {
    #[error("no plugin with this id is registered")]
    Unknown,
    #[error("this plugin is set by configuration only")]
    NotSwitchable,
}

impl PluginSwitches {
    /// Every plugin on.
    pub fn new(plugins: usize, endpoint_owner: Vec<Option<usize>>) -> Self {
        PluginSwitches {
            on: (0..plugins).map(|_| AtomicBool::new(true)).collect(),
            any_off: AtomicBool::new(false),
            endpoint_owner,
        }
    }

    /// Whether plugin `index` is on (an index out of range reads as on: nothing to turn off).
    pub fn is_on(&self, index: usize) -> bool {
        !self.any_off.load(Ordering::Relaxed)
            || self
                .on
                .get(index)
                .is_none_or(|on| on.load(Ordering::Relaxed))
    }

    /// Whether endpoint `index` answers: a core endpoint always, a plugin's while it is on.
    pub fn endpoint_on(&self, index: usize) -> bool {
        if !self.any_off.load(Ordering::Relaxed) {
            return true;
        }
        match self.endpoint_owner.get(index) {
            Some(Some(plugin)) => self.is_on(*plugin),
            _ => true,
        }
    }

    /// Whether every plugin is on.
    pub fn all_on(&self) -> bool {
        !self.any_off.load(Ordering::Relaxed)
    }

    /// Sets plugin `index`; whether that changed it.
    fn set(&self, index: usize, on: bool) -> bool {
        let Some(flag) = self.on.get(index) else {
            return false;
        };
        let was = flag.swap(on, Ordering::Relaxed);
        let any_off = self.on.iter().any(|f| !f.load(Ordering::Relaxed));
        self.any_off.store(any_off, Ordering::Relaxed);
        was != on
    }
}

impl AuthContext {
    /// The registered plugins that are on, in registry order, for the request hooks.
    pub fn live_plugins(&self) -> impl Iterator<Item = &Arc<dyn Plugin>> {
        self.plugins
            .iter()
            .enumerate()
            .filter(|(i, _)| self.switches.is_on(*i))
            .map(|(_, p)| p)
    }

    /// Whether the plugin with `id` is registered and on.
    pub fn plugin_is_on(&self, id: &str) -> bool {
        self.plugins
            .iter()
            .position(|p| p.id() == id)
            .is_some_and(|i| self.switches.is_on(i))
    }

    /// Turns the plugin with `id` on or off on this instance; whether that changed it. A
    /// plugin that is not switchable is refused either way (it is always on).
    pub fn switch_plugin(&self, id: &str, on: bool) -> Result<bool, SwitchRefused> {
        let index = self
            .plugins
            .iter()
            .position(|p| p.id() == id)
            .ok_or(SwitchRefused::Unknown)?;
        let switchable = self.plugins.get(index).is_some_and(|p| p.switchable());
        if !switchable {
            return Err(SwitchRefused::NotSwitchable);
        }
        let changed = self.switches.set(index, on);
        if changed {
            tracing::info!(plugin = id, on, "plugin switched");
        }
        Ok(changed)
    }

    /// Whether an endpoint with `method` and `path` (relative to the base path) answers now:
    /// registered, and its plugin on (the hosted pages offer a flow only then).
    pub fn serves(&self, method: &http::Method, path: &str) -> bool {
        self.endpoints
            .iter()
            .enumerate()
            .any(|(i, e)| e.method == *method && e.path == path && self.switches.endpoint_on(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_follow_their_plugins() {
        let s = PluginSwitches::new(3, vec![None, Some(0), Some(2), Some(2)]);
        assert!(s.all_on());
        assert!((0..4).all(|e| s.endpoint_on(e)));
        assert!(s.set(2, false));
        assert!(!s.set(2, false), "already off");
        assert!(!s.all_on());
        assert!(s.endpoint_on(0), "core endpoints always answer");
        assert!(s.endpoint_on(1));
        assert!(!s.endpoint_on(2) && !s.endpoint_on(3));
        assert!(s.is_on(0) && !s.is_on(2));
        assert!(s.endpoint_on(99), "unknown endpoints are not switched");
        assert!(!s.set(7, false), "no such plugin");
        assert!(s.set(2, true));
        assert!(s.all_on());
        assert!(s.endpoint_on(3));
    }
}
