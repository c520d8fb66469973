// Email and one-time-code flows with the official `better-auth` client and its plugins
// (emailOTPClient, magicLinkClient, phoneNumberClient, usernameClient), unchanged.
//
// The server sends over real SMTP (and its signed SMS webhook) to tests/sinks/message_sink.py;
// each test reads the link or code out of the message that arrived, as a user would.
//
// Env: AUTH_BASE_URL (required), MAIL_SINK_DIR (required: the sink's output directory).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import {
  emailOTPClient,
  magicLinkClient,
  phoneNumberClient,
  usernameClient,
  EMAIL_OTP_ERROR_CODES,
} from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const BASE = (process.env.AUTH_BASE_URL || "").replace(/\/+$/, "");
const SINK = process.env.MAIL_SINK_DIR || "";
if (!SINK) {
  throw new Error("MAIL_SINK_DIR is required: scripts/test starts the SMTP sink and sets it");
}
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-mail`;
const plugins = () => [emailOTPClient(), magicLinkClient(), phoneNumberClient(), usernameClient()];
const app = (opts = {}) => device({ plugins: plugins(), ...opts });
const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 10)}@example.com`;

/** Messages to `to` that arrived after `since` (ms), oldest first. */
async function messagesTo(to, since) {
  const out = [];
  for (const name of (await readdir(SINK)).sort()) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    if (Number(BigInt(name.split("-")[0]) / 1000000n) < since) continue;
    const m = JSON.parse(await readFile(`${SINK}/${name}`, "utf8"));
    if (m.to.toLowerCase() === to.toLowerCase()) out.push(m);
  }
  return out;
}

/**
 * Waits (up to 15 s) for a message to `to` after `since` whose subject (an SMS: its text)
 * matches `re`. Only the subject: the welcome and new-sign-in notices sent on their own
 * schedule carry the address, and a test's address contains its label ("reset", "verify").
 */
