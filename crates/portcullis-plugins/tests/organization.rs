//! The organization plugin on each backend: organizations (create, duplicate slug, check-slug,
//! list, get-full, set-active, update, delete in one transaction), invitations by e-mail
//! (accept, reject, cancel, expiry after 48 hours, another address), roles and their limits (a
//! member acting above its role, granting what one does not hold, the last owner), a user of
//! another organization on every endpoint that takes an id, and a role change on one instance
//! seen by another at once (PostgreSQL and Redis, session cache and cookie cache on).

use chrono::Duration;
use portcullis_testkit::Suite;
use portcullis_testkit::prelude::*;
use portcullis_testkit::runner::{Flavor, Service};
use serde_json::{Value, json};

const PASSWORD: &str = "organization-pw-1";
const ON: &[(&str, &str)] = &[("ENABLE_ORGANIZATIONS", "true")];

fn main() -> std::process::ExitCode {
    Suite::new()
        .per_backend("organizations_are_created_listed_and_activated", |b| {
            Box::pin(organizations_are_created_listed_and_activated(b))
        })
        .per_backend("an_invitation_is_mailed_and_accepted", |b| {
            Box::pin(an_invitation_is_mailed_and_accepted(b))
        })
        .per_backend(
            "invitations_expire_are_cancelled_and_bound_to_the_address",
            |b| Box::pin(invitations_expire_are_cancelled_and_bound_to_the_address(b)),
        )
        .per_backend("roles_limit_what_members_do", |b| {
            Box::pin(roles_limit_what_members_do(b))
        })
        .per_backend("another_organizations_ids_are_refused", |b| {
            Box::pin(another_organizations_ids_are_refused(b))
        })
        .per_backend("deleting_an_organization_takes_everything_with_it", |b| {
            Box::pin(deleting_an_organization_takes_everything_with_it(b))
        })
        .per_backend("configured_roles_form_a_permission_matrix", |b| {
            Box::pin(configured_roles_form_a_permission_matrix(b))
        })
        .per_backend("teams_are_made_joined_and_removed", |b| {
            Box::pin(teams_are_made_joined_and_removed(b))
        })
        .per_backend("dynamic_roles_never_exceed_their_maker", |b| {
            Box::pin(dynamic_roles_never_exceed_their_maker(b))
        })
        .test_needing(
            "a_deleted_organization_is_forgotten_by_sessions_in_secondary_storage",
            &[Service::REDIS],
            Flavor::CurrentThread,
            || Box::pin(a_deleted_organization_is_forgotten_by_sessions_in_secondary_storage()),
        )
        .test_needing(
            "a_role_change_is_seen_at_once_on_another_instance",
            &[Service::POSTGRES, Service::REDIS],
            Flavor::MultiThread { workers: 2 },
            || Box::pin(a_role_change_is_seen_at_once_on_another_instance()),
        )
        .run()
}

async fn server(backend: Backend, env: &[(&str, &str)]) -> TestServer {
    TestServer::builder(backend)
        .envs(env.iter().copied())
        .start()
        .await
}

async fn user<'a>(srv: &'a TestServer, email: &str) -> (Agent<'a>, String) {
    let mut agent = srv.agent();
    let (_, id) = agent.sign_up("Someone", email, PASSWORD).await;
    (agent, id)
}

#[track_caller]
fn ok(res: &Response) -> Value {
    assert_eq!(res.status, 200, "{}", res.describe());
    res.json()
}

async fn create_org(agent: &mut Agent<'_>, slug: &str) -> Value {
    let res = agent
        .post(
            "/api/auth/organization/create",
            json!({"name": format!("Org {slug}"), "slug": slug}),
        )
        .await;
    ok(&res)
}

/// Invites `email` as `role` into `org`, and returns the invitation id from the e-mail link.
async fn invite(
    srv: &TestServer,
    owner: &mut Agent<'_>,
    org: &str,
    email: &str,
    role: &str,
) -> String {
    let res = owner
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": email, "role": role, "organizationId": org}),
        )
        .await;
    let inv = ok(&res);
    let link = srv
        .last_link(&email.to_lowercase(), "organization-invitation")
        .await;
    let id = inv["id"].as_str().expect("id").to_owned();
    assert!(
        link.ends_with(&format!("/organization/invitation?id={id}")),
        "{link}"
    );
    id
}

async fn join<'a>(
    srv: &'a TestServer,
    owner: &mut Agent<'_>,
    org: &str,
    email: &str,
    role: &str,
) -> (Agent<'a>, Value) {
    let id = invite(srv, owner, org, email, role).await;
    let (mut agent, _) = user(srv, email).await;
    let res = agent
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": id}),
        )
        .await;
    let body = ok(&res);
    (agent, body["member"].clone())
}

async fn allowed(agent: &mut Agent<'_>, org: &str, permissions: Value) -> bool {
    let res = agent
        .post(
            "/api/auth/organization/has-permission",
            json!({"permissions": permissions, "organizationId": org}),
        )
        .await;
    let body = ok(&res);
    assert_eq!(body["error"], Value::Null);
    body["success"].as_bool().expect("success")
}

