// The front end's side, as a Pegasus-style app writes it (src/lib/auth-client.ts there): the
// official better-auth client talks to Portcullis, and calls to the app's own API carry the
// session. In a browser on the same site as Portcullis the cookie goes along by itself
// (`credentials: "include"`); a front on another site, or a mobile app, sends the session token
// from sign-in's `set-auth-token` header as a bearer token instead.

import { createAuthClient } from "better-auth/client";

/**
 * @param {object} opts
 * @param {string} opts.authUrl   Portcullis's URL
 * @param {string} opts.apiUrl    the app's backend (the Express app)
 * @param {typeof fetch} [opts.fetch] the fetch to use (a browser's, or one with a cookie jar)
 */
export function createFront({ authUrl, apiUrl, fetch: fetchImpl = fetch }) {
  let sessionToken = null;
  const authClient = createAuthClient({
    baseURL: authUrl,
    fetchOptions: {
      customFetchImpl: fetchImpl,
      // The bearer plugin hands the session token over in this header.
      onSuccess: (ctx) => {
        const token = ctx.response.headers.get("set-auth-token");
        if (token) sessionToken = token;
      },
    },
  });

  /** Calls the app's API with the session cookie, or with the bearer token when asked to. */
  async function api(path, { bearer = false, ...init } = {}) {
    const headers = new Headers(init.headers || {});
    if (bearer && sessionToken) headers.set("Authorization", `Bearer ${sessionToken}`);
    return fetchImpl(new URL(path, apiUrl), { credentials: "include", ...init, headers });
  }

  return { authClient, api, sessionToken: () => sessionToken };
}
