//! `/oauth2/authorize` and `/oauth2/consent`: the browser's part of the code flow.
//!
//! The order of checks decides where an error may go (RFC 6749 §4.1.2.1): until the client and
//! its redirect URI are known to be registered, errors go to the hosted error page, never to a
//! URI the request names; after that, to the redirect URI with `state` and `iss` (RFC 9207).
//!
//! Signing in and consenting are hosted pages the browser is sent to, each coming back here:
//! - the sign-in page gets `?redirect=` this request, plus `login_after`, the time the user was
//!   sent: a session made before it does not satisfy `prompt=login` or `max_age` on return.
//!   Tampering with it in the browser only changes the user's own request, and the ID token's
//!   `auth_time` tells the client the truth either way;
//! - the consent page gets the request signed with the server secret (`exp`, `sig`), since
//!   `/oauth2/consent` acts on it. Consent is stored, then the browser comes back here, where
//!   the stored consent lets the code be issued in the mode the client asked for.

use chrono::Utc;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::crypto::sign::{hmac_base64url, verify_base64url};
use portcullis_core::crypto::token::{generate_id, hash_token};
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::session::{Lookup, SessionWithUser};
use portcullis_core::{ApiError, AuthContext, verification};
use portcullis_storage::{Row, Value, Where};
use serde_json::{Value as Json, json};

use super::clients::{self, Client, GRANT_AUTHORIZATION_CODE};
use super::consents;
use super::errors::{Failure, INVALID_OAUTH_QUERY};
use super::{form_post, issuer, plugin};

/// Prefix of a live authorization code's verification identifier; a redeemed one is renamed to
/// `USED_CODE` so that a second use is recognized (and revokes what the first issued).
pub const CODE: &str = "oidc-code:";
pub const USED_CODE: &str = "oidc-code-used:";
/// Our own parameter: when the user was sent to sign in (unix milliseconds).
const LOGIN_AFTER: &str = "login_after";

/// The request's parameters as sent, in order.
pub type Params = Vec<(String, String)>;

fn get<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    p.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn without(p: &Params, names: &[&str]) -> Params {
    p.iter()
        .filter(|(k, _)| !names.contains(&k.as_str()))
        .cloned()
        .collect()
}

fn encode(p: &Params) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(p.iter())
        .finish()
}

/// What the browser is sent to next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Redirect(String),
    /// `response_mode=form_post`: a page that posts these fields to the client.
    FormPost {
        action: String,
        fields: Params,
    },
}

/// How the user answered on the consent page, when this run comes from there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    None,
    Denied,
}

/// What the code stands for, kept in its verification row.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub user_id: String,
    pub session_id: String,
    /// When the user last proved who they are (unix seconds).
    pub auth_time: i64,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
}

/// The prompt values asked for (OIDC Core §3.1.2.1). `none` with any other is an error.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Prompt {
    none: bool,
    login: bool,
    consent: bool,
}

fn prompt(p: &Params) -> Result<Prompt, &'static str> {
    let mut out = Prompt::default();
    for v in get(p, "prompt").unwrap_or_default().split_whitespace() {
        match v {
            "none" => out.none = true,
            // No account chooser: choosing an account is signing in again.
            "login" | "select_account" => out.login = true,
            "consent" => out.consent = true,
            _ => return Err("unsupported prompt value"),
        }
    }
    if out.none && (out.login || out.consent) {
        return Err("prompt=none cannot be combined with other values");
    }
    Ok(out)
}

/// The hosted error page, for errors that may not go to the client.
fn error_page(ctx: &AuthContext, error: &str, description: &str) -> Next {
    Next::Redirect(error_url(ctx, error, description))
}

/// The hosted error page's address for an error (also end-session's).
pub(super) fn error_url(ctx: &AuthContext, error: &str, description: &str) -> String {
    let q = encode(&vec![
        ("error".into(), error.into()),
        ("error_description".into(), description.into()),
    ]);
    format!("{}/error?{q}", ctx.config.auth_url())
}

/// Where the checked request is answered, and how.
struct Reply<'a> {
    redirect_uri: &'a str,
    state: Option<&'a str>,
    form_post: bool,
    issuer: String,
}

