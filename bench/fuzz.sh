#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz) run longer than ./mgi test runs them:
#   bench/fuzz.sh [seconds per target (default 300)] [target...]     MGI_FUZZ_JOBS=2 runs two at once
# Builds the asan preset's targets, fuzzes each from its seed corpus plus the corpus grown by earlier
# runs (kept in build/asan/fuzz-corpus/<target>/), and prints per target: executions, executions
# per second, coverage (cov: edges reached, ft: features), corpus size and the result. A crash
# leaves its input in build/asan/artifacts/fuzz/<target>/ and fails the script; the full logs are in
# build/asan/fuzz-logs/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-300}
shift || true
build=$root/build/asan
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
[ -f "$build/build.ninja" ] || cmake --preset asan >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^mgi_fuzz_target(NAME \([a-z_]*\).*/\1/p' "$root/tests/fuzz/CMakeLists.txt")
fi
cmake --build "$build" -j "${MGI_JOBS:-2}" --target "${targets[@]/#/fuzz_}"
mkdir -p "$build/fuzz-logs" "$build/sanitizer-reports"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitizers/ubsan.supp}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/sanitizers/lsan.supp}

run_one() {
  local t=$1
  mkdir -p "$build/fuzz-corpus/$t"
  MGI_FUZZ_CORPUS_OUT=$build/fuzz-corpus/$t bash "$root/tests/fuzz/run-fuzz.sh" "$build/bin/fuzz_$t" \
    "$root/tests/fuzz" "$t" "$seconds" "$build/artifacts/fuzz" > "$build/fuzz-logs/$t.log" 2>&1
}

jobs=${MGI_FUZZ_JOBS:-1}
declare -A status
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  echo "fuzz: $t for ${seconds}s" >&2
  ( run_one "$t" && echo ok > "$build/fuzz-logs/$t.result" || echo FAILED > "$build/fuzz-logs/$t.result" ) &
  running=$((running + 1))
done
wait

printf '%-16s %14s %10s %8s %8s %8s  %s\n' target executions exec/s cov ft corpus result
failed=0
for t in "${targets[@]}"; do
  log=$build/fuzz-logs/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  result=$(cat "$build/fuzz-logs/$t.result" 2>/dev/null || echo FAILED)
  [ "$result" = ok ] || failed=1
  printf '%-16s %14s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$result"
done
exit $failed
