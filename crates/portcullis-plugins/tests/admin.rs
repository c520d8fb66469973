//! The admin plugin on each backend: Better Auth's empty 401 and per-endpoint 403 codes; users
//! created, searched, sorted, paged, filtered, read, updated and removed; bans that end sessions,
//! refuse every sign-in and run out by the clock; impersonation that lasts an hour, hides from
//! the user's own list and stops back into the administrator's session; sessions listed and
//! revoked; passwords set; custom roles from an access-control file (a role cannot grant more
//! than it holds); step-up (two-factor, a fresh session, the password again); and the
//! `portcullis user` commands.

mod common;

use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use portcullis_plugins::admin::cli;
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "admin-password-1";
const ENV: &[(&str, &str)] = &[("ENABLE_ADMIN", "true")];
const BANNED: &str = "You have been banned from this application. Please contact support if you believe this is an error.";

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("a_session_and_the_permission_are_needed", |b| {
            Box::pin(a_session_and_the_permission_are_needed(b))
        })
        .per_backend("create_list_get_update_remove", |b| {
            Box::pin(create_list_get_update_remove(b))
        })
        .per_backend("bans_end_sessions_refuse_sign_in_and_run_out", |b| {
            Box::pin(bans_end_sessions_refuse_sign_in_and_run_out(b))
        })
        .per_backend("impersonation_lasts_an_hour_and_stops", |b| {
            Box::pin(impersonation_lasts_an_hour_and_stops(b))
        })
        .per_backend("sessions_listed_and_revoked_and_passwords_set", |b| {
            Box::pin(sessions_listed_and_revoked_and_passwords_set(b))
        })
        .per_backend("custom_roles_from_a_file", |b| {
            Box::pin(custom_roles_from_a_file(b))
        })
        .per_backend("step_up_for_administrators", |b| {
            Box::pin(step_up_for_administrators(b))
        })
        .per_backend("user_commands", |b| Box::pin(user_commands(b)))
        .per_backend_on(
            &[Backend::Sqlite],
            "an_operators_ban_message_is_shown_as_written",
            |b| Box::pin(an_operators_ban_message_is_shown_as_written(b)),
        )
        .run()
}

async fn server(backend: Backend, extra: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .envs(extra.iter().copied())
        .start()
        .await
}

async fn admin_agent<'a>(srv: &'a TestServer, email: &str) -> (Agent<'a>, String) {
    common::administrator(srv, email, PASSWORD).await
}

async fn member<'a>(srv: &'a TestServer, email: &str) -> (Agent<'a>, String) {
    let mut agent = srv.agent();
    let (_, id) = agent.sign_up("Mo Member", email, PASSWORD).await;
    (agent, id)
}

fn code_of(res: &Response) -> String {
    res.json()["code"].as_str().unwrap_or_default().to_owned()
}

