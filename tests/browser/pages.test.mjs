// Every hosted page the test server has, signed out and (where it differs) signed in, through
// lib/page-checks.mjs: axe-core (no serious or critical violation), no horizontal overflow, and a
// full-page screenshot, at 390 and 1280 px in light and dark. Also: no CSP violation and no
// uncaught error on any of them.
//
// The server is started elsewhere with ENABLE_ANONYMOUS=true (scripts/test's browser suite);
// this test only needs its address in PORTCULLIS_URL. Screenshots go to $SCREENSHOT_DIR.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { axeProblems, checkPage, overflowProblems, screenshotDir } from "./lib/page-checks.mjs";

const BASE_URL = (process.env.PORTCULLIS_URL || "").replace(/\/+$/, "");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const TIMEOUT = 15_000;
const PAGE_TIMEOUT = 120_000;

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

const unique = () => `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** POSTs to the auth API as the browser (cookies included), failing unless the answer is 200. */
async function post(apiPath, data) {
  const response = await page.request.post(`/api/auth${apiPath}`, { data, headers: { Origin: BASE_URL } });
  assert.equal(response.status(), 200, `POST /api/auth${apiPath}: ${await response.text()}`);
  return response.json();
}

async function signOut() {
  await context.clearCookies();
}

async function signInAsUser() {
  await signOut();
  // A long address and name, as real ones can be: they must wrap, not overflow, at 390 px.
  const email = `page-checks-with-a-rather-long-address-${unique()}@subdomain.example.com`;
  await post("/sign-up/email", { name: "Page Checks Person With A Long Name", email, password: "page checks password 1" });
  return email;
}

async function signInAsGuest() {
  await signOut();
  await post("/sign-in/anonymous", {});
}

/** Waits for the outbox to list a message of `kind` to `to`; returns the message page's path. */
async function outboxMessagePath(kind, to) {
  const row = page.locator(`#outbox-table tr[data-kind="${kind}"][data-to="${to}"]`);
  for (let attempt = 0; ; attempt += 1) {
    await page.goto("/dev/outbox");
    if ((await row.count()) > 0) break;
    assert.ok(attempt < 40, `the ${kind} message to ${to} reaches the outbox`);
    await page.waitForTimeout(250);
  }
  return new URL(await row.first().getByRole("link").getAttribute("href"), BASE_URL).pathname;
}

/** Opens `url`, waits until the page's scripts are done, then checks it (see the file comment). */
async function visit(name, url, { ready, status } = {}) {
  const before = problems.length;
  const response = await page.goto(url);
  if (status !== undefined) assert.equal(response.status(), status, `${url} answers ${status}`);
  await page.waitForLoadState("networkidle");
  if (ready) await ready();
  await checkPage(page, name);
  assert.deepEqual(problems.slice(before), [], `${name}: no CSP violations or uncaught errors`);
}

