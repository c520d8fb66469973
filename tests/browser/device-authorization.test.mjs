// The device verification page, /device (device authorization plugin; the browser suite's
// server runs with ENABLE_DEVICE_AUTHORIZATION=true): a signed-out visitor following the
// device's verification_uri_complete is sent through sign-in and back with the code, sees which
// client asks for what, and allows it; the device's next poll gets a session. A signed-in person
// types a code (any case, no dash) from the keyboard, a wrong one is said at the field, and a
// denied code leaves the device with access_denied. The page passes the shared page checks at
// every width and theme. A person with two-step verification passes both steps and comes back
// to the code.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { BASE_URL, browserForFile, freshEmail, pathOf, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

const GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** oathtool's current code for the base32 key. */
function totp(key) {
  return execFileSync("oathtool", ["--totp", "-b", key], { encoding: "utf8" }).trim();
}

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

/** A device's code request, as a TV would send it (no cookies); null without the plugin. */
async function deviceCode(clientId, scope) {
  const res = await fetch(`${BASE_URL}/api/auth/device/code`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: clientId, scope }),
  });
  if (res.status === 404) return null;
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

async function poll(code, clientId) {
  const res = await fetch(`${BASE_URL}/api/auth/device/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: GRANT, device_code: code.device_code, client_id: clientId }),
  });
  return { status: res.status, body: await res.json() };
}

test("device: signed out, through sign-in and back with the code, then allow", { timeout: 120_000 }, async (t) => {
  const code = await deviceCode("living-room-tv", "openid profile");
  if (!code) {
    assert.notEqual(process.env.EXPECT_DEVICE_AUTHORIZATION, "1", "the device endpoints are there");
    t.skip("the server has no device authorization plugin (ENABLE_DEVICE_AUTHORIZATION=true)");
    return;
  }
  const email = freshEmail("device");
  const password = "device page password 1";
  await context.clearCookies();
  await signUpByApi(page, { email, password });
  await context.clearCookies();

  const complete = new URL(code.verification_uri_complete);
  await page.goto(complete.pathname + complete.search);
  await page.getByRole("heading", { name: "Connect a device" }).waitFor();
  assert.equal(await page.getByLabel("Code").inputValue(), code.user_code, "the link fills the code");
  await page.getByText("Sign in to connect the device showing this code.").waitFor();
  await checkPage(page, "device-signed-out");

  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((u) => pathOf(u).startsWith("/sign-in"));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => pathOf(u) === "/device");

  const review = page.locator("#device-review-form");
  await review.waitFor();
  await review.getByText("living-room-tv").waitFor();
  await review.getByText("openid, profile").waitFor();
  await review.getByText(code.user_code).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "device-approve", "focus on Allow");
  await checkPage(page, "device-review");

  await page.keyboard.press("Enter");
  await page.getByText("Device connected.", { exact: false }).waitFor();
  const granted = await poll(code, "living-room-tv");
  assert.equal(granted.status, 200, JSON.stringify(granted.body));
  assert.equal(granted.body.token_type, "Bearer");
  const session = await fetch(`${BASE_URL}/api/auth/get-session`, {
    headers: { authorization: `Bearer ${granted.body.access_token}` },
  });
  assert.equal((await session.json()).user.email, email);
  assert.deepEqual(problems, []);
});

test("device: a typed code, a wrong one said at the field, then deny", { timeout: 120_000 }, async (t) => {
  const code = await deviceCode("game-console");
  if (!code) {
    t.skip("the server has no device authorization plugin (ENABLE_DEVICE_AUTHORIZATION=true)");
    return;
  }
  await context.clearCookies();
  await signUpByApi(page, { email: freshEmail("device-typed"), password: "device page password 2" });
  await page.goto("/device");
  const field = page.getByLabel("Code");
  await field.waitFor();
  await checkPage(page, "device");

  // An empty form and a wrong code are both said at the field.
  await field.focus();
  await page.keyboard.press("Enter");
  await page.locator("#device-user-code-error").getByText("Enter the code your device shows.").waitFor();
  await field.fill("BBBB-BBBB");
  await page.keyboard.press("Enter");
  await page.locator("#device-user-code-error").getByText("That code is not right.", { exact: false }).waitFor();
  assert.equal(await field.getAttribute("aria-invalid"), "true");

  await field.fill(code.user_code.replace("-", "").toLowerCase());
  await page.keyboard.press("Enter");
  const review = page.locator("#device-review-form");
  await review.getByText("game-console").waitFor();
  await review.getByText("Your account (no particular scopes)").waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "device-deny");
  await page.keyboard.press("Enter");
  await page.getByText("Denied.", { exact: false }).waitFor();
  const answer = await poll(code, "game-console");
  assert.deepEqual(answer, { status: 400, body: { error: "access_denied", error_description: "Access denied" } });
  assert.deepEqual(problems, []);
});

test("device: a person with two-step verification comes back to the code after both steps", { timeout: 120_000 }, async (t) => {
  const code = await deviceCode("smart-speaker", "profile");
  if (!code) {
    t.skip("the server has no device authorization plugin (ENABLE_DEVICE_AUTHORIZATION=true)");
    return;
  }
  const email = freshEmail("device-2fa");
  const password = "device page password 3";
  await context.clearCookies();
  await signUpByApi(page, { email, password });
  const enabled = await page.request.post("/api/auth/two-factor/enable", {
    data: { password },
    headers: { Origin: BASE_URL },
  });
  if (enabled.status() === 404) {
    assert.notEqual(process.env.EXPECT_TWO_FACTOR, "1", "the two-factor endpoints are there");
    t.skip("the server has no two-factor plugin (ENABLE_TWO_FACTOR=true)");
    return;
  }
  const { totpURI, backupCodes } = await enabled.json();
  const key = new URL(totpURI).searchParams.get("secret");
  const verified = await page.request.post("/api/auth/two-factor/verify-totp", {
    data: { code: totp(key) },
    headers: { Origin: BASE_URL },
  });
  assert.equal(verified.status(), 200, await verified.text());
  await context.clearCookies();

  const complete = new URL(code.verification_uri_complete);
  await page.goto(complete.pathname + complete.search);
  await page.getByRole("button", { name: "Sign in to continue" }).click();
  await page.waitForURL((u) => pathOf(u).startsWith("/sign-in"));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => pathOf(u).startsWith("/two-factor"));
  await page.getByRole("button", { name: "Use a backup code" }).click();
  await page.getByLabel("One of your backup codes").fill(backupCodes[0]);
  await page.locator('form[data-kind="backup"]').getByRole("button", { name: "Verify" }).click();
  await page.waitForURL((u) => pathOf(u) === "/device");
  assert.equal(new URL(page.url()).searchParams.get("user_code"), code.user_code);

  const review = page.locator("#device-review-form");
  await review.getByText("smart-speaker").waitFor();
  await review.getByRole("button", { name: "Allow" }).click();
  await page.getByText("Device connected.", { exact: false }).waitFor();
  const granted = await poll(code, "smart-speaker");
  assert.equal(granted.status, 200, JSON.stringify(granted.body));
  assert.deepEqual(problems, []);
});
