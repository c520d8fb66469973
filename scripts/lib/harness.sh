# shellcheck shell=bash disable=SC2034  # H_* results are read by the callers
# Helpers shared by scripts/test, scripts/test-js-against-reference and tests/compat/*.sh.
# Source it (it only defines functions and a few variables). Every server, database and
# temporary directory made through these helpers is registered, and `h_cleanup` (install it with
# `h_install_trap`) stops/drops/removes all of them, also when the caller fails or is interrupted.
#
# Env:
#   PG_ADMIN_URL   superuser connection used to create/drop test databases
#                  (default postgres://postgres@127.0.0.1:5432/postgres)
#   MYSQL_HOSTPORT MySQL/MariaDB server (user root, no password) used to create/drop test
#                  databases (default 127.0.0.1:3306)
#   BA_REF_START   start script of the reference Better Auth server
#                  (default <repo>/../shared/bench/better-auth-ref/start.sh)
#   PORTCULLIS_TEST_SERVER_ENV
#                  extra VAR=value words (space-separated) put in the environment of every
#                  Portcullis server these helpers start, e.g. "LOG_LEVEL=debug"

H_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_HOSTPORT=${PG_HOSTPORT:-127.0.0.1:5432}
MYSQL_HOSTPORT=${MYSQL_HOSTPORT:-127.0.0.1:3306}

H_PIDS=()       # processes we started (children or not); stopped in reverse order
H_REF_PORTS=()  # ports of reference servers we started (whatever listens there is ours)
H_DBS=()        # PostgreSQL databases we created
H_MYSQL_DBS=()  # MySQL/MariaDB databases we created
H_DIRS=()       # temporary directories we created
H_CLEANED=0

h_say() { printf '%s\n' "$*" >&2; }
h_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

h_rand_hex() { python3 -c 'import secrets,sys; print(secrets.token_hex(int(sys.argv[1])))' "${1:-4}"; }
# 48 characters from [A-Za-z0-9_-]
h_secret48() { python3 -c 'import secrets; print(secrets.token_urlsafe(36))'; }

# A free port: any the system gives, or one in H_PORT_RANGE (`first-last`) when set, so that
# two developers testing side by side on one machine keep to their own ports.
h_free_port() {
  python3 -c '
import random, socket, sys
spec = sys.argv[1]
if not spec:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close(); sys.exit()
first, last = (int(x) for x in spec.split("-"))
ports = list(range(first, last + 1)); random.shuffle(ports)
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); sys.exit()
    except OSError:
        pass
    finally:
        s.close()
sys.exit("no free port in H_PORT_RANGE " + spec)
' "${H_PORT_RANGE:-}"
}

# h_tmpdir VAR [LABEL] — creates a temporary directory, stores its path in VAR, registers it.
# (Not usable as $(h_tmpdir): the registration must happen in this shell, not a subshell.)
h_tmpdir() {
  local __h_tmpdir
  __h_tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-${2:-test}.XXXXXX") || return 1
  H_DIRS+=("$__h_tmpdir")
  printf -v "$1" '%s' "$__h_tmpdir"
}

# --- PostgreSQL -------------------------------------------------------------------------------

h_pg_ready() { pg_isready -h "${PG_HOSTPORT%%:*}" -p "${PG_HOSTPORT##*:}" -q; }

h_psql_admin() { psql "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -qtAX -c "$1"; }

# Role `ba` (password `ba`) as the reference server's start script creates it.
h_ensure_role_ba() {
  [ "$(h_psql_admin "select 1 from pg_roles where rolname='ba'")" = 1 ] ||
    h_psql_admin "create role ba login password 'ba'"
}

# h_create_db NAME [OWNER] — creates a fresh database and registers it for dropping.
h_create_db() {
  local name=$1 owner=${2:-}
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || h_die "bad database name: $name"
  if [ -n "$owner" ]; then
    h_psql_admin "create database \"$name\" owner \"$owner\"" || return 1
  else
    h_psql_admin "create database \"$name\"" || return 1
  fi
  H_DBS+=("$name")
}

h_drop_db() {
  h_psql_admin "drop database if exists \"$1\" with (force)" >/dev/null 2>&1 ||
    h_say "warning: could not drop database $1"
}

# --- MySQL / MariaDB --------------------------------------------------------------------------

# The client is `mariadb` on current MariaDB installs and `mysql` elsewhere.
h_mysql_bin() { if command -v mariadb >/dev/null 2>&1; then echo mariadb; else echo mysql; fi; }

h_mysql_ready() {
  local admin=mysqladmin
  command -v mariadb-admin >/dev/null 2>&1 && admin=mariadb-admin
  "$admin" -h "${MYSQL_HOSTPORT%%:*}" -P "${MYSQL_HOSTPORT##*:}" -u root --connect-timeout=3 ping >/dev/null 2>&1
}

h_mysql_admin() {
  "$(h_mysql_bin)" -h "${MYSQL_HOSTPORT%%:*}" -P "${MYSQL_HOSTPORT##*:}" -u root -N -B -e "$1"
}

# h_create_mysql_db NAME — creates a fresh MySQL/MariaDB database and registers it for dropping.
h_create_mysql_db() {
  local name=$1
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || h_die "bad database name: $name"
  h_mysql_admin "create database \`$name\` character set utf8mb4" || return 1
  H_MYSQL_DBS+=("$name")
}

h_drop_mysql_db() {
  h_mysql_admin "drop database if exists \`$1\`" >/dev/null 2>&1 ||
    h_say "warning: could not drop MySQL database $1"
}

# --- processes --------------------------------------------------------------------------------

# alive = exists and is not a zombie (an exited child we have not reaped yet)
h_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || true)
  [ "$state" != Z ]
}

