// Forgot-password page: POST /api/auth/request-password-reset. The answer is the
// same whether or not the address has an account, and so is what we show.
import { keepRedirectOnLinks } from "./api.js";
import { emailRequestForm } from "./forms.js";

keepRedirectOnLinks();

emailRequestForm({
  formId: "forgot-password-form",
  messageId: "forgot-password-message",
  path: "/request-password-reset",
  body: (email) => ({ email, redirectTo: "/reset-password" }),
  sent: () =>
    "If an account exists for that address, we've sent it a link to reset the password. Check your email.",
});
