//! The admin console's "Organizations" section (with the admin plugin only): server
//! administrators see every organization, not only those they belong to. Portcullis's own;
//! Better Auth's organization endpoints are unchanged.
//!
//! - `GET /admin/console/organizations`: newest first, a keyset page at a time, found by a
//!   part of the name or slug (or the exact id), each with its member count and brand.
//! - `GET /admin/console/organizations/detail`: one organization with its branding, members
//!   (with their addresses), teams and pending invitations, each list bounded.
//! - `POST /admin/console/organizations/update-branding`: as `/organization/update-branding`
//!   (the same rules, through the same code), by an administrator who need not be a member.
//! - `POST /admin/console/organizations/delete`: as `/organization/delete` (the same code),
//!   with its members, teams and invitations, in one transaction with its audit event.
//!
//! The domain is set through `/organization/set-domain`, already an administrator's action.
//! Each endpoint takes `organization:<action>` under a custom admin access control, or any
//! administrator under the default one (`crate::admin::operator`, with the step-up).

use std::collections::HashMap;

use http::Method;
use portcullis_core::audit::{self, AuditEvent};
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::session::SessionWithUser;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Query, Row, SortDirection, Store, Value, Where, WhereOp};
use serde_json::json;

use super::branding::{self, COLOR, DOMAIN};
use super::errors::*;
use super::settings;
use super::store::*;
use crate::admin::console::lists::{Cursor, bad_query, newest_first, page_limit, text_query};

/// Members, teams and invitations shown in a detail: enough to judge an organization; the
/// totals say when there are more.
const DETAIL_ROWS: i64 = 100;

const TAG: &str = "Admin console";

pub fn endpoints() -> Vec<Endpoint> {
    let get = |path, op, h| Endpoint::new(Method::GET, path, op, h).tag(TAG);
    let post = |path, op, h| Endpoint::new(Method::POST, path, op, h).tag(TAG);
    vec![
        get("/admin/console/organizations", "consoleListOrganizations", portcullis_core::handler!(list))
            .summary(
                "Find organizations",
                "Every organization, newest first, a page at a time (keyset: pass `nextCursor` back as `cursor`), each with its member count, domain and colour. `q` is found in the name (as typed) or the slug (lower-cased), or is an organization's id. Needs `organization:list` (any administrator under the default access control).",
            )
            .query(&[
                ("q", "A part of the name or slug, or an id"),
                ("cursor", "`nextCursor` of the previous page"),
                ("limit", "Rows per page, 1 to 100 (25)"),
            ])
            .returns(schema::object(json!({
                "organizations": schema::array(summary_schema()),
                "nextCursor": schema::nullable(schema::string("Pass back as `cursor` for the next page")),
            }))),
        get("/admin/console/organizations/detail", "consoleGetOrganization", portcullis_core::handler!(detail))
            .summary(
                "An organization in full",
                "The organization, its branding, its members with their addresses, its teams (with teams on) and its pending invitations, at most 100 of each; the totals say how many there are. Needs `organization:get`.",
            )
            .query(&[("id", "The organization's id")])
            .returns(detail_schema()),
        post("/admin/console/organizations/update-branding", "consoleUpdateOrganizationBranding", portcullis_core::handler!(update_branding))
            .summary(
                "Brand an organization",
                "As `/organization/update-branding`, with the same rules, for an administrator who need not be a member; recorded as `organization.admin_update_branding`. `null` or blank clears a value; an absent one is kept. The domain is set with `/organization/set-domain`. Needs `organization:update`.",
            )
            .body(BodySpec::object(vec![
                FieldSpec::req("organizationId", Ty::String, "The organization"),
                FieldSpec::opt("logo", Ty::NullableString, "An https:// URL or a path on this server"),
                FieldSpec::opt("primaryColor", Ty::NullableString, "A hex colour such as #4f46e5"),
                FieldSpec::opt("senderName", Ty::NullableString, "The e-mails' sender name: 1 to 64 characters, no line breaks, quotes or angle brackets"),
            ]))
            .returns(branding::branding_schema()),
        post("/admin/console/organizations/delete", "consoleDeleteOrganization", portcullis_core::handler!(delete))
            .summary(
                "Delete an organization",
                "Deletes it with its members, teams and their members, invitations and roles, in one transaction with its record `organization.admin_delete`. Refused while organization deletion is turned off. Needs `organization:delete`.",
            )
            .body(BodySpec::object(vec![FieldSpec::req(
                "organizationId",
                Ty::String,
                "The organization",
            )]))
            .returns(schema::status()),
    ]
}

fn date_schema(description: &str) -> serde_json::Value {
    json!({"type": "string", "format": "date-time", "description": description})
}

fn nullable_string(description: &str) -> serde_json::Value {
    schema::nullable(schema::string(description))
}

