#!/usr/bin/env python3
"""Self-test of scripts/secret-scan.py: planted secrets in a temporary repository are found, and
an allow-listed constant is not. Run: python3 scripts/test_secret_scan.py (scripts/test does).

The planted values are put together at run time, so this file itself holds none and the scan of
the repository needs no allow-list entry for it."""

import base64
import contextlib
import importlib.util
import io
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("secret_scan", os.path.join(HERE, "secret-scan.py"))
scanner = importlib.util.module_from_spec(_spec)
sys.modules["secret_scan"] = scanner
_spec.loader.exec_module(scanner)

RNG = random.Random(2026)


def rand(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
PEM_KEY = ("-----BEGIN " + "PRIVATE KEY-----\n"
           + "\n".join(base64.b64encode(RNG.randbytes(48)).decode() for _ in range(4))
           + "\n-----END " + "PRIVATE KEY-----\n")
AWS_KEY_ID = "AKIA" + rand(string.ascii_uppercase + string.digits, 16)
GITHUB_TOKEN = "ghp" + "_" + rand(ALNUM, 36)
HIGH_ENTROPY = rand(ALNUM, 40)


def b64url(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def jwt(alg: str, signature: str) -> str:
    return ".".join([b64url({"alg": alg, "typ": "JWT"}), b64url({"sub": "user-1", "exp": 1}), signature])


class Repo:
    """A temporary git repository with the given files added (not committed: ls-files sees them)."""

    def __init__(self, files: dict, allow: str = ""):
        self.dir = tempfile.TemporaryDirectory(prefix="secret-scan-test-")
        self.root = self.dir.name
        subprocess.run(["git", "init", "-q", self.root], check=True)
        for path, text in files.items():
            full = os.path.join(self.root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
        subprocess.run(["git", "-C", self.root, "add", "--", *files], check=True)
        self.allow = os.path.join(self.root, "allow.txt")
        with open(self.allow, "w", encoding="utf-8") as f:
            f.write(allow)

    def run(self, *args: str) -> tuple:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = scanner.main(["--root", self.root, "--allow", self.allow, *args])
        return rc, out.getvalue()

    def finds(self) -> list:
        allow = scanner.load_allow_list(self.allow)
        paths = scanner.tracked_files(self.root, False)
        return [(f.path, f.rule.id, f.value) for f in scanner.scan(self.root, paths, allow) if not f.allowed_by]

    def close(self):
        self.dir.cleanup()


def finds_in(path: str, text: str) -> list:
    return [(f.rule.id, f.value) for f in scanner.scan_text(path, text)]


class PlantedSecretsAreFound(unittest.TestCase):
    def setUp(self):
        self.repo = Repo({
            "deploy/server.pem": PEM_KEY,
            "src/config.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY_ID}"\n',
            "scripts/release.sh": f"#!/bin/sh\ncurl -H 'Authorization: token {GITHUB_TOKEN}' https://api.github.com/\n",
            "deploy/.env": f"PORT=8080\nSESSION_SECRET={HIGH_ENTROPY}\n",
        })

    def tearDown(self):
        self.repo.close()

    def test_each_planted_secret_is_found_by_its_rule(self):
        self.assertCountEqual(self.repo.finds(), [
            ("deploy/server.pem", "private-key", PEM_KEY.split("\n")[0]),
            ("src/config.py", "aws-access-key-id", AWS_KEY_ID),
            ("scripts/release.sh", "github-token", GITHUB_TOKEN),
            ("deploy/.env", "secret-assignment", HIGH_ENTROPY),
        ])

    def test_the_command_fails_and_prints_finds_redacted(self):
        rc, out = self.repo.run()
        self.assertEqual(rc, 1, out)
        self.assertIn("deploy/.env:2: secret-assignment", out)
        self.assertIn(scanner.fingerprint(GITHUB_TOKEN), out)
        for value in (AWS_KEY_ID, GITHUB_TOKEN, HIGH_ENTROPY):
            self.assertNotIn(value, out, "the log never repeats a secret")


class AllowList(unittest.TestCase):
    def test_an_allow_listed_constant_is_not_reported_anywhere_else(self):
        fp = scanner.fingerprint(AWS_KEY_ID)
        other = "AKIA" + rand(string.ascii_uppercase + string.digits, 16)
        repo = Repo(
            {
                "tests/fixture.py": f'KEY = "{AWS_KEY_ID}"\n',
                "tests/other.py": f'KEY = "{other}"\n',  # another value at an allowed-looking path
                "src/app.py": f'KEY = "{AWS_KEY_ID}"\n',  # the allowed value at another path
            },
            allow=f"# comment\ntests/fixture.py aws-access-key-id {fp} a fake key the parser test reads\n",
        )
        try:
            self.assertCountEqual(repo.finds(), [
                ("tests/other.py", "aws-access-key-id", other),
                ("src/app.py", "aws-access-key-id", AWS_KEY_ID),
            ])
        finally:
            repo.close()

    def test_a_clean_repository_with_its_constant_allowed_passes(self):
        repo = Repo(
            {"fuzz/corpus/t/seed1": GITHUB_TOKEN, "README.md": "BETTER_AUTH_SECRET=...\n"},
            allow="fuzz/corpus/* github-token * generated fuzz inputs, no real token\n"
                  "nowhere/* jwt * an entry that matches nothing is a note, not a failure\n",
        )
        try:
            rc, out = repo.run()
            self.assertEqual(rc, 0, out)
            self.assertIn("1 allow-listed", out)
            self.assertIn("matched nothing", out)
        finally:
            repo.close()

    def test_entries_name_a_known_rule_a_path_and_a_reason(self):
        for bad in ("README.md jwt *\n",                      # no reason
                    "README.md jwt * ok\n",                   # a reason of one word
                    "README.md * * every rule in one file\n",  # no rule: turning rules off
                    "* jwt * every file for one rule\n",      # no path
                    "README.md jwt 1234 short fingerprint here\n"):
            with self.subTest(bad=bad), tempfile.NamedTemporaryFile("w", suffix=".allow") as f:
                f.write(bad)
                f.flush()
                with self.assertRaises(scanner.AllowListError):
                    scanner.load_allow_list(f.name)


class Rules(unittest.TestCase):
    def test_better_auth_secret_placeholders_pass_and_values_do_not(self):
        for ok in ("BETTER_AUTH_SECRET=\n", "BETTER_AUTH_SECRET=...   # from `portcullis secret generate`\n",
                   'BETTER_AUTH_SECRET: "REPLACE_ME"\n', 'BETTER_AUTH_SECRET="$(openssl rand -hex 32)"\n',
                   'env BETTER_AUTH_SECRET="$secret" portcullis\n',
                   'pass "(j) BETTER_AUTH_SECRETS: Better Auth\'s cookie"\n'):
            with self.subTest(ok=ok):
                self.assertEqual(finds_in("deploy/x.sh", ok), [])
        self.assertEqual(finds_in("clients/conftest.py", "env(BETTER_AUTH_SECRET=self.secret)\n"), [])
        self.assertEqual(finds_in("deploy/.env", "BETTER_AUTH_SECRET=hunter2\n"), [("better-auth-secret", "hunter2")])
        self.assertEqual(finds_in("k8s/secret.yaml", "  BETTER_AUTH_SECRET: abc\n"), [("better-auth-secret", "abc")])

    def test_words_and_expansions_are_not_high_entropy_secrets(self):
        for ok in ("GITHUB_CLIENT_SECRET=ref-github-secret\n", "SMTP_PASSWORD=$H_SINK_SMTP_PASSWORD\n",
                   'admin_password="Adm-$(h_rand_hex 8)-pw"\n', "API_KEY=change-me-to-something-long\n",
                   "password.rs::tests::argon2id_round_trip_uses_owasp_parameters\n"):
            with self.subTest(ok=ok):
                self.assertEqual(finds_in("scripts/x.sh", ok), [])
        # Program source is left to the format rules (a test's password is not an env file).
        self.assertEqual(finds_in("src/lib.rs", f'let secret = "{HIGH_ENTROPY}";\n'), [])

    def test_a_jwt_is_reported_when_it_looks_real(self):
        real = jwt("HS256", rand(ALNUM + "-_", 43))
        self.assertEqual(finds_in("tests/a.mjs", f'const t = "{real}";\n'), [("jwt", real)])
        self.assertEqual(finds_in("tests/a.mjs", jwt("none", rand(ALNUM, 43))), [])
        self.assertEqual(finds_in("tests/a.mjs", jwt("EdDSA", "c2ln")), [], "a stub signature")

    def test_a_pem_header_without_a_key_is_prose(self):
        self.assertEqual(finds_in("docs/a.md", "-----BEGIN " + "PRIVATE KEY-----\n...\n"), [])

    def test_passwords_in_urls(self):
        pw = rand(ALNUM, 24)
        self.assertEqual(finds_in("README.md", f"postgres://app:{pw}@db.internal/auth\n"), [("url-password", pw)])
        self.assertEqual(finds_in("README.md", "postgres://app:secret@db.example.com/auth\n"), [])


if __name__ == "__main__":
    unittest.main()
