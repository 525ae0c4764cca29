#!/usr/bin/env bash
# Runs the images docker/build-local.sh built (ctest -L images; not in the default ./mgi test):
# each image's binary as uid 10001:10001 on a read-only root (a private mount namespace: the image's
# root bind-mounted read-only, a tmpfs /tmp, /proc and /dev), `--help` must work; then the catalog
# image serves on a free loopback port and the host's mgi-healthcheck gets SERVING from it.
#   check_images.sh <host bin dir>
set -euo pipefail
bindir=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^project(mgi VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
[ "$(id -u)" = 0 ] || { echo "skip: needs root (buildah vfs, mount namespaces)"; exit 77; }
command -v buildah >/dev/null || { echo "skip: no buildah"; exit 77; }
fail=0
ctrs=()
cleanup() { for c in "${ctrs[@]}"; do buildah unmount "$c" >/dev/null 2>&1 || true; buildah rm "$c" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

# run_ro <image root> <command...>: the command as 10001:10001 in the image, read-only root.
run_ro() {
  local mnt=$1; shift
  unshare --mount --fork sh -ec '
    r=$(mktemp -d)
    mount --bind "$0" "$r"; mount -o remount,bind,ro "$r"
    mount -t proc proc "$r/proc"; mount --bind /dev "$r/dev"; mount -t tmpfs -o size=16m tmpfs "$r/tmp"
    exec chroot --userspec=10001:10001 "$r" "$@"' "$mnt" "$@"
}

for t in catalog assessment report gateway; do
  image="localhost/mgi-$t:$version"
  if ! buildah inspect --type image "$image" >/dev/null 2>&1; then
    echo "FAIL $image: not built (docker/build-local.sh)"; fail=1; continue
  fi
  user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$image")
  if [ "$user" != 10001:10001 ]; then
    echo "FAIL $image: the image runs as '$user', not 10001:10001 (USER in docker/Dockerfile)"; fail=1
  fi
  c=$(buildah from --pull=never "$image"); ctrs+=("$c")
  mnt=$(buildah mount "$c")
  if run_ro "$mnt" /bin/sh -c 'touch /usr/local/bin/x || touch /x' 2>/dev/null; then
    echo "FAIL $image: the root is writable in the check (the read-only mount did not hold)"; fail=1
  fi
  if [ "$(run_ro "$mnt" /usr/bin/id -u 2>&1)" != 10001 ]; then
    echo "FAIL $image: not running as uid 10001"; fail=1
  fi
  if out=$(run_ro "$mnt" "/usr/local/bin/mgi-$t" --help 2>&1) && grep -q -- "--port" <<<"$out"; then
    echo "ok   $image: mgi-$t --help as 10001 on a read-only root"
  else
    echo "FAIL $image: mgi-$t --help: $(tail -n 3 <<<"$out")"; fail=1
  fi
  if [ "$t" = catalog ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    run_ro "$mnt" /usr/local/bin/mgi-catalog --host=127.0.0.1 --port="$port" --metrics-port=-1 \
      > "$root/build/images/catalog-run.log" 2>&1 &
    pid=$!
    if "$bindir/mgi-healthcheck" --timeout=20000 grpc "127.0.0.1:$port"; then
      echo "ok   $image: serves gRPC health (SERVING) on 127.0.0.1:$port, checked from the host"
    else
      echo "FAIL $image: no SERVING on 127.0.0.1:$port; log: $(tail -n 5 "$root/build/images/catalog-run.log")"; fail=1
    fi
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  fi
done
exit $fail
