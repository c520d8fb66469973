//! Per-organization branding (Portcullis's own; Better Auth has none): an organization's name
//! and logo (Better Auth's columns) with a primary colour and an e-mail sender name (new
//! nullable columns `brandColor`, `brandSenderName`), shown by the hosted pages and carried by
//! the e-mails sent for it, and a host name (`domain`) that selects it.
//!
//! - `POST /organization/update-branding`: logo, colour and sender name, by a member holding
//!   `organization: [update]`. `GET /organization/get-branding`: the same, to any member.
//! - `POST /organization/set-domain`: the host name, by a server administrator only (the
//!   `admin` plugin's roles or ids): a domain claims a host, so no member may point another
//!   organization's host at theirs. Stored lower-cased, unique, indexed.
//! - `Plugin::brand`: a request is branded by the invitation it is about, else by a trusted
//!   proxy's `X-Organization-Domain`, else by its `Host`. Domains are looked up in a snapshot
//!   of the organizations that have one, re-read at most every [`CACHE_SECONDS`] by the
//!   context's clock and at once after a change on this instance; with no domain set, a page
//!   costs a map look-up, not a database read.
//! - The admin console (`console.rs`) brands any organization through the same rules and
//!   writes (`requested_changes`, `save_branding`), as an administrator who need not be a member.
//!
//! None of these columns is in Better Auth's answers: `org_json` lists its fields by name.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use http::Method;
use portcullis_core::branding::{BrandOverlay, BrandRequest, PageVisit, domain_name};
use portcullis_core::branding::{is_hex_color, is_logo_url, is_sender_name};
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Field, FieldType, Query, Row, Value, Where, WhereOp};
use serde_json::json;

use super::errors::*;
use super::store::*;
use super::{ORGANIZATION_ID, ORGANIZATION_ID_QUERY};

/// The organization's host name, set by administrators only.
pub const DOMAIN: &str = "domain";
/// The primary colour, a hex colour as `APP_PRIMARY_COLOR`.
pub const COLOR: &str = "brandColor";
/// The sender display name of its e-mails.
pub const SENDER_NAME: &str = "brandSenderName";

/// How long another instance's change may take to be seen here.
pub const CACHE_SECONDS: i64 = 30;

/// The paths whose e-mails are branded by the request's host or header: sign-up and sign-in
/// (verification, the new sign-in notice), verification, password reset, change of address,
/// magic links and one-time codes.
pub const EMAILING_PREFIXES: &[&str] = &[
    "/sign-up",
    "/sign-in",
    "/send-verification-email",
    "/request-password-reset",
    "/forget-password",
    "/change-email",
    "/email-otp/",
    "/two-factor/send-otp",
];

/// The columns this adds to `organization`.
pub fn fields() -> Vec<Field> {
    vec![
        Field::new(DOMAIN, FieldType::String).unique().no_input(),
        Field::new(COLOR, FieldType::String).no_input(),
        Field::new(SENDER_NAME, FieldType::String).no_input(),
    ]
}

pub fn endpoints() -> Vec<Endpoint> {
    let tag = "Organizations";
    vec![
        Endpoint::new(Method::POST, "/organization/update-branding", "updateOrganizationBranding", portcullis_core::handler!(update))
            .summary("Brand an organization", "Portcullis only. Sets the logo, primary colour and e-mail sender name its pages and e-mails show; needs `organization: [update]`. `null` clears a value; an absent one is kept.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                ORGANIZATION_ID,
                FieldSpec::opt("logo", Ty::NullableString, "An https:// URL or a path on this server"),
                FieldSpec::opt("primaryColor", Ty::NullableString, "A hex colour such as #4f46e5"),
                FieldSpec::opt("senderName", Ty::NullableString, "The e-mails' sender name: 1 to 64 characters, no line breaks, quotes or angle brackets"),
            ]))
            .returns(branding_schema()),
        Endpoint::new(Method::GET, "/organization/get-branding", "getOrganizationBranding", portcullis_core::handler!(get))
            .summary("An organization's branding", "Portcullis only. For its members.")
            .tag(tag)
            .auth(Auth::Session)
            .query(&[ORGANIZATION_ID_QUERY])
            .returns(branding_schema()),
        Endpoint::new(Method::POST, "/organization/set-domain", "setOrganizationDomain", portcullis_core::handler!(set_domain))
            .summary("Set an organization's domain", "Portcullis only, for server administrators (the admin plugin's roles): requests for this host, or naming it in `X-Organization-Domain` from a trusted proxy, are branded as the organization. Unique; `null` clears it.")
            .tag(tag)
            .auth(Auth::Session)
            .body(BodySpec::object(vec![
                FieldSpec::req("organizationId", Ty::String, "The organization"),
                FieldSpec::req("domain", Ty::NullableString, "A host name such as acme.example.com, or null"),
            ]))
            .returns(branding_schema()),
    ]
}

