"""FastAPI dependencies that authenticate a request against a Portcullis server.

Two ways in:

* ``Authorization: Bearer <jwt>`` — a JWT from Portcullis's jwt plugin (``GET /api/auth/token``
  or the ``set-auth-jwt`` header of get-session), verified here against the server's JWKS:
  signature, ``iss``, ``aud``, ``exp``, ``iat`` and ``sub``. No call to the server per request;
  the key set is fetched again when a token names a key (``kid``) the cached set lacks.
* optionally (``sessions=True``) a session: the request's Portcullis cookies, or a bearer value
  that is not a JWT (a session token from the bearer plugin), forwarded to get-session. Answers
  are cached for at most ``session_cache_seconds`` (60 at most), so a signed-out or revoked
  session is refused within that time.

Roles come from the ``role`` claim (comma-separated, as Better Auth's admin plugin stores them);
permissions from a claim that holds a list or a space/comma-separated string, plus a
``role_permissions`` mapping from role to permissions.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from fastapi import HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

# What Portcullis signs with (JWT_ALGORITHM); a key set entry naming anything else is not trusted.
SUPPORTED_ALGORITHMS = ("EdDSA", "ES256", "RS256", "PS256")
# A session answer is never trusted for longer than this, whatever the settings say.
MAX_SESSION_CACHE_SECONDS = 60.0
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]


@dataclass(frozen=True)
class PortcullisUser:
    """The authenticated user, however the request proved it."""

    id: str
    email: str | None
    name: str | None
    roles: frozenset[str]
    permissions: frozenset[str]
    #: "jwt" or "session"
    via: str
    #: the verified JWT payload, or get-session's ``user`` object
    claims: Mapping[str, Any] = field(repr=False)
    #: get-session's ``session`` object (None for a JWT)
    session: Mapping[str, Any] | None = field(default=None, repr=False)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=message,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _split(value: Any) -> frozenset[str]:
    """A claim holding names: a list, or one string separated by commas and/or spaces."""
    if isinstance(value, str):
        return frozenset(p for p in value.replace(",", " ").split() if p)
    if isinstance(value, (list, tuple)):
        return frozenset(str(v).strip() for v in value if isinstance(v, str) and v.strip())
    return frozenset()


def _looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2


class _SessionCache:
    """A small LRU of get-session answers, keyed by a hash of the credentials forwarded."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float]):
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, PortcullisUser]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> PortcullisUser | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            deadline, user = hit
            if self.clock() >= deadline:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return user

    def put(self, key: str, user: PortcullisUser) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl, user)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class Portcullis:
    """Settings and dependencies for one Portcullis server.

    ``base_url`` is the server's ``BETTER_AUTH_URL``. ``issuer`` and ``audience`` default to it
    without a trailing slash, as the server's ``JWT_ISSUER``/``JWT_AUDIENCE`` do.
    """

    def __init__(
        self,
        base_url: str,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        base_path: str = "/api/auth",
        jwks_path: str = "/jwks",
        leeway: float = 0,
        jwks_cache_seconds: float = 300,
        jwks_refresh_cooldown: float = 10,
        sessions: bool = False,
        session_cache_seconds: float = 5,
        session_cache_size: int = 4096,
        cookie_prefix: str = "better-auth",
        role_claim: str = "role",
        permissions_claim: str | None = "permissions",
        role_permissions: Mapping[str, Iterable[str]] | None = None,
        http_timeout: float = 5,
        clock: Callable[[], float] = time.monotonic,
        http_client: httpx.AsyncClient | None = None,
    ):
        if not 0 <= session_cache_seconds <= MAX_SESSION_CACHE_SECONDS:
            raise ValueError(
                f"session_cache_seconds must be between 0 and {MAX_SESSION_CACHE_SECONDS:g}: "
                "a longer cache would keep a revoked session working"
            )
        root = base_url.rstrip("/")
        self.api_url = root + "/" + base_path.strip("/")
        self.issuer = issuer if issuer is not None else root
        self.audience = audience if audience is not None else root
        self.jwks_url = self.api_url + "/" + jwks_path.lstrip("/")
        self.leeway = leeway
        self.sessions = sessions
        self.cookie_prefix = cookie_prefix
        self.role_claim = role_claim
        self.permissions_claim = permissions_claim
        self.role_permissions = {
            role: frozenset(perms) for role, perms in (role_permissions or {}).items()
        }
        self.http_timeout = http_timeout
        self._jwks = jwt.PyJWKClient(
            self.jwks_url,
            cache_jwk_set=True,
            lifespan=jwks_cache_seconds,
            timeout=http_timeout,
            cooldown_duration=jwks_refresh_cooldown,
        )
        self._session_cache = _SessionCache(session_cache_seconds, session_cache_size, clock)
        self._http = http_client

    # --- JWT ----------------------------------------------------------------------------------

    def verify_jwt(self, token: str) -> dict[str, Any]:
        """Verifies a Portcullis JWT and returns its payload; raises HTTPException(401/503).

        Blocking (the key set is fetched with urllib): call it from a thread, as ``user`` does.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _unauthorized("malformed token") from None
        if not isinstance(header.get("kid"), str):
            raise _unauthorized("the token names no key")
        try:
            key = self._jwks.get_signing_key(header["kid"])
        except jwt.PyJWKClientConnectionError:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the key set could not be fetched"
            ) from None
        except jwt.PyJWKClientError:
            raise _unauthorized("the token's key is not in the key set") from None
        # The algorithm comes from the published key, never from the token alone.
        algorithm = key.algorithm_name
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise _unauthorized("the token's key uses an unsupported algorithm")
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("the token has expired") from None
        except jwt.PyJWTError:
            raise _unauthorized("the token is not valid") from None

    # --- sessions -----------------------------------------------------------------------------

    def _session_cookies(self, request: Request) -> str | None:
        """The request's Portcullis cookies only (``<prefix>.*``, also ``__Secure-``-prefixed)."""
        kept = []
        for name, value in request.cookies.items():
            bare = name.removeprefix("__Secure-").removeprefix("__Host-")
            if bare.startswith(self.cookie_prefix + "."):
                kept.append(f"{name}={value}")
        return "; ".join(kept) or None

    async def check_session(self, headers: Mapping[str, str]) -> PortcullisUser:
        """Asks get-session about forwarded credentials (a Cookie or an Authorization header)."""
        fingerprint = hashlib.sha256(
            "\n".join(f"{k}:{v}" for k, v in sorted(headers.items())).encode()
        ).hexdigest()
        cached = self._session_cache.get(fingerprint)
        if cached is not None:
            return cached
        url = self.api_url + "/get-session"
        # The cookie cache would answer from the signed cookie and miss a revocation.
        params = {"disableCookieCache": "true"}
        try:
            if self._http is not None:
                response = await self._http.get(url, params=params, headers=dict(headers))
            else:
                async with httpx.AsyncClient(timeout=self.http_timeout) as client:
                    response = await client.get(url, params=params, headers=dict(headers))
        except httpx.HTTPError:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the auth server could not be reached"
            ) from None
        if response.status_code in (401, 403):
            raise _unauthorized("no session")
        if response.status_code != 200:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"the auth server answered {response.status_code}",
            )
        try:
            body = response.json()
        except ValueError:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the auth server's answer is not JSON"
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("user"), dict):
            raise _unauthorized("no session")
        user_data = body["user"]
        if not isinstance(user_data.get("id"), str):
            raise _unauthorized("no session")
        user = self._user(user_data["id"], user_data, "session", body.get("session"))
        self._session_cache.put(fingerprint, user)
        return user

    # --- the dependency -----------------------------------------------------------------------

    def _user(
        self, user_id: str, claims: Mapping[str, Any], via: str, session: Any = None
    ) -> PortcullisUser:
        roles = _split(claims.get(self.role_claim))
        permissions = set(
            _split(claims.get(self.permissions_claim)) if self.permissions_claim else ()
        )
        for role in roles:
            permissions |= self.role_permissions.get(role, frozenset())
        email, name = claims.get("email"), claims.get("name")
        return PortcullisUser(
            id=user_id,
            email=email if isinstance(email, str) else None,
            name=name if isinstance(name, str) else None,
            roles=roles,
            permissions=frozenset(permissions),
            via=via,
            claims=claims,
            session=session if isinstance(session, dict) else None,
        )

    async def user(self, request: Request) -> PortcullisUser:
        """FastAPI dependency: the request's user, or 401."""
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, credentials = authorization.partition(" ")
            credentials = credentials.strip()
            if scheme.lower() != "bearer" or not credentials:
                raise _unauthorized("expected Authorization: Bearer <token>")
            if _looks_like_jwt(credentials):
                claims = await run_in_threadpool(self.verify_jwt, credentials)
                return self._user(claims["sub"], claims, "jwt")
            if self.sessions:
                return await self.check_session({"authorization": f"Bearer {credentials}"})
            raise _unauthorized("the bearer token is not a JWT")
        if self.sessions:
            cookies = self._session_cookies(request)
            if cookies is not None:
                return await self.check_session({"cookie": cookies})
        raise _unauthorized("not signed in")

    def require_roles(self, *roles: str) -> Callable[..., Any]:
        """A dependency that lets in users holding at least one of ``roles`` (else 403)."""
        wanted = frozenset(roles)
        if not wanted:
            raise ValueError("require_roles needs at least one role")

        async def dependency(request: Request) -> PortcullisUser:
            user = await self.user(request)
            if not user.roles & wanted:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "missing role")
            return user

        return dependency

    def require_permissions(self, *permissions: str) -> Callable[..., Any]:
        """A dependency that lets in users holding every one of ``permissions`` (else 403)."""
        wanted = frozenset(permissions)
        if not wanted:
            raise ValueError("require_permissions needs at least one permission")

        async def dependency(request: Request) -> PortcullisUser:
            user = await self.user(request)
            if not wanted <= user.permissions:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "missing permission")
            return user

        return dependency
