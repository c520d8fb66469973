# The OpenID provider plugin's consent page, "Connected apps" section, admin console section "OAuth clients", form post page and script texts, in French.

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

## Admin console section "OAuth clients" (templates/admin-oauth-clients.html)
oidc-provider-console-title = Clients OAuth
oidc-provider-console-intro = Les applications qui connectent les personnes avec ce serveur, leur fournisseur OpenID. Le nom et les liens de chacune sont montrés sur la page d’autorisation : n’enregistrez que des applications que vous connaissez.
oidc-provider-console-credentials-title = Les identifiants du client
oidc-provider-console-client-id = Identifiant du client
oidc-provider-console-copy-id = Copier l’identifiant du client
oidc-provider-console-secret-once = Copiez le secret maintenant : c’est la seule fois qu’il est affiché. Il est conservé sous forme hachée et ne peut plus être affiché ; s’il est perdu, donnez un nouveau secret au client.
oidc-provider-console-client-secret = Secret du client
oidc-provider-console-copy-secret = Copier le secret
oidc-provider-console-credentials-done = Je les ai conservés
oidc-provider-console-list-title = Clients enregistrés
oidc-provider-console-loading = Chargement des clients…
oidc-provider-console-more = Afficher plus de clients
oidc-provider-console-register-title = Enregistrer un client
oidc-provider-console-name = Nom
oidc-provider-console-name-hint = Le nom de l’application, montré aux personnes sur la page d’autorisation.
oidc-provider-console-redirect-uris = URI de redirection
oidc-provider-console-redirect-uris-hint = Une par ligne : là où l’application reçoit les personnes après leur connexion, exactement comme elle les envoie. En https, ou en http sur 127.0.0.1 ou localhost.
oidc-provider-console-logout-uris = URI de redirection après déconnexion (facultatif)
oidc-provider-console-logout-uris-hint = Une par ligne : là où l’application peut renvoyer les personnes après les avoir déconnectées.
oidc-provider-console-type = Type
oidc-provider-console-type-basic = Confidentiel : secret dans l’en-tête Authorization (client_secret_basic)
oidc-provider-console-type-post = Confidentiel : secret dans le corps de la requête (client_secret_post)
oidc-provider-console-type-public = Public : sans secret, avec PKCE (une application web ou mobile)
oidc-provider-console-type-hint = Un client confidentiel tourne sur un serveur qui garde un secret. Un client public ne peut pas garder de secret : il prouve chaque requête avec PKCE.
oidc-provider-console-grant-types = Types d’autorisation
oidc-provider-console-grant-code = Code d’autorisation (les personnes se connectent)
oidc-provider-console-grant-refresh = Jeton de rafraîchissement (rester connecté)
oidc-provider-console-grant-credentials = Identifiants du client (l’application agit pour elle-même)
oidc-provider-console-scopes = Portées (facultatif)
oidc-provider-console-scopes-hint = Séparées par des espaces, par exemple : openid profile email offline_access. Laissez vide pour permettre toutes les portées que ce serveur propose.
oidc-provider-console-skip-consent = Application interne de confiance : sauter la page d’autorisation
oidc-provider-console-skip-consent-hint = Seulement pour une application que votre organisation gère : les personnes ne sont pas consultées avant qu’elle obtienne l’accès.
oidc-provider-console-registering = Enregistrement…
oidc-provider-console-register = Enregistrer le client

