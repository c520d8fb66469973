// The official `better-auth` JavaScript client (1.7.25, unchanged) against a running server.
//
// Run:  AUTH_BASE_URL=http://127.0.0.1:8787 node --test --test-concurrency=1 tests/js/
//
// Env:
//   AUTH_BASE_URL                server origin, no path (the client appends /api/auth). Required.
//   EXPECT_FIXED_REFERENCE_BUGS  "1" = also assert the fixes of the wire spec §2.1 (Portcullis);
//                                unset = accept the reference server's known defects too.
//   AUTH_SECRET                  optional: the server's BETTER_AUTH_SECRET; when given, the HMAC
//                                signature of the session cookie is checked as well.
//   EXPECT_SESSION_EXPIRES_IN    optional: the server's session lifetime in seconds (default 604800).
//
// The client is configured, never patched: Node's fetch keeps no cookies and sends
// `Sec-Fetch-Mode: cors` by itself, so each simulated device gets a `customFetchImpl` that keeps
// a cookie jar and sends the headers a same-origin browser page would (`Origin` on non-GET
// requests, `Sec-Fetch-Site: same-origin`).

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { device, isDeletion } from "./lib/device.mjs";

const BASE = (process.env.AUTH_BASE_URL || "").replace(/\/+$/, "");
if (!BASE) {
  throw new Error("AUTH_BASE_URL is required, e.g. AUTH_BASE_URL=http://127.0.0.1:8787");
}
const FIXED = process.env.EXPECT_FIXED_REFERENCE_BUGS === "1";
const SECRET = process.env.AUTH_SECRET || "";
const EXPIRES_IN = Number(process.env.EXPECT_SESSION_EXPIRES_IN || 604800);
const SESSION_COOKIE = "better-auth.session_token";
const DONT_REMEMBER_COOKIE = "better-auth.dont_remember";
// Random per run, so that a server with a common/breached-password check never rejects them.
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-one`;

// ---------------------------------------------------------------------------------------------
// Helpers

const uniqueEmail = (label) =>
  `${label}-${randomUUID().slice(0, 12)}@Example.COM`; // mixed case on purpose

/** Sign up a fresh user on a fresh device; returns {dev, email, password, user, token}. */
async function signedUpUser(label, password = PASSWORD) {
  const dev = device();
  const email = uniqueEmail(label);
  const { data, error } = await dev.client.signUp.email({ name: `User ${label}`, email, password });
  assert.equal(error, null, `sign-up failed: ${JSON.stringify(error)}`);
  return { dev, email: email.toLowerCase(), password, user: data.user, token: data.token };
}

/** Sign in an existing user on a fresh device. */
async function signedInDevice(email, password = PASSWORD, extra = {}) {
  const dev = device();
  const { data, error } = await dev.client.signIn.email({ email, password, ...extra });
  assert.equal(error, null, `sign-in failed: ${JSON.stringify(error)}`);
  return { dev, data };
}

/** getSession that bypasses any cookie cache, so the server's view is seen. */
function freshSession(dev) {
  return dev.client.getSession({ query: { disableCookieCache: true } });
}

function assertApiError(error, status, code, message) {
  assert.ok(error, `expected an error ${status} ${code}, got none`);
  assert.equal(error.status, status, `status: ${JSON.stringify(error)}`);
  if (code !== undefined) assert.equal(error.code, code, `code: ${JSON.stringify(error)}`);
  if (typeof message === "string") assert.equal(error.message, message);
  else if (message instanceof RegExp) assert.match(error.message, message);
}

function assertUserShape(user, email) {
  assert.equal(typeof user.id, "string");
  assert.ok(user.id.length > 0);
  assert.equal(user.email, email);
  assert.equal(typeof user.name, "string");
  assert.equal(user.emailVerified, false);
  assert.ok(user.createdAt instanceof Date, "user.createdAt revived as Date");
  assert.ok(user.updatedAt instanceof Date, "user.updatedAt revived as Date");
  assert.ok(!Number.isNaN(user.createdAt.getTime()));
  assert.ok("image" in user, "user.image present (null when unset)");
}

/** Check the session cookie carries `<token>.<base64 HMAC-SHA256>` and the usual attributes. */
function assertSessionCookie(setCookie, token) {
  assert.ok(setCookie, `no ${SESSION_COOKIE} Set-Cookie`);
  assert.equal(setCookie.attrs.path, "/");
  assert.equal(setCookie.attrs.httponly, true, "HttpOnly");
  assert.equal(String(setCookie.attrs.samesite).toLowerCase(), "lax", "SameSite=Lax");
  const decoded = decodeURIComponent(setCookie.value);
  const dot = decoded.lastIndexOf(".");
  assert.equal(decoded.slice(0, dot), token, "cookie value starts with the session token");
  const sig = decoded.slice(dot + 1);
  assert.equal(sig.length, 44, "signature is 44 chars of padded base64");
  assert.ok(sig.endsWith("="));
  if (SECRET) {
    const expected = createHmac("sha256", SECRET).update(token).digest("base64");
    assert.equal(sig, expected, "HMAC-SHA256(secret, token), standard base64");
  }
  return decoded;
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  const dev = device();
  const { data, error } = await dev.client.$fetch("/ok");
  assert.equal(error, null, `GET ${BASE}/api/auth/ok failed: ${JSON.stringify(error)}`);
  assert.deepEqual(data, { ok: true });
});

test("signUp.email: creates the user, signs in, lower-cases the email, revives dates", async () => {
  const dev = device();
  const email = uniqueEmail("signup");
  let headerToken = null;
  const { data, error } = await dev.client.signUp.email(
    { name: "Ada Lovelace", email, password: PASSWORD },
    { onSuccess: (ctx) => { headerToken = ctx.response.headers.get("set-auth-token"); } },
  );
  assert.equal(error, null);
  assert.equal(typeof data.token, "string");
  assert.ok(data.token.length >= 32);
  assertUserShape(data.user, email.toLowerCase());
  assert.equal(data.user.name, "Ada Lovelace");
  assert.equal(data.user.image, null);
  assert.ok(!("redirect" in data), "sign-up body has no redirect");

  const res = dev.last("/sign-up/email");
  const cookie = res.setCookies.find((c) => c.name === SESSION_COOKIE);
  const signed = assertSessionCookie(cookie, data.token);
  assert.equal(Number(cookie.attrs["max-age"]), EXPIRES_IN);
  assert.equal(headerToken, signed, "set-auth-token = URL-decoded session cookie value");

  const s = await freshSession(dev);
  assert.equal(s.error, null);
  assert.equal(s.data.user.id, data.user.id);
  assert.equal(s.data.session.token, data.token);
});

test("signUp.email: duplicate email (any case) → 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", async () => {
  const { email } = await signedUpUser("dup");
  const { data, error } = await device().client.signUp.email({
    name: "Again",
    email: email.toUpperCase(),
    password: PASSWORD,
  });
  assert.equal(data, null);
  assertApiError(error, 422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "User already exists. Use another email.");
});

test("signUp.email: password length and email validation errors", async () => {
  const c = device().client;
  const short = await c.signUp.email({ name: "S", email: uniqueEmail("short"), password: "short12" });
  assertApiError(short.error, 400, "PASSWORD_TOO_SHORT", "Password too short");

  const long = await c.signUp.email({ name: "L", email: uniqueEmail("long"), password: "a".repeat(129) });
  assertApiError(long.error, 400, "PASSWORD_TOO_LONG", "Password too long");

  // exactly 8 and exactly 128 characters are accepted
  const min = await device().client.signUp.email({ name: "M", email: uniqueEmail("min"), password: `M!${RUN.slice(10, 16)}` });
  assert.equal(min.error, null);
  const max = await device().client.signUp.email({ name: "X", email: uniqueEmail("max"), password: `${RUN}`.repeat(4) });
  assert.equal(max.error, null);

  const bad = await c.signUp.email({ name: "E", email: "not-an-email", password: PASSWORD });
  assertApiError(bad.error, 400, "VALIDATION_ERROR");
  assert.ok(
    bad.error.message.includes("[body.email] Invalid email address"),
    `message: ${bad.error.message}`,
  );
});

test("signIn.email: success shape, case-insensitive email, set-auth-token", async () => {
  const { email, user } = await signedUpUser("signin");
  const dev = device();
  let headerToken = null;
  const { data, error } = await dev.client.signIn.email(
    { email: email.toUpperCase(), password: PASSWORD },
    { onSuccess: (ctx) => { headerToken = ctx.response.headers.get("set-auth-token"); } },
  );
  assert.equal(error, null);
  assert.equal(data.redirect, false);
  assert.ok(!("url" in data) || data.url === undefined || data.url === null);
  assert.equal(typeof data.token, "string");
  assertUserShape(data.user, email);
  assert.equal(data.user.id, user.id);

  const res = dev.last("/sign-in/email");
  const cookie = res.setCookies.find((c) => c.name === SESSION_COOKIE);
  const signed = assertSessionCookie(cookie, data.token);
  assert.equal(Number(cookie.attrs["max-age"]), EXPIRES_IN, "remembered session cookie has Max-Age");
  assert.equal(headerToken, signed);
  assert.ok(!res.setCookies.some((c) => c.name === DONT_REMEMBER_COOKIE && !isDeletion(c)));
});

test("signIn.email: wrong password and unknown email → 401 INVALID_EMAIL_OR_PASSWORD", async () => {
  const { email } = await signedUpUser("wrongpw");
  const dev = device();
  const wrong = await dev.client.signIn.email({ email, password: "not the password" });
  assert.equal(wrong.data, null);
  assertApiError(wrong.error, 401, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password");
  assert.ok(!dev.log.at(-1).setCookies.some((c) => c.name === SESSION_COOKIE && !isDeletion(c)));

  const unknown = await dev.client.signIn.email({ email: uniqueEmail("nobody"), password: PASSWORD });
  assertApiError(unknown.error, 401, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password");
  assert.equal((await dev.client.getSession()).data, null);
});

test("signIn.email rememberMe:false → browser-session cookie + dont_remember, 1-day session", async () => {
  const { email } = await signedUpUser("remember");
  const { dev, data } = await signedInDevice(email, PASSWORD, { rememberMe: false });
  const res = dev.last("/sign-in/email");
  const session = res.setCookies.find((c) => c.name === SESSION_COOKIE);
  assertSessionCookie(session, data.token);
  assert.equal(session.attrs["max-age"], undefined, `no Max-Age: ${session.raw}`);
  assert.equal(session.attrs.expires, undefined, `no Expires: ${session.raw}`);
  const dont = res.setCookies.find((c) => c.name === DONT_REMEMBER_COOKIE);
  assert.ok(dont, "dont_remember cookie is set");
  assert.equal(dont.attrs["max-age"], undefined, `dont_remember is a session cookie: ${dont.raw}`);
  assert.equal(decodeURIComponent(dont.value).split(".")[0], "true");

  const s = await freshSession(dev);
  assert.equal(s.data.session.token, data.token);
  const left = s.data.session.expiresAt.getTime() - Date.now();
  assert.ok(left > 0 && left <= 86_400_000 + 60_000, `don't-remember session lasts ≤ 1 day (${left} ms)`);
});

