//! The Portcullis engine: configuration, `AuthContext`, the plugin seam, the endpoint registry,
//! Better Auth's errors, crypto, cookies, sessions and the core endpoints. It knows nothing of
//! the HTTP server: requests come in as `RawRequest` and leave as `AuthResponse`.

pub mod audit;
pub mod branding;
pub mod breached;
pub mod clock;
pub mod config;
pub mod context;
pub mod cookies;
pub mod crypto;
pub mod decoded_rows;
pub mod deferred;
pub mod delivery_health;
pub mod endpoint;
pub mod engine;
pub mod error;
pub mod issue;
pub mod links;
pub mod lockout;
pub mod metrics;
pub mod notices;
pub mod one_time_code;
pub mod openapi;
pub mod origin;
pub mod passwordless;
pub mod plugin;
pub mod plugin_parts;
pub mod rate_limit;
pub mod request_state;
pub mod root_routes;
pub mod routes;
pub mod row_json;
pub mod security_event;
pub mod session;
pub mod switches;
pub mod users;
pub mod validate;
pub mod verification;
pub mod writes;

pub use config::{Config, ConfigError, Sources};
pub use context::AuthContext;
pub use endpoint::{
    AccessNote, Auth, AuthRequest, AuthResponse, Body, Endpoint, ResponseBody, ResponseDoc,
};
pub use engine::{EngineParts, RawRequest};
pub use error::{ApiError, ErrorCode};
pub use issue::{Issued, SignIn, issue_session, issue_session_in};
pub use plugin::{Before, PageRenderer, Plugin};
pub use request_state::{IssuedSession, RequestState};
pub use writes::{AfterCommit, Writes};
