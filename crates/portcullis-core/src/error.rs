//! Better Auth's error model: an HTTP status plus `{message, code}`.

use std::borrow::Cow;

use crate::cookies::SetCookie;

/// A code and its default message, as in Better Auth's `BASE_ERROR_CODES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: &'static str,
    pub message: &'static str,
}

/// Declares error codes outside the core list (plugins): `pub const NAME: ErrorCode` each.
#[macro_export]
macro_rules! error_codes {
    ($($name:ident => $msg:expr),* $(,)?) => {
        $(pub const $name: $crate::ErrorCode =
            $crate::ErrorCode { code: stringify!($name), message: $msg };)*
    };
}

macro_rules! codes {
    ($($name:ident => $msg:expr),* $(,)?) => {
        $(pub const $name: ErrorCode = ErrorCode { code: stringify!($name), message: $msg };)*
        /// Every core code, for the OpenAPI document and the client's `$ERROR_CODES`.
        pub const ALL: &[ErrorCode] = &[$($name),*];
    };
}

pub mod codes {
    use super::ErrorCode;
    codes! {
        USER_NOT_FOUND => "User not found",
        FAILED_TO_CREATE_USER => "Failed to create user",
        FAILED_TO_CREATE_SESSION => "Failed to create session",
        FAILED_TO_UPDATE_USER => "Failed to update user",
        FAILED_TO_GET_SESSION => "Failed to get session",
        INVALID_PASSWORD => "Invalid password",
        INVALID_EMAIL => "Invalid email",
        INVALID_EMAIL_OR_PASSWORD => "Invalid email or password",
        INVALID_USER => "Invalid user",
        INVALID_TOKEN => "Invalid token",
        TOKEN_EXPIRED => "Token expired",
        EMAIL_NOT_VERIFIED => "Email not verified",
        PASSWORD_TOO_SHORT => "Password too short",
        PASSWORD_TOO_LONG => "Password too long",
        // Better Auth's `haveIBeenPwned` plugin's code and message.
        PASSWORD_COMPROMISED => "The password you entered has been compromised. Please choose a different password.",
        // Better Auth's message when the range API fails (it answers 500 without a code).
        PASSWORD_CHECK_UNAVAILABLE => "Failed to check password. Please try again later.",
        USER_ALREADY_EXISTS => "User already exists.",
        USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL => "User already exists. Use another email.",
        EMAIL_CAN_NOT_BE_UPDATED => "Email can not be updated",
        CREDENTIAL_ACCOUNT_NOT_FOUND => "Credential account not found",
        SESSION_EXPIRED => "Session expired. Re-authenticate to perform this action.",
        ACCOUNT_NOT_FOUND => "Account not found",
        USER_ALREADY_HAS_PASSWORD => "User already has a password. Provide that to delete the account.",
        CROSS_SITE_NAVIGATION_LOGIN_BLOCKED => "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
        SESSION_NOT_FRESH => "Session is not fresh",
        INVALID_ORIGIN => "Invalid origin",
        INVALID_CALLBACK_URL => "Invalid callbackURL",
        INVALID_REDIRECT_URL => "Invalid redirectURL",
        INVALID_ERROR_CALLBACK_URL => "Invalid errorCallbackURL",
        INVALID_NEW_USER_CALLBACK_URL => "Invalid newUserCallbackURL",
        MISSING_OR_NULL_ORIGIN => "Missing or null Origin",
        FIELD_NOT_ALLOWED => "Field not allowed to be set",
        VALIDATION_ERROR => "Validation Error",
        METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED => "POST method requires deferSessionRefresh to be enabled in session config",
        PASSWORD_ALREADY_SET => "User already has a password set",
        CHANGE_EMAIL_DISABLED => "Change email is disabled",
        VERIFICATION_EMAIL_NOT_ENABLED => "Verification email isn't enabled",
        EMAIL_ALREADY_VERIFIED => "Email is already verified",
        EMAIL_MISMATCH => "Email mismatch",
        FAILED_TO_CREATE_VERIFICATION => "Unable to create verification",
        FAILED_TO_GET_USER_INFO => "Failed to get user info",
        RESET_PASSWORD_DISABLED => "Reset password isn't enabled",
        UNAUTHORIZED => "Unauthorized",
        EMAIL_PASSWORD_DISABLED => "Email and password is not enabled",
        EMAIL_PASSWORD_SIGN_UP_DISABLED => "Email and password sign up is not enabled",
        BAD_REQUEST => "Invalid JSON in request body",
        UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
        PAYLOAD_TOO_LARGE => "Request body is too large",
        NOT_FOUND => "Not found",
        INTERNAL_SERVER_ERROR => "Internal server error",
        SERVICE_UNAVAILABLE => "Service temporarily unavailable",
        REAUTHENTICATION_REQUIRED => "Enter your password again, or sign in again, to end sessions",
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {}", code.as_deref().unwrap_or("-"))]
pub struct ApiError {
    pub status: u16,
    pub code: Option<Cow<'static, str>>,
    /// `None` together with `code: None` gives Better Auth's empty-body errors.
    pub message: Option<Cow<'static, str>>,
    /// Cookies set before the failure, kept on the error response as Better Auth does.
    pub cookies: Vec<SetCookie>,
}

impl ApiError {
    pub fn new(status: u16, code: ErrorCode) -> Self {
        ApiError {
            status,
            code: Some(Cow::Borrowed(code.code)),
            message: Some(Cow::Borrowed(code.message)),
            cookies: Vec::new(),
        }
    }
    pub fn with_message(
        status: u16,
        code: ErrorCode,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            message: Some(message.into()),
            ..Self::new(status, code)
        }
    }
    /// `{"message": …}` without a code, as `APIError.fromStatus(…, {message})` sends.
    pub fn message_only(status: u16, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            code: None,
            message: Some(message.into()),
            cookies: Vec::new(),
        }
    }
    /// A status with an empty body.
    pub fn empty(status: u16) -> Self {
        ApiError {
            status,
            code: None,
            message: None,
            cookies: Vec::new(),
        }
    }
    pub fn bad_request(code: ErrorCode) -> Self {
        Self::new(400, code)
    }
    pub fn unauthorized() -> Self {
        Self::new(401, codes::UNAUTHORIZED)
    }
    pub fn validation(message: String) -> Self {
        Self::with_message(400, codes::VALIDATION_ERROR, message)
    }
    pub fn internal() -> Self {
        Self::new(500, codes::INTERNAL_SERVER_ERROR)
    }
    pub fn with_cookies(mut self, cookies: Vec<SetCookie>) -> Self {
        self.cookies.extend(cookies);
        self
    }

