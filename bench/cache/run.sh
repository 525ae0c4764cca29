#!/usr/bin/env bash
# One command for the end-to-end cache benchmark: builds the binaries it needs in build/<preset>
# (default release) and runs services_bench.mjs. Extra arguments go to the script, e.g.
#   bench/cache/run.sh --iterations=40 --format=html
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${MGI_BUILD_DIR:-$root/build/release}
if [[ ! -d $build ]]; then cmake --preset release -B "$build" >/dev/null; fi
cmake --build "$build" --target mgi-catalog mgi-assessment mgi-report >/dev/null
exec node "$root/bench/cache/services_bench.mjs" --bin-dir="$build/bin" "$@"
