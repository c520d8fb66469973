# The email-otp plugin's page, sign-in button, script and e-mail, in English.

## The page (templates/email-otp.html); email-otp-title is also its page title
email-otp-title = Sign in with a code
email-otp-noscript = This page needs JavaScript to sign you in.
email-otp-intro = We'll email you a { $length }-digit code. No password needed.
email-otp-email-label = Email
email-otp-sending = Sending…
email-otp-send = Send code
# Around the address, in bold: "Enter the code we sent to <address>."
email-otp-sent-to-before = Enter the code we sent to
email-otp-sent-to-after = .
email-otp-code-label = Code
email-otp-code-hint = { $minutes ->
    [one] It works once and expires after { $minutes } minute.
   *[other] It works once and expires after { $minutes } minutes.
}
email-otp-signing-in = Signing in…
email-otp-sign-in = Sign in
email-otp-resend = Send a new code
email-otp-change = Use another email
email-otp-another-way = Sign in another way

## Sign-in page: "Other ways to sign in" (templates/email-otp-sign-in-button.html)
email-otp-button = Sign in with a code

## Script (assets/email-otp.js)
js-email-otp-invalid-email = Enter an email address like name@example.com.
js-email-otp-email-required = Enter your email address.
js-email-otp-code-digits = Enter the digits from the email.
js-email-otp-too-many = Too many wrong codes. Ask for a new code, or wait a while and try again.
js-email-otp-expired = That code has expired. Send a new code.
js-email-otp-wrong = That code is not right. Check the email and try again.
js-email-otp-second-step = Code accepted. One more step…
js-email-otp-signed-in = Signed in. Redirecting…
js-email-otp-resent = We've sent a new code to { $email }.

## The e-mail (templates/email-email-otp.html, .txt); $type is sign-in, email-verification,
## forget-password or change-email
email-otp-email-title = Your { $brand } code
email-otp-email-subject = Your { $brand } code: { $otp }
email-otp-email-preheader = Your { $brand } code is { $otp }.
email-otp-email-heading = { $type ->
    [sign-in] Your sign-in code
    [email-verification] Verify your email
    [forget-password] Reset your password
    [change-email] Confirm your new email
   *[other] Your verification code
}
email-otp-email-enter = { $type ->
    [sign-in] Enter this code in { $brand } to sign in:
    [email-verification] Enter this code in { $brand } to verify your email address:
    [forget-password] Enter this code in { $brand } to reset your password:
    [change-email] Enter this code in { $brand } to confirm your new email address:
   *[other] Enter this code in { $brand }:
}
email-otp-email-expires = The code expires in { $expires }. Never share it with anyone.
email-otp-email-never-share = Never share this code with anyone.
