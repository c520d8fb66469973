#!/usr/bin/env python3
"""Seeding and request files for bench/run.sh.

  seed.py signup  --base URL --origin ORIGIN --count N --prefix P --out users.json
      Signs N users up over HTTP (a few at a time) and keeps, for each, the session cookie and
      the bearer token (`set-auth-token`). Fails unless every sign-up answers 200 with both.
  seed.py cookie-cache --base URL --users users.json --out users-cc.json
      Asks get-session once per user and adds the signed cookie cache (`session_data`) it sets.
  seed.py reqs    --users users.json --origin ORIGIN --dir DIR
      Writes the request files (bench/lib/wrk.lua's format) of every workload for one server.
  seed.py floor   --count N --dir DIR
      Writes the floor's request files (its tokens are known: see bench/floor/src/main.rs).
  seed.py revocation --base URL --origin ORIGIN
      Signs a fresh user up, reads its session (so that any cache holds it), signs out, then
      replays the old cookies: prints "honoured" when get-session answers null, "not honoured"
      when the revoked session is still served (the signed cookie cache does this by design until
      it expires).
  seed.py scale-reqs --origin ORIGIN --upto N --count K --dir DIR   (env BENCH_SECRET)
      Request files for the scale rows: get-session, sign-in and the admin console's user search
      and keyset page for K users drawn at random from the first N bulk-seeded ones (bench/lib/scale.sql: user i has email scale-i@bench.test and
      session token "scale" + i zero-padded to 27 digits; the cookie is signed here with the
      server's secret, as Better Auth signs it).
  seed.py probe   --base URL --reqs FILE [--expect STATUS] [--has TEXT] [--limit K]
      Sends the first K requests of a file and fails, showing the answer, unless each has the
      expected status and body text. Runs before a workload, so a misconfigured one fails with
      a readable message instead of a table full of errors.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import random
import secrets
import sys
import urllib.parse

PASSWORD = "correct horse battery staple"
WRONG = "wrong horse battery staple"
TOKEN_COOKIE = "better-auth.session_token"
DATA_COOKIE = "better-auth.session_data"


def request(base, method, path, headers=None, body=None, timeout=60):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def set_cookies(headers):
    """name -> value of each Set-Cookie that sets a non-empty value."""
    out = {}
    for k, v in headers:
        if k.lower() == "set-cookie":
            pair = v.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value and "max-age=0" not in v.lower():
                out[name.strip()] = value
    return out


def header(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def die(msg):
    print(f"seed.py: {msg}", file=sys.stderr)
    sys.exit(1)


def cmd_signup(a):
    def one(i):
        email = f"{a.prefix}-{i}@bench.test"
        body = json.dumps({"name": f"Bench User {i}", "email": email, "password": PASSWORD})
        status, headers, text = request(
            a.base, "POST", "/api/auth/sign-up/email",
            {"Content-Type": "application/json", "Origin": a.origin}, body)
        cookies = set_cookies(headers)
        bearer = header(headers, "set-auth-token")
        if status != 200 or TOKEN_COOKIE not in cookies or not bearer:
            die(f"sign-up of {email} at {a.base}: {status} {text[:300]} (cookies: {list(cookies)}, "
                f"set-auth-token: {bool(bearer)})")
        return {"email": email, "password": PASSWORD,
                "cookie": f"{TOKEN_COOKIE}={cookies[TOKEN_COOKIE]}", "bearer": bearer}

    with concurrent.futures.ThreadPoolExecutor(a.parallel) as pool:
        users = list(pool.map(one, range(a.count)))
    # the first user's cookie must give that user's session back
    status, _, text = request(a.base, "GET", "/api/auth/get-session", {"Cookie": users[0]["cookie"]})
    if status != 200 or users[0]["email"] not in text:
        die(f"get-session after sign-up at {a.base}: {status} {text[:300]}")
    with open(a.out, "w") as f:
        json.dump(users, f)


def cmd_cookie_cache(a):
    users = json.load(open(a.users))

    def one(u):
        status, headers, text = request(a.base, "GET", "/api/auth/get-session", {"Cookie": u["cookie"]})
        cookies = set_cookies(headers)
        if status != 200 or u["email"] not in text or DATA_COOKIE not in cookies:
            die(f"get-session at {a.base} did not set {DATA_COOKIE}: {status} {text[:200]} "
                f"(cookies: {list(cookies)})")
        return dict(u, cookie_cache=f"{u['cookie']}; {DATA_COOKIE}={cookies[DATA_COOKIE]}")

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        out = list(pool.map(one, users))
    with open(a.out, "w") as f:
        json.dump(out, f)


def cmd_api_keys(a):
    """One API key per user, made by the user (its session cookie), for the API-key rows."""
    users = json.load(open(a.users))

    def one(u):
        status, _, text = request(
            a.base, "POST", "/api/auth/api-key/create",
            {"Content-Type": "application/json", "Origin": a.origin, "Cookie": u["cookie"]},
            json.dumps({"name": "bench"}))
        if status != 200:
            die(f"api-key/create at {a.base}: {status} {text[:300]}")
        return dict(u, api_key=json.loads(text)["key"])

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        out = list(pool.map(one, users))
    status, _, text = request(a.base, "GET", "/api/auth/get-session", {"x-api-key": out[0]["api_key"]})
    if status != 200 or out[0]["email"] not in text:
        die(f"get-session with an API key at {a.base}: {status} {text[:300]}")
    with open(a.out, "w") as f:
        json.dump(out, f)


def cmd_revocation(a):
    email = f"revoke-{secrets.token_hex(6)}@bench.test"
    body = json.dumps({"name": "Revoked", "email": email, "password": PASSWORD})
    js = {"Content-Type": "application/json", "Origin": a.origin}
    status, headers, text = request(a.base, "POST", "/api/auth/sign-up/email", js, body)
    if status != 200:
        die(f"revocation check: sign-up at {a.base}: {status} {text[:200]}")
    cookies = set_cookies(headers)
    for _ in range(2):  # the first read fills the cache, the second is served by it
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        status, headers, text = request(a.base, "GET", "/api/auth/get-session", {"Cookie": cookie})
        if status != 200 or email not in text:
            die(f"revocation check: get-session at {a.base}: {status} {text[:200]}")
        cookies.update(set_cookies(headers))
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, _, text = request(a.base, "POST", "/api/auth/sign-out", dict(js, Cookie=cookie), "{}")
    if status != 200:
        die(f"revocation check: sign-out at {a.base}: {status} {text[:200]}")
    status, _, text = request(a.base, "GET", "/api/auth/get-session", {"Cookie": cookie})
    if status == 200 and text.strip() == "null":
        print("honoured")
    elif status == 200 and email in text:
        print("not honoured")
    else:
        die(f"revocation check: get-session after sign-out at {a.base}: {status} {text[:200]}")


def line(method, path, body="", headers=()):
    for part in (path, body, *headers):
        if "\t" in part or "\n" in part:
            die(f"tab or newline in a request field: {part!r}")
    return "\t".join([method, path, body, *headers]) + "\n"


def write(path, lines):
    with open(path, "w") as f:
        f.writelines(lines)


def cmd_reqs(a):
    users = json.load(open(a.users))
    d, o = a.dir, a.origin
    js = "Content-Type: application/json"
    write(f"{d}/ok.reqs", [line("GET", "/api/auth/ok")])
    write(f"{d}/get-session.reqs",
          [line("GET", "/api/auth/get-session", "", [f"Cookie: {u['cookie']}"]) for u in users])
    if all("cookie_cache" in u for u in users):
        write(f"{d}/get-session-cookie-cache.reqs",
              [line("GET", "/api/auth/get-session", "", [f"Cookie: {u['cookie_cache']}"]) for u in users])
    write(f"{d}/get-session-bearer.reqs",
          [line("GET", "/api/auth/get-session", "", [f"Authorization: Bearer {u['bearer']}"]) for u in users])
    write(f"{d}/token.reqs",
          [line("GET", "/api/auth/token", "", [f"Cookie: {u['cookie']}"]) for u in users])
    if all("api_key" in u for u in users):
        write(f"{d}/get-session-api-key.reqs",
              [line("GET", "/api/auth/get-session", "", [f"x-api-key: {u['api_key']}"]) for u in users])
    write(f"{d}/list-sessions.reqs",
          [line("GET", "/api/auth/list-sessions", "", [f"Cookie: {u['cookie']}"]) for u in users])
    write(f"{d}/update-user.reqs",
          [line("POST", "/api/auth/update-user", json.dumps({"name": f"Bench User {i} updated"}),
                [f"Cookie: {u['cookie']}", f"Origin: {o}", js]) for i, u in enumerate(users)])
    write(f"{d}/sign-in.reqs",
          [line("POST", "/api/auth/sign-in/email", json.dumps({"email": u["email"], "password": PASSWORD}),
                [f"Origin: {o}", js]) for u in users])
    write(f"{d}/sign-in-wrong.reqs",
          [line("POST", "/api/auth/sign-in/email", json.dumps({"email": u["email"], "password": WRONG}),
                [f"Origin: {o}", js]) for u in users])
    write(f"{d}/sign-up.reqs",
          [line("POST", "/api/auth/sign-up/email",
                json.dumps({"name": "Bench Newcomer", "email": "new-{n}@bench.test", "password": PASSWORD}),
                [f"Origin: {o}", js])])


def cmd_floor(a):
    write(f"{a.dir}/ok.reqs", [line("GET", "/ok")])
    # bench/floor/src/main.rs: token(i) = "floor" + i zero-padded to 27 digits
    write(f"{a.dir}/get-session.reqs",
          [line("GET", "/session", "", [f"Cookie: {TOKEN_COOKIE}=floor{i:027d}.signature"])
           for i in range(a.count)])


def signed_cookie_value(secret, token):
    """Better Auth's signed cookie value: encodeURIComponent(token + "." + base64(HMAC-SHA256))."""
    sig = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()
    return urllib.parse.quote(f"{token}.{sig}", safe="-_.!~*'()")


