"""The example FastAPI app (examples/app.py) against the real server: sign in, take /token, call
a protected route; 401 without a token and with an expired or tampered one; 403 on a route whose
role or permission the user lacks; sessions through get-session, and a revocation seen within
the session cache's time."""

from __future__ import annotations

import jwt
import pytest
import time_machine
from fastapi.testclient import TestClient

from app import create_app
from conftest import Server, tampered
from portcullis_fastapi import Portcullis


class FakeClock:
    """The session cache's clock, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server(make_module_server) -> Server:
    return make_module_server()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(server: Server, clock: FakeClock) -> TestClient:
    auth = Portcullis(
        server.base,
        sessions=True,
        session_cache_seconds=5,
        clock=clock,
        role_permissions={"admin": {"project:write"}},
    )
    with TestClient(create_app(auth)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_signed_in_user_calls_a_protected_route_with_a_jwt(server: Server, api: TestClient):
    who = server.sign_up()
    token = server.jwt_for(who)
    r = api.get("/me", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json() == {"id": who.user_id, "email": who.email, "roles": ["user"], "via": "jwt"}


def test_no_token_is_401(api: TestClient):
    r = api.get("/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert api.get("/me", headers={"Authorization": "Basic dXNlcjpwdw=="}).status_code == 401
    assert api.get("/me", headers=bearer("not.a.jwt")).status_code == 401


def test_expired_token_is_401(server: Server, api: TestClient):
    token = server.jwt_for(server.sign_up())
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    with time_machine.travel(exp - 1, tick=False):
        assert api.get("/me", headers=bearer(token)).status_code == 200
    with time_machine.travel(exp + 1, tick=False):
        r = api.get("/me", headers=bearer(token))
    assert r.status_code == 401
    assert r.json()["detail"] == "the token has expired"


def test_tampered_token_is_401(server: Server, api: TestClient):
    token = server.jwt_for(server.sign_up())
    for forged in (
        tampered(token, role="admin"),
        tampered(token, exp=jwt.decode(token, options={"verify_signature": False})["exp"] + 86400),
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
    ):
        r = api.get("/admin/stats", headers=bearer(forged))
        assert r.status_code == 401, forged
    # The header may not pick the algorithm: "none" is refused like any other forgery.
    header, payload, _ = token.split(".")
    none_header = jwt.utils.base64url_encode(b'{"alg":"none","kid":"x"}').decode()
    assert api.get("/me", headers=bearer(f"{none_header}.{payload}.")).status_code == 401


def test_token_for_another_audience_is_401(server: Server):
    token = server.jwt_for(server.sign_up())
    elsewhere = Portcullis(server.base, audience="https://another-service.example")
    with TestClient(create_app(elsewhere)) as client:
        assert client.get("/me", headers=bearer(token)).status_code == 401


def test_role_and_permission_guards(server: Server, api: TestClient):
    who = server.sign_up()
    token = server.jwt_for(who)
    assert api.get("/admin/stats", headers=bearer(token)).status_code == 403
    assert api.post("/projects", headers=bearer(token)).status_code == 403

    # An operator makes the user an admin (Better Auth's admin plugin stores roles this way). The
    # write goes round the server, whose session cache still holds the old user: a new session
    # reads it afresh.
    server.sql('UPDATE "user" SET role = ? WHERE id = ?', ("editor,admin", who.user_id))
    token = server.jwt_for(server.sign_in(who.email))
    r = api.get("/admin/stats", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert api.post("/projects", headers=bearer(token)).status_code == 201


def test_permission_from_the_permissions_claim(server: Server, api: TestClient):
    who = server.sign_up()
    server.sql('UPDATE "user" SET permissions = ? WHERE id = ?', ("project:write", who.user_id))
    token = server.jwt_for(who)
    assert api.post("/projects", headers=bearer(token)).status_code == 201
    assert api.get("/admin/stats", headers=bearer(token)).status_code == 403


def test_session_cookie_and_session_bearer_through_get_session(
    server: Server, api: TestClient, clock: FakeClock
):
    who = server.sign_up()
    for name, value in who.cookies.items():
        api.cookies.set(name, value)
    api.cookies.set("unrelated", "not-forwarded")
    r = api.get("/me")
    assert r.status_code == 200, r.text
    assert r.json()["via"] == "session" and r.json()["id"] == who.user_id
    r = api.get("/me", headers=bearer(who.session_token))
    assert r.status_code == 200, r.text
    assert r.json()["via"] == "session"

    # Signed out: the cached answer lasts at most session_cache_seconds, then get-session says no.
    out = server.sign_out(who)
    assert out.status_code == 200, out.text
    assert api.get("/me").status_code == 200  # still inside the 5-second cache
    clock.now += 5
    assert api.get("/me").status_code == 401
    assert api.get("/me", headers=bearer(who.session_token)).status_code == 401


def test_session_cache_is_bounded():
    with pytest.raises(ValueError):
        Portcullis("http://127.0.0.1:1", sessions=True, session_cache_seconds=3600)