fn summary_schema() -> serde_json::Value {
    schema::object(json!({
        "id": schema::string("Its id"),
        "name": schema::string("Its name"),
        "slug": schema::string("Its unique slug"),
        "logo": nullable_string("Its logo"),
        "createdAt": date_schema("When it was made"),
        "members": {"type": "integer", "description": "How many members it has"},
        "domain": nullable_string("The host name that selects its brand"),
        "primaryColor": nullable_string("Its primary colour"),
    }))
}

fn detail_schema() -> serde_json::Value {
    schema::object(json!({
        "organization": summary_schema(),
        "branding": branding::branding_schema(),
        "members": schema::array(schema::object(json!({
            "id": schema::string("The membership's id"),
            "userId": schema::string("The user"),
            "email": nullable_string("The user's address"),
            "name": nullable_string("The user's name"),
            "role": schema::string("Its roles, comma-separated"),
            "createdAt": date_schema("When they joined"),
        }))),
        "teams": schema::nullable(schema::array(schema::object(json!({
            "id": schema::string("Its id"),
            "name": schema::string("Its name"),
            "members": {"type": ["integer", "null"], "description": "How many members it has"},
            "createdAt": date_schema("When it was made"),
        })))),
        "teamCount": {"type": ["integer", "null"], "description": "How many teams it has (null with teams off)"},
        "invitations": schema::array(schema::object(json!({
            "id": schema::string("Its id"),
            "email": schema::string("Who is invited"),
            "role": nullable_string("The roles it grants, comma-separated"),
            "expiresAt": date_schema("When it expires"),
        }))),
        "invitationCount": {"type": "integer", "description": "How many pending invitations it has"},
    }))
}

/// The caller, if they may do `action` to organizations in the console.
async fn operator(
    ctx: &AuthContext,
    req: &AuthRequest,
    action: &str,
) -> Result<SessionWithUser, ApiError> {
    crate::admin::operator(
        ctx,
        req,
        "organization",
        action,
        YOU_ARE_NOT_ALLOWED_TO_MANAGE_ORGANIZATIONS,
    )
    .await
}

/// An organization id from the body: one that cannot be stored is no organization.
fn organization_id(req: &AuthRequest) -> Result<&str, ApiError> {
    req.str_field("organizationId")
        .filter(|id| !id.is_empty() && id.len() <= 255 && !id.chars().any(char::is_control))
        .ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))
}

/// An organization as the console lists it.
fn summary_json(org: &Row, members: u64) -> serde_json::Value {
    let mut v = serde_json::Value::Object(ordered(
        org,
        &["id", "name", "slug", "logo", "createdAt", DOMAIN],
    ));
    v["members"] = json!(members);
    v["primaryColor"] = json!(text(org, COLOR));
    v
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    operator(ctx, req, "list").await?;
    // Within 1..=100 by `page_limit`.
    let limit = usize::try_from(page_limit(req)?).unwrap_or(1);
    let q = text_query(req, "q")?
        .map(str::trim)
        .filter(|q| !q.is_empty());
    let cursor = match text_query(req, "cursor")? {
        None => None,
        Some(c) => {
            Some(Cursor::parse(c).ok_or_else(|| bad_query("cursor is not one this server gave"))?)
        }
    };
    // A part of a name is what an operator remembers ("acme" for "The Acme Group"), so this
    // is a substring match; organizations are far fewer than users, whose search is a prefix.
    let filter = match q {
        None => Vec::new(),
        Some(q) => vec![
            Where::op("name", WhereOp::Contains, q).or(),
            Where::op("slug", WhereOp::Contains, q.to_lowercase()).or(),
            Where::eq("id", q).or(),
        ],
    };
    let store = ctx.adapter.as_ref();
    let (page, next) = newest_first(
        store,
        ORGANIZATION,
        "createdAt",
        &filter,
        cursor.as_ref(),
        limit,
    )
    .await?;
    let counts = member_counts(store, &page).await?;
    let organizations: Vec<serde_json::Value> = page
        .iter()
        .map(|o| {
            let n = text(o, "id")
                .and_then(|id| counts.get(id))
                .copied()
                .unwrap_or(0);
            summary_json(o, n)
        })
        .collect();
    let next = next.map(|c| c.encode());
    Ok(AuthResponse::json(json!({"organizations": organizations, "nextCursor": next})).no_store())
}

