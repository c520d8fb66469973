# Le SMS et les codes d'erreur de l'extension phone-number, en français.

## Le code par SMS (templates/sms-otp.txt) : les trois phrases d'un même message
phone-number-sms-code = { $otp } est votre code { $brand }.
phone-number-sms-expires = Il expire dans { $minutes } min.
phone-number-sms-no-share = Ne le partagez pas.

## Codes d'erreur
js-error-INVALID_PHONE_NUMBER = Numéro de téléphone invalide
js-error-PHONE_NUMBER_EXIST = Ce numéro de téléphone est déjà utilisé
js-error-PHONE_NUMBER_CANNOT_BE_UPDATED = Le numéro de téléphone ne peut pas être modifié
js-error-PHONE_NUMBER_CANNOT_BE_SET = Le numéro de téléphone ne peut être défini qu'après vérification
js-error-INVALID_PHONE_NUMBER_OR_PASSWORD = Numéro de téléphone ou mot de passe invalide
js-error-OTP_NOT_FOUND = Code introuvable
