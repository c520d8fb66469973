// A real OpenID provider for the OAuth tests (node-oidc-provider, its development login and
// consent pages over plain HTTP). Started by the tests on a loopback port, stopped after.
//
//   PORT=20500 CLIENTS='[{"client_id":"a","client_secret":"b"}]' node provider.mjs
//
// Prints `ready <issuer>` once it listens. Any login is accepted at the login page: the account
// id is what is typed; its e-mail is the login itself when it has an `@`, else
// `<login>@example.com`; a login that starts with `unverified` has `email_verified: false`, and
// one that starts with `noemail` has no e-mail at all.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 0);
const host = '127.0.0.1';
const issuer = `http://${host}:${port}`;
const clients = JSON.parse(process.env.CLIENTS || '[]').map((c) => ({
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  // Better Auth's default, and Portcullis's: the secret in the form.
  token_endpoint_auth_method: 'client_secret_post',
  redirect_uris: ['http://127.0.0.1/callback'],
  ...c,
}));

function claimsOf(login) {
  const claims = {
    sub: login,
    name: `User ${login}`,
    preferred_username: login,
    picture: `https://img.example/${login}.png`,
  };
  if (!login.startsWith('noemail')) {
    claims.email = login.includes('@') ? login : `${login}@example.com`;
    claims.email_verified = !login.startsWith('unverified');
  }
  return claims;
}

const provider = new Provider(issuer, {
  clients,
  // Every client of these tests may refresh, without asking for offline_access.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => claimsOf(id),
  }),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'picture'],
  },
  // Scopes some providers ask for beside the standard ones (Twitch's, Apple's `name`); known
  // here so that they are granted, not dropped.
  scopes: ['openid', 'offline_access', 'email', 'profile', 'name', 'user:read:email'],
  // ID tokens carry the profile claims too (the id-token sign-in reads them).
  conformIdTokenClaims: false,
  // claimsParameter: Twitch asks for its ID token's claims by name.
  features: { devInteractions: { enabled: true }, claimsParameter: { enabled: true } },
  ttl: { AccessToken: Number(process.env.ACCESS_TOKEN_TTL || 3600) },
  pkce: { required: () => false },
});
provider.proxy = false;
// The test servers listen on ports chosen at start, after this provider: any loopback callback
// is allowed, besides the ones a client registers.
const registeredOnly = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function allowLoopback(value) {
  return /^http:\/\/127\.0\.0\.1:\d+\//.test(value) || registeredOnly.call(this, value);
};
// Quiet: the tests read only the ready line.
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

provider.listen(port, host, () => {
  console.log(`ready ${issuer}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