async fn organizations_are_created_listed_and_activated(backend: Backend) {
    let srv = server(backend, ON).await;
    let (mut me, my_id) = user(&srv, "founder@example.com").await;

    // Without a session: 401 with an empty body, as Better Auth.
    let res = srv
        .send(
            Request::post("/api/auth/organization/create")
                .origin(&srv.base)
                .json(&json!({"name": "x", "slug": "x"})),
        )
        .await;
    assert_empty_json(&res, 401);

    let res = me
        .post(
            "/api/auth/organization/create",
            json!({"name": "Acme", "slug": "acme", "metadata": {"plan": "pro"}}),
        )
        .await;
    let org = ok(&res);
    assert_eq!(
        keys(&org),
        [
            "createdAt",
            "id",
            "logo",
            "members",
            "metadata",
            "name",
            "slug"
        ]
    );
    assert_eq!(org["metadata"], json!({"plan": "pro"}));
    assert_eq!(org["members"][0]["role"], "owner");
    assert_eq!(org["members"][0]["userId"], my_id.as_str());
    let org_id = org["id"].as_str().expect("id").to_owned();

    let session = me.get_session().await.expect("session");
    assert_eq!(session["session"]["activeOrganizationId"], org_id.as_str());

    let res = me
        .post(
            "/api/auth/organization/create",
            json!({"name": "Again", "slug": "acme"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "ORGANIZATION_ALREADY_EXISTS",
        "Organization already exists",
    );
    let res = me
        .post("/api/auth/organization/check-slug", json!({"slug": "acme"}))
        .await;
    assert_error(
        &res,
        400,
        "ORGANIZATION_SLUG_ALREADY_TAKEN",
        "Organization slug already taken",
    );
    let res = me
        .post("/api/auth/organization/check-slug", json!({"slug": "free"}))
        .await;
    assert_json(&res, 200, json!({"status": true}));

    let second = me
        .post(
            "/api/auth/organization/create",
            json!({"name": "Beta", "slug": "beta", "keepCurrentActiveOrganization": true}),
        )
        .await;
    let second = ok(&second);
    let session = me.get_session().await.expect("session");
    assert_eq!(session["session"]["activeOrganizationId"], org_id.as_str());

    let list = ok(&me.get("/api/auth/organization/list").await);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    // Listed organizations carry metadata as its stored text, as Better Auth's do.
    let acme = list
        .as_array()
        .and_then(|l| l.iter().find(|o| o["slug"] == "acme"))
        .expect("acme listed");
    assert_eq!(acme["metadata"], "{\"plan\":\"pro\"}");

    let full = ok(&me.get("/api/auth/organization/get-full-organization").await);
    assert_eq!(full["id"], org_id.as_str());
    assert_eq!(full["members"][0]["user"]["email"], "founder@example.com");
    assert_eq!(full["invitations"], json!([]));

    let res = me
        .post(
            "/api/auth/organization/set-active",
            json!({"organizationSlug": "beta"}),
        )
        .await;
    assert_eq!(ok(&res)["id"], second["id"]);
    assert!(
        res.set_cookie(SESSION_COOKIE).is_some(),
        "set-active re-sets the session cookie"
    );
    let res = me
        .post(
            "/api/auth/organization/set-active",
            json!({"organizationId": null}),
        )
        .await;
    assert_json(&res, 200, Value::Null);
    let res = me.get("/api/auth/organization/get-full-organization").await;
    assert_json(&res, 200, Value::Null);

    let res = me
        .post(
            "/api/auth/organization/update",
            json!({"organizationId": org_id, "data": {"name": "Acme Inc", "slug": "beta"}}),
        )
        .await;
    assert_error(
        &res,
        400,
        "ORGANIZATION_SLUG_ALREADY_TAKEN",
        "Organization slug already taken",
    );
    let res = me
        .post(
            "/api/auth/organization/update",
            json!({"organizationId": org_id, "data": {"name": "Acme Inc", "metadata": {"a": 1}}}),
        )
        .await;
    let updated = ok(&res);
    assert_eq!(updated["name"], "Acme Inc");
    assert_eq!(updated["metadata"], json!({"a": 1}));
}

async fn an_invitation_is_mailed_and_accepted(backend: Backend) {
    let srv = server(backend, ON).await;
    let (mut owner, _) = user(&srv, "owner@example.com").await;
    let org = create_org(&mut owner, "mailed").await;
    let org_id = org["id"].as_str().expect("id");
    let id = invite(&srv, &mut owner, org_id, "Invitee@Example.com", "admin").await;
    let mail = srv
        .last_message("invitee@example.com", "organization-invitation")
        .await
        .expect("mail");
    assert!(mail.text.contains("Org mailed"), "{}", mail.text);

    let again = owner
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "invitee@example.com", "role": "admin"}),
        )
        .await;
    assert_error(
        &again,
        400,
        "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION",
        "User is already invited to this organization",
    );
    let listed = ok(&owner.get("/api/auth/organization/list-invitations").await);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["status"], "pending");

    let (mut invitee, invitee_id) = user(&srv, "invitee@example.com").await;
    let res = invitee
        .get(&format!("/api/auth/organization/get-invitation?id={id}"))
        .await;
    let got = ok(&res);
    assert_eq!(got["organizationName"], "Org mailed");
    assert_eq!(got["inviterEmail"], "owner@example.com");

    let res = invitee
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": id}),
        )
        .await;
    let body = ok(&res);
    assert_eq!(body["invitation"]["status"], "accepted");
    assert_eq!(body["member"]["role"], "admin");
    assert_eq!(body["member"]["userId"], invitee_id.as_str());
    let session = invitee.get_session().await.expect("session");
    assert_eq!(session["session"]["activeOrganizationId"], org_id);
    // Accepted once only.
    let res = invitee
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": id}),
        )
        .await;
    assert_error(&res, 400, "INVITATION_NOT_FOUND", "Invitation not found");

    let members = ok(&owner.get("/api/auth/organization/list-members").await);
    assert_eq!(members["total"], 2);
    let role = ok(&invitee
        .get("/api/auth/organization/get-active-member-role")
        .await);
    assert_eq!(role, json!({"role": "admin"}));
    let active = ok(&invitee
        .get("/api/auth/organization/get-active-member")
        .await);
    assert_eq!(active["user"]["email"], "invitee@example.com");

    // Declining: a second invitation, rejected.
    let id2 = invite(&srv, &mut owner, org_id, "other@example.com", "member").await;
    let (mut other, _) = user(&srv, "other@example.com").await;
    let res = other
        .post(
            "/api/auth/organization/reject-invitation",
            json!({"invitationId": id2}),
        )
        .await;
    let body = ok(&res);
    assert_eq!(body["invitation"]["status"], "rejected");
    assert_eq!(body["member"], Value::Null);

    // Leaving.
    let res = invitee
        .post(
            "/api/auth/organization/leave",
            json!({"organizationId": org_id}),
        )
        .await;
    assert_eq!(ok(&res)["userId"], invitee_id.as_str());
    let session = invitee.get_session().await.expect("session");
    assert_eq!(session["session"]["activeOrganizationId"], Value::Null);
    let res = owner
        .post(
            "/api/auth/organization/leave",
            json!({"organizationId": org_id}),
        )
        .await;
    assert_error(
        &res,
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
        "You cannot leave the organization as the only owner",
    );
}