impl Reply<'_> {
    fn with(&self, mut fields: Params) -> Next {
        if let Some(s) = self.state {
            fields.push(("state".into(), s.into()));
        }
        fields.push(("iss".into(), self.issuer.clone()));
        if self.form_post {
            return Next::FormPost {
                action: self.redirect_uri.to_owned(),
                fields,
            };
        }
        let sep = if self.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        Next::Redirect(format!("{}{sep}{}", self.redirect_uri, encode(&fields)))
    }
    fn error(&self, error: &str, description: &str) -> Next {
        self.with(vec![
            ("error".into(), error.into()),
            ("error_description".into(), description.into()),
        ])
    }
}

/// Decides what an authorization request leads to. `session` is the browser's, if any.
pub async fn decide(
    ctx: &AuthContext,
    req: &AuthRequest,
    params: &Params,
    session: Option<&SessionWithUser>,
    answer: Answer,
) -> Result<Next, Failure> {
    let settings = &plugin(ctx).settings;
    let Some(client_id) = get(params, "client_id") else {
        return Ok(error_page(ctx, "invalid_request", "client_id is required"));
    };
    let store = ctx.adapter.as_ref();
    let client = match clients::find(store, client_id).await? {
        Some(c) if !c.disabled => c,
        Some(_) => return Ok(error_page(ctx, "invalid_client", "this client is disabled")),
        None => return Ok(error_page(ctx, "invalid_client", "unknown client_id")),
    };
    let Some(redirect_uri) = get(params, "redirect_uri") else {
        return Ok(error_page(
            ctx,
            "invalid_request",
            "redirect_uri is required",
        ));
    };
    if !client.redirect_uri_matches(redirect_uri) {
        return Ok(error_page(
            ctx,
            "invalid_request",
            "redirect_uri is not registered for this client",
        ));
    }
    let form_post = match get(params, "response_mode") {
        None | Some("query") => false,
        Some("form_post") => true,
        Some(_) => {
            let reply = Reply {
                redirect_uri,
                state: get(params, "state"),
                form_post: false,
                issuer: issuer(ctx),
            };
            return Ok(reply.error(
                "invalid_request",
                "response_mode must be query or form_post",
            ));
        }
    };
    let reply = Reply {
        redirect_uri,
        state: get(params, "state"),
        form_post,
        issuer: issuer(ctx),
    };
    if get(params, "request").is_some() {
        return Ok(reply.error("request_not_supported", "request objects are not supported"));
    }
    if get(params, "request_uri").is_some() {
        return Ok(reply.error("request_uri_not_supported", "request_uri is not supported"));
    }
    match get(params, "response_type") {
        Some("code") => {}
        None => return Ok(reply.error("invalid_request", "response_type is required")),
        Some(_) => {
            return Ok(reply.error(
                "unsupported_response_type",
                "only the authorization code flow (response_type=code) is offered",
            ));
        }
    }
    if !client.allows_grant(GRANT_AUTHORIZATION_CODE) {
        return Ok(reply.error(
            "unauthorized_client",
            "this client may not use the authorization code grant",
        ));
    }
    let allowed = client.allowed_scopes(&settings.scopes);
    let scopes: Vec<String> = match get(params, "scope") {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => allowed.iter().map(|s| (*s).to_owned()).collect(),
    };
    let refused: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !allowed.contains(s))
        .collect();
    if !refused.is_empty() {
        return Ok(reply.error(
            "invalid_scope",
            &format!("this client may not ask for: {}", refused.join(", ")),
        ));
    }
    let prompt = match prompt(params) {
        Ok(p) => p,
        Err(d) => return Ok(reply.error("invalid_request", d)),
    };
    let challenge = get(params, "code_challenge");
    match (challenge, get(params, "code_challenge_method")) {
        (Some(c), Some("S256")) if is_code_challenge(c) => {}
        (Some(_), Some("S256")) => {
            return Ok(reply.error(
                "invalid_request",
                "code_challenge must be 43 base64url characters",
            ));
        }
        (Some(_), None) | (Some(_), Some(_)) => {
            return Ok(reply.error(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not accepted)",
            ));
        }
        (None, Some(_)) => {
            return Ok(reply.error(
                "invalid_request",
                "code_challenge_method without code_challenge",
            ));
        }
        (None, None) if client.requires_pkce() => {
            return Ok(reply.error(
                "invalid_request",
                "this client must use PKCE: send code_challenge with code_challenge_method=S256",
            ));
        }
        (None, None) => {}
    }
    let max_age = match get(params, "max_age").map(str::parse::<i64>) {
        None => None,
        Some(Ok(v)) if v >= 0 => Some(v),
        Some(_) => return Ok(reply.error("invalid_request", "max_age must be a number of seconds")),
    };
    if answer == Answer::Denied {
        return Ok(reply.error("access_denied", "the user denied the request"));
    }

    // Who is asking, and how recently they proved it.
    let now = ctx.now();
    let login_after = get(params, LOGIN_AFTER).and_then(|v| v.parse::<i64>().ok());
    let fresh = |s: &SessionWithUser| {
        let Some(created) = s.created_at() else {
            return false;
        };
        // Back from the sign-in page this request sent the user to: a session made since then
        // is the fresh sign-in that `prompt=login` or `max_age` asked for (with `max_age=0`
        // no session would ever be young enough, and the user would go round for ever).
        match login_after {
            Some(t) => created.timestamp_millis() > t,
            None => max_age.is_none_or(|m| (now - created).num_seconds() <= m),
        }
    };
    let session = match session {
        Some(s) if !prompt.login && fresh(s) => s,
        _ => {
            if prompt.none {
                return Ok(reply.error("login_required", "the user is not signed in"));
            }
            return Ok(Next::Redirect(login_redirect(
                ctx,
                params,
                now.timestamp_millis(),
            )));
        }
    };

    let consented = client.skip_consent
        || (!prompt.consent
            && consents::covers(store, &client.client_id, session.user_id(), &scopes).await?);
    if !consented {
        if prompt.none {
            return Ok(reply.error("consent_required", "the user has not consented"));
        }
        return Ok(Next::Redirect(consent_redirect(ctx, params)));
    }

    let code = issue_code(ctx, &client, redirect_uri, scopes, session, params).await?;
    let event = AuditEvent::new("oauth.authorize")
        .from_request(req)
        .actor(session.user_id())
        .own()
        .target("oauthClient", client.client_id.clone());
    audit::record_now(ctx, event).await;
    Ok(reply.with(vec![("code".into(), code)]))
}

