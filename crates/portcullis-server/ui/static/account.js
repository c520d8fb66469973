// Account page: profile, password, sessions and devices, sign out, delete.
import {
  api,
  clearMessage,
  describeUserAgent,
  errorText,
  formatDate,
  getSession,
  setBusy,
  setNavSignedIn,
  showMessage,
} from "./api.js";

const REAUTH_TEXT = "For your security, sign in again to manage sessions";
const REAUTH_LINK = { href: "/sign-in?redirect=/account", text: "Sign in again" };

const $ = (id) => document.getElementById(id);

const root = $("account-root");
const loading = $("account-loading");
const pageMessage = $("account-message");

let current = null; // { session, user } from get-session

function goToSignIn() {
  window.location.assign("/sign-in?redirect=/account");
}

/** Show an API error; a stale session gets the "sign in again" message. */
function showError(element, error) {
  if (error && error.code === "SESSION_NOT_FRESH") {
    showMessage(element, REAUTH_TEXT, "error", REAUTH_LINK);
  } else if (error && error.status === 401) {
    showMessage(element, "Your session has ended. Sign in again to continue.", "error", REAUTH_LINK);
  } else {
    showMessage(element, errorText(error));
  }
}

function fillProfile(user) {
  $("summary-email").textContent = user.email || "";
  $("profile-email").textContent = user.email || "";
  const verified = $("profile-email-status");
  verified.textContent = user.emailVerified ? "Verified" : "Not verified";
  verified.classList.toggle("badge--success", Boolean(user.emailVerified));
  verified.classList.toggle("badge--warning", !user.emailVerified);
  const form = $("profile-form");
  form.elements.namedItem("name").value = user.name || "";
  form.elements.namedItem("image").value = user.image || "";
}

async function loadSession() {
  const { session, error } = await getSession();
  if (!session) {
    if (error && error.status !== 401) {
      if (loading) loading.hidden = true;
      showError(pageMessage, error);
      return false;
    }
    goToSignIn();
    return false;
  }
  current = session;
  setNavSignedIn(true);
  fillProfile(session.user);
  return true;
}

// ---------------------------------------------------------------- profile

function initProfile() {
  const form = $("profile-form");
  const message = $("profile-message");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    const name = form.elements.namedItem("name").value.trim();
    const image = form.elements.namedItem("image").value.trim();
    if (!name) {
      showMessage(message, "Enter your name.");
      return;
    }
    setBusy(form, true);
    const { error } = await api("/update-user", {
      method: "POST",
      body: { name, image: image === "" ? null : image },
    });
    setBusy(form, false);
    if (error) {
      showError(message, error);
      return;
    }
    if (current) {
      current.user.name = name;
      current.user.image = image === "" ? null : image;
    }
    showMessage(message, "Profile saved", "success");
  });
}

// ---------------------------------------------------------------- password

function initPassword() {
  const form = $("password-form");
  const message = $("password-message");
  const min = Number.parseInt(form.dataset.minPasswordLength || "", 10) || 8;
  const max = Number.parseInt(form.dataset.maxPasswordLength || "", 10) || 128;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    const currentPassword = form.elements.namedItem("currentPassword").value;
    const newPassword = form.elements.namedItem("newPassword").value;
    const confirmPassword = form.elements.namedItem("confirmPassword").value;
    const revokeOtherSessions = form.elements.namedItem("revokeOtherSessions").checked;

    if (!currentPassword || !newPassword) {
      showMessage(message, "Enter your current and new password.");
      return;
    }
    if (newPassword.length < min) {
      showMessage(message, `Your new password needs at least ${min} characters.`);
      return;
    }
    if (newPassword.length > max) {
      showMessage(message, `Your new password can have at most ${max} characters.`);
      return;
    }
    if (newPassword !== confirmPassword) {
      showMessage(message, "Passwords don't match");
      return;
    }

    setBusy(form, true);
    const { error } = await api("/change-password", {
      method: "POST",
      body: { currentPassword, newPassword, revokeOtherSessions },
    });
    setBusy(form, false);
    if (error) {
      showError(message, error);
      return;
    }
    form.reset();
    form.elements.namedItem("revokeOtherSessions").checked = true;
    showMessage(
      message,
      revokeOtherSessions ? "Password changed. Your other devices were signed out." : "Password changed",
      "success",
    );
    // Revoking other sessions issues a new token for this one: refresh both.
    await loadSession();
    await loadSessions();
  });
}

// ---------------------------------------------------------------- sessions

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (text !== undefined) td.textContent = text;
  return td;
}

function timeCell(iso, label) {
  const td = document.createElement("td");
  td.dataset.label = label;
  const time = document.createElement("time");
  if (iso) time.dateTime = iso;
  time.textContent = formatDate(iso);
  td.append(time);
  return td;
}