test("signIn.email with callbackURL → redirect:true, url", async () => {
  const { email } = await signedUpUser("callback");
  const { data } = await signedInDevice(email, PASSWORD, { callbackURL: "/dashboard" });
  assert.equal(data.redirect, true);
  assert.equal(data.url, "/dashboard");
  assert.equal(typeof data.token, "string");
});

test("getSession: session and user when signed in, null when not", async () => {
  const anon = await device().client.getSession();
  assert.equal(anon.error, null);
  assert.equal(anon.data, null);

  const { email, user } = await signedUpUser("getsession");
  const { dev, data } = await signedInDevice(email);
  const { data: s, error } = await dev.client.getSession();
  assert.equal(error, null);
  assert.equal(s.session.token, data.token);
  assert.equal(s.session.userId, user.id);
  assert.equal(typeof s.session.id, "string");
  assert.ok(s.session.expiresAt instanceof Date);
  assert.ok(s.session.createdAt instanceof Date);
  const left = s.session.expiresAt.getTime() - Date.now();
  assert.ok(left > EXPIRES_IN * 1000 - 120_000 && left <= EXPIRES_IN * 1000 + 60_000, `expiresIn (${left} ms)`);
  assertUserShape(s.user, email);
  assert.equal(s.user.id, user.id);
  const res = dev.last("/get-session");
  assert.match(res.headers.get("cache-control") || "", /no-store/);
});

