// Portcullis as an OpenID provider, driven by openid-client (a certified relying-party library)
// with Chromium for the user's part: discovery; the code flow with PKCE through the hosted
// sign-in page, two-step verification and the consent page; the ID token's validation;
// userinfo; introspection and revocation; refresh with rotation and reuse detection; client
// credentials; end-session; the device flow (RFC 8628) with polling. Then a second Portcullis signs in to this one through its generic
// OAuth plugin ("Portcullis signs in to itself").
//
// scripts/test starts the provider (PORTCULLIS_URL) with ENABLE_OIDC_PROVIDER, makes the clients
// with `portcullis oauth-client create` (OIDC_CLIENT, OIDC_SERVICE: their JSON) and starts the
// second server (OIDC_SELF_RP_URL). Without them it skips, unless EXPECT_OIDC_PROVIDER=1.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as client from "openid-client";
import { BASE_URL, browserForFile, freshEmail, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const CLIENT = JSON.parse(process.env.OIDC_CLIENT || "null");
const SERVICE = JSON.parse(process.env.OIDC_SERVICE || "null");
const SELF_RP = (process.env.OIDC_SELF_RP_URL || "").replace(/\/+$/, "");
const ISSUER = `${BASE_URL}/api/auth`;
// Nothing listens there: the browser's arrival is caught by a route and handed to the client.
const REDIRECT = CLIENT?.redirect_uris?.[0];
const LOGGED_OUT = CLIENT?.post_logout_redirect_uris?.[0];
// http on loopback: openid-client refuses plain http unless told this is a test.
const insecure = { execute: [client.allowInsecureRequests] };

function skipUnlessConfigured(t) {
  if (CLIENT && SERVICE) return false;
  assert.notEqual(process.env.EXPECT_OIDC_PROVIDER, "1", "OIDC_CLIENT and OIDC_SERVICE name the clients");
  t.skip("needs a server with ENABLE_OIDC_PROVIDER and its clients (scripts/test makes them)");
  return true;
}

/** oathtool's code for the base32 key, `stepsAhead` 30-second steps from now. */
function totp(key, stepsAhead = 0) {
  const at = new Date(Date.now() + stepsAhead * 30_000).toISOString().replace("T", " ").replace(/\..*$/, " UTC");
  return execFileSync("oathtool", ["--totp", "-b", key, "--now", at], { encoding: "utf8" }).trim();
}

/** Waits for the browser to be sent to `prefix`, answers it with a blank page, and returns the URL. */
async function arrivalAt(prefix, go) {
  let resolve;
  const arrived = new Promise((r) => (resolve = r));
  const handler = async (route) => {
    resolve(route.request().url());
    await route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>app</title><p>back at the app</p>" });
  };
  await page.route(`${prefix}**`, handler);
  try {
    await go();
    return await arrived;
  } finally {
    await page.unroute(`${prefix}**`, handler);
  }
}

test("openid-client: code flow with PKCE through sign-in, two-step verification and consent; tokens, userinfo, introspection, revocation, refresh reuse, client credentials, end-session", { timeout: 180_000 }, async (t) => {
  if (skipUnlessConfigured(t)) return;
  const config = await client.discovery(new URL(ISSUER), CLIENT.client_id, CLIENT.client_secret, undefined, insecure);
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, ISSUER);
  assert.deepEqual(meta.code_challenge_methods_supported, ["S256"]);
  assert.ok(meta.end_session_endpoint && meta.introspection_endpoint && meta.revocation_endpoint);

  // A user with two-step verification on, signed out.
  await context.clearCookies();
  const email = freshEmail("oidc");
  const password = "provider password 1";
  await signUpByApi(page, { email, password, name: "Ola Provider" });
  const headers = { Origin: BASE_URL };
  const enabled = await page.request.post("/api/auth/two-factor/enable", { data: { password }, headers });
  assert.equal(enabled.status(), 200, await enabled.text());
  const key = new URL((await enabled.json()).totpURI).searchParams.get("secret");
  const verified = await page.request.post("/api/auth/two-factor/verify-totp", { data: { code: totp(key) }, headers });
  assert.equal(verified.status(), 200, await verified.text());
  await context.clearCookies();

  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: "openid profile email offline_access",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    nonce,
    state,
    login_hint: email,
  });

  const back = await arrivalAt(REDIRECT, async () => {
    await page.goto(url.href);
    // The hosted sign-in page (the login_hint filled in), then the second step, then back.
    assert.equal(await page.getByLabel("Email").inputValue(), email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
    // The next step's code: the one that turned it on may not be used twice.
    await page.getByLabel("6-digit code from your authenticator app").fill(totp(key, 1));
    await page.getByRole("button", { name: "Verify" }).first().click();
    // The consent page names the application and what it asks for.
    await page.getByRole("heading", { name: "Allow access?" }).waitFor();
    await page.getByText("Browser Test App wants to access your account.").waitFor();
    await page.getByText("See your email address and whether it is verified").waitFor();
    await page.getByText("Keep access while you are away").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "consent-allow", "focus on Allow");
    await checkPage(page, "oidc-consent");
    await page.getByRole("button", { name: "Allow" }).click();
  });
  assert.deepEqual(problems, []);

  const tokens = await client.authorizationCodeGrant(config, new URL(back), {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.aud, CLIENT.client_id);
  assert.equal(claims.email, email);
  assert.equal(claims.name, "Ola Provider");
  assert.ok(tokens.refresh_token, "offline_access gives a refresh token");
  assert.equal(tokens.token_type.toLowerCase(), "bearer");

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.email, email);
  assert.equal(info.given_name, "Ola");

  // Refresh rotates.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  assert.equal(refreshed.claims()?.sub, claims.sub, "a new ID token for the same user");

  // Introspection and revocation.
  let introspected = await client.tokenIntrospection(config, refreshed.access_token);
  assert.equal(introspected.active, true);
  assert.equal(introspected.sub, claims.sub);
  assert.equal(introspected.client_id, CLIENT.client_id);
  await client.tokenRevocation(config, refreshed.access_token);
  introspected = await client.tokenIntrospection(config, refreshed.access_token);
  assert.equal(introspected.active, false);

  // The first refresh token again: a replay, so the whole family goes.
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (e) => e.error === "invalid_grant");
  await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token), (e) => e.error === "invalid_grant");

  // Client credentials, for a service acting for itself.
  const service = await client.discovery(new URL(ISSUER), SERVICE.client_id, SERVICE.client_secret, undefined, insecure);
  const own = await client.clientCredentialsGrant(service, { scope: "reports:read" });
  assert.equal(own.scope, "reports:read");
  assert.equal(own.id_token, undefined);
  assert.equal((await client.tokenIntrospection(service, own.access_token)).active, true);

  // End-session signs the browser out and returns to the registered page.
  const ended = await arrivalAt(LOGGED_OUT, async () => {
    const end = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: LOGGED_OUT,
      state: "bye",
    });
    // From the page, as the application's link would: a navigation Chromium starts itself
    // does not pass its redirect through the route.
    await page.evaluate((href) => window.location.assign(href), end.href);
  });
  assert.equal(new URL(ended).searchParams.get("state"), "bye");
  const session = await (await page.request.get("/api/auth/get-session")).json();
  assert.equal(session, null, "signed out of the provider");
});

