#!/usr/bin/env bash
# Portcullis benchmark: Portcullis, the reference Better Auth server and the floor, side by side,
# in one run, on this machine. See bench/README.md for what each row means.
#
#   bench/run.sh            the full run (about 10 s per workload; about 16 minutes in all)
#   bench/run.sh --smoke    every workload for about 2 s with small seeds (CI; about 2 minutes)
#   Options: --no-build (use the binaries already in $CARGO_TARGET_DIR/release)
#            --out DIR  (default bench/results)
#
# It builds Portcullis, the floor (bench/floor) and the KDF meter (bench/kdf) in release mode;
# measures the raw password-hash rate in-process; creates one PostgreSQL database for Portcullis
# and one for Better Auth; starts the three servers on free loopback ports with rate limiting
# off; seeds users and sessions over HTTP; drives every workload with wrk (bench/lib/wrk.lua
# checks every response); samples each server's RSS; prints one table and writes it to
# DIR/<date>.md, DIR/<date>.json and DIR/latest.md and .json, and puts it at the end of
# bench/README.md (--smoke: DIR/smoke-latest.md and .json only).
# Everything it starts is stopped and every database it creates is dropped on exit. It exits
# non-zero when a Portcullis or floor row had an error, after writing the table (Better Auth's
# errors are shown and warned about).
#
# Needs: cargo, wrk (installed with apt-get when missing and running as root), python3, curl,
# psql + PostgreSQL on 127.0.0.1:5432 with trust auth for `postgres`, node 20 + npm (for the
# reference server), optionally Redis (the Redis session-cache row is skipped without it).
# Env: CARGO_TARGET_DIR, PG_ADMIN_URL, BA_REF_START (see scripts/lib/harness.sh),
#      BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_DURATION, BENCH_WARMUP (seconds),
#      BENCH_USERS (users seeded per server), BENCH_KDF_SECONDS, BENCH_ROUNDS (interleaved rounds
#      of the rows judged against the floor: 3, --smoke 1), BENCH_SCALE_SMALL and
#      BENCH_SCALE_LARGE (users in the scale rows: 1000 and 1000000, --smoke 1000 and 20000;
#      BENCH_SCALE_LARGE=0 skips them), BENCH_WAIT_QUIET (seconds a full
#      run waits for running compilers to finish before it starts; default 600).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=scripts/lib/harness.sh
source "$root/scripts/lib/harness.sh"
# every server in a session of its own, as Better Auth's start script does (see h_launcher)
H_OWN_SESSION=1

mode=full build=1 out=$here/results
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) mode=smoke ;;
    --no-build) build=0 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) h_die "unknown argument: $1 (try --help)" ;;
  esac
  shift
done

if [ "$mode" = smoke ]; then
  DURATION=${BENCH_DURATION:-2} WARMUP=${BENCH_WARMUP:-0} USERS=${BENCH_USERS:-8}
  KDF_SECONDS=${BENCH_KDF_SECONDS:-1} ROUNDS=${BENCH_ROUNDS:-1} KDF_BESIDE_SECONDS=1
  SCALE_SMALL=${BENCH_SCALE_SMALL:-1000} SCALE_LARGE=${BENCH_SCALE_LARGE:-20000}
else
  SCALE_SMALL=${BENCH_SCALE_SMALL:-1000} SCALE_LARGE=${BENCH_SCALE_LARGE:-1000000}
  DURATION=${BENCH_DURATION:-10} WARMUP=${BENCH_WARMUP:-3} USERS=${BENCH_USERS:-100}
  KDF_SECONDS=${BENCH_KDF_SECONDS:-4} ROUNDS=${BENCH_ROUNDS:-3} KDF_BESIDE_SECONDS=3
