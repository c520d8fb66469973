//! Members: list-members, remove-member, update-member-role, leave, get-active-member,
//! get-active-member-role, and has-permission, as Better Auth 1.7's `crud-members` routes.
//! `add-member` is server-only in Better Auth (HTTP 404), and so it is here.

use super::{ORGANIZATION_ID, ORGANIZATION_ID_QUERY};
use http::Method;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint, ResponseBody};
use portcullis_core::openapi::schema;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, ErrorCode};
use portcullis_storage::{Query, Row, SortDirection, Value, Where, WhereOp};
use serde_json::json;

use super::access::{self, Statements, holds_all, merged};
use super::errors::*;
use super::schemas::{member_schema, member_with_user_schema};
use super::settings;
use super::store::*;

pub fn endpoints() -> Vec<Endpoint> {
    let tag = "Organizations";
    vec![
        Endpoint::new(Method::GET, "/organization/list-members", "listOrganizationMembers", portcullis_core::handler!(list_members))
            .summary("List members", "The members of an organization the caller belongs to, with their users.")
            .tag(tag)
            .auth(Auth::Session)
            .query(&[
                ("limit", "At most this many"),
                ("offset", "Skip this many"),
                ("sortBy", "A member field to sort by"),
                ("sortDirection", "asc or desc"),
                ("filterField", "A member field to filter by"),
                ("filterValue", "The value to filter by"),
                ("filterOperator", "eq, ne, lt, lte, gt, gte, contains, starts_with, ends_with"),
                ORGANIZATION_ID_QUERY,
                ("organizationSlug", "Or its slug"),
            ])
            .returns(schema::object(json!({
                "members": schema::array(member_with_user_schema()),
                "total": json!({"type": "number"}),
            }))),
        Endpoint::new(Method::POST, "/organization/remove-member", "removeOrganizationMember", portcullis_core::handler!(remove_member))
            .summary("Remove a member", "Needs `member: [delete]`; an owner is removed only by an owner, and never the last one.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                FieldSpec::req("memberIdOrEmail", Ty::String, "The member's id or the user's email"),
                ORGANIZATION_ID,
            ]))
            .returns(schema::object(json!({"member": member_schema()}))),
        Endpoint::new(Method::POST, "/organization/update-member-role", "updateOrganizationMemberRole", portcullis_core::handler!(update_member_role))
            .summary("Change a member's role", "Needs `member: [update]`; nobody grants a role with permissions they lack, and the last owner stays an owner.")
            .tag(tag)
            .response(400, "Refused: a `{message, code}` error, or no body for an empty role list, as Better Auth answers", ResponseBody::ErrorOrNothing)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                FieldSpec::req("role", Ty::Any, "A role, or a list of roles"),
                FieldSpec::req("memberId", Ty::String, "The member"),
                ORGANIZATION_ID,
            ]))
            .returns(member_schema()),
        Endpoint::new(Method::POST, "/organization/leave", "leaveOrganization", portcullis_core::handler!(leave))
            .summary("Leave an organization", "The last owner cannot leave.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![FieldSpec::req("organizationId", Ty::String, "The organization")]))
            .returns(member_with_user_schema()),
        Endpoint::new(Method::GET, "/organization/get-active-member", "getActiveMember", portcullis_core::handler!(get_active_member))
            .summary("The caller's membership", "In the active organization, with the user.")
            .tag(tag)
            .auth(Auth::Session)
            .returns(member_with_user_schema()),
        Endpoint::new(Method::GET, "/organization/get-active-member-role", "getActiveMemberRole", portcullis_core::handler!(get_active_member_role))
            .summary("A member's role", "The caller's role, or another member's (`userId`), in an organization the caller belongs to.")
            .tag(tag)
            .auth(Auth::Session)
            .query(&[
                ("userId", "Another member's user id"),
                ORGANIZATION_ID_QUERY,
                ("organizationSlug", "Or its slug"),
            ])
            .returns(schema::object(json!({"role": schema::string("Comma-separated roles")}))),
        Endpoint::new(Method::POST, "/organization/has-permission", "hasPermission", portcullis_core::handler!(has_permission))
            .summary("Check a permission", "Whether the caller's roles in the organization grant `permissions` (resource → actions).")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                FieldSpec::opt("permissions", Ty::Any, "Resource → actions, e.g. {\"member\":[\"create\"]}"),
                FieldSpec::opt("permission", Ty::Any, "The same (deprecated name)"),
                ORGANIZATION_ID,
            ]))
            .returns(schema::object(json!({
                "error": json!({"type": "null"}),
                "success": schema::boolean("Whether it is granted"),
            }))),
    ]
}

