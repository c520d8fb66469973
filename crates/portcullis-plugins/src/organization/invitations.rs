//! Invitations: invite-member, accept, reject, cancel, get-invitation, list-invitations,
//! list-user-invitations, as Better Auth 1.7's `crud-invites` routes. The invitation e-mail
//! goes through the delivery layer (`email-organization-invitation.*`).

use super::{ORGANIZATION_ID, ORGANIZATION_ID_QUERY};
use chrono::Duration;
use http::Method;
use portcullis_core::crypto::token::generate_id;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::links;
use portcullis_core::openapi::schema;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Query, Row, Value, Where};
use serde_json::json;

use super::errors::*;
use super::members::{check_grant, roles_from};
use super::schemas::{invitation_schema, member_schema};
use super::settings;
use super::store::*;

pub const EMAIL: EmailTemplate = EmailTemplate::named("organization-invitation");

/// The hosted page an invitation link opens.
pub const LANDING_PAGE: &str = "/organization/invitation";

pub fn endpoints() -> Vec<Endpoint> {
    let tag = "Organizations";
    let with_org = {
        let mut s = invitation_schema();
        s["properties"]["organizationName"] = schema::string("The organization's name");
        s["properties"]["organizationSlug"] = schema::string("Its slug");
        s["properties"]["inviterEmail"] = schema::string("Who invited");
        if let Some(r) = s["required"].as_array_mut() {
            r.extend([
                json!("organizationName"),
                json!("organizationSlug"),
                json!("inviterEmail"),
            ]);
        }
        s
    };
    vec![
        Endpoint::new(Method::POST, "/organization/invite-member", "createOrganizationInvitation", portcullis_core::handler!(invite))
            .summary("Invite someone", "Needs `invitation: [create]`; e-mails the invitation. Nobody invites with a role whose permissions they lack.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                FieldSpec::req("email", Ty::String, "Who to invite"),
                FieldSpec::req("role", Ty::Any, "A role, or a list of roles"),
                ORGANIZATION_ID,
                FieldSpec::opt("resend", Ty::Boolean, "Send a pending invitation again, with a new expiry"),
                FieldSpec::opt("teamId", Ty::Any, "Teams to join on accepting: an id or a list (teams on)"),
            ]))
            .returns(invitation_schema()),
        Endpoint::new(Method::POST, "/organization/accept-invitation", "acceptOrganizationInvitation", portcullis_core::handler!(accept))
            .summary("Accept an invitation", "By the invited address only; makes the organization active.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![FieldSpec::req("invitationId", Ty::String, "The invitation")]))
            .returns(schema::object(json!({"invitation": invitation_schema(), "member": member_schema()}))),
        Endpoint::new(Method::POST, "/organization/reject-invitation", "rejectOrganizationInvitation", portcullis_core::handler!(reject))
            .summary("Decline an invitation", "By the invited address only.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![FieldSpec::req("invitationId", Ty::String, "The invitation")]))
            .returns(schema::object(json!({"invitation": invitation_schema(), "member": json!({"type": "null"})}))),
        Endpoint::new(Method::POST, "/organization/cancel-invitation", "cancelOrganizationInvitation", portcullis_core::handler!(cancel))
            .summary("Cancel an invitation", "Needs `invitation: [cancel]` in its organization.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![FieldSpec::req("invitationId", Ty::String, "The invitation")]))
            .returns(invitation_schema()),
        Endpoint::new(Method::GET, "/organization/get-invitation", "getOrganizationInvitation", portcullis_core::handler!(get))
            .summary("Get an invitation", "A pending invitation to the caller's address, with the organization's name and slug.")
            .tag(tag)
            .query(&[("id", "The invitation")])
            .returns(with_org),
        Endpoint::new(Method::GET, "/organization/list-invitations", "listOrganizationInvitations", portcullis_core::handler!(list))
            .summary("List an organization's invitations", "For members who may invite.")
            .tag(tag)
            .query(&[ORGANIZATION_ID_QUERY])
            .returns(schema::array(invitation_schema())),
        Endpoint::new(Method::GET, "/organization/list-user-invitations", "listUserInvitations", portcullis_core::handler!(list_user))
            .summary("List my invitations", "Pending invitations to the caller's (verified) address.")
            .tag(tag)
            .query(&[("email", "Server calls only")])
            .returns(schema::array(invitation_schema())),
    ]
}

/// An invitation as answered.
pub fn json(_ctx: &AuthContext, row: &Row) -> serde_json::Value {
    invitation_json(row)
}

fn user_email(s: &portcullis_core::session::SessionWithUser) -> String {
    text(&s.user, "email").unwrap_or_default().to_lowercase()
}

fn email_verified(s: &portcullis_core::session::SessionWithUser) -> bool {
    s.user.get("emailVerified").and_then(Value::as_bool) == Some(true)
}

fn pending_live(ctx: &AuthContext, inv: &Row) -> bool {
    text(inv, "status") == Some("pending")
        && inv
            .get("expiresAt")
            .and_then(Value::as_date)
            .is_some_and(|e| e >= ctx.now())
}

fn send(ctx: &AuthContext, inv: &Row, org: &Row, inviter: &Row) {
    let id = text(inv, "id").unwrap_or_default();
    let email = text(inv, "email").unwrap_or_default();
    let url = format!(
        "{}?id={}",
        links::page_url(ctx, LANDING_PAGE),
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    );
    let hours = settings(ctx).invitation_expires_in.div_euclid(3600).max(1);
    // The inviting organization's brand, whatever host the invitation was sent from; the link
    // is built from the configured base URL all the same.
    let brand = super::branding::overlay(org);
    ctx.delivery.send_email_branded(
        email,
        EMAIL,
        json!({
            "url": url,
            "invitation_id": id,
            "role": text(inv, "role"),
            "organization": {"name": text(org, "name"), "slug": text(org, "slug"), "logo": text(org, "logo")},
            "inviter": {"name": text(inviter, "name"), "email": text(inviter, "email")},
            "expires_in_hours": hours,
        }),
        Some(&brand),
    );
}

async fn invite(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let cfg = settings(ctx);
    let org_id = req
        .str_field("organizationId")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| active_org(s))
        .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    let email = req.str_field("email").unwrap_or_default().to_lowercase();
    if !portcullis_core::validate::is_email(&email) {
        return Err(bad(INVALID_EMAIL));
    }
    let roles = roles_from(req.field("role"), "role")?;
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    if !may(ctx, &me, &org_id, json!({"invitation": ["create"]})).await? {
        return Err(forbidden(
            YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION,
        ));
    }
    if roles.is_empty() {
        return Err(bad(ROLE_NOT_FOUND));
    }
    check_grant(
        ctx,
        &me,
        &roles,
        &org_id,
        YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE,
    )
    .await?;
    if member_by_email(store, &email, &org_id).await?.is_some() {
        return Err(bad(USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION));
    }
    let pending = store
        .find_many(
            INVITATION,
            &Query::filter(vec![
                Where::eq("email", email.as_str()),
                Where::eq("organizationId", org_id.as_str()),
                Where::eq("status", "pending"),
            ]),
        )
        .await?
        .into_iter()
        .filter(|i| pending_live(ctx, i))
        .collect::<Vec<_>>();
    let resend = req.bool_field("resend") == Some(true);
    if !pending.is_empty() && !resend && !cfg.cancel_pending_on_reinvite {
        return Err(bad(USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION));
    }
    let org = org_or_404(store, &org_id).await?;
    let expires = ctx.now() + Duration::seconds(cfg.invitation_expires_in);
    if let (Some(existing), true) = (pending.first(), resend) {
        if !holds_role(&me, &cfg.creator_role) && holds_role(existing, &cfg.creator_role) {
            return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE));
        }
        let mut set = Row::new();
        set.insert("expiresAt".into(), expires.into());
        let id = text(existing, "id").unwrap_or_default();
        let updated = store
            .update(INVITATION, &[Where::eq("id", id)], set)
            .await?
            .ok_or_else(|| bad(INVITATION_NOT_FOUND))?;
        send(ctx, &updated, &org, &s.user);
        return Ok(json_ok(invitation_json(&updated)));
    }
    if let (Some(existing), true) = (pending.first(), cfg.cancel_pending_on_reinvite) {
        let mut set = Row::new();
        set.insert("status".into(), "canceled".into());
        store
            .update(
                INVITATION,
                &[Where::eq("id", text(existing, "id").unwrap_or_default())],
                set,
            )
            .await?;
    }
    let team_ids = invited_teams(ctx, req, &org_id).await?;
    let open = store
        .find_many(
            INVITATION,
            &Query::filter(vec![
                Where::eq("organizationId", org_id.as_str()),
                Where::eq("status", "pending"),
            ]),
        )
        .await?
        .iter()
        .filter(|i| pending_live(ctx, i))
        .count() as u64;
    if open >= cfg.invitation_limit {
        return Err(forbidden(INVITATION_LIMIT_REACHED));
    }
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("organizationId".into(), org_id.into());
    row.insert("email".into(), email.into());
    row.insert("role".into(), roles.join(",").into());
    row.insert("status".into(), "pending".into());
    row.insert("expiresAt".into(), expires.into());
    row.insert("createdAt".into(), ctx.now().into());
    row.insert("inviterId".into(), s.user_id().into());
    if cfg.teams.is_some() {
        row.insert(
            "teamId".into(),
            if team_ids.is_empty() {
                Value::Null
            } else {
                team_ids.join(",").into()
            },
        );
    }
    let inv = store.create(INVITATION, row).await?;
    send(ctx, &inv, &org, &s.user);
    Ok(json_ok(invitation_json(&inv)))
}

