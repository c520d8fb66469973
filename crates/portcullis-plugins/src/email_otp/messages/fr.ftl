# La page, le bouton de connexion, le script et l'e-mail de l'extension email-otp, en français.

## La page (templates/email-otp.html) ; email-otp-title est aussi son titre
email-otp-title = Se connecter avec un code
email-otp-noscript = Cette page a besoin de JavaScript pour vous connecter.
email-otp-intro = Nous allons vous envoyer par e-mail un code à { $length } chiffres. Aucun mot de passe requis.
email-otp-email-label = Adresse e-mail
email-otp-sending = Envoi…
email-otp-send = Envoyer le code
# Autour de l'adresse, en gras : « Saisissez le code envoyé à <adresse>. »
email-otp-sent-to-before = Saisissez le code envoyé à
email-otp-sent-to-after = .
email-otp-code-label = Code
email-otp-code-hint = { $minutes ->
    [one] Il ne fonctionne qu'une fois et expire après { $minutes } minute.
   *[other] Il ne fonctionne qu'une fois et expire après { $minutes } minutes.
}
email-otp-signing-in = Connexion…
email-otp-sign-in = Se connecter
email-otp-resend = Renvoyer un code
email-otp-change = Changer d'adresse
email-otp-another-way = Se connecter autrement

## Page de connexion : « Autres façons de se connecter » (templates/email-otp-sign-in-button.html)
email-otp-button = Se connecter avec un code

## Script (assets/email-otp.js)
js-email-otp-invalid-email = Saisissez une adresse e-mail du type nom@exemple.com.
js-email-otp-email-required = Saisissez votre adresse e-mail.
js-email-otp-code-digits = Saisissez les chiffres reçus par e-mail.
js-email-otp-too-many = Trop de codes erronés. Demandez un nouveau code, ou patientez un moment avant de réessayer.
js-email-otp-expired = Ce code a expiré. Demandez un nouveau code.
js-email-otp-wrong = Ce code est incorrect. Vérifiez l'e-mail et réessayez.
js-email-otp-second-step = Code accepté. Encore une étape…
js-email-otp-signed-in = Connecté. Redirection…
js-email-otp-resent = Nous avons envoyé un nouveau code à { $email }.

## L'e-mail (templates/email-email-otp.html, .txt) ; $type vaut sign-in, email-verification,
## forget-password ou change-email
email-otp-email-title = Votre code { $brand }
email-otp-email-subject = Votre code { $brand } : { $otp }
email-otp-email-preheader = Votre code { $brand } est { $otp }.
email-otp-email-heading = { $type ->
    [sign-in] Votre code de connexion
    [email-verification] Vérifiez votre adresse e-mail
    [forget-password] Réinitialisez votre mot de passe
    [change-email] Confirmez votre nouvelle adresse e-mail
   *[other] Votre code de vérification
}
email-otp-email-enter = { $type ->
    [sign-in] Saisissez ce code dans { $brand } pour vous connecter :
    [email-verification] Saisissez ce code dans { $brand } pour vérifier votre adresse e-mail :
    [forget-password] Saisissez ce code dans { $brand } pour réinitialiser votre mot de passe :
    [change-email] Saisissez ce code dans { $brand } pour confirmer votre nouvelle adresse e-mail :
   *[other] Saisissez ce code dans { $brand } :
}
email-otp-email-expires = Le code expire dans { $expires }. Ne le communiquez jamais à personne.
email-otp-email-never-share = Ne communiquez jamais ce code à personne.
