//! Notices of keys about to expire (ASVS V2.3.3): once per key, `API_KEY_EXPIRY_NOTICE_DAYS`
//! (default 7) before its `expiresAt`, the owner is mailed which key it is (its name and first
//! characters), when it expires and where to make a new one. Keys owned by an organization
//! have no one person to tell and get no notice.
//!
//! A `verification` row `api-key-expiry-notice:<key id>`, living until the key expires,
//! records that the notice went: a repeated run, or a run on another instance, sends none.

use chrono::Duration;
use portcullis_core::plugin_parts::JobError;
use portcullis_core::{AuthContext, links, session, users, verification};
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Query, Value, Where, WhereOp};
use serde_json::json;

use super::table::TABLE;

/// `templates/email-api-key-expiring.html` and `.txt`.
pub const EMAIL: EmailTemplate = EmailTemplate::named("api-key-expiring");

const MARKER: &str = "api-key-expiry-notice:";

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

/// One run: every enabled key that expires within the notice period and whose owner has not
/// been told yet.
pub async fn run(ctx: &AuthContext) -> Result<(), JobError> {
    let days = super::settings(ctx).expiry_notice_days;
    if days == 0 {
        return Ok(());
    }
    let now = ctx.now();
    let soon = Query::filter(vec![
        Where::op("expiresAt", WhereOp::Gt, now),
        Where::op("expiresAt", WhereOp::Lte, now + Duration::days(days)),
        Where::eq("enabled", true),
    ]);
    for key in ctx.adapter.find_many(TABLE, &soon).await? {
        let text = |k: &str| key.get(k).and_then(Value::as_str).unwrap_or_default();
        let Some(expires) = key.get("expiresAt").and_then(Value::as_date) else {
            continue;
        };
        let marker = format!("{MARKER}{}", text("id"));
        let told = ctx
            .adapter
            .find_one("verification", &[Where::eq("identifier", marker.as_str())])
            .await?;
        if told.is_some() {
            continue;
        }
        let Some(owner) = users::find_user(ctx, text("referenceId"))
            .await
            .map_err(failed)?
        else {
            continue;
        };
        let Some(to) = owner.get("email").and_then(Value::as_str) else {
            continue;
        };
        verification::create_until(ctx, ctx.adapter.as_ref(), &marker, text("id"), expires)
            .await
            .map_err(failed)?;
        let name = match text("name") {
            "" => None,
            n => Some(n),
        };
        ctx.delivery.send_email(
            to,
            EMAIL,
            json!({
                "user": session::user_json(ctx, &owner),
                "key_name": name,
                "key_start": text("start"),
                "expires_at": expires.format("%Y-%m-%d %H:%M UTC").to_string(),
                "days_left": (expires - now).num_days(),
                "account_url": links::page_url(ctx, "/account"),
            }),
        );
    }
    Ok(())
}
