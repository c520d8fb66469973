// The Express example against a real Portcullis: the official better-auth client signs up and
// in on the front; the Express API lets the session in by cookie and by bearer token, refuses
// requests without one (401) and a role the user lacks (403), and stops accepting a signed-out
// session once its short cache time has passed.
//
// Env: PORTCULLIS_URL (a running Portcullis; scripts/test starts one), PORTCULLIS_DB (its SQLite
// file, to make a user an admin as an operator would; the Pegasus app's `role` field must be
// declared: USER_ADDITIONAL_FIELDS='{"role":{"type":"string","defaultValue":"user","input":false}}').

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createApp } from "../src/app.mjs";
import { createFront } from "../src/front.mjs";

const AUTH = (process.env.PORTCULLIS_URL || "").replace(/\/+$/, "");
const DB = process.env.PORTCULLIS_DB;
const PASSWORD = `Pw-${randomUUID().slice(0, 10)}-express`;

let server;
let apiUrl;
let clockMs = 1_000_000;

before(async () => {
  assert.ok(AUTH, "set PORTCULLIS_URL to a running Portcullis");
  const app = createApp({ authUrl: AUTH, cacheSeconds: 5, now: () => clockMs });
  await new Promise((resolve) => {
    server = app.listen(0, "127.0.0.1", resolve);
  });
  apiUrl = `http://127.0.0.1:${server.address().port}`;
});

after(() => server?.close());

/**
 * A browser's fetch, reduced: one cookie jar for the host (cookies are not port-bound, so the
 * Portcullis session cookie reaches the API on the same host, as on one site), and the Origin a
 * page on the auth server's origin sends.
 */
function browserFetch() {
  const jar = new Map();
  const impl = async (input, init = {}) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const headers = new Headers(init.headers || {});
    const method = (init.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") headers.set("Origin", AUTH);
    if (jar.size && init.credentials !== "omit") {
      headers.set("Cookie", [...jar].map(([n, v]) => `${n}=${v}`).join("; "));
    }
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const gone = attrs.some((a) => /^\s*max-age\s*=\s*(0|-)/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    return response;
  };
  impl.jar = jar;
  return impl;
}

async function signedUpFront() {
  const fetchImpl = browserFetch();
  const front = createFront({ authUrl: AUTH, apiUrl, fetch: fetchImpl });
  const email = `express-${randomUUID().slice(0, 12)}@example.com`;
  const up = await front.authClient.signUp.email({ name: "Express User", email, password: PASSWORD });
  assert.equal(up.error, null, JSON.stringify(up.error));
  const signIn = await front.authClient.signIn.email({ email, password: PASSWORD });
  assert.equal(signIn.error, null, JSON.stringify(signIn.error));
  return { front, fetchImpl, email, userId: signIn.data.user.id };
}

test("the front signs in with the official client and the API sees the user by cookie and by bearer token", async () => {
  const { front, email, userId } = await signedUpFront();
  const byCookie = await front.api("/api/me");
  assert.equal(byCookie.status, 200, await byCookie.clone().text());
  const me = await byCookie.json();
  assert.equal(me.id, userId);
  assert.equal(me.email, email);
  assert.deepEqual(me.roles, ["user"]);

  assert.ok(front.sessionToken(), "sign-in handed over the session token");
  const byBearer = await front.api("/api/conversations", { bearer: true, credentials: "omit" });
  assert.equal(byBearer.status, 200, await byBearer.clone().text());
  assert.equal((await byBearer.json()).owner, userId);
});

test("no session, a made-up token or a foreign cookie get 401", async () => {
  assert.equal((await fetch(`${apiUrl}/api/me`)).status, 401);
  const madeUp = await fetch(`${apiUrl}/api/me`, {
    headers: { Authorization: `Bearer ${randomUUID()}` },
  });
  assert.equal(madeUp.status, 401);
  const basic = await fetch(`${apiUrl}/api/me`, { headers: { Authorization: "Basic eDp5" } });
  assert.equal(basic.status, 401);
  const foreign = await fetch(`${apiUrl}/api/me`, { headers: { Cookie: "other.session_token=x" } });
  assert.equal(foreign.status, 401);
});

test("a route for admins answers 403 to a user without the role, 200 once it is given", async () => {
  const { front, fetchImpl, email, userId } = await signedUpFront();
  assert.equal((await front.api("/api/admin/users")).status, 403);

  assert.ok(DB, "set PORTCULLIS_DB to the server's SQLite file");
  // An operator gives the role in the database (as the admin plugin would store it).
  execFileSync("python3", [
    "-c",
    "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE \"user\" SET role=? WHERE id=?', (sys.argv[2], sys.argv[3])); c.commit()",
    DB,
    "user,admin",
    userId,
  ]);
  // The server's session cache still holds the old user; a new session reads it afresh.
  fetchImpl.jar.clear();
  const again = await front.authClient.signIn.email({ email, password: PASSWORD });
  assert.equal(again.error, null, JSON.stringify(again.error));
  const admin = await front.api("/api/admin/users");
  assert.equal(admin.status, 200, await admin.clone().text());
  assert.equal((await admin.json()).viewer, userId);
});

test("a signed-out session is refused once the cache time has passed", async () => {
  const { front, fetchImpl } = await signedUpFront();
  const cookie = [...fetchImpl.jar].map(([n, v]) => `${n}=${v}`).join("; ");
  const token = front.sessionToken();
  assert.equal((await front.api("/api/me")).status, 200);
  assert.equal((await front.api("/api/me", { bearer: true, credentials: "omit" })).status, 200);

  const out = await front.authClient.signOut();
  assert.equal(out.error, null, JSON.stringify(out.error));
  // A copy of the old cookie, and the old token, within the 5-second cache: still let in.
  const stale = await fetch(`${apiUrl}/api/me`, { headers: { Cookie: cookie } });
  assert.equal(stale.status, 200);
  clockMs += 5_000;
  assert.equal((await fetch(`${apiUrl}/api/me`, { headers: { Cookie: cookie } })).status, 401);
  const byToken = await fetch(`${apiUrl}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(byToken.status, 401);
});