test("listSessions / revokeSession: two devices, revoke the other one", async () => {
  const { dev: a, email, token: tokenA } = await signedUpUser("devices");
  const { dev: b, data: signInB } = await signedInDevice(email);
  const tokenB = signInB.token;
  assert.notEqual(tokenA, tokenB);

  const { data: list, error } = await a.client.listSessions();
  assert.equal(error, null);
  assert.ok(Array.isArray(list));
  assert.equal(list.length, 2);
  const listed = list.map((s) => s.token);
  assert.ok(listed.includes(tokenA), "the caller's own session carries its token");
  const other = listed.find((t) => t !== tokenA);
  if (process.env.EXPECT_HASHED_SESSION_TOKENS === "1") {
    // Portcullis stores session tokens hashed, so another device's entry carries an opaque
    // identifier (never a usable token) that revokeSession accepts.
    assert.notEqual(other, tokenB);
    assert.match(other, /^[A-Za-z0-9_-]{43}$/);
  } else {
    assert.equal(other, tokenB);
  }
  for (const s of list) {
    assert.ok(s.expiresAt instanceof Date);
    assert.equal(s.userId, signInB.user.id);
  }

  assert.equal((await freshSession(b)).data.session.token, tokenB);
  // Revoke with the value list-sessions gave, as an account page does.
  const revoked = await a.client.revokeSession({ token: other });
  assert.equal(revoked.error, null);
  assert.deepEqual(revoked.data, { status: true });

  const gone = await freshSession(b);
  assert.equal(gone.error, null);
  assert.equal(gone.data, null, "revoked device is signed out");
  const still = await freshSession(a);
  assert.equal(still.data.session.token, tokenA, "revoking device keeps its session");
  const after = await a.client.listSessions();
  assert.deepEqual(after.data.map((s) => s.token), [tokenA]);
});

