// What each side sent by mail, for steps that need a token or code from it (a step's `mail`).
// Portcullis mails through the message sink (tests/sinks/message_sink.py): one JSON file per
// message in DIFF_PORTCULLIS_MAIL_DIR. The reference writes JSON lines to its outbox
// (DIFF_REFERENCE_OUTBOX, its OUTBOX variable). scripts/test-diff sets both.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** For each kind: how to read the secret out of one side's message to `to`, or undefined. */
export const MAIL_KINDS = {
  // The password-reset link's token.
  "reset-token": {
    portcullis: (m, to) => m.channel === "email" && m.to === to
      ? m.text.match(/\/reset-password\/([A-Za-z0-9_-]+)/)?.[1] : undefined,
    reference: (r, to) => r.kind === "reset" && r.email === to ? r.token : undefined,
  },
  // The email-OTP plugin's password-reset code.
  "reset-otp": {
    portcullis: (m, to) => m.channel === "email" && m.to === to
      ? `${m.subject} ${m.text}`.match(/\b(\d{6})\b/)?.[1] : undefined,
    reference: (r, to) => r.kind === "otp" && r.type === "forget-password" && r.email === to
      ? r.otp : undefined,
  },
  // The magic link's token.
  "magic-link-token": {
    portcullis: (m, to) => m.channel === "email" && m.to === to
      ? m.text.match(/\/magic-link\/verify\?token=([A-Za-z0-9_-]+)/)?.[1] : undefined,
    reference: (r, to) => r.kind === "magic" && r.email === to ? r.token : undefined,
  },
  // The email-OTP plugin's sign-in code.
  "sign-in-otp": {
    portcullis: (m, to) => m.channel === "email" && m.to === to
      ? `${m.subject} ${m.text}`.match(/\b(\d{6})\b/)?.[1] : undefined,
    reference: (r, to) => r.kind === "otp" && r.type === "sign-in" && r.email === to
      ? r.otp : undefined,
  },
  // The e-mail verification link's token (a signed JWT).
  "verify-token": {
    portcullis: (m, to) => m.channel === "email" && m.to === to
      ? m.text.match(/\/verify-email\?token=([A-Za-z0-9._-]+)/)?.[1] : undefined,
    reference: (r, to) => r.kind === "verify" && r.email === to ? r.token : undefined,
  },
  // The two-factor plugin's e-mailed code (`/two-factor/send-otp`).
  "two-factor-otp": {
    portcullis: (m, to) => m.channel === "email" && m.to === to
      ? `${m.subject} ${m.text}`.match(/\b(\d{6})\b/)?.[1] : undefined,
    reference: (r, to) => r.kind === "two-factor" && r.email === to ? r.otp : undefined,
  },
  // The phone-number plugin's sign-in code, by SMS.
  "sms-otp": {
    portcullis: (m, to) => m.channel === "sms" && m.to === to
      ? m.text.match(/\b(\d{6})\b/)?.[1] : undefined,
    reference: (r, to) => r.kind === "sms" && r.type === "otp" && r.phoneNumber === to
      ? r.code : undefined,
  },
};

// Portcullis: the sink's files, named `<time ns>-<counter>-<channel>.json`, so in arrival order.
async function portcullisMessages() {
  const dir = process.env.DIFF_PORTCULLIS_MAIL_DIR;
  if (!dir) throw new Error("DIFF_PORTCULLIS_MAIL_DIR is not set (scripts/test-diff sets it)");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
  return Promise.all(names.map(async (n) => ({ key: n, m: JSON.parse(await readFile(join(dir, n), "utf8")) })));
}

// The reference: its outbox's lines, in the order written.
async function referenceMessages() {
  const file = process.env.DIFF_REFERENCE_OUTBOX;
  if (!file) throw new Error("DIFF_REFERENCE_OUTBOX is not set (scripts/test-diff sets it)");
  let text = "";
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
  }
  return text.split("\n").filter(Boolean).map((line, i) => ({ key: i, m: JSON.parse(line) }));
}

const messages = (side) => (side === "portcullis" ? portcullisMessages() : referenceMessages());

/** Where `side`'s mail stands now: `readMail` then sees only what came after. */
export async function mailMark(side) {
  return (await messages(side)).at(-1)?.key ?? null;
}

/**
 * The secret of `kind` in the newest message `side` sent to `to` after `mark`, waiting up to
 * `waitMs` for it (Portcullis queues its mail). Undefined when none came.
 */
export async function readMail(side, kind, to, mark, waitMs = 10_000) {
  const pick = MAIL_KINDS[kind]?.[side];
  if (!pick) throw new Error(`unknown mail kind ${kind} (known: ${Object.keys(MAIL_KINDS).join(", ")})`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = (await messages(side))
      .filter(({ key }) => mark === null || key > mark)
      .map(({ m }) => pick(m, to))
      .filter((v) => v !== undefined)
      .at(-1);
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}
