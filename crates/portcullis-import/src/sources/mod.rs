//! The systems users come from, each read into [`Entry`]s in its input's order.

mod auth0;
mod authjs;
mod better_auth;
mod clerk;
mod firebase;
mod keycloak;
mod source_db;
mod supabase;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use portcullis_core::crypto::imported_hash::FirebaseHashConfig;
use portcullis_storage::Schema;

use crate::ImportError;
use crate::person::Entry;

/// Where users come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceKind {
    /// Another Better Auth database (PostgreSQL, MySQL or SQLite URL): every table copied,
    /// sessions included.
    #[value(name = "better-auth")]
    BetterAuth,
    /// An Auth.js (NextAuth) database adapter's tables (PostgreSQL, MySQL or SQLite URL).
    Authjs,
    /// Supabase Auth's `auth.users`, `auth.identities` and `auth.mfa_factors` (PostgreSQL URL).
    Supabase,
    /// Clerk's user export: the dashboard's CSV and/or Backend API users as JSON.
    Clerk,
    /// Auth0's bulk user export (NDJSON), with `--passwords` for the password hashes file.
    Auth0,
    /// Firebase Auth's `auth:export` JSON, with the project's hash parameters.
    Firebase,
    /// A Keycloak realm export (JSON).
    Keycloak,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::BetterAuth => "better-auth",
            SourceKind::Authjs => "authjs",
            SourceKind::Supabase => "supabase",
            SourceKind::Clerk => "clerk",
            SourceKind::Auth0 => "auth0",
            SourceKind::Firebase => "firebase",
            SourceKind::Keycloak => "keycloak",
        }
    }
}

/// What some sources need besides their input.
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    /// Auth0: the password hashes file its support sends (NDJSON).
    pub passwords: Option<PathBuf>,
    /// Firebase: the project's password hash parameters.
    pub firebase: Option<FirebaseHashConfig>,
    /// Better Auth: the source's `BETTER_AUTH_SECRET`, when it differs from this server's:
    /// values it sealed (TOTP secrets, backup codes, OAuth tokens) are sealed again.
    pub source_secret: Option<String>,
}

/// Reads the whole input. Entries that cannot be read come back as [`Entry::Rejected`]; an
/// input that cannot be read at all is an error.
pub async fn read(
    kind: SourceKind,
    inputs: &[String],
    options: &SourceOptions,
    schema: &Schema,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, ImportError> {
    let first = inputs
        .first()
        .ok_or_else(|| ImportError::Input("name the file or database to import from".into()))?;
    let single = || -> Result<&String, ImportError> {
        if inputs.len() > 1 {
            return Err(ImportError::Input(format!(
                "{} takes one input, not {}",
                kind.name(),
                inputs.len()
            )));
        }
        Ok(first)
    };
    match kind {
        SourceKind::BetterAuth => better_auth::read(single()?, schema).await,
        SourceKind::Authjs => authjs::read(single()?).await,
        SourceKind::Supabase => supabase::read(single()?, now).await,
        SourceKind::Clerk => clerk::read(inputs),
        SourceKind::Auth0 => auth0::read(Path::new(single()?), options.passwords.as_deref()),
        SourceKind::Firebase => firebase::read(Path::new(single()?), options.firebase.as_ref()),
        SourceKind::Keycloak => keycloak::read(Path::new(single()?)),
    }
}

fn read_file(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path)
        .map_err(|e| ImportError::Input(format!("{}: {e}", path.display())))
}

/// A JSON string field, trimmed, empty as absent.
fn json_str(v: &serde_json::Value, field: &str) -> Option<String> {
    v.get(field)
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
