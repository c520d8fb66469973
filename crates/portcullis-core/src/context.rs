//! `AuthContext`: everything a handler may use, built once at start-up.

use std::sync::Arc;

use portcullis_storage::{Adapter, Schema, SecondaryStorage, Table};

use crate::clock::Clock;
use crate::config::Config;
use crate::cookies::CookieJarConfig;
use crate::crypto::password::PasswordHasher;
use crate::endpoint::{Endpoint, RouteIndex};
use crate::plugin::{PageRenderer, Plugin};
use crate::routes;

pub struct AuthContext {
    pub config: Arc<Config>,
    pub adapter: Arc<dyn Adapter>,
    pub secondary: Arc<dyn SecondaryStorage>,
    pub hasher: PasswordHasher,
    /// Refuses new passwords known from breaches (`PASSWORD_BREACH_CHECK`).
    pub breach_checker: crate::breached::BreachChecker,
    pub schema: Arc<Schema>,
    pub cookies: CookieJarConfig,
    pub plugins: Vec<Arc<dyn Plugin>>,
    /// Core endpoints followed by each plugin's, in plugin order.
    pub endpoints: Vec<Endpoint>,
    /// `endpoints` indexed by method and path.
    pub routes: RouteIndex,
    /// The plugins' endpoints outside the base path, at the end of `endpoints`.
    pub root_routes: crate::root_routes::RootRoutes,
    /// Each endpoint's `route` label in the HTTP metrics and access log: the base path and the
    /// path template (`/api/auth/reset-password/:token`), built once.
    pub route_labels: Vec<Box<str>>,
    pub renderer: Option<Arc<dyn PageRenderer>>,
    /// The rate limiter, with its rules resolved from configuration and plugins.
    pub rate_limiter: crate::rate_limit::RateLimiter,
    /// Prometheus metrics, rendered at `GET /metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Email and SMS: queued, sent in the background.
    pub delivery: Arc<portcullis_delivery::Delivery>,
    /// Session and user rows decoded from the session cache and the cookie cache.
    pub decoded_rows: crate::decoded_rows::DecodedRows,
    /// Where every time stamp and expiry check reads the time (tests move it).
    pub clock: Arc<dyn Clock>,
    /// Work done after the answer (`ctx.defer`): what depends on whether an account exists.
    pub deferred: crate::deferred::Deferred,
    /// Which plugins are on now (an administrator may turn some off while the server runs).
    pub switches: crate::switches::PluginSwitches,
}

/// The full schema: Better Auth's core tables, then each plugin's additions, then the
/// additional user and session fields from configuration.
pub fn build_schema(config: &Config, plugins: &[Arc<dyn Plugin>]) -> Schema {
    let mut schema = Schema::core();
    for p in plugins {
        for t in p.schema() {
            schema.extend(t);
        }
        schema.add_migrations(p.migrations());
    }
    if !config.additional_user_fields.is_empty() {
        schema.extend(Table::new("user", config.additional_user_fields.clone()));
    }
    if !config.additional_session_fields.is_empty() {
        schema.extend(Table::new(
            "session",
            config.additional_session_fields.clone(),
        ));
    }
    if config.rate_limit.storage == crate::rate_limit::Storage::Database {
        schema.extend(crate::rate_limit::table());
    }
    schema
}

/// Collects the route table: core endpoints, then plugins' (a plugin may replace a core path).
pub fn build_endpoints(plugins: &[Arc<dyn Plugin>]) -> Vec<Endpoint> {
    build_endpoint_table(plugins).0
}

/// The route table and, for each endpoint, the index of the plugin that brought it (`None`:
/// core), for the runtime switches.
pub fn build_endpoint_table(plugins: &[Arc<dyn Plugin>]) -> (Vec<Endpoint>, Vec<Option<usize>>) {
    let mut table: Vec<(Endpoint, Option<usize>)> = routes::core_endpoints()
        .into_iter()
        .map(|e| (e, None))
        .collect();
    for (i, p) in plugins.iter().enumerate() {
        for e in p.endpoints() {
            table.retain(|(x, _)| !(x.path == e.path && x.method == e.method));
            table.push((e, Some(i)));
        }
    }
    table.into_iter().unzip()
}

impl AuthContext {
    pub fn cookie_jar(config: &Config) -> CookieJarConfig {
        CookieJarConfig::new(
            config.cookie_prefix.clone(),
            config.secure_cookies,
            config.cookie_domain.clone(),
        )
        .with_host_prefix(config.cookie_host_prefix)
    }

    /// The registered plugin of type `T`, for its settings.
    pub fn plugin<T: 'static>(&self) -> Option<&T> {
        self.plugins
            .iter()
            .find_map(|p| p.as_any().and_then(|a| a.downcast_ref::<T>()))
    }

    /// The current time, from the context's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn secret(&self) -> &[u8] {
        self.config.secret.bytes()
    }

    /// The secrets encryption at rest seals and opens with (`crypto::symmetric::{seal, open}`).
    pub fn sealing_keys(&self) -> crate::crypto::symmetric::SealingKeys<'_> {
        match &self.config.secret_versions {
            Some(v) => crate::crypto::symmetric::SealingKeys::Versioned(v),
            None => crate::crypto::symmetric::SealingKeys::Single(self.secret()),
        }
    }

    pub fn user_table(&self) -> &Table {
        // The core schema always has `user`; build_schema cannot remove it.
        self.schema
            .table("user")
            .unwrap_or_else(|| unreachable!("core user table"))
    }

    /// Whether any plugin follows the end of sessions (`hooks().sessions_ended`).
    pub fn session_end_hooks(&self) -> bool {
        self.plugins.iter().any(|p| p.hooks().sessions_ended)
    }

    pub fn session_table(&self) -> &Table {
        self.schema
            .table("session")
            .unwrap_or_else(|| unreachable!("core session table"))
    }
}
