//! Trust Portcullis (Better Auth) users in a Rust backend.
//!
//! An [`Authenticator`] tells who a request is by, in this order:
//!
//! - an **API key** header (`x-api-key`), answered by Portcullis's get-session when it runs
//!   the api-key plugin with `API_KEY_ENABLE_SESSIONS=true`;
//! - `Authorization: Bearer <JWT>` (three base64url parts), verified here against the key set
//!   from `/api/auth/jwks`, which is cached and fetched again when a token names an unknown
//!   `kid` (at most once per [`Config::jwks_refetch_interval`]). A JWT stays valid until it
//!   expires, whatever happens to its session;
//! - `Authorization: Bearer <session token>` (the bearer plugin) or the **session cookie**,
//!   answered by get-session and cached for [`Config::session_cache_ttl`] (default 5 s): the
//!   longest a signed-out session or revoked key keeps working here.
//!
//! [`AuthLayer`] runs it on each request; handlers take [`Identity`], [`User`] or [`Session`]
//! (401 `{code, message}` without a valid credential), or `Option<..>` of them.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use portcullis_client::{Authenticator, Config, User};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = Authenticator::new(Config::new("https://auth.example.com"))?;
//! let app: Router = Router::new()
//!     .route("/me", get(|user: User| async move { user.email }))
//!     .route("/", get(|user: Option<User>| async move { format!("{:?}", user.map(|u| u.name)) }))
//!     .layer(auth.layer());
//! # Ok(()) }
//! ```

mod authenticator;
mod config;
mod error;
mod extract;
mod layer;
mod types;

pub use authenticator::Authenticator;
pub use config::{Clock, Config};
pub use error::{AuthError, ConfigError};
pub use layer::{AuthLayer, AuthOutcome, AuthService};
pub use types::{Identity, Method, Session, User};
