// Admin console, "Audit log" (audit plugin): GET /audit/list with the form's filters, newest
// first, a page at a time; "Details" opens an event in full; the exports follow the cursor
// (x-next-cursor) through every matching event and save them as one file. Text from the
// server always goes through textContent.
import { BASE_PATH, clearMessage, errorText, setBusy, showMessage, statusMessage } from "./api.js";
import { fieldError, wireForm } from "./forms.js";
import { absoluteTime, describeDevice, factsList, listItem } from "./devices.js";
import { pagedList } from "./paged-list.js";
import { number, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const form = $("audit-filter-form");
const list = $("audit-log-list");
const more = $("audit-log-more");
const message = $("audit-log-message");

/** Export at most this many events in one file. */
const EXPORT_LIMIT = 100_000;

/** The form's filters as query values; `null` (with the field marked) when a time is unreadable. */
function filters() {
  const q = {};
  for (const [name, id] of [["action", "audit-filter-action"], ["outcome", "audit-filter-outcome"], ["userId", "audit-filter-user"]]) {
    const v = $(id).value.trim();
    if (v) q[name] = v;
  }
  for (const [name, id] of [["from", "audit-filter-from"], ["to", "audit-filter-to"]]) {
    const v = $(id).value;
    if (!v) continue;
    const when = new Date(v);
    if (Number.isNaN(when.getTime())) {
      fieldError($(id), t("js-audit-invalid-time"));
      return null;
    }
    q[name] = when.toISOString();
  }
  return q;
}

/**
 * An audit event as a list item, with a "Details" disclosure holding the rest. Users are named
 * by address when the page of events says it (`page.users`, by id), else by id.
 */
export function eventItem(e, page) {
  const who = (id) => (id && page?.users?.[id]) || id;
  const { li, body } = listItem(e.outcome === "failure" ? t("js-audit-event-failed", { action: e.action }) : e.action, [
    [t("js-audit-when"), absoluteTime(e.createdAt)],
    [t("js-audit-by"), who(e.actorUserId) || t("js-audit-by-no-one")],
    [t("js-audit-about"), who(e.targetUserId) || e.targetId || "—"],
    [t("js-audit-address"), e.ipAddress || t("js-audit-not-known")],
  ]);
  const details = document.createElement("details");
  details.className = "device-details";
  const summary = document.createElement("summary");
  summary.textContent = t("js-audit-details");
  const pairs = [
    [t("js-audit-event-id"), e.id],
    [t("js-audit-severity"), e.severity],
    [t("js-audit-device"), describeDevice(e.userAgent)],
    [t("js-audit-session"), e.sessionId || "—"],
    [t("js-audit-organization"), e.organizationId || "—"],
  ];
  if (e.actorUserId && who(e.actorUserId) !== e.actorUserId) pairs.push([t("js-audit-actor-id"), e.actorUserId]);
  if (e.targetUserId && who(e.targetUserId) !== e.targetUserId) pairs.push([t("js-audit-target-user-id"), e.targetUserId]);
  if (e.impersonatorUserId) pairs.push([t("js-audit-impersonated-by"), who(e.impersonatorUserId)]);
  if (e.targetType) pairs.push([t("js-audit-target"), `${e.targetType} ${e.targetId || ""}`.trim()]);
  const raw = document.createElement("pre");
  raw.className = "code";
  raw.tabIndex = 0;
  raw.setAttribute("aria-label", t("js-audit-details-json"));
  raw.textContent = JSON.stringify(e.details || {}, null, 2);
  details.append(summary, factsList(pairs), raw);
  body.append(details);
  return li;
}

/** Every matching event in `format` (csv or jsonl), page after page, as one file. */
async function exportAs(format, button) {
  const q = filters();
  if (!q) return;
  clearMessage(message);
  button.disabled = true;
  const parts = [];
  let cursor = null;
  let count = 0;
  try {
    do {
      const params = new URLSearchParams({ ...q, format, limit: "1000" });
      if (cursor) params.set("cursor", cursor);
      const res = await fetch(`${BASE_PATH}/audit/list?${params}`, { credentials: "same-origin" });
      if (!res.ok) {
        let error = { status: res.status, message: "" };
        try {
          error = { ...(await res.json()), status: res.status };
        } catch {
          error.message = statusMessage(res.status);
        }
        showMessage(message, t("js-audit-export-stopped", { error: errorText(error) }));
        return;
      }
      let text = await res.text();
      // Each CSV page starts with the header row: keep the first only.
      if (format === "csv" && parts.length > 0) text = text.slice(text.indexOf("\r\n") + 2);
      parts.push(text);
      count += text.split("\n").filter((l) => l.trim()).length - (format === "csv" && parts.length === 1 ? 1 : 0);
      cursor = res.headers.get("x-next-cursor");
    } while (cursor && count < EXPORT_LIMIT);
  } catch {
    showMessage(message, statusMessage(0));
    return;
  } finally {
    button.disabled = false;
  }
  const type = format === "csv" ? "text/csv" : "application/jsonl";
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob(parts, { type }));
  link.download = `audit-${new Date().toISOString().slice(0, 19).replace(/:/g, "-")}.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  const exported = cursor
    ? t("js-audit-exported-limited", { count: number(count), limit: number(EXPORT_LIMIT) })
    : t(count === 1 ? "js-audit-exported-one" : "js-audit-exported-other", { count: number(count) });
  showMessage(message, exported, "success");
}

if (form && list) {
  const reload = pagedList({
    list,
    more,
    message,
    path: "/audit/list",
    key: "events",
    query: () => ({ ...(filters() || {}), limit: "25" }),
    item: eventItem,
    empty: t("js-audit-no-match"),
  });
  wireForm(form, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!filters()) return;
    setBusy(form, true);
    await reload();
    setBusy(form, false);
  });
  $("audit-export-csv").addEventListener("click", (e) => exportAs("csv", e.currentTarget));
  $("audit-export-jsonl").addEventListener("click", (e) => exportAs("jsonl", e.currentTarget));
  reload();
}
