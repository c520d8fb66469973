# The OpenID provider plugin's consent page, "Connected apps" section, form post page and script texts, in English.

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

## API errors of the management endpoints (errors.rs)
js-error-OAUTH_CLIENT_NOT_FOUND = OAuth client not found
js-error-INVALID_REDIRECT_URI = Redirect URIs must be absolute https URLs, or http on a loopback address, without a fragment
js-error-INVALID_CLIENT_METADATA = The client metadata is not valid
js-error-CONSENT_NOT_FOUND = Consent not found
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS = Only an administrator may manage OAuth clients
js-error-INVALID_OAUTH_QUERY = The authorization request is missing, altered or expired. Start again from the application.
js-error-DYNAMIC_REGISTRATION_DISABLED = Dynamic client registration is not enabled
