// Verify-email landing page, when it was opened with ?token=: verify through
// GET /api/auth/verify-email?token=... (JSON answer) and show the outcome.
import { api, goToSecondStep, queryParam, showMessage } from "./api.js";

const title = document.getElementById("verify-email-title");
const message = document.getElementById("verify-email-message");
const loading = document.getElementById("verify-email-loading");
const actions = document.getElementById("verify-email-actions");
const card = document.getElementById("verify-email-card");

const EXPLANATIONS = {
  INVALID_TOKEN: "This link is not valid. It may have been copied only in part, or replaced by a newer one.",
  TOKEN_EXPIRED: "This link has expired.",
  USER_NOT_FOUND: "The account for this link no longer exists.",
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
    if (title) title.textContent = "Email not verified";
    if (card) card.dataset.state = "error";
    showMessage(message, EXPLANATIONS[code] || "We couldn't verify your email address with this link.", "error", {
      href: "/account#email",
      text: "Send a new link from your account",
    });
    return;
  }
  if (title) title.textContent = "Email verified";
  if (card) card.dataset.state = "verified";
  showMessage(message, "Thank you: your email address is verified.", "success");
}

if (message) verify();
