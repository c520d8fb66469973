// Paste and password managers on the hosted pages (ASVS V2.1.11). Every password field says which
// password it wants (autocomplete="current-password" or "new-password"), the address fields say
// "email" or "username", a password put on the clipboard and pasted with Control+V arrives in the
// field and signs in (and signs up, changes and resets), and no page script cancels paste, copy or
// drop on those fields. The first tests check the checks: the real sign-in page with its
// autocomplete attributes taken out, or with a script that cancels paste, must fail them.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE_URL,
  browserForFile,
  freshEmail,
  newestLink,
  pathOf,
  signUpByApi,
} from "./lib/browser.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

// What each field on each page must say. The account page's other password fields (set a first
// password, delete the account, the two-factor plugin's) come and go with the server's features:
// when present they must say what OPTIONAL_FIELDS says, and a password field in neither table fails.
const PAGES = {
  "/sign-in": { "sign-in-email": "username", "sign-in-password": "current-password" },
  "/sign-up": { "sign-up-email": "email", "sign-up-password": "new-password", "sign-up-confirm": "new-password" },
  "/email-otp": { "email-otp-email": "email" },
  "/magic-link": { "magic-link-email": "email" },
  "/forgot-password": { "forgot-password-email": "email" },
  "/reset-password?token=not-checked-before-submit": {
    "reset-password-new": "new-password",
    "reset-password-confirm": "new-password",
  },
  "/account#security": {
    "password-current": "current-password",
    "password-new": "new-password",
    "password-confirm": "new-password",
    "change-email-new": "email",
  },
};
const OPTIONAL_FIELDS = {
  "sign-up-username": "username",
  "password-set-new": "new-password",
  "password-set-confirm": "new-password",
  "delete-password": "current-password",
  "two-factor-enable-password": "current-password",
  "two-factor-codes-password": "current-password",
  "two-factor-disable-password": "current-password",
};

/**
 * The fields of the page `p` has open that this file checks: every password field, and those of
 * `expected` and OPTIONAL_FIELDS that are there.
 */
async function fieldsOf(p, expected) {
  return p.evaluate((ids) => {
    const inputs = new Set([...document.querySelectorAll('input[type="password"]'), ...ids.map((id) => document.getElementById(id))]);
    return [...inputs].filter(Boolean).map((input) => ({
      id: input.id,
      autocomplete: input.getAttribute("autocomplete"),
      readOnly: input.readOnly,
      formAutocomplete: input.form ? input.form.getAttribute("autocomplete") : null,
      handlers: ["onpaste", "oncopy", "oncut", "ondrop", "onbeforeinput"].filter((name) => input.hasAttribute(name)),
    }));
  }, [...Object.keys(expected), ...Object.keys(OPTIONAL_FIELDS)]);
}

/**
 * What is wrong with the fields of the page `p` has open, against `expected` ({id: autocomplete}):
 * a field missing, an autocomplete that is not the expected one (the field-name token, after any
 * section-/webauthn tokens), a read-only field, a form with autocomplete="off", an inline handler.
 */
async function fieldProblems(p, expected) {
  const fields = await fieldsOf(p, expected);
  const out = [];
  const present = new Set(fields.map((field) => field.id));
  for (const id of Object.keys(expected)) {
    if (!present.has(id)) out.push(`#${id}: missing`);
  }
  for (const field of fields) {
    const want = expected[field.id] ?? OPTIONAL_FIELDS[field.id];
    const name = field.id ? `#${field.id}` : "a password field without an id";
    if (!want) {
      out.push(`${name}: a password field this test does not know (add it to PAGES or OPTIONAL_FIELDS)`);
      continue;
    }
    const tokens = (field.autocomplete || "").trim().toLowerCase().split(/\s+/).filter((t) => t && t !== "webauthn");
    const got = tokens.at(-1) ?? "";
    if (got !== want) out.push(`${name}: autocomplete="${field.autocomplete ?? ""}", want "${want}"`);
    if (field.readOnly) out.push(`${name}: read-only`);
    if ((field.formAutocomplete || "").toLowerCase() === "off") out.push(`${name}: its form says autocomplete="off"`);
    if (field.handlers.length) out.push(`${name}: inline ${field.handlers.join(", ")}`);
  }
  return out.sort();
}

/**
 * The events page scripts cancel on the field `selector`: paste, copy, cut and drop, and the
 * beforeinput of a paste or a drop, each dispatched (untrusted, so nothing is inserted) and
 * reported when a listener called preventDefault.
 */
