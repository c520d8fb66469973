//! Teams (`ORGANIZATION_TEAMS`): Better Auth 1.7's `teams` option. The `team` and `teamMember`
//! tables (with Better Auth's `memberCount` and `membershipKey`), `session.activeTeamId` and
//! `invitation.teamId`; create-team, update-team, remove-team, list-teams, set-active-team,
//! list-user-teams, list-team-members, add-team-member, remove-team-member; and the default team
//! an organization is created with.

use super::ORGANIZATION_ID_QUERY;
use http::Method;
use portcullis_core::crypto::token::{generate_id, hash_token};
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Field, FieldType, Query, Row, Store, Table, Value, Where};
use serde_json::json;

use super::errors::*;
use super::settings;
use super::store::*;

pub const TEAM: &str = "team";
pub const TEAM_MEMBER: &str = "teamMember";

#[derive(Debug, Clone, PartialEq)]
pub struct TeamSettings {
    pub maximum_teams: Option<u64>,
    pub maximum_members_per_team: Option<u64>,
    pub allow_removing_all_teams: bool,
    /// Create a team named after each new organization, with its creator in it.
    pub default_team: bool,
}

pub fn schema() -> Vec<Table> {
    use FieldType::*;
    vec![
        Table::new(
            TEAM,
            vec![
                Field::new("name", String).required(),
                Field::new("memberCount", Number)
                    .required()
                    .default(0i64)
                    .hidden()
                    .no_input(),
                Field::new("organizationId", String)
                    .required()
                    .references(ORGANIZATION, "id")
                    .index(),
                Field::new("createdAt", Date).required(),
                Field::new("updatedAt", Date),
            ],
        ),
        Table::new(
            TEAM_MEMBER,
            vec![
                Field::new("teamId", String)
                    .required()
                    .references(TEAM, "id")
                    .index(),
                Field::new("userId", String)
                    .required()
                    .references("user", "id")
                    .index(),
                Field::new("membershipKey", String)
                    .unique()
                    .hidden()
                    .no_input(),
                Field::new("createdAt", Date),
            ],
        ),
        Table::new(
            "session",
            vec![Field::new("activeTeamId", String).no_input()],
        ),
        Table::new(INVITATION, vec![Field::new("teamId", String)]),
    ]
}

pub fn team_json(row: &Row) -> serde_json::Value {
    serde_json::Value::Object(ordered(
        row,
        &["name", "organizationId", "createdAt", "updatedAt", "id"],
    ))
}

/// As get-full-organization lists teams: Better Auth leaves `memberCount` in there.
pub fn team_json_with_count(row: &Row) -> serde_json::Value {
    serde_json::Value::Object(ordered(
        row,
        &[
            "name",
            "memberCount",
            "organizationId",
            "createdAt",
            "updatedAt",
            "id",
        ],
    ))
}

pub fn team_member_json(row: &Row) -> serde_json::Value {
    serde_json::Value::Object(ordered(row, &["teamId", "userId", "createdAt", "id"]))
}

/// Better Auth's `membershipKey`: base64url(SHA-256(JSON `[teamId, userId]`)), one per pair.
fn membership_key(team_id: &str, user_id: &str) -> String {
    hash_token(&json!([team_id, user_id]).to_string())
}

async fn refresh_count(store: &dyn Store, team_id: &str) -> Result<(), ApiError> {
    let n = store
        .count(TEAM_MEMBER, &[Where::eq("teamId", team_id)])
        .await?;
    let mut set = Row::new();
    set.insert("memberCount".into(), Value::Int(n));
    store.update(TEAM, &[Where::eq("id", team_id)], set).await?;
    Ok(())
}

