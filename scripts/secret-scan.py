#!/usr/bin/env python3
"""Secret scan of the repository (ASVS V2.10.4): fails when a tracked file holds a secret.

    scripts/secret-scan.py                 every file `git ls-files` lists (what CI runs)
    scripts/secret-scan.py --untracked     also new files not yet added (not ignored ones)
    scripts/secret-scan.py FILE...         only these files (paths relative to the repository)
    scripts/secret-scan.py --rules         the rules, one a line

What it looks for (RULES below): private keys (PEM blocks with a body, private JWKs), cloud and
SaaS token formats (AWS, GitHub, GitLab, Slack, Stripe, webhook signing secrets, Google, SendGrid,
Twilio, Resend, Mailgun, npm, PyPI, OpenAI, Anthropic), JWTs that look real (a JSON header naming
an algorithm other than "none", a JSON payload, a signature of 20 characters or more), passwords
in URLs, BETTER_AUTH_SECRET(S) set to anything but a documented placeholder, and random-looking
values given to names that say SECRET/PASSWORD/TOKEN/API_KEY/... in env files and the files that
set variables the same way (shell scripts, Dockerfiles, systemd units, YAML/TOML/INI, Markdown).

Documented placeholders (never reported): an empty value, "...", "…", REPLACE_ME (the Kubernetes
Secret template), CHANGE_ME/changeme, <angle-bracketed>, and anything expanded when it is used:
$VAR, ${VAR}, $(command), {{ template }}, %S (systemd).

Test constants are allow-listed in scripts/secret-scan.allow, one a line:

    PATH-GLOB  RULE  FINGERPRINT|*  REASON

FINGERPRINT pins one value (the first 12 hex digits of its SHA-256, printed with every find, so
the list never repeats a secret); `*` allows every value of that rule in the matching files
(generated files such as the fuzz corpus). There is no way to allow a rule everywhere or every
rule somewhere: each line names one rule, a path, and why. Entries that match nothing are
reported as notes, so the list can be pruned.

Exit status: 0 clean, 1 a secret was found, 2 a usage or allow-list error. Finds are printed
redacted (their first 4 characters, their length and their fingerprint). Python 3 stdlib only.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import fnmatch
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- what a secret looks like ---------------------------------------------------------------------

PLACEHOLDER = re.compile(
    r"""^(?:
        |\.\.\.|…                         # README: BETTER_AUTH_SECRET=...
        |REPLACE_ME|CHANGE_?ME|changeme   # deploy/kubernetes/secret.example.yaml
        |<[^<>]*>                         # <your secret>
        |\$.*                             # $VAR ${VAR} $(command): expanded when used
        |\{\{.*\}\}                       # a template
        |%[A-Za-z].*                      # systemd specifiers (%S, %d)
    )$""",
    re.X,
)


# A value computed when it is used: "metrics-$(h_rand_hex 12)", "$HOME/x", "${A}b".
EXPANSION = re.compile(r"\$(?:\(|\{|[A-Za-z_])")


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value.strip()) or EXPANSION.search(value))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = collections.Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(value: str) -> bool:
    """A value a person did not type: long hex, or 16+ characters mixing letters and digits with
    high entropy. Words and phrases ("ref-github-secret", "a long enough password") are not."""
    if is_placeholder(value):
        return False
    if re.fullmatch(r"[0-9a-fA-F]{32,}", value):
        return True
    return (
        len(value) >= 16
        and re.search(r"[A-Za-z]", value) is not None
        and re.search(r"[0-9]", value) is not None
        and entropy(value) >= 3.5
    )


def _b64json(part: str) -> Optional[object]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def jwt_looks_real(token: str) -> bool:
    header, payload, signature = token.split(".")[:3]
    h, p = _b64json(header), _b64json(payload)
    return (
        isinstance(h, dict)
        and isinstance(h.get("alg"), str)
        and h["alg"].lower() != "none"
        and isinstance(p, dict)
        and len(signature) >= 20
    )


# --- which files a rule reads ---------------------------------------------------------------------

SOURCE_EXT = {".rs", ".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".java", ".html", ".css"}
ENVLIKE_EXT = {".sh", ".bash", ".md", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".service",
               ".properties", ".txt"}


def is_source(path: str) -> bool:
    return os.path.splitext(path)[1] in SOURCE_EXT


def is_envlike(path: str, head: bytes) -> bool:
    """Env files, and files that set variables the same way."""
    base = os.path.basename(path)
    if base.startswith(".env") or base.endswith(".env") or ".env." in base or base == "Dockerfile":
        return True
    if os.path.splitext(base)[1] in ENVLIKE_EXT:
        return True
    return head.startswith(b"#!") and b"sh" in head.split(b"\n", 1)[0]  # extensionless scripts


# --- the rules ------------------------------------------------------------------------------------

@dataclass
class Rule:
    id: str
    what: str
    pattern: re.Pattern
    group: int = 0  # the group holding the secret itself
    check: Optional[Callable[[re.Match, str, str], bool]] = None  # (match, text, path) -> real?
    envlike_only: bool = False
    value: Optional[Callable[[re.Match], str]] = None  # the secret, when no one group holds it
    hints: tuple[str, ...] = ()  # the regex runs only on files holding one of these (lowercase)


def _pem_has_body(m: re.Match, text: str, path: str) -> bool:
    # A real key has base64 after its header; "-----BEGIN PRIVATE KEY-----\n...\n" in prose does not.
    return re.search(r"[A-Za-z0-9+/]{40,}", text[m.end():m.end() + 400]) is not None


def _jwk_has_kty(m: re.Match, text: str, path: str) -> bool:
    return '"kty"' in text[max(0, m.start() - 400):m.end() + 400]


def quoted_value(m: re.Match) -> tuple[str, str]:
    """(quote, value) of a match with the groups dq, sq and bare: "value", 'value' or value."""
    for quote, name in (('"', "dq"), ("'", "sq"), ("", "bare")):
        if m.group(name) is not None:
            return quote, m.group(name)
    return "", ""


def _is_literal(m: re.Match, text: str, path: str) -> bool:
    """The value after NAME= or NAME: is a literal written in the file: quoted, or bare outside
    program source (where secret=self.secret is an expression); after a colon, a bare word must
    end its line (YAML), so prose ("BETTER_AUTH_SECRETS: Better Auth's cookie") is not a value."""
    quote, value = quoted_value(m)
    if quote:
        return True
    if is_source(path):
        return False
    if m.group("op") == ":":
        return re.match(r"[ \t]*(?:#.*)?(?:\n|$)", text[m.end():m.end() + 200]) is not None
    return True


def _assigned_secret(m: re.Match, text: str, path: str) -> bool:
    if m.group("name").upper().startswith("BETTER_AUTH_SECRET"):
        return False  # its own rule
    return _is_literal(m, text, path) and looks_random(quoted_value(m)[1])


def _better_auth_secret(m: re.Match, text: str, path: str) -> bool:
    return _is_literal(m, text, path) and not is_placeholder(quoted_value(m)[1])


# NAME= or NAME: (not NAME::, a path), then the value, quoted or bare.
ASSIGN = r"""[\"']?[ \t]*(?P<op>[:=])(?!:)[ \t]*"""
VALUE = r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"'`;,#)]*))"""
KEY_NAME = (r"[A-Za-z0-9_.-]*(?:SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|ACCESS_?KEY"
            r"|PRIVATE_?KEY|AUTH_?KEY|CREDENTIALS?)[A-Za-z0-9_.-]*")

RULES = [
    Rule("private-key", "a PEM private key block",
         re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"), check=_pem_has_body,
         hints=("private key",)),
    Rule("private-jwk", "a JWK with its private member \"d\"",
         re.compile(r'"d"\s*:\s*"([A-Za-z0-9_-]{20,})"'), group=1, check=_jwk_has_kty,
         hints=('"d"',)),
    Rule("aws-access-key-id", "an AWS access key id",
         re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
         hints=("akia", "asia", "abia", "acca")),
    Rule("aws-secret-access-key", "an AWS secret access key",
         re.compile(r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"),
         group=1, hints=("secret",)),
    Rule("github-token", "a GitHub token",
         re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})"),
         hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    Rule("gitlab-token", "a GitLab personal access token", re.compile(r"glpat-[A-Za-z0-9_-]{20,}"),
         hints=("glpat-",)),
    Rule("slack-token", "a Slack token or incoming webhook",
         re.compile(r"(?<![A-Za-z0-9])xox[abposre]-[0-9A-Za-z-]{10,}"
                    r"|https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/+_-]{20,}"),
         hints=("xox", "hooks.slack.com")),
    Rule("stripe-key", "a Stripe secret or restricted key",
         re.compile(r"(?<![A-Za-z0-9])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"),
         hints=("_live_", "_test_")),
    Rule("webhook-signing-secret", "a Stripe / Standard Webhooks signing secret (whsec_)",
         re.compile(r"whsec_[A-Za-z0-9+/=_-]{20,}"),
         hints=("whsec_",)),
    Rule("google-api-key", "a Google API key", re.compile(r"AIza[0-9A-Za-z_-]{35}"),
         hints=("aiza",)),
    Rule("google-oauth-secret", "a Google OAuth client secret", re.compile(r"GOCSPX-[A-Za-z0-9_-]{20,}"),
         hints=("gocspx-",)),
    Rule("sendgrid-api-key", "a SendGrid API key",
         re.compile(r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,64}"),
         hints=("sg.",)),
    Rule("twilio-sid", "a Twilio account SID or API key SID",
         re.compile(r"(?<![A-Za-z0-9])(?:AC|SK)[0-9a-f]{32}(?![A-Za-z0-9])"),
         hints=("ac", "sk")),
    Rule("twilio-auth-token", "a Twilio auth token",
         re.compile(r"(?i)twilio[A-Za-z_]*token[\"']?\s*[:=]\s*[\"']?([0-9a-f]{32})(?![0-9a-f])"), group=1,
         hints=("twilio",)),
    Rule("resend-api-key", "a Resend API key",
         re.compile(r"(?<![A-Za-z0-9_])re_[A-Za-z0-9]{6,}_[A-Za-z0-9]{16,}"),
         hints=("re_",)),
    Rule("mailgun-api-key", "a Mailgun API key", re.compile(r"(?<![A-Za-z0-9])key-[0-9a-f]{32}(?![0-9a-f])"),
         hints=("key-",)),
    Rule("npm-token", "an npm access token", re.compile(r"(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
         hints=("npm_",)),
    Rule("pypi-token", "a PyPI upload token", re.compile(r"pypi-AgE[A-Za-z0-9_-]{50,}"),
         hints=("pypi-",)),
    Rule("openai-api-key", "an OpenAI API key",
         re.compile(r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}"),
         hints=("t3blbkfj",)),
    Rule("anthropic-api-key", "an Anthropic API key", re.compile(r"sk-ant-[a-z]+\d{2}-[A-Za-z0-9_-]{60,}"),
         hints=("sk-ant-",)),
    Rule("jwt", "a JWT that looks real (JSON header with an algorithm, JSON payload, a signature)",
         re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}"),
         check=lambda m, text, path: jwt_looks_real(m.group(0)),
         hints=("eyj",)),
    Rule("url-password", "a random-looking password in a URL",
         re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^\s/:@\"'<>()]+:([^\s/@\"'<>()]+)@[A-Za-z0-9.\[-]"),
         group=1, check=lambda m, text, path: looks_random(m.group(1)),
         hints=("://",)),
    Rule("better-auth-secret", "BETTER_AUTH_SECRET(S) set to something other than a placeholder",
         re.compile(r"(?<![A-Za-z0-9_])BETTER_AUTH_SECRETS?" + ASSIGN + VALUE),
         value=lambda m: quoted_value(m)[1], check=_better_auth_secret,
         hints=("better_auth_secret",)),
    Rule("secret-assignment", "a random-looking value given to a SECRET/PASSWORD/TOKEN/KEY name",
         re.compile(r"(?<![A-Za-z0-9_$.{-])(?P<name>" + KEY_NAME + r")" + ASSIGN + VALUE, re.I),
         value=lambda m: quoted_value(m)[1], check=_assigned_secret, envlike_only=True,
         hints=("secret", "passw", "passphrase", "token", "key", "credential")),
]

