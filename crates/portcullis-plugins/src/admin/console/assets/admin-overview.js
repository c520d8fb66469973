// Admin console, "Overview" (admin plugin): totals (GET /admin/console/stats), and with the
// audit log on, sign-ins over time (GET /audit/stats) drawn as bars with the numbers in a
// table, and the live feed (GET /audit/feed through EventSource, which reconnects with
// Last-Event-ID and so receives each event once). Server text goes through textContent.
import { BASE_PATH, api, errorText, showMessage } from "./api.js";
import { absoluteTime } from "./devices.js";
import { dateTime, number, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const section = $("overview");
const message = $("overview-message");
const FEED_KEEP = 50;
const SVG = "http://www.w3.org/2000/svg";
/** [the answer's key, the bar's class, the message for the period's total]. */
const SERIES = [
  ["signIns", "sign-ins", "js-admin-overview-total-sign-ins"],
  ["failedSignIns", "failed", "js-admin-overview-total-failed"],
  ["signUps", "sign-ups", "js-admin-overview-total-sign-ups"],
];
const METHOD_NAMES = { credential: "js-admin-method-credential", passkey: "js-admin-method-passkey" };
const methodName = (m) => (Object.hasOwn(METHOD_NAMES, m) ? t(METHOD_NAMES[m]) : m);

async function loadTotals() {
  const { data, error } = await api("/admin/console/stats");
  $("overview-totals").setAttribute("aria-busy", "false");
  if (error) {
    showMessage(message, errorText(error));
    return;
  }
  $("overview-users").textContent = number(data.users);
  const inRedis = data.activeSessions === null;
  $("overview-sessions").textContent = inRedis ? t("js-admin-overview-not-counted") : number(data.activeSessions);
  const list = $("overview-methods");
  list.textContent = "";
  for (const m of data.methods || []) {
    const li = document.createElement("li");
    li.textContent = t("js-admin-overview-method", { method: methodName(m.method), count: number(m.accounts) });
    list.append(li);
  }
  $("overview-counted").textContent =
    t("js-admin-overview-counted", { time: absoluteTime(data.countedAt) }) +
    (data.usersLive ? ` ${t("js-admin-overview-users-live")}` : "") +
    (inRedis ? ` ${t("js-admin-overview-sessions-in-redis")}` : "");
}

function label(start, bucket) {
  const d = new Date(start);
  return bucket === "hour"
    ? dateTime(d, { hour: "2-digit", minute: "2-digit" })
    : dateTime(d, { month: "short", day: "numeric" });
}

function drawChart(data) {
  const points = data.points || [];
  const max = Math.max(1, ...points.flatMap((p) => SERIES.map(([key]) => p[key] || 0)));
  const w = 640;
  const h = 200;
  const band = w / Math.max(points.length, 1);
  const bar = Math.max(1, (band * 0.8) / SERIES.length);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("class", "overview-svg");
  svg.setAttribute("role", "img");
  const totals = SERIES.map(([key, , id]) => t(id, { n: number(points.reduce((n, p) => n + (p[key] || 0), 0)) }));
  const period = $("overview-days").selectedOptions[0].textContent;
  const chartLabel = data.bucket === "hour" ? "js-admin-overview-chart-label-hour" : "js-admin-overview-chart-label-day";
  svg.setAttribute("aria-label", t(chartLabel, { period, totals: totals.join(", ") }));
  points.forEach((p, i) => {
    SERIES.forEach(([key, cls], j) => {
      const v = p[key] || 0;
      const height = Math.round((v / max) * (h - 4));
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", String(i * band + band * 0.1 + j * bar));
      rect.setAttribute("y", String(h - height));
      rect.setAttribute("width", String(bar));
      rect.setAttribute("height", String(height));
      rect.setAttribute("class", `bar bar--${cls}`);
      svg.append(rect);
    });
  });
  const chart = $("overview-chart");
  chart.textContent = "";
  chart.append(svg);
  const body = $("overview-table");
  body.textContent = "";
  for (const p of points) {
    const tr = document.createElement("tr");
    for (const text of [label(p.start, data.bucket), ...SERIES.map(([key]) => number(p[key] || 0))]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
}

async function loadChart() {
  const { data, error } = await api("/audit/stats", { query: { days: $("overview-days").value } });
  if (error) return error;
  drawChart(data);
  return null;
}

async function startFeed() {
  // Only with the audit log, whose console section (and its script) is then on this page.
  const { eventItem } = await import("./admin-audit-log.js");
  const list = $("overview-feed");
  const state = $("overview-feed-state");
  const pause = $("overview-feed-pause");
  let paused = false;
  const source = new EventSource(`${BASE_PATH}/audit/feed`);
  const stateText = () => (paused ? t("js-admin-overview-feed-paused") : t("js-admin-overview-feed-live"));
  source.addEventListener("open", () => {
    state.textContent = stateText();
  });
  const waiting = [];
  source.addEventListener("audit", (event) => {
    let e;
    try {
      e = JSON.parse(event.data);
    } catch {
      return;
    }
    waiting.push(e);
    if (!paused) flush();
  });
  function flush() {
    while (waiting.length) list.prepend(eventItem(waiting.shift()));
    while (list.children.length > FEED_KEEP) list.lastElementChild.remove();
  }
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      state.textContent = t("js-admin-overview-feed-stopped");
    }
  });
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? t("js-admin-overview-resume") : t("js-admin-overview-pause");
    state.textContent = stateText();
    if (!paused) flush();
  });
}

if (section) {
  loadTotals();
  loadChart().then((error) => {
    if (error && error.status === 404) {
      // No audit log: nothing to chart or follow.
      $("overview-audit").hidden = true;
      showMessage(message, t("js-admin-overview-audit-off"), "info");
      return;
    }
    if (error) {
      showMessage(message, errorText(error));
      return;
    }
    $("overview-days").addEventListener("change", loadChart);
    startFeed();
  });
}
