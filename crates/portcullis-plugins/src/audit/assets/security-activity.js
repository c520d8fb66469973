// Account page, "Recent security activity" section (audit plugin): the caller's own events
// from /audit/mine, newest first, 20 at a time, with "Show older activity" following the
// cursor. Read-only; text from the server always goes through textContent.
import { errorText } from "./api.js";
import { absoluteTime, describeDevice, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";

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

function eventItem(e) {
  const failed = e.outcome === "failure";
  const title = (failed && e.action === "user.sign_in" ? "Failed sign-in" : LABELS[e.action] || e.action) +
    (failed && e.action !== "user.sign_in" ? " (failed)" : "");
  const pairs = [
    ["When", absoluteTime(e.createdAt)],
    ["Address", e.ipAddress || "Not known"],
    ["Device", describeDevice(e.userAgent)],
  ];
  if (e.impersonatorUserId) pairs.push(["Done by", "An administrator, signed in as you"]);
  return listItem(title, pairs).li;
}

if (section && list) {
  const reload = pagedList({
    list,
    more,
    message,
    path: "/audit/mine",
    key: "events",
    query: () => ({ limit: "20" }),
    item: eventItem,
    empty: "No activity recorded yet.",
    failed: (error) => (error.status === 401 ? "Your session has ended. Sign in again to see your activity." : errorText(error)),
  });
  reload();
}