/// The teams an invitation names (`teamId`: an id or a list), each a team of the organization
/// with room left; none when teams are off.
async fn invited_teams(
    ctx: &AuthContext,
    req: &AuthRequest,
    org_id: &str,
) -> Result<Vec<String>, ApiError> {
    let Some(teams) = settings(ctx).teams.as_ref() else {
        return Ok(Vec::new());
    };
    let ids: Vec<String> = match req.field("teamId") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::String(t)) => vec![t.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::validation("[body.teamId] Invalid input".to_owned()))?,
        Some(_) => {
            return Err(ApiError::validation(
                "[body.teamId] Invalid input".to_owned(),
            ));
        }
    };
    if ids.iter().any(|i| i.contains(',')) {
        return Err(bad(INVALID_TEAM_ID));
    }
    let store = ctx.adapter.as_ref();
    for id in &ids {
        super::teams::team_in(store, id, org_id)
            .await?
            .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
        if let Some(limit) = teams.maximum_members_per_team
            && store
                .count(
                    super::teams::TEAM_MEMBER,
                    &[Where::eq("teamId", id.as_str())],
                )
                .await? as u64
                >= limit
        {
            return Err(forbidden(TEAM_MEMBER_LIMIT_REACHED));
        }
    }
    Ok(ids)
}

