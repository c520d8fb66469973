// Admin console, "Webhooks" (webhooks plugin): the endpoints from GET /webhooks/list-endpoints,
// each turned on or off, changed (/webhooks/update-endpoint) or deleted after a confirmation
// (/webhooks/delete-endpoint); those of the configuration file are changed there. A new
// endpoint (/webhooks/create-endpoint) answers its signing secret once, shown until "Done".
// The delivery log (GET /webhooks/list-deliveries) is filtered by endpoint and status, a page
// at a time, and "Send again" queues a delivery anew (/webhooks/redeliver). Text from the
// server always goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, checkRequired, fieldError, saveAndCancel, showServerError, wireForm } from "./forms.js";
import { absoluteTime, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { number, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("webhooks");
const message = $("webhooks-message");
const endpointList = $("webhooks-endpoints");
const addForm = $("webhooks-add-form");
const created = $("webhooks-created");
const secret = $("webhooks-secret");
const logForm = $("webhooks-log-form");
const logList = $("webhooks-log-list");
const logMore = $("webhooks-log-more");
const logMessage = $("webhooks-log-message");
const endpointFilter = $("webhooks-log-endpoint");
const statusFilter = $("webhooks-log-status");

/** The endpoints as last listed, by id: the log names each delivery's endpoint by its URL. */
let endpointsById = new Map();

/** A delivery's status in words (message ids). */
const STATUS = {
  pending: "js-webhooks-console-status-pending",
  delivered: "js-webhooks-console-status-delivered",
  failed: "js-webhooks-console-status-failed",
};

/** The server's fixed reasons for a delivery that was not sent (message ids). */
const REASONS = {
  "the endpoint was deleted": "js-webhooks-console-reason-deleted",
  "the endpoint no longer exists": "js-webhooks-console-reason-deleted",
};

/** Events as typed, "user.*, admin.ban_user" or "user.* admin.ban_user", as a list. */
function eventList(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Whether `text` is an absolute http(s) address (the server checks again). */
function httpAddress(text) {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * Checks an endpoint form's fields (`url`, `events`, `description`), showing each problem at
 * its field and focusing the first; answers the request body, or null.
 */
function endpointBody(form) {
  if (!checkRequired(form, { url: t("js-webhooks-console-enter-url"), events: t("js-webhooks-console-enter-events") })) return null;
  const url = form.elements.namedItem("url");
  const events = form.elements.namedItem("events");
  let first = null;
  if (!httpAddress(url.value.trim())) {
    fieldError(url, t("js-webhooks-console-url-invalid"));
    first = url;
  }
  const list = eventList(events.value);
  if (list.some((e) => e.length > 100 || !/^[A-Za-z0-9._*]+$/.test(e))) {
    fieldError(events, t("js-webhooks-console-events-invalid"));
    first = first || events;
  }
  if (first) {
    first.focus();
    return null;
  }
  return { url: url.value.trim(), events: list, description: form.elements.namedItem("description").value.trim() };
}

/** A labelled text field for a form built here, with its error line. */
function textField(id, name, label, value, type = "text") {
  const field = document.createElement("div");
  field.className = "field";
  const lab = document.createElement("label");
  lab.htmlFor = id;
  lab.textContent = label;
  const input = document.createElement("input");
  input.id = id;
  input.name = name;
  input.type = type;
  input.autocomplete = "off";
  input.spellcheck = false;
  input.value = value || "";
  input.setAttribute("aria-describedby", `${id}-error`);
  const error = document.createElement("p");
  error.id = `${id}-error`;
  error.className = "field-error";
  error.setAttribute("aria-live", "polite");
  field.append(lab, input, error);
  return field;
}

/** Sequence for the ids of edit forms (an endpoint's id is not ours to put in markup). */
let editForms = 0;

/** The inline "Edit" form of endpoint `e` inside its item; Cancel goes back to `opener`. */
function editForm(li, body, e, opener) {
  if (li.querySelector("form")) return;
  const prefix = `webhooks-edit-${++editForms}`;
  const f = document.createElement("form");
  f.className = "form";
  f.noValidate = true;
  f.setAttribute("aria-label", t("js-webhooks-console-edit-label", { url: e.url }));
  f.append(
    textField(`${prefix}-url`, "url", t("js-webhooks-console-url"), e.url, "url"),
    textField(`${prefix}-events`, "events", t("js-webhooks-console-events"), (e.events || []).join(", ")),
    textField(`${prefix}-description`, "description", t("js-webhooks-console-description"), e.description),
  );
  f.append(
    saveAndCancel(f, opener, {
      save: t("js-webhooks-console-save"),
      saving: t("js-webhooks-console-saving"),
      cancel: t("js-webhooks-console-cancel"),
    }),
  );
  wireForm(f, message);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    const fields = endpointBody(f);
    if (!fields) return;
    setBusy(f, true);
    const { error } = await api("/webhooks/update-endpoint", { method: "POST", body: { id: e.id, ...fields } });
    setBusy(f, false);
    if (error) {
      showServerError(f, message, error);
      return;
    }
    showMessage(message, t("js-webhooks-console-saved", { url: fields.url }), "success");
    await loadEndpoints({ id: e.id, action: "edit" });
  });
  body.append(f);
  f.querySelector("input").focus();
}

/** Endpoint `e` as a list item: what it is, and its actions (or why it has none). */
function endpointItem(e) {
  const events = (e.events || []).join(", ");
  const { li, body } = listItem(e.url, [
    [t("js-webhooks-console-events"), events],
    [t("js-webhooks-console-description"), e.description || "—"],
    [t("js-webhooks-console-state"), t(e.enabled ? "js-webhooks-console-on" : "js-webhooks-console-off")],
    [t("js-webhooks-console-source"), t(e.source === "config" ? "js-webhooks-console-source-config" : "js-webhooks-console-source-api")],
  ]);
  li.dataset.endpointId = e.id;
  if (e.source === "config") {
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = t("js-webhooks-console-config-note");
    body.append(note);
    return li;
  }
  const actions = document.createElement("div");
  actions.className = "form-actions";
  const toggle = actionButton(
    t(e.enabled ? "js-webhooks-console-turn-off" : "js-webhooks-console-turn-on"),
    t(e.enabled ? "js-webhooks-console-turn-off-label" : "js-webhooks-console-turn-on-label", { url: e.url }),
    async (button) => {
      clearMessage(message);
      button.disabled = true;
      const { error } = await api("/webhooks/update-endpoint", { method: "POST", body: { id: e.id, enabled: !e.enabled } });
      if (error) {
        button.disabled = false;
        showMessage(message, errorText(error));
        return;
      }
      showMessage(message, t(e.enabled ? "js-webhooks-console-turned-off" : "js-webhooks-console-turned-on", { url: e.url }), "success");
      await loadEndpoints({ id: e.id, action: "toggle" });
    },
  );
  toggle.dataset.action = "toggle";
  const edit = actionButton(t("js-webhooks-console-edit"), t("js-webhooks-console-edit-label", { url: e.url }), (button) =>
    editForm(li, body, e, button),
  );
  edit.dataset.action = "edit";
  const remove = actionButton(
    t("js-webhooks-console-delete"),
    t("js-webhooks-console-delete-label", { url: e.url }),
    async (button) => {
      if (!window.confirm(t("js-webhooks-console-delete-confirm", { url: e.url }))) return;
      clearMessage(message);
      button.disabled = true;
      const { error } = await api("/webhooks/delete-endpoint", { method: "POST", body: { id: e.id } });
      if (error) {
        button.disabled = false;
        showMessage(message, errorText(error));
        return;
      }
      showMessage(message, t("js-webhooks-console-deleted", { url: e.url }), "success");
      await loadEndpoints();
      $("webhooks-endpoints-title").focus();
      reloadLog();
    },
    "danger",
  );
  actions.append(toggle, edit, remove);
  li.append(actions);
  return li;
}

/** The endpoint filter's choices: every endpoint by its URL, keeping the one chosen. */
function fillEndpointFilter(endpoints) {
  const chosen = endpointFilter.value;
  const any = endpointFilter.options[0];
  const options = endpoints.map((e) => {
    const option = document.createElement("option");
    option.value = e.id;
    option.textContent = e.url;
    return option;
  });
  endpointFilter.replaceChildren(any, ...options);
  endpointFilter.value = endpoints.some((e) => e.id === chosen) ? chosen : "";
}

/**
 * Lists the endpoints again; `focus` ({id, action}) puts the focus back on that endpoint's
 * button after the list is rebuilt, so a keyboard user stays where they were.
 */
async function loadEndpoints(focus) {
  endpointList.setAttribute("aria-busy", "true");
  const { data, error } = await api("/webhooks/list-endpoints");
  endpointList.setAttribute("aria-busy", "false");
  if (error) {
    endpointList.textContent = "";
    showMessage(message, errorText(error));
    return;
  }
  const endpoints = data && Array.isArray(data.endpoints) ? data.endpoints : [];
  endpointsById = new Map(endpoints.map((e) => [e.id, e]));
  fillEndpointFilter(endpoints);
  if (endpoints.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = t("js-webhooks-console-no-endpoints");
    endpointList.replaceChildren(li);
    return;
  }
  endpointList.replaceChildren(...endpoints.map(endpointItem));
  if (focus) {
    const li = [...endpointList.children].find((item) => item.dataset.endpointId === focus.id);
    const button = li && li.querySelector(`button[data-action="${focus.action}"]`);
    if (button) button.focus();
  }
}

/** What the receiver last answered, or why nothing was. */
function lastAnswer(d) {
  if (d.lastStatusCode !== null && d.lastStatusCode !== undefined) {
    return t("js-webhooks-console-answer-status", { status: d.lastStatusCode });
  }
  if (d.lastError) return Object.hasOwn(REASONS, d.lastError) ? t(REASONS[d.lastError]) : d.lastError;
  return t("js-webhooks-console-answer-none");
}

/** Delivery `d` of the log as a list item, with "Send again". */
function deliveryItem(d) {
  const endpoint = endpointsById.get(d.endpointId);
  const where = endpoint ? endpoint.url : t("js-webhooks-console-endpoint-gone", { id: d.endpointId });
  const status = Object.hasOwn(STATUS, d.status) ? t(STATUS[d.status]) : d.status;
  const pairs = [
    [t("js-webhooks-console-endpoint"), where],
    [t("js-webhooks-console-status"), status],
    [t("js-webhooks-console-attempts"), number(d.attempts || 0)],
    [t("js-webhooks-console-last-answer"), lastAnswer(d)],
    [t("js-webhooks-console-queued"), absoluteTime(d.createdAt)],
  ];
  if (d.status === "delivered") pairs.push([t("js-webhooks-console-delivered-at"), absoluteTime(d.deliveredAt)]);
  if (d.status === "pending") pairs.push([t("js-webhooks-console-next-attempt"), absoluteTime(d.nextAttemptAt)]);
  pairs.push([t("js-webhooks-console-message-id"), d.id]);
  const { li } = listItem(d.eventType, pairs);
  const again = actionButton(
    t("js-webhooks-console-send-again"),
    t("js-webhooks-console-send-again-label", { event: d.eventType, url: where }),
    async (button) => {
      clearMessage(logMessage);
      button.disabled = true;
      const { error } = await api("/webhooks/redeliver", { method: "POST", body: { deliveryId: d.id } });
      button.disabled = false;
      if (error) {
        showMessage(logMessage, errorText(error));
        return;
      }
      showMessage(logMessage, t("js-webhooks-console-sent-again", { event: d.eventType }), "success");
      // Queued anew, it is now the newest: the list starts again with it at the top.
      await reloadLog();
      const top = logList.querySelector("li.device button");
      if (top) top.focus();
    },
  );
  li.append(again);
  return li;
}

let reloadLog = async () => null;

if (section && addForm && logForm) {
  reloadLog = pagedList({
    list: logList,
    more: logMore,
    message: logMessage,
    path: "/webhooks/list-deliveries",
    key: "deliveries",
    query: () => ({ endpointId: endpointFilter.value || undefined, status: statusFilter.value || undefined, limit: "25" }),
    item: deliveryItem,
    empty: t("js-webhooks-console-log-empty"),
  });

  wireForm(addForm, message);
  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    const fields = endpointBody(addForm);
    if (!fields) return;
    const body = { url: fields.url, events: fields.events };
    if (fields.description) body.description = fields.description;
    setBusy(addForm, true);
    const { data, error } = await api("/webhooks/create-endpoint", { method: "POST", body });
    setBusy(addForm, false);
    if (error) {
      showServerError(addForm, message, error);
      return;
    }
    addForm.reset();
    $("webhooks-created-for").textContent = t("js-webhooks-console-secret-for", { url: data.endpoint.url });
    secret.value = data.secret;
    created.hidden = false;
    created.focus();
    await loadEndpoints();
  });

  $("webhooks-secret-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret.value);
      showMessage(message, t("js-webhooks-console-secret-copied"), "success");
    } catch {
      secret.select();
      showMessage(message, t("js-webhooks-console-secret-copy-blocked"));
    }
  });
  $("webhooks-secret-done").addEventListener("click", () => {
    secret.value = "";
    $("webhooks-created-for").textContent = "";
    created.hidden = true;
    clearMessage(message);
    addForm.elements.namedItem("url").focus();
  });

  wireForm(logForm, logMessage);
  logForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setBusy(logForm, true);
    await reloadLog();
    setBusy(logForm, false);
  });

  // The log names endpoints by URL: list them first.
  loadEndpoints().then(() => reloadLog());
}
