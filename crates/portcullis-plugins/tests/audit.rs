//! The audit log on each backend: each audited action leaves exactly one event with the right
//! actor and target; a transaction that rolls back leaves neither its change nor its event;
//! `/audit/list` filters, pages by cursor and exports JSON lines and CSV, for administrators
//! only; `/audit/mine` shows the caller's own history only; the cleanup job drops events older
//! than the retention.

mod common;

use chrono::Duration;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_storage::{Query, Row, Value as Cell, Where};
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "audit-password-1";
const NEW_PASSWORD: &str = "audit-password-2";
const ENV: &[(&str, &str)] = &[
    ("ENABLE_AUDIT_LOG", "true"),
    ("ENABLE_ADMIN", "true"),
    ("ENABLE_API_KEY", "true"),
    ("ENABLE_ORGANIZATIONS", "true"),
];

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("each_action_leaves_one_event", |b| {
            Box::pin(each_action_leaves_one_event(b))
        })
        .per_backend(
            "users_made_and_removed_without_a_session_are_recorded",
            |b| Box::pin(users_made_and_removed_without_a_session_are_recorded(b)),
        )
        .per_backend("admin_actions_leave_one_event_each", |b| {
            Box::pin(admin_actions_leave_one_event_each(b))
        })
        .per_backend("a_rolled_back_transaction_leaves_neither", |b| {
            Box::pin(a_rolled_back_transaction_leaves_neither(b))
        })
        .per_backend("list_filters_pages_and_exports", |b| {
            Box::pin(list_filters_pages_and_exports(b))
        })
        .per_backend("mine_is_the_callers_and_list_is_for_admins", |b| {
            Box::pin(mine_is_the_callers_and_list_is_for_admins(b))
        })
        .per_backend("retention_drops_old_events", |b| {
            Box::pin(retention_drops_old_events(b))
        })
        .per_backend("two_factor_changes_and_refused_codes", |b| {
            Box::pin(two_factor_changes_and_refused_codes(b))
        })
        .per_backend("every_kind_of_refused_proof_leaves_one_event", |b| {
            Box::pin(every_kind_of_refused_proof_leaves_one_event(b))
        })
        .per_backend("an_embedding_app_hears_events_in_process", |b| {
            Box::pin(an_embedding_app_hears_events_in_process(b))
        })
        .run()
}

async fn server(backend: Backend, extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .envs(extra.iter().copied())
        .start()
        .await
}

async fn all_events(srv: &TestServer) -> Vec<Row> {
    srv.adapter()
        .find_many("auditEvent", &Query::default())
        .await
        .expect("read the audit log")
}

fn text<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Cell::as_str)
}

/// The one event of `action` (and `outcome`): exactly one, or the test fails naming them all.
async fn only_event(srv: &TestServer, action: &str, outcome: &str) -> Row {
    let rows = srv
        .adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![
                Where::eq("action", action),
                Where::eq("outcome", outcome),
            ]),
        )
        .await
        .expect("read the audit log");
    assert_eq!(
        rows.len(),
        1,
        "{action}/{outcome}: expected one event, got {rows:?}"
    );
    rows.into_iter().next().expect("one")
}

fn assert_who(row: &Row, actor: Option<&str>, target: Option<&str>) {
    assert_eq!(text(row, "actorUserId"), actor, "actor of {row:?}");
    assert_eq!(text(row, "targetUserId"), target, "target of {row:?}");
}

fn details(row: &Row) -> Value {
    match row.get("details") {
        Some(Cell::Json(j)) => j.clone(),
        Some(Cell::String(s)) => serde_json::from_str(s).expect("details JSON"),
        other => panic!("details: {other:?}"),
    }
}