/// Puts the user in the team (once), within `limit` members.
pub async fn add_to_team(
    ctx: &AuthContext,
    store: &dyn Store,
    team_id: &str,
    user_id: &str,
) -> Result<Row, ApiError> {
    let pair = [Where::eq("teamId", team_id), Where::eq("userId", user_id)];
    if let Some(existing) = store.find_one(TEAM_MEMBER, &pair).await? {
        return Ok(existing);
    }
    if let Some(limit) = settings(ctx)
        .teams
        .as_ref()
        .and_then(|t| t.maximum_members_per_team)
        && store
            .count(TEAM_MEMBER, &[Where::eq("teamId", team_id)])
            .await? as u64
            >= limit
    {
        return Err(forbidden(TEAM_MEMBER_LIMIT_REACHED));
    }
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert("teamId".into(), team_id.into());
    row.insert("userId".into(), user_id.into());
    row.insert(
        "membershipKey".into(),
        membership_key(team_id, user_id).into(),
    );
    row.insert("createdAt".into(), ctx.now().into());
    let created = match store.create(TEAM_MEMBER, row).await {
        Ok(r) => r,
        // Added meanwhile by another request: the pair is unique.
        Err(portcullis_storage::StorageError::UniqueViolation) => store
            .find_one(TEAM_MEMBER, &pair)
            .await?
            .ok_or_else(|| bad(TEAM_NOT_FOUND))?,
        Err(e) => return Err(e.into()),
    };
    refresh_count(store, team_id).await?;
    Ok(created)
}

/// The team an organization is created with, named after it, with the creator in it.
pub async fn create_default(
    ctx: &AuthContext,
    store: &dyn Store,
    org: &Row,
    user_id: &str,
) -> Result<Row, ApiError> {
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert(
        "name".into(),
        org.get("name").cloned().unwrap_or(Value::Null),
    );
    row.insert("memberCount".into(), Value::Int(0));
    row.insert(
        "organizationId".into(),
        org.get("id").cloned().unwrap_or(Value::Null),
    );
    row.insert("createdAt".into(), ctx.now().into());
    let team = store.create(TEAM, row).await?;
    add_to_team(ctx, store, text(&team, "id").unwrap_or_default(), user_id).await?;
    Ok(team)
}

/// Takes the user out of every team of the organization (a removed or leaving member).
pub async fn leave_org_teams(
    store: &dyn Store,
    org_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let teams = store
        .find_many(
            TEAM,
            &Query::filter(vec![Where::eq("organizationId", org_id)]),
        )
        .await?;
    for t in &teams {
        let id = text(t, "id").unwrap_or_default();
        let gone = store
            .delete_many(
                TEAM_MEMBER,
                &[Where::eq("teamId", id), Where::eq("userId", user_id)],
            )
            .await?;
        if gone > 0 {
            refresh_count(store, id).await?;
        }
    }
    Ok(())
}

/// Deletes the organization's teams and their members (an organization deleted); answers the
/// ids of the teams deleted.
pub async fn delete_org_teams(store: &dyn Store, org_id: &str) -> Result<Vec<String>, ApiError> {
    let teams = store
        .find_many(
            TEAM,
            &Query::filter(vec![Where::eq("organizationId", org_id)]),
        )
        .await?;
    let ids: Vec<String> = teams
        .iter()
        .filter_map(|t| text(t, "id").map(str::to_owned))
        .collect();
    if !ids.is_empty() {
        let values = ids.iter().map(|id| Value::from(id.as_str())).collect();
        store
            .delete_many(TEAM_MEMBER, &[Where::is_in("teamId", values)])
            .await?;
    }
    store
        .delete_many(TEAM, &[Where::eq("organizationId", org_id)])
        .await?;
    Ok(ids)
}

pub async fn team_in(
    store: &dyn Store,
    team_id: &str,
    org_id: &str,
) -> Result<Option<Row>, ApiError> {
    Ok(store
        .find_one(
            TEAM,
            &[
                Where::eq("id", team_id),
                Where::eq("organizationId", org_id),
            ],
        )
        .await?)
}

pub async fn org_teams(store: &dyn Store, org_id: &str) -> Result<Vec<Row>, ApiError> {
    Ok(store
        .find_many(
            TEAM,
            &Query::filter(vec![Where::eq("organizationId", org_id)]),
        )
        .await?)
}

fn team_schema() -> serde_json::Value {
    schema::object(json!({
        "name": schema::string("Its name"),
        "organizationId": schema::string("Its organization"),
        "createdAt": json!({"type": "string", "format": "date-time"}),
        "updatedAt": schema::nullable(json!({"type": "string", "format": "date-time"})),
        "id": schema::string("Its id"),
    }))
}

