// Every hosted page the test server has, signed out and (where it differs) signed in, through
// lib/page-checks.mjs: axe-core (no serious or critical violation), no horizontal overflow, and a
// full-page screenshot, at 360, 390 and 1280 px in light and dark. Also: no CSP violation and no
// uncaught error on any of them.
//
// The server is started elsewhere with ENABLE_ANONYMOUS=true (scripts/test's browser suite);
// this test only needs its address in PORTCULLIS_URL. Screenshots go to $SCREENSHOT_DIR.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import path from "node:path";
import { BASE_URL, freshEmail, launch, outboxRows } from "./lib/browser.mjs";
import { axeProblems, checkPage, overflowProblems, screenshotDir } from "./lib/page-checks.mjs";

const PAGE_TIMEOUT = 120_000;

let browser;
let context;
let page;
let problems; // CSP violations and uncaught page errors, of every page of the context

before(async () => {
  browser = await launch();
  ({ context, page, problems } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

/**
 * A fresh address as long as real ones can be, with no hyphen or space to break at (a browser
 * does not break after a dot or an @): pages must wrap it, not overflow, at 360 px.
 */
const longEmail = (who) =>
  `${who}.with.a.rather.long.address.${Date.now()}.${process.pid}.${Math.random().toString(36).slice(2, 8)}@subdomain.example.com`;

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
  const email = longEmail("page.checks");
  await post("/sign-up/email", { name: "Page Checks Person With A Rather Long Name", email, password: "page checks password 1" });
  return email;
}

async function signInAsGuest() {
  await signOut();
  await post("/sign-in/anonymous", {});
}

/** Waits for the outbox to list a message of `kind` to `to`; returns the message page's path. */
async function outboxMessagePath(kind, to) {
  const rows = await outboxRows(page, kind, to);
  return new URL(await rows.first().getByRole("link").getAttribute("href"), BASE_URL).pathname;
}

/** Opens `url`, waits until the page's scripts are done, then checks it (see the file comment). */
async function visit(name, url, { ready, status, check = true } = {}) {
  const before = problems.length;
  const response = await page.goto(url);
  if (status !== undefined) assert.equal(response.status(), status, `${url} answers ${status}`);
  await page.waitForLoadState("networkidle");
  if (ready) await ready();
  if (check) await checkPage(page, name);
  assert.deepEqual(problems.slice(before), [], `${name}: no CSP violations or uncaught errors`);
}

/**
 * Runs each step, even after one fails, then fails with every failure: a test that checks
 * several pages reports them all.
 */
async function allOf(steps) {
  const failures = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error.message);
    }
  }
  if (failures.length) assert.fail(failures.join("\n\n"));
}

