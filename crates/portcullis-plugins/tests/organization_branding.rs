//! Per-organization branding on each backend: who may brand (a member holding
//! `organization: [update]`) and who may claim a host (a server administrator), what is refused
//! (colours, sender names, logos, domains, a domain taken twice), how a request selects an
//! organization (its host; `X-Organization-Domain` from a trusted proxy only; the invitation a
//! page is about), and what the pages and e-mails then carry (name, logo, the colour's
//! stylesheet, the sender name), with Better Auth's organization answers unchanged and links
//! still built from the configured base URL. One scenario sends the invitation over real SMTP
//! to check the `From` line.

use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "branding-pw-1";
const ON: &[(&str, &str)] = &[("ENABLE_ORGANIZATIONS", "true"), ("ENABLE_ADMIN", "true")];
const DOMAIN: &str = "acme.example.test";
const LOGO: &str = "https://cdn.acme.test/logo.svg";
/// The Content-Security-Policy every hosted page gets; a branded page gets exactly this too.
const PAGE_CSP: &str = "default-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend(
            "only_the_right_people_brand_and_bad_values_are_refused",
            |b| Box::pin(only_the_right_people_brand_and_bad_values_are_refused(b)),
        )
        .per_backend("setting_a_domain_takes_the_administrators_step_up", |b| {
            Box::pin(setting_a_domain_takes_the_administrators_step_up(b))
        })
        .per_backend("a_host_or_a_trusted_header_selects_the_brand", |b| {
            Box::pin(a_host_or_a_trusted_header_selects_the_brand(b))
        })
        .per_backend("an_untrusted_header_is_ignored", |b| {
            Box::pin(an_untrusted_header_is_ignored(b))
        })
        .per_backend("invitations_carry_their_organizations_brand", |b| {
            Box::pin(invitations_carry_their_organizations_brand(b))
        })
        .per_backend("the_sender_name_arrives_over_smtp", |b| {
            Box::pin(the_sender_name_arrives_over_smtp(b))
        })
        .run()
}

#[track_caller]
fn ok(res: &Response) -> Value {
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()
}

async fn user<'a>(srv: &'a TestServer, email: &str) -> (Agent<'a>, String) {
    let mut agent = srv.agent();
    let (_, id) = agent.sign_up("Someone", email, PASSWORD).await;
    (agent, id)
}

/// A user made a server administrator (`user.role = admin`) and signed in afresh.
async fn admin<'a>(srv: &'a TestServer, email: &str) -> Agent<'a> {
    let (_, id) = user(srv, email).await;
    let mut set = portcullis_storage::Row::new();
    set.insert("role".into(), "admin".into());
    srv.adapter()
        .update(
            "user",
            &[portcullis_storage::Where::eq("id", id.as_str())],
            set,
        )
        .await
        .expect("promote");
    let mut agent = srv.agent();
    agent.sign_in(email, PASSWORD).await;
    agent
}

async fn create_org(agent: &mut Agent<'_>, slug: &str, name: &str) -> String {
    let res = agent
        .post(
            "/api/auth/organization/create",
            json!({"name": name, "slug": slug}),
        )
        .await;
    ok(&res)["id"].as_str().expect("id").to_owned()
}

async fn brand(agent: &mut Agent<'_>, org: &str, body: Value) -> Response {
    let mut body = body;
    body["organizationId"] = json!(org);
    agent
        .post("/api/auth/organization/update-branding", body)
        .await
}

async fn set_domain(agent: &mut Agent<'_>, org: &str, domain: Value) -> Response {
    agent
        .post(
            "/api/auth/organization/set-domain",
            json!({"organizationId": org, "domain": domain}),
        )
        .await
}

