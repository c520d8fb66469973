// A software WebAuthn authenticator for the compat test (a P-256 key, "none" attestation, a
// signature counter), speaking the WebAuthn JSON that @better-auth/passkey's client sends:
//
//   node soft-authenticator.mjs register <options.json> <origin> <state.json>   → response JSON
//   node soft-authenticator.mjs sign <options.json> <origin> <state.json> [counter] → response JSON
//
// `state.json` keeps the key pair, the credential ID and the counter between calls; `sign` uses
// (and stores) `counter` when given, else the stored one plus one. CBOR comes from tiny-cbor
// (the reference's own SimpleWebAuthn dependency): set CBOR_MODULE to its entry file.

import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const { encodeCBOR } = await import(process.env.CBOR_MODULE);

const [command, optionsFile, origin, stateFile, counterArg] = process.argv.slice(2);
const options = JSON.parse(readFileSync(optionsFile, "utf8"));
const b64url = (buf) => Buffer.from(buf).toString("base64url");
const sha256 = (data) => createHash("sha256").update(data).digest();

function authData(rpId, flags, counter, attested) {
  const head = Buffer.alloc(37);
  sha256(rpId).copy(head, 0);
  head[32] = flags;
  head.writeUInt32BE(counter, 33);
  return attested ? Buffer.concat([head, attested]) : head;
}

function clientData(type, challenge) {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

const UP_UV = 0x01 | 0x04;

if (command === "register") {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const cose = new Map([
    [1, 2], // kty: EC2
    [3, -7], // alg: ES256
    [-1, 1], // crv: P-256
    [-2, new Uint8Array(Buffer.from(jwk.x, "base64url"))],
    [-3, new Uint8Array(Buffer.from(jwk.y, "base64url"))],
  ]);
  const credentialId = randomBytes(16);
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(credentialId.length);
  const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, Buffer.from(encodeCBOR(cose))]);
  const data = authData(options.rp.id, UP_UV | 0x40, 0, attested);
  const attestation = encodeCBOR(new Map([
    ["fmt", "none"],
    ["attStmt", new Map()],
    ["authData", new Uint8Array(data)],
  ]));
  writeFileSync(stateFile, JSON.stringify({
    privateKey: privateKey.export({ format: "pem", type: "pkcs8" }),
    credentialId: b64url(credentialId),
    counter: 0,
  }));
  console.log(JSON.stringify({
    id: b64url(credentialId),
    rawId: b64url(credentialId),
    response: {
      clientDataJSON: b64url(clientData("webauthn.create", options.challenge)),
      attestationObject: b64url(attestation),
      transports: ["internal"],
    },
    type: "public-key",
    authenticatorAttachment: "platform",
  }));
} else if (command === "sign") {
  const state = JSON.parse(readFileSync(stateFile, "utf8"));
  const counter = counterArg === undefined ? state.counter + 1 : Number(counterArg);
  const data = authData(options.rpId, UP_UV, counter);
  const client = clientData("webauthn.get", options.challenge);
  const signature = sign("sha256", Buffer.concat([data, sha256(client)]), createPrivateKey(state.privateKey));
  writeFileSync(stateFile, JSON.stringify({ ...state, counter }));
  console.log(JSON.stringify({
    id: state.credentialId,
    rawId: state.credentialId,
    response: {
      clientDataJSON: b64url(client),
      authenticatorData: b64url(data),
      signature: b64url(signature),
    },
    type: "public-key",
    authenticatorAttachment: "platform",
  }));
} else {
  console.error("usage: soft-authenticator.mjs register|sign <options.json> <origin> <state.json> [counter]");
  process.exit(2);
}
