# The oauth plugin's sign-in buttons, "Linked accounts" section, script texts and e-mail, in French.

## "Continue with …" on the sign-in and sign-up pages (templates/oauth-sign-in-buttons.html)
oauth-continue-with = Continuer avec { $provider }
oauth-going-to = Redirection vers { $provider }…

## Account section "Linked accounts" (templates/account-linked-accounts.html)
oauth-linked-accounts = Comptes associés
oauth-linked-accounts-intro = Un compte associé vous connecte ici sans votre mot de passe et permet à ce service de lire le profil qu’il partage (nom, adresse e-mail, photo). Dissociez ceux que vous n’utilisez plus ; votre dernier moyen de connexion ne peut pas être supprimé.
oauth-linked-accounts-signs-you-in = Vos moyens de connexion
oauth-linked-accounts-loading = Chargement des comptes associés…
oauth-linked-accounts-link-another = Associer un autre compte
oauth-link-provider = Associer { $provider }

## E-mail "account-linked" (templates/email-account-linked.html and .txt)
oauth-email-linked-action = Vérifier votre compte
oauth-email-linked-subject = { $provider } a été associé à votre compte { $brand }
oauth-email-linked-title = { $provider } a été associé à votre compte
oauth-email-linked-preheader = Un nouveau moyen de vous connecter à votre compte { $brand }.
oauth-email-linked-heading = { $provider } a été associé
# Followed by the address of the account, then a full stop.
oauth-email-linked-body = Votre compte { $provider } peut désormais vous connecter à votre compte { $brand }
oauth-email-linked-was-you = Si c’était vous, vous n’avez rien à faire.
# The HTML e-mail's warning, in four parts around its bold start and its link:
# "If it wasn't you" + ", someone else … below," + "reset your password" (a link) + ", and review your sessions."
oauth-email-linked-not-you = Si ce n’était pas vous
oauth-email-linked-not-you-unlink = , quelqu’un d’autre peut se connecter à votre place avec { $provider } : dissociez-le avec le bouton ci-dessous,
oauth-email-linked-reset-password = réinitialisez votre mot de passe
oauth-email-linked-review-sessions = , puis vérifiez vos sessions.
# The text e-mail's warning, in one piece.
oauth-email-linked-not-you-text = Si ce n’était pas vous, quelqu’un d’autre peut se connecter à votre place avec { $provider } : dissociez-le depuis la page de votre compte, réinitialisez votre mot de passe ({ $reset_url }), puis vérifiez vos sessions.

## Script of the sign-in buttons (assets/oauth.js)
js-oauth-unreachable = Impossible de joindre le fournisseur. Réessayez.

## Script of "Linked accounts" (assets/oauth-account.js)
js-oauth-sign-in-again = Se reconnecter
js-oauth-sign-in-again-to-change = Reconnectez-vous pour modifier vos moyens de connexion.
js-oauth-only-way = C’est votre seul moyen de connexion. Associez d’abord un autre compte ou définissez un mot de passe.
js-oauth-email-and-password = E-mail et mot de passe
js-oauth-password-signs-you-in = Votre mot de passe vous connecte.
js-oauth-signs-you-in-as = Vous connecte en tant que { $account }
js-oauth-signs-you-in-as-sharing = Vous connecte en tant que { $account } · partage : { $scopes }
js-oauth-unlink = Dissocier
js-oauth-unlink-provider = Dissocier { $provider }
js-oauth-unlinked = { $provider } n’est plus associé.
js-oauth-link-email-differs = L’adresse e-mail du fournisseur diffère de la vôtre ici : le compte n’a pas été associé.
js-oauth-link-taken = Ce compte du fournisseur est déjà associé à un autre utilisateur.
js-oauth-link-unverified = Le fournisseur n’a pas confirmé votre adresse e-mail : le compte n’a pas été associé.
js-oauth-link-failed = Le compte n’a pas pu être associé. Veuillez réessayer.

## API errors (error_codes() in mod.rs)
js-error-PROVIDER_NOT_FOUND = Fournisseur introuvable
js-error-ID_TOKEN_NOT_SUPPORTED = id_token non pris en charge
js-error-USER_EMAIL_NOT_FOUND = Adresse e-mail de l’utilisateur introuvable
js-error-SOCIAL_ACCOUNT_ALREADY_LINKED = Ce compte est déjà associé
js-error-FAILED_TO_UNLINK_LAST_ACCOUNT = Vous ne pouvez pas dissocier votre dernier compte
js-error-OAUTH_LINK_ERROR = Impossible d’associer le compte
js-error-LINKING_NOT_ALLOWED = Compte non associé : l’association n’est pas autorisée
js-error-LINKING_DIFFERENT_EMAILS_NOT_ALLOWED = Compte non associé : les adresses e-mail diffèrent
js-error-LINKING_FAILED = Compte non associé : impossible de créer le compte
js-error-PROVIDER_NOT_SUPPORTED = Ce fournisseur n’est pas pris en charge.
js-error-TOKEN_REFRESH_NOT_SUPPORTED = Ce fournisseur ne permet pas de renouveler les jetons.
js-error-REFRESH_TOKEN_NOT_FOUND = Jeton de renouvellement introuvable
js-error-FAILED_TO_REFRESH_ACCESS_TOKEN = Échec du renouvellement du jeton d’accès
js-error-FAILED_TO_GET_ACCESS_TOKEN = Impossible d’obtenir un jeton d’accès valide
js-error-PROVIDER_NOT_CONFIGURED = Ce compte n’est associé à aucun fournisseur configuré.
js-error-ACCESS_TOKEN_NOT_FOUND = Jeton d’accès introuvable
