# The passkey plugin's sign-in button, account section, page scripts and e-mail, in English.

## Sign-in page (templates/passkey-sign-in-button.html)
passkey-waiting-for-passkey = Waiting for your passkey…
passkey-sign-in = Sign in with a passkey
passkey-sign-in-note = No email or password needed: use the fingerprint, face or PIN of a device where you saved a passkey.

## Account page, Security section (templates/account-passkeys.html)
passkey-title = Passkeys
passkey-intro = A passkey signs you in with your device's fingerprint, face or screen lock, or a security key, instead of your password. It cannot be phished: it only works on this site.
passkey-name-label = Passkey name
passkey-name-hint = Optional: where it lives, such as “Work laptop” or “Phone”, so you can tell passkeys apart.
passkey-waiting-for-device = Waiting for your device…
passkey-add = Add a passkey
passkey-yours = Your passkeys
passkey-loading = Loading passkeys…

## The account section's script (assets/passkey-account.js)
js-passkey-sign-in-again = Sign in again
js-passkey-not-yours = That passkey is not yours to change.
js-passkey-session-ended = Your session has ended. Sign in again to manage your passkeys.
js-passkey-not-fresh = For your safety, sign in again before adding a passkey.
js-passkey-unnamed = Unnamed passkey
js-passkey-synced = Synced passkey (kept by your password manager or platform account)
js-passkey-device-bound = Device-bound passkey (stays on one device or security key)
js-passkey-added-on = Added
# $name: the passkey's name, or js-passkey-this-passkey.
js-passkey-this-passkey = this passkey
js-passkey-rename = Rename
js-passkey-rename-label = Rename { $name }
js-passkey-enter-name = Enter a name for the passkey.
js-passkey-renamed = The passkey was renamed.
js-passkey-delete = Delete
js-passkey-delete-label = Delete { $name }
js-passkey-delete-confirm = Delete { $name }? You will no longer be able to sign in with it.
js-passkey-deleted = The passkey was deleted. It can no longer sign in to your account.
js-passkey-none = You have no passkeys yet.
js-passkey-already-on-device = This device already holds a passkey for your account. Use another device or security key.
js-passkey-not-created = No passkey was created: the request was cancelled or timed out. Try again when you are ready.
js-passkey-cannot-create = Your browser could not create a passkey. Try another browser or device.
js-passkey-not-verified = The passkey could not be verified, so it was not added. Try again, or use another device.
js-passkey-added = Passkey added. You can now sign in with it.
js-passkey-unsupported = This browser cannot create passkeys. You can still see and delete the ones you have.

## The sign-in button's script (assets/passkey-sign-in.js)
js-passkey-signed-in = Signed in. Redirecting…
js-passkey-not-registered = This passkey is not registered here any more. Sign in with your password, then add a passkey again on your account page.
js-passkey-sign-in-failed = This passkey could not be verified. Try again, or sign in with your password.
js-passkey-request-expired = The request expired. Try again.
js-passkey-none-used = No passkey was used. Try again, or sign in with your password.
js-passkey-cannot-use = Your browser could not use a passkey. Sign in with your password instead.

## API errors (errorText): the server's messages. USER_NOT_FOUND is core's (js-error-USER_NOT_FOUND).
js-error-CHALLENGE_NOT_FOUND = Challenge not found
js-error-YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY = You are not allowed to register this passkey
js-error-FAILED_TO_VERIFY_REGISTRATION = Failed to verify registration
js-error-PASSKEY_NOT_FOUND = Passkey not found
js-error-AUTHENTICATION_FAILED = Authentication failed
js-error-UNABLE_TO_CREATE_SESSION = Unable to create session
js-error-FAILED_TO_UPDATE_PASSKEY = Failed to update passkey
js-error-PREVIOUSLY_REGISTERED = Previously registered
js-error-REGISTRATION_CANCELLED = Registration cancelled
js-error-AUTH_CANCELLED = Auth cancelled
js-error-UNKNOWN_ERROR = Unknown error
js-error-SESSION_REQUIRED = Passkey registration requires an authenticated session
js-error-RESOLVE_USER_REQUIRED = Passkey registration requires either an authenticated session or a resolveUser callback when requireSession is false
js-error-RESOLVED_USER_INVALID = Resolved user is invalid

## E-mail: a passkey added or removed (templates/email-passkey-changed.*)
passkey-email-review = Review your passkeys
passkey-email-added-subject = A passkey was added to your { $app } account
passkey-email-removed-subject = A passkey was removed from your { $app } account
passkey-email-added-preheader = A new passkey can now sign in to your { $app } account.
passkey-email-removed-preheader = A passkey can no longer sign in to your { $app } account.
passkey-email-added-heading = A passkey was added
passkey-email-removed-heading = A passkey was removed
# The sentence is split around the passkey's name and the account's address, both in bold:
# "<a-passkey>[ <named> <name>] <added> <address><added-end>".
passkey-email-a-passkey = A passkey
passkey-email-named = named
# The plain-text e-mail's "named <name>".
passkey-email-named-quoted = named "{ $name }"
passkey-email-added = was just added to your { $app } account
passkey-email-added-end = : it can now be used to sign in.
passkey-email-removed = was just removed from your { $app } account
passkey-email-removed-end = : it can no longer be used to sign in.
passkey-email-was-you = If this was you, there is nothing to do.
# "<strong>If it wasn't you</strong>, someone else is signed in to your account: [delete …, ]sign out …, and <a>reset your password</a>."
passkey-email-not-you = If it wasn't you
passkey-email-not-you-then = , someone else is signed in to your account:
passkey-email-delete-with-button = delete the passkey you don't recognise with the button below,
passkey-email-delete-at-link = delete the passkey you don't recognise at the link below,
passkey-email-sign-out-sessions = sign out the sessions you don't recognise on your account page, and
passkey-email-reset-password = reset your password
passkey-email-not-you-end = .
