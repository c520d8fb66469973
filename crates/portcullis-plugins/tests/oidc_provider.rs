//! The OpenID provider on each backend: the code flow through sign-in and consent with PKCE,
//! ID tokens that verify against `/jwks`, userinfo, refresh rotation and reuse detection,
//! client credentials, introspection, revocation, RP-initiated logout, discovery, client
//! management and registration, consents, and the refusals the protocol demands.

mod common;

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Duration;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use portcullis_storage::{Query, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "oidc-password-123";
const APP: &str = "https://app.example.com/callback";
const LOGGED_OUT: &str = "https://app.example.com/logged-out";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("code_flow_with_consent_pkce_and_refresh_rotation", |b| {
            Box::pin(code_flow_with_consent_pkce_and_refresh_rotation(b))
        })
        .per_backend("refusals_the_protocol_demands", |b| {
            Box::pin(refusals_the_protocol_demands(b))
        })
        .per_backend("a_code_is_single_use_and_short_lived", |b| {
            Box::pin(a_code_is_single_use_and_short_lived(b))
        })
        .per_backend("client_credentials_introspection_and_revocation", |b| {
            Box::pin(client_credentials_introspection_and_revocation(b))
        })
        .per_backend(
            "end_session_signs_out_and_returns_only_where_registered",
            |b| Box::pin(end_session_signs_out_and_returns_only_where_registered(b)),
        )
        .per_backend("prompts_max_age_and_form_post", |b| {
            Box::pin(prompts_max_age_and_form_post(b))
        })
        .per_backend(
            "consents_are_listed_and_revoking_one_ends_its_tokens",
            |b| Box::pin(consents_are_listed_and_revoking_one_ends_its_tokens(b)),
        )
        .per_backend("clients_are_managed_by_administrators_only", |b| {
            Box::pin(clients_are_managed_by_administrators_only(b))
        })
        .per_backend(
            "grant_types_are_edited_with_the_checks_of_registration",
            |b| Box::pin(grant_types_are_edited_with_the_checks_of_registration(b)),
        )
        .per_backend("the_console_lists_clients_a_page_at_a_time", |b| {
            Box::pin(the_console_lists_clients_a_page_at_a_time(b))
        })
        .per_backend(
            "optional_parameters_post_requests_and_userinfo_transports",
            |b| Box::pin(optional_parameters_post_requests_and_userinfo_transports(b)),
        )
        .per_backend_on(
            &[Backend::Sqlite],
            "the_token_endpoint_is_rate_limited",
            |b| Box::pin(the_token_endpoint_is_rate_limited(b)),
        )
        .per_backend("the_device_grant_gives_oauth_tokens", |b| {
            Box::pin(the_device_grant_gives_oauth_tokens(b))
        })
        .per_backend("a_relying_partys_tokens_end_with_the_session", |b| {
            Box::pin(a_relying_partys_tokens_end_with_the_session(b))
        })
        .per_backend("a_banned_users_tokens_stop_working", |b| {
            Box::pin(a_banned_users_tokens_stop_working(b))
        })
        .per_backend("private_key_jwt_clients_sign_their_own_assertions", |b| {
            Box::pin(private_key_jwt_clients_sign_their_own_assertions(b))
        })
        .per_backend("discovery_and_dynamic_registration", |b| {
            Box::pin(discovery_and_dynamic_registration(b))
        })
        .run()
}

async fn server(backend: Backend, extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .env("ENABLE_JWT", "true")
        .env("ENABLE_OIDC_PROVIDER", "true")
        .env("ENABLE_ADMIN", "true")
        .env("ENABLE_AUDIT_LOG", "true")
        .envs(extra.iter().copied())
        .start()
        .await
}

async fn administrator(srv: &TestServer) -> Agent<'_> {
    common::administrator(srv, "root@example.com", PASSWORD)
        .await
        .0
}

/// A client made through the admin API: its metadata, with `client_secret` when confidential.
async fn client(admin: &mut Agent<'_>, metadata: Value) -> Value {
    let res = admin.post("/api/auth/oauth2/create-client", metadata).await;
    assert_eq!(res.status, 201, "{}", res.describe());
    res.json()
}

async fn web_client(admin: &mut Agent<'_>) -> (String, String) {
    let c = client(
        admin,
        json!({
            "client_name": "Example App",
            "redirect_uris": [APP],
            "post_logout_redirect_uris": [LOGGED_OUT],
            "logo_uri": "https://app.example.com/logo.png",
        }),
    )
    .await;
    let id = c["client_id"].as_str().expect("client_id").to_owned();
    let secret = c["client_secret"]
        .as_str()
        .expect("a confidential client's secret")
        .to_owned();
    (id, secret)
}

/// RFC 7636: a verifier and its S256 challenge.
fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("{seed}-verifier-0123456789-abcdefghijklmnopqrstuvwxyz");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn authorize_path(client_id: &str, challenge: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", APP),
        ("scope", "openid profile email offline_access"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        pairs.retain(|(n, _)| n != k);
        pairs.push((k, v));
    }
    format!("/api/auth/oauth2/authorize?{}", encode(&pairs))
}

fn location(res: &Response) -> String {
    assert_eq!(res.status, 302, "{}", res.describe());
    res.header("location").expect("a Location").to_owned()
}

fn query_of(url: &str) -> HashMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

