// Account "Security" › Two-step verification. Off: the password starts TOTP enrolment
// (/two-factor/enable), the server draws the QR code (/two-factor/qr-code), the key is shown
// as text, the backup codes are listed with a download, and a first code confirms it
// (/two-factor/verify-totp, which replaces the session). On: new backup codes, or turn it off.
// Text only ever goes in through textContent; the QR code's SVG is parsed as SVG, not HTML.
import { api, sessionOnce, setBusy, showMessage } from "./api.js";
import { checkRequired, fieldError, showServerError, wireForm } from "./forms.js";
import { t } from "./i18n.js";

const section = document.getElementById("two-factor");
const state = document.getElementById("two-factor-state");
const message = document.getElementById("two-factor-account-message");
const enableForm = document.getElementById("two-factor-enable-form");
const setup = document.getElementById("two-factor-setup");
const confirmForm = document.getElementById("two-factor-confirm-form");
const manage = document.getElementById("two-factor-manage");
const codesForm = document.getElementById("two-factor-codes-form");
const disableForm = document.getElementById("two-factor-disable-form");
const WRONG_PASSWORD = { INVALID_PASSWORD: { field: "password", text: t("js-two-factor-wrong-password") } };

function showState(on) {
  state.textContent = on
    ? t("js-two-factor-state-on")
    : t("js-two-factor-state-off");
  enableForm.hidden = on;
  manage.hidden = !on;
  setup.hidden = true;
}

function listCodes(list, link, codes) {
  list.textContent = "";
  for (const code of codes) {
    const item = document.createElement("li");
    const text = document.createElement("code");
    text.textContent = code;
    item.append(text);
    list.append(item);
  }
  const file = new Blob([`${codes.join("\n")}\n`], { type: "text/plain" });
  if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
  link.dataset.url = URL.createObjectURL(file);
  link.href = link.dataset.url;
}

async function drawQr(totpURI) {
  const figure = document.getElementById("two-factor-qr");
  figure.textContent = "";
  const { data } = await api("/two-factor/qr-code", { method: "POST", body: { totpURI } });
  if (!data || typeof data.svg !== "string") return;
  const doc = new DOMParser().parseFromString(data.svg, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return;
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("js-two-factor-qr-label"));
  figure.append(document.importNode(svg, true));
}

function secretOf(totpURI) {
  try {
    const secret = new URL(totpURI).searchParams.get("secret") || "";
    return secret.replace(/(.{4})/g, "$1 ").trim();
  } catch {
    return "";
  }
}

if (section) {
  wireForm(enableForm, message);
  wireForm(confirmForm, message);
  wireForm(codesForm, message);
  wireForm(disableForm, message);

  sessionOnce().then(({ session }) => {
    if (!session) return;
    section.hidden = false;
    showState(session.user.twoFactorEnabled === true);
  });

  enableForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(enableForm, { password: t("js-two-factor-enter-password") })) return;
    const password = enableForm.elements.namedItem("password");
    setBusy(enableForm, true);
    const { data, error } = await api("/two-factor/enable", { method: "POST", body: { password: password.value } });
    setBusy(enableForm, false);
    password.value = "";
    if (error) {
      showServerError(enableForm, message, error, WRONG_PASSWORD);
      return;
    }
    document.getElementById("two-factor-secret").textContent = secretOf(data.totpURI);
    listCodes(document.getElementById("two-factor-setup-codes"), document.getElementById("two-factor-setup-download"), data.backupCodes || []);
    await drawQr(data.totpURI);
    enableForm.hidden = true;
    setup.hidden = false;
    confirmForm.elements.namedItem("code").focus();
  });

  confirmForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = confirmForm.elements.namedItem("code");
    const code = input.value.replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(code)) {
      fieldError(input, t("js-two-factor-enter-six-digits"));
      input.focus();
      return;
    }
    setBusy(confirmForm, true);
    const { error } = await api("/two-factor/verify-totp", { method: "POST", body: { code } });
    setBusy(confirmForm, false);
    input.value = "";
    if (error) {
      if (error.code === "INVALID_CODE") {
        fieldError(input, t("js-two-factor-wrong-setup-code"));
        input.focus();
      } else {
        showServerError(confirmForm, message, error);
      }
      return;
    }
    showState(true);
    showMessage(message, t("js-two-factor-now-on"), "success");
  });

  codesForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(codesForm, { password: t("js-two-factor-enter-password") })) return;
    const password = codesForm.elements.namedItem("password");
    setBusy(codesForm, true);
    const { data, error } = await api("/two-factor/generate-backup-codes", { method: "POST", body: { password: password.value } });
    setBusy(codesForm, false);
    password.value = "";
    if (error) {
      showServerError(codesForm, message, error, WRONG_PASSWORD);
      return;
    }
    listCodes(document.getElementById("two-factor-codes"), document.getElementById("two-factor-codes-download"), data.backupCodes || []);
    document.getElementById("two-factor-new-codes").hidden = false;
    showMessage(message, t("js-two-factor-new-codes"), "success");
  });

  disableForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(disableForm, { password: t("js-two-factor-enter-password") })) return;
    const password = disableForm.elements.namedItem("password");
    setBusy(disableForm, true);
    const { error } = await api("/two-factor/disable", { method: "POST", body: { password: password.value } });
    setBusy(disableForm, false);
    password.value = "";
    if (error) {
      showServerError(disableForm, message, error, WRONG_PASSWORD);
      return;
    }
    document.getElementById("two-factor-new-codes").hidden = true;
    showState(false);
    showMessage(message, t("js-two-factor-now-off"), "success");
  });
}
