"""PyJWT, as any Python backend uses it, verifies Portcullis JWTs against its JWKS for each
algorithm Portcullis signs with, and refuses a tampered token, a wrong audience, an expired
token and a token whose key was retired past its grace period. A rotation keeps old and new
tokens verifying."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
import time_machine
from fastapi import HTTPException

from conftest import Server, iso, now_utc, tampered
from portcullis_fastapi import Portcullis

ALGORITHMS = ["EdDSA", "ES256", "RS256", "PS256"]
GRACE_SECONDS = 3600


@pytest.fixture(scope="module", params=ALGORITHMS)
def alg_server(request, make_module_server) -> Server:
    return make_module_server(JWT_ALGORITHM=request.param)


def verify(server: Server, token: str, client: jwt.PyJWKClient | None = None, **kw) -> dict:
    client = client or jwt.PyJWKClient(server.api + "/jwks")
    key = client.get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key,
        algorithms=[jwt.get_unverified_header(token)["alg"]],
        issuer=kw.pop("issuer", server.base),
        audience=kw.pop("audience", server.base),
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        **kw,
    )


def test_token_verifies_with_its_algorithm(alg_server: Server):
    who = alg_server.sign_up()
    token = alg_server.jwt_for(who)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == alg_server.extra_env["JWT_ALGORITHM"]
    published = {k["kid"]: k for k in alg_server.jwks()["keys"]}
    assert published[header["kid"]]["alg"] == header["alg"]
    assert all("d" not in k for k in published.values()), "no private part is published"
    claims = verify(alg_server, token)
    assert claims["sub"] == who.user_id
    assert claims["email"] == who.email
    assert claims["iss"] == claims["aud"] == alg_server.base
    assert claims["exp"] - claims["iat"] == 900


def test_tampered_token_is_refused(alg_server: Server):
    who = alg_server.sign_up()
    other = alg_server.sign_up()
    token = alg_server.jwt_for(who)
    forged = tampered(token, sub=other.user_id)
    with pytest.raises(jwt.InvalidSignatureError):
        verify(alg_server, forged)
    # A signature cut from another token does not fit either.
    header, payload, _ = token.split(".")
    other_signature = alg_server.jwt_for(other).split(".")[2]
    with pytest.raises(jwt.InvalidSignatureError):
        verify(alg_server, ".".join([header, payload, other_signature]))


def test_wrong_audience_and_issuer_are_refused(alg_server: Server):
    token = alg_server.jwt_for(alg_server.sign_up())
    with pytest.raises(jwt.InvalidAudienceError):
        verify(alg_server, token, audience="https://another-service.example")
    with pytest.raises(jwt.InvalidIssuerError):
        verify(alg_server, token, issuer="https://another-issuer.example")


def test_expired_token_is_refused(alg_server: Server):
    token = alg_server.jwt_for(alg_server.sign_up())
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    client = jwt.PyJWKClient(alg_server.api + "/jwks")
    # The verifier's clock, moved: valid up to its last second, refused after it.
    with time_machine.travel(exp - 1, tick=False):
        verify(alg_server, token, client)
    with time_machine.travel(exp + 1, tick=False):
        with pytest.raises(jwt.ExpiredSignatureError):
            verify(alg_server, token, client)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_rotation_keeps_old_and_new_tokens_until_the_grace_period_ends(make_server, algorithm):
    server: Server = make_server(JWT_ALGORITHM=algorithm, JWT_KEY_GRACE_PERIOD=str(GRACE_SECONDS))
    who = server.sign_up()
    old_token = server.jwt_for(who)
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    # One long-lived verifier that has the key set from before the rotation cached.
    verifier = jwt.PyJWKClient(server.api + "/jwks", cooldown_duration=0)
    fastapi_auth = Portcullis(server.base, jwks_refresh_cooldown=0)
    verify(server, old_token, verifier)
    assert fastapi_auth.verify_jwt(old_token)["sub"] == who.user_id

    server.cli("jwks", "rotate")
    # The running instance picks the new key up within a minute; a restart makes it at once.
    server.restart()
    new_token = server.jwt_for(who)
    new_kid = jwt.get_unverified_header(new_token)["kid"]
    assert new_kid != old_kid, "a rotation makes a new signing key"
    assert {old_kid, new_kid} <= {k["kid"] for k in server.jwks()["keys"]}

    # The new kid is unknown to the cached set: both verifiers fetch the set again.
    assert verify(server, new_token, verifier)["sub"] == who.user_id
    assert fastapi_auth.verify_jwt(new_token)["sub"] == who.user_id
    assert verify(server, old_token, verifier)["sub"] == who.user_id
    assert fastapi_auth.verify_jwt(old_token)["sub"] == who.user_id

    # Time passes: the old key was retired longer ago than the grace period.
    retired_at = now_utc() - timedelta(seconds=GRACE_SECONDS + 60)
    server.sql("UPDATE jwks SET expiresAt = ? WHERE id = ?", (iso(retired_at), old_kid))
    assert old_kid not in {k["kid"] for k in server.jwks()["keys"]}
    fresh_verifier = jwt.PyJWKClient(server.api + "/jwks")
    with pytest.raises(jwt.PyJWKClientError):
        verify(server, old_token, fresh_verifier)
    assert verify(server, new_token, fresh_verifier)["sub"] == who.user_id
    fresh_auth = Portcullis(server.base)
    with pytest.raises(HTTPException) as refused:
        fresh_auth.verify_jwt(old_token)
    assert refused.value.status_code == 401
    assert fresh_auth.verify_jwt(new_token)["sub"] == who.user_id
