// The account page's "API keys" section (api-key plugin; the browser suite's server runs with
// ENABLE_API_KEY=true): a key is created and shown once with a copy button, listed by its name
// and first characters, renamed and revoked, all from the keyboard-usable form, and the section
// passes the shared page checks at every width and theme.

import { test } from "node:test";
import assert from "node:assert/strict";
import { browserForFile, freshEmail, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

test("API keys: create (shown once), list, rename, revoke", { timeout: 120_000 }, async (t) => {
  await context.clearCookies();
  await signUpByApi(page, { email: freshEmail("keys"), password: "api keys password 1" });
  await page.goto("/account#api-keys");
  const section = page.locator("#api-keys");
  if ((await section.count()) === 0) {
    assert.notEqual(process.env.EXPECT_API_KEY, "1", "the API keys section is there");
    t.skip("the server has no api-key plugin (ENABLE_API_KEY=true)");
    return;
  }
  await section.getByText("You have no API keys yet.").waitFor();

  // Without a name, the form says what to do at the field.
  await section.getByRole("button", { name: "Create key" }).click();
  await page.locator("#api-key-name-error").getByText("Enter a name").waitFor();

  await section.getByLabel("Key name").fill("deploy bot");
  await section.getByLabel("Expires").selectOption("604800");
  await section.getByRole("button", { name: "Create key" }).click();
  const value = section.getByLabel("New key", { exact: true });
  await value.waitFor();
  const key = await value.inputValue();
  assert.match(key, /^[a-zA-Z]{64}$/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "api-key-created", "focus moves to the new key");

  const row = section.locator("#api-keys-list li.device");
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  await row.getByText("deploy bot").waitFor();
  await row.getByText(`Starts with ${key.slice(0, 6)}…`).waitFor();
  await row.getByText("Not yet").waitFor();
  assert.equal(await section.getByText(key).count(), 0, "the list never shows the key");

  await checkPage(page, "account-api-keys");

  // Once stored, the key is gone from the page for good.
  await section.getByRole("button", { name: "I have stored it" }).click();
  assert.equal(await value.isVisible(), false);
  assert.equal(await value.inputValue(), "");

  await row.getByRole("button", { name: "Rename deploy bot" }).click();
  const rename = row.getByLabel("New name");
  await rename.fill("release bot");
  await rename.press("Enter");
  await section.getByText("The key was renamed.").waitFor();
  await row.getByText("release bot").waitFor();

  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: "Revoke release bot" }).click();
  await section.getByText("The key was revoked.", { exact: false }).waitFor();
  await section.getByText("You have no API keys yet.").waitFor();

  // The key no longer works anywhere: the list is empty on the server too.
  const listed = await page.request.get("/api/auth/api-key/list");
  assert.equal((await listed.json()).total, 0);
  assert.deepEqual(problems, []);
});
