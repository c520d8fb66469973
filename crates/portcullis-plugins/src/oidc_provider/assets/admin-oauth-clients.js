// Admin console, "OAuth clients" (oidc-provider plugin): the applications that sign people in
// with this server, from GET /admin/console/oauth-clients a page at a time. Each is edited
// (/oauth2/update-client: name, URIs, scopes, grant types, state, consent), given a new secret (/oauth2/client/rotate-secret) or deleted
// (/oauth2/delete-client), the last two after a confirmation; the form registers one
// (/oauth2/create-client). A secret is shown once, in the credentials panel, and cleared from
// the page when the administrator says it is stored. Text from the server always goes through
// textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, checkRequired, fieldError, saveAndCancel, showServerError, wireForm } from "./forms.js";
import { absoluteTime, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("oauth-clients");
const list = $("oauth-clients-list");
const more = $("oauth-clients-more");
const message = $("oauth-clients-message");
const form = $("oauth-client-form");
const formMessage = $("oauth-client-form-message");
const panel = $("oauth-client-credentials");
const panelMessage = $("oauth-client-credentials-message");
const shownId = $("oauth-client-credentials-id");
const shownSecret = $("oauth-client-credentials-secret");

/** The ways of authenticating whose client holds a secret the console can show and replace. */
const SECRET_METHODS = ["client_secret_basic", "client_secret_post"];

/** The grant types a client may be given, in the order the edit form offers them. */
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const GRANTS = [
  ["authorization_code", "code"],
  ["refresh_token", "refresh"],
  ["client_credentials", "credentials"],
  [DEVICE_GRANT, "device"],
];

/** Starts the list again from its first page (set once the list is wired). */
let reload = async () => {};
/** Numbers the edit forms, so their fields' ids are unique on the page. */
let editForms = 0;

/** The lines of a textarea, trimmed, blank ones left out. */
const lines = (text) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/** Space-separated scopes, tidied; null when there are none (every scope the server offers). */
function scopeOf(text) {
  const scopes = text.trim().split(/\s+/).filter(Boolean);
  return scopes.length ? scopes.join(" ") : null;
}

const nameOf = (c) => c.client_name || c.client_id;

function typeText(method) {
  switch (method) {
    case "none":
      return t("js-oidc-provider-console-type-public");
    case "client_secret_post":
      return t("js-oidc-provider-console-type-post");
    case "private_key_jwt":
      return t("js-oidc-provider-console-type-jwt");
    default:
      return t("js-oidc-provider-console-type-basic");
  }
}

function grantText(grant) {
  switch (grant) {
    case "authorization_code":
      return t("js-oidc-provider-console-grant-code");
    case "refresh_token":
      return t("js-oidc-provider-console-grant-refresh");
    case "client_credentials":
      return t("js-oidc-provider-console-grant-credentials");
    case DEVICE_GRANT:
      return t("js-oidc-provider-console-grant-device");
    default:
      return grant;
  }
}

/**
 * What the server would refuse in these grant types for a client authenticating with
 * `method`, at registration as on every edit (it checks both alike): "none" chosen, or "public"
 * (a public client cannot act for itself); null when they are fine.
 */
function grantProblem(grants, method) {
  if (grants.length === 0) return "none";
  if (method === "none" && grants.includes("client_credentials")) return "public";
  return null;
}

/** The grant types ticked in a form. */
const grantsOf = (f) => [...f.querySelectorAll("input[name=grantTypes]:checked")].map((input) => input.value);

/** The scopes a client may ask for: absent means every scope offered, empty means none. */
function scopesText(scope) {
  if (typeof scope !== "string") return t("js-oidc-provider-console-scopes-all");
  return scope || t("js-oidc-provider-console-scopes-none");
}

/**
 * Where the server's refusal of a redirect URI goes: at the redirect URIs when those are the
 * only URIs sent; with post-logout URIs too, it may be about either, so in the form's message.
 */
function uriErrors(f) {
  return f.elements.postLogoutRedirectUris.value.trim() ? {} : { INVALID_REDIRECT_URI: "redirectUris" };
}

/** A labelled text field (a textarea when `multiline`) with its hint and error line. */
function textField(id, name, label, { value = "", hint = "", multiline = false, required = false, uris = false } = {}) {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const lab = document.createElement("label");
  lab.htmlFor = id;
  lab.textContent = label;
  const input = document.createElement(multiline ? "textarea" : "input");
  if (multiline) {
    input.rows = Math.max(2, value.split("\n").length);
  } else {
    input.type = "text";
  }
  input.id = id;
  input.name = name;
  input.value = value;
  input.required = required;
  input.setAttribute("autocomplete", "off");
  if (uris) {
    input.spellcheck = false;
    input.setAttribute("autocapitalize", "none");
  }
  wrap.append(lab, input);
  const described = [];
  if (hint) {
    const p = document.createElement("p");
    p.id = `${id}-hint`;
    p.className = "hint";
    p.textContent = hint;
    wrap.append(p);
    described.push(p.id);
  }
  const error = document.createElement("p");
  error.id = `${id}-error`;
  error.className = "field-error";
  error.setAttribute("aria-live", "polite");
  wrap.append(error);
  described.push(error.id);
  input.setAttribute("aria-describedby", described.join(" "));
  return wrap;
}

/** A labelled checkbox with an optional hint. */
function checkField(id, name, label, checked, hint = "") {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const row = document.createElement("div");
  row.className = "field field--check";
  const input = document.createElement("input");
  input.type = "checkbox";
  input.id = id;
  input.name = name;
  input.checked = checked;
  const lab = document.createElement("label");
  lab.htmlFor = id;
  lab.textContent = label;
  row.append(input, lab);
  wrap.append(row);
  if (hint) {
    const p = document.createElement("p");
    p.id = `${id}-hint`;
    p.className = "hint";
    p.textContent = hint;
    input.setAttribute("aria-describedby", p.id);
    wrap.append(p);
  }
  return wrap;
}

/** The edit form's grant types: a checkbox each, ticked as the client has them. */
function grantsField(id, chosen) {
  const fieldset = document.createElement("fieldset");
  fieldset.className = "field";
  const legend = document.createElement("legend");
  legend.textContent = t("js-oidc-provider-console-grant-types");
  fieldset.append(legend);
  for (const [grant, suffix] of GRANTS) {
    const row = document.createElement("div");
    row.className = "field field--check";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.id = `${id}-grant-${suffix}`;
    input.name = "grantTypes";
    input.value = grant;
    input.checked = chosen.includes(grant);
    const lab = document.createElement("label");
    lab.htmlFor = input.id;
    lab.textContent = grantText(grant);
    row.append(input, lab);
    fieldset.append(row);
  }
  const hint = document.createElement("p");
  hint.id = `${id}-grants-hint`;
  hint.className = "hint";
  hint.textContent = t("js-oidc-provider-console-grant-types-hint");
  // Where fieldError puts a problem with the grant types: the first checkbox's error line.
  const error = document.createElement("p");
  error.id = `${id}-grant-code-error`;
  error.className = "field-error";
  error.setAttribute("aria-live", "polite");
  fieldset.append(hint, error);
  fieldset.setAttribute("aria-describedby", `${hint.id} ${error.id}`);
  return fieldset;
}

/** Shows a client's id and, when it has one, its secret: the only time the secret is shown. */
function showCredentials(c, what) {
  clearMessage(panelMessage);
  $("oauth-client-credentials-what").textContent = what;
  shownId.value = c.client_id;
  const secret = typeof c.client_secret === "string" ? c.client_secret : "";
  shownSecret.value = secret;
  $("oauth-client-credentials-secret-part").hidden = !secret;
  panel.hidden = false;
  panel.focus();
}

/** Takes the credentials off the page. */
function hideCredentials() {
  shownId.value = "";
  shownSecret.value = "";
  clearMessage(panelMessage);
  panel.hidden = true;
}

async function copy(input, copied) {
  try {
    await navigator.clipboard.writeText(input.value);
    showMessage(panelMessage, copied, "success");
  } catch {
    input.focus();
    input.select();
    showMessage(panelMessage, t("js-oidc-provider-console-copy-blocked"));
  }
}

/** A client as a list item: what it is, and its actions. */
function clientItem(c) {
  const name = nameOf(c);
  const pairs = [
    [t("js-oidc-provider-console-client-id"), c.client_id],
    [t("js-oidc-provider-console-type"), typeText(c.token_endpoint_auth_method)],
    [t("js-oidc-provider-console-redirect-uris"), (c.redirect_uris || []).join(", ")],
  ];
  if (Array.isArray(c.post_logout_redirect_uris) && c.post_logout_redirect_uris.length) {
    pairs.push([t("js-oidc-provider-console-logout-uris"), c.post_logout_redirect_uris.join(", ")]);
  }
  pairs.push(
    [t("js-oidc-provider-console-grant-types"), (c.grant_types || []).map(grantText).join(", ")],
    [t("js-oidc-provider-console-scopes"), scopesText(c.scope)],
  );
  if (c.skip_consent) pairs.push([t("js-oidc-provider-console-consent"), t("js-oidc-provider-console-consent-skipped")]);
  pairs.push(
    [t("js-oidc-provider-console-created"), absoluteTime(c.client_id_issued_at ? c.client_id_issued_at * 1000 : null)],
    [t("js-oidc-provider-console-state"), c.disabled ? t("js-oidc-provider-console-state-disabled") : t("js-oidc-provider-console-state-active")],
  );
  const title = c.disabled ? t("js-oidc-provider-console-title-disabled", { name }) : name;
  const { li, body } = listItem(title, pairs);
  const actions = document.createElement("div");
  actions.className = "form-actions";
  actions.append(actionButton(t("js-oidc-provider-console-edit"), t("js-oidc-provider-console-edit-label", { name }), (button) => editForm(li, c, button)));
  if (SECRET_METHODS.includes(c.token_endpoint_auth_method)) {
    actions.append(actionButton(t("js-oidc-provider-console-rotate"), t("js-oidc-provider-console-rotate-label", { name }), (button) => rotate(c, button)));
  }
  actions.append(actionButton(t("js-oidc-provider-console-delete"), t("js-oidc-provider-console-delete-label", { name }), (button) => remove(c, li, button), "danger"));
  body.append(actions);
  return li;
}

/** The edit form, inside the client's item; opening it twice only moves the focus to it. */
function editForm(li, c, opener) {
  const open = li.querySelector("form");
  if (open) {
    open.elements.name.focus();
    return;
  }
  editForms += 1;
  const id = `oauth-client-edit-${editForms}`;
  const name = nameOf(c);
  const f = document.createElement("form");
  f.className = "form";
  f.noValidate = true;
  f.setAttribute("aria-label", t("js-oidc-provider-console-edit-label", { name }));
  const formMessageEl = document.createElement("div");
  formMessageEl.className = "message";
  formMessageEl.setAttribute("role", "status");
  const perLine = t("js-oidc-provider-console-one-per-line");
  const buttons = saveAndCancel(f, opener, {
    save: t("js-oidc-provider-console-save"),
    saving: t("js-oidc-provider-console-saving"),
    cancel: t("js-oidc-provider-console-cancel"),
  });
  f.append(
    formMessageEl,
    textField(`${id}-name`, "name", t("js-oidc-provider-console-name"), { value: c.client_name || "", required: true }),
    textField(`${id}-redirect-uris`, "redirectUris", t("js-oidc-provider-console-redirect-uris"), {
      value: (c.redirect_uris || []).join("\n"),
      hint: perLine,
      multiline: true,
      required: true,
      uris: true,
    }),
    textField(`${id}-logout-uris`, "postLogoutRedirectUris", t("js-oidc-provider-console-logout-uris"), {
      value: (c.post_logout_redirect_uris || []).join("\n"),
      hint: perLine,
      multiline: true,
      uris: true,
    }),
    textField(`${id}-scopes`, "scope", t("js-oidc-provider-console-scopes"), {
      value: typeof c.scope === "string" ? c.scope : "",
      hint: t("js-oidc-provider-console-scopes-hint"),
      uris: true,
    }),
    grantsField(id, c.grant_types || []),
    checkField(`${id}-disabled`, "disabled", t("js-oidc-provider-console-disable"), c.disabled === true, t("js-oidc-provider-console-disable-hint")),
    checkField(`${id}-skip-consent`, "skipConsent", t("js-oidc-provider-console-skip-consent"), c.skip_consent === true, t("js-oidc-provider-console-skip-consent-hint")),
    buttons,
  );
  wireForm(f, formMessageEl);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(f, { name: t("js-oidc-provider-console-enter-name"), redirectUris: t("js-oidc-provider-console-enter-redirect") })) return;
    const grants = grantsOf(f);
    const problem = grantProblem(grants, c.token_endpoint_auth_method);
    if (problem) {
      const first = $(`${id}-grant-code`);
      if (problem === "none") {
        fieldError(first, t("js-oidc-provider-console-choose-grant"));
        first.focus();
      } else {
        const credentials = $(`${id}-grant-credentials`);
        fieldError(first, t("js-oidc-provider-console-public-no-credentials-edit"));
        fieldError(credentials, t("js-oidc-provider-console-public-no-credentials-edit"));
        credentials.focus();
      }
      return;
    }
    const update = {
      client_name: f.elements.name.value.trim(),
      redirect_uris: lines(f.elements.redirectUris.value),
      post_logout_redirect_uris: lines(f.elements.postLogoutRedirectUris.value),
      scope: scopeOf(f.elements.scope.value),
      grant_types: grants,
      disabled: f.elements.disabled.checked,
      skip_consent: f.elements.skipConsent.checked,
    };
    setBusy(f, true);
    const { data, error } = await api("/oauth2/update-client", { method: "POST", body: { client_id: c.client_id, update } });
    setBusy(f, false);
    if (error) {
      showServerError(f, formMessageEl, error, uriErrors(f));
      return;
    }
    const saved = clientItem(data);
    li.replaceWith(saved);
    showMessage(message, t("js-oidc-provider-console-saved", { name: nameOf(data) }), "success");
    saved.querySelector("button").focus();
  });
  li.querySelector(".device-body").append(f);
  f.elements.name.focus();
}

