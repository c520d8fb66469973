// The OpenID provider (Portcullis: ENABLE_OIDC_PROVIDER=true with OIDC_DYNAMIC_REGISTRATION=true;
// the reference's full profile runs @better-auth/oauth-provider with dynamic registration): the
// metadata, the token, userinfo, introspection and revocation endpoints' refusals, and one whole
// code flow with PKCE through consent, token, userinfo, introspection, refresh and revocation.
// Creating clients needs an administrator on Portcullis (README "Differences from Better Auth,
// on purpose"), so the user is promoted first on both sides.

import { createHash } from "node:crypto";
import { ABSENT, PRESENT } from "../lib/compare.mjs";

const REDIRECT = "https://app.example.com/callback";
const VERIFIER = "diff-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF";
const CHALLENGE = createHash("sha256").update(VERIFIER).digest("base64url");
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const form = (pairs) => (vars) =>
  new URLSearchParams(Object.entries(typeof pairs === "function" ? pairs(vars) : pairs)).toString();
// The client is registered for client_secret_basic (the default on both), and must use it.
const basic = (v) => ({ ...FORM, Authorization: `Basic ${Buffer.from(`${v.clientId}:${v.clientSecret}`).toString("base64")}` });
const queryOf = (url) => Object.fromEntries(new URL(url, "http://x").searchParams);
const DIFFERENT_METADATA = 'README "Differences from Better Auth, on purpose": the OpenID provider\'s metadata';
const DIFFERENT_CLIENT = 'README "Differences from Better Auth, on purpose": OAuth clients';

