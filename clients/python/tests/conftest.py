"""The real Portcullis server for the tests: started on a free port with a temporary SQLite
database, stopped when the test (module) is done, whatever the outcome.

Env:
  PORTCULLIS_BIN         the server binary (default: <repo>/target/debug/portcullis, or
                         $CARGO_TARGET_DIR/debug/portcullis). Missing → the tests fail, never skip.
  PORTCULLIS_TEST_PORTS  "LOW-HIGH": pick ports in that range (default: any free port).
  PORTCULLIS_TEST_SERVER_ENV  extra "VAR=value ..." for every server, as scripts/test takes it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "clients" / "python" / "examples"))

ROLE_FIELDS = json.dumps(
    {
        "role": {"type": "string", "defaultValue": "user", "input": False},
        "permissions": {"type": "string", "required": False, "input": False},
    }
)
PASSWORD = "Pw-" + secrets.token_hex(8) + "-py"


def server_binary() -> Path:
    if os.environ.get("PORTCULLIS_BIN"):
        return Path(os.environ["PORTCULLIS_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    return target / "debug" / "portcullis"


def free_port() -> int:
    span = os.environ.get("PORTCULLIS_TEST_PORTS")
    candidates = [0]
    if span:
        low, high = (int(p) for p in span.split("-"))
        candidates = list(range(low, high + 1))
        secrets.SystemRandom().shuffle(candidates)
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in {span}")


def iso(moment: datetime) -> str:
    """A date as the server stores it in SQLite."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def b64url_json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def b64url(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def tampered(token: str, **changes) -> str:
    """The token with its payload changed and its signature kept."""
    header, payload, signature = token.split(".")
    claims = b64url_json(payload)
    claims.update(changes)
    return ".".join([header, b64url(claims), signature])


@dataclass
class SignedIn:
    user_id: str
    email: str
    session_token: str
    cookies: dict[str, str]


@dataclass
class Server:
    binary: Path
    workdir: Path
    extra_env: dict[str, str]
    port: int = 0
    process: subprocess.Popen | None = None
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(36))
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return self.base + "/api/auth"

    @property
    def db_path(self) -> Path:
        return self.workdir / "portcullis.db"

    @property
    def log_path(self) -> Path:
        return self.workdir / "portcullis.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "ENABLE_"))}
        env.update(
            DATABASE_URL=f"sqlite://{self.db_path}",
            BETTER_AUTH_SECRET=self.secret,
            BETTER_AUTH_URL=self.base,
            HOST="127.0.0.1",
            PORT=str(self.port),
            ENABLE_JWT="true",
            USER_ADDITIONAL_FIELDS=ROLE_FIELDS,
        )
        for word in os.environ.get("PORTCULLIS_TEST_SERVER_ENV", "").split():
            name, _, value = word.partition("=")
            env[name] = value
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        if not self.binary.is_file():
            raise RuntimeError(f"no Portcullis binary at {self.binary} (set PORTCULLIS_BIN)")
        if not self.port:
            self.port = free_port()
        self.starts += 1
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [str(self.binary), "serve"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Mail without SMTP goes to ./.portcullis/outbox: keep it in the temporary folder.
            cwd=self.workdir,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Portcullis exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(self.api + "/ok", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)  # waiting for the process to listen, not for time to pass
        self.stop()
        raise RuntimeError(f"Portcullis did not answer /ok within 30 s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Runs `portcullis ARGS` with the server's own environment."""
        return subprocess.run(
            [str(self.binary), *args],
            env=self.env(),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.db_path) as db:
            rows = db.execute(query, params).fetchall()
        return rows

    # --- the Better Auth wire, as a front end speaks it --------------------------------------

    def sign_up(self, prefix: str = "py") -> SignedIn:
        email = f"{prefix}-{secrets.token_hex(6)}@example.com"
        with httpx.Client(headers={"Origin": self.base}) as client:
            up = client.post(
                self.api + "/sign-up/email",
                json={"name": "Py Test", "email": email, "password": PASSWORD},
            )
            assert up.status_code == 200, up.text
        return self.sign_in(email)

    def sign_in(self, email: str) -> SignedIn:
        with httpx.Client(headers={"Origin": self.base}) as client:
            r = client.post(
                self.api + "/sign-in/email", json={"email": email, "password": PASSWORD}
            )
            assert r.status_code == 200, r.text
            token = r.headers.get("set-auth-token")
            assert token, "the bearer plugin sends set-auth-token"
            return SignedIn(
                user_id=r.json()["user"]["id"],
                email=email,
                session_token=token,
                cookies=dict(client.cookies.items()),
            )

    def sign_out(self, who: SignedIn) -> httpx.Response:
        return httpx.post(
            self.api + "/sign-out", cookies=who.cookies, headers={"Origin": self.base}, json={}
        )

    def jwt_for(self, who: SignedIn) -> str:
        r = httpx.get(self.api + "/token", cookies=who.cookies)
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def jwks(self) -> dict:
        r = httpx.get(self.api + "/jwks")
        assert r.status_code == 200, r.text
        return r.json()


def _server_factory(tmp_path_factory) -> Iterator:
    started: list[Server] = []

    def make(**extra_env: str) -> Server:
        server = Server(server_binary(), tmp_path_factory.mktemp("portcullis"), extra_env)
        started.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def make_server(tmp_path_factory) -> Iterator:
    """A factory of servers that are all stopped when the test ends."""
    yield from _server_factory(tmp_path_factory)


@pytest.fixture(scope="module")
def make_module_server(tmp_path_factory) -> Iterator:
    """The same, for servers a whole test module shares."""
    yield from _server_factory(tmp_path_factory)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
