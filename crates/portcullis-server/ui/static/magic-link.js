// Magic-link page: POST /api/auth/sign-in/magic-link. The link in the email signs
// the visitor in and leads to ?redirect= (a path on this site) or /account; a link
// that fails comes back to this page with ?error=.
import { api, errorText, keepRedirectOnLinks, safeRedirectFrom, setBusy, showMessage, clearMessage } from "./api.js";

const form = document.getElementById("magic-link-form");
const message = document.getElementById("magic-link-message");

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
    const { error } = await api("/sign-in/magic-link", {
      method: "POST",
      body: {
        email,
        callbackURL: safeRedirectFrom(["redirect", "callbackURL"], "/account"),
        errorCallbackURL: "/magic-link",
      },
    });
    setBusy(form, false);
    if (error) {
      showMessage(message, errorText(error));
      return;
    }
    form.reset();
    showMessage(message, `Check your email: we've sent a sign-in link to ${email}. It works once and expires soon.`, "success");
  });
}