fi
REDIS_URL_BENCH=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
LUA=$here/lib/wrk.lua
SEED=$here/lib/seed.py
REPORT=$here/lib/report.py

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- cleanup: the harness's (servers, databases, directories), plus our Redis keys -----------------
REDIS_PREFIX=""
bench_cleanup() {
  local rc=$?
  set +e
  if [ -n "$REDIS_PREFIX" ]; then
    redis-cli -u "$REDIS_URL_BENCH" --scan --pattern "${REDIS_PREFIX}*" 2>/dev/null |
      xargs -r redis-cli -u "$REDIS_URL_BENCH" del >/dev/null 2>&1
  fi
  (exit "$rc")
  h_cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- preflight ---------------------------------------------------------------------------------------
for tool in python3 curl psql pg_isready; do
  command -v "$tool" >/dev/null || h_die "$tool is required"
done
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing wrk"
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  fi
  command -v wrk >/dev/null || h_die "wrk is required (Debian: apt-get install wrk)"
fi
h_pg_ready || h_die "PostgreSQL is not answering on $PG_HOSTPORT"
[ -f "$(h_ref_start_script)" ] || h_die "reference start script not found: $(h_ref_start_script) (set BA_REF_START)"
have_redis=0
if command -v redis-cli >/dev/null && [ "$(redis-cli -u "$REDIS_URL_BENCH" ping 2>/dev/null)" = PONG ]; then
  have_redis=1
else
  say "warning: no Redis at $REDIS_URL_BENCH: the Redis session-cache row is skipped"
fi

target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
if [ "$build" = 1 ]; then
  say "building (release)"
  (cd "$root" && CARGO_TARGET_DIR=$target_dir cargo build --release --quiet \
    -p portcullis -p portcullis-bench-floor -p portcullis-bench-kdf)
fi
BIN=$target_dir/release/portcullis
FLOOR_BIN=$target_dir/release/bench-floor
KDF_BIN=$target_dir/release/bench-kdf
for b in "$BIN" "$FLOOR_BIN" "$KDF_BIN"; do [ -x "$b" ] || h_die "missing binary $b (drop --no-build)"; done

work=""
h_tmpdir work bench
ROWS=$work/rows.jsonl MEM=$work/memory.jsonl
: >"$ROWS"; : >"$MEM"
run_id=$(h_rand_hex 4)
secret=$(h_secret48)

# --- processes and memory ------------------------------------------------------------------------------
# kB of a /proc/PID/status field (VmRSS: resident now; VmHWM: the peak so far)
mem_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

declare -A IDLE_KB=() PROC_LABEL=()
# note_idle PID LABEL — the resident set of a server just started, before any load
note_idle() {
  sleep 1
  IDLE_KB[$1]=$(mem_kb "$1" VmRSS)
  PROC_LABEL[$1]=$2
}
# note_memory PID — records the process's idle, current and peak RSS (before stopping it)
note_memory() {
  local pid=$1
  python3 -c 'import json,sys; print(json.dumps({"server": sys.argv[1], "pid": int(sys.argv[2]),
    "idle_kb": int(sys.argv[3] or 0), "final_kb": int(sys.argv[4] or 0), "peak_kb": int(sys.argv[5] or 0)}))' \
    "${PROC_LABEL[$pid]}" "$pid" "${IDLE_KB[$pid]:-0}" "$(mem_kb "$pid" VmRSS)" "$(mem_kb "$pid" VmHWM)" >>"$MEM"
}

# start_portcullis LABEL DATABASE_URL [VAR=value...] — sets P_PID, P_BASE
start_portcullis() {
  local label=$1 dburl=$2; shift 2
  local data="$work/data-${label//[^a-z0-9]/-}"
  mkdir -p "$data"
  h_start_portcullis "$BIN" "$dburl" "$secret" "$data/server.log" \
    PORTCULLIS_DATA_DIR="$data" LOG_LEVEL=warn RATE_LIMIT_ENABLED=false LOCKOUT_MAX_ATTEMPTS=0 \
    SESSION_COOKIE_CACHE_MAX_AGE=0 SESSION_CACHE=off PASSWORD_HASH=argon2id "$@" ||
    h_die "Portcullis ($label) did not start"
  P_PID=$H_LAST_PID P_BASE=$H_LAST_BASE
  note_idle "$P_PID" "$label"
  say "started $label at $P_BASE (pid $P_PID, idle RSS ${IDLE_KB[$P_PID]} kB)"
}

stop_server() { note_memory "$1"; h_stop_pid "$1"; }

# --- one workload ---------------------------------------------------------------------------------------
# run_wrk RESULT_FILE CONNS THREADS SECONDS TIMEOUT BASE REQS EXPECT HAS — one wrk run, output kept
run_wrk() {
  local result=$1 conns=$2 threads=$3 secs=$4 timeout=$5 base=$6 reqs=$7 expect=$8 has=$9
  BENCH_REQS=$reqs BENCH_CHECK=1 BENCH_EXPECT=$expect BENCH_BODY_HAS=$has BENCH_RUN_ID="$run_id-$RANDOM" \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout "${timeout}s" -s "$LUA" "$base" >"$result" 2>&1
}

# record_row RESULT_FILE key=value... — turns wrk's BENCH_RESULT line into a row of the table
record_row() {
  local result=$1; shift
  python3 - "$result" "$ROWS" "$@" <<'PY'
import json, sys
result, rows, kv = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
text = open(result).read()
line = next((l for l in text.splitlines() if l.startswith("BENCH_RESULT ")), None)
if line is None:
    sys.exit(f"wrk printed no result for {kv.get('workload')} / {kv.get('server')}:\n{text}")
r = json.loads(line[len("BENCH_RESULT "):])
first = next((l[len("BENCH_FIRST_UNEXPECTED "):] for l in text.splitlines()
              if l.startswith("BENCH_FIRST_UNEXPECTED ")), "")
socket_errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
row = dict(kv)
for k in ("conns", "rss_before_kb", "rss_idle_kb", "rss_peak_kb"):
    row[k] = int(row.get(k) or 0)
secs = r["duration_us"] / 1e6
row.update(requests=r["requests"], seconds=round(secs, 2), rps=r["requests"] / secs,
           p50_ms=r["p50_us"] / 1000, p90_ms=r["p90_us"] / 1000, p99_ms=r["p99_us"] / 1000,
           max_ms=r["max_us"] / 1000, checked=r["checked"], unexpected=r["unexpected"],
           socket_errors=socket_errors, errors=socket_errors + r["unexpected"],
           first_unexpected=first, wrk=r)
if r["requests"] == 0:
    # Nothing answered within the run: latencies are unknown. A broken Portcullis or floor is an
    # error; a starved Better Auth (its sign-in flood can hold every request for seconds) is a
    # measurement, noted as such.
    row.update(p50_ms=None, p90_ms=None, p99_ms=None, max_ms=None)
    if row["server"].startswith("Better Auth"):
        row["note"] = (row.get("note") or "") + f"no request completed within {secs:.0f} s"
    else:
        row["errors"] = max(row["errors"], 1)
        row["first_unexpected"] = row["first_unexpected"] or "no request completed"
open(rows, "a").write(json.dumps(row) + "\n")
PY
}

