# Les pages hébergées (ui/templates) et leurs scripts (ui/static), en français.
# Les identifiants en js- vont aux scripts des pages : du texte et des { $variables } seulement.

## Toutes les pages
skip-to-content = Aller au contenu
nav-home = Accueil
nav-main = Principal
nav-sign-in = Se connecter
nav-create-account = Créer un compte
nav-your-account = Votre compte
nav-sign-out = Se déconnecter
footer-support = Assistance
footer-privacy = Confidentialité
footer-terms = Conditions
footer-api-reference = Référence de l'API
theme-label = Thème
theme-system = Comme cet appareil
theme-light = Clair
theme-dark = Sombre

## Titres des pages (le <title>, avant le nom de la marque)
page-title-index = Bienvenue
page-title-sign-in = Connexion
page-title-sign-up = Créer un compte
page-title-account = Votre compte
page-title-forgot-password = Mot de passe oublié
page-title-reset-password = Choisir un nouveau mot de passe
page-title-verify-email = Vérifier votre adresse e-mail
page-title-not-found = Page introuvable
page-title-forbidden = Accès refusé
page-title-auth-error = Une erreur s'est produite
page-title-dev-outbox = Boîte d'envoi
page-title-dev-outbox-message = Message
page-title-reference = Référence de l'API

## Champs de formulaire partagés (macros.html)
ui-reveal-show = Afficher
# Après « Afficher » (ou le « Masquer » du script), pour les lecteurs d'écran seulement.
ui-reveal-password = le mot de passe
ui-or = ou

## Page de connexion
sign-in-title = Se connecter
sign-in-welcome = Bon retour sur { $app }.
sign-in-needs-js = Cette page a besoin de JavaScript pour vous connecter.
sign-in-email-or-username = Adresse e-mail ou nom d'utilisateur
sign-in-email = Adresse e-mail
sign-in-password = Mot de passe
sign-in-forgot-password = Mot de passe oublié ?
sign-in-remember = Rester connecté sur cet appareil
sign-in-busy = Connexion…
sign-in-submit = Se connecter
sign-in-other-ways = Autres façons de vous connecter
# Avant le lien « Créer un compte ».
sign-in-new-here = Pas encore de compte ?
sign-in-create-account = Créer un compte

## Page d'inscription
sign-up-title = Créez votre compte
sign-up-intro = Votre compte { $app } est prêt en une minute.
sign-up-needs-js = Cette page a besoin de JavaScript pour créer votre compte.
sign-up-name = Nom
sign-up-email = Adresse e-mail
sign-up-password = Mot de passe
sign-up-password-hint = Utilisez de { $min } à { $max } caractères. Quelques mots sans rapport entre eux font un mot de passe solide.
sign-up-confirm-password = Confirmer le mot de passe
sign-up-busy = Création du compte…
sign-up-submit = Créer le compte
sign-up-other-ways = Autres façons de vous inscrire
# Avant le lien « Se connecter ».
sign-up-have-account = Vous avez déjà un compte ?
sign-up-sign-in = Se connecter

## Page « Mot de passe oublié »
forgot-password-title = Mot de passe oublié ?
forgot-password-intro = Saisissez l'adresse e-mail de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe.
forgot-password-needs-js = Cette page a besoin de JavaScript pour envoyer le lien.
forgot-password-email = Adresse e-mail
forgot-password-busy = Envoi…
forgot-password-submit = Envoyer le lien
# Avant le lien « Retour à la connexion ».
forgot-password-remembered = Vous vous en souvenez ?
forgot-password-back = Retour à la connexion

## Page de réinitialisation du mot de passe
reset-password-unusable-title = Ce lien ne peut pas être utilisé
reset-password-invalid = Ce lien de réinitialisation n'est pas valide ou a expiré. Chaque lien ne sert qu'une fois, pendant une durée limitée.
reset-password-failed = Ce lien de réinitialisation n'a pas pu être utilisé.
reset-password-ask-new = Demander un nouveau lien
reset-password-no-token-title = Réinitialiser votre mot de passe
reset-password-open-link = Pour choisir un nouveau mot de passe, ouvrez le lien de l'e-mail de réinitialisation que nous vous avons envoyé.
reset-password-ask-link = Demander un lien de réinitialisation
reset-password-title = Choisissez un nouveau mot de passe
reset-password-intro = Choisissez un mot de passe que vous n'utilisez nulle part ailleurs. Vos autres appareils sont déconnectés quand vous le changez.
reset-password-needs-js = Cette page a besoin de JavaScript pour définir votre mot de passe.
reset-password-new = Nouveau mot de passe
reset-password-hint = Utilisez de { $min } à { $max } caractères.
reset-password-confirm = Confirmer le nouveau mot de passe
reset-password-busy = Enregistrement…
reset-password-submit = Enregistrer le mot de passe
reset-password-back = Retour à la connexion

