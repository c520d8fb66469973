// The admin console's "Organizations" section (organization plugin, with the admin plugin; the
// browser suite's server runs with ENABLE_ORGANIZATIONS=true, ENABLE_ADMIN=true and an
// administrator whose address and password arrive as ADMIN_EMAIL and ADMIN_PASSWORD):
// - a user makes an organization from outside the browser; the administrator, who is no
//   member, finds it by name and opens it (its owner's address among the members);
// - picks a primary colour and a sender name: the sandboxed preview frame follows (the
//   colour's stylesheet, the organization's name); saves them and sets a domain, after which
//   the sign-in page asked for with that Host is the organization's, and its owner reads the
//   new values;
// - deletes it after a confirmation that names it, and it is gone from the list and the API;
// - the section with the detail open passes the shared page checks (axe-core, overflow,
//   screenshots at 360, 390 and 1280 px in both themes).

import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { BASE_URL, browserForFile, freshEmail, needAdmin, signInAsAdmin, signUpElsewhere } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const PASSWORD = "organization console password 1";

/** A call to the API as the holder of `cookie`. */
async function asUser(cookie, path, { method = "GET", body } = {}) {
  const res = await fetch(`${BASE_URL}/api/auth${path}`, {
    method,
    headers: { "Content-Type": "application/json", Origin: BASE_URL, Cookie: cookie },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

/** GET `path` with the Host header `host` (fetch may not set it): the status and the HTML. */
function getWithHost(path, host) {
  const url = new URL(path, BASE_URL);
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname: url.hostname, port: url.port, path: url.pathname, headers: { Host: host } }, (res) => {
      let html = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        html += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode, html }));
    });
    req.on("error", reject);
  });
}

test("an administrator brands, previews and deletes an organization", { timeout: 240_000 }, async (t) => {
  if (!needAdmin(t, "EXPECT_ORGANIZATIONS", "the server's organization plugin is not expected")) return;
  const stamp = `${Date.now()}-${process.pid}`;
  const ownerEmail = freshEmail("org-console-owner");
  const name = `Console Bakery ${stamp}`;
  const domain = `bakery-${stamp}.console.test`;
  const color = "#0f766e";
  const sender = "Bakery Desk";

  const { cookie: ownerCookie } = await signUpElsewhere({ email: ownerEmail, name: "Olga Owner", password: PASSWORD });
  const created = await asUser(ownerCookie, "/organization/create", {
    method: "POST",
    body: { name, slug: `console-bakery-${stamp}` },
  });
  assert.equal(created.status, 200, created.text);
  const organizationId = created.body.id;

  // Sign in as the administrator and open the section.
  await signInAsAdmin(page, context);
  await page.goto("/admin#organizations");
  const section = page.locator("#organizations");
  await section.getByRole("heading", { name: "Organizations", level: 2 }).waitFor();
  await section.locator("#org-console-list li.device").first().waitFor();

  // Find it by name and open it.
  await section.getByLabel("Find organizations").fill(name);
  await section.getByRole("button", { name: "Search", exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll("#org-console-list li.device").length === 1);
  await section.getByRole("button", { name: `Open ${name}` }).click();
  const detail = page.locator("#org-console-detail");
  await detail.getByRole("heading", { name, level: 3 }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "org-console-detail", "focus moves to the organization");
  await detail.locator("#org-console-members").getByText(ownerEmail).waitFor();
  await detail.locator("#org-console-members").getByText("owner", { exact: true }).waitFor();

  // The preview starts with the organization's name, then follows the colour and sender name.
  const preview = page.frameLocator("#org-console-preview");
  await preview.getByText(name).first().waitFor();
  assert.equal(await page.locator("#org-console-preview").getAttribute("sandbox"), "");
  await detail.getByLabel("Pick the primary colour").fill(color);
  assert.equal(await detail.getByLabel("Primary colour", { exact: true }).inputValue(), color, "the picker fills the text");
  await detail.getByLabel("E-mail sender name").fill(sender);
  await preview.locator(`link[rel=stylesheet][href^="/assets/brand-${color.slice(1)}"]`).waitFor({ state: "attached" });
  await page.locator("#org-console-preview-page").selectOption("email");
  await preview.locator("body").getByText(name, { exact: false }).first().waitFor({ state: "attached" });
  const emailPreview = await page.locator("#org-console-preview").getAttribute("src");
  assert.match(emailPreview, /page=email/);
  assert.match(emailPreview, new RegExp(`primaryColor=%23${color.slice(1)}`));
  assert.match(emailPreview, /senderName=Bakery\+Desk/);
  await page.locator("#org-console-preview-page").selectOption("sign-in");

  // A bad colour is refused next to its field, then a good one saved.
  await detail.getByLabel("Primary colour", { exact: true }).fill("teal");
  await detail.getByRole("button", { name: "Save branding" }).click();
  await page.locator("#org-console-color-error").getByText("hex colour", { exact: false }).waitFor();
  await detail.getByLabel("Primary colour", { exact: true }).fill(color);
  await detail.getByRole("button", { name: "Save branding" }).click();
  await detail.getByText(`The branding of ${name} was saved.`).waitFor();

  // The domain, through /organization/set-domain.
  await detail.getByLabel("Domain", { exact: true }).fill(domain);
  await detail.getByRole("button", { name: "Save domain" }).click();
  await detail.getByText(`${name} now has the domain ${domain}.`).waitFor();
  await checkPage(page, "admin-organizations");

  // From outside: the sign-in page for that host is the organization's, and the owner reads
  // the new values.
  const branded = await getWithHost("/sign-in", domain);
  assert.equal(branded.status, 200);
  assert.ok(branded.html.includes(name), "the organization's name on its sign-in page");
  assert.ok(branded.html.includes(`brand-${color.slice(1)}.css`), "its colour's stylesheet");
  const mine = await asUser(ownerCookie, `/organization/get-branding?organizationId=${organizationId}`);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.primaryColor, color);
  assert.equal(mine.body.senderName, sender);
  assert.equal(mine.body.domain, domain);

  // Delete: a dismissed confirmation does nothing; an accepted one, naming it, deletes it.
  page.once("dialog", (dialog) => dialog.dismiss());
  await detail.getByRole("button", { name: "Delete organization" }).click();
  assert.equal(await detail.isVisible(), true, "still there");
  const asked = [];
  page.once("dialog", (dialog) => {
    asked.push(dialog.message());
    dialog.accept();
  });
  await detail.getByRole("button", { name: "Delete organization" }).click();
  await section.getByText(`${name} was deleted.`).waitFor();
  assert.ok(asked[0].includes(name), `the confirmation names it: ${asked[0]}`);
  assert.equal(await detail.isHidden(), true);
  await section.getByLabel("Find organizations").fill(name);
  await section.getByRole("button", { name: "Search", exact: true }).click();
  await section.locator("#org-console-list").getByText("No organization found.").waitFor();
  const gone = await asUser(ownerCookie, `/organization/get-branding?organizationId=${organizationId}`);
  assert.notEqual(gone.status, 200, "the organization is gone");
  const plain = await getWithHost("/sign-in", domain);
  assert.ok(!plain.html.includes(name), "its domain brands nothing any more");
  assert.deepEqual(problems, []);
});
