//! `oauth`: sign-in with social and generic OAuth 2.0 / OpenID Connect providers, and account
//! linking, as Better Auth 1.7.25 (its core social routes and its `generic-oauth` plugin,
//! whose providers go through the same routes).
//!
//! - `POST /sign-in/social` answers `{url, redirect}` (and `Location`) to the provider's
//!   authorization page, with `state`, PKCE S256 and, for OpenID providers, a `nonce`;
//!   with `idToken` it signs in from a provider's ID token verified against its JWKS.
//! - `GET|POST /callback/:providerId` checks the state (`state.rs`), exchanges the code, reads
//!   the profile (`provider.rs`), finds, links or creates the user (`accounts.rs`) and issues
//!   the session through core's one issuance path, so a second factor can hold it back.
//! - `POST /link-social`, `POST /unlink-account`, `POST /get-access-token` (refreshes an
//!   expired token), `POST /refresh-token`, `GET /account-info`; `GET /list-accounts` is
//!   core's.
//! - The paths earlier `generic-oauth` clients call: `POST /sign-in/oauth2`,
//!   `GET /oauth2/callback/:providerId`, `POST /oauth2/link`.
//!
//! Settings: `settings.rs`.

pub mod accounts;
mod endpoints;
mod marks;
pub mod provider;
pub mod settings;
pub mod state;

use std::sync::Arc;

use async_trait::async_trait;
use http::Method;
use portcullis_core::endpoint::{Auth, AuthRequest, AuthResponse, Body, Endpoint};
use portcullis_core::error::ErrorCode;
use portcullis_core::openapi::schema;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{Asset, Fragment, Messages, Sends, TemplateSource};
use portcullis_core::session;
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{AuthContext, Plugin};
use portcullis_delivery::EmailTemplate;
use serde_json::json;

pub use settings::OAuthSettings;

use provider::Provider;

portcullis_core::error_codes! {
    PROVIDER_NOT_FOUND => "Provider not found",
    ID_TOKEN_NOT_SUPPORTED => "id_token not supported",
    USER_EMAIL_NOT_FOUND => "User email not found",
    SOCIAL_ACCOUNT_ALREADY_LINKED => "Social account already linked",
    FAILED_TO_UNLINK_LAST_ACCOUNT => "You can't unlink your last account",
    OAUTH_LINK_ERROR => "Unable to link the account",
    LINKING_NOT_ALLOWED => "Account not linked - linking not allowed",
    LINKING_DIFFERENT_EMAILS_NOT_ALLOWED => "Account not linked - different emails not allowed",
    LINKING_FAILED => "Account not linked - unable to create account",
    PROVIDER_NOT_SUPPORTED => "Provider is not supported.",
    TOKEN_REFRESH_NOT_SUPPORTED => "Provider does not support token refreshing.",
    REFRESH_TOKEN_NOT_FOUND => "Refresh token not found",
    FAILED_TO_REFRESH_ACCESS_TOKEN => "Failed to refresh access token",
    FAILED_TO_GET_ACCESS_TOKEN => "Failed to get a valid access token",
    PROVIDER_NOT_CONFIGURED => "Account is not associated with a configured social provider.",
    ACCESS_TOKEN_NOT_FOUND => "Access token not found",
}

const ALL_CODES: &[ErrorCode] = &[
    PROVIDER_NOT_FOUND,
    ID_TOKEN_NOT_SUPPORTED,
    USER_EMAIL_NOT_FOUND,
    SOCIAL_ACCOUNT_ALREADY_LINKED,
    FAILED_TO_UNLINK_LAST_ACCOUNT,
    OAUTH_LINK_ERROR,
    LINKING_NOT_ALLOWED,
    LINKING_DIFFERENT_EMAILS_NOT_ALLOWED,
    LINKING_FAILED,
    PROVIDER_NOT_SUPPORTED,
    TOKEN_REFRESH_NOT_SUPPORTED,
    REFRESH_TOKEN_NOT_FOUND,
    FAILED_TO_REFRESH_ACCESS_TOKEN,
    FAILED_TO_GET_ACCESS_TOKEN,
    PROVIDER_NOT_CONFIGURED,
    ACCESS_TOKEN_NOT_FOUND,
];