/// Follows an authorization request through the consent page (answering `accept`) to where
/// it ends; answers that final Location.
async fn through_consent(agent: &mut Agent<'_>, path: &str, accept: bool) -> String {
    let to = location(&agent.get(path).await);
    let Some(query) = to.strip_prefix("/oauth/consent?") else {
        return to;
    };
    let res = agent
        .post(
            "/api/auth/oauth2/consent",
            json!({"accept": accept, "oauth_query": query}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["redirect"], true);
    let next = res.json()["url"].as_str().expect("url").to_owned();
    if next.starts_with("/api/auth/") {
        location(&agent.get(&next).await)
    } else {
        next
    }
}

async fn code_for(agent: &mut Agent<'_>, path: &str) -> String {
    let to = through_consent(agent, path, true).await;
    assert!(to.starts_with(APP), "back to the client: {to}");
    let q = query_of(&to);
    assert_eq!(q.get("state").map(String::as_str), Some("st-123"), "{to}");
    q.get("code").expect("a code").clone()
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn token(srv: &TestServer, auth: Option<(&str, &str)>, form: &[(&str, &str)]) -> Response {
    let mut req = Request::post("/api/auth/oauth2/token").form(form);
    if let Some((id, secret)) = auth {
        req = req.header("authorization", &basic(id, secret));
    }
    srv.send(req).await
}

/// A `{code, message}` error with this code (the message is the server's to word).
#[track_caller]
fn assert_code(res: &Response, status: u16, code: &str) {
    assert_eq!(res.status, status, "{}", res.describe());
    assert_eq!(res.json()["code"], code, "{}", res.describe());
}

#[track_caller]
fn assert_oauth_error(res: &Response, status: u16, error: &str) {
    assert_eq!(res.status, status, "{}", res.describe());
    assert_eq!(res.json()["error"], error, "{}", res.describe());
    assert!(
        res.json()["error_description"].is_string(),
        "{}",
        res.describe()
    );
}

async fn exchange(srv: &TestServer, id: &str, secret: &str, code: &str, verifier: &str) -> Value {
    let res = token(
        srv,
        Some((id, secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", APP),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    res.json()
}

async fn verify_id_token(srv: &TestServer, id_token: &str, client_id: &str) -> Value {
    let set: JwkSet = serde_json::from_value(srv.send(Request::get("/api/auth/jwks")).await.json())
        .expect("JWKS");
    let header = jsonwebtoken::decode_header(id_token).expect("a JWT");
    let jwk = set
        .find(header.kid.as_deref().expect("kid"))
        .expect("its key is published");
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[format!("{}/api/auth", srv.base)]);
    v.set_audience(&[client_id]);
    jsonwebtoken::decode::<Value>(id_token, &DecodingKey::from_jwk(jwk).expect("key"), &v)
        .unwrap_or_else(|e| panic!("the ID token does not verify: {e}"))
        .claims
}

async fn code_flow_with_consent_pkce_and_refresh_rotation(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let (verifier, challenge) = pkce("flow");
    let path = authorize_path(&id, &challenge, &[]);

    // Signed out: to the sign-in page, which comes back to this request.
    let mut user = srv.agent();
    let to = location(&user.get(&path).await);
    assert!(to.starts_with("/sign-in?"), "{to}");
    let back = query_of(&to)["redirect"].clone();
    assert!(back.starts_with("/api/auth/oauth2/authorize?"), "{back}");
    let (_, user_id) = user
        .sign_up("Ada Lovelace", "ada@example.com", PASSWORD)
        .await;

    // Signed in: consent first, then the code.
    let first = location(&user.get(&back).await);
    assert!(first.starts_with("/oauth/consent?"), "{first}");
    let shown = query_of(&first);
    assert_eq!(shown["client_id"], id);
    assert!(shown.contains_key("sig") && shown.contains_key("exp"));
    // The consent page's request is signed: changing it is refused.
    let tampered = first
        .replace("offline_access", "")
        .trim_start_matches("/oauth/consent?")
        .to_owned();
    let res = user
        .post(
            "/api/auth/oauth2/consent",
            json!({"accept": true, "oauth_query": tampered}),
        )
        .await;
    assert_code(&res, 400, "INVALID_OAUTH_QUERY");
    let code = code_for(&mut user, &back).await;

    let tokens = exchange(&srv, &id, &secret, &code, &verifier).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid profile email offline_access");
    let access = tokens["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("offline_access gives a refresh token")
        .to_owned();
    let claims = verify_id_token(&srv, tokens["id_token"].as_str().expect("id_token"), &id).await;
    assert_eq!(claims["sub"], user_id);
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["name"], "Ada Lovelace");
    assert!(
        claims["auth_time"].is_i64() && claims["at_hash"].is_string(),
        "{claims}"
    );

    // Stored hashed, never as given.
    let rows = srv
        .adapter()
        .find_many("oauthAccessToken", &Query::filter(vec![]))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_ne!(
        rows[0].get("token").and_then(|v| v.as_str()),
        Some(access.as_str())
    );

    let info = srv
        .send(Request::get("/api/auth/oauth2/userinfo").bearer(&access))
        .await;
    assert_eq!(info.status, 200, "{}", info.describe());
    assert_eq!(info.json()["sub"], user_id);
    assert_eq!(info.json()["email_verified"], false);
    assert_eq!(info.json()["given_name"], "Ada");

    // Consent is remembered: the next request gets a code at once.
    let (verifier2, challenge2) = pkce("again");
    let to = location(&user.get(&authorize_path(&id, &challenge2, &[])).await);
    assert!(to.starts_with(APP), "no consent page the second time: {to}");
    let code2 = query_of(&to)["code"].clone();
    assert_eq!(query_of(&to)["iss"], format!("{}/api/auth", srv.base));
    exchange(&srv, &id, &secret, &code2, &verifier2).await;

    // Refresh rotates.
    let res = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let rotated = res.json()["refresh_token"]
        .as_str()
        .expect("a new refresh token")
        .to_owned();
    assert_ne!(rotated, refresh);
    let new_access = res.json()["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    assert!(res.json()["id_token"].is_string());

    // The old one again: reuse. The whole family is revoked, the new tokens included.
    let reuse = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_oauth_error(&reuse, 400, "invalid_grant");
    let after = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rotated)],
    )
    .await;
    assert_oauth_error(&after, 400, "invalid_grant");
    let info = srv
        .send(Request::get("/api/auth/oauth2/userinfo").bearer(&new_access))
        .await;
    assert_oauth_error(&info, 401, "invalid_token");
    let events = srv
        .adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![Where::eq("action", "oauth.refresh_reuse")]),
        )
        .await
        .expect("audit rows");
    assert_eq!(events.len(), 1, "one reuse, one event");
}

