// The second step of a sign-in: a TOTP code, a code by email (after /two-factor/send-otp), or
// a backup code, each posted with {code, trustDevice}; the signed two_factor cookie the first
// step set says whose sign-in it is. Then on to ?redirect= or ?callbackURL= (a path on this
// site), else /account. Only the methods the user has (?methods=) are offered.
import { api, keepRedirectOnLinks, queryParam, safeRedirectFrom, setBusy, showMessage, clearMessage } from "./api.js";
import { fieldError, showServerError, wireForm } from "./forms.js";
import { t } from "./i18n.js";

const card = document.getElementById("two-factor-card");
const message = document.getElementById("two-factor-message");
const trust = document.getElementById("two-factor-trust");
const forms = {
  totp: document.getElementById("two-factor-totp-form"),
  otp: document.getElementById("two-factor-otp-form"),
  backup: document.getElementById("two-factor-backup-form"),
};
const ENDPOINTS = { totp: "/two-factor/verify-totp", otp: "/two-factor/verify-otp", backup: "/two-factor/verify-backup-code" };

keepRedirectOnLinks();

const listed = queryParam("methods").split(",").filter(Boolean);
const otpOn = card && card.dataset.otp === "true";
// Without a list (an old link), offer what the server can do; backup codes come with TOTP.
const offered = {
  totp: listed.length === 0 || listed.includes("totp"),
  otp: otpOn && (listed.length === 0 || listed.includes("otp")),
  backup: listed.length === 0 || listed.includes("totp"),
};

function show(kind, focus = true) {
  for (const [k, form] of Object.entries(forms)) form.hidden = k !== kind;
  // The checkbox belongs to the form on show, so each form's submit reads it.
  trust.setAttribute("form", forms[kind].id);
  for (const button of document.querySelectorAll("#two-factor-switch [data-show]")) {
    const k = button.dataset.show;
    button.parentElement.hidden = k === kind || !offered[k];
  }
  clearMessage(message);
  if (focus) {
    const input = forms[kind].elements.namedItem("code");
    if (input) input.focus();
  }
}

function expired() {
  showMessage(message, t("js-two-factor-expired"), "error", {
    href: "/sign-in",
    text: t("js-two-factor-sign-in-again"),
  });
}

async function verify(kind, form) {
  const input = form.elements.namedItem("code");
  const code = kind === "backup" ? input.value.trim() : input.value.replace(/\s+/g, "");
  if (kind !== "backup" && !/^[0-9]{6,10}$/.test(code)) {
    fieldError(input, t("js-two-factor-enter-digits"));
    input.focus();
    return;
  }
  if (kind === "backup" && code === "") {
    fieldError(input, t("js-two-factor-enter-backup-code"));
    input.focus();
    return;
  }
  setBusy(form, true);
  const { error } = await api(ENDPOINTS[kind], { method: "POST", body: { code, trustDevice: trust.checked } });
  if (error) {
    setBusy(form, false);
    input.value = "";
    switch (error.code) {
      case "INVALID_CODE":
        fieldError(input, kind === "otp" ? t("js-two-factor-wrong-email-code") : t("js-two-factor-wrong-app-code"));
        input.focus();
        break;
      case "INVALID_BACKUP_CODE":
        fieldError(input, t("js-two-factor-wrong-backup-code"));
        input.focus();
        break;
      case "OTP_HAS_EXPIRED":
        fieldError(input, t("js-two-factor-code-expired"));
        break;
      case "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE":
        if (kind === "otp") showMessage(message, t("js-two-factor-too-many-codes"));
        else expired();
        break;
      case "ACCOUNT_TEMPORARILY_LOCKED":
        showMessage(message, t("js-two-factor-locked"));
        break;
      case "INVALID_TWO_FACTOR_COOKIE":
        expired();
        break;
      default:
        showServerError(form, message, error);
    }
    return;
  }
  showMessage(message, t("js-two-factor-verified"), "success");
  window.location.assign(appCallback() || safeRedirectFrom(["redirect", "callbackURL"], "/account"));
}

// A sign-in link's absolute callbackURL (the app's own page) is followed only to a trusted
// origin the server listed on the card; anything else falls back to a local path.
function appCallback() {
  const target = queryParam("callbackURL");
  if (!/^https?:\/\//i.test(target)) return "";
  let url;
  try {
    url = new URL(target);
  } catch {
    return "";
  }
  const trusted = (card?.dataset.callbackOrigins || "").split(" ").filter(Boolean);
  return trusted.includes(url.origin) ? url.href : "";
}

if (card) {
  for (const [kind, form] of Object.entries(forms)) {
    wireForm(form, message);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      verify(kind, form);
    });
  }
  for (const button of document.querySelectorAll("#two-factor-switch [data-show]")) {
    button.addEventListener("click", () => show(button.dataset.show));
  }
  const send = document.getElementById("two-factor-send");
  const status = document.getElementById("two-factor-otp-status");
  send.addEventListener("click", async () => {
    setBusy(forms.otp, true);
    const { error } = await api("/two-factor/send-otp", { method: "POST", body: {} });
    setBusy(forms.otp, false);
    if (error) {
      if (error.code === "INVALID_TWO_FACTOR_COOKIE") expired();
      else showServerError(forms.otp, message, error);
      return;
    }
    status.textContent = t("js-two-factor-code-sent");
    send.textContent = t("js-two-factor-send-new-code");
    forms.otp.elements.namedItem("code").focus();
  });
  show(offered.totp ? "totp" : offered.otp ? "otp" : "backup", false);
}
