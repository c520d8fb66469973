// The theme: pages follow the system's light or dark setting until the visitor picks one with
// the footer's switch, which this browser then remembers across pages and reloads; "Same as
// this device" follows the system again. A picked theme passes axe-core like the system's.

import { test } from "node:test";
import assert from "node:assert/strict";
import { browserForFile } from "./lib/browser.mjs";
import { axeProblems } from "./lib/page-checks.mjs";

let page;
let problems;
browserForFile((browser) => ({ page, problems } = browser));

const LIGHT_BG = "rgb(246, 247, 249)";
const DARK_BG = "rgb(15, 18, 22)";
const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test("the footer's theme switch overrides the system's and is remembered", { timeout: 120_000 }, async () => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/sign-in");
  await page.evaluate(() => window.localStorage.clear());
  await page.reload();
  assert.equal(await background(), LIGHT_BG, "the system's light");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.equal(await background(), DARK_BG, "the system's dark");

  // Picked from the keyboard: focus the switch, choose Light.
  const choice = page.getByLabel("Theme");
  await choice.focus();
  await choice.selectOption("light");
  assert.equal(await background(), LIGHT_BG, "Light, whatever the system says");
  await page.goto("/sign-up");
  assert.equal(await background(), LIGHT_BG, "remembered on the next page");
  assert.equal(await page.getByLabel("Theme").inputValue(), "light", "and shown as chosen");

  await page.emulateMedia({ colorScheme: "light" });
  await page.getByLabel("Theme").selectOption("dark");
  await page.reload();
  assert.equal(await background(), DARK_BG, "Dark, kept across a reload");
  assert.deepEqual(await axeProblems(page), [], "a picked dark theme passes axe-core");

  await page.getByLabel("Theme").selectOption("");
  assert.equal(await background(), LIGHT_BG, "back to the system's");
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme ?? ""), "");
  assert.deepEqual(problems, []);
});
