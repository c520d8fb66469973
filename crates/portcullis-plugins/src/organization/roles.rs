//! Dynamic roles (`ORGANIZATION_DYNAMIC_ROLES`): create-role, update-role, delete-role,
//! list-roles and get-role, stored in `organizationRole`, as Better Auth 1.7's
//! `dynamicAccessControl`. A role names only resources and actions of the configured statements,
//! and nobody makes or widens a role beyond what they hold.

use super::ORGANIZATION_ID_QUERY;
use http::Method;
use portcullis_core::crypto::token::generate_id;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, ErrorCode};
use portcullis_storage::{Query, Row, Where};
use serde_json::json;

use super::access::{Statements, parse_statements};
use super::errors::*;
use super::members::held;
use super::settings;
use super::store::*;

fn role_schema() -> serde_json::Value {
    schema::object(json!({
        "organizationId": schema::string("The organization"),
        "role": schema::string("Its name (lower-case)"),
        "permission": json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}, "description": "Resource → actions"}),
        "createdAt": json!({"type": "string", "format": "date-time"}),
        "updatedAt": schema::nullable(json!({"type": "string", "format": "date-time"})),
        "id": schema::string("Its id"),
    }))
}

pub fn endpoints() -> Vec<Endpoint> {
    let tag = "Organizations";
    let name_or_id = [
        FieldSpec::opt("roleName", Ty::String, "The role's name"),
        FieldSpec::opt("roleId", Ty::String, "Or its id"),
        FieldSpec::opt(
            "organizationId",
            Ty::String,
            "Default: the active organization",
        ),
    ];
    vec![
        Endpoint::new(
            Method::POST,
            "/organization/create-role",
            "createOrgRole",
            portcullis_core::handler!(create),
        )
        .summary(
            "Create a role",
            "Needs `ac: [create]` and every permission the role grants.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .body(BodySpec::object(vec![
            FieldSpec::req("role", Ty::String, "Its name").non_empty(),
            FieldSpec::req("permission", Ty::Any, "Resource → actions"),
            FieldSpec::opt(
                "organizationId",
                Ty::String,
                "Default: the active organization",
            ),
            FieldSpec::opt("additionalFields", Ty::Any, "Not supported"),
        ]))
        .returns(schema::object(json!({
            "success": schema::always_true("Made"),
            "roleData": role_schema(),
            "statements": json!({"type": "object"}),
        }))),
        Endpoint::new(
            Method::POST,
            "/organization/update-role",
            "updateOrgRole",
            portcullis_core::handler!(update),
        )
        .summary(
            "Change a role",
            "Needs `ac: [update]` and every permission it would grant.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .body(BodySpec::object({
            let mut f = name_or_id.to_vec();
            f.push(FieldSpec::req("data", Ty::Any, "{permission?, roleName?}"));
            f
        }))
        .returns(schema::object(
            json!({"success": schema::always_true("Changed"), "roleData": role_schema()}),
        )),
        Endpoint::new(
            Method::POST,
            "/organization/delete-role",
            "deleteOrgRole",
            portcullis_core::handler!(delete),
        )
        .summary(
            "Delete a role",
            "Needs `ac: [delete]`; not while a member holds it.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .body(BodySpec::object(name_or_id.to_vec()))
        .returns(schema::success()),
        Endpoint::new(
            Method::GET,
            "/organization/list-roles",
            "listOrgRoles",
            portcullis_core::handler!(list),
        )
        .summary(
            "List roles",
            "The organization's stored roles; needs `ac: [read]`.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .query(&[ORGANIZATION_ID_QUERY])
        .returns(schema::array(role_schema())),
        Endpoint::new(
            Method::GET,
            "/organization/get-role",
            "getOrgRole",
            portcullis_core::handler!(get),
        )
        .summary("Get a role", "Needs `ac: [read]`.")
        .tag(tag)
        .auth(Auth::Session)
        .query(&[
            ("roleName", "The role's name"),
            ("roleId", "Or its id"),
            ORGANIZATION_ID_QUERY,
        ])
        .returns(role_schema()),
    ]
}

pub fn role_json(row: &Row) -> serde_json::Value {
    let mut v = serde_json::Value::Object(ordered(
        row,
        &[
            "organizationId",
            "role",
            "permission",
            "createdAt",
            "updatedAt",
            "id",
        ],
    ));
    if let Some(t) = v["permission"].as_str() {
        v["permission"] = serde_json::from_str(t).unwrap_or(serde_json::Value::Null);
    }
    v
}