/// The organization named by `organizationId` / `organizationSlug`, else the active one.
async fn org_from_query(ctx: &AuthContext, req: &AuthRequest) -> Result<Option<String>, ApiError> {
    let s = req.session()?;
    let mut org_id = req
        .query_param("organizationId")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| active_org(s));
    if let Some(slug) = req
        .query_param("organizationSlug")
        .filter(|v| !v.is_empty())
    {
        let org = org_by_slug(ctx.adapter.as_ref(), slug)
            .await?
            .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
        org_id = text(&org, "id").map(str::to_owned);
    }
    Ok(org_id)
}

fn org_from_body(req: &AuthRequest) -> Result<Option<String>, ApiError> {
    let s = req.session()?;
    Ok(req
        .str_field("organizationId")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| active_org(s)))
}

const MEMBER_FIELDS: &[&str] = &["id", "organizationId", "userId", "role", "createdAt"];

async fn list_members(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let org_id = org_from_query(ctx, req)
        .await?
        .ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    if member_of(store, s.user_id(), &org_id).await?.is_none() {
        return Err(forbidden(YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION));
    }
    let number = |name: &str| -> Result<Option<i64>, ApiError> {
        req.query_param(name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| ApiError::validation(format!("[query.{name}] Invalid input")))
            })
            .transpose()
    };
    let mut wheres = vec![Where::eq("organizationId", org_id.as_str())];
    if let Some(field) = req.query_param("filterField").filter(|v| !v.is_empty()) {
        if !MEMBER_FIELDS.contains(&field) {
            return Err(ApiError::validation(format!(
                "[query.filterField] Unknown member field `{field}`"
            )));
        }
        let op = match req.query_param("filterOperator").unwrap_or("eq") {
            "eq" => WhereOp::Eq,
            "ne" => WhereOp::Ne,
            "lt" => WhereOp::Lt,
            "lte" => WhereOp::Lte,
            "gt" => WhereOp::Gt,
            "gte" => WhereOp::Gte,
            "contains" => WhereOp::Contains,
            "starts_with" => WhereOp::StartsWith,
            "ends_with" => WhereOp::EndsWith,
            _ => {
                return Err(ApiError::validation(
                    "[query.filterOperator] Invalid option".to_owned(),
                ));
            }
        };
        let value = req.query_param("filterValue").unwrap_or_default();
        wheres.push(Where::op(field, op, value));
    }
    let total = store.count(MEMBER, &wheres).await?;
    let mut query = Query::filter(wheres).limit(
        number("limit")?
            .filter(|n| *n > 0)
            .unwrap_or(settings(ctx).membership_limit as i64),
    );
    query.offset = number("offset")?;
    if let Some(field) = req.query_param("sortBy").filter(|v| !v.is_empty()) {
        if !MEMBER_FIELDS.contains(&field) {
            return Err(ApiError::validation(format!(
                "[query.sortBy] Unknown member field `{field}`"
            )));
        }
        let dir = match req.query_param("sortDirection") {
            Some("desc") => SortDirection::Desc,
            None | Some("asc") => SortDirection::Asc,
            Some(_) => {
                return Err(ApiError::validation(
                    "[query.sortDirection] Invalid option: expected one of \"asc\"|\"desc\""
                        .to_owned(),
                ));
            }
        };
        query = query.sort(field, dir);
    }
    let members = members_with_users(store, query).await?;
    Ok(json_ok(json!({"members": members, "total": total})))
}

/// The statements a set of roles holds together in `org_id`, stored roles merged in.
pub async fn held(
    ctx: &AuthContext,
    roles: &[String],
    org_id: &str,
) -> Result<Statements, ApiError> {
    let cfg = settings(ctx);
    let dynamic = dynamic_roles(ctx.adapter.as_ref(), org_id).await?;
    let mut out = Statements::new();
    for r in roles {
        let role = match dynamic.get(r) {
            Some(extra) => merged(cfg.access.roles.get(r), extra),
            None => cfg.access.roles.get(r).cloned().unwrap_or_default(),
        };
        out = merged(Some(&out), &role);
    }
    Ok(out)
}

