# The audit plugin's account section, admin console section and scripts, in English.

## Account page: "Recent security activity" (templates/account-security-activity.html)
audit-activity-section = Account activity
audit-activity-title = Recent security activity
audit-activity-intro = Sign-ins, failed attempts, password and e-mail changes, and other security changes on your account. If you see something you did not do, change your password and sign out your other sessions.
audit-activity-loading = Loading activity…
audit-activity-more = Show older activity

## Admin console: "Audit log" (templates/admin-audit-log.html); also the section's label
audit-log-title = Audit log
audit-log-intro = Sign-ins, failures, changes to accounts and administrators' actions, newest first.
audit-filter-action = Action
audit-filter-action-hint = An action name such as user.sign_in or admin.ban_user. Leave it empty for all.
audit-filter-outcome = Outcome
audit-filter-outcome-any = Any
audit-filter-outcome-success = Succeeded
audit-filter-outcome-failure = Failed
audit-filter-user = User
audit-filter-user-hint = Only events this user did or underwent: their e-mail address or user id.
audit-filter-from = From
audit-filter-from-hint = Only events at or after this time (your time zone).
audit-filter-to = To
audit-filter-to-hint = Only events at or before this time.
audit-filter-busy = Filtering…
audit-filter-submit = Show events
audit-export-csv = Export as CSV
audit-export-jsonl = Export as JSON lines
audit-log-loading = Loading events…
audit-log-more = Show older events
audit-log-list-label = Events

## Scripts: an event (assets/admin-audit-log.js, assets/security-activity.js)
js-audit-event-failed = { $action } (failed)
js-audit-when = When
js-audit-by = By
js-audit-by-no-one = No one signed in
js-audit-about = About
js-audit-address = Address
js-audit-not-known = Not known
js-audit-details = Details
js-audit-event-id = Event id
js-audit-severity = Severity
js-audit-device = Device
js-audit-session = Session
js-audit-organization = Organization
js-audit-impersonated-by = Impersonated by
js-audit-actor-id = Actor's user id
js-audit-target-user-id = Subject's user id
js-audit-target = Target
js-audit-details-json = Event details as JSON
js-audit-done-by = Done by
js-audit-done-by-administrator = An administrator, signed in as you

## Scripts: the admin audit log (assets/admin-audit-log.js)
js-audit-invalid-time = Enter a date and time, or leave it empty.
js-audit-export-stopped = The export stopped: { $error }
js-audit-exported-one = Exported { $count } event.
js-audit-exported-other = Exported { $count } events.
js-audit-exported-limited = Exported { $count } events (the first { $limit }; narrow the filters for the rest).
js-audit-no-match = No event matches these filters.

## Scripts: the account's security activity (assets/security-activity.js)
js-audit-no-activity = No activity recorded yet.
js-audit-session-ended = Your session has ended. Sign in again to see your activity.
js-audit-failed-sign-in = Failed sign-in
js-audit-action-user-sign-up = Account created
js-audit-action-user-sign-in = Signed in
js-audit-action-user-sign-out = Signed out
js-audit-action-user-change-password = Password changed
js-audit-action-user-set-password = Password set
js-audit-action-user-reset-password = Password reset
js-audit-action-user-change-email = E-mail address changed
js-audit-action-session-revoke = A session was signed out
js-audit-action-session-revoke-others = Other sessions were signed out
js-audit-action-session-revoke-all = All sessions were signed out
js-audit-action-two-factor-enable = Two-factor authentication turned on
js-audit-action-two-factor-disable = Two-factor authentication turned off
js-audit-action-two-factor-totp-added = Authenticator app added
js-audit-action-passkey-add = Passkey added
js-audit-action-passkey-delete = Passkey removed
js-audit-action-api-key-create = API key created
js-audit-action-api-key-revoke = API key revoked
js-audit-action-oauth-link = Sign-in provider linked
js-audit-action-oauth-unlink = Sign-in provider unlinked
js-audit-action-admin-ban-user = Account suspended by an administrator
js-audit-action-admin-unban-user = Suspension lifted by an administrator
js-audit-action-admin-set-user-password = Password set by an administrator
js-audit-action-admin-impersonate-start = An administrator signed in as you
js-audit-action-admin-impersonate-stop = An administrator stopped signing in as you
js-audit-action-security-failure-burst-account = Many failed sign-ins on your account
js-audit-action-security-new-device = Sign-in from a new device

## Error codes
js-error-YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS = You are not allowed to list audit events
js-error-INVALID_AUDIT_QUERY = Invalid audit query