## Page de vérification de l'adresse e-mail
verify-email-error-title = Adresse e-mail non vérifiée
verify-email-error-default = Nous n'avons pas pu vérifier votre adresse e-mail avec ce lien.
verify-email-error-invalid-token = Ce lien n'est pas valide. Il a peut-être été copié en partie seulement, ou remplacé par un lien plus récent.
verify-email-error-token-expired = Ce lien a expiré.
verify-email-error-user-not-found = Le compte de ce lien n'existe plus.
verify-email-error-email-taken = Un autre compte utilise déjà cette adresse : elle ne peut pas être transférée sur le vôtre.
# Suivi de la section « E-mail » du compte, puis de verify-email-ask-new-then, puis du bouton
# « Envoyer un lien de vérification » (account-section-email, account-email-verify-send).
verify-email-ask-new = Demandez un nouveau lien depuis votre compte :
verify-email-ask-new-then = , puis
verify-email-go-account = Accéder à votre compte
verify-email-verified-title = Adresse e-mail vérifiée
verify-email-verified = Merci : votre adresse e-mail est vérifiée.
verify-email-already-title = Déjà vérifiée
verify-email-already = Ce lien a déjà été utilisé : votre adresse e-mail est vérifiée. Vous n'avez rien d'autre à faire.
verify-email-change-approved-title = Changement approuvé
verify-email-change-approved = Encore une étape : nous avons envoyé un lien à votre nouvelle adresse. Ouvrez-le pour terminer le changement.
verify-email-changed-title = Adresse e-mail modifiée
verify-email-changed = Votre compte utilise désormais votre nouvelle adresse e-mail.
verify-email-pending-title = Vérification de votre adresse e-mail…
verify-email-needs-js = Cette page a besoin de JavaScript pour vérifier votre adresse.
verify-email-checking = Vérification de votre lien…
verify-email-waiting-title = Vérifiez votre adresse e-mail
verify-email-waiting = Ouvrez le lien de l'e-mail que nous vous avons envoyé pour vérifier votre adresse.
verify-email-no-email = Pas d'e-mail ? Regardez dans vos courriers indésirables, ou envoyez un nouveau lien depuis votre compte.

## Page du compte
account-needs-js = Cette page a besoin de JavaScript pour afficher votre compte.
account-loading = Chargement de votre compte…
account-title = Votre compte
# Avant l'adresse.
account-signed-in-as = Connecté en tant que
account-sections-label = Sections du compte
# Les noms des sections, dans la navigation et comme titres.
account-section-profile = Profil
account-section-email = E-mail
account-section-security = Sécurité
account-section-sessions = Sessions et appareils

## Compte : Profil
account-profile-intro = Comment vous apparaissez dans { $app } et les applications qui l'utilisent.
account-profile-name = Nom
account-profile-image = URL de la photo
account-profile-image-hint = Un lien vers une photo de vous, commençant par https://. Laissez vide pour retirer la photo.
account-profile-busy = Enregistrement…
account-profile-submit = Enregistrer le profil

## Compte : E-mail
account-email-address = Votre adresse e-mail
account-email-verify-intro = Confirmez que cette adresse est bien la vôtre, pour pouvoir toujours accéder à votre compte.
account-email-verify-send = Envoyer un lien de vérification
account-email-change-title = Modifier votre adresse e-mail
account-email-change-how = Nous vous enverrons un lien par e-mail pour confirmer le changement.
account-email-change-new = Nouvelle adresse e-mail
account-email-change-busy = Envoi…
account-email-change-submit = Modifier l'adresse

## Compte : Sécurité
account-security-password-title = Modifier le mot de passe
account-security-password-current = Mot de passe actuel
account-security-password-new = Nouveau mot de passe
account-security-password-hint = Utilisez de { $min } à { $max } caractères.
account-security-password-confirm = Confirmer le nouveau mot de passe
account-security-password-revoke = Déconnecter mes autres appareils
account-security-password-busy = Modification…
account-security-password-submit = Modifier le mot de passe
account-security-set-title = Définir un mot de passe
account-security-set-intro = Vous vous connectez avec des liens ou des codes envoyés par e-mail. Ajoutez un mot de passe pour pouvoir aussi vous connecter avec.
account-security-set-new = Nouveau mot de passe
account-security-set-confirm = Confirmer le mot de passe
account-security-set-busy = Enregistrement…
account-security-set-submit = Définir le mot de passe
account-security-delete-title = Supprimer votre compte
account-security-delete-intro = Supprimer votre compte efface votre profil et met fin à toutes vos sessions. Cette action est irréversible.
account-security-delete-password = Votre mot de passe
account-security-delete-busy = Suppression…
account-security-delete-submit = Supprimer mon compte
account-security-delete-dialog-title = Supprimer votre compte ?
account-security-delete-dialog-text = Votre compte, votre profil et vos sessions seront supprimés définitivement. Cette action est irréversible.
account-security-delete-cancel = Annuler
account-security-delete-confirm = Supprimer le compte

