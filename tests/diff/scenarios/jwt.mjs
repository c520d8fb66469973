// The jwt plugin (Portcullis: ENABLE_JWT=true; the reference: jwt() in both profiles): the key
// set, a token for the session, the set-auth-jwt header of get-session, and the answer without
// a session. Tokens differ by value (keys, times, ids), so each side's token is checked for
// Better Auth's structure: header {alg, kid}, claims iat … sub, exp, iss, aud, a 15-minute life.

function decodePart(part) {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

/** Better Auth's token structure, checked on each side's own token. */
function isBetterAuthJwt(token) {
  if (typeof token !== "string") return false;
  const [h, p, s] = token.split(".");
  if (!h || !p || !s) return false;
  const header = decodePart(h);
  const claims = decodePart(p);
  const names = Object.keys(claims);
  return (
    JSON.stringify(Object.keys(header)) === JSON.stringify(["alg", "kid"]) &&
    header.alg === "EdDSA" &&
    names[0] === "iat" &&
    JSON.stringify(names.slice(-4)) === JSON.stringify(["sub", "exp", "iss", "aud"]) &&
    claims.exp - claims.iat === 900 &&
    claims.sub === claims.id &&
    typeof claims.email === "string" &&
    claims.iss === claims.aud
  );
}

export default {
  name: "jwt",
  vars: ({ run }) => ({ email: `jwt-${run}@example.com`, password: `Pw-${run}-jwt` }),
  steps: [
    {
      name: "no session: no token",
      cookies: false,
      path: "/token",
      method: "GET",
      status: 401,
    },
    {
      name: "sign up",
      path: "/sign-up/email",
      body: { name: "Jwt User", email: "{{email}}", password: "{{password}}" },
      status: 200,
      values: ["user.email"],
    },
    {
      name: "a token for the session",
      path: "/token",
      method: "GET",
      status: 200,
      expect: { token: isBetterAuthJwt },
    },
    {
      name: "get-session carries a token in set-auth-jwt",
      path: "/get-session",
      status: 200,
      values: ["user.email"],
      compareHeaders: ["set-auth-jwt", "set-auth-token", "location"],
      capture: { headerJwt: "header:set-auth-jwt" },
    },
    {
      name: "get-session without a session carries none",
      cookies: false,
      path: "/get-session",
      status: 200,
      compareHeaders: ["set-auth-jwt"],
    },
    {
      name: "the key set: Ed25519 public keys with their kid",
      cookies: false,
      path: "/jwks",
      status: 200,
      values: ["keys.*.alg", "keys.*.crv", "keys.*.kty"],
      expect: { "keys.0": (k) => k.d === undefined && typeof k.kid === "string" && typeof k.x === "string" },
    },
  ],
};
