# The core e-mails (templates/email-*.html and .txt), in English.

## How long a link or code stays good: `expires_in` in the templates.
duration-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
duration-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
duration-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}

## The layout every e-mail extends (email-base.html and .txt).
email-base-greeting = Hi,
email-base-greeting-named = Hi { $name },
email-base-link-fallback = If the button doesn't work, copy this link into your browser:
email-base-ignore-notice = If you didn't request this, you can ignore this email.
email-base-thanks = Thanks,
email-base-signature = The { $brand } team
email-base-need-help = Need help?
email-base-support = Support
email-base-privacy = Privacy
email-base-terms = Terms
email-base-sent-to = This email was sent to { $address }.
# The text part: the button's label, then the link on the next line.
email-base-action-line = { $label }:
email-base-help-line = Help: { $address }
email-base-support-line = Support: { $url }
email-base-privacy-line = Privacy: { $url }
email-base-terms-line = Terms: { $url }

## Shared by several e-mails.
email-link-expires = The link expires in { $duration }.
email-if-this-was-you = If this was you, there is nothing to do.
# In bold, followed by ", " and the advice.
email-if-it-wasnt-you = If it wasn't you
email-action-sign-in = Sign in

## When, from where and on what (email-request-details.html and .txt).
email-details-when = When
email-details-ip = IP address
email-details-device = Device
# The text part: the values start in the same column on the three lines.
email-details-when-line = When:       { $value }
email-details-ip-line = IP address: { $value }
email-details-device-line = Device:     { $value }

## " Contact us at ..." (email-contact-support.html and .txt), followed by the address or page.
email-contact-support-email = Contact us at
email-contact-support-page = Contact us through

## Verifying an address (email-verification).
email-verification-subject = Verify your email for { $brand }
email-verification-preheader = Confirm your email address to finish setting up your { $brand } account.
email-verification-heading = Verify your email
email-verification-action = Verify email address
email-verification-action-text = Verify your email address
# Followed by the address, then by-button (HTML) or by-link (text).
email-verification-confirm = Please confirm that
email-verification-by-button = is your email address by clicking the button below.
email-verification-by-link = is your email address by opening the link below.

## Password reset link (email-password-reset).
email-password-reset-subject = Reset your { $brand } password
email-password-reset-preheader = Someone asked to reset the password of your { $brand } account.
email-password-reset-heading = Reset your password
email-password-reset-action = Reset password
email-password-reset-action-text = Choose a new password
email-password-reset-request = We received a request to reset the password of your { $brand } account.
email-password-reset-click = Click the button below to choose a new one.
email-password-reset-ignore = If you didn't ask to reset your password, you can ignore this email: your password stays the same.

## Approving a change of address, sent to the current one (email-change-email).
email-change-email-subject = Confirm your new email for { $brand }
email-change-email-preheader = Approve changing your { $brand } email address to { $new_address }.
email-change-email-heading = Approve your email change
email-change-email-action = Approve the change
# "… account from <current address> to <new address>."
email-change-email-from = Someone asked to change the email address of your { $brand } account from
email-change-email-to = to
email-change-email-approve = If that was you, approve the change with the button below.
email-change-email-approve-link = If that was you, approve the change with the link below.
email-change-email-ignore = If you didn't request this, you can ignore this email: your address stays { $address }. You may want to change your password.

## Confirming an account deletion (email-delete-account).
email-delete-account-subject = Confirm deleting your { $brand } account
email-delete-account-preheader = Confirm that you want to delete your { $brand } account.
email-delete-account-heading = Delete your account?
email-delete-account-action = Delete my account
email-delete-account-action-text = Confirm deleting your account
# Followed by the address and ".".
email-delete-account-request = We received a request to delete the { $brand } account for
# In bold, followed by email-delete-account-consequence.
email-delete-account-permanent = This is permanent:
email-delete-account-consequence = your account and its data will be removed and cannot be recovered.
email-delete-account-ignore = If you didn't request this, you can ignore this email: your account stays as it is. You may want to change your password.

## A new account (email-welcome).
email-welcome-subject = Welcome to { $brand }
email-welcome-preheader = Your { $brand } account is ready.
email-welcome-action = Sign in to { $brand }
# "Your account for <address> is ready."
email-welcome-account-for = Your account for
email-welcome-ready = is ready.
email-welcome-ready-text = Your { $brand } account for { $address } is ready.

