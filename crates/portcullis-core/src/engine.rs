//! The request pipeline, in Better Auth's order: route → body parse → origin checks → plugin
//! before-hooks → schema validation → session / CSRF checks → handler → plugin after-hooks.

use std::net::IpAddr;
use std::sync::Arc;

use http::{HeaderMap, Method};
use portcullis_storage::{Adapter, SecondaryStorage};

use crate::config::Config;
use crate::context::{AuthContext, build_endpoint_table, build_schema};
use crate::cookies::parse_cookie_header;
use crate::crypto::password::{PasswordError, PasswordHasher};
use crate::endpoint::{Auth, AuthRequest, AuthResponse, Body, Endpoint, RouteIndex};
use crate::error::{ApiError, codes};
use crate::origin;
use crate::plugin::{Before, PageRenderer, Plugin};
use crate::session::{self, Lookup};
use crate::validate;

/// A request as it arrived, before the engine has interpreted it.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    pub method: Method,
    /// The full path, e.g. `/api/auth/sign-in/email`.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub peer: Option<IpAddr>,
}

pub struct EngineParts {
    pub config: Config,
    pub adapter: Arc<dyn Adapter>,
    pub secondary: Arc<dyn SecondaryStorage>,
    pub plugins: Vec<Arc<dyn Plugin>>,
    pub renderer: Option<Arc<dyn PageRenderer>>,
    pub delivery: Arc<portcullis_delivery::Delivery>,
    /// `SystemClock` in production; a `MovableClock` in tests.
    pub clock: Arc<dyn crate::clock::Clock>,
}

/// What can stop `build`: resources the engine starts with.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("password hasher: {0}")]
    Hasher(#[from] PasswordError),
    #[error("HIBP_API_URL: cannot build the HTTP client: {0}")]
    BreachCheckClient(#[from] reqwest::Error),
}

/// Builds the context: schema and route table from core plus plugins, the hasher pool.
pub fn build(
    parts: EngineParts,
    schema: Arc<portcullis_storage::Schema>,
) -> Result<Arc<AuthContext>, BuildError> {
    let config = Arc::new(parts.config);
    let pepper = match &config.password_pepper {
        Some(p) => Some(crate::crypto::password::Pepper::new(p.bytes())?),
        None => None,
    };
    let hasher = PasswordHasher::with_pepper(
        config.password_hash,
        config.password_hash_concurrency,
        pepper,
    )?;
    let breach_checker = crate::breached::BreachChecker::new(&config.breach_check)?;
    let plugin_rules = parts
        .plugins
        .iter()
        .flat_map(|p| p.rate_limit_rules())
        .collect();
    let rate_limiter = crate::rate_limit::RateLimiter::new(&config.rate_limit, plugin_rules);
    let (endpoints, mut owners) = build_endpoint_table(&parts.plugins);
    let (endpoints, root_routes) =
        crate::root_routes::add_root_endpoints(endpoints, &mut owners, &parts.plugins);
    let switches = crate::switches::PluginSwitches::new(parts.plugins.len(), owners);
    // Every instance keeps its messages' outcomes where the others read them (the console's
    // transport health). A delivery already reporting somewhere keeps that log.
    let _ =
        parts
            .delivery
            .report_outcomes_to(Arc::new(crate::delivery_health::DeliveryHealth::new(
                parts.secondary.clone(),
                parts.clock.clone(),
            )));
    let ctx = Arc::new(AuthContext {
        cookies: AuthContext::cookie_jar(&config),
        routes: RouteIndex::new(root_routes.base_endpoints(&endpoints)),
        route_labels: crate::root_routes::route_labels(&config.base_path, &endpoints, &root_routes),
        root_routes,
        endpoints,
        config,
        adapter: parts.adapter,
        secondary: parts.secondary,
        hasher,
        breach_checker,
        schema,
        plugins: parts.plugins,
        rate_limiter,
        renderer: parts.renderer,
        metrics: Arc::new(crate::metrics::Metrics::new()),
        decoded_rows: Default::default(),
        delivery: parts.delivery,
        clock: parts.clock,
        deferred: Default::default(),
        switches,
    });
    ctx.deferred.start(Arc::downgrade(&ctx));
    Ok(ctx)
}

/// The schema a configuration and plugin list need (for connecting and migrating first).
pub fn schema_for(config: &Config, plugins: &[Arc<dyn Plugin>]) -> portcullis_storage::Schema {
    build_schema(config, plugins)
}

fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    q.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

fn not_found() -> AuthResponse {
    AuthResponse::new(404, Body::Empty)
}

fn media_types(e: &Endpoint) -> &'static str {
    if e.accepts_form {
        "application/x-www-form-urlencoded, application/json"
    } else {
        "application/json"
    }
}