    /// The JSON body, `{"message","code"}` in Better Auth's key order; `None` for an empty body.
    pub fn body(&self) -> Option<serde_json::Value> {
        if self.code.is_none() && self.message.is_none() {
            return None;
        }
        let mut m = serde_json::Map::new();
        if let Some(msg) = &self.message {
            m.insert("message".into(), msg.as_ref().into());
        }
        if let Some(code) = &self.code {
            m.insert("code".into(), code.as_ref().into());
        }
        Some(serde_json::Value::Object(m))
    }
}

impl From<portcullis_storage::StorageError> for ApiError {
    fn from(e: portcullis_storage::StorageError) -> Self {
        match e {
            portcullis_storage::StorageError::Unavailable(_)
            | portcullis_storage::StorageError::ConnectionLost(_) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::new(503, codes::SERVICE_UNAVAILABLE)
            }
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_keeps_message_then_code_and_empty_errors_have_none() {
        let e = ApiError::new(401, codes::INVALID_EMAIL_OR_PASSWORD);
        assert_eq!(
            serde_json::to_string(&e.body()).expect("json"),
            r#"{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}"#
        );
        assert_eq!(ApiError::empty(404).body(), None);
        assert_eq!(
            ApiError::message_only(400, "No fields to update").body(),
            Some(serde_json::json!({"message": "No fields to update"}))
        );
    }
}
