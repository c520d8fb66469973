# The hosted pages (ui/templates) and their scripts (ui/static), in English.
# Ids that begin with js- reach the page scripts: text and { $variables } only.

## Every page
skip-to-content = Skip to content
nav-home = Home
nav-main = Main
nav-sign-in = Sign in
nav-create-account = Create account
nav-your-account = Your account
nav-sign-out = Sign out
footer-support = Support
footer-privacy = Privacy
footer-terms = Terms
footer-api-reference = API reference
theme-label = Theme
theme-system = Same as this device
theme-light = Light
theme-dark = Dark

## Page titles (the <title>, before the brand name)
page-title-index = Welcome
page-title-sign-in = Sign in
page-title-sign-up = Create account
page-title-account = Your account
page-title-forgot-password = Forgot password
page-title-reset-password = Choose a new password
page-title-verify-email = Verify your email
page-title-not-found = Not found
page-title-forbidden = Forbidden
page-title-auth-error = Something went wrong
page-title-dev-outbox = Outbox
page-title-dev-outbox-message = Message
page-title-reference = API reference

## Shared form fields (macros.html)
ui-reveal-show = Show
# After "Show" (or the script's "Hide"), for screen readers only.
ui-reveal-password = password
ui-or = or

## Sign-in page
sign-in-title = Sign in
sign-in-welcome = Welcome back to { $app }.
sign-in-needs-js = This page needs JavaScript to sign you in.
sign-in-email-or-username = Email or username
sign-in-email = Email
sign-in-password = Password
sign-in-forgot-password = Forgot password?
sign-in-remember = Keep me signed in on this device
sign-in-busy = Signing in…
sign-in-submit = Sign in
sign-in-other-ways = Other ways to sign in
# Before the link "Create an account".
sign-in-new-here = New here?
sign-in-create-account = Create an account

## Sign-up page
sign-up-title = Create your account
sign-up-intro = Your { $app } account takes a minute.
sign-up-needs-js = This page needs JavaScript to create your account.
sign-up-name = Name
sign-up-email = Email
sign-up-password = Password
sign-up-password-hint = Use { $min } to { $max } characters. A few unrelated words make a strong password.
sign-up-confirm-password = Confirm password
sign-up-busy = Creating your account…
sign-up-submit = Create account
sign-up-other-ways = Other ways to sign up
# Before the link "Sign in".
sign-up-have-account = Already have an account?
sign-up-sign-in = Sign in

## Forgot-password page
forgot-password-title = Forgot your password?
forgot-password-intro = Enter the email address of your account and we'll send you a link to choose a new password.
forgot-password-needs-js = This page needs JavaScript to send the link.
forgot-password-email = Email
forgot-password-busy = Sending…
forgot-password-submit = Send reset link
# Before the link "Back to sign in".
forgot-password-remembered = Remembered it?
forgot-password-back = Back to sign in

## Reset-password page
reset-password-unusable-title = This link can't be used
reset-password-invalid = This reset link is invalid or has expired. Each link works once, for a limited time.
reset-password-failed = This reset link could not be used.
reset-password-ask-new = Ask for a new link
reset-password-no-token-title = Reset your password
reset-password-open-link = To choose a new password, open the link in the reset email we sent you.
reset-password-ask-link = Ask for a reset link
reset-password-title = Choose a new password
reset-password-intro = Pick a password you don't use anywhere else. Your other devices are signed out when you change it.
reset-password-needs-js = This page needs JavaScript to set your password.
reset-password-new = New password
reset-password-hint = Use { $min } to { $max } characters.
reset-password-confirm = Confirm new password
reset-password-busy = Saving…
reset-password-submit = Set new password
reset-password-back = Back to sign in

## Verify-email page
verify-email-error-title = Email not verified
verify-email-error-default = We couldn't verify your email address with this link.
verify-email-error-invalid-token = This link is not valid. It may have been copied only in part, or replaced by a newer one.
verify-email-error-token-expired = This link has expired.
verify-email-error-user-not-found = The account for this link no longer exists.
verify-email-error-email-taken = Another account already uses that address, so it can't be moved to yours.
# Followed by the account section "Email", then verify-email-ask-new-then, then the button
# "Send a verification link" (account-section-email, account-email-verify-send).
verify-email-ask-new = Ask for a new link from your account:
verify-email-ask-new-then = , then
verify-email-go-account = Go to your account
verify-email-verified-title = Email verified
verify-email-verified = Thank you: your email address is verified.
verify-email-already-title = Already verified
verify-email-already = This link was already used: your email address is verified. There is nothing more to do.
verify-email-change-approved-title = Change approved
verify-email-change-approved = One more step: we've sent a link to your new address. Open it to finish the change.
verify-email-changed-title = Email changed
verify-email-changed = Your account now uses your new email address.
verify-email-pending-title = Verifying your email…
verify-email-needs-js = This page needs JavaScript to verify your address.
verify-email-checking = Checking your link…
verify-email-waiting-title = Verify your email
verify-email-waiting = Open the link in the email we sent you to verify your address.
verify-email-no-email = No email? Check your spam folder, or send a new link from your account.

