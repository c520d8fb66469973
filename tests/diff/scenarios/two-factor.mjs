// The two-factor plugin (Portcullis: ENABLE_TWO_FACTOR=true): TOTP enrolment with a code from
// Debian's oathtool, the sign-in challenge and its cookie, verify-totp, a code by e-mail
// (send-otp, verify-otp), backup codes, get-totp-uri, and disable. Each side's code is made from that side's own secret (its totpURI), for the next
// 30-second step: both accept one step either side, and Portcullis accepts each step once.

import { execFileSync } from "node:child_process";

const secretOf = (uri) => new URL(uri).searchParams.get("secret");

/** oathtool's TOTP code for the secret of `uri`, `stepsAhead` 30-second steps from now. */
function totp(uri, stepsAhead) {
  const at = new Date(Date.now() + stepsAhead * 30_000).toISOString().replace("T", " ").replace(/\..*$/, " UTC");
  return execFileSync("oathtool", ["--totp", "-b", secretOf(uri), "--now", at], { encoding: "utf8" }).trim();
}

/** get-session from the database, with `expect` on both sides (and `values` compared). */
const getSession = (name, expect, values = []) => ({
  name,
  method: "GET",
  path: "/get-session",
  query: { disableCookieCache: "true" },
  status: 200,
  values,
  expect,
});

const signIn = (name) => ({
  name,
  path: "/sign-in/email",
  body: { email: "{{email}}", password: "{{password}}" },
  status: 200,
  values: ["twoFactorRedirect", "twoFactorMethods"],
  expect: { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] },
  // The reference sends the token of the session it made and deleted (wire spec §2.1, the
  // harmless quirk); Portcullis never made one.
  compareHeaders: ["location"],
});

/**
 * The steps every second factor repeats: sign out, sign in to a challenge (then `before`), a
 * wrong code at `path` refused with `refusal`, and the right code (`body`) signing in.
 */
const challengeThen = (factor, path, { wrongCode, refusal, body, before = [] }) => [
  { name: `sign out before ${factor}`, path: "/sign-out", body: {}, status: 200 },
  signIn(`sign in: the challenge for ${factor}`),
  ...before,
  { name: `a wrong ${factor}`, path, body: { code: wrongCode }, status: 401, expect: refusal },
  { name: `${factor} signs in`, path, body, status: 200, expect: { "user.twoFactorEnabled": true } },
];

export default {
  name: "two-factor",
  vars: ({ run }) => ({ email: `tfa-${run}@example.com`, password: `Pw-${run}-tfa` }),
  steps: [
    {
      name: "sign up",
      path: "/sign-up/email",
      body: { name: "Two Factor", email: "{{email}}", password: "{{password}}" },
      status: 200,
      values: ["user.twoFactorEnabled"],
      expect: { "user.twoFactorEnabled": false },
    },
    {
      name: "enable with a wrong password",
      path: "/two-factor/enable",
      body: { password: "Wrong-password-123" },
      status: 400,
      expect: { code: "INVALID_PASSWORD" },
    },
    {
      name: "enable without a password",
      path: "/two-factor/enable",
      body: {},
      status: 400,
      expect: { code: "VALIDATION_ERROR" },
    },
    {
      name: "enable TOTP",
      path: "/two-factor/enable",
      body: { password: "{{password}}" },
      status: 200,
      values: ["method"],
      expect: {
        totpURI: /^otpauth:\/\/totp\/[^:]+:tfa-[^?]+\?secret=[A-Z2-7]{52}&issuer=[^&]+&digits=6&period=30$/,
        backupCodes: (c) => c.length === 10 && c.every((x) => /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/.test(x)),
      },
      capture: { uri: "totpURI", backup0: "backupCodes.0", backup1: "backupCodes.1" },
    },
    getSession("not on before the first code", { "user.twoFactorEnabled": false }, ["user.twoFactorEnabled"]),
    {
      name: "the first code turns it on and replaces the session",
      path: "/two-factor/verify-totp",
      body: (v) => ({ code: totp(v.uri, 0) }),
      status: 200,
      differences: [{
        reason: "wire spec §2.1: the reference answers the deleted session's token and the user as it was",
        values: { "user.twoFactorEnabled": { portcullis: true, reference: false } },
      }],
    },
    getSession("on now", { "user.twoFactorEnabled": true }, ["user.twoFactorEnabled"]),
    {
      name: "enable again",
      path: "/two-factor/enable",
      body: { password: "{{password}}" },
      status: 400,
      expect: { code: "TOTP_ALREADY_ENABLED", message: "TOTP is already enabled" },
    },
    {
      name: "get-totp-uri",
      path: "/two-factor/get-totp-uri",
      body: { password: "{{password}}" },
      status: 200,
      expect: { totpURI: (u) => u.startsWith("otpauth://totp/") },
    },
    ...challengeThen("a TOTP code", "/two-factor/verify-totp", {
      before: [getSession("no session yet", { "": null })],
      wrongCode: "000000",
      refusal: { code: "INVALID_CODE", message: "Invalid code" },
      body: (v) => ({ code: totp(v.uri, 1) }),
    }),
    getSession("signed in", { "user.email": (e) => e.startsWith("tfa-") }),
    ...challengeThen("an e-mailed code", "/two-factor/verify-otp", {
      before: [{
        name: "send-otp",
        path: "/two-factor/send-otp",
        body: {},
        status: 200,
        expect: { status: true },
        mail: { otp: { kind: "two-factor-otp", to: "{{email}}" } },
      }],
      wrongCode: "000000",
      refusal: { code: "INVALID_CODE", message: "Invalid code" },
      body: { code: "{{otp}}" },
    }),
    ...challengeThen("a backup code", "/two-factor/verify-backup-code", {
      wrongCode: "aaaaa-bbbbb",
      refusal: { code: "INVALID_BACKUP_CODE", message: "Invalid backup code" },
      body: { code: "{{backup0}}" },
    }),
    {
      name: "new backup codes",
      path: "/two-factor/generate-backup-codes",
      body: { password: "{{password}}" },
      status: 200,
      values: ["status"],
      expect: { backupCodes: (c) => c.length === 10 },
    },
    {
      name: "verify with neither a session nor a challenge",
      device: "stranger",
      path: "/two-factor/verify-totp",
      body: { code: "123456" },
      status: 401,
      expect: { code: "INVALID_TWO_FACTOR_COOKIE", message: "Invalid two factor cookie" },
    },
    {
      name: "disable with a wrong password",
      path: "/two-factor/disable",
      body: { password: "Wrong-password-123" },
      status: 400,
      expect: { code: "INVALID_PASSWORD" },
    },
    {
      name: "disable",
      path: "/two-factor/disable",
      body: { password: "{{password}}" },
      status: 200,
      expect: { status: true },
    },
    { name: "sign out once more", path: "/sign-out", body: {}, status: 200 },
    {
      name: "the password alone signs in",
      path: "/sign-in/email",
      body: { email: "{{email}}", password: "{{password}}" },
      status: 200,
      values: ["user.twoFactorEnabled", "redirect"],
      expect: { "user.twoFactorEnabled": false },
    },
    {
      name: "backup codes need it on",
      path: "/two-factor/generate-backup-codes",
      body: { password: "{{password}}" },
      status: 400,
      expect: { code: "TWO_FACTOR_NOT_ENABLED", message: "Two factor isn't enabled" },
    },
  ],
};