async function rotate(c, button) {
  const name = nameOf(c);
  if (!window.confirm(t("js-oidc-provider-console-rotate-confirm", { name }))) return;
  clearMessage(message);
  button.disabled = true;
  const { data, error } = await api("/oauth2/client/rotate-secret", { method: "POST", body: { client_id: c.client_id } });
  button.disabled = false;
  if (error) {
    showMessage(message, errorText(error));
    return;
  }
  showCredentials(data, t("js-oidc-provider-console-rotated", { name }));
}

async function remove(c, li, button) {
  const name = nameOf(c);
  if (!window.confirm(t("js-oidc-provider-console-delete-confirm", { name }))) return;
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/oauth2/delete-client", { method: "POST", body: { client_id: c.client_id } });
  if (error) {
    button.disabled = false;
    showMessage(message, errorText(error));
    return;
  }
  if (shownId.value === c.client_id) hideCredentials();
  // Keyboard users go on from the next client (or the one before); else from the list.
  const neighbour = li.nextElementSibling || li.previousElementSibling;
  li.remove();
  if (!list.querySelector("li.device")) await reload();
  showMessage(message, t("js-oidc-provider-console-deleted", { name }), "success");
  const next = neighbour && neighbour.isConnected ? neighbour.querySelector("button") : null;
  if (next) {
    next.focus();
  } else {
    list.tabIndex = -1;
    list.focus();
  }
}

