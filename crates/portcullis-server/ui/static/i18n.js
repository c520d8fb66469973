// Messages for the page scripts: the page language's script messages (ids beginning js-),
// set as globalThis.portcullisMessages by a classic script in the page's head
// (/assets/messages-<lang>-<hash>.js, kept by the browser until its content changes), so they
// are there before any module runs. Each is text with {$name} placeholders this module fills.
//
//   import { t, errorText } from "/assets/i18n.js";
//   status.textContent = t(messageId, { time });

const messages =
  globalThis.portcullisMessages && typeof globalThis.portcullisMessages === "object"
    ? globalThis.portcullisMessages
    : {};

/** The page's language (its <html lang>), for Intl formatting of dates and numbers. */
export const LANG = document.documentElement.lang || "en";

/** Whether the page has message `id`. */
export function has(id) {
  return Object.hasOwn(messages, id);
}

/** Message `id` with its {$name} placeholders filled from `args`; the id itself if unknown. */
export function t(id, args = {}) {
  const pattern = messages[id];
  if (typeof pattern !== "string") {
    console.warn(`no message ${id}`);
    return id;
  }
  return pattern.replace(/\{\$([A-Za-z][A-Za-z0-9_-]*)\}/g, (_, name) =>
    Object.hasOwn(args, name) ? String(args[name]) : "",
  );
}

/** Error codes whose message an operator wrote (a ban message): said as the server says it. */
const OPERATOR_CODES = new Set((document.documentElement.dataset.operatorErrors || "").split(" ").filter(Boolean));

/**
 * What to tell the user about an API error ({code, message}): the catalog's words for its
 * code (js-error-CODE) when the page's language has them, else the server's message. A message
 * the operator wrote is theirs to word, so it is shown as it is.
 */
export function errorText(error) {
  if (error?.message && OPERATOR_CODES.has(error.code)) return error.message;
  const id = error?.code ? `js-error-${error.code}` : "";
  if (id && has(id)) return t(id);
  return error?.message || t("js-error-unknown");
}

/** A date and time in the page's language ("5 Dec 2026, 14:03"). */
export function dateTime(value, options = { dateStyle: "medium", timeStyle: "short" }) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(LANG, options).format(date);
}

/** A number in the page's language ("1,234" or "1 234"). */
export function number(value) {
  return new Intl.NumberFormat(LANG).format(value);
}
