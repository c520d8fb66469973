# The hosted pages' scripts (ui/static/*.js), in English. Ids begin with js-: text and { $variables } only.

js-error-unknown = Something went wrong. Try again.

## api.js: an HTTP status with no usable answer
js-api-status-0 = Could not reach the server. Check your connection and try again.
js-api-status-400 = The request was not valid.
js-api-status-401 = You need to sign in first.
js-api-status-403 = You are not allowed to do that.
js-api-status-404 = Not found.
js-api-status-413 = The request was too large.
js-api-status-422 = Some of the information you entered is not valid.
js-api-status-429 = Too many attempts. Wait a moment and try again.
js-api-status-500 = The server ran into a problem. Try again later.
js-api-status-502 = The server is not reachable right now. Try again later.
js-api-status-503 = The server is not available right now. Try again later.
js-api-status-504 = The server took too long to answer. Try again later.
js-api-status-other = Request failed (HTTP { $status }).

## forms.js: every form
js-forms-email-invalid = Enter an email address like name@example.com.
js-forms-enter-email = Enter your email address.
js-forms-password-min = Use at least { $min } characters.
js-forms-password-max = Use at most { $max } characters.
js-forms-passwords-differ = The passwords don't match. Type the same password twice.
js-forms-password-breached = This password has appeared in a data breach, so others may try it. Choose a different one.
js-forms-show = Show
js-forms-hide = Hide
js-forms-new-name = New name
js-forms-save-name = Save name
js-forms-saving = Saving…
js-forms-cancel = Cancel

## devices.js: devices and times
js-devices-android-app = an Android app
js-devices-apple-app = an Apple app
js-devices-unknown = Unknown device
# "Chrome on macOS"
js-devices-browser-on-system = { $browser } on { $system }
js-devices-unknown-time = at an unknown time
js-devices-just-now = just now
js-devices-not-known = Not known

## strength.js: zxcvbn-ts warnings
js-strength-warning-straight-row = Straight rows of keys are easy to guess.
js-strength-warning-key-pattern = Short keyboard patterns are easy to guess.
js-strength-warning-simple-repeat = Repeated characters like "aaa" are easy to guess.
js-strength-warning-extended-repeat = Repeated patterns like "abcabc" are easy to guess.
js-strength-warning-sequences = Sequences like "abc" or "123" are easy to guess.
js-strength-warning-recent-years = Recent years are easy to guess.
js-strength-warning-dates = Dates are easy to guess.
js-strength-warning-top-ten = This is one of the most used passwords.
js-strength-warning-top-hundred = This is a very common password.
js-strength-warning-common = This is a common password.
js-strength-warning-similar-to-common = This is close to a common password.
js-strength-warning-word-by-itself = A single word is easy to guess.
js-strength-warning-names-by-themselves = Names on their own are easy to guess.
js-strength-warning-common-names = Common names are easy to guess.
js-strength-warning-user-inputs = Don't use your name or email address.
js-strength-warning-pwned = This password has appeared in a data breach.

## strength.js: zxcvbn-ts suggestions
js-strength-suggestion-l33t = Swapping letters for look-alike symbols doesn't help much.
js-strength-suggestion-reverse-words = Spelling a word backwards doesn't help much.
js-strength-suggestion-all-uppercase = Capitalise some letters, not all.
js-strength-suggestion-capitalization = Capitalise more than the first letter.
js-strength-suggestion-dates = Avoid dates that mean something to you.
js-strength-suggestion-recent-years = Avoid recent years.
js-strength-suggestion-associated-years = Avoid years that mean something to you.
js-strength-suggestion-sequences = Avoid sequences.
js-strength-suggestion-repeated = Avoid repeated words and characters.
js-strength-suggestion-longer-keyboard-pattern = Avoid keyboard patterns.
js-strength-suggestion-another-word = Add another word or two that are less common.
js-strength-suggestion-use-words = A few unrelated words make a strong password.
js-strength-suggestion-no-need = No symbols or capitals needed: length matters most.
js-strength-suggestion-pwned = If you use this password elsewhere, change it there too.

