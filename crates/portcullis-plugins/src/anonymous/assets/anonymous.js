// "Continue as a guest" on the sign-in page: POST /api/auth/sign-in/anonymous, then go to
// ?redirect= or /account. A later sign-up or sign-in from this browser replaces the guest.
import { api, errorText, safeRedirect, showMessage, clearMessage } from "./api.js";
import { t } from "./i18n.js";

const button = document.getElementById("anonymous-sign-in");
const message = document.getElementById("anonymous-sign-in-message");

if (button) {
  button.addEventListener("click", async () => {
    clearMessage(message);
    const label = button.textContent;
    button.disabled = true;
    button.textContent = button.dataset.busyLabel || label;
    const { error } = await api("/sign-in/anonymous", { method: "POST", body: {} });
    if (error) {
      button.disabled = false;
      button.textContent = label;
      if (error.code === "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY") {
        showMessage(message, t("js-anonymous-already-guest"), "info", { href: "/account", text: t("js-anonymous-go-to-account") });
      } else {
        showMessage(message, errorText(error));
      }
      return;
    }
    showMessage(message, t("js-anonymous-started"), "success");
    window.location.assign(safeRedirect("/account"));
  });
}