async fn invitations_expire_are_cancelled_and_bound_to_the_address(backend: Backend) {
    let srv = server(backend, ON).await;
    let (mut owner, _) = user(&srv, "boss@example.com").await;
    let org = create_org(&mut owner, "bound").await;
    let org_id = org["id"].as_str().expect("id");

    // Expired after 48 hours.
    let id = invite(&srv, &mut owner, org_id, "late@example.com", "member").await;
    let (mut late, _) = user(&srv, "late@example.com").await;
    srv.clock.advance(Duration::hours(47));
    let res = late
        .get(&format!("/api/auth/organization/get-invitation?id={id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.describe());
    srv.clock.advance(Duration::hours(2));
    let res = late
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": id}),
        )
        .await;
    assert_error(&res, 400, "INVITATION_NOT_FOUND", "Invitation not found");

    // Cancelled.
    let id = invite(&srv, &mut owner, org_id, "cancelled@example.com", "member").await;
    let res = owner
        .post(
            "/api/auth/organization/cancel-invitation",
            json!({"invitationId": id}),
        )
        .await;
    assert_eq!(ok(&res)["status"], "canceled");
    let (mut cancelled, _) = user(&srv, "cancelled@example.com").await;
    let res = cancelled
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": id}),
        )
        .await;
    assert_error(&res, 400, "INVITATION_NOT_FOUND", "Invitation not found");

    // Another address.
    let id = invite(&srv, &mut owner, org_id, "right@example.com", "member").await;
    let (mut wrong, _) = user(&srv, "wrong@example.com").await;
    for res in [
        wrong
            .post(
                "/api/auth/organization/accept-invitation",
                json!({"invitationId": id}),
            )
            .await,
        wrong
            .post(
                "/api/auth/organization/reject-invitation",
                json!({"invitationId": id}),
            )
            .await,
        wrong
            .get(&format!("/api/auth/organization/get-invitation?id={id}"))
            .await,
    ] {
        assert_error(
            &res,
            403,
            "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
            "You are not the recipient of the invitation",
        );
    }
    assert_eq!(srv.count("member", &[]).await, 1);
}