RULE_IDS = {r.id for r in RULES}


def secret_of(rule: Rule, m: re.Match) -> str:
    if rule.value:
        return rule.value(m)
    return m.group(rule.group) or m.group(0)


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]


# --- the allow-list -------------------------------------------------------------------------------

@dataclass
class Allow:
    line: int
    glob: str
    rule: str
    fingerprint: str  # or "*"
    reason: str
    used: int = 0

    def covers(self, path: str, rule: str, fp: str) -> bool:
        return (rule == self.rule and fnmatch.fnmatchcase(path, self.glob)
                and self.fingerprint in ("*", fp))


class AllowListError(Exception):
    pass


def load_allow_list(path: str) -> list[Allow]:
    entries = []
    if not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            if len(parts) < 4 or len(parts[3].split()) < 3:
                raise AllowListError(f"{path}:{n}: want PATH-GLOB RULE FINGERPRINT|* REASON (a reason of a few words)")
            glob, rule, fp, reason = parts
            if rule not in RULE_IDS:
                raise AllowListError(f"{path}:{n}: unknown rule {rule!r} (scripts/secret-scan.py --rules)")
            if fp != "*" and not re.fullmatch(r"[0-9a-f]{12}", fp):
                raise AllowListError(f"{path}:{n}: the fingerprint is 12 lowercase hex digits, or *")
            if glob in ("*", "**", "**/*"):
                raise AllowListError(f"{path}:{n}: an entry names the files it allows, not every file")
            entries.append(Allow(n, glob, rule, fp, reason))
    return entries


