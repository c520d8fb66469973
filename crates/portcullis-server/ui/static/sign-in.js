// Sign-in page: POST /api/auth/sign-in/email, then go to ?redirect= or /account.
import { api, errorText, keepRedirectOnLinks, safeRedirect, setBusy, showMessage, clearMessage } from "./api.js";

const form = document.getElementById("sign-in-form");
const message = document.getElementById("sign-in-message");

keepRedirectOnLinks();

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);

    const email = form.elements.namedItem("email").value.trim();
    const password = form.elements.namedItem("password").value;
    const rememberMe = form.elements.namedItem("rememberMe").checked;
    if (!email || !password) {
      showMessage(message, "Enter your email and password.");
      return;
    }

    setBusy(form, true);
    const { data, error } = await api("/sign-in/email", {
      method: "POST",
      body: { email, password, rememberMe },
    });

    if (error) {
      setBusy(form, false);
      if (error.code === "EMAIL_NOT_VERIFIED") {
        showMessage(message, errorText(error) || "Verify your email address before signing in. Check your inbox for the link.");
      } else {
        showMessage(message, errorText(error));
      }
      const passwordInput = form.elements.namedItem("password");
      passwordInput.value = "";
      passwordInput.focus();
      return;
    }

    if (data && data.twoFactorRedirect === true) {
      setBusy(form, false);
      showMessage(message, "Two-factor verification is required", "info");
      return;
    }

    showMessage(message, "Signed in. Redirecting…", "success");
    window.location.assign(safeRedirect("/account"));
  });
}
