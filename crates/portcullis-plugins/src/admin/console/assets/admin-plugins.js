// Admin console, "Plugins" (admin plugin): GET /admin/plugins lists every plugin with its
// switch; POST /admin/plugins {id, enabled} turns one off or on after a confirmation. Text
// from the server always goes through textContent.
import { api, errorText, showMessage } from "./api.js";
import { actionButton } from "./forms.js";
import { absoluteTime, listItem } from "./devices.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const list = $("admin-plugins-list");
const message = $("admin-plugins-message");

/** What each plugin is, in the words an operator would use (message ids); unknown ids show as they are. */
const NAMES = {
  bearer: "js-admin-plugin-bearer",
  "magic-link": "js-admin-plugin-magic-link",
  "email-otp": "js-admin-plugin-email-otp",
  username: "js-admin-plugin-username",
  "phone-number": "js-admin-plugin-phone-number",
  anonymous: "js-admin-plugin-anonymous",
  audit: "js-admin-plugin-audit",
  detectors: "js-admin-plugin-detectors",
  webhooks: "js-admin-plugin-webhooks",
  admin: "js-admin-plugin-admin",
  passkey: "js-admin-plugin-passkey",
  oauth: "js-admin-plugin-oauth",
  "two-factor": "js-admin-plugin-two-factor",
  "multi-session": "js-admin-plugin-multi-session",
  "last-login-method": "js-admin-plugin-last-login-method",
  "api-key": "js-admin-plugin-api-key",
  jwt: "js-admin-plugin-jwt",
  "oidc-provider": "js-admin-plugin-oidc-provider",
  organization: "js-admin-plugin-organization",
  "device-authorization": "js-admin-plugin-device-authorization",
  "open-api": "js-admin-plugin-open-api",
};

const nameOf = (id) => (Object.hasOwn(NAMES, id) ? t(NAMES[id]) : id);

function item(p) {
  const pairs = [
    [t("js-admin-plugins-id"), p.id],
    [t("js-admin-plugins-state"), p.enabled ? t("js-admin-plugins-on") : t("js-admin-plugins-off")],
  ];
  if (!p.switchable) pairs.push([t("js-admin-plugins-switch"), t("js-admin-plugins-fixed")]);
  if (p.updatedAt) pairs.push([t("js-admin-plugins-last-switched"), absoluteTime(p.updatedAt)]);
  const { li } = listItem(nameOf(p.id), pairs);
  li.dataset.plugin = p.id;
  if (p.switchable) {
    const name = nameOf(p.id);
    const text = p.enabled ? t("js-admin-plugins-turn-off") : t("js-admin-plugins-turn-on");
    const label = p.enabled ? t("js-admin-plugins-turn-off-named", { name }) : t("js-admin-plugins-turn-on-named", { name });
    const button = actionButton(text, label, async (b) => {
      const question = p.enabled
        ? t("js-admin-plugins-turn-off-confirm", { name })
        : t("js-admin-plugins-turn-on-confirm", { name });
      if (!window.confirm(question)) return;
      b.disabled = true;
      const { data, error } = await api("/admin/plugins", { method: "POST", body: { id: p.id, enabled: !p.enabled } });
      if (error) {
        b.disabled = false;
        showMessage(message, errorText(error));
        return;
      }
      showMessage(message, data.enabled ? t("js-admin-plugins-now-on", { name }) : t("js-admin-plugins-now-off", { name }), "success");
      const next = item(data);
      li.replaceWith(next);
      next.querySelector("button")?.focus();
    }, p.enabled ? "danger-outline" : undefined);
    li.append(button);
  }
  return li;
}

async function load() {
  const { data, error } = await api("/admin/plugins");
  list.setAttribute("aria-busy", "false");
  if (error) {
    list.replaceChildren();
    showMessage(message, errorText(error));
    return;
  }
  list.replaceChildren(...data.plugins.map(item));
}

if (list) load();
