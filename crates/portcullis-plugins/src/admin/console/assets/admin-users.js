// Admin console, "Users" (admin plugin): search (GET /admin/console/users, a page at a time),
// a user's detail (GET /admin/console/user, and /audit/list for their history while the audit
// plugin is on), and the actions, each confirmed first and sent to Better Auth's admin
// endpoints, which check the role again and record it. Server text goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, checkRequired, fieldError, wireForm } from "./forms.js";
import { absoluteTime, describeDevice, factsList, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { sessionItem } from "./admin-sessions.js";

const $ = (id) => document.getElementById(id);
const searchForm = $("admin-user-search-form");
const list = $("admin-users-list");
const more = $("admin-users-more");
const listMessage = $("admin-users-message");
const detail = $("admin-user-detail");
const message = $("admin-user-message");
const banForm = $("admin-ban-form");
const roleForm = $("admin-role-form");

let shown = null; // the user whose detail is open
let opener = null; // the button that opened it, to return focus to

const displayName = (u) => u.name || u.email || u.id;

function statusOf(u) {
  if (!u.banned) return "Active";
  return u.banExpires ? `Banned until ${absoluteTime(u.banExpires)}` : "Banned";
}

function userItem(u) {
  const { li } = listItem(u.email, [
    ["Name", u.name || "Not given"],
    ["Role", u.role || "user"],
    ["Status", statusOf(u)],
    ["Joined", absoluteTime(u.createdAt)],
  ]);
  li.append(actionButton("Open", `Open ${u.email}`, (button) => openUser(u.id, button), "primary"));
  return li;
}

const simpleItem = (text, pairs) => listItem(text, pairs).li;

function fillList(ul, items, empty) {
  ul.textContent = "";
  if (items.length === 0) ul.append(simpleItem(empty));
  for (const item of items) ul.append(item);
}

const HISTORY_LABELS = {
  "user.sign_up": "Account created",
  "user.sign_in": "Signed in",
  "user.sign_out": "Signed out",
  "user.change_password": "Changed their password",
  "user.reset_password": "Reset their password",
  "user.change_email": "Changed their e-mail address",
  "admin.ban_user": "Banned by an administrator",
  "admin.unban_user": "Ban lifted by an administrator",
  "admin.set_role": "Role changed by an administrator",
  "admin.impersonate_start": "An administrator signed in as them",
  "admin.impersonate_stop": "An administrator stopped signing in as them",
  "admin.send_reset_link": "Sent a reset link by an administrator",
};

async function fillHistory(userId) {
  const part = $("admin-user-history-part");
  const { data, error } = await api("/audit/list", { query: { userId, limit: "20" } });
  // Without the audit plugin there is no history to show.
  if (error) {
    part.hidden = true;
    return;
  }
  part.hidden = false;
  const events = Array.isArray(data.events) ? data.events : [];
  fillList(
    $("admin-user-history"),
    events.map((e) => {
      const failed = e.outcome === "failure";
      const label = failed && e.action === "user.sign_in" ? "Failed sign-in" : HISTORY_LABELS[e.action] || e.action;
      return simpleItem(failed && e.action !== "user.sign_in" ? `${label} (failed)` : label, [
        ["When", absoluteTime(e.createdAt)],
        ["Address", e.ipAddress || "Not known"],
        ["Device", describeDevice(e.userAgent)],
      ]);
    }),
    "Nothing recorded yet.",
  );
}

function fillDetail(data) {
  const u = data.user;
  shown = u;
  $("admin-user-title").textContent = displayName(u);
  const f = data.factors || {};
  const facts = $("admin-user-facts");
  facts.textContent = "";
  facts.append(
    factsList([
      ["E-mail", `${u.email} (${u.emailVerified ? "verified" : "not verified"})`],
      ["User id", u.id],
      ["Role", u.role || "user"],
      ["Status", statusOf(u)],
      ...(u.banned && u.banReason ? [["Ban reason", u.banReason]] : []),
      ["Joined", absoluteTime(u.createdAt)],
      ["Password", f.password ? "Set" : "None"],
      ["Two-factor", f.twoFactor ? "On" : "Off"],
      ...(f.passkeys === null || f.passkeys === undefined ? [] : [["Passkeys", String(f.passkeys)]]),
    ]),
  );
  $("admin-ban").hidden = Boolean(u.banned);
  $("admin-ban-reason").closest(".field").hidden = Boolean(u.banned);
  $("admin-unban").hidden = !u.banned;
  $("admin-role").value = u.role || "";
  fillList(
    $("admin-user-sessions"),
    (data.sessions || []).map((s) => sessionItem({ ...s, userEmail: u.email }, (li) => li.remove(), message)),
    "No live sessions.",
  );
  fillList(
    $("admin-user-accounts"),
    (data.accounts || []).map((a) =>
      simpleItem(a.providerId === "credential" ? "E-mail and password" : a.providerId, [
        ["Account id", a.accountId],
        ["Linked", absoluteTime(a.createdAt)],
      ]),
    ),
    "None.",
  );
  const orgs = data.organizations;
  $("admin-user-orgs-part").hidden = !Array.isArray(orgs);
  if (Array.isArray(orgs)) {
    fillList(
      $("admin-user-orgs"),
      orgs.map((o) => simpleItem(o.name || o.slug || o.id, [["Role", o.role || "member"]])),
      "Not a member of any organization.",
    );
  }
}

/** Opens a user's detail and moves focus to it. */
async function openUser(userId, button) {
  opener = button || opener;
  clearMessage(message);
  if (await loadUser(userId)) {
    detail.hidden = false;
    detail.focus();
  }
}

/** Fills the detail with the user as the server has them now; false if they could not be read. */
async function loadUser(userId) {
  const { data, error } = await api("/admin/console/user", { query: { userId } });
  if (error) {
    showMessage(detail.hidden ? listMessage : message, errorText(error));
    return false;
  }
  fillDetail(data);
  await fillHistory(userId);
  return true;
}

/** After an action: the detail again, keeping the action's message and the focus. */
async function refresh() {
  if (shown) await loadUser(shown.id);
}

/** Asks first, then posts; shows the outcome in the detail's message. */
async function act({ confirm, path, body, done, form }) {
  if (confirm && !window.confirm(confirm)) return false;
  if (form) setBusy(form, true);
  const { data, error } = await api(path, { method: "POST", body });
  if (form) setBusy(form, false);
  if (error) {
    showMessage(message, errorText(error));
    return false;
  }
  if (done) showMessage(message, done, "success");
  return data || true;
}

function wireActions() {
  wireForm(banForm, message);
  banForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = $("admin-ban-reason").value.trim();
    const ok = await act({
      confirm: `Ban ${shown.email}? They are signed out everywhere and cannot sign in until the ban is lifted.`,
      path: "/admin/ban-user",
      body: reason ? { userId: shown.id, banReason: reason } : { userId: shown.id },
      done: `${shown.email} is banned.`,
      form: banForm,
    });
    if (ok) await refresh();
  });
  $("admin-unban").addEventListener("click", async () => {
    const ok = await act({
      confirm: `Lift the ban on ${shown.email}? They can sign in again.`,
      path: "/admin/unban-user",
      body: { userId: shown.id },
      done: `The ban on ${shown.email} is lifted.`,
    });
    if (ok) await refresh();
  });
  wireForm(roleForm, message);
  roleForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(roleForm, { role: "Enter a role, such as user or admin." })) return;
    const roles = $("admin-role").value.split(",").map((r) => r.trim()).filter(Boolean);
    if (roles.length === 0) {
      fieldError($("admin-role"), "Enter a role, such as user or admin.");
      return;
    }
    const ok = await act({
      confirm: `Give ${shown.email} the role ${roles.join(", ")}?`,
      path: "/admin/set-role",
      body: { userId: shown.id, role: roles.length === 1 ? roles[0] : roles },
      done: `${shown.email} now has the role ${roles.join(", ")}.`,
      form: roleForm,
    });
    if (ok) await refresh();
  });
  $("admin-impersonate").addEventListener("click", async () => {
    const ok = await act({
      confirm: `Sign in as ${shown.email}? You see and do what they can until you stop; it is recorded in the audit log.`,
      path: "/admin/impersonate-user",
      body: { userId: shown.id },
    });
    if (ok) window.location.assign("/account");
  });
  $("admin-reset-link").addEventListener("click", async () => {
    await act({
      confirm: `Send ${shown.email} a link to choose a new password? Their current password keeps working until they use it.`,
      path: "/admin/console/send-reset-link",
      body: { userId: shown.id },
      done: `A reset link was sent to ${shown.email}.`,
    });
  });
  $("admin-revoke-all").addEventListener("click", async () => {
    const ok = await act({
      confirm: `Sign ${shown.email} out on every device?`,
      path: "/admin/revoke-user-sessions",
      body: { userId: shown.id },
      done: `${shown.email} is signed out everywhere.`,
    });
    if (ok) await refresh();
  });
  $("admin-delete").addEventListener("click", async () => {
    const email = shown.email;
    const ok = await act({
      confirm: `Delete ${email} for good? Their account, sessions and sign-in methods are removed. This cannot be undone.`,
      path: "/admin/remove-user",
      body: { userId: shown.id },
    });
    if (!ok) return;
    closeDetail();
    showMessage(listMessage, `${email} was deleted.`, "success");
    reload();
  });
  $("admin-user-close").addEventListener("click", closeDetail);
}

function closeDetail() {
  detail.hidden = true;
  shown = null;
  if (opener && opener.isConnected) opener.focus();
  else $("admin-user-search").focus();
}

let reload = () => {};

if (searchForm && list) {
  reload = pagedList({
    list,
    more,
    message: listMessage,
    path: "/admin/console/users",
    key: "users",
    query: () => ({
      search: $("admin-user-search").value.trim() || undefined,
      status: $("admin-user-status").value,
      limit: "25",
    }),
    item: userItem,
    empty: "No user matches. Search by the start of an e-mail address, or a user's whole id.",
  });
  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(listMessage);
    setBusy(searchForm, true);
    await reload();
    setBusy(searchForm, false);
  });
  wireActions();
  reload();
}
