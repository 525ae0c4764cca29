#!/usr/bin/env bash
# Runs `buf lint` on the contracts in a scratch workspace that puts Debian's googleapis protos
# (extracted at configure time) beside protos/. Usage: buf_lint.sh <source dir> <build dir>
set -euo pipefail
src=$1 build=$2
buf=$src/tools/node/node_modules/.bin/buf
[ -x "$buf" ] || { echo "buf is not installed: run ./mgi test (npm ci in tools/node)" >&2; exit 1; }
ws=$build/buf-workspace
rm -rf "$ws" && mkdir -p "$ws"
ln -s "$src/protos" "$ws/protos"
ln -s "$build/third_party/googleapis" "$ws/googleapis"
cp "$src/buf.yaml" "$ws/buf.yaml"
cd "$ws"
"$buf" lint --path protos/mgi
echo "buf lint: the contracts pass"
