// Account page, "API keys" section (api-key plugin): create a key (shown once, with a copy
// button), list keys (name, first characters, created, expires, last used), rename and revoke.
// Text from the server always goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, checkRequired, renameForm, showServerError, wireForm } from "./forms.js";
import { factsList } from "./devices.js";
import { dateTime, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("api-keys");
const form = $("api-key-form");
const message = $("api-keys-message");
const list = $("api-keys-list");
const created = $("api-key-created");
const value = $("api-key-value");

const SIGN_IN_AGAIN = { href: "/sign-in?redirect=/account%23api-keys", text: t("js-api-key-sign-in-again") };

/** A date and time in the page's language, or `missing` when there is none. */
const when = (value, missing) => (value && dateTime(value)) || missing;

function showError(error, targetForm, fields) {
  if (error && error.status === 401) {
    showMessage(message, t("js-api-key-session-ended"), "error", SIGN_IN_AGAIN);
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
  name.textContent = key.name || t("js-api-key-unnamed");
  const start = document.createElement("p");
  start.className = "device-meta muted";
  start.textContent = key.start ? t("js-api-key-starts-with", { start: key.start }) : t("js-api-key-start-not-stored");
  if (key.enabled === false) start.textContent += ` · ${t("js-api-key-turned-off")}`;

  const facts = factsList([
    [t("js-api-key-created"), when(key.createdAt, t("js-api-key-not-known"))],
    [t("js-api-key-expires"), when(key.expiresAt, t("js-api-key-never"))],
    [t("js-api-key-last-used"), when(key.lastRequest, t("js-api-key-not-yet"))],
  ]);
  body.append(name, start, facts);

  const label = key.name || key.start || t("js-api-key-this-key");
  const actions = document.createElement("div");
  actions.className = "form-actions";
  const rename = actionButton(t("js-api-key-rename"), t("js-api-key-rename-label", { key: label }), (opener) =>
    renameForm(li, {
      idPrefix: `api-key-${key.id}`,
      current: key.name,
      maxLength: 32,
      message,
      emptyText: t("js-api-key-enter-new-name"),
      opener,
      save: async (name, f) => {
        const { error } = await api("/api-key/update", { method: "POST", body: { keyId: key.id, name } });
        if (error) {
          showError(error, f, { INVALID_NAME_LENGTH: "name" });
          return;
        }
        await loadKeys();
        showMessage(message, t("js-api-key-renamed"), "success");
      },
    }));
  const revoke = actionButton(t("js-api-key-revoke"), t("js-api-key-revoke-label", { key: label }), (button) => revokeKey(key, button, label), "danger");
  actions.append(rename, revoke);
  li.append(body, actions);
  return li;
}

async function revokeKey(key, button, label) {
  if (!window.confirm(t("js-api-key-revoke-confirm", { key: label }))) return;
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/api-key/delete", { method: "POST", body: { keyId: key.id } });
  if (error) {
    button.disabled = false;
    showError(error);
    return;
  }
  await loadKeys();
  showMessage(message, t("js-api-key-revoked"), "success");
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
    li.textContent = t("js-api-key-none");
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
    if (!checkRequired(form, { name: t("js-api-key-enter-name") })) return;
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
      showMessage(message, t("js-api-key-copied"), "success");
    } catch {
      value.select();
      showMessage(message, t("js-api-key-copy-blocked"));
    }
  });
  $("api-key-done").addEventListener("click", () => {
    value.value = "";
    created.hidden = true;
    form.elements.name.focus();
  });
  loadKeys();
}
