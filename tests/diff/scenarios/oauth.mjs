// Social sign-in and account linking: the authorization answer ({url, redirect}, Location, the
// signed better-auth.state cookie) for GitHub, Google and the generic "local-oidc" (the
// reference's full profile; scripts/test-diff gives Portcullis the same three), the callback's
// error redirects and the account endpoints' errors; then the whole dance through a real OpenID
// provider (tests/oidc, which scripts/test-diff starts and points both servers' "local-oidc"
// at: DIFF_OIDC_ISSUER): sign-up and sign-in by the callback, the session and account it
// makes, its tokens, and linking it to a user who signed up by e-mail.
import { ABSENT, PRESENT } from "../lib/compare.mjs";

const STATE_COOKIE = "better-auth.state";
const ISSUER = (process.env.DIFF_OIDC_ISSUER || "").replace(/\/+$/, "");
const nonceReason = 'README "Differences from Better Auth, on purpose": OAuth (every OpenID provider gets a nonce)';


/** Sign-in (or link) at "local-oidc", through the provider as `login`, then the callback. */
function danceSteps({ label, device, start, login, status = 302 }) {
  return [
    { ...start, name: `${label}: the authorization URL`, device, status: 200, capture: { authUrl: "url" } },
    { name: `${label}: log in and consent at the provider`, provider: { url: "{{authUrl}}", login, capture: "callback" } },
    { name: `${label}: the callback`, device, method: "GET", path: "{{callback}}", status },
  ];
}

const danceAndLink = [
  ...danceSteps({
    label: "a new user signs up through the provider",
    device: "dancer",
    login: "{{dancer}}",
    start: { path: "/sign-in/social", body: { provider: "local-oidc", callbackURL: "/dashboard", newUserCallbackURL: "/welcome" } },
  }),
  {
    name: "the session the callback made",
    device: "dancer",
    method: "GET",
    path: "/get-session",
    status: 200,
    values: ["user.email", "user.name", "user.emailVerified", "user.image"],
  },
  {
    name: "the account it made",
    device: "dancer",
    method: "GET",
    path: "/list-accounts",
    status: 200,
    values: ["0.providerId", "0.accountId", "0.scopes"],
    capture: { oauthAccountId: "0.id" },
  },
  {
    name: "its access token",
    device: "dancer",
    path: "/get-access-token",
    body: { accountId: "{{oauthAccountId}}" },
    status: 200,
    values: ["scopes"],
  },
  {
    name: "a token for the account in the account cookie (none is kept)",
    device: "dancer",
    path: "/get-access-token",
    body: { useAccountCookie: true },
    status: 400,
  },
  {
    name: "the provider's profile",
    device: "dancer",
    method: "GET",
    path: "/account-info",
    query: { accountId: "{{oauthAccountId}}" },
    status: 200,
    values: ["user.email", "user.name", "user.emailVerified", "data.id", "data.aud"],
  },
  {
    name: "refresh its tokens",
    device: "dancer",
    path: "/refresh-token",
    body: { accountId: "{{oauthAccountId}}" },
    status: 200,
  },
  {
    name: "unlink the only account",
    device: "dancer",
    path: "/unlink-account",
    body: { accountId: "{{oauthAccountId}}" },
    status: 400,
    expect: { code: "FAILED_TO_UNLINK_LAST_ACCOUNT" },
  },
  {
    name: "sign out: the provider's logout too (RP-initiated), by redirect",
    device: "dancer",
    path: "/sign-out",
    body: {},
    status: 200,
    values: ["success", "redirect"],
    expect: {
      url: (u) => u.startsWith(`${ISSUER}/session/end?`) && new URL(u).searchParams.has("id_token_hint"),
    },
  },
  ...danceSteps({
    label: "the same person signs in again",
    device: "dancer",
    login: "{{dancer}}",
    start: { path: "/sign-in/social", body: { provider: "local-oidc", callbackURL: "/dashboard", newUserCallbackURL: "/welcome" } },
  }),
  {
    name: "signed in as the same user",
    device: "dancer",
    method: "GET",
    path: "/get-session",
    status: 200,
    values: ["user.email"],
  },
  {
    name: "sign out with a callbackURL and state, without redirecting",
    device: "dancer",
    path: "/sign-out",
    body: { callbackURL: "/signed-out", disableRedirect: true, state: "bye-1" },
    status: 200,
    values: ["success", "redirect"],
    expect: {
      url: (u) => {
        const q = new URL(u).searchParams;
        return u.startsWith(`${ISSUER}/session/end?`) && q.has("id_token_hint") && q.get("client_id") === "ref-client" &&
          q.get("state") === "bye-1" && /\/signed-out$/.test(q.get("post_logout_redirect_uri"));
      },
    },
  },
  {
    name: "someone signs up by e-mail",
    device: "linker",
    path: "/sign-up/email",
    body: { name: "Linker", email: "{{linker}}", password: "{{password}}" },
    status: 200,
  },
  ...danceSteps({
    label: "they link the provider",
    device: "linker",
    login: "{{linker}}",
    start: { path: "/link-social", body: { provider: "local-oidc", callbackURL: "/linked" } },
  }),
  {
    name: "two accounts now",
    device: "linker",
    method: "GET",
    path: "/list-accounts",
    status: 200,
    expect: { "": (list) => list.length === 2, "1.providerId": "local-oidc" },
    capture: { linkedId: "1.id" },
  },
  {
    name: "unlink the provider",
    device: "linker",
    path: "/unlink-account",
    body: { accountId: "{{linkedId}}" },
    status: 200,
    values: ["status"],
  },
];

