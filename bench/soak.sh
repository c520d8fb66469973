#!/usr/bin/env bash
# The soak (issue 32): Portcullis on PostgreSQL under mixed Better Auth traffic for 10 minutes at
# about 80 % of the maximum it sustains, with its RSS, descriptors and connections sampled. A
# bench mode, not a CI test. See bench/README.md, "Soak".
#
#   bench/soak.sh              find-max for 60 s, then the soak at 80 % of it for 600 s (~12 min)
#   Options: --no-build (use the binaries already in $CARGO_TARGET_DIR/release)
#            --out DIR  (default bench/results)
#
# It builds `portcullis` and `bench-soak` in release mode, creates a fresh PostgreSQL database,
# starts Portcullis on it in a session of its own with rate limiting and lockout off, and runs
# bench-soak: a closed loop for SOAK_FIND_MAX_SECONDS to measure the maximum (cycles/s), then an
# open loop at SOAK_FRACTION of it for SOAK_SECONDS. Every cycle is sign-up, get-session,
# update-user, sign-out, two sign-ins, list-sessions, a revocation, checks that signed-out and
# revoked sessions answer null, and a last sign-out.
# A full run (SOAK_SECONDS=600 or more) writes DIR/soak-<UTC date-time>.md and .json and
# DIR/soak-latest.md and .json. A shorter one is a trial: it writes DIR/soak-trial-latest.md and
# .json, which git ignores. The server is stopped and the database dropped on exit, also on
# failure or Ctrl-C. Exits 0 when the soak passed (no error, the rate held, the server kept up,
# RSS and connections flat over the last 8 minutes), 1 when it failed (after writing the
# report), 2 on a set-up error.
#
# Needs: cargo, python3, curl, ss, psql + PostgreSQL on 127.0.0.1:5432 with trust auth for
# `postgres`.
# Env: CARGO_TARGET_DIR (default /var/tmp/portcullis-target), PG_ADMIN_URL (see
#      scripts/lib/harness.sh), SOAK_SECONDS (600), SOAK_FIND_MAX_SECONDS (60), SOAK_FRACTION
#      (0.8), SOAK_CONCURRENCY (virtual users in find-max, 16), SOAK_CONNECTIONS (client
#      connections, 64), SOAK_SERVER_ENV (extra VAR=value words for the server, e.g.
#      "SESSION_CACHE=on"), SOAK_ARGS (extra bench-soak options).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=scripts/lib/harness.sh
source "$root/scripts/lib/harness.sh"
# the server in a session of its own, as bench/run.sh starts it (see h_launcher)
H_OWN_SESSION=1
# A set-up problem exits 2, apart from a failed soak (1); the trap still cleans up.
setup_die() { printf 'ERROR: %s\n' "$*" >&2; exit 2; }

build=1 out=$here/results
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) setup_die "unknown argument: $1 (try --help)" ;;
  esac
  shift
done

SOAK_SECONDS=${SOAK_SECONDS:-600}
FIND_MAX_SECONDS=${SOAK_FIND_MAX_SECONDS:-60}
FRACTION=${SOAK_FRACTION:-0.8}
CONCURRENCY=${SOAK_CONCURRENCY:-16}
CONNECTIONS=${SOAK_CONNECTIONS:-64}
FULL_SECONDS=600
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/portcullis-target}
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$root/$CARGO_TARGET_DIR" ;; esac

say() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

h_install_trap

# --- preflight -----------------------------------------------------------------------------------
for tool in python3 curl psql pg_isready ss setsid; do
  command -v "$tool" >/dev/null || setup_die "$tool is required"
done
[[ $SOAK_SECONDS =~ ^[0-9]+$ && $FIND_MAX_SECONDS =~ ^[0-9]+$ ]] ||
  setup_die "SOAK_SECONDS and SOAK_FIND_MAX_SECONDS must be whole seconds"
[ "$FIND_MAX_SECONDS" -gt 0 ] || setup_die "SOAK_FIND_MAX_SECONDS must be at least 1"
h_pg_ready || setup_die "PostgreSQL is not answering on $PG_HOSTPORT"

if [ "$build" = 1 ]; then
  say "building portcullis and bench-soak (release, $CARGO_TARGET_DIR)"
  (cd "$root" && cargo build --release --quiet -p portcullis -p portcullis-bench-soak)
fi
BIN=$CARGO_TARGET_DIR/release/portcullis
SOAK_BIN=$CARGO_TARGET_DIR/release/bench-soak
for b in "$BIN" "$SOAK_BIN"; do [ -x "$b" ] || setup_die "missing binary $b (drop --no-build)"; done

# Other work on the machine moves every number; the report says when a compiler was running.
busy_now() {
  local p
  for p in rustc cargo cc1 cc1plus ld ld.lld rust-lld; do
    pgrep -x "$p" >/dev/null && { echo yes; return; }
  done
  echo no
}

# --- database and server ---------------------------------------------------------------------------
work=""
h_tmpdir work soak
run_id=$(h_rand_hex 4)
secret=$(h_secret48)
db="bench_soak_$run_id"
h_create_db "$db" || setup_die "could not create database $db"
# Without TLS, as bench/run.sh connects (Debian's PostgreSQL offers TLS, which the server would
# otherwise prefer).
dburl="${PG_ADMIN_URL%/*}/$db?sslmode=disable"

