# La section du compte du module api-key, son script et l'e-mail d'expiration des clés, en français.

## Section du compte « Clés d'API » (templates/account-api-keys.html)
api-key-section-label = Clés d'API
api-key-intro = Les clés permettent à vos scripts et services d'agir pour votre compte. Traitez chacune comme un mot de passe : quiconque la possède peut l'utiliser. Révoquez une clé que vous n'utilisez plus ou que vous avez pu partager par erreur.
api-key-name-label = Nom de la clé
api-key-name-hint = À quoi sert la clé, pour distinguer vos clés (32 caractères au plus).
api-key-expires-label = Expiration
api-key-expires-never = Jamais
api-key-expires-7-days = Dans 7 jours
api-key-expires-30-days = Dans 30 jours
api-key-expires-90-days = Dans 90 jours
api-key-expires-year = Dans un an
api-key-creating = Création…
api-key-create-button = Créer la clé
api-key-created-title = Copiez votre nouvelle clé maintenant
api-key-created-intro = Elle n'est affichée qu'une seule fois. Conservez-la en lieu sûr, par exemple dans un gestionnaire de mots de passe ou les paramètres secrets de votre service.
api-key-value-label = Nouvelle clé
api-key-copy-button = Copier la clé
api-key-done-button = Je l'ai enregistrée
api-key-list-title = Vos clés
api-key-loading = Chargement des clés…

## E-mail d'expiration d'une clé (templates/email-api-key-expiring.html et .txt)
api-key-expiring-email-action = Créer une nouvelle clé
api-key-expiring-email-title-today = Votre clé d'API expire aujourd'hui
api-key-expiring-email-title = { $days ->
    [one] Votre clé d'API expire dans { $days } jour
   *[other] Votre clé d'API expire dans { $days } jours
}
api-key-expiring-email-subject-today = Votre clé d'API { $app } expire aujourd'hui
api-key-expiring-email-subject = { $days ->
    [one] Votre clé d'API { $app } expire dans { $days } jour
   *[other] Votre clé d'API { $app } expire dans { $days } jours
}
api-key-expiring-email-subject-named-today = Votre clé d'API { $app } « { $name } » expire aujourd'hui
api-key-expiring-email-subject-named = { $days ->
    [one] Votre clé d'API { $app } « { $name } » expire dans { $days } jour
   *[other] Votre clé d'API { $app } « { $name } » expire dans { $days } jours
}
api-key-expiring-email-preheader = Une clé d'API de votre compte { $app } expire le { $date }.
api-key-expiring-email-heading = Votre clé d'API expire bientôt
# Morceaux d'une phrase : « Votre clé d'API <nom> (<abc123…>) du compte Acme <ada@example.com> expire le <2026-12-05 07:49 UTC>. »
api-key-expiring-email-your-key = Votre clé d'API
api-key-expiring-email-on-account = du compte { $app }
api-key-expiring-email-expires-on = expire le
api-key-expiring-email-intro-text = Votre clé d'API ({ $start }…) du compte { $app } { $to } expire le { $date }.
api-key-expiring-email-intro-text-named = Votre clé d'API « { $name } » ({ $start }…) du compte { $app } { $to } expire le { $date }.
api-key-expiring-email-after-html = Après cette date, toute requête faite avec elle sera refusée. Pour que ce qui l'utilise continue de fonctionner, créez une nouvelle clé avec le bouton ci-dessous, mettez-la à la place de l'ancienne, puis supprimez l'ancienne.
api-key-expiring-email-after-text = Après cette date, toute requête faite avec elle sera refusée. Pour que ce qui l'utilise continue de fonctionner, créez une nouvelle clé sur la page de votre compte ({ $url }), mettez-la à la place de l'ancienne, puis supprimez l'ancienne.
api-key-expiring-email-unused = Si vous n'utilisez plus cette clé, vous n'avez rien à faire : elle cessera de fonctionner d'elle-même.

