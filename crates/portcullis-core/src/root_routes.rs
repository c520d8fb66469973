//! Endpoints at absolute paths, outside the base path (`/.well-known/openid-configuration`),
//! brought by `Plugin::root_endpoints`. They sit at the end of `AuthContext::endpoints` and run
//! through the same pipeline as every other endpoint (rate limit, hooks, validation, session
//! rules, metrics and the access log's `route` label, which is their path template); only
//! routing differs: they are matched on the whole path, and the HTTP server hands the engine
//! each path one of them matches.

use std::collections::HashMap;
use std::sync::Arc;

use http::Method;

use crate::context::AuthContext;
use crate::endpoint::{Endpoint, RouteIndex};
use crate::plugin::Plugin;

/// The root endpoints' part of the endpoint table: those from `start` on.
#[derive(Default)]
pub struct RootRoutes {
    start: usize,
    index: RouteIndex,
}

/// Appends every plugin's root endpoints to `endpoints` (the base-path table) and indexes them.
/// `owners` (the plugin of each endpoint) grows with them.
pub fn add_root_endpoints(
    mut endpoints: Vec<Endpoint>,
    owners: &mut Vec<Option<usize>>,
    plugins: &[Arc<dyn Plugin>],
) -> (Vec<Endpoint>, RootRoutes) {
    let start = endpoints.len();
    for (i, p) in plugins.iter().enumerate() {
        for e in p.root_endpoints() {
            endpoints.push(e);
            owners.push(Some(i));
        }
    }
    let index = RouteIndex::new(endpoints.get(start..).unwrap_or_default());
    (endpoints, RootRoutes { start, index })
}

/// Each endpoint's `route` label: the base path and the template under it, or the template
/// alone for a root endpoint.
pub fn route_labels(base_path: &str, endpoints: &[Endpoint], roots: &RootRoutes) -> Vec<Box<str>> {
    endpoints
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if roots.contains(i) {
                e.path.into()
            } else {
                [base_path, e.path].concat().into()
            }
        })
        .collect()
}

impl RootRoutes {
    /// The endpoints under the base path: everything before the root ones.
    pub fn base_endpoints<'a>(&self, endpoints: &'a [Endpoint]) -> &'a [Endpoint] {
        endpoints.get(..self.start).unwrap_or(endpoints)
    }

    /// Whether endpoint `index` is a root endpoint.
    pub fn contains(&self, index: usize) -> bool {
        index >= self.start
    }

    fn roots<'a>(&self, endpoints: &'a [Endpoint]) -> &'a [Endpoint] {
        endpoints.get(self.start..).unwrap_or_default()
    }

    /// The root endpoint for `method` and the whole `path`, with its parameters.
    pub fn find(
        &self,
        endpoints: &[Endpoint],
        method: &Method,
        path: &str,
    ) -> Option<(usize, HashMap<String, String>)> {
        self.index
            .find(self.roots(endpoints), method, path)
            .map(|(i, params)| (self.start + i, params))
    }

    /// Whether some root endpoint, of any method, has `path`.
    pub fn serves(&self, endpoints: &[Endpoint], path: &str) -> bool {
        !path.contains("//")
            && self
                .roots(endpoints)
                .iter()
                .any(|e| e.match_path(path).is_some())
    }
}

impl AuthContext {
    /// The endpoint a request reaches, with the path the pipeline sees (relative to the base
    /// path, or whole for a root endpoint) and its parameters.
    pub fn find_route<'a>(
        &self,
        method: &Method,
        path: &'a str,
    ) -> Option<(usize, &'a str, HashMap<String, String>)> {
        let found = match crate::engine::relative_path(&self.config.base_path, path) {
            Some(rel) => self
                .routes
                .find(&self.endpoints, method, rel)
                .map(|(i, params)| (i, rel, params)),
            None => self
                .root_routes
                .find(&self.endpoints, method, path)
                .map(|(i, params)| (i, path, params)),
        };
        // A plugin turned off answers as if it were never registered.
        found.filter(|(i, _, _)| self.switches.endpoint_on(*i))
    }

    /// Whether a path outside the base path belongs to a root endpoint: the HTTP server hands
    /// such requests to the engine.
    pub fn serves_root_path(&self, path: &str) -> bool {
        self.root_routes.serves(&self.endpoints, path)
    }

    /// The path the rate limiter buckets and matches rules on: relative to the base path, or
    /// whole for a root endpoint's path.
    pub fn rate_limited_path<'a>(&self, path: &'a str) -> Option<&'a str> {
        crate::engine::relative_path(&self.config.base_path, path)
            .or_else(|| self.serves_root_path(path).then_some(path))
    }
}
