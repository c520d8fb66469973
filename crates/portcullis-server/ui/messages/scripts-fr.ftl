# Les scripts des pages hébergées (ui/static/*.js), en français. Identifiants en js- : du texte et des { $variables } seulement.

js-error-unknown = Une erreur s'est produite. Réessayez.

## api.js : un statut HTTP sans réponse exploitable
js-api-status-0 = Impossible de joindre le serveur. Vérifiez votre connexion et réessayez.
js-api-status-400 = La requête n'est pas valide.
js-api-status-401 = Vous devez d'abord vous connecter.
js-api-status-403 = Vous n'êtes pas autorisé à faire cela.
js-api-status-404 = Introuvable.
js-api-status-413 = La requête est trop volumineuse.
js-api-status-422 = Certaines des informations saisies ne sont pas valides.
js-api-status-429 = Trop de tentatives. Patientez un instant, puis réessayez.
js-api-status-500 = Le serveur a rencontré un problème. Réessayez plus tard.
js-api-status-502 = Le serveur est injoignable pour le moment. Réessayez plus tard.
js-api-status-503 = Le serveur n'est pas disponible pour le moment. Réessayez plus tard.
js-api-status-504 = Le serveur a mis trop de temps à répondre. Réessayez plus tard.
js-api-status-other = La requête a échoué (HTTP { $status }).

## forms.js : tous les formulaires
js-forms-email-invalid = Saisissez une adresse e-mail comme nom@exemple.com.
js-forms-enter-email = Saisissez votre adresse e-mail.
js-forms-password-min = Utilisez au moins { $min } caractères.
js-forms-password-max = Utilisez au plus { $max } caractères.
js-forms-passwords-differ = Les mots de passe ne correspondent pas. Saisissez deux fois le même mot de passe.
js-forms-password-breached = Ce mot de passe figure dans une fuite de données, d'autres pourraient donc l'essayer. Choisissez-en un autre.
js-forms-show = Afficher
js-forms-hide = Masquer
js-forms-new-name = Nouveau nom
js-forms-save-name = Enregistrer le nom
js-forms-saving = Enregistrement…
js-forms-cancel = Annuler

## devices.js : appareils et dates
js-devices-android-app = une application Android
js-devices-apple-app = une application Apple
js-devices-unknown = Appareil inconnu
# « Chrome sur macOS »
js-devices-browser-on-system = { $browser } sur { $system }
js-devices-unknown-time = à une date inconnue
js-devices-just-now = à l'instant
js-devices-not-known = Inconnu

## strength.js : avertissements de zxcvbn-ts
js-strength-warning-straight-row = Les rangées de touches sont faciles à deviner.
js-strength-warning-key-pattern = Les motifs de clavier courts sont faciles à deviner.
js-strength-warning-simple-repeat = Les caractères répétés comme « aaa » sont faciles à deviner.
js-strength-warning-extended-repeat = Les motifs répétés comme « abcabc » sont faciles à deviner.
js-strength-warning-sequences = Les suites comme « abc » ou « 123 » sont faciles à deviner.
js-strength-warning-recent-years = Les années récentes sont faciles à deviner.
js-strength-warning-dates = Les dates sont faciles à deviner.
js-strength-warning-top-ten = C'est l'un des mots de passe les plus utilisés.
js-strength-warning-top-hundred = C'est un mot de passe très courant.
js-strength-warning-common = C'est un mot de passe courant.
js-strength-warning-similar-to-common = Il ressemble à un mot de passe courant.
js-strength-warning-word-by-itself = Un mot seul est facile à deviner.
js-strength-warning-names-by-themselves = Les noms seuls sont faciles à deviner.
js-strength-warning-common-names = Les noms courants sont faciles à deviner.
js-strength-warning-user-inputs = N'utilisez ni votre nom ni votre adresse e-mail.
js-strength-warning-pwned = Ce mot de passe figure dans une fuite de données.

