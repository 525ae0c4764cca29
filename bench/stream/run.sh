#!/usr/bin/env bash
# Streaming benchmark (WatchProfiles through mgi-gateway as Server-Sent Events), on this machine:
#   (a) idle SSE clients one gateway holds: opened in steps until --max (or a failure), with the
#       gateway's resident memory at each step -> memory per stream;
#   (b) the delay from a write (POST through the gateway) to its event at the client, p50/p99,
#       with 1,000 watchers open.
# Usage: bench/stream/run.sh [build dir] [max idle clients] [writes]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:-$root/build/release}" && pwd)/bin
max=${2:-5000}
writes=${3:-50}
for tool in node python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/install-deps.sh)" >&2; exit 2; }
done
for b in mgi-catalog mgi-assessment mgi-gateway; do
  [[ -x $bin/$b ]] || { echo "missing $bin/$b: build it first" >&2; exit 2; }
done
# Each client is a socket at both ends (node and the gateway), and one gRPC stream.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

tmp=$(mktemp -d /tmp/mgi-bench-stream.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # url, seconds: polls until 200 or the deadline
  local deadline=$((SECONDS + $2))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$1") == 200 ]]; do
    (( SECONDS < deadline )) || { echo "$1 not ready; logs in $tmp" >&2; exit 1; }
    sleep 0.1
  done
}

pc=$(free_port); pa=$(free_port); pg=$(free_port)
common=(--host=127.0.0.1 --metrics-port=-1 --log-level=warn)
"$bin/mgi-catalog" "${common[@]}" --port="$pc" >"$tmp/catalog.log" 2>&1 & pids+=($!)
# Development mode of access control (every caller an admin): the writes need no token.
MGI_AUTH_DISABLED=true "$bin/mgi-assessment" "${common[@]}" --port="$pa" \
  --catalog-addr="127.0.0.1:$pc" --db="$tmp/assessment.db" >"$tmp/assessment.log" 2>&1 & pids+=($!)
"$bin/mgi-gateway" --port="$pg" --metrics-port=-1 --log-level=warn --rate-limit-rps=0 \
  --max-connections=0 --max-connections-per-client=0 --max-streams=0 --max-streams-per-client=0 \
  --catalog-addr="127.0.0.1:$pc" --assessment-addr="127.0.0.1:$pa" \
  --report-addr="127.0.0.1:$pc" >"$tmp/gateway.log" 2>&1 & gateway=$!; pids+=($gateway)
wait_http "http://127.0.0.1:$pg/healthz" 60
wait_http "http://127.0.0.1:$pg/v1/profiles" 60

node "$root/bench/stream/watch_bench.mjs" "$pg" "$gateway" "$max" "$writes"
echo "logs in $tmp"
