#!/usr/bin/env bash
# "A Better Auth database can be read in place."
#
# 1. Create a fresh PostgreSQL database, run the reference Better Auth 1.7.25 server on it, sign a
#    user up over HTTP and keep its `better-auth.session_token` cookie; stop the reference.
# 2. Start Portcullis on the SAME database with the SAME secret and check that
#    (a) GET /api/auth/get-session with the Better Auth cookie returns that user,
#    (b) POST /api/auth/sign-in/email with the Better Auth password succeeds (same user id),
#    (c) the original Better Auth cookie still works afterwards,
#    (d) a second sign-in still works (e.g. after a rehash of the scrypt password on sign-in),
#    (e) an API key the reference made (api-key plugin) stands for its user in Portcullis
#        (`x-api-key`, API_KEY_ENABLE_SESSIONS=true): Better Auth's stored hash is Portcullis's,
#    (f) Portcullis lists that key, by its name and first characters, to its owner.
#    (g) the JWT signing key Better Auth's jwt plugin made (encrypted in `jwks`) is Portcullis's
#        key too: its /jwks publishes it, its /token signs with it, and a token Better Auth
#        signed verifies against Portcullis's key set.
#    (h) a second user enrolled TOTP on the reference (its secret and backup codes encrypted by
#        Better Auth): Portcullis holds its password sign-in for the second step, and a code
#        Debian's `oathtool` makes from the secret Better Auth gave passes it;
#    (i) a backup code Better Auth made passes it once, and not a second time.
#    (j) with versioned secrets (BETTER_AUTH_SECRETS, Better Auth 1.7's rotation), on a second
#        database: Better Auth's cookie (signed with the current version) is accepted, and its JWT
#        key, sealed in a `$ba$<version>$` envelope, is Portcullis's key too.
#    (k) a passkey registered on the reference (its own verify-registration wrote the row, from a
#        software authenticator: soft-authenticator.mjs) signs its user in on Portcullis, with no
#        session and no email, and (l) the same key answering with a stale counter is refused.
#    (m) a device code the reference issued and its user approved there (device authorization,
#        stored in the clear in Better Auth's `deviceCode` table) is redeemed on Portcullis for a
#        session of that user, once.
# The reference runs its full profile, which has the api-key, two-factor, passkey and device
# authorization plugins.
#
# Usage:  PORTCULLIS_BIN=target/debug/portcullis tests/compat/better-auth-db.sh
# Env:    PORTCULLIS_BIN (required), BA_REF_START (reference start script, default
#         ../shared/bench/better-auth-ref/start.sh from the repo root), PG_ADMIN_URL.
# Everything started here is stopped, and the database dropped, on exit (trap), pass or fail.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/harness.sh
source "$here/../../scripts/lib/harness.sh"
h_install_trap

: "${PORTCULLIS_BIN:?set PORTCULLIS_BIN to the portcullis binary (e.g. target/debug/portcullis)}"
case "$PORTCULLIS_BIN" in /*) ;; *) PORTCULLIS_BIN="$PWD/$PORTCULLIS_BIN" ;; esac

failures=0
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }
abort() { printf 'FAIL  %s\n' "$*"; printf 'better-auth-db: FAILED (setup)\n'; exit 1; }

h_pg_ready || abort "PostgreSQL is not answering on $PG_HOSTPORT"
work=""
h_tmpdir work compat
secret="compat-secret-$(h_rand_hex 16)"   # 46 characters
db="ba_compat_$(h_rand_hex 6)"
h_ensure_role_ba
h_create_db "$db" ba
dburl="postgres://ba:ba@$PG_HOSTPORT/$db"
echo "database: $db"

# --- 1. Better Auth writes the database ----------------------------------------------------------
BA_REF_PROFILE=full h_start_reference "$dburl" "$secret" ||
  abort "could not start the reference Better Auth server"
echo "reference Better Auth: $H_REF_BASE (pid $H_REF_PID)"

email="compat-$(h_rand_hex 4)@example.com"
password="compat password $(h_rand_hex 4)"
curl -sS -o "$work/signup.json" -D "$work/signup.headers" -w '%{http_code}' \
  -X POST "$H_REF_BASE/api/auth/sign-up/email" \
  -H "Origin: $H_REF_BASE" -H 'Content-Type: application/json' \
  --data "{\"name\":\"Compat User\",\"email\":\"$email\",\"password\":\"$password\"}" >"$work/signup.status" ||
  abort "reference sign-up request failed"
[ "$(cat "$work/signup.status")" = 200 ] ||
  abort "reference sign-up answered $(cat "$work/signup.status"): $(cat "$work/signup.json")"
user_id=$(h_json "$work/signup.json" 'd["user"]["id"]')
ba_token=$(h_json "$work/signup.json" 'd["token"]')
ba_cookie=$(tr -d '\r' <"$work/signup.headers" |
  sed -n 's/^[Ss][Ee][Tt]-[Cc][Oo][Oo][Kk][Ii][Ee]: better-auth\.session_token=\([^;]*\).*/\1/p' | head -1)
