# L'e-mail d'alerte de sécurité de l'extension detectors (templates/email-security-alert.html, .txt), en français.

## Ce qui a été détecté : $detector vaut failure_burst_ip, failure_burst_account, many_accounts_from_ip,
## impossible_travel ou new_device ; $title et $summary sont les mots anglais que le serveur envoie
## avec, pour tout autre cas.
detectors-alert-title = { $detector ->
    [failure_burst_ip] série d'échecs de connexion depuis une adresse
    [failure_burst_account] série d'échecs de connexion sur un compte
    [many_accounts_from_ip] nombreux comptes essayés depuis une adresse
    [impossible_travel] déplacement impossible
    [new_device] nouvel appareil
   *[other] { $title }
}
detectors-alert-summary = { $detector ->
    [failure_burst_ip] { $count } connexions échouées provenaient de { $ip } en { $seconds } secondes.
    [failure_burst_account] { $count } connexions échouées ou codes erronés ont été tentés sur le compte en { $seconds } secondes.
    [many_accounts_from_ip] { $count } comptes différents ont été essayés depuis { $ip } en { $seconds } secondes.
    [impossible_travel] Deux connexions distantes de { $km } km ont eu lieu à { $hours } heures d'intervalle : plus vite que { $kmh } km/h.
    [new_device] Une connexion provient d'un appareil (user agent) jamais vu sur ce compte.
   *[other] { $summary }
}

## L'e-mail
detectors-email-subject = Alerte de sécurité : { detectors-alert-title }
detectors-email-when = Date : { $when }
detectors-email-address = Adresse IP : { $ip }
detectors-email-unknown = inconnue
detectors-email-account = Compte : { $account }
detectors-email-if-not-you = Si ce n'était pas vous, réinitialisez votre mot de passe et vérifiez vos sessions sur la page de votre compte.
# Autour du nom de l'action, en code : « Le journal d'audit contient chaque tentative (action user.sign_in, résultat failure). »
detectors-email-audit-before = Le journal d'audit contient chaque tentative (action
detectors-email-audit-after = , résultat failure).
