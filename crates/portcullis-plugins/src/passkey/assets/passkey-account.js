// Account page, Security section, "Passkeys" (passkey plugin): list the user's passkeys, add
// one (generate-register-options → navigator.credentials.create → verify-registration),
// rename and delete. Text from the server always goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, renameForm, showServerError, wireForm } from "./forms.js";
import { absoluteTime, factsList } from "./devices.js";
import { creationOptions, registrationJSON, webauthnAvailable } from "./webauthn-json.js";

const $ = (id) => document.getElementById(id);
const section = $("passkeys");
const form = $("passkey-add-form");
const message = $("passkeys-message");
const list = $("passkeys-list");

const SIGN_IN_AGAIN = { href: "/sign-in?redirect=/account%23security", text: "Sign in again" };

function showError(error, targetForm, fields) {
  if (error && (error.code === "HTTP_401" || error.code === "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY")) {
    showMessage(message, "That passkey is not yours to change.");
  } else if (error && error.status === 401) {
    showMessage(message, "Your session has ended. Sign in again to manage your passkeys.", "error", SIGN_IN_AGAIN);
  } else if (error && error.code === "SESSION_NOT_FRESH") {
    showMessage(message, "For your safety, sign in again before adding a passkey.", "error", SIGN_IN_AGAIN);
  } else if (targetForm) {
    showServerError(targetForm, message, error, fields);
  } else {
    showMessage(message, errorText(error));
  }
}

function passkeyItem(passkey) {
  const li = document.createElement("li");
  li.className = "device";
  li.dataset.passkeyId = passkey.id;
  const body = document.createElement("div");
  body.className = "device-body";
  const name = document.createElement("p");
  name.className = "device-name";
  name.textContent = passkey.name || "Unnamed passkey";
  const kind = document.createElement("p");
  kind.className = "device-meta muted";
  kind.textContent = passkey.deviceType === "multiDevice"
    ? "Synced passkey (kept by your password manager or platform account)"
    : "Device-bound passkey (stays on one device or security key)";
  body.append(name, kind, factsList([["Added", absoluteTime(passkey.createdAt)]]));

  const label = passkey.name || "this passkey";
  const actions = document.createElement("div");
  actions.className = "form-actions";
  const rename = actionButton("Rename", `Rename ${label}`, (opener) =>
    renameForm(li, {
      idPrefix: `passkey-${passkey.id}`,
      current: passkey.name,
      maxLength: 64,
      message,
      emptyText: "Enter a name for the passkey.",
      opener,
      save: async (name, f) => {
        const { error } = await api("/passkey/update-passkey", { method: "POST", body: { id: passkey.id, name } });
        if (error) {
          showError(error, f, { VALIDATION_ERROR: "name" });
          return;
        }
        await loadPasskeys();
        showMessage(message, "The passkey was renamed.", "success");
      },
    }));
  const remove = actionButton("Delete", `Delete ${label}`, (button) => deletePasskey(passkey, button, label), "danger");
  actions.append(rename, remove);
  li.append(body, actions);
  return li;
}

async function deletePasskey(passkey, button, label) {
  if (!window.confirm(`Delete ${label}? You will no longer be able to sign in with it.`)) return;
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/passkey/delete-passkey", { method: "POST", body: { id: passkey.id } });
  if (error) {
    button.disabled = false;
    showError(error);
    return;
  }
  await loadPasskeys();
  showMessage(message, "The passkey was deleted. It can no longer sign in to your account.", "success");
}

async function loadPasskeys() {
  const { data, error } = await api("/passkey/list-user-passkeys");
  list.textContent = "";
  if (error) {
    showError(error);
    return;
  }
  const passkeys = Array.isArray(data) ? data : [];
  if (passkeys.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "You have no passkeys yet.";
    list.append(li);
    return;
  }
  for (const passkey of passkeys) list.append(passkeyItem(passkey));
}

async function addPasskey() {
  const { data: options, error } = await api("/passkey/generate-register-options");
  if (error) {
    showError(error, form);
    return;
  }
  let credential;
  try {
    credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  } catch (err) {
    if (err && err.name === "InvalidStateError") {
      showMessage(message, "This device already holds a passkey for your account. Use another device or security key.");
    } else if (err && err.name === "NotAllowedError") {
      showMessage(message, "No passkey was created: the request was cancelled or timed out. Try again when you are ready.");
    } else {
      showMessage(message, "Your browser could not create a passkey. Try another browser or device.");
    }
    return;
  }
  const name = form.elements.name.value.trim();
  const body = { response: registrationJSON(credential) };
  if (name) body.name = name;
  const verified = await api("/passkey/verify-registration", { method: "POST", body });
  if (verified.error) {
    if (verified.error.code === "FAILED_TO_VERIFY_REGISTRATION") {
      showMessage(message, "The passkey could not be verified, so it was not added. Try again, or use another device.");
    } else {
      showError(verified.error, form);
    }
    return;
  }
  form.reset();
  await loadPasskeys();
  showMessage(message, "Passkey added. You can now sign in with it.", "success");
}

if (section && form) {
  wireForm(form, message);
  if (!webauthnAvailable()) {
    form.hidden = true;
    showMessage(message, "This browser cannot create passkeys. You can still see and delete the ones you have.", "info");
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    setBusy(form, true);
    try {
      await addPasskey();
    } finally {
      setBusy(form, false);
    }
  });
  loadPasskeys();
}
