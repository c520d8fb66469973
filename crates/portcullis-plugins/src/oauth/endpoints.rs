//! The handlers. Wire shapes, status codes and `?error=` values are Better Auth 1.7.25's
//! (`api/routes/sign-in.mjs`, `callback.mjs`, `account.mjs`).

use portcullis_core::audit::{self, AuditEvent, Refusal};
use std::sync::Arc;

use portcullis_core::cookies::SetCookie;
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::error::codes;
use portcullis_core::session::{self, SessionWithUser};
use portcullis_core::{ApiError, AuthContext, Issued, SignIn, issue_session_in, users};
use portcullis_storage::{Row, Value};
use serde_json::{Value as Json, json};

use super::accounts::{self, LinkTarget, SignInInput};
use super::provider::{self, AuthorizationRequest, Provider, Tokens, UserInfo};
use super::state::{self, Link, Start};
use super::*;

/// The login metric's method for every provider.
const METHOD: &str = "oauth";

fn find_provider(ctx: &AuthContext, id: Option<&str>) -> Result<Arc<Provider>, ApiError> {
    id.and_then(|id| plugin(ctx).provider(id))
        .cloned()
        .ok_or_else(|| ApiError::new(404, PROVIDER_NOT_FOUND))
}

fn scopes_field(req: &AuthRequest) -> Result<Vec<String>, ApiError> {
    match req.field("scopes") {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|s| {
                s.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::validation(
                        "[body.scopes] Invalid input: expected an array of strings".into(),
                    )
                })
            })
            .collect(),
        Some(_) => Err(ApiError::validation(
            "[body.scopes] Invalid input: expected array".into(),
        )),
    }
}

fn unreachable_provider(p: &Provider, e: &provider::ProviderError) -> ApiError {
    tracing::warn!(provider = p.id(), error = %e, "OAuth provider could not be used");
    ApiError::message_only(502, "The provider could not be reached. Try again later.")
}

/// `{url, redirect}` with `Location` unless `disableRedirect`, and the state cookie.
fn authorization_answer(url: String, disable_redirect: bool, cookie: SetCookie) -> AuthResponse {
    let mut res = AuthResponse::json(json!({"url": url, "redirect": !disable_redirect}));
    if !disable_redirect {
        res = res.header("location", url);
    }
    res.cookies(vec![cookie])
}

async fn start_flow(
    ctx: &AuthContext,
    req: &AuthRequest,
    p: &Provider,
    link: Option<Link>,
) -> Result<AuthResponse, ApiError> {
    let scopes = scopes_field(req)?;
    let started = state::generate(
        ctx,
        Start {
            callback_url: req.str_field("callbackURL"),
            error_url: req.str_field("errorCallbackURL"),
            new_user_url: req.str_field("newUserCallbackURL"),
            request_sign_up: req.bool_field("requestSignUp"),
            link,
            with_nonce: p.is_oidc(),
        },
    )
    .await?;
    let url = p
        .authorization_url(AuthorizationRequest {
            state: &started.state,
            code_verifier: &started.code_verifier,
            nonce: started.nonce.as_deref(),
            scopes: &scopes,
            login_hint: req.str_field("loginHint"),
        })
        .await
        .map_err(|e| unreachable_provider(p, &e))?;
    Ok(authorization_answer(
        url,
        req.bool_field("disableRedirect") == Some(true),
        started.cookie,
    ))
}

pub(super) async fn sign_in_social(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let p = find_provider(ctx, req.str_field("provider"))?;
    if req.field("idToken").is_some_and(|v| !v.is_null()) {
        return id_token_sign_in(ctx, req, &p).await;
    }
    start_flow(ctx, req, &p, None).await
}

pub(super) async fn sign_in_oauth2(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let p = find_provider(ctx, req.str_field("providerId"))?;
    start_flow(ctx, req, &p, None).await
}

/// The `idToken` object's fields.
struct IdTokenInput {
    token: String,
    nonce: Option<String>,
    access_token: Option<String>,
    refresh_token: Option<String>,
    /// Apple's native sign-in hands the app the user's name once (`user.name`); the app sends
    /// it along, as the web flow's form post does.
    user_name: Option<String>,
}