async function register(event) {
  event.preventDefault();
  if (!checkRequired(form, { name: t("js-oidc-provider-console-enter-name"), redirectUris: t("js-oidc-provider-console-enter-redirect") })) return;
  const method = form.elements.authMethod.value;
  const grants = grantsOf(form);
  const problem = grantProblem(grants, method);
  if (problem === "none") {
    const first = $("oauth-client-grant-code");
    fieldError(first, t("js-oidc-provider-console-choose-grant"));
    first.focus();
    return;
  }
  if (problem === "public") {
    fieldError(form.elements.authMethod, t("js-oidc-provider-console-public-no-credentials"));
    form.elements.authMethod.focus();
    return;
  }
  const body = {
    client_name: form.elements.name.value.trim(),
    redirect_uris: lines(form.elements.redirectUris.value),
    token_endpoint_auth_method: method,
    grant_types: grants,
    skip_consent: form.elements.skipConsent.checked,
  };
  const logout = lines(form.elements.postLogoutRedirectUris.value);
  if (logout.length) body.post_logout_redirect_uris = logout;
  const scope = scopeOf(form.elements.scope.value);
  if (scope) body.scope = scope;
  setBusy(form, true);
  const { data, error } = await api("/oauth2/create-client", { method: "POST", body });
  setBusy(form, false);
  if (error) {
    showServerError(form, formMessage, error, uriErrors(form));
    return;
  }
  form.reset();
  const name = nameOf(data);
  showCredentials(
    data,
    typeof data.client_secret === "string"
      ? t("js-oidc-provider-console-registered", { name })
      : t("js-oidc-provider-console-registered-public", { name }),
  );
  await reload();
}

if (section && list && form && panel) {
  reload = pagedList({
    list,
    more,
    message,
    path: "/admin/console/oauth-clients",
    key: "clients",
    query: () => ({ limit: "25" }),
    item: clientItem,
    empty: t("js-oidc-provider-console-empty"),
  });
  wireForm(form, formMessage);
  form.addEventListener("submit", register);
  $("oauth-client-copy-id").addEventListener("click", () => copy(shownId, t("js-oidc-provider-console-id-copied")));
  $("oauth-client-copy-secret").addEventListener("click", () => copy(shownSecret, t("js-oidc-provider-console-secret-copied")));
  $("oauth-client-credentials-done").addEventListener("click", () => {
    hideCredentials();
    form.elements.name.focus();
  });
  reload();
}
