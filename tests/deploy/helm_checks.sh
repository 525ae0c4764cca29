#!/bin/sh
# The chart through the real helm (v3.17, tools/bin/helm from tests/deploy/install_helm.py):
#   helm lint --strict, alone and with every ci/*-values.yaml;
#   helm package, then lint and template of the packaged chart (what a registry would serve).
# Rendering each scenario and the chart rules run in tools/chartcheck (also on helm's output).
#   helm_checks.sh <helm> <chart dir> <out dir>
set -eu
helm=$1 chart=$2 out=$3
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HELM_CACHE_HOME=$home/cache HELM_CONFIG_HOME=$home/config HELM_DATA_HOME=$home/data KUBECONFIG=/dev/null
"$helm" version --short
fail=0
run() {  # run <what> <command...>
  what=$1; shift
  if log=$("$@" 2>&1); then
    echo "ok   $what"
  else
    echo "FAIL $what"; echo "$log" | sed 's/^/     /'; fail=1
  fi
}
run "helm lint --strict" "$helm" lint --strict "$chart"
for f in "$chart"/ci/*-values.yaml; do
  run "helm lint --strict -f ci/$(basename "$f")" "$helm" lint --strict "$chart" -f "$f"
done
mkdir -p "$out"
rm -f "$out"/mgi-*.tgz
run "helm package" "$helm" package "$chart" -d "$out"
pkg=$(ls "$out"/mgi-*.tgz 2>/dev/null | head -n 1)
if [ -n "$pkg" ]; then
  run "helm lint --strict $(basename "$pkg")" "$helm" lint --strict "$pkg"
  run "helm template $(basename "$pkg")" "$helm" template mgi "$pkg" -n mgi
  # The package holds the chart and nothing else (no ci/ scenarios' secrets, no editor files).
  run "package contents" sh -c "tar -tzf '$pkg' | grep -v -E '^mgi/(Chart.yaml|values.yaml|values.schema.json|README.md|\.helmignore|templates/.*|ci/.*)$' | { ! grep .; }"
fi
exit $fail
