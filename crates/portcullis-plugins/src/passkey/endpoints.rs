//! The seven routes of `@better-auth/passkey` 1.7, with its paths, bodies, answers, errors and
//! challenge cookie.
//!
//! A ceremony starts with a challenge: `generate-*-options` stores webauthn-rs's state in a
//! `verification` row under `passkey:<hash of a random token>` for five minutes, and sets the
//! signed token in the `better-auth-passkey` cookie. `verify-*` takes that row (deleted before
//! the answer is checked, so a challenge is answered at most once, right or wrong) and hands
//! the state and the browser's answer to webauthn-rs.

use http::Method;
use portcullis_core::audit::{self, AuditEvent, Refusal};
use portcullis_core::crypto::sign;
use portcullis_core::crypto::token::{generate_id, random_string};
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::codes;
use portcullis_core::openapi::schema;
use portcullis_core::security_event::{self, SecurityEvent};
use portcullis_core::session::{self, Lookup};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty, received};
use portcullis_core::{ApiError, AuthContext, SignIn, issue_session_in, verification};
use portcullis_storage::{Query, Row, SortDirection, Value, Where};
use serde_json::json;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AuthenticationState, AuthenticatorAttachment, PublicKeyCredential, RegistrationState,
};

use super::ceremony::{self, TIMEOUT_MS};
use super::errors::*;
use super::notices::{self, Change};
use super::relying_party;
use super::table::{self, TABLE, passkey_json};

/// The challenge cookie, Better Auth's `webAuthnChallengeCookie` (prefixed like every cookie).
pub const CHALLENGE_COOKIE: &str = "better-auth-passkey";
/// Seconds a challenge (its cookie and its row) lives: Better Auth's `MAX_AGE_IN_SECONDS`.
pub const CHALLENGE_SECONDS: i64 = 300;
/// The sign-in method's name in sessions, metrics and the audit log.
const METHOD: &str = "passkey";
const PREFIX: &str = "passkey:";

const ATTACHMENTS: &[&str] = &["platform", "cross-platform"];

fn passkey_schema() -> serde_json::Value {
    schema::object_with(
        json!({
            "id": schema::string("The passkey's id"),
            "name": schema::string("Its name, when given one"),
            "publicKey": schema::string("base64 of its COSE public key"),
            "userId": schema::string("Its owner"),
            "credentialID": schema::string("The WebAuthn credential ID, base64url"),
            "counter": json!({"type": "number", "description": "The last signature counter seen"}),
            "deviceType": json!({"type": "string", "enum": ["singleDevice", "multiDevice"], "description": "multiDevice when the authenticator may back the key up (a synced passkey)"}),
            "backedUp": schema::boolean("Whether it is backed up now"),
            "transports": schema::string("How the browser may reach the authenticator, comma-separated"),
            "createdAt": json!({"type": "string", "format": "date-time"}),
            "aaguid": schema::string("The authenticator model's AAGUID"),
        }),
        &[
            "id",
            "publicKey",
            "userId",
            "credentialID",
            "counter",
            "deviceType",
            "backedUp",
        ],
    )
}

fn descriptor_list() -> serde_json::Value {
    schema::array(schema::object_with(
        json!({
            "id": schema::string("A credential ID, base64url"),
            "type": schema::string("`public-key`"),
            "transports": schema::array(json!({"type": "string"})),
        }),
        &["id", "type"],
    ))
}

