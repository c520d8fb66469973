// Account page, "Accounts on this browser" (multi-session plugin): list the accounts this
// browser holds sessions for, switch to one (set-active, then reload: every section shows the
// new account), and sign one out (revoke; when it was the current one the server switches to
// another or signs the browser out). Text from the server always goes through textContent.
import { api, clearMessage, errorText, sessionOnce, showMessage } from "./api.js";
import { actionButton } from "./forms.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const message = $("accounts-message");
const list = $("accounts-list");

function accountItem({ session, user }, currentId) {
  const here = session.id === currentId;
  const li = document.createElement("li");
  li.className = here ? "device is-current" : "device";

  const head = document.createElement("div");
  head.className = "device-head";
  const name = document.createElement("p");
  name.className = "device-name";
  name.textContent = user.name || user.email;
  head.append(name);
  if (here) {
    const badge = document.createElement("span");
    badge.className = "badge badge--primary";
    badge.textContent = t("js-multi-session-in-use");
    head.append(badge);
  }
  const meta = document.createElement("p");
  meta.className = "device-meta muted";
  meta.textContent = user.email;

  const label = user.name ? t("js-multi-session-account", { name: user.name, email: user.email }) : user.email;
  const actions = document.createElement("div");
  actions.className = "form-actions";
  if (!here) {
    actions.append(actionButton(t("js-multi-session-switch"), t("js-multi-session-switch-to", { account: label }), (button) => switchTo(session, button, label), "primary"));
  }
  actions.append(actionButton(t("js-multi-session-sign-out"), t("js-multi-session-sign-out-of", { account: label }), (button) => signOut(session, button, label, here)));

  li.append(head, meta, actions);
  return li;
}

async function switchTo(session, button, label) {
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/multi-session/set-active", {
    method: "POST",
    body: { sessionToken: session.token },
  });
  if (error) {
    button.disabled = false;
    showMessage(message, error.status === 401
      ? t("js-multi-session-ended", { account: label })
      : errorText(error));
    return;
  }
  window.location.reload();
}

async function signOut(session, button, label, here) {
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/multi-session/revoke", {
    method: "POST",
    body: { sessionToken: session.token },
  });
  if (error) {
    button.disabled = false;
    showMessage(message, errorText(error));
    return;
  }
  if (here) {
    // The browser now uses another account, or none: every section must follow.
    window.location.reload();
    return;
  }
  await load();
  showMessage(message, t("js-multi-session-signed-out", { account: label }), "success");
}

async function load() {
  const [{ session: current }, { data, error }] = await Promise.all([
    sessionOnce(),
    api("/multi-session/list-device-sessions"),
  ]);
  if (error || !Array.isArray(data)) {
    list.replaceChildren();
    showMessage(message, error ? errorText(error) : t("js-multi-session-list-failed"));
    return;
  }
  const currentId = current && current.session ? current.session.id : null;
  list.replaceChildren(...data.map((entry) => accountItem(entry, currentId)));
  if (data.length <= 1) {
    const only = document.createElement("li");
    only.className = "muted";
    only.textContent = t("js-multi-session-only-one");
    list.append(only);
  }
}

load();