## strength.js: zxcvbn-ts durations ({ $base } is the number)
js-strength-time-lt-second = less than a second
js-strength-time-second = { $base } second
js-strength-time-seconds = { $base } seconds
js-strength-time-minute = { $base } minute
js-strength-time-minutes = { $base } minutes
js-strength-time-hour = { $base } hour
js-strength-time-hours = { $base } hours
js-strength-time-day = { $base } day
js-strength-time-days = { $base } days
js-strength-time-month = { $base } month
js-strength-time-months = { $base } months
js-strength-time-year = { $base } year
js-strength-time-years = { $base } years
js-strength-time-centuries = centuries

## strength.js: strength levels
js-strength-level-very-weak = Very weak
js-strength-level-weak = Weak
js-strength-level-fair = Fair
js-strength-level-good = Good
js-strength-level-strong = Strong
js-strength-too-short-one = Too short: { $n } more character needed.
js-strength-too-short = Too short: { $n } more characters needed.
js-strength-too-long = Too long: use at most { $max } characters.
js-strength-known-password = It is a known password: the server will likely refuse it. Choose another.
# "Fair. Avoid sequences."
js-strength-verdict-advice = { $level }. { $advice }
js-strength-verdict = { $level }.

## last-method.js
js-last-method-last-used = Last used

## shell.js: the page header
js-shell-your-account = Your account

## sign-in.js
js-sign-in-enter-email-or-username = Enter your email address or username.
js-sign-in-enter-email = Enter your email address.
js-sign-in-enter-password = Enter your password.
# Followed by the link js-sign-in-reset-password.
js-sign-in-wrong-email-or = That email or password is not right. Check both and try again, or
js-sign-in-wrong-email = That email or password is not right. Check both and try again.
# Followed by the link js-sign-in-reset-password.
js-sign-in-wrong-username-or = That email, username or password is not right. Check both and try again, or
js-sign-in-wrong-username = That email, username or password is not right. Check both and try again.
js-sign-in-reset-password = reset your password
js-sign-in-verify-email-first = Verify your email address first: we've sent a new link to your inbox. Open it, then sign in here.
js-sign-in-password-compromised = The password you entered has been compromised. We have e-mailed you a link to choose a new one.
# $error is the server's reason ("Too many attempts"); followed by the link js-sign-in-reset-password.
js-sign-in-wait-or = { $error } Wait a few minutes before you try again, or
js-sign-in-wait = { $error } Wait a few minutes before you try again.
js-sign-in-second-step = Password accepted. One more step…
js-sign-in-signed-in = Signed in. Redirecting…

## sign-up.js
js-sign-up-enter-name = Enter your name.
js-sign-up-enter-email = Enter your email address.
js-sign-up-choose-password = Choose a password.
js-sign-up-retype-password = Type your password again.
# Followed by the link js-sign-up-sign-in-instead.
js-sign-up-email-taken = An account with this email already exists.
js-sign-up-sign-in-instead = Sign in instead
# Between the links js-sign-up-sign-in-instead and js-sign-up-reset-password.
js-sign-up-or = or
js-sign-up-reset-password = reset your password
js-sign-up-username-taken = That username is taken. Try another.
js-sign-up-username-too-short = Use at least 3 characters.
js-sign-up-username-too-long = Use at most 30 characters.
js-sign-up-username-invalid = Use only letters, digits, dots and underscores.
js-sign-up-verify-email = Almost done: we've sent a link to { $email }. Open it to verify your address, then sign in.
js-sign-up-created = Account created. Redirecting…

## forgot-password.js
js-forgot-password-sent = If an account exists for that address, we've sent it a link to reset the password. Check your email.

## reset-password.js
js-reset-password-choose-new = Choose a new password.
js-reset-password-retype-new = Type the new password again.
js-reset-password-link-unusable = This link can't be used
js-reset-password-link-invalid = This reset link is invalid or has expired. Each link works once, for a limited time.
js-reset-password-ask-new-link = Ask for a new link
# The page's heading and the start of its <title>.
js-reset-password-changed = Password changed
js-reset-password-changed-text = Your password has been changed.
js-reset-password-sign-in-new = Sign in with your new password

