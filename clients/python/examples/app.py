"""An example FastAPI backend behind Portcullis.

    PORTCULLIS_URL=http://127.0.0.1:8787 uvicorn app:app      (from this folder, package installed)

- GET /me            any signed-in user: a Portcullis JWT (Authorization: Bearer <jwt>), or the
                     Portcullis session cookie / session bearer token (checked via get-session)
- GET /admin/stats   users whose `role` claim includes "admin"
- POST /projects     users holding the "project:write" permission (here: from their role)

Env: PORTCULLIS_URL (the server's BETTER_AUTH_URL), PORTCULLIS_AUDIENCE (its JWT_AUDIENCE, when
set there), PORTCULLIS_SESSIONS=false to accept JWTs only.
"""

import os

from fastapi import Depends, FastAPI

from portcullis_fastapi import Portcullis, PortcullisUser


def create_app(auth: Portcullis) -> FastAPI:
    app = FastAPI(title="Example backend behind Portcullis")

    @app.get("/me")
    async def me(user: PortcullisUser = Depends(auth.user)) -> dict:
        return {"id": user.id, "email": user.email, "roles": sorted(user.roles), "via": user.via}

    @app.get("/admin/stats")
    async def admin_stats(user: PortcullisUser = Depends(auth.require_roles("admin"))) -> dict:
        return {"viewer": user.id, "projects": 0}

    @app.post("/projects", status_code=201)
    async def create_project(
        user: PortcullisUser = Depends(auth.require_permissions("project:write")),
    ) -> dict:
        return {"owner": user.id}

    return app


def auth_from_env() -> Portcullis:
    return Portcullis(
        os.environ.get("PORTCULLIS_URL", "http://127.0.0.1:8787"),
        audience=os.environ.get("PORTCULLIS_AUDIENCE") or None,
        sessions=os.environ.get("PORTCULLIS_SESSIONS", "true") != "false",
        # Permissions this backend grants per role; a `permissions` claim adds to them.
        role_permissions={"admin": {"project:write", "project:read"}, "editor": {"project:write"}},
    )


# Nothing is fetched until the first request, so building the app needs no running server.
app = create_app(auth_from_env())