/// The caller's membership in the organization a role request is about (`organizationId` in
/// the body, or the query of a GET; else the active one), with `ac: [action]`.
async fn member_allowed(
    ctx: &AuthContext,
    req: &AuthRequest,
    no_org: ErrorCode,
    action: &str,
    refused: ErrorCode,
) -> Result<(String, Row), ApiError> {
    let org_id = if req.method == http::Method::GET {
        req.query_param("organizationId")
    } else {
        req.str_field("organizationId")
    }
    .map(str::to_owned);
    let s = req.session()?;
    let org_id = org_id
        .filter(|v| !v.is_empty())
        .or_else(|| active_org(s))
        .ok_or_else(|| bad(no_org))?;
    let me = member_of(ctx.adapter.as_ref(), s.user_id(), &org_id)
        .await?
        .ok_or_else(|| forbidden(YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION))?;
    if !may(ctx, &me, &org_id, json!({"ac": [action]})).await? {
        return Err(forbidden(refused));
    }
    Ok((org_id, me))
}

/// A permission to store: known resources only, and nothing the caller lacks.
async fn checked_permission(
    ctx: &AuthContext,
    me: &Row,
    org_id: &str,
    v: Option<&serde_json::Value>,
    refused: ErrorCode,
) -> Result<Statements, ApiError> {
    let permission = v
        .ok_or_else(|| {
            ApiError::validation(
                "[body.permission] Invalid input: expected record, received undefined".to_owned(),
            )
        })
        .and_then(|v| {
            parse_statements(v, "permission")
                .map_err(|e| ApiError::validation(format!("[body] {e}")))
        })?;
    let known = &settings(ctx).access.statements;
    if permission.keys().any(|r| !known.contains_key(r)) {
        return Err(bad(INVALID_RESOURCE));
    }
    let mine = held(ctx, &roles_of(me), org_id).await?;
    let missing: Vec<String> = permission
        .iter()
        .flat_map(|(r, acts)| acts.iter().map(move |a| (r, a)))
        .filter(|(r, a)| !mine.get(*r).is_some_and(|h| h.contains(a)))
        .map(|(r, a)| format!("{r}:{a}"))
        .collect();
    if !missing.is_empty() {
        tracing::info!(missing = %missing.join(","), "organization role beyond its maker refused");
        return Err(forbidden(refused));
    }
    Ok(permission)
}

async fn name_free(ctx: &AuthContext, org_id: &str, name: &str) -> Result<(), ApiError> {
    if settings(ctx).access.roles.contains_key(name)
        || ctx
            .adapter
            .find_one(
                ROLE,
                &[Where::eq("organizationId", org_id), Where::eq("role", name)],
            )
            .await?
            .is_some()
    {
        return Err(bad(ROLE_NAME_IS_ALREADY_TAKEN));
    }
    Ok(())
}

/// `roleName` or `roleId`, from the body or the query.
fn which(name: Option<&str>, id: Option<&str>) -> Result<Where, ApiError> {
    match (name.filter(|v| !v.is_empty()), id.filter(|v| !v.is_empty())) {
        (Some(n), _) => Ok(Where::eq("role", n)),
        (None, Some(i)) => Ok(Where::eq("id", i)),
        _ => Err(bad(ROLE_NOT_FOUND)),
    }
}

async fn create(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let name = req.str_field("role").unwrap_or_default().to_lowercase();
    let s = req.session()?;
    if req.str_field("organizationId").is_none() && active_org(s).is_none() {
        return Err(bad(YOU_MUST_BE_IN_AN_ORGANIZATION_TO_CREATE_A_ROLE));
    }
    if settings(ctx).access.roles.contains_key(&name) {
        return Err(bad(ROLE_NAME_IS_ALREADY_TAKEN));
    }
    let (org_id, me) = member_allowed(
        ctx,
        req,
        YOU_MUST_BE_IN_AN_ORGANIZATION_TO_CREATE_A_ROLE,
        "create",
        YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE,
    )
    .await?;
    let cap = settings(ctx).maximum_roles_per_organization;
    if let Some(cap) = cap
        && ctx
            .adapter
            .count(ROLE, &[Where::eq("organizationId", org_id.as_str())])
            .await? as u64
            >= cap
    {
        return Err(bad(TOO_MANY_ROLES));
    }
    let permission = checked_permission(
        ctx,
        &me,
        &org_id,
        req.field("permission"),
        YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE,
    )
    .await?;
    name_free(ctx, &org_id, &name).await?;
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("organizationId".into(), org_id.into());
    row.insert("role".into(), name.into());
    row.insert("permission".into(), json!(permission).to_string().into());
    row.insert("createdAt".into(), ctx.now().into());
    let row = ctx.adapter.create(ROLE, row).await?;
    Ok(json_ok(
        json!({"success": true, "roleData": role_json(&row), "statements": permission}),
    ))
}

