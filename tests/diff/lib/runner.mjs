// Runs a scenario's steps against both servers, in order, both sides at once per step, and
// compares each pair of answers (compare.mjs). Used by diff.test.mjs through node:test.

import { execFileSync } from "node:child_process";
import { Side } from "./http.mjs";
import { compareAnswers, lookup, report, SIDES } from "./compare.mjs";
import { mailMark, readMail } from "./mail.mjs";
import { throughProvider } from "../../oidc/login.mjs";

/** Replaces "{{name}}" in strings (a whole-string "{{name}}" keeps the value's type). */
export function resolve(value, vars, where) {
  if (typeof value === "function") return value(vars);
  if (typeof value === "string") {
    const whole = value.match(/^\{\{(\w+)\}\}$/);
    if (whole) return need(vars, whole[1], where);
    return value.replace(/\{\{(\w+)\}\}/g, (_, n) => String(need(vars, n, where)));
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, vars, where));
  if (value !== null && typeof value === "object" && !(value instanceof RegExp)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolve(v, vars, where);
    return out;
  }
  return value;
}

function need(vars, name, where) {
  if (!(name in vars)) {
    throw new Error(`${where}: {{${name}}} is not set (not in the scenario's vars, or an earlier step that captures it failed)`);
  }
  return vars[name];
}

/** One side's value for a capture spec: "a.b" (body path), "header:NAME", "cookie:NAME". */
function captureValue(ans, spec) {
  if (spec.startsWith("header:")) {
    const v = ans.headers.get(spec.slice(7));
    return v === null ? { exists: false } : { exists: true, at: v };
  }
  if (spec.startsWith("cookie:")) {
    const c = ans.setCookies.find((x) => x.name === spec.slice(7));
    return c ? { exists: true, at: c.value } : { exists: false };
  }
  if (!ans.isJson) return { exists: false };
  return lookup(ans.json, spec);
}

export function makeSides({ portcullis, reference, profile }) {
  const drop = (side) => (name) =>
    (profile.cookies || []).some((rule) => rule.notKept && rule.onlyIn === side &&
      (rule.name instanceof RegExp ? rule.name.test(name) : rule.name === name));
  return {
    portcullis: new Side("portcullis", portcullis, { dropCookie: drop("portcullis") }),
    reference: new Side("reference", reference, { dropCookie: drop("reference") }),
  };
}

/**
 * Runs one step on both sides and compares. Returns {ok, text, notes, pending}: pending lists
 * the undocumented differences (declared with `pending`) that occurred exactly as declared. It
 * never throws for a
 * server difference (it throws for a scenario error, e.g. an unknown {{var}}).
 */
export async function runStep({ scenario, index, step, sides, profile, show = false }) {
  const where = `${scenario} › step ${index + 1} "${step.name}"`;
  if (step.promote !== undefined) return promote(step, sides, where);
  if (step.provider !== undefined) return provider(step, sides, where);
  const requests = {};
  for (const s of SIDES) {
    const v = sides[s].vars;
    const method = (step.method || (step.body !== undefined ? "POST" : "GET")).toUpperCase();
    requests[s] = {
      method,
      path: resolve(step.path, v, where),
      query: resolve(step.query, v, where),
      headers: resolve(step.headers || {}, v, where),
      body: resolve(step.body, v, where),
      device: step.device || "main",
      cookies: step.cookies !== false,
      origin: step.origin !== false,
    };
  }
  const mail = Object.entries(step.mail || {});
  const marks = {};
  if (mail.length > 0) for (const s of SIDES) marks[s] = await mailMark(s);
  const [p, r] = await Promise.all(SIDES.map((s) => sides[s].send(requests[s])));
  const vars = { portcullis: sides.portcullis.vars, reference: sides.reference.vars };
  const { issues, notes, pending, shown } = compareAnswers({ step, p, r, vars, profile });

  const ans = { portcullis: p, reference: r };
  for (const [name, spec] of Object.entries(step.capture || {})) {
    for (const s of SIDES) {
      const found = captureValue(ans[s], spec);
      if (found.exists) sides[s].vars[name] = found.at;
      else issues.push(`${s}: nothing to capture as {{${name}}} at ${spec}`);
    }
  }
  for (const [name, spec] of mail) {
    for (const s of SIDES) {
      const to = resolve(spec.to, sides[s].vars, where);
      const found = await readMail(s, spec.kind, to, marks[s]);
      if (found !== undefined) sides[s].vars[name] = found;
      else issues.push(`${s}: no ${spec.kind} message to ${to} to capture as {{${name}}}`);
    }
  }
  for (const name of [step.saveJarAs || []].flat()) {
    for (const s of SIDES) sides[s].jars.set(name, new Map(sides[s].jar(requests[s].device)));
  }
  const ok = issues.length === 0;
  return {
    ok,
    notes,
    pending: ok ? [...new Set(pending)] : [],
    ms: Math.max(p.ms, r.ms),
    text: ok && !show ? "" : report({ scenario, index, step, p, r, issues, vars, shown }),
  };
}

