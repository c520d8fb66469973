//! What the admin console's "OAuth clients" section reads (administrators, with the admin
//! plugin): `GET /admin/console/oauth-clients`, the clients a page at a time. Every change goes
//! through the admin API of `manage` (`/oauth2/create-client`, `update-client`,
//! `client/rotate-secret`, `delete-client`), which checks the role again and audits it.
//!
//! Better Auth's `/oauth2/get-clients` answers every client in one array (here at most 1000);
//! the console pages by keyset instead, on the unique client id, so a page costs the same
//! however many clients there are and none is skipped or shown twice between pages.

use http::Method;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::openapi::schema;
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Query, SortDirection, Value as Cell, Where, WhereOp};
use serde_json::{Value, json};

use super::clients::{self, Client};
use super::manage::administrator;
use crate::admin::console::lists::{page_limit, text_query};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            Method::GET,
            "/admin/console/oauth-clients",
            "consoleListOAuthClients",
            portcullis_core::handler!(list),
        )
        .tag("Admin console")
        .summary(
            "OAuth clients, a page at a time",
            "The OpenID provider's clients ordered by client id (keyset: pass `nextCursor` back as `cursor`), each as `/oauth2/get-client` answers it, never with its secret. Administrators only (`oauth_client:manage` under a custom access control).",
        )
        .query(&[
            ("cursor", "`nextCursor` of the previous page"),
            ("limit", "Clients per page, 1 to 100 (25)"),
        ])
        .returns(schema::object(json!({
            "clients": schema::array(client_schema()),
            "nextCursor": {"type": ["string", "null"]},
        }))),
    ]
}

/// A client's RFC 7591 metadata as `Client::metadata` writes it.
fn client_schema() -> Value {
    let text = |d: &str| schema::string(d);
    let texts = |d: &str| schema::described(schema::array(json!({"type": "string"})), d);
    schema::object_with(
        json!({
            "client_id": text("The client's id"),
            "client_name": text("Shown on the consent page"),
            "client_uri": text("The application's home page"),
            "logo_uri": text("Its logo"),
            "tos_uri": text("Its terms of service"),
            "policy_uri": text("Its privacy policy"),
            "contacts": texts("Who to contact about it"),
            "redirect_uris": texts("Where codes may be sent"),
            "post_logout_redirect_uris": texts("Where end-session may send the browser back"),
            "token_endpoint_auth_method": schema::one_of(
                &["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
                "`none`: a public client (no secret, PKCE)",
            ),
            "grant_types": texts("Grant types it may use"),
            "response_types": texts("Always `code`"),
            "scope": text("Space-separated scopes it may ask for; absent: every scope offered"),
            "application_type": schema::one_of(&["web", "native"], "`native` allows private-use URI schemes"),
            "disabled": schema::boolean("A disabled client gets no tokens"),
            "dpop_bound_access_tokens": schema::boolean("Always false"),
            "skip_consent": schema::boolean("A trusted first-party client: no consent page"),
            "require_pkce": schema::boolean("Whether a confidential client must use PKCE"),
            "user_id": text("The administrator who made it"),
            "client_id_issued_at": schema::described(json!({"type": "integer"}), "When it was made (seconds since 1970)"),
            "client_secret_expires_at": schema::described(json!({"type": "integer"}), "0: its secret never expires"),
            "jwks": schema::described(json!({"type": "object"}), "A private_key_jwt client's public keys"),
        }),
        &[
            "client_id",
            "redirect_uris",
            "token_endpoint_auth_method",
            "grant_types",
            "disabled",
        ],
    )
}

async fn list(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let limit = page_limit(req)?;
    let after = text_query(req, "cursor")?;
    administrator(ctx, req).await?;
    let wheres = after
        .map(|c| vec![Where::op("clientId", WhereOp::Gt, c.to_owned())])
        .unwrap_or_default();
    let mut query = Query::filter(wheres).sort("clientId", SortDirection::Asc);
    query.limit = Some(limit + 1);
    let rows = ctx.adapter.find_many(clients::TABLE, &query).await?;
    let more = rows.len() as i64 > limit;
    let page = &rows[..rows.len().min(limit as usize)];
    // From the rows, not the clients read from them: an unreadable row still moves the cursor.
    let next = if more {
        page.last()
            .and_then(|r| r.get("clientId"))
            .and_then(Cell::as_str)
            .map(str::to_owned)
    } else {
        None
    };
    let clients: Vec<Value> = page
        .iter()
        .filter_map(Client::from_row)
        .map(|c| c.metadata())
        .collect();
    Ok(AuthResponse::json(json!({"clients": clients, "nextCursor": next})).no_store())
}
