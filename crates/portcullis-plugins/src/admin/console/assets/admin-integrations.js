// Admin console, "Integrations" (admin plugin): GET /admin/console/integrations (settings,
// secrets only as "set"; each transport's health and the last messages' outcomes, from every
// instance) and POST /admin/console/test-message. Server text goes through textContent.
import { api, errorText, setBusy, showMessage } from "./api.js";
import { fieldError, wireForm } from "./forms.js";
import { absoluteTime, factsList, listItem } from "./devices.js";
import { number, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("integrations");
const message = $("integrations-message");
const form = $("integrations-test-form");

/** Each setting's name (message ids). */
const LABELS = {
  transport: "js-admin-integrations-transport",
  from: "js-admin-integrations-from",
  host: "js-admin-integrations-host",
  port: "js-admin-integrations-port",
  tls: "js-admin-integrations-tls",
  username: "js-admin-integrations-username",
  password: "js-admin-integrations-password",
  apiKey: "js-admin-integrations-api-key",
  endpoint: "js-admin-integrations-endpoint",
  accountSid: "js-admin-integrations-account-sid",
  authToken: "js-admin-integrations-auth-token",
  url: "js-admin-integrations-url",
  secret: "js-admin-integrations-secret",
};
/** Product names as they are; the others are message ids. */
const TRANSPORTS = {
  smtp: "SMTP",
  resend: "Resend",
  sendgrid: "SendGrid",
  twilio: "Twilio",
};
const TRANSPORT_IDS = {
  webhook: "js-admin-integrations-webhook",
  outbox: "js-admin-integrations-outbox",
};
const transportName = (id) =>
  Object.hasOwn(TRANSPORT_IDS, id) ? t(TRANSPORT_IDS[id]) : TRANSPORTS[id] || id;

/** SMTP encryption by the server's code (message ids). */
const TLS = {
  wrapper: "js-admin-integrations-tls-wrapper",
  starttls: "js-admin-integrations-tls-starttls",
  opportunistic: "js-admin-integrations-tls-opportunistic",
  none: "js-admin-integrations-tls-none",
};

/** A setting's value as shown: the server's codes in the page's language. */
function shownValue(key, value) {
  if (key === "tls" && Object.hasOwn(TLS, value)) return t(TLS[value]);
  if (typeof value !== "string") return String(value);
  if (value === "set" && (key === "endpoint" || key === "url")) return t("js-admin-integrations-set");
  return value;
}

/** Settings whose value is a secret: the server says only whether each is set. */
const SECRETS = new Set(["password", "apiKey", "authToken", "secret"]);

/** A settings object as facts; a secret reads "Set" or "Not set". */
function settings(obj) {
  const pairs = Object.entries(obj).map(([key, value]) => {
    let text;
    if (SECRETS.has(key)) text = value === "set" ? t("js-admin-integrations-set") : t("js-admin-integrations-not-set");
    else if (key === "transport") text = transportName(value);
    else if (value === null || value === undefined || value === "") text = "—";
    else text = shownValue(key, value);
    return [Object.hasOwn(LABELS, key) ? t(LABELS[key]) : key, text];
  });
  return factsList(pairs);
}

/** Each transport's health over the server's window, across every instance. */
function health(delivery) {
  if (delivery.shared === false) return [listItem(t("js-admin-integrations-health-unavailable")).li];
  const transports = delivery.transports || [];
  if (transports.length === 0) return [listItem(t("js-admin-integrations-none-sent")).li];
  const hours = delivery.windowHours;
  return transports.map((h) => {
    const failure = h.lastFailure;
    return listItem(t("js-admin-integrations-health-title", { transport: transportName(h.transport), channel: h.channel }), [
      [t("js-admin-integrations-health-sent", { hours }), number(h.sent)],
      [t("js-admin-integrations-health-failed", { hours }), number(h.failed)],
      [t("js-admin-integrations-last-sent"), absoluteTime(h.lastSent?.at, t("js-admin-integrations-never"))],
      [t("js-admin-integrations-last-failure"), failure ? `${absoluteTime(failure.at)}: ${failure.error || ""}` : t("js-admin-integrations-never")],
    ]).li;
  });
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
  $("integrations-health").replaceChildren(...health(data.delivery));
  $("integrations-recent").replaceChildren(
    ...recent
      .slice(-10)
      .reverse()
      .map((o) =>
        listItem(t(o.sent ? "js-admin-integrations-recent-sent" : "js-admin-integrations-recent-not-sent", { kind: o.kind, channel: o.channel }), [
          [t("js-admin-integrations-when"), absoluteTime(o.at)],
          [t("js-admin-integrations-attempts"), number(o.attempts)],
          ...(o.error ? [[t("js-admin-integrations-error"), o.error]] : []),
        ]).li,
      ),
  );
  const providers = data.providers || [];
  $("integrations-providers").replaceChildren(
    ...(providers.length
      ? providers.map(
          (p) =>
            listItem(p.label || p.id, [
              [t("js-admin-integrations-provider-id"), p.id],
              [t("js-admin-integrations-client-id"), p.clientId],
              [t("js-admin-integrations-client-secret"), p.clientSecret === "set" ? t("js-admin-integrations-set") : t("js-admin-integrations-not-set")],
              [t("js-admin-integrations-redirect"), p.redirectUri],
              ...(p.issuer ? [[t("js-admin-integrations-issuer"), p.issuer]] : []),
            ]).li,
        )
      : [listItem(t("js-admin-integrations-no-providers")).li]),
  );
}

if (section && form) {
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const channel = $("integrations-test-channel").value;
    const to = $("integrations-test-to").value.trim();
    if (channel === "sms" && !/^\+\d{4,}$/.test(to)) {
      fieldError($("integrations-test-to"), t("js-admin-integrations-phone-required"));
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
    showMessage(message, t("js-admin-integrations-test-sent"), "success");
    // Give the queue a moment, then show how it went.
    setTimeout(load, 2000);
  });
  load();
}