fn id_token_input(req: &AuthRequest) -> Result<IdTokenInput, ApiError> {
    let obj = req
        .field("idToken")
        .and_then(Json::as_object)
        .ok_or_else(|| {
            ApiError::validation("[body.idToken] Invalid input: expected object".into())
        })?;
    let s = |k: &str| obj.get(k).and_then(Json::as_str).map(str::to_owned);
    let token = s("token").ok_or_else(|| {
        ApiError::validation("[body.idToken.token] Invalid input: expected string".into())
    })?;
    Ok(IdTokenInput {
        token,
        nonce: s("nonce"),
        access_token: s("accessToken"),
        refresh_token: s("refreshToken"),
        user_name: obj.get("user").and_then(user_name),
    })
}

/// Verifies a client's ID token and reads the profile from its claims.
async fn verified_id_token(
    ctx: &AuthContext,
    p: &Provider,
    input: &IdTokenInput,
) -> Result<UserInfo, ApiError> {
    if !p.verifies_id_tokens() {
        return Err(ApiError::new(404, ID_TOKEN_NOT_SUPPORTED));
    }
    let parsed = provider::parse_id_token(&input.token)
        .ok_or_else(|| ApiError::new(401, codes::INVALID_TOKEN))?;
    let claims = p
        .verify_id_token(&parsed, input.nonce.as_deref(), ctx.now())
        .await
        .map_err(|e| {
            tracing::warn!(provider = p.id(), error = %e, "invalid id token");
            ApiError::new(401, codes::INVALID_TOKEN)
        })?;
    let info = provider::map_profile(claims, &p.settings.claims)
        .map_err(|_| ApiError::new(401, codes::FAILED_TO_GET_USER_INFO))?;
    if info.email.is_none() {
        return Err(ApiError::new(401, USER_EMAIL_NOT_FOUND));
    }
    Ok(info)
}

async fn id_token_sign_in(
    ctx: &AuthContext,
    req: &AuthRequest,
    p: &Provider,
) -> Result<AuthResponse, ApiError> {
    let input = id_token_input(req)?;
    let mut info = match verified_id_token(ctx, p, &input).await {
        Ok(info) => info,
        Err(e) => {
            let reason = e.code.as_deref().unwrap_or("invalid_token").to_lowercase();
            audit::refused(ctx, req, Refusal::sign_in(METHOD, &reason));
            return Err(e);
        }
    };
    if let Some(name) = &input.user_name {
        info.name = name.clone();
    }
    let tokens = Tokens {
        access_token: input.access_token.clone(),
        refresh_token: input.refresh_token.clone(),
        id_token: Some(input.token.clone()),
        ..Tokens::default()
    };
    let request_sign_up = req.bool_field("requestSignUp") == Some(true);
    let signed_in = match sign_in_with_profile(ctx, req, p, &info, &tokens, request_sign_up).await?
    {
        Ok(x) => x,
        Err(code) => {
            audit::refused(ctx, req, Refusal::sign_in(METHOD, code));
            return Err(ApiError {
                status: 401,
                code: Some("OAUTH_LINK_ERROR".into()),
                message: Some(code.replace('_', " ").into()),
                cookies: Vec::new(),
            });
        }
    };
    let user_json = signed_in.user_json;
    Ok(signed_in.issued.respond(|s, cookies| {
        AuthResponse::json(json!({"redirect": false, "token": s.token, "user": user_json}))
            .cookies(cookies)
    }))
}

/// A sign-in that succeeded: its session (or a second factor's answer), and who.
struct SignedIn {
    issued: Issued,
    user_json: Json,
    is_register: bool,
}

/// Signs in (or up) with a provider's profile, whose e-mail is known: the user is found,
/// linked or created, and the session issued, in one transaction. `Ok(Err(value))` is a
/// refusal with Better Auth's `?error=` value; nothing it wrote is kept.
async fn sign_in_with_profile(
    ctx: &AuthContext,
    req: &AuthRequest,
    p: &Provider,
    info: &UserInfo,
    tokens: &Tokens,
    request_sign_up: bool,
) -> Result<Result<SignedIn, &'static str>, ApiError> {
    let email = users::normalize_email(info.email.as_deref().unwrap_or_default());
    let disable_sign_up =
        p.settings.disable_sign_up || (p.settings.disable_implicit_sign_up && !request_sign_up);
    let mut tx = ctx.begin().await?;
    let input = SignInInput {
        provider_id: p.id(),
        info,
        email: &email,
        tokens,
        disable_sign_up,
        override_user_info: p.settings.override_user_info,
    };
    let resolved =
        match accounts::resolve_user(ctx, req, &mut tx, &plugin(ctx).settings.linking, input)
            .await?
        {
            Ok(r) => r,
            // Dropping the transaction rolls back whatever it wrote.
            Err(code) => return Ok(Err(code)),
        };
    let user_json = session::user_json(ctx, &resolved.user);
    let linked_user = resolved.linked.then(|| resolved.user.clone());
    let is_register = resolved.is_register;
    let sign_in = if is_register {
        SignIn::sign_up(resolved.user, METHOD)
    } else {
        SignIn::new(resolved.user, METHOD)
    };
    let issued = issue_session_in(ctx, req, &mut tx, sign_in).await?;
    tx.commit().await?;
    if is_register {
        ctx.metrics.registration(METHOD);
    }
    if let Some(user) = &linked_user {
        accounts::notify_linked(ctx, req, user, &p.settings.label);
    }
    Ok(Ok(SignedIn {
        issued,
        user_json,
        is_register,
    }))
}