# Other work on the machine skews every number: a row measured while a compiler ran is marked.
busy_now() {
  local p
  for p in rustc cargo cc1 cc1plus ld ld.lld rust-lld; do
    pgrep -x "$p" >/dev/null && { echo 1; return; }
  done
  echo 0
}
# wait_quiet SECONDS — waits until no compiler runs, for at most SECONDS
wait_quiet() {
  local deadline=$((SECONDS + $1))
  [ "$(busy_now)" = 0 ] && return 0
  say "a compiler is running on this machine; waiting up to $1 s for it to finish (BENCH_WAIT_QUIET)"
  while [ "$(busy_now)" = 1 ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 5; done
  [ "$(busy_now)" = 0 ] || say "warning: still busy; rows measured while a compiler ran are marked"
}

# kdf_rate HASH — the raw rate of HASH on all cores now (hashes/s), for a row measured beside it
kdf_rate() {
  "$KDF_BIN" --seconds "$KDF_BESIDE_SECONDS" --threads "$(nproc)" --hash "$1" 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]]["best_per_s"])' "$1"
}

# measure key=value... — probe, warm up, measure, record. Keys: workload title server pid base reqs
#   conns threads expect has timeout floor kdf note probe(=number of requests probed first)
#   warmup(seconds) round(=its number, for rows measured in interleaved rounds)
# A row with kdf=HASH is judged against HASH's raw rate measured just before and just after it
# (the machine's speed drifts by 15-30 % over the minutes between the first KDF run and the row).
measure() {
  local workload="" title="" server="" pid="" base="" reqs="" conns=32 threads=2 expect=200 has=""
  local timeout=10 floor="" kdf="" note="" probe=2 warmup=$WARMUP round=""
  local "$@"
  [ -f "$reqs" ] || h_die "no request file $reqs"
  python3 "$SEED" probe --base "$base" --reqs "$reqs" --expect "$expect" --has "$has" --limit "$probe" ||
    h_die "$workload on $server: the probe failed (above)"
  if [ "$warmup" != 0 ]; then
    run_wrk "$work/warmup.txt" "$conns" "$threads" "$warmup" "$timeout" "$base" "$reqs" "$expect" "$has"
  fi
  local before busy result=$work/result-$RANDOM.txt kdf_beside=""
  [ -n "$kdf" ] && kdf_beside=$(kdf_rate "$kdf")
  before=$(mem_kb "$pid" VmRSS)
  busy=$(busy_now)
  run_wrk "$result" "$conns" "$threads" "$DURATION" "$timeout" "$base" "$reqs" "$expect" "$has"
  [ "$(busy_now)" = 1 ] && busy=1
  local peak
  peak=$(mem_kb "$pid" VmHWM)
  if [ -n "$kdf" ]; then
    # requests cut off by wrk's end finish their hash first
    sleep 0.3
    kdf_beside="$kdf_beside,$(kdf_rate "$kdf")"
  fi
  record_row "$result" workload="$workload" title="$title" server="$server" conns="$conns" \
    floor="$floor" kdf="$kdf" note="$note" rss_idle_kb="${IDLE_KB[$pid]:-}" rss_before_kb="$before" \
    rss_peak_kb="$peak" busy="$busy" ${round:+round="$round"} ${kdf_beside:+kdf_beside="$kdf_beside"}
  python3 "$REPORT" line "$ROWS"
}

# --- the raw KDF rate, before any server runs ------------------------------------------------------------
[ "$mode" = full ] && wait_quiet "${BENCH_WAIT_QUIET:-600}"
kdf_busy=$(busy_now)
say "measuring the raw password-hash rate (${KDF_SECONDS}s per hash and thread count)"
"$KDF_BIN" --seconds "$KDF_SECONDS" >"$work/kdf.json"
[ "$(busy_now)" = 1 ] && kdf_busy=1

# --- databases and servers ----------------------------------------------------------------------------
p_db="bench_portcullis_$run_id" ba_db="bench_better_auth_$run_id"
h_ensure_role_ba
h_create_db "$p_db" || h_die "could not create database $p_db"
h_create_db "$ba_db" ba || h_die "could not create database $ba_db"
# Without TLS, as the reference's pg client connects (Portcullis, like libpq, would otherwise
# prefer TLS when the server offers it, and Debian's PostgreSQL does).
P_DBURL="${PG_ADMIN_URL%/*}/$p_db?sslmode=disable"
BA_DBURL="postgres://ba:ba@$PG_HOSTPORT/$ba_db"

floor_port=$(h_free_port)
mapfile -t launcher < <(h_launcher)
env HOST=127.0.0.1 PORT="$floor_port" FLOOR_SESSIONS=10000 ${launcher[@]+"${launcher[@]}"} "$FLOOR_BIN" \
  >"$work/floor.log" 2>&1 </dev/null &
FLOOR_PID=$!
H_PIDS+=("$FLOOR_PID")
FLOOR_BASE="http://127.0.0.1:$floor_port"
h_wait_ok "$FLOOR_BASE/ok" "$FLOOR_PID" "$work/floor.log" 30 || h_die "the floor did not start"
h_server_pid "$FLOOR_PID" "$floor_port"
FLOOR_PID=$H_SERVER_PID
note_idle "$FLOOR_PID" "floor (axum, in-memory map)"

