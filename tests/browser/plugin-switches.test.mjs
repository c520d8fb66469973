// What an administrator stores in the console, across instances (Plugins and Branding
// sections). scripts/test starts two servers on one PostgreSQL database and one Redis: this
// file's browser drives the first (PORTCULLIS_URL) as an administrator (ADMIN_EMAIL,
// ADMIN_PASSWORD), and the second (SECOND_URL) must answer 404 for the plugin turned off within
// 5 seconds, serve it again within 5 seconds of turning it back on, and show a saved brand
// within 5 seconds. Without SECOND_URL it skips, unless EXPECT_PLUGIN_SWITCHES=1.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, BASE_URL, browserForFile, signInAsAdmin } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const SECOND = (process.env.SECOND_URL || "").replace(/\/+$/, "");
/** How long another instance may take to follow a switch (the promise). */
const WITHIN_MS = 5000;

function skipUnlessConfigured(t) {
  if (SECOND && ADMIN.email && ADMIN.password) return false;
  assert.notEqual(process.env.EXPECT_PLUGIN_SWITCHES, "1", "SECOND_URL, ADMIN_EMAIL and ADMIN_PASSWORD are set");
  t.skip("needs two servers on one database (scripts/test starts them)");
  return true;
}

/** The status the second instance answers for the magic-link plugin's endpoint. */
async function magicLinkOnSecond() {
  const res = await fetch(`${SECOND}/api/auth/sign-in/magic-link`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: SECOND },
    body: JSON.stringify({ email: "someone@example.com" }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Milliseconds from now until the second instance answers `status`; fails after 10 s. */
async function untilSecondAnswers(status) {
  const started = Date.now();
  for (;;) {
    if ((await magicLinkOnSecond()) === status) return Date.now() - started;
    assert.ok(Date.now() - started < 10_000, `the second instance never answered ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Milliseconds until the second instance's sign-in page does (or does not) show `text`. */
async function untilSecondSignInShows(text, shown = true) {
  const started = Date.now();
  for (;;) {
    const html = await (await fetch(`${SECOND}/sign-in`)).text();
    if (html.includes(text) === shown) return Date.now() - started;
    assert.ok(Date.now() - started < 10_000, `the second instance's sign-in page never ${shown ? "showed" : "dropped"} ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("a plugin switched off on one instance is gone from the other within 5 s", { timeout: 180_000 }, async (t) => {
  if (skipUnlessConfigured(t)) return;
  assert.equal(await magicLinkOnSecond(), 200, "on to begin with");

  await signInAsAdmin(page, context);
  await page.getByRole("link", { name: "Plugins" }).click();
  const section = page.locator("#plugins");
  await section.getByRole("heading", { name: "Plugins" }).waitFor();
  const magic = section.locator('li[data-plugin="magic-link"]');
  await magic.getByText("Magic links").waitFor();
  // Two-factor, admin and the like have no switch at all.
  const admin = section.locator('li[data-plugin="admin"]');
  await admin.getByText("Set by configuration only").waitFor();
  assert.equal(await admin.getByRole("button").count(), 0);
  await checkPage(page, "admin-plugins");

  // Off, confirmed, from the keyboard.
  const dialogs = [];
  page.once("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.accept();
  });
  await magic.getByRole("button", { name: "Turn off Magic links" }).focus();
  await page.keyboard.press("Enter");
  await section.getByText("Magic links is off.", { exact: false }).waitFor();
  const tookOff = await untilSecondAnswers(404);
  assert.match(dialogs[0], /^Turn off Magic links\?/);
  assert.ok(tookOff < WITHIN_MS, `the second instance followed in ${tookOff} ms`);
  await magic.getByText("Off: its addresses answer", { exact: false }).waitFor();
  assert.equal(
    await page.evaluate(() => document.activeElement?.textContent),
    "Turn on",
    "focus stays on the switch",
  );
  // Its page and sign-in button are gone from the second instance too.
  assert.equal((await fetch(`${SECOND}/magic-link`)).status, 404);
  const signIn = await (await fetch(`${SECOND}/sign-in`)).text();
  assert.ok(!signIn.includes('href="/magic-link"'), "no magic-link button on the second instance");
  await page.goto("/sign-in");
  assert.equal(await page.locator("#magic-link-link").count(), 0, "nor on the first");

  // On again, once the list shows it off (a click on a list still being drawn can be lost).
  await page.goto("/admin#plugins");
  await magic.getByText("Off: its addresses answer", { exact: false }).waitFor();
  page.once("dialog", (dialog) => dialog.accept());
  await magic.getByRole("button", { name: "Turn on Magic links" }).click();
  await section.getByText("Magic links is on.", { exact: false }).waitFor();
  const tookOn = await untilSecondAnswers(200);
  assert.ok(tookOn < WITHIN_MS, `the second instance followed in ${tookOn} ms`);
  assert.ok(BASE_URL !== SECOND, "two instances");
  assert.deepEqual(problems, []);
});

test("a brand saved on one instance shows on the other within 5 s, and resets", { timeout: 180_000 }, async (t) => {
  if (skipUnlessConfigured(t)) return;
  const name = `Acme ${Date.now()}`;
  await signInAsAdmin(page, context);
  await page.getByRole("link", { name: "Branding" }).click();
  const section = page.locator("#branding");
  await section.getByRole("heading", { name: "Branding" }).waitFor();
  await section.getByText("The configured branding is in use.").waitFor();
  await checkPage(page, "admin-branding");

  // The preview follows the form before anything is saved.
  await section.getByLabel("Name", { exact: true }).fill(name);
  await section.getByLabel("Primary colour").fill("#0f766e");
  const preview = page.frameLocator("#branding-preview");
  await preview.getByText(name).filter({ visible: true }).first().waitFor();
  await section.getByLabel("Show").selectOption("email");
  await preview.getByText(name).filter({ visible: true }).first().waitFor();
  assert.equal((await (await fetch(`${SECOND}/sign-in`)).text()).includes(name), false, "nothing saved yet");

  // A value that breaks its rule is shown at its field.
  await section.getByLabel("Logo address").fill("http://insecure.example/logo.png");
  await section.getByRole("button", { name: "Save branding" }).click();
  await section.getByText("This must be an https:// address", { exact: false }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "branding-logo");
  await section.getByLabel("Logo address").fill("");
  await section.getByLabel("Domain").fill("Auth.Example.com");
  await section.getByRole("button", { name: "Save branding" }).click();
  await section.getByText("This must be a host name in lower case", { exact: false }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "branding-domain");
  await section.getByLabel("Domain").fill("");
  await section.getByLabel("Secondary colour").fill("#f59e0b");

  await section.getByRole("button", { name: "Save branding" }).click();
  await section.getByText("Saved.", { exact: false }).waitFor();
  const took = await untilSecondSignInShows(name);
  assert.ok(took < WITHIN_MS, `the second instance showed the brand in ${took} ms`);
  const second = await (await fetch(`${SECOND}/sign-in`)).text();
  const sheets = second.split("\n").filter((l) => l.includes("stylesheet")).join("\n");
  assert.ok(sheets.includes("brand-0f766e-f59e0b.css"), `both stored colours, on the other instance: ${sheets}`);
  await page.goto("/sign-in");
  await page.getByText(name).first().waitFor();

  // Reset: the configuration again, on both.
  await page.goto("/admin#branding");
  page.once("dialog", (dialog) => dialog.accept());
  await section.getByRole("button", { name: "Reset to the configuration" }).click();
  await section.getByText("The configured branding is back in use.").waitFor();
  const back = await untilSecondSignInShows(name, false);
  assert.ok(back < WITHIN_MS, `the second instance dropped the brand in ${back} ms`);
  assert.deepEqual(problems, []);
});
