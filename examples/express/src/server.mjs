// PORTCULLIS_URL=http://127.0.0.1:8787 PORT=3001 node src/server.mjs
import { createApp } from "./app.mjs";

const authUrl = process.env.PORTCULLIS_URL;
if (!authUrl) {
  console.error("Set PORTCULLIS_URL to the Portcullis server's BETTER_AUTH_URL.");
  process.exit(1);
}
const port = Number(process.env.PORT || 3001);
createApp({ authUrl }).listen(port, "127.0.0.1", () => {
  console.log(`example API on http://127.0.0.1:${port}, sessions checked at ${authUrl}`);
});
