//! The e-mail a user gets when a passkey is added to or removed from their account (ASVS
//! 2.5.x: authenticator changes are notified), described like core's security notices: when,
//! from where, on what. Sent after the change committed; `SECURITY_NOTICES=false` stops it.

use portcullis_core::endpoint::AuthRequest;
use portcullis_core::notices::RequestOrigin;
use portcullis_core::{AuthContext, links, session};
use portcullis_delivery::EmailTemplate;
use portcullis_storage::{Row, Value};
use serde_json::json;

/// `templates/email-passkey-changed.html` and `.txt`.
pub const EMAIL: EmailTemplate = EmailTemplate::named("passkey-changed");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
}

pub fn send(ctx: &AuthContext, req: &AuthRequest, user: &Row, change: Change, name: Option<&str>) {
    let to = user
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !ctx.config.email.security_notices || to.is_empty() {
        return;
    }
    let mut vars = json!({
        "user": session::user_json(ctx, user),
        "added": change == Change::Added,
        "passkey_name": name,
        "account_url": links::page_url(ctx, "/account#security"),
        "reset_url": links::page_url(ctx, "/forgot-password"),
    });
    RequestOrigin::of(ctx, req).insert_into(&mut vars);
    ctx.delivery.send_email(to, EMAIL, vars);
}