/// Every user made or removed leaves an event, also where no session is issued: a sign-up
/// that must verify its address, and anonymous users deleted (the overview's live total of
/// users counts these).
async fn users_made_and_removed_without_a_session_are_recorded(backend: Backend) {
    let srv = server(
        backend,
        &[
            ("REQUIRE_EMAIL_VERIFICATION", "true"),
            ("ENABLE_ANONYMOUS", "true"),
        ],
    )
    .await;
    let res = srv
        .post(
            "/sign-up/email",
            json!({"name": "Val", "email": "val@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["token"], Value::Null, "no session before verifying");
    let id = body["user"]["id"].as_str().expect("id").to_owned();
    let e = only_event(&srv, "user.sign_up", "success").await;
    assert_who(&e, Some(&id), Some(&id));
    assert_eq!(details(&e)["method"], "email");
    assert_eq!(details(&e)["verified"], false);
    assert_eq!(text(&e, "sessionId"), None);

    // A guest who leaves.
    let mut guest = srv.agent();
    let res = guest.post("/api/auth/sign-in/anonymous", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let guest_id = res.json()["user"]["id"].as_str().expect("id").to_owned();
    let res = guest
        .post("/api/auth/delete-anonymous-user", json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "anonymous.delete", "success").await;
    assert_who(&e, Some(&guest_id), Some(&guest_id));
    assert_eq!(details(&e)["reason"], "asked");

    // A guest who signs up for real (no verification asked here): the anonymous user goes,
    // with its event.
    let srv = server(backend, &[("ENABLE_ANONYMOUS", "true")]).await;
    let mut guest = srv.agent();
    let res = guest.post("/api/auth/sign-in/anonymous", json!({})).await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let guest_id = res.json()["user"]["id"].as_str().expect("id").to_owned();
    let res = guest
        .post(
            "/api/auth/sign-up/email",
            json!({"name": "Oli", "email": "oli@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "anonymous.delete", "success").await;
    assert_who(&e, Some(&guest_id), Some(&guest_id));
    assert_eq!(details(&e)["reason"], "linked");
    let gone = srv
        .adapter()
        .find_many(
            "user",
            &Query::filter(vec![Where::eq("id", guest_id.as_str())]),
        )
        .await
        .expect("read");
    assert!(gone.is_empty(), "deleted with its event");
}

async fn each_action_leaves_one_event(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut me = srv.agent();
    let (_, id) = me.sign_up("Ava Audit", "ava@example.com", PASSWORD).await;
    let e = only_event(&srv, "user.sign_up", "success").await;
    assert_who(&e, Some(&id), Some(&id));
    assert_eq!(details(&e)["method"], "email");
    assert!(text(&e, "sessionId").is_some());
    assert_eq!(text(&e, "userAgent"), Some(USER_AGENT));

    me.sign_out().await;
    assert_who(
        &only_event(&srv, "user.sign_out", "success").await,
        Some(&id),
        Some(&id),
    );

    // A wrong password for a real account, then an unknown address: each one failure, with why.
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "ava@example.com", "password": "not-the-password"}),
        )
        .await;
    assert_eq!(res.status, 401);
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "nobody@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 401);
    let failures = srv
        .adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![
                Where::eq("action", "user.sign_in"),
                Where::eq("outcome", "failure"),
            ]),
        )
        .await
        .expect("failures");
    assert_eq!(failures.len(), 2, "{failures:?}");
    let reasons: Vec<(Value, Option<&str>)> = failures
        .iter()
        .map(|f| (details(f)["reason"].clone(), text(f, "targetUserId")))
        .collect();
    assert!(
        reasons.contains(&(json!("invalid_password"), Some(id.as_str()))),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(json!("unknown_user"), None)),
        "{reasons:?}"
    );
    for f in &failures {
        assert_eq!(text(f, "actorUserId"), None);
        assert!(
            !format!("{f:?}").contains("not-the-password"),
            "no secret logged"
        );
    }

    me.sign_in("ava@example.com", PASSWORD).await;
    assert_who(
        &only_event(&srv, "user.sign_in", "success").await,
        Some(&id),
        Some(&id),
    );

    let res = me
        .post(
            "/api/auth/change-password",
            json!({"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "user.change_password", "success").await;
    assert_who(&e, Some(&id), Some(&id));
    assert!(!format!("{e:?}").contains(NEW_PASSWORD));

    // A second device, then the sessions ended: one, the others, all.
    let mut other = srv.agent();
    other.sign_in("ava@example.com", NEW_PASSWORD).await;
    let res = me.post("/api/auth/revoke-other-sessions", json!({})).await;
    assert_eq!(res.status, 200);
    let e = only_event(&srv, "session.revoke_others", "success").await;
    assert_who(&e, Some(&id), Some(&id));
    assert_eq!(details(&e)["count"], 1);
    let res = me.post("/api/auth/revoke-sessions", json!({})).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        details(&only_event(&srv, "session.revoke_all", "success").await)["count"],
        1
    );

    // API keys: made and revoked by their owner.
    me.sign_in("ava@example.com", NEW_PASSWORD).await;
    let res = me
        .post("/api/auth/api-key/create", json!({"name": "ci"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let key_id = res.json()["id"].as_str().expect("key id").to_owned();
    let key = res.json()["key"].as_str().expect("key").to_owned();
    let e = only_event(&srv, "api_key.create", "success").await;
    assert_who(&e, Some(&id), Some(&id));
    assert_eq!(text(&e, "targetId"), Some(key_id.as_str()));
    assert!(
        !format!("{e:?}").contains(&key),
        "the key itself is never logged"
    );
    let res = me
        .post("/api/auth/api-key/delete", json!({"keyId": key_id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(
        text(
            &only_event(&srv, "api_key.revoke", "success").await,
            "targetId"
        ),
        Some(key_id.as_str())
    );

    // An organization, a member who joins by invitation, a new role, and the member removed.
    let res = me
        .post(
            "/api/auth/organization/create",
            json!({"name": "Audit Org", "slug": "audit-org"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let org_id = res.json()["id"].as_str().expect("org id").to_owned();
    let e = only_event(&srv, "organization.create", "success").await;
    assert_who(&e, Some(&id), Some(&id));
    assert_eq!(text(&e, "organizationId"), Some(org_id.as_str()));
    let mut bo = srv.agent();
    let (_, bo_id) = bo.sign_up("Bo Member", "bo@example.com", PASSWORD).await;
    let res = me
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "bo@example.com", "role": "member", "organizationId": org_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let invitation = res.json()["id"].as_str().expect("invitation").to_owned();
    let res = bo
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": invitation}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let member_id = res.json()["member"]["id"]
        .as_str()
        .expect("member")
        .to_owned();
    let e = only_event(&srv, "organization.member_add", "success").await;
    assert_who(&e, Some(&bo_id), Some(&bo_id));
    assert_eq!(text(&e, "organizationId"), Some(org_id.as_str()));
    let res = me
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": member_id, "role": "admin", "organizationId": org_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "organization.member_role_update", "success").await;
    assert_who(&e, Some(&id), Some(&bo_id));
    assert_eq!(details(&e)["role"], "admin");
    assert_eq!(details(&e)["previousRole"], "member");
    let res = me
        .post(
            "/api/auth/organization/remove-member",
            json!({"memberIdOrEmail": member_id, "organizationId": org_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_who(
        &only_event(&srv, "organization.member_remove", "success").await,
        Some(&id),
        Some(&bo_id),
    );
}

async fn admin_agent<'a>(srv: &'a TestServer, email: &str) -> (Agent<'a>, String) {
    common::administrator(srv, email, PASSWORD).await
}

async fn admin_actions_leave_one_event_each(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut admin, admin_id) = admin_agent(&srv, "root@example.com").await;
    let res = admin
        .post(
            "/api/auth/admin/create-user",
            json!({"email": "cy@example.com", "name": "Cy", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let cy = res.json()["user"]["id"].as_str().expect("id").to_owned();
    // Two: the operator's (the command line, no actor) and the administrator's.
    let made = srv
        .adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![Where::eq("action", "admin.create_user")]),
        )
        .await
        .expect("read");
    assert_eq!(made.len(), 2, "{made:?}");
    let by_cli = made
        .iter()
        .find(|e| text(e, "targetUserId") == Some(admin_id.as_str()))
        .expect("the command line's");
    assert_eq!(text(by_cli, "actorUserId"), None);
    assert_eq!(details(by_cli)["via"], "cli");
    let by_admin = made
        .iter()
        .find(|e| text(e, "targetUserId") == Some(cy.as_str()))
        .expect("the administrator's");
    assert_who(by_admin, Some(&admin_id), Some(&cy));
    let calls: &[(&str, Value, &str)] = &[
        (
            "/api/auth/admin/set-role",
            json!({"userId": cy, "role": "user"}),
            "admin.set_role",
        ),
        (
            "/api/auth/admin/update-user",
            json!({"userId": cy, "data": {"name": "Cyrus"}}),
            "admin.update_user",
        ),
        (
            "/api/auth/admin/set-user-password",
            json!({"userId": cy, "newPassword": NEW_PASSWORD}),
            "admin.set_user_password",
        ),
        (
            "/api/auth/admin/revoke-user-sessions",
            json!({"userId": cy}),
            "admin.revoke_user_sessions",
        ),
        (
            "/api/auth/admin/ban-user",
            json!({"userId": cy, "banReason": "spam"}),
            "admin.ban_user",
        ),
        (
            "/api/auth/admin/unban-user",
            json!({"userId": cy}),
            "admin.unban_user",
        ),
    ];
    for (path, body, action) in calls {
        let res = admin.post(path, body.clone()).await;
        assert_eq!(res.status, 200, "{path}: {}", res.describe());
        let e = only_event(&srv, action, "success").await;
        assert_who(&e, Some(&admin_id), Some(&cy));
        assert!(!format!("{e:?}").contains(NEW_PASSWORD));
    }
    assert_eq!(
        details(&only_event(&srv, "admin.ban_user", "success").await)["reason"],
        "spam"
    );
    assert_eq!(
        details(&only_event(&srv, "admin.update_user", "success").await)["fields"],
        json!(["name"])
    );

    // Impersonation: started by the administrator, and what is done as the user carries who
    // really did it; stopped by the administrator.
    let res = admin
        .post("/api/auth/admin/impersonate-user", json!({"userId": cy}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "admin.impersonate_start", "success").await;
    assert_who(&e, Some(&admin_id), Some(&cy));
    assert_eq!(text(&e, "severity"), Some("warning"));
    let res = admin
        .post("/api/auth/revoke-other-sessions", json!({}))
        .await;
    assert_eq!(res.status, 200);
    let e = only_event(&srv, "session.revoke_others", "success").await;
    assert_who(&e, Some(&cy), Some(&cy));
    assert_eq!(text(&e, "impersonatorUserId"), Some(admin_id.as_str()));
    let res = admin
        .post("/api/auth/admin/stop-impersonating", json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_who(
        &only_event(&srv, "admin.impersonate_stop", "success").await,
        Some(&admin_id),
        Some(&cy),
    );

    // One session revoked by its stored identifier, then the user removed.
    let mut cy_agent = srv.agent();
    cy_agent.sign_in("cy@example.com", NEW_PASSWORD).await;
    let res = admin
        .post("/api/auth/admin/list-user-sessions", json!({"userId": cy}))
        .await;
    let token = res.json()["sessions"][0]["token"]
        .as_str()
        .expect("a session")
        .to_owned();
    let res = admin
        .post(
            "/api/auth/admin/revoke-user-session",
            json!({"sessionToken": token}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "admin.revoke_user_session", "success").await;
    assert_who(&e, Some(&admin_id), Some(&cy));
    assert_eq!(text(&e, "targetType"), Some("session"));
    let res = admin
        .post("/api/auth/admin/remove-user", json!({"userId": cy}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_who(
        &only_event(&srv, "admin.remove_user", "success").await,
        Some(&admin_id),
        Some(&cy),
    );
}

async fn a_rolled_back_transaction_leaves_neither(backend: Backend) {
    let srv = server(backend, &[]).await;
    let signed = srv.sign_up("Rolled Back", "rb@example.com", PASSWORD).await;
    let ctx = &srv.app.ctx;
    let before = all_events(&srv).await.len();
    let name_of = async || {
        srv.adapter()
            .find_one("user", &[Where::eq("id", signed.user_id.as_str())])
            .await
            .expect("read")
            .and_then(|u| u.get("name").and_then(Cell::as_str).map(str::to_owned))
    };
    {
        let mut tx = ctx.begin().await.expect("begin");
        let mut set = Row::new();
        set.insert("name".into(), "Changed".into());
        tx.update_user(&signed.user_id, set)
            .await
            .expect("update")
            .expect("the user");
        let e = AuditEvent::new("user.rename")
            .actor(signed.user_id.as_str())
            .own();
        audit::record(ctx, tx.store(), e).await.expect("record");
        // Dropped uncommitted: rolled back.
    }
    assert_eq!(name_of().await.as_deref(), Some("Rolled Back"));
    assert_eq!(
        all_events(&srv).await.len(),
        before,
        "no event without its change"
    );

    // Committed, both are there.
    let mut tx = ctx.begin().await.expect("begin");
    let mut set = Row::new();
    set.insert("name".into(), "Changed".into());
    tx.update_user(&signed.user_id, set)
        .await
        .expect("update")
        .expect("the user");
    let e = AuditEvent::new("user.rename")
        .actor(signed.user_id.as_str())
        .own();
    audit::record(ctx, tx.store(), e).await.expect("record");
    tx.commit().await.expect("commit");
    assert_eq!(name_of().await.as_deref(), Some("Changed"));
    assert_who(
        &only_event(&srv, "user.rename", "success").await,
        Some(&signed.user_id),
        Some(&signed.user_id),
    );
}

/// Every page of `/audit/list?query`, following `nextCursor`.
async fn every_page(agent: &mut Agent<'_>, query: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    for _ in 0..100 {
        let res = agent
            .get(&format!("/api/auth/audit/list?{query}&limit=2{cursor}"))
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
        let body = res.json();
        let events = body["events"].as_array().expect("events").clone();
        assert!(events.len() <= 2);
        all.extend(events);
        match body["nextCursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return all,
        }
    }
    panic!("paging did not end");
}

async fn list_filters_pages_and_exports(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut admin, admin_id) = admin_agent(&srv, "root@example.com").await;
    let start = chrono::Utc::now() + srv.clock.offset();
    let mut ids = Vec::new();
    for n in 0..3 {
        srv.clock.advance(Duration::minutes(10));
        let mut a = srv.agent();
        let (_, id) = a
            .sign_up("User", &format!("u{n}@example.com"), PASSWORD)
            .await;
        a.sign_out().await;
        ids.push(id);
    }
    srv.clock.advance(Duration::minutes(10));
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "u0@example.com", "password": "wrong-password-0"}),
        )
        .await;
    assert_eq!(res.status, 401);
    let res = admin
        .post(
            "/api/auth/organization/create",
            json!({"name": "Listed", "slug": "listed"}),
        )
        .await;
    let org_id = res.json()["id"].as_str().expect("org").to_owned();

    // All of it, newest first, paged two at a time without a gap or a repeat.
    let everything = every_page(&mut admin, "").await;
    let total = all_events(&srv).await.len();
    assert_eq!(everything.len(), total);
    let got: Vec<&str> = everything
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    let mut sorted = got.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(got, sorted, "newest first, each once");
    let res = admin.get("/api/auth/audit/list").await;
    assert_matches_openapi(
        &openapi_document(&srv).await,
        "GET",
        "/audit/list",
        200,
        &res.json(),
    );

    // By user: what u0 did and what was done to them (sign-up, sign-out, a failed sign-in).
    let u0 = every_page(&mut admin, &format!("userId={}", ids[0])).await;
    let actions: Vec<&str> = u0
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(actions, ["user.sign_in", "user.sign_out", "user.sign_up"]);
    // By address, in any case: the same events; an address nobody has: none.
    let by_address = every_page(&mut admin, "userId=U0%40Example.com").await;
    assert_eq!(by_address, u0);
    assert!(
        every_page(&mut admin, "userId=nobody%40example.com")
            .await
            .is_empty()
    );
    // The page names its users by address; a user's own history does not.
    let res = admin
        .get(&format!("/api/auth/audit/list?userId={}", ids[0]))
        .await;
    let users = &res.json()["users"];
    assert_eq!(users[ids[0].as_str()], "u0@example.com", "{users}");
    assert_eq!(users.as_object().map(|m| m.len()), Some(1), "{users}");
    let mine = admin.get("/api/auth/audit/mine").await;
    assert_eq!(mine.status, 200);
    assert!(mine.json().get("users").is_none());
    // By action, outcome, organization, and time.
    let ups = every_page(&mut admin, "action=user.sign_up").await;
    assert_eq!(ups.len(), 3);
    let failed = every_page(&mut admin, "outcome=failure").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["details"]["reason"], "invalid_password");
    assert_eq!(failed[0]["targetUserId"], ids[0].as_str());
    let org = every_page(&mut admin, &format!("organizationId={org_id}")).await;
    assert_eq!(org.len(), 1);
    assert_eq!(org[0]["actorUserId"], admin_id.as_str());
    let from = (start + Duration::minutes(15)).to_rfc3339();
    let to = (start + Duration::minutes(25)).to_rfc3339();
    let window = every_page(
        &mut admin,
        &format!("from={}&to={}", urlencode(&from), urlencode(&to)),
    )
    .await;
    let in_window: Vec<&str> = window
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(
        in_window,
        ["user.sign_out", "user.sign_up"],
        "u1's minute only"
    );
    assert_eq!(window[0]["actorUserId"], ids[1].as_str());

    // Exports: the same events as JSON lines and as CSV.
    let res = admin
        .get("/api/auth/audit/list?format=jsonl&action=user.sign_up")
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/jsonl"))
    );
    let lines: Vec<Value> = res
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines, ups);
    let res = admin
        .get("/api/auth/audit/list?format=csv&action=user.sign_up&limit=2")
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/csv"))
    );
    let next = res
        .header("x-next-cursor")
        .expect("more to come")
        .to_owned();
    assert_eq!(next, ups[1]["id"].as_str().expect("id"));
    let text = res.text();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "a header and two events: {text}");
    assert!(rows[0].starts_with("id,createdAt,action,outcome,severity,actorUserId"));
    assert!(rows[1].starts_with(ups[0]["id"].as_str().expect("id")));
    assert!(rows[1].contains(",user.sign_up,success,info,"));

    // Bad queries are 400s with a code.
    for q in [
        "outcome=maybe",
        "from=yesterday",
        "limit=0",
        "format=xml",
        "cursor=a-b",
    ] {
        let res = admin.get(&format!("/api/auth/audit/list?{q}")).await;
        assert_eq!(res.status, 400, "{q}: {}", res.describe());
        assert_eq!(res.json()["code"], "INVALID_AUDIT_QUERY");
    }
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

async fn mine_is_the_callers_and_list_is_for_admins(backend: Backend) {
    let srv = server(backend, &[]).await;
    let mut a = srv.agent();
    let (_, a_id) = a.sign_up("A", "a@example.com", PASSWORD).await;
    let mut b = srv.agent();
    let (_, b_id) = b.sign_up("B", "b@example.com", PASSWORD).await;
    b.post("/api/auth/revoke-other-sessions", json!({})).await;

    let res = a.get("/api/auth/audit/mine").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let mine = res.json()["events"].as_array().expect("events").clone();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["action"], "user.sign_up");
    assert_eq!(mine[0]["actorUserId"], a_id.as_str());
    let res = b.get("/api/auth/audit/mine?format=jsonl").await;
    let theirs: Vec<Value> = res
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|e| e["actorUserId"] == b_id.as_str()));
    // A userId in the query does not widen /audit/mine.
    let res = a.get(&format!("/api/auth/audit/mine?userId={b_id}")).await;
    assert_eq!(res.json()["events"].as_array().map(Vec::len), Some(1));

    // No session: 401 on both; a plain user: 403 on the list.
    let res = srv.send(Request::get("/api/auth/audit/mine")).await;
    assert_eq!(res.status, 401);
    let res = srv.send(Request::get("/api/auth/audit/list")).await;
    assert_eq!(res.status, 401);
    let res = a.get("/api/auth/audit/list").await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS",
        "You are not allowed to list audit events",
    );
    let (mut admin, _) = admin_agent(&srv, "root@example.com").await;
    let res = admin.get("/api/auth/audit/list").await;
    assert_eq!(res.status, 200);

    // The account page shows the section that reads /audit/mine, with its script.
    let res = a.get("/account").await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let page = res.text();
    assert!(
        page.contains(r#"<section id="security-activity""#),
        "{page}"
    );
    assert!(page.contains(r#"aria-labelledby="security-activity-title""#));
    assert!(page.contains("/assets/security-activity.js"));
    let res = a.get("/assets/security-activity.js").await;
    assert_eq!(res.status, 200);
    assert!(res.text().contains(r#"path: "/audit/mine""#));
}

async fn retention_drops_old_events(backend: Backend) {
    let srv = server(backend, &[("AUDIT_RETENTION_DAYS", "30")]).await;
    srv.sign_up("Old", "old@example.com", PASSWORD).await;
    srv.clock.advance(Duration::days(29));
    srv.sign_up("Newer", "newer@example.com", PASSWORD).await;
    portcullis_server::jobs::cleanup_expired(&srv.app.ctx)
        .await
        .expect("cleanup");
    assert_eq!(
        all_events(&srv).await.len(),
        2,
        "nothing is 30 days old yet"
    );
    srv.clock.advance(Duration::days(2));
    portcullis_server::jobs::cleanup_expired(&srv.app.ctx)
        .await
        .expect("cleanup");
    let left = all_events(&srv).await;
    assert_eq!(left.len(), 1, "{left:?}");
    let newer = srv
        .adapter()
        .find_one("user", &[Where::eq("email", "newer@example.com")])
        .await
        .expect("read")
        .expect("newer");
    assert_eq!(
        text(&left[0], "actorUserId"),
        newer.get("id").and_then(Cell::as_str)
    );
}

/// An embedding app's own plugin: it keeps audit events (`records_audit`) and hears each in
/// `Plugin::audit`, in the transaction of the change.
struct Listener(std::sync::Mutex<Vec<(String, Option<String>)>>);

#[async_trait::async_trait]
impl portcullis_core::Plugin for Listener {
    fn id(&self) -> &'static str {
        "embedding-app-listener"
    }

    fn records_audit(&self) -> bool {
        true
    }

    async fn audit(
        &self,
        _ctx: &portcullis_core::AuthContext,
        _store: &dyn portcullis_storage::Store,
        event: &AuditEvent,
    ) -> Result<(), portcullis_core::ApiError> {
        if let Ok(mut heard) = self.0.lock() {
            heard.push((event.action.to_owned(), event.target_user_id.clone()));
        }
        Ok(())
    }
}

async fn an_embedding_app_hears_events_in_process(backend: Backend) {
    let listener = std::sync::Arc::new(Listener(std::sync::Mutex::new(Vec::new())));
    // Without the audit plugin: the app's own plugin is enough for events to flow.
    let srv = TestServer::builder(backend)
        .plugin(listener.clone())
        .start()
        .await;
    let signed = srv.sign_up("Emma", "emma@example.com", PASSWORD).await;
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "emma@example.com", "password": "wrong-password-9"}),
        )
        .await;
    assert_eq!(res.status, 401);
    let heard = listener.0.lock().map(|h| h.clone()).unwrap_or_default();
    assert_eq!(
        heard,
        [
            ("user.sign_up".to_owned(), Some(signed.user_id.clone())),
            ("user.sign_in".to_owned(), Some(signed.user_id.clone())),
        ]
    );
    // No audit table without the audit plugin: the events went only to the app.
    assert!(
        srv.adapter()
            .find_many("auditEvent", &Query::default())
            .await
            .is_err()
    );
}

/// `oathtool --totp` for the base32 `secret` at `at` (as the two-factor tests do).
fn oathtool(secret: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", secret, "--now"])
        .arg(at.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .output()
        .expect("oathtool runs (apt-get install oathtool)");
    assert!(out.status.success(), "oathtool: {out:?}");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

async fn two_factor_changes_and_refused_codes(backend: Backend) {
    let srv = server(backend, &[("ENABLE_TWO_FACTOR", "true")]).await;
    let mut me = srv.agent();
    let (_, id) = me.sign_up("Tess", "tess@example.com", PASSWORD).await;
    let res = me
        .post("/api/auth/two-factor/enable", json!({"password": PASSWORD}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let uri = res.json()["totpURI"].as_str().expect("uri").to_owned();
    let secret = uri
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|p| p.strip_prefix("secret=")))
        .expect("secret")
        .to_owned();
    let code = |srv: &TestServer| {
        srv.clock.advance(Duration::seconds(30));
        oathtool(&secret, chrono::Utc::now() + srv.clock.offset())
    };
    let res = me
        .post(
            "/api/auth/two-factor/verify-totp",
            json!({"code": code(&srv)}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "two_factor.enable", "success").await;
    assert_who(&e, Some(&id), Some(&id));
    assert_eq!(details(&e)["method"], "totp");

    // A held sign-in, a wrong code, then the right one: one failure, one sign-in.
    me.sign_out().await;
    let res = me
        .post(
            "/api/auth/sign-in/email",
            json!({"email": "tess@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.json()["twoFactorRedirect"], true, "{}", res.describe());
    let early = events_of(&srv, "user.sign_in").await;
    assert!(early.is_empty(), "held: not yet signed in: {early:?}");
    let res = me
        .post(
            "/api/auth/two-factor/verify-totp",
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(res.status, 401);
    let e = only_event(&srv, "two_factor.verify", "failure").await;
    assert_who(&e, None, Some(&id));
    assert_eq!(details(&e)["reason"], "invalid_code");
    assert!(!format!("{e:?}").contains("000000"));
    let res = me
        .post(
            "/api/auth/two-factor/verify-totp",
            json!({"code": code(&srv)}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "user.sign_in", "success").await;
    assert_who(&e, Some(&id), Some(&id));

    let res = me
        .post(
            "/api/auth/two-factor/disable",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_who(
        &only_event(&srv, "two_factor.disable", "success").await,
        Some(&id),
        Some(&id),
    );
}

async fn events_of(srv: &TestServer, action: &str) -> Vec<Row> {
    srv.adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![Where::eq("action", action)]),
        )
        .await
        .expect("read")
}

/// The failures of one action, with why.
async fn failures(srv: &TestServer, action: &str) -> Vec<Row> {
    srv.adapter()
        .find_many(
            "auditEvent",
            &Query::filter(vec![
                Where::eq("action", action),
                Where::eq("outcome", "failure"),
            ]),
        )
        .await
        .expect("read")
}

/// The one new failure of `action` since `seen` were counted, checked for `method` and
/// `reason`; the caller checks who.
async fn one_more_failure(
    srv: &TestServer,
    action: &str,
    seen: &mut usize,
    method: &str,
    reason: &str,
) -> Row {
    let all = failures(srv, action).await;
    assert_eq!(all.len(), *seen + 1, "{action}: one more failure: {all:?}");
    *seen += 1;
    let e = all
        .into_iter()
        .find(|e| details(e)["method"] == method && details(e)["reason"] == reason)
        .unwrap_or_else(|| panic!("no {action} failure by {method} for {reason}"));
    assert_eq!(text(&e, "actorUserId"), None, "nobody signed in acted");
    e
}

/// Sign-in failures beyond passwords: a magic link, e-mail codes for each purpose, an SMS
/// code, a passkey, OAuth's callback, and a banned user's right password. Each leaves exactly
/// one failure with why, and never the secret tried.
async fn every_kind_of_refused_proof_leaves_one_event(backend: Backend) {
    let srv = server(
        backend,
        &[
            ("ENABLE_PASSKEYS", "true"),
            ("PASSKEY_RP_ID", "localhost"),
            ("PASSKEY_ORIGIN", "http://localhost:3000"),
            ("ENABLE_PHONE_AUTH", "true"),
            ("RATE_LIMIT_ENABLED", "false"),
        ],
    )
    .await;
    let mut ava = srv.agent();
    let (_, ava_id) = ava.sign_up("Ava", "ava@example.com", PASSWORD).await;
    let mut sign_ins = 0;

    // A link that was never sent: refused by redirect, recorded all the same.
    let res = srv
        .send(Request::get(
            "/api/auth/magic-link/verify?token=not-a-token&callbackURL=%2F",
        ))
        .await;
    assert_eq!(res.status, 302, "{}", res.describe());
    one_more_failure(
        &srv,
        "user.sign_in",
        &mut sign_ins,
        "magic-link",
        "invalid_token",
    )
    .await;

    // E-mail codes: a wrong sign-in code counts against the address (by hash).
    srv.email_code("ava@example.com", "sign-in").await;
    let res = srv
        .post(
            "/sign-in/email-otp",
            json!({"email": "ava@example.com", "otp": "000000"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());
    let e = one_more_failure(
        &srv,
        "user.sign_in",
        &mut sign_ins,
        "email-otp",
        "invalid_code",
    )
    .await;
    assert_eq!(
        details(&e)["identifierHash"],
        portcullis_core::lockout::email_hash("ava@example.com")
    );
    assert!(!format!("{e:?}").contains("000000"), "no code logged");
    // A verification code and a reset code are their own actions.
    srv.email_code("ava@example.com", "email-verification")
        .await;
    let res = srv
        .post(
            "/email-otp/verify-email",
            json!({"email": "ava@example.com", "otp": "000000"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());
    let mut verify = 0;
    one_more_failure(
        &srv,
        "user.verify_email",
        &mut verify,
        "email-otp",
        "invalid_code",
    )
    .await;
    let res = srv
        .post(
            "/email-otp/reset-password",
            json!({"email": "ava@example.com", "otp": "000000", "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());
    let mut reset = 0;
    one_more_failure(
        &srv,
        "user.reset_password",
        &mut reset,
        "email-otp",
        "no_code",
    )
    .await;

    // An SMS code for a number that was sent none.
    let res = srv
        .post(
            "/phone-number/verify",
            json!({"phoneNumber": "+14155550123", "code": "000000"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());
    one_more_failure(&srv, "user.sign_in", &mut sign_ins, "phone-otp", "no_code").await;

    // A passkey nobody registered.
    let mut stranger = srv.agent();
    let res = stranger
        .get("/api/auth/passkey/generate-authenticate-options")
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = stranger
        .post(
            "/api/auth/passkey/verify-authentication",
            json!({"response": {"id": "bm90LWEta2V5", "rawId": "bm90LWEta2V5", "type": "public-key",
                "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"}}}),
        )
        .await;
    assert_eq!(res.status, 401, "{}", res.describe());
    one_more_failure(
        &srv,
        "user.sign_in",
        &mut sign_ins,
        "passkey",
        "passkey_not_found",
    )
    .await;

    // A banned user's right password: refused once, whichever way they prove it.
    let (mut admin, _) = admin_agent(&srv, "root@example.com").await;
    let res = admin
        .post("/api/auth/admin/ban-user", json!({"userId": ava_id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "ava@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
    let e = one_more_failure(&srv, "user.sign_in", &mut sign_ins, "email", "banned_user").await;
    assert_eq!(text(&e, "targetUserId"), Some(ava_id.as_str()));
    assert!(!format!("{e:?}").contains(PASSWORD), "no password logged");

    // An administrator's change of address keeps both addresses, as the user's own does.
    let res = admin
        .post(
            "/api/auth/admin/update-user",
            json!({"userId": ava_id, "data": {"email": "ava.new@example.com"}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let e = only_event(&srv, "admin.update_user", "success").await;
    assert_eq!(details(&e)["previousEmail"], "ava@example.com");
    assert_eq!(details(&e)["newEmail"], "ava.new@example.com");
    // Nothing else was refused along the way.
    assert_eq!(failures(&srv, "user.sign_in").await.len(), sign_ins);
}