fn team_member_schema() -> serde_json::Value {
    schema::object(json!({
        "teamId": schema::string("The team"),
        "userId": schema::string("The user"),
        "createdAt": schema::nullable(json!({"type": "string", "format": "date-time"})),
        "id": schema::string("Its id"),
    }))
}

pub fn endpoints() -> Vec<Endpoint> {
    let tag = "Teams";
    let message = |m: &str| schema::object(json!({"message": schema::one_of(&[m], "Done")}));
    vec![
        Endpoint::new(
            Method::POST,
            "/organization/create-team",
            "createOrganizationTeam",
            portcullis_core::handler!(create),
        )
        .summary("Create a team", "Needs `team: [create]`.")
        .tag(tag)
        .body(BodySpec::object(vec![
            FieldSpec::req("name", Ty::String, "Its name"),
            FieldSpec::opt(
                "organizationId",
                Ty::String,
                "Default: the active organization",
            ),
        ]))
        .returns(team_schema()),
        Endpoint::new(
            Method::POST,
            "/organization/update-team",
            "updateOrganizationTeam",
            portcullis_core::handler!(update),
        )
        .summary("Rename a team", "Needs `team: [update]`.")
        .tag(tag)
        .auth(Auth::Session)
        .body(BodySpec::object(vec![
            FieldSpec::req("teamId", Ty::String, "The team"),
            FieldSpec::req("data", Ty::Any, "{name?, organizationId?}"),
        ]))
        .returns(team_schema()),
        Endpoint::new(
            Method::POST,
            "/organization/remove-team",
            "removeOrganizationTeam",
            portcullis_core::handler!(remove),
        )
        .summary(
            "Remove a team",
            "Needs `team: [delete]`; not the caller's active team, nor the last one.",
        )
        .tag(tag)
        .body(BodySpec::object(vec![
            FieldSpec::req("teamId", Ty::String, "The team"),
            FieldSpec::opt(
                "organizationId",
                Ty::String,
                "Default: the active organization",
            ),
        ]))
        .returns(message("Team removed successfully.")),
        Endpoint::new(
            Method::GET,
            "/organization/list-teams",
            "listOrganizationTeams",
            portcullis_core::handler!(list),
        )
        .summary(
            "List teams",
            "The teams of an organization the caller belongs to.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .query(&[ORGANIZATION_ID_QUERY])
        .returns(schema::array(team_schema())),
        Endpoint::new(
            Method::POST,
            "/organization/set-active-team",
            "setActiveTeam",
            portcullis_core::handler!(set_active_team),
        )
        .summary(
            "Set the active team",
            "A team of the active organization the caller is in; null clears it.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .body(BodySpec::object(vec![FieldSpec::opt(
            "teamId",
            Ty::NullableString,
            "The team, or null",
        )]))
        .returns(schema::nullable(team_schema())),
        Endpoint::new(
            Method::GET,
            "/organization/list-user-teams",
            "listUserTeams",
            portcullis_core::handler!(list_user_teams),
        )
        .summary(
            "List a user's teams",
            "The caller's teams, or (with `member: [update]`) another member's in an organization.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .query(&[
            ("userId", "Another member"),
            ("organizationId", "Only this organization's teams"),
        ])
        .returns(schema::array(team_schema())),
        Endpoint::new(
            Method::GET,
            "/organization/list-team-members",
            "listTeamMembers",
            portcullis_core::handler!(list_team_members),
        )
        .summary("List a team's members", "For members of the team.")
        .tag(tag)
        .auth(Auth::Session)
        .query(&[("teamId", "Default: the active team")])
        .returns(schema::array(team_member_schema())),
        Endpoint::new(
            Method::POST,
            "/organization/add-team-member",
            "addTeamMember",
            portcullis_core::handler!(add_member),
        )
        .summary(
            "Add a member to a team",
            "Needs `member: [update]`; the user must be a member of the organization.",
        )
        .tag(tag)
        .auth(Auth::Session)
        .body(BodySpec::object(vec![
            FieldSpec::req("teamId", Ty::String, "The team"),
            FieldSpec::req("userId", Ty::String, "The user"),
            FieldSpec::opt(
                "organizationId",
                Ty::String,
                "Default: the active organization",
            ),
        ]))
        .returns(team_member_schema()),
        Endpoint::new(
            Method::POST,
            "/organization/remove-team-member",
            "removeTeamMember",
            portcullis_core::handler!(remove_member),
        )
        .summary("Remove a member from a team", "Needs `member: [delete]`.")
        .tag(tag)
        .auth(Auth::Session)
        .body(BodySpec::object(vec![
            FieldSpec::req("teamId", Ty::String, "The team"),
            FieldSpec::req("userId", Ty::String, "The user"),
            FieldSpec::opt(
                "organizationId",
                Ty::String,
                "Default: the active organization",
            ),
        ]))
        .returns(message("Team member removed successfully.")),
    ]
}

