// Browser test of the hosted UI: what a newcomer does on a fresh server.
//
// The server is started elsewhere (by the runner script); this test only
// needs its address in PORTCULLIS_URL, e.g. http://127.0.0.1:8787.
// It drives Debian's Chromium (/usr/bin/chromium) through playwright-core.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE_URL = (process.env.PORTCULLIS_URL || "").replace(/\/+$/, "");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const TIMEOUT = 15_000;

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let userDataDir;
let context;
let page;
const problems = []; // CSP violations and uncaught page errors

before(async () => {
  assert.ok(BASE_URL, "set PORTCULLIS_URL to the running server, e.g. http://127.0.0.1:8787");
  userDataDir = await mkdtemp(path.join(tmpdir(), "portcullis-chromium-"));
  // launchPersistentContext passes --user-data-dir=<userDataDir> to Chromium.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    baseURL: BASE_URL,
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
});

after(async () => {
  try {
    if (context) await context.close();
  } finally {
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  }
});

function pathOf(url) {
  return new URL(url).pathname;
}

test("a newcomer signs up, manages the account, signs out and back in", { timeout: 120_000 }, async () => {
  const email = `newcomer-${Date.now()}-${process.pid}@example.com`;
  const password = "correct horse battery staple";
  const main = page.locator("main");

  // Landing page.
  await page.goto("/");
  await assert.doesNotReject(
    page.locator("#api-status").getByText("API online").waitFor(),
    "the landing page shows the live API status",
  );

  // Sign up, first with a mismatched confirmation.
  await main.getByRole("link", { name: "Create account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/sign-up");
  await page.getByLabel("Name").fill("New Comer");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password + " typo");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("Passwords don't match").waitFor();
  assert.equal(pathOf(page.url()), "/sign-up", "a mismatch stays on the sign-up page");

  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

  // Edit the name.
  await page.getByLabel("Name").fill("New Comer Renamed");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.locator("#profile-message").getByText("Profile saved").waitFor();

  // Sessions: exactly one, and it is this device.
  const rows = page.locator("#sessions-body tr");
  await rows.filter({ hasText: "This device" }).first().waitFor();
  assert.equal(await rows.count(), 1, "a new account has one session");
  assert.match(await rows.first().innerText(), /This device/);

  // The new name survives a reload.
  await page.reload();
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();
  assert.equal(await page.getByLabel("Name").inputValue(), "New Comer Renamed");

  // Sign out.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/");

  // Wrong password, then the right one.
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Invalid email or password").waitFor();
  assert.equal(pathOf(page.url()), "/sign-in");

  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

  assert.deepEqual(problems, [], "no CSP violations or uncaught errors");
});