async fn refusals_the_protocol_demands(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let public = client(
        &mut admin,
        json!({"client_name": "SPA", "redirect_uris": [APP], "token_endpoint_auth_method": "none", "scope": "openid profile"}),
    )
    .await;
    let public_id = public["client_id"].as_str().expect("id").to_owned();
    assert!(
        public.get("client_secret").is_none(),
        "a public client has no secret"
    );
    let (_, challenge) = pkce("neg");

    // Signed out with prompt=none: login_required, at the client.
    let mut user = srv.agent();
    let to = location(
        &user
            .get(&authorize_path(&id, &challenge, &[("prompt", "none")]))
            .await,
    );
    assert!(to.starts_with(APP), "{to}");
    assert_eq!(query_of(&to)["error"], "login_required");
    assert_eq!(query_of(&to)["state"], "st-123");

    user.sign_up("Bo", "bo@example.com", PASSWORD).await;
    // A redirect URI not registered: the error page, never that URI.
    let to = location(
        &user
            .get(&authorize_path(
                &id,
                &challenge,
                &[("redirect_uri", "https://evil.example.com/cb")],
            ))
            .await,
    );
    assert!(to.contains("/api/auth/error?"), "{to}");
    assert!(!to.contains("evil.example.com/cb?"), "{to}");
    // An unknown client: the error page too.
    let to = location(&user.get(&authorize_path("nobody", &challenge, &[])).await);
    assert!(to.contains("/api/auth/error?error=invalid_client"), "{to}");
    // A scope the client may not ask for.
    let to = location(
        &user
            .get(&authorize_path(
                &public_id,
                &challenge,
                &[("scope", "openid email")],
            ))
            .await,
    );
    assert_eq!(query_of(&to)["error"], "invalid_scope", "{to}");
    // A public client without PKCE.
    let to = location(
        &user
            .get(&format!(
                "/api/auth/oauth2/authorize?{}",
                encode(&[
                    ("response_type", "code"),
                    ("client_id", &public_id),
                    ("redirect_uri", APP),
                    ("scope", "openid")
                ])
            ))
            .await,
    );
    assert_eq!(query_of(&to)["error"], "invalid_request", "{to}");
    // plain PKCE is not accepted.
    let to = location(
        &user
            .get(&authorize_path(
                &id,
                &challenge,
                &[("code_challenge_method", "plain")],
            ))
            .await,
    );
    assert_eq!(query_of(&to)["error"], "invalid_request", "{to}");
    // Only the code flow.
    let to = location(
        &user
            .get(&authorize_path(
                &id,
                &challenge,
                &[("response_type", "token")],
            ))
            .await,
    );
    assert_eq!(query_of(&to)["error"], "unsupported_response_type", "{to}");
    // prompt=none before consent: consent_required.
    let to = location(
        &user
            .get(&authorize_path(&id, &challenge, &[("prompt", "none")]))
            .await,
    );
    assert_eq!(query_of(&to)["error"], "consent_required", "{to}");
    // Denying consent: access_denied at the client.
    let to = through_consent(&mut user, &authorize_path(&id, &challenge, &[]), false).await;
    assert!(to.starts_with(APP), "{to}");
    assert_eq!(query_of(&to)["error"], "access_denied");

    // The token endpoint: a wrong or missing verifier, a secret on a public client, a wrong
    // secret, and an unknown grant type.
    let (verifier, challenge) = pkce("tok");
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    let wrong = token(
        &srv,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP),
            ("code_verifier", &pkce("other").0),
        ],
    )
    .await;
    assert_oauth_error(&wrong, 400, "invalid_grant");
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    let missing = token(
        &srv,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP),
        ],
    )
    .await;
    assert_oauth_error(&missing, 400, "invalid_grant");
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    let bad_secret = token(
        &srv,
        Some((&id, "not-the-secret")),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_oauth_error(&bad_secret, 401, "invalid_client");
    assert!(bad_secret.header("www-authenticate").is_some());
    let on_public = token(
        &srv,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP),
            ("client_id", &public_id),
            ("client_secret", "anything"),
        ],
    )
    .await;
    assert_oauth_error(&on_public, 400, "invalid_client");
    let redirect_differs = token(
        &srv,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://app.example.com/other"),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_oauth_error(&redirect_differs, 400, "invalid_grant");
    let unknown = token(&srv, Some((&id, &secret)), &[("grant_type", "password")]).await;
    assert_oauth_error(&unknown, 400, "unsupported_grant_type");
    let not_allowed = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_oauth_error(&not_allowed, 400, "unauthorized_client");
}

