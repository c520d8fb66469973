// Admin console, "Email templates" (admin plugin): the names from
// GET /admin/console/email-templates; the chosen one's subject and text from
// GET /admin/console/email-preview?format=json, its HTML framed from the same endpoint (its
// own document, sandboxed, under a policy that allows e-mail's inline styles only).
import { BASE_PATH, api, errorText, showMessage } from "./api.js";

const $ = (id) => document.getElementById(id);
const section = $("email-templates");
const choice = $("email-template-choice");
const message = $("email-templates-message");

async function show() {
  const template = choice.value;
  const { data, error } = await api("/admin/console/email-preview", { query: { template, format: "json" } });
  if (error) {
    showMessage(message, errorText(error));
    return;
  }
  showMessage(message, "");
  $("email-template-subject").textContent = data.subject;
  $("email-template-text").textContent = data.text;
  $("email-template-frame").src = `${BASE_PATH}/admin/console/email-preview?${new URLSearchParams({ template })}`;
}

async function init() {
  const { data, error } = await api("/admin/console/email-templates");
  if (error) {
    showMessage(message, errorText(error));
    return;
  }
  for (const name of data.templates) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    choice.append(option);
  }
  choice.addEventListener("change", show);
  await show();
}

if (section && choice) init();
