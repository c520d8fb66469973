// Verify-email landing page, when it was opened with ?token=: verify through
// GET /api/auth/verify-email?token=... (JSON answer) and show the outcome.
import { api, goToSecondStep, queryParam, showMessage } from "./api.js";
import { t } from "./i18n.js";

const title = document.getElementById("verify-email-title");
const message = document.getElementById("verify-email-message");
const loading = document.getElementById("verify-email-loading");
const actions = document.getElementById("verify-email-actions");
const card = document.getElementById("verify-email-card");

const EXPLANATIONS = {
  INVALID_TOKEN: t("js-verify-email-invalid-token"),
  TOKEN_EXPIRED: t("js-verify-email-token-expired"),
  USER_NOT_FOUND: t("js-verify-email-user-not-found"),
};

async function verify() {
  const token = queryParam("token");
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  const { data, error } = await api("/verify-email", { query: { token } });
  // Verified, and signing in needs the second step first.
  if (goToSecondStep(data)) return;
  if (loading) loading.hidden = true;
  if (actions) actions.hidden = false;
  if (error || !data || data.status !== true) {
    const code = (error && error.code) || "INVALID_TOKEN";
    if (title) title.textContent = t("js-verify-email-not-verified-title");
    if (card) card.dataset.state = "error";
    showMessage(message, EXPLANATIONS[code] || t("js-verify-email-failed"), "error", {
      href: "/account#email",
      text: t("js-verify-email-send-new-link"),
    });
    return;
  }
  if (title) title.textContent = t("js-verify-email-verified-title");
  if (card) card.dataset.state = "verified";
  showMessage(message, t("js-verify-email-verified"), "success");
}

if (message) verify();
