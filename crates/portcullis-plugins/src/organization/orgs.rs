//! Organizations: create, check-slug, update, delete, get-full-organization, set-active, list,
//! as Better Auth 1.7's `crud-org` routes answer them.

use super::ORGANIZATION_ID;
use http::Method;
use portcullis_core::Writes;
use portcullis_core::crypto::token::generate_id;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint, ResponseBody};
use portcullis_core::openapi::schema;
use portcullis_core::session::Forget;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Query, Row, Value, Where};
use serde_json::json;

use super::errors::*;
use super::schemas::{invitation_schema, member_schema, member_with_user_schema, org_schema};
use super::settings;
use super::store::*;

pub fn endpoints() -> Vec<Endpoint> {
    let tag = "Organizations";
    vec![
        Endpoint::new(Method::POST, "/organization/create", "createOrganization", portcullis_core::handler!(create))
            .summary("Create an organization", "Creates an organization with the caller as its first member (the creator role, `owner`) and makes it the session's active organization unless `keepCurrentActiveOrganization`.")
            .tag(tag)
            .body(BodySpec::object(vec![
                FieldSpec::req("name", Ty::String, "Its name").non_empty(),
                FieldSpec::req("slug", Ty::String, "Its unique slug").non_empty(),
                FieldSpec::opt("userId", Ty::Any, "The creator (server calls only; ignored with a session)"),
                FieldSpec::opt("logo", Ty::NullableString, "A logo URL"),
                FieldSpec::opt("metadata", Ty::Any, "Free-form JSON object"),
                FieldSpec::opt("keepCurrentActiveOrganization", Ty::Boolean, "Leave the active organization as it is"),
            ]))
            .returns(with_members(org_schema(true))),
        Endpoint::new(Method::POST, "/organization/check-slug", "checkOrganizationSlug", portcullis_core::handler!(check_slug))
            .summary("Check a slug", "`{status: true}` when no organization has the slug.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![FieldSpec::req("slug", Ty::String, "The slug")]))
            .returns(schema::status()),
        Endpoint::new(Method::POST, "/organization/update", "updateOrganization", portcullis_core::handler!(update))
            .summary("Update an organization", "Changes name, slug, logo or metadata; needs `organization: [update]`.")
            .tag(tag)
            .body(BodySpec::object(vec![
                FieldSpec::req("data", Ty::Any, "{name?, slug?, logo?, metadata?}"),
                ORGANIZATION_ID,
            ]))
            .returns(org_schema(true)),
        Endpoint::new(Method::POST, "/organization/delete", "deleteOrganization", portcullis_core::handler!(delete))
            .summary("Delete an organization", "Deletes it with its members and invitations, in one transaction; needs `organization: [delete]`.")
            .tag(tag)
            .response(400, "Refused: a `{message, code}` error, or no body when the organization is gone, as Better Auth answers", ResponseBody::ErrorOrNothing)
            .body(BodySpec::object(vec![FieldSpec::req("organizationId", Ty::String, "The organization")]))
            .returns(org_schema(false)),
        Endpoint::new(Method::GET, "/organization/get-full-organization", "getFullOrganization", portcullis_core::handler!(get_full))
            .summary("Get the full organization", "The organization with its members and (for those who may invite) pending invitations; `null` without an id, slug or active organization.")
            .tag(tag)
            .auth(Auth::Session)
            .query(&[
                ("organizationId", "The organization (default: the active one)"),
                ("organizationSlug", "Or its slug"),
                ("membersLimit", "At most this many members"),
            ])
            .returns(schema::nullable(full_schema())),
        Endpoint::new(Method::POST, "/organization/set-active", "setActiveOrganization", portcullis_core::handler!(set_active_org))
            .summary("Set the active organization", "Makes an organization the caller belongs to the session's active one; `organizationId: null` clears it.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                FieldSpec::opt("organizationId", Ty::NullableString, "The organization, or null"),
                FieldSpec::opt("organizationSlug", Ty::String, "Or its slug"),
            ]))
            .returns(schema::nullable(org_schema(false))),
        Endpoint::new(Method::GET, "/organization/list", "listOrganizations", portcullis_core::handler!(list))
            .summary("List organizations", "The organizations the caller belongs to.")
            .tag(tag)
            .auth(Auth::Session)
            .returns(schema::array(org_schema(false))),
    ]
}

fn with_members(mut org: serde_json::Value) -> serde_json::Value {
    if let Some(p) = org.get_mut("properties") {
        p["members"] = schema::array(member_schema());
    }
    if let Some(r) = org.get_mut("required").and_then(|r| r.as_array_mut()) {
        r.push(json!("members"));
    }
    org
}

