// One test per defect a newcomer found in the hosted pages (issue "Hosted pages a newcomer can
// trust"): each fails on the page as it was.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE_URL,
  browserForFile,
  expectMessages,
  freshEmail,
  newestLink,
  openNewestMessage,
  pathOf,
  signUpByApi,
} from "./lib/browser.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

/** A second tab for the mailbox, closed afterwards. */
async function inMailbox(work) {
  const tab = await context.newPage();
  try {
    return await work(tab);
  } finally {
    await tab.close();
  }
}

test("the account page sends a verification link, and the link says when it was already used", { timeout: 120_000 }, async () => {
  const email = freshEmail("verify");
  await context.clearCookies();
  await signUpByApi(page, { email, password: "a long enough password" });
  // Sign-up itself sent the link.
  await inMailbox((tab) => expectMessages(tab, "verification", email, 1));

  await page.goto("/account#email");
  await page.locator("#profile-email-status").getByText("Not verified").waitFor();
  await page.getByRole("button", { name: "Send a verification link" }).click();
  await page.locator("#email-verify-message").getByText(`We've sent a link to ${email}`).waitFor();
  await inMailbox((tab) => expectMessages(tab, "verification", email, 2));

  const link = await inMailbox((tab) => newestLink(tab, "verification", email));
  await page.goto(link);
  await page.waitForURL((url) => pathOf(url) === "/verify-email");
  await page.getByRole("heading", { name: "Email verified" }).waitFor();
  // Used again: no false "verified just now", and nothing to do.
  await page.goto(link);
  await page.getByRole("heading", { name: "Already verified" }).waitFor();
  await page.getByText("This link was already used").waitFor();
  await page.goto("/account#email");
  await page.locator("#profile-email-status").getByText("Verified", { exact: true }).waitFor();
  assert.equal(await page.locator("#email-verify").isVisible(), false, "no resend offer once verified");
});

test("/verify-email opened bare never claims the address is verified", async () => {
  await page.goto("/verify-email");
  await page.getByRole("heading", { name: "Verify your email" }).waitFor();
  assert.equal(await page.getByText("Email verified").count(), 0);
  await page.goto("/verify-email?error=TOKEN_EXPIRED");
  await page.getByRole("heading", { name: "Email not verified" }).waitFor();
  await page.getByText("This link has expired").waitFor();
  assert.equal(await page.getByText("TOKEN_EXPIRED").count(), 0, "no raw code");
});

test("/reset-password without a token explains where the link is, with no stuck button", async () => {
  await page.goto("/reset-password");
  await page.getByRole("heading", { name: "Reset your password" }).waitFor();
  await page.getByRole("link", { name: "Ask for a reset link" }).waitFor();
  assert.equal(await page.getByRole("button", { name: /Saving|Set new password/ }).count(), 0);
});

test("the account area: sections, readable devices, every revoke button in view", { timeout: 120_000 }, async () => {
  const email = freshEmail("devices");
  const password = "devices password 1";
  await context.clearCookies();
  // Another device signs in first, with a long user agent.
  const other = await page.request.post("/api/auth/sign-up/email", {
    data: { name: "Device Owner", email, password },
    headers: {
      Origin: BASE_URL,
      "User-Agent":
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 WithAVeryLongSuffixThatWouldPushATableWiderThanItsCard/1.0",
    },
  });
  assert.equal(other.status(), 200);
  await context.clearCookies();
  await page.goto("/sign-in");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");

  // One section at a time, chosen from the side navigation; the page is not one long column.
  const nav = page.getByRole("navigation", { name: "Account sections" });
  for (const label of ["Profile", "Email", "Security", "Sessions and devices"]) {
    await nav.getByRole("link", { name: label }).waitFor();
  }
  assert.equal(await page.locator("[data-section]:visible").count(), 1);
  await nav.getByRole("link", { name: "Sessions and devices" }).click();
  await page.locator("#sessions").waitFor();
  assert.equal(await nav.getByRole("link", { name: "Sessions and devices" }).getAttribute("aria-current"), "page");

  const rows = page.locator("#sessions-list li.device");
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  const names = await page.locator("#sessions-list .device-name").allInnerTexts();
  assert.ok(names.includes("Chrome on macOS"), `devices named as people read them: ${names}`);
  // The raw user agent only on demand.
  const ua = page.getByText("WithAVeryLongSuffix", { exact: false });
  assert.equal(await ua.isVisible(), false, "the raw user agent is hidden");
  await rows.filter({ hasText: "Chrome on macOS" }).locator("summary").click();
  assert.equal(await ua.isVisible(), true, "and shown on demand");
  await rows.filter({ hasText: "Chrome on macOS" }).getByText(/Signed in (just now|\d+ \w+ ago)/).waitFor();

  // Every row's button is inside the card and the window.
  const card = await page.locator("#sessions").boundingBox();
  for (const button of await page.locator("#sessions-list li.device button").all()) {
    const box = await button.boundingBox();
    assert.ok(box && box.x >= card.x && box.x + box.width <= card.x + card.width, "the button is inside the card");
    assert.ok(box.x + box.width <= 1280, "and inside the window");
  }

  // Revoke the other device.
  await rows.filter({ hasText: "Chrome on macOS" }).getByRole("button").click();
  await page.locator("#sessions-message").getByText("That device was signed out").waitFor();
  assert.equal(await rows.count(), 1);
  await page.getByText("Only this device is signed in.").waitFor();
});

