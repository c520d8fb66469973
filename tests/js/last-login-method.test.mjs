// The last-login-method plugin with the official client's own `lastLoginMethodClient`,
// unchanged. The client plugin reads `document.cookie`, which Node has not: each test gives it a
// `document` whose cookie string is the device's jar, as a browser page would see the
// non-HttpOnly cookies of its origin.
//
// The plugin is on by default in Portcullis and in the reference's full profile
// (BA_REF_PROFILE=full). A server that sets no such cookie after a password sign-in gets these
// tests skipped, unless EXPECT_LAST_LOGIN_METHOD=1 (scripts/test sets it) makes that a failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_LAST_LOGIN_METHOD=1 (the plugin must be there).

import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { anonymousClient, lastLoginMethodClient, usernameClient } from "better-auth/client/plugins";
import { device, isDeletion, parseSetCookie } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_LAST_LOGIN_METHOD === "1";
const COOKIE = "better-auth.last_used_login_method";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-llm`;
const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 12)}@example.com`;

/** A device whose jar is what `document.cookie` shows, as on a page of the server's origin. */
function browser() {
  const dev = device({ plugins: [lastLoginMethodClient(), usernameClient(), anonymousClient()] });
  globalThis.document = {
    get cookie() {
      return [...dev.jar].map(([n, v]) => `${n}=${v}`).join("; ");
    },
    set cookie(line) {
      const c = parseSetCookie(line);
      if (isDeletion(c)) dev.jar.delete(c.name);
      else dev.jar.set(c.name, c.value);
    },
  };
  return dev;
}

afterEach(() => {
  delete globalThis.document;
});

/** Signs a fresh device up; null (and the test skipped) when the server has no such plugin. */
async function signedUp(t, extra = {}) {
  const dev = browser();
  const email = uniqueEmail("llm");
  const up = await dev.client.signUp.email({ name: "Last Login", email, password: PASSWORD, ...extra });
  assert.equal(up.error, null, JSON.stringify(up.error));
  if (dev.cookie(COOKIE) === undefined && !REQUIRED) {
    t.skip("the server has no last-login-method plugin (reference: BA_REF_PROFILE=full)");
    return null;
  }
  return { dev, email, user: up.data.user };
}

test("signUp.email, then signIn.email: getLastUsedLoginMethod is email; the cookie is script-readable", async (t) => {
  const s = await signedUp(t);
  if (!s) return;
  const { dev, email } = s;
  assert.equal(dev.client.getLastUsedLoginMethod(), "email");
  assert.equal(dev.client.isLastUsedLoginMethod("email"), true);
  assert.equal(dev.client.isLastUsedLoginMethod("google"), false);
  const set = dev.last("/sign-up/email").setCookies.find((c) => c.name === COOKIE);
  assert.deepEqual(set.attrs, { "max-age": "2592000", path: "/", samesite: "Lax" });
  assert.equal(s.user.lastLoginMethod, undefined, "no user field without storeInDatabase");

  dev.client.clearLastUsedLoginMethod();
  assert.equal(dev.client.getLastUsedLoginMethod(), null);
  assert.ok(dev.cookie("better-auth.session_token"), "clearing leaves the session alone");

  const wrong = await dev.client.signIn.email({ email, password: `Wrong-${PASSWORD}` });
  assert.equal(wrong.error.status, 401);
  assert.equal(dev.client.getLastUsedLoginMethod(), null, "a failed sign-in sets nothing");

  const inAgain = await dev.client.signIn.email({ email, password: PASSWORD });
  assert.equal(inAgain.error, null, JSON.stringify(inAgain.error));
  assert.equal(dev.client.getLastUsedLoginMethod(), "email");
});

test("signIn.username leaves the last method as it was", async (t) => {
  const username = `llm_${RUN.slice(0, 12)}`;
  const s = await signedUp(t, { username });
  if (!s) return;
  const other = browser();
  const byName = await other.client.signIn.username({ username, password: PASSWORD });
  assert.equal(byName.error, null, JSON.stringify(byName.error));
  const answer = other.last("/sign-in/username").setCookies.map((c) => c.name);
  assert.ok(answer.includes("better-auth.session_token"), answer.join(", "));
  assert.ok(!answer.includes(COOKIE), "Better Auth does not record usernames");
  assert.equal(other.client.getLastUsedLoginMethod(), null);

  const inEmail = await other.client.signIn.email({ email: s.email, password: PASSWORD });
  assert.equal(inEmail.error, null, JSON.stringify(inEmail.error));
  assert.equal(other.client.getLastUsedLoginMethod(), "email");
  const again = await other.client.signIn.username({ username, password: PASSWORD });
  assert.equal(again.error, null, JSON.stringify(again.error));
  assert.equal(other.client.getLastUsedLoginMethod(), "email", "still the way used before");
});

test("a guest session is not recorded", async (t) => {
  const probe = await signedUp(t);
  if (!probe) return;
  const dev = browser();
  const { error } = await dev.client.signIn.anonymous();
  if (error && error.status === 404) {
    t.skip("the server has no anonymous plugin");
    return;
  }
  assert.equal(error, null, JSON.stringify(error));
  assert.ok(dev.cookie("better-auth.session_token"));
  assert.equal(dev.client.getLastUsedLoginMethod(), null);
});
