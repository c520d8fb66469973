#!/usr/bin/env python3
"""Regenerate the `portcullis import` fixtures in tests/import/fixtures/.

Every fixture is written in its source's own export format (see README.md beside this file for
where each format is documented), with password hashes made by the reference implementations:
bcrypt (the `bcrypt` package), PBKDF2 (`passlib.crypto.digest.pbkdf2_hmac`) and scrypt
(`hashlib.scrypt`). Firebase's hash is Firebase's own published test vector, embedded as is; the
Rust unit test `crypto::imported_hash::firebase_published_vector_verifies` checks it.

The output is byte-for-byte deterministic: ids and timestamps are fixed, and every salt (bcrypt's
too) is derived from a fixed label, so running this twice gives the same files.

    python3 tests/import/make_fixtures.py          # writes tests/import/fixtures/*
    python3 tests/import/make_fixtures.py --check  # also re-verifies every hash it wrote

Needs: bcrypt, passlib (pinned in .ci/requirements.txt).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import os
import struct
import sys
import unicodedata

import bcrypt
from passlib.crypto.digest import pbkdf2_hmac

HERE = os.path.dirname(os.path.abspath(__file__))
# IMPORT_FIXTURES_OUT: write elsewhere (scripts/test compares a fresh run with the checked-in files).
OUT = os.environ.get("IMPORT_FIXTURES_OUT") or os.path.join(HERE, "fixtures")

# --------------------------------------------------------------------------------------------
# Deterministic salts and small helpers
# --------------------------------------------------------------------------------------------


def fixed_bytes(label: str, n: int = 16) -> bytes:
    """n bytes derived from a label: fixed salts keep the fixtures reproducible."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"portcullis-import-fixture:{label}:{i}".encode()).digest()
        i += 1
    return out[:n]


_STD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT_B64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TO_BCRYPT = str.maketrans(_STD_B64, _BCRYPT_B64)


def bcrypt_hash(password: str, label: str, cost: int = 10, prefix: str = "2b") -> str:
    """bcrypt via the `bcrypt` package, with a fixed 16-byte salt (bcrypt's radix-64 alphabet).

    The package writes `$2b$`; `$2a$` (what Go's x/crypto/bcrypt writes: GoTrue, Clerk) is the same
    algorithm for any password without non-ASCII 8-bit wrap-around issues, so the prefix is
    rewritten where the source writes `$2a$`."""
    salt22 = base64.b64encode(fixed_bytes("bcrypt:" + label)).decode()[:22].translate(_TO_BCRYPT)
    salt = f"$2b${cost:02d}${salt22}".encode()
    h = bcrypt.hashpw(password.encode(), salt).decode()
    assert bcrypt.checkpw(password.encode(), h.encode())
    if prefix != "2b":
        h = f"${prefix}$" + h[4:]
        assert bcrypt.checkpw(password.encode(), h.encode())
    return h


def better_auth_hash(password: str, label: str) -> str:
    """Better Auth's scrypt: `hex(salt16):hex(key64)`; the 32-char hex salt STRING is the salt."""
    salt_hex = fixed_bytes("scrypt:" + label).hex()
    key = hashlib.scrypt(unicodedata.normalize("NFKC", password).encode(), salt=salt_hex.encode(),
                         n=16384, r=16, p=1, dklen=64, maxmem=128 * 16384 * 16 * 2)
    return f"{salt_hex}:{key.hex()}"


def better_auth_verify(password: str, stored: str) -> bool:
    salt_hex, key_hex = stored.split(":")
    key = hashlib.scrypt(unicodedata.normalize("NFKC", password).encode(), salt=salt_hex.encode(),
                         n=16384, r=16, p=1, dklen=64, maxmem=128 * 16384 * 16 * 2)
    return hmac.compare_digest(key.hex(), key_hex)


def keycloak_pbkdf2(password: str, salt: bytes, iterations: int, digest: str, key_bytes: int) -> str:
    """Keycloak's Pbkdf2PasswordHashProvider: PBEKeySpec(password chars, salt, iterations, bits),
    value = base64(derived key). (The optional NUL padding to `max-padding-length` is off by
    default and does not change the HMAC key anyway.)"""
    key = pbkdf2_hmac(digest, password.encode("utf-8"), salt, iterations, key_bytes)
    assert key == hashlib.pbkdf2_hmac(digest, password.encode("utf-8"), salt, iterations, key_bytes)
    return base64.b64encode(key).decode()


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


