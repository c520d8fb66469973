# Les e-mails du cœur (templates/email-*.html et .txt), en français.

## Durée de validité d'un lien ou d'un code : `expires_in` dans les modèles.
duration-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
duration-hours = { $n ->
    [one] { $n } heure
   *[other] { $n } heures
}
duration-days = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}

## La mise en page de tous les e-mails (email-base.html et .txt).
email-base-greeting = Bonjour,
email-base-greeting-named = Bonjour { $name },
email-base-link-fallback = Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :
email-base-ignore-notice = Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer cet e-mail.
email-base-thanks = Cordialement,
email-base-signature = L'équipe { $brand }
email-base-need-help = Besoin d'aide ?
email-base-support = Assistance
email-base-privacy = Confidentialité
email-base-terms = Conditions d'utilisation
email-base-sent-to = Cet e-mail a été envoyé à { $address }.
# La partie texte : le libellé du bouton, puis le lien à la ligne suivante.
email-base-action-line = { $label } :
email-base-help-line = Aide : { $address }
email-base-support-line = Assistance : { $url }
email-base-privacy-line = Confidentialité : { $url }
email-base-terms-line = Conditions d'utilisation : { $url }

## Partagés par plusieurs e-mails.
email-link-expires = Le lien expire dans { $duration }.
email-if-this-was-you = Si c'était vous, vous n'avez rien à faire.
# En gras, suivi de « , » et du conseil.
email-if-it-wasnt-you = Si ce n'était pas vous
email-action-sign-in = Se connecter

## Quand, d'où et sur quoi (email-request-details.html et .txt).
email-details-when = Date
email-details-ip = Adresse IP
email-details-device = Appareil
# La partie texte : les valeurs commencent à la même colonne sur les trois lignes.
email-details-when-line = Date :       { $value }
email-details-ip-line = Adresse IP : { $value }
email-details-device-line = Appareil :   { $value }

## « Contactez-nous … » (email-contact-support.html et .txt), suivi de l'adresse ou de la page.
email-contact-support-email = Contactez-nous à l'adresse
email-contact-support-page = Contactez-nous via

## Vérification d'une adresse (email-verification).
email-verification-subject = Vérifiez votre adresse e-mail pour { $brand }
email-verification-preheader = Confirmez votre adresse e-mail pour finir de configurer votre compte { $brand }.
email-verification-heading = Vérifiez votre adresse e-mail
email-verification-action = Vérifier l'adresse
email-verification-action-text = Vérifiez votre adresse e-mail
# Suivi de l'adresse, puis de by-button (HTML) ou by-link (texte).
email-verification-confirm = Veuillez confirmer que
email-verification-by-button = est bien votre adresse e-mail en cliquant sur le bouton ci-dessous.
email-verification-by-link = est bien votre adresse e-mail en ouvrant le lien ci-dessous.

## Lien de réinitialisation du mot de passe (email-password-reset).
email-password-reset-subject = Réinitialisez votre mot de passe { $brand }
email-password-reset-preheader = Quelqu'un a demandé à réinitialiser le mot de passe de votre compte { $brand }.
email-password-reset-heading = Réinitialisez votre mot de passe
email-password-reset-action = Choisir un mot de passe
email-password-reset-action-text = Choisir un nouveau mot de passe
email-password-reset-request = Nous avons reçu une demande de réinitialisation du mot de passe de votre compte { $brand }.
email-password-reset-click = Cliquez sur le bouton ci-dessous pour en choisir un nouveau.
email-password-reset-ignore = Si vous n'avez pas demandé à réinitialiser votre mot de passe, vous pouvez ignorer cet e-mail : votre mot de passe reste inchangé.

## Approbation d'un changement d'adresse, envoyé à l'adresse actuelle (email-change-email).
email-change-email-subject = Confirmez votre nouvelle adresse e-mail pour { $brand }
email-change-email-preheader = Approuvez le remplacement de votre adresse e-mail { $brand } par { $new_address }.
email-change-email-heading = Approuvez le changement d'adresse e-mail
email-change-email-action = Approuver le changement
# « … compte de <adresse actuelle> à <nouvelle adresse>. »
email-change-email-from = Quelqu'un a demandé à faire passer l'adresse e-mail de votre compte { $brand } de
email-change-email-to = à
email-change-email-approve = Si c'était vous, approuvez le changement avec le bouton ci-dessous.
email-change-email-approve-link = Si c'était vous, approuvez le changement avec le lien ci-dessous.
email-change-email-ignore = Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer cet e-mail : votre adresse reste { $address }. Il serait toutefois prudent de changer votre mot de passe.

