# The magic-link plugin's page, sign-in button, script and e-mail, in English.

## The page (templates/magic-link.html); magic-link-title is also its page title
magic-link-title = Email me a sign-in link
magic-link-intro = We'll send a link to your email address. Open it on this device to sign in, no password needed.
magic-link-noscript = This page needs JavaScript to send the link.
magic-link-error-invalid = This sign-in link is invalid, has expired or has already been used.
magic-link-error-expired = This sign-in link has expired.
magic-link-error-unknown = That sign-in link could not be used.
magic-link-error-ask-again = Ask for a new one below.
magic-link-email-label = Email
magic-link-sending = Sending…
magic-link-send = Send sign-in link
magic-link-password-instead = Sign in with a password instead

## Sign-in page: "Other ways to sign in" (templates/magic-link-sign-in-button.html)
magic-link-button = Email me a sign-in link

## Script (assets/magic-link.js)
js-magic-link-sent = Check your email: we've sent a sign-in link to { $email }. It works once and expires soon.

## The e-mail (templates/email-magic-link.html, .txt)
magic-link-email-sign-in-to = Sign in to { $brand }
magic-link-email-preheader = Your sign-in link for { $brand }.
# Around the address, in bold: "Click the button below to sign in as <address>. The link works once."
magic-link-email-sign-in-as = Click the button below to sign in as
magic-link-email-works-once = . The link works once.
magic-link-email-expires = It expires in { $expires }.
magic-link-email-action-text = Sign in
magic-link-email-text = Open the link below to sign in to { $brand } as { $email }. The link works once.
