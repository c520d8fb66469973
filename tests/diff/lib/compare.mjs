// Comparing one step's two answers: status, content type, body shape, chosen values, error code,
// Set-Cookie names and attributes, a few headers; plus the declared differences (per step and per
// profile), each of which must happen exactly as declared. Every function here is pure, so
// compare.test.mjs checks the comparator itself without any server.

import { isDeletion } from "./http.mjs";

export const SIDES = ["portcullis", "reference"];
/** Matcher: the key must be absent. */
export const ABSENT = Symbol("absent");
/** Matcher: the key must be present, whatever its value. */
export const PRESENT = Symbol("present");

// Better Auth serialises every Date with JSON.stringify: always milliseconds and Z (wire spec §0).
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OPAQUE = /^[A-Za-z0-9_\-.%+/=]{20,}$/;

/** The JSON type of a value, with Better Auth's date strings as a type of their own. */
export function jsonType(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "string") return ISO_DATE.test(v) ? "date" : "string";
  return typeof v; // boolean, number, object
}

// --- paths ----------------------------------------------------------------------------------------

const split = (path) => (path === "" ? [] : String(path).split("."));
const join = (a, b) => (a === "" ? String(b) : `${a}.${b}`);
const show = (path) => (path === "" ? "(body)" : path);

/** [concretePath, value] for every match of `pattern` ("a.*.b", "0.token", ""), present keys only. */
export function expand(value, pattern) {
  let found = [["", value]];
  for (const seg of split(pattern)) {
    const next = [];
    for (const [p, v] of found) {
      if (v === null || typeof v !== "object") continue;
      if (seg === "*") {
        for (const k of Object.keys(v)) next.push([join(p, k), v[k]]);
      } else if (Object.prototype.hasOwnProperty.call(v, seg)) {
        next.push([join(p, seg), v[seg]]);
      }
    }
    found = next;
  }
  return found;
}

/** Whether the concrete `path` exists in `value`; its value as `at`. */
export function lookup(value, path) {
  let v = value;
  for (const seg of split(path)) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, seg)) {
      return { exists: false };
    }
    v = v[seg];
  }
  return { exists: true, at: v };
}

function removePath(value, path) {
  const segs = split(path);
  const last = segs.pop();
  const { exists, at } = lookup(value, segs.join("."));
  if (exists && at !== null && typeof at === "object") delete at[last];
}

// --- matchers --------------------------------------------------------------------------------------

/** Describes a matcher for messages. */
export function describe(m) {
  if (m === ABSENT) return "(absent)";
  if (m === PRESENT) return "(present)";
  if (m instanceof RegExp) return String(m);
  if (typeof m === "function") {
    if (m.description) return m.description;
    const src = String(m).replace(/\s+/g, " ");
    return src.length <= 80 ? src : "(predicate)";
  }
  return JSON.stringify(m);
}

/**
 * Does `found` ({exists, at}) satisfy matcher `m`? RegExp → tested on the string; function →
 * predicate; plain object → every listed key matches (a subset); array → same length, each
 * element matches; anything else → ===.
 */
export function matches(m, found) {
  if (m === ABSENT) return !found.exists;
  if (!found.exists) return false;
  if (m === PRESENT) return true;
  return matchValue(m, found.at);
}

function matchValue(m, v) {
  if (m instanceof RegExp) return typeof v === "string" && m.test(v);
  if (typeof m === "function") return Boolean(m(v));
  if (Array.isArray(m)) {
    return Array.isArray(v) && v.length === m.length && m.every((x, i) => matchValue(x, v[i]));
  }
  if (m !== null && typeof m === "object") {
    if (v === null || typeof v !== "object") return false;
    return Object.entries(m).every(([k, x]) =>
      matches(x, Object.prototype.hasOwnProperty.call(v, k) ? { exists: true, at: v[k] } : { exists: false }));
  }
  return m === v;
}

// --- normalising for display and for value comparison ---------------------------------------------

/** The name under which `v` was captured on this side, as "{{name}}", else `v` itself. */
function symbolic(v, vars) {
  if (typeof v !== "string" || v === "") return v;
  for (const [name, x] of Object.entries(vars || {})) if (x === v) return `{{${name}}}`;
  return v;
}