if [ -z "$user_id" ] || [ -z "$ba_token" ] || [ -z "$ba_cookie" ]; then
  abort "reference sign-up response lacks user id / token / session cookie"
fi
echo "reference signed up $email as $user_id (cookie better-auth.session_token=${ba_cookie:0:12}…)"

# sanity: the cookie works on the reference itself
curl -sS -o "$work/ref-session.json" "$H_REF_BASE/api/auth/get-session" \
  -H "Cookie: better-auth.session_token=$ba_cookie"
[ "$(h_json "$work/ref-session.json" 'd["user"]["id"]')" = "$user_id" ] ||
  abort "the reference does not accept its own cookie: $(cat "$work/ref-session.json")"

# The jwt plugin makes its key on first use and keeps it encrypted in `jwks`.
curl -sS -o "$work/ref-token.json" "$H_REF_BASE/api/auth/token" \
  -H "Cookie: better-auth.session_token=$ba_cookie"
ba_jwt=$(h_json "$work/ref-token.json" 'd["token"]')
[ -n "$ba_jwt" ] || abort "the reference gave no JWT: $(cat "$work/ref-token.json")"
curl -sS -o "$work/ref-jwks.json" "$H_REF_BASE/api/auth/jwks"
ba_kid=$(h_json "$work/ref-jwks.json" 'd["keys"][0]["kid"]')

# an API key, made by Better Auth's api-key plugin
curl -sS -o "$work/key.json" -X POST "$H_REF_BASE/api/auth/api-key/create" \
  -H "Origin: $H_REF_BASE" -H 'Content-Type: application/json' \
  -H "Cookie: better-auth.session_token=$ba_cookie" --data '{"name":"compat-key","prefix":"ck_"}' ||
  abort "reference api-key/create request failed"
ba_key=$(h_json "$work/key.json" 'd["key"]')
ba_key_id=$(h_json "$work/key.json" 'd["id"]')
[ -n "$ba_key" ] && [ -n "$ba_key_id" ] || abort "reference api-key/create: $(cat "$work/key.json")"

# a passkey, registered through Better Auth's own passkey plugin (relying party localhost)
export CBOR_MODULE="${BA_REF_DIR:-/tmp/better-auth-ref}/node_modules/@levischuck/tiny-cbor/esm/index.js"
authenticator="$here/soft-authenticator.mjs"
ref_origin="http://localhost:$H_REF_PORT"
curl -sS -o "$work/pk-reg-options.json" -c "$work/ref-jar" \
  -H "Cookie: better-auth.session_token=$ba_cookie" "$H_REF_BASE/api/auth/passkey/generate-register-options" ||
  abort "reference passkey/generate-register-options request failed"
node "$authenticator" register "$work/pk-reg-options.json" "$ref_origin" "$work/pk-state.json" >"$work/pk-reg.json" ||
  abort "the software authenticator did not register: $(cat "$work/pk-reg-options.json")"
