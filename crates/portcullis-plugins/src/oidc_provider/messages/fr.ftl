# The OpenID provider plugin's consent page, "Connected apps" section, form post page and script texts, in French.

## Consent page (templates/oauth-consent.html)
oidc-provider-consent-title = Autoriser l’accès
oidc-provider-consent-heading = Autoriser l’accès ?
oidc-provider-consent-noscript = Cette page a besoin de JavaScript pour répondre à la demande.
oidc-provider-consent-able-to = Elle pourra :
oidc-provider-consent-allow = Autoriser
oidc-provider-consent-allowing = Autorisation…
oidc-provider-consent-deny = Refuser

## Account section "Connected apps" (templates/account-connected-apps.html)
oidc-provider-connected-apps = Applications connectées
oidc-provider-connected-apps-intro = Les applications que vous avez autorisées à utiliser votre compte. Retirez celles que vous n’utilisez plus : elles perdent l’accès immédiatement et devront vous le redemander.
oidc-provider-connected-apps-loading = Chargement…

## The page that posts the answer back to the application (form_post.rs, response_mode=form_post)
oidc-provider-form-post-title = Retour à l’application
oidc-provider-form-post-text = Retour à l’application…
oidc-provider-form-post-continue = Continuer

## Script of the consent page (assets/oidc-consent.js)
js-oidc-provider-scope-openid = Savoir qui vous êtes (l’identifiant de votre compte)
js-oidc-provider-scope-profile = Voir votre nom et votre photo de profil
js-oidc-provider-scope-email = Voir votre adresse e-mail et si elle est vérifiée
js-oidc-provider-scope-offline-access = Garder l’accès en votre absence, jusqu’à ce que vous le révoquiez
# A scope the page has no words for; $scope is its name.
js-oidc-provider-scope-other = Utiliser l’autorisation « { $scope } »
js-oidc-provider-request-expired = Cette demande a expiré ou a été modifiée en chemin. Revenez à l’application et reconnectez-vous.
js-oidc-provider-request-missing = La demande manque sur cette page. Revenez à l’application et reconnectez-vous.
js-oidc-provider-session-ended = Votre session a pris fin. Connectez-vous, puis recommencez depuis l’application.
js-oidc-provider-sign-in = Se connecter
js-oidc-provider-unknown-app = Cette application est inconnue ici ou a été désactivée. Contactez son éditeur.
js-oidc-provider-an-application = Une application
js-oidc-provider-wants-access = { $name } souhaite accéder à votre compte.
js-oidc-provider-logo = Logo de { $name }
js-oidc-provider-signed-in-as = Vous êtes connecté en tant que { $email }.
js-oidc-provider-signed-in-as-this-account = Vous êtes connecté avec ce compte.
# The application's links: "<name>'s" + " " + "privacy policy" + " and " + "terms of service" + "."
js-oidc-provider-links-of = { $name } :
js-oidc-provider-privacy-policy = politique de confidentialité
js-oidc-provider-terms = conditions d’utilisation
js-oidc-provider-links-and = et

## Script of "Connected apps" (assets/oidc-connected-apps.js)
js-oidc-provider-can = Autorisations
js-oidc-provider-can-nothing = aucune
js-oidc-provider-allowed = Date d’autorisation
js-oidc-provider-remove = Retirer
js-oidc-provider-remove-app = Retirer { $name }
js-oidc-provider-remove-confirm = Retirer { $name } ? L’application perd immédiatement l’accès à votre compte.
js-oidc-provider-removed = { $name } a été retirée.
js-oidc-provider-no-apps = Aucune application n’utilise votre compte.

## API errors of the management endpoints (errors.rs)
js-error-OAUTH_CLIENT_NOT_FOUND = Client OAuth introuvable
js-error-INVALID_REDIRECT_URI = Les URI de redirection doivent être des URL https absolues, ou http sur une adresse de bouclage, sans fragment
js-error-INVALID_CLIENT_METADATA = Les métadonnées du client ne sont pas valides
js-error-CONSENT_NOT_FOUND = Autorisation introuvable
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS = Seul un administrateur peut gérer les clients OAuth
js-error-INVALID_OAUTH_QUERY = La demande d’autorisation est manquante, modifiée ou expirée. Recommencez depuis l’application.
js-error-DYNAMIC_REGISTRATION_DISABLED = L’enregistrement dynamique des clients n’est pas activé