# h_stop_pid PID — TERM, wait up to 10 s, then KILL. Works for non-children too.
h_stop_pid() {
  local pid=$1 i
  h_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    h_alive "$pid" || break
    sleep 0.1
  done
  if h_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  # reap it if it is our child, so it does not linger as a zombie
  wait "$pid" 2>/dev/null || true
}

h_port_owner() { { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; } || true; }

# Servers a benchmark starts run in a session of their own (H_OWN_SESSION=1), as a service does
# under systemd and as the reference server's start script does: with the kernel's autogroup
# scheduling (sched_autogroup_enabled) CPU is then shared fairly between the server, the load
# generator and the database, instead of the server and wrk splitting one group's share.
# h_launcher prints the words to put before a server's command.
h_launcher() { [ "${H_OWN_SESSION:-0}" = 1 ] && printf '%s\n' setsid --wait; return 0; }

# h_server_pid PID PORT — sets H_SERVER_PID to the server's own pid: `setsid` forks when its
# caller leads a process group (a shell with job control), and the process that listens on PORT
# is then its child (registered for cleanup here).
h_server_pid() {
  local owner
  owner=$(h_port_owner "$2")
  H_SERVER_PID=$1
  if [ -n "$owner" ] && [ "$owner" != "$1" ]; then H_SERVER_PID=$owner; H_PIDS+=("$owner"); fi
}

# h_wait_ok URL PID LOGFILE [TIMEOUT_S] — waits until URL answers 200; fails early if PID died.
h_wait_ok() {
  local url=$1 pid=$2 log=$3 timeout=${4:-30} deadline code
  deadline=$(( $(date +%s) + timeout ))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    [ "$code" = 200 ] && return 0
    if ! h_alive "$pid"; then
      h_say "server (pid $pid) exited before $url answered 200; its log ($log):"
      sed 's/^/    | /' "$log" >&2 2>/dev/null || true
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      h_say "timed out after ${timeout}s waiting for $url (last status: ${code:-none}); server log ($log):"
      sed 's/^/    | /' "$log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
}

# --- Portcullis -------------------------------------------------------------------------------

# h_start_portcullis BIN DATABASE_URL SECRET LOGFILE [extra env assignments...]
# Listens on H_PORT when set (a caller that must name its URL before start, e.g. in
# PASSKEY_ORIGIN), else on a free port. Sets H_LAST_PORT, H_LAST_PID, H_LAST_BASE. Returns non-zero (after printing the log) if the
# server does not answer GET /api/auth/ok with 200 within 30 s.
h_start_portcullis() {
  local bin=$1 dburl=$2 secret=$3 log=$4; shift 4
  local port extra=() launcher=()
  port=${H_PORT:-$(h_free_port)}
  mapfile -t launcher < <(h_launcher)
  [ -x "$bin" ] || { h_say "PORTCULLIS binary not executable: $bin"; return 1; }
  # shellcheck disable=SC2206  # deliberate word splitting of VAR=value words
  [ -n "${PORTCULLIS_TEST_SERVER_ENV:-}" ] && extra=($PORTCULLIS_TEST_SERVER_ENV)
  env DATABASE_URL="$dburl" BETTER_AUTH_SECRET="$secret" PORT="$port" HOST=127.0.0.1 \
    BETTER_AUTH_URL="http://127.0.0.1:$port" ${extra[@]+"${extra[@]}"} "$@" \
    ${launcher[@]+"${launcher[@]}"} "$bin" serve >"$log" 2>&1 </dev/null &
  H_LAST_PID=$!
  H_PIDS+=("$H_LAST_PID")
  H_LAST_PORT=$port
  H_LAST_BASE="http://127.0.0.1:$port"
  h_wait_ok "$H_LAST_BASE/api/auth/ok" "$H_LAST_PID" "$log" 30 || return 1
  h_server_pid "$H_LAST_PID" "$port"
  H_LAST_PID=$H_SERVER_PID
}

