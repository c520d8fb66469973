#!/usr/bin/env bash
# Validates the deployment artefacts where Docker cannot run:
#
#   1. static checks: every YAML file parses; compose publishes no database port and only nginx's;
#      the Kubernetes Deployment has 3 replicas, the probes, limits and a non-root read-only
#      container; the Dockerfile runs as uid 1001 with a HEALTHCHECK; example env files hold no
#      secrets;
#   2. `systemd-analyze verify` and an offline `systemd-analyze security` score for the unit
#      (skipped when systemd-analyze is missing);
#   3. `nginx -t` on deploy/nginx.conf with the upstreams pointed at loopback ports;
#   4. a live run: two Portcullis instances sharing one PostgreSQL database (and Redis when it
#      answers) behind that nginx; sign-up, get-session, sign-in and sign-out through nginx,
#      checking that both instances served, that the access log carries route/user/request id,
#      that X-Forwarded-For is resolved through TRUSTED_PROXIES, that /metrics is hidden by nginx
#      and token-protected on the instances, that the cleanup job deletes expired rows (and, with
#      Redis, that the lease lets one instance clean per interval), and that SIGTERM stops both
#      cleanly.
#
#   deploy/check.sh             builds the binary first (cargo build -p portcullis)
#   deploy/check.sh --no-build  uses $PORTCULLIS_BIN (default $CARGO_TARGET_DIR/debug/portcullis)
#
# Needs: python3, curl, psql/pg_isready and PostgreSQL on 127.0.0.1:5432 with trust auth
# (PG_ADMIN_URL), nginx (installed with apt-get when missing and running as root). Redis on
# 127.0.0.1:6379 (REDIS_TEST_URL) is used when it answers. Everything started here — servers,
# nginx, the database, Redis keys, temporary files — is removed on exit, whatever the outcome.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/harness.sh
source "$root/scripts/lib/harness.sh"
cd "$root"

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) h_die "unknown argument: $arg (try --help)" ;;
  esac
done

