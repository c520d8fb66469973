//! Scenarios: each is an `async fn(&TestServer)`, run once per database backend.

pub mod anonymous;
pub mod breached;
pub mod config;
pub mod email_flows;
pub mod email_otp;
pub mod hosted_flows;
pub mod magic_link;
pub mod misc;
pub mod notices;
pub mod phone_number;
pub mod plugin_seams;
pub mod rate_limit;
pub mod seam;
pub mod security;
pub mod session;
pub mod sign_in;
pub mod sign_up;
pub mod storage;
pub mod user;
pub mod username;
