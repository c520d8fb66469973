// Every hosted page and every section of the account area and the admin console in French,
// asked for the way a browser asks (its language, fr-FR, sent as Accept-Language):
// - the page says it is French (<html lang="fr">) and carries no English sentence that the
//   French catalog says differently (an untranslated string);
// - the shared page checks pass (axe-core, overflow, screenshots at 360, 390 and 1280 px in
//   both themes), so every page passes them in both languages (the other files check English);
// - an error the server sends in English is shown in French (errorText and js-error-<CODE>).
// The administrator's address and password arrive as ADMIN_EMAIL and ADMIN_PASSWORD.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BASE_URL, browserForFile, freshEmail, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser), { locale: "fr-FR" });

const ADMIN_EMAIL = process.env.ADMIN_EMAIL;
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD;
const PASSWORD = "langue password 12345";
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The single-line messages of a Fluent file: id → text (others are skipped). */
function simpleMessages(source) {
  const out = new Map();
  for (const line of source.split("\n")) {
    const m = /^([A-Za-z][A-Za-z0-9_-]*) = (.+)$/.exec(line);
    if (m && !m[2].includes("{")) out.set(m[1], m[2].trim());
  }
  return out;
}

async function ftlFiles(dir, out = []) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== "target" && entry.name !== "node_modules") {
      await ftlFiles(full, out);
    } else if (entry.name.endsWith(".ftl")) {
      out.push(full);
    }
  }
  return out;
}

let untranslatedCache;
/**
 * English sentences that French says differently: each catalog's en file against its fr file
 * (en.ftl/fr.ftl, or <x>-en.ftl/<x>-fr.ftl). Short words are left out ("Email" may be a name).
 */
async function englishOnly() {
  if (untranslatedCache) return untranslatedCache;
  const files = await ftlFiles(path.join(REPO, "crates"));
  const english = new Set();
  for (const en of files.filter((f) => /(^|[-/])en\.ftl$/.test(f))) {
    const fr = en.replace(/en\.ftl$/, "fr.ftl");
    if (!files.includes(fr)) continue;
    const enMessages = simpleMessages(await readFile(en, "utf8"));
    const frMessages = simpleMessages(await readFile(fr, "utf8"));
    for (const [id, text] of enMessages) {
      if (text.length >= 14 && text.includes(" ") && frMessages.get(id) !== text) english.add(text);
    }
  }
  untranslatedCache = [...english];
  return untranslatedCache;
}

/** The page is French and shows no English sentence of the catalogs. */
async function assertFrench(name) {
  assert.equal(await page.evaluate(() => document.documentElement.lang), "fr", `${name}: <html lang>`);
  const text = await page.evaluate(() => document.body.innerText);
  const left = (await englishOnly()).filter((sentence) => text.includes(sentence));
  assert.deepEqual(left, [], `${name}: English left on the page`);
}

async function visit(name, url) {
  const res = await page.goto(url);
  await page.waitForLoadState("networkidle");
  await assertFrench(name);
  await checkPage(page, `fr-${name}`);
  return res;
}

/** Each section of an area with section navigation (/account, /admin), by its link. */
async function everySection(area, navSelector) {
  await page.goto(area);
  const hashes = await page
    .locator(`${navSelector} a[href^="#"]`)
    .evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  assert.ok(hashes.length > 0, `${area}: no section links`);
  for (const hash of hashes) {
    await page.goto(`${area}${hash}`);
    await page.waitForLoadState("networkidle");
    await assertFrench(`${area}${hash}`);
    await checkPage(page, `fr-${area.slice(1)}-${hash.slice(1)}`);
  }
}

test("signed-out pages are in French", { timeout: 300_000 }, async () => {
  await context.clearCookies();
  for (const [name, url] of [
    ["home", "/"],
    ["sign-in", "/sign-in"],
    ["sign-up", "/sign-up"],
    ["forgot-password", "/forgot-password"],
    ["reset-password", "/reset-password?token=abc"],
    ["reset-password-expired", "/reset-password?error=INVALID_TOKEN"],
    ["verify-email", "/verify-email?error=TOKEN_EXPIRED"],
    ["not-found", "/no-such-page"],
  ]) {
    await visit(name, url);
  }
  // Plugins' pages, where their plugin is on.
  for (const [name, url] of [
    ["magic-link", "/magic-link"],
    ["email-otp", "/email-otp"],
    ["device", "/device"],
  ]) {
    const res = await page.request.get(url);
    if (res.status() === 200) await visit(name, url);
  }
  assert.deepEqual(problems, []);
});

test("an error the server says in English is shown in French", { timeout: 120_000 }, async () => {
  await context.clearCookies();
  await page.goto("/sign-in");
  await page.locator("#sign-in-email").fill(freshEmail("nobody"));
  await page.locator("#sign-in-password").fill("wrong password 123");
  await page.locator("#sign-in-form button[type=submit]").click();
  const error = page.locator("#sign-in-password-error");
  await error.filter({ hasText: /\S/ }).waitFor();
  const text = await error.innerText();
  assert.doesNotMatch(text, /password/i, `the English: ${text}`);
  assert.match(text, /mot de passe/i, text);
  // What any page shows for an API error: the French words for its code, not the server's.
  const shown = await page.evaluate(async () => {
    const { errorText } = await import("/assets/i18n.js");
    return [
      errorText({ code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" }),
      errorText({ code: "NO_SUCH_CODE_ANYWHERE", message: "Server words" }),
    ];
  });
  assert.notEqual(shown[0], "Invalid email or password");
  assert.match(shown[0], /mot de passe/i, shown[0]);
  assert.equal(shown[1], "Server words", "an unknown code keeps the server's message");
  assert.deepEqual(problems, []);
});

test("the account area is in French", { timeout: 300_000 }, async () => {
  await context.clearCookies();
  await signUpByApi(page, { email: freshEmail("langue"), password: PASSWORD, name: "Léa Langue" });
  await visit("account", "/account");
  await everySection("/account", ".account-nav");
  assert.deepEqual(problems, []);
});

test("the admin console is in French", { timeout: 600_000 }, async (t) => {
  if (!(ADMIN_EMAIL && ADMIN_PASSWORD)) {
    assert.notEqual(process.env.EXPECT_ADMIN, "1", "ADMIN_EMAIL and ADMIN_PASSWORD are set");
    t.skip("no administrator (set ADMIN_EMAIL and ADMIN_PASSWORD)");
    return;
  }
  await context.clearCookies();
  const res = await page.request.post("/api/auth/sign-in/email", {
    data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    headers: { Origin: BASE_URL },
  });
  assert.equal(res.status(), 200, await res.text());
  await visit("admin", "/admin");
  await everySection("/admin", ".account-nav");
  assert.deepEqual(problems, []);
});