## Account page
account-needs-js = This page needs JavaScript to show your account.
account-loading = Loading your account…
account-title = Your account
# Before the address.
account-signed-in-as = Signed in as
account-sections-label = Account sections
# The sections' names, in the navigation and as their headings.
account-section-profile = Profile
account-section-email = Email
account-section-security = Security
account-section-sessions = Sessions and devices

## Account: Profile
account-profile-intro = How you appear in { $app } and the apps that use it.
account-profile-name = Name
account-profile-image = Picture URL
account-profile-image-hint = A link to a picture of you, starting with https://. Leave it empty to remove the picture.
account-profile-busy = Saving…
account-profile-submit = Save profile

## Account: Email
account-email-address = Your email address
account-email-verify-intro = Confirm that this address is yours, so you can always get back into your account.
account-email-verify-send = Send a verification link
account-email-change-title = Change your email address
account-email-change-how = We'll email a link to confirm the change.
account-email-change-new = New email address
account-email-change-busy = Sending…
account-email-change-submit = Change email

## Account: Security
account-security-password-title = Change password
account-security-password-current = Current password
account-security-password-new = New password
account-security-password-hint = Use { $min } to { $max } characters.
account-security-password-confirm = Confirm new password
account-security-password-revoke = Sign out my other devices
account-security-password-busy = Changing…
account-security-password-submit = Change password
account-security-set-title = Set a password
account-security-set-intro = You sign in with emailed links or codes. Add a password to sign in with it too.
account-security-set-new = New password
account-security-set-confirm = Confirm password
account-security-set-busy = Saving…
account-security-set-submit = Set password
account-security-delete-title = Delete your account
account-security-delete-intro = Deleting your account removes your profile and ends every session. This cannot be undone.
account-security-delete-password = Your password
account-security-delete-busy = Deleting…
account-security-delete-submit = Delete my account
account-security-delete-dialog-title = Delete your account?
account-security-delete-dialog-text = Your account, profile and sessions will be deleted permanently. This cannot be undone.
account-security-delete-cancel = Cancel
account-security-delete-confirm = Delete account

## Account: Sessions and devices
account-sessions-intro = Every browser and app signed in to your account. If you don't recognise one, sign it out and change your password.
account-sessions-list = Signed-in devices
account-sessions-loading = Loading sessions…
account-sessions-revoke-others = Sign out all other devices

## Landing page
index-error-invalid-token = That link is invalid or has already been used.
index-error-expired = That link has expired.
index-error-attempts-exceeded = That link or code was tried too many times.
index-error-signup-disabled = New accounts can't be created here right now.
index-error-create-user = We couldn't create your account.
index-error-create-session = We couldn't sign you in.
index-error-default = Something went wrong while signing you in.
# Before the link "sign in".
index-error-have-account = If you already have an account,
index-error-sign-in = sign in
index-error-try-again = Try signing in again
# Between the links "Try signing in again" and "reset your password".
index-error-or = , or
index-error-reset = reset your password
# Before the code, in brackets.
index-error-code = Code:
index-sign-in = Sign in
index-create-account = Create an account
# Before the address.
index-signed-in-as = Signed in as
index-go-account = Go to your account
index-features-title = Your { $app } account
index-feature-sign-in-title = Sign in your way
index-feature-sign-in = With your email and a password.
index-feature-sign-in-others = With your email and a password, or the other ways the sign-in page offers.
index-feature-sessions-title = See where you're signed in
index-feature-sessions = Your account lists every browser and device that is signed in, and lets you sign any of them out.
index-feature-yours-title = Keep it yours
index-feature-yours = Change your name, email address and password whenever you like.
index-feature-yours-reset = Change your name, email address and password whenever you like, and get back in with an emailed link if you forget your password.
index-help = Need help?
index-contact-support = Contact support
# Before the support address.
index-write-to = Write to

## Not-found page (404)
not-found-title = Page not found
# Before the address that was asked for.
not-found-no-page = There is no page at
not-found-this-address = this address
not-found-moved = It may have moved, or the link may be mistyped.
not-found-home = Go to the home page
not-found-account = Your account