def totp_now_check(secret_b32: str) -> None:
    """Sanity: the base32 decodes and yields an RFC 6238 code."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    msg = struct.pack(">Q", 1)
    d = hmac.new(key, msg, hashlib.sha1).digest()
    o = d[-1] & 15
    code = (struct.unpack(">I", d[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000
    assert 0 <= code < 1_000_000


def sql_str(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def sqlite_val(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return sql_str(v)


def insert(table: str, row: dict, val=sql_str) -> str:
    cols = ", ".join(f'"{c}"' for c in row)
    vals = ", ".join(val(v) for v in row.values())
    return f"INSERT INTO {table} ({cols}) VALUES ({vals});"


def write(name: str, text: str) -> None:
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
        f.write(text)


def jdump(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


# Fixed times (UTC).
T_ALICE = "2024-03-01T10:00:00Z"
T_BOB = "2024-03-02T10:00:00Z"
T_CAROL = "2024-03-03T10:00:00Z"
T_DAVE = "2024-03-04T10:00:00Z"
T_ERIN = "2024-03-05T10:00:00Z"
MS = {T_ALICE: 1709287200000, T_BOB: 1709373600000, T_CAROL: 1709460000000,
      T_DAVE: 1709546400000, T_ERIN: 1709632800000}
for _t, _ms in MS.items():  # keep the two spellings honest
    import datetime as _dt
    assert int(_dt.datetime.fromisoformat(_t.replace("Z", "+00:00")).timestamp() * 1000) == _ms


def iso_ms(t: str) -> str:
    """2024-03-01T10:00:00Z -> 2024-03-01T10:00:00.000Z (JavaScript's Date#toISOString)."""
    return t[:-1] + ".000Z"


def pg_ts(t: str) -> str:
    return t.replace("T", " ").replace("Z", "+00")


TOTP_B32 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 20 bytes


def pw(person: str, source: str, n: int) -> str:
    return f"{person}-{source}-password-{n}"


def google_sub(digit: int) -> str:
    return f"10000000000000000{digit}"


def user(id, email, name, verified=True, image=None, created=None, password=None, username=None,
         accounts=(), totp=None, session=None):
    return {"id": id, "email": email, "name": name, "emailVerified": verified, "image": image,
            "createdAt": created, "password": password, "username": username,
            "accounts": [{"providerId": p, "accountId": a} for p, a in accounts],
            "totpBase32": totp, "sessionToken": session}


EXPECTED: dict = {"sources": {}}
CHECKS: list = []  # (description, callable) re-run by --check


# --------------------------------------------------------------------------------------------
# 1. better-auth: Better Auth 1.7 SQLite database (the Kysely migrator's DDL), as a SQL script
# --------------------------------------------------------------------------------------------


def gen_better_auth():
    S = "better-auth"
    alice_id = "aLiCe0BetterAuth0000000000000001"
    bob_id = "b0B00BetterAuth00000000000000002"
    assert len(alice_id) == len(bob_id) == 32
    alice_pw = pw("Alice", S, 1)
    alice_hash = better_auth_hash(alice_pw, "better-auth:alice")
    token = "ba-session-alice-000000000000001"

    ddl = [
        # Emitted by Better Auth's getMigrations() for dialect sqlite (Kysely column order:
        # type, default, not null, unique, primary key, references), core tables + two-factor.
        'create table "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, '
        '"emailVerified" integer not null, "image" text, "createdAt" date not null, "updatedAt" date not null, '
        '"twoFactorEnabled" integer);',
        'create table "session" ("id" text not null primary key, "expiresAt" date not null, "token" text not null unique, '
        '"createdAt" date not null, "updatedAt" date not null, "ipAddress" text, "userAgent" text, '
        '"userId" text not null references "user" ("id") on delete cascade);',
        'create table "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null, '
        '"userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text, '
        '"idToken" text, "accessTokenExpiresAt" date, "refreshTokenExpiresAt" date, "scope" text, "password" text, '
        '"createdAt" date not null, "updatedAt" date not null);',
        'create table "verification" ("id" text not null primary key, "identifier" text not null, "value" text not null, '
        '"expiresAt" date not null, "createdAt" date not null, "updatedAt" date not null);',
        'create table "twoFactor" ("id" text not null primary key, "secret" text not null, "backupCodes" text not null, '
        '"userId" text not null references "user" ("id") on delete cascade, "verified" integer, '
        '"failedVerificationCount" integer, "lockedUntil" date);',
        'create index "session_userId_idx" on "session" ("userId");',
        'create index "account_userId_idx" on "account" ("userId");',
        'create index "verification_identifier_idx" on "verification" ("identifier");',
        'create index "twoFactor_secret_idx" on "twoFactor" ("secret");',
        'create index "twoFactor_userId_idx" on "twoFactor" ("userId");',
    ]
    rows = [
        insert('"user"', {"id": alice_id, "name": f"Alice {S}", "email": f"alice@{S}.example",
                          "emailVerified": True, "image": f"https://img.{S}.example/alice.png",
                          "createdAt": iso_ms(T_ALICE), "updatedAt": iso_ms(T_ALICE),
                          "twoFactorEnabled": False}, sqlite_val),
        insert('"user"', {"id": bob_id, "name": f"Bob {S}", "email": f"bob@{S}.example",
                          "emailVerified": True, "image": None,
                          "createdAt": iso_ms(T_BOB), "updatedAt": iso_ms(T_BOB),
                          "twoFactorEnabled": False}, sqlite_val),
        insert('"account"', {"id": "accAliceCredential00000000000001", "accountId": alice_id,
                             "providerId": "credential", "userId": alice_id, "accessToken": None,
                             "refreshToken": None, "idToken": None, "accessTokenExpiresAt": None,
                             "refreshTokenExpiresAt": None, "scope": None, "password": alice_hash,
                             "createdAt": iso_ms(T_ALICE), "updatedAt": iso_ms(T_ALICE)}, sqlite_val),
        insert('"account"', {"id": "accBobGoogle00000000000000000002", "accountId": google_sub(1),
                             "providerId": "google", "userId": bob_id,
                             "accessToken": "ya29.fixture-access-token-bob",
                             "refreshToken": "1//fixture-refresh-token-bob",
                             "idToken": None, "accessTokenExpiresAt": "2024-03-02T11:00:00.000Z",
                             "refreshTokenExpiresAt": None,
                             "scope": "email,profile,openid", "password": None,
                             "createdAt": iso_ms(T_BOB), "updatedAt": iso_ms(T_BOB)}, sqlite_val),
        insert('"session"', {"id": "sesAlice000000000000000000000001", "expiresAt": "2099-01-01T00:00:00.000Z",
                             "token": token, "createdAt": "2024-03-10T10:00:00.000Z",
                             "updatedAt": "2024-03-10T10:00:00.000Z", "ipAddress": "",
                             "userAgent": "", "userId": alice_id}, sqlite_val),
    ]
    text = ("-- Better Auth 1.7 SQLite database (Kysely SQLite dialect): booleans 0/1, dates as ISO-8601 text,\n"
            "-- ids as text. Generated by tests/import/make_fixtures.py; do not edit by hand.\n"
            + "\n".join(ddl) + "\n" + "\n".join(rows) + "\n")
    write("better-auth.sqlite.sql", text)
    CHECKS.append(("better-auth alice scrypt", lambda: better_auth_verify(alice_pw, alice_hash)))

    EXPECTED["sources"][S] = {
        "files": ["better-auth.sqlite.sql"], "load": "sqlite", "args": [],
        "users": [
            user(alice_id, f"alice@{S}.example", f"Alice {S}", image=f"https://img.{S}.example/alice.png",
                 created=T_ALICE, password=alice_pw, session=token),
            user(bob_id, f"bob@{S}.example", f"Bob {S}", created=T_BOB,
                 accounts=[("google", google_sub(1))]),
        ],
        "withoutPassword": [], "skipped": [], "conflicts": [],
    }


# --------------------------------------------------------------------------------------------
# 2. authjs: @auth/pg-adapter's documented schema + the common `password` column
# --------------------------------------------------------------------------------------------


def gen_authjs():
    S = "authjs"
    alice_pw, dave_pw = pw("Alice", S, 1), pw("Dave", S, 4)
    alice_hash = bcrypt_hash(alice_pw, "authjs:alice")
    dave_hash = bcrypt_hash(dave_pw, "authjs:dave")
    ddl = """CREATE TABLE verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
);

CREATE TABLE accounts
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  PRIMARY KEY (id)
);

CREATE TABLE sessions
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) NOT NULL,

  PRIMARY KEY (id)
);

CREATE TABLE users
(
  id SERIAL,
  name VARCHAR(255),
  email VARCHAR(255),
  "emailVerified" TIMESTAMPTZ,
  image TEXT,

  PRIMARY KEY (id)
);

-- Added by the app for its Credentials provider (not part of the adapter's schema).
ALTER TABLE users ADD COLUMN password TEXT;
"""
    users = [
        {"id": 1, "name": f"Alice {S}", "email": f"alice@{S}.example", "emailVerified": "2024-03-01 10:05:00+00",
         "image": f"https://img.{S}.example/alice.png", "password": alice_hash},
        {"id": 2, "name": f"Bob {S}", "email": f"bob@{S}.example", "emailVerified": "2024-03-02 10:00:00+00",
         "image": None, "password": None},
        # erin: a row with no e-mail (e.g. a Credentials user created by hand) -> skipped
        {"id": 3, "name": f"Erin {S}", "email": None, "emailVerified": None, "image": None, "password": None},
        # dave: alice's address in another case, his own id -> conflict
        {"id": 4, "name": f"Dave {S}", "email": f"ALICE@{S}.example", "emailVerified": None,
         "image": None, "password": dave_hash},
    ]
    rows = [insert("users", u) for u in users]
    rows.append(insert("accounts", {
        "id": 1, "userId": 2, "type": "oidc", "provider": "google", "providerAccountId": google_sub(2),
        "refresh_token": "1//fixture-refresh-token-bob", "access_token": "ya29.fixture-access-token-bob",
        "expires_at": 1709380800, "id_token": None,
        "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
        "session_state": None, "token_type": "bearer"}))
    rows += ["SELECT pg_catalog.setval('users_id_seq', 4, true);",
             "SELECT pg_catalog.setval('accounts_id_seq', 1, true);"]
    text = ("-- Auth.js (@auth/pg-adapter) PostgreSQL schema as documented, plus users.password (bcrypt)\n"
            "-- as apps with a Credentials provider add it. Generated by tests/import/make_fixtures.py.\n\n"
            + ddl + "\n" + "\n".join(rows) + "\n")
    write("authjs.postgres.sql", text)
    CHECKS.append(("authjs alice bcrypt", lambda: bcrypt.checkpw(alice_pw.encode(), alice_hash.encode())))
    CHECKS.append(("authjs dave bcrypt", lambda: bcrypt.checkpw(dave_pw.encode(), dave_hash.encode())))
    EXPECTED["sources"][S] = {
        "files": ["authjs.postgres.sql"], "load": "postgres", "args": [],
        "users": [
            # Auth.js's schema has no creation time: createdAt is null (the importer picks one).
            user("1", f"alice@{S}.example", f"Alice {S}", image=f"https://img.{S}.example/alice.png",
                 created=None, password=alice_pw),
            user("2", f"bob@{S}.example", f"Bob {S}", created=None, accounts=[("google", google_sub(2))]),
        ],
        "withoutPassword": [],
        "skipped": [{"ref": "3", "reason": "no e-mail"}],
        "conflicts": [{"id": "4", "email": f"alice@{S}.example"}],
    }


# --------------------------------------------------------------------------------------------
# 3. supabase: auth.users / auth.identities / auth.mfa_factors as GoTrue's migrations leave them
# --------------------------------------------------------------------------------------------


def gen_supabase():
    S = "supabase"
    ids = {"alice": "a11ce000-0000-4000-8000-000000000001", "bob": "b0b00000-0000-4000-8000-000000000002",
           "carol": "ca201000-0000-4000-8000-000000000003"}
    alice_pw, carol_pw = pw("Alice", S, 1), pw("Carol", S, 2)
    alice_hash = bcrypt_hash(alice_pw, "supabase:alice", prefix="2a")
    carol_hash = bcrypt_hash(carol_pw, "supabase:carol", prefix="2a")
    ddl = """-- The auth schema as GoTrue (supabase/auth) migrations leave it, reduced to the three tables
-- the importer reads (columns, types, defaults, generated columns, keys and indexes kept).
CREATE SCHEMA auth;

CREATE TYPE auth.factor_type AS ENUM ('totp', 'webauthn', 'phone');
CREATE TYPE auth.factor_status AS ENUM ('unverified', 'verified');

CREATE TABLE auth.users (
    instance_id uuid NULL,
    id uuid NOT NULL,
    aud varchar(255) NULL,
    "role" varchar(255) NULL,
    email varchar(255) NULL,
    encrypted_password varchar(255) NULL,
    email_confirmed_at timestamptz NULL,
    invited_at timestamptz NULL,
    confirmation_token varchar(255) NULL,
    confirmation_sent_at timestamptz NULL,
    recovery_token varchar(255) NULL,
    recovery_sent_at timestamptz NULL,
    email_change_token_new varchar(255) NULL,
    email_change varchar(255) NULL,
    email_change_sent_at timestamptz NULL,
    last_sign_in_at timestamptz NULL,
    raw_app_meta_data jsonb NULL,
    raw_user_meta_data jsonb NULL,
    is_super_admin bool NULL,
    created_at timestamptz NULL,
    updated_at timestamptz NULL,
    phone text NULL UNIQUE DEFAULT NULL,
    phone_confirmed_at timestamptz NULL DEFAULT NULL,
    phone_change text NULL DEFAULT '',
    phone_change_token varchar(255) NULL DEFAULT '',
    phone_change_sent_at timestamptz NULL DEFAULT NULL,
    confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
    email_change_token_current varchar(255) NULL DEFAULT '',
    email_change_confirm_status smallint DEFAULT 0 CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
    banned_until timestamptz NULL,
    reauthentication_token varchar(255) NULL DEFAULT '',
    reauthentication_sent_at timestamptz NULL DEFAULT NULL,
    is_sso_user boolean NOT NULL DEFAULT false,
    deleted_at timestamptz NULL,
    is_anonymous boolean NOT NULL DEFAULT false,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX users_email_partial_key ON auth.users (email) WHERE (is_sso_user = false);
CREATE INDEX users_instance_id_idx ON auth.users USING btree (instance_id);
CREATE INDEX users_is_anonymous_idx ON auth.users USING btree (is_anonymous);

CREATE TABLE auth.identities (
    provider_id text NOT NULL,
    user_id uuid NOT NULL,
    identity_data jsonb NOT NULL,
    provider text NOT NULL,
    last_sign_in_at timestamptz NULL,
    created_at timestamptz NULL,
    updated_at timestamptz NULL,
    email text GENERATED ALWAYS AS (lower(identity_data->>'email')) STORED,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT identities_pkey PRIMARY KEY (id),
    CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider),
    CONSTRAINT identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE
);
CREATE INDEX identities_user_id_idx ON auth.identities USING btree (user_id);
CREATE INDEX identities_email_idx ON auth.identities (email text_pattern_ops);

CREATE TABLE auth.mfa_factors (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    friendly_name text NULL,
    factor_type auth.factor_type NOT NULL,
    status auth.factor_status NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    secret text NULL,
    phone text NULL DEFAULT NULL,
    last_challenged_at timestamptz NULL UNIQUE DEFAULT NULL,
    web_authn_credential jsonb NULL,
    web_authn_aaguid uuid NULL,
    last_webauthn_challenge_data jsonb NULL,
    CONSTRAINT mfa_factors_pkey PRIMARY KEY (id),
    CONSTRAINT mfa_factors_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX mfa_factors_user_friendly_name_unique ON auth.mfa_factors (friendly_name, user_id) WHERE trim(friendly_name) <> '';
CREATE INDEX mfa_factors_user_id_idx ON auth.mfa_factors (user_id);
CREATE UNIQUE INDEX unique_phone_factor_per_user ON auth.mfa_factors (user_id, phone);
"""

    def meta_email(uid, email, name, avatar):
        m = {"sub": uid, "email": email, "email_verified": True, "phone_verified": False, "full_name": name}
        if avatar:
            m["avatar_url"] = avatar
        return m

    def urow(uid, email, enc, confirmed, created, app_meta, user_meta, last_sign_in):
        return {"instance_id": "00000000-0000-0000-0000-000000000000", "id": uid, "aud": "authenticated",
                "role": "authenticated", "email": email, "encrypted_password": enc,
                "email_confirmed_at": confirmed, "invited_at": None, "confirmation_token": "",
                "confirmation_sent_at": None, "recovery_token": "", "recovery_sent_at": None,
                "email_change_token_new": "", "email_change": "", "email_change_sent_at": None,
                "last_sign_in_at": last_sign_in, "raw_app_meta_data": json.dumps(app_meta),
                "raw_user_meta_data": json.dumps(user_meta), "is_super_admin": None,
                "created_at": created, "updated_at": created, "phone": None, "phone_confirmed_at": None,
                "phone_change": "", "phone_change_token": "", "phone_change_sent_at": None,
                "email_change_token_current": "", "email_change_confirm_status": 0, "banned_until": None,
                "reauthentication_token": "", "reauthentication_sent_at": None, "is_sso_user": False,
                "deleted_at": None, "is_anonymous": False}

    a_email, b_email, c_email = f"alice@{S}.example", f"bob@{S}.example", f"carol@{S}.example"
    a_img = f"https://img.{S}.example/alice.png"
    bob_sub = google_sub(3)
    bob_google = {"iss": "https://accounts.google.com", "sub": bob_sub, "name": f"Bob {S}", "email": b_email,
                  "full_name": f"Bob {S}", "provider_id": bob_sub, "email_verified": True,
                  "phone_verified": False}
    users = [
        urow(ids["alice"], a_email, alice_hash, pg_ts("2024-03-01T10:05:00Z"), pg_ts(T_ALICE),
             {"provider": "email", "providers": ["email"]}, meta_email(ids["alice"], a_email, f"Alice {S}", a_img),
             pg_ts("2024-03-10T10:00:00Z")),
        # bob signed up with Google: GoTrue leaves encrypted_password as '' (empty string, not NULL)
        urow(ids["bob"], b_email, "", pg_ts(T_BOB), pg_ts(T_BOB),
             {"provider": "google", "providers": ["google"]}, bob_google, pg_ts(T_BOB)),
        urow(ids["carol"], c_email, carol_hash, pg_ts("2024-03-03T10:05:00Z"), pg_ts(T_CAROL),
             {"provider": "email", "providers": ["email"]}, meta_email(ids["carol"], c_email, f"Carol {S}", None),
             pg_ts("2024-03-10T10:00:00Z")),
    ]
    idents = [
        {"provider_id": ids["alice"], "user_id": ids["alice"],
         "identity_data": json.dumps({"sub": ids["alice"], "email": a_email, "email_verified": True,
                                      "phone_verified": False}),
         "provider": "email", "last_sign_in_at": pg_ts(T_ALICE), "created_at": pg_ts(T_ALICE),
         "updated_at": pg_ts(T_ALICE), "id": "1d000000-0000-4000-8000-000000000001"},
        {"provider_id": bob_sub, "user_id": ids["bob"], "identity_data": json.dumps(bob_google),
         "provider": "google", "last_sign_in_at": pg_ts(T_BOB), "created_at": pg_ts(T_BOB),
         "updated_at": pg_ts(T_BOB), "id": "1d000000-0000-4000-8000-000000000002"},
        {"provider_id": ids["carol"], "user_id": ids["carol"],
         "identity_data": json.dumps({"sub": ids["carol"], "email": c_email, "email_verified": True,
                                      "phone_verified": False}),
         "provider": "email", "last_sign_in_at": pg_ts(T_CAROL), "created_at": pg_ts(T_CAROL),
         "updated_at": pg_ts(T_CAROL), "id": "1d000000-0000-4000-8000-000000000003"},
    ]
    factor = {"id": "fac70000-0000-4000-8000-000000000003", "user_id": ids["carol"], "friendly_name": "phone app",
              "factor_type": "totp", "status": "verified", "created_at": pg_ts("2024-03-03T10:10:00Z"),
              "updated_at": pg_ts("2024-03-03T10:11:00Z"), "secret": TOTP_B32}
    rows = [insert("auth.users", u) for u in users] + [insert("auth.identities", i) for i in idents]
    rows.append(insert("auth.mfa_factors", factor))
    text = ("-- Supabase Auth (GoTrue) tables auth.users, auth.identities, auth.mfa_factors with their rows.\n"
            "-- Generated by tests/import/make_fixtures.py; do not edit by hand.\n\n" + ddl + "\n"
            + "\n".join(rows) + "\n")
    write("supabase.postgres.sql", text)
    totp_now_check(TOTP_B32)
    CHECKS.append(("supabase alice bcrypt $2a$", lambda: bcrypt.checkpw(alice_pw.encode(), alice_hash.encode())))
    CHECKS.append(("supabase carol bcrypt $2a$", lambda: bcrypt.checkpw(carol_pw.encode(), carol_hash.encode())))
    EXPECTED["sources"][S] = {
        "files": ["supabase.postgres.sql"], "load": "postgres", "args": [],
        "users": [
            user(ids["alice"], a_email, f"Alice {S}", image=a_img, created=T_ALICE, password=alice_pw),
            user(ids["bob"], b_email, f"Bob {S}", created=T_BOB, accounts=[("google", bob_sub)]),
            user(ids["carol"], c_email, f"Carol {S}", created=T_CAROL, password=carol_pw, totp=TOTP_B32),
        ],
        "withoutPassword": [], "skipped": [], "conflicts": [],
    }


# --------------------------------------------------------------------------------------------
# 4. clerk: Dashboard CSV export + the same users as Backend API user objects (JSON array)
# --------------------------------------------------------------------------------------------


def gen_clerk():
    S = "clerk"
    ids = {"alice": "user_2aLiCeCLERK0000000000000001", "bob": "user_2b0BCLERK000000000000000002",
           "carol": "user_2caR0LCLERK0000000000000003", "erin": "user_2eR1NCLERK00000000000000005",
           "dave": "user_2daVECLERK00000000000000004"}
    alice_pw, carol_pw, dave_pw, erin_pw = pw("Alice", S, 1), pw("Carol", S, 2), pw("Dave", S, 4), pw("Erin", S, 5)
    alice_hash = bcrypt_hash(alice_pw, "clerk:alice", prefix="2a")
    carol_hash = bcrypt_hash(carol_pw, "clerk:carol", prefix="2a")
    dave_hash = bcrypt_hash(dave_pw, "clerk:dave", prefix="2a")
    erin_md5 = hashlib.md5(erin_pw.encode()).hexdigest()
    people = [
        # key, first, last, username, email, verified, password, hasher, totp, created, image, google
        ("alice", "Alice", S, f"alice_{S}", f"alice@{S}.example", alice_hash, "bcrypt", None, T_ALICE,
         f"https://img.{S}.example/alice.png", None),
        ("bob", "Bob", S, None, f"bob@{S}.example", None, None, None, T_BOB, None, google_sub(4)),
        ("carol", "Carol", S, None, f"carol@{S}.example", carol_hash, "bcrypt", TOTP_B32, T_CAROL, None, None),
        # erin: a hasher Portcullis does not take (md5) -> imported without a password, reported
        ("erin", "Erin", S, None, f"erin@{S}.example", erin_md5, "md5", None, T_ERIN, None, None),
        # dave: alice's address in another case -> conflict
        ("dave", "Dave", S, None, f"ALICE@{S}.example", dave_hash, "bcrypt", None, T_DAVE, None, None),
    ]
    cols = ["id", "first_name", "last_name", "username", "primary_email_address", "primary_phone_number",
            "verified_email_addresses", "unverified_email_addresses", "verified_phone_numbers",
            "unverified_phone_numbers", "totp_secret", "password_digest", "password_hasher"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    api_users = []
    for key, first, last, uname, email, digest, hasher, totp, created, image, gsub in people:
        uid = ids[key]
        w.writerow([uid, first, last, uname or "", email, "", email, "", "", "", totp or "", digest or "",
                    hasher or ""])
        email_id = "idn_" + uid[5:] + "E"
        u = {
            "id": uid, "object": "user", "username": uname, "first_name": first, "last_name": last,
            "image_url": image or f"https://img.clerk.com/default-avatar-{key}",
            "has_image": image is not None,
            "primary_email_address_id": email_id, "primary_phone_number_id": None,
            "primary_web3_wallet_id": None, "password_enabled": digest is not None,
            "two_factor_enabled": totp is not None, "totp_enabled": totp is not None,
            "backup_code_enabled": False,
            "email_addresses": [{
                "id": email_id, "object": "email_address", "email_address": email, "reserved": False,
                "verification": {"status": "verified", "strategy": "oauth_google" if gsub else "email_code",
                                 "attempts": None, "expire_at": None},
                "linked_to": ([{"type": "oauth_google", "id": "idn_" + uid[5:] + "G"}] if gsub else []),
                "created_at": MS[created], "updated_at": MS[created]}],
            "phone_numbers": [], "web3_wallets": [], "passkeys": [],
            "external_accounts": ([{
                "object": "google_account", "id": "eac_" + uid[5:] + "G", "provider": "oauth_google",
                "identification_id": "idn_" + uid[5:] + "G", "provider_user_id": gsub,
                "approved_scopes": "email https://www.googleapis.com/auth/userinfo.email "
                                   "https://www.googleapis.com/auth/userinfo.profile openid profile",
                "email_address": email, "first_name": first, "last_name": last, "image_url": "",
                "username": None, "public_metadata": {}, "label": None,
                "created_at": MS[created], "updated_at": MS[created],
                "verification": {"status": "verified", "strategy": "oauth_google", "attempts": None,
                                 "expire_at": None}}] if gsub else []),
            "saml_accounts": [], "public_metadata": {}, "private_metadata": {}, "unsafe_metadata": {},
            "external_id": None, "last_sign_in_at": None, "banned": False, "locked": False,
            "lockout_expires_in_seconds": None, "verification_attempts_remaining": 100,
            "created_at": MS[created], "updated_at": MS[created], "delete_self_enabled": True,
            "create_organization_enabled": True, "last_active_at": MS[created],
            # not in Backend API responses: the create-user fields Clerk's migration tooling uses
            "password_digest": digest, "password_hasher": hasher,
        }
        api_users.append(u)
    write("clerk.csv", buf.getvalue())
    write("clerk.json", jdump(api_users))
    totp_now_check(TOTP_B32)
    for who, p, h in (("alice", alice_pw, alice_hash), ("carol", carol_pw, carol_hash), ("dave", dave_pw, dave_hash)):
        CHECKS.append((f"clerk {who} bcrypt $2a$", lambda p=p, h=h: bcrypt.checkpw(p.encode(), h.encode())))
    CHECKS.append(("clerk erin md5", lambda: hashlib.md5(erin_pw.encode()).hexdigest() == erin_md5))
    EXPECTED["sources"][S] = {
        "files": ["clerk.csv", "clerk.json"], "load": None, "args": [],
        "users": [
            user(ids["alice"], f"alice@{S}.example", f"Alice {S}", image=f"https://img.{S}.example/alice.png",
                 created=T_ALICE, password=alice_pw, username=f"alice_{S}"),
            user(ids["bob"], f"bob@{S}.example", f"Bob {S}", created=T_BOB, accounts=[("google", google_sub(4))]),
            user(ids["carol"], f"carol@{S}.example", f"Carol {S}", created=T_CAROL, password=carol_pw,
                 totp=TOTP_B32),
            user(ids["erin"], f"erin@{S}.example", f"Erin {S}", created=T_ERIN, password=None),
        ],
        "withoutPassword": [{"id": ids["erin"], "reason": "md5"}],
        "skipped": [],
        "conflicts": [{"id": ids["dave"], "email": f"alice@{S}.example"}],
    }


# --------------------------------------------------------------------------------------------
# 5. auth0: bulk user export (NDJSON) + the password hashes export support provides (NDJSON)
# --------------------------------------------------------------------------------------------


def gen_auth0():
    S = "auth0"
    oid = {"alice": "65e1a8c0a11ce00000000001", "dave": "65e1a8c0da4e000000000004"}
    alice_pw, dave_pw = pw("Alice", S, 1), pw("Dave", S, 4)
    alice_hash = bcrypt_hash(alice_pw, "auth0:alice")
    dave_hash = bcrypt_hash(dave_pw, "auth0:dave")
    bob_sub = google_sub(5)
    alice = {"user_id": f"auth0|{oid['alice']}", "email": f"alice@{S}.example", "email_verified": True,
             "name": f"Alice {S}", "picture": f"https://img.{S}.example/alice.png",
             "created_at": iso_ms(T_ALICE), "updated_at": "2024-03-10T10:00:00.000Z",
             "identities": [{"provider": "auth0", "user_id": oid["alice"],
                             "connection": "Username-Password-Authentication", "isSocial": False}]}
    bob = {"user_id": f"google-oauth2|{bob_sub}", "email": f"bob@{S}.example", "email_verified": True,
           "name": f"Bob {S}", "created_at": iso_ms(T_BOB), "updated_at": iso_ms(T_BOB),
           "identities": [{"provider": "google-oauth2", "user_id": bob_sub, "connection": "google-oauth2",
                           "isSocial": True}]}
    dave = {"user_id": f"auth0|{oid['dave']}", "email": f"ALICE@{S}.example", "email_verified": False,
            "name": f"Dave {S}", "created_at": iso_ms(T_DAVE), "updated_at": iso_ms(T_DAVE),
            "identities": [{"provider": "auth0", "user_id": oid["dave"],
                            "connection": "Username-Password-Authentication", "isSocial": False}]}
    compact = lambda o: json.dumps(o, separators=(",", ":"))
    broken = '{"user_id":"auth0|65e1a8c0b40e000000000003","email":"broken@auth0.example","email_verified":tru'
    lines = [compact(alice), compact(bob), broken, compact(dave)]  # line 3 is not JSON
    write("auth0-users.ndjson", "\n".join(lines) + "\n")

    def pwline(o, email, verified, h, when):
        return compact({"_id": {"$oid": o}, "email_verified": verified, "email": email, "passwordHash": h,
                        "password_set_date": {"$date": when}, "tenant": "portcullis-fixtures",
                        "connection": "Username-Password-Authentication", "_tmp_is_unique": True,
                        "identifiers": [{"type": "email", "value": email, "verified": verified}]})
    write("auth0-passwords.ndjson",
          pwline(oid["alice"], f"alice@{S}.example", True, alice_hash, iso_ms(T_ALICE)) + "\n"
          + pwline(oid["dave"], f"ALICE@{S}.example", False, dave_hash, iso_ms(T_DAVE)) + "\n")
    CHECKS.append(("auth0 alice bcrypt", lambda: bcrypt.checkpw(alice_pw.encode(), alice_hash.encode())))
    CHECKS.append(("auth0 dave bcrypt", lambda: bcrypt.checkpw(dave_pw.encode(), dave_hash.encode())))
    EXPECTED["sources"][S] = {
        "files": ["auth0-users.ndjson"], "load": None, "args": ["--passwords", "{dir}/auth0-passwords.ndjson"],
        "users": [
            user(f"auth0|{oid['alice']}", f"alice@{S}.example", f"Alice {S}",
                 image=f"https://img.{S}.example/alice.png", created=T_ALICE, password=alice_pw),
            user(f"google-oauth2|{bob_sub}", f"bob@{S}.example", f"Bob {S}", created=T_BOB,
                 accounts=[("google", bob_sub)]),
        ],
        "withoutPassword": [],
        "skipped": [{"ref": "line 3", "reason": "JSON"}],
        "conflicts": [{"id": f"auth0|{oid['dave']}", "email": f"alice@{S}.example"}],
    }


# --------------------------------------------------------------------------------------------
# 6. firebase: `firebase auth:export` JSON + the project's password hash parameters
# --------------------------------------------------------------------------------------------

# Firebase's published test vector (github.com/firebase/scrypt README).
FB_SIGNER_KEY = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
FB_SALT_SEP = "Bw=="
FB_ROUNDS = 8
FB_MEM_COST = 14
FB_SALT = "42xEC+ixf3L2lw=="
FB_PASSWORD = "user1password"
FB_HASH = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="

def gen_firebase():
    S = "firebase"
    lid = {"alice": "aLiCeFiReBaSe000000000000001", "bob": "b0bFiReBaSe00000000000000002",
           "anon": "an0nFiReBaSe0000000000000003", "dave": "daVeFiReBaSe0000000000000004"}
    bob_sub = google_sub(6)
    users = [
        {"localId": lid["alice"], "email": f"alice@{S}.example", "emailVerified": True,
         "passwordHash": FB_HASH, "salt": FB_SALT, "displayName": f"Alice {S}",
         "photoUrl": f"https://img.{S}.example/alice.png", "lastSignedInAt": "1710064800000",
         "createdAt": str(MS[T_ALICE]), "providerUserInfo": []},
        {"localId": lid["bob"], "email": f"bob@{S}.example", "emailVerified": True, "displayName": f"Bob {S}",
         "lastSignedInAt": str(MS[T_BOB]), "createdAt": str(MS[T_BOB]),
         "providerUserInfo": [{"providerId": "google.com", "rawId": bob_sub, "email": f"bob@{S}.example",
                               "displayName": f"Bob {S}"}]},
        # an anonymous account: no email, no phone -> skipped
        {"localId": lid["anon"], "emailVerified": False, "lastSignedInAt": "1709722800000",
         "createdAt": "1709722800000"},
        # dave: alice's address in another case -> conflict
        {"localId": lid["dave"], "email": f"ALICE@{S}.example", "emailVerified": False,
         "displayName": f"Dave {S}", "lastSignedInAt": str(MS[T_DAVE]), "createdAt": str(MS[T_DAVE]),
         "providerUserInfo": []},
    ]
    # `firebase auth:export` writes '{"users": [' EOL, each user as JSON.stringify(u, null, 2) joined
    # by ',' EOL, then EOL ']}'.
    body = ",\n".join(json.dumps(u, indent=2, ensure_ascii=False) for u in users)
    write("firebase-users.json", '{"users": [\n' + body + "\n]}\n")
    write("firebase-hash-config.json", jdump({
        "algorithm": "SCRYPT", "base64_signer_key": FB_SIGNER_KEY, "base64_salt_separator": FB_SALT_SEP,
        "rounds": FB_ROUNDS, "mem_cost": FB_MEM_COST}))
    EXPECTED["sources"][S] = {
        "files": ["firebase-users.json"], "load": None,
        "args": ["--hash-key", FB_SIGNER_KEY, "--salt-separator", FB_SALT_SEP, "--rounds", str(FB_ROUNDS),
                 "--mem-cost", str(FB_MEM_COST)],
        "users": [
            user(lid["alice"], f"alice@{S}.example", f"Alice {S}", image=f"https://img.{S}.example/alice.png",
                 created=T_ALICE, password=FB_PASSWORD),
            user(lid["bob"], f"bob@{S}.example", f"Bob {S}", created=T_BOB, accounts=[("google", bob_sub)]),
        ],
        "withoutPassword": [],
        "skipped": [{"ref": lid["anon"], "reason": "no e-mail"}],
        "conflicts": [{"id": lid["dave"], "email": f"alice@{S}.example"}],
    }


# --------------------------------------------------------------------------------------------
# 7. keycloak: realm export (JSON) with users, their credentials and federated identities
# --------------------------------------------------------------------------------------------

KC_OTP_SECRET = "CarolKeycloakOtp2024"  # what Keycloak stores: the secret string; HMAC key = its UTF-8 bytes


def gen_keycloak():
    S = "keycloak"
    ids = {"alice": "a11ce000-4b1c-4c1a-8a0c-000000000001", "bob": "b0b00000-4b1c-4c1a-8a0c-000000000002",
           "erin": "e2140000-4b1c-4c1a-8a0c-000000000005", "carol": "ca201000-4b1c-4c1a-8a0c-000000000003"}
    alice_pw, carol_pw, erin_pw = pw("Alice", S, 1), pw("Carol", S, 2), pw("Erin", S, 5)
    a_salt, c_salt, e_salt = (fixed_bytes("keycloak:" + k) for k in ("alice", "carol", "erin"))
    # pbkdf2-sha256, 27,500 iterations (Keycloak's default before 24), 256-bit key (the factory's
    # derived key size since Keycloak 21; Keycloak 20 and older wrote 512 bits: a verifier must take
    # the key length from the stored value, as Keycloak's own verify() does).
    alice_val = keycloak_pbkdf2(alice_pw, a_salt, 27500, "sha256", 32)
    # pbkdf2-sha512, 210,000 iterations (Keycloak 24+ default), 512-bit key.
    carol_val = keycloak_pbkdf2(carol_pw, c_salt, 210000, "sha512", 64)
    erin_val = base64.b64encode(hashlib.sha1(e_salt + erin_pw.encode()).digest()).decode()

    def pw_cred(cid, value, salt, iterations, algorithm, created):
        return {"id": cid, "type": "password", "userLabel": "My password", "createdDate": created,
                "secretData": json.dumps({"value": value, "salt": base64.b64encode(salt).decode(),
                                          "additionalParameters": {}}, separators=(",", ":")),
                "credentialData": json.dumps({"hashIterations": iterations, "algorithm": algorithm,
                                              "additionalParameters": {}}, separators=(",", ":"))}

    otp_cred = {"id": "0e7c0000-4b1c-4c1a-8a0c-000000000013", "type": "otp", "userLabel": "phone app",
                "createdDate": MS[T_CAROL] + 600000,
                "secretData": json.dumps({"value": KC_OTP_SECRET}, separators=(",", ":")),
                "credentialData": json.dumps({"subType": "totp", "digits": 6, "counter": 0, "period": 30,
                                              "algorithm": "HmacSHA1"}, separators=(",", ":"))}

    def kc_user(key, first, email, creds, fed=None, required=None):
        return {"id": ids[key], "username": f"{key}_{S}", "firstName": first, "lastName": S, "email": email,
                "emailVerified": True, "createdTimestamp": MS[{"alice": T_ALICE, "bob": T_BOB, "carol": T_CAROL,
                                                               "erin": T_ERIN}[key]],
                "enabled": True, "totp": any(c["type"] == "otp" for c in creds),
                **({"federatedIdentities": fed} if fed else {}),
                "credentials": creds, "disableableCredentialTypes": [], "requiredActions": required or [],
                "realmRoles": [f"default-roles-{S}-fixtures"], "notBefore": 0, "groups": []}

    realm = {
        "id": "f1c70000-4b1c-4c1a-8a0c-0000000000aa", "realm": f"{S}-fixtures", "enabled": True,
        "sslRequired": "external", "registrationAllowed": False, "loginWithEmailAllowed": True,
        "duplicateEmailsAllowed": False, "otpPolicyType": "totp", "otpPolicyAlgorithm": "HmacSHA1",
        "otpPolicyInitialCounter": 0, "otpPolicyDigits": 6, "otpPolicyLookAheadWindow": 1,
        "otpPolicyPeriod": 30, "otpPolicyCodeReusable": False,
        "users": [
            kc_user("alice", "Alice", f"alice@{S}.example",
                    [pw_cred("0e7c0000-4b1c-4c1a-8a0c-000000000011", alice_val, a_salt, 27500, "pbkdf2-sha256",
                             MS[T_ALICE])]),
            kc_user("bob", "Bob", f"bob@{S}.example", [],
                    fed=[{"identityProvider": "google", "userId": google_sub(7), "userName": f"bob@{S}.example"}]),
            # erin: a password hashed by a provider Portcullis does not know -> imported without it
            kc_user("erin", "Erin", f"erin@{S}.example",
                    [pw_cred("0e7c0000-4b1c-4c1a-8a0c-000000000015", erin_val, e_salt, 1, "sha1-custom",
                             MS[T_ERIN])]),
            kc_user("carol", "Carol", f"carol@{S}.example",
                    [pw_cred("0e7c0000-4b1c-4c1a-8a0c-000000000012", carol_val, c_salt, 210000, "pbkdf2-sha512",
                             MS[T_CAROL]), otp_cred]),
        ],
        "identityProviders": [{"alias": "google", "displayName": "Google", "providerId": "google",
                               "enabled": True, "trustEmail": True, "storeToken": False,
                               "firstBrokerLoginFlowAlias": "first broker login",
                               "config": {"clientId": "fixture-client-id", "clientSecret": "**********"}}],
    }
    write("keycloak-realm.json", jdump(realm))
    kc_totp = b32(KC_OTP_SECRET.encode("utf-8"))
    totp_now_check(kc_totp)
    CHECKS.append(("keycloak alice pbkdf2-sha256/27500/256-bit",
                   lambda: keycloak_pbkdf2(alice_pw, a_salt, 27500, "sha256", 32) == alice_val))
    CHECKS.append(("keycloak carol pbkdf2-sha512/210000/512-bit",
                   lambda: keycloak_pbkdf2(carol_pw, c_salt, 210000, "sha512", 64) == carol_val))
    EXPECTED["sources"][S] = {
        "files": ["keycloak-realm.json"], "load": None, "args": [],
        "users": [
            user(ids["alice"], f"alice@{S}.example", f"Alice {S}", created=T_ALICE, password=alice_pw,
                 username=f"alice_{S}"),
            user(ids["bob"], f"bob@{S}.example", f"Bob {S}", created=T_BOB, username=f"bob_{S}",
                 accounts=[("google", google_sub(7))]),
            user(ids["erin"], f"erin@{S}.example", f"Erin {S}", created=T_ERIN, password=None,
                 username=f"erin_{S}"),
            user(ids["carol"], f"carol@{S}.example", f"Carol {S}", created=T_CAROL, password=carol_pw,
                 username=f"carol_{S}", totp=kc_totp),
        ],
        "withoutPassword": [{"id": ids["erin"], "reason": "sha1-custom"}],
        "skipped": [], "conflicts": [],
    }


# --------------------------------------------------------------------------------------------


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    # Better Auth's own test vector (shared/reference/better-auth-wire-spec.md §11) first.
    assert better_auth_verify("password123", "00112233445566778899aabbccddeeff:73122e887cfc14f91396cdef78dfe4b9de"
                              "c28d459037601c4904cedba5a637ab97b39b40c236df5d42881d0109ca8cf0f85e39dbaba2911c19"
                              "0915bd8f30fe85")
    for gen in (gen_better_auth, gen_authjs, gen_supabase, gen_clerk, gen_auth0, gen_firebase, gen_keycloak):
        gen()
    write("expected.json", jdump(EXPECTED))
    if "--check" in argv:
        bad = 0
        for desc, fn in CHECKS:
            ok = bool(fn())
            bad += not ok
            print(("ok   " if ok else "FAIL ") + desc)
        if bad:
            sys.exit(f"{bad} hash check(s) failed")
    print(f"wrote {len(os.listdir(OUT))} files to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
