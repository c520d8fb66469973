// WebAuthn options and answers as JSON (the shape @better-auth/passkey and SimpleWebAuthn use):
// binary fields travel as base64url text. The browser's own API wants ArrayBuffers.

export function toBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const text = atob(padded);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

export function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const descriptor = (d) => ({ ...d, id: toBytes(d.id) });

// generate-register-options → navigator.credentials.create({ publicKey }).
export function creationOptions(json) {
  const { hints, ...rest } = json;
  return {
    ...rest,
    challenge: toBytes(json.challenge),
    user: { ...json.user, id: toBytes(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map(descriptor),
  };
}

// generate-authenticate-options → navigator.credentials.get({ publicKey }).
export function requestOptions(json) {
  const options = { ...json, challenge: toBytes(json.challenge) };
  if (json.allowCredentials) options.allowCredentials = json.allowCredentials.map(descriptor);
  return options;
}

// A created credential → the `response` of verify-registration.
export function registrationJSON(credential) {
  const r = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      transports: typeof r.getTransports === "function" ? r.getTransports() : [],
    },
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  };
}

// An assertion → the `response` of verify-authentication.
export function authenticationJSON(credential) {
  const r = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature),
      userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
    },
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  };
}

export const webauthnAvailable = () =>
  typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