async fn roles_limit_what_members_do(backend: Backend) {
    let srv = server(backend, ON).await;
    let (mut owner, owner_id) = user(&srv, "chief@example.com").await;
    let org = create_org(&mut owner, "ranks").await;
    let org_id = org["id"].as_str().expect("id");
    let owner_member = org["members"][0]["id"]
        .as_str()
        .expect("member id")
        .to_owned();
    let (mut plain, plain_member) =
        join(&srv, &mut owner, org_id, "plain@example.com", "member").await;
    let (mut admin, admin_member) =
        join(&srv, &mut owner, org_id, "admin@example.com", "admin").await;

    // has-permission answers from the built-in roles.
    assert!(allowed(&mut owner, org_id, json!({"organization": ["delete"]})).await);
    assert!(!allowed(&mut admin, org_id, json!({"organization": ["delete"]})).await);
    assert!(allowed(&mut admin, org_id, json!({"member": ["create", "update"]})).await);
    assert!(!allowed(&mut plain, org_id, json!({"member": ["create"]})).await);
    assert!(allowed(&mut plain, org_id, json!({"ac": ["read"]})).await);

    // A member acting above its role.
    let res = plain
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "x@example.com", "role": "member"}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION",
        "You are not allowed to invite users to this organization",
    );
    let res = plain
        .post(
            "/api/auth/organization/update",
            json!({"data": {"name": "Mine"}}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION",
        "You are not allowed to update this organization",
    );
    let res = plain
        .post(
            "/api/auth/organization/remove-member",
            json!({"memberIdOrEmail": admin_member["id"]}),
        )
        .await;
    assert_error(
        &res,
        401,
        "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
        "You are not allowed to delete this member",
    );
    let res = plain
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": plain_member["id"], "role": "admin"}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
        "You are not allowed to update this member",
    );
    let res = admin
        .post(
            "/api/auth/organization/delete",
            json!({"organizationId": org_id}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION",
        "You are not allowed to delete this organization",
    );
    // An admin neither makes owners nor touches them.
    let res = admin
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": plain_member["id"], "role": "owner"}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
        "You are not allowed to update this member",
    );
    let res = admin
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "y@example.com", "role": "owner"}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE",
        "You are not allowed to invite a user with this role",
    );
    let res = admin
        .post(
            "/api/auth/organization/remove-member",
            json!({"memberIdOrEmail": "chief@example.com"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
        "You cannot leave the organization as the only owner",
    );
    let res = admin
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": plain_member["id"], "role": "wizard"}),
        )
        .await;
    assert_error(&res, 400, "ROLE_NOT_FOUND", "ROLE_NOT_FOUND: wizard");
    // Within its role, an admin promotes.
    let res = admin
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": plain_member["id"], "role": ["admin"]}),
        )
        .await;
    assert_eq!(ok(&res)["role"], "admin");
    assert!(
        allowed(&mut plain, org_id, json!({"member": ["create"]})).await,
        "the next request sees the new role"
    );

    // The last owner cannot be demoted, nor leave.
    let res = owner
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": owner_member, "role": "admin"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER",
        "You cannot leave the organization without an owner",
    );
    // A removed member's rights end with the next request.
    let res = owner
        .post(
            "/api/auth/organization/remove-member",
            json!({"memberIdOrEmail": "admin@example.com"}),
        )
        .await;
    assert_eq!(ok(&res)["member"]["id"], admin_member["id"]);
    let res = admin
        .post(
            "/api/auth/organization/has-permission",
            json!({"permissions": {"member": ["create"]}}),
        )
        .await;
    assert_error(
        &res,
        401,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
        "User is not a member of the organization",
    );
    let _ = owner_id;
}

async fn another_organizations_ids_are_refused(backend: Backend) {
    let srv = server(backend, ON).await;
    let (mut alice, _) = user(&srv, "alice@example.com").await;
    let a = create_org(&mut alice, "alpha").await;
    let a_id = a["id"].as_str().expect("id").to_owned();
    let a_member = a["members"][0]["id"].as_str().expect("id").to_owned();
    let a_inv = invite(&srv, &mut alice, &a_id, "guest@example.com", "member").await;
    let (mut mallory, _) = user(&srv, "mallory@example.com").await;
    let m = create_org(&mut mallory, "mallory").await;
    let m_id = m["id"].as_str().expect("id").to_owned();

    let not_member = (
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
        "User is not a member of the organization",
    );
    let res = mallory
        .post(
            "/api/auth/organization/update",
            json!({"organizationId": a_id, "data": {"name": "pwned"}}),
        )
        .await;
    assert_error(&res, 400, not_member.0, not_member.1);
    let res = mallory
        .post(
            "/api/auth/organization/delete",
            json!({"organizationId": a_id}),
        )
        .await;
    assert_error(&res, 400, not_member.0, not_member.1);
    let res = mallory
        .get(&format!(
            "/api/auth/organization/get-full-organization?organizationId={a_id}"
        ))
        .await;
    assert_error(&res, 403, not_member.0, not_member.1);
    let res = mallory
        .post(
            "/api/auth/organization/set-active",
            json!({"organizationId": a_id}),
        )
        .await;
    assert_error(&res, 403, not_member.0, not_member.1);
    let res = mallory
        .post(
            "/api/auth/organization/has-permission",
            json!({"organizationId": a_id, "permissions": {"member": ["create"]}}),
        )
        .await;
    assert_error(&res, 401, not_member.0, not_member.1);
    let not_this = (
        "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION",
        "You are not a member of this organization",
    );
    let res = mallory
        .get(&format!(
            "/api/auth/organization/list-members?organizationId={a_id}"
        ))
        .await;
    assert_error(&res, 403, not_this.0, not_this.1);
    let res = mallory
        .get(&format!(
            "/api/auth/organization/get-active-member-role?organizationId={a_id}"
        ))
        .await;
    assert_error(&res, 403, not_this.0, not_this.1);
    let res = mallory
        .get(&format!(
            "/api/auth/organization/list-invitations?organizationId={a_id}"
        ))
        .await;
    assert_eq!(res.status, 403, "{}", res.describe());
    // Alice's member id through Mallory's own organization, where Mallory is owner: refused
    // (Better Auth checks the owner rule before comparing organizations).
    let res = mallory
        .post(
            "/api/auth/organization/remove-member",
            json!({"memberIdOrEmail": a_member, "organizationId": m_id}),
        )
        .await;
    assert_error(
        &res,
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
        "You cannot leave the organization as the only owner",
    );
    let res = mallory
        .post(
            "/api/auth/organization/remove-member",
            json!({"memberIdOrEmail": "alice@example.com", "organizationId": m_id}),
        )
        .await;
    assert_error(&res, 400, "MEMBER_NOT_FOUND", "Member not found");
    let res = mallory
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": a_member, "role": "member", "organizationId": m_id}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
        "You are not allowed to update this member",
    );
    let res = mallory
        .post(
            "/api/auth/organization/cancel-invitation",
            json!({"invitationId": a_inv}),
        )
        .await;
    assert_error(&res, 400, "MEMBER_NOT_FOUND", "Member not found");
    let res = mallory
        .get(&format!("/api/auth/organization/get-invitation?id={a_inv}"))
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
        "You are not the recipient of the invitation",
    );
    // Nothing changed.
    let full = ok(&alice
        .get("/api/auth/organization/get-full-organization")
        .await);
    assert_eq!(full["name"], "Org alpha");
    assert_eq!(full["members"][0]["role"], "owner");
    assert_eq!(full["invitations"][0]["status"], "pending");
}

