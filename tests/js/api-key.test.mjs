// The api-key plugin with the official client's `apiKeyClient` (from `@better-auth/api-key/client`,
// the version the reference runs), unchanged: create (the key shown once), get, list, update and
// delete a user's own keys, and the refusals a browser gets for Better Auth's server-only
// properties.
//
// The plugin is optional on both servers (Portcullis: ENABLE_API_KEY=true; the reference:
// BA_REF_PROFILE=full). A server without it answers 404 on /api-key/create, and these tests are
// skipped, unless EXPECT_API_KEY=1 (scripts/test sets it), which makes that a failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_API_KEY=1 (the plugin must be there).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { apiKeyClient, API_KEY_ERROR_CODES } from "@better-auth/api-key/client";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_API_KEY === "1";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-apikey`;

/** A signed-up device with the api-key client plugin, and its user. */
async function owner(label) {
  const dev = device({ plugins: [apiKeyClient()] });
  const email = `${label}-${randomUUID().slice(0, 12)}@example.com`;
  const { data, error } = await dev.client.signUp.email({ name: `Keys ${label}`, email, password: PASSWORD });
  assert.equal(error, null, JSON.stringify(error));
  return { dev, user: data.user };
}

/** Creates a key; null (and the test skipped) when the server has no plugin. */
async function createOrSkip(t, dev, body) {
  const res = await dev.client.apiKey.create(body);
  if (res.error && res.error.status === 404 && !REQUIRED) {
    t.skip("the server has no api-key plugin (Portcullis: ENABLE_API_KEY=true; reference: BA_REF_PROFILE=full)");
    return null;
  }
  return res;
}

test("apiKey.create shows the key once; get, list, update and delete manage it", async (t) => {
  const { dev, user } = await owner("crud");
  const created = await createOrSkip(t, dev, { name: "ci", expiresIn: 86400 });
  if (!created) return;
  assert.equal(created.error, null, JSON.stringify(created.error));
  const key = created.data;
  assert.match(key.key, /^[a-zA-Z]{64}$/);
  assert.equal(key.start, key.key.slice(0, 6));
  assert.equal(key.name, "ci");
  assert.equal(key.referenceId, user.id);
  assert.equal(key.enabled, true);
  assert.equal(key.remaining, null);
  assert.equal(key.permissions, null);
  assert.ok(key.expiresAt instanceof Date, "the client revives dates");
  assert.equal(key.expiresAt.getTime() - key.createdAt.getTime(), 86400 * 1000);

  const got = await dev.client.apiKey.get({ query: { id: key.id } });
  assert.equal(got.error, null, JSON.stringify(got.error));
  assert.equal(got.data.id, key.id);
  assert.equal(got.data.name, "ci");
  assert.equal("key" in got.data, false, "the key is never shown again");

  await dev.client.apiKey.create({ name: "second" });
  const listed = await dev.client.apiKey.list({ query: { sortBy: "name", sortDirection: "asc" } });
  assert.equal(listed.error, null, JSON.stringify(listed.error));
  assert.equal(listed.data.total, 2);
  assert.deepEqual(listed.data.apiKeys.map((k) => k.name), ["ci", "second"]);
  assert.ok(listed.data.apiKeys.every((k) => !("key" in k)));
  const page = await dev.client.apiKey.list({ query: { limit: 1, offset: 1, sortBy: "name", sortDirection: "asc" } });
  assert.deepEqual(page.data.apiKeys.map((k) => k.name), ["second"]);
  assert.equal(page.data.limit, 1);
  assert.equal(page.data.offset, 1);

  const updated = await dev.client.apiKey.update({ keyId: key.id, name: "renamed", enabled: false });
  assert.equal(updated.error, null, JSON.stringify(updated.error));
  assert.equal(updated.data.name, "renamed");
  assert.equal(updated.data.enabled, false);

  const deleted = await dev.client.apiKey.delete({ keyId: key.id });
  assert.equal(deleted.error, null, JSON.stringify(deleted.error));
  assert.deepEqual(deleted.data, { success: true });
  const gone = await dev.client.apiKey.get({ query: { id: key.id } });
  assert.equal(gone.data, null);
  assert.equal(gone.error.status, 404);
  assert.equal(gone.error.code, "KEY_NOT_FOUND");
  assert.equal(gone.error.message, API_KEY_ERROR_CODES.KEY_NOT_FOUND.message);
});

test("apiKey: server-only properties, other users' keys and no session are refused", async (t) => {
  const { dev } = await owner("refusals");
  const probe = await createOrSkip(t, dev, { name: "mine" });
  if (!probe) return;
  assert.equal(probe.error, null, JSON.stringify(probe.error));

  for (const body of [{ remaining: 5 }, { permissions: { files: ["read"] } }, { rateLimitMax: 100 }]) {
    const res = await dev.client.apiKey.create(body);
    assert.equal(res.data, null);
    assert.equal(res.error.status, 400, JSON.stringify(body));
    assert.equal(res.error.code, "SERVER_ONLY_PROPERTY");
    assert.equal(res.error.message, API_KEY_ERROR_CODES.SERVER_ONLY_PROPERTY.message);
  }
  const short = await dev.client.apiKey.create({ expiresIn: 3600 });
  assert.equal(short.error.code, "EXPIRES_IN_IS_TOO_SMALL");
  const unchanged = await dev.client.apiKey.update({ keyId: probe.data.id });
  assert.equal(unchanged.error.code, "NO_VALUES_TO_UPDATE");

  const { dev: other } = await owner("other");
  const theirs = await other.client.apiKey.get({ query: { id: probe.data.id } });
  assert.equal(theirs.error.status, 404);
  assert.equal(theirs.error.code, "KEY_NOT_FOUND");
  const stolen = await other.client.apiKey.delete({ keyId: probe.data.id });
  assert.equal(stolen.error.status, 404);

  const stranger = device({ plugins: [apiKeyClient()] });
  const anon = await stranger.client.apiKey.create({ name: "x" });
  assert.equal(anon.error.status, 401);
  assert.equal(anon.error.code, "UNAUTHORIZED_SESSION");
  const anonList = await stranger.client.apiKey.list();
  assert.equal(anonList.error.status, 401);
});
