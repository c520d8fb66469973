//! Endpoints as data: path, method, auth rule and body schema, plus the handler. The engine
//! routes and validates from this; the OpenAPI document is generated from it.

use std::collections::HashMap;
use std::net::IpAddr;

use futures::future::BoxFuture;
use http::{HeaderMap, Method};
use serde_json::Value;

use crate::context::AuthContext;
use crate::cookies::SetCookie;
use crate::error::ApiError;
use crate::session::SessionWithUser;
use crate::validate::BodySpec;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No session needed (the handler may still read one).
    Public,
    /// A valid session; the cookie cache may answer.
    Session,
    /// A valid session checked against the database, never the cookie cache.
    Sensitive,
    /// A session younger than `freshAge`.
    Fresh,
}

pub type HandlerFn =
    for<'a> fn(&'a AuthContext, &'a AuthRequest) -> BoxFuture<'a, Result<AuthResponse, ApiError>>;

/// Wraps `async fn h(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError>`.
#[macro_export]
macro_rules! handler {
    ($f:path) => {{
        fn h<'a>(
            ctx: &'a $crate::context::AuthContext,
            req: &'a $crate::endpoint::AuthRequest,
        ) -> ::futures::future::BoxFuture<
            'a,
            Result<$crate::endpoint::AuthResponse, $crate::error::ApiError>,
        > {
            Box::pin($f(ctx, req))
        }
        h as $crate::endpoint::HandlerFn
    }};
}

#[derive(Clone)]
pub struct Endpoint {
    /// Relative to the base path, e.g. `/sign-in/email`; `:name` segments are parameters.
    pub path: &'static str,
    pub method: Method,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub tag: &'static str,
    pub auth: Auth,
    pub body: Option<BodySpec>,
    /// Accepts `application/x-www-form-urlencoded` besides JSON.
    pub accepts_form: bool,
    /// Runs Better Auth's form-CSRF check (sign-in and sign-up).
    pub form_csrf: bool,
    /// Query parameters, for documentation: (name, description).
    pub query: &'static [(&'static str, &'static str)],
    /// The answers it gives when it succeeds, for documentation (errors are documented from
    /// the auth rule and the error codes).
    pub responses: Vec<ResponseDoc>,
    pub handler: HandlerFn,
}

/// One documented answer of an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseDoc {
    pub status: u16,
    pub description: &'static str,
    pub body: ResponseBody,
}

/// What a documented answer carries.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// `application/json` described by this JSON Schema; `$ref`s name the shared components
    /// (`crate::openapi::schema`).
    Json(serde_json::Value),
    /// An HTML page.
    Html,
    /// A redirect: the `Location` header says where, the body is empty.
    Redirect,
    /// A `{message, code}` error, or no body at all where Better Auth answers with none.
    ErrorOrNothing,
    /// `text/event-stream`: Server-Sent Events.
    EventStream,
}

impl Endpoint {
    pub fn new(
        method: Method,
        path: &'static str,
        operation_id: &'static str,
        handler: HandlerFn,
    ) -> Self {
        Endpoint {
            path,
            method,
            operation_id,
            summary: "",
            description: "",
            tag: "Default",
            auth: Auth::Public,
            body: None,
            accepts_form: false,
            form_csrf: false,
            query: &[],
            responses: Vec::new(),
            handler,
        }
    }
    pub fn summary(mut self, s: &'static str, d: &'static str) -> Self {
        self.summary = s;
        self.description = d;
        self
    }
    pub fn tag(mut self, t: &'static str) -> Self {
        self.tag = t;
        self
    }
    pub fn auth(mut self, a: Auth) -> Self {
        self.auth = a;
        self
    }
    pub fn body(mut self, b: BodySpec) -> Self {
        self.body = Some(b);
        self
    }
    pub fn form(mut self) -> Self {
        self.accepts_form = true;
        self.form_csrf = true;
        self
    }
    pub fn query(mut self, q: &'static [(&'static str, &'static str)]) -> Self {
        self.query = q;
        self
    }
    /// The 200 answer's JSON body, as a JSON Schema (see `crate::openapi::schema`).
    pub fn returns(self, schema: serde_json::Value) -> Self {
        self.response(200, "Success", ResponseBody::Json(schema))
    }
    /// The 200 answer's JSON body, with a description of when it is given.
    pub fn returns_as(self, description: &'static str, schema: serde_json::Value) -> Self {
        self.response(200, description, ResponseBody::Json(schema))
    }
    /// A 200 HTML page.
    pub fn returns_html(self, description: &'static str) -> Self {
        self.response(200, description, ResponseBody::Html)
    }
    /// A 302 redirect, with when it happens and where it leads.
    pub fn redirects(self, description: &'static str) -> Self {
        self.response(302, description, ResponseBody::Redirect)
    }
    /// An error this endpoint gives besides the ones every endpoint may give (see
    /// `crate::openapi`), with when; the body is the usual `{message, code}`.
    pub fn fails_with(self, status: u16, description: &'static str) -> Self {
        self.response(
            status,
            description,
            ResponseBody::Json(crate::openapi::schema::component("Error")),
        )
    }
    /// Any other documented answer (for example an endpoint that always answers 405).
    pub fn response(mut self, status: u16, description: &'static str, body: ResponseBody) -> Self {
        self.responses.push(ResponseDoc {
            status,
            description,
            body,
        });
        self
    }