async fn deleting_an_organization_takes_everything_with_it(backend: Backend) {
    let srv = server(backend, ON).await;
    let (mut owner, _) = user(&srv, "leaver@example.com").await;
    let org = create_org(&mut owner, "doomed").await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    let (mut member, _) = join(&srv, &mut owner, &org_id, "crew@example.com", "member").await;
    invite(&srv, &mut owner, &org_id, "pending@example.com", "member").await;
    // Someone else's active organization, which stays.
    let (mut bystander, _) = user(&srv, "bystander@example.com").await;
    let other = create_org(&mut bystander, "standing").await;
    let active = |v: &Value| v["session"]["activeOrganizationId"].clone();
    let session = member.get_session().await.expect("session");
    assert_eq!(
        active(&session),
        org_id.as_str(),
        "accepting made it active"
    );
    let res = owner
        .post(
            "/api/auth/organization/delete",
            json!({"organizationId": org_id}),
        )
        .await;
    assert_eq!(ok(&res)["id"], org_id.as_str());
    let by_org = [portcullis_storage::Where::eq(
        "organizationId",
        org_id.as_str(),
    )];
    assert_eq!(srv.count("member", &by_org).await, 0);
    assert_eq!(srv.count("invitation", &by_org).await, 0);
    assert_eq!(srv.count("organization", &[]).await, 1, "the bystander's");
    let session = owner.get_session().await.expect("session");
    assert_eq!(active(&session), Value::Null);
    // The member's session forgets it too (Better Auth 1.7 leaves it naming the deleted one),
    // so nothing finds it as their active organization.
    let session = member.get_session().await.expect("session");
    assert_eq!(active(&session), Value::Null, "{session}");
    let res = member
        .get("/api/auth/organization/get-full-organization")
        .await;
    assert_eq!(ok(&res), Value::Null);
    let res = member
        .post(
            "/api/auth/organization/has-permission",
            json!({"permissions": {"ac": ["read"]}}),
        )
        .await;
    assert_error(
        &res,
        400,
        "NO_ACTIVE_ORGANIZATION",
        "No active organization",
    );
    let session = bystander.get_session().await.expect("session");
    assert_eq!(active(&session), other["id"]);
}

