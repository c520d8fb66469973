// The comparator itself, on made-up answers (no server): every kind of difference is caught,
// and a declared difference that does not happen, or happens otherwise, fails the step.
//
// Run: node --test tests/diff/lib/

import { test } from "node:test";
import assert from "node:assert/strict";
import { ABSENT, compareAnswers, expand, jsonType, lineDiff, normalise } from "./compare.mjs";
import { parseSetCookie } from "./http.mjs";

const SESSION = "better-auth.session_token=abc.sig; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax";

/** An answer as http.mjs returns it. */
function answer({ status = 200, json, text, contentType = "application/json", cookies = [], headers = {} } = {}) {
  const body = text !== undefined ? text : json === undefined ? "" : JSON.stringify(json);
  let isJson = false;
  let parsed;
  try {
    parsed = JSON.parse(body);
    isJson = body !== "";
  } catch {
    isJson = false;
  }
  return {
    url: "/api/auth/x",
    method: "POST",
    status,
    headers: new Headers(headers),
    contentType,
    text: body,
    isJson,
    json: parsed,
    setCookies: cookies.map(parseSetCookie),
  };
}

const user = (extra = {}) => ({ id: "u1", email: "a@example.com", emailVerified: false, name: "A", createdAt: "2026-01-01T00:00:00.000Z", ...extra });
// Most cases compare two answers with the same status; the step's own status is the first one's.
const run = (step, p, r, extra = {}) => compareAnswers({ step: { name: "t", status: p.status, ...step }, p, r, ...extra });
const clean = (res) => assert.deepEqual(res.issues, [], res.issues.join("\n"));
const caught = (res, re) => assert.ok(res.issues.some((i) => re.test(i)), `expected an issue matching ${re}, got:\n${res.issues.join("\n")}`);

test("equal answers with different ids, tokens and dates agree", () => {
  const p = answer({ json: { token: "t-p", user: user({ id: "pp", createdAt: "2026-02-02T00:00:00.000Z" }) }, cookies: [SESSION] });
  const r = answer({ json: { token: "t-r", user: user({ id: "rr" }) }, cookies: [SESSION.replace("abc", "xyz")] });
  clean(run({ status: 200 }, p, r));
});

test("status, content type, header presence and the step's own status are checked", () => {
  caught(run({}, answer({ status: 400, json: {} }), answer({ status: 401, json: {} })), /^status: portcullis 400, reference 401/);
  caught(run({ status: 200 }, answer({ status: 201, json: {} }), answer({ status: 201, json: {} })), /the step expects 200/);
  assert.throws(() => compareAnswers({ step: { name: "t" }, p: answer({ json: {} }), r: answer({ json: {} }) }), /give the status/);
  caught(run({}, answer({ json: {}, contentType: "text/plain" }), answer({ json: {} })), /content-type/);
  caught(run({}, answer({ json: {}, headers: { "set-auth-token": "x" } }), answer({ json: {} })), /header set-auth-token/);
});

test("shape: missing keys, type changes, array lengths; booleans by value; dates as a type", () => {
  caught(run({}, answer({ json: { a: 1 } }), answer({ json: { a: 1, b: 2 } })), /^b: only on reference/);
  caught(run({}, answer({ json: { a: "1" } }), answer({ json: { a: 1 } })), /^a: string on portcullis, number on reference/);
  caught(run({}, answer({ json: { a: null } }), answer({ json: { a: "x" } })), /^a: null on portcullis, string on reference/);
  caught(run({}, answer({ json: [1, 2] }), answer({ json: [1] })), /2 element\(s\) on portcullis, 1 on reference/);
  caught(run({}, answer({ json: { ok: true } }), answer({ json: { ok: false } })), /^ok: portcullis true, reference false/);
  caught(run({}, answer({ json: { at: "2026-01-01" } }), answer({ json: { at: "2026-01-01T00:00:00.000Z" } })), /^at: string on portcullis, date on reference/);
  caught(run({}, answer({ json: null }), answer({ json: {} })), /^\(body\): null on portcullis, object on reference/);
  caught(run({}, answer({ text: "", contentType: null }), answer({ json: {} })), /body: not JSON/);
});

