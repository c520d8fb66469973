// Sign-in page: POST /api/auth/sign-in/email (or /sign-in/username for an identifier without
// "@" when the username plugin is on), then go to ?redirect= or /account. Problems show at
// their field; the way in this browser used last is marked.
import { api, errorText, goToSecondStep, keepRedirectOnLinks, safeRedirect, setBusy, showMessage } from "./api.js";
import { checkRequired, fieldError, wireForm } from "./forms.js";
import { markLastLoginMethod } from "./last-method.js";
import { t } from "./i18n.js";

const form = document.getElementById("sign-in-form");
const message = document.getElementById("sign-in-message");

keepRedirectOnLinks();
markLastLoginMethod();

if (form) {
  wireForm(form, message);
  const usernames = form.dataset.username === "true";
  const identifier = form.elements.namedItem("email");
  // An application that knows who is signing in (an OpenID client's login_hint) fills it in.
  const hint = new URLSearchParams(window.location.search).get("email");
  if (hint && identifier && !identifier.value) identifier.value = hint;
  const password = form.elements.namedItem("password");
  // What a wrong email (or username) or password gets: a way to reset it when there is one.
  const wrong = () => {
    if (document.getElementById("forgot-password-link")) {
      return {
        text: usernames ? t("js-sign-in-wrong-username-or") : t("js-sign-in-wrong-email-or"),
        link: { href: "/forgot-password", text: t("js-sign-in-reset-password") },
      };
    }
    return { text: usernames ? t("js-sign-in-wrong-username") : t("js-sign-in-wrong-email"), link: undefined };
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ask = usernames ? t("js-sign-in-enter-email-or-username") : t("js-sign-in-enter-email");
    if (!checkRequired(form, { email: ask, password: t("js-sign-in-enter-password") })) return;
    const id = identifier.value.trim();
    const byUsername = usernames && !id.includes("@");
    const rememberMe = form.elements.namedItem("rememberMe").checked;

    setBusy(form, true);
    const { data, error } = byUsername
      ? await api("/sign-in/username", { method: "POST", body: { username: id, password: password.value, rememberMe } })
      : await api("/sign-in/email", { method: "POST", body: { email: id, password: password.value, rememberMe } });
    setBusy(form, false);

    if (error) {
      password.value = "";
      switch (error.code) {
        case "INVALID_EMAIL_OR_PASSWORD":
        case "INVALID_USERNAME_OR_PASSWORD":
        case "INVALID_PASSWORD":
        case "CREDENTIAL_ACCOUNT_NOT_FOUND": {
          const { text, link } = wrong();
          fieldError(password, text, link);
          password.focus();
          break;
        }
        case "INVALID_EMAIL":
          fieldError(identifier, t("js-forms-email-invalid"));
          identifier.focus();
          break;
        case "EMAIL_NOT_VERIFIED":
          showMessage(message, t("js-sign-in-verify-email-first"), "info");
          break;
        case "PASSWORD_COMPROMISED":
          // The server's words here say more than the code's usual ones: it has sent a reset link.
          showMessage(message, t("js-sign-in-password-compromised"));
          break;
        case "TOO_MANY_ATTEMPTS":
        case "ACCOUNT_LOCKED":
          showMessage(
            message,
            document.getElementById("forgot-password-link")
              ? t("js-sign-in-wait-or", { error: errorText(error) })
              : t("js-sign-in-wait", { error: errorText(error) }),
            "error",
            document.getElementById("forgot-password-link")
              ? { href: "/forgot-password", text: t("js-sign-in-reset-password") }
              : undefined,
          );
          break;
        default:
          showMessage(message, errorText(error));
      }
      return;
    }

    if (goToSecondStep(data)) {
      showMessage(message, t("js-sign-in-second-step"), "info");
      return;
    }

    showMessage(message, t("js-sign-in-signed-in"), "success");
    window.location.assign(safeRedirect("/account"));
  });
}
