#!/usr/bin/env bash
# Runs the images docker/build-local.sh built (ctest -L images; not in the default ./mgi test):
# each image's entrypoint binary as uid 10001:10001 on a read-only root (a private mount namespace:
# the image's root bind-mounted read-only, a tmpfs /tmp, /proc and /dev; the image's own ENV),
# `--help` must work, and so must the image's mgi-healthcheck; then the four images serve together on
# free loopback ports (catalog, assessment, report, gateway), and from the host: gRPC health SERVING
# of each service (the host's mgi-healthcheck; the catalog's own HEALTHCHECK command too), the
# gateway's /readyz, and two reads through the gateway (a French country name, the report formats).
#   check_images.sh <host bin dir>        (the dir holding the host's mgi-healthcheck)
set -euo pipefail
bindir=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^project(mgi VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ "$(id -u)" = 0 ] || { echo "skip: needs root (buildah's store, mount namespaces, chroot)"; exit 77; }
command -v buildah >/dev/null || { echo "skip: no buildah (docker/build-local.sh installs it)"; exit 77; }
# shellcheck source=docker/buildah-env.sh
. "$root/docker/buildah-env.sh"
if [ ! -f "$CONTAINERS_STORAGE_CONF" ]; then
  echo "FAIL: no image store in $mgi_images_dir: run docker/build-local.sh first"; exit 1
fi
mgi_storage_init >/dev/null
[ -x "$bindir/mgi-healthcheck" ] || { echo "FAIL: no $bindir/mgi-healthcheck (build it on the host)"; exit 1; }
start=$SECONDS
fail=0
ctrs=()
pids=()
declare -A mnts envs
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for c in "${ctrs[@]}"; do buildah unmount "$c" >/dev/null 2>&1 || true; buildah rm "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# run_ro <image root> <user> <env file> <command...>: the command in the image as <user>
# (uid:gid, or "root"), on a read-only root, with only the image's environment. No --fork: unshare,
# bash, chroot and env exec one another, so the command keeps the pid that was started (serve
# below stops a service with a plain kill of that pid).
ro_script='
    mnt=$1 user=$2 envfile=$3; shift 3
    r=$(mktemp -d)
    mount --make-rprivate /
    mount --bind "$mnt" "$r"; mount -o remount,bind,ro "$r"
    mount -t proc proc "$r/proc"; mount --bind /dev "$r/dev"; mount -t tmpfs -o size=16m tmpfs "$r/tmp"
    # The assessment image'"'"'s VOLUME: writable, as a volume would be.
    if [ -d "$r/var/lib/mgi" ]; then mount -t tmpfs -o size=64m,uid=10001,gid=10001,mode=0750 tmpfs "$r/var/lib/mgi"; fi
    mapfile -t env < "$envfile"
    if [ "$user" = root ]; then exec chroot "$r" /usr/bin/env -i "${env[@]}" "$@"; fi
    exec chroot --userspec="$user" "$r" /usr/bin/env -i "${env[@]}" "$@"'
run_ro() { unshare --mount bash -ec "$ro_script" run_ro "$@"; }

for t in catalog assessment report gateway; do
  image="localhost/mgi-$t:$version"
  if ! buildah inspect --type image "$image" >/dev/null 2>&1; then
    echo "FAIL $image: not built (docker/build-local.sh)"; fail=1; continue
  fi
  user=$(buildah inspect --type image --format '{{.Docker.Config.User}}' "$image")
  entry=$(buildah inspect --type image --format '{{range .Docker.Config.Entrypoint}}{{.}} {{end}}' "$image")
  health=$(buildah inspect --type image --format '{{if .Docker.Config.Healthcheck}}{{range .Docker.Config.Healthcheck.Test}}{{.}} {{end}}{{end}}' "$image")
  envfile=$mgi_images_dir/env-$t
  buildah inspect --type image --format '{{range .Docker.Config.Env}}{{println .}}{{end}}' "$image" | sed '/^$/d' > "$envfile"
  if [ "$user" != 10001:10001 ]; then
    echo "FAIL $image: the image runs as '$user', not 10001:10001 (USER in docker/Dockerfile)"; fail=1
  fi
  if [ "$entry" != "/usr/local/bin/mgi-$t " ]; then
    echo "FAIL $image: ENTRYPOINT is '$entry', not /usr/local/bin/mgi-$t"; fail=1
  fi
  if [[ "$health" != "CMD /usr/local/bin/mgi-healthcheck "* ]]; then
    echo "FAIL $image: HEALTHCHECK is '$health' (lost with --format oci?)"; fail=1
  fi
  c=$(buildah from --pull=never "$image"); ctrs+=("$c")
  mnt=$(buildah mount "$c")
  # Even root cannot write to the root the checks run on.
  if err=$(run_ro "$mnt" root "$envfile" /usr/bin/touch /usr/local/bin/x 2>&1) || ! grep -q "Read-only" <<<"$err"; then
    echo "FAIL $image: the root is writable in the check (the read-only mount did not hold): $err"; fail=1
  fi
  if [ "$(run_ro "$mnt" 10001:10001 "$envfile" /usr/bin/id -u 2>&1)" != 10001 ]; then
    echo "FAIL $image: not running as uid 10001"; fail=1
  fi
  if out=$(run_ro "$mnt" 10001:10001 "$envfile" "/usr/local/bin/mgi-$t" --help 2>&1) && grep -q -- "--port" <<<"$out"; then
    echo "ok   $image: mgi-$t --help as 10001:10001 on a read-only root"
  else
    echo "FAIL $image: mgi-$t --help: $(tail -n 3 <<<"$out")"; fail=1
  fi
  # The image's HEALTHCHECK binary loads and parses its arguments (no arguments: usage, exit 2).
  code=0; out=$(run_ro "$mnt" 10001:10001 "$envfile" /usr/local/bin/mgi-healthcheck 2>&1) || code=$?
  if [ "$code" != 2 ]; then
    echo "FAIL $image: mgi-healthcheck without arguments exits $code, not 2 (usage): $(tail -n 3 <<<"$out")"; fail=1
  fi
  mnts[$t]=$mnt
  envs[$t]=$envfile