# As bench/run.sh: rate limiting and lockout off (one client signs thousands of users in),
# warnings only in the log. Everything else is the server's default (no session cache on
# PostgreSQL without Redis, no cookie cache).
server_env=(PORTCULLIS_DATA_DIR="$work/data" LOG_LEVEL=warn RATE_LIMIT_ENABLED=false
  LOCKOUT_MAX_ATTEMPTS=0 PASSWORD_HASH=argon2id)
# shellcheck disable=SC2206  # deliberate word splitting of VAR=value words
[ -n "${SOAK_SERVER_ENV:-}" ] && server_env+=($SOAK_SERVER_ENV)
mkdir -p "$work/data"
h_start_portcullis "$BIN" "$dburl" "$secret" "$work/server.log" "${server_env[@]}" ||
  setup_die "Portcullis did not start"
pid=$H_LAST_PID base=$H_LAST_BASE
say "Portcullis at $base (pid $pid, database $db)"

# --- the run -------------------------------------------------------------------------------------
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
busy_start=$(busy_now)
python3 - "$work/meta.json" "$commit" "$(psql --version | awk '{print $3}')" "$busy_start" \
  "$SOAK_SECONDS" "$FIND_MAX_SECONDS" "$FRACTION" "${server_env[*]}" <<'PY'
import datetime, json, os, platform, sys
out, commit, pg, busy, soak, find_max, fraction, env = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
# the data directory is a temporary path: not worth printing
env = " ".join(w for w in env.split() if not w.startswith("PORTCULLIS_DATA_DIR="))
json.dump({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": f"{cpu}, {os.cpu_count()} cores shared by the server, PostgreSQL and bench-soak, "
               f"{mem / 1048576:.1f} GB, Linux {platform.release()}",
    "commit": commit,
    "PostgreSQL": pg,
    "command": f"SOAK_SECONDS={soak} SOAK_FIND_MAX_SECONDS={find_max} SOAK_FRACTION={fraction} bench/soak.sh",
    "server": f"Portcullis (release) on PostgreSQL, {env}; defaults otherwise",
    "compiler running at the start": busy,
}, open(out, "w"), indent=1)
PY

mkdir -p "$out"
if [ "$SOAK_SECONDS" -ge "$FULL_SECONDS" ]; then
  stamp=$(date -u +%Y-%m-%d-%H%M)
  json_out="$out/soak-$stamp.json" md_outs=("$out/soak-$stamp.md" "$out/soak-latest.md")
else
  say "a trial (SOAK_SECONDS < $FULL_SECONDS): writing $out/soak-trial-latest.md"
  json_out="$out/soak-trial-latest.json" md_outs=("$out/soak-trial-latest.md")
fi
md_args=()
for m in "${md_outs[@]}"; do md_args+=(--markdown "$m"); done
extra_args=()
# shellcheck disable=SC2206  # deliberate word splitting of options
[ -n "${SOAK_ARGS:-}" ] && extra_args=($SOAK_ARGS)

say "find-max for ${FIND_MAX_SECONDS}s, then the soak at ${FRACTION} of it for ${SOAK_SECONDS}s"
rc=0
"$SOAK_BIN" --base "$base" --server-pid "$pid" \
  --db-admin-url "$PG_ADMIN_URL" --db-name "$db" --db-port "${PG_HOSTPORT##*:}" \
  --find-max "$FIND_MAX_SECONDS" --rate-fraction "$FRACTION" --duration "$SOAK_SECONDS" \
  --concurrency "$CONCURRENCY" --connections "$CONNECTIONS" --run-id "$run_id" \
  --meta "$work/meta.json" --out "$json_out" "${md_args[@]}" \
  ${extra_args[@]+"${extra_args[@]}"} &
# In the background and waited for, so that a TERM or Ctrl-C reaches the trap at once (bash runs
# traps only between commands), which stops bench-soak too.
soak_pid=$!
H_PIDS+=("$soak_pid")
wait "$soak_pid" || rc=$?

if ! h_alive "$pid"; then
  say "the server exited during the run; the end of its log:"
  tail -n 40 "$work/server.log" >&2 || true
  rc=1
fi
busy_end=$(busy_now)
h_stop_pid "$pid"
[ "$rc" = 2 ] && setup_die "bench-soak could not run (above)"
if [ "$busy_start" = yes ] || [ "$busy_end" = yes ]; then
  for m in "${md_outs[@]}"; do
    printf '\n**BUSY:** a compiler was running on this machine at the start (%s) or the end (%s) of the run: the numbers are not for quoting.\n' \
      "$busy_start" "$busy_end" >>"$m"
  done
fi
if [ "$SOAK_SECONDS" -ge "$FULL_SECONDS" ]; then
  cp "$json_out" "$out/soak-latest.json"
fi
if [ "$rc" = 0 ]; then
  say "PASS: ${md_outs[*]}"
else
  if [ -s "$work/server.log" ]; then
    say "the server's log ends with:"
    tail -n 20 "$work/server.log" >&2 || true
  fi
  say "FAILED: ${md_outs[*]}"
fi
exit "$rc"
