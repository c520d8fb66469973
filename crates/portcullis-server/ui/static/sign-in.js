// Sign-in page: POST /api/auth/sign-in/email (or /sign-in/username for an identifier without
// "@" when the username plugin is on), then go to ?redirect= or /account. Problems show at
// their field; the way in this browser used last is marked.
import { api, errorText, goToSecondStep, keepRedirectOnLinks, safeRedirect, setBusy, showMessage } from "./api.js";
import { checkRequired, fieldError, wireForm } from "./forms.js";
import { markLastLoginMethod } from "./last-method.js";

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
  const wrong = () => ({
    text: `That ${usernames ? "email, username" : "email"} or password is not right. Check both and try again, or`,
    link: document.getElementById("forgot-password-link")
      ? { href: "/forgot-password", text: "reset your password" }
      : undefined,
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ask = usernames ? "Enter your email address or username." : "Enter your email address.";
    if (!checkRequired(form, { email: ask, password: "Enter your password." })) return;
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
          fieldError(password, link ? text : text.replace(/, or$/, "."), link);
          password.focus();
          break;
        }
        case "INVALID_EMAIL":
          fieldError(identifier, "Enter an email address like name@example.com.");
          identifier.focus();
          break;
        case "EMAIL_NOT_VERIFIED":
          showMessage(message, "Verify your email address first: we've sent a new link to your inbox. Open it, then sign in here.", "info");
          break;
        case "TOO_MANY_ATTEMPTS":
        case "ACCOUNT_LOCKED":
          showMessage(
            message,
            `${errorText(error)} Wait a few minutes before you try again${document.getElementById("forgot-password-link") ? ", or" : "."}`,
            "error",
            document.getElementById("forgot-password-link") ? { href: "/forgot-password", text: "reset your password" } : undefined,
          );
          break;
        default:
          showMessage(message, errorText(error));
      }
      return;
    }

    if (goToSecondStep(data)) {
      showMessage(message, "Password accepted. One more step…", "info");
      return;
    }

    showMessage(message, "Signed in. Redirecting…", "success");
    window.location.assign(safeRedirect("/account"));
  });
}