/// An organization "Acme Corp" with a logo, a colour, a sender name and the domain
/// [`DOMAIN`]; returns its owner and id.
async fn acme(srv: &TestServer) -> (Agent<'_>, String) {
    let (mut owner, _) = user(srv, "owner@example.com").await;
    let org = create_org(&mut owner, "acme", "Acme Corp").await;
    ok(&brand(
        &mut owner,
        &org,
        json!({"logo": LOGO, "primaryColor": "#FF5A5F", "senderName": "Acme Support"}),
    )
    .await);
    let mut root = admin(srv, "root@example.com").await;
    ok(&set_domain(&mut root, &org, json!(DOMAIN)).await);
    (owner, org)
}

async fn page(srv: &TestServer, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = srv.send(req).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("content-security-policy"), Some(PAGE_CSP));
    res
}

/// `text` as the page templates write it into an attribute (minijinja escapes `/`).
fn attr(text: &str) -> String {
    text.replace('/', "&#x2f;")
}

#[track_caller]
fn assert_branded(res: &Response, color_file: &str) {
    let html = res.text();
    assert!(html.contains("Acme Corp"), "{html}");
    assert!(
        html.contains(&format!("src=\"{}\" alt=\"Acme Corp\"", attr(LOGO))),
        "{html}"
    );
    let sheet = attr(&format!("/assets/{color_file}"));
    assert!(
        html.contains(&format!("<link rel=\"stylesheet\" href=\"{sheet}\">")),
        "{html}"
    );
}

#[track_caller]
fn assert_plain(res: &Response) {
    let html = res.text();
    assert!(!html.contains("Acme Corp"), "{html}");
    assert!(!html.contains(&attr("/assets/brand-")), "{html}");
    assert!(!html.contains("/assets/brand-"), "{html}");
}