## Script de la section du compte (assets/api-keys.js)
js-api-key-sign-in-again = Se reconnecter
js-api-key-session-ended = Votre session a expiré. Reconnectez-vous pour gérer vos clés.
js-api-key-unnamed = Clé sans nom
js-api-key-starts-with = Commence par { $start }…
js-api-key-start-not-stored = Début non enregistré
js-api-key-turned-off = Désactivée
js-api-key-created = Création
js-api-key-expires = Expiration
js-api-key-last-used = Dernière utilisation
js-api-key-never = Jamais
js-api-key-not-yet = Pas encore
js-api-key-not-known = Inconnue
js-api-key-this-key = cette clé
js-api-key-rename = Renommer
js-api-key-rename-label = Renommer { $key }
js-api-key-enter-new-name = Saisissez un nom pour la clé.
js-api-key-renamed = La clé a été renommée.
js-api-key-revoke = Révoquer
js-api-key-revoke-label = Révoquer { $key }
js-api-key-revoke-confirm = Révoquer { $key } ? Tout ce qui l'utilise cessera aussitôt de fonctionner.
js-api-key-revoked = La clé a été révoquée. Tout ce qui l'utilise encore sera refusé.
js-api-key-none = Vous n'avez encore aucune clé d'API.
js-api-key-enter-name = Saisissez un nom pour la clé, afin de la reconnaître plus tard.
js-api-key-copied = La clé a été copiée.
js-api-key-copy-blocked = La copie a été bloquée : la clé est sélectionnée, appuyez sur Ctrl+C (⌘C sur Mac) pour la copier.

## Section Clés d'API de la console d'administration (templates/admin-api-keys.html), avec le module admin
api-key-console-section-label = Clés d'API
api-key-console-intro = Les clés d'API de tous les utilisateurs, des plus récentes aux plus anciennes. Désactivez une clé que vous pensez détournée : elle est refusée dès la requête suivante, jusqu'à ce qu'elle soit réactivée. Les clés elles-mêmes ne sont jamais affichées, seulement leurs premiers caractères.
api-key-console-owner = Propriétaire
api-key-console-owner-hint = Une adresse e-mail complète, ou un identifiant d'utilisateur.
api-key-console-search = Nom ou premiers caractères
api-key-console-search-hint = Une partie du nom d'une clé, ou les caractères par lesquels elle commence.
api-key-console-state = État
api-key-console-state-any = Tous
api-key-console-state-enabled = Active
api-key-console-state-disabled = Désactivée
api-key-console-state-expired = Expirée
api-key-console-filter = Afficher les clés
api-key-console-filtering = Recherche…
api-key-console-loading = Chargement des clés…
api-key-console-more = Afficher plus de clés
api-key-console-list-label = Les clés d'API de tous les utilisateurs

## Script de la section de la console (assets/admin-api-keys.js)
js-api-key-console-unnamed = Clé sans nom
js-api-key-console-this-key = cette clé
js-api-key-console-starts-with = Commence par
js-api-key-console-start-value = { $start }…
js-api-key-console-start-not-stored = Non conservé
js-api-key-console-owner = Propriétaire
js-api-key-console-state = État
js-api-key-console-state-enabled = Active
js-api-key-console-state-disabled = Désactivée
js-api-key-console-state-expired = Expirée
js-api-key-console-created = Création
js-api-key-console-expires = Expiration
js-api-key-console-never = Jamais
js-api-key-console-last-used = Dernière utilisation
js-api-key-console-not-yet = Pas encore
js-api-key-console-not-known = Inconnue
js-api-key-console-requests = Utilisations dans la fenêtre de limitation
js-api-key-console-turn-off = Désactiver
js-api-key-console-turn-off-label = Désactiver { $key } ({ $owner })
js-api-key-console-turned-off = La clé { $key } ({ $owner }) est désactivée : toute requête faite avec elle est refusée.
js-api-key-console-turn-on = Activer
js-api-key-console-turn-on-label = Activer { $key } ({ $owner })
js-api-key-console-turned-on = La clé { $key } ({ $owner }) est de nouveau active.
js-api-key-console-delete = Supprimer
js-api-key-console-delete-label = Supprimer { $key } ({ $owner })
js-api-key-console-delete-confirm = Supprimer la clé { $key } ({ $owner }) ? Tout ce qui l'utilise cessera aussitôt de fonctionner, et c'est irréversible.
js-api-key-console-deleted = La clé { $key } ({ $owner }) a été supprimée.
js-api-key-console-empty = Aucune clé ne correspond.

