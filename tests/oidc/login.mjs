// A browser at this provider (provider.mjs: node-oidc-provider's development login and consent
// pages), for the suites that go through it (tests/diff's `provider` steps, tests/js): it
// follows an authorization URL, logs in as `login`, consents, and answers where the provider
// sends the browser back (the callback with `code`, `state` and `iss`). Its cookies are the
// provider's own, one jar a call. No dependencies: Node's fetch.

const between = (s, start, end) => {
  const from = s.indexOf(start);
  if (from < 0) return undefined;
  const rest = s.slice(from + start.length);
  const to = rest.indexOf(end);
  return to < 0 ? undefined : rest.slice(0, to).replaceAll("&amp;", "&");
};

export async function throughProvider(url, login, issuerUrl) {
  const issuer = (issuerUrl || "").replace(/\/+$/, "");
  if (!issuer) throw new Error("no issuer: the suite's environment names the provider it started");
  const jar = new Map();
  const send = async (target, init = {}) => {
    const headers = new Headers(init.headers || {});
    if (jar.size > 0) headers.set("Cookie", [...jar].map(([n, v]) => `${n}=${v}`).join("; "));
    const res = await fetch(target, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    return res;
  };
  const absolute = (l) => (l.startsWith("/") ? `${issuer}${l}` : l);
  let next = url;
  for (let i = 0; i < 12; i++) {
    if (!next.startsWith(issuer)) return next;
    const res = await send(next);
    const location = res.headers.get("location");
    if (location) {
      next = absolute(location);
      continue;
    }
    const body = await res.text();
    if (res.status !== 200) throw new Error(`provider page ${next}: ${res.status} ${body.slice(0, 300)}`);
    const action = between(body, 'action="', '"');
    if (!action) throw new Error(`no form at ${next}: ${body.slice(0, 300)}`);
    const prompt = between(body, 'name="prompt" value="', '"') || "";
    const form = prompt === "login"
      ? { prompt, login, password: "any" }
      : { prompt };
    const posted = await send(absolute(action), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
    const to = posted.headers.get("location");
    if (!to) throw new Error(`no redirect after ${prompt}: ${posted.status}`);
    next = absolute(to);
  }
  throw new Error("too many redirects at the provider");
}
