//! The jwt plugin on each backend: `/token` and `set-auth-jwt` tokens verify against `/jwks`
//! for every algorithm, with Better Auth's header and claims; keys are encrypted at rest;
//! rotation (scheduled and on demand) keeps old tokens verifiable through the grace period and
//! no longer; a key Better Auth stored keeps signing; the claims and header are configurable.

use chrono::Duration;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{DecodingKey, Validation};
use portcullis_core::crypto::symmetric;
use portcullis_plugins::jwt::{Jwt, KeyAlgorithm, keys};
use portcullis_storage::{Query, Row, Value as Stored};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "jwt-password-123";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("tokens_verify_against_the_key_set", |b| {
            Box::pin(tokens_verify_against_the_key_set(b))
        })
        .per_backend("every_algorithm_signs_what_its_key_verifies", |b| {
            Box::pin(every_algorithm_signs_what_its_key_verifies(b))
        })
        .per_backend("private_keys_are_encrypted_at_rest", |b| {
            Box::pin(private_keys_are_encrypted_at_rest(b))
        })
        .per_backend(
            "rotation_keeps_old_tokens_verifiable_for_the_grace_period",
            |b| Box::pin(rotation_keeps_old_tokens_verifiable_for_the_grace_period(b)),
        )
        .per_backend("a_key_better_auth_stored_keeps_signing", |b| {
            Box::pin(a_key_better_auth_stored_keeps_signing(b))
        })
        .per_backend(
            "a_get_session_an_api_key_answers_carries_its_owners_jwt",
            |b| Box::pin(a_get_session_an_api_key_answers_carries_its_owners_jwt(b)),
        )
        .per_backend("a_token_signed_moments_ago_is_handed_out_again", |b| {
            Box::pin(a_token_signed_moments_ago_is_handed_out_again(b))
        })
        .per_backend("claims_issuer_audience_and_header_are_settings", |b| {
            Box::pin(claims_issuer_audience_and_header_are_settings(b))
        })
        .run()
}

/// A JSON object's member names, in order (`keys` sorts them).
fn members(v: &Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

async fn server(backend: Backend, extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .env("ENABLE_JWT", "true")
        .envs(extra.iter().copied())
        .start()
        .await
}

async fn key_set(srv: &TestServer) -> JwkSet {
    let res = srv.send(Request::get("/api/auth/jwks")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    serde_json::from_value(res.json()).expect("a JWK set")
}

/// What a verifier does: find the token's `kid` in the key set, check signature, `exp`,
/// `iss` and `aud`. `None` when the key set has no such key.
#[track_caller]
fn verify(set: &JwkSet, token: &str, srv: &TestServer) -> Option<Value> {
    let header = jsonwebtoken::decode_header(token).expect("a JWT header");
    let jwk: &Jwk = set.find(header.kid.as_deref()?)?;
    let key = DecodingKey::from_jwk(jwk).expect("a usable key");
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[&srv.base]);
    v.set_audience(&[&srv.base]);
    Some(
        jsonwebtoken::decode::<Value>(token, &key, &v)
            .unwrap_or_else(|e| panic!("{token} does not verify: {e}"))
            .claims,
    )
}

async fn token(agent: &mut Agent<'_>) -> String {
    let res = agent.get("/api/auth/token").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(keys(&res.json()), ["token"]);
    res.json()["token"].as_str().expect("token").to_owned()
}

/// The JSON of a JWT's header (its exact members).
fn header_json(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url header");
    serde_json::from_slice(&bytes).expect("JSON header")
}

async fn tokens_verify_against_the_key_set(backend: Backend) {
    let srv = server(backend, &[]).await;
    let unauthenticated = srv.send(Request::get("/api/auth/token")).await;
    assert_unauthorized(&unauthenticated);

    let mut agent = srv.agent();
    let (_, user_id) = agent.sign_up("Jay", "jay@example.com", PASSWORD).await;
    let token = token(&mut agent).await;
    let header = header_json(&token);
    assert_eq!(
        members(&header),
        ["alg", "kid"],
        "Better Auth's header: {header}"
    );
    assert_eq!(header["alg"], "EdDSA");

    let set = key_set(&srv).await;
    assert_eq!(set.keys.len(), 1);
    let claims = verify(&set, &token, &srv).expect("its key is published");
    let session = agent.get_session().await.expect("session");
    // Better Auth's payload: iat, the user as get-session shows it, sub, exp, iss, aud.
    let mut expected = vec!["iat".to_owned()];
    expected.extend(members(&session["user"]));
    expected.extend(["sub", "exp", "iss", "aud"].map(str::to_owned));
    assert_eq!(members(&claims), expected);
    for (k, v) in session["user"].as_object().expect("user") {
        assert_eq!(&claims[k], v, "claim {k}");
    }
    assert_eq!(claims["sub"], user_id.as_str());
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 900));
    assert!(
        (iat - srv.app.ctx.now().timestamp()).abs() <= 1,
        "iat is the server's now"
    );

    // get-session carries a token too, readable by a browser client.
    let res = agent.get("/api/auth/get-session").await;
    let from_header = res.header("set-auth-jwt").expect("set-auth-jwt").to_owned();
    assert!(
        res.header("access-control-expose-headers")
            .is_some_and(|h| h.split(',').any(|n| n.trim() == "set-auth-jwt")),
        "{}",
        res.describe()
    );
    assert_eq!(
        verify(&set, &from_header, &srv).expect("verifies")["sub"],
        user_id.as_str()
    );
    // No session, no token.
    let anonymous = srv.send(Request::get("/api/auth/get-session")).await;
    assert_eq!(anonymous.header("set-auth-jwt"), None);

    // A tampered payload fails the signature.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = {
        use base64::Engine;
        let mut c = claims.clone();
        c["email"] = json!("admin@example.com");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c.to_string())
    };
    let tampered = parts.join(".");
    let header = jsonwebtoken::decode_header(&tampered).expect("header");
    let key = DecodingKey::from_jwk(set.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
    let mut v = Validation::new(header.alg);
    v.set_audience(&[&srv.base]);
    assert!(jsonwebtoken::decode::<Value>(&tampered, &key, &v).is_err());

    let doc = openapi_document(&srv).await;
    assert_matches_openapi(
        &doc,
        "GET",
        "/jwks",
        200,
        &serde_json::to_value(&set).unwrap(),
    );
    assert_matches_openapi(&doc, "GET", "/token", 200, &json!({ "token": token }));
}