/// Checks roles about to be given in `org_id`: each must exist (configured, or stored for the
/// organization), and the giver must hold every permission they carry, unless the giver holds
/// the creator role. `refused` is the code for a role beyond the giver.
pub async fn check_grant(
    ctx: &AuthContext,
    giver: &Row,
    roles: &[String],
    org_id: &str,
    refused: ErrorCode,
) -> Result<(), ApiError> {
    let cfg = settings(ctx);
    let dynamic = dynamic_roles(ctx.adapter.as_ref(), org_id).await?;
    let unknown: Vec<&str> = roles
        .iter()
        .filter(|r| !cfg.access.roles.contains_key(*r) && !dynamic.contains_key(*r))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let message = format!("{}: {}", ROLE_NOT_FOUND.code, unknown.join(", "));
        return Err(ApiError::with_message(400, ROLE_NOT_FOUND, message));
    }
    let creator = &cfg.creator_role;
    if holds_role(giver, creator) {
        return Ok(());
    }
    if roles.iter().any(|r| r == creator) {
        return Err(forbidden(refused));
    }
    let mine = held(ctx, &roles_of(giver), org_id).await?;
    let wanted = held(ctx, roles, org_id).await?;
    if !holds_all(&mine, &wanted) {
        return Err(forbidden(refused));
    }
    Ok(())
}

/// A role given as a string or a list of strings, as its names.
pub fn roles_from(v: Option<&serde_json::Value>, field: &str) -> Result<Vec<String>, ApiError> {
    let bad_type = || {
        ApiError::validation(format!(
            "[body.{field}] Invalid input: expected string, received {}",
            portcullis_core::validate::received(v)
        ))
    };
    match v {
        Some(serde_json::Value::String(s)) => Ok(access::role_list(s)),
        Some(serde_json::Value::Array(items)) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(access::role_list(i.as_str().ok_or_else(bad_type)?));
            }
            Ok(out)
        }
        _ => Err(bad_type()),
    }
}

async fn remove_member(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut s = req.session()?.clone();
    let org_id = org_from_body(req)?.ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    let target = req.str_field("memberIdOrEmail").unwrap_or_default();
    let gone = if target.contains('@') {
        member_by_email(store, target, &org_id)
            .await?
            .map(|(m, _)| m)
    } else {
        find_by_id(store, MEMBER, target).await?
    }
    .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    let creator = &settings(ctx).creator_role;
    if holds_role(&gone, creator)
        && (!holds_role(&me, creator) || count_holding(store, &org_id, creator).await? <= 1)
    {
        return Err(bad(YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER));
    }
    if !may(ctx, &me, &org_id, json!({"member": ["delete"]})).await? {
        return Err(ApiError::new(
            401,
            YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER,
        ));
    }
    // A member of another organization is not found here (never removed through this one).
    if text(&gone, "organizationId") != Some(org_id.as_str()) {
        return Err(bad(MEMBER_NOT_FOUND));
    }
    org_or_404(store, &org_id).await?;
    if user_of(store, &gone).await?.is_none() {
        return Err(ApiError::message_only(400, "User not found"));
    }
    delete_member(ctx, req, &gone, "organization.member_remove").await?;
    let cookies = if text(&gone, "userId") == Some(s.user_id())
        && active_org(&s).as_deref() == Some(org_id.as_str())
    {
        set_active(ctx, req, &mut s, None, false).await?
    } else {
        Vec::new()
    };
    Ok(json_ok(json!({"member": member_json(&gone)})).cookies(cookies))
}

/// Deletes a membership and the user's places in the organization's teams, together.
async fn delete_member(
    ctx: &AuthContext,
    req: &AuthRequest,
    member: &Row,
    action: &'static str,
) -> Result<(), ApiError> {
    let id = text(member, "id").unwrap_or_default();
    let tx = ctx.begin().await?;
    tx.store()
        .delete_many(MEMBER, &[Where::eq("id", id)])
        .await?;
    if settings(ctx).teams.is_some() {
        super::teams::leave_org_teams(
            tx.store(),
            text(member, "organizationId").unwrap_or_default(),
            text(member, "userId").unwrap_or_default(),
        )
        .await?;
    }
    let e = member_event(req, action, member);
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    Ok(())
}

