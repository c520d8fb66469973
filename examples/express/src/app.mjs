// The backend of a Pegasus-style app: an Express API whose routes trust Portcullis sessions.
// The front (src/front.mjs) signs in with the official better-auth client and calls this API
// with the session cookie (same site) or `Authorization: Bearer <session token>`.

import express from "express";
import { portcullisSessions } from "./portcullis-session.mjs";

export function createApp({ authUrl, cacheSeconds, now } = {}) {
  const { requireSession, requireRole } = portcullisSessions({ authUrl, cacheSeconds, now });
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json());

  app.get("/api/health", (_req, res) => res.json({ ok: true }));

  app.get("/api/me", requireSession, (req, res) => {
    res.json({ id: req.user.id, email: req.user.email, name: req.user.name, roles: req.roles });
  });

  app.get("/api/conversations", requireSession, (req, res) => {
    // A real app would load the signed-in user's rows here, keyed by req.user.id.
    res.json({ owner: req.user.id, conversations: [] });
  });

  app.get("/api/admin/users", requireRole("admin"), (req, res) => {
    res.json({ viewer: req.user.id, users: [] });
  });

  return app;
}
