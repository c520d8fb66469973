//! Helpers several HTTP suites share (each suite includes this with `mod common;`).
#![allow(dead_code)] // a suite uses only some of them

use portcullis_plugins::admin::cli;
use portcullis_testkit::prelude::*;

/// An administrator made as an operator makes the first one (`portcullis user create --role
/// admin`, the admin plugin's CLI), signed in through a fresh agent. Answers the agent and the
/// user's id.
pub async fn administrator<'a>(
    srv: &'a TestServer,
    email: &str,
    password: &str,
) -> (Agent<'a>, String) {
    let made = cli::create_user(&srv.app.ctx, email, "Ada Admin", password, Some("admin"))
        .await
        .expect("create the administrator");
    assert_eq!(made.role, "admin");
    let mut agent = srv.agent();
    agent.sign_in(email, password).await;
    (agent, made.id)
}
