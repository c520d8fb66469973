"""Trust Portcullis users from a FastAPI backend: JWTs checked against the JWKS, sessions
through get-session, and role/permission guards. See README.md."""

from .auth import (
    MAX_SESSION_CACHE_SECONDS,
    SUPPORTED_ALGORITHMS,
    Portcullis,
    PortcullisUser,
)

__all__ = ["MAX_SESSION_CACHE_SECONDS", "SUPPORTED_ALGORITHMS", "Portcullis", "PortcullisUser"]
