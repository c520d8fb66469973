//! `oidc_provider`: Portcullis as an OpenID Connect provider, following Better Auth 1.7's
//! `@better-auth/oauth-provider` for paths and tables (so a Better Auth database's clients,
//! consents and tokens keep working) and the standards where it is silent.
//!
//! - Only the authorization code flow, with PKCE (S256; required of public clients), `state`,
//!   `nonce`, `prompt`, `max_age`, `login_hint`, `response_mode=query|form_post`, and exact
//!   redirect URI matching (`authorize`).
//! - `/oauth2/token`: the code, refresh with rotation and reuse detection, client credentials
//!   and the device code of the `device_authorization` plugin; clients authenticate by
//!   `client_secret_basic`, `client_secret_post` or `none` (`token_endpoint`, `clients`).
//! - ID tokens signed by the jwt plugin's key ring, so `/jwks` verifies them (`tokens`);
//!   `userinfo`, `introspect`, `revoke` (`resource`); RP-initiated logout (`logout`);
//!   discovery (`discovery`); client management and RFC 7591 registration (`manage`);
//!   consents, listed and revoked on the account page (`consents`).
//! - With the admin plugin, the admin console's "OAuth clients" section (`console`): the
//!   clients a page at a time, registered, edited, given a new secret and deleted through the
//!   admin API above.

mod authorize;
pub mod clients;
mod consents;
mod console;
mod discovery;
pub mod errors;
mod form_post;
mod logout;
pub mod manage;
mod resource;
pub mod settings;
mod token_endpoint;
mod tokens;

use async_trait::async_trait;
use http::Method;
use portcullis_core::endpoint::{Auth, Endpoint};
use portcullis_core::handler;
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::{Asset, ExpiringTable, Fragment, Messages, Page};
use portcullis_core::rate_limit::PathRule;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, ErrorCode, Plugin};
use portcullis_storage::{Field, FieldType, Table};
use serde_json::json;

pub use settings::OidcProviderSettings;

/// The hosted consent page.
pub const CONSENT_PAGE: &str = "/oauth/consent";

pub struct OidcProvider {
    settings: OidcProviderSettings,
    /// RFC 8414's root metadata path for this base path, kept for the process's life
    /// (endpoints name `'static` paths).
    authorization_server_root: &'static str,
    /// The admin console's "OAuth clients" section is served only with the admin plugin, whose
    /// console shows it and whose roles decide who may use it.
    with_admin: bool,
}

impl OidcProvider {
    pub fn new(settings: OidcProviderSettings, base_path: &str, with_admin: bool) -> Self {
        let authorization_server_root: &'static str = Box::leak(
            format!("/.well-known/oauth-authorization-server{base_path}").into_boxed_str(),
        );
        OidcProvider {
            settings,
            authorization_server_root,
            with_admin,
        }
    }

    pub fn settings(&self) -> &OidcProviderSettings {
        &self.settings
    }
}

fn plugin(ctx: &AuthContext) -> &OidcProvider {
    match ctx.plugin::<OidcProvider>() {
        Some(p) => p,
        None => unreachable!("OpenID provider handlers run only with its plugin registered"),
    }
}

/// The issuer: the auth URL (base URL and base path), where the discovery document is.
pub fn issuer(ctx: &AuthContext) -> String {
    ctx.config.auth_url()
}

/// Whether `/oauth2/token` takes the device code grant: only beside the device plugin.
fn device_grant_offered(ctx: &AuthContext) -> bool {
    ctx.plugin::<crate::device_authorization::DeviceAuthorization>()
        .is_some()
}