fn org_or_active(
    s: &portcullis_core::session::SessionWithUser,
    field: Option<&str>,
) -> Option<String> {
    field
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| active_org(s))
}

async fn create(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let Some(s) = optional_session(ctx, req).await? else {
        return Err(ApiError::empty(401));
    };
    let org_id = org_or_active(&s, req.str_field("organizationId"))
        .ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| forbidden(YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION))?;
    if !may(ctx, &me, &org_id, json!({"team": ["create"]})).await? {
        return Err(forbidden(
            YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION,
        ));
    }
    if let Some(max) = settings(ctx).teams.as_ref().and_then(|t| t.maximum_teams)
        && org_teams(store, &org_id).await?.len() as u64 >= max
    {
        return Err(bad(YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS));
    }
    org_or_404(store, &org_id).await?;
    let mut row = Row::new();
    row.insert("id".into(), generate_id(32).into());
    row.insert(
        "name".into(),
        req.str_field("name").unwrap_or_default().into(),
    );
    row.insert("memberCount".into(), Value::Int(0));
    row.insert("organizationId".into(), org_id.into());
    row.insert("createdAt".into(), ctx.now().into());
    row.insert("updatedAt".into(), ctx.now().into());
    let team = store.create(TEAM, row).await?;
    Ok(json_ok(team_json(&team)))
}

async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let data = req
        .field("data")
        .and_then(serde_json::Value::as_object)
        .cloned()
        .ok_or_else(|| {
            ApiError::validation("[body.data] Invalid input: expected object".to_owned())
        })?;
    let org_id = org_or_active(
        s,
        data.get("organizationId")
            .and_then(serde_json::Value::as_str),
    )
    .ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| forbidden(YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM))?;
    if !may(ctx, &me, &org_id, json!({"team": ["update"]})).await? {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM));
    }
    let team_id = req.str_field("teamId").unwrap_or_default();
    team_in(store, team_id, &org_id)
        .await?
        .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
    org_or_404(store, &org_id).await?;
    let mut set = Row::new();
    if let Some(name) = data.get("name").and_then(serde_json::Value::as_str) {
        set.insert("name".into(), name.into());
    }
    set.insert("updatedAt".into(), ctx.now().into());
    let updated = store
        .update(TEAM, &[Where::eq("id", team_id)], set)
        .await?
        .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
    Ok(json_ok(team_json(&updated)))
}

async fn remove(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = optional_session(ctx, req).await?;
    let org_id = s
        .as_ref()
        .and_then(|s| org_or_active(s, req.str_field("organizationId")))
        .or_else(|| req.str_field("organizationId").map(str::to_owned))
        .ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let Some(s) = s else {
        return Err(ApiError::empty(401));
    };
    let team_id = req.str_field("teamId").unwrap_or_default();
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id).await?;
    let active_team = s.session.get("activeTeamId").and_then(Value::as_str);
    let Some(me) = me.filter(|_| active_team != Some(team_id)) else {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM));
    };
    if !may(ctx, &me, &org_id, json!({"team": ["delete"]})).await? {
        return Err(forbidden(
            YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION,
        ));
    }
    team_in(store, team_id, &org_id)
        .await?
        .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
    let allow_all = settings(ctx)
        .teams
        .as_ref()
        .is_some_and(|t| t.allow_removing_all_teams);
    if !allow_all && org_teams(store, &org_id).await?.len() <= 1 {
        return Err(bad(UNABLE_TO_REMOVE_LAST_TEAM));
    }
    org_or_404(store, &org_id).await?;
    // The team, its members, and its place in pending invitations go together.
    let tx = ctx.begin().await?;
    let t = tx.store();
    t.delete_many(TEAM_MEMBER, &[Where::eq("teamId", team_id)])
        .await?;
    t.delete_many(TEAM, &[Where::eq("id", team_id)]).await?;
    let pending = t
        .find_many(
            INVITATION,
            &Query::filter(vec![
                Where::eq("organizationId", org_id.as_str()),
                Where::eq("status", "pending"),
            ]),
        )
        .await?;
    for inv in pending {
        let Some(ids) = text(&inv, "teamId") else {
            continue;
        };
        let list: Vec<&str> = ids.split(',').collect();
        if !list.contains(&team_id) {
            continue;
        }
        let rest: Vec<&str> = list.into_iter().filter(|i| *i != team_id).collect();
        let mut set = Row::new();
        set.insert(
            "teamId".into(),
            if rest.is_empty() {
                Value::Null
            } else {
                rest.join(",").into()
            },
        );
        t.update(
            INVITATION,
            &[Where::eq("id", text(&inv, "id").unwrap_or_default())],
            set,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(json_ok(json!({"message": "Team removed successfully."})))
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let org_id = org_or_active(s, req.query_param("organizationId"))
        .ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    if member_of(store, s.user_id(), &org_id).await?.is_none() {
        return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION));
    }
    let teams = org_teams(store, &org_id).await?;
    Ok(json_ok(json!(
        teams.iter().map(team_json).collect::<Vec<_>>()
    )))
}

