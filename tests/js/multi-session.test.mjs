// The multi-session plugin with the official client's own `multiSessionClient`, unchanged: two
// users signed in on one device, listed, switched between and revoked; the same user signing in
// again replaces its earlier session; sign-out ends them all.
//
// The plugin is optional (Portcullis: ENABLE_MULTI_SESSION=true; the reference runs it in both
// profiles). A server without it answers 404 on /multi-session/list-device-sessions, and these
// tests are skipped, unless EXPECT_MULTI_SESSION=1 (scripts/test sets it), which makes that a
// failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_MULTI_SESSION=1 (the plugin must be there),
// EXPECT_SESSION_EXPIRES_IN (the multi cookie's Max-Age, default 604800).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { multiSessionClient } from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_MULTI_SESSION === "1";
const EXPIRES_IN = process.env.EXPECT_SESSION_EXPIRES_IN || "604800";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-multi`;
const SESSION = "better-auth.session_token";
const multiName = (token) => `${SESSION}_multi-${token.toLowerCase()}`;
const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 12)}@example.com`;
const browser = () => device({ plugins: [multiSessionClient()] });

/** A device with two users signed up on it; null (and the test skipped) without the plugin. */
async function twoUsers(t) {
  const dev = browser();
  const probe = await dev.client.multiSession.listDeviceSessions();
  if (probe.error && probe.error.status === 404 && !REQUIRED) {
    t.skip("the server has no multi-session plugin (Portcullis: ENABLE_MULTI_SESSION=true)");
    return null;
  }
  assert.equal(probe.error, null, JSON.stringify(probe.error));
  assert.deepEqual(probe.data, [], "a fresh device holds no sessions");
  const users = [];
  for (const label of ["multi-a", "multi-b"]) {
    const email = uniqueEmail(label);
    const { data, error } = await dev.client.signUp.email({ name: label, email, password: PASSWORD });
    assert.equal(error, null, JSON.stringify(error));
    users.push({ email, token: data.token, id: data.user.id });
  }
  return { dev, users };
}

test("two users on one device: listDeviceSessions, setActive, the multi cookies", async (t) => {
  const signedIn = await twoUsers(t);
  if (!signedIn) return;
  const { dev, users: [a, b] } = signedIn;

  // Each sign-up set its multi cookie: the session cookie's value, always the session lifetime.
  for (const u of [a, b]) {
    const set = dev.log.filter((l) => l.path === "/sign-up/email")
      .flatMap((l) => l.setCookies).find((c) => c.name === multiName(u.token));
    assert.ok(set, `a multi cookie for ${u.email}`);
    assert.equal(set.attrs["max-age"], EXPIRES_IN);
    assert.equal(set.attrs.path, "/");
    assert.equal(set.attrs.httponly, true);
    assert.equal(String(set.attrs.samesite).toLowerCase(), "lax");
    assert.ok(decodeURIComponent(set.value).startsWith(`${u.token}.`));
  }

  const { data: list, error } = await dev.client.multiSession.listDeviceSessions();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(list.map((e) => e.user.email).sort(), [a.email, b.email].sort());
  for (const e of list) assert.equal(e.session.userId, e.user.id);

  const { data: now } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(now.user.id, b.id, "the last sign-up is the current session");

  const switched = await dev.client.multiSession.setActive({ sessionToken: a.token });
  assert.equal(switched.error, null, JSON.stringify(switched.error));
  assert.equal(switched.data.user.id, a.id);
  assert.equal(switched.data.session.token, a.token);
  const { data: after } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(after.user.id, a.id);

  const bad = await dev.client.multiSession.setActive({ sessionToken: "not-a-session-of-this-device" });
  assert.equal(bad.data, null);
  assert.equal(bad.error.status, 401);
  assert.equal(bad.error.code, "INVALID_SESSION_TOKEN");
  assert.equal(bad.error.message, "Invalid session token");
});

test("revoke: the current session switches to the other one; the last one signs out", async (t) => {
  const signedIn = await twoUsers(t);
  if (!signedIn) return;
  const { dev, users: [a, b] } = signedIn;

  const first = await dev.client.multiSession.revoke({ sessionToken: b.token });
  assert.equal(first.error, null, JSON.stringify(first.error));
  assert.deepEqual(first.data, { status: true });
  assert.equal(dev.cookie(multiName(b.token)), undefined, "its multi cookie is gone");
  const { data: now } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(now.user.id, a.id, "switched to the other session");

  const last = await dev.client.multiSession.revoke({ sessionToken: a.token });
  assert.equal(last.error, null, JSON.stringify(last.error));
  const { data: none } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(none, null);
  const { data: list } = await dev.client.multiSession.listDeviceSessions();
  assert.deepEqual(list, []);

  const unauthenticated = await dev.client.multiSession.revoke({ sessionToken: a.token });
  assert.equal(unauthenticated.error.status, 401);
});

test("the same user signing in again replaces its earlier session; signOut ends every session", async (t) => {
  const signedIn = await twoUsers(t);
  if (!signedIn) return;
  const { dev, users: [a, b] } = signedIn;
  const earlier = new Map(dev.jar);

  const again = await dev.client.signIn.email({ email: a.email, password: PASSWORD });
  assert.equal(again.error, null, JSON.stringify(again.error));
  assert.equal(dev.cookie(multiName(a.token)), undefined, "the earlier multi cookie was expired");
  assert.ok(dev.cookie(multiName(again.data.token)));
  const { data: list } = await dev.client.multiSession.listDeviceSessions();
  assert.deepEqual(list.map((e) => e.session.token).sort(), [again.data.token, b.token].sort());

  // The replaced session no longer opens anything.
  const old = browser();
  old.jar.set(SESSION, earlier.get(multiName(a.token)));
  const { data: gone } = await old.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(gone, null);

  const out = await dev.client.signOut();
  assert.equal(out.error, null, JSON.stringify(out.error));
  assert.equal([...dev.jar.keys()].filter((n) => n.includes("_multi-")).length, 0);
  // The other user's session ended on the server too, not only in the jar.
  const probe = browser();
  probe.jar.set(SESSION, earlier.get(multiName(b.token)));
  const { data } = await probe.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(data, null, "the other user's session ended at sign-out");
});
