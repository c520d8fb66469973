// "Continue with …" on the sign-in and sign-up pages: POST /api/auth/sign-in/social for the
// provider, then go to its authorization page. Back from the provider, the browser lands on
// ?redirect= (or /account); a failure lands on the error page, which says what went wrong.
import { api, errorText, safeRedirect, showMessage, clearMessage } from "./api.js";
import { t } from "./i18n.js";

const message = document.getElementById("oauth-message");

for (const button of document.querySelectorAll("button[data-oauth-provider]")) {
  button.addEventListener("click", async () => {
    clearMessage(message);
    // The label changes, not the whole button: its mark stays.
    const text = button.querySelector(".oauth-label") || button;
    const label = text.textContent;
    button.disabled = true;
    text.textContent = button.dataset.busyLabel || label;
    const { data, error } = await api("/sign-in/social", {
      method: "POST",
      body: {
        provider: button.dataset.oauthProvider,
        callbackURL: safeRedirect("/account"),
        disableRedirect: true,
      },
    });
    if (error || !data || !data.url) {
      button.disabled = false;
      text.textContent = label;
      showMessage(message, error ? errorText(error) : t("js-oauth-unreachable"));
      return;
    }
    window.location.assign(data.url);
  });
}
