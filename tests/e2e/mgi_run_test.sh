#!/usr/bin/env bash
# ./mgi run as a newcomer runs it (the README's first command), on free ports and a fresh state
# directory: Redis and every service start, the gateway is ready and serves the sample profile and
# the explorer, and SIGTERM (Ctrl-C) stops everything: ./mgi run exits 0 and leaves no process.
# Usage: mgi_run_test.sh <source dir> <build dir>
set -euo pipefail
root=$1 build=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mgi-run-test.XXXXXX")
pid=""
fail() { echo "FAIL: $*"; echo "---- ./mgi run log"; cat "$work/log" 2>/dev/null; exit 1; }
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  pkill -KILL -f "$work/" 2>/dev/null || true
}
trap cleanup EXIT

listening() {  # as ./mgi does: from /proc, without connecting
  local hex
  printf -v hex ':%04X' "$1"
  awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp $( [ -r /proc/net/tcp6 ] && echo /proc/net/tcp6)
}
taken=" "
pick_port() {  # a free port below the ephemeral range, not picked before in this test
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [[ $taken == *" $p "* ]] && continue
    listening "$p" && continue
    taken+="$p "
    echo "$p"
    return
  done
}

# A clean environment for the run: no MGI_* variable from the caller, only these.
for v in $(compgen -e | grep '^MGI_' || true); do unset "$v"; done
ports=()
for i in $(seq 9); do p=$(pick_port); ports+=("$p"); done
export MGI_BUILD_DIR=$build MGI_RUN_DIR=$work/state MGI_JOBS=2
export MGI_CATALOG_PORT=${ports[0]} MGI_ASSESSMENT_PORT=${ports[1]} MGI_REPORT_PORT=${ports[2]}
export MGI_GATEWAY_PORT=${ports[3]} MGI_RUN_REDIS_PORT=${ports[4]}
export MGI_CATALOG_METRICS_PORT=${ports[5]} MGI_ASSESSMENT_METRICS_PORT=${ports[6]}
export MGI_REPORT_METRICS_PORT=${ports[7]} MGI_GATEWAY_METRICS_PORT=${ports[8]}
gw=http://127.0.0.1:$MGI_GATEWAY_PORT

setsid bash "$root/mgi" run > "$work/log" 2>&1 < /dev/null &
pid=$!
deadline=$((SECONDS + 240))  # the install check and an up-to-date build come first
until curl -fsS -o /dev/null "$gw/readyz" 2>/dev/null && grep -q "mgi is running" "$work/log"; do
  kill -0 "$pid" 2>/dev/null || fail "./mgi run exited before the gateway was ready"
  ((SECONDS < deadline)) || fail "the gateway was not ready within 240 s"
  sleep 0.5
done
grep -q "metrics http://127.0.0.1:$MGI_REPORT_METRICS_PORT/metrics" "$work/log" ||
  fail "the banner does not name the report's metrics port"
grep -q "redis       127.0.0.1:$MGI_RUN_REDIS_PORT" "$work/log" || fail "Redis was not started"
profile=$(curl -fsS "$gw/v1/profiles/gtm-2022") || fail "GET /v1/profiles/gtm-2022"
[[ $profile == *'"name":"profiles/gtm-2022"'* ]] || fail "the sample profile: $profile"
page=$(curl -fsS "$gw/") || fail "GET / (the explorer)"
[[ $page == *"<html"* ]] || fail "the explorer page"
metrics=$(curl -fsS "http://127.0.0.1:$MGI_ASSESSMENT_METRICS_PORT/metrics") ||
  fail "the assessment's metrics on its port"
grep -q '^mgi_ready 1' <<<"$metrics" || fail "the assessment is not ready: $(grep mgi_ready <<<"$metrics")"
[ -s "$work/state/admin-token" ] || fail "no local admin token"
! grep -E ' (critical|error) ' "$work/log" || fail "errors in the log"

kill -TERM "$pid"
deadline=$((SECONDS + 60))
while kill -0 "$pid" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "./mgi run did not stop within 60 s of SIGTERM"
  sleep 0.2
done
rc=0
wait "$pid" || rc=$?
pid=""
((rc == 0)) || fail "./mgi run exited $rc after SIGTERM"
grep -q "mgi: stopped\|stopped$" "$work/log" || fail "no 'stopped'"
if pgrep -f "$work/" >/dev/null; then fail "processes left: $(pgrep -af "$work/")"; fi
echo "ok: ./mgi run started Redis and the four services, served, and stopped cleanly"
rm -rf "$work"
