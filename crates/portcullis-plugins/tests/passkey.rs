//! The passkey plugin on each backend, with a software authenticator (webauthn-authenticator-rs's
//! `SoftPasskey`) standing in for the browser: option shapes and the challenge cookie; a
//! registration, the passkey listed, renamed and deleted, with the notices mailed; a sign-in;
//! challenges that are single-use and expire by the clock; a counter that does not move forward
//! refused with the stored passkey unchanged; ownership answers; and user verification counting
//! as both factors for a second-factor plugin (a stand-in, and the two-factor plugin with TOTP
//! enrolled), its absence not.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use portcullis_core::endpoint::{AuthRequest, AuthResponse};
use portcullis_core::issue::PendingSession;
use portcullis_core::plugin::Hooks;
use portcullis_core::{ApiError, AuthContext, Plugin};
use portcullis_storage::{Row, Value as Cell, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

const PASSWORD: &str = "passkey-password-1";
const ORIGIN: &str = "http://localhost:3000";
const ENV: &[(&str, &str)] = &[
    ("ENABLE_PASSKEYS", "true"),
    ("PASSKEY_RP_ID", "localhost"),
    ("PASSKEY_ORIGIN", ORIGIN),
    ("PASSKEY_RP_NAME", "Passkey Tests"),
];
const COOKIE: &str = "better-auth.better-auth-passkey";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("option_shapes_and_challenge_cookie", |b| {
            Box::pin(option_shapes_and_challenge_cookie(b))
        })
        .per_backend("register_sign_in_rename_delete", |b| {
            Box::pin(register_sign_in_rename_delete(b))
        })
        .per_backend("challenges_are_single_use_and_expire", |b| {
            Box::pin(challenges_are_single_use_and_expire(b))
        })
        .per_backend("stale_counter_is_refused", |b| {
            Box::pin(stale_counter_is_refused(b))
        })
        .per_backend("only_the_owner_may_change_a_passkey", |b| {
            Box::pin(only_the_owner_may_change_a_passkey(b))
        })
        .per_backend("user_verification_counts_as_both_factors", |b| {
            Box::pin(user_verification_counts_as_both_factors(b))
        })
        .per_backend(
            "two_factor_holds_a_passkey_without_user_verification",
            |b| Box::pin(two_factor_holds_a_passkey_without_user_verification(b)),
        )
        .run()
}

async fn server(backend: Backend) -> TestServer {
    TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .start()
        .await
}

