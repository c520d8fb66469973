// Account page, "Accounts on this browser" (multi-session plugin): list the accounts this
// browser holds sessions for, switch to one (set-active, then reload: every section shows the
// new account), and sign one out (revoke; when it was the current one the server switches to
// another or signs the browser out). Text from the server always goes through textContent.
import { api, clearMessage, errorText, sessionOnce, showMessage } from "./api.js";
import { actionButton } from "./forms.js";

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
    badge.textContent = "In use now";
    head.append(badge);
  }
  const meta = document.createElement("p");
  meta.className = "device-meta muted";
  meta.textContent = user.email;

  const label = user.name ? `${user.name} (${user.email})` : user.email;
  const actions = document.createElement("div");
  actions.className = "form-actions";
  if (!here) {
    actions.append(actionButton("Switch", `Switch to ${label}`, (button) => switchTo(session, button, label), "primary"));
  }
  actions.append(actionButton("Sign out", `Sign out of ${label}`, (button) => signOut(session, button, label, here)));

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
      ? `The session of ${label} has ended. Use "Add another account" to sign in to it again.`
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
  showMessage(message, `Signed out of ${label}. Your other accounts stay signed in.`, "success");
}

async function load() {
  const [{ session: current }, { data, error }] = await Promise.all([
    sessionOnce(),
    api("/multi-session/list-device-sessions"),
  ]);
  if (error || !Array.isArray(data)) {
    list.replaceChildren();
    showMessage(message, error ? errorText(error) : "The accounts could not be listed. Reload the page to try again.");
    return;
  }
  const currentId = current && current.session ? current.session.id : null;
  list.replaceChildren(...data.map((entry) => accountItem(entry, currentId)));
  if (data.length <= 1) {
    const only = document.createElement("li");
    only.className = "muted";
    only.textContent = "Only this account is signed in here. Add another to switch between them.";
    list.append(only);
  }
}

load();
