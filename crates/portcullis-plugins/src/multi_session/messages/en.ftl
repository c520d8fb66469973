# The multi-session plugin's account section and its script, in English.

## Account page: "Accounts on this browser" (templates/account-accounts.html); also the section's label
multi-session-title = Accounts on this browser
multi-session-intro = You can stay signed in to several accounts here and switch between them without signing in again. Signing out of one leaves the others signed in.
multi-session-loading = Loading accounts…
multi-session-add = Add another account

## Script (assets/accounts.js); $account is a name with its address, or an address
js-multi-session-in-use = In use now
js-multi-session-account = { $name } ({ $email })
js-multi-session-switch = Switch
js-multi-session-switch-to = Switch to { $account }
js-multi-session-sign-out = Sign out
js-multi-session-sign-out-of = Sign out of { $account }
# Names the button multi-session-add.
js-multi-session-ended = The session of { $account } has ended. Use "Add another account" to sign in to it again.
js-multi-session-signed-out = Signed out of { $account }. Your other accounts stay signed in.
js-multi-session-list-failed = The accounts could not be listed. Reload the page to try again.
js-multi-session-only-one = Only this account is signed in here. Add another to switch between them.

## Error codes
js-error-INVALID_SESSION_TOKEN = Invalid session token