    /// Matches a relative path, returning path parameters.
    pub fn match_path(&self, path: &str) -> Option<HashMap<String, String>> {
        let mut params = HashMap::new();
        let mut want = self.path.split('/');
        let mut got = path.split('/');
        loop {
            match (want.next(), got.next()) {
                (None, None) => return Some(params),
                (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => {
                    params.insert(w[1..].to_owned(), g.to_owned());
                }
                (Some(w), Some(g)) if w == g => {}
                _ => return None,
            }
        }
    }
}

/// Finds endpoints by method and relative path without trying each in turn: paths without
/// parameters are looked up directly, and only the few with `:name` segments are matched. The
/// answer is the one a scan in registration order would give.
#[derive(Default)]
pub struct RouteIndex {
    /// Fx hashing: the keys are our own fixed paths, and a lookup inserts nothing, so a
    /// request cannot grow a bucket; SipHash's flooding resistance buys nothing here.
    exact: rustc_hash::FxHashMap<(Method, &'static str), usize>,
    with_params: Vec<usize>,
}

impl RouteIndex {
    pub fn new(endpoints: &[Endpoint]) -> Self {
        let mut index = RouteIndex::default();
        for (i, e) in endpoints.iter().enumerate() {
            if e.path.split('/').any(|seg| seg.starts_with(':')) {
                index.with_params.push(i);
            } else {
                index.exact.entry((e.method.clone(), e.path)).or_insert(i);
            }
        }
        index
    }

