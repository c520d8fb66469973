// Browser walks of the hosted UI: what a newcomer does on a fresh server.
//
// The server is started elsewhere (by the runner script); these tests only need its address in
// PORTCULLIS_URL, e.g. http://127.0.0.1:8787. They drive Debian's Chromium through
// playwright-core.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, browserForFile, freshEmail, newestLink, openNewestMessage, pathOf } from "./lib/browser.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

test("a newcomer signs up, verifies the address, manages the account, signs out and back in", { timeout: 120_000 }, async () => {
  const email = freshEmail("newcomer");
  const password = "correct horse battery staple";
  const main = page.locator("main");

  // Landing page, written for the app's users.
  await page.goto("/");
  await main.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/sign-up");

  // Sign up, first with a mismatched confirmation: the problem is shown at the field.
  await page.getByLabel("Name", { exact: true }).fill("New Comer");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password", { exact: true }).fill(password + " typo");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.locator("#sign-up-confirm-error").getByText("The passwords don't match").waitFor();
  assert.equal(await page.getByLabel("Confirm password", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.equal(pathOf(page.url()), "/sign-up", "a mismatch stays on the sign-up page");

  await page.getByLabel("Confirm password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

  // The address is not verified yet; the link sent at sign-up verifies it and says so.
  await page.getByRole("link", { name: "Email", exact: true }).click();
  await page.locator("#profile-email-status").getByText("Not verified").waitFor();
  const mailbox = await context.newPage();
  let link;
  try {
    link = await newestLink(mailbox, "verification", email);
  } finally {
    await mailbox.close();
  }
  await page.goto(link);
  await page.waitForURL((url) => pathOf(url) === "/verify-email");
  await page.getByRole("heading", { name: "Email verified" }).waitFor();
  await page.getByRole("link", { name: "Go to your account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.getByRole("link", { name: "Email", exact: true }).click();
  await page.locator("#profile-email-status").getByText("Verified", { exact: true }).waitFor();

  // Edit the name.
  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByLabel("Name", { exact: true }).fill("New Comer Renamed");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.locator("#profile-message").getByText("Profile saved").waitFor();

  // Sessions: exactly one, and it is this device.
  await page.getByRole("link", { name: "Sessions and devices" }).click();
  const rows = page.locator("#sessions-list li.device");
  await rows.filter({ hasText: "This device" }).first().waitFor();
  assert.equal(await rows.count(), 1, "a new account has one session");

  // The new name survives a reload.
  await page.goto("/account#profile");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "New Comer Renamed");

  // Sign out from the header.
  await page.locator(".site-nav").getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((url) => pathOf(url) === "/");

  // Wrong password, then the right one.
  await page.goto("/sign-in");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.locator("#sign-in-password-error").getByText("is not right").waitFor();
  await page.locator("#sign-in-password-error").getByRole("link", { name: "reset your password" }).waitFor();
  assert.equal(pathOf(page.url()), "/sign-in");

  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

  assert.deepEqual(problems, [], "no CSP violations or uncaught errors");
});

test("a forgotten password is reset through the emailed link", { timeout: 120_000 }, async () => {
  const email = freshEmail("forgetful");
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
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await page.locator("#forgot-password-message").getByText("Check your email").waitFor();

  // Follow the link in the email: it leads to the reset page, with the token.
  const link = await newestLink(page, "password-reset", email);
  assert.match(link, /\/api\/auth\/reset-password\//);
  await page.goto(link);
  await page.waitForURL((url) => pathOf(url) === "/reset-password");
  assert.equal(new URL(page.url()).search, "", "the token is taken out of the address bar");

  // Mismatch first, then the real thing.
  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("Confirm new password").fill(newPassword + " typo");
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.locator("#reset-password-confirm-error").getByText("don't match").waitFor();
  await page.getByLabel("Confirm new password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.locator("#reset-password-message").getByText("Your password has been changed").waitFor();
  // The page says what happened, not what to do.
  await page.getByRole("heading", { name: "Password changed" }).waitFor();
  assert.equal(await page.getByRole("heading", { name: "Choose a new password" }).count(), 0);

  // The old password no longer works; the new one does.
  await page.getByRole("link", { name: "Sign in with your new password" }).click();
  await page.waitForURL((url) => pathOf(url) === "/sign-in");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(oldPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.locator("#sign-in-password-error").getByText("is not right").waitFor();
  await page.getByLabel("Password", { exact: true }).fill(newPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();

  // The same link a second time is refused, in words and with the way to a new one; no raw code.
  await page.goto(link);
  await page.waitForURL((url) => pathOf(url) === "/reset-password");
  await page.getByText("This reset link is invalid or has expired").waitFor();
  await page.getByRole("link", { name: "Ask for a new link" }).waitFor();
  assert.equal(await page.getByText("INVALID_TOKEN").count(), 0, "no raw error code for end users");

  assert.deepEqual(problems.slice(problemsBefore), [], "no CSP violations or uncaught errors");
});

test("a newcomer signs in with an emailed code, then with an emailed link", { timeout: 120_000 }, async () => {
  const email = freshEmail("passwordless");
  const problemsBefore = problems.length;
  await context.clearCookies();
  // The mailbox, in a second tab, as a user would keep it open.
  const mailbox = await context.newPage();
  const codeIn = async () => {
    await openNewestMessage(mailbox, "email-otp", email);
    return (await mailbox.locator("#outbox-subject").innerText()).match(/\b(\d{6})\b/)[1];
  };
  try {
    // Sign-in page → "Sign in with a code".
    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Sign in with a code" }).click();
    await page.waitForURL((url) => pathOf(url) === "/email-otp");
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByRole("button", { name: "Send code" }).click();
    await page.locator("#email-otp-sent-to").getByText(email, { exact: true }).waitFor();
    const code = await codeIn();

    // Leaving for the mailbox and coming back keeps the code step.
    await page.goto("/sign-in");
    await page.goto("/email-otp");
    await page.locator("#email-otp-sent-to").getByText(email, { exact: true }).waitFor();
    assert.equal(await page.locator("#email-otp-code-form").isVisible(), true, "the code step is kept");

    // A wrong code is refused at the field; the right one signs in.
    const wrong = code === "000000" ? "111111" : "000000";
    await page.locator("#email-otp-code").fill(wrong);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator("#email-otp-code-error").getByText("That code is not right").waitFor();
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
    await openNewestMessage(mailbox, "magic-link", email);
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
  const email = freshEmail("guest");
  const problemsBefore = problems.length;
  await context.clearCookies();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Continue as a guest" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  // The account page names a guest as such and says how to keep the account.
  await page.locator("#summary-email").getByText("Guest", { exact: true }).waitFor();
  const notice = page.getByRole("region", { name: "You are using a guest account" });
  await notice.waitFor();
  // Nothing offers to verify or change the guest's placeholder address, or to set a password for it.
  const nav = page.getByRole("navigation", { name: "Account sections" });
  await nav.getByRole("link", { name: "Profile" }).waitFor();
  assert.equal(await nav.getByRole("link", { name: "Email", exact: true }).isVisible(), false);
  await page.goto("/account#security");
  await page.locator("#summary-email").getByText("Guest", { exact: true }).waitFor();
  await page.locator("#security").waitFor();
  assert.equal(await page.locator("#password-set").isVisible(), false, "no password for a placeholder address");
  // An address that names the Email section shows Profile instead.
  await page.goto("/account#email");
  await page.locator("#profile").waitFor();
  assert.equal(await page.locator("#email").isVisible(), false);
  await notice.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Kept Guest");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill("kept-guest-password-1");
  await page.getByLabel("Confirm password", { exact: true }).fill("kept-guest-password-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.locator("#summary-email").getByText(email, { exact: true }).waitFor();
  assert.equal(await page.locator("#guest-notice").isVisible(), false, "no guest notice for a real account");
  assert.deepEqual(problems.slice(problemsBefore), [], "no CSP violations or uncaught errors");
});
