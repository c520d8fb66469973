//! ok, error page, OpenAPI, health, routing 404s, hosted pages, assets, CORS.

use serde_json::json;

use portcullis_testkit::prelude::*;

pub async fn ok_endpoint(srv: &TestServer) {
    let res = srv.send(Request::get("/api/auth/ok")).await;
    assert_json(&res, 200, json!({"ok": true}));
    assert_empty_404(&srv.send(Request::post("/api/auth/ok")).await);
}

pub async fn error_page_escapes_input(srv: &TestServer) {
    let res = srv
        .send(Request::get(
            "/api/auth/error?error=state_mismatch&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27%3E%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E",
        ))
        .await;
    assert_html(&res);
    let html = res.text();
    assert!(html.contains("state_mismatch"), "{html}");
    assert!(!html.contains("<script>alert(1)"), "unescaped: {html}");
    assert!(!html.contains("<img src=x"), "unescaped: {html}");
    assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
    assert!(html.contains(APP_NAME), "branded");

    // An error code outside [A-Za-z0-9_'-] becomes UNKNOWN.
    let res = srv
        .send(Request::get("/api/auth/error?error=%3Cb%3Ebold%3C%2Fb%3E"))
        .await;
    assert_html(&res);
    let html = res.text();
    assert!(html.contains("UNKNOWN"), "{html}");
    assert!(!html.contains("<b>bold</b>"), "{html}");
    // No parameters at all.
    assert_html(&srv.send(Request::get("/api/auth/error")).await);
}