# --- Python packages ----------------------------------------------------------------------------

# The interpreter that runs the message sink; h_python_deps_if_needed may point it at a venv.
H_PYTHON=${H_PYTHON:-python3}

# h_python_deps_if_needed — makes .ci/requirements.txt (aiosmtpd, for the message sink) importable,
# as .ci/run does: nothing when the import works; else `pip install -r .ci/requirements.txt` into
# python3; and where pip may not install there (an "externally managed" system Python, or no pip),
# into a venv kept at ${XDG_CACHE_HOME:-~/.cache}/portcullis/test-venv. Sets H_PYTHON.
h_python_deps_if_needed() {
  local req="$H_ROOT/.ci/requirements.txt"
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/portcullis/test-venv"
  "$H_PYTHON" -c 'import aiosmtpd, standardwebhooks' 2>/dev/null && return 0
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import aiosmtpd, standardwebhooks' 2>/dev/null; then
    H_PYTHON="$venv/bin/python"
    return 0
  fi
  h_say "aiosmtpd or standardwebhooks is not installed: pip install -r .ci/requirements.txt"
  if python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$req" 2>/dev/null &&
    python3 -c 'import aiosmtpd, standardwebhooks' 2>/dev/null; then
    H_PYTHON=python3
    return 0
  fi
  h_say "pip cannot install into python3 here; installing into a venv at $venv"
  if python3 -m venv "$venv" >/dev/null &&
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" &&
    "$venv/bin/python" -c 'import aiosmtpd, standardwebhooks'; then
    H_PYTHON="$venv/bin/python"
    return 0
  fi
  h_say "could not install .ci/requirements.txt: python3 needs pip, or the venv module (Debian: apt-get install python3-venv)"
  return 1
}

# --- message sink (real SMTP + the SMS webhook) -------------------------------------------------

# h_start_sink DIR — starts tests/sinks/message_sink.py writing one JSON file per message to DIR.
# Sets H_SINK_PID, H_SINK_SMTP_PORT, H_SINK_HTTP_PORT, H_SINK_SMTP_USER, H_SINK_SMTP_PASSWORD,
# H_SINK_WEBHOOK_SECRET, and H_SINK_ENV: the Portcullis variables that send everything there.
h_start_sink() {
  local dir=$1 log i
  h_python_deps_if_needed || return 1
  mkdir -p "$dir"
  log="$dir.log"
  H_SINK_SMTP_PORT=$(h_free_port)
  H_SINK_HTTP_PORT=$(h_free_port)
  H_SINK_SMTP_USER="sink-$(h_rand_hex 4)"
  H_SINK_SMTP_PASSWORD=$(h_rand_hex 12)
  H_SINK_WEBHOOK_SECRET=$(h_rand_hex 16)
  "$H_PYTHON" "$H_ROOT/tests/sinks/message_sink.py" --dir "$dir" \
    --smtp-port "$H_SINK_SMTP_PORT" --smtp-user "$H_SINK_SMTP_USER" --smtp-password "$H_SINK_SMTP_PASSWORD" \
    --http-port "$H_SINK_HTTP_PORT" --webhook-secret "$H_SINK_WEBHOOK_SECRET" >"$log" 2>&1 </dev/null &
  H_SINK_PID=$!
  H_PIDS+=("$H_SINK_PID")
  for i in $(seq 1 100); do
    grep -q '^ready' "$log" 2>/dev/null && break
    h_alive "$H_SINK_PID" || { h_say "message sink exited:"; cat "$log" >&2; return 1; }
    sleep 0.1
  done
  grep -q '^ready' "$log" || { h_say "message sink did not start:"; cat "$log" >&2; return 1; }
  H_SINK_ENV=(SMTP_HOST=127.0.0.1 "SMTP_PORT=$H_SINK_SMTP_PORT" SMTP_TLS=none
    "SMTP_USER=$H_SINK_SMTP_USER" "SMTP_PASSWORD=$H_SINK_SMTP_PASSWORD"
    EMAIL_FROM_ADDRESS=auth@portcullis.test
    "SMS_WEBHOOK_URL=http://127.0.0.1:$H_SINK_HTTP_PORT/sms" "SMS_WEBHOOK_SECRET=$H_SINK_WEBHOOK_SECRET")
}

# --- the test OpenID provider ------------------------------------------------------------------