/// `JWT_REUSE_WINDOW`: within it, the same claims get the same token (same `iat`) instead of a
/// new signature; changed claims, an expired window or a window of 0 sign anew.
async fn a_token_signed_moments_ago_is_handed_out_again(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut agent = srv.agent();
    agent.sign_up("Reuse", "reuse@example.com", PASSWORD).await;
    let first = token(&mut agent).await;
    let set = key_set(&srv).await;
    let iat = |t: &str, srv: &TestServer| {
        verify(&set, t, srv).expect("verifies")["iat"]
            .as_i64()
            .expect("iat")
    };
    srv.clock.advance(Duration::seconds(10));
    assert_eq!(token(&mut agent).await, first, "reused within the window");
    let res = agent.get("/api/auth/get-session").await;
    assert_eq!(res.header("set-auth-jwt"), Some(first.as_str()));

    // Changed claims miss at once, and carry the change.
    let res = agent
        .post("/api/auth/update-user", json!({ "name": "Renamed" }))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let renamed = token(&mut agent).await;
    assert_ne!(renamed, first);
    assert_eq!(verify(&set, &renamed, &srv).unwrap()["name"], "Renamed");
    assert!(iat(&renamed, &srv) > iat(&first, &srv));

    // Past the window (30 s by default), a new signature.
    srv.clock.advance(Duration::seconds(31));
    let later = token(&mut agent).await;
    assert_ne!(later, renamed);
    assert_eq!(iat(&later, &srv), iat(&renamed, &srv) + 31);

    // A window of 0 signs every time (Ed25519 is deterministic: only `iat` tells them apart).
    let srv = server(backend, &[("JWT_REUSE_WINDOW", "0")]).await;
    let mut agent = srv.agent();
    agent.sign_up("Fresh", "fresh@example.com", PASSWORD).await;
    let first = token(&mut agent).await;
    srv.clock.advance(Duration::seconds(10));
    let second = token(&mut agent).await;
    let set = key_set(&srv).await;
    let iat = |t: &str| verify(&set, t, &srv).expect("verifies")["iat"].as_i64();
    assert_eq!(iat(&second), iat(&first).map(|i| i + 10));
}

