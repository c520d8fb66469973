# The api-key plugin's account section, its script and the key-expiry e-mail, in English.

## Account section "API keys" (templates/account-api-keys.html)
api-key-section-label = API keys
api-key-intro = Keys let your scripts and services act for your account. Treat each like a password: anyone who has it can use it. Revoke a key you no longer use or may have shared by mistake.
api-key-name-label = Key name
api-key-name-hint = What the key is for, so you can tell keys apart (up to 32 characters).
api-key-expires-label = Expires
api-key-expires-never = Never
api-key-expires-7-days = In 7 days
api-key-expires-30-days = In 30 days
api-key-expires-90-days = In 90 days
api-key-expires-year = In a year
api-key-creating = Creating…
api-key-create-button = Create key
api-key-created-title = Copy your new key now
api-key-created-intro = This is the only time it is shown. Store it somewhere safe, such as a password manager or your service's secret settings.
api-key-value-label = New key
api-key-copy-button = Copy key
api-key-done-button = I have stored it
api-key-list-title = Your keys
api-key-loading = Loading keys…

## Key-expiry e-mail (templates/email-api-key-expiring.html and .txt)
api-key-expiring-email-action = Make a new key
api-key-expiring-email-title-today = Your API key expires today
api-key-expiring-email-title = { $days ->
    [one] Your API key expires in { $days } day
   *[other] Your API key expires in { $days } days
}
api-key-expiring-email-subject-today = Your { $app } API key expires today
api-key-expiring-email-subject = { $days ->
    [one] Your { $app } API key expires in { $days } day
   *[other] Your { $app } API key expires in { $days } days
}
api-key-expiring-email-subject-named-today = Your { $app } API key "{ $name }" expires today
api-key-expiring-email-subject-named = { $days ->
    [one] Your { $app } API key "{ $name }" expires in { $days } day
   *[other] Your { $app } API key "{ $name }" expires in { $days } days
}
api-key-expiring-email-preheader = An API key on your { $app } account expires on { $date }.
api-key-expiring-email-heading = Your API key expires soon
# Pieces of one sentence: "Your API key <name> (<abc123…>) on the Acme account <ada@example.com> expires on <2026-12-05 07:49 UTC>."
api-key-expiring-email-your-key = Your API key
api-key-expiring-email-on-account = on the { $app } account
api-key-expiring-email-expires-on = expires on
api-key-expiring-email-intro-text = Your API key ({ $start }…) on the { $app } account { $to } expires on { $date }.
api-key-expiring-email-intro-text-named = Your API key "{ $name }" ({ $start }…) on the { $app } account { $to } expires on { $date }.
api-key-expiring-email-after-html = After that, every request made with it is refused. To keep what uses it working, make a new key with the button below, put it in place of the old one, then delete the old one.
api-key-expiring-email-after-text = After that, every request made with it is refused. To keep what uses it working, make a new key on your account page ({ $url }), put it in place of the old one, then delete the old one.
api-key-expiring-email-unused = If you no longer use this key, there is nothing to do: it stops working on its own.

## Account section script (assets/api-keys.js)
js-api-key-sign-in-again = Sign in again
js-api-key-session-ended = Your session has ended. Sign in again to manage your keys.
js-api-key-unnamed = Unnamed key
js-api-key-starts-with = Starts with { $start }…
js-api-key-start-not-stored = Start not stored
js-api-key-turned-off = Turned off
js-api-key-created = Created
js-api-key-expires = Expires
js-api-key-last-used = Last used
js-api-key-never = Never
js-api-key-not-yet = Not yet
js-api-key-not-known = Not known
js-api-key-this-key = this key
js-api-key-rename = Rename
js-api-key-rename-label = Rename { $key }
js-api-key-enter-new-name = Enter a name for the key.
js-api-key-renamed = The key was renamed.
js-api-key-revoke = Revoke
js-api-key-revoke-label = Revoke { $key }
js-api-key-revoke-confirm = Revoke { $key }? Anything using it stops working at once.
js-api-key-revoked = The key was revoked. Anything still using it is refused.
js-api-key-none = You have no API keys yet.
js-api-key-enter-name = Enter a name for the key, so you can tell it apart later.
js-api-key-copied = The key was copied.
js-api-key-copy-blocked = Copying was blocked: the key is selected, press Ctrl+C (⌘C on a Mac) to copy it.

## Admin console section "API keys" (templates/admin-api-keys.html), with the admin plugin
api-key-console-section-label = API keys
api-key-console-intro = Every user's API keys, newest first. Turn off a key you think is misused: it is refused from its next request, until it is turned on again. Keys themselves are never shown, only their first characters.
api-key-console-owner = Owner
api-key-console-owner-hint = An e-mail address in full, or a user id.
api-key-console-search = Name or first characters
api-key-console-search-hint = Part of a key's name, or the characters it starts with.
api-key-console-state = State
api-key-console-state-any = Any
api-key-console-state-enabled = On
api-key-console-state-disabled = Turned off
api-key-console-state-expired = Expired
api-key-console-filter = Show keys
api-key-console-filtering = Searching…
api-key-console-loading = Loading keys…
api-key-console-more = Show more keys
api-key-console-list-label = Every user's API keys

