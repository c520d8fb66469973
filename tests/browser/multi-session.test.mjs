// The account page's "Accounts on this browser" section (multi-session plugin; the browser
// suite's server runs with ENABLE_MULTI_SESSION=true): a second account is added through the
// hosted sign-in, both are listed with the one in use marked, a switch makes the other the
// browser's session everywhere on the page, and signing one out leaves the other signed in.

import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "playwright-core";
import { BASE_URL, browserForFile, freshEmail, pathOf, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const PASSWORD = "several accounts, one browser";

test("accounts on this browser: add one, switch, sign one out", { timeout: 120_000 }, async (t) => {
  await context.clearCookies();
  const first = freshEmail("multi-first");
  const second = freshEmail("multi-second");
  await signUpByApi(page, { email: first, password: PASSWORD, name: "First Account" });
  // The second account exists, but this browser is not signed in to it.
  const outside = await request.newContext({ baseURL: BASE_URL });
  try {
    const res = await outside.post("/api/auth/sign-up/email", {
      data: { name: "Second Account", email: second, password: PASSWORD },
      headers: { Origin: BASE_URL },
    });
    assert.equal(res.status(), 200, await res.text());
  } finally {
    await outside.dispose();
  }

  await page.goto("/account#accounts");
  const section = page.locator("#accounts");
  if ((await section.count()) === 0) {
    assert.notEqual(process.env.EXPECT_MULTI_SESSION, "1", "the accounts section is there");
    t.skip("the server has no multi-session plugin (ENABLE_MULTI_SESSION=true)");
    return;
  }
  await section.getByText("Only this account is signed in here.").waitFor();

  // Add the second account through the hosted sign-in; it comes back here.
  await section.getByRole("link", { name: "Add another account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/sign-in");
  await page.getByLabel("Email or username").fill(second);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(second, { exact: true }).waitFor();

  const rows = section.locator("#accounts-list li.device");
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  const inUse = section.locator("#accounts-list li.is-current");
  await inUse.getByText(second).waitFor();
  assert.equal(await inUse.getByRole("button", { name: /^Switch to/ }).count(), 0, "no switch to the account in use");

  await checkPage(page, "account-accounts");

  // Switch to the first account: the whole page follows.
  await section.getByRole("button", { name: `Switch to First Account (${first})` }).click();
  await page.locator("#summary-email").getByText(first, { exact: true }).waitFor();
  await section.locator("#accounts-list li.is-current").getByText(first).waitFor();

  // Sign the second out from here: the first stays signed in, and the list says so.
  await section.getByRole("button", { name: `Sign out of Second Account (${second})` }).click();
  await section.getByText(`Signed out of Second Account (${second}).`).waitFor();
  await section.getByText("Only this account is signed in here.").waitFor();
  const session = await page.request.get("/api/auth/get-session");
  assert.equal((await session.json()).user.email, first);

  // Signing out of the account in use, the last one, signs the browser out.
  // The page reloads once the revoke is done: wait for that load, not the current one.
  await Promise.all([
    page.waitForEvent("load"),
    section.getByRole("button", { name: `Sign out of First Account (${first})` }).click(),
  ]);
  const after = await page.request.get("/api/auth/get-session");
  assert.equal(await after.text(), "null");

  assert.deepEqual(problems, [], "no CSP violations or uncaught errors");
});
