# Les pages, la section du compte, les scripts, les e-mails et le SMS du plugin two-factor, en français.

## Titre de la page (la page de vérification) et intitulés
two-factor-title = Validation en deux étapes

## La page de vérification (templates/two-factor.html)
two-factor-intro = Votre mot de passe (ou votre lien) est correct. Prouvez maintenant que c'est bien vous avec votre deuxième étape.
two-factor-noscript = Cette page a besoin de JavaScript pour terminer votre connexion.
two-factor-totp-heading = Application d'authentification
two-factor-totp-label = Code à 6 chiffres de votre application d'authentification
two-factor-totp-hint = Ouvrez votre application d'authentification et saisissez le code qu'elle affiche pour { $app }.
two-factor-totp-hint-no-app = Ouvrez votre application d'authentification et saisissez le code qu'elle affiche pour ce site.
two-factor-checking = Vérification…
two-factor-verify = Vérifier
two-factor-otp-heading = Code par e-mail
two-factor-otp-status = Nous enverrons un code à 6 chiffres à l'adresse de votre compte.
two-factor-sending = Envoi…
two-factor-send-code = Recevoir un code par e-mail
two-factor-otp-label = Code reçu par e-mail
two-factor-backup-heading = Code de secours
two-factor-backup-label = Un de vos codes de secours
two-factor-backup-hint = Par exemple abcde-12345. Chaque code ne sert qu'une fois.
two-factor-trust-device = { $days ->
    [one] Faire confiance à cet appareil pendant { $days } jour
   *[other] Faire confiance à cet appareil pendant { $days } jours
}
two-factor-other-ways = Autres moyens de vérification
two-factor-use-app = Utiliser l'application d'authentification
two-factor-use-email = Recevoir plutôt un code par e-mail
two-factor-use-backup = Utiliser un code de secours
two-factor-start-again = Recommencer

## Page du compte, section Sécurité (templates/account-two-factor.html)
two-factor-account-intro = En plus de votre mot de passe, demandez un code à une application d'authentification sur votre téléphone. Confirmez votre mot de passe pour commencer.
two-factor-your-password = Votre mot de passe
two-factor-starting = Démarrage…
two-factor-set-up-app = Configurer une application d'authentification
two-factor-scan = Scannez ce QR code avec votre application d'authentification.
two-factor-cant-scan = Impossible de le scanner ? Saisissez plutôt cette clé dans l'application :
two-factor-save-codes = Conservez ces codes de secours en lieu sûr. Chacun vous permet de vous connecter une fois si vous perdez votre téléphone.
two-factor-download-codes = Télécharger les codes
two-factor-confirm-label = Code à 6 chiffres de l'application
two-factor-confirm-hint = Saisissez le code que votre application affiche maintenant pour terminer.
two-factor-turn-on = Activer la validation en deux étapes
two-factor-lost-codes = Vous avez perdu vos codes de secours ou en avez utilisé la plupart ? Les nouveaux remplacent tous les anciens.
two-factor-generating = Génération…
two-factor-show-new-codes = Afficher de nouveaux codes de secours
two-factor-off-warning = Une fois désactivée, seul votre mot de passe protège votre compte des autres.
two-factor-turning-off = Désactivation…
two-factor-turn-off = Désactiver la validation en deux étapes

## Le script de la page de vérification (assets/two-factor.js)
js-two-factor-expired = Cette connexion a expiré ou a déjà été utilisée. Reconnectez-vous pour en obtenir une nouvelle.
js-two-factor-sign-in-again = Se reconnecter
js-two-factor-enter-digits = Saisissez les chiffres du code.
js-two-factor-enter-backup-code = Saisissez l'un de vos codes de secours.
js-two-factor-wrong-email-code = Ce code est incorrect. Vérifiez l'e-mail et réessayez.
js-two-factor-wrong-app-code = Ce code est incorrect. Saisissez le code que votre application affiche maintenant.
js-two-factor-wrong-backup-code = Ce code de secours est incorrect ou a déjà été utilisé. Essayez-en un autre.
js-two-factor-code-expired = Ce code a expiré. Demandez-en un nouveau par e-mail.
js-two-factor-too-many-codes = Trop de codes erronés. Demandez un nouveau code par e-mail.
js-two-factor-locked = Trop de codes erronés pour ce compte. Patientez 15 minutes, puis réessayez.
js-two-factor-verified = Vérifié. Redirection…
js-two-factor-code-sent = Nous vous avons envoyé un code par e-mail. Il ne sert qu'une fois et expire dans quelques minutes.
js-two-factor-send-new-code = Recevoir un nouveau code

## Le script de la section du compte (assets/two-factor-account.js)
js-two-factor-wrong-password = Ce mot de passe est incorrect.
js-two-factor-state-on = Activée : la connexion demande un code de votre application d'authentification (ou un code de secours).
js-two-factor-state-off = Désactivée : votre mot de passe suffit pour vous connecter.
js-two-factor-qr-label = QR code pour votre application d'authentification
js-two-factor-enter-password = Saisissez votre mot de passe.
js-two-factor-enter-six-digits = Saisissez les 6 chiffres affichés par votre application.
js-two-factor-wrong-setup-code = Ce code est incorrect. Vérifiez l'horloge de l'application et saisissez le code qu'elle affiche maintenant.
js-two-factor-now-on = La validation en deux étapes est activée. Conservez vos codes de secours en lieu sûr.
js-two-factor-new-codes = Vos nouveaux codes de secours sont ci-dessous ; les anciens ne fonctionnent plus.
js-two-factor-now-off = La validation en deux étapes est désactivée.

