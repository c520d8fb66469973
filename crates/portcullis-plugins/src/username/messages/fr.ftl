# Le champ d'inscription et les codes d'erreur de l'extension username, en français.

## Formulaire d'inscription : le nom d'utilisateur (templates/username-sign-up-field.html)
username-field-label = Nom d'utilisateur (facultatif)
username-field-hint = 3 à 30 lettres, chiffres, points ou tirets bas. Vous pourrez l'utiliser pour vous connecter à la place de votre adresse e-mail.

## Codes d'erreur
js-error-INVALID_USERNAME_OR_PASSWORD = Nom d'utilisateur ou mot de passe invalide
js-error-USERNAME_IS_ALREADY_TAKEN = Ce nom d'utilisateur est déjà pris. Veuillez en choisir un autre.
js-error-USERNAME_TOO_SHORT = Le nom d'utilisateur est trop court
js-error-USERNAME_TOO_LONG = Le nom d'utilisateur est trop long
js-error-INVALID_USERNAME = Le nom d'utilisateur n'est pas valide
js-error-INVALID_DISPLAY_USERNAME = Le nom d'affichage n'est pas valide
