// The account page's "Recent security activity" section (audit plugin; the browser suite's
// server runs with ENABLE_AUDIT_LOG=true): the caller's own events from /audit/mine, newest
// first, a failed sign-in shown as such, "Show older activity" reached and used from the
// keyboard, and the section passing the shared page checks at every width and theme.

import { test } from "node:test";
import assert from "node:assert/strict";
import { browserForFile, freshEmail, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

test("Security activity: own events, newest first, older ones by keyboard", { timeout: 120_000 }, async (t) => {
  await context.clearCookies();
  const email = freshEmail("activity");
  const password = "activity password 1";
  await signUpByApi(page, { email, password });
  await page.goto("/account#security-activity");
  const section = page.locator("#security-activity");
  if ((await section.count()) === 0) {
    assert.notEqual(process.env.EXPECT_AUDIT_LOG, "1", "the security activity section is there");
    t.skip("the server has no audit plugin (ENABLE_AUDIT_LOG=true)");
    return;
  }
  await section.getByText("Account created").waitFor();

  // A wrong password, then 21 more events (sign-ins) so that a second page exists.
  const origin = new URL(page.url()).origin;
  const post = (path, body) =>
    page.evaluate(
      async ({ path, body }) => (await fetch(`/api/auth${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
      })).status,
      { path, body },
    );
  assert.equal(await post("/sign-in/email", { email, password: "not the password" }), 401);
  for (let i = 0; i < 20; i++) assert.equal(await post("/sign-in/email", { email, password }), 200);
  assert.ok(origin);

  await page.reload();
  const items = section.locator("#security-activity-list li.device");
  await items.first().waitFor();
  assert.equal(await items.count(), 20, "twenty at a time");
  await section.getByText("Signed in").first().waitFor();
  const more = section.getByRole("button", { name: "Show older activity" });
  await more.waitFor();

  await checkPage(page, "account-security-activity");

  // From the keyboard: focus the button, press Enter; focus lands on the first older entry.
  await more.focus();
  await page.keyboard.press("Enter");
  await section.getByText("Failed sign-in").waitFor();
  await section.getByText("Account created").waitFor();
  assert.equal(await items.count(), 22);
  assert.equal(await more.isVisible(), false, "nothing older");
  const focused = await page.evaluate(() => document.activeElement?.closest("#security-activity-list") !== null);
  assert.ok(focused, "focus moves to the first newly shown entry");
  assert.deepEqual(problems, [], "no console errors or CSP violations");
});
