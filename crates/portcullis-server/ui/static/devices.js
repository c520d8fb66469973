// Devices as a person reads them: "Chrome on macOS", "5 minutes ago".

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
  [/^okhttp/i, "an Android app"],
  [/CFNetwork/, "an Apple app"],
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
  if (!ua) return "Unknown device";
  const browser = (BROWSERS.find(([re]) => re.test(ua)) || [])[1] || "";
  const system = (SYSTEMS.find(([re]) => re.test(ua)) || [])[1] || "";
  if (browser && system) return `${browser} on ${system}`;
  if (browser || system) return browser || system;
  // An app that names itself first ("MyApp/1.2 …"): show that name.
  const first = ua.split(/[\s/]/)[0];
  return /^[A-Za-z][\w.-]{1,40}$/.test(first) && first !== "Mozilla" ? first : "Unknown device";
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
  if (!value || Number.isNaN(date.getTime())) return "at an unknown time";
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 60) return "just now";
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return "just now";
}
