//! Scenarios: each is an `async fn(&TestServer)`, run once per database backend.

pub mod config;
pub mod email_flows;
pub mod misc;
pub mod rate_limit;
pub mod session;
pub mod sign_in;
pub mod sign_up;
pub mod storage;
pub mod user;
