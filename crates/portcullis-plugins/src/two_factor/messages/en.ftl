# The two-factor plugin's challenge page, account section, page scripts, e-mails and text message, in English.

## Page title (the challenge page) and headings
two-factor-title = Two-step verification

## The challenge page (templates/two-factor.html)
two-factor-intro = Your password (or link) was right. Now prove it's you with your second step.
two-factor-noscript = This page needs JavaScript to finish signing you in.
two-factor-totp-heading = Authenticator app
two-factor-totp-label = 6-digit code from your authenticator app
two-factor-totp-hint = Open your authenticator app and type the code it shows for { $app }.
two-factor-totp-hint-no-app = Open your authenticator app and type the code it shows for this site.
two-factor-checking = Checking…
two-factor-verify = Verify
two-factor-otp-heading = Code by email
two-factor-otp-status = We'll email a 6-digit code to the address on your account.
two-factor-sending = Sending…
two-factor-send-code = Email me a code
two-factor-otp-label = Code from the email
two-factor-backup-heading = Backup code
two-factor-backup-label = One of your backup codes
two-factor-backup-hint = Like abcde-12345. Each code works once.
two-factor-trust-device = { $days ->
    [one] Trust this device for { $days } day
   *[other] Trust this device for { $days } days
}
two-factor-other-ways = Other ways to verify
two-factor-use-app = Use your authenticator app
two-factor-use-email = Email me a code instead
two-factor-use-backup = Use a backup code
two-factor-start-again = Start again

## Account page, Security section (templates/account-two-factor.html)
two-factor-account-intro = After your password, ask for a code from an authenticator app on your phone. Confirm your password to start.
two-factor-your-password = Your password
two-factor-starting = Starting…
two-factor-set-up-app = Set up an authenticator app
two-factor-scan = Scan this QR code with your authenticator app.
two-factor-cant-scan = Can't scan it? Enter this key in the app instead:
two-factor-save-codes = Save these backup codes somewhere safe. Each one signs you in once if you lose your phone.
two-factor-download-codes = Download the codes
two-factor-confirm-label = 6-digit code from the app
two-factor-confirm-hint = Type the code your app shows now to finish.
two-factor-turn-on = Turn on two-step verification
two-factor-lost-codes = Lost your backup codes, or used most of them? New ones replace all the old ones.
two-factor-generating = Generating…
two-factor-show-new-codes = Show new backup codes
two-factor-off-warning = Turning it off leaves only your password between others and your account.
two-factor-turning-off = Turning off…
two-factor-turn-off = Turn off two-step verification

## The challenge page's script (assets/two-factor.js)
js-two-factor-expired = This sign-in has expired or was already used. Sign in again to get a new one.
js-two-factor-sign-in-again = Sign in again
js-two-factor-enter-digits = Enter the digits of the code.
js-two-factor-enter-backup-code = Enter one of your backup codes.
js-two-factor-wrong-email-code = That code is not right. Check the email and try again.
js-two-factor-wrong-app-code = That code is not right. Type the code your app shows now.
js-two-factor-wrong-backup-code = That backup code is not right, or was already used. Try another one.
js-two-factor-code-expired = That code has expired. Email yourself a new one.
js-two-factor-too-many-codes = Too many wrong codes. Email yourself a new code.
js-two-factor-locked = Too many wrong codes for this account. Wait 15 minutes, then try again.
js-two-factor-verified = Verified. Redirecting…
js-two-factor-code-sent = We've emailed you a code. It works once and expires in a few minutes.
js-two-factor-send-new-code = Email me a new code

## The account section's script (assets/two-factor-account.js)
js-two-factor-wrong-password = That password is not right.
js-two-factor-state-on = On: signing in asks for a code from your authenticator app (or a backup code).
js-two-factor-state-off = Off: your password alone signs you in.
js-two-factor-qr-label = QR code for your authenticator app
js-two-factor-enter-password = Enter your password.
js-two-factor-enter-six-digits = Enter the 6 digits your app shows.
js-two-factor-wrong-setup-code = That code is not right. Check the app's clock, and type the code it shows now.
js-two-factor-now-on = Two-step verification is on. Keep your backup codes safe.
js-two-factor-new-codes = New backup codes are below; the old ones no longer work.
js-two-factor-now-off = Two-step verification is off.

