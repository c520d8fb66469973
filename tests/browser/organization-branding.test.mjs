// Per-organization branding in the hosted pages (the browser suite's server runs with
// ENABLE_ORGANIZATIONS=true): an owner sets a logo, a colour and a sender name on the account
// page (a bad colour is refused at its field), then invites someone; the invitation's landing
// page and the sign-in page it sends the invitee to show the organization's name and logo in
// its colour (from /assets/brand-<hex>.css, under the pages' CSP), and keep the shared page
// checks (axe, overflow at 360 px, light and dark) with readable text on the colour.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, browserForFile, freshEmail, newestLink, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const COLOR = "#ffb000"; // a light colour: text on it must turn dark to stay readable

/** WCAG contrast of two `rgb(r, g, b)` strings. */
function contrast(a, b) {
  const lum = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

async function primaryButtonColours(locator) {
  return locator.evaluate((el) => {
    const s = getComputedStyle(el);
    return { bg: s.backgroundColor, fg: s.color };
  });
}

test("organization branding: set on the account page, shown on the invitation and sign-in pages", { timeout: 180_000 }, async (t) => {
  await context.clearCookies();
  const owner = freshEmail("brand-owner");
  const invitee = freshEmail("brand-invitee");
  const password = "branding password 1";
  await signUpByApi(page, { email: owner, password });
  const created = await page.request.post("/api/auth/organization/create", {
    data: { name: "Sunrise Bakery", slug: `sunrise-${Date.now()}` },
    headers: { Origin: BASE_URL },
  });
  if (created.status() === 404) {
    assert.notEqual(process.env.EXPECT_ORGANIZATIONS, "1", "the organization plugin is on");
    t.skip("the server has no organization plugin (ENABLE_ORGANIZATIONS=true)");
    return;
  }
  assert.equal(created.status(), 200, await created.text());

  // The account page's branding form: a bad colour is refused at its field, a good one saved.
  await page.goto("/account#organizations");
  const section = page.locator("#organizations");
  const form = section.locator("#organization-branding-form");
  await form.waitFor();
  await form.getByLabel("Logo address", { exact: true }).fill("/favicon.ico");
  await form.getByLabel("Primary colour", { exact: true }).fill("orange");
  await form.getByLabel("E-mail sender name", { exact: true }).fill("Sunrise Team");
  await form.getByRole("button", { name: "Save branding" }).click();
  await page.locator("#organization-branding-color-error").getByText("Enter a hex colour such as #4f46e5.").waitFor();
  await checkPage(page, "account-organization-branding-error");
  await form.getByLabel("Primary colour", { exact: true }).fill(COLOR);
  await form.getByRole("button", { name: "Save branding" }).click();
  await section.getByText("The branding was saved.").waitFor();
  assert.equal(await form.getByLabel("Primary colour", { exact: true }).inputValue(), COLOR);
  // Keyboard: the fields and the button are reached with Tab from the first field.
  await form.getByLabel("Logo address", { exact: true }).focus();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "organization-branding-color");

  // The invitation, sent from the account page.
  await section.getByLabel("Email to invite", { exact: true }).fill(invitee);
  await section.locator("#organization-invite-role").selectOption("member");
  await section.getByRole("button", { name: "Send invitation" }).click();
  await section.getByText(`An invitation was sent to ${invitee}.`).waitFor();
  const link = await newestLink(page, "organization-invitation", invitee);
  const landing = new URL(link).pathname + new URL(link).search;

  // Signed out on the landing page: the organization's name, logo and colour.
  await context.clearCookies();
  await page.goto(landing);
  await page.locator("#invitation-signed-out").waitFor();
  assert.equal(await page.title(), "Invitation · Sunrise Bakery");
  await page.locator("header img.brand-logo[alt='Sunrise Bakery']").waitFor();
  const sheet = page.locator(`link[rel=stylesheet][href='/assets/brand-${COLOR.slice(1)}.css']`);
  assert.equal(await sheet.count(), 1, "the colour's stylesheet is linked");
  const signIn = page.locator("#invitation-sign-in");
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    const { bg, fg } = await primaryButtonColours(signIn);
    assert.equal(bg, "rgb(255, 176, 0)", `${scheme}: the button wears the colour`);
    assert.ok(contrast(bg, fg) >= 4.5, `${scheme}: text on the colour reads (${fg} on ${bg})`);
  }
  await checkPage(page, "organization-invitation-branded");

  // The sign-in page the landing page sends the invitee to is branded by the invitation too.
  await signIn.click();
  await page.waitForURL(/\/sign-in\?redirect=/);
  assert.equal(await page.title(), "Sign in · Sunrise Bakery");
  assert.equal(await sheet.count(), 1);
  await checkPage(page, "sign-in-branded");

  // Signed in as the invitee, the landing page keeps the brand and the invitation works.
  await signUpByApi(page, { email: invitee, password });
  await page.goto(landing);
  await page.getByText(`${owner} invited ${invitee} to join Sunrise Bakery as member.`).waitFor();
  assert.equal(await page.title(), "Invitation · Sunrise Bakery");
  await page.getByRole("button", { name: "Accept and join" }).click();
  await page.getByText("You have joined the organization.").waitFor();

  // The plain sign-in page stays the configured brand.
  await context.clearCookies();
  await page.goto("/sign-in");
  assert.notEqual(await page.title(), "Sign in · Sunrise Bakery");
  assert.equal(await page.locator("link[href^='/assets/brand-']").count(), 0);
  assert.deepEqual(problems, []);
});