/**
 * A step with `promote: "{{email}}"` sends no request: it makes that user an administrator on
 * each side the way an operator would, Portcullis with its CLI (`portcullis user set-role`, the
 * command prefix in DIFF_PORTCULLIS_PROMOTE) and the reference with SQL on its database
 * (DIFF_REFERENCE_DATABASE_URL), as Better Auth documents for the first admin.
 */
function promote(step, sides, where) {
  const issues = [];
  const run = (side, email) => {
    if (!/^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+$/.test(email)) throw new Error(`${where}: not an email: ${email}`);
    if (side === "portcullis") {
      const prefix = process.env.DIFF_PORTCULLIS_PROMOTE;
      if (!prefix) throw new Error(`${where}: DIFF_PORTCULLIS_PROMOTE is not set (scripts/test-diff sets it)`);
      execFileSync("bash", ["-c", `${prefix} "$1"`, "promote", email], { stdio: "pipe" });
    } else {
      const url = process.env.DIFF_REFERENCE_DATABASE_URL;
      if (!url) throw new Error(`${where}: DIFF_REFERENCE_DATABASE_URL is not set (scripts/test-diff sets it)`);
      const out = execFileSync("psql", [url, "-qAt", "-c", `UPDATE "user" SET role = 'admin' WHERE email = '${email}' RETURNING id`], { encoding: "utf8" });
      if (out.trim() === "") issues.push(`reference: no user ${email} to promote`);
    }
  };
  for (const s of SIDES) {
    try {
      run(s, resolve(step.promote, sides[s].vars, where));
    } catch (e) {
      issues.push(`${s}: promoting failed: ${e.stderr ? e.stderr.toString() : e.message}`);
    }
  }
  const ok = issues.length === 0;
  return { ok, notes: [], pending: [], ms: 0, text: ok ? "" : `${where}\n  ${issues.join("\n  ")}` };
}

/**
 * A step with `provider: {url, login, capture}` sends nothing to the servers: on each side, a
 * browser follows that side's authorization URL (`url`, e.g. "{{authUrl}}") through the test
 * OpenID provider's login (as `login`) and consent, and the path it is sent back to, under
 * /api/auth, is stored as `{{capture}}` for the next step to call.
 */
async function provider(step, sides, where) {
  const issues = [];
  await Promise.all(SIDES.map(async (s) => {
    const v = sides[s].vars;
    try {
      const back = await throughProvider(
        resolve(step.provider.url, v, where),
        resolve(step.provider.login, v, where),
        process.env.DIFF_OIDC_ISSUER,
      );
      if (!back.startsWith(sides[s].base)) issues.push(`${s}: the provider sent the browser to ${back}`);
      else v[step.provider.capture] = back.slice(sides[s].base.length);
    } catch (e) {
      issues.push(`${s}: at the provider: ${e.message}`);
    }
  }));
  const ok = issues.length === 0;
  return { ok, notes: [], pending: [], ms: 0, text: ok ? "" : `${where}\n  ${issues.join("\n  ")}` };
}
