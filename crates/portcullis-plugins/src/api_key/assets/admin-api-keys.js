// Admin console, "API keys" (api-key plugin, with the admin plugin): every user's keys from
// GET /admin/console/api-keys with the form's filters, newest first, a page at a time; each
// turned off or on (/admin/console/api-keys/set-enabled) or, once confirmed, deleted
// (/admin/console/api-keys/delete). Both are audited by the server. Text from the server always
// goes through textContent.
import { api, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, wireForm } from "./forms.js";
import { absoluteTime, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { number, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const form = $("api-key-console-filter-form");
const list = $("api-key-console-list");
const more = $("api-key-console-more");
const message = $("api-key-console-message");

/** What each state says (message ids). */
const STATES = {
  enabled: "js-api-key-console-state-enabled",
  disabled: "js-api-key-console-state-disabled",
  expired: "js-api-key-console-state-expired",
};

/** The form's filters as query values; the owner is an address or a user id (the server tells). */
function filters() {
  const q = { limit: "25" };
  const owner = $("api-key-console-owner").value.trim();
  if (owner) q.userId = owner;
  const search = $("api-key-console-search").value.trim();
  if (search) q.q = search;
  const state = $("api-key-console-state").value;
  if (state) q.state = state;
  return q;
}

/** How a key is named in buttons and messages: its name, else its first characters. */
function keyLabel(key) {
  if (key.name) return key.name;
  if (key.start) return t("js-api-key-console-start-value", { start: key.start });
  return t("js-api-key-console-this-key");
}

/** One key as a list item, with its actions; `replace(li, key)` shows it changed. */
function keyItem(key) {
  const owner = key.userEmail || key.userId;
  const { li } = listItem(key.name || t("js-api-key-console-unnamed"), [
    [t("js-api-key-console-starts-with"), key.start ? t("js-api-key-console-start-value", { start: key.start }) : t("js-api-key-console-start-not-stored")],
    [t("js-api-key-console-owner"), owner],
    [t("js-api-key-console-state"), Object.hasOwn(STATES, key.state) ? t(STATES[key.state]) : key.state],
    [t("js-api-key-console-created"), absoluteTime(key.createdAt, t("js-api-key-console-not-known"))],
    [t("js-api-key-console-expires"), absoluteTime(key.expiresAt, t("js-api-key-console-never"))],
    [t("js-api-key-console-last-used"), absoluteTime(key.lastRequest, t("js-api-key-console-not-yet"))],
    [t("js-api-key-console-requests"), number(key.requestCount || 0)],
  ]);
  const names = { key: keyLabel(key), owner };
  const actions = document.createElement("div");
  actions.className = "form-actions";
  const toggle = key.enabled
    ? actionButton(t("js-api-key-console-turn-off"), t("js-api-key-console-turn-off-label", names), (button) => setEnabled(key, false, li, button))
    : actionButton(t("js-api-key-console-turn-on"), t("js-api-key-console-turn-on-label", names), (button) => setEnabled(key, true, li, button));
  toggle.dataset.action = "toggle";
  const remove = actionButton(t("js-api-key-console-delete"), t("js-api-key-console-delete-label", names), (button) => deleteKey(key, li, button), "danger");
  actions.append(toggle, remove);
  li.append(actions);
  return li;
}

async function setEnabled(key, enabled, li, button) {
  button.disabled = true;
  const { data, error } = await api("/admin/console/api-keys/set-enabled", { method: "POST", body: { keyId: key.id, enabled } });
  if (error) {
    button.disabled = false;
    showMessage(message, errorText(error));
    return;
  }
  const changed = keyItem(data);
  li.replaceWith(changed);
  // Keyboard users stay where they were: on the button that now does the opposite.
  changed.querySelector("button[data-action=toggle]").focus();
  const names = { key: keyLabel(data), owner: data.userEmail || data.userId };
  showMessage(message, t(enabled ? "js-api-key-console-turned-on" : "js-api-key-console-turned-off", names), "success");
}

async function deleteKey(key, li, button) {
  const names = { key: keyLabel(key), owner: key.userEmail || key.userId };
  if (!window.confirm(t("js-api-key-console-delete-confirm", names))) return;
  button.disabled = true;
  const { error } = await api("/admin/console/api-keys/delete", { method: "POST", body: { keyId: key.id } });
  if (error) {
    button.disabled = false;
    showMessage(message, errorText(error));
    return;
  }
  // Focus moves to a neighbour's first button, or back to the filters when none is left.
  const neighbour = li.nextElementSibling || li.previousElementSibling;
  li.remove();
  const next = (neighbour && neighbour.querySelector("button")) || form.querySelector("button[type=submit]");
  if (!list.querySelector("li.device") && more.hidden) {
    const empty = document.createElement("li");
    empty.className = "muted";
    empty.textContent = t("js-api-key-console-empty");
    list.append(empty);
  }
  showMessage(message, t("js-api-key-console-deleted", names), "success");
  next.focus();
}

if (form && list && more) {
  const reload = pagedList({
    list,
    more,
    message,
    path: "/admin/console/api-keys",
    key: "apiKeys",
    query: filters,
    item: keyItem,
    empty: t("js-api-key-console-empty"),
  });
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setBusy(form, true);
    await reload();
    setBusy(form, false);
  });
  reload();
}
