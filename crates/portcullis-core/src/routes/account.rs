//! `GET /list-accounts`

use http::Method;
use portcullis_storage::{Query, SortDirection, Value, Where};
use serde_json::json;

use crate::context::AuthContext;
use crate::endpoint::{Auth, AuthRequest, AuthResponse, Endpoint};
use crate::error::ApiError;
use crate::openapi::schema;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new(
            Method::GET,
            "/list-accounts",
            "listUserAccounts",
            crate::handler!(list_accounts),
        )
        .summary(
            "List linked accounts",
            "The user's accounts: `credential` for email and password, one per linked provider.",
        )
        .tag("User")
        .auth(Auth::Session)
        .returns(schema::array(schema::account())),
    ]
}

async fn list_accounts(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let me = req.session()?;
    let rows = ctx
        .adapter
        .find_many(
            "account",
            // Oldest first, the order Better Auth's rows come back in: without an ORDER BY,
            // PostgreSQL may return a row first that reused space freed by deleted accounts.
            &Query::filter(vec![Where::eq("userId", me.user_id())])
                .sort("createdAt", SortDirection::Asc),
        )
        .await?;
    let list: Vec<_> = rows
        .iter()
        .map(|a| {
            let get = |k: &str| {
                a.get(k)
                    .map(Value::to_json)
                    .unwrap_or(serde_json::Value::Null)
            };
            let scopes: Vec<String> = a
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| {
                    s.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "id": get("id"),
                "providerId": get("providerId"),
                "accountId": get("accountId"),
                "userId": get("userId"),
                "createdAt": get("createdAt"),
                "updatedAt": get("updatedAt"),
                "scopes": scopes,
            })
        })
        .collect();
    Ok(AuthResponse::json(serde_json::Value::Array(list)).no_store())
}
