# The webhooks plugin's error codes, in English (it has no pages or e-mails).

## Error codes
js-error-YOU_ARE_NOT_ALLOWED_TO_MANAGE_WEBHOOKS = You are not allowed to manage webhooks
js-error-WEBHOOK_ENDPOINT_NOT_FOUND = Webhook endpoint not found
js-error-WEBHOOK_DELIVERY_NOT_FOUND = Webhook delivery not found
js-error-INVALID_WEBHOOK_ENDPOINT = Invalid webhook endpoint
