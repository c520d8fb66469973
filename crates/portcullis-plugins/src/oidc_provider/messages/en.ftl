# The OpenID provider plugin's consent page, "Connected apps" section, admin console section "OAuth clients", form post page and script texts, in English.

## Consent page (templates/oauth-consent.html)
oidc-provider-consent-title = Allow access
oidc-provider-consent-heading = Allow access?
oidc-provider-consent-noscript = This page needs JavaScript to answer the request.
oidc-provider-consent-able-to = It will be able to:
oidc-provider-consent-allow = Allow
oidc-provider-consent-allowing = Allowing…
oidc-provider-consent-deny = Deny

## Account section "Connected apps" (templates/account-connected-apps.html)
oidc-provider-connected-apps = Connected apps
oidc-provider-connected-apps-intro = Applications you allowed to use your account. Remove one you no longer use: it loses access at once and must ask you again.
oidc-provider-connected-apps-loading = Loading…

## The page that posts the answer back to the application (form_post.rs, response_mode=form_post)
oidc-provider-form-post-title = Returning to the application
oidc-provider-form-post-text = Returning you to the application…
oidc-provider-form-post-continue = Continue

## Script of the consent page (assets/oidc-consent.js)
js-oidc-provider-scope-openid = Know who you are (your account's identifier)
js-oidc-provider-scope-profile = See your name and profile picture
js-oidc-provider-scope-email = See your email address and whether it is verified
js-oidc-provider-scope-offline-access = Keep access while you are away, until you revoke it
# A scope the page has no words for; $scope is its name.
js-oidc-provider-scope-other = Use the “{ $scope }” permission
js-oidc-provider-request-expired = This request has expired or was changed on the way. Go back to the application and sign in again.
js-oidc-provider-request-missing = This page is missing its request. Go back to the application and sign in again.
js-oidc-provider-session-ended = Your session has ended. Sign in, then start again from the application.
js-oidc-provider-sign-in = Sign in
js-oidc-provider-unknown-app = This application is not known here, or has been turned off. Contact whoever runs it.
js-oidc-provider-an-application = An application
js-oidc-provider-wants-access = { $name } wants to access your account.
js-oidc-provider-logo = { $name } logo
js-oidc-provider-signed-in-as = You are signed in as { $email }.
js-oidc-provider-signed-in-as-this-account = You are signed in as this account.
# The application's links: "<name>'s" + " " + "privacy policy" + " and " + "terms of service" + "."
js-oidc-provider-links-of = { $name }'s
js-oidc-provider-privacy-policy = privacy policy
js-oidc-provider-terms = terms of service
js-oidc-provider-links-and = and

## Script of "Connected apps" (assets/oidc-connected-apps.js)
js-oidc-provider-can = Can
js-oidc-provider-can-nothing = nothing
js-oidc-provider-allowed = Allowed
js-oidc-provider-remove = Remove
js-oidc-provider-remove-app = Remove { $name }
js-oidc-provider-remove-confirm = Remove { $name }? It loses access to your account at once.
js-oidc-provider-removed = { $name } was removed.
js-oidc-provider-no-apps = No applications use your account.

## Admin console section "OAuth clients" (templates/admin-oauth-clients.html)
oidc-provider-console-title = OAuth clients
oidc-provider-console-intro = Applications that sign people in with this server, as their OpenID provider. Each one's name and links are shown on the consent page, so register only applications you know.
oidc-provider-console-credentials-title = The client's credentials
oidc-provider-console-client-id = Client ID
oidc-provider-console-copy-id = Copy client ID
oidc-provider-console-secret-once = Copy the secret now: this is the only time it is shown. It is stored hashed and cannot be shown again; if it is lost, give the client a new secret.
oidc-provider-console-client-secret = Client secret
oidc-provider-console-copy-secret = Copy secret
oidc-provider-console-credentials-done = I have stored them
oidc-provider-console-list-title = Registered clients
oidc-provider-console-loading = Loading clients…
oidc-provider-console-more = Show more clients
oidc-provider-console-register-title = Register a client
oidc-provider-console-name = Name
oidc-provider-console-name-hint = The application's name, shown to people on the consent page.
oidc-provider-console-redirect-uris = Redirect URIs
oidc-provider-console-redirect-uris-hint = One per line: where the application receives people after they sign in, exactly as it sends them. https, or http on 127.0.0.1 or localhost.
oidc-provider-console-logout-uris = Post-logout redirect URIs (optional)
oidc-provider-console-logout-uris-hint = One per line: where the application may send people back after signing them out.
oidc-provider-console-type = Type
oidc-provider-console-type-basic = Confidential: secret in the Authorization header (client_secret_basic)
oidc-provider-console-type-post = Confidential: secret in the request body (client_secret_post)
oidc-provider-console-type-public = Public: no secret, PKCE (a browser or mobile app)
oidc-provider-console-type-hint = A confidential client runs on a server that keeps a secret. A public one cannot keep a secret, so it proves each request with PKCE instead.
oidc-provider-console-grant-types = Grant types
oidc-provider-console-grant-code = Authorization code (people sign in)
oidc-provider-console-grant-refresh = Refresh token (stay signed in)
oidc-provider-console-grant-credentials = Client credentials (the application acts for itself)
oidc-provider-console-scopes = Scopes (optional)
oidc-provider-console-scopes-hint = Separated by spaces, for example: openid profile email offline_access. Leave empty to allow every scope this server offers.
oidc-provider-console-skip-consent = Trusted first-party application: skip the consent page
oidc-provider-console-skip-consent-hint = Only for an application your organisation runs: people are not asked before it gets access.
oidc-provider-console-registering = Registering…
oidc-provider-console-register = Register client

## Script of "OAuth clients" (assets/admin-oauth-clients.js)
js-oidc-provider-console-type-basic = Confidential (client_secret_basic)
js-oidc-provider-console-type-post = Confidential (client_secret_post)
js-oidc-provider-console-type-jwt = Confidential, signed assertions (private_key_jwt)
js-oidc-provider-console-type-public = Public, PKCE
js-oidc-provider-console-grant-code = Authorization code
js-oidc-provider-console-grant-refresh = Refresh token
js-oidc-provider-console-grant-credentials = Client credentials
js-oidc-provider-console-grant-device = Device code
js-oidc-provider-console-scopes-all = Every scope offered
js-oidc-provider-console-scopes-none = None
js-oidc-provider-console-client-id = Client ID
js-oidc-provider-console-type = Type
js-oidc-provider-console-redirect-uris = Redirect URIs
js-oidc-provider-console-logout-uris = Post-logout redirect URIs
js-oidc-provider-console-grant-types = Grant types
js-oidc-provider-console-scopes = Scopes
js-oidc-provider-console-consent = Consent
js-oidc-provider-console-consent-skipped = Skipped (trusted application)
js-oidc-provider-console-created = Created
js-oidc-provider-console-state = State
js-oidc-provider-console-state-active = Active
js-oidc-provider-console-state-disabled = Disabled: it gets no tokens
# A disabled client's title in the list; $name is its name.
js-oidc-provider-console-title-disabled = { $name } (disabled)
js-oidc-provider-console-edit = Edit
js-oidc-provider-console-edit-label = Edit { $name }
js-oidc-provider-console-rotate = New secret
js-oidc-provider-console-rotate-label = Give { $name } a new secret
js-oidc-provider-console-rotate-confirm = Give { $name } a new secret? The current secret stops working at once, and the application fails until it is given the new one.
js-oidc-provider-console-rotated = { $name } has a new secret. The previous one no longer works.
js-oidc-provider-console-delete = Delete
js-oidc-provider-console-delete-label = Delete { $name }
js-oidc-provider-console-delete-confirm = Delete { $name }? It can no longer sign anyone in, and every token and consent given to it ends at once.
js-oidc-provider-console-deleted = { $name } was deleted.
js-oidc-provider-console-name = Name
js-oidc-provider-console-one-per-line = One per line.
js-oidc-provider-console-scopes-hint = Separated by spaces. Leave empty to allow every scope this server offers.
js-oidc-provider-console-grant-types-hint = A grant taken away is refused from the application's next token request.
js-oidc-provider-console-disable = Disabled
js-oidc-provider-console-disable-hint = A disabled client gets no tokens and people cannot sign in to it, until it is enabled again.
js-oidc-provider-console-skip-consent = Trusted first-party application: skip the consent page
js-oidc-provider-console-skip-consent-hint = People are not asked before it gets access.
js-oidc-provider-console-save = Save
js-oidc-provider-console-saving = Saving…
js-oidc-provider-console-cancel = Cancel
js-oidc-provider-console-saved = { $name } was saved.
js-oidc-provider-console-enter-name = Enter the application's name.
js-oidc-provider-console-enter-redirect = Enter at least one redirect URI.
js-oidc-provider-console-choose-grant = Choose at least one grant type.
js-oidc-provider-console-public-no-credentials = A public client cannot use client credentials: choose a confidential type, or untick Client credentials.
js-oidc-provider-console-public-no-credentials-edit = A public client cannot use client credentials: untick Client credentials.
js-oidc-provider-console-registered = { $name } is registered. Give the application its client ID and secret.
js-oidc-provider-console-registered-public = { $name } is registered. As a public client it has no secret: give the application its client ID.
js-oidc-provider-console-empty = No clients are registered.
js-oidc-provider-console-id-copied = The client ID was copied.
js-oidc-provider-console-secret-copied = The secret was copied.
js-oidc-provider-console-copy-blocked = Copying was blocked: the text is selected, press Ctrl+C (⌘C on a Mac) to copy it.

## API errors of the management endpoints (errors.rs)
js-error-OAUTH_CLIENT_NOT_FOUND = OAuth client not found
js-error-INVALID_REDIRECT_URI = Redirect URIs must be absolute https URLs, or http on a loopback address, without a fragment
js-error-INVALID_CLIENT_METADATA = The client metadata is not valid
js-error-CONSENT_NOT_FOUND = Consent not found
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS = Only an administrator may manage OAuth clients
js-error-INVALID_OAUTH_QUERY = The authorization request is missing, altered or expired. Start again from the application.
js-error-DYNAMIC_REGISTRATION_DISABLED = Dynamic client registration is not enabled