test("updateUser: name change is visible in getSession", async () => {
  const { dev } = await signedUpUser("update");
  const { data, error } = await dev.client.updateUser({ name: "New Name" });
  assert.equal(error, null);
  assert.equal(data.status, true);
  const s = await freshSession(dev);
  assert.equal(s.data.user.name, "New Name");
  assert.ok(s.data.user.updatedAt instanceof Date);
});

test("updateUser: non-string name → 400 VALIDATION_ERROR (reference bug §2.1)", async () => {
  const { dev } = await signedUpUser("badname");
  const res = await dev.client.updateUser({ name: 123 });
  if (FIXED) {
    assert.equal(res.data, null);
    assertApiError(res.error, 400, "VALIDATION_ERROR", /\[body\.name\]/);
    const s = await freshSession(dev);
    assert.equal(s.data.user.name, "User badname", "name unchanged");
  } else {
    // The reference stores the number as the text "123" and answers {status:true}.
    const ok = res.error === null && res.data?.status === true;
    const fixed = res.error?.status === 400 && res.error?.code === "VALIDATION_ERROR";
    assert.ok(ok || fixed, `unexpected answer: ${JSON.stringify(res)}`);
  }
});

test("changePassword: revokeOtherSessions issues a new token and signs out other devices", async () => {
  const { dev: a, email, token: oldToken } = await signedUpUser("changepw");
  const { dev: b } = await signedInDevice(email);
  const newPassword = `Pw-${RUN.slice(16, 26)}-two`;

  const wrong = await a.client.changePassword({ currentPassword: "not it at all", newPassword });
  assert.equal(wrong.data, null);
  assertApiError(wrong.error, 400, "INVALID_PASSWORD", "Invalid password");

  let headerToken = null;
  const { data, error } = await a.client.changePassword(
    { currentPassword: PASSWORD, newPassword, revokeOtherSessions: true },
    { onSuccess: (ctx) => { headerToken = ctx.response.headers.get("set-auth-token"); } },
  );
  assert.equal(error, null);
  assert.equal(typeof data.token, "string");
  assert.notEqual(data.token, oldToken);
  assert.equal(data.user.email, email);
  assert.ok(data.user.createdAt instanceof Date);
  const cookie = a.last("/change-password").setCookies.find((c) => c.name === SESSION_COOKIE);
  assert.equal(assertSessionCookie(cookie, data.token), headerToken);

  const mine = await freshSession(a);
  assert.equal(mine.data?.session.token, data.token, "this device now holds the new session");
  assert.equal((await freshSession(b)).data, null, "other device signed out");

  const oldPw = await device().client.signIn.email({ email, password: PASSWORD });
  assertApiError(oldPw.error, 401, "INVALID_EMAIL_OR_PASSWORD");
  const newPw = await device().client.signIn.email({ email, password: newPassword });
  assert.equal(newPw.error, null);
  assert.equal(typeof newPw.data.token, "string");
});

