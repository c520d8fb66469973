// The account area: one section at a time, chosen by the address (/account#security) and the
// side navigation. This script runs the core sections (Profile, Email, Security, Sessions and
// devices); a plugin's section brings its own script and reads the session with sessionOnce().
import { api, clearMessage, errorText, sessionOnce, setBusy, showMessage } from "./api.js";
import { actionButton, checkNewPassword, checkRequired, fieldError, newPasswordErrors, showServerError, wireForm } from "./forms.js";
import { absoluteTime, describeDevice, factsList, relativeTime } from "./devices.js";
import { initSections, showSection, withheld } from "./sections.js";
import { t } from "./i18n.js";

const REAUTH_LINK = { href: "/sign-in?redirect=/account", text: t("js-account-sign-in-again") };

const $ = (id) => document.getElementById(id);

const root = $("account-root");
const loading = $("account-loading");
const pageMessage = $("account-message");

let current = null; // { session, user } from get-session
let hasPassword = false;

/** Shows an API error; a session too old for the action gets the way to sign in again. */
function showError(element, error, form, fields) {
  if (error && (error.code === "SESSION_NOT_FRESH" || error.code === "SESSION_EXPIRED")) {
    showMessage(element, t("js-account-reauth-needed"), "error", REAUTH_LINK);
  } else if (error && error.status === 401) {
    showMessage(element, t("js-account-session-ended"), "error", REAUTH_LINK);
  } else if (form) {
    showServerError(form, element, error, fields);
  } else {
    showMessage(element, errorText(error));
  }
}

// ------------------------------------------------------------------ session

function fillUser(user) {
  $("summary-email").textContent = user.email || "";
  $("profile-email").textContent = user.email || "";
  const status = $("profile-email-status");
  status.textContent = user.emailVerified ? t("js-account-email-verified") : t("js-account-email-not-verified");
  status.classList.toggle("badge--success", Boolean(user.emailVerified));
  status.classList.toggle("badge--warning", !user.emailVerified);
  const verify = $("email-verify");
  if (verify) verify.hidden = Boolean(user.emailVerified);
  const how = $("change-email-how");
  if (how) {
    how.textContent = user.emailVerified
      ? t("js-account-change-email-how-verified")
      : t("js-account-change-email-how-unverified");
  }
  const form = $("profile-form");
  form.elements.namedItem("name").value = user.name || "";
  form.elements.namedItem("image").value = user.image || "";
}

async function loadSession() {
  const { session, error } = await sessionOnce();
  if (!session) {
    if (error && error.status !== 401) {
      if (loading) loading.hidden = true;
      showError(pageMessage, error);
      return false;
    }
    window.location.assign("/sign-in?redirect=/account");
    return false;
  }
  current = session;
  fillUser(session.user);
  return true;
}

/** Whether the user has a password: a credential account among their linked accounts. */
async function loadPasswordState() {
  const { data } = await api("/list-accounts");
  hasPassword = Array.isArray(data) && data.some((a) => a && a.providerId === "credential");
  $("password-change").hidden = !hasPassword;
  const set = $("password-set");
  if (set) set.hidden = hasPassword || withheld(set);
  const deletePassword = $("delete-password-field");
  if (deletePassword) {
    deletePassword.hidden = !hasPassword;
    const input = $("delete-password");
    if (input) input.disabled = !hasPassword;
  }
}

// ------------------------------------------------------------------ profile

function initProfile() {
  const form = $("profile-form");
  const message = $("profile-message");
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(form, { name: t("js-account-enter-name") })) return;
    const name = form.elements.namedItem("name").value.trim();
    const imageInput = form.elements.namedItem("image");
    const image = imageInput.value.trim();
    if (image !== "" && !/^https?:\/\/\S+$/i.test(image)) {
      fieldError(imageInput, t("js-account-image-invalid"));
      imageInput.focus();
      return;
    }
    setBusy(form, true);
    const { error } = await api("/update-user", {
      method: "POST",
      body: { name, image: image === "" ? null : image },
    });
    setBusy(form, false);
    if (error) {
      showError(message, error, form, { FIELD_TOO_LONG: "name" });
      return;
    }
    if (current) {
      current.user.name = name;
      current.user.image = image === "" ? null : image;
    }
    showMessage(message, t("js-account-profile-saved"), "success");
  });
}

// ------------------------------------------------------------------ email