fn client_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::opt("client_name", Ty::String, "Shown on the consent page"),
        FieldSpec::opt(
            "redirect_uris",
            Ty::Any,
            "Where codes may be sent: exact https URLs, or http on a loopback address",
        ),
        FieldSpec::opt(
            "post_logout_redirect_uris",
            Ty::Any,
            "Where end-session may send the browser back",
        ),
        FieldSpec::opt(
            "token_endpoint_auth_method",
            Ty::OneOf(&[
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "none",
            ]),
            "`none` makes a public client (no secret, PKCE required); `private_key_jwt` one that signs assertions with its `jwks`",
        ),
        FieldSpec::opt(
            "jwks",
            Ty::Any,
            "The public keys (a JWK Set) a `private_key_jwt` client signs with",
        ),
        FieldSpec::opt("grant_types", Ty::Any, "Grant types it may use"),
        FieldSpec::opt("scope", Ty::String, "Space-separated scopes it may ask for"),
        FieldSpec::opt(
            "skip_consent",
            Ty::Boolean,
            "A trusted first-party client: no consent page",
        ),
        FieldSpec::opt(
            "require_pkce",
            Ty::Boolean,
            "Whether a confidential client must use PKCE (default true)",
        ),
        FieldSpec::opt("logo_uri", Ty::String, "Logo shown on the consent page"),
        FieldSpec::opt("client_uri", Ty::String, "The application's home page"),
        FieldSpec::opt("tos_uri", Ty::String, "Its terms of service"),
        FieldSpec::opt("policy_uri", Ty::String, "Its privacy policy"),
        FieldSpec::opt(
            "application_type",
            Ty::OneOf(&["web", "native"]),
            "`native` allows private-use URI schemes",
        ),
        FieldSpec::opt("enable_end_session", Ty::Boolean, "Put `sid` in ID tokens"),
    ])
}

fn client_id_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::req("client_id", Ty::String, "The client's id").non_empty(),
    ])
}

fn id_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::req("id", Ty::String, "The consent's id").non_empty(),
    ])
}

fn oauth_json(what: &'static str) -> serde_json::Value {
    schema::described(json!({"type": "object"}), what)
}

#[async_trait]
impl Plugin for OidcProvider {
    fn id(&self) -> &'static str {
        "oidc-provider"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn hooks(&self) -> portcullis_core::plugin::Hooks {
        portcullis_core::plugin::Hooks {
            sessions_ended: !self.settings.tokens_outlive_sessions,
            ..Default::default()
        }
    }

    async fn sessions_ended(
        &self,
        ctx: &AuthContext,
        store: &dyn portcullis_storage::Store,
        ended: &portcullis_core::plugin::EndedSessions<'_>,
    ) -> Result<(), ApiError> {
        tokens::revoke_for_sessions(ctx, store, ended).await
    }

    fn schema(&self) -> Vec<Table> {
        let s = |n: &str| Field::new(n, FieldType::String);
        let j = |n: &str| Field::new(n, FieldType::Json);
        let d = |n: &str| Field::new(n, FieldType::Date);
        let b = |n: &str| Field::new(n, FieldType::Boolean);
        let token_fields = |refresh: bool| {
            let mut f = vec![
                s("token").required().unique().hidden(),
                s("clientId").required().index(),
                s("sessionId").index(),
                s("userId").index(),
                s("referenceId"),
                s("authorizationCodeId").index(),
                j("resources"),
                j("requestedUserInfoClaims"),
                d("expiresAt").required(),
                d("createdAt").required(),
                d("revoked"),
                j("confirmation"),
                j("scopes").required(),
            ];
            if refresh {
                f.extend([
                    d("rotatedAt"),
                    s("rotationReplayResponse").hidden(),
                    d("rotationReplayExpiresAt"),
                    d("authTime"),
                ]);
            } else {
                f.push(s("refreshId").index());
            }
            f
        };
        vec![
            Table::new(
                clients::TABLE,
                vec![
                    s("clientId").required().unique(),
                    s("clientSecret").hidden(),
                    s("clientDiscoveryId"),
                    b("disabled").default(false),
                    b("skipConsent"),
                    b("enableEndSession"),
                    s("subjectType"),
                    j("scopes"),
                    j("clientCredentialsScopes"),
                    s("userId").index(),
                    d("createdAt"),
                    d("updatedAt"),
                    s("name"),
                    s("uri"),
                    s("icon"),
                    j("contacts"),
                    s("tos"),
                    s("policy"),
                    s("softwareId"),
                    s("softwareVersion"),
                    s("softwareStatement"),
                    j("redirectUris").required(),
                    j("postLogoutRedirectUris"),
                    s("backchannelLogoutUri"),
                    b("backchannelLogoutSessionRequired"),
                    s("tokenEndpointAuthMethod"),
                    s("applicationType"),
                    s("jwks"),
                    s("jwksUri"),
                    j("grantTypes"),
                    j("responseTypes"),
                    b("requirePKCE"),
                    b("dpopBoundAccessTokens"),
                    s("referenceId"),
                    j("metadata"),
                ],
            ),
            Table::new(tokens::REFRESH, token_fields(true)),
            Table::new(tokens::ACCESS, token_fields(false)),
            Table::new(
                consents::TABLE,
                vec![
                    s("clientId").required().index(),
                    s("userId").index(),
                    s("referenceId"),
                    j("resources"),
                    j("requestedUserInfoClaims"),
                    j("scopes").required(),
                    d("createdAt").required(),
                    d("updatedAt").required(),
                ],
            ),
        ]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        errors::ALL
    }