    /// The endpoint (an index into the slice the index was built from) and its path parameters.
    pub fn find(
        &self,
        endpoints: &[Endpoint],
        method: &Method,
        path: &str,
    ) -> Option<(usize, HashMap<String, String>)> {
        let exact = self.exact.get(&(method.clone(), path)).copied();
        let with_params = self.with_params.iter().find_map(|&i| {
            let e = endpoints.get(i)?;
            if exact.is_some_and(|x| x < i) || e.method != *method {
                return None;
            }
            e.match_path(path).map(|params| (i, params))
        });
        with_params.or_else(|| exact.map(|i| (i, HashMap::new())))
    }
}

/// A request as the engine sees it, independent of the HTTP server.
#[derive(Debug, Clone, Default)]
pub struct AuthRequest {
    pub method: Method,
    /// Relative to the base path.
    pub path: String,
    pub params: HashMap<String, String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Option<Value>,
    /// The client's address, already resolved through trusted proxies.
    pub ip: Option<IpAddr>,
    /// Parsed request cookies; plugins (bearer) may replace the session cookie.
    pub cookies: Vec<(String, String)>,
    /// Whether the request *as sent* had a Cookie header (the origin check looks at that).
    pub had_cookie_header: bool,
    /// Set by the engine for endpoints that need a session (or by a before-hook that
    /// authenticated the request).
    pub session: Option<SessionWithUser>,
    /// What this request issued or created, and plugins' own values.
    pub state: crate::request_state::RequestState,
}

impl AuthRequest {
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn set_cookie(&mut self, name: &str, value: String) {
        self.cookies.retain(|(n, _)| n != name);
        self.cookies.insert(0, (name.to_owned(), value));
    }
    /// A request header as text. Pass an `http::header` constant where there is one: a `&str`
    /// name is parsed on every call.
    pub fn header(&self, name: impl http::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    /// A body field, if the body is an object.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.body.as_ref().and_then(|b| b.get(name))
    }
    pub fn str_field(&self, name: &str) -> Option<&str> {
        self.field(name).and_then(Value::as_str)
    }
    pub fn bool_field(&self, name: &str) -> Option<bool> {
        self.field(name).and_then(Value::as_bool)
    }
    /// The session resolved by the engine; endpoints with `Auth::Public` must not rely on it.
    pub fn session(&self) -> Result<&SessionWithUser, ApiError> {
        self.session.as_ref().ok_or_else(ApiError::unauthorized)
    }
    pub fn user_agent(&self) -> &str {
        self.header(http::header::USER_AGENT).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json(Value),
    /// JSON already written out, for hot paths that serialize straight from rows.
    JsonBytes(Vec<u8>),
    /// A status with no body and no content type: the router's own 404 for a path or method
    /// no endpoint serves.
    Empty,
    /// A zero-length body sent as `application/json`: what an endpoint answers when it has
    /// nothing to say (an error without a body, a redirect), as Better Auth's endpoints do.
    EmptyJson,
    Html(String),
}

#[derive(Debug, Clone)]
pub struct AuthResponse {
    pub status: u16,
    pub body: Body,
    pub headers: Vec<(String, String)>,
    pub cookies: Vec<SetCookie>,
    /// For the access log and metrics, never sent: which endpoint answered and whose request
    /// it was. Set by the engine.
    pub log: AccessNote,
}

/// What the engine tells the HTTP layer about a request for its log line and metric labels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessNote {
    /// The endpoint that answered, as an index into `AuthContext::endpoints` (its route label
    /// is `AuthContext::route_labels` at the same index), never the raw path.
    pub endpoint: Option<usize>,
    pub user_id: Option<String>,
}

impl AuthResponse {
    pub fn new(status: u16, body: Body) -> Self {
        AuthResponse {
            status,
            body,
            headers: Vec::new(),
            cookies: Vec::new(),
            log: AccessNote::default(),
        }
    }
    pub fn json(v: Value) -> Self {
        Self::new(200, Body::Json(v))
    }
    pub fn redirect(location: &str) -> Self {
        Self::new(302, Body::EmptyJson).header("location", location)
    }
    pub fn html(s: String) -> Self {
        Self::new(200, Body::Html(s))
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
    pub fn cookies(mut self, cookies: Vec<SetCookie>) -> Self {
        self.cookies.extend(cookies);
        self
    }
    pub fn no_store(self) -> Self {
        self.header("cache-control", "no-store")
            .header("pragma", "no-cache")
    }
    /// Sets a header a browser client must be able to read (`set-auth-token`, `set-auth-jwt`)
    /// and names it in `Access-Control-Expose-Headers`.
    pub fn push_exposed_header(&mut self, name: &str, value: String) {
        self.headers.push((name.to_owned(), value));
        match self
            .headers
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case("access-control-expose-headers"))
        {
            Some((_, v)) => {
                if !v.split(',').any(|h| h.trim().eq_ignore_ascii_case(name)) {
                    v.push_str(", ");
                    v.push_str(name);
                }
            }
            None => self
                .headers
                .push(("access-control-expose-headers".into(), name.into())),
        }
    }
    pub fn from_error(e: ApiError) -> Self {
        let mut res = Self::new(
            e.status,
            e.body().map(Body::Json).unwrap_or(Body::EmptyJson),
        );
        res.cookies = e.cookies;
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn noop(_: &AuthContext, _: &AuthRequest) -> Result<AuthResponse, ApiError> {
        Ok(AuthResponse::json(Value::Null))
    }

    #[test]
    fn path_matching_with_params() {
        let e = Endpoint::new(
            Method::GET,
            "/reset-password/:token",
            "x",
            crate::handler!(noop),
        );
        let p = e.match_path("/reset-password/abc").expect("match");
        assert_eq!(p.get("token").map(String::as_str), Some("abc"));
        assert!(e.match_path("/reset-password/").is_none());
        assert!(e.match_path("/reset-password/a/b").is_none());
        assert!(e.match_path("/reset-password").is_none());
    }
}