## Admin console section script (assets/admin-api-keys.js)
js-api-key-console-unnamed = Unnamed key
js-api-key-console-this-key = this key
js-api-key-console-starts-with = Starts with
js-api-key-console-start-value = { $start }…
js-api-key-console-start-not-stored = Not stored
js-api-key-console-owner = Owner
js-api-key-console-state = State
js-api-key-console-state-enabled = On
js-api-key-console-state-disabled = Turned off
js-api-key-console-state-expired = Expired
js-api-key-console-created = Created
js-api-key-console-expires = Expires
js-api-key-console-never = Never
js-api-key-console-last-used = Last used
js-api-key-console-not-yet = Not yet
js-api-key-console-not-known = Not known
js-api-key-console-requests = Uses in the rate-limit window
js-api-key-console-turn-off = Turn off
js-api-key-console-turn-off-label = Turn off { $key } ({ $owner })
js-api-key-console-turned-off = The key { $key } ({ $owner }) is turned off: every request made with it is refused.
js-api-key-console-turn-on = Turn on
js-api-key-console-turn-on-label = Turn on { $key } ({ $owner })
js-api-key-console-turned-on = The key { $key } ({ $owner }) is turned on again.
js-api-key-console-delete = Delete
js-api-key-console-delete-label = Delete { $key } ({ $owner })
js-api-key-console-delete-confirm = Delete the key { $key } ({ $owner })? Anything using it stops working at once, and this cannot be undone.
js-api-key-console-deleted = The key { $key } ({ $owner }) was deleted.
js-api-key-console-empty = No key matches.

## API error codes (errors.rs): the server's own messages
js-error-INVALID_METADATA_TYPE = metadata must be an object or undefined
js-error-REFILL_AMOUNT_AND_INTERVAL_REQUIRED = refillAmount is required when refillInterval is provided
js-error-REFILL_INTERVAL_AND_AMOUNT_REQUIRED = refillInterval is required when refillAmount is provided
js-error-USER_BANNED = User is banned
js-error-UNAUTHORIZED_SESSION = Unauthorized or invalid session
js-error-KEY_NOT_FOUND = API Key not found
js-error-KEY_DISABLED = API Key is disabled
js-error-KEY_EXPIRED = API Key has expired
js-error-USAGE_EXCEEDED = API Key has reached its usage limit
js-error-KEY_NOT_RECOVERABLE = API Key is not recoverable
js-error-EXPIRES_IN_IS_TOO_SMALL = The expiresIn is smaller than the predefined minimum value.
js-error-EXPIRES_IN_IS_TOO_LARGE = The expiresIn is larger than the predefined maximum value.
js-error-INVALID_REMAINING = The remaining count is either too large or too small.
js-error-INVALID_PREFIX_LENGTH = The prefix length is either too large or too small.
js-error-INVALID_NAME_LENGTH = The name length is either too large or too small.
js-error-METADATA_DISABLED = Metadata is disabled.
js-error-RATE_LIMIT_EXCEEDED = Rate limit exceeded.
js-error-NO_VALUES_TO_UPDATE = No values to update.
js-error-KEY_DISABLED_EXPIRATION = Custom key expiration values are disabled.
js-error-INVALID_API_KEY = Invalid API key.
js-error-INVALID_USER_ID_FROM_API_KEY = The user id from the API key is invalid.
js-error-INVALID_REFERENCE_ID_FROM_API_KEY = The reference id from the API key is invalid.
js-error-INVALID_API_KEY_GETTER_RETURN_TYPE = API Key getter returned an invalid key type. Expected string.
js-error-SERVER_ONLY_PROPERTY = The property you're trying to set can only be set from the server auth instance only.
js-error-FAILED_TO_UPDATE_API_KEY = Failed to update API key
js-error-NAME_REQUIRED = API Key name is required.
js-error-ORGANIZATION_ID_REQUIRED = Organization ID is required for organization-owned API keys.
js-error-USER_NOT_MEMBER_OF_ORGANIZATION = You are not a member of the organization that owns this API key.
js-error-INSUFFICIENT_API_KEY_PERMISSIONS = You do not have permission to perform this action on organization API keys.
js-error-NO_DEFAULT_API_KEY_CONFIGURATION_FOUND = No default api-key configuration found.
js-error-ORGANIZATION_PLUGIN_REQUIRED = Organization plugin is required for organization-owned API keys. Please install and configure the organization plugin.
js-error-RATE_LIMITED = Rate limit exceeded.
js-error-INVALID_SERVER_SECRET = The server secret is not valid.
js-error-VERIFY_PERMISSION_REQUIRED = Verifying API keys needs the server secret or an API key with the permission "apiKey":["verify"].
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_API_KEYS = You are not allowed to see or manage other users' API keys