done

# The suite from the images, on free loopback ports, each as 10001:10001 on a read-only root:
# catalog, assessment (its database on the /var/lib/mgi volume), report, gateway. Probed from the
# host: gRPC health of the three services, the gateway's /readyz, and two reads through the gateway.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# serve <target> <port> <flags...>: starts the image's entrypoint in the background.
serve() {
  local t=$1 port=$2; shift 2
  unshare --mount bash -ec "$ro_script" run_ro "${mnts[$t]}" 10001:10001 "${envs[$t]}" \
    "/usr/local/bin/mgi-$t" --host=127.0.0.1 --port="$port" --metrics-port=-1 "$@" \
    > "$mgi_images_dir/$t-run.log" 2>&1 &
  pids+=($!)
}
# healthy <mode> <address> [path]: waits (deadline 60 s) until the host's mgi-healthcheck succeeds.
# mgi-healthcheck waits for the connection itself; the loop rides out NOT_SERVING while loading.
healthy() {
  local deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    if "$bindir/mgi-healthcheck" --timeout=5000 "$@" 2>"$mgi_images_dir/health.err"; then return 0; fi
    sleep 0.2
  done
  return 1
}
if [ ${#mnts[@]} = 4 ]; then
  declare -A ports
  for t in catalog assessment report gateway; do ports[$t]=$(free_port); done
  cat_addr=127.0.0.1:${ports[catalog]} as_addr=127.0.0.1:${ports[assessment]} rep_addr=127.0.0.1:${ports[report]}
  serve catalog "${ports[catalog]}"
  serve assessment "${ports[assessment]}" --catalog-addr="$cat_addr"
  serve report "${ports[report]}" --catalog-addr="$cat_addr" --assessment-addr="$as_addr"
  serve gateway "${ports[gateway]}" --catalog-addr="$cat_addr" --assessment-addr="$as_addr" --report-addr="$rep_addr"
  for t in catalog assessment report; do
    if healthy grpc "127.0.0.1:${ports[$t]}"; then
      echo "ok   mgi-$t image: gRPC health SERVING on 127.0.0.1:${ports[$t]}, checked from the host"
    else
      echo "FAIL mgi-$t image: no SERVING on 127.0.0.1:${ports[$t]}: $(cat "$mgi_images_dir/health.err"); log: $(tail -n 5 "$mgi_images_dir/$t-run.log")"; fail=1
    fi
  done
  if run_ro "${mnts[catalog]}" 10001:10001 "${envs[catalog]}" /usr/local/bin/mgi-healthcheck grpc "$cat_addr"; then
    echo "ok   mgi-catalog image: its own HEALTHCHECK command (mgi-healthcheck grpc) gets SERVING"
  else
    echo "FAIL mgi-catalog image: its own mgi-healthcheck does not get SERVING"; fail=1
  fi
  gw=127.0.0.1:${ports[gateway]}
  if healthy http "$gw" /readyz; then
    echo "ok   mgi-gateway image: /readyz 200 on $gw (its three backends reachable)"
  else
    echo "FAIL mgi-gateway image: /readyz on $gw: $(cat "$mgi_images_dir/health.err"); log: $(tail -n 5 "$mgi_images_dir/gateway-run.log")"; fail=1
  fi
  # Through the gateway: a country name in French (iso-codes' catalogue, let back into the slim
  # image by the catalog stage's path-include) and the report formats (the report image).
  body=$(curl -sS --max-time 10 "http://$gw/v1/countries/DEU?language=fr" 2>&1) || true
  if grep -q "Allemagne" <<<"$body"; then
    echo "ok   gateway -> catalog image: GET /v1/countries/DEU?language=fr names Allemagne"
  else
    echo "FAIL gateway -> catalog image: GET /v1/countries/DEU?language=fr: $body"; fail=1
  fi
  body=$(curl -sS --max-time 10 "http://$gw/v1/reportFormats" 2>&1) || true
  if grep -qi "pdf" <<<"$body"; then
    echo "ok   gateway -> report image: GET /v1/reportFormats lists pdf"
  else
    echo "FAIL gateway -> report image: GET /v1/reportFormats: $body"; fail=1
  fi
fi
echo "check_images: $((SECONDS - start))s"
exit $fail
