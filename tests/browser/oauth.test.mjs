// Social sign-in from the hosted pages, in Chromium, through a real OpenID provider
// (tests/oidc, node-oidc-provider's development login and consent pages): the sign-in page's
// "Continue with Corp SSO" button, the provider's login and consent, back signed in on the
// account page, whose "Linked accounts" section lists the provider.
//
// Needs a server with a [[generic_oauth]] provider "corp" named "Corp SSO" whose issuer is
// OIDC_ISSUER, and GitHub configured (scripts/test starts both); without OIDC_ISSUER it skips, unless
// EXPECT_OAUTH_BROWSER=1 says it must run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, browserForFile } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
browserForFile((browser) => ({ context, page } = browser));

const ISSUER = (process.env.OIDC_ISSUER || "").replace(/\/+$/, "");

test("Continue with Corp SSO: provider login and consent, then signed in on the account page", { timeout: 120_000 }, async (t) => {
  if (!ISSUER) {
    assert.notEqual(process.env.EXPECT_OAUTH_BROWSER, "1", "OIDC_ISSUER names the provider");
    t.skip("needs OIDC_ISSUER and a server with the generic provider corp (scripts/test starts both)");
    return;
  }
  await context.clearCookies();
  await page.goto("/sign-in");
  const button = page.getByRole("button", { name: "Continue with Corp SSO" });
  await button.waitFor();
  // A built-in provider's button carries its mark, hidden from assistive technology (the
  // label names it); a generic provider's has none.
  const github = page.getByRole("button", { name: "Continue with GitHub", exact: true });
  await github.waitFor();
  assert.equal(await github.locator('svg[aria-hidden="true"] path').count(), 1);
  assert.equal(await button.locator("svg").count(), 0);
  await checkPage(page, "sign-in-oauth");
  await button.click();

  // The provider's own pages.
  await page.waitForURL((u) => u.toString().startsWith(`${ISSUER}/interaction/`));
  await page.locator('input[name="login"]').fill("browser-user");
  await page.locator('input[name="password"]').fill("any password");
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.toString().startsWith(`${ISSUER}/interaction/`) && !u.toString().includes("login"));
  await page.locator('button[type="submit"]').first().click();

  // Back, signed in, on the account page.
  await page.waitForURL((u) => u.toString().startsWith(`${BASE_URL}/account`), { timeout: 30_000 });
  const session = await (await page.request.get("/api/auth/get-session")).json();
  assert.equal(session?.user?.email, "browser-user@example.com");
  // The account page's Linked accounts section lists it (the section may be behind its tab).
  await page.waitForFunction(() => /Corp SSO/.test(document.getElementById("linked-accounts-list")?.textContent || ""));
  assert.match(await page.locator("#linked-accounts-list").textContent(), /Signs you in as browser-user/);
});
