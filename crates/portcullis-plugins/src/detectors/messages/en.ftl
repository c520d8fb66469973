# The detectors plugin's security alert e-mail (templates/email-security-alert.html, .txt), in English.

## What was detected: $detector is failure_burst_ip, failure_burst_account, many_accounts_from_ip,
## impossible_travel or new_device; $title and $summary are the English words the server sends
## with it, for any other.
detectors-alert-title = { $detector ->
    [failure_burst_ip] failure burst ip
    [failure_burst_account] failure burst account
    [many_accounts_from_ip] many accounts from ip
    [impossible_travel] impossible travel
    [new_device] new device
   *[other] { $title }
}
detectors-alert-summary = { $detector ->
    [failure_burst_ip] { $count } failed sign-ins came from { $ip } within { $seconds } seconds.
    [failure_burst_account] { $count } failed sign-ins or wrong codes were tried on the account within { $seconds } seconds.
    [many_accounts_from_ip] { $count } different accounts were tried from { $ip } within { $seconds } seconds.
    [impossible_travel] Two sign-ins { $km } km apart came { $hours } hours apart: faster than { $kmh } km/h.
    [new_device] A sign-in came from a device (user agent) not seen on the account.
   *[other] { $summary }
}

## The e-mail
detectors-email-subject = Security alert: { detectors-alert-title }
detectors-email-when = When: { $when }
detectors-email-address = Address: { $ip }
detectors-email-unknown = unknown
detectors-email-account = Account: { $account }
detectors-email-if-not-you = If this was not you, reset your password and review your sessions on your account page.
# Around the action name, as code: "The audit log has each attempt (action user.sign_in, outcome failure)."
detectors-email-audit-before = The audit log has each attempt (action
detectors-email-audit-after = , outcome failure).