pub fn endpoints() -> Vec<Endpoint> {
    let session_and_user = schema::object(json!({
        "session": schema::session(),
        "user": schema::user(),
    }));
    vec![
        Endpoint::new(Method::GET, "/passkey/generate-register-options", "generatePasskeyRegistrationOptions", portcullis_core::handler!(generate_register_options))
            .summary("Start adding a passkey", "Answers the options for `navigator.credentials.create()` (WebAuthn JSON) and sets the `better-auth-passkey` challenge cookie, valid five minutes. Needs a fresh session.")
            .tag("Passkeys")
            .auth(Auth::Fresh)
            .query(&[
                ("authenticatorAttachment", "`platform` (this device) or `cross-platform` (a security key or phone)"),
                ("name", "The user name the authenticator shows (default: the account's email)"),
                ("context", "Accepted for compatibility (passkey-first registration is not offered)"),
            ])
            .returns(schema::object_with(json!({
                "challenge": schema::string("base64url"),
                "rp": schema::object(json!({"name": schema::string("The relying party's name"), "id": schema::string("The relying party ID")})),
                "user": schema::object(json!({"id": schema::string("A random user handle, base64url"), "name": schema::string("The account's email"), "displayName": schema::string("The account's email")})),
                "pubKeyCredParams": schema::array(schema::object(json!({"alg": json!({"type": "number"}), "type": schema::string("`public-key`")}))),
                "timeout": json!({"type": "number", "description": "Milliseconds the browser waits"}),
                "attestation": schema::string("`none`"),
                "excludeCredentials": descriptor_list(),
                "authenticatorSelection": json!({"type": "object", "description": "`residentKey` and `userVerification` preferred, `requireResidentKey` false, and the attachment asked for"}),
                "extensions": json!({"type": "object"}),
                "hints": schema::array(json!({"type": "string"})),
            }), &["challenge", "rp", "user", "pubKeyCredParams", "timeout", "attestation", "excludeCredentials", "authenticatorSelection", "extensions", "hints"])),
        Endpoint::new(Method::POST, "/passkey/verify-registration", "passkeyVerifyRegistration", portcullis_core::handler!(verify_registration))
            .summary("Finish adding a passkey", "Checks the browser's answer to the registration challenge (webauthn-rs), stores the passkey and emails the account a notice. With `createSession: true` it also signs in a new session.")
            .tag("Passkeys")
            .auth(Auth::Fresh)
            .body(BodySpec::object(vec![
                FieldSpec::opt("response", Ty::Any, "The `navigator.credentials.create()` result as WebAuthn JSON"),
                FieldSpec::opt("name", Ty::String, "A name for the passkey"),
                FieldSpec::opt("createSession", Ty::Boolean, "Also sign in a new session"),
            ]))
            .returns(passkey_schema()),
        Endpoint::new(Method::GET, "/passkey/generate-authenticate-options", "passkeyGenerateAuthenticateOptions", portcullis_core::handler!(generate_authenticate_options))
            .summary("Start signing in with a passkey", "Answers the options for `navigator.credentials.get()` and sets the challenge cookie. Without a session it names no credential, so any passkey of this site may answer (the button and autofill need no email); with one, it lists that user's passkeys.")
            .tag("Passkeys")
            .returns(schema::object_with(json!({
                "rpId": schema::string("The relying party ID"),
                "challenge": schema::string("base64url"),
                "allowCredentials": descriptor_list(),
                "timeout": json!({"type": "number"}),
                "userVerification": schema::string("`preferred`"),
            }), &["rpId", "challenge", "timeout", "userVerification"])),
        Endpoint::new(Method::POST, "/passkey/verify-authentication", "passkeyVerifyAuthentication", portcullis_core::handler!(verify_authentication))
            .summary("Sign in with a passkey", "Checks the assertion against the challenge and the stored passkey (signature, origin, a counter that must move forward) and signs in. With user verification the sign-in counts as both factors; without it, as a first factor only.")
            .tag("Passkeys")
            .body(BodySpec::object(vec![FieldSpec::opt("response", Ty::Any, "The `navigator.credentials.get()` result as WebAuthn JSON (an object)")]))
            .returns(session_and_user),
        Endpoint::new(Method::GET, "/passkey/list-user-passkeys", "listPasskeys", portcullis_core::handler!(list_passkeys))
            .summary("List your passkeys", "The signed-in user's passkeys, oldest first.")
            .tag("Passkeys")
            .auth(Auth::Session)
            .returns(schema::array(passkey_schema())),
        Endpoint::new(Method::POST, "/passkey/delete-passkey", "deletePasskey", portcullis_core::handler!(delete_passkey))
            .summary("Delete a passkey", "Deletes one of your passkeys and emails the account a notice.")
            .tag("Passkeys")
            .auth(Auth::Sensitive)
            .body(BodySpec::object(vec![FieldSpec::req("id", Ty::String, "The passkey's id")]))
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/passkey/update-passkey", "updatePasskey", portcullis_core::handler!(update_passkey))
            .summary("Rename a passkey", "Renames one of your passkeys.")
            .tag("Passkeys")
            .auth(Auth::Sensitive)
            .body(BodySpec::object(vec![
                FieldSpec::req("id", Ty::String, "The passkey's id"),
                FieldSpec::req("name", Ty::String, "Its new name").non_empty(),
            ]))
            .returns(schema::object(json!({"passkey": passkey_schema()}))),
    ]
}

