# The anonymous plugin's sign-in button, guest notice and scripts, in English.

## Sign-in page: "Continue as a guest" (templates/anonymous-sign-in-button.html)
anonymous-sign-in-button = Continue as a guest
anonymous-sign-in-busy = Starting a guest session…
anonymous-sign-in-note = No email needed. Sign up later from this browser to keep what you did.

## Account page: the guest notice (templates/anonymous-account-notice.html)
anonymous-notice-title = You are using a guest account
anonymous-notice-text = Nothing identifies you yet, and signing out ends this account for good. Create an account from this browser to keep it: your guest account is replaced by the new one.
anonymous-notice-create = Create an account
anonymous-notice-sign-in = Sign in to an existing one

## Scripts (assets/anonymous.js, assets/anonymous-account.js)
js-anonymous-already-guest = You already have a guest session. Go to your account, or sign up to keep it.
js-anonymous-go-to-account = Go to your account
js-anonymous-started = Guest session started. Redirecting…
js-anonymous-guest = Guest

## Error codes
js-error-INVALID_EMAIL_FORMAT = Email was not generated in a valid format
js-error-COULD_NOT_CREATE_SESSION = Could not create session
js-error-ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY = Anonymous users cannot sign in again anonymously
js-error-FAILED_TO_DELETE_ANONYMOUS_USER = Failed to delete anonymous user
js-error-FAILED_TO_DELETE_ANONYMOUS_USER_SESSIONS = Failed to delete anonymous user sessions
js-error-USER_IS_NOT_ANONYMOUS = User is not anonymous
js-error-DELETE_ANONYMOUS_USER_DISABLED = Deleting anonymous users is disabled
