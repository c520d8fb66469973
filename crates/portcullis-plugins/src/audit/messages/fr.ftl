# La section du compte, la section de la console d'administration et les scripts de l'extension audit, en français.

## Page du compte : « Activité de sécurité récente » (templates/account-security-activity.html)
audit-activity-section = Activité du compte
audit-activity-title = Activité de sécurité récente
audit-activity-intro = Connexions, tentatives échouées, changements de mot de passe et d'adresse e-mail, et autres modifications de sécurité sur votre compte. Si vous voyez quelque chose que vous n'avez pas fait, changez votre mot de passe et déconnectez vos autres sessions.
audit-activity-loading = Chargement de l'activité…
audit-activity-more = Afficher l'activité plus ancienne

## Console d'administration : « Journal d'audit » (templates/admin-audit-log.html) ; aussi le nom de la section
audit-log-title = Journal d'audit
audit-log-intro = Connexions, échecs, modifications des comptes et actions des administrateurs, des plus récents aux plus anciens.
audit-filter-action = Action
audit-filter-action-hint = Un nom d'action tel que user.sign_in ou admin.ban_user. Laissez vide pour toutes.
audit-filter-outcome = Résultat
audit-filter-outcome-any = Tous
audit-filter-outcome-success = Réussi
audit-filter-outcome-failure = Échoué
audit-filter-user = Utilisateur
audit-filter-user-hint = Seulement les événements effectués ou subis par cet utilisateur : son adresse e-mail ou son identifiant.
audit-filter-from = Du
audit-filter-from-hint = Seulement les événements à partir de cette date (votre fuseau horaire).
audit-filter-to = Au
audit-filter-to-hint = Seulement les événements jusqu'à cette date.
audit-filter-busy = Filtrage…
audit-filter-submit = Afficher
audit-export-csv = Exporter en CSV
audit-export-jsonl = Exporter en JSON Lines
audit-log-loading = Chargement des événements…
audit-log-more = Afficher les événements plus anciens
audit-log-list-label = Événements

## Scripts : un événement (assets/admin-audit-log.js, assets/security-activity.js)
js-audit-event-failed = { $action } (échec)
js-audit-when = Date
js-audit-by = Par
js-audit-by-no-one = Aucun utilisateur connecté
js-audit-about = Concerne
js-audit-address = Adresse IP
js-audit-not-known = Inconnue
js-audit-details = Détails
js-audit-event-id = Identifiant de l'événement
js-audit-severity = Gravité
js-audit-device = Appareil
js-audit-session = Session
js-audit-organization = Organisation
js-audit-impersonated-by = Identité empruntée par
js-audit-actor-id = Identifiant de l'auteur
js-audit-target-user-id = Identifiant de l'utilisateur concerné
js-audit-target = Cible
js-audit-details-json = Détails de l'événement en JSON
js-audit-done-by = Effectué par
js-audit-done-by-administrator = Un administrateur, connecté en tant que vous

## Scripts : le journal d'audit de l'administration (assets/admin-audit-log.js)
js-audit-invalid-time = Saisissez une date et une heure, ou laissez vide.
js-audit-export-stopped = L'export s'est interrompu : { $error }
js-audit-exported-one = { $count } événement exporté.
js-audit-exported-other = { $count } événements exportés.
js-audit-exported-limited = { $count } événements exportés (les { $limit } premiers ; affinez les filtres pour le reste).
js-audit-no-match = Aucun événement ne correspond à ces filtres.

## Scripts : l'activité de sécurité du compte (assets/security-activity.js)
js-audit-no-activity = Aucune activité enregistrée pour l'instant.
js-audit-session-ended = Votre session a expiré. Reconnectez-vous pour voir votre activité.
js-audit-failed-sign-in = Échec de connexion
js-audit-action-user-sign-up = Compte créé
js-audit-action-user-sign-in = Connexion
js-audit-action-user-sign-out = Déconnexion
js-audit-action-user-change-password = Mot de passe modifié
js-audit-action-user-set-password = Mot de passe défini
js-audit-action-user-reset-password = Mot de passe réinitialisé
js-audit-action-user-change-email = Adresse e-mail modifiée
js-audit-action-session-revoke = Une session a été déconnectée
js-audit-action-session-revoke-others = Les autres sessions ont été déconnectées
js-audit-action-session-revoke-all = Toutes les sessions ont été déconnectées
js-audit-action-two-factor-enable = Double authentification activée
js-audit-action-two-factor-disable = Double authentification désactivée
js-audit-action-two-factor-totp-added = Application d'authentification ajoutée
js-audit-action-passkey-add = Clé d'accès ajoutée
js-audit-action-passkey-delete = Clé d'accès supprimée
js-audit-action-api-key-create = Clé d'API créée
js-audit-action-api-key-revoke = Clé d'API révoquée
js-audit-action-oauth-link = Fournisseur de connexion associé
js-audit-action-oauth-unlink = Fournisseur de connexion dissocié
js-audit-action-admin-ban-user = Compte suspendu par un administrateur
js-audit-action-admin-unban-user = Suspension levée par un administrateur
js-audit-action-admin-set-user-password = Mot de passe défini par un administrateur
js-audit-action-admin-impersonate-start = Un administrateur s'est connecté en tant que vous
js-audit-action-admin-impersonate-stop = Un administrateur a cessé d'agir en tant que vous
js-audit-action-security-failure-burst-account = Nombreuses connexions échouées sur votre compte
js-audit-action-security-new-device = Connexion depuis un nouvel appareil

## Codes d'erreur
js-error-YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS = Vous n'êtes pas autorisé à consulter les événements d'audit
js-error-INVALID_AUDIT_QUERY = Requête d'audit invalide