async fn only_the_right_people_brand_and_bad_values_are_refused(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs(ON.iter().copied())
        .start()
        .await;
    let (mut owner, _) = user(&srv, "owner@example.com").await;
    let org = create_org(&mut owner, "acme", "Acme Corp").await;

    // Bad values: a clear 400 each, and nothing stored.
    for (body, code) in [
        (json!({"primaryColor": "red"}), "INVALID_BRAND_COLOR"),
        (json!({"primaryColor": "#ff5a5;x"}), "INVALID_BRAND_COLOR"),
        (
            json!({"senderName": "Acme\r\nBcc: all@example.com"}),
            "INVALID_SENDER_NAME",
        ),
        (
            json!({"senderName": "\"Acme\" <ceo@acme.test>"}),
            "INVALID_SENDER_NAME",
        ),
        (json!({"senderName": "a".repeat(65)}), "INVALID_SENDER_NAME"),
        (
            json!({"logo": "http://cdn.acme.test/logo.svg"}),
            "INVALID_LOGO_URL",
        ),
        (json!({"logo": "javascript:alert(1)"}), "INVALID_LOGO_URL"),
        (json!({"logo": "//evil.test/logo.svg"}), "INVALID_LOGO_URL"),
    ] {
        let res = brand(&mut owner, &org, body.clone()).await;
        assert_eq!(res.status, 400, "{body}: {}", res.describe());
        assert_eq!(res.json()["code"], code, "{body}");
        assert!(
            res.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let got = ok(&owner
        .get(&format!(
            "/api/auth/organization/get-branding?organizationId={org}"
        ))
        .await);
    assert_eq!(
        got,
        json!({"organizationId": org, "name": "Acme Corp", "logo": null, "primaryColor": null,
               "senderName": null, "domain": null})
    );

    // The owner brands; a relative logo is fine; blank clears.
    let res = brand(
        &mut owner,
        &org,
        json!({"logo": "/acme.svg", "primaryColor": "#ff5a5f", "senderName": " Acme Support "}),
    )
    .await;
    assert_eq!(
        ok(&res),
        json!({"organizationId": org, "name": "Acme Corp", "logo": "/acme.svg",
               "primaryColor": "#ff5a5f", "senderName": "Acme Support", "domain": null})
    );
    let res = brand(&mut owner, &org, json!({"logo": ""})).await;
    assert_eq!(ok(&res)["logo"], Value::Null);
    assert_eq!(
        ok(&res)["primaryColor"],
        "#ff5a5f",
        "absent values are kept"
    );

    // Better Auth's answers do not grow the new columns.
    let full = ok(&owner
        .get(&format!(
            "/api/auth/organization/get-full-organization?organizationId={org}"
        ))
        .await);
    for key in ["domain", "brandColor", "brandSenderName"] {
        assert!(full.get(key).is_none(), "{key} in {full}");
    }
    let listed = ok(&owner.get("/api/auth/organization/list").await);
    let keys: Vec<&str> = listed[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 6, "Better Auth's six fields: {keys:?}");

    // A plain member may read the branding but not change it.
    let res = owner
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "member@example.com", "role": "member", "organizationId": org}),
        )
        .await;
    let inv = ok(&res)["id"].as_str().expect("id").to_owned();
    let (mut member, _) = user(&srv, "member@example.com").await;
    ok(&member
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": inv}),
        )
        .await);
    let res = brand(&mut member, &org, json!({"primaryColor": "#000000"})).await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION",
        "You are not allowed to update this organization",
    );
    assert_eq!(
        ok(&member
            .get(&format!(
                "/api/auth/organization/get-branding?organizationId={org}"
            ))
            .await)["primaryColor"],
        "#ff5a5f"
    );
    // A stranger may do neither.
    let (mut stranger, _) = user(&srv, "stranger@example.com").await;
    let res = brand(&mut stranger, &org, json!({"primaryColor": "#000000"})).await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(
        res.json()["code"],
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"
    );
    let res = stranger
        .get(&format!(
            "/api/auth/organization/get-branding?organizationId={org}"
        ))
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());

    // Domains: the owner is no server administrator; an administrator sets one, lower-cased.
    let res = set_domain(&mut owner, &org, json!(DOMAIN)).await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_SET_THE_ORGANIZATION_DOMAIN",
        "Only a server administrator may set an organization's domain",
    );
    let mut root = admin(&srv, "root@example.com").await;
    for bad in [
        "acme example.test",
        "https://acme.example.test",
        "-acme.test",
        "acme.test:8443",
    ] {
        let res = set_domain(&mut root, &org, json!(bad)).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.describe());
        assert_eq!(res.json()["code"], "INVALID_ORGANIZATION_DOMAIN", "{bad}");
    }
    let res = set_domain(&mut root, &org, json!("Acme.Example.TEST")).await;
    assert_eq!(ok(&res)["domain"], DOMAIN);
    let other = create_org(&mut owner, "globex", "Globex").await;
    let res = set_domain(&mut root, &other, json!(DOMAIN)).await;
    assert_error(
        &res,
        400,
        "ORGANIZATION_DOMAIN_ALREADY_TAKEN",
        "Another organization already has this domain",
    );
    let res = set_domain(&mut root, "no-such-org", json!("x.test")).await;
    assert_eq!(res.json()["code"], "ORGANIZATION_NOT_FOUND");
    // Setting it again on the same organization is fine; null frees it for another.
    ok(&set_domain(&mut root, &org, json!(DOMAIN)).await);
    assert_eq!(
        ok(&set_domain(&mut root, &org, Value::Null).await)["domain"],
        Value::Null
    );
    assert_eq!(
        ok(&set_domain(&mut root, &other, json!(DOMAIN)).await)["domain"],
        DOMAIN
    );
    // A member's update-branding cannot name a domain.
    let res = brand(&mut owner, &org, json!({"domain": "mine.test"})).await;
    assert_eq!(ok(&res)["domain"], Value::Null);
}

