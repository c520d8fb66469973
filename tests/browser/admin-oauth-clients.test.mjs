// The admin console's "OAuth clients" section (/admin#oauth-clients: the OIDC provider plugin's,
// shown beside the admin plugin; the browser suite's server runs with ENABLE_ADMIN, ENABLE_JWT
// and ENABLE_OIDC_PROVIDER, and an administrator whose address and password arrive as
// ADMIN_EMAIL and ADMIN_PASSWORD):
// - a redirect URI the server refuses shows its words at the field;
// - an administrator registers a confidential client through the form, partly from the
//   keyboard alone, and reads its client ID and secret, shown once; they get an access token
//   from /oauth2/token (client credentials, from Node);
// - the client is renamed and the list shows the new name;
// - its grant types are edited: none at all is refused at the checkboxes; client credentials
//   taken away, the token endpoint refuses them at once (unauthorized_client); given back,
//   they work again;
// - a new secret (confirmed) is shown once; the old one is refused at once, the new one works;
// - the client is deleted (confirmed; a dismissed confirmation does nothing) and is gone, its
//   secret with it;
// - a public client's edit form refuses client credentials, as registration does;
// - the section passes the shared page checks (axe-core, overflow, screenshots at 360, 390 and
//   1280 px in both themes) with a client, its edit form and its credentials shown.
// Skips unless EXPECT_OIDC_PROVIDER_CONSOLE=1 (the server has the plugins) and the
// administrator is known.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, browserForFile, needAdmin, signInAsAdmin } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const REDIRECT = "https://app.example.com/callback";

/** The client-credentials grant from outside the browser, as a service would ask (HTTP Basic). */
async function clientCredentials(id, secret) {
  const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");
  const res = await fetch(`${BASE_URL}/api/auth/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${basic}` },
    body: new URLSearchParams({ grant_type: "client_credentials" }),
  });
  return { status: res.status, body: await res.json() };
}

/** The id of the focused element. */
const focused = () => page.evaluate(() => document.activeElement?.id || "");