## Compte : Sessions et appareils
account-sessions-intro = Les navigateurs et applications connectés à votre compte. Si vous ne reconnaissez pas l'un d'eux, déconnectez-le et changez votre mot de passe.
account-sessions-list = Appareils connectés
account-sessions-loading = Chargement des sessions…
account-sessions-revoke-others = Déconnecter les autres appareils

## Page d'accueil
index-error-invalid-token = Ce lien n'est pas valide ou a déjà été utilisé.
index-error-expired = Ce lien a expiré.
index-error-attempts-exceeded = Ce lien ou ce code a été essayé trop de fois.
index-error-signup-disabled = Il n'est pas possible de créer de nouveaux comptes ici pour le moment.
index-error-create-user = Nous n'avons pas pu créer votre compte.
index-error-create-session = Nous n'avons pas pu vous connecter.
index-error-default = Un problème est survenu pendant votre connexion.
# Avant le lien « connectez-vous ».
index-error-have-account = Si vous avez déjà un compte,
index-error-sign-in = connectez-vous
index-error-try-again = Réessayer de vous connecter
# Entre les liens « Réessayer de vous connecter » et « réinitialiser votre mot de passe ».
index-error-or = , ou
index-error-reset = réinitialiser votre mot de passe
# Avant le code, entre parenthèses.
index-error-code = Code :
index-sign-in = Se connecter
index-create-account = Créer un compte
# Avant l'adresse.
index-signed-in-as = Connecté en tant que
index-go-account = Accéder à votre compte
index-features-title = Votre compte { $app }
index-feature-sign-in-title = Connectez-vous à votre façon
index-feature-sign-in = Avec votre adresse e-mail et un mot de passe.
index-feature-sign-in-others = Avec votre adresse e-mail et un mot de passe, ou les autres moyens que propose la page de connexion.
index-feature-sessions-title = Voyez où vous êtes connecté
index-feature-sessions = Votre compte liste chaque navigateur et appareil connecté, et vous permet de déconnecter n'importe lequel d'entre eux.
index-feature-yours-title = Un compte bien à vous
index-feature-yours = Modifiez votre nom, votre adresse e-mail et votre mot de passe quand vous le souhaitez.
index-feature-yours-reset = Modifiez votre nom, votre adresse e-mail et votre mot de passe quand vous le souhaitez, et retrouvez l'accès à votre compte grâce à un lien envoyé par e-mail si vous oubliez votre mot de passe.
index-help = Besoin d'aide ?
index-contact-support = Contacter l'assistance
# Avant l'adresse de l'assistance.
index-write-to = Écrivez à

## Page introuvable (404)
not-found-title = Page introuvable
# Avant l'adresse demandée.
not-found-no-page = Il n'y a aucune page à l'adresse
not-found-this-address = indiquée
not-found-moved = Elle a peut-être été déplacée, ou le lien contient une faute de frappe.
not-found-home = Aller à l'accueil
not-found-account = Votre compte

## Page interdite (403)
forbidden-title = Vous ne pouvez pas ouvrir cette page
forbidden-default = Votre compte n'a pas accès à cette page.
forbidden-account = Votre compte
forbidden-other-account = Se connecter avec un autre compte