## strength.js : suggestions de zxcvbn-ts
js-strength-suggestion-l33t = Remplacer des lettres par des symboles ressemblants n'aide guère.
js-strength-suggestion-reverse-words = Écrire un mot à l'envers n'aide guère.
js-strength-suggestion-all-uppercase = Mettez quelques lettres en majuscule, pas toutes.
js-strength-suggestion-capitalization = Mettez en majuscule d'autres lettres que la première.
js-strength-suggestion-dates = Évitez les dates qui ont un sens pour vous.
js-strength-suggestion-recent-years = Évitez les années récentes.
js-strength-suggestion-associated-years = Évitez les années qui ont un sens pour vous.
js-strength-suggestion-sequences = Évitez les suites.
js-strength-suggestion-repeated = Évitez les mots et les caractères répétés.
js-strength-suggestion-longer-keyboard-pattern = Évitez les motifs de clavier.
js-strength-suggestion-another-word = Ajoutez un ou deux mots moins courants.
js-strength-suggestion-use-words = Quelques mots sans rapport entre eux font un mot de passe solide.
js-strength-suggestion-no-need = Pas besoin de symboles ni de majuscules : c'est la longueur qui compte.
js-strength-suggestion-pwned = Si vous utilisez ce mot de passe ailleurs, changez-le là aussi.

## strength.js : durées de zxcvbn-ts ({ $base } est le nombre)
js-strength-time-lt-second = moins d'une seconde
js-strength-time-second = { $base } seconde
js-strength-time-seconds = { $base } secondes
js-strength-time-minute = { $base } minute
js-strength-time-minutes = { $base } minutes
js-strength-time-hour = { $base } heure
js-strength-time-hours = { $base } heures
js-strength-time-day = { $base } jour
js-strength-time-days = { $base } jours
js-strength-time-month = { $base } mois
js-strength-time-months = { $base } mois
js-strength-time-year = { $base } an
js-strength-time-years = { $base } ans
js-strength-time-centuries = des siècles

## strength.js : niveaux de robustesse
js-strength-level-very-weak = Très faible
js-strength-level-weak = Faible
js-strength-level-fair = Moyen
js-strength-level-good = Bon
js-strength-level-strong = Fort
js-strength-too-short-one = Trop court : encore { $n } caractère nécessaire.
js-strength-too-short = Trop court : encore { $n } caractères nécessaires.
js-strength-too-long = Trop long : utilisez au plus { $max } caractères.
js-strength-known-password = C'est un mot de passe connu : le serveur le refusera sans doute. Choisissez-en un autre.
# « Moyen. Évitez les suites. »
js-strength-verdict-advice = { $level }. { $advice }
js-strength-verdict = { $level }.

## last-method.js
js-last-method-last-used = Utilisé en dernier

## shell.js : l'en-tête des pages
js-shell-your-account = Votre compte

## sign-in.js
js-sign-in-enter-email-or-username = Saisissez votre adresse e-mail ou votre nom d'utilisateur.
js-sign-in-enter-email = Saisissez votre adresse e-mail.
js-sign-in-enter-password = Saisissez votre mot de passe.
# Suivi du lien js-sign-in-reset-password.
js-sign-in-wrong-email-or = L'adresse e-mail ou le mot de passe est incorrect. Vérifiez les deux et réessayez, ou
js-sign-in-wrong-email = L'adresse e-mail ou le mot de passe est incorrect. Vérifiez les deux et réessayez.
# Suivi du lien js-sign-in-reset-password.
js-sign-in-wrong-username-or = L'adresse e-mail, le nom d'utilisateur ou le mot de passe est incorrect. Vérifiez-les et réessayez, ou
js-sign-in-wrong-username = L'adresse e-mail, le nom d'utilisateur ou le mot de passe est incorrect. Vérifiez-les et réessayez.
js-sign-in-reset-password = réinitialisez votre mot de passe
js-sign-in-verify-email-first = Vérifiez d'abord votre adresse e-mail : nous avons envoyé un nouveau lien dans votre boîte de réception. Ouvrez-le, puis connectez-vous ici.
js-sign-in-password-compromised = Le mot de passe saisi a été compromis. Nous vous avons envoyé par e-mail un lien pour en choisir un nouveau.
# $error est la raison donnée par le serveur ; suivi du lien js-sign-in-reset-password.
js-sign-in-wait-or = { $error } Patientez quelques minutes avant de réessayer, ou
js-sign-in-wait = { $error } Patientez quelques minutes avant de réessayer.
js-sign-in-second-step = Mot de passe accepté. Encore une étape…
js-sign-in-signed-in = Connecté. Redirection…

