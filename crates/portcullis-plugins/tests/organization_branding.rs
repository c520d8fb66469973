//! Per-organization branding on each backend: who may brand (a member holding
//! `organization: [update]`) and who may claim a host (a server administrator), what is refused
//! (colours, sender names, logos, domains, a domain taken twice), how a request selects an
//! organization (its host; `X-Organization-Domain` from a trusted proxy only; the invitation a
//! page is about), and what the pages and e-mails then carry (name, logo, the colour's
//! stylesheet, the sender name), with Better Auth's organization answers unchanged and links
//! still built from the configured base URL. One scenario sends the invitation over real SMTP
//! to check the `From` line. The admin console's "Organizations" section is tested in `console`.

mod common;

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
        .per_backend("console_only_administrators_use_the_section", |b| {
            Box::pin(console::only_administrators_use_the_section(b))
        })
        .per_backend("console_organizations_are_listed_a_page_at_a_time", |b| {
            Box::pin(console::organizations_are_listed_a_page_at_a_time(b))
        })
        .per_backend("console_an_organizations_detail", |b| {
            Box::pin(console::an_organizations_detail(b))
        })
        .per_backend("console_an_administrator_brands_any_organization", |b| {
            Box::pin(console::an_administrator_brands_any_organization(b))
        })
        .per_backend("console_deleting_takes_everything_with_it", |b| {
            Box::pin(console::deleting_takes_everything_with_it(b))
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

/// The admin console's "Organizations" section (with the admin plugin): its endpoints refuse
/// anyone but an administrator (and are not served without the admin plugin); organizations are
/// listed newest first a keyset page at a time, without repeats or gaps even among organizations
/// made in the same instant, found by a part of the name or slug or by id, each with its member
/// count; an organization's detail lists its members with their addresses, its teams and
/// pending invitations; an administrator who is no member brands it under the members' rules
/// (a bad colour, logo or sender name is a 400), which the hosted pages for its domain show at
/// once; and deleting it takes its members, teams and invitations with it, recorded in the
/// audit log.
mod console {
    use portcullis_storage::{Row, Where};
    use portcullis_testkit::prelude::*;
    use serde_json::{Value, json};

    use super::common;

    const PASSWORD: &str = "org-console-pw-1";
    const ON: &[(&str, &str)] = &[
        ("ENABLE_ORGANIZATIONS", "true"),
        ("ORGANIZATION_TEAMS", "true"),
        ("ENABLE_ADMIN", "true"),
        ("ENABLE_AUDIT_LOG", "true"),
    ];
    const DOMAIN: &str = "acme.console.test";
    const LIST: &str = "/api/auth/admin/console/organizations";
    const DETAIL: &str = "/api/auth/admin/console/organizations/detail";
    const BRAND: &str = "/api/auth/admin/console/organizations/update-branding";
    const DELETE: &str = "/api/auth/admin/console/organizations/delete";

    async fn server(backend: Backend) -> TestServer {
        TestServer::builder(backend)
            .envs(ON.iter().copied())
            .start()
            .await
    }

    #[track_caller]
    fn ok(res: &Response) -> Value {
        assert_eq!(res.status, 200, "{}", res.describe());
        res.json()
    }

    async fn user<'a>(srv: &'a TestServer, name: &str, email: &str) -> (Agent<'a>, String) {
        let mut agent = srv.agent();
        let (_, id) = agent.sign_up(name, email, PASSWORD).await;
        (agent, id)
    }

    async fn create_org(agent: &mut Agent<'_>, slug: &str, name: &str) -> String {
        let res = agent
            .post(
                "/api/auth/organization/create",
                json!({"name": name, "slug": slug, "keepCurrentActiveOrganization": true}),
            )
            .await;
        ok(&res)["id"].as_str().expect("id").to_owned()
    }

    /// Invites `email` into `org` as a member, and has them accept; answers the invitee's agent.
    async fn join<'a>(
        srv: &'a TestServer,
        owner: &mut Agent<'_>,
        org: &str,
        name: &str,
        email: &str,
    ) -> (Agent<'a>, String) {
        let res = owner
            .post(
                "/api/auth/organization/invite-member",
                json!({"email": email, "role": "member", "organizationId": org}),
            )
            .await;
        let inv = ok(&res)["id"].as_str().expect("id").to_owned();
        let (mut member, id) = user(srv, name, email).await;
        ok(&member
            .post(
                "/api/auth/organization/accept-invitation",
                json!({"invitationId": inv}),
            )
            .await);
        (member, id)
    }

    /// Every organization `q` finds, page by page with `limit` per page.
    async fn all_pages(admin: &mut Agent<'_>, q: &str, limit: usize) -> Vec<Value> {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let mut path = format!("{LIST}?limit={limit}&q={}", urlencode(q));
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", urlencode(c)));
            }
            let page = ok(&admin.get(&path).await);
            let rows = page["organizations"].as_array().expect("organizations");
            assert!(rows.len() <= limit, "{page}");
            seen.extend(rows.iter().cloned());
            match page["nextCursor"].as_str() {
                Some(c) => {
                    assert_eq!(rows.len(), limit, "a page short of the limit is the last");
                    cursor = Some(c.to_owned());
                }
                None => return seen,
            }
        }
        panic!("more than 100 pages");
    }

    fn urlencode(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    fn ids(rows: &[Value]) -> Vec<String> {
        rows.iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect()
    }

    #[track_caller]
    fn assert_newest_first(rows: &[Value]) {
        let dates: Vec<_> = rows.iter().map(|r| parse_date(&r["createdAt"])).collect();
        assert!(
            dates.windows(2).all(|w| w[0] >= w[1]),
            "newest first: {dates:?}"
        );
        let mut unique = ids(rows);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), rows.len(), "no repeats: {rows:?}");
    }

    pub(super) async fn only_administrators_use_the_section(backend: Backend) {
        let srv = server(backend).await;
        let (mut owner, _) = user(&srv, "Olga Owner", "owner@example.com").await;
        let org = create_org(&mut owner, "acme", "Acme Corp").await;
        let gets = [LIST.to_owned(), format!("{DETAIL}?id={org}")];
        let posts = [
            (
                BRAND,
                json!({"organizationId": org, "primaryColor": "#000000"}),
            ),
            (DELETE, json!({"organizationId": org})),
        ];
        // The organization's own owner is no server administrator.
        for path in &gets {
            let res = owner.get(path).await;
            assert_error(
                &res,
                403,
                "YOU_ARE_NOT_ALLOWED_TO_MANAGE_ORGANIZATIONS",
                "Only a server administrator may see and manage every organization",
            );
            let res = srv.send(Request::get(path)).await;
            assert_eq!(res.status, 401, "{path} signed out: {}", res.describe());
        }
        for (path, body) in &posts {
            let res = owner.post(path, body.clone()).await;
            assert_eq!(res.status, 403, "{path}: {}", res.describe());
            assert_eq!(
                res.json()["code"],
                "YOU_ARE_NOT_ALLOWED_TO_MANAGE_ORGANIZATIONS"
            );
        }
        // Nothing changed.
        let branding = ok(&owner
            .get(&format!(
                "/api/auth/organization/get-branding?organizationId={org}"
            ))
            .await);
        assert_eq!(branding["primaryColor"], Value::Null);

        // An administrator's console has the section, with its script.
        let (mut admin, _) = common::administrator(&srv, "root@example.com", PASSWORD).await;
        let page = admin.get("/admin").await;
        assert_eq!(page.status, 200, "{}", page.describe());
        let html = page.text();
        assert!(html.contains("href=\"#organizations\""), "{html}");
        assert!(html.contains("/assets/admin-organizations.js"), "{html}");
        assert!(
            html.contains("sandbox=\"\""),
            "the preview frame is sandboxed"
        );
        // And the API document describes every endpoint.
        let doc = openapi_document(&srv).await;
        for path in [
            "/admin/console/organizations",
            "/admin/console/organizations/detail",
            "/admin/console/organizations/update-branding",
            "/admin/console/organizations/delete",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} in the API document");
        }

        // Without the admin plugin, there is no section and no endpoint.
        let plain = TestServer::builder(backend)
            .env("ENABLE_ORGANIZATIONS", "true")
            .start()
            .await;
        let (mut someone, _) = user(&plain, "Sam", "sam@example.com").await;
        let res = someone.get(LIST).await;
        assert_eq!(res.status, 404, "{}", res.describe());
        let res = someone.post(DELETE, json!({"organizationId": "x"})).await;
        assert_eq!(res.status, 404, "{}", res.describe());
    }

    pub(super) async fn organizations_are_listed_a_page_at_a_time(backend: Backend) {
        let srv = server(backend).await;
        let (mut owner, _) = user(&srv, "Olga Owner", "owner@example.com").await;
        let mut made = Vec::new();
        for (slug, name) in [
            ("acme-one", "Acme One"),
            ("acme-two", "Acme Two"),
            ("globex", "Globex"),
            ("initech", "Initech"),
            ("umbrella", "Umbrella"),
        ] {
            made.push(create_org(&mut owner, slug, name).await);
        }
        // Two more members in Acme One: three in all.
        join(&srv, &mut owner, &made[0], "Mia", "mia@example.com").await;
        join(&srv, &mut owner, &made[0], "Max", "max@example.com").await;
        // Five made in the same instant (as an import would): pages must not split them badly.
        let instant = chrono::Utc::now() - chrono::Duration::days(1);
        for i in 0..5 {
            let mut row = Row::new();
            row.insert("id".into(), format!("imported-{i}").into());
            row.insert("name".into(), format!("Imported {i}").into());
            row.insert("slug".into(), format!("imported-{i}").into());
            row.insert("createdAt".into(), instant.into());
            srv.adapter()
                .create("organization", row)
                .await
                .expect("import");
        }

        let (mut admin, _) = common::administrator(&srv, "root@example.com", PASSWORD).await;
        let doc = openapi_document(&srv).await;
        let first = ok(&admin.get(&format!("{LIST}?limit=2")).await);
        assert_matches_openapi(&doc, "get", "/admin/console/organizations", 200, &first);
        assert_eq!(
            first["organizations"][0]["id"],
            made[4].as_str(),
            "newest first"
        );

        for limit in [1, 2, 3, 4, 100] {
            let all = all_pages(&mut admin, "", limit).await;
            assert_eq!(
                all.len(),
                10,
                "limit {limit}: every organization once: {all:?}"
            );
            assert_newest_first(&all);
            let got = ids(&all);
            for id in &made {
                assert!(got.contains(id), "limit {limit}: {id} listed");
            }
            // The imported ones come last (a day older), each once.
            let tail: Vec<&str> = got[5..].iter().map(String::as_str).collect();
            let mut imported: Vec<&str> = tail.clone();
            imported.sort_unstable();
            assert_eq!(
                imported,
                [
                    "imported-0",
                    "imported-1",
                    "imported-2",
                    "imported-3",
                    "imported-4"
                ],
                "limit {limit}"
            );
        }

        // Member counts and brand, per organization.
        let all = all_pages(&mut admin, "", 100).await;
        let by_id = |id: &str| all.iter().find(|o| o["id"] == id).expect("listed").clone();
        let acme_one = by_id(&made[0]);
        assert_eq!(acme_one["members"], 3, "{acme_one}");
        assert_eq!(acme_one["name"], "Acme One");
        assert_eq!(acme_one["slug"], "acme-one");
        assert_eq!(acme_one["domain"], Value::Null);
        assert_eq!(acme_one["primaryColor"], Value::Null);
        assert_eq!(by_id(&made[1])["members"], 1);
        assert_eq!(by_id("imported-0")["members"], 0);

        // Found by a part of the slug (any case), of the name, or by id; across pages too.
        let names = |rows: &[Value]| {
            let mut n: Vec<String> = rows
                .iter()
                .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
                .collect();
            n.sort();
            n
        };
        assert_eq!(
            names(&all_pages(&mut admin, "acme", 1).await),
            ["Acme One", "Acme Two"]
        );
        assert_eq!(
            names(&all_pages(&mut admin, "ACME", 1).await),
            ["Acme One", "Acme Two"]
        );
        assert_eq!(names(&all_pages(&mut admin, "Two", 1).await), ["Acme Two"]);
        assert_eq!(names(&all_pages(&mut admin, "lobe", 1).await), ["Globex"]);
        assert_eq!(
            names(&all_pages(&mut admin, &made[3], 1).await),
            ["Initech"]
        );
        assert_eq!(all_pages(&mut admin, "imported", 2).await.len(), 5);
        assert!(all_pages(&mut admin, "nothing-like-it", 2).await.is_empty());
        assert!(
            all_pages(&mut admin, "50%_", 2).await.is_empty(),
            "LIKE's wildcards are text"
        );

        // Bad paging is a 400, never a 500.
        for query in [
            "limit=0",
            "limit=101",
            "limit=ten",
            "cursor=not-a-cursor",
            "cursor=2026-01-01T00:00:00Z",
            "q=a%00b",
        ] {
            let res = admin.get(&format!("{LIST}?{query}")).await;
            assert_eq!(res.status, 400, "{query}: {}", res.describe());
        }
    }

    /// The organization the detail and the deletion look at: Olga owns it, Mia joined it and
    /// its team Bakers, and an invitation (as an admin) is pending.
    struct Acme<'a> {
        owner: Agent<'a>,
        owner_id: String,
        org: String,
        mia: Agent<'a>,
        mia_id: String,
        team_id: String,
    }

    async fn acme(srv: &TestServer) -> Acme<'_> {
        let (mut owner, owner_id) = user(srv, "Olga Owner", "owner@example.com").await;
        let org = create_org(&mut owner, "acme", "Acme Corp").await;
        let (mia, mia_id) = join(srv, &mut owner, &org, "Mia Member", "mia@example.com").await;
        ok(&owner
            .post(
                "/api/auth/organization/invite-member",
                json!({"email": "pending@example.com", "role": "admin", "organizationId": org}),
            )
            .await);
        let team = ok(&owner
            .post(
                "/api/auth/organization/create-team",
                json!({"name": "Bakers", "organizationId": org}),
            )
            .await);
        let team_id = team["id"].as_str().expect("team").to_owned();
        ok(&owner
            .post(
                "/api/auth/organization/add-team-member",
                json!({"teamId": team_id, "userId": mia_id, "organizationId": org}),
            )
            .await);
        Acme {
            owner,
            owner_id,
            org,
            mia,
            mia_id,
            team_id,
        }
    }

    pub(super) async fn an_organizations_detail(backend: Backend) {
        let srv = server(backend).await;
        let Acme {
            owner_id,
            org,
            mia_id,
            team_id,
            ..
        } = acme(&srv).await;
        // Another organization's people stay out of it.
        let (mut other, _) = user(&srv, "Otto Other", "otto@example.com").await;
        create_org(&mut other, "globex", "Globex").await;

        let (mut admin, _) = common::administrator(&srv, "root@example.com", PASSWORD).await;
        let res = admin.get(&format!("{DETAIL}?id={org}")).await;
        let detail = ok(&res);
        assert_eq!(res.header("cache-control"), Some("no-store"));
        assert_matches_openapi(
            &openapi_document(&srv).await,
            "get",
            "/admin/console/organizations/detail",
            200,
            &detail,
        );
        assert_eq!(detail["organization"]["id"], org.as_str());
        assert_eq!(detail["organization"]["name"], "Acme Corp");
        assert_eq!(detail["organization"]["members"], 2);
        assert_eq!(
            detail["branding"],
            json!({"organizationId": org, "name": "Acme Corp", "logo": null, "primaryColor": null,
                   "senderName": null, "domain": null})
        );
        let members = detail["members"].as_array().expect("members");
        assert_eq!(members.len(), 2, "{detail}");
        let owner_row = members
            .iter()
            .find(|m| m["userId"] == owner_id.as_str())
            .expect("the owner");
        assert_eq!(owner_row["email"], "owner@example.com");
        assert_eq!(owner_row["name"], "Olga Owner");
        assert_eq!(owner_row["role"], "owner");
        let mia = members
            .iter()
            .find(|m| m["userId"] == mia_id.as_str())
            .expect("the member");
        assert_eq!(mia["email"], "mia@example.com");
        assert_eq!(mia["role"], "member");
        assert!(!detail.to_string().contains("otto@example.com"));

        let invitations = detail["invitations"].as_array().expect("invitations");
        assert_eq!(invitations.len(), 1, "only the pending one: {detail}");
        assert_eq!(invitations[0]["email"], "pending@example.com");
        assert_eq!(invitations[0]["role"], "admin");
        assert_iso_date(&invitations[0]["expiresAt"]);
        assert_eq!(detail["invitationCount"], 1);

        let teams = detail["teams"].as_array().expect("teams are on");
        assert!(
            teams
                .iter()
                .any(|t| t["id"] == team_id.as_str() && t["name"] == "Bakers"),
            "{detail}"
        );
        assert_eq!(detail["teamCount"].as_u64(), Some(teams.len() as u64));

        // An unknown or unusable id.
        for id in ["no-such-organization", ""] {
            let res = admin.get(&format!("{DETAIL}?id={id}")).await;
            assert_eq!(res.status, 400, "{id}: {}", res.describe());
            assert_eq!(res.json()["code"], "ORGANIZATION_NOT_FOUND");
        }
    }

    /// `text` as the page templates write it into an attribute (minijinja escapes `/`).
    fn attr(text: &str) -> String {
        text.replace('/', "&#x2f;")
    }

    async fn sign_in_page(srv: &TestServer, host: &str) -> String {
        let res = srv
            .send(Request::get("/sign-in").header("host", host))
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        res.text()
    }

    async fn audit_events(admin: &mut Agent<'_>, action: &str, org: &str) -> Vec<Value> {
        let res = admin
            .get(&format!(
                "/api/auth/audit/list?action={action}&organizationId={org}"
            ))
            .await;
        ok(&res)["events"].as_array().cloned().unwrap_or_default()
    }

    pub(super) async fn an_administrator_brands_any_organization(backend: Backend) {
        let srv = server(backend).await;
        let (mut owner, _) = user(&srv, "Olga Owner", "owner@example.com").await;
        let org = create_org(&mut owner, "acme", "Acme Corp").await;
        let (mut admin, admin_id) = common::administrator(&srv, "root@example.com", PASSWORD).await;

        // The members' rules: a clear 400 each, and nothing stored.
        for (body, code) in [
            (json!({"primaryColor": "red"}), "INVALID_BRAND_COLOR"),
            (json!({"primaryColor": "#ff5a5;x"}), "INVALID_BRAND_COLOR"),
            (
                json!({"logo": "http://cdn.acme.test/logo.svg"}),
                "INVALID_LOGO_URL",
            ),
            (json!({"logo": "javascript:alert(1)"}), "INVALID_LOGO_URL"),
            (
                json!({"senderName": "Acme\r\nBcc: all@example.com"}),
                "INVALID_SENDER_NAME",
            ),
        ] {
            let mut body = body;
            body["organizationId"] = json!(org);
            let res = admin.post(BRAND, body.clone()).await;
            assert_eq!(res.status, 400, "{body}: {}", res.describe());
            assert_eq!(res.json()["code"], code, "{body}");
        }
        let res = admin
            .post(
                BRAND,
                json!({"organizationId": "no-such-org", "primaryColor": "#123456"}),
            )
            .await;
        assert_eq!(res.status, 400, "{}", res.describe());
        assert_eq!(res.json()["code"], "ORGANIZATION_NOT_FOUND");
        assert!(
            audit_events(&mut admin, "organization.admin_update_branding", &org)
                .await
                .is_empty()
        );

        // An administrator who is no member brands it, normalised as for members.
        let res = admin
            .post(
                BRAND,
                json!({"organizationId": org, "logo": "/acme.svg", "primaryColor": "#FF5A5F",
                       "senderName": " Acme Support "}),
            )
            .await;
        assert_eq!(
            ok(&res),
            json!({"organizationId": org, "name": "Acme Corp", "logo": "/acme.svg",
                   "primaryColor": "#ff5a5f", "senderName": "Acme Support", "domain": null})
        );
        assert_eq!(res.header("cache-control"), Some("no-store"));
        // The owner sees the same.
        let mine = ok(&owner
            .get(&format!(
                "/api/auth/organization/get-branding?organizationId={org}"
            ))
            .await);
        assert_eq!(mine["primaryColor"], "#ff5a5f");
        assert_eq!(mine["senderName"], "Acme Support");
        // Recorded as the administrator's act.
        let events = audit_events(&mut admin, "organization.admin_update_branding", &org).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["actorUserId"], admin_id.as_str());
        assert_eq!(events[0]["targetId"], org.as_str());

        // With a domain (set as before, through set-domain), its pages wear the brand...
        ok(&admin
            .post(
                "/api/auth/organization/set-domain",
                json!({"organizationId": org, "domain": DOMAIN}),
            )
            .await);
        let html = sign_in_page(&srv, DOMAIN).await;
        assert!(html.contains("Acme Corp"), "{html}");
        assert!(
            html.contains(&attr("/assets/brand-ff5a5f.css")),
            "the colour's stylesheet: {html}"
        );
        // ...and a change shows at once (the domain snapshot is dropped).
        ok(&admin
            .post(
                BRAND,
                json!({"organizationId": org, "primaryColor": "#123456"}),
            )
            .await);
        let html = sign_in_page(&srv, DOMAIN).await;
        assert!(html.contains(&attr("/assets/brand-123456.css")), "{html}");
        assert!(!html.contains(&attr("/assets/brand-ff5a5f.css")), "{html}");
        // Absent values were kept; null and blank clear.
        let res = admin
            .post(
                BRAND,
                json!({"organizationId": org, "logo": null, "senderName": ""}),
            )
            .await;
        let after = ok(&res);
        assert_eq!(after["primaryColor"], "#123456");
        assert_eq!(after["logo"], Value::Null);
        assert_eq!(after["senderName"], Value::Null);
        assert_eq!(after["domain"], DOMAIN);
        // The list shows the brand too.
        let listed = ok(&admin.get(&format!("{LIST}?q=acme")).await);
        assert_eq!(listed["organizations"][0]["primaryColor"], "#123456");
        assert_eq!(listed["organizations"][0]["domain"], DOMAIN);
    }

    async fn count(srv: &TestServer, table: &str, field: &str, value: &str) -> i64 {
        srv.adapter()
            .count(table, &[Where::eq(field, value)])
            .await
            .expect("count")
    }

    pub(super) async fn deleting_takes_everything_with_it(backend: Backend) {
        let srv = server(backend).await;
        let Acme {
            mut owner,
            owner_id,
            org,
            mut mia,
            mia_id,
            team_id,
        } = acme(&srv).await;
        let keep = create_org(&mut owner, "globex", "Globex").await;
        // Mia works in it: it is her active organization (she accepted its invitation), and
        // Bakers her active team.
        ok(&mia
            .post(
                "/api/auth/organization/set-active-team",
                json!({"teamId": team_id}),
            )
            .await);
        let session = mia.get_session().await.expect("session");
        assert_eq!(session["session"]["activeOrganizationId"], org.as_str());
        assert_eq!(session["session"]["activeTeamId"], team_id.as_str());
        let (mut admin, admin_id) = common::administrator(&srv, "root@example.com", PASSWORD).await;
        ok(&admin
            .post(
                "/api/auth/organization/set-domain",
                json!({"organizationId": org, "domain": DOMAIN}),
            )
            .await);
        assert!(sign_in_page(&srv, DOMAIN).await.contains("Acme Corp"));
        assert!(count(&srv, "member", "organizationId", &org).await >= 2);
        assert_eq!(
            count(&srv, "invitation", "organizationId", &org).await,
            2,
            "Mia's accepted invitation and the pending one"
        );
        assert_eq!(count(&srv, "teamMember", "teamId", &team_id).await, 1);

        // An unknown one.
        let res = admin
            .post(DELETE, json!({"organizationId": "no-such-org"}))
            .await;
        assert_eq!(res.status, 400, "{}", res.describe());
        assert_eq!(res.json()["code"], "ORGANIZATION_NOT_FOUND");

        let res = admin.post(DELETE, json!({"organizationId": org})).await;
        assert_eq!(ok(&res), json!({"status": true}));
        // Gone, with everything that hung on it.
        let res = admin.get(&format!("{DETAIL}?id={org}")).await;
        assert_eq!(res.json()["code"], "ORGANIZATION_NOT_FOUND");
        for (table, field, value) in [
            ("organization", "id", org.as_str()),
            ("member", "organizationId", org.as_str()),
            ("invitation", "organizationId", org.as_str()),
            ("team", "organizationId", org.as_str()),
            ("teamMember", "teamId", team_id.as_str()),
        ] {
            assert_eq!(count(&srv, table, field, value).await, 0, "{table}");
        }
        // Mia's session forgets it and its team: nothing finds it as her active organization.
        let session = mia.get_session().await.expect("session");
        assert_eq!(
            session["session"]["activeOrganizationId"],
            Value::Null,
            "{session}"
        );
        assert_eq!(session["session"]["activeTeamId"], Value::Null, "{session}");
        let res = mia
            .get("/api/auth/organization/get-full-organization")
            .await;
        assert_eq!(ok(&res), Value::Null);
        // Its members are still users; the other organization is untouched.
        assert_eq!(count(&srv, "user", "id", &mia_id).await, 1);
        assert_eq!(count(&srv, "user", "id", &owner_id).await, 1);
        let listed = ok(&owner.get("/api/auth/organization/list").await);
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        assert_eq!(listed[0]["id"], keep.as_str());
        assert!(
            ok(&admin.get(LIST).await)["organizations"]
                .as_array()
                .expect("organizations")
                .iter()
                .all(|o| o["id"] != org.as_str())
        );
        // Its domain brands nothing any more.
        assert!(!sign_in_page(&srv, DOMAIN).await.contains("Acme Corp"));
        // Recorded as the administrator's act.
        let events = audit_events(&mut admin, "organization.admin_delete", &org).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["actorUserId"], admin_id.as_str());
        assert_eq!(events[0]["targetId"], org.as_str());
        // Deleting it again finds nothing.
        let res = admin.post(DELETE, json!({"organizationId": org})).await;
        assert_eq!(res.json()["code"], "ORGANIZATION_NOT_FOUND");
    }
}
