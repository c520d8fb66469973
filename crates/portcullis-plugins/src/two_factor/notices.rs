//! E-mail notices of changes to the second factor (ASVS 2.5.x): a factor added or removed,
//! backup codes regenerated or one used, a used authenticator code entered again. Sent after the change, with the request described as
//! core's security notices describe it, when `SECURITY_NOTICES` is on.

use portcullis_core::endpoint::AuthRequest;
use portcullis_core::notices::RequestOrigin;
use portcullis_core::{AuthContext, links, session};
use portcullis_storage::{Row, Value};
use serde_json::json;

use super::NOTICE_EMAIL;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    TotpAdded,
    OtpAdded,
    Removed,
    BackupCodesRegenerated,
    BackupCodeUsed {
        left: usize,
    },
    /// A used authenticator code was entered again, and refused.
    TotpReplayed,
}

impl Change {
    fn name(self) -> &'static str {
        match self {
            Change::TotpAdded => "totp-added",
            Change::OtpAdded => "otp-added",
            Change::Removed => "removed",
            Change::BackupCodesRegenerated => "backup-codes-regenerated",
            Change::BackupCodeUsed { .. } => "backup-code-used",
            Change::TotpReplayed => "totp-replayed",
        }
    }
}

pub fn send(ctx: &AuthContext, req: &AuthRequest, user: &Row, change: Change) {
    if !ctx.config.email.security_notices {
        return;
    }
    let Some(to) = user.get("email").and_then(Value::as_str) else {
        return;
    };
    let codes_left = match change {
        Change::BackupCodeUsed { left } => left,
        _ => 0,
    };
    let mut vars = json!({
        "user": session::user_json(ctx, user),
        "change": change.name(),
        "codes_left": codes_left,
        "account_url": links::page_url(ctx, "/account"),
        "reset_url": links::page_url(ctx, "/forgot-password"),
    });
    RequestOrigin::of(ctx, req).insert_into(&mut vars);
    ctx.delivery.send_email(to, NOTICE_EMAIL, vars);
}