/// What a challenge row holds: the ceremony, who asked, and webauthn-rs's state.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Challenge {
    Registration {
        #[serde(rename = "userId")]
        user_id: String,
        state: RegistrationState,
    },
    Authentication {
        #[serde(rename = "userId")]
        user_id: String,
        state: AuthenticationState,
    },
}

/// Stores `challenge` and answers `options` with the challenge cookie.
async fn start(
    ctx: &AuthContext,
    challenge: &Challenge,
    options: serde_json::Value,
) -> Result<AuthResponse, ApiError> {
    let token = random_string(32);
    let value = serde_json::to_string(challenge).map_err(|e| {
        tracing::error!(error = %e, "passkey challenge state did not serialise");
        ApiError::internal()
    })?;
    verification::create(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(PREFIX, &token),
        &value,
        CHALLENGE_SECONDS,
    )
    .await?;
    let cookie = ctx.cookies.make(
        CHALLENGE_COOKIE,
        sign::sign(ctx.secret(), &token),
        Some(CHALLENGE_SECONDS),
    );
    Ok(AuthResponse::json(options).cookies(vec![cookie]))
}

/// Takes the challenge the request's cookie names: a missing, forged, expired or used one is
/// Better Auth's `400 CHALLENGE_NOT_FOUND`. Taken before the answer is checked, so each
/// challenge is answered once.
async fn take_challenge(ctx: &AuthContext, req: &AuthRequest) -> Result<Challenge, ApiError> {
    let not_found = || ApiError::bad_request(CHALLENGE_NOT_FOUND);
    let token = req
        .cookie(&ctx.cookies.name(CHALLENGE_COOKIE))
        .and_then(|raw| sign::unsign(ctx.secret(), raw))
        .ok_or_else(not_found)?;
    let found = verification::find(
        ctx,
        ctx.adapter.as_ref(),
        &verification::identifier(PREFIX, &token),
    )
    .await?
    .ok_or_else(not_found)?;
    if !verification::take(ctx.adapter.as_ref(), &found).await? || found.expired {
        return Err(not_found());
    }
    serde_json::from_str(&found.value).map_err(|_| not_found())
}

async fn user_passkeys(ctx: &AuthContext, user_id: &str) -> Result<Vec<Row>, ApiError> {
    Ok(ctx
        .adapter
        .find_many(
            TABLE,
            &Query::filter(vec![Where::eq("userId", user_id)])
                .sort("createdAt", SortDirection::Asc),
        )
        .await?)
}

/// `{id, transports?, type}` for `excludeCredentials` / `allowCredentials`, as SimpleWebAuthn
/// writes them from the rows.
fn descriptors(rows: &[Row]) -> Vec<serde_json::Value> {
    rows.iter()
        .filter_map(|row| {
            let id = table::text(row, "credentialID")?;
            let mut d = serde_json::Map::new();
            d.insert("id".into(), id.trim_end_matches('=').into());
            if let Some(t) = table::text(row, "transports") {
                d.insert("transports".into(), json!(t.split(',').collect::<Vec<_>>()));
            }
            d.insert("type".into(), "public-key".into());
            Some(serde_json::Value::Object(d))
        })
        .collect()
}

fn webauthn_failure(e: WebauthnError) -> ApiError {
    tracing::error!(error = ?e, "webauthn-rs could not make a challenge");
    ApiError::internal()
}

