//! `username`: a unique, case-insensitive username beside the email; sign in with it.
//!
//! The user gets `username` (stored lower-case, unique) and `displayUsername` (as typed).
//! Sign-up and update-user accept both; a `before` hook checks them, so its 400s come before
//! body validation and the session check, as in Better Auth.

use async_trait::async_trait;
use http::Method;
use portcullis_core::endpoint::{AuthRequest, AuthResponse, Endpoint};
use portcullis_core::error::{ErrorCode, codes};
use portcullis_core::openapi::schema;
use portcullis_core::plugin_parts::{Fragment, Messages};
use portcullis_core::routes::sign_in::password_sign_in;
use portcullis_core::session::{self, Lookup};
use portcullis_core::validate::{BodySpec, FieldSpec, Ty};
use portcullis_core::{ApiError, AuthContext, Before, Plugin};
use portcullis_storage::{Field, FieldType, Row, Table, Value, Where};
use serde_json::json;

portcullis_core::error_codes! {
    INVALID_USERNAME_OR_PASSWORD => "Invalid username or password",
    USERNAME_IS_ALREADY_TAKEN => "Username is already taken. Please try another.",
    USERNAME_TOO_SHORT => "Username is too short",
    USERNAME_TOO_LONG => "Username is too long",
    INVALID_USERNAME => "Username is invalid",
    INVALID_DISPLAY_USERNAME => "Display username is invalid",
}

const ALL: &[ErrorCode] = &[
    INVALID_USERNAME_OR_PASSWORD,
    USERNAME_IS_ALREADY_TAKEN,
    USERNAME_TOO_SHORT,
    USERNAME_TOO_LONG,
    INVALID_USERNAME,
    INVALID_DISPLAY_USERNAME,
];

pub const MIN_LENGTH: usize = 3;
pub const MAX_LENGTH: usize = 30;

/// Better Auth's default rules, on the value as typed: 3–30 characters from `[a-zA-Z0-9_.]`.
pub fn check_username(raw: &str) -> Result<(), ErrorCode> {
    let len = raw.chars().count();
    if len < MIN_LENGTH {
        return Err(USERNAME_TOO_SHORT);
    }
    if len > MAX_LENGTH {
        return Err(USERNAME_TOO_LONG);
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(INVALID_USERNAME);
    }
    Ok(())
}

/// The stored form: lower-case.
pub fn normalize(raw: &str) -> String {
    raw.to_ascii_lowercase()
}

pub struct Username;

#[async_trait]
impl Plugin for Username {
    fn id(&self) -> &'static str {
        "username"
    }

    fn messages(&self) -> Vec<Messages> {
        vec![
            Messages::new("en", include_str!("messages/en.ftl")),
            Messages::new("fr", include_str!("messages/fr.ftl")),
        ]
    }

    /// Switched off, it fails closed: what it offers is gone, nothing opens (`switches`).
    fn switchable(&self) -> bool {
        true
    }

    fn schema(&self) -> Vec<Table> {
        vec![Table::new(
            "user",
            vec![
                Field::new("username", FieldType::String).unique(),
                Field::new("displayUsername", FieldType::String),
            ],
        )]
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ALL
    }

    fn endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint::new(
                Method::POST,
                "/sign-in/username",
                "signInUsername",
                portcullis_core::handler!(sign_in_username),
            )
            .summary(
                "Sign in with username and password",
                "Like /sign-in/email, with the username (any case) instead of the email.",
            )
            .tag("Username")
            .fails_with(422, "The username is not a valid one (too short, too long, or characters it may not hold)")
            .body(BodySpec::object(vec![
                FieldSpec::req("username", Ty::String, "Username, any case"),
                FieldSpec::req("password", Ty::String, "Password"),
                FieldSpec::opt("rememberMe", Ty::Boolean, "Defaults to true"),
                FieldSpec::opt(
                    "callbackURL",
                    Ty::String,
                    "Returned as `url` with `redirect: true`",
                ),
            ]))
            .returns(schema::password_sign_in()),
            Endpoint::new(
                Method::POST,
                "/is-username-available",
                "isUsernameAvailable",
                portcullis_core::handler!(is_username_available),
            )
            .summary(
                "Check whether a username is free",
                "Answers `{available}`; an invalid username is a 422.",
            )
            .tag("Username")
            .fails_with(422, "The username is not a valid one (empty, too short, too long, or characters it may not hold)")
            .body(BodySpec::object(vec![FieldSpec::req(
                "username",
                Ty::String,
                "The username to check",
            )]))
            .returns(schema::object(json!({
                "available": schema::boolean("Whether no user has this username (in any case)"),
            }))),
        ]
    }

    /// Better Auth's create hook lower-cases the username, so a `username` that is not a string
    /// fails the sign-up there: 422 FAILED_TO_CREATE_USER, after the sign-up's own checks.
    /// (Better Auth stores the falsy ones, `0` and `false`, as text; they fail here too.)
    fn check_sign_up(
        &self,
        body: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), ApiError> {
        match body.get("username") {
            None | Some(serde_json::Value::Null | serde_json::Value::String(_)) => Ok(()),
            Some(_) => Err(ApiError::new(422, codes::FAILED_TO_CREATE_USER)),
        }
    }

    fn fragments(&self) -> Vec<Fragment> {
        vec![Fragment::new(
            "sign-up.fields",
            portcullis_core::template_source!(
                "src/username/templates",
                "username-sign-up-field.html"
            ),
        )]
    }

    fn hooks(&self) -> portcullis_core::plugin::Hooks {
        portcullis_core::plugin::Hooks {
            before: portcullis_core::plugin::HookScope::Paths(&["/sign-up/email", "/update-user"]),
            ..Default::default()
        }
    }

    async fn before(&self, ctx: &AuthContext, req: &mut AuthRequest) -> Result<Before, ApiError> {
        let updating = match req.path.as_str() {
            "/sign-up/email" => false,
            "/update-user" => true,
            _ => return Ok(Before::Continue),
        };
        let Some(body) = req.body.as_ref().and_then(serde_json::Value::as_object) else {
            // The schema's own 400 answers a missing or non-object body.
            return Ok(Before::Continue);
        };
        let given = |k: &str| {
            body.get(k)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
        };
        // An empty username is checked (too short), as Better Auth checks every string.
        let username = body
            .get("username")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        let display = given("displayUsername").map(str::to_owned);

        // A display name that passes the username rules becomes the username on sign-up, when
        // no `username` was sent at all (one that is not a string fails later, as it does in
        // Better Auth).
        let username = match (username, &display) {
            (Some(u), _) => Some(u),
            (None, Some(d))
                if !updating && !body.contains_key("username") && check_username(d).is_ok() =>
            {
                Some(d.clone())
            }
            _ => None,
        };
        let Some(raw) = username else {
            return Ok(Before::Continue);
        };
        check_username(&raw).map_err(ApiError::bad_request)?;
        let stored = normalize(&raw);
        if let Some(owner) = ctx
            .adapter
            .find_one("user", &[Where::eq("username", stored.as_str())])
            .await?
        {
            let owner_id = owner.get("id").and_then(Value::as_str);
            let own =
                updating && owner_id.is_some() && caller_id(ctx, req).await?.as_deref() == owner_id;
            if !own {
                return Err(ApiError::bad_request(USERNAME_IS_ALREADY_TAKEN));
            }
        }
        if let Some(body) = req.body.as_mut().and_then(serde_json::Value::as_object_mut) {
            body.insert("username".into(), stored.into());
            if !updating && display.is_none() {
                body.insert("displayUsername".into(), raw.into());
            }
        }
        Ok(Before::Continue)
    }
}

