#!/usr/bin/env bash
# Builds the four mgi images from docker/Dockerfile (the same script CI runs).
#   docker/build-images.sh [tag]            tag defaults to the CMake project version
# Environment: REGISTRY (e.g. ghcr.io/iom/), DOCKER (docker|podman), PUSH=1 to push,
# MGI_BUILD_JOBS (the compile's parallelism; default: ninja's). The build stage's compiler cache is a
# BuildKit cache mount (RUN --mount=type=cache): Docker >= 23 builds with BuildKit by default, older
# ones need DOCKER_BUILDKIT=1 (set here); Podman >= 4 supports it. The first target compiles, the
# other three reuse that stage from the build cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(mgi VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
tag=${1:-$version}
docker=${DOCKER:-docker}
export DOCKER_BUILDKIT=1
for target in catalog assessment report gateway; do
  image="${REGISTRY:-}mgi-${target}:${tag}"
  echo "build-images: $image" >&2
  "$docker" build -f "$root/docker/Dockerfile" --target "$target" \
    --build-arg VERSION="$tag" ${MGI_BUILD_JOBS:+--build-arg MGI_BUILD_JOBS="$MGI_BUILD_JOBS"} \
    -t "$image" "$root"
  if [ "${PUSH:-0}" = 1 ]; then "$docker" push "$image"; fi
done