## Confirmation d'une suppression de compte (email-delete-account).
email-delete-account-subject = Confirmez la suppression de votre compte { $brand }
email-delete-account-preheader = Confirmez que vous souhaitez supprimer votre compte { $brand }.
email-delete-account-heading = Supprimer votre compte ?
email-delete-account-action = Supprimer mon compte
email-delete-account-action-text = Confirmer la suppression du compte
# Suivi de l'adresse et de « . ».
email-delete-account-request = Nous avons reçu une demande de suppression du compte { $brand } de
# En gras, suivi de email-delete-account-consequence.
email-delete-account-permanent = Cette action est définitive :
email-delete-account-consequence = votre compte et ses données seront supprimés et ne pourront pas être récupérés.
email-delete-account-ignore = Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer cet e-mail : votre compte reste tel quel. Il serait toutefois prudent de changer votre mot de passe.

## Un nouveau compte (email-welcome).
email-welcome-subject = Bienvenue sur { $brand }
email-welcome-preheader = Votre compte { $brand } est prêt.
email-welcome-action = Se connecter à { $brand }
# « Votre compte associé à <adresse> est prêt. »
email-welcome-account-for = Votre compte associé à
email-welcome-ready = est prêt.
email-welcome-ready-text = Votre compte { $brand } associé à { $address } est prêt.

## Alerte de connexion (email-new-sign-in).
email-new-sign-in-subject = Nouvelle connexion à votre compte { $brand }
email-new-sign-in-preheader = Votre compte { $brand } vient d'être utilisé pour une connexion.
email-new-sign-in-heading = Nouvelle connexion à votre compte
email-new-sign-in-action = Vérifier votre compte
# « Votre compte Acme <adresse> vient d'être utilisé pour une connexion. »
email-new-sign-in-account = Votre compte { $brand }
email-new-sign-in-used = vient d'être utilisé pour une connexion.
# « Sinon, <lien>réinitialisez votre mot de passe</lien> immédiatement et déconnectez vos autres sessions. »
email-new-sign-in-if-not = Sinon,
email-new-sign-in-reset-link = réinitialisez votre mot de passe
email-new-sign-in-after-reset = immédiatement et déconnectez vos autres sessions.
email-new-sign-in-change-password = Sinon, changez immédiatement votre mot de passe et déconnectez vos autres sessions.
email-new-sign-in-reset-text = Sinon, réinitialisez immédiatement votre mot de passe ({ $url }) et déconnectez vos autres sessions.
email-new-sign-in-reset-no-link-text = Sinon, réinitialisez immédiatement votre mot de passe et déconnectez vos autres sessions.

## Un mot de passe a été modifié ou ajouté (email-password-changed).
email-password-changed-subject = Le mot de passe de votre compte { $brand } a été modifié
email-password-changed-subject-added = Un mot de passe a été ajouté à votre compte { $brand }
email-password-changed-preheader = Le mot de passe de votre compte { $brand } vient d'être modifié.
email-password-changed-preheader-added = Votre compte { $brand } a désormais un mot de passe.
email-password-changed-heading = Votre mot de passe a été modifié
email-password-changed-heading-added = Un mot de passe a été ajouté à votre compte
email-password-changed-action = Réinitialiser
# « Le mot de passe de votre compte Acme <adresse> vient d'être modifié. »
email-password-changed-account = Le mot de passe de votre compte { $brand }
email-password-changed-changed = vient d'être modifié.
# « Un mot de passe vient d'être défini sur votre compte Acme <adresse> : … » (commence par une espace insécable)
email-password-changed-set-on = Un mot de passe vient d'être défini sur votre compte { $brand }
email-password-changed-can-sign-in =  : il permet désormais de vous connecter.
# Après « Si ce n'était pas vous, » : « … sur votre <lien>page de compte</lien>. »
email-password-changed-advice = quelqu'un d'autre peut utiliser votre compte : réinitialisez immédiatement votre mot de passe avec le bouton ci-dessous, puis déconnectez les sessions que vous ne reconnaissez pas sur votre
email-password-changed-account-page = page de compte
email-password-changed-advice-text = quelqu'un d'autre peut utiliser votre compte : réinitialisez immédiatement votre mot de passe avec le lien ci-dessous, puis déconnectez les sessions que vous ne reconnaissez pas sur votre page de compte ({ $url }).