## Page d'erreur de connexion (auth-error.html)
auth-error-title = Une erreur s'est produite
auth-error-default = Nous n'avons pas pu traiter cette demande. Revenez en arrière et réessayez.
auth-error-interrupted = La connexion a pris trop de temps ou a été interrompue. Veuillez recommencer.
auth-error-state-mismatch = La connexion n'a pas pu être vérifiée, peut-être parce qu'elle a été commencée dans un autre onglet ou navigateur. Veuillez recommencer.
auth-error-invalid-callback-request = Le fournisseur de connexion a renvoyé une requête que ce serveur n'a pas pu utiliser. Veuillez recommencer.
auth-error-no-code = Le fournisseur de connexion n'a pas renvoyé de code d'autorisation. Veuillez recommencer.
auth-error-no-callback-url = La connexion n'a pas pu aboutir, car aucune adresse de retour n'a été indiquée.
auth-error-provider-not-found = Ce fournisseur de connexion n'est pas configuré sur ce serveur.
auth-error-user-info = Nous n'avons pas pu lire votre profil auprès du fournisseur de connexion.
auth-error-email-not-found = Le fournisseur de connexion n'a pas communiqué d'adresse e-mail, et ce serveur en a besoin.
auth-error-account-not-linked = Un compte avec cette adresse e-mail existe déjà, mais il n'est pas lié à ce fournisseur de connexion. Connectez-vous comme vous l'avez fait auparavant.
auth-error-link-account = Nous n'avons pas pu lier ce fournisseur de connexion à votre compte.
auth-error-email-mismatch = L'adresse e-mail du fournisseur de connexion ne correspond pas à votre compte.
auth-error-email-does-not-match = L'adresse e-mail du fournisseur de connexion ne correspond pas à votre compte. Connectez-vous au fournisseur avec l'adresse que vous utilisez ici.
auth-error-linked-to-other-user = Ce compte du fournisseur de connexion est déjà lié à un autre utilisateur ici. Connectez-vous avec lui pour utiliser ce compte, ou déliez-le d'abord de ce compte.
auth-error-email-not-verified = Le fournisseur de connexion n'a pas vérifié votre adresse e-mail. Vérifiez-la chez lui, puis réessayez.
auth-error-invalid-code = Le fournisseur de connexion n'a pas accepté la connexion. Veuillez recommencer.
auth-error-issuer-mismatch = La réponse ne vient pas du fournisseur de connexion avec lequel cette connexion a commencé. Veuillez recommencer.
auth-error-create-user = Nous n'avons pas pu créer votre compte. Veuillez réessayer plus tard.
auth-error-signup-disabled = Il n'est pas possible de créer de nouveaux comptes ici pour le moment.
auth-error-invalid-token = Ce lien n'est pas valide ou a expiré. Veuillez en demander un nouveau.
auth-error-token-expired = Ce lien a expiré. Veuillez en demander un nouveau.
auth-error-internal = Le serveur a rencontré un problème. Veuillez réessayer plus tard.
auth-error-access-denied = L'accès a été refusé, ou la connexion a été annulée.
# Avant le code.
auth-error-code = Code d'erreur :
# Suivi d'un lien vers l'assistance et/ou de son adresse, puis de auth-error-mention-code.
auth-error-contact = Si cela se reproduit, contactez
auth-error-support = l'assistance
# Entre le lien vers l'assistance et son adresse.
auth-error-or = ou
auth-error-mention-code = en indiquant le code d'erreur.
auth-error-home = Aller à l'accueil
auth-error-sign-in = Se connecter

## Boîte d'envoi de développement
dev-outbox-title = Boîte d'envoi
dev-outbox-intro = Les e-mails et SMS que ce serveur de développement aurait envoyés. Rien de tout cela n'a quitté la machine. Cette page n'est pas disponible en production.
dev-outbox-messages = Messages
dev-outbox-time = Heure
dev-outbox-to = Destinataire
dev-outbox-kind = Type
dev-outbox-subject = Objet
dev-outbox-no-subject = (sans objet)
dev-outbox-empty = Aucun message pour l'instant. Inscrivez-vous, ou demandez la réinitialisation d'un mot de passe : l'e-mail apparaîtra ici.
# Avant le chemin du dossier.
dev-outbox-kept-in = Les messages sont conservés sous forme de fichiers dans
dev-outbox-all-messages = ← Tous les messages
dev-outbox-from-name = Nom de l'expéditeur
dev-outbox-sent = Envoyé
dev-outbox-links = Liens de ce message
dev-outbox-html = HTML
dev-outbox-html-frame = Corps HTML du message
dev-outbox-text = Texte brut

## Référence de l'API
reference-required = obligatoire
reference-one-of = L'une des valeurs :
# Avant l'URL du serveur.
reference-base-url = URL de base
reference-openapi-document = Document OpenAPI (JSON)
# Avant « Authorization: Bearer ».
reference-sessions-travel = Les sessions passent par un cookie ou par
reference-endpoints = Points d'accès
reference-filter = Filtrer les points d'accès
reference-filter-placeholder = ex. : session, post, /sign-in
reference-no-match = Aucun point d'accès ne correspond.
reference-authentication = Authentification :
# Après la session qu'une opération demande, avant « Authorization: Bearer ».
reference-auth-session = , par le cookie de session ou par
reference-auth-none = aucune.
reference-parameters = Paramètres
# Le type d'un paramètre et où il va (query, path, header, cookie).
reference-param-type = { $type }, dans { $location }
reference-request-body = Corps de la requête
reference-optional = facultatif
# Entre les types de contenu.
reference-or = ou
reference-object = Un objet : { $type }.
reference-responses = Réponses
reference-example = Exemple
reference-html-page = Page HTML
reference-redirect = Redirection
# Après « Location ».
reference-redirect-where = indique la destination ; le corps est vide.
reference-request-example = Exemple de requête
reference-try-it = Essayer
reference-try-it-intro = Envoie la requête depuis cette page, avec le cookie de session de ce navigateur.
reference-body = Corps
reference-send = Envoyer { $method }
reference-reset = Réinitialiser
reference-response = Réponse
