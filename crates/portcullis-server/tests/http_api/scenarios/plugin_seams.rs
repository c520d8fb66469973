//! What a plugin brings besides its endpoints reaches the server from the plugin alone: the
//! `Seam` test plugin's endpoints outside the base path (through the whole pipeline), its page,
//! fragments and asset, and its email template (overridable like the core ones).

use std::sync::Arc;

use serde_json::json;

use crate::seam_plugin::{CONFIGURATION, Seam};
use portcullis_testkit::prelude::{APP_NAME, Request, TestServer, assert_html};

const PASSWORD: &str = "Seam-Passw0rd-1234";

pub async fn plugins_bring_routes_pages_and_templates(srv: &TestServer) {
    // Without the plugin, nothing of it is there.
    assert_eq!(srv.send(Request::get(CONFIGURATION)).await.status, 404);
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    assert!(!sign_in.contains("seam-button"));

    let dir = std::env::temp_dir().join(format!("portcullis-seam-{}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).expect("templates dir");
    std::fs::write(
        dir.join("email-seam.txt"),
        "{% extends 'email-base.txt' %}{% block subject %}Overridden seam{% endblock %}{% block content %}Code {{ code }}{% endblock %}",
    )
    .expect("override");
    let srv = srv
        .with_plugins(
            &[
                ("RATE_LIMIT_ENABLED", "true"),
                ("PORTCULLIS_TEMPLATES_DIR", dir.to_str().expect("utf-8")),
            ],
            vec![Arc::new(Seam)],
        )
        .await;

    // Not under the base path, and not another method (both 404s count in the root path's
    // bucket: the limiter runs before routing, as in Better Auth).
    let base_variant = format!("/api/auth{CONFIGURATION}");
    assert_eq!(srv.send(Request::get(&base_variant)).await.status, 404);
    assert_eq!(srv.send(Request::post(CONFIGURATION)).await.status, 404);
    let metrics = srv.send(Request::get("/metrics")).await.text();
    assert!(
        metrics.contains(r#"route="other",method="POST",status="404""#),
        "{metrics}"
    );

    // A root endpoint: served by the engine, its hook sees the whole path, its rate-limit rule
    // applies (3 a minute), and its label in the metrics is its template.
    let res = srv.send(Request::get(CONFIGURATION)).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["issuer"], format!("{}/api/auth", srv.base));
    assert_eq!(res.json()["path"], CONFIGURATION);
    assert_eq!(res.header("x-seam-after"), Some(CONFIGURATION));
    assert_eq!(res.header("ratelimit-limit"), Some("3"));
    assert_eq!(res.header("ratelimit-remaining"), Some("0"));
    assert!(res.header("x-request-id").is_some(), "the edge ran");
    let refused = srv.send(Request::get(CONFIGURATION)).await;
    assert_eq!(refused.status, 429, "{}", refused.describe());

    // With a parameter and a session rule, as under the base path.
    assert_eq!(
        srv.send(Request::get("/.well-known/seam/k1")).await.status,
        401
    );
    let mut a = srv.agent();
    let (_, user_id) = a.sign_up("Seam", "seam@example.com", PASSWORD).await;
    let res = a.get("/.well-known/seam/k1").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json(), json!({"kid": "k1", "user": user_id}));

    let metrics = srv.send(Request::get("/metrics")).await.text();
    for line in [
        r#"http_requests_total{route="/.well-known/seam-configuration",method="GET",status="200"} 1"#,
        r#"http_requests_total{route="/.well-known/seam/:kid",method="GET",status="200"} 1"#,
        r#"rate_limit_hits_total{route="/.well-known/seam-configuration"} 1"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in:\n{metrics}"
        );
    }
    // The OpenAPI document lists it, served from the site's root.
    let doc = srv
        .send(Request::get("/api/auth/open-api/generate-schema"))
        .await
        .json();
    let path = &doc["paths"]["/.well-known/seam/{kid}"];
    assert_eq!(path["get"]["operationId"], "seamKey", "{doc}");
    assert_eq!(path["servers"][0]["url"], srv.base);
    // The reference page shows it with its root path; a description's markup stays text.
    let html = srv.send(Request::get("/api/auth/reference")).await.text();
    assert!(html.contains(r#"id="op-seamConfiguration""#), "{html}");
    assert!(html.contains("<code>{issuer, path}</code>"), "{html}");
    assert!(
        html.contains("&lt;b&gt;Not markup&lt;&#x2f;b&gt;") && !html.contains("<b>Not markup"),
        "{html}"
    );
    assert!(
        html.contains(r#"data-path="&#x2f;.well-known&#x2f;seam-configuration""#),
        "{html}"
    );

    // Its page (with its context, under the pages' CSP), fragments and asset.
    let res = srv.send(Request::get("/seam")).await;
    assert_html(&res);
    let html = res.text();
    assert!(
        html.contains("<h1>Sewn in</h1>") && html.contains(APP_NAME),
        "{html}"
    );
    assert!(html.contains("src=\"/assets/seam.js\""));
    assert!(
        res.header("content-security-policy")
            .is_some_and(|c| c.starts_with("default-src 'self'"))
    );
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    assert!(sign_in.contains("id=\"seam-button\""), "{sign_in}");
    let account = srv.send(Request::get("/account")).await.text();
    assert!(account.contains("id=\"seam-section\""));
    // The section has its entry in the account area's navigation, after the core ones.
    let nav = |id: &str| {
        account
            .find(&format!("href=\"#{id}\""))
            .unwrap_or(usize::MAX)
    };
    assert!(nav("sessions") < nav("seam-section") && nav("seam-section") < usize::MAX);
    let js = srv.send(Request::get("/assets/seam.js")).await;
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );

    // Its email: the plugin's HTML part, the text part overridden from the templates dir.
    let res = srv
        .post("/seam/mail", json!({"email": "seam@example.com"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let m = srv
        .last_message("seam@example.com", "seam")
        .await
        .expect("seam email");
    assert_eq!(m.subject, "Overridden seam");
    assert!(m.text.contains("Code SEAM-42"), "{}", m.text);
    assert!(m.html.contains("<strong>SEAM-42</strong>"), "{}", m.html);
    let _ = std::fs::remove_dir_all(dir);
}
