# The device authorization plugin's verification page (/device) and its script, in English.

## The page (templates/device.html)
device-authorization-title = Connect a device
device-authorization-noscript = This page needs JavaScript to connect a device.
device-authorization-intro = Enter the code your device shows.
device-authorization-code = Code
device-authorization-code-hint = Eight letters, like BCDF-GHJK. Case and the dash do not matter.
device-authorization-checking = Checking…
device-authorization-continue = Continue
device-authorization-review-title = Allow this device?
device-authorization-application = Application
device-authorization-access = Access asked for
device-authorization-review-warning = Only allow it if you started signing in on that device yourself, and the code matches what it shows.
device-authorization-allow = Allow
device-authorization-allowing = Allowing…
device-authorization-deny = Deny
device-authorization-other-code = Enter a different code

## Its script (assets/device.js)
js-device-authorization-too-many = Too many code checks from this network. Wait a while, then try again, or start again on your device.
js-device-authorization-expired = That code has expired. Start again on your device to get a new code.
js-device-authorization-taken = Someone else is already answering this code. Start again on your device to get a new one.
js-device-authorization-session-ended = Your session has ended. Sign in again to continue.
js-device-authorization-already-answered = This code has already been answered. If your device is still waiting, start again on it.
js-device-authorization-wrong-code = That code is not right. Check the code your device shows and try again.
js-device-authorization-an-application = An application
js-device-authorization-no-scopes = Your account (no particular scopes)
js-device-authorization-asking = A device is asking to sign in to your account.
js-device-authorization-already-connected = This device is already connected. You can go back to it.
js-device-authorization-was-denied = This code was denied. Start again on your device if you want to connect it.
js-device-authorization-enter-code = Enter the code your device shows.
js-device-authorization-connected = Device connected. You can go back to it now; it will sign in by itself.
js-device-authorization-denied = Denied. The device will not get into your account.
js-device-authorization-sign-in-to-connect = Sign in to connect the device showing this code.
js-device-authorization-sign-in-to-continue = Sign in to continue

## API errors (error_codes() in mod.rs). USER_NOT_FOUND and FAILED_TO_CREATE_SESSION are core's codes:
## core's catalog has their words.
js-error-INVALID_DEVICE_CODE = Invalid device code
js-error-EXPIRED_DEVICE_CODE = Device code has expired
js-error-EXPIRED_USER_CODE = User code has expired
js-error-AUTHORIZATION_PENDING = Authorization pending
js-error-ACCESS_DENIED = Access denied
js-error-INVALID_USER_CODE = Invalid user code
js-error-DEVICE_CODE_ALREADY_PROCESSED = Device code already processed
js-error-DEVICE_CODE_NOT_CLAIMED = Device code has not been claimed by a verifying session; call `GET /device` with the `user_code` while signed in before approving or denying
js-error-POLLING_TOO_FREQUENTLY = Polling too frequently
js-error-INVALID_DEVICE_CODE_STATUS = Invalid device code status
js-error-AUTHENTICATION_REQUIRED = Authentication required