/** A display form: keys sorted, captured values named, dates and opaque ids/tokens replaced. */
export function normalise(v, vars) {
  if (Array.isArray(v)) return v.map((x) => normalise(x, vars));
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = normalise(v[k], vars);
    return out;
  }
  if (typeof v === "string") {
    const s = symbolic(v, vars);
    if (s !== v) return s;
    if (ISO_DATE.test(v)) return "<date>";
    if (OPAQUE.test(v)) return `<opaque:${v.length}>`;
  }
  return v;
}

/** Line diff (LCS) of two texts: lines prefixed "  " (both), "- " (portcullis), "+ " (reference). */
export function lineDiff(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  const n = x.length;
  const m = y.length;
  const L = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push(`  ${x[i]}`); i++; j++; }
    else if (L[i + 1][j] >= L[i][j + 1]) out.push(`- ${x[i++]}`);
    else out.push(`+ ${y[j++]}`);
  }
  while (i < n) out.push(`- ${x[i++]}`);
  while (j < m) out.push(`+ ${y[j++]}`);
  return out.join("\n");
}

// --- cookies ----------------------------------------------------------------------------------------

const nameMatches = (pattern, name) => (pattern instanceof RegExp ? pattern.test(name) : pattern === name);

/** What is compared of a Set-Cookie: everything but its value (only whether it is empty). */
export function cookieShape(c) {
  const a = c.attrs;
  return {
    deletes: isDeletion(c),
    emptyValue: c.value === "",
    "Max-Age": a["max-age"] === undefined ? "(absent)" : String(a["max-age"]),
    Expires: a.expires === undefined ? "(absent)" : "(present)",
    Path: a.path === undefined ? "(absent)" : a.path,
    Domain: a.domain === undefined ? "(absent)" : a.domain,
    HttpOnly: a.httponly === true,
    Secure: a.secure === true,
    SameSite: a.samesite === undefined ? "(absent)" : String(a.samesite).toLowerCase(),
    Partitioned: a.partitioned === true,
  };
}

/** A cookie as compared, compactly: "name (deletion): Max-Age=0; Path=/; HttpOnly; SameSite=lax". */
export function cookieLine(c) {
  const s = cookieShape(c);
  const attrs = [];
  for (const k of ["Max-Age", "Expires", "Path", "Domain", "SameSite"]) if (s[k] !== "(absent)") attrs.push(`${k}=${s[k]}`);
  for (const k of ["HttpOnly", "Secure", "Partitioned"]) if (s[k]) attrs.push(k);
  return `${c.name}${s.deletes ? " (deletion)" : ""}${s.emptyValue ? " (empty value)" : ""}: ${attrs.join("; ")}`;
}

// --- declared differences -----------------------------------------------------------------------

const REASON = /README|wire spec|§\s?\d|profile/;

/** Throws when a declaration is malformed (a scenario bug, not a server difference). */
export function checkDeclaration(d, where) {
  if (d && d.pending !== undefined) {
    // An undocumented difference, known and waiting for a fix in Portcullis: asserted exactly
    // like a documented one, but the step is reported as TODO rather than passed.
    if (typeof d.pending !== "string" || d.pending.length < 10 || d.reason !== undefined) {
      throw new Error(`${where}: pending: "<what Portcullis should do instead>" (and no reason)`);
    }
  } else if (!d || typeof d.reason !== "string" || !REASON.test(d.reason)) {
    throw new Error(`${where}: a declared difference needs a reason that points at the README's ` +
      `"Differences from Better Auth, on purpose", the wire spec (e.g. §2.1) or the profile; got ${JSON.stringify(d && d.reason)}`);
  }
  const kinds = ["answer", "keys", "cookies", "values"].filter((k) => d[k] !== undefined);
  if (kinds.length !== 1) throw new Error(`${where}: a declared difference has exactly one of answer, keys, cookies, values`);
  if ((d.keys || d.cookies) && !SIDES.includes(d.onlyIn)) {
    throw new Error(`${where}: keys/cookies differences need onlyIn: "portcullis" or "reference"`);
  }
  if (d.answer && !SIDES.every((s) => d.answer[s] && typeof d.answer[s].status === "number")) {
    throw new Error(`${where}: an answer difference gives {status, ...} for both portcullis and reference`);
  }
}