/// The notice a user gets when a provider is linked to their account.
pub const LINKED_EMAIL: EmailTemplate = EmailTemplate::named("account-linked");

pub struct OAuth {
    settings: OAuthSettings,
    providers: Vec<Arc<Provider>>,
}

impl OAuth {
    /// `auth_url` is the server's `{baseURL}{basePath}`: redirect URIs are built from it.
    pub fn new(settings: OAuthSettings, auth_url: &str) -> Self {
        let providers = settings
            .providers
            .iter()
            .map(|p| {
                Arc::new(Provider::new(
                    p.clone(),
                    format!("{}/callback/{}", auth_url.trim_end_matches('/'), p.id),
                ))
            })
            .collect();
        OAuth {
            settings,
            providers,
        }
    }

    /// The configured providers' ids, in configuration order.
    pub fn provider_ids(&self) -> impl Iterator<Item = &str> {
        self.providers.iter().map(|p| p.id())
    }

    /// The configured providers, in configuration order.
    pub fn providers(&self) -> impl Iterator<Item = &Arc<Provider>> {
        self.providers.iter()
    }

    pub fn provider(&self, id: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| p.id() == id)
    }

    /// Better Auth's RP-initiated logout at sign-out: the end-session URL of the provider the
    /// user last used (of those that can log out), with that account's ID token as the hint.
    /// The post-logout redirect is the sign-out's `callbackURL`, else the provider's own,
    /// resolved against the base URL.
    async fn provider_logout(
        &self,
        ctx: &AuthContext,
        req: &AuthRequest,
        user_id: &str,
    ) -> Result<Option<String>, portcullis_core::ApiError> {
        let mut accounts: Vec<_> = accounts::user_accounts(ctx, user_id)
            .await?
            .into_iter()
            .filter_map(|row| {
                let provider = row.get("providerId")?.as_str()?;
                let p = self
                    .provider(provider)
                    .filter(|p| p.settings.provider_logout)?;
                Some((p.clone(), row))
            })
            .collect();
        accounts.sort_by_key(|(_, row)| std::cmp::Reverse(accounts::updated_at(row)));
        let mut seen: Vec<String> = Vec::new();
        let base = url::Url::parse(&format!("{}/", ctx.config.auth_url())).ok();
        for (p, row) in accounts {
            if seen.iter().any(|id| id == p.id()) {
                continue;
            }
            seen.push(p.id().to_owned());
            let post = req
                .str_field("callbackURL")
                .map(str::to_owned)
                .or_else(|| p.settings.post_logout_redirect_uri.clone())
                .and_then(|to| base.as_ref()?.join(&to).ok())
                .map(|u| u.to_string());
            let id_token = accounts::stored_token(ctx, &row, "idToken");
            if let Some(url) = p
                .logout_url(id_token.as_deref(), post, req.str_field("state"))
                .await
            {
                return Ok(Some(url));
            }
        }
        Ok(None)
    }
}

pub(crate) fn plugin(ctx: &AuthContext) -> &OAuth {
    match ctx.plugin::<OAuth>() {
        Some(p) => p,
        None => unreachable!("oauth handlers run only with the oauth plugin registered"),
    }
}

/// Where the browser goes after a redirect sign-in: shared by the social and generic bodies.
const CALLBACK_URL: FieldSpec =
    FieldSpec::opt("callbackURL", Ty::String, "Where to go once signed in");
const NEW_USER_CALLBACK_URL: FieldSpec = FieldSpec::opt(
    "newUserCallbackURL",
    Ty::String,
    "Where a newly registered user goes",
);
const ERROR_CALLBACK_URL: FieldSpec = FieldSpec::opt(
    "errorCallbackURL",
    Ty::String,
    "Where to go when the sign-in fails (with `?error=`)",
);
const DISABLE_REDIRECT: FieldSpec = FieldSpec::opt(
    "disableRedirect",
    Ty::Boolean,
    "Answer the URL without a `Location` header",
);
const SCOPES: FieldSpec = FieldSpec::opt("scopes", Ty::Any, "More scopes to ask for");
const REQUEST_SIGN_UP: FieldSpec = FieldSpec::opt(
    "requestSignUp",
    Ty::Boolean,
    "Sign up even where implicit sign-up is off",
);
const LOGIN_HINT: FieldSpec =
    FieldSpec::opt("loginHint", Ty::String, "The provider's `login_hint`");

