//! The JSON shapes Better Auth returns for sessions and users: a row keeps only the fields a
//! response may carry (`PublicRow` decides which), and a session carries the raw token where
//! the caller holds it.

use portcullis_storage::{Row, Table};
use serde_json::json;

use super::SessionWithUser;
use crate::context::AuthContext;
use crate::row_json::PublicRow;

/// JSON of a row, keeping only the fields a response may carry (`PublicRow` decides which).
pub fn public_json(table: &Table, row: &Row) -> serde_json::Value {
    public_row_value(PublicRow {
        table,
        row,
        token: None,
    })
}

pub fn user_json(ctx: &AuthContext, user: &Row) -> serde_json::Value {
    public_json(ctx.user_table(), user)
}

/// Session JSON. The stored token is a hash; the response carries the raw token where known.
pub fn session_json(
    ctx: &AuthContext,
    session: &Row,
    raw_token: Option<&str>,
) -> serde_json::Value {
    public_row_value(PublicRow {
        table: ctx.session_table(),
        row: session,
        token: raw_token,
    })
}

fn public_row_value(row: PublicRow<'_>) -> serde_json::Value {
    // Rows hold strings, numbers and JSON values only: serializing them cannot fail.
    serde_json::to_value(row).unwrap_or_default()
}

/// `session_with_user_json` written straight to JSON text (the get-session answer).
pub fn session_with_user_bytes(ctx: &AuthContext, s: &SessionWithUser) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        session: PublicRow<'a>,
        user: PublicRow<'a>,
    }
    let answer = Answer {
        session: PublicRow {
            table: ctx.session_table(),
            row: &s.session,
            token: Some(&s.token),
        },
        user: PublicRow {
            table: ctx.user_table(),
            row: &s.user,
            token: None,
        },
    };
    // Rows hold strings, numbers and JSON values only: serializing them cannot fail.
    serde_json::to_vec(&answer).unwrap_or_default()
}

pub fn session_with_user_json(ctx: &AuthContext, s: &SessionWithUser) -> serde_json::Value {
    json!({
        "session": session_json(ctx, &s.session, Some(&s.token)),
        "user": user_json(ctx, &s.user),
    })
}
