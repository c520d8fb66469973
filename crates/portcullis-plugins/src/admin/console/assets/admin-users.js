// Admin console, "Users" (admin plugin): search (GET /admin/console/users, a page at a time),
// a user's detail (GET /admin/console/user, and /audit/list for their history while the audit
// plugin is on), and the actions, each confirmed first and sent to Better Auth's admin
// endpoints, which check the role again and record it. Server text goes through textContent.
import { api, clearMessage, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, checkRequired, fieldError, wireForm } from "./forms.js";
import { absoluteTime, describeDevice, factsList, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { sessionItem } from "./admin-sessions.js";
import { number, t } from "./i18n.js";

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
  if (!u.banned) return t("js-admin-user-active");
  return u.banExpires ? t("js-admin-user-banned-until", { time: absoluteTime(u.banExpires) }) : t("js-admin-user-banned");
}

function userItem(u) {
  const { li } = listItem(u.email, [
    [t("js-admin-user-name"), u.name || t("js-admin-user-name-not-given")],
    [t("js-admin-user-role"), u.role || "user"],
    [t("js-admin-user-status"), statusOf(u)],
    [t("js-admin-user-joined"), absoluteTime(u.createdAt)],
  ]);
  li.append(actionButton(t("js-admin-user-open"), t("js-admin-user-open-label", { email: u.email }), (button) => openUser(u.id, button), "primary"));
  return li;
}

const simpleItem = (text, pairs) => listItem(text, pairs).li;

function fillList(ul, items, empty) {
  ul.textContent = "";
  if (items.length === 0) ul.append(simpleItem(empty));
  for (const item of items) ul.append(item);
}