pub(super) fn branding_schema() -> serde_json::Value {
    schema::object(json!({
        "organizationId": schema::string("The organization"),
        "name": schema::string("Its name"),
        "logo": schema::nullable(schema::string("Its logo")),
        "primaryColor": schema::nullable(schema::string("Its primary colour")),
        "senderName": schema::nullable(schema::string("Its e-mails' sender name")),
        "domain": schema::nullable(schema::string("The host name that selects it")),
    }))
}

pub(super) fn branding_json(org: &Row) -> serde_json::Value {
    json!({
        "organizationId": text(org, "id"),
        "name": text(org, "name"),
        "logo": text(org, "logo"),
        "primaryColor": text(org, COLOR),
        "senderName": text(org, SENDER_NAME),
        "domain": text(org, DOMAIN),
    })
}

/// The brand an organization row gives: its name, its logo when the pages may show it, its
/// colour and sender name.
pub fn overlay(org: &Row) -> BrandOverlay {
    BrandOverlay {
        key: text(org, "id").unwrap_or_default().to_owned(),
        name: text(org, "name").map(str::to_owned),
        logo_url: text(org, "logo")
            .filter(|l| is_logo_url(l))
            .map(str::to_owned),
        primary_color: text(org, COLOR).map(str::to_owned),
        sender_name: text(org, SENDER_NAME).map(str::to_owned),
        ..Default::default()
    }
    .sanitized()
}

/// One optional text field: absent (keep), `null` or blank (clear), or a value that must pass
/// `rule`.
fn field(
    req: &AuthRequest,
    name: &str,
    rule: fn(&str) -> bool,
    code: portcullis_core::ErrorCode,
) -> Result<Option<Value>, ApiError> {
    match req.field(name) {
        None => Ok(None),
        Some(serde_json::Value::Null) => Ok(Some(Value::Null)),
        Some(serde_json::Value::String(v)) if v.trim().is_empty() => Ok(Some(Value::Null)),
        Some(serde_json::Value::String(v)) if rule(v.trim()) => {
            Ok(Some(Value::String(v.trim().to_owned())))
        }
        Some(_) => Err(bad(code)),
    }
}

fn org_id_of(req: &AuthRequest, s: &portcullis_core::session::SessionWithUser) -> Option<String> {
    req.str_field("organizationId")
        .or_else(|| req.query_param("organizationId"))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| active_org(s))
}

/// The changes a branding request asks for (`logo`, `primaryColor`, `senderName`), checked
/// and normalised: an absent value is kept, `null` or blank clears it, a colour is stored
/// lower-case. Members (`/organization/update-branding`) and the admin console share it.
pub(super) fn requested_changes(req: &AuthRequest) -> Result<Row, ApiError> {
    let mut set = Row::new();
    if let Some(v) = field(req, "logo", is_logo_url, INVALID_LOGO_URL)? {
        set.insert("logo".into(), v);
    }
    if let Some(v) = field(req, "primaryColor", is_hex_color, INVALID_BRAND_COLOR)? {
        // One spelling per colour: its stylesheet's file name is the lower-case hex.
        let v = match v {
            Value::String(c) => Value::String(c.to_ascii_lowercase()),
            other => other,
        };
        set.insert(COLOR.into(), v);
    }
    if let Some(v) = field(req, "senderName", is_sender_name, INVALID_SENDER_NAME)? {
        set.insert(SENDER_NAME.into(), v);
    }
    Ok(set)
}

