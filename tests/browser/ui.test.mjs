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

/** Opens, on /dev/outbox in `tab`, the newest message of `kind` to `to`, waiting for delivery. */
async function openNewestMessage(kind, to, tab = page) {
  const page = tab;
  const row = page.locator(`#outbox-table tr[data-kind="${kind}"][data-to="${to}"]`);
  for (let attempt = 0; ; attempt += 1) {
    await page.goto("/dev/outbox");
    if ((await row.count()) > 0) break;
    assert.ok(attempt < 40, `the ${kind} message to ${to} reaches the outbox`);
    await page.waitForTimeout(250);
  }
  await row.first().getByRole("link").click();
  await page.waitForURL((url) => pathOf(url).startsWith("/dev/outbox/"));
  await page.locator("#outbox-to").getByText(to, { exact: true }).waitFor();
  assert.equal(await page.locator("iframe#outbox-html").getAttribute("sandbox"), "");
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

test("a forgotten password is reset through the emailed link", { timeout: 120_000 }, async () => {
  const email = `forgetful-${Date.now()}-${process.pid}@example.com`;
  const oldPassword = "first password of many";
  const newPassword = "second password, remembered";
  const problemsBefore = problems.length;

  // A fresh account, created through the API, then signed out.
  await context.clearCookies();
  const signUp = await page.request.post("/api/auth/sign-up/email", {
    data: { name: "Forgetful Person", email, password: oldPassword },
    headers: { Origin: BASE_URL },
  });
  assert.equal(signUp.status(), 200, "the account is created");
  await context.clearCookies();

  // Sign-in page → "Forgot password?".
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.waitForURL((url) => pathOf(url) === "/forgot-password");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await page.locator("#forgot-password-message").getByText("Check your email").waitFor();

  // The development outbox lists the email (delivery runs in the background).
  await openNewestMessage("password-reset", email);

  // Follow the link in the email: it leads to the reset page, with the token.
  const link = await page.locator("#outbox-links a").first().getAttribute("href");
  assert.match(link, /\/api\/auth\/reset-password\//);
  await page.goto(link);
  await page.waitForURL((url) => pathOf(url) === "/reset-password");
  assert.equal(new URL(page.url()).search, "", "the token is taken out of the address bar");

  // Mismatch first, then the real thing.
  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("Confirm new password").fill(newPassword + " typo");
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.getByText("Passwords don't match").waitFor();
  await page.getByLabel("Confirm new password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.locator("#reset-password-message").getByText("Your password has been changed").waitFor();

  // The old password no longer works; the new one does.
  await page.getByRole("link", { name: "Sign in with your new password" }).click();
  await page.waitForURL((url) => pathOf(url) === "/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(oldPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Invalid email or password").waitFor();
  await page.getByLabel("Password", { exact: true }).fill(newPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

  // The same link a second time is refused, with the way to a new one.
  await page.goto(link);
  await page.waitForURL((url) => pathOf(url) === "/reset-password");
  await page.getByText("This reset link is invalid or has expired").waitFor();
  await page.getByRole("link", { name: "Ask for a new link" }).waitFor();

  assert.deepEqual(problems.slice(problemsBefore), [], "no CSP violations or uncaught errors");
});


test("a newcomer signs in with an emailed code, then with an emailed link", { timeout: 120_000 }, async () => {
  const email = `passwordless-${Date.now()}-${process.pid}@example.com`;
  const problemsBefore = problems.length;
  await context.clearCookies();
  // The mailbox, in a second tab, as a user would keep it open.
  const mailbox = await context.newPage();
  const codeIn = async () => {
    await openNewestMessage("email-otp", email, mailbox);
    return (await mailbox.locator("#outbox-subject").innerText()).match(/\b(\d{6})\b/)[1];
  };
  try {
    // Sign-in page → "Sign in with a code".
    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Sign in with a code" }).click();
    await page.waitForURL((url) => pathOf(url) === "/email-otp");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send code" }).click();
    await page.locator("#email-otp-sent-to").getByText(email, { exact: true }).waitFor();
    const code = await codeIn();

    // A wrong code is refused and the form stays; the right one signs in.
    const wrong = code === "000000" ? "111111" : "000000";
    await page.locator("#email-otp-code").fill(wrong);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator("#email-otp-message").getByText("That code is not right").waitFor();
    await page.locator("#email-otp-code").fill(code);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => pathOf(url) === "/account");
    await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

    // Signed out, the same account comes back through a magic link.
    await context.clearCookies();
    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Email me a sign-in link" }).click();
    await page.waitForURL((url) => pathOf(url) === "/magic-link");
    await page.locator("#magic-link-email").fill(email);
    await page.getByRole("button", { name: "Send sign-in link" }).click();
    await page.locator("#magic-link-message").getByText("Check your email").waitFor();
    await openNewestMessage("magic-link", email, mailbox);
    const link = await mailbox.locator("#outbox-links a").first().getAttribute("href");
    assert.match(link, /\/api\/auth\/magic-link\/verify\?token=/);
    await page.goto(link);
    await page.waitForURL((url) => pathOf(url) === "/account");
    await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

    // The link works once.
    await context.clearCookies();
    await page.goto(link);
    await page.waitForURL((url) => pathOf(url) === "/magic-link");
    assert.equal(new URL(page.url()).searchParams.get("error"), "INVALID_TOKEN");
    await page.locator("#magic-link-message").getByText("Ask for a new one below").waitFor();
  } finally {
    await mailbox.close();
  }
  assert.deepEqual(problems.slice(problemsBefore), [], "no CSP violations or uncaught errors");
});

test("a guest continues without an account, then signs up to keep it", { timeout: 120_000 }, async () => {
  const email = `guest-${Date.now()}-${process.pid}@example.com`;
  const problemsBefore = problems.length;
  await context.clearCookies();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Continue as a guest" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  // The account page names a guest as such and says how to keep the account.
  await page.locator("#summary-email").getByText("Guest", { exact: true }).waitFor();
  const notice = page.getByRole("region", { name: "You are using a guest account" });
  await notice.waitFor();
  await notice.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/sign-up");
  await page.getByLabel("Name").fill("Kept Guest");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("kept-guest-password-1");
  await page.getByLabel("Confirm password").fill("kept-guest-password-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();
  assert.equal(await page.locator("#guest-notice").isVisible(), false, "no guest notice for a real account");
  assert.deepEqual(problems.slice(problemsBefore), [], "no CSP violations or uncaught errors");
});