# h_start_oidc_provider LOG CLIENTS_JSON — node-oidc-provider from tests/oidc (its development
# login and consent pages) on a free loopback port, with these clients. Sets H_OIDC_PID and
# H_OIDC_ISSUER; h_cleanup stops it.
h_start_oidc_provider() {
  local log=$1 clients=$2 port
  h_npm_ci_if_needed "$H_ROOT/tests/oidc" || return 1
  port=$(h_free_port)
  (cd "$H_ROOT/tests/oidc" && PORT=$port CLIENTS=$clients exec node provider.mjs >"$log" 2>&1 </dev/null) &
  H_OIDC_PID=$!
  H_PIDS+=("$H_OIDC_PID")
  for _ in $(seq 1 100); do
    grep -q '^ready ' "$log" 2>/dev/null && break
    h_alive "$H_OIDC_PID" || break
    sleep 0.1
  done
  grep -q '^ready ' "$log" || { h_say "the OpenID provider did not start:"; cat "$log" >&2; return 1; }
  H_OIDC_ISSUER="http://127.0.0.1:$port"
}

# --- reference Better Auth server ----------------------------------------------------------------

# The reference server lives in the shared folder beside the checkout; a clone made elsewhere
# (e.g. a CI scratch directory) finds it at the machine's shared location.
h_ref_start_script() {
  if [ -n "${BA_REF_START:-}" ]; then printf '%s\n' "$BA_REF_START"; return; fi
  local c
  for c in "$H_ROOT/../shared/bench/better-auth-ref/start.sh" /work/shared/bench/better-auth-ref/start.sh; do
    if [ -f "$c" ]; then printf '%s\n' "$c"; return; fi
  done
  printf '%s\n' "$H_ROOT/../shared/bench/better-auth-ref/start.sh"
}

# h_start_reference DATABASE_URL SECRET — sets H_REF_PID, H_REF_PORT, H_REF_BASE.
h_start_reference() {
  local dburl=$1 secret=$2 script out port
  script=$(h_ref_start_script)
  [ -f "$script" ] || { h_say "reference start script not found: $script (set BA_REF_START)"; return 1; }
  port=$(h_free_port)
  H_REF_PORTS+=("$port")
  if ! out=$(DATABASE_URL="$dburl" BETTER_AUTH_SECRET="$secret" bash "$script" "$port"); then
    h_say "reference server failed to start on port $port:"; printf '%s\n' "$out" >&2
    return 1
  fi
  H_REF_PID=$(printf '%s\n' "$out" | tail -1)
  [[ $H_REF_PID =~ ^[0-9]+$ ]] || { h_say "unexpected start.sh output: $out"; return 1; }
  H_PIDS+=("$H_REF_PID")
  H_REF_PORT=$port
  H_REF_BASE="http://127.0.0.1:$port"
}

h_stop_reference() {
  local pid
  h_stop_pid "$H_REF_PID"
  for _ in $(seq 1 50); do
    pid=$(h_port_owner "$H_REF_PORT"); [ -z "$pid" ] && return 0
    h_stop_pid "$pid"
  done
}

# --- cleanup ----------------------------------------------------------------------------------

h_cleanup() {
  local rc=$? i pid port d
  [ "$H_CLEANED" = 1 ] && return "$rc"
  H_CLEANED=1
  set +e
  for (( i=${#H_PIDS[@]}-1; i>=0; i-- )); do h_stop_pid "${H_PIDS[i]}"; done
  for port in ${H_REF_PORTS[@]+"${H_REF_PORTS[@]}"}; do
    # a reference server whose start script failed half-way is not in H_PIDS yet
    pid=$(h_port_owner "$port"); [ -n "$pid" ] && h_stop_pid "$pid"
    # start.sh leaves its log and pid file per port in its work directory
    rm -f "${BA_REF_DIR:-/tmp/better-auth-ref}/pid-$port" "${BA_REF_DIR:-/tmp/better-auth-ref}/server-$port.log"
  done
  for d in ${H_DBS[@]+"${H_DBS[@]}"}; do h_drop_db "$d"; done
  for d in ${H_MYSQL_DBS[@]+"${H_MYSQL_DBS[@]}"}; do h_drop_mysql_db "$d"; done
  for d in ${H_DIRS[@]+"${H_DIRS[@]}"}; do rm -rf -- "$d"; done
  return "$rc"
}

h_install_trap() {
  trap h_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# --- JSON ---------------------------------------------------------------------------------------

# h_json FILE EXPR — evaluates a Python expression over `d` (the parsed JSON); prints "" on error.
h_json() {
  python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2], {"d": d})
except Exception:
    v = ""
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list, bool)) else v))
' "$1" "$2"
}

# --- npm ----------------------------------------------------------------------------------------

# h_npm_ci_if_needed DIR — `npm ci` when node_modules is missing or older than package-lock.json.
h_npm_ci_if_needed() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    h_say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund) || return 1
  fi
}