/// The callback parameters, in Better Auth's order (a form post is redirected to a GET with
/// them).
const CALLBACK_PARAMS: &[&str] = &[
    "code",
    "error",
    "device_id",
    "error_description",
    "state",
    "user",
    "iss",
];

/// Apple sends the user's name once, at the first consent: `{"name": {"firstName",
/// "lastName"}, "email"}`, as the form field `user` (JSON text) or a native app's
/// `idToken.user`. Its ID token never carries it.
fn user_name(user: &serde_json::Value) -> Option<String> {
    let part = |k: &str| user.pointer(&format!("/name/{k}")).and_then(|s| s.as_str());
    let full = format!(
        "{} {}",
        part("firstName").unwrap_or_default(),
        part("lastName").unwrap_or_default()
    );
    Some(full.trim().to_owned()).filter(|n| !n.is_empty())
}

fn default_error_url(ctx: &AuthContext) -> String {
    format!("{}/error", ctx.config.auth_url())
}

/// `target` with `?error=` (and `error_description`) appended, as Better Auth's
/// `appendQueryParams`.
fn error_redirect(target: &str, error: &str, description: Option<&str>) -> AuthResponse {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("error", error);
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        q.append_pair("error_description", d);
    }
    let sep = if target.contains('?') { '&' } else { '?' };
    AuthResponse::redirect(&format!("{target}{sep}{}", q.finish()))
}

