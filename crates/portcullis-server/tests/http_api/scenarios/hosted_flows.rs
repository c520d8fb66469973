//! Hosted pages for the email flows (forgot/reset password, verify email, magic link, email
//! code), the sign-in page's links to them, and the development outbox pages.

use http::Method;
use serde_json::json;

use portcullis_testkit::prelude::*;

/// A 200 hosted page: HTML, strict policy, never cached.
#[track_caller]
fn assert_page(res: &Response) {
    assert_html(res);
    assert_eq!(res.header("cache-control"), Some("no-store"));
}

/// The hosted not-found page, 404.
#[track_caller]
fn assert_not_found_page(res: &Response) {
    assert_eq!(res.status, 404, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{}",
        res.describe()
    );
    assert!(res.text().contains("Page not found"), "{}", res.describe());
}

/// As minijinja's autoescape writes text and attribute values.
fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '/' => out.push_str("&#x2f;"),
            c => out.push(c),
        }
    }
    out
}

fn registered(srv: &TestServer, method: Method, path: &str) -> bool {
    srv.app
        .ctx
        .endpoints
        .iter()
        .any(|e| e.method == method && e.path == path)
}

fn magic_link_on(srv: &TestServer) -> bool {
    registered(srv, Method::POST, "/sign-in/magic-link")
}

fn email_otp_on(srv: &TestServer) -> bool {
    registered(srv, Method::POST, "/email-otp/send-verification-otp")
        && registered(srv, Method::POST, "/sign-in/email-otp")
}

/// The sign-in page offers exactly the flows the server has, and their pages exist exactly then.
async fn assert_sign_in_offers(srv: &TestServer, reset: bool) {
    let res = srv.send(Request::get("/sign-in")).await;
    assert_page(&res);
    let html = res.text();
    assert!(html.contains("id=\"sign-in-form\""));
    let offers = [
        (
            reset,
            "href=\"/forgot-password\"",
            "Forgot password?",
            "/forgot-password",
        ),
        (
            magic_link_on(srv),
            "href=\"/magic-link\"",
            "Email me a sign-in link",
            "/magic-link",
        ),
        (
            email_otp_on(srv),
            "href=\"/email-otp\"",
            "Sign in with a code",
            "/email-otp",
        ),
    ];
    for (on, href, label, page) in offers {
        assert_eq!(
            html.contains(href),
            on,
            "{href} on the sign-in page: {html}"
        );
        assert_eq!(html.contains(label), on, "{label} on the sign-in page");
        let res = srv.send(Request::get(page)).await;
        if on {
            assert_page(&res);
        } else {
            assert_not_found_page(&res);
        }
    }
}