    fn rate_limit_rules(&self) -> Vec<PathRule> {
        vec![
            // A client polls or refreshes often, but never hundreds of times a minute.
            PathRule::exact("/oauth2/token", 60, 120),
            PathRule::exact("/oauth2/register", 60, 10),
        ]
    }

    fn expiring_tables(&self) -> Vec<ExpiringTable> {
        vec![
            ExpiringTable::new(tokens::ACCESS, "expiresAt"),
            ExpiringTable::new(tokens::REFRESH, "expiresAt"),
        ]
    }

    fn root_endpoints(&self) -> Vec<Endpoint> {
        let doc = |path: &'static str, op: &'static str| {
            Endpoint::new(
                Method::GET,
                path,
                op,
                handler!(discovery::openid_configuration),
            )
            .summary(
                "Provider metadata",
                "The same document as under the base path, for clients that look at the root.",
            )
            .tag("OpenID provider")
            .returns(oauth_json("OpenID Connect Discovery / RFC 8414 metadata"))
        };
        vec![
            doc(
                "/.well-known/openid-configuration",
                "openIdConfigurationAtRoot",
            ),
            doc(
                self.authorization_server_root,
                "oauthAuthorizationServerAtRoot",
            ),
        ]
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        let tag = "OpenID provider";
        let get =
            |p: &'static str, op: &'static str, h| Endpoint::new(Method::GET, p, op, h).tag(tag);
        let post =
            |p: &'static str, op: &'static str, h| Endpoint::new(Method::POST, p, op, h).tag(tag);
        // Clients post form bodies from their servers, with no cookie: the session's origin
        // check does not apply, and nothing here acts on a session.
        let form = |mut e: Endpoint| {
            e.accepts_form = true;
            e
        };
        let mut list = vec![
            get("/.well-known/openid-configuration", "openIdConfiguration", handler!(discovery::openid_configuration))
                .summary("OpenID Connect discovery", "The provider's metadata, at the issuer.")
                .returns(oauth_json("Provider metadata")),
            get("/.well-known/oauth-authorization-server", "oauthAuthorizationServer", handler!(discovery::openid_configuration))
                .summary("RFC 8414 metadata", "The same document as OpenID Connect discovery.")
                .returns(oauth_json("Provider metadata")),
            get("/oauth2/authorize", "oauth2Authorize", handler!(authorize::authorize))
                .summary(
                    "Authorization request",
                    "Starts the code flow: sends the browser to sign in or consent when needed, then to the client's redirect URI with `code`, `state` and `iss`. Errors before the client and redirect URI are known go to the error page.",
                )
                .redirects("To the client, the sign-in page, the consent page or the error page"),
            form(
                post("/oauth2/authorize", "oauth2AuthorizePost", handler!(authorize::authorize))
                    .summary("Authorization request (POST)", "As the GET, with the parameters form-encoded.")
                    .redirects("As the GET"),
            ),
            post("/oauth2/consent", "oauth2Consent", handler!(authorize::consent))
                .summary("Answer the consent page", "Records the user's consent (or denial) for the signed request and answers where the browser goes next.")
                .auth(Auth::Sensitive)
                .body(BodySpec::object(vec![
                    FieldSpec::req("accept", Ty::Boolean, "Whether the user allows the request"),
                    FieldSpec::req("oauth_query", Ty::String, "The consent page's query string, as given"),
                    FieldSpec::opt("scope", Ty::String, "Fewer scopes than asked, space-separated"),
                ]))
                .returns(schema::object(json!({
                    "redirect": schema::always_true("Always true"),
                    "url": schema::string("Where to send the browser"),
                }))),
            form(
                post("/oauth2/token", "oauth2Token", handler!(token_endpoint::token))
                    .summary("Token endpoint", "Exchanges a code, a refresh token, client credentials or a device code for tokens. Errors are RFC 6749 `{error, error_description}`.")
                    .returns(oauth_json("`{access_token, token_type, expires_in, scope, refresh_token?, id_token?}`")),
            ),
            get("/oauth2/userinfo", "oauth2UserInfo", handler!(resource::userinfo))
                .summary("UserInfo", "The user's claims for the access token's scopes (`Authorization: Bearer`).")
                .returns(oauth_json("Claims")),
            form(
                post("/oauth2/userinfo", "oauth2UserInfoPost", handler!(resource::userinfo))
                    .summary("UserInfo (POST)", "As the GET; the token may also be the `access_token` form field.")
                    .returns(oauth_json("Claims")),
            ),
            form(
                post("/oauth2/introspect", "oauth2Introspect", handler!(resource::introspect))
                    .summary("Token introspection (RFC 7662)", "Whether a token is active, and what it stands for. Needs client authentication.")
                    .returns(oauth_json("`{active, ...}`")),
            ),
            form(
                post("/oauth2/revoke", "oauth2Revoke", handler!(resource::revoke))
                    .summary("Token revocation (RFC 7009)", "Revokes an access or refresh token of the calling client; a refresh token takes its access tokens with it.")
                    .returns(oauth_json("Empty object")),
            ),
            get("/oauth2/end-session", "oauth2EndSession", handler!(logout::end_session))
                .summary("RP-initiated logout", "Signs the browser out of the user's session named by `id_token_hint`, then returns to a registered `post_logout_redirect_uri`.")
                .redirects("To the client or the sign-in page"),
            form(
                post("/oauth2/end-session", "oauth2EndSessionPost", handler!(logout::end_session))
                    .summary("RP-initiated logout (POST)", "As the GET, form-encoded.")
                    .redirects("As the GET"),
            ),
            post("/oauth2/create-client", "oauth2CreateClient", handler!(manage::create_client))
                .summary("Create a client", "RFC 7591 metadata in; the client and, for a confidential one, its secret (shown once) out. Administrators only.")
                .auth(Auth::Sensitive)
                .body(client_body())
                .response(
                    201,
                    "The client's metadata, with `client_secret` for a confidential one",
                    portcullis_core::endpoint::ResponseBody::Json(oauth_json("Client metadata")),
                ),
            get("/oauth2/get-client", "oauth2GetClient", handler!(manage::get_client))
                .summary("Get a client", "Administrators only.")
                .auth(Auth::Sensitive)
                .query(&[("client_id", "The client's id")])
                .returns(oauth_json("The client's metadata")),
            get("/oauth2/get-clients", "oauth2GetClients", handler!(manage::get_clients))
                .summary("List clients", "Administrators only.")
                .auth(Auth::Sensitive)
                .returns(schema::array(oauth_json("A client's metadata"))),
            post("/oauth2/update-client", "oauth2UpdateClient", handler!(manage::update_client))
                .summary("Update a client", "`{client_id, update}`: the metadata given replaces what is stored. Administrators only.")
                .auth(Auth::Sensitive)
                .body(BodySpec::object(vec![
                    FieldSpec::req("client_id", Ty::String, "The client's id").non_empty(),
                    FieldSpec::req("update", Ty::Any, "RFC 7591 metadata, and `disabled`"),
                ]))
                .returns(oauth_json("The client's metadata")),
            post("/oauth2/client/rotate-secret", "oauth2RotateClientSecret", handler!(manage::rotate_secret))
                .summary("Rotate a client's secret", "The old secret stops working at once; the new one is shown once. Administrators only.")
                .auth(Auth::Sensitive)
                .body(client_id_body())
                .returns(oauth_json("The client's metadata, with `client_secret`")),
            post("/oauth2/delete-client", "oauth2DeleteClient", handler!(manage::delete_client))
                .summary("Delete a client", "With its consents and tokens. Administrators only.")
                .auth(Auth::Sensitive)
                .body(client_id_body())
                .returns(schema::success()),
            get("/oauth2/public-client", "oauth2PublicClient", handler!(manage::public_client))
                .summary("A client's public face", "Name, logo and links, as the consent page shows them.")
                .auth(Auth::Session)
                .query(&[("client_id", "The client's id")])
                .returns(oauth_json("`{client_id, client_name, logo_uri, ...}`")),
            get("/oauth2/get-consents", "oauth2GetConsents", handler!(consents::list))
                .summary("Your consents", "The applications you allowed, newest first.")
                .auth(Auth::Session)
                .returns(schema::array(oauth_json("A consent"))),
            get("/oauth2/get-consent", "oauth2GetConsent", handler!(consents::get))
                .summary("One of your consents", "")
                .auth(Auth::Session)
                .query(&[("id", "The consent's id")])
                .returns(oauth_json("A consent")),
            post("/oauth2/update-consent", "oauth2UpdateConsent", handler!(consents::update))
                .summary("Narrow a consent", "`{id, update: {scopes}}`: only scopes already granted.")
                .auth(Auth::Session)
                .body(BodySpec::object(vec![
                    FieldSpec::req("id", Ty::String, "The consent's id").non_empty(),
                    FieldSpec::req("update", Ty::Any, "`{scopes: [...]}`"),
                ]))
                .returns(oauth_json("The consent")),
            post("/oauth2/delete-consent", "oauth2DeleteConsent", handler!(consents::delete))
                .summary("Revoke a consent", "The application loses its tokens at once.")
                .auth(Auth::Session)
                .body(id_body())
                .returns(schema::success()),
        ];
        if self.settings.dynamic_registration {
            list.push(
                post(
                    "/oauth2/register",
                    "oauth2Register",
                    handler!(manage::register),
                )
                .summary(
                    "Dynamic client registration (RFC 7591)",
                    "Open registration: anyone may register a client, never a trusted one.",
                )
                .body(client_body())
                .response(
                    201,
                    "The registered client, with `client_secret` for a confidential one",
                    portcullis_core::endpoint::ResponseBody::Json(oauth_json("Client metadata")),
                ),
            );
        }
        if self.with_admin {
            list.extend(console::endpoints());
        }
        list
    }