function initEmail() {
  const send = $("email-verify-send");
  const verifyMessage = $("email-verify-message");
  if (send) {
    send.addEventListener("click", async () => {
      clearMessage(verifyMessage);
      send.disabled = true;
      const email = current.user.email;
      const { error } = await api("/send-verification-email", {
        method: "POST",
        body: { email, callbackURL: "/verify-email" },
      });
      send.disabled = false;
      if (error) {
        showError(verifyMessage, error);
        return;
      }
      showMessage(verifyMessage, t("js-account-verification-sent", { email }), "success");
    });
  }

  const form = $("change-email-form");
  if (!form) return;
  const message = $("change-email-message");
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(form, { newEmail: t("js-account-enter-new-email") })) return;
    const input = form.elements.namedItem("newEmail");
    const newEmail = input.value.trim();
    if (current && newEmail.toLowerCase() === String(current.user.email).toLowerCase()) {
      fieldError(input, t("js-account-same-email"));
      input.focus();
      return;
    }
    setBusy(form, true);
    const { error } = await api("/change-email", {
      method: "POST",
      body: { newEmail, callbackURL: "/verify-email" },
    });
    setBusy(form, false);
    if (error) {
      showError(message, error, form, { INVALID_EMAIL: { field: "newEmail", text: t("js-forms-email-invalid") } });
      return;
    }
    form.reset();
    showMessage(
      message,
      current && current.user.emailVerified
        ? t("js-account-change-email-approve", { email: current.user.email, newEmail })
        : t("js-account-change-email-confirm", { newEmail }),
      "success",
    );
  });
}

// ------------------------------------------------------------------ security

function initPassword() {
  const form = $("password-form");
  const message = $("password-message");
  wireForm(form, message);
  const revoke = form.elements.namedItem("revokeOtherSessions");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ok = checkRequired(form, {
      currentPassword: t("js-account-enter-current-password"),
      newPassword: t("js-account-choose-new-password"),
      confirmPassword: t("js-account-retype-new-password"),
    });
    const newPassword = form.elements.namedItem("newPassword");
    if (!checkNewPassword(newPassword, form.elements.namedItem("confirmPassword"), ok) || !ok) return;
    const revokeOtherSessions = revoke.checked;
    setBusy(form, true);
    const { error } = await api("/change-password", {
      method: "POST",
      body: {
        currentPassword: form.elements.namedItem("currentPassword").value,
        newPassword: newPassword.value,
        revokeOtherSessions,
      },
    });
    setBusy(form, false);
    if (error) {
      showError(message, error, form, {
        INVALID_PASSWORD: { field: "currentPassword", text: t("js-account-wrong-current-password") },
        ...newPasswordErrors("newPassword"),
      });
      return;
    }
    // Keep the reader's choice: resetting the form would tick the box again.
    for (const name of ["currentPassword", "newPassword", "confirmPassword"]) {
      form.elements.namedItem(name).value = "";
    }
    newPassword.dispatchEvent(new Event("input"));
    clearMessage(message);
    showMessage(
      message,
      revokeOtherSessions ? t("js-account-password-changed-others-out") : t("js-account-password-changed"),
      "success",
    );
    if (revokeOtherSessions) await loadSessions();
  });
}

function initSetPassword() {
  const form = $("password-set-form");
  if (!form) return;
  const message = $("password-set-message");
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ok = checkRequired(form, { newPassword: t("js-account-choose-password"), confirmPassword: t("js-account-retype-password") });
    const newPassword = form.elements.namedItem("newPassword");
    if (!checkNewPassword(newPassword, form.elements.namedItem("confirmPassword"), ok) || !ok) return;
    setBusy(form, true);
    const { error } = await api("/set-password", { method: "POST", body: { newPassword: newPassword.value } });
    setBusy(form, false);
    if (error) {
      showError(message, error, form, newPasswordErrors("newPassword"));
      return;
    }
    form.reset();
    await loadPasswordState();
    showMessage($("password-message"), t("js-account-password-set"), "success");
  });
}

/** Asks for confirmation with the page's <dialog>. */
function confirmDeletion() {
  const dialog = $("delete-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return Promise.resolve(window.confirm(t("js-account-delete-confirm")));
  }
  return new Promise((resolve) => {
    const onClose = () => {
      dialog.removeEventListener("close", onClose);
      resolve(dialog.returnValue === "confirm");
    };
    dialog.returnValue = "";
    dialog.addEventListener("close", onClose);
    dialog.showModal();
  });
}

function initDelete() {
  const form = $("delete-form");
  if (!form) return;
  const message = $("delete-message");
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (hasPassword && !checkRequired(form, { password: t("js-account-delete-enter-password") })) return;
    if (!(await confirmDeletion())) return;
    const body = hasPassword ? { password: form.elements.namedItem("password").value } : {};
    setBusy(form, true);
    const { data, error } = await api("/delete-user", { method: "POST", body });
    if (error) {
      setBusy(form, false);
      showError(message, error, form, {
        INVALID_PASSWORD: { field: "password", text: t("js-account-delete-wrong-password") },
      });
      return;
    }
    // A server that asks for confirmation by email answers with another message.
    if (data && typeof data.message === "string" && data.message !== "User deleted") {
      setBusy(form, false);
      form.reset();
      showMessage(
        message,
        data.message === "Verification email sent"
          ? t("js-account-delete-email-sent")
          : t("js-account-delete-check-email", { message: data.message }),
        "info",
      );
      return;
    }
    window.location.assign("/");
  });
}

