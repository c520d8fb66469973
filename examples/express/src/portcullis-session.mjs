// Express middleware that trusts Portcullis sessions: it forwards the request's session cookie
// (or its `Authorization: Bearer <session token>`) to Portcullis's get-session and puts the
// answer on `req.user` / `req.session`. No session → 401; the auth server unreachable → 503.
//
// Answers are cached for `cacheSeconds` (default 5, at most 60): a signed-out or revoked session
// is refused at most that long after. Only the auth server's own cookies (`<cookiePrefix>.*`) are
// forwarded, never the app's other cookies.

import { createHash } from "node:crypto";

const MAX_CACHE_SECONDS = 60;

/** The request's Portcullis cookies, as one Cookie header (or null). */
function authCookies(header, prefix) {
  if (!header) return null;
  const kept = header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => {
      const name = part.slice(0, Math.max(part.indexOf("="), 0));
      const bare = name.replace(/^__(Secure|Host)-/, "");
      return bare.startsWith(`${prefix}.`);
    });
  return kept.length ? kept.join("; ") : null;
}

function rolesOf(user) {
  const role = user?.role;
  if (Array.isArray(role)) return role.filter((r) => typeof r === "string");
  if (typeof role !== "string") return [];
  return role
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
}

/**
 * @param {object} opts
 * @param {string} opts.authUrl      the Portcullis server's BETTER_AUTH_URL
 * @param {string} [opts.basePath]   its API path (default /api/auth)
 * @param {number} [opts.cacheSeconds] how long an answer is reused (0–60, default 5)
 * @param {number} [opts.cacheSize]  most answers kept (default 4096)
 * @param {string} [opts.cookiePrefix] the server's COOKIE_PREFIX (default better-auth)
 * @param {number} [opts.timeoutMs]  per call to the auth server (default 5000)
 * @param {() => number} [opts.now]  the cache's clock in ms (tests move it)
 */
export function portcullisSessions(opts) {
  const cacheMs = (opts.cacheSeconds ?? 5) * 1000;
  if (!(cacheMs >= 0 && cacheMs <= MAX_CACHE_SECONDS * 1000)) {
    throw new Error(`cacheSeconds must be between 0 and ${MAX_CACHE_SECONDS}`);
  }
  const getSessionUrl = new URL(
    `${opts.authUrl.replace(/\/+$/, "")}${opts.basePath ?? "/api/auth"}/get-session`,
  );
  // The signed cookie cache would answer without the database and miss a revocation.
  getSessionUrl.searchParams.set("disableCookieCache", "true");
  const prefix = opts.cookiePrefix ?? "better-auth";
  const cacheSize = opts.cacheSize ?? 4096;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const now = opts.now ?? Date.now;
  const cache = new Map(); // fingerprint → {until, user, session}; insertion order = LRU order

  async function lookUp(headers) {
    const fingerprint = createHash("sha256").update(JSON.stringify(headers)).digest("hex");
    const hit = cache.get(fingerprint);
    if (hit && hit.until > now()) {
      cache.delete(fingerprint);
      cache.set(fingerprint, hit);
      return hit;
    }
    cache.delete(fingerprint);
    const response = await fetch(getSessionUrl, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 401 || response.status === 403) return null;
    if (!response.ok) throw new Error(`get-session answered ${response.status}`);
    const body = await response.json();
    if (!body || typeof body.user?.id !== "string") return null;
    const entry = { until: now() + cacheMs, user: body.user, session: body.session };
    if (cacheMs > 0) {
      cache.set(fingerprint, entry);
      while (cache.size > cacheSize) cache.delete(cache.keys().next().value);
    }
    return entry;
  }

  /** Sets req.user / req.session / req.roles, or answers 401 (503 if Portcullis is down). */
  async function requireSession(req, res, next) {
    const headers = {};
    const authorization = req.get("authorization");
    if (authorization) {
      const [scheme, token] = authorization.split(/\s+/, 2);
      if (scheme.toLowerCase() !== "bearer" || !token) {
        return res.status(401).json({ error: "expected Authorization: Bearer <session token>" });
      }
      headers.authorization = `Bearer ${token}`;
    } else {
      const cookie = authCookies(req.get("cookie"), prefix);
      if (!cookie) return res.status(401).json({ error: "not signed in" });
      headers.cookie = cookie;
    }
    let found;
    try {
      found = await lookUp(headers);
    } catch {
      return res.status(503).json({ error: "the auth server could not be reached" });
    }
    if (!found) return res.status(401).json({ error: "no session" });
    req.user = found.user;
    req.session = found.session;
    req.roles = rolesOf(found.user);
    return next();
  }

  /** requireSession, then 403 unless the user holds one of `roles` (the `role` field). */
  function requireRole(...roles) {
    return (req, res, next) =>
      requireSession(req, res, () => {
        if (!req.roles.some((r) => roles.includes(r))) {
          return res.status(403).json({ error: "missing role" });
        }
        return next();
      });
  }

  return { requireSession, requireRole };
}
