//! `passkey`: Better Auth's `@better-auth/passkey` 1.7, wire for wire (`ENABLE_PASSKEYS`).
//!
//! - `settings.rs`: the relying party (`PASSKEY_RP_ID`, `PASSKEY_RP_NAME`, `PASSKEY_ORIGIN`),
//!   checked at start-up.
//! - `ceremony.rs`: registration and authentication through `webauthn-rs-core`, and the
//!   conversion between its credential and Better Auth's row (base64 COSE key, counter,
//!   backup flags), so passkeys Better Auth stored keep signing in and the other way round.
//! - `endpoints.rs`: the seven routes, the `better-auth-passkey` challenge cookie and the
//!   single-use, five-minute challenge rows.
//! - `table.rs`: the `passkey` table as Better Auth declares it.
//! - `notices.rs`: the e-mail sent when a passkey is added or removed.
//! - Hosted pages: "Sign in with a passkey" and passkey autofill on the sign-in page, and a
//!   Passkeys subsection of the account page's Security section (`templates/`, `assets/`).
//!
//! A passkey sign-in goes through core's `issue_session`. With user verification (the
//! authenticator checked a PIN or biometric) it proves two factors (`SignIn::both_factors`);
//! without, it is a first factor. A counter that does not move forward (a cloned key) is
//! refused and reported as a security event; the stored passkey is left as it was.

pub mod ceremony;
pub mod endpoints;
pub mod errors;
pub mod notices;
pub mod settings;
pub mod table;

use async_trait::async_trait;
use portcullis_core::endpoint::Endpoint;
use portcullis_core::error::ErrorCode;
use portcullis_core::plugin_parts::{Asset, Fragment, Messages, Sends, TemplateSource};
use portcullis_core::{AuthContext, Plugin};
use portcullis_storage::Table;

pub use ceremony::RelyingParty;
pub use settings::PasskeySettings;

pub struct Passkey {
    relying_party: RelyingParty,
}

impl Passkey {
    pub fn new(settings: PasskeySettings) -> Self {
        Passkey {
            relying_party: RelyingParty::new(&settings),
        }
    }
}

fn relying_party(ctx: &AuthContext) -> &RelyingParty {
    // Handlers are registered only with the plugin, so it is there.
    match ctx.plugin::<Passkey>() {
        Some(p) => &p.relying_party,
        None => unreachable!("passkey handlers run only with the passkey plugin registered"),
    }
}

#[async_trait]
impl Plugin for Passkey {
    fn id(&self) -> &'static str {
        "passkey"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        vec![table::schema()]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        errors::ALL
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        endpoints::endpoints()
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!(
                "src/passkey/templates",
                "email-passkey-changed.html"
            ),
            portcullis_core::template_source!("src/passkey/templates", "email-passkey-changed.txt"),
        ]
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(notices::EMAIL)]
    }

    fn fragments(&self) -> Vec<Fragment> {
        vec![
            Fragment::new(
                "sign-in.buttons",
                portcullis_core::template_source!(
                    "src/passkey/templates",
                    "passkey-sign-in-button.html"
                ),
            ),
            Fragment::new(
                "account.security",
                portcullis_core::template_source!("src/passkey/templates", "account-passkeys.html"),
            ),
        ]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![
            portcullis_core::asset!(
                "src/passkey/assets",
                "passkey-sign-in.js",
                "text/javascript; charset=utf-8"
            ),
            portcullis_core::asset!(
                "src/passkey/assets",
                "passkey-account.js",
                "text/javascript; charset=utf-8"
            ),
            portcullis_core::asset!(
                "src/passkey/assets",
                "webauthn-json.js",
                "text/javascript; charset=utf-8"
            ),
        ]
    }
}
