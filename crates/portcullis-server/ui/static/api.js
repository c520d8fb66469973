// Shared helpers for the Portcullis hosted pages.
//
// Every page talks to the same JSON API a client application would use
// (Better Auth wire format, mounted under /api/auth). Nothing here touches
// innerHTML with server or user data: text always goes through textContent.
import { LANG, has, t } from "./i18n.js";

export const BASE_PATH = "/api/auth";

// The words for an HTTP status with no usable body, by status (message ids).
const STATUS_MESSAGES = {
  0: "js-api-status-0",
  400: "js-api-status-400",
  401: "js-api-status-401",
  403: "js-api-status-403",
  404: "js-api-status-404",
  413: "js-api-status-413",
  422: "js-api-status-422",
  429: "js-api-status-429",
  500: "js-api-status-500",
  502: "js-api-status-502",
  503: "js-api-status-503",
  504: "js-api-status-504",
};

/** A readable message for an HTTP status with no usable body. */
export function statusMessage(status) {
  if (STATUS_MESSAGES[status]) return t(STATUS_MESSAGES[status]);
  if (status >= 500) return t(STATUS_MESSAGES[500]);
  return t("js-api-status-other", { status });
}

/**
 * Call the auth API.
 *
 * @param {string} path  path below /api/auth, starting with "/"
 * @param {{method?: string, body?: unknown, query?: Record<string, unknown>}} [options]
 * @returns {Promise<{data: any, error: null | {code: string, message: string, status: number}}>}
 */
export async function api(path, { method = "GET", body, query } = {}) {
  let url = BASE_PATH + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) params.append(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += (url.includes("?") ? "&" : "?") + qs;
  }

  const verb = method.toUpperCase();
  const init = {
    method: verb,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (verb !== "GET" && verb !== "HEAD") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body === undefined || body === null ? {} : body);
  }

  let response;
  try {
    response = await fetch(url, init);
  } catch {
    return { data: null, error: { code: "NETWORK_ERROR", message: statusMessage(0), status: 0 } };
  }

  let text = "";
  try {
    text = await response.text();
  } catch {
    text = "";
  }
  let parsed = null;
  let parsedOk = false;
  if (text.trim() !== "") {
    try {
      parsed = JSON.parse(text);
      parsedOk = true;
    } catch {
      parsedOk = false;
    }
  }

  if (response.ok) {
    return { data: parsedOk ? parsed : text.trim() === "" ? null : text, error: null };
  }

  const body_ = parsedOk && parsed && typeof parsed === "object" ? parsed : {};
  const message =
    (typeof body_.message === "string" && body_.message) ||
    (typeof body_.error === "string" && body_.error) ||
    statusMessage(response.status);
  const code = (typeof body_.code === "string" && body_.code) || `HTTP_${response.status}`;
  return { data: null, error: { code, message, status: response.status } };
}

// Whether the page is in English, the language of the server's own messages.
const ENGLISH = LANG.toLowerCase().split("-")[0] === "en";

/**
 * Turn an API error into a sentence for people: the catalog's words for its code
 * (js-error-CODE) when the page's language has them, else the server's message. Validation
 * messages arrive as "[body.email] Invalid email address"; the bracketed field prefix is dropped.
 */
export function errorText(error) {
  if (!error) return "";
  const sent = String(error.message || "").trim();
  const id = error.code ? `js-error-${error.code}` : "";
  // The server speaks English: on an English page its own message stays, as it may say more
  // than the code's usual words (which field a validation error is about).
  if (id && has(id) && !(ENGLISH && sent)) return t(id);
  let message = sent.replace(/^\[[^\]]*\]\s*/, "");
  if (!message) message = statusMessage(error.status);
  return message;
}

/**
 * Show a message in a live region. kind: "error" | "success" | "info".
 * `link` ({href, text}) appends a link after the text.
 */
export function showMessage(element, text, kind = "error", link) {
  if (!element) return;
  element.textContent = "";
  element.classList.remove("message--error", "message--success", "message--info");
  if (!text) return;
  element.classList.add("message", `message--${kind}`);
  element.append(document.createTextNode(text));
  if (link && link.href) {
    element.append(document.createTextNode(" "));
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text || link.href;
    element.append(a);
  }
}

