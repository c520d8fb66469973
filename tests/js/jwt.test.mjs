// The jwt plugin with the official client's `jwtClient`, unchanged: `client.token()` and
// `client.jwks()`, the `set-auth-jwt` header of get-session, and each token verified the way a
// backend verifies it, with `jose` against the key set (signature, issuer, audience, expiry).
//
// Both servers may run it: Portcullis with ENABLE_JWT=true, the reference with jwt() (in both
// profiles). A server whose /token answers 404 gets these tests skipped, unless EXPECT_JWT=1
// (scripts/test sets it) makes that a failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_JWT=1 (the plugin must be there).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { jwtClient } from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_JWT === "1";
const BASE = (process.env.AUTH_BASE_URL || "").replace(/\/+$/, "");
const PASSWORD = `Pw-${randomUUID().slice(0, 10)}-jwt`;

async function signedUp(t) {
  const dev = device({ plugins: [jwtClient()] });
  const email = `jwt-${randomUUID().slice(0, 12)}@example.com`;
  const up = await dev.client.signUp.email({ name: "Jwt Client", email, password: PASSWORD });
  assert.equal(up.error, null, JSON.stringify(up.error));
  const probe = await dev.client.token();
  if (probe.error?.status === 404 && !REQUIRED) {
    t.skip("the server has no jwt plugin");
    return null;
  }
  return { dev, email, user: up.data.user };
}

test("token() gives a JWT that verifies against jwks() with the user's claims", async (t) => {
  const s = await signedUp(t);
  if (!s) return;
  const { dev, email, user } = s;
  const { data, error } = await dev.client.token();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(Object.keys(data), ["token"]);
  const header = decodeProtectedHeader(data.token);
  assert.deepEqual(Object.keys(header), ["alg", "kid"]);
  const set = await dev.client.jwks();
  assert.equal(set.error, null, JSON.stringify(set.error));
  assert.ok(set.data.keys.some((k) => k.kid === header.kid), "the token's key is published");
  for (const k of set.data.keys) assert.equal(k.d, undefined, "no private part is published");
  const { payload } = await jwtVerify(data.token, createLocalJWKSet(set.data), {
    issuer: BASE,
    audience: BASE,
  });
  assert.equal(payload.sub, user.id);
  assert.equal(payload.email, email);
  assert.equal(payload.exp - payload.iat, 900);
});

test("getSession() answers carry set-auth-jwt, exposed to browser scripts", async (t) => {
  const s = await signedUp(t);
  if (!s) return;
  const { dev, user } = s;
  let fromHeader = null;
  const got = await dev.client.getSession({
    fetchOptions: {
      onSuccess: (ctx) => {
        fromHeader = ctx.response.headers.get("set-auth-jwt");
      },
    },
  });
  assert.equal(got.error, null, JSON.stringify(got.error));
  assert.ok(fromHeader, "set-auth-jwt is sent");
  const exposed = dev.last("/get-session").headers.get("access-control-expose-headers") || "";
  assert.ok(exposed.split(",").map((h) => h.trim()).includes("set-auth-jwt"), exposed);
  const set = await dev.client.jwks();
  const { payload } = await jwtVerify(fromHeader, createLocalJWKSet(set.data), {
    issuer: BASE,
    audience: BASE,
  });
  assert.equal(payload.sub, user.id);
});

test("a tampered token does not verify, and token() needs a session", async (t) => {
  const s = await signedUp(t);
  if (!s) return;
  const { dev } = s;
  const { data } = await dev.client.token();
  const [h, p, sig] = data.token.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  claims.email = "someone-else@example.com";
  const forged = [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), sig].join(".");
  const set = await dev.client.jwks();
  await assert.rejects(jwtVerify(forged, createLocalJWKSet(set.data)), /signature/i);

  await dev.client.signOut();
  const after = await dev.client.token();
  assert.equal(after.error?.status, 401);
});
