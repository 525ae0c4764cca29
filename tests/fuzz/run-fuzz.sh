#!/usr/bin/env bash
# The fuzz ctests: `run-fuzz.sh build <source dir>` configures and builds <source dir>/build/fuzz
# (preset `fuzz`: clang, sanitizers, only the fuzz targets); `run-fuzz.sh run <source dir> <name>
# <seconds> <artifacts dir>` runs fuzz_<name> that long over a scratch copy of its seed corpus.
# A crash leaves its input in the artifacts directory and fails the test.
set -euo pipefail
mode=$1 src=$2
case "$mode" in
  build)
    cd "$src"
    cmake --preset fuzz >/dev/null
    cmake --build build/fuzz -j "${MGI_FUZZ_JOBS:-2}"
    ;;
  run)
    name=$3 seconds=$4 artifacts=$5
    bin=$src/build/fuzz/bin/fuzz_$name
    [ -x "$bin" ] || { echo "$bin is missing: run the fuzz_build test first" >&2; exit 1; }
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$artifacts/$name" "$work/corpus"
    cp "$src/tests/fuzz/corpus/$name"/* "$work/corpus/"
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$name/" "$work/corpus"
    ;;
  *) echo "usage: run-fuzz.sh build <source dir> | run <source dir> <name> <seconds> <artifacts>" >&2
     exit 2 ;;
esac
