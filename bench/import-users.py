#!/usr/bin/env python3
"""Writes N users in Auth0's export formats for bench/import.sh: the bulk user export (NDJSON;
every other user also has a Google identity) and the password hashes file Auth0's support sends.
One bcrypt hash, made by the `bcrypt` package, serves every user: an import carries hashes, it
never checks them.

    python3 bench/import-users.py N DIR
"""

import json
import os
import sys

import bcrypt


def main(n: int, out: str) -> None:
    digest = bcrypt.hashpw(b"bench-password-1", bcrypt.gensalt(10)).decode()
    with open(os.path.join(out, "users.ndjson"), "w") as users, open(
        os.path.join(out, "passwords.ndjson"), "w"
    ) as hashes:
        for i in range(n):
            oid = f"{i:024x}"
            email = f"user{i}@bulk.example"
            identities = [
                {"provider": "auth0", "user_id": oid, "isSocial": False,
                 "connection": "Username-Password-Authentication"}
            ]
            if i % 2 == 0:
                identities.append({"provider": "google-oauth2", "user_id": f"1{i:017d}",
                                   "connection": "google-oauth2", "isSocial": True})
            users.write(json.dumps({
                "user_id": f"auth0|{oid}", "email": email, "email_verified": True,
                "name": f"User {i}", "created_at": "2024-01-01T00:00:00.000Z",
                "identities": identities,
            }) + "\n")
            hashes.write(json.dumps({
                "_id": {"$oid": oid}, "email": email, "passwordHash": digest,
                "connection": "Username-Password-Authentication",
            }) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
