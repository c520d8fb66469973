// The admin console (/admin, admin plugin; the browser suite's server runs with
// ENABLE_ADMIN=true and an administrator made by `portcullis user create --role admin`, whose
// address and password arrive as ADMIN_EMAIL and ADMIN_PASSWORD):
// - signed out, /admin leads to sign-in and back; a user gets a 403 page, not the console;
// - an administrator sees the overview (totals, sign-ins over time, a live feed that shows a
//   failed sign-in made elsewhere within seconds), finds a user and bans them (they can no
//   longer sign in), signs in as another and stops, sends a test e-mail from Integrations and
//   sees it sent and counted in its transport's health, and exports the audit log as CSV and
//   JSON lines, which hold what they did; part of it from the keyboard alone;
// - every section, the user's detail and the 403 page pass the shared page checks (axe-core,
//   overflow, screenshots at 360, 390 and 1280 px in both themes).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  ADMIN,
  BASE_URL,
  browserForFile,
  freshEmail,
  needAdmin,
  pathOf,
  signInAsAdmin,
  signUpByApi,
  signUpElsewhere,
} from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const PASSWORD = "console user password 1";

async function signInElsewhere(email) {
  return fetch(`${BASE_URL}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: BASE_URL },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
}

test("the console is for administrators only", { timeout: 120_000 }, async (t) => {
  if (!needAdmin(t)) return;
  await context.clearCookies();
  await page.goto("/admin");
  await page.waitForURL((url) => pathOf(url) === "/sign-in");
  assert.equal(new URL(page.url()).searchParams.get("redirect"), "/admin");

  await signUpByApi(page, { email: freshEmail("not-admin"), password: PASSWORD });
  const res = await page.goto("/admin");
  assert.equal(res.status(), 403);
  await page.getByRole("heading", { name: "You cannot open this page" }).waitFor();
  await page.getByText("The admin console is for administrators.", { exact: false }).waitFor();
  assert.equal(await page.locator("#users").count(), 0, "nothing of the console");
  const data = await page.request.get("/api/auth/admin/console/users");
  assert.equal(data.status(), 403, "nor its data");
  await checkPage(page, "admin-forbidden");
  assert.deepEqual(problems, []);
});

test("an administrator bans, impersonates and exports the log", { timeout: 240_000 }, async (t) => {
  if (!needAdmin(t)) return;
  const victim = freshEmail("victim");
  const other = freshEmail("other");
  await signUpElsewhere({ email: victim, name: "Vic Victim", password: PASSWORD });
  await signUpElsewhere({ email: other, name: "Oli Other", password: PASSWORD });

  // Sign in on the sign-in page, and land back in the console.
  await signInAsAdmin(page, context);
  await page.getByRole("heading", { name: "Admin console" }).waitFor();

  // The overview comes first: totals, sign-ins over time, and the live feed.
  const overview = page.locator("#overview");
  await overview.getByRole("heading", { name: "Overview" }).waitFor();
  await page.waitForFunction(() => /^\d/.test(document.getElementById("overview-users")?.textContent || ""));
  await overview.locator("#overview-methods li").getByText("E-mail and password:", { exact: false }).waitFor();
  await overview.locator("svg[role=img] rect").first().waitFor({ state: "attached" });
  assert.match(await overview.locator("svg[role=img]").getAttribute("aria-label"), /^The last 7 days: \d+ sign-ins, \d+ failed sign-ins, \d+ sign-ups\./);
  await overview.getByText("Show the numbers").click();
  assert.equal(await overview.locator("#overview-table tr").count(), 7);
  await overview.getByLabel("Period").selectOption("1");
  await page.waitForFunction(() => document.querySelectorAll("#overview-table tr").length === 24);
  await overview.locator("#overview-feed li").first().waitFor();
  await overview.getByText("Live.").waitFor();
  // Something happens elsewhere: it appears in the feed within seconds, newest first.
  const before = await overview.locator("#overview-feed li").count();
  const wrong = await fetch(`${BASE_URL}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: BASE_URL },
    body: JSON.stringify({ email: victim, password: "not the right one" }),
  });
  assert.equal(wrong.status, 401);
  await page.waitForFunction((n) => document.querySelectorAll("#overview-feed li").length > n, before, { timeout: 10_000 });
  await overview.locator("#overview-feed li").first().getByText("user.sign_in (failed)").waitFor();
  await checkPage(page, "admin-overview");

  await page.getByRole("link", { name: "Users" }).click();
  const users = page.locator("#users");
  await users.locator("#admin-users-list li.device").first().waitFor();
  await checkPage(page, "admin-users");

  // Find the victim from the keyboard: the search field, Enter, then Tab to their "Open".
  await page.getByLabel("Find users").focus();
  await page.keyboard.type(victim.slice(0, victim.indexOf("@")));
  await page.keyboard.press("Enter");
  // The answer replaces the whole list: only the victim matches.
  await page.waitForFunction(() => document.querySelectorAll("#admin-users-list li.device").length === 1);
  const open = users.getByRole("button", { name: `Open ${victim}` });
  await open.waitFor();
  await open.focus();
  await page.keyboard.press("Enter");
  const detail = page.locator("#admin-user-detail");
  await detail.getByRole("heading", { name: "Vic Victim" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "admin-user-detail", "focus moves to the user");
  await detail.getByText("Ways to sign in").waitFor();
  await detail.getByText("E-mail and password").waitFor();
  await checkPage(page, "admin-user-detail");

  // Ban, confirmed; the victim can no longer sign in.
  await detail.getByLabel("Reason for the ban").fill("Spam from the console test");
  const confirmed = [];
  page.once("dialog", (dialog) => {
    confirmed.push(dialog.message());
    dialog.accept();
  });
  await detail.getByRole("button", { name: "Ban user" }).click();
  await detail.getByText(`${victim} is banned.`).waitFor();
  assert.match(confirmed[0], /^Ban /);
  await detail.getByText("Spam from the console test").waitFor();
  await detail.getByRole("button", { name: "Lift the ban" }).waitFor();
  const refused = await signInElsewhere(victim);
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).code, "BANNED_USER");

  // A refused confirmation does nothing.
  page.once("dialog", (dialog) => dialog.dismiss());
  await detail.getByRole("button", { name: "Delete user" }).click();
  assert.equal(await detail.isVisible(), true, "still there");

  // Sign in as the other user, and stop.
  await detail.getByRole("button", { name: "Back to the list" }).click();
  await page.getByLabel("Find users").fill(other);
  await users.getByRole("button", { name: "Search" }).click();
  await page.waitForFunction(() => document.querySelectorAll("#admin-users-list li.device").length === 1);
  await users.getByRole("button", { name: `Open ${other}` }).click();
  await detail.getByRole("heading", { name: "Oli Other" }).waitFor();
  page.once("dialog", (dialog) => dialog.accept());
  await detail.getByRole("button", { name: "Sign in as this user" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  const notice = page.locator("#impersonation-notice");
  await notice.getByRole("heading", { name: `You are signed in as ${other}` }).waitFor();
  await checkPage(page, "account-impersonating");
  await notice.getByRole("button", { name: "Stop and return to the admin console" }).click();
  await page.waitForURL((url) => pathOf(url) === "/admin");
  await page.locator("#admin-viewer").getByText(ADMIN.email).waitFor();

  // Sessions: every live one, the administrator's among them.
  await page.getByRole("link", { name: "Sessions" }).click();
  const sessions = page.locator("#sessions");
  await sessions.locator("li.device").first().waitFor();
  await sessions.getByText(ADMIN.email, { exact: false }).first().waitFor();
  await checkPage(page, "admin-sessions");
  // Filtered to one user by address, then to sessions opened as someone (none is left open).
  await sessions.getByLabel("User", { exact: true }).fill(ADMIN.email.toUpperCase());
  await sessions.getByRole("button", { name: "Show sessions" }).click();
  await page.waitForFunction((email) => {
    const rows = [...document.querySelectorAll("#admin-sessions-list li.device")];
    return rows.length > 0 && rows.every((li) => li.textContent.includes(email));
  }, ADMIN.email);
  await sessions.getByLabel("Only sessions an administrator opened as the user").check();
  await sessions.getByRole("button", { name: "Show sessions" }).click();
  await sessions.getByText("No live sessions.").waitFor();

  // Integrations: how mail is set up, a test message, and how it went.
  await page.getByRole("link", { name: "Integrations" }).click();
  const integrations = page.locator("#integrations");
  await integrations.getByText("The development outbox (nothing leaves this server)").first().waitFor();
  await integrations.getByLabel("Send a test").selectOption("sms");
  await integrations.getByRole("button", { name: "Send a test message" }).click();
  await page.locator("#integrations-test-to-error").getByText("international form").waitFor();
  await integrations.getByLabel("Send a test").selectOption("email");
  await integrations.getByRole("button", { name: "Send a test message" }).click();
  await integrations.getByText("The test message is on its way.", { exact: false }).waitFor();
  await integrations.getByText("Sent: admin-test (email)").waitFor();
  // Each transport's health, from every instance: the outbox's e-mail counted, never failed.
  const mailHealth = page.locator("#integrations-health li", { hasText: "(email)" });
  await mailHealth.getByText("Sent in the last 24 hours").waitFor();
  assert.equal(await mailHealth.locator("dt", { hasText: "Last failure" }).locator("+ dd").textContent(), "Never");
  await checkPage(page, "admin-integrations");

  // Email templates: each one as sent, its HTML in a sandboxed frame.
  await page.getByRole("link", { name: "Email templates" }).click();
  const templates = page.locator("#email-templates");
  await templates.getByLabel("Template").selectOption("password-reset");
  await templates.locator("#email-template-subject").getByText("Reset", { exact: false }).waitFor();
  const frame = page.frameLocator("#email-template-frame");
  await frame.locator("body").getByText("/example-link?token=sample", { exact: false }).first().waitFor({ state: "attached" });
  await checkPage(page, "admin-email-templates");

  // The audit log holds what was done, and exports it.
  await page.getByRole("link", { name: "Audit log" }).click();
  const log = page.locator("#audit-log");
  await log.getByLabel("Action").fill("admin.ban_user");
  await log.getByRole("button", { name: "Show events" }).click();
  const banned = log.locator("#audit-log-list li.device").first();
  await banned.getByText("admin.ban_user").waitFor();
  // Users by address: who did it and to whom.
  await banned.getByText(victim, { exact: true }).waitFor();
  await banned.getByText(ADMIN.email, { exact: true }).waitFor();
  await log.getByLabel("User", { exact: true }).fill(victim);
  await log.getByRole("button", { name: "Show events" }).click();
  await log.locator("#audit-log-list li.device").first().getByText("admin.ban_user").waitFor();
  await log.getByLabel("User", { exact: true }).fill("");
  await log.getByLabel("Action").fill("");
  await log.getByRole("button", { name: "Show events" }).click();
  await log.locator("#audit-log-list li.device").first().waitFor();
  await checkPage(page, "admin-audit-log");

  const [csv] = await Promise.all([
    page.waitForEvent("download"),
    log.getByRole("button", { name: "Export as CSV" }).click(),
  ]);
  assert.match(csv.suggestedFilename(), /^audit-.*\.csv$/);
  const csvText = await readFile(await csv.path(), "utf8");
  const header = csvText.split("\r\n")[0];
  assert.match(header, /action/);
  assert.equal(csvText.split("\r\n").filter((l) => l === header).length, 1, "one header row");
  for (const action of ["admin.ban_user", "admin.impersonate_start", "admin.impersonate_stop"]) {
    assert.ok(csvText.includes(action), `the CSV holds ${action}`);
  }
  await log.getByText(/^Exported \d+ events?\.$/).waitFor();

  const [lines] = await Promise.all([
    page.waitForEvent("download"),
    log.getByRole("button", { name: "Export as JSON lines" }).click(),
  ]);
  const events = (await readFile(await lines.path(), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const ban = events.find((e) => e.action === "admin.ban_user");
  assert.ok(ban, "the ban is in the JSON lines");
  assert.ok(ban.actorUserId && ban.targetUserId && ban.actorUserId !== ban.targetUserId);
  assert.deepEqual(problems, []);
});