/// The invitation `invitationId` names, if it is addressed to the caller (else 403).
async fn own_invitation(
    ctx: &AuthContext,
    s: &portcullis_core::session::SessionWithUser,
    inv: &Row,
    verify_code: portcullis_core::ErrorCode,
) -> Result<(), ApiError> {
    if text(inv, "email").unwrap_or_default().to_lowercase() != user_email(s) {
        return Err(forbidden(YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION));
    }
    if settings(ctx).require_email_verification && !email_verified(s) {
        return Err(forbidden(verify_code));
    }
    Ok(())
}

async fn accept(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut s = req.session()?.clone();
    let id = req.str_field("invitationId").unwrap_or_default();
    let store = ctx.adapter.as_ref();
    let inv = find_by_id(store, INVITATION, id)
        .await?
        .filter(|i| pending_live(ctx, i))
        .ok_or_else(|| bad(INVITATION_NOT_FOUND))?;
    own_invitation(
        ctx,
        &s,
        &inv,
        EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION,
    )
    .await?;
    let org_id = text(&inv, "organizationId").unwrap_or_default().to_owned();
    org_or_404(store, &org_id).await?;
    if count_members(store, &org_id).await? >= settings(ctx).membership_limit {
        return Err(forbidden(ORGANIZATION_MEMBERSHIP_LIMIT_REACHED));
    }
    if member_of(store, s.user_id(), &org_id).await?.is_some() {
        return Err(bad(USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION));
    }
    // The status moves from pending once only, and the membership comes with it or not at all.
    let tx = ctx.begin().await?;
    let mut set = Row::new();
    set.insert("status".into(), "accepted".into());
    let accepted = tx
        .store()
        .update(
            INVITATION,
            &[Where::eq("id", id), Where::eq("status", "pending")],
            set,
        )
        .await?
        .ok_or_else(|| bad(INVITATION_NOT_FOUND))?;
    let mut member = Row::new();
    member.insert("id".into(), generate_id(32).into());
    member.insert("organizationId".into(), org_id.clone().into());
    member.insert("userId".into(), s.user_id().into());
    member.insert(
        "role".into(),
        super::access::role_list(text(&accepted, "role").unwrap_or("member"))
            .join(",")
            .into(),
    );
    member.insert("createdAt".into(), ctx.now().into());
    let member = tx.store().create(MEMBER, member).await?;
    let mut set = Row::new();
    set.insert("activeOrganizationId".into(), org_id.clone().into());
    if settings(ctx).teams.is_some()
        && let Some(ids) = text(&accepted, "teamId").filter(|t| !t.is_empty())
    {
        let ids: Vec<&str> = ids.split(',').collect();
        for team_id in &ids {
            super::teams::team_in(tx.store(), team_id, &org_id)
                .await?
                .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
            super::teams::add_to_team(ctx, tx.store(), team_id, s.user_id()).await?;
        }
        if let [only] = ids.as_slice() {
            set.insert("activeTeamId".into(), (*only).into());
        }
    }
    let mut e = super::members::member_event(req, "organization.member_add", &member);
    if let Some(inv) = text(&accepted, "id") {
        e = e.detail("invitationId", inv);
    }
    portcullis_core::audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    let cookies = set_session_fields(ctx, req, &mut s, set, false).await?;
    Ok(
        json_ok(json!({"invitation": invitation_json(&accepted), "member": member_json(&member)}))
            .cookies(cookies),
    )
}

