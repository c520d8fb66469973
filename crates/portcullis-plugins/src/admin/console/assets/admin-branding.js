// Admin console, "Branding" (admin plugin): GET /admin/console/branding (the configured and
// stored values), POST /admin/console/branding (store), POST /admin/console/branding/reset,
// and a preview frame that follows the form (GET /admin/console/branding/preview). Server text
// goes through textContent.
import { BASE_PATH, api, errorText, setBusy, showMessage } from "./api.js";
import { fieldError, wireForm } from "./forms.js";
import { absoluteTime } from "./devices.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("branding");
const form = $("branding-form");
const message = $("branding-message");
const frame = $("branding-preview");
const pageChoice = $("branding-preview-page");

/**
 * The server's words for a value that fails its rule ("logoUrl must be …"), and the message
 * that says them at the field.
 */
const RULES = {
  "plain text of at most 100 characters": "js-admin-branding-rule-name",
  "plain text of at most 500 characters, on one line": "js-admin-branding-rule-text",
  "an https:// address or a path on this server, such as /assets/logo.svg": "js-admin-branding-rule-link",
  "a hex colour such as #4f46e5": "js-admin-branding-rule-color",
  "a name of at most 64 characters, without quotes, angle brackets or backslashes": "js-admin-branding-rule-sender",
  "an e-mail address such as support@example.com": "js-admin-branding-rule-email",
  "a string or null": "js-admin-branding-rule-string",
};

/** The form's fields by their JSON key. */
const inputs = () => [...form.querySelectorAll("input[name]")];

/** The values typed, without the empty ones (those keep the configured value). */
function values() {
  const out = {};
  for (const input of inputs()) {
    const v = input.value.trim();
    if (v) out[input.name] = v;
  }
  return out;
}

function showPreview() {
  const query = new URLSearchParams({ page: pageChoice.value, ...values() });
  frame.src = `${BASE_PATH}/admin/console/branding/preview?${query}`;
}

let timer = null;
function previewSoon() {
  clearTimeout(timer);
  timer = setTimeout(showPreview, 400);
}

/** Shows the stored values in the form and the configured ones under each field. */
function show(data) {
  for (const input of inputs()) {
    input.value = (data.stored && data.stored[input.name]) || "";
    const hint = $(`${input.id}-hint`);
    const configured = data.configured[input.name];
    if (hint) {
      hint.dataset.base = hint.dataset.base || hint.textContent;
      const shown = configured || t("js-admin-branding-not-set");
      hint.textContent = `${hint.dataset.base} ${t("js-admin-branding-configured", { value: shown })}${/[.!?]$/.test(shown) ? "" : "."}`;
    }
  }
  $("branding-state").textContent = data.stored
    ? t("js-admin-branding-stored-since", { time: absoluteTime(data.updatedAt) })
    : t("js-admin-branding-configured-in-use");
  showPreview();
}

/** A refusal naming a field ("logoUrl must be …") is shown at that field. */
function showError(error) {
  const field = /^(\w+) must be/.exec(error.message || "");
  const input = field && form.querySelector(`input[name="${field[1]}"]`);
  if (input) {
    const rest = error.message.slice(field[1].length + 1); // "must be …"
    const expects = rest.replace(/^must be /, "");
    fieldError(input, Object.hasOwn(RULES, expects) ? t(RULES[expects]) : `This ${rest}.`);
    input.focus();
  } else {
    showMessage(message, errorText(error));
  }
}

async function load() {
  const { data, error } = await api("/admin/console/branding");
  if (error) {
    showMessage(message, errorText(error));
    return;
  }
  show(data);
}

if (section && form) {
  wireForm(form, message);
  form.addEventListener("input", previewSoon);
  pageChoice.addEventListener("change", showPreview);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setBusy(form, true);
    const { data, error } = await api("/admin/console/branding", { method: "POST", body: values() });
    setBusy(form, false);
    if (error) {
      showError(error);
      return;
    }
    show(data);
    showMessage(message, t("js-admin-branding-saved"), "success");
  });
  $("branding-reset").addEventListener("click", async () => {
    if (!window.confirm(t("js-admin-branding-reset-confirm"))) return;
    const { data, error } = await api("/admin/console/branding/reset", { method: "POST" });
    if (error) {
      showMessage(message, errorText(error));
      return;
    }
    show(data);
    showMessage(message, t("js-admin-branding-reset-done"), "success");
  });
  load();
}
