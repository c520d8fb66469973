// Reset-password page: reads ?token= (put there by the link in the email),
// checks the two passwords locally, then POST /api/auth/reset-password.
import { api, errorText, queryParam, setBusy, showMessage, clearMessage } from "./api.js";

const form = document.getElementById("reset-password-form");
const message = document.getElementById("reset-password-message");

// Keep the token in memory only: take it out of the address bar and history.
const token = queryParam("token");
if (token && window.history && window.history.replaceState) {
  window.history.replaceState(null, "", window.location.pathname);
}

function lengthLimits() {
  const min = Number.parseInt(form.dataset.minPasswordLength || "", 10);
  const max = Number.parseInt(form.dataset.maxPasswordLength || "", 10);
  return { min: Number.isFinite(min) ? min : 8, max: Number.isFinite(max) ? max : 128 };
}

function showInvalidLink() {
  showMessage(message, "This reset link is invalid or has expired.", "error", {
    href: "/forgot-password",
    text: "Ask for a new link",
  });
}

if (form) {
  const password = form.elements.namedItem("newPassword");
  const confirm = form.elements.namedItem("confirmPassword");

  if (!token) {
    showMessage(message, "This page needs the link from your reset email.", "error", {
      href: "/forgot-password",
      text: "Ask for a reset link",
    });
    setBusy(form, true);
  }

  const syncMatch = () => {
    if (!confirm.value) {
      confirm.removeAttribute("aria-invalid");
      return;
    }
    confirm.setAttribute("aria-invalid", password.value === confirm.value ? "false" : "true");
  };
  password.addEventListener("input", syncMatch);
  confirm.addEventListener("input", syncMatch);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    if (!token) {
      showInvalidLink();
      return;
    }
    const { min, max } = lengthLimits();
    if (password.value.length < min) {
      showMessage(message, `Your password needs at least ${min} characters.`);
      password.focus();
      return;
    }
    if (password.value.length > max) {
      showMessage(message, `Your password can have at most ${max} characters.`);
      password.focus();
      return;
    }
    if (password.value !== confirm.value) {
      confirm.setAttribute("aria-invalid", "true");
      showMessage(message, "Passwords don't match");
      confirm.focus();
      return;
    }

    setBusy(form, true);
    const { error } = await api("/reset-password", {
      method: "POST",
      body: { newPassword: password.value, token },
    });
    if (error) {
      setBusy(form, false);
      if (error.code === "INVALID_TOKEN") {
        showInvalidLink();
      } else if (error.code === "PASSWORD_TOO_SHORT") {
        showMessage(message, `Your password needs at least ${min} characters.`);
      } else if (error.code === "PASSWORD_TOO_LONG") {
        showMessage(message, `Your password can have at most ${max} characters.`);
      } else {
        showMessage(message, errorText(error));
      }
      return;
    }
    form.reset();
    form.hidden = true;
    showMessage(message, "Your password has been changed.", "success", {
      href: "/sign-in",
      text: "Sign in with your new password",
    });
  });
}