test("the device flow: openid-client polls while the user allows the device on the hosted page", { timeout: 120_000 }, async (t) => {
  if (skipUnlessConfigured(t)) return;
  const config = await client.discovery(new URL(ISSUER), CLIENT.client_id, CLIENT.client_secret, undefined, insecure);
  assert.ok(config.serverMetadata().device_authorization_endpoint, "the metadata names the device endpoint");
  const started = await client.initiateDeviceAuthorization(config, { scope: "openid email" });
  assert.match(started.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  assert.ok(started.verification_uri_complete);

  // The device polls (openid-client waits the interval, longer after slow_down) while the user
  // signs in on another screen and allows it.
  const polled = client.pollDeviceAuthorizationGrant(config, started);
  await context.clearCookies();
  const email = freshEmail("device");
  await signUpByApi(page, { email, password: "device flow password 1" });
  await page.goto(started.verification_uri_complete);
  await page.getByRole("heading", { name: "Allow this device?" }).waitFor();
  await page.locator("#device-review-client").getByText("Browser Test App").waitFor();
  await page.getByRole("button", { name: "Allow" }).click();
  const tokens = await polled;
  assert.equal(tokens.claims()?.email, email);
  const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
  assert.equal(info.email, email);
});

test("the account page lists connected apps, and removing one ends its access", { timeout: 120_000 }, async (t) => {
  if (skipUnlessConfigured(t)) return;
  const config = await client.discovery(new URL(ISSUER), CLIENT.client_id, CLIENT.client_secret, undefined, insecure);
  await context.clearCookies();
  await signUpByApi(page, { email: freshEmail("apps"), password: "connected apps 1" });
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: "openid email offline_access",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: "apps",
  });
  const back = await arrivalAt(REDIRECT, async () => {
    await page.goto(url.href);
    await page.getByRole("button", { name: "Allow" }).click();
  });
  const tokens = await client.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: verifier, expectedState: "apps" });

  await page.goto("/account#connected-apps");
  const section = page.locator("#connected-apps");
  const row = section.locator("#connected-apps-list li.device");
  await row.getByText("Browser Test App").waitFor();
  await checkPage(page, "account-connected-apps");
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Remove Browser Test App" }).click();
  await section.getByText("Browser Test App was removed.").waitFor();
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (e) => e.error === "invalid_grant");
});

test("a second Portcullis signs in to this one with its generic OAuth plugin", { timeout: 120_000 }, async (t) => {
  if (!SELF_RP) {
    assert.notEqual(process.env.EXPECT_OIDC_PROVIDER, "1", "OIDC_SELF_RP_URL names the second server");
    t.skip("needs the second server (scripts/test starts it)");
    return;
  }
  await context.clearCookies();
  const email = freshEmail("self");
  await signUpByApi(page, { email, password: "signs in to itself 1", name: "Sam Self" });
  await page.goto(`${SELF_RP}/sign-in`);
  await page.getByRole("button", { name: "Continue with Portcullis" }).click();
  // Already signed in at the provider: its consent page, then back, signed in at the second.
  await page.getByRole("heading", { name: "Allow access?" }).waitFor();
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((u) => u.toString().startsWith(`${SELF_RP}/account`), { timeout: 30_000 });
  const session = await (await page.request.get(`${SELF_RP}/api/auth/get-session`)).json();
  assert.equal(session?.user?.email, email);
  assert.equal(session?.user?.name, "Sam Self");
});