    fn pages(&self) -> Vec<Page> {
        vec![Page::new(
            CONSENT_PAGE,
            portcullis_core::template_source!("src/oidc_provider/templates", "oauth-consent.html"),
            "oidc-provider-consent-title",
        )]
    }

    /// "Connected apps" on the account page; with the admin plugin, the admin console's
    /// "OAuth clients".
    fn fragments(&self) -> Vec<Fragment> {
        let mut v = vec![Fragment::account_section(
            "connected-apps",
            "oidc-provider-connected-apps",
            portcullis_core::template_source!(
                "src/oidc_provider/templates",
                "account-connected-apps.html"
            ),
        )];
        if self.with_admin {
            v.push(Fragment::admin_section(
                "oauth-clients",
                "oidc-provider-console-title",
                portcullis_core::template_source!(
                    "src/oidc_provider/templates",
                    "admin-oauth-clients.html"
                ),
            ));
        }
        v
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn assets(&self) -> Vec<Asset> {
        let js = "text/javascript; charset=utf-8";
        let mut v = vec![
            portcullis_core::asset!("src/oidc_provider/assets", "oidc-consent.js", js),
            portcullis_core::asset!("src/oidc_provider/assets", "oidc-connected-apps.js", js),
            portcullis_core::asset!("src/oidc_provider/assets", "oidc-form-post.js", js),
        ];
        if self.with_admin {
            v.push(portcullis_core::asset!(
                "src/oidc_provider/assets",
                "admin-oauth-clients.js",
                js
            ));
        }
        v
    }
}