/// Parses the body per the endpoint's media types. Like Better Auth behind Node, a request
/// without a Content-Type or with an empty body has no body.
fn parse_body(
    e: &Endpoint,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<serde_json::Value>, ApiError> {
    let Some(ct) = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if body.is_empty() {
        return Ok(None);
    }
    let mime = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => serde_json::from_slice(body)
            .map(Some)
            .map_err(|_| ApiError::new(400, codes::BAD_REQUEST)),
        "application/x-www-form-urlencoded" if e.accepts_form => {
            let map: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
                .into_owned()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            Ok(Some(serde_json::Value::Object(map)))
        }
        _ => Err(ApiError::with_message(
            415,
            codes::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type \"{ct}\" is not allowed. Allowed types: {}",
                media_types(e)
            ),
        )),
    }
}

/// Tells the HTTP layer which endpoint answered and, when known, whose request it was (the
/// session's user, or the user this request issued a session to or created). Never a token
/// or a body.
fn annotate_for_access_log(res: &mut AuthResponse, endpoint: usize, req: &AuthRequest) {
    res.log.endpoint = Some(endpoint);
    if res.log.user_id.is_some() {
        return;
    }
    res.log.user_id = req
        .session
        .as_ref()
        .map(|s| s.user_id().to_owned())
        .or_else(|| {
            let state = &req.state;
            match state.issued() {
                Some(issued) => Some(issued.session.user_id().to_owned()),
                None => state
                    .created_user()
                    .and_then(|u| u.get("id").and_then(|v| v.as_str()).map(str::to_owned)),
            }
        })
        .filter(|id| !id.is_empty());
}

/// The path relative to the base path (`/sign-in/email`), if the request is under it and
/// routable at all (not the base path itself, no `//`).
pub(crate) fn relative_path<'a>(base: &str, path: &'a str) -> Option<&'a str> {
    path.strip_prefix(base)
        .filter(|r| r.starts_with('/') && r.len() > 1 && !r.contains("//"))
}

impl AuthContext {
    /// Handles one request under the base path. As in Better Auth, the rate limiter runs
    /// first, before route matching; a refused request gets its 429 and nothing else runs.
    pub async fn handle(&self, raw: RawRequest) -> AuthResponse {
        let limit = self.rate_limiter.check(self, &raw).await;
        if let Some(d) = limit.as_ref().filter(|d| !d.allowed) {
            let endpoint = self.endpoint_index(&raw);
            let mut res = d.too_many_requests();
            // Same label as http_requests_total: base path + endpoint template.
            match endpoint.and_then(|i| self.route_labels.get(i)) {
                Some(label) => self.metrics.rate_limited(label),
                None => self.metrics.rate_limited("other"),
            }
            res.log.endpoint = endpoint;
            return res;
        }
        let mut res = self.dispatch(raw).await;
        if let Some(d) = &limit {
            d.apply(&mut res);
        }
        res
    }