## verify-email.js
js-verify-email-invalid-token = This link is not valid. It may have been copied only in part, or replaced by a newer one.
js-verify-email-token-expired = This link has expired.
js-verify-email-user-not-found = The account for this link no longer exists.
js-verify-email-failed = We couldn't verify your email address with this link.
js-verify-email-send-new-link = Send a new link from your account
js-verify-email-not-verified-title = Email not verified
js-verify-email-verified-title = Email verified
js-verify-email-verified = Thank you: your email address is verified.

## account.js
js-account-sign-in-again = Sign in again
js-account-reauth-needed = For your security, sign in again before you do this.
js-account-session-ended = Your session has ended. Sign in again to continue.
js-account-email-verified = Verified
js-account-email-not-verified = Not verified
js-account-change-email-how-verified = We'll email your current address to approve the change, then send a link to the new one to confirm it.
js-account-change-email-how-unverified = We'll send a link to the new address to confirm it.
js-account-enter-name = Enter your name.
js-account-image-invalid = Enter a link that starts with https://, or leave it empty.
js-account-profile-saved = Profile saved.
js-account-verification-sent = We've sent a link to { $email }. Open it to verify your address. No email? Check your spam folder, or send it again.
js-account-enter-new-email = Enter the new email address.
js-account-same-email = That is already your email address.
# $email is the current address, $newEmail the new one.
js-account-change-email-approve = Almost done: open the link we sent to { $email } to approve the change. Then confirm { $newEmail } with the link we send there.
js-account-change-email-confirm = Almost done: open the link we sent to { $newEmail } to confirm it.
js-account-enter-current-password = Enter your current password.
js-account-choose-new-password = Choose a new password.
js-account-retype-new-password = Type the new password again.
js-account-wrong-current-password = That is not your current password. Try again.
js-account-password-changed-others-out = Password changed. Your other devices were signed out.
js-account-password-changed = Password changed.
js-account-choose-password = Choose a password.
js-account-retype-password = Type the password again.
js-account-password-set = Password set. You can now sign in with your email and this password.
js-account-delete-confirm = Delete your account permanently? This cannot be undone.
js-account-delete-enter-password = Enter your password to delete your account.
js-account-delete-wrong-password = That is not your password. Try again.
# Deletion waits for the emailed link (the server's message, "Verification email sent").
js-account-delete-email-sent = Verification email sent. Open the link in the email to finish.
# The same with another message of the server's ($message).
js-account-delete-check-email = { $message }. Open the link in the email to finish.
js-account-this-device = This device
js-account-used-by-admin = Used by an administrator
js-account-active-now = Active now
# $when is a relative time: "5 minutes ago", "just now".
js-account-signed-in-when = Signed in { $when }
js-account-device-details = Details
js-account-fact-browser = Browser or app
js-account-fact-ip-address = IP address
js-account-fact-signed-in = Signed in
js-account-fact-expires = Signed out automatically
js-account-sign-out = Sign out
js-account-sign-out-here-label = Sign out of this device
# What a screen reader hears: "Sign out Chrome on macOS, signed in 5 minutes ago".
js-account-sign-out-device-label = Sign out { $device }, { $when }
js-account-sessions-only-this = Only this device is signed in.
js-account-sessions-others-one = This device and { $n } other device are signed in.
js-account-sessions-others = This device and { $n } other devices are signed in.
js-account-device-signed-out = That device was signed out.
js-account-others-signed-out = All other devices were signed out.

## reference.js: the API reference's "try it"
js-reference-fill-path = Fill in { $name }: it is part of the path.
js-reference-body-not-json = The body is not valid JSON: { $error }
js-reference-redirect-status = 3xx redirect
js-reference-redirect-body = The server answered with a redirect. Browsers do not let a page's script see where it leads: open the address in the browser to follow it.
js-reference-redirect-after = Redirect after { $ms } ms.
js-reference-empty-body = (empty body)
js-reference-answered = Answered { $status } in { $ms } ms.
js-reference-sending = Sending…
js-reference-request-failed = The request failed: { $error }
