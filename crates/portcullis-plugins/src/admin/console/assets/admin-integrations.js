// Admin console, "Integrations" (admin plugin): GET /admin/console/integrations (settings,
// secrets only as "set"; the outcomes of this instance's last messages) and
// POST /admin/console/test-message. Server text goes through textContent.
import { api, errorText, setBusy, showMessage } from "./api.js";
import { fieldError, wireForm } from "./forms.js";
import { absoluteTime, factsList, listItem } from "./devices.js";

const $ = (id) => document.getElementById(id);
const section = $("integrations");
const message = $("integrations-message");
const form = $("integrations-test-form");

const LABELS = {
  transport: "Transport",
  from: "From",
  host: "Server",
  port: "Port",
  tls: "Encryption",
  username: "User name",
  password: "Password",
  apiKey: "API key",
  endpoint: "Endpoint",
  accountSid: "Account SID",
  authToken: "Auth token",
  url: "Address",
  secret: "Signing secret",
};
const TRANSPORTS = {
  smtp: "SMTP",
  resend: "Resend",
  sendgrid: "SendGrid",
  twilio: "Twilio",
  webhook: "Webhook",
  outbox: "The development outbox (nothing leaves this server)",
};

/** Settings whose value is a secret: the server says only whether each is set. */
const SECRETS = new Set(["password", "apiKey", "authToken", "secret"]);

/** A settings object as facts; a secret reads "Set" or "Not set". */
function settings(obj) {
  const pairs = Object.entries(obj).map(([key, value]) => {
    let text;
    if (SECRETS.has(key)) text = value === "set" ? "Set" : "Not set";
    else if (key === "transport") text = TRANSPORTS[value] || value;
    else if (value === null || value === undefined || value === "") text = "—";
    else text = String(value);
    return [LABELS[key] || key, text];
  });
  return factsList(pairs);
}

/** Per transport: sent and failed among the recent messages, and the last error. */
function health(recent) {
  const byTransport = new Map();
  for (const o of recent) {
    const h = byTransport.get(o.transport) || { sent: 0, failed: 0, error: null, at: null };
    if (o.sent) h.sent += 1;
    else {
      h.failed += 1;
      h.error = o.error;
      h.at = o.at;
    }
    byTransport.set(o.transport, h);
  }
  if (byTransport.size === 0) return "No message has been sent since this instance started.";
  return [...byTransport.entries()]
    .map(([t, h]) => `${TRANSPORTS[t] || t}: ${h.sent} sent, ${h.failed} failed` + (h.error ? ` (last failure ${absoluteTime(h.at)}: ${h.error})` : ""))
    .join(". ") + ". From this instance's last 50 messages.";
}

async function load() {
  const { data, error } = await api("/admin/console/integrations");
  if (error) {
    showMessage(message, errorText(error));
    return;
  }
  $("integrations-mail").replaceChildren(settings(data.mail));
  $("integrations-sms").replaceChildren(settings(data.sms));
  const recent = data.delivery.recent || [];
  $("integrations-health").textContent = health(recent);
  $("integrations-recent").replaceChildren(
    ...recent
      .slice(-10)
      .reverse()
      .map((o) =>
        listItem(`${o.sent ? "Sent" : "Not sent"}: ${o.kind} (${o.channel})`, [
          ["When", absoluteTime(o.at)],
          ["Attempts", String(o.attempts)],
          ...(o.error ? [["Error", o.error]] : []),
        ]).li,
      ),
  );
  const providers = data.providers || [];
  $("integrations-providers").replaceChildren(
    ...(providers.length
      ? providers.map(
          (p) =>
            listItem(p.label || p.id, [
              ["Id", p.id],
              ["Client id", p.clientId],
              ["Client secret", p.clientSecret === "set" ? "Set" : "Not set"],
              ["Redirect address", p.redirectUri],
              ...(p.issuer ? [["Issuer", p.issuer]] : []),
            ]).li,
        )
      : [listItem("No social or OpenID Connect provider is set up.").li]),
  );
}

if (section && form) {
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const channel = $("integrations-test-channel").value;
    const to = $("integrations-test-to").value.trim();
    if (channel === "sms" && !/^\+\d{4,}$/.test(to)) {
      fieldError($("integrations-test-to"), "Enter a phone number in international form, such as +15555550123.");
      $("integrations-test-to").focus();
      return;
    }
    setBusy(form, true);
    const { error } = await api("/admin/console/test-message", { method: "POST", body: to ? { channel, to } : { channel } });
    setBusy(form, false);
    if (error) {
      showMessage(message, errorText(error));
      return;
    }
    showMessage(message, "The test message is on its way. Its outcome appears under Recent messages in a few seconds.", "success");
    // Give the queue a moment, then show how it went.
    setTimeout(load, 2000);
  });
  load();
}