/// Writes the changes `set` to organization `org_id` with `event`, in one transaction, and
/// drops the domain snapshot so this instance shows them at once. Nothing to change reads the
/// organization as it is. Answers it, or 400 `ORGANIZATION_NOT_FOUND`.
pub(super) async fn save_branding(
    ctx: &AuthContext,
    org_id: &str,
    set: Row,
    event: portcullis_core::audit::AuditEvent,
) -> Result<Row, ApiError> {
    let org = if set.is_empty() {
        find_by_id(ctx.adapter.as_ref(), ORGANIZATION, org_id).await?
    } else {
        let tx = ctx.begin().await?;
        let updated = tx
            .store()
            .update(ORGANIZATION, &[Where::eq("id", org_id)], set)
            .await?;
        if updated.is_some() {
            portcullis_core::audit::record(ctx, tx.store(), event).await?;
            tx.commit().await?;
            super::brand_cache(ctx).invalidate();
        }
        updated
    };
    org.ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))
}

async fn update(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let set = requested_changes(req)?;
    let org_id = org_id_of(req, s).ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    let member = member_who_may_update(ctx, s.user_id(), &org_id).await?;
    let e = super::members::member_event(req, "organization.update_branding", &member).by(s);
    let org = save_branding(ctx, &org_id, set, e).await?;
    Ok(json_ok(branding_json(&org)))
}

async fn get(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let s = req.session()?;
    let org_id = org_id_of(req, s).ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    let store = ctx.adapter.as_ref();
    if member_of(store, s.user_id(), &org_id).await?.is_none() {
        return Err(forbidden(USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION));
    }
    let org = org_or_404(store, &org_id).await?;
    Ok(json_ok(branding_json(&org)))
}

/// A domain names whose pages and mails an organization brands, so only a server
/// administrator may set it, by the admin plugin's rules (`organization:set-domain` under a
/// custom access control, any administrator under the default one) with its step-up. Without
/// that plugin nobody may, and domains can only be set in the database.
async fn set_domain(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    if ctx.plugin::<crate::admin::Admin>().is_none() {
        return Err(forbidden(
            YOU_ARE_NOT_ALLOWED_TO_SET_THE_ORGANIZATION_DOMAIN,
        ));
    }
    let s = &crate::admin::operator(
        ctx,
        req,
        "organization",
        "set-domain",
        YOU_ARE_NOT_ALLOWED_TO_SET_THE_ORGANIZATION_DOMAIN,
    )
    .await?;
    let domain = match req.field("domain") {
        Some(serde_json::Value::String(d)) if !d.trim().is_empty() => Some(
            domain_name(d)
                .filter(|n| n.as_str() == d.trim().to_ascii_lowercase())
                .ok_or_else(|| bad(INVALID_ORGANIZATION_DOMAIN))?,
        ),
        _ => None,
    };
    let org_id = req.str_field("organizationId").unwrap_or_default();
    let store = ctx.adapter.as_ref();
    org_or_404(store, org_id).await?;
    if let Some(d) = &domain
        && let Some(other) = store
            .find_one(ORGANIZATION, &[Where::eq(DOMAIN, d.as_str())])
            .await?
        && text(&other, "id") != Some(org_id)
    {
        return Err(bad(ORGANIZATION_DOMAIN_ALREADY_TAKEN));
    }
    let mut set = Row::new();
    set.insert(
        DOMAIN.into(),
        domain.clone().map(Value::from).unwrap_or(Value::Null),
    );
    let tx = ctx.begin().await?;
    let updated = match tx
        .store()
        .update(ORGANIZATION, &[Where::eq("id", org_id)], set)
        .await
    {
        Ok(row) => row,
        // Two administrators racing for one host: the unique index decides.
        Err(portcullis_storage::StorageError::UniqueViolation) => {
            return Err(bad(ORGANIZATION_DOMAIN_ALREADY_TAKEN));
        }
        Err(e) => return Err(e.into()),
    };
    let e = portcullis_core::audit::AuditEvent::new("organization.set_domain")
        .from_request(req)
        .by(s)
        .organization(org_id)
        .target("organization", org_id)
        .detail("domain", domain.unwrap_or_default());
    portcullis_core::audit::record(ctx, tx.store(), e).await?;
    tx.commit().await?;
    super::brand_cache(ctx).invalidate();
    let org = updated.ok_or_else(|| bad(ORGANIZATION_NOT_FOUND))?;
    Ok(json_ok(branding_json(&org)))
}

/// The organizations that have a domain, by domain, as read at `loaded_at`.
struct Snapshot {
    loaded_at: DateTime<Utc>,
    by_domain: HashMap<String, BrandOverlay>,
}