// --- the comparison --------------------------------------------------------------------------------

/**
 * Does one side's answer satisfy an `answer` declaration {status, code?, message?, body?,
 * contentType?, cookies?}? body: a matcher on the parsed JSON, or on the text when it is not
 * JSON ("" = empty); cookies: the exact list of Set-Cookie names, "name (deletion)" for removals
 * (a multi-session cookie as `…_multi-<token>`).
 */
function checkDeclaredAnswer(side, ans, exp, issues) {
  if (ans.status !== exp.status) issues.push(`${side}: status ${ans.status}, declared ${exp.status}`);
  for (const key of ["code", "message"]) {
    if (exp[key] === undefined) continue;
    const found = ans.isJson ? lookup(ans.json, key) : { exists: false };
    if (!matches(exp[key], found)) {
      issues.push(`${side}: ${key} ${found.exists ? JSON.stringify(found.at) : "(absent)"}, declared ${describe(exp[key])}`);
    }
  }
  if (exp.body !== undefined) {
    const found = { exists: true, at: ans.isJson ? ans.json : ans.text };
    if (!matches(exp.body, found)) issues.push(`${side}: body ${ans.text.slice(0, 300)} does not match declared ${describe(exp.body)}`);
  }
  if (exp.contentType !== undefined && !matches(exp.contentType, { exists: ans.contentType !== null, at: ans.contentType })) {
    issues.push(`${side}: content-type ${ans.contentType}, declared ${describe(exp.contentType)}`);
  }
  if (exp.cookies !== undefined) {
    const got = ans.setCookies.map((c) => `${comparableCookieName(c.name)}${isDeletion(c) ? " (deletion)" : ""}`).sort();
    const want = [...exp.cookies].sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      issues.push(`${side}: Set-Cookie ${JSON.stringify(got)}, declared ${JSON.stringify(want)}`);
    }
  }
}

/**
 * Compares two answers to one step. Returns {issues, notes, pending, shown}: issues are the
 * mismatches (the step fails), notes name the declared differences that occurred, pending the
 * `pending` declarations among them, shown the two bodies without the declared keys (for the
 * report). An `answer` declaration replaces the whole comparison: each side is held to its own.
 *
 * ctx: {step, p, r (answers from http.mjs), vars: {portcullis, reference}, profile}
 */
