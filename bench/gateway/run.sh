#!/usr/bin/env bash
# Gateway benchmark, in one go on this machine:
#   (a) a published profile as JSON and (b) its HTML report, with wrk at 32 connections, against
#       mgi-gateway and against nginx serving the same bytes as static files;
#   (c) gRPC GetProfile directly with h2load, against the same call through the gateway (a).
# Prints requests/s, p99 and the ratios. Usage: bench/gateway/run.sh [build dir] [seconds]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:-$root/build/release}" && pwd)/bin
secs=${2:-10}
conns=32
for tool in wrk nginx h2load python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/install-deps.sh)" >&2; exit 2; }
done
for b in mgi-catalog mgi-assessment mgi-report mgi-gateway; do
  [[ -x $bin/$b ]] || { echo "missing $bin/$b: build it first" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/mgi-bench-gateway.XXXXXX)
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

pc=$(free_port); pa=$(free_port); pr=$(free_port); pg=$(free_port); pn=$(free_port)
common=(--host=127.0.0.1 --metrics-port=-1 --log-level=warn)
"$bin/mgi-catalog" "${common[@]}" --port="$pc" >"$tmp/catalog.log" 2>&1 & pids+=($!)
"$bin/mgi-assessment" "${common[@]}" --port="$pa" --catalog-addr="127.0.0.1:$pc" \
  --db="$tmp/assessment.db" --seed-dir="$root/data/profiles" >"$tmp/assessment.log" 2>&1 & pids+=($!)
"$bin/mgi-report" "${common[@]}" --port="$pr" --catalog-addr="127.0.0.1:$pc" \
  --assessment-addr="127.0.0.1:$pa" >"$tmp/report.log" 2>&1 & pids+=($!)
"$bin/mgi-gateway" --port="$pg" --metrics-port=-1 --log-level=warn --rate-limit-rps=0 --catalog-addr="127.0.0.1:$pc" \
  --assessment-addr="127.0.0.1:$pa" --report-addr="127.0.0.1:$pr" >"$tmp/gateway.log" 2>&1 & pids+=($!)
gw=http://127.0.0.1:$pg
wait_http "$gw/readyz" 60

name=$(curl -s "$gw/v1/profiles?filter=state%20%3D%20PUBLISHED" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["profiles"][0]["name"])')
json_path="/v1/$name"
report_path="/v1/$name/report?format=html&language=en"
mkdir -p "$tmp/www"
curl -sf "$gw$json_path" -o "$tmp/www/profile.json"
curl -sf "$gw$report_path" -o "$tmp/www/report.html"

cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp;
  uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  types { application/json json; text/html html; }
  server { listen 127.0.0.1:$pn; root $tmp/www; etag on; }
}
CONF
nginx -c "$tmp/nginx.conf" -p "$tmp" -g 'daemon off;' & pids+=($!)
wait_http "http://127.0.0.1:$pn/profile.json" 10

# wrk: "Requests/sec" and the 99% latency (in ms).
run_wrk() {
  local out; out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$1")
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  local errors; errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  [[ -z $errors ]] || echo "  wrk: $errors" >&2
  echo "$rps $p99"
}
read -r gj_rps gj_p99 < <(run_wrk "$gw$json_path")
read -r nj_rps nj_p99 < <(run_wrk "http://127.0.0.1:$pn/profile.json")
read -r gr_rps gr_p99 < <(run_wrk "$gw$report_path")
read -r nr_rps nr_p99 < <(run_wrk "http://127.0.0.1:$pn/report.html")

# h2load: gRPC GetProfile directly (a gRPC frame: 0, big-endian length, the serialized request).
python3 - "$name" "$tmp/get_profile.bin" <<'PY'
import struct, sys
name = sys.argv[1].encode()
msg = b"\x0a" + bytes([len(name)]) + name  # GetProfileRequest{name}, name < 128 bytes
open(sys.argv[2], "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY
grpc_url="http://127.0.0.1:$pa/mgi.assessment.v1.AssessmentService/GetProfile"
status=$(curl -s --http2-prior-knowledge -o /dev/null -D - -H 'content-type: application/grpc' \
  -H 'te: trailers' --data-binary @"$tmp/get_profile.bin" "$grpc_url" | tr -d '\r' |
  awk -F': ' 'tolower($1)=="grpc-status" {print $2}')
[[ -z $status || $status == 0 ]] || { echo "GetProfile answered grpc-status $status" >&2; exit 1; }
h2=$(h2load -D "$secs" -c "$conns" -m 1 -d "$tmp/get_profile.bin" -H 'content-type: application/grpc' \
  -H 'te: trailers' "$grpc_url")
g_rps=$(awk '/^finished in/ {gsub(/,/,""); print $4}' <<<"$h2")
g_mean=$(awk '/^time for request:/ {print $6}' <<<"$h2")
g_max=$(awk '/^time for request:/ {print $5}' <<<"$h2")

ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }
printf '\n%-40s %12s %10s\n' "target ($conns connections, ${secs}s)" "requests/s" "p99 ms"
printf '%-40s %12s %10s\n' "(a) gateway  GET profile JSON" "$gj_rps" "$gj_p99"
printf '%-40s %12s %10s\n' "    nginx    profile.json" "$nj_rps" "$nj_p99"
printf '%-40s %12s %10s\n' "(b) gateway  GET report HTML" "$gr_rps" "$gr_p99"
printf '%-40s %12s %10s\n' "    nginx    report.html" "$nr_rps" "$nr_p99"
printf '%-40s %12s %10s\n' "(c) gRPC GetProfile direct (h2load)" "$g_rps" "mean $g_mean max $g_max"
echo
echo "ratio gateway/nginx  (a) JSON:   $(ratio "$gj_rps" "$nj_rps")   (target >= 0.5, p99 < 5 ms)"
echo "ratio gateway/nginx  (b) report: $(ratio "$gr_rps" "$nr_rps")"
echo "ratio gateway/gRPC   (a)/(c):    $(ratio "$gj_rps" "$g_rps")"
echo "bytes: profile.json $(stat -c %s "$tmp/www/profile.json"), report.html $(stat -c %s "$tmp/www/report.html")"
