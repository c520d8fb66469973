# Le bouton de connexion, l'avis aux invités et les scripts de l'extension anonymous, en français.

## Page de connexion : « Continuer en tant qu'invité » (templates/anonymous-sign-in-button.html)
anonymous-sign-in-button = Continuer en tant qu'invité
anonymous-sign-in-busy = Ouverture d'une session invité…
anonymous-sign-in-note = Aucune adresse e-mail requise. Inscrivez-vous plus tard depuis ce navigateur pour conserver ce que vous avez fait.

## Page du compte : l'avis aux invités (templates/anonymous-account-notice.html)
anonymous-notice-title = Vous utilisez un compte invité
anonymous-notice-text = Rien ne vous identifie encore, et vous déconnecter supprime ce compte définitivement. Créez un compte depuis ce navigateur pour le conserver : votre compte invité sera remplacé par le nouveau.
anonymous-notice-create = Créer un compte
anonymous-notice-sign-in = Se connecter à un compte existant

## Scripts (assets/anonymous.js, assets/anonymous-account.js)
js-anonymous-already-guest = Vous avez déjà une session invité. Accédez à votre compte, ou inscrivez-vous pour le conserver.
js-anonymous-go-to-account = Accéder à votre compte
js-anonymous-started = Session invité ouverte. Redirection…
js-anonymous-guest = Invité

## Codes d'erreur
js-error-INVALID_EMAIL_FORMAT = L'adresse e-mail n'a pas été générée dans un format valide
js-error-COULD_NOT_CREATE_SESSION = Impossible de créer la session
js-error-ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY = Les utilisateurs anonymes ne peuvent pas se reconnecter anonymement
js-error-FAILED_TO_DELETE_ANONYMOUS_USER = Échec de la suppression de l'utilisateur anonyme
js-error-FAILED_TO_DELETE_ANONYMOUS_USER_SESSIONS = Échec de la suppression des sessions de l'utilisateur anonyme
js-error-USER_IS_NOT_ANONYMOUS = L'utilisateur n'est pas anonyme
js-error-DELETE_ANONYMOUS_USER_DISABLED = La suppression des utilisateurs anonymes est désactivée
