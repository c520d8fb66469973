// One side of a differential run: a server origin, its cookie jars (one per simulated device)
// and the values captured from its answers. Requests go out as a same-origin browser page sends
// them (Origin on non-GET requests, Sec-Fetch-Site: same-origin), with redirects not followed.

/** Parse one Set-Cookie line into {name, value, attrs: {lower-case name → value | true}, raw}. */
export function parseSetCookie(line) {
  const [pair, ...rest] = line.split(";");
  const eq = pair.indexOf("=");
  const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
  const value = eq < 0 ? "" : pair.slice(eq + 1).trim();
  const attrs = {};
  for (const part of rest) {
    const i = part.indexOf("=");
    const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    if (!key) continue;
    attrs[key] = i < 0 ? true : part.slice(i + 1).trim();
  }
  return { name, value, attrs, raw: line };
}

/** A Set-Cookie that removes the cookie (Max-Age ≤ 0 or an Expires in the past). */
export function isDeletion(cookie) {
  if (cookie.attrs["max-age"] !== undefined && Number(cookie.attrs["max-age"]) <= 0) return true;
  if (typeof cookie.attrs.expires === "string" && Date.parse(cookie.attrs.expires) <= Date.now()) {
    return true;
  }
  return false;
}

export class Side {
  /**
   * @param {"portcullis"|"reference"} label
   * @param {string} origin  e.g. http://127.0.0.1:4100 (the API is under /api/auth)
   * @param {object} opts    {dropCookie(name) → true for cookies this side's jars must not keep}
   */
  constructor(label, origin, opts = {}) {
    this.label = label;
    this.origin = origin.replace(/\/+$/, "");
    this.base = `${this.origin}/api/auth`;
    this.dropCookie = opts.dropCookie || (() => false);
    this.jars = new Map(); // device name → Map(cookie name → raw value)
    this.vars = {}; // captured values, by name
  }

  jar(device) {
    if (!this.jars.has(device)) this.jars.set(device, new Map());
    return this.jars.get(device);
  }

  /** Sends one request; returns {status, headers, contentType, text, json, setCookies}. */
  async send({ method, path, query, headers = {}, body, device, cookies = true, origin = true }) {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query || {})) url.searchParams.set(k, String(v));
    const h = new Headers();
    h.set("Sec-Fetch-Site", "same-origin");
    if (origin && method !== "GET" && method !== "HEAD") h.set("Origin", this.origin);
    const jar = this.jar(device);
    if (cookies && jar.size > 0) h.set("Cookie", [...jar].map(([n, v]) => `${n}=${v}`).join("; "));
    let payload;
    if (body !== undefined) {
      if (typeof body === "string") {
        payload = body;
      } else {
        payload = JSON.stringify(body);
        h.set("Content-Type", "application/json");
      }
    }
    for (const [k, v] of Object.entries(headers)) {
      if (v === null || v === undefined) h.delete(k);
      else h.set(k, String(v));
    }
    const started = Date.now();
    const res = await fetch(url, {
      method,
      headers: h,
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(15000),
    });
    const text = await res.text();
    const setCookies = res.headers.getSetCookie().map(parseSetCookie);
    if (cookies) {
      for (const c of setCookies) {
        if (this.dropCookie(c.name)) continue;
        if (isDeletion(c)) jar.delete(c.name);
        else jar.set(c.name, c.value);
      }
    }
    const contentType = res.headers.get("content-type");
    let json;
    let isJson = false;
    if (text.length > 0 && (!contentType || /json/i.test(contentType))) {
      try {
        json = JSON.parse(text);
        isJson = true;
      } catch {
        isJson = false;
      }
    }
    return {
      url: url.pathname + url.search,
      method,
      status: res.status,
      headers: res.headers,
      contentType,
      text,
      isJson,
      json,
      setCookies,
      ms: Date.now() - started,
    };
  }
}
