// The admin plugin with the official client's `adminClient`, unchanged: every admin endpoint,
// driven by an administrator the operator made with `portcullis user create --role admin`
// (scripts/test makes it before the suite and passes its email and password), and the
// refusals a user without the role gets.
//
// Env: AUTH_BASE_URL (required), ADMIN_EMAIL and ADMIN_PASSWORD (an administrator), EXPECT_ADMIN=1
// (without an administrator the tests fail instead of being skipped).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { adminClient } from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_ADMIN === "1";
const ADMIN_EMAIL = process.env.ADMIN_EMAIL;
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD;
const PASSWORD = `Pw-${randomUUID().slice(0, 10)}-admin`;

function skipWithoutAdmin(t) {
  if (ADMIN_EMAIL && ADMIN_PASSWORD) return false;
  assert.ok(!REQUIRED, "EXPECT_ADMIN=1 but ADMIN_EMAIL/ADMIN_PASSWORD are not set");
  t.skip("no administrator (ADMIN_EMAIL, ADMIN_PASSWORD)");
  return true;
}

async function signedInAdmin() {
  const dev = device({ plugins: [adminClient()] });
  const { error } = await dev.client.signIn.email({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(error, null, JSON.stringify(error));
  return dev;
}

async function newUser(label) {
  const dev = device({ plugins: [adminClient()] });
  const email = `${label}-${randomUUID().slice(0, 12)}@example.com`;
  const { data, error } = await dev.client.signUp.email({ name: `Admin test ${label}`, email, password: PASSWORD });
  assert.equal(error, null, JSON.stringify(error));
  return { dev, email, user: data.user };
}

test("admin: create, list, get, update, set-role, has-permission, remove", async (t) => {
  if (skipWithoutAdmin(t)) return;
  const admin = await signedInAdmin();
  const email = `made-${randomUUID().slice(0, 12)}@example.com`;
  const created = await admin.client.admin.createUser({ email, name: "Made", password: PASSWORD, role: "user" });
  assert.equal(created.error, null, JSON.stringify(created.error));
  const id = created.data.user.id;
  assert.equal(created.data.user.role, "user");

  const listed = await admin.client.admin.listUsers({ query: { searchValue: email, searchField: "email", limit: 5 } });
  assert.equal(listed.error, null, JSON.stringify(listed.error));
  assert.equal(listed.data.total, 1);
  assert.equal(listed.data.users[0].email, email);
  assert.equal(listed.data.limit, 5);

  const got = await admin.client.admin.getUser({ query: { id } });
  assert.equal(got.error, null, JSON.stringify(got.error));
  assert.equal(got.data.email, email);

  const updated = await admin.client.admin.updateUser({ userId: id, data: { name: "Renamed" } });
  assert.equal(updated.error, null, JSON.stringify(updated.error));
  assert.equal(updated.data.name, "Renamed");

  const role = await admin.client.admin.setRole({ userId: id, role: ["admin", "user"] });
  assert.equal(role.error, null, JSON.stringify(role.error));
  assert.equal(role.data.user.role, "admin,user");

  const allowed = await admin.client.admin.hasPermission({ permissions: { user: ["ban"], session: ["revoke"] } });
  assert.deepEqual(allowed.data, { error: null, success: true });

  const removed = await admin.client.admin.removeUser({ userId: id });
  assert.deepEqual(removed.data, { success: true });
  const gone = await admin.client.admin.getUser({ query: { id } });
  assert.equal(gone.error.status, 404);
  assert.equal(gone.error.code, "USER_NOT_FOUND");
});

test("admin: ban ends the sessions and refuses sign-in; unban lets the user back", async (t) => {
  if (skipWithoutAdmin(t)) return;
  const admin = await signedInAdmin();
  const { dev, email, user } = await newUser("banned");
  const banned = await admin.client.admin.banUser({ userId: user.id, banReason: "spam", banExpiresIn: 600 });
  assert.equal(banned.error, null, JSON.stringify(banned.error));
  assert.equal(banned.data.user.banned, true);
  assert.equal(banned.data.user.banReason, "spam");
  const session = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(session.data, null, "the ban ended the session");
  const refused = await dev.client.signIn.email({ email, password: PASSWORD });
  assert.equal(refused.error.status, 403);
  assert.equal(refused.error.code, "BANNED_USER");

  const unbanned = await admin.client.admin.unbanUser({ userId: user.id });
  assert.equal(unbanned.data.user.banned, false);
  const back = await dev.client.signIn.email({ email, password: PASSWORD });
  assert.equal(back.error, null, JSON.stringify(back.error));
});

test("admin: sessions listed and revoked; a password set", async (t) => {
  if (skipWithoutAdmin(t)) return;
  const admin = await signedInAdmin();
  const { dev, email, user } = await newUser("sessions");
  const listed = await admin.client.admin.listUserSessions({ userId: user.id });
  assert.equal(listed.error, null, JSON.stringify(listed.error));
  assert.equal(listed.data.sessions.length, 1);
  const revoked = await admin.client.admin.revokeUserSession({ sessionToken: listed.data.sessions[0].token });
  assert.deepEqual(revoked.data, { success: true });
  assert.equal((await dev.client.getSession({ query: { disableCookieCache: true } })).data, null);

  await dev.client.signIn.email({ email, password: PASSWORD });
  const all = await admin.client.admin.revokeUserSessions({ userId: user.id });
  assert.deepEqual(all.data, { success: true });
  assert.equal((await dev.client.getSession({ query: { disableCookieCache: true } })).data, null);

  const newPassword = `${PASSWORD}-new`;
  const set = await admin.client.admin.setUserPassword({ userId: user.id, newPassword });
  assert.deepEqual(set.data, { status: true });
  const signedIn = await dev.client.signIn.email({ email, password: newPassword });
  assert.equal(signedIn.error, null, JSON.stringify(signedIn.error));
});

test("admin: impersonate a user, then stop", async (t) => {
  if (skipWithoutAdmin(t)) return;
  const admin = await signedInAdmin();
  const { user } = await newUser("impersonated");
  const started = await admin.client.admin.impersonateUser({ userId: user.id });
  assert.equal(started.error, null, JSON.stringify(started.error));
  assert.equal(started.data.user.id, user.id);
  assert.ok(started.data.session.impersonatedBy, "the session names its administrator");
  const as = await admin.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(as.data.user.id, user.id);
  assert.ok(as.data.session.impersonatedBy);
  const stopped = await admin.client.admin.stopImpersonating();
  assert.equal(stopped.error, null, JSON.stringify(stopped.error));
  assert.equal(stopped.data.user.email, ADMIN_EMAIL);
  const me = await admin.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(me.data.user.email, ADMIN_EMAIL);
});

test("admin: a user without the role gets Better Auth's refusals", async (t) => {
  if (skipWithoutAdmin(t)) return;
  const { dev, user } = await newUser("plain");
  const list = await dev.client.admin.listUsers({ query: {} });
  assert.equal(list.error.status, 403);
  assert.equal(list.error.code, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS");
  const ban = await dev.client.admin.banUser({ userId: user.id });
  assert.equal(ban.error.code, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS");
  const check = await dev.client.admin.hasPermission({ permissions: { user: ["list"] } });
  assert.deepEqual(check.data, { error: null, success: false });
});
