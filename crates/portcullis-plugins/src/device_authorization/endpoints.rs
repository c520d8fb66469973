//! The five endpoints, with Better Auth's paths, bodies and answers. Errors are OAuth bodies,
//! `{error, error_description}`, as Better Auth's plugin answers them (RFC 8628 §3.5).

use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::crypto::token::{generate_id, hash_token};
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::session::{self, Lookup, SessionWithUser};
use portcullis_core::validate::{self, BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, Issued, SignIn, issue_session_in, links};
use portcullis_storage::{Row, StorageError, Value, Where};
use serde_json::{Map, json};

use super::grant::{self, DeviceGrantError, rfc_error};
use super::store::{self, APPROVED, DENIED, PENDING, TABLE};
use super::{DeviceAuthorization, GRANT_TYPE, VERIFICATION_PAGE};

/// Better Auth's `MAX_DEVICE_CODE_GENERATION_ATTEMPTS`: a new pair after a unique clash.
const CODE_ATTEMPTS: usize = 3;

fn plugin(ctx: &AuthContext) -> &DeviceAuthorization {
    match ctx.plugin::<DeviceAuthorization>() {
        Some(p) => p,
        None => unreachable!("device handlers run only with the device plugin registered"),
    }
}

pub fn code_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::req("client_id", Ty::String, "The client ID of the application"),
        FieldSpec::opt(
            "user_id",
            Ty::String,
            "The user ID to which the device code should be pre-bound.",
        ),
        FieldSpec::opt("scope", Ty::String, "Space-separated list of scopes"),
    ])
}

pub fn token_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::req(
            "grant_type",
            Ty::OneOf(&[GRANT_TYPE]),
            "The grant type for device flow",
        ),
        FieldSpec::req("device_code", Ty::String, "The device verification code"),
        FieldSpec::req("client_id", Ty::String, "The client ID of the application"),
    ])
}

pub fn user_code_body(what: &'static str) -> BodySpec {
    BodySpec::object(vec![FieldSpec::req("userCode", Ty::String, what)])
}

/// `/device/code` answers a body zod refuses as `invalid_request` (Better Auth's
/// `onValidationError`) rather than the usual `VALIDATION_ERROR`.
pub fn refuse_code_body(req: &AuthRequest) -> Option<AuthResponse> {
    validate::validate(&code_body(), req.body.as_ref())
        .err()
        .map(|message| rfc_error(400, "invalid_request", &message))
}

/// `/device/token`'s `grant_type` is a zod literal, whose message is not an enum's.
pub fn refuse_token_body(req: &AuthRequest) -> Option<ApiError> {
    let rest = BodySpec::object(token_body().fields.into_iter().skip(1).collect());
    let mut issues = Vec::new();
    if let Some(serde_json::Value::Object(_)) = req.body
        && req.str_field("grant_type") != Some(GRANT_TYPE)
    {
        issues.push(format!(
            "[body.grant_type] Invalid input: expected \"{GRANT_TYPE}\""
        ));
    }
    if let Err(message) = validate::validate(&rest, req.body.as_ref()) {
        issues.push(message);
    }
    (!issues.is_empty()).then(|| ApiError::validation(issues.join("; ")))
}

/// A body field as given, with `""` taken as absent (RFC 8628 §3.1, as Better Auth).
fn given<'a>(req: &'a AuthRequest, name: &str) -> Option<&'a str> {
    req.str_field(name).filter(|s| !s.is_empty())
}

