# What the page scripts say for core's API error codes (errorText in /assets/i18n.js), in English:
# the server's own messages.

## portcullis-core/src/error.rs (codes)
js-error-USER_NOT_FOUND = User not found
js-error-FAILED_TO_CREATE_USER = Failed to create user
js-error-FAILED_TO_CREATE_SESSION = Failed to create session
js-error-FAILED_TO_UPDATE_USER = Failed to update user
js-error-FAILED_TO_GET_SESSION = Failed to get session
js-error-INVALID_PASSWORD = Invalid password
js-error-INVALID_EMAIL = Invalid email
js-error-INVALID_EMAIL_OR_PASSWORD = Invalid email or password
js-error-INVALID_USER = Invalid user
js-error-INVALID_TOKEN = Invalid token
js-error-TOKEN_EXPIRED = Token expired
js-error-EMAIL_NOT_VERIFIED = Email not verified
js-error-PASSWORD_TOO_SHORT = Password too short
js-error-PASSWORD_TOO_LONG = Password too long
js-error-PASSWORD_COMPROMISED = The password you entered has been compromised. Please choose a different password.
js-error-PASSWORD_CHECK_UNAVAILABLE = Failed to check password. Please try again later.
js-error-USER_ALREADY_EXISTS = User already exists.
js-error-USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL = User already exists. Use another email.
js-error-EMAIL_CAN_NOT_BE_UPDATED = Email can not be updated
js-error-CREDENTIAL_ACCOUNT_NOT_FOUND = Credential account not found
js-error-SESSION_EXPIRED = Session expired. Re-authenticate to perform this action.
js-error-ACCOUNT_NOT_FOUND = Account not found
js-error-USER_ALREADY_HAS_PASSWORD = User already has a password. Provide that to delete the account.
js-error-CROSS_SITE_NAVIGATION_LOGIN_BLOCKED = Cross-site navigation login blocked. This request appears to be a CSRF attack.
js-error-SESSION_NOT_FRESH = Session is not fresh
js-error-INVALID_ORIGIN = Invalid origin
js-error-INVALID_CALLBACK_URL = Invalid callbackURL
js-error-INVALID_REDIRECT_URL = Invalid redirectURL
js-error-INVALID_ERROR_CALLBACK_URL = Invalid errorCallbackURL
js-error-INVALID_NEW_USER_CALLBACK_URL = Invalid newUserCallbackURL
js-error-MISSING_OR_NULL_ORIGIN = Missing or null Origin
js-error-FIELD_NOT_ALLOWED = Field not allowed to be set
js-error-VALIDATION_ERROR = Validation Error
js-error-METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED = POST method requires deferSessionRefresh to be enabled in session config
js-error-PASSWORD_ALREADY_SET = User already has a password set
js-error-CHANGE_EMAIL_DISABLED = Change email is disabled
js-error-VERIFICATION_EMAIL_NOT_ENABLED = Verification email isn't enabled
js-error-EMAIL_ALREADY_VERIFIED = Email is already verified
js-error-EMAIL_MISMATCH = Email mismatch
js-error-FAILED_TO_CREATE_VERIFICATION = Unable to create verification
js-error-FAILED_TO_GET_USER_INFO = Failed to get user info
js-error-RESET_PASSWORD_DISABLED = Reset password isn't enabled
js-error-UNAUTHORIZED = Unauthorized
js-error-EMAIL_PASSWORD_DISABLED = Email and password is not enabled
js-error-EMAIL_PASSWORD_SIGN_UP_DISABLED = Email and password sign up is not enabled
js-error-BAD_REQUEST = Invalid JSON in request body
js-error-UNSUPPORTED_MEDIA_TYPE = Unsupported media type
js-error-PAYLOAD_TOO_LARGE = Request body is too large
js-error-NOT_FOUND = Not found
js-error-INTERNAL_SERVER_ERROR = Internal server error
js-error-SERVICE_UNAVAILABLE = Service temporarily unavailable
js-error-REAUTHENTICATION_REQUIRED = Enter your password again, or sign in again, to end sessions

## portcullis-core/src/one_time_code.rs (one-time codes)
js-error-OTP_EXPIRED = OTP expired
js-error-INVALID_OTP = Invalid OTP
js-error-TOO_MANY_ATTEMPTS = Too many attempts