async fn reject(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let id = req.str_field("invitationId").unwrap_or_default();
    let store = ctx.adapter.as_ref();
    let inv = find_by_id(store, INVITATION, id)
        .await?
        .filter(|i| text(i, "status") == Some("pending"))
        .ok_or_else(|| {
            ApiError::with_message(400, INVITATION_NOT_FOUND, "Invitation not found!")
        })?;
    own_invitation(
        ctx,
        s,
        &inv,
        EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION,
    )
    .await?;
    org_or_404(store, text(&inv, "organizationId").unwrap_or_default()).await?;
    let mut set = Row::new();
    set.insert("status".into(), "rejected".into());
    let rejected = store
        .update(INVITATION, &[Where::eq("id", id)], set)
        .await?
        .ok_or_else(|| bad(INVITATION_NOT_FOUND))?;
    Ok(json_ok(
        json!({"invitation": invitation_json(&rejected), "member": null}),
    ))
}

async fn cancel(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let id = req.str_field("invitationId").unwrap_or_default();
    let store = ctx.adapter.as_ref();
    let inv = find_by_id(store, INVITATION, id)
        .await?
        .ok_or_else(|| bad(INVITATION_NOT_FOUND))?;
    let org_id = text(&inv, "organizationId").unwrap_or_default().to_owned();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    if !may(ctx, &me, &org_id, json!({"invitation": ["cancel"]})).await? {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION));
    }
    org_or_404(store, &org_id).await?;
    let mut set = Row::new();
    set.insert("status".into(), "canceled".into());
    let canceled = store
        .update(INVITATION, &[Where::eq("id", id)], set)
        .await?
        .ok_or_else(|| bad(INVITATION_NOT_FOUND))?;
    Ok(json_ok(invitation_json(&canceled)))
}

async fn get(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let Some(s) = optional_session(ctx, req).await? else {
        return Err(ApiError::message_only(401, "Not authenticated"));
    };
    let id = req.query_param("id").unwrap_or_default();
    let store = ctx.adapter.as_ref();
    let inv = find_by_id(store, INVITATION, id)
        .await?
        .filter(|i| pending_live(ctx, i))
        .ok_or_else(|| bad(INVITATION_NOT_FOUND))?;
    own_invitation(ctx, &s, &inv, EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION).await?;
    let org_id = text(&inv, "organizationId").unwrap_or_default();
    let org = org_or_404(store, org_id).await?;
    let inviter = member_of(store, text(&inv, "inviterId").unwrap_or_default(), org_id)
        .await?
        .ok_or_else(|| bad(INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION))?;
    let inviter_user = user_of(store, &inviter)
        .await?
        .ok_or_else(|| bad(INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION))?;
    let mut body = invitation_json(&inv);
    body["organizationName"] = json!(text(&org, "name"));
    body["organizationSlug"] = json!(text(&org, "slug"));
    body["inviterEmail"] = json!(text(&inviter_user, "email"));
    Ok(json_ok(body))
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let Some(s) = optional_session(ctx, req).await? else {
        return Err(ApiError::message_only(401, "Not authenticated"));
    };
    let org_id = req
        .query_param("organizationId")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| active_org(&s))
        .ok_or_else(|| ApiError::message_only(400, "Organization ID is required"))?;
    let me = member_of(ctx.adapter.as_ref(), s.user_id(), &org_id)
        .await?
        .ok_or_else(|| ApiError::message_only(403, "You are not a member of this organization"))?;
    if !may(ctx, &me, &org_id, json!({"invitation": ["create"]})).await? {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS));
    }
    let all = ctx
        .adapter
        .find_many(
            INVITATION,
            &Query::filter(vec![Where::eq("organizationId", org_id.as_str())]),
        )
        .await?;
    let creator = &settings(ctx).creator_role;
    let is_creator = holds_role(&me, creator);
    Ok(json_ok(json!(
        all.iter()
            .filter(|i| is_creator || !holds_role(i, creator))
            .map(invitation_json)
            .collect::<Vec<_>>()
    )))
}

async fn list_user(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = optional_session(ctx, req).await?;
    if req.query_param("email").is_some() {
        return Err(ApiError::message_only(
            400,
            "User email cannot be passed for client side API calls.",
        ));
    }
    let Some(s) = s else {
        return Err(ApiError::message_only(
            400,
            "Missing session headers, or email query parameter.",
        ));
    };
    if !email_verified(&s) {
        return Err(forbidden(EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION));
    }
    let rows = ctx
        .adapter
        .find_many(
            INVITATION,
            &Query::filter(vec![
                Where::eq("email", user_email(&s)),
                Where::eq("status", "pending"),
            ]),
        )
        .await?;
    Ok(json_ok(json!(
        rows.iter().map(invitation_json).collect::<Vec<_>>()
    )))
}