async function cancelledEvents(p, selector) {
  return p.locator(selector).evaluate((input) => {
    const data = () => {
      const dt = new DataTransfer();
      dt.setData("text/plain", "a pasted password");
      return dt;
    };
    const events = {
      paste: () => new ClipboardEvent("paste", { bubbles: true, cancelable: true, composed: true, clipboardData: data() }),
      copy: () => new ClipboardEvent("copy", { bubbles: true, cancelable: true, composed: true, clipboardData: data() }),
      cut: () => new ClipboardEvent("cut", { bubbles: true, cancelable: true, composed: true, clipboardData: data() }),
      drop: () => new DragEvent("drop", { bubbles: true, cancelable: true, composed: true, dataTransfer: data() }),
      "beforeinput (insertFromPaste)": () =>
        new InputEvent("beforeinput", { bubbles: true, cancelable: true, inputType: "insertFromPaste", dataTransfer: data() }),
      "beforeinput (insertFromDrop)": () =>
        new InputEvent("beforeinput", { bubbles: true, cancelable: true, inputType: "insertFromDrop", dataTransfer: data() }),
    };
    return Object.entries(events)
      .filter(([, make]) => !input.dispatchEvent(make()))
      .map(([type]) => type);
  });
}

/**
 * Puts `text` on the clipboard, empties the field `selector`, pastes with Control+V. Returns what
 * went wrong: the value that arrived is not `text`, or the trusted paste event was cancelled (or
 * stopped before it reached the window).
 */
async function pasteProblems(p, selector, text) {
  // The real clipboard: navigator.clipboard.writeText puts the password there, Control+V takes it.
  await p.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(p.url()).origin });
  const field = p.locator(selector);
  await field.fill("");
  await field.focus();
  await p.evaluate(async (t) => {
    await navigator.clipboard.writeText(t);
    window.__pastes = [];
    if (!window.__pasteWatch) {
      window.__pasteWatch = true;
      // Registered last, on the window: runs after every listener of the page.
      window.addEventListener("paste", (e) =>
        window.__pastes.push({ id: e.target.id, trusted: e.isTrusted, prevented: e.defaultPrevented }),
      );
    }
  }, text);
  await p.keyboard.press("Control+V");
  const value = await field.inputValue();
  const pastes = await p.evaluate(() => window.__pastes);
  const out = [];
  if (value !== text) out.push(`${selector}: the pasted password did not arrive (${value.length} of ${text.length} characters)`);
  const seen = pastes.filter((e) => `#${e.id}` === selector && e.trusted);
  if (seen.length !== 1) out.push(`${selector}: ${seen.length} trusted paste events reached the window, want 1`);
  if (seen.some((e) => e.prevented)) out.push(`${selector}: a page script cancelled the paste`);
  return out;
}

/** Pastes into each field, asserting that every paste arrives. */
async function paste(fields) {
  for (const [selector, text] of fields) {
    assert.deepEqual(await pasteProblems(page, selector, text), [], `pasting into ${selector}`);
  }
}

/** A password that keyboards and autofill would both find awkward. */
function freshPassword(who) {
  return `${who}-Pa5te-${Math.random().toString(36).slice(2, 10)}-#%&!"'<>`;
}

/** Serves `path` as the server does, with `edit` applied to its HTML, until `done` returns. */
async function withEditedPage(path, edit, done) {
  const matcher = (url) => pathOf(url.href) === path;
  const handler = async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: edit(await response.text()) });
  };
  await page.route(matcher, handler);
  try {
    await page.goto(path);
    return await done();
  } finally {
    await page.unroute(matcher, handler);
  }
}

test("the checks fail on the sign-in page with its autocomplete attributes taken out", async () => {
  await context.clearCookies();
  const found = await withEditedPage("/sign-in", (html) => html.replaceAll(/ autocomplete="[^"]*"/g, ""), () =>
    fieldProblems(page, PAGES["/sign-in"]),
  );
  assert.deepEqual(found, [
    '#sign-in-email: autocomplete="", want "username"',
    '#sign-in-password: autocomplete="", want "current-password"',
  ]);
  // And on it with autocomplete="off" in the old style, on the form and the fields.
  const off = await withEditedPage(
    "/sign-in",
    (html) => html.replaceAll(/ autocomplete="[^"]*"/g, ' autocomplete="off"').replace('id="sign-in-form"', 'id="sign-in-form" autocomplete="off"'),
    () => fieldProblems(page, PAGES["/sign-in"]),
  );
  assert.equal(off.length, 4, off.join("\n"));
});

