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
 * What each value must be, by its JSON key: a refusal names the key ("logoUrl must be …", the
 * API's English for API users), and the field says the rule in the page's language.
 */
const RULE_OF_FIELD = {
  name: "js-admin-branding-rule-name",
  tagline: "js-admin-branding-rule-text",
  description: "js-admin-branding-rule-text",
  companyName: "js-admin-branding-rule-text",
  logoUrl: "js-admin-branding-rule-link",
  favicon: "js-admin-branding-rule-link",
  supportUrl: "js-admin-branding-rule-link",
  privacyUrl: "js-admin-branding-rule-link",
  termsUrl: "js-admin-branding-rule-link",
  primaryColor: "js-admin-branding-rule-color",
  secondaryColor: "js-admin-branding-rule-color",
  senderName: "js-admin-branding-rule-sender",
  supportEmail: "js-admin-branding-rule-email",
  domain: "js-admin-branding-rule-host",
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

/** A refusal naming a field by its key ("logoUrl …") is shown at that field. */
function showError(error) {
  const key = /^(\w+) /.exec(error.message || "")?.[1];
  const input = key && Object.hasOwn(RULE_OF_FIELD, key) && form.querySelector(`input[name="${key}"]`);
  if (input) {
    fieldError(input, t(RULE_OF_FIELD[key]));
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
