#!/usr/bin/env bash
# Builds every image target of docker/Dockerfile without a Docker engine or a registry: buildah
# (vfs storage, chroot isolation, as root) on a Debian base image made here with debootstrap.
#   docker/build-local.sh [target...]        default: catalog assessment report gateway
# Writes to $MGI_IMAGES_DIR (default build/images): rootfs-bookworm/ (the debootstrap cache),
# sbom-<target>.txt (the Debian packages in each image: name version) and images.txt (sizes).
# Then tests/deploy/check_images.sh runs the images (ctest -L images, see docs/deploy.md).
# Every step that cannot run says which and why, and the script exits non-zero.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${MGI_IMAGES_DIR:-$root/build/images}
version=$(sed -n 's/^project(mgi VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(catalog assessment report gateway)
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
say() { echo "build-local: $*" >&2; }
die() { say "CANNOT: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "buildah with vfs storage and chroot isolation needs root here (no user namespaces configured)"
command -v buildah >/dev/null || die "buildah is missing (scripts/install-deps.sh installs it)"
command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/install-deps.sh installs it)"
mkdir -p "$out"

# 1. The base images: Debian 12 minbase from deb.debian.org, tagged as the Dockerfile's FROMs so that
# --pull=never resolves them locally. The slim tag gets the official slim image's dpkg excludes
# (no docs, man pages or locales), so the catalog stage's path-include is exercised as in production.
base() {
  local tag=$1 slim=$2
  if buildah inspect --type image "$tag" >/dev/null 2>&1; then return; fi
  if [ ! -x "$out/rootfs-bookworm/bin/sh" ]; then
    say "debootstrap --variant=minbase bookworm (network: deb.debian.org)"
    debootstrap --variant=minbase bookworm "$out/rootfs-bookworm.tmp" http://deb.debian.org/debian \
      > "$out/debootstrap.log" 2>&1 || die "debootstrap failed: see $out/debootstrap.log"
    cat > "$out/rootfs-bookworm.tmp/etc/apt/sources.list" <<'LIST'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
LIST
    rm -rf "$out/rootfs-bookworm.tmp/var/cache/apt/archives/"*.deb
    mv "$out/rootfs-bookworm.tmp" "$out/rootfs-bookworm"
  fi
  say "committing $tag"
  local ctr mnt
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  cp -a "$out/rootfs-bookworm/." "$mnt/"
  if [ "$slim" = 1 ]; then
    cat > "$mnt/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/info/*
CFG
  fi
  buildah unmount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$ctr"
  buildah commit --quiet "$ctr" "$tag" >/dev/null
  buildah rm "$ctr" >/dev/null
}
base docker.io/library/debian:bookworm 0
base docker.io/library/debian:bookworm-slim 1

# 2. The images. --layers keeps the shared build stage, so it compiles once for all targets.
: > "$out/images.txt"
for t in "${targets[@]}"; do
  image="localhost/mgi-$t:$version"
  say "buildah bud --target $t -> $image"
  start=$SECONDS
  buildah bud --pull=never --layers --format docker -f "$root/docker/Dockerfile" --target "$t" \
    --build-arg VERSION="$version" -t "$image" "$root" > "$out/bud-$t.log" 2>&1 \
    || die "buildah bud --target $t failed: see $out/bud-$t.log"
  # 3. SBOM-style list and size.
  ctr=$(buildah from --pull=never "$image")
  mnt=$(buildah mount "$ctr")
  dpkg-query --admindir="$mnt/var/lib/dpkg" -W -f='${Package} ${Version}\n' | sort > "$out/sbom-$t.txt"
  size=$(du -sb "$mnt" | cut -f1)
  buildah unmount "$ctr" >/dev/null
  buildah rm "$ctr" >/dev/null
  printf '%s %s bytes %s packages built in %ss\n' "$image" "$size" "$(wc -l < "$out/sbom-$t.txt")" \
    "$((SECONDS - start))" | tee -a "$out/images.txt"
done