/// RFC 7636 §4.2: a SHA-256 challenge is 43 base64url characters.
fn is_code_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The sign-in page, coming back to this request once signed in.
fn login_redirect(ctx: &AuthContext, params: &Params, now: i64) -> String {
    let settings = &plugin(ctx).settings;
    let mut back = without(params, &["prompt", LOGIN_AFTER]);
    // Keep the prompt values that still apply on return; `login` is now `login_after`.
    if let Some(p) = get(params, "prompt") {
        let kept: Vec<&str> = p
            .split_whitespace()
            .filter(|v| !matches!(*v, "login" | "select_account"))
            .collect();
        if !kept.is_empty() {
            back.push(("prompt".into(), kept.join(" ")));
        }
    }
    back.push((LOGIN_AFTER.into(), now.to_string()));
    let here = format!(
        "{}/oauth2/authorize?{}",
        ctx.config.base_path,
        encode(&back)
    );
    let mut to = vec![("redirect".to_owned(), here)];
    if let Some(hint) = get(params, "login_hint") {
        to.push(("email".into(), hint.into()));
    }
    format!("{}?{}", settings.login_page, encode(&to))
}

/// What the consent page's signature covers: every parameter but `sig`, in a fixed order.
fn signed_text(p: &Params) -> String {
    let mut sorted = without(p, &["sig"]);
    sorted.sort();
    format!("oidc-consent:{}", encode(&sorted))
}

/// The consent page with the request signed, valid as long as a code would be.
fn consent_redirect(ctx: &AuthContext, params: &Params) -> String {
    let settings = &plugin(ctx).settings;
    let mut p = without(params, &["exp", "sig"]);
    p.push((
        "exp".into(),
        (ctx.now().timestamp() + settings.code_ttl).to_string(),
    ));
    let sig = hmac_base64url(ctx.secret(), &signed_text(&p));
    p.push(("sig".into(), sig));
    format!("{}?{}", settings.consent_page, encode(&p))
}

/// The request the consent page was given, if its signature holds and it has not expired.
pub fn verified_query(ctx: &AuthContext, query: &str) -> Option<Params> {
    let p: Params = url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .into_owned()
        .collect();
    let sig = get(&p, "sig")?;
    if !verify_base64url(ctx.secret(), &signed_text(&p), sig) {
        return None;
    }
    let exp = get(&p, "exp")?.parse::<i64>().ok()?;
    (exp > ctx.now().timestamp()).then(|| without(&p, &["exp", "sig"]))
}

