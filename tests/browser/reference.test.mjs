// Browser test of the API reference page (/api/auth/reference): it reads well on a phone and
// on a desktop, shows what each call answers, and "try it" sends real requests with the
// browser's own session cookie.
//
// The server is started elsewhere (by scripts/test, or by hand); this test only needs its
// address in PORTCULLIS_URL, e.g. http://127.0.0.1:8787. It drives Debian's Chromium through
// playwright-core (lib/browser.mjs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { browserForFile, freshEmail } from "./lib/browser.mjs";
import { axeProblems, checkPage, overflowProblems } from "./lib/page-checks.mjs";

const REFERENCE = "/api/auth/reference";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

/** The operation `operationId` on the page, opened. */
async function openOperation(operationId) {
  const op = page.locator(`#op-${operationId}`);
  await op.waitFor({ state: "attached" });
  await op.evaluate((el) => {
    if (el.tagName === "DETAILS") el.open = true;
  });
  return op;
}

/**
 * What does not fit sideways: an element sticking out of its parent or past the window, an
 * element holding content wider than itself, or a box other than a code block (or a form
 * field) that has to be scrolled sideways: text, tables and schemas must wrap on a phone;
 * only code may scroll, inside its own box (whose content is then not checked).
 */
async function horizontalOverflow() {
  return page.evaluate(() => {
    const found = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) {
      found.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    }
    const name = (el) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${
        el.classList.length ? `.${[...el.classList].join(".")}` : ""
      } "${(el.textContent || "").trim().slice(0, 40)}"`;
    const mayScroll = (el) => ["PRE", "INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
    for (const el of document.querySelectorAll("main *")) {
      const style = getComputedStyle(el);
      if (style.display === "none" || style.position === "absolute" || style.position === "fixed") {
        continue;
      }
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      // Inside a code block, content may be wider than the block: it scrolls there.
      if (el.parentElement.closest("main pre")) continue;
      if (style.overflowX !== "visible" && !mayScroll(el) && el.scrollWidth > el.clientWidth + 1) {
        found.push(`${name(el)} has to be scrolled sideways (${el.scrollWidth} > ${el.clientWidth})`);
        continue;
      }
      const parent = el.parentElement.getBoundingClientRect();
      if (box.right > parent.right + 1 || box.left < parent.left - 1) {
        found.push(`${name(el)} sticks out of its parent (${box.left}–${box.right} in ${parent.left}–${parent.right})`);
      } else if (box.right > root.clientWidth + 1) {
        found.push(`${name(el)} runs past the window (${box.right} > ${root.clientWidth})`);
      } else if (style.overflowX === "visible" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
        found.push(`${name(el)} holds content wider than itself (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    return found;
  });
}

/** Opens every operation and example (and the navigation), then lists what overflows. */
async function overflowWithEverythingOpen() {
  await page.goto(REFERENCE);
  await page.evaluate(() => {
    for (const d of document.querySelectorAll("main details")) d.open = true;
  });
  return horizontalOverflow();
}

/** Sends an operation's "try it" form and waits for the answer; returns {status, body}. */
async function tryIt(op) {
  const form = op.locator("form");
  await form.getByRole("button", { name: /^Send/ }).click();
  const status = form.locator("[data-try-status]");
  await status.filter({ hasText: /^(Answered|Redirect|The request failed)/ }).waitFor();
  return {
    status: (await form.locator("[data-status-code]").innerText()).trim(),
    body: await form.locator("[data-body]").innerText(),
    headers: await form.locator("[data-headers]").innerText(),
  };
}

test("descriptions render backticks as code, and nothing else as markup", async () => {
  await page.setViewportSize(DESKTOP);
  await page.goto(REFERENCE);
  const op = await openOperation("getSession");
  const code = op.locator("code", { hasText: "{session, user}" });
  assert.equal(await code.count(), 1, "`{session, user}` in get-session's description is a <code>");
  assert.ok(await code.isVisible(), "and it is shown");
  const text = await page.locator("main").evaluate((main) => main.textContent);
  assert.ok(!text.includes("`"), "no literal backtick is left anywhere on the page");
});

test("a 200 answer shows its schema, with the referenced User expanded", async () => {
  await page.setViewportSize(DESKTOP);
  await page.goto(REFERENCE);
  const op = await openOperation("signUpEmail");
  const ok = op.locator("[data-status='200']");
  assert.equal(await ok.count(), 1, "sign-up documents its 200");
  const shown = await ok.innerText();
  for (const field of ["token", "user", "email", "emailVerified", "createdAt"]) {
    assert.match(shown, new RegExp(`\\b${field}\\b`), `the 200 lists ${field}`);
  }
  assert.doesNotMatch(shown, /\bany\b/, "the 200's body is described, not 'any'");
  // A list of sessions: the items' fields are shown too.
  const sessions = (await openOperation("listSessions")).locator("[data-status='200']");
  assert.match(await sessions.innerText(), /array of Session[\s\S]*expiresAt/);
});