test("values: listed paths, error code and message, captured values by name", () => {
  caught(run({ values: ["user.name"] }, answer({ json: { user: user({ name: "B" }) } }), answer({ json: { user: user() } })), /value user.name/);
  caught(run({}, answer({ status: 400, json: { code: "A", message: "m" } }), answer({ status: 400, json: { code: "B", message: "m" } })), /value code: portcullis "A", reference "B"/);
  caught(run({}, answer({ status: 400, json: { message: "m" } }), answer({ status: 400, json: { message: "n" } })), /value message/);
  // The same captured user on both sides agrees although the ids differ.
  const vars = { portcullis: { userId: "pp" }, reference: { userId: "rr" } };
  clean(run({ values: ["*.userId"] }, answer({ json: [{ userId: "pp" }] }), answer({ json: [{ userId: "rr" }] }), { vars }));
  caught(run({ values: ["*.userId"] }, answer({ json: [{ userId: "other" }] }), answer({ json: [{ userId: "rr" }] }), { vars }), /value 0.userId/);
  caught(run({ values: ["nowhere"] }, answer({ json: {} }), answer({ json: {} })), /not found on either side/);
});

test("absolute expectations hold on both sides", () => {
  caught(run({ expect: { code: "X" } }, answer({ json: { code: "X" } }), answer({ json: { code: "Y" } })), /^reference: code = "Y"/);
  caught(run({ expect: { code: ABSENT } }, answer({ json: {} }), answer({ json: { code: "Y" } })), /^reference: code/);
  caught(run({ expect: { "": null } }, answer({ json: {} }), answer({ json: {} })), /\(body\) = \{\}/);
  clean(run({ expect: { "a.b": /^x+$/, c: (v) => v > 1 } }, answer({ json: { a: { b: "xx" }, c: 2 } }), answer({ json: { a: { b: "x" }, c: 3 } })));
  // A cookie's value, by name: what neither side's Set-Cookie comparison looks at.
  const last = (v) => `better-auth.last_used_login_method=${v}; Max-Age=2592000; Path=/; SameSite=Lax`;
  clean(run({ expect: { "cookie:better-auth.last_used_login_method": "email" } },
    answer({ json: {}, cookies: [SESSION, last("email")] }), answer({ json: {}, cookies: [SESSION, last("email")] })));
  caught(run({ expect: { "cookie:better-auth.last_used_login_method": "email" } },
    answer({ json: {}, cookies: [SESSION, last("email")] }), answer({ json: {}, cookies: [SESSION, last("magic-link")] })),
  /^reference: cookie:better-auth\.last_used_login_method = "magic-link"/);
  caught(run({ expect: { "cookie:better-auth.last_used_login_method": ABSENT } },
    answer({ json: {}, cookies: [SESSION, last("email")] }), answer({ json: {}, cookies: [SESSION, last("email")] })),
  /^portcullis: cookie:better-auth\.last_used_login_method = "email"/);
});

test("cookies: names, deletions and every attribute but the value", () => {
  const other = (s) => answer({ json: {}, cookies: [s] });
  const mine = answer({ json: {}, cookies: [SESSION] });
  clean(run({}, mine, other(SESSION.replace("abc.sig", "zzz.sig"))));
  caught(run({}, mine, answer({ json: {} })), /cookie better-auth.session_token: only from portcullis/);
  caught(run({}, mine, other(SESSION.replace("604800", "86400"))), /cookie better-auth.session_token:/);
  caught(run({}, mine, other(SESSION.replace("; HttpOnly", ""))), /cookie better-auth.session_token:/);
  caught(run({}, mine, other(SESSION.replace("Lax", "Strict"))), /cookie better-auth.session_token:/);
  caught(run({}, mine, other(SESSION.replace("Path=/", "Path=/api"))), /cookie better-auth.session_token:/);
  caught(run({}, mine, other(SESSION.replace("Max-Age=604800; ", ""))), /cookie better-auth.session_token:/);
  caught(run({}, mine, other("better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax")), /cookie better-auth.session_token:/);
});