# --- scanning -------------------------------------------------------------------------------------

@dataclass
class Find:
    path: str
    line: int
    rule: Rule
    value: str
    allowed_by: Optional[Allow] = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.value)

    def redacted(self) -> str:
        return f"{self.value[:4]}…({len(self.value)} chars)"


def scan_text(path: str, text: str, head: bytes = b"") -> Iterator[Find]:
    """Every find in one file. A value is reported once per line: by the first rule (the
    specific formats come before the generic url-password and secret-assignment)."""
    envlike = is_envlike(path, head)
    lower = text.lower()
    line_starts = None
    seen = set()
    for rule in RULES:
        if rule.envlike_only and not envlike:
            continue
        if rule.hints and not any(h in lower for h in rule.hints):
            continue
        for m in rule.pattern.finditer(text):
            if rule.check and not rule.check(m, text, path):
                continue
            if line_starts is None:
                line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
            line = _bisect(line_starts, m.start())
            value = secret_of(rule, m)
            if any(line == l and (value in v or v in value) for l, v in seen):
                continue
            seen.add((line, value))
            yield Find(path, line, rule, value)


def _bisect(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


def scan_file(root: str, path: str) -> list[Find]:
    full = os.path.join(root, path)
    if os.path.islink(full) or not os.path.isfile(full):
        return []  # a symlink's target is scanned as itself; a deleted file has nothing to scan
    with open(full, "rb") as f:
        data = f.read()
    # Binary files too (the fuzz corpus): the rules are ASCII, undecodable bytes become U+FFFD.
    return list(scan_text(path, data.decode("utf-8", "replace"), data[:128]))


def tracked_files(root: str, untracked: bool) -> list[str]:
    cmd = ["git", "-C", root, "ls-files", "-z"]
    if untracked:
        cmd += ["--cached", "--others", "--exclude-standard"]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})


