#!/usr/bin/env bash
# The tests under a sanitizer build:  tests/sanitizers/run.sh asan|tsan [ctest arguments...]
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer: every test (unit, integration, e2e, browser,
#         deploy, lint), and the fuzz targets for a short time (label fuzz); ./mgi test runs this.
#   tsan  ThreadSanitizer: the same without the browser, fuzz, deploy and lint tests
#         (docs/development.md).
# Configures and builds the preset (clang, -O1), runs its ctest preset (sanitizer options and the suppression files of this
# directory: CMakePresets.json), then prints every report any process wrote (test binaries and the
# services they start, whose exit codes a test may not see) and fails if there is one; under tsan,
# tsan_triage.py counts the reports inside Debian's uninstrumented gRPC/abseil/OpenSSL and fails on
# any other.
# MGI_BUILD_TARGETS="a b" builds only those targets (with -R/-L to run only their tests).
set -euo pipefail
preset=${1:?usage: tests/sanitizers/run.sh asan|tsan [ctest arguments...]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build/$preset
cd "$root"
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
[ -f "$build/build.ninja" ] || cmake --preset "$preset" >/dev/null
start=$SECONDS
read -r -a targets <<<"${MGI_BUILD_TARGETS:-}"
cmake --build "$build" -j "${MGI_JOBS:-2}" ${targets[@]:+--target "${targets[@]}"}
echo "sanitizers: $preset build took $((SECONDS - start)) s" >&2
rm -rf "$build/sanitizer-reports"
mkdir -p "$build/sanitizer-reports"
start=$SECONDS
rc=0
ctest --preset "$preset" "$@" || rc=$?
echo "sanitizers: $preset tests took $((SECONDS - start)) s" >&2
shopt -s nullglob
if [ "$preset" = tsan ]; then
  # Debian's gRPC, abseil and OpenSSL are not instrumented: tsan_triage.py counts the reports
  # inside their thread hand-offs and fails on every other one (docs/development.md).
  files=("$build"/sanitizer-reports/*)
  if [ ${#files[@]} -gt 0 ] && ! python3 "$root/tests/sanitizers/tsan_triage.py" "${files[@]}"; then
    rc=1
  fi
  exit $rc
fi
reports=()
for r in "$build"/sanitizer-reports/*; do  # a file that lists only suppressions is not a report
  if grep -aqE 'ERROR: |runtime error|WARNING: ThreadSanitizer' "$r"; then reports+=("$r"); fi
done
for r in "${reports[@]}"; do
  echo "==== sanitizer report $r" >&2
  head -n 100 "$r" >&2
done
if [ ${#reports[@]} -gt 0 ]; then
  echo "sanitizers: ${#reports[@]} report(s) in $build/sanitizer-reports" >&2
  rc=1
fi
exit $rc