async fn set_active_team(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut s = req.session()?.clone();
    let current = s
        .session
        .get("activeTeamId")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let team_id = match req.field("teamId") {
        Some(serde_json::Value::Null) => {
            if current.is_none() {
                return Ok(json_ok(null()));
            }
            let mut set = Row::new();
            set.insert("activeTeamId".into(), Value::Null);
            let cookies = set_session_fields(ctx, req, &mut s, set, true).await?;
            return Ok(json_ok(null()).cookies(cookies));
        }
        Some(serde_json::Value::String(t)) if !t.is_empty() => t.clone(),
        _ => match current {
            Some(t) => t,
            None => return Ok(json_ok(null())),
        },
    };
    let org_id = active_org(&s).ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    let team = team_in(store, &team_id, &org_id)
        .await?
        .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
    if store
        .find_one(
            TEAM_MEMBER,
            &[
                Where::eq("teamId", team_id.as_str()),
                Where::eq("userId", s.user_id()),
            ],
        )
        .await?
        .is_none()
    {
        return Err(forbidden(USER_IS_NOT_A_MEMBER_OF_THE_TEAM));
    }
    let mut set = Row::new();
    set.insert("activeTeamId".into(), team_id.into());
    let cookies = set_session_fields(ctx, req, &mut s, set, true).await?;
    Ok(json_ok(team_json(&team)).cookies(cookies))
}

async fn teams_of_user(store: &dyn Store, user_id: &str) -> Result<Vec<Row>, ApiError> {
    let memberships = store
        .find_many(
            TEAM_MEMBER,
            &Query::filter(vec![Where::eq("userId", user_id)]),
        )
        .await?;
    let ids: Vec<Value> = memberships
        .iter()
        .filter_map(|m| m.get("teamId").cloned())
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store
        .find_many(TEAM, &Query::filter(vec![Where::is_in("id", ids)]))
        .await?)
}

async fn list_user_teams(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let store = ctx.adapter.as_ref();
    let target = req
        .query_param("userId")
        .filter(|v| !v.is_empty())
        .unwrap_or(s.user_id());
    let explicit = req.query_param("organizationId").filter(|v| !v.is_empty());
    let org_id = explicit.map(str::to_owned).or_else(|| active_org(s));
    let in_org = |teams: Vec<Row>, org: &str| -> serde_json::Value {
        json!(
            teams
                .iter()
                .filter(|t| text(t, "organizationId") == Some(org))
                .map(team_json)
                .collect::<Vec<_>>()
        )
    };
    if target != s.user_id() {
        let org_id = org_id.ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
        let me = member_of(store, s.user_id(), &org_id)
            .await?
            .ok_or_else(|| forbidden(YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION))?;
        if !may(ctx, &me, &org_id, json!({"member": ["update"]})).await? {
            return Err(forbidden(YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER));
        }
        if member_of(store, target, &org_id).await?.is_none() {
            return Err(bad(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION));
        }
        return Ok(json_ok(in_org(
            teams_of_user(store, target).await?,
            &org_id,
        )));
    }
    if let Some(org_id) = explicit {
        if member_of(store, s.user_id(), org_id).await?.is_none() {
            return Err(forbidden(YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION));
        }
        return Ok(json_ok(in_org(
            teams_of_user(store, s.user_id()).await?,
            org_id,
        )));
    }
    // Only teams of organizations the caller still belongs to.
    let teams = teams_of_user(store, s.user_id()).await?;
    let mut out = Vec::new();
    for t in &teams {
        let org = text(t, "organizationId").unwrap_or_default();
        if member_of(store, s.user_id(), org).await?.is_some() {
            out.push(team_json(t));
        }
    }
    Ok(json_ok(json!(out)))
}