## Script of "OAuth clients" (assets/admin-oauth-clients.js)
js-oidc-provider-console-type-basic = Confidentiel (client_secret_basic)
js-oidc-provider-console-type-post = Confidentiel (client_secret_post)
js-oidc-provider-console-type-jwt = Confidentiel, assertions signées (private_key_jwt)
js-oidc-provider-console-type-public = Public, PKCE
js-oidc-provider-console-grant-code = Code d’autorisation
js-oidc-provider-console-grant-refresh = Jeton de rafraîchissement
js-oidc-provider-console-grant-credentials = Identifiants du client
js-oidc-provider-console-grant-device = Code d’appareil
js-oidc-provider-console-scopes-all = Toutes les portées proposées
js-oidc-provider-console-scopes-none = Aucune
js-oidc-provider-console-client-id = Identifiant du client
js-oidc-provider-console-type = Type
js-oidc-provider-console-redirect-uris = URI de redirection
js-oidc-provider-console-logout-uris = URI de redirection après déconnexion
js-oidc-provider-console-grant-types = Types d’autorisation
js-oidc-provider-console-scopes = Portées
js-oidc-provider-console-consent = Autorisation
js-oidc-provider-console-consent-skipped = Sautée (application de confiance)
js-oidc-provider-console-created = Créé
js-oidc-provider-console-state = État
js-oidc-provider-console-state-active = Actif
js-oidc-provider-console-state-disabled = Désactivé : il n’obtient aucun jeton
# A disabled client's title in the list; $name is its name.
js-oidc-provider-console-title-disabled = { $name } (désactivé)
js-oidc-provider-console-edit = Modifier
js-oidc-provider-console-edit-label = Modifier { $name }
js-oidc-provider-console-rotate = Nouveau secret
js-oidc-provider-console-rotate-label = Donner un nouveau secret à { $name }
js-oidc-provider-console-rotate-confirm = Donner un nouveau secret à { $name } ? Le secret actuel cesse de fonctionner immédiatement, et l’application échoue tant qu’elle n’a pas reçu le nouveau.
js-oidc-provider-console-rotated = { $name } a un nouveau secret. L’ancien ne fonctionne plus.
js-oidc-provider-console-delete = Supprimer
js-oidc-provider-console-delete-label = Supprimer { $name }
js-oidc-provider-console-delete-confirm = Supprimer { $name } ? Il ne pourra plus connecter personne, et tous les jetons et autorisations qui lui ont été donnés prennent fin immédiatement.
js-oidc-provider-console-deleted = { $name } a été supprimé.
js-oidc-provider-console-name = Nom
js-oidc-provider-console-one-per-line = Une par ligne.
js-oidc-provider-console-scopes-hint = Séparées par des espaces. Laissez vide pour permettre toutes les portées que ce serveur propose.
js-oidc-provider-console-grant-types-hint = Une autorisation retirée est refusée dès la prochaine demande de jeton de l’application.
js-oidc-provider-console-disable = Désactivé
js-oidc-provider-console-disable-hint = Un client désactivé n’obtient aucun jeton et personne ne peut s’y connecter, jusqu’à ce qu’il soit réactivé.
js-oidc-provider-console-skip-consent = Application interne de confiance : sauter la page d’autorisation
js-oidc-provider-console-skip-consent-hint = Les personnes ne sont pas consultées avant qu’elle obtienne l’accès.
js-oidc-provider-console-save = Enregistrer
js-oidc-provider-console-saving = Enregistrement…
js-oidc-provider-console-cancel = Annuler
js-oidc-provider-console-saved = { $name } a été enregistré.
js-oidc-provider-console-enter-name = Saisissez le nom de l’application.
js-oidc-provider-console-enter-redirect = Saisissez au moins une URI de redirection.
js-oidc-provider-console-choose-grant = Choisissez au moins un type d’autorisation.
js-oidc-provider-console-public-no-credentials = Un client public ne peut pas utiliser les identifiants du client : choisissez un type confidentiel, ou décochez Identifiants du client.
js-oidc-provider-console-public-no-credentials-edit = Un client public ne peut pas utiliser les identifiants du client : décochez Identifiants du client.
js-oidc-provider-console-registered = { $name } est enregistré. Donnez à l’application son identifiant de client et son secret.
js-oidc-provider-console-registered-public = { $name } est enregistré. En tant que client public, il n’a pas de secret : donnez à l’application son identifiant de client.
js-oidc-provider-console-empty = Aucun client n’est enregistré.
js-oidc-provider-console-id-copied = L’identifiant du client a été copié.
js-oidc-provider-console-secret-copied = Le secret a été copié.
js-oidc-provider-console-copy-blocked = La copie a été bloquée : le texte est sélectionné, appuyez sur Ctrl+C (⌘C sur un Mac) pour le copier.

## API errors of the management endpoints (errors.rs)
js-error-OAUTH_CLIENT_NOT_FOUND = Client OAuth introuvable
js-error-INVALID_REDIRECT_URI = Les URI de redirection doivent être des URL https absolues, ou http sur une adresse de bouclage, sans fragment
js-error-INVALID_CLIENT_METADATA = Les métadonnées du client ne sont pas valides
js-error-CONSENT_NOT_FOUND = Autorisation introuvable
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_OAUTH_CLIENTS = Seul un administrateur peut gérer les clients OAuth
js-error-INVALID_OAUTH_QUERY = La demande d’autorisation est manquante, modifiée ou expirée. Recommencez depuis l’application.
js-error-DYNAMIC_REGISTRATION_DISABLED = L’enregistrement dynamique des clients n’est pas activé