/// Domain look-ups without a database read per request.
#[derive(Default)]
pub struct BrandCache {
    snapshot: Mutex<Option<Snapshot>>,
}

impl BrandCache {
    /// Forgets the snapshot: the next look-up reads the database again.
    pub fn invalidate(&self) {
        if let Ok(mut s) = self.snapshot.lock() {
            *s = None;
        }
    }

    fn cached(&self, now: DateTime<Utc>, domain: &str) -> Option<Option<BrandOverlay>> {
        let guard = self.snapshot.lock().ok()?;
        let snap = guard.as_ref()?;
        let age = now.signed_duration_since(snap.loaded_at).num_seconds();
        if !(0..CACHE_SECONDS).contains(&age) {
            return None;
        }
        Some(snap.by_domain.get(domain).cloned())
    }

    /// The organization whose domain is `domain`, if any.
    pub async fn by_domain(
        &self,
        ctx: &AuthContext,
        domain: &str,
    ) -> Result<Option<BrandOverlay>, ApiError> {
        let now = ctx.now();
        if let Some(hit) = self.cached(now, domain) {
            return Ok(hit);
        }
        let rows = ctx
            .adapter
            .find_many(
                ORGANIZATION,
                &Query::filter(vec![Where::op(DOMAIN, WhereOp::Ne, Value::Null)]),
            )
            .await?;
        let by_domain: HashMap<String, BrandOverlay> = rows
            .iter()
            .filter_map(|r| Some((text(r, DOMAIN)?.to_owned(), overlay(r))))
            .collect();
        let found = by_domain.get(domain).cloned();
        if let Ok(mut s) = self.snapshot.lock() {
            *s = Some(Snapshot {
                loaded_at: now,
                by_domain,
            });
        }
        Ok(found)
    }
}

/// The invitation a hosted page is about: the landing page's `id`, or, on the sign-in and
/// sign-up pages it sends the invitee to, the landing page named by `redirect`.
fn invitation_of(page: &PageVisit) -> Option<String> {
    let landing = super::invitations::LANDING_PAGE;
    if page.path == landing {
        return page.param("id").map(str::to_owned);
    }
    if !matches!(page.path.as_str(), "/sign-in" | "/sign-up") {
        return None;
    }
    let target = page
        .param("redirect")
        .or_else(|| page.param("callbackURL"))?;
    let (path, query) = target.split_once('?')?;
    if path != landing {
        return None;
    }
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.into_owned())
}

/// The brand for a request: the invitation its page is about, else the trusted proxy's
/// domain, else its host.
pub async fn brand_for(
    ctx: &AuthContext,
    cache: &BrandCache,
    on: &BrandRequest,
) -> Result<Option<BrandOverlay>, ApiError> {
    let invitation = on.page.as_ref().and_then(invitation_of);
    if let Some(id) = invitation
        .as_deref()
        .filter(|id| !id.is_empty() && id.len() <= 128)
    {
        let store = ctx.adapter.as_ref();
        if let Some(inv) = find_by_id(store, INVITATION, id).await?
            && let Some(org) = find_by_id(
                store,
                ORGANIZATION,
                text(&inv, "organizationId").unwrap_or_default(),
            )
            .await?
        {
            return Ok(Some(overlay(&org)));
        }
    }
    for domain in [&on.forwarded_domain, &on.host].into_iter().flatten() {
        if let Some(b) = cache.by_domain(ctx, domain).await? {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(path: &str, query: &[(&str, &str)]) -> PageVisit {
        PageVisit {
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn pages_name_their_invitation() {
        let landing = super::super::invitations::LANDING_PAGE;
        assert_eq!(
            invitation_of(&visit(landing, &[("id", "inv1")])).as_deref(),
            Some("inv1")
        );
        let back = format!("{landing}?id=inv2");
        assert_eq!(
            invitation_of(&visit("/sign-in", &[("redirect", &back)])).as_deref(),
            Some("inv2")
        );
        assert_eq!(
            invitation_of(&visit("/sign-up", &[("redirect", &back)])).as_deref(),
            Some("inv2")
        );
        assert_eq!(
            invitation_of(&visit("/account", &[("redirect", &back)])),
            None
        );
        assert_eq!(
            invitation_of(&visit("/sign-in", &[("redirect", "/elsewhere?id=x")])),
            None
        );
        assert_eq!(invitation_of(&visit("/sign-in", &[])), None);
    }
}
