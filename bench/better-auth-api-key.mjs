// Better Auth 1.7 with the api-key plugin's sessions on (enableSessionForAPIKeys), for the bench's
// "get-session, API key" row: the reference server runs apiKey() without that option, so it cannot
// answer get-session for a key. bench/run.sh copies this file beside the reference's installed
// packages (the same better-auth and @better-auth/api-key versions) and runs it on the reference's
// database with its secret, so the users and cookies seeded there work here too.
// Env: PORT, DATABASE_URL, BETTER_AUTH_SECRET.
import http from "node:http";
import pg from "pg";
import { betterAuth } from "better-auth";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";
import { apiKey } from "@better-auth/api-key";

const port = Number(process.env.PORT);
const base = `http://127.0.0.1:${port}`;
const auth = betterAuth({
  baseURL: base,
  secret: process.env.BETTER_AUTH_SECRET,
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
  trustedOrigins: [base],
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  // Per-key rate limiting off on both sides (Portcullis: API_KEY_RATE_LIMIT_ENABLED=false).
  plugins: [apiKey({ enableSessionForAPIKeys: true, rateLimit: { enabled: false } })],
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
const handler = toNodeHandler(auth);
http.createServer((req, res) => {
  if (req.url === "/health") { res.end("ok"); return; }
  handler(req, res);
}).listen(port, "127.0.0.1", () => console.log(`better-auth with API-key sessions on ${base}`));