test("signOut: success and session gone", async () => {
  const { email } = await signedUpUser("signout");
  const { dev, data: signIn } = await signedInDevice(email);
  const { data, error } = await dev.client.signOut();
  assert.equal(error, null);
  assert.equal(data.success, true);
  const res = dev.last("/sign-out");
  const cleared = res.setCookies.find((c) => c.name === SESSION_COOKIE);
  assert.ok(cleared && isDeletion(cleared), "session cookie expired");
  assert.equal(dev.cookie(SESSION_COOKIE), undefined);
  assert.equal((await freshSession(dev)).data, null);

  // the token itself is dead, not just the cookie dropped
  const replay = device({ cookies: false, fetchOptions: { auth: { type: "Bearer", token: signIn.token } } });
  assert.equal((await freshSession(replay)).data, null);
});

test("unauthenticated listSessions / updateUser → 401 UNAUTHORIZED", async () => {
  const c = device().client;
  const list = await c.listSessions();
  assert.equal(list.data, null);
  assertApiError(list.error, 401, "UNAUTHORIZED", "Unauthorized");
  const upd = await c.updateUser({ name: "nobody" });
  assertApiError(upd.error, 401, "UNAUTHORIZED", "Unauthorized");
});

test("verifyPassword: the right password, a wrong one, a too long one, no session", async () => {
  const { dev } = await signedUpUser("verifypw");
  const ok = await dev.client.verifyPassword({ password: PASSWORD });
  assert.equal(ok.error, null, JSON.stringify(ok.error));
  assert.deepEqual(ok.data, { status: true });
  assert.equal(dev.last("/verify-password").setCookies.length, 0, "no cookie");
  const wrong = await dev.client.verifyPassword({ password: `${PASSWORD}-not-it` });
  assert.equal(wrong.data, null);
  assertApiError(wrong.error, 400, "INVALID_PASSWORD", "Invalid password");
  const long = await dev.client.verifyPassword({ password: "x".repeat(129) });
  assertApiError(long.error, 400, "PASSWORD_TOO_LONG", "Password too long");
  const anon = await device().client.verifyPassword({ password: PASSWORD });
  assertApiError(anon.error, 401, "UNAUTHORIZED", "Unauthorized");
});

test("updateSession: nothing settable → 400 without a code; no session → 401", async () => {
  const { dev } = await signedUpUser("updsession");
  // Core session fields and unknown keys are ignored.
  const res = await dev.client.updateSession({ notASessionField: "x", token: "ignored" });
  assert.equal(res.data, null);
  assertApiError(res.error, 400, undefined, "No fields to update");
  assert.equal(res.error.code, undefined, "no code");
  assert.equal(dev.last("/update-session").setCookies.length, 0, "no cookie");
  const anon = await device().client.updateSession({ notASessionField: "x" });
  assertApiError(anon.error, 401, "UNAUTHORIZED", "Unauthorized");
});