export function compareAnswers({ step, p, r, vars = {}, profile = {} }) {
  const issues = [];
  const notes = [];
  const ans = { portcullis: p, reference: r };
  const declared = step.differences || [];
  declared.forEach((d, i) => checkDeclaration(d, `step "${step.name}" difference ${i + 1}`));
  const pending = [];
  const label = (d) => d.reason || "undocumented, pending a fix in Portcullis";
  const occurred = (d, text) => {
    if (d.pending) pending.push(d.pending);
    notes.push(`${d.pending ? "pending fix" : "documented difference"} (${label(d)}): ${text}`);
  };

  // A whole answer documented as different: each side is held to its own declaration.
  const answerDiff = declared.find((d) => d.answer);
  if (answerDiff) {
    const before = issues.length;
    for (const s of SIDES) checkDeclaredAnswer(s, ans[s], answerDiff.answer[s], issues);
    if (issues.length === before) occurred(answerDiff, "the answers differ as declared");
    else issues.push(`the declared difference (${label(answerDiff)}) is not what happened`);
    return { issues, notes, pending };
  }

  if (step.status === undefined) {
    throw new Error(`step "${step.name}": give the status both sides must answer (status: 200), or declare an answer difference`);
  }

  // --- status, content type, headers
  if (p.status !== r.status) issues.push(`status: portcullis ${p.status}, reference ${r.status}`);
  for (const s of SIDES) {
    if (ans[s].status !== step.status) issues.push(`${s}: status ${ans[s].status}, the step expects ${step.status}`);
  }
  const ct = (v) => (v === null ? "(none)" : v.toLowerCase().replace(/\s+/g, ""));
  if (ct(p.contentType) !== ct(r.contentType)) {
    issues.push(`content-type: portcullis ${ct(p.contentType)}, reference ${ct(r.contentType)}`);
  }
  for (const h of step.compareHeaders || ["set-auth-token", "location"]) {
    const hp = p.headers.get(h);
    const hr = r.headers.get(h);
    if ((hp === null) !== (hr === null)) {
      issues.push(`header ${h}: ${hp === null ? "absent" : "present"} on portcullis, ${hr === null ? "absent" : "present"} on reference`);
    }
  }

  // --- body
  const body = { portcullis: p.isJson ? structuredClone(p.json) : undefined, reference: r.isJson ? structuredClone(r.json) : undefined };
  if (p.isJson !== r.isJson) {
    issues.push(`body: ${p.isJson ? "JSON" : `not JSON (${JSON.stringify(p.text.slice(0, 120))})`} on portcullis, ` +
      `${r.isJson ? "JSON" : `not JSON (${JSON.stringify(r.text.slice(0, 120))})`} on reference`);
  } else if (!p.isJson && (p.text === "") !== (r.text === "")) {
    issues.push(`body: ${p.text === "" ? "empty" : "non-empty"} on portcullis, ${r.text === "" ? "empty" : "non-empty"} on reference`);
  }

  const skipValue = new Set(); // concrete paths whose values are governed by a declaration
  if (p.isJson && r.isJson) {
    // Keys documented as present on one side only.
    for (const d of declared.filter((x) => x.keys)) {
      const other = d.onlyIn === "portcullis" ? "reference" : "portcullis";
      let ok = true;
      for (const pattern of d.keys) {
        const hits = expand(body[d.onlyIn], pattern);
        if (hits.length === 0) {
          ok = false;
          issues.push(`declared difference (${label(d)}): ${pattern} should be present on ${d.onlyIn}, is absent`);
        }
        const extra = expand(body[other], pattern);
        if (extra.length > 0) {
          ok = false;
          issues.push(`declared difference (${label(d)}): ${pattern} should be absent on ${other}, is present`);
        }
        for (const [path] of hits) removePath(body[d.onlyIn], path);
      }
      if (ok) occurred(d, `${d.keys.join(", ")} only on ${d.onlyIn}`);
    }
    // Values documented as different.
    for (const d of declared.filter((x) => x.values)) {
      for (const [pattern, perSide] of Object.entries(d.values)) {
        let ok = true;
        for (const s of SIDES) {
          const hits = expand(body[s], pattern);
          if (hits.length === 0) {
            ok = false;
            issues.push(`declared difference (${label(d)}): ${pattern} not found on ${s}`);
          }
          for (const [path, v] of hits) {
            skipValue.add(path);
            if (!matches(perSide[s], { exists: true, at: v })) {
              ok = false;
              issues.push(`declared difference (${label(d)}): ${s} ${path} = ${JSON.stringify(v)}, declared ${describe(perSide[s])}`);
            }
          }
        }
        if (ok) occurred(d, `${pattern}: ${SIDES.map((s) => `${s} ${describe(perSide[s])}`).join(", ")}`);
      }
    }
    applyProfileKeys(profile, body, issues);
    compareShape(body.portcullis, body.reference, "", issues, skipValue);

    // Values the step (or the error model) says must be equal.
    const valuePaths = [...(step.values || [])];
    if (p.status >= 400 && r.status >= 400) valuePaths.push("code", "message");
    for (const pattern of valuePaths) {
      const hr = expand(body.reference, pattern);
      const hp = expand(body.portcullis, pattern);
      // (a key only on portcullis is reported by the shape comparison)
      if (hr.length === 0 && hp.length === 0 && !["code", "message"].includes(pattern)) {
        issues.push(`value ${pattern}: not found on either side (scenario error?)`);
      }
      for (const [path, vr] of hr) {
        if (skipValue.has(path)) continue;
        const found = lookup(body.portcullis, path);
        if (!found.exists) continue; // the shape comparison reported it
        const a = symbolic(found.at, vars.portcullis);
        const b = symbolic(vr, vars.reference);
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          issues.push(`value ${path}: portcullis ${JSON.stringify(a)}, reference ${JSON.stringify(b)}`);
        }
      }
    }
  }

  // Absolute expectations, on both sides.
  for (const [path, m] of Object.entries(step.expect || {})) {
    for (const s of SIDES) {
      const found = path.startsWith("cookie:") ? setCookieValue(ans[s], path.slice(7))
        : ans[s].isJson ? lookup(ans[s].json, path) : { exists: path === "" && ans[s].text !== "", at: ans[s].text };
      if (!matches(m, found)) {
        issues.push(`${s}: ${show(path)} = ${found.exists ? JSON.stringify(found.at) : "(absent)"}, the step expects ${describe(m)}`);
      }
    }
  }

  compareCookies(step, p, r, declared, profile, issues, occurred, label);
  return { issues, notes, pending, shown: body };
}