/// `POST /device/code`: a device asks for a device code and a user code.
pub async fn device_code(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let settings = &plugin(ctx).settings;
    let Some(client_id) = given(req, "client_id") else {
        return Ok(rfc_error(400, "invalid_request", "client_id is required"));
    };
    if !settings.allows(client_id) {
        return Ok(DeviceGrantError::InvalidClient.to_response());
    }
    let now = ctx.now();
    for _ in 0..CODE_ATTEMPTS {
        let device_code = store::new_device_code();
        let user_code = store::new_user_code();
        let row = Row::from([
            ("id".to_owned(), Value::from(generate_id(32))),
            (
                "deviceCode".to_owned(),
                Value::from(hash_token(&device_code)),
            ),
            ("userCode".to_owned(), Value::from(user_code.as_str())),
            ("userId".to_owned(), Value::from(given(req, "user_id"))),
            (
                "expiresAt".to_owned(),
                Value::Date(now + chrono::Duration::seconds(settings.expires_in)),
            ),
            ("status".to_owned(), Value::from(PENDING)),
            ("lastPolledAt".to_owned(), Value::Null),
            (
                "pollingInterval".to_owned(),
                Value::Int(settings.interval * 1000),
            ),
            ("clientId".to_owned(), Value::from(client_id)),
            ("scope".to_owned(), Value::from(given(req, "scope"))),
        ]);
        match ctx.adapter.create(TABLE, row).await {
            Ok(_) => {}
            Err(StorageError::UniqueViolation) => continue,
            Err(e) => return Err(e.into()),
        }
        let shown = store::display_user_code(&user_code);
        return Ok(AuthResponse::json(json!({
            "device_code": device_code,
            "user_code": shown,
            "verification_uri": links::page_url(ctx, VERIFICATION_PAGE),
            "verification_uri_complete":
                links::resolve_with(ctx, VERIFICATION_PAGE, &[("user_code", &shown)]),
            "expires_in": settings.expires_in,
            "interval": settings.interval,
        }))
        .no_store());
    }
    Ok(rfc_error(
        500,
        "server_error",
        "Failed to generate a unique device code",
    ))
}

/// `POST /device/token`: the device polls; once approved it gets a session for the user who
/// approved, its token as a bearer `access_token`.
pub async fn device_token(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let device_code = req.str_field("device_code").unwrap_or_default();
    let client_id = req.str_field("client_id").unwrap_or_default();
    if !plugin(ctx).settings.allows(client_id) {
        return Ok(DeviceGrantError::InvalidClient.to_response());
    }
    let claimable = match grant::check(ctx, device_code, client_id).await {
        Ok(c) => c,
        Err(e) => return Ok(e.to_response()),
    };
    // The code is used up only if the session is made: both in one transaction.
    let mut writes = ctx.begin().await?;
    let approved = match grant::consume_in(ctx, req, writes.store(), &claimable, client_id).await {
        Ok(a) => a,
        Err(e) => return Ok(e.to_response()),
    };
    // The user approved from a session that had passed every factor it needs; the device's
    // session stands on that approval, so a second factor is not asked again here (a ban
    // still refuses it).
    let sign_in = SignIn::new(claimable.user.clone(), "device-authorization").both_factors(true);
    let (session, _cookies) = match issue_session_in(ctx, req, &mut writes, sign_in).await? {
        Issued::Session { session, cookies } => (session, cookies),
        Issued::Held(answer) => return Ok(answer),
    };
    writes.commit().await?;
    let expires_in = session
        .session
        .get("expiresAt")
        .and_then(Value::as_date)
        .map_or(0, |at| (at - ctx.now()).num_seconds().max(0));
    Ok(AuthResponse::json(json!({
        "access_token": session.token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": approved.scope.join(" "),
    }))
    .no_store())
}