describe("the checks themselves", () => {
  let scratch;
  before(async () => {
    scratch = await context.newPage();
    await scratch.setViewportSize({ width: 360, height: 700 });
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
          `<pre class="wrap">${"words in a wrapped preformatted text ".repeat(6)}  \nwith spaces that hang at the ends of its lines      \n</pre>` +
          `<span class="sr-only">screen-reader text that is far too long to fit in one pixel</span>` +
          `<p class="clip">A clipped line that ends in an ellipsis on purpose, longer than the box</p>`,
        `.scroll{overflow-x:auto;max-width:100%}.wrap{white-space:pre-wrap;width:300px}` +
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

  test("a grid item stretched past its card by a long word fails the overflow check", async () => {
    await scratch.setContent(
      html(`<div class="card"><form id="grid"><p>Sent to someone.with.long.address@example.com</p></form></div>`, `.card{width:200px;border:1px solid}#grid{display:grid}`),
    );
    const found = await overflowProblems(scratch);
    assert.ok(found.some((p) => /form#grid > p .*spills out of .*form#grid:/.test(p)), found.join("\n"));
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
      assert.match(error.message, /\[360px light\] overflow: .*div#wide/);
      assert.match(error.message, /\[360px dark\] overflow: .*div#wide/);
      assert.doesNotMatch(error.message, /\[1280px/);
      return true;
    });
    for (const file of ["self-test-wide-360-light.png", "self-test-wide-1280-dark.png"]) {
      assert.ok((await stat(path.join(await screenshotDir(), file))).size > 0, file);
    }
  });
});

// The pages, as [name, path, {ready, status}]: `ready` brings the page to the state to check
// once its scripts have settled. Each name is also the screenshots' file name.
const SIGNED_OUT = [
  ["home", "/"],
  ["sign-in", "/sign-in"],
  ["sign-in-wrong-password", "/sign-in", {
    ready: async () => {
      await page.getByLabel("Email or username").fill(freshEmail("nobody"));
      await page.getByLabel("Password", { exact: true }).fill("not the password");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.locator("#sign-in-password-error").getByText("is not right").waitFor();
    },
  }],
  ["sign-up", "/sign-up"],
  ["sign-up-mistakes", "/sign-up", {
    // Inline errors and the strength meter: no name, a bad address, a weak password.
    ready: async () => {
      await page.getByLabel("Email", { exact: true }).fill("not an address");
      await page.getByLabel("Password", { exact: true }).fill("password");
      await page.getByLabel("Confirm password", { exact: true }).fill("passwort");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.locator("#sign-up-email-error").getByText("Enter an email address").waitFor();
    },
  }],
  ["forgot-password", "/forgot-password"],
  ["forgot-password-sent", "/forgot-password", {
    ready: async () => {
      await page.getByLabel("Email", { exact: true }).fill(freshEmail("nobody"));
      await page.getByRole("button", { name: "Send reset link" }).click();
      await page.locator("#forgot-password-message").getByText("Check your email").waitFor();
    },
  }],
  ["reset-password", "/reset-password"],
  ["reset-password-token", "/reset-password?token=x", {
    ready: async () => {
      await page.getByLabel("New password", { exact: true }).fill("a fairly good passphrase 7");
      await page.getByLabel("Confirm new password").fill("a different one");
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.locator("#reset-password-confirm-error").getByText("don't match").waitFor();
    },
  }],
  ["reset-password-error", "/reset-password?error=INVALID_TOKEN"],
  ["verify-email", "/verify-email"],
  ["verify-email-token", "/verify-email?token=x", {
    // The page's script verifies the token itself, and says it is not valid.
    ready: () => page.getByRole("heading", { name: "Email not verified" }).waitFor(),
  }],
  ["verify-email-error", "/verify-email?error=INVALID_TOKEN"],
  ["verify-email-unknown-error", "/verify-email?error=SOME_OTHER_ERROR_CODE_THAT_IS_RATHER_LONG"],
  ["verify-email-verified", "/verify-email?status=verified"],
  ["verify-email-already-verified", "/verify-email?status=already-verified"],
  ["verify-email-change-approved", "/verify-email?status=change-approved"],
  ["verify-email-email-changed", "/verify-email?status=email-changed"],
  ["email-otp", "/email-otp"],
  ["email-otp-code", "/email-otp", {
    ready: async () => {
      await page.getByLabel("Email", { exact: true }).fill(longEmail("page.checks.code"));
      await page.getByRole("button", { name: "Send code" }).click();
      await page.locator("#email-otp-code").waitFor();
    },
  }],
  ["magic-link", "/magic-link"],
  ["magic-link-error", "/magic-link?error=INVALID_TOKEN"],
  ["auth-error", "/api/auth/error?error=state_mismatch&error_description=The+state+did+not+match"],
  ["auth-error-unknown", "/api/auth/error?error=SOMETHING_UNEXPECTED"],
  ["not-found", "/no-such-page", { status: 404 }],
  ["api-reference", "/api/auth/reference"],
];

describe("every hosted page, signed out", () => {
  before(signOut);
  for (const [name, url, options] of SIGNED_OUT) {
    test(`${name}: ${url}`, { timeout: PAGE_TIMEOUT }, () => visit(name, url, options));
  }

  test("dev-outbox and a message: /dev/outbox, /dev/outbox/{id}", { timeout: PAGE_TIMEOUT }, async () => {
    const email = longEmail("page.checks.outbox");
    await post("/sign-in/magic-link", { email, callbackURL: "/account" });
    const message = await outboxMessagePath("magic-link", email);
    await allOf([() => visit("dev-outbox", "/dev/outbox"), () => visit("dev-outbox-message", message)]);
  });
});

describe("signed in: the header, the home page and the account area", () => {
  after(signOut);

  test("as a user: home, sign-in, not-found, and each account section", { timeout: 4 * PAGE_TIMEOUT }, async () => {
    const email = await signInAsUser();
    const accountSections = async () => {
      await visit("account", "/account", {
        ready: () => page.locator("#summary-email").getByText(email, { exact: true }).waitFor(),
        check: false, // each section below, the first included
      });
      const problemsBefore = problems.length;
      const sections = await page.locator("[data-section-link]").evaluateAll((links) => links.map((a) => a.dataset.sectionLink));
      assert.ok(sections.length >= 4, `the account area has its sections: ${sections}`);
      await allOf(
        sections.map((section) => async () => {
          await page.locator(`[data-section-link="${section}"]`).click();
          await page.locator(`[data-section]#${section}`).waitFor();
          await page.waitForLoadState("networkidle");
          // What folds away (a device's details) is checked open.
          await page.locator(`#${section} details`).evaluateAll((all) => all.forEach((d) => (d.open = true)));
          await checkPage(page, `account-${section}`);
        }),
      );
      assert.deepEqual(problems.slice(problemsBefore), [], "account sections: no CSP violations or uncaught errors");
    };
    await allOf([
      () => visit("home-signed-in", "/", { ready: () => page.locator("#home-who").getByText(email).waitFor() }),
      () => visit("sign-in-signed-in", "/sign-in"),
      () => visit("not-found-signed-in", "/no-such-page", { status: 404 }),
      accountSections,
    ]);
  });

  test("as a guest: the account area with its notice", { timeout: PAGE_TIMEOUT }, async () => {
    await signInAsGuest();
    await visit("account-guest", "/account", {
      ready: () => page.getByRole("region", { name: "You are using a guest account" }).waitFor(),
    });
  });
});
