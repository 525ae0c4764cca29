#!/usr/bin/env bash
# Runs the images docker/build-local.sh built (ctest -L images; not in the default ./mgi test):
# each image's entrypoint binary as uid 10001:10001 on a read-only root (a private mount namespace:
# the image's root bind-mounted read-only, a tmpfs /tmp, /proc and /dev; the image's own ENV),
# `--help` must work; then the catalog image serves on a free loopback port and the host's
# mgi-healthcheck gets SERVING from it (and so does the image's own mgi-healthcheck, its HEALTHCHECK).
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
cleanup() {
  for c in "${ctrs[@]}"; do buildah unmount "$c" >/dev/null 2>&1 || true; buildah rm "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# run_ro <image root> <user> <env file> <command...>: the command in the image as <user>
# (uid:gid, or "root"), on a read-only root, with only the image's environment. --kill-child: when
# this shell kills unshare, the served process dies too.
run_ro() {
  local mnt=$1 user=$2 envfile=$3; shift 3
  unshare --mount --fork --kill-child bash -ec '
    mnt=$1 user=$2 envfile=$3; shift 3
    r=$(mktemp -d)
    mount --make-rprivate /
    mount --bind "$mnt" "$r"; mount -o remount,bind,ro "$r"
    mount -t proc proc "$r/proc"; mount --bind /dev "$r/dev"; mount -t tmpfs -o size=16m tmpfs "$r/tmp"
    mapfile -t env < "$envfile"
    if [ "$user" = root ]; then exec chroot "$r" /usr/bin/env -i "${env[@]}" "$@"; fi
    exec chroot --userspec="$user" "$r" /usr/bin/env -i "${env[@]}" "$@"' run_ro "$mnt" "$user" "$envfile" "$@"
}

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
  if [ "$t" = catalog ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    log=$mgi_images_dir/catalog-run.log
    run_ro "$mnt" 10001:10001 "$envfile" /usr/local/bin/mgi-catalog --host=127.0.0.1 --port="$port" \
      --metrics-port=-1 > "$log" 2>&1 &
    pid=$!
    # Wait on health with a deadline (mgi-healthcheck itself waits for the connection; the loop
    # rides out NOT_SERVING while the catalog loads its data).
    deadline=$((SECONDS + 60)); healthy=0
    while [ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
      if "$bindir/mgi-healthcheck" --timeout=5000 grpc "127.0.0.1:$port" 2>"$mgi_images_dir/health.err"; then
        healthy=1; break
      fi
      sleep 0.2
    done
    if [ $healthy = 1 ]; then
      echo "ok   $image: serves gRPC health (SERVING) on 127.0.0.1:$port, checked from the host"
      if run_ro "$mnt" 10001:10001 "$envfile" /usr/local/bin/mgi-healthcheck grpc "127.0.0.1:$port"; then
        echo "ok   $image: the image's own HEALTHCHECK command (mgi-healthcheck grpc) gets SERVING"
      else
        echo "FAIL $image: the image's mgi-healthcheck does not get SERVING"; fail=1
      fi
    else
      echo "FAIL $image: no SERVING on 127.0.0.1:$port; log: $(tail -n 5 "$log")"; fail=1
    fi
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  fi
done
echo "check_images: $((SECONDS - start))s"
exit $fail