/** The value an answer sets a cookie to (as sent), for `expect: {"cookie:<name>": matcher}`. */
function setCookieValue(ans, name) {
  const c = ans.setCookies.find((x) => x.name === name);
  return c ? { exists: true, at: c.value } : { exists: false };
}

/** Same keys recursively, same JSON types; booleans compared by value. */
function compareShape(a, b, path, issues, skipValue) {
  const ta = jsonType(a);
  const tb = jsonType(b);
  if (ta !== tb) {
    issues.push(`${show(path)}: ${ta} on portcullis, ${tb} on reference`);
    return;
  }
  if (ta === "boolean" && a !== b && !skipValue.has(path)) {
    issues.push(`${show(path)}: portcullis ${a}, reference ${b}`);
  } else if (ta === "array") {
    // A declared value difference governs the whole array, its length included.
    if (a.length !== b.length && !skipValue.has(path)) issues.push(`${show(path)}: ${a.length} element(s) on portcullis, ${b.length} on reference`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) compareShape(a[i], b[i], join(path, i), issues, skipValue);
  } else if (ta === "object") {
    for (const k of Object.keys(a)) if (!(k in b)) issues.push(`${join(path, k)}: only on portcullis (${JSON.stringify(a[k])})`);
    for (const k of Object.keys(b)) if (!(k in a)) issues.push(`${join(path, k)}: only on reference (${JSON.stringify(b[k])})`);
    for (const k of Object.keys(a)) if (k in b) compareShape(a[k], b[k], join(path, k), issues, skipValue);
  }
}

/**
 * Profile key rules: objects of a kind (user, session) that carry, on one side only, keys of
 * plugins the other server does not run. Asserted wherever such an object appears: present on
 * that side, absent on the other; then left out of the shape comparison.
 */
function applyProfileKeys(profile, body, issues) {
  for (const rule of profile.keys || []) {
    const other = rule.onlyIn === "portcullis" ? "reference" : "portcullis";
    const visit = (v, path) => {
      if (v === null || typeof v !== "object") return;
      for (const k of Object.keys(v)) visit(v[k], join(path, k));
      if (Array.isArray(v) || !rule.where(v)) return;
      const counterpart = lookup(body[other], path);
      if (!counterpart.exists || counterpart.at === null || typeof counterpart.at !== "object") return;
      for (const key of rule.keys) {
        if (!(key in v)) issues.push(`profile (${rule.reason}): ${join(path, key)} should be on ${rule.onlyIn}, is absent`);
        if (key in counterpart.at) issues.push(`profile (${rule.reason}): ${join(path, key)} should be absent on ${other}, is present`);
        delete v[key];
        delete counterpart.at[key];
      }
      rule.seen = (rule.seen || 0) + 1;
    };
    visit(body[rule.onlyIn], "");
  }
}

/**
 * A multi-session cookie's name carries its session's token (`…session_token_multi-<token
 * lower-cased>`), which differs between the sides: it is compared as `…_multi-<token>`, so the
 * multi cookies of an answer are compared by count and attributes.
 */
export function comparableCookieName(name) {
  return name.replace(/_multi-[^=;\s]+$/, "_multi-<token>");
}