REDIS_TEST_URL=${REDIS_TEST_URL:-redis://127.0.0.1:6379}
redis_prefix=""
deploy_cleanup() {
  local rc=$?
  set +e
  if [ -n "$redis_prefix" ]; then
    redis-cli -u "$REDIS_TEST_URL" --scan --pattern "${redis_prefix}*" 2>/dev/null |
      xargs -r redis-cli -u "$REDIS_TEST_URL" del >/dev/null 2>&1
  fi
  (exit "$rc")
  h_cleanup
  exit "$rc"
}
trap deploy_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

failures=0
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*" >&2; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
section() { printf '\n=== %s\n' "$*"; }

work=""
h_tmpdir work deploy-check
chmod 0711 "$work"   # nginx workers (another user) must reach their temp directories

# --- 1. static checks ------------------------------------------------------------------------
section "static checks"
python=python3
if ! python3 -c 'import yaml' 2>/dev/null; then
  h_say "python3 has no yaml module: installing pyyaml==6.0.2 into a temporary venv"
  if ! { python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q pyyaml==6.0.2; }; then
    h_die "could not install pyyaml"
  fi
  python="$work/venv/bin/python"
fi

if "$python" - "$root" <<'PY'
import pathlib, re, sys
import yaml

root = pathlib.Path(sys.argv[1])
deploy = root / "deploy"
problems = []

def need(cond, msg):
    if not cond:
        problems.append(msg)

# Every YAML document parses.
docs = {}
for p in sorted(list(deploy.rglob("*.yml")) + list(deploy.rglob("*.yaml"))):
    try:
        docs[p.relative_to(deploy).as_posix()] = list(yaml.safe_load_all(p.read_text()))
        print(f"  parsed {p.relative_to(root)}")
    except yaml.YAMLError as e:
        problems.append(f"{p}: {e}")
need(len(docs) >= 6, f"expected compose + kubernetes YAML files, found {sorted(docs)}")

# docker compose: PostgreSQL and Redis publish nothing; nginx is the only published port.
compose = docs.get("docker-compose.yml", [{}])[0] or {}
services = compose.get("services", {})
for name in ("postgres", "redis", "portcullis-1", "portcullis-2", "nginx"):
    need(name in services, f"compose: service {name} missing")
published = sorted(n for n, s in services.items() if s.get("ports"))
need(published == ["nginx"], f"compose: services publishing ports: {published}")
for name in ("portcullis-1", "portcullis-2"):
    s = services.get(name, {})
    need(s.get("user") == "1001:1001", f"compose: {name} user is {s.get('user')!r}")
    need(s.get("read_only") is True, f"compose: {name} is not read_only")
    env = s.get("environment", {})
    need(str(env.get("DATABASE_URL", "")).startswith("postgres://"), f"compose: {name} DATABASE_URL")
    need("REDIS_URL" in env and "TRUSTED_PROXIES" in env, f"compose: {name} REDIS_URL/TRUSTED_PROXIES")
need(compose.get("networks", {}).get("backend", {}).get("internal") is True,
     "compose: backend network is not internal")
for name in ("postgres", "redis"):
    need(services.get(name, {}).get("networks") == ["backend"], f"compose: {name} not backend-only")

# Kubernetes.
by_kind = {}
for rel, ds in docs.items():
    if rel.startswith("kubernetes/"):
        for d in ds:
            if d and "kind" in d:
                by_kind.setdefault(d["kind"], []).append(d)
dep = (by_kind.get("Deployment") or [{}])[0]
spec = dep.get("spec", {})
need(spec.get("replicas") == 3, f"k8s: replicas {spec.get('replicas')}")
pod = spec.get("template", {}).get("spec", {})
need(pod.get("securityContext", {}).get("runAsNonRoot") is True, "k8s: pod runAsNonRoot")
need(pod.get("securityContext", {}).get("runAsUser") == 1001, "k8s: pod runAsUser 1001")
c = (pod.get("containers") or [{}])[0]
need(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/api/health/live", "k8s: liveness path")
need(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/api/health", "k8s: readiness path")
sc = c.get("securityContext", {})
need(sc.get("readOnlyRootFilesystem") is True, "k8s: readOnlyRootFilesystem")
need(sc.get("allowPrivilegeEscalation") is False, "k8s: allowPrivilegeEscalation")
need(sc.get("capabilities", {}).get("drop") == ["ALL"], "k8s: capabilities not dropped")
res = c.get("resources", {})
need(all(k in res.get(x, {}) for x in ("requests", "limits") for k in ("cpu", "memory")),
     "k8s: resources requests/limits for cpu and memory")
svc = (by_kind.get("Service") or [{}])[0]
need(svc.get("spec", {}).get("sessionAffinity") == "None", "k8s: Service sessionAffinity")
sel = svc.get("spec", {}).get("selector", {})
labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
need(sel and all(labels.get(k) == v for k, v in sel.items()), "k8s: Service selector matches no pod")
secret = (by_kind.get("Secret") or [{}])[0]
for k, v in secret.get("stringData", {}).items():
    need(v == "" or "REPLACE_ME" in v, f"k8s: secret template {k} holds a value")
need("PodDisruptionBudget" in by_kind, "k8s: PodDisruptionBudget")

# Dockerfile.
df = (root / "Dockerfile").read_text()
need(re.search(r"^FROM rust:\d+\.\d+(\.\d+)?-\S+ AS builder$", df, re.M), "Dockerfile: pinned rust builder")
need(re.search(r"^FROM debian:\S+-slim$", df, re.M), "Dockerfile: debian slim runtime")
need(re.search(r"^USER 1001(:1001)?$", df, re.M), "Dockerfile: USER 1001")
need('CMD ["portcullis", "healthcheck"]' in df and "HEALTHCHECK" in df, "Dockerfile: HEALTHCHECK")
need(re.search(r"^EXPOSE 8787$", df, re.M), "Dockerfile: EXPOSE 8787")
need("HOST=0.0.0.0" in df and re.search(r"^VOLUME", df, re.M), "Dockerfile: HOST/VOLUME")
ignore = (root / ".dockerignore").read_text().splitlines()
need("*" in ignore and "!crates/" in ignore, ".dockerignore: not an allow-list of the sources")
# Cargo loads every workspace member: each member's top directory must reach the build.
import tomllib
members = tomllib.loads((root / "Cargo.toml").read_text()).get("workspace", {}).get("members", [])
for top in sorted({m.split("/")[0] for m in members}):
    need(re.search(rf"^COPY {re.escape(top)} \./{re.escape(top)}$", df, re.M),
         f"Dockerfile: workspace member directory {top}/ is not copied")
    need(f"!{top}/" in ignore, f".dockerignore: workspace member directory {top}/ is excluded")

# Example env files hold no secrets.
for p in (deploy / ".env.example", deploy / "systemd" / "portcullis.env.example"):
    for line in p.read_text().splitlines():
        m = re.match(r"^(\w*(SECRET|PASSWORD|TOKEN)\w*)=(.*)$", line)
        if m:
            need(m.group(3).strip() == "", f"{p.name}: {m.group(1)} has a value")

# nginx: no stickiness.
conf = (deploy / "nginx.conf").read_text()
need(not re.search(r"^\s*(ip_hash|hash|sticky)\b", conf, re.M), "nginx.conf: sticky upstream")
for h in ("X-Forwarded-For", "X-Forwarded-Proto"):
    need(h in conf, f"nginx.conf: {h}")

for p in problems:
    print(f"  problem: {p}")
sys.exit(1 if problems else 0)
PY
then pass "YAML parses; compose, kubernetes, Dockerfile and env examples are as documented"
else fail "static checks"; fi

# --- binary ----------------------------------------------------------------------------------
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
BIN=${PORTCULLIS_BIN:-$target_dir/debug/portcullis}
if [ "$build" = 1 ]; then
  section "cargo build -p portcullis"
  cargo build -p portcullis
fi
[ -x "$BIN" ] || h_die "no portcullis binary at $BIN (build it, or set PORTCULLIS_BIN)"

# --- 2. systemd ------------------------------------------------------------------------------
section "systemd unit"
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$work/unit"
  # The unit as shipped, with ExecStart at the binary under test and the env file optional.
  sed -e "s#/usr/local/bin/portcullis#$BIN#" \
      -e 's#^EnvironmentFile=/#EnvironmentFile=-/#' \
      deploy/systemd/portcullis.service >"$work/unit/portcullis.service"
  check "systemd-analyze verify" systemd-analyze verify "$work/unit/portcullis.service"
  exposure=$(systemd-analyze security --offline=yes "$work/unit/portcullis.service" 2>/dev/null |
    sed -n 's/.*Overall exposure level for portcullis.service: \([0-9.]*\).*/\1/p')
  check "systemd-analyze security exposure ${exposure:-?} is below 3.0" \
    python3 -c 'import sys; sys.exit(0 if sys.argv[1] and float(sys.argv[1]) < 3.0 else 1)' "${exposure:-}"
else
  echo "--- skipped: systemd-analyze is not installed"
fi

# --- 3. nginx -t -----------------------------------------------------------------------------
section "nginx"
if ! command -v nginx >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    h_say "nginx not installed: apt-get install -y nginx"
    { apt-get install -y -qq nginx >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }; } || h_die "cannot install nginx"
  else
    h_die "nginx is not installed (apt-get install -y nginx)"
  fi
fi

p1=$(h_free_port); p2=$(h_free_port); np=$(h_free_port)
while [ "$p2" = "$p1" ]; do p2=$(h_free_port); done
while [ "$np" = "$p1" ] || [ "$np" = "$p2" ]; do np=$(h_free_port); done
nx="$work/nginx"
mkdir -p "$nx/logs" "$nx/tmp"
chmod 0777 "$nx/tmp"
# deploy/nginx.conf with loopback upstreams, a loopback listener and every path under $nx.
{
  echo "pid $nx/nginx.pid;"
  sed -e "s#server portcullis-1:8787#server 127.0.0.1:$p1#" \
      -e "s#server portcullis-2:8787#server 127.0.0.1:$p2#" \
      -e "s#listen 80;#listen 127.0.0.1:$np;#" \
      -e "s#/var/log/nginx/#$nx/logs/#g" \
      -e "s#^worker_processes auto;#worker_processes 1;#" \
      -e "s#^http {#http {\n    client_body_temp_path $nx/tmp/body;\n    proxy_temp_path $nx/tmp/proxy;\n    fastcgi_temp_path $nx/tmp/fastcgi;\n    uwsgi_temp_path $nx/tmp/uwsgi;\n    scgi_temp_path $nx/tmp/scgi;#" \
      deploy/nginx.conf
} >"$nx/nginx.conf"
for want in "127.0.0.1:$p1" "127.0.0.1:$p2" "listen 127.0.0.1:$np"; do
  grep -q "$want" "$nx/nginx.conf" || h_die "deploy/nginx.conf changed shape: '$want' not substituted"
done
check "nginx -t -c deploy/nginx.conf (upstreams on loopback)" \
  nginx -t -q -p "$nx" -e "$nx/logs/error.log" -c "$nx/nginx.conf"

# --- 4. two instances behind nginx -----------------------------------------------------------
section "two instances on one PostgreSQL database behind nginx"
h_pg_ready || h_die "PostgreSQL is not answering on $PG_HOSTPORT"
db="portcullis_deploy_$(h_rand_hex 6)"
h_create_db "$db"
dburl="postgres://postgres@$PG_HOSTPORT/$db"
secret=$(h_secret48)
metrics_token="metrics-$(h_rand_hex 12)"
N="http://127.0.0.1:$np"
common=(
  "BETTER_AUTH_URL=$N" "TRUSTED_PROXIES=127.0.0.1" "LOG_FORMAT=json"
  "LOG_LEVEL=info,portcullis_server::jobs=debug" "CLEANUP_INTERVAL=2"
  "METRICS_TOKEN=$metrics_token"
)
use_redis=0
if command -v redis-cli >/dev/null 2>&1 && redis-cli -u "$REDIS_TEST_URL" ping 2>/dev/null | grep -q PONG; then
  use_redis=1
  redis_prefix="portcullis-deploy-$(h_rand_hex 6):"
  common+=("REDIS_URL=$REDIS_TEST_URL" "REDIS_KEY_PREFIX=$redis_prefix")
  echo "Redis at $REDIS_TEST_URL: shared secondary storage (prefix $redis_prefix)"
else
  echo "Redis not answering at $REDIS_TEST_URL: in-memory secondary storage per instance"
fi

# h_start_portcullis picks its own port; start each on the port nginx expects instead.
start_instance() {
  local n=$1 port=$2 log="$work/instance-$1.log"
  env DATABASE_URL="$dburl" BETTER_AUTH_SECRET="$secret" PORT="$port" HOST=127.0.0.1 \
    PORTCULLIS_DATA_DIR="$work/data-$n" "${common[@]}" "$BIN" serve >"$log" 2>&1 </dev/null &
  eval "pid$n=$!"
  H_PIDS+=("$!")
  h_wait_ok "http://127.0.0.1:$port/api/health" "$!" "$log" 60
}
start_instance 1 "$p1"
start_instance 2 "$p2"
# shellcheck disable=SC2154  # pid1/pid2 are set by start_instance through eval
echo "instances: pid $pid1 on :$p1, pid $pid2 on :$p2"

nginx -p "$nx" -e "$nx/logs/error.log" -c "$nx/nginx.conf" -g 'daemon off;' >"$nx/logs/stdout.log" 2>&1 &
H_PIDS+=("$!")
nginx_pid=$!
h_wait_ok "$N/api/health" "$nginx_pid" "$nx/logs/error.log" 20
echo "nginx: pid $nginx_pid on :$np"

# curl_json NAME [curl args...] — body to $work/NAME.json, prints the status.
curl_json() {
  local name=$1; shift
  curl -s -o "$work/$name.json" -w '%{http_code}' --max-time 10 "$@" || true
}
status_is() { [ "$1" = "$2" ] || { h_say "    expected HTTP $2, got $1"; return 1; }; }

email="deploy-$(h_rand_hex 4)@example.com"
password="Deploy-check-$(h_rand_hex 6)"
jar1="$work/jar1" jar2="$work/jar2"

code=$(curl_json signup -c "$jar1" -H 'content-type: application/json' \
  -d "{\"name\":\"Deploy Check\",\"email\":\"$email\",\"password\":\"$password\"}" \
  "$N/api/auth/sign-up/email")
check "sign-up through nginx answers 200" status_is "$code" 200
user_id=$(h_json "$work/signup.json" 'd["user"]["id"]')
[ -n "$user_id" ] || h_die "sign-up returned no user id: $(cat "$work/signup.json")"

ok=1
for i in $(seq 1 8); do
  code=$(curl_json "session-$i" -b "$jar1" "$N/api/auth/get-session?disableCookieCache=true")
  [ "$code" = 200 ] && [ "$(h_json "$work/session-$i.json" 'd["user"]["email"]')" = "$email" ] || ok=0
done
check "get-session through nginx, 8 times, always the signed-up user" test "$ok" = 1

served_by() {  # count of get-session access lines in instance N's log
  grep -c '"route":"/api/auth/get-session"' "$work/instance-$1.log" || true
}
s1=$(served_by 1); s2=$(served_by 2)
check "both instances served get-session (instance 1: $s1, instance 2: $s2)" \
  test "$s1" -gt 0 -a "$s2" -gt 0
upstreams=$(grep -o 'upstream=127.0.0.1:[0-9]*' "$nx/logs/access.log" | sort -u | wc -l)
check "nginx used both upstreams (no stickiness)" test "$upstreams" = 2
check "the access log names the user on get-session" \
  grep -q "\"route\":\"/api/auth/get-session\".*\"user_id\":\"$user_id\"\|\"user_id\":\"$user_id\".*\"route\":\"/api/auth/get-session\"" \
  "$work/instance-1.log" "$work/instance-2.log"
rid=$(grep -o 'rid=[0-9a-f]*' "$nx/logs/access.log" | tail -1 | cut -d= -f2)
check "nginx's request id ($rid) is in an instance's access log" \
  grep -q "\"request_id\":\"$rid\"" "$work/instance-1.log" "$work/instance-2.log"
no_secrets_logged() {
  ! grep -q -e "$password" -e "disableCookieCache" -e "session_token" \
    "$work/instance-1.log" "$work/instance-2.log"
}
check "no password, cookie or query string in the instance logs" no_secrets_logged

# X-Forwarded-For through nginx: nginx (127.0.0.1) is trusted, a client on 127.0.0.2 is not,
# so its spoofed X-Forwarded-For entry is ignored.
code=$(curl_json signin -c "$jar2" --interface 127.0.0.2 -H 'content-type: application/json' \
  -H 'X-Forwarded-For: 203.0.113.9' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$N/api/auth/sign-in/email")
check "sign-in through nginx answers 200" status_is "$code" 200
code=$(curl_json session-ip -b "$jar2" "$N/api/auth/get-session?disableCookieCache=true")
ip=$(h_json "$work/session-ip.json" 'd["session"]["ipAddress"]')
check "the session's client address is the peer nginx saw, 127.0.0.2, not the spoofed 203.0.113.9 (got $ip)" \
  test "$ip" = 127.0.0.2

code=$(curl_json signout -b "$jar2" -H "origin: $N" -H 'content-type: application/json' -d '{}' \
  "$N/api/auth/sign-out")
check "sign-out through nginx answers 200" status_is "$code" 200
ok=1
for i in $(seq 1 4); do
  code=$(curl_json "revoked-$i" -b "$jar2" "$N/api/auth/get-session?disableCookieCache=true")
  [ "$code" = 200 ] && [ "$(cat "$work/revoked-$i.json")" = null ] || ok=0
done
check "the signed-out session is gone on every instance" test "$ok" = 1

# Metrics: hidden by nginx, token-protected on each instance, counted across both.
code=$(curl_json metrics-nginx "$N/metrics")
check "nginx does not publish /metrics" status_is "$code" 404
code=$(curl_json metrics-anon "http://127.0.0.1:$p1/metrics")
check "an instance's /metrics needs METRICS_TOKEN" status_is "$code" 401
for n in 1 2; do
  port=$p1; [ "$n" = 2 ] && port=$p2
  curl -s --max-time 10 -H "authorization: Bearer $metrics_token" \
    "http://127.0.0.1:$port/metrics" >"$work/metrics-$n.txt"
done
metric_sum() {  # metric_sum SERIES — sum over both instances
  cat "$work/metrics-1.txt" "$work/metrics-2.txt" |
    awk -v s="$1" '$1 == s { t += $2 } END { print t + 0 }'
}
check "auth_registrations_total sums to 1 over the instances" \
  test "$(metric_sum 'auth_registrations_total{method="email"}')" = 1
check "auth_login_attempts_total{success} sums to 1" \
  test "$(metric_sum 'auth_login_attempts_total{method="email",status="success"}')" = 1
check "auth_session_duration_seconds_count sums to 1 (one sign-out)" \
  test "$(metric_sum 'auth_session_duration_seconds_count')" = 1
check "both instances report db_pool_healthy 1" \
  test "$(metric_sum 'db_pool_healthy')" = 2

# The cleanup job (CLEANUP_INTERVAL=2) deletes an expired session written straight to the table.
psql "postgres://postgres@$PG_HOSTPORT/$db" -v ON_ERROR_STOP=1 -qtAX -c \
  "insert into session (id, \"expiresAt\", token, \"createdAt\", \"updatedAt\", \"ipAddress\", \"userAgent\", \"userId\")
   values ('deploy-check-expired', now() - interval '1 hour', 'deploy-check-expired', now() - interval '2 hours', now(), '', '', '$user_id')" >/dev/null ||
  fail "inserting an expired session"
gone=0
for _ in $(seq 1 50); do
  left=$(psql "postgres://postgres@$PG_HOSTPORT/$db" -qtAX -c "select count(*) from session where id = 'deploy-check-expired'")
  if [ "$left" = 0 ]; then gone=1; break; fi
  sleep 0.2
done
check "the cleanup job deleted the expired session within 10 s" test "$gone" = 1
live=$(psql "postgres://postgres@$PG_HOSTPORT/$db" -qtAX -c "select count(*) from session where \"expiresAt\" > now()")
check "live sessions survived the cleanup ($live)" test "$live" -ge 1
if [ "$use_redis" = 1 ]; then
  sleep 4
  skipped=$(cat "$work/instance-1.log" "$work/instance-2.log" | grep -c 'another instance holds the lease' || true)
  ran=$(cat "$work/instance-1.log" "$work/instance-2.log" | grep -c -e 'cleanup: nothing expired' -e 'cleanup: deleted expired rows' || true)
  check "with Redis, the lease let one instance clean per interval (ran $ran, skipped $skipped)" \
    test "$ran" -gt 0 -a "$skipped" -gt 0
fi

# SIGTERM: both stop on their own, exit 0, and say they drained.
for n in 1 2; do
  pid=$pid1; [ "$n" = 2 ] && pid=$pid2
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  check "instance $n stopped on SIGTERM with status $rc" test "$rc" = 0
  check "instance $n logged the drain" grep -q 'draining in-flight requests' "$work/instance-$n.log"
done

section "summary"
if [ "$failures" -gt 0 ]; then
  printf 'deploy/check.sh: %d check(s) FAILED; logs were in %s\n' "$failures" "$work"
  for f in "$work"/instance-*.log "$nx/logs/error.log"; do
    printf -- '--- %s (last 30 lines)\n' "$f"; tail -n 30 "$f" 2>/dev/null || true
  done
  exit 1
fi
echo "deploy/check.sh: all checks passed"