async fn a_code_is_single_use_and_short_lived(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let mut user = srv.agent();
    user.sign_up("Cy", "cy@example.com", PASSWORD).await;
    let (verifier, challenge) = pkce("once");
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    let first = exchange(&srv, &id, &secret, &code, &verifier).await;
    let access = first["access_token"].as_str().expect("access").to_owned();
    let refresh = first["refresh_token"].as_str().expect("refresh").to_owned();
    // Used twice: refused, and what the first use issued is revoked.
    let again = token(
        &srv,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_oauth_error(&again, 400, "invalid_grant");
    let info = srv
        .send(Request::get("/api/auth/oauth2/userinfo").bearer(&access))
        .await;
    assert_oauth_error(&info, 401, "invalid_token");
    let res = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_oauth_error(&res, 400, "invalid_grant");

    // Expired: ten minutes.
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    srv.clock.advance(Duration::seconds(601));
    let late = token(
        &srv,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_oauth_error(&late, 400, "invalid_grant");
}

async fn client_credentials_introspection_and_revocation(backend: Backend) {
    let srv = server(
        backend,
        &[(
            "OIDC_SCOPES",
            "openid profile email offline_access reports:read",
        )],
    )
    .await;
    let mut admin = administrator(&srv).await;
    let service = client(
        &mut admin,
        json!({"client_name": "Reports", "redirect_uris": [APP], "grant_types": ["client_credentials"], "scope": "reports:read"}),
    )
    .await;
    let (sid, ssecret) = (
        service["client_id"].as_str().expect("id").to_owned(),
        service["client_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    );
    // A client uses the method it registered: this one Basic, not the body.
    let wrong_method = token(
        &srv,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sid),
            ("client_secret", &ssecret),
        ],
    )
    .await;
    assert_oauth_error(&wrong_method, 400, "invalid_client");
    let poster = client(
        &mut admin,
        json!({"client_name": "Poster", "redirect_uris": [APP], "grant_types": ["client_credentials"], "scope": "reports:read", "token_endpoint_auth_method": "client_secret_post"}),
    )
    .await;
    let (pid, psecret) = (
        poster["client_id"].as_str().expect("id").to_owned(),
        poster["client_secret"].as_str().expect("secret").to_owned(),
    );
    let basic_for_poster = token(
        &srv,
        Some((&pid, &psecret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_oauth_error(&basic_for_poster, 401, "invalid_client");
    let res = token(
        &srv,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &pid),
            ("client_secret", &psecret),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["scope"], "reports:read");
    assert!(res.json().get("refresh_token").is_none() && res.json().get("id_token").is_none());
    // The service's own token, by Basic, for what follows.
    let res = token(
        &srv,
        Some((&sid, &ssecret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let access = res.json()["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let too_much = token(
        &srv,
        Some((&sid, &ssecret)),
        &[("grant_type", "client_credentials"), ("scope", "openid")],
    )
    .await;
    assert_oauth_error(&too_much, 400, "invalid_scope");

    let introspect = |token: String| {
        let (sid, ssecret) = (sid.clone(), ssecret.clone());
        let srv = &srv;
        async move {
            srv.send(
                Request::post("/api/auth/oauth2/introspect")
                    .form(&[("token", &token)])
                    .header("authorization", &basic(&sid, &ssecret)),
            )
            .await
        }
    };
    let res = introspect(access.clone()).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["active"], true);
    assert_eq!(res.json()["client_id"], sid);
    assert_eq!(res.json()["scope"], "reports:read");
    assert_eq!(res.json()["token_type"], "Bearer");
    let unauthenticated = srv
        .send(Request::post("/api/auth/oauth2/introspect").form(&[("token", &access)]))
        .await;
    assert_oauth_error(&unauthenticated, 401, "invalid_client");

    let res = srv
        .send(
            Request::post("/api/auth/oauth2/revoke")
                .form(&[("token", &access)])
                .header("authorization", &basic(&sid, &ssecret)),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        introspect(access.clone()).await.json(),
        json!({"active": false})
    );
    assert_eq!(
        introspect("never-issued".into()).await.json(),
        json!({"active": false})
    );
    // Expired tokens are inactive too.
    let res = token(
        &srv,
        Some((&sid, &ssecret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let later = res.json()["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    srv.clock.advance(Duration::seconds(3601));
    assert_eq!(introspect(later).await.json(), json!({"active": false}));
}

async fn end_session_signs_out_and_returns_only_where_registered(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let mut user = srv.agent();
    user.sign_up("Di", "di@example.com", PASSWORD).await;
    let (verifier, challenge) = pkce("logout");
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    let id_token = exchange(&srv, &id, &secret, &code, &verifier).await["id_token"]
        .as_str()
        .expect("id_token")
        .to_owned();

    let end = |pairs: &[(&str, &str)]| format!("/api/auth/oauth2/end-session?{}", encode(pairs));
    // Without a hint, or to an unregistered place: refused, still signed in.
    let to = location(
        &user
            .get(&end(&[("post_logout_redirect_uri", LOGGED_OUT)]))
            .await,
    );
    assert!(to.contains("/api/auth/error?"), "{to}");
    let to = location(
        &user
            .get(&end(&[
                ("id_token_hint", &id_token),
                ("post_logout_redirect_uri", "https://evil.example.com/"),
            ]))
            .await,
    );
    assert!(to.contains("/api/auth/error?"), "{to}");
    let forged = format!("{}x", &id_token[..id_token.len() - 1]);
    let to = location(
        &user
            .get(&end(&[
                ("id_token_hint", &forged),
                ("post_logout_redirect_uri", LOGGED_OUT),
            ]))
            .await,
    );
    assert!(
        to.contains("/api/auth/error?"),
        "a hint that does not verify: {to}"
    );
    assert!(user.get_session().await.is_some());

    let res = user
        .get(&end(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "bye"),
        ]))
        .await;
    let to = location(&res);
    assert_eq!(to, format!("{LOGGED_OUT}?state=bye"));
    assert!(user.get_session().await.is_none(), "signed out");
}

async fn prompts_max_age_and_form_post(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, _) = web_client(&mut admin).await;
    let mut user = srv.agent();
    user.sign_up("Ed", "ed@example.com", PASSWORD).await;
    let (_, challenge) = pkce("prompts");
    code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;

    // prompt=login sends a signed-in user to sign in again, and a session from before does
    // not satisfy it on return.
    let to = location(
        &user
            .get(&authorize_path(&id, &challenge, &[("prompt", "login")]))
            .await,
    );
    assert!(to.starts_with("/sign-in?"), "{to}");
    let back = query_of(&to)["redirect"].clone();
    assert!(
        !back.contains("prompt=login") && back.contains("login_after="),
        "{back}"
    );
    srv.clock.advance(Duration::seconds(5));
    let again = location(&user.get(&back).await);
    assert!(
        again.starts_with("/sign-in?"),
        "the old session is not fresh enough: {again}"
    );
    user.sign_in("ed@example.com", PASSWORD).await;
    let done = location(&user.get(&back).await);
    assert!(
        done.starts_with(APP) && query_of(&done).contains_key("code"),
        "{done}"
    );

    // max_age: an older session must sign in again.
    srv.clock.advance(Duration::seconds(120));
    let to = location(
        &user
            .get(&authorize_path(&id, &challenge, &[("max_age", "60")]))
            .await,
    );
    assert!(to.starts_with("/sign-in?"), "{to}");
    let to = location(
        &user
            .get(&authorize_path(&id, &challenge, &[("max_age", "3600")]))
            .await,
    );
    assert!(to.starts_with(APP), "{to}");

    // max_age=0 asks for a sign-in every time: once signed in again, the request goes through.
    let to = location(
        &user
            .get(&authorize_path(&id, &challenge, &[("max_age", "0")]))
            .await,
    );
    assert!(to.starts_with("/sign-in?"), "{to}");
    let back = query_of(&to)["redirect"].clone();
    srv.clock.advance(Duration::seconds(3));
    user.sign_in("ed@example.com", PASSWORD).await;
    srv.clock.advance(Duration::seconds(3));
    let done = location(&user.get(&back).await);
    assert!(
        done.starts_with(APP) && query_of(&done).contains_key("code"),
        "no second round: {done}"
    );

    // form_post: a page that posts the answer to the client, allowed to post only there.
    let res = user
        .get(&authorize_path(
            &id,
            &challenge,
            &[("response_mode", "form_post")],
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let html = res.text();
    assert!(html.contains(&format!("action=\"{APP}\"")), "{html}");
    assert!(
        html.contains("name=\"code\"") && html.contains("name=\"state\" value=\"st-123\""),
        "{html}"
    );
    assert!(
        res.header("content-security-policy")
            .is_some_and(|c| c.contains("form-action https://app.example.com"))
    );
}

async fn consents_are_listed_and_revoking_one_ends_its_tokens(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let mut user = srv.agent();
    user.sign_up("Flo", "flo@example.com", PASSWORD).await;
    let (verifier, challenge) = pkce("consents");
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    let refresh = exchange(&srv, &id, &secret, &code, &verifier).await["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    let res = user.get("/api/auth/oauth2/get-consents").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let list = res.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["clientId"], id);
    assert_eq!(
        list[0]["scopes"],
        json!(["openid", "profile", "email", "offline_access"])
    );
    let consent_id = list[0]["id"].as_str().expect("id").to_owned();
    // Another user cannot see or revoke it.
    let mut other = srv.agent();
    other.sign_up("Gus", "gus@example.com", PASSWORD).await;
    let res = other
        .post("/api/auth/oauth2/delete-consent", json!({"id": consent_id}))
        .await;
    assert_code(&res, 404, "CONSENT_NOT_FOUND");

    let res = user
        .post("/api/auth/oauth2/delete-consent", json!({"id": consent_id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_oauth_error(&res, 400, "invalid_grant");
    let to = location(&user.get(&authorize_path(&id, &challenge, &[])).await);
    assert!(to.starts_with("/oauth/consent?"), "asked again: {to}");
}

async fn clients_are_managed_by_administrators_only(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut someone = srv.agent();
    someone.sign_up("Hal", "hal@example.com", PASSWORD).await;
    let res = someone
        .post(
            "/api/auth/oauth2/create-client",
            json!({"redirect_uris": [APP]}),
        )
        .await;
    assert_code(&res, 403, "YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS");
    let res = someone.get("/api/auth/oauth2/get-clients").await;
    assert_eq!(res.status, 403);

    let mut admin = administrator(&srv).await;
    for bad in [
        json!({"redirect_uris": ["http://app.example.com/cb"]}),
        json!({"redirect_uris": ["https://a.example.com/cb#f"]}),
        json!({}),
    ] {
        let res = admin.post("/api/auth/oauth2/create-client", bad).await;
        assert_code(&res, 400, "INVALID_REDIRECT_URI");
    }
    let (id, secret) = web_client(&mut admin).await;
    let stored = srv
        .adapter()
        .find_many("oauthClient", &Query::filter(vec![]))
        .await
        .expect("rows");
    assert_ne!(
        stored[0].get("clientSecret").and_then(|v| v.as_str()),
        Some(secret.as_str()),
        "stored hashed"
    );
    let res = admin
        .get(&format!("/api/auth/oauth2/get-client?client_id={id}"))
        .await;
    assert_eq!(res.json()["client_name"], "Example App");
    assert!(res.json().get("client_secret").is_none());
    let res = admin
        .post(
            "/api/auth/oauth2/update-client",
            json!({"client_id": id, "update": {"client_name": "Renamed", "skip_consent": true}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["client_name"], "Renamed");
    assert_eq!(res.json()["skip_consent"], true);
    let anonymous = srv
        .send(Request::get(&format!(
            "/api/auth/oauth2/public-client?client_id={id}"
        )))
        .await;
    assert_eq!(anonymous.status, 401, "as Better Auth: only for a session");
    let public = someone
        .get(&format!("/api/auth/oauth2/public-client?client_id={id}"))
        .await;
    assert_eq!(public.json()["client_name"], "Renamed");
    assert!(public.json().get("redirect_uris").is_none());

    let res = admin
        .post(
            "/api/auth/oauth2/client/rotate-secret",
            json!({"client_id": id}),
        )
        .await;
    let new_secret = res.json()["client_secret"]
        .as_str()
        .expect("a new secret")
        .to_owned();
    let old = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    )
    .await;
    assert_oauth_error(&old, 401, "invalid_client");
    let new = token(
        &srv,
        Some((&id, &new_secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    )
    .await;
    assert_oauth_error(&new, 400, "invalid_grant");

    let res = admin
        .post("/api/auth/oauth2/delete-client", json!({"client_id": id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = admin.get("/api/auth/oauth2/get-clients").await;
    assert_eq!(res.json(), json!([]));
}

/// How many times the audit log recorded an update of this client.
async fn client_updates(admin: &mut Agent<'_>, client_id: &str) -> usize {
    let events = admin
        .get("/api/auth/audit/list?action=oauth.client_update")
        .await
        .json()["events"]
        .clone();
    events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["targetId"] == client_id)
        .count()
}

/// A client's grant types, changed through the admin API the console's edit form calls: what
/// registration refuses is refused here too (and changes nothing), what is accepted takes
/// effect at the next token request, and each change is audited as the client's update.
async fn grant_types_are_edited_with_the_checks_of_registration(backend: Backend) {
    const DEVICE: &str = "urn:ietf:params:oauth:grant-type:device_code";
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let made = client(
        &mut admin,
        json!({
            "client_name": "Service",
            "redirect_uris": [APP],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        }),
    )
    .await;
    let id = made["client_id"].as_str().expect("id").to_owned();
    let secret = made["client_secret"].as_str().expect("secret").to_owned();
    let acts_for_itself = || {
        token(
            &srv,
            Some((&id, &secret)),
            &[("grant_type", "client_credentials")],
        )
    };
    let res = acts_for_itself().await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let update = |grants: Value| json!({"client_id": id, "update": {"grant_types": grants}});

    // Refused as registration refuses them: none, an unknown grant, implicit.
    for grants in [
        json!([]),
        json!(["password"]),
        json!(["implicit", "authorization_code"]),
        json!("client_credentials"),
    ] {
        let res = admin
            .post("/api/auth/oauth2/update-client", update(grants.clone()))
            .await;
        assert_code(&res, 400, "INVALID_CLIENT_METADATA");
    }
    assert_eq!(
        client_updates(&mut admin, &id).await,
        0,
        "a refused change is not recorded"
    );
    let stored = admin
        .get(&format!("/api/auth/oauth2/get-client?client_id={id}"))
        .await
        .json();
    assert_eq!(
        stored["grant_types"],
        json!(["authorization_code", "refresh_token", "client_credentials"]),
        "unchanged"
    );

    // Client credentials taken away: the next request for it is refused.
    let res = admin
        .post(
            "/api/auth/oauth2/update-client",
            update(json!(["authorization_code", "refresh_token"])),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        res.json()["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(res.json()["client_name"], "Service", "the rest kept");
    assert_oauth_error(&acts_for_itself().await, 400, "unauthorized_client");
    assert_eq!(client_updates(&mut admin, &id).await, 1);

    // Given back, with the device grant: it works again.
    let res = admin
        .post(
            "/api/auth/oauth2/update-client",
            update(json!(["client_credentials", DEVICE])),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        res.json()["grant_types"],
        json!(["client_credentials", DEVICE])
    );
    let res = acts_for_itself().await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(client_updates(&mut admin, &id).await, 2);

    // A public client cannot act for itself, at registration as after it.
    let public = client(
        &mut admin,
        json!({"client_name": "App", "redirect_uris": [APP], "token_endpoint_auth_method": "none"}),
    )
    .await;
    let public_id = public["client_id"].as_str().expect("id").to_owned();
    let res = admin
        .post(
            "/api/auth/oauth2/update-client",
            json!({"client_id": public_id, "update": {"grant_types": ["authorization_code", "client_credentials"]}}),
        )
        .await;
    assert_code(&res, 400, "INVALID_CLIENT_METADATA");
    assert_eq!(
        res.json()["message"],
        "a public client cannot use the client_credentials grant"
    );
    let res = admin
        .post(
            "/api/auth/oauth2/update-client",
            json!({"client_id": public_id, "update": {"grant_types": ["authorization_code"]}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["grant_types"], json!(["authorization_code"]));
    assert_eq!(res.json()["token_endpoint_auth_method"], "none");
}

/// The admin console's "OAuth clients": its section and script only beside the admin plugin,
/// and its list a keyset page at a time, for administrators only, never with a secret.
async fn the_console_lists_clients_a_page_at_a_time(backend: Backend) {
    let srv = server(backend, &[]).await;
    let path = "/api/auth/admin/console/oauth-clients";
    let res = srv.send(Request::get(path)).await;
    assert_eq!(res.status, 401, "signed out: {}", res.describe());
    let mut someone = srv.agent();
    someone.sign_up("Hal", "hal@example.com", PASSWORD).await;
    assert_code(
        &someone.get(path).await,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS",
    );

    let mut admin = administrator(&srv).await;
    let console = admin.get("/admin").await;
    assert_eq!(console.status, 200, "{}", console.describe());
    let html = console.text();
    for part in [
        "href=\"#oauth-clients\"",
        "id=\"oauth-client-form\"",
        "/assets/admin-oauth-clients.js",
    ] {
        assert!(html.contains(part), "the console has {part}");
    }
    let script = srv
        .send(Request::get("/assets/admin-oauth-clients.js"))
        .await;
    assert_eq!(script.status, 200);

    let empty = admin.get(path).await;
    assert_eq!(empty.status, 200, "{}", empty.describe());
    assert_eq!(empty.json(), json!({"clients": [], "nextCursor": null}));
    let mut made = Vec::new();
    for name in ["One", "Two", "Three"] {
        let c = client(
            &mut admin,
            json!({"client_name": name, "redirect_uris": [APP]}),
        )
        .await;
        made.push(c["client_id"].as_str().expect("client_id").to_owned());
    }
    let ids = |page: &Value| -> Vec<String> {
        page["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .map(|c| c["client_id"].as_str().expect("client_id").to_owned())
            .collect()
    };
    let first = admin.get(&format!("{path}?limit=2")).await;
    assert_eq!(first.status, 200, "{}", first.describe());
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let first = first.json();
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 2);
    assert_eq!(first["nextCursor"], json!(first_ids[1]));
    for c in first["clients"].as_array().expect("clients") {
        assert!(c.get("client_secret").is_none(), "never a secret: {c}");
        assert_eq!(c["token_endpoint_auth_method"], "client_secret_basic");
        assert_eq!(c["redirect_uris"], json!([APP]));
        assert_eq!(c["disabled"], false);
        assert!(c["client_id_issued_at"].is_i64(), "{c}");
    }
    let second = admin
        .get(&format!("{path}?limit=2&cursor={}", first_ids[1]))
        .await;
    assert_eq!(second.status, 200, "{}", second.describe());
    let second = second.json();
    assert_eq!(second["nextCursor"], Value::Null);
    let mut seen = [first_ids, ids(&second)].concat();
    seen.sort();
    made.sort();
    assert_eq!(seen, made, "every client once, across the pages");

    // What the console's edit sends (the admin API) shows in its list.
    let res = admin
        .post(
            "/api/auth/oauth2/update-client",
            json!({"client_id": made[0], "update": {"client_name": "Renamed", "disabled": true, "scope": null}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let listed = admin.get(path).await.json();
    let renamed = listed["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["client_id"] == made[0].as_str())
        .expect("still listed")
        .clone();
    assert_eq!(renamed["client_name"], "Renamed");
    assert_eq!(renamed["disabled"], true);

    for query in ["limit=0", "limit=101", "limit=two", "cursor=%00x"] {
        let res = admin.get(&format!("{path}?{query}")).await;
        assert_code(&res, 400, "VALIDATION_ERROR");
    }

    // Without the admin plugin: neither the section's script nor its list.
    let plain = TestServer::builder(backend)
        .env("ENABLE_JWT", "true")
        .env("ENABLE_OIDC_PROVIDER", "true")
        .start()
        .await;
    let script = plain
        .send(Request::get("/assets/admin-oauth-clients.js"))
        .await;
    assert_eq!(script.status, 404, "{}", script.describe());
    let res = plain.send(Request::get(path)).await;
    assert_eq!(res.status, 404, "{}", res.describe());
}

async fn discovery_and_dynamic_registration(backend: Backend) {
    let srv = server(backend, &[]).await;
    let issuer = format!("{}/api/auth", srv.base);
    for path in [
        "/api/auth/.well-known/openid-configuration".to_owned(),
        "/.well-known/openid-configuration".to_owned(),
        "/.well-known/oauth-authorization-server/api/auth".to_owned(),
        "/api/auth/.well-known/oauth-authorization-server".to_owned(),
    ] {
        let res = srv.send(Request::get(&path)).await;
        assert_eq!(res.status, 200, "{path}: {}", res.describe());
        let doc = res.json();
        assert_eq!(doc["issuer"], issuer);
        assert_eq!(doc["token_endpoint"], format!("{issuer}/oauth2/token"));
        assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(doc["response_types_supported"], json!(["code"]));
        assert!(doc.get("registration_endpoint").is_none(), "off by default");
    }
    let res = srv
        .send(Request::post("/api/auth/oauth2/register").json(&json!({"redirect_uris": [APP]})))
        .await;
    assert_eq!(res.status, 404);

    let open = server(backend, &[("OIDC_DYNAMIC_REGISTRATION", "true")]).await;
    let doc = open
        .send(Request::get("/api/auth/.well-known/openid-configuration"))
        .await
        .json();
    assert_eq!(
        doc["registration_endpoint"],
        format!("{}/api/auth/oauth2/register", open.base)
    );
    let res = open
        .send(
            Request::post("/api/auth/oauth2/register")
                .json(&json!({"redirect_uris": [APP], "client_name": "Self-made"})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.describe());
    assert!(res.json()["client_secret"].is_string() && res.json()["client_id"].is_string());
    let res = open
        .send(
            Request::post("/api/auth/oauth2/register")
                .json(&json!({"redirect_uris": [APP], "skip_consent": true})),
        )
        .await;
    assert_oauth_error(&res, 400, "invalid_client_metadata");
    let res = open
        .send(
            Request::post("/api/auth/oauth2/register")
                .json(&json!({"redirect_uris": ["http://example.com/cb"]})),
        )
        .await;
    assert_oauth_error(&res, 400, "invalid_redirect_uri");
}

/// What the OpenID conformance suite's Basic OP plan also asks: parameters the provider does
/// not act on are ignored (`display`, `ui_locales`, `claims_locales`, `acr_values`, an unknown
/// one), a request without `nonce` works, the authorization request may be a POST, and userinfo
/// takes the token by header (GET and POST) or in a POST body.
async fn optional_parameters_post_requests_and_userinfo_transports(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let mut user = srv.agent();
    user.sign_up("Ivy Ng", "ivy@example.com", PASSWORD).await;
    let (verifier, challenge) = pkce("optional");
    code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;

    let extra = [
        ("display", "popup"),
        ("ui_locales", "de"),
        ("claims_locales", "de"),
        ("acr_values", "1 2"),
        ("login_hint", "ivy@example.com"),
        ("made_up", "x"),
        ("nonce", ""),
    ];
    let to = location(&user.get(&authorize_path(&id, &challenge, &extra)).await);
    assert!(
        to.starts_with(APP) && query_of(&to).contains_key("code"),
        "{to}"
    );
    let tokens = exchange(&srv, &id, &secret, &query_of(&to)["code"], &verifier).await;
    let claims = verify_id_token(&srv, tokens["id_token"].as_str().expect("id_token"), &id).await;
    assert!(
        claims.get("nonce").is_none(),
        "no nonce asked, none given: {claims}"
    );

    // The same request as a form POST.
    let pairs = [
        ("response_type", "code"),
        ("client_id", id.as_str()),
        ("redirect_uri", APP),
        ("scope", "openid email"),
        ("state", "st-123"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let res = user
        .send(Request::post("/api/auth/oauth2/authorize").form(&pairs))
        .await;
    let to = location(&res);
    assert!(
        to.starts_with(APP) && query_of(&to).contains_key("code"),
        "{to}"
    );
    let access =
        exchange(&srv, &id, &secret, &query_of(&to)["code"], &verifier).await["access_token"]
            .as_str()
            .expect("access")
            .to_owned();

    let by_header = srv
        .send(Request::post("/api/auth/oauth2/userinfo").bearer(&access))
        .await;
    assert_eq!(by_header.status, 200, "{}", by_header.describe());
    assert_eq!(by_header.json()["email"], "ivy@example.com");
    assert!(
        by_header.json().get("name").is_none(),
        "no profile scope, no name"
    );
    let by_body = srv
        .send(Request::post("/api/auth/oauth2/userinfo").form(&[("access_token", &access)]))
        .await;
    assert_eq!(by_body.status, 200, "{}", by_body.describe());
    let both = srv
        .send(
            Request::post("/api/auth/oauth2/userinfo")
                .bearer(&access)
                .form(&[("access_token", &access)]),
        )
        .await;
    assert_oauth_error(&both, 400, "invalid_request");
}

/// 120 token requests a minute from one address, then 429 (the limiter is the same on every
/// backend; one is enough).
async fn the_token_endpoint_is_rate_limited(backend: Backend) {
    let srv = server(backend, &[("RATE_LIMIT_ENABLED", "true")]).await;
    let ask = || {
        token(
            &srv,
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
            ],
        )
    };
    for i in 0..120 {
        let res = ask().await;
        assert_eq!(res.status, 400, "request {i}: {}", res.describe());
        assert_eq!(res.header("ratelimit-limit"), Some("120"));
    }
    // The window is counted by the wall clock, so the 121st may fall in a new one: the limit
    // must bite within one more window's worth.
    let mut refused = None;
    for i in 120..241 {
        if ask().await.status == 429 {
            refused = Some(i);
            break;
        }
    }
    assert!(
        refused.is_some(),
        "no 429 within two windows' worth of requests"
    );
}

/// RFC 8628 at `/oauth2/token`: the device plugin's answers while the user has not decided,
/// polling too fast, then OAuth tokens (with an ID token) for the user who allowed the device,
/// once; a code of another client is refused, and without the device plugin the grant is not
/// offered.
async fn the_device_grant_gives_oauth_tokens(backend: Backend) {
    let srv = server(backend, &[("ENABLE_DEVICE_AUTHORIZATION", "true")]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let (other, other_secret) = web_client(&mut admin).await;
    let doc = srv
        .send(Request::get("/api/auth/.well-known/openid-configuration"))
        .await
        .json();
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{}/api/auth/device/code", srv.base)
    );
    assert!(
        doc["grant_types_supported"]
            .as_array()
            .is_some_and(|g| g.contains(&json!("urn:ietf:params:oauth:grant-type:device_code")))
    );

    let res = srv
        .send(
            Request::post("/api/auth/device/code")
                .form(&[("client_id", id.as_str()), ("scope", "openid email")]),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let device_code = res.json()["device_code"]
        .as_str()
        .expect("device_code")
        .to_owned();
    let user_code = res.json()["user_code"]
        .as_str()
        .expect("user_code")
        .to_owned();
    let poll = |client: (&str, &str)| {
        let (cid, csecret) = (client.0.to_owned(), client.1.to_owned());
        let code = device_code.clone();
        let srv = &srv;
        async move {
            token(
                srv,
                Some((&cid, &csecret)),
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", &code),
                ],
            )
            .await
        }
    };
    assert_oauth_error(&poll((&id, &secret)).await, 400, "authorization_pending");
    assert_oauth_error(&poll((&id, &secret)).await, 400, "slow_down");

    let mut user = srv.agent();
    let (_, user_id) = user.sign_up("Jo Device", "jo@example.com", PASSWORD).await;
    let res = user
        .get(&format!("/api/auth/device?user_code={user_code}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = user
        .post("/api/auth/device/approve", json!({"userCode": user_code}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());

    srv.clock.advance(Duration::seconds(11));
    assert_oauth_error(&poll((&other, &other_secret)).await, 400, "invalid_grant");
    srv.clock.advance(Duration::seconds(11));
    let res = poll((&id, &secret)).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let tokens = res.json();
    assert_eq!(tokens["scope"], "openid email");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access asked"
    );
    let claims = verify_id_token(&srv, tokens["id_token"].as_str().expect("id_token"), &id).await;
    assert_eq!(claims["sub"], user_id);
    let info = srv
        .send(
            Request::get("/api/auth/oauth2/userinfo")
                .bearer(tokens["access_token"].as_str().expect("access")),
        )
        .await;
    assert_eq!(info.json()["email"], "jo@example.com");
    srv.clock.advance(Duration::seconds(11));
    assert_oauth_error(&poll((&id, &secret)).await, 400, "invalid_grant");

    let plain = server(backend, &[]).await;
    let mut admin = administrator(&plain).await;
    let (id, secret) = web_client(&mut admin).await;
    let res = token(
        &plain,
        Some((&id, &secret)),
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", "x"),
        ],
    )
    .await;
    assert_oauth_error(&res, 400, "unsupported_grant_type");
}

/// An administrator's ban stops the user's tokens at once: userinfo refuses them,
/// introspection calls them inactive, and a refresh is refused.
async fn a_banned_users_tokens_stop_working(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let mut user = srv.agent();
    let (_, user_id) = user
        .sign_up("Kit Banned", "kit@example.com", PASSWORD)
        .await;
    let (verifier, challenge) = pkce("banned");
    let code = code_for(&mut user, &authorize_path(&id, &challenge, &[])).await;
    let tokens = exchange(&srv, &id, &secret, &code, &verifier).await;
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    let res = admin
        .post("/api/auth/admin/ban-user", json!({"userId": user_id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let info = srv
        .send(Request::get("/api/auth/oauth2/userinfo").bearer(&access))
        .await;
    assert_oauth_error(&info, 401, "invalid_token");
    let res = srv
        .send(
            Request::post("/api/auth/oauth2/introspect")
                .form(&[("token", &access)])
                .header("authorization", &basic(&id, &secret)),
        )
        .await;
    assert_eq!(res.json(), json!({"active": false}));
    let res = token(
        &srv,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_oauth_error(&res, 400, "invalid_grant");
}

/// Tokens a relying party got through one sign-in of the user.
struct RpTokens {
    access: String,
    refresh: String,
}

async fn rp_tokens(srv: &TestServer, user: &mut Agent<'_>, id: &str, secret: &str) -> RpTokens {
    let (verifier, challenge) = pkce(&portcullis_core::crypto::token::generate_id(12));
    let code = code_for(user, &authorize_path(id, &challenge, &[])).await;
    let tokens = exchange(srv, id, secret, &code, &verifier).await;
    RpTokens {
        access: tokens["access_token"].as_str().expect("access").to_owned(),
        refresh: tokens["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    }
}

/// Whether introspection calls the access token active.
async fn active(srv: &TestServer, id: &str, secret: &str, t: &RpTokens) -> bool {
    let res = srv
        .send(
            Request::post("/api/auth/oauth2/introspect")
                .form(&[("token", &t.access)])
                .header("authorization", &basic(id, secret)),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()["active"] == true
}

/// Asserts that neither of the tokens works: introspection says inactive and the refresh grant
/// answers `invalid_grant`.
async fn assert_ended(srv: &TestServer, id: &str, secret: &str, t: &RpTokens, after: &str) {
    assert!(
        !active(srv, id, secret, t).await,
        "access alive after {after}"
    );
    let res = token(
        srv,
        Some((id, secret)),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t.refresh),
        ],
    )
    .await;
    assert_eq!(res.status, 400, "refresh after {after}: {}", res.describe());
    assert_eq!(res.json()["error"], "invalid_grant", "{}", res.describe());
}

/// ASVS V3.3.1, V3.3.3: when the user's session ends, so do the tokens relying parties got
/// through it. A sign-out ends those of that session; a password change that ends the other
/// sessions ends theirs (and, as Better Auth replaces the caller's session too, its own); a
/// password reset ends every token of the user, and no one else's; a session that expires takes
/// its tokens with it. With `OIDC_TOKENS_OUTLIVE_SESSIONS=true` a sign-out leaves them, as
/// Better Auth does.
async fn a_relying_partys_tokens_end_with_the_session(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let email = "rita@example.com";
    // Someone else's tokens, which nothing here may touch.
    let mut sam = srv.agent();
    sam.sign_up("Sam", "sam@example.com", PASSWORD).await;
    let sams = rp_tokens(&srv, &mut sam, &id, &secret).await;
    let mut laptop = srv.agent();
    laptop.sign_up("Rita", email, PASSWORD).await;
    let on_laptop = rp_tokens(&srv, &mut laptop, &id, &secret).await;
    assert!(active(&srv, &id, &secret, &on_laptop).await);
    laptop.sign_out().await;
    assert_ended(&srv, &id, &secret, &on_laptop, "sign-out").await;

    // Two devices; the phone's password change ends the tablet's session and its tokens.
    let mut phone = srv.agent();
    phone.sign_in(email, PASSWORD).await;
    let mut tablet = srv.agent();
    tablet.sign_in(email, PASSWORD).await;
    let on_phone = rp_tokens(&srv, &mut phone, &id, &secret).await;
    let on_tablet = rp_tokens(&srv, &mut tablet, &id, &secret).await;
    let new_password = "oidc-password-456";
    let res = phone
        .post(
            "/api/auth/change-password",
            json!({"currentPassword": PASSWORD, "newPassword": new_password, "revokeOtherSessions": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_ended(&srv, &id, &secret, &on_tablet, "change-password").await;
    // As Better Auth, `revokeOtherSessions` ends every session and gives the caller a new
    // one: the tokens of the caller's old session end too, and the new one gets its own.
    assert_ended(&srv, &id, &secret, &on_phone, "change-password").await;
    let on_phone = rp_tokens(&srv, &mut phone, &id, &secret).await;
    assert!(active(&srv, &id, &secret, &on_phone).await);

    // A reset ends every session, and every token of the user with them.
    let res = srv
        .post("/request-password-reset", json!({"email": email}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link(email, "password-reset").await;
    let res = srv.send(Request::get(&srv.local_path(&link))).await;
    let reset_token = query_of(&location(&res))["token"].clone();
    let res = srv
        .post(
            "/reset-password",
            json!({"newPassword": "oidc-password-789", "token": reset_token}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_ended(&srv, &id, &secret, &on_phone, "reset-password").await;
    assert!(
        active(&srv, &id, &secret, &sams).await,
        "another user's stay"
    );

    // A session that expires, never ended: its tokens end with it, at their next use. Sam's
    // session lives seven days from its last extension; a refresh just before works, and the
    // tokens are refused (the refresh grant too) just after.
    srv.clock.advance(Duration::days(7) - Duration::minutes(30));
    let res = token(
        &srv,
        Some((&id, &secret)),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &sams.refresh),
        ],
    )
    .await;
    assert_eq!(
        res.status,
        200,
        "still within the session: {}",
        res.describe()
    );
    let sams = RpTokens {
        access: res.json()["access_token"]
            .as_str()
            .expect("access")
            .to_owned(),
        refresh: res.json()["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    };
    assert!(active(&srv, &id, &secret, &sams).await);
    srv.clock.advance(Duration::minutes(31));
    assert_ended(&srv, &id, &secret, &sams, "the session's expiry").await;

    // Better Auth's behaviour, when asked for.
    let srv = server(backend, &[("OIDC_TOKENS_OUTLIVE_SESSIONS", "true")]).await;
    let mut admin = administrator(&srv).await;
    let (id, secret) = web_client(&mut admin).await;
    let mut user = srv.agent();
    user.sign_up("Rita", email, PASSWORD).await;
    let kept = rp_tokens(&srv, &mut user, &id, &secret).await;
    user.sign_out().await;
    assert!(
        active(&srv, &id, &secret, &kept).await,
        "outlives the session"
    );
}

/// RFC 7523 client authentication: a client registers its public key and signs a short JWT
/// for each request; it has no secret. The assertion must name this server, be signed by the
/// registered key, and be used once.
async fn private_key_jwt_clients_sign_their_own_assertions(backend: Backend) {
    use portcullis_plugins::jwt::{KeyAlgorithm, keys};
    let srv = server(
        backend,
        &[(
            "OIDC_SCOPES",
            "openid profile email offline_access reports:read",
        )],
    )
    .await;
    let mut admin = administrator(&srv).await;
    let key = keys::generate(KeyAlgorithm::EdDsa).expect("a key");
    let mut public = key.public_jwk.clone();
    public.insert("kid".into(), json!("k1"));
    let res = admin
        .post(
            "/api/auth/oauth2/create-client",
            json!({"client_name": "Signer", "redirect_uris": [APP], "token_endpoint_auth_method": "private_key_jwt"}),
        )
        .await;
    assert_code(&res, 400, "INVALID_CLIENT_METADATA");
    let made = client(
        &mut admin,
        json!({
            "client_name": "Signer", "redirect_uris": [APP], "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [public]}, "grant_types": ["client_credentials"], "scope": "reports:read",
        }),
    )
    .await;
    assert!(made.get("client_secret").is_none(), "no secret: {made}");
    let id = made["client_id"].as_str().expect("client_id").to_owned();
    let signing = keys::encoding_key(KeyAlgorithm::EdDsa, &key.private_jwk).expect("signing key");
    let assertion = |aud: &str, jti: &str| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("k1".into());
        let now = chrono::Utc::now().timestamp() + srv.clock.offset().num_seconds();
        let claims =
            json!({"iss": id, "sub": id, "aud": aud, "jti": jti, "iat": now, "exp": now + 60});
        jsonwebtoken::encode(&header, &claims, &signing).expect("sign")
    };
    let endpoint = format!("{}/api/auth/oauth2/token", srv.base);
    let with = |jwt: String| {
        let srv = &srv;
        async move {
            token(
                srv,
                None,
                &[
                    ("grant_type", "client_credentials"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &jwt),
                ],
            )
            .await
        }
    };
    let first = assertion(&endpoint, "jti-1");
    let res = with(first.clone()).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["scope"], "reports:read");
    assert_oauth_error(&with(first).await, 400, "invalid_client");
    assert_oauth_error(
        &with(assertion("https://elsewhere.example.com/token", "jti-2")).await,
        400,
        "invalid_client",
    );
    let other_key = keys::generate(KeyAlgorithm::EdDsa).expect("a key");
    let forged = {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("k1".into());
        let now = chrono::Utc::now().timestamp();
        let claims =
            json!({"iss": id, "sub": id, "aud": endpoint, "jti": "jti-3", "exp": now + 60});
        jsonwebtoken::encode(
            &header,
            &claims,
            &keys::encoding_key(KeyAlgorithm::EdDsa, &other_key.private_jwk).expect("key"),
        )
        .expect("sign")
    };
    assert_oauth_error(&with(forged).await, 400, "invalid_client");
    let with_secret = token(
        &srv,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", "guess"),
        ],
    )
    .await;
    assert_oauth_error(&with_secret, 400, "invalid_client");
    let doc = srv
        .send(Request::get("/api/auth/.well-known/openid-configuration"))
        .await
        .json();
    assert!(
        doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("private_key_jwt")))
    );
}