def cmd_scale_reqs(a):
    secret = os.environ.get("BENCH_SECRET") or die("BENCH_SECRET is not set")
    rng = random.Random(a.upto)
    picks = [rng.randint(1, a.upto) for _ in range(a.count)]
    js = "Content-Type: application/json"
    write(f"{a.dir}/get-session.reqs",
          [line("GET", "/api/auth/get-session", "",
                [f"Cookie: {TOKEN_COOKIE}={signed_cookie_value(secret, f'scale{i:027d}')}"]) for i in picks])
    write(f"{a.dir}/sign-in.reqs",
          [line("POST", "/api/auth/sign-in/email",
                json.dumps({"email": f"scale-{i}@bench.test", "password": PASSWORD}),
                [f"Origin: {a.origin}", js]) for i in picks])
    # The admin console's users page, as user 1 (made an administrator by bench/run.sh): a search
    # by the start of an address, and the page of 25 from a user's address on (keyset; the
    # cursor is the address without its domain, so the page is never empty).
    admin = [f"Cookie: {TOKEN_COOKIE}={signed_cookie_value(secret, f'scale{1:027d}')}"]
    write(f"{a.dir}/console-search.reqs",
          [line("GET", f"/api/auth/admin/console/users?search=scale-{i}&limit=25", "", admin)
           for i in picks])
    write(f"{a.dir}/console-page.reqs",
          [line("GET", "/api/auth/admin/console/users?limit=25&cursor="
                + urllib.parse.quote(f"scale-{i}"), "", admin)
           for i in picks])