fn sign_in_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::req(
            "provider",
            Ty::String,
            "The provider's id, e.g. `github` or a generic provider's `provider_id`",
        ),
        CALLBACK_URL,
        NEW_USER_CALLBACK_URL,
        ERROR_CALLBACK_URL,
        DISABLE_REDIRECT,
        FieldSpec::opt(
            "idToken",
            Ty::Any,
            "`{token, nonce, accessToken, refreshToken}`: sign in from the provider's ID token",
        ),
        SCOPES,
        REQUEST_SIGN_UP,
        LOGIN_HINT,
        FieldSpec::opt("additionalData", Ty::Any, "Ignored"),
    ])
}

fn generic_sign_in_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::req(
            "providerId",
            Ty::String,
            "The generic provider's `provider_id`",
        ),
        CALLBACK_URL,
        NEW_USER_CALLBACK_URL,
        ERROR_CALLBACK_URL,
        DISABLE_REDIRECT,
        SCOPES,
        REQUEST_SIGN_UP,
        LOGIN_HINT,
    ])
}

fn link_body() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::req("provider", Ty::String, "The provider's id"),
        FieldSpec::opt("callbackURL", Ty::String, "Where to go once linked"),
        FieldSpec::opt(
            "errorCallbackURL",
            Ty::String,
            "Where to go when linking fails (with `?error=`)",
        ),
        FieldSpec::opt(
            "disableRedirect",
            Ty::Boolean,
            "Answer the URL without a `Location` header",
        ),
        FieldSpec::opt(
            "idToken",
            Ty::Any,
            "`{token, nonce, accessToken, refreshToken}`: link from the provider's ID token",
        ),
        FieldSpec::opt("scopes", Ty::Any, "More scopes to ask for"),
        FieldSpec::opt("requestSignUp", Ty::Boolean, "Ignored"),
        FieldSpec::opt("loginHint", Ty::String, "The provider's `login_hint`"),
        FieldSpec::opt("additionalData", Ty::Any, "Ignored"),
    ])
}

fn callback_body() -> BodySpec {
    BodySpec::optional(vec![
        FieldSpec::opt("code", Ty::String, "The authorization code"),
        FieldSpec::opt("state", Ty::String, "The state sent to the provider"),
        FieldSpec::opt("error", Ty::String, "The provider's error"),
        FieldSpec::opt(
            "error_description",
            Ty::String,
            "The provider's error description",
        ),
        FieldSpec::opt("device_id", Ty::String, "A device id some providers send"),
        FieldSpec::opt(
            "user",
            Ty::String,
            "The user JSON some providers post (Apple)",
        ),
        FieldSpec::opt("iss", Ty::String, "The issuer (RFC 9207)"),
    ])
}

fn account_selection() -> BodySpec {
    BodySpec::object(vec![
        FieldSpec::opt(
            "accountId",
            Ty::String,
            "The account's id (from `/list-accounts`)",
        ),
        FieldSpec::opt(
            "providerId",
            Ty::String,
            "The provider's id: the user's account with it",
        ),
        FieldSpec::opt(
            "userId",
            Ty::String,
            "Ignored over HTTP: the session's user is used",
        ),
    ])
}

fn tokens_schema() -> serde_json::Value {
    schema::object_with(
        json!({
            "accessToken": schema::string("The provider's access token"),
            "accessTokenExpiresAt": schema::nullable(schema::string("When it expires")),
            "scopes": schema::array(schema::string("A granted scope")),
            "idToken": schema::string("The provider's ID token"),
        }),
        &["accessToken", "scopes"],
    )
}