test("account messages never go stale, and the sign-out choice is kept", { timeout: 120_000 }, async () => {
  const email = freshEmail("stale");
  const password = "stale messages password";
  await context.clearCookies();
  await signUpByApi(page, { email, password });
  await page.goto("/account#profile");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.locator("#profile-message").getByText("Profile saved").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("");
  assert.equal(await page.locator("#profile-message").innerText(), "", "an edit clears the old message");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.locator("#profile-name-error").getByText("Enter your name").waitFor();
  assert.equal(await page.locator("#profile-message").innerText(), "");

  await page.goto("/account#security");
  const change = page.locator("#password-change");
  await change.getByLabel("Current password").fill("not it at all");
  await change.getByLabel("New password", { exact: true }).fill("another good password");
  await change.getByLabel("Confirm new password").fill("another good password");
  const revoke = page.getByLabel("Sign out my other devices");
  await revoke.uncheck();
  await page.getByRole("button", { name: "Change password" }).click();
  await page.locator("#password-current-error").getByText("not your current password").waitFor();
  await change.getByLabel("Current password").fill(password);
  assert.equal(await page.locator("#password-current-error").innerText(), "", "typing clears the old error");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.locator("#password-message").getByText("Password changed.").waitFor();
  assert.equal(await revoke.isChecked(), false, "the unticked box stays unticked");
});

test("the account area changes the email address and sets a first password", { timeout: 120_000 }, async () => {
  const email = freshEmail("changer");
  const newEmail = freshEmail("changed");
  await context.clearCookies();
  await signUpByApi(page, { email, password: "change my email please" });
  await page.goto("/account#email");
  await page.getByLabel("New email address").fill(newEmail);
  await page.getByRole("button", { name: "Change email" }).click();
  await page.locator("#change-email-message").getByText(`open the link we sent to ${newEmail}`).waitFor();
  const link = await inMailbox((tab) => newestLink(tab, "verification", newEmail));
  await page.goto(link);
  await page.getByRole("heading", { name: "Email changed" }).waitFor();
  await page.goto("/account#email");
  await page.locator("#profile-email").getByText(newEmail, { exact: true }).waitFor();

  // An account made with an emailed code has no password: it can set one.
  const passwordless = freshEmail("codes");
  await context.clearCookies();
  await page.goto("/email-otp");
  await page.getByLabel("Email", { exact: true }).fill(passwordless);
  await page.getByRole("button", { name: "Send code" }).click();
  await page.locator("#email-otp-sent-to").getByText(passwordless).waitFor();
  const code = await inMailbox(async (tab) => {
    await openNewestMessage(tab, "email-otp", passwordless);
    return (await tab.locator("#outbox-subject").innerText()).match(/\b(\d{6})\b/)[1];
  });
  await page.locator("#email-otp-code").fill(code);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.goto("/account#security");
  await page.getByRole("heading", { name: "Set a password" }).waitFor();
  assert.equal(await page.locator("#password-change").isVisible(), false);
  const setPassword = page.locator("#password-set");
  await setPassword.getByLabel("New password", { exact: true }).fill("my first real password");
  await setPassword.getByLabel("Confirm password", { exact: true }).fill("my first real password");
  await page.getByRole("button", { name: "Set password" }).click();
  await page.locator("#password-message").getByText("Password set").waitFor();
  await page.getByRole("heading", { name: "Change password" }).waitFor();
});

