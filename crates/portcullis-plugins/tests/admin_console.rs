//! The admin console (`/admin`, admin plugin) on each backend: the page itself is gated on the
//! server (signed out: to sign-in and back; a user: a 403 page without the console; an
//! administrator: the console with its sections, never cached); its endpoints refuse anyone but
//! an administrator; users are found by the start of an address or an id, a keyset page at a
//! time, in order and without repeats; a user's detail shows sessions, ways to sign in and
//! factors, never a password hash or a token; live sessions page across users and end; a
//! reset link is mailed and recorded as the administrator's act; the overview's totals, its
//! sign-ins over time from the audit log, and the live feed as Server-Sent Events that hold a
//! reconnecting request until something new is recorded; the integrations (a provider's
//! secret only as "set"), a test message through the real queue, and its outcome listed; every
//! e-mail template previewed with sample values, in a frame only this origin may hold; a
//! plugin switched off answers 404 everywhere it answered, leaves the pages and the API
//! document, is followed by an instance that reads what another stored, and comes back on;
//! the server's brand stored over the configuration shows on pages and e-mails, previews
//! before it is saved, refuses values that break its rules, and resets.

mod common;

use portcullis_storage::Where;
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use portcullis_testkit::runner::{Flavor, Service};
use serde_json::{Value, json};

const PASSWORD: &str = "console-password-1";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("the_page_is_for_administrators_only", |b| {
            Box::pin(the_page_is_for_administrators_only(b))
        })
        .per_backend("users_are_found_a_page_at_a_time", |b| {
            Box::pin(users_are_found_a_page_at_a_time(b))
        })
        .per_backend("a_users_detail_and_the_actions", |b| {
            Box::pin(a_users_detail_and_the_actions(b))
        })
        .per_backend("the_overview_counts_and_follows", |b| {
            Box::pin(the_overview_counts_and_follows(b))
        })
        .per_backend("the_counts_index_a_better_auth_account_table", |b| {
            Box::pin(the_counts_index_a_better_auth_account_table(b))
        })
        .per_backend("integrations_hide_secrets_and_send_a_test", |b| {
            Box::pin(integrations_hide_secrets_and_send_a_test(b))
        })
        .test_needing(
            "every_instance_shows_each_transports_health",
            &[Service::REDIS],
            Flavor::CurrentThread,
            || Box::pin(every_instance_shows_each_transports_health()),
        )
        .per_backend("plugins_switch_off_and_on", |b| {
            Box::pin(plugins_switch_off_and_on(b))
        })
        .per_backend("the_brand_is_stored_over_the_configuration", |b| {
            Box::pin(the_brand_is_stored_over_the_configuration(b))
        })
        .run()
}

/// `APP_PRIMARY_COLOR` as the test servers leave it.
const CONFIGURED_PRIMARY: &str = "#4f46e5";

async fn server(backend: Backend) -> TestServer {
    TestServer::builder(backend)
        .env("ENABLE_ADMIN", "true")
        .env("ENABLE_AUDIT_LOG", "true")
        .start()
        .await
}