/// The caller's session, never from the cookie cache (Better Auth's authoritative lookup).
async fn signed_in(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<Option<SessionWithUser>, ApiError> {
    if let Some(s) = &req.session {
        return Ok(Some(s.clone()));
    }
    Ok(match session::lookup(ctx, req, false).await? {
        Lookup::Found(s) => Some(s),
        Lookup::Absent | Lookup::Gone => None,
    })
}

fn invalid_user_code() -> AuthResponse {
    rfc_error(400, "invalid_request", "Invalid user code")
}

fn expired_user_code() -> AuthResponse {
    rfc_error(400, "expired_token", "User code has expired")
}

fn is_expired(ctx: &AuthContext, row: &Row) -> bool {
    row.get("expiresAt")
        .and_then(Value::as_date)
        .is_none_or(|at| at < ctx.now())
}

/// `GET /device?user_code=…`: the status of a user code. A signed-in caller claims a pending,
/// unclaimed code for itself (only it may then approve or deny), and the claimer also sees
/// which client asks and for what.
pub async fn verify(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let Some(typed) = req.query_param("user_code") else {
        return Err(ApiError::validation(
            "[query.user_code] Invalid input: expected string, received undefined".into(),
        ));
    };
    let Some(mut row) = store::find_by_user_code(ctx.adapter.as_ref(), typed).await? else {
        return Ok(invalid_user_code());
    };
    if is_expired(ctx, &row) {
        return Ok(expired_user_code());
    }
    let me = signed_in(ctx, req).await?;
    if let Some(me) = &me
        && store::text(&row, "userId").is_none()
        && store::text(&row, "status") == Some(PENDING)
    {
        let id = store::id(&row).to_owned();
        let claimed = ctx
            .adapter
            .update_many(
                TABLE,
                &[
                    Where::eq("id", id.as_str()),
                    Where::eq("status", PENDING),
                    Where::eq("userId", Value::Null),
                ],
                Row::from([("userId".to_owned(), Value::from(me.user_id()))]),
            )
            .await?;
        if claimed == 0 {
            // Someone else claimed or answered it meanwhile: show it as it is now.
            let Some(now) = ctx.adapter.find_one(TABLE, &[Where::eq("id", id)]).await? else {
                return Ok(invalid_user_code());
            };
            row = now;
        } else {
            row.insert("userId".into(), Value::from(me.user_id()));
        }
    }
    let mine = me
        .as_ref()
        .is_some_and(|me| store::text(&row, "userId") == Some(me.user_id()));
    let mut answer = Map::new();
    answer.insert("user_code".into(), typed.into());
    answer.insert(
        "status".into(),
        row.get("status").map(Value::to_json).unwrap_or_default(),
    );
    if mine {
        for (key, column) in [("client_id", "clientId"), ("scope", "scope")] {
            answer.insert(
                key.into(),
                row.get(column).map(Value::to_json).unwrap_or_default(),
            );
        }
    }
    Ok(AuthResponse::json(serde_json::Value::Object(answer)))
}

pub async fn approve(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    answer(ctx, req, APPROVED).await
}

pub async fn deny(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    answer(ctx, req, DENIED).await
}

/// `/device/approve` and `/device/deny`: the user who claimed the code answers it, once.
async fn answer(
    ctx: &AuthContext,
    req: &AuthRequest,
    status: &'static str,
) -> Result<AuthResponse, ApiError> {
    let Some(me) = signed_in(ctx, req).await? else {
        return Ok(rfc_error(401, "unauthorized", "Authentication required"));
    };
    let typed = req.str_field("userCode").unwrap_or_default();
    let Some(row) = store::find_by_user_code(ctx.adapter.as_ref(), typed).await? else {
        return Ok(invalid_user_code());
    };
    if is_expired(ctx, &row) {
        return Ok(expired_user_code());
    }
    let already = || rfc_error(400, "invalid_request", "Device code already processed");
    if store::text(&row, "status") != Some(PENDING) {
        return Ok(already());
    }
    match store::text(&row, "userId") {
        None => {
            return Ok(rfc_error(
                400,
                "invalid_request",
                "Device code has not been claimed by a verifying session; call `GET /device` with the `user_code` while signed in before approving or denying",
            ));
        }
        Some(owner) if owner != me.user_id() => {
            let verb = if status == APPROVED {
                "approve"
            } else {
                "deny"
            };
            return Ok(rfc_error(
                403,
                "access_denied",
                &format!("You are not authorized to {verb} this device authorization"),
            ));
        }
        Some(_) => {}
    }
    let id = store::id(&row);
    let writes = audit::writes(ctx).await?;
    // Guarded by the status read: of two answers (or an answer and a second tab), one counts.
    let changed = writes
        .update_many(
            TABLE,
            &[
                Where::eq("id", id),
                Where::eq("status", PENDING),
                Where::eq("userId", me.user_id()),
            ],
            Row::from([("status".to_owned(), Value::from(status))]),
        )
        .await?;
    if changed == 0 {
        return Ok(already());
    }
    let action = if status == APPROVED {
        "device_authorization.approve"
    } else {
        "device_authorization.deny"
    };
    // The endpoint is public (Better Auth's own 401 body), so the engine found no session:
    // the one looked up here acted.
    let event = AuditEvent::new(action)
        .from_request(req)
        .by(&me)
        .own()
        .target("deviceCode", id)
        .detail(
            "clientId",
            store::text(&row, "clientId").unwrap_or_default(),
        )
        .detail("scope", store::text(&row, "scope").unwrap_or_default());
    audit::record(ctx, writes.store(), event).await?;
    writes.commit().await?;
    Ok(AuthResponse::json(json!({"success": true})))
}
