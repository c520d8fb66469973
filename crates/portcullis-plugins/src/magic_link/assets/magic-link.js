// Magic-link page: POST /api/auth/sign-in/magic-link. The link in the email signs
// the visitor in and leads to ?redirect= (a path on this site) or /account; a link
// that fails comes back to this page with ?error=.
import { keepRedirectOnLinks, safeRedirectFrom } from "./api.js";
import { emailRequestForm } from "./forms.js";
import { t } from "./i18n.js";

keepRedirectOnLinks();

emailRequestForm({
  formId: "magic-link-form",
  messageId: "magic-link-message",
  path: "/sign-in/magic-link",
  body: (email) => ({
    email,
    callbackURL: safeRedirectFrom(["redirect", "callbackURL"], "/account"),
    errorCallbackURL: "/magic-link",
  }),
  sent: (email) => t("js-magic-link-sent", { email }),
});