pub async fn hosted_email_pages(srv: &TestServer) {
    // Every page's form (or landing state), with the brand.
    for (path, marker) in [
        ("/forgot-password", "id=\"forgot-password-form\""),
        ("/reset-password?token=abc", "id=\"reset-password-form\""),
        ("/verify-email", "Verify your email"),
    ] {
        let res = srv.send(Request::get(path)).await;
        assert_page(&res);
        let html = res.text();
        assert!(html.contains(marker), "{path}: no {marker}");
        assert!(html.contains(APP_NAME), "{path}: no brand name");
    }
    let forgot = srv.send(Request::get("/forgot-password")).await.text();
    assert!(forgot.contains("id=\"forgot-password-email\""));
    assert!(forgot.contains("src=\"/assets/forgot-password.js\""));
    assert!(forgot.contains("href=\"/sign-in\""));

    // Password fields follow the configured length limits; the token is never rendered.
    let reset = srv
        .send(Request::get("/reset-password?token=SeCrEtToKeN123"))
        .await
        .text();
    assert!(reset.contains("id=\"reset-password-new\""));
    assert!(reset.contains("id=\"reset-password-confirm\""));
    assert!(reset.contains("data-min-length=\"8\""));
    assert!(reset.contains("src=\"/assets/reset-password.js\""));
    assert!(!reset.contains("SeCrEtToKeN123"), "the token is not echoed");

    // A dead reset link: an explanation and the way to a new one, no form.
    let res = srv
        .send(Request::get("/reset-password?error=INVALID_TOKEN"))
        .await;
    assert_page(&res);
    let html = res.text();
    assert!(html.contains("invalid or has expired"), "{html}");
    assert!(html.contains("href=\"/forgot-password\""));
    assert!(!html.contains("id=\"reset-password-form\""));
    // Anything else in ?error= is not shown as given.
    let res = srv
        .send(Request::get(
            "/reset-password?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        ))
        .await;
    assert_page(&res);
    let html = res.text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("alert(1)"), "{html}");
    assert!(html.contains("could not be used"), "{html}");
    // Opened without a link: where the link is, and no form to get stuck in.
    let bare = srv.send(Request::get("/reset-password")).await.text();
    assert!(bare.contains("Reset your password") && bare.contains("href=\"/forgot-password\""));
    assert!(!bare.contains("id=\"reset-password-form\""));
    assert!(!bare.contains("/assets/reset-password.js"));

    // Verify-email landing: opened bare it claims nothing; each outcome and error in words; the
    // token case left to the script.
    let bare = srv.send(Request::get("/verify-email")).await.text();
    assert!(bare.contains("Verify your email") && !bare.contains("Email verified"));
    assert!(!bare.contains("/assets/verify-email.js"));
    for (status, text) in [
        ("verified", "Email verified"),
        ("already-verified", "This link was already used"),
        ("change-approved", "we've sent a link to your new address"),
        (
            "email-changed",
            "Your account now uses your new email address",
        ),
    ] {
        let html = srv
            .send(Request::get(&format!("/verify-email?status={status}")))
            .await
            .text();
        assert!(html.contains(text), "{status}: {html}");
    }
    for (code, text) in [
        ("INVALID_TOKEN", "This link is not valid"),
        ("TOKEN_EXPIRED", "has expired"),
        ("USER_NOT_FOUND", "no longer exists"),
    ] {
        let res = srv
            .send(Request::get(&format!("/verify-email?error={code}")))
            .await;
        assert_page(&res);
        let html = res.text();
        assert!(html.contains("Email not verified"), "{code}");
        assert!(html.contains(text), "{code}: {html}");
        assert!(!html.contains(code), "no raw code for end users");
        assert!(html.contains("href=\"/account#email\""));
        assert!(!html.contains("Thank you"), "{code}");
    }
    let pending = srv.send(Request::get("/verify-email?token=t0k")).await;
    assert_page(&pending);
    let pending = pending.text();
    assert!(pending.contains("src=\"/assets/verify-email.js\""));
    assert!(!pending.contains("t0k"));

    // The verification email's link lands on the page (callbackURL) with the right state.
    let res = srv
        .send(Request::get(
            "/api/auth/verify-email?token=nonsense&callbackURL=/verify-email",
        ))
        .await;
    assert_eq!(res.status, 302);
    let location = res.header("location").expect("location").to_owned();
    let res = srv.send(Request::get(&location)).await;
    assert_page(&res);
    assert!(res.text().contains("This link is not valid"));

    // Plugin pages, when their plugins are on.
    if magic_link_on(srv) {
        let res = srv.send(Request::get("/magic-link")).await;
        assert_page(&res);
        let html = res.text();
        assert!(html.contains("id=\"magic-link-form\""));
        assert!(html.contains("src=\"/assets/magic-link.js\""));
        let html = srv
            .send(Request::get("/magic-link?error=INVALID_TOKEN"))
            .await
            .text();
        assert!(html.contains("message--error"), "{html}");
    }
    if email_otp_on(srv) {
        let res = srv.send(Request::get("/email-otp")).await;
        assert_page(&res);
        let html = res.text();
        assert!(html.contains("id=\"email-otp-email-form\""));
        assert!(html.contains("id=\"email-otp-code-form\""));
        assert!(html.contains("autocomplete=\"one-time-code\""));
        assert!(html.contains("src=\"/assets/email-otp.js\""));
    }

    // Their scripts are served.
    for asset in [
        "forgot-password.js",
        "reset-password.js",
        "verify-email.js",
        "magic-link.js",
        "email-otp.js",
    ] {
        let res = srv.send(Request::get(&format!("/assets/{asset}"))).await;
        assert_eq!(res.status, 200, "{asset}: {}", res.describe());
        assert!(
            res.header("content-type")
                .is_some_and(|c| c.starts_with("text/javascript")),
            "{asset}"
        );
    }
    let english = script_messages(srv, "en").await;
    let said = |needle: &str| {
        english.as_object().is_some_and(|m| {
            m.values()
                .any(|v| v.as_str().is_some_and(|t| t.contains(needle)))
        })
    };
    assert!(said("Open it to verify your address, then sign in"));
}

/// The page scripts' messages in the language `accept` asks for: the script a page loads in
/// its head, which is kept until its content changes.
async fn script_messages(srv: &TestServer, accept: &str) -> serde_json::Value {
    let page = srv
        .send(Request::get("/sign-in").header("accept-language", accept))
        .await
        .text();
    let marker = "<script src=\"";
    let at = page
        .find(&format!("{marker}/assets/messages-"))
        .expect("script messages");
    let at = at + marker.len();
    let url = &page[at..at + page[at..].find('"').expect("end of the address")];
    assert!(
        url.starts_with(&format!("/assets/messages-{accept}-")),
        "{url}"
    );
    let res = srv.send(Request::get(url)).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/javascript"))
    );
    assert!(
        res.header("cache-control")
            .is_some_and(|c| c.contains("immutable"))
    );
    let script = res.text();
    let json = script
        .strip_prefix("globalThis.portcullisMessages = ")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("a script that sets the messages");
    serde_json::from_str(json).expect("JSON")
}