start_portcullis "Portcullis (PostgreSQL)" "$P_DBURL"
PG_PID=$P_PID PG_BASE=$P_BASE

say "starting the reference Better Auth server"
h_start_reference "$BA_DBURL" "$secret" || h_die "could not start the reference Better Auth server"
BA_PID=$H_REF_PID BA_BASE=$H_REF_BASE
note_idle "$BA_PID" "Better Auth 1.7 (Node)"
say "Better Auth at $BA_BASE (pid $BA_PID, idle RSS ${IDLE_KB[$BA_PID]} kB)"

# --- seeding ---------------------------------------------------------------------------------------------
mkdir -p "$work/floor" "$work/pg" "$work/ba"
python3 "$SEED" floor --count "$USERS" --dir "$work/floor"
say "seeding $USERS users on Portcullis (PostgreSQL) and on Better Auth"
python3 "$SEED" signup --base "$PG_BASE" --origin "$PG_BASE" --count "$USERS" --prefix "pg-$run_id" --out "$work/pg/users.json"
python3 "$SEED" reqs --users "$work/pg/users.json" --origin "$PG_BASE" --dir "$work/pg"
python3 "$SEED" signup --base "$BA_BASE" --origin "$BA_BASE" --count "$USERS" --prefix "ba-$run_id" --out "$work/ba/users.json"
python3 "$SEED" reqs --users "$work/ba/users.json" --origin "$BA_BASE" --dir "$work/ba"

PG="Portcullis (PostgreSQL)" BA="Better Auth" FLOOR="floor"
USER_JSON='"user"'

# --- workloads ------------------------------------------------------------------------------------------
say "workloads: ${DURATION}s each after ${WARMUP}s of warm-up"
# The rows judged against the floor run in ROUNDS interleaved rounds (floor, then each Portcullis
# server, then again): on a shared machine the speed moves by 15-30 % from one minute to the next,
# and pairing each run with the floor's run beside it keeps that drift out of the ratio.
# round_warmup I — warm-up seconds for round I (later rounds only reopen connections)
round_warmup() { if [ "$1" = 1 ]; then echo "$WARMUP"; else echo $((WARMUP > 0 ? 1 : 0)); fi; }
for ((i = 1; i <= ROUNDS; i++)); do
  w=$(round_warmup "$i")
  measure workload=ok title="GET /api/auth/ok (floor: /ok)" server="$FLOOR" pid="$FLOOR_PID" base="$FLOOR_BASE" \
    reqs="$work/floor/ok.reqs" has='"ok":true' round="$i" warmup="$w"
  measure workload=ok title="GET /api/auth/ok (floor: /ok)" server="$PG" pid="$PG_PID" base="$PG_BASE" \
    reqs="$work/pg/ok.reqs" has='"ok":true' floor=ok round="$i" warmup="$w"
done
measure workload=ok title="GET /api/auth/ok (floor: /ok)" server="$BA" pid="$BA_PID" base="$BA_BASE" \
  reqs="$work/ba/ok.reqs" has='"ok":true' floor=ok

measure workload=get-session-db title="get-session, cookie, every check reaches the database" server="$PG" \
  pid="$PG_PID" base="$PG_BASE" reqs="$work/pg/get-session.reqs" has="$USER_JSON" floor=session
measure workload=get-session-db title="get-session, cookie, every check reaches the database" server="$BA" \
  pid="$BA_PID" base="$BA_BASE" reqs="$work/ba/get-session.reqs" has="$USER_JSON" floor=session
measure workload=get-session-bearer title="get-session, bearer token (database)" server="$PG" \
  pid="$PG_PID" base="$PG_BASE" reqs="$work/pg/get-session-bearer.reqs" has="$USER_JSON" floor=session
measure workload=get-session-bearer title="get-session, bearer token (database)" server="$BA" \
  pid="$BA_PID" base="$BA_BASE" reqs="$work/ba/get-session-bearer.reqs" has="$USER_JSON" floor=session

# The cached get-session rows: three more instances on the same database, started together so that
# their rounds can interleave with the floor's lookup.
# the signed cookie cache (session_data), read from cookies issued by this instance
start_portcullis "Portcullis (PG, cookie cache)" "$P_DBURL" SESSION_COOKIE_CACHE_MAX_AGE=3600
CC_PID=$P_PID CC_BASE=$P_BASE
python3 "$SEED" cookie-cache --base "$CC_BASE" --users "$work/pg/users.json" --out "$work/pg/users-cc.json"
mkdir -p "$work/pg-cc"
python3 "$SEED" reqs --users "$work/pg/users-cc.json" --origin "$CC_BASE" --dir "$work/pg-cc"
CC_REVOCATION=$(python3 "$SEED" revocation --base "$CC_BASE" --origin "$CC_BASE")
# the server-side session cache, in process memory and in Redis
start_portcullis "Portcullis (PG, memory session cache)" "$P_DBURL" SESSION_CACHE=on
MEM_PID=$P_PID MEM_BASE=$P_BASE
MEM_REVOCATION=$(python3 "$SEED" revocation --base "$MEM_BASE" --origin "$MEM_BASE")
if [ "$have_redis" = 1 ]; then
  REDIS_PREFIX="portcullis-bench-$run_id:"
  start_portcullis "Portcullis (PG, Redis session cache)" "$P_DBURL" SESSION_CACHE=on \
    REDIS_URL="$REDIS_URL_BENCH" REDIS_KEY_PREFIX="$REDIS_PREFIX"
  REDIS_PID=$P_PID REDIS_BASE=$P_BASE
  REDIS_REVOCATION=$(python3 "$SEED" revocation --base "$REDIS_BASE" --origin "$REDIS_BASE")
