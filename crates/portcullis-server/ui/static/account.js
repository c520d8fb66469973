// The account area: one section at a time, chosen by the address (/account#security) and the
// side navigation. This script runs the core sections (Profile, Email, Security, Sessions and
// devices); a plugin's section brings its own script and reads the session with sessionOnce().
import { api, clearMessage, errorText, sessionOnce, setBusy, showMessage } from "./api.js";
import { actionButton, checkNewPassword, checkRequired, fieldError, newPasswordErrors, showServerError, wireForm } from "./forms.js";
import { absoluteTime, describeDevice, factsList, relativeTime } from "./devices.js";
import { initSections, showSection, withheld } from "./sections.js";

const REAUTH_LINK = { href: "/sign-in?redirect=/account", text: "Sign in again" };

const $ = (id) => document.getElementById(id);

const root = $("account-root");
const loading = $("account-loading");
const pageMessage = $("account-message");

let current = null; // { session, user } from get-session
let hasPassword = false;

/** Shows an API error; a session too old for the action gets the way to sign in again. */
function showError(element, error, form, fields) {
  if (error && (error.code === "SESSION_NOT_FRESH" || error.code === "SESSION_EXPIRED")) {
    showMessage(element, "For your security, sign in again before you do this.", "error", REAUTH_LINK);
  } else if (error && error.status === 401) {
    showMessage(element, "Your session has ended. Sign in again to continue.", "error", REAUTH_LINK);
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
  status.textContent = user.emailVerified ? "Verified" : "Not verified";
  status.classList.toggle("badge--success", Boolean(user.emailVerified));
  status.classList.toggle("badge--warning", !user.emailVerified);
  const verify = $("email-verify");
  if (verify) verify.hidden = Boolean(user.emailVerified);
  const how = $("change-email-how");
  if (how) {
    how.textContent = user.emailVerified
      ? "We'll email your current address to approve the change, then send a link to the new one to confirm it."
      : "We'll send a link to the new address to confirm it.";
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
    if (!checkRequired(form, { name: "Enter your name." })) return;
    const name = form.elements.namedItem("name").value.trim();
    const imageInput = form.elements.namedItem("image");
    const image = imageInput.value.trim();
    if (image !== "" && !/^https?:\/\/\S+$/i.test(image)) {
      fieldError(imageInput, "Enter a link that starts with https://, or leave it empty.");
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
    showMessage(message, "Profile saved.", "success");
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
      showMessage(verifyMessage, `We've sent a link to ${email}. Open it to verify your address. No email? Check your spam folder, or send it again.`, "success");
    });
  }

  const form = $("change-email-form");
  if (!form) return;
  const message = $("change-email-message");
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkRequired(form, { newEmail: "Enter the new email address." })) return;
    const input = form.elements.namedItem("newEmail");
    const newEmail = input.value.trim();
    if (current && newEmail.toLowerCase() === String(current.user.email).toLowerCase()) {
      fieldError(input, "That is already your email address.");
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
      showError(message, error, form, { INVALID_EMAIL: { field: "newEmail", text: "Enter an email address like name@example.com." } });
      return;
    }
    form.reset();
    showMessage(
      message,
      current && current.user.emailVerified
        ? `Almost done: open the link we sent to ${current.user.email} to approve the change. Then confirm ${newEmail} with the link we send there.`
        : `Almost done: open the link we sent to ${newEmail} to confirm it.`,
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
      currentPassword: "Enter your current password.",
      newPassword: "Choose a new password.",
      confirmPassword: "Type the new password again.",
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
        INVALID_PASSWORD: { field: "currentPassword", text: "That is not your current password. Try again." },
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
      revokeOtherSessions ? "Password changed. Your other devices were signed out." : "Password changed.",
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
    const ok = checkRequired(form, { newPassword: "Choose a password.", confirmPassword: "Type the password again." });
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
    showMessage($("password-message"), "Password set. You can now sign in with your email and this password.", "success");
  });
}

/** Asks for confirmation with the page's <dialog>. */
function confirmDeletion() {
  const dialog = $("delete-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return Promise.resolve(window.confirm("Delete your account permanently? This cannot be undone."));
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
    if (hasPassword && !checkRequired(form, { password: "Enter your password to delete your account." })) return;
    if (!(await confirmDeletion())) return;
    const body = hasPassword ? { password: form.elements.namedItem("password").value } : {};
    setBusy(form, true);
    const { data, error } = await api("/delete-user", { method: "POST", body });
    if (error) {
      setBusy(form, false);
      showError(message, error, form, {
        INVALID_PASSWORD: { field: "password", text: "That is not your password. Try again." },
      });
      return;
    }
    // A server that asks for confirmation by email answers with another message.
    if (data && typeof data.message === "string" && data.message !== "User deleted") {
      setBusy(form, false);
      form.reset();
      showMessage(message, `${data.message}. Open the link in the email to finish.`, "info");
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
    badge.textContent = "This device";
    head.append(badge);
  }
  if (session.impersonatedBy) {
    const badge = document.createElement("span");
    badge.className = "badge badge--warning";
    badge.textContent = "Used by an administrator";
    head.append(badge);
  }

  const meta = document.createElement("p");
  meta.className = "device-meta muted";
  const parts = [here ? "Active now" : `Signed in ${relativeTime(session.createdAt)}`];
  if (session.ipAddress) parts.push(session.ipAddress);
  meta.textContent = parts.join(" · ");

  const details = document.createElement("details");
  details.className = "device-details";
  const summary = document.createElement("summary");
  summary.textContent = "Details";
  const facts = factsList([
    ["Browser or app", session.userAgent || "Not known"],
    ["IP address", session.ipAddress || "Not known"],
    ["Signed in", absoluteTime(session.createdAt)],
    ["Signed out automatically", absoluteTime(session.expiresAt)],
  ]);
  details.append(summary, facts);

  const action = actionButton(
    "Sign out",
    here ? "Sign out of this device" : `Sign out ${name.textContent}, ${parts[0].toLowerCase()}`,
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
      ? "Only this device is signed in."
      : `This device and ${others} other ${others === 1 ? "device are" : "devices are"} signed in.`;
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
  showMessage(message, "That device was signed out.", "success");
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
    showMessage(message, "All other devices were signed out.", "success");
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
