// The two-factor plugin with the official client's own `twoFactorClient`, unchanged: enable TOTP
// with the password, confirm it with a code from Debian's `oathtool`, sign out, sign in (the
// client's onTwoFactorRedirect fires and no session exists yet), pass the second step with a
// TOTP code and then with a backup code, and disable it.
//
// Codes are made for the next 30-second step (oathtool --now +30 s), which both servers accept
// (one step either side) and which Portcullis's once-only rule allows after the step used to
// enrol. The plugin is on in the reference's profiles; Portcullis with ENABLE_TWO_FACTOR=true. A
// server without it answers 404 on /two-factor/enable and these tests are skipped, unless
// EXPECT_TWO_FACTOR=1 (scripts/test sets it), which makes that a failure.
//
// Env: AUTH_BASE_URL (required), EXPECT_TWO_FACTOR=1, EXPECT_FIXED_REFERENCE_BUGS=1 (the
// verify-totp enrolment answer carries the new session: wire spec §2.1).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { twoFactorClient } from "better-auth/client/plugins";
import { device } from "./lib/device.mjs";

const REQUIRED = process.env.EXPECT_TWO_FACTOR === "1";
const FIXED = process.env.EXPECT_FIXED_REFERENCE_BUGS === "1";
const RUN = randomUUID().replace(/-/g, "");
const PASSWORD = `Pw-${RUN.slice(0, 10)}-2fa`;
const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 12)}@example.com`;

/** oathtool's TOTP code for the base32 secret, `stepsAhead` 30-second steps from now. */
function totp(secret, stepsAhead) {
  const at = new Date(Date.now() + stepsAhead * 30_000).toISOString().replace("T", " ").replace(/\..*$/, " UTC");
  return execFileSync("oathtool", ["--totp", "-b", secret, "--now", at], { encoding: "utf8" }).trim();
}

function browser() {
  const redirects = [];
  const dev = device({
    plugins: [twoFactorClient({ onTwoFactorRedirect: (ctx) => { redirects.push(ctx); } })],
  });
  return { ...dev, redirects };
}

test("twoFactorClient: enable, the sign-in challenge, verifyTotp, verifyBackupCode, disable", async (t) => {
  const dev = browser();
  const email = uniqueEmail("two-factor");
  const signUp = await dev.client.signUp.email({ name: "Two Factor", email, password: PASSWORD });
  assert.equal(signUp.error, null, JSON.stringify(signUp.error));

  const enabled = await dev.client.twoFactor.enable({ password: PASSWORD });
  if (enabled.error && enabled.error.status === 404 && !REQUIRED) {
    t.skip("the server has no two-factor plugin (Portcullis: ENABLE_TWO_FACTOR=true)");
    return;
  }
  assert.equal(enabled.error, null, JSON.stringify(enabled.error));
  assert.match(enabled.data.totpURI, /^otpauth:\/\/totp\/[^:]+:[^?]+\?secret=[A-Z2-7]{52}&issuer=.+&digits=6&period=30$/);
  assert.equal(enabled.data.backupCodes.length, 10);
  for (const c of enabled.data.backupCodes) assert.match(c, /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/);
  const secret = new URL(enabled.data.totpURI).searchParams.get("secret");

  const wrongPassword = await dev.client.twoFactor.enable({ password: `${PASSWORD}-wrong` });
  assert.equal(wrongPassword.error.status, 400);
  assert.equal(wrongPassword.error.code, "INVALID_PASSWORD");

  // The first code confirms enrolment and replaces the session.
  const before = (await dev.client.getSession({ query: { disableCookieCache: true } })).data;
  assert.equal(before.user.twoFactorEnabled, false);
  const confirmed = await dev.client.twoFactor.verifyTotp({ code: totp(secret, 0) });
  assert.equal(confirmed.error, null, JSON.stringify(confirmed.error));
  const after = (await dev.client.getSession({ query: { disableCookieCache: true } })).data;
  assert.equal(after.user.twoFactorEnabled, true);
  assert.notEqual(after.session.token, before.session.token, "a new session");
  if (FIXED) {
    assert.equal(confirmed.data.token, after.session.token, "wire spec §2.1: the new session's token");
    assert.equal(confirmed.data.user.twoFactorEnabled, true);
  }

  await dev.client.signOut();
  const held = await dev.client.signIn.email({ email, password: PASSWORD });
  assert.equal(held.error, null, JSON.stringify(held.error));
  assert.equal(held.data.twoFactorRedirect, true);
  assert.ok(held.data.twoFactorMethods.includes("totp"), JSON.stringify(held.data));
  assert.equal(dev.redirects.length, 1, "onTwoFactorRedirect fired");
  assert.ok(dev.jar.has("better-auth.two_factor"), "the challenge cookie");
  assert.ok(!dev.jar.has("better-auth.session_token"), "no session yet");
  const none = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(none.data, null);

  const wrong = await dev.client.twoFactor.verifyTotp({ code: "000000" });
  assert.equal(wrong.error.status, 401);
  assert.equal(wrong.error.code, "INVALID_CODE");
  const verified = await dev.client.twoFactor.verifyTotp({ code: totp(secret, 1) });
  assert.equal(verified.error, null, JSON.stringify(verified.error));
  assert.equal(verified.data.user.email, email);
  const signedIn = await dev.client.getSession({ query: { disableCookieCache: true } });
  assert.equal(signedIn.data.user.email, email);
  assert.equal(signedIn.data.session.token, verified.data.token);

  // A backup code passes the second step once.
  await dev.client.signOut();
  const again = await dev.client.signIn.email({ email, password: PASSWORD });
  assert.equal(again.data.twoFactorRedirect, true);
  const backup = await dev.client.twoFactor.verifyBackupCode({ code: enabled.data.backupCodes[0] });
  assert.equal(backup.error, null, JSON.stringify(backup.error));
  assert.equal((await dev.client.getSession({ query: { disableCookieCache: true } })).data.user.email, email);
  await dev.client.signOut();
  await dev.client.signIn.email({ email, password: PASSWORD });
  const reused = await dev.client.twoFactor.verifyBackupCode({ code: enabled.data.backupCodes[0] });
  assert.equal(reused.error.status, 401);
  assert.equal(reused.error.code, "INVALID_BACKUP_CODE");
  const other = await dev.client.twoFactor.verifyBackupCode({ code: enabled.data.backupCodes[1] });
  assert.equal(other.error, null, JSON.stringify(other.error));

  // Regenerated codes, the URI again, then off.
  const regenerated = await dev.client.twoFactor.generateBackupCodes({ password: PASSWORD });
  assert.equal(regenerated.error, null, JSON.stringify(regenerated.error));
  assert.equal(regenerated.data.backupCodes.length, 10);
  const uri = await dev.client.twoFactor.getTotpUri({ password: PASSWORD });
  assert.equal(new URL(uri.data.totpURI).searchParams.get("secret"), secret);
  const disabled = await dev.client.twoFactor.disable({ password: PASSWORD });
  assert.equal(disabled.error, null, JSON.stringify(disabled.error));
  assert.equal(disabled.data.status, true);
  await dev.client.signOut();
  const plain = await dev.client.signIn.email({ email, password: PASSWORD });
  assert.equal(plain.error, null, JSON.stringify(plain.error));
  assert.equal(plain.data.twoFactorRedirect, undefined);
  assert.equal(plain.data.user.twoFactorEnabled, false);
});
