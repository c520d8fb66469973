// The admin console's "API keys" section (api-key plugin, with the admin plugin; the browser
// suite's server runs with ENABLE_API_KEY=true and an administrator whose address and password
// arrive as ADMIN_EMAIL and ADMIN_PASSWORD):
// - a user signed up from Node makes a key with their session cookie;
// - an administrator finds it by its owner's address, turns it off (the key is then refused),
//   turns it on again (it works again), and deletes it after a confirmation (it is gone, and
//   refused for good);
// - the list never shows the key, only its first characters;
// - the section passes the shared page checks (axe-core, overflow, screenshots).

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, browserForFile, freshEmail, needAdmin, signInAsAdmin, signUpElsewhere } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const PASSWORD = "console key holder password 1";

/** A key made with the owner's session: `{id, key}`. */
async function createKey(cookie, name) {
  const res = await fetch(`${BASE_URL}/api/auth/api-key/create`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: BASE_URL, Cookie: cookie },
    body: JSON.stringify({ name }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `create a key: ${text}`);
  const { id, key } = JSON.parse(text);
  assert.ok(id && key);
  return { id, key };
}

async function answer(res) {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * What the server answers to the key: get-session with it in `x-api-key` (a session when
 * API_KEY_ENABLE_SESSIONS is on, else the header is not looked at: null), and verify called with
 * it as the caller's own key (refused for lack of the `apiKey: verify` permission while it can be
 * used; refused for what it is once it is off or gone).
 */
async function keyAnswers(key) {
  const session = await answer(await fetch(`${BASE_URL}/api/auth/get-session`, { headers: { "x-api-key": key } }));
  const verify = await answer(
    await fetch(`${BASE_URL}/api/auth/api-key/verify`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: BASE_URL, "x-api-key": key },
      body: JSON.stringify({ key }),
    }),
  );
  return { session, verify };
}

/** Asserts the key is refused with `code` (KEY_DISABLED, INVALID_API_KEY). */
function assertRefused(answers, code, sessions) {
  assert.equal(answers.verify.status, 401, JSON.stringify(answers.verify));
  assert.equal(answers.verify.body.code, code);
  if (sessions) {
    assert.equal(answers.session.status, 401, JSON.stringify(answers.session));
    assert.equal(answers.session.body.code, code);
  } else {
    assert.deepEqual(answers.session, { status: 200, body: null }, "no session from a key header");
  }
}

/** Asserts the key may be used (it is turned on). */
function assertUsable(answers, sessions, ownerEmail) {
  assert.equal(answers.verify.status, 403, JSON.stringify(answers.verify));
  assert.equal(answers.verify.body.code, "VERIFY_PERMISSION_REQUIRED");
  if (sessions) {
    assert.equal(answers.session.status, 200);
    assert.equal(answers.session.body.user.email, ownerEmail);
  }
}

test("an administrator turns a user's API key off and on, then deletes it", { timeout: 180_000 }, async (t) => {
  if (!needAdmin(t, "EXPECT_API_KEY", "the server is not expected to have API keys")) return;
  const owner = freshEmail("kim");
  const { cookie } = await signUpElsewhere({ email: owner, name: "Kim Keyholder", password: PASSWORD });
  assert.ok(cookie, "the sign-up sets the session cookie");
  const { key } = await createKey(cookie, "deploy bot");
  const before = await keyAnswers(key);
  // Whether this server lets a key stand for its owner's session decides what get-session says.
  const sessions = before.session.body !== null;
  assertUsable(before, sessions, owner);

  await signInAsAdmin(page, context, { hash: "api-keys" });
  await page.goto("/admin#api-keys");
  const section = page.locator("#api-keys");
  await section.getByRole("heading", { name: "API keys" }).waitFor();

  // Find it by its owner's address: one key, named, with its first characters only.
  await section.getByLabel("Owner", { exact: true }).fill(owner);
  await section.getByRole("button", { name: "Show keys" }).click();
  const rows = section.locator("#api-key-console-list li.device");
  await page.waitForFunction(
    (email) => {
      const items = document.querySelectorAll("#api-key-console-list li.device");
      return items.length === 1 && items[0].textContent.includes(email);
    },
    owner,
  );
  const row = rows.first();
  await row.getByText("deploy bot").waitFor();
  await row.getByText(`${key.slice(0, 6)}…`).waitFor();
  await row.getByText("On", { exact: true }).waitFor();
  assert.equal(await section.getByText(key).count(), 0, "the list never shows the key");
  await checkPage(page, "admin-api-keys");

  // Off: refused at once.
  await row.getByRole("button", { name: `Turn off deploy bot (${owner})` }).click();
  await section.getByText(`The key deploy bot (${owner}) is turned off`, { exact: false }).waitFor();
  await row.getByText("Turned off", { exact: true }).waitFor();
  assert.equal(
    await page.evaluate(() => document.activeElement?.textContent),
    "Turn on",
    "focus stays on the key's button",
  );
  assertRefused(await keyAnswers(key), "KEY_DISABLED", sessions);

  // On again: it works again.
  await row.getByRole("button", { name: `Turn on deploy bot (${owner})` }).click();
  await section.getByText(`The key deploy bot (${owner}) is turned on again.`).waitFor();
  await row.getByText("On", { exact: true }).waitFor();
  assertUsable(await keyAnswers(key), sessions, owner);

  // A refused confirmation deletes nothing.
  page.once("dialog", (dialog) => dialog.dismiss());
  await row.getByRole("button", { name: `Delete deploy bot (${owner})` }).click();
  assert.equal(await rows.count(), 1, "still there");
  assertUsable(await keyAnswers(key), sessions, owner);

  // Deleted once confirmed: gone from the list, and refused for good.
  const confirmed = [];
  page.once("dialog", (dialog) => {
    confirmed.push(dialog.message());
    dialog.accept();
  });
  await row.getByRole("button", { name: `Delete deploy bot (${owner})` }).click();
  await section.getByText(`The key deploy bot (${owner}) was deleted.`).waitFor();
  assert.match(confirmed[0], /^Delete the key deploy bot/);
  assert.equal(await rows.count(), 0);
  await section.getByText("No key matches.").waitFor();
  assertRefused(await keyAnswers(key), "INVALID_API_KEY", sessions);
  await section.getByRole("button", { name: "Show keys" }).click();
  await section.locator("#api-key-console-list").getByText("No key matches.").waitFor();
  assert.equal(await rows.count(), 0, "not listed after a reload either");
  assert.deepEqual(problems, []);
});