async fn every_algorithm_signs_what_its_key_verifies(backend: Backend) {
    for alg in KeyAlgorithm::ALL {
        let srv = server(backend, &[("JWT_ALGORITHM", alg.name())]).await;
        let mut agent = srv.agent();
        agent.sign_up("Al", "al@example.com", PASSWORD).await;
        let token = token(&mut agent).await;
        assert_eq!(header_json(&token)["alg"], alg.name());
        let set = key_set(&srv).await;
        let published = serde_json::to_value(&set).unwrap();
        let key = &published["keys"][0];
        assert_eq!(key["alg"], alg.name());
        let expected_members: &[&str] = match alg {
            KeyAlgorithm::EdDsa => &["alg", "crv", "x", "kty", "kid"],
            KeyAlgorithm::Es256 => &["alg", "crv", "kty", "x", "y", "kid"],
            KeyAlgorithm::Rs256 | KeyAlgorithm::Ps256 => &["alg", "kty", "n", "e", "kid"],
        };
        let mut members = keys(key);
        members.sort();
        let mut expected: Vec<String> = expected_members.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(members, expected, "{alg:?}: {key}");
        assert!(key.get("d").is_none(), "no private part is ever published");
        verify(&set, &token, &srv).expect("verifies");
    }
}

async fn rows(srv: &TestServer) -> Vec<Row> {
    srv.adapter()
        .find_many("jwks", &Query::default())
        .await
        .expect("jwks rows")
}

fn text<'r>(row: &'r Row, name: &str) -> &'r str {
    row.get(name).and_then(Stored::as_str).unwrap_or_default()
}

async fn private_keys_are_encrypted_at_rest(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut agent = srv.agent();
    agent.sign_up("Enc", "enc@example.com", PASSWORD).await;
    token(&mut agent).await;
    let rows = rows(&srv).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(text(row, "alg"), "EdDSA");
    assert_eq!(text(row, "crv"), "Ed25519");
    let public: Value = serde_json::from_str(text(row, "publicKey")).expect("public JWK");
    assert_eq!(members(&public), ["crv", "x", "kty"]);
    // Stored as Better Auth stores it: a JSON string of hex, the JWK encrypted.
    let stored: String = serde_json::from_str(text(row, "privateKey")).expect("a JSON string");
    assert!(stored.chars().all(|c| c.is_ascii_hexdigit()), "{stored}");
    let private: Value = serde_json::from_str(
        &symmetric::open(srv.app.ctx.sealing_keys(), &stored).expect("decrypts"),
    )
    .expect("a JWK");
    assert_eq!(private["x"], public["x"]);
    assert!(private["d"].as_str().is_some_and(|d| d.len() == 43));
    assert!(!text(row, "privateKey").contains(private["d"].as_str().unwrap()));
}

fn jwt_plugin(srv: &TestServer) -> &Jwt {
    srv.app.ctx.plugin::<Jwt>().expect("the jwt plugin is on")
}

async fn rotation_keeps_old_tokens_verifiable_for_the_grace_period(backend: Backend) {
    let srv = server(
        backend,
        &[
            ("JWT_ROTATION_INTERVAL", "3600"),
            ("JWT_KEY_GRACE_PERIOD", "1200"),
        ],
    )
    .await;
    let mut agent = srv.agent();
    agent.sign_up("Rot", "rot@example.com", PASSWORD).await;
    let first = token(&mut agent).await;
    let first_kid = header_json(&first)["kid"].as_str().unwrap().to_owned();

    // Within the interval the same key signs.
    srv.clock.advance(Duration::seconds(3500));
    assert_eq!(
        header_json(&token(&mut agent).await)["kid"],
        first_kid.as_str()
    );

    // Past it, a new key signs, and the old one is still published: both tokens verify.
    srv.clock.advance(Duration::seconds(101));
    let second = token(&mut agent).await;
    let second_kid = header_json(&second)["kid"].as_str().unwrap().to_owned();
    assert_ne!(second_kid, first_kid);
    let set = key_set(&srv).await;
    assert_eq!(set.keys.len(), 2);
    verify(&set, &first, &srv).expect("the retired key is still published");
    verify(&set, &second, &srv).expect("the new key is published");

    // On demand (`portcullis jwks rotate`): a third key at once.
    let third_kid = jwt_plugin(&srv)
        .rotate(&srv.app.ctx)
        .await
        .expect("rotates");
    let third = token(&mut agent).await;
    assert_eq!(header_json(&third)["kid"], third_kid.as_str());
    assert_eq!(key_set(&srv).await.keys.len(), 3);

    // After the grace period the first key is gone from the key set, so its tokens fail;
    // the second (retired just now) is still there.
    srv.clock.advance(Duration::seconds(1199));
    let set = key_set(&srv).await;
    assert!(
        verify(&set, &first, &srv).is_none(),
        "retired past its grace period"
    );
    verify(&set, &second, &srv).expect("within its grace period");
    // The rows themselves are deleted by the job; the key set never shows them meanwhile.
    assert_eq!(rows(&srv).await.len(), 3);
    portcullis_plugins::jwt::key_ring::delete_expired(&srv.app.ctx, jwt_plugin(&srv).settings())
        .await
        .expect("deletes");
    assert_eq!(rows(&srv).await.len(), 2);
}