async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let data = req
        .field("data")
        .and_then(serde_json::Value::as_object)
        .cloned()
        .ok_or_else(|| {
            ApiError::validation("[body.data] Invalid input: expected object".to_owned())
        })?;
    let (org_id, me) = member_allowed(
        ctx,
        req,
        NO_ACTIVE_ORGANIZATION,
        "update",
        YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE,
    )
    .await?;
    let cond = which(req.str_field("roleName"), req.str_field("roleId"))?;
    let by = [Where::eq("organizationId", org_id.as_str()), cond];
    let role = ctx
        .adapter
        .find_one(ROLE, &by)
        .await?
        .ok_or_else(|| bad(ROLE_NOT_FOUND))?;
    let mut set = Row::new();
    if let Some(p) = data.get("permission") {
        let permission = checked_permission(
            ctx,
            &me,
            &org_id,
            Some(p),
            YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE,
        )
        .await?;
        set.insert("permission".into(), json!(permission).to_string().into());
    }
    if let Some(n) = data
        .get("roleName")
        .and_then(serde_json::Value::as_str)
        .filter(|n| !n.is_empty())
    {
        let n = n.to_lowercase();
        name_free(ctx, &org_id, &n).await?;
        // Members holding the old name keep their rights under the new one.
        rename_in_members(ctx, &org_id, text(&role, "role").unwrap_or_default(), &n).await?;
        set.insert("role".into(), n.into());
    }
    if set.is_empty() {
        return Ok(json_ok(
            json!({"success": true, "roleData": role_json(&role)}),
        ));
    }
    let id = text(&role, "id").unwrap_or_default().to_owned();
    let updated = ctx
        .adapter
        .update(ROLE, &[Where::eq("id", id.as_str())], set)
        .await?
        .ok_or_else(|| bad(ROLE_NOT_FOUND))?;
    Ok(json_ok(
        json!({"success": true, "roleData": role_json(&updated)}),
    ))
}

async fn rename_in_members(
    ctx: &AuthContext,
    org_id: &str,
    old: &str,
    new: &str,
) -> Result<(), ApiError> {
    let members = ctx
        .adapter
        .find_many(
            MEMBER,
            &Query::filter(vec![Where::eq("organizationId", org_id)]),
        )
        .await?;
    for m in members.iter().filter(|m| holds_role(m, old)) {
        let roles: Vec<String> = roles_of(m)
            .into_iter()
            .map(|r| if r == old { new.to_owned() } else { r })
            .collect();
        let mut set = Row::new();
        set.insert("role".into(), roles.join(",").into());
        ctx.adapter
            .update(
                MEMBER,
                &[Where::eq("id", text(m, "id").unwrap_or_default())],
                set,
            )
            .await?;
    }
    Ok(())
}

async fn delete(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let (org_id, _) = member_allowed(
        ctx,
        req,
        NO_ACTIVE_ORGANIZATION,
        "delete",
        YOU_ARE_NOT_ALLOWED_TO_DELETE_A_ROLE,
    )
    .await?;
    if let Some(n) = req.str_field("roleName")
        && settings(ctx).access.roles.contains_key(n)
    {
        return Err(bad(CANNOT_DELETE_A_PRE_DEFINED_ROLE));
    }
    let cond = which(req.str_field("roleName"), req.str_field("roleId"))?;
    let by = [Where::eq("organizationId", org_id.as_str()), cond];
    let role = ctx
        .adapter
        .find_one(ROLE, &by)
        .await?
        .ok_or_else(|| bad(ROLE_NOT_FOUND))?;
    let name = text(&role, "role").unwrap_or_default();
    if count_holding(ctx.adapter.as_ref(), &org_id, name).await? > 0 {
        return Err(bad(ROLE_IS_ASSIGNED_TO_MEMBERS));
    }
    ctx.adapter
        .delete_many(
            ROLE,
            &[Where::eq("id", text(&role, "id").unwrap_or_default())],
        )
        .await?;
    Ok(json_ok(json!({"success": true})))
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let (org_id, _) = member_allowed(
        ctx,
        req,
        NO_ACTIVE_ORGANIZATION,
        "read",
        YOU_ARE_NOT_ALLOWED_TO_LIST_A_ROLE,
    )
    .await?;
    let rows = ctx
        .adapter
        .find_many(
            ROLE,
            &Query::filter(vec![Where::eq("organizationId", org_id.as_str())]),
        )
        .await?;
    Ok(json_ok(json!(
        rows.iter().map(role_json).collect::<Vec<_>>()
    )))
}

async fn get(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let (org_id, _) = member_allowed(
        ctx,
        req,
        NO_ACTIVE_ORGANIZATION,
        "read",
        YOU_ARE_NOT_ALLOWED_TO_READ_A_ROLE,
    )
    .await?;
    let cond = which(req.query_param("roleName"), req.query_param("roleId"))?;
    let role = ctx
        .adapter
        .find_one(ROLE, &[Where::eq("organizationId", org_id.as_str()), cond])
        .await?
        .ok_or_else(|| bad(ROLE_NOT_FOUND))?;
    Ok(json_ok(role_json(&role)))
}