function compareCookies(step, p, r, declared, profile, issues, occurred, label) {
  const lists = { portcullis: [...p.setCookies], reference: [...r.setCookies] };
  // Profile cookies: set by one side only, because of its configuration; never by the other.
  for (const rule of profile.cookies || []) {
    const other = rule.onlyIn === "portcullis" ? "reference" : "portcullis";
    const subject = (c) => nameMatches(rule.name, c.name) && !(rule.setOnly && isDeletion(c));
    for (const c of lists[other].filter(subject)) {
      issues.push(`profile (${rule.reason}): ${other} sent ${cookieLine(c)}, expected only on ${rule.onlyIn}`);
    }
    if (lists[rule.onlyIn].some(subject)) rule.seen = (rule.seen || 0) + 1;
    for (const s of SIDES) lists[s] = lists[s].filter((c) => !subject(c));
  }
  // Step declarations: these cookies come from one side only, in this step.
  for (const d of declared.filter((x) => x.cookies)) {
    const other = d.onlyIn === "portcullis" ? "reference" : "portcullis";
    let ok = true;
    for (const pattern of d.cookies) {
      const subject = (c) => nameMatches(pattern, c.name);
      if (!lists[d.onlyIn].some(subject)) {
        ok = false;
        issues.push(`declared difference (${label(d)}): cookie ${pattern} should be set by ${d.onlyIn}, is not`);
      }
      if (lists[other].some(subject)) {
        ok = false;
        issues.push(`declared difference (${label(d)}): cookie ${pattern} should not be set by ${other}, is`);
      }
      for (const s of SIDES) lists[s] = lists[s].filter((c) => !subject(c));
    }
    if (ok) occurred(d, `cookies ${d.cookies.join(", ")} only from ${d.onlyIn}`);
  }
  const group = (list) => {
    const m = new Map();
    for (const c of list) {
      const name = comparableCookieName(c.name);
      if (!m.has(name)) m.set(name, []);
      m.get(name).push({ ...c, name });
    }
    return m;
  };
  const gp = group(lists.portcullis);
  const gr = group(lists.reference);
  for (const name of new Set([...gp.keys(), ...gr.keys()])) {
    const a = gp.get(name) || [];
    const b = gr.get(name) || [];
    if (a.length === 0) { issues.push(`cookie ${name}: only from reference: ${b.map(cookieLine).join(" | ")}`); continue; }
    if (b.length === 0) { issues.push(`cookie ${name}: only from portcullis: ${a.map(cookieLine).join(" | ")}`); continue; }
    const sa = a.map(cookieLine).sort();
    const sb = b.map(cookieLine).sort();
    if (JSON.stringify(sa) !== JSON.stringify(sb)) {
      issues.push(`cookie ${name}:\n      portcullis ${sa.join("\n                 ")}\n      reference  ${sb.join("\n                 ")}`);
    }
  }
}

/** A readable report of one step's mismatch. */
export function report({ scenario, index, step, p, r, issues, vars = {}, shown }) {
  const lines = [];
  lines.push(`${scenario} › step ${index + 1} "${step.name}": ${p.method} ${p.url}`);
  for (const i of issues) lines.push(`  ✗ ${i}`);
  const render = (ans, side) => {
    if (!ans.isJson) return ans.text === "" ? "(empty body)" : ans.text.slice(0, 2000);
    const json = shown && shown[side] !== undefined ? shown[side] : ans.json;
    return JSON.stringify(normalise(json, vars[side]), null, 2);
  };
  lines.push(`  status ${p.status} / ${r.status}; content-type ${p.contentType} / ${r.contentType}`);
  lines.push("  --- bodies (normalised; keys of declared and profile differences left out): '-' portcullis only, '+' reference only");
  lines.push(lineDiff(render(p, "portcullis"), render(r, "reference")).replace(/^/gm, "  "));
  lines.push("  --- Set-Cookie");
  for (const [label, ans] of [["portcullis", p], ["reference", r]]) {
    if (ans.setCookies.length === 0) lines.push(`  ${label}: (none)`);
    for (const c of ans.setCookies) lines.push(`  ${label}: ${cookieLine(c)}`);
  }
  return lines.join("\n");
}
