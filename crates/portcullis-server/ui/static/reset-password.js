// Reset-password page, opened from the emailed link with ?token=: checks the new password as
// the server will, then POST /api/auth/reset-password. The token is kept in memory only.
import { api, queryParam, setBusy, showMessage } from "./api.js";
import { checkNewPassword, checkRequired, newPasswordErrors, showServerError, wireForm } from "./forms.js";
import { t } from "./i18n.js";

const form = document.getElementById("reset-password-form");
const message = document.getElementById("reset-password-message");
const title = document.getElementById("reset-password-title");
const intro = document.getElementById("reset-password-intro");

const token = queryParam("token");
if (token && window.history && window.history.replaceState) {
  window.history.replaceState(null, "", window.location.pathname);
}

if (form) {
  wireForm(form, message);
  const password = form.elements.namedItem("newPassword");
  const confirm = form.elements.namedItem("confirmPassword");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ok = checkRequired(form, {
      newPassword: t("js-reset-password-choose-new"),
      confirmPassword: t("js-reset-password-retype-new"),
    });
    if (!checkNewPassword(password, confirm, ok) || !ok) return;
    setBusy(form, true);
    const { error } = await api("/reset-password", { method: "POST", body: { newPassword: password.value, token } });
    if (error) {
      setBusy(form, false);
      if (error.code === "INVALID_TOKEN") {
        form.hidden = true;
        if (title) title.textContent = t("js-reset-password-link-unusable");
        if (intro) intro.hidden = true;
        showMessage(message, t("js-reset-password-link-invalid"), "error", {
          href: "/forgot-password",
          text: t("js-reset-password-ask-new-link"),
        });
        return;
      }
      showServerError(form, message, error, newPasswordErrors("newPassword"));
      return;
    }
    form.reset();
    form.hidden = true;
    if (title) title.textContent = t("js-reset-password-changed");
    if (intro) intro.hidden = true;
    document.title = document.title.replace(/^[^·]*·/, `${t("js-reset-password-changed")} ·`);
    showMessage(message, t("js-reset-password-changed-text"), "success", {
      href: "/sign-in",
      text: t("js-reset-password-sign-in-new"),
    });
  });
}
