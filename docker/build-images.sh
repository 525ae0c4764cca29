#!/usr/bin/env bash
# Builds the four mgi images from docker/Dockerfile (the same script CI runs).
#   docker/build-images.sh [tag]            tag defaults to the CMake project version
# Environment: REGISTRY (e.g. ghcr.io/iom/), DOCKER (docker|podman), PUSH=1 to push.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(mgi VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
tag=${1:-$version}
docker=${DOCKER:-docker}
for target in catalog assessment report gateway; do
  image="${REGISTRY:-}mgi-${target}:${tag}"
  echo "build-images: $image" >&2
  "$docker" build -f "$root/docker/Dockerfile" --target "$target" \
    --build-arg VERSION="$tag" -t "$image" "$root"
  if [ "${PUSH:-0}" = 1 ]; then "$docker" push "$image"; fi
done
