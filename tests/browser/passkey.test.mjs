// Passkeys end to end (passkey plugin), in Chromium with a virtual authenticator from the CDP
// WebAuthn domain (resident keys, user verification): a passkey registered from the account
// page; signed out, then signed in from the sign-in page with "Sign in with a passkey" and by
// autofill (conditional mediation), with no email typed; renamed and deleted; a cloned
// credential, put back into the authenticator with a lower signature counter, refused; and the
// official client (better-auth with @better-auth/passkey's passkeyClient) registering and
// signing in.
//
// WebAuthn needs a domain: an IP address cannot be a relying party ID. So this file needs a
// server reached as http://localhost:PORT with ENABLE_PASSKEYS=true, PASSKEY_RP_ID=localhost and
// PASSKEY_ORIGIN=http://localhost:PORT (scripts/test starts one for it); against any other
// server it skips, unless EXPECT_PASSKEY=1 says it must run.

import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BASE_URL, browserForFile, freshEmail, signUpByApi } from "./lib/browser.mjs";
import { checkPage } from "./lib/page-checks.mjs";

let context;
let page;
let problems;
browserForFile((browser) => ({ context, page, problems } = browser));

const PASSWORD = "passkey browser password 1";

async function passkeysOffered(t) {
  const res = await page.request.get("/api/auth/passkey/generate-authenticate-options");
  const onLocalhost = new URL(BASE_URL).hostname === "localhost";
  if (res.status() === 200 && onLocalhost) return true;
  assert.notEqual(process.env.EXPECT_PASSKEY, "1", "the server offers passkeys on http://localhost");
  t.skip("needs a server with ENABLE_PASSKEYS=true reached as http://localhost:PORT");
  return false;
}

async function virtualAuthenticator() {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function signOut() {
  await page.request.post("/api/auth/sign-out", { headers: { Origin: BASE_URL }, data: {} });
  await context.clearCookies();
}

async function sessionEmail() {
  const res = await page.request.get("/api/auth/get-session");
  const body = await res.json();
  return body && body.user ? body.user.email : null;
}

// Chromium's virtual authenticator answers a conditional (autofill) request as soon as it is
// made, as if the user had picked the passkey from the field's suggestions. To press the button
// instead, the page is told the browser has no autofill for passkeys (as older browsers have
// none): a flag in sessionStorage that an init script reads before the page's own scripts run.
async function withoutAutofill(on) {
  await page.evaluate((flag) => {
    if (flag) sessionStorage.setItem("test-no-passkey-autofill", "1");
    else sessionStorage.removeItem("test-no-passkey-autofill");
  }, on);
}

async function signInWithButton() {
  await withoutAutofill(true);
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
}

test("passkeys: register on the account page, sign in by button and autofill, rename, delete, clone refused", { timeout: 180_000 }, async (t) => {
  await context.clearCookies();
  if (!(await passkeysOffered(t))) return;
  await page.addInitScript(() => {
    if (sessionStorage.getItem("test-no-passkey-autofill") === "1" && window.PublicKeyCredential) {
      window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    }
  });
  const { cdp, authenticatorId } = await virtualAuthenticator();
  t.after(() => cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId }).catch(() => {}));

  // Signed out, with no passkey yet: the email field offers passkeys (autocomplete
  // "username webauthn", a conditional request waiting), and the page passes the checks.
  await page.goto("/sign-in");
  await page.waitForFunction(() => document.getElementById("sign-in-email")?.getAttribute("autocomplete") === "username webauthn");
  await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor();
  await page.waitForTimeout(300); // the autofill request has had its answer (none)
  assert.equal((await page.locator("#passkey-sign-in-message").textContent()).trim(), "", "no error before anyone chose anything");
  await checkPage(page, "sign-in-passkey");

  const email = freshEmail("passkey");
  await signUpByApi(page, { email, password: PASSWORD });

  // Register from the account page's Security section.
  await page.goto("/account#security");
  const section = page.locator("#passkeys");
  await section.getByText("You have no passkeys yet.").waitFor();
  await section.getByLabel("Passkey name").fill("Test laptop");
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await section.getByText("Passkey added.", { exact: false }).waitFor();
  const row = section.locator("#passkeys-list li.device");
  await row.getByText("Test laptop").waitFor();
  assert.equal(await row.count(), 1);
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1, "one credential in the authenticator");
  assert.equal(credentials[0].isResidentCredential, true, "a discoverable credential");
  await checkPage(page, "account-passkeys");

  // Signed out, the button signs in with no email typed.
  await signOut();
  await signInWithButton();
  await page.waitForURL((url) => new URL(url).pathname === "/account");
  assert.equal(await sessionEmail(), email);
  const listed = await (await page.request.get("/api/auth/passkey/list-user-passkeys")).json();
  assert.ok(listed[0].counter > 0, "the counter moved forward");

  // Signed out again: autofill. The sign-in page's waiting request takes the passkey.
  await signOut();
  await withoutAutofill(false);
  const verified = page.waitForResponse((r) => r.url().endsWith("/passkey/verify-authentication"));
  await page.goto("/sign-in");
  assert.equal((await verified).status(), 200);
  await page.waitForURL((url) => new URL(url).pathname === "/account");
  assert.equal(await sessionEmail(), email);

  // Rename from the keyboard-usable list.
  await page.goto("/account#security");
  await row.getByRole("button", { name: "Rename Test laptop" }).click();
  const rename = row.getByLabel("New name");
  await rename.fill("Work laptop");
  await rename.press("Enter");
  await section.getByText("The passkey was renamed.").waitFor();
  await row.getByText("Work laptop").waitFor();

  // A clone with a stale counter: the same key put back with the counter it had at first.
  const [credential] = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
  assert.ok(credential.signCount >= 2, `signed twice: ${credential.signCount}`);
  await cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId: credential.credentialId });
  await cdp.send("WebAuthn.addCredential", { authenticatorId, credential: { ...credential, signCount: 0 } });
  await signOut();
  await signInWithButton();
  await page.locator("#passkey-sign-in-message").getByText("could not be verified", { exact: false }).waitFor();
  assert.equal(await sessionEmail(), null, "the clone signs in no one");
  // The genuine counter is kept: the stored passkey is unchanged and still listed.
  await page.request.post("/api/auth/sign-in/email", { headers: { Origin: BASE_URL }, data: { email, password: PASSWORD } });
  const after = await (await page.request.get("/api/auth/passkey/list-user-passkeys")).json();
  assert.equal(after.length, 1);
  assert.equal(after[0].counter, listed[0].counter + 1, "the counter the genuine key last used");

  // Delete it: it then signs in no one.
  await page.goto("/account#security");
  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: "Delete Work laptop" }).click();
  await section.getByText("The passkey was deleted.", { exact: false }).waitFor();
  await section.getByText("You have no passkeys yet.").waitFor();
  await cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId: credential.credentialId });
  await cdp.send("WebAuthn.addCredential", { authenticatorId, credential: { ...credential, signCount: 100 } });
  await signOut();
  await signInWithButton();
  await page.locator("#passkey-sign-in-message").getByText("not registered here", { exact: false }).waitFor();
  assert.equal(await sessionEmail(), null);
  await withoutAutofill(false);
  assert.deepEqual(problems, []);
});

