//! get-session (cookie, bearer, cookie cache), update-session, list/revoke sessions, sign-out.

use portcullis_core::cookies::encode_uri_component;
use portcullis_core::crypto::sign;
use portcullis_core::crypto::token::hash_token;
use portcullis_storage::Where;
use serde_json::{Value, json};

use portcullis_testkit::prelude::*;

const GET_SESSION: &str = "/api/auth/get-session";

#[track_caller]
fn assert_null_session(res: &Response) {
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.text(), "null", "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
}

#[track_caller]
fn assert_session_of(res: &Response, user_id: &str, token: &str) {
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["user"]["id"], user_id, "{}", res.describe());
    assert_eq!(body["session"]["token"], token, "{}", res.describe());
}

pub async fn get_session_with_cookie(srv: &TestServer) {
    let mut agent = srv.agent();
    let (token, user_id) = agent
        .sign_up("Gus", "gus@example.com", "gus-password-1")
        .await;
    let res = agent.get(GET_SESSION).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("pragma"), Some("no-cache"));
    let body = res.json();
    assert_eq!(keys(&body), ["session", "user"]);
    let session = &body["session"];
    assert_eq!(
        keys(session),
        [
            "createdAt",
            "expiresAt",
            "id",
            "ipAddress",
            "token",
            "updatedAt",
            "userAgent",
            "userId"
        ]
    );
    assert_eq!(
        session["token"],
        token.as_str(),
        "raw token, not the stored hash"
    );
    assert_eq!(session["userId"], user_id.as_str());
    for k in ["createdAt", "expiresAt", "updatedAt"] {
        assert_iso_date(&session[k]);
    }
    assert_eq!(body["user"]["email"], "gus@example.com");
    assert_eq!(body["user"]["emailVerified"], false);

    // The same through the database, bypassing the cookie cache.
    let res = agent
        .get(&format!("{GET_SESSION}?disableCookieCache=true"))
        .await;
    assert_session_of(&res, &user_id, &token);
    // Only the session cookie (no cookie cache): answered from the database.
    let res = srv
        .send(Request::get(GET_SESSION).cookie(&srv.session_cookie_for(&token)))
        .await;
    assert_session_of(&res, &user_id, &token);
    assert!(
        res.set_cookie(SESSION_COOKIE).is_none(),
        "no refresh of a fresh session"
    );
}

pub async fn get_session_without_valid_cookie(srv: &TestServer) {
    let up = srv
        .sign_up("Hal", "hal@example.com", "hal-password-1")
        .await;
    // No cookie at all.
    let res = srv.send(Request::get(GET_SESSION)).await;
    assert_null_session(&res);
    assert_no_set_cookie(&res);

    let signed = srv.signed(&up.token);
    let (value, sig) = signed.split_at(signed.rfind('.').expect("dot"));
    // Tampered token, tampered signature, unsigned token, base64url signature, wrong secret.
    let mut flipped = value.to_owned();
    let last = flipped.pop().expect("char");
    flipped.push(if last == 'a' { 'b' } else { 'a' });
    let urlsafe = format!(
        "{}.{}",
        up.token,
        sign::hmac_base64url(SECRET.as_bytes(), &up.token)
    );
    let bad_values = [
        format!("{flipped}{sig}"),
        format!("{value}.{}", "A".repeat(43) + "="),
        up.token.clone(),
        urlsafe,
        sign::sign(b"some-other-secret-some-other-secret", &up.token),
        format!("{signed}x"),
    ];
    for v in bad_values {
        let res = srv
            .send(
                Request::get(GET_SESSION)
                    .cookie(&format!("{SESSION_COOKIE}={}", encode_uri_component(&v))),
            )
            .await;
        assert_null_session(&res);
        assert_no_set_cookie(&res);
    }

    // Correctly signed, but no such session: null and the three cookies cleared.
    let res = srv
        .send(
            Request::get(GET_SESSION)
                .cookie(&srv.session_cookie_for("Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz")),
        )
        .await;
    assert_null_session(&res);
    assert_clears_session(&res);
    // The real session is untouched by all of this.
    let res = srv
        .send(Request::get(GET_SESSION).cookie(&srv.session_cookie_for(&up.token)))
        .await;
    assert_session_of(&res, &up.user_id, &up.token);
}

