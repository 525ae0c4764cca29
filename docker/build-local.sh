#!/usr/bin/env bash
# Builds every image target of docker/Dockerfile without a Docker engine or a registry: buildah
# (chroot isolation, as root; overlay storage where the kernel allows it, else vfs) on a Debian base
# image made here with debootstrap.
#   docker/build-local.sh [target...]        default: catalog assessment report gateway
# Writes to $MGI_IMAGES_DIR (default build/images, settings in docker/buildah-env.sh): the image
# store, rootfs-bookworm/ (the debootstrap tree), sbom-<target>.txt (the Debian packages in each
# image: name version), images.txt (size, package count and build time per image), bud-*.log.
# MGI_BUILD_JOBS (default 2) caps the compile's parallelism.
# Then tests/deploy/check_images.sh runs the images (ctest -L images, see docs/deploy.md).
# Every step that cannot run says which and why ("CANNOT: <step>: ..."), and the script exits non-zero.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=docker/buildah-env.sh
. "$root/docker/buildah-env.sh"
out=$mgi_images_dir
version=$(sed -n 's/^project(mgi VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
jobs=${MGI_BUILD_JOBS:-2}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(catalog assessment report gateway)
say() { echo "build-local: $*" >&2; }
die() { say "CANNOT: $*"; exit 1; }
elapsed() { local s=$((SECONDS - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

[ "$(id -u)" = 0 ] || die "step 0 (buildah): needs root: rootless buildah needs /etc/subuid and /etc/subgid ranges for the user, and the image test mounts and chroots"
# buildah and debootstrap are only needed here, so ./mgi test does not install them.
"$root/scripts/install-deps.sh" --images \
  || die "step 1 (tools): scripts/install-deps.sh --images could not install buildah and debootstrap (apt)"
mgi_storage_init >/dev/null || die "step 1 (storage): cannot write $CONTAINERS_STORAGE_CONF"
driver=$STORAGE_DRIVER
say "storage driver $driver, store $out/storage, isolation $BUILDAH_ISOLATION"
buildah info >/dev/null 2>"$out/buildah-info.log" \
  || die "step 1 (storage): buildah cannot open its store with the $driver driver: $(tail -n 2 "$out/buildah-info.log")"

# The Debian mirror this machine's apt uses (the image's sources list points at the same one).
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || die "step 2 (debootstrap): no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
security=${mirror%/debian}/debian-security

# 2. The base images: Debian 12 minbase from this machine's Debian mirror, tagged as the
# Dockerfile's FROMs so that --pull=never resolves them locally (no registry is reachable). Both get
# the official images' apt settings (docker-clean: no .deb or package cache left behind by apt-get
# install; no translations; compressed indexes); the slim tag also the official slim image's dpkg
# excludes and their effect on what debootstrap installed (no docs, man pages or locales), so the
# catalog stage's path-include is exercised as in production. base_recipe names this recipe: an
# image made by another one (base-<tag>.recipe) is made again.
base_recipe=2
base() {
  local tag=$1 slim=$2
  local stamp="$out/base-${tag##*:}.recipe"
  if buildah inspect --type image "$tag" >/dev/null 2>&1 && [ "$(cat "$stamp" 2>/dev/null)" = "$base_recipe" ]; then
    return
  fi
  if [ ! -x "$out/rootfs-bookworm/bin/sh" ]; then
    local start=$SECONDS
    say "debootstrap --variant=minbase bookworm (network: $mirror)"
    rm -rf "$out/rootfs-bookworm.tmp"
    debootstrap --variant=minbase bookworm "$out/rootfs-bookworm.tmp" "$mirror" \
      > "$out/debootstrap.log" 2>&1 \
      || die "step 2 (debootstrap): failed (the Debian mirror $mirror must be reachable): $(tail -n 3 "$out/debootstrap.log")"
    cat > "$out/rootfs-bookworm.tmp/etc/apt/sources.list" <<LIST
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
LIST
    rm -rf "$out/rootfs-bookworm.tmp/var/cache/apt/archives/"*.deb
    mv "$out/rootfs-bookworm.tmp" "$out/rootfs-bookworm"
    say "debootstrap done in $(elapsed "$start")"
  fi
  say "committing $tag"
  local ctr mnt
  ctr=$(buildah from scratch) || die "step 3 (base image): buildah from scratch failed"
  mnt=$(buildah mount "$ctr") || die "step 3 (base image): buildah mount failed (storage driver $driver)"
  cp -a "$out/rootfs-bookworm/." "$mnt/"
  # The official images' /etc/apt/apt.conf.d/docker-* (debuerreotype).
  local clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"'
  cat > "$mnt/etc/apt/apt.conf.d/docker-clean" <<CFG
DPkg::Post-Invoke { $clean; };
APT::Update::Post-Invoke { $clean; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  echo 'Acquire::Languages "none";' > "$mnt/etc/apt/apt.conf.d/docker-no-languages"
  printf '%s\n' 'Acquire::GzipIndexes "true";' 'Acquire::CompressionTypes::Order:: "gz";' \
    > "$mnt/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' > "$mnt/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -rf "$mnt/var/lib/apt/lists/"* "$mnt/var/cache/apt/"*.bin "$mnt/var/cache/apt/archives/"*.deb
  if [ "$slim" = 1 ]; then
    cat > "$mnt/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
    # What debootstrap already installed under those paths (debuerreotype-slimify does the same).
    find "$mnt/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$mnt/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$mnt/usr/share/man/"* "$mnt/usr/share/groff/"* "$mnt/usr/share/info/"* \
      "$mnt/usr/share/lintian/"* "$mnt/usr/share/linda/"*
    find "$mnt/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  fi
  buildah unmount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$ctr"
  buildah commit --quiet "$ctr" "$tag" >/dev/null || die "step 3 (base image): buildah commit $tag failed"
  buildah rm "$ctr" >/dev/null
  echo "$base_recipe" > "$stamp"
}
base docker.io/library/debian:bookworm 0
base docker.io/library/debian:bookworm-slim 1

# bud <target> <image>: one Dockerfile target; --layers keeps every stage's layers, so the shared
# build stage (install-deps, compile) is built by the first call and reused by the others.
bud() {
  buildah bud --pull=never --layers --format docker -f "$root/docker/Dockerfile" --target "$1" \
    --build-arg VERSION="$version" --build-arg MGI_BUILD_JOBS="$jobs" -t "$2" "$root" \
    > "$out/bud-$1.log" 2>&1
}

# 4. The build stage once, alone, so that its time is known and the targets only reuse it.
start=$SECONDS
say "buildah bud --target build (install-deps --build, then the compile, -j$jobs, ccache in $TMPDIR)"
bud build "localhost/mgi-build:$version" \
  || die "step 4 (build stage): buildah bud --target build failed: see $out/bud-build.log: $(tail -n 3 "$out/bud-build.log")"
if grep -q "^Cacheable calls" "$out/bud-build.log"; then
  say "build stage done in $(elapsed "$start"); ccache (cumulative): $(grep -E '^ +(Hits|Misses):' "$out/bud-build.log" | tr -s ' ' | tr '\n' ' ')"
else
  say "build stage done in $(elapsed "$start") (the compile layer was reused: no source changed)"
fi
echo "build stage: $(elapsed "$start")" > "$out/times.txt"

# sbom <image> <name>: writes sbom-<name>.txt (the image's dpkg database: "package version" lines)
# and prints the image's unpacked size in bytes.
sbom() {
  local ctr mnt
  ctr=$(buildah from --pull=never "$1")
  mnt=$(buildah mount "$ctr")
  dpkg-query --admindir="$mnt/var/lib/dpkg" -W -f='${Package} ${Version}\n' | sort > "$out/sbom-$2.txt"
  du -sb "$mnt" | cut -f1
  buildah unmount "$ctr" >/dev/null
  buildah rm "$ctr" >/dev/null
}

# 5. The images, each with an SBOM-style package list and its size (unpacked root); the runtime
# base's list too (sbom-base-slim.txt), to tell what each image adds.
: > "$out/images.txt"
size=$(sbom docker.io/library/debian:bookworm-slim base-slim)
printf 'debian:bookworm-slim (local) %s bytes (%s MB) %s packages\n' "$size" "$((size / 1000000))" \
  "$(wc -l < "$out/sbom-base-slim.txt")" | tee -a "$out/images.txt"
for t in "${targets[@]}"; do
  image="localhost/mgi-$t:$version"
  say "buildah bud --target $t -> $image"
  start=$SECONDS
  bud "$t" "$image" \
    || die "step 5 (image $t): buildah bud --target $t failed: see $out/bud-$t.log: $(tail -n 3 "$out/bud-$t.log")"
  took=$(elapsed "$start")
  size=$(sbom "$image" "$t")
  printf '%s %s bytes (%s MB) %s packages (%s over the base) built in %s\n' "$image" "$size" \
    "$((size / 1000000))" "$(wc -l < "$out/sbom-$t.txt")" \
    "$(cut -d' ' -f1 "$out/sbom-$t.txt" | comm -13 <(cut -d' ' -f1 "$out/sbom-base-slim.txt") - | wc -l)" \
    "$took" | tee -a "$out/images.txt"
done