fi
for ((i = 1; i <= ROUNDS; i++)); do
  w=$(round_warmup "$i")
  measure workload=get-session-floor title="get-session: in-memory map lookup (the floor)" server="$FLOOR" \
    pid="$FLOOR_PID" base="$FLOOR_BASE" reqs="$work/floor/get-session.reqs" has="$USER_JSON" round="$i" warmup="$w"
  measure workload=get-session-cookie-cache title="get-session, signed cookie cache" \
    server="Portcullis (PG, cookie cache)" pid="$CC_PID" base="$CC_BASE" \
    reqs="$work/pg-cc/get-session-cookie-cache.reqs" has="$USER_JSON" floor=session \
    note="revocation: $CC_REVOCATION" round="$i" warmup="$w"
  measure workload=get-session-cache-memory title="get-session, session cache in memory" \
    server="Portcullis (PG, memory session cache)" pid="$MEM_PID" base="$MEM_BASE" reqs="$work/pg/get-session.reqs" \
    has="$USER_JSON" floor=session note="revocation: $MEM_REVOCATION" round="$i" warmup="$w"
  if [ "$have_redis" = 1 ]; then
    measure workload=get-session-cache-redis title="get-session, session cache in Redis" \
      server="Portcullis (PG, Redis session cache)" pid="$REDIS_PID" base="$REDIS_BASE" \
      reqs="$work/pg/get-session.reqs" has="$USER_JSON" floor=session note="revocation: $REDIS_REVOCATION" \
      round="$i" warmup="$w"
  fi
done
stop_server "$CC_PID"
stop_server "$MEM_PID"
if [ "$have_redis" = 1 ]; then
  stop_server "$REDIS_PID"
else
  python3 -c 'import json,sys; print(json.dumps({"workload": "get-session-cache-redis",
    "title": "get-session, session cache in Redis", "server": "Portcullis (PG, Redis session cache)",
    "skipped": "no Redis at " + sys.argv[1]}))' "$REDIS_URL_BENCH" >>"$ROWS"
fi

for s in pg ba; do
  if [ $s = pg ]; then server=$PG pid=$PG_PID base=$PG_BASE; else server=$BA pid=$BA_PID base=$BA_BASE; fi
  measure workload=list-sessions title="list-sessions (cookie, database)" server="$server" pid="$pid" \
    base="$base" reqs="$work/$s/list-sessions.reqs" has='"expiresAt"'
done
for s in pg ba; do
  if [ $s = pg ]; then server=$PG pid=$PG_PID base=$PG_BASE; else server=$BA pid=$BA_PID base=$BA_BASE; fi
  measure workload=update-user title="update-user (cookie, database)" server="$server" pid="$pid" \
    base="$base" reqs="$work/$s/update-user.reqs" has='"status":true' conns=16
done

# Tokens for services: a JWT for the session (/token), and get-session authenticated by an API
# key. Their own instance on the same database, so that the get-session rows above carry no
# set-auth-jwt signing (the reference signs one on every get-session: its jwt plugin is on).
start_portcullis "Portcullis (PG, jwt + api-key)" "$P_DBURL" ENABLE_JWT=true JWT_SET_HEADER=false \
  ENABLE_API_KEY=true API_KEY_ENABLE_SESSIONS=true API_KEY_RATE_LIMIT_ENABLED=false
TOK_PID=$P_PID TOK_BASE=$P_BASE TOK="Portcullis (PG, jwt + api-key)"
mkdir -p "$work/pg-tok"
python3 "$SEED" api-keys --base "$TOK_BASE" --origin "$TOK_BASE" --users "$work/pg/users.json" \
  --out "$work/pg/users-keys.json"
python3 "$SEED" reqs --users "$work/pg/users-keys.json" --origin "$TOK_BASE" --dir "$work/pg-tok"
measure workload=token title="GET /token: a signed JWT (EdDSA) for the session" server="$TOK" \
  pid="$TOK_PID" base="$TOK_BASE" reqs="$work/pg-tok/token.reqs" has='"token":"ey' \
  note="a token signed for the same claims in the last 30 s is handed out again (JWT_REUSE_WINDOW)"
measure workload=token title="GET /token: a signed JWT (EdDSA) for the session" server="$BA" \
  pid="$BA_PID" base="$BA_BASE" reqs="$work/ba/token.reqs" has='"token":"ey'
measure workload=get-session-api-key title="get-session, API key (x-api-key, database)" server="$TOK" \
  pid="$TOK_PID" base="$TOK_BASE" reqs="$work/pg-tok/get-session-api-key.reqs" has="$USER_JSON"