## Erreurs de l'API (errorText)
js-error-OTP_NOT_ENABLED = Les codes à usage unique ne sont pas activés
js-error-OTP_NOT_CONFIGURED = Les codes à usage unique ne sont pas disponibles
js-error-OTP_HAS_EXPIRED = Le code a expiré
js-error-TOTP_NOT_ENABLED = L'application d'authentification n'est pas activée
js-error-TOTP_ALREADY_ENABLED = L'application d'authentification est déjà activée
js-error-TOTP_NOT_CONFIGURED = L'application d'authentification n'est pas disponible
js-error-TWO_FACTOR_NOT_ENABLED = La validation en deux étapes n'est pas activée
js-error-BACKUP_CODES_NOT_ENABLED = Les codes de secours ne sont pas activés
js-error-INVALID_BACKUP_CODE = Code de secours non valide
js-error-INVALID_CODE = Code non valide
js-error-TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE = Trop de tentatives. Veuillez demander un nouveau code.
js-error-ACCOUNT_TEMPORARILY_LOCKED = Trop d'échecs de vérification. Votre compte est temporairement verrouillé. Veuillez réessayer plus tard.
js-error-INVALID_TWO_FACTOR_COOKIE = Cookie de validation en deux étapes non valide

## E-mail : un code de connexion (templates/email-two-factor-otp.*)
two-factor-email-otp-subject = Votre code de connexion { $app } : { $code }
two-factor-email-otp-title = Votre code de connexion { $app }
two-factor-email-otp-preheader = Votre code de connexion { $app } est { $code }.
two-factor-email-otp-heading = Votre code de connexion
two-factor-email-otp-enter = Saisissez ce code dans { $app } pour terminer votre connexion :
two-factor-email-otp-expires = { $n ->
    [one] Il expire dans { $n } minute.
   *[other] Il expire dans { $n } minutes.
}
two-factor-email-otp-never-share = Ne le communiquez à personne : { $app } ne vous le demandera jamais.
two-factor-email-otp-not-you = Si vous ne venez pas de vous connecter, quelqu'un connaît votre mot de passe : changez-le depuis la page de votre compte.

## SMS : un code de connexion (templates/sms-two-factor-otp.txt) ; sans espace insécable, hors de l'alphabet GSM
two-factor-sms-code = { $code } est votre code de connexion { $app }.
two-factor-sms-expires = Il expire dans { $n } min.
two-factor-sms-dont-share = Ne le communiquez pas.

## E-mail : une modification de la validation en deux étapes (templates/email-two-factor-changed.*)
# Les phrases sur la modification sont coupées autour de l'adresse du compte, en gras :
# « <phrase> <adresse><phrase>-end ».
two-factor-email-review-account = Vérifier votre compte
two-factor-email-subject-on = La validation en deux étapes a été activée pour votre compte { $app }
two-factor-email-subject-off = La validation en deux étapes a été désactivée pour votre compte { $app }
two-factor-email-subject-new-codes = Nouveaux codes de secours pour votre compte { $app }
two-factor-email-subject-replayed = Un code d'authentification déjà utilisé a été saisi sur votre compte { $app }
two-factor-email-subject-code-used = Un code de secours a été utilisé sur votre compte { $app }
two-factor-email-title-on = La validation en deux étapes a été activée
two-factor-email-title-off = La validation en deux étapes a été désactivée
two-factor-email-title-new-codes = Nouveaux codes de secours
two-factor-email-title-replayed = Un code d'authentification déjà utilisé a été saisi
two-factor-email-title-code-used = Un code de secours a été utilisé
two-factor-email-preheader = Une modification de la validation en deux étapes de votre compte { $app }.
two-factor-email-heading-on = La validation en deux étapes est activée
two-factor-email-heading-off = La validation en deux étapes est désactivée
two-factor-email-heading-replayed = Un code déjà utilisé a été saisi
two-factor-email-totp-added = Une application d'authentification a été configurée pour la validation en deux étapes de votre compte { $app }
two-factor-email-totp-added-end = .
two-factor-email-otp-added = La validation en deux étapes par codes envoyés par e-mail a été activée pour votre compte { $app }
two-factor-email-otp-added-end = .
two-factor-email-removed = La validation en deux étapes a été désactivée pour votre compte { $app }
two-factor-email-removed-end =  : votre mot de passe suffit désormais pour vous connecter.
two-factor-email-new-codes = De nouveaux codes de secours ont été créés pour votre compte { $app }
two-factor-email-new-codes-end = . Les anciens ne fonctionnent plus.
two-factor-email-replayed = Un code déjà utilisé de votre application d'authentification a été saisi à nouveau sur votre compte { $app }
two-factor-email-replayed-end = , et refusé. Chaque code ne sert qu'une fois. Si vous avez saisi deux fois le même code, rien d'inquiétant ; sinon, quelqu'un a vu l'un de vos codes et connaît peut-être votre mot de passe.
two-factor-email-code-used = Un code de secours a été utilisé pour se connecter à votre compte { $app }
two-factor-email-code-used-end = .
two-factor-email-codes-left = { $n ->
    [one] { $n } code inutilisé restant.
   *[other] { $n } codes inutilisés restants.
}
two-factor-email-was-you = Si c'était vous, vous n'avez rien à faire.
# « <strong>Si ce n'était pas vous</strong>, quelqu'un d'autre peut utiliser votre compte : <a>réinitialisez votre mot de passe</a>, puis vérifiez … »
two-factor-email-not-you = Si ce n'était pas vous
two-factor-email-not-you-then = , quelqu'un d'autre peut utiliser votre compte :
two-factor-email-reset-password = réinitialisez votre mot de passe
two-factor-email-review-below = , puis vérifiez vos sessions et votre validation en deux étapes avec le bouton ci-dessous.
two-factor-email-review-account-page = , puis vérifiez vos sessions et votre validation en deux étapes sur la page de votre compte.