pub async fn get_session_with_bearer(srv: &TestServer) {
    let up = srv
        .sign_up("Ida", "ida@example.com", "ida-password-1")
        .await;
    let other = srv.sign_up("Jo", "jo@example.com", "jo-password-1").await;
    assert_eq!(up.bearer, srv.signed(&up.token));
    let ok = [
        format!("Bearer {}", up.bearer),
        format!("Bearer {}", encode_uri_component(&up.bearer)),
        format!("Bearer {}", up.token),
        format!("bearer {}", up.bearer),
        format!("Bearer   {}  ", up.bearer),
    ];
    for auth in ok {
        let res = srv
            .send(Request::get(GET_SESSION).header("authorization", &auth))
            .await;
        assert_session_of(&res, &up.user_id, &up.token);
    }
    // The bearer replaces whatever session cookie is sent.
    let res = srv
        .send(
            Request::get(GET_SESSION)
                .cookie(&srv.session_cookie_for(&other.token))
                .bearer(&up.bearer),
        )
        .await;
    assert_session_of(&res, &up.user_id, &up.token);

    // A dotted token with a bad signature is ignored: unauthenticated, no cookies.
    let (value, _) = up.bearer.split_at(up.bearer.rfind('.').expect("dot"));
    for bad in [
        format!("{value}.{}", "B".repeat(43) + "="),
        format!("{value}.nope"),
        format!(
            "{}.{}",
            other.token,
            &up.bearer[up.bearer.rfind('.').expect("dot") + 1..]
        ),
    ] {
        let res = srv.send(Request::get(GET_SESSION).bearer(&bad)).await;
        assert_null_session(&res);
        assert_no_set_cookie(&res);
    }
    // A token without a dot is signed by the server: unknown → null plus clearing cookies.
    let res = srv.send(Request::get(GET_SESSION).bearer("garbage")).await;
    assert_null_session(&res);
    assert_clears_session(&res);
    // Other schemes are not bearer.
    let res = srv
        .send(Request::get(GET_SESSION).header("authorization", &format!("Basic {}", up.bearer)))
        .await;
    assert_null_session(&res);

    // Bearer-only POSTs need no Origin (no Cookie header was sent).
    let res = srv
        .send(
            Request::post("/api/auth/update-user")
                .bearer(&up.bearer)
                .json(&json!({"name": "Ida B"})),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    assert_eq!(srv.session_of(&up.token).await["user"]["name"], "Ida B");
}

pub async fn post_get_session_is_405(srv: &TestServer) {
    let up = srv
        .sign_up("Kai", "kai@example.com", "kai-password-1")
        .await;
    let res = srv.send(Request::post(GET_SESSION)).await;
    assert_error(
        &res,
        405,
        "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
        "POST method requires deferSessionRefresh to be enabled in session config",
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let res = srv.send(Request::post(GET_SESSION).json(&json!({}))).await;
    assert_eq!(res.status, 405, "{}", res.describe());
    // With a Cookie header the origin check answers first.
    let res = srv
        .send(Request::post(GET_SESSION).cookie(&srv.session_cookie_for(&up.token)))
        .await;
    assert_error(
        &res,
        403,
        "MISSING_OR_NULL_ORIGIN",
        "Missing or null Origin",
    );
    let cookie = srv.session_cookie_for(&up.token);
    for origin in [srv.base.clone(), format!("{}/", srv.base)] {
        let res = srv
            .send(Request::post(GET_SESSION).cookie(&cookie).origin(&origin))
            .await;
        assert_eq!(res.status, 405, "{origin}: {}", res.describe());
    }
    // `Origin: null` counts as same-origin only with `Sec-Fetch-Site: same-origin` (1.7.25).
    let res = srv
        .send(
            Request::post(GET_SESSION)
                .cookie(&cookie)
                .origin("null")
                .header("sec-fetch-site", "same-origin"),
        )
        .await;
    assert_eq!(res.status, 405, "{}", res.describe());
    let res = srv
        .send(Request::post(GET_SESSION).cookie(&cookie).origin("null"))
        .await;
    assert_error(
        &res,
        403,
        "MISSING_OR_NULL_ORIGIN",
        "Missing or null Origin",
    );
    let other_port = if srv.addr.port() == 3999 {
        "http://127.0.0.1:4000"
    } else {
        "http://127.0.0.1:3999"
    };
    let res = srv
        .send(
            Request::post(GET_SESSION)
                .cookie(&cookie)
                .origin(other_port),
        )
        .await;
    assert_error(&res, 403, "INVALID_ORIGIN", "Invalid origin");
}

pub async fn cookie_cache_and_disable_cookie_cache(srv: &TestServer) {
    // The cookie cache is opt-in.
    let srv = &srv
        .with_config(&[("SESSION_COOKIE_CACHE_MAX_AGE", "300")])
        .await;
    let up = srv
        .sign_up("Lea", "lea@example.com", "lea-password-1")
        .await;
    let mut device1 = srv.agent();
    let t1 = device1.sign_in("lea@example.com", "lea-password-1").await;
    assert!(
        device1.cookie(DATA_COOKIE).is_some(),
        "sign-in sets the cookie cache: {:?}",
        device1.jar
    );
    let mut device2 = srv.agent();
    let t2 = device2.sign_in("lea@example.com", "lea-password-1").await;

    let res = device2
        .post("/api/auth/revoke-other-sessions", json!({}))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    assert_eq!(
        srv.count("session", &[Where::eq("userId", up.user_id.as_str())])
            .await,
        1
    );

    // The cookie cache still answers for device 1 (as in Better Auth) ...
    let res = device1.get(GET_SESSION).await;
    assert_session_of(&res, &up.user_id, &t1);
    // ... but not when it is bypassed (`?disableCookieCache=true`, below).
    let res = srv
        .send(
            Request::get(&format!("{GET_SESSION}?disableCookieCache=true"))
                .cookie(&device1.cookie_header()),
        )
        .await;
    assert_null_session(&res);
    assert_clears_session(&res);

    // zod's coerce.boolean: an empty value is false (cache used), any other value is true.
    let res = device1
        .get(&format!("{GET_SESSION}?disableCookieCache="))
        .await;
    assert_session_of(&res, &up.user_id, &t1);
    let res = device1
        .get(&format!("{GET_SESSION}?disableCookieCache=false"))
        .await;
    assert_null_session(&res);
    assert_clears_session(&res);
    // Only the last-login-method cookie stays: it outlives sessions, to be read at the
    // next sign-in.
    assert!(
        device1
            .jar
            .iter()
            .all(|(name, _)| name == "better-auth.last_used_login_method"),
        "{:?}",
        device1.jar
    );
    // Device 2 is alive either way.
    let res = device2
        .get(&format!("{GET_SESSION}?disableCookieCache=true"))
        .await;
    assert_session_of(&res, &up.user_id, &t2);

    // A forged cookie cache is ignored: the database decides.
    let forged = format!(
        "{}; {DATA_COOKIE}=eyJzZXNzaW9uIjp7fX0",
        srv.session_cookie_for(&t1)
    );
    let res = srv.send(Request::get(GET_SESSION).cookie(&forged)).await;
    assert_null_session(&res);
    let forged = format!(
        "{}; {DATA_COOKIE}={}",
        srv.session_cookie_for(&t2),
        device2.cookie(DATA_COOKIE).unwrap_or("x").replace('A', "B")
    );
    let res = srv.send(Request::get(GET_SESSION).cookie(&forged)).await;
    assert_session_of(&res, &up.user_id, &t2);
    // A cache cookie for another token does not answer for this one.
    let mixed = format!(
        "{}; {DATA_COOKIE}={}",
        srv.session_cookie_for(&up.token),
        device2.cookie(DATA_COOKIE).expect("device 2 cache")
    );
    let res = srv.send(Request::get(GET_SESSION).cookie(&mixed)).await;
    assert_null_session(&res);
}

pub async fn update_session(srv: &TestServer) {
    const PATH: &str = "/api/auth/update-session";
    // Without a session: 401, but an invalid body is reported first.
    assert_unauthorized(
        &srv.send(Request::post(PATH).json(&json!({"theme": "x"})))
            .await,
    );
    assert_validation(
        &srv.send(Request::post(PATH).json(&json!([]))).await,
        "[body] Invalid input: expected record, received array",
    );
    // Without additional session fields nothing is settable; core fields are ignored.
    let mut a = srv.agent();
    let (token, _) = a.sign_up("Sue", "sue@example.com", "sue-password-1").await;
    for b in [
        json!({}),
        json!({"unknown": 1}),
        json!({"token": "x", "userId": "y", "expiresAt": "2099-01-01T00:00:00.000Z", "ipAddress": "1.2.3.4", "id": "z"}),
    ] {
        let res = a.post(PATH, b).await;
        assert_json(&res, 400, json!({"message": "No fields to update"}));
        assert_eq!(res.text(), r#"{"message":"No fields to update"}"#);
        assert!(res.set_cookies().is_empty(), "{}", res.describe());
    }
    let cases: Vec<(Value, &str)> = vec![
        (
            json!([]),
            "[body] Invalid input: expected record, received array",
        ),
        (
            Value::Null,
            "[body] Invalid input: expected record, received null",
        ),
        (
            json!("x"),
            "[body] Invalid input: expected record, received string",
        ),
    ];
    for (b, message) in cases {
        assert_validation(&a.post(PATH, b).await, message);
    }
    assert_validation(
        &a.send(Request::post(PATH)).await,
        "[body] Invalid input: expected record, received undefined",
    );
    assert_eq!(srv.session_of(&token).await["session"]["token"], token);

    // With additional session fields, those that allow input are set.
    let srv = srv
        .with_config(&[(
            "SESSION_ADDITIONAL_FIELDS",
            r#"{"theme":{"type":"string"},"locked":{"type":"string","input":false},"seen":{"type":"boolean","defaultValue":false,"returned":false}}"#,
        )])
        .await;
    let mut a = srv.agent();
    let (token, uid) = a.sign_up("Sue", "sue@example.com", "sue-password-1").await;
    let before = a.get(GET_SESSION).await.json()["session"].clone();
    assert_eq!(before["theme"], Value::Null);
    assert!(before.get("seen").is_none(), "not returned: {before}");
    let res = a
        .post(PATH, json!({"theme": "dark", "token": "ignored"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    let session = &body["session"];
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
    assert_eq!(session["theme"], "dark");
    assert_eq!(session["token"], token.as_str());
    assert_eq!(session["id"], before["id"]);
    assert_eq!(session["userId"], uid.as_str());
    assert_eq!(session["locked"], Value::Null);
    assert!(session.get("seen").is_none(), "{session}");
    assert!(parse_date(&session["updatedAt"]) >= parse_date(&before["updatedAt"]));
    // The same token again (and no cookie cache: it is opt-in).
    let signed = srv.signed(&token);
    assert_eq!(res.header("set-auth-token"), Some(signed.as_str()));
    let cookie = res.set_cookie(SESSION_COOKIE).expect("session cookie");
    assert_eq!(cookie.value, encode_uri_component(&signed));
    assert_eq!(cookie.max_age, Some(604_800));
    assert!(res.set_cookie(DATA_COOKIE).is_none(), "{}", res.describe());
    assert_eq!(a.get(GET_SESSION).await.json()["session"]["theme"], "dark");
    assert_eq!(srv.session_of(&token).await["session"]["theme"], "dark");

    let res = a.post(PATH, json!({"locked": "yes"})).await;
    assert_error(
        &res,
        400,
        "FIELD_NOT_ALLOWED",
        "locked is not allowed to be set",
    );
    let res = a.post(PATH, json!({"locked": ""})).await;
    assert_json(&res, 400, json!({"message": "No fields to update"}));
    let res = a.post(PATH, json!({"theme": 5})).await;
    assert_validation(
        &res,
        "[body.theme] Invalid input: expected string, received number",
    );
    let res = a.post(PATH, json!({"theme": null})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["session"]["theme"], Value::Null);
    assert_eq!(
        srv.session_of(&token).await["session"]["theme"],
        Value::Null
    );
    // By bearer too.
    let other = srv
        .sign_up("Sam", "sam@example.com", "sam-password-1")
        .await;
    let res = srv
        .send(
            Request::post(PATH)
                .bearer(&other.bearer)
                .json(&json!({"theme": "light"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["session"]["token"], other.token.as_str());
    assert_eq!(
        srv.session_of(&other.token).await["session"]["theme"],
        "light"
    );
    assert_eq!(
        srv.session_of(&token).await["session"]["theme"],
        Value::Null
    );

    // A revoked session, its cookies replayed: 401, and the cookies go.
    let cookies = a.cookie_header();
    let res = a.post("/api/auth/revoke-sessions", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .send(
            Request::post(PATH)
                .cookie(&cookies)
                .origin(&srv.base)
                .json(&json!({"theme": "dark"})),
        )
        .await;
    assert_unauthorized(&res);
    assert_clears_session(&res);
}

pub async fn list_sessions(srv: &TestServer) {
    let res = srv.send(Request::get("/api/auth/list-sessions")).await;
    assert_unauthorized(&res);
    let mut a = srv.agent();
    let (ta1, uid) = a.sign_up("Max", "max@example.com", "max-password-1").await;
    let (ta2, _) = srv.sign_in("max@example.com", "max-password-1").await;
    let other = srv
        .sign_up("Ned", "ned@example.com", "ned-password-1")
        .await;

    let res = a.get("/api/auth/list-sessions").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let list = res.json();
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2, "{list:?}");
    for s in list {
        assert_eq!(s["userId"], uid.as_str());
        assert_iso_date(&s["expiresAt"]);
        assert!(s["id"].is_string());
    }
    let tokens: Vec<&str> = list.iter().filter_map(|s| s["token"].as_str()).collect();
    assert!(tokens.contains(&ta1.as_str()), "own raw token listed");
    assert!(!tokens.contains(&other.token.as_str()));
    assert_eq!(tokens.len(), 2, "every session has a token to revoke it by");
    assert!(srv.session_of(&ta2).await.is_object());
    // Bearer works too.
    let res = srv
        .send(Request::get("/api/auth/list-sessions").bearer(&other.bearer))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json().as_array().map(Vec::len), Some(1));
}

pub async fn revoke_session(srv: &TestServer) {
    const PATH: &str = "/api/auth/revoke-session";
    let res = srv
        .send(Request::post(PATH).json(&json!({"token": "x"})))
        .await;
    assert_unauthorized(&res);
    let mut a1 = srv.agent();
    let (ta1, uid) = a1.sign_up("Oda", "oda@example.com", "oda-password-1").await;
    let (ta2, _) = srv.sign_in("oda@example.com", "oda-password-1").await;
    let (ta3, _) = srv.sign_in("oda@example.com", "oda-password-1").await;
    let b = srv
        .sign_up("Pia", "pia@example.com", "pia-password-1")
        .await;

    // Validation comes before the session check.
    let res = srv.send(Request::post(PATH).json(&json!({}))).await;
    assert_validation(
        &res,
        "[body.token] Invalid input: expected string, received undefined",
    );
    let res = a1.post(PATH, json!({"token": 5})).await;
    assert_validation(
        &res,
        "[body.token] Invalid input: expected string, received number",
    );

    // Another session of mine.
    let res = a1.post(PATH, json!({"token": ta2})).await;
    assert_json(&res, 200, json!({"status": true}));
    assert!(
        res.set_cookie(SESSION_COOKIE).is_none(),
        "{}",
        res.describe()
    );
    assert_eq!(srv.session_of(&ta2).await, Value::Null);
    assert_session_of(
        &srv.send(Request::get(GET_SESSION).cookie(&srv.session_cookie_for(&ta1)))
            .await,
        &uid,
        &ta1,
    );
    // Unknown token: still {status:true}.
    let res = a1.post(PATH, json!({"token": "no-such-token"})).await;
    assert_json(&res, 200, json!({"status": true}));
    // Someone else's token, session id or stored hash: nothing happens.
    let b_session = srv.session_of(&b.token).await;
    let b_id = b_session["session"]["id"].as_str().expect("id").to_owned();
    for t in [b.token.clone(), b_id, hash_token(&b.token)] {
        let res = a1.post(PATH, json!({"token": t})).await;
        assert_json(&res, 200, json!({"status": true}));
    }
    assert_eq!(
        srv.session_of(&b.token).await["user"]["id"],
        b.user_id.as_str()
    );

    // The identifier list-sessions shows for another session revokes it.
    let list = a1.get("/api/auth/list-sessions").await.json();
    let listed = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|s| s["token"].as_str())
        .find(|t| *t != ta1)
        .expect("the third session")
        .to_owned();
    let res = a1.post(PATH, json!({"token": listed})).await;
    assert_json(&res, 200, json!({"status": true}));
    assert_eq!(srv.session_of(&ta3).await, Value::Null);

    // My own current token: revoked, and the cookies go.
    let res = a1.post(PATH, json!({"token": ta1})).await;
    assert_json(&res, 200, json!({"status": true}));
    assert_clears_session(&res);
    assert_eq!(srv.session_of(&ta1).await, Value::Null);
    assert_eq!(
        srv.count("session", &[Where::eq("userId", uid.as_str())])
            .await,
        0
    );
}

pub async fn revoke_sessions(srv: &TestServer) {
    const PATH: &str = "/api/auth/revoke-sessions";
    assert_unauthorized(&srv.send(Request::post(PATH)).await);
    let mut a = srv.agent();
    let (ta1, uid) = a
        .sign_up("Quinn", "quinn@example.com", "quinn-password-1")
        .await;
    let (ta2, _) = srv.sign_in("quinn@example.com", "quinn-password-1").await;
    let b = srv
        .sign_up("Ray", "ray@example.com", "ray-password-1")
        .await;
    let res = a.post(PATH, json!({})).await;
    assert_json(&res, 200, json!({"status": true}));
    assert_clears_session(&res);
    assert_eq!(srv.session_of(&ta1).await, Value::Null);
    assert_eq!(srv.session_of(&ta2).await, Value::Null);
    assert_eq!(
        srv.count("session", &[Where::eq("userId", uid.as_str())])
            .await,
        0
    );
    assert_eq!(
        srv.session_of(&b.token).await["user"]["id"],
        b.user_id.as_str()
    );
    // Now signed out: the same call is unauthorized.
    let res = srv
        .send(
            Request::post(PATH)
                .cookie(&srv.session_cookie_for(&ta1))
                .origin(&srv.base),
        )
        .await;
    assert_unauthorized(&res);
    assert_clears_session(&res);
}

pub async fn revoke_other_sessions(srv: &TestServer) {
    const PATH: &str = "/api/auth/revoke-other-sessions";
    assert_unauthorized(&srv.send(Request::post(PATH).json(&json!({}))).await);
    let mut a = srv.agent();
    let (ta1, uid) = a.sign_up("Sam", "sam@example.com", "sam-password-1").await;
    let (ta2, _) = srv.sign_in("sam@example.com", "sam-password-1").await;
    let (ta3, _) = srv.sign_in("sam@example.com", "sam-password-1").await;
    let b = srv
        .sign_up("Tia", "tia@example.com", "tia-password-1")
        .await;
    let res = a.post(PATH, json!({})).await;
    assert_json(&res, 200, json!({"status": true}));
    assert!(
        res.set_cookies().iter().all(|c| !c.is_deletion()),
        "{}",
        res.describe()
    );
    assert_session_of(
        &srv.send(
            Request::get(&format!("{GET_SESSION}?disableCookieCache=1"))
                .cookie(&srv.session_cookie_for(&ta1)),
        )
        .await,
        &uid,
        &ta1,
    );
    assert_eq!(srv.session_of(&ta2).await, Value::Null);
    assert_eq!(srv.session_of(&ta3).await, Value::Null);
    assert_eq!(
        srv.session_of(&b.token).await["user"]["id"],
        b.user_id.as_str()
    );
}

pub async fn sign_out(srv: &TestServer) {
    const PATH: &str = "/api/auth/sign-out";
    // Without a session: still 200, with the clearing cookies; body may be absent.
    let res = srv.send(Request::post(PATH)).await;
    assert_json(&res, 200, json!({"success": true}));
    assert_clears_session(&res);
    let res = srv.send(Request::post(PATH).json(&json!({}))).await;
    assert_json(&res, 200, json!({"success": true}));

    let mut a = srv.agent();
    let (token, uid) = a.sign_up("Uma", "uma@example.com", "uma-password-1").await;
    // A cookie-carrying sign-out needs an Origin.
    let res = srv
        .send(
            Request::post(PATH)
                .cookie(&a.cookie_header())
                .json(&json!({})),
        )
        .await;
    assert_error(
        &res,
        403,
        "MISSING_OR_NULL_ORIGIN",
        "Missing or null Origin",
    );
    let res = a.post(PATH, json!({"callbackURL": "//evil.com"})).await;
    assert_error(&res, 403, "INVALID_CALLBACK_URL", "Invalid callbackURL");
    assert_eq!(srv.session_of(&token).await["user"]["id"], uid.as_str());

    let res = a.post(PATH, json!({})).await;
    assert_json(&res, 200, json!({"success": true}));
    assert_clears_session(&res);
    // Only the last-login-method cookie stays: it outlives sessions, to be read at the
    // next sign-in.
    assert!(
        a.jar
            .iter()
            .all(|(name, _)| name == "better-auth.last_used_login_method"),
        "{:?}",
        a.jar
    );
    assert_eq!(
        srv.count("session", &[Where::eq("userId", uid.as_str())])
            .await,
        0
    );
    // The old cookie is dead.
    let res = srv
        .send(Request::get(GET_SESSION).cookie(&srv.session_cookie_for(&token)))
        .await;
    assert_null_session(&res);
    assert_clears_session(&res);

    // Bearer-only sign-out: no Origin needed, and the session ends.
    let (t2, _) = srv.sign_in("uma@example.com", "uma-password-1").await;
    let res = srv.send(Request::post(PATH).bearer(&srv.signed(&t2))).await;
    assert_json(&res, 200, json!({"success": true}));
    assert_eq!(srv.session_of(&t2).await, Value::Null);
}

/// ASVS V3.3.4 with `SESSION_REVOKE_REAUTHENTICATION`: ending sessions needs the password again,
/// or a sign-in within `SESSION_REVOKE_REAUTHENTICATION_AGE`. A wrong password is refused as
/// `/verify-password` refuses it; without the setting, Better Auth's behaviour stays.
pub async fn ending_sessions_asks_for_the_password_again(srv: &TestServer) {
    let srv = &srv
        .with_config(&[
            ("SESSION_REVOKE_REAUTHENTICATION", "true"),
            ("SESSION_REVOKE_REAUTHENTICATION_AGE", "300"),
        ])
        .await;
    let mut a = srv.agent();
    let (ta1, _) = a.sign_up("Ren", "ren@example.com", "ren-password-1").await;
    let (ta2, _) = srv.sign_in("ren@example.com", "ren-password-1").await;
    // Just signed in: no password needed.
    let res = a
        .post("/api/auth/revoke-session", json!({"token": ta2}))
        .await;
    assert_json(&res, 200, json!({"status": true}));
    assert_eq!(srv.session_of(&ta2).await, Value::Null);

    // Six minutes later the same session must enter the password again.
    srv.clock.advance(chrono::Duration::minutes(6));
    let (ta3, _) = srv.sign_in("ren@example.com", "ren-password-1").await;
    for (path, body) in [
        ("/api/auth/revoke-session", json!({"token": ta3})),
        ("/api/auth/revoke-other-sessions", json!({})),
        ("/api/auth/revoke-sessions", json!({})),
    ] {
        let res = a.post(path, body).await;
        assert_error(
            &res,
            403,
            "REAUTHENTICATION_REQUIRED",
            "Enter your password again, or sign in again, to end sessions",
        );
    }
    let res = a
        .post(
            "/api/auth/revoke-other-sessions",
            json!({"password": "not-ren-password"}),
        )
        .await;
    assert_error(&res, 400, "INVALID_PASSWORD", "Invalid password");
    assert_ne!(srv.session_of(&ta3).await, Value::Null, "nothing ended");
    let res = a
        .post(
            "/api/auth/revoke-other-sessions",
            json!({"password": "ren-password-1"}),
        )
        .await;
    assert_json(&res, 200, json!({"status": true}));
    assert_eq!(srv.session_of(&ta3).await, Value::Null);
    assert_ne!(srv.session_of(&ta1).await, Value::Null, "the caller stays");
}
