// Devices as a person reads them: "Chrome on macOS", "5 minutes ago".
import { LANG, dateTime, t } from "./i18n.js";

const BROWSERS = [
  [/HeadlessChrome\//, "Headless Chrome"],
  [/Edg(A|iOS)?\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/SamsungBrowser\//, "Samsung Internet"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/Chrome\/|CriOS\/|Chromium\//, "Chrome"],
  [/Version\/[\d.]+.*Safari\//, "Safari"],
  [/^curl\//, "curl"],
  [/^node|undici/i, "Node.js"],
  [/^python-requests|^Python-urllib|^aiohttp/i, "Python"],
  [/^okhttp/i, t("js-devices-android-app")],
  [/CFNetwork/, t("js-devices-apple-app")],
];

const SYSTEMS = [
  [/iPhone|iPod/, "iPhone"],
  [/iPad/, "iPad"],
  [/Android/, "Android"],
  [/CrOS/, "ChromeOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

/** "Chrome on macOS" from a user agent; "Unknown device" when it says nothing useful. */
export function describeDevice(ua) {
  if (!ua) return t("js-devices-unknown");
  const browser = (BROWSERS.find(([re]) => re.test(ua)) || [])[1] || "";
  const system = (SYSTEMS.find(([re]) => re.test(ua)) || [])[1] || "";
  if (browser && system) return t("js-devices-browser-on-system", { browser, system });
  if (browser || system) return browser || system;
  // An app that names itself first ("MyApp/1.2 …"): show that name.
  const first = ua.split(/[\s/]/)[0];
  return /^[A-Za-z][\w.-]{1,40}$/.test(first) && first !== "Mozilla" ? first : t("js-devices-unknown");
}

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "5 minutes ago", "yesterday", "just now", in the reader's language. */
export function relativeTime(value, now = Date.now()) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return t("js-devices-unknown-time");
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 60) return t("js-devices-just-now");
  const format = new Intl.RelativeTimeFormat(LANG, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return t("js-devices-just-now");
}

/** "5 Dec 2026, 14:10" in the reader's language, or `missing` when there is no date. */
export function absoluteTime(value, missing = t("js-devices-not-known")) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return missing;
  return dateTime(date, { dateStyle: "medium", timeStyle: "short" });
}

/** A `<dl class="facts">` of [label, text] pairs; text always goes through textContent. */
export function factsList(pairs) {
  const facts = document.createElement("dl");
  facts.className = "facts";
  for (const [label, text] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = text;
    facts.append(dt, dd);
  }
  return facts;
}

/**
 * An `<li class="device">` of a list: `title` in bold, then the facts ([label, text] pairs).
 * Returns `{li, body}`: add buttons to `li`, more details to `body`.
 */
export function listItem(title, pairs) {
  const li = document.createElement("li");
  li.className = "device";
  const body = document.createElement("div");
  body.className = "device-body";
  const name = document.createElement("p");
  name.className = "device-name";
  name.textContent = title;
  body.append(name);
  if (pairs) body.append(factsList(pairs));
  li.append(body);
  return { li, body };
}
