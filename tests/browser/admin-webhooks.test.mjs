// The admin console's "Webhooks" section (webhooks plugin, with the admin plugin; the browser
// suite's server runs with ENABLE_WEBHOOKS=true and an administrator whose address and password
// arrive as ADMIN_EMAIL and ADMIN_PASSWORD). A small HTTP receiver on 127.0.0.1 stands for the
// other system:
// - an administrator adds an endpoint for it with events `user.*` (partly from the keyboard) and
//   reads its signing secret, shown once;
// - a sign-up elsewhere reaches the receiver, signed as the Standard Webhooks specification
//   says (HMAC-SHA256 over `id.timestamp.body` with the secret's key), and shows in the
//   delivery log as delivered; "Send again" sends it once more with the same webhook-id;
// - the endpoint is changed (a bad address refused at its field), turned off, then deleted
//   after a confirmation;
// - the section passes the shared page checks (axe-core, overflow, screenshots).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { browserForFile, freshEmail, needAdmin, signInAsAdmin, signUpElsewhere } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

/** An HTTP receiver on a free port of 127.0.0.1 that answers 204 and keeps every request. */
async function startReceiver() {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether `request` carries a webhook-signature made with `secret` (Standard Webhooks). */
function signedWith(request, secret) {
  const id = request.headers["webhook-id"];
  const timestamp = request.headers["webhook-timestamp"];
  const signatures = String(request.headers["webhook-signature"] || "").split(" ");
  if (!id || !timestamp) return false;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${request.body}`).digest("base64");
  return signatures.includes(`v1,${expected}`);
}

/** Waits until `check()` answers something truthy (polled), up to `ms`; answers it. */
async function until(check, what, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const found = check();
    if (found) return found;
    assert.ok(Date.now() < end, `waited ${ms / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test("an administrator adds an endpoint, sees a signed delivery, sends it again and removes it", { timeout: 180_000 }, async (t) => {
  if (!needAdmin(t, "EXPECT_WEBHOOKS", "the server is not expected to have webhooks")) return;
  const receiver = await startReceiver();
  try {
    await signInAsAdmin(page, context);
    await page.goto("/admin#webhooks");
    const section = page.locator("#webhooks");
    await section.getByRole("heading", { name: "Webhooks", exact: true }).waitFor();
    await section.locator("#webhooks-endpoints[aria-busy=false]").waitFor();

    // Add the endpoint from the keyboard: the address, Tab to the events (replacing "*"), Tab
    // to the description, Enter.
    const add = section.locator("#webhooks-add-form");
    assert.equal(await add.getByLabel("Events").inputValue(), "*", "every event unless told");
    await add.getByLabel("URL").focus();
    await page.keyboard.type(receiver.url);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "webhooks-add-events");
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type("user.*");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Browser test receiver");
    await page.keyboard.press("Enter");

    // The secret, once, in a labelled read-only field with a copy button.
    const created = section.locator("#webhooks-created");
    await created.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "webhooks-created", "focus moves to the secret");
    await created.getByText("it will not be shown again", { exact: false }).waitFor();
    const secretField = created.getByLabel("Signing secret (shown once)");
    assert.equal(await secretField.getAttribute("readonly"), "");
    const secret = await secretField.inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    await created.getByRole("button", { name: "Copy secret" }).waitFor();

    // Listed, with its actions; the list never shows the secret.
    const item = section.locator("#webhooks-endpoints li.device", { hasText: receiver.url });
    await item.waitFor();
    await item.getByText("user.*", { exact: true }).waitFor();
    await item.getByText("Browser test receiver").waitFor();
    await item.getByText("Added here").waitFor();
    await item.getByText("On", { exact: true }).waitFor();
    assert.ok(!(await section.locator("#webhooks-endpoints").innerText()).includes(secret));

    // An event: a sign-up elsewhere. It reaches the receiver, signed with the secret.
    const email = freshEmail("webhook");
    const { id: userId } = await signUpElsewhere({ email, name: "Webb Hook", password: "webhook user password 1" });
    const delivered = await until(
      () => receiver.requests.find((r) => r.body.includes(userId) && JSON.parse(r.body).type === "user.sign_up"),
      "the sign-up at the receiver",
    );
    assert.ok(signedWith(delivered, secret), `a valid webhook-signature: ${JSON.stringify(delivered.headers)}`);
    assert.equal(delivered.path, "/hook");
    assert.equal(delivered.headers["content-type"], "application/json");
    const webhookId = delivered.headers["webhook-id"];
    assert.ok(receiver.requests.every((r) => signedWith(r, secret)), "every request is signed");

    // The log, filtered to this endpoint's delivered ones, shows it.
    const logForm = section.locator("#webhooks-log-form");
    await logForm.getByLabel("Endpoint").selectOption({ label: receiver.url });
    await logForm.getByLabel("Status").selectOption("delivered");
    const entry = section.locator("#webhooks-log-list li.device", { hasText: webhookId });
    for (let tries = 0; ; tries++) {
      await logForm.getByRole("button", { name: "Show deliveries" }).click();
      await section.locator("#webhooks-log-list[aria-busy=false]").waitFor();
      if ((await entry.count()) === 1) break;
      // The receiver answered; the sender records it just after.
      assert.ok(tries < 20, "the delivery shows as delivered in the log");
      await page.waitForTimeout(500);
    }
    await entry.getByText("user.sign_up", { exact: true }).waitFor();
    await entry.getByText("Delivered", { exact: true }).first().waitFor();
    await entry.getByText("HTTP 204").waitFor();
    await checkPage(page, "admin-webhooks");

    // Send again: the receiver gets the same message, with the same webhook-id.
    await entry.getByRole("button", { name: `Send again user.sign_up to ${receiver.url}` }).click();
    await section.getByText("is queued again", { exact: false }).waitFor();
    const again = await until(
      () => (receiver.requests.filter((r) => r.headers["webhook-id"] === webhookId).length >= 2 ? true : null),
      "the delivery sent again",
    );
    assert.ok(again);
    const repeats = receiver.requests.filter((r) => r.headers["webhook-id"] === webhookId);
    assert.equal(repeats[1].body, repeats[0].body, "the same body");
    assert.ok(signedWith(repeats[1], secret));

    await created.getByRole("button", { name: "Done" }).click();
    assert.equal(await created.isHidden(), true, "the secret is gone");

    // Edited: events as a space-separated list, a new description; a bad address is refused
    // at its field.
    await item.getByRole("button", { name: `Edit ${receiver.url}` }).click();
    const edit = item.getByRole("form", { name: `Edit ${receiver.url}` });
    await edit.getByLabel("URL").fill("ftp://127.0.0.1/hook");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit.getByText("Enter an address that starts with http:// or https://.").waitFor();
    await edit.getByLabel("URL").fill(receiver.url);
    await edit.getByLabel("Events").fill("user.sign_up  admin.*");
    await edit.getByLabel("Description").fill("Edited receiver");
    await edit.getByRole("button", { name: "Save" }).click();
    await section.getByText(`Saved ${receiver.url}.`).waitFor();
    await item.getByText("user.sign_up, admin.*", { exact: true }).waitFor();
    await item.getByText("Edited receiver").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), `Edit ${receiver.url}`);

    // Turned off, from the keyboard.
    const off = item.getByRole("button", { name: `Turn off ${receiver.url}` });
    await off.focus();
    await page.keyboard.press("Enter");
    await section.getByText(`${receiver.url} is turned off`, { exact: false }).waitFor();
    await item.getByText("Off", { exact: true }).waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
      `Turn on ${receiver.url}`,
      "the focus stays on the endpoint's switch",
    );

    // Deleted, once confirmed.
    const confirmed = [];
    page.once("dialog", (dialog) => {
      confirmed.push(dialog.message());
      dialog.accept();
    });
    await item.getByRole("button", { name: `Delete ${receiver.url}` }).click();
    await section.getByText(`Deleted ${receiver.url}.`).waitFor();
    assert.match(confirmed[0] || "", /^Delete the endpoint /);
    assert.equal(await item.count(), 0, "no longer listed");
    const listed = await page.request.get("/api/auth/webhooks/list-endpoints");
    assert.equal(listed.status(), 200);
    assert.ok(!(await listed.text()).includes(receiver.url));
    assert.deepEqual(problems, []);
  } finally {
    await receiver.close();
  }
});
