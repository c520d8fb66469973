// Account page, Security section, "Passkeys" (passkey plugin): list the user's passkeys, add
// one (generate-register-options → navigator.credentials.create → verify-registration),
// rename and delete. Text from the server always goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, renameForm, showServerError, wireForm } from "./forms.js";
import { absoluteTime, factsList } from "./devices.js";
import { creationOptions, registrationJSON, webauthnAvailable } from "./webauthn-json.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("passkeys");
const form = $("passkey-add-form");
const message = $("passkeys-message");
const list = $("passkeys-list");

const SIGN_IN_AGAIN = { href: "/sign-in?redirect=/account%23security", text: t("js-passkey-sign-in-again") };

function showError(error, targetForm, fields) {
  if (error && (error.code === "HTTP_401" || error.code === "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY")) {
    showMessage(message, t("js-passkey-not-yours"));
  } else if (error && error.status === 401) {
    showMessage(message, t("js-passkey-session-ended"), "error", SIGN_IN_AGAIN);
  } else if (error && error.code === "SESSION_NOT_FRESH") {
    showMessage(message, t("js-passkey-not-fresh"), "error", SIGN_IN_AGAIN);
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
  name.textContent = passkey.name || t("js-passkey-unnamed");
  const kind = document.createElement("p");
  kind.className = "device-meta muted";
  kind.textContent = passkey.deviceType === "multiDevice"
    ? t("js-passkey-synced")
    : t("js-passkey-device-bound");
  body.append(name, kind, factsList([[t("js-passkey-added-on"), absoluteTime(passkey.createdAt)]]));

  const label = passkey.name || t("js-passkey-this-passkey");
  const actions = document.createElement("div");
  actions.className = "form-actions";
  const rename = actionButton(t("js-passkey-rename"), t("js-passkey-rename-label", { name: label }), (opener) =>
    renameForm(li, {
      idPrefix: `passkey-${passkey.id}`,
      current: passkey.name,
      maxLength: 64,
      message,
      emptyText: t("js-passkey-enter-name"),
      opener,
      save: async (name, f) => {
        const { error } = await api("/passkey/update-passkey", { method: "POST", body: { id: passkey.id, name } });
        if (error) {
          showError(error, f, { VALIDATION_ERROR: "name" });
          return;
        }
        await loadPasskeys();
        showMessage(message, t("js-passkey-renamed"), "success");
      },
    }));
  const remove = actionButton(t("js-passkey-delete"), t("js-passkey-delete-label", { name: label }), (button) => deletePasskey(passkey, button, label), "danger");
  actions.append(rename, remove);
  li.append(body, actions);
  return li;
}

async function deletePasskey(passkey, button, label) {
  if (!window.confirm(t("js-passkey-delete-confirm", { name: label }))) return;
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/passkey/delete-passkey", { method: "POST", body: { id: passkey.id } });
  if (error) {
    button.disabled = false;
    showError(error);
    return;
  }
  await loadPasskeys();
  showMessage(message, t("js-passkey-deleted"), "success");
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
    li.textContent = t("js-passkey-none");
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
      showMessage(message, t("js-passkey-already-on-device"));
    } else if (err && err.name === "NotAllowedError") {
      showMessage(message, t("js-passkey-not-created"));
    } else {
      showMessage(message, t("js-passkey-cannot-create"));
    }
    return;
  }
  const name = form.elements.name.value.trim();
  const body = { response: registrationJSON(credential) };
  if (name) body.name = name;
  const verified = await api("/passkey/verify-registration", { method: "POST", body });
  if (verified.error) {
    if (verified.error.code === "FAILED_TO_VERIFY_REGISTRATION") {
      showMessage(message, t("js-passkey-not-verified"));
    } else {
      showError(verified.error, form);
    }
    return;
  }
  form.reset();
  await loadPasskeys();
  showMessage(message, t("js-passkey-added"), "success");
}

if (section && form) {
  wireForm(form, message);
  if (!webauthnAvailable()) {
    form.hidden = true;
    showMessage(message, t("js-passkey-unsupported"), "info");
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