test("signUp.email: a username that is not a string → 422 FAILED_TO_CREATE_USER", async () => {
  const dev = device();
  const email = uniqueEmail("numuser");
  const res = await dev.client.signUp.email({ name: "Num", email, password: PASSWORD, username: 12345 });
  assert.equal(res.data, null);
  assertApiError(res.error, 422, "FAILED_TO_CREATE_USER", "Failed to create user");
  assert.equal(dev.last("/sign-up/email").setCookies.length, 0, "no cookie");
  // Nothing was created: the address is still free.
  const again = await dev.client.signUp.email({ name: "Num", email, password: PASSWORD });
  assert.equal(again.error, null, JSON.stringify(again.error));
});

test("emailOtp.sendVerificationOtp: an unknown type → 400 VALIDATION_ERROR, the schema's message", async () => {
  const res = await device().client.emailOtp.sendVerificationOtp({
    email: uniqueEmail("otptype"),
    type: "bogus",
  });
  assert.equal(res.data, null);
  assertApiError(
    res.error,
    400,
    "VALIDATION_ERROR",
    '[body.type] Invalid option: expected one of "email-verification"|"sign-in"|"forget-password"|"change-email"',
  );
});

test("links with a bad token redirect with an empty application/json answer", async () => {
  const dev = device();
  const magic = await dev.client.magicLink.verify({ query: { token: "not-a-token" } });
  assert.equal(magic.data, null);
  assert.equal(magic.error.status, 302);
  const m = dev.last("/magic-link/verify");
  assert.equal(m.headers.get("content-type"), "application/json");
  assert.equal(m.headers.get("location"), `${BASE}/?error=INVALID_TOKEN`);
  const verify = await dev.client.verifyEmail({
    query: { token: "not-a-token", callbackURL: "/done" },
  });
  assert.equal(verify.error.status, 302);
  const v = dev.last("/verify-email");
  assert.equal(v.headers.get("content-type"), "application/json");
  assert.equal(v.headers.get("location"), "/done?error=INVALID_TOKEN");
});

test("bearer: set-auth-token from sign-in authenticates a cookie-less client", async () => {
  const { email, user } = await signedUpUser("bearer");
  const dev = device();
  let token = null;
  const { data, error } = await dev.client.signIn.email(
    { email, password: PASSWORD },
    { onSuccess: (ctx) => { token = ctx.response.headers.get("set-auth-token"); } },
  );
  assert.equal(error, null);
  assert.ok(token, "set-auth-token header present");
  assert.equal(token.split(".")[0], data.token);
  assert.match(dev.last("/sign-in/email").headers.get("access-control-expose-headers") || "", /set-auth-token/i);

  // A mobile-style client: no cookie jar, no Origin header, only the bearer token.
  const mobile = device({ cookies: false, origin: false, fetchOptions: { auth: { type: "Bearer", token } } });
  const s = await mobile.client.getSession();
  assert.equal(s.error, null);
  assert.equal(s.data.user.id, user.id);
  assert.equal(s.data.session.token, data.token);

  // bearer-only POSTs need no Origin either (no Cookie header → no origin check)
  const upd = await mobile.client.updateUser({ name: "Via Bearer" });
  assert.equal(upd.error, null);
  assert.equal(upd.data.status, true);
  assert.equal((await freshSession(dev)).data.user.name, "Via Bearer");

  // a tampered signature authenticates nothing
  const forged = device({
    cookies: false,
    origin: false,
    fetchOptions: { auth: { type: "Bearer", token: `${data.token}.${"A".repeat(43)}=` } },
  });
  assert.equal((await forged.client.getSession()).data, null);
});

test("revokeSessions: every session of the user is gone", async () => {
  const { dev: a, email } = await signedUpUser("revokeall");
  const { dev: b } = await signedInDevice(email);
  assert.equal((await a.client.listSessions()).data.length, 2);
  const { data, error } = await a.client.revokeSessions();
  assert.equal(error, null);
  assert.deepEqual(data, { status: true });
  assert.equal((await freshSession(a)).data, null);
  assert.equal((await freshSession(b)).data, null);
  const list = await a.client.listSessions();
  assertApiError(list.error, 401, "UNAUTHORIZED");
  // a new sign-in still works afterwards
  const again = await device().client.signIn.email({ email, password: PASSWORD });
  assert.equal(again.error, null);
});
