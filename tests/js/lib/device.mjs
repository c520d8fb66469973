// A simulated browser or app for the official client: its own cookie jar, the headers a
// same-origin page sends, and a log of every response. Shared by the suites in tests/js.

import { createAuthClient } from "better-auth/client";

const BASE = (process.env.AUTH_BASE_URL || "").replace(/\/+$/, "");

/** Parse one Set-Cookie header line into {name, value, attrs:{lower-case name → value|true}}. */
export function parseSetCookie(line) {
  const [pair, ...rest] = line.split(";");
  const eq = pair.indexOf("=");
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const attrs = {};
  for (const part of rest) {
    const i = part.indexOf("=");
    const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    if (!key) continue;
    attrs[key] = i < 0 ? true : part.slice(i + 1).trim();
  }
  return { name, value, attrs, raw: line };
}

export function isDeletion(cookie) {
  if (cookie.attrs["max-age"] !== undefined && Number(cookie.attrs["max-age"]) <= 0) return true;
  if (typeof cookie.attrs.expires === "string" && Date.parse(cookie.attrs.expires) <= Date.now()) {
    return true;
  }
  return false;
}

/**
 * A simulated device: one client instance with its own cookie jar and a log of every response.
 * opts.cookies=false → keep no cookies (pure bearer / mobile-style client);
 * opts.origin=false  → send no Origin header;
 * opts.fetchOptions  → merged into the client's fetchOptions (e.g. {auth:{type:"Bearer",token}});
 * opts.plugins       → client plugins (emailOTPClient(), magicLinkClient(), ...).
 */
export function device(opts = {}) {
  const useCookies = opts.cookies !== false;
  const sendOrigin = opts.origin !== false;
  const jar = new Map(); // name → raw (still URL-encoded) value
  const log = []; // {method, path, status, headers, setCookies:[parsed]}

  async function customFetchImpl(input, init = {}) {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const method = (init.method || "GET").toUpperCase();
    const headers = new Headers(init.headers || {});
    if (sendOrigin && method !== "GET" && method !== "HEAD") headers.set("Origin", BASE);
    headers.set("Sec-Fetch-Site", "same-origin");
    if (useCookies && jar.size > 0) {
      headers.set("Cookie", [...jar].map(([n, v]) => `${n}=${v}`).join("; "));
    }
    // No auth endpoint exercised here answers with a redirect; "manual" makes any 3xx visible to
    // the test instead of being followed without the jar.
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    const setCookies = response.headers.getSetCookie().map(parseSetCookie);
    if (useCookies) {
      for (const c of setCookies) {
        if (isDeletion(c)) jar.delete(c.name);
        else jar.set(c.name, c.value);
      }
    }
    log.push({
      method,
      path: url.pathname.replace(/^\/api\/auth/, ""),
      status: response.status,
      headers: response.headers,
      setCookies,
    });
    return response;
  }

  const client = createAuthClient({
    baseURL: BASE,
    fetchOptions: { customFetchImpl, ...(opts.fetchOptions || {}) },
    plugins: opts.plugins || [],
  });

  return {
    client,
    jar,
    log,
    /** The newest logged response for `path` (relative to /api/auth). */
    last(path) {
      for (let i = log.length - 1; i >= 0; i--) if (log[i].path === path) return log[i];
      throw new Error(`no response logged for ${path}; saw ${log.map((l) => l.path).join(", ")}`);
    },
    cookie(name) {
      return jar.get(name);
    },
    /** `path` (under /api/auth) fetched with this device's cookies, for answers that are not
     * JSON (a CSV export): the Response itself. */
    fetchRaw(path, init = {}) {
      return customFetchImpl(`${BASE}/api/auth${path}`, init);
    },
  };
}