/** What each recorded action says in a user's history (message ids); others show as they are. */
const HISTORY_LABELS = {
  "user.sign_up": "js-admin-history-sign-up",
  "user.sign_in": "js-admin-history-sign-in",
  "user.sign_out": "js-admin-history-sign-out",
  "user.change_password": "js-admin-history-change-password",
  "user.reset_password": "js-admin-history-reset-password",
  "user.change_email": "js-admin-history-change-email",
  "admin.ban_user": "js-admin-history-ban",
  "admin.unban_user": "js-admin-history-unban",
  "admin.set_role": "js-admin-history-set-role",
  "admin.impersonate_start": "js-admin-history-impersonate-start",
  "admin.impersonate_stop": "js-admin-history-impersonate-stop",
  "admin.send_reset_link": "js-admin-history-send-reset-link",
};
const historyLabel = (action) => (Object.hasOwn(HISTORY_LABELS, action) ? t(HISTORY_LABELS[action]) : action);

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
      const label = failed && e.action === "user.sign_in" ? t("js-admin-history-sign-in-failed") : historyLabel(e.action);
      return simpleItem(failed && e.action !== "user.sign_in" ? t("js-admin-history-failed", { action: label }) : label, [
        [t("js-admin-history-when"), absoluteTime(e.createdAt)],
        [t("js-admin-history-address"), e.ipAddress || t("js-admin-not-known")],
        [t("js-admin-history-device"), describeDevice(e.userAgent)],
      ]);
    }),
    t("js-admin-history-empty"),
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
      [t("js-admin-user-email"), t(u.emailVerified ? "js-admin-user-email-verified" : "js-admin-user-email-not-verified", { email: u.email })],
      [t("js-admin-user-id"), u.id],
      [t("js-admin-user-role"), u.role || "user"],
      [t("js-admin-user-status"), statusOf(u)],
      ...(u.banned && u.banReason ? [[t("js-admin-user-ban-reason"), u.banReason]] : []),
      [t("js-admin-user-joined"), absoluteTime(u.createdAt)],
      [t("js-admin-user-password"), f.password ? t("js-admin-user-password-set") : t("js-admin-user-password-none")],
      [t("js-admin-user-two-factor"), f.twoFactor ? t("js-admin-user-two-factor-on") : t("js-admin-user-two-factor-off")],
      ...(f.passkeys === null || f.passkeys === undefined ? [] : [[t("js-admin-user-passkeys"), number(f.passkeys)]]),
    ]),
  );
  $("admin-ban").hidden = Boolean(u.banned);
  $("admin-ban-reason").closest(".field").hidden = Boolean(u.banned);
  $("admin-unban").hidden = !u.banned;
  $("admin-role").value = u.role || "";
  fillList(
    $("admin-user-sessions"),
    (data.sessions || []).map((s) => sessionItem({ ...s, userEmail: u.email }, (li) => li.remove(), message)),
    t("js-admin-sessions-empty"),
  );
  fillList(
    $("admin-user-accounts"),
    (data.accounts || []).map((a) =>
      simpleItem(a.providerId === "credential" ? t("js-admin-method-credential") : a.providerId, [
        [t("js-admin-account-id"), a.accountId],
        [t("js-admin-account-linked"), absoluteTime(a.createdAt)],
      ]),
    ),
    t("js-admin-accounts-empty"),
  );
  const orgs = data.organizations;
  $("admin-user-orgs-part").hidden = !Array.isArray(orgs);
  if (Array.isArray(orgs)) {
    fillList(
      $("admin-user-orgs"),
      orgs.map((o) => simpleItem(o.name || o.slug || o.id, [[t("js-admin-user-role"), o.role || "member"]])),
      t("js-admin-orgs-empty"),
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
      confirm: t("js-admin-ban-confirm", { email: shown.email }),
      path: "/admin/ban-user",
      body: reason ? { userId: shown.id, banReason: reason } : { userId: shown.id },
      done: t("js-admin-ban-done", { email: shown.email }),
      form: banForm,
    });
    if (ok) await refresh();
  });
  $("admin-unban").addEventListener("click", async () => {
    const ok = await act({
      confirm: t("js-admin-unban-confirm", { email: shown.email }),
      path: "/admin/unban-user",
      body: { userId: shown.id },
      done: t("js-admin-unban-done", { email: shown.email }),
    });
    if (ok) await refresh();
  });
  wireForm(roleForm, message);
  roleForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(roleForm, { role: t("js-admin-role-required") })) return;
    const roles = $("admin-role").value.split(",").map((r) => r.trim()).filter(Boolean);
    if (roles.length === 0) {
      fieldError($("admin-role"), t("js-admin-role-required"));
      return;
    }
    const ok = await act({
      confirm: t("js-admin-role-confirm", { email: shown.email, role: roles.join(", ") }),
      path: "/admin/set-role",
      body: { userId: shown.id, role: roles.length === 1 ? roles[0] : roles },
      done: t("js-admin-role-done", { email: shown.email, role: roles.join(", ") }),
      form: roleForm,
    });
    if (ok) await refresh();
  });
  $("admin-impersonate").addEventListener("click", async () => {
    const ok = await act({
      confirm: t("js-admin-impersonate-confirm", { email: shown.email }),
      path: "/admin/impersonate-user",
      body: { userId: shown.id },
    });
    if (ok) window.location.assign("/account");
  });
  $("admin-reset-link").addEventListener("click", async () => {
    await act({
      confirm: t("js-admin-reset-link-confirm", { email: shown.email }),
      path: "/admin/console/send-reset-link",
      body: { userId: shown.id },
      done: t("js-admin-reset-link-done", { email: shown.email }),
    });
  });
  $("admin-revoke-all").addEventListener("click", async () => {
    const ok = await act({
      confirm: t("js-admin-revoke-all-confirm", { email: shown.email }),
      path: "/admin/revoke-user-sessions",
      body: { userId: shown.id },
      done: t("js-admin-revoke-all-done", { email: shown.email }),
    });
    if (ok) await refresh();
  });
  $("admin-delete").addEventListener("click", async () => {
    const email = shown.email;
    const ok = await act({
      confirm: t("js-admin-delete-confirm", { email }),
      path: "/admin/remove-user",
      body: { userId: shown.id },
    });
    if (!ok) return;
    closeDetail();
    showMessage(listMessage, t("js-admin-delete-done", { email }), "success");
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
      role: $("admin-user-role-filter").value.trim() || undefined,
      limit: "25",
    }),
    item: userItem,
    empty: t("js-admin-users-empty"),
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
