//! `device_authorization`: the OAuth 2.0 device authorization grant (RFC 8628), as Better
//! Auth's `deviceAuthorization` plugin.
//!
//! - `POST /device/code`: a device (a TV, a command-line tool) gets a device code and a user
//!   code. The device code is stored as its SHA-256 only; the user code is eight letters
//!   without look-alikes, shown `BCDF-GHJK` and accepted in any case, with or without the dash.
//! - `GET /device?user_code=…`: the code's status; a signed-in caller claims the code and sees
//!   which client asks, for which scopes. `POST /device/approve` and `/device/deny` answer it.
//! - `POST /device/token`: the device polls (`authorization_pending`, `slow_down`,
//!   `expired_token`, `access_denied`, `invalid_grant`) until it gets a session for the user
//!   who approved. The state machine is [`grant::redeem`], which an OpenID provider's token
//!   endpoint can call too.
//! - The hosted page `/device` (the `verification_uri`) walks a person through it, through
//!   sign-in and back when needed.
//!
//! Settings: `ENABLE_DEVICE_AUTHORIZATION` (off by default) and `[plugins.device_authorization]`
//! (`expires_in`, `interval`, `client_ids`), see [`settings`].

mod endpoints;
pub mod grant;
pub mod settings;
mod store;

use async_trait::async_trait;
use http::Method;
use portcullis_core::endpoint::{AuthRequest, Endpoint};
use portcullis_core::error::ErrorCode;
use portcullis_core::openapi::schema;
use portcullis_core::plugin::{HookScope, Hooks};
use portcullis_core::plugin_parts::{Asset, ExpiringTable, Messages, Page};
use portcullis_core::rate_limit::PathRule;
use portcullis_core::{ApiError, AuthContext, Before, Plugin};
use portcullis_storage::Table;
use serde_json::json;

pub use grant::{ApprovedDevice, DeviceGrantError, redeem};
pub use settings::DeviceAuthorizationSettings;

/// The `grant_type` of a device's token request (RFC 8628 §3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The hosted verification page, Better Auth's default `verificationUri`.
pub const VERIFICATION_PAGE: &str = "/device";

portcullis_core::error_codes! {
    INVALID_DEVICE_CODE => "Invalid device code",
    EXPIRED_DEVICE_CODE => "Device code has expired",
    EXPIRED_USER_CODE => "User code has expired",
    AUTHORIZATION_PENDING => "Authorization pending",
    ACCESS_DENIED => "Access denied",
    INVALID_USER_CODE => "Invalid user code",
    DEVICE_CODE_ALREADY_PROCESSED => "Device code already processed",
    DEVICE_CODE_NOT_CLAIMED => "Device code has not been claimed by a verifying session; call `GET /device` with the `user_code` while signed in before approving or denying",
    POLLING_TOO_FREQUENTLY => "Polling too frequently",
    USER_NOT_FOUND => "User not found",
    FAILED_TO_CREATE_SESSION => "Failed to create session",
    INVALID_DEVICE_CODE_STATUS => "Invalid device code status",
    AUTHENTICATION_REQUIRED => "Authentication required",
}

/// Better Auth's `DEVICE_AUTHORIZATION_ERROR_CODES`, for the OpenAPI document and clients.
const ALL_CODES: &[ErrorCode] = &[
    INVALID_DEVICE_CODE,
    EXPIRED_DEVICE_CODE,
    EXPIRED_USER_CODE,
    AUTHORIZATION_PENDING,
    ACCESS_DENIED,
    INVALID_USER_CODE,
    DEVICE_CODE_ALREADY_PROCESSED,
    DEVICE_CODE_NOT_CLAIMED,
    POLLING_TOO_FREQUENTLY,
    USER_NOT_FOUND,
    FAILED_TO_CREATE_SESSION,
    INVALID_DEVICE_CODE_STATUS,
    AUTHENTICATION_REQUIRED,
];

/// The paths whose bodies the before-hook checks itself, for Better Auth's error bodies.
const CHECKED_BODIES: &[&str] = &["/device/code", "/device/token"];

pub struct DeviceAuthorization {
    settings: DeviceAuthorizationSettings,
}

impl DeviceAuthorization {
    pub fn new(settings: DeviceAuthorizationSettings) -> Self {
        DeviceAuthorization { settings }
    }
}

fn rfc_error_schema() -> serde_json::Value {
    schema::object(json!({
        "error": schema::string("The RFC 8628 error code"),
        "error_description": schema::string("What went wrong"),
    }))
}