pub async fn openapi_and_reference(srv: &TestServer) {
    let res = srv
        .send(Request::get("/api/auth/open-api/generate-schema"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let doc = res.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/sign-in/email", "post"),
        ("/sign-up/email", "post"),
        ("/get-session", "get"),
        ("/sign-out", "post"),
        ("/update-user", "post"),
        ("/list-accounts", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    let sign_in = &paths["/sign-in/email"]["post"];
    assert!(
        sign_in["requestBody"]["content"]["application/json"].is_object(),
        "{sign_in}"
    );

    // Every $ref in the document names a component it defines.
    fn refs<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|x| refs(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 20, "{found:?}");
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} names no component"
        );
    }
    // Request bodies carry an example, and redirects document their 302.
    assert_eq!(
        sign_in["requestBody"]["content"]["application/json"]["example"]["email"],
        "ada@example.com"
    );
    assert!(
        paths["/reset-password/{token}"]["get"]["responses"]["302"]["headers"]["Location"]
            .is_object()
    );

    let res = srv.send(Request::get("/api/auth/reference")).await;
    assert_html(&res);
    // minijinja escapes `/` as `&#x2f;`.
    let html = res.text();
    assert!(
        html.contains("/sign-in/email") || html.contains("&#x2f;sign-in&#x2f;email"),
        "{html}"
    );
    assert!(html.contains(APP_NAME));
    // Backticks in descriptions are code, escaped like everything else.
    assert!(html.contains("<code>{session, user}</code>"), "{html}");
    assert!(!html.contains("`{session, user}`"), "{html}");
    assert!(html.contains(r#"id="op-signUpEmail""#), "{html}");
    assert!(html.contains("/assets/reference.js") && html.contains("/assets/reference.css"));
    for asset in ["/assets/reference.js", "/assets/reference.css"] {
        let res = srv.send(Request::get(asset)).await;
        assert_eq!(res.status, 200, "{asset}: {}", res.describe());
    }
}

/// Real answers match the schemas the OpenAPI document gives for them: every key documented,
/// every required one present, every value of its documented type.
pub async fn openapi_schemas_match_answers(srv: &TestServer) {
    let doc = srv
        .send(Request::get("/api/auth/open-api/generate-schema"))
        .await
        .json();
    let check = |method: &str, path: &str, res: &Response| {
        assert_eq!(res.status, 200, "{method} {path}: {}", res.describe());
        assert_matches_openapi(&doc, method, path, 200, &res.json());
    };
    let mut agent = srv.agent();
    check("GET", "/ok", &agent.get("/api/auth/ok").await);
    // Without a session, get-session answers null, which its schema allows.
    check(
        "GET",
        "/get-session",
        &agent.get("/api/auth/get-session").await,
    );
    let password = "plum-Orbit-4821-kestrel";
    let res = agent
        .post(
            "/api/auth/sign-up/email",
            json!({"name": "Ada", "email": "ada@example.com", "password": password, "username": "ada_l"}),
        )
        .await;
    check("POST", "/sign-up/email", &res);
    // The sign-up answer has exactly the documented keys, user included.
    let body = res.json();
    let user_schema = &doc["components"]["schemas"]["User"];
    let mut documented: Vec<&String> = user_schema["properties"]
        .as_object()
        .expect("User properties")
        .keys()
        .collect();
    let mut answered: Vec<&String> = body["user"].as_object().expect("user").keys().collect();
    documented.sort();
    answered.sort();
    assert_eq!(answered, documented, "{body}");
    let res = agent.get("/api/auth/get-session").await;
    check("GET", "/get-session", &res);
    let session = res.json();
    let session_keys: Vec<&String> = session["session"]
        .as_object()
        .expect("session")
        .keys()
        .collect();
    for required in doc["components"]["schemas"]["Session"]["required"]
        .as_array()
        .expect("Session required")
    {
        let required = required.as_str().unwrap_or_default().to_owned();
        assert!(session_keys.contains(&&required), "{required} in {session}");
    }
    check(
        "GET",
        "/get-session",
        &agent
            .get("/api/auth/get-session?disableCookieCache=true")
            .await,
    );
    check(
        "GET",
        "/list-sessions",
        &agent.get("/api/auth/list-sessions").await,
    );
    check(
        "GET",
        "/list-accounts",
        &agent.get("/api/auth/list-accounts").await,
    );
    check(
        "POST",
        "/update-user",
        &agent
            .post("/api/auth/update-user", json!({"name": "Ada L."}))
            .await,
    );
    check(
        "POST",
        "/sign-out",
        &agent.post("/api/auth/sign-out", json!({})).await,
    );
    check(
        "POST",
        "/sign-in/email",
        &agent
            .post(
                "/api/auth/sign-in/email",
                json!({"email": "ada@example.com", "password": password}),
            )
            .await,
    );
    check(
        "POST",
        "/sign-in/email",
        &agent
            .post(
                "/api/auth/sign-in/email",
                json!({"email": "ada@example.com", "password": password, "callbackURL": "/account"}),
            )
            .await,
    );
    check(
        "POST",
        "/request-password-reset",
        &agent
            .post(
                "/api/auth/request-password-reset",
                json!({"email": "ada@example.com"}),
            )
            .await,
    );
    check(
        "POST",
        "/revoke-other-sessions",
        &agent
            .post("/api/auth/revoke-other-sessions", json!({}))
            .await,
    );
    check(
        "POST",
        "/change-password",
        &agent
            .post(
                "/api/auth/change-password",
                json!({"currentPassword": password, "newPassword": "plum-Orbit-4821-kestrel-2"}),
            )
            .await,
    );
    // A plugin's endpoints (username is on by default).
    check(
        "POST",
        "/is-username-available",
        &agent
            .post(
                "/api/auth/is-username-available",
                json!({"username": "ada_l"}),
            )
            .await,
    );
    check(
        "POST",
        "/sign-in/username",
        &agent
            .post(
                "/api/auth/sign-in/username",
                json!({"username": "ADA_L", "password": "plum-Orbit-4821-kestrel-2"}),
            )
            .await,
    );
}

pub async fn health(srv: &TestServer) {
    let res = srv.send(Request::get("/api/health")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["status"], "healthy", "{body}");
    assert_iso_date(&body["timestamp"]);
    assert_eq!(body["services"]["database"]["status"], "healthy", "{body}");
    // No REDIS_URL: the in-memory secondary storage is reported, never a failure.
    assert_eq!(
        body["services"]["redis"],
        json!({"status": "not_configured", "backend": "memory"}),
        "{body}"
    );
    let res = srv.send(Request::get("/api/health/live")).await;
    assert_json(&res, 200, json!({"status": "alive"}));
}

/// Endpoints that answer with an empty body (errors without one, redirects) send it as
/// `application/json`, as Better Auth's endpoints do; only the router's own 404 has no type.
pub async fn empty_endpoint_answers_are_json(srv: &TestServer) {
    // Bad tokens in links: redirects with the error.
    let res = srv
        .send(Request::get(
            "/api/auth/reset-password/not-a-token?callbackURL=/reset",
        ))
        .await;
    assert_empty_json(&res, 302);
    assert_eq!(
        res.header("location"),
        Some(format!("{}/reset?error=INVALID_TOKEN", srv.base).as_str())
    );
    let res = srv
        .send(Request::get(
            "/api/auth/verify-email?token=nonsense&callbackURL=/done",
        ))
        .await;
    assert_empty_json(&res, 302);
    assert_eq!(res.header("location"), Some("/done?error=INVALID_TOKEN"));
    let res = srv
        .send(Request::get("/api/auth/magic-link/verify?token=nonsense"))
        .await;
    assert_empty_json(&res, 302);
    assert_eq!(
        res.header("location"),
        Some(format!("{}/?error=INVALID_TOKEN", srv.base).as_str())
    );
    // A good link's redirect too.
    srv.sign_up("Ray", "ray@example.com", "ray-password-1")
        .await;
    let res = srv
        .post(
            "/request-password-reset",
            json!({"email": "ray@example.com", "redirectTo": "/reset"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link("ray@example.com", "password-reset").await;
    let path = link.strip_prefix(&srv.base).expect("a link to this server");
    let res = srv.send(Request::get(path)).await;
    assert_empty_json(&res, 302);
    // Deletion turned off: the endpoint's empty 404.
    let off = srv.with_config(&[("ENABLE_DELETE_USER", "false")]).await;
    let bearer = off
        .sign_up("Del", "del@example.com", "del-password-1")
        .await
        .bearer;
    let res = off
        .send(
            Request::post("/api/auth/delete-user")
                .bearer(&bearer)
                .json(&json!({"password": "del-password-1"})),
        )
        .await;
    assert_empty_json(&res, 404);
    // The router's own 404 has no content type.
    assert_empty_404(&srv.send(Request::get("/api/auth/nope")).await);
}

pub async fn unknown_routes_are_empty_404s(srv: &TestServer) {
    for (method, path) in [
        ("GET", "/api/auth/x"),
        ("POST", "/api/auth/x"),
        ("GET", "/api/auth/sign-in/email"),
        ("GET", "/api/auth/sign-up/email"),
        ("PUT", "/api/auth/sign-in/email"),
        ("DELETE", "/api/auth/sign-out"),
        ("GET", "/api/auth/sign-out"),
        ("GET", "/api/auth/update-user"),
        ("GET", "/api/auth"),
        ("GET", "/api/auth/"),
        ("POST", "/api/auth/"),
        ("GET", "/api/auth//ok"),
        ("GET", "/api/auth/ok/"),
        ("GET", "/api/auth/get-session/"),
        ("HEAD", "/api/auth/ok"),
        ("OPTIONS", "/api/auth/ok"),
    ] {
        let res = srv.send(Request::new(method, path)).await;
        assert_eq!(res.status, 404, "{method} {path}: {}", res.describe());
        assert!(res.body.is_empty(), "{method} {path}: {}", res.describe());
        assert_eq!(res.header("content-type"), None, "{method} {path}");
    }
    // A JSON body does not change that.
    let res = srv
        .send(Request::post("/api/auth/nope").json(&json!({"a": 1})))
        .await;
    assert_empty_404(&res);
    // Outside the auth API: 404 too.
    let res = srv.send(Request::get("/api/nothing-here")).await;
    assert_eq!(res.status, 404, "{}", res.describe());
    let res = srv.send(Request::get("/no-such-page")).await;
    assert_eq!(res.status, 404, "{}", res.describe());
}

pub async fn hosted_pages_and_assets(srv: &TestServer) {
    for path in ["/", "/sign-in", "/sign-up", "/account"] {
        let res = srv.send(Request::get(path)).await;
        assert_html(&res);
        assert!(
            res.text().contains(APP_NAME),
            "{path} does not show the brand name"
        );
        assert_eq!(res.header("x-frame-options"), Some("DENY"), "{path}");
    }
    let res = srv.send(Request::get("/assets/api.js")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/javascript")),
        "{}",
        res.describe()
    );
    assert!(!res.body.is_empty());
    let res = srv.send(Request::get("/assets/brand.css")).await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/css"))
    );
    for path in [
        "/assets/nope.js",
        "/assets/..%2F..%2FCargo.toml",
        "/assets/%2e%2e%2fCargo.toml",
    ] {
        let res = srv.send(Request::get(path)).await;
        assert_eq!(res.status, 404, "{path}: {}", res.describe());
        assert!(!res.text().contains("[package]"), "{path}");
    }
}

pub async fn cors_for_trusted_origins_only(srv: &TestServer) {
    let preflight = |origin: &str| {
        Request::new("OPTIONS", "/api/auth/sign-in/email")
            .origin(origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
    };
    for origin in [TRUSTED_EXTRA_ORIGIN, srv.base.as_str()] {
        let res = srv.send(preflight(origin)).await;
        assert_eq!(res.status, 204, "{}", res.describe());
        assert_eq!(res.header("access-control-allow-origin"), Some(origin));
        assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
        let methods = res
            .header("access-control-allow-methods")
            .expect("allow-methods");
        assert!(methods.contains("POST"), "{methods}");
        let headers = res
            .header("access-control-allow-headers")
            .expect("allow-headers")
            .to_ascii_lowercase();
        assert!(headers.contains("content-type"), "{headers}");
    }
    for origin in [
        "https://evil.example",
        "http://trusted.example:3001",
        "null",
    ] {
        let res = srv.send(preflight(origin)).await;
        assert_eq!(
            res.header("access-control-allow-origin"),
            None,
            "{origin}: {}",
            res.describe()
        );
        assert_eq!(res.header("access-control-allow-credentials"), None);
    }
    // Plain requests: trusted origins get the headers, others do not.
    let res = srv
        .send(Request::get("/api/auth/ok").origin(TRUSTED_EXTRA_ORIGIN))
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some(TRUSTED_EXTRA_ORIGIN)
    );
    assert!(
        res.headers_named("vary")
            .iter()
            .any(|v| v.to_ascii_lowercase().contains("origin")),
        "{}",
        res.describe()
    );
    let res = srv
        .send(Request::get("/api/auth/ok").origin("https://evil.example"))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

/// The router-level body rules hold on every POST endpoint, before any session check.
pub async fn every_post_endpoint_rejects_bad_media_and_json(srv: &TestServer) {
    let form_endpoints = ["/sign-up/email", "/sign-in/email"];
    let json_only = [
        "/sign-out",
        "/get-session",
        "/revoke-session",
        "/revoke-sessions",
        "/revoke-other-sessions",
        "/update-user",
        "/change-password",
        "/set-password",
        "/delete-user",
    ];
    for path in form_endpoints.iter().chain(json_only.iter()) {
        let url = format!("/api/auth{path}");
        let res = srv
            .send(Request::post(&url).raw(Some("application/json"), "{\"a\":"))
            .await;
        assert_error(&res, 400, "BAD_REQUEST", "Invalid JSON in request body");
        let allowed = if form_endpoints.contains(path) {
            "application/x-www-form-urlencoded, application/json"
        } else {
            "application/json"
        };
        for ct in [
            "text/plain",
            "application/xml",
            "multipart/form-data; boundary=x",
        ] {
            let res = srv.send(Request::post(&url).raw(Some(ct), "a=b")).await;
            assert_error(
                &res,
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                &format!("Content-Type \"{ct}\" is not allowed. Allowed types: {allowed}"),
            );
        }
    }
    // Form bodies are refused where Better Auth only takes JSON.
    for path in json_only {
        let res = srv
            .send(Request::post(&format!("/api/auth{path}")).form(&[("a", "b")]))
            .await;
        assert_eq!(res.status, 415, "{path}: {}", res.describe());
    }
}
