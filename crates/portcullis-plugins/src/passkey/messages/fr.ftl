# Le bouton de connexion, la section du compte, les scripts et l'e-mail du plugin passkey, en français.

## Page de connexion (templates/passkey-sign-in-button.html)
passkey-waiting-for-passkey = En attente de votre clé d'accès…
passkey-sign-in = Se connecter avec une clé d'accès
passkey-sign-in-note = Ni e-mail ni mot de passe : utilisez l'empreinte, le visage ou le code PIN d'un appareil où vous avez enregistré une clé d'accès.

## Page du compte, section Sécurité (templates/account-passkeys.html)
passkey-title = Clés d'accès
passkey-intro = Une clé d'accès vous connecte avec l'empreinte digitale, le visage ou le verrouillage d'écran de votre appareil, ou avec une clé de sécurité, à la place de votre mot de passe. Elle est à l'abri de l'hameçonnage : elle ne fonctionne que sur ce site.
passkey-name-label = Nom de la clé d'accès
passkey-name-hint = Facultatif : l'endroit où elle se trouve, par exemple « Ordinateur du travail » ou « Téléphone », pour distinguer vos clés d'accès.
passkey-waiting-for-device = En attente de votre appareil…
passkey-add = Ajouter une clé d'accès
passkey-yours = Vos clés d'accès
passkey-loading = Chargement des clés d'accès…

## Le script de la section du compte (assets/passkey-account.js)
js-passkey-sign-in-again = Se reconnecter
js-passkey-not-yours = Vous ne pouvez pas modifier cette clé d'accès.
js-passkey-session-ended = Votre session a pris fin. Reconnectez-vous pour gérer vos clés d'accès.
js-passkey-not-fresh = Par sécurité, reconnectez-vous avant d'ajouter une clé d'accès.
js-passkey-unnamed = Clé d'accès sans nom
js-passkey-synced = Clé d'accès synchronisée (conservée par votre gestionnaire de mots de passe ou le compte de votre plateforme)
js-passkey-device-bound = Clé d'accès liée à l'appareil (reste sur un seul appareil ou une seule clé de sécurité)
js-passkey-added-on = Ajoutée
# $name : le nom de la clé d'accès, ou js-passkey-this-passkey.
js-passkey-this-passkey = cette clé d'accès
js-passkey-rename = Renommer
js-passkey-rename-label = Renommer { $name }
js-passkey-enter-name = Saisissez un nom pour la clé d'accès.
js-passkey-renamed = La clé d'accès a été renommée.
js-passkey-delete = Supprimer
js-passkey-delete-label = Supprimer { $name }
js-passkey-delete-confirm = Supprimer { $name } ? Vous ne pourrez plus vous connecter avec.
js-passkey-deleted = La clé d'accès a été supprimée. Elle ne permet plus de se connecter à votre compte.
js-passkey-none = Vous n'avez pas encore de clé d'accès.
js-passkey-already-on-device = Cet appareil contient déjà une clé d'accès pour votre compte. Utilisez un autre appareil ou une clé de sécurité.
js-passkey-not-created = Aucune clé d'accès n'a été créée : la demande a été annulée ou a expiré. Réessayez quand vous le souhaitez.
js-passkey-cannot-create = Votre navigateur n'a pas pu créer de clé d'accès. Essayez un autre navigateur ou appareil.
js-passkey-not-verified = La clé d'accès n'a pas pu être vérifiée et n'a donc pas été ajoutée. Réessayez ou utilisez un autre appareil.
js-passkey-added = Clé d'accès ajoutée. Vous pouvez maintenant vous connecter avec.
js-passkey-unsupported = Ce navigateur ne peut pas créer de clés d'accès. Vous pouvez toujours voir et supprimer celles que vous avez.