async fn the_page_is_for_administrators_only(backend: Backend) {
    let srv = server(backend).await;

    // Signed out: to sign-in, and back here after.
    let res = srv.send(Request::get("/admin")).await;
    assert_eq!(res.status, 303, "{}", res.describe());
    assert_eq!(res.header("location"), Some("/sign-in?redirect=%2Fadmin"));
    assert_eq!(res.header("cache-control"), Some("no-store"));

    // A user: a 403 page that says what to do, and nothing of the console.
    let mut user = srv.agent();
    let (_, user_id) = user.sign_up("Uma User", "uma@example.com", PASSWORD).await;
    let res = user.get("/admin").await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{}",
        res.describe()
    );
    assert!(
        res.header("content-security-policy")
            .is_some_and(|c| c.contains("frame-ancestors 'none'")),
        "the pages' CSP"
    );
    let page = res.text();
    assert!(
        page.contains("The admin console is for administrators"),
        "{page}"
    );
    assert!(
        !page.contains("admin-users.js") && !page.contains("id=\"users\""),
        "no console"
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));

    // Nor its data.
    for path in [
        "/api/auth/admin/console/users".to_owned(),
        "/api/auth/admin/console/sessions".to_owned(),
        format!("/api/auth/admin/console/user?userId={user_id}"),
    ] {
        let res = user.get(&path).await;
        assert_eq!(res.status, 403, "{path}: {}", res.describe());
        let res = srv.send(Request::get(&path)).await;
        assert_eq!(res.status, 401, "{path} signed out: {}", res.describe());
    }
    let res = user
        .post(
            "/api/auth/admin/console/send-reset-link",
            json!({"userId": user_id}),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());

    // An administrator: the console, with the admin plugin's sections and the audit log's.
    let (mut admin, _) = common::administrator(&srv, "ada@example.com", PASSWORD).await;
    let res = admin.get("/admin").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let page = res.text();
    for part in [
        "Signed in as <strong id=\"admin-viewer\">ada@example.com</strong>",
        "href=\"#users\"",
        "href=\"#sessions\"",
        "href=\"#audit-log\"",
        "/assets/admin-users.js",
        "/assets/admin-audit-log.js",
    ] {
        assert!(page.contains(part), "the console has {part}");
    }
    // The console's own sections lead, whatever the registry's order.
    let at = |part: &str| page.find(part).unwrap_or(usize::MAX);
    assert!(at("href=\"#users\"") < at("href=\"#sessions\""));
    assert!(at("href=\"#sessions\"") < at("href=\"#audit-log\""));
    // A role taken away takes the console with it at once.
    let res = admin
        .post(
            "/api/auth/admin/set-role",
            json!({"userId": user_id, "role": "admin"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(user.get("/admin").await.status, 200, "now an administrator");
    admin
        .post(
            "/api/auth/admin/set-role",
            json!({"userId": user_id, "role": "user"}),
        )
        .await;
    assert_eq!(user.get("/admin").await.status, 403, "no longer one");

    // With step-up, an administrator without two-factor is told what to do.
    let srv = TestServer::builder(backend)
        .env("ENABLE_ADMIN", "true")
        .env("ENABLE_TWO_FACTOR", "true")
        .env("ADMIN_STEP_UP", "true")
        .start()
        .await;
    let (mut admin, _) = common::administrator(&srv, "ada@example.com", PASSWORD).await;
    let res = admin.get("/admin").await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert!(
        res.text()
            .contains("Administrators must use two-factor authentication here"),
        "{}",
        res.text()
    );
}

fn emails(page: &Value) -> Vec<String> {
    page["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["email"].as_str().expect("email").to_owned())
        .collect()
}

async fn users_are_found_a_page_at_a_time(backend: Backend) {
    let srv = server(backend).await;
    let (mut admin, admin_id) = common::administrator(&srv, "ada@example.com", PASSWORD).await;
    let mut made = Vec::new();
    for i in 0..7 {
        let email = format!("pat{i}@example.com");
        srv.agent().sign_up("Pat", &email, PASSWORD).await;
        made.push(email);
    }
    srv.agent()
        .sign_up("Quinn", "quinn@example.com", PASSWORD)
        .await;

    // Everyone, by address, three at a time, with no repeats and nothing missed.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!(
                "/api/auth/admin/console/users?limit=3&cursor={}",
                urlencode(c)
            ),
            None => "/api/auth/admin/console/users?limit=3".to_owned(),
        };
        let res = admin.get(&path).await;
        assert_eq!(res.status, 200, "{}", res.describe());
        let page = res.json();
        let got = emails(&page);
        assert!(got.len() <= 3);
        seen.extend(got);
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut expected: Vec<String> = made.clone();
    expected.push("ada@example.com".into());
    expected.push("quinn@example.com".into());
    expected.sort();
    assert_eq!(seen, expected);

    // The start of an address, in any case.
    let res = admin
        .get("/api/auth/admin/console/users?search=PAT&limit=5")
        .await;
    let page = res.json();
    assert_eq!(emails(&page), made[..5].to_vec());
    let next = page["nextCursor"].as_str().expect("more").to_owned();
    let res = admin
        .get(&format!(
            "/api/auth/admin/console/users?search=pat&limit=5&cursor={}",
            urlencode(&next)
        ))
        .await;
    assert_eq!(emails(&res.json()), made[5..].to_vec());
    assert!(res.json()["nextCursor"].is_null());
    // Never a hash or anything from another table.
    assert!(!res.text().contains("argon2"), "{}", res.text());

    // An exact id.
    let res = admin
        .get(&format!("/api/auth/admin/console/users?search={admin_id}"))
        .await;
    assert_eq!(emails(&res.json()), vec!["ada@example.com".to_owned()]);

    // Banned users only.
    let quinn = admin
        .get("/api/auth/admin/console/users?search=quinn")
        .await
        .json()["users"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let res = admin
        .post("/api/auth/admin/ban-user", json!({"userId": quinn}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = admin
        .get("/api/auth/admin/console/users?status=banned")
        .await;
    assert_eq!(emails(&res.json()), vec!["quinn@example.com".to_owned()]);
    // Banned and by role; addresses not verified.
    let res = admin
        .get("/api/auth/admin/console/users?status=banned&role=admin")
        .await;
    assert_eq!(emails(&res.json()), Vec::<String>::new());
    let res = admin.get("/api/auth/admin/console/users?role=admin").await;
    assert_eq!(emails(&res.json()), vec!["ada@example.com".to_owned()]);
    let res = admin
        .get(&format!(
            "/api/auth/admin/console/users?search={admin_id}&role=user"
        ))
        .await;
    assert_eq!(
        emails(&res.json()),
        Vec::<String>::new(),
        "an exact id obeys the filters"
    );
    for (email, verified) in [("pat0@example.com", true), ("quinn@example.com", false)] {
        let mut set = portcullis_storage::Row::new();
        set.insert("emailVerified".into(), verified.into());
        srv.adapter()
            .update("user", &[Where::eq("email", email)], set)
            .await
            .expect("set emailVerified");
    }
    let res = admin
        .get("/api/auth/admin/console/users?status=unverified&limit=100")
        .await;
    let unverified = emails(&res.json());
    assert!(
        unverified.contains(&"quinn@example.com".to_owned()),
        "{unverified:?}"
    );
    assert!(
        !unverified.contains(&"pat0@example.com".to_owned()),
        "{unverified:?}"
    );

    // Bad input is a 400 that says what is wrong.
    for (query, message) in [
        ("limit=0", "limit must be a whole number from 1 to 100"),
        ("limit=101", "limit must be a whole number from 1 to 100"),
        ("status=gone", "status must be all, banned or unverified"),
        (
            "search=a%00b",
            "search must be at most 320 characters, without control characters",
        ),
    ] {
        let res = admin
            .get(&format!("/api/auth/admin/console/users?{query}"))
            .await;
        assert_validation(&res, message);
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn a_users_detail_and_the_actions(backend: Backend) {
    let srv = server(backend).await;
    let (mut admin, _) = common::administrator(&srv, "ada@example.com", PASSWORD).await;
    let mut user = srv.agent();
    let (_, user_id) = user.sign_up("Rae", "rae@example.com", PASSWORD).await;
    let mut elsewhere = srv.agent();
    elsewhere.sign_in("rae@example.com", PASSWORD).await;

    let res = admin
        .get(&format!("/api/auth/admin/console/user?userId={user_id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let detail = res.json();
    assert_eq!(detail["user"]["email"], "rae@example.com");
    assert_eq!(detail["sessions"].as_array().expect("sessions").len(), 2);
    assert_eq!(detail["accounts"][0]["providerId"], "credential");
    assert_eq!(detail["accounts"][0]["accountId"], user_id.as_str());
    assert_eq!(
        detail["factors"],
        json!({"password": true, "twoFactor": false, "passkeys": null})
    );
    assert!(detail["organizations"].is_null(), "no organization plugin");
    let text = res.text();
    assert!(
        !text.contains("argon2") && !text.contains("\"password\":\""),
        "{text}"
    );
    let res = admin
        .get("/api/auth/admin/console/user?userId=nobody")
        .await;
    assert_eq!(res.status, 404, "{}", res.describe());

    // Live sessions across users, a page at a time; one ends.
    let mut sessions = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!(
                "/api/auth/admin/console/sessions?limit=1&cursor={}",
                urlencode(c)
            ),
            None => "/api/auth/admin/console/sessions?limit=1".to_owned(),
        };
        let page = admin.get(&path).await.json();
        sessions.extend(
            page["sessions"]
                .as_array()
                .expect("sessions")
                .iter()
                .cloned(),
        );
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(sessions.len(), 3, "the administrator's and Rae's two");
    let raes: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["userEmail"] == "rae@example.com")
        .collect();
    assert_eq!(raes.len(), 2);
    let res = admin
        .post(
            "/api/auth/admin/revoke-user-session",
            json!({"sessionToken": raes[0]["token"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let page = admin
        .get(&format!(
            "/api/auth/admin/console/sessions?userId={user_id}"
        ))
        .await
        .json();
    assert_eq!(page["sessions"].as_array().expect("sessions").len(), 1);
    // By address, in any case; an address nobody has: no sessions.
    let page = admin
        .get("/api/auth/admin/console/sessions?userId=Rae%40Example.com")
        .await
        .json();
    let by_address = page["sessions"].as_array().expect("sessions");
    assert_eq!(by_address.len(), 1);
    assert_eq!(by_address[0]["userEmail"], "rae@example.com");
    let page = admin
        .get("/api/auth/admin/console/sessions?userId=nobody%40example.com")
        .await
        .json();
    assert_eq!(page["sessions"], json!([]));
    // Only sessions an administrator opened as someone.
    let none = admin
        .get("/api/auth/admin/console/sessions?impersonated=true")
        .await
        .json();
    assert_eq!(none["sessions"], json!([]));
    let mut acting = srv.agent();
    acting.sign_in("ada@example.com", PASSWORD).await;
    let res = acting
        .post(
            "/api/auth/admin/impersonate-user",
            json!({"userId": user_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let page = admin
        .get("/api/auth/admin/console/sessions?impersonated=true")
        .await
        .json();
    let opened = page["sessions"].as_array().expect("sessions");
    assert_eq!(opened.len(), 1, "{page}");
    assert_eq!(opened[0]["userEmail"], "rae@example.com");
    assert!(opened[0]["impersonatedBy"].is_string());
    let res = admin
        .get("/api/auth/admin/console/sessions?impersonated=maybe")
        .await;
    assert_validation(&res, "impersonated must be true or false");

    // A reset link goes to the user, and the log says who sent it.
    let res = admin
        .post(
            "/api/auth/admin/console/send-reset-link",
            json!({"userId": user_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let link = srv.last_link("rae@example.com", "password-reset").await;
    assert!(link.contains("/reset-password/"), "{link}");
    let res = admin
        .get(&format!(
            "/api/auth/audit/list?userId={user_id}&action=admin.send_reset_link"
        ))
        .await;
    let events = res.json()["events"].clone();
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    assert_eq!(events[0]["targetUserId"], user_id.as_str());
    assert!(events[0]["actorUserId"].is_string());
    assert_ne!(events[0]["actorUserId"], user_id.as_str());
    let res = admin
        .post(
            "/api/auth/admin/console/send-reset-link",
            json!({"userId": "nobody"}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.describe());
}

/// The events of a Server-Sent Events body, and the last `id:` it gave.
fn sse(body: &str) -> (Vec<Value>, Option<String>) {
    let mut events = Vec::new();
    let mut last_id = None;
    for line in body.lines() {
        if let Some(data) = line.strip_prefix("data: ") {
            events.push(serde_json::from_str(data).expect("event JSON"));
        } else if let Some(id) = line.strip_prefix("id: ") {
            last_id = Some(id.to_owned());
        }
    }
    (events, last_id)
}

async fn the_overview_counts_and_follows(backend: Backend) {
    let srv = server(backend).await;
    let (mut admin, _) = common::administrator(&srv, "ada@example.com", PASSWORD).await;
    let mut user = srv.agent();
    user.sign_up("Sam", "sam@example.com", PASSWORD).await;
    // A wrong password, for the failed series.
    let res = srv
        .send(
            Request::post("/api/auth/sign-in/email")
                .origin(&srv.base)
                .json(&json!({"email": "sam@example.com", "password": "not the password"})),
        )
        .await;
    assert_eq!(res.status, 401, "{}", res.describe());
    srv.settle().await;

    // Never counted yet: the first visit counts.
    let res = admin.get("/api/auth/admin/console/stats").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let stats = res.json();
    assert_eq!(stats["users"], 2);
    assert_eq!(stats["usersLive"], true);
    assert_eq!(stats["activeSessions"], 2);
    assert_eq!(
        stats["methods"],
        json!([{"method": "credential", "accounts": 2}])
    );
    let counted_at = stats["countedAt"].clone();
    assert!(counted_at.is_string(), "{stats}");

    // Later requests read the counters, and the users' total follows the audit log: Tia's
    // sign-up, a user an administrator makes, and one who deletes their account.
    let mut tia = srv.agent();
    tia.sign_up("Tia", "tia@example.com", PASSWORD).await;
    let res = admin
        .post(
            "/api/auth/admin/create-user",
            json!({"email": "uma@example.com", "password": PASSWORD, "name": "Uma"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let mut leaving = srv.agent();
    leaving.sign_up("Lee", "lee@example.com", PASSWORD).await;
    let res = leaving
        .post("/api/auth/delete-user", json!({"password": PASSWORD}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    // Rows the log never saw (an import, say) wait for the next count.
    let mut imported = portcullis_storage::Row::new();
    for (k, v) in [
        ("id", "imported-user"),
        ("email", "imported@example.com"),
        ("name", "Imported"),
    ] {
        imported.insert(k.into(), v.into());
    }
    imported.insert("emailVerified".into(), false.into());
    imported.insert("createdAt".into(), srv.app.ctx.now().into());
    imported.insert("updatedAt".into(), srv.app.ctx.now().into());
    srv.app
        .ctx
        .adapter
        .create("user", imported)
        .await
        .expect("an imported user");
    let again = admin.get("/api/auth/admin/console/stats").await.json();
    assert_eq!(
        again["users"], 4,
        "Sam, the administrator, Tia and Uma: {again}"
    );
    assert_eq!(again["countedAt"], counted_at, "not counted again");
    assert_eq!(again["activeSessions"], 2, "as of the count");

    // The job counts afresh: the imported user, and the sessions and accounts since.
    srv.run_job("console-counts").await;
    let counted = admin.get("/api/auth/admin/console/stats").await.json();
    assert_eq!(counted["users"], 5, "{counted}");
    assert_ne!(counted["countedAt"], counted_at);
    assert_eq!(
        counted["activeSessions"], 3,
        "the administrator's, Sam's, Tia's"
    );
    assert_eq!(
        counted["methods"],
        json!([{"method": "credential", "accounts": 4}]),
        "the imported user has none"
    );

    // Sign-ins over time: 24 hours, the current one last.
    let res = admin.get("/api/auth/audit/stats?days=1").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let series = res.json();
    assert_eq!(series["bucket"], "hour");
    let points = series["points"].as_array().expect("points");
    assert_eq!(points.len(), 24);
    // The last two hours: a test run may straddle the hour.
    let recent = |key: &str| -> i64 {
        points[22..]
            .iter()
            .map(|p| p[key].as_i64().expect("count"))
            .sum()
    };
    assert_eq!(recent("signIns"), 1, "the administrator's: {points:?}");
    assert_eq!(recent("failedSignIns"), 1);
    assert_eq!(recent("signUps"), 3, "Sam, Tia and Lee");
    assert!(points[..22].iter().all(|p| p["signIns"] == 0));
    let week = admin.get("/api/auth/audit/stats").await.json();
    assert_eq!(week["bucket"], "day");
    assert_eq!(week["points"].as_array().map(Vec::len), Some(7));
    let sign_ups: i64 = week["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["signUps"].as_i64().expect("count"))
        .sum();
    assert_eq!(sign_ups, 3);
    let res = admin.get("/api/auth/audit/stats?days=2").await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(res.json()["message"], "days must be 1, 7 or 30");

    // The feed: the newest events at once, oldest first.
    let res = admin.get("/api/auth/audit/feed").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        res.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let (events, last) = sse(&res.text());
    assert!(res.text().contains("event: audit"));
    let actions: Vec<&str> = events.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"user.sign_up"), "{actions:?}");
    let ids: Vec<&str> = events.iter().filter_map(|e| e["id"].as_str()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");
    let last = last.expect("an id to go on from");
    assert_eq!(Some(last.as_str()), ids.last().copied());
    // `after`: what came later, at once.
    let res = admin
        .get(&format!("/api/auth/audit/feed?after={}", ids[0]))
        .await;
    assert_eq!(sse(&res.text()).0.len(), events.len() - 1);

    // A reconnecting EventSource is held until something new is recorded, and gets it.
    let cookie = admin.cookie_header();
    let started = std::time::Instant::now();
    let held = srv.send(
        Request::get("/api/auth/audit/feed")
            .cookie(&cookie)
            .header("last-event-id", &last),
    );
    let later = async {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        srv.send(
            Request::post("/api/auth/sign-in/email")
                .origin(&srv.base)
                .json(&json!({"email": "tia@example.com", "password": "still not it"})),
        )
        .await
    };
    let (res, refused) = tokio::join!(held, later);
    assert_eq!(refused.status, 401);
    assert_eq!(res.status, 200, "{}", res.describe());
    let (events, next) = sse(&res.text());
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1500),
        "it waited"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(14),
        "and answered when it came"
    );
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "user.sign_in");
    assert_eq!(events[0]["outcome"], "failure");
    assert_eq!(next.as_deref(), events[0]["id"].as_str());
    let res = admin.get("/api/auth/audit/feed?after=not-an-id").await;
    assert_eq!(res.status, 400, "{}", res.describe());

    // None of it for a user.
    for path in [
        "/api/auth/admin/console/stats",
        "/api/auth/audit/stats",
        "/api/auth/audit/feed",
    ] {
        let res = user.get(path).await;
        assert_eq!(res.status, 403, "{path}: {}", res.describe());
    }
}

/// Core's tables as Better Auth 1.7's migrator makes them on each engine: `account.providerId`
/// is `text`, which MySQL cannot index whole.
fn better_auth_tables() -> portcullis_storage::DialectSql {
    const PG: &str = r#"CREATE TABLE "user" ("id" text NOT NULL PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL UNIQUE, "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL, "updatedAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL);
CREATE TABLE "account" ("id" text NOT NULL PRIMARY KEY, "accountId" text NOT NULL, "providerId" text NOT NULL, "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE, "accessToken" text, "refreshToken" text, "idToken" text, "accessTokenExpiresAt" timestamptz, "refreshTokenExpiresAt" timestamptz, "scope" text, "password" text, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL, "updatedAt" timestamptz NOT NULL);
CREATE TABLE "session" ("id" text NOT NULL PRIMARY KEY, "expiresAt" timestamptz NOT NULL, "token" text NOT NULL UNIQUE, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL, "updatedAt" timestamptz NOT NULL, "ipAddress" text, "userAgent" text, "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE TABLE "verification" ("id" text NOT NULL PRIMARY KEY, "identifier" text NOT NULL, "value" text NOT NULL, "expiresAt" timestamptz NOT NULL, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL, "updatedAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL)"#;
    const SQLITE: &str = r#"CREATE TABLE "user" ("id" text NOT NULL PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL UNIQUE, "emailVerified" integer NOT NULL, "image" text, "createdAt" date NOT NULL, "updatedAt" date NOT NULL);
CREATE TABLE "account" ("id" text NOT NULL PRIMARY KEY, "accountId" text NOT NULL, "providerId" text NOT NULL, "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE, "accessToken" text, "refreshToken" text, "idToken" text, "accessTokenExpiresAt" date, "refreshTokenExpiresAt" date, "scope" text, "password" text, "createdAt" date NOT NULL, "updatedAt" date NOT NULL);
CREATE TABLE "session" ("id" text NOT NULL PRIMARY KEY, "expiresAt" date NOT NULL, "token" text NOT NULL UNIQUE, "createdAt" date NOT NULL, "updatedAt" date NOT NULL, "ipAddress" text, "userAgent" text, "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE TABLE "verification" ("id" text NOT NULL PRIMARY KEY, "identifier" text NOT NULL, "value" text NOT NULL, "expiresAt" date NOT NULL, "createdAt" date NOT NULL, "updatedAt" date NOT NULL)"#;
    const MYSQL: &str = "CREATE TABLE `user` (`id` varchar(36) NOT NULL PRIMARY KEY, `name` text NOT NULL, `email` varchar(255) NOT NULL UNIQUE, `emailVerified` boolean NOT NULL, `image` text, `createdAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL, `updatedAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL);
CREATE TABLE `account` (`id` varchar(36) NOT NULL PRIMARY KEY, `accountId` text NOT NULL, `providerId` text NOT NULL, `userId` varchar(36) NOT NULL, `accessToken` text, `refreshToken` text, `idToken` text, `accessTokenExpiresAt` timestamp(3) NULL, `refreshTokenExpiresAt` timestamp(3) NULL, `scope` text, `password` text, `createdAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL, `updatedAt` timestamp(3) NOT NULL, FOREIGN KEY (`userId`) REFERENCES `user` (`id`) ON DELETE CASCADE);
CREATE TABLE `session` (`id` varchar(36) NOT NULL PRIMARY KEY, `expiresAt` timestamp(3) NOT NULL, `token` varchar(255) NOT NULL UNIQUE, `createdAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL, `updatedAt` timestamp(3) NOT NULL, `ipAddress` text, `userAgent` text, `userId` varchar(36) NOT NULL, FOREIGN KEY (`userId`) REFERENCES `user` (`id`) ON DELETE CASCADE);
CREATE TABLE `verification` (`id` varchar(36) NOT NULL PRIMARY KEY, `identifier` varchar(255) NOT NULL, `value` text NOT NULL, `expiresAt` timestamp(3) NOT NULL, `createdAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL, `updatedAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL)";
    portcullis_storage::DialectSql {
        sqlite: Some(SQLITE.into()),
        postgres: Some(PG.into()),
        mysql: Some(MYSQL.into()),
    }
}

/// A database Better Auth made, served with the admin plugin: the per-method counts' index is
/// added to its `account` table (on MySQL only after the column is sized), and counts.
async fn the_counts_index_a_better_auth_account_table(backend: Backend) {
    use portcullis_storage::{Adapter, Migration, Schema, SqlAdapter};
    let (dir, _dir) = portcullis_testkit::Resource::temp_dir("ba-tables").expect("a folder");
    let (url, _db) = portcullis_testkit::fresh_database(backend, &dir)
        .await
        .expect("a database");
    let made_by_better_auth = Schema {
        tables: Vec::new(),
        migrations: vec![Migration::new("better-auth", 1, "its tables").sql(better_auth_tables())],
    };
    let adapter = SqlAdapter::connect(&url, 2, 0, std::sync::Arc::new(Schema::default()))
        .await
        .expect("connect");
    adapter
        .migrate(&made_by_better_auth)
        .await
        .expect("Better Auth's tables");
    drop(adapter);

    // Start-up migrates it: it would stop here on MySQL if the index came before the resize.
    let srv = TestServer::builder(backend)
        .env("DATABASE_URL", url.as_str())
        .env("ENABLE_ADMIN", "true")
        .start()
        .await;
    let plan = srv
        .app
        .ctx
        .adapter
        .plan_migration(&srv.app.ctx.schema)
        .await
        .expect("plan");
    assert!(
        plan.statements.is_empty(),
        "the index and the resize are done, once: {:?}",
        plan.statements
    );
    if backend == Backend::Mysql {
        // MariaDB would index a `text` column by a prefix; MySQL 8 refuses it. Either way the
        // column is sized first, and the index covers it whole.
        use sqlx::Connection;
        let mut conn = sqlx::MySqlConnection::connect(&url).await.expect("MySQL");
        let column: String = sqlx::query_scalar(
            "SELECT CAST(COLUMN_TYPE AS CHAR) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'account' AND COLUMN_NAME = 'providerId'",
        )
        .fetch_one(&mut conn)
        .await
        .expect("the column");
        assert_eq!(column, "varchar(255)");
        let prefix: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUB_PART AS SIGNED) FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'account_providerId_idx'",
        )
        .fetch_one(&mut conn)
        .await
        .expect("the index");
        assert_eq!(prefix, None, "the whole column");
        conn.close().await.expect("close");
    }
    let (mut admin, _) = common::administrator(&srv, "ada@example.com", PASSWORD).await;
    srv.agent()
        .sign_up("Sam", "sam@example.com", PASSWORD)
        .await;
    srv.run_job("console-counts").await;
    let stats = admin.get("/api/auth/admin/console/stats").await.json();
    assert_eq!(stats["users"], 2, "{stats}");
    assert_eq!(stats["usersLive"], false, "no audit log: as of the count");
    assert_eq!(
        stats["methods"],
        json!([{"method": "credential", "accounts": 2}])
    );
}

async fn integrations_hide_secrets_and_send_a_test(backend: Backend) {
    const SECRET: &str = "gh-secret-that-must-never-show";
    let srv = TestServer::builder(backend)
        .env("ENABLE_ADMIN", "true")
        .env("ENABLE_AUDIT_LOG", "true")
        .env("GITHUB_CLIENT_ID", "gh-client-id")
        .env("GITHUB_CLIENT_SECRET", SECRET)
        .start()
        .await;
    let (mut admin, admin_id) = common::administrator(&srv, "ada@example.com", PASSWORD).await;

    let res = admin.get("/api/auth/admin/console/integrations").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(!res.text().contains(SECRET), "the secret never leaves");
    let it = res.json();
    assert_eq!(it["mail"]["transport"], "outbox");
    assert_eq!(it["sms"]["transport"], "outbox");
    let github = &it["providers"][0];
    assert_eq!(github["id"], "github");
    assert_eq!(github["clientId"], "gh-client-id");
    assert_eq!(github["clientSecret"], "set");
    assert!(
        github["redirectUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/api/auth/callback/github")),
        "{github}"
    );

    // A test e-mail to the administrator, and a text message: both through the queue.
    let res = admin
        .post(
            "/api/auth/admin/console/test-message",
            json!({"channel": "email"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = admin
        .post(
            "/api/auth/admin/console/test-message",
            json!({"channel": "sms", "to": "+15555550123"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let mail = srv
        .last_message("ada@example.com", "admin-test")
        .await
        .expect("the test e-mail");
    assert!(
        mail.text
            .contains("check that e-mail reaches ada@example.com"),
        "{}",
        mail.text
    );
    assert!(
        srv.last_message("+15555550123", "admin-test")
            .await
            .is_some()
    );
    let recent = admin
        .get("/api/auth/admin/console/integrations")
        .await
        .json()["delivery"]["recent"]
        .clone();
    let tests: Vec<&Value> = recent
        .as_array()
        .expect("recent")
        .iter()
        .filter(|o| o["kind"] == "admin-test")
        .collect();
    assert_eq!(tests.len(), 2, "{recent}");
    assert!(
        tests
            .iter()
            .all(|o| o["sent"] == true && o["transport"] == "outbox")
    );
    let res = admin
        .get(&format!(
            "/api/auth/audit/list?userId={admin_id}&action=admin.test_message"
        ))
        .await;
    assert_eq!(res.json()["events"].as_array().map(Vec::len), Some(2));

    for (body, message) in [
        (json!({"channel": "fax"}), "channel must be email or sms"),
        (
            json!({"channel": "sms", "to": "5555"}),
            "to must be a phone number in international form, such as +15555550123",
        ),
        (
            json!({"channel": "email", "to": "nobody"}),
            "to must be an e-mail address",
        ),
    ] {
        let res = admin
            .post("/api/auth/admin/console/test-message", body)
            .await;
        assert_validation(&res, message);
    }

    // Every e-mail, rendered with sample values; the HTML framable by this origin only.
    let res = admin.get("/api/auth/admin/console/email-templates").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let names = res.json()["templates"].clone();
    for name in [
        "verification",
        "password-reset",
        "new-sign-in",
        "admin-test",
    ] {
        assert!(
            names.as_array().expect("names").iter().any(|n| n == name),
            "{name} in {names}"
        );
    }
    for name in names.as_array().expect("names") {
        let name = name.as_str().expect("name");
        let res = admin
            .get(&format!(
                "/api/auth/admin/console/email-preview?template={name}&format=json"
            ))
            .await;
        assert_eq!(res.status, 200, "{name}: {}", res.describe());
        assert!(
            !res.json()["subject"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{name} has a subject"
        );
        let res = admin
            .get(&format!(
                "/api/auth/admin/console/email-preview?template={name}"
            ))
            .await;
        assert_eq!(res.status, 200, "{name}: {}", res.describe());
        let csp = res.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'self'") && csp.contains("default-src 'none'"),
            "{csp}"
        );
        assert_eq!(res.header("x-frame-options"), Some("SAMEORIGIN"));
        assert!(res.text().contains("<html"), "{name}");
    }
    let res = admin
        .get("/api/auth/admin/console/email-preview?template=verification")
        .await;
    assert!(
        res.text().contains("/example-link?token=sample"),
        "sample values"
    );
    let res = admin
        .get("/api/auth/admin/console/email-preview?template=../../etc/passwd")
        .await;
    assert_validation(
        &res,
        "template must be one of the names /admin/console/email-templates lists",
    );

    let mut user = srv.agent();
    user.sign_up("Uma", "uma@example.com", PASSWORD).await;
    for path in [
        "/api/auth/admin/console/integrations",
        "/api/auth/admin/console/email-templates",
        "/api/auth/admin/console/email-preview?template=verification",
    ] {
        let res = user.get(path).await;
        assert_eq!(res.status, 403, "{path}: {}", res.describe());
        assert_eq!(
            res.json()["code"],
            "YOU_ARE_NOT_ALLOWED_TO_READ_INTEGRATIONS"
        );
    }
}

/// Two instances behind one load balancer, sharing a database and Redis: the first sends a test
/// e-mail (its outbox takes it), the second a text message through a webhook nothing listens
/// on (refused). Whichever answers, the console shows both transports' health and both
/// outcomes, and never the phone number.
async fn every_instance_shows_each_transports_health() {
    let redis = std::env::var("PORTCULLIS_TEST_REDIS_URL").expect("redis url");
    let prefix = format!(
        "it-delivery-health-{}:",
        portcullis_core::crypto::token::generate_id(8)
    );
    let shared = [
        ("ENABLE_ADMIN", "true"),
        ("REDIS_URL", redis.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
    ];
    let first = TestServer::builder(Backend::Sqlite)
        .envs(shared)
        .start()
        .await;
    let second = TestServer::builder(Backend::Sqlite)
        .envs(shared)
        .env("DATABASE_URL", first.app.ctx.config.database_url.clone())
        // Port 1: the connection is refused; one attempt, so it fails at once.
        .env("SMS_WEBHOOK_URL", "http://127.0.0.1:1/sms")
        .env("SMS_WEBHOOK_SECRET", "webhook-secret-0123456789")
        .env("MAIL_MAX_ATTEMPTS", "1")
        .start()
        .await;
    let (mut on_first, _) = common::administrator(&first, "ada@example.com", PASSWORD).await;
    let mut on_second = second.agent();
    on_second.sign_in("ada@example.com", PASSWORD).await;

    let res = on_first
        .post(
            "/api/auth/admin/console/test-message",
            json!({"channel": "email"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = on_second
        .post(
            "/api/auth/admin/console/test-message",
            json!({"channel": "sms", "to": "+15555550123"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    first.settle().await;
    second.settle().await;
    assert_eq!(first.app.ctx.delivery.stats().sent, 1);
    assert_eq!(second.app.ctx.delivery.stats().failed, 1);

    for agent in [&mut on_first, &mut on_second] {
        let res = agent.get("/api/auth/admin/console/integrations").await;
        assert_eq!(res.status, 200, "{}", res.describe());
        for private in ["5555550123", "ada@example.com"] {
            assert!(!res.text().contains(private), "{private}: {}", res.text());
        }
        let delivery = res.json()["delivery"].clone();
        assert_eq!(delivery["shared"], true);
        assert_eq!(delivery["windowHours"], 24);
        let transports = delivery["transports"].as_array().expect("transports");
        let health = |channel: &str| {
            transports
                .iter()
                .find(|t| t["channel"] == channel)
                .unwrap_or_else(|| panic!("{channel} in {delivery}"))
        };
        let (mail, sms) = (health("email"), health("sms"));
        assert_eq!(
            (&mail["transport"], &mail["sent"], &mail["failed"]),
            (&json!("outbox"), &json!(1), &json!(0)),
            "{delivery}"
        );
        assert_eq!(mail["lastSent"]["kind"], "admin-test");
        assert!(mail["lastFailure"].is_null());
        assert_eq!(
            (&sms["transport"], &sms["sent"], &sms["failed"]),
            (&json!("webhook"), &json!(0), &json!(1)),
            "{delivery}"
        );
        assert!(sms["lastSent"].is_null());
        let failure = &sms["lastFailure"];
        assert_eq!(failure["attempts"], 1);
        assert!(
            failure["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("webhook: temporary failure")),
            "{failure}"
        );
        assert_iso_date(&failure["at"]);
        let recent: Vec<(String, bool)> = delivery["recent"]
            .as_array()
            .expect("recent")
            .iter()
            .map(|o| {
                (
                    format!(
                        "{}/{}",
                        o["channel"].as_str().unwrap_or_default(),
                        o["kind"].as_str().unwrap_or_default()
                    ),
                    o["sent"] == true,
                )
            })
            .collect();
        assert!(
            recent.contains(&("email/admin-test".into(), true)),
            "{recent:?}"
        );
        assert!(
            recent.contains(&("sms/admin-test".into(), false)),
            "{recent:?}"
        );
        assert_eq!(recent.len(), 2, "{recent:?}");
    }
}

/// What a visitor sees of the magic-link plugin: its endpoint's status, its page's status,
/// whether the sign-in page offers it, and whether the API document lists it.
async fn magic_link_seen(srv: &TestServer) -> (u16, u16, bool, bool) {
    let endpoint = srv
        .post("/sign-in/magic-link", json!({"email": "who@example.com"}))
        .await
        .status;
    let page = srv.send(Request::get("/magic-link")).await.status;
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    let doc = openapi_document(srv).await;
    (
        endpoint,
        page,
        sign_in.contains("href=\"/magic-link\""),
        doc["paths"].get("/sign-in/magic-link").is_some(),
    )
}

async fn plugins_switch_off_and_on(backend: Backend) {
    let srv = server(backend).await;
    let (mut admin, admin_id) = common::administrator(&srv, "ada@example.com", PASSWORD).await;

    let res = admin.get("/api/auth/admin/plugins").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let plugins = res.json()["plugins"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let of = |id: &str| plugins.iter().find(|p| p["id"] == id).cloned();
    let magic = of("magic-link").expect("magic-link is registered");
    assert_eq!(magic["enabled"], true);
    assert_eq!(magic["switchable"], true);
    assert_eq!(magic["updatedAt"], Value::Null);
    for fixed in ["admin", "audit"] {
        let p = of(fixed).expect("registered");
        assert_eq!(p["switchable"], false, "{fixed}");
        assert_eq!(p["enabled"], true, "{fixed}");
    }

    // Nobody else sees or switches them.
    let mut user = srv.agent();
    user.sign_up("Uma User", "uma@example.com", PASSWORD).await;
    let res = user.get("/api/auth/admin/plugins").await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_SWITCH_PLUGINS",
        "You are not allowed to see or switch plugins",
    );
    let res = user
        .post(
            "/api/auth/admin/plugins",
            json!({"id": "magic-link", "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
    let res = srv
        .post(
            "/admin/plugins",
            json!({"id": "magic-link", "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 401, "{}", res.describe());

    // What cannot be switched, and what is not there.
    let res = admin
        .post(
            "/api/auth/admin/plugins",
            json!({"id": "admin", "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(res.json()["code"], "PLUGIN_CANNOT_BE_SWITCHED");
    let res = admin
        .post(
            "/api/auth/admin/plugins",
            json!({"id": "no-such", "enabled": false}),
        )
        .await;
    assert_error(
        &res,
        404,
        "PLUGIN_NOT_FOUND",
        "No plugin with this id is registered",
    );
    let res = admin
        .post("/api/auth/admin/plugins", json!({"id": "magic-link"}))
        .await;
    assert_eq!(res.status, 400, "enabled is required: {}", res.describe());
    let res = admin
        .post(
            "/api/auth/admin/plugins",
            json!({"id": "magic-link", "enabled": "no"}),
        )
        .await;
    assert_eq!(res.status, 400, "enabled is a boolean: {}", res.describe());
    assert_eq!(
        magic_link_seen(&srv).await,
        (200, 200, true, true),
        "still on"
    );

    // Off: as if never enabled.
    let res = admin
        .post(
            "/api/auth/admin/plugins",
            json!({"id": "magic-link", "enabled": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let off = res.json();
    assert_eq!(off["id"], "magic-link");
    assert_eq!(off["enabled"], false);
    assert_eq!(off["updatedBy"], admin_id.as_str());
    assert_iso_date(&off["updatedAt"]);
    assert_eq!(magic_link_seen(&srv).await, (404, 404, false, false), "off");
    let res = admin.get("/api/auth/admin/plugins").await;
    let listed = res.json()["plugins"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let magic = listed.iter().find(|p| p["id"] == "magic-link").cloned();
    assert_eq!(magic.map(|m| m["enabled"].clone()), Some(json!(false)));
    // Everything else still answers.
    let res = srv.send(Request::get("/api/auth/ok")).await;
    assert_eq!(res.status, 200);
    let res = srv.send(Request::get("/sign-in")).await;
    assert_eq!(res.status, 200);

    // Recorded as the administrator's act.
    let res = admin
        .get(&format!(
            "/api/auth/audit/list?userId={admin_id}&action=admin.switch_plugin"
        ))
        .await;
    let events = res.json()["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1, "{}", res.describe());
    assert_eq!(events[0]["details"]["plugin"], "magic-link");
    assert_eq!(events[0]["details"]["enabled"], false);

    // Another instance turns it back on: this one follows at its next refresh.
    let mut on = portcullis_storage::Row::new();
    on.insert("enabled".into(), true.into());
    srv.adapter()
        .update("pluginSwitch", &[Where::eq("id", "magic-link")], on)
        .await
        .expect("update the stored switch");
    // (The server's own loop may get there first: either way, by this call it has.)
    portcullis_server::jobs::run_every_instance_jobs(&srv.app.ctx).await;
    assert_eq!(
        magic_link_seen(&srv).await,
        (200, 200, true, true),
        "on again"
    );

    // And through the endpoint, off then on.
    for enabled in [false, true] {
        let res = admin
            .post(
                "/api/auth/admin/plugins",
                json!({"id": "magic-link", "enabled": enabled}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }
    assert_eq!(magic_link_seen(&srv).await.0, 200);
}

async fn the_brand_is_stored_over_the_configuration(backend: Backend) {
    let srv = server(backend).await;
    let (mut admin, admin_id) = common::administrator(&srv, "ada@example.com", PASSWORD).await;

    let res = admin.get("/api/auth/admin/console/branding").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let state = res.json();
    assert_eq!(state["configured"]["name"], APP_NAME);
    assert_eq!(state["stored"], Value::Null);

    // Nobody else.
    let mut user = srv.agent();
    user.sign_up("Uma User", "uma@example.com", PASSWORD).await;
    let res = user.get("/api/auth/admin/console/branding").await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_BRANDING",
        "You are not allowed to change the server's branding",
    );
    let res = user
        .send(Request::get(
            "/api/auth/admin/console/branding/preview?name=Evil",
        ))
        .await;
    assert_eq!(res.status, 403);

    // Values that break their rules, each named.
    for (body, starts) in [
        (
            json!({"logoUrl": "http://insecure.test/logo.png"}),
            "logoUrl must be",
        ),
        (json!({"primaryColor": "red"}), "primaryColor must be"),
        (json!({"supportEmail": "nobody"}), "supportEmail must be"),
        (
            json!({"termsUrl": "javascript:alert(1)"}),
            "termsUrl must be",
        ),
        (json!({"secondaryColor": "teal"}), "secondaryColor must be"),
        (json!({"favicon": "http://x.test/x.ico"}), "favicon must be"),
        (json!({"domain": "Auth.Example.com"}), "domain must be"),
        (json!({"domain": "a b"}), "domain must be"),
        (json!({"accent": "#fff"}), "accent is not a brand value"),
    ] {
        let res = admin
            .post("/api/auth/admin/console/branding", body.clone())
            .await;
        assert_eq!(res.status, 400, "{body}: {}", res.describe());
        let message = res.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.starts_with(starts), "{body}: {message}");
    }
    let res = admin
        .post("/api/auth/admin/console/branding", json!({"name": 7}))
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());

    // A preview shows values before they are saved, framed by this origin only.
    let res = admin
        .get("/api/auth/admin/console/branding/preview?page=sign-in&name=Preview%20Co&primaryColor=%230f766e")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(
        res.header("content-security-policy").is_some_and(
            |c| c.contains("frame-ancestors 'self'") && c.contains("default-src 'none'")
        )
    );
    assert_eq!(res.header("x-frame-options"), Some("SAMEORIGIN"));
    let page = res.text();
    assert!(page.contains("Preview Co"), "{page}");
    assert!(page.contains("brand-0f766e.css"), "the colour's stylesheet");
    let res = admin
        .get("/api/auth/admin/console/branding/preview?page=email&name=Mail%20Co")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert!(res.text().contains("Mail Co"));
    let res = admin
        .get("/api/auth/admin/console/branding/preview?page=nope")
        .await;
    assert_eq!(res.status, 400);
    let res = admin
        .get("/api/auth/admin/console/branding/preview?logoUrl=javascript:x")
        .await;
    assert_eq!(res.status, 400);
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    assert!(!sign_in.contains("Preview Co"), "a preview stores nothing");
    let res = admin
        .get("/api/auth/admin/console/branding/preview?secondaryColor=%23F59E0B")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let css = format!(
        "brand-{}-f59e0b.css",
        CONFIGURED_PRIMARY.trim_start_matches('#')
    );
    assert!(
        res.text().contains(&css),
        "a secondary colour alone keeps the configured primary one"
    );

    // Saved: every page and e-mail.
    let res = admin
        .post(
            "/api/auth/admin/console/branding",
            json!({"name": "Acme Console", "primaryColor": "#0f766e", "secondaryColor": "#F59E0B", "favicon": "https://cdn.acme.test/icon.png", "domain": "auth.acme.test", "senderName": "Acme Help", "supportEmail": "help@acme.test", "tagline": null}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let state = res.json();
    assert_eq!(state["stored"]["name"], "Acme Console");
    assert_eq!(state["stored"]["tagline"], Value::Null);
    assert_eq!(state["updatedBy"], admin_id.as_str());
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    assert!(
        sign_in.contains("Acme Console"),
        "the page shows the stored name"
    );
    assert!(sign_in.contains("brand-0f766e-f59e0b.css"), "both colours");
    let icon_link = sign_in
        .lines()
        .find(|l| l.contains(r#"<link rel="icon""#))
        .unwrap_or_default();
    assert!(
        icon_link.contains("cdn.acme.test") && icon_link.contains("icon.png"),
        "{icon_link}"
    );
    let css = srv
        .send(Request::get("/assets/brand-0f766e-f59e0b.css"))
        .await;
    assert_eq!(css.status, 200);
    assert!(
        css.text().contains("--pc-secondary:#f59e0b;"),
        "{}",
        css.text()
    );
    let icon = srv.send(Request::get("/favicon.ico")).await;
    assert_eq!(icon.status, 307);
    assert_eq!(
        icon.header("location"),
        Some("https://cdn.acme.test/icon.png")
    );
    // Pages the engine renders show it too: the error page and the API reference.
    for path in [
        "/api/auth/error?error=state_mismatch",
        "/api/auth/reference",
    ] {
        let page = srv.send(Request::get(path)).await;
        assert_eq!(page.status, 200, "{path}");
        let page = page.text();
        assert!(page.contains("Acme Console"), "{path}: the stored name");
        assert!(
            page.contains("brand-0f766e-f59e0b.css"),
            "{path}: the colours"
        );
    }
    let res = srv
        .post(
            "/request-password-reset",
            json!({"email": "uma@example.com", "redirectTo": "/reset-password"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.settle().await;
    let mail = srv
        .last_message("uma@example.com", "password-reset")
        .await
        .expect("a reset e-mail");
    assert!(
        mail.html.contains("Acme Console"),
        "the e-mail shows the stored name"
    );
    assert!(mail.html.contains("help@acme.test"));
    assert!(
        mail.text.contains("auth.acme.test"),
        "the stored domain in the footer"
    );
    assert_eq!(mail.from_name.as_deref(), Some("Acme Help"));

    // Another instance stores a different one: this one follows at its next refresh.
    let mut set = portcullis_storage::Row::new();
    set.insert(
        "value".into(),
        json!({"key": "server", "name": "Other Instance Co"})
            .to_string()
            .into(),
    );
    srv.adapter()
        .update("consoleBrand", &[Where::eq("id", "server")], set)
        .await
        .expect("update the stored brand");
    portcullis_server::jobs::run_every_instance_jobs(&srv.app.ctx).await;
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    assert!(sign_in.contains("Other Instance Co"));

    // Reset: the configuration again.
    let res = admin
        .post("/api/auth/admin/console/branding/reset", json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["stored"], Value::Null);
    let sign_in = srv.send(Request::get("/sign-in")).await.text();
    assert!(sign_in.contains(APP_NAME) && !sign_in.contains("Other Instance Co"));
    assert!(!sign_in.contains("cdn.acme.test") && !sign_in.contains("/assets/brand-"));
    let icon = srv.send(Request::get("/favicon.ico")).await;
    assert_eq!(icon.status, 200, "the built-in icon again");
    for action in ["admin.update_branding", "admin.reset_branding"] {
        let res = admin
            .get(&format!(
                "/api/auth/audit/list?userId={admin_id}&action={action}"
            ))
            .await;
        assert_eq!(
            res.json()["events"].as_array().map(Vec::len),
            Some(1),
            "{action}"
        );
    }
}
