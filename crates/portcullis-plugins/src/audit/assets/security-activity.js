// Account page, "Recent security activity" section (audit plugin): the caller's own events
// from /audit/mine, newest first, 20 at a time, with "Show older activity" following the
// cursor. Read-only; text from the server always goes through textContent.
import { api, errorText, showMessage } from "./api.js";
import { absoluteTime, describeDevice, factsList } from "./devices.js";

const $ = (id) => document.getElementById(id);
const section = $("security-activity");
const list = $("security-activity-list");
const more = $("security-activity-more");
const message = $("security-activity-message");

// What each action reads as; an action not listed shows its own name.
const LABELS = {
  "user.sign_up": "Account created",
  "user.sign_in": "Signed in",
  "user.sign_out": "Signed out",
  "user.change_password": "Password changed",
  "user.set_password": "Password set",
  "user.reset_password": "Password reset",
  "user.change_email": "E-mail address changed",
  "session.revoke": "A session was signed out",
  "session.revoke_others": "Other sessions were signed out",
  "session.revoke_all": "All sessions were signed out",
  "two_factor.enable": "Two-factor authentication turned on",
  "two_factor.disable": "Two-factor authentication turned off",
  "two_factor.totp_added": "Authenticator app added",
  "passkey.add": "Passkey added",
  "passkey.delete": "Passkey removed",
  "api_key.create": "API key created",
  "api_key.revoke": "API key revoked",
  "oauth.link": "Sign-in provider linked",
  "oauth.unlink": "Sign-in provider unlinked",
  "admin.ban_user": "Account suspended by an administrator",
  "admin.unban_user": "Suspension lifted by an administrator",
  "admin.set_user_password": "Password set by an administrator",
  "admin.impersonate_start": "An administrator signed in as you",
  "admin.impersonate_stop": "An administrator stopped signing in as you",
  "security.failure_burst_account": "Many failed sign-ins on your account",
  "security.new_device": "Sign-in from a new device",
};

let cursor = null;

function eventItem(e) {
  const li = document.createElement("li");
  li.className = "device";
  const body = document.createElement("div");
  body.className = "device-body";
  const name = document.createElement("p");
  name.className = "device-name";
  const failed = e.outcome === "failure";
  name.textContent = (failed && e.action === "user.sign_in" ? "Failed sign-in" : LABELS[e.action] || e.action) +
    (failed && e.action !== "user.sign_in" ? " (failed)" : "");
  const pairs = [
    ["When", absoluteTime(e.createdAt)],
    ["Address", e.ipAddress || "Not known"],
    ["Device", describeDevice(e.userAgent)],
  ];
  if (e.impersonatorUserId) pairs.push(["Done by", "An administrator, signed in as you"]);
  body.append(name, factsList(pairs));
  li.append(body);
  return li;
}

async function load() {
  const query = { limit: "20" };
  if (cursor) query.cursor = cursor;
  list.setAttribute("aria-busy", "true");
  const { data, error } = await api("/audit/mine", { query });
  list.setAttribute("aria-busy", "false");
  if (!cursor) list.textContent = "";
  if (error) {
    showMessage(message, error.status === 401 ? "Your session has ended. Sign in again to see your activity." : errorText(error));
    return;
  }
  const events = data && Array.isArray(data.events) ? data.events : [];
  if (!cursor && events.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "No activity recorded yet.";
    list.append(li);
  }
  let first = null;
  for (const e of events) {
    const item = eventItem(e);
    first = first || item;
    list.append(item);
  }
  cursor = data && data.nextCursor ? data.nextCursor : null;
  more.hidden = !cursor;
  return first;
}

if (section && list) {
  more.addEventListener("click", async () => {
    more.disabled = true;
    const first = await load();
    more.disabled = false;
    // Keyboard users continue from the first newly shown entry.
    if (first) {
      first.tabIndex = -1;
      first.focus();
    } else if (!more.hidden) {
      more.focus();
    }
  });
  load();
}