async fn list_team_members(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let team_id = req
        .query_param("teamId")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            s.session
                .get("activeTeamId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad(YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM))?;
    let store = ctx.adapter.as_ref();
    let team = find_by_id(store, TEAM, &team_id)
        .await?
        .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
    let org = text(&team, "organizationId").unwrap_or_default();
    let in_team = store
        .find_one(
            TEAM_MEMBER,
            &[
                Where::eq("teamId", team_id.as_str()),
                Where::eq("userId", s.user_id()),
            ],
        )
        .await?;
    if member_of(store, s.user_id(), org).await?.is_none() || in_team.is_none() {
        return Err(bad(USER_IS_NOT_A_MEMBER_OF_THE_TEAM));
    }
    let rows = store
        .find_many(
            TEAM_MEMBER,
            &Query::filter(vec![Where::eq("teamId", team_id.as_str())]),
        )
        .await?;
    Ok(json_ok(json!(
        rows.iter().map(team_member_json).collect::<Vec<_>>()
    )))
}

/// The checks add- and remove-team-member share: the caller's right, the user's membership of
/// the organization, and the team in it.
async fn team_change(
    ctx: &AuthContext,
    req: &AuthRequest,
    action: &str,
    refused: portcullis_core::ErrorCode,
) -> Result<(String, String), ApiError> {
    let s = req.session()?;
    let org_id = org_or_active(s, req.str_field("organizationId"))
        .ok_or_else(|| bad(NO_ACTIVE_ORGANIZATION))?;
    let store = ctx.adapter.as_ref();
    let me = member_of(store, s.user_id(), &org_id)
        .await?
        .ok_or_else(|| bad(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION))?;
    if !may(ctx, &me, &org_id, json!({"member": [action]})).await? {
        return Err(forbidden(refused));
    }
    let user_id = req.str_field("userId").unwrap_or_default().to_owned();
    if member_of(store, &user_id, &org_id).await?.is_none() {
        return Err(bad(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION));
    }
    let team_id = req.str_field("teamId").unwrap_or_default().to_owned();
    team_in(store, &team_id, &org_id)
        .await?
        .ok_or_else(|| bad(TEAM_NOT_FOUND))?;
    org_or_404(store, &org_id).await?;
    if find_by_id(store, "user", &user_id).await?.is_none() {
        return Err(ApiError::message_only(400, "User not found"));
    }
    Ok((team_id, user_id))
}

async fn add_member(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let (team_id, user_id) = team_change(
        ctx,
        req,
        "update",
        YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER,
    )
    .await?;
    let row = add_to_team(ctx, ctx.adapter.as_ref(), &team_id, &user_id).await?;
    Ok(json_ok(team_member_json(&row)))
}

async fn remove_member(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let (team_id, user_id) = team_change(
        ctx,
        req,
        "delete",
        YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER,
    )
    .await?;
    let store = ctx.adapter.as_ref();
    let pair = [
        Where::eq("teamId", team_id.as_str()),
        Where::eq("userId", user_id.as_str()),
    ];
    if store.find_one(TEAM_MEMBER, &pair).await?.is_none() {
        return Err(bad(USER_IS_NOT_A_MEMBER_OF_THE_TEAM));
    }
    store.delete_many(TEAM_MEMBER, &pair).await?;
    refresh_count(store, &team_id).await?;
    Ok(json_ok(
        json!({"message": "Team member removed successfully."}),
    ))
}
