//! Sign-in by proof of a mailbox (magic link, email one-time code): find or create the user
//! the address belongs to.

use portcullis_storage::{Row, Value, Where};

use crate::context::AuthContext;
use crate::endpoint::AuthRequest;
use crate::error::ApiError;
use crate::writes::{AfterCommit, Writes};
use crate::{session, users};

/// The user an address proved by a link or code belongs to.
pub enum ProvenUser {
    Existing(Row),
    /// Created just now (with `emailVerified: true`).
    Created(Row),
    /// No such user, and passwordless sign-up is off.
    SignUpRefused,
}

/// Finds the user for a proven `email`, or creates one when `sign_up` allows it, in `tx`: the
/// transaction that also takes the link or code that proved the address.
///
/// An existing user whose address was never verified loses every account (including a password
/// set at sign-up) and every session before being marked verified: whoever signed up with
/// someone else's address must not keep a way in beside the mailbox's owner.
pub async fn user_for_proven_email(
    ctx: &AuthContext,
    tx: &mut Writes<'_>,
    req: &AuthRequest,
    email: &str,
    name: Option<&str>,
    image: Option<&str>,
    sign_up: bool,
) -> Result<ProvenUser, ApiError> {
    if let Some(user) = users::find_user_by_email_in(tx.store(), email).await? {
        if user.get("emailVerified").and_then(Value::as_bool) == Some(true) {
            return Ok(ProvenUser::Existing(user));
        }
        return take_over_unverified(ctx, tx, user)
            .await
            .map(ProvenUser::Existing);
    }
    if !sign_up || !ctx.config.sign_up_enabled {
        return Ok(ProvenUser::SignUpRefused);
    }
    let mut row = users::new_user_row(
        ctx,
        name.unwrap_or_default(),
        email,
        image,
        &serde_json::Map::new(),
    )?;
    row.insert("emailVerified".into(), true.into());
    users::prepare_user(ctx, req, &mut row);
    tx.create("user", row.clone()).await?;
    req.state.set_created_user(std::sync::Arc::new(row.clone()));
    let welcome = row.clone();
    tx.after_commit(AfterCommit::Run(Box::new(move |ctx| {
        Box::pin(async move { crate::routes::email_verification::send_welcome(ctx, &welcome) })
    })))
    .await;
    Ok(ProvenUser::Created(row))
}

async fn take_over_unverified(
    ctx: &AuthContext,
    tx: &mut Writes<'_>,
    mut user: Row,
) -> Result<Row, ApiError> {
    let user_id = user
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let now = ctx.now();
    tx.delete_many("account", &[Where::eq("userId", user_id.as_str())])
        .await?;
    tx.delete_sessions(session::Sessions::All { user_id: &user_id })
        .await?;
    let mut set = Row::new();
    set.insert("emailVerified".into(), true.into());
    set.insert("updatedAt".into(), now.into());
    tx.update_user(&user_id, set).await?;
    user.insert("emailVerified".into(), true.into());
    user.insert("updatedAt".into(), now.into());
    Ok(user)
}