## API errors (errorText): the server's messages
js-error-OTP_NOT_ENABLED = OTP not enabled
js-error-OTP_NOT_CONFIGURED = OTP is not available
js-error-OTP_HAS_EXPIRED = OTP has expired
js-error-TOTP_NOT_ENABLED = TOTP not enabled
js-error-TOTP_ALREADY_ENABLED = TOTP is already enabled
js-error-TOTP_NOT_CONFIGURED = TOTP is not available
js-error-TWO_FACTOR_NOT_ENABLED = Two factor isn't enabled
js-error-BACKUP_CODES_NOT_ENABLED = Backup codes aren't enabled
js-error-INVALID_BACKUP_CODE = Invalid backup code
js-error-INVALID_CODE = Invalid code
js-error-TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE = Too many attempts. Please request a new code.
js-error-ACCOUNT_TEMPORARILY_LOCKED = Too many failed verification attempts. Your account is temporarily locked. Please try again later.
js-error-INVALID_TWO_FACTOR_COOKIE = Invalid two factor cookie

## E-mail: a sign-in code (templates/email-two-factor-otp.*)
two-factor-email-otp-subject = Your { $app } sign-in code: { $code }
two-factor-email-otp-title = Your { $app } sign-in code
two-factor-email-otp-preheader = Your { $app } sign-in code is { $code }.
two-factor-email-otp-heading = Your sign-in code
two-factor-email-otp-enter = Enter this code in { $app } to finish signing in:
two-factor-email-otp-expires = { $n ->
    [one] It expires in { $n } minute.
   *[other] It expires in { $n } minutes.
}
two-factor-email-otp-never-share = Never share it with anyone: { $app } will never ask you for it.
two-factor-email-otp-not-you = If you didn't just sign in, someone knows your password: change it from your account page.

## Text message: a sign-in code (templates/sms-two-factor-otp.txt)
two-factor-sms-code = { $code } is your { $app } sign-in code.
two-factor-sms-expires = It expires in { $n } min.
two-factor-sms-dont-share = Don't share it.

## E-mail: a change to two-step verification (templates/email-two-factor-changed.*)
# The sentences about the change are split around the account's address, shown in bold:
# "<sentence> <address><sentence>-end".
two-factor-email-review-account = Review your account
two-factor-email-subject-on = Two-step verification was turned on for your { $app } account
two-factor-email-subject-off = Two-step verification was turned off for your { $app } account
two-factor-email-subject-new-codes = New backup codes for your { $app } account
two-factor-email-subject-replayed = A used authenticator code was entered on your { $app } account
two-factor-email-subject-code-used = A backup code was used on your { $app } account
two-factor-email-title-on = Two-step verification was turned on
two-factor-email-title-off = Two-step verification was turned off
two-factor-email-title-new-codes = New backup codes
two-factor-email-title-replayed = A used authenticator code was entered
two-factor-email-title-code-used = A backup code was used
two-factor-email-preheader = A change to the two-step verification of your { $app } account.
two-factor-email-heading-on = Two-step verification is on
two-factor-email-heading-off = Two-step verification is off
two-factor-email-heading-replayed = A used code was entered
two-factor-email-totp-added = An authenticator app was set up for two-step verification on your { $app } account
two-factor-email-totp-added-end = .
two-factor-email-otp-added = Two-step verification by emailed codes was turned on for your { $app } account
two-factor-email-otp-added-end = .
two-factor-email-removed = Two-step verification was turned off for your { $app } account
two-factor-email-removed-end = : your password alone now signs you in.
two-factor-email-new-codes = New backup codes were made for your { $app } account
two-factor-email-new-codes-end = . The old ones no longer work.
two-factor-email-replayed = A code from your authenticator app that had already been used was entered again on your { $app } account
two-factor-email-replayed-end = , and refused. Each code works once. If you entered the same code twice, there is nothing to worry about; otherwise someone has seen one of your codes and may know your password.
two-factor-email-code-used = A backup code was used to sign in to your { $app } account
two-factor-email-code-used-end = .
two-factor-email-codes-left = { $n ->
    [one] { $n } unused code left.
   *[other] { $n } unused codes left.
}
two-factor-email-was-you = If this was you, there is nothing to do.
# "<strong>If it wasn't you</strong>, someone else can use your account: <a>reset your password</a>, then review …"
two-factor-email-not-you = If it wasn't you
two-factor-email-not-you-then = , someone else can use your account:
two-factor-email-reset-password = reset your password
two-factor-email-review-below = , then review your sessions and two-step verification with the button below.
two-factor-email-review-account-page = , then review your sessions and two-step verification on your account page.
