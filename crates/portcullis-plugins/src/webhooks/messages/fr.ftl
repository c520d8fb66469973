# Les codes d'erreur de l'extension webhooks, en français (elle n'a ni pages ni e-mails).

## Codes d'erreur
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS = Vous n'êtes pas autorisé à gérer les webhooks
js-error-WEBHOOK_ENDPOINT_NOT_FOUND = Point de terminaison de webhook introuvable
js-error-WEBHOOK_DELIVERY_NOT_FOUND = Livraison de webhook introuvable
js-error-INVALID_WEBHOOK_ENDPOINT = Point de terminaison de webhook invalide