/// With `SESSION_STORE=secondary` (sessions in Redis, found by user only): a deleted
/// organization's members' sessions forget it as their active organization, and its teams as
/// their active team.
async fn a_deleted_organization_is_forgotten_by_sessions_in_secondary_storage() {
    let redis = std::env::var("PORTCULLIS_TEST_REDIS_URL").expect("redis url");
    let prefix = format!("it-org-{}:", portcullis_core::crypto::token::generate_id(8));
    let mut env = FULL.to_vec();
    env.extend([
        ("REDIS_URL", redis.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("SESSION_STORE", "secondary"),
    ]);
    let srv = server(Backend::Sqlite, &env).await;
    assert!(srv.app.ctx.config.session.store_in_secondary);
    let (mut owner, _) = user(&srv, "kept-owner@example.com").await;
    let org = create_org(&mut owner, "vanishing").await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    let (mut member, added) =
        join(&srv, &mut owner, &org_id, "kept-crew@example.com", "member").await;
    // The member in the default team, and it active for them.
    let session = owner.get_session().await.expect("session");
    let team = session["session"]["activeTeamId"]
        .as_str()
        .expect("the default team, active")
        .to_owned();
    ok(&owner
        .post(
            "/api/auth/organization/add-team-member",
            json!({"teamId": team, "userId": added["userId"]}),
        )
        .await);
    ok(&member
        .post(
            "/api/auth/organization/set-active-team",
            json!({"teamId": team}),
        )
        .await);
    let (mut bystander, _) = user(&srv, "kept-bystander@example.com").await;
    let other = create_org(&mut bystander, "lasting").await;
    let before = member.get_session().await.expect("session");
    assert_eq!(before["session"]["activeOrganizationId"], org_id.as_str());
    assert_eq!(before["session"]["activeTeamId"], team.as_str());

    let res = owner
        .post(
            "/api/auth/organization/delete",
            json!({"organizationId": org_id}),
        )
        .await;
    ok(&res);
    for agent in [&mut owner, &mut member] {
        let session = agent.get_session().await.expect("session");
        assert_eq!(
            session["session"]["activeOrganizationId"],
            Value::Null,
            "{session}"
        );
        assert_eq!(session["session"]["activeTeamId"], Value::Null, "{session}");
        let res = agent
            .get("/api/auth/organization/get-full-organization")
            .await;
        assert_eq!(ok(&res), Value::Null);
    }
    let session = bystander.get_session().await.expect("session");
    assert_eq!(session["session"]["activeOrganizationId"], other["id"]);
    assert!(session["session"]["activeTeamId"].is_string(), "{session}");
}

/// The enterprise example (`docs/examples/organization-access-control.json`): every role
/// against every permission through has-permission, and the guarded endpoints.
async fn configured_roles_form_a_permission_matrix(backend: Backend) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/organization-access-control.json"
    );
    let example: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("example file")).expect("json");
    let env = [
        ("ENABLE_ORGANIZATIONS", "true"),
        ("ORGANIZATION_ACCESS_CONTROL_FILE", path),
    ];
    let srv = server(backend, &env).await;
    let (mut owner, _) = user(&srv, "matrix-owner@example.com").await;
    let org = create_org(&mut owner, "matrix").await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    let statements = example["statements"]
        .as_object()
        .expect("statements")
        .clone();
    let roles = example["roles"].as_object().expect("roles").clone();
    let mut agents = Vec::new();
    for role in roles.keys().filter(|r| *r != "owner") {
        let (agent, member) = join(
            &srv,
            &mut owner,
            &org_id,
            &format!("{role}@example.com"),
            role,
        )
        .await;
        agents.push((role.clone(), agent, member));
    }
    let mut checked = 0;
    for (role, agent, _) in agents.iter_mut() {
        for (resource, actions) in &statements {
            for action in actions.as_array().expect("actions") {
                let granted = roles[role.as_str()][resource]
                    .as_array()
                    .is_some_and(|a| a.contains(action));
                let asked = json!({ resource.clone(): [action] });
                assert_eq!(
                    allowed(agent, &org_id, asked).await,
                    granted,
                    "{role} {resource}:{action}"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 4 * 17,
        "every role against every permission: {checked}"
    );
    for (resource, actions) in &statements {
        for action in actions.as_array().expect("actions") {
            assert!(allowed(&mut owner, &org_id, json!({ resource.clone(): [action] })).await);
        }
    }
    // The guarded endpoints follow the same table.
    for (role, agent, member) in agents.iter_mut() {
        let may_invite = roles[role.as_str()]["invitation"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("create")));
        let res = agent
            .post("/api/auth/organization/invite-member", json!({"email": format!("new-{role}@example.com"), "role": "viewer", "organizationId": org_id}))
            .await;
        assert_eq!(
            res.status == 200,
            may_invite,
            "{role} invite: {}",
            res.describe()
        );
        let may_update = roles[role.as_str()]["organization"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("update")));
        let res = agent
            .post(
                "/api/auth/organization/update",
                json!({"organizationId": org_id, "data": {"name": "Matrix"}}),
            )
            .await;
        assert_eq!(
            res.status == 200,
            may_update,
            "{role} update: {}",
            res.describe()
        );
        // Nobody grants what they do not hold: none may make anyone an admin but owner and admin.
        let res = agent
            .post(
                "/api/auth/organization/update-member-role",
                json!({"memberId": member["id"], "role": "admin", "organizationId": org_id}),
            )
            .await;
        let may_promote = role == "admin";
        assert_eq!(
            res.status == 200,
            may_promote,
            "{role} promote: {}",
            res.describe()
        );
    }
}

async fn a_role_change_is_seen_at_once_on_another_instance() {
    let redis = std::env::var("PORTCULLIS_TEST_REDIS_URL").expect("redis url");
    let prefix = format!("it-org-{}:", portcullis_core::crypto::token::generate_id(8));
    let shared: Vec<(&str, &str)> = vec![
        ("ENABLE_ORGANIZATIONS", "true"),
        ("REDIS_URL", redis.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("SESSION_COOKIE_CACHE_MAX_AGE", "300"),
    ];
    let first = server(Backend::Postgres, &shared).await;
    let db = first.app.ctx.config.database_url.clone();
    let mut on_second = shared.clone();
    on_second.push(("DATABASE_URL", db.as_str()));
    let second = server(Backend::Postgres, &on_second).await;

    let (mut owner, _) = user(&first, "fleet-owner@example.com").await;
    let org = create_org(&mut owner, "fleet").await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    let (mut worker, member) = join(
        &first,
        &mut owner,
        &org_id,
        "fleet-worker@example.com",
        "member",
    )
    .await;
    // The worker's cookies (session and cookie cache) used against the second instance.
    let mut on_b = second.agent();
    on_b.jar = worker.jar.clone();
    assert!(!allowed(&mut on_b, &org_id, json!({"member": ["create"]})).await);
    let res = owner
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": member["id"], "role": "admin"}),
        )
        .await;
    ok(&res);
    assert!(
        allowed(&mut on_b, &org_id, json!({"member": ["create"]})).await,
        "B sees the new role at once"
    );
    let res = owner
        .post(
            "/api/auth/organization/remove-member",
            json!({"memberIdOrEmail": member["id"]}),
        )
        .await;
    ok(&res);
    let res = on_b
        .post(
            "/api/auth/organization/has-permission",
            json!({"permissions": {"ac": ["read"]}, "organizationId": org_id}),
        )
        .await;
    assert_error(
        &res,
        401,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
        "User is not a member of the organization",
    );
    let res = on_b
        .get("/api/auth/organization/get-full-organization")
        .await;
    assert_error(
        &res,
        403,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
        "User is not a member of the organization",
    );
    // The organization deleted on A is gone for B's next request.
    let res = owner
        .post(
            "/api/auth/organization/delete",
            json!({"organizationId": org_id}),
        )
        .await;
    ok(&res);
    // The deleter's cookie cache, re-set with the answer, no longer names it.
    let session = owner.get_session().await.expect("session");
    assert_eq!(session["session"]["activeOrganizationId"], Value::Null);
    let mut owner_b = second.agent();
    owner_b.jar = owner.jar.clone();
    let res = owner_b
        .post(
            "/api/auth/organization/has-permission",
            json!({"permissions": {"ac": ["read"]}, "organizationId": org_id}),
        )
        .await;
    assert_error(
        &res,
        401,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
        "User is not a member of the organization",
    );
    let _ = worker.get_session().await;
}

