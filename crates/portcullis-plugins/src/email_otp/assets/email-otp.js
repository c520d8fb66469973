// Sign in with a one-time code.
// Step 1: POST /api/auth/email-otp/send-verification-otp {email, type: "sign-in"}.
// Step 2: POST /api/auth/sign-in/email-otp {email, otp}, then on to ?redirect= or
// ?callbackURL= when it is a path on this site, else /account.
// The address and when its code was sent are kept in this tab's sessionStorage until the code
// expires, so a visitor who leaves for their mailbox and comes back is still at step 2.
import { api, goToSecondStep, keepRedirectOnLinks, safeRedirectFrom, setBusy, showMessage, clearMessage } from "./api.js";
import { checkRequired, fieldError, showServerError, wireForm } from "./forms.js";
import { t } from "./i18n.js";

const card = document.getElementById("email-otp-card");
const emailForm = document.getElementById("email-otp-email-form");
const codeForm = document.getElementById("email-otp-code-form");
const message = document.getElementById("email-otp-message");
const sentTo = document.getElementById("email-otp-sent-to");
const resend = document.getElementById("email-otp-resend");
const change = document.getElementById("email-otp-change");
const STORE = "portcullis.email-otp";
const expiresIn = (Number.parseInt(card ? card.dataset.expiresIn : "", 10) || 300) * 1000;

keepRedirectOnLinks();

let email = "";

function remember(address) {
  try {
    if (address) sessionStorage.setItem(STORE, JSON.stringify({ email: address, sentAt: Date.now() }));
    else sessionStorage.removeItem(STORE);
  } catch {
    // Storage off: the page still works, it just forgets on reload.
  }
}

function remembered() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
    if (saved && typeof saved.email === "string" && Date.now() - saved.sentAt < expiresIn) return saved.email;
  } catch {
    // Nothing usable kept.
  }
  remember("");
  return "";
}

function showStep(step, focus = true) {
  emailForm.hidden = step !== "email";
  codeForm.hidden = step !== "code";
  if (!focus) return;
  const input = step === "email" ? emailForm.elements.namedItem("email") : codeForm.elements.namedItem("otp");
  if (input) input.focus();
}

async function sendCode(form) {
  setBusy(form, true);
  const { error } = await api("/email-otp/send-verification-otp", { method: "POST", body: { email, type: "sign-in" } });
  setBusy(form, false);
  if (error) {
    showServerError(form, message, error, {
      INVALID_EMAIL: { field: "email", text: t("js-email-otp-invalid-email") },
    });
    return false;
  }
  remember(email);
  return true;
}

if (emailForm && codeForm) {
  wireForm(emailForm, message);
  wireForm(codeForm, message);

  email = remembered();
  if (email) {
    sentTo.textContent = email;
    showStep("code", false);
  }

  emailForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(emailForm, { email: t("js-email-otp-email-required") })) return;
    email = emailForm.elements.namedItem("email").value.trim();
    if (!(await sendCode(emailForm))) return;
    sentTo.textContent = email;
    codeForm.reset();
    showStep("code");
  });

  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = codeForm.elements.namedItem("otp");
    const otp = input.value.replace(/\s+/g, "");
    if (!/^[0-9]{4,10}$/.test(otp)) {
      fieldError(input, t("js-email-otp-code-digits"));
      input.focus();
      return;
    }
    setBusy(codeForm, true);
    const { data, error } = await api("/sign-in/email-otp", { method: "POST", body: { email, otp } });
    if (error) {
      setBusy(codeForm, false);
      input.value = "";
      if (error.code === "TOO_MANY_ATTEMPTS") {
        remember("");
        showStep("email");
        showMessage(message, t("js-email-otp-too-many"));
      } else if (error.code === "OTP_EXPIRED") {
        fieldError(input, t("js-email-otp-expired"));
        input.focus();
      } else if (error.code === "INVALID_OTP") {
        fieldError(input, t("js-email-otp-wrong"));
        input.focus();
      } else {
        showServerError(codeForm, message, error);
      }
      return;
    }
    remember("");
    if (goToSecondStep(data)) {
      showMessage(message, t("js-email-otp-second-step"), "info");
      return;
    }
    showMessage(message, t("js-email-otp-signed-in"), "success");
    window.location.assign(safeRedirectFrom(["redirect", "callbackURL"], "/account"));
  });

  resend.addEventListener("click", async () => {
    clearMessage(message);
    if (await sendCode(codeForm)) showMessage(message, t("js-email-otp-resent", { email }), "info");
  });
  change.addEventListener("click", () => {
    clearMessage(message);
    remember("");
    showStep("email");
  });
}