/// The signed-in caller, whatever the transport (the bearer plugin runs first).
async fn caller_id(ctx: &AuthContext, req: &AuthRequest) -> Result<Option<String>, ApiError> {
    Ok(match session::lookup(ctx, req, false).await? {
        Lookup::Found(s) => Some(s.user_id().to_owned()),
        Lookup::Absent | Lookup::Gone => None,
    })
}

fn invalid() -> ApiError {
    ApiError::new(401, INVALID_USERNAME_OR_PASSWORD)
}

async fn find_by_username(ctx: &AuthContext, raw: &str) -> Result<Option<Row>, ApiError> {
    Ok(ctx
        .adapter
        .find_one("user", &[Where::eq("username", normalize(raw))])
        .await?)
}

async fn sign_in_username(ctx: &AuthContext, req: &AuthRequest) -> Result<AuthResponse, ApiError> {
    let username = req.str_field("username").unwrap_or_default();
    let password = req.str_field("password").unwrap_or_default();
    if username.is_empty() || password.is_empty() {
        return Err(invalid());
    }
    check_username(username).map_err(|c| ApiError::new(422, c))?;
    if password.encode_utf16().count() > ctx.config.password_max_length {
        return Err(ApiError::bad_request(codes::PASSWORD_TOO_LONG));
    }
    let stored = normalize(username);
    let by_username = [Where::eq("username", stored.as_str())];
    let signed = password_sign_in(
        ctx,
        req,
        "username",
        &by_username,
        &stored,
        password,
        invalid,
    )
    .await?;
    Ok(signed.respond(|s| s.redirect_response(req)))
}

async fn is_username_available(
    ctx: &AuthContext,
    req: &AuthRequest,
) -> Result<AuthResponse, ApiError> {
    let username = req.str_field("username").unwrap_or_default();
    // As Better Auth: an empty name is invalid before it is short.
    if username.is_empty() {
        return Err(ApiError::new(422, INVALID_USERNAME));
    }
    check_username(username).map_err(|c| ApiError::new(422, c))?;
    let taken = find_by_username(ctx, username).await?.is_some();
    Ok(AuthResponse::json(json!({"available": !taken})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_apply_to_the_typed_value() {
        assert_eq!(check_username("ab"), Err(USERNAME_TOO_SHORT));
        assert_eq!(check_username(&"a".repeat(31)), Err(USERNAME_TOO_LONG));
        assert_eq!(check_username("bad name"), Err(INVALID_USERNAME));
        assert_eq!(check_username("bad-name"), Err(INVALID_USERNAME));
        assert_eq!(check_username("Ünïcode"), Err(INVALID_USERNAME));
        assert_eq!(check_username("Good_Name.1"), Ok(()));
        assert_eq!(check_username(&"a".repeat(30)), Ok(()));
        assert_eq!(normalize("BoBBy"), "bobby");
    }
}