const FULL: &[(&str, &str)] = &[
    ("ENABLE_ORGANIZATIONS", "true"),
    ("ORGANIZATION_TEAMS", "true"),
    ("ORGANIZATION_DYNAMIC_ROLES", "true"),
];

async fn teams_are_made_joined_and_removed(backend: Backend) {
    let srv = server(backend, FULL).await;
    let (mut owner, owner_id) = user(&srv, "team-owner@example.com").await;
    let org = create_org(&mut owner, "teamed").await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    // The default team, with the creator in it, active.
    let session = owner.get_session().await.expect("session");
    let default_team = session["session"]["activeTeamId"]
        .as_str()
        .expect("active team")
        .to_owned();
    let teams = ok(&owner.get("/api/auth/organization/list-teams").await);
    assert_eq!(
        teams,
        json!([{"name": "Org teamed", "organizationId": org_id, "createdAt": teams[0]["createdAt"], "updatedAt": null, "id": default_team}])
    );
    let full = ok(&owner
        .get("/api/auth/organization/get-full-organization")
        .await);
    assert_eq!(full["teams"][0]["memberCount"], 1);

    let res = owner
        .post(
            "/api/auth/organization/create-team",
            json!({"name": "Design"}),
        )
        .await;
    let design = ok(&res);
    let design_id = design["id"].as_str().expect("id").to_owned();
    assert_eq!(
        keys(&design),
        ["createdAt", "id", "name", "organizationId", "updatedAt"]
    );

    // An invitation into a team puts the invitee in it, and makes it active.
    let res = owner
        .post(
            "/api/auth/organization/invite-member",
            json!({"email": "designer@example.com", "role": "member", "teamId": design_id}),
        )
        .await;
    let inv = ok(&res);
    assert_eq!(inv["teamId"], design_id.as_str());
    let (mut designer, designer_id) = user(&srv, "designer@example.com").await;
    let res = designer
        .post(
            "/api/auth/organization/accept-invitation",
            json!({"invitationId": inv["id"]}),
        )
        .await;
    ok(&res);
    let session = designer.get_session().await.expect("session");
    assert_eq!(session["session"]["activeTeamId"], design_id.as_str());
    let members = ok(&designer
        .get("/api/auth/organization/list-team-members")
        .await);
    assert_eq!(members.as_array().map(Vec::len), Some(1));
    assert_eq!(keys(&members[0]), ["createdAt", "id", "teamId", "userId"]);
    let mine = ok(&designer.get("/api/auth/organization/list-user-teams").await);
    assert_eq!(mine[0]["id"], design_id.as_str());
    // A member may not make teams; a member not in a team may not list it.
    let res = designer
        .post(
            "/api/auth/organization/create-team",
            json!({"name": "Mine"}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION",
        "You are not allowed to create teams in this organization",
    );
    let res = designer
        .get(&format!(
            "/api/auth/organization/list-team-members?teamId={default_team}"
        ))
        .await;
    assert_error(
        &res,
        400,
        "USER_IS_NOT_A_MEMBER_OF_THE_TEAM",
        "User is not a member of the team",
    );

    let res = owner
        .post(
            "/api/auth/organization/add-team-member",
            json!({"teamId": default_team, "userId": designer_id}),
        )
        .await;
    assert_eq!(ok(&res)["userId"], designer_id.as_str());
    let res = owner
        .post(
            "/api/auth/organization/set-active-team",
            json!({"teamId": design_id}),
        )
        .await;
    assert_error(
        &res,
        403,
        "USER_IS_NOT_A_MEMBER_OF_THE_TEAM",
        "User is not a member of the team",
    );
    let res = owner
        .post(
            "/api/auth/organization/update-team",
            json!({"teamId": design_id, "data": {"name": "Design team"}}),
        )
        .await;
    assert_eq!(ok(&res)["name"], "Design team");
    let res = owner
        .post(
            "/api/auth/organization/remove-team-member",
            json!({"teamId": default_team, "userId": designer_id}),
        )
        .await;
    assert_json(
        &res,
        200,
        json!({"message": "Team member removed successfully."}),
    );
    // The owner's active team cannot be removed; another can; the last one cannot.
    let res = owner
        .post(
            "/api/auth/organization/remove-team",
            json!({"teamId": default_team}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM",
        "You are not allowed to delete this team",
    );
    let res = owner
        .post(
            "/api/auth/organization/remove-team",
            json!({"teamId": design_id}),
        )
        .await;
    assert_json(&res, 200, json!({"message": "Team removed successfully."}));
    assert_eq!(
        srv.count(
            "teamMember",
            &[portcullis_storage::Where::eq("teamId", design_id.as_str())]
        )
        .await,
        0
    );
    let res = owner
        .post(
            "/api/auth/organization/set-active-team",
            json!({"teamId": null}),
        )
        .await;
    assert_json(&res, 200, Value::Null);
    let res = owner
        .post(
            "/api/auth/organization/remove-team",
            json!({"teamId": default_team}),
        )
        .await;
    assert_error(
        &res,
        400,
        "UNABLE_TO_REMOVE_LAST_TEAM",
        "Unable to remove last team",
    );
    // Leaving takes the member out of its teams too.
    let res = owner
        .post(
            "/api/auth/organization/add-team-member",
            json!({"teamId": default_team, "userId": designer_id}),
        )
        .await;
    ok(&res);
    let res = designer
        .post(
            "/api/auth/organization/leave",
            json!({"organizationId": org_id}),
        )
        .await;
    ok(&res);
    assert_eq!(
        srv.count(
            "teamMember",
            &[portcullis_storage::Where::eq(
                "userId",
                designer_id.as_str()
            )]
        )
        .await,
        0
    );
    let _ = owner_id;
}

async fn dynamic_roles_never_exceed_their_maker(backend: Backend) {
    let srv = server(backend, FULL).await;
    let (mut owner, _) = user(&srv, "roles-owner@example.com").await;
    let org = create_org(&mut owner, "roles").await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    let res = owner
        .post(
            "/api/auth/organization/create-role",
            json!({"role": "Auditor", "permission": {"member": ["update"], "ac": ["read"]}}),
        )
        .await;
    let made = ok(&res);
    assert_eq!(made["success"], true);
    assert_eq!(made["roleData"]["role"], "auditor");
    assert_eq!(
        made["roleData"]["permission"],
        json!({"ac": ["read"], "member": ["update"]})
    );
    let res = owner
        .post(
            "/api/auth/organization/create-role",
            json!({"role": "admin", "permission": {"ac": ["read"]}}),
        )
        .await;
    assert_error(
        &res,
        400,
        "ROLE_NAME_IS_ALREADY_TAKEN",
        "That role name is already taken",
    );
    let res = owner
        .post(
            "/api/auth/organization/create-role",
            json!({"role": "x", "permission": {"rockets": ["launch"]}}),
        )
        .await;
    assert_error(
        &res,
        400,
        "INVALID_RESOURCE",
        "The provided permission includes an invalid resource",
    );

    let (mut auditor, auditor_member) =
        join(&srv, &mut owner, &org_id, "auditor@example.com", "auditor").await;
    assert!(allowed(&mut auditor, &org_id, json!({"member": ["update"]})).await);
    assert!(!allowed(&mut auditor, &org_id, json!({"member": ["delete"]})).await);
    // An admin may not make a role with `organization: delete`, which admins lack.
    let (mut admin, _) = join(&srv, &mut owner, &org_id, "role-admin@example.com", "admin").await;
    let res = admin
        .post(
            "/api/auth/organization/create-role",
            json!({"role": "deleter", "permission": {"organization": ["delete"]}}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE",
        "You are not allowed to create a role",
    );
    // The auditor (member: update) may not promote itself to a role holding more.
    let res = auditor
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": auditor_member["id"], "role": "admin"}),
        )
        .await;
    assert_error(
        &res,
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
        "You are not allowed to update this member",
    );
    // A widened role is seen by the next request.
    let res = owner
        .post("/api/auth/organization/update-role", json!({"roleName": "auditor", "data": {"permission": {"member": ["update", "delete"], "ac": ["read"]}}}))
        .await;
    ok(&res);
    assert!(allowed(&mut auditor, &org_id, json!({"member": ["delete"]})).await);
    let listed = ok(&owner.get("/api/auth/organization/list-roles").await);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let got = ok(&owner
        .get("/api/auth/organization/get-role?roleName=auditor")
        .await);
    assert_eq!(got["role"], "auditor");
    let res = owner
        .post(
            "/api/auth/organization/delete-role",
            json!({"roleName": "auditor"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "ROLE_IS_ASSIGNED_TO_MEMBERS",
        "Cannot delete a role that is assigned to members. Please reassign the members to a different role first",
    );
    let res = owner
        .post(
            "/api/auth/organization/delete-role",
            json!({"roleName": "owner"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "CANNOT_DELETE_A_PRE_DEFINED_ROLE",
        "Cannot delete a pre-defined role",
    );
    let res = owner
        .post(
            "/api/auth/organization/update-member-role",
            json!({"memberId": auditor_member["id"], "role": "member"}),
        )
        .await;
    ok(&res);
    let res = owner
        .post(
            "/api/auth/organization/delete-role",
            json!({"roleName": "auditor"}),
        )
        .await;
    assert_json(&res, 200, json!({"success": true}));
}
