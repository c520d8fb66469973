// The device authorization plugin (RFC 8628) with the official client's
// `deviceAuthorizationClient` (from better-auth/client/plugins), unchanged: a device asks for a
// code and polls, a signed-in person checks the code, approves or denies it, and the device's
// session works as a bearer token.
//
// The plugin is optional on both servers (Portcullis: ENABLE_DEVICE_AUTHORIZATION=true; the
// reference: BA_REF_PROFILE=full). A server without it answers 404 on /device/code, and these
// tests are skipped, unless EXPECT_DEVICE_AUTHORIZATION=1 (scripts/test sets it), which makes
// that a failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_DEVICE_AUTHORIZATION=1 (the plugin must be there).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { deviceAuthorizationClient } from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const BASE = (process.env.AUTH_BASE_URL || "").replace(/\/+$/, "");

const REQUIRED = process.env.EXPECT_DEVICE_AUTHORIZATION === "1";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-device`;
const GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const CLIENT_ID = `js-tv-${RUN.slice(0, 6)}`;

/** A device without cookies (a TV), asking for a code; null (test skipped) without the plugin. */
async function codeOrSkip(t, tv, scope) {
  const res = await tv.client.device.code({ client_id: CLIENT_ID, scope });
  if (res.error && res.error.status === 404 && !REQUIRED) {
    t.skip("the server has no device authorization plugin (Portcullis: ENABLE_DEVICE_AUTHORIZATION=true; reference: BA_REF_PROFILE=full)");
    return null;
  }
  assert.equal(res.error, null, JSON.stringify(res.error));
  return res.data;
}

async function person(label) {
  const dev = device({ plugins: [deviceAuthorizationClient()] });
  const email = `${label}-${randomUUID().slice(0, 12)}@example.com`;
  const { data, error } = await dev.client.signUp.email({ name: `Device ${label}`, email, password: PASSWORD });
  assert.equal(error, null, JSON.stringify(error));
  return { dev, user: data.user, email };
}

const poll = (tv, deviceCode) =>
  tv.client.device.token({ grant_type: GRANT, device_code: deviceCode, client_id: CLIENT_ID });

test("a device gets a code, the person approves it, the device gets a bearer session once", async (t) => {
  const tv = device({ plugins: [deviceAuthorizationClient()], cookies: false });
  const code = await codeOrSkip(t, tv, "openid profile");
  if (!code) return;
  // Portcullis shows BCDF-GHJK; Better Auth eight characters without a dash.
  assert.match(code.user_code, /^[A-Z0-9]{4}-?[A-Z0-9]{4}$/);
  assert.equal(code.verification_uri, `${BASE}/device`);
  assert.equal(code.verification_uri_complete, `${BASE}/device?user_code=${code.user_code}`);
  assert.equal(code.expires_in, 1800);
  assert.equal(code.interval, 5);

  const pending = await poll(tv, code.device_code);
  assert.equal(pending.data, null);
  assert.equal(pending.error.status, 400);
  assert.equal(pending.error.error, "authorization_pending");
  const tooSoon = await poll(tv, code.device_code);
  assert.equal(tooSoon.error.error, "slow_down");

  const { dev, user, email } = await person("approver");
  const typed = code.user_code.replace("-", "").toLowerCase();
  const checked = await dev.client.device({ query: { user_code: typed } });
  assert.equal(checked.error, null, JSON.stringify(checked.error));
  assert.deepEqual(checked.data, { user_code: typed, status: "pending", client_id: CLIENT_ID, scope: "openid profile" });
  const approved = await dev.client.device.approve({ userCode: code.user_code });
  assert.equal(approved.error, null, JSON.stringify(approved.error));
  assert.deepEqual(approved.data, { success: true });
  const again = await dev.client.device.approve({ userCode: code.user_code });
  assert.equal(again.error.status, 400);
  assert.equal(again.error.error_description, "Device code already processed");

  // As RFC 8628 asks of a device: wait the interval, 5 s longer after each slow_down.
  let interval = code.interval + 5;
  let granted;
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    granted = await poll(tv, code.device_code);
    if (!granted.error || granted.error.error !== "slow_down") break;
    interval += 5;
  }
  assert.equal(granted.error, null, JSON.stringify(granted.error));
  assert.equal(granted.data.token_type, "Bearer");
  assert.equal(granted.data.scope, "openid profile");
  assert.ok(granted.data.expires_in > 600000, String(granted.data.expires_in));

  const bearer = device({ plugins: [], cookies: false, fetchOptions: { auth: { type: "Bearer", token: granted.data.access_token } } });
  const session = await bearer.client.getSession();
  assert.equal(session.error, null, JSON.stringify(session.error));
  assert.equal(session.data.user.id, user.id);
  assert.equal(session.data.user.email, email);

  const used = await poll(tv, code.device_code);
  assert.equal(used.error.error, "invalid_grant");
});

test("a denied code answers access_denied, and another person cannot answer a claimed code", async (t) => {
  const tv = device({ plugins: [deviceAuthorizationClient()], cookies: false });
  const code = await codeOrSkip(t, tv);
  if (!code) return;
  const { dev } = await person("denier");
  const { dev: other } = await person("other");
  const checked = await dev.client.device({ query: { user_code: code.user_code } });
  assert.equal(checked.data.status, "pending");
  const notYours = await other.client.device({ query: { user_code: code.user_code } });
  assert.deepEqual(notYours.data, { user_code: code.user_code, status: "pending" });
  const refused = await other.client.device.approve({ userCode: code.user_code });
  assert.equal(refused.error.status, 403);
  assert.equal(refused.error.error, "access_denied");

  const denied = await dev.client.device.deny({ userCode: code.user_code });
  assert.equal(denied.error, null, JSON.stringify(denied.error));
  const answer = await poll(tv, code.device_code);
  assert.equal(answer.error.status, 400);
  assert.equal(answer.error.error, "access_denied");
  assert.equal(answer.error.error_description, "Access denied");
});