async fn generate_register_options(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let attachment = match req.query_param("authenticatorAttachment") {
        None => None,
        Some("platform") => Some(AuthenticatorAttachment::Platform),
        Some("cross-platform") => Some(AuthenticatorAttachment::CrossPlatform),
        Some(_) => {
            let expected: Vec<String> = ATTACHMENTS.iter().map(|a| format!("\"{a}\"")).collect();
            return Err(ApiError::validation(format!(
                "[query.authenticatorAttachment] Invalid option: expected one of {}",
                expected.join("|")
            )));
        }
    };
    let s = req.session()?;
    let user_id = s.user_id().to_owned();
    let email = s
        .user
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
        .unwrap_or(&user_id)
        .to_owned();
    let user_name = req
        .query_param("name")
        .filter(|n| !n.is_empty())
        .unwrap_or(&email)
        .to_owned();
    let rows = user_passkeys(ctx, &user_id).await?;
    let exclude = rows
        .iter()
        .filter_map(|r| table::text(r, "credentialID").and_then(ceremony::decode_id))
        .map(Into::into)
        .collect();
    // A random handle, as Better Auth makes one: 32 of [a-z0-9], never the account id.
    let handle = generate_id(32).to_ascii_lowercase();
    let rp = relying_party(ctx);
    let (challenge, state) = rp
        .start_registration(handle.as_bytes(), &user_name, &email, exclude, attachment)
        .map_err(webauthn_failure)?;
    let mut selection = serde_json::Map::new();
    selection.insert("residentKey".into(), "preferred".into());
    selection.insert("userVerification".into(), "preferred".into());
    if let Some(a) = req.query_param("authenticatorAttachment") {
        selection.insert("authenticatorAttachment".into(), a.into());
    }
    selection.insert("requireResidentKey".into(), false.into());
    let options = json!({
        "challenge": challenge,
        "rp": {"name": rp.rp_name, "id": rp.rp_id},
        "user": {"id": ceremony::encode_id(handle.as_bytes()), "name": user_name, "displayName": email},
        "pubKeyCredParams": [
            {"alg": -8, "type": "public-key"},
            {"alg": -7, "type": "public-key"},
            {"alg": -257, "type": "public-key"},
        ],
        "timeout": TIMEOUT_MS,
        "attestation": "none",
        "excludeCredentials": descriptors(&rows),
        "authenticatorSelection": selection,
        "extensions": {"credProps": true},
        "hints": [],
    });
    start(ctx, &Challenge::Registration { user_id, state }, options).await
}

async fn generate_authenticate_options(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    // Signed in: offer that user's passkeys (re-authentication). Otherwise name none, so any
    // discoverable passkey of this site may answer.
    let user_id = match session::lookup(ctx, req, true).await? {
        Lookup::Found(s) => Some(s.user_id().to_owned()),
        Lookup::Absent | Lookup::Gone => None,
    };
    let rows = match &user_id {
        Some(id) => user_passkeys(ctx, id).await?,
        None => Vec::new(),
    };
    let rp = relying_party(ctx);
    let (challenge, state) = rp.start_authentication().map_err(webauthn_failure)?;
    let mut options = serde_json::Map::new();
    options.insert("rpId".into(), rp.rp_id.clone().into());
    options.insert("challenge".into(), challenge.into());
    if !rows.is_empty() {
        options.insert("allowCredentials".into(), descriptors(&rows).into());
    }
    options.insert("timeout".into(), TIMEOUT_MS.into());
    options.insert("userVerification".into(), "preferred".into());
    let challenge = Challenge::Authentication {
        user_id: user_id.unwrap_or_default(),
        state,
    };
    start(ctx, &challenge, serde_json::Value::Object(options)).await
}