// The official client: better-auth's createAuthClient with @better-auth/passkey's
// passkeyClient(), bundled for the browser by esbuild and served to the page from the server's
// own origin (so the pages' CSP, script-src 'self', lets it in), drives registration and sign-in.
test("passkeys: the official client's passkeyClient() adds a passkey and signs in with it", { timeout: 120_000 }, async (t) => {
  await context.clearCookies();
  if (!(await passkeysOffered(t))) return;
  const { build } = await import("esbuild");
  const bundled = await build({
    stdin: {
      contents: [
        'import { createAuthClient } from "better-auth/client";',
        'import { passkeyClient } from "@better-auth/passkey/client";',
        "window.authClient = createAuthClient({ plugins: [passkeyClient()] });",
      ].join("\n"),
      resolveDir: path.dirname(fileURLToPath(import.meta.url)),
      loader: "js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  const clientScript = "/__test/better-auth-client.js";
  await page.route(`**${clientScript}`, (route) =>
    route.fulfill({ contentType: "text/javascript; charset=utf-8", body: bundled.outputFiles[0].text }));
  const { cdp, authenticatorId } = await virtualAuthenticator();
  t.after(() => cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId }).catch(() => {}));
  const email = freshEmail("passkey-client");
  await signUpByApi(page, { email, password: PASSWORD });

  // A page of the server without passkey scripts of its own.
  await page.goto("/");
  await page.addScriptTag({ url: clientScript, type: "module" });
  await page.waitForFunction(() => window.authClient !== undefined);

  const added = await page.evaluate(() => window.authClient.passkey.addPasskey({ name: "Client key" }));
  assert.equal(added.error, null, JSON.stringify(added.error));
  assert.equal(added.data.name, "Client key");
  assert.equal(added.data.deviceType, "singleDevice");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1);

  const signedOut = await page.evaluate(() => window.authClient.signOut());
  assert.equal(signedOut.error, null, JSON.stringify(signedOut.error));
  assert.equal(await sessionEmail(), null);

  const signedIn = await page.evaluate(() => window.authClient.signIn.passkey());
  assert.equal(signedIn.error, null, JSON.stringify(signedIn.error));
  assert.equal(signedIn.data.user.email, email);
  assert.equal(await sessionEmail(), email);
  const session = await page.evaluate(() => window.authClient.getSession());
  assert.equal(session.data.user.email, email);

  await page.unroute(`**${clientScript}`);
  assert.deepEqual(problems, []);
});