test("the shell knows who is signed in, on every page", { timeout: 120_000 }, async () => {
  await context.clearCookies();
  await page.goto("/");
  await page.getByRole("link", { name: "Create an account" }).waitFor();
  await signUpByApi(page, { email: freshEmail("shell"), password: "shell password 12" });
  for (const path of ["/", "/dev/outbox", "/no-such-page", "/verify-email", "/reset-password", "/api/auth/reference"]) {
    await page.goto(path);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Your account" }).waitFor();
    assert.equal(await nav.getByRole("link", { name: "Sign in" }).isVisible(), false, `${path}: no "Sign in" when signed in`);
    assert.equal(await nav.getByRole("link", { name: "Create account" }).isVisible(), false, `${path}: no "Create account"`);
  }
  // The landing page offers the account, not sign-up.
  await page.goto("/");
  await page.getByRole("link", { name: "Go to your account" }).waitFor();
  assert.equal(await page.locator("main").getByRole("link", { name: "Create an account" }).isVisible(), false);
  // The 404 page names the address.
  await page.goto("/no-such-page");
  await page.locator("main code").getByText("/no-such-page").waitFor();
  // The landing page reads ?error=.
  await page.goto("/?error=INVALID_TOKEN");
  await page.locator("#home-error").getByText("That link is invalid or has already been used").waitFor();
  // The favicon is served.
  const icon = await page.request.get("/favicon.ico");
  assert.equal(icon.status(), 200);
  assert.match(icon.headers()["content-type"], /^image\//);
});

test("sign-up and sign-in: one error style, a show-password toggle, strength, usernames", { timeout: 120_000 }, async () => {
  await context.clearCookies();
  await page.goto("/sign-up");
  // The browser's own bubbles are off: a short password is explained at the field.
  assert.equal(await page.locator("#sign-up-form").getAttribute("novalidate"), "");
  await page.getByLabel("Name", { exact: true }).fill("Strength Tester");
  await page.getByLabel("Email", { exact: true }).fill(freshEmail("strength"));
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("short");
  await page.locator("#sign-up-password-strength").getByText("Too short").waitFor();
  await page.getByRole("button", { name: "Create account" }).click();
  await page.locator("#sign-up-password-error").getByText("Use at least").waitFor();
  assert.equal(await password.getAttribute("aria-invalid"), "true");
  assert.match(await password.getAttribute("aria-describedby"), /sign-up-password-error/);

  // The toggle shows and hides the password.
  const toggle = page.locator('button[aria-controls="sign-up-password"]');
  assert.equal(await toggle.getAttribute("aria-pressed"), "false");
  await page.locator("#sign-up-form").getByRole("button", { name: "Show password" }).first().click();
  assert.equal(await toggle.locator("[data-reveal-label]").innerText(), "Hide");
  assert.equal(await password.getAttribute("type"), "text");
  assert.equal(await toggle.getAttribute("aria-pressed"), "true");
  await toggle.click();
  assert.equal(await password.getAttribute("type"), "password");

  // A known password is called so, and the server agrees.
  await password.fill("password123");
  await page.locator("#sign-up-password-strength").getByText("known password").waitFor();
  await page.getByLabel("Confirm password", { exact: true }).fill("password123");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.locator("#sign-up-password-error").getByText("appeared in a data breach").waitFor();
  await password.fill("violet tractor seldom harbour");
  await page.locator("#sign-up-password-strength").getByText(/Good|Strong/).waitFor();

  // A taken address gets the way forward.
  const taken = freshEmail("taken");
  await signUpByApi(page, { email: taken, password: "taken account password" });
  await context.clearCookies();
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Second Try");
  await page.getByLabel("Email", { exact: true }).fill(taken);
  await page.getByLabel("Password", { exact: true }).fill("violet tractor seldom harbour");
  await page.getByLabel("Confirm password", { exact: true }).fill("violet tractor seldom harbour");
  await page.getByRole("button", { name: "Create account" }).click();
  const emailError = page.locator("#sign-up-email-error");
  await emailError.getByText("already exists").waitFor();
  await emailError.getByRole("link", { name: "Sign in instead" }).waitFor();
  await emailError.getByRole("link", { name: "reset your password" }).waitFor();

  // With the username plugin on: sign up with a username, then sign in with it.
  const username = `user_${Date.now() % 1_000_000_000}`;
  await page.getByLabel("Email", { exact: true }).fill(freshEmail("named"));
  await page.getByLabel("Username (optional)").fill(username);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await context.clearCookies();
  await page.goto("/sign-in");
  // Every way in, in order, after an "or".
  await page.locator(".divider").getByText("or").waitFor();
  await page.getByLabel("Email or username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill("violet tractor seldom harbour");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
});

test("the sign-in page marks the way in this browser used last", { timeout: 60_000 }, async () => {
  await context.clearCookies();
  await page.goto("/sign-in");
  assert.equal(await page.locator(".last-used").count(), 0, "nothing marked for a new browser");
  // A password sign-up records "email": the password form is marked.
  await signUpByApi(page, { email: freshEmail("lastused"), password: "last used password 1" });
  await page.request.post("/api/auth/sign-out", { headers: { Origin: BASE_URL } });
  await page.goto("/sign-in");
  const badge = page.locator(".last-used");
  await badge.waitFor();
  assert.equal(await badge.count(), 1);
  assert.equal(await page.locator("#sign-in-form .last-used").count(), 1, "on the password form");
  // An emailed code next time: the code button is marked instead, in the same place as ever.
  const order = await page.locator("[data-login-method]").evaluateAll((els) => els.map((e) => e.dataset.loginMethod));
  const email = freshEmail("lastcode");
  await page.goto("/email-otp");
  await page.evaluate(() => sessionStorage.clear());
  await page.goto("/email-otp");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await page.locator("#email-otp-sent-to").getByText(email).waitFor();
  const code = await inMailbox(async (tab) => {
    await openNewestMessage(tab, "email-otp", email);
    return (await tab.locator("#outbox-subject").innerText()).match(/\b(\d{6})\b/)[1];
  });
  await page.locator("#email-otp-code").fill(code);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  await page.request.post("/api/auth/sign-out", { headers: { Origin: BASE_URL } });
  await page.goto("/sign-in");
  await page.locator('[data-login-method="email-otp"] .last-used').waitFor();
  assert.equal(await page.locator(".last-used").count(), 1);
  assert.deepEqual(
    await page.locator("[data-login-method]").evaluateAll((els) => els.map((e) => e.dataset.loginMethod)),
    order,
    "the ways in keep their order",
  );
});

test("the email-code page says things once", async () => {
  await context.clearCookies();
  await page.evaluate(() => sessionStorage.clear()).catch(() => {});
  await page.goto("/email-otp");
  await page.evaluate(() => sessionStorage.clear());
  await page.goto("/email-otp");
  const email = freshEmail("once");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await page.locator("#email-otp-sent-to").getByText(email).waitFor();
  const text = await page.locator("main").innerText();
  assert.equal((text.match(/code/gi) || []).length <= 4, true, `no repeated instructions: ${text}`);
  assert.equal(await page.locator("#email-otp-message").innerText(), "", "no second message saying the same");
});

test("the outbox shows a whole HTML email", { timeout: 60_000 }, async () => {
  const email = freshEmail("outbox");
  await context.clearCookies();
  await signUpByApi(page, { email, password: "outbox password 123" });
  await openNewestMessage(page, "verification", email);
  const frame = page.locator("iframe#outbox-html");
  await page.waitForFunction(() => {
    const f = document.getElementById("outbox-html");
    const doc = f && f.contentDocument;
    return doc && doc.readyState === "complete" && f.clientHeight > 200;
  });
  const { inner, outer } = await frame.evaluate((f) => ({
    inner: f.contentDocument.documentElement.scrollHeight,
    outer: f.clientHeight,
  }));
  assert.ok(inner <= outer + 2, `the frame (${outer}px) holds the whole message (${inner}px)`);
  assert.equal(await frame.getAttribute("sandbox"), "allow-same-origin", "still no scripts in the frame");
});

test("no page left an error behind", () => {
  assert.deepEqual(problems, [], "no CSP violations or uncaught errors");
});