async function waitForMessage(to, since, re = /./, also = () => true) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const found = (await messagesTo(to, since)).filter((m) => re.test(m.subject || m.text) && also(m));
    if (found.length) return found.at(-1);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no message to ${to} matching ${re} within 15 s`);
}

const linkIn = (m) => {
  const url = m.text.match(/https?:\/\/[^\s<>")]+/);
  assert.ok(url, `no link in: ${m.text}`);
  return url[0];
};
const codeIn = (m) => {
  const code = `${m.subject} ${m.text}`.match(/(?<!\d)\d{6}(?!\d)/);
  assert.ok(code, `no code in: ${m.subject} ${m.text}`);
  return code[0];
};

async function signUp(dev, label, extra = {}) {
  const email = uniqueEmail(label);
  const { data, error } = await dev.client.signUp.email({
    name: `User ${label}`, email, password: PASSWORD, ...extra,
  });
  assert.equal(error, null, JSON.stringify(error));
  return { email, user: data.user };
}

test("verification email over SMTP: the link verifies the address", async () => {
  const dev = app();
  const since = Date.now();
  const { email } = await signUp(dev, "verify");
  const { error } = await dev.client.sendVerificationEmail({ email, callbackURL: "/account" });
  assert.equal(error, null, JSON.stringify(error));
  // Sign-up sent one too (to the hosted page): take the one this request asked for.
  const message = await waitForMessage(email, since, /^verify your email/i, (m) =>
    linkIn(m).includes("callbackURL=%2Faccount"),
  );
  assert.match(message.from, /auth@portcullis\.test/);
  assert.ok(message.html.includes("<"), "an HTML part arrived too");
  assert.ok(message.authenticated_as, "the server authenticated to the SMTP server");
  const res = await fetch(linkIn(message), { redirect: "manual", headers: { cookie: [...dev.jar].map(([n, v]) => `${n}=${v}`).join("; ") } });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "/account");
  const { data } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(data.user.emailVerified, true);
});

test("password reset: requestPasswordReset → link → resetPassword", async () => {
  const dev = app();
  const { email } = await signUp(dev, "reset");
  const since = Date.now();
  const other = app();
  const { error } = await other.client.requestPasswordReset({ email, redirectTo: "/reset-password" });
  assert.equal(error, null, JSON.stringify(error));
  const link = linkIn(await waitForMessage(email, since, /^reset your/i));
  const hop = await fetch(link, { redirect: "manual" });
  assert.equal(hop.status, 302);
  const token = new URL(hop.headers.get("location")).searchParams.get("token");
  assert.ok(token);
  const done = await other.client.resetPassword({ newPassword: `${PASSWORD}-new`, token });
  assert.equal(done.error, null, JSON.stringify(done.error));
  const again = await other.client.resetPassword({ newPassword: `${PASSWORD}-newer`, token });
  assert.equal(again.error.status, 400);
  assert.equal(again.error.code, "INVALID_TOKEN");
  // The old session ended; the new password signs in.
  const { data: gone } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(gone, null);
  const signedIn = await app().client.signIn.email({ email, password: `${PASSWORD}-new` });
  assert.equal(signedIn.error, null, JSON.stringify(signedIn.error));
});

test("change email: the new address's link makes the change", async () => {
  const dev = app();
  const { email } = await signUp(dev, "change");
  const newEmail = uniqueEmail("changed");
  const since = Date.now();
  const { error } = await dev.client.changeEmail({ newEmail, callbackURL: "/account" });
  assert.equal(error, null, JSON.stringify(error));
  const link = linkIn(await waitForMessage(newEmail, since, /^verify your email/i));
  const cookie = [...dev.jar].map(([n, v]) => `${n}=${v}`).join("; ");
  assert.equal((await fetch(link, { redirect: "manual", headers: { cookie } })).status, 302);
  const { data } = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(data.user.email, newEmail);
  assert.notEqual(data.user.email, email);
  // As Better Auth 1.7: the change keeps the account's verification state (unverified here).
  assert.equal(data.user.emailVerified, false);
});

test("magic link: signIn.magicLink → email → magicLink.verify signs in", async () => {
  const dev = app();
  const email = uniqueEmail("magic");
  const since = Date.now();
  const { data, error } = await dev.client.signIn.magicLink({ email, name: "Magic", callbackURL: "/account" });
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.status, true);
  const link = new URL(linkIn(await waitForMessage(email, since, /^sign in to/i)));
  const token = link.searchParams.get("token");
  const verified = await dev.client.magicLink.verify({ query: { token } });
  assert.equal(verified.error, null, JSON.stringify(verified.error));
  const session = await dev.client.getSession();
  assert.equal(session.data.user.email, email);
  assert.equal(session.data.user.emailVerified, true);
  const reused = await app().client.magicLink.verify({ query: { token } });
  assert.ok(reused.error, "a link works once");
});

test("email OTP: sign-in code, wrong code, attempt limit", async () => {
  const dev = app();
  const email = uniqueEmail("otp");
  let since = Date.now();
  const sent = await dev.client.emailOtp.sendVerificationOtp({ email, type: "sign-in" });
  assert.equal(sent.error, null, JSON.stringify(sent.error));
  const otp = codeIn(await waitForMessage(email, since, /^your .* code: \d{6}$/i));
  const wrong = otp === "000000" ? "111111" : "000000";
  const bad = await dev.client.signIn.emailOtp({ email, otp: wrong });
  assert.equal(bad.error.code, "INVALID_OTP");
  assert.equal(bad.error.message, EMAIL_OTP_ERROR_CODES.INVALID_OTP.message);
  const ok = await dev.client.signIn.emailOtp({ email, otp });
  assert.equal(ok.error, null, JSON.stringify(ok.error));
  assert.equal((await dev.client.getSession()).data.user.email, email);

  // Three wrong codes use up the budget; then even the right one is refused.
  since = Date.now();
  await dev.client.emailOtp.sendVerificationOtp({ email, type: "forget-password" });
  const reset = codeIn(await waitForMessage(email, since, /^your .* code: \d{6}$/i));
  const other = reset === "000000" ? "111111" : "000000";
  for (let i = 0; i < 3; i++) {
    const r = await dev.client.emailOtp.resetPassword({ email, otp: other, password: `${PASSWORD}-x` });
    assert.ok(r.error);
  }
  const locked = await dev.client.emailOtp.resetPassword({ email, otp: reset, password: `${PASSWORD}-x` });
  assert.equal(locked.error.status, 403);
  assert.equal(locked.error.code, "TOO_MANY_ATTEMPTS");
});

test("email OTP: forget-password and reset with the code", async () => {
  const dev = app();
  const { email } = await signUp(dev, "otpreset");
  const since = Date.now();
  const asked = await app().client.forgetPassword.emailOtp({ email });
  assert.equal(asked.error, null, JSON.stringify(asked.error));
  const otp = codeIn(await waitForMessage(email, since, /^your .* code: \d{6}$/i));
  const done = await app().client.emailOtp.resetPassword({ email, otp, password: `${PASSWORD}-otp` });
  assert.equal(done.error, null, JSON.stringify(done.error));
  const signedIn = await app().client.signIn.email({ email, password: `${PASSWORD}-otp` });
  assert.equal(signedIn.error, null, JSON.stringify(signedIn.error));
});

test("phone number: OTP by the signed SMS webhook, verify, sign in with the number", async () => {
  const dev = app();
  await signUp(dev, "phone");
  const phoneNumber = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  const since = Date.now();
  const sent = await dev.client.phoneNumber.sendOtp({ phoneNumber });
  assert.equal(sent.error, null, JSON.stringify(sent.error));
  const sms = await waitForMessage(phoneNumber, since);
  assert.equal(sms.channel, "sms");
  const code = codeIn(sms);
  const verified = await dev.client.phoneNumber.verify({ phoneNumber, code, updatePhoneNumber: true });
  assert.equal(verified.error, null, JSON.stringify(verified.error));
  const session = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(session.data.user.phoneNumber, phoneNumber);
  assert.equal(session.data.user.phoneNumberVerified, true);
  const signedIn = await app().client.signIn.phoneNumber({ phoneNumber, password: PASSWORD });
  assert.equal(signedIn.error, null, JSON.stringify(signedIn.error));
  const bad = await app().client.phoneNumber.sendOtp({ phoneNumber: "12345" });
  assert.equal(bad.error.status, 400);
});

test("username: sign up with one, sign in with it in any case, availability", async () => {
  const dev = app();
  const username = `U_${RUN.slice(0, 8)}`;
  const { user } = await signUp(dev, "username", { username });
  assert.equal(user.username, username.toLowerCase());
  assert.equal(user.displayUsername, username);
  const taken = await app().client.isUsernameAvailable({ username: username.toUpperCase() });
  assert.equal(taken.data.available, false);
  const free = await app().client.isUsernameAvailable({ username: `free_${RUN.slice(0, 8)}` });
  assert.equal(free.data.available, true);
  const signedIn = await app().client.signIn.username({ username: username.toUpperCase(), password: PASSWORD });
  assert.equal(signedIn.error, null, JSON.stringify(signedIn.error));
  assert.equal(signedIn.data.user.username, username.toLowerCase());
  const wrong = await app().client.signIn.username({ username, password: `${PASSWORD}-wrong` });
  assert.equal(wrong.error.status, 401);
  assert.equal(wrong.error.code, "INVALID_USERNAME_OR_PASSWORD");
});
