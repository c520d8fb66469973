// Social sign-in and account linking with the official client, unchanged: signIn.social,
// linkSocial, listAccounts, unlinkAccount and getAccessToken, as far as they go without a
// provider answering (the whole redirect dance against a real OpenID provider is
// crates/portcullis-plugins/tests/oauth.rs). Both servers have GitHub configured with a dummy
// client: Portcullis by GITHUB_CLIENT_ID/GITHUB_CLIENT_SECRET (scripts/test sets them), the
// reference in its full profile.
//
// A server without GitHub answers 404 PROVIDER_NOT_FOUND, and these tests are skipped, unless
// EXPECT_OAUTH=1 (scripts/test sets it), which makes that a failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_OAUTH=1 (GitHub must be configured).

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_OAUTH === "1";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-oauth`;
const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 12)}@example.com`;

/** true when the server has GitHub configured; otherwise skips the test (or fails it). */
async function hasGitHub(t, dev) {
  const { error } = await dev.client.signIn.social({ provider: "github", disableRedirect: true });
  if (error && error.status === 404 && !REQUIRED) {
    t.skip("the server has no GitHub provider (Portcullis: GITHUB_CLIENT_ID/SECRET; reference: BA_REF_PROFILE=full)");
    return false;
  }
  assert.equal(error, null, `signIn.social failed: ${JSON.stringify(error)}`);
  return true;
}

test("signIn.social answers GitHub's authorization URL with state and PKCE, without redirecting", async (t) => {
  const dev = device();
  if (!(await hasGitHub(t, dev))) return;
  const { data, error } = await dev.client.signIn.social({
    provider: "github",
    callbackURL: "/dashboard",
    disableRedirect: true,
  });
  assert.equal(error, null);
  assert.equal(data.redirect, false);
  const url = new URL(data.url);
  assert.equal(`${url.origin}${url.pathname}`, "https://github.com/login/oauth/authorize");
  assert.equal(url.searchParams.get("response_type"), "code");
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  assert.equal(url.searchParams.get("state").length, 32);
  assert.match(url.searchParams.get("redirect_uri"), /\/api\/auth\/callback\/github$/);
  assert.ok(dev.cookie("better-auth.state"), "the state cookie binds the flow to this browser");
});

test("signIn.social with an unknown provider: 404 PROVIDER_NOT_FOUND", async (t) => {
  const dev = device();
  if (!(await hasGitHub(t, dev))) return;
  const { error } = await dev.client.signIn.social({ provider: "nope", disableRedirect: true });
  assert.equal(error.status, 404);
  assert.equal(error.code, "PROVIDER_NOT_FOUND");
});

test("listAccounts, linkSocial, unlinkAccount and getAccessToken for an e-mail user", async (t) => {
  const dev = device();
  if (!(await hasGitHub(t, dev))) return;
  const email = uniqueEmail("oauth");
  const up = await dev.client.signUp.email({ name: "OAuth user", email, password: PASSWORD });
  assert.equal(up.error, null, JSON.stringify(up.error));

  const accounts = await dev.client.listAccounts();
  assert.equal(accounts.error, null);
  assert.equal(accounts.data.length, 1);
  assert.equal(accounts.data[0].providerId, "credential");
  const credentialId = accounts.data[0].id;

  const link = await dev.client.linkSocial({ provider: "github", callbackURL: "/linked", disableRedirect: true });
  assert.equal(link.error, null, JSON.stringify(link.error));
  assert.equal(link.data.redirect, false);
  assert.match(link.data.url, /^https:\/\/github\.com\/login\/oauth\/authorize\?/);

  const unlink = await dev.client.unlinkAccount({ accountId: credentialId });
  assert.equal(unlink.error.status, 400);
  assert.equal(unlink.error.code, "FAILED_TO_UNLINK_LAST_ACCOUNT");

  const token = await dev.client.getAccessToken({ accountId: credentialId });
  assert.equal(token.error.status, 400);
  assert.equal(token.error.code, "PROVIDER_NOT_SUPPORTED");

  const missing = await dev.client.getAccessToken({ accountId: "no-such-account" });
  assert.equal(missing.error.status, 400);
  assert.equal(missing.error.code, "ACCOUNT_NOT_FOUND");
});
