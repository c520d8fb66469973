# La section "Webhooks" de la console d'administration, son script et les codes d'erreur de
# l'extension webhooks, en français.

## Console d'administration : "Webhooks" (templates/admin-webhooks.html) ; aussi le nom de la section
webhooks-console-title = Webhooks
webhooks-console-intro = Des événements comme les inscriptions, les connexions et les actions des administrateurs, envoyés à d'autres systèmes et signés avec le secret de chaque point de terminaison (Standard Webhooks). Les envois qui échouent sont retentés pendant trois jours.
webhooks-console-endpoints = Points de terminaison
webhooks-console-endpoints-loading = Chargement des points de terminaison…
webhooks-console-add = Ajouter un point de terminaison
webhooks-console-url = URL
webhooks-console-url-hint = Où les événements sont envoyés : une adresse http ou https.
webhooks-console-events = Événements
webhooks-console-events-hint = Séparés par des virgules ou des espaces : * pour tous les événements, user.* pour tous ceux d'un domaine, ou une action comme admin.ban_user.
webhooks-console-description = Description
webhooks-console-description-hint = Facultative : ce qui reçoit ces événements, pour qui lira cette liste.
webhooks-console-adding = Ajout…
webhooks-console-add-button = Ajouter le point de terminaison
webhooks-console-secret-title = Secret de signature
webhooks-console-secret-once = Copiez-le maintenant et enregistrez-le dans les réglages du destinataire : il ne sera plus affiché. S'il est perdu, supprimez le point de terminaison et ajoutez-le de nouveau.
webhooks-console-secret-label = Secret de signature (affiché une seule fois)
webhooks-console-secret-hint = Le destinataire vérifie avec lui l'en-tête webhook-signature de chaque requête.
webhooks-console-secret-copy = Copier le secret
webhooks-console-secret-done = Terminé
webhooks-console-log = Journal des envois
webhooks-console-log-intro = Chaque événement envoyé, ou en attente d'envoi, à un point de terminaison, du plus récent au plus ancien. Les envois sont conservés 30 jours.
webhooks-console-log-endpoint = Point de terminaison
webhooks-console-log-endpoint-any = Tous les points de terminaison
webhooks-console-log-status = État
webhooks-console-log-status-any = Tous
webhooks-console-log-status-pending = En attente
webhooks-console-log-status-delivered = Remis
webhooks-console-log-status-failed = Échoué
webhooks-console-log-busy = Filtrage…
webhooks-console-log-submit = Afficher les envois
webhooks-console-log-loading = Chargement des envois…
webhooks-console-log-more = Afficher des envois plus anciens
webhooks-console-log-list-label = Envois

## Scripts : les points de terminaison (assets/admin-webhooks.js)
js-webhooks-console-url = URL
js-webhooks-console-events = Événements
js-webhooks-console-description = Description
js-webhooks-console-state = État
js-webhooks-console-on = Activé
js-webhooks-console-off = Désactivé
js-webhooks-console-source = Origine
js-webhooks-console-source-config = Fichier de configuration
js-webhooks-console-source-api = Ajouté ici
js-webhooks-console-config-note = Ce point de terminaison vient du fichier de configuration : modifiez-le ou retirez-le là, puis redémarrez le serveur.
js-webhooks-console-no-endpoints = Aucun point de terminaison pour l'instant. Ajoutez-en un ci-dessous.
js-webhooks-console-turn-off = Désactiver
js-webhooks-console-turn-on = Activer
js-webhooks-console-turn-off-label = Désactiver { $url }
js-webhooks-console-turn-on-label = Activer { $url }
js-webhooks-console-turned-off = { $url } est désactivé : aucun événement ne lui est envoyé.
js-webhooks-console-turned-on = { $url } est activé.
js-webhooks-console-edit = Modifier
js-webhooks-console-edit-label = Modifier { $url }
js-webhooks-console-save = Enregistrer
js-webhooks-console-saving = Enregistrement…
js-webhooks-console-cancel = Annuler
js-webhooks-console-saved = { $url } est enregistré.
js-webhooks-console-delete = Supprimer
js-webhooks-console-delete-label = Supprimer { $url }
js-webhooks-console-delete-confirm = Supprimer le point de terminaison { $url } ? Plus aucun événement ne lui sera envoyé, et ses envois en attente échoueront.
js-webhooks-console-deleted = { $url } est supprimé.
js-webhooks-console-enter-url = Saisissez l'adresse à laquelle envoyer les événements.
js-webhooks-console-url-invalid = Saisissez une adresse qui commence par http:// ou https://.
js-webhooks-console-enter-events = Saisissez au moins un événement, ou * pour tous.
js-webhooks-console-events-invalid = Utilisez des noms d'actions, * ou un domaine suivi de .* (lettres, chiffres, points et tirets bas).
js-webhooks-console-secret-for = Le point de terminaison { $url } est ajouté et activé.
js-webhooks-console-secret-copied = Le secret de signature est copié.
js-webhooks-console-secret-copy-blocked = La copie a été bloquée : le secret est sélectionné, appuyez sur Ctrl+C (⌘C sur un Mac) pour le copier.

## Scripts : le journal des envois (assets/admin-webhooks.js)
js-webhooks-console-endpoint = Point de terminaison
js-webhooks-console-endpoint-gone = Un point de terminaison supprimé ({ $id })
js-webhooks-console-status = État
js-webhooks-console-status-pending = En attente
js-webhooks-console-status-delivered = Remis
js-webhooks-console-status-failed = Échoué
js-webhooks-console-attempts = Tentatives
js-webhooks-console-last-answer = Dernière réponse
js-webhooks-console-answer-status = HTTP { $status }
js-webhooks-console-answer-none = Aucune pour l'instant
js-webhooks-console-reason-deleted = Non envoyé : le point de terminaison a été supprimé
js-webhooks-console-queued = Mis en file
js-webhooks-console-delivered-at = Remis le
js-webhooks-console-next-attempt = Prochaine tentative
js-webhooks-console-message-id = Identifiant du message (webhook-id)
js-webhooks-console-send-again = Renvoyer
js-webhooks-console-send-again-label = Renvoyer { $event } à { $url }
js-webhooks-console-sent-again = { $event } est de nouveau en file, avec le même webhook-id : il sera envoyé dans quelques secondes.
js-webhooks-console-log-empty = Aucun envoi ne correspond à ces filtres.

## Codes d'erreur
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS = Vous n'êtes pas autorisé à gérer les webhooks
js-error-WEBHOOK_ENDPOINT_NOT_FOUND = Point de terminaison de webhook introuvable
js-error-WEBHOOK_DELIVERY_NOT_FOUND = Livraison de webhook introuvable
js-error-INVALID_WEBHOOK_ENDPOINT = Point de terminaison de webhook invalide
