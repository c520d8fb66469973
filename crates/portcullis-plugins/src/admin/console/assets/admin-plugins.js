// Admin console, "Plugins" (admin plugin): GET /admin/plugins lists every plugin with its
// switch; POST /admin/plugins {id, enabled} turns one off or on after a confirmation. Text
// from the server always goes through textContent.
import { api, errorText, showMessage } from "./api.js";
import { actionButton } from "./forms.js";
import { absoluteTime, listItem } from "./devices.js";

const $ = (id) => document.getElementById(id);
const list = $("admin-plugins-list");
const message = $("admin-plugins-message");

/** What each plugin is, in the words an operator would use; unknown ids show as they are. */
const NAMES = {
  bearer: "Bearer tokens",
  "magic-link": "Magic links",
  "email-otp": "E-mail codes",
  username: "Usernames",
  "phone-number": "Phone numbers",
  anonymous: "Guest sign-in",
  audit: "Audit log",
  detectors: "Sign-in risk detection",
  webhooks: "Webhooks",
  admin: "Admin",
  passkey: "Passkeys",
  oauth: "Social and OpenID Connect sign-in",
  "two-factor": "Two-factor authentication",
  "multi-session": "Several accounts in one browser",
  "last-login-method": "Last sign-in method",
  "api-key": "API keys",
  jwt: "JWT and JWKS",
  "oidc-provider": "OpenID Connect provider",
  organization: "Organizations",
  "device-authorization": "Device sign-in",
  "open-api": "API reference",
};

const nameOf = (id) => NAMES[id] || id;

function item(p) {
  const pairs = [
    ["Id", p.id],
    ["State", p.enabled ? "On" : "Off: its addresses answer “not found”"],
  ];
  if (!p.switchable) pairs.push(["Switch", "Set by configuration only"]);
  if (p.updatedAt) pairs.push(["Last switched", absoluteTime(p.updatedAt)]);
  const { li } = listItem(nameOf(p.id), pairs);
  li.dataset.plugin = p.id;
  if (p.switchable) {
    const text = p.enabled ? "Turn off" : "Turn on";
    const button = actionButton(text, `${text} ${nameOf(p.id)}`, async (b) => {
      const question = p.enabled
        ? `Turn off ${nameOf(p.id)}? Its addresses answer “not found” on every instance within a few seconds, until you turn it on again.`
        : `Turn on ${nameOf(p.id)} again? Every instance serves it within a few seconds.`;
      if (!window.confirm(question)) return;
      b.disabled = true;
      const { data, error } = await api("/admin/plugins", { method: "POST", body: { id: p.id, enabled: !p.enabled } });
      if (error) {
        b.disabled = false;
        showMessage(message, errorText(error));
        return;
      }
      showMessage(message, `${nameOf(p.id)} is ${data.enabled ? "on" : "off"}. Every instance follows within a few seconds.`, "success");
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