test("the checks fail on the sign-in page with a script that cancels paste, copy and drop", async () => {
  await context.clearCookies();
  // Served from the server's own origin, so the page's CSP (script-src 'self') lets it run.
  const blocker = `for (const type of ["paste", "copy", "drop"]) {
    document.addEventListener(type, (e) => { if (e.target.type === "password") e.preventDefault(); }, true);
  }`;
  const script = (url) => pathOf(url.href) === "/assets/block-paste.js";
  await page.route(script, (route) => route.fulfill({ contentType: "text/javascript", body: blocker }));
  try {
    await withEditedPage("/sign-in", (html) => html.replace("</body>", '<script src="/assets/block-paste.js"></script></body>'), async () => {
      assert.deepEqual(await pasteProblems(page, "#sign-in-password", "pasted but blocked 123"), [
        "#sign-in-password: the pasted password did not arrive (0 of 22 characters)",
        "#sign-in-password: a page script cancelled the paste",
      ]);
      assert.deepEqual(await cancelledEvents(page, "#sign-in-password"), ["paste", "copy", "drop"]);
      // The email field is left alone by this script, and the checks say so.
      assert.deepEqual(await pasteProblems(page, "#sign-in-email", "someone@example.com"), []);
      assert.deepEqual(await cancelledEvents(page, "#sign-in-email"), []);
    });
  } finally {
    await page.unroute(script);
  }
});

test("every password and address field on the hosted pages says what it holds, and none blocks paste, copy or drop", { timeout: 120_000 }, async () => {
  await context.clearCookies();
  for (const [path, expected] of Object.entries(PAGES)) {
    if (path.startsWith("/account")) await signUpByApi(page, { email: freshEmail("fields"), password: freshPassword("fields") });
    await page.goto(path);
    if (path.startsWith("/account")) await page.locator("#password-change").waitFor();
    assert.deepEqual(await fieldProblems(page, expected), [], `the fields of ${path}`);
    const ids = (await fieldsOf(page, expected)).map((field) => field.id);
    for (const id of ids) {
      assert.deepEqual(await cancelledEvents(page, `#${id}`), [], `${path}: events cancelled on #${id}`);
    }
  }
});

test("a password pasted with Control+V arrives in the field, and signs in", { timeout: 60_000 }, async () => {
  const email = freshEmail("paste-in");
  const password = freshPassword("sign-in");
  await context.clearCookies();
  await signUpByApi(page, { email, password });
  await context.clearCookies();
  await page.goto("/sign-in");
  await paste([
    ["#sign-in-email", email],
    ["#sign-in-password", password],
  ]);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
});

test("sign-up, a password change and a reset take pasted passwords, and each one then signs in", { timeout: 120_000 }, async () => {
  const email = freshEmail("paste-all");
  const first = freshPassword("first");
  const second = freshPassword("second");
  const third = freshPassword("third");
  await context.clearCookies();

  // Sign up: the new password and its confirmation, both pasted.
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Paste Person");
  await paste([
    ["#sign-up-email", email],
    ["#sign-up-password", first],
    ["#sign-up-confirm", first],
  ]);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");

  // Change it on the account page: current, new and confirmation pasted.
  await page.goto("/account#security");
  await page.locator("#password-change").waitFor();
  await paste([
    ["#password-current", first],
    ["#password-new", second],
    ["#password-confirm", second],
  ]);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.locator("#password-message").getByText("Password changed.").waitFor();
  const signIn = (password) =>
    page.request.post("/api/auth/sign-in/email", { data: { email, password }, headers: { Origin: BASE_URL } });
  assert.equal((await signIn(second)).status(), 200, "the pasted new password signs in");

  // Reset it through the emailed link: the new password and its confirmation pasted.
  await context.clearCookies();
  await page.goto("/forgot-password");
  await paste([["#forgot-password-email", email]]);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await page.locator("#forgot-password-message").getByText("Check your email").waitFor();
  await page.goto(await newestLink(page, "password-reset", email));
  await page.waitForURL((url) => pathOf(url) === "/reset-password");
  await paste([
    ["#reset-password-new", third],
    ["#reset-password-confirm", third],
  ]);
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.locator("#reset-password-message").getByText("Your password has been changed").waitFor();

  // And the reset password, pasted on the sign-in page, signs in.
  await context.clearCookies();
  await page.goto("/sign-in");
  await paste([
    ["#sign-in-email", email],
    ["#sign-in-password", third],
  ]);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => pathOf(url) === "/account");
  assert.equal((await signIn(second)).status(), 401, "the password before the reset no longer signs in");
});

test("no page left an error behind", () => {
  assert.deepEqual(problems, [], "no CSP violations or uncaught errors");
});