describe("the checks themselves", () => {
  let scratch;
  before(async () => {
    scratch = await context.newPage();
    await scratch.setViewportSize({ width: 390, height: 700 });
  });
  after(async () => scratch?.close());

  const html = (body, css = "") =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>Scratch</title><style>body{margin:0;font:16px sans-serif} ${css}</style></head><body><main>${body}</main></body></html>`;

  test("a page that fits passes the overflow check", async () => {
    await scratch.setContent(
      html(
        `<h1>Fits</h1><p>A paragraph that wraps normally over several lines of this narrow page.</p>` +
          `<div class="scroll"><pre>a deliberately very long line in a code block that scrolls on its own, sideways</pre></div>` +
          `<span class="sr-only">screen-reader text that is far too long to fit in one pixel</span>` +
          `<p class="clip">A clipped line that ends in an ellipsis on purpose, longer than the box</p>`,
        `.scroll{overflow-x:auto;max-width:100%}` +
          `.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}` +
          `.clip{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;width:200px}`,
      ),
    );
    assert.deepEqual(await overflowProblems(scratch), []);
  });

  test("a box wider than the viewport fails the overflow check, named", async () => {
    await scratch.setContent(html(`<div id="wide">wide box</div>`, `#wide{width:600px}`));
    const found = await overflowProblems(scratch);
    assert.ok(found.some((p) => /horizontal scroll bar/.test(p)), found.join("\n"));
    assert.ok(found.some((p) => /div#wide .*passes the viewport/.test(p)), found.join("\n"));
  });

  test("a long word spilling out of its card fails the overflow check", async () => {
    await scratch.setContent(
      html(`<div class="card"><p>Write to someone.with.long.address@example.com today</p></div>`, `.card{width:200px;border:1px solid}`),
    );
    const found = await overflowProblems(scratch);
    assert.ok(found.some((p) => /text "Write to someone.*" in .*main > div\.card > p spills out of .*main > div\.card > p:/.test(p)), found.join("\n"));
  });

  test("content cut off by a hidden overflow fails the overflow check", async () => {
    await scratch.setContent(html(`<div class="box"><button id="cut">A button that is cut off</button></div>`, `.box{width:120px;overflow:hidden}#cut{white-space:nowrap}`));
    const found = await overflowProblems(scratch);
    assert.ok(found.some((p) => /button#cut .*is cut off by .*main > div\.box:/.test(p)), found.join("\n"));
  });

  test("a scrolling container that itself overflows fails the overflow check", async () => {
    await scratch.setContent(html(`<div id="wrap"><table><tr><td>cell</td></tr></table></div>`, `#wrap{overflow-x:auto;width:500px}`));
    const found = await overflowProblems(scratch);
    assert.ok(found.some((p) => /div#wrap .*passes the viewport/.test(p)), found.join("\n"));
    assert.ok(!found.some((p) => /table|td/.test(p)), `what scrolls inside it is left alone:\n${found.join("\n")}`);
  });

  test("axe-core reports serious violations, and passes a clean page", async () => {
    await scratch.setContent(
      html(`<h1>Form</h1><input type="text"><p class="faint">Faint text</p>`, `.faint{color:#ccc;background:#fff}`),
    );
    const found = await axeProblems(scratch);
    assert.ok(found.some((p) => /^axe label \(critical\)/.test(p)), found.join("\n"));
    assert.ok(found.some((p) => /^axe color-contrast \(serious\).*insufficient color contrast of 1\.6/.test(p)), found.join("\n"));

    await scratch.setContent(html(`<h1>Form</h1><label for="x">Name</label> <input id="x" type="text">`));
    assert.deepEqual(await axeProblems(scratch), []);
  });

  test("checkPage lists the problems of every width and theme, and saves the screenshots", async () => {
    await scratch.setContent(html(`<h1>Narrow</h1><div id="wide">wide box</div>`, `#wide{width:800px}`));
    await assert.rejects(checkPage(scratch, "self-test wide"), (error) => {
      assert.match(error.message, /\[390px light\] overflow: .*div#wide/);
      assert.match(error.message, /\[390px dark\] overflow: .*div#wide/);
      assert.doesNotMatch(error.message, /\[1280px/);
      return true;
    });
    for (const file of ["self-test-wide-390-light.png", "self-test-wide-1280-dark.png"]) {
      assert.ok((await stat(path.join(await screenshotDir(), file))).size > 0, file);
    }
  });
});

describe("every hosted page, signed out", () => {
  before(signOut);
  const options = { timeout: PAGE_TIMEOUT };

  test("home", options, () =>
    visit("home", "/", { ready: () => page.locator("#api-status").getByText("API online").waitFor() }));
  test("sign-in", options, () => visit("sign-in", "/sign-in"));
  test("sign-in, after a wrong password", options, () =>
    visit("sign-in-error", "/sign-in", {
      ready: async () => {
        await page.getByLabel("Email").fill(`nobody-${unique()}@example.com`);
        await page.getByLabel("Password", { exact: true }).fill("not the password");
        await page.getByRole("button", { name: "Sign in", exact: true }).click();
        await page.getByText("Invalid email or password").waitFor();
      },
    }));
  test("sign-up", options, () => visit("sign-up", "/sign-up"));
  test("forgot-password", options, () => visit("forgot-password", "/forgot-password"));
  test("forgot-password, sent", options, () =>
    visit("forgot-password-sent", "/forgot-password", {
      ready: async () => {
        await page.getByLabel("Email").fill(`nobody-${unique()}@example.com`);
        await page.getByRole("button", { name: "Send reset link" }).click();
        await page.locator("#forgot-password-message").getByText("Check your email").waitFor();
      },
    }));
  test("reset-password, without a token", options, () => visit("reset-password", "/reset-password"));
  test("reset-password, with a token", options, () => visit("reset-password-token", "/reset-password?token=x"));
  test("verify-email", options, () => visit("verify-email", "/verify-email"));
  test("verify-email, with a token", options, () =>
    visit("verify-email-token", "/verify-email?token=x", {
      ready: () => page.getByRole("heading", { name: "Email not verified" }).waitFor(),
    }));
  test("verify-email, with a known error", options, () => visit("verify-email-error", "/verify-email?error=INVALID_TOKEN"));
  test("verify-email, with an unknown error", options, () =>
    visit("verify-email-other-error", "/verify-email?error=SOME_OTHER_ERROR_CODE_THAT_IS_RATHER_LONG"));
  test("email-otp", options, () => visit("email-otp", "/email-otp"));
  test("email-otp, code step", options, () =>
    visit("email-otp-code", "/email-otp", {
      ready: async () => {
        await page.getByLabel("Email").fill(`page-checks-code-${unique()}@example.com`);
        await page.getByRole("button", { name: "Send code" }).click();
        await page.locator("#email-otp-code").waitFor();
      },
    }));
  test("magic-link", options, () => visit("magic-link", "/magic-link"));
  test("magic-link, with an error", options, () => visit("magic-link-error", "/magic-link?error=INVALID_TOKEN"));
  test("auth error page", options, () =>
    visit("auth-error", "/api/auth/error?error=state_mismatch&error_description=The+state+did+not+match"));
  test("auth error page, unknown code", options, () => visit("auth-error-unknown", "/api/auth/error?error=SOMETHING_UNEXPECTED"));
  test("not found", options, () => visit("not-found", "/no-such-page", { status: 404 }));
  test("API reference", options, () => visit("api-reference", "/api/auth/reference"));
  test("dev outbox and a message", options, async () => {
    const email = `page-checks-outbox-with-a-long-address-${unique()}@subdomain.example.com`;
    await post("/sign-in/magic-link", { email, callbackURL: "/account" });
    const message = await outboxMessagePath("magic-link", email);
    await visit("dev-outbox", "/dev/outbox");
    await visit("dev-outbox-message", message);
  });
});

describe("the pages that differ signed in", () => {
  const options = { timeout: PAGE_TIMEOUT };
  after(signOut);

  test("home, signed in", options, async () => {
    const email = await signInAsUser();
    await visit("home-signed-in", "/", { ready: () => page.locator("#session-line").getByText(email).waitFor() });
  });
  test("account", options, async () => {
    const email = await signInAsUser();
    await visit("account", "/account", {
      ready: () => page.locator("#summary-email").getByText(email, { exact: true }).waitFor(),
    });
  });
  test("account, as a guest", options, async () => {
    await signInAsGuest();
    await visit("account-guest", "/account", {
      ready: () => page.locator("#summary-email").getByText("Guest", { exact: true }).waitFor(),
    });
  });
});
