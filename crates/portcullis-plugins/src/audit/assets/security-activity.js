// Account page, "Recent security activity" section (audit plugin): the caller's own events
// from /audit/mine, newest first, 20 at a time, with "Show older activity" following the
// cursor. Read-only; text from the server always goes through textContent.
import { errorText } from "./api.js";
import { absoluteTime, describeDevice, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("security-activity");
const list = $("security-activity-list");
const more = $("security-activity-more");
const message = $("security-activity-message");

// The message each action reads as; an action not listed shows its own name.
const LABELS = {
  "user.sign_up": "js-audit-action-user-sign-up",
  "user.sign_in": "js-audit-action-user-sign-in",
  "user.sign_out": "js-audit-action-user-sign-out",
  "user.change_password": "js-audit-action-user-change-password",
  "user.set_password": "js-audit-action-user-set-password",
  "user.reset_password": "js-audit-action-user-reset-password",
  "user.change_email": "js-audit-action-user-change-email",
  "session.revoke": "js-audit-action-session-revoke",
  "session.revoke_others": "js-audit-action-session-revoke-others",
  "session.revoke_all": "js-audit-action-session-revoke-all",
  "two_factor.enable": "js-audit-action-two-factor-enable",
  "two_factor.disable": "js-audit-action-two-factor-disable",
  "two_factor.totp_added": "js-audit-action-two-factor-totp-added",
  "passkey.add": "js-audit-action-passkey-add",
  "passkey.delete": "js-audit-action-passkey-delete",
  "api_key.create": "js-audit-action-api-key-create",
  "api_key.revoke": "js-audit-action-api-key-revoke",
  "oauth.link": "js-audit-action-oauth-link",
  "oauth.unlink": "js-audit-action-oauth-unlink",
  "admin.ban_user": "js-audit-action-admin-ban-user",
  "admin.unban_user": "js-audit-action-admin-unban-user",
  "admin.set_user_password": "js-audit-action-admin-set-user-password",
  "admin.impersonate_start": "js-audit-action-admin-impersonate-start",
  "admin.impersonate_stop": "js-audit-action-admin-impersonate-stop",
  "security.failure_burst_account": "js-audit-action-security-failure-burst-account",
  "security.new_device": "js-audit-action-security-new-device",
};

function eventItem(e) {
  const failed = e.outcome === "failure";
  let title;
  if (failed && e.action === "user.sign_in") title = t("js-audit-failed-sign-in");
  else {
    const label = Object.hasOwn(LABELS, e.action) ? t(LABELS[e.action]) : e.action;
    title = failed ? t("js-audit-event-failed", { action: label }) : label;
  }
  const pairs = [
    [t("js-audit-when"), absoluteTime(e.createdAt)],
    [t("js-audit-address"), e.ipAddress || t("js-audit-not-known")],
    [t("js-audit-device"), describeDevice(e.userAgent)],
  ];
  if (e.impersonatorUserId) pairs.push([t("js-audit-done-by"), t("js-audit-done-by-administrator")]);
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
    empty: t("js-audit-no-activity"),
    failed: (error) => (error.status === 401 ? t("js-audit-session-ended") : errorText(error)),
  });
  reload();
}