def cmd_probe(a):
    with open(a.reqs) as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    for ln in lines[: a.limit]:
        method, path, body, *hs = ln.split("\t")
        body = body.replace("{n}", "probe-" + secrets.token_hex(4))
        headers = dict(h.split(": ", 1) for h in hs)
        status, _, text = request(a.base, method, path, headers, body or None)
        if status != a.expect or (a.has and a.has not in text):
            die(f"probe {method} {a.base}{path} ({a.reqs}): expected {a.expect}"
                f"{' with ' + repr(a.has) if a.has else ''}, got {status}: {text[:300]}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("signup")
    s.add_argument("--base", required=True)
    s.add_argument("--origin", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--parallel", type=int, default=4)
    s = sub.add_parser("cookie-cache")
    s.add_argument("--base", required=True)
    s.add_argument("--users", required=True)
    s.add_argument("--out", required=True)
    s = sub.add_parser("api-keys")
    s.add_argument("--base", required=True)
    s.add_argument("--origin", required=True)
    s.add_argument("--users", required=True)
    s.add_argument("--out", required=True)
    s = sub.add_parser("reqs")
    s.add_argument("--users", required=True)
    s.add_argument("--origin", required=True)
    s.add_argument("--dir", required=True)
    s = sub.add_parser("floor")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--dir", required=True)
    s = sub.add_parser("revocation")
    s.add_argument("--base", required=True)
    s.add_argument("--origin", required=True)
    s = sub.add_parser("scale-reqs")
    s.add_argument("--origin", required=True)
    s.add_argument("--upto", type=int, required=True)
    s.add_argument("--count", type=int, default=100)
    s.add_argument("--dir", required=True)
    s = sub.add_parser("probe")
    s.add_argument("--base", required=True)
    s.add_argument("--reqs", required=True)
    s.add_argument("--expect", type=int, default=200)
    s.add_argument("--has", default="")
    s.add_argument("--limit", type=int, default=2)
    a = p.parse_args()
    {"signup": cmd_signup, "cookie-cache": cmd_cookie_cache, "api-keys": cmd_api_keys, "reqs": cmd_reqs,
     "floor": cmd_floor, "revocation": cmd_revocation, "scale-reqs": cmd_scale_reqs,
     "probe": cmd_probe}[a.cmd](a)


if __name__ == "__main__":
    main()