fn full_schema() -> serde_json::Value {
    let mut org = org_schema(false);
    if let Some(p) = org.get_mut("properties") {
        p["members"] = schema::array(member_with_user_schema());
        p["invitations"] = schema::array(invitation_schema());
    }
    if let Some(r) = org.get_mut("required").and_then(|r| r.as_array_mut()) {
        r.push(json!("members"));
        r.push(json!("invitations"));
    }
    org
}

/// `metadata` must be a JSON object (zod's `record`), stored as its text.
fn metadata_text(v: Option<&serde_json::Value>, path: &str) -> Result<Option<Value>, ApiError> {
    match v {
        None => Ok(None),
        Some(serde_json::Value::Object(_)) => Ok(Some(Value::String(
            v.map(serde_json::Value::to_string).unwrap_or_default(),
        ))),
        Some(other) => Err(ApiError::validation(format!(
            "[{path}] Invalid input: expected record, received {}",
            portcullis_core::validate::received(Some(other))
        ))),
    }
}

async fn create(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let Some(mut s) = optional_session(ctx, req).await? else {
        // Better Auth: an HTTP request without a session is 401 with an empty body.
        return Err(ApiError::empty(401));
    };
    let cfg = settings(ctx);
    if !cfg.allow_user_to_create {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION));
    }
    let user_id = s.user_id().to_owned();
    let metadata = metadata_text(req.field("metadata"), "body.metadata")?;
    let store = ctx.adapter.as_ref();
    if let Some(limit) = cfg.organization_limit
        && orgs_of(store, &user_id).await?.len() as u64 >= limit
    {
        return Err(forbidden(
            YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS,
        ));
    }
    let slug = req.str_field("slug").unwrap_or_default();
    if org_by_slug(store, slug).await?.is_some() {
        return Err(bad(ORGANIZATION_ALREADY_EXISTS));
    }
    let now = ctx.now();
    let mut org = Row::new();
    org.insert("id".into(), generate_id(32).into());
    org.insert(
        "name".into(),
        req.str_field("name").unwrap_or_default().into(),
    );
    org.insert("slug".into(), slug.into());
    org.insert(
        "logo".into(),
        req.str_field("logo")
            .map(Value::from)
            .unwrap_or(Value::Null),
    );
    org.insert("createdAt".into(), now.into());
    org.insert("metadata".into(), metadata.unwrap_or(Value::Null));
    // The organization and its owner are one write: never an organization nobody owns.
    let tx = ctx.begin().await?;
    let org = match tx.store().create(ORGANIZATION, org).await {
        Ok(row) => row,
        Err(portcullis_storage::StorageError::UniqueViolation) => {
            return Err(bad(ORGANIZATION_ALREADY_EXISTS));
        }
        Err(e) => return Err(e.into()),
    };
    let org_id = text(&org, "id").unwrap_or_default().to_owned();
    let mut member = Row::new();
    member.insert("id".into(), generate_id(32).into());
    member.insert("organizationId".into(), org_id.clone().into());
    member.insert("userId".into(), user_id.into());
    member.insert("role".into(), cfg.creator_role.clone().into());
    member.insert("createdAt".into(), now.into());
    let member = tx.store().create(MEMBER, member).await?;
    let team = match &cfg.teams {
        Some(t) if t.default_team => {
            Some(super::teams::create_default(ctx, tx.store(), &org, s.user_id()).await?)
        }
        _ => None,
    };
    let e = super::members::member_event(req, "organization.create", &member).by(&s);
    portcullis_core::audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    let cookies = if req.bool_field("keepCurrentActiveOrganization") == Some(true) {
        Vec::new()
    } else {
        let mut set = Row::new();
        set.insert("activeOrganizationId".into(), org_id.clone().into());
        if let Some(team) = &team {
            set.insert(
                "activeTeamId".into(),
                team.get("id").cloned().unwrap_or(Value::Null),
            );
        }
        set_session_fields(ctx, req, &mut s, set, false).await?
    };
    let mut body = org_json_parsed(&org);
    body["members"] = json!([member_json(&member)]);
    Ok(json_ok(body).cookies(cookies))
}

async fn check_slug(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let slug = req.str_field("slug").unwrap_or_default();
    if org_by_slug(ctx.adapter.as_ref(), slug).await?.is_some() {
        return Err(bad(ORGANIZATION_SLUG_ALREADY_TAKEN));
    }
    Ok(json_ok(json!({"status": true})))
}

