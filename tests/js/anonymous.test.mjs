// The anonymous plugin with the official client's own `anonymousClient`, unchanged: a guest
// session, then a real sign-up from the same device, which replaces (and deletes) the guest.
//
// The plugin is optional on both servers (Portcullis: ENABLE_ANONYMOUS=true; the reference:
// BA_REF_PROFILE=full). A server without it answers 404 on /sign-in/anonymous, and these tests
// are skipped, unless EXPECT_ANONYMOUS=1 (scripts/test sets it), which makes that a failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_ANONYMOUS=1 (the plugin must be there).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { anonymousClient, ANONYMOUS_ERROR_CODES } from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_ANONYMOUS === "1";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-anon`;
const guest = () => device({ plugins: [anonymousClient()] });
const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 12)}@example.com`;
// Better Auth's placeholder address when no emailDomainName is configured (Portcullis's default too).
const PLACEHOLDER = /^[a-z0-9]+@anonymous\.placeholder\.invalid$/;

/** Signs a fresh device in anonymously; null (and the test skipped) when the server has no plugin. */
async function anonymousDevice(t) {
  const dev = guest();
  const { data, error } = await dev.client.signIn.anonymous();
  if (error && error.status === 404 && !REQUIRED) {
    t.skip("the server has no anonymous plugin (Portcullis: ENABLE_ANONYMOUS=true; reference: BA_REF_PROFILE=full)");
    return null;
  }
  assert.equal(error, null, `signIn.anonymous failed: ${JSON.stringify(error)}`);
  return { dev, data };
}

test("signIn.anonymous, then signUp.email on the same device: getSession shows the real user", async (t) => {
  const signedIn = await anonymousDevice(t);
  if (!signedIn) return;
  const { dev, data: anon } = signedIn;
  assert.equal(anon.user.isAnonymous, true);
  assert.match(anon.user.email, PLACEHOLDER);
  assert.equal(anon.user.name, "Anonymous");
  assert.equal(typeof anon.token, "string");
  assert.ok(dev.cookie("better-auth.session_token"), "the guest has a session cookie");

  const { data: s1 } = await dev.client.getSession();
  assert.equal(s1.user.id, anon.user.id);
  assert.equal(s1.user.isAnonymous, true);

  const again = await dev.client.signIn.anonymous();
  assert.equal(again.data, null);
  assert.equal(again.error.status, 400);
  assert.equal(again.error.code, "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY");
  assert.equal(again.error.message, ANONYMOUS_ERROR_CODES.ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY.message);

  const guestCookies = new Map(dev.jar);
  const email = uniqueEmail("anon-real");
  const up = await dev.client.signUp.email({ name: "Real After Guest", email, password: PASSWORD });
  assert.equal(up.error, null, JSON.stringify(up.error));
  assert.notEqual(up.data.user.id, anon.user.id);
  assert.equal(up.data.user.isAnonymous, false);

  const { data: s2 } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(s2.user.id, up.data.user.id);
  assert.equal(s2.user.email, email);
  assert.equal(s2.user.isAnonymous, false);

  // The guest user was deleted with its sessions: its old cookie opens nothing any more.
  const old = guest();
  for (const [name, value] of guestCookies) old.jar.set(name, value);
  const { data: gone } = await old.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(gone, null);
});

test("deleteAnonymousUser: the guest leaves; a real user cannot; no session → 401", async (t) => {
  const signedIn = await anonymousDevice(t);
  if (!signedIn) return;
  const { dev } = signedIn;
  const del = await dev.client.deleteAnonymousUser();
  assert.equal(del.error, null, JSON.stringify(del.error));
  assert.deepEqual(del.data, { success: true });
  assert.equal(dev.cookie("better-auth.session_token"), undefined, "the session cookie was cleared");
  const { data: after } = await dev.client.getSession();
  assert.equal(after, null);

  const real = guest();
  const up = await real.client.signUp.email({ name: "Real", email: uniqueEmail("anon-del"), password: PASSWORD });
  assert.equal(up.error, null, JSON.stringify(up.error));
  const refused = await real.client.deleteAnonymousUser();
  assert.equal(refused.error.status, 403);
  assert.equal(refused.error.code, "USER_IS_NOT_ANONYMOUS");

  const nobody = await guest().client.deleteAnonymousUser();
  assert.equal(nobody.error.status, 401);
  assert.equal(nobody.error.code, "UNAUTHORIZED");
});