## Un mot de passe a été réinitialisé (email-password-was-reset).
email-password-was-reset-subject = Le mot de passe de votre compte { $brand } a été réinitialisé
email-password-was-reset-preheader = Le mot de passe de votre compte { $brand } vient d'être réinitialisé.
email-password-was-reset-heading = Votre mot de passe a été réinitialisé
email-password-was-reset-action = Réinitialiser à nouveau
# « Le mot de passe de votre compte Acme <adresse> vient d'être réinitialisé. »
email-password-was-reset-account = Le mot de passe de votre compte { $brand }
email-password-was-reset-reset = vient d'être réinitialisé.
email-password-was-reset-signed-out = Tous les appareils connectés ont été déconnectés.
# Après « Si ce n'était pas vous, ».
email-password-was-reset-advice = quelqu'un d'autre a obtenu votre lien ou code de réinitialisation : sécurisez votre messagerie, puis réinitialisez à nouveau votre mot de passe avec le bouton ci-dessous.
email-password-was-reset-advice-text = quelqu'un d'autre a obtenu votre lien ou code de réinitialisation : sécurisez votre messagerie, puis réinitialisez à nouveau votre mot de passe avec le lien ci-dessous.

## L'adresse a été changée, envoyé à l'ancienne (email-email-changed).
email-email-changed-subject = L'adresse e-mail de votre compte { $brand } a été modifiée
email-email-changed-preheader = Votre compte { $brand } n'utilise plus cette adresse.
email-email-changed-heading = Votre adresse e-mail a été modifiée
email-email-changed-action = Contacter l'assistance
# « … compte Acme vient de passer de <ancienne adresse> à <nouvelle adresse>. »
email-email-changed-from = L'adresse e-mail de votre compte { $brand } vient de passer de
email-email-changed-to = à
email-email-changed-from-now-on = Désormais, les liens de connexion, les codes et les réinitialisations de mot de passe sont envoyés à la nouvelle adresse.
# Après « Si ce n'était pas vous, ».
email-email-changed-taken-over = quelqu'un d'autre a pris le contrôle de votre compte, et une réinitialisation du mot de passe lui serait désormais envoyée.
email-email-changed-tell-us = Expliquez-nous ce qui s'est passé en indiquant l'heure ci-dessus.
email-email-changed-contact-team = Contactez immédiatement l'équipe { $brand } en indiquant l'heure ci-dessus.

## Quelqu'un a essayé de s'inscrire avec une adresse qui a déjà un compte (email-sign-up-attempt).
email-sign-up-attempt-subject = Quelqu'un a essayé de créer un compte { $brand } avec votre adresse e-mail
email-sign-up-attempt-preheader = Vous avez déjà un compte { $brand } avec cette adresse.
email-sign-up-attempt-heading = Vous avez déjà un compte
# « Quelqu'un a essayé de créer un compte Acme avec <adresse>, mais cette adresse … »
email-sign-up-attempt-tried = Quelqu'un a essayé de créer un compte { $brand } avec
email-sign-up-attempt-exists = mais cette adresse est déjà associée à un compte. Aucun nouveau compte n'a été créé et le vôtre reste inchangé.
email-sign-up-attempt-sign-in = Si c'était vous, connectez-vous avec le bouton ci-dessous.
email-sign-up-attempt-sign-in-text = Si c'était vous, connectez-vous avec le lien ci-dessous.
# « Si vous avez oublié votre mot de passe, <lien>réinitialisez-le</lien>. »
email-sign-up-attempt-forgot = Si vous avez oublié votre mot de passe,
email-sign-up-attempt-reset-link = réinitialisez-le
email-sign-up-attempt-reset-text = Si vous avez oublié votre mot de passe, réinitialisez-le ici : { $url }
email-sign-up-attempt-not-you = Si ce n'était pas vous, vous pouvez ignorer cet e-mail : personne ne peut utiliser votre compte sans votre mot de passe.