## Forbidden page (403)
forbidden-title = You cannot open this page
forbidden-default = Your account does not have access to this page.
forbidden-account = Your account
forbidden-other-account = Sign in with another account

## Sign-in error page (auth-error.html)
auth-error-title = Something went wrong
auth-error-default = We couldn't complete that request. Please go back and try again.
auth-error-interrupted = The sign-in took too long or was interrupted. Please start again.
auth-error-state-mismatch = The sign-in could not be verified, possibly because it was started in another tab or browser. Please start again.
auth-error-invalid-callback-request = The sign-in provider sent back a request this server could not use. Please start again.
auth-error-no-code = The sign-in provider did not send back an authorisation code. Please start again.
auth-error-no-callback-url = The sign-in could not finish because no return address was given.
auth-error-provider-not-found = That sign-in provider is not set up on this server.
auth-error-user-info = We could not read your profile from the sign-in provider.
auth-error-email-not-found = The sign-in provider did not share an email address, which this server needs.
auth-error-account-not-linked = An account with this email already exists but is not linked to that sign-in provider. Sign in the way you did before.
auth-error-link-account = We could not link that sign-in provider to your account.
auth-error-email-mismatch = The email address from the sign-in provider does not match your account.
auth-error-email-does-not-match = The email address from the sign-in provider does not match your account. Sign in to the provider with the address you use here.
auth-error-linked-to-other-user = That sign-in provider account is already linked to another user here. Sign in with it to use that account, or unlink it there first.
auth-error-email-not-verified = The sign-in provider has not verified your email address. Verify it there, then try again.
auth-error-invalid-code = The sign-in provider did not accept the sign-in. Please start again.
auth-error-issuer-mismatch = The answer did not come from the sign-in provider this sign-in started with. Please start again.
auth-error-create-user = We could not create your account. Please try again later.
auth-error-signup-disabled = New accounts cannot be created here right now.
auth-error-invalid-token = This link is invalid or has expired. Please ask for a new one.
auth-error-token-expired = This link has expired. Please ask for a new one.
auth-error-internal = The server ran into a problem. Please try again later.
auth-error-access-denied = Access was denied, or the sign-in was cancelled.
# Before the code.
auth-error-code = Error code:
# Followed by a link to support and/or the support address, then auth-error-mention-code.
auth-error-contact = If this keeps happening, contact
auth-error-support = support
# Between the support link and the support address.
auth-error-or = or
auth-error-mention-code = and mention the error code.
auth-error-home = Go to the home page
auth-error-sign-in = Sign in

## Development outbox
dev-outbox-title = Outbox
dev-outbox-intro = Emails and text messages this development server would have sent. Nothing here left the machine. This page is not available in production.
dev-outbox-messages = Messages
dev-outbox-time = Time
dev-outbox-to = To
dev-outbox-kind = Kind
dev-outbox-subject = Subject
dev-outbox-no-subject = (no subject)
dev-outbox-empty = No messages yet. Sign up, or ask for a password reset, and the email appears here.
# Before the folder's path.
dev-outbox-kept-in = Messages are kept as files in
dev-outbox-all-messages = ← All messages
dev-outbox-from-name = From name
dev-outbox-sent = Sent
dev-outbox-links = Links in this message
dev-outbox-html = HTML
dev-outbox-html-frame = HTML body of the message
dev-outbox-text = Plain text

## API reference
reference-required = required
reference-one-of = One of:
# Before the server's URL.
reference-base-url = Base URL
reference-openapi-document = OpenAPI document (JSON)
# Before "Authorization: Bearer".
reference-sessions-travel = Sessions travel in a cookie or as
reference-endpoints = Endpoints
reference-filter = Filter endpoints
reference-filter-placeholder = e.g. session, post, /sign-in
reference-no-match = No endpoint matches.
reference-authentication = Authentication:
# After the session an operation needs, before "Authorization: Bearer".
reference-auth-session = , as the session cookie or
reference-auth-none = none needed.
reference-parameters = Parameters
# A parameter's type and where it goes (query, path, header, cookie).
reference-param-type = { $type }, in { $location }
reference-request-body = Request body
reference-optional = optional
# Between content types.
reference-or = or
reference-object = An object: { $type }.
reference-responses = Responses
reference-example = Example
reference-html-page = HTML page
reference-redirect = Redirect
# After "Location".
reference-redirect-where = says where; the body is empty.
reference-request-example = Request example
reference-try-it = Try it
reference-try-it-intro = Sends the request from this page, with this browser's session cookie.
reference-body = Body
reference-send = Send { $method }
reference-reset = Reset
reference-response = Response