pub(super) async fn callback(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let provider_id = req.params.get("providerId").cloned().unwrap_or_default();
    if req.method == http::Method::POST {
        // A provider's form_post (Apple): continue as a GET, query values over the body's.
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for k in CALLBACK_PARAMS {
            let v = req
                .query_param(k)
                .map(str::to_owned)
                .or_else(|| req.str_field(k).map(str::to_owned));
            if let Some(v) = v {
                q.append_pair(k, &v);
            }
        }
        let url = format!(
            "{}/callback/{provider_id}?{}",
            ctx.config.auth_url(),
            q.finish()
        );
        return Ok(AuthResponse::redirect(&url));
    }
    let default_error = default_error_url(ctx);
    let Some(state_value) = req.query_param("state").filter(|s| !s.is_empty()) else {
        audit::refused(ctx, req, Refusal::sign_in(METHOD, "state_not_found"));
        return Ok(error_redirect(&default_error, "state_not_found", None));
    };
    let (data, clear_state) = match state::take(ctx, req, state_value).await {
        Ok(x) => x,
        Err(refused) => {
            audit::refused(ctx, req, Refusal::sign_in(METHOD, refused.code));
            let target = refused.error_url.unwrap_or_else(|| default_error.clone());
            return Ok(error_redirect(&target, refused.code, None));
        }
    };
    let error_url = data.error_url.clone().unwrap_or(default_error);
    // Every refusal from here is recorded: a sign-in's, or a link's for a linking flow.
    let action = if data.link.is_some() {
        "oauth.link"
    } else {
        "user.sign_in"
    };
    let user_id = data.link.as_ref().map(|l| l.user_id.as_str());
    let fail_because = |reason: &str, code: &str, description: Option<&str>| {
        audit::refused(ctx, req, Refusal::new(action, METHOD, reason).user(user_id));
        error_redirect(&error_url, code, description).cookies(vec![clear_state.clone()])
    };
    let fail = |code: &str, description: Option<&str>| fail_because(code, code, description);
    if let Some(error) = req.query_param("error").filter(|e| !e.is_empty()) {
        // The provider's words are the client's to read, not the log's to keep.
        return Ok(fail_because(
            "provider_error",
            error,
            req.query_param("error_description"),
        ));
    }
    let Some(code) = req.query_param("code").filter(|c| !c.is_empty()) else {
        return Ok(fail("no_code", None));
    };
    let Some(p) = plugin(ctx).provider(&provider_id).cloned() else {
        return Ok(fail("oauth_provider_not_found", None));
    };
    if let Some(iss) = req.query_param("iss")
        && let Some(expected) = p.issuer().await
        && iss.trim_end_matches('/') != expected.trim_end_matches('/')
    {
        return Ok(fail("issuer_mismatch", None));
    }
    let (tokens, id_token) = match p.exchange_code(code, &data.code_verifier, ctx.now()).await {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(provider = p.id(), error = %e, "OAuth code exchange failed");
            return Ok(fail("invalid_code", None));
        }
    };
    let mut info = match p
        .user_info(
            &tokens,
            id_token.as_ref(),
            data.id_token_nonce.as_deref(),
            ctx.now(),
        )
        .await
    {
        Ok(info) => info,
        Err(e) => {
            tracing::warn!(provider = p.id(), error = %e, "OAuth profile could not be read");
            return Ok(fail("unable_to_get_user_info", None));
        }
    };
    if p.settings.form_post
        && let Some(user) = req.query_param("user")
        && let Ok(user) = serde_json::from_str::<serde_json::Value>(user)
        && let Some(name) = user_name(&user)
    {
        info.name = name;
    }
    let settings = &plugin(ctx).settings;
    if let Some(link) = &data.link {
        let target = LinkTarget {
            user_id: &link.user_id,
            email: &link.email,
            session_id: link.session_id.as_deref(),
        };
        return Ok(
            match accounts::link_account(
                ctx,
                req,
                &settings.linking,
                target,
                p.id(),
                &info,
                &tokens,
            )
            .await?
            {
                Ok(created) => {
                    if created && let Some(user) = users::find_user(ctx, &link.user_id).await? {
                        accounts::notify_linked(ctx, req, &user, &p.settings.label);
                    }
                    AuthResponse::redirect(&data.callback_url).cookies(vec![clear_state])
                }
                Err(code) => fail(code, None),
            },
        );
    }
    if info.email.is_none() {
        return Ok(fail("email_not_found", None));
    }
    let request_sign_up = data.request_sign_up == Some(true);
    let (issued, is_register) =
        match sign_in_with_profile(ctx, req, &p, &info, &tokens, request_sign_up).await? {
            Ok(x) => (x.issued, x.is_register),
            Err(code) => return Ok(fail(code, None)),
        };
    let to = match (is_register, &data.new_user_url) {
        (true, Some(u)) => u.clone(),
        _ => data.callback_url.clone(),
    };
    Ok(match issued {
        Issued::Session { cookies, .. } => {
            let mut all = vec![clear_state];
            all.extend(cookies);
            AuthResponse::redirect(&to).cookies(all)
        }
        Issued::Held(answer) => answer.cookies(vec![clear_state]),
    })
}

