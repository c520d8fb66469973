// Social sign-in and account linking with the official client, unchanged: signIn.social,
// linkSocial, listAccounts, unlinkAccount and getAccessToken. Both servers have GitHub
// configured with a dummy client: Portcullis by GITHUB_CLIENT_ID/GITHUB_CLIENT_SECRET
// (scripts/test sets them), the reference in its full profile. With OIDC_ISSUER, the server's
// generic provider "local-oidc" signs in at that real OpenID provider (tests/oidc, which
// scripts/test starts), and the client goes through the whole dance: sign-up, the session,
// its account and token, linking it to an e-mail user, unlinking, and sign-out at the provider.
//
// A server without GitHub answers 404 PROVIDER_NOT_FOUND, and these tests are skipped, unless
// EXPECT_OAUTH=1 (scripts/test sets it), which makes that a failure (a missing OIDC_ISSUER too).
//
// Env: AUTH_BASE_URL (required), EXPECT_OAUTH=1 (GitHub must be configured), OIDC_ISSUER.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { device } from "./lib/device.mjs";
import { throughProvider } from "../oidc/login.mjs";

const ISSUER = (process.env.OIDC_ISSUER || "").replace(/\/+$/, "");
const BASE = (process.env.AUTH_BASE_URL || "").replace(/\/+$/, "");

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

/** The provider's answer at the callback, fetched by the device (its state cookie, its jar). */
async function callback(dev, url, login) {
  const back = await throughProvider(url, login, ISSUER);
  assert.ok(back.startsWith(`${BASE}/api/auth/callback/local-oidc?`), back);
  // A redirect, which the client reports as an error: what matters is where and the cookies.
  await dev.client.$fetch(back.slice(`${BASE}/api/auth`.length), { method: "GET" });
  const answer = dev.last("/callback/local-oidc");
  assert.equal(answer.status, 302);
  return answer.headers.get("location");
}

function needsProvider(t) {
  if (ISSUER) return true;
  assert.notEqual(process.env.EXPECT_OAUTH, "1", "OIDC_ISSUER names the provider scripts/test starts");
  t.skip("needs OIDC_ISSUER and a server with the generic provider local-oidc (scripts/test starts both)");
  return false;
}

test("the whole dance through a real provider: signIn.social, session, accounts, token, sign-out", { timeout: 60_000 }, async (t) => {
  if (!needsProvider(t)) return;
  const dev = device();
  const login = uniqueEmail("js-dance");
  const start = await dev.client.signIn.social({
    provider: "local-oidc",
    callbackURL: "/dashboard",
    newUserCallbackURL: "/welcome",
    disableRedirect: true,
  });
  assert.equal(start.error, null, JSON.stringify(start.error));
  assert.ok(start.data.url.startsWith(`${ISSUER}/auth?`), start.data.url);
  assert.equal(await callback(dev, start.data.url, login), "/welcome", "a new user goes to newUserCallbackURL");

  const session = await dev.client.getSession();
  assert.equal(session.error, null);
  assert.equal(session.data.user.email, login);
  assert.equal(session.data.user.emailVerified, true);

  const accounts = await dev.client.listAccounts();
  assert.equal(accounts.error, null);
  assert.deepEqual(accounts.data.map((a) => a.providerId), ["local-oidc"]);
  assert.equal(accounts.data[0].accountId, login, "the provider's subject");

  const token = await dev.client.getAccessToken({ accountId: accounts.data[0].id });
  assert.equal(token.error, null, JSON.stringify(token.error));
  assert.ok(token.data.accessToken.length > 10);
  assert.ok(token.data.scopes.includes("openid"), JSON.stringify(token.data));

  const unlink = await dev.client.unlinkAccount({ accountId: accounts.data[0].id });
  assert.equal(unlink.error.code, "FAILED_TO_UNLINK_LAST_ACCOUNT");

  // Sign-out ends the session here and answers the provider's logout URL.
  const out = await dev.client.signOut({ disableRedirect: true });
  assert.equal(out.error, null, JSON.stringify(out.error));
  assert.equal(out.data.success, true);
  assert.ok(out.data.url.startsWith(`${ISSUER}/session/end?`), out.data.url);
  assert.equal((await dev.client.getSession()).data, null);

  // The same person again: an existing user, to callbackURL.
  const again = await dev.client.signIn.social({ provider: "local-oidc", callbackURL: "/dashboard", disableRedirect: true });
  assert.equal(await callback(dev, again.data.url, login), "/dashboard");
  assert.equal((await dev.client.getSession()).data.user.email, login);
});

test("linkSocial through a real provider, then unlinkAccount", { timeout: 60_000 }, async (t) => {
  if (!needsProvider(t)) return;
  const dev = device();
  const email = uniqueEmail("js-link");
  const up = await dev.client.signUp.email({ name: "Linker", email, password: PASSWORD });
  assert.equal(up.error, null, JSON.stringify(up.error));
  const link = await dev.client.linkSocial({ provider: "local-oidc", callbackURL: "/linked", disableRedirect: true });
  assert.equal(link.error, null, JSON.stringify(link.error));
  assert.equal(await callback(dev, link.data.url, email), "/linked");

  const accounts = await dev.client.listAccounts();
  const linked = accounts.data.find((a) => a.providerId === "local-oidc");
  assert.ok(linked, JSON.stringify(accounts.data));
  assert.equal(accounts.data.length, 2);

  const unlink = await dev.client.unlinkAccount({ accountId: linked.id });
  assert.equal(unlink.error, null, JSON.stringify(unlink.error));
  const after = await dev.client.listAccounts();
  assert.deepEqual(after.data.map((a) => a.providerId), ["credential"]);
});