async fn a_host_or_a_trusted_header_selects_the_brand(backend: Backend) {
    let env: Vec<(&str, &str)> = ON
        .iter()
        .copied()
        .chain([("TRUSTED_PROXIES", "127.0.0.1, ::1")])
        .collect();
    let srv = TestServer::builder(backend).envs(env).start().await;
    let (mut owner, org) = acme(&srv).await;
    let file = "brand-ff5a5f.css";

    // By host (any case, with a port), on the sign-in and sign-up pages.
    assert_plain(&page(&srv, "/sign-in", &[]).await);
    assert_branded(
        &page(&srv, "/sign-in", &[("host", "ACME.example.test:8443")]).await,
        file,
    );
    assert_branded(&page(&srv, "/sign-up", &[("host", DOMAIN)]).await, file);
    assert_plain(&page(&srv, "/sign-in", &[("host", "other.example.test")]).await);
    // By the header, from a trusted proxy.
    assert_branded(
        &page(&srv, "/sign-in", &[("x-organization-domain", DOMAIN)]).await,
        file,
    );

    // The colour's stylesheet: made from its name, readable text on the colour.
    let css = srv.send(Request::get(&format!("/assets/{file}"))).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        css.text().contains("--pc-primary:#ff5a5f;"),
        "{}",
        css.text()
    );
    assert!(
        css.text().contains("--pc-on-primary:#000000;"),
        "{}",
        css.text()
    );
    let bad = srv.send(Request::get("/assets/brand-ff5a5f;x.css")).await;
    assert_eq!(bad.status, 404);

    // A change is seen at once on this instance (the cache is invalidated).
    ok(&brand(&mut owner, &org, json!({"primaryColor": "#123456"})).await);
    assert_branded(
        &page(&srv, "/sign-in", &[("host", DOMAIN)]).await,
        "brand-123456.css",
    );

    // E-mails sent for a request on that host carry the brand; links keep the base URL.
    user(&srv, "reader@example.com").await;
    let res = srv
        .send(
            Request::post("/api/auth/request-password-reset")
                .header("host", DOMAIN)
                .json(&json!({"email": "reader@example.com", "redirectTo": "/reset-password"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let mail = srv
        .last_message("reader@example.com", "password-reset")
        .await
        .expect("reset mail");
    assert_eq!(mail.from_name.as_deref(), Some("Acme Support"));
    assert!(mail.html.contains("#123456"), "{}", mail.html);
    assert!(mail.html.contains(LOGO), "{}", mail.html);
    assert!(
        mail.subject.contains("Acme Corp") || mail.text.contains("Acme Corp"),
        "{}",
        mail.text
    );
    let link = srv.last_link("reader@example.com", "password-reset").await;
    assert!(
        link.starts_with(&srv.base),
        "{link} is built from the base URL"
    );
    assert!(!link.contains(DOMAIN), "{link}");

    // The same request without the host: the configured brand and sender.
    let res = srv
        .post(
            "/request-password-reset",
            json!({"email": "reader@example.com", "redirectTo": "/reset-password"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let mail = srv
        .last_message("reader@example.com", "password-reset")
        .await
        .expect("reset mail");
    assert_eq!(mail.from_name, None);
    assert!(!mail.html.contains(LOGO), "{}", mail.html);
}

async fn an_untrusted_header_is_ignored(backend: Backend) {
    // The test client connects from 127.0.0.1, which is not one of these proxies.
    let env: Vec<(&str, &str)> = ON
        .iter()
        .copied()
        .chain([("TRUSTED_PROXIES", "10.0.0.0/8")])
        .collect();
    let srv = TestServer::builder(backend).envs(env).start().await;
    acme(&srv).await;
    assert_plain(&page(&srv, "/sign-in", &[("x-organization-domain", DOMAIN)]).await);
    user(&srv, "reader@example.com").await;
    let res = srv
        .send(
            Request::post("/api/auth/request-password-reset")
                .header("x-organization-domain", DOMAIN)
                .json(&json!({"email": "reader@example.com", "redirectTo": "/reset-password"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let mail = srv
        .last_message("reader@example.com", "password-reset")
        .await
        .expect("reset mail");
    assert_eq!(
        mail.from_name, None,
        "an untrusted peer cannot pick the sender"
    );
    // The host still selects it.
    assert_branded(
        &page(&srv, "/sign-in", &[("host", DOMAIN)]).await,
        "brand-ff5a5f.css",
    );
}

async fn invitations_carry_their_organizations_brand(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs(ON.iter().copied())
        .start()
        .await;
    let (mut owner, org) = acme(&srv).await;
    let res = owner
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "new@example.com", "role": "member", "organizationId": org}),
        )
        .await;
    let id = ok(&res)["id"].as_str().expect("id").to_owned();
    let mail = srv
        .last_message("new@example.com", "organization-invitation")
        .await
        .expect("invitation");
    assert_eq!(mail.from_name.as_deref(), Some("Acme Support"));
    assert!(mail.html.contains("#ff5a5f"), "{}", mail.html);
    assert!(mail.html.contains(LOGO), "{}", mail.html);
    assert!(mail.text.contains("join Acme Corp"), "{}", mail.text);
    let link = srv
        .last_link("new@example.com", "organization-invitation")
        .await;
    assert!(link.starts_with(&srv.base), "{link}");

    // The landing page, and the sign-in and sign-up pages it sends the invitee to, are branded
    // by the invitation without any host.
    let file = "brand-ff5a5f.css";
    assert_branded(
        &page(&srv, &format!("/organization/invitation?id={id}"), &[]).await,
        file,
    );
    let back = format!("%2Forganization%2Finvitation%3Fid%3D{id}");
    assert_branded(
        &page(&srv, &format!("/sign-in?redirect={back}"), &[]).await,
        file,
    );
    assert_branded(
        &page(&srv, &format!("/sign-up?redirect={back}"), &[]).await,
        file,
    );
    assert_plain(&page(&srv, "/organization/invitation?id=no-such-invitation", &[]).await);

    // An organization without branding still lends its name to its invitations.
    let plain = create_org(&mut owner, "plain", "Plain Org").await;
    ok(&owner
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "other@example.com", "role": "member", "organizationId": plain}),
        )
        .await);
    let mail = srv
        .last_message("other@example.com", "organization-invitation")
        .await
        .expect("invitation");
    assert_eq!(mail.from_name, None);
    assert!(mail.text.contains("join Plain Org"), "{}", mail.text);
}

async fn the_sender_name_arrives_over_smtp(backend: Backend) {
    let sink = MailSink::start().await;
    let env: Vec<(String, String)> = ON
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain(sink.env())
        .collect();
    let srv = TestServer::builder(backend).envs(env).start().await;
    let (mut owner, org) = acme(&srv).await;
    ok(&owner
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "smtp@example.com", "role": "member", "organizationId": org}),
        )
        .await);
    let mail = sink.last_to("smtp@example.com").await;
    assert!(
        mail.from.starts_with("\"Acme Support\" <") || mail.from.starts_with("Acme Support <"),
        "{}",
        mail.from
    );
    // The address is the configured one, in the header and the envelope.
    let address = mail.envelope_from.trim_matches(|c| c == '<' || c == '>');
    assert!(!address.is_empty(), "{mail:?}");
    assert!(
        mail.from.ends_with(&format!("<{address}>")),
        "{}",
        mail.from
    );
    assert!(mail.html.contains("#ff5a5f"), "{}", mail.html);
}

/// Claiming a domain is an administrator's action like the admin plugin's own: with step-up on,
/// an administrator without a second factor is refused as the admin endpoints refuse them.
async fn setting_a_domain_takes_the_administrators_step_up(backend: Backend) {
    let srv = TestServer::builder(backend)
        .envs(ON.iter().copied())
        .env("ENABLE_TWO_FACTOR", "true")
        .env("ADMIN_STEP_UP", "true")
        .start()
        .await;
    let (mut owner, _) = user(&srv, "owner@example.com").await;
    let org = create_org(&mut owner, "acme", "Acme Corp").await;
    let mut root = admin(&srv, "root@example.com").await;
    let res = set_domain(&mut root, &org, json!(DOMAIN)).await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert_eq!(res.json()["code"], "ADMIN_TWO_FACTOR_REQUIRED");
    let res = set_domain(&mut owner, &org, json!(DOMAIN)).await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert_eq!(
        res.json()["code"],
        "YOU_ARE_NOT_ALLOWED_TO_SET_THE_ORGANIZATION_DOMAIN"
    );
}
