# The username plugin's sign-up field and error codes, in English.

## Sign-up form: the username field (templates/username-sign-up-field.html)
username-field-label = Username (optional)
username-field-hint = 3 to 30 letters, digits, dots or underscores. You can sign in with it instead of your email.

## Error codes
js-error-INVALID_USERNAME_OR_PASSWORD = Invalid username or password
js-error-USERNAME_IS_ALREADY_TAKEN = Username is already taken. Please try another.
js-error-USERNAME_TOO_SHORT = Username is too short
js-error-USERNAME_TOO_LONG = Username is too long
js-error-INVALID_USERNAME = Username is invalid
js-error-INVALID_DISPLAY_USERNAME = Display username is invalid