test("a declared answer difference must happen exactly as declared", () => {
  const d = { reason: "wire spec §2.1", answer: { portcullis: { status: 400, code: "VALIDATION_ERROR" }, reference: { status: 200, body: { status: true } } } };
  const res = run({ differences: [d] }, answer({ status: 400, json: { code: "VALIDATION_ERROR", message: "m" } }), answer({ json: { status: true } }));
  clean(res);
  assert.match(res.notes.join(), /documented difference \(wire spec §2.1\)/);
  // Portcullis now behaves like the reference: the declaration is stale and fails.
  caught(run({ differences: [d] }, answer({ json: { status: true } }), answer({ json: { status: true } })), /portcullis: status 200, declared 400/);
  caught(run({ differences: [d] }, answer({ status: 400, json: { code: "OTHER" } }), answer({ json: { status: true } })), /portcullis: code "OTHER"/);
});

test("declared keys, values and cookies differences must occur, and cover only themselves", () => {
  const keys = { reason: "README x", keys: ["extra"], onlyIn: "portcullis" };
  clean(run({ differences: [keys] }, answer({ json: { a: 1, extra: 2 } }), answer({ json: { a: 1 } })));
  caught(run({ differences: [keys] }, answer({ json: { a: 1 } }), answer({ json: { a: 1 } })), /extra should be present on portcullis/);
  caught(run({ differences: [keys] }, answer({ json: { a: 1, extra: 2 } }), answer({ json: { a: 1, extra: 2 } })), /extra should be absent on reference/);
  caught(run({ differences: [keys] }, answer({ json: { extra: 2 } }), answer({ json: { a: 1 } })), /^a: only on reference/);

  const values = { reason: "README y", values: { "0.token": { portcullis: /^h{43}$/, reference: /^r{32}$/ } } };
  clean(run({ differences: [values] }, answer({ json: [{ token: "h".repeat(43) }] }), answer({ json: [{ token: "r".repeat(32) }] })));
  caught(run({ differences: [values] }, answer({ json: [{ token: "r".repeat(32) }] }), answer({ json: [{ token: "r".repeat(32) }] })), /portcullis 0.token/);

  const cookies = { reason: "README z", cookies: ["better-auth.session_token"], onlyIn: "reference" };
  clean(run({ differences: [cookies] }, answer({ json: {} }), answer({ json: {}, cookies: [SESSION] })));
  caught(run({ differences: [cookies] }, answer({ json: {} }), answer({ json: {} })), /should be set by reference, is not/);
});

test("a declaration without a documented reason is refused; pending ones are reported", () => {
  assert.throws(() => run({ differences: [{ reason: "because", keys: ["a"], onlyIn: "portcullis" }] }, answer({ json: {} }), answer({ json: {} })), /needs a reason/);
  assert.throws(() => run({ differences: [{ reason: "README", keys: ["a"] }] }, answer({ json: {} }), answer({ json: {} })), /onlyIn/);
  const pending = { pending: "Portcullis should answer B like Better Auth", values: { code: { portcullis: "A", reference: "B" } } };
  const res = run({ differences: [pending] }, answer({ status: 422, json: { code: "A", message: "m" } }), answer({ status: 422, json: { code: "B", message: "m" } }));
  clean(res);
  assert.deepEqual(res.pending, ["Portcullis should answer B like Better Auth"]);
  caught(run({ differences: [pending] }, answer({ status: 422, json: { code: "B", message: "m" } }), answer({ status: 422, json: { code: "B", message: "m" } })), /portcullis code = "B"/);
});