/// How many members each organization of `orgs` has, from one grouped query for the page.
async fn member_counts(store: &dyn Store, orgs: &[Row]) -> Result<HashMap<String, u64>, ApiError> {
    let ids: Vec<Value> = orgs.iter().filter_map(|o| o.get("id").cloned()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let counts = store
        .count_by(
            MEMBER,
            "organizationId",
            &[Where::is_in("organizationId", ids)],
        )
        .await?;
    Ok(counts
        .into_iter()
        .map(|(org, n)| (org, u64::try_from(n).unwrap_or(0)))
        .collect())
}

async fn detail(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    operator(ctx, req, "get").await?;
    let id = text_query(req, "id")?.ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    let store = ctx.adapter.as_ref();
    let org = org_or_404(store, id).await?;
    let by_org = || vec![Where::eq("organizationId", id)];

    let member_total = count_members(store, id).await?;
    let members = store
        .find_many(
            MEMBER,
            &Query::filter(by_org())
                .sort("createdAt", SortDirection::Asc)
                .limit(DETAIL_ROWS),
        )
        .await?;
    let user_ids: Vec<Value> = members
        .iter()
        .filter_map(|m| m.get("userId").cloned())
        .collect();
    let users = if user_ids.is_empty() {
        Vec::new()
    } else {
        store
            .find_many("user", &Query::filter(vec![Where::is_in("id", user_ids)]))
            .await?
    };
    let members: Vec<serde_json::Value> = members
        .iter()
        .map(|m| {
            let user = users.iter().find(|u| text(u, "id") == text(m, "userId"));
            let mut v =
                serde_json::Value::Object(ordered(m, &["id", "userId", "role", "createdAt"]));
            v["email"] = json!(user.and_then(|u| text(u, "email")));
            v["name"] = json!(user.and_then(|u| text(u, "name")));
            v
        })
        .collect();

    let (teams, team_count) = if settings(ctx).teams.is_some() {
        let rows = store
            .find_many(
                super::teams::TEAM,
                &Query::filter(by_org())
                    .sort("createdAt", SortDirection::Asc)
                    .limit(DETAIL_ROWS),
            )
            .await?;
        let total = store.count(super::teams::TEAM, &by_org()).await?;
        let teams: Vec<serde_json::Value> = rows
            .iter()
            .map(|t| {
                json!({
                    "id": text(t, "id"),
                    "name": text(t, "name"),
                    "members": t.get("memberCount").and_then(Value::as_int),
                    "createdAt": t.get("createdAt").map(Value::to_json),
                })
            })
            .collect();
        (Some(teams), Some(total))
    } else {
        (None, None)
    };

    let pending = || {
        let mut w = by_org();
        w.push(Where::eq("status", "pending"));
        w.push(Where::op("expiresAt", WhereOp::Gt, ctx.now()));
        w
    };
    let invitation_total = store.count(INVITATION, &pending()).await?;
    let invitations: Vec<serde_json::Value> = store
        .find_many(
            INVITATION,
            &Query::filter(pending())
                .sort("expiresAt", SortDirection::Asc)
                .limit(DETAIL_ROWS),
        )
        .await?
        .iter()
        .map(|i| serde_json::Value::Object(ordered(i, &["id", "email", "role", "expiresAt"])))
        .collect();

    Ok(AuthResponse::json(json!({
        "organization": summary_json(&org, member_total),
        "branding": branding::branding_json(&org),
        "members": members,
        "teams": teams,
        "teamCount": team_count,
        "invitations": invitations,
        "invitationCount": invitation_total,
    }))
    .no_store())
}

async fn update_branding(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = operator(ctx, req, "update").await?;
    let org_id = organization_id(req)?;
    let set = branding::requested_changes(req)?;
    org_or_404(ctx.adapter.as_ref(), org_id).await?;
    let changed: Vec<serde_json::Value> = [
        ("logo", "logo"),
        (COLOR, "primaryColor"),
        (branding::SENDER_NAME, "senderName"),
    ]
    .iter()
    .filter(|(column, _)| set.contains_key(*column))
    .map(|(_, name)| json!(name))
    .collect();
    let e = AuditEvent::new("organization.admin_update_branding")
        .from_request(req)
        .by(&me)
        .organization(org_id)
        .target("organization", org_id)
        .detail("fields", changed);
    let org = branding::save_branding(ctx, org_id, set, e).await?;
    Ok(AuthResponse::json(branding::branding_json(&org)).no_store())
}

async fn delete(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let mut me = operator(ctx, req, "delete").await?;
    if settings(ctx).disable_deletion {
        return Err(ApiError::new(404, ORGANIZATION_DELETION_DISABLED));
    }
    let org_id = organization_id(req)?;
    let org = org_or_404(ctx.adapter.as_ref(), org_id).await?;
    let e = AuditEvent::new("organization.admin_delete")
        .from_request(req)
        .by(&me)
        .organization(org_id)
        .target("organization", org_id)
        .detail("name", text(&org, "name").unwrap_or_default())
        .detail("slug", text(&org, "slug").unwrap_or_default());
    let mut tx = ctx.begin().await?;
    let forgotten = super::orgs::delete_with_dependents(ctx, &mut tx, org_id).await?;
    audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    super::brand_cache(ctx).invalidate();
    // The administrator may have been a member with it active.
    let cookies = reread_if_forgotten(ctx, req, &mut me, &forgotten).await?;
    Ok(AuthResponse::json(json!({"status": true}))
        .no_store()
        .cookies(cookies))
}