## sign-up.js
js-sign-up-enter-name = Saisissez votre nom.
js-sign-up-enter-email = Saisissez votre adresse e-mail.
js-sign-up-choose-password = Choisissez un mot de passe.
js-sign-up-retype-password = Saisissez à nouveau votre mot de passe.
# Suivi du lien js-sign-up-sign-in-instead.
js-sign-up-email-taken = Un compte existe déjà avec cette adresse e-mail.
js-sign-up-sign-in-instead = Connectez-vous plutôt
# Entre les liens js-sign-up-sign-in-instead et js-sign-up-reset-password.
js-sign-up-or = ou
js-sign-up-reset-password = réinitialisez votre mot de passe
js-sign-up-username-taken = Ce nom d'utilisateur est déjà pris. Essayez-en un autre.
js-sign-up-username-too-short = Utilisez au moins 3 caractères.
js-sign-up-username-too-long = Utilisez au plus 30 caractères.
js-sign-up-username-invalid = Utilisez uniquement des lettres, des chiffres, des points et des tirets bas.
js-sign-up-verify-email = Presque terminé : nous avons envoyé un lien à { $email }. Ouvrez-le pour vérifier votre adresse, puis connectez-vous.
js-sign-up-created = Compte créé. Redirection…

## forgot-password.js
js-forgot-password-sent = Si un compte existe pour cette adresse, nous lui avons envoyé un lien pour réinitialiser le mot de passe. Consultez vos e-mails.

## reset-password.js
js-reset-password-choose-new = Choisissez un nouveau mot de passe.
js-reset-password-retype-new = Saisissez à nouveau le nouveau mot de passe.
js-reset-password-link-unusable = Ce lien ne peut pas être utilisé
js-reset-password-link-invalid = Ce lien de réinitialisation n'est pas valide ou a expiré. Chaque lien ne fonctionne qu'une fois, pendant une durée limitée.
js-reset-password-ask-new-link = Demander un nouveau lien
# Le titre de la page et le début de son <title>.
js-reset-password-changed = Mot de passe modifié
js-reset-password-changed-text = Votre mot de passe a été modifié.
js-reset-password-sign-in-new = Connectez-vous avec votre nouveau mot de passe

## verify-email.js
js-verify-email-invalid-token = Ce lien n'est pas valide. Il a peut-être été copié en partie seulement, ou remplacé par un plus récent.
js-verify-email-token-expired = Ce lien a expiré.
js-verify-email-user-not-found = Le compte associé à ce lien n'existe plus.
js-verify-email-failed = Nous n'avons pas pu vérifier votre adresse e-mail avec ce lien.
js-verify-email-send-new-link = Envoyez un nouveau lien depuis votre compte
js-verify-email-not-verified-title = Adresse e-mail non vérifiée
js-verify-email-verified-title = Adresse e-mail vérifiée
js-verify-email-verified = Merci : votre adresse e-mail est vérifiée.