export function clearMessage(element) {
  showMessage(element, "");
}

/** Disable every control of a form while a request is in flight. */
export function setBusy(form, busy) {
  if (!form) return;
  form.setAttribute("aria-busy", busy ? "true" : "false");
  const controls = form.querySelectorAll("input, button, select, textarea, fieldset");
  for (const control of controls) {
    if (busy) {
      if (control.disabled) {
        control.dataset.wasDisabled = "true";
      } else {
        control.disabled = true;
      }
    } else if (control.dataset.wasDisabled === "true") {
      delete control.dataset.wasDisabled;
    } else {
      control.disabled = false;
    }
  }
  const submit = form.querySelector("[type=submit][data-busy-label]");
  if (submit) {
    if (busy) {
      submit.dataset.idleLabel = submit.textContent;
      submit.textContent = submit.dataset.busyLabel;
    } else if (submit.dataset.idleLabel) {
      submit.textContent = submit.dataset.idleLabel;
    }
  }
}

/**
 * The `?redirect=` target if it is a same-origin relative path ("/account",
 * "/x?y=1"), otherwise `fallback`. Rejects "//host", "/\\host", absolute URLs
 * and anything with control characters.
 */
export function safeRedirect(fallback = "/") {
  let target;
  try {
    target = new URLSearchParams(window.location.search).get("redirect");
  } catch {
    return fallback;
  }
  return isSafeLocalPath(target) ? target : fallback;
}

/**
 * The first of the query parameters `names` (e.g. ["redirect", "callbackURL"])
 * that holds a same-origin relative path, otherwise `fallback`.
 */
export function safeRedirectFrom(names, fallback = "/") {
  let params;
  try {
    params = new URLSearchParams(window.location.search);
  } catch {
    return fallback;
  }
  for (const name of names) {
    const target = params.get(name);
    if (isSafeLocalPath(target)) return target;
  }
  return fallback;
}

/** A query parameter of the current address, or "". */
export function queryParam(name) {
  try {
    return new URLSearchParams(window.location.search).get(name) || "";
  } catch {
    return "";
  }
}

export function isSafeLocalPath(target) {
  if (typeof target !== "string" || target.length === 0 || target.length > 2048) return false;
  if (target[0] !== "/") return false;
  if (target[1] === "/" || target[1] === "\\") return false;
  if (target.includes("\\")) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(target)) return false;
  try {
    const url = new URL(target, window.location.origin);
    return url.origin === window.location.origin;
  } catch {
    return false;
  }
}

/**
 * A first factor answered `{twoFactorRedirect: true, twoFactorMethods}` (the two-factor
 * plugin holds the session until the second step): go to its challenge page, keeping where
 * the visitor was going. Returns whether it did.
 */
export function goToSecondStep(data) {
  if (!data || data.twoFactorRedirect !== true) return false;
  const url = new URL("/two-factor", window.location.origin);
  const methods = Array.isArray(data.twoFactorMethods) ? data.twoFactorMethods : [];
  url.searchParams.set("methods", methods.join(","));
  const target = safeRedirectFrom(["redirect", "callbackURL"], "");
  if (target) url.searchParams.set("redirect", target);
  window.location.assign(url.pathname + url.search);
  return true;
}

/** Carry a safe `?redirect=` over to links marked with data-keep-redirect. */
export function keepRedirectOnLinks(root = document) {
  const target = safeRedirect("");
  if (!target) return;
  for (const link of root.querySelectorAll("a[data-keep-redirect]")) {
    const url = new URL(link.getAttribute("href"), window.location.origin);
    url.searchParams.set("redirect", target);
    link.setAttribute("href", url.pathname + url.search);
  }
}

/** The current session (`{session, user}`) or null. */
export async function getSession() {
  const { data, error } = await api("/get-session");
  if (error || !data || typeof data !== "object" || !data.user) return { session: null, error };
  return { session: data, error: null };
}

let pageSession = null;

/**
 * The session as this page load found it: one get-session call shared by the page's header
 * and its own script.
 */
export function sessionOnce() {
  if (!pageSession) pageSession = getSession();
  return pageSession;
}