## Le script du bouton de connexion (assets/passkey-sign-in.js)
js-passkey-signed-in = Connexion réussie. Redirection…
js-passkey-not-registered = Cette clé d'accès n'est plus enregistrée ici. Connectez-vous avec votre mot de passe, puis ajoutez de nouveau une clé d'accès depuis la page de votre compte.
js-passkey-sign-in-failed = Cette clé d'accès n'a pas pu être vérifiée. Réessayez ou connectez-vous avec votre mot de passe.
js-passkey-request-expired = La demande a expiré. Réessayez.
js-passkey-none-used = Aucune clé d'accès n'a été utilisée. Réessayez ou connectez-vous avec votre mot de passe.
js-passkey-cannot-use = Votre navigateur n'a pas pu utiliser de clé d'accès. Connectez-vous plutôt avec votre mot de passe.

## Erreurs de l'API (errorText). USER_NOT_FOUND est celle du cœur (js-error-USER_NOT_FOUND).
js-error-CHALLENGE_NOT_FOUND = Défi introuvable
js-error-YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY = Vous n'êtes pas autorisé à enregistrer cette clé d'accès
js-error-FAILED_TO_VERIFY_REGISTRATION = Échec de la vérification de l'enregistrement
js-error-PASSKEY_NOT_FOUND = Clé d'accès introuvable
js-error-AUTHENTICATION_FAILED = Échec de l'authentification
js-error-UNABLE_TO_CREATE_SESSION = Impossible de créer la session
js-error-FAILED_TO_UPDATE_PASSKEY = Échec de la mise à jour de la clé d'accès
js-error-PREVIOUSLY_REGISTERED = Déjà enregistrée
js-error-REGISTRATION_CANCELLED = Enregistrement annulé
js-error-AUTH_CANCELLED = Authentification annulée
js-error-UNKNOWN_ERROR = Erreur inconnue
js-error-SESSION_REQUIRED = L'enregistrement d'une clé d'accès nécessite une session authentifiée
js-error-RESOLVE_USER_REQUIRED = L'enregistrement d'une clé d'accès nécessite une session authentifiée ou un rappel resolveUser lorsque requireSession vaut false
js-error-RESOLVED_USER_INVALID = L'utilisateur résolu n'est pas valide

## E-mail : une clé d'accès ajoutée ou retirée (templates/email-passkey-changed.*)
passkey-email-review = Vérifier vos clés d'accès
passkey-email-added-subject = Une clé d'accès a été ajoutée à votre compte { $app }
passkey-email-removed-subject = Une clé d'accès a été retirée de votre compte { $app }
passkey-email-added-preheader = Une nouvelle clé d'accès permet désormais de se connecter à votre compte { $app }.
passkey-email-removed-preheader = Une clé d'accès ne permet plus de se connecter à votre compte { $app }.
passkey-email-added-heading = Une clé d'accès a été ajoutée
passkey-email-removed-heading = Une clé d'accès a été retirée
# La phrase est coupée autour du nom de la clé et de l'adresse du compte, tous deux en gras :
# « <a-passkey>[ <named> <nom>] <added> <adresse><added-end> ».
passkey-email-a-passkey = Une clé d'accès
passkey-email-named = nommée
# Le « nommée <nom> » de l'e-mail en texte brut.
passkey-email-named-quoted = nommée « { $name } »
passkey-email-added = vient d'être ajoutée à votre compte { $app }
passkey-email-added-end =  : elle peut désormais servir à vous connecter.
passkey-email-removed = vient d'être retirée de votre compte { $app }
passkey-email-removed-end =  : elle ne peut plus servir à vous connecter.
passkey-email-was-you = Si c'était vous, vous n'avez rien à faire.
# « <strong>Si ce n'était pas vous</strong>, quelqu'un d'autre est connecté à votre compte : [supprimez …, ]déconnectez … et <a>réinitialisez votre mot de passe</a>. »
passkey-email-not-you = Si ce n'était pas vous
passkey-email-not-you-then = , quelqu'un d'autre est connecté à votre compte :
passkey-email-delete-with-button = supprimez la clé d'accès que vous ne reconnaissez pas avec le bouton ci-dessous,
passkey-email-delete-at-link = supprimez la clé d'accès que vous ne reconnaissez pas via le lien ci-dessous,
passkey-email-sign-out-sessions = déconnectez les sessions que vous ne reconnaissez pas depuis la page de votre compte et
passkey-email-reset-password = réinitialisez votre mot de passe
passkey-email-not-you-end = .