test("an administrator registers, edits, re-keys and deletes an OAuth client", { timeout: 240_000 }, async (t) => {
  if (!needAdmin(t, "EXPECT_OIDC_PROVIDER_CONSOLE", "needs a server with ENABLE_ADMIN, ENABLE_JWT and ENABLE_OIDC_PROVIDER")) return;
  await signInAsAdmin(page, context);

  await page.goto("/admin#oauth-clients");
  const section = page.locator("#oauth-clients");
  await section.getByRole("heading", { name: "OAuth clients", level: 2 }).waitFor();
  const list = page.locator("#oauth-clients-list");
  await page.waitForFunction(() => document.getElementById("oauth-clients-list")?.getAttribute("aria-busy") === "false");
  const form = page.locator("#oauth-client-form");

  // A redirect URI the server refuses (plain http off loopback): its words, at the field.
  await form.getByLabel("Name", { exact: true }).fill("Refused app");
  await form.getByLabel("Redirect URIs", { exact: true }).fill("http://app.example.com/callback");
  await form.getByRole("button", { name: "Register client" }).click();
  const uriError = page.locator("#oauth-client-redirect-uris-error");
  await uriError.getByText("Redirect URIs must be absolute https URLs", { exact: false }).waitFor();
  assert.equal(await focused(), "oauth-client-redirect-uris", "the field with the problem has the focus");
  assert.equal(await page.locator("#oauth-client-redirect-uris").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("#oauth-client-credentials").isHidden(), true, "nothing was registered");

  // A confidential client, from the keyboard: name, redirect URI, then Tab to the client
  // credentials grant, Space to tick it, and Enter on the button.
  const name = `Console service ${Date.now()}`;
  await page.locator("#oauth-client-name").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(name);
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "oauth-client-redirect-uris");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(REDIRECT);
  assert.equal(await uriError.textContent(), "", "editing the field clears its error");
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "oauth-client-logout-uris");
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "oauth-client-type");
  assert.equal(await page.locator("#oauth-client-type").inputValue(), "client_secret_basic", "confidential by default");
  for (const id of ["oauth-client-grant-code", "oauth-client-grant-refresh", "oauth-client-grant-credentials"]) {
    await page.keyboard.press("Tab");
    assert.equal(await focused(), id);
  }
  await page.keyboard.press("Space");
  assert.equal(await form.getByLabel("Client credentials", { exact: false }).isChecked(), true);
  await form.getByRole("button", { name: "Register client" }).focus();
  await page.keyboard.press("Enter");

  // The credentials, once: labelled, read-only, with copy buttons, and the panel has the focus.
  const panel = page.locator("#oauth-client-credentials");
  await panel.waitFor();
  await panel.getByText(`${name} is registered.`, { exact: false }).waitFor();
  await panel.getByText("this is the only time it is shown", { exact: false }).waitFor();
  assert.equal(await focused(), "oauth-client-credentials");
  const idField = panel.getByLabel("Client ID", { exact: true });
  const secretField = panel.getByLabel("Client secret", { exact: true });
  assert.equal(await idField.getAttribute("readonly"), "");
  assert.equal(await secretField.getAttribute("readonly"), "");
  await panel.getByRole("button", { name: "Copy client ID" }).waitFor();
  await panel.getByRole("button", { name: "Copy secret" }).waitFor();
  const clientId = await idField.inputValue();
  const secret = await secretField.inputValue();
  assert.match(clientId, /^[A-Za-z0-9]{20,}$/);
  assert.ok(secret.length >= 32, "a long secret");

  // They work: the client acts for itself at the token endpoint.
  const granted = await clientCredentials(clientId, secret);
  assert.equal(granted.status, 200, JSON.stringify(granted.body));
  assert.equal(typeof granted.body.access_token, "string");
  assert.equal(granted.body.token_type, "Bearer");

  // The list shows it, without its secret.
  const item = list.locator("li.device", { hasText: clientId });
  await item.getByText(name, { exact: true }).waitFor();
  await item.getByText("Confidential (client_secret_basic)").waitFor();
  await item.getByText("Authorization code, Refresh token, Client credentials").waitFor();
  await item.getByText(REDIRECT).waitFor();
  await item.getByText("Every scope offered").waitFor();
  await item.getByText("Active").waitFor();
  assert.equal((await list.innerText()).includes(secret), false, "never in the list");

  // Renamed through its edit form; the list shows the new name.
  const renamed = `${name} renamed`;
  await item.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = item.getByRole("form", { name: `Edit ${name}` });
  const editName = edit.getByLabel("Name", { exact: true });
  assert.equal(await editName.inputValue(), name);
  assert.equal(await edit.getByLabel("Redirect URIs", { exact: true }).inputValue(), REDIRECT);
  await editName.fill(renamed);
  // The section as an administrator sees it: a client with its edit form open, and the
  // credentials shown once.
  await checkPage(page, "admin-oauth-clients");
  await edit.getByRole("button", { name: "Save" }).click();
  await section.getByText(`${renamed} was saved.`).waitFor();
  const renamedItem = list.locator("li.device", { hasText: clientId });
  await renamedItem.getByText(renamed, { exact: true }).waitFor();
  assert.equal(await renamedItem.locator("form").count(), 0, "the edit form is closed");

  // Its grant types, in the same form: none at all is refused in the page.
  await renamedItem.getByRole("button", { name: `Edit ${renamed}` }).click();
  let grantsEdit = renamedItem.getByRole("form", { name: `Edit ${renamed}` });
  let grant = (label) => grantsEdit.getByRole("checkbox", { name: label, exact: true });
  assert.equal(await grant("Client credentials").isChecked(), true, "ticked as registered");
  assert.equal(await grant("Device code").isChecked(), false);
  for (const label of ["Authorization code", "Refresh token", "Client credentials"]) await grant(label).uncheck();
  await grantsEdit.getByRole("button", { name: "Save" }).click();
  await grantsEdit.getByText("Choose at least one grant type.").waitFor();
  assert.match(await focused(), /-grant-code$/, "the first grant type has the focus");
  // Client credentials taken away: refused at the token endpoint at once.
  await grant("Authorization code").check();
  await grant("Refresh token").check();
  await grantsEdit.getByRole("button", { name: "Save" }).click();
  await renamedItem.getByText("Authorization code, Refresh token", { exact: true }).waitFor();
  assert.equal(await renamedItem.locator("form").count(), 0, "the edit form is closed");
  const withoutGrant = await clientCredentials(clientId, secret);
  assert.equal(withoutGrant.status, 400, JSON.stringify(withoutGrant.body));
  assert.equal(withoutGrant.body.error, "unauthorized_client");
  // Given back, from the keyboard: Space ticks it, Enter in the form saves.
  await renamedItem.getByRole("button", { name: `Edit ${renamed}` }).click();
  grantsEdit = renamedItem.getByRole("form", { name: `Edit ${renamed}` });
  grant = (label) => grantsEdit.getByRole("checkbox", { name: label, exact: true });
  assert.equal(await grant("Client credentials").isChecked(), false, "as saved");
  await grant("Client credentials").focus();
  await page.keyboard.press("Space");
  await grantsEdit.getByLabel("Name", { exact: true }).press("Enter");
  await renamedItem.getByText("Authorization code, Refresh token, Client credentials", { exact: true }).waitFor();
  const withGrant = await clientCredentials(clientId, secret);
  assert.equal(withGrant.status, 200, JSON.stringify(withGrant.body));

  // Stored: the panel empties and closes.
  await panel.getByRole("button", { name: "I have stored them" }).click();
  await panel.waitFor({ state: "hidden" });
  assert.equal(await page.locator("#oauth-client-credentials-secret").inputValue(), "");
  assert.equal(await focused(), "oauth-client-name");

  // A new secret, confirmed: shown once; the old one stops working at once.
  const dialogs = [];
  page.once("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.accept();
  });
  await renamedItem.getByRole("button", { name: `Give ${renamed} a new secret` }).click();
  await panel.getByText(`${renamed} has a new secret.`, { exact: false }).waitFor();
  assert.match(dialogs[0], /The current secret stops working at once/);
  assert.equal(await idField.inputValue(), clientId);
  const newSecret = await secretField.inputValue();
  assert.ok(newSecret.length >= 32 && newSecret !== secret, "a different secret");
  const old = await clientCredentials(clientId, secret);
  assert.equal(old.status, 401, JSON.stringify(old.body));
  assert.equal(old.body.error, "invalid_client");
  const fresh = await clientCredentials(clientId, newSecret);
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  assert.equal(typeof fresh.body.access_token, "string");

  // A dismissed confirmation deletes nothing; an accepted one deletes the client.
  page.once("dialog", (dialog) => dialog.dismiss());
  await renamedItem.getByRole("button", { name: `Delete ${renamed}` }).click();
  assert.equal(await renamedItem.count(), 1, "still there");
  page.once("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.accept();
  });
  await renamedItem.getByRole("button", { name: `Delete ${renamed}` }).click();
  await section.getByText(`${renamed} was deleted.`).waitFor();
  assert.match(dialogs[1], /^Delete /);
  assert.equal(await list.locator("li.device", { hasText: clientId }).count(), 0, "gone from the list");
  assert.equal(await panel.isHidden(), true, "its credentials are taken off the page");
  const afterDelete = await clientCredentials(clientId, newSecret);
  assert.equal(afterDelete.status, 401, JSON.stringify(afterDelete.body));
  // Gone on the server too, not just from the page.
  await page.reload();
  await page.waitForFunction(() => document.getElementById("oauth-clients-list")?.getAttribute("aria-busy") === "false");
  assert.equal(await list.locator("li.device", { hasText: clientId }).count(), 0, "gone after a reload");

  // A public client cannot act for itself: its edit form refuses client credentials.
  const appName = `Console app ${Date.now()}`;
  await form.getByLabel("Name", { exact: true }).fill(appName);
  await form.getByLabel("Redirect URIs", { exact: true }).fill(REDIRECT);
  await form.getByLabel("Type", { exact: true }).selectOption("none");
  await form.getByRole("button", { name: "Register client" }).click();
  await panel.getByText(`${appName} is registered.`, { exact: false }).waitFor();
  const appId = await idField.inputValue();
  const appItem = list.locator("li.device", { hasText: appId });
  await appItem.getByRole("button", { name: `Edit ${appName}` }).click();
  const appEdit = appItem.getByRole("form", { name: `Edit ${appName}` });
  await appEdit.getByRole("checkbox", { name: "Client credentials", exact: true }).check();
  await appEdit.getByRole("button", { name: "Save" }).click();
  await appEdit.getByText("A public client cannot use client credentials: untick Client credentials.").waitFor();
  assert.match(await focused(), /-grant-credentials$/, "the grant at fault has the focus");
  await appEdit.getByRole("button", { name: "Cancel" }).click();
  await appItem.getByText("Authorization code, Refresh token", { exact: true }).waitFor();
  page.once("dialog", (dialog) => dialog.accept());
  await appItem.getByRole("button", { name: `Delete ${appName}` }).click();
  await section.getByText(`${appName} was deleted.`).waitFor();
  assert.deepEqual(problems, []);
});
