// Account page, "API keys" section (api-key plugin): create a key (shown once, with a copy
// button), list keys (name, first characters, created, expires, last used), rename and revoke.
// Text from the server always goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, checkRequired, renameForm, showServerError, wireForm } from "./forms.js";
import { absoluteTime, factsList } from "./devices.js";

const $ = (id) => document.getElementById(id);
const section = $("api-keys");
const form = $("api-key-form");
const message = $("api-keys-message");
const list = $("api-keys-list");
const created = $("api-key-created");
const value = $("api-key-value");

const SIGN_IN_AGAIN = { href: "/sign-in?redirect=/account%23api-keys", text: "Sign in again" };

function showError(error, targetForm, fields) {
  if (error && error.status === 401) {
    showMessage(message, "Your session has ended. Sign in again to manage your keys.", "error", SIGN_IN_AGAIN);
  } else if (targetForm) {
    showServerError(targetForm, message, error, fields);
  } else {
    showMessage(message, errorText(error));
  }
}

function keyItem(key) {
  const li = document.createElement("li");
  li.className = "device";
  const body = document.createElement("div");
  body.className = "device-body";

  const name = document.createElement("p");
  name.className = "device-name";
  name.textContent = key.name || "Unnamed key";
  const start = document.createElement("p");
  start.className = "device-meta muted";
  start.textContent = key.start ? `Starts with ${key.start}…` : "Start not stored";
  if (key.enabled === false) start.textContent += " · Turned off";

  const facts = factsList([
    ["Created", absoluteTime(key.createdAt)],
    ["Expires", absoluteTime(key.expiresAt, "Never")],
    ["Last used", absoluteTime(key.lastRequest, "Not yet")],
  ]);
  body.append(name, start, facts);

  const label = key.name || key.start || "this key";
  const actions = document.createElement("div");
  actions.className = "form-actions";
  const rename = actionButton("Rename", `Rename ${label}`, (opener) =>
    renameForm(li, {
      idPrefix: `api-key-${key.id}`,
      current: key.name,
      maxLength: 32,
      message,
      emptyText: "Enter a name for the key.",
      opener,
      save: async (name, f) => {
        const { error } = await api("/api-key/update", { method: "POST", body: { keyId: key.id, name } });
        if (error) {
          showError(error, f, { INVALID_NAME_LENGTH: "name" });
          return;
        }
        await loadKeys();
        showMessage(message, "The key was renamed.", "success");
      },
    }));
  const revoke = actionButton("Revoke", `Revoke ${label}`, (button) => revokeKey(key, button, label), "danger");
  actions.append(rename, revoke);
  li.append(body, actions);
  return li;
}

async function revokeKey(key, button, label) {
  if (!window.confirm(`Revoke ${label}? Anything using it stops working at once.`)) return;
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/api-key/delete", { method: "POST", body: { keyId: key.id } });
  if (error) {
    button.disabled = false;
    showError(error);
    return;
  }
  await loadKeys();
  showMessage(message, "The key was revoked. Anything still using it is refused.", "success");
}

async function loadKeys() {
  const { data, error } = await api("/api-key/list", { query: { sortBy: "createdAt", sortDirection: "desc" } });
  list.textContent = "";
  if (error) {
    showError(error);
    return;
  }
  const keys = data && Array.isArray(data.apiKeys) ? data.apiKeys : [];
  if (keys.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "You have no API keys yet.";
    list.append(li);
    return;
  }
  for (const key of keys) list.append(keyItem(key));
}

if (section && form) {
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    if (!checkRequired(form, { name: "Enter a name for the key, so you can tell it apart later." })) return;
    const body = { name: form.elements.name.value.trim() };
    const expires = form.elements.expiresIn.value;
    if (expires) body.expiresIn = Number(expires);
    setBusy(form, true);
    const { data, error } = await api("/api-key/create", { method: "POST", body });
    setBusy(form, false);
    if (error) {
      showError(error, form, { INVALID_NAME_LENGTH: "name", NAME_REQUIRED: "name" });
      return;
    }
    form.reset();
    value.value = data.key;
    created.hidden = false;
    created.focus();
    await loadKeys();
  });
  $("api-key-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value.value);
      showMessage(message, "The key was copied.", "success");
    } catch {
      value.select();
      showMessage(message, "Copying was blocked: the key is selected, press Ctrl+C (⌘C on a Mac) to copy it.");
    }
  });
  $("api-key-done").addEventListener("click", () => {
    value.value = "";
    created.hidden = true;
    form.elements.name.focus();
  });
  loadKeys();
}