export default {
  name: "oauth",
  vars: ({ run }) => ({
    email: `oauth-${run}@example.com`,
    password: `Pw-${run}-oauth`,
    dancer: `dance-${run}@example.com`,
    linker: `link-${run}@example.com`,
  }),
  steps: [
    {
      name: "sign in with GitHub: the authorization URL, Location, and the state cookie",
      device: "browser",
      path: "/sign-in/social",
      body: { provider: "github", callbackURL: "/dashboard" },
      status: 200,
      values: ["redirect"],
      expect: {
        url: /^https:\/\/github\.com\/login\/oauth\/authorize\?/,
        redirect: true,
        [`cookie:${STATE_COOKIE}`]: /^[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]{44,}$/,
      },
    },
    {
      name: "GitHub's URL carries client, state, scopes, redirect URI and PKCE S256",
      device: "browser",
      path: "/sign-in/social",
      body: { provider: "github" },
      status: 200,
      expect: {
        url: (u) => {
          const q = new URL(u).searchParams;
          return q.get("client_id") === "ref-github-client" && q.get("response_type") === "code" &&
            q.get("state")?.length === 32 && q.get("scope") === "read:user user:email" &&
            /\/api\/auth\/callback\/github$/.test(q.get("redirect_uri")) &&
            q.get("code_challenge_method") === "S256" && q.get("code_challenge")?.length === 43;
        },
      },
    },
    {
      name: "Google with disableRedirect, more scopes and a login hint: no Location",
      device: "browser",
      path: "/sign-in/social",
      body: { provider: "google", disableRedirect: true, scopes: ["x"], loginHint: "a@b.c" },
      status: 200,
      values: ["redirect"],
      expect: {
        redirect: false,
        url: (u) => {
          const q = new URL(u).searchParams;
          return u.startsWith("https://accounts.google.com/o/oauth2/v2/auth?") &&
            q.get("login_hint") === "a@b.c" && q.get("include_granted_scopes") === "true" &&
            ["email", "profile", "openid", "x"].every((s) => q.get("scope").split(" ").includes(s));
        },
      },
      differences: [{
        reason: nonceReason,
        values: {
          url: {
            portcullis: (u) => new URL(u).searchParams.get("nonce")?.length === 32,
            reference: (u) => !new URL(u).searchParams.has("nonce"),
          },
        },
      }],
    },
    {
      name: "the generic provider goes through /sign-in/social too",
      device: "browser",
      path: "/sign-in/social",
      body: { provider: "local-oidc", callbackURL: "/dashboard" },
      status: 200,
      values: ["redirect"],
      // Both send a nonce: the reference too, for a provider it discovers as OpenID.
      expect: { url: (u) => u.startsWith(`${ISSUER}/auth?`) && new URL(u).searchParams.has("nonce") },
    },
    {
      name: "an unknown provider",
      path: "/sign-in/social",
      body: { provider: "nope" },
      status: 404,
      expect: { code: "PROVIDER_NOT_FOUND" },
    },
    {
      name: "an ID token for a provider that has none (GitHub)",
      path: "/sign-in/social",
      body: { provider: "github", idToken: { token: "x" } },
      status: 404,
      expect: { code: "ID_TOKEN_NOT_SUPPORTED" },
    },
    {
      name: "an ID token that is not one",
      path: "/sign-in/social",
      body: { provider: "google", idToken: { token: "x.y.z" } },
      status: 401,
      expect: { code: "INVALID_TOKEN" },
    },
    {
      name: "an untrusted callbackURL",
      path: "/sign-in/social",
      body: { provider: "github", callbackURL: "https://evil.example/x" },
      status: 403,
      expect: { code: "INVALID_CALLBACK_URL" },
    },
    {
      name: "the callback without a state: to the error page",
      method: "GET",
      path: "/callback/github",
      status: 302,
      expect: { "": ABSENT },
    },
    {
      name: "the callback with a state nobody issued",
      method: "GET",
      path: "/callback/github",
      query: { state: "abc", code: "x" },
      status: 302,
    },
    {
      name: "a form_post callback continues as a GET",
      path: "/callback/github",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "state=abc&code=x",
      origin: false,
      status: 302,
    },
    {
      name: "sign up by e-mail",
      device: "user",
      path: "/sign-up/email",
      body: { name: "OAuth user", email: "{{email}}", password: "{{password}}" },
      status: 200,
    },
    {
      name: "list the accounts: the credential one",
      device: "user",
      method: "GET",
      path: "/list-accounts",
      status: 200,
      values: ["0.providerId", "0.scopes"],
      capture: { credentialId: "0.id" },
    },
    {
      name: "link GitHub: the authorization URL and the state cookie",
      device: "user",
      path: "/link-social",
      body: { provider: "github", callbackURL: "/linked" },
      status: 200,
      values: ["redirect"],
      expect: { url: /^https:\/\/github\.com\/login\/oauth\/authorize\?/, [`cookie:${STATE_COOKIE}`]: PRESENT },
    },
    {
      name: "link an unknown provider",
      device: "user",
      path: "/link-social",
      body: { provider: "nope" },
      status: 404,
      expect: { code: "PROVIDER_NOT_FOUND" },
    },
    {
      name: "unlink the only account",
      device: "user",
      path: "/unlink-account",
      body: { accountId: "{{credentialId}}" },
      status: 400,
      expect: { code: "FAILED_TO_UNLINK_LAST_ACCOUNT" },
    },
    {
      name: "a token for the credential account: not a provider",
      device: "user",
      path: "/get-access-token",
      body: { accountId: "{{credentialId}}" },
      status: 400,
      expect: { code: "PROVIDER_NOT_SUPPORTED" },
    },
    {
      name: "a token for an account that is not the user's",
      device: "user",
      path: "/get-access-token",
      body: { accountId: "nope" },
      status: 400,
      expect: { code: "ACCOUNT_NOT_FOUND" },
    },
    {
      name: "link-social without a session",
      device: "nobody",
      path: "/link-social",
      body: { provider: "github" },
      status: 401,
    },
    ...danceAndLink,
  ],
};