async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let data = match req.field("data") {
        Some(serde_json::Value::Object(d)) => d.clone(),
        other => {
            return Err(ApiError::validation(format!(
                "[body.data] Invalid input: expected object, received {}",
                portcullis_core::validate::received(other)
            )));
        }
    };
    let mut set = Row::new();
    for key in ["name", "slug"] {
        match data.get(key) {
            None => {}
            Some(serde_json::Value::String(v)) if !v.is_empty() => {
                set.insert(key.into(), v.clone().into());
            }
            Some(serde_json::Value::String(_)) => {
                return Err(ApiError::validation(format!(
                    "[body.data.{key}] Too small: expected string to have >=1 characters"
                )));
            }
            Some(other) => {
                return Err(ApiError::validation(format!(
                    "[body.data.{key}] Invalid input: expected string, received {}",
                    portcullis_core::validate::received(Some(other))
                )));
            }
        }
    }
    match data.get("logo") {
        None => {}
        Some(serde_json::Value::Null) => {
            set.insert("logo".into(), Value::Null);
        }
        Some(serde_json::Value::String(v)) => {
            set.insert("logo".into(), v.clone().into());
        }
        Some(other) => {
            return Err(ApiError::validation(format!(
                "[body.data.logo] Invalid input: expected string, received {}",
                portcullis_core::validate::received(Some(other))
            )));
        }
    }
    if let Some(m) = metadata_text(data.get("metadata"), "body.data.metadata")? {
        set.insert("metadata".into(), m);
    }
    let Some(s) = optional_session(ctx, req).await? else {
        return Err(ApiError::message_only(401, "User not found"));
    };
    let org_id = req
        .str_field("organizationId")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| active_org(&s))
        .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    let store = ctx.adapter.as_ref();
    member_who_may_update(ctx, s.user_id(), &org_id).await?;
    if let Some(slug) = set.get("slug").and_then(Value::as_str)
        && let Some(other) = org_by_slug(store, slug).await?
        && text(&other, "id") != Some(org_id.as_str())
    {
        return Err(bad(ORGANIZATION_SLUG_ALREADY_TAKEN));
    }
    let updated = if set.is_empty() {
        find_by_id(store, ORGANIZATION, &org_id).await?
    } else {
        match store
            .update(ORGANIZATION, &[Where::eq("id", org_id.as_str())], set)
            .await
        {
            Ok(row) => row,
            Err(portcullis_storage::StorageError::UniqueViolation) => {
                return Err(bad(ORGANIZATION_SLUG_ALREADY_TAKEN));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let updated = updated.ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    Ok(json_ok(org_json_parsed(&updated)))
}

/// Deletes organization `org_id` with everything that hangs on it (teams and their members,
/// members, invitations, stored roles) through `w`, the caller's transaction, so all of it goes
/// or nothing does; and sessions that name it as their active organization, or one of its
/// teams as their active team, forget it in the same writes (Better Auth 1.7 clears only the
/// deleting member's). Members (`/organization/delete`) and the admin console share it.
/// Answers what sessions forgot, for the caller to tell whether its own session did.
pub(super) async fn delete_with_dependents(
    ctx: &AuthContext,
    w: &mut Writes<'_>,
    org_id: &str,
) -> Result<Vec<Forget>, ApiError> {
    let by_org = [Where::eq("organizationId", org_id)];
    // Read before they go: sessions in secondary storage are found by user only.
    let members: Vec<String> = w
        .store()
        .find_many(MEMBER, &Query::filter(by_org.to_vec()))
        .await?
        .iter()
        .filter_map(|m| text(m, "userId").map(str::to_owned))
        .collect();
    let mut forget = vec![Forget::new("activeOrganizationId", vec![org_id.to_owned()])];
    if settings(ctx).teams.is_some() {
        let teams = super::teams::delete_org_teams(w.store(), org_id).await?;
        forget.push(Forget::new("activeTeamId", teams));
    }
    for table in [MEMBER, INVITATION, ROLE] {
        w.store().delete_many(table, &by_org).await?;
    }
    w.store()
        .delete_many(ORGANIZATION, &[Where::eq("id", org_id)])
        .await?;
    w.forget_in_sessions(members, forget.clone()).await?;
    Ok(forget)
}

async fn delete(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let cfg = settings(ctx);
    if cfg.disable_deletion {
        return Err(ApiError::new(404, ORGANIZATION_DELETION_DISABLED));
    }
    let Some(mut s) = optional_session(ctx, req).await? else {
        return Err(ApiError::empty(401));
    };
    let org_id = req
        .str_field("organizationId")
        .unwrap_or_default()
        .to_owned();
    if org_id.is_empty() {
        return Err(bad(ORGANIZATION_NOT_FOUND));
    }
    let store = ctx.adapter.as_ref();
    let member = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION))?;
    if !may(ctx, &member, &org_id, json!({"organization": ["delete"]})).await? {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION));
    }
    let org = find_by_id(store, ORGANIZATION, &org_id)
        .await?
        .ok_or_else(|| ApiError::empty(400))?;
    let mut tx = ctx.begin().await?;
    let forgotten = delete_with_dependents(ctx, &mut tx, &org_id).await?;
    tx.commit().await?;
    // Its domain, if it had one, brands nothing from now on.
    super::brand_cache(ctx).invalidate();
    let cookies = reread_if_forgotten(ctx, req, &mut s, &forgotten).await?;
    Ok(json_ok(org_json(&org)).cookies(cookies))
}