#[async_trait]
impl Plugin for OAuth {
    fn id(&self) -> &'static str {
        "oauth"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL_CODES
    }

    fn hooks(&self) -> Hooks {
        // Only when a provider can log out: otherwise sign-out pays nothing for this plugin.
        let logout = self.settings.providers.iter().any(|p| p.provider_logout);
        Hooks {
            after: if logout {
                HookScope::Paths(&["/sign-out"])
            } else {
                HookScope::Never
            },
            ..Hooks::default()
        }
    }

    async fn after(&self, ctx: &AuthContext, req: &AuthRequest, res: &mut AuthResponse) {
        if res.status != 200 {
            return;
        }
        let Some(signed_out) = req.state.get::<session::SignedOut>() else {
            return;
        };
        match self.provider_logout(ctx, req, &signed_out.user_id).await {
            Ok(Some(url)) => {
                let redirect = req.field("disableRedirect").and_then(|v| v.as_bool()) != Some(true);
                res.body = Body::Json(json!({"success": true, "url": url, "redirect": redirect}));
                if redirect {
                    res.headers.push(("location".into(), url));
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "provider logout URL could not be built"),
        }
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        use portcullis_core::handler;
        let redirect_answer = schema::object_with(
            json!({
                "url": schema::string("The provider's authorization URL"),
                "redirect": schema::boolean("Whether the client should follow it"),
                "token": schema::string("The session token (ID-token sign-in)"),
                "user": schema::user(),
            }),
            &["redirect"],
        );
        let callback = |path: &'static str, op: &'static str, method: Method| {
            let mut e = Endpoint::new(method, path, op, handler!(endpoints::callback))
                .summary(
                    "OAuth callback",
                    "Where the provider sends the browser back: checks the state, exchanges the \
                     code, signs in or links, and redirects to the flow's callbackURL (or its \
                     errorCallbackURL with `?error=`).",
                )
                .tag("OAuth")
                .body(callback_body())
                .redirects("To the callbackURL, or the error URL with `?error=`");
            // A provider's form_post arrives form-encoded from the provider's origin; the state
            // cookie, not the origin, binds it to the browser (no form-CSRF check).
            e.accepts_form = true;
            e
        };
        vec![
            Endpoint::new(Method::POST, "/sign-in/social", "socialSignIn", handler!(endpoints::sign_in_social))
                .summary(
                    "Sign in with a provider",
                    "Answers the provider's authorization URL; with `idToken`, signs in from the \
                     provider's ID token.",
                )
                .tag("OAuth")
                .body(sign_in_body())
                .returns(redirect_answer.clone()),
            callback("/callback/:providerId", "handleOAuthCallback", Method::GET),
            callback("/callback/:providerId", "handleOAuthCallbackPost", Method::POST),
            Endpoint::new(Method::POST, "/link-social", "linkSocialAccount", handler!(endpoints::link_social))
                .summary("Link a provider", "Adds a provider's account to the signed-in user.")
                .tag("OAuth")
                .auth(Auth::Sensitive)
                .body(link_body())
                .returns(redirect_answer.clone()),
            Endpoint::new(Method::POST, "/unlink-account", "unlinkAccount", handler!(endpoints::unlink_account))
                .summary("Unlink an account", "Removes a linked account; the last one stays.")
                .tag("OAuth")
                .auth(Auth::Fresh)
                .body(BodySpec::object(vec![
                    FieldSpec::req("accountId", Ty::String, "The account's id (from `/list-accounts`)"),
                ]))
                .returns(schema::status()),
            Endpoint::new(Method::POST, "/get-access-token", "getAccessToken", handler!(endpoints::get_access_token))
                .summary(
                    "A valid access token",
                    "The provider's access token for one of the user's accounts, refreshed first \
                     when it has expired.",
                )
                .tag("OAuth")
                .auth(Auth::Sensitive)
                .body(account_selection())
                .returns(tokens_schema()),
            Endpoint::new(Method::POST, "/refresh-token", "refreshToken", handler!(endpoints::refresh_token))
                .summary("Refresh the access token", "Refreshes an account's tokens at the provider.")
                .tag("OAuth")
                .auth(Auth::Sensitive)
                .body(account_selection())
                .returns(schema::object_with(
                    json!({
                        "accessToken": schema::string("The new access token"),
                        "refreshToken": schema::string("The refresh token"),
                        "accessTokenExpiresAt": schema::nullable(schema::string("When it expires")),
                        "refreshTokenExpiresAt": schema::nullable(schema::string("When it expires")),
                        "scope": schema::nullable(schema::string("The granted scopes")),
                        "idToken": schema::nullable(schema::string("The ID token")),
                        "providerId": schema::string("The provider"),
                        "accountId": schema::string("The account's id"),
                    }),
                    &["accessToken", "providerId", "accountId"],
                )),
            Endpoint::new(Method::GET, "/account-info", "accountInfo", handler!(endpoints::account_info))
                .summary("The provider's profile", "What the provider says about a linked account now.")
                .tag("OAuth")
                .auth(Auth::Sensitive)
                .query(&[("accountId", "The account's id (from `/list-accounts`)")])
                .returns(schema::object(json!({
                    "user": schema::object_with(json!({
                        "id": schema::string("The provider's user id"),
                        "name": schema::string("Name"),
                        "email": schema::nullable(schema::string("E-mail")),
                        "image": schema::nullable(schema::string("Picture")),
                        "emailVerified": schema::boolean("Whether the provider verified the e-mail"),
                    }), &["emailVerified"]),
                    "data": schema::described(json!({"type": "object", "additionalProperties": true}), "The provider's whole profile"),
                    "account": schema::object(json!({
                        "id": schema::string("The account's id"),
                        "providerId": schema::string("The provider"),
                        "accountId": schema::string("The provider's user id"),
                    })),
                }))),
            // The paths earlier `generic-oauth` clients call.
            Endpoint::new(Method::POST, "/sign-in/oauth2", "signInWithOAuth2", handler!(endpoints::sign_in_oauth2))
                .summary("Sign in with a generic provider", "`/sign-in/social` under its older name.")
                .tag("OAuth")
                .body(generic_sign_in_body())
                .returns(redirect_answer.clone()),
            callback("/oauth2/callback/:providerId", "oAuth2Callback", Method::GET),
            Endpoint::new(Method::POST, "/oauth2/link", "oAuth2LinkAccount", handler!(endpoints::link_oauth2))
                .summary("Link a generic provider", "`/link-social` under its older name.")
                .tag("OAuth")
                .auth(Auth::Sensitive)
                .body(BodySpec::object(vec![
                    FieldSpec::req("providerId", Ty::String, "The generic provider's `provider_id`"),
                    FieldSpec::req("callbackURL", Ty::String, "Where to go once linked"),
                    FieldSpec::opt("errorCallbackURL", Ty::String, "Where to go when linking fails"),
                    FieldSpec::opt("scopes", Ty::Any, "More scopes to ask for"),
                ]))
                .returns(redirect_answer),
        ]
    }

    /// "Continue with …" on the hosted sign-in and sign-up pages, one button per provider.
    fn fragments(&self) -> Vec<Fragment> {
        vec![
            Fragment::new(
                "sign-in.buttons",
                portcullis_core::template_source!(
                    "src/oauth/templates",
                    "oauth-sign-in-buttons.html"
                ),
            ),
            Fragment::new(
                "sign-up.buttons",
                portcullis_core::template_source!(
                    "src/oauth/templates",
                    "oauth-sign-up-buttons.html"
                ),
            ),
            Fragment::account_section(
                "linked-accounts",
                "oauth-linked-accounts",
                portcullis_core::template_source!(
                    "src/oauth/templates",
                    "account-linked-accounts.html"
                ),
            ),
        ]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![
            portcullis_core::asset!(
                "src/oauth/assets",
                "oauth.js",
                "text/javascript; charset=utf-8"
            ),
            portcullis_core::asset!(
                "src/oauth/assets",
                "oauth-account.js",
                "text/javascript; charset=utf-8"
            ),
        ]
    }

    fn templates(&self) -> Vec<TemplateSource> {
        vec![
            portcullis_core::template_source!("src/oauth/templates", "email-account-linked.html"),
            portcullis_core::template_source!("src/oauth/templates", "email-account-linked.txt"),
        ]
    }

    fn sends(&self) -> Vec<Sends> {
        vec![Sends::Email(LINKED_EMAIL)]
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn page_globals(&self) -> serde_json::Value {
        let providers: Vec<_> = self
            .settings
            .providers
            .iter()
            .map(|p| json!({"id": p.id, "label": p.label, "mark": marks::path(&p.id)}))
            .collect();
        json!({ "oauth_providers": providers })
    }
}
