// Admin console, "Sessions" (admin plugin): live sessions across users from
// GET /admin/console/sessions, a page at a time, each ended with /admin/revoke-user-session
// after a confirmation. Text from the server always goes through textContent.
import { api, errorText, showMessage } from "./api.js";
import { actionButton } from "./forms.js";
import { absoluteTime, describeDevice, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";

const $ = (id) => document.getElementById(id);
const list = $("admin-sessions-list");
const more = $("admin-sessions-more");
const message = $("admin-sessions-message");

/** One session as a list item; `onEnded` runs once it has been revoked. */
export function sessionItem(s, onEnded, messageEl) {
  const pairs = [
    ["Signed in", absoluteTime(s.createdAt)],
    ["Expires", absoluteTime(s.expiresAt)],
    ["Address", s.ipAddress || "Not known"],
  ];
  if (s.impersonatedBy) pairs.push(["Opened by", "An administrator signing in as this user"]);
  const device = describeDevice(s.userAgent);
  const { li } = listItem(s.userEmail ? `${s.userEmail} · ${device}` : device, pairs);
  const who = s.userEmail || "this user";
  const end = actionButton("End session", `End session of ${who} on ${describeDevice(s.userAgent)}`, async (button) => {
    if (!window.confirm(`End this session of ${who}? That device is signed out at its next request.`)) return;
    button.disabled = true;
    const { error } = await api("/admin/revoke-user-session", { method: "POST", body: { sessionToken: s.token } });
    if (error) {
      button.disabled = false;
      showMessage(messageEl, errorText(error));
      return;
    }
    showMessage(messageEl, `The session of ${who} was ended.`, "success");
    onEnded(li);
  }, "danger");
  li.append(end);
  return li;
}

if (list && more) {
  const reload = pagedList({
    list,
    more,
    message,
    path: "/admin/console/sessions",
    key: "sessions",
    query: () => ({ limit: "25" }),
    item: (s) => sessionItem(s, (li) => li.remove(), message),
    empty: "No live sessions.",
  });
  reload();
}
