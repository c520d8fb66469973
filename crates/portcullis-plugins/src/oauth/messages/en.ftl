# The oauth plugin's sign-in buttons, "Linked accounts" section, script texts and e-mail, in English.

## "Continue with …" on the sign-in and sign-up pages (templates/oauth-sign-in-buttons.html)
oauth-continue-with = Continue with { $provider }
oauth-going-to = Going to { $provider }…

## Account section "Linked accounts" (templates/account-linked-accounts.html)
oauth-linked-accounts = Linked accounts
oauth-linked-accounts-intro = A linked account signs you in here without your password, and lets this service read the profile it shares (name, e-mail address, picture). Unlink one you no longer use; your last way to sign in cannot be removed.
oauth-linked-accounts-signs-you-in = Signs you in
oauth-linked-accounts-loading = Loading linked accounts…
oauth-linked-accounts-link-another = Link another
oauth-link-provider = Link { $provider }

## E-mail "account-linked" (templates/email-account-linked.html and .txt)
oauth-email-linked-action = Review your account
oauth-email-linked-subject = { $provider } was linked to your { $brand } account
oauth-email-linked-title = { $provider } was linked to your account
oauth-email-linked-preheader = A new way to sign in to your { $brand } account.
oauth-email-linked-heading = { $provider } was linked
# Followed by the address of the account, then a full stop.
oauth-email-linked-body = Your { $provider } account can now sign you in to your { $brand } account
oauth-email-linked-was-you = If this was you, there is nothing to do.
# The HTML e-mail's warning, in four parts around its bold start and its link:
# "If it wasn't you" + ", someone else … below," + "reset your password" (a link) + ", and review your sessions."
oauth-email-linked-not-you = If it wasn't you
oauth-email-linked-not-you-unlink = , someone else can sign in as you with { $provider }: unlink it with the button below,
oauth-email-linked-reset-password = reset your password
oauth-email-linked-review-sessions = , and review your sessions.
# The text e-mail's warning, in one piece.
oauth-email-linked-not-you-text = If it wasn't you, someone else can sign in as you with { $provider }: unlink it on your account page, reset your password ({ $reset_url }), and review your sessions.

## Script of the sign-in buttons (assets/oauth.js)
js-oauth-unreachable = The provider could not be reached. Try again.

## Script of "Linked accounts" (assets/oauth-account.js)
js-oauth-sign-in-again = Sign in again
js-oauth-sign-in-again-to-change = Sign in again to change how you sign in.
js-oauth-only-way = This is your only way to sign in. Link another account or set a password first.
js-oauth-email-and-password = E-mail and password
js-oauth-password-signs-you-in = Your password signs you in.
js-oauth-signs-you-in-as = Signs you in as { $account }
js-oauth-signs-you-in-as-sharing = Signs you in as { $account } · shares: { $scopes }
js-oauth-unlink = Unlink
js-oauth-unlink-provider = Unlink { $provider }
js-oauth-unlinked = { $provider } is no longer linked.
js-oauth-link-email-differs = The provider's e-mail address differs from yours here, so it was not linked.
js-oauth-link-taken = That provider account is already linked to another user.
js-oauth-link-unverified = The provider did not confirm your e-mail address, so it was not linked.
js-oauth-link-failed = The account could not be linked. Please try again.

## API errors (error_codes() in mod.rs)
js-error-PROVIDER_NOT_FOUND = Provider not found
js-error-ID_TOKEN_NOT_SUPPORTED = id_token not supported
js-error-USER_EMAIL_NOT_FOUND = User email not found
js-error-SOCIAL_ACCOUNT_ALREADY_LINKED = Social account already linked
js-error-FAILED_TO_UNLINK_LAST_ACCOUNT = You can't unlink your last account
js-error-OAUTH_LINK_ERROR = Unable to link the account
js-error-LINKING_NOT_ALLOWED = Account not linked - linking not allowed
js-error-LINKING_DIFFERENT_EMAILS_NOT_ALLOWED = Account not linked - different emails not allowed
js-error-LINKING_FAILED = Account not linked - unable to create account
js-error-PROVIDER_NOT_SUPPORTED = Provider is not supported.
js-error-TOKEN_REFRESH_NOT_SUPPORTED = Provider does not support token refreshing.
js-error-REFRESH_TOKEN_NOT_FOUND = Refresh token not found
js-error-FAILED_TO_REFRESH_ACCESS_TOKEN = Failed to refresh access token
js-error-FAILED_TO_GET_ACCESS_TOKEN = Failed to get a valid access token
js-error-PROVIDER_NOT_CONFIGURED = Account is not associated with a configured social provider.
js-error-ACCESS_TOKEN_NOT_FOUND = Access token not found