async fn a_key_better_auth_stored_keeps_signing(backend: Backend) {
    let srv = server(backend, &[("JWT_ROTATION_INTERVAL", "0")]).await;
    // A row as Better Auth 1.7 writes it before the `alg` column: EdDSA by default, the
    // private JWK encrypted with the shared secret.
    let generated = keys::generate(KeyAlgorithm::EdDsa).expect("key");
    let mut row = Row::new();
    row.insert("id".into(), "ba-key-1".into());
    row.insert(
        "publicKey".into(),
        Value::Object(generated.public_jwk.clone())
            .to_string()
            .into(),
    );
    row.insert(
        "privateKey".into(),
        keys::seal_private(srv.app.ctx.sealing_keys(), &generated.private_jwk).into(),
    );
    row.insert("createdAt".into(), srv.app.ctx.now().into());
    row.insert("expiresAt".into(), Stored::Null);
    row.insert("alg".into(), Stored::Null);
    row.insert("crv".into(), Stored::Null);
    srv.adapter().create("jwks", row).await.expect("inserts");

    let mut agent = srv.agent();
    agent.sign_up("Ba", "ba@example.com", PASSWORD).await;
    let token = token(&mut agent).await;
    assert_eq!(header_json(&token)["kid"], "ba-key-1");
    let set = key_set(&srv).await;
    let published = serde_json::to_value(&set).unwrap();
    assert_eq!(published["keys"][0]["alg"], "EdDSA");
    assert_eq!(published["keys"][0]["crv"], "Ed25519");
    verify(&set, &token, &srv).expect("verifies");
    assert_eq!(rows(&srv).await.len(), 1, "no new key was needed");
}

async fn claims_issuer_audience_and_header_are_settings(backend: Backend) {
    let srv = server(
        backend,
        &[
            ("JWT_CLAIMS", "email,name"),
            ("JWT_ISSUER", "https://auth.example.com"),
            ("JWT_AUDIENCE", "orders-api"),
            ("JWT_EXPIRATION", "300"),
            ("JWT_SET_HEADER", "false"),
        ],
    )
    .await;
    let mut agent = srv.agent();
    agent.sign_up("Cl", "cl@example.com", PASSWORD).await;
    let token = token(&mut agent).await;
    let set = key_set(&srv).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    let key = DecodingKey::from_jwk(set.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
    let mut v = Validation::new(header.alg);
    v.set_issuer(&["https://auth.example.com"]);
    v.set_audience(&["orders-api"]);
    let claims = jsonwebtoken::decode::<Value>(&token, &key, &v)
        .expect("verifies")
        .claims;
    assert_eq!(
        members(&claims),
        ["iat", "name", "email", "sub", "exp", "iss", "aud"]
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    let res = agent.get("/api/auth/get-session").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("set-auth-jwt"), None);
}

async fn a_get_session_an_api_key_answers_carries_its_owners_jwt(backend: Backend) {
    let srv = server(
        backend,
        &[
            ("ENABLE_API_KEY", "true"),
            ("API_KEY_ENABLE_SESSIONS", "true"),
        ],
    )
    .await;
    let mut agent = srv.agent();
    let (_, user_id) = agent.sign_up("Key", "key@example.com", PASSWORD).await;
    let created = agent
        .post("/api/auth/api-key/create", json!({"name": "jwt"}))
        .await;
    assert_eq!(created.status, 200, "{}", created.describe());
    let key = created.json()["key"].as_str().expect("key").to_owned();
    let res = srv
        .send(Request::get("/api/auth/get-session").header("x-api-key", &key))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let token = res.header("set-auth-jwt").expect("set-auth-jwt").to_owned();
    let claims = verify(&key_set(&srv).await, &token, &srv).expect("verifies");
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["email"], "key@example.com");
}
