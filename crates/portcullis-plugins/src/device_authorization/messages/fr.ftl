# The device authorization plugin's verification page (/device) and its script, in French.

## The page (templates/device.html)
device-authorization-title = Connecter un appareil
device-authorization-noscript = Cette page a besoin de JavaScript pour connecter un appareil.
device-authorization-intro = Saisissez le code affiché par votre appareil.
device-authorization-code = Code
device-authorization-code-hint = Huit lettres, comme BCDF-GHJK. Les majuscules et le tiret ne comptent pas.
device-authorization-checking = Vérification…
device-authorization-continue = Continuer
device-authorization-review-title = Autoriser cet appareil ?
device-authorization-application = Application
device-authorization-access = Accès demandé
device-authorization-review-warning = N’autorisez cet appareil que si vous avez vous-même commencé à vous y connecter et que le code correspond à celui qu’il affiche.
device-authorization-allow = Autoriser
device-authorization-allowing = Autorisation…
device-authorization-deny = Refuser
device-authorization-other-code = Saisir un autre code

## Its script (assets/device.js)
js-device-authorization-too-many = Trop de vérifications de code depuis ce réseau. Patientez un moment avant de réessayer, ou recommencez sur votre appareil.
js-device-authorization-expired = Ce code a expiré. Recommencez sur votre appareil pour obtenir un nouveau code.
js-device-authorization-taken = Quelqu’un d’autre est déjà en train de répondre à ce code. Recommencez sur votre appareil pour en obtenir un nouveau.
js-device-authorization-session-ended = Votre session a pris fin. Reconnectez-vous pour continuer.
js-device-authorization-already-answered = Ce code a déjà reçu une réponse. Si votre appareil attend toujours, recommencez sur celui-ci.
js-device-authorization-wrong-code = Ce code est incorrect. Vérifiez le code affiché par votre appareil et réessayez.
js-device-authorization-an-application = Une application
js-device-authorization-no-scopes = Votre compte (aucune autorisation particulière)
js-device-authorization-asking = Un appareil demande à se connecter à votre compte.
js-device-authorization-already-connected = Cet appareil est déjà connecté. Vous pouvez y retourner.
js-device-authorization-was-denied = Ce code a été refusé. Recommencez sur votre appareil si vous souhaitez le connecter.
js-device-authorization-enter-code = Saisissez le code affiché par votre appareil.
js-device-authorization-connected = Appareil connecté. Vous pouvez y retourner : il se connectera tout seul.
js-device-authorization-denied = Refusé. L’appareil n’aura pas accès à votre compte.
js-device-authorization-sign-in-to-connect = Connectez-vous pour connecter l’appareil qui affiche ce code.
js-device-authorization-sign-in-to-continue = Se connecter pour continuer

## API errors (error_codes() in mod.rs). USER_NOT_FOUND and FAILED_TO_CREATE_SESSION are core's codes:
## core's catalog has their words.
js-error-INVALID_DEVICE_CODE = Code d’appareil non valide
js-error-EXPIRED_DEVICE_CODE = Le code d’appareil a expiré
js-error-EXPIRED_USER_CODE = Le code utilisateur a expiré
js-error-AUTHORIZATION_PENDING = Autorisation en attente
js-error-ACCESS_DENIED = Accès refusé
js-error-INVALID_USER_CODE = Code utilisateur non valide
js-error-DEVICE_CODE_ALREADY_PROCESSED = Code d’appareil déjà traité
js-error-DEVICE_CODE_NOT_CLAIMED = Le code d’appareil n’a été réclamé par aucune session de vérification ; appelez `GET /device` avec le `user_code` en étant connecté avant d’approuver ou de refuser
js-error-POLLING_TOO_FREQUENTLY = Interrogations trop fréquentes
js-error-INVALID_DEVICE_CODE_STATUS = Statut du code d’appareil non valide
js-error-AUTHENTICATION_REQUIRED = Authentification requise
