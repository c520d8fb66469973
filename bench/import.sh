#!/usr/bin/env bash
# The bulk import, timed: `portcullis import auth0` of IMPORT_USERS users (default 100,000; every
# other one with a Google account, so about 150,000 account rows) into a fresh SQLite file and a
# fresh PostgreSQL database, with the release binary; then the same input again (every user
# found present: the idempotent pass). Prints a table and writes bench/results/import-<date>.md.
#
#   bench/import.sh [--no-build]
#
# Needs: cargo, python3 with bcrypt (.ci/requirements.txt), psql + PostgreSQL on 127.0.0.1:5432
# with trust auth for `postgres`. Env: CARGO_TARGET_DIR, PG_ADMIN_URL, IMPORT_USERS.
# The database it creates and its scratch directory are removed on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/portcullis
users=${IMPORT_USERS:-100000}
pg_admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="portcullis_import_bench_$$"

[ "${1:-}" = "--no-build" ] || (cd "$root" && cargo build --release -p portcullis)
work=$(mktemp -d)
cleanup() {
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$root/bench/import-users.py" "$users" "$work"
psql -q "$pg_admin" -c "CREATE DATABASE $db" >/dev/null

# run LABEL DATABASE_URL — prints "seconds imported present"
run() {
  local url=$2 start end report
  report="$work/$1.json"
  start=$(date +%s.%N)
  env -i PATH="$PATH" DATABASE_URL="$url" PORTCULLIS_DATA_DIR="$work" LOG_LEVEL=warn \
    BETTER_AUTH_SECRET=import-bench-secret-0123456789abcdef0123456789 \
    "$bin" import auth0 "$work/users.ndjson" --passwords "$work/passwords.ndjson" \
    --no-progress --report "$report" >/dev/null
  end=$(date +%s.%N)
  python3 - "$report" "$start" "$end" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{float(sys.argv[3]) - float(sys.argv[2]):.1f} {r['imported']} {r['alreadyPresent']}")
PY
}

sqlite_url="sqlite://$work/portcullis.db"
pg_url="${pg_admin%/*}/$db"
rows=()
for target in "SQLite|$sqlite_url" "PostgreSQL|$pg_url"; do
  label=${target%%|*} url=${target#*|}
  read -r secs imported _ < <(run "$label-first" "$url")
  [ "$imported" = "$users" ] || { echo "import into $label created $imported users, not $users" >&2; exit 1; }
  read -r again _ present < <(run "$label-again" "$url")
  [ "$present" = "$users" ] || { echo "second pass on $label found $present present, not $users" >&2; exit 1; }
  rate=$(python3 -c "print(round($users / $secs))")
  rows+=("| $label | $users | $secs s | $rate users/s | $again s |")
done

stamp=$(date -u +%Y-%m-%d-%H%M)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# Bulk import, $stamp"
  echo
  echo "\`portcullis import auth0\` of $users users (every other one with a Google account) and their"
  echo "bcrypt hashes, release build, batches of 500, on $(nproc) cores ($cpu)."
  echo
  echo "| Target | Users | Import | Rate | Second pass (all present) |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} | tee "$root/bench/results/import-$stamp.md"
