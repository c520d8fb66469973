# La page, le bouton de connexion, le script et l'e-mail de l'extension magic-link, en français.

## La page (templates/magic-link.html) ; magic-link-title est aussi son titre
magic-link-title = Recevoir un lien de connexion
magic-link-intro = Nous allons envoyer un lien à votre adresse e-mail. Ouvrez-le sur cet appareil pour vous connecter, sans mot de passe.
magic-link-noscript = Cette page a besoin de JavaScript pour envoyer le lien.
magic-link-error-invalid = Ce lien de connexion est invalide, a expiré ou a déjà été utilisé.
magic-link-error-expired = Ce lien de connexion a expiré.
magic-link-error-unknown = Ce lien de connexion n'a pas pu être utilisé.
magic-link-error-ask-again = Demandez-en un nouveau ci-dessous.
magic-link-email-label = Adresse e-mail
magic-link-sending = Envoi…
magic-link-send = Envoyer le lien
magic-link-password-instead = Se connecter avec un mot de passe

## Page de connexion : « Autres façons de se connecter » (templates/magic-link-sign-in-button.html)
magic-link-button = Recevoir un lien par e-mail

## Script (assets/magic-link.js)
js-magic-link-sent = Consultez votre messagerie : nous avons envoyé un lien de connexion à { $email }. Il ne fonctionne qu'une fois et expire bientôt.

## L'e-mail (templates/email-magic-link.html, .txt)
magic-link-email-sign-in-to = Se connecter à { $brand }
magic-link-email-preheader = Votre lien de connexion à { $brand }.
# Autour de l'adresse, en gras : « Cliquez sur le bouton ci-dessous pour vous connecter en tant que <adresse>. Le lien ne fonctionne qu'une fois. »
magic-link-email-sign-in-as = Cliquez sur le bouton ci-dessous pour vous connecter en tant que
magic-link-email-works-once = . Le lien ne fonctionne qu'une fois.
magic-link-email-expires = Il expire dans { $expires }.
magic-link-email-action-text = Se connecter
magic-link-email-text = Ouvrez le lien ci-dessous pour vous connecter à { $brand } en tant que { $email }. Le lien ne fonctionne qu'une fois.
