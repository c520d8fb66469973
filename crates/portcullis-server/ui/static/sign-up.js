// Sign-up page: checks the passwords locally, then POST /api/auth/sign-up/email.
import { api, errorText, keepRedirectOnLinks, safeRedirect, setBusy, showMessage, clearMessage } from "./api.js";

const form = document.getElementById("sign-up-form");
const message = document.getElementById("sign-up-message");

keepRedirectOnLinks();

function lengthLimits() {
  const min = Number.parseInt(form.dataset.minPasswordLength || "", 10);
  const max = Number.parseInt(form.dataset.maxPasswordLength || "", 10);
  return { min: Number.isFinite(min) ? min : 8, max: Number.isFinite(max) ? max : 128 };
}

if (form) {
  const password = form.elements.namedItem("password");
  const confirm = form.elements.namedItem("confirmPassword");

  // Once the confirmation has been typed, keep its invalid state up to date.
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

    const name = form.elements.namedItem("name").value.trim();
    const email = form.elements.namedItem("email").value.trim();
    const { min, max } = lengthLimits();

    if (!name || !email || !password.value) {
      showMessage(message, "Fill in your name, email and password.");
      return;
    }
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
    const { data, error } = await api("/sign-up/email", {
      method: "POST",
      body: { name, email, password: password.value },
    });
    if (error) {
      setBusy(form, false);
      showMessage(message, errorText(error));
      return;
    }
    // A server that requires e-mail verification creates no session yet.
    if (data && data.token === null) {
      form.reset();
      setBusy(form, false);
      showMessage(message, "Account created. Check your email to verify your address, then sign in.", "success");
      return;
    }

    showMessage(message, "Account created. Redirecting…", "success");
    window.location.assign(safeRedirect("/account"));
  });
}