fn link_target(me: &SessionWithUser) -> Link {
    Link {
        email: me
            .user
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        user_id: me.user_id().to_owned(),
        session_id: me
            .session
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

pub(super) async fn link_social(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let p = find_provider(ctx, req.str_field("provider"))?;
    if req.field("idToken").is_some_and(|v| !v.is_null()) {
        return link_from_id_token(ctx, req, me, &p).await;
    }
    start_flow(ctx, req, &p, Some(link_target(me))).await
}

pub(super) async fn link_oauth2(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let p = find_provider(ctx, req.str_field("providerId"))?;
    start_flow(ctx, req, &p, Some(link_target(me))).await
}

async fn link_from_id_token(
    ctx: &AuthContext,
    req: &AuthRequest,
    me: &SessionWithUser,
    p: &Provider,
) -> Result<AuthResponse, ApiError> {
    let input = id_token_input(req)?;
    let info = verified_id_token(ctx, p, &input).await?;
    let tokens = Tokens {
        access_token: input.access_token.clone(),
        refresh_token: input.refresh_token.clone(),
        id_token: Some(input.token.clone()),
        ..Tokens::default()
    };
    let linking = &plugin(ctx).settings.linking;
    let done = || AuthResponse::json(json!({"url": "", "status": true, "redirect": false}));
    if let Some(existing) = accounts::find_by_key(ctx.adapter.as_ref(), p.id(), &info.id).await? {
        if existing.get("userId").and_then(Value::as_str) != Some(me.user_id()) {
            return Err(ApiError::new(409, SOCIAL_ACCOUNT_ALREADY_LINKED));
        }
    } else {
        let trusted = linking.trusted_providers.iter().any(|t| t == p.id());
        if (!trusted && !info.email_verified) || !linking.enabled {
            return Err(ApiError::new(401, LINKING_NOT_ALLOWED));
        }
        let mine = me
            .user
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if info.email.as_deref().map(users::normalize_email) != Some(users::normalize_email(mine))
            && !linking.allow_different_emails
        {
            return Err(ApiError::new(401, LINKING_DIFFERENT_EMAILS_NOT_ALLOWED));
        }
    }
    let target = LinkTarget {
        user_id: me.user_id(),
        email: me
            .user
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        session_id: None,
    };
    match accounts::link_account(ctx, req, linking, target, p.id(), &info, &tokens).await? {
        Ok(created) => {
            if created {
                accounts::notify_linked(ctx, req, &me.user, &p.settings.label);
            }
            Ok(done())
        }
        Err(_) => Err(ApiError::new(417, LINKING_FAILED)),
    }
}

pub(super) async fn unlink_account(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let account_id = req.str_field("accountId").unwrap_or_default();
    let mine = accounts::user_accounts(ctx, me.user_id()).await?;
    if mine.len() == 1 && !plugin(ctx).settings.linking.allow_unlinking_all {
        return Err(ApiError::bad_request(FAILED_TO_UNLINK_LAST_ACCOUNT));
    }
    let Some(found) = mine
        .iter()
        .find(|a| a.get("id").and_then(Value::as_str) == Some(account_id))
    else {
        return Err(ApiError::bad_request(codes::ACCOUNT_NOT_FOUND));
    };
    let id = found.get("id").and_then(Value::as_str).unwrap_or_default();
    let w = audit::writes(ctx).await?;
    w.delete_many(
        "account",
        &[
            portcullis_storage::Where::eq("id", id),
            portcullis_storage::Where::eq("userId", me.user_id()),
        ],
    )
    .await?;
    let provider = found
        .get("providerId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let e = AuditEvent::new("oauth.unlink")
        .from_request(req)
        .own()
        .target("account", id)
        .detail("providerId", provider);
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(AuthResponse::json(json!({"status": true})))
}

/// The account a token request names: `accountId` (the row's id, as Better Auth 1.7), or the
/// user's account with `providerId` (as earlier clients send).
async fn selected_account(
    ctx: &AuthContext,
    req: &AuthRequest,
    user_id: &str,
) -> Result<Row, ApiError> {
    let account_id = req
        .str_field("accountId")
        .or_else(|| req.query_param("accountId"));
    let provider_id = req
        .str_field("providerId")
        .or_else(|| req.query_param("providerId"));
    let mine = accounts::user_accounts(ctx, user_id).await?;
    let get = |a: &Row, k: &str| a.get(k).and_then(Value::as_str).map(str::to_owned);
    mine.into_iter()
        .find(|a| match (account_id, provider_id) {
            (Some(id), _) => get(a, "id").as_deref() == Some(id),
            (None, Some(p)) => get(a, "providerId").as_deref() == Some(p),
            (None, None) => false,
        })
        .ok_or_else(|| ApiError::bad_request(codes::ACCOUNT_NOT_FOUND))
}

fn provider_of(
    ctx: &AuthContext,
    account: &Row,
    code: ErrorCode,
) -> Result<Arc<Provider>, ApiError> {
    let id = account
        .get("providerId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    plugin(ctx).provider(id).cloned().ok_or_else(|| {
        ApiError::with_message(400, code, format!("Provider {id} is not supported."))
    })
}

struct ValidToken {
    access_token: Option<String>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    scopes: Vec<String>,
    id_token: Option<String>,
}

/// The account's access token, refreshed first when it expires within five seconds.
async fn valid_access_token(
    ctx: &AuthContext,
    account: &Row,
    p: &Provider,
) -> Result<ValidToken, ApiError> {
    let failed = || ApiError::bad_request(FAILED_TO_GET_ACCESS_TOKEN);
    let expires_at = accounts::date_field(account, "accessTokenExpiresAt");
    let expired = expires_at.is_some_and(|at| at - ctx.now() < chrono::Duration::seconds(5));
    let refresh = accounts::stored_token(ctx, account, "refreshToken");
    let scopes = stored_scopes(account);
    if let (true, Some(rt)) = (expired, refresh) {
        let fresh = p.refresh(&rt, ctx.now()).await.map_err(|e| {
            tracing::warn!(provider = p.id(), error = %e, "token refresh failed");
            failed()
        })?;
        let id = account
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        accounts::store_refreshed(ctx, id, &fresh).await?;
        return Ok(ValidToken {
            access_token: fresh.access_token,
            expires_at: fresh.access_token_expires_at.or(expires_at),
            scopes,
            id_token: fresh
                .id_token
                .or_else(|| accounts::stored_token(ctx, account, "idToken")),
        });
    }
    Ok(ValidToken {
        access_token: accounts::stored_token(ctx, account, "accessToken"),
        expires_at,
        scopes,
        id_token: accounts::stored_token(ctx, account, "idToken"),
    })
}

fn stored_scopes(account: &Row) -> Vec<String> {
    account
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) async fn get_access_token(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let account = selected_account(ctx, req, me.user_id()).await?;
    let p = provider_of(ctx, &account, PROVIDER_NOT_SUPPORTED)?;
    let t = valid_access_token(ctx, &account, &p).await?;
    let mut body = json!({
        "accessToken": t.access_token.unwrap_or_default(),
        "scopes": t.scopes,
    });
    if let Some(at) = t.expires_at {
        body["accessTokenExpiresAt"] =
            json!(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    if let Some(id) = t.id_token {
        body["idToken"] = json!(id);
    }
    Ok(AuthResponse::json(body).no_store())
}

pub(super) async fn refresh_token(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let account = selected_account(ctx, req, me.user_id()).await?;
    let p = provider_of(ctx, &account, PROVIDER_NOT_SUPPORTED)?;
    let Some(rt) = accounts::stored_token(ctx, &account, "refreshToken") else {
        return Err(ApiError::bad_request(REFRESH_TOKEN_NOT_FOUND));
    };
    let fresh = p.refresh(&rt, ctx.now()).await.map_err(|e| {
        tracing::warn!(provider = p.id(), error = %e, "token refresh failed");
        ApiError::bad_request(FAILED_TO_REFRESH_ACCESS_TOKEN)
    })?;
    let id = account
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    accounts::store_refreshed(ctx, &id, &fresh).await?;
    let date = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| json!(d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
            .unwrap_or(Json::Null)
    };
    Ok(AuthResponse::json(json!({
        "accessToken": fresh.access_token,
        "refreshToken": fresh.refresh_token.unwrap_or(rt),
        "accessTokenExpiresAt": date(fresh.access_token_expires_at),
        "refreshTokenExpiresAt": date(accounts::date_field(&account, "refreshTokenExpiresAt")),
        "scope": account.get("scope").map(Value::to_json).unwrap_or(Json::Null),
        "idToken": fresh.id_token.or_else(|| accounts::stored_token(ctx, &account, "idToken")),
        "providerId": p.id(),
        "accountId": id,
    }))
    .no_store())
}

pub(super) async fn account_info(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let account = selected_account(ctx, req, me.user_id()).await?;
    let p = provider_of(ctx, &account, PROVIDER_NOT_CONFIGURED)?;
    let t = valid_access_token(ctx, &account, &p).await?;
    let Some(access) = t.access_token.filter(|a| !a.is_empty()) else {
        return Err(ApiError::bad_request(ACCESS_TOKEN_NOT_FOUND));
    };
    let info = p
        .current_profile(&access, t.id_token.as_deref(), ctx.now())
        .await
        .map_err(|e| {
            tracing::warn!(provider = p.id(), error = %e, "profile could not be read");
            ApiError::new(401, codes::FAILED_TO_GET_USER_INFO)
        })?;
    let get = |k: &str| account.get(k).map(Value::to_json).unwrap_or(Json::Null);
    let mut user = json!({
        "name": info.name,
        "email": info.email,
        "emailVerified": info.email_verified,
    });
    let mut data = info.raw;
    if let Some(image) = &info.image {
        user["image"] = json!(image);
    }
    if p.settings.generic {
        // Better Auth's generic providers add these to the profile they answer.
        data.entry("id").or_insert_with(|| json!(info.id));
        data.entry("emailVerified")
            .or_insert_with(|| json!(info.email_verified));
        if let Some(image) = &info.image {
            data.entry("image").or_insert_with(|| json!(image));
        }
    }
    Ok(AuthResponse::json(json!({
        "user": user,
        "data": data,
        "account": {"id": get("id"), "providerId": get("providerId"), "accountId": get("accountId")},
    }))
    .no_store())
}