async fn a_session_and_the_permission_are_needed(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut user, user_id) = member(&srv, "plain@example.com").await;
    // A new user has the default role.
    assert_eq!(
        user.get_session().await.expect("session")["user"]["role"],
        "user"
    );
    let calls: &[(&str, Value, &str)] = &[
        (
            "/admin/set-role",
            json!({"userId": user_id, "role": "admin"}),
            "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE",
        ),
        (
            "/admin/create-user",
            json!({"email": "x@example.com", "name": "X", "password": PASSWORD}),
            "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS",
        ),
        (
            "/admin/update-user",
            json!({"userId": user_id, "data": {"name": "Y"}}),
            "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS",
        ),
        (
            "/admin/list-user-sessions",
            json!({"userId": user_id}),
            "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS",
        ),
        (
            "/admin/ban-user",
            json!({"userId": user_id}),
            "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",
        ),
        (
            "/admin/unban-user",
            json!({"userId": user_id}),
            "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",
        ),
        (
            "/admin/impersonate-user",
            json!({"userId": user_id}),
            "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
        ),
        (
            "/admin/revoke-user-session",
            json!({"sessionToken": "t"}),
            "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
        ),
        (
            "/admin/revoke-user-sessions",
            json!({"userId": user_id}),
            "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
        ),
        (
            "/admin/remove-user",
            json!({"userId": user_id}),
            "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS",
        ),
        (
            "/admin/set-user-password",
            json!({"userId": user_id, "newPassword": "another-password-2"}),
            "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD",
        ),
    ];
    for (path, body, code) in calls {
        let path = format!("/api/auth{path}");
        let res = srv
            .send(Request::post(&path).origin(&srv.base).json(body))
            .await;
        assert_eq!(
            res.status,
            401,
            "{path} without a session: {}",
            res.describe()
        );
        assert!(res.text().is_empty(), "{path}: Better Auth's empty 401");
        let res = user.post(&path, body.clone()).await;
        assert_eq!(res.status, 403, "{path} as a user: {}", res.describe());
        assert_eq!(code_of(&res), *code, "{path}");
    }
    for (path, code) in [
        (
            "/api/auth/admin/list-users",
            "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS",
        ),
        (
            "/api/auth/admin/get-user?id=x",
            "YOU_ARE_NOT_ALLOWED_TO_GET_USER",
        ),
    ] {
        let res = user.get(path).await;
        assert_eq!(res.status, 403, "{path}: {}", res.describe());
        assert_eq!(code_of(&res), code);
    }
    let res = user
        .post(
            "/api/auth/admin/has-permission",
            json!({"permissions": {"user": ["list"]}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json(), json!({"error": null, "success": false}));
    // A user cannot make themselves an administrator by their own update either.
    let res = user
        .post("/api/auth/update-user", json!({"role": "admin"}))
        .await;
    assert_eq!(res.status, 400, "{}", res.describe());
    assert_eq!(code_of(&res), "FIELD_NOT_ALLOWED");
    // A missing id is a validation error before anything else, as zod reports it.
    let res = user.post("/api/auth/admin/ban-user", json!({})).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["message"],
        "[body.userId] Invalid input: expected nonoptional, received undefined"
    );
}