## account.js
js-account-sign-in-again = Se reconnecter
js-account-reauth-needed = Par sécurité, reconnectez-vous avant de faire cela.
js-account-session-ended = Votre session a pris fin. Reconnectez-vous pour continuer.
js-account-email-verified = Vérifiée
js-account-email-not-verified = Non vérifiée
js-account-change-email-how-verified = Nous écrirons à votre adresse actuelle pour approuver le changement, puis enverrons un lien à la nouvelle pour la confirmer.
js-account-change-email-how-unverified = Nous enverrons un lien à la nouvelle adresse pour la confirmer.
js-account-enter-name = Saisissez votre nom.
js-account-image-invalid = Saisissez un lien commençant par https://, ou laissez ce champ vide.
js-account-profile-saved = Profil enregistré.
js-account-verification-sent = Nous avons envoyé un lien à { $email }. Ouvrez-le pour vérifier votre adresse. Pas d'e-mail ? Vérifiez vos courriers indésirables, ou renvoyez-le.
js-account-enter-new-email = Saisissez la nouvelle adresse e-mail.
js-account-same-email = C'est déjà votre adresse e-mail.
# $email est l'adresse actuelle, $newEmail la nouvelle.
js-account-change-email-approve = Presque terminé : ouvrez le lien envoyé à { $email } pour approuver le changement. Confirmez ensuite { $newEmail } avec le lien que nous y enverrons.
js-account-change-email-confirm = Presque terminé : ouvrez le lien envoyé à { $newEmail } pour la confirmer.
js-account-enter-current-password = Saisissez votre mot de passe actuel.
js-account-choose-new-password = Choisissez un nouveau mot de passe.
js-account-retype-new-password = Saisissez à nouveau le nouveau mot de passe.
js-account-wrong-current-password = Ce n'est pas votre mot de passe actuel. Réessayez.
js-account-password-changed-others-out = Mot de passe modifié. Vos autres appareils ont été déconnectés.
js-account-password-changed = Mot de passe modifié.
js-account-choose-password = Choisissez un mot de passe.
js-account-retype-password = Saisissez à nouveau le mot de passe.
js-account-password-set = Mot de passe défini. Vous pouvez désormais vous connecter avec votre adresse e-mail et ce mot de passe.
js-account-delete-confirm = Supprimer définitivement votre compte ? Cette action est irréversible.
js-account-delete-enter-password = Saisissez votre mot de passe pour supprimer votre compte.
js-account-delete-wrong-password = Ce n'est pas votre mot de passe. Réessayez.
# La suppression attend le lien envoyé par e-mail (message du serveur « Verification email sent »).
js-account-delete-email-sent = E-mail de vérification envoyé. Ouvrez le lien qu'il contient pour terminer.
# La même chose avec un autre message du serveur ($message).
js-account-delete-check-email = { $message }. Ouvrez le lien reçu par e-mail pour terminer.
js-account-this-device = Cet appareil
js-account-used-by-admin = Utilisé par un administrateur
js-account-active-now = Actif maintenant
# $when est une date relative : « il y a 5 minutes », « à l'instant ».
js-account-signed-in-when = Connexion { $when }
js-account-device-details = Détails
js-account-fact-browser = Navigateur ou application
js-account-fact-ip-address = Adresse IP
js-account-fact-signed-in = Connexion
js-account-fact-expires = Déconnexion automatique
js-account-sign-out = Déconnecter
js-account-sign-out-here-label = Se déconnecter de cet appareil
# Ce qu'entend un lecteur d'écran : « Déconnecter Chrome sur macOS, connexion il y a 5 minutes ».
js-account-sign-out-device-label = Déconnecter { $device }, { $when }
js-account-sessions-only-this = Seul cet appareil est connecté.
js-account-sessions-others-one = Cet appareil et { $n } autre appareil sont connectés.
js-account-sessions-others = Cet appareil et { $n } autres appareils sont connectés.
js-account-device-signed-out = Cet appareil a été déconnecté.
js-account-others-signed-out = Tous les autres appareils ont été déconnectés.

## reference.js : « essayer » de la référence de l'API
js-reference-fill-path = Renseignez { $name } : il fait partie du chemin.
js-reference-body-not-json = Le corps n'est pas du JSON valide : { $error }
js-reference-redirect-status = Redirection 3xx
js-reference-redirect-body = Le serveur a répondu par une redirection. Les navigateurs ne laissent pas le script d'une page voir où elle mène : ouvrez l'adresse dans le navigateur pour la suivre.
js-reference-redirect-after = Redirection après { $ms } ms.
js-reference-empty-body = (corps vide)
js-reference-answered = Réponse { $status } en { $ms } ms.
js-reference-sending = Envoi…
js-reference-request-failed = La requête a échoué : { $error }
