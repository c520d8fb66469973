//! Better Auth's core endpoints.

mod account;
pub mod email_verification;
mod misc;
pub mod password_reset;
pub mod session;
pub mod sign_in;
mod sign_up;
mod user;

pub use misc::escape_html;

use crate::endpoint::Endpoint;

pub fn core_endpoints() -> Vec<Endpoint> {
    let mut v = Vec::new();
    v.extend(sign_up::endpoints());
    v.extend(sign_in::endpoints());
    v.extend(session::endpoints());
    v.extend(user::endpoints());
    v.extend(account::endpoints());
    v.extend(misc::endpoints());
    v.extend(email_verification::endpoints());
    v.extend(password_reset::endpoints());
    v
}