pk_challenge=$(sed -n 's/.*better-auth\.better-auth-passkey[[:space:]]*\([^[:space:]]*\)$/\1/p' "$work/ref-jar" | tail -1)
node -e 'const fs=require("fs");fs.writeFileSync(process.argv[2],JSON.stringify({response:JSON.parse(fs.readFileSync(process.argv[1],"utf8")),name:"compat passkey"}))' \
  "$work/pk-reg.json" "$work/pk-reg-body.json"
code=$(curl -sS -o "$work/pk-verify-reg.json" -w '%{http_code}' -X POST "$H_REF_BASE/api/auth/passkey/verify-registration" \
  -H "Origin: $H_REF_BASE" -H 'Content-Type: application/json' \
  -H "Cookie: better-auth.session_token=$ba_cookie; better-auth.better-auth-passkey=$pk_challenge" \
  --data @"$work/pk-reg-body.json" || true)
[ "$code" = 200 ] || abort "reference passkey/verify-registration answered $code: $(cat "$work/pk-verify-reg.json")"
ba_passkey_id=$(h_json "$work/pk-verify-reg.json" 'd["id"]')
# a user with TOTP, enrolled by Better Auth's two-factor plugin
tfa_email="compat-tfa-$(h_rand_hex 4)@example.com"
ref_post() { # $1 = path, $2 = JSON body, $3 = output file; the cookie jar $work/tfa.jar
  curl -sS -o "$3" -w '%{http_code}' -b "$work/tfa.jar" -c "$work/tfa.jar" -X POST "$H_REF_BASE/api/auth$1" \
    -H "Origin: $H_REF_BASE" -H 'Content-Type: application/json' --data "$2" || true
}
totp_at() { # $1 = base32 secret, $2 = seconds from now
  oathtool --totp -b "$1" --now "$(date -u -d "@$(($(date +%s) + $2))" '+%Y-%m-%d %H:%M:%S UTC')"
}
[ "$(ref_post /sign-up/email "{\"name\":\"TFA\",\"email\":\"$tfa_email\",\"password\":\"$password\"}" "$work/tfa-up.json")" = 200 ] ||
  abort "reference sign-up of the TOTP user: $(cat "$work/tfa-up.json")"
[ "$(ref_post /two-factor/enable "{\"password\":\"$password\"}" "$work/tfa-enable.json")" = 200 ] ||
  abort "reference two-factor/enable: $(cat "$work/tfa-enable.json")"
tfa_secret=$(h_json "$work/tfa-enable.json" 'd["totpURI"].split("secret=")[1].split("&")[0]')
tfa_backup=$(h_json "$work/tfa-enable.json" 'd["backupCodes"][0]')
[ "$(ref_post /two-factor/verify-totp "{\"code\":\"$(totp_at "$tfa_secret" 0)\"}" "$work/tfa-verify.json")" = 200 ] ||
  abort "reference two-factor/verify-totp: $(cat "$work/tfa-verify.json")"
echo "reference enrolled TOTP for $tfa_email"

# a device code, issued by Better Auth's deviceAuthorization and approved there by the first user
curl -sS -o "$work/dev-code.json" -X POST "$H_REF_BASE/api/auth/device/code" \
  -H 'Content-Type: application/json' --data '{"client_id":"compat-tv","scope":"openid"}' ||
  abort "reference device/code request failed"
ba_device_code=$(h_json "$work/dev-code.json" 'd["device_code"]')
ba_user_code=$(h_json "$work/dev-code.json" 'd["user_code"]')
[ -n "$ba_device_code" ] && [ -n "$ba_user_code" ] || abort "reference device/code: $(cat "$work/dev-code.json")"
curl -sS -o "$work/dev-claim.json" "$H_REF_BASE/api/auth/device?user_code=$ba_user_code" \
  -H "Cookie: better-auth.session_token=$ba_cookie" || abort "reference device check failed"
curl -sS -o "$work/dev-approve.json" -X POST "$H_REF_BASE/api/auth/device/approve" \
  -H "Origin: $H_REF_BASE" -H 'Content-Type: application/json' -H "Cookie: better-auth.session_token=$ba_cookie" \
  --data "{\"userCode\":\"$ba_user_code\"}" || abort "reference device/approve request failed"
[ "$(h_json "$work/dev-approve.json" 'd["success"]')" = true ] ||
  abort "reference device/approve: $(cat "$work/dev-approve.json")"

h_stop_reference
echo "reference stopped"

# --- 2. Portcullis reads it in place ----------------------------------------------------------------
p_port=$(h_free_port)
H_PORT=$p_port h_start_portcullis "$PORTCULLIS_BIN" "$dburl" "$secret" "$work/portcullis.log" \
  ENABLE_API_KEY=true API_KEY_ENABLE_SESSIONS=true ENABLE_JWT=true ENABLE_TWO_FACTOR=true \
  ENABLE_PASSKEYS=true PASSKEY_RP_ID=localhost PASSKEY_ORIGIN="http://localhost:$p_port" \
  ENABLE_DEVICE_AUTHORIZATION=true ||
  abort "Portcullis did not become ready ($PORTCULLIS_BIN serve)"
P=$H_LAST_BASE
echo "portcullis: $P (pid $H_LAST_PID)"

get_session() { # $1 = output file
  curl -sS -o "$1" -w '%{http_code}' "$P/api/auth/get-session" \
    -H "Cookie: better-auth.session_token=$ba_cookie" || true
}

# (a)
code=$(get_session "$work/a.json")
if [ "$code" = 200 ] && [ "$(h_json "$work/a.json" 'd["user"]["id"]')" = "$user_id" ] &&
  [ "$(h_json "$work/a.json" 'd["user"]["email"]')" = "$email" ] &&
  [ "$(h_json "$work/a.json" 'd["session"]["token"]')" = "$ba_token" ]; then
  pass "(a) get-session with the Better Auth cookie returns the Better Auth user and session"
else
  fail "(a) get-session with the Better Auth cookie: HTTP $code $(head -c 600 "$work/a.json")"
fi

# (b)
sign_in() { # $1 = output file
  curl -sS -o "$1" -w '%{http_code}' -X POST "$P/api/auth/sign-in/email" \
    -H "Origin: $P" -H 'Content-Type: application/json' \
    --data "{\"email\":\"$email\",\"password\":\"$password\"}" || true
}
code=$(sign_in "$work/b.json")
tok=$(h_json "$work/b.json" 'd["token"]')
if [ "$code" = 200 ] && [ -n "$tok" ] && [ "$(h_json "$work/b.json" 'd["user"]["id"]')" = "$user_id" ]; then
  pass "(b) sign-in with the Better Auth (scrypt) password: 200, token, same user id"
else
  fail "(b) sign-in with the Better Auth password: HTTP $code $(head -c 600 "$work/b.json")"
fi

# (c)
code=$(get_session "$work/c.json")
if [ "$code" = 200 ] && [ "$(h_json "$work/c.json" 'd["user"]["id"]')" = "$user_id" ]; then
  pass "(c) the original Better Auth cookie still works after a Portcullis sign-in"
else
  fail "(c) second get-session with the Better Auth cookie: HTTP $code $(head -c 600 "$work/c.json")"
fi

# (d)
code=$(sign_in "$work/d.json")
if [ "$code" = 200 ] && [ "$(h_json "$work/d.json" 'd["user"]["id"]')" = "$user_id" ]; then
  pass "(d) a second sign-in with the same password works"
else
  fail "(d) second sign-in: HTTP $code $(head -c 600 "$work/d.json")"
fi

# (e)
code=$(curl -sS -o "$work/e.json" -w '%{http_code}' "$P/api/auth/get-session" -H "x-api-key: $ba_key" || true)
if [ "$code" = 200 ] && [ "$(h_json "$work/e.json" 'd["user"]["id"]')" = "$user_id" ] &&
  [ "$(h_json "$work/e.json" 'd["session"]["id"]')" = "$ba_key_id" ]; then
  pass "(e) the Better Auth API key stands for its user in Portcullis"
else
  fail "(e) get-session with the Better Auth API key: HTTP $code $(head -c 600 "$work/e.json")"
fi

# (f)
code=$(curl -sS -o "$work/f.json" -w '%{http_code}' "$P/api/auth/api-key/list" \
  -H "Cookie: better-auth.session_token=$ba_cookie" || true)
if [ "$code" = 200 ] && [ "$(h_json "$work/f.json" 'd["total"]')" = 1 ] &&
  [ "$(h_json "$work/f.json" 'd["apiKeys"][0]["name"]')" = compat-key ] &&
  [ "$(h_json "$work/f.json" 'd["apiKeys"][0]["start"]')" = "${ba_key:0:6}" ]; then
  pass "(f) Portcullis lists the Better Auth key to its owner"
else
  fail "(f) api-key/list: HTTP $code $(head -c 600 "$work/f.json")"
fi

# (g) Verified with Node's own crypto: the token's header names the key, the key set has it.
verify_jwt() { # $1 = token, $2 = JWKS file; prints the kid when the signature verifies
  node -e '
    const [token, file] = process.argv.slice(1);
    const crypto = require("node:crypto");
    const [h, p, s] = token.split(".");
    const header = JSON.parse(Buffer.from(h, "base64url"));
    const jwk = JSON.parse(require("node:fs").readFileSync(file, "utf8")).keys.find((k) => k.kid === header.kid);
    if (!jwk) process.exit(2);
    const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
    const ok = crypto.verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url"));
    if (!ok) process.exit(3);
    console.log(header.kid);
  ' "$1" "$2" 2>/dev/null || true
}
curl -sS -o "$work/e-jwks.json" "$P/api/auth/jwks" || true
curl -sS -o "$work/e-token.json" "$P/api/auth/token" -H "Cookie: better-auth.session_token=$ba_cookie" || true
p_jwt=$(h_json "$work/e-token.json" 'd["token"]')
if [ -n "$ba_kid" ] && [ "$(verify_jwt "$ba_jwt" "$work/e-jwks.json")" = "$ba_kid" ] &&
  [ -n "$p_jwt" ] && [ "$(verify_jwt "$p_jwt" "$work/ref-jwks.json")" = "$ba_kid" ]; then
  pass "(g) Better Auth's JWT key keeps working: Portcullis publishes it and signs with it"
else
  fail "(g) JWT key: reference kid '$ba_kid'; Portcullis jwks $(head -c 300 "$work/e-jwks.json"); token $(head -c 300 "$work/e-token.json")"
fi

# (k), (l): a fresh challenge with no session (passkey-first), answered by the Better Auth passkey.
passkey_sign_in() { # $1 = output file, $2 = counter to sign with (optional)
  rm -f "$work/p-jar"
  curl -sS -o "$work/p-auth-options.json" -c "$work/p-jar" "$P/api/auth/passkey/generate-authenticate-options" || true
  node "$authenticator" sign "$work/p-auth-options.json" "http://localhost:$p_port" "$work/pk-state.json" ${2:+"$2"} \
    >"$work/p-assertion.json" || return 0
  node -e 'const fs=require("fs");fs.writeFileSync(process.argv[2],JSON.stringify({response:JSON.parse(fs.readFileSync(process.argv[1],"utf8"))}))' \
    "$work/p-assertion.json" "$work/p-auth-body.json"
  curl -sS -o "$1" -w '%{http_code}' -b "$work/p-jar" -X POST "$P/api/auth/passkey/verify-authentication" \
    -H "Origin: $P" -H 'Content-Type: application/json' --data @"$work/p-auth-body.json" || true
}
code=$(passkey_sign_in "$work/h.json")
if [ "$code" = 200 ] && [ "$(h_json "$work/h.json" 'd["user"]["id"]')" = "$user_id" ] &&
  [ -n "$(h_json "$work/h.json" 'd["session"]["token"]')" ]; then
  pass "(k) the passkey Better Auth registered signs its user in on Portcullis (no session, no email)"
else
  fail "(k) passkey sign-in with the Better Auth passkey $ba_passkey_id: HTTP $code $(head -c 600 "$work/h.json")"
fi
code=$(passkey_sign_in "$work/i.json" 1)
if [ "$code" = 400 ] && [ "$(h_json "$work/i.json" 'd["code"]')" = AUTHENTICATION_FAILED ]; then
  pass "(l) the same passkey with a stale counter is refused"
else
  fail "(l) stale counter: HTTP $code $(head -c 600 "$work/i.json")"
fi

# (h) and (i): each with a fresh jar, as a new browser.
p_post() { # $1 = jar, $2 = path, $3 = JSON body, $4 = output file
  curl -sS -o "$4" -w '%{http_code}' -b "$1" -c "$1" -X POST "$P/api/auth$2" \
    -H "Origin: $P" -H 'Content-Type: application/json' --data "$3" || true
}
second_step() { # $1 = label, $2 = verify path, $3 = code; 0 when the sign-in is held, then passes
  local jar="$work/p-$1.jar"
  rm -f "$jar"
  local held
  held=$(p_post "$jar" /sign-in/email "{\"email\":\"$tfa_email\",\"password\":\"$password\"}" "$work/$1-held.json")
  [ "$held" = 200 ] && [ "$(h_json "$work/$1-held.json" 'd.get("twoFactorRedirect")')" = true ] || return 1
  grep -q 'better-auth.two_factor' "$jar" || return 1
  [ "$(p_post "$jar" "$2" "{\"code\":\"$3\"}" "$work/$1.json")" = 200 ] || return 1
  [ "$(h_json "$work/$1.json" 'd["user"]["email"]')" = "$tfa_email" ]
}
if second_step totp /two-factor/verify-totp "$(totp_at "$tfa_secret" 30)"; then
  pass "(h) the TOTP Better Auth enrolled: the sign-in is held, and an oathtool code passes it"
else
  fail "(h) TOTP: $(head -c 300 "$work/totp-held.json") / $(head -c 300 "$work/totp.json" 2>/dev/null)"
fi
if second_step backup /two-factor/verify-backup-code "$tfa_backup" &&
  ! second_step backup-again /two-factor/verify-backup-code "$tfa_backup" &&
  [ "$(h_json "$work/backup-again.json" 'd["code"]')" = INVALID_BACKUP_CODE ]; then
  pass "(i) a backup code Better Auth made passes the second step once"
else
  fail "(i) backup code: $(head -c 300 "$work/backup.json" 2>/dev/null) / $(head -c 300 "$work/backup-again.json" 2>/dev/null)"
fi

# (m)
device_token() { # $1 = output file
  curl -sS -o "$1" -w '%{http_code}' -X POST "$P/api/auth/device/token" -H 'Content-Type: application/json' \
    --data "{\"grant_type\":\"urn:ietf:params:oauth:grant-type:device_code\",\"device_code\":\"$ba_device_code\",\"client_id\":\"compat-tv\"}" || true
}
code=$(device_token "$work/m.json")
m_token=$(h_json "$work/m.json" 'd.get("access_token", "")')
m_user=""
if [ -n "$m_token" ]; then
  curl -sS -o "$work/m-session.json" "$P/api/auth/get-session" -H "Authorization: Bearer $m_token" || true
  m_user=$(h_json "$work/m-session.json" 'd["user"]["id"]')
fi
again=$(device_token "$work/m-again.json")
if [ "$code" = 200 ] && [ "$m_user" = "$user_id" ] && [ "$(h_json "$work/m.json" 'd["scope"]')" = openid ] &&
  [ "$again" = 400 ] && [ "$(h_json "$work/m-again.json" 'd["error"]')" = invalid_grant ]; then
  pass "(m) a device code Better Auth issued and its user approved is redeemed on Portcullis, once"
else
  fail "(m) device code: HTTP $code $(head -c 300 "$work/m.json"); again HTTP $again $(head -c 200 "$work/m-again.json")"
fi

# (j) Versioned secrets: a second database, written by Better Auth under BETTER_AUTH_SECRETS.
h_stop_pid "$H_LAST_PID"
db2="ba_compat_v_$(h_rand_hex 6)"
h_create_db "$db2" ba
dburl2="postgres://ba:ba@$PG_HOSTPORT/$db2"
versions="2:versioned-current-$(h_rand_hex 16),1:versioned-older-$(h_rand_hex 16)"
BETTER_AUTH_SECRETS=$versions BA_REF_PROFILE=full h_start_reference "$dburl2" "$secret" ||
  abort "could not start the reference Better Auth server with BETTER_AUTH_SECRETS"
curl -sS -o "$work/h-signup.json" -D "$work/h-signup.headers" -X POST "$H_REF_BASE/api/auth/sign-up/email" \
  -H "Origin: $H_REF_BASE" -H 'Content-Type: application/json' \
  --data "{\"name\":\"Versioned\",\"email\":\"v-$email\",\"password\":\"$password\"}" || true
v_user=$(h_json "$work/h-signup.json" 'd["user"]["id"]')
v_cookie=$(tr -d '\r' <"$work/h-signup.headers" |
  sed -n 's/^[Ss][Ee][Tt]-[Cc][Oo][Oo][Kk][Ii][Ee]: better-auth\.session_token=\([^;]*\).*/\1/p' | head -1)
curl -sS -o "$work/h-ref-token.json" "$H_REF_BASE/api/auth/token" -H "Cookie: better-auth.session_token=$v_cookie" || true
curl -sS -o "$work/h-ref-jwks.json" "$H_REF_BASE/api/auth/jwks" || true
v_kid=$(h_json "$work/h-ref-jwks.json" 'd["keys"][0]["kid"]')
h_stop_reference
sealed=$(psql "postgres://ba:ba@$PG_HOSTPORT/$db2" -qtAX -c 'select "privateKey" from jwks limit 1' 2>/dev/null || true)
case "$sealed" in
  '"$ba$2$'*) ;;
  *) abort "(j) Better Auth did not seal its JWT key in a version-2 envelope: ${sealed:0:20}" ;;
esac
h_start_portcullis "$PORTCULLIS_BIN" "$dburl2" "$secret" "$work/portcullis-versioned.log" \
  BETTER_AUTH_SECRETS="$versions" ENABLE_JWT=true ||
  abort "Portcullis did not start with BETTER_AUTH_SECRETS"
P=$H_LAST_BASE
curl -sS -o "$work/h-session.json" "$P/api/auth/get-session" -H "Cookie: better-auth.session_token=$v_cookie" || true
curl -sS -o "$work/h-token.json" "$P/api/auth/token" -H "Cookie: better-auth.session_token=$v_cookie" || true
v_jwt=$(h_json "$work/h-token.json" 'd["token"]')
if [ -n "$v_user" ] && [ "$(h_json "$work/h-session.json" 'd["user"]["id"]')" = "$v_user" ] &&
  [ -n "$v_kid" ] && [ -n "$v_jwt" ] && [ "$(verify_jwt "$v_jwt" "$work/h-ref-jwks.json")" = "$v_kid" ]; then
  pass "(j) BETTER_AUTH_SECRETS: Better Auth's cookie and its envelope-sealed JWT key work in Portcullis"
else
  fail "(j) versioned secrets: session $(head -c 200 "$work/h-session.json"); token $(head -c 200 "$work/h-token.json"); kid '$v_kid'"
fi

if [ "$failures" -gt 0 ]; then
  echo "--- portcullis log (last 60 lines) ---"; tail -n 60 "$work/portcullis.log" || true
  echo "better-auth-db: FAILED ($failures check(s))"
  exit 1
fi
echo "better-auth-db: OK"
