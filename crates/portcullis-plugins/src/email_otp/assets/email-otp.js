// Sign in with a one-time code.
// Step 1: POST /api/auth/email-otp/send-verification-otp {email, type: "sign-in"}.
// Step 2: POST /api/auth/sign-in/email-otp {email, otp}, then on to ?redirect= or
// ?callbackURL= when it is a path on this site, else /account.
import { api, errorText, keepRedirectOnLinks, safeRedirectFrom, setBusy, showMessage, clearMessage } from "./api.js";

const emailForm = document.getElementById("email-otp-email-form");
const codeForm = document.getElementById("email-otp-code-form");
const message = document.getElementById("email-otp-message");
const sentTo = document.getElementById("email-otp-sent-to");
const resend = document.getElementById("email-otp-resend");
const change = document.getElementById("email-otp-change");

keepRedirectOnLinks();

let email = "";

function showStep(step) {
  emailForm.hidden = step !== "email";
  codeForm.hidden = step !== "code";
  const focus = step === "email" ? emailForm.elements.namedItem("email") : codeForm.elements.namedItem("otp");
  if (focus) focus.focus();
}

async function sendCode(form) {
  setBusy(form, true);
  const { error } = await api("/email-otp/send-verification-otp", {
    method: "POST",
    body: { email, type: "sign-in" },
  });
  setBusy(form, false);
  if (error) {
    showMessage(message, errorText(error));
    return false;
  }
  return true;
}

if (emailForm && codeForm) {
  emailForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    email = emailForm.elements.namedItem("email").value.trim();
    if (!email) {
      showMessage(message, "Enter your email address.");
      return;
    }
    if (!(await sendCode(emailForm))) return;
    if (sentTo) sentTo.textContent = email;
    codeForm.reset();
    showStep("code");
    showMessage(message, "Check your email for a six-digit code.", "info");
  });

  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    const input = codeForm.elements.namedItem("otp");
    const otp = input.value.replace(/\s+/g, "");
    if (!/^[0-9]{4,10}$/.test(otp)) {
      showMessage(message, "Enter the code from the email.");
      input.focus();
      return;
    }

    setBusy(codeForm, true);
    const { error } = await api("/sign-in/email-otp", { method: "POST", body: { email, otp } });
    if (error) {
      setBusy(codeForm, false);
      input.value = "";
      if (error.code === "TOO_MANY_ATTEMPTS") {
        showStep("email");
        showMessage(message, "Too many wrong codes. Ask for a new code.");
      } else if (error.code === "OTP_EXPIRED") {
        showMessage(message, "That code has expired. Send a new code.");
      } else if (error.code === "INVALID_OTP") {
        showMessage(message, "That code is not right. Check the email and try again.");
        input.focus();
      } else {
        showMessage(message, errorText(error));
      }
      return;
    }
    showMessage(message, "Signed in. Redirecting…", "success");
    window.location.assign(safeRedirectFrom(["redirect", "callbackURL"], "/account"));
  });

  if (resend) {
    resend.addEventListener("click", async () => {
      clearMessage(message);
      if (await sendCode(codeForm)) showMessage(message, "We've sent a new code.", "info");
    });
  }
  if (change) {
    change.addEventListener("click", () => {
      clearMessage(message);
      showStep("email");
    });
  }
}
