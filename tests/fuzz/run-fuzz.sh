#!/usr/bin/env bash
# One fuzz ctest (label fuzz, asan build): run-fuzz.sh <fuzz binary> <tests/fuzz dir> <name>
# <seconds> <artifacts dir>
#  1. every input in regressions/<name>/ (the crashes found so far, each fixed) runs once;
#  2. the target fuzzes for <seconds> from a scratch copy of its seed corpus corpus/<name>/, with
#     dict/<name>.dict when there is one.
# A crash or a broken property fails the test and leaves its input in <artifacts dir>/<name>/
# (reproduce: <fuzz binary> <that file>). MGI_FUZZ_CORPUS_OUT=<dir> keeps the grown corpus there
# (bench/fuzz.sh uses it).
set -euo pipefail
bin=$1 dir=$2 name=$3 seconds=$4 artifacts=$5
[ -x "$bin" ] || { echo "$bin is missing: cmake --build build/asan" >&2; exit 1; }
mkdir -p "$artifacts/$name"
if compgen -G "$dir/regressions/$name/*" >/dev/null; then
  echo "== regression inputs of $name"
  "$bin" -timeout=10 -rss_limit_mb=2048 "$dir/regressions/$name"/*
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=${MGI_FUZZ_CORPUS_OUT:-$work/corpus}
mkdir -p "$corpus"
cp "$dir/corpus/$name"/* "$corpus/"
dict=()
[ -f "$dir/dict/$name.dict" ] && dict=(-dict="$dir/dict/$name.dict")
echo "== fuzzing $name for ${seconds}s"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$name/" "${dict[@]}" "$corpus"