async fn verify_registration(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let user_id = s.user_id().to_owned();
    let (expected_user, state) = match take_challenge(ctx, req).await? {
        Challenge::Registration { user_id, state } => (user_id, state),
        Challenge::Authentication { .. } => return Err(ApiError::bad_request(CHALLENGE_NOT_FOUND)),
    };
    if expected_user != user_id {
        return Err(ApiError::new(
            401,
            YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY,
        ));
    }
    let refused = || ApiError::bad_request(FAILED_TO_VERIFY_REGISTRATION);
    let response = req.field("response").cloned().unwrap_or_default();
    let proven = relying_party(ctx)
        .finish_registration(&response, &state)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            refused()
        })?;
    // One credential, one owner: a credential ID already stored is not stored again.
    let taken = ctx
        .adapter
        .count(
            TABLE,
            &[Where::eq("credentialID", proven.credential_id.as_str())],
        )
        .await?;
    if taken > 0 {
        return Err(refused());
    }
    let name = req
        .str_field("name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let transports = response
        .pointer("/response/transports")
        .and_then(serde_json::Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    if let Some(n) = &name {
        row.insert("name".into(), n.as_str().into());
    }
    row.insert("publicKey".into(), proven.public_key.into());
    row.insert("userId".into(), user_id.as_str().into());
    row.insert("credentialID".into(), proven.credential_id.into());
    row.insert("counter".into(), i64::from(proven.counter).into());
    row.insert("deviceType".into(), proven.device_type.into());
    row.insert("backedUp".into(), proven.backed_up.into());
    row.insert("transports".into(), transports.into());
    row.insert("createdAt".into(), ctx.now().into());
    row.insert("aaguid".into(), proven.aaguid.into());

    let user = s.user.as_ref().clone();
    let mut tx = ctx.begin().await?;
    let created = tx.create(TABLE, row).await?;
    let mut e = AuditEvent::new("passkey.add").from_request(req).own();
    if let Some(id) = table::text(&created, "id") {
        e = e.target("passkey", id);
    }
    audit::record(ctx, tx.store(), e).await?;
    let issued = if req.bool_field("createSession") == Some(true) {
        Some(issue_session_in(ctx, req, &mut tx, SignIn::new(user.clone(), METHOD)).await?)
    } else {
        None
    };
    tx.commit().await?;
    notices::send(ctx, req, &user, Change::Added, name.as_deref());
    let passkey = passkey_json(&created);
    Ok(match issued {
        None => AuthResponse::json(passkey),
        Some(issued) => issued.respond(|session, cookies| {
            let mut answer = passkey;
            answer["session"] = session::session_json(ctx, &session.session, Some(&session.token));
            answer["user"] = session::user_json(ctx, &session.user);
            AuthResponse::json(answer).cookies(cookies)
        }),
    })
}

async fn verify_authentication(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let response = match req.field("response") {
        Some(v @ serde_json::Value::Object(_)) => v.clone(),
        other => {
            return Err(ApiError::validation(format!(
                "[body.response] Invalid input: expected record, received {}",
                received(other)
            )));
        }
    };
    let state = match take_challenge(ctx, req).await? {
        Challenge::Authentication { state, .. } => state,
        Challenge::Registration { .. } => return Err(ApiError::bad_request(CHALLENGE_NOT_FOUND)),
    };
    let credential_id = response.get("id").and_then(serde_json::Value::as_str);
    let row = match credential_id {
        Some(id) if !id.is_empty() => {
            ctx.adapter
                .find_one(TABLE, &[Where::eq("credentialID", id)])
                .await?
        }
        _ => None,
    };
    let Some(row) = row else {
        audit::refused(ctx, req, Refusal::sign_in(METHOD, "passkey_not_found"));
        return Err(ApiError::new(401, PASSKEY_NOT_FOUND));
    };
    let user_id = table::text(&row, "userId").unwrap_or_default().to_owned();
    // Every refusal below is of this user's passkey.
    let failed = || {
        let refusal = Refusal::sign_in(METHOD, "authentication_failed").user(Some(&user_id));
        audit::refused(ctx, req, refusal);
        ApiError::bad_request(AUTHENTICATION_FAILED)
    };
    let passkey_id = table::text(&row, "id").unwrap_or_default().to_owned();
    let stored_counter = table::int(&row, "counter");
    let stored = ceremony::stored_credential(
        table::text(&row, "credentialID").unwrap_or_default(),
        table::text(&row, "publicKey").unwrap_or_default(),
        stored_counter,
        table::text(&row, "deviceType").unwrap_or_default(),
        table::flag(&row, "backedUp"),
    )
    .map_err(|e| {
        tracing::error!(passkey_id = %passkey_id, error = %e, "stored passkey cannot be used");
        failed()
    })?;
    let assertion: PublicKeyCredential = serde_json::from_value(response).map_err(|_| failed())?;
    let result = match relying_party(ctx).finish_authentication(&assertion, state, stored) {
        Ok(r) => r,
        Err(WebauthnError::CredentialPossibleCompromise) => {
            // The counter did not move forward: two copies of the key exist. The stored
            // passkey is left as it was, so the genuine authenticator (ahead of the copy)
            // still signs in; the event is for the audit log.
            security_event::emit(
                ctx,
                SecurityEvent::PasskeyCounterRegressed {
                    passkey_id: passkey_id.clone(),
                    stored_counter,
                },
            )
            .await;
            return Err(failed());
        }
        Err(e) => {
            tracing::info!(passkey_id = %passkey_id, error = ?e, "passkey assertion refused");
            return Err(failed());
        }
    };
    let Some(user) = ctx
        .adapter
        .find_one("user", &[Where::eq("id", user_id.as_str())])
        .await?
    else {
        return Err(ApiError::message_only(500, codes::USER_NOT_FOUND.message));
    };
    let mut tx = ctx.begin().await?;
    // The new counter is written only over the one this check read: of two answers racing
    // with the same counter, one moves it and the other is refused.
    let mut set = Row::new();
    set.insert("counter".into(), i64::from(result.counter()).into());
    set.insert("backedUp".into(), result.backup_state().into());
    let moved = tx
        .update_many(
            TABLE,
            &[
                Where::eq("id", passkey_id.as_str()),
                Where::eq("counter", stored_counter),
            ],
            set,
        )
        .await?;
    if moved != 1 {
        return Err(failed());
    }
    let sign_in = SignIn::new(user, METHOD).both_factors(result.user_verified());
    let issued = issue_session_in(ctx, req, &mut tx, sign_in).await?;
    tx.commit().await?;
    Ok(issued.respond(|s, cookies| {
        AuthResponse::json(json!({
            "session": session::session_json(ctx, &s.session, Some(&s.token)),
            "user": session::user_json(ctx, &s.user),
        }))
        .cookies(cookies)
    }))
}

async fn list_passkeys(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let rows = user_passkeys(ctx, s.user_id()).await?;
    Ok(AuthResponse::json(
        rows.iter().map(passkey_json).collect::<Vec<_>>().into(),
    ))
}

/// The caller's own passkey named by the body's `id`, with Better Auth's ownership answers:
/// an empty id is `400 Missing required parameter: id`, an unknown one `404
/// PASSKEY_NOT_FOUND`, another user's `401` (`forbidden`).
async fn owned_passkey(
    ctx: &AuthContext,
    req: &AuthRequest,
    forbidden: ApiError,
) -> Result<Row, ApiError> {
    let s = req.session()?;
    let id = req.str_field("id").unwrap_or_default();
    if id.is_empty() {
        return Err(ApiError::message_only(
            400,
            "Missing required parameter: id",
        ));
    }
    let row = ctx
        .adapter
        .find_one(TABLE, &[Where::eq("id", id)])
        .await?
        .ok_or_else(|| ApiError::new(404, PASSKEY_NOT_FOUND))?;
    if table::text(&row, "userId") != Some(s.user_id()) {
        return Err(forbidden);
    }
    Ok(row)
}

async fn delete_passkey(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let row = owned_passkey(ctx, req, ApiError::empty(401)).await?;
    let id = table::text(&row, "id").unwrap_or_default();
    let w = audit::writes(ctx).await?;
    let deleted = w.delete_many(TABLE, &[Where::eq("id", id)]).await?;
    if deleted == 1 {
        let e = AuditEvent::new("passkey.delete")
            .from_request(req)
            .own()
            .target("passkey", id);
        audit::record(ctx, w.store(), e).await?;
    }
    w.commit().await?;
    if deleted == 1 {
        let s = req.session()?;
        notices::send(
            ctx,
            req,
            &s.user,
            Change::Removed,
            table::text(&row, "name"),
        );
    }
    Ok(AuthResponse::json(json!({"status": true})))
}

async fn update_passkey(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    // zod trims before `.min(1)`: a name of spaces is too small.
    let name = req.str_field("name").unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::validation(
            "[body.name] Too small: expected string to have >=1 characters".into(),
        ));
    }
    let row = owned_passkey(
        ctx,
        req,
        ApiError::new(401, YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY),
    )
    .await?;
    let id = table::text(&row, "id").unwrap_or_default();
    let mut set = Row::new();
    set.insert("name".into(), name.into());
    let updated = ctx
        .adapter
        .update(TABLE, &[Where::eq("id", id)], set)
        .await?
        .ok_or_else(|| ApiError::new(500, FAILED_TO_UPDATE_PASSKEY))?;
    Ok(AuthResponse::json(
        json!({"passkey": passkey_json(&updated)}),
    ))
}