## A sign-in alert (email-new-sign-in).
email-new-sign-in-subject = New sign-in to your { $brand } account
email-new-sign-in-preheader = Your { $brand } account was just used to sign in.
email-new-sign-in-heading = New sign-in to your account
email-new-sign-in-action = Review your account
# "Your Acme account <address> was just used to sign in."
email-new-sign-in-account = Your { $brand } account
email-new-sign-in-used = was just used to sign in.
# "If it wasn't, <link>reset your password</link> right away and sign out your other sessions."
email-new-sign-in-if-not = If it wasn't,
email-new-sign-in-reset-link = reset your password
email-new-sign-in-after-reset = right away and sign out your other sessions.
email-new-sign-in-change-password = If it wasn't, change your password right away and sign out your other sessions.
email-new-sign-in-reset-text = If it wasn't, reset your password right away ({ $url }) and sign out your other sessions.
email-new-sign-in-reset-no-link-text = If it wasn't, reset your password right away and sign out your other sessions.

## A password was changed or added (email-password-changed).
email-password-changed-subject = Your { $brand } password was changed
email-password-changed-subject-added = A password was added to your { $brand } account
email-password-changed-preheader = The password of your { $brand } account was just changed.
email-password-changed-preheader-added = Your { $brand } account now has a password.
email-password-changed-heading = Your password was changed
email-password-changed-heading-added = A password was added to your account
email-password-changed-action = Reset your password
# "The password of your Acme account <address> was just changed."
email-password-changed-account = The password of your { $brand } account
email-password-changed-changed = was just changed.
# "A password was just set on your Acme account <address>: it can now be used to sign in."
email-password-changed-set-on = A password was just set on your { $brand } account
email-password-changed-can-sign-in = : it can now be used to sign in.
# After "If it wasn't you, ": "… on your <link>account page</link>."
email-password-changed-advice = someone else can use your account: reset your password right away with the button below, then sign out the sessions you don't recognise on your
email-password-changed-account-page = account page
email-password-changed-advice-text = someone else can use your account: reset your password right away with the link below, then sign out the sessions you don't recognise on your account page ({ $url }).

## A password was reset (email-password-was-reset).
email-password-was-reset-subject = Your { $brand } password was reset
email-password-was-reset-preheader = The password of your { $brand } account was just reset.
email-password-was-reset-heading = Your password was reset
email-password-was-reset-action = Reset your password again
# "The password of your Acme account <address> was just reset."
email-password-was-reset-account = The password of your { $brand } account
email-password-was-reset-reset = was just reset.
email-password-was-reset-signed-out = Every device that was signed in has been signed out.
# After "If it wasn't you, ".
email-password-was-reset-advice = someone else got hold of your reset link or code: secure your mailbox, then reset your password again with the button below.
email-password-was-reset-advice-text = someone else got hold of your reset link or code: secure your mailbox, then reset your password again with the link below.

## The address was changed, sent to the old one (email-email-changed).
email-email-changed-subject = The email address of your { $brand } account was changed
email-email-changed-preheader = Your { $brand } account no longer uses this address.
email-email-changed-heading = Your email address was changed
email-email-changed-action = Contact support
# "… account was just changed from <old address> to <new address>."
email-email-changed-from = The email address of your { $brand } account was just changed from
email-email-changed-to = to
email-email-changed-from-now-on = From now on, sign-in links, codes and password resets go to the new address.
# After "If it wasn't you, ".
email-email-changed-taken-over = someone else has taken over your account, and a password reset would now go to them.
email-email-changed-tell-us = Tell us what happened, quoting the time above.
email-email-changed-contact-team = Contact the { $brand } team right away, quoting the time above.

## Someone tried to sign up with an address that has an account (email-sign-up-attempt).
email-sign-up-attempt-subject = Someone tried to sign up for { $brand } with your email
email-sign-up-attempt-preheader = You already have a { $brand } account with this address.
email-sign-up-attempt-heading = You already have an account
# "Someone tried to sign up for Acme with <address>, but this address …"
email-sign-up-attempt-tried = Someone tried to sign up for { $brand } with
email-sign-up-attempt-exists = but this address already has an account. No new account was created, and yours is unchanged.
email-sign-up-attempt-sign-in = If it was you, sign in with the button below.
email-sign-up-attempt-sign-in-text = If it was you, sign in with the link below.
# "If you don't remember your password, <link>reset it</link>."
email-sign-up-attempt-forgot = If you don't remember your password,
email-sign-up-attempt-reset-link = reset it
email-sign-up-attempt-reset-text = If you don't remember your password, reset it at { $url }
email-sign-up-attempt-not-you = If it wasn't you, you can ignore this email: nobody can use your account without your password.