fn fields(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The answer matches the schema its endpoint declares in the OpenAPI document.
async fn conforms(srv: &TestServer, method: &str, path: &str, res: &Response) {
    let doc = openapi_document(srv).await;
    assert_matches_openapi(&doc, method, path, res.status, &res.json());
}

fn origin() -> Url {
    Url::parse(ORIGIN).expect("origin")
}

/// Registers a passkey for the agent's user with `authenticator`; the stored passkey's JSON.
async fn register(
    agent: &mut Agent<'_>,
    authenticator: &mut WebauthnAuthenticator<SoftPasskey>,
    name: Option<&str>,
) -> Value {
    let res = agent
        .get("/api/auth/passkey/generate-register-options")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let options = serde_json::from_value(json!({"publicKey": res.json()})).expect("options");
    let credential = authenticator
        .do_registration(origin(), options)
        .expect("the soft authenticator registers");
    let mut body = json!({"response": serde_json::to_value(&credential).expect("json")});
    if let Some(n) = name {
        body["name"] = json!(n);
    }
    let res = agent
        .post("/api/auth/passkey/verify-registration", body)
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()
}

/// Answers a fresh authentication challenge with `authenticator`; `require_uv` asks the
/// authenticator to verify the user (the server asks for it as preferred).
async fn assertion(
    agent: &mut Agent<'_>,
    authenticator: &mut WebauthnAuthenticator<SoftPasskey>,
    require_uv: bool,
) -> Value {
    let res = agent
        .get("/api/auth/passkey/generate-authenticate-options")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let mut options = res.json();
    if require_uv {
        options["userVerification"] = json!("required");
    }
    if options.get("allowCredentials").is_none() {
        // No session, so no credential named: a browser would find its discoverable passkey;
        // the soft authenticator needs to be told which of its keys to use.
        let rows = agent
            .srv
            .adapter()
            .find_many("passkey", &portcullis_storage::Query::default())
            .await
            .expect("passkeys");
        options["allowCredentials"] = rows
            .iter()
            .filter_map(|r| r.get("credentialID").and_then(Cell::as_str))
            .map(|id| json!({"id": id, "type": "public-key"}))
            .collect();
    }
    let options = serde_json::from_value(json!({"publicKey": options})).expect("options");
    let credential = authenticator
        .do_authentication(origin(), options)
        .expect("the soft authenticator signs");
    serde_json::to_value(&credential).expect("json")
}

/// Posts an assertion to verify-authentication, with the agent's challenge cookie.
async fn verify(agent: &mut Agent<'_>, answer: Value) -> Response {
    agent
        .post(
            "/api/auth/passkey/verify-authentication",
            json!({"response": answer}),
        )
        .await
}

async fn stored(srv: &TestServer, id: &str) -> Row {
    srv.adapter()
        .find_one("passkey", &[Where::eq("id", id)])
        .await
        .expect("read")
        .expect("the passkey row")
}

async fn option_shapes_and_challenge_cookie(backend: Backend) {
    let srv = server(backend).await;
    let mut me = srv.agent();
    let (_, user_id) = me.sign_up("Pat", "shapes@example.com", PASSWORD).await;

    let res = me.get("/api/auth/passkey/generate-register-options").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let o = res.json();
    assert_eq!(
        fields(&o),
        [
            "challenge",
            "rp",
            "user",
            "pubKeyCredParams",
            "timeout",
            "attestation",
            "excludeCredentials",
            "authenticatorSelection",
            "extensions",
            "hints"
        ]
    );
    assert_eq!(o["rp"], json!({"name": "Passkey Tests", "id": "localhost"}));
    assert_eq!(o["user"]["name"], json!("shapes@example.com"));
    assert_eq!(o["user"]["displayName"], json!("shapes@example.com"));
    let handle = o["user"]["id"].as_str().expect("user handle");
    assert!(
        !handle.contains(&user_id) && handle.len() == 43,
        "a random handle, not the account id: {handle}"
    );
    let algs: Vec<i64> = o["pubKeyCredParams"]
        .as_array()
        .expect("params")
        .iter()
        .map(|p| p["alg"].as_i64().expect("alg"))
        .collect();
    assert_eq!(algs, [-8, -7, -257]);
    assert_eq!(o["timeout"], json!(60000));
    assert_eq!(o["attestation"], json!("none"));
    assert_eq!(o["excludeCredentials"], json!([]));
    assert_eq!(
        o["authenticatorSelection"],
        json!({"residentKey": "preferred", "userVerification": "preferred", "requireResidentKey": false})
    );
    assert_eq!(o["extensions"], json!({"credProps": true}));
    assert_eq!(o["challenge"].as_str().expect("challenge").len(), 43);
    let cookie = res.set_cookie(COOKIE).expect("the challenge cookie");
    let raw = res
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with(COOKIE))
        .expect("raw cookie")
        .to_owned();
    assert!(
        raw.contains("Max-Age=300") && raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    assert!(!cookie.value.is_empty());

    let res = me
        .get("/api/auth/passkey/generate-register-options?authenticatorAttachment=platform&name=Work")
        .await;
    let o = res.json();
    assert_eq!(
        o["authenticatorSelection"]["authenticatorAttachment"],
        json!("platform")
    );
    assert_eq!(o["user"]["name"], json!("Work"));
    let res = me
        .get("/api/auth/passkey/generate-register-options?authenticatorAttachment=usb")
        .await;
    assert_validation(
        &res,
        "[query.authenticatorAttachment] Invalid option: expected one of \"platform\"|\"cross-platform\"",
    );

    // Registration needs a session; signing in does not.
    let res = srv
        .send(Request::get("/api/auth/passkey/generate-register-options"))
        .await;
    assert_eq!(res.status, 401, "{}", res.describe());
    let res = srv
        .send(Request::get(
            "/api/auth/passkey/generate-authenticate-options",
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let o = res.json();
    assert_eq!(
        fields(&o),
        ["rpId", "challenge", "timeout", "userVerification"],
        "no allowCredentials: any discoverable passkey may answer"
    );
    assert_eq!(o["rpId"], json!("localhost"));
    assert_eq!(o["userVerification"], json!("preferred"));
    assert!(res.set_cookie(COOKIE).is_some());
    conforms(&srv, "GET", "/passkey/generate-authenticate-options", &res).await;

    // The challenge is stored hashed: the cookie's token is nowhere in the table.
    let rows = srv.verification_rows("passkey:").await;
    assert_eq!(
        rows.len(),
        3,
        "one row per challenge made (the refused option request made none)"
    );
    let token = cookie.value.split('.').next().expect("token");
    for row in rows {
        let identifier = row
            .get("identifier")
            .and_then(Cell::as_str)
            .unwrap_or_default();
        assert!(!identifier.contains(token), "{identifier}");
    }
}

async fn register_sign_in_rename_delete(backend: Backend) {
    let srv = server(backend).await;
    let mut me = srv.agent();
    let (_, user_id) = me.sign_up("Pat", "keys@example.com", PASSWORD).await;
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));

    let passkey = register(&mut me, &mut authenticator, Some("  Laptop  ")).await;
    assert_eq!(
        fields(&passkey),
        [
            "id",
            "name",
            "publicKey",
            "userId",
            "credentialID",
            "counter",
            "deviceType",
            "backedUp",
            "transports",
            "createdAt",
            "aaguid"
        ]
    );
    assert_eq!(passkey["name"], json!("Laptop"), "trimmed");
    assert_eq!(passkey["userId"], json!(user_id));
    assert_eq!(passkey["counter"], json!(0));
    assert_eq!(passkey["deviceType"], json!("singleDevice"));
    assert_eq!(passkey["backedUp"], json!(false));
    assert_iso_date(&passkey["createdAt"]);
    let id = passkey["id"].as_str().expect("id").to_owned();
    let mail = srv
        .last_message("keys@example.com", "passkey-changed")
        .await
        .expect("a notice for the new passkey");
    assert!(
        mail.subject.contains("passkey was added"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Laptop"), "{}", mail.text);

    // The same authenticator cannot register the same credential twice: it is excluded.
    let res = me.get("/api/auth/passkey/generate-register-options").await;
    assert_eq!(
        res.json()["excludeCredentials"][0]["id"],
        passkey["credentialID"]
    );

    let res = me.get("/api/auth/passkey/list-user-passkeys").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json(), json!([passkey]));
    conforms(&srv, "GET", "/passkey/list-user-passkeys", &res).await;

    // Signed in, the options name this user's passkey; the answer signs in a new session.
    let answer = assertion(&mut me, &mut authenticator, false).await;
    let res = me
        .get("/api/auth/passkey/generate-authenticate-options")
        .await;
    assert_eq!(
        res.json()["allowCredentials"][0]["id"],
        passkey["credentialID"]
    );
    let before = me.cookie("better-auth.session_token").map(str::to_owned);
    // A fresh challenge replaced the one the answer was made for.
    let res = verify(&mut me, answer).await;
    assert_error(&res, 400, "AUTHENTICATION_FAILED", "Authentication failed");
    let answer = assertion(&mut me, &mut authenticator, false).await;
    let res = verify(&mut me, answer).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(fields(&body), ["session", "user"]);
    assert_eq!(body["user"]["id"], json!(user_id));
    assert!(res.set_cookie("better-auth.session_token").is_some());
    assert_ne!(
        me.cookie("better-auth.session_token").map(str::to_owned),
        before
    );
    assert_eq!(
        me.session_email().await.as_deref(),
        Some("keys@example.com")
    );
    let row = stored(&srv, &id).await;
    assert_eq!(
        row.get("counter").and_then(Cell::as_int),
        Some(2),
        "the counter the authenticator signed with"
    );

    let res = me
        .post(
            "/api/auth/passkey/update-passkey",
            json!({"id": id, "name": "Desk"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["passkey"]["name"], json!("Desk"));
    let res = me
        .post(
            "/api/auth/passkey/update-passkey",
            json!({"id": id, "name": "   "}),
        )
        .await;
    assert_validation(
        &res,
        "[body.name] Too small: expected string to have >=1 characters",
    );

    let res = me
        .post("/api/auth/passkey/delete-passkey", json!({"id": id}))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    let mail = srv
        .last_message("keys@example.com", "passkey-changed")
        .await
        .expect("a notice for the removed passkey");
    assert!(mail.subject.contains("removed"), "{}", mail.subject);
    assert!(mail.text.contains("Desk"), "{}", mail.text);
    assert_eq!(
        me.get("/api/auth/passkey/list-user-passkeys").await.json(),
        json!([])
    );

    // A deleted passkey signs in no one.
    me.sign_out().await;
    me.sign_in("keys@example.com", PASSWORD).await;
    let res = me
        .get("/api/auth/passkey/generate-authenticate-options")
        .await;
    assert_eq!(res.status, 200);
    let stale = json!({"id": passkey["credentialID"], "rawId": passkey["credentialID"], "type": "public-key",
        "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"}});
    let res = verify(&mut me, stale).await;
    assert_error(&res, 401, "PASSKEY_NOT_FOUND", "Passkey not found");
}

async fn challenges_are_single_use_and_expire(backend: Backend) {
    let srv = server(backend).await;
    let mut me = srv.agent();
    me.sign_up("Pat", "once@example.com", PASSWORD).await;
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    register(&mut me, &mut authenticator, None).await;

    // Used once: the same answer again finds no challenge.
    let answer = assertion(&mut me, &mut authenticator, false).await;
    let cookie = me.cookie(COOKIE).expect("cookie").to_owned();
    let res = verify(&mut me, answer.clone()).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .send(
            Request::post("/api/auth/passkey/verify-authentication")
                .cookie(&format!("{COOKIE}={cookie}"))
                .origin(&srv.base)
                .json(&json!({"response": answer})),
        )
        .await;
    assert_error(&res, 400, "CHALLENGE_NOT_FOUND", "Challenge not found");

    // A wrong answer spends the challenge too.
    let answer = assertion(&mut me, &mut authenticator, false).await;
    let mut forged = answer.clone();
    forged["response"]["signature"] = json!("AAAA");
    let res = verify(&mut me, forged).await;
    assert_error(&res, 400, "AUTHENTICATION_FAILED", "Authentication failed");
    let res = verify(&mut me, answer).await;
    assert_error(&res, 400, "CHALLENGE_NOT_FOUND", "Challenge not found");

    // Five minutes, by the server's clock.
    let answer = assertion(&mut me, &mut authenticator, false).await;
    srv.clock.advance(Duration::seconds(301));
    let res = verify(&mut me, answer).await;
    assert_error(&res, 400, "CHALLENGE_NOT_FOUND", "Challenge not found");

    // No cookie, a forged cookie, or a registration challenge for a sign-in: not found.
    let res = srv
        .send(
            Request::post("/api/auth/passkey/verify-authentication")
                .json(&json!({"response": {"id": "x"}})),
        )
        .await;
    assert_error(&res, 400, "CHALLENGE_NOT_FOUND", "Challenge not found");
    let res = srv
        .send(
            Request::post("/api/auth/passkey/verify-authentication")
                .cookie(&format!(
                    "{COOKIE}=forged.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"
                ))
                .origin(&srv.base)
                .json(&json!({"response": {"id": "x"}})),
        )
        .await;
    assert_error(&res, 400, "CHALLENGE_NOT_FOUND", "Challenge not found");
    me.sign_in("once@example.com", PASSWORD).await;
    me.get("/api/auth/passkey/generate-register-options").await;
    let res = me
        .post(
            "/api/auth/passkey/verify-authentication",
            json!({"response": {"id": "x"}}),
        )
        .await;
    assert_error(&res, 400, "CHALLENGE_NOT_FOUND", "Challenge not found");
    // And a bad registration answer is a 400 (Better Auth: 500), its challenge spent.
    me.get("/api/auth/passkey/generate-register-options").await;
    let res = me
        .post(
            "/api/auth/passkey/verify-registration",
            json!({"response": {"id": "x"}}),
        )
        .await;
    assert_error(
        &res,
        400,
        "FAILED_TO_VERIFY_REGISTRATION",
        "Failed to verify registration",
    );
    let res = me
        .post(
            "/api/auth/passkey/verify-registration",
            json!({"response": {"id": "x"}}),
        )
        .await;
    assert_error(&res, 400, "CHALLENGE_NOT_FOUND", "Challenge not found");

    // The body's response must be an object, as zod's record says.
    let res = me
        .post("/api/auth/passkey/verify-authentication", json!({}))
        .await;
    assert_validation(
        &res,
        "[body.response] Invalid input: expected record, received undefined",
    );
}

async fn stale_counter_is_refused(backend: Backend) {
    let srv = server(backend).await;
    let mut me = srv.agent();
    me.sign_up("Pat", "clone@example.com", PASSWORD).await;
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let passkey = register(&mut me, &mut authenticator, None).await;
    let id = passkey["id"].as_str().expect("id");

    // The genuine authenticator has signed 50 times elsewhere; this copy is behind.
    let mut set = Row::new();
    set.insert("counter".into(), Cell::Int(50));
    srv.adapter()
        .update_many("passkey", &[Where::eq("id", id)], set)
        .await
        .expect("update");
    let answer = assertion(&mut me, &mut authenticator, false).await;
    let before = me.cookie("better-auth.session_token").map(str::to_owned);
    let res = verify(&mut me, answer).await;
    assert_error(&res, 400, "AUTHENTICATION_FAILED", "Authentication failed");
    assert!(res.set_cookie("better-auth.session_token").is_none());
    assert_eq!(
        me.cookie("better-auth.session_token").map(str::to_owned),
        before
    );
    let row = stored(&srv, id).await;
    assert_eq!(
        row.get("counter").and_then(Cell::as_int),
        Some(50),
        "the stored passkey is left as it was"
    );
    assert_eq!(
        me.get("/api/auth/passkey/list-user-passkeys").await.json()[0]["id"],
        json!(id)
    );
}

async fn only_the_owner_may_change_a_passkey(backend: Backend) {
    let srv = server(backend).await;
    let mut me = srv.agent();
    me.sign_up("Pat", "owner@example.com", PASSWORD).await;
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let passkey = register(&mut me, &mut authenticator, Some("Mine")).await;
    let id = passkey["id"].as_str().expect("id");

    let mut other = srv.agent();
    other.sign_up("Sam", "other@example.com", PASSWORD).await;
    assert_eq!(
        other
            .get("/api/auth/passkey/list-user-passkeys")
            .await
            .json(),
        json!([])
    );
    let res = other
        .post("/api/auth/passkey/delete-passkey", json!({"id": id}))
        .await;
    assert_empty_json(&res, 401);
    let res = other
        .post(
            "/api/auth/passkey/update-passkey",
            json!({"id": id, "name": "Theirs"}),
        )
        .await;
    assert_error(
        &res,
        401,
        "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY",
        "You are not allowed to register this passkey",
    );
    let res = other
        .post("/api/auth/passkey/delete-passkey", json!({"id": "nope"}))
        .await;
    assert_error(&res, 404, "PASSKEY_NOT_FOUND", "Passkey not found");
    let res = other
        .post("/api/auth/passkey/delete-passkey", json!({"id": ""}))
        .await;
    assert_json(
        &res,
        400,
        json!({"message": "Missing required parameter: id"}),
    );
    let res = other
        .post("/api/auth/passkey/delete-passkey", json!({}))
        .await;
    assert_validation(
        &res,
        "[body.id] Invalid input: expected string, received undefined",
    );
    assert_eq!(
        stored(&srv, id).await.get("name").and_then(Cell::as_str),
        Some("Mine")
    );

    // Without a session: 401, as every session endpoint.
    for res in [
        srv.send(Request::get("/api/auth/passkey/list-user-passkeys"))
            .await,
        srv.send(Request::post("/api/auth/passkey/delete-passkey").json(&json!({"id": id})))
            .await,
    ] {
        assert_unauthorized(&res);
    }

    // Registering against another user's challenge is refused.
    let res = me.get("/api/auth/passkey/generate-register-options").await;
    assert_eq!(res.status, 200);
    let stolen = me.cookie(COOKIE).expect("cookie").to_owned();
    let res = other
        .send(
            Request::post("/api/auth/passkey/verify-registration")
                .cookie(&format!("{}; {COOKIE}={stolen}", other.cookie_header()))
                .json(&json!({"response": {}})),
        )
        .await;
    assert_error(
        &res,
        401,
        "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY",
        "You are not allowed to register this passkey",
    );
}

/// Stands in for a second-factor plugin: holds a passkey sign-in back unless it proved both
/// factors (password sign-ins, with which the test sets up, pass).
struct SecondFactor;

#[async_trait]
impl Plugin for SecondFactor {
    fn id(&self) -> &'static str {
        "test-second-factor"
    }
    fn hooks(&self) -> Hooks {
        Hooks {
            issue: true,
            ..Hooks::default()
        }
    }
    async fn hold_session(
        &self,
        _ctx: &AuthContext,
        _req: &AuthRequest,
        pending: &PendingSession<'_>,
    ) -> Result<Option<AuthResponse>, ApiError> {
        let held = pending.method == "passkey" && !pending.both_factors;
        Ok(held.then(|| AuthResponse::json(json!({"twoFactorRedirect": true}))))
    }
}

async fn user_verification_counts_as_both_factors(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .plugin(Arc::new(SecondFactor))
        .start()
        .await;
    let mut me = srv.agent();
    me.sign_up("Pat", "uv@example.com", PASSWORD).await;
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    register(&mut me, &mut authenticator, None).await;

    let answer = assertion(&mut me, &mut authenticator, false).await;
    let res = verify(&mut me, answer).await;
    assert_json(&res, 200, json!({"twoFactorRedirect": true}));
    assert!(
        res.set_cookie("better-auth.session_token").is_none(),
        "without user verification a passkey is one factor"
    );

    let answer = assertion(&mut me, &mut authenticator, true).await;
    let res = verify(&mut me, answer).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(fields(&res.json()), ["session", "user"]);
    assert!(res.set_cookie("better-auth.session_token").is_some());
}

/// The two-factor plugin itself: a user with TOTP on is held at a passkey sign-in that did not
/// verify them (`twoFactorRedirect`, no session), and let through by one that did.
async fn two_factor_holds_a_passkey_without_user_verification(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .env("ENABLE_TWO_FACTOR", "true")
        .start()
        .await;
    let mut me = srv.agent();
    me.sign_up("Pat", "totp@example.com", PASSWORD).await;
    let mut authenticator = WebauthnAuthenticator::new(SoftPasskey::new(true));
    register(&mut me, &mut authenticator, None).await;

    let res = me
        .post("/api/auth/two-factor/enable", json!({"password": PASSWORD}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let uri = res.json()["totpURI"].as_str().expect("totpURI").to_owned();
    let secret = uri
        .split_once("secret=")
        .and_then(|(_, rest)| rest.split('&').next())
        .expect("secret")
        .to_owned();
    // A code from Debian's oathtool at the server's clock.
    let now = chrono::Utc::now() + srv.clock.offset();
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", &secret, "--now"])
        .arg(now.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .output()
        .expect("oathtool runs (apt-get install oathtool)");
    let code = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let res = me
        .post("/api/auth/two-factor/verify-totp", json!({"code": code}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["twoFactorEnabled"], json!(true));

    let answer = assertion(&mut me, &mut authenticator, false).await;
    let res = verify(&mut me, answer).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["twoFactorRedirect"], json!(true));
    assert!(
        res.set_cookie("better-auth.session_token")
            .is_none_or(|c| c.is_deletion()),
        "no session, only the challenge: {}",
        res.describe()
    );
    assert!(res.set_cookie("better-auth.two_factor").is_some());

    let answer = assertion(&mut me, &mut authenticator, true).await;
    let res = verify(&mut me, answer).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(fields(&res.json()), ["session", "user"]);
    assert!(res.set_cookie("better-auth.session_token").is_some());
}
