#!/usr/bin/env bash
# Property-based API testing with schemathesis (pip install schemathesis):
# no 5xx, responses match the OpenAPI document, secured routes refuse
# unauthenticated calls. Runs the debug binary on a temporary data dir.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/debug/hotline"
[ -x "$bin" ] || cargo build -q -p hotline
dir="$(mktemp -d)"
port="${HOTLINE_SCHEMATHESIS_PORT:-18931}"
export HOTLINE_IDENTITY_SECRET="schemathesis-secret-0123456789"
export HOTLINE_SECURITY__RATE_LIMITS__MESSAGES_PER_MINUTE=0
export HOTLINE_SECURITY__RATE_LIMITS__CONVERSATIONS_PER_HOUR=0
export HOTLINE_SECURITY__RATE_LIMITS__UPLOADS_PER_MINUTE=0
export HOTLINE_SECURITY__RATE_LIMITS__LOGINS_PER_MINUTE_PER_IP=0
export HOTLINE_SECURITY__RATE_LIMITS__LOGIN_FAILURES_BEFORE_BACKOFF=0
echo "long-enough-password" | "$bin" operator add --data-dir "$dir" --email admin@example.com \
  --name Admin --role admin --departments marketplace,travel,bank --password-stdin >/dev/null
"$bin" serve --data-dir "$dir" --listen "127.0.0.1:$port" 2>"$dir/server.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
customer=$("$bin" customer-token --data-dir "$dir" --sub st-1 --name "Schemathesis" --amr pwd,otp)
run() {
  schemathesis run "http://127.0.0.1:$port/api/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,ignored_auth \
    --max-examples "${HOTLINE_SCHEMATHESIS_EXAMPLES:-30}" --exclude-path /api/v1/ws --exclude-path /api/v1/events \
    --header "Authorization: Bearer $1" --no-color --request-timeout 30 "${@:2}"
}
echo "-- as a customer"
run "$customer"
echo "-- as an administrator"
operator=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"long-enough-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
run "$operator" --exclude-path /api/v1/auth/logout
if grep -q "panicked" "$dir/server.log"; then echo "the server panicked"; exit 1; fi
