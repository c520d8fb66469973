# The phone-number plugin's text message and error codes, in English.

## The code by SMS (templates/sms-otp.txt): the three sentences of one message
phone-number-sms-code = { $otp } is your { $brand } code.
phone-number-sms-expires = It expires in { $minutes } min.
phone-number-sms-no-share = Don't share it.

## Error codes
js-error-INVALID_PHONE_NUMBER = Invalid phone number
js-error-PHONE_NUMBER_EXIST = Phone number already exists
js-error-PHONE_NUMBER_CANNOT_BE_UPDATED = Phone number cannot be updated
js-error-PHONE_NUMBER_CANNOT_BE_SET = Phone number can only be set by verifying it
js-error-INVALID_PHONE_NUMBER_OR_PASSWORD = Invalid phone number or password
js-error-OTP_NOT_FOUND = OTP not found
