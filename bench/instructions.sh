#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: steadier than req/s on a shared
# machine, where the same binary's throughput moves by 15–30 % between runs. Use it to judge a
# change of a few per cent; use run.sh for the table.
#
#   bench/instructions.sh                       GET /api/auth/ok on Portcullis (SQLite)
#   bench/instructions.sh --floor               GET /ok on the floor (bench/floor)
#   bench/instructions.sh --session /api/auth/get-session
#                                               signs up one user and sends its session cookie
#   Options: --bin PATH (default $CARGO_TARGET_DIR/release/portcullis), --seconds N (long run,
#            default 12). Extra server settings come from the environment as BENCH_SERVER_ENV,
#            e.g. BENCH_SERVER_ENV="SESSION_CACHE=on SESSION_COOKIE_CACHE_MAX_AGE=0".
#
# It runs the server under callgrind twice, for 3 s and for N s of wrk load (8 connections), and
# prints user-space instructions per request from the difference, so start-up cancels out.
# Kernel work (the network stack) is not counted, and SHA-256 runs in its software form under
# valgrind, so HMAC-heavy paths read higher than they cost natively.
# Needs: valgrind, wrk, curl, python3; binaries built by run.sh (or cargo build --release).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=scripts/lib/harness.sh
source "$root/scripts/lib/harness.sh"

target=${CARGO_TARGET_DIR:-$root/target}
bin=$target/release/portcullis floor=0 cookie=0 path=/api/auth/ok seconds=12
while [ $# -gt 0 ]; do
  case "$1" in
    --floor) floor=1 path=/ok ;;
    --session) cookie=1 path=${2:?--session needs a path}; shift ;;
    --bin) bin=${2:?--bin needs a path}; shift ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) h_die "unknown argument: $1 (try --help)" ;;
  esac
  shift
done
for tool in valgrind callgrind_annotate wrk curl; do
  command -v "$tool" >/dev/null || h_die "$tool is not installed"
done
[ "$floor" = 1 ] && bin=$target/release/bench-floor
[ -x "$bin" ] || h_die "no binary at $bin (build it with bench/run.sh or cargo build --release)"

h_install_trap
h_tmpdir work instructions

# measure SECONDS — one run under callgrind; sets M_REQUESTS and M_IR. Runs in this shell (not a
# subshell) so that the exit trap stops its server on any failure.
measure() {
  local secs=$1 port out pid base args=()
  port=$(h_free_port)
  out=$work/callgrind-$secs.out
  base=http://127.0.0.1:$port
  if [ "$floor" = 1 ]; then
    env HOST=127.0.0.1 PORT="$port" FLOOR_SESSIONS=1000 \
      valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$out" "$bin" \
      >"$work/server-$secs.log" 2>&1 </dev/null &
  else
    # shellcheck disable=SC2086  # BENCH_SERVER_ENV is a list of VAR=value words
    env DATABASE_URL="sqlite://$work/db-$secs.sqlite" BETTER_AUTH_SECRET="$(h_rand_hex 24)" \
      PORT="$port" HOST=127.0.0.1 BETTER_AUTH_URL="$base" PORTCULLIS_DATA_DIR="$work/data-$secs" \
      LOG_LEVEL=warn RATE_LIMIT_ENABLED=false ${BENCH_SERVER_ENV:-} \
      valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$out" "$bin" serve \
      >"$work/server-$secs.log" 2>&1 </dev/null &
  fi
  pid=$!
  H_PIDS+=("$pid")
  h_wait_ok "$base$( [ "$floor" = 1 ] && echo /ok || echo /api/auth/ok )" "$pid" \
    "$work/server-$secs.log" 120 || h_die "the server did not start under valgrind"
  if [ "$cookie" = 1 ]; then
    local set_cookie
    set_cookie=$(curl -s -D - -o /dev/null -X POST "$base/api/auth/sign-up/email" \
      -H 'content-type: application/json' -H "Origin: $base" \
      -d '{"email":"bench@example.com","password":"correct horse battery","name":"Bench"}' |
      tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_token=[^;]*\).*/\1/p')
    [ -n "$set_cookie" ] || h_die "sign-up returned no session cookie"
    args=(-H "Cookie: $set_cookie")
  fi
  M_REQUESTS=$(wrk -t1 -c8 -d"${secs}s" ${args[@]+"${args[@]}"} "$base$path" |
    awk '/requests in/{print $1}')
  h_stop_pid "$pid"
  M_IR=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",", "", $1); print $1}')
  [ -n "$M_REQUESTS" ] && [ -n "$M_IR" ] || h_die "no measurement (see $work/server-$secs.log)"
}

measure 3
short_requests=$M_REQUESTS short_ir=$M_IR
measure "$seconds"
long_requests=$M_REQUESTS long_ir=$M_IR
[ "$long_requests" -gt "$short_requests" ] || h_die "the long run served no more requests than the short one"
per=$(( (long_ir - short_ir) / (long_requests - short_requests) ))
printf '%s %s: %d instructions per request (%d and %d requests)\n' \
  "$(basename "$bin")" "$path" "$per" "$short_requests" "$long_requests"