def scan(root: str, paths: list[str], allow: list[Allow]) -> list[Find]:
    finds = []
    for path in paths:
        for find in scan_file(root, path):
            for entry in allow:
                if entry.covers(find.path, find.rule.id, find.fingerprint):
                    entry.used += 1
                    find.allowed_by = entry
                    break
            finds.append(find)
    return finds


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", help="files to scan (default: every tracked file)")
    ap.add_argument("--root", default=ROOT, help="the repository (default: this script's)")
    ap.add_argument("--allow", help="the allow-list (default: <root>/scripts/secret-scan.allow)")
    ap.add_argument("--untracked", action="store_true", help="also files not yet added to git")
    ap.add_argument("--show-allowed", action="store_true", help="list the allow-listed finds too")
    ap.add_argument("--rules", action="store_true", help="list the rules and exit")
    args = ap.parse_args(argv)

    if args.rules:
        for rule in RULES:
            print(f"{rule.id:24} {rule.what}{' (env-style files)' if rule.envlike_only else ''}")
        return 0
    root = os.path.abspath(args.root)
    allow_path = args.allow or os.path.join(root, "scripts", "secret-scan.allow")
    try:
        allow = load_allow_list(allow_path)
    except AllowListError as e:
        print(f"secret-scan: {e}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    paths = args.paths or tracked_files(root, args.untracked)
    finds = scan(root, paths, allow)
    bad = [f for f in finds if not f.allowed_by]
    allowed = [f for f in finds if f.allowed_by]

    for f in bad:
        print(f"{f.path}:{f.line}: {f.rule.id}: {f.rule.what}: {f.redacted()} fingerprint {f.fingerprint}")
    if args.show_allowed:
        for f in allowed:
            print(f"allowed {f.path}:{f.line}: {f.rule.id} {f.fingerprint} "
                  f"(secret-scan.allow:{f.allowed_by.line}: {f.allowed_by.reason})")
    if not args.paths:
        for entry in allow:
            if not entry.used:
                print(f"note: {os.path.relpath(allow_path, root)}:{entry.line} matched nothing "
                      f"({entry.glob} {entry.rule} {entry.fingerprint})")
    print(f"secret scan: {len(paths)} files, {len(bad)} secret(s) found, {len(allowed)} allow-listed "
          f"test constant(s), {time.monotonic() - t0:.1f}s")
    if bad:
        print("Remove the secret (and rotate it if it was ever real). A test constant goes in "
              f"{os.path.relpath(allow_path, root)}: PATH-GLOB RULE FINGERPRINT REASON.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