/// A change to `member`, as its audit event: the member's user is the target.
pub(super) fn member_event(req: &AuthRequest, action: &'static str, member: &Row) -> AuditEvent {
    let mut e = AuditEvent::new(action).from_request(req);
    if let Some(org) = text(member, "organizationId") {
        e = e.organization(org);
    }
    if let Some(user) = text(member, "userId") {
        e = e.target_user(user);
    }
    if let Some(id) = text(member, "id") {
        e = e.target("member", id);
    }
    if let Some(role) = text(member, "role") {
        e = e.detail("role", role);
    }
    e
}

async fn update_member_role(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let roles = roles_from(req.field("role"), "role")?;
    let org_id = org_from_body(req)?.ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    if roles.is_empty() {
        return Err(ApiError::empty(400));
    }
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    let member_id = req.str_field("memberId").unwrap_or_default();
    let target = if text(&me, "id") == Some(member_id) {
        me.clone()
    } else {
        find_by_id(store, MEMBER, member_id)
            .await?
            .ok_or_else(|| bad(MEMBER_NOT_FOUND))?
    };
    if text(&target, "organizationId") != Some(org_id.as_str()) {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER));
    }
    let creator = settings(ctx).creator_role.clone();
    let i_am_creator = holds_role(&me, &creator);
    let setting_creator = roles.contains(&creator);
    if (holds_role(&target, &creator) || setting_creator) && !i_am_creator {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER));
    }
    if i_am_creator
        && text(&me, "id") == text(&target, "id")
        && !setting_creator
        && count_holding(store, &org_id, &creator).await? <= 1
    {
        return Err(bad(YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER));
    }
    // Better Auth lets the creator role through without the permission.
    if !i_am_creator && !may(ctx, &me, &org_id, json!({"member": ["update"]})).await? {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER));
    }
    check_grant(
        ctx,
        &me,
        &roles,
        &org_id,
        YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER,
    )
    .await?;
    org_or_404(store, &org_id).await?;
    if user_of(store, &target).await?.is_none() {
        return Err(ApiError::message_only(400, "User not found"));
    }
    let mut set = Row::new();
    set.insert("role".into(), Value::from(roles.join(",")));
    let w = audit::writes(ctx).await?;
    let updated = w
        .update(MEMBER, &[Where::eq("id", member_id)], set)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    let e = member_event(req, "organization.member_role_update", &updated)
        .detail("previousRole", text(&target, "role").unwrap_or_default())
        .detail("role", roles.join(","));
    audit::record(ctx, w.store(), e).await?;
    w.commit().await?;
    Ok(json_ok(member_json(&updated)))
}

async fn leave(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut s = req.session()?.clone();
    let org_id = req
        .str_field("organizationId")
        .unwrap_or_default()
        .to_owned();
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    let creator = &settings(ctx).creator_role;
    if holds_role(&me, creator) && count_holding(store, &org_id, creator).await? <= 1 {
        return Err(bad(YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER));
    }
    delete_member(ctx, req, &me, "organization.member_leave").await?;
    let cookies = if active_org(&s).as_deref() == Some(org_id.as_str()) {
        set_active(ctx, req, &mut s, None, false).await?
    } else {
        Vec::new()
    };
    let user = s.user.as_ref().clone();
    Ok(json_ok(member_with_user(&me, &user)).cookies(cookies))
}

async fn get_active_member(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let org_id = active_org(s).ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    let user = user_of(store, &me)
        .await?
        .ok_or_else(|| bad(MEMBER_NOT_FOUND))?;
    Ok(json_ok(member_with_user(&me, &user)))
}

async fn get_active_member_role(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let org_id = org_from_query(ctx, req)
        .await?
        .ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| forbidden(YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION))?;
    let Some(other) = req.query_param("userId").filter(|v| !v.is_empty()) else {
        return Ok(json_ok(json!({"role": text(&me, "role")})));
    };
    let them = member_of(store, other, &org_id)
        .await?
        .ok_or_else(|| forbidden(YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION))?;
    Ok(json_ok(json!({"role": text(&them, "role")})))
}

async fn has_permission(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let asked = req
        .field("permissions")
        .or_else(|| req.field("permission"))
        .filter(|v| v.is_object())
        .cloned()
        .ok_or_else(|| ApiError::validation("[body] Invalid input".to_owned()))?;
    let org_id = org_from_body(req)?.ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let me = member_of(ctx.adapter.as_ref(), s.user_id(), &org_id)
        .await?
        .ok_or_else(|| ApiError::new(401, USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION))?;
    let ok = may(ctx, &me, &org_id, asked).await?;
    Ok(json_ok(json!({"error": null, "success": ok})))
}
