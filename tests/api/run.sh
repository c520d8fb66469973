#!/usr/bin/env bash
# API conformance: Schemathesis against the OpenAPI document of a live Portcullis with every
# plugin on. It fails on a 5xx, on a response that does not match its documented schema, status
# code, content type or headers, and on valid input that is refused or invalid input that is
# accepted (see `checks` below).
#
#   tests/api/run.sh [extra schemathesis run args]
#
# Schemathesis runs from a venv of its own (tests/api/requirements.txt, every version pinned),
# kept at ${PORTCULLIS_SCHEMATHESIS_VENV:-/var/tmp/portcullis-schemathesis} and rebuilt when the
# requirements change. The server runs on a fresh SQLite file and is stopped on exit.
#
# Env: PORTCULLIS_BIN (default $CARGO_TARGET_DIR/debug/portcullis), API_MAX_EXAMPLES (per
#      operation, default 25), API_SEED (Hypothesis seed; default fixed, so a run repeats).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/harness.sh
source "$root/scripts/lib/harness.sh"
h_install_trap
cd "$root"

target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
BIN=${PORTCULLIS_BIN:-$target_dir/debug/portcullis}
[ -x "$BIN" ] || h_die "no portcullis binary at $BIN (cargo build -p portcullis, or set PORTCULLIS_BIN)"

venv=${PORTCULLIS_SCHEMATHESIS_VENV:-/var/tmp/portcullis-schemathesis}
req="$root/tests/api/requirements.txt"
stamp=$(sha256sum "$req" | cut -c1-16)
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$stamp" ]; then
  h_say "installing tests/api/requirements.txt into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  echo "$stamp" >"$venv/.requirements"
fi

work=""
h_tmpdir work api
secret=$(h_secret48)
# Passkeys need a host name for their relying party, never an IP address.
H_PORT=$(h_free_port)
# Every plugin that has endpoints, so that the document lists them all.
h_start_portcullis "$BIN" "sqlite://$work/api.db" "$secret" "$work/server.log" \
  PORTCULLIS_DATA_DIR="$work/data" LOG_LEVEL=warn \
  ENABLE_BEARER=true ENABLE_JWT=true ENABLE_API_KEY=true ENABLE_TWO_FACTOR=true ENABLE_ADMIN=true \
  ENABLE_ORGANIZATIONS=true ORGANIZATION_TEAMS=true ENABLE_ANONYMOUS=true ENABLE_MULTI_SESSION=true \
  ENABLE_USERNAME=true ENABLE_PHONE_AUTH=true ENABLE_MAGIC_LINKS=true ENABLE_EMAIL_OTP=true \
  ENABLE_PASSKEYS=true PASSKEY_RP_ID=localhost PASSKEY_ORIGIN="http://localhost:$H_PORT" ENABLE_DEVICE_AUTHORIZATION=true \
  ENABLE_LAST_LOGIN_METHOD=true ENABLE_AUDIT_LOG=true ENABLE_WEBHOOKS=true \
  ENABLE_OIDC_PROVIDER=true ENABLE_SECURITY_DETECTORS=true ENABLE_CHANGE_EMAIL=true \
  ENABLE_DELETE_USER=true || { cat "$work/server.log" >&2; exit 1; }
base=$H_LAST_BASE
h_say "portcullis on $base"

# A signed-in administrator, so that the operations behind a session are reached too: made as an
# operator makes the first one, then signed in for a bearer token.
admin_password="Api-$(h_rand_hex 8)-pw"
printf '%s\n' "$admin_password" | env DATABASE_URL="sqlite://$work/api.db" BETTER_AUTH_SECRET="$secret" \
  PORTCULLIS_DATA_DIR="$work/data" ENABLE_ADMIN=true LOG_LEVEL=warn \
  "$BIN" user create --email api-admin@example.com --name "API Admin" --password - --role admin >/dev/null
token=$(curl -s -D - -o /dev/null -H "Origin: $base" -H 'Content-Type: application/json' \
  -d "{\"email\":\"api-admin@example.com\",\"password\":\"$admin_password\"}" \
  "$base/api/auth/sign-in/email" | tr -d '\r' | sed -n 's/^set-auth-token: //Ip')
[ -n "$token" ] || h_die "could not sign the administrator in"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
# From the scratch directory: Schemathesis and Hypothesis keep their caches in the working one.
cd "$work"
"$venv/bin/schemathesis" run "$base/api/auth/open-api/generate-schema" \
  --url "$base/api/auth" \
  --checks "$checks" \
  --phases examples,coverage,fuzzing \
  --max-examples "${API_MAX_EXAMPLES:-25}" \
  --seed "${API_SEED:-20261206}" \
  --workers 2 \
  --request-timeout 10 \
  -H "Origin: $base" \
  -H "Authorization: Bearer $token" \
  --exclude-path /sign-out --exclude-path /delete-user --exclude-path /revoke-sessions \
  --exclude-path /revoke-other-sessions \
  --exclude-path /admin/stop-impersonating \
  "$@" || { h_say "schemathesis failed; server log: $work/server.log"; tail -50 "$work/server.log" >&2; exit 1; }