async fn issue_code(
    ctx: &AuthContext,
    client: &Client,
    redirect_uri: &str,
    scopes: Vec<String>,
    session: &SessionWithUser,
    params: &Params,
) -> Result<String, Failure> {
    let settings = &plugin(ctx).settings;
    let code = generate_id(32);
    let grant = CodeGrant {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scopes,
        user_id: session.user_id().to_owned(),
        session_id: session.id().to_owned(),
        auth_time: session.created_at().unwrap_or_else(Utc::now).timestamp(),
        nonce: get(params, "nonce").map(str::to_owned),
        code_challenge: get(params, "code_challenge").map(str::to_owned),
    };
    let value = serde_json::to_string(&grant).map_err(|_| ApiError::internal())?;
    verification::create(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(CODE, &code),
        &value,
        settings.code_ttl,
    )
    .await?;
    Ok(code)
}

/// The browser's session for a public endpoint, always checked against the database.
pub async fn browser_session(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<Option<SessionWithUser>, ApiError> {
    Ok(
        match portcullis_core::session::lookup(ctx, req, false).await? {
            Lookup::Found(s) => Some(s),
            _ => None,
        },
    )
}

/// How `next` is answered: a redirect, or for a `fetch` (the consent page) or an `Accept:
/// application/json` request `{redirect: true, url}`, as Better Auth does.
pub fn respond(ctx: &AuthContext, req: &AuthRequest, next: Next) -> AuthResponse {
    match next {
        Next::FormPost { action, fields } => {
            form_post::page(ctx.delivery.templates().catalogs(), &action, &fields)
        }
        Next::Redirect(url) => {
            let wants_json = req
                .header(http::header::ACCEPT)
                .is_some_and(|a| a.contains("application/json"))
                || req.header("sec-fetch-mode").is_some_and(|m| m == "cors");
            if wants_json {
                AuthResponse::json(json!({ "redirect": true, "url": url }))
            } else {
                AuthResponse::redirect(&url)
            }
        }
    }
}

/// `GET|POST /oauth2/authorize`.
pub async fn authorize(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let params: Params = if req.method == http::Method::POST {
        match &req.body {
            Some(Json::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect(),
            _ => Vec::new(),
        }
    } else {
        req.query.clone()
    };
    let session = browser_session(ctx, req).await?;
    match decide(ctx, req, &params, session.as_ref(), Answer::None).await {
        Ok(next) => Ok(respond(ctx, req, next)),
        Err(Failure::OAuth(e)) => Ok(respond(ctx, req, error_page(ctx, e.error, &e.description))),
        Err(Failure::Api(e)) => Err(e),
    }
}

/// `POST /oauth2/consent {accept, scope?, oauth_query}`: records the user's answer, then
/// sends the browser back to the authorization request (or, when denied, to the client with
/// `access_denied`).
pub async fn consent(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let query = req.str_field("oauth_query").unwrap_or_default();
    let mut params =
        verified_query(ctx, query).ok_or_else(|| ApiError::new(400, INVALID_OAUTH_QUERY))?;
    let accepted = req.bool_field("accept") == Some(true);
    if !accepted {
        let next = decide(ctx, req, &params, Some(s), Answer::Denied)
            .await
            .map_err(into_api)?;
        audit::record_now(
            ctx,
            AuditEvent::new("oauth.consent_deny")
                .from_request(req)
                .own()
                .target(
                    "oauthClient",
                    get(&params, "client_id").unwrap_or_default().to_owned(),
                ),
        )
        .await;
        return Ok(json_redirect(next));
    }
    let settings = &plugin(ctx).settings;
    let client_id = get(&params, "client_id").unwrap_or_default().to_owned();
    let client = clients::find(ctx.adapter.as_ref(), &client_id)
        .await?
        .ok_or_else(|| ApiError::new(400, INVALID_OAUTH_QUERY))?;
    let asked: Vec<String> = match get(&params, "scope") {
        Some(sc) => sc.split_whitespace().map(str::to_owned).collect(),
        None => client
            .allowed_scopes(&settings.scopes)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    // The user may grant fewer scopes than asked, never others.
    let granted: Vec<String> = match req.str_field("scope") {
        Some(sc) => {
            let g: Vec<String> = sc.split_whitespace().map(str::to_owned).collect();
            if g.iter().any(|x| !asked.contains(x)) {
                return Err(ApiError::with_message(
                    400,
                    INVALID_OAUTH_QUERY,
                    "a scope that was not asked for cannot be granted",
                ));
            }
            g
        }
        None => asked,
    };
    consents::grant(ctx, req, &client_id, s.user_id(), &granted).await?;
    // Back to the request without `prompt=consent`, which has now been answered.
    let kept_prompt: Vec<String> = get(&params, "prompt")
        .unwrap_or_default()
        .split_whitespace()
        .filter(|v| *v != "consent")
        .map(str::to_owned)
        .collect();
    params.retain(|(k, _)| k != "scope" && k != "prompt");
    params.push(("scope".into(), granted.join(" ")));
    if !kept_prompt.is_empty() {
        params.push(("prompt".into(), kept_prompt.join(" ")));
    }
    // As Better Auth: the answer names the client's redirect URI with the code. A form_post
    // answer cannot travel in JSON, so the browser goes back through the authorization
    // request, which the stored consent now lets through.
    let url = match decide(ctx, req, &params, Some(s), Answer::None)
        .await
        .map_err(into_api)?
    {
        Next::Redirect(url) => url,
        Next::FormPost { .. } => format!(
            "{}/oauth2/authorize?{}",
            ctx.config.base_path,
            encode(&params)
        ),
    };
    Ok(AuthResponse::json(json!({ "redirect": true, "url": url })))
}

fn into_api(f: Failure) -> ApiError {
    match f {
        Failure::OAuth(_) => ApiError::new(400, INVALID_OAUTH_QUERY),
        Failure::Api(e) => e,
    }
}

fn json_redirect(next: Next) -> AuthResponse {
    let url = match next {
        Next::Redirect(u) => u,
        // A denial is always sent in the query: a form cannot be answered from JSON.
        Next::FormPost { action, fields } => {
            let sep = if action.contains('?') { '&' } else { '?' };
            format!("{action}{sep}{}", encode(&fields))
        }
    };
    AuthResponse::json(json!({ "redirect": true, "url": url }))
}

/// Redeems a code once. A code seen again (already redeemed) revokes what its first use issued,
/// as RFC 6749 §4.1.2 asks: whoever replays it may hold a stolen copy.
pub async fn redeem_code(ctx: &AuthContext, code: &str) -> Result<(String, CodeGrant), Failure> {
    use super::errors::OAuthError;
    let store = ctx.adapter.as_ref();
    let live = verification::identifier(CODE, code);
    let Some(found) = verification::find(ctx, store, &live).await? else {
        let used = format!("{USED_CODE}{}", hash_token(code));
        if let Some(first) = verification::find(ctx, store, &used).await? {
            super::tokens::revoke_for_code(ctx, &first.id).await?;
            audit::record_now(
                ctx,
                AuditEvent::new("oauth.code_reuse")
                    .severity(audit::Severity::Critical)
                    .failure("code_reused")
                    .target("authorizationCode", first.id.clone()),
            )
            .await;
        }
        return Err(OAuthError::invalid_grant("the code is unknown, expired or used").into());
    };
    if found.expired {
        return Err(OAuthError::invalid_grant("the code has expired").into());
    }
    let grant: CodeGrant = serde_json::from_str(&found.value)
        .map_err(|_| OAuthError::invalid_grant("the code is unknown, expired or used"))?;
    // Only the request whose rename changed the row may use the code.
    let mut set = Row::new();
    set.insert(
        "identifier".into(),
        Value::from(format!("{USED_CODE}{}", hash_token(code))),
    );
    set.insert("updatedAt".into(), ctx.now().into());
    let won = store
        .update_many(
            "verification",
            &[
                Where::eq("id", found.id.as_str()),
                Where::eq("identifier", live.as_str()),
            ],
            set,
        )
        .await?;
    if won != 1 {
        return Err(OAuthError::invalid_grant("the code is unknown, expired or used").into());
    }
    Ok((found.id, grant))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn prompt_values() {
        assert_eq!(prompt(&p(&[])), Ok(Prompt::default()));
        assert!(prompt(&p(&[("prompt", "login consent")])).is_ok_and(|x| x.login && x.consent));
        assert!(prompt(&p(&[("prompt", "select_account")])).is_ok_and(|x| x.login));
        assert!(prompt(&p(&[("prompt", "none login")])).is_err());
        assert!(prompt(&p(&[("prompt", "bogus")])).is_err());
    }

    #[test]
    fn code_challenges_are_s256_shaped() {
        assert!(is_code_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_code_challenge("short"));
        assert!(!is_code_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
    }
}