# Better Auth's side: the reference runs apiKey() without enableSessionForAPIKeys, so a second
# Better Auth process with it on (bench/better-auth-api-key.mjs) serves this row, from the
# reference's installed packages, on its database and secret (its seeded users sign in there too).
ba_dir=${BA_REF_DIR:-/tmp/better-auth-ref}
cp "$here/better-auth-api-key.mjs" "$ba_dir/"
bak_port=$(h_free_port)
(cd "$ba_dir" && PORT=$bak_port DATABASE_URL="$BA_DBURL" BETTER_AUTH_SECRET="$secret" \
  exec node better-auth-api-key.mjs) >"$work/ba-api-key.log" 2>&1 </dev/null &
BAK_PID=$!
H_PIDS+=("$BAK_PID")
BAK_BASE="http://127.0.0.1:$bak_port" BAK="Better Auth (api-key sessions)"
h_wait_ok "$BAK_BASE/health" "$BAK_PID" "$work/ba-api-key.log" 60 \
  || h_die "Better Auth with API-key sessions did not start"
h_server_pid "$BAK_PID" "$bak_port"
BAK_PID=$H_SERVER_PID
note_idle "$BAK_PID" "$BAK"
mkdir -p "$work/ba-key"
python3 "$SEED" api-keys --base "$BAK_BASE" --origin "$BAK_BASE" --users "$work/ba/users.json" \
  --out "$work/ba/users-keys.json"
python3 "$SEED" reqs --users "$work/ba/users-keys.json" --origin "$BAK_BASE" --dir "$work/ba-key"
measure workload=get-session-api-key title="get-session, API key (x-api-key, database)" server="$BAK" \
  pid="$BAK_PID" base="$BAK_BASE" reqs="$work/ba-key/get-session-api-key.reqs" has="$USER_JSON" \
  note="apiKey({ enableSessionForAPIKeys: true }), per-key rate limit off"
stop_server "$BAK_PID"
stop_server "$TOK_PID"
# The same with a signature on every request, as Better Auth does.
start_portcullis "Portcullis (PG, jwt, signing every time)" "$P_DBURL" ENABLE_JWT=true \
  JWT_SET_HEADER=false JWT_REUSE_WINDOW=0
measure workload=token title="GET /token: a signed JWT (EdDSA) for the session" \
  server="Portcullis (PG, jwt, signing every time)" pid="$P_PID" base="$P_BASE" \
  reqs="$work/pg-tok/token.reqs" has='"token":"ey' note="JWT_REUSE_WINDOW=0: one Ed25519 signature per request"
stop_server "$P_PID"

# password-hashing workloads: 8 connections, one wrk thread, generous timeouts
measure workload=sign-up title="sign-up/email (one hash + inserts)" server="Portcullis (PostgreSQL, argon2id)" pid="$PG_PID" \
  base="$PG_BASE" reqs="$work/pg/sign-up.reqs" has='"token"' conns=8 threads=1 timeout=30 kdf=argon2id probe=1
measure workload=sign-up title="sign-up/email (one hash + inserts)" server="Better Auth (scrypt)" pid="$BA_PID" \
  base="$BA_BASE" reqs="$work/ba/sign-up.reqs" has='"token"' conns=8 threads=1 timeout=30 kdf=scrypt probe=1
measure workload=sign-in title="sign-in/email (one verification)" server="Portcullis (PostgreSQL, argon2id)" pid="$PG_PID" \
  base="$PG_BASE" reqs="$work/pg/sign-in.reqs" has='"token"' conns=8 threads=1 timeout=30 kdf=argon2id probe=1

start_portcullis "Portcullis (PostgreSQL, scrypt)" "$P_DBURL" PASSWORD_HASH=scrypt
mkdir -p "$work/pg-scrypt"
say "seeding $USERS users with scrypt hashes"
python3 "$SEED" signup --base "$P_BASE" --origin "$P_BASE" --count "$USERS" --prefix "scrypt-$run_id" \
  --out "$work/pg-scrypt/users.json"
python3 "$SEED" reqs --users "$work/pg-scrypt/users.json" --origin "$P_BASE" --dir "$work/pg-scrypt"
measure workload=sign-in title="sign-in/email (one verification)" server="Portcullis (PostgreSQL, scrypt)" \
  pid="$P_PID" base="$P_BASE" reqs="$work/pg-scrypt/sign-in.reqs" has='"token"' conns=8 threads=1 timeout=30 \
  kdf=scrypt probe=1
stop_server "$P_PID"

measure workload=sign-in title="sign-in/email (one verification)" server="Better Auth (scrypt)" pid="$BA_PID" \
  base="$BA_BASE" reqs="$work/ba/sign-in.reqs" has='"token"' conns=8 threads=1 timeout=30 kdf=scrypt probe=1

# Portcullis on SQLite
mkdir -p "$work/sqlite"
start_portcullis "Portcullis (SQLite)" "sqlite://$work/sqlite/bench.db"
say "seeding $USERS users on SQLite"
python3 "$SEED" signup --base "$P_BASE" --origin "$P_BASE" --count "$USERS" --prefix "sqlite-$run_id" \
  --out "$work/sqlite/users.json"
python3 "$SEED" reqs --users "$work/sqlite/users.json" --origin "$P_BASE" --dir "$work/sqlite"
measure workload=get-session-db title="get-session, cookie, every check reaches the database" \
  server="Portcullis (SQLite)" pid="$P_PID" base="$P_BASE" reqs="$work/sqlite/get-session.reqs" has="$USER_JSON" \
  floor=session
