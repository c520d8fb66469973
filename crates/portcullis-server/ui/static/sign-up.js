// Sign-up page: checks the fields as the server will, then POST /api/auth/sign-up/email with
// the core fields and any a plugin adds (slot sign-up.fields), sent when filled. Problems show
// at their field, with the way forward (an existing address gets links to sign in or reset).
import { api, keepRedirectOnLinks, safeRedirect, setBusy, showMessage } from "./api.js";
import { checkNewPassword, checkRequired, newPasswordErrors, showServerError, wireForm } from "./forms.js";
import { t } from "./i18n.js";

const form = document.getElementById("sign-up-form");
const message = document.getElementById("sign-up-message");
const CORE = new Set(["name", "email", "password", "confirmPassword"]);

keepRedirectOnLinks();

if (form) {
  wireForm(form, message);
  const password = form.elements.namedItem("password");
  const confirm = form.elements.namedItem("confirmPassword");
  const canReset = form.dataset.passwordReset === "true";

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ok = checkRequired(form, {
      name: t("js-sign-up-enter-name"),
      email: t("js-sign-up-enter-email"),
      password: t("js-sign-up-choose-password"),
      confirmPassword: t("js-sign-up-retype-password"),
    });
    if (!checkNewPassword(password, confirm, ok) || !ok) return;

    const body = {
      name: form.elements.namedItem("name").value.trim(),
      email: form.elements.namedItem("email").value.trim(),
      password: password.value,
    };
    for (const input of form.querySelectorAll("input[name]")) {
      if (!CORE.has(input.name) && input.type !== "checkbox" && input.value.trim() !== "") body[input.name] = input.value.trim();
    }

    setBusy(form, true);
    const { data, error } = await api("/sign-up/email", { method: "POST", body });
    if (error) {
      setBusy(form, false);
      const exists = {
        field: "email",
        text: t("js-sign-up-email-taken"),
        link: { href: "/sign-in", text: t("js-sign-up-sign-in-instead") },
      };
      showServerError(form, message, error, {
        USER_ALREADY_EXISTS: exists,
        USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: exists,
        INVALID_EMAIL: { field: "email", text: t("js-forms-email-invalid") },
        ...newPasswordErrors("password"),
        USERNAME_IS_ALREADY_TAKEN: { field: "username", text: t("js-sign-up-username-taken") },
        USERNAME_TOO_SHORT: { field: "username", text: t("js-sign-up-username-too-short") },
        USERNAME_TOO_LONG: { field: "username", text: t("js-sign-up-username-too-long") },
        INVALID_USERNAME: { field: "username", text: t("js-sign-up-username-invalid") },
      });
      if (canReset && (error.code === "USER_ALREADY_EXISTS" || error.code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")) {
        const slot = document.getElementById("sign-up-email-error");
        if (slot) {
          slot.append(` ${t("js-sign-up-or")} `);
          const a = document.createElement("a");
          a.href = "/forgot-password";
          a.textContent = t("js-sign-up-reset-password");
          slot.append(a, ".");
        }
      }
      return;
    }
    // A server that requires e-mail verification creates no session yet.
    if (data && data.token === null) {
      form.reset();
      setBusy(form, false);
      showMessage(message, t("js-sign-up-verify-email", { email: body.email }), "success");
      return;
    }
    showMessage(message, t("js-sign-up-created"), "success");
    window.location.assign(safeRedirect("/account"));
  });
}