    /// The live session of a hosted page's visitor, from the request's cookies, checked in the
    /// database (never the cookie cache: a revoked role or session must not linger): for a
    /// gated page (`Page::gated`). Bearer tokens are not looked at; a page is opened by a
    /// browser.
    pub async fn page_session(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<Option<session::SessionWithUser>, ApiError> {
        let cookie_header = headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        if cookie_header.is_empty() {
            return Ok(None);
        }
        let req = AuthRequest {
            method: Method::GET,
            path: String::new(),
            params: Default::default(),
            query: Vec::new(),
            cookies: parse_cookie_header(&cookie_header),
            had_cookie_header: true,
            ip: origin::client_ip(&self.config, peer, None),
            body: None,
            session: None,
            headers: HeaderMap::new(),
            state: Default::default(),
        };
        match session::lookup(self, &req, false).await? {
            Lookup::Found(s) => Ok(Some(s)),
            Lookup::Absent | Lookup::Gone => Ok(None),
        }
    }

    /// The endpoint a request would reach, for metric labels (never the raw path).
    fn endpoint_index(&self, raw: &RawRequest) -> Option<usize> {
        self.find_route(&raw.method, &raw.path).map(|(i, _, _)| i)
    }

    /// Routing and the rest of the pipeline.
    async fn dispatch(&self, raw: RawRequest) -> AuthResponse {
        // Under the base path, or a plugin's root endpoint (`root_routes.rs`).
        let Some((index, endpoint, rel, params)) = self
            .find_route(&raw.method, &raw.path)
            .and_then(|(i, rel, params)| Some((i, self.endpoints.get(i)?, rel, params)))
        else {
            return not_found();
        };

        let cookie_header = raw
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        let had_cookie_header = raw.headers.contains_key(http::header::COOKIE);
        static X_FORWARDED_FOR: http::HeaderName = http::HeaderName::from_static("x-forwarded-for");
        let xff = raw
            .headers
            .get(&X_FORWARDED_FOR)
            .and_then(|v| v.to_str().ok());
        let ip = origin::client_ip(&self.config, raw.peer, xff);
        let mut req = AuthRequest {
            method: raw.method.clone(),
            path: rel.to_owned(),
            params,
            query: parse_query(raw.query.as_deref()),
            cookies: parse_cookie_header(&cookie_header),
            had_cookie_header,
            ip,
            body: None,
            session: None,
            headers: raw.headers,
            state: Default::default(),
        };

        // A brand only where a plugin asked for this path: nothing is looked up otherwise.
        let brand = if self
            .live_plugins()
            .any(|p| p.hooks().brand.covers(&req.path))
        {
            let on =
                crate::branding::BrandRequest::from_headers(&self.config, &req.headers, raw.peer);
            self.brand_for(Some(&req.path), &on).await
        } else {
            None
        };
        let handled = async {
            let res = match self.run(endpoint, &mut req, &raw.body).await {
                Ok(r) => r,
                Err(e) => AuthResponse::from_error(e),
            };
            // Refusals are recorded whatever the answer (a failed link answers a redirect).
            crate::audit::flush_refusals(self, &req).await;
            if res.status < 400 {
                crate::issue::announce(self, &req).await;
            }
            res
        };
        let mut res = match brand {
            Some(b) => portcullis_delivery::with_brand(Some(b), handled).await,
            None => handled.await,
        };
        for p in self
            .live_plugins()
            .filter(|p| p.hooks().after.covers(&req.path))
        {
            p.after(self, &req, &mut res).await;
        }
        self.metrics.observe_endpoint(endpoint.path, res.status);
        annotate_for_access_log(&mut res, index, &req);
        res
    }

    async fn run(
        &self,
        endpoint: &Endpoint,
        req: &mut AuthRequest,
        body: &[u8],
    ) -> Result<AuthResponse, ApiError> {
        if body.len() > self.config.max_body_bytes {
            return Err(ApiError::new(413, codes::PAYLOAD_TOO_LARGE));
        }
        let has_body_method = !matches!(req.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if has_body_method {
            req.body = parse_body(endpoint, &req.headers, body)?;
            if req.had_cookie_header {
                origin::check_origin(&self.config, req)?;
            }
        }
        origin::check_callback_urls(&self.config, req)?;
        for p in self.live_plugins() {
            if p.hooks().before.covers(&req.path) {
                match p.before(self, req).await? {
                    Before::Continue => {}
                    Before::Respond(res) => return Ok(res),
                    Before::Authenticate(s) => req.session = Some(s),
                }
            }
        }
        if let Some(spec) = &endpoint.body {
            validate::validate(spec, req.body.as_ref()).map_err(ApiError::validation)?;
        }
        self.authorize(endpoint.auth, req).await?;
        if endpoint.form_csrf {
            origin::check_form_csrf(&self.config, req)?;
        }
        (endpoint.handler)(self, req).await
    }

    /// Applies the endpoint's session rule, storing the session on the request.
    async fn authorize(&self, auth: Auth, req: &mut AuthRequest) -> Result<(), ApiError> {
        if auth == Auth::Public {
            return Ok(());
        }
        // A before-hook may have authenticated the request already (an API key).
        let found = match req.session.take() {
            Some(s) => Lookup::Found(s),
            None => session::lookup(self, req, auth == Auth::Session).await?,
        };
        match found {
            Lookup::Found(s) => {
                if auth == Auth::Fresh && self.config.session.fresh_age > 0 {
                    let fresh = s.created_at().is_some_and(|c| {
                        (self.now() - c).num_seconds() < self.config.session.fresh_age
                    });
                    if !fresh {
                        return Err(ApiError::new(403, codes::SESSION_NOT_FRESH));
                    }
                }
                req.session = Some(s);
                Ok(())
            }
            Lookup::Gone => {
                Err(ApiError::unauthorized().with_cookies(self.cookies.clear_session()))
            }
            Lookup::Absent => Err(ApiError::unauthorized()),
        }
    }
}