#[async_trait]
impl Plugin for DeviceAuthorization {
    fn id(&self) -> &'static str {
        "device-authorization"
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn schema(&self) -> Vec<Table> {
        vec![store::schema()]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL_CODES
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        use portcullis_core::endpoint::ResponseBody;
        let mut code = Endpoint::new(
            Method::POST,
            "/device/code",
            "deviceCode",
            portcullis_core::handler!(endpoints::device_code),
        )
        .summary(
            "Request a device and user code",
            "RFC 8628 §3.2. The device shows the `user_code` and sends the person to \
             `verification_uri`, then polls `/device/token` every `interval` seconds.",
        )
        .tag("Device authorization")
        .body(endpoints::code_body())
        .returns(schema::object(json!({
            "device_code": schema::string("The device verification code"),
            "user_code": schema::string("The user code to display, as `XXXX-XXXX`"),
            "verification_uri": schema::string("The page where the person enters the code"),
            "verification_uri_complete": schema::string("The same page with the code filled in"),
            "expires_in": {"type": "number", "description": "Lifetime in seconds of the device code"},
            "interval": {"type": "number", "description": "Minimum polling interval in seconds"},
        })))
        .response(400, "An RFC 8628 error", ResponseBody::Json(rfc_error_schema()));
        // Devices send RFC 8628's form body; without cookies, so no form-CSRF check applies.
        code.accepts_form = true;
        vec![
            code,
            Endpoint::new(
                Method::POST,
                "/device/token",
                "deviceToken",
                portcullis_core::handler!(endpoints::device_token),
            )
            .summary(
                "Exchange a device code for a session",
                "RFC 8628 §3.4. Answers `authorization_pending` until the person approves, \
                 `slow_down` when polled sooner than the interval (which then grows by 5 s), \
                 `expired_token`, `access_denied` or `invalid_grant`; once approved, a session \
                 of the approving user, its token as a bearer `access_token`. A code is used \
                 once.",
            )
            .tag("Device authorization")
            .body(endpoints::token_body())
            .returns(schema::object(json!({
                "access_token": schema::string("A session token, sent as `Authorization: Bearer`"),
                "token_type": schema::one_of(&["Bearer"], "Always `Bearer`"),
                "expires_in": {"type": "number", "description": "Seconds until the session expires"},
                "scope": schema::string("The scopes the device asked for, space-separated"),
            })))
            .response(400, "An RFC 8628 error", ResponseBody::Json(rfc_error_schema())),
            Endpoint::new(
                Method::GET,
                "/device",
                "deviceVerify",
                portcullis_core::handler!(endpoints::verify),
            )
            .summary(
                "Verify a user code",
                "The code's status. A signed-in caller claims a pending code (only it may then \
                 approve or deny it) and also sees the client and scopes.",
            )
            .tag("Device authorization")
            .query(&[("user_code", "The user code, in any case, with or without the dash")])
            .returns(schema::object_with(
                json!({
                    "user_code": schema::string("The user code as given"),
                    "status": schema::one_of(&["pending", "approved", "denied"], "Current status"),
                    "client_id": schema::nullable(schema::string("The client asking; only to the user who claimed the code")),
                    "scope": schema::nullable(schema::string("The scopes asked for; only to the user who claimed the code")),
                }),
                &["user_code", "status"],
            )),
            Endpoint::new(
                Method::POST,
                "/device/approve",
                "deviceApprove",
                portcullis_core::handler!(endpoints::approve),
            )
            .summary(
                "Approve a device",
                "The signed-in user who claimed the code (`GET /device`) lets the device in.",
            )
            .tag("Device authorization")
            .body(endpoints::user_code_body("The user code to approve"))
            .returns(schema::success()),
            Endpoint::new(
                Method::POST,
                "/device/deny",
                "deviceDeny",
                portcullis_core::handler!(endpoints::deny),
            )
            .summary(
                "Deny a device",
                "The signed-in user who claimed the code (`GET /device`) refuses the device.",
            )
            .tag("Device authorization")
            .body(endpoints::user_code_body("The user code to deny"))
            .returns(schema::success()),
        ]
    }

    fn rate_limit_rules(&self) -> Vec<PathRule> {
        vec![
            // Better Auth's own rule: five code checks per address per code lifetime, so user
            // codes cannot be guessed.
            PathRule::exact("/device", self.settings.expires_in as u64, 5),
            PathRule::exact("/device/code", 60, 10),
            // A device polls every `interval` seconds; room for a few behind one address.
            PathRule::exact("/device/token", 60, 60),
        ]
    }

    fn expiring_tables(&self) -> Vec<ExpiringTable> {
        vec![ExpiringTable::new(store::TABLE, "expiresAt")]
    }

    fn pages(&self) -> Vec<Page> {
        vec![Page::new(
            VERIFICATION_PAGE,
            portcullis_core::template_source!("src/device_authorization/templates", "device.html"),
            "device-authorization-title",
        )]
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    fn assets(&self) -> Vec<Asset> {
        vec![portcullis_core::asset!(
            "src/device_authorization/assets",
            "device.js",
            "text/javascript; charset=utf-8"
        )]
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            before: HookScope::Paths(CHECKED_BODIES),
            ..Hooks::default()
        }
    }

    /// Better Auth answers these two bodies' validation errors in its own shapes: RFC 8628's
    /// `invalid_request` for `/device/code`, zod's literal message for `grant_type`.
    async fn before(&self, _ctx: &AuthContext, req: &mut AuthRequest) -> Result<Before, ApiError> {
        if req.path == "/device/code" {
            return Ok(match endpoints::refuse_code_body(req) {
                Some(answer) => Before::Respond(answer),
                None => Before::Continue,
            });
        }
        match endpoints::refuse_token_body(req) {
            Some(refused) => Err(refused),
            None => Ok(Before::Continue),
        }
    }
}