export default {
  name: "oidc-provider",
  vars: ({ run }) => ({ email: `oidc-${run}@example.com`, password: `Pw-${run}-oidc` }),
  steps: [
    {
      name: "discovery at the issuer",
      cookies: false,
      method: "GET",
      path: "/.well-known/openid-configuration",
      status: 200,
      values: [
        "response_types_supported", "code_challenge_methods_supported", "subject_types_supported",
        "id_token_signing_alg_values_supported", "authorization_response_iss_parameter_supported",
        "request_parameter_supported", "request_uri_parameter_supported",
      ],
      differences: [
        {
          reason: DIFFERENT_METADATA,
          keys: [
            "dpop_signing_alg_values_supported",
            "backchannel_logout_session_supported",
            "acr_values_supported",
          ],
          onlyIn: "reference",
        },
        {
          reason: DIFFERENT_METADATA,
          keys: ["frontchannel_logout_supported", "device_authorization_endpoint"],
          onlyIn: "portcullis",
        },
        {
          reason: DIFFERENT_METADATA,
          values: {
            response_modes_supported: { portcullis: ["query", "form_post"], reference: ["query"] },
            // The device code grant at /oauth2/token (with ENABLE_DEVICE_AUTHORIZATION).
            grant_types_supported: {
              portcullis: ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"],
              reference: ["authorization_code", "client_credentials", "refresh_token"],
            },
            // Public clients (`none`) are offered; the reference lists more signing algorithms.
            token_endpoint_auth_methods_supported: {
              portcullis: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
              reference: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            },
            revocation_endpoint_auth_methods_supported: {
              portcullis: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
              reference: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            },
            token_endpoint_auth_signing_alg_values_supported: {
              portcullis: ["RS256", "PS256", "ES256", "EdDSA"],
              reference: (a) => a.includes("RS256") && a.includes("EdDSA"),
            },
            introspection_endpoint_auth_signing_alg_values_supported: {
              portcullis: ["RS256", "PS256", "ES256", "EdDSA"],
              reference: (a) => a.includes("RS256") && a.includes("EdDSA"),
            },
            revocation_endpoint_auth_signing_alg_values_supported: {
              portcullis: ["RS256", "PS256", "ES256", "EdDSA"],
              reference: (a) => a.includes("RS256") && a.includes("EdDSA"),
            },
            prompt_values_supported: {
              portcullis: ["none", "login", "consent", "select_account"],
              reference: ["login", "consent", "create", "select_account", "none"],
            },
            claims_supported: { portcullis: (c) => c.includes("auth_time") && c.includes("nonce"), reference: (c) => c.includes("scope") },
            claims_parameter_supported: { portcullis: false, reference: true },
            backchannel_logout_supported: { portcullis: false, reference: true },
          },
        },
      ],
    },
    {
      name: "token: no client",
      cookies: false,
      path: "/oauth2/token",
      headers: FORM,
      body: form({ grant_type: "authorization_code", code: "nothing" }),
      status: 400,
      values: ["error", "error_description"],
    },
    {
      name: "token: an unsupported grant type",
      cookies: false,
      path: "/oauth2/token",
      headers: FORM,
      body: form({ grant_type: "password", client_id: "nobody" }),
      status: 400,
      values: ["error"],
    },
    {
      name: "token: an unknown client",
      cookies: false,
      path: "/oauth2/token",
      headers: FORM,
      body: form({ grant_type: "authorization_code", client_id: "nobody", client_secret: "x", code: "a" }),
      status: 400,
      values: ["error", "error_description"],
    },
    {
      name: "userinfo without a token",
      cookies: false,
      method: "GET",
      path: "/oauth2/userinfo",
      status: 401,
      values: ["error", "error_description"],
    },
    {
      name: "introspection without client credentials",
      cookies: false,
      path: "/oauth2/introspect",
      headers: FORM,
      body: form({ token: "anything" }),
      status: 401,
      values: ["error", "error_description"],
    },
    {
      name: "authorize for an unknown client: the error page",
      cookies: false,
      method: "GET",
      path: "/oauth2/authorize",
      query: { response_type: "code", client_id: "nobody", redirect_uri: REDIRECT },
      // A fetch (as the better-auth client makes) gets {redirect, url} instead of a 302.
      status: 200,
      values: ["redirect"],
      expect: { url: (u) => /\/api\/auth\/error\?error=invalid_client/.test(u) },
    },
    {
      name: "sign up",
      path: "/sign-up/email",
      body: { name: "Oda Client", email: "{{email}}", password: "{{password}}" },
      status: 200,
    },
    { name: "the operator makes them an administrator", promote: "{{email}}" },
    {
      name: "token: client credentials for an unknown client",
      cookies: false,
      path: "/oauth2/token",
      headers: FORM,
      body: form({ grant_type: "client_credentials", client_id: "nobody", client_secret: "x" }),
      status: 400,
      values: ["error"],
    },
    {
      name: "create a confidential client",
      path: "/oauth2/create-client",
      body: { client_name: "Diff App", redirect_uris: [REDIRECT] },
      status: 201,
      values: ["client_name", "redirect_uris", "token_endpoint_auth_method", "response_types", "client_secret_expires_at", "disabled"],
      expect: { client_id: /^[A-Za-z0-9]{32}$/, client_secret: PRESENT },
      capture: { clientId: "client_id", clientSecret: "client_secret" },
      differences: [{ reason: DIFFERENT_CLIENT, values: { grant_types: { portcullis: ["authorization_code", "refresh_token"], reference: ["authorization_code"] } } }],
    },
    {
      name: "authorize: the consent page first",
      method: "GET",
      path: "/oauth2/authorize",
      query: (v) => ({
        response_type: "code", client_id: v.clientId, redirect_uri: REDIRECT, scope: "openid profile email",
        state: "st-1", nonce: "n-1", code_challenge: CHALLENGE, code_challenge_method: "S256",
      }),
      status: 200,
      values: ["redirect"],
      expect: { url: (u) => queryOf(u).client_id !== undefined && queryOf(u).sig !== undefined },
      capture: { consentAt: "url" },
    },
    {
      name: "consent: allowed, back to the client with a code",
      path: "/oauth2/consent",
      body: (v) => ({ accept: true, oauth_query: v.consentAt.split("?")[1] }),
      status: 200,
      values: ["redirect"],
      expect: { url: (u) => u.startsWith(`${REDIRECT}?`) && queryOf(u).code && queryOf(u).state === "st-1" && queryOf(u).iss },
      capture: { back: "url" },
    },
    {
      name: "token: the code, with PKCE and client_secret_basic",
      cookies: false,
      path: "/oauth2/token",
      headers: basic,
      body: form((v) => ({
        grant_type: "authorization_code", code: queryOf(v.back).code, redirect_uri: REDIRECT, code_verifier: VERIFIER,
      })),
      status: 200,
      values: ["token_type", "expires_in", "scope"],
      expect: { access_token: PRESENT, id_token: PRESENT, refresh_token: ABSENT },
      capture: { accessToken: "access_token" },
    },
    {
      name: "userinfo",
      cookies: false,
      method: "GET",
      path: "/oauth2/userinfo",
      headers: (v) => ({ Authorization: `Bearer ${v.accessToken}` }),
      status: 200,
      values: ["email", "name", "given_name", "family_name", "email_verified"],
    },
    {
      name: "introspection of the access token",
      cookies: false,
      path: "/oauth2/introspect",
      headers: basic,
      body: form((v) => ({ token: v.accessToken })),
      status: 200,
      values: ["active", "scope", "client_id"],
    },
    {
      name: "revocation",
      cookies: false,
      path: "/oauth2/revoke",
      headers: basic,
      body: form((v) => ({ token: v.accessToken })),
      status: 200,
    },
    {
      name: "introspection after revocation: inactive",
      cookies: false,
      path: "/oauth2/introspect",
      headers: basic,
      body: form((v) => ({ token: v.accessToken })),
      status: 200,
      values: ["active"],
      expect: { active: false },
    },
    {
      name: "the user's consents",
      method: "GET",
      path: "/oauth2/get-consents",
      status: 200,
      values: ["0.scopes", "0.clientId"],
    },
    {
      name: "the code a second time",
      cookies: false,
      path: "/oauth2/token",
      headers: basic,
      body: form((v) => ({
        grant_type: "authorization_code", code: queryOf(v.back).code, redirect_uri: REDIRECT, code_verifier: VERIFIER,
      })),
      status: 400,
      values: ["error"],
    },
    {
      name: "a replayed code revokes what it issued (here already revoked): userinfo refuses",
      cookies: false,
      method: "GET",
      path: "/oauth2/userinfo",
      headers: (v) => ({ Authorization: `Bearer ${v.accessToken}` }),
      status: 401,
      values: ["error"],
    },
  ],
};