async fn get_full(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut s = req.session()?.clone();
    let by_slug = req
        .query_param("organizationSlug")
        .filter(|v| !v.is_empty());
    let key = by_slug
        .or(req.query_param("organizationId").filter(|v| !v.is_empty()))
        .map(str::to_owned)
        .or_else(|| active_org(&s));
    let Some(key) = key else {
        return Ok(json_ok(null()));
    };
    let store = ctx.adapter.as_ref();
    let org = if by_slug.is_some() {
        org_by_slug(store, &key).await?
    } else {
        find_by_id(store, ORGANIZATION, &key).await?
    }
    .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    let org_id = text(&org, "id").unwrap_or_default().to_owned();
    let Some(me) = member_of(store, s.user_id(), &org_id).await? else {
        let cookies = set_active(ctx, req, &mut s, None, false).await?;
        return Err(forbidden(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION).with_cookies(cookies));
    };
    let cfg = settings(ctx);
    let limit = match req.query_param("membersLimit") {
        None => cfg.membership_limit as i64,
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::validation("[query.membersLimit] Invalid input".to_owned()))?,
    };
    let members = members_with_users(
        store,
        Query::filter(vec![Where::eq("organizationId", org_id.as_str())]).limit(limit),
    )
    .await?;
    let invitations = visible_invitations(ctx, &me, &org_id).await?;
    let mut body = org_json(&org);
    body["invitations"] = json!(invitations);
    body["members"] = json!(members);
    if cfg.teams.is_some() {
        let teams = super::teams::org_teams(store, &org_id).await?;
        body["teams"] = json!(
            teams
                .iter()
                .map(super::teams::team_json_with_count)
                .collect::<Vec<_>>()
        );
    }
    Ok(json_ok(body))
}

/// The organization's invitations a member may see: only for those who may invite
/// (invitation ids act as links), and never ones granting the creator role to a non-creator.
pub async fn visible_invitations(
    ctx: &AuthContext,
    me: &Row,
    org_id: &str,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = ctx
        .adapter
        .find_many(
            INVITATION,
            &Query::filter(vec![Where::eq("organizationId", org_id)]),
        )
        .await?;
    if rows.is_empty() || !may(ctx, me, org_id, json!({"invitation": ["create"]})).await? {
        return Ok(Vec::new());
    }
    let creator = &settings(ctx).creator_role;
    let is_creator = holds_role(me, creator);
    Ok(rows
        .iter()
        .filter(|r| is_creator || !holds_role_text(text(r, "role"), creator))
        .map(|r| super::invitations::json(ctx, r))
        .collect())
}

fn holds_role_text(role: Option<&str>, wanted: &str) -> bool {
    super::access::role_list(role.unwrap_or_default())
        .iter()
        .any(|r| r == wanted)
}

async fn set_active_org(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut s = req.session()?.clone();
    let store = ctx.adapter.as_ref();
    let explicit_null = matches!(req.field("organizationId"), Some(serde_json::Value::Null));
    if explicit_null {
        if active_org(&s).is_none() {
            return Ok(json_ok(null()));
        }
        let cookies = set_active(ctx, req, &mut s, None, true).await?;
        return Ok(json_ok(null()).cookies(cookies));
    }
    let mut org_id = req.str_field("organizationId").map(str::to_owned);
    let slug = req.str_field("organizationSlug");
    if org_id.is_none() && slug.is_none() {
        match active_org(&s) {
            Some(a) => org_id = Some(a),
            None => return Ok(json_ok(null())),
        }
    }
    if org_id.is_none()
        && let Some(slug) = slug
    {
        let org = org_by_slug(store, slug)
            .await?
            .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
        org_id = text(&org, "id").map(str::to_owned);
    }
    let org_id = org_id
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    if member_of(store, s.user_id(), &org_id).await?.is_none() {
        let cookies = set_active(ctx, req, &mut s, None, false).await?;
        return Err(forbidden(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION).with_cookies(cookies));
    }
    let org = org_or_404(store, &org_id).await?;
    let cookies = set_active(ctx, req, &mut s, Some(&org_id), true).await?;
    Ok(json_ok(org_json(&org)).cookies(cookies))
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let orgs = orgs_of(ctx.adapter.as_ref(), s.user_id()).await?;
    Ok(json_ok(json!(
        orgs.iter().map(org_json).collect::<Vec<_>>()
    )))
}