async fn create_list_get_update_remove(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut admin, admin_id) = admin_agent(&srv, "ada@example.com").await;
    let res = admin
        .post(
            "/api/auth/admin/has-permission",
            json!({"permissions": {"user": ["ban", "list"]}}),
        )
        .await;
    assert_eq!(res.json(), json!({"error": null, "success": true}));

    let res = admin
        .post(
            "/api/auth/admin/create-user",
            json!({"email": "New.Person@Example.com", "name": "New Person", "password": PASSWORD,
                   "role": ["user", "admin"], "data": {"emailVerified": true}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let made = res.json()["user"].clone();
    assert_eq!(made["email"], "new.person@example.com");
    assert_eq!(made["role"], "user,admin");
    assert_eq!(made["emailVerified"], true);
    assert_eq!(made["banned"], false);
    let new_id = made["id"].as_str().expect("id").to_owned();
    // The password works.
    let mut other = srv.agent();
    other.sign_in("new.person@example.com", PASSWORD).await;
    let res = admin
        .post(
            "/api/auth/admin/create-user",
            json!({"email": "new.person@example.com", "name": "Again", "password": PASSWORD}),
        )
        .await;
    assert_eq!(code_of(&res), "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    let res = admin
        .post(
            "/api/auth/admin/create-user",
            json!({"email": "not-an-email", "name": "N"}),
        )
        .await;
    assert_eq!(code_of(&res), "INVALID_EMAIL");
    let res = admin
        .post(
            "/api/auth/admin/create-user",
            json!({"email": "short@example.com", "name": "S", "password": "short"}),
        )
        .await;
    assert_eq!(code_of(&res), "PASSWORD_TOO_SHORT");
    for i in 0..3 {
        let res = admin
            .post(
                "/api/auth/admin/create-user",
                json!({"email": format!("zed{i}@example.org"), "name": format!("Zed {i}")}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.describe());
    }

    // list-users: all; search; sort and page; filter.
    let list = |q: &str| format!("/api/auth/admin/list-users{q}");
    let all = admin.get(&list("")).await.json();
    assert_eq!(all["total"], 5);
    assert_eq!(all["users"].as_array().expect("users").len(), 5);
    assert!(all.get("limit").is_none() && all.get("offset").is_none());
    let found = admin
        .get(&list("?searchValue=example.org&searchOperator=ends_with"))
        .await
        .json();
    assert_eq!(found["total"], 3);
    let page = admin
        .get(&list("?searchValue=Zed&searchField=name&searchOperator=starts_with&sortBy=name&sortDirection=desc&limit=2&offset=1"))
        .await
        .json();
    assert_eq!(page["total"], 3);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let names: Vec<&str> = page["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Zed 1", "Zed 0"]);
    let admins = admin
        .get(&list("?filterField=role&filterValue=admin"))
        .await
        .json();
    assert_eq!(admins["total"], 1, "exact role match: {admins}");
    let verified = admin
        .get(&list("?filterField=emailVerified&filterValue=true"))
        .await
        .json();
    assert_eq!(
        verified["total"], 2,
        "the CLI's and create-user's: {verified}"
    );
    let unknown = admin.get(&list("?sortBy=nothingLikeThis")).await.json();
    assert_eq!(unknown, json!({"users": [], "total": 0}));
    let res = admin.get(&list("?searchField=phone")).await;
    assert_eq!(res.status, 400);
    assert_eq!(code_of(&res), "VALIDATION_ERROR");

    let res = admin
        .get(&format!("/api/auth/admin/get-user?id={new_id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["email"], "new.person@example.com");
    let res = admin.get("/api/auth/admin/get-user?id=nobody").await;
    assert_eq!(res.status, 404);
    assert_eq!(code_of(&res), "USER_NOT_FOUND");

    let update = |data: Value| json!({"userId": new_id, "data": data});
    let res = admin
        .post(
            "/api/auth/admin/update-user",
            update(json!({"name": "Renamed", "role": "user"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["name"], "Renamed");
    assert_eq!(res.json()["role"], "user");
    for (data, code) in [
        (json!({}), "NO_DATA_TO_UPDATE"),
        (
            json!({"password": "x"}),
            "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER",
        ),
        (json!({"id": "x"}), "USER_ID_CANNOT_BE_UPDATED"),
        (
            json!({"email": "ada@example.com"}),
            "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        ),
        (json!({"role": 7}), "INVALID_ROLE_TYPE"),
    ] {
        let res = admin
            .post("/api/auth/admin/update-user", update(data.clone()))
            .await;
        assert_eq!(res.status, 400, "{data}: {}", res.describe());
        assert_eq!(code_of(&res), code, "{data}");
    }
    let res = admin
        .post(
            "/api/auth/admin/update-user",
            json!({"userId": admin_id, "data": {"banned": true}}),
        )
        .await;
    assert_eq!(code_of(&res), "YOU_CANNOT_BAN_YOURSELF");
    let res = admin
        .post(
            "/api/auth/admin/set-role",
            json!({"userId": new_id, "role": ["admin", "user"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["role"], "admin,user");

    let res = admin
        .post("/api/auth/admin/remove-user", json!({"userId": admin_id}))
        .await;
    assert_eq!(code_of(&res), "YOU_CANNOT_REMOVE_YOURSELF");
    let res = admin
        .post("/api/auth/admin/remove-user", json!({"userId": new_id}))
        .await;
    assert_eq!(res.json(), json!({"success": true}));
    assert_eq!(
        other.get_session().await,
        None,
        "their sessions went with them"
    );
    let res = admin
        .post("/api/auth/admin/remove-user", json!({"userId": new_id}))
        .await;
    assert_eq!(res.status, 404);
}

async fn bans_end_sessions_refuse_sign_in_and_run_out(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut admin, admin_id) = admin_agent(&srv, "ada@example.com").await;
    let (mut user, user_id) = member(&srv, "banned@example.com").await;
    let res = admin
        .post("/api/auth/admin/ban-user", json!({"userId": admin_id}))
        .await;
    assert_eq!(code_of(&res), "YOU_CANNOT_BAN_YOURSELF");
    let res = admin
        .post(
            "/api/auth/admin/ban-user",
            json!({"userId": user_id, "banReason": "spam", "banExpiresIn": 3600}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let banned = res.json()["user"].clone();
    assert_eq!(banned["banned"], true);
    assert_eq!(banned["banReason"], "spam");
    assert!(banned["banExpires"].is_string());
    assert_eq!(user.get_session().await, None, "the ban ended the session");
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "banned@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert_eq!(
        res.json(),
        json!({"message": BANNED, "code": "BANNED_USER"})
    );
    assert!(res.set_cookie("better-auth.session_token").is_none());

    // The ban runs out: the next sign-in lifts it.
    srv.clock.advance(Duration::seconds(3601));
    let mut again = srv.agent();
    again.sign_in("banned@example.com", PASSWORD).await;
    let me = again.get_session().await.expect("signed in");
    assert_eq!(me["user"]["banned"], false);
    assert_eq!(me["user"]["banReason"], Value::Null);

    // A ban without expiry lasts, until unban-user.
    let res = admin
        .post("/api/auth/admin/ban-user", json!({"userId": user_id}))
        .await;
    assert_eq!(res.json()["user"]["banReason"], "No reason");
    assert_eq!(res.json()["user"]["banExpires"], Value::Null);
    assert_eq!(again.get_session().await, None);
    srv.clock.advance(Duration::days(30));
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "banned@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 403);
    // Re-sign the administrator in: thirty days ended their session too.
    admin.sign_in("ada@example.com", PASSWORD).await;
    let res = admin
        .post("/api/auth/admin/unban-user", json!({"userId": user_id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["banned"], false);
    srv.agent().sign_in("banned@example.com", PASSWORD).await;
}

/// Pages name the error codes whose message the operator wrote, so their scripts show it as
/// written instead of their catalog's words (`errorText` in `/assets/i18n.js`).
async fn an_operators_ban_message_is_shown_as_written(backend: Backend) {
    const OWN: &str = "Your account is on hold: write to help@example.com.";
    let srv = server(backend, &[("ADMIN_BANNED_USER_MESSAGE", OWN)]).await;
    let page = srv.send(Request::get("/sign-in")).await.text();
    assert!(
        page.contains(r#"data-operator-errors="BANNED_USER""#),
        "{page}"
    );
    let (mut admin, _) = admin_agent(&srv, "ada@example.com").await;
    let (_, user_id) = member(&srv, "held@example.com").await;
    let res = admin
        .post("/api/auth/admin/ban-user", json!({"userId": user_id}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = srv
        .post(
            "/sign-in/email",
            json!({"email": "held@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.json(), json!({"message": OWN, "code": "BANNED_USER"}));
    // Better Auth's own message is the catalog's to say in the page's language.
    let srv = server(backend, &[]).await;
    let page = srv.send(Request::get("/sign-in")).await.text();
    assert!(!page.contains("data-operator-errors"));
}

async fn impersonation_lasts_an_hour_and_stops(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut admin, admin_id) = admin_agent(&srv, "ada@example.com").await;
    let (_, other_admin_id) = {
        let made = cli::create_user(
            &srv.app.ctx,
            "bea@example.com",
            "Bea",
            PASSWORD,
            Some("admin"),
        )
        .await
        .expect("second admin");
        ((), made.id)
    };
    let (mut user, user_id) = member(&srv, "target@example.com").await;
    let res = admin
        .post(
            "/api/auth/admin/impersonate-user",
            json!({"userId": other_admin_id}),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(code_of(&res), "YOU_CANNOT_IMPERSONATE_ADMINS");

    let res = admin
        .post(
            "/api/auth/admin/impersonate-user",
            json!({"userId": user_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let body = res.json();
    assert_eq!(body["user"]["email"], "target@example.com");
    assert_eq!(body["session"]["impersonatedBy"], admin_id);
    assert!(res.set_cookie("better-auth.admin_session").is_some());
    assert!(res.set_cookie("better-auth.dont_remember").is_some());
    let me = admin.get_session().await.expect("impersonating");
    assert_eq!(me["user"]["email"], "target@example.com");
    assert_eq!(me["session"]["impersonatedBy"], admin_id);
    let expires: DateTime<Utc> = me["session"]["expiresAt"]
        .as_str()
        .expect("expiresAt")
        .parse()
        .expect("date");
    let left = expires - (Utc::now() + srv.clock.offset());
    assert!(
        left <= Duration::hours(1) && left > Duration::minutes(59),
        "{left}"
    );

    // The user's own list leaves it out; the administrator's view shows it.
    let own = user.get("/api/auth/list-sessions").await.json();
    assert_eq!(own.as_array().expect("list").len(), 1, "{own}");
    let mut ada = srv.agent();
    ada.sign_in("ada@example.com", PASSWORD).await;
    let listed = ada
        .post(
            "/api/auth/admin/list-user-sessions",
            json!({"userId": user_id}),
        )
        .await
        .json();
    assert_eq!(listed["sessions"].as_array().expect("sessions").len(), 2);

    let res = admin
        .post("/api/auth/admin/stop-impersonating", json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(res.json()["user"]["email"], "ada@example.com");
    assert!(
        res.set_cookie("better-auth.admin_session")
            .expect("cleared")
            .is_deletion()
    );
    let me = admin.get_session().await.expect("back");
    assert_eq!(me["user"]["email"], "ada@example.com");
    let res = admin
        .post("/api/auth/admin/stop-impersonating", json!({}))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["message"], "You are not impersonating anyone");

    // An hour later the impersonation session is over by itself.
    let res = admin
        .post(
            "/api/auth/admin/impersonate-user",
            json!({"userId": user_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.clock.advance(Duration::minutes(61));
    assert_eq!(admin.get_session().await, None);
}

async fn sessions_listed_and_revoked_and_passwords_set(backend: Backend) {
    let srv = server(backend, &[]).await;
    let (mut admin, _) = admin_agent(&srv, "ada@example.com").await;
    let (mut phone, user_id) = member(&srv, "many@example.com").await;
    let mut laptop = srv.agent();
    laptop.sign_in("many@example.com", PASSWORD).await;
    let listed = admin
        .post(
            "/api/auth/admin/list-user-sessions",
            json!({"userId": user_id}),
        )
        .await
        .json();
    let sessions = listed["sessions"].as_array().expect("sessions").clone();
    assert_eq!(sessions.len(), 2);
    // Revoke the laptop's, by the token the list gave.
    let laptop_id = laptop.get_session().await.expect("laptop")["session"]["id"].clone();
    let token = sessions
        .iter()
        .find(|s| s["id"] == laptop_id)
        .and_then(|s| s["token"].as_str())
        .expect("token")
        .to_owned();
    let res = admin
        .post(
            "/api/auth/admin/revoke-user-session",
            json!({"sessionToken": token}),
        )
        .await;
    assert_eq!(res.json(), json!({"success": true}));
    assert_eq!(laptop.get_session().await, None);
    assert!(phone.get_session().await.is_some());
    let res = admin
        .post(
            "/api/auth/admin/revoke-user-sessions",
            json!({"userId": user_id}),
        )
        .await;
    assert_eq!(res.json(), json!({"success": true}));
    assert_eq!(phone.get_session().await, None);

    let res = admin
        .post(
            "/api/auth/admin/set-user-password",
            json!({"userId": user_id, "newPassword": "short"}),
        )
        .await;
    assert_eq!(code_of(&res), "PASSWORD_TOO_SHORT");
    let res = admin
        .post(
            "/api/auth/admin/set-user-password",
            json!({"userId": user_id, "newPassword": "brand-new-password-7"}),
        )
        .await;
    assert_eq!(res.json(), json!({"status": true}));
    srv.agent()
        .sign_in("many@example.com", "brand-new-password-7")
        .await;
    // A user without a password gets one.
    let res = admin
        .post(
            "/api/auth/admin/create-user",
            json!({"email": "nopw@example.com", "name": "No Pw"}),
        )
        .await;
    let id = res.json()["user"]["id"].as_str().expect("id").to_owned();
    let res = admin
        .post(
            "/api/auth/admin/set-user-password",
            json!({"userId": id, "newPassword": "first-password-8"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.agent()
        .sign_in("nopw@example.com", "first-password-8")
        .await;
}

async fn custom_roles_from_a_file(backend: Backend) {
    let file = std::env::temp_dir().join(format!(
        "portcullis-admin-access-{}.json",
        portcullis_core::crypto::token::generate_id(12)
    ));
    let _remove = RemoveOnDrop(file.clone());
    std::fs::write(
        &file,
        json!({
            "statements": {
                "user": ["create", "list", "set-role", "ban", "impersonate", "impersonate-admins",
                         "delete", "set-password", "set-email", "set-phone", "get", "update"],
                "session": ["list", "revoke", "delete"],
            },
            "roles": {
                "admin": {"user": ["create", "list", "set-role", "ban", "impersonate", "delete",
                                   "set-password", "set-email", "set-phone", "get", "update"],
                          "session": ["list", "revoke", "delete"]},
                "support": {"user": ["list", "get", "set-role"], "session": ["list"]},
                "user": {},
            },
        })
        .to_string(),
    )
    .expect("write");
    let path = file.to_string_lossy().into_owned();
    let srv = server(
        backend,
        &[
            ("ADMIN_ACCESS_CONTROL_FILE", &path),
            ("ADMIN_ROLES", "admin,support"),
        ],
    )
    .await;
    cli::create_user(
        &srv.app.ctx,
        "sam@example.com",
        "Sam Support",
        PASSWORD,
        Some("support"),
    )
    .await
    .expect("support");
    let mut sam = srv.agent();
    sam.sign_in("sam@example.com", PASSWORD).await;
    let (_, user_id) = member(&srv, "someone@example.com").await;
    assert_eq!(sam.get("/api/auth/admin/list-users").await.status, 200);
    let res = sam
        .post("/api/auth/admin/ban-user", json!({"userId": user_id}))
        .await;
    assert_eq!(code_of(&res), "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS");
    // Support may set roles, but not one that can do more than support.
    let res = sam
        .post(
            "/api/auth/admin/set-role",
            json!({"userId": user_id, "role": "admin"}),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert_eq!(code_of(&res), "YOU_CANNOT_GRANT_A_ROLE_ABOVE_YOUR_OWN");
    let res = sam
        .post(
            "/api/auth/admin/set-role",
            json!({"userId": user_id, "role": "support"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    // Roles the file does not define are refused, as Better Auth refuses them with `roles` set.
    let res = sam
        .post(
            "/api/auth/admin/set-role",
            json!({"userId": user_id, "role": "wizard"}),
        )
        .await;
    assert_eq!(
        code_of(&res),
        "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE"
    );
    let res = sam
        .post(
            "/api/auth/admin/has-permission",
            json!({"permissions": {"session": {"actions": ["revoke", "list"], "connector": "OR"}}}),
        )
        .await;
    assert_eq!(res.json()["success"], true);
    // A file naming an action its statements lack stops start-up, naming the variable.
    std::fs::write(
        &file,
        r#"{"statements": {"user": ["list"]}, "roles": {"admin": {"user": ["fly"]}}}"#,
    )
    .expect("write");
    let err = TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .env("ADMIN_ACCESS_CONTROL_FILE", path.as_str())
        .try_start()
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("ADMIN_ACCESS_CONTROL_FILE"),
        "{err}"
    );
}

/// Deletes a file the test wrote, even when it fails.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `oathtool --totp` for the base32 `secret` at the server's time.
fn oathtool(srv: &TestServer, secret: &str) -> String {
    let at = Utc::now() + srv.clock.offset();
    let out = Command::new("oathtool")
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

async fn step_up_for_administrators(backend: Backend) {
    let srv = server(
        backend,
        &[
            ("ENABLE_TWO_FACTOR", "true"),
            ("ADMIN_STEP_UP", "true"),
            ("TWO_FACTOR_OTP", "false"),
        ],
    )
    .await;
    let (mut admin, _) = admin_agent(&srv, "ada@example.com").await;
    let (_, user_id) = member(&srv, "target@example.com").await;
    let res = admin.get("/api/auth/admin/list-users").await;
    assert_eq!(res.status, 403);
    assert_eq!(code_of(&res), "ADMIN_TWO_FACTOR_REQUIRED");

    // Turn TOTP on: its first code replaces the session with one that proved it.
    let res = admin
        .post("/api/auth/two-factor/enable", json!({"password": PASSWORD}))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let uri = res.json()["totpURI"].as_str().expect("uri").to_owned();
    let secret = uri
        .split_once("secret=")
        .and_then(|(_, rest)| rest.split('&').next())
        .expect("secret")
        .to_owned();
    let res = admin
        .post(
            "/api/auth/two-factor/verify-totp",
            json!({"code": oathtool(&srv, &secret)}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    assert_eq!(admin.get("/api/auth/admin/list-users").await.status, 200);

    // Impersonation asks for the password or a code again.
    let res = admin
        .post(
            "/api/auth/admin/impersonate-user",
            json!({"userId": user_id}),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(code_of(&res), "ADMIN_REAUTHENTICATION_REQUIRED");
    let res = admin
        .post(
            "/api/auth/admin/impersonate-user",
            json!({"userId": user_id, "password": "wrong-password-0"}),
        )
        .await;
    assert_eq!(code_of(&res), "ADMIN_REAUTHENTICATION_REQUIRED");
    srv.clock.advance(Duration::seconds(30));
    let res = admin
        .post(
            "/api/auth/admin/set-user-password",
            json!({"userId": user_id, "newPassword": "reset-by-admin-9", "code": oathtool(&srv, &secret)}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    let res = admin
        .post(
            "/api/auth/admin/impersonate-user",
            json!({"userId": user_id, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    admin
        .post("/api/auth/admin/stop-impersonating", json!({}))
        .await;

    // A session older than the step-up's fifteen minutes is not fresh enough.
    srv.clock.advance(Duration::minutes(16));
    let res = admin.get("/api/auth/admin/list-users").await;
    assert_eq!(res.status, 403, "{}", res.describe());
    assert_eq!(code_of(&res), "SESSION_NOT_FRESH");

    // Without the two-factor plugin, step-up refuses to start.
    let err = TestServer::builder(backend)
        .envs(ENV.iter().copied())
        .env("ADMIN_STEP_UP", "true")
        .try_start()
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("ADMIN_STEP_UP"), "{err}");
}

async fn user_commands(backend: Backend) {
    let srv = server(backend, &[]).await;
    let ctx = &srv.app.ctx;
    let made = cli::create_user(ctx, "Root@Example.com", "Root", PASSWORD, Some("admin"))
        .await
        .expect("create");
    assert_eq!(
        (made.email.as_str(), made.role.as_str()),
        ("root@example.com", "admin")
    );
    let again = cli::create_user(ctx, "root@example.com", "Root", PASSWORD, None).await;
    assert!(
        matches!(again, Err(cli::UserCommandError::Exists(_))),
        "{again:?}"
    );
    let bad = cli::create_user(ctx, "x@example.com", "X", PASSWORD, Some("wizard")).await;
    assert!(
        matches!(bad, Err(cli::UserCommandError::UnknownRole { .. })),
        "{bad:?}"
    );
    let short = cli::create_user(ctx, "y@example.com", "Y", "short", None).await;
    assert!(
        matches!(short, Err(cli::UserCommandError::Refused(_))),
        "{short:?}"
    );
    let (mut user, _) = member(&srv, "later@example.com").await;
    let promoted = cli::set_role(ctx, "later@example.com", "admin")
        .await
        .expect("set-role");
    assert_eq!(promoted.role, "admin");
    // The change is seen by the user's next request (no stale cached role).
    assert_eq!(
        user.get("/api/auth/admin/list-users").await.status,
        200,
        "promoted at once"
    );
    let banned = cli::ban(ctx, "later@example.com", Some("abuse"))
        .await
        .expect("ban");
    assert!(banned.banned);
    assert_eq!(user.get_session().await, None, "the ban ended the session");
    let listed = cli::list(ctx).await.expect("list");
    assert_eq!(
        listed.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        ["root@example.com", "later@example.com"]
    );
    assert!(matches!(
        cli::set_role(ctx, "nobody@example.com", "admin").await,
        Err(cli::UserCommandError::NoSuchUser(_))
    ));
}
