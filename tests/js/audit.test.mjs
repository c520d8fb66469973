// The audit plugin through the official client's `$fetch`: a user's own history at
// /audit/mine (sign-up, sign-out, a refused sign-in with its reason, a sign-in, newest first),
// the same events for an administrator at /audit/list filtered by that user, paged, and as CSV, and
// the refusal a user without the role gets.
//
// Env: AUTH_BASE_URL (required), ADMIN_EMAIL and ADMIN_PASSWORD (an administrator),
// EXPECT_AUDIT_LOG=1 (a server without the audit plugin then fails the test instead of
// skipping it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_AUDIT_LOG === "1";
const PASSWORD = `Pw-${randomUUID().slice(0, 10)}-audit`;

test("audit: /audit/mine and /audit/list with the official client", async (t) => {
  const me = device();
  const email = `audit-${randomUUID().slice(0, 12)}@example.com`;
  const up = await me.client.signUp.email({ name: "Audit test", email, password: PASSWORD });
  assert.equal(up.error, null, JSON.stringify(up.error));
  const userId = up.data.user.id;
  const probe = await me.client.$fetch("/audit/mine");
  if (probe.error && probe.error.status === 404) {
    assert.ok(!REQUIRED, "EXPECT_AUDIT_LOG=1 but /audit/mine is not served");
    t.skip("the server has no audit plugin (ENABLE_AUDIT_LOG=true)");
    return;
  }
  await me.client.signOut();
  const wrong = await me.client.signIn.email({ email, password: `${PASSWORD}-wrong` });
  assert.equal(wrong.error?.status, 401);
  const right = await me.client.signIn.email({ email, password: PASSWORD });
  assert.equal(right.error, null, JSON.stringify(right.error));

  const { data, error } = await me.client.$fetch("/audit/mine", { query: { limit: 10 } });
  assert.equal(error, null, JSON.stringify(error));
  const seen = data.events.map((e) => [e.action, e.outcome]);
  assert.deepEqual(seen, [
    ["user.sign_in", "success"],
    ["user.sign_in", "failure"],
    ["user.sign_out", "success"],
    ["user.sign_up", "success"],
  ]);
  assert.equal(data.events[1].details.reason, "invalid_password");
  assert.equal(data.nextCursor, null);
  for (const e of data.events) assert.equal(e.targetUserId, userId);

  // Not an administrator: Better Auth's style of refusal, with the audit plugin's code.
  const refused = await me.client.$fetch("/audit/list");
  assert.equal(refused.error?.status, 403);
  assert.equal(refused.error?.code, "YOU_ARE_NOT_ALLOWED_TO_LIST_AUDIT_EVENTS");

  if (!process.env.ADMIN_EMAIL || !process.env.ADMIN_PASSWORD) {
    assert.ok(!REQUIRED, "EXPECT_AUDIT_LOG=1 needs ADMIN_EMAIL and ADMIN_PASSWORD");
    return;
  }
  const admin = device();
  const signed = await admin.client.signIn.email({
    email: process.env.ADMIN_EMAIL,
    password: process.env.ADMIN_PASSWORD,
  });
  assert.equal(signed.error, null, JSON.stringify(signed.error));
  const listed = await admin.client.$fetch("/audit/list", { query: { userId, limit: 2 } });
  assert.equal(listed.error, null, JSON.stringify(listed.error));
  assert.deepEqual(listed.data.events.map((e) => e.id), data.events.slice(0, 2).map((e) => e.id));
  const rest = await admin.client.$fetch("/audit/list", {
    query: { userId, limit: 2, cursor: listed.data.nextCursor },
  });
  assert.deepEqual(rest.data.events.map((e) => e.id), data.events.slice(2).map((e) => e.id));
  assert.equal(rest.data.nextCursor, null);

  // CSV: a header, one line per event, newest first, the next page's cursor in a header.
  const csv = await admin.fetchRaw(`/audit/list?userId=${userId}&limit=3&format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get("content-type"), /^text\/csv/);
  const [header, ...rows] = parseCsv(await csv.text());
  assert.equal(rows.length, 3, JSON.stringify(rows));
  const at = (name) => header.indexOf(name);
  assert.ok(at("action") >= 0 && at("outcome") >= 0 && at("id") >= 0, header.join());
  for (const r of rows) assert.equal(r.length, header.length, JSON.stringify(r));
  const details = JSON.parse(rows[1][at("details")]);
  assert.equal(details.reason, "invalid_password");
  assert.deepEqual(rows.map((r) => r[at("id")]), data.events.slice(0, 3).map((e) => e.id));
  assert.deepEqual(rows.map((r) => r[at("action")]), ["user.sign_in", "user.sign_in", "user.sign_out"]);
  assert.ok(csv.headers.get("x-next-cursor"), "a next page");
});

/** RFC 4180 records: fields quoted when they hold a comma, quote or line break. */
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