// ------------------------------------------------------------------ sessions

function isCurrent(session) {
  return Boolean(current && current.session && session.id === current.session.id);
}

function deviceItem(session, here) {
  const li = document.createElement("li");
  li.className = here ? "device is-current" : "device";

  const head = document.createElement("div");
  head.className = "device-head";
  const name = document.createElement("p");
  name.className = "device-name";
  name.textContent = describeDevice(session.userAgent);
  head.append(name);
  if (here) {
    const badge = document.createElement("span");
    badge.className = "badge badge--primary";
    badge.textContent = t("js-account-this-device");
    head.append(badge);
  }
  if (session.impersonatedBy) {
    const badge = document.createElement("span");
    badge.className = "badge badge--warning";
    badge.textContent = t("js-account-used-by-admin");
    head.append(badge);
  }

  const meta = document.createElement("p");
  meta.className = "device-meta muted";
  const parts = [here ? t("js-account-active-now") : t("js-account-signed-in-when", { when: relativeTime(session.createdAt) })];
  if (session.ipAddress) parts.push(session.ipAddress);
  meta.textContent = parts.join(" · ");

  const details = document.createElement("details");
  details.className = "device-details";
  const summary = document.createElement("summary");
  summary.textContent = t("js-account-device-details");
  const facts = factsList([
    [t("js-account-fact-browser"), session.userAgent || t("js-devices-not-known")],
    [t("js-account-fact-ip-address"), session.ipAddress || t("js-devices-not-known")],
    [t("js-account-fact-signed-in"), absoluteTime(session.createdAt)],
    [t("js-account-fact-expires"), absoluteTime(session.expiresAt)],
  ]);
  details.append(summary, facts);

  const action = actionButton(
    t("js-account-sign-out"),
    here
      ? t("js-account-sign-out-here-label")
      : t("js-account-sign-out-device-label", { device: name.textContent, when: parts[0].toLowerCase() }),
    (button) => (here ? signOutHere(button) : revokeSession(session.token, button)),
  );

  const body = document.createElement("div");
  body.className = "device-body";
  body.append(head, meta, details);
  li.append(body, action);
  return li;
}

async function loadSessions() {
  const list = $("sessions-list");
  const message = $("sessions-message");
  const revokeOthers = $("revoke-others");
  const { data, error } = await api("/list-sessions");
  if (error) {
    list.textContent = "";
    showError(message, error);
    return;
  }
  const sessions = Array.isArray(data) ? [...data] : [];
  sessions.sort((a, b) => {
    if (isCurrent(a) !== isCurrent(b)) return isCurrent(a) ? -1 : 1;
    return String(b.createdAt || "").localeCompare(String(a.createdAt || ""));
  });
  list.textContent = "";
  for (const session of sessions) list.append(deviceItem(session, isCurrent(session)));
  const others = sessions.filter((s) => !isCurrent(s)).length;
  revokeOthers.disabled = others === 0;
  $("sessions-count").textContent =
    others === 0
      ? t("js-account-sessions-only-this")
      : others === 1
        ? t("js-account-sessions-others-one", { n: others })
        : t("js-account-sessions-others", { n: others });
}

async function revokeSession(token, button) {
  const message = $("sessions-message");
  clearMessage(message);
  button.disabled = true;
  const { error } = await api("/revoke-session", { method: "POST", body: { token } });
  if (error) {
    button.disabled = false;
    showError(message, error);
    return;
  }
  await loadSessions();
  showMessage(message, t("js-account-device-signed-out"), "success");
}

async function signOutHere(button) {
  button.disabled = true;
  const { error } = await api("/sign-out", { method: "POST", body: {} });
  if (error) {
    button.disabled = false;
    showError($("sessions-message"), error);
    return;
  }
  window.location.assign("/");
}

function initSessions() {
  const button = $("revoke-others");
  const message = $("sessions-message");
  button.addEventListener("click", async () => {
    clearMessage(message);
    button.disabled = true;
    const { error } = await api("/revoke-other-sessions", { method: "POST", body: {} });
    if (error) {
      button.disabled = false;
      showError(message, error);
      return;
    }
    await loadSessions();
    showMessage(message, t("js-account-others-signed-out"), "success");
  });
}

// ------------------------------------------------------------------ start

async function start() {
  if (!root) return;
  initSections();
  initProfile();
  initEmail();
  initPassword();
  initSetPassword();
  initDelete();
  initSessions();
  const ok = await loadSession();
  if (!ok) return;
  if (loading) loading.hidden = true;
  root.hidden = false;
  await Promise.all([loadPasswordState(), loadSessions()]);
}

start();
