// Admin console, "Sessions" (admin plugin): live sessions across users from
// GET /admin/console/sessions, a page at a time, each ended with /admin/revoke-user-session
// after a confirmation; filtered by user (address or id) and by impersonation. Text from the
// server always goes through textContent.
import { api, errorText, setBusy, showMessage } from "./api.js";
import { actionButton, wireForm } from "./forms.js";
import { absoluteTime, describeDevice, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const list = $("admin-sessions-list");
const more = $("admin-sessions-more");
const message = $("admin-sessions-message");

/** One session as a list item; `onEnded` runs once it has been revoked. */
export function sessionItem(s, onEnded, messageEl) {
  const pairs = [
    [t("js-admin-session-signed-in"), absoluteTime(s.createdAt)],
    [t("js-admin-session-expires"), absoluteTime(s.expiresAt)],
    [t("js-admin-session-address"), s.ipAddress || t("js-admin-not-known")],
  ];
  if (s.impersonatedBy) pairs.push([t("js-admin-session-opened-by"), t("js-admin-session-impersonated")]);
  const device = describeDevice(s.userAgent);
  const { li } = listItem(s.userEmail ? `${s.userEmail} · ${device}` : device, pairs);
  const who = s.userEmail || t("js-admin-session-this-user");
  const end = actionButton(t("js-admin-session-end"), t("js-admin-session-end-label", { who, device: describeDevice(s.userAgent) }), async (button) => {
    if (!window.confirm(t("js-admin-session-end-confirm", { who }))) return;
    button.disabled = true;
    const { error } = await api("/admin/revoke-user-session", { method: "POST", body: { sessionToken: s.token } });
    if (error) {
      button.disabled = false;
      showMessage(messageEl, errorText(error));
      return;
    }
    showMessage(messageEl, t("js-admin-session-ended", { who }), "success");
    onEnded(li);
  }, "danger");
  li.append(end);
  return li;
}

const filterForm = $("admin-sessions-filter-form");

if (list && more) {
  const reload = pagedList({
    list,
    more,
    message,
    path: "/admin/console/sessions",
    key: "sessions",
    query: () => ({
      userId: $("admin-sessions-user")?.value.trim() || undefined,
      impersonated: $("admin-sessions-impersonated")?.checked ? "true" : undefined,
      limit: "25",
    }),
    item: (s) => sessionItem(s, (li) => li.remove(), message),
    empty: t("js-admin-sessions-empty"),
  });
  if (filterForm) {
    wireForm(filterForm, message);
    filterForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      setBusy(filterForm, true);
      await reload();
      setBusy(filterForm, false);
    });
  }
  reload();
}
