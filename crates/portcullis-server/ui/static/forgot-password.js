// Forgot-password page: POST /api/auth/request-password-reset. The answer is the
// same whether or not the address has an account, and so is what we show.
import { keepRedirectOnLinks } from "./api.js";
import { emailRequestForm } from "./forms.js";
import { t } from "./i18n.js";

keepRedirectOnLinks();

emailRequestForm({
  formId: "forgot-password-form",
  messageId: "forgot-password-message",
  path: "/request-password-reset",
  body: (email) => ({ email, redirectTo: "/reset-password" }),
  sent: () => t("js-forgot-password-sent"),
});