test("profile rules: keys and cookies of plugins only one server runs, asserted everywhere", () => {
  const isUser = (o) => "email" in o;
  const profile = () => ({
    keys: [{ where: isUser, keys: ["role"], onlyIn: "reference", reason: "profile: admin" }],
    cookies: [
      { name: /_multi-/, onlyIn: "reference", reason: "profile: multiSession" },
      { name: "better-auth.session_data", onlyIn: "portcullis", setOnly: true, reason: "README cache" },
    ],
  });
  const p = answer({ json: { user: user() }, cookies: [SESSION, "better-auth.session_data=x; Max-Age=300; Path=/; HttpOnly; SameSite=Lax"] });
  const r = answer({ json: { user: user({ role: "user" }) }, cookies: [SESSION, "better-auth.session_token_multi-abc=v; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"] });
  clean(run({}, p, r, { profile: profile() }));
  caught(run({}, answer({ json: { user: user({ role: "x" }) } }), answer({ json: { user: user({ role: "user" }) } }), { profile: profile() }), /role should be absent on portcullis/);
  caught(run({}, answer({ json: { user: user() } }), answer({ json: { user: user() } }), { profile: profile() }), /role should be on reference/);
  caught(run({}, answer({ json: {}, cookies: ["better-auth.session_token_multi-q=v; Path=/"] }), answer({ json: {} }), { profile: profile() }), /portcullis sent better-auth.session_token_multi-q/);
  // A deletion of the cache cookie is compared like any cookie.
  const del = "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax";
  clean(run({}, answer({ json: {}, cookies: [del] }), answer({ json: {}, cookies: [del] }), { profile: profile() }));
  caught(run({}, answer({ json: {} }), answer({ json: {}, cookies: [del] }), { profile: profile() }), /cookie better-auth.session_data: only from reference/);
});

test("multi-session cookies: compared without their tokens, by count and attributes", () => {
  const multi = (token, rest = "Max-Age=604800; Path=/; HttpOnly; SameSite=Lax") =>
    `better-auth.session_token_multi-${token}=${token}.sig; ${rest}`;
  const gone = (token) => `better-auth.session_token_multi-${token}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`;
  clean(run({}, answer({ json: {}, cookies: [SESSION, multi("aaa1")] }), answer({ json: {}, cookies: [SESSION, multi("zzz9")] })));
  clean(run({}, answer({ json: {}, cookies: [gone("a"), gone("b"), multi("c")] }), answer({ json: {}, cookies: [multi("x"), gone("y"), gone("z")] })));
  caught(run({}, answer({ json: {}, cookies: [gone("a")] }), answer({ json: {}, cookies: [gone("y"), gone("z")] })), /cookie better-auth.session_token_multi-<token>/);
  caught(run({}, answer({ json: {}, cookies: [multi("a", "Max-Age=604800; Path=/; SameSite=Lax")] }), answer({ json: {}, cookies: [multi("b")] })), /HttpOnly/);
  caught(run({}, answer({ json: {}, cookies: [SESSION] }), answer({ json: {}, cookies: [SESSION, multi("b")] })), /only from reference/);
});

test("helpers: paths, types, normalising, line diff", () => {
  assert.deepEqual(expand({ a: [{ b: 1 }, { b: 2 }, {}] }, "a.*.b"), [["a.0.b", 1], ["a.1.b", 2]]);
  assert.equal(jsonType("2026-01-01T00:00:00.000Z"), "date");
  assert.equal(jsonType("2026-01-01T00:00:00Z"), "string");
  assert.deepEqual(normalise({ b: "x".repeat(32), a: "tok" }, { token: "tok" }), { a: "{{token}}", b: "<opaque:32>" });
  assert.equal(lineDiff("a\nb\nc", "a\nc\nd"), "  a\n- b\n  c\n+ d");
});
