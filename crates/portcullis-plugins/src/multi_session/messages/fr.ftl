# La section du compte de l'extension multi-session et son script, en français.

## Page du compte : « Comptes sur ce navigateur » (templates/account-accounts.html) ; aussi le nom de la section
multi-session-title = Comptes sur ce navigateur
multi-session-intro = Vous pouvez rester connecté à plusieurs comptes ici et passer de l'un à l'autre sans vous reconnecter. Vous déconnecter de l'un laisse les autres connectés.
multi-session-loading = Chargement des comptes…
multi-session-add = Ajouter un autre compte

## Script (assets/accounts.js) ; $account est un nom avec son adresse, ou une adresse
js-multi-session-in-use = Actif
js-multi-session-account = { $name } ({ $email })
js-multi-session-switch = Basculer
js-multi-session-switch-to = Basculer vers { $account }
js-multi-session-sign-out = Se déconnecter
js-multi-session-sign-out-of = Se déconnecter de { $account }
# Nomme le bouton multi-session-add.
js-multi-session-ended = La session de { $account } a pris fin. Utilisez « Ajouter un autre compte » pour vous y reconnecter.
js-multi-session-signed-out = Déconnecté de { $account }. Vos autres comptes restent connectés.
js-multi-session-list-failed = Impossible d'afficher les comptes. Rechargez la page pour réessayer.
js-multi-session-only-one = Seul ce compte est connecté ici. Ajoutez-en un autre pour passer de l'un à l'autre.

## Codes d'erreur
js-error-INVALID_SESSION_TOKEN = Jeton de session invalide