measure workload=sign-in title="sign-in/email (one verification)" server="Portcullis (SQLite, argon2id)" \
  pid="$P_PID" base="$P_BASE" reqs="$work/sqlite/sign-in.reqs" has='"token"' conns=8 threads=1 timeout=30 \
  kdf=argon2id probe=1
stop_server "$P_PID"

# mixed: get-session on 16 connections alone, then beside a sign-in flood on 16 more
# (8 with the right password, 8 with a wrong one)
for s in pg ba; do
  if [ $s = pg ]; then server=$PG pid=$PG_PID base=$PG_BASE; else server=$BA pid=$BA_PID base=$BA_BASE; fi
  measure workload=mixed-solo title="mixed: get-session alone (16 connections)" server="$server" pid="$pid" \
    base="$base" reqs="$work/$s/get-session.reqs" has="$USER_JSON" conns=16
  say "mixed: $server"
  before=$(mem_kb "$pid" VmRSS)
  # the flood starts first and outlasts the get-session run on both sides
  run_wrk "$work/mixed-in.txt" 8 1 $((DURATION + 2)) 30 "$base" "$work/$s/sign-in.reqs" 200 '"token"' &
  flood1=$!
  run_wrk "$work/mixed-wrong.txt" 8 1 $((DURATION + 2)) 30 "$base" "$work/$s/sign-in-wrong.reqs" 401 \
    INVALID_EMAIL_OR_PASSWORD &
  flood2=$!
  H_PIDS+=("$flood1" "$flood2")
  sleep 1
  busy=$(busy_now)
  run_wrk "$work/mixed-gs.txt" 16 2 "$DURATION" 30 "$base" "$work/$s/get-session.reqs" 200 "$USER_JSON"
  wait "$flood1" "$flood2" || true
  [ "$(busy_now)" = 1 ] && busy=1
  peak=$(mem_kb "$pid" VmHWM)
  record_row "$work/mixed-gs.txt" workload=mixed title="mixed: get-session (16 connections) under a sign-in flood" \
    server="$server" conns=16 rss_idle_kb="${IDLE_KB[$pid]}" rss_before_kb="$before" rss_peak_kb="$peak" busy="$busy"
  python3 "$REPORT" line "$ROWS"
  record_row "$work/mixed-in.txt" workload=mixed-flood-right title="mixed: the flood, right password (8 connections)" \
    server="$server" conns=8 rss_idle_kb="${IDLE_KB[$pid]}" rss_before_kb="$before" rss_peak_kb="$peak" busy="$busy"
  python3 "$REPORT" line "$ROWS"
  record_row "$work/mixed-wrong.txt" workload=mixed-flood-wrong title="mixed: the flood, wrong password (8 connections, 401 expected)" \
    server="$server" conns=8 rss_idle_kb="${IDLE_KB[$pid]}" rss_before_kb="$before" rss_peak_kb="$peak" busy="$busy"
  python3 "$REPORT" line "$ROWS"
done