function sessionRow(session, isCurrent) {
  const tr = document.createElement("tr");
  if (isCurrent) tr.classList.add("is-current");

  const device = cell(undefined, "device");
  device.dataset.label = "Device";
  const name = document.createElement("span");
  name.className = "device-name";
  name.textContent = describeUserAgent(session.userAgent);
  device.append(name);
  if (isCurrent) {
    const badge = document.createElement("span");
    badge.className = "badge badge--primary";
    badge.textContent = "This device";
    device.append(document.createTextNode(" "), badge);
  }
  if (session.userAgent) {
    const ua = document.createElement("small");
    ua.className = "user-agent";
    ua.textContent = session.userAgent;
    device.append(ua);
  }
  tr.append(device);

  const ip = cell(session.ipAddress || "—", "ip");
  ip.dataset.label = "IP address";
  tr.append(ip);
  tr.append(timeCell(session.createdAt, "Signed in"));
  tr.append(timeCell(session.expiresAt, "Expires"));

  const actions = cell(undefined, "row-actions");
  if (!isCurrent) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small button--danger-outline";
    button.textContent = "Revoke";
    button.setAttribute("aria-label", `Revoke session: ${describeUserAgent(session.userAgent)}, ${session.ipAddress || "unknown IP"}`);
    button.addEventListener("click", () => revokeSession(session.token, button));
    actions.append(button);
  }
  tr.append(actions);
  return tr;
}

async function loadSessions() {
  const body = $("sessions-body");
  const message = $("sessions-message");
  const table = $("sessions-table");
  const revokeOthers = $("revoke-others");

  const { data, error } = await api("/list-sessions");
  if (error) {
    table.hidden = true;
    revokeOthers.hidden = true;
    showError(message, error);
    return;
  }
  table.hidden = false;
  revokeOthers.hidden = false;

  const sessions = Array.isArray(data) ? data.slice() : [];
  const currentToken = current && current.session ? current.session.token : null;
  const currentId = current && current.session ? current.session.id : null;
  const isCurrent = (s) => (currentToken && s.token === currentToken) || (!currentToken && currentId && s.id === currentId);

  // This device first, then the most recent.
  sessions.sort((a, b) => {
    const ca = isCurrent(a) ? 1 : 0;
    const cb = isCurrent(b) ? 1 : 0;
    if (ca !== cb) return cb - ca;
    return String(b.createdAt || "").localeCompare(String(a.createdAt || ""));
  });

  body.textContent = "";
  if (sessions.length === 0) {
    const tr = document.createElement("tr");
    const td = cell("No active sessions.", "muted");
    td.colSpan = 5;
    tr.append(td);
    body.append(tr);
  }
  for (const session of sessions) body.append(sessionRow(session, isCurrent(session)));

  const others = sessions.filter((s) => !isCurrent(s)).length;
  revokeOthers.disabled = others === 0;
  $("sessions-count").textContent =
    others === 0
      ? "Only this device is signed in."
      : `This device and ${others} other ${others === 1 ? "session" : "sessions"} are signed in.`;
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
  showMessage(message, "Session revoked", "success");
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
    showMessage(message, "All other sessions were signed out", "success");
  });
}

// ---------------------------------------------------------------- sign out

function initSignOut() {
  const button = $("sign-out");
  const message = $("sign-out-message");
  button.addEventListener("click", async () => {
    clearMessage(message);
    button.disabled = true;
    const { error } = await api("/sign-out", { method: "POST", body: {} });
    if (error) {
      button.disabled = false;
      showError(message, error);
      return;
    }
    window.location.assign("/");
  });
}

// ---------------------------------------------------------------- delete

/** Ask for confirmation with the page's <dialog>, or window.confirm as a fallback. */
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
  const message = $("delete-message");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessage(message);
    const password = form.elements.namedItem("password").value;
    if (!password) {
      showMessage(message, "Enter your password to delete your account.");
      return;
    }
    if (!(await confirmDeletion())) return;

    setBusy(form, true);
    const { data, error } = await api("/delete-user", { method: "POST", body: { password } });
    if (error) {
      setBusy(form, false);
      showError(message, error);
      return;
    }
    // A server that asks for e-mail confirmation answers with another message.
    if (data && typeof data.message === "string" && data.message !== "User deleted") {
      setBusy(form, false);
      form.reset();
      showMessage(message, data.message, "info");
      return;
    }
    window.location.assign("/");
  });
}

// ---------------------------------------------------------------- start

async function start() {
  if (!root) return;
  initProfile();
  initPassword();
  initSessions();
  initSignOut();
  initDelete();
  const ok = await loadSession();
  if (!ok) return;
  if (loading) loading.hidden = true;
  root.hidden = false;
  await loadSessions();
}

start();
