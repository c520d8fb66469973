// What the browser tests share: one Chromium per test file (Debian's, driven by
// playwright-core), the server's address, and the steps many tests take (reading the
// development outbox, making an account through the API or from outside the browser, signing
// in as the administrator).
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const BASE_URL = (process.env.PORTCULLIS_URL || "").replace(/\/+$/, "");
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

/**
 * Starts Chromium with a fresh profile (in `locale`'s language when given, e.g. "fr-FR"). Returns `{context, page, problems, close}`: `problems`
 * collects CSP violations and uncaught page errors of every page the context opens.
 */
export async function launch({ width = 1280, height = 900, colorScheme = "light", locale } = {}) {
  assert.ok(BASE_URL, "set PORTCULLIS_URL to the running server, e.g. http://127.0.0.1:8787");
  const userDataDir = await mkdtemp(path.join(tmpdir(), "portcullis-chromium-"));
  const problems = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      baseURL: BASE_URL,
      viewport: { width, height },
      colorScheme,
      // The browser's language: its Accept-Language, which picks the pages' language.
      ...(locale ? { locale } : {}),
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const watch = (page) => {
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
        problems.push(`CSP: ${message.text()}`);
      }
    });
  };
  context.on("page", watch);
  const page = context.pages()[0] || (await context.newPage());
  if (context.pages().length === 1) watch(page);
  return {
    context,
    page,
    problems,
    close: async () => {
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * One browser for the whole test file: started before its first test (then `ready` gets
 * `{context, page, problems}`), closed after its last.
 */
export function browserForFile(ready, options) {
  let browser = null;
  before(async () => {
    browser = await launch(options);
    ready(browser);
  });
  after(async () => {
    if (browser) await browser.close();
  });
}

export function pathOf(url) {
  return new URL(url).pathname;
}

/** A fresh address for this run. */
export function freshEmail(who) {
  return `${who}-${Date.now()}-${process.pid}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Waits for /dev/outbox (open in `page`) to list a message of `kind` to `to`: its rows. */
export async function outboxRows(page, kind, to) {
  const rows = page.locator(`#outbox-table tr[data-kind="${kind}"][data-to="${to}"]`);
  for (let attempt = 0; ; attempt += 1) {
    await page.goto("/dev/outbox");
    if ((await rows.count()) > 0) return rows;
    assert.ok(attempt < 40, `the ${kind} message to ${to} reaches the outbox`);
    await page.waitForTimeout(250);
  }
}

/** Opens, on /dev/outbox in `page`, the newest message of `kind` to `to`, waiting for delivery. */
export async function openNewestMessage(page, kind, to) {
  const rows = await outboxRows(page, kind, to);
  await rows.first().getByRole("link").click();
  await page.waitForURL((url) => pathOf(url).startsWith("/dev/outbox/"));
  await page.locator("#outbox-to").getByText(to, { exact: true }).waitFor();
}

/** Waits until /dev/outbox (open in `page`) lists `n` messages of `kind` to `to`, no more. */
export async function expectMessages(page, kind, to, n) {
  const rows = page.locator(`#outbox-table tr[data-kind="${kind}"][data-to="${to}"]`);
  let count = -1;
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await page.goto("/dev/outbox");
    count = await rows.count();
    if (count >= n) break;
    await page.waitForTimeout(250);
  }
  assert.equal(count, n, `${n} ${kind} message(s) to ${to}`);
}

/** The first link of the newest message of `kind` to `to`. */
export async function newestLink(page, kind, to) {
  await openNewestMessage(page, kind, to);
  return page.locator("#outbox-links a").first().getAttribute("href");
}

/** Creates an account through the API (signed in, in `page`'s context). */
export async function signUpByApi(page, { email, password, name = "Test Person" }) {
  const res = await page.request.post("/api/auth/sign-up/email", {
    data: { name, email, password },
    headers: { Origin: BASE_URL },
  });
  assert.equal(res.status(), 200, `sign-up of ${email}: ${await res.text()}`);
}

/**
 * The administrator the server was started with (`portcullis user create --role admin`), whose
 * address and password arrive as ADMIN_EMAIL and ADMIN_PASSWORD.
 */
export const ADMIN = { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD };

/**
 * Whether test `t` may run: skips it, answering false, when `flag` (an environment variable's
 * name, e.g. "EXPECT_WEBHOOKS") is given and is not "1" (`what` says what is missing), or when
 * there is no administrator (a failure instead when EXPECT_ADMIN=1).
 */
export function needAdmin(t, flag, what) {
  if (flag && process.env[flag] !== "1") {
    t.skip(`${what} (set ${flag}=1)`);
    return false;
  }
  if (ADMIN.email && ADMIN.password) return true;
  assert.notEqual(process.env.EXPECT_ADMIN, "1", "ADMIN_EMAIL and ADMIN_PASSWORD are set");
  t.skip("no administrator (set ADMIN_EMAIL and ADMIN_PASSWORD)");
  return false;
}

/**
 * Signs the administrator in on the sign-in page (cookies cleared first), asking to go back to
 * /admin (with `#hash` when given), and waits for /admin.
 */
export async function signInAsAdmin(page, context, { hash = "" } = {}) {
  const fragment = hash.replace(/^#/, "");
  const redirect = fragment ? `/admin#${fragment}` : "/admin";
  await context.clearCookies();
  await page.goto(`/sign-in?redirect=${encodeURIComponent(redirect)}`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/admin");
}

/**
 * Signs someone up from outside the browser (no cookie lands in it): `{id, cookie}`, their user
 * id and their session's Cookie header.
 */
export async function signUpElsewhere({ email, name = "Test Person", password }) {
  const res = await fetch(`${BASE_URL}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: BASE_URL },
    body: JSON.stringify({ name, email, password }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `sign-up of ${email}: ${text}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { id: JSON.parse(text).user.id, cookie };
}