test("on a phone, the first endpoint is on the first screen", async () => {
  await page.setViewportSize(PHONE);
  await page.goto(REFERENCE);
  const first = page.locator("main [id^='op-']").first();
  const box = await first.boundingBox();
  assert.ok(box, "the first operation is laid out");
  assert.ok(
    box.y + 40 <= PHONE.height,
    `the first operation starts at ${Math.round(box.y)} px, below the first ${PHONE.height} px`,
  );
  // The navigation is folded away but a tap opens it, and choosing an endpoint opens it.
  const toggle = page.locator("#apiref-nav > summary");
  assert.ok(await toggle.isVisible(), "the endpoint list has its button");
  await toggle.click();
  await page.getByLabel("Filter endpoints").fill("list-accounts");
  const link = page.locator("#apiref-nav a", { hasText: "/list-accounts" });
  await link.click();
  const target = page.locator("#op-listUserAccounts");
  assert.equal(await target.evaluate((el) => el.open), true, "the chosen operation is open");
  const targetBox = await target.boundingBox();
  assert.ok(targetBox.y >= -1 && targetBox.y < PHONE.height / 2, "and scrolled to the top");
});

test("no element overflows sideways at 390 px or at 1280 px", async () => {
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    const found = await overflowWithEverythingOpen();
    assert.deepEqual(found, [], `at ${size.width} px`);
  }
});

test("with its operations open, the page passes the hosted pages' checks", { timeout: 120_000 }, async () => {
  // Every operation open, at both sizes: axe and the shared overflow check.
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    await page.goto(REFERENCE);
    await page.evaluate(() => {
      for (const d of document.querySelectorAll("main details")) d.open = true;
    });
    assert.deepEqual(await overflowProblems(page), [], `overflow at ${size.width} px`);
    assert.deepEqual(await axeProblems(page), [], `axe at ${size.width} px`);
  }
  // A few open, with an answer shown, at every width and in both themes (with screenshots).
  await page.goto(REFERENCE);
  for (const id of ["signUpEmail", "getSession", "resetPasswordCallback"]) await openOperation(id);
  await tryIt(page.locator("#op-getSession"));
  await checkPage(page, "api-reference-open");
});

test("the endpoint filter narrows the list", async () => {
  await page.setViewportSize(DESKTOP);
  await page.goto(REFERENCE);
  const links = page.locator("#apiref-nav li:visible");
  const all = await links.count();
  await page.getByLabel("Filter endpoints").fill("session");
  const some = await links.count();
  assert.ok(some > 0 && some < all, `${some} of ${all} match "session"`);
  await page.getByLabel("Filter endpoints").fill("no such endpoint anywhere");
  assert.equal(await links.count(), 0);
  assert.ok(await page.locator("#apiref-nomatch").isVisible());
});

test("try it: ok, then sign up, then get-session with the new cookie", { timeout: 60_000 }, async () => {
  await page.setViewportSize(PHONE);
  await context.clearCookies();
  await page.goto(REFERENCE);

  const ok = await tryIt(await openOperation("ok"));
  assert.match(ok.status, /^200/);
  assert.deepEqual(JSON.parse(ok.body), { ok: true });
  assert.match(ok.headers, /content-type\s+application\/json/);

  // The sign-up form starts from the example; a fresh address goes in.
  const signUp = await openOperation("signUpEmail");
  const bodyBox = signUp.getByLabel("Body (JSON)");
  const example = JSON.parse(await bodyBox.inputValue());
  assert.ok(example.name && example.email && example.password, "the example has the required fields");
  const email = freshEmail("try-it");
  await bodyBox.fill(JSON.stringify({ ...example, email }, null, 2));
  const created = await tryIt(signUp);
  assert.match(created.status, /^200/, created.body);
  const answer = JSON.parse(created.body);
  assert.equal(answer.user.email, email);
  assert.equal(typeof answer.token, "string");

  // The browser kept the session cookie: get-session through try-it shows the new user.
  const session = await tryIt(await openOperation("getSession"));
  assert.match(session.status, /^200/);
  assert.equal(JSON.parse(session.body).user.email, email);

  // A path parameter left empty is asked for, not sent.
  const reset = await openOperation("resetPasswordCallback");
  await reset.getByRole("button", { name: /^Send/ }).click();
  await reset.locator("[data-try-status]", { hasText: "Fill in token" }).waitFor();

  // Bad JSON is refused before sending.
  await bodyBox.fill("{ not json");
  await signUp.getByRole("button", { name: /^Send/ }).click();
  await signUp.locator("[data-try-status]", { hasText: "not valid JSON" }).waitFor();

  assert.deepEqual(problems, [], "no CSP violations or uncaught errors");
});
