// Two-step verification from the hosted pages (the browser suite's server runs with
// ENABLE_TWO_FACTOR=true): set up TOTP from the account page (the QR code drawn by the server,
// the key read from its text, the code made by Debian's oathtool), see the backup codes, sign
// out, sign in, pass the challenge page with a code, and both pages pass the shared page checks
// (axe-core, overflow, both themes, every width).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { browserForFile, freshEmail, pathOf, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

/** oathtool's code for the base32 key, `stepsAhead` 30-second steps from now. */
function totp(key, stepsAhead) {
  const at = new Date(Date.now() + stepsAhead * 30_000).toISOString().replace("T", " ").replace(/\..*$/, " UTC");
  return execFileSync("oathtool", ["--totp", "-b", key, "--now", at], { encoding: "utf8" }).trim();
}

test("two-step verification: set up from the account page, then the challenge page", { timeout: 180_000 }, async (t) => {
  await context.clearCookies();
  const email = freshEmail("two-factor");
  const password = "two step password 1";
  await signUpByApi(page, { email, password });
  await page.goto("/account#security");
  const section = page.locator("#two-factor");
  if ((await section.count()) === 0) {
    assert.notEqual(process.env.EXPECT_TWO_FACTOR, "1", "the two-factor section is there");
    t.skip("the server has no two-factor plugin (ENABLE_TWO_FACTOR=true)");
    return;
  }
  await section.getByText("Off: your password alone signs you in.").waitFor();

  // A wrong password is said at the field.
  await section.getByLabel("Your password").first().fill("not my password 1");
  await section.getByRole("button", { name: "Set up an authenticator app" }).click();
  await section.getByText("That password is not right.").waitFor();

  await section.getByLabel("Your password").first().fill(password);
  await section.getByRole("button", { name: "Set up an authenticator app" }).click();
  await section.locator("#two-factor-qr svg").waitFor();
  const key = (await section.locator("#two-factor-secret").textContent()).replace(/\s+/g, "");
  assert.match(key, /^[A-Z2-7]{52}$/);
  const codes = await section.locator("#two-factor-setup-codes li").allTextContents();
  assert.equal(codes.length, 10);
  assert.match(await section.locator("#two-factor-setup-download").getAttribute("href"), /^blob:/);
  await checkPage(page, "account-two-factor-setup");

  await section.getByLabel("6-digit code from the app").fill(totp(key, 0));
  await section.getByRole("button", { name: "Turn on two-step verification" }).click();
  await section.getByText("Two-step verification is on.", { exact: false }).waitFor();
  await section.getByText("On: signing in asks for a code", { exact: false }).waitFor();

  // Sign out, sign in: the password leads to the challenge page.
  await page.request.post("/api/auth/sign-out", { data: {}, headers: { Origin: new URL(page.url()).origin } });
  await page.goto("/sign-in?redirect=/account");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => pathOf(u).startsWith("/two-factor"));
  await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
  const none = await page.request.get("/api/auth/get-session");
  assert.equal(await none.text(), "null", "no session before the second step");
  await checkPage(page, "two-factor-challenge");

  // A wrong code is said at the field; the right one signs in and goes on.
  const field = page.getByLabel("6-digit code from your authenticator app");
  await field.fill("000000");
  await page.getByRole("button", { name: "Verify" }).first().click();
  await page.getByText("That code is not right.", { exact: false }).waitFor();
  await field.fill(totp(key, 1));
  await page.getByLabel(/Trust this device/).check();
  await page.getByRole("button", { name: "Verify" }).first().click();
  await page.waitForURL((u) => pathOf(u) === "/account");
  const session = await (await page.request.get("/api/auth/get-session")).json();
  assert.equal(session.user.email, email);
  assert.equal(session.user.twoFactorEnabled, true);
  const cookies = await context.cookies();
  assert.ok(cookies.some((c) => c.name === "better-auth.trust_device"), "this device is trusted");

  // The backup-code form is one keyboard step away.
  await page.goto("/two-factor?methods=totp");
  await page.getByRole("button", { name: "Use a backup code" }).click();
  await page.getByLabel("One of your backup codes").waitFor();

  // A sign-in link's callbackURL (the app's page) is followed after the challenge when its
  // origin is trusted; one elsewhere falls back to the account page. A backup code each time:
  // the next TOTP code is not due for up to 30 s.
  const origin = new URL(page.url()).origin;
  const cases = [
    [`${origin}/account?from=app`, "?from=app", codes[0]],
    ["https://elsewhere.example/account?from=app", "", codes[1]],
  ];
  for (const [callback, search, code] of cases) {
    await context.clearCookies();
    const held = await page.request.post("/api/auth/sign-in/email", { data: { email, password }, headers: { Origin: origin } });
    assert.equal((await held.json()).twoFactorRedirect, true);
    await page.goto(`/two-factor?methods=totp&callbackURL=${encodeURIComponent(callback)}`);
    await page.getByRole("button", { name: "Use a backup code" }).click();
    await page.getByLabel("One of your backup codes").fill(code);
    await page.locator('form[data-kind="backup"]').getByRole("button", { name: "Verify" }).click();
    await page.waitForURL((u) => pathOf(u) === "/account");
    assert.equal(new URL(page.url()).origin, origin);
    assert.equal(new URL(page.url()).search, search, `after the challenge with callbackURL ${callback}`);
  }
  assert.deepEqual(problems, []);
});
