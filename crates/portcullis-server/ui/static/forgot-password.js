// Forgot-password page: POST /api/auth/request-password-reset. The answer is the
// same whether or not the address has an account, and so is what we show.
import { api, errorText, keepRedirectOnLinks, setBusy, showMessage, clearMessage } from "./api.js";

const form = document.getElementById("forgot-password-form");
const message = document.getElementById("forgot-password-message");

keepRedirectOnLinks();

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);

    const email = form.elements.namedItem("email").value.trim();
    if (!email) {
      showMessage(message, "Enter your email address.");
      return;
    }

    setBusy(form, true);
    const { error } = await api("/request-password-reset", {
      method: "POST",
      body: { email, redirectTo: "/reset-password" },
    });
    setBusy(form, false);
    if (error) {
      showMessage(message, errorText(error));
      return;
    }
    form.reset();
    showMessage(
      message,
      "If an account exists for that address, we've sent it a link to reset the password. Check your email.",
      "success",
    );
  });
}