## Codes d'erreur de l'API (errors.rs)
js-error-INVALID_METADATA_TYPE = Les métadonnées doivent être un objet ou être absentes
js-error-REFILL_AMOUNT_AND_INTERVAL_REQUIRED = refillAmount est obligatoire quand refillInterval est fourni
js-error-REFILL_INTERVAL_AND_AMOUNT_REQUIRED = refillInterval est obligatoire quand refillAmount est fourni
js-error-USER_BANNED = L'utilisateur est banni
js-error-UNAUTHORIZED_SESSION = Session non autorisée ou non valide
js-error-KEY_NOT_FOUND = Clé d'API introuvable
js-error-KEY_DISABLED = La clé d'API est désactivée
js-error-KEY_EXPIRED = La clé d'API a expiré
js-error-USAGE_EXCEEDED = La clé d'API a atteint sa limite d'utilisation
js-error-KEY_NOT_RECOVERABLE = La clé d'API ne peut pas être récupérée
js-error-EXPIRES_IN_IS_TOO_SMALL = La valeur expiresIn est inférieure au minimum prévu.
js-error-EXPIRES_IN_IS_TOO_LARGE = La valeur expiresIn est supérieure au maximum prévu.
js-error-INVALID_REMAINING = Le nombre d'utilisations restantes est trop grand ou trop petit.
js-error-INVALID_PREFIX_LENGTH = La longueur du préfixe est trop grande ou trop petite.
js-error-INVALID_NAME_LENGTH = La longueur du nom est trop grande ou trop petite.
js-error-METADATA_DISABLED = Les métadonnées sont désactivées.
js-error-RATE_LIMIT_EXCEEDED = Limite de requêtes dépassée.
js-error-NO_VALUES_TO_UPDATE = Aucune valeur à modifier.
js-error-KEY_DISABLED_EXPIRATION = Les dates d'expiration personnalisées sont désactivées.
js-error-INVALID_API_KEY = Clé d'API non valide.
js-error-INVALID_USER_ID_FROM_API_KEY = L'identifiant d'utilisateur de la clé d'API n'est pas valide.
js-error-INVALID_REFERENCE_ID_FROM_API_KEY = L'identifiant de référence de la clé d'API n'est pas valide.
js-error-INVALID_API_KEY_GETTER_RETURN_TYPE = La fonction de lecture de la clé d'API a renvoyé un type non valide. Une chaîne était attendue.
js-error-SERVER_ONLY_PROPERTY = La propriété que vous essayez de définir ne peut l'être que depuis l'instance d'authentification du serveur.
js-error-FAILED_TO_UPDATE_API_KEY = Impossible de modifier la clé d'API
js-error-NAME_REQUIRED = Le nom de la clé d'API est obligatoire.
js-error-ORGANIZATION_ID_REQUIRED = L'identifiant de l'organisation est obligatoire pour les clés d'API appartenant à une organisation.
js-error-USER_NOT_MEMBER_OF_ORGANIZATION = Vous n'êtes pas membre de l'organisation à laquelle appartient cette clé d'API.
js-error-INSUFFICIENT_API_KEY_PERMISSIONS = Vous n'avez pas la permission d'effectuer cette action sur les clés d'API de l'organisation.
js-error-NO_DEFAULT_API_KEY_CONFIGURATION_FOUND = Aucune configuration de clé d'API par défaut n'a été trouvée.
js-error-ORGANIZATION_PLUGIN_REQUIRED = Le module organization est nécessaire pour les clés d'API appartenant à une organisation. Installez et configurez le module organization.
js-error-RATE_LIMITED = Limite de requêtes dépassée.
js-error-INVALID_SERVER_SECRET = Le secret du serveur n'est pas valide.
js-error-VERIFY_PERMISSION_REQUIRED = La vérification des clés d'API nécessite le secret du serveur ou une clé d'API ayant la permission "apiKey":["verify"].
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_API_KEYS = Vous n'êtes pas autorisé à voir ni à gérer les clés d'API des autres utilisateurs.