# --- scale: the same get-session and sign-in with SCALE_SMALL and with SCALE_LARGE users and sessions ----
# Two databases, each seeded in bulk by SQL (bench/lib/scale.sql) with a progress bar, and one
# Portcullis on each. Their rows run in interleaved rounds, small then large, so that the
# machine's drift from one minute to the next moves both sides of the ratio together.
# seed_scale DATABASE_URL FROM TO — inserts users FROM..TO in batches
seed_scale() {
  local dburl=$1 from=$2 to=$3 batch=100000 lo hi total done_ width=40 filled
  total=$((to - from + 1))
  for ((lo = from; lo <= to; lo += batch)); do
    hi=$((lo + batch - 1)); [ "$hi" -gt "$to" ] && hi=$to
    psql "$dburl" -v ON_ERROR_STOP=1 -qtAX -v from="$lo" -v to="$hi" -v hash="$scale_hash" \
      -f "$here/lib/scale.sql" >/dev/null || h_die "bulk seeding $lo..$hi failed"
    done_=$((hi - from + 1)); filled=$((width * done_ / total))
    printf '\r[bench] seeding users %s..%s [%-*s] %3d %%' "$from" "$to" "$width" \
      "$(printf '%*s' "$filled" '' | tr ' ' '#')" $((100 * done_ / total)) >&2
  done
  printf '\n' >&2
  # What an operator does after a bulk load: without it, autovacuum's pass over the new rows and
  # the checkpoint that flushes them land inside the next rows' measurement.
  psql "$dburl" -qtAX -c 'vacuum (analyze)' -c 'checkpoint' >/dev/null
}
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
# scale_rows N LABEL PID BASE ROUND — get-session and sign-in for users drawn from the first N
scale_rows() {
  local n=$1 label=$2 pid=$3 base=$4 round=$5 dir=$work/scale-$1
  measure workload="scale-get-session-$label" title="scale: get-session, database, $(commas "$n") users and sessions" \
    server="Portcullis (PostgreSQL)" pid="$pid" base="$base" reqs="$dir/get-session.reqs" has="$USER_JSON" \
    floor=session round="$round" warmup="$(round_warmup "$round")"
  measure workload="scale-sign-in-$label" title="scale: sign-in, $(commas "$n") users" \
    server="Portcullis (PostgreSQL, argon2id)" pid="$pid" base="$base" reqs="$dir/sign-in.reqs" has='"token"' \
    conns=8 threads=1 timeout=30 kdf=argon2id probe=1 round="$round" warmup="$(round_warmup "$round")"
  # The admin console's users page (issue: a search and a page under 100 ms of server time at
  # 1,000,000 users), as the scale database's administrator (user 1).
  measure workload="scale-console-search-$label" title="scale: admin console, find users by address, $(commas "$n") users" \
    server="Portcullis (PostgreSQL)" pid="$pid" base="$base" reqs="$dir/console-search.reqs" has='"users":[{' \
    conns=8 round="$round" warmup="$(round_warmup "$round")"
  measure workload="scale-console-page-$label" title="scale: admin console, a page of users, $(commas "$n") users" \
    server="Portcullis (PostgreSQL)" pid="$pid" base="$base" reqs="$dir/console-page.reqs" has='"users":[{' \
    conns=8 round="$round" warmup="$(round_warmup "$round")"
}
if [ "$SCALE_LARGE" -gt 0 ]; then
  declare -A SCALE_PID=() SCALE_BASE=()
  for size in "$SCALE_SMALL" "$SCALE_LARGE"; do
    db="bench_scale_${size}_$run_id"
    h_create_db "$db" || h_die "could not create database $db"
    dburl="${PG_ADMIN_URL%/*}/$db?sslmode=disable"
    start_portcullis "Portcullis (PostgreSQL, $(commas "$size") users)" "$dburl" ENABLE_ADMIN=true
    SCALE_PID[$size]=$P_PID SCALE_BASE[$size]=$P_BASE
    if [ -z "${scale_hash:-}" ]; then
      # one real sign-up gives the password hash every bulk user shares
      python3 "$SEED" signup --base "$P_BASE" --origin "$P_BASE" --count 1 --prefix "scale-hash-$run_id" \
        --out "$work/scale-hash.json"
      scale_hash=$(psql "$dburl" -qtAX -c "select password from account where \"providerId\" = 'credential' limit 1")
      [[ $scale_hash == "\$argon2id\$"* ]] || h_die "unexpected password hash in the scale database: $scale_hash"
    fi
    t0=$SECONDS
    seed_scale "$dburl" 1 "$size"
    # User 1 administers the console rows.
    psql "$dburl" -qtAX -c "update \"user\" set role = 'admin' where id = 'u' || lpad('1', 31, '0')" >/dev/null
    say "seeded $(commas "$size") users, accounts and sessions in $((SECONDS - t0)) s"
    mkdir -p "$work/scale-$size"
    BENCH_SECRET=$secret python3 "$SEED" scale-reqs --origin "$P_BASE" --upto "$size" --count "$USERS" \
      --dir "$work/scale-$size"
  done
  for ((i = 1; i <= ROUNDS; i++)); do
    scale_rows "$SCALE_SMALL" small "${SCALE_PID[$SCALE_SMALL]}" "${SCALE_BASE[$SCALE_SMALL]}" "$i"
    scale_rows "$SCALE_LARGE" large "${SCALE_PID[$SCALE_LARGE]}" "${SCALE_BASE[$SCALE_LARGE]}" "$i"
  done
  stop_server "${SCALE_PID[$SCALE_SMALL]}"
  stop_server "${SCALE_PID[$SCALE_LARGE]}"
fi

# --- the table ------------------------------------------------------------------------------------------
note_memory "$PG_PID"
note_memory "$BA_PID"
note_memory "$FLOOR_PID"

ba_version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "${BA_REF_DIR:-/tmp/better-auth-ref}/node_modules/better-auth/package.json" 2>/dev/null || echo unknown)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
python3 - "$work/meta.json" <<PY
import json, platform, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
json.dump({
    "mode": "$mode", "duration_s": $DURATION, "warmup_s": $WARMUP, "users": $USERS,
    "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "commit": "$commit",
    "cpu": cpu, "cores": $(nproc), "mem_gb": round(mem / 1048576, 1), "kernel": platform.release(),
    "postgres": "$(psql --version | awk '{print $3}')", "node": "$(node --version 2>/dev/null)",
    "better_auth": "$ba_version", "wrk": "$(wrk --version 2>&1 | head -1 | awk '{print $2}')",
    "redis": $have_redis == 1, "kdf_busy": $kdf_busy == 1,
}, open(sys.argv[1], "w"))
PY

mkdir -p "$out"
readme=()
if [ "$mode" = smoke ]; then
  names=("$out/smoke-latest")
else
  stamp=$(date -u +%Y-%m-%d-%H%M)
  names=("$out/$stamp" "$out/latest")
  # the README shows the latest full run written to the default place
  [ "$out" = "$here/results" ] && readme=(--readme "$here/README.md")
fi
python3 "$REPORT" write --rows "$ROWS" --memory "$MEM" --kdf "$work/kdf.json" --meta "$work/meta.json" \
  ${readme[@]+"${readme[@]}"} "${names[@]}"

bad=$(python3 "$REPORT" errors "$ROWS" 2>"$work/ba-errors.txt")
if [ -s "$work/ba-errors.txt" ]; then
  say "warning: Better Auth rows with errors:"
  cat "$work/ba-errors.txt" >&2
fi
if [ -n "$bad" ]; then
  say "FAILED after ${SECONDS}s: workloads with errors:"
  printf '%s\n' "$bad" >&2
  exit 1
fi
say "done in ${SECONDS}s: ${names[*]/%/.md}"