pub async fn sign_in_links_follow_config(srv: &TestServer) {
    // Defaults: password reset is on; the plugin flows show when they are registered.
    assert_sign_in_offers(srv, true).await;

    // Without email and password, there is no password to reset.
    let off = srv.with_config(&[("ENABLE_EMAIL_AUTH", "false")]).await;
    assert_sign_in_offers(&off, false).await;
    assert_not_found_page(&off.send(Request::get("/reset-password")).await);

    // The plugins switched off: no links, no pages.
    let off = srv
        .with_config(&[
            ("ENABLE_MAGIC_LINKS", "false"),
            ("ENABLE_EMAIL_OTP", "false"),
        ])
        .await;
    assert!(!magic_link_on(&off), "ENABLE_MAGIC_LINKS=false");
    assert!(!email_otp_on(&off), "ENABLE_EMAIL_OTP=false");
    assert_sign_in_offers(&off, true).await;

    // Switched on explicitly: offered whenever the plugins register their endpoints.
    let on = srv
        .with_config(&[("ENABLE_MAGIC_LINKS", "true"), ("ENABLE_EMAIL_OTP", "true")])
        .await;
    assert_sign_in_offers(&on, true).await;
}

/// The `/dev/outbox/<id>` links of the outbox list, in order.
fn outbox_ids(html: &str) -> Vec<String> {
    html.split("href=\"/dev/outbox/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The value of the first `srcdoc="..."` attribute, checked to end where the tag does.
#[track_caller]
fn srcdoc(html: &str) -> String {
    let start = html.find("srcdoc=\"").expect("an srcdoc frame") + "srcdoc=\"".len();
    let rest = &html[start..];
    let end = rest.find('"').expect("closing quote");
    assert!(
        rest[end..].starts_with("\"></iframe>"),
        "the srcdoc attribute ends the frame: {}",
        &rest[end..(end + 40).min(rest.len())]
    );
    rest[..end].to_owned()
}

pub async fn dev_outbox_pages(srv: &TestServer) {
    let email = "outbox.reader@example.com";
    srv.sign_up("Olive", email, "olive-password-1").await;
    let res = srv
        .send(Request::post("/api/auth/request-password-reset").json(&json!({"email": email})))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let sent = srv
        .last_message(email, "password-reset")
        .await
        .expect("reset email");

    // The list: newest first, with time, recipient, kind and subject.
    let res = srv.send(Request::get("/dev/outbox")).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    let html = res.text();
    assert!(html.contains("id=\"outbox-table\""), "{html}");
    assert!(html.contains(email));
    assert!(html.contains("password-reset"));
    assert!(html.contains(&escaped(&sent.subject)));
    assert!(html.contains(&sent.created_at.format("%Y-%m-%d").to_string()));
    let ids = outbox_ids(&html);
    let all = srv.outbox().await;
    assert_eq!(
        ids,
        all.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        "every message, newest first"
    );
    assert_eq!(ids[0], sent.id, "the reset email is the newest");

    // One message: subject, text, the HTML body in a sandboxed frame, the link to follow.
    let res = srv
        .send(Request::get(&format!("/dev/outbox/{}", sent.id)))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let csp = res.header("content-security-policy").expect("csp");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !csp.contains("script-src"),
        "scripts stay 'self' only: {csp}"
    );
    let html = res.text();
    assert!(html.contains(&escaped(&sent.subject)));
    assert!(html.contains("id=\"outbox-text\""));
    assert!(html.contains(
        "<iframe id=\"outbox-html\" class=\"outbox-frame\" sandbox=\"allow-same-origin\" "
    ));
    let doc = srcdoc(&html);
    assert!(!doc.contains('<'), "the frame's document is escaped");
    assert!(doc.contains("&lt;"), "{doc}");
    let link = srv.last_link(email, "password-reset").await;
    assert!(
        html.contains(&format!("href=\"{}\"", escaped(&link))),
        "the reset link is offered: {link}"
    );

    // Following it leads to the reset page, which works.
    let res = srv
        .send(Request::get(link.strip_prefix(&srv.base).expect("local")))
        .await;
    assert_eq!(res.status, 302, "{}", res.describe());
    let location = res.header("location").expect("location").to_owned();
    let local = location.strip_prefix(&srv.base).expect("local");
    assert!(local.starts_with("/reset-password?token="), "{location}");
    let res = srv.send(Request::get(local)).await;
    assert_page(&res);
    assert!(res.text().contains("id=\"reset-password-form\""));
    let token = local.trim_start_matches("/reset-password?token=");
    let res = srv
        .send(
            Request::post("/api/auth/reset-password")
                .json(&json!({"newPassword": "olive-password-2", "token": token})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.sign_in(email, "olive-password-2").await;

    // Unknown and malformed ids: the not-found page, never a file outside the outbox.
    for path in [
        "/dev/outbox/20990101T000000000000-000000",
        "/dev/outbox/nope",
        "/dev/outbox/..%2F..%2FCargo.toml",
        "/dev/outbox/%2e%2e",
        "/dev/outbox/a.json",
        &format!("/dev/outbox/{}.json", sent.id),
        &format!("/dev/outbox/{}%00", sent.id),
        &format!("/dev/outbox/{}", "a".repeat(200)),
    ] {
        let res = srv.send(Request::get(path)).await;
        assert_not_found_page(&res);
        assert!(!res.text().contains("[package]"), "{path}");
    }
    let res = srv.send(Request::get("/dev/outbox/a/b")).await;
    assert_eq!(res.status, 404);
}

pub async fn dev_outbox_escapes_messages(srv: &TestServer) {
    let outbox = srv.app.ctx.delivery.outbox().expect("outbox");
    let evil = outbox
        .write(portcullis_delivery::OutboxMessage {
            id: String::new(),
            channel: "email".into(),
            kind: "<b>kind</b>".into(),
            to: "\"><script>alert('to')</script>@example.com".into(),
            subject: "<script>alert('subject')</script>".into(),
            text: "Hi <img src=x onerror=alert('text')>\nhttps://acme.test/x?a=1&b=\"><script>alert('link')</script>\n"
                .into(),
            html: "<p style=\"color:red\" onclick=\"alert('html')\">\"quoted\" &amp; it's</p></iframe><script>alert('html')</script>"
                .into(),
            created_at: chrono::Utc::now(),
            from_name: Some("<script>alert('from')</script>".into()),
        })
        .await
        .expect("write");

    for path in ["/dev/outbox".to_owned(), format!("/dev/outbox/{}", evil.id)] {
        let res = srv.send(Request::get(&path)).await;
        assert_eq!(res.status, 200, "{}", res.describe());
        let html = res.text();
        assert!(!html.contains("<script>alert"), "{path}: {html}");
        assert!(!html.contains("<b>kind"), "{path}");
        assert!(!html.contains("<img"), "{path}");
        assert!(html.contains("&lt;script&gt;alert("), "{path}");
    }
    let html = srv
        .send(Request::get(&format!("/dev/outbox/{}", evil.id)))
        .await
        .text();
    let doc = srcdoc(&html);
    assert!(!doc.contains('<') && !doc.contains('>'), "{doc}");
    assert!(doc.contains("&quot;quoted&quot;"), "{doc}");
    assert!(
        doc.contains("&amp;amp;"),
        "entities are escaped once more: {doc}"
    );
    assert!(!html.contains("</iframe><script>"));
    // The extracted link stops at the markup and is escaped inside href.
    assert!(
        html.contains(&format!(
            "href=\"{}\"",
            escaped("https://acme.test/x?a=1&b=")
        )),
        "{html}"
    );
}

pub async fn dev_outbox_hidden_in_production(srv: &TestServer) {
    let prod = srv
        .with_config(&[
            ("PORTCULLIS_ENV", "production"),
            ("ALLOW_INSECURE_BASE_URL", "true"),
        ])
        .await;
    assert!(!prod.app.ctx.config.dev_outbox_ui);
    let email = "prod.user@example.com";
    prod.sign_up("Prod", email, "prod-password-1").await;
    prod.send(Request::post("/api/auth/request-password-reset").json(&json!({"email": email})))
        .await;
    for path in ["/dev/outbox", "/dev/outbox/20990101T000000000000-000000"] {
        let res = prod.send(Request::get(path)).await;
        assert_not_found_page(&res);
    }
    // Even a real message id is not served.
    if prod.app.ctx.delivery.outbox().is_some() {
        let sent = prod
            .last_message(email, "password-reset")
            .await
            .expect("reset email");
        let res = prod
            .send(Request::get(&format!("/dev/outbox/{}", sent.id)))
            .await;
        assert_not_found_page(&res);
    }
    // The hosted email pages themselves stay.
    assert_page(&prod.send(Request::get("/forgot-password")).await);
}

/// The link sign-up sends leads to the hosted verify page, which learns what the link did: the
/// first use verifies, a second says it was used. Any other callback gets exactly its address.
pub async fn verification_links_say_what_happened(srv: &TestServer) {
    let email = "told.what.happened@example.com";
    srv.sign_up("Told", email, "told-password-1").await;
    let link = srv.last_link(email, "verification").await;
    assert!(
        link.contains("callbackURL=%2Fverify-email"),
        "sign-up sends the link by default, to the hosted page: {link}"
    );
    let path = crate::scenarios::email_flows::local(srv, &link);
    for status in ["verified", "already-verified"] {
        let res = srv.send(Request::get(&path)).await;
        assert_eq!(res.status, 302, "{}", res.describe());
        assert_eq!(
            res.header("location"),
            Some(format!("{}/verify-email?status={status}", srv.base).as_str())
        );
    }
    // Another callback, as Better Auth: exactly the address given.
    let elsewhere = path.replace("callbackURL=%2Fverify-email", "callbackURL=%2Fdone");
    let res = srv.send(Request::get(&elsewhere)).await;
    assert_eq!(res.status, 302);
    assert_eq!(res.header("location"), Some("/done"));
}

/// The brand reaches every card and the favicon; the shell hides developer links in
/// production; the not-found page names the address, escaped.
pub async fn brand_favicon_and_not_found(srv: &TestServer) {
    let icon = srv.send(Request::get("/favicon.ico")).await;
    assert_eq!(icon.status, 200);
    assert_eq!(icon.header("content-type"), Some("image/x-icon"));
    assert!(icon.body.starts_with(&[0, 0, 1, 0]), "an ICO file");
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    assert!(sign_in.contains("rel=\"icon\" href=\"&#x2f;favicon.ico\""));
    assert!(!sign_in.contains("class=\"auth-logo\""));

    let branded = srv
        .with_config(&[
            ("APP_LOGO_URL", "https://cdn.example.com/logo.svg"),
            ("APP_FAVICON", "https://cdn.example.com/icon.png"),
        ])
        .await;
    for path in [
        "/sign-in",
        "/sign-up",
        "/forgot-password",
        "/reset-password",
        "/verify-email",
    ] {
        let html = branded.send(Request::get(path)).await.text();
        assert!(
            html.contains(
                "class=\"auth-logo\" src=\"https:&#x2f;&#x2f;cdn.example.com&#x2f;logo.svg\""
            ),
            "{path}: the logo in the card"
        );
    }
    let icon = branded.send(Request::get("/favicon.ico")).await;
    assert_eq!(icon.status, 307);
    assert_eq!(
        icon.header("location"),
        Some("https://cdn.example.com/icon.png")
    );

    let missing = srv
        .send(Request::get("/no/such/%3Cb%3Epage%3C%2Fb%3E"))
        .await;
    assert_not_found_page(&missing);
    let html = missing.text();
    assert!(html.contains("&#x2f;no&#x2f;such&#x2f;"), "{html}");
    assert!(!html.contains("<b>page"), "escaped");

    let dev = srv.send(Request::get("/")).await.text();
    assert!(dev.contains(">API reference</a>"));
    let prod = srv
        .with_config(&[
            ("PORTCULLIS_ENV", "production"),
            ("ALLOW_INSECURE_BASE_URL", "true"),
        ])
        .await;
    let html = prod.send(Request::get("/")).await.text();
    assert!(
        !html.contains(">API reference</a>"),
        "no developer links for end users"
    );
}

/// Pages and e-mails speak the request's language: `Accept-Language` picks French or
/// English, the page says which (`<html lang>`, `Content-Language`), and an e-mail a request
/// sends is in that request's language, even when it is sent after the answer.
pub async fn pages_and_emails_follow_the_language(srv: &TestServer) {
    let page =
        |accept: &'static str| srv.send(Request::get("/sign-in").header("accept-language", accept));
    let fr = page("fr-CA,fr;q=0.9,en;q=0.5").await;
    assert_page(&fr);
    assert_eq!(fr.header("content-language"), Some("fr"));
    assert!(
        fr.header("vary")
            .is_some_and(|v| v.contains("Accept-Language"))
    );
    let html = fr.text();
    assert!(html.contains("<html lang=\"fr\""), "{html}");
    assert!(html.contains("Se connecter"), "{html}");
    assert!(!html.contains("Keep me signed in"), "{html}");
    for accept in ["de-DE,de;q=0.9", "en-US", ""] {
        let en = page(accept).await;
        assert_eq!(en.header("content-language"), Some("en"), "{accept:?}");
        let html = en.text();
        assert!(
            html.contains("<html lang=\"en\"") && html.contains("Sign in"),
            "{accept:?}"
        );
    }
    // The script messages: a script in the page's language.
    let messages = script_messages(srv, "fr").await;
    assert_eq!(
        messages["js-error-unknown"],
        "Une erreur s'est produite. Réessayez."
    );

    // A reset link asked for in French is written in French; the same in English is not.
    let email = "langue@example.com";
    srv.sign_up("Amélie", email, "correct horse battery").await;
    for (accept, greeting) in [("fr", "Bonjour Amélie"), ("en", "Hi Amélie")] {
        let res = srv
            .send(
                Request::post("/api/auth/request-password-reset")
                    .header("accept-language", accept)
                    .json(&json!({"email": email, "redirectTo": "/reset-password"})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        let sent = srv
            .last_message(email, "password-reset")
            .await
            .expect("a reset e-mail");
        assert!(sent.text.contains(greeting), "{accept}: {}", sent.text);
        let lang = format!("<html lang=\"{accept}\"");
        assert!(sent.html.contains(&lang), "{accept}: {}", sent.html);
    }
}
