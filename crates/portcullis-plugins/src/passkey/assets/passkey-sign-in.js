// Sign-in page (passkey plugin): "Sign in with a passkey" asks the browser for any passkey of
// this site, no email needed; and passkey autofill: the email field is marked
// `autocomplete="username webauthn"` and a conditional request waits in the background, so
// choosing a passkey from the field's suggestions signs in at once. Either way the answer
// goes to POST /api/auth/passkey/verify-authentication, then to ?redirect= or /account.
import { api, clearMessage, errorText, goToSecondStep, safeRedirect, showMessage } from "./api.js";
import { authenticationJSON, requestOptions, webauthnAvailable } from "./webauthn-json.js";
import { t } from "./i18n.js";

const item = document.getElementById("passkey-sign-in-item");
const button = document.getElementById("passkey-sign-in");
const message = document.getElementById("passkey-sign-in-message");
const identifier = document.getElementById("sign-in-email");
let waiting = null; // the autofill request, aborted when the button starts its own

async function signIn(mediation) {
  const { data: options, error } = await api("/passkey/generate-authenticate-options");
  if (error) throw Object.assign(new Error("options"), { apiError: error });
  const controller = new AbortController();
  if (mediation === "conditional") waiting = controller;
  const credential = await navigator.credentials.get({
    publicKey: requestOptions(options),
    mediation,
    signal: controller.signal,
  });
  if (!credential) return false;
  const verified = await api("/passkey/verify-authentication", {
    method: "POST",
    body: { response: authenticationJSON(credential) },
  });
  if (verified.error) throw Object.assign(new Error("verify"), { apiError: verified.error });
  // A passkey that did not verify the user (no PIN or biometric) is one factor: with two-factor
  // on, its second step follows.
  if (goToSecondStep(verified.data)) return true;
  showMessage(message, t("js-passkey-signed-in"), "success");
  window.location.assign(safeRedirect("/account"));
  return true;
}

function explain(err) {
  if (err && err.apiError) {
    const code = err.apiError.code;
    if (code === "PASSKEY_NOT_FOUND") {
      return t("js-passkey-not-registered");
    }
    if (code === "AUTHENTICATION_FAILED") {
      return t("js-passkey-sign-in-failed");
    }
    if (code === "CHALLENGE_NOT_FOUND") return t("js-passkey-request-expired");
    return errorText(err.apiError);
  }
  if (err && err.name === "NotAllowedError") {
    return t("js-passkey-none-used");
  }
  return t("js-passkey-cannot-use");
}

async function startAutofill() {
  if (!identifier || !webauthnAvailable()) return;
  const conditional = PublicKeyCredential.isConditionalMediationAvailable
    ? await PublicKeyCredential.isConditionalMediationAvailable().catch(() => false)
    : false;
  if (!conditional) return;
  identifier.setAttribute("autocomplete", "username webauthn");
  try {
    await signIn("conditional");
  } catch (err) {
    // Only a passkey the user chose and the server refused is worth a word: a request that
    // was aborted (the button took over) or ended without a choice is not an error to them.
    if (err && err.apiError) showMessage(message, explain(err));
  }
}

if (item && button) {
  if (!webauthnAvailable()) {
    item.hidden = true;
  } else {
    button.addEventListener("click", async () => {
      clearMessage(message);
      if (waiting) waiting.abort();
      waiting = null;
      const label = button.textContent;
      button.disabled = true;
      button.textContent = button.dataset.busyLabel || label;
      let done = false;
      try {
        done = await signIn("optional");
      } catch (err) {
        showMessage(message, explain(err));
      }
      if (!done) {
        button.disabled = false;
        button.textContent = label;
        startAutofill();
      }
    });
    startAutofill();
  }
}
